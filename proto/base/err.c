/* err.c - status codes and error messages (see include/lfh/err.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lfh/err.h"

int lfh_err_set(lfh_err *e, int code, const char *fmt, ...)
{
	if (e) {
		va_list ap;
		e->code = code;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		va_end(ap);
	}
	return code;
}

int lfh_err_prefix(lfh_err *e, const char *what)
{
	char was[sizeof e->msg];
	size_t n;

	if (!e)
		return 0;
	n = strlen(what);
	if (strncmp(e->msg, what, n) != 0 || strncmp(e->msg + n, ": ", 2) != 0) {
		snprintf(was, sizeof was, "%s", e->msg);
		snprintf(e->msg, sizeof e->msg, "%s: %.*s", what,
			 (int)(sizeof e->msg > n + 2 ? sizeof e->msg - n - 2 : 0), was);
	}
	return e->code;
}

void lfh_err_clear(lfh_err *e)
{
	if (e) {
		e->code = 0;
		e->msg[0] = '\0';
	}
}

const char *lfh_strerror(int code)
{
	switch (code) {
	case LFH_OK: return "ok";
	case LFH_EINVAL: return "invalid input";
	case LFH_ENOMEM: return "out of memory";
	case LFH_EIO: return "I/O error";
	case LFH_ECODEC: return "malformed encoding";
	case LFH_EVERSION: return "unsupported version";
	case LFH_ECRYPTO: return "cryptographic check failed";
	case LFH_ENOTFOUND: return "not found";
	case LFH_EEXIST: return "already exists";
	case LFH_EPERM: return "not permitted";
	case LFH_EHUB: return "wrong hub";
	case LFH_ESTORE: return "store error";
	case LFH_ETOOBIG: return "too big";
	case LFH_ENOKEY: return "sharing key missing";
	case LFH_EEQUIV: return "equivocation";
	case LFH_ENET: return "network error";
	case LFH_ECONFIG: return "configuration error";
	case LFH_ETIMEOUT: return "timed out";
	case LFH_EAMBIG: return "ambiguous";
	case LFH_EKEYID: return "unknown or invalid key";
	case LFH_EHELD: return "held until an earlier event arrives";
	case LFH_ECLOCK: return "timestamp refused";
	case LFH_EBUSY: return "busy, try again later";
	default: return "unknown error";
	}
}
