/*
 * test_isa.c - unit tests for proto/isa.c and proto/isa_text.c: the shipped
 * example agreement, the canonical encoding, the text parser's reports,
 * the validity rules and the sharing rules.
 *
 * Run from the repository root (the example is read from deploy/examples).
 * The group setup copies it into a temporary directory under /tmp with a
 * keys/ directory of public key files made from fixed seeds, so hashes are
 * stable; the teardown removes the directory.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <msgpack.h>
#include <sodium.h>

#include "lfh/buf.h"
#include "lfh/err.h"
#include "lfh/identity.h"
#include "lfh/isa.h"
#include "lfh/isa_text.h"

#define EXAMPLE "deploy/examples/west-cumbria.isa"

static const char *const agencies[6] = {"police", "council", "housing", "health", "probation", "fire"};

static char dir[64];          /* the temporary directory */
static char *example;         /* the example's text */
static lfh_pubkeys keys[6];   /* agencies[i]'s public keys */
static lfh_isa isa0;          /* the example, parsed */
static lfh_isa_errors errs;

/* ---- files ---- */

static char *read_text(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc((size_t)n + 1);
	if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(f);
	if (p) {
		p[n] = '\0';
		if (len)
			*len = (size_t)n;
	}
	return p;
}

static void write_bytes(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* dir/name; static buffer. */
static const char *in_dir(const char *name)
{
	static char path[256];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return path;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p);
}

/* A copy of text with the one occurrence of old replaced by new. */
static char *replace(const char *text, const char *old, const char *new)
{
	const char *at = strstr(text, old);
	size_t a, n;
	char *out;

	if (!at || strstr(at + 1, old)) {
		print_error("'%s' does not occur exactly once\n", old);
		fail();
	}
	a = (size_t)(at - text);
	n = strlen(text) - strlen(old) + strlen(new);
	out = malloc(n + 1);
	assert_non_null(out);
	memcpy(out, text, a);
	strcpy(out + a, new);
	strcat(out, at + strlen(old));
	return out;
}

/* 1-based line of the first occurrence of needle in text. */
static unsigned line_of(const char *text, const char *needle)
{
	const char *at = strstr(text, needle);
	unsigned line = 1;

	assert_non_null(at);
	for (const char *p = text; p < at; p++)
		line += *p == '\n';
	return line;
}

/* Parse text written to dir/t.isa; returns the status. */
static int parse_text(const char *text, lfh_isa *out)
{
	lfh_err err = {0};
	int rc;

	write_bytes(in_dir("t.isa"), text, strlen(text));
	rc = lfh_isa_parse_file(in_dir("t.isa"), out, &errs, &err);
	if (rc != 0) {
		assert_true(errs.n >= 1);
		assert_string_equal(err.msg, errs.msg[0]);
	}
	return rc;
}

/* Some reported problem is "dir/t.isa:LINE: ..." and contains want. */
static void expect_problem(unsigned line, const char *want)
{
	char prefix[300];

	snprintf(prefix, sizeof prefix, "%s:%u: ", in_dir("t.isa"), line);
	for (size_t i = 0; i < errs.n; i++)
		if (!strncmp(errs.msg[i], prefix, strlen(prefix)) && strstr(errs.msg[i], want))
			return;
	print_error("no problem \"%s...%s\" among %zu:\n", prefix, want, errs.n);
	for (size_t i = 0; i < errs.n; i++)
		print_error("  %s\n", errs.msg[i]);
	fail();
}

/* text must fail to parse with exactly one problem, at line, mentioning want. */
static void expect_only(const char *text, unsigned line, const char *want)
{
	static lfh_isa isa;

	assert_int_equal(parse_text(text, &isa), LFH_EINVAL);
	expect_problem(line, want);
	if (errs.n != 1) {
		print_error("expected one problem, got %zu:\n", errs.n);
		for (size_t i = 0; i < errs.n; i++)
			print_error("  %s\n", errs.msg[i]);
		fail();
	}
	for (size_t i = 0; i < sizeof isa; i++) /* zeroed on failure */
		assert_int_equal(((uint8_t *)&isa)[i], 0);
}

/* ---- group setup: the example with key files ---- */

