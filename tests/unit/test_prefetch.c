/*
 * test_prefetch.c - reading in a background thread (opts.prefetch) gives
 * exactly what reading in the caller's thread gives: the same flows, the
 * same errors in the same places, the same statistics.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Files large enough for the parallel chunk reader (mapped, > 4 chunks):
 * it must give what the sequential reader gives, also when damage sits
 * on or near chunk boundaries. */
static void read_path(const char *path, int prefetch, struct run *out)
{
	vg_reader_opts o = {0};
	vg_reader *r = NULL;
	vg_flow *batch = malloc(4096 * sizeof *batch);
	size_t room = 0;
	memset(out, 0, sizeof *out);
	o.prefetch = prefetch;
	if (vg_reader_open(&r, path, &o) != VG_OK) {
		vgt_fail(__FILE__, __LINE__, "open: %s", vg_reader_errmsg(r));
		vg_reader_close(r);
		free(batch);
		return;
	}
	for (;;) {
		size_t n = 0, i;
		int rc = vg_reader_read(r, batch, 4096, &n);
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
	vg_reader_get_stats(r, &out->st);
	vg_reader_close(r);
	free(batch);
}

static void compare_path(const uint8_t *buf, size_t len)
{
	char path[] = "/tmp/vigil-parXXXXXX";
	int fd = mkstemp(path), i;
	struct run a, b;
	CHECK(fd >= 0);
	CHECK(write(fd, buf, len) == (ssize_t)len);
	close(fd);
	read_path(path, 0, &a);
	read_path(path, 1, &b);
	CHECK_EQ_INT(b.n, a.n);
	CHECK_EQ_INT(b.n_err, a.n_err);
	if (a.n == b.n && a.n)
		CHECK(memcmp(a.f, b.f, a.n * sizeof *a.f) == 0);
	for (i = 0; i < a.n_err && i < 8 && i < b.n_err; i++)
		CHECK_EQ_STR(b.errs[i], a.errs[i]);
	CHECK_EQ_INT(b.st.n_records, a.st.n_records);
	CHECK_EQ_INT(b.st.n_flows, a.st.n_flows);
	CHECK_EQ_INT(b.st.n_man, a.st.n_man);
	CHECK_EQ_INT(b.st.first_us, a.st.first_us);
	CHECK_EQ_INT(b.st.last_us, a.st.last_us);
	CHECK(memcmp(b.st.skipped, a.st.skipped, sizeof a.st.skipped) == 0);
	free(a.f);
	free(b.f);
	unlink(path);
}

TEST(parallel_chunks_same_as_sequential)
{
	size_t len, big, i, at;
	uint8_t *week = vgt_load("real-week/capture.argus", &len), *buf, *bad;
	static const size_t spots[] = {2u << 20, (2u << 20) + 3, (4u << 20) - 1,
				       (6u << 20) + 100, (8u << 20) - 7};
	if (!week)
		return;
	big = len * 5; /* 12 MB: six 2 MiB chunks */
	buf = malloc(big + 64);
	for (i = 0; i < 5; i++)
		memcpy(buf + i * len, week, len);
	compare_path(buf, big);
	/* damage near each chunk boundary, one at a time: garbage inserted
	 * at a record start close to the spot, or a zero-length header */
	for (i = 0; i < sizeof spots / sizeof spots[0]; i++) {
		size_t off = 0;
		while (off + 4 <= big) {
			size_t l = (size_t)(buf[off + 2] << 8 | buf[off + 3]) * 4;
			if (off + l > spots[i])
				break;
			off += l;
		}
		at = off;
		bad = malloc(big + 64);
		memcpy(bad, buf, at);
		memcpy(bad + at, i % 2 ? "\x13\x10\x00\x00" : "JUNKJUNKJUNKJUNKJUNK!", i % 2 ? 4 : 21);
		memcpy(bad + at + (i % 2 ? 4 : 21), buf + at, big - at);
		compare_path(bad, big + (i % 2 ? 4 : 21));
		free(bad);
	}
	/* a record cut by the end of the file */
	compare_path(buf, big - 77);
	/* a bad DSR inside a record in the third chunk */
	bad = malloc(big);
	memcpy(bad, buf, big);
	{
		size_t off = 0;
		while (off + 4 <= big) {
			size_t l = (size_t)(bad[off + 2] << 8 | bad[off + 3]) * 4;
			if (off > (5u << 20) && (bad[off] & 0xF0) == 0x10) {
				bad[off + 16 + 3] = 0; /* FLOW DSR length 0 */
				break;
			}
			off += l;
		}
	}
	compare_path(bad, big);
	free(bad);
	free(buf);
	free(week);
}
