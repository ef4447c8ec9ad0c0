/*
 * client.c - lfh's side of the control protocol and its output helpers.
 * The CLI is a thin client: it sends one request record, prints what the
 * node answers, and does nothing clever itself.
 */
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>
#include <sodium.h>
#include <zmq.h>

#include "client.h"
#include "safe_out.h"
#include "lfh/buf.h"
#include "lfh/config.h"
#include "lfh/hlc.h"

#define DEFAULT_CONFIG "/etc/lfhd/lfhd.conf"
#define DEFAULT_KEY ".config/lfh/user.key" /* under $HOME */
#define KEY_FILE_MAX 4096
#define REPLY_TIMEOUT_MS 30000

cli_globals cli_g;

/* An error on stderr, its control characters shown as '?' (safe_out.h): it may quote the node. */
void cli_error(const char *fmt, ...)
{
	char msg[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	lfh_safe_text(msg);
	fprintf(stderr, "lfh: %s\n", msg);
}

int cli_bad_option(const char *cmd, char **argv, int c)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";

	if (c == ':')
		cli_error("option '%s' needs a value (see lfh %s --help)", arg, cmd);
	else
		cli_error("unknown option '%s' (see lfh %s --help)", arg, cmd);
	return 2;
}

int cli_given_twice(int given, const char *opt, const char *cmd)
{
	if (!given)
		return 0;
	cli_error("%s given twice (see lfh %s --help)", opt, cmd);
	return 2;
}

/* Work out the control endpoint: -C, $LFH_CONTROL, then the config file. */
static int control_endpoint(char *out, size_t size)
{
	static lfh_config cfg;
	lfh_err err = { 0 }, cerr = { 0 };
	const char *env = getenv("LFH_CONTROL");
	const char *path = cli_g.config ? cli_g.config : DEFAULT_CONFIG;

	if (cli_g.control || (env && *env)) {
		snprintf(out, size, "%s", cli_g.control ? cli_g.control : env);
		if (strncmp(out, "ipc://", 6) != 0) {
			cli_error("control endpoint '%.80s': lfhd serves its control socket on "
				  "ipc://PATH only (the control setting of its lfhd.conf)", out);
			return 1;
		}
		return 0;
	}
	if (lfh_config_load(path, &cfg, &err) == 0) {
		snprintf(out, size, "%s", cfg.control);
		return 0;
	}
	/* lfhd may run on with the file it loaded before: reach it, and say what is wrong */
	if (lfh_config_control(path, out, size, &cerr) == 0) {
		cli_error("warning: %s: lfhd will not start with this file (fix it; lfh reads only "
			  "its control setting meanwhile)", err.msg);
		snprintf(cli_g.config_broken, sizeof cli_g.config_broken, "%s", err.msg);
		return 0;
	}
	cli_error("%s (use -c CONFIG or -C ENDPOINT)", err.msg);
	return 1;
}

int cli_user_name_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > CLI_NAME_MAX || s[0] == ' ' || s[n - 1] == ' ')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == ' ' || c == '.' || c == '_' || c == '\'' || c == '-'))
			return 0;
	}
	return 1;
}

struct keyparse {
	cli_user_key *k;
	int has_name, has_key, bad;
	char why[160];
};

static int key_handler(void *user, const char *section, const char *name, const char *value)
{
	struct keyparse *p = user;

	if (p->bad)
		return 0;
	if (strcmp(section, "user") != 0) {
		snprintf(p->why, sizeof p->why, "'%.32s' outside the [user] section", name);
	} else if (!strcmp(name, "name") && !p->has_name) {
		if (cli_user_name_valid(value)) {
			snprintf(p->k->name, sizeof p->k->name, "%s", value);
			p->has_name = 1;
			return 1;
		}
		snprintf(p->why, sizeof p->why, "name: not a valid user name");
	} else if (!strcmp(name, "key") && !p->has_key) {
		if (strlen(value) == 128 && lfh_unhex(p->k->sk, 64, value) == 0) {
			p->has_key = 1;
			return 1;
		}
		snprintf(p->why, sizeof p->why, "key: expected 128 hex digits");
	} else {
		snprintf(p->why, sizeof p->why, "unexpected or repeated key '%.32s'", name);
	}
	p->bad = 1;
	return 0;
}

