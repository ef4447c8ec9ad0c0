/*
 * fuzz_event.c - libFuzzer target: event envelope and key-body decoding, and
 * the peeks at a stored envelope (type; author and a recipient's counter),
 * which must agree with the full decode wherever it succeeds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lfh/event.h"

/* The peeks never read past the input; on an envelope that decodes they say what it says. */
static void check_peeks(const uint8_t *data, size_t size, const lfh_event *ev)
{
	char author[LFH_AGENCY_MAX + 1];
	uint64_t ctr;

	lfh_event_peek_type(data, size);
	lfh_event_peek_slot(data, size, "housing", author, &ctr);
	if (!ev)
		return;
	if (lfh_event_peek_type(data, size) != ev->type)
		abort();
	for (uint32_t i = 0; i < ev->nrcpt; i++)
		if (lfh_event_peek_slot(data, size, ev->rcpt[i].agency, author, &ctr) != 0 ||
		    strcmp(author, ev->author) != 0 || ctr != ev->rcpt[i].ctr)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lfh_event ev = { 0 };
	lfh_key_body kb;
	lfh_buf b = { 0 };
	if (lfh_event_decode(data, size, &ev, NULL) == 0) {
		/* whatever decodes must re-encode to the same bytes */
		uint8_t id[LFH_ID_LEN];
		lfh_event_signed_bytes(&ev, &b, NULL);
		lfh_event_id(data, size, id);
		check_peeks(data, size, &ev);
		lfh_event_clear(&ev);
	} else {
		check_peeks(data, size, NULL);
	}
	lfh_key_body_decode(data, size, &kb, NULL);
	lfh_buf_free(&b);
	return 0;
}
