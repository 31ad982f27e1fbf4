/*
 * window.c - the window of decoded bytes the formats parse from
 * (vgi_need): a mapped stretch of a plain file, moved along as the format
 * asks (MAP_POPULATE, sequential advice), or a growing buffer filled from
 * the source (a pipe, a compressed file, memory).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "read/read.h"

/* Maps the window that starts at stream offset `off` and holds at least n
 * bytes (or reaches the end of the file). */
size_t vgi_remap(vg_reader *r, size_t n)
{
	uint64_t off = r->base + r->pos, start;
	long page = sysconf(_SC_PAGESIZE);
	size_t want, len;
	void *p;

	start = off - off % (uint64_t)(page > 0 ? page : 4096);
	want = VGI_MAX((size_t)VGI_MAP_WIN, n + (size_t)(off - start));
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
	if (n > VGI_WIN_MAX)
		n = VGI_WIN_MAX;
	if (r->map_fd >= 0)
		return vgi_remap(r, n);
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
