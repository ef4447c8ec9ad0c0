/*
 * config.h - the lfhd node configuration file (INI, parsed with libinih).
 *
 *   [node]
 *   agency  = police                      ; this node's agency id
 *   isa     = west-cumbria.isa            ; the hub's genesis ISA (text form):
 *                                         ; hub name, parties, keys, endpoints
 *   hub     = west-cumbria                ; without isa: hub name (provisional hub id)
 *   data_dir = /var/lib/lfhd              ; LMDB store
 *   key_dir  = /etc/lfhd/keys             ; from `lfh keys init`
 *   listen   = tcp://127.0.0.1:7101       ; peer socket (CURVE server)
 *   control  = ipc:///run/lfhd/control.sock ; lfh <-> lfhd
 *   log_level = info                      ; debug|info|warn|error
 *   map_size_mb = 16384                   ; LMDB map size (optional)
 *   author_quota_mb = 8192                ; most one other agency's events may fill
 *                                         ; here (optional; default half the map)
 *   control_mode = 0660                   ; ipc control socket mode (default 0600, max 0770)
 *   control_group = lfh                   ; group given the socket (caseworkers' group)
 *   risk     = risk.conf                  ; risk questionnaire (risk.h; optional:
 *                                         ; without it the client gives score and level)
 *   sharing_rotate_days = 90              ; new sharing-key epoch this often (0 = never;
 *                                         ; default 90; PROTOCOL.md 15)
 *   teams = homelessness, env-health      ; teams of this agency (optional, at most
 *                                         ; LFH_MAX_TEAMS): a caseworker belongs to
 *                                         ; one (lfh admin user add --team), and every
 *                                         ; entry they write records it
 *   peer_stale_after = 600                ; lfh status warns of a peer not reached for
 *                                         ; longer, in seconds (0 = never; default 600)
 *   expiry_warn_days = 30                 ; lfh status warns this long before our keys,
 *                                         ; a member's keys or the ISA's review date
 *   metrics_listen = 127.0.0.1:9464       ; Prometheus metrics over HTTP (exporter.h;
 *                                         ; optional: off by default)
 *   reminder_command = /usr/local/bin/lfh-remind ; run (no shell) once when one of our
 *                                         ; actions, or a meeting or review of a case
 *                                         ; we lead, moves to warning or overdue
 *                                         ; (remind.h; optional: off by default)
 *   reminder_every = 60                   ; how often the due dates are looked at,
 *                                         ; in seconds (default 60)
 *
 *   [peer housing]                        ; without isa: one section per peer agency
 *   endpoint = tcp://127.0.0.1:7103       ; with isa: optional, overrides the ISA's endpoint
 *                                         ; (applies on SIGHUP: reconfig.h)
 *   pubkey   = /etc/lfhd/peers/housing.pub ; from `lfh keys export` (with isa: optional,
 *                                         ; must then match the ISA)
 *
 * Relative paths are taken relative to the config file's directory.
 */
#ifndef LFH_CONFIG_H
#define LFH_CONFIG_H

#include <stddef.h>

#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/pubkeys.h"
#include "lfh/log.h"

#define LFH_PATH_MAX 1024
#define LFH_ENDPOINT_MAX 256
#define LFH_HUBNAME_MAX 63
#define LFH_SHARING_ROTATE_DEFAULT_DAYS 90
#define LFH_SHARING_ROTATE_MAX_DAYS 3650
#define LFH_MAX_TEAMS 16
#define LFH_TEAM_MAX 63
#define LFH_PEER_STALE_DEFAULT_S 600
#define LFH_PEER_STALE_MAX_S (366U * 86400U)
#define LFH_EXPIRY_WARN_DEFAULT_DAYS 30
#define LFH_EXPIRY_WARN_MAX_DAYS 3650
#define LFH_REMINDER_EVERY_DEFAULT_S 60
#define LFH_REMINDER_EVERY_MAX_S 86400

typedef struct lfh_peer_conf {
	char agency[LFH_AGENCY_MAX + 1];
	char endpoint[LFH_ENDPOINT_MAX];
	char pubkey_path[LFH_PATH_MAX];
	lfh_pubkeys pub; /* loaded from pubkey_path */
} lfh_peer_conf;

typedef struct lfh_config {
	char path[LFH_PATH_MAX];
	char agency[LFH_AGENCY_MAX + 1];
	char hub[LFH_HUBNAME_MAX + 1];
	char isa_path[LFH_PATH_MAX]; /* "" = no ISA: provisional hub from [peer] sections */
	char risk_path[LFH_PATH_MAX]; /* "" = no risk questionnaire */
	char data_dir[LFH_PATH_MAX];
	char key_dir[LFH_PATH_MAX];
	char listen[LFH_ENDPOINT_MAX];
	char control[LFH_ENDPOINT_MAX];
	enum lfh_log_level log_level;
	size_t map_size;
	size_t author_quota; /* bytes; 0 = half the map (lfh_config_author_quota) */
	unsigned control_mode;  /* permissions of an ipc:// control socket */
	char control_group[64]; /* "" = leave the group as created */
	unsigned sharing_rotate_days; /* 0 = only on demand and on removal */
	size_t nteams;
	char teams[LFH_MAX_TEAMS][LFH_TEAM_MAX + 1];
	unsigned peer_stale_after;    /* seconds; a peer not reached for longer degrades health */
	unsigned expiry_warn_days;    /* keys or ISA review this close degrade health */
	char metrics_listen[64];      /* "" = no metrics endpoint */
	char reminder_command[LFH_PATH_MAX]; /* "" = no reminders (remind.h) */
	unsigned reminder_every;      /* seconds between looks at the due dates */
	size_t npeers;
	lfh_peer_conf peers[LFH_MAX_PEERS];
} lfh_config;

/*
 * Parse and validate path into *out (and load each peer's public key file).
 * Errors name the file, line and problem: unknown section or key, missing
 * required key, bad agency id, duplicate peer, peer equal to self, etc.
 */
int lfh_config_load(const char *path, lfh_config *out, lfh_err *err);

/*
 * Only the control endpoint of path ([node] control), read leniently: for
 * lfh when the file does not load (a typo added while lfhd runs on), so
 * caseworkers can still reach the running node. 0, or why not.
 */
int lfh_config_control(const char *path, char *out, size_t size, lfh_err *err);

/* The most bytes of events by one other agency this node stores. */
size_t lfh_config_author_quota(const lfh_config *c);

/* Is team one of the agency's teams (config `teams`)? */
int lfh_config_has_team(const lfh_config *c, const char *team);

/* The peer entry for agency, or NULL. */
const lfh_peer_conf *lfh_config_peer(const lfh_config *c, const char *agency);

#endif
