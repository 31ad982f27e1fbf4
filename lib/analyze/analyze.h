/*
 * analyze.h - what the analyses share inside the library: the site
 * description (monitored networks, services, study parameters), the port
 * registry, and the results of the seed study that the report writers
 * (lib/report/study_out.c) print.
 */
#ifndef VGI_ANALYZE_H
#define VGI_ANALYZE_H

#include <errno.h>

#include "core/core.h"
#include "core/addrtab.h"
#include "core/tz.h"
#include "core/u64map.h"

/* ------------------------------------------------------------ ports */

struct vgi_portdb;

struct vgi_portinfo {
	const char *iana, *svc, *trojan, *trojan_source; /* not NUL-terminated */
	size_t iana_len, svc_len, trojan_len, trojan_source_len;
	const char *range; /* "system", "user", "dynamic" */
};

int vgi_portdb_load(struct vgi_portdb **db, const char *services_path,
		    char *err, size_t errlen);
void vgi_portdb_free(struct vgi_portdb *db);
void vgi_portdb_lookup(const struct vgi_portdb *db, unsigned proto,
		       unsigned port, struct vgi_portinfo *pi);

/* ------------------------------------------------------------ site */

struct vgi_prefix {
	vg_addr net;     /* masked */
	unsigned bits;   /* over the 128-bit layout (IPv4: 96 + len) */
};
/* 1 when a lies in p */
int vgi_prefix_has(const struct vgi_prefix *p, const vg_addr *a);

struct vgi_service {
	vg_addr lo, hi;  /* inclusive address range */
	uint16_t plo, phi;
	uint8_t proto;
};

/* The alert detectors' parameters (site keys, docs/alerts.md). */
enum vgi_alert_key {
	VGI_AK_DAYS, VGI_AK_MIN_HISTORY, VGI_AK_MIN_SOURCES,
	VGI_AK_TREND_THRESHOLD, VGI_AK_TREND_RATIO,
	VGI_AK_HW_ALPHA, VGI_AK_HW_BETA, VGI_AK_HW_GAMMA, VGI_AK_HW_DELTA,
	VGI_AK_HW_WINDOW, VGI_AK_HW_FAILURES, VGI_AK_HW_MIN_EXCESS,
	VGI_AK_CUSUM_DRIFT, VGI_AK_CUSUM_THRESHOLD,
	VGI_AK_WORM_RATE, VGI_AK_WORM_DAYS, VGI_AK_WORM_MIN_NEW,
	VGI_AK_BIG_SHARE, VGI_AK_BIG_MIN,
	VGI_AK_NEWPORT_DAYS, VGI_AK_NEWPORT_SOURCES,
	VGI_AK_BACKSCATTER_PACKETS,
	VGI_AK__N
};

struct vgi_alert_param {
	const char *key;
	double def, min, max;
	int integer;
};

extern const struct vgi_alert_param vgi_alert_params[VGI_AK__N];

#define VGI_MAX_HOT 16
#define VGI_MAX_BUCKETS 16

struct vg_site {
	struct vgi_prefix *mon;
	size_t n_mon, cap_mon;
	struct vgi_service *svc;
	size_t n_svc, cap_svc;
	struct { uint8_t proto; uint16_t port; } hot[VGI_MAX_HOT];
	size_t n_hot;
	unsigned buckets[VGI_MAX_BUCKETS];
	size_t n_buckets;
	int32_t tz_offset_s;   /* fixed offset, when tz.n == 0 */
	struct vgi_tz tz;      /* a named zone */
	char tz_name[128];
	unsigned top;
	double idle_s;
	char *services_file;
	char *store;           /* the store's path (site key store) */
	double max_age_s;      /* newest data older than this: a dead feed */
	int max_age_set;       /* max-age was given */
	char *known_file;      /* known scanners, besides data/known-scanners.tsv */
	double scan_window_s;
	unsigned scan_vertical, scan_horizontal; /* horizontal 0 = from the site */
	unsigned scan_sweep_ports;  /* a sweep probes at most this many ports */
	unsigned scan_campaign_sources; /* a campaign has at least this many */
	double scan_gap_s;
	unsigned scan_sources;
	double ak[VGI_AK__N];  /* alert parameters, enum vgi_alert_key */
	int scan_alert_severity; /* scan events as alerts: 0 off, VG_SEV_* */
	char csirt[128];         /* IODEF: the team's domain name */
	char csirt_email[128];   /* IODEF: its contact address ("" = none) */
	char **mon_text;  /* as given, for the report */
	char **svc_text;
	struct vg_anon *anon;  /* vg_site_anonymize: the known scanners too */
};

