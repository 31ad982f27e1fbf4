/*
 * scans.c - port scans as events. Connections (merged flows) come in input
 * order; for every outside source that reaches monitored addresses we keep
 * an episode (it ends after scan-gap seconds of quiet) with:
 *   - Threshold Random Walk (Jung, Paxson, Berger, Balakrishnan, "Fast
 *     portscan detection using sequential hypothesis testing", 2004):
 *     theta0 = 0.8, theta1 = 0.2, alpha = beta = 0.01; every first contact of
 *     a host in the episode moves the log-likelihood ratio by +1.386
 *     (failure) or -1.386 (success); >= ln(99) = 4.595 is a scanner, <=
 *     -4.595 benign. The ratio persists across episodes (slow scans).
 *   - window thresholds over the last scan-window seconds: vertical (ports
 *     on one host >= scan-vertical), horizontal (hosts on one port >=
 *     scan-horizontal; ICMP echo counts as one "port"), block (both).
 * A connection is held until its episode is decided - a detector fires,
 * or the episode ends - then handed on with its event id (0: not part of a
 * scan); every connection of a scan episode belongs to its event. A source
 * that keeps going without a decision has at most PENDING_MAX connections
 * held; beyond that they are handed on as no-scan. Memory: only sources with an open
 * episode are followed, at most scan-sources of them (the least recently
 * active is closed early and counted); the ratios live in a capped map.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/buf.h"
#include "core/worker.h"
#include "analyze/analyze.h"

#define RING 256            /* distinct (host, port) pairs kept for the window */
#define PENDING_MAX 20000   /* connections held for one undecided episode */
#define INLINE 4
#define SLOW_MAX 4096       /* failed (host, port) pairs followed per episode */
#define CRING 32            /* recent probes of undecided sources per host or port */
#define CRING_MAX 16384     /* hosts and ports followed for campaigns */
#define PCAMP_MAX 64        /* candidate campaigns at once */
#define PCAMP_MEMBERS 256   /* members of one campaign */

extern const char vgi_data_known_scanners[];

/* A set of 64-bit values: a few inline, then a hashed set. */
struct vset {
	uint64_t inl[INLINE];
	uint32_t n_inl;
	vgi_u64map *big;
};

struct recent {
	int64_t t;
	uint32_t host; /* hash of the destination address */
	uint32_t pp;   /* proto << 16 | port */
};

/* Failed probes of an episode, for the slow detector: host << 32 | pp. */
struct slow {
	uint64_t *pair;
	uint32_t n, cap;
};

/* Recent probes of undecided sources at one host (value: pp) or one port
 * (value: host), for campaigns. */
struct cprobe {
	int64_t t;
	vg_addr addr;
	uint32_t val;
};

struct cring {
	uint64_t key;             /* 1 << 40 | host, or 2 << 40 | pp */
	uint32_t n, next;         /* held, where the next goes */
	uint32_t pending;         /* a candidate campaign here (struct pcamp) */
	int64_t overlap_until;    /* two sources probed one value in the window */
	struct cprobe p[CRING];
};

/* A candidate campaign: decided a window after it formed. */
struct pcamp {
	uint64_t key;             /* its cring */
	int64_t start, deadline;
	uint32_t threshold, bit;
	uint32_t n;
	int64_t first_lo, first_hi; /* the earliest and latest start of a member */
	vg_addr addr[PCAMP_MEMBERS];
};

struct src {
	vg_addr addr;
	uint8_t family;
	uint8_t protos, detectors;
	uint8_t tcp_probes;       /* VG_PROBE_* of the failed TCP probes */
	uint32_t n_reset, n_silent;
	uint32_t prev, next;      /* activity list, least recent first */
	uint32_t event_id;        /* != 0 once the episode is a scan */
	uint32_t campaign;        /* != 0: a member of that campaign */
	uint32_t seen;            /* hosts TRW counted in earlier episodes (filter) */
	uint32_t seen_now;        /* ... and in this one, added to the map at its end */
	int64_t probe1_t;         /* campaigns: the first probe, until a second (0: none;
				   * INT64_MIN: passed on) */
	uint32_t probe1_host, probe1_pp;
	int64_t first_us, last_us;
	uint64_t flows, answered, unanswered;
	struct vset hosts, ports;
	struct recent *ring;
	uint32_t ring_n;
	struct slow slow;
	vg_flow *pending;
	size_t n_pending, cap_pending;
	int flushed;              /* pending was handed on as no-scan */
};

struct known {
	vg_addr net;
	unsigned bits;
	char *name;
};

struct vg_scans {
	const vg_site *site;
	int emit_portscan;         /* vgi_scans_emit_portscan */
	struct vgi_flowq *worker; /* vg_scans_set_async */
	int worker_failed;
	vg_scan_flow_fn on_flow;
	vg_scan_event_fn on_event;
	void *user;
	uint64_t seed;

	struct src *src;          /* src[i + 1] is the source of tab's index i */
	size_t cap_src;
	vgi_addrtab tab;          /* open sources; an index is reused once closed */
	uint32_t head, tail;

	vgi_u64map trw;           /* addr hash -> ratio, fixed point */
	vgi_u64map trw_hosts;     /* addr hash -> the hosts TRW counted (a filter) */
	vgi_u64map live;          /* (host, proto, port) and (host) seen answering */

	struct known *known;
	size_t n_known, cap_known;

	vgi_u64map cmap;          /* cring key -> index + 1 */
	struct cring *crings;
	size_t n_crings;
	struct pcamp pcamps[PCAMP_MAX];
	size_t n_pcamps;
	int64_t swept_us;         /* the last cring_compact */
	uint32_t next_campaign;

	int64_t watermark, gap_us, window_us;
	unsigned vertical, horizontal;
	uint32_t next_id;
	vg_scans_stats st;
	int failed;               /* a callback returned nonzero */
};

#define TRW_STEP 1.3862943611198906  /* ln(0.8 / 0.2) */
#define TRW_UPPER 4.5951198501345898 /* ln(0.99 / 0.01) */
#define TRW_SCALE 1000.0
#define TRW_BIAS 1000000000u

static uint64_t addr_hash(const vg_scans *sc, const vg_addr *a)
{
	uint64_t x, y;
	memcpy(&x, a->a, 8);
	memcpy(&y, a->a + 8, 8);
	return vgi_mix64(vgi_mix64(x ^ sc->seed) ^ y) | 1; /* never 0 */
}

/* ------------------------------------------------------------ small sets */

static int vset_add(struct vset *s, uint64_t v)
{
	uint32_t i;
	if (s->big)
		return vgi_u64map_add(s->big, v, 1) == 1;
	for (i = 0; i < s->n_inl; i++)
		if (s->inl[i] == v)
			return 0;
	if (s->n_inl < INLINE) {
		s->inl[s->n_inl++] = v;
		return 1;
	}
	if (!(s->big = malloc(sizeof *s->big)) || vgi_u64set_init(s->big, 1u << 24)) {
		free(s->big);
		s->big = NULL;
		return 0;
	}
	for (i = 0; i < s->n_inl; i++)
		vgi_u64map_add(s->big, s->inl[i], 1);
	return vgi_u64map_add(s->big, v, 1) == 1;
}

static size_t vset_size(const struct vset *s)
{
	return s->big ? s->big->n : s->n_inl;
}

static void vset_free(struct vset *s)
{
	if (s->big) {
		vgi_u64map_free(s->big);
		free(s->big);
	}
	memset(s, 0, sizeof *s);
}

/* ------------------------------------------------------------ known list */

