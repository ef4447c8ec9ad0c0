/*
 * ctl_search.c - case_search (see include/lfh/ctl.h): the cases held here
 * whose entries, as this node can read them, contain every word of a query
 * (case and Latin-1 accents folded), a page at a time, each with the field
 * the first word was seen in and a snippet around it. A case is searched
 * as its views read it: an entry redacted since is out of search too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfh/buf.h"
#include "lfh/ctl.h"
#include "lfh/fold.h"
#include "lfh/osara.h"
#include "lfh/project.h"

#include "ctl_case_int.h"

#define SEARCH_QUERY_MAX 200

#define SEARCH_WORDS_MAX 16
#define SEARCH_FIELD_FOLD (4 * LFH_VALUE_MAX)

struct search_ctx {
	lfh_node *n;
	lfh_txn *t;
	char words[SEARCH_WORDS_MAX][SEARCH_QUERY_MAX + 1]; /* folded */
	size_t nwords;
	unsigned found;                    /* bit i: word i seen in the case */
	char field[LFH_FIELD_KEY_MAX + 1]; /* where the first word was seen */
	char snippet[CTL_SNIPPET_MAX + 1];
	char *folded;                      /* SEARCH_FIELD_FOLD bytes */
	const lfh_osara_state *st;         /* set: read each entry as views show it */
};

/* The first CTL_SNIPPET_MAX bytes of text, never cut inside a UTF-8 character. */
static void snippet_copy(char out[CTL_SNIPPET_MAX + 1], const char *text)
{
	size_t len = strlen(text), at = 0;

	while (at < len) {
		size_t k = lfh_utf8_seq((const unsigned char *)text + at, len - at);
		if (k == 0)
			k = 1; /* not UTF-8: byte by byte */
		if (at + k > CTL_SNIPPET_MAX)
			break;
		at += k;
	}
	memcpy(out, text, at);
	out[at] = '\0';
}

/* An entry's body as views show it: an AMEND's or REDACT's "event" is their "target". */
static int as_viewed(const lfh_osara_state *st, const uint8_t id[LFH_ID_LEN], lfh_record *body,
		     lfh_err *err)
{
	const char *target = lfh_record_str(body, "event");
	char hex[2 * LFH_ID_LEN + 1];

	if (target) {
		snprintf(hex, sizeof hex, "%s", target);
		lfh_record_del(body, "event");
		if (lfh_record_set_str(body, "target", hex, err))
			return err->code;
	}
	return ctl_case_corrections(st, NULL, id, body, err);
}

/*
 * Call fn on each text field of an entry as views read it (with st; without,
 * as stored), but who wrote it ("by", "team"), folded into folded (a
 * SEARCH_FIELD_FOLD buffer); file bytes are not text. Stops at the first
 * field fn returns nonzero for, and returns that.
 */
typedef int (*field_fn)(void *ctx, const lfh_field *f, const char *folded);

static int each_viewed_field(lfh_node *n, lfh_txn *t, const lfh_osara_state *st,
			     const uint8_t id[LFH_ID_LEN], const uint8_t *raw, size_t len,
			     char *folded, field_fn fn, void *ctx)
{
	lfh_event ev = { 0 };
	lfh_record body = { 0 };
	lfh_err why = { 0 };
	int stop = 0;

	if (lfh_event_peek_type(raw, len) == LFH_EV_CHUNK)
		return 0; /* file bytes: not searched */
	if (lfh_node_open_event(n, t, raw, len, &ev, &body, NULL) == 0 &&
	    (!st || as_viewed(st, id, &body, &why) == 0))
		for (size_t i = 0; i < body.n && !stop; i++) {
			const lfh_field *f = &body.f[i];
			if (f->kind != LFH_FIELD_STR || strcmp(f->key, "by") == 0 ||
			    strcmp(f->key, "team") == 0)
				continue;
			lfh_fold(f->str, folded, SEARCH_FIELD_FOLD);
			stop = fn(ctx, f, folded);
		}
	lfh_event_clear(&ev);
	lfh_record_clear(&body);
	return stop;
}