static int setup(void **state)
{
	char path[256];

	(void)state;
	if (sodium_init() < 0)
		return -1;
	strcpy(dir, "/tmp/lfh-test-isa.XXXXXX");
	if (!mkdtemp(dir) || !(example = read_text(EXAMPLE, NULL))) {
		fprintf(stderr, "cannot read %s (run from the repository root) or make a temp dir\n", EXAMPLE);
		return -1;
	}
	write_bytes(in_dir("west-cumbria.isa"), example, strlen(example));
	snprintf(path, sizeof path, "%s/keys", dir);
	if (mkdir(path, 0700) != 0)
		return -1;
	for (int i = 0; i < 6; i++) {
		uint8_t seed[32];
		lfh_identity *id = NULL;
		FILE *f;
		memset(seed, 0x10 + i, sizeof seed);
		if (lfh_identity_from_seed(agencies[i], seed, &id, NULL) != 0)
			return -1;
		keys[i] = id->pub;
		lfh_identity_free(id);
		snprintf(path, sizeof path, "%s/keys/%s.pub", dir, agencies[i]);
		if (!(f = fopen(path, "w")) || lfh_pubkeys_write(&keys[i], f, NULL) != 0 || fclose(f) != 0)
			return -1;
	}
	if (lfh_isa_parse_file(in_dir("west-cumbria.isa"), &isa0, &errs, NULL) != 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(example);
	if (dir[0])
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* ---- the example ---- */

static void test_example(void **state)
{
	static const char *const sorted[6] = {"council", "fire", "health", "housing", "police", "probation"};
	const lfh_isa_category *c;
	const lfh_isa_party *p;

	(void)state;
	assert_string_equal(isa0.hub, "west-cumbria");
	assert_int_equal(isa0.version, 1);
	assert_true(sodium_is_zero(isa0.prev, 32));
	assert_string_equal(isa0.effective, "2026-04-01");
	assert_string_equal(isa0.review, "2027-04-01");
	assert_true(isa0.npurposes >= 1);
	assert_non_null(strstr(isa0.lawful_basis, "Article 6(1)(e)"));
	assert_non_null(strstr(isa0.gateways[0], "section 115"));
	assert_int_equal(isa0.nparties, 6);
	for (int i = 0; i < 6; i++)
		assert_string_equal(isa0.parties[i].id, sorted[i]);
	for (int i = 0; i < 6; i++) {
		assert_non_null(p = lfh_isa_party_find(&isa0, agencies[i]));
		assert_memory_equal(p->root_pk, keys[i].root_pk, 32); /* from the key file */
		assert_memory_equal(p->sign_pk, keys[i].sign_pk, 32);
		assert_memory_equal(p->box_pk, keys[i].box_pk, 32);
		assert_memory_equal(p->curve_pk, keys[i].curve_pk, 32);
	}
	assert_string_equal(lfh_isa_party_find(&isa0, "police")->name, "Cumbria Constabulary");
	assert_null(lfh_isa_party_find(&isa0, "nhs"));
	assert_true(isa0.ncategories >= 8);
	for (uint32_t i = 1; i < isa0.ncategories; i++)
		assert_true(strcmp(isa0.categories[i - 1].name, isa0.categories[i].name) < 0);
	assert_non_null(c = lfh_isa_category_find(&isa0, "health"));
	assert_int_equal(c->kind, LFH_ISA_SPECIAL);
	assert_int_equal(c->rule, LFH_RULE_LEAD);
	assert_int_equal(c->nagencies, 1);
	assert_string_equal(c->agencies[0], "health");
	assert_int_equal(c->retention_days, 730);
	assert_non_null(c = lfh_isa_category_find(&isa0, "criminal-intel"));
	assert_int_equal(c->kind, LFH_ISA_CRIMINAL);
	assert_int_equal(c->rule, LFH_RULE_NAMED);
	assert_int_equal(c->nagencies, 2);
	assert_string_equal(c->agencies[0], "police");
	assert_string_equal(c->agencies[1], "probation");
	for (const char *const *n = (const char *const[]){"referral", "personal", "safeguarding", "housing",
							     "actions", "meeting-notes", NULL}; *n; n++)
		assert_non_null(lfh_isa_category_find(&isa0, *n));
	assert_null(lfh_isa_category_find(&isa0, "gossip"));
	assert_int_equal(isa0.nsigners, 0);
	assert_int_equal(lfh_isa_validate(&isa0, NULL), 0);
}

static void test_party_pubkeys(void **state)
{
	lfh_pubkeys pk;

	(void)state;
	lfh_isa_party_pubkeys(lfh_isa_party_find(&isa0, "housing"), &pk);
	assert_string_equal(pk.agency, "housing");
	assert_memory_equal(pk.root_pk, keys[2].root_pk, 32);
	assert_memory_equal(pk.sign_pk, keys[2].sign_pk, 32);
	assert_memory_equal(pk.key_id, keys[2].key_id, LFH_KEYID_LEN);
}

/* ---- encoding ---- */

static int buf_write(void *data, const char *p, size_t n)
{
	return lfh_buf_append(data, p, n) == 0 ? 0 : -1;
}

static void pk_str(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str_with_body(pk, s, strlen(s));
}

/* Options for packing an ISA by hand, independently of proto/isa.c. */
typedef struct rawopt {
	const char *magic; /* NULL: "lfh-isa-v1" */
	int wide_version;  /* version as uint64 (0xcf) */
	int str8_hub;      /* hub as str8 */
	int extra;         /* a 13th element */
	int no_root;       /* parties without root (8 elements) */
} rawopt;

static void raw_isa(const lfh_isa *isa, const rawopt *o, lfh_buf *out)
{
	msgpack_packer pk;

	msgpack_packer_init(&pk, out, buf_write);
	msgpack_pack_array(&pk, o->extra ? 13 : 12);
	pk_str(&pk, o->magic ? o->magic : "lfh-isa-v1");
	if (o->str8_hub) {
		uint8_t h[2] = {0xd9, (uint8_t)strlen(isa->hub)};
		assert_int_equal(lfh_buf_append(out, h, 2), 0);
		assert_int_equal(lfh_buf_append(out, isa->hub, strlen(isa->hub)), 0);
	} else {
		pk_str(&pk, isa->hub);
	}
	if (o->wide_version)
		msgpack_pack_fix_uint64(&pk, isa->version);
	else
		msgpack_pack_uint32(&pk, isa->version);
	msgpack_pack_bin_with_body(&pk, isa->prev, 32);
	pk_str(&pk, isa->effective);
	pk_str(&pk, isa->review);
	msgpack_pack_array(&pk, isa->npurposes);
	for (uint32_t i = 0; i < isa->npurposes; i++)
		pk_str(&pk, isa->purposes[i]);
	pk_str(&pk, isa->lawful_basis);
	msgpack_pack_array(&pk, isa->ngateways);
	for (uint32_t i = 0; i < isa->ngateways; i++)
		pk_str(&pk, isa->gateways[i]);
	msgpack_pack_array(&pk, isa->nparties);
	for (uint32_t i = 0; i < isa->nparties; i++) {
		const lfh_isa_party *p = &isa->parties[i];
		msgpack_pack_array(&pk, o->no_root ? 8 : 9);
		pk_str(&pk, p->id);
		pk_str(&pk, p->name);
		pk_str(&pk, p->role);
		pk_str(&pk, p->controller);
		if (!o->no_root)
			msgpack_pack_bin_with_body(&pk, p->root_pk, 32);
		msgpack_pack_bin_with_body(&pk, p->sign_pk, 32);
		msgpack_pack_bin_with_body(&pk, p->box_pk, 32);
		msgpack_pack_bin_with_body(&pk, p->curve_pk, 32);
		pk_str(&pk, p->endpoint);
	}
	msgpack_pack_array(&pk, isa->ncategories);
	for (uint32_t i = 0; i < isa->ncategories; i++) {
		const lfh_isa_category *c = &isa->categories[i];
		msgpack_pack_array(&pk, 5);
		pk_str(&pk, c->name);
		msgpack_pack_uint8(&pk, (uint8_t)c->kind);
		msgpack_pack_uint8(&pk, (uint8_t)c->rule);
		msgpack_pack_array(&pk, c->nagencies);
		for (uint32_t k = 0; k < c->nagencies; k++)
			pk_str(&pk, c->agencies[k]);
		msgpack_pack_uint32(&pk, c->retention_days);
	}
	msgpack_pack_array(&pk, isa->nsigners);
	for (uint32_t i = 0; i < isa->nsigners; i++)
		pk_str(&pk, isa->signers[i]);
	if (o->extra)
		msgpack_pack_nil(&pk);
}

static int decode_expect(const uint8_t *raw, size_t len, const char *want)
{
	static lfh_isa d;
	lfh_err err = {0};
	int rc = lfh_isa_decode(raw, len, &d, &err);

	if (rc != 0 && want && !strstr(err.msg, want)) {
		print_error("error \"%s\" does not mention \"%s\"\n", err.msg, want);
		fail();
	}
	if (rc != 0) {
		assert_int_equal(err.code, rc);
		assert_int_equal(d.nparties, 0); /* zeroed */
		assert_int_equal(d.hub[0], 0);
	}
	return rc;
}

static void test_roundtrip(void **state)
{
	static lfh_isa d;
	lfh_buf a = {0}, b = {0}, raw = {0};
	rawopt o = {0};
	uint8_t h1[32], h2[32];
	lfh_err err;

	(void)state;
	assert_int_equal(lfh_buf_append(&a, "x", 1), 0); /* encode appends */
	assert_int_equal(lfh_isa_encode(&isa0, &a, &err), 0);
	assert_int_equal(a.data[1], 0x9c); /* fixarray 12 */
	assert_int_equal(lfh_isa_decode(a.data + 1, a.len - 1, &d, &err), 0);
	assert_memory_equal(&d, &isa0, sizeof d);
	assert_int_equal(lfh_isa_encode(&d, &b, &err), 0);
	assert_int_equal(b.len, a.len - 1);
	assert_memory_equal(b.data, a.data + 1, b.len);
	/* an independent packer gives the same bytes */
	raw_isa(&isa0, &o, &raw);
	assert_int_equal(raw.len, b.len);
	assert_memory_equal(raw.data, b.data, b.len);
	/* hash = BLAKE2b-256 of the encoding */
	lfh_isa_hash(b.data, b.len, h1);
	crypto_generichash(h2, 32, b.data, b.len, NULL, 0);
	assert_memory_equal(h1, h2, 32);
	assert_int_equal(lfh_isa_hash_of(&isa0, h2, &err), 0);
	assert_memory_equal(h1, h2, 32);
	/* a later version with prev, named signers and an "all" category */
	d.version = 2;
	memcpy(d.prev, h1, 32);
	d.nsigners = 2;
	strcpy(d.signers[0], "council");
	strcpy(d.signers[1], "police");
	d.categories[0].rule = LFH_RULE_ALL;
	d.categories[0].nagencies = 0;
	memset(d.categories[0].agencies, 0, sizeof d.categories[0].agencies);
	lfh_buf_reset(&b);
	assert_int_equal(lfh_isa_encode(&d, &b, &err), 0);
	{
		static lfh_isa e;
		assert_int_equal(lfh_isa_decode(b.data, b.len, &e, &err), 0);
		assert_memory_equal(&d, &e, sizeof e);
	}
	lfh_buf_free(&a);
	lfh_buf_free(&b);
	lfh_buf_free(&raw);
}

/* The root key: encoded as a bin32 just before sign, decoded back, hashed. */
static void test_root_encoding(void **state)
{
	static lfh_isa d, other;
	lfh_buf enc = {0}, enc2 = {0};
	uint8_t h0[32], h1[32], pk[32], sk[64];
	uint8_t want[2 + 32 + 2 + 32];
	const lfh_isa_party *p;

	(void)state;
	assert_int_equal(lfh_isa_encode(&isa0, &enc, NULL), 0);
	/* every party: c4 20 <root> c4 20 <sign> */
	for (uint32_t i = 0; i < isa0.nparties; i++) {
		p = &isa0.parties[i];
		want[0] = 0xc4, want[1] = 0x20;
		memcpy(want + 2, p->root_pk, 32);
		want[34] = 0xc4, want[35] = 0x20;
		memcpy(want + 36, p->sign_pk, 32);
		size_t at = 0;
		while (at + sizeof want <= enc.len && memcmp(enc.data + at, want, sizeof want) != 0)
			at++;
		assert_true(at + sizeof want <= enc.len);
	}
	assert_int_equal(lfh_isa_decode(enc.data, enc.len, &d, NULL), 0);
	for (uint32_t i = 0; i < isa0.nparties; i++)
		assert_memory_equal(d.parties[i].root_pk, isa0.parties[i].root_pk, 32);
	/* another root for one party: another version hash */
	other = isa0;
	crypto_sign_keypair(pk, sk);
	memcpy(other.parties[3].root_pk, pk, 32);
	assert_int_equal(lfh_isa_hash_of(&isa0, h0, NULL), 0);
	assert_int_equal(lfh_isa_hash_of(&other, h1, NULL), 0);
	assert_memory_not_equal(h0, h1, 32);
	assert_int_equal(lfh_isa_encode(&other, &enc2, NULL), 0);
	assert_int_equal(lfh_isa_decode(enc2.data, enc2.len, &d, NULL), 0);
	assert_memory_equal(d.parties[3].root_pk, pk, 32);
	assert_memory_equal(&d, &other, sizeof d);
	lfh_buf_reset(&enc2);
	/* parties of 8 elements (without root, the layout before root keys) are refused */
	{
		rawopt o = {0};
		o.no_root = 1;
		raw_isa(&isa0, &o, &enc2);
		assert_int_equal(decode_expect(enc2.data, enc2.len, "[id, name, role, controller, root, sign,"),
				 LFH_ECODEC);
		lfh_buf_reset(&enc2);
	}
	/* an invalid root point is refused by the decoder */
	other = isa0;
	memset(other.parties[0].root_pk, 0, 32);
	{
		rawopt o = {0};
		raw_isa(&other, &o, &enc2);
		assert_int_equal(decode_expect(enc2.data, enc2.len, "parties[council].root: not a valid Ed25519"),
				 LFH_ECODEC);
	}
	lfh_buf_free(&enc);
	lfh_buf_free(&enc2);
}

static void test_hash_stable(void **state)
{
	static lfh_isa again, reordered;
	static const char police[] = "  { id = \"police\";\n"
				     "    name = \"Cumbria Constabulary\";\n"
				     "    role = \"police\";\n"
				     "    controller = \"independent controller\";\n"
				     "    endpoint = \"tcp://lfh.police.example:7101\";\n"
				     "    keys = \"keys/police.pub\"; }";
	static const char referral[] = "  { name = \"referral\"; kind = \"personal\"; receive = \"participants\";\n"
				       "    retention_days = 2190; }";
	char cut[512], *t, *u;
	uint8_t h0[32], h1[32], h2[32];

	(void)state;
	assert_int_equal(lfh_isa_hash_of(&isa0, h0, NULL), 0);
	assert_int_equal(lfh_isa_parse_file(in_dir("west-cumbria.isa"), &again, NULL, NULL), 0);
	assert_int_equal(lfh_isa_hash_of(&again, h1, NULL), 0);
	assert_memory_equal(h0, h1, 32);
	/* lists in another order, other comments and layout: the same version */
	t = replace(example, "agencies = [ \"police\", \"probation\" ]", "agencies = [\"probation\",\"police\"]");
	u = replace(t, "# Who must sign the next version", "# signers:\n# (any comment)");
	free(t);
	snprintf(cut, sizeof cut, "%s,\n\n", police); /* the police party last */
	t = replace(u, cut, "");
	free(u);
	snprintf(cut, sizeof cut, "    keys = \"keys/fire.pub\"; },\n%s\n);", police);
	u = replace(t, "    keys = \"keys/fire.pub\"; }\n);", cut);
	free(t);
	snprintf(cut, sizeof cut, "%s,\n", referral); /* the referral category last */
	t = replace(u, cut, "");
	free(u);
	snprintf(cut, sizeof cut, "    retention_days = 1095; },\n%s\n);", referral);
	u = replace(t, "    retention_days = 1095; }\n);", cut);
	free(t);
	assert_true(line_of(u, "{ id = \"police\"") > line_of(u, "{ id = \"fire\""));
	assert_int_equal(parse_text(u, &reordered), 0);
	assert_int_equal(lfh_isa_hash_of(&reordered, h2, NULL), 0);
	assert_memory_equal(h0, h2, 32);
	free(u);
	/* any change changes the hash */
	reordered.categories[0].retention_days++;
	assert_int_equal(lfh_isa_hash_of(&reordered, h2, NULL), 0);
	assert_memory_not_equal(h0, h2, 32);
}

static void test_canonical(void **state)
{
	static lfh_isa sw;
	lfh_buf enc = {0}, raw = {0};
	rawopt o;
	lfh_isa_party tmp;
	uint8_t *big;

	(void)state;
	assert_int_equal(lfh_isa_encode(&isa0, &enc, NULL), 0);
	/* parties out of order */
	sw = isa0;
	tmp = sw.parties[0];
	sw.parties[0] = sw.parties[1];
	sw.parties[1] = tmp;
	memset(&o, 0, sizeof o);
	raw_isa(&sw, &o, &raw);
	assert_int_equal(decode_expect(raw.data, raw.len, "out of order"), LFH_ECODEC);
	assert_int_equal(lfh_isa_encode(&sw, &raw, NULL), LFH_EINVAL);
	/* category agencies out of order */
	sw = isa0;
	{
		lfh_isa_category *c = (lfh_isa_category *)lfh_isa_category_find(&sw, "criminal-intel");
		strcpy(c->agencies[0], "probation");
		strcpy(c->agencies[1], "police");
	}
	lfh_buf_reset(&raw);
	raw_isa(&sw, &o, &raw);
	assert_int_equal(decode_expect(raw.data, raw.len, "categories[criminal-intel].agencies"), LFH_ECODEC);
	/* non-smallest forms */
	o.wide_version = 1;
	lfh_buf_reset(&raw);
	raw_isa(&isa0, &o, &raw);
	assert_int_equal(decode_expect(raw.data, raw.len, "non-canonical"), LFH_ECODEC);
	memset(&o, 0, sizeof o);
	o.str8_hub = 1;
	lfh_buf_reset(&raw);
	raw_isa(&isa0, &o, &raw);
	assert_int_equal(decode_expect(raw.data, raw.len, "non-canonical"), LFH_ECODEC);
	/* a 13th element, another format */
	memset(&o, 0, sizeof o);
	o.extra = 1;
	lfh_buf_reset(&raw);
	raw_isa(&isa0, &o, &raw);
	assert_int_equal(decode_expect(raw.data, raw.len, "12 elements"), LFH_ECODEC);
	memset(&o, 0, sizeof o);
	o.magic = "lfh-isa-v2";
	lfh_buf_reset(&raw);
	raw_isa(&isa0, &o, &raw);
	assert_int_equal(decode_expect(raw.data, raw.len, "lfh-isa-v2"), LFH_EVERSION);
	o.magic = "lfh-hub-v1";
	lfh_buf_reset(&raw);
	raw_isa(&isa0, &o, &raw);
	assert_int_equal(decode_expect(raw.data, raw.len, "format"), LFH_ECODEC);
	/* trailing byte, every truncation */
	lfh_buf_reset(&raw);
	assert_int_equal(lfh_buf_append(&raw, enc.data, enc.len), 0);
	assert_int_equal(lfh_buf_append(&raw, "", 1), 0);
	assert_int_equal(decode_expect(raw.data, raw.len, "malformed"), LFH_ECODEC);
	for (size_t n = 0; n < enc.len; n++) {
		uint8_t *c = malloc(n ? n : 1); /* exact size, so ASan sees overreads */
		assert_non_null(c);
		memcpy(c, enc.data, n);
		assert_int_equal(decode_expect(c, n, NULL), LFH_ECODEC);
		free(c);
	}
	/* too big */
	big = calloc(1, LFH_ISA_ENCODED_MAX + 1);
	assert_non_null(big);
	assert_int_equal(decode_expect(big, LFH_ISA_ENCODED_MAX + 1, "exceeds"), LFH_ETOOBIG);
	free(big);
	lfh_buf_free(&enc);
	lfh_buf_free(&raw);
}

/* A bit flip in every byte is refused or decodes to a valid, different ISA. */
static void test_bitflips(void **state)
{
	static lfh_isa d;
	lfh_buf enc = {0};
	uint8_t h0[32], h[32];
	size_t refused = 0;

	(void)state;
	assert_int_equal(lfh_isa_encode(&isa0, &enc, NULL), 0);
	lfh_isa_hash(enc.data, enc.len, h0);
	for (size_t i = 0; i < enc.len; i++)
		for (int bit = (int)(i % 8); bit == (int)(i % 8); bit++) {
			enc.data[i] ^= (uint8_t)(1u << bit);
			if (lfh_isa_decode(enc.data, enc.len, &d, NULL) != 0) {
				refused++;
			} else {
				assert_int_equal(lfh_isa_validate(&d, NULL), 0);
				assert_int_equal(lfh_isa_hash_of(&d, h, NULL), 0);
				assert_memory_not_equal(h, h0, 32);
			}
			enc.data[i] ^= (uint8_t)(1u << bit);
		}
	assert_true(refused > 0);
	lfh_buf_free(&enc);
}

static void test_hostile_bytes(void **state)
{
	static lfh_isa d;
	static const uint8_t seed[randombytes_SEEDBYTES] = {7};
	static const uint8_t huge[][6] = {
		{0xdd, 0xff, 0xff, 0xff, 0xff, 0x01},
		{0xdf, 0xff, 0xff, 0xff, 0xff, 0x01},
		{0x9c, 0xdb, 0xff, 0xff, 0xff, 0xff},
		{0x9c, 0xaa, 'l', 'f', 'h', '-'},
	};
	uint8_t *pool = malloc(4096);

	(void)state;
	assert_non_null(pool);
	for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++)
		for (size_t n = 0; n <= 6; n++)
			assert_int_not_equal(lfh_isa_decode(huge[i], n, &d, NULL), 0);
	randombytes_buf_deterministic(pool, 4096, seed);
	for (size_t off = 0; off + 64 <= 4096; off += 16) {
		pool[off] = 0x9c; /* look like the start of an ISA */
		assert_int_not_equal(lfh_isa_decode(pool + off, 64, &d, NULL), 0);
	}
	free(pool);
}

/* ---- the text parser's reports ---- */

static void test_text_syntax_error(void **state)
{
	char *t = replace(example, "version = 1;", "version = 1;\nreview = ;");

	(void)state;
	expect_only(t, line_of(t, "review = ;"), "syntax error");
	free(t);
}

static void test_text_unknown_setting(void **state)
{
	char *t = replace(example, "version = 1;", "version = 1;\ncolour = \"blue\";");
	char *u;

	(void)state;
	expect_only(t, line_of(t, "colour"), "unknown setting 'colour'");
	free(t);
	t = replace(example, "    role = \"probation\";", "    role = \"probation\"; phone = \"0\";");
	expect_only(t, line_of(t, "phone ="), "parties[probation]: unknown setting 'phone'");
	free(t);
	t = replace(example, "retention_days = 730; },\n  { name = \"criminal-intel\"",
		    "retention_days = 730; colour = 1; },\n  { name = \"criminal-intel\"");
	u = t;
	expect_only(u, line_of(u, "colour"), "categories[health]: unknown setting 'colour'");
	free(u);
}

static void test_text_missing(void **state)
{
	const char *a = strstr(example, "lawful_basis = ");
	const char *b = strchr(a, '\n');
	char *t = malloc(strlen(example) + 1);

	(void)state;
	assert_non_null(t);
	memcpy(t, example, (size_t)(a - example));
	strcpy(t + (a - example), b + 1);
	expect_only(t, 1, "missing required setting 'lawful_basis'");
	free(t);
	t = replace(example, "    name = \"Recovery Steps Cumbria\";\n", "");
	expect_only(t, line_of(t, "{ id = \"health\""), "parties[health]: missing 'name'");
	free(t);
	t = replace(example, "    keys = \"keys/fire.pub\"; }", "  }");
	expect_only(t, line_of(t, "{ id = \"fire\""), "parties[fire]: missing keys");
	free(t);
}

static void test_text_duplicates(void **state)
{
	char *t = replace(example, "\n);\n\n# Data categories.",
			  ",\n  { id = \"police\"; name = \"Again\"; role = \"police\"; controller = \"x\";\n"
			  "    endpoint = \"tcp://x:1\"; keys = \"keys/police.pub\"; }\n);\n\n# Data categories.");
	char want[64];

	(void)state;
	snprintf(want, sizeof want, "parties: 'police' listed twice (first at line %u)",
		 line_of(t, "{ id = \"police\""));
	expect_only(t, line_of(t, "name = \"Again\""), want);
	free(t);
	t = replace(example, "agencies = [ \"police\", \"probation\" ]", "agencies = [ \"police\", \"probation\", \"police\" ]");
	expect_only(t, line_of(t, "\"probation\", \"police\""), "categories[criminal-intel].agencies: 'police' listed twice");
	free(t);
	t = replace(example, "{ name = \"actions\";", "{ name = \"health\";");
	expect_only(t, line_of(t, "{ name = \"health\"; kind = \"personal\""), "categories: 'health' listed twice");
	free(t);
}

static void test_text_rules(void **state)
{
	char *t;

	(void)state;
	t = replace(example, "agencies = [ \"health\" ]", "agencies = [ \"nhs\" ]");
	expect_only(t, line_of(t, "\"nhs\""), "categories[health].agencies: 'nhs' is not a party");
	free(t);
	t = replace(example, "effective = \"2026-04-01\"", "effective = \"2026-02-29\"");
	expect_only(t, line_of(t, "effective ="), "effective: not a real date");
	free(t);
	t = replace(example, "effective = \"2026-04-01\"", "effective = \"2028-02-29\""); /* leap year */
	expect_only(t, line_of(t, "review ="), "review: 2027-04-01 is not after the effective date 2028-02-29");
	free(t);
	t = replace(example, "review = \"2027-04-01\"", "review = \"2026-04-01\"");
	expect_only(t, line_of(t, "review ="), "is not after the effective date");
	free(t);
	t = replace(example, "version = 1;", "version = 2;");
	expect_only(t, line_of(t, "version ="), "prev: required when version > 1");
	free(t);
	t = replace(example, "# prev = \"<64 hex>\";", "prev = \"0101010101010101010101010101010101010101010101010101010101010101\";");
	expect_only(t, line_of(t, "prev ="), "prev: not allowed in version 1");
	free(t);
	t = replace(example, "version = 1;\n# prev = \"<64 hex>\";", "version = 2;\nprev = \"12ab\";");
	expect_only(t, line_of(t, "prev ="), "prev: expected 64 hex digits");
	free(t);
	t = replace(example, "endpoint = \"tcp://lfh.fire.example:7101\"", "endpoint = \"lfh.fire.example:7101\"");
	expect_only(t, line_of(t, "lfh.fire.example"), "parties[fire].endpoint: must be tcp://");
	free(t);
	t = replace(example, "retention_days = 730; },\n  { name = \"criminal-intel\"",
		    "retention_days = 0; },\n  { name = \"criminal-intel\"");
	expect_only(t, line_of(t, "retention_days = 0"), "categories[health].retention_days: 0 out of range");
	free(t);
	t = replace(example, "kind = \"criminal\"", "kind = \"secret\"");
	expect_only(t, line_of(t, "secret"), "'secret' is not one of personal, special or criminal");
	free(t);
	t = replace(example, "receive = \"named\";\n    agencies = [ \"police\", \"probation\" ];", "receive = \"named\";");
	expect_only(t, line_of(t, "receive = \"named\""), "receive = \"named\" needs at least one agency");
	free(t);
	t = replace(example, "next_signers = \"all\";", "next_signers = [ \"police\", \"nhs\" ];");
	expect_only(t, line_of(t, "next_signers ="), "next_signers[0]: 'nhs' is not a party");
	free(t);
	t = replace(example, "version = 1;", "version = \"1\";");
	expect_only(t, line_of(t, "version ="), "version: expected a whole number, got a string");
	free(t);
	t = replace(example, "version = 1;", "version = 4294967297;");
	expect_only(t, line_of(t, "version ="), "number 4294967297 is too large");
	free(t);
	t = replace(example, "hub = \"west-cumbria\";", "hub = \"west-cumbria\";\n@include \"/etc/passwd\"");
	expect_only(t, line_of(t, "@include"), "@include");
	free(t);
}

/* police's keys written inline (root on a line of its own, unless root is NULL) */
static char *police_inline(const char *root, const char *sign, const char *box, const char *curve)
{
	char inline_keys[400], r[100] = "";

	if (root)
		snprintf(r, sizeof r, "root = \"%s\";\n    ", root);
	snprintf(inline_keys, sizeof inline_keys, "%ssign = \"%s\"; box = \"%s\";\n    curve = \"%s\";", r,
		 sign, box, curve);
	return replace(example, "keys = \"keys/police.pub\";", inline_keys);
}

static void test_text_keys(void **state)
{
	static lfh_isa inl;
	char root[65], sign[65], box[65], curve[41], *t;
	uint8_t h0[32], h1[32];

	(void)state;
	/* inline keys give the same agreement as the key file */
	lfh_hex(root, keys[0].root_pk, 32);
	lfh_hex(sign, keys[0].sign_pk, 32);
	lfh_hex(box, keys[0].box_pk, 32);
	lfh_curve_z85(keys[0].curve_pk, curve);
	t = police_inline(root, sign, box, curve);
	assert_int_equal(parse_text(t, &inl), 0);
	assert_int_equal(lfh_isa_hash_of(&isa0, h0, NULL), 0);
	assert_int_equal(lfh_isa_hash_of(&inl, h1, NULL), 0);
	assert_memory_equal(h0, h1, 32);
	free(t);
	/* a bad inline key */
	box[5] = 'x';
	t = police_inline(root, sign, box, curve);
	expect_only(t, line_of(t, box), "parties[police].box: expected 64 hex digits");
	free(t);
	/* not a valid Ed25519 point */
	memset(sign, '0', 64);
	box[5] = '0';
	lfh_hex(box, keys[0].box_pk, 32);
	t = police_inline(root, sign, box, curve);
	expect_only(t, line_of(t, sign), "parties[police].sign: not a valid Ed25519 public key");
	free(t);
	lfh_hex(sign, keys[0].sign_pk, 32);
	/* both forms */
	t = replace(example, "keys = \"keys/police.pub\";", "keys = \"keys/police.pub\"; box = \"00\";");
	expect_only(t, line_of(t, "keys/police.pub"), "either keys");
	free(t);
	t = replace(example, "keys = \"keys/police.pub\";", "keys = \"keys/police.pub\";\n    root = \"00\";");
	expect_only(t, line_of(t, "keys/police.pub"), "either keys");
	free(t);
	/* another agency's key file; a missing one */
	t = replace(example, "keys = \"keys/fire.pub\"", "keys = \"keys/police.pub\"");
	expect_only(t, line_of(t, "lfh.fire.example") + 1, "is the key file of agency 'police', not 'fire'");
	free(t);
	t = replace(example, "keys = \"keys/fire.pub\"", "keys = \"keys/nope.pub\"");
	expect_only(t, line_of(t, "nope.pub"), "parties[fire].keys:");
	free(t);
	/* two parties with one key: fire's file carries police's keys */
	{
		lfh_pubkeys pk = keys[0];
		FILE *f = fopen(in_dir("fire2.pub"), "w");
		strcpy(pk.agency, "fire");
		assert_non_null(f);
		assert_int_equal(lfh_pubkeys_write(&pk, f, NULL), 0);
		fclose(f);
	}
	t = replace(example, "keys = \"keys/fire.pub\"", "keys = \"fire2.pub\"");
	assert_int_equal(parse_text(t, &inl), LFH_EINVAL);
	expect_problem(line_of(t, "keys/police.pub"), "parties[police].sign: the same key as parties[fire].sign");
	expect_problem(line_of(t, "keys/police.pub"), "parties[police].curve: the same key as parties[fire].curve");
	expect_problem(line_of(t, "keys/police.pub"), "parties[police].root: the same key as parties[fire].root");
	assert_int_equal(errs.n, 4);
	free(t);
}

/* The root key in the text form: required, a valid point, a key of its own. */
static void test_text_root(void **state)
{
	static lfh_isa inl;
	char root[65], sign[65], box[65], curve[41], other[65], *t;

	(void)state;
	lfh_hex(root, keys[0].root_pk, 32);
	lfh_hex(sign, keys[0].sign_pk, 32);
	lfh_hex(box, keys[0].box_pk, 32);
	lfh_curve_z85(keys[0].curve_pk, curve);
	/* inline keys without root: named, on the party's line */
	t = police_inline(NULL, sign, box, curve);
	expect_only(t, line_of(t, "{ id = \"police\""), "parties[police]: missing 'root'");
	free(t);
	/* not hex, not a point */
	t = police_inline("12ab", sign, box, curve);
	expect_only(t, line_of(t, "    root = "), "parties[police].root: expected 64 hex digits (an Ed25519 public key)");
	free(t);
	memset(other, '0', 64);
	other[64] = '\0';
	t = police_inline(other, sign, box, curve);
	expect_only(t, line_of(t, "    root = "), "parties[police].root: not a valid Ed25519 public key");
	free(t);
	/* the party's own sign key as its root: refused */
	t = police_inline(sign, sign, box, curve);
	expect_only(t, line_of(t, "    root = "),
		    "parties[police].root: the same key as parties[police].sign (the root key must be a separate");
	free(t);
	/* another party's root: refused */
	lfh_hex(other, keys[1].root_pk, 32); /* council's */
	t = police_inline(other, sign, box, curve);
	expect_only(t, line_of(t, "    root = "), "parties[police].root: the same key as parties[council].root");
	free(t);
	/* another party's sign key as root: refused */
	lfh_hex(other, keys[5].sign_pk, 32); /* fire's */
	t = police_inline(other, sign, box, curve);
	expect_only(t, line_of(t, "    root = "), "parties[police].root: the same key as parties[fire].sign");
	free(t);
	/* a key file without root: the file's problem, named, on the keys line */
	{
		char sig[65], bx[65], cv[41];
		FILE *f = fopen(in_dir("old.pub"), "w");
		lfh_hex(sig, keys[5].sign_pk, 32);
		lfh_hex(bx, keys[5].box_pk, 32);
		lfh_curve_z85(keys[5].curve_pk, cv);
		assert_non_null(f);
		fprintf(f, "[agency]\nid = fire\nsign = %s\nbox = %s\ncurve = %s\n", sig, bx, cv);
		fclose(f);
	}
	t = replace(example, "keys = \"keys/fire.pub\"", "keys = \"old.pub\"");
	expect_only(t, line_of(t, "old.pub"), "missing key 'root'");
	free(t);
	/* the root goes into the struct */
	t = police_inline(root, sign, box, curve);
	assert_int_equal(parse_text(t, &inl), 0);
	assert_memory_equal(lfh_isa_party_find(&inl, "police")->root_pk, keys[0].root_pk, 32);
	free(t);
}

static void test_text_files(void **state)
{
	static lfh_isa isa;
	lfh_err err;
	uint8_t *junk;
	size_t n;

	(void)state;
	expect_only("", 1, "no settings");
	expect_only("# just a comment\n\n", 1, "no settings");
	/* binary: a NUL byte, or random bytes without one */
	junk = malloc(3000);
	assert_non_null(junk);
	randombytes_buf_deterministic(junk, 3000, (const uint8_t[randombytes_SEEDBYTES]){1});
	junk[1500] = 0;
	junk[0] = 'a';
	write_bytes(in_dir("t.isa"), junk, 3000);
	assert_int_equal(lfh_isa_parse_file(in_dir("t.isa"), &isa, &errs, &err), LFH_EINVAL);
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.msg[0], "binary data"));
	for (size_t i = 0; i < 3000; i++)
		junk[i] = junk[i] ? junk[i] : 1;
	write_bytes(in_dir("t.isa"), junk, 3000);
	assert_int_equal(lfh_isa_parse_file(in_dir("t.isa"), &isa, &errs, &err), LFH_EINVAL);
	assert_true(errs.n >= 1);
	free(junk);
	/* 300 KiB */
	n = 300 * 1024;
	junk = malloc(n);
	assert_non_null(junk);
	memset(junk, '#', n);
	write_bytes(in_dir("t.isa"), junk, n);
	assert_int_equal(lfh_isa_parse_file(in_dir("t.isa"), &isa, &errs, &err), LFH_ETOOBIG);
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.msg[0], "too large"));
	assert_non_null(strstr(err.msg, "too large"));
	free(junk);
	/* no such file, a directory */
	assert_int_equal(lfh_isa_parse_file(in_dir("absent.isa"), &isa, &errs, &err), LFH_ENOTFOUND);
	assert_int_equal(errs.n, 1);
	assert_int_equal(lfh_isa_parse_file(dir, &isa, NULL, NULL), LFH_EIO);
	assert_int_equal(lfh_isa_parse_file(NULL, &isa, NULL, NULL), LFH_EINVAL);
}

