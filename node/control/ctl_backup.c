/*
 * ctl_backup.c - the backup command (lfh admin backup DIR; PROTOCOL.md 13.1).
 *
 * DIR (absolute; created 0700, or an existing empty directory) receives:
 *   data/data.mdb   a consistent, compacted hot copy of the store
 *   keys/           the key directory, each file with its own mode (never
 *                   root.key: the root secret is kept offline), and a
 *                   node-<hub>.state marked as a backup: a node started on
 *                   this copy recovers its own events from its peers before
 *                   it writes anything (include/lfh/recovery.h)
 *   B2SUMS          the BLAKE2b-256 of every file, as `b2sum -l 256 -c` reads it
 *   MANIFEST        what the backup holds, for people: agency, hub, time,
 *                   our events, and the BLAKE2b-256 of every file (last)
 * The store is copied on a thread of its own while the node goes on: the
 * command is a read, whose yield points let the writes waiting run and keep
 * the service manager's watchdog fed. A backup that fails fails alone (its
 * request), takes with it whatever it had written into DIR, and never the
 * writes of others.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "lfh/ctl.h"
#include "lfh/generation.h"
#include "lfh/hlc.h"
#include "lfh/identity.h"
#include "lfh/recovery.h"

#define BACKUP_PATH_MAX 3000

/* Under systemd (which sets INVOCATION_ID) the unit gives lfhd a /tmp of its own. */
static int private_tmp(const char *dir)
{
	return getenv("INVOCATION_ID") && (!strncmp(dir, "/tmp/", 5) || !strcmp(dir, "/tmp") ||
					   !strncmp(dir, "/var/tmp/", 9) || !strcmp(dir, "/var/tmp"));
}

/* DIR must be absolute and new (*made), or an empty directory; it is made 0700. */
static int backup_dir(lfh_ctl_req *q, const char *dir, int *made)
{
	DIR *d;
	struct dirent *e;
	int empty = 1;

	*made = 0;
	if (dir[0] != '/' || strlen(dir) > BACKUP_PATH_MAX)
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "the backup directory must be an absolute path "
				    "(at most 3000 bytes)");
	if (private_tmp(dir))
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "lfhd runs as a service with a /tmp of its "
				    "own: a backup there is out of your sight and goes when the "
				    "service stops; use /var/backups/lfhd");
	if (mkdir(dir, 0700) == 0) {
		*made = 1;
		return 0;
	}
	if (errno != EEXIST || !(d = opendir(dir))) {
		char msg[LFH_ERRMSG_MAX];
		snprintf(msg, sizeof msg, "cannot create %.150s: %s", dir, strerror(errno));
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, msg);
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = 0;
	closedir(d);
	if (!empty)
		return lfh_ctl_fail(&q->rep, LFH_EEXIST, "the backup directory is not empty: give a new "
				    "or empty one (a backup never overwrites another)");
	return chmod(dir, 0700) == 0 ? 0 : lfh_ctl_fail(&q->rep, LFH_EINVAL, strerror(errno));
}

static int remove_fn(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	if (ftw->level > 0) /* the backup directory itself stays unless we made it */
		remove(path);
	return 0;
}

/* A failed backup leaves nothing half-written: what it put into dir goes (dir too if new). */
static void remove_partial(const char *dir, int made)
{
	nftw(dir, remove_fn, 16, FTW_DEPTH | FTW_PHYS);
	if (made)
		rmdir(dir);
}

/* The store copied on a thread of its own (its own read transaction: MDB_NOTLS). */
struct copy_job {
	lfh_store *store;
	const char *dir;
	lfh_err err;
	int rc;
	atomic_int done;
};

static void *copy_thread(void *arg)
{
	struct copy_job *j = arg;

	j->rc = lfh_store_copy(j->store, j->dir, &j->err);
	atomic_store(&j->done, 1);
	return NULL;
}

/*
 * Copy the store into dir while the node goes on: a copy of a large store
 * takes minutes, so this thread keeps yielding (the writes waiting run, the
 * service manager's watchdog hears from us) until the copy is done.
 */
