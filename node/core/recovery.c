/*
 * recovery.c - never reuse our own event numbers after a restore
 * (include/lfh/recovery.h, PROTOCOL.md 13.1).
 *
 * node.state (node-<hub>.state in the key directory, mode 0600; one per hub,
 * as a key directory may serve an agency's nodes in several hubs) is a
 * record (6.3):
 *   format 1, agency, incarnation, seq (our highest own seq reached),
 *   head (our log head reached, in that incarnation), backup (1 in a backup).
 * It is written at open, at most once a second while the store moves
 * (lfh_recovery_save from the main loop) and at a clean stop, so it may lag
 * the store by a second after a crash, never lead it, unless the store is
 * older than the key directory: that is what recovery detects.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "lfh/identity.h"
#include "lfh/log.h"
#include "lfh/record.h"
#include "lfh/recovery.h"

#define STATE_FORMAT 1
#define STATE_MAX 4096

void lfh_recovery_state_name(const lfh_node *n, char out[32])
{
	char hex[17];
	lfh_hex(hex, n->rules.hub_id, 8);
	snprintf(out, 32, "node-%s.state", hex);
}

typedef struct node_state {
	uint64_t incarnation, seq, head, backup;
} node_state;

/* Read node.state from dir; *found 0 if there is none. */
static int state_read(const lfh_node *n, const char *dir, node_state *st, int *found,
		      lfh_err *err)
{
	lfh_buf b = { 0 };
	lfh_record r = { 0 };
	const char *agency;
	uint64_t format = 0;
	char file[32];
	int rc;

	lfh_recovery_state_name(n, file);
	rc = lfh_file_read(dir, file, STATE_MAX, &b, err);

	memset(st, 0, sizeof *st);
	*found = rc == 0;
	if (rc == LFH_ENOTFOUND)
		rc = 0;
	if (rc || !*found)
		goto out;
	if (lfh_record_decode(b.data, b.len, &r, err) || !lfh_record_uint(&r, "format", &format) ||
	    !lfh_record_uint(&r, "incarnation", &st->incarnation) ||
	    !lfh_record_uint(&r, "seq", &st->seq) || !lfh_record_uint(&r, "head", &st->head)) {
		rc = lfh_err_set(err, LFH_ECODEC, "%s/%s is damaged: move it aside to start (the "
				 "node then recovers its events from its peers)", dir, file);
		goto out;
	}
	if (format != STATE_FORMAT) {
		rc = lfh_err_set(err, LFH_EVERSION, "%s/%s has format %llu; this lfhd reads format %d",
				 dir, file, (unsigned long long)format, STATE_FORMAT);
		goto out;
	}
	agency = lfh_record_str(&r, "agency");
	if (!agency || strcmp(agency, n->cfg.agency) != 0)
		rc = lfh_err_set(err, LFH_ECONFIG, "%s/%s belongs to agency '%s', not '%s'", dir,
				 file, agency ? agency : "?", n->cfg.agency);
	lfh_record_uint(&r, "backup", &st->backup);
out:
	lfh_record_clear(&r);
	lfh_buf_free(&b);
	return rc;
}

static int state_write(const lfh_node *n, const char *dir, const node_state *st, lfh_err *err)
{
	lfh_record r = { 0 };
	lfh_buf b = { 0 };
	char file[32];
	int rc = lfh_record_set_uint(&r, "format", STATE_FORMAT, err);

	lfh_recovery_state_name(n, file);
	if (!rc)
		rc = lfh_record_set_str(&r, "agency", n->cfg.agency, err);
	if (!rc)
		rc = lfh_record_set_uint(&r, "incarnation", st->incarnation, err);
	if (!rc)
		rc = lfh_record_set_uint(&r, "seq", st->seq, err);
	if (!rc)
		rc = lfh_record_set_uint(&r, "head", st->head, err);
	if (!rc && st->backup)
		rc = lfh_record_set_uint(&r, "backup", 1, err);
	if (!rc)
		rc = lfh_record_encode(&r, &b, err);
	if (!rc)
		rc = lfh_file_replace(dir, file, b.data, b.len, 0600, err);
	lfh_record_clear(&r);
	lfh_buf_free(&b);
	return rc;
}

/* Our own seq and the log head, as the store has them now. */
static int store_marks(lfh_node *n, uint64_t *seq, uint64_t *head, lfh_err *err)
{
	lfh_txn *t = NULL;
	int rc = lfh_txn_begin(n->store, 0, &t, err);

	if (!rc)
		rc = lfh_store_meta_get(t, "seq", seq, err);
	if (!rc)
		rc = lfh_store_log_head(t, head, err);
	lfh_txn_abort(t);
	return rc;
}

