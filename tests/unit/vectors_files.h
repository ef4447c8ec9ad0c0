/*
 * vectors_files.h - every committed test vector file (proto/vectors/, see
 * PROTOCOL.md section 12) and the function that builds its text.
 *
 * build/tools/mkvectors NAME prints file NAME; tests/unit/test_vectors.c
 * rebuilds every file listed here and compares it byte for byte with the
 * committed one, so a file added here is checked without further wiring.
 */
#ifndef LFH_TEST_VECTORS_FILES_H
#define LFH_TEST_VECTORS_FILES_H

#include "vectors.h"
#include "vectors_isa.h"
#include "vectors_plain.h"
#include "vectors_records.h"
#include "vectors_wire.h"

typedef int vec_build_fn(lfh_buf *t);

typedef struct vec_file {
	const char *name; /* mkvectors' argument */
	const char *path; /* from the repository root */
	vec_build_fn *build;
} vec_file;

#define VEC_NFILES 5

/* File i (0..VEC_NFILES-1); file 0, events, is mkvectors' default. */
static inline const vec_file *vec_file_at(size_t i)
{
	static const vec_file files[VEC_NFILES] = {
		{"events", VEC_PATH, vec_build},
		{"isa", VEC_ISA_PATH, vec_isa_build},
		{"plain", VEC_PLAIN_PATH, vec_plain_build},
		{"wire", VEC_WIRE_PATH, vec_wire_build},
		{"records", VEC_RECORDS_PATH, vec_records_build},
	};
	return &files[i];
}

/* The file called name, or NULL. */
static inline const vec_file *vec_file_named(const char *name)
{
	for (size_t i = 0; i < VEC_NFILES; i++)
		if (strcmp(vec_file_at(i)->name, name) == 0)
			return vec_file_at(i);
	return NULL;
}

#endif
