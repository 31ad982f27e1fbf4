/*
 * store_ch.c - the store on ClickHouse (docs/store.md), through its HTTP
 * interface (libcurl): clickhouse://[USER[:PASSWORD]@]HOST:PORT/DATABASE.
 *
 * The same tables as the SQLite store, generated from the same rollup
 * declarations, with two columns more on every row: txn, the write that
 * put it there, and sensor, the sensor it came from. ClickHouse has no
 * transaction across tables (nor across the parts of one insert into a
 * Distributed table), so a write is made visible by a row of its own: the
 * rows of a transaction go in first (RowBinary), then one row into
 * `commits`; every read takes only the rows whose txn is committed. A
 * writer killed half-way leaves rows no read sees, and its rerun writes
 * them again under a new txn: the store holds what it held before, plus
 * what the rerun commits - as with SQLite.
 *
 * Rows of one key are not combined on insert (MergeTree keeps them all);
 * reads combine them with GROUP BY and the declared sum/min/max, so the
 * halves of a day from two inputs or two sensors are added by the server.
 *
 * A cluster: the rollup tables are made on every shard (NAME_local) and
 * read and written through a Distributed table NAME on the node of the
 * URL, which also holds the small tables (meta, sensors, commits, inputs,
 * tail, scan_events, alerts); the committed-txn filter is then a GLOBAL IN.
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyze/rollup.h"
#include "core/buf.h"
#include "core/u64map.h"
#include "store/store.h"

/* 1: the first ClickHouse schema (the rollups of SQLite schema 3) */
#define CH_SCHEMA_VERSION 2
#define CH_MAX_SHARDS 64
#define CH_TAIL_KEEP 32 /* every this many commits, older tails are deleted */

struct ch {
	CURL *curl;
	char cerr[CURL_ERROR_SIZE]; /* libcurl's message of the last request */
	char host[256];         /* host:port */
	char db[64];
	char user[128], pass[256];
	int timeout_s;
	int db_ok;              /* the database exists: requests name it */
	int partial;            /* skip shards that are down (reads) */
	char cluster[64];       /* "" one node */
	char shard[CH_MAX_SHARDS][256]; /* host:port of each shard's HTTP */
	size_t n_shards;
	/* the sensors: a writer's own, a reader's selection */
	uint16_t sensor;
	int sensor_new;         /* a writer's sensor is registered at its first commit */
	int tx_alerts;          /* the open write is alert ids only (sensor 0) */
	char sensor_name[64];
	char sel[512];          /* " AND sensor IN (...)" or "" */
	int n_sel;              /* sensors selected (0: all) */
	int n_sensors;          /* sensors in the store */
	/* the open write */
	uint64_t txn;           /* 0: none */
	uint64_t commit_n;      /* the sensor's last commit number */
	uint64_t seq, seq_committed; /* scan events' positions */
	struct vgi_buf ev, tail, in, conns;
	int has_tail, has_in;
	/* alert ids known (key hash -> id), read incrementally */
	vgi_u64map alert_ids;
	int alerts_loaded;
	uint32_t alert_max;
};

static struct ch *ch(const vg_store *s)
{
	return s->impl;
}

static int chf(vg_store *s, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int chf(vg_store *s, int rc, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(s->errmsg, sizeof s->errmsg, "%s: ", s->path);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof s->errmsg)
		vsnprintf(s->errmsg + n, sizeof s->errmsg - (size_t)n, fmt, ap);
	va_end(ap);
	return rc;
}

/* ------------------------------------------------------------ RowBinary */

static void rb_u8(struct vgi_buf *b, uint8_t v) { vgi_buf_put(b, &v, 1); }

static void rb_le(struct vgi_buf *b, uint64_t v, size_t n)
{
	uint8_t x[8];
	size_t i;
	for (i = 0; i < n; i++)
		x[i] = (uint8_t)(v >> (8 * i));
	vgi_buf_put(b, x, n);
}

static void rb_str(struct vgi_buf *b, const void *p, size_t n)
{
	uint64_t v = n;
	do {
		rb_u8(b, (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0)));
		v >>= 7;
	} while (v);
	vgi_buf_put(b, p, n);
}

static uint64_t cur_le(vgi_cur *c, size_t n)
{
	uint8_t x[8] = {0};
	uint64_t v = 0;
	size_t i;
	vgi_cur_bytes(c, x, n);
	for (i = 0; i < n; i++)
		v |= (uint64_t)x[i] << (8 * i);
	return v;
}

/* A String: its bytes stay in the response (*p, *n). */
static void cur_str(vgi_cur *c, const uint8_t **p, size_t *n)
{
	uint64_t v = 0;
	int sh = 0;
	uint8_t x;
	*p = NULL;
	*n = 0;
	do {
		x = vgi_cur_u8(c);
		v |= (uint64_t)(x & 0x7f) << sh;
		sh += 7;
	} while ((x & 0x80) && sh < 64 && !c->bad);
	if (c->bad || v > vgi_cur_left(c)) {
		c->bad = 1;
		return;
	}
	*p = c->p;
	*n = (size_t)v;
	vgi_cur_skip(c, (size_t)v);
}

static double cur_f64(vgi_cur *c)
{
	uint64_t v = cur_le(c, 8);
	double d;
	memcpy(&d, &v, sizeof d);
	return d;
}

static int cur_addr(vgi_cur *c, vg_addr *a, uint8_t *fam)
{
	const uint8_t *p;
	size_t n;
	int f;
	cur_str(c, &p, &n);
	if (c->bad || !(f = vg_addr_parse(a, (const char *)p, n)))
		return -1;
	*fam = (uint8_t)(f == 6 ? VG_FAM_IP6 : VG_FAM_IP4);
	return 0;
}

/* ------------------------------------------------------------ HTTP */

/* A response: read row by row as it comes (row: 0 taken, 1 incomplete,
 * a VG_E* status: stop), or kept whole (row NULL). */
struct resp {
	vg_store *s;
	struct vgi_buf b;
	size_t off;             /* parsed up to */
	long code;              /* HTTP status, once known */
	int (*row)(void *u, vgi_cur *c);
	void *u;
	int rc;                 /* a row's failure */
};

static size_t on_body(char *p, size_t size, size_t n, void *user)
{
	struct resp *r = user;
	size_t len = size * n;
	if (!r->code)
		curl_easy_getinfo(ch(r->s)->curl, CURLINFO_RESPONSE_CODE, &r->code);
	vgi_buf_put(&r->b, p, len);
	if (r->b.bad)
		return 0;
	if (r->row && r->code == 200 && r->rc == VG_OK) {
		vgi_cur c = vgi_cur_make(r->b.p + r->off, r->b.n - r->off);
		for (;;) {
			vgi_cur t = c;
			int x;
			if (!vgi_cur_left(&t))
				break;
			x = r->row(r->u, &t);
			if (x < 0) {
				r->rc = x;
				return 0;
			}
			if (t.bad || x == 1)
				break;
			c = t;
		}
		r->off = (size_t)(c.p - r->b.p);
		/* the rows taken are dropped once they are most of the buffer */
		if (r->off > (1u << 20) && r->off * 2 > r->b.n) {
			memmove(r->b.p, r->b.p + r->off, r->b.n - r->off);
			r->b.n -= r->off;
			r->off = 0;
		}
	}
	return len;
}

/* The server's message: its first line, without the C++ exception's name. */
static void server_message(const struct vgi_buf *b, char *out, size_t cap)
{
	size_t n = b->n < cap - 1 ? b->n : cap - 1, i;
	const char *w;
	memcpy(out, b->p ? (const char *)b->p : "", n);
	out[n] = '\0';
	for (i = 0; i < n; i++)
		if (out[i] == '\n' || out[i] == '\r')
			out[i] = '\0';
	if ((w = strstr(out, ", e.what() = ")))
		*(char *)(uintptr_t)w = '\0';
	if (strncmp(out, "Code: ", 6) == 0 && (w = strstr(out, "e.displayText() = DB::Exception: "))) {
		int code = atoi(out + 6);
		size_t len = strlen(w + 33);
		char suffix[24];
		memmove(out, w + 33, len + 1);
		snprintf(suffix, sizeof suffix, " (code %d)", code);
		if (len + strlen(suffix) < cap)
			memcpy(out + len, suffix, strlen(suffix) + 1);
	}
}

enum { Q_READ = 0, Q_WRITE = 1 };

/*
 * One request to host (NULL: the store's): sql (and data, when not NULL,
 * as the body of an INSERT whose statement is sql). Reads are tried again
 * after a connection failure (0.5 s, then 1 s); writes are not (the next
 * run does them again).
 */
