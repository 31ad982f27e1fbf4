/*
 * study.c - the seed study (eCSIRT.net 2004, slides 5-18) over merged
 * flows: every connection is classified against the site; the unsolicited
 * ones feed a handful of counter maps keyed by packed integers (source x
 * day, source x port, host x source, ...), from which vg_study_finish
 * derives every table of the report. Sources and hosts get dense indices so
 * that the keys stay 64-bit; every map has a cap (see u64map.h).
 *
 * Definitions (docs/report.md): a source's days active are the distinct
 * days (in the site's zone) with at least one unsolicited connection; a
 * new source is counted on its first such day; an ICMP source sent at least
 * one unsolicited ICMP/ICMPv6 connection in the period.
 */
#include <stdarg.h>
#include <stdlib.h>

#include "analyze/analyze.h"
#include "analyze/hold.h"
#include "analyze/rollup.h"
#include "core/worker.h"

#define MAX_SOURCES ((size_t)1 << 31)
#define MAX_HOSTS ((size_t)1 << 24)
#define HOSTDAY_HOSTS 4096      /* per-host-per-day tables for the first hosts */
#define MAP_CAP ((size_t)1 << 28)
#define MAX_DAYS 200000
#define DAYK(d) ((uint64_t)(((d) + 524288) & 0xFFFFF))
#define UNDAYK(k) ((int32_t)((k) & 0xFFFFF) - 524288)

int32_t vgi_study_day(const vg_site *s, int64_t us)
{
	int64_t sec = us / 1000000 - (us % 1000000 < 0), d;
	sec += s->tz.n ? vgi_tz_offset(&s->tz, sec) : s->tz_offset_s;
	d = sec / 86400 - (sec % 86400 < 0);
	return (int32_t)d;
}

void vgi_day_format(int32_t day, char out[11])
{
	int y;
	unsigned m, d;
	vgi_civil_from_days(day, &y, &m, &d);
	snprintf(out, 11, "%04d-%02u-%02u", y, m, d);
}

static int pgroup(const vg_flow *f)
{
	switch (f->proto) {
	case 6: return VGI_PG_TCP;
	case 17: return VGI_PG_UDP;
	case 1:
	case 58: return VGI_PG_ICMP;
	}
	return VGI_PG_OTHER;
}

int vg_study_create(vg_study **stp, const vg_site *site, char *err, size_t errlen)
{
	vg_study *st = calloc(1, sizeof *st);
	int rc;
	*stp = st;
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return VG_ENOMEM;
	}
	st->site = site;
	st->without = VG_WITHOUT_PORTSCANS;
	st->text_width = VG_TEXT_WIDTH;
	st->first_us = INT64_MAX;
	st->last_us = INT64_MIN;
	if ((rc = vgi_portdb_load(&st->ports, site->services_file, err, errlen)) != VG_OK)
		return rc;
	if (vgi_addrtab_init(&st->srcs, MAX_SOURCES - 1) ||
	    vgi_addrtab_init(&st->hosts, MAX_HOSTS) ||
	    vgi_u64map_init(&st->srcday, MAP_CAP) || vgi_u64map_init(&st->matrix, MAP_CAP) ||
	    vgi_u64map_init(&st->portvol_ix, MAP_CAP) ||
	    vgi_u64set_init(&st->hostsrc, MAP_CAP) ||
	    vgi_u64set_init(&st->hostdaysrc, MAP_CAP) ||
	    vgi_u64map_init(&st->hostdayp, MAP_CAP) || vgi_u64map_init(&st->pdaysrc, MAP_CAP) ||
	    vgi_u64map_init(&st->hotdaysrc, MAP_CAP) || vgi_u64map_init(&st->icmpsrc, MAP_CAP) ||
	    vgi_u64map_init(&st->srcday_ns, MAP_CAP) || vgi_u64map_init(&st->matrix_scan, MAP_CAP) ||
	    vgi_u64map_init(&st->hotdaysrc_ns, MAP_CAP) || vgi_u64map_init(&st->dayscan, MAP_CAP)) {
		snprintf(err, errlen, "out of memory");
		return VG_ENOMEM;
	}
	return VG_OK;
}

static void free_results(struct vgi_results *r)
{
	size_t i;
	free(r->days);
	free(r->hosts);
	free(r->hostdays);
	free(r->ports);
	for (i = 0; i < VGI_MAX_HOT; i++)
		free(r->hot[i]);
	free(r->icmp);
	free(r->top);
	free(r->bs_days);
	free(r->victims);
	memset(r, 0, sizeof *r);
}

/* Waits for the worker (if any) to finish what it was given. */
static int join_worker(vg_study *st)
{
	if (st->worker) {
		int rc = vgi_flowq_stop(st->worker);
		st->worker = NULL;
		if (rc != VG_OK && st->worker_rc == VG_OK)
			st->worker_rc = rc;
	}
	return st->worker_rc;
}

void vg_study_free(vg_study *st)
{
	if (!st)
		return;
	join_worker(st);
	vgi_portdb_free(st->ports);
	free(st->src);
	free(st->bs);
	free(st->rowbuf);
	vgi_addrtab_free(&st->srcs);
	vgi_addrtab_free(&st->hosts);
	free(st->host_conns);
	free(st->dayvol);
	free(st->portvol);
	vgi_u64map_free(&st->portvol_ix);
	vgi_u64map_free(&st->srcday);
	vgi_u64map_free(&st->matrix);
	vgi_u64map_free(&st->hostsrc);
	vgi_u64map_free(&st->hostdaysrc);
	vgi_u64map_free(&st->hostdayp);
	vgi_u64map_free(&st->pdaysrc);
	vgi_u64map_free(&st->hotdaysrc);
	vgi_u64map_free(&st->icmpsrc);
	if (st->hold) {
		vgi_hold_free(st->hold);
		free(st->hold);
	}
	vgi_u64map_free(&st->srcday_ns);
	vgi_u64map_free(&st->matrix_scan);
	vgi_u64map_free(&st->hotdaysrc_ns);
	vgi_u64map_free(&st->dayscan);
	{
		size_t i;
		for (i = 0; i < st->n_scans; i++)
			free(st->scans[i].ports_long);
		free(st->scans);
		free(st->conns_by_id);
		for (i = 0; i < st->n_known_names; i++)
			free(st->known_names[i]);
	}
	if (st->acc) {
		vgi_rollup_free(st->acc);
		free(st->acc);
	}
	free_results(&st->res);
	free(st);
}

void vg_study_set_alerts(vg_study *st, const vg_alerts *a)
{
	join_worker(st);
	st->alerts = a;
}

void vg_study_set_records(vg_study *st, uint64_t n)
{
	join_worker(st);
	st->records_read = n;
}

static int add_tagged_sync(void *user, const vg_flow *flows, const uint32_t *ids,
			   size_t n);

int vg_study_set_async(vg_study *st, int on)
{
	if (!st || st->finished)
		return VG_EINVAL;
	if (!on)
		return join_worker(st);
	if (st->worker)
		return VG_OK;
	/* no thread: the adds stay synchronous */
	(void)vgi_flowq_start(&st->worker, add_tagged_sync, st);
	return VG_OK;
}

/* ------------------------------------------------------- address tables */

/* Source and host indices come from two vgi_addrtab; the per-index counts
 * live beside them in arrays grown to the table's size. Returns the index
 * or -1 (refused: the cap or memory, counted in the table's n_refused). */
static int64_t src_index_of(vg_study *st, const vg_addr *a, uint8_t fam)
{
	size_t n0 = st->srcs.n;
	int64_t i;
	if (n0 == st->cap_src) {
		size_t cap = st->cap_src ? st->cap_src * 2 : 1024;
		struct vgi_srcinfo *n = realloc(st->src, cap * sizeof *n);
		if (!n) {
			st->srcs.n_refused++;
			return -1;
		}
		st->src = n;
		st->cap_src = cap;
	}
	if ((i = vgi_addrtab_index(&st->srcs, a, fam)) >= 0 && (size_t)i == n0) {
		struct vgi_srcinfo *sp = &st->src[i];
		memset(sp, 0, sizeof *sp);
		sp->first_day = INT32_MAX;
		sp->last_day = INT32_MIN;
		sp->first_day_ns = INT32_MAX;
		sp->hist_first = INT32_MAX;
		sp->hist_first_ns = INT32_MAX;
	}
	return i;
}

