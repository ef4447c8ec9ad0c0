/*
 * mkvectors - print the event test vectors (proto/vectors/events.txt).
 *
 * Run from the repository root after a change to the event or hub id format:
 *   build/tools/mkvectors > proto/vectors/events.txt
 * The text is built by tests/unit/vectors.h, which the unit test shares, so
 * tests/unit/test_event.c fails until the committed file is regenerated.
 */
#include <stdio.h>

#include <sodium.h>

#include "../unit/vectors.h"

int main(void)
{
	lfh_buf t = {0};
	int rc;

	if (sodium_init() < 0) {
		fprintf(stderr, "mkvectors: sodium_init failed\n");
		return 1;
	}
	rc = vec_build(&t);
	if (rc != 0) {
		fprintf(stderr, "mkvectors: building the vectors failed: %s\n", lfh_strerror(rc));
		lfh_buf_free(&t);
		return 1;
	}
	if (fwrite(t.data, 1, t.len, stdout) != t.len || fflush(stdout) != 0) {
		fprintf(stderr, "mkvectors: write failed\n");
		lfh_buf_free(&t);
		return 1;
	}
	lfh_buf_free(&t);
	return 0;
}
