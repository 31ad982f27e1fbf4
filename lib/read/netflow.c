/*
 * netflow.c - NetFlow v5, v9 (RFC 3954) and IPFIX (RFC 7011, with the RFC
 * 5103 biflow IEs) datagrams into flows, for `vigil collect`. Reference:
 * shared docs/FORMATS.md section 4; checked against softflowd 1.1.0 and
 * nfcapd 1.7.1 (tests/collect/softflowd.sh). All wire data is big-endian.
 *
 *   v5     header 24: version, count u16, sysUptime, unix_secs, unix_nsecs,
 *          flow_sequence (flows before this packet) u32, engine type, id u8,
 *          sampling u16; then count (1..30) records of 48 bytes: src, dst,
 *          nexthop u32, in, out u16, dPkts, dOctets, First, Last u32
 *          (sysUptime ms), sport, dport u16, pad, tcp_flags, prot, tos u8, ...
 *   v9     header 20: version, count u16, sysUptime, unix_secs, sequence
 *          (per packet), source_id u32; then flowsets [id u16, length u16]:
 *          0 templates, 1 options templates, >= 256 data.
 *   IPFIX  header 16: version 10, length u16, exportTime, sequence (data
 *          records before this message), observation domain u32; then sets:
 *          2 templates, 3 options templates, >= 256 data. A field specifier
 *          with bit 0x8000 has a 4-byte enterprise number; length 65535 is
 *          variable (1 length byte, or 255 and a u16), in v9 templates too
 *          (as nfdump reads them).
 *
 * Quirks seen: softflowd's IPFIX sequence number counts the flow records
 * up to and including the message (RFC 7011: all data records before it);
 * the counting is recognised per stream. softflowd replaying a pcap reports First/Last "before boot"
 * (sysUptime 2001, First 0xFFF38399): times are the uptime difference
 * modulo 2^32 (signed) to the export time, right across uptime wraps too. It does send
 * systemInitTimeMilliseconds (IE 160) in an options record with its IPFIX
 * templates. Seen elsewhere (issue 19): one template for IPv4 and IPv6
 * (both address pairs, one left zero); v9 egress records with OUT_BYTES /
 * OUT_PKTS (23/24) only, and firewalls' biflows with the reply there; a
 * Last after the header's sysUptime; exporters whose clock says 1970 or
 * 1994 while IE 160 holds the right boot time.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/core.h"
#include "read/netflow.h"
#include "read/read.h"

#define DEF_STREAMS 1024
#define DEF_TEMPLATES 256
#define DEF_FIELDS 128
#define DEF_TTL_US (30LL * 60 * 1000000)
#define SEQ_RING 16          /* recent sequence numbers kept to tell duplicates */
#define PEN_REVERSE 29305u   /* RFC 5103 reverse-direction IEs */
#define NTP_UNIX 2208988800LL /* seconds from 1900 to 1970 */
#define VARLEN 0xffffu

struct field {
	uint16_t ie;
	uint16_t len;          /* VARLEN: variable */
	uint32_t pen;          /* enterprise number, 0 for IANA */
};

struct tmpl {
	uint16_t id;
	uint16_t n_fields;
	uint16_t n_scope;      /* options templates: scope fields come first */
	uint8_t options;       /* records describe the exporter, not flows */
	size_t min_len;        /* record length, a variable field counted as 1 */
	int64_t seen_us;       /* last definition or refresh */
	struct field f[];
};

struct stream {
	vg_nf_stats st;
	struct tmpl **t;       /* owned; n_t used, cap_t allocated */
	size_t n_t, cap_t;
	int64_t init_ms;       /* IPFIX systemInitTimeMilliseconds (IE 160) */
	int have_init;
	uint32_t seq_prev;     /* last in-order sequence number, */
	uint32_t seq_prev_n, seq_prev_nf; /* its units, and those without options */
	int seq_known;
	unsigned seq_mode;     /* how the exporter counts (seq_check) */
	uint32_t ring[SEQ_RING];
	unsigned ring_pos;
};

struct vg_nf {
	vg_nf_limits lim;
	struct stream **s;     /* owned, in order of first appearance */
	size_t n_s, cap_s;
	size_t last;           /* the stream of the previous datagram */
	uint64_t dropped;
	uint64_t noflow;       /* data records without addresses, all streams */
	size_t erroff;
	char errmsg[VGI_ERRMSG_LEN];
};

/* One datagram being decoded. */
struct ctx {
	struct vg_nf *d;
	struct stream *s;
	const uint8_t *buf;
	size_t len;
	unsigned version;
	int64_t now_us;
	uint32_t uptime;       /* v9: header sysUptime, ms */
	int64_t export_ms;     /* header export time */
	uint32_t n_data;       /* IPFIX: data records in this message, */
	uint32_t n_opts;       /* options records among them */
	int uncounted;         /* a data set was dropped: its records unknown */
	vg_nf_flow_fn cb;
	void *user;
	int cb_rc;
};

