/*
 * tables.c - the report's tables, each declared once: its columns (name,
 * type, unit) and a row function that reads the finished study. The CSV
 * files (vg_study_write_csv), the flat arrays of the JSON report and the C
 * results API (vg_study_row) all walk these declarations (emit.c), so a
 * column added here appears in all three. docs/report.md describes them.
 *
 * A row function fills row *cur's values, advances *cur and returns 1, or
 * returns 0 past the last row. Texts go into the row buffer.
 */
#include <string.h>

#include "report/emit.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define U(col, x) (v[col].null = 0, v[col].u = (uint64_t)(x))
#define D(col, x) (v[col].null = 0, v[col].d = (x))
#define T(col, x) (v[col].null = 0, v[col].t = (x))
#define NUL(col) (v[col].null = 1, v[col].s = "")

static const char *S(vg_value *v, size_t col, const char *s)
{
	v[col].null = 0;
	v[col].s = s;
	return s;
}

static const char *day_s(vg_value *v, size_t col, struct vgi_rowbuf *b, int32_t day)
{
	vgi_day_format(day, b->s[col]);
	return S(v, col, b->s[col]);
}

static const char *addr_s(vg_value *v, size_t col, struct vgi_rowbuf *b, const vg_addr *a,
			  int fam)
{
	vg_addr_format(a, fam == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4, b->s[col]);
	return S(v, col, b->s[col]);
}

static const char *proto_s(vg_value *v, size_t col, struct vgi_rowbuf *b, unsigned p)
{
	const char *n = vg_proto_name(p);
	if (!n) {
		snprintf(b->s[col], VGI_ROW_TEXT, "%u", p);
		n = b->s[col];
	}
	return S(v, col, n);
}

/* "445/tcp", or "icmp 8/0" */
static const char *port_s(vg_value *v, size_t col, struct vgi_rowbuf *b, unsigned proto,
			  unsigned port)
{
	const char *pn = vg_proto_name(proto);
	if (proto == 1 || proto == 58)
		snprintf(b->s[col], VGI_ROW_TEXT, "%s %u/%u", proto == 1 ? "icmp" : "icmp6",
			 port >> 8, port & 0xff);
	else if (pn)
		snprintf(b->s[col], VGI_ROW_TEXT, "%u/%s", port, pn);
	else
		snprintf(b->s[col], VGI_ROW_TEXT, "%u/%u", port, proto);
	return S(v, col, b->s[col]);
}

/* the port number alone: "445", or "8/0" for ICMP type/code */
static const char *portnum_s(vg_value *v, size_t col, struct vgi_rowbuf *b, unsigned proto,
			     unsigned port)
{
	if (proto == 1 || proto == 58)
		snprintf(b->s[col], VGI_ROW_TEXT, "%u/%u", port >> 8, port & 0xff);
	else
		snprintf(b->s[col], VGI_ROW_TEXT, "%u", port);
	return S(v, col, b->s[col]);
}

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0.0;
}

static double ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

static int scans_known(const vg_study *st)
{
	return st->res.scans_known;
}

/* ------------------------------------------------------------- classes */

static const struct vgi_col classes_cols[] = {
	{"class", VG_COL_TEXT, 0, 0, ""},
	{"connections", VG_COL_UINT, 0, 0, "connections"},
};

static int classes_row(vg_study *st, uint64_t *cur, vg_value *v, struct vgi_rowbuf *b)
{
	(void)b;
	if (*cur >= VG_CLASS__COUNT)
		return 0;
	S(v, 0, vg_class_name((int)*cur));
	U(1, st->res.n_class[*cur]);
	++*cur;
	return 1;
}

/* ------------------------------------------------------------- backscatter */

static const struct vgi_col bsday_cols[] = {
	{"day", VG_COL_DAY, 0, 0, ""},
	{"victims", VG_COL_UINT, 0, 0, "addresses"},
	{"connections", VG_COL_UINT, 0, 0, "connections"},
	{"packets", VG_COL_UINT, 0, 0, "packets"},
};

