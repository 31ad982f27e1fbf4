/*
 * reader.c - the reader core: the format table; opens a path, descriptor,
 * memory buffer or interface; picks the format from the first decoded bytes
 * (or takes the one named in the options); reads in the caller's thread and
 * turns the formats' errors into "FILE: record N @0xOFF: ..." messages.
 * The window the formats parse from is window.c's; reading ahead in a
 * thread is prefetch.c's; a mapped file read in parallel chunks, chunks.c's.
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

#include "read/read.h"

/* The format table. Sniffing asks each row; the most confident wins. */
static const struct vgi_format *const formats[] = {
	&vgi_fmt_argus,
	&vgi_fmt_argus2,
	&vgi_fmt_csv,
	&vgi_fmt_ndjson,
	&vgi_fmt_nfdump,
	&vgi_fmt_pcap,
	&vgi_fmt_netflow, /* pushed only */
};


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

void vgi_stats_now(const vg_reader *r, vg_reader_stats *st)
{
	*st = r->st;
	if (r->src)
		st->bytes_in = vgi_src_bytes_in(r->src);
	else if (r->map_fd >= 0)
		st->bytes_in = r->base + r->pos;
	st->bytes_decoded = r->base + r->pos;
}

void vg_reader_stats_add(vg_reader_stats *a, const vg_reader_stats *b)
{
	size_t i;
	a->n_records += b->n_records;
	a->n_flows += b->n_flows;
	a->n_man += b->n_man;
	a->n_errors += b->n_errors;
	for (i = 0; i < VG_SKIP__COUNT; i++)
		a->skipped[i] += b->skipped[i];
	a->bytes_in += b->bytes_in;
	a->bytes_decoded += b->bytes_decoded;
	a->n_lost += b->n_lost;
	if (b->first_us < a->first_us)
		a->first_us = b->first_us;
	if (b->last_us > a->last_us)
		a->last_us = b->last_us;
}

void vg_reader_get_stats(const vg_reader *r, vg_reader_stats *st)
{
	if (r->pump)
		*st = r->pub_st;
	else
		vgi_stats_now(r, st);
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

static int pick_format(vg_reader *r)
{
	size_t have, i;
	int best = 0;
	const struct vgi_format *fmt = NULL;

	if (r->fmt) /* set by the opener (vgi_reader_open_fd_as) */
		return r->fmt->open(r);
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
		if (!fmt->sniff) {
			vgi_errf(r->errmsg, "%s: format '%s' is for datagrams a collector receives "
				 "(vigil collect), not for files", r->name, r->o.format);
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
			int c = formats[i]->sniff ? formats[i]->sniff(p, have) : 0;
			if (c > best) {
				best = c;
				fmt = formats[i];
			}
		}
		if (!fmt) {
			vgi_errf(r->errmsg,
				 "%s: @0x0: not a flow file vigil reads (first bytes "
				 "%02x %02x %02x %02x); it reads Argus 3.x and 2.x, nfdump, "
				 "flow CSV, vigil's NDJSON, pcap and pcapng files",
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
	r->map_min = VGI_MAP_MIN;
	r->par_chunk = VGI_PAR_CHUNK;
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
		if (vgi_remap(r, 0) == (size_t)-1)
			return VG_EIO;
		return pick_format(r);
	}
	if (vgi_src_direct(r->src, &p, &len)) {
		r->buf = p;
		r->len = len;
		r->eof = 1;
		r->direct = 1;
	} else {
		if (!(r->own = malloc(VGI_WIN_MIN))) {
			vgi_errf(r->errmsg, "%s: out of memory", r->name);
			return VG_ENOMEM;
		}
		r->own_cap = VGI_WIN_MIN;
		r->buf = r->own;
	}
	return pick_format(r);
}

static int reader_start(vg_reader *r)
{
	int rc = reader_begin(r);
	/* a small file is read faster than a thread starts: no prefetch */
	if (rc == VG_OK && r->o.prefetch && !r->done && !r->small &&
	    vgi_chunks_start(r) != VG_OK)
		vgi_prefetch_start(r);
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

int vgi_reader_open_fd_as(vg_reader **rp, int fd, const char *name,
			  const vg_reader_opts *opts, const struct vgi_format *fmt)
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
	r->fmt = fmt;
	return reader_begin(r);
}

int vgi_reader_new(vg_reader **rp, const char *name, const vg_reader_opts *opts)
{
	return reader_new(rp, name, opts);
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
	if (strncmp(path, "argus://", 8) == 0)
		return vgi_stream_open(rp, path, opts);
	if (strncmp(path, "netflow://", 10) == 0)
		return vgi_listen_open(rp, path, opts);
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
	size_t i;
	char name[64];
	if (!iface)
		return VG_EINVAL;
	snprintf(name, sizeof name, "interface %.40s", iface);
	if ((rc = reader_new(rp, name, opts)) != VG_OK)
		return rc;
	r = *rp;
	r->eof = 1;
	for (i = 0; i < sizeof formats / sizeof formats[0]; i++)
		if (formats[i]->open_live)
			break;
	if (i == sizeof formats / sizeof formats[0]) {
		vgi_errf(r->errmsg, "%s: no live capture in this build", r->name);
		return VG_EUNSUP;
	}
	if ((rc = formats[i]->open_live(r, iface)) != VG_OK)
		return rc;
	if (r->o.prefetch)
		vgi_prefetch_start(r);
	return VG_OK;
}

int vg_reader_open_push(vg_reader **rp, const char *format, const char *name,
			const vg_reader_opts *opts)
{
	vg_reader *r;
	size_t i;
	int rc;
	if (!format)
		return VG_EINVAL;
	if ((rc = reader_new(rp, name ? name : format, opts)) != VG_OK)
		return rc;
	r = *rp;
	r->eof = 1;
	for (i = 0; i < VGI_ARRAY_LEN(formats); i++)
		if (formats[i]->push && strcmp(formats[i]->name, format) == 0)
			r->fmt = formats[i];
	if (!r->fmt) {
		vgi_errf(r->errmsg, "%s: no pushed format '%s' (there is: netflow)", r->name,
			 format);
		return VG_EINVAL;
	}
	return r->fmt->open(r);
}

int vg_reader_push(vg_reader *r, const void *buf, size_t len, const vg_nf_peer *from,
		   int64_t now_us)
{
	int rc;
	if (!r || !r->fmt || !r->fmt->push || (!buf && len))
		return VG_EINVAL;
	if ((rc = r->fmt->push(r, buf, len, from, now_us)) < 0)
		r->st.n_errors++;
	return rc;
}

void vg_reader_interrupt(vg_reader *r)
{
	if (r && r->fmt && r->fmt->interrupt)
		r->fmt->interrupt(r);
}

int vgi_read_sync(vg_reader *r, vg_flow *out, size_t cap, size_t *n)
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
	if (rc == VG_IDLE)
		return VG_IDLE;
	if (rc == VG_DONE)
		r->done = 1;
	return *n ? VG_OK : VG_DONE;
}

int vg_reader_read(vg_reader *r, vg_flow *out, size_t cap, size_t *n)
{
	*n = 0;
	if (!r)
		return VG_EINVAL;
	if (r->par)
		return cap ? vgi_chunks_read(r, out, cap, n) : VG_DONE;
	if (r->pump)
		return cap ? vgi_prefetch_read(r, out, cap, n) : VG_DONE;
	return vgi_read_sync(r, out, cap, n);
}

void vg_reader_close(vg_reader *r)
{
	if (!r)
		return;
	vgi_chunks_stop(r);
	vgi_prefetch_stop(r);
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
