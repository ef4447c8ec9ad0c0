/*
 * store.c - the node's durable state in LMDB (see include/lfh/store.h):
 * the environment, transactions, events and their indexes. Reading the
 * indexes back (the scans) is in store_scan.c; the smaller keyed state
 * (cases, sharing keys and grants, peer cursors, meta counters, audit log,
 * governance tables) in store_state.c; internals shared by the three files
 * are in store_int.h.
 *
 * Design:
 * - One environment per node, opened with MDB_NOTLS (a read txn and the
 *   write txn may both be open in the one daemon thread) and sync on (no
 *   MDB_NOSYNC / MDB_NOMETASYNC), so a committed write txn is durable.
 *   The data dir is created 0700 if missing; data.mdb and lock.mdb are 0600.
 *   The map is sparse: the default 16 GiB costs nothing until used.
 * - Every named database is opened (MDB_CREATE) once, in one write txn at
 *   open time; the MDB_dbi handles live in the store for its lifetime.
 * - `events` maps an event id to its lseq (8, BE); the envelope is in
 *   `envelopes` under that lseq. Ids are hashes, so a new id lands on a
 *   random page of `events`: keeping its entries small (40 bytes, not the
 *   ~700 of an envelope) keeps the pages a commit writes back few, while
 *   the envelopes are appended in lseq order. A value longer than 8 bytes
 *   is an earlier build's: lseq followed by the envelope inline. Such
 *   entries are read as they are, never rewritten, and shredded alike.
 *   A duplicate put reports the stored copy's lseq (either form).
 * - The log head is the last key of `log` (looked up once per txn, then
 *   cached in the txn); the audit sequence is the last key of `audit` + 1.
 * - A put checks for equivocation (same (author, seq) or (author, rcpt,
 *   ctr) slot held by a different id) before writing anything, so an
 *   LFH_EEQUIV put writes only to `evidence` and the txn stays usable.
 * - Any LMDB failure in a write txn marks the txn broken: a later commit
 *   aborts it instead of committing a half-applied batch.
 * - Names (agency ids, categories) are 1..31 bytes, zero-padded to 32 in
 *   keys; meta names are 1..LFH_META_NAME_MAX bytes, stored as is.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <sodium.h>

#include "store_int.h"


const char *const st_db_names[DB_COUNT] = {
	"events", "log",  "by_author", "by_rcpt", "by_slot",  "by_case", "cases",
	"keys",   "grants", "peers",   "meta",    "evidence", "audit", "tables",
	"envelopes",
};

/* ---- small helpers (shared: see store_int.h) ------------------------- */

void st_put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

uint64_t st_get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

MDB_val st_val(const void *p, size_t n)
{
	MDB_val v = { n, (void *)p };
	return v;
}

/*
 * Map an LMDB error to LFH_ESTORE; a write txn that saw one is broken. A
 * full map or a full disk is said as such, with the file and what to do:
 * an operator reads these in the log, and "Input/output error" helps no one.
 */
int st_mdb_fail(lfh_txn *t, lfh_err *err, int rc, const char *what)
{
	const char *dir = "the data directory";
	MDB_envinfo info = { 0 };

	if (t && t->write)
		t->broken = 1;
	if (t && t->s && t->s->env) {
		mdb_env_get_path(t->s->env, &dir);
		mdb_env_info(t->s->env, &info);
	}
	if (rc == MDB_MAP_FULL)
		return lfh_err_set(err, LFH_ESTORE, "store %s/data.mdb is full: its LMDB map of %zu MiB "
				   "is used up; raise map_size_mb in the node's configuration and "
				   "restart lfhd (%s)", dir, info.me_mapsize >> 20, what);
	if (rc == ENOSPC || rc == EDQUOT)
		return lfh_err_set(err, LFH_ESTORE, "the disk holding %s is full (%s): free space "
				   "there or move data_dir (%s)", dir, strerror(rc), what);
	return lfh_err_set(err, LFH_ESTORE, "%s: %s", what, mdb_strerror(rc));
}

