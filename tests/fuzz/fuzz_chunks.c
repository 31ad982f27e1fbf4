/*
 * fuzz_chunks.c - libFuzzer target for the reader's parallel chunk path
 * (a mapped file parsed in chunks by worker threads, reader.c), which the
 * in-memory target never takes: the bytes go to a memory file that is
 * opened by path with chunks of about a fifth of its size, and everything
 * read must equal, flow for flow and message for message, what the plain
 * sequential reader gives on the same bytes. Any difference aborts.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "read/read.h"

#define MAX_FLOWS 200000
#define MAX_ERRS 64

struct run {
	vg_flow *f;
	size_t n;
	int rc_open, n_err;
	char err[MAX_ERRS][VGI_ERRMSG_LEN];
	vg_reader_stats st;
};

static void check(int cond)
{
	if (!cond)
		abort();
}

/* Reads everything; messages keep only what follows the file's name. */
static void read_all(vg_reader *r, int rc_open, struct run *out)
{
	vg_flow batch[97];
	size_t n, guard = 0;
	out->rc_open = rc_open;
	if (rc_open != VG_OK) {
		vg_reader_close(r);
		return;
	}
	for (;;) {
		int rc = vg_reader_read(r, batch, sizeof batch / sizeof batch[0], &n);
		check(++guard < 10000000);
		if (rc == VG_DONE)
			break;
		if (rc < 0) {
			const char *m = vg_reader_errmsg(r), *colon = strchr(m, ':');
			if (out->n_err < MAX_ERRS)
				snprintf(out->err[out->n_err], VGI_ERRMSG_LEN, "%s", colon ? colon : m);
			out->n_err++;
			continue;
		}
		check(out->n + n <= MAX_FLOWS);
		memcpy(out->f + out->n, batch, n * sizeof *batch);
		out->n += n;
	}
	vg_reader_get_stats(r, &out->st);
	vg_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run a, b;
	vg_reader_opts ro = {0};
	vg_reader *r = NULL;
	char path[64];
	int fd, rc, i, strict;
	if (size < 64)
		return 0;
	if (!a.f) {
		a.f = malloc(MAX_FLOWS * sizeof *a.f);
		b.f = malloc(MAX_FLOWS * sizeof *b.f);
		check(a.f && b.f);
	}
	if ((fd = memfd_create("fuzz-chunks", MFD_CLOEXEC)) < 0)
		return 0;
	check(write(fd, data, size) == (ssize_t)size);
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	for (strict = 0; strict <= 1; strict++) {
		ro.strict = strict;
		ro.keep_man = !strict;
		a.n = b.n = 0;
		a.n_err = b.n_err = 0;
		ro.prefetch = 0;
		rc = vg_reader_open_mem(&r, data, size, "fuzz", &ro);
		read_all(r, rc, &a);
		ro.prefetch = 1;
		rc = vgi_reader_open_tuned(&r, path, &ro, 1, size / 5 ? size / 5 : 1);
		read_all(r, rc, &b);
		check(a.rc_open == b.rc_open);
		if (a.rc_open != VG_OK)
			continue;
		check(a.n == b.n);
		check(memcmp(a.f, b.f, a.n * sizeof *a.f) == 0);
		check(a.n_err == b.n_err);
		for (i = 0; i < a.n_err && i < MAX_ERRS; i++)
			check(strcmp(a.err[i], b.err[i]) == 0);
		check(a.st.n_records == b.st.n_records && a.st.n_flows == b.st.n_flows &&
		      a.st.n_man == b.st.n_man);
		check(memcmp(a.st.skipped, b.st.skipped, sizeof a.st.skipped) == 0);
	}
	close(fd);
	return 0;
}