static int http(vg_store *s, const char *host, int kind, const char *sql, const void *data,
		size_t len, struct resp *r)
{
	struct ch *c = ch(s);
	char *url, *esc = NULL;
	size_t cap;
	int tries = kind == Q_READ ? 3 : 1, t;
	CURLcode cc = CURLE_OK;
	char *err = c->cerr;
	if (!host)
		host = c->host;
	if (data && !(esc = curl_easy_escape(c->curl, sql, 0)))
		return chf(s, VG_ENOMEM, "out of memory");
	cap = strlen(host) + strlen(c->db) + (esc ? strlen(esc) : 0) + 256;
	if (!(url = malloc(cap))) {
		curl_free(esc);
		return chf(s, VG_ENOMEM, "out of memory");
	}
	snprintf(url, cap, "http://%s/?database=%s%s%s%s%s", host, c->db_ok ? c->db : "default",
		 c->cluster[0] && kind == Q_WRITE ? "&insert_distributed_sync=1" : "",
		 c->partial ? "&skip_unavailable_shards=1" : "",
		 kind == Q_READ ? "&wait_end_of_query=1" : "", esc ? "&query=" : "");
	if (esc)
		strncat(url, esc, cap - strlen(url) - 1);
	curl_free(esc);
	for (t = 0; t < tries; t++) {
		if (t)
			usleep(t == 1 ? 500000 : 1000000);
		r->b.n = 0;
		r->off = 0;
		r->code = 0;
		r->rc = VG_OK;
		curl_easy_setopt(c->curl, CURLOPT_URL, url);
		curl_easy_setopt(c->curl, CURLOPT_POST, 1L);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, data ? data : (const void *)sql);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)(data ? len : strlen(sql)));
		curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, r);
		err[0] = '\0';
		cc = curl_easy_perform(c->curl);
		if (cc == CURLE_OK || r->rc != VG_OK || r->b.bad ||
		    (cc != CURLE_COULDNT_CONNECT && cc != CURLE_RECV_ERROR && cc != CURLE_SEND_ERROR &&
		     cc != CURLE_GOT_NOTHING))
			break;
	}
	free(url);
	if (r->b.bad)
		return chf(s, VG_ENOMEM, "out of memory reading the server's answer");
	if (r->rc != VG_OK)
		return r->rc == VG_EFORMAT ? chf(s, VG_EFORMAT, "an answer vigil cannot read") : r->rc;
	if (cc != CURLE_OK)
		return chf(s, VG_EIO, "cannot reach ClickHouse at %s: %s", host,
			   err[0] ? err : curl_easy_strerror(cc));
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &r->code);
	if (r->code != 200) {
		char m[400];
		server_message(&r->b, m, sizeof m);
		if (strstr(m, "code 279") || strstr(m, "code 209") || strstr(m, "code 210"))
			return chf(s, VG_EIO, "a shard of cluster %s did not answer: %s%s", c->cluster,
				   m, c->partial ? "" : " (--partial reads the shards that answer)");
		return chf(s, VG_EIO, "ClickHouse at %s: %s", host, m[0] ? m : "no message");
	}
	if (r->row && r->off != r->b.n)
		return chf(s, VG_EFORMAT, "a truncated answer from the server");
	return VG_OK;
}

static void resp_free(struct resp *r)
{
	vgi_buf_free(&r->b);
}

/* A statement whose answer is not needed. */
static int run(vg_store *s, const char *host, int kind, const char *sql)
{
	struct resp r = {.s = s};
	int rc = http(s, host, kind, sql, NULL, 0, &r);
	resp_free(&r);
	return rc;
}

/* The numbers of the first row of a TSV answer (missing ones: 0);
 * returns how many there were (0: no row), or a VG_E* status. */
static int scalars(vg_store *s, const char *sql, int64_t *v, int n)
{
	struct resp r = {.s = s};
	char q[4096];
	int rc, i = 0;
	snprintf(q, sizeof q, "%s FORMAT TSV", sql);
	if ((rc = http(s, NULL, Q_READ, q, NULL, 0, &r)) != VG_OK) {
		resp_free(&r);
		return rc;
	}
	{
		const char *p = r.b.p ? (const char *)r.b.p : "", *end = p + r.b.n;
		for (i = 0; i < n; i++)
			v[i] = 0;
		i = 0;
		while (p < end && *p != '\n' && i < n) {
			char num[32];
			size_t k = 0;
			while (p < end && *p != '\t' && *p != '\n' && k < sizeof num - 1)
				num[k++] = *p++;
			num[k] = '\0';
			v[i++] = strcmp(num, "\\N") == 0 ? 0 : strtoll(num, NULL, 10);
			if (p < end && *p == '\t')
				p++;
		}
	}
	resp_free(&r);
	return i;
}

/* An INSERT of RowBinary rows. */
static int insert(vg_store *s, const char *table, const struct vgi_buf *rows)
{
	char sql[256];
	struct resp r = {.s = s};
	int rc;
	if (rows->bad)
		return chf(s, VG_ENOMEM, "out of memory");
	if (!rows->n)
		return VG_OK;
	snprintf(sql, sizeof sql, "INSERT INTO %s FORMAT RowBinary", table);
	rc = http(s, NULL, Q_WRITE, sql, rows->p, rows->n, &r);
	resp_free(&r);
	return rc;
}

/* SQL string literal (into out, with quotes). */
static void quote(const char *v, char *out, size_t cap)
{
	size_t n = 0;
	out[n++] = '\'';
	for (; *v && n + 4 < cap; v++) {
		if (*v == '\'' || *v == '\\')
			out[n++] = '\\';
		out[n++] = *v;
	}
	out[n++] = '\'';
	out[n] = '\0';
}

/* The committed rows, and those of the sensors read. */
#define COMMITTED "txn GLOBAL IN (SELECT txn FROM commits)"

/* ------------------------------------------------------------ schema */

static const char *ch_type(int t)
{
	switch (t) {
	case VGI_COL_DAY:
	case VGI_COL_HOUR: return "Int32";
	case VGI_COL_PROTO: return "UInt8";
	case VGI_COL_PORT: return "UInt16";
	default: return "String";
	}
}

/* CREATE TABLE of a rollup declaration as name (engine: MergeTree). */
static void rollup_sql(const struct vgi_tabledecl *d, const char *name, char *out, size_t cap)
{
	size_t n = 0, i;
	n += (size_t)snprintf(out + n, cap - n,
			      "CREATE TABLE IF NOT EXISTS %s (txn UInt64, sensor UInt16", name);
	for (i = 0; i < d->n_key; i++)
		n += (size_t)snprintf(out + n, cap - n, ", %s %s", d->key[i].name,
				      ch_type(d->key[i].type));
	for (i = 0; i < d->n_val; i++)
		n += (size_t)snprintf(out + n, cap - n, ", %s Int64", d->val[i].name);
	n += (size_t)snprintf(out + n, cap - n, ") ENGINE = MergeTree() PARTITION BY day ORDER BY (");
	for (i = 0; i < d->n_key; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? ", " : "", d->key[i].name);
	snprintf(out + n, cap - n, ")");
}

static const char *const fixed_tables[] = {
	"CREATE TABLE IF NOT EXISTS meta (key String, value String) ENGINE = MergeTree() ORDER BY key",
	"CREATE TABLE IF NOT EXISTS sensors (id UInt16, name String) ENGINE = MergeTree() ORDER BY id",
	"CREATE TABLE IF NOT EXISTS commits (txn UInt64, sensor UInt16, n UInt64, time DateTime)"
	" ENGINE = MergeTree() ORDER BY (sensor, n)",
	"CREATE TABLE IF NOT EXISTS inputs (txn UInt64, sensor UInt16, name String, size UInt64,"
	" hash String, records UInt64, first_us Int64, last_us Int64, has_times UInt8,"
	" ingested_at Int64) ENGINE = MergeTree() ORDER BY (sensor, name)",
	"CREATE TABLE IF NOT EXISTS tail (txn UInt64, sensor UInt16, n UInt64, state String)"
	" ENGINE = MergeTree() ORDER BY (sensor, n)",
	"CREATE TABLE IF NOT EXISTS scan_events (txn UInt64, sensor UInt16, seq UInt64, id UInt32,"
	" day Int32, scanner String, type String, detectors UInt8, protos UInt8, first_us Int64,"
	" last_us Int64, flows UInt64, answered UInt64, unanswered UInt64, targets UInt32,"
	" n_ports UInt32, ports String, score Float64, known String, has_known UInt8, conns UInt64,"
	" campaign UInt32, tcp_probes UInt8, n_reset UInt32, n_silent UInt32)"
	" ENGINE = MergeTree() PARTITION BY day ORDER BY (sensor, seq)",
	/* conns: made here on one node; a cluster makes it as the rollups */
	"CREATE TABLE IF NOT EXISTS alerts (txn UInt64, id UInt32, detector String, proto Int16,"
	" port Int32, source String, scan_id UInt32, time_us Int64, last_us Int64,"
	" severity String, summary String) ENGINE = MergeTree() ORDER BY id",
};

/* --raw: every merged connection, of every class. */
#define CONNS_COLUMNS "(txn UInt64, sensor UInt16, day Int32, stime_us Int64, ltime_us Int64," \
	" proto UInt8, saddr String, sport UInt16, daddr String, dport UInt16, spkts UInt64," \
	" dpkts UInt64, sbytes UInt64, dbytes UInt64, state String, class String," \
	" scan_id UInt32) ENGINE = MergeTree() PARTITION BY day ORDER BY (day, saddr)"

/* The rollup tables' sharding key: their first address (else spread). */
static void shard_key(const struct vgi_tabledecl *d, char *out, size_t cap)
{
	size_t i;
	for (i = 0; i < d->n_key; i++)
		if (d->key[i].type == VGI_COL_ADDR) {
			snprintf(out, cap, "cityHash64(%s)", d->key[i].name);
			return;
		}
	snprintf(out, cap, "rand()");
}

