/*
 * main.c - lfhd, the agency node daemon: configuration, start-up and the
 * one event loop (zmq_poll) that serves peers and the control socket.
 *
 * The only place that may exit: everything below returns status codes.
 * SIGTERM/SIGINT stop the loop; sockets and the store are closed cleanly
 * (LMDB needs no recovery either way: a kill -9 loses nothing committed).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <systemd/sd-daemon.h>
#include <zmq.h>

#include "lfh/config.h"
#include "lfh/control.h"
#include "lfh/exporter.h"
#include "lfh/generation.h"
#include "lfh/hlc.h"
#include "lfh/isa_text.h"
#include "lfh/log.h"
#include "lfh/node.h"
#include "lfh/preflight.h"
#include "lfh/reconfig.h"
#include "lfh/remind.h"
#include "lfh/recovery.h"
#include "lfh/risk.h"
#include "lfh/sync.h"
#include "lfh/version.h"

#define POLL_MS 200
#define TICK_MS 250
#define RETENTION_MS 2000
#define STATE_SAVE_MS 1000 /* node.state follows the store at most this far behind */
#define EXIT_REMOVED 4     /* removed from the hub by the ISA in force: do not restart */
#define METRICS_MS 1000    /* the metrics' gauges follow the node at most this far behind */

static volatile sig_atomic_t stop_requested, reload_requested;

/*
 * The service manager (systemd, Type=notify): READY, RELOADING, STOPPING,
 * STATUS and WATCHDOG go to $NOTIFY_SOCKET; without it these are no-ops.
 */
static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t watchdog_every_ms; /* 0: no watchdog asked for */
static char last_status[256];
static char reload_failed[160]; /* why the last SIGHUP changed nothing ("" if it did not fail) */

static void notify_status(const lfh_sync *sync)
{
	size_t n = lfh_sync_npeers(sync), up = 0;
	char status[256];

	for (size_t i = 0; i < n; i++) {
		lfh_peer_status st;
		lfh_sync_peer_status(sync, i, &st);
		up += st.connected ? 1 : 0;
	}
	/* systemctl status shows it: a reload that failed means the next start will too */
	snprintf(status, sizeof status, "STATUS=serving: %zu of %zu peers connected%s%s", up, n,
		 reload_failed[0] ? "; reload failed, running on the configuration before: " : "",
		 reload_failed);
	if (strcmp(status, last_status)) {
		sd_notify(0, status);
		memcpy(last_status, status, sizeof status);
	}
}

/* WATCHDOG=1 when half the interval passed since the last: from the loop, and from long reads. */
static void watchdog_keepalive(void)
{
	static uint64_t last;

	if (watchdog_every_ms && mono_ms() - last >= watchdog_every_ms) {
		sd_notify(0, "WATCHDOG=1");
		last = mono_ms();
	}
}

/* What long requests' keep-alive looks after while they hold the main loop (run_node sets it). */
static struct {
	lfh_node *node;
	lfh_sync *sync;
	lfh_exporter *exp;
} held_loop;

/*
 * From long requests (a backup copies for minutes): the watchdog's keep-alive;
 * the metrics' gauges, which would otherwise freeze (peers then show as going
 * stale, as they do: nobody serves them meanwhile); and once a stop was asked
 * for, which the loop will act on when the request is done, a STOPPING=1 that
 * extends the service manager's stop timeout every few seconds, so that it
 * does not kill us mid-backup.
 */
static void long_request_keepalive(void)
{
	static uint64_t last_extend, last_metrics;
	uint64_t now = lfh_wall_ms();

	watchdog_keepalive();
	if (held_loop.exp && now - last_metrics >= METRICS_MS) {
		lfh_exporter_update(held_loop.exp, held_loop.node, held_loop.sync, now);
		last_metrics = now;
	}
	if (!stop_requested)
		return;
	if (!last_extend)
		log_info("stopping once the request under way (a backup?) is done");
	if (!last_extend || mono_ms() - last_extend >= 5000) {
		sd_notify(0, "STOPPING=1\nEXTEND_TIMEOUT_USEC=15000000");
		last_extend = mono_ms();
	}
}

/* Half of the watchdog interval systemd set (WATCHDOG_USEC), or 0. */
static void watchdog_setup(void)
{
	uint64_t usec = 0;
	if (sd_watchdog_enabled(0, &usec) > 0 && usec >= 2000)
		watchdog_every_ms = usec / 2000;
}

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_requested = 1;
	else
		stop_requested = 1;
}

