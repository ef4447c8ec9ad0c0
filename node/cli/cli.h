/*
 * cli.h - the lfh client's subcommands (one file per command group, like
 * wireguard-tools). Each X_main gets argv starting at its own name
 * (argv[0] = "keys", "referral", ...) and returns the process exit status:
 * 0 ok, 1 operation failed (message already printed to stderr as
 * "lfh: ..."), 2 bad usage.
 */
#ifndef LFH_CLI_H
#define LFH_CLI_H

int keys_main(int argc, char **argv);     /* cmd_keys.c: init, export, show */
int referral_main(int argc, char **argv); /* cmd_referral.c: new */
int case_main(int argc, char **argv);     /* cmd_case.c: list, note, search, invite, ... */
int case_show_main(int argc, char **argv); /* cmd_case_show.c: lfh case show, a readable case */
int case_fix_main(int argc, char **argv);  /* cmd_case_fix.c: amend, redact, reopen */
int chronology_main(int argc, char **argv); /* cmd_export.c: lfh case chronology */
int case_attach_main(int argc, char **argv); /* cmd_attach.c: lfh case attach, attachment get */
int sar_main(int argc, char **argv);        /* cmd_export.c: lfh sar */
int case_fix_known(const char *verb);      /* is verb amend, redact or reopen? */
void case_fix_usage(FILE *f);               /* their usage lines */
int status_main(int argc, char **argv);   /* cmd_status.c */
int isa_main(int argc, char **argv);      /* cmd_isa.c: check, show FILE, diff */
int isa_node_main(int argc, char **argv); /* cmd_isa_node.c: show, propose, sign, explain, ... */
int audit_main(int argc, char **argv);    /* cmd_audit.c: list and export the audit log */
int report_main(int argc, char **argv);   /* cmd_report.c: performance, tactical */
int admin_main(int argc, char **argv);    /* cmd_admin.c: user add, revoke, list; keys -> */
int import_main(int argc, char **argv);   /* cmd_import.c: lfh import FILE (JSON Lines or CSV) */
int keys_admin_main(int argc, char **argv, int json); /* cmd_keys_admin.c: admin keys ... */
void keys_admin_usage(FILE *f);

#include <stdio.h>
struct step_def;
const struct step_def *find_step(const char *verb);      /* cmd_osara.c */
void osara_steps_usage(FILE *f);
int osara_step_main(int argc, char **argv);  /* lfh case STEP CASE --field ... */
int osara_state_main(int argc, char **argv); /* lfh case state CASE */
int due_main(int argc, char **argv);         /* lfh due, lfh actions --mine */

/* lfh isa: shared between cmd_isa.c, cmd_isa_node.c and cmd_isa_diff.c (cmd_isa_util.c) */
struct lfh_isa;
void isa_usage(FILE *f);                             /* cmd_isa_util.c: lfh isa --help */
void isa_sub_usage(FILE *f, const char *name);       /* cmd_isa_util.c: usage of lfh isa NAME */
int isa_load(const char *file, struct lfh_isa *isa); /* cmd_isa_util.c: parse; 0, or 1 after printing why */
void isa_json_str(const char *s);                    /* cmd_isa_util.c: s as a JSON string on stdout */
int isa_in_force(struct lfh_isa *isa);               /* cmd_isa_node.c: the node's version; 0 or 1 */
int isa_diff_main(int argc, char **argv);            /* cmd_isa_diff.c: lfh isa diff */

#endif
