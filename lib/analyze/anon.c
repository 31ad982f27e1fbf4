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

#include <nettle/sha2.h>
#include "core/u64map.h"

#define MEMO_CAP (1u << 20) /* IPv4 pseudonyms remembered */

enum { MODE_CPAN, MODE_TRUNC };

struct vg_anon {
	int mode;
	int monitored;          /* enum vg_anon_monitored */
	char key_id[17];        /* MODE_CPAN: vg_anon_describe */
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
	int fd = open(path, O_RDONLY | O_CLOEXEC);
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
	if (n >= 0 && vgi_anon_key_parse(buf, (size_t)n, key) == VG_OK)
		return VG_OK;
	snprintf(err, errlen, "%s: not a key: expected 32 bytes or 64 hex digits, read %zd bytes",
		 path, n);
	return VG_EINVAL;
}

int vgi_anon_key_parse(const uint8_t *buf, size_t n, uint8_t key[32])
{
	size_t i;
	if (n == 32) {
		memcpy(key, buf, 32);
		return VG_OK;
	}
	if (n == 64 || (n == 65 && buf[64] == '\n')) {
		for (i = 0; i < 32; i++) {
			int h = hexval(buf[2 * i]), l = hexval(buf[2 * i + 1]);
			if (h < 0 || l < 0)
				return VG_EINVAL;
			key[i] = (uint8_t)(h << 4 | l);
		}
		return VG_OK;
	}
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
		free(a);
		rc = vgi_anon_open_key(ap, key, monitored);
		memset(key, 0, sizeof key);
		if (rc != VG_OK)
			snprintf(err, errlen, "out of memory");
		return rc;
	}
	*ap = a;
	return VG_OK;
}

