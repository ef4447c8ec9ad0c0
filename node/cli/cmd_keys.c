/*
 * cmd_keys.c - `lfh keys`: create an agency identity, export its public
 * part for the other hub members, and inspect a public key file.
 *
 *   lfh keys init --agency ID --out DIR
 *   lfh keys export --dir DIR [--out FILE]
 *   lfh keys show FILE
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "lfh/err.h"
#include "lfh/identity.h"

static const char usage_keys[] =
	"usage: lfh keys COMMAND [OPTIONS]\n"
	"\n"
	"Manage this agency's long-term keys.\n"
	"\n"
	"commands:\n"
	"  init --agency ID --out DIR     create a new identity (key directory)\n"
	"  export --dir DIR [--out FILE]  write the public key file for the other agencies\n"
	"  show FILE                      check a public key file and print its fingerprint\n"
	"\n"
	"Run `lfh keys COMMAND --help` for details.\n";

static const char usage_init[] =
	"usage: lfh keys init --agency ID --out DIR\n"
	"\n"
	"Create a new identity for agency ID in DIR (created with mode 0700 if missing):\n"
	"sign.key, box.key, curve.key (secret, mode 0600) and public.ini (mode 0644).\n"
	"Refuses to overwrite existing key files.\n"
	"\n"
	"options:\n"
	"  -a, --agency ID   agency id: 1..31 characters of a-z 0-9 _ -\n"
	"  -o, --out DIR     key directory to create\n"
	"  -h, --help        show this help\n"
	"\n"
	"example:\n"
	"  lfh keys init --agency police --out /etc/lfhd/keys\n";

static const char usage_export[] =
	"usage: lfh keys export --dir DIR [--out FILE]\n"
	"\n"
	"Check the identity in DIR (secrets match the public keys) and write its public\n"
	"key file, to give to the other agencies in the hub. Writes to standard output\n"
	"unless --out is given; never overwrites FILE.\n"
	"\n"
	"options:\n"
	"  -d, --dir DIR     key directory (from `lfh keys init`)\n"
	"  -o, --out FILE    write here instead of standard output\n"
	"  -h, --help        show this help\n"
	"\n"
	"examples:\n"
	"  lfh keys export --dir /etc/lfhd/keys --out police.pub\n"
	"  lfh keys export --dir /etc/lfhd/keys | less\n";

static const char usage_show[] =
	"usage: lfh keys show FILE\n"
	"\n"
	"Validate a public key file (from `lfh keys export`) and print its agency, key id,\n"
	"keys and fingerprint. Compare the fingerprint with the sending agency by phone\n"
	"or in person before adding the file to a node configuration.\n"
	"\n"
	"options:\n"
	"  -h, --help        show this help\n"
	"\n"
	"example:\n"
	"  lfh keys show /etc/lfhd/peers/housing.pub\n";

static int usage_error(const char *usage, const char *fmt, const char *arg)
{
	fputs("lfh: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\n", stderr);
	fputs(usage, stderr);
	return 2;
}

static int fail(const lfh_err *e)
{
	fprintf(stderr, "lfh: %s\n", e->msg[0] ? e->msg : lfh_strerror(e->code));
	return 1;
}

/* Report a getopt_long problem; returns 2. */
static int bad_option(const char *usage, char **argv, int c)
{
	const char *arg = argv[optind - 1];
	if (c == ':')
		return usage_error(usage, "option '%s' needs a value", arg);
	return usage_error(usage, "unknown option '%s'", arg);
}

/* Reset getopt for a fresh argv (argv is a sub-slice of the process's). */
static void getopt_reset(void)
{
	optind = 0; /* glibc: full re-initialisation */
	opterr = 0;
}

/*
 * Human-comparable fingerprint of a whole public key file:
 * BLAKE2b-256("lfhub pubkeys v1" || agency || 0 || sign || box || curve),
 * first 20 bytes as 10 groups of 4 hex digits.
 */
static void fingerprint(const lfh_pubkeys *pk, char out[50])
{
	static const char tag[] = "lfhub pubkeys v1";
	crypto_generichash_state st;
	uint8_t h[32];
	char hex[65];

	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(&st, (const uint8_t *)tag, sizeof tag - 1);
	crypto_generichash_update(&st, (const uint8_t *)pk->agency, strlen(pk->agency) + 1);
	crypto_generichash_update(&st, pk->sign_pk, 32);
	crypto_generichash_update(&st, pk->box_pk, 32);
	crypto_generichash_update(&st, pk->curve_pk, 32);
	crypto_generichash_final(&st, h, sizeof h);
	lfh_hex(hex, h, 20);
	char *o = out;
	for (int g = 0; g < 10; g++) {
		if (g)
			*o++ = ' ';
		memcpy(o, hex + 4 * g, 4);
		o += 4;
	}
	*o = '\0';
}