/* A fresh random incarnation for this store (never 0: 0 means "not known"). */
static int new_incarnation(lfh_node *n, lfh_err *err)
{
	lfh_txn *t = NULL;
	int rc = lfh_txn_begin(n->store, 1, &t, err);

	do
		randombytes_buf(&n->incarnation, sizeof n->incarnation);
	while (n->incarnation == 0);
	if (!rc)
		rc = lfh_store_meta_put(t, "incarnation", n->incarnation, err);
	if (!rc)
		return lfh_txn_commit(t, err);
	lfh_txn_abort(t);
	return rc;
}

static int read_incarnation(lfh_node *n, lfh_err *err)
{
	lfh_txn *t = NULL;
	int rc = lfh_txn_begin(n->store, 0, &t, err);

	if (!rc)
		rc = lfh_store_meta_get(t, "incarnation", &n->incarnation, err);
	lfh_txn_abort(t);
	return rc;
}

/*
 * Must this store recover its own events first? Yes if it is behind what the
 * key directory says this node reached, belongs to another incarnation, or
 * the key directory came from a backup; also if there is no node.state but
 * the store already holds events (made by a build without node.state, or a
 * key directory restored without it).
 */
static const char *why_recover(const node_state *st, int found, int fresh, uint64_t seq,
			       uint64_t head, uint64_t incarnation)
{
	if (!found)
		return fresh ? NULL : "the key directory has no node.state for this store";
	if (st->backup)
		return "the key directory was restored from a backup";
	if (st->incarnation != incarnation)
		return "the store is not the one this key directory last ran with";
	if (seq < st->seq)
		return "the store holds fewer of our own events than we wrote";
	if (head < st->head)
		return "the store holds fewer events than it did";
	return NULL;
}

int lfh_recovery_open(lfh_node *n, lfh_err *err)
{
	node_state st, now = { 0 };
	uint64_t seq = 0, head = 0;
	const char *why;
	int found, fresh, rc = state_read(n, n->cfg.key_dir, &st, &found, err);

	if (!rc)
		rc = store_marks(n, &seq, &head, err);
	if (!rc)
		rc = read_incarnation(n, err);
	if (rc)
		return rc;
	fresh = n->incarnation == 0 && head == 0;
	if (n->incarnation == 0 && (rc = new_incarnation(n, err)))
		return rc;
	why = why_recover(&st, found, fresh, seq, head, n->incarnation);
	if (why) {
		n->recovering = 1;
		n->recover_seq = st.seq > seq ? st.seq : seq;
		log_warn("recovery: %s (our events: %llu here, %llu written): a new incarnation; we "
			 "write nothing until every peer has sent back the events we wrote", why,
			 (unsigned long long)seq, (unsigned long long)n->recover_seq);
		if ((rc = new_incarnation(n, err)))
			return rc;
	}
	now.incarnation = n->incarnation;
	now.seq = n->recovering ? n->recover_seq : seq;
	now.head = head;
	if ((rc = state_write(n, n->cfg.key_dir, &now, err)))
		return rc;
	n->state_seq = now.seq;
	n->state_head = now.head;
	return 0;
}

int lfh_recovery_save(lfh_node *n, lfh_err *err)
{
	node_state now = { .incarnation = n->incarnation };
	int rc = store_marks(n, &now.seq, &now.head, err);

	if (rc)
		return rc;
	if (now.seq < n->state_seq) /* recovering: never below what we reached before */
		now.seq = n->state_seq;
	if (now.seq == n->state_seq && now.head == n->state_head)
		return 0;
	if ((rc = state_write(n, n->cfg.key_dir, &now, err)))
		return rc;
	n->state_seq = now.seq;
	n->state_head = now.head;
	return 0;
}

int lfh_recovery_finish(lfh_node *n, lfh_err *err)
{
	lfh_txn *t = NULL;
	uint64_t seq = 0;
	int rc = lfh_txn_begin(n->store, 1, &t, err);

	if (!rc)
		rc = lfh_store_meta_get(t, "seq", &seq, err);
	if (!rc && seq < n->recover_seq) {
		log_error("recovery: our events %llu..%llu were found at no peer: they were lost with "
			  "the old store; our next event takes seq %llu",
			  (unsigned long long)seq + 1, (unsigned long long)n->recover_seq,
			  (unsigned long long)n->recover_seq + 1);
		rc = lfh_store_meta_put(t, "seq", n->recover_seq, err);
	}
	if (!rc)
		rc = lfh_txn_commit(t, err);
	else
		lfh_txn_abort(t);
	if (rc)
		return rc;
	n->recovering = 0;
	log_info("recovery: done, our own events resume after seq %llu",
		 (unsigned long long)(seq > n->recover_seq ? seq : n->recover_seq));
	return lfh_recovery_save(n, err);
}

int lfh_recovery_backup_state(lfh_node *n, const char *dir, lfh_err *err)
{
	node_state st = { .incarnation = n->incarnation, .backup = 1 };
	int rc = store_marks(n, &st.seq, &st.head, err);

	if (!rc && st.seq < n->state_seq)
		st.seq = n->state_seq;
	return rc ? rc : state_write(n, dir, &st, err);
}