static int create_schema(vg_store *s, const char *site_desc)
{
	struct ch *c = ch(s);
	char sql[4096], q[8192 + 512];
	size_t i, k;
	int rc;
	struct vgi_buf meta = {0};
	for (i = 0; i < VGI_ARRAY_LEN(fixed_tables); i++)
		if ((rc = run(s, NULL, Q_WRITE, fixed_tables[i])) != VG_OK)
			return rc;
	if (!c->cluster[0]) {
		if ((rc = run(s, NULL, Q_WRITE, "CREATE TABLE IF NOT EXISTS conns " CONNS_COLUMNS)) !=
		    VG_OK)
			return rc;
	} else {
		for (k = 0; k < c->n_shards; k++) {
			snprintf(q, sizeof q, "CREATE DATABASE IF NOT EXISTS %s", c->db);
			c->db_ok = 0;
			rc = run(s, c->shard[k], Q_WRITE, q);
			c->db_ok = 1;
			if (rc != VG_OK || (rc = run(s, c->shard[k], Q_WRITE,
						     "CREATE TABLE IF NOT EXISTS conns_local "
						     CONNS_COLUMNS)) != VG_OK)
				return rc;
		}
		snprintf(q, sizeof q,
			 "CREATE TABLE IF NOT EXISTS conns AS conns_local ENGINE = Distributed(%s, %s,"
			 " conns_local, cityHash64(saddr))", c->cluster, c->db);
		if ((rc = run(s, NULL, Q_WRITE, q)) != VG_OK)
			return rc;
	}
	for (i = 0; i < VGI_T__N; i++) {
		const struct vgi_tabledecl *d = &vgi_tables[i];
		if (!c->cluster[0]) {
			rollup_sql(d, d->name, sql, sizeof sql);
			if ((rc = run(s, NULL, Q_WRITE, sql)) != VG_OK)
				return rc;
			continue;
		}
		snprintf(q, sizeof q, "%s_local", d->name);
		rollup_sql(d, q, sql, sizeof sql);
		for (k = 0; k < c->n_shards; k++) {
			snprintf(q, sizeof q, "CREATE DATABASE IF NOT EXISTS %s", c->db);
			c->db_ok = 0; /* the shard may not have it yet */
			rc = run(s, c->shard[k], Q_WRITE, q);
			c->db_ok = 1;
			if (rc != VG_OK || (rc = run(s, c->shard[k], Q_WRITE, sql)) != VG_OK)
				return rc;
		}
		{
			char key[64];
			shard_key(d, key, sizeof key);
			snprintf(q, sizeof q,
				 "CREATE TABLE IF NOT EXISTS %s AS %s_local ENGINE = Distributed(%s, %s,"
				 " %s_local, %s)",
				 d->name, d->name, c->cluster, c->db, d->name, key);
			if ((rc = run(s, NULL, Q_WRITE, q)) != VG_OK)
				return rc;
		}
	}
	/* meta last: a schema whose making was cut short has none, and is
	 * made again by the next open */
	{
		char ver[16], now[32], shards[CH_MAX_SHARDS * 257] = "";
		const char *kv[][2] = {{"store", "vigil"}, {"schema", ver}, {"site", site_desc},
				       {"vigil", VG_VERSION}, {"created", now},
				       {"cluster", c->cluster}, {"shards", shards}};
		snprintf(ver, sizeof ver, "%d", CH_SCHEMA_VERSION);
		snprintf(now, sizeof now, "%lld", (long long)time(NULL));
		for (k = 0; k < c->n_shards; k++)
			snprintf(shards + strlen(shards), sizeof shards - strlen(shards), "%s%s",
				 k ? " " : "", c->shard[k]);
		for (i = 0; i < VGI_ARRAY_LEN(kv); i++) {
			rb_str(&meta, kv[i][0], strlen(kv[i][0]));
			rb_str(&meta, kv[i][1], strlen(kv[i][1]));
		}
	}
	rc = insert(s, "meta", &meta);
	vgi_buf_free(&meta);
	return rc;
}

/* The meta table as key/value pairs (one response, kept). */
struct meta {
	char *site, *cluster, *shards;
	int schema, is_vigil, n;
};

static int meta_row(void *u, vgi_cur *c)
{
	struct meta *m = u;
	const uint8_t *k, *v;
	size_t kn, vn;
	char **dst = NULL;
	cur_str(c, &k, &kn);
	cur_str(c, &v, &vn);
	if (c->bad)
		return 1;
	m->n++;
	if (kn == 6 && memcmp(k, "schema", 6) == 0) {
		char num[16];
		snprintf(num, sizeof num, "%.*s", (int)(vn < 15 ? vn : 15), (const char *)v);
		m->schema = (int)strtol(num, NULL, 10);
	}
	else if (kn == 5 && memcmp(k, "store", 5) == 0)
		m->is_vigil = vn == 5 && memcmp(v, "vigil", 5) == 0;
	else if (kn == 4 && memcmp(k, "site", 4) == 0)
		dst = &m->site;
	else if (kn == 7 && memcmp(k, "cluster", 7) == 0)
		dst = &m->cluster;
	else if (kn == 6 && memcmp(k, "shards", 6) == 0)
		dst = &m->shards;
	if (dst) {
		free(*dst);
		if (!(*dst = malloc(vn + 1)))
			return VG_ENOMEM;
		memcpy(*dst, v, vn);
		(*dst)[vn] = '\0';
	}
	return 0;
}

static int check_schema(vg_store *s, const vg_site *site, const char *desc, int mode)
{
	struct ch *c = ch(s);
	struct meta m = {0};
	struct resp r = {.s = s, .row = meta_row, .u = &m};
	int64_t v[2];
	int rc;
	char q[512];
	/* what the database holds: no database, no tables, another's tables */
	snprintf(q, sizeof q,
		 "SELECT (SELECT count() FROM system.databases WHERE name = '%s'),"
		 " (SELECT count() FROM system.tables WHERE database = '%s' AND name = 'meta')",
		 c->db, c->db);
	if ((rc = scalars(s, q, v, 2)) < 0)
		return rc;
	if (!v[0] || !v[1]) {
		if (mode != VG_STORE_WRITE)
			return chf(s, VG_EIO, "no vigil store in database %s (make it with vigil store "
				   "init or vigil ingest)", c->db);
		if (!site)
			return chf(s, VG_EINVAL, "a new store needs a site description");
		if (!v[0]) {
			snprintf(q, sizeof q, "CREATE DATABASE IF NOT EXISTS %s", c->db);
			if ((rc = run(s, NULL, Q_WRITE, q)) != VG_OK)
				return rc;
		}
		c->db_ok = 1;
		if (c->cluster[0] && !c->n_shards)
			return chf(s, VG_EINVAL, "a cluster store needs its shards (vigil store init "
				   "--cluster NAME --shard HOST:PORT ...)");
		if (c->cluster[0]) {
			snprintf(q, sizeof q, "SELECT uniqExact(shard_num) FROM system.clusters WHERE"
				 " cluster = '%s'", c->cluster);
			if ((rc = scalars(s, q, v, 1)) < 0)
				return rc;
			if (v[0] != (int64_t)c->n_shards)
				return chf(s, VG_EINVAL, "cluster %s has %lld shard%s in the server's "
					   "remote_servers, and %zu were given", c->cluster,
					   (long long)v[0], v[0] == 1 ? "" : "s", c->n_shards);
		}
		if ((rc = create_schema(s, desc)) != VG_OK)
			return rc;
	} else if (c->cluster[0] && mode == VG_STORE_WRITE && c->n_shards) {
		/* store init on a store that exists: checked as any open */
	}
	c->db_ok = 1;
	if ((rc = http(s, NULL, Q_READ, "SELECT key, value FROM meta FORMAT RowBinary", NULL, 0,
		       &r)) != VG_OK)
		goto out;
	if (m.n == 0 && mode == VG_STORE_WRITE && site) {
		/* a meta table without rows: another writer is making the schema
		 * now, or its making was cut short; making it is idempotent */
		resp_free(&r);
		memset(&r, 0, sizeof r);
		r.s = s;
		r.row = meta_row;
		r.u = &m;
		if ((rc = create_schema(s, desc)) != VG_OK ||
		    (rc = http(s, NULL, Q_READ, "SELECT key, value FROM meta FORMAT RowBinary", NULL,
			       0, &r)) != VG_OK)
			goto out;
	}
	if (m.n == 0) {
		rc = chf(s, VG_EIO, "the vigil store in database %s is not made yet (vigil store init "
			 "or vigil ingest makes it)", c->db);
		goto out;
	}
	if (!m.is_vigil) {
		rc = chf(s, VG_EFORMAT, "not a vigil store (database %s has a table meta of another "
			 "application)", c->db);
		goto out;
	}
	if (m.schema != CH_SCHEMA_VERSION) {
		rc = chf(s, VG_EUNSUP, "store schema version %d; this vigil (%s) reads ClickHouse "
			 "schema version %d only%s", m.schema, VG_VERSION, CH_SCHEMA_VERSION,
			 m.schema > CH_SCHEMA_VERSION ? " (made by a newer vigil)"
						      : " (ingest its inputs into a new database)");
		goto out;
	}
	if (!m.site) {
		rc = chf(s, VG_EFORMAT, "no site description in the store");
		goto out;
	}
	if (site && strcmp(m.site, desc) != 0) {
		char d[400];
		vgi_store_site_diff(m.site, desc, d, sizeof d);
		rc = chf(s, VG_EINVAL, "the store was built for another site description: %s", d);
		goto out;
	}
	snprintf(c->cluster, sizeof c->cluster, "%s", m.cluster ? m.cluster : "");
	c->n_shards = 0;
	if (m.shards) {
		char *p = m.shards, *tok;
		while ((tok = strtok_r(p, " ", &p)) && c->n_shards < CH_MAX_SHARDS)
			snprintf(c->shard[c->n_shards++], sizeof c->shard[0], "%s", tok);
	}
	rc = VG_OK;
out:
	free(m.site);
	free(m.cluster);
	free(m.shards);
	resp_free(&r);
	return rc;
}

/* ------------------------------------------------------------ sensors */

static uint16_t sensor_hash(const char *name)
{
	uint32_t h = 2166136261u;
	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	return (uint16_t)(h % 65535u + 1u);
}

struct sensors {
	uint16_t id[1024];
	char name[1024][64];
	size_t n;
};

static int sensor_row(void *u, vgi_cur *c)
{
	struct sensors *z = u;
	uint16_t id = (uint16_t)cur_le(c, 2);
	const uint8_t *p;
	size_t n;
	cur_str(c, &p, &n);
	if (c->bad)
		return 1;
	if (z->n < VGI_ARRAY_LEN(z->id)) {
		z->id[z->n] = id;
		snprintf(z->name[z->n], sizeof z->name[0], "%.*s", (int)(n < 63 ? n : 63),
			 (const char *)p);
		z->n++;
	}
	return 0;
}

static int valid_name(const char *n)
{
	size_t i;
	if (!n[0] || strlen(n) > 63)
		return 0;
	for (i = 0; n[i]; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= 'A' && n[i] <= 'Z') ||
		      (n[i] >= '0' && n[i] <= '9') || n[i] == '_' || n[i] == '-' || n[i] == '.'))
			return 0;
	return 1;
}

