/*
 * test_alerts.c - each detector on hand-made series, at its edges: a flat
 * series (nothing), a single spike (a change that starts and ends; no worm),
 * an exponential ramp (worm onset) against a linear one (no worm), gap days,
 * a port silent for the look-back period, one big source, an hourly burst,
 * an ongoing condition kept as one alert, --since style filtering.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze.h"
#include "harness.h"

#define S 1000000LL
#define DAY (86400 * S)
#define T0 (1709510400LL * S) /* 2024-03-04 00:00 UTC */

struct gen {
	vg_flow *f;
	size_t n, cap;
	uint32_t next_src;    /* sources are 10.x.y.z, each used once unless said */
};

static void add(struct gen *g, uint32_t src, unsigned host, int proto, unsigned port, int64_t t)
{
	vg_flow *f;
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 1024;
		g->f = realloc(g->f, g->cap * sizeof *g->f);
		CHECK(g->f != NULL);
	}
	f = &g->f[g->n++];
	memset(f, 0, sizeof *f);
	f->family = VG_FAM_IP4;
	vg_addr_from_ip4(&f->saddr, src);
	vg_addr_from_ip4(&f->daddr, 0xc0000200u + host);
	f->proto = (uint8_t)proto;
	f->dport = (uint16_t)port;
	f->sport = 40000;
	f->stime_us = f->ltime_us = t;
	f->spkts = 1;
	f->n_records = 1;
}

/* k new sources on day d to port/tcp, each probing 3 hosts, spread over the day */
static void day_of_new(struct gen *g, int d, unsigned port, unsigned k)
{
	unsigned i, h;
	for (i = 0; i < k; i++) {
		uint32_t src = 0x0a000000u + ++g->next_src;
		int64_t t = T0 + d * DAY + (int64_t)(i * 86000 / (k ? k : 1)) * S + 7 * S;
		for (h = 1; h <= 3; h++)
			add(g, src, (i + h) % 10 + 1, 6, port, t + h * S);
	}
}

static vg_site *cur_site;

static void done(vg_alerts *a)
{
	vg_alerts_free(a);
	vg_site_free(cur_site);
	cur_site = NULL;
}

static vg_alerts *run(struct gen *g, const char *const *kv)
{
	vg_site *s;
	vg_alerts *a;
	char err[256];
	CHECK_EQ_INT(vg_site_create(&s), VG_OK);
	CHECK_EQ_INT(vg_site_set(s, "monitored", "192.0.2.1-192.0.2.10", err, sizeof err), VG_OK);
	for (; kv && kv[0]; kv += 2)
		CHECK_EQ_INT(vg_site_set(s, kv[0], kv[1], err, sizeof err), VG_OK);
	CHECK_EQ_INT(vg_alerts_create(&a, s, err, sizeof err), VG_OK);
	CHECK_EQ_INT(vg_alerts_add(a, g->f, NULL, g->n), VG_OK);
	CHECK_EQ_INT(vg_alerts_finish(a), VG_OK);
	cur_site = s; /* the site must outlive the alerts: done() frees both */
	free(g->f);
	memset(g, 0, sizeof *g);
	return a;
}

static size_t count(const vg_alerts *a, int det, int port)
{
	size_t i, n = 0;
	for (i = 0; i < vg_alerts_count(a); i++) {
		const vg_alert *al = vg_alerts_get(a, i);
		n += al->detector == det && (port < 0 || al->port == port);
	}
	return n;
}

static const vg_alert *find(const vg_alerts *a, int det, int port)
{
	size_t i;
	for (i = 0; i < vg_alerts_count(a); i++) {
		const vg_alert *al = vg_alerts_get(a, i);
		if (al->detector == det && (port < 0 || al->port == port))
			return al;
	}
	return NULL;
}

static int64_t day(int d)
{
	return T0 + d * DAY;
}

TEST(alerts_flat_series_is_quiet)
{
	struct gen g = {0};
	vg_alerts *a;
	int d;
	for (d = 0; d < 30; d++)
		day_of_new(&g, d, 445, 10);
	a = run(&g, NULL);
	CHECK_EQ_INT(vg_alerts_count(a), 0);
	done(a);
}

