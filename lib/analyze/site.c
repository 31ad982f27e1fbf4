/*
 * site.c - the site description (monitored networks, legitimate services,
 * hot ports, activity buckets, day zone, top sizes) from command-line keys
 * or a site file, and the classification of a flow against it. Every flow
 * lands in exactly one class.
 */
#include <ctype.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>

#include "analyze/analyze.h"

static const char *const class_names[VG_CLASS__COUNT] = {
	"unsolicited", "service", "outbound", "internal", "other", "backscatter",
};

const char *vg_class_name(int c)
{
	return (c >= 0 && c < VG_CLASS__COUNT) ? class_names[c] : "";
}

/* Every alert parameter: key, default, range (docs/alerts.md). */
const struct vgi_alert_param vgi_alert_params[VGI_AK__N] = {
	[VGI_AK_DAYS] = {"alert-days", 30, 1, 3650, 1},
	[VGI_AK_MIN_HISTORY] = {"alert-min-history", 3, 1, 3650, 1},
	[VGI_AK_MIN_SOURCES] = {"alert-min-sources", 5, 1, 1e9, 1},
	[VGI_AK_TREND_THRESHOLD] = {"trend-threshold", 8, 0.01, 1e9, 0},
	[VGI_AK_TREND_RATIO] = {"trend-ratio", 2, 1, 1e6, 0},
	[VGI_AK_HW_ALPHA] = {"hw-alpha", 0.1, 0.0001, 1, 0},
	[VGI_AK_HW_BETA] = {"hw-beta", 0.0035, 0, 1, 0},
	[VGI_AK_HW_GAMMA] = {"hw-gamma", 0.1, 0.0001, 1, 0},
	[VGI_AK_HW_DELTA] = {"hw-delta", 2, 0.1, 100, 0},
	[VGI_AK_HW_WINDOW] = {"hw-window", 9, 1, 1000, 1},
	[VGI_AK_HW_FAILURES] = {"hw-failures", 6, 1, 1000, 1},
	[VGI_AK_HW_MIN_EXCESS] = {"hw-min-excess", 3, 0, 1e9, 0},
	[VGI_AK_CUSUM_DRIFT] = {"cusum-drift", 1, 0, 1e6, 0},
	[VGI_AK_CUSUM_THRESHOLD] = {"cusum-threshold", 5, 0.01, 1e9, 0},
	[VGI_AK_WORM_RATE] = {"worm-rate", 0.1, 0, 100, 0},
	[VGI_AK_WORM_DAYS] = {"worm-days", 3, 1, 365, 1},
	[VGI_AK_WORM_MIN_NEW] = {"worm-min-new", 5, 1, 1e9, 1},
	[VGI_AK_BIG_SHARE] = {"big-share", 0.25, 0.0001, 1, 0},
	[VGI_AK_BIG_MIN] = {"big-min", 100, 1, 1e12, 1},
	[VGI_AK_NEWPORT_DAYS] = {"newport-days", 30, 1, 3650, 1},
	[VGI_AK_NEWPORT_SOURCES] = {"newport-sources", 5, 1, 1e9, 1},
	[VGI_AK_BACKSCATTER_PACKETS] = {"backscatter-packets", 200, 1, 1e12, 1},
};

static int set_defaults(vg_site *s)
{
	size_t i;
	for (i = 0; i < VGI_AK__N; i++)
		s->ak[i] = vgi_alert_params[i].def;
	s->scan_alert_severity = VG_SEV_LOW;
	strcpy(s->csirt, "csirt.invalid");
	s->n_hot = 3;
	s->hot[0].proto = 6, s->hot[0].port = 135;
	s->hot[1].proto = 17, s->hot[1].port = 137;
	s->hot[2].proto = 6, s->hot[2].port = 445;
	s->n_buckets = 3;
	s->buckets[0] = 1, s->buckets[1] = 10, s->buckets[2] = 100;
	s->top = 20;
	s->idle_s = 120;
	s->scan_window_s = 300;
	s->scan_vertical = 15;
	s->scan_horizontal = 0;
	s->scan_sweep_ports = 2;
	s->scan_campaign_sources = 3;
	s->scan_gap_s = 3600;
	s->scan_sources = 1000000;
	s->max_age_s = 2 * 86400;
	strcpy(s->tz_name, "UTC");
	return VG_OK;
}

int vg_site_create(vg_site **sp)
{
	vg_site *s = calloc(1, sizeof *s);
	*sp = s;
	if (!s)
		return VG_ENOMEM;
	return set_defaults(s);
}

