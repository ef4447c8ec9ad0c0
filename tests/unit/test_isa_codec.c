/*
 * test_isa_codec.c - unit tests for proto/isa_codec.c: the canonical
 * encoding of an agreement (round trips, an independent packer, the root
 * keys), its hash, strict decoding of non-canonical forms, bit flips and
 * hostile bytes.
 *
 * Run from the repository root (the example is read from deploy/examples);
 * the fixture (isa_fixture.h) gives the example with key files.
 */
#define _XOPEN_SOURCE 700
#include "isa_fixture.h"

#include <msgpack.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_root_encoding),
		cmocka_unit_test(test_hash_stable),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_bitflips),
		cmocka_unit_test(test_hostile_bytes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
