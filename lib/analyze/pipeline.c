/*
 * pipeline.c - the pipeline every verb runs (vigil.h): records are merged
 * (and one-way flows paired) into connections, the scan detector tags them
 * with their event ids, and each connection is counted once into the day
 * rollups, which go to the sinks: the study and the alerts in memory, or
 * the store. It is the only place where these stages are wired together.
 *
 * The open tail - the merger's open flows and the scan detector's open
 * episodes, ratios and live ports, and the connections counted for scan
 * events not yet ended - is saved with each store commit and put back when
 * the next ingest starts, so that the store after several ingests holds
 * what one run over all their inputs would have given.
 */
#include <stdlib.h>

#include "analyze/hold.h"
#include "analyze/rollup.h"
#include "core/buf.h"
#include "core/worker.h"
#include "flow/merge.h"
#include "store/store.h"

#define TAIL_MAGIC 0x324c4154U  /* "TAL2": with the held connections of open events */
#define FLUSH_ROWS ((size_t)1 << 20)
#define FLUSH_ROWS_STORE ((size_t)1 << 18) /* the store sink: rows written more often */

/* threads: the study and the alerts fold a finished batch of rows on two
 * workers of their own while the next batch is counted (double buffer). */
struct sinks {
	struct vgi_worker *w[2]; /* 0 the study, 1 the alerts; NULL: done in place */
	uint64_t seq[2];         /* each one's last job, valid once posted[] */
	int posted[2];
	struct vgi_rollup job;   /* the rows being folded */
	int study_too;           /* this batch goes to the study too (else the alerts only) */
	struct vg_pipeline *p;
};

struct vg_pipeline {
	const vg_site *site;
	struct sinks *sk;
	vg_pipeline_opts o;
	vg_merger *m;
	vg_scans *sc;
	struct vgi_rollup acc;
	struct vgi_flowq *counter; /* threads: connections are counted into rows here */
	vgi_u64map ev_conns;      /* scan event id -> unsolicited connections so far */
	uint64_t cur_conns;       /* on_event: the event's (vg_pipeline_event_connections) */
	struct vgi_hold hold;     /* ... and those connections, until the event ends */
	int32_t clock_day;        /* latest day a connection was counted in */
	int alerts_only;          /* vg_pipeline_load: rows for the alerts' baselines */
	uint64_t records;         /* vg_pipeline_load: from the store's inputs */
	int rc;                   /* first error of a callback */
	char errmsg[VGI_ERRMSG_LEN];
	/* vg_pipeline_set_rows: one table's rows to a callback */
	int rows_ti;
	int (*rows_fn)(void *user, const vg_rollup_row *row);
	void *rows_user;
};

static int set_err(vg_pipeline *p, int rc, const char *msg);

/* The rows of the table vg_pipeline_set_rows chose, each to its callback. */
static int rows_to_fn(vg_pipeline *p, const struct vgi_rollup *r)
{
	const struct vgi_rtab *t = &r->t[p->rows_ti];
	size_t i;
	for (i = 0; i < t->n; i++) {
		struct vgi_key k;
		const int64_t *v;
		vg_rollup_row row;
		memset(&row, 0, sizeof row);
		vgi_rtab_row(t, i, &k, &v);
		row.day = k.day;
		row.proto = k.proto;
		row.port = k.port;
		row.family = k.fam1;
		row.conns = (uint64_t)v[0];
		switch (p->rows_ti) {
		case VGI_T_SRC_DAY:
			row.src = k.a1;
			row.pkts = (uint64_t)v[VGI_SD_PKTS];
			row.bytes = (uint64_t)v[VGI_SD_BYTES];
			break;
		case VGI_T_SRC_PORT:
			row.src = k.a1;
			break;
		case VGI_T_HOST_SRC:
			row.host = k.a1;
			row.src = k.a2;
			break;
		default: /* VGI_T_PORT_HOST */
			row.host = k.a1;
			row.pkts = (uint64_t)v[VGI_PH_PKTS];
			row.bytes = (uint64_t)v[VGI_PH_BYTES];
			break;
		}
		if (p->rows_fn(p->rows_user, &row) != 0)
			return set_err(p, VG_EINVAL, "stopped by the caller");
	}
	return VG_OK;
}