int cli_key_load(const char *path, cli_user_key *k)
{
	struct keyparse p = { .k = k };
	unsigned char pk[32], sk[64];
	struct stat st;
	lfh_err err = { 0 };
	char *text = NULL;
	size_t len = 0;
	int ir;

	memset(k, 0, sizeof *k);
	if (stat(path, &st) != 0) {
		cli_error("cannot read user key %s: %s", path, strerror(errno));
		return 1;
	}
	if (!S_ISREG(st.st_mode)) {
		cli_error("user key %s is not a file (--key names the key file `lfh admin user add "
			  "--out` wrote)", path);
		return 1;
	}
	if (st.st_mode & 077) {
		cli_error("user key %s is accessible by group or others (mode %03o): "
			  "run chmod 600 %s", path, (unsigned)(st.st_mode & 0777), path);
		return 1;
	}
	if (lfh_read_file(path, KEY_FILE_MAX, &text, &len, &err)) {
		cli_error("user key: %s", err.msg);
		return 1;
	}
	ir = ini_parse_string(text, key_handler, &p);
	sodium_memzero(text, len);
	free(text);
	if (ir != 0 || !p.has_name || !p.has_key) {
		if (!p.why[0] && ir > 0)
			snprintf(p.why, sizeof p.why, "syntax error on line %d", ir);
		else if (!p.why[0])
			snprintf(p.why, sizeof p.why, "expected [user] with name and key");
		cli_error("user key %s: %s", path, p.why);
		sodium_memzero(k, sizeof *k);
		return 1;
	}
	/* An Ed25519 secret key is seed || public key: both halves must agree. */
	crypto_sign_seed_keypair(pk, sk, k->sk);
	ir = sodium_memcmp(sk, k->sk, 64);
	sodium_memzero(sk, sizeof sk);
	if (ir != 0) {
		cli_error("user key %s: key is not a valid Ed25519 secret key", path);
		sodium_memzero(k, sizeof *k);
		return 1;
	}
	return 0;
}

/* The user key to sign with: 1 and k loaded, 0 if there is none, -1 on error. */
static int user_key(cli_user_key *k)
{
	const char *env = getenv("LFH_KEY"), *home = getenv("HOME");
	char path[4096];
	struct stat st;

	if (cli_g.key)
		return cli_key_load(cli_g.key, k) ? -1 : 1;
	if (env && *env)
		return cli_key_load(env, k) ? -1 : 1;
	if (!home || !*home) {
		struct passwd *pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : NULL;
	}
	if (!home || (size_t)snprintf(path, sizeof path, "%s/%s", home, DEFAULT_KEY) >= sizeof path ||
	    stat(path, &st) != 0)
		return 0;
	return cli_key_load(path, k) ? -1 : 1;
}

/* Add user, ts, nonce, node and hub (the node's own `hello` record), then sig:
 * the signature of the record without sig. */
static int sign_request(lfh_record *req, const cli_user_key *k, const lfh_record *node,
			lfh_err *err)
{
	uint8_t nonce[16], sig[64];
	char nonce_hex[33], sig_hex[129];
	const char *agency = lfh_record_str(node, "node"), *hub = lfh_record_str(node, "hub");
	lfh_buf b = { 0 };
	int rc;

	if (!agency || !hub)
		return lfh_err_set(err, LFH_ECODEC, "the node did not say who it is (an older lfhd?)");
	randombytes_buf(nonce, sizeof nonce);
	lfh_hex(nonce_hex, nonce, sizeof nonce);
	if ((rc = lfh_record_set_str(req, "user", k->name, err)) ||
	    (rc = lfh_record_set_uint(req, "ts", lfh_wall_ms(), err)) ||
	    (rc = lfh_record_set_str(req, "nonce", nonce_hex, err)) ||
	    (rc = lfh_record_set_str(req, "node", agency, err)) ||
	    (rc = lfh_record_set_str(req, "hub", hub, err)) ||
	    (rc = lfh_record_encode(req, &b, err)))
		goto out;
	crypto_sign_detached(sig, NULL, b.data, b.len, k->sk);
	lfh_hex(sig_hex, sig, sizeof sig);
	rc = lfh_record_set_str(req, "sig", sig_hex, err);
out:
	lfh_buf_free(&b);
	return rc;
}

