/*
 * cmd_isa.c - `lfh isa`: the hub's information-sharing agreement.
 *
 *   lfh isa check FILE          every problem with its line, or the hash
 *   lfh isa show FILE [--json]  the agreement in plain words (or JSON)
 *
 * These work on a text file alone, without a node. Subcommands that talk to
 * the node (propose, sign, withdraw, adopt, explain, show without FILE) and
 * diff (cmd_isa_diff.c) are in the `subcommands` table below; each gets argv
 * starting at its own name. Their usage texts are in cmd_isa_util.c.
 */
#include <stdio.h>
#include <string.h>

#include "lfh/buf.h"
#include "lfh/err.h"
#include "lfh/isa.h"
#include "lfh/isa_text.h"

#include "cli.h"

static int isa_check(int argc, char **argv);
static int isa_show(int argc, char **argv);

static const struct {
	const char *name;
	int (*fn)(int, char **);
} subcommands[] = {
	{"check", isa_check},
	{"show", isa_show},
	{"diff", isa_diff_main},
	{"propose", isa_node_main},
	{"sign", isa_node_main},
	{"withdraw", isa_node_main},
	{"adopt", isa_node_main},
	{"explain", isa_node_main},
	{"retention", isa_node_main},
};
#define NSUB (sizeof subcommands / sizeof subcommands[0])

/*
 * Arguments of a file subcommand: exactly one FILE, --json if allowed.
 * Returns 0 to go on, -1 after printing help (exit 0), 2 on bad usage.
 */
static int file_args(int argc, char **argv, int allow_json, const char **file, int *json)
{
	*file = NULL;
	*json = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			isa_sub_usage(stdout, argv[0]);
			return -1;
		} else if (allow_json && !strcmp(a, "--json")) {
			*json = 1;
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "lfh: isa %s: unknown option '%s'\n", argv[0], a);
			isa_sub_usage(stderr, argv[0]);
			return 2;
		} else if (*file) {
			fprintf(stderr, "lfh: isa %s: one FILE only ('%s' and '%s')\n", argv[0], *file, a);
			return 2;
		} else {
			*file = a;
		}
	}
	if (!*file) {
		fprintf(stderr, "lfh: isa %s: FILE missing\n", argv[0]);
		isa_sub_usage(stderr, argv[0]);
		return 2;
	}
	return 0;
}


static int isa_check(int argc, char **argv)
{
	static lfh_isa isa;
	const char *file;
	uint8_t h[32];
	char hex[65];
	lfh_err e = {0};
	int json, rc = file_args(argc, argv, 0, &file, &json);

	if (rc)
		return rc < 0 ? 0 : rc;
	if ((rc = isa_load(file, &isa)) != 0)
		return rc;
	if (lfh_isa_usable(&isa, &e) != 0 || lfh_isa_hash_of(&isa, h, &e) != 0) {
		fprintf(stderr, "%s: %s\n", file, e.msg);
		return 1;
	}
	lfh_hex(hex, h, sizeof h);
	printf("%s: ok: hub %s version %u, %u parties, %u categories; hash %s\n", file, isa.hub,
	       isa.version, isa.nparties, isa.ncategories, hex);
	return 0;
}

/* ---- JSON ---- */


static void json_key(const char *k, int first)
{
	printf("%s\n    ", first ? "" : ",");
	isa_json_str(k);
	printf(": ");
}

static void json_hex(const uint8_t *p, size_t n)
{
	char hex[65];

	lfh_hex(hex, p, n);
	isa_json_str(hex);
}

static void json_strs(const char *base, size_t stride, uint32_t n)
{
	putchar('[');
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			printf(", ");
		isa_json_str(base + i * stride);
	}
	putchar(']');
}

static void json_party(const lfh_isa_party *p)
{
	uint8_t kid[LFH_KEYID_LEN];
	char curve[41];

	lfh_key_id(p->sign_pk, kid);
	lfh_curve_z85(p->curve_pk, curve);
	printf("{\"id\": ");
	isa_json_str(p->id);
	printf(", \"name\": ");
	isa_json_str(p->name);
	printf(", \"role\": ");
	isa_json_str(p->role);
	printf(", \"controller\": ");
	isa_json_str(p->controller);
	printf(", \"endpoint\": ");
	isa_json_str(p->endpoint);
	printf(", \"key_id\": ");
	json_hex(kid, sizeof kid);
	lfh_key_id(p->root_pk, kid);
	printf(", \"root_key_id\": ");
	json_hex(kid, sizeof kid);
	printf(", \"root\": ");
	json_hex(p->root_pk, 32);
	printf(", \"sign\": ");
	json_hex(p->sign_pk, 32);
	printf(", \"box\": ");
	json_hex(p->box_pk, 32);
	printf(", \"curve\": ");
	isa_json_str(curve);
	putchar('}');
}