int vg_pipeline_set_rows(vg_pipeline *p, const char *table,
			 int (*fn)(void *user, const vg_rollup_row *row), void *user)
{
	static const int tables[] = {VGI_T_SRC_DAY, VGI_T_SRC_PORT, VGI_T_HOST_SRC, VGI_T_PORT_HOST};
	size_t i;
	for (i = 0; i < sizeof tables / sizeof tables[0]; i++)
		if (strcmp(table, vgi_tables[tables[i]].name) == 0) {
			p->rows_ti = tables[i];
			p->rows_fn = fn;
			p->rows_user = user;
			return VG_OK;
		}
	{
		char msg[160];
		snprintf(msg, sizeof msg, "%.40s: no such rollup table (src_day, src_port, host_src, "
			 "port_host)", table);
		return set_err(p, VG_EINVAL, msg);
	}
}

const char *vg_pipeline_errmsg(const vg_pipeline *p)
{
	return p ? p->errmsg : "out of memory";
}

uint64_t vg_pipeline_records(const vg_pipeline *p)
{
	return p->records;
}

int32_t vg_site_day(const vg_site *s, int64_t us)
{
	return vgi_study_day(s, us);
}

int64_t vg_site_day_start(const vg_site *s, int32_t day)
{
	int64_t sec = (int64_t)day * 86400;
	sec -= s->tz.n ? vgi_tz_offset(&s->tz, sec) : s->tz_offset_s;
	return sec * 1000000;
}

static int set_err(vg_pipeline *p, int rc, const char *msg)
{
	if (p->rc == VG_OK) {
		p->rc = rc;
		snprintf(p->errmsg, sizeof p->errmsg, "%s", msg);
	}
	return rc;
}

/* A sink failed: the pipeline's message is the sink's own. */
static int sink_err(vg_pipeline *p, int which)
{
	if (which == 0 && p->o.study)
		return set_err(p, VG_ENOMEM, vg_study_errmsg(p->o.study));
	if (which == 1 && p->o.alerts)
		return set_err(p, VG_ENOMEM, vg_alerts_errmsg(p->o.alerts));
	return set_err(p, VG_ENOMEM, "out of memory in the study or the alerts");
}

static int fold_study(void *user, void *job)
{
	struct sinks *sk = user;
	return sk->study_too ? vgi_study_add_rollup(sk->p->o.study, job) : VG_OK;
}

static int fold_alerts(void *user, void *job)
{
	struct sinks *sk = user;
	return vgi_alerts_add_rollup(sk->p->o.alerts, job);
}

/* Waits until both sinks have folded the last batch; a failure sets the
 * pipeline's message. */
static int sinks_wait(struct sinks *sk)
{
	int i, rc = VG_OK;
	for (i = 0; i < 2; i++)
		if (sk->w[i] && sk->posted[i] && vgi_worker_wait(sk->w[i], sk->seq[i]) != VG_OK)
			rc = sink_err(sk->p, i);
	return rc;
}

static void sinks_start(vg_pipeline *p)
{
	struct sinks *sk = calloc(1, sizeof *sk);
	if (!sk || vgi_rollup_init(&sk->job) != VG_OK) {
		free(sk);
		return; /* no threads: the sinks stay synchronous */
	}
	sk->p = p;
	if (p->o.study)
		(void)vgi_worker_start(&sk->w[0], fold_study, sk, 1);
	if (p->o.alerts)
		(void)vgi_worker_start(&sk->w[1], fold_alerts, sk, 1);
	if (!sk->w[0] && !sk->w[1]) {
		vgi_rollup_free(&sk->job);
		free(sk);
		return;
	}
	p->sk = sk;
}

static int sinks_stop(vg_pipeline *p)
{
	struct sinks *sk = p->sk;
	int i, rc;
	if (!sk)
		return VG_OK;
	rc = sinks_wait(sk);
	for (i = 0; i < 2; i++)
		if (sk->w[i] && vgi_worker_stop(sk->w[i]) != VG_OK)
			rc = sink_err(p, i);
	vgi_rollup_free(&sk->job);
	free(sk);
	p->sk = NULL;
	return rc;
}

