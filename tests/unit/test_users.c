/*
 * test_users.c - unit tests for node/ctl_users.c: caseworker authentication
 * (signatures, clock skew, replays), role permissions, bootstrap mode and
 * the user_add / user_revoke / user_list commands, run directly against a
 * store in a mkdtemp directory, with a test clock.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
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
#include <sodium.h>

#include "lfh/buf.h"
#include "lfh/ctl.h"
#include "lfh/hlc.h"

#define T0 1790000000000ull

static uint64_t clock_ms = T0;
static uint64_t test_clock(void) { return clock_ms; }

/* The node the requests are for: only its agency and hub id are read. */
static lfh_node the_node;
static const char *const THE_HUB =
	"1111111111111111111111111111111111111111111111111111111111111111";

typedef struct user {
	const char *name;
	uint8_t pk[32], sk[64];
} user;

typedef struct fixture {
	char root[64];
	lfh_store *s;
	lfh_txn *t;
	lfh_ctl_seen seen;
	user admin, worker, manager, other;
} fixture;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void keys(user *u, const char *name)
{
	u->name = name;
	crypto_sign_keypair(u->pk, u->sk);
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	char dir[96];
	lfh_err err = { 0 };

	assert_non_null(f);
	assert_true(sodium_init() >= 0);
	clock_ms = T0;
	lfh_hlc_set_clock(test_clock);
	strcpy(f->root, "/tmp/lfh_test_users_XXXXXX");
	assert_non_null(mkdtemp(f->root));
	snprintf(dir, sizeof dir, "%s/data", f->root);
	assert_int_equal(lfh_store_open(&f->s, dir, 0, &err), 0);
	assert_int_equal(lfh_txn_begin(f->s, 1, &f->t, &err), 0);
	memset(&the_node, 0, sizeof the_node);
	strcpy(the_node.cfg.agency, "police");
	memset(the_node.rules.hub_id, 0x11, sizeof the_node.rules.hub_id);
	keys(&f->admin, "A Admin");
	keys(&f->worker, "PC Smith");
	keys(&f->manager, "J O'Neil-Jones");
	keys(&f->other, "Other");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	lfh_txn_abort(f->t);
	lfh_store_close(f->s);
	lfh_ctl_seen_free(&f->seen);
	nftw(f->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	lfh_hlc_set_clock(NULL);
	return 0;
}

static void req_free(lfh_ctl_req *q)
{
	lfh_record_clear(&q->req);
	for (size_t i = 0; i < q->rep.n; i++)
		lfh_record_clear(&q->rep.recs[i]);
	free(q->rep.recs);
	memset(q, 0, sizeof *q);
}

/* A request {cmd, by, k=v...} (pairs NULL-terminated), unsigned. */
static void mkreq(lfh_ctl_req *q, const char *cmd, ...)
{
	lfh_err err = { 0 };
	va_list ap;
	const char *k;

	memset(q, 0, sizeof *q);
	q->node = &the_node;
	assert_int_equal(lfh_record_set_str(&q->req, "cmd", cmd, &err), 0);
	assert_int_equal(lfh_record_set_str(&q->req, "by", "Claimed Name", &err), 0);
	va_start(ap, cmd);
	while ((k = va_arg(ap, const char *))) {
		const char *v = va_arg(ap, const char *);
		assert_int_equal(lfh_record_set_str(&q->req, k, v, &err), 0);
	}
	va_end(ap);
}

/* Sign q as user name with sk, at time ts, for node agency of hub (hex), as the CLI does. */
static void sign_for(lfh_ctl_req *q, const char *name, const uint8_t sk[64], uint64_t ts,
		     const char *agency, const char *hub)
{
	uint8_t nonce[16], sig[64];
	char hex[129];
	lfh_buf b = { 0 };
	lfh_err err = { 0 };

	randombytes_buf(nonce, sizeof nonce);
	lfh_hex(hex, nonce, sizeof nonce);
	assert_int_equal(lfh_record_set_str(&q->req, "user", name, &err), 0);
	assert_int_equal(lfh_record_set_uint(&q->req, "ts", ts, &err), 0);
	assert_int_equal(lfh_record_set_str(&q->req, "nonce", hex, &err), 0);
	if (agency)
		assert_int_equal(lfh_record_set_str(&q->req, "node", agency, &err), 0);
	if (hub)
		assert_int_equal(lfh_record_set_str(&q->req, "hub", hub, &err), 0);
	assert_int_equal(lfh_record_encode(&q->req, &b, &err), 0);
	crypto_sign_detached(sig, NULL, b.data, b.len, sk);
	lfh_hex(hex, sig, sizeof sig);
	assert_int_equal(lfh_record_set_str(&q->req, "sig", hex, &err), 0);
	lfh_buf_free(&b);
}

/* Sign q as user name with sk, at time ts, for this node. */
static void sign_as(lfh_ctl_req *q, const char *name, const uint8_t sk[64], uint64_t ts)
{
	sign_for(q, name, sk, ts, "police", THE_HUB);
}

static void sign(lfh_ctl_req *q, const user *u)
{
	sign_as(q, u->name, u->sk, clock_ms);
}

/* Authorize q; expect rc and (if rc) a message containing want. */
static void expect(fixture *f, lfh_ctl_req *q, int rc, const char *want)
{
	int got = lfh_ctl_authorize(q, f->t, &f->seen);
	if (got != rc || (want && !strstr(q->rep.message, want)))
		print_error("authorize: rc %d (want %d), message '%s' (want '%s')\n", got, rc,
			    q->rep.message, want ? want : "");
	assert_int_equal(got, rc);
	if (want)
		assert_non_null(strstr(q->rep.message, want));
}

/* Authorize, then run user_add {name, role, pk} as u (NULL: unsigned). */
static int add_user(fixture *f, const user *by, const user *u, const char *role)
{
	lfh_ctl_req q;
	char pk[65];
	int rc;

	lfh_hex(pk, u->pk, 32);
	mkreq(&q, "user_add", "name", u->name, "role", role, "pk", pk, NULL);
	if (by)
		sign(&q, by);
	rc = lfh_ctl_authorize(&q, f->t, &f->seen);
	if (!rc)
		rc = ctl_user_add(&q, f->t);
	req_free(&q);
	return rc;
}

static void bootstrap(fixture *f)
{
	assert_int_equal(add_user(f, NULL, &f->admin, "admin"), 0);
	assert_int_equal(add_user(f, &f->admin, &f->worker, "caseworker"), 0);
	assert_int_equal(add_user(f, &f->admin, &f->manager, "manager"), 0);
}

/* ---- tests ------------------------------------------------------------- */

static void test_bootstrap_accepts_unsigned(void **state)
{
	fixture *f = *state;
	lfh_ctl_req q;

	mkreq(&q, "case_close", "case", "00112233", NULL);
	expect(f, &q, 0, NULL);
	assert_string_equal(lfh_record_str(&q.req, "by"), "Claimed Name");
	req_free(&q);
	/* a caseworker registered without any admin: still bootstrap */
	assert_int_equal(add_user(f, NULL, &f->worker, "caseworker"), 0);
	mkreq(&q, "user_list", NULL);
	expect(f, &q, 0, NULL);
	req_free(&q);
	/* a signed request in bootstrap mode: accepted, its auth fields dropped */
	mkreq(&q, "case_step", "step", "risk", NULL);
	sign(&q, &f->other);
	expect(f, &q, 0, NULL);
	assert_null(lfh_record_str(&q.req, "sig"));
	assert_null(lfh_record_str(&q.req, "user"));
	assert_null(lfh_record_str(&q.req, "nonce"));
	req_free(&q);
}

static void test_signed_request_sets_by(void **state)
{
	fixture *f = *state;
	lfh_ctl_req q;
	uint64_t u;

	bootstrap(f);
	mkreq(&q, "case_step", "step", "risk", "case", "0011223344", NULL);
	sign(&q, &f->worker);
	expect(f, &q, 0, NULL);
	assert_string_equal(lfh_record_str(&q.req, "by"), "PC Smith");
	/* no authentication field is left for a command to copy into an event */
	assert_null(lfh_record_str(&q.req, "user"));
	assert_null(lfh_record_str(&q.req, "nonce"));
	assert_null(lfh_record_str(&q.req, "sig"));
	assert_false(lfh_record_uint(&q.req, "ts", &u));
	assert_string_equal(lfh_record_str(&q.req, "step"), "risk");
	assert_int_equal(q.req.n, 4); /* cmd, by, step, case */
	req_free(&q);
}

static void test_unsigned_refused(void **state)
{
	fixture *f = *state;
	lfh_ctl_req q;

	bootstrap(f);
	mkreq(&q, "status", NULL);
	expect(f, &q, LFH_EPERM, "authentication required");
	req_free(&q);
}

/* A signed request names the node it is for (agency and hub): one captured at
 * another node where the same user has the same key is refused. */
static void test_request_names_node(void **state)
{
	fixture *f = *state;
	lfh_ctl_req q;

	bootstrap(f);
	mkreq(&q, "case_list", NULL);
	sign_for(&q, f->worker.name, f->worker.sk, clock_ms, "housing", THE_HUB);
	expect(f, &q, LFH_EPERM, "request signed for another node: it names housing");
	req_free(&q);
	mkreq(&q, "case_list", NULL);
	sign_for(&q, f->worker.name, f->worker.sk, clock_ms, "police",
		 "2222222222222222222222222222222222222222222222222222222222222222");
	expect(f, &q, LFH_EPERM, "request signed for another node");
	req_free(&q);
	mkreq(&q, "case_list", NULL);
	sign_for(&q, f->worker.name, f->worker.sk, clock_ms, NULL, THE_HUB);
	expect(f, &q, LFH_EPERM, "malformed authentication");
	req_free(&q);
	mkreq(&q, "case_list", NULL);
	sign(&q, &f->worker);
	expect(f, &q, 0, NULL);
	assert_null(lfh_record_str(&q.req, "node"));
	assert_null(lfh_record_str(&q.req, "hub"));
	req_free(&q);
}

/* hello (who the node is) is answered unsigned even once users exist. */
static void test_hello_unsigned(void **state)
{
	fixture *f = *state;
	lfh_ctl_req q;

	bootstrap(f);
	mkreq(&q, "hello", NULL);
	expect(f, &q, 0, NULL);
	assert_int_equal(ctl_hello(&q, f->t), 0);
	assert_int_equal(q.rep.n, 1);
	assert_string_equal(lfh_record_str(&q.rep.recs[0], "node"), "police");
	assert_string_equal(lfh_record_str(&q.rep.recs[0], "hub"), THE_HUB);
	req_free(&q);
}

static void test_bad_signatures(void **state)
{
	fixture *f = *state;
	lfh_ctl_req q;
	lfh_err err = { 0 };

	bootstrap(f);
	/* a field changed after signing */
	mkreq(&q, "note_add", "case", "0011223344", "text", "original", NULL);
	sign(&q, &f->worker);
	assert_int_equal(lfh_record_set_str(&q.req, "text", "tampered", &err), 0);
	expect(f, &q, LFH_EPERM, "bad signature");
	/* audited as claimed, marked as not verified: never as PC Smith's own request */
	assert_string_equal(lfh_record_str(&q.req, "by"), "(unverified) PC Smith");
	req_free(&q);
	/* a field added after signing */
	mkreq(&q, "case_list", NULL);
	sign(&q, &f->worker);
	assert_int_equal(lfh_record_set_str(&q.req, "extra", "x", &err), 0);
	expect(f, &q, LFH_EPERM, "bad signature");
	req_free(&q);
	/* another user's key under the caseworker's name */
	mkreq(&q, "case_list", NULL);
	sign_as(&q, f->worker.name, f->manager.sk, clock_ms);
	expect(f, &q, LFH_EPERM, "bad signature");
	req_free(&q);
	/* unknown user; malformed fields */
	mkreq(&q, "case_list", NULL);
	sign(&q, &f->other);
	expect(f, &q, LFH_EPERM, "unknown user 'Other'");
	assert_string_equal(lfh_record_str(&q.req, "by"), "(unverified) Other");
	req_free(&q);
	mkreq(&q, "case_list", NULL);
	sign(&q, &f->worker);
	assert_int_equal(lfh_record_set_str(&q.req, "sig", "00", &err), 0);
	expect(f, &q, LFH_EPERM, "malformed");
	req_free(&q);
	mkreq(&q, "case_list", NULL);
	sign(&q, &f->worker);
	assert_int_equal(lfh_record_set_str(&q.req, "ts", "123", &err), 0);
	expect(f, &q, LFH_EPERM, "malformed");
	req_free(&q);
}

static void test_clock_skew_and_replay(void **state)
{
	fixture *f = *state;
	lfh_ctl_req q, r;
	lfh_err err = { 0 };

	bootstrap(f);
	mkreq(&q, "case_list", NULL);
	sign_as(&q, f->worker.name, f->worker.sk, clock_ms - LFH_CTL_SKEW_MS - 1);
	expect(f, &q, LFH_EPERM, "request too old or clock skew");
	req_free(&q);
	mkreq(&q, "case_list", NULL);
	sign_as(&q, f->worker.name, f->worker.sk, clock_ms + LFH_CTL_SKEW_MS + 1);
	expect(f, &q, LFH_EPERM, "request too old or clock skew");
	req_free(&q);
	mkreq(&q, "case_list", NULL);
	sign_as(&q, f->worker.name, f->worker.sk, clock_ms + LFH_CTL_SKEW_MS);
	expect(f, &q, 0, NULL);
	req_free(&q);

	/* the same signed request twice: the second is a replay */
	mkreq(&q, "case_list", NULL);
	sign(&q, &f->worker);
	memset(&r, 0, sizeof r);
	r.node = &the_node;
	for (size_t i = 0; i < q.req.n; i++) {
		const lfh_field *x = &q.req.f[i];
		if (x->kind == LFH_FIELD_STR)
			assert_int_equal(lfh_record_set_str(&r.req, x->key, x->str, &err), 0);
		else
			assert_int_equal(lfh_record_set_uint(&r.req, x->key, x->u, &err), 0);
	}
	expect(f, &q, 0, NULL);
	clock_ms += 9 * 60 * 1000; /* within the window, though past the skew */
	expect(f, &r, LFH_EPERM, "request too old or clock skew");
	req_free(&r);
	clock_ms -= 9 * 60 * 1000;
	req_free(&q);

	mkreq(&q, "case_list", NULL);
	sign(&q, &f->worker);
	memset(&r, 0, sizeof r);
	r.node = &the_node;
	for (size_t i = 0; i < q.req.n; i++) {
		const lfh_field *x = &q.req.f[i];
		if (x->kind == LFH_FIELD_STR)
			assert_int_equal(lfh_record_set_str(&r.req, x->key, x->str, &err), 0);
		else
			assert_int_equal(lfh_record_set_uint(&r.req, x->key, x->u, &err), 0);
	}
	expect(f, &q, 0, NULL);
	clock_ms += 60 * 1000;
	expect(f, &r, LFH_EPERM, "replayed request");
	req_free(&q);
	req_free(&r);

	/* a node that restarted forgot its nonces: what was signed before it started is refused */
	mkreq(&q, "case_list", NULL);
	sign(&q, &f->worker);
	f->seen.since_ms = clock_ms + 1;
	expect(f, &q, LFH_EPERM, "signed before this node started");
	f->seen.since_ms = 0;
	req_free(&q);

	/* entries expire after 10 minutes: the ring does not grow without end */
	clock_ms += 11 * 60 * 1000;
	mkreq(&q, "case_list", NULL);
	sign(&q, &f->worker);
	expect(f, &q, 0, NULL);
	req_free(&q);
	assert_int_equal(f->seen.n, 1);
}

static void test_many_requests(void **state)
{
	fixture *f = *state;
	lfh_ctl_req q;

	bootstrap(f);
	for (int i = 0; i < 1000; i++) {
		mkreq(&q, "case_list", NULL);
		sign(&q, i % 2 ? &f->worker : &f->manager);
		expect(f, &q, 0, NULL);
		req_free(&q);
	}
	assert_true(f->seen.n >= 1000);
}

static void test_roles(void **state)
{
	fixture *f = *state;
	static const struct {
		const char *cmd, *step;
		int worker_ok, manager_ok;
	} cases[] = {
		{ "referral_new", NULL, 1, 1 },	    { "case_list", NULL, 1, 1 },
		{ "case_step", "risk", 1, 1 },	    { "case_step", "scanning", 0, 1 },
		{ "case_step", "review", 0, 1 },    { "case_step", "close-propose", 0, 1 },
		{ "case_close", NULL, 0, 1 },	    { "audit_list", NULL, 0, 1 },
		{ "report_performance", NULL, 0, 1 }, { "report_tactical", NULL, 0, 1 },
		{ "user_add", NULL, 0, 0 },	    { "user_revoke", NULL, 0, 0 },
		{ "user_list", NULL, 0, 0 },	    { "isa_propose", NULL, 0, 0 },
		{ "isa_sign", NULL, 0, 0 },	    { "retention_run", NULL, 0, 0 },
	};
	lfh_ctl_req q;

	bootstrap(f);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		for (int who = 0; who < 3; who++) {
			const user *u = who == 0 ? &f->worker : who == 1 ? &f->manager : &f->admin;
			int ok = who == 0 ? cases[i].worker_ok : who == 1 ? cases[i].manager_ok : 1;
			if (cases[i].step)
				mkreq(&q, cases[i].cmd, "step", cases[i].step, NULL);
			else
				mkreq(&q, cases[i].cmd, NULL);
			sign(&q, u);
			expect(f, &q, ok ? 0 : LFH_EPERM, ok ? NULL : "may not");
			req_free(&q);
		}
	}
	mkreq(&q, "case_close", NULL);
	sign(&q, &f->worker);
	expect(f, &q, LFH_EPERM,
	       "user PC Smith (role caseworker) may not run case_close: it needs the manager role");
	req_free(&q);
	mkreq(&q, "case_step", "step", "review", NULL);
	sign(&q, &f->worker);
	expect(f, &q, LFH_EPERM, "may not record the case step 'review'");
	req_free(&q);
	/* a chronology read for a subject access export is audited as sar: a manager's */
	mkreq(&q, "case_chronology", "for", "sar", NULL);
	sign(&q, &f->worker);
	expect(f, &q, LFH_EPERM, "may not read a case for a subject access export");
	req_free(&q);
	mkreq(&q, "case_chronology", "for", "sar", NULL);
	sign(&q, &f->manager);
	expect(f, &q, 0, NULL);
	req_free(&q);
	mkreq(&q, "case_chronology", NULL);
	sign(&q, &f->worker);
	expect(f, &q, 0, NULL);
	req_free(&q);
}