/* Zero-pad an agency id or category (1..31 bytes) to 32 bytes. */
int st_pad_name(uint8_t out[NAME_LEN], const char *name, const char *what, lfh_err *err)
{
	size_t n = name ? strnlen(name, NAME_LEN) : 0;
	if (n == 0 || n >= NAME_LEN)
		return lfh_err_set(err, LFH_EINVAL, "%s must be 1..%d characters", what,
				   NAME_LEN - 1);
	memset(out, 0, NAME_LEN);
	memcpy(out, name, n);
	return 0;
}

int st_need_write(lfh_txn *t, lfh_err *err)
{
	if (!t)
		return lfh_err_set(err, LFH_EINVAL, "no transaction");
	if (!t->write)
		return lfh_err_set(err, LFH_EINVAL, "store: write in a read-only transaction");
	return 0;
}

int st_need_txn(lfh_txn *t, lfh_err *err)
{
	if (!t)
		return lfh_err_set(err, LFH_EINVAL, "no transaction");
	return 0;
}

/* Scan callbacks: 0 go on, >0 stop (scan returns 0), <0 abort with it. */
int st_cb_result(int rc, int *stop)
{
	if (rc != 0)
		*stop = 1;
	return rc < 0 ? rc : 0;
}

/* ---- open / close ----------------------------------------------------- */

/* mkdir -p with mode 0700 for the components it creates. */
static int make_dirs(const char *dir, lfh_err *err)
{
	size_t n = strlen(dir);
	char *p = malloc(n + 1);
	int rc = 0;
	if (!p)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i <= n && rc == 0; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		char c = p[i];
		p[i] = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			rc = lfh_err_set(err, LFH_EIO, "cannot create %s: %s", p, strerror(errno));
		p[i] = c;
	}
	free(p);
	return rc;
}

static int open_dbs(lfh_store *s, lfh_err *err)
{
	MDB_txn *txn = NULL;
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc)
		return st_mdb_fail(NULL, err, rc, "store: begin");
	for (int i = 0; i < DB_COUNT; i++) {
		rc = mdb_dbi_open(txn, st_db_names[i], MDB_CREATE, &s->dbi[i]);
		if (rc) {
			mdb_txn_abort(txn);
			return st_mdb_fail(NULL, err, rc, st_db_names[i]);
		}
	}
	rc = mdb_txn_commit(txn);
	if (rc)
		return st_mdb_fail(NULL, err, rc, "store: commit");
	return 0;
}

int lfh_store_open(lfh_store **out, const char *dir, size_t map_size, lfh_err *err)
{
	lfh_store *s = NULL;
	int rc, dead;

	if (!out || !dir || !*dir)
		return lfh_err_set(err, LFH_EINVAL, "store: no data directory");
	*out = NULL;
	rc = make_dirs(dir, err);
	if (rc)
		return rc;
	s = calloc(1, sizeof *s);
	if (!s)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	rc = mdb_env_create(&s->env);
	if (rc) {
		s->env = NULL;
		rc = st_mdb_fail(NULL, err, rc, "store: create");
		goto fail;
	}
	if ((rc = mdb_env_set_maxdbs(s->env, 16)) ||
	    (rc = mdb_env_set_mapsize(s->env, map_size ? map_size : LFH_STORE_DEFAULT_MAP))) {
		rc = st_mdb_fail(NULL, err, rc, "store: configure");
		goto fail;
	}
	rc = mdb_env_open(s->env, dir, MDB_NOTLS, 0600);
	if (rc) {
		rc = rc == ENOSPC ? lfh_err_set(err, LFH_ESTORE, "store: open %s: the disk is full (%s): "
						"free space there or move data_dir", dir, strerror(rc))
				  : lfh_err_set(err, LFH_ESTORE, "store: open %s: %s", dir, mdb_strerror(rc));
		goto fail;
	}
	/* Free reader slots left by processes that died (kill -9). */
	mdb_reader_check(s->env, &dead);
	rc = open_dbs(s, err);
	if (rc)
		goto fail;
	*out = s;
	return 0;
fail:
	lfh_store_close(s);
	return rc;
}