/* The rows counted so far go to every sink. */
static int flush_rows(vg_pipeline *p, int to_store)
{
	int rc = VG_OK, i;
	if (!vgi_rollup_rows(&p->acc))
		return VG_OK;
	if (p->sk) {
		/* hand the batch to the sink threads; count the next one meanwhile */
		struct sinks *sk = p->sk;
		struct vgi_rollup t;
		if ((rc = sinks_wait(sk)) != VG_OK)
			return rc;
		if (p->acc.t[0].n_dropped || p->acc.t[1].n_dropped)
			set_err(p, VG_ENOMEM, "out of memory counting the day rollups");
		t = sk->job;
		sk->job = p->acc;
		p->acc = t;
		vgi_rollup_clear(&p->acc);
		sk->study_too = !p->alerts_only;
		for (i = 0; i < 2; i++) {
			vgi_job_fn fold = i == 0 ? fold_study : fold_alerts;
			if (sk->w[i]) {
				sk->seq[i] = vgi_worker_post(sk->w[i], &sk->job);
				sk->posted[i] = 1;
			} else if ((i == 0 ? (void *)p->o.study : (void *)p->o.alerts) &&
				   fold(sk, &sk->job) != VG_OK) {
				rc = sink_err(p, i);
			}
		}
		return rc;
	}
	if (p->acc.t[0].n_dropped || p->acc.t[1].n_dropped)
		set_err(p, VG_ENOMEM, "out of memory counting the day rollups");
	if (p->o.study && !p->alerts_only && vgi_study_add_rollup(p->o.study, &p->acc) != VG_OK)
		rc = sink_err(p, 0);
	if (p->o.alerts && vgi_alerts_add_rollup(p->o.alerts, &p->acc) != VG_OK)
		rc = sink_err(p, 1);
	if (p->rows_fn && !p->alerts_only && rows_to_fn(p, &p->acc) != VG_OK)
		rc = p->rc;
	if (to_store && p->o.store && (rc = vgi_store_put_rows(p->o.store, &p->acc)) != VG_OK)
		set_err(p, rc, vg_store_errmsg(p->o.store));
	vgi_rollup_clear(&p->acc);
	return rc;
}

/* One connection into the rows, with the clock: a connection of a later
 * day closes the days before it. kind: of its scan event (0: none). */
static void count_conn(vg_pipeline *p, const vg_flow *f, uint32_t kind)
{
	int32_t day = vgi_study_day(p->site, f->stime_us);
	size_t most = p->o.store ? FLUSH_ROWS_STORE : FLUSH_ROWS;
	if (day > p->clock_day) {
		if (p->clock_day != INT32_MIN || vgi_rollup_rows(&p->acc) >= most)
			flush_rows(p, 1);
		p->clock_day = day;
	} else if (vgi_rollup_rows(&p->acc) >= most) {
		flush_rows(p, 1);
	}
	if (vgi_rollup_add_conn(&p->acc, p->site, f, (int)kind, NULL) != VG_OK)
		set_err(p, VG_ENOMEM, "out of memory counting the day rollups");
}

/* What the counter does with a connection (the ids of its batches): count
 * it with a scan kind (0, VG_SCAN_PORTSCAN, VG_SCAN_SWEEP), hold it for an
 * open event, or - a marker, not a connection - count what an event that
 * ended held, with the kind in the marker's proto. Holding in the counter's
 * thread keeps the copies off the scan detector's. */
#define CODE_HOLD 0x80000000u
#define CODE_END  0x40000000u
#define CODE_ID   0x3FFFFFFFu

/* The held connections of event id into the rows. */
static void release_held(vg_pipeline *p, uint32_t id, int kind)
{
	size_t n, i;
	vg_flow *f = vgi_hold_take(&p->hold, id, &n);
	for (i = 0; i < n; i++)
		count_conn(p, &f[i], (uint32_t)kind);
	free(f);
}

static void handle(vg_pipeline *p, const vg_flow *f, uint32_t code)
{
	if (code & CODE_HOLD) {
		if (vgi_hold_add(&p->hold, code & CODE_ID, f) != VG_OK)
			set_err(p, VG_ENOMEM, "out of memory holding the connections of scan events");
	} else if (code & CODE_END) {
		release_held(p, code & CODE_ID, f->proto);
	} else {
		count_conn(p, f, code);
	}
}

