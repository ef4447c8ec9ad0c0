/*
 * agencies.c - sets of agency ids (include/lfh/agencies.h): a sorted array
 * with insertion in place, so a set is always in its one canonical order.
 */
#include <stdio.h>
#include <string.h>

#include "lfh/agencies.h"

/* Index of id in s, or where it would go (*found = 0). */
static size_t find(const lfh_agencies *s, const char *id, int *found)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->id[mid], id);
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	return lo;
}

int lfh_agencies_add(lfh_agencies *s, const char *id)
{
	int found;
	size_t i;

	if (!id || !lfh_name_valid(id))
		return LFH_EINVAL;
	i = find(s, id, &found);
	if (found)
		return 0;
	if (s->n == LFH_AGENCIES_MAX)
		return LFH_ETOOBIG;
	memmove(s->id[i + 1], s->id[i], (s->n - i) * sizeof s->id[0]);
	snprintf(s->id[i], sizeof s->id[i], "%s", id);
	s->n++;
	return 0;
}

void lfh_agencies_remove(lfh_agencies *s, const char *id)
{
	int found;
	size_t i = id ? find(s, id, &found) : 0;

	if (!id || !found)
		return;
	memmove(s->id[i], s->id[i + 1], (s->n - i - 1) * sizeof s->id[0]);
	s->n--;
}

int lfh_agencies_has(const lfh_agencies *s, const char *id)
{
	int found = 0;

	if (id)
		find(s, id, &found);
	return found;
}

int lfh_agencies_join(const lfh_agencies *s, char *out, size_t size)
{
	size_t len = 0;

	if (!size)
		return s->n ? LFH_ETOOBIG : 0;
	out[0] = '\0';
	for (size_t i = 0; i < s->n; i++) {
		int k = snprintf(out + len, size - len, "%s%s", i ? "," : "", s->id[i]);
		if (k < 0 || (size_t)k >= size - len) {
			out[0] = '\0';
			return LFH_ETOOBIG;
		}
		len += (size_t)k;
	}
	return 0;
}
