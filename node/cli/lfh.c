/*
 * lfh.c - the caseworker and administrator CLI: global options, then a
 * table of subcommands (one file each), dispatched by name.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "lfh/version.h"
#include "client.h"
#include "safe_out.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} commands[] = {
	{ "referral", referral_main, "file a new referral to the hub (referral new)" },
	{ "case", case_main, "cases: list, show, search, OSARA steps, invite, close" },
	{ "due", due_main, "actions, meetings and reviews due: on target, warning, overdue" },
	{ "actions", due_main, "actions tasked to your agency (--mine)" },
	{ "status", status_main, "this node, its peers, replication state" },
	{ "isa", isa_main, "the information-sharing agreement: check, show, diff, propose, sign, adopt, explain" },
	{ "keys", keys_main, "create and export an agency's keys" },
	{ "audit", audit_main, "the audit log: who read or wrote what, and when" },
	{ "report", report_main, "performance figures and the monthly tactical picture" },
	{ "sar", sar_main, "subject access: everything held about a person, as JSON or HTML" },
	{ "admin", admin_main, "caseworker accounts (admin user) and key management (admin keys)" },
	{ "import", import_main, "load a hub's history from its earlier system (JSON Lines or CSV)" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: lfh [-c CONFIG | -C ENDPOINT] [--key FILE] [--as NAME] COMMAND [ARGS] [--json]\n\n"
		   "Client for the local lfhub node (lfhd).\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nglobal options:\n"
		   "  -c, --config FILE     node config to read the control endpoint from\n"
		   "                        (default /etc/lfhd/lfhd.conf)\n"
		   "  -C, --control EP      control endpoint, e.g. ipc:///run/lfhd/control.sock\n"
		   "                        (or set LFH_CONTROL)\n"
		   "      --key FILE        your user key (from 'lfh admin user add'): signs every\n"
		   "                        request (default $LFH_KEY, else ~/.config/lfh/user.key\n"
		   "                        if it exists); required once the node has an admin\n"
		   "      --as NAME         caseworker recorded on events when requests are not\n"
		   "                        signed (default $LFH_USER or login); a signed\n"
		   "                        request is recorded as its key's user (and team)\n"
		   "  environment: LFH_TEAM  your team when requests are not signed (one of\n"
		   "                        lfhd.conf's teams); LFH_TZ  the zone of times you\n"
		   "                        give and read\n"
		   "                        (default Europe/London)\n"
		   "  -h, --help            this help; 'lfh COMMAND --help' for a command\n"
		   "      --version         print the version and exit\n"
		   "\nexamples:\n"
		   "  lfh referral new --summary 'Youths gathering' --location 'Market St' \\\n"
		   "      --category youth-asb --risk medium --to housing,council\n"
		   "  lfh case list\n"
		   "  lfh case show 3f2a9c1d\n"
		   "  lfh status --json\n");
}

/* The global option a names, or NULL if it is none of them. */
static const char **global_slot(const char *a)
{
	if (!strcmp(a, "-c") || !strcmp(a, "--config"))
		return &cli_g.config;
	if (!strcmp(a, "-C") || !strcmp(a, "--control"))
		return &cli_g.control;
	if (!strcmp(a, "--as"))
		return &cli_g.by;
	if (!strcmp(a, "--key"))
		return &cli_g.key;
	return NULL;
}

/* Consume global options before the command name; returns argv index of it. */
static int parse_globals(int argc, char **argv)
{
	int i = 1;
	while (i < argc && argv[i][0] == '-') {
		const char *a = argv[i];
		const char **slot;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return -1;
		}
		if (!strcmp(a, "--version")) {
			printf("lfh %s\n", LFH_VERSION);
			return -1;
		}
		if (!(slot = global_slot(a))) {
			/* options of a command (--json, ...) come after its name */
			cli_error("unknown option %s before the command (see lfh --help)", a);
			return -2;
		}
		if (i + 1 >= argc) {
			cli_error("option %s needs a value (see lfh --help)", a);
			return -2;
		}
		*slot = argv[i + 1];
		i += 2;
	}
	return i;
}

/*
 * A command that printed what it was asked and could not write it (stdout a
 * full disk, a closed pipe) has failed: say so, and exit 1, not 0.
 */
static int finish_output(int rc)
{
	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return rc;
	if (rc == 0)
		cli_error("cannot write the output: %s", errno ? strerror(errno) : "write error");
	return rc ? rc : 1;
}

int main(int argc, char **argv)
{
	int i;

	if (sodium_init() < 0) {
		cli_error("libsodium failed to initialise");
		return 1;
	}
	i = parse_globals(argc, argv);
	if (i == -1)
		return 0;
	if (i < 0)
		return 2;
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	if (cli_zone_check())
		return 2;
	lfh_safe_stdout(); /* else plain stdout: the output is still right, only unfiltered */
	for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
		if (strcmp(argv[i], commands[k].name) == 0)
			return finish_output(commands[k].fn(argc - i, argv + i));
	if (!strcmp(argv[i], "help")) {
		usage(stdout);
		return finish_output(0);
	}
	cli_error("unknown command '%s' (see lfh --help)", argv[i]);
	return 2;
}