/*
 * SIGHUP: read the configuration file, the ISA file and the key directory
 * again (reconfig.h): what can change while running is applied (log_level
 * here; a peer's endpoint: that peer alone is reconnected), the rest is
 * logged for the next start; a file that would not load changes nothing.
 * The in-memory key generations are rebuilt from the store as well.
 */
static void reload(lfh_node *node)
{
	static lfh_config next;
	lfh_reconfig_result res = { 0 };
	lfh_err err = { 0 };
	const lfh_config *cur = &node->cfg;

	reload_requested = 0;
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu", (unsigned long long)mono_ms() * 1000ULL);
	if (lfh_config_load(cur->path, &next, &err) || lfh_node_reconfigure(node, &next, &res, &err)) {
		log_error("SIGHUP: %s: nothing changed, the node runs on as before", err.msg);
		snprintf(reload_failed, sizeof reload_failed, "%.150s", err.msg);
		sd_notify(0, "READY=1");
		return;
	}
	reload_failed[0] = '\0';
	lfh_node_reload_keys(node);
	if (next.log_level != cur->log_level) {
		res.applied++;
		log_info("SIGHUP: log_level changed (%s -> %s): applied", lfh_log_level_name(cur->log_level),
			 lfh_log_level_name(next.log_level));
	}
	log_info("SIGHUP: configuration, ISA file and key directory read again: %u change%s "
		 "applied, %u for the next start", res.applied, res.applied == 1 ? "" : "s",
		 res.at_restart);
	if (next.log_level != cur->log_level) { /* last, so that the lines above are seen */
		char tag[LFH_AGENCY_MAX + 8];
		snprintf(tag, sizeof tag, "lfhd[%s]", cur->agency);
		lfh_log_setup(next.log_level, tag);
		node->cfg.log_level = next.log_level;
	}
	sd_notify(0, "READY=1");
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lfhd -c CONFIG [--check]\n"
		"\n"
		"Run an lfhub agency node: stores this agency's case events in LMDB and\n"
		"replicates signed, encrypted events with the peers named in CONFIG.\n"
		"\n"
		"  -c, --config FILE  node configuration (INI; see deploy/examples/lfhd.conf)\n"
		"      --check        validate the configuration, keys, ISA and deployment (the\n"
		"                     listen port free and the agreement's endpoint, peer hosts\n"
		"                     resolving, data_dir and key_dir writable, reminder_command\n"
		"                     executable, control_group a group here), then exit\n"
		"  -h, --help         this help\n"
		"      --version      print the version and exit\n"
		"\n"
		"Logs go to stderr. SIGTERM or SIGINT stops the node cleanly. SIGHUP reads the\n"
		"configuration, the ISA file and the key directory again: log_level, peer\n"
		"endpoints and the settings lfhd.conf(5) marks live apply at once (a moved\n"
		"peer alone is reconnected), the others at the next start; each is logged. Under systemd (Type=notify) it reports READY,\n"
		"RELOADING, STOPPING, STATUS and watchdog keep-alives to $NOTIFY_SOCKET.\n"
		"\n"
		"exit status: 0 stopped by a signal; 1 error (the log says which); 2 bad\n"
		"usage; 4 this agency was removed from the hub by the agreement in force\n"
		"(after serving its peers what they still lacked): do not restart it.\n"
		"example: lfhd -c /etc/lfhd/lfhd.conf\n");
}

/* Hold an exclusive lock on data_dir/lfhd.lock so two nodes never share a store. */
static int lock_data_dir(const char *dir, lfh_err *err)
{
	char path[LFH_PATH_MAX + 16];
	int fd;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return lfh_err_set(err, LFH_EIO, "cannot create %s: %s", dir, strerror(errno));
	snprintf(path, sizeof path, "%s/lfhd.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return lfh_err_set(err, LFH_EIO, "cannot open %s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return lfh_err_set(err, LFH_EEXIST, "another lfhd is running on %s", dir);
	}
	return fd; /* kept open (and locked) for the life of the process */
}

/* Record in the key directory how far the store got (recovery.h). */
static void save_state(lfh_node *node)
{
	lfh_err err = { 0 };

	if (lfh_recovery_save(node, &err))
		log_error("recording the node's state: %s", err.msg);
}

/* Shred what retention says is due (a few times a minute is plenty). */
static void retention_tick(lfh_node *node)
{
	lfh_err err = { 0 };
	uint64_t count = 0;
	if (lfh_node_retention(node, lfh_retention_now(), &count, &err))
		log_error("retention: %s", err.msg);
}

