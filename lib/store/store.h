/*
 * store.h - the store's internal interface (store.c): what the pipeline
 * writes in a transaction and what the report reads back. The public part
 * (open, close, inputs, summary) is in vigil.h.
 */
#ifndef VGI_STORE_H
#define VGI_STORE_H

#include "analyze/analyze.h"

struct vgi_rollup;

/* What every back end keeps; impl is its own state. */
struct vg_store {
	const struct vgi_store_ops *ops;
	char *path;              /* as given, without a password */
	int mode;                /* VG_STORE_READ, VG_STORE_WRITE */
	int partial;             /* a read missed a shard */
	int raw;                 /* the writer keeps every connection (put_conn) */
	char errmsg[VGI_ERRMSG_LEN];
	void *impl;
	struct vgi_wb *wb;       /* the write-behind thread (store.c); NULL: none */
};

/* A back end: the functions below, one per entry (store_sqlite.c,
 * store_ch.c). open fills s->impl; close frees it (s itself is the
 * front's). */
struct vgi_store_ops {
	const char *name;
	int (*open)(vg_store *s, const char *path, int mode, const vg_site *site,
		    const vg_store_opts *o);
	void (*close)(vg_store *s);
	int (*begin)(vg_store *s);
	int (*commit)(vg_store *s);
	void (*rollback)(vg_store *s);
	int (*put_rows)(vg_store *s, const struct vgi_rollup *r);
	int (*put_event)(vg_store *s, const vg_site *site, const vg_scan_event *e, uint64_t conns);
	int (*put_tail)(vg_store *s, const void *blob, size_t len);
	int (*put_input)(vg_store *s, const vg_store_input *in);
	int (*get_tail)(vg_store *s, void **blob, size_t *len);
	int (*get_rows)(vg_store *s, int32_t day0, int32_t day1, struct vgi_rollup *r,
			int (*flush)(void *user, struct vgi_rollup *r), void *user);
	int (*get_history)(vg_store *s, int32_t before_day, int without,
			   void (*fn)(void *user, const vg_addr *a, uint8_t fam, int32_t first,
				      int32_t first_ns),
			   void *user);
	int (*get_events)(vg_store *s, int64_t t0_us, int64_t t1_us, int overlap,
			  int (*fn)(void *user, const vg_scan_event *e, uint64_t conns), void *user);
	int (*records)(vg_store *s, int64_t t0_us, int64_t t1_us, uint64_t *n);
	int (*alert_ids)(vg_store *s, vg_alert *al, size_t n, int record);
	int (*input_seen)(vg_store *s, const vg_store_input *in);
	int (*summary)(vg_store *s, vg_store_info *info);
	int (*events_after)(vg_store *s, int64_t after, int64_t *last, int64_t *first_us);
	int (*last_alert_id)(vg_store *s, uint32_t *id);
	int (*prune)(vg_store *s, int32_t before_day, uint32_t *n_days);
	/* one merged connection of any class (NULL: the back end keeps none) */
	int (*put_conn)(vg_store *s, const vg_site *site, const vg_flow *f, int cls,
			uint32_t scan_id);
};

extern const struct vgi_store_ops vgi_store_sqlite, vgi_store_clickhouse;

/* Fuzzing (tests/fuzz/fuzz_chanswer.c): data[0] picks a ClickHouse answer
 * (a rollup table's rows, scan events, history, alerts, meta, sensors,
 * tail, partitions), data[1] + 1 the size of the pieces it arrives in; the
 * rest is parsed as that answer. VG_OK or a status; never a fault. */
int vgi_ch_parse_answer(const uint8_t *data, size_t len);

/* The first line where two site descriptions differ ("the store has
 * '...', this run '...'"), for the back ends' refusal. */
void vgi_store_site_diff(const char *a, const char *b, char *out, size_t cap);

/* Rows handed to get_rows' flush at most this many at a time. */
#define VGI_STORE_FLUSH_ROWS ((size_t)1 << 18)

/* Writes open a transaction (BEGIN IMMEDIATE) if none is open. */
int vgi_store_begin(vg_store *s);
int vgi_store_commit(vg_store *s);
void vgi_store_rollback(vg_store *s);
int vgi_store_put_rows(vg_store *s, const struct vgi_rollup *r);
int vgi_store_put_event(vg_store *s, const vg_site *site, const vg_scan_event *e,
			uint64_t conns);
int vgi_store_put_tail(vg_store *s, const void *blob, size_t len);
int vgi_store_put_input(vg_store *s, const vg_store_input *in);
/* The tail blob (malloc'd; NULL and 0 if none). */
int vgi_store_get_tail(vg_store *s, void **blob, size_t *len);
/* Rows of days [day0, day1] combined into r; flush (if not NULL) is
 * called when r holds many rows, then r is cleared. */
int vgi_store_get_rows(vg_store *s, int32_t day0, int32_t day1, struct vgi_rollup *r,
		       int (*flush)(void *user, struct vgi_rollup *r), void *user);
/* Every source's first day (and first day outside scans) before a day. */
int vgi_store_get_history(vg_store *s, int32_t before_day, int without,
			  void (*fn)(void *user, const vg_addr *a, uint8_t fam, int32_t first,
				     int32_t first_ns),
			  void *user);
/* Scan events that start in [t0, t1), in the order they ended. */
int vgi_store_get_events(vg_store *s, int64_t t0_us, int64_t t1_us, int overlap,
			 int (*fn)(void *user, const vg_scan_event *e, uint64_t conns), void *user);
/* A merged connection, when the store keeps them (s->raw). */
int vgi_store_put_conn(vg_store *s, const vg_site *site, const vg_flow *f, int cls,
		       uint32_t scan_id);
/* Flow records of the inputs whose records span [t0, t1) in part. */
int vgi_store_records(vg_store *s, int64_t t0_us, int64_t t1_us, uint64_t *n);
/* Gives alerts the ids the store knows them by (new ones get the next
 * ids); record: new ones are written to the store. */
int vgi_store_alert_ids(vg_store *s, vg_alert *al, size_t n, int record);

#endif