static int bsday_row(vg_study *st, uint64_t *cur, vg_value *v, struct vgi_rowbuf *b)
{
	const struct vgi_results *r = &st->res;
	const struct vgi_bsday *x;
	if (!r->bs_days || *cur >= r->n_days)
		return 0;
	x = &r->bs_days[(*cur)++];
	day_s(v, 0, b, x->day);
	U(1, x->victims);
	U(2, x->conns);
	U(3, x->pkts);
	return 1;
}

static const struct vgi_col victim_cols[] = {
	{"victim", VG_COL_ADDR, 0, 0, ""},
	{"packets", VG_COL_UINT, 0, 0, "packets"},
	{"connections", VG_COL_UINT, 0, 0, "connections"},
	{"bytes", VG_COL_UINT, 0, 0, "bytes"},
	{"days", VG_COL_UINT, 0, 0, "days"},
	{"first_day", VG_COL_DAY, 0, 0, ""},
	{"last_day", VG_COL_DAY, 0, 0, ""},
	{"rate_pps", VG_COL_REAL, 0, 4, "packets/s"},
	{"top_port", VG_COL_PORT, 0, 0, ""},
	{"ports", VG_COL_UINT, 0, 0, "ports"},
};

double vgi_victim_rate(const struct vgi_victim *x)
{
	double s = (double)(x->last_us - x->first_us) / 1e6;
	return (double)x->pkts / (s < 1 ? 1 : s);
}

static int victim_row(vg_study *st, uint64_t *cur, vg_value *v, struct vgi_rowbuf *b)
{
	const struct vgi_victim *x;
	if (*cur >= st->res.n_victims)
		return 0;
	x = &st->res.victims[(*cur)++];
	addr_s(v, 0, b, &x->addr, x->family);
	U(1, x->pkts);
	U(2, x->conns);
	U(3, x->bytes);
	U(4, x->days);
	day_s(v, 5, b, x->first_day);
	day_s(v, 6, b, x->last_day);
	D(7, vgi_victim_rate(x));
	port_s(v, 8, b, x->proto, x->port);
	U(9, x->n_ports);
	return 1;
}

/* ------------------------------------------------------------- overview */

static const struct vgi_col overview_cols[] = {
	{"group", VG_COL_TEXT, 0, 0, ""},
	{"sources", VG_COL_UINT, 0, 0, "sources"},
	{"connections", VG_COL_UINT, 0, 0, "connections"},
	{"conn_per_source", VG_COL_REAL, 0, 4, "connections/source"},
};

static int overview_row(vg_study *st, uint64_t *cur, vg_value *v, struct vgi_rowbuf *b)
{
	static const char *const names[] = {"all", "icmp", "no_icmp"};
	const struct vgi_results *r = &st->res;
	uint64_t c[3] = {r->conns, r->icmp_conns, r->noicmp_conns};
	uint32_t s[3] = {r->sources, r->icmp_sources, r->noicmp_sources};
	(void)b;
	if (*cur >= 3)
		return 0;
	S(v, 0, names[*cur]);
	U(1, s[*cur]);
	U(2, c[*cur]);
	D(3, ratio(c[*cur], s[*cur]));
	++*cur;
	return 1;
}

/* ------------------------------------------------------------- daily */

static const struct vgi_col daily_cols[] = {
	{"day", VG_COL_DAY, 0, 0, ""},
	{"connections", VG_COL_UINT, 0, 0, "connections"},
	{"sources", VG_COL_UINT, 0, 0, "sources"},
	{"new_sources", VG_COL_UINT, 0, 0, "sources"},
	{"tcp_connections", VG_COL_UINT, 0, 0, "connections"},
	{"tcp_sources", VG_COL_UINT, 0, 0, "sources"},
	{"udp_connections", VG_COL_UINT, 0, 0, "connections"},
	{"udp_sources", VG_COL_UINT, 0, 0, "sources"},
	{"icmp_connections", VG_COL_UINT, 0, 0, "connections"},
	{"icmp_sources", VG_COL_UINT, 0, 0, "sources"},
	{"other_connections", VG_COL_UINT, 0, 0, "connections"},
	{"other_sources", VG_COL_UINT, 0, 0, "sources"},
	{"scan_connections", VG_COL_UINT, 0, 0, "connections"},
	{"connections_no_scans", VG_COL_UINT, 0, 0, "connections"},
	{"sources_no_scans", VG_COL_UINT, 0, 0, "sources"},
	{"new_sources_no_scans", VG_COL_UINT, 0, 0, "sources"},
	{"packets", VG_COL_UINT, 0, 0, "packets"},
	{"bytes", VG_COL_UINT, 0, 0, "bytes"},
};