static int run_loop(lfh_node *node, lfh_sync *sync, lfh_control *ctl, lfh_exporter *exp,
		    lfh_remind *rem)
{
	uint64_t last_retention = 0;
	int n;
	zmq_pollitem_t *items = calloc(1 + LFH_SYNC_ITEMS_MAX, sizeof *items);
	uint64_t last_tick = 0, last_save = 0, last_metrics = 0;

	if (!items)
		return LFH_ENOMEM;
	while (!stop_requested) {
		n = 1 + lfh_sync_nitems(sync); /* peers and their sockets change with keys and the ISA */
		lfh_control_pollitem(ctl, &items[0]);
		lfh_sync_pollitems(sync, &items[1]);
		/* reads held from the last dispatch: look at the sockets, do not wait */
		if (zmq_poll(items, n, lfh_control_busy(ctl) ? 0 : lfh_sync_wait_ms(sync, POLL_MS)) < 0) {
			if (zmq_errno() == EINTR)
				continue;
			log_error("poll: %s", zmq_strerror(zmq_errno()));
			break;
		}
		if ((items[0].revents & ZMQ_POLLIN) || lfh_control_busy(ctl))
			lfh_control_dispatch(ctl);
		lfh_sync_dispatch(sync, &items[1]);
		uint64_t now = lfh_wall_ms();
		if (now - last_tick >= TICK_MS) {
			lfh_sync_tick(sync, now);
			notify_status(sync);
			last_tick = now;
		}
		watchdog_keepalive();
		if (exp && now - last_metrics >= METRICS_MS) {
			lfh_exporter_update(exp, node, sync, now);
			last_metrics = now;
		}
		if (now - last_save >= STATE_SAVE_MS) {
			save_state(node);
			last_save = now;
		}
		if (now - last_retention >= RETENTION_MS) {
			retention_tick(node);
			last_retention = now;
		}
		lfh_remind_tick(rem); /* bounded: a slice of cases, never a wait */
		if (reload_requested)
			reload(node);
		if (lfh_sync_removed_and_drained(sync)) {
			log_warn("this agency was removed from hub %s by ISA version %u and its peers "
				 "have what it wrote: stopping (exit status %d); its data stays until "
				 "retention", node->cfg.hub, node->rules.isa ? node->rules.isa->version : 0,
				 EXIT_REMOVED);
			free(items);
			return EXIT_REMOVED;
		}
	}
	free(items);
	return 0;
}

static int run_node(const lfh_config *cfg)
{
	lfh_err err = { 0 };
	lfh_node *node = NULL;
	lfh_sync *sync = NULL;
	lfh_control *ctl = NULL;
	lfh_exporter *exp = NULL;
	lfh_remind *rem = NULL;
	void *zctx = NULL;
	int rc, lock_fd;

	lock_fd = lock_data_dir(cfg->data_dir, &err);
	if (lock_fd < 0) {
		log_error("%s", err.msg);
		return 1;
	}
	rc = lfh_node_open(&node, cfg, &err);
	if (!rc && !(zctx = zmq_ctx_new()))
		rc = lfh_err_set(&err, LFH_ENET, "zmq_ctx_new failed");
	if (!rc)
		rc = lfh_sync_start(&sync, zctx, node, &err);
	if (!rc)
		rc = lfh_control_start(&ctl, zctx, node, sync, &err);
	if (!rc)
		lfh_control_set_keepalive(ctl, long_request_keepalive);
	if (!rc)
		rc = lfh_remind_start(&rem, node, &err);
	if (!rc) {
		char hub[65];
		lfh_hex(hub, node->rules.hub_id, 32);
		log_info("agency %s up: hub %s (%.16s), peers %zu, listening on %s, control %s",
			 cfg->agency, node->cfg.hub, hub, node->cfg.npeers, cfg->listen, cfg->control);
		if (cfg->metrics_listen[0] && lfh_exporter_start(&exp, cfg->metrics_listen, &err))
			log_error("%s: running without metrics", err.msg); /* replication matters more */
		else if (exp)
			log_info("metrics on http://%s/metrics", cfg->metrics_listen);
		if (lfh_exporter_public(exp))
			log_warn("metrics_listen %s is reachable from other machines and asks for no "
				 "credentials: it shows the hub's members and its activity; firewall it "
				 "to the monitoring server", cfg->metrics_listen);
		held_loop.node = node;
		held_loop.sync = sync;
		held_loop.exp = exp;
		watchdog_setup();
		sd_notify(0, "READY=1");
		if (cfg->reminder_command[0])
			log_info("reminders: %s runs when one of our due items moves to warning or "
				 "overdue (looked at every %u s)", cfg->reminder_command,
				 cfg->reminder_every);
		rc = run_loop(node, sync, ctl, exp, rem);
		sd_notify(0, "STOPPING=1");
		log_info("stopping");
	} else {
		log_error("%s", err.msg);
	}
	memset(&held_loop, 0, sizeof held_loop); /* nothing below may render the metrics */
	lfh_remind_stop(rem);
	lfh_exporter_stop(exp);
	lfh_control_stop(ctl);
	lfh_sync_stop(sync);
	if (node)
		save_state(node);
	if (zctx)
		zmq_ctx_term(zctx);
	lfh_node_close(node);
	close(lock_fd);
	return rc == EXIT_REMOVED ? EXIT_REMOVED : rc ? 1 : 0;
}