static void json_category(const lfh_isa_category *c)
{
	printf("{\"name\": ");
	isa_json_str(c->name);
	printf(", \"kind\": ");
	isa_json_str(lfh_isa_kind_name(c->kind));
	printf(", \"receive\": ");
	isa_json_str(lfh_isa_rule_name(c->rule));
	printf(", \"agencies\": ");
	json_strs(&c->agencies[0][0], sizeof c->agencies[0], c->nagencies);
	printf(", \"retention_days\": %u}", c->retention_days);
}

static void print_json(const lfh_isa *isa, const uint8_t hash[32])
{
	printf("{");
	json_key("hub", 1);
	isa_json_str(isa->hub);
	json_key("version", 0);
	printf("%u", isa->version);
	json_key("hash", 0);
	json_hex(hash, 32);
	json_key("prev", 0);
	if (isa->version > 1)
		json_hex(isa->prev, 32);
	else
		printf("null");
	json_key("effective", 0);
	isa_json_str(isa->effective);
	json_key("review", 0);
	isa_json_str(isa->review);
	json_key("purposes", 0);
	json_strs(&isa->purposes[0][0], sizeof isa->purposes[0], isa->npurposes);
	json_key("lawful_basis", 0);
	isa_json_str(isa->lawful_basis);
	json_key("gateways", 0);
	json_strs(&isa->gateways[0][0], sizeof isa->gateways[0], isa->ngateways);
	json_key("parties", 0);
	printf("[");
	for (uint32_t i = 0; i < isa->nparties; i++) {
		printf("%s\n      ", i ? "," : "");
		json_party(&isa->parties[i]);
	}
	printf("\n    ]");
	json_key("categories", 0);
	printf("[");
	for (uint32_t i = 0; i < isa->ncategories; i++) {
		printf("%s\n      ", i ? "," : "");
		json_category(&isa->categories[i]);
	}
	printf("\n    ]");
	/* who must sign the next version: every party unless listed */
	json_key("signers", 0);
	if (isa->nsigners)
		json_strs(&isa->signers[0][0], sizeof isa->signers[0], isa->nsigners);
	else
		json_strs(&isa->parties[0].id[0], sizeof isa->parties[0], isa->nparties);
	json_key("signers_all", 0);
	printf("%s", isa->nsigners ? "false" : "true");
	printf("\n}\n");
}

static int isa_show(int argc, char **argv)
{
	static lfh_isa isa;
	const char *file;
	uint8_t h[32];
	lfh_buf out = {0};
	lfh_err e = {0};
	int json, rc;

	for (int i = 1; i < argc; i++)
		if (argv[i][0] != '-')
			goto with_file;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			isa_sub_usage(stdout, argv[0]);
			return 0;
		}
	return isa_node_main(argc, argv); /* no FILE: the version in force at the node */
with_file:
	rc = file_args(argc, argv, 1, &file, &json);
	if (rc)
		return rc < 0 ? 0 : rc;
	if ((rc = isa_load(file, &isa)) != 0)
		return rc;
	if (json) {
		if (lfh_isa_hash_of(&isa, h, &e) != 0) {
			fprintf(stderr, "lfh: %s\n", e.msg);
			return 1;
		}
		print_json(&isa, h);
	} else {
		if (lfh_isa_describe(&isa, &out, &e) != 0) {
			fprintf(stderr, "lfh: %s\n", e.msg);
			return 1;
		}
		fputs((const char *)out.data, stdout);
		lfh_buf_free(&out);
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "lfh: writing the output failed\n");
		return 1;
	}
	return 0;
}

int isa_main(int argc, char **argv)
{
	if (argc < 2) {
		isa_usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		isa_usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < NSUB; i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "lfh: isa: unknown command '%s'\n", argv[1]);
	isa_usage(stderr);
	return 2;
}
