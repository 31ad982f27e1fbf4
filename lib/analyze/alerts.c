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
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <time.h>

#include "analyze/analyze.h"
#include "analyze/det.h"
#include "analyze/rollup.h"
#include "core/addrtab.h"

#define MAX_EVIDENCE 64
#define SRC_MAX ((1u << 30) - 2)     /* sources with series (key width) */
#define HOST_MAX ((1u << 30) - 2)

struct vgi_scanrec {
	vg_addr scanner;
	uint8_t family, protos, detectors;
	uint32_t id, targets, n_ports;
	float score;
	int64_t first_us, last_us;
	uint64_t flows, answered;
	char type[12];
	char *ports;                 /* vg_scan_ports_format, cut */
	const char *known;           /* from the study's list: valid while the site lives */
	char *known_copy;
	char *why;                   /* vg_scan_why of the event, as it was added */
};

/* vg_alerts_set_async: batches of connections go to a worker thread. */
#define ASYNC_BATCH 4096
#define ASYNC_RING 4

/* what the detectors read of a connection */
struct conn {
	int64_t stime_us;
	vg_addr saddr, daddr;
	uint16_t sport, dport;
	uint8_t family, proto;
};

struct batch {
	struct conn c[ASYNC_BATCH];
	size_t n;
};

struct async {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct batch ring[ASYNC_RING];
	size_t head, tail;    /* batches handed over: [tail, head) */
	size_t fill;          /* the batch being filled is ring[head % RING] */
	int stop, rc;
};

struct vg_alerts {
	const vg_site *site;
	char errmsg[VGI_ERRMSG_LEN];
	int finished;
	vgi_addrtab src, dst;
	vgi_u64map pd_conn;   /* pk << 16 | day -> connections */
	vgi_u64map ps_day;    /* pk << 46 | src << 16 | day (set): sorted at the
			       * end, it gives sources per day and first days */
	vgi_u64map pd_dst;    /* pk << 46 | day << 30 | dst (set) */
	vgi_u64map ph_src;    /* pk << 46 | hour << 26 | src (set; sources < 2^26) */
	vgi_u64map sd_conn;   /* src << 16 | day -> connections */
	struct vgi_rollup *acc;  /* connections counted, not yet in the maps */
	vgi_u64map d_conn;    /* day -> connections */
	vgi_addrtab victim;   /* backscatter senders */
	vgi_u64map vd_pkts;   /* victim << 16 | day -> backscatter packets */
	vgi_u64map vdp_pkts;  /* victim << 40 | day << 24 | proto << 16 | port -> packets */
	int64_t max_hour;
	int drop_scans;       /* vg_alerts_keep_scans(a, 0) */
	struct async *async;  /* vg_alerts_set_async */
	uint64_t n_scan_events;
	uint64_t n_outside;   /* days or hours out of the key range */
	struct vgi_scanrec *scans;
	size_t n_scans, cap_scans;
	vg_alert *al;
	size_t n_al, cap_al;
};

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

static uint8_t code_proto(unsigned c)
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

static void *async_main(void *arg)
{
	vg_alerts *a = arg;
	struct async *q = a->async;
	for (;;) {
		struct batch *b;
		pthread_mutex_lock(&q->mu);
		while (q->tail == q->head && !q->stop)
			pthread_cond_wait(&q->cv, &q->mu);
		if (q->tail == q->head) {
			pthread_mutex_unlock(&q->mu);
			return NULL;
		}
		b = &q->ring[q->tail % ASYNC_RING];
		pthread_mutex_unlock(&q->mu);
		{
			vg_flow f[256];
			size_t i, k = 0;
			memset(f, 0, sizeof f);
			for (i = 0; i < b->n; i++) {
				const struct conn *c = &b->c[i];
				f[k].stime_us = f[k].ltime_us = c->stime_us;
				f[k].saddr = c->saddr;
				f[k].daddr = c->daddr;
				f[k].sport = c->sport;
				f[k].dport = c->dport;
				f[k].family = c->family;
				f[k].proto = c->proto;
				if (++k == 256 || i + 1 == b->n) {
					if (add_sync(a, f, k) != VG_OK)
						q->rc = VG_ENOMEM;
					k = 0;
				}
			}
		}
		pthread_mutex_lock(&q->mu);
		q->tail++;
		pthread_cond_broadcast(&q->cv);
		pthread_mutex_unlock(&q->mu);
	}
}