/* Several problems in one file: all reported, sorted by line. */
static void test_text_many_problems(void **state)
{
	static lfh_isa isa;
	char *t = replace(example, "version = 1;", "version = 2;\ncolour = 1;");
	char *u = replace(t, "effective = \"2026-04-01\"", "effective = \"2026-13-01\"");
	char *v = replace(u, "agencies = [ \"health\" ]", "agencies = [ \"nhs\", \"gp\" ]");
	char *w = replace(v, "next_signers = \"all\";", "next_signers = \"some\";");

	(void)state;
	assert_int_equal(parse_text(w, &isa), LFH_EINVAL);
	expect_problem(line_of(w, "version ="), "prev: required");
	expect_problem(line_of(w, "colour"), "unknown setting 'colour'");
	expect_problem(line_of(w, "effective ="), "effective: not a real date");
	expect_problem(line_of(w, "\"nhs\""), "'nhs' is not a party");
	expect_problem(line_of(w, "\"nhs\""), "'gp' is not a party");
	expect_problem(line_of(w, "next_signers ="), "next_signers: expected \"all\"");
	assert_int_equal(errs.n, 6);
	for (size_t i = 1; i < errs.n; i++) {
		unsigned a = (unsigned)atoi(errs.msg[i - 1] + strlen(in_dir("t.isa")) + 1);
		unsigned b = (unsigned)atoi(errs.msg[i] + strlen(in_dir("t.isa")) + 1);
		assert_true(a <= b);
	}
	free(t);
	free(u);
	free(v);
	free(w);
}

