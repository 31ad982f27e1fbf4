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
#include "core/addrtab.h"
#include "core/u64map.h"

/* The alerts handle, for the detectors (alerts.c owns it). */
struct vgi_flowq;
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

/* An alert the writers show: holding at or after since_us, at or above
 * the handle's minimum severity. */
#define VGI_ALERT_SHOWN(a, al, since_us) \
	((al)->last_us >= (since_us) && (al)->severity >= (a)->min_sev)

struct vg_alerts {
	const vg_site *site;
	char errmsg[VGI_ERRMSG_LEN]; /* vg_alerts_errmsg; set by vgi_alerts_fail */
	int fresh_set;             /* vg_alerts_set_freshness */
	int min_sev;               /* vg_alerts_set_min_severity; 0 = all */
	unsigned text_width;       /* vg_alerts_set_text_width; 0 = as wide as it is */
	int time_fmt;              /* vg_alerts_set_time_format: CSV's times */
	int64_t fresh_newest_us, fresh_now_us;
	double fresh_max_age_s;
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
	struct vgi_flowq *async; /* vg_alerts_set_async (alerts.c) */
	uint64_t n_scan_events;
	uint64_t n_outside;   /* days or hours out of the key range */
	struct vgi_scanrec *scans;
	size_t n_scans, cap_scans;
	vg_alert *al;
	size_t n_al, cap_al;
};

struct srcday {
	uint32_t src;
	int32_t day;
	uint32_t conns;
};



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

/* The detectors that are not daily steps, called by vg_alerts_finish:
 * det_seasonal.c (per port, over the hourly sources y[0..n) from hour h0;
 * pred and band: n doubles of scratch), det_big.c, det_backscatter.c,
 * det_scan.c. */
int vgi_det_seasonal(vg_alerts *a, unsigned pk, const double *y, size_t n, int64_t h0,
		     double *pred, double *band);
int vgi_det_big(vg_alerts *a);
int vgi_det_backscatter(vg_alerts *a);
int vgi_det_scans(vg_alerts *a);

/* alerts.c's helpers for the detectors */
vg_alert *vgi_new_alert(vg_alerts *a);       /* NULL: out of memory */
uint8_t vgi_code_proto(unsigned code);       /* tcp 0, udp 1, sctp 2 -> 6, 17, 132 */
void vgi_port_text(uint8_t proto, int32_t port, char *out, size_t len); /* "445/tcp" */
/* The rows of a map of index << 16 | day -> count that keep() takes (NULL:
 * all), sorted by index, then day, into *out (the caller frees it). */
int vgi_day_rows(const vg_alerts *a, const vgi_u64map *m,
		 int (*keep)(const vg_alerts *a, uint64_t key, uint32_t val), struct srcday **out,
		 size_t *n_out);
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

/* Sets the alerts' message (the last error's); returns rc. */
int vgi_alerts_fail(vg_alerts *a, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