static int64_t host_index(vg_study *st, const vg_flow *f)
{
	size_t n0 = st->hosts.n;
	int64_t i;
	if (n0 == st->cap_host) {
		size_t cap = st->cap_host ? st->cap_host * 2 : 64;
		uint64_t *nc = realloc(st->host_conns, cap * sizeof *nc);
		if (!nc) {
			st->hosts.n_refused++;
			return -1;
		}
		st->host_conns = nc;
		st->cap_host = cap;
	}
	if ((i = vgi_addrtab_index(&st->hosts, &f->daddr, f->family)) >= 0 && (size_t)i == n0)
		st->host_conns[i] = 0;
	return i;
}

static int hot_index(const vg_site *s, const vg_flow *f)
{
	size_t i;
	for (i = 0; i < s->n_hot; i++)
		if (s->hot[i].proto == f->proto && s->hot[i].port == f->dport)
			return (int)i;
	return -1;
}

/* ------------------------------------------------------------- adding */

void vgi_scan_event(const vg_study *st, const struct vgi_scan *s, vg_scan_event *e)
{
	memset(e, 0, sizeof *e);
	e->id = s->id;
	e->scanner = s->scanner;
	e->family = s->family;
	e->detectors = s->detectors;
	e->protos = s->protos;
	e->first_us = s->first_us;
	e->last_us = s->last_us;
	e->flows = s->flows;
	e->answered = s->answered;
	e->unanswered = s->unanswered;
	e->targets = s->targets;
	e->n_ports = s->n_ports;
	e->score = s->score;
	e->kind = s->kind;
	e->campaign = s->campaign;
	e->tcp_probes = s->tcp_probes;
	e->n_reset = s->n_reset;
	e->n_silent = s->n_silent;
	e->known = s->known ? st->known_names[s->known - 1] : NULL;
}

static uint32_t sat32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

int vg_study_set_without(vg_study *st, int what)
{
	if (what < VG_WITHOUT_PORTSCANS || what > VG_WITHOUT_ALL || st->srcs.n)
		return VG_EINVAL;
	st->without = what;
	return VG_OK;
}

const char *vg_without_name(int what)
{
	return what == VG_WITHOUT_SWEEPS ? "sweeps" : what == VG_WITHOUT_ALL ? "all" : "port-scans";
}

int vg_without_parse(const char *s)
{
	if (strcmp(s, "port-scans") == 0)
		return VG_WITHOUT_PORTSCANS;
	if (strcmp(s, "sweeps") == 0)
		return VG_WITHOUT_SWEEPS;
	if (strcmp(s, "all") == 0)
		return VG_WITHOUT_ALL;
	return -1;
}

int vg_study_add_scan(vg_study *st, const struct vg_scan_event *e)
{
	int rc = vgi_study_add_scan_conns(st, e, UINT64_MAX);
	return rc == VG_OK ? rc : vgi_study_fail(st, rc, "out of memory keeping scan event %u (%zu kept)",
				       e->id, st->n_scans);
}

/* conns: the event's unsolicited connections, or UINT64_MAX to count them
 * from the connections added with its id */
int vgi_study_add_scan_conns(vg_study *st, const struct vg_scan_event *e, uint64_t conns)
{
	struct vgi_scan *sc;
	char buf[8192];
	size_t n;
	if (vgi_grow(&st->scans, &st->cap_scans, st->n_scans, sizeof *st->scans, 64, SIZE_MAX))
		return VG_ENOMEM;
	sc = &st->scans[st->n_scans];
	memset(sc, 0, sizeof *sc);
	sc->id = e->id;
	sc->scanner = e->scanner;
	sc->family = e->family;
	sc->detectors = e->detectors;
	sc->protos = e->protos;
	sc->first_us = e->first_us;
	sc->last_us = e->last_us;
	sc->flows = sat32(e->flows);
	sc->answered = sat32(e->answered);
	sc->unanswered = sat32(e->unanswered);
	sc->targets = e->targets;
	sc->n_ports = e->n_ports;
	sc->score = (float)e->score;
	sc->kind = (uint8_t)vgi_scan_kind(st->site, e);
	sc->campaign = e->campaign;
	sc->tcp_probes = e->tcp_probes;
	sc->n_reset = e->n_reset;
	sc->n_silent = e->n_silent;
	if (conns != UINT64_MAX) {
		sc->conns = sat32(conns);
		sc->conns_set = 1;
	}
	if (e->known) {
		size_t k;
		for (k = 0; k < st->n_known_names; k++)
			if (strcmp(st->known_names[k], e->known) == 0)
				break;
		if (k == st->n_known_names && k < 255 &&
		    (st->known_names[k] = strdup(e->known)) != NULL)
			st->n_known_names++;
		if (k < st->n_known_names)
			sc->known = (uint8_t)(k + 1);
	}
	n = vg_scan_ports_format(e, buf, sizeof buf);
	if (n < sizeof sc->ports_inl)
		memcpy(sc->ports_inl, buf, n + 1);
	else if (!(sc->ports_long = strdup(buf)))
		return VG_ENOMEM;
	st->n_scans++;
	st->scans_known = 1;
	return VG_OK;
}

int vg_study_add(vg_study *st, const vg_flow *flows, size_t n)
{
	return vg_study_add_tagged(st, flows, NULL, n);
}

int vg_study_add_tagged(vg_study *st, const vg_flow *flows, const uint32_t *ids, size_t n)
{
	int rc;
	/* set here, not by the worker: vg_study_add_scan writes it too */
	if (ids)
		st->scans_known = 1;
	if (st->worker) {
		vgi_flowq_add(st->worker, flows, ids, n);
		return VG_OK; /* its errors come out of vg_study_finish */
	}
	if ((rc = add_tagged_sync(st, flows, ids, n)) != VG_OK)
		vgi_study_fail(st, rc, "out of memory counting connections (%zu sources, %zu hosts)", st->srcs.n,
		     st->hosts.n);
	return rc;
}

/* Rows held before they are folded into the maps: a bound on the
 * accumulator, not a limit on anything reported. */
#define ACC_ROWS ((size_t)1 << 20)

/* Connections become rows (rollup.c), and rows become the study's maps
 * (vgi_study_add_rollup): the same path as rows read back from a store. */
static int add_tagged_sync(void *user, const vg_flow *flows, const uint32_t *ids,
			   size_t n)
{
	vg_study *st = user;
	size_t k;
	int rc = VG_OK;
	if (!st->acc) {
		if (!(st->acc = malloc(sizeof *st->acc)))
			return VG_ENOMEM;
		if (vgi_rollup_init(st->acc) != VG_OK) {
			free(st->acc);
			st->acc = NULL;
			return VG_ENOMEM;
		}
	}
	for (k = 0; k < n; k++) {
		uint32_t id = ids ? ids[k] : 0;
		/* classified here only when it may be held; else the rollup does it */
		int cls = id && flows[k].kind == VG_REC_FLOW ? vg_site_classify(st->site, &flows[k]) : -1;
		if (!id || cls != VG_CLASS_UNSOLICITED) {
			if (vgi_rollup_add_conn(st->acc, st->site, &flows[k], 0, NULL) != VG_OK)
				rc = VG_ENOMEM;
			continue;
		}
		if (id >= st->cap_by_id) {
			size_t cap = st->cap_by_id ? st->cap_by_id : 1024;
			uint32_t *nb;
			while (cap <= id)
				cap += cap / 2;
			if ((nb = realloc(st->conns_by_id, cap * sizeof *nb))) {
				memset(nb + st->cap_by_id, 0, (cap - st->cap_by_id) * sizeof *nb);
				st->conns_by_id = nb;
				st->cap_by_id = cap;
			}
		}
		if (id < st->cap_by_id)
			st->conns_by_id[id]++;
		/* counted when the study finishes, with the kind of its event
		 * (vg_study_add_scan) */
		if (!st->hold && (st->hold = malloc(sizeof *st->hold)) &&
		    vgi_hold_init(st->hold) != VG_OK) {
			free(st->hold);
			st->hold = NULL;
		}
		if (!st->hold || vgi_hold_add(st->hold, id, &flows[k]) != VG_OK)
			rc = VG_ENOMEM;
	}
	if (vgi_rollup_rows(st->acc) >= ACC_ROWS) {
		if (vgi_study_add_rollup(st, st->acc) != VG_OK)
			rc = VG_ENOMEM;
		vgi_rollup_clear(st->acc);
	}
	return rc;
}

