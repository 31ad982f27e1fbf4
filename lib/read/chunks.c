/*
 * chunks.c - a mapped file whose format can parse chunks is read by worker
 * threads, each taking the next r->par_chunk bytes (VGI_PAR_CHUNK): a chunk
 * starts at the first whole valid record at or after its nominal start and
 * holds the records that start before its nominal end. The caller's thread takes the chunks in
 * order and checks that each one starts exactly where the previous one
 * ended. Whenever that fails, or a chunk met anything but good records
 * (an error, a strict skip), the caller's thread reads that stretch again
 * with the ordinary sequential reader, so that results, messages and
 * record numbers are exactly those of a sequential read.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/worker.h"
#include "read/read.h"

#define PAR_MARGIN ((size_t)65536 * 4 + 8) /* the longest record, and a header */
#define PAR_RING 4
#define PAR_WORKERS 2

/* Chunk k is parsed in slot k % PAR_RING by worker k % PAR_WORKERS, as
 * that worker's job k / PAR_WORKERS; the caller takes it over when the
 * worker has not begun it (vgi_worker_take) rather than wait. */
struct par_slot {
	uint64_t k;
	uint64_t start;   /* file offset of the first record, or UINT64_MAX */
	uint64_t end;     /* offset after the last record */
	int clean;
	struct vgi_chunk c;
};

struct vgi_par {
	struct vgi_worker *w[PAR_WORKERS];
	struct par_slot slots[PAR_RING];
	uint64_t next_use, n_chunks;
	uint64_t size, base0, chunk;
	vg_reader *r;
	/* the caller's side */
	uint64_t x;       /* where the next chunk must start */
	size_t taken;     /* flows of the current chunk handed out */
	int fallback;     /* reading [x, chunk end) sequentially */
};

static int par_work(void *user, void *job)
{
	struct vgi_par *pa = user;
	struct par_slot *sl = job;
	vg_reader *r = pa->r;
	uint64_t lo = pa->base0 + sl->k * pa->chunk;
	uint64_t hi = VGI_MIN(lo + pa->chunk, pa->size), start, mend;
	long page = sysconf(_SC_PAGESIZE);
	size_t len, avail, s;
	uint8_t *map;

	sl->clean = 0;
	sl->start = UINT64_MAX;
	sl->end = lo;
	sl->c.n = 0;
	memset(sl->c.skipped, 0, sizeof sl->c.skipped);
	sl->c.n_records = sl->c.n_flows = sl->c.n_man = 0;
	sl->c.first_us = INT64_MAX;
	sl->c.last_us = INT64_MIN;
	start = lo - lo % (uint64_t)(page > 0 ? page : 4096);
	mend = VGI_MIN(hi + PAR_MARGIN, pa->size);
	len = (size_t)(mend - start);
	map = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, r->map_fd,
		   (off_t)start);
	if (map == MAP_FAILED)
		return VG_OK; /* not clean: the caller reads it sequentially */
	avail = (size_t)(mend - lo);
	s = sl->k == 0 ? 0
		       : r->fmt->chunk_start(map + (lo - start), avail, mend == pa->size, 0,
					     (size_t)(hi - lo));
	if (s != (size_t)-1) {
		sl->start = lo + s;
		if (r->fmt->chunk(&r->o, map + (lo - start), avail, mend == pa->size, s,
				  (size_t)(hi - lo), &sl->c) == 0) {
			sl->clean = 1;
			sl->end = lo + sl->c.end;
		}
	}
	munmap(map, len);
	return VG_OK;
}

/* The sequential window is let go; reading goes on at base. */
static void drop_window(vg_reader *r, uint64_t base)
{
	if (r->map_ptr) {
		munmap(r->map_ptr, r->map_len);
		r->map_ptr = NULL;
		r->map_len = 0;
	}
	r->buf = NULL;
	r->len = r->pos = 0;
	r->base = base;
}

/* Queues chunk k (k < n_chunks) into its slot, on its worker. */
static void par_post(struct vgi_par *pa, uint64_t k)
{
	struct par_slot *sl = &pa->slots[k % PAR_RING];
	sl->k = k;
	vgi_worker_post(pa->w[k % PAR_WORKERS], sl);
}

void vgi_chunks_stop(vg_reader *r)
{
	struct vgi_par *pa = r->par;
	int i;
	if (!pa)
		return;
	for (i = 0; i < PAR_WORKERS; i++)
		vgi_worker_stop_now(pa->w[i]);
	for (i = 0; i < PAR_RING; i++)
		free(pa->slots[i].c.flows);
	free(pa);
	r->par = NULL;
}