int lfh_store_open_readonly(lfh_store **out, const char *dir, lfh_err *err)
{
	lfh_store *s = calloc(1, sizeof *s);
	MDB_txn *txn = NULL;
	int rc;

	*out = NULL;
	if (!s)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	if ((rc = mdb_env_create(&s->env))) {
		s->env = NULL;
		rc = st_mdb_fail(NULL, err, rc, "store: create");
	} else if ((rc = mdb_env_set_maxdbs(s->env, 16)) ||
		   (rc = mdb_env_open(s->env, dir, MDB_RDONLY | MDB_NOTLS, 0600))) {
		rc = lfh_err_set(err, LFH_ESTORE, "store: open %s: %s", dir, mdb_strerror(rc));
	} else if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn))) {
		rc = st_mdb_fail(NULL, err, rc, "store: begin");
	} else {
		for (int i = 0; !rc && i < DB_COUNT; i++) {
			int mrc = mdb_dbi_open(txn, st_db_names[i], 0, &s->dbi[i]);
			if (mrc == MDB_NOTFOUND)
				rc = lfh_err_set(err, LFH_ENOTFOUND, "store %s has no table %s (an "
						 "earlier format: lfhd adds it at start)", dir,
						 st_db_names[i]);
			else if (mrc)
				rc = st_mdb_fail(NULL, err, mrc, st_db_names[i]);
		}
		if (rc)
			mdb_txn_abort(txn);
		else if ((rc = mdb_txn_commit(txn)))
			rc = st_mdb_fail(NULL, err, rc, "store: commit");
	}
	if (rc) {
		lfh_store_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

void lfh_store_usage(lfh_store *s, uint64_t *used, uint64_t *size)
{
	MDB_envinfo info = { 0 };
	MDB_stat st = { 0 };

	*used = *size = 0;
	if (!s || mdb_env_info(s->env, &info) || mdb_env_stat(s->env, &st))
		return;
	*used = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
	*size = info.me_mapsize;
}

void lfh_store_close(lfh_store *s)
{
	if (!s)
		return;
	if (s->env)
		mdb_env_close(s->env);
	sodium_free(s->kek);
	free(s);
}

/*
 * A compacted copy into DIR/data.mdb: created new, 0600 (it holds the
 * wrapped keys), and flushed to disk with its directory before we say it
 * is done; a failed copy leaves no file.
 */
int lfh_store_copy(lfh_store *s, const char *dir, lfh_err *err)
{
	char path[4096];
	int fd, dfd, rc;

	if ((size_t)snprintf(path, sizeof path, "%s/data.mdb", dir) >= sizeof path)
		return lfh_err_set(err, LFH_EINVAL, "copying the store: path too long");
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		return lfh_err_set(err, LFH_EIO, "copying the store to %s: %s", path,
				   strerror(errno));
	rc = mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT);
	if (!rc && fsync(fd) != 0)
		rc = errno;
	if (close(fd) != 0 && !rc)
		rc = errno;
	if (!rc && (dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		if (fsync(dfd) != 0)
			rc = errno;
		close(dfd);
	}
	if (rc) {
		unlink(path);
		return lfh_err_set(err, rc == ENOSPC || rc == EIO ? LFH_EIO : LFH_ESTORE,
				   "copying the store to %s: %s", dir, mdb_strerror(rc));
	}
	return 0;
}

/* ---- transactions ----------------------------------------------------- */

int lfh_txn_begin(lfh_store *s, int write, lfh_txn **out, lfh_err *err)
{
	if (!s || !out)
		return lfh_err_set(err, LFH_EINVAL, "store: no store");
	*out = NULL;
	lfh_txn *t = calloc(1, sizeof *t);
	if (!t)
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	int rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
	if (rc) {
		free(t);
		return st_mdb_fail(NULL, err, rc, "store: begin transaction");
	}
	t->s = s;
	t->write = write ? 1 : 0;
	*out = t;
	return 0;
}

int lfh_txn_commit(lfh_txn *t, lfh_err *err)
{
	int rc = 0;
	if (!t)
		return lfh_err_set(err, LFH_EINVAL, "no transaction");
	if (t->broken) {
		mdb_txn_abort(t->txn);
		rc = lfh_err_set(err, LFH_ESTORE,
				 "store: transaction aborted after an earlier store error");
	} else {
		int mrc = mdb_txn_commit(t->txn);
		if (mrc)
			rc = st_mdb_fail(t, err, mrc, "store: commit"); /* t->txn is gone, t->s is not */
	}
	free(t);
	return rc;
}

void lfh_txn_abort(lfh_txn *t)
{
	if (!t)
		return;
	mdb_txn_abort(t->txn);
	free(t);
}

/* ---- low-level get/put (shared: see store_int.h) --------------------- */

/* mdb_get: 0 found, LFH_ENOTFOUND, or LFH_ESTORE. */
int st_db_get(lfh_txn *t, int db, const void *k, size_t kn, MDB_val *v, lfh_err *err,
	      const char *what)
{
	MDB_val key = st_val(k, kn);
	int rc = mdb_get(t->txn, t->s->dbi[db], &key, v);
	if (rc == MDB_NOTFOUND)
		return LFH_ENOTFOUND;
	if (rc)
		return st_mdb_fail(t, err, rc, what);
	return 0;
}

int st_db_put(lfh_txn *t, int db, const void *k, size_t kn, const void *v, size_t vn,
	      unsigned flags, lfh_err *err, const char *what)
{
	MDB_val key = st_val(k, kn), data = st_val(v, vn);
	int rc = mdb_put(t->txn, t->s->dbi[db], &key, &data, flags);
	if (rc)
		return st_mdb_fail(t, err, rc, what);
	return 0;
}

/* Last key of an 8-byte-keyed db as a u64 (0 if empty). */
int st_db_last_u64(lfh_txn *t, int db, uint64_t *last, lfh_err *err, const char *what)
{
	MDB_cursor *c = NULL;
	MDB_val k, v;
	int rc = mdb_cursor_open(t->txn, t->s->dbi[db], &c);
	if (rc)
		return st_mdb_fail(t, err, rc, what);
	rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND) {
		*last = 0;
		return 0;
	}
	if (rc)
		return st_mdb_fail(t, err, rc, what);
	if (k.mv_size != 8)
		return lfh_err_set(err, LFH_ESTORE, "%s: corrupt key", what);
	*last = st_get_be64(k.mv_data);
	return 0;
}

