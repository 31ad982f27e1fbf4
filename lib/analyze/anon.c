/*
 * anon.c - pseudonymised and truncated addresses (vigil.h, "anonymise";
 * docs/anonymize.md): the handle, its key file, the flows and the site.
 *
 * The flows are changed as they are read, before any analysis: a bijection
 * that keeps prefixes (Crypto-PAn) leaves every figure as it was, distinct
 * counts and /24 groupings included. The site must then speak of the same
 * addresses: a monitored prefix maps onto the prefix of its pseudonym, of
 * the same length; a service's address range is cut into the prefixes that
 * cover it, each mapped so. The classification of the anonymised flows by
 * the anonymised site is therefore the one of the flows by the site.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/analyze.h"
#include "core/cryptopan.h"
#include "core/u64map.h"

#define MEMO_CAP (1u << 20) /* IPv4 pseudonyms remembered */

enum { MODE_CPAN, MODE_TRUNC };

struct vg_anon {
	int mode;
	int monitored;          /* enum vg_anon_monitored */
	struct vgi_cpan cp;
	unsigned bits4, bits6;  /* MODE_TRUNC: the bits kept */
	const vg_site *site;    /* VG_ANON_KEEP: whose monitored networks */
	vgi_u64map memo4;       /* address -> pseudonym + 1 (0: not made) */
};

/* "/N" or "/N,/M": 1 and the bits, 0 if spec is not one (a key file). */
static int parse_trunc(const char *spec, unsigned *b4, unsigned *b6)
{
	unsigned long v4, v6 = 48;
	char *end;
	if (spec[0] != '/' || spec[1] < '0' || spec[1] > '9')
		return 0;
	v4 = strtoul(spec + 1, &end, 10);
	if (*end == ',') {
		if (end[1] != '/' || end[2] < '0' || end[2] > '9')
			return 0;
		v6 = strtoul(end + 2, &end, 10);
	}
	if (*end || v4 > 32 || v6 > 128)
		return 0;
	*b4 = (unsigned)v4;
	*b6 = (unsigned)v6;
	return 1;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
		: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A key file: 32 bytes, or 64 hex digits (and a newline). Refused when
 * anyone but its owner may read it. */
static int read_key(const char *path, uint8_t key[32], char *err, size_t errlen)
{
	uint8_t buf[80];
	struct stat sb;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), i;
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot read the key: %s (make one with vigil key new %s)",
			 path, strerror(errno), path);
		return VG_EIO;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a key file", path);
		close(fd);
		return VG_EINVAL;
	}
	if (sb.st_mode & 077) {
		snprintf(err, errlen, "%s: the key may be read by others (mode %04o): chmod 600 %s",
			 path, (unsigned)(sb.st_mode & 07777), path);
		close(fd);
		return VG_EINVAL;
	}
	n = read(fd, buf, sizeof buf);
	close(fd);
	if (n == 32) {
		memcpy(key, buf, 32);
		return VG_OK;
	}
	if (n == 64 || (n == 65 && buf[64] == '\n')) {
		for (i = 0; i < 32; i++) {
			int h = hexval(buf[2 * i]), l = hexval(buf[2 * i + 1]);
			if (h < 0 || l < 0)
				break;
			key[i] = (uint8_t)(h << 4 | l);
		}
		if (i == 32)
			return VG_OK;
	}
	snprintf(err, errlen, "%s: not a key: expected 32 bytes or 64 hex digits, read %zd bytes",
		 path, n);
	return VG_EINVAL;
}

int vg_anon_open(vg_anon **ap, const char *spec, int monitored, char *err, size_t errlen)
{
	vg_anon *a = calloc(1, sizeof *a);
	int rc;
	*ap = NULL;
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return VG_ENOMEM;
	}
	a->monitored = monitored;
	if (parse_trunc(spec, &a->bits4, &a->bits6)) {
		a->mode = MODE_TRUNC;
	} else {
		uint8_t key[32];
		if ((rc = read_key(spec, key, err, errlen)) != VG_OK) {
			free(a);
			return rc;
		}
		a->mode = MODE_CPAN;
		vgi_cpan_init(&a->cp, key);
		memset(key, 0, sizeof key);
		if (vgi_u64map_init(&a->memo4, MEMO_CAP) != VG_OK) {
			free(a);
			snprintf(err, errlen, "out of memory");
			return VG_ENOMEM;
		}
	}
	*ap = a;
	return VG_OK;
}