static const char *caseworker(const cli_user_key *k)
{
	const char *env = getenv("LFH_USER");
	struct passwd *pw;
	if (cli_g.by)
		return cli_g.by;
	if (k)
		return k->name;
	if (env && *env)
		return env;
	pw = getpwuid(getuid());
	return pw ? pw->pw_name : "unknown";
}

static int send_req(void *sock, const lfh_buf *req, const char *ep)
{
	if (zmq_send(sock, req->data, req->len, 0) >= 0)
		return 0;
	cli_error("cannot send to node at %s: %s", ep, zmq_strerror(zmq_errno()));
	return 1;
}

static int recv_reply(void *sock, lfh_reply *rep, const char *ep)
{
	zmq_msg_t msg;
	lfh_err err = { 0 };
	int rc = 1;

	zmq_msg_init(&msg);
	if (zmq_msg_recv(&msg, sock, 0) < 0)
		cli_error("no answer from the node at %s within %d s (is lfhd running?)", ep,
			  REPLY_TIMEOUT_MS / 1000);
	else if (lfh_reply_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), rep, &err))
		cli_error("unreadable answer from the node: %s", err.msg);
	else if (rep->code != 0)
		cli_error("%s", rep->message);
	else
		rc = 0;
	zmq_msg_close(&msg);
	return rc;
}

static int exchange(void *sock, const lfh_buf *req, lfh_reply *rep, const char *ep)
{
	return send_req(sock, req, ep) ? 1 : recv_reply(sock, rep, ep);
}

/* Ask the node who it is (`hello`: agency and hub id, unsigned). 0 and rep
 * filled, else 1 after saying why. */
static int hello_of(void *sock, lfh_reply *rep, const char *ep)
{
	lfh_record req = { 0 };
	lfh_buf b = { 0 };
	lfh_err err = { 0 };
	int rc = 1;

	if (lfh_record_set_str(&req, "cmd", "hello", &err) || lfh_record_encode(&req, &b, &err))
		cli_error("%s", err.msg);
	else
		rc = exchange(sock, &b, rep, ep);
	lfh_record_clear(&req);
	lfh_buf_free(&b);
	return rc;
}

struct cli_conn {
	char ep[LFH_ENDPOINT_MAX];
	void *ctx, *sock;
	int signing;
	cli_user_key key;
	lfh_reply hello; /* the node's own record, which signed requests name */
};

void cli_conn_close(cli_conn *c)
{
	if (!c)
		return;
	sodium_memzero(&c->key, sizeof c->key);
	if (c->sock)
		zmq_close(c->sock);
	if (c->ctx)
		zmq_ctx_term(c->ctx);
	lfh_reply_clear(&c->hello);
	free(c);
}

int cli_conn_open(cli_conn **out)
{
	cli_conn *c = calloc(1, sizeof *c);
	struct stat st;
	int timeout = REPLY_TIMEOUT_MS, linger = 0;

	*out = NULL;
	if (!c) {
		cli_error("out of memory");
		return 1;
	}
	if (control_endpoint(c->ep, sizeof c->ep))
		goto fail;
	if (strncmp(c->ep, "ipc://", 6) == 0 && stat(c->ep + 6, &st) != 0 && errno != EACCES) {
		cli_error("node not running: no control socket at %s", c->ep + 6);
		goto fail;
	}
	/* connecting needs write permission on the socket: say so now, not after a timeout */
	if (strncmp(c->ep, "ipc://", 6) == 0 && access(c->ep + 6, R_OK | W_OK) != 0) {
		cli_error("no permission to use the control socket %s (%s): ask the node's "
			  "administrator to add you to its group (config: control_group)", c->ep + 6,
			  strerror(errno));
		goto fail;
	}
	if ((c->signing = user_key(&c->key)) < 0)
		goto fail;
	c->ctx = zmq_ctx_new();
	c->sock = c->ctx ? zmq_socket(c->ctx, ZMQ_REQ) : NULL;
	if (!c->sock || zmq_setsockopt(c->sock, ZMQ_RCVTIMEO, &timeout, sizeof timeout) ||
	    zmq_setsockopt(c->sock, ZMQ_SNDTIMEO, &timeout, sizeof timeout) ||
	    zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof linger) ||
	    zmq_connect(c->sock, c->ep)) {
		cli_error("cannot connect to node at %s: %s", c->ep, zmq_strerror(zmq_errno()));
		goto fail;
	}
	/* a signed request names the node it is for: ask the node who it is */
	if (c->signing && hello_of(c->sock, &c->hello, c->ep))
		goto fail;
	*out = c;
	return 0;