static uint32_t sat_u32(int64_t v)
{
	return v <= 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

#define FOLD_BATCH 32

/* The connections of a src_day or src_port row (conns, scan_conns,
 * sweep_conns) that the figures "without scans" leave out. */
static uint64_t left_out(const vg_study *st, const int64_t *v)
{
	uint64_t n = 0;
	if (st->without & VG_WITHOUT_PORTSCANS)
		n += (uint64_t)(v[1] - v[2]);
	if (st->without & VG_WITHOUT_SWEEPS)
		n += (uint64_t)v[2];
	return n;
}

/* The connections held for their events (vg_study_add_tagged) into the
 * rows, each with its event's kind; an event never given counts as a port
 * scan. */
static int release_held(vg_study *st)
{
	size_t i, j, n;
	int rc = VG_OK;
	for (i = 0; i < st->n_scans; i++) {
		vg_flow *f = vgi_hold_take(st->hold, st->scans[i].id, &n);
		for (j = 0; j < n; j++)
			if (vgi_rollup_add_conn(st->acc, st->site, &f[j], st->scans[i].kind, NULL))
				rc = VG_ENOMEM;
		free(f);
	}
	while (st->hold->n_ev) {
		vg_flow *f = vgi_hold_take(st->hold, st->hold->ev[0].id, &n);
		for (j = 0; j < n; j++)
			if (vgi_rollup_add_conn(st->acc, st->site, &f[j], VG_SCAN_PORTSCAN, NULL))
				rc = VG_ENOMEM;
		free(f);
	}
	vgi_hold_free(st->hold);
	free(st->hold);
	st->hold = NULL;
	return rc;
}

/* Folds rows into the study's maps. Every figure is derived from these
 * maps by vg_study_finish, whether the rows were counted from connections
 * just now or read back from a store. */
static int add_rollup(vg_study *st, const struct vgi_rollup *r);

int vgi_study_add_rollup(vg_study *st, const struct vgi_rollup *r)
{
	int rc = add_rollup(st, r);
	if (rc == VG_ENOMEM)
		vgi_study_fail(st, rc, "out of memory folding %zu day rollup rows into the study "
			       "(%zu sources, %zu hosts)", vgi_rollup_rows(r), st->srcs.n, st->hosts.n);
	return rc;
}

/* A day's volume, added to its entry (a day has one row per fold; the
 * newest days are at the end). */
static void add_dayvol(vg_study *st, int32_t day, uint64_t pkts, uint64_t bytes)
{
	size_t i = st->n_dayvol;
	while (i > 0 && st->dayvol[i - 1].day != day)
		i--;
	if (i == 0) {
		if (st->n_dayvol == st->cap_dayvol) {
			size_t cap = st->cap_dayvol ? st->cap_dayvol * 2 : 64;
			struct vgi_dayvol *n = realloc(st->dayvol, cap * sizeof *n);
			if (!n)
				return; /* the volume of that day is then missing, not wrong */
			st->dayvol = n;
			st->cap_dayvol = cap;
		}
		st->dayvol[st->n_dayvol] = (struct vgi_dayvol){day, 0, 0};
		i = ++st->n_dayvol;
	}
	st->dayvol[i - 1].pkts += pkts;
	st->dayvol[i - 1].bytes += bytes;
}

/* the classes and the first and last time, per day */
static void fold_days(vg_study *st, const struct vgi_rtab *t)
{
	struct vgi_key k;
	const int64_t *v;
	size_t i;

	for (i = 0; i < t->n; i++) {
		int c;
		vgi_rtab_row(t, i, &k, &v);
		for (c = 0; c < VG_CLASS__COUNT; c++)
			st->n_class[c] += (uint64_t)v[c];
		if (v[VGI_DAY_UNSOL_PKTS] || v[VGI_DAY_UNSOL_BYTES])
			add_dayvol(st, k.day, (uint64_t)v[VGI_DAY_UNSOL_PKTS],
				   (uint64_t)v[VGI_DAY_UNSOL_BYTES]);
		if (v[VGI_DAY_FIRST_US] < st->first_us)
			st->first_us = v[VGI_DAY_FIRST_US];
		if (v[VGI_DAY_LAST_US] > st->last_us)
			st->last_us = v[VGI_DAY_LAST_US];
	}
}

/* backscatter rows, kept as they are (finish_backscatter) */
static void fold_backscatter(vg_study *st, const struct vgi_rtab *t)
{
	struct vgi_key k;
	const int64_t *v;
	size_t i;

	for (i = 0; i < t->n; i++) {
		struct vgi_bsrow *b;
		vgi_rtab_row(t, i, &k, &v);
		if (st->n_bs == st->cap_bs) {
			size_t cap = st->cap_bs ? st->cap_bs * 2 : 64;
			struct vgi_bsrow *nb;
			if (st->n_bs >= VGI_BS_ROWS_MAX || !(nb = realloc(st->bs, cap * sizeof *nb))) {
				st->dropped_bs++;
				continue;
			}
			st->bs = nb;
			st->cap_bs = cap;
		}
		b = &st->bs[st->n_bs++];
		b->victim = k.a1;
		b->family = k.fam1;
		b->day = k.day;
		b->proto = k.proto;
		b->port = k.port;
		b->conns = (uint64_t)v[VGI_BS_CONNS];
		b->pkts = (uint64_t)v[VGI_BS_PKTS];
		b->bytes = (uint64_t)v[VGI_BS_BYTES];
		b->first_us = v[VGI_BS_FIRST_US];
		b->last_us = v[VGI_BS_LAST_US];
	}
}

/* per source and day: the sources' counts, days and "without scans" parts */
static void fold_src_days(vg_study *st, const struct vgi_rtab *t)
{
	struct vgi_key k;
	const int64_t *v;
	size_t i;

	for (i = 0; i < t->n; i++) {
		int64_t si;
		uint64_t dk, conns, scan;
		struct vgi_srcinfo *sp;
		vgi_rtab_row(t, i, &k, &v);
		if ((si = src_index_of(st, &k.a1, k.fam1)) < 0)
			continue;
		sp = &st->src[si];
		dk = DAYK(k.day);
		conns = (uint64_t)v[0];
		scan = left_out(st, v);
		sp->conns += conns;
		sp->conns_ns += conns - scan;
		sp->ps_conns += (uint64_t)(v[1] - v[2]);
		sp->sw_conns += (uint64_t)v[2];
		sp->pkts += (uint64_t)v[VGI_SD_PKTS];
		sp->bytes += (uint64_t)v[VGI_SD_BYTES];
		if (k.day < sp->first_day)
			sp->first_day = k.day;
		if (k.day > sp->last_day)
			sp->last_day = k.day;
		vgi_u64map_add(&st->srcday, (uint64_t)si << 20 | dk, sat_u32(v[0]));
		if (conns > scan) {
			if (k.day < sp->first_day_ns)
				sp->first_day_ns = k.day;
			vgi_u64map_add(&st->srcday_ns, (uint64_t)si << 20 | dk,
				       sat_u32((int64_t)(conns - scan)));
		}
		if (v[1])
			vgi_u64map_add(&st->dayscan, dk, sat_u32(v[1]));
	}
}

/* per source, port and day: the matrix, protocols, hot ports and ICMP */
static void fold_src_ports(vg_study *st, const struct vgi_rtab *t)
{
	const int64_t *v;
	size_t i;

	for (i = 0; i < t->n; i += FOLD_BATCH) {
		/* a batch: the sources looked up and the big maps' slots asked
		 * for first, then the adds (their cache misses overlap) */
		struct {
			struct vgi_key k;
			const int64_t *v;
			int64_t si;
		} b[FOLD_BATCH];
		size_t j, nb = VGI_MIN(FOLD_BATCH, t->n - i);
		for (j = 0; j < nb; j++) {
			vgi_rtab_row(t, i + j, &b[j].k, &b[j].v);
			b[j].si = src_index_of(st, &b[j].k.a1, b[j].k.fam1);
			if (b[j].si >= 0) {
				uint64_t pp = (uint64_t)b[j].k.proto << 16 | b[j].k.port;
				vg_flow g;
				g.proto = b[j].k.proto;
				vgi_u64map_prefetch(&st->matrix, (uint64_t)b[j].si << 24 | pp);
				vgi_u64map_prefetch(&st->pdaysrc, (uint64_t)pgroup(&g) << 52 |
									  DAYK(b[j].k.day) << 32 |
									  (uint64_t)b[j].si);
			}
		}
		for (j = 0; j < nb; j++) {
			int64_t si = b[j].si;
			uint64_t dk, src, pp, conns, scan;
			struct vgi_srcinfo *sp;
			unsigned pg;
			vg_flow f;
			int hot, is_icmp;
			const struct vgi_key *kp = &b[j].k;
			v = b[j].v;
			if (si < 0)
				continue;
			sp = &st->src[si];
			src = (uint64_t)si;
			dk = DAYK(kp->day);
			conns = (uint64_t)v[0];
			scan = left_out(st, v);
			f.proto = kp->proto;
			pg = (unsigned)pgroup(&f);
			is_icmp = pg == VGI_PG_ICMP;
			pp = (uint64_t)kp->proto << 16 | kp->port;
			vgi_u64map_add(&st->matrix, src << 24 | pp, sat_u32(v[0]));
			if (scan)
				vgi_u64map_add(&st->matrix_scan, src << 24 | pp, sat_u32((int64_t)scan));
			vgi_u64map_add(&st->pdaysrc, (uint64_t)pg << 52 | dk << 32 | src, sat_u32(v[0]));
			f.dport = kp->port;
			hot = is_icmp ? -1 : hot_index(st->site, &f);
			if (hot >= 0) {
				vgi_u64map_add(&st->hotdaysrc, (uint64_t)hot << 52 | dk << 32 | src,
					       sat_u32(v[0]));
				if (conns > scan)
					vgi_u64map_add(&st->hotdaysrc_ns,
						       (uint64_t)hot << 52 | dk << 32 | src,
						       sat_u32((int64_t)(conns - scan)));
			}
			if (is_icmp) {
				sp->icmp = 1;
				if (conns > scan)
					sp->icmp_ns = 1;
				vgi_u64map_add(&st->icmpsrc, (uint64_t)(kp->proto == 58) << 48 |
							     (uint64_t)(kp->port >> 8) << 40 |
							     (uint64_t)(kp->port & 0xff) << 32 | src,
					       sat_u32(v[0]));
			}
		}
	}
}

/* per host, source and day: the hosts' counts */
static void fold_host_src(vg_study *st, const struct vgi_rtab *t)
{
	struct vgi_key k;
	const int64_t *v;
	size_t i;

	for (i = 0; i < t->n; i++) {
		int64_t si, hi;
		uint64_t dk;
		vg_flow f;
		vgi_rtab_row(t, i, &k, &v);
		f.daddr = k.a1;
		f.family = k.fam1;
		f.proto = k.proto;
		if ((si = src_index_of(st, &k.a2, k.fam2)) < 0 || (hi = host_index(st, &f)) < 0)
			continue;
		dk = DAYK(k.day);
		st->host_conns[hi] += (uint64_t)v[0];
		vgi_u64map_add(&st->hostsrc, (uint64_t)hi << 32 | (uint64_t)si, 1);
		if (hi < HOSTDAY_HOSTS)
			vgi_u64map_add(&st->hostdaysrc, (uint64_t)hi << 52 | dk << 32 | (uint64_t)si, 1);
		vgi_u64map_add(&st->hostdayp, (uint64_t)hi << 24 | dk << 4 | (uint64_t)pgroup(&f),
			       sat_u32(v[0]));
	}
}

/* per TCP/UDP/SCTP port: its volume (the other counts come from src_port) */
static int fold_port_host(vg_study *st, const struct vgi_rtab *t)
{
	struct vgi_key k;
	const int64_t *v;
	size_t i;

	for (i = 0; i < t->n; i++) {
		uint64_t pp;
		uint32_t ix;
		vgi_rtab_row(t, i, &k, &v);
		pp = (uint64_t)k.proto << 16 | k.port;
		if (!(ix = vgi_u64map_get(&st->portvol_ix, pp))) {
			if (vgi_grow(&st->portvol, &st->cap_portvol, st->n_portvol, sizeof *st->portvol,
				     256, SIZE_MAX))
				return VG_ENOMEM;
			st->portvol[st->n_portvol++] = (struct vgi_portvol){0, 0};
			ix = (uint32_t)st->n_portvol;
			if (vgi_u64map_put(&st->portvol_ix, pp, ix) < 0)
				return VG_ENOMEM;
		}
		st->portvol[ix - 1].pkts += (uint64_t)v[VGI_PH_PKTS];
		st->portvol[ix - 1].bytes += (uint64_t)v[VGI_PH_BYTES];
	}
	return VG_OK;
}

static int add_rollup(vg_study *st, const struct vgi_rollup *r)
{
	if (st->finished)
		return VG_EINVAL;
	fold_days(st, &r->t[VGI_T_DAY]);
	fold_backscatter(st, &r->t[VGI_T_BACKSCATTER]);
	fold_src_days(st, &r->t[VGI_T_SRC_DAY]);
	fold_src_ports(st, &r->t[VGI_T_SRC_PORT]);
	fold_host_src(st, &r->t[VGI_T_HOST_SRC]);
	return fold_port_host(st, &r->t[VGI_T_PORT_HOST]);
}

void vgi_study_src_history(vg_study *st, const vg_addr *a, uint8_t fam, int32_t first_day,
			   int32_t first_day_ns)
{
	/* only sources of the period matter; others would become sources */
	int64_t i = vgi_addrtab_find(&st->srcs, a);
	(void)fam;
	if (i >= 0) {
		struct vgi_srcinfo *sp = &st->src[i];
		if (first_day < sp->hist_first)
			sp->hist_first = first_day;
		if (first_day_ns < sp->hist_first_ns)
			sp->hist_first_ns = first_day_ns;
	}
}

/* ------------------------------------------------------------ finishing */

static int cmp_port(const void *a, const void *b)
{
	const struct vgi_port *x = a, *y = b;
	if (x->conns != y->conns)
		return x->conns > y->conns ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return x->port < y->port ? -1 : x->port > y->port;
}

static int cmp_addr(const vg_addr *a, const vg_addr *b)
{
	return memcmp(a, b, sizeof *a);
}

/* Keeps the best n of list[] (sorted by cmp_port order) */
static void top_insert(struct vgi_port *top, size_t *n, size_t cap,
		       const struct vgi_port *p)
{
	size_t i;
	if (*n == cap && cmp_port(p, &top[cap - 1]) >= 0)
		return;
	i = *n < cap ? (*n)++ : cap - 1;
	while (i > 0 && cmp_port(p, &top[i - 1]) < 0) {
		top[i] = top[i - 1];
		i--;
	}
	top[i] = *p;
}

static int cmp_src_by_conns(const void *a, const void *b, void *ctx)
{
	const vg_study *st = ctx;
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	const struct vgi_srcinfo *x = &st->src[i], *y = &st->src[j];
	if (x->conns != y->conns)
		return x->conns > y->conns ? -1 : 1;
	return cmp_addr(&st->srcs.addr[i], &st->srcs.addr[j]);
}

static int cmp_host(const void *a, const void *b)
{
	const struct vgi_host *x = a, *y = b;
	return cmp_addr(&x->addr, &y->addr);
}

static int cmp_hostday(const void *a, const void *b)
{
	const struct vgi_hostday *x = a, *y = b;
	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	return x->host < y->host ? -1 : x->host > y->host;
}

static int cmp_icmp(const void *a, const void *b)
{
	const struct vgi_icmp *x = a, *y = b;
	if (x->conns != y->conns)
		return x->conns > y->conns ? -1 : 1;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return x->code < y->code ? -1 : x->code > y->code;
}

/* Bucket bounds from the site's list b0 < b1 < ...: [1 .. b0-1] if b0 > 1,
 * [b0, b0], [b0+1, b1-1], [b1, b2-1], ..., [b_last, open). */
static size_t make_buckets(const vg_site *s, struct vgi_bucket *out)
{
	unsigned mins[VGI_MAX_BUCKETS + 2];
	size_t n = 0, i;
	if (s->buckets[0] > 1)
		mins[n++] = 1;
	mins[n++] = s->buckets[0];
	if (s->n_buckets > 1 && s->buckets[1] > s->buckets[0] + 1)
		mins[n++] = s->buckets[0] + 1;
	for (i = 1; i < s->n_buckets; i++)
		mins[n++] = s->buckets[i];
	if (s->n_buckets == 1)
		mins[n++] = s->buckets[0] + 1;
	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof out[i]);
		out[i].min_days = mins[i];
		out[i].max_days = i + 1 < n ? mins[i + 1] - 1 : 0;
	}
	return n;
}