static int use_sensors(vg_store *s, const char *names, int mode)
{
	struct ch *c = ch(s);
	struct sensors *z = calloc(1, sizeof *z);
	struct resp r = {.s = s, .row = sensor_row, .u = z};
	size_t i;
	int rc;
	if (!z)
		return chf(s, VG_ENOMEM, "out of memory");
	if ((rc = http(s, NULL, Q_READ,
		       "SELECT DISTINCT id, name FROM sensors ORDER BY name FORMAT RowBinary",
		       NULL, 0, &r)) != VG_OK)
		goto out;
	c->n_sensors = (int)z->n;
	if (mode == VG_STORE_WRITE) {
		const char *name = names && names[0] ? names : "default";
		uint16_t id;
		int taken;

		if (!valid_name(name)) {
			rc = chf(s, VG_EINVAL, "sensor name '%s': letters, digits, '_', '-', '.' "
				 "(at most 63)", name);
			goto out;
		}
		snprintf(c->sensor_name, sizeof c->sensor_name, "%s", name);
		for (i = 0; i < z->n; i++)
			if (strcmp(z->name[i], name) == 0)
				break;
		if (i < z->n) {
			c->sensor = z->id[i];
		} else {
			/* a new sensor: its name's hash, or the next free id */
			id = sensor_hash(name);
			do {
				taken = 0;
				for (i = 0; i < z->n; i++)
					if (z->id[i] == id)
						taken = 1;
				if (taken)
					id = (uint16_t)(id % 65535u + 1u);
			} while (taken);
			c->sensor = id;
			c->sensor_new = 1;
		}
		snprintf(c->sel, sizeof c->sel, " AND sensor = %u", c->sensor);
		c->n_sel = 1;
	} else if (names && names[0]) {
		char *dup = strdup(names), *p = dup, *tok;
		size_t n = (size_t)snprintf(c->sel, sizeof c->sel, " AND sensor IN (");
		if (!dup) {
			rc = chf(s, VG_ENOMEM, "out of memory");
			goto out;
		}
		while ((tok = strtok_r(p, ",", &p))) {
			for (i = 0; i < z->n; i++)
				if (strcmp(z->name[i], tok) == 0)
					break;
			if (i == z->n) {
				char have[512] = "";
				size_t k;
				for (k = 0; k < z->n; k++)
					snprintf(have + strlen(have), sizeof have - strlen(have), "%s%s",
						 k ? ", " : "", z->name[k]);
				rc = chf(s, VG_EINVAL, "no sensor '%s' in the store (it has: %s)", tok,
					 z->n ? have : "none");
				free(dup);
				goto out;
			}
			n += (size_t)snprintf(c->sel + n, sizeof c->sel - n, "%s%u", c->n_sel ? ", " : "",
					      z->id[i]);
			c->sensor = z->id[i];
			c->n_sel++;
		}
		free(dup);
		snprintf(c->sel + n, sizeof c->sel - n, ")");
	} else if (z->n == 1) {
		c->sensor = z->id[0];
	}
	rc = VG_OK;
out:
	resp_free(&r);
	free(z);
	return rc;
}

/* ------------------------------------------------------------ open */

static int hexval(int ch)
{
	return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
	     : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
}

/* user:password with %XX decoded */
static void pct_decode(const char *p, size_t n, char *out, size_t cap)
{
	size_t i, k = 0;
	for (i = 0; i < n && k + 1 < cap; i++) {
		if (p[i] == '%' && i + 2 < n && hexval(p[i + 1]) >= 0 && hexval(p[i + 2]) >= 0) {
			out[k++] = (char)(hexval(p[i + 1]) * 16 + hexval(p[i + 2]));
			i += 2;
		} else {
			out[k++] = p[i];
		}
	}
	out[k] = '\0';
}

static int valid_hostport(const char *h)
{
	const char *colon = strrchr(h, ':');
	char *end;
	long port;
	if (!colon || colon == h)
		return 0;
	port = strtol(colon + 1, &end, 10);
	return *end == '\0' && port > 0 && port < 65536;
}

static int parse_url(vg_store *s, const char *url)
{
	struct ch *c = ch(s);
	const char *p = url + 13, *at, *slash, *q;
	char redacted[512];
	size_t i;
	slash = strchr(p, '/');
	at = memchr(p, '@', slash ? (size_t)(slash - p) : strlen(p));
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		pct_decode(p, (size_t)((colon ? colon : at) - p), c->user, sizeof c->user);
		if (colon)
			pct_decode(colon + 1, (size_t)(at - colon - 1), c->pass, sizeof c->pass);
		p = at + 1;
	}
	if (!slash || (size_t)(slash - p) >= sizeof c->host) {
		snprintf(s->errmsg, sizeof s->errmsg,
			 "clickhouse://%s%.*s: give the store as clickhouse://[USER[:PASSWORD]@]HOST:PORT"
			 "/DATABASE", c->user[0] ? "..@" : "", slash ? (int)(slash - p) : (int)strlen(p), p);
		return VG_EINVAL;
	}
	memcpy(c->host, p, (size_t)(slash - p));
	c->host[slash - p] = '\0';
	q = slash + 1;
	snprintf(c->db, sizeof c->db, "%.*s", (int)strcspn(q, "?"), q);
	snprintf(redacted, sizeof redacted, "clickhouse://%s%s%s/%s", c->user, c->user[0] ? "@" : "",
		 c->host, c->db);
	free(s->path);
	if (!(s->path = strdup(redacted)))
		return VG_ENOMEM;
	if (!valid_hostport(c->host))
		return chf(s, VG_EINVAL, "'%s' is not HOST:PORT (the HTTP port, 8123 by default)",
			   c->host);
	if (!c->db[0] || strlen(q) >= sizeof c->db)
		return chf(s, VG_EINVAL, "no database name (clickhouse://HOST:PORT/DATABASE)");
	for (i = 0; c->db[i]; i++)
		if (!((c->db[i] >= 'a' && c->db[i] <= 'z') || (c->db[i] >= 'A' && c->db[i] <= 'Z') ||
		      (c->db[i] >= '0' && c->db[i] <= '9') || c->db[i] == '_'))
			return chf(s, VG_EINVAL, "database name '%s': letters, digits and '_' only",
				   c->db);
	return VG_OK;
}

/* --store-auth FILE: one line USER:PASSWORD, readable by its owner only. */
static int read_auth(vg_store *s, const char *file)
{
	struct ch *c = ch(s);
	char line[512], *colon;
	struct stat sb;
	FILE *fp = fopen(file, "r");
	size_t n;
	if (!fp)
		return chf(s, VG_EIO, "%s: %s", file, strerror(errno));
	if (fstat(fileno(fp), &sb) == 0 && (sb.st_mode & 077)) {
		fclose(fp);
		return chf(s, VG_EINVAL, "%s: readable by others (chmod 600 %s)", file, file);
	}
	if (!fgets(line, sizeof line, fp)) {
		fclose(fp);
		return chf(s, VG_EINVAL, "%s: empty (one line USER:PASSWORD)", file);
	}
	fclose(fp);
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	if (!(colon = strchr(line, ':')))
		return chf(s, VG_EINVAL, "%s: not USER:PASSWORD", file);
	*colon = '\0';
	snprintf(c->user, sizeof c->user, "%.127s", line);
	snprintf(c->pass, sizeof c->pass, "%.255s", colon + 1);
	memset(line, 0, sizeof line);
	return VG_OK;
}

static int writer_state(vg_store *s)
{
	struct ch *c = ch(s);
	char q[512];
	int64_t v[2];
	int rc;
	snprintf(q, sizeof q, "SELECT max(n), count() FROM commits WHERE sensor = %u", c->sensor);
	if ((rc = scalars(s, q, v, 2)) < 0)
		return rc;
	c->commit_n = v[1] ? (uint64_t)v[0] : 0;
	snprintf(q, sizeof q,
		 "SELECT max(seq), count() FROM scan_events WHERE sensor = %u AND " COMMITTED,
		 c->sensor);
	if ((rc = scalars(s, q, v, 2)) < 0)
		return rc;
	c->seq = c->seq_committed = v[1] ? (uint64_t)v[0] : 0;
	return VG_OK;
}

/* Every shard answers /ping; with opts.partial, one that does not is
 * left out of what is read (and the store says so). */
static int check_shards(vg_store *s)
{
	struct ch *c = ch(s);
	size_t k;
	for (k = 0; k < c->n_shards; k++) {
		char url[300];
		CURLcode cc;
		long code = 0;
		snprintf(url, sizeof url, "http://%s/ping", c->shard[k]);
		curl_easy_setopt(c->curl, CURLOPT_URL, url);
		curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, NULL);
		{
			FILE *null = fopen("/dev/null", "w");
			curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, null);
			cc = curl_easy_perform(c->curl);
			if (null)
				fclose(null);
		}
		if (cc == CURLE_OK)
			curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
		if (code != 200) {
			if (!c->partial || s->mode == VG_STORE_WRITE)
				return chf(s, VG_EIO, "shard %s of cluster %s is down (%s)%s", c->shard[k],
					   c->cluster, cc != CURLE_OK ? curl_easy_strerror(cc) : "no ping",
					   s->mode == VG_STORE_WRITE ? ""
					   : " (--partial reads the shards that answer)");
			s->partial = 1;
		}
	}
	return VG_OK;
}

