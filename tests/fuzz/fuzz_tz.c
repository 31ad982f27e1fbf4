/*
 * fuzz_tz.c - libFuzzer target for the TZif reader (lib/core/tz.c): any
 * bytes are read or refused; offsets of a read zone stay within a day.
 */
#include <stdlib.h>

#include "core/core.h"
#include "core/tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vgi_tz tz;
	char err[256];
	if (vgi_tz_parse(&tz, data, size, err, sizeof err) == VG_OK) {
		int64_t t;
		for (t = -2000000000LL; t < 4000000000LL; t += 123456789) {
			int32_t o = vgi_tz_offset(&tz, t);
			if (o < -26 * 3600 || o > 26 * 3600)
				abort();
		}
	}
	vgi_tz_free(&tz);
	return 0;
}
