/*
 * cmd_attach.c - `lfh case attach` and `lfh case attachment get`: a file
 * added to a case, and the same bytes back (node commands attach_put,
 * attach_commit and attachment_get, PROTOCOL.md 10).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "lfh/buf.h"
#include "lfh/osara.h"

#include "cli.h"
#include "client.h"

#define PUT_PARTS 32 /* pieces of LFH_ATTACH_CHUNK bytes in one request: 384 KiB */
#define B64_PIECE sodium_base64_ENCODED_LEN(LFH_ATTACH_CHUNK, sodium_base64_VARIANT_ORIGINAL)

static const char attach_usage[] =
	"usage: lfh case attach CASE FILE [--category NAME] [--name NAME] [--text TEXT]\n"
	"                       [--on WHEN] [--json]\n"
	"\n"
	"Add FILE (a letter, a photo, a CCTV still: at most 25 MiB) to the case. It is\n"
	"encrypted under the case's sharing key for --category (default: referral),\n"
	"so it goes to the agencies the agreement sends that category to, replicates\n"
	"and relays like any entry, and is shredded with its category. The case shows\n"
	"it as an entry; 'lfh case attachment get' returns it. For a large file, a\n"
	"progress line goes to stderr when it is a terminal.\n"
	"  --category NAME  the agreement's category it is shared as (default:\n"
	"               referral); the agencies that category goes to receive it\n"
	"  --name NAME  the name the case shows (default: FILE's own name)\n"
	"  --text TEXT  what it is, e.g. \"tenancy warning letter\"\n"
	"  --on WHEN    when it was made: YYYY-MM-DD or YYYY-MM-DDTHH:MM local time\n"
	"  --json       the new entry as JSON\n";

static const char get_usage[] =
	"usage: lfh case attachment get ID --out FILE [--json]\n"
	"\n"
	"Write the attached file ID (8 or more hex digits of its entry's id, as\n"
	"'lfh case show' prints it: [ev 1a2b3c4d]) to FILE, a new file of mode 0600.\n"
	"Every piece is checked, and the file's size and SHA-256 against what was\n"
	"attached: FILE appears only when all of it is right.\n"
	"  --json  print what the file is (name, size, sha256, case, author) as JSON\n";

