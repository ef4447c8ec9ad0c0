/*
 * remind.c - reminders of due items that move to warning or overdue
 * (include/lfh/remind.h).
 *
 * A look at the due dates goes through the cases in id order, a slice per
 * tick: each slice projects cases in one read transaction until its time
 * (LFH_REMIND_SLICE_MS) is up, compares each of our items with what the
 * store says we last reminded of, and collects the changes and the
 * reminders to send; then one write transaction records the changes, and
 * only once it committed are the reminders queued. The next slice resumes
 * after the last case done. A slice that would overfill the queue stops
 * before the case that would (so a case is always done whole).
 *
 * Projecting every case at every look would cost a core on a large store, so
 * each case also has a record of its own (kind 0): the HLC of its last event
 * when it was projected, and the earliest moment one of our items there
 * changes status (or a day later at most: a paused action resuming, a
 * sharing key arriving). A case with no new event is not projected again
 * before then: a look is then one LMDB read per case.
 *
 * Commands are started from the queue while fewer than LFH_REMIND_RUNNING
 * run, with fork and execv (no shell): in the child only async-signal-safe
 * calls are made. The item's JSON goes down a pipe that is written once,
 * without blocking (it is far smaller than a pipe's buffer). Children are
 * reaped with waitpid(WNOHANG) at every tick; nothing here ever waits,
 * but lfh_remind_stop (bounded).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lfh/buf.h"
#include "lfh/hlc.h"
#include "lfh/log.h"
#include "lfh/osara.h"
#include "lfh/project.h"
#include "lfh/remind.h"
#include "lfh/store.h"

#define KILL_AFTER_MS 5000                      /* SIGKILL this long after SIGTERM */
#define QUEUE_MAX (2 * LFH_OSARA_MAX_DUE)       /* reminders waiting for a free slot */
#define CASE_UPDATES (2 * LFH_OSARA_MAX_DUE + 1) /* store changes of one case at most */
#define UPDATES_MAX (2 * CASE_UPDATES)          /* store changes of one slice */
#define RECHECK_MS 86400000ULL                  /* a case unchanged is projected again daily */
#define KEY_MAX (LFH_CASE_LEN + 1 + LFH_OSARA_ACTION_ID_LEN)
#define VAL_LEN 16 /* an item: status(1) due_ms(8 BE); a case (kind 0): last_hlc(8) next_ms(8) */
#define CLOSE_FDS_MAX 65536
#define SLICE_GAP_MS 50 /* between two slices of one look: the loop's other work comes first */

typedef struct reminder {
	char kind[8], status[10];
	char case_arg[LFH_OSARA_REF_MAX + 2 * LFH_CASE_LEN + 1];
	char due_date[11];
	char owner[LFH_OSARA_NAME_MAX + 1];
	char item[LFH_OSARA_ACTION_ID_LEN + 1];
	char *json;
	size_t json_len;
} reminder;

typedef struct child {
	pid_t pid;           /* 0: free slot */
	uint64_t started_ms; /* monotonic */
	int termed;          /* SIGTERM sent */
	char what[128];      /* for the log */
} child;

typedef struct update {
	uint8_t key[KEY_MAX];
	size_t klen;
	uint8_t val[VAL_LEN];
	int del;
} update;

typedef struct stored {
	uint8_t key[KEY_MAX];
	size_t klen;
	uint8_t val[VAL_LEN];
	int seen;
} stored;

struct lfh_remind {
	lfh_node *n;
	child run[LFH_REMIND_RUNNING];
	reminder *queue; /* QUEUE_MAX */
	size_t nqueue;
	update *upd;     /* UPDATES_MAX: one slice's */
	size_t nupd;
	stored *recs;    /* LFH_OSARA_MAX_DUE: one case's records of items */
	size_t nrecs;
	int has_mark;    /* the case's own record (kind 0): when to project it again */
	uint8_t mark[VAL_LEN];
	lfh_osara_state *st;
	lfh_osara_due_item *items;
	int scanning;
	int has_cursor;
	uint8_t cursor[LFH_CASE_LEN]; /* the last case done in this look */
	uint64_t next_look_ms;        /* monotonic */
	uint64_t next_slice_ms;       /* monotonic */
	int failing;                  /* the last slice failed (logged once until one works) */
};

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int lfh_remind_start(lfh_remind **out, lfh_node *n, lfh_err *err)
{
	lfh_remind *r = calloc(1, sizeof *r);

	*out = NULL;
	if (!r)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	r->n = n;
	r->queue = calloc(QUEUE_MAX, sizeof *r->queue);
	r->upd = calloc(UPDATES_MAX, sizeof *r->upd);
	r->recs = calloc(LFH_OSARA_MAX_DUE, sizeof *r->recs);
	r->st = malloc(sizeof *r->st);
	r->items = calloc(LFH_OSARA_MAX_DUE, sizeof *r->items);
	if (!r->queue || !r->upd || !r->recs || !r->st || !r->items) {
		lfh_remind_stop(r);
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	}
	r->next_look_ms = mono_ms(); /* a first look at once */
	*out = r;
	return 0;
}