/* More problems than LFH_ISA_MAX_ERRORS: the last message says how many more. */
static void test_text_error_cap(void **state)
{
	static lfh_isa isa;
	lfh_buf b = {0};

	(void)state;
	for (int i = 0; i < 100; i++) {
		char line[64];
		int n = snprintf(line, sizeof line, "unknown%d = 1;\n", i);
		assert_int_equal(lfh_buf_append(&b, line, (size_t)n), 0);
	}
	assert_int_equal(lfh_buf_append(&b, "", 1), 0);
	assert_int_equal(parse_text((const char *)b.data, &isa), LFH_EINVAL);
	assert_int_equal(errs.n, LFH_ISA_MAX_ERRORS);
	assert_non_null(strstr(errs.msg[LFH_ISA_MAX_ERRORS - 1], "more problems not shown"));
	lfh_buf_free(&b);
}

/* Random damage to the example: never a crash, and never an invalid result. */
static void test_text_mutations(void **state)
{
	static lfh_isa isa;
	size_t len = strlen(example);
	char *t = malloc(len + 1);
	uint32_t r[4];

	(void)state;
	assert_non_null(t);
	for (uint32_t iter = 0; iter < 400; iter++) {
		uint8_t seed[randombytes_SEEDBYTES] = {0};
		memcpy(seed, &iter, sizeof iter);
		randombytes_buf_deterministic(r, sizeof r, seed);
		memcpy(t, example, len + 1);
		for (int k = 0; k < 1 + (int)(r[0] % 4); k++) {
			size_t at = r[(k + 1) % 4] % len;
			static const char bytes[] = "\";{}()[]=,#/*@0123456789-\n \\x";
			t[at] = bytes[(r[k % 4] >> 8) % (sizeof bytes - 1)];
			r[(k + 1) % 4] = r[(k + 1) % 4] * 2654435761u + 1;
		}
		if (parse_text(t, &isa) == 0)
			assert_int_equal(lfh_isa_validate(&isa, NULL), 0);
	}
	free(t);
}

