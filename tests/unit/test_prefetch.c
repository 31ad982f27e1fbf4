/*
 * test_prefetch.c - reading in a background thread (opts.prefetch) gives
 * exactly what reading in the caller's thread gives: the same flows, the
 * same errors in the same places, the same statistics.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "util.h"

struct run {
	vg_flow *f;
	size_t n;
	char errs[8][512];
	int n_err;
	vg_reader_stats st;
};

static void read_all(const uint8_t *buf, size_t len, int prefetch, size_t cap,
		     struct run *out)
{
	vg_reader_opts o = {0};
	vg_reader *r = NULL;
	vg_flow *batch = malloc(cap * sizeof *batch);
	size_t room = 0;
	memset(out, 0, sizeof *out);
	o.prefetch = prefetch;
	if (vg_reader_open_mem(&r, buf, len, "m", &o) != VG_OK) {
		vgt_fail(__FILE__, __LINE__, "open: %s", vg_reader_errmsg(r));
		vg_reader_close(r);
		free(batch);
		return;
	}
	for (;;) {
		size_t n = 0, i;
		int rc = vg_reader_read(r, batch, cap, &n);
		if (rc == VG_DONE)
			break;
		if (rc < 0) {
			if (out->n_err < 8)
				snprintf(out->errs[out->n_err], 512, "%zu %s", out->n,
					 vg_reader_errmsg(r));
			out->n_err++;
			continue;
		}
		if (out->n + n > room) {
			room = (out->n + n) * 2;
			out->f = realloc(out->f, room * sizeof *out->f);
		}
		for (i = 0; i < n; i++)
			out->f[out->n++] = batch[i];
	}
	/* reading after the end keeps saying so */
	{
		size_t n = 7;
		CHECK_EQ_INT(vg_reader_read(r, batch, cap, &n), VG_DONE);
		CHECK_EQ_INT(n, 0);
	}
	vg_reader_get_stats(r, &out->st);
	vg_reader_close(r);
	free(batch);
}

static void compare(const uint8_t *buf, size_t len, size_t cap)
{
	struct run a, b;
	int i;
	read_all(buf, len, 0, cap, &a);
	read_all(buf, len, 1, cap, &b);
	CHECK_EQ_INT(b.n, a.n);
	CHECK_EQ_INT(b.n_err, a.n_err);
	if (a.n == b.n && a.n)
		CHECK(memcmp(a.f, b.f, a.n * sizeof *a.f) == 0);
	for (i = 0; i < a.n_err && i < 8 && i < b.n_err; i++)
		CHECK_EQ_STR(b.errs[i], a.errs[i]);
	CHECK(memcmp(&a.st, &b.st, sizeof a.st) == 0);
	free(a.f);
	free(b.f);
}

TEST(prefetch_same_as_inline)
{
	size_t len, cap;
	uint8_t *week = vgt_load("real-week/capture.argus", &len);
	uint8_t *bad;
	if (!week)
		return;
	for (cap = 1; cap <= 10000; cap *= 13)
		compare(week, len, cap);
	/* damage it in three places: a zero-length header, garbage, and a
	 * cut at the end */
	bad = malloc(len + 64);
	memcpy(bad, week, 100000);
	memcpy(bad + 100000, "\x13\x10\x00\x00", 4);
	memcpy(bad + 100004, week + 100000, 400000);
	memcpy(bad + 500004, "0123456789abcdefGARBAGE", 23);
	memcpy(bad + 500027, week + 500000, len - 500000);
	compare(bad, len + 27 - 1000, 4096);
	compare(bad, len + 27 - 1000, 3);
	free(bad);
	free(week);
}

TEST(prefetch_close_early)
{
	size_t len, n;
	uint8_t *week = vgt_load("real-week/capture.argus", &len);
	vg_reader_opts o = {0};
	vg_reader *r = NULL;
	vg_flow f[10];
	if (!week)
		return;
	o.prefetch = 1;
	CHECK_EQ_INT(vg_reader_open_mem(&r, week, len, "m", &o), VG_OK);
	CHECK_EQ_INT(vg_reader_read(r, f, 10, &n), VG_OK);
	CHECK_EQ_INT(n, 10);
	vg_reader_close(r); /* the thread must stop and be joined */
	free(week);
}