void vg_site_free(vg_site *s)
{
	size_t i;
	if (!s)
		return;
	for (i = 0; i < s->n_mon; i++)
		free(s->mon_text[i]);
	for (i = 0; i < s->n_svc; i++)
		free(s->svc_text ? s->svc_text[i] : NULL);
	free(s->mon_text);
	free(s->svc_text);
	free(s->store);
	free(s->mon);
	free(s->svc);
	free(s->services_file);
	free(s->known_file);
	vgi_tz_free(&s->tz);
	free(s);
}

const char *vg_site_store(const vg_site *s)
{
	return s->store;
}

const char *vg_site_csirt(const vg_site *s)
{
	return s->csirt;
}

const char *vg_site_tz(const vg_site *s)
{
	return s->tz_name;
}

double vg_site_max_age(const vg_site *s, int *given)
{
	if (given)
		*given = s->max_age_set;
	return s->max_age_s;
}

double vg_site_idle(const vg_site *s)
{
	return s->idle_s;
}

/* ------------------------------------------------------------ parsing */

static void trim(const char **p, size_t *len)
{
	while (*len && isspace((unsigned char)**p))
		(*p)++, (*len)--;
	while (*len && isspace((unsigned char)(*p)[*len - 1]))
		(*len)--;
}

static int parse_uint(const char *s, size_t len, unsigned max, unsigned *v)
{
	unsigned x = 0;
	size_t i;
	if (len == 0 || len > 10)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (unsigned)(s[i] - '0');
		if (x > max)
			return -1;
	}
	*v = x;
	return 0;
}

static void mask_addr(vg_addr *a, unsigned bits)
{
	unsigned i;
	for (i = 0; i < 16; i++) {
		if (bits >= 8) {
			bits -= 8;
			continue;
		}
		a->a[i] &= (uint8_t)(0xff00u >> bits);
		bits = 0;
	}
}

/* addr | addr/len | addr-addr -> [lo, hi] and, for a prefix, its bits */
static int parse_addrspec(const char *s, size_t len, vg_addr *lo, vg_addr *hi,
			  unsigned *bits)
{
	const char *slash = memchr(s, '/', len), *dash = memchr(s, '-', len);
	int fam;
	*bits = 128;
	if (slash) {
		unsigned l;
		size_t alen = (size_t)(slash - s);
		if (!(fam = vg_addr_parse(lo, s, alen)) ||
		    parse_uint(slash + 1, len - alen - 1, fam == 4 ? 32 : 128, &l))
			return -1;
		*bits = fam == 4 ? 96 + l : l;
		mask_addr(lo, *bits);
		*hi = *lo;
		{
			unsigned i, b = *bits;
			for (i = 0; i < 16; i++) {
				if (b >= 8) {
					b -= 8;
					continue;
				}
				hi->a[i] |= (uint8_t)(0xffu >> b);
				b = 0;
			}
		}
		return 0;
	}
	if (dash) {
		size_t alen = (size_t)(dash - s);
		int f2;
		if (!(fam = vg_addr_parse(lo, s, alen)) ||
		    !(f2 = vg_addr_parse(hi, dash + 1, len - alen - 1)) || fam != f2 ||
		    memcmp(lo, hi, sizeof *lo) > 0)
			return -1;
		*bits = 0; /* a range, not a prefix */
		return 0;
	}
	if (!vg_addr_parse(lo, s, len))
		return -1;
	*hi = *lo;
	return 0;
}