/* The whole of a regular file of 1..LFH_ATTACH_MAX bytes; 0, or 1 after saying why. */
static int read_file(const char *path, uint8_t **data, size_t *size)
{
	struct stat st;
	ssize_t got = 0;
	size_t off = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO must not wait for a writer */

	if (fd < 0 || fstat(fd, &st) != 0) {
		cli_error("%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 1 || st.st_size > (off_t)LFH_ATTACH_MAX) {
		cli_error("%s: %s", path, !S_ISREG(st.st_mode) ? "not a regular file"
					  : st.st_size < 1 ? "empty: nothing to attach"
							   : "larger than 25 MiB, the most a case takes");
		close(fd);
		return 1;
	}
	*size = (size_t)st.st_size;
	if (!(*data = malloc(*size))) {
		close(fd);
		cli_error("out of memory");
		return 1;
	}
	while (off < *size && (got = read(fd, *data + off, *size - off)) > 0)
		off += (size_t)got;
	close(fd);
	if (off != *size) {
		cli_error("%s: %s", path, got < 0 ? strerror(errno) : "changed while being read");
		free(*data);
		return 1;
	}
	return 0;
}

/* "lfh: sending 12.0 MiB of 25.0 MiB" on a terminal's stderr, rewritten in place. */
static void progress(const char *verb, uint64_t done, uint64_t size)
{
	char a[32], b[32];

	if (!isatty(2) || size < 4 * LFH_ATTACH_CHUNK * PUT_PARTS)
		return; /* a small file is done before anyone could read it */
	lfh_osara_size_text(done, a);
	lfh_osara_size_text(size, b);
	fprintf(stderr, "\rlfh: %s %s of %s   %s", verb, a, b, done == size ? "\n" : "");
}

/* Send data in requests of PUT_PARTS pieces; 0, or 1 after printing why. */
static int send_file(cli_conn *c, const char *ref, const char *att, const uint8_t *data,
		     size_t size)
{
	static char b64[B64_PIECE];
	lfh_reply rep = { 0 };
	lfh_err err = { 0 };
	int rc = 0;

	for (size_t off = 0; rc == 0 && off < size;) {
		lfh_record req = { 0 };
		char key[16];
		lfh_record_set_str(&req, "cmd", "attach_put", &err);
		lfh_record_set_str(&req, "case", ref, &err);
		lfh_record_set_str(&req, "att", att, &err);
		lfh_record_set_uint(&req, "size", size, &err);
		lfh_record_set_uint(&req, "offset", off, &err);
		for (int i = 0; i < PUT_PARTS && off < size; i++) {
			size_t n = size - off < LFH_ATTACH_CHUNK ? size - off : LFH_ATTACH_CHUNK;
			sodium_bin2base64(b64, sizeof b64, data + off, n,
					  sodium_base64_VARIANT_ORIGINAL);
			snprintf(key, sizeof key, "d%d", i);
			if (lfh_record_set_str(&req, key, b64, &err))
				break;
			off += n;
		}
		if (err.code) {
			cli_error("%s", err.msg);
			rc = 1;
		} else if ((rc = cli_conn_call(c, &req, &rep)) == 0) {
			progress("sent", off, size);
		}
		lfh_record_clear(&req);
		lfh_reply_clear(&rep);
	}
	return rc;
}

/* Parse `lfh case attach` arguments into req (with name defaulted); 0 or 2. */
/* 0, 2 on bad usage (said), or -1 once --help is printed. */
static int attach_args(int argc, char **argv, lfh_record *req, const char **path, int *json)
{
	const char *pos[2] = { NULL, NULL }, *name = NULL;
	lfh_err err = { 0 };
	char on[18] = "";
	int npos = 0;

	for (int i = 1; i < argc; i++) {
		const char *field = !strcmp(argv[i], "--category") ? "category"
				    : !strcmp(argv[i], "--text")   ? "text"
								   : NULL;
		int takes_value = field || !strcmp(argv[i], "--name") || !strcmp(argv[i], "--on");

		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(attach_usage, stdout);
			return -1;
		}
		if (takes_value && i + 1 >= argc) {
			cli_error("option %s needs a value (see lfh case attach --help)", argv[i]);
			return 2;
		}
		if (takes_value && cli_given_twice(field ? lfh_record_str(req, field) != NULL
						: !strcmp(argv[i], "--name") ? name != NULL
									    : lfh_record_str(req, "on") != NULL,
						argv[i], "case attach"))
			return 2;
		if (!strcmp(argv[i], "--json")) {
			*json = 1;
		} else if (field && i + 1 < argc) {
			lfh_record_set_str(req, field, argv[++i], &err);
		} else if (!strcmp(argv[i], "--name") && i + 1 < argc) {
			name = argv[++i];
		} else if (!strcmp(argv[i], "--on") && i + 1 < argc) {
			if (cli_on_value(argv[++i], on))
				return 2;
			lfh_record_set_str(req, "on", on, &err);
		} else if (argv[i][0] != '-' && npos < 2) {
			pos[npos++] = argv[i];
		} else {
			cli_error("unexpected argument '%s' (see lfh case attach --help)", argv[i]);
			return 2;
		}
	}
	if (npos != 2) {
		cli_error("usage: lfh case attach CASE FILE [--category NAME] [--name NAME] "
			  "[--text TEXT] [--on WHEN]");
		return 2;
	}
	if (!name)
		name = strrchr(pos[1], '/') ? strrchr(pos[1], '/') + 1 : pos[1];
	lfh_record_set_str(req, "case", pos[0], &err);
	lfh_record_set_str(req, "name", name, &err);
	*path = pos[1];
	if (err.code) {
		cli_error("%s", err.msg);
		return 2;
	}
	return 0;
}

