/*
 * cmd_isa_diff.c - `lfh isa diff`: what one version of the agreement
 * changes from another, in plain words or JSON (proto/isa_diff.c).
 *
 *   lfh isa diff OLD.isa NEW.isa [--json]   two files, offline
 *   lfh isa diff NEW.isa [--json]           NEW against the version in force
 *                                           at the node (control isa_show)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfh/buf.h"
#include "lfh/err.h"
#include "lfh/isa.h"
#include "lfh/isa_diff.h"

#include "cli.h"
#include "client.h"

#define IN_FORCE "the version in force at the node"

/*
 * Arguments: one or two files and --json. Returns 0 to go on, -1 after
 * printing --help (exit 0), 2 on bad usage (message printed).
 */
static int diff_args(int argc, char **argv, const char *files[2], int *nfiles, int *json)
{
	*nfiles = 0;
	*json = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			isa_sub_usage(stdout, "diff");
			return -1;
		}
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--json")) {
			*json = 1;
		} else if (a[0] == '-' && a[1] != '\0') {
			cli_error("isa diff: unknown option '%s' (see lfh isa diff --help)", a);
			return 2;
		} else if (*nfiles == 2) {
			cli_error("isa diff: at most two files, OLD and NEW ('%s' is a third)", a);
			return 2;
		} else {
			files[(*nfiles)++] = a;
		}
	}
	if (*nfiles == 0) {
		cli_error("isa diff: NEW missing: give OLD NEW, or NEW alone to compare it with "
			  "the version in force (see lfh isa diff --help)");
		return 2;
	}
	return 0;
}

static void json_hash(const char *key, const uint8_t h[32])
{
	char hex[65];

	lfh_hex(hex, h, 32);
	printf(", \"%s\": \"%s\"", key, hex);
}

/* {"label": ..., "hub": ..., "version": N, "hash": ..., "prev": ...|null} */
static void json_version(const char *label, const lfh_isa *isa, const uint8_t hash[32])
{
	printf("{\"label\": ");
	isa_json_str(label);
	printf(", \"hub\": ");
	isa_json_str(isa->hub);
	printf(", \"version\": %u", isa->version);
	json_hash("hash", hash);
	if (isa->version > 1)
		json_hash("prev", isa->prev);
	else
		printf(", \"prev\": null");
	putchar('}');
}

static void json_change(const lfh_isa_change *c)
{
	printf("{\"change\": ");
	isa_json_str(lfh_isa_change_name(c->what));
	printf(", \"subject\": ");
	isa_json_str(c->subject);
	printf(", \"field\": ");
	isa_json_str(c->field);
	printf(", \"old\": ");
	isa_json_str(c->before);
	printf(", \"new\": ");
	isa_json_str(c->after);
	printf(", \"text\": ");
	isa_json_str(c->words);
	putchar('}');
}

static void print_json(const lfh_isa *old, const lfh_isa *new_isa, const lfh_isa_diff *d,
		       const char *old_label, const char *new_label)
{
	printf("{\n    \"old\": ");
	json_version(old_label, old, d->old_hash);
	printf(",\n    \"new\": ");
	json_version(new_label, new_isa, d->new_hash);
	printf(",\n    \"same\": %s", memcmp(d->old_hash, d->new_hash, 32) ? "false" : "true");
	printf(",\n    \"follows\": %s", d->follows ? "true" : "false");
	printf(",\n    \"not_following\": ");
	if (d->follows)
		printf("null");
	else
		isa_json_str(d->why);
	printf(",\n    \"changes\": [");
	for (size_t i = 0; i < d->n; i++) {
		printf("%s\n      ", i ? "," : "");
		json_change(&d->c[i]);
	}
	printf("%s]\n}\n", d->n ? "\n    " : "");
}

/* Compare and print; 0 or 1 (exit status). */
static int compare(const lfh_isa *old, const lfh_isa *new_isa, const char *old_label,
		   const char *new_label, int json)
{
	lfh_isa_diff d;
	lfh_buf out = { 0 };
	lfh_err e = { 0 };
	int rc = lfh_isa_compare(old, new_isa, &d, &e);

	if (rc) {
		cli_error("isa diff: %s", e.msg);
		return 1;
	}
	if (json) {
		print_json(old, new_isa, &d, old_label, new_label);
	} else if ((rc = lfh_isa_diff_describe(old, new_isa, &d, old_label, new_label, &out, &e))) {
		cli_error("isa diff: %s", e.msg);
	} else {
		fputs((const char *)out.data, stdout);
	}
	lfh_buf_free(&out);
	lfh_isa_diff_free(&d);
	if (rc)
		return 1;
	if (fflush(stdout) != 0) {
		cli_error("writing the output failed");
		return 1;
	}
	return 0;
}

int isa_diff_main(int argc, char **argv)
{
	static lfh_isa old, new_isa; /* large: not on the stack */
	const char *files[2];
	int nfiles, json, rc = diff_args(argc, argv, files, &nfiles, &json);

	if (rc)
		return rc < 0 ? 0 : rc;
	if (nfiles == 2) {
		if ((rc = isa_load(files[0], &old)) || (rc = isa_load(files[1], &new_isa)))
			return rc;
		return compare(&old, &new_isa, files[0], files[1], json);
	}
	/* NEW alone: parse it first, so a bad file is reported without asking the node */
	if ((rc = isa_load(files[0], &new_isa)) || (rc = isa_in_force(&old)))
		return rc;
	return compare(&old, &new_isa, IN_FORCE, files[0], json);
}
