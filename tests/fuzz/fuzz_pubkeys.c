/* fuzz_pubkeys.c - libFuzzer target: public key files (INI via libinih). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lfh/identity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/lfh-fuzz-pub.XXXXXX";
	lfh_pubkeys pk;
	int fd = mkstemp(path);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size)
		lfh_pubkeys_load(path, &pk, NULL);
	close(fd);
	unlink(path);
	return 0;
}