static int count_batch(void *user, const vg_flow *flows, const uint32_t *codes, size_t n)
{
	vg_pipeline *p = user;
	size_t i;
	for (i = 0; i < n; i++)
		handle(p, &flows[i], codes ? codes[i] : 0);
	return VG_OK;
}

/* To the counter thread, or done here when there is none. */
static void to_counter(vg_pipeline *p, const vg_flow *f, uint32_t code)
{
	if (p->counter)
		vgi_flowq_add(p->counter, f, &code, 1);
	else
		handle(p, f, code);
}

static int on_tagged(void *user, const vg_flow *f, uint32_t id)
{
	vg_pipeline *p = user;
	int rc;
	if (f->kind != VG_REC_FLOW)
		return 0;
	if (p->o.store && p->o.store->raw &&
	    (rc = vgi_store_put_conn(p->o.store, p->site, f, vg_site_classify(p->site, f), id)) !=
		    VG_OK)
		set_err(p, rc, vg_store_errmsg(p->o.store));
	/* counted here, in the order the detector hands them on, so that an
	 * event knows its connections when it ends; held until then, when its
	 * kind (port scan or sweep) is known */
	if (id && vg_site_classify(p->site, f) == VG_CLASS_UNSOLICITED) {
		vgi_u64map_add(&p->ev_conns, id, 1);
		/* an event sure to be a port scan needs no wait (nor do events
		 * past 2^30) */
		to_counter(p, f, id <= CODE_ID && !vgi_scans_emit_portscan(p->sc) ? CODE_HOLD | id
										     : VG_SCAN_PORTSCAN);
	} else {
		to_counter(p, f, 0);
	}
	if (p->o.on_flow && p->o.on_flow(p->o.user, f, id) != 0)
		set_err(p, VG_EINVAL, "stopped by the caller");
	return p->rc != VG_OK;
}

/* A scan event to every sink, with its unsolicited connections. */
static int event_to_sinks(vg_pipeline *p, const vg_scan_event *e, uint64_t conns, int to_store)
{
	int rc;
	if (p->o.study && vgi_study_add_scan_conns(p->o.study, e, conns) != VG_OK)
		return set_err(p, VG_ENOMEM, "out of memory keeping a scan event in the study");
	if (p->o.alerts && vg_alerts_add_scan(p->o.alerts, e) != VG_OK)
		return sink_err(p, 1);
	if (to_store && p->o.store &&
	    (rc = vgi_store_put_event(p->o.store, p->site, e, conns)) != VG_OK)
		return set_err(p, rc, vg_store_errmsg(p->o.store));
	p->cur_conns = conns;
	if (p->o.on_event && p->o.on_event(p->o.user, e) != 0)
		return set_err(p, VG_EINVAL, "stopped by the caller");
	return VG_OK;
}

uint64_t vg_pipeline_event_connections(const vg_pipeline *p)
{
	return p->cur_conns;
}

static int on_event(void *user, const vg_scan_event *e)
{
	vg_pipeline *p = user;
	uint64_t conns = vgi_u64map_get(&p->ev_conns, e->id);
	vgi_u64map_put(&p->ev_conns, e->id, 0); /* ended: not part of the tail */
	if (e->id <= CODE_ID) {
		vg_flow mark;
		memset(&mark, 0, sizeof mark);
		mark.proto = (uint8_t)vgi_scan_kind(p->site, e);
		to_counter(p, &mark, CODE_END | e->id);
	}
	return event_to_sinks(p, e, conns, 1) != VG_OK;
}

static int on_conn(void *user, const vg_flow *f)
{
	vg_pipeline *p = user;
	if (vg_scans_add(p->sc, f, 1) != VG_OK)
		return set_err(p, VG_ENOMEM, "out of memory in the scan detector");
	return p->rc != VG_OK;
}

/* ------------------------------------------------------------ the tail */