static int ch_open(vg_store *s, const char *path, int mode, const vg_site *site,
		   const vg_store_opts *o)
{
	struct ch *c = calloc(1, sizeof *c);
	char desc[8192];
	int rc;
	size_t k;
	if (!(s->impl = c))
		return VG_ENOMEM;
	if (vgi_u64map_init(&c->alert_ids, 0) != VG_OK)
		return VG_ENOMEM;
	if ((rc = parse_url(s, path)) != VG_OK)
		return rc;
	if (o && o->auth_file && (rc = read_auth(s, o->auth_file)) != VG_OK)
		return rc;
	c->timeout_s = o && o->timeout_s > 0 ? o->timeout_s : 300;
	c->partial = o && o->partial && mode != VG_STORE_WRITE;
	if (o && o->cluster) {
		if (!valid_name(o->cluster) || strchr(o->cluster, '-') || strchr(o->cluster, '.'))
			return chf(s, VG_EINVAL, "cluster name '%s': letters, digits and '_' only",
				   o->cluster);
		snprintf(c->cluster, sizeof c->cluster, "%s", o->cluster);
	}
	for (k = 0; o && k < o->n_shards; k++) {
		if (k >= CH_MAX_SHARDS || !valid_hostport(o->shards[k]) ||
		    strlen(o->shards[k]) >= sizeof c->shard[0])
			return chf(s, VG_EINVAL, "shard '%s': give HOST:PORT (its HTTP port)",
				   o->shards[k]);
		snprintf(c->shard[c->n_shards++], sizeof c->shard[0], "%s", o->shards[k]);
	}
	if (!(c->curl = curl_easy_init()))
		return chf(s, VG_ENOMEM, "cannot start libcurl");
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->cerr);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, (long)c->timeout_s);
	curl_easy_setopt(c->curl, CURLOPT_ACCEPT_ENCODING, "gzip");
	if (c->user[0]) {
		curl_easy_setopt(c->curl, CURLOPT_USERNAME, c->user);
		curl_easy_setopt(c->curl, CURLOPT_PASSWORD, c->pass);
	}
	if (site)
		vgi_site_describe(site, desc, sizeof desc);
	if ((rc = check_schema(s, site, site ? desc : NULL, mode)) != VG_OK)
		return rc;
	if (o && o->cluster && strcmp(o->cluster, c->cluster) != 0)
		return chf(s, VG_EINVAL, "the store was made %s%s, not on cluster %s",
			   c->cluster[0] ? "on cluster " : "on one node", c->cluster, o->cluster);
	if ((rc = check_shards(s)) != VG_OK)
		return rc;
	if ((rc = use_sensors(s, o ? o->sensor : NULL, mode)) != VG_OK)
		return rc;
	if (mode == VG_STORE_WRITE && (rc = writer_state(s)) != VG_OK)
		return rc;
	return VG_OK;
}

static void ch_close(vg_store *s)
{
	struct ch *c = ch(s);
	if (c->curl)
		curl_easy_cleanup(c->curl);
	vgi_buf_free(&c->ev);
	vgi_buf_free(&c->tail);
	vgi_buf_free(&c->in);
	vgi_buf_free(&c->conns);
	vgi_u64map_free(&c->alert_ids);
	memset(c->pass, 0, sizeof c->pass);
	free(c);
	s->impl = NULL;
}

/* ------------------------------------------------------------ writing */

static int ch_begin(vg_store *s)
{
	struct ch *c = ch(s);
	if (c->txn)
		return VG_OK;
	if (s->mode != VG_STORE_WRITE)
		return chf(s, VG_EINVAL, "opened read-only");
	while (!c->txn)
		if (getrandom(&c->txn, sizeof c->txn, 0) != sizeof c->txn)
			c->txn = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^ (uint64_t)clock();
	return VG_OK;
}

static void ch_rollback(vg_store *s)
{
	struct ch *c = ch(s);
	c->txn = 0;
	c->seq = c->seq_committed;
	c->ev.n = c->tail.n = c->in.n = c->conns.n = 0;
	c->ev.bad = c->tail.bad = c->in.bad = c->conns.bad = 0;
	c->has_tail = c->has_in = 0;
	c->tx_alerts = 0;
}

static int ch_commit(vg_store *s)
{
	struct ch *c = ch(s);
	struct vgi_buf b = {0};
	char q[256];
	int64_t v[2];
	int rc, alerts = c->tx_alerts;
	if (!c->txn)
		return VG_OK;
	if ((rc = insert(s, "conns", &c->conns)) != VG_OK ||
	    (rc = insert(s, "scan_events", &c->ev)) != VG_OK ||
	    (rc = insert(s, "tail", &c->tail)) != VG_OK || (rc = insert(s, "inputs", &c->in)) != VG_OK)
		goto fail;
	if (!alerts) {
		/* one writer per sensor: another that committed meanwhile would
		 * have started from the same tail */
		snprintf(q, sizeof q, "SELECT max(n), count() FROM commits WHERE sensor = %u",
			 c->sensor);
		if ((rc = scalars(s, q, v, 2)) < 0)
			goto fail;
		if ((v[1] ? (uint64_t)v[0] : 0) != c->commit_n) {
			rc = chf(s, VG_EIO, "another vigil is writing to sensor %s of the store (one "
				 "writer per sensor: give each ingest its own --sensor)", c->sensor_name);
			goto fail;
		}
		if (c->sensor_new) {
			rb_le(&b, c->sensor, 2);
			rb_str(&b, c->sensor_name, strlen(c->sensor_name));
			rc = insert(s, "sensors", &b);
			b.n = 0;
			if (rc != VG_OK)
				goto fail;
			c->sensor_new = 0;
			c->n_sensors++;
		}
	}
	/* the commit row last: with it, every row of the txn is visible */
	rb_le(&b, c->txn, 8);
	rb_le(&b, alerts ? 0 : c->sensor, 2);
	rb_le(&b, alerts ? 0 : c->commit_n + 1, 8);
	rb_le(&b, (uint64_t)time(NULL), 4);
	if ((rc = insert(s, "commits", &b)) != VG_OK)
		goto fail;
	vgi_buf_free(&b);
	if (!alerts)
		c->commit_n++;
	c->seq_committed = c->seq;
	if (!alerts && c->has_tail && c->commit_n % CH_TAIL_KEEP == 0) {
		/* the tails before the last are not read again (an ALTER ... DELETE
		 * is done by the server in the background) */
		snprintf(q, sizeof q, "ALTER TABLE tail DELETE WHERE sensor = %u AND n < %llu",
			 c->sensor, (unsigned long long)c->commit_n);
		run(s, NULL, Q_WRITE, q);
	}
	ch_rollback(s);
	return VG_OK;
fail:
	vgi_buf_free(&b);
	ch_rollback(s);
	return rc;
}

static void put_key(struct vgi_buf *b, const struct vgi_tabledecl *d, const struct vgi_key *k)
{
	size_t i;
	int addr = 0;
	for (i = 0; i < d->n_key; i++) {
		switch (d->key[i].type) {
		case VGI_COL_DAY: rb_le(b, (uint32_t)k->day, 4); break;
		case VGI_COL_HOUR: rb_le(b, (uint32_t)k->hour, 4); break;
		case VGI_COL_PROTO: rb_u8(b, k->proto); break;
		case VGI_COL_PORT: rb_le(b, k->port, 2); break;
		default: {
			char t[46];
			const vg_addr *a = addr ? &k->a2 : &k->a1;
			uint8_t fam = addr ? k->fam2 : k->fam1;
			size_t n = vg_addr_format(a, fam == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4, t);
			rb_str(b, t, n);
			addr++;
		}
		}
	}
}

static int ch_put_rows(vg_store *s, const struct vgi_rollup *r)
{
	struct ch *c = ch(s);
	size_t ti, i, j;
	int rc;
	if ((rc = ch_begin(s)) != VG_OK)
		return rc;
	for (ti = 0; ti < VGI_T__N; ti++) {
		const struct vgi_rtab *t = &r->t[ti];
		const struct vgi_tabledecl *d = t->d;
		struct vgi_buf b = {0};
		if (!t->n)
			continue;
		for (i = 0; i < t->n; i++) {
			struct vgi_key k;
			const int64_t *v;
			vgi_rtab_row(t, i, &k, &v);
			rb_le(&b, c->txn, 8);
			rb_le(&b, c->sensor, 2);
			put_key(&b, d, &k);
			for (j = 0; j < d->n_val; j++)
				rb_le(&b, (uint64_t)v[j], 8);
			/* at most ~64 MiB a request */
			if (b.n > ((size_t)64 << 20) || i + 1 == t->n) {
				rc = insert(s, d->name, &b);
				b.n = 0;
				if (rc != VG_OK) {
					vgi_buf_free(&b);
					return rc;
				}
			}
		}
		vgi_buf_free(&b);
	}
	return VG_OK;
}

static int ch_put_event(vg_store *s, const vg_site *site, const vg_scan_event *e, uint64_t conns)
{
	struct ch *c = ch(s);
	struct vgi_buf *b = &c->ev;
	char addr[46];
	const char *type = vg_scan_type(e);
	size_t n;
	int rc;
	if ((rc = ch_begin(s)) != VG_OK)
		return rc;
	n = vg_addr_format(&e->scanner, e->family == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4, addr);
	rb_le(b, c->txn, 8);
	rb_le(b, c->sensor, 2);
	rb_le(b, ++c->seq, 8);
	rb_le(b, e->id, 4);
	rb_le(b, (uint32_t)vgi_study_day(site, e->first_us), 4);
	rb_str(b, addr, n);
	rb_str(b, type, strlen(type));
	rb_u8(b, e->detectors);
	rb_u8(b, e->protos);
	rb_le(b, (uint64_t)e->first_us, 8);
	rb_le(b, (uint64_t)e->last_us, 8);
	rb_le(b, e->flows, 8);
	rb_le(b, e->answered, 8);
	rb_le(b, e->unanswered, 8);
	rb_le(b, e->targets, 4);
	rb_le(b, e->n_ports, 4);
	rb_str(b, e->ports, e->n_ports * sizeof *e->ports);
	{
		uint64_t bits;
		memcpy(&bits, &e->score, 8);
		rb_le(b, bits, 8);
	}
	rb_str(b, e->known ? e->known : "", e->known ? strlen(e->known) : 0);
	rb_u8(b, e->known != NULL);
	rb_le(b, conns, 8);
	rb_le(b, e->campaign, 4);
	rb_u8(b, e->tcp_probes);
	rb_le(b, e->n_reset, 4);
	rb_le(b, e->n_silent, 4);
	return b->bad ? chf(s, VG_ENOMEM, "out of memory") : VG_OK;
}