fail:
	cli_conn_close(c);
	return 1;
}

int cli_conn_send(cli_conn *c, const lfh_record *req_in)
{
	lfh_record req = { 0 };
	lfh_buf b = { 0 };
	lfh_err err = { 0 };
	int rc = 1;

	/* A copy of req_in, with "by" and (when signing) user, ts, nonce and sig. */
	for (size_t i = 0; i < req_in->n; i++) {
		const lfh_field *f = &req_in->f[i];
		if (f->kind == LFH_FIELD_STR)
			lfh_record_set_str(&req, f->key, f->str, &err);
		else
			lfh_record_set_uint(&req, f->key, f->u, &err);
	}
	if (!lfh_record_str(&req, "by"))
		lfh_record_set_str(&req, "by", caseworker(c->signing ? &c->key : NULL), &err);
	if (!lfh_record_str(&req, "team") && getenv("LFH_TEAM") && *getenv("LFH_TEAM"))
		lfh_record_set_str(&req, "team", getenv("LFH_TEAM"), &err); /* unsigned nodes only */
	if (c->signing &&
	    sign_request(&req, &c->key, c->hello.nrecords ? &c->hello.records[0] : &req, &err))
		cli_error("%s", err.msg);
	else if (lfh_record_encode(&req, &b, &err))
		cli_error("%s", err.msg);
	else
		rc = send_req(c->sock, &b, c->ep);
	lfh_record_clear(&req);
	lfh_buf_free(&b);
	return rc;
}

int cli_conn_recv(cli_conn *c, lfh_reply *rep)
{
	return recv_reply(c->sock, rep, c->ep);
}

int cli_conn_call(cli_conn *c, const lfh_record *req_in, lfh_reply *rep)
{
	return cli_conn_send(c, req_in) ? 1 : cli_conn_recv(c, rep);
}

int cli_call(const lfh_record *req_in, lfh_reply *rep)
{
	cli_conn *c;
	int rc = cli_conn_open(&c);

	if (rc)
		return rc;
	rc = cli_conn_call(c, req_in, rep);
	cli_conn_close(c);
	return rc;
}

/* Does a page end with a record holding only `next` (more pages follow)? Then its value. */
static const char *next_page(const lfh_reply *rep)
{
	const lfh_record *last = rep->nrecords ? &rep->records[rep->nrecords - 1] : NULL;

	if (!last || last->n != 1 || strcmp(last->f[0].key, "next") != 0)
		return NULL;
	return lfh_record_str(last, "next");
}

/* Move page's records to the end of rep. 0, or 1 after saying why. */
static int append_page(lfh_reply *rep, lfh_reply *page)
{
	lfh_record *p;

	if (!page->nrecords)
		return 0;
	p = realloc(rep->records, (rep->nrecords + page->nrecords) * sizeof *p);
	if (!p) {
		cli_error("out of memory");
		return 1;
	}
	memcpy(p + rep->nrecords, page->records, page->nrecords * sizeof *p);
	rep->records = p;
	rep->nrecords += page->nrecords;
	free(page->records);
	memset(page, 0, sizeof *page);
	return 0;
}

int cli_call_pages(lfh_record *req, lfh_reply *rep)
{
	return cli_call_pages_n(req, rep, NULL);
}