/* Calls fn for each of the fewest prefixes (bits over the 128-bit layout)
 * that cover [lo, hi], in order; stops at the first error it returns. */
int vgi_range_prefixes(vg_addr lo, const vg_addr *hi,
		       int (*fn)(void *user, const vg_addr *net, unsigned bits), void *user);
/* A network (bits over the 128-bit layout) as the handle maps its
 * addresses: the same prefix length, the pseudonym's or the truncated
 * prefix (anon.c). */
void vgi_anon_prefix(struct vg_anon *a, vg_addr *net, unsigned *bits);
/* A key file's bytes (32 raw, or 64 hex digits and a newline); a handle
 * from a key in memory (tests, fuzzing). */
int vgi_anon_key_parse(const uint8_t *buf, size_t n, uint8_t key[32]);
int vgi_anon_open_key(struct vg_anon **a, const uint8_t key[32], int monitored);

int vgi_site_in_monitored(const struct vg_site *s, const vg_addr *a);
int vgi_site_is_service(const struct vg_site *s, const vg_flow *f);
/* addresses in the monitored set (saturating) */
uint64_t vgi_site_size(const struct vg_site *s);
unsigned vgi_site_horizontal(const struct vg_site *s);
int vgi_is_backscatter(const vg_flow *f);
int vgi_is_backscatter_flags(unsigned tcp_flags);
/* The site keys a store is built with, as text (see site.c). */
size_t vgi_site_describe(const struct vg_site *s, char *out, size_t cap);

/* ------------------------------------------------------------ study */

enum { VGI_PG_TCP, VGI_PG_UDP, VGI_PG_ICMP, VGI_PG_OTHER, VGI_PG__N };

struct vgi_port {
	uint8_t proto;
	uint16_t port;
	uint64_t conns;
	uint32_t sources;
	uint64_t pkts, bytes;        /* both ways (the ports list; 0 elsewhere) */
};

struct vgi_day {
	int32_t day;                 /* days since 1970-01-01 in the site zone */
	uint64_t conns;
	uint32_t sources, new_sources;
	uint64_t scan_conns;         /* connections of scan events */
	uint64_t conns_ns;           /* the rest */
	uint32_t sources_ns, new_sources_ns;
	struct vgi_port new_top[5];  /* top ports of the new sources, no scans */
	size_t n_new_top;
	uint64_t pconns[VGI_PG__N];
	uint32_t psources[VGI_PG__N];
	uint64_t pkts, bytes;        /* of the unsolicited connections, both ways */
};

struct vgi_host {
	vg_addr addr;
	int family;
	uint64_t conns;
	uint32_t sources;
};

struct vgi_hostday {
	uint32_t host;               /* index into hosts */
	int32_t day;
	uint64_t conns;
	uint32_t sources;
	uint64_t pconns[VGI_PG__N];
};

struct vgi_hotday {
	int32_t day;
	uint64_t conns, conns_icmp_src;
	uint32_t sources, icmp_sources;
	uint64_t conns_ns;           /* outside scans */
	uint32_t sources_ns, icmp_sources_ns;
};

#define VGI_TOP_PORTS 14

struct vgi_bucket {
	unsigned min_days, max_days; /* max 0 = open */
	uint32_t sources;
	uint64_t conns;
	struct vgi_port top[VGI_TOP_PORTS];
	size_t n_top;
};

struct vgi_histbin {
	uint64_t min, max;
	uint32_t sources;
	uint64_t conns;
};

struct vgi_icmp {
	uint8_t family, type, code;
	uint64_t conns;
	uint32_t sources;
};

struct vgi_topsrc {
	uint32_t src;                /* index into the source table */
	uint64_t conns;
	uint64_t pkts, bytes;        /* both ways */
	uint32_t ports, hosts, days;
	int32_t first_day, last_day;
	int icmp;
	struct vgi_port top[3];
	size_t n_top;
};

/* Backscatter (VG_CLASS_BACKSCATTER): a rollup row as the study keeps it,
 * a day, and a victim (the outside address that sent it). */
struct vgi_bsrow {
	vg_addr victim;
	int32_t day;
	uint8_t family, proto;
	uint16_t port;               /* the victim's port; ICMP: type << 8 | code */
	uint64_t conns, pkts, bytes;
	int64_t first_us, last_us;
};

struct vgi_bsday {
	int32_t day;
	uint32_t victims;
	uint64_t conns, pkts;
};

struct vgi_victim {
	vg_addr addr;
	uint8_t family, proto;       /* proto, port: where most packets came from */
	uint16_t port;
	int32_t first_day, last_day;
	uint32_t days, n_ports;
	uint64_t conns, pkts, bytes;
	int64_t first_us, last_us;
};

#define VGI_BS_ROWS_MAX ((size_t)1 << 20)