/* ------------------------------------------------------------------ */
/* JSON (plain formatting; any byte that is not valid UTF-8 becomes U+FFFD) */

/* Length of the valid UTF-8 sequence at s (1..4), or 0. */
static size_t utf8_len(const unsigned char *s, size_t left)
{
	size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;

	if (s[0] >= 0xf8 || n == 0 || n > left)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((n == 3 && s[0] == 0xe0 && s[1] < 0xa0) || (n == 3 && s[0] == 0xed && s[1] >= 0xa0) ||
	    (n == 4 && s[0] == 0xf0 && s[1] < 0x90) || (n == 4 && s[0] == 0xf4 && s[1] >= 0x90))
		return 0; /* overlong, surrogate, beyond U+10FFFF */
	return n;
}

static int json_str(lfh_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s);
	int rc = lfh_buf_append(b, "\"", 1);

	while (!rc && left) {
		char esc[8];
		size_t n = 1;
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\', esc[1] = (char)*p;
			rc = lfh_buf_append(b, esc, 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(esc, sizeof esc, "\\u%04x", *p);
			rc = lfh_buf_append(b, esc, 6);
		} else if (*p < 0x80) {
			rc = lfh_buf_append(b, p, 1);
		} else if ((n = utf8_len(p, left)) != 0) {
			rc = lfh_buf_append(b, p, n);
		} else {
			n = 1;
			rc = lfh_buf_append(b, "\\ufffd", 6);
		}
		p += n;
		left -= n;
	}
	return rc ? rc : lfh_buf_append(b, "\"", 1);
}

static int json_field(lfh_buf *b, const char *name, const char *value, int first)
{
	int rc = lfh_buf_append(b, first ? "{" : ",", 1);
	if (!rc)
		rc = json_str(b, name);
	if (!rc)
		rc = lfh_buf_append(b, ":", 1);
	return rc ? rc : json_str(b, value);
}

static int json_num(lfh_buf *b, const char *name, long long v)
{
	char num[32];
	int rc = lfh_buf_append(b, ",", 1);
	if (!rc)
		rc = json_str(b, name);
	snprintf(num, sizeof num, ":%lld", v);
	return rc ? rc : lfh_buf_append(b, num, strlen(num));
}

/* ------------------------------------------------------------------ */
/* one look: a slice of cases                                          */

struct slice {
	lfh_remind *r;
	lfh_txn *t;
	uint64_t now_ms;      /* the due clock (lfh_retention_now) */
	uint64_t deadline_ms; /* monotonic */
	size_t ncases;
	size_t nskipped;      /* of which unchanged since the last look: not projected */
	size_t queue_from;    /* reminders this slice queued start here */
	int stopped;          /* stopped before the end of the cases */
	lfh_err *err;
};

static size_t item_key(uint8_t key[KEY_MAX], const uint8_t case_id[LFH_CASE_LEN],
		       const lfh_osara_due_item *it)
{
	size_t rl = strnlen(it->ref, LFH_OSARA_ACTION_ID_LEN);

	memcpy(key, case_id, LFH_CASE_LEN);
	key[LFH_CASE_LEN] = (uint8_t)it->kind;
	memcpy(key + LFH_CASE_LEN + 1, it->ref, rl);
	return LFH_CASE_LEN + 1 + rl;
}

static int rec_fn(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	lfh_remind *r = ctx;
	stored *s;

	if (klen == LFH_CASE_LEN + 1 && key[LFH_CASE_LEN] == 0) {
		memset(r->mark, 0, sizeof r->mark);
		memcpy(r->mark, val, vlen < VAL_LEN ? vlen : VAL_LEN);
		r->has_mark = 1;
		return 0;
	}
	if (r->nrecs >= LFH_OSARA_MAX_DUE)
		return 1;
	if (klen > KEY_MAX || klen <= LFH_CASE_LEN)
		return 0; /* not ours to read: left alone */
	s = &r->recs[r->nrecs++];
	memcpy(s->key, key, klen);
	s->klen = klen;
	memset(s->val, 0, sizeof s->val);
	memcpy(s->val, val, vlen < VAL_LEN ? vlen : VAL_LEN);
	s->seen = 0;
	return 0;
}

