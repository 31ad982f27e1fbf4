/*
 * util.c - error text, hashing and number/time formatting shared by the
 * library. Formatting is hand-written because printing flows is a hot path
 * (millions of values a second) and printf is several times slower.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "core.h"

void vgi_verrf(char *buf, const char *fmt, va_list ap)
{
	vsnprintf(buf, VGI_ERRMSG_LEN, fmt, ap);
}

void vgi_errf(char *buf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vgi_verrf(buf, fmt, ap);
	va_end(ap);
}

void vgi_hash_bytes2(const void *p, size_t n, uint64_t *h1, uint64_t *h2)
{
	/* vgi_hash_bytes with two seeds, the two chains in one loop so that
	 * their multiplications overlap */
	const uint8_t *b = p;
	uint64_t a = *h1 ^ (n * 0x9e3779b97f4a7c15ULL), c = *h2 ^ (n * 0x9e3779b97f4a7c15ULL);
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, b, 8);
		a = vgi_mix64(a ^ w) + 0x9e3779b97f4a7c15ULL;
		c = vgi_mix64(c ^ w) + 0x9e3779b97f4a7c15ULL;
		b += 8;
		n -= 8;
	}
	if (n) {
		uint64_t w = 0;
		memcpy(&w, b, n);
		a = vgi_mix64(a ^ w ^ ((uint64_t)n << 56));
		c = vgi_mix64(c ^ w ^ ((uint64_t)n << 56));
	}
	*h1 = vgi_mix64(a);
	*h2 = vgi_mix64(c);
}

uint64_t vgi_hash_bytes(const void *p, size_t n, uint64_t seed)
{
	const uint8_t *b = p;
	uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL);
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, b, 8);
		h = vgi_mix64(h ^ w) + 0x9e3779b97f4a7c15ULL;
		b += 8;
		n -= 8;
	}
	if (n) {
		uint64_t w = 0;
		memcpy(&w, b, n);
		h = vgi_mix64(h ^ w ^ ((uint64_t)n << 56));
	}
	return vgi_mix64(h);
}

uint64_t vgi_random_seed(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return vgi_mix64((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
			 ((uint64_t)getpid() << 40));
}

size_t vgi_fmt_u64(char *out, uint64_t v)
{
	char tmp[24];
	size_t n = 0, i;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
	return n;
}

size_t vgi_fmt_i64(char *out, int64_t v)
{
	if (v < 0) {
		out[0] = '-';
		return 1 + vgi_fmt_u64(out + 1, (uint64_t)0 - (uint64_t)v);
	}
	return vgi_fmt_u64(out, (uint64_t)v);
}

static void put_digits(char *out, unsigned v, int width)
{
	int i;
	for (i = width - 1; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* Floor division that also works for times before 1970. */
static void split_us(int64_t us, int64_t *sec, unsigned *frac)
{
	int64_t s = us / 1000000, f = us % 1000000;
	if (f < 0) {
		f += 1000000;
		s -= 1;
	}
	*sec = s;
	*frac = (unsigned)f;
}

/* Seconds with 6 decimals, signed as a number is: -1.5 s is "-1.500000"
 * (not the floor -2 and .5), so that every reader, and parse_time, reads
 * back the time written. */
size_t vgi_fmt_epoch_us(char *out, int64_t us)
{
	uint64_t mag = us < 0 ? (uint64_t)0 - (uint64_t)us : (uint64_t)us;
	unsigned frac = (unsigned)(mag % 1000000);
	size_t n = 0;
	if (us < 0)
		out[n++] = '-';
	n += vgi_fmt_u64(out + n, mag / 1000000);
	out[n++] = '.';
	put_digits(out + n, frac, 6);
	n += 6;
	out[n] = '\0';
	return n;
}

/* Days <-> civil date in the proleptic Gregorian calendar, using the
 * 400-year era decomposition (era = 146097 days). */
void vgi_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	int64_t era, yy;
	unsigned doe, yoe, doy, mp;
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yy + (*m <= 2));
}

int64_t vgi_days_from_civil(int y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

size_t vgi_fmt_iso_us(char *out, int64_t us, int t_sep)
{
	int64_t sec, days;
	unsigned frac, sod, m, d;
	int y;
	size_t n = 0;
	split_us(us, &sec, &frac);
	days = sec / 86400;
	if (sec % 86400 < 0)
		days--;
	sod = (unsigned)(sec - days * 86400);
	vgi_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999) {
		return vgi_fmt_epoch_us(out, us);
	}
	put_digits(out, (unsigned)y, 4);
	out[4] = '-';
	put_digits(out + 5, m, 2);
	out[7] = '-';
	put_digits(out + 8, d, 2);
	out[10] = t_sep ? 'T' : ' ';
	put_digits(out + 11, sod / 3600, 2);
	out[13] = ':';
	put_digits(out + 14, sod / 60 % 60, 2);
	out[16] = ':';
	put_digits(out + 17, sod % 60, 2);
	out[19] = '.';
	put_digits(out + 20, frac, 6);
	n = 26;
	if (t_sep)
		out[n++] = 'Z';
	out[n] = '\0';
	return n;
}

int vgi_grow(void *pp, size_t *cap, size_t n, size_t size, size_t first, size_t max)
{
	void *old, *np;
	size_t nc;
	if (n < *cap)
		return 0;
	if (n >= max)
		return -1;
	nc = *cap ? *cap * 2 : first;
	if (nc > max)
		nc = max;
	if (nc <= n || nc > SIZE_MAX / size)
		return -1;
	memcpy(&old, pp, sizeof old);
	if (!(np = realloc(old, nc * size)))
		return -1;
	memcpy(pp, &np, sizeof np);
	*cap = nc;
	return 0;
}