static int copy_store(lfh_ctl_req *q, const char *dir, lfh_err *err)
{
	struct copy_job j = { .store = q->node->store, .dir = dir };
	struct timespec nap = { 0, 5 * 1000000L };
	pthread_t th;

	atomic_init(&j.done, 0);
	if (pthread_create(&th, NULL, copy_thread, &j) != 0)
		return lfh_store_copy(q->node->store, dir, err);
	while (!atomic_load(&j.done)) {
		lfh_ctl_yield(q);
		nanosleep(&nap, NULL);
	}
	pthread_join(th, NULL);
	if (j.rc)
		*err = j.err;
	return j.rc;
}

/* What the backup lists: MANIFEST for people, B2SUMS for `b2sum -l 256 -c B2SUMS`. */
struct manifest {
	lfh_buf text, sums;
	lfh_ctl_req *q; /* yielded to as a large file is hashed */
};

#define HASH_YIELD_BYTES (64u << 20)

/*
 * Append "hash  size  name" of file path (shown as name) to m. A store of
 * several GB takes a while: the node yields every HASH_YIELD_BYTES, as the
 * copy did (writes waiting run; the service manager's watchdog hears from us).
 */
static int manifest_file(struct manifest *m, const char *path, const char *name, lfh_err *err)
{
	crypto_generichash_state st;
	uint8_t buf[65536], h[32];
	char hex[65], line[BACKUP_PATH_MAX + 128];
	uint64_t size = 0;
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return lfh_err_set(err, LFH_EIO, "%s: %s", path, strerror(errno));
	crypto_generichash_init(&st, NULL, 0, sizeof h);
	while ((got = read(fd, buf, sizeof buf)) > 0) {
		crypto_generichash_update(&st, buf, (size_t)got);
		if (size / HASH_YIELD_BYTES != (size + (uint64_t)got) / HASH_YIELD_BYTES)
			lfh_ctl_yield(m->q);
		size += (uint64_t)got;
	}
	close(fd);
	sodium_memzero(buf, sizeof buf);
	if (got < 0)
		return lfh_err_set(err, LFH_EIO, "%s: %s", path, strerror(errno));
	crypto_generichash_final(&st, h, sizeof h);
	lfh_hex(hex, h, sizeof h);
	snprintf(line, sizeof line, "%s  %12llu  %s\n", hex, (unsigned long long)size, name);
	if (lfh_buf_append(&m->text, line, strlen(line)))
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	snprintf(line, sizeof line, "%s  %s\n", hex, name);
	return lfh_buf_append(&m->sums, line, strlen(line)) ? lfh_err_set(err, LFH_ENOMEM, "out of memory")
							    : 0;
}

/* Every regular file under root/rel (one level of subdirectories), into m. */
static int manifest_tree(struct manifest *m, const char *root, const char *rel, int depth,
			 lfh_err *err)
{
	char dir[BACKUP_PATH_MAX + 64];
	DIR *d;
	struct dirent *e;
	int rc = 0;

	snprintf(dir, sizeof dir, "%s/%s", root, rel);
	if (!(d = opendir(dir)))
		return lfh_err_set(err, LFH_EIO, "%s: %s", dir, strerror(errno));
	while (rc == 0 && (e = readdir(d))) {
		char path[BACKUP_PATH_MAX + 128], name[192];
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%.60s", dir, e->d_name);
		snprintf(name, sizeof name, "%s/%.60s", rel, e->d_name);
		if (lstat(path, &st) != 0)
			continue;
		if (S_ISREG(st.st_mode))
			rc = manifest_file(m, path, name, err);
		else if (S_ISDIR(st.st_mode) && depth > 0)
			rc = manifest_tree(m, root, name, depth - 1, err);
	}
	closedir(d);
	return rc;
}

