/*
 * alerts.c - early warning (docs/alerts.md). While connections come in,
 * only counts are kept: per (protocol, port) and day the connections, the
 * distinct sources and targets, each source's first day on the port, the
 * distinct sources per port and hour, and each source's connections per
 * day. vg_alerts_finish turns them into dense series per port and runs the
 * detectors over them causally (a day is judged on that day and the days
 * before it only), so an alert's time is when it could have been raised.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <time.h>

#include "analyze/analyze.h"
#include "analyze/det.h"
#include "analyze/rollup.h"
#include "core/addrtab.h"
#include "core/worker.h"

#define MAX_EVIDENCE 64
#define SRC_MAX ((1u << 30) - 2)     /* sources with series (key width) */
#define HOST_MAX ((1u << 30) - 2)

static const char *const det_names[VG_DET__COUNT] = {
	"trend", "seasonal", "change", "worm", "big", "newport", "scan", "backscatter",
};

const char *vg_detector_name(int d)
{
	return d >= 0 && d < VG_DET__COUNT ? det_names[d] : "";
}

const char *vg_severity_name(int s)
{
	static const char *const n[] = {"off", "low", "medium", "high"};
	return s >= 0 && s <= 3 ? n[s] : "";
}

int vg_severity_parse(const char *s)
{
	int i;
	for (i = 1; i <= 3; i++)
		if (strcmp(s, vg_severity_name(i)) == 0)
			return i;
	return -1;
}

/* tcp 0, udp 1, sctp 2; -1 for protocols without ports */
static int proto_code(uint8_t p)
{
	return p == 6 ? 0 : p == 17 ? 1 : p == 132 ? 2 : -1;
}

uint8_t vgi_code_proto(unsigned c)
{
	return c == 0 ? 6 : c == 1 ? 17 : 132;
}

static const char *proto_name(uint8_t p)
{
	return p == 6 ? "tcp" : p == 17 ? "udp" : p == 132 ? "sctp" : "ip";
}

int vg_alerts_create(vg_alerts **ap, const vg_site *site, char *err, size_t errlen)
{
	vg_alerts *a;
	*ap = NULL;
	if (!site) {
		snprintf(err, errlen, "alerts: no site");
		return VG_EINVAL;
	}
	if (!(a = calloc(1, sizeof *a))) {
		snprintf(err, errlen, "out of memory");
		return VG_ENOMEM;
	}
	a->site = site;
	a->max_hour = INT64_MIN;
	a->text_width = VG_TEXT_WIDTH;
	if (vgi_addrtab_init(&a->src, SRC_MAX) || vgi_addrtab_init(&a->dst, HOST_MAX) ||
	    vgi_u64map_init(&a->pd_conn, 0) || vgi_u64set_init(&a->ps_day, 0) ||
	    vgi_u64set_init(&a->pd_dst, 0) || vgi_u64set_init(&a->ph_src, 0) ||
	    vgi_u64map_init(&a->sd_conn, 0) ||
	    vgi_u64map_init(&a->d_conn, 0) || vgi_addrtab_init(&a->victim, 1u << 24) ||
	    vgi_u64map_init(&a->vd_pkts, 0) || vgi_u64map_init(&a->vdp_pkts, 0)) {
		vg_alerts_free(a);
		snprintf(err, errlen, "out of memory");
		return VG_ENOMEM;
	}
	*ap = a;
	return VG_OK;
}

static int async_stop(vg_alerts *a);
static int add_flows(void *user, const vg_flow *flows, const uint32_t *ids, size_t n);

void vg_alerts_free(vg_alerts *a)
{
	size_t i;
	if (!a)
		return;
	async_stop(a);
	vgi_addrtab_free(&a->src);
	vgi_addrtab_free(&a->dst);
	vgi_u64map_free(&a->pd_conn);
	vgi_u64map_free(&a->ps_day);
	vgi_u64map_free(&a->pd_dst);
	vgi_u64map_free(&a->ph_src);
	vgi_u64map_free(&a->sd_conn);
	if (a->acc) {
		vgi_rollup_free(a->acc);
		free(a->acc);
	}
	vgi_u64map_free(&a->d_conn);
	vgi_addrtab_free(&a->victim);
	vgi_u64map_free(&a->vd_pkts);
	vgi_u64map_free(&a->vdp_pkts);
	for (i = 0; i < a->n_scans; i++) {
		free(a->scans[i].ports);
		free(a->scans[i].known_copy);
		free(a->scans[i].why);
	}
	free(a->scans);
	for (i = 0; i < a->n_al; i++) {
		free((void *)a->al[i].ev);
		free((void *)a->al[i].ev_expected);
		free((void *)a->al[i].detail);
		free((void *)a->al[i].scan_ports);
	}
	free(a->al);
	free(a);
}