/* ---- validity rules on the struct ---- */

typedef void (*mutation)(lfh_isa *);

static void m_hub(lfh_isa *i) { strcpy(i->hub, "west\tcumbria"); }
static void m_version(lfh_isa *i) { i->version = 0; }
static void m_prev1(lfh_isa *i) { i->prev[3] = 1; }
static void m_prev2(lfh_isa *i) { i->version = 2; }
static void m_date(lfh_isa *i) { strcpy(i->effective, "2027-02-29"); }
static void m_date2(lfh_isa *i) { strcpy(i->review, "2027-4-01"); }
static void m_purposes(lfh_isa *i) { i->npurposes = 0; }
static void m_purpose_utf8(lfh_isa *i) { strcpy(i->purposes[0], "bad \xc3\x28 utf-8"); }
static void m_lawful(lfh_isa *i) { i->lawful_basis[0] = '\0'; }
static void m_gateways(lfh_isa *i) { i->ngateways = LFH_ISA_MAX_LIST + 1; }
static void m_one_party(lfh_isa *i) { i->nparties = 1; }
static void m_party_order(lfh_isa *i) { strcpy(i->parties[0].id, "zzz"); }
static void m_party_name(lfh_isa *i) { memset(i->parties[1].name, 'n', sizeof i->parties[1].name); }
static void m_sign(lfh_isa *i) { memset(i->parties[2].sign_pk, 0, 32); }
static void m_box(lfh_isa *i) { memset(i->parties[2].box_pk, 0, 32); }
static void m_shared(lfh_isa *i) { memcpy(i->parties[3].curve_pk, i->parties[0].box_pk, 32); }
static void m_root(lfh_isa *i) { memset(i->parties[2].root_pk, 0, 32); }
static void m_root_sign(lfh_isa *i) { memcpy(i->parties[2].root_pk, i->parties[2].sign_pk, 32); }
static void m_root_box(lfh_isa *i) { memcpy(i->parties[2].box_pk, i->parties[2].root_pk, 32); }
static void m_root_shared(lfh_isa *i) { memcpy(i->parties[3].root_pk, i->parties[0].root_pk, 32); }
static void m_root_other_sign(lfh_isa *i) { memcpy(i->parties[0].root_pk, i->parties[4].sign_pk, 32); }
static void m_endpoint(lfh_isa *i) { strcpy(i->parties[0].endpoint, "tcp://a b:1"); }
static void m_no_cats(lfh_isa *i) { i->ncategories = 0; }
static void m_cat_order(lfh_isa *i) { strcpy(i->categories[0].name, "zzz"); }
static void m_kind(lfh_isa *i) { i->categories[0].kind = (enum lfh_isa_kind)0; }
static void m_rule(lfh_isa *i) { i->categories[0].rule = (enum lfh_isa_rule)5; }
static void m_named_empty(lfh_isa *i) { i->categories[0].rule = LFH_RULE_NAMED; }
static void m_all_agencies(lfh_isa *i)
{
	i->categories[0].rule = LFH_RULE_ALL;
	i->categories[0].nagencies = 1;
	strcpy(i->categories[0].agencies[0], "police");
}
static void m_retention(lfh_isa *i) { i->categories[0].retention_days = LFH_ISA_RETENTION_MAX + 1; }
static void m_signer(lfh_isa *i)
{
	i->nsigners = 1;
	strcpy(i->signers[0], "nhs");
}
static void m_signers_order(lfh_isa *i)
{
	i->nsigners = 2;
	strcpy(i->signers[0], "police");
	strcpy(i->signers[1], "council");
}

