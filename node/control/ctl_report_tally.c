/*
 * ctl_report_tally.c - counting for the reports (node/control/ctl_report.c):
 * labels (locations, subjects, victims, powers) grouped by their
 * normalised spelling, and offers of intervention by agency or team.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfh/ctl.h"
#include "lfh/fold.h"

#include "ctl_report_int.h"

void lfh_ctl_norm(const char *s, char *out, size_t size)
{
	lfh_fold_norm(s, out, size);
}

/* A trimmed copy of s for display. */
static void trimmed(const char *s, char *out, size_t size)
{
	size_t len;
	while (*s && isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (len >= size)
		len = size - 1;
	memcpy(out, s, len);
	out[len] = '\0';
}



int tally_add(tally *t, const char *label, size_t cs, uint64_t ms, int in_period)
{
	char key[TEXT_MAX + 1], shown[TEXT_MAX + 1];

	lfh_ctl_norm(label, key, sizeof key);
	if (!key[0])
		return 0;
	trimmed(label, shown, sizeof shown);
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		tally_ent *v = realloc(t->v, cap * sizeof *v);
		if (!v)
			return LFH_ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	tally_ent *e = &t->v[t->n];
	e->key = strdup(key);
	e->shown = strdup(shown);
	e->cs = cs;
	e->ms = ms;
	e->in_period = in_period;
	if (!e->key || !e->shown) {
		free(e->key);
		free(e->shown);
		return LFH_ENOMEM;
	}
	t->n++;
	return 0;
}

void tally_free(tally *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].key);
		free(t->v[i].shown);
	}
	free(t->v);
	memset(t, 0, sizeof *t);
}

static int ent_cmp(const void *a, const void *b)
{
	const tally_ent *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : x->cs < y->cs ? -1 : x->cs > y->cs;
}

static int group_cmp(const void *a, const void *b)
{
	const group *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* Group t's entries (most first, then by key); *out is malloc'd, borrows from t. */
int tally_groups(tally *t, int distinct_cases, group **out, size_t *nout)
{
	group *g = malloc((t->n ? t->n : 1) * sizeof *g);
	size_t k = 0;

	if (!g)
		return LFH_ENOMEM;
	if (t->n)
		qsort(t->v, t->n, sizeof t->v[0], ent_cmp);
	for (size_t i = 0; i < t->n; i++) {
		const tally_ent *e = &t->v[i];
		if (k && !strcmp(g[k - 1].key, e->key)) {
			if (!distinct_cases || e->cs != t->v[i - 1].cs)
				g[k - 1].count++;
			g[k - 1].in_period |= e->in_period;
			if (e->ms < g[k - 1].ms) {
				g[k - 1].shown = e->shown;
				g[k - 1].ms = e->ms;
			}
			continue;
		}
		g[k].key = e->key;
		g[k].shown = e->shown;
		g[k].ms = e->ms;
		g[k].count = 1;
		g[k].in_period = e->in_period;
		k++;
	}
	qsort(g, k, sizeof g[0], group_cmp);
	*out = g;
	*nout = k;
	return 0;
}


/* Count action a under key (not cancelled: a withdrawn action was never offered). */
int offers_add(offers *o, const char *key, const lfh_osara_action *a)
{
	offer_row *row = NULL;

	if (!strcmp(a->status, "cancelled"))
		return 0;
	for (size_t i = 0; i < o->n && !row; i++)
		if (!strcmp(o->v[i].key, key))
			row = &o->v[i];
	if (!row) {
		if (o->n == o->cap) {
			size_t cap = o->cap ? 2 * o->cap : 16;
			offer_row *v = realloc(o->v, cap * sizeof *v);
			if (!v)
				return LFH_ENOMEM;
			o->v = v;
			o->cap = cap;
		}
		row = &o->v[o->n++];
		memset(row, 0, sizeof *row);
		snprintf(row->key, sizeof row->key, "%s", key);
	}
	row->n[OFFER_MADE]++;
	row->n[OFFER_ACCEPTED] += !strcmp(a->status, "done");
	row->n[OFFER_REFUSED] += !strcmp(a->status, "refused");
	row->n[OFFER_NOT_ENGAGED] += !strcmp(a->refusal, "not-engaged");
	return 0;
}

int offer_cmp(const void *a, const void *b)
{
	return strcmp(((const offer_row *)a)->key, ((const offer_row *)b)->key);
}