void vg_alerts_keep_scans(vg_alerts *a, int keep)
{
	a->drop_scans = !keep;
}

uint64_t vg_alerts_scan_count(const vg_alerts *a)
{
	return a->n_scan_events;
}

static int add_sync(vg_alerts *a, const vg_flow *flows, size_t n);

/* vg_alerts_set_async: batches of connections go to a flow queue's thread. */
int vg_alerts_set_async(vg_alerts *a, int on)
{
	if (!a || a->finished)
		return VG_EINVAL;
	if (!on)
		return async_stop(a);
	if (!a->async)
		(void)vgi_flowq_start(&a->async, add_flows, a); /* else synchronous */
	return VG_OK;
}

static int add_flows(void *user, const vg_flow *flows, const uint32_t *ids, size_t n)
{
	(void)ids;
	return add_sync(user, flows, n);
}

static int async_stop(vg_alerts *a)
{
	int rc = vgi_flowq_stop(a->async);
	a->async = NULL;
	return rc;
}

int vg_alerts_add(vg_alerts *a, const vg_flow *flows, const uint32_t *ids, size_t n)
{
	(void)ids;
	if (!a || a->finished)
		return VG_EINVAL;
	if (!a->async) {
		int rc = add_sync(a, flows, n);
		return rc == VG_OK ? rc : vgi_alerts_fail(a, rc, "out of memory counting connections "
							  "(%zu sources)", a->src.n);
	}
	vgi_flowq_add(a->async, flows, NULL, n);
	return VG_OK; /* its errors come out of vg_alerts_finish */
}

#define ACC_ROWS ((size_t)1 << 20)

/* Connections become rows (rollup.c), rows become the series' maps
 * (vgi_alerts_add_rollup): the path rows read back from a store take too. */
static int add_sync(vg_alerts *a, const vg_flow *flows, size_t n)
{
	size_t k;
	int rc = VG_OK;
	if (!a->acc) {
		if (!(a->acc = malloc(sizeof *a->acc)))
			return VG_ENOMEM;
		if (vgi_rollup_init(a->acc) != VG_OK) {
			free(a->acc);
			a->acc = NULL;
			return VG_ENOMEM;
		}
	}
	for (k = 0; k < n; k++)
		if (vgi_rollup_add_conn(a->acc, a->site, &flows[k], 0, NULL) != VG_OK)
			rc = VG_ENOMEM;
	if (vgi_rollup_rows(a->acc) >= ACC_ROWS) {
		if (vgi_alerts_add_rollup(a, a->acc) != VG_OK)
			rc = VG_ENOMEM;
		vgi_rollup_clear(a->acc);
	}
	return rc;
}

static int in_keys(int32_t day)
{
	return day >= 0 && day <= 65535;
}

static int add_rollup(vg_alerts *a, const struct vgi_rollup *r);

int vgi_alerts_add_rollup(vg_alerts *a, const struct vgi_rollup *r)
{
	int rc = add_rollup(a, r);
	if (rc == VG_ENOMEM)
		vgi_alerts_fail(a, rc, "out of memory folding %zu day rollup rows into the alert "
				"series (%zu sources)", vgi_rollup_rows(r), a->src.n);
	return rc;
}