static void expect_invalid(mutation m, const char *want)
{
	static lfh_isa i;
	lfh_buf b = {0};
	lfh_err err = {0};

	i = isa0;
	m(&i);
	assert_int_equal(lfh_isa_validate(&i, &err), LFH_EINVAL);
	if (!strstr(err.msg, want)) {
		print_error("error \"%s\" does not mention \"%s\"\n", err.msg, want);
		fail();
	}
	assert_true(lfh_isa_check(&i, NULL, NULL) >= 1);
	assert_int_equal(lfh_isa_encode(&i, &b, NULL), LFH_EINVAL);
	assert_int_equal(b.len, 0);
	assert_int_equal(lfh_isa_describe(&i, &b, NULL), LFH_EINVAL);
	assert_int_equal(b.len, 0);
	lfh_buf_free(&b);
}

static void test_validate(void **state)
{
	(void)state;
	assert_int_equal(lfh_isa_check(&isa0, NULL, NULL), 0);
	expect_invalid(m_hub, "hub:");
	expect_invalid(m_version, "version: must be >= 1");
	expect_invalid(m_prev1, "prev: must not be set in version 1");
	expect_invalid(m_prev2, "prev: required when version > 1");
	expect_invalid(m_date, "effective: not a real date");
	expect_invalid(m_date2, "review: not a real date");
	expect_invalid(m_purposes, "purposes: 0 purposes");
	expect_invalid(m_purpose_utf8, "purposes[0]: is not valid UTF-8");
	expect_invalid(m_lawful, "lawful_basis: empty");
	expect_invalid(m_gateways, "gateways:");
	expect_invalid(m_one_party, "parties: 1 parties; 2..32 required");
	expect_invalid(m_party_order, "parties[fire].id: out of order");
	expect_invalid(m_party_name, "parties[fire].name: too long");
	expect_invalid(m_sign, "parties[health].sign: not a valid Ed25519 public key");
	expect_invalid(m_box, "parties[health].box: missing");
	expect_invalid(m_shared, "parties[housing].curve: the same key as parties[council].box");
	expect_invalid(m_root, "parties[health].root: not a valid Ed25519 public key");
	expect_invalid(m_root_sign, "parties[health].root: the same key as parties[health].sign");
	expect_invalid(m_root_box, "parties[health].root: the same key as parties[health].box");
	expect_invalid(m_root_shared, "parties[housing].root: the same key as parties[council].root");
	expect_invalid(m_root_other_sign, "parties[police].sign: the same key as parties[council].root");
	expect_invalid(m_endpoint, "parties[council].endpoint");
	expect_invalid(m_no_cats, "categories: 0 categories");
	expect_invalid(m_cat_order, ".name: out of order");
	expect_invalid(m_kind, ".kind: must be personal, special or criminal");
	expect_invalid(m_rule, ".receive: must be all, participants, lead or named");
	expect_invalid(m_named_empty, "needs at least one agency");
	expect_invalid(m_all_agencies, "must be empty when receive = \"all\"");
	expect_invalid(m_retention, "retention_days: 36501 out of range");
	expect_invalid(m_signer, "next_signers[0]: 'nhs' is not a party");
	expect_invalid(m_signers_order, "next_signers[1]: 'council' is out of order");
}