TEST(alerts_single_spike_starts_and_ends)
{
	struct gen g = {0};
	vg_alerts *a;
	const vg_alert *c;
	int d;
	for (d = 0; d < 30; d++)
		day_of_new(&g, d, 445, d == 20 ? 40 : 10);
	a = run(&g, NULL);
	c = find(a, VG_DET_CHANGE, 445);
	CHECK(c != NULL);
	if (c) {
		CHECK(c->time_us == day(20));
		CHECK(c->end_us == day(21));   /* back to the baseline the next day */
		CHECK(c->period_s == 86400);
		CHECK(c->n_ev >= 21 && c->ev[c->n_ev - 1] == 40);
		CHECK(fabs(c->baseline - 10) < 1e-9);
	}
	CHECK_EQ_INT(count(a, VG_DET_CHANGE, 445), 1);
	CHECK_EQ_INT(count(a, VG_DET_TREND, 445), 1);
	CHECK_EQ_INT(count(a, VG_DET_WORM, -1), 0);  /* a burst is not a worm */
	CHECK_EQ_INT(count(a, VG_DET_NEWPORT, -1), 0);
	done(a);
}

TEST(alerts_exponential_ramp_is_a_worm_linear_is_not)
{
	struct gen g = {0};
	vg_alerts *a;
	const vg_alert *w;
	int d;
	/* 10 a day, then from day 15 growing by half every day */
	for (d = 0; d < 28; d++)
		day_of_new(&g, d, 445, d < 15 ? 10 : 10 + (unsigned)(3 * pow(1.5, d - 15)));
	a = run(&g, NULL);
	w = find(a, VG_DET_WORM, 445);
	CHECK(w != NULL);
	if (w) {
		/* growth from day 15; e >= worm-min-new from day 17; 3 days */
		CHECK(w->time_us >= day(19) && w->time_us <= day(22));
		CHECK(w->severity == VG_SEV_HIGH);
		CHECK(w->value > 0.2 && w->value < 0.6);   /* ln 1.5 = 0.41 */
		CHECK(w->end_us == 0);                     /* still growing at the end */
	}
	done(a);

	/* one more new source every day: growth, but not exponential */
	for (d = 0; d < 30; d++)
		day_of_new(&g, d, 445, 10 + (unsigned)d);
	a = run(&g, NULL);
	CHECK_EQ_INT(count(a, VG_DET_WORM, -1), 0);
	done(a);
}

TEST(alerts_gap_days_and_ongoing_conditions)
{
	struct gen g = {0};
	vg_alerts *a;
	const vg_alert *c;
	int d;
	/* no data at all on days 10-13, the same level before and after */
	for (d = 0; d < 30; d++)
		if (d < 10 || d > 13)
			day_of_new(&g, d, 445, 10);
	a = run(&g, NULL);
	CHECK_EQ_INT(count(a, VG_DET_CHANGE, -1), 0);
	CHECK_EQ_INT(count(a, VG_DET_WORM, -1), 0);
	CHECK_EQ_INT(count(a, VG_DET_NEWPORT, -1), 0);
	done(a);

	/* a shift that lasts to the end: one alert, ongoing, with its last day */
	for (d = 0; d < 20; d++)
		day_of_new(&g, d, 445, d < 12 ? 10 : 40);
	a = run(&g, NULL);
	CHECK_EQ_INT(count(a, VG_DET_CHANGE, 445), 1);
	c = find(a, VG_DET_CHANGE, 445);
	CHECK(c && c->time_us == day(12) && c->last_us == day(19) && c->end_us == 0);
	CHECK(vg_alerts_data_end(a) >= day(19));
	done(a);
}

TEST(alerts_new_port_needs_silence_and_sources)
{
	static const char *const kv[] = {"newport-days", "20", NULL};
	struct gen g = {0};
	vg_alerts *a;
	const vg_alert *n;
	int d;
	for (d = 0; d < 30; d++)
		day_of_new(&g, d, 445, 10);
	day_of_new(&g, 25, 2323, 6);  /* 6 sources on a port never seen */
	day_of_new(&g, 26, 7547, 4);  /* 4: below newport-sources (5) */
	day_of_new(&g, 2, 8080, 1);   /* 8080 seen on day 2, then 6 sources on day 21: 19 quiet days */
	day_of_new(&g, 21, 8080, 6);
	a = run(&g, kv);
	n = find(a, VG_DET_NEWPORT, 2323);
	CHECK(n && n->time_us == day(25) && n->end_us == day(26) && n->value == 6);
	CHECK_EQ_INT(count(a, VG_DET_NEWPORT, 7547), 0);
	CHECK_EQ_INT(count(a, VG_DET_NEWPORT, 8080), 0);
	done(a);
}