static int daily_row(vg_study *st, uint64_t *cur, vg_value *v, struct vgi_rowbuf *b)
{
	const struct vgi_results *r = &st->res;
	const struct vgi_day *d;
	size_t j;
	if (*cur >= r->n_days)
		return 0;
	d = &r->days[(*cur)++];
	day_s(v, 0, b, d->day);
	U(1, d->conns);
	U(2, d->sources);
	U(3, d->new_sources);
	for (j = 0; j < VGI_PG__N; j++) {
		U(4 + 2 * j, d->pconns[j]);
		U(5 + 2 * j, d->psources[j]);
	}
	if (r->scans_known) {
		U(12, d->scan_conns);
		U(13, d->conns_ns);
		U(14, d->sources_ns);
		U(15, d->new_sources_ns);
	} else {
		NUL(12), NUL(13), NUL(14), NUL(15);
	}
	U(16, d->pkts);
	U(17, d->bytes);
	return 1;
}

/* ------------------------------------------------------------- scans */

static const struct vgi_col scans_cols[] = {
	{"id", VG_COL_UINT, 0, 0, ""},
	{"scanner", VG_COL_ADDR, 0, 0, ""},
	{"type", VG_COL_TEXT, 0, 0, ""},
	{"kind", VG_COL_TEXT, 0, 0, ""},
	{"protos", VG_COL_TEXT, VGI_COL_QUOTE | VGI_COL_LIST, 0, ""},
	{"first", VG_COL_TIME, 0, 0, ""},
	{"last", VG_COL_TIME, 0, 0, ""},
	{"targets", VG_COL_UINT, 0, 0, "hosts"},
	{"ports", VG_COL_UINT, 0, 0, "ports"},
	{"port_list", VG_COL_TEXT, VGI_COL_QUOTE, 0, ""},
	{"flows", VG_COL_UINT, 0, 0, "flows"},
	{"connections", VG_COL_UINT, 0, 0, "connections"},
	{"answered", VG_COL_UINT, 0, 0, "flows"},
	{"unanswered", VG_COL_UINT, 0, 0, "flows"},
	{"score", VG_COL_REAL, 0, 3, ""},
	{"detectors", VG_COL_TEXT, VGI_COL_QUOTE | VGI_COL_LIST, 0, ""},
	{"known_scanner", VG_COL_TEXT, 0, 0, ""},
	{"campaign", VG_COL_UINT, 0, 0, ""},
	{"why", VG_COL_TEXT, VGI_COL_QUOTE, 0, ""},
};

static int scans_row(vg_study *st, uint64_t *cur, vg_value *v, struct vgi_rowbuf *b)
{
	const struct vgi_scan *sc;
	vg_scan_event e;
	if (*cur >= st->n_scans)
		return 0;
	sc = &st->scans[(*cur)++];
	vgi_scan_event(st, sc, &e);
	U(0, e.id);
	addr_s(v, 1, b, &e.scanner, e.family);
	S(v, 2, vg_scan_type(&e));
	S(v, 3, vg_scan_kind_name(e.kind));
	S(v, 4, vg_scan_protos_str(e.protos, b->s[4]));
	T(5, e.first_us);
	T(6, e.last_us);
	U(7, e.targets);
	U(8, e.n_ports);
	snprintf(b->big[0], sizeof b->big[0], "%s", vgi_scan_ports(sc));
	S(v, 9, b->big[0]);
	U(10, e.flows);
	U(11, sc->conns);
	U(12, e.answered);
	U(13, e.unanswered);
	D(14, e.score);
	S(v, 15, vg_scan_detectors_str(e.detectors, b->s[15]));
	if (e.known)
		S(v, 16, e.known);
	else
		NUL(16);
	if (e.campaign)
		U(17, e.campaign);
	else
		NUL(17);
	vg_scan_why(st->site, &e, b->big[1], sizeof b->big[1]);
	S(v, 18, b->big[1]);
	return 1;
}