static size_t bucket_of(const struct vgi_results *r, unsigned days)
{
	size_t i = r->n_buckets;
	while (i-- > 0)
		if (days >= r->buckets[i].min_days)
			return i;
	return 0;
}

/* The figures without the connections of scan events (slides 14-18). One
 * function (127 lines) on purpose: it mirrors finish's stages block by
 * block over the "_ns" maps, so the two can be read side by side. */
static int finish_no_scans(vg_study *st)
{
	struct vgi_results *r = &st->res;
	vgi_u64map bport;
	uint64_t key;
	uint32_t val;
	size_t i, it;

	r->scans_known = st->scans_known;
	for (it = 0; vgi_u64map_next(&st->srcday_ns, &it, &key, &val);) {
		uint64_t s = key >> 20;
		int32_t d = UNDAYK(key) - r->first_day;
		st->src[s].days_ns++;
		if (d >= 0 && (size_t)d < r->n_days) {
			r->days[d].conns_ns += val;
			r->days[d].sources_ns++;
		}
	}
	for (i = 0; i < st->srcs.n; i++) {
		const struct vgi_srcinfo *s = &st->src[i];
		int32_t d = s->first_day_ns - r->first_day;
		uint64_t rest = s->conns - s->ps_conns - s->sw_conns;
		r->part_conns[0] += s->ps_conns;
		r->part_conns[1] += s->sw_conns;
		r->part_conns[2] += rest;
		r->part_sources[0] += s->ps_conns != 0;
		r->part_sources[1] += s->sw_conns != 0;
		r->part_sources[2] += rest != 0;
		if (!s->conns_ns)
			continue;
		if (d >= 0 && (size_t)d < r->n_days)
			r->days[d].new_sources_ns++;
		r->sources_ns++;
		r->conns_ns += s->conns_ns;
		if (s->icmp_ns) {
			r->icmp_sources_ns++;
			r->icmp_conns_ns += s->conns_ns;
		} else {
			r->noicmp_sources_ns++;
			r->noicmp_conns_ns += s->conns_ns;
		}
	}
	for (i = 0; i < st->n_scans; i++)
		r->part_events[st->scans[i].kind == VG_SCAN_SWEEP]++;
	for (i = 0; i < st->n_scans; i++)
		if (!st->scans[i].conns_set)
			st->scans[i].conns = st->scans[i].id < st->cap_by_id
					     ? st->conns_by_id[st->scans[i].id] : 0;
	for (it = 0; vgi_u64map_next(&st->dayscan, &it, &key, &val);) {
		{
			int32_t d = UNDAYK(key) - r->first_day;
			if (d >= 0 && (size_t)d < r->n_days)
				r->days[d].scan_conns += val;
			r->scan_conns += val;
		}
	}
	for (it = 0; vgi_u64map_next(&st->hotdaysrc_ns, &it, &key, &val);) {
		size_t h = (size_t)(key >> 52);
		int32_t d = UNDAYK(key >> 32) - r->first_day;
		uint64_t s = key & 0xFFFFFFFFu;
		struct vgi_hotday *hd;
		if (h >= st->site->n_hot || d < 0 || (size_t)d >= r->n_days)
			continue;
		hd = &r->hot[h][d];
		hd->conns_ns += val;
		hd->sources_ns++;
		if (st->src[s].icmp_ns)
			hd->icmp_sources_ns++;
	}
	memcpy(r->buckets_ns, r->buckets, sizeof r->buckets);
	for (i = 0; i < r->n_buckets; i++) {
		r->buckets_ns[i].sources = 0;
		r->buckets_ns[i].conns = 0;
		r->buckets_ns[i].n_top = 0;
	}
	for (i = 0; i < st->srcs.n; i++) {
		struct vgi_bucket *b;
		if (!st->src[i].conns_ns)
			continue;
		b = &r->buckets_ns[bucket_of(r, st->src[i].days_ns)];
		b->sources++;
		b->conns += st->src[i].conns_ns;
	}
	if (vgi_u64map_init(&bport, 0))
		return VG_ENOMEM;
	{
		/* the ports the new sources of each day used outside scans, on
		 * their first day without scans or later (the slide-14 view) */
		vgi_u64map newp;
		if (vgi_u64map_init(&newp, 0)) {
			vgi_u64map_free(&bport);
			return VG_ENOMEM;
		}
		for (it = 0; vgi_u64map_next(&st->matrix, &it, &key, &val);) {
			uint32_t sv = vgi_u64map_get(&st->matrix_scan, key);
			uint64_t s = key >> 24;
			int32_t d;
			if (val <= sv)
				continue;
			vgi_u64map_add(&bport, (uint64_t)bucket_of(r, st->src[s].days_ns) << 24 |
						       (key & 0xFFFFFF), val - sv);
			d = st->src[s].first_day_ns - r->first_day;
			if (d >= 0 && (size_t)d < r->n_days)
				vgi_u64map_add(&newp, (uint64_t)d << 24 | (key & 0xFFFFFF), val - sv);
		}
		for (it = 0; vgi_u64map_next(&newp, &it, &key, &val);) {
			struct vgi_day *dy = &r->days[key >> 24];
			struct vgi_port p = {0};
			p.proto = (uint8_t)(key >> 16);
			p.port = (uint16_t)(key & 0xFFFF);
			p.conns = val;
			p.sources = 0;
			top_insert(dy->new_top, &dy->n_new_top, 5, &p);
		}
		vgi_u64map_free(&newp);
	}
	for (it = 0; vgi_u64map_next(&bport, &it, &key, &val);) {
		struct vgi_bucket *b = &r->buckets_ns[key >> 24];
		struct vgi_port p = {0};
		p.proto = (uint8_t)(key >> 16);
		p.port = (uint16_t)(key & 0xFFFF);
		p.conns = val;
		p.sources = 0;
		top_insert(b->top, &b->n_top, VGI_TOP_PORTS, &p);
	}
	vgi_u64map_free(&bport);
	return VG_OK;
}

