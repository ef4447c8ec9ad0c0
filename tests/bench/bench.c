/*
 * bench.c - lfhub benchmarks: figures and ratios, no pass/fail.
 *
 *   B=build build/bench/bench        (normally through `make bench`)
 *
 * 1. Write throughput through the library (lfh_node_write: sign, encrypt,
 *    durable LMDB commit) of case events from police to housing over a few
 *    hundred cases (a referral each, then notes, so first-write KEY events
 *    and the steady state both occur): (a) group commit, 256 events per
 *    transaction; (b) one durable commit per event.
 * 2. Catch-up between two real lfhd processes: police's store is the one
 *    filled in 1a; housing starts with an empty store and is polled (control
 *    socket "status", every 20 ms) until it holds every event police holds.
 *    Run BENCH_CU_RUNS times, each followed by a measure of the verify
 *    ceiling; the fastest run is compared with the highest ceiling, so that
 *    a busy spell of this shared machine favours neither.
 * 3. Raw libsodium Ed25519 verify (and sign) rate over ~700-byte messages,
 *    the ceiling a catching-up node runs into (one verify per event).
 *
 * Environment:
 *   B               build directory holding lfhd (default build)
 *   LFHD            lfhd binary (default $B/lfhd)
 *   BENCH_EVENTS    events for 1a and the catch-up (default 100000)
 *   BENCH_SINGLE    events for 1b (default 2000)
 *   BENCH_TIMEOUT   catch-up limit in seconds (default 300)
 *   BENCH_CU_RUNS   runs of the 2-node catch-up (part 2); the fastest is
 *                   shown, with every run's rate (default 3, at most 9)
 *   BENCH_SIX_RUNS  housing's catch-ups of each kind in the 1-of-6 hub, from 5
 *                   peers and from 1 in turn; the median of each is shown
 *                   (default 3, at most 9)
 *   BENCH_KEEP=1    keep the work dir (its path is printed)
 *   BENCH_ONLY=catchup  only 1a (to fill police's store), 2 and 3: no 1b, no
 *                   1-of-6 (tests/bench/compare.sh uses it, and takes the
 *                   verify ceiling from 3)
 *   TMPDIR          where the work dir goes (if its path is short enough
 *                   for ipc:// sockets; else /tmp)
 *
 * The lfhd processes (work dir, configs, start, stop, waiting for them):
 * daemon.h; their control socket: ctl_client.h; the Ed25519 rates:
 * verify_rate.h.
 *
 * Exit status: 0 if every part ran, 1 if any part could not be measured.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <sodium.h>
#include <zmq.h>

#include "lfh/config.h"
#include "lfh/hub.h"
#include "lfh/identity.h"
#include "lfh/ingest.h"
#include "lfh/node.h"
#include "lfh/record.h"
#include "lfh/serve.h"
#include "lfh/store.h"
#include "lfh/wire.h"
#include "lfh/write.h"

#include "ctl_client.h"
#include "daemon.h"
#include "verify_rate.h"

#define NCASES 300
#define GROUP 256
#define SIX_RUNS_MAX 9 /* BENCH_SIX_RUNS: catch-ups of each kind in the 1-of-6 hub */
#define CU_RUNS_MAX 9  /* BENCH_CU_RUNS: 2-node catch-ups */

/* police, housing, then the four other agencies of the 6-node hub (part 4) */
static const char *const six[NSIX] = { "police", "housing", "health", "social", "school", "fire" };
static proc_t procs[NSIX];

static double cpu_self_s(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static unsigned long env_ulong(const char *name, unsigned long def)
{
	const char *s = getenv(name);
	char *end = NULL;
	unsigned long v;
	if (!s || !*s)
		return def;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0) {
		fprintf(stderr, "bench: ignoring bad %s=%s (using %lu)\n", name, s, def);
		return def;
	}
	return v;
}

static void fmt_rate(char *out, size_t n, double v)
{
	/* 1234567 -> "1,234,567" */
	char tmp[64];
	int len, j = 0;
	snprintf(tmp, sizeof tmp, "%.0f", v);
	len = (int)strlen(tmp);
	for (int i = 0; i < len && (size_t)j + 2 < n; i++) {
		out[j++] = tmp[i];
		if ((len - i - 1) % 3 == 0 && i != len - 1)
			out[j++] = ',';
	}
	out[j] = '\0';
}

/* ------------------------------------------------------------ identities */

