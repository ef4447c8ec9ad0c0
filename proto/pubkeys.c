/*
 * pubkeys.c - an agency's public keys and the public key file format
 * (include/lfh/pubkeys.h): what peers exchange and the ISA names. Secrets
 * are keys/identity.c's.
 *
 * The file is parsed with libinih, fed by our own line reader so that we
 * know the exact line of every problem and can refuse what inih would
 * silently accept (binary bytes, over-long lines split in two, indented
 * continuation lines, repeated sections, junk after "]").
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>
#include <sodium.h>
#include <zmq.h>

#include "lfh/buf.h"
#include "lfh/err.h"
#include "lfh/event.h"
#include "lfh/ini_lines.h"
#include "lfh/pubkeys.h"

#define PUBFILE_MAX (64 * 1024)

static int sodium_ready(lfh_err *err)
{
	if (sodium_init() < 0)
		return lfh_err_set(err, LFH_ECRYPTO, "libsodium initialisation failed");
	return 0;
}

void lfh_key_id(const uint8_t sign_pk[32], uint8_t out[LFH_KEYID_LEN])
{
	uint8_t h[32];
	crypto_generichash(h, sizeof h, sign_pk, 32, NULL, 0);
	memcpy(out, h, LFH_KEYID_LEN);
}

void lfh_curve_z85(const uint8_t pk[32], char out[41])
{
	if (!zmq_z85_encode(out, pk, 32))
		out[0] = '\0';
}


/* ------------------------------------------------------------------ */
/* public.ini parsing                                                  */

enum { PK_ID, PK_ROOT, PK_SIGN, PK_BOX, PK_CURVE, PK_NKEYS };
static const char *const pk_keys[PK_NKEYS] = { "id", "root", "sign", "box", "curve" };

struct pkparse {
	const char *path;
	lfh_ini_lines lines; /* unread input */
	int lineno;          /* line last handed to inih */
	int failed;
	int fail_line;
	int section_line;    /* line of [agency], 0 if not seen */
	int key_line[PK_NKEYS];
	lfh_pubkeys *out;
	lfh_err *err;
};