static int cmp_bsrow(const void *a, const void *b)
{
	const struct vgi_bsrow *x = a, *y = b;
	int c = cmp_addr(&x->victim, &y->victim);
	if (c)
		return c;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return x->port < y->port ? -1 : x->port > y->port;
}

static int cmp_victim(const void *a, const void *b)
{
	const struct vgi_victim *x = a, *y = b;
	if (x->pkts != y->pkts)
		return x->pkts > y->pkts ? -1 : 1;
	return cmp_addr(&x->addr, &y->addr);
}

/* The port a victim sent most packets from: its rows [lo, hi) sorted by
 * port into tmp. */
static void victim_port(const struct vgi_bsrow *rows, size_t lo, size_t hi,
			struct vgi_bsrow *tmp, struct vgi_victim *v)
{
	size_t i, n = hi - lo, j;
	uint64_t best = 0;
	memcpy(tmp, rows + lo, n * sizeof *tmp);
	for (i = 0; i < n; i++)
		tmp[i].day = 0;
	qsort(tmp, n, sizeof *tmp, cmp_bsrow);
	v->n_ports = 0;
	for (i = 0; i < n; i = j) {
		uint64_t p = 0;
		for (j = i; j < n && tmp[j].proto == tmp[i].proto && tmp[j].port == tmp[i].port; j++)
			p += tmp[j].pkts;
		v->n_ports++;
		if (p > best) {
			best = p;
			v->proto = tmp[i].proto;
			v->port = tmp[i].port;
		}
	}
}