static char *dup_range(const char *s, size_t len)
{
	char *d = malloc(len + 1);
	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

/* A range a-b that is not a prefix is added as the prefixes covering it. */
static int add_prefix(vg_site *s, const vg_addr *net, unsigned bits)
{
	if (s->n_mon == s->cap_mon) {
		size_t cap = s->cap_mon ? s->cap_mon * 2 : 8;
		struct vgi_prefix *np = realloc(s->mon, cap * sizeof *np);
		char **nt = realloc(s->mon_text, cap * sizeof *nt);
		if (!np || !nt) {
			free(np != s->mon ? np : NULL);
			return VG_ENOMEM;
		}
		s->mon = np;
		s->mon_text = nt;
		s->cap_mon = cap;
	}
	s->mon[s->n_mon].net = *net;
	s->mon[s->n_mon].bits = bits;
	s->mon_text[s->n_mon] = NULL;
	s->n_mon++;
	return VG_OK;
}

static void addr_inc(vg_addr *a)
{
	int i;
	for (i = 15; i >= 0; i--)
		if (++a->a[i] != 0)
			break;
}

static int add_prefix_cb(void *user, const vg_addr *net, unsigned bits)
{
	return add_prefix(user, net, bits);
}

static int add_range(vg_site *s, vg_addr lo, const vg_addr *hi)
{
	return vgi_range_prefixes(lo, hi, add_prefix_cb, s);
}

/* Covers [lo, hi] with the fewest prefixes (at most 2 * 128), in order. */
int vgi_range_prefixes(vg_addr lo, const vg_addr *hi,
		       int (*fn)(void *user, const vg_addr *net, unsigned bits), void *user)
{
	int guard = 0;
	while (memcmp(&lo, hi, sizeof lo) <= 0 && guard++ < 300) {
		unsigned bits = 128;
		int rc;
		/* grow the block while lo stays aligned and it stays in range */
		while (bits > 0) {
			vg_addr m = lo, top = lo;
			unsigned b = bits - 1, i, r;
			mask_addr(&m, b);
			if (memcmp(&m, &lo, sizeof m) != 0)
				break;
			r = b;
			for (i = 0; i < 16; i++) {
				if (r >= 8) {
					r -= 8;
					continue;
				}
				top.a[i] |= (uint8_t)(0xffu >> r);
				r = 0;
			}
			if (memcmp(&top, hi, sizeof top) > 0)
				break;
			bits = b;
		}
		if ((rc = fn(user, &lo, bits)) != VG_OK)
			return rc;
		{
			/* lo += 2^(128 - bits) */
			vg_addr top = lo;
			unsigned i, r = bits;
			for (i = 0; i < 16; i++) {
				if (r >= 8) {
					r -= 8;
					continue;
				}
				top.a[i] |= (uint8_t)(0xffu >> r);
				r = 0;
			}
			if (memcmp(&top, hi, sizeof top) >= 0)
				break;
			lo = top;
			addr_inc(&lo);
		}
	}
	return VG_OK;
}

static int set_monitored(vg_site *s, const char *v, size_t vlen, char *err,
			 size_t errlen)
{
	while (vlen) {
		const char *c = memchr(v, ',', vlen);
		size_t len = c ? (size_t)(c - v) : vlen;
		const char *item = v;
		size_t ilen = len, first = s->n_mon;
		vg_addr lo, hi;
		unsigned bits;
		int rc;
		trim(&item, &ilen);
		if (ilen) {
			if (parse_addrspec(item, ilen, &lo, &hi, &bits)) {
				snprintf(err, errlen, "'%.*s' is not an address, "
					 "prefix (a.b.c.d/len) or range (a-b)", (int)ilen, item);
				return VG_EINVAL;
			}
			rc = bits ? add_prefix(s, &lo, bits) : add_range(s, lo, &hi);
			if (rc != VG_OK) {
				snprintf(err, errlen, "out of memory");
				return rc;
			}
			if (s->n_mon > first)
				s->mon_text[first] = dup_range(item, ilen);
		}
		v += len + (c ? 1 : 0);
		vlen -= len + (c ? 1 : 0);
	}
	return VG_OK;
}

/* A service's protocol: tcp, udp, sctp or icmp (by name or number). */
static int proto_of(const char *s, size_t len)
{
	int p = vg_proto_parse(s, len);
	return p == 6 || p == 17 || p == 132 || p == 1 ? p : -1;
}

/* ADDRS:PORTS[/PROTO]; ADDRS and PORTS comma-separated lists; the last ':'
 * separates them so that IPv6 addresses work. PROTO defaults to tcp. */
static int set_service(vg_site *s, const char *v, size_t vlen, char *err,
		       size_t errlen)
{
	const char *colon = NULL, *slash, *ports, *a;
	size_t i, plen, alen, first = s->n_svc;
	int proto = 6;
	char *text;

	for (i = 0; i < vlen; i++)
		if (v[i] == ':')
			colon = v + i;
	if (!colon)
		goto bad;
	alen = (size_t)(colon - v);
	ports = colon + 1;
	plen = vlen - alen - 1;
	if ((slash = memchr(ports, '/', plen))) {
		if ((proto = proto_of(slash + 1, plen - (size_t)(slash - ports) - 1)) < 0) {
			snprintf(err, errlen, "'%.*s': protocol must be tcp, udp, "
				 "sctp or icmp", (int)vlen, v);
			return VG_EINVAL;
		}
		plen = (size_t)(slash - ports);
	}
	if (!(text = dup_range(v, vlen)))
		return VG_ENOMEM;
	for (a = v; alen;) {
		const char *c = memchr(a, ',', alen);
		size_t len = c ? (size_t)(c - a) : alen;
		const char *item = a, *p;
		size_t ilen = len, pl;
		vg_addr lo, hi;
		unsigned bits;
		trim(&item, &ilen);
		if (ilen == 1 && item[0] == '*') {
			memset(&lo, 0, sizeof lo);
			memset(&hi, 0xff, sizeof hi);
		} else if (parse_addrspec(item, ilen, &lo, &hi, &bits)) {
			free(text);
			goto bad;
		}
		for (p = ports, pl = plen; pl;) {
			const char *pc = memchr(p, ',', pl), *dash;
			size_t l = pc ? (size_t)(pc - p) : pl;
			unsigned plo, phi;
			struct vgi_service *sv;
			if ((dash = memchr(p, '-', l))) {
				if (parse_uint(p, (size_t)(dash - p), 65535, &plo) ||
				    parse_uint(dash + 1, l - (size_t)(dash - p) - 1, 65535, &phi) ||
				    phi < plo) {
					free(text);
					goto bad;
				}
			} else if (parse_uint(p, l, 65535, &plo)) {
				free(text);
				goto bad;
			} else {
				phi = plo;
			}
			if (s->n_svc == s->cap_svc) {
				size_t cap = s->cap_svc ? s->cap_svc * 2 : 8;
				struct vgi_service *ns = realloc(s->svc, cap * sizeof *ns);
				char **nt;
				if (!ns) {
					free(text);
					return VG_ENOMEM;
				}
				s->svc = ns;
				if (!(nt = realloc(s->svc_text, cap * sizeof *nt))) {
					free(text);
					return VG_ENOMEM;
				}
				s->svc_text = nt;
				s->cap_svc = cap;
			}
			sv = &s->svc[s->n_svc];
			sv->lo = lo;
			sv->hi = hi;
			sv->plo = (uint16_t)plo;
			sv->phi = (uint16_t)phi;
			sv->proto = (uint8_t)proto;
			s->svc_text[s->n_svc] = NULL;
			s->n_svc++;
			p += l + (pc ? 1 : 0);
			pl -= l + (pc ? 1 : 0);
		}
		a += len + (c ? 1 : 0);
		alen -= len + (c ? 1 : 0);
	}
	/* the text goes with the first entry this value made */
	if (s->n_svc > first)
		s->svc_text[first] = text;
	else
		free(text);
	return VG_OK;
bad:
	snprintf(err, errlen, "'%.*s' is not ADDRS:PORTS[/PROTO] "
		 "(e.g. 192.0.2.1-192.0.2.5:80/tcp, 192.0.2.3:22, *:53/udp)",
		 (int)vlen, v);
	return VG_EINVAL;
}

static int set_hot(vg_site *s, const char *v, size_t vlen, char *err, size_t errlen)
{
	size_t n = 0;
	while (vlen) {
		const char *c = memchr(v, ',', vlen), *item = v, *slash;
		size_t len = c ? (size_t)(c - v) : vlen, ilen = len;
		unsigned port;
		int proto;
		trim(&item, &ilen);
		slash = memchr(item, '/', ilen);
		if (!slash || parse_uint(item, (size_t)(slash - item), 65535, &port) ||
		    (proto = proto_of(slash + 1, ilen - (size_t)(slash - item) - 1)) < 0 ||
		    proto == 1) {
			snprintf(err, errlen, "'%.*s' is not PORT/PROTO "
				 "(e.g. 445/tcp, 137/udp)", (int)ilen, item);
			return VG_EINVAL;
		}
		if (n == VGI_MAX_HOT) {
			snprintf(err, errlen, "at most %d ports", VGI_MAX_HOT);
			return VG_EINVAL;
		}
		s->hot[n].port = (uint16_t)port;
		s->hot[n].proto = (uint8_t)proto;
		n++;
		v += len + (c ? 1 : 0);
		vlen -= len + (c ? 1 : 0);
	}
	s->n_hot = n;
	return VG_OK;
}

static int set_buckets(vg_site *s, const char *v, size_t vlen, char *err,
		       size_t errlen)
{
	size_t n = 0;
	while (vlen) {
		const char *c = memchr(v, ',', vlen), *item = v;
		size_t len = c ? (size_t)(c - v) : vlen, ilen = len;
		unsigned d;
		trim(&item, &ilen);
		if (parse_uint(item, ilen, 100000, &d) || d == 0 ||
		    (n && d <= s->buckets[n - 1]) || n == VGI_MAX_BUCKETS) {
			snprintf(err, errlen, "'%.*s': need increasing day counts "
				 ">= 1, at most %d (e.g. 1,10,100)", (int)vlen, v,
				 VGI_MAX_BUCKETS);
			return VG_EINVAL;
		}
		s->buckets[n++] = d;
		v += len + (c ? 1 : 0);
		vlen -= len + (c ? 1 : 0);
	}
	if (!n) {
		snprintf(err, errlen, "empty");
		return VG_EINVAL;
	}
	s->n_buckets = n;
	return VG_OK;
}

static int set_tz(vg_site *s, const char *v, size_t len, char *err, size_t errlen)
{
	unsigned h, m;
	char name[128];
	struct vgi_tz tz;
	if ((len == 3 && (memcmp(v, "UTC", 3) == 0 || memcmp(v, "utc", 3) == 0)) ||
	    (len == 1 && v[0] == 'Z')) {
		vgi_tz_free(&s->tz);
		s->tz_offset_s = 0;
		strcpy(s->tz_name, "UTC");
		return VG_OK;
	}
	if (len == 6 && (v[0] == '+' || v[0] == '-') && v[3] == ':' &&
	    !parse_uint(v + 1, 2, 23, &h) && !parse_uint(v + 4, 2, 59, &m)) {
		vgi_tz_free(&s->tz);
		s->tz_offset_s = (int32_t)(h * 3600 + m * 60) * (v[0] == '-' ? -1 : 1);
		snprintf(s->tz_name, sizeof s->tz_name, "UTC%.6s", v);
		return VG_OK;
	}
	if (len == 0 || len >= sizeof name) {
		snprintf(err, errlen, "'%.*s': use UTC, a fixed offset like +01:00, or a "
			 "zone name like Europe/Berlin", (int)len, v);
		return VG_EINVAL;
	}
	memcpy(name, v, len);
	name[len] = '\0';
	if (vgi_tz_load(&tz, name, err, errlen) != VG_OK)
		return VG_EINVAL;
	vgi_tz_free(&s->tz);
	s->tz = tz;
	s->tz_offset_s = 0;
	snprintf(s->tz_name, sizeof s->tz_name, "%s", name);
	return VG_OK;
}

static int set_max_age(vg_site *s, const char *value, size_t vlen, char *err, size_t errlen)
{
	char buf[32], *end;
	double v;
	if (vlen == 0 || vlen >= sizeof buf)
		goto bad;
	memcpy(buf, value, vlen);
	buf[vlen] = '\0';
	errno = 0;
	v = strtod(buf, &end);
	if (errno || end == buf || !(v > 0))
		goto bad;
	if (*end == 's')
		end++;
	else if (*end == 'm')
		v *= 60, end++;
	else if (*end == 'h')
		v *= 3600, end++;
	else if (*end == 'd')
		v *= 86400, end++;
	if (*end || v > 3650 * 86400.0)
		goto bad;
	s->max_age_s = v;
	s->max_age_set = 1;
	return VG_OK;
bad:
	snprintf(err, errlen, "'%.*s' is not a duration (like 2d, 36h, 90m, 3600s)", (int)vlen,
		 value);
	return VG_EINVAL;
}

/* csirt (a domain name) or csirt-email (an address) */
static int set_csirt_any(vg_site *s, const char *value, size_t vlen, char *err, size_t errlen,
			 int mail)
{
	size_t i, dots = 0, at = 0;
	for (i = 0; i < vlen; i++) {
		char c = value[i];
		dots += c == '.';
		at += c == '@';
		if (!(isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_' ||
		      (mail && (c == '@' || c == '+'))))
			break;
	}
	if (i < vlen || vlen == 0 || vlen >= sizeof s->csirt || !dots || at != (size_t)mail) {
		snprintf(err, errlen, mail ? "'%.*s' is not an e-mail address"
					   : "'%.*s' is not a domain name (like csirt.example.org)",
			 (int)vlen, value);
		return VG_EINVAL;
	}
	memcpy(mail ? s->csirt_email : s->csirt, value, vlen);
	(mail ? s->csirt_email : s->csirt)[vlen] = '\0';
	return VG_OK;
}

static int set_csirt(vg_site *s, const char *value, size_t vlen, char *err, size_t errlen)
{
	return set_csirt_any(s, value, vlen, err, errlen, 0);
}

static int set_csirt_email(vg_site *s, const char *value, size_t vlen, char *err, size_t errlen)
{
	return set_csirt_any(s, value, vlen, err, errlen, 1);
}

static int set_scan_alerts(vg_site *s, const char *value, size_t vlen, char *err, size_t errlen)
{
	static const char *const lv[] = {"off", "low", "medium", "high"};
	int u;
	for (u = 0; u < 4; u++)
		if (strlen(lv[u]) == vlen && strncmp(value, lv[u], vlen) == 0) {
			s->scan_alert_severity = u;
			return VG_OK;
		}
	snprintf(err, errlen, "'%.*s' is not off, low, medium or high", (int)vlen, value);
	return VG_EINVAL;
}

/*
 * The site keys, each once: how its value is read and where it goes. The
 * alert detectors' parameters (vgi_alert_params[]) follow them.
 */
enum { K_FN, K_UINT, K_SECS, K_PATH };

static const struct site_key {
	const char *key;
	int kind;
	size_t off;            /* K_UINT: unsigned, K_SECS: double, K_PATH: char * */
	double min, max;       /* K_UINT, K_SECS (seconds > min) */
	int (*fn)(vg_site *s, const char *value, size_t vlen, char *err, size_t errlen);
} site_keys[] = {
	{"monitored", K_FN, 0, 0, 0, set_monitored},
	{"service", K_FN, 0, 0, 0, set_service},
	{"hot-ports", K_FN, 0, 0, 0, set_hot},
	{"buckets", K_FN, 0, 0, 0, set_buckets},
	{"tz", K_FN, 0, 0, 0, set_tz},
	{"top", K_UINT, offsetof(vg_site, top), 1, 100000, NULL},
	{"idle", K_SECS, offsetof(vg_site, idle_s), 0, 1e7, NULL},
	{"services-file", K_PATH, offsetof(vg_site, services_file), 0, 0, NULL},
	{"known-scanners", K_PATH, offsetof(vg_site, known_file), 0, 0, NULL},
	{"scan-window", K_SECS, offsetof(vg_site, scan_window_s), 0, 1e8, NULL},
	{"scan-vertical", K_UINT, offsetof(vg_site, scan_vertical), 1, 100000000, NULL},
	{"scan-horizontal", K_UINT, offsetof(vg_site, scan_horizontal), 1, 100000000, NULL},
	{"scan-sweep-ports", K_UINT, offsetof(vg_site, scan_sweep_ports), 0, 65536, NULL},
	{"scan-campaign-sources", K_UINT, offsetof(vg_site, scan_campaign_sources), 2, 1000, NULL},
	{"scan-gap", K_SECS, offsetof(vg_site, scan_gap_s), 0, 1e8, NULL},
	{"scan-sources", K_UINT, offsetof(vg_site, scan_sources), 1, 100000000, NULL},
	{"scan-alerts", K_FN, 0, 0, 0, set_scan_alerts},
	{"csirt", K_FN, 0, 0, 0, set_csirt},
	{"csirt-email", K_FN, 0, 0, 0, set_csirt_email},
	{"store", K_PATH, offsetof(vg_site, store), 0, 0, NULL},
	{"max-age", K_FN, 0, 0, 0, set_max_age},
};

static const struct site_key *find_key(const char *key)
{
	size_t i;
	for (i = 0; i < sizeof site_keys / sizeof site_keys[0]; i++)
		if (strcmp(key, site_keys[i].key) == 0)
			return &site_keys[i];
	return NULL;
}

static int set_alert_param(vg_site *s, unsigned u, const char *value, size_t vlen, char *err,
			   size_t errlen)
{
	const struct vgi_alert_param *ap = &vgi_alert_params[u];
	char buf[40], *end;
	double d;
	if (vlen >= sizeof buf)
		goto bad;
	memcpy(buf, value, vlen);
	buf[vlen] = '\0';
	errno = 0;
	d = strtod(buf, &end);
	if (errno || end == buf || *end || !(d >= ap->min && d <= ap->max) ||
	    (ap->integer && d != (double)(long long)d))
		goto bad;
	s->ak[u] = d;
	return VG_OK;
bad:
	snprintf(err, errlen, "'%.*s' is not %s from %g to %g", (int)vlen, value,
		 ap->integer ? "a whole number" : "a number", ap->min, ap->max);
	return VG_EINVAL;
}

int vg_site_set(vg_site *s, const char *key, const char *value, char *err,
		size_t errlen)
{
	size_t vlen = strlen(value);
	const struct site_key *k = find_key(key);
	char *base = (char *)s;
	unsigned u;
	trim(&value, &vlen);
	if (k && k->kind == K_FN)
		return k->fn(s, value, vlen, err, errlen);
	if (k && k->kind == K_UINT) {
		if (parse_uint(value, vlen, (unsigned)k->max, &u) || u < (unsigned)k->min) {
			snprintf(err, errlen, "'%.*s' is not a number from %u to %u", (int)vlen,
				 value, (unsigned)k->min, (unsigned)k->max);
			return VG_EINVAL;
		}
		memcpy(base + k->off, &u, sizeof u);
		return VG_OK;
	}
	if (k && k->kind == K_SECS) {
		char buf[32], *end;
		double d = 0;
		if (vlen < sizeof buf) {
			memcpy(buf, value, vlen);
			buf[vlen] = '\0';
			d = strtod(buf, &end);
		}
		if (vlen >= sizeof buf || *end || !(d > k->min) || d > k->max) {
			snprintf(err, errlen, "'%.*s' is not a number of seconds > 0", (int)vlen,
				 value);
			return VG_EINVAL;
		}
		memcpy(base + k->off, &d, sizeof d);
		return VG_OK;
	}
	if (k && k->kind == K_PATH) {
		char *dup, *old;
		if (!(dup = dup_range(value, vlen)))
			return VG_ENOMEM;
		memcpy(&old, base + k->off, sizeof old);
		free(old);
		memcpy(base + k->off, &dup, sizeof dup);
		return VG_OK;
	}
	for (u = 0; u < VGI_AK__N; u++)
		if (strcmp(key, vgi_alert_params[u].key) == 0)
			return set_alert_param(s, u, value, vlen, err, errlen);
	{
		size_t n = (size_t)snprintf(err, errlen, "unknown key (the keys are"), i;
		for (i = 0; i < sizeof site_keys / sizeof site_keys[0] && n < errlen; i++)
			n += (size_t)snprintf(err + n, errlen - n, " %s,", site_keys[i].key);
		if (n < errlen)
			snprintf(err + n, errlen - n, " and the alert parameters of docs/alerts.md)");
	}
	return VG_EINVAL;
}

int vg_site_is_key(const char *key)
{
	size_t i;
	if (find_key(key))
		return 1;
	for (i = 0; i < VGI_AK__N; i++)
		if (strcmp(key, vgi_alert_params[i].key) == 0)
			return 1;
	return 0;
}

int vg_site_parse(vg_site *s, const char *text, size_t len, const char *name,
		  char *err, size_t errlen)
{
	char line[4096], msg[512];
	unsigned lineno = 0;
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *p = line, *eq, *k, *hash;
		size_t klen;
		int rc;
		lineno++;
		if (ll >= sizeof line) {
			snprintf(err, errlen, "%s:%u: line longer than %zu bytes", name,
				 lineno, sizeof line - 1);
			return VG_EINVAL;
		}
		memcpy(line, text + pos, ll);
		line[ll] = '\0';
		pos += ll + (nl ? 1 : 0);
		if (memchr(line, '\0', ll)) {
			snprintf(err, errlen, "%s:%u: a NUL byte in the line", name, lineno);
			return VG_EINVAL;
		}
		if ((hash = strchr(p, '#')))
			*hash = '\0';
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			continue;
		if (!(eq = strchr(p, '='))) {
			snprintf(err, errlen, "%s:%u: expected KEY = VALUE, got '%.60s'",
				 name, lineno, p);
			return VG_EINVAL;
		}
		k = p;
		klen = (size_t)(eq - p);
		while (klen && isspace((unsigned char)k[klen - 1]))
			klen--;
		k[klen] = '\0';
		rc = vg_site_set(s, k, eq + 1, msg, sizeof msg);
		if (rc != VG_OK) {
			snprintf(err, errlen, "%s:%u: %.60s: %s", name, lineno, k, msg);
			return rc;
		}
	}
	return VG_OK;
}

