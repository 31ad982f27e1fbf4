/* util.c - helpers shared by the unit tests. */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "util.h"

uint8_t *vgt_load(const char *rel, size_t *len)
{
	char path[4096];
	FILE *fp;
	uint8_t *buf;
	long sz;
	snprintf(path, sizeof path, "%s/%s", vgt_data_dir(), rel);
	if (!(fp = fopen(path, "rb"))) {
		vgt_fail(__FILE__, __LINE__, "cannot open %s", path);
		return NULL;
	}
	fseek(fp, 0, SEEK_END);
	sz = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)sz + 1);
	if (!buf || fread(buf, 1, (size_t)sz, fp) != (size_t)sz) {
		vgt_fail(__FILE__, __LINE__, "cannot read %s", path);
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	*len = (size_t)sz;
	return buf;
}

vg_flow *vgt_read_all(const void *buf, size_t len, const vg_reader_opts *o,
		      size_t cap, size_t *n, int *n_err, char *last_err,
		      size_t errlen, vg_reader_stats *st)
{
	vg_reader *r = NULL;
	vg_flow *all = NULL, *batch;
	size_t have = 0, room = 0;
	int rc;

	*n = 0;
	*n_err = 0;
	if (last_err && errlen)
		last_err[0] = '\0';
	if (st)
		memset(st, 0, sizeof *st);
	rc = vg_reader_open_mem(&r, buf, len, "mem", o);
	if (rc != VG_OK) {
		(*n_err)++;
		if (last_err)
			snprintf(last_err, errlen, "%s", vg_reader_errmsg(r));
		vg_reader_close(r);
		return NULL;
	}
	batch = malloc(cap * sizeof *batch);
	for (;;) {
		size_t k = 0, i;
		rc = vg_reader_read(r, batch, cap, &k);
		if (rc == VG_DONE)
			break;
		if (rc < 0) {
			(*n_err)++;
			if (last_err)
				snprintf(last_err, errlen, "%s", vg_reader_errmsg(r));
			if (*n_err > 1000)
				break;
			continue;
		}
		if (have + k > room) {
			room = (have + k) * 2 + 16;
			all = realloc(all, room * sizeof *all);
		}
		for (i = 0; i < k; i++)
			all[have++] = batch[i];
	}
	if (st)
		vg_reader_get_stats(r, st);
	free(batch);
	vg_reader_close(r);
	*n = have;
	return all;
}
