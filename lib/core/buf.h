/*
 * buf.h - a growable byte buffer with a cap, for state that is saved and
 * read back on the same machine (the pipeline's open tail in a store).
 * Values are written in host byte order; the reader is the checked cursor
 * of core.h, so a damaged blob is a clean error, never an overrun.
 */
#ifndef VGI_BUF_H
#define VGI_BUF_H

#include <stdlib.h>

#include "core/core.h"

struct vgi_buf {
	uint8_t *p;
	size_t n, cap;
	size_t max;   /* most bytes it may hold */
	int bad;      /* sticky: out of memory or over max */
};

static inline void vgi_buf_put(struct vgi_buf *b, const void *v, size_t len)
{
	if (b->bad || len == 0)
		return;
	if (b->n + len > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *np;
		while (cap < b->n + len)
			cap *= 2;
		if ((b->max && cap > b->max && (cap = b->max) < b->n + len) ||
		    !(np = realloc(b->p, cap))) {
			b->bad = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->n, v, len);
	b->n += len;
}

static inline void vgi_buf_u64(struct vgi_buf *b, uint64_t v)
{
	vgi_buf_put(b, &v, 8);
}

static inline void vgi_buf_free(struct vgi_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

/* Host-order reads through a checked cursor (sticky bad flag). */
static inline uint64_t vgi_cur_h64(vgi_cur *c)
{
	uint64_t v = 0;
	vgi_cur_bytes(c, &v, 8);
	return v;
}

#endif