int cli_call_pages_n(lfh_record *req, lfh_reply *rep, size_t *npages)
{
	lfh_reply page = { 0 };
	lfh_err err = { 0 };
	const char *next, *size = getenv("LFH_PAGE_SIZE"); /* smaller pages (tests) */
	const char *scan = getenv("LFH_PAGE_SCAN");         /* fewer cases a page (tests) */
	int rc;

	if ((size && *size && lfh_record_set_uint(req, "limit", strtoull(size, NULL, 10), &err)) ||
	    (scan && *scan && lfh_record_set_uint(req, "scan", strtoull(scan, NULL, 10), &err))) {
		cli_error("%s", err.msg);
		return 1;
	}
	rc = cli_call(req, rep);
	if (npages)
		*npages = 1;
	while (rc == 0 && (next = next_page(rep))) {
		char after[129];
		snprintf(after, sizeof after, "%s", next);
		lfh_record_clear(&rep->records[--rep->nrecords]);
		if (lfh_record_set_str(req, "after", after, &err)) {
			cli_error("%s", err.msg);
			return 1;
		}
		if ((rc = cli_call(req, &page)) == 0)
			rc = append_page(rep, &page);
		if (npages)
			++*npages;
		lfh_reply_clear(&page);
	}
	return rc;
}

/*
 * s as a JSON string: controls escaped, and a byte that is not part of
 * well-formed UTF-8 (an event from an older node or another implementation)
 * as U+FFFD, so the output stays JSON a strict reader takes.
 */
static void json_string(const char *s)
{
	size_t left = strlen(s);

	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++, left--) {
		size_t k = *p < 0x80 ? 1 : lfh_utf8_seq(p, left);
		if (k == 0) {
			fputs("\\ufffd", stdout);
			continue;
		}
		if (k > 1 && !(*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)) {
			fwrite(p, 1, k, stdout);
			p += k - 1;
			left -= k - 1;
			continue;
		}
		switch (*p) {
		case '"': fputs("\\\"", stdout); break;
		case '\\': fputs("\\\\", stdout); break;
		case '\n': fputs("\\n", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				printf("\\u%04x", *p);
			else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) { /* a C1 control */
				printf("\\u%04x", *++p);
				left--;
			} else {
				putchar(*p);
			}
		}
	}
	putchar('"');
}

static void json_record(const lfh_record *r)
{
	putchar('{');
	for (size_t i = 0; i < r->n; i++) {
		if (i)
			putchar(',');
		json_string(r->f[i].key);
		putchar(':');
		if (r->f[i].kind == LFH_FIELD_STR)
			json_string(r->f[i].str);
		else
			printf("%llu", (unsigned long long)r->f[i].u);
	}
	putchar('}');
}

void cli_print_json(const lfh_record *recs, size_t n, int as_array)
{
	if (!as_array) {
		if (n)
			json_record(&recs[0]);
		else
			fputs("{}", stdout);
		putchar('\n');
		return;
	}
	putchar('[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			putchar(',');
		json_record(&recs[i]);
	}
	puts("]");
}

const char *cli_field(const lfh_record *r, const char *key, char *buf, size_t size)
{
	uint64_t u;
	const char *s = lfh_record_str(r, key);
	if (s)
		return s;
	if (lfh_record_uint(r, key, &u)) {
		snprintf(buf, size, "%llu", (unsigned long long)u);
		return buf;
	}
	return "";
}

/* Print at most max display bytes of s, padded to width. */
/* A table cell: a line break in what another agency wrote must not start a fake row. */
static void cell(const char *s, size_t width, int last)
{
	size_t len = strlen(s), show = len > width ? width - 1 : len;

	for (size_t i = 0; i < show; i++)
		putchar(s[i] == '\n' || s[i] == '\r' ? ' ' : s[i]);
	if (len > width)
		putchar('~');
	if (!last)
		printf("%*s", (int)(width - (len > width ? width : len) + 2), "");
}