static int db_count(lfh_txn *t, int db, uint64_t *count, lfh_err *err)
{
	MDB_stat st;
	if (st_need_txn(t, err))
		return LFH_EINVAL;
	if (!count)
		return lfh_err_set(err, LFH_EINVAL, "store: no output");
	int rc = mdb_stat(t->txn, t->s->dbi[db], &st);
	if (rc)
		return st_mdb_fail(t, err, rc, st_db_names[db]);
	*count = st.ms_entries;
	return 0;
}

/* ---- events ----------------------------------------------------------- */

static int head_get(lfh_txn *t, uint64_t *head, lfh_err *err)
{
	if (!t->have_head) {
		int rc = st_db_last_u64(t, DB_LOG, &t->head, err, "log");
		if (rc)
			return rc;
		t->have_head = 1;
	}
	*head = t->head;
	return 0;
}

static int check_event_args(const uint8_t *raw, size_t len, const lfh_event *ev,
			    const uint8_t *id, lfh_err *err)
{
	uint8_t tmp[NAME_LEN];
	int rc;
	if (!raw || !len || !ev || !id)
		return lfh_err_set(err, LFH_EINVAL, "store: missing event");
	if (len > LFH_EVENT_MAX)
		return lfh_err_set(err, LFH_ETOOBIG, "store: event of %zu bytes", len);
	if (ev->nrcpt < 1 || ev->nrcpt > LFH_MAX_RECIPIENTS)
		return lfh_err_set(err, LFH_EINVAL, "store: event has %u recipients",
				   (unsigned)ev->nrcpt);
	if ((rc = st_pad_name(tmp, ev->author, "author", err)))
		return rc;
	for (uint32_t i = 0; i < ev->nrcpt; i++)
		if ((rc = st_pad_name(tmp, ev->rcpt[i].agency, "recipient", err)))
			return rc;
	return 0;
}

