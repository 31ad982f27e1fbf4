/*
 * det.h - the daily alert detectors behind a table (docs/alerts.md). Each
 * detector is one file, det_NAME.c, with a per-day step over one (protocol,
 * port)'s series of sources, targets, new sources and connections per day,
 * and its own state; alerts.c walks the table day by day for every port. A
 * condition that holds day after day is one alert (struct run). Adding a
 * detector = one file, one row in daily_dets[] (alerts.c), its VG_DET_* and
 * name, its parameters in vgi_alert_params[] (site.c).
 */
#ifndef VGI_DET_H
#define VGI_DET_H

#include "analyze/analyze.h"

/* Per port and day: the series the daily detectors read. */
struct series {
	size_t n;                  /* days */
	int32_t d0;                /* first day */
	double *conn, *src, *dst, *nw;
	double *exp1, *exp2, *exp3; /* the expected values, one series per detector
				     * that shows them (NAN: none that day) */
	uint8_t *alarm;            /* days the change detector was in alarm */
};

/* An ongoing daily alert: extended while its condition holds day after day. */
struct run {
	vg_alert *al;
	size_t first, last;        /* day indices it first and last held */
	char head[200];            /* the summary of its first day */
};

/* What a step sees: the port, its series, and the day. */
struct det_ctx {
	vg_alerts *a;
	struct series *S;
	double *tmp;               /* scratch of S->n doubles */
	const double *ak;          /* the alert parameters (enum vgi_alert_key) */
	uint8_t proto;
	int32_t port;
	const char *ps;            /* the port as text, "445/tcp" */
	size_t L, H;               /* alert-days, alert-min-history */
	double minsrc;             /* alert-min-sources */
	int64_t t0;                /* the start of the series' first day */
	size_t i, lo;              /* the day, the first day of its look-back */
	const char *ds;            /* the day as text */
};

struct vgi_daily_det {
	const char *name;
	size_t state_size;         /* zeroed before the first day of each port */
	void (*init)(void *state); /* or NULL */
	int (*step)(struct det_ctx *c, void *state); /* VG_OK or VG_ENOMEM */
};

extern const struct vgi_daily_det vgi_det_trend, vgi_det_cusum, vgi_det_worm, vgi_det_newport;

/* alerts.c's helpers for the detectors */
int64_t vgi_day_start_us(const vg_site *s, int32_t day);
/* Mean and standard deviation of v over [lo, hi) where skip is clear (or
 * NULL); returns how many days that was. */
size_t vgi_det_history(const double *v, const uint8_t *skip, size_t lo, size_t hi, double *mean,
		       double *sd);
double vgi_det_median(const double *v, size_t lo, size_t hi, double *tmp);
/* The condition holds on day i: extends the run's alert if it held the day
 * before, else opens a new one. *update: this day is the strongest so far
 * (the caller sets value, baseline and summary). NULL: out of memory. */
vg_alert *vgi_run_hold(vg_alerts *a, struct run *r, int det, uint8_t proto, int32_t port,
		       const struct series *S, size_t i, double strength, int *update);
/* The condition does not hold on day i: a run that held yesterday ends today. */
void vgi_run_miss(vg_alerts *a, struct run *r, const struct series *S, size_t i);
/* The summary: the first day's sentence, then the strongest day's. */
void vgi_run_summary(struct run *r, vg_alert *al, size_t i, const char *day, const char *now);
/* The first day of a run's evidence: L days before the run began. */
size_t vgi_ev_from(const struct run *r, size_t L);
/* Copies the evidence: v[from..to] (at most the last 64), and expected. */
int vgi_set_evidence(vg_alert *al, const char *series, int64_t start_us, int step_s,
		     const double *v, const double *expected, size_t from, size_t to);

#endif