static int add_rollup(vg_alerts *a, const struct vgi_rollup *r)
{
	const struct vgi_rtab *t;
	struct vgi_key k;
	const int64_t *v;
	size_t i;

	if (!a || a->finished)
		return VG_EINVAL;
	t = &r->t[VGI_T_DAY];
	for (i = 0; i < t->n; i++) {
		int64_t us;
		vgi_rtab_row(t, i, &k, &v);
		us = v[VGI_DAY_UNSOL_US];
		if (us == INT64_MIN || !in_keys(k.day) || us < 0 || us / 3600000000LL >= (1 << 20))
			continue;
		if (us / 3600000000LL > a->max_hour)
			a->max_hour = us / 3600000000LL;
	}
	t = &r->t[VGI_T_SRC_DAY];
	for (i = 0; i < t->n; i++) {
		int64_t si;
		uint64_t d;
		vgi_rtab_row(t, i, &k, &v);
		if (!in_keys(k.day)) {
			a->n_outside += (uint64_t)v[0];
			continue;
		}
		d = (uint64_t)k.day;
		if ((si = vgi_addrtab_index(&a->src, &k.a1, k.fam1)) < 0)
			continue;
		vgi_u64map_add(&a->d_conn, d, (uint32_t)VGI_MIN(v[0], UINT32_MAX));
		vgi_u64map_add(&a->sd_conn, (uint64_t)si << 16 | d, (uint32_t)VGI_MIN(v[0], UINT32_MAX));
	}
	t = &r->t[VGI_T_SRC_PORT];
	for (i = 0; i < t->n; i++) {
		int64_t si;
		int pc;
		uint64_t pk, d;
		vgi_rtab_row(t, i, &k, &v);
		if (!in_keys(k.day) || (pc = proto_code(k.proto)) < 0)
			continue;
		if ((si = vgi_addrtab_index(&a->src, &k.a1, k.fam1)) < 0)
			continue;
		d = (uint64_t)k.day;
		pk = (uint64_t)pc << 16 | k.port;
		vgi_u64map_add(&a->pd_conn, pk << 16 | d, (uint32_t)VGI_MIN(v[0], UINT32_MAX));
		vgi_u64map_add(&a->ps_day, pk << 46 | (uint64_t)si << 16 | d, 1);
	}
	t = &r->t[VGI_T_PORT_HOST];
	for (i = 0; i < t->n; i++) {
		int64_t di;
		int pc;
		uint64_t pk;
		vgi_rtab_row(t, i, &k, &v);
		if (!in_keys(k.day) || (pc = proto_code(k.proto)) < 0)
			continue;
		if ((di = vgi_addrtab_index(&a->dst, &k.a1, k.fam1)) < 0)
			continue;
		pk = (uint64_t)pc << 16 | k.port;
		vgi_u64map_add(&a->pd_dst, pk << 46 | (uint64_t)k.day << 30 | (uint64_t)di, 1);
	}
	t = &r->t[VGI_T_BACKSCATTER];
	for (i = 0; i < t->n; i++) {
		int64_t vi;
		uint64_t d;
		vgi_rtab_row(t, i, &k, &v);
		if (!in_keys(k.day) || (vi = vgi_addrtab_index(&a->victim, &k.a1, k.fam1)) < 0 ||
		    vi >= (1 << 24))
			continue;
		d = (uint64_t)k.day;
		vgi_u64map_add(&a->vd_pkts, (uint64_t)vi << 16 | d,
			       (uint32_t)VGI_MIN(v[VGI_BS_PKTS], UINT32_MAX));
		vgi_u64map_add(&a->vdp_pkts, (uint64_t)vi << 40 | d << 24 | (uint64_t)k.proto << 16 | k.port,
			       (uint32_t)VGI_MIN(v[VGI_BS_PKTS], UINT32_MAX));
	}
	t = &r->t[VGI_T_PORT_HOUR];
	for (i = 0; i < t->n; i++) {
		int64_t si;
		int pc;
		uint64_t pk;
		vgi_rtab_row(t, i, &k, &v);
		if (!in_keys(k.day) || (pc = proto_code(k.proto)) < 0 || k.hour < 0 ||
		    k.hour >= (1 << 20))
			continue;
		if ((si = vgi_addrtab_index(&a->src, &k.a1, k.fam1)) < 0 || si >= (1 << 26))
			continue;
		pk = (uint64_t)pc << 16 | k.port;
		vgi_u64map_add(&a->ph_src, pk << 46 | (uint64_t)k.hour << 26 | (uint64_t)si, 1);
	}
	return VG_OK;
}

int vg_alerts_add_scan(vg_alerts *a, const vg_scan_event *e)
{
	struct vgi_scanrec *r;
	char buf[256], why[512];
	if (!a || a->finished)
		return VG_EINVAL;
	if (a->site->scan_alert_severity == 0)
		return VG_OK;
	a->n_scan_events++;
	if (a->drop_scans)
		return VG_OK;
	if (a->n_scans == a->cap_scans) {
		size_t cap = a->cap_scans ? a->cap_scans * 2 : 256;
		struct vgi_scanrec *ns = realloc(a->scans, cap * sizeof *ns);
		if (!ns)
			return vgi_alerts_fail(a, VG_ENOMEM, "out of memory keeping scan event %u "
					       "(%zu kept)", e->id, a->n_scans);
		a->scans = ns;
		a->cap_scans = cap;
	}
	r = &a->scans[a->n_scans];
	memset(r, 0, sizeof *r);
	r->scanner = e->scanner;
	r->family = e->family;
	r->protos = e->protos;
	r->id = e->id;
	r->targets = e->targets;
	r->n_ports = e->n_ports;
	r->first_us = e->first_us;
	r->last_us = e->last_us;
	r->flows = e->flows;
	r->answered = e->answered;
	r->detectors = e->detectors;
	r->score = (float)e->score;
	snprintf(r->type, sizeof r->type, "%s", vg_scan_type(e));
	vg_scan_ports_format(e, buf, sizeof buf);
	if (!(r->ports = strdup(buf)))
		return VG_ENOMEM;
	vg_scan_why(a->site, e, why, sizeof why);
	if ((e->known && !(r->known_copy = strdup(e->known))) || !(r->why = strdup(why))) {
		free(r->ports);
		free(r->known_copy);
		return VG_ENOMEM;
	}
	a->n_scans++;
	return VG_OK;
}

/* ------------------------------------------------------------ helpers */