int vg_site_load(vg_site *s, const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "r");
	char *text;
	long n;
	int rc;
	if (!fp) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return VG_EIO;
	}
	if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 || n > (16 << 20) ||
	    fseek(fp, 0, SEEK_SET) != 0) {
		snprintf(err, errlen, "%s: cannot read (not a regular file of at most 16 MiB)", path);
		fclose(fp);
		return VG_EIO;
	}
	if (!(text = malloc((size_t)n + 1)) || fread(text, 1, (size_t)n, fp) != (size_t)n) {
		snprintf(err, errlen, "%s: cannot read", path);
		free(text);
		fclose(fp);
		return VG_EIO;
	}
	fclose(fp);
	rc = vg_site_parse(s, text, (size_t)n, path, err, errlen);
	free(text);
	return rc;
}

int vg_site_check(const vg_site *s, char *err, size_t errlen)
{
	if (s->n_mon == 0) {
		snprintf(err, errlen, "no monitored network: give --monitored PREFIX "
			 "or monitored = ... in a site file (-c)");
		return VG_EINVAL;
	}
	return VG_OK;
}

int vgi_prefix_has(const struct vgi_prefix *p, const vg_addr *a)
{
	unsigned full = p->bits / 8, rest = p->bits % 8;
	if (memcmp(p->net.a, a->a, full) != 0)
		return 0;
	if (rest && ((a->a[full] ^ p->net.a[full]) & (uint8_t)(0xff00u >> rest)))
		return 0;
	return 1;
}

