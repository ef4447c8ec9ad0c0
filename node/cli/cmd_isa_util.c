/*
 * cmd_isa_util.c - what every `lfh isa` command file shares (cli.h): the
 * commands' usage texts, loading an agreement file, JSON strings. The
 * commands themselves are in cmd_isa.c (check, show FILE, and the dispatch),
 * cmd_isa_node.c (those that ask the node) and cmd_isa_diff.c (diff).
 */
#include <stdio.h>
#include <string.h>

#include "lfh/err.h"
#include "lfh/isa.h"
#include "lfh/isa_text.h"

#include "cli.h"

/* One line per command: name, arguments, what it does (lfh isa --help). */
static const struct {
	const char *name, *args, *help;
} subs[] = {
	{"check", "FILE", "check an ISA text file: every problem with its line, or its hash"},
	{"show", "[FILE] [--json]", "the agreement in plain words (FILE, or the one in force at the node) and pending proposals"},
	{"diff", "[OLD] NEW [--json]", "what NEW changes from OLD (or from the version in force at the node)"},
	{"propose", "FILE [--json]", "propose FILE as the next version to every party"},
	{"sign", "FILE [--json]", "sign that proposed version for this agency"},
	{"withdraw", "FILE [--json]", "withdraw a proposal of this agency: no node signs it any more"},
	{"adopt", "[--json]", "who has signed each pending proposal, who has not yet, and whether it can take effect (adoption is automatic)"},
	{"explain", "CASE [--json]", "per category of a case: which agencies hold it, and why"},
	{"retention", "[--json]", "shred now what the retention rules say is due (lfhd also does it itself)"},
};
#define NSUB (sizeof subs / sizeof subs[0])

static const char examples[] =
	"examples:\n"
	"  lfh isa check /etc/lfhd/west-cumbria.isa\n"
	"  lfh isa show /etc/lfhd/west-cumbria.isa\n"
	"  lfh isa show /etc/lfhd/west-cumbria.isa --json\n"
	"  lfh isa show                        # the version in force at your node\n"
	"  lfh isa diff v1.isa v2.isa          # what v2 changes from v1\n"
	"  lfh isa diff v2.isa                 # what v2 changes from the version in force\n"
	"  lfh isa adopt                       # who has signed a proposal, who has not yet\n"
	"  lfh isa propose v2.isa && lfh isa sign v2.isa\n"
	"  lfh isa explain 3f2a9c1d\n"
	"\n"
	"An example agreement: deploy/examples/west-cumbria.isa (installed under\n"
	"share/doc/lfhub/examples); its header explains the format.\n";

void isa_usage(FILE *f)
{
	fprintf(f, "usage: lfh isa COMMAND [ARGS]\n\n"
		   "The hub's information-sharing agreement (ISA): which agencies take part,\n"
		   "why and under which law they share, who receives each category of case\n"
		   "information and how long it is kept.\n\ncommands:\n");
	for (size_t i = 0; i < NSUB; i++)
		fprintf(f, "  %-9s %-18s %s\n", subs[i].name, subs[i].args,
			subs[i].help);
	fprintf(f, "\n%s", examples);
}

/* What a subcommand does beyond its one-line help, for `lfh isa NAME --help`. */
static const struct {
	const char *name, *text;
} details[] = {
	{"check", "Prints every problem as FILE:LINE: reason and exits 1; or, when the file is\n"
		  "a valid agreement, one line with its hub, version, parties, categories and\n"
		  "hash (for version 1 the hash is the hub id; the next version names it as prev).\n"},
	{"diff", "Compares two versions of the agreement: the files OLD and NEW, or, with NEW\n"
		 "alone, the version in force at your node and NEW. Prints in plain words the\n"
		 "parties added, removed or changed (name, role, endpoint, keys), the categories\n"
		 "added, removed or changed (kind, receive rule, named agencies, retention days),\n"
		 "purposes, lawful basis, gateways, dates and who must sign the next version;\n"
		 "and whether NEW follows OLD (version OLD + 1 naming OLD's hash as prev), or\n"
		 "\"NEW does not follow OLD\" and why. Exits 0 whether or not they differ.\n"},
	{"adopt", "A version takes effect at each node by itself once it holds the signatures\n"
		  "the version in force requires (its next_signers: every party, or those\n"
		  "listed). For each pending proposal this says who has signed, who has not\n"
		  "yet, and whether it can take effect.\n"},
	{"propose", "FILE is the next version (version in force + 1, prev = its hash, as\n"
		    "lfh isa show prints). The node sends the proposal to every party; then\n"
		    "each agency that must sign runs lfh isa sign FILE with the same file.\n"},
	{"sign", "FILE must be the version proposed (lfh isa propose): the same agreement,\n"
		 "byte for byte once encoded. Check it first with lfh isa diff FILE.\n"},
	{"explain", "CASE is a case id or a prefix of at least 8 hex digits.\n"},
	{"withdraw", "FILE is the version this agency proposed. Every node then refuses to sign\n"
		     "it (lfh isa adopt says withdrawn). Signatures written before the\n"
		     "withdrawal reached a node still count: propose the corrected version\n"
		     "(the same version number) and have it signed instead.\n"},
};

void isa_sub_usage(FILE *f, const char *name)
{
	for (size_t i = 0; i < NSUB; i++)
		if (!strcmp(subs[i].name, name))
			fprintf(f, "usage: lfh isa %s %s\n\n%s.\n", name, subs[i].args,
				subs[i].help);
	for (size_t i = 0; i < sizeof details / sizeof details[0]; i++)
		if (!strcmp(details[i].name, name))
			fprintf(f, "\n%s", details[i].text);
	if (!strcmp(name, "check"))
		fprintf(f, "\noptions:\n");
	else
		fprintf(f, "\noptions:\n  --json      print JSON instead of text\n");
	fprintf(f, "  -h, --help  this help\n\n%s", examples);
}

/* Parse and validate file; print every problem on failure. 0 or 1 (exit status). */
int isa_load(const char *file, lfh_isa *isa)
{
	static lfh_isa_errors errs;
	lfh_err e = {0};

	if (lfh_isa_parse_file(file, isa, &errs, &e) == 0)
		return 0;
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.msg[i]);
	if (errs.n == 0)
		fprintf(stderr, "lfh: %s\n", e.msg[0] ? e.msg : lfh_strerror(e.code));
	return 1;
}

void isa_json_str(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}
