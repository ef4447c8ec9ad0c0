/*
 * keys_fixture.h - helpers shared by the key unit tests (test_identity.c,
 * test_pubkeys.c): a fresh temporary directory per test (setup/teardown;
 * root/keys is left for the test to create), paths in it, writing files,
 * and checking error messages.
 *
 * Everything is static inline but the recursive rm_rf, which teardown uses.
 */
#ifndef LFH_TEST_KEYS_FIXTURE_H
#define LFH_TEST_KEYS_FIXTURE_H

#include <dirent.h>
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

struct tmp {
	char root[64];
	char keys[128]; /* root/keys (not created: generate makes it) */
};

/* Not inline: it recurses (and inlined into itself, GCC doubts the path buffer). */
static void rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *de;
		if (d) {
			while ((de = readdir(d)) != NULL) {
				char sub[512];
				if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
					continue;
				snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
				rm_rf(sub);
			}
			closedir(d);
		}
		rmdir(path);
	} else {
		unlink(path);
	}
}

static inline int setup(void **state)
{
	struct tmp *t = calloc(1, sizeof *t);
	if (!t)
		return -1;
	snprintf(t->root, sizeof t->root, "/tmp/lfh-test-keys-XXXXXX");
	if (!mkdtemp(t->root)) {
		free(t);
		return -1;
	}
	snprintf(t->keys, sizeof t->keys, "%s/keys", t->root);
	*state = t;
	return 0;
}

static inline int teardown(void **state)
{
	struct tmp *t = *state;
	rm_rf(t->root);
	free(t);
	return 0;
}

static inline void path_in(char *out, size_t n, const char *dir, const char *name)
{
	int r = snprintf(out, n, "%s/%s", dir, name);
	assert_true(r > 0 && (size_t)r < n);
}

static inline void write_text(const char *path, const void *data, size_t len)
{
	unlink(path);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static inline void write_str(const char *path, const char *s)
{
	write_text(path, s, strlen(s));
}

static inline void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("message \"%s\" does not contain \"%s\"", hay, needle);
}

#endif
