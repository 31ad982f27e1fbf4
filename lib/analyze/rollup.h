/*
 * rollup.h - the day rollups: the analyses' whole counting state as a few
 * declared tables keyed by real values (day, address, protocol, port,
 * hour), each row a handful of counters that combine by sum, min or max.
 * Two halves of a day - two files, two runs, two sensors - combine into the
 * rows one pass over both would give, so the same rows can be counted from
 * raw connections, kept in memory, written to a store and read back.
 *
 * Every figure of the report and every alert series is derived from these
 * rows (vgi_study_add_rollup, vgi_alerts_add_rollup); nothing downstream
 * sees a connection. Scan events are not rows: they are records of their
 * own (vg_scan_event plus the unsolicited connections tagged with it).
 */
#ifndef VGI_ROLLUP_H
#define VGI_ROLLUP_H

#include "analyze/analyze.h"

/* Column types of a key; their widths in the packed key. */
enum vgi_coltype {
	VGI_COL_DAY,   /* int32: days since 1970-01-01 in the site's zone */
	VGI_COL_HOUR,  /* int32: hours since 1970-01-01 UTC */
	VGI_COL_ADDR,  /* 16 address bytes + family */
	VGI_COL_PROTO, /* uint8 */
	VGI_COL_PORT,  /* uint16: TCP/UDP port; ICMP type << 8 | code */
};

/* How two values of the same key combine. */
enum vgi_comb { VGI_SUM, VGI_MIN, VGI_MAX };

#define VGI_ROLL_MAX_KEY 5
#define VGI_ROLL_MAX_VAL 12

struct vgi_coldecl {
	const char *name;
	uint8_t type;            /* enum vgi_coltype */
};

struct vgi_valdecl {
	const char *name;
	uint8_t comb;            /* enum vgi_comb */
};

struct vgi_tabledecl {
	const char *name;
	const char *doc;
	uint8_t n_key, n_val;
	struct vgi_coldecl key[VGI_ROLL_MAX_KEY];
	struct vgi_valdecl val[VGI_ROLL_MAX_VAL];
};

/* The tables. Every key starts with the day, the unit a store replaces. */
enum {
	VGI_T_DAY,       /* day -> connections per class, first/last times */
	VGI_T_SRC_DAY,   /* day, src -> unsolicited connections, of scans */
	VGI_T_SRC_PORT,  /* day, src, proto, port -> the same per port */
	VGI_T_HOST_SRC,  /* day, host, src, proto -> connections */
	VGI_T_PORT_HOST, /* day, proto, port, host -> connections (TCP/UDP/SCTP) */
	VGI_T_PORT_HOUR, /* day, hour, proto, port, src -> connections (TCP/UDP/SCTP) */
	VGI_T_BACKSCATTER, /* day, victim, proto, its port -> backscatter */
	VGI_T__N
};

/* Value columns of VGI_T_DAY. */
enum {
	VGI_DAY_UNSOLICITED, VGI_DAY_SERVICE, VGI_DAY_OUTBOUND, VGI_DAY_INTERNAL,
	VGI_DAY_OTHER, VGI_DAY_BACKSCATTER, /* connections per enum vg_class */
	VGI_DAY_FIRST_US,    /* earliest start time (min) */
	VGI_DAY_LAST_US,     /* latest end time (max) */
	VGI_DAY_UNSOL_US,    /* latest start of an unsolicited connection (max) */
	VGI_DAY_UNSOL_PKTS,  /* packets of the unsolicited connections, both ways */
	VGI_DAY_UNSOL_BYTES, /* ... and their bytes */
};

/* Value columns of VGI_T_SRC_DAY (conns, scan, sweep, then the volume) and
 * of VGI_T_PORT_HOST (conns, then the volume). */
enum { VGI_SD_PKTS = 3, VGI_SD_BYTES = 4 };
enum { VGI_PH_PKTS = 1, VGI_PH_BYTES = 2 };

extern const struct vgi_tabledecl vgi_tables[VGI_T__N];

/* Value columns of VGI_T_BACKSCATTER. */
enum {
	VGI_BS_CONNS, VGI_BS_PKTS, VGI_BS_BYTES, VGI_BS_FIRST_US, VGI_BS_LAST_US,
};

/* A key unpacked. Unused columns are zero. */
struct vgi_key {
	int32_t day, hour;
	vg_addr a1, a2;          /* first and second address column */
	uint8_t fam1, fam2;
	uint8_t proto;
	uint16_t port;
};

/* One table's rows: open addressing over packed keys, rows in one array. */
struct vgi_rtab {
	const struct vgi_tabledecl *d;
	size_t key_len;          /* packed key bytes, a multiple of 8 */
	size_t row_len;          /* key_len + 8 * n_val */
	uint8_t *rows;
	size_t n, cap;           /* rows held, allocated */
	uint64_t *slots;         /* the key hash's top 32 bits | row index + 1; 0 = empty */
	size_t mask;
	uint64_t seed;
	uint64_t n_dropped;      /* rows refused (memory) */
	int unindexed;           /* rows were appended (vgi_rollup_append): no lookups */
};

struct vgi_rollup {
	struct vgi_rtab t[VGI_T__N];
	int32_t day_lo, day_hi;  /* days with rows; lo > hi: none */
};

int vgi_rollup_init(struct vgi_rollup *r);
void vgi_rollup_free(struct vgi_rollup *r);
void vgi_rollup_clear(struct vgi_rollup *r); /* keeps the allocations */
size_t vgi_rollup_rows(const struct vgi_rollup *r);
/* dst (initialised) gets src's rows, in src's order, without an index (as
 * appended rows: for reading them, not for lookups); its allocations grow
 * and are kept. VG_OK or VG_ENOMEM (dst is then empty). */
int vgi_rollup_copy(struct vgi_rollup *dst, const struct vgi_rollup *src);
/* Memory held, bytes. */
size_t vgi_rollup_bytes(const struct vgi_rollup *r);

/* Counts one connection (any class) with the kind of its scan event:
 * 0 none, VG_SCAN_PORTSCAN or VG_SCAN_SWEEP. src_day and src_port count
 * conns, scan_conns (in any scan event) and sweep_conns (in sweeps). */
int vgi_rollup_add_conn(struct vgi_rollup *r, const vg_site *site, const vg_flow *f,
			int scan_kind, int *cls_out);

/* Combines vals into key's row of table t (created if new). */
int vgi_rollup_combine(struct vgi_rollup *r, int t, const struct vgi_key *k,
		       const int64_t *vals);
/* Appends a row that is known to be the only one of its key (a store's
 * rows): no lookup. A table appended to takes no combines until cleared. */
int vgi_rollup_append(struct vgi_rollup *r, int t, const struct vgi_key *k, const int64_t *vals);
/* Combines every row of src into r. */
int vgi_rollup_merge(struct vgi_rollup *r, const struct vgi_rollup *src);

/* Rows of one table: for (i = 0; i < vgi_rtab_count(t); i++) ... */
static inline size_t vgi_rtab_count(const struct vgi_rtab *t)
{
	return t->n;
}
void vgi_rtab_row(const struct vgi_rtab *t, size_t i, struct vgi_key *k, const int64_t **vals);

/* The value a new row starts from for a combine rule. */
int64_t vgi_comb_zero(int comb);

#endif
