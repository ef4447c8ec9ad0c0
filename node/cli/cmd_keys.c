/*
 * cmd_keys.c - `lfh keys`: create an agency identity, export its public
 * part for the other hub members, and inspect a public key file.
 *
 *   lfh keys init --agency ID --out DIR
 *   lfh keys export --dir DIR [--out FILE]
 *   lfh keys show FILE|DIR
 *
 * Every agency has a long-term root identity key (root.key, whose public
 * half is the `root` of its public key file and of its ISA party); it is
 * only needed to certify operational keys, so it may be moved offline.
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
	"  show FILE|DIR                  check a public key file and print its fingerprint\n"
	"\n"
	"Run `lfh keys COMMAND --help` for details.\n";

static const char usage_init[] =
	"usage: lfh keys init --agency ID --out DIR\n"
	"\n"
	"Create a new identity for agency ID in DIR (created with mode 0700 if missing):\n"
	"root.key, sign.key, box.key, curve.key (secret, mode 0600) and public.ini\n"
	"(mode 0644). root.key is the agency's long-term root identity: the node never\n"
	"needs it, so move it offline once it has certified the operational keys.\n"
	"Refuses to overwrite existing key files.\n"
	"\n"
	"options:\n"
	"  -a, --agency ID   agency id: 1..31 characters of a-z 0-9 _ -\n"
	"  -o, --out DIR     key directory to create\n"
	"  -h, --help        show this help\n"
	"\n"
	"example:\n"
	"  lfh keys init --agency police --out /var/lib/lfhd/keys\n";

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
	"  lfh keys export --dir /var/lib/lfhd/keys --out police.pub\n"
	"  lfh keys export --dir /var/lib/lfhd/keys | less\n";

static const char usage_show[] =
	"usage: lfh keys show FILE|DIR\n"
	"\n"
	"Validate a public key file (from `lfh keys export`) and print its agency, key id,\n"
	"root key, keys and fingerprint. Compare the fingerprint with the sending agency\n"
	"by phone or in person before adding the file to a node configuration.\n"
	"Given a key directory (or its public.ini), also says whether the root secret\n"
	"(root.key) is in it, and checks it if so.\n"
	"\n"
	"options:\n"
	"  -h, --help        show this help\n"
	"\n"
	"examples:\n"
	"  lfh keys show /etc/lfhd/peers/housing.pub\n"
	"  lfh keys show /var/lib/lfhd/keys\n";

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
 * BLAKE2b-256("lfhub pubkeys v2" || agency || 0 || root || sign || box || curve),
 * first 20 bytes as 10 groups of 4 hex digits.
 */
static void fingerprint(const lfh_pubkeys *pk, char out[50])
{
	static const char tag[] = "lfhub pubkeys v2";
	crypto_generichash_state st;
	uint8_t h[32];
	char hex[65];

	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(&st, (const uint8_t *)tag, sizeof tag - 1);
	crypto_generichash_update(&st, (const uint8_t *)pk->agency, strlen(pk->agency) + 1);
	crypto_generichash_update(&st, pk->root_pk, 32);
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
	char path[4096], kid[2 * LFH_KEYID_LEN + 1], rkid[2 * LFH_KEYID_LEN + 1], root[65], fp[50];
	uint8_t rid[LFH_KEYID_LEN];
	lfh_err_clear(&e);
	if (lfh_identity_generate(agency, dir, &e) != 0)
		return fail(&e);
	snprintf(path, sizeof path, "%s/public.ini", dir);
	if (lfh_pubkeys_load(path, &pk, &e) != 0)
		return fail(&e);
	lfh_hex(kid, pk.key_id, LFH_KEYID_LEN);
	lfh_key_id(pk.root_pk, rid);
	lfh_hex(rkid, rid, LFH_KEYID_LEN);
	lfh_hex(root, pk.root_pk, 32);
	fingerprint(&pk, fp);
	printf("created identity for agency %s in %s\n", pk.agency, dir);
	printf("public key file: %s\n", path);
	printf("key id:          %s\n", kid);
	printf("root key:        %s (root key id %s)\n", root, rkid);
	printf("fingerprint:     %s\n", fp);
	printf("root secret:     %s/root.key — move it offline after certifying\n", dir);
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
	char kid[2 * LFH_KEYID_LEN + 1], rkid[2 * LFH_KEYID_LEN + 1];
	uint8_t rid[LFH_KEYID_LEN];
	lfh_hex(kid, pk.key_id, LFH_KEYID_LEN);
	lfh_key_id(pk.root_pk, rid);
	lfh_hex(rkid, rid, LFH_KEYID_LEN);
	printf("wrote %s (agency %s, key id %s, root key id %s)\n", out, pk.agency, kid, rkid);
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
	char kid[2 * LFH_KEYID_LEN + 1], rkid[2 * LFH_KEYID_LEN + 1], root[65], sign[65], box[65],
		curve[41], fp[50], path[4096], dir[4096];
	uint8_t rid[LFH_KEYID_LEN];
	struct stat st;

	/* A key directory, or its public.ini: also report on root.key there. */
	dir[0] = '\0';
	if (stat(file, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(dir, sizeof dir, "%s", file);
		if (snprintf(path, sizeof path, "%s/public.ini", file) >= (int)sizeof path)
			return usage_error(usage_show, "path too long: '%s'", file);
		file = path;
	} else {
		const char *slash = strrchr(file, '/');
		const char *base = slash ? slash + 1 : file;
		if (strcmp(base, "public.ini") == 0) {
			if (!slash)
				snprintf(dir, sizeof dir, ".");
			else
				snprintf(dir, sizeof dir, "%.*s", slash == file ? 1 : (int)(slash - file), file);
		}
	}
	lfh_err_clear(&e);
	if (lfh_pubkeys_load(file, &pk, &e) != 0)
		return fail(&e);
	lfh_hex(kid, pk.key_id, LFH_KEYID_LEN);
	lfh_key_id(pk.root_pk, rid);
	lfh_hex(rkid, rid, LFH_KEYID_LEN);
	lfh_hex(root, pk.root_pk, 32);
	lfh_hex(sign, pk.sign_pk, 32);
	lfh_hex(box, pk.box_pk, 32);
	lfh_curve_z85(pk.curve_pk, curve);
	fingerprint(&pk, fp);
	printf("file:        %s\n", file);
	printf("agency:      %s\n", pk.agency);
	printf("key id:      %s\n", kid);
	printf("root:        %s (Ed25519, root key id %s)\n", root, rkid);
	printf("sign:        %s (Ed25519)\n", sign);
	printf("box:         %s (X25519)\n", box);
	printf("curve:       %s (CURVE, Z85)\n", curve);
	printf("fingerprint: %s\n", fp);
	if (dir[0]) {
		uint8_t *sk = sodium_malloc(64);
		int rc;
		if (!sk) {
			fprintf(stderr, "lfh: out of memory\n");
			return 1;
		}
		lfh_err_clear(&e);
		rc = lfh_root_load(dir, sk, &e);
		sodium_free(sk);
		if (rc == 0) {
			printf("root secret: present — move root.key offline after certifying\n");
		} else if (rc == LFH_ENOTFOUND) {
			printf("root secret: offline\n");
		} else {
			printf("root secret: UNUSABLE\n");
			return fail(&e);
		}
	}
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
