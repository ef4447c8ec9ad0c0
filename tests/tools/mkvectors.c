/*
 * mkvectors - print one of the test vector files under proto/vectors/.
 *
 * Run from the repository root after a change to a format they cover:
 *   build/tools/mkvectors > proto/vectors/events.txt          (the default)
 *   build/tools/mkvectors NAME > proto/vectors/NAME.txt       NAME: events,
 *                                                             isa, plain, wire,
 *                                                             records
 * The texts are built by tests/unit/vectors*.h (the list of files is
 * vectors_files.h), which the unit tests share, so tests/unit/test_event.c
 * and test_vectors.c fail until the committed files are regenerated.
 */
#include <stdio.h>

#include <sodium.h>

#include "../unit/vectors_files.h"

static int usage(void)
{
	fprintf(stderr, "usage: mkvectors [NAME], NAME one of:");
	for (size_t i = 0; i < VEC_NFILES; i++)
		fprintf(stderr, " %s", vec_file_at(i)->name);
	fprintf(stderr, " (default %s)\n", vec_file_at(0)->name);
	return 2;
}

int main(int argc, char **argv)
{
	const vec_file *f = argc > 1 ? vec_file_named(argv[1]) : vec_file_at(0);
	lfh_buf t = {0};
	int rc;

	if (argc > 2 || !f)
		return usage();
	if (sodium_init() < 0) {
		fprintf(stderr, "mkvectors: sodium_init failed\n");
		return 1;
	}
	rc = f->build(&t);
	if (rc != 0) {
		fprintf(stderr, "mkvectors: building %s failed: %s\n", f->path, lfh_strerror(rc));
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
