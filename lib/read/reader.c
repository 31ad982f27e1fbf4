/*
 * reader.c - the reader core: opens a path, descriptor or memory buffer,
 * picks the format from the first decoded bytes (or takes the one named in
 * the options), keeps the window of decoded bytes the format modules parse
 * from, and turns their errors into "FILE: record N @0xOFF: ..." messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "read/read.h"

/* The format table. Sniffing asks each row; the most confident wins. */
static const struct vgi_format *const formats[] = {
	&vgi_fmt_argus,
	&vgi_fmt_argus2,
};

#define WIN_MIN (1u << 20)     /* window bytes */
#define WIN_MAX (64u << 20)    /* the most any format may ask for at once */

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
	return r ? r->errmsg : "out of memory";
}

const char *vg_reader_format(const vg_reader *r)
{
	return r->fmt ? r->fmt->name : "unknown";
}

const char *vg_reader_compression(const vg_reader *r)
{
	return r->src ? vgi_src_compression(r->src) : "none";
}

void vg_reader_get_stats(const vg_reader *r, vg_reader_stats *st)
{
	*st = r->st;
	if (r->src)
		st->bytes_in = vgi_src_bytes_in(r->src);
	st->bytes_decoded = r->base + r->pos;
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

size_t vgi_need(vg_reader *r, size_t n)
{
	size_t have = r->len - r->pos;
	if (VGI_LIKELY(have >= n) || r->eof)
		return have;
	if (n > WIN_MAX)
		n = WIN_MAX;
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
			const char *what = NULL;
			if (have >= 4 && (vgi_be32(p) == 0xa1b2c3d4 || vgi_le32(p) == 0xa1b2c3d4 ||
					  vgi_be32(p) == 0xa1b23c4d || vgi_le32(p) == 0xa1b23c4d))
				what = "a pcap capture";
			else if (have >= 4 && vgi_be32(p) == 0x0a0d0d0a)
				what = "a pcapng capture";
			else if (have >= 2 && vgi_le16(p) == 0xa50c)
				what = "an nfdump file";
			if (what)
				vgi_errf(r->errmsg,
					 "%s: @0x0: this is %s, which this version of vigil does not read yet "
					 "(it reads Argus 3.x and 2.x files)", r->name, what);
			else
				vgi_errf(r->errmsg,
					 "%s: @0x0: not a flow file vigil reads (first bytes "
					 "%02x %02x %02x %02x); it reads Argus 3.x and 2.x files",
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
	return VG_OK;
}

static int reader_start(vg_reader *r)
{
	const uint8_t *p;
	size_t len;
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

int vg_reader_open(vg_reader **rp, const char *path, const vg_reader_opts *opts)
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
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		vgi_errf(r->errmsg, "%s: cannot open: %s", path, strerror(errno));
		return VG_EIO;
	}
	if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		close(fd);
		vgi_errf(r->errmsg, "%s: is a directory", path);
		return VG_EIO;
	}
#ifdef POSIX_FADV_SEQUENTIAL
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	if ((rc = vgi_src_open_fd(&r->src, fd, 1, err)) != VG_OK) {
		vgi_errf(r->errmsg, "%s: %s", path, err);
		return rc;
	}
	return reader_start(r);
}

int vg_reader_read(vg_reader *r, vg_flow *out, size_t cap, size_t *n)
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

void vg_reader_close(vg_reader *r)
{
	if (!r)
		return;
	if (r->fmt && r->fmt->close)
		r->fmt->close(r);
	vgi_src_close(r->src);
	free(r->own);
	free(r);
}