static int add_known(vg_scans *sc, const char *text, const char *name_for_errors,
		     char *err, size_t errlen)
{
	const char *p = text;
	unsigned lineno = 0;
	while (*p) {
		const char *e = strchr(p, '\n'), *tab, *tab2;
		size_t len = e ? (size_t)(e - p) : strlen(p);
		lineno++;
		if (len && p[0] != '#') {
			char cidr[80], name[128];
			size_t cl, nl;
			vg_addr a;
			int fam;
			unsigned bits = 0;
			const char *slash;
			tab = memchr(p, '\t', len);
			if (!tab || (cl = (size_t)(tab - p)) >= sizeof cidr)
				goto bad;
			tab2 = memchr(tab + 1, '\t', len - cl - 1);
			nl = tab2 ? (size_t)(tab2 - tab - 1) : len - cl - 1;
			if (nl == 0 || nl >= sizeof name)
				goto bad;
			memcpy(cidr, p, cl);
			cidr[cl] = '\0';
			memcpy(name, tab + 1, nl);
			name[nl] = '\0';
			slash = strchr(cidr, '/');
			fam = vg_addr_parse(&a, cidr, slash ? (size_t)(slash - cidr) : cl);
			if (!fam)
				goto bad;
			bits = fam == 4 ? 32 : 128;
			if (slash) {
				char *end;
				unsigned long b = strtoul(slash + 1, &end, 10);
				if (*end || b > bits)
					goto bad;
				bits = (unsigned)b;
			}
			if (fam == 4)
				bits += 96;
			/* anonymised flows: the networks' pseudonyms */
			if (sc->site && sc->site->anon)
				vgi_anon_prefix(sc->site->anon, &a, &bits);
			if (sc->n_known == sc->cap_known) {
				size_t cap = sc->cap_known ? sc->cap_known * 2 : 16;
				struct known *nk = realloc(sc->known, cap * sizeof *nk);
				if (!nk)
					goto oom;
				sc->known = nk;
				sc->cap_known = cap;
			}
			sc->known[sc->n_known].net = a;
			sc->known[sc->n_known].bits = bits;
			if (!(sc->known[sc->n_known].name = strdup(name)))
				goto oom;
			sc->n_known++;
		}
		p += len + (e ? 1 : 0);
		continue;
bad:
		snprintf(err, errlen, "%s:%u: expected CIDR<TAB>NAME<TAB>SOURCE", name_for_errors,
			 lineno);
		return VG_EINVAL;
	}
	return VG_OK;
oom:
	snprintf(err, errlen, "out of memory");
	return VG_ENOMEM;
}

static const char *known_name(const vg_scans *sc, const vg_addr *a)
{
	size_t i;
	for (i = 0; i < sc->n_known; i++) {
		const struct known *k = &sc->known[i];
		unsigned full = k->bits / 8, rest = k->bits % 8;
		if (memcmp(k->net.a, a->a, full) != 0)
			continue;
		if (rest && ((a->a[full] ^ k->net.a[full]) & (uint8_t)(0xff00u >> rest)))
			continue;
		return k->name;
	}
	return NULL;
}

/* Parses a known-scanners text on its own (for tests and fuzzing). */
int vgi_known_check(const char *text, size_t len, char *err, size_t errlen)
{
	vg_scans sc;
	char *copy = malloc(len + 1);
	size_t i;
	int rc;
	if (!copy)
		return VG_ENOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';
	memset(&sc, 0, sizeof sc);
	rc = (strlen(copy) != len) ? VG_EINVAL : add_known(&sc, copy, "known", err, errlen);
	if (rc == VG_EINVAL && strlen(copy) != len)
		snprintf(err, errlen, "known: a NUL byte in the file");
	for (i = 0; i < sc.n_known; i++) {
		vg_addr a = sc.known[i].net;
		/* every network contains its own address: VG_EFORMAT here is a
		 * fault of ours, which the fuzz target reports */
		if (!known_name(&sc, &a) && rc == VG_OK) {
			snprintf(err, errlen, "known: entry %zu: its network does not contain itself",
				 i + 1);
			rc = VG_EFORMAT;
		}
		free(sc.known[i].name);
	}
	free(sc.known);
	free(copy);
	return rc;
}

/* ------------------------------------------------------------ setup */

int vg_scans_create(vg_scans **scp, const vg_site *site, vg_scan_flow_fn on_flow,
		    vg_scan_event_fn on_event, void *user, char *err, size_t errlen)
{
	vg_scans *sc = calloc(1, sizeof *sc);
	int rc;
	*scp = sc;
	if (!sc || !on_flow) {
		snprintf(err, errlen, sc ? "no flow callback" : "out of memory");
		return sc ? VG_EINVAL : VG_ENOMEM;
	}
	sc->site = site;
	sc->on_flow = on_flow;
	sc->on_event = on_event;
	sc->user = user;
	sc->seed = vgi_random_seed();
	sc->gap_us = (int64_t)(site->scan_gap_s * 1e6);
	sc->window_us = (int64_t)(site->scan_window_s * 1e6);
	sc->vertical = site->scan_vertical;
	sc->horizontal = vgi_site_horizontal(site);
	sc->watermark = INT64_MIN;
	sc->st.max_sources = site->scan_sources;
	if (vgi_addrtab_init(&sc->tab, SIZE_MAX) ||
	    vgi_u64map_init(&sc->trw, (size_t)site->scan_sources * 4) ||
	    vgi_u64map_init(&sc->trw_hosts, (size_t)site->scan_sources * 4) ||
	    vgi_u64set_init(&sc->live, 1u << 24) || vgi_u64map_init(&sc->cmap, CRING_MAX)) {
		snprintf(err, errlen, "out of memory");
		return VG_ENOMEM;
	}
	if ((rc = add_known(sc, vgi_data_known_scanners, "data/known-scanners.tsv", err,
			    errlen)) != VG_OK)
		return rc;
	if (site->known_file) {
		FILE *fp = fopen(site->known_file, "r");
		char *text;
		long n;
		if (!fp) {
			snprintf(err, errlen, "%s: cannot open: %s", site->known_file,
				 strerror(errno));
			return VG_EIO;
		}
		fseek(fp, 0, SEEK_END);
		n = ftell(fp);
		fseek(fp, 0, SEEK_SET);
		if (n < 0 || n > (16 << 20) || !(text = malloc((size_t)n + 1)) ||
		    fread(text, 1, (size_t)n, fp) != (size_t)n) {
			fclose(fp);
			snprintf(err, errlen, "%s: cannot read", site->known_file);
			return VG_EIO;
		}
		fclose(fp);
		text[n] = '\0';
		rc = add_known(sc, text, site->known_file, err, errlen);
		free(text);
		if (rc != VG_OK)
			return rc;
	}
	return VG_OK;
}

static void src_clear(struct src *s)
{
	vset_free(&s->hosts);
	vset_free(&s->ports);
	free(s->ring);
	free(s->pending);
	free(s->slow.pair);
	s->ring = NULL;
	s->pending = NULL;
	memset(&s->slow, 0, sizeof s->slow);
}

static int join_worker(vg_scans *sc)
{
	if (sc->worker) {
		if (vgi_flowq_stop(sc->worker) != VG_OK)
			sc->worker_failed = 1;
		sc->worker = NULL;
	}
	return sc->worker_failed;
}

void vg_scans_free(vg_scans *sc)
{
	size_t i;
	if (!sc)
		return;
	join_worker(sc);
	for (i = 0; i < sc->tab.n; i++)
		src_clear(&sc->src[i + 1]);
	for (i = 0; i < sc->n_known; i++)
		free(sc->known[i].name);
	free(sc->known);
	free(sc->src);
	vgi_addrtab_free(&sc->tab);
	vgi_u64map_free(&sc->trw);
	vgi_u64map_free(&sc->trw_hosts);
	vgi_u64map_free(&sc->live);
	vgi_u64map_free(&sc->cmap);
	free(sc->crings);
	free(sc);
}

void vg_scans_get_stats(const vg_scans *sc, vg_scans_stats *st)
{
	*st = sc->st;
}