static int save_tail(vg_pipeline *p, struct vgi_buf *b)
{
	size_t it;
	uint64_t key, n = 0;
	uint32_t val;
	vgi_buf_u64(b, TAIL_MAGIC);
	vgi_buf_u64(b, sizeof(vg_flow));
	for (it = 0; vgi_u64map_next(&p->ev_conns, &it, &key, &val);)
		n += val != 0;
	vgi_buf_u64(b, n);
	for (it = 0; vgi_u64map_next(&p->ev_conns, &it, &key, &val);)
		if (val) {
			vgi_buf_u64(b, key);
			vgi_buf_u64(b, val);
		}
	vgi_hold_save(&p->hold, b);
	vgi_buf_u64(b, (uint64_t)(int64_t)p->clock_day);
	if (vgi_merger_save(p->m, b) != VG_OK || vgi_scans_save(p->sc, b) != VG_OK || b->bad)
		return VG_ENOMEM;
	return VG_OK;
}

/* Puts a saved tail back (vgi_pipeline_load_tail); VG_EFORMAT if it is not one. */
int vgi_pipeline_load_tail(vg_pipeline *p, const void *blob, size_t len)
{
	vgi_cur c = vgi_cur_make(blob, len);
	uint64_t n, k;
	int rc;
	if (vgi_cur_h64(&c) != TAIL_MAGIC || vgi_cur_h64(&c) != sizeof(vg_flow))
		return set_err(p, VG_EFORMAT, "the store's open tail was written by another "
			       "build of vigil (or is damaged)");
	n = vgi_cur_h64(&c);
	if (c.bad || n > vgi_cur_left(&c) / 16)
		return set_err(p, VG_EFORMAT, "the store's open tail is damaged");
	for (k = 0; k < n && !c.bad; k++) {
		uint64_t id = vgi_cur_h64(&c), v = vgi_cur_h64(&c);
		vgi_u64map_put(&p->ev_conns, id, (uint32_t)VGI_MIN(v, UINT32_MAX));
	}
	rc = c.bad ? VG_EFORMAT : vgi_hold_load(&p->hold, &c);
	p->clock_day = (int32_t)(int64_t)vgi_cur_h64(&c);
	if (rc == VG_OK)
		rc = c.bad ? VG_EFORMAT : vgi_merger_load(p->m, &c);
	if (rc == VG_OK)
		rc = vgi_scans_load(p->sc, &c);
	if (rc == VG_OK && vgi_cur_left(&c))
		rc = VG_EFORMAT;
	if (rc != VG_OK)
		return set_err(p, rc, rc == VG_ENOMEM ? "out of memory reading the store's open tail"
						      : "the store's open tail is damaged");
	return VG_OK;
}

static int load_tail(vg_pipeline *p, vg_store *s)
{
	void *blob;
	size_t len;
	int rc;
	if ((rc = vgi_store_get_tail(s, &blob, &len)) != VG_OK)
		return set_err(p, rc, vg_store_errmsg(s));
	if (!blob)
		return VG_OK;
	rc = vgi_pipeline_load_tail(p, blob, len);
	free(blob);
	return rc;
}

/* ------------------------------------------------------------ the API */

int vg_pipeline_create(vg_pipeline **pp, const vg_site *site, const vg_pipeline_opts *o)
{
	vg_pipeline *p = calloc(1, sizeof *p);
	vg_merge_opts mo;
	char err[256];
	int rc;
	*pp = p;
	if (!p)
		return VG_ENOMEM;
	p->site = site;
	if (o)
		p->o = *o;
	p->clock_day = INT32_MIN;
	if (p->o.study)
		p->o.study->scans_known = 1; /* every connection passes the scan detector */
	if (vgi_rollup_init(&p->acc) != VG_OK || vgi_u64map_init(&p->ev_conns, 0) != VG_OK ||
	    vgi_hold_init(&p->hold) != VG_OK)
		return set_err(p, VG_ENOMEM, "out of memory");
	memset(&mo, 0, sizeof mo);
	mo.idle_us = (int64_t)(vg_site_idle(site) * 1e6);
	mo.time_order = 1; /* the analyses do not depend on the order records come in */
	if (vg_merger_create(&p->m, &mo, on_conn, p) != VG_OK)
		return set_err(p, VG_ENOMEM, "out of memory");
	if ((rc = vg_scans_create(&p->sc, site, on_tagged, on_event, p, err, sizeof err)) != VG_OK)
		return set_err(p, rc, err);
	if (p->o.store && (rc = load_tail(p, p->o.store)) != VG_OK)
		return rc;
	/* the store sink writes from the caller's thread (its transaction) */
	if (p->o.threads && !p->o.store) {
		vg_scans_set_async(p->sc, 1);
		if (vgi_flowq_start(&p->counter, count_batch, p) != VG_OK)
			p->counter = NULL; /* counted in the detector's thread */
		sinks_start(p);
	}
	return VG_OK;
}