static void slot_key(uint8_t k[K_SLOT], const lfh_event *ev, uint32_t i)
{
	st_pad_name(k, ev->author, "author", NULL);
	st_pad_name(k + NAME_LEN, ev->rcpt[i].agency, "recipient", NULL);
	st_put_be64(k + 2 * NAME_LEN, ev->rcpt[i].ctr);
}

/* 1 if key k in db maps to an id other than id, 0 if free or same. */
static int slot_taken(lfh_txn *t, int db, const uint8_t *k, size_t kn, const uint8_t *id,
		      lfh_err *err)
{
	MDB_val v;
	int rc = st_db_get(t, db, k, kn, &v, err, st_db_names[db]);
	if (rc == LFH_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	return v.mv_size != LFH_ID_LEN || memcmp(v.mv_data, id, LFH_ID_LEN) != 0;
}

/* 0 if no slot conflict, LFH_EEQUIV (message set) if one, or an error. */
static int check_slots(lfh_txn *t, const lfh_event *ev, const uint8_t *id, lfh_err *err)
{
	uint8_t k[K_SLOT];
	int rc;

	st_pad_name(k, ev->author, "author", NULL);
	st_put_be64(k + NAME_LEN, ev->seq);
	rc = slot_taken(t, DB_BY_AUTHOR, k, NAME_LEN + 8, id, err);
	if (rc < 0)
		return rc;
	if (rc)
		return lfh_err_set(err, LFH_EEQUIV,
				   "equivocation: author %s seq %llu already held by another event",
				   ev->author, (unsigned long long)ev->seq);
	for (uint32_t i = 0; i < ev->nrcpt; i++) {
		slot_key(k, ev, i);
		rc = slot_taken(t, DB_BY_SLOT, k, K_SLOT, id, err);
		if (rc < 0)
			return rc;
		if (rc)
			return lfh_err_set(err, LFH_EEQUIV,
					   "equivocation: author %s seq %llu: slot %s ctr %llu "
					   "already held by another event",
					   ev->author, (unsigned long long)ev->seq,
					   ev->rcpt[i].agency, (unsigned long long)ev->rcpt[i].ctr);
	}
	return 0;
}

/*
 * Keep an equivocating event as evidence: the first one claiming each
 * (author, seq) only, so an author that signs endless variants of one slot
 * cannot fill the disk (table EVIDENCE_SLOT remembers which slots have one).
 */
static int keep_evidence(lfh_txn *t, const lfh_event *ev, const uint8_t *id, const uint8_t *raw,
			 size_t len, lfh_err *err)
{
	uint8_t k[1 + NAME_LEN + 8]; /* a `tables` key: table byte, then author and seq */
	MDB_val v;
	int rc;

	k[0] = LFH_TBL_EVIDENCE_SLOT;
	st_pad_name(k + 1, ev->author, "author", NULL);
	st_put_be64(k + 1 + NAME_LEN, ev->seq);
	rc = st_db_get(t, DB_TABLES, k, sizeof k, &v, err, "tables");
	if (rc != LFH_ENOTFOUND)
		return rc; /* one kept already (0), or a store failure */
	if ((rc = st_db_put(t, DB_TABLES, k, sizeof k, id, LFH_ID_LEN, 0, err, "tables")))
		return rc;
	return st_db_put(t, DB_EVIDENCE, id, LFH_ID_LEN, raw, len, 0, err, "evidence");
}

int lfh_store_keep_evidence(lfh_txn *t, const lfh_event *ev, const uint8_t id[LFH_ID_LEN],
			    const uint8_t *raw, size_t len, lfh_err *err)
{
	int rc = st_need_write(t, err);
	return rc ? rc : keep_evidence(t, ev, id, raw, len, err);
}

/* A new event: its id -> lseq in `events`, its envelope appended to `envelopes`. */
static int put_event_value(lfh_txn *t, const uint8_t *id, uint64_t lseq, const uint8_t *raw,
			   size_t len, lfh_err *err)
{
	uint8_t seq[8];
	MDB_val k = st_val(seq, sizeof seq), v = { len, NULL };
	int rc;

	st_put_be64(seq, lseq);
	rc = mdb_put(t->txn, t->s->dbi[DB_ENVELOPES], &k, &v, MDB_APPEND | MDB_RESERVE);
	if (rc == MDB_KEYEXIST) /* nothing written: the txn stays usable */
		return lfh_err_set(err, LFH_ESTORE, "envelopes: local seq %llu is not above the last "
				   "one stored", (unsigned long long)lseq);
	if (rc)
		return st_mdb_fail(t, err, rc, "envelopes");
	memcpy(v.mv_data, raw, len);
	return st_db_put(t, DB_EVENTS, id, LFH_ID_LEN, seq, sizeof seq, MDB_NOOVERWRITE, err,
			 "events");
}

/*
 * The event's lseq and envelope from its `events` value v: in `envelopes`,
 * or inline after the lseq (an earlier build's value). A missing envelope
 * is corruption: the two are written and shredded together.
 */
static int event_envelope(lfh_txn *t, const MDB_val *v, uint64_t *lseq, const uint8_t **raw,
			  size_t *len, lfh_err *err)
{
	MDB_val env;
	int rc;

	if (v->mv_size < 8)
		return lfh_err_set(err, LFH_ESTORE, "events: corrupt value");
	*lseq = st_get_be64(v->mv_data);
	if (v->mv_size > 8) {
		*raw = (const uint8_t *)v->mv_data + 8;
		*len = v->mv_size - 8;
		return 0;
	}
	rc = st_db_get(t, DB_ENVELOPES, v->mv_data, 8, &env, err, "envelopes");
	if (rc == LFH_ENOTFOUND)
		return lfh_err_set(err, LFH_ESTORE, "envelopes: no envelope for local seq %llu",
				   (unsigned long long)*lseq);
	if (rc)
		return rc;
	*raw = env.mv_data;
	*len = env.mv_size;
	return 0;
}

int st_event_by_id(lfh_txn *t, const uint8_t *id, uint64_t *lseq, const uint8_t **raw,
		   size_t *len, lfh_err *err)
{
	MDB_val v;
	int rc = st_db_get(t, DB_EVENTS, id, LFH_ID_LEN, &v, err, "events");

	return rc ? rc : event_envelope(t, &v, lseq, raw, len, err);
}

static int put_indexes(lfh_txn *t, const lfh_event *ev, const uint8_t *id, uint64_t lseq,
		       lfh_err *err)
{
	uint8_t k[K_CASE_IDX > K_SLOT ? K_CASE_IDX : K_SLOT];
	int rc;

	st_put_be64(k, lseq);
	if ((rc = st_db_put(t, DB_LOG, k, 8, id, LFH_ID_LEN, MDB_APPEND, err, "log")))
		return rc;
	st_pad_name(k, ev->author, "author", NULL);
	st_put_be64(k + NAME_LEN, ev->seq);
	if ((rc = st_db_put(t, DB_BY_AUTHOR, k, NAME_LEN + 8, id, LFH_ID_LEN, 0, err, "by_author")))
		return rc;
	for (uint32_t i = 0; i < ev->nrcpt; i++) {
		st_pad_name(k, ev->rcpt[i].agency, "recipient", NULL);
		st_put_be64(k + NAME_LEN, lseq);
		if ((rc = st_db_put(t, DB_BY_RCPT, k, NAME_LEN + 8, id, LFH_ID_LEN, 0, err,
				    "by_rcpt")))
			return rc;
		slot_key(k, ev, i);
		if ((rc = st_db_put(t, DB_BY_SLOT, k, K_SLOT, id, LFH_ID_LEN, 0, err, "by_slot")))
			return rc;
	}
	memcpy(k, ev->case_id, LFH_CASE_LEN);
	st_put_be64(k + LFH_CASE_LEN, ev->hlc);
	memcpy(k + LFH_CASE_LEN + 8, id, LFH_ID_LEN);
	return st_db_put(t, DB_BY_CASE, k, K_CASE_IDX, "", 0, 0, err, "by_case");
}

int lfh_store_put_event(lfh_txn *t, const uint8_t *raw, size_t len, const lfh_event *ev,
			const uint8_t id[LFH_ID_LEN], lfh_put_result *res, lfh_err *err)
{
	lfh_put_result r = { 0, 0 };
	uint64_t head;
	MDB_val v;
	int rc;

	if (res)
		*res = r;
	if ((rc = st_need_write(t, err)) || (rc = check_event_args(raw, len, ev, id, err)))
		return rc;
	rc = st_db_get(t, DB_EVENTS, id, LFH_ID_LEN, &v, err, "events");
	if (rc == 0) {
		if (v.mv_size < 8)
			return lfh_err_set(err, LFH_ESTORE, "events: corrupt value");
		r.lseq = st_get_be64(v.mv_data); /* either form begins with it */
		goto done;
	}
	if (rc != LFH_ENOTFOUND)
		return rc;
	rc = check_slots(t, ev, id, err);
	if (rc == LFH_EEQUIV) {
		int prc = keep_evidence(t, ev, id, raw, len, err);
		return prc ? prc : rc;
	}
	if (rc)
		return rc;
	if ((rc = head_get(t, &head, err)))
		return rc;
	r.lseq = head + 1;
	r.was_new = 1;
	if ((rc = put_event_value(t, id, r.lseq, raw, len, err)) ||
	    (rc = put_indexes(t, ev, id, r.lseq, err)))
		return rc;
	t->head = r.lseq;
done:
	if (res)
		*res = r;
	return 0;
}

int lfh_store_has_event(lfh_txn *t, const uint8_t id[LFH_ID_LEN], lfh_err *err)
{
	MDB_val v;
	int rc;

	if ((rc = st_need_txn(t, err)))
		return rc;
	if (!id)
		return lfh_err_set(err, LFH_EINVAL, "store: missing argument");
	rc = st_db_get(t, DB_EVENTS, id, LFH_ID_LEN, &v, err, "events");
	return rc == 0 ? 1 : rc == LFH_ENOTFOUND ? 0 : rc;
}

int lfh_store_get_event(lfh_txn *t, const uint8_t id[LFH_ID_LEN], const uint8_t **raw,
			size_t *len, lfh_err *err)
{
	uint64_t lseq;
	int rc;
	if ((rc = st_need_txn(t, err)))
		return rc;
	if (!id || !raw || !len)
		return lfh_err_set(err, LFH_EINVAL, "store: missing argument");
	rc = st_event_by_id(t, id, &lseq, raw, len, err);
	if (rc == LFH_ENOTFOUND)
		return lfh_err_set(err, LFH_ENOTFOUND, "no such event");
	return rc;
}

int lfh_store_shred_event(lfh_txn *t, const uint8_t id[LFH_ID_LEN],
			  const uint8_t case_id[LFH_CASE_LEN], uint64_t hlc, lfh_err *err)
{
	uint8_t k[K_CASE_IDX], seq[8];
	MDB_val mk, ek, v;
	int rc;

	if ((rc = st_need_write(t, err)))
		return rc;
	mk = st_val(id, LFH_ID_LEN);
	if ((rc = st_db_get(t, DB_EVENTS, id, LFH_ID_LEN, &v, err, "events")) &&
	    rc != LFH_ENOTFOUND)
		return rc;
	if (rc == 0 && v.mv_size == 8) {
		memcpy(seq, v.mv_data, sizeof seq);
		ek = st_val(seq, sizeof seq);
		rc = mdb_del(t->txn, t->s->dbi[DB_ENVELOPES], &ek, NULL);
		if (rc && rc != MDB_NOTFOUND)
			return st_mdb_fail(t, err, rc, "envelopes");
	}
	rc = mdb_del(t->txn, t->s->dbi[DB_EVENTS], &mk, NULL);
	if (rc && rc != MDB_NOTFOUND)
		return st_mdb_fail(t, err, rc, "events");
	memcpy(k, case_id, LFH_CASE_LEN);
	st_put_be64(k + LFH_CASE_LEN, hlc);
	memcpy(k + LFH_CASE_LEN + 8, id, LFH_ID_LEN);
	mk = st_val(k, sizeof k);
	rc = mdb_del(t->txn, t->s->dbi[DB_BY_CASE], &mk, NULL);
	if (rc && rc != MDB_NOTFOUND)
		return st_mdb_fail(t, err, rc, "by_case");
	return 0;
}

int lfh_store_scan_evidence(lfh_txn *t, lfh_scan_fn fn, void *ctx, lfh_err *err)
{
	MDB_cursor *c = NULL;
	MDB_val k, v;
	int stop = 0, rc;

	if ((rc = st_need_txn(t, err)))
		return rc;
	if ((rc = mdb_cursor_open(t->txn, t->s->dbi[DB_EVIDENCE], &c)))
		return st_mdb_fail(t, err, rc, "evidence");
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0 && !stop;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != LFH_ID_LEN) {
			mdb_cursor_close(c);
			return lfh_err_set(err, LFH_ESTORE, "evidence: corrupt key");
		}
		if ((rc = st_cb_result(fn(ctx, 0, k.mv_data, v.mv_data, v.mv_size), &stop))) {
			mdb_cursor_close(c);
			return rc;
		}
	}
	mdb_cursor_close(c);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : st_mdb_fail(t, err, rc, "evidence");
}