static int attach_main(int argc, char **argv)
{
	lfh_record req = { 0 };
	lfh_reply rep = { 0 };
	lfh_err err = { 0 };
	const char *path = NULL;
	uint8_t *data = NULL, rnd[LFH_ATTACH_ID_HEX / 2];
	char att[LFH_ATTACH_ID_HEX + 1], sz[32];
	size_t size = 0;
	cli_conn *c = NULL;
	int json = 0, rc;

	if ((rc = attach_args(argc, argv, &req, &path, &json)) || (rc = read_file(path, &data, &size))) {
		rc = rc == -1 ? 0 : rc; /* --help */
		goto out;
	}
	randombytes_buf(rnd, sizeof rnd);
	lfh_hex(att, rnd, sizeof rnd);
	if ((rc = cli_conn_open(&c)) ||
	    (rc = send_file(c, lfh_record_str(&req, "case"), att, data, size)))
		goto out;
	lfh_record_set_str(&req, "cmd", "attach_commit", &err);
	lfh_record_set_str(&req, "att", att, &err);
	if ((rc = cli_conn_call(c, &req, &rep)))
		goto out;
	lfh_osara_size_text(size, sz);
	if (json)
		cli_print_json(rep.records, rep.nrecords, 0);
	else if (rep.nrecords)
		printf("attached %s (%s) to case %s: its id is %.12s\n",
		       lfh_record_str(&req, "name"), sz, lfh_record_str(&rep.records[0], "case"),
		       lfh_record_str(&rep.records[0], "event"));
out:
	if (c)
		cli_conn_close(c);
	if (data) {
		sodium_memzero(data, size);
		free(data);
	}
	lfh_record_clear(&req);
	lfh_reply_clear(&rep);
	return rc;
}

/* Where a download is written until it is whole and checked. */
typedef struct download {
	FILE *f;
	char tmp[4096];
	crypto_hash_sha256_state sha;
	uint64_t size, next;
	uint64_t total; /* the file's size, as its description says */
} download;

/* One page's pieces, in order, into the file; 0 or 1 after printing why. */
static int write_pieces(download *d, const lfh_reply *rep)
{
	static uint8_t bytes[LFH_ATTACH_CHUNK];
	size_t len;
	uint64_t idx;

	for (size_t i = 1; i < rep->nrecords; i++) {
		const char *b64 = lfh_record_str(&rep->records[i], "data");
		if (!lfh_record_uint(&rep->records[i], "idx", &idx) || idx != d->next || !b64 ||
		    sodium_base642bin(bytes, sizeof bytes, b64, strlen(b64), NULL, &len, NULL,
				      sodium_base64_VARIANT_ORIGINAL) != 0) {
			cli_error("the node sent a malformed piece of the file");
			return 1;
		}
		crypto_hash_sha256_update(&d->sha, bytes, len);
		if (fwrite(bytes, 1, len, d->f) != len) {
			cli_error("%s: %s", d->tmp, strerror(errno));
			return 1;
		}
		d->size += len;
		d->next++;
	}
	progress("received", d->size, d->total);
	return 0;
}

/* The file's size and SHA-256 against what the ATTACH says. */
static int check_download(download *d, const lfh_record *meta)
{
	uint8_t want[crypto_hash_sha256_BYTES], got[crypto_hash_sha256_BYTES];
	const char *hex = lfh_record_str(meta, "sha256");
	uint64_t size = 0;

	crypto_hash_sha256_final(&d->sha, got);
	lfh_record_uint(meta, "size", &size);
	if (!hex || lfh_unhex(want, sizeof want, hex) || size != d->size ||
	    sodium_memcmp(want, got, sizeof want) != 0) {
		cli_error("the file put together here is not the one attached (size or SHA-256 "
			  "differ): nothing written");
		return 1;
	}
	return 0;
}