/* Backscatter per day and per victim, from the rows (any order, a key
 * possibly in several rows). */
static int finish_backscatter(vg_study *st)
{
	struct vgi_results *r = &st->res;
	struct vgi_bsrow *b = st->bs, *tmp = NULL;
	struct vgi_victim *all = NULL;
	size_t i, j, n_all = 0, n = st->n_bs;
	if (!r->n_days || !(r->bs_days = calloc(r->n_days, sizeof *r->bs_days)))
		return r->n_days ? VG_ENOMEM : VG_OK;
	for (i = 0; i < r->n_days; i++)
		r->bs_days[i].day = r->first_day + (int32_t)i;
	if (!n)
		return VG_OK;
	qsort(b, n, sizeof *b, cmp_bsrow);
	if (!(all = calloc(n, sizeof *all)) || !(tmp = malloc(n * sizeof *tmp))) {
		free(all);
		return VG_ENOMEM;
	}
	for (i = 0; i < n; i = j) {
		struct vgi_victim *v = &all[n_all++];
		int32_t last_day = INT32_MIN;
		v->addr = b[i].victim;
		v->family = b[i].family;
		v->first_day = b[i].day;
		v->first_us = INT64_MAX;
		v->last_us = INT64_MIN;
		for (j = i; j < n && b[j].family == b[i].family &&
			    cmp_addr(&b[j].victim, &b[i].victim) == 0;
		     j++) {
			int64_t d = (int64_t)b[j].day - r->first_day;
			v->conns += b[j].conns;
			v->pkts += b[j].pkts;
			v->bytes += b[j].bytes;
			v->first_us = VGI_MIN(v->first_us, b[j].first_us);
			v->last_us = VGI_MAX(v->last_us, b[j].last_us);
			if (d >= 0 && (size_t)d < r->n_days) {
				r->bs_days[d].conns += b[j].conns;
				r->bs_days[d].pkts += b[j].pkts;
				r->bs_days[d].victims += b[j].day != last_day;
			}
			if (b[j].day != last_day)
				v->days++;
			last_day = b[j].day;
		}
		v->last_day = last_day;
		victim_port(b, i, j, tmp, v);
		r->bs_conns += v->conns;
		r->bs_pkts += v->pkts;
	}
	free(tmp);
	r->bs_victims = (uint32_t)VGI_MIN(n_all, UINT32_MAX);
	qsort(all, n_all, sizeof *all, cmp_victim);
	r->n_victims = VGI_MIN(n_all, (size_t)st->site->top);
	r->victims = all;
	return VG_OK;
}

static int finish(vg_study *st);

void vg_study_set_text_width(vg_study *st, unsigned columns)
{
	st->text_width = columns;
}

void vg_study_set_time_format(vg_study *st, int fmt)
{
	st->time_fmt = fmt;
}

/* The monitored entries (as the site gives them) that no unsolicited
 * connection reached: a mistyped net shows here. None when hosts were
 * refused at the table's limit (the missing ones may be anywhere). */
const char *vg_study_unreached(const vg_study *st, size_t k)
{
	const vg_site *s = st->site;
	size_t i = 0, j, h;
	if (!st->finished || st->hosts.n_refused)
		return NULL;
	while (i < s->n_mon) {
		size_t end = i + 1;
		int hit = 0;
		while (end < s->n_mon && !s->mon_text[end])
			end++;
		for (j = i; j < end && !hit; j++)
			for (h = 0; h < st->res.n_hosts && !hit; h++)
				hit = vgi_prefix_has(&s->mon[j], &st->res.hosts[h].addr);
		if (!hit && s->mon_text[i] && k-- == 0)
			return s->mon_text[i];
		i = end;
	}
	return NULL;
}

const char *vg_study_errmsg(const vg_study *st)
{
	return st ? st->errmsg : "out of memory";
}

int vgi_study_fail(vg_study *st, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vgi_verrf(st->errmsg, fmt, ap);
	va_end(ap);
	return rc;
}

int vg_study_finish(vg_study *st)
{
	int rc;
	if (!st)
		return VG_EINVAL;
	st->errmsg[0] = '\0';
	if ((rc = join_worker(st)) != VG_OK)
		return vgi_study_fail(st, rc, "out of memory counting connections in the study's thread "
			    "(%zu sources, %zu hosts)", st->srcs.n, st->hosts.n);
	rc = finish(st);
	if (rc != VG_OK && !st->errmsg[0])
		vgi_study_fail(st, rc, "out of memory finishing the study (%zu sources, %zu hosts, "
		     "%zu scan events)", st->srcs.n, st->hosts.n, st->n_scans);
	return rc;
}

/* The period: every calendar day from the first to the last flow; per
 * day the sources, new sources and protocols; the overview. */
static int finish_days(vg_study *st)
{
	struct vgi_results *r = &st->res;
	const vg_site *site = st->site;
	uint64_t key;
	uint32_t val;
	size_t i, it;

	/* the period: every calendar day from the first to the last flow */
	if (st->first_us <= st->last_us) {
		r->first_day = vgi_study_day(site, st->first_us);
		r->last_day = vgi_study_day(site, st->last_us);
		r->n_days = (size_t)(r->last_day - r->first_day) + 1;
		if (r->n_days > MAX_DAYS) {
			return vgi_study_fail(st, VG_ELIMIT, "the flows span %zu days (first %lld, last %lld); "
				    "at most %d are reported", r->n_days, (long long)st->first_us,
				    (long long)st->last_us, MAX_DAYS);
		}
		if (!(r->days = calloc(r->n_days, sizeof *r->days)))
			return VG_ENOMEM;
		for (i = 0; i < r->n_days; i++)
			r->days[i].day = r->first_day + (int32_t)i;
		for (i = 0; i < st->n_dayvol; i++) {
			int32_t d = st->dayvol[i].day - r->first_day;
			if (d >= 0 && (size_t)d < r->n_days) {
				r->days[d].pkts += st->dayvol[i].pkts;
				r->days[d].bytes += st->dayvol[i].bytes;
			}
		}
	}

	/* sources: days active, daily counts, new sources, overview */
	for (it = 0; vgi_u64map_next(&st->srcday, &it, &key, &val);) {
		uint64_t s = key >> 20;
		int32_t d = UNDAYK(key) - r->first_day;
		st->src[s].days++;
		if (d >= 0 && (size_t)d < r->n_days) {
			r->days[d].conns += val;
			r->days[d].sources++;
		}
	}
	for (i = 0; i < st->srcs.n; i++) {
		const struct vgi_srcinfo *s = &st->src[i];
		int32_t d = s->first_day - r->first_day;
		if (d >= 0 && (size_t)d < r->n_days)
			r->days[d].new_sources++;
		r->conns += s->conns;
		if (s->icmp) {
			r->icmp_sources++;
			r->icmp_conns += s->conns;
		} else {
			r->noicmp_sources++;
			r->noicmp_conns += s->conns;
		}
	}
	r->sources = (uint32_t)st->srcs.n;
	for (it = 0; vgi_u64map_next(&st->pdaysrc, &it, &key, &val);) {
		unsigned pg = (unsigned)(key >> 52);
		int32_t d = UNDAYK(key >> 32) - r->first_day;
		if (d >= 0 && (size_t)d < r->n_days && pg < VGI_PG__N) {
			r->days[d].pconns[pg] += val;
			r->days[d].psources[pg]++;
		}
	}
	return VG_OK;
}

