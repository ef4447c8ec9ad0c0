/*
 * fuzz_cert.c - libFuzzer target: key certificate and revocation decoding
 * (lfh_cert_decode, lfh_revocation_decode). Whatever decodes must pass its
 * field checks and re-encode to exactly the input bytes; a certificate's
 * certified bytes must be its first ten elements, and verifying it against
 * a fixed root key must not crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lfh/cert.h"

static void check_cert(const lfh_cert *c, const uint8_t *raw, size_t len)
{
	/* the root of seed 01..20, which signs the golden certificate of tests/unit/test_cert.c */
	static const uint8_t root_pk[32] = {
		0x79, 0xb5, 0x56, 0x2e, 0x8f, 0xe6, 0x54, 0xf9, 0x40, 0x78, 0xb1, 0x12, 0xe8, 0xa9, 0x8b, 0xa7,
		0x90, 0x1f, 0x85, 0x3a, 0xe6, 0x95, 0xbe, 0xd7, 0xe0, 0xe3, 0x91, 0x0b, 0xad, 0x04, 0x96, 0x64,
	};
	lfh_buf b = {0};

	if (lfh_cert_check(c, NULL) != 0 || lfh_cert_encode(c, &b, NULL) != 0)
		abort();
	if (b.len != len || memcmp(b.data, raw, len) != 0)
		abort();
	lfh_buf_reset(&b);
	if (lfh_cert_signed_bytes(c, &b, NULL) != 0)
		abort();
	/* 0x9a then elements 0..9 of the input, whose root_sig is "c4 40" + 64 bytes */
	if (b.len + 66 != len || b.data[0] != 0x9a || memcmp(b.data + 1, raw + 1, b.len - 1) != 0)
		abort();
	lfh_buf_free(&b);
	(void)lfh_cert_verify(c, root_pk, NULL);
}

static void check_revocation(const lfh_revocation *r, const uint8_t *raw, size_t len)
{
	lfh_buf b = {0};

	if (lfh_revocation_check(r, NULL) != 0 || lfh_revocation_encode(r, &b, NULL) != 0)
		abort();
	if (b.len != len || memcmp(b.data, raw, len) != 0)
		abort();
	lfh_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lfh_cert c;
	lfh_revocation r;

	if (lfh_cert_decode(data, size, &c, NULL) == 0)
		check_cert(&c, data, size);
	if (lfh_revocation_decode(data, size, &r, NULL) == 0)
		check_revocation(&r, data, size);
	return 0;
}