/* lfh_isa_check reports every problem, with its location. */
struct seen {
	size_t n;
	lfh_isa_loc loc[16];
};

static void collect(void *ctx, const lfh_isa_loc *loc, const char *msg)
{
	struct seen *s = ctx;

	assert_non_null(msg);
	if (s->n < 16)
		s->loc[s->n] = *loc;
	s->n++;
}

static void test_check_all(void **state)
{
	static lfh_isa i;
	struct seen s = {0};

	(void)state;
	i = isa0;
	i.version = 0;
	i.categories[2].retention_days = 0;
	strcpy(i.categories[2].agencies[0], "nhs");
	assert_int_equal(lfh_isa_check(&i, collect, &s), 3);
	assert_int_equal(s.loc[0].field, LFH_ISA_F_VERSION);
	assert_int_equal(s.loc[1].field, LFH_ISA_F_CAT_AGENCIES);
	assert_int_equal(s.loc[1].i, 2);
	assert_int_equal(s.loc[1].j, 0);
	assert_int_equal(s.loc[2].field, LFH_ISA_F_CAT_RETENTION);
	assert_int_equal(s.loc[2].i, 2);
}

/* ---- sharing rules ---- */

static void expect_rcpt(const lfh_isa *isa, const char *cat, const char *lead,
			const char *const *parts, size_t np, const char *author, const char *want)
{
	char out[LFH_ISA_MAX_PARTIES][LFH_AGENCY_MAX + 1], got[512] = "";
	lfh_agencies set = { 0 };
	size_t n = 99;

	for (size_t i = 0; i < np; i++)
		assert_int_equal(lfh_agencies_add(&set, parts[i]), 0);
	assert_int_equal(lfh_isa_recipients(isa, cat, lead, &set, author, out, &n, NULL), 0);
	for (size_t i = 0; i < n; i++) {
		strcat(got, i ? "," : "");
		strcat(got, out[i]);
	}
	if (strcmp(got, want) != 0) {
		print_error("%s: recipients \"%s\", expected \"%s\"\n", cat, got, want);
		fail();
	}
}

