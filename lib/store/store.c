/*
 * store.c - the store's front: vg_store_open picks the back end by the
 * name's form (clickhouse:// is ClickHouse, anything else an SQLite file),
 * and every other call goes through the back end's table (store.h). What
 * the back ends share - the handle, its message, the write-behind thread
 * - lives here.
 */
#include <stdlib.h>

#include "analyze/rollup.h"
#include "core/worker.h"
#include "store/store.h"

static const struct vgi_store_ops *backend_of(const char *path)
{
	return strncmp(path, "clickhouse://", 13) == 0 ? &vgi_store_clickhouse : &vgi_store_sqlite;
}

/* The first line where two site descriptions differ, for the message. */
void vgi_store_site_diff(const char *a, const char *b, char *out, size_t cap)
{
	while (*a || *b) {
		const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
		size_t la = ea ? (size_t)(ea - a) : strlen(a), lb = eb ? (size_t)(eb - b) : strlen(b);
		if (la != lb || memcmp(a, b, la) != 0) {
			snprintf(out, cap, "the store has '%.*s', this run '%.*s'", (int)la, a, (int)lb, b);
			return;
		}
		a += la + (ea != NULL);
		b += lb + (eb != NULL);
	}
	snprintf(out, cap, "(no difference)");
}

int vg_store_open_ex(vg_store **sp, const char *path, int mode, const vg_site *site,
		     const vg_store_opts *o)
{
	vg_store *s = calloc(1, sizeof *s);
	int rc;
	*sp = s;
	if (!s)
		return VG_ENOMEM;
	s->ops = backend_of(path);
	s->mode = mode;
	if (!(s->path = strdup(path)))
		return VG_ENOMEM;
	if ((rc = s->ops->open(s, path, mode, site, o)) != VG_OK)
		return rc;
	if (o && o->raw) {
		if (!s->ops->put_conn) {
			snprintf(s->errmsg, sizeof s->errmsg, "%s: --raw is for a ClickHouse store",
				 s->path);
			return VG_EINVAL;
		}
		if (mode == VG_STORE_WRITE)
			s->raw = 1;
	}
	return VG_OK;
}

int vg_store_open(vg_store **sp, const char *path, int mode, const vg_site *site)
{
	return vg_store_open_ex(sp, path, mode, site, NULL);
}

const char *vg_store_errmsg(const vg_store *s)
{
	return s ? s->errmsg : "out of memory";
}

const char *vg_store_name(const vg_store *s)
{
	return s->path;
}

const char *vg_store_kind(const vg_store *s)
{
	return s->ops->name;
}

int vg_store_partial(const vg_store *s)
{
	return s->partial;
}

/* ------------------------------------------------------------ write-behind
 *
 * A writer's rows and scan events go to the back end on a worker thread
 * while the pipeline reads and counts on: put_rows copies the rollup and
 * posts it with the events kept since the last post, and the caller counts
 * the next day meanwhile. Every other call first waits until what was
 * posted is written (wb_drain), so the back end is used by one thread at a
 * time, in the order of the calls, and a commit covers all that came
 * before it. A write that failed is reported by the next call (its message
 * in s->errmsg, as the back end wrote it). With --raw (put_conn for every
 * connection) and when no thread can be started, writes stay in the
 * caller's thread.
 */

struct wb_event {
	vg_scan_event e; /* its ports and known are the batch's own copies */
	uint64_t conns;
};

struct wb_batch {
	struct vgi_rollup r;
	int has_rows;
	struct wb_event *ev;
	size_t n_ev, cap_ev;
};

/* Batches posted and not yet written at most: one day being written, one
 * waiting, so that a day with more rows than the next does not stall the
 * counting. */
#define WB_DEPTH 2

struct vgi_wb {
	struct vgi_worker *w;
	const vg_site *site;
	struct wb_batch b[WB_DEPTH + 1];
	int cur;     /* the batch being filled; the others may be posted */
	int pending; /* a batch is posted (the last as seq) and maybe not written */
	uint64_t seq;
};

/* Events kept at most before they are posted without rows. */
#define WB_MAX_EVENTS 16384

static void batch_clear(struct wb_batch *b)
{
	size_t i;
	for (i = 0; i < b->n_ev; i++) {
		free((void *)(uintptr_t)b->ev[i].e.ports);
		free((void *)(uintptr_t)b->ev[i].e.known);
	}
	b->n_ev = 0;
	b->has_rows = 0;
	vgi_rollup_clear(&b->r);
}

static int wb_write(void *user, void *job)
{
	vg_store *s = user;
	struct wb_batch *b = job;
	size_t i;
	int rc = VG_OK;
	if (b->has_rows)
		rc = s->ops->put_rows(s, &b->r);
	for (i = 0; rc == VG_OK && i < b->n_ev; i++)
		rc = s->ops->put_event(s, s->wb->site, &b->ev[i].e, b->ev[i].conns);
	return rc;
}