int64_t vgi_day_start_us(const vg_site *s, int32_t day)
{
	int64_t sec = (int64_t)day * 86400;
	sec -= s->tz.n ? vgi_tz_offset(&s->tz, sec) : s->tz_offset_s;
	return sec * 1000000;
}

vg_alert *vgi_new_alert(vg_alerts *a)
{
	vg_alert *al;
	if (a->n_al == a->cap_al) {
		size_t cap = a->cap_al ? a->cap_al * 2 : 64;
		vg_alert *n = realloc(a->al, cap * sizeof *n);
		if (!n)
			return NULL;
		a->al = n;
		a->cap_al = cap;
	}
	al = &a->al[a->n_al++];
	memset(al, 0, sizeof *al);
	al->port = -1;
	return al;
}

/* Copies the evidence: series values [from, to] (indices into v), at most
 * MAX_EVIDENCE ending at to. */
int vgi_set_evidence(vg_alert *al, const char *series, int64_t start_us, int step_s,
			const double *v, const double *expected, size_t from, size_t to)
{
	double *e, *x = NULL;
	size_t n;
	if (to - from + 1 > MAX_EVIDENCE)
		from = to + 1 - MAX_EVIDENCE;
	n = to - from + 1;
	free((void *)al->ev);
	free((void *)al->ev_expected);
	al->ev = al->ev_expected = NULL;
	if (!(e = malloc(n * sizeof *e)) || (expected && !(x = malloc(n * sizeof *x)))) {
		free(e);
		return VG_ENOMEM;
	}
	memcpy(e, v + from, n * sizeof *e);
	if (expected)
		memcpy(x, expected + from, n * sizeof *x);
	al->series = series;
	al->ev_start_us = start_us + (int64_t)from * step_s * 1000000;
	al->ev_step_s = step_s;
	al->n_ev = n;
	al->ev = e;
	al->ev_expected = x;
	return VG_OK;
}

void vgi_port_text(uint8_t proto, int32_t port, char *out, size_t len)
{
	snprintf(out, len, "%d/%s", port, proto_name(proto));
}

static void day_text(int32_t day, char out[11])
{
	vgi_day_format(day, out);
}

/* Per port and day: the series the daily detectors read. */
/* Mean and standard deviation of v over the history days [lo, hi) whose
 * skip flag is clear; returns how many there were. */
