/* cmd_referral.c - `lfh referral new`: file a referral to the hub. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "client.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lfh referral new --summary TEXT --location TEXT --category NAME\n"
		"                        --risk standard|medium|high --to AGENCY[,AGENCY...]\n"
		"                        [--description TEXT] [--subject TEXT] [--dob DATE]\n"
		"                        [--on WHEN] [--json]\n"
		"\n"
		"File a referral: your agency becomes the lead agency. The referral is\n"
		"encrypted and shared only with the agencies in --to (and kept at yours).\n"
		"It is acknowledged only once stored durably at your node.\n"
		"\n"
		"  --summary      one line describing the problem (max 200 bytes)\n"
		"  --location     address or place (max 200)\n"
		"  --category     ASB category, e.g. noise, drugs, youth-asb, criminal-damage\n"
		"  --risk         initial risk level: standard, medium or high\n"
		"  --to           agencies to share with, comma-separated\n"
		"  --description  fuller account (max 8000)\n"
		"  --subject      the person or household the problem centres on (max 200)\n"
		"  --dob          the subject's date of birth, YYYY-MM-DD (subject access)\n"
		"  --on           when the incident happened: YYYY-MM-DD, or YYYY-MM-DDTHH:MM\n"
		"                 local time ($LFH_TZ, default Europe/London); default now\n"
		"  --json         print {\"case\",\"event\",\"hlc\"} as JSON\n"
		"\n"
		"example:\n"
		"  lfh referral new --summary 'Noise and drug activity at flat' \\\n"
		"      --location '12 Castle St, Workington' --category drugs --risk high \\\n"
		"      --to housing,council\n");
}

static int referral_new(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "summary", required_argument, NULL, 's' },
		{ "location", required_argument, NULL, 'l' },
		{ "category", required_argument, NULL, 'k' },
		{ "risk", required_argument, NULL, 'r' },
		{ "to", required_argument, NULL, 't' },
		{ "description", required_argument, NULL, 'd' },
		{ "subject", required_argument, NULL, 'u' },
		{ "on", required_argument, NULL, 'o' },
		{ "dob", required_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *keys[] = { ['s'] = "summary", ['l'] = "location", ['k'] = "asb_category",
				      ['r'] = "risk", ['t'] = "to", ['d'] = "description",
				      ['u'] = "subject", ['b'] = "dob" };
	lfh_record req = { 0 };
	lfh_reply rep = { 0 };
	lfh_err err = { 0 };
	int json = 0, opt, rc;

	optind = 0; /* glibc: a fresh start for this argv */
	opterr = 0; /* cli_bad_option says what was wrong */
	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			lfh_record_clear(&req);
			return 0;
		} else if (opt == 'j') {
			json = 1;
		} else if (opt == 'o') {
			char on[18];
			if (cli_given_twice(lfh_record_str(&req, "on") != NULL, "--on", "referral new") ||
			    cli_on_value(optarg, on) || lfh_record_set_str(&req, "on", on, &err)) {
				lfh_record_clear(&req);
				return 2;
			}
		} else if (opt < (int)(sizeof keys / sizeof keys[0]) && keys[opt]) {
			char flag[32];
			snprintf(flag, sizeof flag, "--%s",
				 strcmp(keys[opt], "asb_category") ? keys[opt] : "category");
			if (cli_given_twice(lfh_record_str(&req, keys[opt]) != NULL, flag,
					    "referral new")) {
				lfh_record_clear(&req);
				return 2;
			}
			if (lfh_record_set_str(&req, keys[opt], optarg, &err)) {
				cli_error("%s: %s", keys[opt], err.msg);
				lfh_record_clear(&req);
				return 2;
			}
		} else {
			lfh_record_clear(&req);
			return cli_bad_option("referral new", argv, opt);
		}
	}
	if (optind != argc) {
		cli_error("unexpected argument '%s' (see lfh referral new --help)", argv[optind]);
		lfh_record_clear(&req);
		return 2;
	}
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (keys[i] && strcmp(keys[i], "description") && strcmp(keys[i], "subject") &&
		    strcmp(keys[i], "dob") &&
		    (!lfh_record_str(&req, keys[i]) || !*lfh_record_str(&req, keys[i]))) {
			cli_error("missing --%s (see lfh referral new --help)",
				  strcmp(keys[i], "asb_category") ? keys[i] : "category");
			lfh_record_clear(&req);
			return 2;
		}
	lfh_record_set_str(&req, "cmd", "referral_new", &err);
	rc = cli_call(&req, &rep);
	if (rc == 0 && json)
		cli_print_json(rep.records, rep.nrecords, 0);
	else if (rc == 0 && rep.nrecords)
		printf("filed case %s (id %s, event %s)\n",
		       lfh_record_str(&rep.records[0], "ref") ? lfh_record_str(&rep.records[0], "ref") : "",
		       lfh_record_str(&rep.records[0], "case"), lfh_record_str(&rep.records[0], "event"));
	lfh_record_clear(&req);
	lfh_reply_clear(&rep);
	return rc;
}

int referral_main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "new"))
		return referral_new(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2)
		cli_error("unknown command 'referral %s' (see lfh referral --help)", argv[1]);
	usage(stderr);
	return 2;
}