static int pk_fail(struct pkparse *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int pk_fail(struct pkparse *c, int code, const char *fmt, ...)
{
	char msg[LFH_ERRMSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!c->failed) {
		c->failed = code;
		c->fail_line = c->lineno;
		lfh_err_set(c->err, code, "%s:%d: %s", c->path, c->lineno, msg);
	}
	return 0;
}

/* Check a section header line (already known to start with '['). */
static void pk_section(struct pkparse *c, const char *line, size_t len)
{
	const char *close = memchr(line, ']', len);
	if (!close) {
		pk_fail(c, LFH_EINVAL, "section header without ']'");
		return;
	}
	for (const char *q = close + 1; q < line + len; q++) {
		if (*q == ';' || *q == '#')
			break;
		if (*q != ' ' && *q != '\t' && *q != '\r') {
			pk_fail(c, LFH_EINVAL, "unexpected text after section header");
			return;
		}
	}
	size_t nlen = (size_t)(close - line - 1);
	if (nlen != 6 || memcmp(line + 1, "agency", 6) != 0) {
		pk_fail(c, LFH_EINVAL, "unknown section [%.*s] (only [agency] is allowed)",
			(int)(nlen > 40 ? 40 : nlen), line + 1);
		return;
	}
	if (c->section_line) {
		pk_fail(c, LFH_EINVAL, "duplicate [agency] section (first at line %d)", c->section_line);
		return;
	}
	c->section_line = c->lineno;
}

/* fgets-style reader for ini_parse_stream: one physical line per call. */
static char *pk_reader(char *str, int num, void *stream)
{
	struct pkparse *c = stream;
	char why[LFH_ERRMSG_MAX];
	const char *line;
	size_t len;
	int kind;

	if (c->failed || num < 2)
		return NULL;
	c->lines.lineno = c->lineno;
	kind = lfh_ini_next(&c->lines, (size_t)num - 1, &line, &len, why, sizeof why);
	c->lineno = c->lines.lineno;
	if (kind == LFH_INI_BAD)
		pk_fail(c, LFH_EINVAL, "%s", why);
	if (kind == LFH_INI_SECTION)
		pk_section(c, line, len);
	if (kind == LFH_INI_END || c->failed)
		return NULL;
	memcpy(str, line, len);
	str[len] = '\0';
	return str;
}

static int pk_handler(void *user, const char *section, const char *name, const char *value)
{
	struct pkparse *c = user;
	lfh_pubkeys *o = c->out;
	int k;

	if (c->failed)
		return 0;
	if (strcmp(section, "agency") != 0)
		return pk_fail(c, LFH_EINVAL, "key '%.32s' outside the [agency] section", name);
	for (k = 0; k < PK_NKEYS; k++)
		if (strcmp(name, pk_keys[k]) == 0)
			break;
	if (k == PK_NKEYS)
		return pk_fail(c, LFH_EINVAL, "unknown key '%.32s' (expected id, root, sign, box, curve)", name);
	if (c->key_line[k])
		return pk_fail(c, LFH_EINVAL, "duplicate key '%s' (first at line %d)", name, c->key_line[k]);
	c->key_line[k] = c->lineno;

	size_t vlen = strlen(value);
	switch (k) {
	case PK_ID:
		if (vlen == 0 || vlen > LFH_AGENCY_MAX || !lfh_name_valid(value))
			return pk_fail(c, LFH_EINVAL,
				       "invalid agency id '%.40s' (1..%d characters of a-z 0-9 _ -)",
				       value, LFH_AGENCY_MAX);
		memcpy(o->agency, value, vlen + 1);
		break;
	case PK_ROOT:
	case PK_SIGN:
	case PK_BOX: {
		uint8_t *dst = k == PK_ROOT ? o->root_pk : k == PK_SIGN ? o->sign_pk : o->box_pk;
		if (vlen != 64)
			return pk_fail(c, LFH_EINVAL, "%s: expected 64 hex characters, found %zu", name, vlen);
		if (lfh_unhex(dst, 32, value) != 0)
			return pk_fail(c, LFH_EINVAL, "%s: not valid hex", name);
		if ((k == PK_SIGN || k == PK_ROOT) && !crypto_core_ed25519_is_valid_point(dst))
			return pk_fail(c, LFH_EINVAL, "%s: not a valid Ed25519 public key", name);
		if (k == PK_BOX && sodium_is_zero(dst, 32))
			return pk_fail(c, LFH_EINVAL, "box: not a valid X25519 public key");
		break;
	}
	case PK_CURVE: {
		char again[41];
		if (vlen != 40)
			return pk_fail(c, LFH_EINVAL, "curve: expected 40 Z85 characters, found %zu", vlen);
		if (!zmq_z85_decode(o->curve_pk, value))
			return pk_fail(c, LFH_EINVAL, "curve: not valid Z85");
		lfh_curve_z85(o->curve_pk, again);
		if (strcmp(again, value) != 0)
			return pk_fail(c, LFH_EINVAL, "curve: not canonical Z85");
		if (sodium_is_zero(o->curve_pk, 32))
			return pk_fail(c, LFH_EINVAL, "curve: not a valid X25519 public key");
		break;
	}
	}
	return 1;
}

/* Read a whole (small) regular file; *out is malloc'd and NUL-terminated. */
static int read_small_file(const char *path, size_t max, char **out, size_t *outlen, lfh_err *err)
{
	return lfh_read_file(path, max, out, outlen, err);
}

int lfh_pubkeys_load(const char *path, lfh_pubkeys *out, lfh_err *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (!path || !out)
		return lfh_err_set(err, LFH_EINVAL, "lfh_pubkeys_load: NULL argument");
	if ((rc = sodium_ready(err)) != 0)
		return rc;
	memset(out, 0, sizeof *out);
	if ((rc = read_small_file(path, PUBFILE_MAX, &text, &len, err)) != 0)
		return rc;
	if (len == 0) {
		free(text);
		return lfh_err_set(err, LFH_EINVAL, "%s: empty file (expected an [agency] section)", path);
	}

	lfh_pubkeys tmp;
	memset(&tmp, 0, sizeof tmp);
	struct pkparse c = { .path = path, .lines = { text, text + len, 0, 1 }, .out = &tmp, .err = err };
	int ir = ini_parse_stream(pk_reader, &c, pk_handler, &c);
	free(text);

	if (ir > 0 && (!c.failed || ir < c.fail_line))
		return lfh_err_set(err, LFH_EINVAL, "%s:%d: syntax error (expected '[agency]' or 'key = value')",
				   path, ir);
	if (c.failed)
		return c.failed;
	if (ir < 0)
		return lfh_err_set(err, LFH_ENOMEM, "%s: parser error %d", path, ir);
	if (!c.section_line)
		return lfh_err_set(err, LFH_EINVAL, "%s: no [agency] section", path);
	for (int k = 0; k < PK_NKEYS; k++)
		if (!c.key_line[k])
			return lfh_err_set(err, LFH_EINVAL, "%s:%d: [agency] is missing key '%s'", path,
					   c.section_line, pk_keys[k]);
	if (sodium_memcmp(tmp.root_pk, tmp.sign_pk, 32) == 0)
		return lfh_err_set(err, LFH_EINVAL, "%s:%d: root: the same key as sign (the root key must be "
				   "a separate key pair)", path, c.key_line[PK_ROOT]);
	lfh_key_id(tmp.sign_pk, tmp.key_id);
	*out = tmp;
	return 0;
}

int lfh_pubkeys_check_root(const lfh_pubkeys *pk, lfh_err *err)
{
	if (!crypto_core_ed25519_is_valid_point(pk->root_pk))
		return lfh_err_set(err, LFH_EINVAL, "root: not a valid Ed25519 public key");
	if (sodium_memcmp(pk->root_pk, pk->sign_pk, 32) == 0)
		return lfh_err_set(err, LFH_EINVAL, "root: the same key as sign (the root key must be a "
				   "separate key pair)");
	return 0;
}

int lfh_pubkeys_write(const lfh_pubkeys *pk, FILE *f, lfh_err *err)
{
	char root[65], sign[65], box[65], curve[41];
	int rc;

	if (!pk || !f)
		return lfh_err_set(err, LFH_EINVAL, "lfh_pubkeys_write: NULL argument");
	if (!lfh_name_valid(pk->agency))
		return lfh_err_set(err, LFH_EINVAL, "invalid agency id '%.40s'", pk->agency);
	if ((rc = sodium_ready(err)) != 0 || (rc = lfh_pubkeys_check_root(pk, err)) != 0)
		return rc;
	lfh_hex(root, pk->root_pk, 32);
	lfh_hex(sign, pk->sign_pk, 32);
	lfh_hex(box, pk->box_pk, 32);
	lfh_curve_z85(pk->curve_pk, curve);
	if (strlen(curve) != 40)
		return lfh_err_set(err, LFH_EINVAL, "cannot encode CURVE key as Z85");
	if (fprintf(f, "[agency]\nid = %s\nroot = %s\nsign = %s\nbox = %s\ncurve = %s\n", pk->agency,
		    root, sign, box, curve) < 0 ||
	    fflush(f) != 0 || ferror(f))
		return lfh_err_set(err, LFH_EIO, "writing public keys: %s", strerror(errno));
	return 0;
}

/* ------------------------------------------------------------------ */
/* key directory                                                       */