void cli_print_table(const lfh_record *recs, size_t n, const cli_column *cols, size_t ncols)
{
	size_t width[16] = { 0 };
	char buf[32];

	for (size_t c = 0; c < ncols && c < 16; c++) {
		size_t max = cols[c].max ? cols[c].max : 40;
		width[c] = strlen(cols[c].heading);
		for (size_t i = 0; i < n; i++) {
			size_t l = strlen(cli_field(&recs[i], cols[c].field, buf, sizeof buf));
			if (l > width[c])
				width[c] = l;
		}
		if (width[c] > max)
			width[c] = max;
	}
	for (size_t c = 0; c < ncols && c < 16; c++)
		cell(cols[c].heading, width[c], c + 1 == ncols);
	putchar('\n');
	for (size_t i = 0; i < n; i++) {
		for (size_t c = 0; c < ncols && c < 16; c++)
			cell(cli_field(&recs[i], cols[c].field, buf, sizeof buf), width[c], c + 1 == ncols);
		putchar('\n');
	}
}

/*
 * Would a spreadsheet take s for a formula (=HYPERLINK(...), +cmd|...)? A
 * signed number is a number, not a formula.
 */
static int csv_formula(const char *s)
{
	if (!s[0] || !strchr("=+-@\t\r", s[0]))
		return 0;
	if ((s[0] == '-' || s[0] == '+') && s[1] && strspn(s + 1, "0123456789.") == strlen(s + 1))
		return 0;
	return 1;
}

/*
 * One CSV field: quoted (quotes doubled) when it holds , " CR or LF; one a
 * spreadsheet would run as a formula starts with ' (OWASP's advice), so an
 * audit export opened in a spreadsheet shows what another agency wrote
 * instead of running it.
 */
static void csv_field(const char *s, int last)
{
	int formula = csv_formula(s);

	if (strpbrk(s, ",\"\r\n")) {
		putchar('"');
		if (formula)
			putchar('\'');
		for (; *s; s++) {
			if (*s == '"')
				putchar('"');
			putchar(*s);
		}
		putchar('"');
	} else {
		if (formula)
			putchar('\'');
		fputs(s, stdout);
	}
	fputs(last ? "\n" : ",", stdout);
}

void cli_print_csv(const lfh_record *recs, size_t n, const char *const *fields, size_t nfields)
{
	char b[32];

	for (size_t f = 0; f < nfields; f++)
		csv_field(fields[f], f + 1 == nfields);
	for (size_t i = 0; i < n; i++)
		for (size_t f = 0; f < nfields; f++)
			csv_field(cli_field(&recs[i], fields[f], b, sizeof b), f + 1 == nfields);
}

static int days_in_month(int y, int mo)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return mo == 2 && leap ? 29 : days[mo - 1];
}

/*
 * Did the local time tm (its date and time fields) happen twice, the hour the
 * clocks went back (summer time ending, or a zone's standard offset
 * changing)? Then mktime would pick one of the two readings silently: an
 * hour off in a signed record. The readings are the wall time less each
 * offset in force a day either side of it; it happened twice when both read
 * back as that wall time at different instants.
 */
static int happened_twice(const struct tm *tm)
{
	struct tm wall = *tm;
	time_t as_utc, seen = (time_t)-1;
	int readings = 0;

	wall.tm_isdst = 0;
	as_utc = timegm(&wall);
	for (int side = -1; side <= 1; side += 2) {
		time_t probe = as_utc + side * 26 * 3600, at;
		struct tm off, back;
		if (!localtime_r(&probe, &off))
			continue;
		at = as_utc - off.tm_gmtoff;
		if (!localtime_r(&at, &back) || back.tm_year != tm->tm_year ||
		    back.tm_mon != tm->tm_mon || back.tm_mday != tm->tm_mday ||
		    back.tm_hour != tm->tm_hour || back.tm_min != tm->tm_min || at == seen)
			continue;
		seen = at;
		readings++;
	}
	return readings > 1;
}

