/*
 * store.c - the store's front: vg_store_open picks the back end by the
 * name's form (clickhouse:// is ClickHouse, anything else an SQLite file),
 * and every other call goes through the back end's table (store.h). What
 * the back ends share - the handle, its message - lives here.
 */
#include <stdlib.h>

#include "analyze/rollup.h"
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

void vg_store_close(vg_store *s)
{
	if (!s)
		return;
	if (s->impl)
		s->ops->close(s);
	free(s->path);
	free(s);
}

int vgi_store_begin(vg_store *s) { return s->ops->begin(s); }
int vgi_store_commit(vg_store *s) { return s->ops->commit(s); }
void vgi_store_rollback(vg_store *s) { s->ops->rollback(s); }

int vgi_store_put_rows(vg_store *s, const struct vgi_rollup *r)
{
	return s->ops->put_rows(s, r);
}

int vgi_store_put_event(vg_store *s, const vg_site *site, const vg_scan_event *e,
			uint64_t conns)
{
	return s->ops->put_event(s, site, e, conns);
}

int vgi_store_put_tail(vg_store *s, const void *blob, size_t len)
{
	return s->ops->put_tail(s, blob, len);
}

int vgi_store_put_input(vg_store *s, const vg_store_input *in)
{
	return s->ops->put_input(s, in);
}

int vgi_store_get_tail(vg_store *s, void **blob, size_t *len)
{
	return s->ops->get_tail(s, blob, len);
}

int vgi_store_get_rows(vg_store *s, int32_t day0, int32_t day1, struct vgi_rollup *r,
		       int (*flush)(void *user, struct vgi_rollup *r), void *user)
{
	return s->ops->get_rows(s, day0, day1, r, flush, user);
}

int vgi_store_get_history(vg_store *s, int32_t before_day, int without,
			  void (*fn)(void *user, const vg_addr *a, uint8_t fam, int32_t first,
				     int32_t first_ns),
			  void *user)
{
	return s->ops->get_history(s, before_day, without, fn, user);
}

int vgi_store_get_events(vg_store *s, int64_t t0_us, int64_t t1_us, int overlap,
			 int (*fn)(void *user, const vg_scan_event *e, uint64_t conns), void *user)
{
	return s->ops->get_events(s, t0_us, t1_us, overlap, fn, user);
}

int vgi_store_put_conn(vg_store *s, const vg_site *site, const vg_flow *f, int cls,
		       uint32_t scan_id)
{
	return s->raw ? s->ops->put_conn(s, site, f, cls, scan_id) : VG_OK;
}

int vgi_store_records(vg_store *s, int64_t t0_us, int64_t t1_us, uint64_t *n)
{
	return s->ops->records(s, t0_us, t1_us, n);
}

int vgi_store_alert_ids(vg_store *s, vg_alert *al, size_t n, int record)
{
	return s->ops->alert_ids(s, al, n, record);
}

int vg_store_input_seen(vg_store *s, const vg_store_input *in)
{
	return s->ops->input_seen(s, in);
}

int vg_store_summary(vg_store *s, vg_store_info *info)
{
	return s->ops->summary(s, info);
}

int vg_store_events_after(vg_store *s, int64_t after, int64_t *last, int64_t *first_us)
{
	return s->ops->events_after(s, after, last, first_us);
}

int vg_store_last_alert_id(vg_store *s, uint32_t *id)
{
	return s->ops->last_alert_id(s, id);
}

int vg_store_prune(vg_store *s, int32_t before_day, uint32_t *n_days)
{
	if (s->mode != VG_STORE_WRITE) {
		snprintf(s->errmsg, sizeof s->errmsg, "%s: opened read-only", s->path);
		return VG_EINVAL;
	}
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
		h1 = vgi_hash_bytes(buf, got, h1 ^ n);
		h2 = vgi_hash_bytes(buf, got, vgi_mix64(h2 + n));
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