static int keys_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "agency", required_argument, NULL, 'a' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *agency = NULL, *dir = NULL;
	int c;

	getopt_reset();
	while ((c = getopt_long(argc, argv, ":a:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a': agency = optarg; break;
		case 'o': dir = optarg; break;
		case 'h': fputs(usage_init, stdout); return 0;
		default: return bad_option(usage_init, argv, c);
		}
	}
	if (optind < argc)
		return usage_error(usage_init, "unexpected argument '%s'", argv[optind]);
	if (!agency)
		return usage_error(usage_init, "%s", "missing --agency ID");
	if (!dir)
		return usage_error(usage_init, "%s", "missing --out DIR");

	lfh_err e;
	lfh_pubkeys pk;
	char path[4096], kid[2 * LFH_KEYID_LEN + 1], fp[50];
	lfh_err_clear(&e);
	if (lfh_identity_generate(agency, dir, &e) != 0)
		return fail(&e);
	snprintf(path, sizeof path, "%s/public.ini", dir);
	if (lfh_pubkeys_load(path, &pk, &e) != 0)
		return fail(&e);
	lfh_hex(kid, pk.key_id, LFH_KEYID_LEN);
	fingerprint(&pk, fp);
	printf("created identity for agency %s in %s\n", pk.agency, dir);
	printf("public key file: %s\n", path);
	printf("key id:          %s\n", kid);
	printf("fingerprint:     %s\n", fp);
	printf("next: lfh keys export --dir %s --out %s.pub   (give it to the other agencies)\n", dir,
	       pk.agency);
	return 0;
}

static int keys_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *out = NULL;
	int c;

	getopt_reset();
	while ((c = getopt_long(argc, argv, ":d:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'o': out = optarg; break;
		case 'h': fputs(usage_export, stdout); return 0;
		default: return bad_option(usage_export, argv, c);
		}
	}
	if (optind < argc)
		return usage_error(usage_export, "unexpected argument '%s'", argv[optind]);
	if (!dir)
		return usage_error(usage_export, "%s", "missing --dir DIR");

	lfh_err e;
	lfh_identity *id = NULL;
	lfh_pubkeys pk;
	lfh_err_clear(&e);
	/* Load the whole identity: refuses a public.ini that does not match the secrets. */
	if (lfh_identity_load(dir, &id, &e) != 0)
		return fail(&e);
	pk = id->pub;
	lfh_identity_free(id);

	if (!out) {
		if (lfh_pubkeys_write(&pk, stdout, &e) != 0)
			return fail(&e);
		return 0;
	}

	int fd = open(out, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0) {
		if (errno == EEXIST)
			fprintf(stderr, "lfh: %s already exists; refusing to overwrite\n", out);
		else
			fprintf(stderr, "lfh: %s: %s\n", out, strerror(errno));
		return 1;
	}
	FILE *f = fdopen(fd, "w");
	if (!f) {
		fprintf(stderr, "lfh: %s: %s\n", out, strerror(errno));
		close(fd);
		unlink(out);
		return 1;
	}
	int rc = lfh_pubkeys_write(&pk, f, &e);
	if (rc == 0 && fsync(fileno(f)) != 0)
		rc = lfh_err_set(&e, LFH_EIO, "%s: fsync: %s", out, strerror(errno));
	if (fclose(f) != 0 && rc == 0)
		rc = lfh_err_set(&e, LFH_EIO, "%s: %s", out, strerror(errno));
	if (rc != 0) {
		unlink(out);
		return fail(&e);
	}
	char kid[2 * LFH_KEYID_LEN + 1];
	lfh_hex(kid, pk.key_id, LFH_KEYID_LEN);
	printf("wrote %s (agency %s, key id %s)\n", out, pk.agency, kid);
	return 0;
}

static int keys_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': fputs(usage_show, stdout); return 0;
		default: return bad_option(usage_show, argv, c);
		}
	}
	if (optind >= argc)
		return usage_error(usage_show, "%s", "missing FILE");
	if (argc - optind > 1)
		return usage_error(usage_show, "unexpected argument '%s'", argv[optind + 1]);

	const char *file = argv[optind];
	lfh_err e;
	lfh_pubkeys pk;
	char kid[2 * LFH_KEYID_LEN + 1], sign[65], box[65], curve[41], fp[50];
	lfh_err_clear(&e);
	if (lfh_pubkeys_load(file, &pk, &e) != 0)
		return fail(&e);
	lfh_hex(kid, pk.key_id, LFH_KEYID_LEN);
	lfh_hex(sign, pk.sign_pk, 32);
	lfh_hex(box, pk.box_pk, 32);
	lfh_curve_z85(pk.curve_pk, curve);
	fingerprint(&pk, fp);
	printf("file:        %s\n", file);
	printf("agency:      %s\n", pk.agency);
	printf("key id:      %s\n", kid);
	printf("sign:        %s (Ed25519)\n", sign);
	printf("box:         %s (X25519)\n", box);
	printf("curve:       %s (CURVE, Z85)\n", curve);
	printf("fingerprint: %s\n", fp);
	return 0;
}

int keys_main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error(usage_keys, "%s", "keys: missing COMMAND");
	const char *cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
		fputs(usage_keys, stdout);
		return 0;
	}
	if (strcmp(cmd, "init") == 0)
		return keys_init(argc - 1, argv + 1);
	if (strcmp(cmd, "export") == 0)
		return keys_export(argc - 1, argv + 1);
	if (strcmp(cmd, "show") == 0)
		return keys_show(argc - 1, argv + 1);
	return usage_error(usage_keys, "keys: unknown command '%s'", cmd);
}