/* Everything the report prints, computed by vg_study_finish. */
struct vgi_results {
	int32_t first_day, last_day;       /* over all connections */
	int64_t first_us, last_us;
	uint64_t records_read;
	uint64_t n_class[VG_CLASS__COUNT];             /* by enum vg_class */
	uint64_t conns;                    /* unsolicited */
	uint32_t sources;
	uint64_t icmp_conns, noicmp_conns;
	uint32_t icmp_sources, noicmp_sources;
	struct vgi_day *days;
	size_t n_days;
	struct vgi_host *hosts;
	size_t n_hosts;
	struct vgi_hostday *hostdays;
	size_t n_hostdays;
	struct vgi_port *ports;            /* tcp/udp/sctp by conns */
	size_t n_ports;
	struct vgi_hotday *hot[VGI_MAX_HOT];  /* n_days each */
	struct vgi_bucket buckets[VGI_MAX_BUCKETS + 1];
	size_t n_buckets;
	struct vgi_bucket buckets_ns[VGI_MAX_BUCKETS + 1]; /* outside scans */
	uint64_t conns_ns, icmp_conns_ns, noicmp_conns_ns, scan_conns;
	/* the three parts: port scans, sweeps, the rest (VGI_PART_*) */
	uint64_t part_conns[3];
	uint32_t part_sources[3], part_events[3];
	uint32_t sources_ns, icmp_sources_ns, noicmp_sources_ns;
	int scans_known;                   /* scan detection ran */
	struct vgi_histbin hist[40];
	size_t n_hist;
	struct vgi_icmp *icmp;
	size_t n_icmp;
	struct vgi_topsrc *top;
	size_t n_top;
	/* backscatter: totals, per day (n_days, every day of the period), the
	 * top victims by packets */
	uint64_t bs_conns, bs_pkts;
	uint32_t bs_victims;
	struct vgi_bsday *bs_days;
	struct vgi_victim *victims;
	size_t n_victims;
};

/* source i's counts; its address is vg_study.srcs.addr[i] */
struct vgi_srcinfo {
	uint8_t icmp;                /* sent at least one ICMP connection */
	uint8_t icmp_ns;             /* ... outside scans */
	uint32_t days;               /* days active (filled by finish) */
	uint32_t days_ns;            /* days active outside scans */
	uint64_t conns, conns_ns;
	uint64_t ps_conns, sw_conns;  /* in port scans, in sweeps */
	uint64_t pkts, bytes;        /* of its connections, both ways */
	int32_t first_day, last_day;
	int32_t first_day_ns;
	int32_t hist_first, hist_first_ns; /* first days before the period (a store) */
};

/* A scan event as the report keeps it: there may be very many, so it is
 * small; vgi_scan_event() gives the full vg_scan_event view. */
struct vgi_scan {
	vg_addr scanner;
	int64_t first_us, last_us;
	uint32_t id, targets, n_ports, flows, answered, unanswered;
	uint32_t conns;              /* unsolicited connections (filled by finish) */
	uint32_t campaign;           /* vg_scan_event.campaign */
	uint32_t n_reset, n_silent;  /* vg_scan_event's */
	uint8_t tcp_probes;
	float score;
	uint8_t family, detectors, protos;
	uint8_t kind;                /* VG_SCAN_PORTSCAN or VG_SCAN_SWEEP */
	uint8_t known;               /* index + 1 into vg_study.known_names, 0 none */
	uint8_t conns_set;           /* conns given with the event */
	char ports_inl[20];          /* the port list (vg_scan_ports_format) ... */
	char *ports_long;            /* ... or here when it is longer */
};

static inline const char *vgi_scan_ports(const struct vgi_scan *s)
{
	return s->ports_long ? s->ports_long : s->ports_inl;
}

struct vgi_rollup;