static int ch_put_tail(vg_store *s, const void *blob, size_t len)
{
	struct ch *c = ch(s);
	int rc;
	if ((rc = ch_begin(s)) != VG_OK)
		return rc;
	c->tail.n = 0;
	rb_le(&c->tail, c->txn, 8);
	rb_le(&c->tail, c->sensor, 2);
	rb_le(&c->tail, c->commit_n + 1, 8);
	rb_str(&c->tail, blob, len);
	c->has_tail = 1;
	return c->tail.bad ? chf(s, VG_ENOMEM, "out of memory") : VG_OK;
}

static int ch_put_input(vg_store *s, const vg_store_input *in)
{
	struct ch *c = ch(s);
	struct vgi_buf *b = &c->in;
	int rc, times = in->first_us <= in->last_us;
	if ((rc = ch_begin(s)) != VG_OK)
		return rc;
	rb_le(b, c->txn, 8);
	rb_le(b, c->sensor, 2);
	rb_str(b, in->name, strlen(in->name));
	rb_le(b, in->size, 8);
	rb_str(b, in->hash, strlen(in->hash));
	rb_le(b, in->records, 8);
	rb_le(b, (uint64_t)(times ? in->first_us : 0), 8);
	rb_le(b, (uint64_t)(times ? in->last_us : 0), 8);
	rb_u8(b, (uint8_t)times);
	rb_le(b, (uint64_t)time(NULL), 8);
	c->has_in = 1;
	return b->bad ? chf(s, VG_ENOMEM, "out of memory") : VG_OK;
}

static int ch_put_conn(vg_store *s, const vg_site *site, const vg_flow *f, int cls,
		       uint32_t scan_id)
{
	struct ch *c = ch(s);
	struct vgi_buf *b = &c->conns;
	char a[46];
	const char *st = vg_state_name(f->state), *cn = vg_class_name(cls);
	int fam = f->family == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4, rc;
	size_t n;
	if ((rc = ch_begin(s)) != VG_OK)
		return rc;
	rb_le(b, c->txn, 8);
	rb_le(b, c->sensor, 2);
	rb_le(b, (uint32_t)vgi_study_day(site, f->stime_us), 4);
	rb_le(b, (uint64_t)f->stime_us, 8);
	rb_le(b, (uint64_t)f->ltime_us, 8);
	rb_u8(b, f->proto);
	n = vg_addr_format(&f->saddr, fam, a);
	rb_str(b, a, n);
	rb_le(b, f->sport, 2);
	n = vg_addr_format(&f->daddr, fam, a);
	rb_str(b, a, n);
	rb_le(b, f->dport, 2);
	rb_le(b, f->spkts, 8);
	rb_le(b, f->dpkts, 8);
	rb_le(b, f->sbytes, 8);
	rb_le(b, f->dbytes, 8);
	rb_str(b, st ? st : "", st ? strlen(st) : 0);
	rb_str(b, cn ? cn : "", cn ? strlen(cn) : 0);
	rb_le(b, scan_id, 4);
	if (b->bad)
		return chf(s, VG_ENOMEM, "out of memory");
	/* a big input's connections go in 64 MiB inserts, all of its txn */
	if (b->n > ((size_t)64 << 20)) {
		rc = insert(s, "conns", b);
		b->n = 0;
		return rc;
	}
	return VG_OK;
}

/* ------------------------------------------------------------ reading */

struct blob {
	void *p;
	size_t n;
	int got;
};

static int tail_row(void *u, vgi_cur *c)
{
	struct blob *b = u;
	const uint8_t *p;
	size_t n;
	cur_str(c, &p, &n);
	if (c->bad)
		return 1;
	if (!b->got && n) {
		if (!(b->p = malloc(n)))
			return VG_ENOMEM;
		memcpy(b->p, p, n);
		b->n = n;
	}
	b->got = 1;
	return 0;
}

static int ch_get_tail(vg_store *s, void **blob, size_t *len)
{
	struct ch *c = ch(s);
	struct blob b = {0};
	struct resp r = {.s = s, .row = tail_row, .u = &b};
	char q[512];
	int rc;
	*blob = NULL;
	*len = 0;
	/* several sensors read at once: each has its own open tail, and one
	 * pipeline takes one; the report then covers what their ingests closed */
	if (s->mode != VG_STORE_WRITE && (c->n_sel > 1 || (c->n_sel == 0 && c->n_sensors > 1)))
		return VG_OK;
	snprintf(q, sizeof q,
		 "SELECT state FROM tail WHERE sensor = %u AND " COMMITTED
		 " ORDER BY n DESC LIMIT 1 FORMAT RowBinary",
		 c->sensor);
	rc = http(s, NULL, Q_READ, q, NULL, 0, &r);
	resp_free(&r);
	if (rc != VG_OK) {
		free(b.p);
		return rc;
	}
	*blob = b.p;
	*len = b.n;
	return VG_OK;
}

static int ch_input_seen(vg_store *s, const vg_store_input *in)
{
	struct ch *c = ch(s);
	char name[2048], hash[200], q[4096];
	int64_t v;
	quote(in->name, name, sizeof name);
	quote(in->hash, hash, sizeof hash);
	snprintf(q, sizeof q,
		 "SELECT count() FROM inputs WHERE sensor = %u AND name = %s AND size = %llu AND"
		 " hash = %s AND " COMMITTED,
		 c->sensor, name, (unsigned long long)in->size, hash);
	if (scalars(s, q, &v, 1) < 0)
		return -1;
	return v > 0;
}

static int ch_summary(vg_store *s, vg_store_info *info)
{
	struct ch *c = ch(s);
	const struct vgi_tabledecl *d = &vgi_tables[VGI_T_DAY];
	char q[4096];
	int64_t v[5];
	int rc;
	memset(info, 0, sizeof *info);
	info->first_us = INT64_MAX;
	info->last_us = INT64_MIN;
	snprintf(q, sizeof q, "SELECT count(), sum(records), max(last_us) FROM inputs WHERE "
		 COMMITTED "%s", c->sel);
	if ((rc = scalars(s, q, v, 3)) < 0)
		return rc;
	info->n_inputs = (uint64_t)v[0];
	info->records = (uint64_t)v[1];
	{
		int64_t in_last = v[0] ? v[2] : 0;
		snprintf(q, sizeof q, "SELECT count(), min(day), max(day), min(%s), max(%s) FROM %s"
			 " WHERE " COMMITTED "%s", d->val[VGI_DAY_FIRST_US].name,
			 d->val[VGI_DAY_LAST_US].name, d->name, c->sel);
		if ((rc = scalars(s, q, v, 5)) < 0)
			return rc;
		if (v[0]) {
			info->first_day = (int32_t)v[1];
			info->last_day = (int32_t)v[2];
			info->first_us = v[3];
			info->last_us = v[4] > in_last ? v[4] : in_last;
			info->n_days = (uint32_t)(info->last_day - info->first_day + 1);
		}
	}
	snprintf(q, sizeof q, "SELECT uniqExact(sensor, id) FROM scan_events WHERE " COMMITTED "%s",
		 c->sel);
	if ((rc = scalars(s, q, v, 1)) < 0)
		return rc;
	info->n_events = (uint64_t)v[0];
	return VG_OK;
}

struct rows_ctx {
	vg_store *s;
	const struct vgi_tabledecl *d;
	int t;
	struct vgi_rollup *r;
	int (*flush)(void *user, struct vgi_rollup *r);
	void *user;
};

static int rollup_row(void *u, vgi_cur *c)
{
	struct rows_ctx *x = u;
	const struct vgi_tabledecl *d = x->d;
	struct vgi_key k;
	int64_t v[VGI_ROLL_MAX_VAL];
	size_t i;
	int addr = 0, bad = 0, rc;
	memset(&k, 0, sizeof k);
	for (i = 0; i < d->n_key; i++) {
		switch (d->key[i].type) {
		case VGI_COL_DAY: k.day = (int32_t)(uint32_t)cur_le(c, 4); break;
		case VGI_COL_HOUR: k.hour = (int32_t)(uint32_t)cur_le(c, 4); break;
		case VGI_COL_PROTO: k.proto = (uint8_t)cur_le(c, 1); break;
		case VGI_COL_PORT: k.port = (uint16_t)cur_le(c, 2); break;
		default:
			bad |= addr++ ? cur_addr(c, &k.a2, &k.fam2) : cur_addr(c, &k.a1, &k.fam1);
		}
	}
	for (i = 0; i < d->n_val; i++)
		v[i] = (int64_t)cur_le(c, 8);
	if (c->bad)
		return 1;
	if (bad) {
		chf(x->s, VG_EFORMAT, "table %s: a row with a bad address", d->name);
		return VG_EFORMAT;
	}
	if (vgi_rollup_append(x->r, x->t, &k, v) != VG_OK)
		return VG_ENOMEM;
	if (x->flush && vgi_rollup_rows(x->r) >= VGI_STORE_FLUSH_ROWS) {
		if ((rc = x->flush(x->user, x->r)) != VG_OK)
			return rc;
		vgi_rollup_clear(x->r);
	}
	return 0;
}