int vg_alerts_set_async(vg_alerts *a, int on)
{
	struct async *q;
	if (!a || a->finished || a->async || !on)
		return a && !a->finished ? VG_OK : VG_EINVAL;
	if (!(q = calloc(1, sizeof *q)))
		return VG_ENOMEM;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	a->async = q;
	if (pthread_create(&q->th, NULL, async_main, a) != 0) {
		pthread_mutex_destroy(&q->mu);
		pthread_cond_destroy(&q->cv);
		free(q);
		a->async = NULL; /* no thread: stay synchronous */
	}
	return VG_OK;
}

/* hands the batch being filled to the worker (waiting for room) */
static void async_push(struct async *q)
{
	pthread_mutex_lock(&q->mu);
	q->head++;
	pthread_cond_broadcast(&q->cv);
	while (q->head - q->tail >= ASYNC_RING)
		pthread_cond_wait(&q->cv, &q->mu);
	pthread_mutex_unlock(&q->mu);
	q->ring[q->head % ASYNC_RING].n = 0;
}

static int async_stop(vg_alerts *a)
{
	struct async *q = a->async;
	int rc;
	if (!q)
		return VG_OK;
	if (q->ring[q->head % ASYNC_RING].n)
		async_push(q);
	pthread_mutex_lock(&q->mu);
	q->stop = 1;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->th, NULL);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
	rc = q->rc;
	free(q);
	a->async = NULL;
	return rc;
}