/* Sets the study's message (vg_study_errmsg: the last error's); returns rc. */
int vgi_study_fail(struct vg_study *st, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

struct vg_study {
	const struct vg_site *site;
	struct vgi_rollup *acc;    /* connections counted, not yet in the maps */
	struct vgi_portdb *ports;
	int finished;
	int without;               /* VG_WITHOUT_*: what "without scans" leaves out */
	unsigned text_width;       /* vg_study_set_text_width: 0 = as wide as it is */
	int time_fmt;              /* vg_study_set_time_format: the CSV tables' times */
	struct vgi_hold *hold;     /* vg_study_add_tagged: connections of scan events */
	struct vgi_flowq *worker; /* vg_study_set_async: the adds run there */
	int worker_rc;
	char errmsg[VGI_ERRMSG_LEN];

	/* address -> index tables: dense indices in order of first sight;
	 * src[i] and host_conns[i] are index i's counts */
	vgi_addrtab srcs;
	struct vgi_srcinfo *src;
	size_t cap_src;
	vgi_addrtab hosts;
	uint64_t *host_conns;
	/* the volume of the unsolicited connections (packets and bytes, both
	 * ways), per day and per TCP/UDP/SCTP port, from the day and
	 * port_host rollups */
	struct vgi_dayvol { int32_t day; uint64_t pkts, bytes; } *dayvol;
	size_t n_dayvol, cap_dayvol;
	vgi_u64map portvol_ix;     /* proto << 16 | port -> 1 + index into portvol */
	struct vgi_portvol { uint64_t pkts, bytes; } *portvol;
	size_t n_portvol, cap_portvol;
	size_t cap_host;

	vgi_u64map srcday;     /* src | day             -> conns */
	vgi_u64map matrix;     /* src | proto | port    -> conns */
	vgi_u64map hostsrc;    /* host | src            (a set) */
	vgi_u64map hostdaysrc; /* host | day | src      (a set; first 4096 hosts) */
	vgi_u64map hostdayp;   /* host | day | pgroup   -> conns */
	vgi_u64map pdaysrc;    /* pgroup | day | src    -> conns */
	vgi_u64map hotdaysrc;  /* hot | day | src       -> conns */
	vgi_u64map icmpsrc;    /* family | type | code | src -> conns */
	vgi_u64map srcday_ns;  /* src | day -> conns outside scans */
	vgi_u64map matrix_scan;/* src | proto | port -> conns of scans */
	vgi_u64map hotdaysrc_ns; /* hot | day | src -> conns outside scans */
	vgi_u64map dayscan;    /* day -> conns of scans */
	struct vgi_scan *scans;
	size_t n_scans, cap_scans;
	uint32_t *conns_by_id; /* event id -> unsolicited connections */
	size_t cap_by_id;
	char *known_names[255];
	size_t n_known_names;
	int scans_known;
	const struct vg_alerts *alerts; /* vg_study_set_alerts */
	int fresh_set;         /* vg_study_set_freshness was called */
	int partial;           /* vg_study_set_partial: read from some shards only */
	int64_t fresh_newest_us, fresh_now_us;
	double fresh_max_age_s;

	uint64_t n_class[VG_CLASS__COUNT];
	uint64_t records_read;
	struct vgi_bsrow *bs;      /* backscatter rows, as added */
	size_t n_bs, cap_bs;
	uint64_t dropped_bs;       /* rows beyond VGI_BS_ROWS_MAX */
	int64_t first_us, last_us;
	struct vgi_results res;
	struct vgi_rowbuf *rowbuf; /* vg_study_row's texts (report/emit.h) */
};

int32_t vgi_study_day(const struct vg_site *s, int64_t us);
/* Folds day-rollup rows into the study (rollup.h). */
/* During the flow callback of vg_scans: 1 when the connection's event is
 * sure to be a port scan (vgi_scan_kind), whatever it does next. */
int vgi_scans_emit_portscan(const struct vg_scans *sc);
/* VG_SCAN_PORTSCAN or VG_SCAN_SWEEP, by the site's scan-sweep-ports. */
int vgi_scan_kind(const struct vg_site *site, const struct vg_scan_event *e);
int vgi_study_add_rollup(struct vg_study *st, const struct vgi_rollup *r);
/* A source's first days before the period (from a store's history):
 * call after the period's rows are added. */
void vgi_study_src_history(struct vg_study *st, const vg_addr *a, uint8_t fam,
			   int32_t first_day, int32_t first_day_ns);
/* A scan event with its unsolicited connections counted by the caller. */
int vgi_study_add_scan_conns(struct vg_study *st, const struct vg_scan_event *e,
			     uint64_t conns);
/* The scan detector's open state (episodes, ratios, live ports) saved
 * and put back into a new detector of the same site. */
struct vgi_buf;
int vgi_scans_save(struct vg_scans *sc, struct vgi_buf *b);
int vgi_scans_load(struct vg_scans *sc, vgi_cur *c);
/* Puts a saved open tail (a store's) back into a new pipeline. */
int vgi_pipeline_load_tail(struct vg_pipeline *p, const void *blob, size_t len);
/* Folds day-rollup rows into the alerts' series. */
int vgi_alerts_add_rollup(struct vg_alerts *a, const struct vgi_rollup *r);
const struct vg_site *vgi_alerts_site(const struct vg_alerts *a);
void vgi_scan_event(const struct vg_study *st, const struct vgi_scan *s, vg_scan_event *e);
int vgi_known_check(const char *text, size_t len, char *err, size_t errlen);
void vgi_day_format(int32_t day, char out[11]);

#endif
