/*
 * client.h - what every lfh subcommand shares: global options, one
 * request/reply exchange with the local lfhd, and output as a table or JSON.
 */
#ifndef LFH_CLI_CLIENT_H
#define LFH_CLI_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "lfh/record.h"
#include "lfh/wire.h"

typedef struct cli_globals {
	const char *config;  /* -c FILE: read [node] control from it */
	const char *control; /* -C ENDPOINT, or $LFH_CONTROL */
	const char *by;      /* --as NAME, $LFH_USER, or the login name */
	const char *key;     /* --key FILE: the user key that signs requests */
	char config_broken[256]; /* why the config file does not load, though its control was
				  * read ("" if it loads): lfh status warns */
} cli_globals;

extern cli_globals cli_g;

/* Print "lfh: <message>" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Say what getopt_long (optstring starting with ':', opterr 0) returned c
 * for: "option '--x' needs a value" or "unknown option '--x'", pointing at
 * `lfh CMD --help`. Returns 2, the exit status of bad usage.
 */
int cli_bad_option(const char *cmd, char **argv, int c);

/*
 * An option given twice is refused rather than the last one taken unseen (a
 * signed entry would say what the user did not mean): when given, says so,
 * pointing at `lfh CMD --help`, and returns 2; else 0.
 */
int cli_given_twice(int given, const char *opt, const char *cmd);

/*
 * The user key that signs requests (PROTOCOL.md 10.1): --key FILE, else
 * $LFH_KEY, else ~/.config/lfh/user.key if it exists. An INI file
 *   [user]
 *   name = NAME
 *   key = <128 hex: the Ed25519 secret key>
 * readable by its owner only.
 */
#define CLI_NAME_MAX 63
typedef struct cli_user_key {
	char name[CLI_NAME_MAX + 1];
	unsigned char sk[64];
} cli_user_key;

/* Load the key at path (checked as above); prints the error and returns 1 on failure. */
int cli_key_load(const char *path, cli_user_key *k);

/* Is s a valid user name (1..63 of [A-Za-z0-9 ._'-], no leading/trailing space)? */
int cli_user_name_valid(const char *s);

/*
 * Send req to the node and wait for the reply. If a user key is available
 * (see above) the request is signed with it (fields user, ts, nonce, sig). Returns 0 on a successful
 * reply; otherwise prints the error and returns the exit status (1).
 */
int cli_call(const lfh_record *req, lfh_reply *rep);

/*
 * One connection for many requests (lfh import): the checks and the node's
 * `hello` of cli_call once, then cli_conn_call as cli_call for each
 * request. open: 0, or 1 after printing why.
 */
typedef struct cli_conn cli_conn;
int cli_conn_open(cli_conn **out);
int cli_conn_call(cli_conn *c, const lfh_record *req, lfh_reply *rep);
/*
 * cli_conn_call in two halves, so that the client can prepare its next
 * request while the node works on this one: send, then (before the next
 * send) receive its reply. Each 0, or 1 after printing why.
 */
int cli_conn_send(cli_conn *c, const lfh_record *req);
int cli_conn_recv(cli_conn *c, lfh_reply *rep);
void cli_conn_close(cli_conn *c);

/*
 * cli_call for a listing the node answers in pages (PROTOCOL.md 10): asks
 * for each next page (setting `after` in req) until the last, and returns
 * every record in rep, without the page markers.
 */
int cli_call_pages(lfh_record *req, lfh_reply *rep);
/* cli_call_pages, saying how many pages it read (each in a transaction of its own). */
int cli_call_pages_n(lfh_record *req, lfh_reply *rep, size_t *npages);

/* Print records as JSON: one object if !as_array (records[0]), else an array. */
void cli_print_json(const lfh_record *recs, size_t n, int as_array);

/* Records as CSV (RFC 4180 quoting): a header line of fields, then one row per record. */
void cli_print_csv(const lfh_record *recs, size_t n, const char *const *fields, size_t nfields);

/* Column of a table: record field and heading; width 0 = fit content (max 40). */
typedef struct cli_column {
	const char *field;
	const char *heading;
	size_t max;
} cli_column;

void cli_print_table(const lfh_record *recs, size_t n, const cli_column *cols, size_t ncols);

/* Field value as text ("" if absent); uints formatted into buf. */
const char *cli_field(const lfh_record *r, const char *key, char *buf, size_t size);

/*
 * --on VALUE, when something happened, as the node stores it: a date
 * "YYYY-MM-DD" as it is, a local time "YYYY-MM-DD HH:MM" or
 * "YYYY-MM-DDTHH:MM" (zone $LFH_TZ, default Europe/London) converted to UTC
 * "YYYY-MM-DDTHH:MMZ". 0, or -1 after printing what was wrong.
 */
int cli_on_value(const char *in, char out[18]);

/*
 * ms since the epoch as "YYYY-MM-DD HH:MM" in the zone lfh shows times in
 * ($LFH_TZ, default Europe/London; UTC with "Z" when utc is set).
 */
void cli_time(uint64_t ms, int utc, char out[32]);

/* An "on" as stored (a date, or a UTC "YYYY-MM-DDTHH:MMZ") as it is shown: a date stays a date. */
void cli_on_text(const char *on, int utc, char out[32]);

/*
 * When a case entry (a case_show record) says it happened: its "on", or a
 * case meeting's "date"; NULL when it says nothing (it happened when it was
 * recorded). The node orders entries by the same (on_ms).
 */
const char *cli_entry_on(const lfh_record *e);

/* The zone lfh shows local times in: $LFH_TZ, default Europe/London. */
const char *cli_zone(void);
/* 0 if cli_zone() is a zone the machine knows; else says so (LFH_TZ misspelt, no tzdata). */
int cli_zone_check(void);

/* What a case entry (a case_show record) says, in words: "action 1a2b for housing ...". */
void cli_entry_text(const lfh_record *e, char *buf, size_t size);
/* A buffer for what entry e says (cli_entry_text and what a view adds to it) with nothing
 * cut: a long note is shown whole. Free it; NULL when out of memory. */
char *cli_entry_text_buf(const lfh_record *e, size_t *size);

/* qsort order of case entries: when they happened (on_ms), then when recorded (hlc). */
int cli_by_on(const void *a, const void *b);

#endif
