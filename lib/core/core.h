/*
 * core.h - small internal helpers shared by every part of libvigil: checked
 * byte cursor for untrusted input, big/little-endian loads, error text.
 * Nothing here allocates except vgi_xmalloc's callers' choices.
 */
#ifndef VGI_CORE_H
#define VGI_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vigil.h"

#define VGI_LIKELY(x) __builtin_expect(!!(x), 1)
#define VGI_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define VGI_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define VGI_MIN(a, b) ((a) < (b) ? (a) : (b))
#define VGI_MAX(a, b) ((a) > (b) ? (a) : (b))

/* Unaligned loads. The caller has checked the bounds. */
static inline uint16_t vgi_be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}
static inline uint32_t vgi_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t vgi_be64(const uint8_t *p)
{
	return (uint64_t)vgi_be32(p) << 32 | vgi_be32(p + 4);
}
static inline uint16_t vgi_le16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[1] << 8 | p[0]);
}
static inline uint32_t vgi_le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[1] << 8 | p[0];
}
static inline uint64_t vgi_le64(const uint8_t *p)
{
	return (uint64_t)vgi_le32(p + 4) << 32 | vgi_le32(p);
}

/*
 * A bounds-checked read cursor over untrusted bytes. Every getter checks
 * the length; past the end it returns 0 and sets the sticky `bad` flag,
 * which the parser checks once per record.
 */
typedef struct vgi_cur {
	const uint8_t *p;
	const uint8_t *end;
	int bad;
} vgi_cur;

static inline vgi_cur vgi_cur_make(const uint8_t *p, size_t len)
{
	vgi_cur c = {p, p + len, 0};
	return c;
}
static inline size_t vgi_cur_left(const vgi_cur *c)
{
	return (size_t)(c->end - c->p);
}
static inline int vgi_cur_need(vgi_cur *c, size_t n)
{
	if (VGI_UNLIKELY(c->bad || vgi_cur_left(c) < n)) {
		c->bad = 1;
		return 0;
	}
	return 1;
}
static inline void vgi_cur_skip(vgi_cur *c, size_t n)
{
	if (vgi_cur_need(c, n))
		c->p += n;
}
static inline uint8_t vgi_cur_u8(vgi_cur *c)
{
	if (!vgi_cur_need(c, 1))
		return 0;
	return *c->p++;
}
static inline uint16_t vgi_cur_be16(vgi_cur *c)
{
	uint16_t v;
	if (!vgi_cur_need(c, 2))
		return 0;
	v = vgi_be16(c->p);
	c->p += 2;
	return v;
}
static inline uint32_t vgi_cur_be32(vgi_cur *c)
{
	uint32_t v;
	if (!vgi_cur_need(c, 4))
		return 0;
	v = vgi_be32(c->p);
	c->p += 4;
	return v;
}
static inline uint64_t vgi_cur_be64(vgi_cur *c)
{
	uint64_t v;
	if (!vgi_cur_need(c, 8))
		return 0;
	v = vgi_be64(c->p);
	c->p += 8;
	return v;
}
static inline void vgi_cur_bytes(vgi_cur *c, void *dst, size_t n)
{
	if (!vgi_cur_need(c, n)) {
		memset(dst, 0, n);
		return;
	}
	memcpy(dst, c->p, n);
	c->p += n;
}

/* Error text kept on a handle: a fixed buffer, always NUL-terminated. */
#define VGI_ERRMSG_LEN 512
void vgi_errf(char *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void vgi_verrf(char *buf, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* 64-bit mixing hash for fixed-size keys (not cryptographic; seeded per
 * table so that spoofed keys cannot be aimed at one bucket chain). */
static inline uint64_t vgi_mix64(uint64_t x)
{
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ULL;
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ULL;
	x ^= x >> 32;
	return x;
}
uint64_t vgi_hash_bytes(const void *p, size_t n, uint64_t seed);
/* *h1 = vgi_hash_bytes(p, n, *h1) and the same for *h2, in one pass */
void vgi_hash_bytes2(const void *p, size_t n, uint64_t *h1, uint64_t *h2);
uint64_t vgi_random_seed(void);

/* Room for element n of the array at *(T **)pp, which has *cap: doubles
 * the capacity (from first), never past max elements. 0, or -1 when out of
 * memory or at max (the array is unchanged then). */
int vgi_grow(void *pp, size_t *cap, size_t n, size_t size, size_t first, size_t max);

/* Decimal and hex formatting into a buffer; return the length written. */
size_t vgi_fmt_u64(char *out, uint64_t v);
size_t vgi_fmt_i64(char *out, int64_t v);
/* sec.usec with 6 digits, as ra -u -p 6 */
size_t vgi_fmt_epoch_us(char *out, int64_t us);
/* YYYY-MM-DD hh:mm:ss.uuuuuu (sep ' ') or YYYY-MM-DDThh:mm:ss.uuuuuuZ */
size_t vgi_fmt_iso_us(char *out, int64_t us, int t_sep);
/* days since 1970-01-01 -> civil date */
void vgi_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d);
int64_t vgi_days_from_civil(int y, unsigned m, unsigned d);

#endif