int vgi_site_in_monitored(const vg_site *s, const vg_addr *a)
{
	size_t i;
	for (i = 0; i < s->n_mon; i++)
		if (vgi_prefix_has(&s->mon[i], a))
			return 1;
	return 0;
}

uint64_t vgi_site_size(const vg_site *s)
{
	uint64_t n = 0;
	size_t i;
	for (i = 0; i < s->n_mon; i++) {
		unsigned host_bits = 128 - s->mon[i].bits;
		if (host_bits >= 40)
			return UINT64_C(1) << 40;
		n += UINT64_C(1) << host_bits;
	}
	return n;
}

/* Hosts on one port in a window that make a horizontal scan: a quarter of
 * the monitored addresses, at least 3 and at most 25 (Zeek's default),
 * unless the site says otherwise. */
unsigned vgi_site_horizontal(const vg_site *s)
{
	uint64_t n = vgi_site_size(s);
	if (s->scan_horizontal)
		return s->scan_horizontal;
	n = (n + 3) / 4;
	return n < 3 ? 3 : n > 25 ? 25 : (unsigned)n;
}

int vgi_site_is_service(const vg_site *s, const vg_flow *f)
{
	size_t i;
	for (i = 0; i < s->n_svc; i++) {
		const struct vgi_service *sv = &s->svc[i];
		if (sv->proto != f->proto)
			continue;
		if (f->proto != 1 && (f->dport < sv->plo || f->dport > sv->phi))
			continue;
		if (memcmp(&f->daddr, &sv->lo, sizeof f->daddr) < 0 ||
		    memcmp(&f->daddr, &sv->hi, sizeof f->daddr) > 0)
			continue;
		return 1;
	}
	return 0;
}

