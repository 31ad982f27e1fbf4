/*
 * reader.c - the reader core: opens a path, descriptor or memory buffer,
 * picks the format from the first decoded bytes (or takes the one named in
 * the options), keeps the window of decoded bytes the format modules parse
 * from, and turns their errors into "FILE: record N @0xOFF: ..." messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/worker.h"
#include "read/read.h"

/* The format table. Sniffing asks each row; the most confident wins. */
static const struct vgi_format *const formats[] = {
	&vgi_fmt_argus,
	&vgi_fmt_argus2,
	&vgi_fmt_csv,
	&vgi_fmt_nfdump,
	&vgi_fmt_pcap,
};

#define WIN_MIN (1u << 20)     /* window bytes */
#define WIN_MAX (64u << 20)    /* the most any format may ask for at once */
#define MAP_WIN (16u << 20)    /* bytes mapped at a time */
#define MAP_MIN (4u << 20)     /* smaller files are read, not mapped */
#define PAR_CHUNK (2u << 20)   /* parallel chunks (see below) */

static const char *const skip_names[] = {
#define VG_X_(sym, doc) doc,
	VG_SKIP_LIST(VG_X_)
#undef VG_X_
};

const char *vg_skip_name(int reason)
{
	return (reason >= 0 && reason < VG_SKIP__COUNT) ? skip_names[reason] : "";
}

const char *vg_reader_errmsg(const vg_reader *r)
{
	if (!r)
		return "out of memory";
	return r->pump ? r->pub_errmsg : r->errmsg;
}

const char *vg_reader_format(const vg_reader *r)
{
	return r->fmt ? r->fmt->name : "unknown";
}

const char *vg_reader_compression(const vg_reader *r)
{
	return r->src ? vgi_src_compression(r->src) : "none";
}

static void stats_now(const vg_reader *r, vg_reader_stats *st)
{
	*st = r->st;
	if (r->src)
		st->bytes_in = vgi_src_bytes_in(r->src);
	else if (r->map_fd >= 0)
		st->bytes_in = r->base + r->pos;
	st->bytes_decoded = r->base + r->pos;
}

void vg_reader_get_stats(const vg_reader *r, vg_reader_stats *st)
{
	if (r->pump)
		*st = r->pub_st;
	else
		stats_now(r, st);
}

void vgi_rec_err(vg_reader *r, char *dst, uint64_t rec, uint64_t off,
		 const char *fmt, ...)
{
	char what[VGI_ERRMSG_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	snprintf(dst, VGI_ERRMSG_LEN, "%.200s: record %llu @0x%llx%s: %.250s", r->name,
		 (unsigned long long)rec, (unsigned long long)off,
		 r->src && strcmp(vgi_src_compression(r->src), "none")
			 ? " (uncompressed)"
			 : "",
		 what);
}

int vgi_skip(vg_reader *r, int reason, uint64_t rec, uint64_t off,
	     const char *what)
{
	r->st.skipped[reason]++;
	if (!r->o.strict)
		return 0;
	vgi_rec_err(r, r->errmsg, rec, off, "%s (--strict)", what);
	return 1;
}

/* Maps the window that starts at stream offset `off` and holds at least n
 * bytes (or reaches the end of the file). */
static size_t remap(vg_reader *r, size_t n)
{
	uint64_t off = r->base + r->pos, start;
	long page = sysconf(_SC_PAGESIZE);
	size_t want, len;
	void *p;

	start = off - off % (uint64_t)(page > 0 ? page : 4096);
	want = VGI_MAX((size_t)MAP_WIN, n + (size_t)(off - start));
	len = (size_t)VGI_MIN((uint64_t)want, r->map_size - start);
	if (r->map_ptr)
		munmap(r->map_ptr, r->map_len);
	r->map_ptr = NULL;
	r->map_len = 0;
	p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, r->map_fd,
		 (off_t)start);
	if (p == MAP_FAILED) {
		vgi_rec_err(r, r->errmsg, r->rec_no + 1, off, "cannot map the file: %s",
			    strerror(errno));
		r->eof = 1;
		r->buf = NULL;
		r->len = r->pos = 0;
		return (size_t)-1;
	}
	(void)madvise(p, len, MADV_SEQUENTIAL);
	r->map_ptr = p;
	r->map_len = len;
	r->buf = (const uint8_t *)p + (off - start);
	r->base = off;
	r->pos = 0;
	r->len = len - (size_t)(off - start);
	r->eof = start + len >= r->map_size;
	return r->len;
}