int vg_alerts_add(vg_alerts *a, const vg_flow *flows, const uint32_t *ids, size_t n)
{
	struct async *q;
	(void)ids;
	if (!a || a->finished)
		return VG_EINVAL;
	if (!(q = a->async))
		return add_sync(a, flows, n);
	for (; n; n--, flows++) {
		struct batch *b = &q->ring[q->head % ASYNC_RING];
		struct conn *c = &b->c[b->n++];
		c->stime_us = flows->stime_us;
		c->saddr = flows->saddr;
		c->daddr = flows->daddr;
		c->sport = flows->sport;
		c->dport = flows->dport;
		c->family = flows->family;
		c->proto = flows->proto;
		if (b->n == ASYNC_BATCH)
			async_push(q);
	}
	return q->rc;
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

int vgi_alerts_add_rollup(vg_alerts *a, const struct vgi_rollup *r)
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
			return VG_ENOMEM;
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

static vg_alert *new_alert(vg_alerts *a)
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

static void port_text(uint8_t proto, int32_t port, char *out, size_t len)
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
	if (!(r->al = new_alert(a)))
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
	c.proto = code_proto(pk >> 16);
	c.port = (int32_t)(pk & 0xffff);
	port_text(c.proto, c.port, ps, sizeof ps);
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

/* 2. Seasonal aberration (Holt-Winters with Brutlag's confidence band) on
 * distinct sources per port and hour, season one day. The first season initialises,
 * the second trains; from the third on, an hour fails when it is above
 * prediction + delta * deviation by at least hw-min-excess, and an alarm
 * holds while hw-failures of the last hw-window hours failed. */
static int hourly_detector(vg_alerts *a, unsigned pk, const double *y, size_t n, int64_t h0,
			   double *pred, double *band)
{
	const double *ak = a->site->ak;
	const double al_ = ak[VGI_AK_HW_ALPHA], be = ak[VGI_AK_HW_BETA], ga = ak[VGI_AK_HW_GAMMA];
	const double de = ak[VGI_AK_HW_DELTA], minx = ak[VGI_AK_HW_MIN_EXCESS];
	const size_t W = (size_t)ak[VGI_AK_HW_WINDOW], F = (size_t)ak[VGI_AK_HW_FAILURES];
	enum { M = 24 };
	double level = 0, trend = 0, seas[M], dev[M];
	uint8_t fail[1024];
	size_t i, j, nfail = 0, last_alarm = 0;
	uint8_t proto = code_proto(pk >> 16);
	int32_t port = (int32_t)(pk & 0xffff);
	vg_alert *cur = NULL;
	char ps[24];

	if (n < 3 * M)
		return VG_OK;
	port_text(proto, port, ps, sizeof ps);
	for (i = 0; i < M; i++)
		level += y[i] / M;
	for (i = 0; i < M; i++) {
		seas[i] = y[i] - level;
		dev[i] = fabs(y[i] - level);
		pred[i] = band[i] = NAN;
	}
	memset(fail, 0, sizeof fail);
	for (i = M; i < n; i++) {
		size_t si = i % M;
		double yhat = level + trend + seas[si], up = yhat + de * dev[si], old = level;
		int f = 0;
		pred[i] = yhat;
		band[i] = up;
		if (i >= 2 * M)
			f = y[i] > up && y[i] - yhat >= minx;
		/* the window: failures among the last W hours */
		nfail += (size_t)f;
		if (i >= 2 * M + W)
			nfail -= fail[(i - W) % 1024];
		fail[i % 1024] = (uint8_t)f;
		if (i >= 2 * M && nfail >= F) {
			int64_t t = (h0 + (int64_t)i) * 3600000000LL;
			if (!cur || i > last_alarm + W) {
				if (!(cur = new_alert(a)))
					return VG_ENOMEM;
				cur->detector = VG_DET_SEASONAL;
				cur->proto = proto;
				cur->port = port;
				cur->period_s = 3600;
				cur->time_us = t;
				cur->value = -HUGE_VAL;
				cur->severity = VG_SEV_LOW;
			}
			cur->last_us = t;
			cur->end_us = 0;
			last_alarm = i;
			if (y[i] > cur->value) {
				char ts[24];
				time_t tt = (time_t)(t / 1000000);
				struct tm tm;
				gmtime_r(&tt, &tm);
				strftime(ts, sizeof ts, "%Y-%m-%d %H:00", &tm);
				cur->value = y[i];
				cur->baseline = yhat;
				cur->threshold = up;
				if (y[i] >= 2 * up && y[i] >= 10)
					cur->severity = VG_SEV_MEDIUM;
				snprintf(cur->summary, sizeof cur->summary,
					 "%s: %.0f sources in the hour from %s UTC vs %.1f expected (band "
					 "%.1f); %zu of the last %zu hours above the band",
					 ps, y[i], ts, yhat, up, nfail, W);
			}
			j = i > 48 ? i - 48 : 0;
			if (vgi_set_evidence(cur, "sources per hour", h0 * 3600000000LL, 3600, y, band, j, i))
				return VG_ENOMEM;
		} else if (cur && i == last_alarm + 1) {
			cur->end_us = (h0 + (int64_t)i) * 3600000000LL;
		}
		/* Holt-Winters update (Brutlag 2000) */
		level = al_ * (y[i] - seas[si]) + (1 - al_) * (level + trend);
		trend = be * (level - old) + (1 - be) * trend;
		seas[si] = ga * (y[i] - level) + (1 - ga) * seas[si];
		dev[si] = ga * fabs(y[i] - yhat) + (1 - ga) * dev[si];
	}
	return VG_OK;
}

/* ------------------------------------------------------------ big single sources */

struct srcday {
	uint32_t src;
	int32_t day;
	uint32_t conns;
};

static int cmp_srcday(const void *x, const void *y)
{
	const struct srcday *a = x, *b = y;
	if (a->src != b->src)
		return a->src < b->src ? -1 : 1;
	return a->day < b->day ? -1 : a->day > b->day;
}

/* The rows of a map of index << 16 | day -> count that keep() takes,
 * sorted by index, then day, into *out (the caller frees it). */
static int day_rows(const vg_alerts *a, const vgi_u64map *m,
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

static int big_keep(const vg_alerts *a, uint64_t key, uint32_t val)
{
	uint32_t tot = vgi_u64map_get(&a->d_conn, key & 0xffff);
	return val >= a->site->ak[VGI_AK_BIG_MIN] && (double)val > a->site->ak[VGI_AK_BIG_SHARE] * tot;
}

/* 5. One source that alone carries more than big-share of a day's
 * unsolicited connections (and at least big-min of them); consecutive days
 * of the same source are one alert. */
static int big_sources(vg_alerts *a)
{
	const double share = a->site->ak[VGI_AK_BIG_SHARE];
	struct srcday *c;
	size_t n, i;
	vg_alert *cur = NULL;

	if (day_rows(a, &a->sd_conn, big_keep, &c, &n) != VG_OK)
		return VG_ENOMEM;
	for (i = 0; i < n; i++) {
		uint32_t tot = vgi_u64map_get(&a->d_conn, (uint64_t)c[i].day);
		double sh = (double)c[i].conns / tot;
		char ab[46], ds[11];
		if (!cur || i == 0 || c[i].src != c[i - 1].src || c[i].day != c[i - 1].day + 1) {
			if (!(cur = new_alert(a))) {
				free(c);
				return VG_ENOMEM;
			}
			cur->detector = VG_DET_BIG;
			cur->period_s = 86400;
			cur->has_source = 1;
			cur->source = a->src.addr[c[i].src];
			cur->family = a->src.family[c[i].src];
			cur->time_us = vgi_day_start_us(a->site, c[i].day);
			cur->value = -1;
			cur->threshold = share;
		}
		cur->last_us = vgi_day_start_us(a->site, c[i].day);
		cur->end_us = vgi_day_start_us(a->site, c[i].day + 1);
		if (sh > cur->value) {
			double ev[2] = {c[i].conns, tot};
			vg_addr_format(&cur->source, cur->family == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4, ab);
			day_text(c[i].day, ds);
			cur->value = sh;
			cur->baseline = tot;
			cur->severity = sh >= 0.5 ? VG_SEV_HIGH : VG_SEV_MEDIUM;
			snprintf(cur->summary, sizeof cur->summary,
				 "%s: %u of the %u unsolicited connections on %s (%.1f %% > %g %%)",
				 ab, c[i].conns, tot, ds, 100 * sh, 100 * share);
			if (vgi_set_evidence(cur, "connections of the source, of the day", cur->last_us, 0, ev,
					 NULL, 0, 1)) {
				free(c);
				return VG_ENOMEM;
			}
		}
	}
	free(c);
	return VG_OK;
}

/* ------------------------------------------------------------ backscatter */

/* 8. A new victim: an address that sent at least backscatter-packets
 * packets of backscatter on a day and none on any day before it in the
 * data (with a store: the alert-days the alerts read). One alert per
 * victim, on its first such day. */
static int backscatter_alerts(vg_alerts *a)
{
	const double minp = a->site->ak[VGI_AK_BACKSCATTER_PACKETS];
	struct srcday *c = NULL;
	size_t n = 0, it, i;
	uint64_t key;
	uint32_t val;
	vgi_u64map best, bestp, nports; /* victim << 16 | day -> port, its packets, ports */

	if (vgi_u64map_init(&best, 0) || vgi_u64map_init(&bestp, 0) || vgi_u64map_init(&nports, 0)) {
		vgi_u64map_free(&best);
		vgi_u64map_free(&bestp);
		return VG_ENOMEM;
	}
	for (it = 0; vgi_u64map_next(&a->vdp_pkts, &it, &key, &val);) {
		uint64_t vd = key >> 24;
		uint32_t pp = (uint32_t)(key & 0xffffff), bp = vgi_u64map_get(&bestp, vd);
		vgi_u64map_add(&nports, vd, 1);
		if (val > bp || (val == bp && pp < vgi_u64map_get(&best, vd))) {
			vgi_u64map_put(&bestp, vd, val);
			vgi_u64map_put(&best, vd, pp);
		}
	}
	if (day_rows(a, &a->vd_pkts, NULL, &c, &n) != VG_OK) {
		vgi_u64map_free(&best);
		vgi_u64map_free(&bestp);
		vgi_u64map_free(&nports);
		return VG_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		uint64_t vd = (uint64_t)c[i].src << 16 | (uint32_t)c[i].day;
		uint32_t bpp = vgi_u64map_get(&best, vd), np = vgi_u64map_get(&nports, vd);
		char ab[46], ds[11], pt[24];
		double ev[1];
		vg_alert *al;
		/* only the victim's first day in the data, and only a large one */
		if ((i > 0 && c[i - 1].src == c[i].src) || c[i].conns < minp)
			continue;
		if (!(al = new_alert(a)))
			break;
		al->detector = VG_DET_BACKSCATTER;
		al->period_s = 86400;
		al->has_source = 1;
		al->source = a->victim.addr[c[i].src];
		al->family = a->victim.family[c[i].src];
		al->time_us = al->last_us = vgi_day_start_us(a->site, c[i].day);
		al->end_us = vgi_day_start_us(a->site, c[i].day + 1);
		al->value = c[i].conns;
		al->baseline = 0;
		al->threshold = minp;
		al->severity = c[i].conns >= 10 * minp ? VG_SEV_HIGH : VG_SEV_MEDIUM;
		vg_addr_format(&al->source, al->family == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4, ab);
		day_text(c[i].day, ds);
		if ((bpp >> 16) == 1 || (bpp >> 16) == 58)
			snprintf(pt, sizeof pt, "%s type %u", (bpp >> 16) == 1 ? "icmp" : "icmp6",
				 (bpp >> 8) & 0xff);
		else
			port_text((uint8_t)(bpp >> 16), (int32_t)(bpp & 0xffff), pt, sizeof pt);
		snprintf(al->summary, sizeof al->summary,
			 "new backscatter victim %s: %u packets on %s (>= %g), most from its %s"
			 " (%u port%s): answers to packets spoofed in our name",
			 ab, c[i].conns, ds, minp, pt, np, np == 1 ? "" : "s");
		ev[0] = c[i].conns;
		if (vgi_set_evidence(al, "backscatter packets of the victim, per day", al->time_us, 86400,
				 ev, NULL, 0, 0))
			break;
	}
	vgi_u64map_free(&best);
	vgi_u64map_free(&bestp);
	vgi_u64map_free(&nports);
	free(c);
	return i < n ? VG_ENOMEM : VG_OK;
}

/* ------------------------------------------------------------ scan events */

static int scan_alerts(vg_alerts *a)
{
	size_t i;
	for (i = 0; i < a->n_scans; i++) {
		const struct vgi_scanrec *r = &a->scans[i];
		vg_alert *al = new_alert(a);
		char ab[46], det[800];
		if (!al)
			return VG_ENOMEM;
		vg_addr_format(&r->scanner, r->family == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4, ab);
		al->detector = VG_DET_SCAN;
		al->severity = a->site->scan_alert_severity;
		al->time_us = r->first_us;
		al->last_us = r->last_us;
		al->end_us = r->last_us;
		al->has_source = 1;
		al->source = r->scanner;
		al->family = r->family;
		al->scan_id = r->id;
		al->value = (double)r->flows;
		if (r->n_ports == 1) {
			/* "tcp:445" -> one port */
			const char *c = strchr(r->ports, ':');
			int pc = strncmp(r->ports, "tcp", 3) == 0 ? 6 : strncmp(r->ports, "udp", 3) == 0 ? 17 : 0;
			if (c && pc && strspn(c + 1, "0123456789") == strlen(c + 1)) {
				al->proto = (uint8_t)pc;
				al->port = atoi(c + 1);
			}
		}
		snprintf(al->summary, sizeof al->summary, "scan #%u from %s%s%s%s: %s %s on %u host%s, "
			 "%llu flows (%llu answered)", r->id, ab, r->known_copy ? " (" : "",
			 r->known_copy ? r->known_copy : "", r->known_copy ? ")" : "", r->type, r->ports,
			 r->targets, r->targets == 1 ? "" : "s", (unsigned long long)r->flows,
			 (unsigned long long)r->answered);
		snprintf(det, sizeof det, "%s %s; %s", r->type, r->ports, r->why);
		al->series = "scan event";
		al->scan_targets = r->targets;
		if (!(al->detail = strdup(det)) || !(al->scan_ports = strdup(r->ports)))
			return VG_ENOMEM;
	}
	return VG_OK;
}

/* ------------------------------------------------------------ finish */

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

static int detect_ports(vg_alerts *a)
{
	vgi_u64map nsrc, ndst, nnew, ptot, nh_;
	const vgi_u64map *nh = &nh_;
	struct kv *hv = NULL;
	unsigned *ports = NULL;
	size_t n_ports = 0, cap_ports = 0, n_hv = 0, it, i, j, hpos = 0;
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
	for (it = 0; vgi_u64map_next(&ptot, &it, &key, &val);) {
		if (val < minsrc)
			continue;
		if (n_ports == cap_ports) {
			unsigned *np;
			cap_ports = cap_ports ? cap_ports * 2 : 256;
			if (!(np = realloc(ports, cap_ports * sizeof *np)))
				goto out;
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

	S.n = (size_t)(d1 - d0) + 1;
	S.d0 = d0;
	if (!(S.conn = calloc(S.n, sizeof *S.conn)) || !(S.src = calloc(S.n, sizeof *S.src)) ||
	    !(S.dst = calloc(S.n, sizeof *S.dst)) || !(S.nw = calloc(S.n, sizeof *S.nw)) ||
	    !(S.exp1 = calloc(S.n, sizeof *S.exp1)) || !(S.exp2 = calloc(S.n, sizeof *S.exp2)) ||
	    !(S.exp3 = calloc(S.n, sizeof *S.exp3)) || !(S.alarm = calloc(S.n, 1)) ||
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
			if ((rc = hourly_detector(a, (unsigned)pk, hy, nhours, h0, hp, hb)) != VG_OK)
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
	free(S.conn);
	free(S.src);
	free(S.dst);
	free(S.nw);
	free(S.exp1);
	free(S.exp2);
	free(S.exp3);
	free(S.alarm);
	free(tmp);
	free(hy);
	free(hp);
	free(hb);
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
	if ((rc = async_stop(a)) != VG_OK)
		return rc;
	if (a->acc) {
		rc = vgi_alerts_add_rollup(a, a->acc);
		vgi_rollup_free(a->acc);
		free(a->acc);
		a->acc = NULL;
		if (rc != VG_OK)
			return rc;
	}
	a->finished = 1;
	if ((rc = detect_ports(a)) != VG_OK || (rc = big_sources(a)) != VG_OK ||
	    (rc = scan_alerts(a)) != VG_OK || (rc = backscatter_alerts(a)) != VG_OK)
		return rc;
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