int vg_pipeline_add(vg_pipeline *p, const vg_flow *records, size_t n)
{
	if (p->rc != VG_OK)
		return p->rc;
	if (vg_merger_add(p->m, records, n) != VG_OK && p->rc == VG_OK)
		set_err(p, VG_ENOMEM, "out of memory merging");
	return p->rc;
}

int vg_pipeline_commit(vg_pipeline *p, const vg_store_input *in)
{
	struct vgi_buf b;
	int rc;
	vg_store *s = p->o.store;
	if (!s)
		return VG_EINVAL;
	if (p->rc != VG_OK) {
		vgi_store_rollback(s);
		return p->rc;
	}
	memset(&b, 0, sizeof b);
	if ((rc = flush_rows(p, 1)) != VG_OK || (rc = save_tail(p, &b)) != VG_OK ||
	    (rc = vgi_store_put_tail(s, b.p, b.n)) != VG_OK ||
	    (in && (rc = vgi_store_put_input(s, in)) != VG_OK) || (rc = vgi_store_commit(s)) != VG_OK) {
		vgi_buf_free(&b);
		vgi_store_rollback(s);
		return set_err(p, rc, rc == VG_ENOMEM && !b.bad ? "out of memory"
								: vg_store_errmsg(s));
	}
	vgi_buf_free(&b);
	return VG_OK;
}

int vg_pipeline_add_input(vg_pipeline *p, const vg_store_input *in)
{
	int rc;
	if (!p->o.store)
		return VG_EINVAL;
	if (p->rc != VG_OK)
		return p->rc;
	if ((rc = vgi_store_put_input(p->o.store, in)) != VG_OK)
		return set_err(p, rc, vg_store_errmsg(p->o.store));
	return VG_OK;
}

static int finish_alerts_job(void *user, void *job)
{
	(void)job;
	return vg_alerts_finish(user);
}

int vg_pipeline_finish_sinks(vg_pipeline *p)
{
	struct vgi_worker *w = NULL;
	int st_rc = VG_OK, al_rc = VG_OK;
	if (!p)
		return VG_EINVAL;
	if (p->o.alerts && vgi_worker_start(&w, finish_alerts_job, p->o.alerts, 1) == VG_OK)
		vgi_worker_post(w, NULL);
	else if (p->o.alerts)
		al_rc = vg_alerts_finish(p->o.alerts);
	if (p->o.study)
		st_rc = vg_study_finish(p->o.study);
	if (w)
		al_rc = vgi_worker_stop(w);
	if (al_rc != VG_OK)
		return set_err(p, al_rc, vg_alerts_errmsg(p->o.alerts));
	if (st_rc != VG_OK)
		return set_err(p, st_rc, vg_study_errmsg(p->o.study));
	return VG_OK;
}

int vg_pipeline_finish(vg_pipeline *p)
{
	if (p->rc != VG_OK)
		return p->rc;
	vg_merger_flush(p->m);
	if (vg_scans_flush(p->sc) != 0)
		set_err(p, VG_ENOMEM, "out of memory in the scan detector");
	if (p->counter) {
		vgi_flowq_stop(p->counter);
		p->counter = NULL;
	}
	/* every event has ended; what is left had no event (the detector ran
	 * out of memory): counted as port scans, not lost */
	while (p->hold.n_ev)
		release_held(p, p->hold.ev[0].id, VG_SCAN_PORTSCAN);
	flush_rows(p, 0);
	sinks_stop(p);
	return p->rc;
}

/* vg_pipeline_load: the rows read go to the sinks as counted rows do (in
 * the sink threads, beside the reading, when there are threads) */
static int load_flush(void *user, struct vgi_rollup *r)
{
	vg_pipeline *p = user;
	int rc;
	if (r != &p->acc)
		return VG_EINVAL;
	rc = flush_rows(p, 0);
	return rc != VG_OK ? rc : p->rc;
}