/* ------------------------------------------------------------- duration */

static const struct vgi_col duration_cols[] = {
	{"min_days", VG_COL_UINT, 0, 0, "days"},
	{"max_days", VG_COL_UINT, 0, 0, "days"},
	{"sources", VG_COL_UINT, 0, 0, "sources"},
	{"connections", VG_COL_UINT, 0, 0, "connections"},
	{"rank", VG_COL_UINT, 0, 0, ""},
	{"proto", VG_COL_TEXT, 0, 0, ""},
	{"port", VG_COL_PORT, 0, 0, ""},
	{"port_connections", VG_COL_UINT, 0, 0, "connections"},
};

/* A bucket with its top ports, one row per port (one without ports);
 * *cur = bucket << 32 | port rank. */
static int bucket_row(const struct vgi_bucket *bk, size_t n, uint64_t *cur, vg_value *v,
		      struct vgi_rowbuf *b)
{
	size_t i = (size_t)(*cur >> 32), j = (size_t)(*cur & 0xffffffffu);
	const struct vgi_bucket *x;
	if (i >= n)
		return 0;
	x = &bk[i];
	U(0, x->min_days);
	if (x->max_days)
		U(1, x->max_days);
	else
		NUL(1);
	U(2, x->sources);
	U(3, x->conns);
	if (!x->n_top) {
		NUL(4), NUL(5), NUL(6), NUL(7);
	} else {
		U(4, j + 1);
		proto_s(v, 5, b, x->top[j].proto);
		portnum_s(v, 6, b, x->top[j].proto, x->top[j].port);
		U(7, x->top[j].conns);
	}
	*cur = j + 1 < x->n_top ? (uint64_t)i << 32 | (j + 1) : (uint64_t)(i + 1) << 32;
	return 1;
}

static int duration_row(vg_study *st, uint64_t *cur, vg_value *v, struct vgi_rowbuf *b)
{
	return bucket_row(st->res.buckets, st->res.n_buckets, cur, v, b);
}

static int duration_ns_row(vg_study *st, uint64_t *cur, vg_value *v, struct vgi_rowbuf *b)
{
	return bucket_row(st->res.buckets_ns, st->res.n_buckets, cur, v, b);
}

/* ------------------------------------------------------------- hosts */

static const struct vgi_col hosts_cols[] = {
	{"addr", VG_COL_ADDR, 0, 0, ""},
	{"connections", VG_COL_UINT, 0, 0, "connections"},
	{"sources", VG_COL_UINT, 0, 0, "sources"},
};

static int hosts_row(vg_study *st, uint64_t *cur, vg_value *v, struct vgi_rowbuf *b)
{
	const struct vgi_host *h;
	if (*cur >= st->res.n_hosts)
		return 0;
	h = &st->res.hosts[(*cur)++];
	addr_s(v, 0, b, &h->addr, h->family);
	U(1, h->conns);
	U(2, h->sources);
	return 1;
}

static const struct vgi_col hostdays_cols[] = {
	{"day", VG_COL_DAY, 0, 0, ""},
	{"addr", VG_COL_ADDR, 0, 0, ""},
	{"connections", VG_COL_UINT, 0, 0, "connections"},
	{"sources", VG_COL_UINT, 0, 0, "sources"},
	{"tcp", VG_COL_UINT, 0, 0, "connections"},
	{"udp", VG_COL_UINT, 0, 0, "connections"},
	{"icmp", VG_COL_UINT, 0, 0, "connections"},
	{"other", VG_COL_UINT, 0, 0, "connections"},
};