int vg_site_classify(const vg_site *s, const vg_flow *f)
{
	int sin, din;
	if (f->kind != VG_REC_FLOW ||
	    (f->family != VG_FAM_IP4 && f->family != VG_FAM_IP6))
		return VG_CLASS_OTHER;
	sin = vgi_site_in_monitored(s, &f->saddr);
	din = vgi_site_in_monitored(s, &f->daddr);
	if (sin) {
		if (din)
			return VG_CLASS_INTERNAL;
		/* a lone answer from outside that the record turned round (ra's
		 * direction rules make a reset from port 443 the reply) */
		if (f->spkts == 0 && f->dpkts > 0 && f->proto == 6 && vgi_is_backscatter_flags(f->dflags))
			return VG_CLASS_BACKSCATTER;
		return VG_CLASS_OUTBOUND;
	}
	if (!din)
		return VG_CLASS_OTHER;
	if (vgi_site_is_service(s, f))
		return VG_CLASS_SERVICE;
	return vgi_is_backscatter(f) ? VG_CLASS_BACKSCATTER : VG_CLASS_UNSOLICITED;
}

/* Backscatter: what a host under a spoofed attack sends to the addresses
 * the attacker forged - ours (Moore, Voelker, Savage, "Inferring Internet
 * denial-of-service activity", 2001): a SYN-ACK or a reset where the
 * outside side sent no SYN and no data, an ICMP error (unreachable, source
 * quench, redirect, time exceeded, parameter problem) or an ICMP reply
 * (echo, timestamp, information, mask) nobody here asked for. */
