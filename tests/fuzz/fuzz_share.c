/*
 * fuzz_share.c - libFuzzer target for a team's share (vigil export's JSON,
 * read by `vigil report --shared`): any bytes are taken or refused with a
 * message naming the share; a share taken twice under two names (two teams)
 * is merged and written as text and as JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int vgi_shared_add(vg_shared *s, const char *path, const void *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vg_shared *s = NULL;
	FILE *null;
	int rc;
	if (vg_shared_create(&s) != VG_OK)
		return 0;
	rc = vgi_shared_add(s, "a.json", data, size);
	if (rc != VG_OK && rc != VG_ENOMEM && strncmp(vg_shared_errmsg(s), "a.json", 6) != 0)
		abort(); /* a refusal names the share */
	if (rc == VG_OK) {
		/* the same team twice with the same period is refused, named */
		if (vgi_shared_add(s, "b.json", data, size) != VG_EINVAL ||
		    !strstr(vg_shared_errmsg(s), "a.json and b.json"))
			abort();
		if ((null = fopen("/dev/null", "w"))) {
			if (vg_shared_write(s, null, VG_OUT_TEXT, 5) != VG_OK ||
			    vg_shared_write(s, null, VG_OUT_JSON, 0) != VG_OK)
				abort();
			fclose(null);
		}
	}
	vg_shared_free(s);
	return 0;
}