size_t vgi_need(vg_reader *r, size_t n)
{
	size_t have = r->len - r->pos;
	if (VGI_LIKELY(have >= n) || r->eof)
		return have;
	if (n > WIN_MAX)
		n = WIN_MAX;
	if (r->map_fd >= 0)
		return remap(r, n);
	/* slide the unread bytes to the front, then fill */
	if (r->pos > 0) {
		memmove(r->own, r->own + r->pos, have);
		r->base += r->pos;
		r->pos = 0;
		r->len = have;
	}
	if (n > r->own_cap) {
		size_t cap = r->own_cap;
		uint8_t *nb;
		while (cap < n)
			cap *= 2;
		if (!(nb = realloc(r->own, cap))) {
			vgi_errf(r->errmsg, "%s: out of memory", r->name);
			return (size_t)-1;
		}
		r->own = nb;
		r->own_cap = cap;
	}
	r->buf = r->own;
	while (r->len < n && !r->eof) {
		char err[VGI_ERRMSG_LEN];
		ssize_t got = vgi_src_read(r->src, r->own + r->len,
					   r->own_cap - r->len, err);
		if (got < 0) {
			vgi_rec_err(r, r->errmsg, r->rec_no + 1, r->base + r->len,
				    "%s", err);
			r->eof = 1;
			return (size_t)-1;
		}
		if (got == 0)
			r->eof = 1;
		r->len += (size_t)got;
	}
	return r->len - r->pos;
}

static int pick_format(vg_reader *r)
{
	size_t have, i;
	int best = 0;
	const struct vgi_format *fmt = NULL;

	have = vgi_need(r, 256);
	if (have == (size_t)-1)
		return VG_EIO;
	if (r->o.format && *r->o.format && strcmp(r->o.format, "auto") != 0) {
		for (i = 0; i < VGI_ARRAY_LEN(formats); i++)
			if (strcmp(formats[i]->name, r->o.format) == 0)
				fmt = formats[i];
		if (!fmt) {
			vgi_errf(r->errmsg, "%s: unknown format '%s'", r->name,
				 r->o.format);
			return VG_EINVAL;
		}
	} else {
		const uint8_t *p = r->buf + r->pos;
		if (have == 0) {
			/* an empty input has no records in any format */
			r->done = 1;
			return VG_OK;
		}
		for (i = 0; i < VGI_ARRAY_LEN(formats); i++) {
			int c = formats[i]->sniff(p, have);
			if (c > best) {
				best = c;
				fmt = formats[i];
			}
		}
		if (!fmt) {
			vgi_errf(r->errmsg,
				 "%s: @0x0: not a flow file vigil reads (first bytes "
				 "%02x %02x %02x %02x); it reads Argus 3.x and 2.x, nfdump, "
				 "flow CSV, pcap and pcapng files",
				 r->name, p[0], have > 1 ? p[1] : 0,
				 have > 2 ? p[2] : 0, have > 3 ? p[3] : 0);
			return VG_EFORMAT;
		}
	}
	r->fmt = fmt;
	return fmt->open(r);
}

static int reader_new(vg_reader **rp, const char *name,
		      const vg_reader_opts *opts)
{
	vg_reader *r = calloc(1, sizeof *r);
	*rp = r;
	if (!r)
		return VG_ENOMEM;
	snprintf(r->name, sizeof r->name, "%s", name ? name : "(input)");
	if (opts)
		r->o = *opts;
	r->st.first_us = INT64_MAX;
	r->st.last_us = INT64_MIN;
	r->map_fd = -1;
	r->stop_at = UINT64_MAX;
	r->map_min = MAP_MIN;
	r->par_chunk = PAR_CHUNK;
	return VG_OK;
}