static int make_identities(void)
{
	const char *const *agencies = six;
	for (int i = 0; i < NSIX; i++) {
		char dir[512], kd[512];
		lfh_err err = { 0 };
		snprintf(dir, sizeof dir, "%s/%s", base, agencies[i]);
		if (mkdir(dir, 0700) != 0) {
			fprintf(stderr, "bench: mkdir %s: %s\n", dir, strerror(errno));
			return -1;
		}
		key_dir(kd, sizeof kd, agencies[i]);
		if (lfh_identity_generate(agencies[i], kd, &err)) {
			fprintf(stderr, "bench: keys for %s: %s\n", agencies[i], err.msg);
			return -1;
		}
	}
	return 0;
}

/* An in-process police config whose one peer is housing (sockets unused). */
/*
 * Both write runs start a fresh store with police's one key directory, which
 * a node takes for a replaced store (it would recover first: recovery.h):
 * the bench starts over on purpose, so it forgets the directory's state.
 */
static void forget_state(const char *agency)
{
	char kd[512], path[1024];
	DIR *d;
	struct dirent *e;

	if (key_dir(kd, sizeof kd, agency) || !(d = opendir(kd)))
		return;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "node-", 5) && strstr(e->d_name, ".state") &&
		    snprintf(path, sizeof path, "%s/%s", kd, e->d_name) < (int)sizeof path)
			unlink(path);
	closedir(d);
}

static int police_config(lfh_config *c, const char *data_dir, int npeers)
{
	lfh_identity *h = NULL;
	lfh_err err = { 0 };
	char kd[512];

	memset(c, 0, sizeof *c);
	snprintf(c->path, sizeof c->path, "%s/police/bench.conf", base);
	snprintf(c->agency, sizeof c->agency, "police");
	snprintf(c->hub, sizeof c->hub, HUB);
	snprintf(c->data_dir, sizeof c->data_dir, "%s", data_dir);
	key_dir(c->key_dir, sizeof c->key_dir, "police");
	snprintf(c->listen, sizeof c->listen, "tcp://127.0.0.1:1");
	snprintf(c->control, sizeof c->control, "ipc://%s/unused.sock", base);
	c->log_level = LFH_LOG_WARN;
	c->map_size = 0;
	c->npeers = (size_t)npeers;
	for (int i = 0; i < npeers; i++) {
		snprintf(c->peers[i].agency, sizeof c->peers[i].agency, "%s", six[1 + i]);
		snprintf(c->peers[i].endpoint, sizeof c->peers[i].endpoint, "tcp://127.0.0.1:1");
		key_dir(kd, sizeof kd, six[1 + i]);
		snprintf(c->peers[i].pubkey_path, sizeof c->peers[i].pubkey_path, "%s/public.ini", kd);
		if (lfh_identity_load(kd, &h, &err)) {
			fprintf(stderr, "bench: loading %s's keys: %s\n", six[1 + i], err.msg);
			return -1;
		}
		c->peers[i].pub = h->pub;
		lfh_identity_free(h);
	}
	return 0;
}

/* ----------------------------------------------------------- 1. writing */

typedef struct writer {
	lfh_node *node;
	lfh_record body;
	uint8_t cases[NCASES][LFH_CASE_LEN];
	uint64_t written;
	int nto; /* recipients of each event: six[1 .. nto] */
} writer;