static void test_revoke(void **state)
{
	fixture *f = *state;
	lfh_ctl_req q;

	bootstrap(f);
	mkreq(&q, "user_revoke", "name", "PC Smith", NULL);
	sign(&q, &f->admin);
	expect(f, &q, 0, NULL);
	assert_int_equal(ctl_user_revoke(&q, f->t), 0);
	req_free(&q);
	mkreq(&q, "case_list", NULL);
	sign(&q, &f->worker);
	expect(f, &q, LFH_EPERM, "user 'PC Smith' is revoked");
	req_free(&q);
	/* revoking again; an unknown user */
	mkreq(&q, "user_revoke", "name", "PC Smith", NULL);
	sign(&q, &f->admin);
	expect(f, &q, 0, NULL);
	assert_int_equal(ctl_user_revoke(&q, f->t), LFH_EINVAL);
	req_free(&q);
	mkreq(&q, "user_revoke", "name", "Nobody", NULL);
	sign(&q, &f->admin);
	expect(f, &q, 0, NULL);
	assert_int_equal(ctl_user_revoke(&q, f->t), LFH_ENOTFOUND);
	req_free(&q);
	/* the last active admin stays */
	mkreq(&q, "user_revoke", "name", "A Admin", NULL);
	sign(&q, &f->admin);
	expect(f, &q, 0, NULL);
	assert_int_equal(ctl_user_revoke(&q, f->t), LFH_EPERM);
	assert_non_null(strstr(q.rep.message, "last active admin"));
	req_free(&q);
	/* re-registered with a new key: the old one no longer works */
	user again = f->worker;
	crypto_sign_keypair(again.pk, again.sk);
	assert_int_equal(add_user(f, &f->admin, &again, "caseworker"), 0);
	mkreq(&q, "case_list", NULL);
	sign(&q, &f->worker);
	expect(f, &q, LFH_EPERM, "bad signature");
	req_free(&q);
	mkreq(&q, "case_list", NULL);
	sign(&q, &again);
	expect(f, &q, 0, NULL);
	req_free(&q);
}