static int hostdays_row(vg_study *st, uint64_t *cur, vg_value *v, struct vgi_rowbuf *b)
{
	const struct vgi_results *r = &st->res;
	const struct vgi_hostday *hd;
	size_t k;
	if (*cur >= r->n_hostdays)
		return 0;
	hd = &r->hostdays[(*cur)++];
	day_s(v, 0, b, hd->day);
	addr_s(v, 1, b, &r->hosts[hd->host].addr, r->hosts[hd->host].family);
	U(2, hd->conns);
	U(3, hd->sources);
	for (k = 0; k < VGI_PG__N; k++)
		U(4 + k, hd->pconns[k]);
	return 1;
}

/* ------------------------------------------------------------- ports */

static const struct vgi_col ports_cols[] = {
	{"proto", VG_COL_TEXT, 0, 0, ""},
	{"port", VG_COL_UINT, 0, 0, ""},
	{"connections", VG_COL_UINT, 0, 0, "connections"},
	{"sources", VG_COL_UINT, 0, 0, "sources"},
	{"classes", VG_COL_TEXT, 0, 0, ""},
	{"range", VG_COL_TEXT, 0, 0, ""},
	{"iana", VG_COL_TEXT, 0, 0, ""},
	{"services", VG_COL_TEXT, 0, 0, ""},
	{"trojan", VG_COL_TEXT, VGI_COL_QUOTE, 0, ""},
	{"packets", VG_COL_UINT, 0, 0, "packets"},
	{"bytes", VG_COL_UINT, 0, 0, "bytes"},
};

static int ports_row(vg_study *st, uint64_t *cur, vg_value *v, struct vgi_rowbuf *b)
{
	const struct vgi_port *p;
	struct vgi_portinfo pi;
	if (*cur >= st->res.n_ports)
		return 0;
	p = &st->res.ports[(*cur)++];
	vgi_portdb_lookup(st->ports, p->proto, p->port, &pi);
	proto_s(v, 0, b, p->proto);
	U(1, p->port);
	U(2, p->conns);
	U(3, p->sources);
	S(v, 4, pi.trojan ? (pi.iana || pi.svc ? "trojan+registered" : "trojan")
			  : pi.iana || pi.svc ? "registered" : "unlisted");
	S(v, 5, pi.range);
	snprintf(b->s[6], VGI_ROW_TEXT, "%.*s", (int)pi.iana_len, pi.iana ? pi.iana : "");
	S(v, 6, b->s[6]);
	snprintf(b->s[7], VGI_ROW_TEXT, "%.*s", (int)pi.svc_len, pi.svc ? pi.svc : "");
	S(v, 7, b->s[7]);
	snprintf(b->big[0], sizeof b->big[0], "%.*s", (int)pi.trojan_len,
		 pi.trojan ? pi.trojan : "");
	S(v, 8, b->big[0]);
	U(9, p->pkts);
	U(10, p->bytes);
	return 1;
}

/* ------------------------------------------------------------- matrix */

static const struct vgi_col matrix_cols[] = {
	{"source", VG_COL_ADDR, 0, 0, ""},
	{"proto", VG_COL_TEXT, 0, 0, ""},
	{"port", VG_COL_PORT, 0, 0, ""},
	{"connections", VG_COL_UINT, 0, 0, "connections"},
	{"scan_connections", VG_COL_UINT, 0, 0, "connections"},
};

/* the cells of the source x port matrix, in the map's order */
static int matrix_row(vg_study *st, uint64_t *cur, vg_value *v, struct vgi_rowbuf *b)
{
	size_t it = (size_t)*cur, si;
	uint64_t key;
	uint32_t val;
	unsigned pr, po;
	if (!vgi_u64map_next(&st->matrix, &it, &key, &val))
		return 0;
	*cur = it;
	si = (size_t)(key >> 24);
	pr = (unsigned)(key >> 16) & 0xff;
	po = (unsigned)(key & 0xFFFF);
	addr_s(v, 0, b, &st->srcs.addr[si], st->srcs.family[si]);
	proto_s(v, 1, b, pr);
	portnum_s(v, 2, b, pr, po);
	U(3, val);
	U(4, vgi_u64map_get(&st->matrix_scan, key));
	return 1;
}

/* ------------------------------------------------------------- hot ports */