/* The last day an item is on time (UTC): its due date for an open action, else the day before due_ms. */
static void due_date(const lfh_osara_state *st, const lfh_osara_due_item *it, char out[11])
{
	time_t sec = (time_t)((it->due_ms ? it->due_ms - 1 : 0) / 1000);
	struct tm tm;

	for (uint32_t k = 0; it->kind == LFH_OSARA_DUE_ACTION && k < st->nactions; k++)
		if (!strcmp(st->actions[k].id, it->ref) && !strcmp(st->actions[k].status, "open") &&
		    lfh_osara_date_days(st->actions[k].due) >= 0) {
			memcpy(out, st->actions[k].due, 10);
			out[10] = '\0';
			return;
		}
	gmtime_r(&sec, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* Queue a reminder of it (of case_id, projected in st). */
static int queue(struct slice *sl, const uint8_t case_id[LFH_CASE_LEN], const lfh_osara_state *st,
		 const lfh_osara_due_item *it)
{
	lfh_remind *r = sl->r;
	reminder *q = &r->queue[r->nqueue];
	char hex[2 * LFH_CASE_LEN + 1];
	const char *team = "";
	lfh_buf b = { 0 };
	int rc;

	memset(q, 0, sizeof *q);
	lfh_hex(hex, case_id, LFH_CASE_LEN);
	snprintf(q->kind, sizeof q->kind, "%s", lfh_osara_due_kind_name(it->kind));
	snprintf(q->status, sizeof q->status, "%s", lfh_osara_due_status_name(it->status));
	snprintf(q->case_arg, sizeof q->case_arg, "%s", st->ref[0] ? st->ref : hex);
	snprintf(q->owner, sizeof q->owner, "%s", it->owner);
	snprintf(q->item, sizeof q->item, "%s", it->ref);
	due_date(st, it, q->due_date);
	for (uint32_t k = 0; it->kind == LFH_OSARA_DUE_ACTION && k < st->nactions; k++)
		if (!strcmp(st->actions[k].id, it->ref))
			team = st->actions[k].for_team;
	rc = json_field(&b, "node", r->n->cfg.agency, 1);
	if (!rc)
		rc = json_field(&b, "kind", q->kind, 0);
	if (!rc)
		rc = json_field(&b, "status", q->status, 0);
	if (!rc)
		rc = json_field(&b, "case", hex, 0);
	if (!rc)
		rc = json_field(&b, "ref_case", st->ref, 0);
	if (!rc)
		rc = json_field(&b, "item", it->ref, 0);
	if (!rc)
		rc = json_field(&b, "what", it->what, 0);
	if (!rc)
		rc = json_field(&b, "agency", it->owner, 0);
	if (!rc)
		rc = json_field(&b, "team", team, 0);
	if (!rc)
		rc = json_field(&b, "due_date", q->due_date, 0);
	if (!rc)
		rc = json_num(&b, "due_ms", (long long)it->due_ms);
	if (!rc)
		rc = json_num(&b, "days_left", (long long)it->days_left);
	if (!rc)
		rc = json_field(&b, "summary", st->summary, 0);
	if (!rc)
		rc = lfh_buf_append(&b, "}\n", 2);
	if (rc) {
		lfh_buf_free(&b);
		return lfh_err_set(sl->err, LFH_ENOMEM, "out of memory");
	}
	q->json = (char *)b.data;
	q->json_len = b.len;
	r->nqueue++;
	return 0;
}

static void drop_queued(lfh_remind *r, size_t from)
{
	while (r->nqueue > from)
		free(r->queue[--r->nqueue].json);
}

/*
 * One case: its items of ours at warning or overdue that the store does
 * not say were reminded of as they are now are queued, and recorded; records
 * of items on target or gone are deleted. 1 (stop before this case) if the
 * queue or the slice's updates could overflow.
 */
static int case_fn(void *ctx, const uint8_t case_id[LFH_CASE_LEN], const lfh_record *meta)
{
	struct slice *sl = ctx;
	lfh_remind *r = sl->r;
	size_t n = 0, nupd = r->nupd, nqueue = r->nqueue;
	uint64_t last_hlc = 0, next_ms = sl->now_ms + RECHECK_MS;
	update *u;
	int rc;

	if (sl->ncases && mono_ms() >= sl->deadline_ms) {
		sl->stopped = 1;
		return 1;
	}
	if (r->nqueue + LFH_OSARA_MAX_DUE > QUEUE_MAX || r->nupd + CASE_UPDATES > UPDATES_MAX) {
		sl->stopped = 1;
		return 1;
	}
	lfh_record_uint(meta, "last_hlc", &last_hlc);
	r->nrecs = 0;
	r->has_mark = 0;
	if ((rc = lfh_store_tbl_scan(sl->t, LFH_TBL_REMINDED, case_id, LFH_CASE_LEN, rec_fn, r,
				     sl->err)))
		return rc;
	if (r->has_mark && lfh_be64_get(r->mark) == last_hlc &&
	    sl->now_ms < lfh_be64_get(r->mark + 8)) {
		sl->nskipped++; /* no new event, and nothing of ours changes status before then */
		goto done;
	}
	if ((rc = lfh_node_project(r->n, sl->t, case_id, r->st, sl->err))) {
		if (rc == LFH_ENOMEM)
			return rc;
		log_warn("reminders: case %02x%02x%02x%02x... skipped: %s", case_id[0], case_id[1],
			 case_id[2], case_id[3], sl->err->msg);
		lfh_err_clear(sl->err);
		r->st->stage = LFH_OSARA_NONE; /* as if it had nothing due: looked at again next time */
		next_ms = sl->now_ms; /* and not marked as done */
	}
	if (r->st->stage != LFH_OSARA_NONE && r->st->stage != LFH_OSARA_CLOSED &&
	    (rc = lfh_osara_due(r->st, sl->now_ms, r->items, LFH_OSARA_MAX_DUE, &n)))
		return lfh_err_set(sl->err, rc, "due dates of a case: bad state");
	for (size_t i = 0; i < n && i < LFH_OSARA_MAX_DUE; i++) {
		const lfh_osara_due_item *it = &r->items[i];
		uint64_t change = it->status == LFH_OSARA_ON_TARGET ?
					  it->due_ms - LFH_OSARA_WARN_DAYS * LFH_OSARA_DAY_MS :
				  it->status == LFH_OSARA_WARNING ? it->due_ms : UINT64_MAX;
		stored *was = NULL;

		if (strcmp(it->owner, r->n->cfg.agency))
			continue;
		if (change < next_ms)
			next_ms = change;
		if (it->status < LFH_OSARA_WARNING)
			continue;
		u = &r->upd[r->nupd];
		memset(u, 0, sizeof *u);
		u->klen = item_key(u->key, case_id, it);
		for (size_t k = 0; k < r->nrecs && !was; k++)
			if (r->recs[k].klen == u->klen && !memcmp(r->recs[k].key, u->key, u->klen))
				was = &r->recs[k];
		u->val[0] = (uint8_t)it->status;
		lfh_be64_put(u->val + 1, it->due_ms);
		if (was)
			was->seen = 1;
		if (was && !memcmp(was->val, u->val, VAL_LEN))
			continue; /* reminded of already, as it is now */
		r->nupd++;
		if ((rc = queue(sl, case_id, r->st, it))) {
			r->nupd = nupd;
			drop_queued(r, nqueue);
			return rc;
		}
	}
	for (size_t k = 0; k < r->nrecs; k++)
		if (!r->recs[k].seen) { /* on target again, done, or gone: forget it */
			u = &r->upd[r->nupd++];
			memcpy(u->key, r->recs[k].key, r->recs[k].klen);
			u->klen = r->recs[k].klen;
			u->del = 1;
		}
	u = &r->upd[r->nupd];
	memset(u, 0, sizeof *u);
	memcpy(u->key, case_id, LFH_CASE_LEN);
	u->klen = LFH_CASE_LEN + 1; /* kind 0: the case itself */
	lfh_be64_put(u->val, last_hlc);
	lfh_be64_put(u->val + 8, next_ms);
	if (!r->has_mark || memcmp(r->mark, u->val, VAL_LEN))
		r->nupd++;
done:
	memcpy(r->cursor, case_id, LFH_CASE_LEN);
	r->has_cursor = 1;
	sl->ncases++;
	return 0;
}

/* Record the slice's changes durably; 0, or the store's error (nothing recorded). */
static int record(lfh_remind *r, lfh_err *err)
{
	lfh_txn *t = NULL;
	int rc;

	if (!r->nupd)
		return 0;
	if ((rc = lfh_txn_begin(r->n->store, 1, &t, err)))
		return rc;
	for (size_t i = 0; !rc && i < r->nupd; i++) {
		const update *u = &r->upd[i];
		rc = u->del ? lfh_store_tbl_del(t, LFH_TBL_REMINDED, u->key, u->klen, err)
			    : lfh_store_tbl_put(t, LFH_TBL_REMINDED, u->key, u->klen, u->val, VAL_LEN, err);
	}
	if (rc) {
		lfh_txn_abort(t);
		return rc;
	}
	return lfh_txn_commit(t, err);
}

static void look(lfh_remind *r, uint64_t now_mono)
{
	struct slice sl = { r, NULL, lfh_retention_now(), now_mono + LFH_REMIND_SLICE_MS, 0, 0,
			    r->nqueue, 0, NULL };
	lfh_err err = { 0 };
	uint8_t was[LFH_CASE_LEN];
	int had = r->has_cursor, rc;

	sl.err = &err;
	memcpy(was, r->cursor, sizeof was);
	r->nupd = 0;
	rc = lfh_txn_begin(r->n->store, 0, &sl.t, &err);
	if (!rc)
		rc = lfh_store_scan_cases_after(sl.t, had ? was : NULL, case_fn, &sl, &err);
	lfh_txn_abort(sl.t);
	if (!rc)
		rc = record(r, &err);
	if (rc) { /* nothing recorded: nothing sent, and this slice is done again */
		drop_queued(r, sl.queue_from);
		memcpy(r->cursor, was, sizeof was);
		r->has_cursor = had;
		if (!r->failing)
			log_error("reminders: %s (trying again in %u s)", err.msg, r->n->cfg.reminder_every);
		r->failing = 1;
		r->scanning = 0;
		r->has_cursor = 0;
		r->next_look_ms = now_mono + (uint64_t)r->n->cfg.reminder_every * 1000;
		return;
	}
	r->failing = 0;
	if (!sl.stopped) { /* every case looked at */
		log_debug("reminders: the due dates of every case looked at (%zu reminders waiting)",
			  r->nqueue);
		r->scanning = 0;
		r->has_cursor = 0;
		r->next_look_ms = now_mono + (uint64_t)r->n->cfg.reminder_every * 1000;
	}
}

/* ------------------------------------------------------------------ */
/* running the command                                                 */

static void describe(const reminder *q, char *out, size_t size)
{
	snprintf(out, size, "%s %s%s%s of %s (due %s)", q->kind, q->status, q->item[0] ? " " : "",
		 q->item, q->case_arg, q->due_date);
}

/* Start the command for q in slot c; 0, or -1 (logged). */
static int spawn(lfh_remind *r, const reminder *q, child *c)
{
	const char *cmd = r->n->cfg.reminder_command;
	char *argv[] = { (char *)cmd, (char *)q->kind, (char *)q->status, (char *)q->case_arg,
			 (char *)q->due_date, (char *)q->owner, NULL };
	long open_max = sysconf(_SC_OPEN_MAX);
	struct sigaction sa;
	sigset_t none;
	int fds[2], maxfd = open_max > 0 && open_max < CLOSE_FDS_MAX ? (int)open_max : CLOSE_FDS_MAX;
	pid_t pid;
	ssize_t w;

	describe(q, c->what, sizeof c->what);
	if (pipe(fds) != 0) {
		log_error("reminder for %s: no pipe: %s", c->what, strerror(errno));
		return -1;
	}
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&none);
	pid = fork();
	if (pid < 0) {
		log_error("reminder for %s: cannot start %s: %s", c->what, cmd, strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) { /* the child: async-signal-safe calls only, then exec */
		int devnull;

		setpgid(0, 0);
		for (int sig = 1; sig < 32; sig++)
			if (sig != SIGKILL && sig != SIGSTOP)
				sigaction(sig, &sa, NULL);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (fds[0] != 0 && dup2(fds[0], 0) < 0)
			_exit(126);
		devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0 && devnull != 1)
			dup2(devnull, 1);
		for (int fd = 3; fd < maxfd; fd++)
			close(fd);
		execv(cmd, argv);
		_exit(127);
	}
	close(fds[0]);
	setpgid(pid, pid); /* as the child does: whichever runs first */
	c->pid = pid;
	c->started_ms = mono_ms();
	c->termed = 0;
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	do
		w = write(fds[1], q->json, q->json_len);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)q->json_len)
		log_warn("reminder for %s: its details were not all written to %s's input (%s)",
			 c->what, cmd, w < 0 ? strerror(errno) : "pipe full");
	close(fds[1]);
	log_info("reminder for %s: running %s", c->what, cmd);
	return 0;
}