int cli_on_value(const char *in, char out[18])
{
	struct tm tm = { 0 }, utc;
	size_t len = strlen(in);
	int y, mo, d, h, mi;
	char tail;
	time_t tt;

	if (len == 10 && sscanf(in, "%4d-%2d-%2d%c", &y, &mo, &d, &tail) == 3 && y >= 1970 &&
	    mo >= 1 && mo <= 12 && d >= 1 && d <= days_in_month(y, mo)) {
		memcpy(out, in, 11);
		return 0;
	}
	if (len == 17 && in[16] == 'Z') { /* already UTC: the node checks it */
		memcpy(out, in, 18);
		return 0;
	}
	if (len != 16 || (in[10] != 'T' && in[10] != ' ') ||
	    sscanf(in, "%4d-%2d-%2d%*c%2d:%2d", &y, &mo, &d, &h, &mi) != 5 || y < 1970 || mo < 1 ||
	    mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || h < 0 || mi < 0) {
		cli_error("--on '%s': expected a date YYYY-MM-DD or a local time YYYY-MM-DDTHH:MM", in);
		return -1;
	}
	setenv("TZ", cli_zone(), 1);
	tzset();
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_isdst = -1;
	if (happened_twice(&tm)) {
		cli_error("--on '%s': that time happened twice in zone %s (the clocks went back "
			  "then): give it in UTC, as YYYY-MM-DDTHH:MMZ", in, cli_zone());
		return -1;
	}
	if ((tt = mktime(&tm)) == (time_t)-1 || !gmtime_r(&tt, &utc)) {
		cli_error("--on '%s': not a time in zone %s", in, cli_zone());
		return -1;
	}
	if (!localtime_r(&tt, &tm) || tm.tm_hour != h || tm.tm_min != mi || tm.tm_mday != d) {
		cli_error("--on '%s': there is no such time in zone %s (the clocks went forward "
			  "then); give the time the clock showed", in, cli_zone());
		return -1;
	}
	strftime(out, 18, "%Y-%m-%dT%H:%MZ", &utc);
	return 0;
}

void cli_time(uint64_t ms, int utc, char out[32])
{
	time_t tt = (time_t)(ms / 1000);
	struct tm tm;

	if (!utc) {
		setenv("TZ", cli_zone(), 1);
		tzset();
	}
	if (!(utc ? gmtime_r(&tt, &tm) : localtime_r(&tt, &tm))) {
		snprintf(out, 32, "?");
		return;
	}
	strftime(out, 32, utc ? "%Y-%m-%d %H:%MZ" : "%Y-%m-%d %H:%M", &tm);
}

const char *cli_entry_on(const lfh_record *e)
{
	const char *on = lfh_record_str(e, "on"), *type = lfh_record_str(e, "type");
	const char *date = lfh_record_str(e, "date");

	if (on)
		return on;
	if (type && !strcmp(type, "meeting") && date && strlen(date) == 10)
		return date;
	return NULL;
}

const char *cli_zone(void)
{
	const char *zone = getenv("LFH_TZ");
	return zone && *zone ? zone : "Europe/London";
}

/*
 * The C library takes a zone it does not know for UTC, without a word: a
 * misspelt LFH_TZ would shift every local time given and shown by an hour
 * in summer. A zone is a name in the zone database (TZDIR, else
 * /usr/share/zoneinfo), or a POSIX TZ string (it has an offset: a digit).
 */
int cli_zone_check(void)
{
	const char *zone = cli_zone(), *dir = getenv("TZDIR");
	const char *name = zone[0] == ':' ? zone + 1 : zone;
	char path[4096];

	if (strpbrk(name, "0123456789") && zone[0] != ':')
		return 0;
	if (name[0] == '/') /* a zone file named by its path */
		snprintf(path, sizeof path, "%s", name);
	else
		snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
	if (*name && !strstr(name, "..") && access(path, R_OK) == 0)
		return 0;
	cli_error("%s '%s' is not a time zone this machine knows (%s does not exist): set "
		  "LFH_TZ to a name such as Europe/London, or install tzdata",
		  getenv("LFH_TZ") && *getenv("LFH_TZ") ? "LFH_TZ" : "the default zone", zone, path);
	return -1;
}

void cli_on_text(const char *on, int utc, char out[32])
{
	struct tm tm = { 0 };
	int y, mo, d, h, mi;

	if (!on || strlen(on) != 17 || sscanf(on, "%4d-%2d-%2dT%2d:%2dZ", &y, &mo, &d, &h, &mi) != 5) {
		snprintf(out, 32, "%s", on ? on : "");
		return;
	}
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	cli_time((uint64_t)timegm(&tm) * 1000, utc, out);
}