static int writer_init(writer *w, const char *data_dir, int nto)
{
	static lfh_config cfg;
	lfh_err err = { 0 };
	char desc[512];

	memset(w, 0, sizeof *w);
	if (police_config(&cfg, data_dir, nto))
		return -1;
	w->nto = nto;
	if (lfh_node_open(&w->node, &cfg, &err)) {
		fprintf(stderr, "bench: lfh_node_open: %s\n", err.msg);
		return -1;
	}
	for (int i = 0; i < NCASES; i++)
		lfh_case_id_new(w->node->rules.hub_id, "police", w->cases[i]);
	/* ~300 bytes of description, like a caseworker's paragraph. */
	snprintf(desc, sizeof desc, "%s",
		 "Residents of the block report repeated late-night noise, shouting in the "
		 "stairwell and intimidation of an elderly tenant on the second floor since "
		 "early October. Two incidents were logged by the neighbourhood team; the "
		 "tenant has asked for a welfare visit. Landlord contacted, no response yet. "
		 "Request joint visit and review of the tenancy conditions.");
	if (lfh_record_set_str(&w->body, "summary", "Repeat ASB at the Maryport flats", &err) ||
	    lfh_record_set_str(&w->body, "location", "Senhouse Street, Maryport", &err) ||
	    lfh_record_set_str(&w->body, "asb_category", "noise", &err) ||
	    lfh_record_set_str(&w->body, "description", desc, &err) ||
	    lfh_record_set_str(&w->body, "risk", "standard", &err) ||
	    lfh_record_set_str(&w->body, "by", "pc-4471", &err)) {
		fprintf(stderr, "bench: building the body: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static void writer_close(writer *w)
{
	lfh_record_clear(&w->body);
	lfh_node_close(w->node);
	w->node = NULL;
}

/* Write n events, `group` per durable transaction. */
static int write_events(writer *w, uint64_t n, uint64_t group)
{
	const char *const *to = &six[1];
	uint64_t i = 0;
	lfh_err err = { 0 };

	while (i < n) {
		lfh_txn *t = NULL;
		if (lfh_txn_begin(w->node->store, 1, &t, &err)) {
			fprintf(stderr, "bench: txn begin: %s\n", err.msg);
			return -1;
		}
		for (uint64_t k = 0; k < group && i < n; k++, i++) {
			char summary[64];
			lfh_write_result res;
			snprintf(summary, sizeof summary, "Repeat ASB at the Maryport flats #%" PRIu64,
				 w->written);
			if (lfh_record_set_str(&w->body, "summary", summary, &err) ||
			    lfh_node_write(w->node, t, w->cases[w->written % NCASES],
					   w->written < NCASES ? LFH_EV_REFERRAL : LFH_EV_NOTE,
					   "referral", to, (size_t)w->nto, &w->body, &res, &err)) {
				fprintf(stderr, "bench: lfh_node_write: %s\n", err.msg);
				lfh_txn_abort(t);
				return -1;
			}
			w->written++;
		}
		if (lfh_txn_commit(t, &err)) {
			fprintf(stderr, "bench: commit: %s\n", err.msg);
			return -1;
		}
		if (interrupted)
			return -1;
	}
	return 0;
}

static int store_count(lfh_node *n, uint64_t *count)
{
	lfh_txn *t = NULL;
	lfh_err err = { 0 };
	int rc = lfh_txn_begin(n->store, 0, &t, &err);
	if (!rc)
		rc = lfh_store_event_count(t, count, &err);
	lfh_txn_abort(t);
	if (rc)
		fprintf(stderr, "bench: counting events: %s\n", err.msg);
	return rc;
}

typedef struct catchup_result {
	double secs;
	double ready;  /* housing's first status answer, from its start */
	double first;  /* housing first holds an event, from its start */
	double cpu_police, cpu_housing;
	uint64_t events;
} catchup_result;

/*
 * Start police on police_data (filled) and housing on an empty dir, and time
 * housing's start until it holds `expect` events. Always stops both.
 */
static int catchup(const char *police_data, uint64_t expect, double timeout_s,
		   catchup_result *out)
{
	int ports[2], rc = -1;
	char hdata[512];
	void *zctx = NULL;
	ctl_client pc = { 0 }, hc = { 0 };
	proc_t *police = &procs[0], *housing = &procs[1];
	uint64_t ev = 0, last = 0;
	double t0, t_last_change, deadline;

	memset(out, 0, sizeof *out);
	police->agency = "police";
	housing->agency = "housing";
	snprintf(hdata, sizeof hdata, "%s/housing/data", base);
	if (free_ports(ports, 2) || write_conf(police, police_data, ports[0], "housing", ports[1]) ||
	    write_conf(housing, hdata, ports[1], "police", ports[0]))
		return -1;
	if (!(zctx = zmq_ctx_new())) {
		fprintf(stderr, "bench: zmq_ctx_new failed\n");
		return -1;
	}
	pc = (ctl_client){ .zctx = zctx, .endpoint = police->ctl };
	hc = (ctl_client){ .zctx = zctx, .endpoint = housing->ctl };

	if (daemon_start(police) || wait_ready(police, &pc, &ev))
		goto done;
	if (ev != expect)
		fprintf(stderr, "bench: note: police's lfhd reports %" PRIu64
				" events, the store had %" PRIu64 "\n", ev, expect);

	t0 = now_s();
	if (daemon_start(housing))
		goto done;
	deadline = t0 + timeout_s;
	t_last_change = t0;
	for (;;) {
		double t;
		if (interrupted) {
			fprintf(stderr, "bench: interrupted\n");
			goto done;
		}
		if (daemon_exited(police) || daemon_exited(housing)) {
			proc_t *d = daemon_exited(police) ? police : housing;
			char why[64];
			describe_status(d->status, why, sizeof why);
			fprintf(stderr, "bench: %s lfhd exited during the catch-up (%s); housing "
					"held %" PRIu64 " of %" PRIu64 " events\n",
				d->agency, why, last, expect);
			d->pid = 0;
			dump_log(d);
			goto done;
		}
		int r = ctl_events(&hc, 1000, &ev);
		t = now_s();
		if (r < 0)
			goto done;
		if (r == 0) {
			if (!out->ready)
				out->ready = t - t0;
			if (ev && !out->first)
				out->first = t - t0;
			if (ev != last) {
				last = ev;
				t_last_change = t;
			}
			if (ev >= expect) {
				out->secs = t - t0;
				out->events = ev;
				break;
			}
		}
		if (t > deadline) {
			fprintf(stderr, "bench: catch-up timed out after %.0fs: housing holds %" PRIu64
					" of %" PRIu64 " events (last progress %.1fs before)\n",
				timeout_s, last, expect, t - t_last_change);
			dump_log(housing);
			dump_log(police);
			goto done;
		}
		usleep(POLL_MS * 1000);
	}
	if (out->events != expect)
		fprintf(stderr, "bench: note: housing holds %" PRIu64 " events, expected %" PRIu64
				"\n", out->events, expect);
	out->cpu_police = proc_cpu_s(police->pid);
	out->cpu_housing = proc_cpu_s(housing->pid);
	rc = 0;
done:
	ctl_close(&pc);
	ctl_close(&hc);
	if (daemon_stop(housing))
		rc = -1;
	if (daemon_stop(police))
		rc = -1;
	if (zctx)
		zmq_ctx_term(zctx);
	return rc;
}

/* ------------------------------------------- 4. one of six nodes catches up */

/* One housing catch-up of the 1-of-6 hub. */
typedef struct six_run {
	double secs;
	uint64_t received;   /* envelopes housing received, duplicates included */
	double cpu_housing;
	double cpu_others;   /* police's and the relays' lfhd during that run */
} six_run;

typedef struct six_result {
	six_run med[2];        /* the median run: [0] from 5 peers, [1] from police alone */
	double lo[2], hi[2];   /* the range of the runs' rates, events/s */
	int runs;              /* runs of each */
	uint64_t events;
	int ok[2];
} six_result;

static int by_secs(const void *a, const void *b)
{
	double x = ((const six_run *)a)->secs, y = ((const six_run *)b)->secs;
	return x < y ? -1 : x > y;
}

/* The median of n runs (by time) into out->med[v], and the range of their rates. */
static void six_median(six_result *out, int v, six_run *runs, int n, uint64_t events)
{
	qsort(runs, (size_t)n, sizeof *runs, by_secs);
	out->med[v] = runs[n / 2];
	out->lo[v] = (double)events / runs[n - 1].secs;
	out->hi[v] = (double)events / runs[0].secs;
	out->ok[v] = 1;
}

/* The CPU seconds police's and the four relays' lfhd have used (procs other than housing). */
static double others_cpu_s(void)
{
	double sum = 0;

	for (int i = 0; i < NSIX; i++)
		if (i != 1 && procs[i].pid > 0)
			sum += proc_cpu_s(procs[i].pid);
	return sum;
}

/*
 * A 6-node hub (no ISA: every agency a peer of every other) in which police
 * wrote every event to the five others: police and the four other relays
 * run and hold everything; housing was offline. Time housing's catch-up
 * from all five (each relays every event to it) and then, with a fresh
 * store, from police alone (the relays' endpoints in housing's config then
 * lead nowhere, so the hub, and every event, stay the same).
 */
static int catchup_six(const char *police_data, uint64_t expect, double timeout_s, int nruns,
		       six_result *out)
{
	int ports[NSIX], rc = -1;
	void *zctx = zmq_ctx_new();
	ctl_client cc[NSIX];
	char data[NSIX][512];
	six_run done_runs[2][SIX_RUNS_MAX];
	int ndone[2] = { 0, 0 };

	memset(out, 0, sizeof *out);
	memset(cc, 0, sizeof cc);
	if (!zctx || free_ports(ports, NSIX))
		goto done;
	for (int i = 0; i < NSIX; i++) {
		const char *peers[NSIX - 1];
		int pports[NSIX - 1], k = 0;
		procs[i] = (proc_t){ .agency = six[i] };
		if (i == 0)
			snprintf(data[i], sizeof data[i], "%s", police_data);
		else
			snprintf(data[i], sizeof data[i], "%s/%s/data6", base, six[i]);
		for (int j = 0; j < NSIX; j++)
			if (j != i) {
				peers[k] = six[j];
				pports[k++] = ports[j];
			}
		if (write_conf_n(&procs[i], data[i], ports[i], peers, pports, k))
			goto done;
		cc[i] = (ctl_client){ .zctx = zctx, .endpoint = procs[i].ctl };
	}
	/* police and the four relays, until each relay holds everything */
	for (int i = 0; i < NSIX; i++)
		if (i != 1 && daemon_start(&procs[i]))
			goto done;
	for (int i = 2; i < NSIX; i++)
		if (wait_events(&procs[i], &cc[i], expect, timeout_s, NULL))
			goto done;
	printf("# 1-of-6: the four relays hold %" PRIu64 " events each; housing starts ...\n",
	       expect);
	/* from 5, from 1, from 5, ...: the two alternate, so that a slow spell of this shared
	 * machine falls on both */
	for (int r = 0; r < 2 * nruns; r++) {
		proc_t *h = &procs[1];
		int run = r % 2;
		double t0;
		char hdata[600];
		snprintf(hdata, sizeof hdata, "%s/housing/data6-%d", base, r);
		{
			/* run 1: the relays are configured (the hub is the same) but housing
			 * reaches only police: their endpoints are a port nobody listens on */
			const char *peers[NSIX - 1] = { six[0], six[2], six[3], six[4], six[5] };
			int pp[NSIX - 1] = { ports[0], ports[2], ports[3], ports[4], ports[5] };
			if (run == 1 && free_ports(&pp[1], 1))
				goto done;
			for (int k = 2; run == 1 && k < NSIX - 1; k++)
				pp[k] = pp[1];
			if (write_conf_n(h, hdata, ports[1], peers, pp, NSIX - 1))
				goto done;
		}
		forget_state("housing"); /* a fresh store for a key dir that had one: no recovery */
		double others0 = others_cpu_s();
		t0 = now_s();
		if (daemon_start(h))
			goto done;
		six_run *sr = &done_runs[run][ndone[run]];
		if (wait_events(h, &cc[1], expect, timeout_s, &sr->received) == 0) {
			sr->secs = now_s() - t0;
			sr->cpu_housing = proc_cpu_s(h->pid);
			sr->cpu_others = others_cpu_s() - others0;
			ndone[run]++;
		}
		ctl_close(&cc[1]);
		cc[1] = (ctl_client){ .zctx = zctx, .endpoint = h->ctl };
		if (daemon_stop(h))
			goto done;
		rm_rf(hdata);
		if (ndone[run] <= r / 2)
			break; /* that run failed (said why): no median */
	}
	out->runs = nruns;
	out->events = expect;
	for (int v = 0; v < 2; v++)
		if (ndone[v] == nruns)
			six_median(out, v, done_runs[v], nruns, expect);
	rc = out->ok[0] && out->ok[1] ? 0 : -1;
done:
	for (int i = 0; i < NSIX; i++) {
		ctl_close(&cc[i]);
		if (procs[i].agency && daemon_stop(&procs[i]))
			rc = -1;
	}
	if (zctx)
		zmq_ctx_term(zctx);
	return rc;
}

/*
 * Issue #13's catch-up targets, each "met" or the gap and where it comes
 * from: >= 0.8 of the all-threads verify ceiling; the same rate from 1 peer
 * as from 5 (within 10%).
 */
static void print_targets(const catchup_result *cu, const six_result *six, double ver_all,
			  int nthreads)
{
	if (cu && ver_all > 0) {
		double ev = (double)cu->events, r = ev / cu->secs / ver_all;
		double us_h = cu->cpu_housing / ev * 1e6, us_p = cu->cpu_police / ev * 1e6;
		/* a verify's CPU cost while every core verifies: what the ceiling measures */
		double vus = nthreads * 1e6 / ver_all;
		double cap = nthreads * 1e6 / (us_h + us_p) / ver_all;
		double busy = (cu->cpu_housing + cu->cpu_police) / cu->secs / nthreads;
		double need = nthreads * 1e6 / (0.8 * ver_all) - vus;
		if (r >= 0.8)
			printf("  target catch-up >= 0.8 x %d-thread verify: met (%.2f)\n", nthreads, r);
		else
			printf("  target catch-up >= 0.8 x %d-thread verify: not met (%.2f): each event "
			       "cost housing %.0f us of CPU, about %.0f of them its signature check (a "
			       "verify's cost with every core verifying, all the ceiling does) and %.0f "
			       "decoding, judging and storing it (LMDB indexes, a durable commit per "
			       "batch); police spent %.0f us sending it, on the same %d cores. At 100%% "
			       "of them that allows at most %.2f; they were %.0f%% busy. 0.8 needs all "
			       "that is not a signature check to cost at most %.0f us an event, both "
			       "nodes together, with every core busy all the time (it costs %.0f here)\n",
			       nthreads, r, us_h, vus, us_h - vus, us_p, nthreads, cap, busy * 100,
			       need, us_h + us_p - vus);
	}
	if (six->ok[0] && six->ok[1]) {
		double r5 = (double)six->events / six->med[0].secs;
		double r1 = (double)six->events / six->med[1].secs;
		double q = r5 / r1;
		printf("  target the same rate from 5 peers as from 1: %s (%.2f, medians of %d runs; "
		       "received %.2f and %.2f per event; the other five lfhd used %.2f and %.2f "
		       "cpu-s meanwhile)\n",
		       q >= 0.9 && q <= 1.1 ? "met" : "not met", q, six->runs,
		       (double)six->med[0].received / (double)six->events,
		       (double)six->med[1].received / (double)six->events, six->med[0].cpu_others,
		       six->med[1].cpu_others);
	}
}

/* ---------------------------------------------------------------- main */

static int make_base(void)
{
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp || strlen(tmp) > 40)
		tmp = "/tmp";
	snprintf(base, sizeof base, "%s/lfh-bench.XXXXXX", tmp);
	if (!mkdtemp(base)) {
		fprintf(stderr, "bench: mkdtemp %s: %s\n", base, strerror(errno));
		return -1;
	}
	return 0;
}

static const char *fs_note(const char *path)
{
	struct statfs sf;
	if (statfs(path, &sf) != 0)
		return "";
	if (sf.f_type == 0x01021994) /* TMPFS_MAGIC */
		return " (work dir is on tmpfs: durable commits cost nothing here)";
	return "";
}

int main(void)
{
	unsigned long nevents = env_ulong("BENCH_EVENTS", 100000);
	unsigned long nsingle = env_ulong("BENCH_SINGLE", 2000);
	double timeout_s = (double)env_ulong("BENCH_TIMEOUT", 300);
	unsigned long six_env = env_ulong("BENCH_SIX_RUNS", 3);
	int six_runs = six_env < 1 ? 1 : six_env > SIX_RUNS_MAX ? SIX_RUNS_MAX : (int)six_env;
	unsigned long cu_env = env_ulong("BENCH_CU_RUNS", 3);
	int cu_runs = cu_env < 1 ? 1 : cu_env > CU_RUNS_MAX ? CU_RUNS_MAX : (int)cu_env;
	double cu_rates[CU_RUNS_MAX];
	int cu_done = 0;
	char hdata[512];
	const char *b = getenv("B");
	struct sigaction sa;
	static writer w;
	char pdata[512], sdata[512], s[64];
	double wa = 0, wb = 0, ver = 0, ver_all = 0, sig = 0, t0, c0, wa_s = 0, wa_cpu = 0, wb_s = 0, wb_cpu = 0;
	verify_measures vm = { 0 };
	uint64_t stored_a = 0, stored_b = 0;
	catchup_result cu = { 0 };
	int failed = 0, have_store = 0, have_cu = 0, have_six = 0, nthreads = 1;
	char p6data[512];
	uint64_t stored_6 = 0;
	six_result six_r = { 0 };
	const char *only = getenv("BENCH_ONLY");
	int only_cu = only && strcmp(only, "catchup") == 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (only && *only && !only_cu)
		fprintf(stderr, "bench: ignoring bad BENCH_ONLY=%s (only \"catchup\")\n", only);
	umask(077);
	if (sodium_init() < 0) {
		fprintf(stderr, "bench: libsodium failed to initialise\n");
		return 1;
	}
	if (getenv("LFHD") && *getenv("LFHD"))
		snprintf(lfhd_bin, sizeof lfhd_bin, "%s", getenv("LFHD"));
	else
		snprintf(lfhd_bin, sizeof lfhd_bin, "%s/lfhd", b && *b ? b : "build");
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (make_base() || make_identities()) {
		if (base[0] && !strstr(base, "XXXXXX"))
			rm_rf(base);
		return 1;
	}
	snprintf(pdata, sizeof pdata, "%s/police/data", base);
	snprintf(sdata, sizeof sdata, "%s/police/data-single", base);
	printf("# lfhub bench: %lu events (BENCH_EVENTS), %d cases, work dir %s%s\n", nevents,
	       NCASES, base, fs_note(base));

	/* 1b first (see forget_state), then 1a, whose store is police's for the catch-up. */
	forget_state("police");
	if (!only_cu && !interrupted && writer_init(&w, sdata, 1) == 0) {
		t0 = now_s();
		c0 = cpu_self_s();
		if (write_events(&w, nsingle, 1) == 0) {
			wb_s = now_s() - t0;
			wb_cpu = cpu_self_s() - c0;
			wb = (double)nsingle / wb_s;
			store_count(w.node, &stored_b);
		}
	}
	if (!only_cu) {
		writer_close(&w);
		rm_rf(sdata);
		if (!wb)
			failed = 1;
	}

	/* 1a. group commit; this store is also police's store for the catch-up. */
	forget_state("police");
	if (writer_init(&w, pdata, 1) == 0) {
		t0 = now_s();
		c0 = cpu_self_s();
		if (write_events(&w, nevents, GROUP) == 0) {
			wa_s = now_s() - t0;
			wa_cpu = cpu_self_s() - c0;
			wa = (double)nevents / wa_s;
			have_store = store_count(w.node, &stored_a) == 0;
		}
	}
	writer_close(&w);
	if (!wa)
		failed = 1;

	/* 3 before 2 is fine: nothing else running while measuring crypto. Measured
	 * again after each run of 2 and after 4: the highest of each is the ceiling, so
	 * that a busy spell of this shared machine while it is measured cannot make a
	 * catch-up look closer to it than it is (nor, the fastest run of 2 being taken,
	 * further from it). */
	if (!interrupted) {
		measure_verify(&vm);
		sig = ed25519_rate(1);
	}

	/* 2. catch-up between two lfhd processes. */
	if (!interrupted && have_store) {
		if (access(lfhd_bin, X_OK) != 0) {
			fprintf(stderr, "bench: %s: %s (build it with make)\n", lfhd_bin,
				strerror(errno));
		} else {
			printf("# catch-up: police holds %" PRIu64 " events (incl. %" PRIu64
			       " KEY events); starting lfhd x2 ...\n",
			       stored_a, stored_a - nevents);
			snprintf(hdata, sizeof hdata, "%s/housing/data", base);
			for (int r = 0; r < cu_runs && !interrupted; r++) {
				catchup_result one;
				if (r) { /* a fresh store, and no recovery for it */
					rm_rf(hdata);
					forget_state("housing");
				}
				if (catchup(pdata, stored_a, timeout_s, &one) != 0)
					break;
				cu_rates[cu_done++] = (double)one.events / one.secs;
				if (!have_cu || one.secs < cu.secs)
					cu = one;
				have_cu = 1;
				measure_verify(&vm);
			}
		}
	}
	if (cu_done < cu_runs)
		failed = 1;

	/* 4. one of six: police writes BENCH_EVENTS events to all five others */
	snprintf(p6data, sizeof p6data, "%s/police/data6", base);
	forget_state("police");
	if (!only_cu && !interrupted && writer_init(&w, p6data, NSIX - 1) == 0) {
		if (write_events(&w, nevents, GROUP) == 0 && store_count(w.node, &stored_6) == 0) {
			writer_close(&w);
			printf("# 1-of-6: police holds %" PRIu64 " events for five agencies; starting "
			       "lfhd x5 ...\n", stored_6);
			have_six = catchup_six(p6data, stored_6, timeout_s, six_runs, &six_r) == 0;
		} else {
			writer_close(&w);
		}
	}
	if (!have_six && !only_cu)
		failed = 1;
	if (!only_cu && !interrupted)
		measure_verify(&vm);
	ver = vm.one;
	ver_all = vm.all;
	nthreads = vm.nthreads ? vm.nthreads : 1;

	printf("\n");
	if (wa) {
		fmt_rate(s, sizeof s, wa);
		printf("  write (group commit, %d/txn)     %12s events/s  (%lu events + %" PRIu64
		       " KEY; %.2f s, cpu %.2f s)\n",
		       GROUP, s, nevents, stored_a - nevents, wa_s, wa_cpu);
	} else {
		printf("  write (group commit, %d/txn)     %12s\n", GROUP, "FAILED");
	}
	if (only_cu) {
		/* no 1b */
	} else if (wb) {
		fmt_rate(s, sizeof s, wb);
		printf("  write (1 durable commit/event)    %12s events/s  (%lu events + %" PRIu64
		       " KEY; %.2f s, cpu %.2f s)\n",
		       s, nsingle, stored_b >= nsingle ? stored_b - nsingle : 0, wb_s, wb_cpu);
	} else {
		printf("  write (1 durable commit/event)    %12s\n", "FAILED");
	}
	if (have_cu) {
		char label[64];
		double rate = (double)cu.events / cu.secs;
		snprintf(label, sizeof label, "catch-up 2 nodes, %" PRIu64 " events", cu.events);
		fmt_rate(s, sizeof s, rate);
		printf("  %-33s %12s events/s  (%.2f s; cpu housing %.2f s, police %.2f s; housing "
		       "answered status at %.2f s, held its first event at %.2f s; the fastest of "
		       "%d runs:",
		       label, s, cu.secs, cu.cpu_housing, cu.cpu_police, cu.ready, cu.first, cu_done);
		for (int i = 0; i < cu_done; i++)
			printf(" %.0f", cu_rates[i]);
		printf(")\n");
	} else {
		printf("  catch-up 2 nodes                  %12s\n", "FAILED");
	}
	for (int run = 0; run < 2 && !only_cu; run++) {
		char label[64];
		double rate;
		if (!six_r.ok[run]) {
			printf("  catch-up 1-of-6 %-17s %12s\n", run ? "from 1 peer" : "from 5 peers",
			       "FAILED");
			continue;
		}
		const six_run *m = &six_r.med[run];
		rate = (double)six_r.events / m->secs;
		snprintf(label, sizeof label, "catch-up 1-of-6 from %d peer%s", run ? 1 : 5,
			 run ? "" : "s");
		fmt_rate(s, sizeof s, rate);
		printf("  %-33s %12s events/s  (%" PRIu64 " events, %.2f s; cpu housing %.2f s, "
		       "the other five %.2f s; received %.2f per event; median of %d runs, "
		       "%.0f-%.0f events/s)\n",
		       label, s, six_r.events, m->secs, m->cpu_housing, m->cpu_others,
		       (double)m->received / (double)six_r.events, six_r.runs, six_r.lo[run],
		       six_r.hi[run]);
	}
	if (ver > 0) {
		fmt_rate(s, sizeof s, ver);
		printf("  ed25519 verify (libsodium)        %12s /s  (%d-byte messages)\n", s,
		       VERIFY_MSG_LEN);
		fmt_rate(s, sizeof s, ver_all);
		printf("  ed25519 verify, %d threads         %12s /s  (the ceiling of catching up "
		       "here: the highest of %d measures over the run,",
		       nthreads, s, vm.n);
		for (int i = 0; i < vm.n; i++)
			printf(" %.0f", vm.alls[i]);
		printf(")\n");
		fmt_rate(s, sizeof s, sig);
		printf("  ed25519 sign (libsodium)          %12s /s\n", s);
	}
	if (have_cu && ver > 0) {
		double rate = (double)cu.events / cu.secs;
		printf("  ratio catch-up / verify           %12.2f   (one thread's verify rate)\n",
		       rate / ver);
		if (ver_all > 0)
			printf("  ratio catch-up / verify, %d thr    %12.2f   (target >= 0.8)\n", nthreads,
			       rate / ver_all);
		if (cu.cpu_housing > 0)
			printf("  ratio per housing cpu-s / verify  %12.2f   (events per cpu-second of "
			       "housing's lfhd)\n",
			       ((double)cu.events / cu.cpu_housing) / ver);
	}
	for (int run = 0; run < 2 && ver_all > 0; run++)
		if (six_r.ok[run])
			printf("  ratio 1-of-6 from %d / verify, %d thr %9.2f\n", run ? 1 : 5, nthreads,
			       (double)six_r.events / six_r.med[run].secs / ver_all);
	if (wa && sig > 0)
		printf("  ratio write (group) / sign        %12.2f\n", wa / sig);
	print_targets(have_cu ? &cu : NULL, &six_r, ver_all, nthreads);

	if (getenv("BENCH_KEEP") && strcmp(getenv("BENCH_KEEP"), "1") == 0)
		printf("# work dir kept: %s\n", base);
	else
		rm_rf(base);
	return failed || interrupted ? 1 : 0;
}