static int reader_begin(vg_reader *r)
{
	const uint8_t *p;
	size_t len;
	if (r->map_fd >= 0) {
		if (r->map_size == 0) {
			r->eof = 1;
			r->done = 1;
			return VG_OK;
		}
		if (remap(r, 0) == (size_t)-1)
			return VG_EIO;
		return pick_format(r);
	}
	if (vgi_src_direct(r->src, &p, &len)) {
		r->buf = p;
		r->len = len;
		r->eof = 1;
		r->direct = 1;
	} else {
		if (!(r->own = malloc(WIN_MIN))) {
			vgi_errf(r->errmsg, "%s: out of memory", r->name);
			return VG_ENOMEM;
		}
		r->own_cap = WIN_MIN;
		r->buf = r->own;
	}
	return pick_format(r);
}

static void pump_start(vg_reader *r);
static int par_start(vg_reader *r);

static int reader_start(vg_reader *r)
{
	int rc = reader_begin(r);
	/* a small file is read faster than a thread starts: no prefetch */
	if (rc == VG_OK && r->o.prefetch && !r->done && !r->small &&
	    par_start(r) != VG_OK)
		pump_start(r);
	return rc;
}

int vg_reader_open_fd(vg_reader **rp, int fd, const char *name,
		      const vg_reader_opts *opts)
{
	char err[VGI_ERRMSG_LEN];
	vg_reader *r;
	int rc;
	if ((rc = reader_new(rp, name, opts)) != VG_OK)
		return rc;
	r = *rp;
	if ((rc = vgi_src_open_fd(&r->src, fd, 0, err)) != VG_OK) {
		vgi_errf(r->errmsg, "%s: %s", r->name, err);
		return rc;
	}
	return reader_start(r);
}

int vg_reader_open_mem(vg_reader **rp, const void *buf, size_t len,
		       const char *name, const vg_reader_opts *opts)
{
	char err[VGI_ERRMSG_LEN];
	vg_reader *r;
	int rc;
	if ((rc = reader_new(rp, name ? name : "(memory)", opts)) != VG_OK)
		return rc;
	r = *rp;
	if ((rc = vgi_src_open_mem(&r->src, buf, len, err)) != VG_OK) {
		vgi_errf(r->errmsg, "%s: %s", r->name, err);
		return rc;
	}
	return reader_start(r);
}

static int open_path(vg_reader **rp, const char *path, const vg_reader_opts *opts,
		     uint64_t map_min, uint64_t par_chunk);

int vg_reader_open(vg_reader **rp, const char *path, const vg_reader_opts *opts)
{
	return open_path(rp, path, opts, 0, 0);
}

int vgi_reader_open_tuned(vg_reader **rp, const char *path, const vg_reader_opts *opts,
			  uint64_t map_min, uint64_t par_chunk)
{
	return open_path(rp, path, opts, map_min, par_chunk);
}

static int open_path(vg_reader **rp, const char *path, const vg_reader_opts *opts,
		     uint64_t map_min, uint64_t par_chunk)
{
	char err[VGI_ERRMSG_LEN];
	struct stat sb;
	vg_reader *r;
	int rc, fd;

	if (!path)
		return VG_EINVAL;
	if (strcmp(path, "-") == 0)
		return vg_reader_open_fd(rp, 0, "(stdin)", opts);
	if ((rc = reader_new(rp, path, opts)) != VG_OK)
		return rc;
	r = *rp;
	if (map_min)
		r->map_min = map_min;
	if (par_chunk)
		r->par_chunk = par_chunk;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		vgi_errf(r->errmsg, "%s: cannot open: %s", path, strerror(errno));
		return VG_EIO;
	}
	if (fstat(fd, &sb) != 0) {
		vgi_errf(r->errmsg, "%s: cannot stat: %s", path, strerror(errno));
		close(fd);
		return VG_EIO;
	}
	if (S_ISDIR(sb.st_mode)) {
		close(fd);
		vgi_errf(r->errmsg, "%s: is a directory", path);
		return VG_EIO;
	}