static int write_manifest(lfh_ctl_req *q, const char *dir, lfh_err *err)
{
	lfh_node *n = q->node;
	struct manifest m = { .q = q };
	char head[1024], hub[65], when[32];
	int rc;

	lfh_hex(hub, n->rules.hub_id, 32);
	lfh_ctl_time(lfh_wall_ms(), when);
	snprintf(head, sizeof head,
		 "# lfhub node backup (lfh admin backup; README: Backup and restore)\n"
		 "agency       %s\nhub          %s\nhub_id       %s\nmade         %s\n"
		 "incarnation  %016llx\n"
		 "# To restore (as root): stop lfhd; install -o lfhd -g lfhd -m 0600\n"
		 "# data/data.mdb DATA_DIR/data.mdb; only if the key directory was lost too:\n"
		 "# cp -a keys KEY_DIR; chown -R lfhd:lfhd KEY_DIR. The node then recovers\n"
		 "# from its peers every event it wrote since, before it writes again.\n"
		 "# keys/ holds secrets: keep this backup as safe as the key directory itself.\n"
		 "# Check it: cd into this directory, then b2sum -l 256 -c B2SUMS\n"
		 "# BLAKE2b-256                                                             size  file\n",
		 n->cfg.agency, n->cfg.hub, hub, when, (unsigned long long)n->incarnation);
	rc = lfh_buf_append(&m.text, head, strlen(head)) ? lfh_err_set(err, LFH_ENOMEM, "out of memory")
							  : 0;
	if (!rc)
		rc = manifest_tree(&m, dir, "data", 0, err);
	if (!rc)
		rc = manifest_tree(&m, dir, "keys", 1, err);
	if (!rc)
		rc = lfh_file_replace(dir, "B2SUMS", m.sums.data, m.sums.len, 0600, err);
	if (!rc) /* last: a backup with its MANIFEST is complete */
		rc = lfh_file_replace(dir, "MANIFEST", m.text.data, m.text.len, 0600, err);
	lfh_buf_free(&m.text);
	lfh_buf_free(&m.sums);
	return rc;
}

int ctl_backup(lfh_ctl_req *q, lfh_txn *t)
{
	const char *dir = lfh_ctl_need(&q->req, "dir", BACKUP_PATH_MAX + 1, &q->rep);
	char data[BACKUP_PATH_MAX + 16], keys[BACKUP_PATH_MAX + 16];
	lfh_err err = { 0 };
	lfh_record *out;
	uint64_t seq = 0, events = 0;
	int rc, made;

	if (!dir || backup_dir(q, dir, &made))
		return q->rep.code;
	snprintf(data, sizeof data, "%s/data", dir);
	snprintf(keys, sizeof keys, "%s/keys", dir);
	rc = mkdir(data, 0700) == 0 ? 0 : lfh_err_set(&err, LFH_EIO, "cannot create %.150s: %s",
						     data, strerror(errno));
	if (!rc)
		rc = copy_store(q, data, &err);
	if (!rc)
		rc = lfh_keydir_copy(q->node->cfg.key_dir, keys, &err);
	if (!rc)
		rc = lfh_recovery_backup_state(q->node, keys, &err);
	if (!rc)
		rc = write_manifest(q, dir, &err);
	if (!rc)
		rc = lfh_store_meta_get(t, "seq", &seq, &err);
	if (!rc)
		rc = lfh_store_event_count(t, &events, &err);
	if (rc) { /* a failed backup is the request's failure, not the round's */
		remove_partial(dir, made);
		return lfh_ctl_fail(&q->rep, rc == LFH_ESTORE ? LFH_EIO : rc, err.msg);
	}
	out = lfh_ctl_add(&q->rep);
	if (!out || lfh_record_set_str(out, "dir", dir, &err) ||
	    lfh_record_set_uint(out, "events", events, &err) ||
	    lfh_record_set_uint(out, "authored", seq, &err))
		return lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	return 0;
}

/*
 * recovery_skip agency: a recovering node takes a peer that will never
 * answer (an agency removed from the hub after the backup it was restored
 * from) as having answered, on an administrator's word (PROTOCOL.md 13.1).
 */
int ctl_recovery_skip(lfh_ctl_req *q, lfh_txn *t)
{
	const char *agency = lfh_ctl_need(&q->req, "agency", LFH_AGENCY_MAX, &q->rep);
	lfh_err err = { 0 };
	lfh_record *out;
	int rc;

	(void)t;
	if (!agency)
		return q->rep.code;
	if ((rc = lfh_sync_recovery_skip(q->sync, agency, &err)))
		return lfh_ctl_fail(&q->rep, rc, err.msg);
	if (!(out = lfh_ctl_add(&q->rep)) || lfh_record_set_str(out, "skipped", agency, &err))
		return lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	return 0;
}