static void wb_free(vg_store *s)
{
	struct vgi_wb *wb = s->wb;
	int i;
	if (!wb)
		return;
	if (wb->w)
		(void)vgi_worker_stop(wb->w);
	for (i = 0; i <= WB_DEPTH; i++) {
		batch_clear(&wb->b[i]);
		vgi_rollup_free(&wb->b[i].r);
		free(wb->b[i].ev);
	}
	free(wb);
	s->wb = NULL;
}

/* The write-behind of a writer, started on first use; NULL: write here. */
static struct vgi_wb *wb_get(vg_store *s)
{
	struct vgi_wb *wb = s->wb;
	int i;
	if (wb || s->raw || s->mode != VG_STORE_WRITE)
		return wb;
	if (!(wb = calloc(1, sizeof *wb)))
		return NULL;
	s->wb = wb;
	for (i = 0; i <= WB_DEPTH; i++)
		if (vgi_rollup_init(&wb->b[i].r) != VG_OK) {
			wb_free(s);
			return NULL;
		}
	if (vgi_worker_start(&wb->w, wb_write, s, WB_DEPTH) != VG_OK) {
		wb_free(s);
		return NULL;
	}
	return wb;
}

/* Posts the batch being filled, if it holds anything. The post returns
 * once fewer than WB_DEPTH batches are outstanding, so the batch posted
 * WB_DEPTH posts ago - the next in the ring - is written and free to fill. */
static void wb_post(struct vgi_wb *wb)
{
	struct wb_batch *b = &wb->b[wb->cur];
	if (!b->has_rows && !b->n_ev)
		return;
	wb->seq = vgi_worker_post(wb->w, b);
	wb->pending = 1;
	wb->cur = (wb->cur + 1) % (WB_DEPTH + 1);
	batch_clear(&wb->b[wb->cur]);
}

/* Waits until everything handed over is written: VG_OK, or the status of
 * the first write that failed (the thread is then ended; it starts anew on
 * the next write). */
static int wb_drain(vg_store *s)
{
	struct vgi_wb *wb = s->wb;
	int rc, i;
	if (!wb)
		return VG_OK;
	wb_post(wb);
	if (!wb->pending)
		return VG_OK;
	rc = vgi_worker_wait(wb->w, wb->seq);
	wb->pending = 0;
	for (i = 0; i <= WB_DEPTH; i++)
		batch_clear(&wb->b[i]);
	if (rc != VG_OK)
		wb_free(s);
	return rc;
}

void vg_store_close(vg_store *s)
{
	if (!s)
		return;
	(void)wb_drain(s);
	wb_free(s);
	if (s->impl)
		s->ops->close(s);
	free(s->path);
	free(s);
}

int vgi_store_begin(vg_store *s)
{
	int rc = wb_drain(s);
	return rc != VG_OK ? rc : s->ops->begin(s);
}

int vgi_store_commit(vg_store *s)
{
	int rc = wb_drain(s);
	return rc != VG_OK ? rc : s->ops->commit(s);
}

void vgi_store_rollback(vg_store *s)
{
	(void)wb_drain(s);
	s->ops->rollback(s);
}

int vgi_store_put_rows(vg_store *s, const struct vgi_rollup *r)
{
	struct vgi_wb *wb = wb_get(s);
	struct wb_batch *b;
	int rc;
	if (!wb)
		return s->ops->put_rows(s, r);
	b = &wb->b[wb->cur];
	if (b->has_rows) /* not posted: the rows of an earlier call */
		wb_post(wb);
	b = &wb->b[wb->cur];
	if ((rc = vgi_rollup_copy(&b->r, r)) != VG_OK) {
		/* no room for the copy: write them here, after what is posted */
		return (rc = wb_drain(s)) != VG_OK ? rc : s->ops->put_rows(s, r);
	}
	b->has_rows = 1;
	wb_post(wb);
	return VG_OK;
}

int vgi_store_put_event(vg_store *s, const vg_site *site, const vg_scan_event *e,
			uint64_t conns)
{
	struct vgi_wb *wb = wb_get(s);
	struct wb_batch *b;
	struct wb_event *we;
	uint32_t *ports = NULL;
	char *known = NULL;
	if (!wb)
		return s->ops->put_event(s, site, e, conns);
	wb->site = site;
	b = &wb->b[wb->cur];
	if ((e->n_ports && !(ports = malloc(e->n_ports * sizeof *ports))) ||
	    (e->known && !(known = strdup(e->known))) ||
	    vgi_grow(&b->ev, &b->cap_ev, b->n_ev, sizeof *b->ev, 256, SIZE_MAX / sizeof *b->ev)) {
		int rc;
		free(ports);
		free(known);
		return (rc = wb_drain(s)) != VG_OK ? rc : s->ops->put_event(s, site, e, conns);
	}
	if (e->n_ports)
		memcpy(ports, e->ports, e->n_ports * sizeof *ports);
	we = &b->ev[b->n_ev++];
	we->e = *e;
	we->e.ports = ports;
	we->e.known = known;
	we->conns = conns;
	if (b->n_ev >= WB_MAX_EVENTS)
		wb_post(wb);
	return VG_OK;
}