/* What one data record said. */
struct rec {
	vg_flow f;
	int have_s4, have_d4, have_s6, have_d6, have_rev, have_bytes, have_pkts;
	uint32_t s4, d4;                 /* IEs 8 / 12 */
	uint8_t s6[16], d6[16];          /* IEs 27 / 28 */
	unsigned ip_version;             /* IE 60, 0 if absent */
	uint64_t tot_bytes, tot_pkts, rtot_bytes, rtot_pkts;
	int have_rtot;
	uint64_t post_bytes, post_pkts;  /* IEs 23 / 24 */
	int have_post;                   /* bit 1 bytes, bit 2 packets */
	uint16_t dport_raw, icmp_tc;
	int have_icmp_tc, have_icmp_type, have_icmp_code;
	uint8_t icmp_type, icmp_code;
	uint32_t first_up, last_up;      /* IEs 22 / 21: sysUptime ms */
	int have_first_up, have_last_up;
	int64_t start_us, end_us;        /* absolute, from IEs 150-159 */
	int start_rank, end_rank;        /* finer units win */
	int64_t init_ms;
	int have_init;
};

/* How the relative times (IEs 21/22, sysUptime ms) of a record become
 * absolute: the value nearest the reference (rel_us), or, when the
 * exporter's clock is not to be trusted, counted from its boot. */
struct clock {
	int64_t ref_ms;        /* the reference time (export time) ... */
	uint32_t uptime;       /* ... and the exporter's uptime then */
	int64_t boot_ms;       /* from_boot: boot_ms + t */
	int from_boot;
};

/* ------------------------------------------------------------- helpers */

size_t vg_nf_peer_format(const vg_nf_peer *p, char out[64])
{
	char a[46];
	int n;
	vg_addr_format(&p->addr, p->family == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4, a);
	n = snprintf(out, 64, p->family == VG_FAM_IP6 ? "[%s]:%u" : "%s:%u", a, p->port);
	return n < 0 ? 0 : (size_t)n;
}

static const char *vname(unsigned v)
{
	return v == 5 ? "NetFlow v5" : v == 9 ? "NetFlow v9" : v == 10 ? "IPFIX" : "datagram";
}

