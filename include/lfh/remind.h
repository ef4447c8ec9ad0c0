/*
 * remind.h - reminders (#15 item 7): when one of this agency's due items
 * moves to warning or overdue (lfh_osara_due: an open action tasked to this
 * agency; the first case meeting or the monthly review of a case it leads),
 * the node runs cfg.reminder_command once for that change, e.g. a mail
 * sender, so each agency's node reminds its own people.
 *
 * The command is run without a shell, as
 *
 *   COMMAND KIND STATUS CASE DUE_DATE AGENCY
 *
 * KIND action|meeting|review, STATUS warning|overdue, CASE the case's
 * reference (its id without one), DUE_DATE the last day on time
 * (YYYY-MM-DD, UTC), AGENCY the owner (this agency); the whole item is one
 * JSON object on its standard input (node, kind, status, case, ref_case,
 * item, what, agency, team, due_date, due_ms, days_left, summary). Its
 * standard output is discarded, its standard error is lfhd's (the log).
 * It runs in a process group of its own; one still running after
 * LFH_REMIND_TIMEOUT_S gets SIGTERM, then SIGKILL; a failure is logged and
 * not retried. At most LFH_REMIND_RUNNING run at once.
 *
 * The last status reminded of, per (case, kind, item), is kept in the store
 * (LFH_TBL_REMINDED) before the command starts, so a restart does not remind
 * again (at most once per change); an item back on target (a new due date,
 * a review held) or gone forgets it, so its next warning reminds again.
 *
 * The due dates are looked at when the node starts and every
 * cfg.reminder_every seconds after, against lfh_retention_now() (hlc.h: a
 * test moves it with LFH_TEST_CLOCK_FILE), a few cases per tick
 * (LFH_REMIND_SLICE_MS, resuming where it stopped), so that a store of
 * 100,000 cases never holds up the loop. Nothing runs without
 * reminder_command; both keys apply live (SIGHUP).
 * Implemented in node/core/remind.c.
 */
#ifndef LFH_REMIND_H
#define LFH_REMIND_H

#include "lfh/err.h"
#include "lfh/node.h"

#define LFH_REMIND_RUNNING 4     /* commands running at once */
#define LFH_REMIND_TIMEOUT_S 30  /* then SIGTERM; SIGKILL 5 s later */
#define LFH_REMIND_SLICE_MS 20   /* time one tick may spend looking at cases */

typedef struct lfh_remind lfh_remind;

int lfh_remind_start(lfh_remind **out, lfh_node *n, lfh_err *err);

/*
 * From the main loop, as often as it turns: reap finished commands (their
 * failures are logged), stop those over time, look at the next few cases
 * when a look is due, and run the command for what changed.
 */
void lfh_remind_tick(lfh_remind *r);

/* Commands still running get SIGTERM (then SIGKILL within a second) and are reaped. */
void lfh_remind_stop(lfh_remind *r);

#endif