#ifdef POSIX_FADV_SEQUENTIAL
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	if (S_ISREG(sb.st_mode)) {
		/* a plain file that is not compressed is mapped */
		uint8_t magic[6] = {0};
		ssize_t got = pread(fd, magic, sizeof magic, 0);
		int packed = got >= 2 && ((magic[0] == 0x1f && (magic[1] == 0x8b || magic[1] == 0x9d)) ||
					  (magic[0] == 'B' && magic[1] == 'Z') ||
					  (magic[0] == 0xfd && magic[1] == '7') ||
					  (magic[0] == 0x28 && magic[1] == 0xb5));
		/* small files are read: unmapping them would interrupt every
		 * other thread of the process to flush its TLB (a flow
		 * directory is thousands of small files) */
		r->small = (uint64_t)sb.st_size < r->map_min;
		if (got >= 0 && !packed && !r->small) {
			r->map_fd = fd;
			r->map_size = (uint64_t)sb.st_size;
			return reader_start(r);
		}
	}
	if ((rc = vgi_src_open_fd(&r->src, fd, 1, err)) != VG_OK) {
		vgi_errf(r->errmsg, "%s: %s", path, err);
		return rc;
	}
	return reader_start(r);
}

int vg_reader_open_live(vg_reader **rp, const char *iface,
			const vg_reader_opts *opts)
{
	vg_reader *r;
	int rc;
	char name[64];
	if (!iface)
		return VG_EINVAL;
	snprintf(name, sizeof name, "interface %.40s", iface);
	if ((rc = reader_new(rp, name, opts)) != VG_OK)
		return rc;
	r = *rp;
	r->eof = 1;
	if ((rc = vgi_pcap_open_live(r, iface)) != VG_OK)
		return rc;
	if (r->o.prefetch)
		pump_start(r);
	return VG_OK;
}

void vg_reader_interrupt(vg_reader *r)
{
	if (r && r->fmt == &vgi_fmt_pcap)
		vgi_pcap_interrupt(r);
}

static int read_sync(vg_reader *r, vg_flow *out, size_t cap, size_t *n)
{
	int rc;
	*n = 0;
	if (!r)
		return VG_EINVAL;
	if (r->pending) {
		rc = r->pending;
		r->pending = 0;
		memcpy(r->errmsg, r->pending_msg, sizeof r->errmsg);
		return rc;
	}
	if (r->done || !r->fmt || cap == 0)
		return VG_DONE;
	rc = r->fmt->read(r, out, cap, n);
	if (rc < 0) {
		r->st.n_errors++;
		if (rc != VG_ERECORD || r->o.strict)
			r->done = 1;
		if (*n > 0) {
			/* hand out the good records first */
			r->pending = rc;
			memcpy(r->pending_msg, r->errmsg, sizeof r->pending_msg);
			return VG_OK;
		}
		return rc;
	}
	if (*n == 0 && rc == VG_OK)
		return VG_DONE;
	if (rc == VG_DONE)
		r->done = 1;
	return *n ? VG_OK : VG_DONE;
}

/* ------------------------------------------------------------ prefetch */

/* A worker reads ahead into PUMP_ITEMS items, one job per item, in order;
 * the caller hands out item seq's flows, then posts the item again. */
#define PUMP_ITEMS 4
#define PUMP_BATCH 4096

struct pump_item {
	vg_flow *flows;
	size_t n;
	int rc;
	char msg[VGI_ERRMSG_LEN];
	vg_reader_stats st;
};

struct vgi_pump {
	struct vgi_worker *w;
	struct pump_item items[PUMP_ITEMS];
	uint64_t head;       /* the item being handed out is job head */
	size_t taken;        /* flows of it handed out already */
};

static int pump_read(void *user, void *job)
{
	vg_reader *r = user;
	struct pump_item *it = job;
	it->rc = read_sync(r, it->flows, PUMP_BATCH, &it->n);
	if (it->rc < 0)
		memcpy(it->msg, r->errmsg, sizeof it->msg);
	stats_now(r, &it->st);
	return VG_OK;
}

static void pump_free(vg_reader *r)
{
	struct vgi_pump *p = r->pump;
	size_t i;
	if (!p)
		return;
	vgi_worker_stop_now(p->w);
	for (i = 0; i < PUMP_ITEMS; i++)
		free(p->items[i].flows);
	free(p);
	r->pump = NULL;
}

/* Starts the prefetch thread; on any failure reading just stays in the
 * caller's thread. */