int vgi_chunks_start(vg_reader *r)
{
	struct vgi_par *pa;
	uint64_t base0 = r->base + r->pos, k;
	int i;
	if (r->map_fd < 0 || !r->fmt->chunk || r->map_size - base0 < 4 * r->par_chunk)
		return VG_EINVAL;
	if (!(pa = calloc(1, sizeof *pa)))
		return VG_ENOMEM;
	pa->r = r;
	pa->size = r->map_size;
	pa->base0 = pa->x = base0;
	pa->chunk = r->par_chunk;
	pa->n_chunks = (pa->size - base0 + pa->chunk - 1) / pa->chunk;
	r->par = pa;
	for (i = 0; i < PAR_WORKERS; i++)
		if (vgi_worker_start(&pa->w[i], par_work, pa, PAR_RING / PAR_WORKERS) != VG_OK) {
			vgi_chunks_stop(r);
			return VG_ENOMEM;
		}
	for (k = 0; k < PAR_RING && k < pa->n_chunks; k++)
		par_post(pa, k);
	/* the sequential window is not used until a fallback */
	drop_window(r, base0);
	return VG_OK;
}

/* The caller is done with chunk next_use: its slot takes the chunk
 * PAR_RING further on. */
static void par_release(struct vgi_par *pa)
{
	uint64_t k = pa->next_use++ + PAR_RING;
	if (k < pa->n_chunks)
		par_post(pa, k);
	pa->taken = 0;
}

int vgi_chunks_read(vg_reader *r, vg_flow *out, size_t cap, size_t *n)
{
	struct vgi_par *pa = r->par;
	for (;;) {
		struct par_slot *sl;
		size_t k;
		if (pa->fallback) {
			int rc = vgi_read_sync(r, out, cap, n);
			if (rc != VG_DONE)
				return rc;
			if (r->o.strict && r->st.n_errors)
				return VG_DONE; /* stopped at the error */
			/* the stretch is read; go on with the chunks */
			pa->fallback = 0;
			r->done = 0;
			r->pending = 0;
			pa->x = r->base + r->pos;
			r->stop_at = UINT64_MAX;
			drop_window(r, pa->x);
			if (r->eof && pa->x >= pa->size) {
				r->done = 1;
				return VG_DONE;
			}
			r->eof = 0;
			par_release(pa);
			continue;
		}
		if (pa->next_use >= pa->n_chunks || r->done) {
			r->done = 1;
			return VG_DONE;
		}
		sl = &pa->slots[pa->next_use % PAR_RING];
		if (pa->taken == 0) {
			/* no worker has begun it yet: parse it here rather than wait */
			struct vgi_worker *w = pa->w[pa->next_use % PAR_WORKERS];
			uint64_t seq = pa->next_use / PAR_WORKERS;
			if (!vgi_worker_take(w, seq))
				vgi_worker_wait(w, seq);
		}
		if (pa->taken == 0) {
			if (!sl->clean || sl->start != pa->x) {
				/* read this chunk's stretch the careful way */
				uint64_t lo = pa->base0 + sl->k * pa->chunk;
				pa->fallback = 1;
				r->stop_at = VGI_MIN(lo + pa->chunk, pa->size);
				r->base = pa->x;
				r->pos = r->len = 0;
				r->eof = 0;
				continue;
			}
			r->st.n_records += sl->c.n_records;
			r->st.n_flows += sl->c.n_flows;
			r->st.n_man += sl->c.n_man;
			for (k = 0; k < VG_SKIP__COUNT; k++)
				r->st.skipped[k] += sl->c.skipped[k];
			if (sl->c.first_us < r->st.first_us)
				r->st.first_us = sl->c.first_us;
			if (sl->c.last_us > r->st.last_us)
				r->st.last_us = sl->c.last_us;
			r->rec_no += sl->c.n_records;
		}
		k = VGI_MIN(cap, sl->c.n - pa->taken);
		memcpy(out, sl->c.flows + pa->taken, k * sizeof *out);
		pa->taken += k;
		*n = k;
		if (pa->taken == sl->c.n) {
			pa->x = sl->end;
			r->base = pa->x;
			par_release(pa);
		}
		if (k)
			return VG_OK;
	}
}