static int ch_get_rows(vg_store *s, int32_t day0, int32_t day1, struct vgi_rollup *r,
		       int (*flush)(void *user, struct vgi_rollup *r), void *user)
{
	struct ch *c = ch(s);
	size_t ti, i;
	int64_t v[3];
	int32_t lo, hi, d0;
	char q[4096];
	int rc;
	/* the days with rows: each day is its own query, so that the server
	 * groups one day's rows at a time (every key starts with the day: the
	 * rows are the same as one query's), whatever the length of the range */
	snprintf(q, sizeof q, "SELECT count(), min(day), max(day) FROM %s WHERE day BETWEEN %d AND"
		 " %d AND " COMMITTED "%s", vgi_tables[VGI_T_DAY].name, (int)day0, (int)day1, c->sel);
	if ((rc = scalars(s, q, v, 3)) < 0)
		return rc;
	if (!v[0])
		return VG_OK;
	lo = (int32_t)v[1];
	hi = (int32_t)v[2];
	for (ti = 0; ti < VGI_T__N; ti++)
	for (d0 = lo; d0 <= hi; d0++) {
		const struct vgi_tabledecl *d = &vgi_tables[ti];
		struct rows_ctx x = {s, d, (int)ti, r, flush, user};
		struct resp rs = {.s = s, .row = rollup_row, .u = &x};
		char keys[512] = "";
		size_t n = 0, kn = 0;
		for (i = 0; i < d->n_key; i++)
			kn += (size_t)snprintf(keys + kn, sizeof keys - kn, "%s%s", i ? ", " : "",
					       d->key[i].name);
		n += (size_t)snprintf(q + n, sizeof q - n, "SELECT %s", keys);
		for (i = 0; i < d->n_val; i++)
			n += (size_t)snprintf(q + n, sizeof q - n, ", %s(%s)",
					      d->val[i].comb == VGI_MIN ? "min"
					      : d->val[i].comb == VGI_MAX ? "max" : "sum",
					      d->val[i].name);
		snprintf(q + n, sizeof q - n,
			 " FROM %s WHERE day = %d AND " COMMITTED "%s GROUP BY %s FORMAT RowBinary",
			 d->name, (int)d0, c->sel, keys);
		rc = http(s, NULL, Q_READ, q, NULL, 0, &rs);
		resp_free(&rs);
		if (rc != VG_OK)
			return rc;
	}
	return VG_OK;
}

struct hist_ctx {
	void (*fn)(void *user, const vg_addr *a, uint8_t fam, int32_t first, int32_t first_ns);
	void *user;
};

static int hist_row(void *u, vgi_cur *c)
{
	struct hist_ctx *h = u;
	vg_addr a;
	uint8_t fam;
	int bad = cur_addr(c, &a, &fam);
	int32_t f1 = (int32_t)(uint32_t)cur_le(c, 4), f2 = (int32_t)(uint32_t)cur_le(c, 4);
	uint64_t n2 = cur_le(c, 8);
	if (c->bad)
		return 1;
	if (!bad)
		h->fn(h->user, &a, fam, f1, n2 ? f2 : INT32_MAX);
	return 0;
}

static int ch_get_history(vg_store *s, int32_t before_day, int without,
			  void (*fn)(void *user, const vg_addr *a, uint8_t fam, int32_t first,
				     int32_t first_ns),
			  void *user)
{
	struct ch *c = ch(s);
	struct hist_ctx h = {fn, user};
	struct resp r = {.s = s, .row = hist_row, .u = &h};
	const char *cmp = without == VG_WITHOUT_SWEEPS ? "sweep_conns"
			: without == VG_WITHOUT_ALL ? "scan_conns" : "scan_conns - sweep_conns";
	char q[4096];
	int rc;
	snprintf(q, sizeof q,
		 "SELECT src, min(day), minIf(day, conns > %s), countIf(conns > %s) FROM"
		 " (SELECT day, src, sum(conns) AS conns, sum(scan_conns) AS scan_conns,"
		 " sum(sweep_conns) AS sweep_conns FROM src_day WHERE day < %d AND " COMMITTED "%s"
		 " GROUP BY day, src) GROUP BY src FORMAT RowBinary",
		 cmp, cmp, (int)before_day, c->sel);
	rc = http(s, NULL, Q_READ, q, NULL, 0, &r);
	resp_free(&r);
	return rc;
}

struct ev_ctx {
	int (*fn)(void *user, const vg_scan_event *e, uint64_t conns);
	void *user;
};

static int event_row(void *u, vgi_cur *c)
{
	struct ev_ctx *x = u;
	vg_scan_event e;
	const uint8_t *ports, *known;
	size_t n_ports, n_known;
	uint32_t *pv = NULL;
	char *kv = NULL;
	uint64_t conns;
	int bad, rc, has_known;
	memset(&e, 0, sizeof e);
	e.id = (uint32_t)cur_le(c, 4);
	bad = cur_addr(c, &e.scanner, &e.family);
	e.detectors = (uint8_t)cur_le(c, 1);
	e.protos = (uint8_t)cur_le(c, 1);
	e.first_us = (int64_t)cur_le(c, 8);
	e.last_us = (int64_t)cur_le(c, 8);
	e.flows = cur_le(c, 8);
	e.answered = cur_le(c, 8);
	e.unanswered = cur_le(c, 8);
	e.targets = (uint32_t)cur_le(c, 4);
	cur_le(c, 4); /* n_ports: the ports' length says it */
	cur_str(c, &ports, &n_ports);
	e.score = cur_f64(c);
	cur_str(c, &known, &n_known);
	has_known = (int)cur_le(c, 1);
	conns = cur_le(c, 8);
	e.campaign = (uint32_t)cur_le(c, 4);
	e.tcp_probes = (uint8_t)cur_le(c, 1);
	e.n_reset = (uint32_t)cur_le(c, 4);
	e.n_silent = (uint32_t)cur_le(c, 4);
	if (c->bad)
		return 1;
	if (bad)
		return 0;
	if (n_ports && (pv = malloc(n_ports)) != NULL) {
		memcpy(pv, ports, n_ports);
		e.n_ports = (uint32_t)(n_ports / sizeof *pv);
	}
	e.ports = pv;
	if (has_known && (kv = malloc(n_known + 1)) != NULL) {
		memcpy(kv, known, n_known);
		kv[n_known] = '\0';
	}
	e.known = kv;
	rc = x->fn(x->user, &e, conns);
	free(pv);
	free(kv);
	return rc != 0 ? VG_EINVAL : 0;
}

static int ch_get_events(vg_store *s, int64_t t0_us, int64_t t1_us, int overlap,
			 int (*fn)(void *user, const vg_scan_event *e, uint64_t conns), void *user)
{
	struct ch *c = ch(s);
	struct ev_ctx x = {fn, user};
	struct resp r = {.s = s, .row = event_row, .u = &x};
	char q[4096];
	int rc;
	/* an event written again (a later commit of the same id) replaces the
	 * one before: the latest position of each id */
	snprintf(q, sizeof q,
		 "SELECT id, scanner, detectors, protos, first_us, last_us, flows, answered,"
		 " unanswered, targets, n_ports, ports, score, known, has_known, conns, campaign,"
		 " tcp_probes, n_reset, n_silent FROM (SELECT * FROM scan_events WHERE " COMMITTED "%s"
		 " ORDER BY seq DESC LIMIT 1 BY sensor, id) WHERE %s >= %lld AND first_us < %lld"
		 " ORDER BY sensor, seq FORMAT RowBinary",
		 c->sel, overlap ? "last_us" : "first_us", (long long)t0_us, (long long)t1_us);
	rc = http(s, NULL, Q_READ, q, NULL, 0, &r);
	if (rc == VG_EINVAL && r.rc == VG_EINVAL)
		rc = VG_EINVAL;
	resp_free(&r);
	return rc;
}

static int ch_records(vg_store *s, int64_t t0_us, int64_t t1_us, uint64_t *n)
{
	struct ch *c = ch(s);
	char q[4096];
	int64_t v;
	int rc;
	snprintf(q, sizeof q,
		 "SELECT sum(records) FROM inputs WHERE has_times AND last_us >= %lld AND"
		 " first_us < %lld AND " COMMITTED "%s",
		 (long long)t0_us, (long long)t1_us, c->sel);
	if ((rc = scalars(s, q, &v, 1)) < 0)
		return rc;
	*n = (uint64_t)v;
	return VG_OK;
}

static int ch_events_after(vg_store *s, int64_t after, int64_t *last, int64_t *first_us)
{
	struct ch *c = ch(s);
	char q[4096];
	int64_t v[3];
	int rc;
	*last = after;
	*first_us = INT64_MAX;
	snprintf(q, sizeof q,
		 "SELECT count(), max(seq), min(first_us) FROM scan_events WHERE seq > %lld AND "
		 COMMITTED "%s",
		 (long long)after, c->sel);
	if ((rc = scalars(s, q, v, 3)) < 0)
		return rc;
	if (v[0]) {
		*last = v[1];
		*first_us = v[2];
	}
	return VG_OK;
}

static int ch_last_alert_id(vg_store *s, uint32_t *id)
{
	int64_t v;
	int rc;
	if ((rc = scalars(s, "SELECT max(id) FROM alerts WHERE " COMMITTED, &v, 1)) < 0)
		return rc;
	*id = (uint32_t)v;
	return VG_OK;
}

/* An alert's identity as a 64-bit hash. */
static uint64_t alert_key(const char *det, int64_t proto, int64_t port, const char *src,
			  size_t src_len, uint32_t scan_id, int64_t time_us)
{
	uint64_t h = vgi_hash_bytes(det, strlen(det), 0x9e3779b97f4a7c15ULL);
	uint64_t x[4] = {(uint64_t)proto, (uint64_t)port, scan_id, (uint64_t)time_us};
	h = vgi_hash_bytes(src, src_len, h);
	return vgi_hash_bytes(x, sizeof x, h);
}