/* Reap c if it ended (and log how); stop it if it has run too long. */
static void watch(child *c, uint64_t now)
{
	int status = 0;
	pid_t got = waitpid(c->pid, &status, WNOHANG);

	if (got == c->pid || (got < 0 && errno == ECHILD)) {
		if (got < 0)
			log_warn("reminder for %s: its process is gone (not ours to reap)", c->what);
		else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			log_debug("reminder for %s: sent", c->what);
		else if (WIFEXITED(status))
			log_warn("reminder for %s: the command failed (exit status %d%s)", c->what,
				 WEXITSTATUS(status),
				 WEXITSTATUS(status) == 127 ? ": could it be run?" : "");
		else if (WIFSIGNALED(status))
			log_warn("reminder for %s: the command was killed by signal %d%s", c->what,
				 WTERMSIG(status), c->termed ? " (it ran too long)" : "");
		c->pid = 0;
		return;
	}
	if (!c->termed && now - c->started_ms >= LFH_REMIND_TIMEOUT_S * 1000ULL) {
		log_warn("reminder for %s: the command still runs after %d s: stopping it", c->what,
			 LFH_REMIND_TIMEOUT_S);
		kill(-c->pid, SIGTERM);
		kill(c->pid, SIGTERM);
		c->termed = 1;
	} else if (c->termed && now - c->started_ms >= LFH_REMIND_TIMEOUT_S * 1000ULL + KILL_AFTER_MS) {
		kill(-c->pid, SIGKILL);
		kill(c->pid, SIGKILL);
	}
}