int vgi_is_backscatter_flags(unsigned fl)
{
	if (fl & VG_TH_PSH)
		return 0;
	if ((fl & VG_TH_SYN) && (fl & VG_TH_ACK))
		return 1;
	return (fl & VG_TH_RST) && !(fl & VG_TH_SYN);
}

int vgi_is_backscatter(const vg_flow *f)
{
	switch (f->proto) {
	case 6:
		if ((f->tcp_status & VG_TCP_SAW_SYN) || f->sbytes > f->spkts * 80)
			return 0;
		return vgi_is_backscatter_flags(f->sflags);
	case 1:
		switch (f->sport) {
		case 0: case 3: case 4: case 5: case 11: case 12: case 14: case 16: case 18:
			return 1;
		}
		return 0;
	case 58:
		return (f->sport >= 1 && f->sport <= 4) || f->sport == 129;
	}
	return 0;
}

/* The keys that decide what the rollups hold - classification, day
 * boundaries, merging, scan detection - one "key = value" line each. A
 * store keeps this text and refuses a site whose text differs; keys that
 * only shape the report (hot-ports, buckets, top, alert parameters) may
 * change between runs. */
size_t vgi_site_describe(const vg_site *s, char *out, size_t cap)
{
	size_t n = 0, i;
	int first;
#define PUT(...) (n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, __VA_ARGS__))
	if (cap)
		out[0] = '\0';
	PUT("monitored =");
	for (i = 0, first = 1; i < s->n_mon; i++)
		if (s->mon_text[i]) {
			PUT("%s%s", first ? " " : ",", s->mon_text[i]);
			first = 0;
		}
	PUT("\nservice =");
	for (i = 0, first = 1; i < s->n_svc; i++)
		if (s->svc_text && s->svc_text[i]) {
			PUT("%s%s", first ? " " : ",", s->svc_text[i]);
			first = 0;
		}
	PUT("\ntz = %s\nidle = %g\nscan-window = %g\nscan-vertical = %u\nscan-horizontal = %u\n"
	    "scan-sweep-ports = %u\nscan-campaign-sources = %u\nscan-gap = %g\n"
	    "scan-sources = %u\n",
	    s->tz_name, s->idle_s, s->scan_window_s, s->scan_vertical, vgi_site_horizontal(s),
	    s->scan_sweep_ports, s->scan_campaign_sources, s->scan_gap_s, s->scan_sources);
#undef PUT
	return n;
}