/* Is an lfhd running on data_dir (holding its lock)? Then it holds the listen port too. */
static int node_running_on(const char *dir)
{
	char path[LFH_PATH_MAX + 16];
	int fd, held;

	snprintf(path, sizeof path, "%s/lfhd.lock", dir);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 0;
	held = flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
	close(fd); /* releases the lock if we took it */
	return held;
}

/* lfhd --check: the configuration, keys, questionnaire, ISA and deployment (preflight.h). */
static int check_config(const char *config_path, const lfh_config *cfg)
{
	static lfh_isa isa;
	static lfh_risk_form form;
	lfh_identity *id = NULL, *prev = NULL;
	lfh_buf cert = { 0 };
	lfh_err err = { 0 };
	uint32_t gen = 0;
	int running = node_running_on(cfg->data_dir);

	if (lfh_gen_open(cfg->key_dir, &id, &gen, &prev, &cert, &err)) {
		lfh_err_prefix(&err, "key_dir");
		fprintf(stderr, "lfhd: %s: %s\n", config_path, err.msg);
		return 1;
	}
	lfh_identity_free(prev);
	lfh_buf_free(&cert);
	if ((cfg->risk_path[0] && lfh_risk_load(cfg->risk_path, &form, &err) &&
	     lfh_err_prefix(&err, "risk")) ||
	    (cfg->isa_path[0] && lfh_isa_parse_file(cfg->isa_path, &isa, NULL, &err) &&
	     lfh_err_prefix(&err, "isa")) ||
	    lfh_preflight_keys(cfg, cfg->isa_path[0] ? &isa : NULL, &id->pub, gen, &err) ||
	    lfh_preflight(cfg, cfg->isa_path[0] ? &isa : NULL, !running, &err) ||
	    lfh_preflight_store(cfg, cfg->isa_path[0] ? &isa : NULL, &err)) {
		fprintf(stderr, "lfhd: %s\n", err.msg);
		lfh_identity_free(id);
		return 1;
	}
	lfh_identity_free(id);
	if (running)
		printf("%s: an lfhd is running on %s: the listen port was not checked\n", config_path,
		       cfg->data_dir);
	if (!cfg->isa_path[0]) {
		printf("%s: configuration and keys OK (%zu peers)\n", config_path, cfg->npeers);
		return 0;
	}
	if (!lfh_isa_party_find(&isa, cfg->agency))
		printf("%s: agency %s is not a party of this genesis agreement: the node will wait "
		       "for the version that adds it (README: Adding or removing an agency)\n",
		       cfg->isa_path, cfg->agency);
	printf("%s: configuration, keys and ISA OK (hub %s, %u parties)\n", config_path, isa.hub,
	       isa.nparties);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = NULL;
	int check = 0, opt;
	static lfh_config cfg;
	lfh_err err = { 0 };
	struct sigaction sa = { 0 };

	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': config_path = optarg; break;
		case 'k': check = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("lfhd %s\n", LFH_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!config_path || optind != argc) {
		if (optind != argc)
			fprintf(stderr, "lfhd: unexpected argument '%s'\n", argv[optind]);
		else
			fprintf(stderr, "lfhd: which configuration? give -c FILE (the package's is "
					"/etc/lfhd/lfhd.conf)\n");
		usage(stderr);
		return 2;
	}
	umask(077);
	if (sodium_init() < 0) {
		fprintf(stderr, "lfhd: libsodium failed to initialise\n");
		return 1;
	}
	if (lfh_config_load(config_path, &cfg, &err)) {
		fprintf(stderr, "lfhd: %s\n", err.msg);
		return 1;
	}
	lfh_log_setup(cfg.log_level, "lfhd");
	{
		char tag[LFH_AGENCY_MAX + 8];
		snprintf(tag, sizeof tag, "lfhd[%s]", cfg.agency);
		lfh_log_setup(cfg.log_level, tag);
	}
	if (check)
		return check_config(config_path, &cfg);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return run_node(&cfg);
}