void vg_anon_free(vg_anon *a)
{
	if (!a)
		return;
	if (a->mode == MODE_CPAN)
		vgi_u64map_free(&a->memo4);
	memset(a, 0, sizeof *a);
	free(a);
}

/* bits from `from` on (over the 16 bytes) set to 0 */
static void clear_from(vg_addr *x, unsigned from)
{
	unsigned i;
	for (i = from; i < 128; i++)
		x->a[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
}

void vg_anon_addr(vg_anon *a, vg_addr *x, int family)
{
	if (family == VG_FAM_IP4) {
		uint32_t v = vg_addr_ip4(x), p;
		if (a->mode == MODE_TRUNC) {
			p = a->bits4 ? v & ~(uint32_t)0 << (32 - a->bits4) : 0;
		} else if (!(p = vgi_u64map_get(&a->memo4, v))) {
			p = vgi_cpan_ip4(&a->cp, v);
			if (p != UINT32_MAX)
				vgi_u64map_put(&a->memo4, v, p + 1);
		} else {
			p--;
		}
		vg_addr_from_ip4(x, p);
	} else if (family == VG_FAM_IP6) {
		if (a->mode == MODE_TRUNC) {
			clear_from(x, a->bits6);
		} else {
			vg_addr o;
			vgi_cpan_bits(&a->cp, x->a, 128, o.a);
			*x = o;
		}
	}
}

void vgi_anon_prefix(vg_anon *a, vg_addr *net, unsigned *bits)
{
	static const uint8_t v4[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (*bits >= 96 && memcmp(net->a, v4, 12) == 0) {
		vg_anon_addr(a, net, VG_FAM_IP4);
		if (a->mode == MODE_TRUNC && *bits > 96 + a->bits4)
			*bits = 96 + a->bits4;
	} else if (*bits > 0) {
		/* the first bits of a pseudonym depend only on the first bits of
		 * the address: the prefix's image is the prefix of its image */
		vg_anon_addr(a, net, VG_FAM_IP6);
		if (a->mode == MODE_TRUNC && *bits > a->bits6)
			*bits = a->bits6;
	}
	clear_from(net, *bits);
}

void vg_anon_flows(vg_anon *a, vg_flow *f, size_t n)
{
	size_t i;
	int keep = a->monitored == VG_ANON_KEEP && a->site;
	for (i = 0; i < n; i++) {
		int fam = f[i].family;
		if (fam != VG_FAM_IP4 && fam != VG_FAM_IP6)
			continue;
		if (!keep || !vgi_site_in_monitored(a->site, &f[i].saddr))
			vg_anon_addr(a, &f[i].saddr, fam);
		if (!keep || !vgi_site_in_monitored(a->site, &f[i].daddr))
			vg_anon_addr(a, &f[i].daddr, fam);
	}
}

/* ------------------------------------------------------------ the site */

static int is_v4(const vg_addr *x, unsigned bits)
{
	static const uint8_t v4[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	return bits >= 96 && memcmp(x->a, v4, 12) == 0;
}

/* "a.b.c.d/len" or "x::/len" */
static char *prefix_text(const vg_addr *net, unsigned bits)
{
	char t[64], *d;
	int v4 = is_v4(net, bits);
	size_t n = vg_addr_format(net, v4 ? VG_FAM_IP4 : VG_FAM_IP6, t);
	snprintf(t + n, sizeof t - n, "/%u", v4 ? bits - 96 : bits);
	if ((d = malloc(strlen(t) + 1)))
		strcpy(d, t);
	return d;
}

static const char *proto_text(uint8_t p, char *buf, size_t len)
{
	switch (p) {
	case 6: return "tcp";
	case 17: return "udp";
	case 132: return "sctp";
	case 1: return "icmp";
	}
	snprintf(buf, len, "%u", p);
	return buf;
}

struct svc_out {
	vg_anon *a;
	const struct vgi_service *from;
	struct vgi_service *svc;
	char **text;
	size_t n, cap;
};

/* One prefix of a service's range, mapped: an entry of its own. */
static int add_svc_block(void *user, const vg_addr *net, unsigned bits)
{
	struct svc_out *o = user;
	struct vgi_service *sv;
	vg_addr m = *net;
	char ports[32], pn[8], *pt, *t;
	unsigned i;
	if (o->n == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 16;
		struct vgi_service *ns = realloc(o->svc, cap * sizeof *ns);
		char **nt;
		if (!ns)
			return VG_ENOMEM;
		o->svc = ns;
		if (!(nt = realloc(o->text, cap * sizeof *nt)))
			return VG_ENOMEM;
		o->text = nt;
		o->cap = cap;
	}
	vgi_anon_prefix(o->a, &m, &bits);
	sv = &o->svc[o->n];
	*sv = *o->from;
	sv->lo = m;
	sv->hi = m;
	for (i = bits; i < 128; i++)
		sv->hi.a[i / 8] |= (uint8_t)(0x80u >> (i % 8));
	if (o->from->plo == o->from->phi)
		snprintf(ports, sizeof ports, "%u", o->from->plo);
	else
		snprintf(ports, sizeof ports, "%u-%u", o->from->plo, o->from->phi);
	if (!(pt = prefix_text(&m, bits)))
		return VG_ENOMEM;
	if (!(t = malloc(strlen(pt) + strlen(ports) + 16))) {
		free(pt);
		return VG_ENOMEM;
	}
	sprintf(t, "%s:%s/%s", pt, ports, proto_text(o->from->proto, pn, sizeof pn));
	free(pt);
	o->text[o->n++] = t;
	return VG_OK;
}

static int map_services(vg_site *s, vg_anon *a)
{
	struct svc_out o;
	size_t i;
	int rc = VG_OK;
	memset(&o, 0, sizeof o);
	o.a = a;
	for (i = 0; i < s->n_svc && rc == VG_OK; i++) {
		o.from = &s->svc[i];
		rc = vgi_range_prefixes(s->svc[i].lo, &s->svc[i].hi, add_svc_block, &o);
	}
	if (rc != VG_OK) {
		while (o.n)
			free(o.text[--o.n]);
		free(o.text);
		free(o.svc);
		return rc;
	}
	for (i = 0; i < s->n_svc; i++)
		free(s->svc_text ? s->svc_text[i] : NULL);
	free(s->svc_text);
	free(s->svc);
	s->svc = o.svc;
	s->svc_text = o.text;
	s->n_svc = o.n;
	s->cap_svc = o.cap;
	return VG_OK;
}

int vg_site_anonymize(vg_site *s, vg_anon *a, char *err, size_t errlen)
{
	size_t i;
	s->anon = a;
	a->site = s;
	if (a->monitored == VG_ANON_KEEP)
		return VG_OK;
	for (i = 0; i < s->n_mon; i++) {
		char *t;
		vgi_anon_prefix(a, &s->mon[i].net, &s->mon[i].bits);
		if (!(t = prefix_text(&s->mon[i].net, s->mon[i].bits))) {
			snprintf(err, errlen, "out of memory");
			return VG_ENOMEM;
		}
		free(s->mon_text[i]);
		s->mon_text[i] = t;
	}
	if (map_services(s, a) != VG_OK) {
		snprintf(err, errlen, "out of memory");
		return VG_ENOMEM;
	}
	return VG_OK;
}

int vg_site_write_nets(const vg_site *s, FILE *fp)
{
	size_t i;
	for (i = 0; i < s->n_mon; i++)
		if (s->mon_text[i])
			fprintf(fp, "monitored = %s\n", s->mon_text[i]);
	for (i = 0; i < s->n_svc; i++)
		if (s->svc_text && s->svc_text[i])
			fprintf(fp, "service = %s\n", s->svc_text[i]);
	return ferror(fp) ? VG_EIO : VG_OK;
}

/* ------------------------------------------------------------ keys */

int vg_anon_key_new(const char *path, char *err, size_t errlen)
{
	uint8_t key[32];
	size_t got = 0;
	int fd;
	while (got < sizeof key) {
		ssize_t n = getrandom(key + got, sizeof key - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "the OS's random source: %s", strerror(errno));
			return VG_EIO;
		}
		got += (size_t)n;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		snprintf(err, errlen, "%s: %s", path,
			 errno == EEXIST ? "exists: a key is not overwritten" : strerror(errno));
		memset(key, 0, sizeof key);
		return VG_EIO;
	}
	if (write(fd, key, sizeof key) != (ssize_t)sizeof key || fsync(fd) != 0) {
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		memset(key, 0, sizeof key);
		return VG_EIO;
	}
	memset(key, 0, sizeof key);
	if (close(fd) != 0) {
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
		unlink(path);
		return VG_EIO;
	}
	return VG_OK;
}