static const struct vgi_col hot_cols[] = {
	{"proto", VG_COL_TEXT, 0, 0, ""},
	{"port", VG_COL_UINT, 0, 0, ""},
	{"day", VG_COL_DAY, 0, 0, ""},
	{"connections", VG_COL_UINT, 0, 0, "connections"},
	{"sources", VG_COL_UINT, 0, 0, "sources"},
	{"icmp_sources", VG_COL_UINT, 0, 0, "sources"},
	{"connections_icmp_sources", VG_COL_UINT, 0, 0, "connections"},
	{"share_connections_pct", VG_COL_REAL, 0, 4, "%"},
	{"share_sources_pct", VG_COL_REAL, 0, 4, "%"},
	{"connections_no_scans", VG_COL_UINT, 0, 0, "connections"},
	{"sources_no_scans", VG_COL_UINT, 0, 0, "sources"},
	{"icmp_sources_no_scans", VG_COL_UINT, 0, 0, "sources"},
};

/* *cur = hot port << 32 | day index */
static int hot_row(vg_study *st, uint64_t *cur, vg_value *v, struct vgi_rowbuf *b)
{
	const struct vgi_results *r = &st->res;
	size_t j = (size_t)(*cur >> 32), i = (size_t)(*cur & 0xffffffffu);
	const struct vgi_hotday *h;
	if (i >= r->n_days) {
		j++;
		i = 0;
	}
	if (j >= st->site->n_hot || !r->n_days)
		return 0;
	h = &r->hot[j][i];
	proto_s(v, 0, b, st->site->hot[j].proto);
	U(1, st->site->hot[j].port);
	day_s(v, 2, b, h->day);
	U(3, h->conns);
	U(4, h->sources);
	U(5, h->icmp_sources);
	U(6, h->conns_icmp_src);
	D(7, pct(h->conns, r->days[i].conns));
	D(8, pct(h->sources, r->days[i].sources));
	U(9, h->conns_ns);
	U(10, h->sources_ns);
	U(11, h->icmp_sources_ns);
	*cur = (uint64_t)j << 32 | (i + 1);
	return 1;
}

/* ------------------------------------------------------------- histogram, ICMP */

static const struct vgi_col hist_cols[] = {
	{"min", VG_COL_UINT, 0, 0, "connections"},
	{"max", VG_COL_UINT, 0, 0, "connections"},
	{"sources", VG_COL_UINT, 0, 0, "sources"},
	{"connections", VG_COL_UINT, 0, 0, "connections"},
};

static int hist_row(vg_study *st, uint64_t *cur, vg_value *v, struct vgi_rowbuf *b)
{
	const struct vgi_histbin *h;
	(void)b;
	if (*cur >= st->res.n_hist)
		return 0;
	h = &st->res.hist[(*cur)++];
	U(0, h->min);
	U(1, h->max);
	U(2, h->sources);
	U(3, h->conns);
	return 1;
}

static const struct vgi_col icmp_cols[] = {
	{"family", VG_COL_UINT, 0, 0, ""},
	{"type", VG_COL_UINT, 0, 0, ""},
	{"code", VG_COL_UINT, 0, 0, ""},
	{"name", VG_COL_TEXT, 0, 0, ""},
	{"connections", VG_COL_UINT, 0, 0, "connections"},
	{"sources", VG_COL_UINT, 0, 0, "sources"},
};

static int icmp_row(vg_study *st, uint64_t *cur, vg_value *v, struct vgi_rowbuf *b)
{
	const struct vgi_icmp *x;
	(void)b;
	if (*cur >= st->res.n_icmp)
		return 0;
	x = &st->res.icmp[(*cur)++];
	U(0, x->family);
	U(1, x->type);
	U(2, x->code);
	S(v, 3, vgi_icmp_name(x->family, x->type));
	U(4, x->conns);
	U(5, x->sources);
	return 1;
}