int lfh_store_evidence_del(lfh_txn *t, const uint8_t id[LFH_ID_LEN], const char *author,
			   uint64_t seq, lfh_err *err)
{
	uint8_t k[1 + NAME_LEN + 8];
	MDB_val mk, v;
	int rc;

	if ((rc = st_need_write(t, err)) || (rc = st_pad_name(k + 1, author, "author", err)))
		return rc;
	mk = st_val(id, LFH_ID_LEN);
	rc = mdb_del(t->txn, t->s->dbi[DB_EVIDENCE], &mk, NULL);
	if (rc && rc != MDB_NOTFOUND)
		return st_mdb_fail(t, err, rc, "evidence");
	k[0] = LFH_TBL_EVIDENCE_SLOT;
	st_put_be64(k + 1 + NAME_LEN, seq);
	rc = st_db_get(t, DB_TABLES, k, sizeof k, &v, err, "tables");
	if (rc == LFH_ENOTFOUND)
		return 0;
	if (rc)
		return rc;
	if (v.mv_size != LFH_ID_LEN || memcmp(v.mv_data, id, LFH_ID_LEN) != 0)
		return 0; /* the slot kept another event's */
	mk = st_val(k, sizeof k);
	rc = mdb_del(t->txn, t->s->dbi[DB_TABLES], &mk, NULL);
	return rc && rc != MDB_NOTFOUND ? st_mdb_fail(t, err, rc, "tables") : 0;
}