static void load_history(void *user, const vg_addr *a, uint8_t fam, int32_t first,
			 int32_t first_ns)
{
	vg_pipeline *p = user;
	vgi_study_src_history(p->o.study, a, fam, first, first_ns);
}

static int load_event(void *user, const vg_scan_event *e, uint64_t conns)
{
	vg_pipeline *p = user;
	vg_scan_event ev = *e;
	ev.kind = (uint8_t)vgi_scan_kind(p->site, &ev); /* not stored: the site says it */
	return event_to_sinks(p, &ev, conns, 0) != VG_OK;
}

int vg_pipeline_load(vg_pipeline *p, vg_store *s, int32_t day0, int32_t day1,
		     int32_t alerts_day0)
{
	vg_store_info info;
	int rc = VG_OK;

	if (p->rc != VG_OK)
		return p->rc;
	if ((rc = vg_store_summary(s, &info)) != VG_OK)
		return set_err(p, rc, vg_store_errmsg(s));
	flush_rows(p, 0);
	vgi_rollup_clear(&p->acc);
	if (alerts_day0 < day0 && p->o.alerts) {
		p->alerts_only = 1;
		rc = vgi_store_get_rows(s, alerts_day0, day0 - 1, &p->acc, load_flush, p);
		if (rc == VG_OK)
			rc = load_flush(p, &p->acc);
		p->alerts_only = 0;
	}
	if (rc == VG_OK)
		rc = vgi_store_get_rows(s, day0, day1, &p->acc, load_flush, p);
	if (rc == VG_OK)
		rc = load_flush(p, &p->acc);
	/* the study's maps are complete before the history is looked up */
	if (rc == VG_OK && p->sk && sinks_wait(p->sk) != VG_OK)
		rc = VG_ENOMEM;
	if (rc != VG_OK)
		return p->rc != VG_OK ? p->rc : set_err(p, rc, vg_store_errmsg(s));
	if (p->o.study && (rc = vgi_store_get_history(s, day0, p->o.study->without, load_history, p)) != VG_OK)
		return set_err(p, rc, vg_store_errmsg(s));
	rc = vgi_store_get_events(s, vg_site_day_start(p->site, day0),
				  vg_site_day_start(p->site, day1 + 1), p->o.overlap_events, load_event,
				  p);
	if (rc != VG_OK)
		return p->rc != VG_OK ? p->rc : set_err(p, rc, vg_store_errmsg(s));
	p->records = info.records;
	if (info.n_days && (day0 > info.first_day || day1 < info.last_day) &&
	    (rc = vgi_store_records(s, vg_site_day_start(p->site, day0),
				    vg_site_day_start(p->site, day1 + 1), &p->records)) != VG_OK)
		return set_err(p, rc, vg_store_errmsg(s));
	/* the open tail belongs to the newest days: only a range that reaches
	 * them closes it */
	if ((info.n_days == 0 || day1 >= info.last_day) && !p->o.finished_only) {
		vg_scans_set_async(p->sc, 0);
		if ((rc = load_tail(p, s)) != VG_OK)
			return rc;
	}
	return VG_OK;
}

int vg_alerts_use_store(vg_alerts *a, vg_store *s, int record)
{
	size_t n = vg_alerts_count(a);
	if (!n)
		return VG_OK;
	return vgi_store_alert_ids(s, (vg_alert *)(uintptr_t)vg_alerts_get(a, 0), n, record);
}

void vg_pipeline_free(vg_pipeline *p)
{
	if (!p)
		return;
	if (p->o.store)
		vgi_store_rollback(p->o.store); /* what was not committed is not kept */
	vg_scans_free(p->sc); /* its thread first: it feeds the counter */
	p->sc = NULL;
	if (p->counter)
		vgi_flowq_stop(p->counter);
	sinks_stop(p);
	vg_merger_free(p->m);
	vgi_rollup_free(&p->acc);
	vgi_u64map_free(&p->ev_conns);
	vgi_hold_free(&p->hold);
	free(p);
}

void vg_pipeline_scan_stats(const vg_pipeline *p, vg_scans_stats *st)
{
	vg_scans_get_stats(p->sc, st);
}

int vg_site_alert_days(const vg_site *s)
{
	return (int)s->ak[VGI_AK_DAYS];
}