TEST(alerts_big_source)
{
	struct gen g = {0};
	vg_alerts *a;
	const vg_alert *b;
	unsigned p;
	int d;
	for (d = 0; d < 10; d++)
		day_of_new(&g, d, 445, 100);    /* 300 connections a day */
	for (p = 1; p <= 500; p++)          /* day 5: 500 more from one source */
		add(&g, 0x0b000001u, 4, 6, p, day(5) + p * S);
	for (p = 1; p <= 50; p++)           /* day 7: 50 (14 %): below big-share */
		add(&g, 0x0b000002u, 4, 6, p, day(7) + p * S);
	a = run(&g, NULL);
	CHECK_EQ_INT(count(a, VG_DET_BIG, -1), 1);
	b = find(a, VG_DET_BIG, -1);
	CHECK(b && b->has_source && vg_addr_ip4(&b->source) == 0x0b000001u);
	CHECK(b && fabs(b->value - 500.0 / 800) < 1e-9 && b->severity == VG_SEV_HIGH);
	CHECK(b && b->time_us == day(5) && b->end_us == day(6));
	done(a);
}

TEST(alerts_hourly_burst_is_a_seasonal_aberration)
{
	struct gen g = {0};
	vg_alerts *a;
	const vg_alert *h;
	int d, hr;
	unsigned i;
	/* 5 sources an hour, every hour, 6 days; then 20 an hour for 9 hours */
	for (d = 0; d < 7; d++)
		for (hr = 0; hr < 24; hr++) {
			unsigned k = d == 6 && hr >= 10 && hr < 19 ? 20 : 5;
			for (i = 0; i < k; i++)
				add(&g, 0x0a000000u + ++g.next_src, 1 + i % 10, 6, 3389,
				    day(d) + hr * 3600 * S + (int64_t)i * 60 * S);
		}
	a = run(&g, NULL);
	h = find(a, VG_DET_SEASONAL, 3389);
	CHECK(h != NULL);
	if (h) {
		/* 6 of 9 hours above the band: the 6th burst hour */
		CHECK(h->time_us == day(6) + 15 * 3600 * S);
		CHECK(h->period_s == 3600 && h->value == 20);
		CHECK(h->ev_expected != NULL && h->ev_step_s == 3600);
	}
	CHECK_EQ_INT(count(a, VG_DET_SEASONAL, -1), 1);
	done(a);
}

TEST(alerts_names_and_errors)
{
	vg_site *s;
	vg_alerts *a;
	char err[256];
	CHECK_EQ_STR(vg_detector_name(VG_DET_WORM), "worm");
	CHECK_EQ_INT(vg_severity_parse("medium"), VG_SEV_MEDIUM);
	CHECK_EQ_INT(vg_severity_parse("urgent"), -1);
	CHECK_EQ_INT(vg_alerts_create(&a, NULL, err, sizeof err), VG_EINVAL);
	CHECK_EQ_INT(vg_site_create(&s), VG_OK);
	CHECK_EQ_INT(vg_site_set(s, "hw-delta", "-1", err, sizeof err), VG_EINVAL);
	CHECK_EQ_INT(vg_site_set(s, "alert-days", "2.5", err, sizeof err), VG_EINVAL);
	CHECK_EQ_INT(vg_site_set(s, "scan-alerts", "off", err, sizeof err), VG_OK);
	CHECK_EQ_INT(vg_site_set(s, "csirt", "csirt.example.org", err, sizeof err), VG_OK);
	CHECK_EQ_INT(vg_site_set(s, "csirt-email", "no-at.example.org", err, sizeof err), VG_EINVAL);
	CHECK_EQ_INT(vg_alerts_create(&a, s, err, sizeof err), VG_OK);
	CHECK_EQ_INT(vg_alerts_finish(a), VG_OK);
	CHECK_EQ_INT(vg_alerts_count(a), 0);
	CHECK_EQ_INT(vg_alerts_add(a, NULL, NULL, 0), VG_EINVAL); /* finished */
	vg_alerts_free(a);
	vg_site_free(s);
}