static int bad(struct ctx *c, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Records a malformed datagram: the message names exporter and offset. */
static int bad(struct ctx *c, size_t off, const char *fmt, ...)
{
	char peer[64], what[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	vg_nf_peer_format(&c->s->st.peer, peer);
	vgi_errf(c->d->errmsg, "%s: %s @0x%zx: %s", peer, vname(c->version), off, what);
	c->d->erroff = off;
	c->s->st.malformed++;
	return VG_ERECORD;
}

/* An unsigned value of any length 1..8 (reduced-size encoding, RFC 7011
 * 6.2); a longer one keeps its last 8 bytes. */
static uint64_t uval(const uint8_t *p, size_t l)
{
	uint64_t v = 0;
	size_t i = l > 8 ? l - 8 : 0;
	for (; i < l; i++)
		v = v << 8 | p[i];
	return v;
}

/* NTP timestamp (seconds since 1900, 2^-32 fraction) -> µs since 1970. */
static int64_t ntp_us(const uint8_t *p)
{
	int64_t s = (int64_t)vgi_be32(p) - NTP_UNIX;
	uint64_t frac = vgi_be32(p + 4);
	return s * 1000000 + (int64_t)((frac * 1000000) >> 32);
}

/* ------------------------------------------------------------- streams */

static void free_tmpls(struct stream *s)
{
	size_t i;
	for (i = 0; i < s->n_t; i++)
		free(s->t[i]);
	free(s->t);
	s->t = NULL;
	s->n_t = s->cap_t = 0;
	s->st.n_templates = 0;
}

int vg_nf_create(struct vg_nf **dec, const vg_nf_limits *lim)
{
	struct vg_nf *d = calloc(1, sizeof *d);
	*dec = d;
	if (!d)
		return VG_ENOMEM;
	if (lim)
		d->lim = *lim;
	if (!d->lim.max_streams)
		d->lim.max_streams = DEF_STREAMS;
	if (!d->lim.max_templates)
		d->lim.max_templates = DEF_TEMPLATES;
	if (!d->lim.max_fields)
		d->lim.max_fields = DEF_FIELDS;
	if (d->lim.max_fields > 65535)
		d->lim.max_fields = 65535;
	if (!d->lim.template_ttl_us)
		d->lim.template_ttl_us = DEF_TTL_US;
	return VG_OK;
}

void vg_nf_free(struct vg_nf *d)
{
	size_t i;
	if (!d)
		return;
	for (i = 0; i < d->n_s; i++) {
		free_tmpls(d->s[i]);
		free(d->s[i]);
	}
	free(d->s);
	free(d);
}

const char *vg_nf_errmsg(const struct vg_nf *d)
{
	return d->errmsg;
}

size_t vg_nf_erroff(const struct vg_nf *d)
{
	return d->erroff;
}

size_t vg_nf_stream_count(const struct vg_nf *d)
{
	return d->n_s;
}

void vg_nf_stream_stats(const struct vg_nf *d, size_t i, vg_nf_stats *st)
{
	if (i < d->n_s)
		*st = d->s[i]->st;
	else
		memset(st, 0, sizeof *st);
}

uint64_t vg_nf_dropped(const struct vg_nf *d)
{
	return d->dropped;
}

uint64_t vgi_nf_noflow(const struct vg_nf *d)
{
	return d->noflow;
}

static int same_stream(const struct stream *s, const vg_nf_peer *p, unsigned version,
		       uint32_t domain)
{
	return s->st.version == version && s->st.domain == domain &&
	       s->st.peer.family == p->family && memcmp(&s->st.peer.addr, &p->addr, 16) == 0;
}

/* The stream of (exporter address, version, domain); made when new. When
 * the table is full, the stream idle the longest is reused if it has been
 * idle past the template lifetime; else NULL. */
static struct stream *get_stream(struct vg_nf *d, const vg_nf_peer *p, unsigned version,
				 uint32_t domain, int64_t now)
{
	struct stream *s;
	size_t i, old = 0;
	if (d->last < d->n_s && same_stream(d->s[d->last], p, version, domain))
		return d->s[d->last];
	for (i = 0; i < d->n_s; i++) {
		if (same_stream(d->s[i], p, version, domain)) {
			d->last = i;
			return d->s[i];
		}
		if (d->s[i]->st.last_us < d->s[old]->st.last_us)
			old = i;
	}
	if (d->n_s >= d->lim.max_streams) {
		if (!d->n_s || now - d->s[old]->st.last_us <= d->lim.template_ttl_us)
			return NULL;
		s = d->s[old];
		free_tmpls(s);
		memset(s, 0, sizeof *s);
		i = old;
	} else {
		if (d->n_s == d->cap_s) {
			size_t cap = d->cap_s ? d->cap_s * 2 : 16;
			struct stream **n = realloc(d->s, cap * sizeof *n);
			if (!n)
				return NULL;
			d->s = n;
			d->cap_s = cap;
		}
		if (!(s = calloc(1, sizeof *s)))
			return NULL;
		i = d->n_s;
		d->s[d->n_s++] = s;
	}
	s->st.peer = *p;
	s->st.version = version;
	s->st.domain = domain;
	s->st.first_us = now;
	d->last = i;
	return s;
}

/*
 * Sequence accounting in the exporter's unit (flows, packets or records):
 * a jump ahead is loss; a number behind is a late datagram (which gives
 * back the loss its gap was counted as) or, if seen just before, a
 * duplicate; a jump ahead beyond window, or back by more than 64 times
 * the datagram's units, is a restart, not loss.
 * IPFIX exporters differ in what they count (RFC 7011: the data records
 * before the message; softflowd: the flow records up to and including it),
 * so with may_vary the counting that fits is learnt per stream: mode bit 1
 * = this message's records included, bit 2 = options records not counted.
 * n is the message's units, n_flows the same without options records.
 */
static uint32_t seq_want(const struct stream *s, unsigned mode, uint32_t n, uint32_t n_flows)
{
	if (mode & 1)
		return s->seq_prev + (mode & 2 ? n_flows : n);
	return s->seq_prev + (mode & 2 ? s->seq_prev_nf : s->seq_prev_n);
}

static void seq_check(struct stream *s, uint32_t seq, uint32_t n, uint32_t n_flows,
		      int64_t window, int may_vary)
{
	unsigned i, m;
	if (s->seq_known) {
		int64_t gap = (int32_t)(seq - seq_want(s, s->seq_mode, n, n_flows));
		for (m = 0; gap != 0 && may_vary && m < 4; m++) {
			if (seq == seq_want(s, m, n, n_flows)) {
				s->seq_mode = m;
				gap = 0;
			}
		}
		if (gap < 0 && gap > -VGI_MAX(64, 64 * (int64_t)n)) {
			for (i = 0; i < SEQ_RING; i++)
				if (s->ring[i] == seq)
					break;
			if (i < SEQ_RING) {
				s->st.duplicates++;
			} else {
				s->st.late++;
				s->st.lost -= VGI_MIN(s->st.lost, (uint64_t)n);
				s->ring[s->ring_pos++ % SEQ_RING] = seq;
			}
			return;
		}
		if (gap > 0 && gap < window)
			s->st.lost += (uint64_t)gap;
		else if (gap != 0)
			s->st.resyncs++;
	}
	s->seq_known = 1;
	s->seq_prev = seq;
	s->seq_prev_n = n;
	s->seq_prev_nf = n_flows;
	s->ring[s->ring_pos++ % SEQ_RING] = seq;
}

/* ------------------------------------------------------------- templates */

static void drop_tmpl(struct stream *s, size_t i)
{
	free(s->t[i]);
	s->t[i] = s->t[--s->n_t];
	s->st.n_templates = s->n_t;
}

static struct tmpl *find_tmpl(struct ctx *c, unsigned id)
{
	struct stream *s = c->s;
	size_t i;
	for (i = 0; i < s->n_t; i++) {
		if (s->t[i]->id != id)
			continue;
		if (c->now_us - s->t[i]->seen_us > c->d->lim.template_ttl_us) {
			drop_tmpl(s, i); /* not refreshed: the exporter may have changed it */
			return NULL;
		}
		return s->t[i];
	}
	return NULL;
}

/* Withdraws template id, or all templates of one kind (IPFIX set id 2 or
 * 3 as the template id, RFC 7011 8.1). */
static void withdraw(struct stream *s, unsigned id)
{
	size_t i = 0;
	while (i < s->n_t) {
		struct tmpl *t = s->t[i];
		if (t->id == id || (id == 2 && !t->options) || (id == 3 && t->options))
			drop_tmpl(s, i);
		else
			i++;
	}
}

/*
 * Reads one template record at p[0..end) with n fields (the first n_scope
 * of them scope fields) and stores it. Returns the bytes it took, or 0
 * after bad().
 */
static size_t read_tmpl(struct ctx *c, const uint8_t *p, const uint8_t *end, size_t hdr,
			unsigned id, size_t n, size_t n_scope, int options)
{
	struct stream *s = c->s;
	const uint8_t *q = p + hdr;
	size_t i, j, min_len = 0, off = (size_t)(p - c->buf);
	struct tmpl *t;
	int ipfix = c->version == 10;

	/* first the length, so that a refused template can be stepped over */
	for (i = 0; i < n; i++) {
		unsigned ie, fl;
		if (end - q < 4)
			return bad(c, off, "template %u: field %zu of %zu runs past the end of "
				   "its set", id, i + 1, n), 0;
		ie = vgi_be16(q);
		fl = vgi_be16(q + 2);
		q += 4;
		if (ipfix && (ie & 0x8000)) {
			if (end - q < 4)
				return bad(c, off, "template %u: the enterprise number of field %zu "
					   "runs past the end of its set", id, i + 1), 0;
			q += 4;
		}
		/* RFC 7011 7; nfdump reads NetFlow v9 templates the same way */
		min_len += fl == VARLEN ? 1 : fl;
	}
	if (id < 256)
		return bad(c, off, "template id %u (data templates are 256 and up)", id), 0;
	if (min_len == 0)
		return bad(c, off, "template %u describes empty records", id), 0;
	s->st.template_recs++;
	if (n > c->d->lim.max_fields) {
		s->st.templates_refused++;
		return (size_t)(q - p);
	}
	for (i = 0; i < s->n_t; i++)
		if (s->t[i]->id == id)
			break;
	if (i == s->n_t) {
		/* a new one: first make room by forgetting expired templates */
		size_t k = 0;
		while (s->n_t >= c->d->lim.max_templates && k < s->n_t) {
			if (c->now_us - s->t[k]->seen_us > c->d->lim.template_ttl_us)
				drop_tmpl(s, k);
			else
				k++;
		}
		if (s->n_t >= c->d->lim.max_templates) {
			s->st.templates_refused++;
			return (size_t)(q - p);
		}
		if (s->n_t == s->cap_t) {
			size_t cap = s->cap_t ? s->cap_t * 2 : 8;
			struct tmpl **nt = realloc(s->t, cap * sizeof *nt);
			if (!nt) {
				s->st.templates_refused++;
				return (size_t)(q - p);
			}
			s->t = nt;
			s->cap_t = cap;
		}
		i = s->n_t;
	}
	if (!(t = malloc(sizeof *t + n * sizeof t->f[0]))) {
		s->st.templates_refused++;
		return (size_t)(q - p);
	}
	t->id = (uint16_t)id;
	t->n_fields = (uint16_t)n;
	t->n_scope = (uint16_t)n_scope;
	t->options = (uint8_t)options;
	t->min_len = min_len;
	t->seen_us = c->now_us;
	for (q = p + hdr, j = 0; j < n; j++) {
		t->f[j].ie = vgi_be16(q);
		t->f[j].len = vgi_be16(q + 2);
		t->f[j].pen = 0;
		q += 4;
		if (ipfix && (t->f[j].ie & 0x8000)) {
			t->f[j].ie &= 0x7fff;
			t->f[j].pen = vgi_be32(q);
			q += 4;
		}
	}
	if (i < s->n_t)
		free(s->t[i]); /* a refresh or a redefinition */
	else
		s->n_t++;
	s->t[i] = t;
	s->st.n_templates = s->n_t;
	return (size_t)(q - p);
}

/* A template set: v9 flowset 0 or IPFIX set 2. */
static int template_set(struct ctx *c, const uint8_t *p, const uint8_t *end)
{
	while (end - p >= 4) {
		unsigned id = vgi_be16(p), n = vgi_be16(p + 2);
		size_t used;
		if (id == 0 && n == 0)
			break; /* padding */
		if (n == 0 && c->version == 10) {
			withdraw(c->s, id);
			p += 4;
			continue;
		}
		if (!(used = read_tmpl(c, p, end, 4, id, n, 0, 0)))
			return VG_ERECORD;
		p += used;
	}
	return VG_OK;
}

/* An options template set: v9 flowset 1 (scope and option lengths in
 * bytes) or IPFIX set 3 (field count, scope field count). */
static int options_set(struct ctx *c, const uint8_t *p, const uint8_t *end)
{
	while (end - p >= 6) {
		unsigned id = vgi_be16(p), a = vgi_be16(p + 2), b = vgi_be16(p + 4);
		size_t used, n, n_scope, off = (size_t)(p - c->buf);
		if (id == 0 && a == 0)
			break; /* padding */
		if (c->version == 9) {
			if (a % 4 || b % 4)
				return bad(c, off + 2, "options template %u: scope length %u and "
					   "option length %u are not multiples of 4", id, a, b);
			n_scope = a / 4;
			n = n_scope + b / 4;
		} else {
			if (a == 0) {
				withdraw(c->s, id);
				p += 4;
				continue;
			}
			if (b == 0 || b > a)
				return bad(c, off + 4, "options template %u: %u scope fields of %u "
					   "(at least 1, at most all)", id, b, a);
			n = a;
			n_scope = b;
		}
		if (!(used = read_tmpl(c, p, end, 6, id, n, n_scope, 1)))
			return VG_ERECORD;
		p += used;
	}
	return VG_OK;
}

/* ------------------------------------------------------------- data */

static void set_time(int64_t *dst, int *rank, int64_t us, int r)
{
	if (r > *rank) {
		*dst = us;
		*rank = r;
	}
}

/* One field of a data record into r. */
static void take(struct rec *r, const struct field *fd, const uint8_t *v, size_t l,
		 int scope, int64_t export_ms)
{
	vg_flow *f = &r->f;
	uint64_t x = uval(v, l);
	if (scope)
		return; /* v9 scope types are a number space of their own */
	if (fd->pen == PEN_REVERSE) {
		switch (fd->ie) {
		case 1: f->dbytes = x; r->have_rev = 1; break;
		case 2: f->dpkts = x; r->have_rev = 1; break;
		case 85: r->rtot_bytes = x; r->have_rtot |= 1; break;
		case 86: r->rtot_pkts = x; r->have_rtot |= 2; break;
		case 6: f->dflags = (uint8_t)x; break;
		default: break;
		}
		return;
	}
	if (fd->pen)
		return; /* other enterprises' IEs */
	switch (fd->ie) {
	case 1: f->sbytes = x; r->have_bytes = 1; break;
	case 2: f->spkts = x; r->have_pkts = 1; break;
	case 85: r->tot_bytes = x; break;
	case 86: r->tot_pkts = x; break;
	case 23: r->post_bytes = x; r->have_post |= 1; break;
	case 24: r->post_pkts = x; r->have_post |= 2; break;
	case 4: f->proto = (uint8_t)x; break;
	case 6: f->sflags = (uint8_t)x; break;
	case 7: f->sport = (uint16_t)x; break;
	case 11: r->dport_raw = (uint16_t)x; break;
	case 60: r->ip_version = (unsigned)x; break;
	/* the addresses are kept apart by family: a template may have both
	 * (one template for IPv4 and IPv6 traffic), emit() picks one */
	case 8:
		if (l == 4) {
			r->s4 = vgi_be32(v);
			r->have_s4 = 1;
		}
		break;
	case 12:
		if (l == 4) {
			r->d4 = vgi_be32(v);
			r->have_d4 = 1;
		}
		break;
	case 27:
		if (l == 16) {
			memcpy(r->s6, v, 16);
			r->have_s6 = 1;
		}
		break;
	case 28:
		if (l == 16) {
			memcpy(r->d6, v, 16);
			r->have_d6 = 1;
		}
		break;
	case 32: case 139: r->icmp_tc = (uint16_t)x; r->have_icmp_tc = 1; break;
	case 176: case 178: r->icmp_type = (uint8_t)x; r->have_icmp_type = 1; break;
	case 177: case 179: r->icmp_code = (uint8_t)x; r->have_icmp_code = 1; break;
	case 21: r->last_up = (uint32_t)x; r->have_last_up = 1; break;
	case 22: r->first_up = (uint32_t)x; r->have_first_up = 1; break;
	case 150: set_time(&r->start_us, &r->start_rank, (int64_t)x * 1000000, 1); break;
	case 151: set_time(&r->end_us, &r->end_rank, (int64_t)x * 1000000, 1); break;
	case 152: set_time(&r->start_us, &r->start_rank, (int64_t)x * 1000, 2); break;
	case 153: set_time(&r->end_us, &r->end_rank, (int64_t)x * 1000, 2); break;
	case 154: case 156:
		if (l == 8)
			set_time(&r->start_us, &r->start_rank, ntp_us(v), 3);
		break;
	case 155: case 157:
		if (l == 8)
			set_time(&r->end_us, &r->end_rank, ntp_us(v), 3);
		break;
	case 158: /* flowStartDeltaMicroseconds: before the export time */
		set_time(&r->start_us, &r->start_rank, export_ms * 1000 - (int64_t)(x & 0xffffffffu), 1);
		break;
	case 159:
		set_time(&r->end_us, &r->end_rank, export_ms * 1000 - (int64_t)(x & 0xffffffffu), 1);
		break;
	case 160: r->init_ms = (int64_t)x; r->have_init = 1; break;
	case 231: f->sbytes = x; r->have_bytes = 1; break;       /* initiatorOctets */
	case 232: f->dbytes = x; r->have_rev = 1; break;         /* responderOctets */
	case 298: f->spkts = x; r->have_pkts = 1; break;         /* initiatorPackets */
	case 299: f->dpkts = x; r->have_rev = 1; break;          /* responderPackets */
	default: break;
	}
}

/* Walks one record of t at *pp (< end) into r; 0, or -1 if it runs past
 * end. Times are not finished here. */
static int walk(const struct tmpl *t, const uint8_t **pp, const uint8_t *end, struct rec *r,
		int64_t export_ms)
{
	const uint8_t *p = *pp;
	size_t i;
	memset(r, 0, sizeof *r);
	for (i = 0; i < t->n_fields; i++) {
		size_t l = t->f[i].len;
		if (l == VARLEN) {
			if (end - p < 1)
				return -1;
			l = *p++;
			if (l == 255) {
				if (end - p < 2)
					return -1;
				l = vgi_be16(p);
				p += 2;
			}
		}
		if ((size_t)(end - p) < l)
			return -1;
		take(r, &t->f[i], p, l, i < t->n_scope, export_ms);
		p += l;
	}
	*pp = p;
	return 0;
}

/*
 * A relative time t (sysUptime ms) -> µs since 1970: the signed 32-bit
 * difference of uptimes before (or after) the reference time, i.e. the
 * value of t modulo 2^32 nearest the reference, within 2^31 ms (24.8
 * days) either way. So uptime wraps and "before boot" values (softflowd
 * replaying a pcap) come out right, and so does a flow stamped a little
 * after the export time (its Last read after the header's sysUptime),
 * which the unsigned difference put 49.7 days back.
 */
static int64_t rel_us(const struct clock *k, uint32_t t)
{
	if (k->from_boot)
		return (k->boot_ms + (int64_t)t) * 1000;
	return (k->ref_ms - (int64_t)(int32_t)(k->uptime - t)) * 1000;
}

/*
 * The clock of a record's IEs 21/22. v5 and v9: the header's sysUptime at
 * its export time. IPFIX: counted from systemInitTimeMilliseconds (160),
 * brought near the end of the export second (an uptime past 2^32 ms
 * wraps). When 160 is known and the header's export time comes before it
 * (an exporter cannot export before it booted: its clock is not set, or
 * wrong), 160 is trusted over the header: IPFIX times are 160 + t, v9's
 * reference is 160 + sysUptime. est_uptime: IPFIX without 160, the
 * latest flow end of the set taken as the export time (data_set).
 */
static void record_clock(const struct ctx *c, int est, uint32_t est_uptime, struct clock *k)
{
	const struct stream *s = c->s;
	int64_t end_ms = c->export_ms + 999; /* the header has whole seconds */
	memset(k, 0, sizeof *k);
	k->ref_ms = c->export_ms;
	k->uptime = c->uptime;
	if (c->version == 10) {
		if (s->have_init && end_ms >= s->init_ms) {
			k->ref_ms = end_ms;
			k->uptime = (uint32_t)(end_ms - s->init_ms);
		} else if (s->have_init) {
			k->from_boot = 1;
			k->boot_ms = s->init_ms;
		} else {
			k->uptime = est ? est_uptime : 0;
		}
	} else if (c->version == 9 && s->have_init && end_ms < s->init_ms) {
		k->ref_ms = s->init_ms + (int64_t)c->uptime;
	}
}

static int zero16(const uint8_t *a)
{
	static const uint8_t z[16];
	return memcmp(a, z, 16) == 0;
}

/* Sets the flow's family and addresses: 0, or -1 if the record has none.
 * A template with both IPv4 and IPv6 fields fills one pair and leaves the
 * other zero: ipVersion (60) says which, else the pair that is not zero
 * (IPv4 when both or neither are). */
static int addresses(struct rec *r)
{
	vg_flow *f = &r->f;
	int v4 = r->have_s4 && r->have_d4, v6 = r->have_s6 && r->have_d6;
	if (v4 && v6) {
		if (r->ip_version == 4 || r->ip_version == 6)
			v4 = r->ip_version == 4;
		else
			v4 = r->s4 || r->d4 || (zero16(r->s6) && zero16(r->d6));
		v6 = !v4;
	}
	if (v4) {
		f->family = VG_FAM_IP4;
		vg_addr_from_ip4(&f->saddr, r->s4);
		vg_addr_from_ip4(&f->daddr, r->d4);
		return 0;
	}
	if (v6) {
		f->family = VG_FAM_IP6;
		memcpy(f->saddr.a, r->s6, 16);
		memcpy(f->daddr.a, r->d6, 16);
		return 0;
	}
	return -1;
}

/* Finishes a record into a flow, as fmt_nfdump.c makes an nfdump record
 * one, and hands it out. k: the clock of IEs 21/22. */
static int emit(struct ctx *c, struct rec *r, const struct clock *k)
{
	vg_flow *f = &r->f;
	uint16_t raw = r->dport_raw;
	int own_counts;

	if (addresses(r)) {
		/* not a flow (an aggregation template: ports and counters):
		 * counted, as vigil's nfdump reader skips such a record */
		c->s->st.noflow_recs++;
		c->d->noflow++;
		return 0;
	}
	f->kind = VG_REC_FLOW;
	f->n_records = 1;
	/* IEs 23/24 (v9 OUT_BYTES / OUT_PKTS, IPFIX postOctet/PacketDeltaCount):
	 * in a record without IEs 1/2 (an egress-only record) they are the
	 * flow's counts; next to IEs 1/2, in NetFlow v9 they are the other
	 * direction (as nfdump takes them: the session counters of firewalls
	 * and Meraki biflows), in IPFIX the same packets after a middlebox */
	own_counts = !r->have_bytes && !r->have_pkts;
	if (!r->have_bytes)
		f->sbytes = own_counts && (r->have_post & 1) ? r->post_bytes : r->tot_bytes;
	if (!r->have_pkts)
		f->spkts = own_counts && (r->have_post & 2) ? r->post_pkts : r->tot_pkts;
	if (r->have_rtot && !r->have_rev) {
		f->dbytes = r->rtot_bytes;
		f->dpkts = r->rtot_pkts;
	} else if (!own_counts && r->have_post && !r->have_rev && c->version == 9) {
		f->dbytes = r->post_bytes;
		f->dpkts = r->post_pkts;
	}
	/* a biflow template whose reverse side saw nothing (softflowd -b
	 * sends zeros) is a one-way flow: the other side may come as its own
	 * record, as fmt_csv.c decides for nfdump's CSV */
	r->have_rev = f->dpkts || f->dbytes;
	if (r->start_rank)
		f->stime_us = r->start_us;
	else if (r->have_first_up)
		f->stime_us = rel_us(k, r->first_up);
	if (r->end_rank)
		f->ltime_us = r->end_us;
	else if (r->have_last_up)
		f->ltime_us = rel_us(k, r->last_up);
	/* both relative: the start counts back from the end, so that the
	 * duration is right even when the two straddle the 2^32 ms window
	 * of the export time (exports of data older than 49.7 days); a Last
	 * before First is taken as a zero duration */
	if (!r->start_rank && !r->end_rank && r->have_first_up && r->have_last_up) {
		int32_t dur = (int32_t)(r->last_up - r->first_up);
		f->stime_us = f->ltime_us - (int64_t)(dur > 0 ? dur : 0) * 1000;
	}
	if (!r->start_rank && !r->have_first_up)
		f->stime_us = r->end_rank || r->have_last_up ? f->ltime_us : c->export_ms * 1000;
	if (!r->end_rank && !r->have_last_up)
		f->ltime_us = f->stime_us;
	if (f->ltime_us < f->stime_us)
		f->ltime_us = f->stime_us;

	if (!r->have_rev)
		f->rflags |= VG_RF_ONEWAY;
	if (f->proto == 1 || f->proto == 58) {
		/* type << 8 | code, from the ICMP IEs or else the destination
		 * port (v5, and exporters that put it there) */
		if (r->have_icmp_tc)
			raw = r->icmp_tc;
		else if (r->have_icmp_type || r->have_icmp_code)
			raw = (uint16_t)(r->icmp_type << 8 | r->icmp_code);
		f->sport = (uint16_t)(raw >> 8);
		f->dport = (uint16_t)(raw & 0xff);
	} else {
		f->dport = raw;
	}
	vgi_oneway_tcp_status(f);
	if (f->proto == 6 && r->have_rev) {
		/* a biflow: what the answering side sent */
		if ((f->dflags & VG_TH_SYN) && (f->dflags & VG_TH_ACK))
			f->tcp_status |= VG_TCP_SAW_SYNACK;
		if (f->dflags & VG_TH_RST)
			f->tcp_status |= VG_TCP_DST_RESET;
	}
	vg_flow_derive_state(f);
	c->s->st.flows++;
	return c->cb ? c->cb(c->user, f) : 0;
}

/* A data set for template id at p[0..end). */
static int data_set(struct ctx *c, unsigned id, const uint8_t *p, const uint8_t *end)
{
	struct tmpl *t = find_tmpl(c, id);
	struct stream *s = c->s;
	const uint8_t *q;
	struct rec r;
	struct clock k;
	uint32_t uptime = 0;
	int est = 0;

	if (!t) {
		s->st.unknown_sets++;
		c->uncounted = 1;
		return VG_OK;
	}
	if (c->version == 10 && !t->options) {
		/* IEs 21/22 in IPFIX count from systemInitTimeMilliseconds (160),
		 * of an options record or of the flow record itself */
		size_t i;
		int rel = 0, own_init = 0;
		for (i = 0; i < t->n_fields; i++) {
			if (!t->f[i].pen && (t->f[i].ie == 21 || t->f[i].ie == 22))
				rel = 1;
			if (!t->f[i].pen && t->f[i].ie == 160)
				own_init = 1;
		}
		if (rel && !s->have_init && !own_init) {
			/* no 160 yet: the latest flow end of the set is taken as
			 * the export time (flows end before they are exported) */
			uint32_t max_up = 0;
			int any = 0;
			for (q = p; (size_t)(end - q) >= t->min_len;) {
				if (walk(t, &q, end, &r, c->export_ms))
					break;
				if (r.have_last_up || r.have_first_up) {
					uint32_t v = r.have_last_up ? r.last_up : r.first_up;
					if (!any || (int32_t)(v - max_up) > 0)
						max_up = v;
					any = 1;
				}
			}
			uptime = max_up;
			est = any;
		}
	}
	if (est)
		s->st.est_times++;
	for (q = p; (size_t)(end - q) >= t->min_len;) {
		size_t off = (size_t)(q - c->buf);
		int rc;
		if (walk(t, &q, end, &r, c->export_ms))
			return bad(c, off, "a data record of template %u runs past the end of its "
				   "set", id);
		c->n_data++;
		if (r.have_init) {
			s->init_ms = r.init_ms;
			s->have_init = 1;
		}
		if (t->options) {
			c->n_opts++;
			s->st.options_recs++;
			continue;
		}
		record_clock(c, est, uptime, &k);
		if ((rc = emit(c, &r, &k)) != 0) {
			c->cb_rc = rc;
			return rc;
		}
	}
	return VG_OK;
}

/* The sets of a v9 or IPFIX message at buf[off..end). */
static int sets(struct ctx *c, size_t off, size_t end)
{
	const char *unit = c->version == 9 ? "flowset" : "set";
	while (end - off >= 4) {
		unsigned id = vgi_be16(c->buf + off), len = vgi_be16(c->buf + off + 2);
		const uint8_t *p = c->buf + off + 4, *e = c->buf + off + len;
		int rc = VG_OK;
		if (len < 4)
			return bad(c, off + 2, "%s length %u is less than its 4-byte header", unit, len);
		if (len > end - off)
			return bad(c, off + 2, "%s length %u runs past the end (%zu bytes left)", unit,
				   len, end - off);
		if (id >= 256)
			rc = data_set(c, id, p, e);
		else if (c->version == 9 && id == 0)
			rc = template_set(c, p, e);
		else if (c->version == 9 && id == 1)
			rc = options_set(c, p, e);
		else if (c->version == 10 && id == 2)
			rc = template_set(c, p, e);
		else if (c->version == 10 && id == 3)
			rc = options_set(c, p, e);
		else if (c->version == 10 && id < 2)
			return bad(c, off, "set id %u (NetFlow v9's) in an IPFIX message", id);
		/* else reserved ids: skipped */
		if (rc)
			return rc;
		off += len;
	}
	return VG_OK;
}

/* ------------------------------------------------------------- versions */

static int v5(struct ctx *c)
{
	const uint8_t *b = c->buf;
	unsigned n = vgi_be16(b + 2), i;
	uint32_t uptime = vgi_be32(b + 4);
	int64_t export_ms = (int64_t)vgi_be32(b + 8) * 1000 + vgi_be32(b + 12) / 1000000;
	struct clock k;

	if (n == 0 || n > 30)
		return bad(c, 2, "record count %u (v5 has 1 to 30)", n);
	if (c->len < 24 + (size_t)n * 48)
		return bad(c, c->len, "%u records need %u bytes, the datagram has %zu", n,
			   24 + n * 48, c->len);
	c->export_ms = export_ms;
	c->uptime = uptime;
	record_clock(c, 0, 0, &k);
	for (i = 0; i < n; i++) {
		const uint8_t *p = b + 24 + (size_t)i * 48;
		struct rec r;
		int rc;
		memset(&r, 0, sizeof r);
		r.s4 = vgi_be32(p);
		r.d4 = vgi_be32(p + 4);
		r.have_s4 = r.have_d4 = r.have_bytes = r.have_pkts = 1;
		r.f.spkts = vgi_be32(p + 16);
		r.f.sbytes = vgi_be32(p + 20);
		r.first_up = vgi_be32(p + 24);
		r.last_up = vgi_be32(p + 28);
		r.have_first_up = r.have_last_up = 1;
		r.f.sport = vgi_be16(p + 32);
		r.dport_raw = vgi_be16(p + 34);
		r.f.sflags = p[37];
		r.f.proto = p[38];
		if ((rc = emit(c, &r, &k)) != 0)
			return rc;
	}
	seq_check(c->s, vgi_be32(b + 16), n, n, 1 << 22, 0);
	return VG_OK;
}

static int v9(struct ctx *c)
{
	int rc;
	c->uptime = vgi_be32(c->buf + 4);
	c->export_ms = (int64_t)vgi_be32(c->buf + 8) * 1000;
	if ((rc = sets(c, 20, c->len)) != VG_OK)
		return rc;
	seq_check(c->s, vgi_be32(c->buf + 12), 1, 1, 1 << 16, 0);
	return VG_OK;
}

static int ipfix(struct ctx *c)
{
	unsigned mlen = vgi_be16(c->buf + 2);
	int rc;
	if (mlen < 16)
		return bad(c, 2, "message length %u is less than the 16-byte header", mlen);
	if (mlen > c->len)
		return bad(c, 2, "message length %u, but the datagram has %zu bytes", mlen, c->len);
	c->export_ms = (int64_t)vgi_be32(c->buf + 4) * 1000;
	if ((rc = sets(c, 16, mlen)) != VG_OK)
		return rc;
	if (c->uncounted)
		c->s->seq_known = 0; /* records we could not count: start again */
	else
		seq_check(c->s, vgi_be32(c->buf + 8), c->n_data, c->n_data - c->n_opts, 1 << 22, 1);
	return VG_OK;
}

int vg_nf_feed(struct vg_nf *d, const vg_nf_peer *exporter, const uint8_t *buf,
		size_t len, int64_t now_us, vg_nf_flow_fn cb, void *user)
{
	struct ctx c;
	unsigned version = len >= 2 ? vgi_be16(buf) : 0;
	uint32_t domain = 0;
	size_t hdr = version == 5 ? 24 : version == 9 ? 20 : version == 10 ? 16 : 0;
	int rc;

	memset(&c, 0, sizeof c);
	d->errmsg[0] = '\0';
	d->erroff = 0;
	if (!hdr)
		version = 0;
	else if (len >= hdr)
		domain = version == 5 ? (uint32_t)buf[20] << 8 | buf[21]
				      : vgi_be32(buf + (version == 9 ? 16 : 12));
	c.d = d;
	c.buf = buf;
	c.len = len;
	c.version = version;
	c.now_us = now_us;
	c.cb = cb;
	c.user = user;
	if (!(c.s = get_stream(d, exporter, version, domain, now_us))) {
		char peer[64];
		vg_nf_peer_format(exporter, peer);
		vgi_errf(d->errmsg, "%s: %s dropped: %zu exporters are tracked already", peer,
			 vname(version), d->lim.max_streams);
		d->dropped++;
		return VG_ELIMIT;
	}
	c.s->st.peer.port = exporter->port;
	c.s->st.packets++;
	c.s->st.last_us = now_us;
	if (!hdr && len < 2)
		return bad(&c, 0, "%zu bytes, too short for a version number", len);
	if (!hdr)
		return bad(&c, 0, "version %u is not NetFlow v5, v9 or IPFIX (10)",
			   (unsigned)vgi_be16(buf));
	if (len < hdr)
		return bad(&c, len, "the datagram ends inside the %zu-byte header (%zu bytes)",
			   hdr, len);
	rc = version == 5 ? v5(&c) : version == 9 ? v9(&c) : ipfix(&c);
	return rc;
}