int vgi_anon_open_key(vg_anon **ap, const uint8_t key[32], int monitored)
{
	vg_anon *a = calloc(1, sizeof *a);
	*ap = NULL;
	if (!a)
		return VG_ENOMEM;
	a->monitored = monitored;
	a->mode = MODE_CPAN;
	vgi_cpan_init(&a->cp, key);
	{
		static const char label[] = "vigil share key id";
		struct sha256_ctx h;
		uint8_t d[SHA256_DIGEST_SIZE];
		int i;
		sha256_init(&h);
		sha256_update(&h, sizeof label - 1, (const uint8_t *)label);
		sha256_update(&h, 32, key);
		sha256_digest(&h, sizeof d, d);
		for (i = 0; i < 8; i++)
			snprintf(a->key_id + 2 * i, 3, "%02x", d[i]);
	}
	if (vgi_u64map_init(&a->memo4, MEMO_CAP) != VG_OK) {
		free(a);
		return VG_ENOMEM;
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

/* whether x is in net/bits (over the 128-bit layout) */
static int in_net(const vg_addr *net, unsigned bits, const vg_addr *x)
{
	unsigned full = bits / 8, rest = bits % 8;
	if (memcmp(net->a, x->a, full) != 0)
		return 0;
	return !rest || !((x->a[full] ^ net->a[full]) & (uint8_t)(0xff00u >> rest));
}

/* the first `bits` bits of x from orig */
static void restore_prefix(vg_addr *x, const vg_addr *orig, unsigned bits)
{
	unsigned i;
	for (i = 0; i < bits / 8; i++)
		x->a[i] = orig->a[i];
	if (bits % 8) {
		uint8_t m = (uint8_t)(0xff00u >> (bits % 8));
		x->a[i] = (uint8_t)((orig->a[i] & m) | (x->a[i] & ~m));
	}
}

/* One address as the handle's rule for the monitored networks says. */
static void anon_one(vg_anon *a, vg_addr *x, int fam)
{
	size_t k;
	if (a->monitored != VG_ANON_REPLACE && a->site) {
		for (k = 0; k < a->site->n_mon; k++)
			if (in_net(&a->site->mon[k].net, a->site->mon[k].bits, x))
				break;
		if (k < a->site->n_mon) {
			vg_addr orig = *x;
			if (a->monitored == VG_ANON_KEEP)
				return;
			/* VG_ANON_PREFIX: the host bits pseudonymised, in their network */
			vg_anon_addr(a, x, fam);
			restore_prefix(x, &orig, a->site->mon[k].bits);
			return;
		}
	}
	vg_anon_addr(a, x, fam);
}

void vg_anon_flows(vg_anon *a, vg_flow *f, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		int fam = f[i].family;
		if (fam != VG_FAM_IP4 && fam != VG_FAM_IP6)
			continue;
		anon_one(a, &f[i].saddr, fam);
		anon_one(a, &f[i].daddr, fam);
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

/* A range's image: the range cut where IPv4 (::ffff:0:0/96, mapped by the
 * IPv4 function) begins and ends, each part into the prefixes that cover
 * it, each prefix mapped; fn gets the mapped prefixes. */
struct map_ctx {
	vg_anon *a;
	int (*fn)(void *user, const vg_addr *net, unsigned bits);
	void *user;
	const vg_addr *keep_net; /* VG_ANON_PREFIX: the network whose prefix stays */
	unsigned keep_bits;
};

static int map_block(void *user, const vg_addr *net, unsigned bits)
{
	struct map_ctx *m = user;
	vg_addr x = *net;
	vgi_anon_prefix(m->a, &x, &bits);
	if (m->keep_net)
		restore_prefix(&x, m->keep_net, m->keep_bits);
	return m->fn(m->user, &x, bits);
}

static int map_range_in(vg_anon *a, const vg_addr *lo, const vg_addr *hi,
			int (*fn)(void *user, const vg_addr *net, unsigned bits), void *user,
			const vg_addr *keep_net, unsigned keep_bits)
{
	struct map_ctx m = {a, fn, user, keep_net, keep_bits};
	vg_addr v4lo, v4hi, cut[3][2];
	int i, n = 0, rc;
	memset(&v4lo, 0, sizeof v4lo);
	v4lo.a[10] = v4lo.a[11] = 0xff;
	v4hi = v4lo;
	memset(v4hi.a + 12, 0xff, 4);
	if (memcmp(lo, &v4lo, 16) < 0) {
		/* below IPv4: up to ::fffe:ffff:ffff */
		vg_addr e = v4lo;
		cut[n][0] = *lo;
		if (memcmp(hi, &v4lo, 16) < 0) {
			e = *hi;
		} else {
			e.a[11] = 0xfe;
			memset(e.a + 12, 0xff, 4);
		}
		cut[n++][1] = e;
	}
	if (memcmp(hi, &v4lo, 16) >= 0 && memcmp(lo, &v4hi, 16) <= 0) {
		cut[n][0] = memcmp(lo, &v4lo, 16) > 0 ? *lo : v4lo;
		cut[n++][1] = memcmp(hi, &v4hi, 16) < 0 ? *hi : v4hi;
	}
	if (memcmp(hi, &v4hi, 16) > 0) {
		/* above IPv4: from ::1:0:0:0 */
		vg_addr b;
		memset(&b, 0, sizeof b);
		b.a[9] = 1;
		cut[n][0] = memcmp(lo, &v4hi, 16) > 0 ? *lo : b;
		cut[n++][1] = *hi;
	}
	for (i = 0; i < n; i++)
		if ((rc = vgi_range_prefixes(cut[i][0], &cut[i][1], map_block, &m)) != VG_OK)
			return rc;
	return VG_OK;
}

static int map_range(vg_anon *a, const vg_addr *lo, const vg_addr *hi,
		     int (*fn)(void *user, const vg_addr *net, unsigned bits), void *user)
{
	return map_range_in(a, lo, hi, fn, user, NULL, 0);
}

/* the last address of a prefix */
static vg_addr prefix_top(const vg_addr *net, unsigned bits)
{
	vg_addr t = *net;
	unsigned i;
	for (i = bits; i < 128; i++)
		t.a[i / 8] |= (uint8_t)(0x80u >> (i % 8));
	return t;
}

/* A growing list of prefixes, or of services, with their texts. */
struct out_list {
	struct vgi_prefix *mon;
	struct vgi_service *svc;
	const struct vgi_service *from; /* the service being mapped */
	char **text;
	size_t n, cap;
};

static int out_grow(struct out_list *o)
{
	size_t cap = o->cap ? 2 * o->cap : 16;
	char **nt;
	if (o->from) {
		struct vgi_service *ns = realloc(o->svc, cap * sizeof *ns);
		if (!ns)
			return VG_ENOMEM;
		o->svc = ns;
	} else {
		struct vgi_prefix *np = realloc(o->mon, cap * sizeof *np);
		if (!np)
			return VG_ENOMEM;
		o->mon = np;
	}
	if (!(nt = realloc(o->text, cap * sizeof *nt)))
		return VG_ENOMEM;
	o->text = nt;
	o->cap = cap;
	return VG_OK;
}

static void out_free(struct out_list *o)
{
	while (o->n)
		free(o->text[--o->n]);
	free(o->text);
	free(o->svc);
	free(o->mon);
}

static int add_mon(void *user, const vg_addr *net, unsigned bits)
{
	struct out_list *o = user;
	if (o->n == o->cap && out_grow(o) != VG_OK)
		return VG_ENOMEM;
	if (!(o->text[o->n] = prefix_text(net, bits)))
		return VG_ENOMEM;
	o->mon[o->n].net = *net;
	o->mon[o->n].bits = bits;
	o->n++;
	return VG_OK;
}

/* One mapped prefix of a service's range: an entry of its own. */
static int add_svc(void *user, const vg_addr *net, unsigned bits)
{
	struct out_list *o = user;
	struct vgi_service *sv;
	char ports[32], pn[8], *pt, *t;
	if (o->n == o->cap && out_grow(o) != VG_OK)
		return VG_ENOMEM;
	sv = &o->svc[o->n];
	*sv = *o->from;
	sv->lo = *net;
	sv->hi = prefix_top(net, bits);
	if (o->from->plo == o->from->phi)
		snprintf(ports, sizeof ports, "%u", o->from->plo);
	else
		snprintf(ports, sizeof ports, "%u-%u", o->from->plo, o->from->phi);
	if (!(pt = prefix_text(net, bits)))
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

int vg_site_anonymize(vg_site *s, vg_anon *a, char *err, size_t errlen)
{
	struct out_list m, v;
	size_t i;
	int rc = VG_OK;
	s->anon = a;
	a->site = s;
	if (a->monitored == VG_ANON_KEEP)
		return VG_OK;
	memset(&m, 0, sizeof m);
	memset(&v, 0, sizeof v);
	for (i = 0; i < s->n_mon && rc == VG_OK; i++) {
		vg_addr top = prefix_top(&s->mon[i].net, s->mon[i].bits);
		if (a->monitored == VG_ANON_PREFIX)
			rc = add_mon(&m, &s->mon[i].net, s->mon[i].bits);
		else
			rc = map_range(a, &s->mon[i].net, &top, add_mon, &m);
	}
	for (i = 0; i < s->n_svc && rc == VG_OK; i++) {
		size_t k;
		v.from = &s->svc[i];
		if (a->monitored != VG_ANON_PREFIX) {
			rc = map_range(a, &s->svc[i].lo, &s->svc[i].hi, add_svc, &v);
			continue;
		}
		/* a service matters on monitored hosts only: its range within each
		 * monitored network, mapped as that network's addresses are */
		for (k = 0; k < s->n_mon && rc == VG_OK; k++) {
			vg_addr plo = s->mon[k].net, phi = prefix_top(&plo, s->mon[k].bits), lo, hi;
			lo = memcmp(&s->svc[i].lo, &plo, 16) > 0 ? s->svc[i].lo : plo;
			hi = memcmp(&s->svc[i].hi, &phi, 16) < 0 ? s->svc[i].hi : phi;
			if (memcmp(&lo, &hi, 16) <= 0)
				rc = map_range_in(a, &lo, &hi, add_svc, &v, &plo, s->mon[k].bits);
		}
	}
	if (rc != VG_OK) {
		out_free(&m);
		out_free(&v);
		snprintf(err, errlen, "out of memory");
		return VG_ENOMEM;
	}
	for (i = 0; i < s->n_mon; i++)
		free(s->mon_text[i]);
	for (i = 0; i < s->n_svc; i++)
		free(s->svc_text ? s->svc_text[i] : NULL);
	free(s->mon);
	free(s->mon_text);
	free(s->svc);
	free(s->svc_text);
	s->mon = m.mon;
	s->mon_text = m.text;
	s->n_mon = s->cap_mon = m.n;
	s->svc = v.svc;
	s->svc_text = v.text;
	s->n_svc = s->cap_svc = v.n;
	/* an empty list keeps a valid array */
	if (!s->mon_text)
		s->cap_mon = 0;
	if (!s->svc_text)
		s->cap_svc = 0;
	return VG_OK;
}

void vg_anon_describe(const vg_anon *a, const char **method, char key_id[17], unsigned *bits4,
		      unsigned *bits6)
{
	*method = a->mode == MODE_CPAN ? "cryptopan" : "truncate";
	memcpy(key_id, a->mode == MODE_CPAN ? a->key_id : "", a->mode == MODE_CPAN ? 17 : 1);
	*bits4 = a->mode == MODE_CPAN ? 32 : a->bits4;
	*bits6 = a->mode == MODE_CPAN ? 128 : a->bits6;
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