size_t vgi_det_history(const double *v, const uint8_t *skip, size_t lo, size_t hi, double *mean,
		       double *sd)
{
	size_t i, k = 0;
	double s = 0, q = 0;
	for (i = lo; i < hi; i++)
		if (!skip || !skip[i]) {
			s += v[i];
			q += v[i] * v[i];
			k++;
		}
	*mean = k ? s / (double)k : 0;
	*sd = k > 1 ? sqrt(fmax(0, (q - s * s / (double)k) / (double)(k - 1))) : 0;
	return k;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

double vgi_det_median(const double *v, size_t lo, size_t hi, double *tmp)
{
	size_t n = hi - lo;
	memcpy(tmp, v + lo, n * sizeof *tmp);
	qsort(tmp, n, sizeof *tmp, cmp_double);
	return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

void vgi_run_summary(struct run *r, vg_alert *al, size_t i, const char *day, const char *now)
{
	if (i == r->first) {
		snprintf(r->head, sizeof r->head, "%s", now);
		snprintf(al->summary, sizeof al->summary, "%s", now);
	} else {
		snprintf(al->summary, sizeof al->summary, "%s; strongest on %s: %s", r->head, day,
			 strchr(now, ':') ? strchr(now, ':') + 2 : now);
	}
}

size_t vgi_ev_from(const struct run *r, size_t L)
{
	return r->first > L ? r->first - L : 0;
}

vg_alert *vgi_run_hold(vg_alerts *a, struct run *r, int det, uint8_t proto, int32_t port,
		       const struct series *S, size_t i, double strength, int *update)
{
	int64_t t = vgi_day_start_us(a->site, S->d0 + (int32_t)i);
	if (r->al && r->last + 1 == i) {
		r->last = i;
		r->al->last_us = t;
		r->al->end_us = 0;
		*update = strength > r->al->value;
		return r->al;
	}
	if (!(r->al = vgi_new_alert(a)))
		return NULL;
	r->first = r->last = i;
	r->al->detector = det;
	r->al->proto = proto;
	r->al->port = port;
	r->al->period_s = 86400;
	r->al->time_us = r->al->last_us = t;
	*update = 1;
	return r->al;
}

void vgi_run_miss(vg_alerts *a, struct run *r, const struct series *S, size_t i)
{
	if (r->al && r->last + 1 == i)
		r->al->end_us = vgi_day_start_us(a->site, S->d0 + (int32_t)i);
	r->al = NULL;
}

/* ------------------------------------------------------------ daily detectors */

/* The daily detectors, in the order they run each day (det.h). */
static const struct vgi_daily_det *const daily_dets[] = {
	&vgi_det_trend, &vgi_det_cusum, &vgi_det_worm, &vgi_det_newport,
};

#define DET_STATE_MAX 512

static int daily_detectors(vg_alerts *a, unsigned pk, struct series *S, double *tmp)
{
	/* each detector's state, zeroed for this port */
	_Alignas(max_align_t) unsigned char state[VGI_ARRAY_LEN(daily_dets)][DET_STATE_MAX];
	struct det_ctx c;
	char ps[24], ds[11];
	size_t i, k;
	int rc;

	memset(&c, 0, sizeof c);
	c.a = a;
	c.S = S;
	c.tmp = tmp;
	c.ak = a->site->ak;
	c.L = (size_t)c.ak[VGI_AK_DAYS];
	c.H = (size_t)c.ak[VGI_AK_MIN_HISTORY];
	c.minsrc = c.ak[VGI_AK_MIN_SOURCES];
	c.t0 = vgi_day_start_us(a->site, S->d0);
	c.proto = vgi_code_proto(pk >> 16);
	c.port = (int32_t)(pk & 0xffff);
	vgi_port_text(c.proto, c.port, ps, sizeof ps);
	c.ps = ps;
	c.ds = ds;
	memset(state, 0, sizeof state);
	for (k = 0; k < VGI_ARRAY_LEN(daily_dets); k++) {
		if (daily_dets[k]->state_size > DET_STATE_MAX)
			return VG_EINVAL; /* a detector's state outgrew the slot: raise it */
		if (daily_dets[k]->init)
			daily_dets[k]->init(state[k]);
	}
	memset(S->alarm, 0, S->n);
	for (i = 0; i < S->n; i++) {
		c.i = i;
		c.lo = i > c.L ? i - c.L : 0;
		day_text(S->d0 + (int32_t)i, ds);
		S->exp1[i] = S->exp2[i] = S->exp3[i] = NAN;
		for (k = 0; k < VGI_ARRAY_LEN(daily_dets); k++)
			if ((rc = daily_dets[k]->step(&c, state[k])) != VG_OK)
				return rc;
	}
	return VG_OK;
}

/* ------------------------------------------------------------ hourly detector */

static int cmp_srcday(const void *x, const void *y)
{
	const struct srcday *a = x, *b = y;
	if (a->src != b->src)
		return a->src < b->src ? -1 : 1;
	return a->day < b->day ? -1 : a->day > b->day;
}

/* The rows of a map of index << 16 | day -> count that keep() takes,
 * sorted by index, then day, into *out (the caller frees it). */
int vgi_day_rows(const vg_alerts *a, const vgi_u64map *m,
		    int (*keep)(const vg_alerts *a, uint64_t key, uint32_t val), struct srcday **out,
		    size_t *n_out)
{
	struct srcday *c = NULL;
	size_t n = 0, cap = 0, it;
	uint64_t key;
	uint32_t val;
	for (it = 0; vgi_u64map_next(m, &it, &key, &val);) {
		if (keep && !keep(a, key, val))
			continue;
		if (n == cap) {
			struct srcday *nc;
			cap = cap ? cap * 2 : 64;
			if (!(nc = realloc(c, cap * sizeof *nc))) {
				free(c);
				return VG_ENOMEM;
			}
			c = nc;
		}
		c[n].src = (uint32_t)(key >> 16);
		c[n].day = (int32_t)(key & 0xffff);
		c[n].conns = val;
		n++;
	}
	if (n)
		qsort(c, n, sizeof *c, cmp_srcday);
	*out = c;
	*n_out = n;
	return VG_OK;
}

struct kv {
	uint64_t k;
	uint32_t v;
};

static int cmp_kv(const void *x, const void *y)
{
	const struct kv *a = x, *b = y;
	return a->k < b->k ? -1 : a->k > b->k;
}

/* LSD radix sort of 64-bit keys, 16 bits a pass (tmp: n more keys, cnt:
 * 65536 counters; the caller's, so that two handles may sort at once) */
static void radix_sort(uint64_t *v, uint64_t *tmp, size_t *cnt, size_t n)
{
	unsigned pass;
	size_t i;
	for (pass = 0; pass < 4; pass++) {
		unsigned sh = pass * 16;
		size_t sum = 0;
		memset(cnt, 0, 65536 * sizeof *cnt);
		for (i = 0; i < n; i++)
			cnt[(v[i] >> sh) & 0xffff]++;
		for (i = 0; i < 65536; i++) {
			size_t c = cnt[i];
			cnt[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			tmp[cnt[(v[i] >> sh) & 0xffff]++] = v[i];
		memcpy(v, tmp, n * sizeof *v);
	}
}

/* From ps_day (pk, src, day): distinct sources per (pk, day), new sources
 * per (pk, day) (a source's first day on the port), sources per pk. */
static int source_counts(const vg_alerts *a, vgi_u64map *nsrc, vgi_u64map *nnew, vgi_u64map *ptot)
{
	size_t n = a->ps_day.n, k = 0, it, i;
	uint64_t *v, *tmp, key;
	size_t *cnt;
	uint32_t val;
	if (vgi_u64map_init(nsrc, 0) || vgi_u64map_init(nnew, 0) || vgi_u64map_init(ptot, 0))
		return VG_ENOMEM;
	if (!n)
		return VG_OK;
	v = malloc(n * sizeof *v);
	tmp = malloc(n * sizeof *tmp);
	cnt = malloc(65536 * sizeof *cnt);
	if (!v || !tmp || !cnt) {
		free(v);
		free(tmp);
		free(cnt);
		return VG_ENOMEM;
	}
	for (it = 0; vgi_u64map_next(&a->ps_day, &it, &key, &val);)
		v[k++] = key;
	radix_sort(v, tmp, cnt, k);
	free(cnt);
	for (i = 0; i < k; i++) {
		uint64_t pk = v[i] >> 46, day = v[i] & 0xffff;
		vgi_u64map_add(nsrc, pk << 16 | day, 1);
		if (i == 0 || (v[i - 1] >> 16) != (v[i] >> 16)) {
			vgi_u64map_add(nnew, pk << 16 | day, 1);
			vgi_u64map_add(ptot, pk, 1);
		}
	}
	free(v);
	free(tmp);
	return VG_OK;
}

static int count_dst(const vg_alerts *a, vgi_u64map *out)
{
	size_t it;
	uint64_t key;
	uint32_t val;
	if (vgi_u64map_init(out, 0))
		return VG_ENOMEM;
	for (it = 0; vgi_u64map_next(&a->pd_dst, &it, &key, &val);)
		vgi_u64map_add(out, (key >> 46) << 16 | ((key >> 30) & 0xffff), 1);
	return VG_OK;
}

static int cmp_alert(const void *x, const void *y)
{
	const vg_alert *a = x, *b = y;
	int c;
	if (a->time_us != b->time_us)
		return a->time_us < b->time_us ? -1 : 1;
	if (a->detector != b->detector)
		return a->detector < b->detector ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if ((c = memcmp(&a->source, &b->source, sizeof a->source)) != 0)
		return c;
	return a->scan_id < b->scan_id ? -1 : a->scan_id > b->scan_id;
}

/* The ports with at least minsrc sources in the period, in order. */
static int alert_ports(const vgi_u64map *ptot, double minsrc, unsigned **ports_p, size_t *n_p)
{
	unsigned *ports = NULL;
	size_t n_ports = 0, cap_ports = 0, it, i, j;
	uint64_t key;
	uint32_t val;
	for (it = 0; vgi_u64map_next(ptot, &it, &key, &val);) {
		if (val < minsrc)
			continue;
		if (n_ports == cap_ports) {
			unsigned *np;
			cap_ports = cap_ports ? cap_ports * 2 : 256;
			if (!(np = realloc(ports, cap_ports * sizeof *np))) {
				free(ports);
				return VG_ENOMEM;
			}
			ports = np;
		}
		ports[n_ports++] = (unsigned)key;
	}
	for (i = 1; i < n_ports; i++) /* insertion sort is fine: few ports */
		for (j = i; j > 0 && ports[j - 1] > ports[j]; j--) {
			unsigned t = ports[j];
			ports[j] = ports[j - 1];
			ports[j - 1] = t;
		}
	*ports_p = ports;
	*n_p = n_ports;
	return VG_OK;
}

static void series_free(struct series *S)
{
	free(S->conn);
	free(S->src);
	free(S->dst);
	free(S->nw);
	free(S->exp1);
	free(S->exp2);
	free(S->exp3);
	free(S->alarm);
}

static int series_alloc(struct series *S, size_t n, int32_t d0)
{
	S->n = n;
	S->d0 = d0;
	if (!(S->conn = calloc(n, sizeof *S->conn)) || !(S->src = calloc(n, sizeof *S->src)) ||
	    !(S->dst = calloc(n, sizeof *S->dst)) || !(S->nw = calloc(n, sizeof *S->nw)) ||
	    !(S->exp1 = calloc(n, sizeof *S->exp1)) || !(S->exp2 = calloc(n, sizeof *S->exp2)) ||
	    !(S->exp3 = calloc(n, sizeof *S->exp3)) || !(S->alarm = calloc(n, 1)))
		return VG_ENOMEM;
	return VG_OK;
}

/* Every port's daily series through the daily detectors, and its hourly
 * series through the seasonal one. */
static int detect_ports(vg_alerts *a)
{
	vgi_u64map nsrc, ndst, nnew, ptot, nh_;
	const vgi_u64map *nh = &nh_;
	struct kv *hv = NULL;
	unsigned *ports = NULL;
	size_t n_ports = 0, n_hv = 0, it, i, hpos = 0;
	int32_t d0 = INT32_MAX, d1 = INT32_MIN;
	int64_t h0 = INT64_MAX, h1 = INT64_MIN;
	uint64_t key;
	uint32_t val;
	struct series S = {0};
	double *tmp = NULL, *hy = NULL, *hp = NULL, *hb = NULL;
	double minsrc = fmin(a->site->ak[VGI_AK_MIN_SOURCES], a->site->ak[VGI_AK_NEWPORT_SOURCES]);
	int rc = VG_ENOMEM;

	memset(&nsrc, 0, sizeof nsrc);
	memset(&ndst, 0, sizeof ndst);
	memset(&nnew, 0, sizeof nnew);
	memset(&ptot, 0, sizeof ptot);
	for (it = 0; vgi_u64map_next(&a->d_conn, &it, &key, &val);) {
		if ((int32_t)key < d0)
			d0 = (int32_t)key;
		if ((int32_t)key > d1)
			d1 = (int32_t)key;
	}
	if (d0 > d1)
		return VG_OK;
	memset(&nh_, 0, sizeof nh_);
	if (source_counts(a, &nsrc, &nnew, &ptot) || count_dst(a, &ndst) ||
	    vgi_u64map_init(&nh_, 0))
		goto out;
	for (it = 0; vgi_u64map_next(&a->ph_src, &it, &key, &val);)
		vgi_u64map_add(&nh_, (key >> 46) << 20 | ((key >> 26) & 0xfffff), 1);
	/* the ports with enough sources to alert on, in order */
	if (alert_ports(&ptot, minsrc, &ports, &n_ports) != VG_OK)
		goto out;
	/* hourly counts of those ports, sorted by (port, hour) */
	if (nh->n && !(hv = malloc(nh->n * sizeof *hv)))
		goto out;
	for (it = 0; vgi_u64map_next(nh, &it, &key, &val);) {
		if (vgi_u64map_get(&ptot, key >> 20) < minsrc)
			continue;
		hv[n_hv].k = key;
		hv[n_hv++].v = val;
		if ((int64_t)(key & 0xfffff) < h0)
			h0 = (int64_t)(key & 0xfffff);
	}
	if (n_hv)
		qsort(hv, n_hv, sizeof *hv, cmp_kv);
	h1 = a->max_hour;

	if (series_alloc(&S, (size_t)(d1 - d0) + 1, d0) != VG_OK ||
	    !(tmp = calloc(S.n, sizeof *tmp)))
		goto out;
	if (n_hv && h1 >= h0) {
		size_t nhours = (size_t)(h1 - h0) + 1;
		if (!(hy = calloc(nhours, sizeof *hy)) || !(hp = calloc(nhours, sizeof *hp)) ||
		    !(hb = calloc(nhours, sizeof *hb)))
			goto out;
	}
	for (i = 0; i < n_ports; i++) {
		uint64_t pk = ports[i];
		size_t d;
		for (d = 0; d < S.n; d++) {
			uint64_t k = pk << 16 | (uint64_t)(d0 + (int32_t)d);
			S.conn[d] = vgi_u64map_get(&a->pd_conn, k);
			S.src[d] = vgi_u64map_get(&nsrc, k);
			S.dst[d] = vgi_u64map_get(&ndst, k);
			S.nw[d] = vgi_u64map_get(&nnew, k);
		}
		if ((rc = daily_detectors(a, (unsigned)pk, &S, tmp)) != VG_OK)
			goto out;
		if (hy) {
			size_t nhours = (size_t)(h1 - h0) + 1;
			memset(hy, 0, nhours * sizeof *hy);
			while (hpos < n_hv && (hv[hpos].k >> 20) < pk)
				hpos++;
			for (; hpos < n_hv && (hv[hpos].k >> 20) == pk; hpos++)
				hy[(int64_t)(hv[hpos].k & 0xfffff) - h0] = hv[hpos].v;
			if ((rc = vgi_det_seasonal(a, (unsigned)pk, hy, nhours, h0, hp, hb)) != VG_OK)
				goto out;
		}
	}
	rc = VG_OK;
out:
	vgi_u64map_free(&nsrc);
	vgi_u64map_free(&nh_);
	vgi_u64map_free(&ndst);
	vgi_u64map_free(&nnew);
	vgi_u64map_free(&ptot);
	free(hv);
	free(ports);
	series_free(&S);
	free(tmp);
	free(hy);
	free(hp);
	free(hb);
	return rc;
}

void vg_alerts_set_freshness(vg_alerts *a, int64_t newest_us, int64_t now_us, double max_age_s)
{
	a->fresh_set = newest_us != INT64_MIN;
	a->fresh_newest_us = newest_us;
	a->fresh_now_us = now_us;
	a->fresh_max_age_s = max_age_s;
}

void vg_alerts_set_time_format(vg_alerts *a, int fmt)
{
	a->time_fmt = fmt;
}

void vg_alerts_set_text_width(vg_alerts *a, unsigned columns)
{
	a->text_width = columns;
}

void vg_alerts_set_min_severity(vg_alerts *a, int severity)
{
	a->min_sev = severity;
}

const char *vg_alerts_errmsg(const vg_alerts *a)
{
	return a ? a->errmsg : "out of memory";
}

int vgi_alerts_fail(vg_alerts *a, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vgi_verrf(a->errmsg, fmt, ap);
	va_end(ap);
	return rc;
}

int vg_alerts_finish(vg_alerts *a)
{
	size_t i;
	int rc;
	if (!a)
		return VG_EINVAL;
	if (a->finished)
		return VG_OK;
	a->errmsg[0] = '\0';
	if ((rc = async_stop(a)) != VG_OK)
		return vgi_alerts_fail(a, rc, "out of memory counting connections in the alerts' "
				       "thread (%zu sources)", a->src.n);
	if (a->acc) {
		rc = vgi_alerts_add_rollup(a, a->acc);
		vgi_rollup_free(a->acc);
		free(a->acc);
		a->acc = NULL;
		if (rc != VG_OK)
			return vgi_alerts_fail(a, rc, "out of memory building the alert series "
					       "(%zu sources)", a->src.n);
	}
	a->finished = 1;
	if ((rc = detect_ports(a)) != VG_OK || (rc = vgi_det_big(a)) != VG_OK ||
	    (rc = vgi_det_scans(a)) != VG_OK || (rc = vgi_det_backscatter(a)) != VG_OK) {
		if (!a->errmsg[0])
			vgi_alerts_fail(a, rc, "out of memory running the detectors (%zu alerts so far)",
					a->n_al);
		return rc;
	}
	if (a->n_al)
		qsort(a->al, a->n_al, sizeof *a->al, cmp_alert);
	for (i = 0; i < a->n_al; i++)
		a->al[i].id = (uint32_t)(i + 1);
	return VG_OK;
}

const vg_site *vgi_alerts_site(const vg_alerts *a)
{
	return a->site;
}

static int cmp_port_day(const void *x, const void *y)
{
	const vg_port_day *a = x, *b = y;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	return a->port < b->port ? -1 : a->port > b->port;
}

int vg_alerts_port_days(vg_alerts *a, int32_t day0, int32_t day1, vg_port_day **out, size_t *n)
{
	vgi_u64map nsrc, nnew, ptot, ndst;
	vg_port_day *v = NULL;
	size_t it, k = 0;
	uint64_t key;
	uint32_t val;
	int rc = VG_ENOMEM;
	*out = NULL;
	*n = 0;
	if (!a || !a->finished)
		return VG_EINVAL;
	memset(&ndst, 0, sizeof ndst);
	if (source_counts(a, &nsrc, &nnew, &ptot) != VG_OK || count_dst(a, &ndst) != VG_OK)
		goto out;
	if (a->pd_conn.n && !(v = malloc(a->pd_conn.n * sizeof *v)))
		goto out;
	for (it = 0; vgi_u64map_next(&a->pd_conn, &it, &key, &val);) {
		int32_t d = (int32_t)(key & 0xffff);
		uint64_t pk = key >> 16;
		if (d < day0 || d > day1)
			continue;
		v[k].day = d;
		v[k].proto = vgi_code_proto((unsigned)(pk >> 16));
		v[k].port = (uint16_t)(pk & 0xffff);
		v[k].connections = val;
		v[k].sources = vgi_u64map_get(&nsrc, key);
		v[k].new_sources = vgi_u64map_get(&nnew, key);
		v[k].targets = vgi_u64map_get(&ndst, key);
		k++;
	}
	if (k)
		qsort(v, k, sizeof *v, cmp_port_day);
	*out = v;
	*n = k;
	v = NULL;
	rc = VG_OK;
out:
	free(v);
	vgi_u64map_free(&nsrc);
	vgi_u64map_free(&nnew);
	vgi_u64map_free(&ptot);
	vgi_u64map_free(&ndst);
	return rc == VG_OK ? VG_OK : vgi_alerts_fail(a, rc, "out of memory listing the port series");
}

size_t vg_alerts_count(const vg_alerts *a)
{
	return a && a->finished ? a->n_al : 0;
}

const vg_alert *vg_alerts_get(const vg_alerts *a, size_t i)
{
	return a && a->finished && i < a->n_al ? &a->al[i] : NULL;
}

int64_t vg_alerts_data_end(const vg_alerts *a)
{
	return a && a->max_hour != INT64_MIN ? a->max_hour * 3600000000LL : 0;
}