int lfh_store_rcpt_add(lfh_txn *t, const char *rcpt, const uint8_t id[LFH_ID_LEN], lfh_err *err)
{
	uint8_t k[NAME_LEN + 8];
	uint64_t head;
	int rc;

	if ((rc = st_need_write(t, err)) || (rc = st_pad_name(k, rcpt, "recipient", err)) ||
	    (rc = head_get(t, &head, err)))
		return rc;
	st_put_be64(k + NAME_LEN, head + 1);
	if ((rc = st_db_put(t, DB_BY_RCPT, k, sizeof k, id, LFH_ID_LEN, 0, err, "by_rcpt")))
		return rc;
	st_put_be64(k, head + 1);
	if ((rc = st_db_put(t, DB_LOG, k, 8, id, LFH_ID_LEN, MDB_APPEND, err, "log")))
		return rc;
	t->head = head + 1;
	return 0;
}

int lfh_store_log_head(lfh_txn *t, uint64_t *head, lfh_err *err)
{
	int rc;
	if ((rc = st_need_txn(t, err)))
		return rc;
	if (!head)
		return lfh_err_set(err, LFH_EINVAL, "store: no output");
	return head_get(t, head, err);
}

int lfh_store_event_count(lfh_txn *t, uint64_t *count, lfh_err *err)
{
	return db_count(t, DB_EVENTS, count, err);
}

int lfh_store_evidence_count(lfh_txn *t, uint64_t *count, lfh_err *err)
{
	return db_count(t, DB_EVIDENCE, count, err);
}
