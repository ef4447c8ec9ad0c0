/*
 * fuzz_isa.c - libFuzzer target: ISA decoding (lfh_isa_decode) and, for the
 * same bytes as a text file, the libconfig text parser (lfh_isa_parse_file).
 * Whatever decodes must validate, re-encode to the same bytes and describe;
 * whatever parses must validate and encode.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lfh/isa.h"
#include "lfh/isa_text.h"

static void check_valid(const lfh_isa *isa, const uint8_t *raw, size_t len)
{
	lfh_buf b = {0};

	if (lfh_isa_validate(isa, NULL) != 0 || lfh_isa_encode(isa, &b, NULL) != 0)
		abort();
	if (raw && (b.len != len || memcmp(b.data, raw, len) != 0))
		abort();
	lfh_buf_reset(&b);
	if (lfh_isa_describe(isa, &b, NULL) != 0)
		abort();
	lfh_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static lfh_isa isa;
	static lfh_isa_errors errs;
	char path[] = "/tmp/lfh-fuzz-isa.XXXXXX";
	int fd;

	if (lfh_isa_decode(data, size, &isa, NULL) == 0)
		check_valid(&isa, data, size);
	if ((fd = mkstemp(path)) < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size &&
	    lfh_isa_parse_file(path, &isa, &errs, NULL) == 0)
		check_valid(&isa, NULL, 0);
	close(fd);
	unlink(path);
	return 0;
}
