/*
 * project.c - reading a case here (include/lfh/project.h): a stored event
 * opened with the sharing key it names, and the case's OSARA state: every
 * event of the case held here, decrypted where its key is held, handed to
 * the projection (node/rules/osara.c), which orders and judges them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lfh/node.h"
#include "lfh/project.h"
#include "lfh/sharing.h"

int lfh_node_open_event(lfh_node *n, lfh_txn *t, const uint8_t *raw, size_t len, lfh_event *ev,
			lfh_record *body, lfh_err *err)
{
	lfh_buf ad = { 0 }, pt = { 0 };
	uint8_t key[32];
	int rc = lfh_event_decode(raw, len, ev, err);

	(void)n;
	if (rc || ev->type == LFH_EV_KEY || ev->type == LFH_EV_ISA_PROPOSE ||
	    ev->type == LFH_EV_CERT || ev->type == LFH_EV_REVOKE)
		return rc; /* bodies that are not records */
	if (lfh_event_type_plain(ev->type))
		return lfh_record_decode(ev->body, ev->body_len, body, err);
	rc = lfh_store_key_get(t, ev->case_id, ev->category, ev->key_creator, ev->key_epoch, key,
			       err);
	if (rc == LFH_ENOTFOUND)
		return lfh_err_set(err, LFH_ENOKEY, "sharing key %s/%u for this case is missing",
				   ev->key_creator, ev->key_epoch);
	if (!rc)
		rc = lfh_event_header_bytes(ev, &ad, err);
	if (!rc)
		rc = lfh_body_decrypt(key, ev->nonce, ad.data, ad.len, ev->body, ev->body_len, &pt,
				      err);
	if (!rc)
		rc = lfh_record_decode(pt.data, pt.len, body, err);
	sodium_memzero(key, sizeof key);
	lfh_buf_free(&ad);
	lfh_buf_free(&pt);
	return rc;
}

/* A case's events as the projection wants them, with their decrypted bodies. */
typedef struct case_events {
	lfh_osara_event *ev;
	lfh_record *bodies;
	size_t n, cap;
	const char *participants[LFH_MAX_RECIPIENTS + 1];
	size_t np;
	char referral_rcpt[LFH_MAX_RECIPIENTS + 1][LFH_AGENCY_MAX + 1];
	lfh_node *node;
	lfh_txn *t;
} case_events;

static void case_events_free(case_events *c)
{
	for (size_t i = 0; i < c->n; i++)
		lfh_record_clear(&c->bodies[i]);
	free(c->ev);
	free(c->bodies);
	memset(c, 0, sizeof *c);
}

static int grow(case_events *c)
{
	size_t cap = c->cap ? 2 * c->cap : 32;
	lfh_osara_event *ev = realloc(c->ev, cap * sizeof *ev);
	if (!ev)
		return LFH_ENOMEM;
	c->ev = ev;
	lfh_record *b = realloc(c->bodies, cap * sizeof *b);
	if (!b)
		return LFH_ENOMEM;
	c->bodies = b;
	c->cap = cap;
	return 0;
}

static int load_fn(void *vctx, uint64_t key, const uint8_t id[LFH_ID_LEN], const uint8_t *raw,
		   size_t len)
{
	case_events *c = vctx;
	lfh_event ev = { 0 };
	int rc;

	(void)key;
	if (lfh_event_peek_type(raw, len) == LFH_EV_CHUNK)
		return 0; /* a piece of an attached file: not a case step, never opened here */
	if (c->n == c->cap && grow(c))
		return LFH_ENOMEM;
	memset(&c->bodies[c->n], 0, sizeof c->bodies[0]);
	rc = lfh_node_open_event(c->node, c->t, raw, len, &ev, &c->bodies[c->n], NULL);
	if (ev.type == LFH_EV_KEY || lfh_event_type_hub_wide(ev.type) || ev.type == 0) {
		lfh_record_clear(&c->bodies[c->n]);
		lfh_event_clear(&ev);
		return 0;
	}
	if (ev.type == LFH_EV_REFERRAL && c->np == 0) {
		/* without an ISA, the referral's recipients take part from the start */
		snprintf(c->referral_rcpt[0], LFH_AGENCY_MAX + 1, "%s", ev.author);
		c->participants[c->np++] = c->referral_rcpt[0];
		for (uint32_t i = 0; i < ev.nrcpt && c->np <= LFH_MAX_RECIPIENTS; i++) {
			snprintf(c->referral_rcpt[c->np], LFH_AGENCY_MAX + 1, "%s", ev.rcpt[i].agency);
			c->participants[c->np] = c->referral_rcpt[c->np];
			c->np++;
		}
	}
	lfh_osara_event *o = &c->ev[c->n];
	memset(o, 0, sizeof *o);
	o->type = ev.type;
	memcpy(o->author, ev.author, sizeof o->author);
	o->hlc = ev.hlc;
	o->seq = ev.seq;
	memcpy(o->id, id, LFH_ID_LEN);
	o->body = rc == 0 ? &c->bodies[c->n] : NULL;
	c->n++;
	lfh_event_clear(&ev);
	return 0;
}

/* Both projections: with late set, the events past a full timeline not applied go there too. */
static int project_case(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
			lfh_osara_state *st, lfh_osara_late **late, size_t *nlate, lfh_err *err)
{
	case_events c = { 0 };
	int rc;

	c.node = n;
	c.t = t;
	rc = lfh_store_scan_case(t, case_id, load_fn, &c, err);
	if (rc == LFH_ENOMEM)
		lfh_err_set(err, rc, "out of memory");
	/* bodies must not move while the projection points at them */
	for (size_t i = 0; rc == 0 && i < c.n; i++)
		if (c.ev[i].body)
			c.ev[i].body = &c.bodies[i];
	if (!rc && late)
		rc = lfh_osara_project_late(c.ev, c.n, c.participants, c.np, st, late, nlate, err);
	else if (!rc)
		rc = lfh_osara_project(c.ev, c.n, c.participants, c.np, st, err);
	case_events_free(&c);
	return rc;
}

int lfh_node_project(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
		     lfh_osara_state *st, lfh_err *err)
{
	return project_case(n, t, case_id, st, NULL, NULL, err);
}

int lfh_node_project_late(lfh_node *n, lfh_txn *t, const uint8_t case_id[LFH_CASE_LEN],
			  lfh_osara_state *st, lfh_osara_late **late, size_t *nlate, lfh_err *err)
{
	*late = NULL;
	*nlate = 0;
	return project_case(n, t, case_id, st, late, nlate, err);
}