/* The monitored hosts in address order, and per host and day. */
static int finish_hosts(vg_study *st)
{
	struct vgi_results *r = &st->res;
	size_t cap = 0;
	vgi_u64map tmp;
	uint64_t key;
	uint32_t val;
	size_t i, it;

	/* hosts */
	if (st->hosts.n) {
		uint32_t *hsrc = calloc(st->hosts.n, sizeof *hsrc);
		uint32_t *rank;
		if (!hsrc || !(r->hosts = calloc(st->hosts.n, sizeof *r->hosts))) {
			free(hsrc);
			return VG_ENOMEM;
		}
		for (it = 0; vgi_u64map_next(&st->hostsrc, &it, &key, &val);)
			hsrc[key >> 32]++;
		for (i = 0; i < st->hosts.n; i++) {
			r->hosts[i].addr = st->hosts.addr[i];
			r->hosts[i].family = st->hosts.family[i];
			r->hosts[i].conns = st->host_conns[i];
			r->hosts[i].sources = hsrc[i];
		}
		free(hsrc);
		r->n_hosts = st->hosts.n;
		/* per host and day: index hosts by their place in address order */
		if (!(rank = malloc(st->hosts.n * sizeof *rank)))
			return VG_ENOMEM;
		{
			struct vgi_host *sorted = malloc(st->hosts.n * sizeof *sorted);
			if (!sorted) {
				free(rank);
				return VG_ENOMEM;
			}
			memcpy(sorted, r->hosts, st->hosts.n * sizeof *sorted);
			qsort(sorted, st->hosts.n, sizeof *sorted, cmp_host);
			for (i = 0; i < st->hosts.n; i++) {
				/* find each original host's rank */
				size_t lo = 0, hi = st->hosts.n;
				while (lo < hi) {
					size_t mid = (lo + hi) / 2;
					int c = cmp_addr(&sorted[mid].addr, &r->hosts[i].addr);
					if (c == 0) {
						lo = mid;
						break;
					}
					if (c < 0)
						lo = mid + 1;
					else
						hi = mid;
				}
				rank[i] = (uint32_t)lo;
			}
			memcpy(r->hosts, sorted, st->hosts.n * sizeof *sorted);
			free(sorted);
		}
		if (vgi_u64map_init(&tmp, 0)) {
			free(rank);
			return VG_ENOMEM;
		}
		for (it = 0; vgi_u64map_next(&st->hostdayp, &it, &key, &val);) {
			uint64_t h = key >> 24, dk = (key >> 4) & 0xFFFFF;
			unsigned pg = (unsigned)(key & 15);
			uint64_t k2 = (uint64_t)rank[h] << 20 | dk;
			uint32_t idx = vgi_u64map_get(&tmp, k2);
			struct vgi_hostday *hd;
			if (!idx) {
				if (vgi_grow(&r->hostdays, &cap, r->n_hostdays, sizeof *r->hostdays, 64,
					     SIZE_MAX)) {
					vgi_u64map_free(&tmp);
					free(rank);
					return VG_ENOMEM;
				}
				hd = &r->hostdays[r->n_hostdays++];
				memset(hd, 0, sizeof *hd);
				hd->host = rank[h];
				hd->day = UNDAYK(dk);
				vgi_u64map_add(&tmp, k2, (uint32_t)r->n_hostdays);
			} else {
				hd = &r->hostdays[idx - 1];
			}
			hd->conns += val;
			hd->pconns[pg] += val;
		}
		for (it = 0; vgi_u64map_next(&st->hostdaysrc, &it, &key, &val);) {
			uint64_t h = key >> 52, dk = (key >> 32) & 0xFFFFF;
			uint32_t idx = vgi_u64map_get(&tmp, (uint64_t)rank[h] << 20 | dk);
			if (idx)
				r->hostdays[idx - 1].sources++;
		}
		vgi_u64map_free(&tmp);
		free(rank);
		if (r->n_hostdays)
			qsort(r->hostdays, r->n_hostdays, sizeof *r->hostdays, cmp_hostday);
	}
	return VG_OK;
}

/* The ports by connections; each source's ports and hosts (for the top
 * sources; the caller frees them); the buckets and their top ports. */
static int finish_ports(vg_study *st, uint32_t **src_ports_p, uint32_t **src_hosts_p)
{
	struct vgi_results *r = &st->res;
	size_t cap = 0;
	const vg_site *site = st->site;
	uint64_t key;
	uint32_t val;
	size_t i, it;
	vgi_u64map tmp;
	uint32_t *src_ports = NULL, *src_hosts = NULL;

	/* ports, per-source port and host counts, bucket top ports */
	r->n_buckets = make_buckets(site, r->buckets);
	if (st->srcs.n) {
		*src_ports_p = src_ports = calloc(st->srcs.n, sizeof *src_ports);
		*src_hosts_p = src_hosts = calloc(st->srcs.n, sizeof *src_hosts);
		if (!src_ports || !src_hosts)
			return VG_ENOMEM;
	}
	for (i = 0; i < st->srcs.n; i++) {
		struct vgi_bucket *b = &r->buckets[bucket_of(r, st->src[i].days)];
		b->sources++;
		b->conns += st->src[i].conns;
	}
	if (vgi_u64map_init(&tmp, 0))
		return VG_ENOMEM;
	{
		vgi_u64map bport;
		if (vgi_u64map_init(&bport, 0)) {
			vgi_u64map_free(&tmp);
			return VG_ENOMEM;
		}
		for (it = 0; vgi_u64map_next(&st->matrix, &it, &key, &val);) {
			uint64_t s = key >> 24, pp = key & 0xFFFFFF;
			unsigned proto = (unsigned)(pp >> 16);
			src_ports[s]++;
			vgi_u64map_add(&bport, (uint64_t)bucket_of(r, st->src[s].days) << 24 | pp, val);
			if (proto == 6 || proto == 17 || proto == 132) {
				uint32_t idx = vgi_u64map_get(&tmp, pp);
				struct vgi_port *p;
				if (!idx) {
					if (vgi_grow(&r->ports, &cap, r->n_ports, sizeof *r->ports, 256,
						     SIZE_MAX)) {
						vgi_u64map_free(&bport);
						vgi_u64map_free(&tmp);
						return VG_ENOMEM;
					}
					p = &r->ports[r->n_ports++];
					p->proto = (uint8_t)proto;
					p->port = (uint16_t)(pp & 0xFFFF);
					p->conns = 0;
					p->sources = 0;
					vgi_u64map_add(&tmp, pp, (uint32_t)r->n_ports);
				} else {
					p = &r->ports[idx - 1];
				}
				p->conns += val;
				p->sources++;
			}
		}
		for (it = 0; vgi_u64map_next(&bport, &it, &key, &val);) {
			struct vgi_bucket *b = &r->buckets[key >> 24];
			struct vgi_port p = {0};
			p.proto = (uint8_t)(key >> 16);
			p.port = (uint16_t)(key & 0xFFFF);
			p.conns = val;
			p.sources = 0;
			top_insert(b->top, &b->n_top, VGI_TOP_PORTS, &p);
		}
		vgi_u64map_free(&bport);
	}
	vgi_u64map_free(&tmp);
	for (i = 0; i < r->n_ports; i++) {
		uint32_t ix = vgi_u64map_get(&st->portvol_ix,
					     (uint64_t)r->ports[i].proto << 16 | r->ports[i].port);
		r->ports[i].pkts = ix ? st->portvol[ix - 1].pkts : 0;
		r->ports[i].bytes = ix ? st->portvol[ix - 1].bytes : 0;
	}
	if (r->n_ports)
		qsort(r->ports, r->n_ports, sizeof *r->ports, cmp_port);
	for (it = 0; vgi_u64map_next(&st->hostsrc, &it, &key, &val);)
		src_hosts[key & 0xFFFFFFFFu]++;
	return VG_OK;
}

