/* fuzz_wire.c - libFuzzer target: peer messages, control records and replies. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "lfh/record.h"
#include "lfh/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static lfh_msg m;
	lfh_record r = { 0 };
	lfh_reply rep = { 0 };
	lfh_msg_decode(data, size, &m, NULL);
	if (lfh_record_decode(data, size, &r, NULL) == 0)
		lfh_record_clear(&r);
	if (lfh_reply_decode(data, size, &rep, NULL) == 0)
		lfh_reply_clear(&rep);
	return 0;
}