static void pump_start(vg_reader *r)
{
	struct vgi_pump *p = calloc(1, sizeof *p);
	size_t i;
	if (!p)
		return;
	for (i = 0; i < PUMP_ITEMS; i++)
		if (!(p->items[i].flows = malloc(PUMP_BATCH * sizeof(vg_flow))))
			break;
	r->pub_st = r->st;
	if (i < PUMP_ITEMS || vgi_worker_start(&p->w, pump_read, r, PUMP_ITEMS) != VG_OK) {
		while (i--)
			free(p->items[i].flows);
		free(p);
		return;
	}
	r->pump = p;
	for (i = 0; i < PUMP_ITEMS; i++)
		vgi_worker_post(p->w, &p->items[i]);
}

/* --------------------------------------------------- parallel chunks */

/*
 * A mapped file whose format can parse chunks is read by worker threads,
 * each taking the next PAR_CHUNK bytes: a chunk starts at the first whole
 * valid record at or after its nominal start and holds the records that
 * start before its nominal end. The caller's thread takes the chunks in
 * order and checks that each one starts exactly where the previous one
 * ended. Whenever that fails, or a chunk met anything but good records
 * (an error, a strict skip), the caller's thread reads that stretch again
 * with the ordinary sequential reader, so that results, messages and
 * record numbers are exactly those of a sequential read.
 */
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

/* Queues chunk k (k < n_chunks) into its slot, on its worker. */
static void par_post(struct vgi_par *pa, uint64_t k)
{
	struct par_slot *sl = &pa->slots[k % PAR_RING];
	sl->k = k;
	vgi_worker_post(pa->w[k % PAR_WORKERS], sl);
}

static void par_stop(vg_reader *r)
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

static int par_start(vg_reader *r)
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
			par_stop(r);
			return VG_ENOMEM;
		}
	for (k = 0; k < PAR_RING && k < pa->n_chunks; k++)
		par_post(pa, k);
	/* the sequential window is not used until a fallback */
	if (r->map_ptr) {
		munmap(r->map_ptr, r->map_len);
		r->map_ptr = NULL;
		r->map_len = 0;
	}
	r->buf = NULL;
	r->len = r->pos = 0;
	r->base = base0;
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

static int par_read(vg_reader *r, vg_flow *out, size_t cap, size_t *n)
{
	struct vgi_par *pa = r->par;
	for (;;) {
		struct par_slot *sl;
		size_t k;
		if (pa->fallback) {
			int rc = read_sync(r, out, cap, n);
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
			if (r->map_ptr) {
				munmap(r->map_ptr, r->map_len);
				r->map_ptr = NULL;
				r->map_len = 0;
			}
			r->buf = NULL;
			r->len = r->pos = 0;
			r->base = pa->x;
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

int vg_reader_read(vg_reader *r, vg_flow *out, size_t cap, size_t *n)
{
	struct vgi_pump *p;
	struct pump_item *it;
	size_t k;
	int rc;

	*n = 0;
	if (!r)
		return VG_EINVAL;
	if (r->par)
		return cap ? par_read(r, out, cap, n) : VG_DONE;
	if (!(p = r->pump))
		return read_sync(r, out, cap, n);
	if (cap == 0)
		return VG_DONE;
	vgi_worker_wait(p->w, p->head);
	it = &p->items[p->head % PUMP_ITEMS];

	r->pub_st = it->st;
	if (it->rc == VG_DONE && it->n == 0)
		return VG_DONE; /* stays at the head: every later call ends too */
	if (it->rc < 0 && it->n == 0) {
		memcpy(r->pub_errmsg, it->msg, sizeof r->pub_errmsg);
		rc = it->rc;
		k = 0;
	} else {
		rc = VG_OK;
		k = VGI_MIN(cap, it->n - p->taken);
		memcpy(out, it->flows + p->taken, k * sizeof *out);
		p->taken += k;
		*n = k;
		if (p->taken < it->n)
			return VG_OK;
	}
	/* the item is used up: it reads the next batch but PUMP_ITEMS - 1 */
	p->taken = 0;
	p->head++;
	vgi_worker_post(p->w, it);
	return rc;
}

void vg_reader_close(vg_reader *r)
{
	if (!r)
		return;
	par_stop(r);
	pump_free(r);
	if (r->fmt && r->fmt->close)
		r->fmt->close(r);
	vgi_src_close(r->src);
	if (r->map_ptr)
		munmap(r->map_ptr, r->map_len);
	if (r->map_fd >= 0)
		close(r->map_fd);
	free(r->own);
	free(r);
}
