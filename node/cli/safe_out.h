/*
 * safe_out.h - lfh's standard output, safe for a terminal.
 *
 * What lfh prints is written by caseworkers of every agency of the hub (a
 * summary, a note, a name given with --as). A control character among it
 * (ESC starting a terminal sequence, a backspace) would act on the
 * reader's terminal: clear the screen, hide or fake a line, retitle the
 * window; a carriage return would overwrite what a line shows.
 * lfh_safe_stdout() puts a filter in front of stdout that prints every
 * control character but tab and line feed (C0, DEL, and the C1 controls
 * U+0080..U+009F) as '?'. JSON never holds one raw (json_string escapes
 * them), so it passes unchanged.
 */
#ifndef LFH_CLI_SAFE_OUT_H
#define LFH_CLI_SAFE_OUT_H

/*
 * The same filter on a text in place (a message for stderr, which may hold
 * what another agency wrote: a redaction's reason in the node's answer).
 */
void lfh_safe_text(char *s);

/* Make stdout the filter over file descriptor 1; 0, or -1 if it could not be (stdout unchanged). */
int lfh_safe_stdout(void);

#endif