static void test_recipients(void **state)
{
	static lfh_isa all;
	const char *p1[] = {"police", "housing", "nhs"};
	const char *p2[] = {"fire", "council", "fire"};
	char out[LFH_ISA_MAX_PARTIES][LFH_AGENCY_MAX + 1];
	size_t n = 5;
	lfh_err err;

	(void)state;
	/* participants: P ∪ named, parties only, minus the author, sorted, unique */
	expect_rcpt(&isa0, "referral", "police", p1, 3, "police", "housing");
	expect_rcpt(&isa0, "referral", "police", p2, 3, "police", "council,fire");
	expect_rcpt(&isa0, "referral", "", NULL, 0, "police", "");
	expect_rcpt(&isa0, "housing", "police", p2, 3, "police", "council,fire,housing");
	expect_rcpt(&isa0, "housing", "police", p1, 3, "housing", "police");
	/* lead: {lead} ∪ named */
	expect_rcpt(&isa0, "health", "council", p1, 3, "police", "council,health");
	expect_rcpt(&isa0, "health", "", p1, 3, "police", "health");
	expect_rcpt(&isa0, "health", "health", p1, 3, "health", "");
	expect_rcpt(&isa0, "health", "nhs", p1, 3, "police", "health");
	/* named */
	expect_rcpt(&isa0, "criminal-intel", "council", p2, 3, "police", "probation");
	expect_rcpt(&isa0, "criminal-intel", "council", p2, 3, "council", "police,probation");
	/* all */
	all = isa0;
	{
		lfh_isa_category *c = (lfh_isa_category *)lfh_isa_category_find(&all, "actions");
		c->rule = LFH_RULE_ALL;
	}
	expect_rcpt(&all, "actions", "", NULL, 0, "police", "council,fire,health,housing,probation");
	expect_rcpt(&all, "actions", "", NULL, 0, "nhs", "council,fire,health,housing,police,probation");
	/* unknown category */
	assert_int_equal(lfh_isa_recipients(&isa0, "gossip", "", NULL, "police", out, &n, &err),
			 LFH_ENOTFOUND);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err.msg, "gossip"));
}

static void test_may_receive(void **state)
{
	(void)state;
	/* participants: any party */
	assert_int_equal(lfh_isa_may_receive(&isa0, "referral", "", "fire"), 1);
	assert_int_equal(lfh_isa_may_receive(&isa0, "referral", "police", "probation"), 1);
	assert_int_equal(lfh_isa_may_receive(&isa0, "referral", "police", "nhs"), 0);
	/* lead: the lead (when known) and named */
	assert_int_equal(lfh_isa_may_receive(&isa0, "health", "council", "council"), 1);
	assert_int_equal(lfh_isa_may_receive(&isa0, "health", "council", "health"), 1);
	assert_int_equal(lfh_isa_may_receive(&isa0, "health", "council", "police"), 0);
	assert_int_equal(lfh_isa_may_receive(&isa0, "health", "", "police"), 0);
	assert_int_equal(lfh_isa_may_receive(&isa0, "health", "", "health"), 1);
	/* named */
	assert_int_equal(lfh_isa_may_receive(&isa0, "criminal-intel", "fire", "fire"), 0);
	assert_int_equal(lfh_isa_may_receive(&isa0, "criminal-intel", "", "probation"), 1);
	/* unknown category, agency */
	assert_int_equal(lfh_isa_may_receive(&isa0, "gossip", "", "police"), 0);
	assert_int_equal(lfh_isa_may_receive(&isa0, "referral", "", ""), 0);
}

static void test_signed_enough(void **state)
{
	static lfh_isa named;
	const char *six[] = {"fire", "police", "council", "housing", "health", "probation"};
	const char *dup[] = {"police", "police", "council", "housing", "health", "probation"};
	const char *two[] = {"police", "council"};
	const char *three[] = {"fire", "council", "police"};
	char *t;

	(void)state;
	/* every party */
	assert_int_equal(lfh_isa_signed_enough(&isa0, six, 6), 1);
	assert_int_equal(lfh_isa_signed_enough(&isa0, six, 5), 0);
	assert_int_equal(lfh_isa_signed_enough(&isa0, dup, 6), 0);
	assert_int_equal(lfh_isa_signed_enough(&isa0, NULL, 0), 0);
	/* named signers, from the text (sorted there) */
	t = replace(example, "next_signers = \"all\";", "next_signers = [ \"police\", \"council\" ];");
	assert_int_equal(parse_text(t, &named), 0);
	free(t);
	assert_int_equal(named.nsigners, 2);
	assert_string_equal(named.signers[0], "council");
	assert_string_equal(named.signers[1], "police");
	assert_int_equal(lfh_isa_signed_enough(&named, two, 2), 1);
	assert_int_equal(lfh_isa_signed_enough(&named, two, 1), 0);
	assert_int_equal(lfh_isa_signed_enough(&named, three, 3), 1);
	assert_int_equal(lfh_isa_signed_enough(&named, three, 2), 0);
	/* an empty list is refused: "all" says every party */
	t = replace(example, "next_signers = \"all\";", "next_signers = [ ];");
	expect_only(t, line_of(t, "next_signers ="), "empty list");
	free(t);
}

/* ---- description ---- */

static void test_describe(void **state)
{
	lfh_buf b = {0};
	const char *s;

	(void)state;
	assert_int_equal(lfh_buf_append(&b, "> ", 2), 0);
	assert_int_equal(lfh_isa_describe(&isa0, &b, NULL), 0);
	s = (const char *)b.data;
	assert_int_equal(strlen(s), b.len);
	assert_int_equal(strncmp(s, "> Information-sharing agreement of hub west-cumbria, version 1", 62), 0);
	assert_non_null(strstr(s, "health (special category data): only the case's lead agency and "
				  "health (Recovery Steps Cumbria) receive it; kept 730 days after the case closes."));
	assert_non_null(strstr(s, "criminal-intel (criminal offence data): only police (Cumbria "
				  "Constabulary) and probation (The Probation Service, Cumbria) receive it"));
	assert_non_null(strstr(s, "referral (personal data): the agencies taking part in the case receive it"));
	assert_non_null(strstr(s, "housing (personal data): the agencies taking part in the case, and "
				  "always housing (Castles & Coasts Housing Association), receive it"));
	assert_non_null(strstr(s, "police: Cumbria Constabulary"));
	/* each party's key id and root key id */
	for (int i = 0; i < 6; i++) {
		uint8_t kid[LFH_KEYID_LEN];
		char hex[2 * LFH_KEYID_LEN + 1], rhex[2 * LFH_KEYID_LEN + 1], want[160];
		lfh_hex(hex, keys[i].key_id, LFH_KEYID_LEN);
		lfh_key_id(keys[i].root_pk, kid);
		lfh_hex(rhex, kid, LFH_KEYID_LEN);
		snprintf(want, sizeof want, "key id %s, root key id %s\n", hex, rhex);
		assert_non_null(strstr(s, want));
	}
	assert_non_null(strstr(s, "(the hub id)"));
	assert_non_null(strstr(s, "signed by every party."));
	lfh_buf_free(&b);
	assert_string_equal(lfh_isa_kind_name(LFH_ISA_SPECIAL), "special");
	assert_string_equal(lfh_isa_rule_name(LFH_RULE_PARTICIPANTS), "participants");
	assert_string_equal(lfh_isa_rule_name((enum lfh_isa_rule)9), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_party_pubkeys),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_root_encoding),
		cmocka_unit_test(test_hash_stable),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_bitflips),
		cmocka_unit_test(test_hostile_bytes),
		cmocka_unit_test(test_text_syntax_error),
		cmocka_unit_test(test_text_unknown_setting),
		cmocka_unit_test(test_text_missing),
		cmocka_unit_test(test_text_duplicates),
		cmocka_unit_test(test_text_rules),
		cmocka_unit_test(test_text_keys),
		cmocka_unit_test(test_text_root),
		cmocka_unit_test(test_text_files),
		cmocka_unit_test(test_text_many_problems),
		cmocka_unit_test(test_text_error_cap),
		cmocka_unit_test(test_text_mutations),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_check_all),
		cmocka_unit_test(test_recipients),
		cmocka_unit_test(test_may_receive),
		cmocka_unit_test(test_signed_enough),
		cmocka_unit_test(test_describe),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