static int finish_hot(vg_study *st)
{
	struct vgi_results *r = &st->res;
	const vg_site *site = st->site;
	uint64_t key;
	uint32_t val;
	size_t i, it;

	/* hot ports per day */
	for (i = 0; i < site->n_hot; i++) {
		size_t d;
		if (!(r->hot[i] = calloc(r->n_days ? r->n_days : 1, sizeof *r->hot[i])))
			return VG_ENOMEM;
		for (d = 0; d < r->n_days; d++)
			r->hot[i][d].day = r->first_day + (int32_t)d;
	}
	for (it = 0; vgi_u64map_next(&st->hotdaysrc, &it, &key, &val);) {
		size_t h = (size_t)(key >> 52);
		int32_t d = UNDAYK(key >> 32) - r->first_day;
		uint64_t s = key & 0xFFFFFFFFu;
		struct vgi_hotday *hd;
		if (h >= site->n_hot || d < 0 || (size_t)d >= r->n_days)
			continue;
		hd = &r->hot[h][d];
		hd->conns += val;
		hd->sources++;
		if (st->src[s].icmp) {
			hd->icmp_sources++;
			hd->conns_icmp_src += val;
		}
	}
	return VG_OK;
}

static void finish_hist(vg_study *st)
{
	struct vgi_results *r = &st->res;
	size_t i;

	/* connections per source, log2 bins */
	for (i = 0; i < st->srcs.n; i++) {
		uint64_t c = st->src[i].conns;
		size_t b = 0;
		while (c >> (b + 1))
			b++;
		if (b >= 40)
			b = 39;
		r->hist[b].sources++;
		r->hist[b].conns += st->src[i].conns;
		if (b + 1 > r->n_hist)
			r->n_hist = b + 1;
	}
	for (i = 0; i < r->n_hist; i++) {
		r->hist[i].min = (uint64_t)1 << i;
		r->hist[i].max = ((uint64_t)1 << (i + 1)) - 1;
	}
}

static int finish_icmp(vg_study *st)
{
	struct vgi_results *r = &st->res;
	size_t cap = 0;
	vgi_u64map tmp;
	uint64_t key;
	uint32_t val;
	size_t it;

	/* ICMP by type and code */
	if (vgi_u64map_init(&tmp, 0))
		return VG_ENOMEM;
	for (it = 0; vgi_u64map_next(&st->icmpsrc, &it, &key, &val);) {
		uint64_t tc = key >> 32;
		uint32_t idx = vgi_u64map_get(&tmp, tc);
		struct vgi_icmp *ic;
		if (!idx) {
			if (vgi_grow(&r->icmp, &cap, r->n_icmp, sizeof *r->icmp, 16, SIZE_MAX)) {
				vgi_u64map_free(&tmp);
				return VG_ENOMEM;
			}
			ic = &r->icmp[r->n_icmp++];
			memset(ic, 0, sizeof *ic);
			ic->family = (uint8_t)(tc >> 16) ? 6 : 4;
			ic->type = (uint8_t)(tc >> 8);
			ic->code = (uint8_t)tc;
			vgi_u64map_add(&tmp, tc, (uint32_t)r->n_icmp);
		} else {
			ic = &r->icmp[idx - 1];
		}
		ic->conns += val;
		ic->sources++;
	}
	vgi_u64map_free(&tmp);
	if (r->n_icmp)
		qsort(r->icmp, r->n_icmp, sizeof *r->icmp, cmp_icmp);
	return VG_OK;
}

/* The top sources by connections, each with its top ports. */
static int finish_top(vg_study *st, const uint32_t *src_ports, const uint32_t *src_hosts)
{
	struct vgi_results *r = &st->res;
	const vg_site *site = st->site;
	uint64_t key;
	uint32_t val;
	size_t i, it;
	uint32_t *order = NULL;
	int32_t *top_of = NULL;

	/* top sources */
	if (st->srcs.n) {
		size_t n = VGI_MIN((size_t)site->top, st->srcs.n);
		if (!(order = malloc(st->srcs.n * sizeof *order)) ||
		    !(top_of = malloc(st->srcs.n * sizeof *top_of)) ||
		    !(r->top = calloc(n, sizeof *r->top))) {
			free(order);
			free(top_of);
			return VG_ENOMEM;
		}
		for (i = 0; i < st->srcs.n; i++) {
			order[i] = (uint32_t)i;
			top_of[i] = -1;
		}
		qsort_r(order, st->srcs.n, sizeof *order, cmp_src_by_conns, st);
		for (i = 0; i < n; i++) {
			const struct vgi_srcinfo *s = &st->src[order[i]];
			struct vgi_topsrc *t = &r->top[i];
			t->src = order[i];
			t->conns = s->conns;
			t->pkts = s->pkts;
			t->bytes = s->bytes;
			t->ports = src_ports[order[i]];
			t->hosts = src_hosts[order[i]];
			t->days = s->days;
			t->first_day = s->first_day;
			t->last_day = s->last_day;
			t->icmp = s->icmp;
			top_of[order[i]] = (int32_t)i;
		}
		r->n_top = n;
		for (it = 0; vgi_u64map_next(&st->matrix, &it, &key, &val);) {
			int32_t ti = top_of[key >> 24];
			struct vgi_port p = {0};
			if (ti < 0)
				continue;
			p.proto = (uint8_t)(key >> 16);
			p.port = (uint16_t)(key & 0xFFFF);
			p.conns = val;
			p.sources = 1;
			top_insert(r->top[ti].top, &r->top[ti].n_top, 3, &p);
		}
	}
	free(order);
	free(top_of);
	return VG_OK;
}

/* The figures, stage by stage, from the maps the rows were folded into. */
static int finish(vg_study *st)
{
	struct vgi_results *r = &st->res;
	uint32_t *src_ports = NULL, *src_hosts = NULL;
	size_t i;
	int rc;

	if (st->finished)
		return VG_OK;
	if (st->hold && release_held(st) != VG_OK)
		return VG_ENOMEM;
	if (st->acc) {
		int arc = vgi_study_add_rollup(st, st->acc);
		vgi_rollup_free(st->acc);
		free(st->acc);
		st->acc = NULL;
		if (arc != VG_OK)
			return arc;
	}
	/* a source seen before the period (a store's history) is not new in it */
	for (i = 0; i < st->srcs.n; i++) {
		struct vgi_srcinfo *sp = &st->src[i];
		if (sp->hist_first < sp->first_day)
			sp->first_day = sp->hist_first;
		if (sp->hist_first_ns < sp->first_day_ns)
			sp->first_day_ns = sp->hist_first_ns;
	}
	st->finished = 1;
	memset(r, 0, sizeof *r);
	r->records_read = st->records_read;
	memcpy(r->n_class, st->n_class, sizeof r->n_class);
	r->first_us = st->first_us;
	r->last_us = st->last_us;

	if ((rc = finish_days(st)) != VG_OK || (rc = finish_hosts(st)) != VG_OK ||
	    (rc = finish_ports(st, &src_ports, &src_hosts)) != VG_OK ||
	    (rc = finish_hot(st)) != VG_OK)
		goto out;
	finish_hist(st);
	if ((rc = finish_icmp(st)) != VG_OK || (rc = finish_top(st, src_ports, src_hosts)) != VG_OK ||
	    (rc = finish_backscatter(st)) != VG_OK)
		goto out;
	rc = finish_no_scans(st);
out:
	free(src_ports);
	free(src_hosts);
	return rc;
}