static void test_user_add_and_list(void **state)
{
	fixture *f = *state;
	lfh_ctl_req q;
	char pk[65];

	bootstrap(f);
	assert_int_equal(add_user(f, &f->admin, &f->worker, "caseworker"), LFH_EEXIST);
	lfh_hex(pk, f->other.pk, 32);
	static const char *const bad[][3] = {
		{ " Lead", "caseworker", NULL }, { "Trail ", "caseworker", NULL },
		{ "", "caseworker", NULL },	 { "a/b", "caseworker", NULL },
		{ "Ok", "boss", NULL },		 { "Ok", "admin", "zz" },
		{ "Ok\n", "admin", NULL },
		{ "0123456789012345678901234567890123456789012345678901234567890123", "admin", NULL },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		mkreq(&q, "user_add", "name", bad[i][0], "role", bad[i][1], "pk",
		      bad[i][2] ? bad[i][2] : pk, NULL);
		sign(&q, &f->admin);
		expect(f, &q, 0, NULL);
		assert_int_equal(ctl_user_add(&q, f->t), LFH_EINVAL);
		req_free(&q);
	}
	mkreq(&q, "user_list", NULL);
	sign(&q, &f->admin);
	expect(f, &q, 0, NULL);
	assert_int_equal(ctl_user_list(&q, f->t), 0);
	assert_int_equal(q.rep.n, 3);
	assert_string_equal(lfh_record_str(&q.rep.recs[0], "name"), "A Admin");
	assert_string_equal(lfh_record_str(&q.rep.recs[0], "role"), "admin");
	assert_string_equal(lfh_record_str(&q.rep.recs[0], "added_by"), "Claimed Name");
	assert_string_equal(lfh_record_str(&q.rep.recs[1], "name"), "J O'Neil-Jones");
	assert_string_equal(lfh_record_str(&q.rep.recs[1], "added_by"), "A Admin");
	assert_string_equal(lfh_record_str(&q.rep.recs[2], "name"), "PC Smith");
	assert_string_equal(lfh_record_str(&q.rep.recs[2], "state"), "active");
	assert_string_equal(lfh_record_str(&q.rep.recs[2], "revoked"), "");
	req_free(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bootstrap_accepts_unsigned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signed_request_sets_by, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsigned_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_names_node, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hello_unsigned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_signatures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_skew_and_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoke, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_add_and_list, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
