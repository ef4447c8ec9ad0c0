/* fuzz_csv.c - libFuzzer target: lfh import's CSV reader (node/cli/import_csv.c, libcsv). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "import_csv.h"

/* Every row as lfh import would take it: its cells written out as JSON. */
static int take(void *ctx, const struct import_csv_row *row)
{
	char *s = json_dumps(row->obj, JSON_COMPACT);
	(void)ctx;
	if (!s)
		return -1;
	free(s);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	unsigned long lines;
	FILE *f = size ? fmemopen((void *)data, size, "r") : NULL;

	if (!f)
		return 0;
	import_csv_read(f, take, NULL, &lines, err, sizeof err);
	fclose(f);
	return 0;
}
