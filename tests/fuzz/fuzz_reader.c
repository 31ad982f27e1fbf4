/*
 * fuzz_reader.c - libFuzzer target for every input reader: the bytes go to
 * vg_reader_open_mem (format sniffed, as for a file), then everything is
 * read, merged and printed. It checks invariants the readers promise:
 * errors carry a message, stats add up, nothing reads out of bounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigil.h"

static int sink(void *user, const vg_flow *f)
{
	(void)user;
	(void)f;
	return 0;
}

static void check(int cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vg_reader_opts ro = {0};
	vg_reader *r = NULL;
	vg_merger *m = NULL;
	vg_flow batch[64];
	char v[VG_FIELD_MAX];
	vg_reader_stats st;
	int strict, rc;
	size_t i, n, guard = 0;

	for (strict = 0; strict <= 1; strict++) {
		ro.strict = strict;
		ro.keep_man = !strict;
		rc = vg_reader_open_mem(&r, data, size, "fuzz", &ro);
		if (rc != VG_OK) {
			check(r == NULL || vg_reader_errmsg(r)[0] != '\0');
			vg_reader_close(r);
			continue;
		}
		if (vg_merger_create(&m, NULL, sink, NULL) != VG_OK)
			abort();
		for (;;) {
			rc = vg_reader_read(r, batch, 1 + size % 64, &n);
			check(++guard < 10000000);
			if (rc == VG_DONE)
				break;
			if (rc < 0) {
				check(n == 0);
				check(vg_reader_errmsg(r)[0] != '\0');
				continue;
			}
			for (i = 0; i < n; i++) {
				int f;
				check(batch[i].stime_us <= batch[i].ltime_us ||
				      batch[i].kind == VG_REC_MAN);
				for (f = 0; f < VG_F__COUNT; f++) {
					check(vg_field_format(f, &batch[i], VG_STYLE_RA, v) < VG_FIELD_MAX);
					check(vg_field_format(f, &batch[i], VG_STYLE_JSON, v) < VG_FIELD_MAX);
					check(vg_field_format(f, &batch[i], VG_STYLE_TEXT, v) < VG_FIELD_MAX);
				}
			}
			vg_merger_add(m, batch, n);
		}
		vg_merger_flush(m);
		vg_reader_get_stats(r, &st);
		check(st.n_flows + st.n_man <= st.n_records);
		vg_merger_free(m);
		vg_reader_close(r);
		r = NULL;
	}
	return 0;
}