const char *vg_scan_type(const vg_scan_event *e)
{
	unsigned d = e->detectors;
	if ((d & VG_SCAN_BLOCK) || ((d & VG_SCAN_VERTICAL) && (d & VG_SCAN_HORIZONTAL)))
		return "block";
	if (d & VG_SCAN_VERTICAL)
		return "vertical";
	if (d & VG_SCAN_HORIZONTAL)
		return (e->protos == 4) ? "sweep" : "horizontal";
	if (d & VG_SCAN_DISTRIBUTED)
		return "distributed";
	if (d & VG_SCAN_DSWEEP)
		return "dist-sweep";
	if (d & VG_SCAN_SLOW)
		return "slow";
	return "trw";
}

size_t vg_scan_why(const vg_site *site, const vg_scan_event *e, char *out, size_t cap)
{
	size_t n = 0;
	unsigned d = e->detectors;
#define PUT(...) (n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, __VA_ARGS__))
	if (cap)
		out[0] = 0;
	if (d & VG_SCAN_TRW)
		PUT("trw: ratio %.2f >= %.2f; ", e->score, TRW_UPPER);
	if (d & (VG_SCAN_VERTICAL | VG_SCAN_BLOCK))
		PUT("vertical: >= %u ports on one host in %g s; ", site->scan_vertical,
		    site->scan_window_s);
	if (d & (VG_SCAN_HORIZONTAL | VG_SCAN_BLOCK))
		PUT("horizontal: >= %u hosts on one port in %g s; ", vgi_site_horizontal(site),
		    site->scan_window_s);
	if (d & VG_SCAN_SLOW)
		PUT("slow: >= %u ports on one host or >= %u hosts on one port failed over %.0f min; ",
		    site->scan_vertical, vgi_site_horizontal(site),
		    (double)(e->last_us - e->first_us) / 60e6);
	if (d & VG_SCAN_DISTRIBUTED)
		PUT("campaign %u: with other sources, >= %u ports of one host in %g s, each "
		    "below every threshold; ", e->campaign, site->scan_vertical, site->scan_window_s);
	if (d & VG_SCAN_DSWEEP)
		PUT("campaign %u: with other sources, one port on >= %u hosts in %g s, each "
		    "below every threshold; ", e->campaign, vgi_site_horizontal(site),
		    site->scan_window_s);
	if (e->tcp_probes & ~VG_PROBE_SYN) {
		char pk[VG_SCAN_NAMES_MAX];
		PUT("tcp probes %s: %u reset (%s), %u unanswered (open|filtered); ",
		    vg_scan_probes_str(e->tcp_probes, pk), e->n_reset,
		    e->tcp_probes == VG_PROBE_ACK ? "unfiltered"
		    : (e->tcp_probes & VG_PROBE_ACK) ? "closed, or unfiltered to an ACK" : "closed",
		    e->n_silent);
	}
	PUT("%u host%s, %u port%s, %llu flows, %llu answered; ", e->targets,
	    e->targets == 1 ? "" : "s", e->n_ports, e->n_ports == 1 ? "" : "s",
	    (unsigned long long)e->flows, (unsigned long long)e->answered);
	if (vgi_scan_kind(site, e) == VG_SCAN_SWEEP)
		PUT("sweep: <= %u ports", site->scan_sweep_ports);
	else if (d & (VG_SCAN_VERTICAL | VG_SCAN_BLOCK | VG_SCAN_DISTRIBUTED))
		PUT("port scan: the vertical, block or distributed detector");
	else
		PUT("port scan: > %u ports", site->scan_sweep_ports);
#undef PUT
	return n < cap ? n : cap ? cap - 1 : 0;
}

const char *vg_scan_kind_name(int kind)
{
	return kind == VG_SCAN_SWEEP ? "sweep" : "port-scan";
}

int vgi_scan_kind(const vg_site *site, const vg_scan_event *e)
{
	if (e->detectors & (VG_SCAN_VERTICAL | VG_SCAN_BLOCK | VG_SCAN_DISTRIBUTED))
		return VG_SCAN_PORTSCAN;
	return e->n_ports <= site->scan_sweep_ports ? VG_SCAN_SWEEP : VG_SCAN_PORTSCAN;
}

/* ------------------------------------------------------------ TRW */

static double trw_get(const vg_scans *sc, uint64_t h)
{
	uint32_t v = vgi_u64map_get(&sc->trw, h);
	return v ? ((double)v - TRW_BIAS) / TRW_SCALE : 0.0;
}

static void trw_put(vg_scans *sc, uint64_t h, double x)
{
	if (x > 1e5)
		x = 1e5;
	if (x < -1e5)
		x = -1e5;
	vgi_u64map_put(&sc->trw, h, (uint32_t)((int64_t)TRW_BIAS + llround(x * TRW_SCALE)));
}

/* ------------------------------------------------------------ liveness */

static uint64_t live_key(const vg_addr *a, unsigned proto, unsigned port)
{
	uint64_t x, y;
	memcpy(&x, a->a, 8);
	memcpy(&y, a->a + 8, 8);
	return vgi_mix64(x ^ vgi_mix64(y ^ ((uint64_t)proto << 16 | port))) & ~(uint64_t)1;
}

static int answered(const vg_flow *f)
{
	switch (f->proto) {
	case 6:
		if (f->tcp_status & VG_TCP_SAW_SYNACK)
			return 1;
		/* a probe without SYN (nmap's -sA, -sF, -sN, -sX, -sM, -sW) is
		 * taken for the middle of a connection ("established"); only
		 * an answer other than a lone reset makes it one: no answer
		 * says open|filtered, a reset unfiltered or closed */
		if (f->dpkts == 0 || (f->dpkts <= 1 && (f->dflags & VG_TH_RST)))
			return 0;
		return (f->tcp_status & VG_TCP_ESTABLISHED) != 0;
	case 17:
		return f->dpkts > 0 && !(f->rflags & VG_RF_ICMPMAP);
	default:
		return f->dpkts > 0;
	}
}

/* A probe, as the window counts it: a TCP/UDP attempt that failed, or an
 * ICMP request. */
/* What a TCP probe sent, from its flags (VG_PROBE_*). A record without
 * flags (ra's CSV) that the reader took for a SYN is a SYN. */
static unsigned probe_kind(const vg_flow *f)
{
	unsigned fl = f->sflags & (VG_TH_FIN | VG_TH_SYN | VG_TH_RST | VG_TH_PSH | VG_TH_ACK | VG_TH_URG);
	if ((fl & VG_TH_SYN) || (!fl && (f->tcp_status & VG_TCP_SAW_SYN)))
		return VG_PROBE_SYN;
	fl &= ~(unsigned)VG_TH_RST; /* a prober's own reset after the answer */
	if (!fl)
		return VG_PROBE_NULL;
	if (fl == VG_TH_FIN)
		return VG_PROBE_FIN;
	if (fl == (VG_TH_FIN | VG_TH_PSH | VG_TH_URG))
		return VG_PROBE_XMAS;
	if (fl == VG_TH_ACK)
		return VG_PROBE_ACK;
	if (fl == (VG_TH_FIN | VG_TH_ACK))
		return VG_PROBE_MAIMON;
	return VG_PROBE_OTHER;
}

/* A host's bit in a source's 32-bit filter of hosts counted before (from
 * the address itself: the same in every run and on every input). */
static uint32_t host_bit(const vg_addr *a)
{
	uint64_t x, y;
	memcpy(&x, a->a, 8);
	memcpy(&y, a->a + 8, 8);
	return (uint32_t)1 << (vgi_mix64(x ^ vgi_mix64(y)) & 31);
}

static int is_probe(const vg_flow *f)
{
	if (f->proto == 6 || f->proto == 17)
		return !answered(f);
	return f->proto == 1 || f->proto == 58;
}