static int alert_row(void *u, vgi_cur *c)
{
	struct ch *k = u;
	const uint8_t *det, *src;
	size_t dn, sn;
	uint32_t id = (uint32_t)cur_le(c, 4);
	int64_t proto, port;
	uint32_t scan_id;
	int64_t t;
	char dbuf[64];
	cur_str(c, &det, &dn);
	proto = (int16_t)(uint16_t)cur_le(c, 2);
	port = (int32_t)(uint32_t)cur_le(c, 4);
	cur_str(c, &src, &sn);
	scan_id = (uint32_t)cur_le(c, 4);
	t = (int64_t)cur_le(c, 8);
	if (c->bad)
		return 1;
	snprintf(dbuf, sizeof dbuf, "%.*s", (int)(dn < 63 ? dn : 63), (const char *)det);
	if (vgi_u64map_put(&k->alert_ids, alert_key(dbuf, proto, port, (const char *)src, sn,
						    scan_id, t), id) < 0)
		return VG_ENOMEM;
	if (id > k->alert_max)
		k->alert_max = id;
	return 0;
}

static int ch_alert_ids(vg_store *s, vg_alert *al, size_t n, int record)
{
	struct ch *c = ch(s);
	struct resp r = {.s = s, .row = alert_row, .u = c};
	struct vgi_buf b = {0};
	char q[512];
	uint32_t next;
	size_t i;
	int rc;
	/* the ids known: all the first time, then those given since */
	snprintf(q, sizeof q,
		 "SELECT id, detector, proto, port, source, scan_id, time_us FROM alerts WHERE id > %u"
		 " AND " COMMITTED " FORMAT RowBinary",
		 c->alerts_loaded ? c->alert_max : 0);
	rc = http(s, NULL, Q_READ, q, NULL, 0, &r);
	resp_free(&r);
	if (rc != VG_OK)
		return rc;
	c->alerts_loaded = 1;
	next = c->alert_max + 1;
	if (record) {
		if (c->txn && !c->tx_alerts)
			return chf(s, VG_EINVAL, "alert ids in the middle of a write");
		if ((rc = ch_begin(s)) != VG_OK)
			return rc;
		c->tx_alerts = 1;
	}
	for (i = 0; i < n; i++) {
		char src[46] = "";
		vg_alert *a = &al[i];
		const char *det = vg_detector_name(a->detector);
		uint64_t key;
		uint32_t id;
		if (a->has_source)
			vg_addr_format(&a->source, a->family == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4, src);
		key = alert_key(det, a->proto, a->port, src, strlen(src), a->scan_id, a->time_us);
		if ((id = vgi_u64map_get(&c->alert_ids, key)) != 0) {
			a->id = id;
			continue;
		}
		a->id = next++;
		if (!record)
			continue;
		rb_le(&b, c->txn, 8);
		rb_le(&b, a->id, 4);
		rb_str(&b, det, strlen(det));
		rb_le(&b, (uint16_t)(int16_t)a->proto, 2);
		rb_le(&b, (uint32_t)(int32_t)a->port, 4);
		rb_str(&b, src, strlen(src));
		rb_le(&b, a->scan_id, 4);
		rb_le(&b, (uint64_t)a->time_us, 8);
		rb_le(&b, (uint64_t)a->last_us, 8);
		rb_str(&b, vg_severity_name(a->severity), strlen(vg_severity_name(a->severity)));
		rb_str(&b, a->summary, strlen(a->summary));
	}
	if (!record)
		return VG_OK;
	rc = insert(s, "alerts", &b);
	vgi_buf_free(&b);
	if (rc == VG_OK)
		rc = ch_commit(s);
	else
		ch_rollback(s);
	/* the new ones are read back at the next call (their txn committed) */
	return rc;
}

/* ------------------------------------------------------------ retention */

struct parts {
	int32_t day[8192];
	size_t n;
};

static int part_row(void *u, vgi_cur *c)
{
	struct parts *p = u;
	const uint8_t *v;
	size_t n;
	char num[24];
	cur_str(c, &v, &n);
	if (c->bad)
		return 1;
	snprintf(num, sizeof num, "%.*s", (int)(n < 23 ? n : 23), (const char *)v);
	if (p->n < VGI_ARRAY_LEN(p->day))
		p->day[p->n++] = (int32_t)strtol(num, NULL, 10);
	return 0;
}

/* Drops the day partitions before before_day of one table on one node. */
static int drop_days(vg_store *s, const char *host, const char *table, int32_t before_day,
		     uint32_t *n_days)
{
	struct ch *c = ch(s);
	struct parts *p = calloc(1, sizeof *p);
	struct resp r = {.s = s, .row = part_row, .u = p};
	char q[512];
	size_t i;
	int rc;
	if (!p)
		return chf(s, VG_ENOMEM, "out of memory");
	snprintf(q, sizeof q,
		 "SELECT DISTINCT partition FROM system.parts WHERE database = '%s' AND table = '%s'"
		 " AND active FORMAT RowBinary", c->db, table);
	rc = http(s, host, Q_READ, q, NULL, 0, &r);
	resp_free(&r);
	for (i = 0; rc == VG_OK && i < p->n; i++) {
		if (p->day[i] >= before_day)
			continue;
		snprintf(q, sizeof q, "ALTER TABLE %s DROP PARTITION %d", table, (int)p->day[i]);
		rc = run(s, host, Q_WRITE, q);
		if (n_days)
			(*n_days)++;
	}
	free(p);
	return rc;
}

static int ch_prune(vg_store *s, int32_t before_day, uint32_t *n_days)
{
	struct ch *c = ch(s);
	size_t ti, k;
	int rc = VG_OK;
	*n_days = 0;
	for (ti = 0; ti < VGI_T__N && rc == VG_OK; ti++) {
		char local[96];
		if (!c->cluster[0]) {
			rc = drop_days(s, NULL, vgi_tables[ti].name, before_day,
				       ti == VGI_T_DAY ? n_days : NULL);
			continue;
		}
		snprintf(local, sizeof local, "%s_local", vgi_tables[ti].name);
		for (k = 0; k < c->n_shards && rc == VG_OK; k++)
			rc = drop_days(s, c->shard[k], local, before_day,
				       ti == VGI_T_DAY && k == 0 ? n_days : NULL);
	}
	if (rc == VG_OK && !c->cluster[0])
		rc = drop_days(s, NULL, "conns", before_day, NULL);
	for (k = 0; rc == VG_OK && c->cluster[0] && k < c->n_shards; k++)
		rc = drop_days(s, c->shard[k], "conns_local", before_day, NULL);
	if (rc == VG_OK)
		rc = drop_days(s, NULL, "scan_events", before_day, NULL);
	return rc;
}

/* ------------------------------------------------------------ fuzzing */

static int fuzz_event(void *user, const vg_scan_event *e, uint64_t conns)
{
	(void)user;
	return e->n_ports > 1u << 30 && conns == 0;
}

static void fuzz_hist(void *user, const vg_addr *a, uint8_t fam, int32_t first, int32_t first_ns)
{
	(void)user;
	(void)a;
	(void)fam;
	(void)first;
	(void)first_ns;
}

int vgi_ch_parse_answer(const uint8_t *data, size_t len)
{
	vg_store s;
	struct ch *c;
	struct resp r;
	struct vgi_rollup ru;
	struct rows_ctx rx;
	struct ev_ctx ex = {fuzz_event, NULL};
	struct hist_ctx hx = {fuzz_hist, NULL};
	struct meta m = {0};
	struct sensors *z = NULL;
	struct blob bl = {0};
	struct parts *pa = NULL;
	size_t chunk, off;
	int what, rc;
	if (len < 2)
		return VG_EINVAL;
	what = data[0] % (VGI_T__N + 7);
	chunk = (size_t)data[1] + 1;
	data += 2;
	len -= 2;
	memset(&s, 0, sizeof s);
	memset(&r, 0, sizeof r);
	if (!(c = calloc(1, sizeof *c)) || !(z = calloc(1, sizeof *z)) ||
	    !(pa = calloc(1, sizeof *pa))) {
		free(c);
		free(z);
		return VG_ENOMEM;
	}
	s.impl = c;
	s.path = (char *)(uintptr_t)"fuzz";
	vgi_u64map_init(&c->alert_ids, 0);
	vgi_rollup_init(&ru);
	r.s = &s;
	r.code = 200;
	if (what < VGI_T__N) {
		rx = (struct rows_ctx){&s, &vgi_tables[what], what, &ru, NULL, NULL};
		r.row = rollup_row;
		r.u = &rx;
	} else {
		static int (*const rows[])(void *, vgi_cur *) = {event_row, hist_row, alert_row,
								   meta_row, sensor_row, tail_row,
								   part_row};
		void *us[] = {&ex, &hx, c, &m, z, &bl, pa};
		r.row = rows[what - VGI_T__N];
		r.u = us[what - VGI_T__N];
	}
	/* the answer as the network hands it over: in pieces */
	for (off = 0; off < len; off += chunk)
		if (on_body((char *)(uintptr_t)(data + off), 1, VGI_MIN(chunk, len - off), &r) == 0)
			break;
	rc = r.rc != VG_OK ? r.rc : r.off != r.b.n ? VG_ETRUNC : VG_OK;
	vgi_buf_free(&r.b);
	vgi_rollup_free(&ru);
	vgi_u64map_free(&c->alert_ids);
	free(m.site);
	free(m.cluster);
	free(m.shards);
	free(bl.p);
	free(z);
	free(pa);
	free(c);
	return rc;
}

const struct vgi_store_ops vgi_store_clickhouse = {
	.name = "clickhouse",
	.open = ch_open,
	.close = ch_close,
	.begin = ch_begin,
	.commit = ch_commit,
	.rollback = ch_rollback,
	.put_rows = ch_put_rows,
	.put_event = ch_put_event,
	.put_tail = ch_put_tail,
	.put_input = ch_put_input,
	.get_tail = ch_get_tail,
	.get_rows = ch_get_rows,
	.get_history = ch_get_history,
	.get_events = ch_get_events,
	.records = ch_records,
	.alert_ids = ch_alert_ids,
	.input_seen = ch_input_seen,
	.summary = ch_summary,
	.events_after = ch_events_after,
	.last_alert_id = ch_last_alert_id,
	.prune = ch_prune,
	.put_conn = ch_put_conn,
};