/* Note the words the field holds (the first word's field and text); 1 once all were seen. */
static int search_field(void *vctx, const lfh_field *f, const char *folded)
{
	struct search_ctx *s = vctx;

	for (size_t w = 0; w < s->nwords; w++) {
		if ((s->found & (1u << w)) || !lfh_fold_contains(folded, s->words[w]))
			continue;
		s->found |= 1u << w;
		if (w == 0) {
			snprintf(s->field, sizeof s->field, "%s", f->key);
			snippet_copy(s->snippet, f->str);
		}
	}
	return s->found == (1u << s->nwords) - 1;
}

/* Scan callback over one case's events: stop once every word was seen. */
static int search_event_fn(void *vctx, uint64_t key, const uint8_t id[LFH_ID_LEN],
			   const uint8_t *raw, size_t len)
{
	struct search_ctx *s = vctx;

	(void)key;
	return each_viewed_field(s->n, s->t, s->st, id, raw, len, s->folded, search_field, s);
}

struct search_cases {
	struct search_ctx s;
	lfh_ctl_req *q;
	lfh_ctl_reply *rep;
	lfh_err *err;
	lfh_ctl_page page;
	lfh_osara_state *st; /* the case's projection, for a case with redactions */
};

/* Scan the case's entries for the words; with st, as views show them. 1: every word found. */
static int search_case_entries(struct search_cases *c, const uint8_t case_id[LFH_CASE_LEN],
			       const lfh_osara_state *st)
{
	int rc;

	c->s.found = 0;
	c->s.field[0] = '\0';
	c->s.st = st;
	rc = lfh_store_scan_case(c->s.t, case_id, search_event_fn, &c->s, c->err);
	c->s.st = NULL;
	return rc < 0 ? rc : c->s.found == (1u << c->s.nwords) - 1;
}

/*
 * Whether the case matches as its views read: an entry redacted since (and
 * a correction of it) is out of every view, so out of search too. Only a
 * case that matched its raw entries is projected, and searched again only
 * if something in it was redacted.
 */
static int search_matches(struct search_cases *c, const uint8_t case_id[LFH_CASE_LEN])
{
	int rc = search_case_entries(c, case_id, NULL);

	if (rc <= 0)
		return rc;
	if (!c->st && !(c->st = malloc(sizeof *c->st)))
		return lfh_err_set(c->err, LFH_ENOMEM, "out of memory");
	if ((rc = lfh_node_project(c->s.n, c->s.t, case_id, c->st, c->err)))
		return rc;
	return c->st->nredacted ? search_case_entries(c, case_id, c->st) : 1;
}

static int search_case_fn(void *vctx, const uint8_t case_id[LFH_CASE_LEN], const lfh_record *meta)
{
	struct search_cases *c = vctx;
	lfh_record *out;
	int rc;

	if (ctl_is_hub_case(case_id))
		return 0;
	if (lfh_ctl_page_stop(&c->page, c->rep, case_id))
		return 1; /* this page is full: the client asks for the next */
	lfh_ctl_yield(c->q);
	if ((rc = search_matches(c, case_id)) <= 0)
		return rc;
	if (!(out = lfh_ctl_add(c->rep)))
		return lfh_err_set(c->err, LFH_ENOMEM, "out of memory");
	rc = ctl_case_describe(c->s.n, c->s.t, case_id, meta, c->st, out, c->err);
	if (!rc && (lfh_record_set_str(out, "match_field", c->s.field, c->err) ||
		    lfh_record_set_str(out, "match", c->s.snippet, c->err)))
		rc = LFH_ENOMEM;
	return rc;
}

/* A subject access's look for a person named in a case's entries (ctl_case_mentions). */
struct mention_ctx {
	lfh_node *n;
	lfh_txn *t;
	const lfh_osara_state *st;
	const char *const *words;
	size_t nwords;
	char *folded;
	char *field, *snippet;
	int found;
};

