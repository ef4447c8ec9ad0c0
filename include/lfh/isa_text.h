/*
 * isa_text.h - the text form of an information-sharing agreement: what
 * people write, review and sign off, parsed with libconfig into an lfh_isa
 * (include/lfh/isa.h). Reference: deploy/examples/west-cumbria.isa and
 * proto/PROTOCOL.md, section "ISA".
 *
 * Settings (lists may be written in any order; the parser sorts them and
 * refuses duplicates):
 *   hub = "west-cumbria";            version = 1;
 *   prev = "<64 hex>";               required when version > 1, else absent
 *   effective = "YYYY-MM-DD";        review = "YYYY-MM-DD";
 *   purposes = [ "...", ... ];       lawful_basis = "...";
 *   gateways = [ "...", ... ];       optional
 *   parties = ( { id = "police"; name = "..."; role = "..."; controller = "...";
 *                 endpoint = "tcp://host:port";
 *                 keys = "keys/police.pub"; }, ... );
 *       keys: a public key file (lfh keys export), relative to the ISA file's
 *       directory, whose id must be the party's id; or inline
 *       sign = "<64 hex>"; box = "<64 hex>"; curve = "<40 Z85>";
 *   categories = ( { name = "health"; kind = "special"; receive = "lead";
 *                    agencies = [ "health" ]; retention_days = 730; }, ... );
 *       kind: personal | special | criminal;
 *       receive: all | participants | lead | named; agencies optional
 *   next_signers = "all";            or [ "police", "council" ]; optional, default "all"
 *
 * @include is refused, as is a file over 256 KiB, a NUL byte, or an integer
 * too large for libconfig to read exactly.
 */
#ifndef LFH_ISA_TEXT_H
#define LFH_ISA_TEXT_H

#include <stddef.h>

#include "lfh/err.h"
#include "lfh/isa.h"

#define LFH_ISA_TEXT_MAX_BYTES (256 * 1024)
#define LFH_ISA_MAX_ERRORS 64

/*
 * Every problem found in a text file, each "FILE:LINE: reason", sorted by
 * line ("FILE: reason" only when the file cannot be read at all). When there
 * are more than LFH_ISA_MAX_ERRORS, the last message says how many more.
 */
typedef struct lfh_isa_errors {
	size_t n;
	char msg[LFH_ISA_MAX_ERRORS][LFH_ERRMSG_MAX];
} lfh_isa_errors;

/*
 * Parse an ISA text file into *out and validate it (lfh_isa_validate).
 * Returns 0; or LFH_EINVAL with every problem found (unknown settings, wrong
 * types, missing settings, every validation failure; a syntax error: just
 * that one) in errs (may be NULL) and the first in err; LFH_ENOTFOUND or
 * LFH_EIO if the file cannot be read, LFH_ETOOBIG if it is over
 * LFH_ISA_TEXT_MAX_BYTES, LFH_ENOMEM. On failure *out is zeroed.
 */
int lfh_isa_parse_file(const char *path, lfh_isa *out, lfh_isa_errors *errs, lfh_err *err);

#endif