/* The name of an ICMP (fam 4) or ICMPv6 (fam 6) type, or "". */
const char *vgi_icmp_name(unsigned fam, unsigned type)
{
	if (fam == 6) {
		switch (type) {
		case 1: return "destination unreachable";
		case 2: return "packet too big";
		case 3: return "time exceeded";
		case 4: return "parameter problem";
		case 128: return "echo request";
		case 129: return "echo reply";
		case 133: return "router solicitation";
		case 134: return "router advertisement";
		case 135: return "neighbour solicitation";
		case 136: return "neighbour advertisement";
		case 137: return "redirect";
		}
		return "";
	}
	switch (type) {
	case 0: return "echo reply";
	case 3: return "destination unreachable";
	case 4: return "source quench";
	case 5: return "redirect";
	case 8: return "echo request";
	case 9: return "router advertisement";
	case 10: return "router solicitation";
	case 11: return "time exceeded";
	case 12: return "parameter problem";
	case 13: return "timestamp request";
	case 14: return "timestamp reply";
	case 15: return "information request";
	case 16: return "information reply";
	case 17: return "address mask request";
	case 18: return "address mask reply";
	}
	return "";
}

/* ------------------------------------------------------------- top sources */

static const struct vgi_col top_cols[] = {
	{"addr", VG_COL_ADDR, 0, 0, ""},
	{"connections", VG_COL_UINT, 0, 0, "connections"},
	{"ports", VG_COL_UINT, 0, 0, "ports"},
	{"hosts", VG_COL_UINT, 0, 0, "hosts"},
	{"days", VG_COL_UINT, 0, 0, "days"},
	{"first_day", VG_COL_DAY, 0, 0, ""},
	{"last_day", VG_COL_DAY, 0, 0, ""},
	{"icmp", VG_COL_BOOL, 0, 0, ""},
	{"top_ports", VG_COL_TEXT, 0, 0, ""},
	{"packets", VG_COL_UINT, 0, 0, "packets"},
	{"bytes", VG_COL_UINT, 0, 0, "bytes"},
};

static int top_row(vg_study *st, uint64_t *cur, vg_value *v, struct vgi_rowbuf *b)
{
	const struct vgi_topsrc *t;
	size_t j, n = 0;
	if (*cur >= st->res.n_top)
		return 0;
	t = &st->res.top[(*cur)++];
	addr_s(v, 0, b, &st->srcs.addr[t->src], st->srcs.family[t->src]);
	U(1, t->conns);
	U(2, t->ports);
	U(3, t->hosts);
	U(4, t->days);
	day_s(v, 5, b, t->first_day);
	day_s(v, 6, b, t->last_day);
	U(7, t->icmp != 0);
	b->big[0][0] = '\0';
	for (j = 0; j < t->n_top; j++) {
		port_s(v, 8, b, t->top[j].proto, t->top[j].port);
		n += (size_t)snprintf(b->big[0] + n, sizeof b->big[0] - n, "%s%s", j ? " " : "",
				      b->s[8]);
	}
	S(v, 8, b->big[0]);
	U(9, t->pkts);
	U(10, t->bytes);
	return 1;
}

/* In the order vg_study_write_csv has always written them. */
#define TABLE(name, cols, present, row) {name, cols, N(cols), present, row}
const struct vgi_table vgi_report_tables[] = {
	TABLE("classes", classes_cols, NULL, classes_row),
	TABLE("backscatter", bsday_cols, NULL, bsday_row),
	TABLE("backscatter_victims", victim_cols, NULL, victim_row),
	TABLE("overview", overview_cols, NULL, overview_row),
	TABLE("daily", daily_cols, NULL, daily_row),
	TABLE("scans", scans_cols, scans_known, scans_row),
	TABLE("duration_no_scans", duration_cols, scans_known, duration_ns_row),
	TABLE("hosts", hosts_cols, NULL, hosts_row),
	TABLE("hosts_daily", hostdays_cols, NULL, hostdays_row),
	TABLE("ports", ports_cols, NULL, ports_row),
	TABLE("matrix", matrix_cols, NULL, matrix_row),
	TABLE("hot_ports", hot_cols, NULL, hot_row),
	TABLE("duration", duration_cols, NULL, duration_row),
	TABLE("conn_per_source", hist_cols, NULL, hist_row),
	TABLE("icmp", icmp_cols, NULL, icmp_row),
	TABLE("top_sources", top_cols, NULL, top_row),
};
const size_t vgi_n_report_tables = N(vgi_report_tables);