/* Does the field hold every word (not who corrected the entry)? Then it is the mention. */
static int mention_field(void *vctx, const lfh_field *f, const char *folded)
{
	struct mention_ctx *m = vctx;
	size_t w = 0;

	if (!strcmp(f->key, "amended_by"))
		return 0;
	while (w < m->nwords && lfh_fold_contains(folded, m->words[w]))
		w++;
	if (w < m->nwords)
		return 0;
	m->found = 1;
	snprintf(m->field, LFH_FIELD_KEY_MAX + 1, "%s", f->key);
	snippet_copy(m->snippet, f->str);
	return 1;
}

/* Scan callback: stop at the first field holding every word. */
static int mention_event_fn(void *vctx, uint64_t key, const uint8_t id[LFH_ID_LEN],
			    const uint8_t *raw, size_t len)
{
	struct mention_ctx *m = vctx;

	(void)key;
	return each_viewed_field(m->n, m->t, m->st, id, raw, len, m->folded, mention_field, m);
}

int ctl_case_mentions(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
		      const lfh_osara_state *st, const char *const *words, size_t nwords,
		      char field[LFH_FIELD_KEY_MAX + 1], char snippet[CTL_SNIPPET_MAX + 1],
		      lfh_err *err)
{
	struct mention_ctx m = { .n = n, .t = t, .st = st, .words = words, .nwords = nwords,
				 .field = field, .snippet = snippet };
	int rc;

	if (!nwords)
		return 0;
	if (!(m.folded = malloc(SEARCH_FIELD_FOLD)))
		return lfh_err_set(err, LFH_ENOMEM, "out of memory");
	rc = lfh_store_scan_case(t, case_id, mention_event_fn, &m, err);
	free(m.folded);
	return rc < 0 ? rc : m.found;
}

/* The query's words, folded: at least one of 2+ characters, at most SEARCH_WORDS_MAX. */
static int search_words(lfh_ctl_req *q, const char *query, struct search_ctx *s)
{
	char folded[4 * SEARCH_QUERY_MAX + 1], *save = NULL;

	lfh_fold(query, folded, sizeof folded);
	for (char *w = strtok_r(folded, " \t\n,;", &save); w; w = strtok_r(NULL, " \t\n,;", &save)) {
		if (strlen(w) < 2)
			continue; /* "a", "3": too common to narrow anything */
		if (s->nwords == SEARCH_WORDS_MAX)
			return lfh_ctl_fail(&q->rep, LFH_EINVAL, "search for at most 16 words");
		snprintf(s->words[s->nwords++], sizeof s->words[0], "%s", w);
	}
	if (!s->nwords)
		return lfh_ctl_fail(&q->rep, LFH_EINVAL, "search for at least 2 characters");
	return 0;
}

int ctl_case_search(lfh_ctl_req *q, lfh_txn *t)
{
	const char *query = lfh_ctl_need(&q->req, "query", SEARCH_QUERY_MAX, &q->rep);
	lfh_err err = { 0 };
	struct search_cases *c;
	int rc;

	if (!query)
		return q->rep.code;
	if (!(c = calloc(1, sizeof *c)) || !(c->s.folded = malloc(SEARCH_FIELD_FOLD))) {
		free(c);
		return lfh_ctl_fail(&q->rep, LFH_ENOMEM, "out of memory");
	}
	c->s.n = q->node;
	c->s.t = t;
	c->q = q;
	c->rep = &q->rep;
	c->err = &err;
	if ((rc = lfh_ctl_page_begin(q, &c->page)) == 0 && (rc = search_words(q, query, &c->s)) == 0) {
		rc = lfh_store_scan_cases_after(t, c->page.has_after ? c->page.after : NULL,
						search_case_fn, c, &err);
		rc = rc ? lfh_ctl_fail(&q->rep, rc, err.msg[0] ? err.msg : "out of memory")
			: lfh_ctl_page_end(q, &c->page);
	}
	free(c->s.folded);
	free(c->st);
	free(c);
	return rc;
}
