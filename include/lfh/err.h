/*
 * err.h - status codes and error messages shared by every lfhub module.
 *
 * Every fallible function returns an int: 0 on success or a negative
 * LFH_E... code, and fills an lfh_err the caller can print. Library code
 * never exits; only the top level of lfhd and lfh decides what to do.
 */
#ifndef LFH_ERR_H
#define LFH_ERR_H

#include <stddef.h>

enum lfh_status {
	LFH_OK = 0,
	LFH_EINVAL = -1,    /* bad argument or input value */
	LFH_ENOMEM = -2,    /* allocation failed */
	LFH_EIO = -3,       /* file or OS error */
	LFH_ECODEC = -4,    /* malformed or non-canonical encoding */
	LFH_EVERSION = -5,  /* unknown format version */
	LFH_ECRYPTO = -6,   /* bad signature, failed decryption */
	LFH_ENOTFOUND = -7, /* no such event, case, key, peer */
	LFH_EEXIST = -8,    /* already exists (e.g. refusing to overwrite) */
	LFH_EPERM = -9,     /* not entitled: not a member, not a recipient */
	LFH_EHUB = -10,     /* event belongs to another hub */
	LFH_ESTORE = -11,   /* LMDB error */
	LFH_ETOOBIG = -12,  /* size limit exceeded */
	LFH_ENOKEY = -13,   /* sharing key not (yet) held */
	LFH_EEQUIV = -14,   /* equivocation: two events claim one slot */
	LFH_ENET = -15,     /* ZeroMQ / transport error */
	LFH_ECONFIG = -16,  /* bad configuration */
	LFH_ETIMEOUT = -17, /* no answer in time */
	LFH_EAMBIG = -18,   /* ambiguous prefix */
	LFH_EKEYID = -19,   /* signing key unknown, expired or revoked */
	LFH_EHELD = -20,    /* kept aside: an event it depends on is not held yet */
	LFH_ECLOCK = -21,   /* stamped too far ahead of our clock, or out of order */
	LFH_EBUSY = -22,    /* not now: e.g. recovering our own events after a restore */
};

#define LFH_ERRMSG_MAX 256

typedef struct lfh_err {
	int code;
	char msg[LFH_ERRMSG_MAX];
} lfh_err;

/*
 * Record an error in e (which may be NULL) with a printf-style message and
 * return code, so callers can write `return lfh_err_set(e, LFH_EIO, ...)`.
 */
int lfh_err_set(lfh_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Clear e to "no error". */
void lfh_err_clear(lfh_err *e);

/*
 * Put "what: " before e's message (e.g. the setting a failing path came
 * from), unless it begins so already; returns e's code. No-op if e is NULL.
 */
int lfh_err_prefix(lfh_err *e, const char *what);

/* A short constant name for a status code ("bad input", "LMDB error", ...). */
const char *lfh_strerror(int code);

#endif