void lfh_remind_tick(lfh_remind *r)
{
	uint64_t now = mono_ms();
	size_t started = 0;

	if (!r)
		return;
	for (int i = 0; i < LFH_REMIND_RUNNING; i++)
		if (r->run[i].pid)
			watch(&r->run[i], now);
	for (int i = 0; i < LFH_REMIND_RUNNING && started < r->nqueue; i++)
		if (!r->run[i].pid && r->n->cfg.reminder_command[0]) {
			spawn(r, &r->queue[started], &r->run[i]); /* a failure is logged, not retried */
			free(r->queue[started].json);
			started++;
		}
	if (started) {
		memmove(r->queue, r->queue + started, (r->nqueue - started) * sizeof *r->queue);
		r->nqueue -= started;
	}
	if (!r->n->cfg.reminder_command[0]) {
		drop_queued(r, 0); /* turned off (SIGHUP) */
		r->scanning = 0;
		r->has_cursor = 0;
		return;
	}
	if (!r->scanning && now >= r->next_look_ms)
		r->scanning = 1;
	if (r->scanning && now >= r->next_slice_ms && r->nqueue + LFH_OSARA_MAX_DUE <= QUEUE_MAX) {
		look(r, now);
		r->next_slice_ms = mono_ms() + SLICE_GAP_MS;
	}
}

void lfh_remind_stop(lfh_remind *r)
{
	uint64_t deadline;

	if (!r)
		return;
	for (int i = 0; i < LFH_REMIND_RUNNING; i++)
		if (r->run[i].pid) {
			kill(-r->run[i].pid, SIGTERM);
			kill(r->run[i].pid, SIGTERM);
		}
	deadline = mono_ms() + 1000;
	for (int i = 0; i < LFH_REMIND_RUNNING; i++) {
		child *c = &r->run[i];
		while (c->pid && waitpid(c->pid, NULL, WNOHANG) == 0 && mono_ms() < deadline) {
			struct timespec ts = { 0, 10 * 1000000L };
			nanosleep(&ts, NULL);
		}
		if (c->pid && waitpid(c->pid, NULL, WNOHANG) == 0) {
			kill(-c->pid, SIGKILL);
			kill(c->pid, SIGKILL);
			waitpid(c->pid, NULL, 0);
		}
		c->pid = 0;
	}
	drop_queued(r, 0);
	free(r->queue);
	free(r->upd);
	free(r->recs);
	free(r->st);
	free(r->items);
	free(r);
}