static unsigned port_key(const vg_flow *f)
{
	/* ICMP: all echo/timestamp probes are one "port" per type */
	if (f->proto == 1 || f->proto == 58)
		return (unsigned)f->proto << 16 | f->sport;
	return (unsigned)f->proto << 16 | f->dport;
}

/* ------------------------------------------------------------ sources */

static void list_unlink(vg_scans *sc, uint32_t i)
{
	struct src *s = &sc->src[i];
	if (s->prev)
		sc->src[s->prev].next = s->next;
	else
		sc->head = s->next;
	if (s->next)
		sc->src[s->next].prev = s->prev;
	else
		sc->tail = s->prev;
	s->prev = s->next = 0;
}

static void list_append(vg_scans *sc, uint32_t i)
{
	struct src *s = &sc->src[i];
	s->prev = sc->tail;
	s->next = 0;
	if (sc->tail)
		sc->src[sc->tail].next = i;
	else
		sc->head = i;
	sc->tail = i;
}

/* The open source of address a: its index in src[], 0 none. */
static uint32_t find_source(const vg_scans *sc, const vg_addr *a)
{
	return (uint32_t)(vgi_addrtab_find(&sc->tab, a) + 1);
}

static int emit_flow(vg_scans *sc, const vg_flow *f, uint32_t id)
{
	int rc;
	if (id)
		sc->st.n_scan_flows++;
	if ((rc = sc->on_flow(sc->user, f, id)) != 0)
		sc->failed = rc;
	return rc;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int emit_event(vg_scans *sc, struct src *s)
{
	vg_scan_event e;
	uint32_t *ports;
	size_t n = vset_size(&s->ports), k = 0, it;
	uint64_t key;
	uint32_t val;
	int rc = 0;
	memset(&e, 0, sizeof e);
	e.id = s->event_id;
	e.scanner = s->addr;
	e.family = s->family;
	e.detectors = s->detectors;
	e.protos = s->protos;
	e.first_us = s->first_us;
	e.last_us = s->last_us;
	e.flows = s->flows;
	e.answered = s->answered;
	e.unanswered = s->unanswered;
	e.tcp_probes = s->tcp_probes;
	e.n_reset = s->n_reset;
	e.n_silent = s->n_silent;
	e.targets = (uint32_t)vset_size(&s->hosts);
	e.score = trw_get(sc, addr_hash(sc, &s->addr));
	e.known = known_name(sc, &s->addr);
	ports = malloc((n ? n : 1) * sizeof *ports);
	if (ports) {
		if (s->ports.big) {
			for (it = 0; vgi_u64map_next(s->ports.big, &it, &key, &val);)
				ports[k++] = (uint32_t)key;
		} else {
			for (k = 0; k < s->ports.n_inl; k++)
				ports[k] = (uint32_t)s->ports.inl[k];
		}
		qsort(ports, k, sizeof *ports, cmp_u32);
		e.ports = ports;
		e.n_ports = (uint32_t)k;
	}
	e.campaign = s->campaign;
	e.kind = (uint8_t)vgi_scan_kind(sc->site, &e);
	sc->st.n_events++;
	if (sc->on_event && (rc = sc->on_event(sc->user, &e)) != 0)
		sc->failed = rc;
	free(ports);
	return rc;
}

/* Whether the event of s is a port scan whatever comes next (its ports
 * only grow, a detector that fired stays fired): its connections need not
 * wait for its end to know their kind (vgi_scans_emit_portscan). */
static void note_kind(vg_scans *sc, const struct src *s)
{
	sc->emit_portscan = (s->detectors & (VG_SCAN_VERTICAL | VG_SCAN_BLOCK |
					     VG_SCAN_DISTRIBUTED)) ||
			    vset_size(&s->ports) > sc->site->scan_sweep_ports;
}

int vgi_scans_emit_portscan(const vg_scans *sc)
{
	return sc->emit_portscan;
}

/* Hands the held connections on with id (0: not a scan). */
static void release(vg_scans *sc, struct src *s, uint32_t id)
{
	size_t i;
	note_kind(sc, s);
	for (i = 0; i < s->n_pending; i++)
		emit_flow(sc, &s->pending[i], id);
	s->n_pending = 0;
}

/* Decides the episode as a scan now. */
static void become_scan(vg_scans *sc, struct src *s)
{
	if (s->event_id)
		return;
	s->event_id = ++sc->next_id;
	release(sc, s, s->event_id);
}

/* Ends the episode of source i and forgets the source. */
static void close_source(vg_scans *sc, uint32_t i)
{
	struct src *s = &sc->src[i];
	if (!s->event_id && trw_get(sc, addr_hash(sc, &s->addr)) >= TRW_UPPER) {
		s->detectors |= VG_SCAN_TRW;
		become_scan(sc, s);
	}
	if (s->event_id)
		emit_event(sc, s);
	else
		release(sc, s, 0);
	if ((s->seen | s->seen_now) != s->seen)
		vgi_u64map_put(&sc->trw_hosts, addr_hash(sc, &s->addr), s->seen | s->seen_now);
	vgi_addrtab_remove(&sc->tab, i - 1);
	list_unlink(sc, i);
	src_clear(s);
	memset(s, 0, sizeof *s);
	sc->st.n_open--;
}

static int32_t get_source(vg_scans *sc, const vg_flow *f)
{
	uint32_t i = find_source(sc, &f->saddr);
	int64_t k;
	if (i)
		return (int32_t)i;
	if (sc->st.n_open >= sc->st.max_sources && sc->head) {
		sc->st.n_evicted++;
		close_source(sc, sc->head);
	}
	if (sc->tab.n + 2 > sc->cap_src) { /* room for a new index and src[0] */
		size_t cap = sc->cap_src ? sc->cap_src * 2 : 1024;
		struct src *n = realloc(sc->src, cap * sizeof *n);
		if (!n)
			return -1;
		sc->src = n;
		sc->cap_src = cap;
	}
	if ((k = vgi_addrtab_index(&sc->tab, &f->saddr, f->family)) < 0)
		return -1;
	i = (uint32_t)k + 1;
	memset(&sc->src[i], 0, sizeof sc->src[i]);
	sc->src[i].addr = f->saddr;
	sc->src[i].family = f->family;
	sc->src[i].first_us = f->stime_us;
	sc->src[i].seen = vgi_u64map_get(&sc->trw_hosts, addr_hash(sc, &f->saddr));
	list_append(sc, i);
	sc->st.n_open++;
	sc->st.n_sources++;
	if (sc->st.n_open > sc->st.n_peak)
		sc->st.n_peak = sc->st.n_open;
	return (int32_t)i;
}

/* The window: distinct (host, port) pairs of the last window seconds,
 * counting only probes: TCP/UDP attempts that failed (no answer, a reset,
 * an ICMP error) and ICMP requests, as Zeek counts failed attempts. */
static void window_check(vg_scans *sc, struct src *s, const vg_flow *f, uint32_t host,
			 uint32_t pp)
{
	uint32_t k, w = 0, same_host = 0, same_port = 0;
	int64_t t = f->stime_us, cut = t - sc->window_us;
	int seen = 0;
	if (!is_probe(f))
		return;
	if (!s->ring) {
		if (!(s->ring = malloc(RING * sizeof *s->ring)))
			return;
		s->ring_n = 0;
	}
	/* drop old pairs; refresh this one; count */
	for (k = 0; k < s->ring_n; k++) {
		struct recent *r = &s->ring[k];
		if (r->t < cut)
			continue;
		if (r->host == host && r->pp == pp) {
			r->t = t > r->t ? t : r->t;
			seen = 1;
		}
		s->ring[w++] = *r;
	}
	s->ring_n = w;
	if (!seen && s->ring_n < RING) {
		s->ring[s->ring_n].t = t;
		s->ring[s->ring_n].host = host;
		s->ring[s->ring_n].pp = pp;
		s->ring_n++;
	}
	for (k = 0; k < s->ring_n; k++) {
		same_host += s->ring[k].host == host;
		same_port += s->ring[k].pp == pp;
	}
	if (same_host >= sc->vertical && (pp >> 16) != 1 && (pp >> 16) != 58)
		s->detectors |= VG_SCAN_VERTICAL;
	if (same_port >= sc->horizontal)
		s->detectors |= VG_SCAN_HORIZONTAL;
	if ((s->detectors & VG_SCAN_VERTICAL) && (s->detectors & VG_SCAN_HORIZONTAL))
		s->detectors |= VG_SCAN_BLOCK;
}

/* The slow detector: the window's thresholds over the whole episode (a
 * probe every few minutes stays in one episode while the gaps are shorter
 * than scan-gap). Followed until it or a window detector fires. */
static void slow_check(vg_scans *sc, struct src *s, uint32_t host, uint32_t pp)
{
	uint64_t key = (uint64_t)host << 32 | pp;
	uint32_t k, same_host = 1, same_port = 1;
	struct slow *w = &s->slow;
	/* nothing left to find once it or a window detector fired */
	if (s->detectors & (VG_SCAN_VERTICAL | VG_SCAN_HORIZONTAL | VG_SCAN_BLOCK | VG_SCAN_SLOW))
		return;
	for (k = 0; k < w->n; k++) {
		if (w->pair[k] == key)
			return;
		same_host += (uint32_t)(w->pair[k] >> 32) == host;
		same_port += (uint32_t)w->pair[k] == pp;
	}
	if (w->n == w->cap) {
		uint32_t cap = w->cap ? w->cap * 2 : 4;
		uint64_t *np;
		if (cap > SLOW_MAX || !(np = realloc(w->pair, cap * sizeof *np)))
			return;
		w->pair = np;
		w->cap = cap;
	}
	w->pair[w->n++] = key;
	if ((same_host >= sc->vertical && (pp >> 16) != 1 && (pp >> 16) != 58) ||
	    same_port >= sc->horizontal)
		s->detectors |= VG_SCAN_SLOW;
}

/* ------------------------------------------------------------ campaigns */

static struct cring *cring_find(vg_scans *sc, uint64_t key)
{
	uint32_t v = vgi_u64map_get(&sc->cmap, key);
	return v ? &sc->crings[v - 1] : NULL;
}

/* Forgets the places with nothing in the window before now (and no
 * candidate): 0 if none was. */
static int cring_compact(vg_scans *sc, int64_t now)
{
	size_t i, w = 0;
	for (i = 0; i < sc->n_crings; i++) {
		struct cring *c = &sc->crings[i];
		uint32_t last = (c->next + CRING - 1) % CRING;
		if (c->pending || (c->n && c->p[last].t >= now - sc->window_us))
			sc->crings[w++] = *c;
	}
	sc->swept_us = now;
	if (w == sc->n_crings)
		return 0;
	sc->n_crings = w;
	vgi_u64map_free(&sc->cmap);
	if (vgi_u64map_init(&sc->cmap, CRING_MAX))
		return 0;
	for (i = 0; i < w; i++)
		vgi_u64map_put(&sc->cmap, sc->crings[i].key, (uint32_t)i + 1);
	return 1;
}

static struct cring *cring_get(vg_scans *sc, uint64_t key, int64_t now)
{
	struct cring *r = cring_find(sc, key);
	if (r)
		return r;
	if (sc->n_crings == CRING_MAX && !cring_compact(sc, now))
		return NULL;
	if (!sc->crings && !(sc->crings = malloc(CRING_MAX * sizeof *sc->crings)))
		return NULL;
	r = &sc->crings[sc->n_crings];
	memset(r, 0, sizeof *r);
	r->key = key;
	if (vgi_u64map_put(&sc->cmap, key, (uint32_t)sc->n_crings + 1) < 0)
		return NULL;
	sc->n_crings++;
	return r;
}

/* The i-th probe of r, oldest first: the order of a campaign's members must
 * not depend on where the ring's slots happen to start (a ring forgotten by
 * cring_compact and made again holds its probes from slot 0). */
static const struct cprobe *ring_at(const struct cring *r, uint32_t i)
{
	return &r->p[r->n == CRING ? (r->next + i) % CRING : i];
}

/* The undecided sources of r's probes in [t0, t1], each once, into m
 * (adding to its n); whether no value was probed by two of them; the
 * distinct values. */
static int ring_members(const struct cring *r, int64_t t0, int64_t t1, struct pcamp *m,
			uint32_t *n_vals)
{
	uint32_t i, j;
	*n_vals = 0;
	m->first_lo = INT64_MAX;
	m->first_hi = INT64_MIN;
	for (i = 0; i < r->n; i++) {
		const struct cprobe *q = ring_at(r, i);
		int new_val = 1;
		if (q->t < t0 || q->t > t1)
			continue;
		for (j = 0; j < i; j++) {
			const struct cprobe *o = ring_at(r, j);
			if (o->t < t0 || o->t > t1 || o->val != q->val)
				continue;
			if (memcmp(&o->addr, &q->addr, sizeof q->addr) != 0)
				return 0; /* overlapping: not a division of work */
			new_val = 0;
		}
		*n_vals += (uint32_t)new_val;
		/* a member probed two values here at least: one probe alone is
		 * what unrelated background sources send */
		for (j = 0; j < r->n; j++) {
			const struct cprobe *o = ring_at(r, j);
			if (o->t >= t0 && o->t <= t1 && o->val != q->val &&
			    memcmp(&o->addr, &q->addr, sizeof q->addr) == 0)
				break;
		}
		if (j == r->n)
			continue;
		/* when the members started: the earliest probe of each */
		for (j = 0; j < r->n; j++) {
			const struct cprobe *o = ring_at(r, j);
			if (o->t >= t0 && o->t <= t1 && o->t < q->t &&
			    memcmp(&o->addr, &q->addr, sizeof q->addr) == 0)
				break;
		}
		if (j == r->n) {
			m->first_lo = VGI_MIN(m->first_lo, q->t);
			m->first_hi = VGI_MAX(m->first_hi, q->t);
		}
		for (j = 0; j < m->n; j++)
			if (memcmp(&m->addr[j], &q->addr, sizeof q->addr) == 0)
				break;
		if (j == m->n && m->n < PCAMP_MEMBERS)
			m->addr[m->n++] = q->addr;
	}
	return 1;
}

static struct src *undecided(vg_scans *sc, const vg_addr *a)
{
	uint32_t i = find_source(sc, a);
	struct src *m;
	if (!i)
		return NULL;
	m = &sc->src[i];
	return (m->event_id || m->detectors) ? NULL : m;
}

/* A window after it formed, the candidate is a campaign if its place's
 * probes still divide the work, still reach the threshold, and enough of
 * its members stayed below every threshold of their own. */
static void decide_campaign(vg_scans *sc, size_t k)
{
	struct pcamp *pc = &sc->pcamps[k];
	struct cring *r = cring_find(sc, pc->key);
	uint32_t n_vals = 0, i, n_ok = 0;
	int ok = r && ring_members(r, pc->start, pc->deadline, pc, &n_vals) &&
		 n_vals >= pc->threshold && pc->first_hi - pc->first_lo <= sc->window_us / 10;
	if (r)
		r->pending = 0;
	for (i = 0; ok && i < pc->n; i++)
		n_ok += undecided(sc, &pc->addr[i]) != NULL;
	if (ok && n_ok >= sc->site->scan_campaign_sources) {
		uint32_t id = ++sc->next_campaign;
		sc->st.n_campaigns++;
		for (i = 0; i < pc->n; i++) {
			struct src *m = undecided(sc, &pc->addr[i]);
			if (!m)
				continue;
			m->detectors |= (uint8_t)pc->bit;
			m->campaign = id;
			become_scan(sc, m);
		}
	}
	sc->pcamps[k] = sc->pcamps[--sc->n_pcamps];
}

static void decide_campaigns(vg_scans *sc, int64_t now)
{
	size_t k = 0;
	while (k < sc->n_pcamps) {
		if (sc->pcamps[k].deadline < now)
			decide_campaign(sc, k); /* moves the last one to k */
		else
			k++;
	}
}

/* Adds a probe of an undecided source to the ring of key; when the
 * undecided sources there together reach threshold distinct values in the
 * window, no value probed by two of them, at least campaign-sources of
 * them, they are a candidate, decided a window later (decide_campaign). */
static void campaign_probe(vg_scans *sc, int64_t t, const vg_addr *src, uint64_t key, uint32_t val,
			   unsigned threshold, unsigned bit)
{
	struct cring *r = cring_get(sc, key, t);
	int64_t cut = t - sc->window_us;
	uint32_t n_vals, i, in_window = 1;
	struct cprobe *p;
	struct pcamp *pc;
	if (!r) {
		sc->st.n_campaign_full++;
		return;
	}
	/* one pass: the probes in the window, and whether this one overlaps
	 * one of another source (then no candidate while that one is in it) */
	for (i = 0; i < r->n; i++) {
		const struct cprobe *q = &r->p[i];
		if (q->t < cut || (r->n == CRING && i == r->next))
			continue; /* old, or the one about to be overwritten */
		in_window++;
		if (q->val == val && memcmp(&q->addr, src, sizeof q->addr) != 0 &&
		    q->t + sc->window_us > r->overlap_until)
			r->overlap_until = q->t + sc->window_us;
	}
	p = &r->p[r->next];
	p->t = t;
	p->addr = *src;
	p->val = val;
	r->next = (r->next + 1) % CRING;
	if (r->n < CRING)
		r->n++;
	if (r->pending) {
		for (i = 0; i < sc->n_pcamps; i++)
			if (sc->pcamps[i].key == key)
				ring_members(r, sc->pcamps[i].start, t, &sc->pcamps[i], &n_vals);
		return;
	}
	if (t < r->overlap_until || in_window < threshold ||
	    in_window < sc->site->scan_campaign_sources)
		return;
	if (sc->n_pcamps == PCAMP_MAX) {
		sc->st.n_campaign_full++;
		return;
	}
	pc = &sc->pcamps[sc->n_pcamps];
	pc->n = 0;
	if (!ring_members(r, cut, t, pc, &n_vals) || n_vals < threshold ||
	    pc->n < sc->site->scan_campaign_sources || pc->first_hi - pc->first_lo > sc->window_us / 10)
		return;
	pc->key = key;
	pc->start = cut;
	pc->deadline = t + sc->window_us;
	pc->threshold = threshold;
	pc->bit = bit;
	r->pending = 1;
	sc->n_pcamps++;
}

/* A probe into the rings of its host and of its port. */
static void campaign_add(vg_scans *sc, int64_t t, const vg_addr *src, uint32_t host, uint32_t pp)
{
	campaign_probe(sc, t, src, (uint64_t)1 << 40 | host, pp, sc->vertical, VG_SCAN_DISTRIBUTED);
	campaign_probe(sc, t, src, (uint64_t)2 << 40 | pp, host, sc->horizontal, VG_SCAN_DSWEEP);
}

static void expire(vg_scans *sc)
{
	while (sc->head && sc->src[sc->head].last_us < sc->watermark - sc->gap_us)
		close_source(sc, sc->head);
}

/* TRW (TCP and UDP) on the first contact of each host by the source, as
 * Jung et al. count: a host counted in an earlier episode (its bit in the
 * source's filter) is not counted again, so a client that fails on the
 * same host every day moves it once. Returns the source's ratio. */
static double trw_step(vg_scans *sc, struct src *s, const vg_flow *f, uint32_t host, int ok)
{
	uint64_t h = addr_hash(sc, &f->saddr);
	double lambda = trw_get(sc, h);
	uint32_t hb;
	if (vset_add(&s->hosts, host) && (f->proto == 6 || f->proto == 17) &&
	    !(s->seen & (hb = host_bit(&f->daddr)))) {
		s->seen_now |= hb;
		/* a probe nobody answered still succeeds if the port is known
		 * to be live (the capture may have missed the answer); an
		 * answer that refused it is a failure */
		if (!ok && f->dpkts == 0 &&
		    (vgi_u64map_get(&sc->live, live_key(&f->daddr, f->proto, f->dport)) ||
		     vgi_site_is_service(sc->site, f)))
			ok = 1;
		lambda += ok ? -TRW_STEP : TRW_STEP;
		trw_put(sc, h, lambda);
	}
	return lambda;
}

/* The flow of a source not decided yet waits with the source's others (at
 * most PENDING_MAX; past that they are handed on as no-scan). */
static void hold_flow(vg_scans *sc, struct src *s, const vg_flow *f)
{
	if (s->flushed) {
		emit_flow(sc, f, 0);
		return;
	}
	if (s->n_pending == s->cap_pending) {
		size_t cap = s->cap_pending ? s->cap_pending * 2 : 4;
		vg_flow *np;
		if (cap > PENDING_MAX || !(np = realloc(s->pending, cap * sizeof *np))) {
			release(sc, s, 0);
			s->flushed = 1;
			emit_flow(sc, f, 0);
			return;
		}
		s->pending = np;
		s->cap_pending = cap;
	}
	s->pending[s->n_pending++] = *f;
}

static void add_one(vg_scans *sc, const vg_flow *f)
{
	int cls = vg_site_classify(sc->site, f);
	uint32_t host, pp;
	int32_t si;
	struct src *s;
	int ok, undecided;
	double lambda;

	/* what answers is live, whoever asked */
	if (f->kind == VG_REC_FLOW && answered(f) && cls != VG_CLASS_OTHER &&
	    vgi_site_in_monitored(sc->site, &f->daddr)) {
		vgi_u64map_add(&sc->live, live_key(&f->daddr, f->proto, f->dport), 1);
		vgi_u64map_add(&sc->live, live_key(&f->daddr, 0, 0), 1);
	}
	if (cls != VG_CLASS_UNSOLICITED && cls != VG_CLASS_SERVICE) {
		emit_flow(sc, f, 0);
		return;
	}
	if (f->stime_us > sc->watermark) {
		sc->watermark = f->stime_us;
		if (sc->n_pcamps)
			decide_campaigns(sc, sc->watermark);
		if (sc->n_crings && sc->watermark - sc->swept_us > 4 * sc->window_us)
			cring_compact(sc, sc->watermark);
		expire(sc);
	}
	if ((si = get_source(sc, f)) < 0) {
		emit_flow(sc, f, 0);
		return;
	}
	s = &sc->src[si];
	if (f->stime_us < s->first_us)
		s->first_us = f->stime_us;
	if (f->ltime_us > s->last_us)
		s->last_us = f->ltime_us;
	list_unlink(sc, (uint32_t)si);
	list_append(sc, (uint32_t)si);

	s->flows++;
	s->protos |= (uint8_t)(f->proto == 6 ? 1 : f->proto == 17 ? 2
			       : (f->proto == 1 || f->proto == 58) ? 4 : 8);
	ok = answered(f);
	if (ok) {
		s->answered++;
	} else {
		s->unanswered++;
		if (f->proto == 6) {
			s->tcp_probes |= (uint8_t)probe_kind(f);
			if (f->dpkts)
				s->n_reset += s->n_reset < 0xfffffffu;
			else
				s->n_silent += s->n_silent < 0xfffffffu;
		}
	}
	host = (uint32_t)(addr_hash(sc, &f->daddr) >> 32);
	pp = port_key(f);
	vset_add(&s->ports, pp);

	lambda = trw_step(sc, s, f, host, ok);
	undecided = !s->detectors && !s->event_id && !s->flushed;
	window_check(sc, s, f, host, pp);
	if (lambda >= TRW_UPPER)
		s->detectors |= VG_SCAN_TRW;
	if (is_probe(f)) {
		slow_check(sc, s, host, pp);
		/* the TCP/UDP probe of a source undecided until now is
		 * evidence for a campaign (or against one: it may overlap),
		 * even if this very probe decides the source. A member probes
		 * two values at least, so a source's first probe waits for
		 * its second (most background sources send one) */
		if (undecided && (f->proto == 6 || f->proto == 17)) {
			if (!s->probe1_t) {
				s->probe1_t = f->stime_us;
				s->probe1_host = host;
				s->probe1_pp = pp;
			} else {
				if (s->probe1_t != INT64_MIN) {
					campaign_add(sc, s->probe1_t, &f->saddr, s->probe1_host,
						     s->probe1_pp);
					s->probe1_t = INT64_MIN;
				}
				campaign_add(sc, f->stime_us, &f->saddr, host, pp);
			}
		}
	}

	if (s->event_id) {
		note_kind(sc, s);
		emit_flow(sc, f, s->event_id);
		return;
	}
	if (s->detectors) {
		become_scan(sc, s);
		note_kind(sc, s);
		emit_flow(sc, f, s->event_id);
		return;
	}
	hold_flow(sc, s, f);
}

static int add_sync(void *user, const vg_flow *flows, const uint32_t *ids, size_t n)
{
	vg_scans *sc = user;
	size_t k;
	(void)ids;
	for (k = 0; k < n && !sc->failed; k++)
		if (flows[k].kind == VG_REC_FLOW)
			add_one(sc, &flows[k]);
	return sc->failed ? VG_ENOMEM : VG_OK;
}

int vg_scans_add(vg_scans *sc, const vg_flow *flows, size_t n)
{
	if (sc->worker) {
		vgi_flowq_add(sc->worker, flows, NULL, n);
		return 0; /* its errors come out of the join */
	}
	return add_sync(sc, flows, NULL, n) != VG_OK;
}

int vg_scans_set_async(vg_scans *sc, int on)
{
	if (!on)
		return join_worker(sc) ? VG_ENOMEM : VG_OK;
	if (!sc->worker)
		(void)vgi_flowq_start(&sc->worker, add_sync, sc); /* else synchronous */
	return VG_OK;
}

int vg_scans_flush(vg_scans *sc)
{
	if (join_worker(sc))
		return 1;
	decide_campaigns(sc, INT64_MAX);
	while (sc->head && !sc->failed)
		close_source(sc, sc->head);
	return sc->failed;
}

/* The names of the bits set in v, comma-separated. */
static const char *bit_names(unsigned v, const char *const *names, size_t n,
			     char out[VG_SCAN_NAMES_MAX])
{
	size_t i, len = 0;
	out[0] = '\0';
	for (i = 0; i < n; i++)
		if (v & (1u << i))
			len += (size_t)snprintf(out + len, VG_SCAN_NAMES_MAX - len, "%s%s",
						len ? "," : "", names[i]);
	return out;
}

const char *vg_scan_probes_str(unsigned probes, char out[VG_SCAN_NAMES_MAX])
{
	static const char *const names[] = {"syn", "null", "fin", "xmas", "ack", "maimon", "other"};
	return bit_names(probes, names, VGI_ARRAY_LEN(names), out);
}

const char *vg_scan_protos_str(unsigned protos, char out[VG_SCAN_NAMES_MAX])
{
	static const char *const names[] = {"tcp", "udp", "icmp", "other"};
	return bit_names(protos, names, VGI_ARRAY_LEN(names), out);
}

const char *vg_scan_detectors_str(unsigned detectors, char out[VG_SCAN_NAMES_MAX])
{
	static const char *const names[] = {"trw",  "vertical",    "horizontal", "block",
					    "slow", "distributed", "dist-sweep"};
	return bit_names(detectors, names, VGI_ARRAY_LEN(names), out);
}

size_t vg_scan_ports_format(const vg_scan_event *e, char *out, size_t cap)
{
	size_t n = 0, i = 0;
	unsigned last_proto = 256;
	if (!cap)
		return 0;
	out[0] = '\0';
	while (i < e->n_ports) {
		unsigned proto = e->ports[i] >> 16, lo = e->ports[i] & 0xffff, hi = lo;
		size_t j = i + 1;
		char item[48];
		int len;
		const char *pn = vg_proto_name(proto);
		while (j < e->n_ports && e->ports[j] >> 16 == proto &&
		       (e->ports[j] & 0xffff) == hi + 1) {
			hi++;
			j++;
		}
		if (proto == 1 || proto == 58)
			len = snprintf(item, sizeof item, "%s%s:type%u", n ? " " : "",
				       proto == 1 ? "icmp" : "icmp6", lo);
		else if (proto != last_proto)
			len = snprintf(item, sizeof item, "%s%s:%u", n ? " " : "",
				       pn ? pn : "?", lo);
		else
			len = snprintf(item, sizeof item, ",%u", lo);
		if (hi != lo && proto != 1 && proto != 58)
			len += snprintf(item + len, sizeof item - (size_t)len, "-%u", hi);
		if (n + (size_t)len + 4 >= cap) {
			memcpy(out + n, "...", 4);
			return n + 3;
		}
		memcpy(out + n, item, (size_t)len + 1);
		n += (size_t)len;
		last_proto = proto;
		i = j;
	}
	return n;
}

/* ------------------------------------------------------------ saved state */

#define SAVE_MAGIC 0x324e4353U /* "SCN2" */

static void vset_save(const struct vset *v, struct vgi_buf *b)
{
	size_t it, k;
	uint64_t key;
	uint32_t val;
	vgi_buf_u64(b, vset_size(v));
	if (v->big) {
		for (it = 0; vgi_u64map_next(v->big, &it, &key, &val);)
			vgi_buf_u64(b, key);
	} else {
		for (k = 0; k < v->n_inl; k++)
			vgi_buf_u64(b, v->inl[k]);
	}
}

static int vset_load(struct vset *v, vgi_cur *c)
{
	uint64_t n = vgi_cur_h64(c), k;
	if (c->bad || n > vgi_cur_left(c) / 8)
		return -1;
	for (k = 0; k < n; k++)
		vset_add(v, vgi_cur_h64(c));
	return c->bad ? -1 : 0;
}

static void map_save(const vgi_u64map *m, struct vgi_buf *b)
{
	size_t it;
	uint64_t key;
	uint32_t val;
	vgi_buf_u64(b, m->n);
	for (it = 0; vgi_u64map_next(m, &it, &key, &val);) {
		vgi_buf_u64(b, key);
		vgi_buf_u64(b, val);
	}
}

static int map_load(vgi_u64map *m, vgi_cur *c)
{
	uint64_t n = vgi_cur_h64(c), k;
	if (c->bad || n > vgi_cur_left(c) / 16)
		return -1;
	for (k = 0; k < n; k++) {
		uint64_t key = vgi_cur_h64(c), val = vgi_cur_h64(c);
		if (m->is_set)
			vgi_u64map_add(m, key, 1);
		else
			vgi_u64map_put(m, key, (uint32_t)val);
	}
	return c->bad ? -1 : 0;
}

int vgi_scans_save(vg_scans *sc, struct vgi_buf *b)
{
	uint32_t i;
	if (join_worker(sc))
		return VG_ENOMEM;
	vgi_buf_u64(b, SAVE_MAGIC);
	vgi_buf_u64(b, sc->seed);
	vgi_buf_u64(b, (uint64_t)sc->watermark);
	vgi_buf_u64(b, sc->next_id);
	vgi_buf_put(b, &sc->st, sizeof sc->st);
	map_save(&sc->trw, b);
	map_save(&sc->trw_hosts, b);
	map_save(&sc->live, b);
	vgi_buf_u64(b, sc->next_campaign);
	if (sc->n_crings)
		cring_compact(sc, sc->watermark);
	vgi_buf_u64(b, sc->n_crings);
	vgi_buf_put(b, sc->crings, sc->n_crings * sizeof *sc->crings);
	vgi_buf_u64(b, sc->n_pcamps);
	vgi_buf_put(b, sc->pcamps, sc->n_pcamps * sizeof *sc->pcamps);
	vgi_buf_u64(b, sc->st.n_open);
	for (i = sc->head; i; i = sc->src[i].next) {
		const struct src *s = &sc->src[i];
		vgi_buf_put(b, &s->addr, sizeof s->addr);
		vgi_buf_u64(b, (uint64_t)s->family | (uint64_t)s->protos << 8 |
				       (uint64_t)s->detectors << 16 | (uint64_t)s->flushed << 24);
		vgi_buf_u64(b, s->event_id);
		vgi_buf_u64(b, s->campaign);
		vgi_buf_u64(b, (uint64_t)s->tcp_probes << 56 | (uint64_t)s->n_reset << 28 | s->n_silent);
		vgi_buf_u64(b, (uint64_t)s->seen << 32 | s->seen_now);
		vgi_buf_u64(b, (uint64_t)s->probe1_t);
		vgi_buf_u64(b, (uint64_t)s->probe1_host << 32 | s->probe1_pp);
		vgi_buf_u64(b, s->slow.n);
		vgi_buf_put(b, s->slow.pair, s->slow.n * sizeof *s->slow.pair);
		vgi_buf_u64(b, (uint64_t)s->first_us);
		vgi_buf_u64(b, (uint64_t)s->last_us);
		vgi_buf_u64(b, s->flows);
		vgi_buf_u64(b, s->answered);
		vgi_buf_u64(b, s->unanswered);
		vset_save(&s->hosts, b);
		vset_save(&s->ports, b);
		vgi_buf_u64(b, s->ring ? s->ring_n : 0);
		if (s->ring)
			vgi_buf_put(b, s->ring, s->ring_n * sizeof *s->ring);
		vgi_buf_u64(b, s->n_pending);
		vgi_buf_put(b, s->pending, s->n_pending * sizeof *s->pending);
	}
	return b->bad ? VG_ENOMEM : VG_OK;
}

int vgi_scans_load(vg_scans *sc, vgi_cur *c)
{
	uint64_t n, k;
	vg_scans_stats st;
	if (vgi_cur_h64(c) != SAVE_MAGIC || sc->st.n_open)
		return VG_EFORMAT;
	/* the hashes in the sets and the ratios' keys depend on the seed */
	sc->seed = vgi_cur_h64(c);
	sc->watermark = (int64_t)vgi_cur_h64(c);
	sc->next_id = (uint32_t)vgi_cur_h64(c);
	vgi_cur_bytes(c, &st, sizeof st);
	if (c->bad || map_load(&sc->trw, c) || map_load(&sc->trw_hosts, c) || map_load(&sc->live, c))
		return VG_EFORMAT;
	sc->next_campaign = (uint32_t)vgi_cur_h64(c);
	n = vgi_cur_h64(c);
	if (c->bad || n > CRING_MAX || n > vgi_cur_left(c) / sizeof *sc->crings)
		return VG_EFORMAT;
	if (n) {
		if (!sc->crings && !(sc->crings = malloc(CRING_MAX * sizeof *sc->crings)))
			return VG_ENOMEM;
		vgi_cur_bytes(c, sc->crings, n * sizeof *sc->crings);
		for (k = 0; k < n; k++) {
			struct cring *r = &sc->crings[k];
			if (r->n > CRING || r->next >= CRING)
				return VG_EFORMAT;
			if (vgi_u64map_put(&sc->cmap, r->key, (uint32_t)k + 1) < 0)
				return VG_EFORMAT;
		}
		sc->n_crings = (size_t)n;
	}
	n = vgi_cur_h64(c);
	if (c->bad || n > PCAMP_MAX)
		return VG_EFORMAT;
	vgi_cur_bytes(c, sc->pcamps, (size_t)n * sizeof *sc->pcamps);
	sc->n_pcamps = (size_t)n;
	for (k = 0; k < n; k++)
		if (sc->pcamps[k].n > PCAMP_MEMBERS)
			return VG_EFORMAT;
	n = vgi_cur_h64(c);
	if (c->bad || n > vgi_cur_left(c) / 64)
		return VG_EFORMAT;
	for (k = 0; k < n; k++) {
		vg_flow f;
		struct src *s;
		int32_t si;
		uint64_t bits, m;
		memset(&f, 0, sizeof f);
		vgi_cur_bytes(c, &f.saddr, sizeof f.saddr);
		bits = vgi_cur_h64(c);
		f.family = (uint8_t)bits;
		if (c->bad || (si = get_source(sc, &f)) < 0)
			return c->bad ? VG_EFORMAT : VG_ENOMEM;
		s = &sc->src[si];
		s->protos = (uint8_t)(bits >> 8);
		s->detectors = (uint8_t)(bits >> 16);
		s->flushed = (int)((bits >> 24) & 1);
		s->event_id = (uint32_t)vgi_cur_h64(c);
		s->campaign = (uint32_t)vgi_cur_h64(c);
		m = vgi_cur_h64(c);
		s->tcp_probes = (uint8_t)(m >> 56);
		s->n_reset = (uint32_t)((m >> 28) & 0xfffffff);
		s->n_silent = (uint32_t)(m & 0xfffffff);
		m = vgi_cur_h64(c);
		s->seen = (uint32_t)(m >> 32);
		s->seen_now = (uint32_t)m;
		s->probe1_t = (int64_t)vgi_cur_h64(c);
		m = vgi_cur_h64(c);
		s->probe1_host = (uint32_t)(m >> 32);
		s->probe1_pp = (uint32_t)m;
		m = vgi_cur_h64(c);
		if (c->bad || m > SLOW_MAX || m > vgi_cur_left(c) / 8)
			return VG_EFORMAT;
		if (m) {
			uint32_t cap = 4;
			while (cap < m)
				cap *= 2;
			if (!(s->slow.pair = malloc(cap * sizeof *s->slow.pair)))
				return VG_ENOMEM;
			s->slow.cap = cap;
			vgi_cur_bytes(c, s->slow.pair, m * sizeof *s->slow.pair);
			s->slow.n = (uint32_t)m;
		}
		s->first_us = (int64_t)vgi_cur_h64(c);
		s->last_us = (int64_t)vgi_cur_h64(c);
		s->flows = vgi_cur_h64(c);
		s->answered = vgi_cur_h64(c);
		s->unanswered = vgi_cur_h64(c);
		if (vset_load(&s->hosts, c) || vset_load(&s->ports, c))
			return VG_EFORMAT;
		m = vgi_cur_h64(c);
		if (c->bad || m > RING)
			return VG_EFORMAT;
		if (m) {
			if (!(s->ring = malloc(RING * sizeof *s->ring)))
				return VG_ENOMEM;
			vgi_cur_bytes(c, s->ring, m * sizeof *s->ring);
			s->ring_n = (uint32_t)m;
		}
		m = vgi_cur_h64(c);
		if (c->bad || m > PENDING_MAX || m > vgi_cur_left(c) / sizeof(vg_flow))
			return VG_EFORMAT;
		if (m) {
			size_t cap = 4;
			while (cap < m)
				cap *= 2;
			if (!(s->pending = malloc(cap * sizeof *s->pending)))
				return VG_ENOMEM;
			s->cap_pending = cap;
			vgi_cur_bytes(c, s->pending, m * sizeof *s->pending);
			s->n_pending = (size_t)m;
		}
	}
	if (c->bad)
		return VG_EFORMAT;
	st.n_open = sc->st.n_open;
	st.max_sources = sc->st.max_sources;
	sc->st = st;
	return VG_OK;
}