int vgi_store_put_tail(vg_store *s, const void *blob, size_t len)
{
	int rc = wb_drain(s);
	return rc != VG_OK ? rc : s->ops->put_tail(s, blob, len);
}

int vgi_store_put_input(vg_store *s, const vg_store_input *in)
{
	int rc = wb_drain(s);
	return rc != VG_OK ? rc : s->ops->put_input(s, in);
}

int vgi_store_get_tail(vg_store *s, void **blob, size_t *len)
{
	int rc = wb_drain(s);
	return rc != VG_OK ? rc : s->ops->get_tail(s, blob, len);
}

int vgi_store_get_rows(vg_store *s, int32_t day0, int32_t day1, struct vgi_rollup *r,
		       int (*flush)(void *user, struct vgi_rollup *r), void *user)
{
	int rc = wb_drain(s);
	return rc != VG_OK ? rc : s->ops->get_rows(s, day0, day1, r, flush, user);
}

int vgi_store_get_history(vg_store *s, int32_t before_day, int without,
			  void (*fn)(void *user, const vg_addr *a, uint8_t fam, int32_t first,
				     int32_t first_ns),
			  void *user)
{
	int rc = wb_drain(s);
	return rc != VG_OK ? rc : s->ops->get_history(s, before_day, without, fn, user);
}

int vgi_store_get_events(vg_store *s, int64_t t0_us, int64_t t1_us, int overlap,
			 int (*fn)(void *user, const vg_scan_event *e, uint64_t conns), void *user)
{
	int rc = wb_drain(s);
	return rc != VG_OK ? rc : s->ops->get_events(s, t0_us, t1_us, overlap, fn, user);
}

int vgi_store_put_conn(vg_store *s, const vg_site *site, const vg_flow *f, int cls,
		       uint32_t scan_id)
{
	/* a store that keeps connections has no write-behind (wb_get) */
	return s->raw ? s->ops->put_conn(s, site, f, cls, scan_id) : VG_OK;
}

int vgi_store_records(vg_store *s, int64_t t0_us, int64_t t1_us, uint64_t *n)
{
	int rc = wb_drain(s);
	return rc != VG_OK ? rc : s->ops->records(s, t0_us, t1_us, n);
}

int vgi_store_alert_ids(vg_store *s, vg_alert *al, size_t n, int record)
{
	int rc = wb_drain(s);
	return rc != VG_OK ? rc : s->ops->alert_ids(s, al, n, record);
}

int vg_store_input_seen(vg_store *s, const vg_store_input *in)
{
	int rc = wb_drain(s);
	return rc != VG_OK ? rc : s->ops->input_seen(s, in);
}

int vg_store_summary(vg_store *s, vg_store_info *info)
{
	int rc = wb_drain(s);
	return rc != VG_OK ? rc : s->ops->summary(s, info);
}

int vg_store_events_after(vg_store *s, int64_t after, int64_t *last, int64_t *first_us)
{
	int rc = wb_drain(s);
	return rc != VG_OK ? rc : s->ops->events_after(s, after, last, first_us);
}

int vg_store_last_alert_id(vg_store *s, uint32_t *id)
{
	int rc = wb_drain(s);
	return rc != VG_OK ? rc : s->ops->last_alert_id(s, id);
}

int vg_store_prune(vg_store *s, int32_t before_day, uint32_t *n_days)
{
	int rc;
	if (s->mode != VG_STORE_WRITE) {
		snprintf(s->errmsg, sizeof s->errmsg, "%s: opened read-only", s->path);
		return VG_EINVAL;
	}
	if ((rc = wb_drain(s)) != VG_OK)
		return rc;
	return s->ops->prune(s, before_day, n_days);
}

int vg_file_hash(const char *path, uint64_t *size, char hex[33])
{
	FILE *fp = fopen(path, "rb");
	static const size_t chunk = 1 << 20;
	uint8_t *buf;
	uint64_t h1 = 0x243f6a8885a308d3ULL, h2 = 0x13198a2e03707344ULL, n = 0;
	size_t got;
	if (!fp)
		return VG_EIO;
	if (!(buf = malloc(chunk))) {
		fclose(fp);
		return VG_ENOMEM;
	}
	/* two chained 64-bit lanes over 1 MiB chunks: a fingerprint to tell
	 * files apart, not a defence against someone forging a collision */
	while ((got = fread(buf, 1, chunk, fp)) > 0) {
		h1 ^= n;
		h2 = vgi_mix64(h2 + n);
		vgi_hash_bytes2(buf, got, &h1, &h2);
		n += got;
	}
	free(buf);
	if (ferror(fp)) {
		fclose(fp);
		return VG_EIO;
	}
	fclose(fp);
	*size = n;
	snprintf(hex, 33, "%016llx%016llx", (unsigned long long)h1, (unsigned long long)h2);
	return VG_OK;
}