/* Ask for every page of attachment id into d; the first page's description into meta. */
static int fetch_all(cli_conn *c, const char *id, download *d, lfh_record *meta)
{
	lfh_err err = { 0 };
	uint64_t next;
	int rc = 0, more = 1;

	while (rc == 0 && more) {
		lfh_record req = { 0 };
		lfh_reply rep = { 0 };
		lfh_record_set_str(&req, "cmd", "attachment_get", &err);
		lfh_record_set_str(&req, "id", id, &err);
		lfh_record_set_uint(&req, "from", d->next, &err);
		rc = cli_conn_call(c, &req, &rep);
		if (rc == 0 && rep.nrecords < 2) {
			cli_error("the node sent no piece of the file");
			rc = 1;
		}
		if (rc == 0 && d->next == 0)
			lfh_record_uint(&rep.records[0], "size", &d->total);
		if (rc == 0 && d->next == 0)
			for (size_t i = 0; i < rep.records[0].n; i++)
				rep.records[0].f[i].kind == LFH_FIELD_STR
					? lfh_record_set_str(meta, rep.records[0].f[i].key,
							     rep.records[0].f[i].str, &err)
					: lfh_record_set_uint(meta, rep.records[0].f[i].key,
							      rep.records[0].f[i].u, &err);
		if (rc == 0)
			rc = write_pieces(d, &rep);
		more = rc == 0 && lfh_record_uint(&rep.records[0], "next", &next) && next == d->next;
		lfh_record_clear(&req);
		lfh_reply_clear(&rep);
	}
	return rc;
}

static int get_main(int argc, char **argv)
{
	const char *id = NULL, *out = NULL;
	download d = { 0 };
	lfh_record meta = { 0 };
	cli_conn *c = NULL;
	int json = 0, rc = 0, fd;

	for (int i = 1; i < argc && rc == 0; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(get_usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
			out = argv[++i];
		} else if (argv[i][0] != '-' && !id) {
			id = argv[i];
		} else {
			cli_error("unexpected argument '%s' (see lfh case attachment get --help)",
				  argv[i]);
			rc = 2;
		}
	}
	if (rc == 0 && (!id || !out)) {
		cli_error("usage: lfh case attachment get ID --out FILE");
		rc = 2;
	}
	if (rc)
		return rc;
	if (access(out, F_OK) == 0) {
		cli_error("--out %s: it exists already (choose a new file)", out);
		return 1;
	}
	snprintf(d.tmp, sizeof d.tmp, "%s.partXXXXXX", out);
	if ((fd = mkstemp(d.tmp)) < 0 || !(d.f = fdopen(fd, "w"))) {
		cli_error("--out %s: cannot create a file beside it (%s)", out, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	crypto_hash_sha256_init(&d.sha);
	rc = cli_conn_open(&c);
	if (rc == 0)
		rc = fetch_all(c, id, &d, &meta);
	if (fclose(d.f) != 0 && rc == 0) {
		cli_error("%s: write failed", d.tmp);
		rc = 1;
	}
	if (rc == 0)
		rc = check_download(&d, &meta);
	if (rc == 0 && link(d.tmp, out) != 0) {
		cli_error("--out %s: %s", out, strerror(errno));
		rc = 1;
	}
	unlink(d.tmp);
	if (rc == 0 && json)
		cli_print_json(&meta, 1, 0);
	else if (rc == 0)
		fprintf(stderr, "lfh: %s (%" PRIu64 " bytes, SHA-256 checked) written to %s\n",
			lfh_record_str(&meta, "name"), d.size, out);
	if (c)
		cli_conn_close(c);
	lfh_record_clear(&meta);
	return rc;
}

int case_attach_main(int argc, char **argv)
{
	if (!strcmp(argv[0], "attach"))
		return attach_main(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "get"))
		return get_main(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(get_usage, stdout);
		return 0;
	}
	fputs(get_usage, stderr);
	return 2;
}
