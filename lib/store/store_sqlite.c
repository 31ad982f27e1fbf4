/*
 * store_sqlite.c - the embedded store (docs/store.md): one SQLite file holding
 * the site description it was built with, the day-rollup tables (one SQL
 * table per declaration of rollup.c, rows combined on conflict), the scan
 * events, the alerts' ids, the inputs already ingested and the pipeline's
 * open tail. Every write happens inside one transaction per input, so a
 * killed process leaves the store as it was before that input.
 *
 * It is not a general database layer: the SQL is generated from the
 * rollup declarations, and the only queries are the ones the report, the
 * alerts and the scans need.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyze/rollup.h"
#include "store/store.h"

/* 2: src_day and src_port count sweep_conns (the connections of sweeps) */
#define SCHEMA_VERSION 4
#define APP_ID 0x76676c31 /* "vgl1": a vigil store, not some other SQLite file */
#define BUSY_MS 30000     /* how long a second writer waits for the first */
#define INS_ROWS 32       /* rows of one INSERT: the statement's cost is shared */

struct sq {
	sqlite3 *db;
	int in_tx;
	int busy_ms;
	sqlite3_stmt *ins[VGI_T__N];  /* one row */
	sqlite3_stmt *insn[VGI_T__N]; /* INS_ROWS rows */
	sqlite3_stmt *ins_event;
};

static int sq_begin(vg_store *s);

static struct sq *sq(const vg_store *s)
{
	return s->impl;
}

static int fail(vg_store *s, int rc, const char *what)
{
	snprintf(s->errmsg, sizeof s->errmsg, "%s: %s: %s", s->path, what,
		 sq(s)->db ? sqlite3_errmsg(sq(s)->db) : "cannot open");
	return rc;
}

/* An SQLite error as a vigil status: damage and foreign files are format
 * errors, busy and read-only are I/O. */
static int status_of(int src)
{
	switch (src & 0xff) {
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
	case SQLITE_FORMAT: return VG_EFORMAT;
	case SQLITE_NOMEM: return VG_ENOMEM;
	default: return VG_EIO;
	}
}

static int exec(vg_store *s, const char *sql)
{
	int rc = sqlite3_exec(sq(s)->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return fail(s, status_of(rc), sql[0] == 'B' || sql[0] == 'C' ? "transaction" : "query");
	return VG_OK;
}

/* ------------------------------------------------------------ schema */

static const char *col_sql_type(int type)
{
	return type == VGI_COL_ADDR ? "TEXT" : "INTEGER";
}

/* CREATE TABLE for one rollup declaration. */
static void table_sql(const struct vgi_tabledecl *d, char *out, size_t cap)
{
	size_t n = 0, i;
	n += (size_t)snprintf(out + n, cap - n, "CREATE TABLE %s (", d->name);
	for (i = 0; i < d->n_key; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s %s NOT NULL, ", d->key[i].name,
				      col_sql_type(d->key[i].type));
	for (i = 0; i < d->n_val; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s INTEGER NOT NULL, ", d->val[i].name);
	n += (size_t)snprintf(out + n, cap - n, "PRIMARY KEY (");
	for (i = 0; i < d->n_key; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? ", " : "", d->key[i].name);
	snprintf(out + n, cap - n, ")) WITHOUT ROWID;");
}

/* INSERT ... ON CONFLICT of nrows rows: how two rows of one key combine,
 * in SQL. */
static void upsert_sql(const struct vgi_tabledecl *d, size_t nrows, char *out, size_t cap)
{
	size_t n = 0, i, j;
	n += (size_t)snprintf(out + n, cap - n, "INSERT INTO %s VALUES ", d->name);
	for (j = 0; j < nrows; j++) {
		n += (size_t)snprintf(out + n, cap - n, "%s(", j ? ", " : "");
		for (i = 0; i < (size_t)d->n_key + d->n_val; i++)
			n += (size_t)snprintf(out + n, cap - n, "%s?", i ? ", " : "");
		n += (size_t)snprintf(out + n, cap - n, ")");
	}
	n += (size_t)snprintf(out + n, cap - n, " ON CONFLICT (");
	for (i = 0; i < d->n_key; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? ", " : "", d->key[i].name);
	n += (size_t)snprintf(out + n, cap - n, ") DO UPDATE SET ");
	for (i = 0; i < d->n_val; i++) {
		const char *v = d->val[i].name;
		const char *f = d->val[i].comb == VGI_MIN ? "min" : d->val[i].comb == VGI_MAX ? "max" : NULL;
		if (f)
			n += (size_t)snprintf(out + n, cap - n, "%s%s = %s(%s, excluded.%s)", i ? ", " : "",
					      v, f, v, v);
		else
			n += (size_t)snprintf(out + n, cap - n, "%s%s = %s + excluded.%s", i ? ", " : "",
					      v, v, v);
	}
}

static const char *const fixed_schema =
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE inputs (id INTEGER PRIMARY KEY, name TEXT NOT NULL, size INTEGER NOT NULL,"
	" hash TEXT NOT NULL, records INTEGER NOT NULL, first_us INTEGER, last_us INTEGER,"
	" ingested_at INTEGER NOT NULL, UNIQUE (name, size, hash));"
	"CREATE TABLE scan_events (seq INTEGER PRIMARY KEY, id INTEGER NOT NULL UNIQUE,"
	" day INTEGER NOT NULL,"
	" scanner TEXT NOT NULL, type TEXT NOT NULL, detectors INTEGER NOT NULL,"
	" protos INTEGER NOT NULL, first_us INTEGER NOT NULL, last_us INTEGER NOT NULL,"
	" flows INTEGER NOT NULL, answered INTEGER NOT NULL, unanswered INTEGER NOT NULL,"
	" targets INTEGER NOT NULL, n_ports INTEGER NOT NULL, ports BLOB, score REAL NOT NULL,"
	" known TEXT, conns INTEGER NOT NULL, campaign INTEGER NOT NULL,"
	" tcp_probes INTEGER NOT NULL, n_reset INTEGER NOT NULL, n_silent INTEGER NOT NULL);"
	"CREATE INDEX scan_events_day ON scan_events (day);"
	"CREATE TABLE alerts (id INTEGER PRIMARY KEY, detector TEXT NOT NULL, proto INTEGER NOT NULL,"
	" port INTEGER NOT NULL, source TEXT NOT NULL, scan_id INTEGER NOT NULL,"
	" time_us INTEGER NOT NULL, last_us INTEGER NOT NULL, severity TEXT NOT NULL,"
	" summary TEXT NOT NULL, UNIQUE (detector, proto, port, source, scan_id, time_us));"
	"CREATE TABLE tail (id INTEGER PRIMARY KEY CHECK (id = 1), state BLOB NOT NULL);"
	"CREATE VIEW src_history AS SELECT src, min(day) AS first_day, max(day) AS last_day,"
	" count(*) AS days_active, sum(conns) AS conns, sum(scan_conns) AS scan_conns,"
	" sum(sweep_conns) AS sweep_conns"
	" FROM src_day GROUP BY src;";

static int create_schema(vg_store *s, const char *site_desc)
{
	char sql[2048];
	size_t i;
	sqlite3_stmt *st = NULL;
	int rc;
	if ((rc = exec(s, "BEGIN IMMEDIATE")) != VG_OK)
		return rc;
	if ((rc = exec(s, fixed_schema)) != VG_OK)
		goto out;
	for (i = 0; i < VGI_T__N; i++) {
		table_sql(&vgi_tables[i], sql, sizeof sql);
		if ((rc = exec(s, sql)) != VG_OK)
			goto out;
	}
	if (sqlite3_prepare_v2(sq(s)->db, "INSERT INTO meta VALUES (?, ?)", -1, &st, NULL) != SQLITE_OK) {
		rc = fail(s, VG_EIO, "schema");
		goto out;
	}
	{
		char ver[16], now[32];
		const char *kv[][2] = {{"schema", ver}, {"site", site_desc}, {"vigil", VG_VERSION},
				       {"created", now}};
		snprintf(ver, sizeof ver, "%d", SCHEMA_VERSION);
		snprintf(now, sizeof now, "%lld", (long long)time(NULL));
		for (i = 0; i < VGI_ARRAY_LEN(kv); i++) {
			sqlite3_bind_text(st, 1, kv[i][0], -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, kv[i][1], -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE) {
				rc = fail(s, VG_EIO, "schema");
				goto out;
			}
			sqlite3_reset(st);
		}
	}
	snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d;", APP_ID,
		 SCHEMA_VERSION);
	if ((rc = exec(s, sql)) != VG_OK)
		goto out;
	rc = exec(s, "COMMIT");
out:
	sqlite3_finalize(st);
	if (rc != VG_OK)
		sqlite3_exec(sq(s)->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static int pragma_int(vg_store *s, const char *sql, int *v)
{
	sqlite3_stmt *st;
	int rc;
	if ((rc = sqlite3_prepare_v2(sq(s)->db, sql, -1, &st, NULL)) != SQLITE_OK)
		return fail(s, status_of(rc), "not a vigil store (cannot read its header)");
	rc = sqlite3_step(st);
	*v = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return fail(s, status_of(rc), "not a vigil store (cannot read its header)");
	return VG_OK;
}

static char *meta_get(vg_store *s, const char *key)
{
	sqlite3_stmt *st;
	char *v = NULL;
	if (sqlite3_prepare_v2(sq(s)->db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

static int check_store(vg_store *s, const char *site_desc)
{
	int app = 0, ver = 0, rc;
	char *stored;
	if ((rc = pragma_int(s, "PRAGMA application_id", &app)) != VG_OK ||
	    (rc = pragma_int(s, "PRAGMA user_version", &ver)) != VG_OK)
		return rc;
	if (app != APP_ID) {
		snprintf(s->errmsg, sizeof s->errmsg, "%s: not a vigil store (an SQLite file of "
			 "another application)", s->path);
		return VG_EFORMAT;
	}
	if (ver != SCHEMA_VERSION) {
		snprintf(s->errmsg, sizeof s->errmsg,
			 "%s: store schema version %d; this vigil (%s) reads version %d only%s",
			 s->path, ver, VG_VERSION, SCHEMA_VERSION,
			 ver > SCHEMA_VERSION ? " (made by a newer vigil)"
			 : ver == 1 ? " (it does not count the connections of sweeps apart: ingest its"
				      " inputs into a new store)"
				    : " (it has no backscatter class and no campaigns: ingest its inputs"
				      " into a new store)");
		return VG_EUNSUP;
	}
	if (!(stored = meta_get(s, "site")))
		return fail(s, VG_EFORMAT, "no site description in the store");
	if (site_desc && strcmp(stored, site_desc) != 0) {
		char d[400];
		vgi_store_site_diff(stored, site_desc, d, sizeof d);
		snprintf(s->errmsg, sizeof s->errmsg,
			 "%s: the store was built for another site description: %s", s->path, d);
		free(stored);
		return VG_EINVAL;
	}
	free(stored);
	return VG_OK;
}

static int sq_open(vg_store *s, const char *path, int mode, const vg_site *site,
		   const vg_store_opts *o)
{
	char desc[8192];
	struct stat sb;
	int exists, rc, flags;
	if (!(s->impl = calloc(1, sizeof(struct sq))))
		return VG_ENOMEM;
	if (o && o->sensor && o->sensor[0]) {
		snprintf(s->errmsg, sizeof s->errmsg,
			 "%s: an SQLite store holds one sensor: --sensor is for a ClickHouse store",
			 path);
		return VG_EINVAL;
	}
	if (site)
		vgi_site_describe(site, desc, sizeof desc);
	exists = stat(path, &sb) == 0;
	if (!exists && mode != VG_STORE_WRITE) {
		snprintf(s->errmsg, sizeof s->errmsg, "%s: no such store (make it with vigil ingest)",
			 path);
		return VG_EIO;
	}
	if (exists && mode == VG_STORE_WRITE && access(path, W_OK) != 0) {
		snprintf(s->errmsg, sizeof s->errmsg, "%s: the store is read-only: %s", path,
			 strerror(errno));
		return VG_EIO;
	}
	flags = mode == VG_STORE_WRITE ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
				       : SQLITE_OPEN_READONLY;
	if ((rc = sqlite3_open_v2(path, &sq(s)->db, flags | SQLITE_OPEN_NOMUTEX, NULL)) != SQLITE_OK)
		return fail(s, status_of(rc), "cannot open");
	{
		/* VIGIL_STORE_BUSY_MS: how long to wait for another writer (tests) */
		const char *e = getenv("VIGIL_STORE_BUSY_MS");
		sq(s)->busy_ms = e && atoi(e) > 0 ? atoi(e) : BUSY_MS;
		sqlite3_busy_timeout(sq(s)->db, sq(s)->busy_ms);
	}
	sqlite3_extended_result_codes(sq(s)->db, 1);
	if (mode == VG_STORE_WRITE) {
		/* rollback journal, synced: a commit survives power loss and a
		 * killed writer's transaction is rolled back by the next open */
		if ((rc = exec(s, "PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL")) != VG_OK)
			return rc;
		/* rows come in key order, so the pages a day touches stay few: 16 MiB */
		if ((rc = exec(s, "PRAGMA cache_size = -16384")) != VG_OK)
			return rc;
	}
	/* a file with no tables is a new store: also one whose first ingest
	 * was killed while it made the schema (its journal was rolled back) */
	{
		sqlite3_stmt *st;
		int n = -1;
		if ((rc = sqlite3_prepare_v2(sq(s)->db, "SELECT count(*) FROM sqlite_master", -1, &st,
					     NULL)) != SQLITE_OK)
			return fail(s, status_of(rc), "not a vigil store (cannot read its header)");
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		if (n < 0)
			return fail(s, VG_EFORMAT, "not a vigil store (cannot read its header)");
		if (n == 0)
			exists = 0;
	}
	if (!exists) {
		if (mode != VG_STORE_WRITE)
			return fail(s, VG_EFORMAT, "empty file");
		if (!site)
			return fail(s, VG_EINVAL, "a new store needs a site description");
		if ((rc = create_schema(s, desc)) != VG_OK)
			return rc;
	}
	if ((rc = check_store(s, site ? desc : NULL)) != VG_OK)
		return rc;
	if (mode == VG_STORE_WRITE) {
		/* one writer at a time, for the whole run: the lock is taken now,
		 * before the open tail is read and the inputs are looked up, and
		 * kept across the commits (locking_mode EXCLUSIVE), so that two
		 * ingests can neither start from the same tail nor both add the
		 * same input */
		if ((rc = exec(s, "PRAGMA locking_mode = EXCLUSIVE")) != VG_OK ||
		    (rc = sq_begin(s)) != VG_OK)
			return rc;
	}
	/* a reader checks the whole file's structure first, so that a damaged
	 * page is found now, not half-way through a report; a writer does not
	 * (it would read the whole store on every ingest): SQLite reports the
	 * damage of any page it touches, and the input is then not committed */
	if (mode != VG_STORE_WRITE) {
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(sq(s)->db, "PRAGMA quick_check", -1, &st, NULL) != SQLITE_OK)
			return fail(s, VG_EFORMAT, "damaged");
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW || strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0) {
			snprintf(s->errmsg, sizeof s->errmsg, "%s: the store is damaged: %s", path,
				 rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0)
						  : sqlite3_errmsg(sq(s)->db));
			sqlite3_finalize(st);
			return VG_EFORMAT;
		}
		sqlite3_finalize(st);
	}
	return VG_OK;
}

static void sq_close(vg_store *s)
{
	size_t i;
	if (!sq(s))
		return;
	for (i = 0; i < VGI_T__N; i++) {
		sqlite3_finalize(sq(s)->ins[i]);
		sqlite3_finalize(sq(s)->insn[i]);
	}
	sqlite3_finalize(sq(s)->ins_event);
	if (sq(s)->in_tx && sq(s)->db)
		sqlite3_exec(sq(s)->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(sq(s)->db);
	free(s->impl);
}

/* ------------------------------------------------------------ writing */

static int sq_begin(vg_store *s)
{
	int rc;
	if (sq(s)->in_tx)
		return VG_OK;
	if (s->mode != VG_STORE_WRITE)
		return fail(s, VG_EINVAL, "opened read-only");
	/* IMMEDIATE: a second writer waits here (busy timeout), then fails */
	if ((rc = sqlite3_exec(sq(s)->db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK) {
		if ((rc & 0xff) == SQLITE_BUSY) {
			snprintf(s->errmsg, sizeof s->errmsg,
				 "%s: another vigil is writing to the store (waited %.1f s)", s->path,
				 sq(s)->busy_ms / 1000.0);
			return VG_EIO;
		}
		return fail(s, status_of(rc), "transaction");
	}
	sq(s)->in_tx = 1;
	return VG_OK;
}

static int sq_commit(vg_store *s)
{
	int rc;
	if (!sq(s)->in_tx)
		return VG_OK;
	if ((rc = sqlite3_exec(sq(s)->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK) {
		fail(s, status_of(rc), "commit");
		sqlite3_exec(sq(s)->db, "ROLLBACK", NULL, NULL, NULL);
		sq(s)->in_tx = 0;
		return status_of(rc);
	}
	sq(s)->in_tx = 0;
	return VG_OK;
}

static void sq_rollback(vg_store *s)
{
	if (sq(s)->in_tx)
		sqlite3_exec(sq(s)->db, "ROLLBACK", NULL, NULL, NULL);
	sq(s)->in_tx = 0;
}

/* A row as SQLite orders its key: the addresses as the text stored. */
struct srow {
	struct vgi_key k;
	const int64_t *v;
	char a1[46], a2[46];
	uint8_t l1, l2;
};

static const struct vgi_tabledecl *sort_decl; /* qsort has no context argument here */

static int cmp_srow(const void *x, const void *y)
{
	const struct srow *a = x, *b = y;
	size_t c;
	int addr = 0, r;
	for (c = 0; c < sort_decl->n_key; c++) {
		switch (sort_decl->key[c].type) {
		case VGI_COL_DAY: if (a->k.day != b->k.day) return a->k.day < b->k.day ? -1 : 1; break;
		case VGI_COL_HOUR: if (a->k.hour != b->k.hour) return a->k.hour < b->k.hour ? -1 : 1; break;
		case VGI_COL_PROTO: if (a->k.proto != b->k.proto) return a->k.proto < b->k.proto ? -1 : 1; break;
		case VGI_COL_PORT: if (a->k.port != b->k.port) return a->k.port < b->k.port ? -1 : 1; break;
		default:
			/* SQLite compares TEXT with memcmp, then by length */
			{
				const char *p = addr ? a->a2 : a->a1, *q = addr ? b->a2 : b->a1;
				size_t lp = addr ? a->l2 : a->l1, lq = addr ? b->l2 : b->l1;
				if ((r = memcmp(p, q, VGI_MIN(lp, lq))) != 0)
					return r;
				if (lp != lq)
					return lp < lq ? -1 : 1;
			}
			addr++;
		}
	}
	return 0;
}

static uint8_t addr_text(const vg_addr *a, uint8_t fam, char out[46])
{
	return (uint8_t)vg_addr_format(a, fam == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4, out);
}

static int sq_put_rows(vg_store *s, const struct vgi_rollup *r)
{
	struct srow *rows = NULL;
	size_t cap = 0, ti, i;
	int rc;
	if ((rc = sq_begin(s)) != VG_OK)
		return rc;
	for (ti = 0; ti < VGI_T__N; ti++) {
		const struct vgi_rtab *t = &r->t[ti];
		const struct vgi_tabledecl *d = t->d;
		sqlite3_stmt *st;
		if (!t->n)
			continue;
		for (i = 0; i < 2; i++) {
			sqlite3_stmt **stp = i ? &sq(s)->insn[ti] : &sq(s)->ins[ti];
			char sql[16384];
			if (*stp)
				continue;
			upsert_sql(d, i ? INS_ROWS : 1, sql, sizeof sql);
			if ((rc = sqlite3_prepare_v2(sq(s)->db, sql, -1, stp, NULL)) != SQLITE_OK) {
				free(rows);
				return fail(s, status_of(rc), "insert");
			}
		}
		if (t->n > cap) {
			struct srow *nr = realloc(rows, t->n * sizeof *nr);
			if (!nr) {
				free(rows);
				return fail(s, VG_ENOMEM, "out of memory");
			}
			rows = nr;
			cap = t->n;
		}
		/* in key order: each insert then lands beside the one before it
		 * in the table's B-tree, instead of anywhere in it */
		for (i = 0; i < t->n; i++) {
			vgi_rtab_row(t, i, &rows[i].k, &rows[i].v);
			rows[i].l1 = addr_text(&rows[i].k.a1, rows[i].k.fam1, rows[i].a1);
			rows[i].l2 = addr_text(&rows[i].k.a2, rows[i].k.fam2, rows[i].a2);
		}
		sort_decl = d;
		qsort(rows, t->n, sizeof *rows, cmp_srow);
		/* INS_ROWS rows a statement, the rest one by one */
		for (i = 0; i < t->n;) {
			size_t m = t->n - i >= INS_ROWS ? INS_ROWS : 1, j;
			int col = 1;
			st = m > 1 ? sq(s)->insn[ti] : sq(s)->ins[ti];
			for (j = 0; j < m; j++) {
				const struct srow *w = &rows[i + j];
				size_t c;
				int addr = 0;
				for (c = 0; c < d->n_key; c++, col++) {
					switch (d->key[c].type) {
					case VGI_COL_DAY: sqlite3_bind_int64(st, col, w->k.day); break;
					case VGI_COL_HOUR: sqlite3_bind_int64(st, col, w->k.hour); break;
					case VGI_COL_PROTO: sqlite3_bind_int64(st, col, w->k.proto); break;
					case VGI_COL_PORT: sqlite3_bind_int64(st, col, w->k.port); break;
					default:
						if (addr++)
							sqlite3_bind_text(st, col, w->a2, w->l2, SQLITE_STATIC);
						else
							sqlite3_bind_text(st, col, w->a1, w->l1, SQLITE_STATIC);
					}
				}
				for (c = 0; c < d->n_val; c++, col++)
					sqlite3_bind_int64(st, col, w->v[c]);
			}
			rc = sqlite3_step(st);
			sqlite3_reset(st);
			if (rc != SQLITE_DONE) {
				free(rows);
				return fail(s, status_of(rc), "insert");
			}
			i += m;
		}
	}
	free(rows);
	return VG_OK;
}

static int sq_put_event(vg_store *s, const vg_site *site, const vg_scan_event *e,
			uint64_t conns)
{
	sqlite3_stmt *st;
	int rc;
	char addr[46];
	if ((rc = sq_begin(s)) != VG_OK)
		return rc;
	if (!sq(s)->ins_event &&
	    sqlite3_prepare_v2(sq(s)->db,
			       "INSERT OR REPLACE INTO scan_events (id, day, scanner, type, detectors,"
			       " protos, first_us, last_us, flows, answered, unanswered, targets, n_ports,"
			       " ports, score, known, conns, campaign, tcp_probes, n_reset, n_silent)"
			       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, &sq(s)->ins_event, NULL) != SQLITE_OK)
		return fail(s, VG_EIO, "insert");
	st = sq(s)->ins_event;
	vg_addr_format(&e->scanner, e->family == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4, addr);
	sqlite3_bind_int64(st, 1, e->id);
	sqlite3_bind_int64(st, 2, vgi_study_day(site, e->first_us));
	sqlite3_bind_text(st, 3, addr, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, vg_scan_type(e), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, e->detectors);
	sqlite3_bind_int64(st, 6, e->protos);
	sqlite3_bind_int64(st, 7, e->first_us);
	sqlite3_bind_int64(st, 8, e->last_us);
	sqlite3_bind_int64(st, 9, (int64_t)e->flows);
	sqlite3_bind_int64(st, 10, (int64_t)e->answered);
	sqlite3_bind_int64(st, 11, (int64_t)e->unanswered);
	sqlite3_bind_int64(st, 12, e->targets);
	sqlite3_bind_int64(st, 13, e->n_ports);
	sqlite3_bind_blob(st, 14, e->ports, (int)(e->n_ports * sizeof *e->ports), SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 15, e->score);
	if (e->known)
		sqlite3_bind_text(st, 16, e->known, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 16);
	sqlite3_bind_int64(st, 17, (int64_t)conns);
	sqlite3_bind_int64(st, 18, e->campaign);
	sqlite3_bind_int64(st, 19, e->tcp_probes);
	sqlite3_bind_int64(st, 20, e->n_reset);
	sqlite3_bind_int64(st, 21, e->n_silent);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return fail(s, status_of(rc), "insert");
	return VG_OK;
}

static int sq_put_tail(vg_store *s, const void *blob, size_t len)
{
	sqlite3_stmt *st;
	int rc;
	if ((rc = sq_begin(s)) != VG_OK)
		return rc;
	if (sqlite3_prepare_v2(sq(s)->db, "INSERT OR REPLACE INTO tail VALUES (1, ?)", -1, &st, NULL) !=
	    SQLITE_OK)
		return fail(s, VG_EIO, "insert");
	sqlite3_bind_blob64(st, 1, blob, len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? VG_OK : fail(s, status_of(rc), "insert");
}

static int sq_get_tail(vg_store *s, void **blob, size_t *len)
{
	sqlite3_stmt *st;
	int rc;
	*blob = NULL;
	*len = 0;
	if (sqlite3_prepare_v2(sq(s)->db, "SELECT state FROM tail WHERE id = 1", -1, &st, NULL) !=
	    SQLITE_OK)
		return fail(s, VG_EIO, "query");
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int n = sqlite3_column_bytes(st, 0);
		if (n > 0 && (*blob = malloc((size_t)n)) != NULL) {
			memcpy(*blob, sqlite3_column_blob(st, 0), (size_t)n);
			*len = (size_t)n;
		}
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? VG_OK : fail(s, status_of(rc), "query");
}

static int sq_input_seen(vg_store *s, const vg_store_input *in)
{
	sqlite3_stmt *st;
	int rc;
	if (sqlite3_prepare_v2(sq(s)->db, "SELECT 1 FROM inputs WHERE name = ? AND size = ? AND hash = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return fail(s, VG_EIO, "query");
	sqlite3_bind_text(st, 1, in->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)in->size);
	sqlite3_bind_text(st, 3, in->hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : fail(s, status_of(rc), "query");
}

static int sq_put_input(vg_store *s, const vg_store_input *in)
{
	sqlite3_stmt *st;
	int rc;
	if ((rc = sq_begin(s)) != VG_OK)
		return rc;
	if (sqlite3_prepare_v2(sq(s)->db,
			       "INSERT OR IGNORE INTO inputs (name, size, hash, records, first_us,"
			       " last_us, ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			       -1, &st, NULL) != SQLITE_OK)
		return fail(s, VG_EIO, "insert");
	sqlite3_bind_text(st, 1, in->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)in->size);
	sqlite3_bind_text(st, 3, in->hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (int64_t)in->records);
	if (in->first_us <= in->last_us) {
		sqlite3_bind_int64(st, 5, in->first_us);
		sqlite3_bind_int64(st, 6, in->last_us);
	}
	sqlite3_bind_int64(st, 7, (int64_t)time(NULL));
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? VG_OK : fail(s, status_of(rc), "insert");
}

/* ------------------------------------------------------------ reading */

static int sq_summary(vg_store *s, vg_store_info *info)
{
	sqlite3_stmt *st;
	int rc;
	memset(info, 0, sizeof *info);
	info->first_us = INT64_MAX;
	info->last_us = INT64_MIN;
	if (sqlite3_prepare_v2(sq(s)->db,
			       "SELECT (SELECT count(*) FROM inputs), (SELECT coalesce(sum(records), 0)"
			       " FROM inputs), min(day), max(day), min(first_us), max(max(last_us), (SELECT"
			       " coalesce(max(last_us), 0) FROM inputs)),"
			       " (SELECT count(*) FROM scan_events) FROM day",
			       -1, &st, NULL) != SQLITE_OK)
		return fail(s, VG_EIO, "query");
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		info->n_inputs = (uint64_t)sqlite3_column_int64(st, 0);
		info->records = (uint64_t)sqlite3_column_int64(st, 1);
		info->n_days = 0;
		if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
			info->first_day = (int32_t)sqlite3_column_int64(st, 2);
			info->last_day = (int32_t)sqlite3_column_int64(st, 3);
			info->first_us = sqlite3_column_int64(st, 4);
			info->last_us = sqlite3_column_int64(st, 5);
			info->n_days = (uint32_t)(info->last_day - info->first_day + 1);
		}
		info->n_events = (uint64_t)sqlite3_column_int64(st, 6);
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? VG_OK : fail(s, status_of(rc), "query");
}

static int col_addr(sqlite3_stmt *st, int col, vg_addr *a, uint8_t *fam)
{
	const char *t = (const char *)sqlite3_column_text(st, col);
	int f;
	if (!t || !(f = vg_addr_parse(a, t, strlen(t))))
		return -1;
	*fam = (uint8_t)(f == 6 ? VG_FAM_IP6 : VG_FAM_IP4);
	return 0;
}

static int sq_get_rows(vg_store *s, int32_t day0, int32_t day1, struct vgi_rollup *r,
		       int (*flush)(void *user, struct vgi_rollup *r), void *user)
{
	size_t ti;
	for (ti = 0; ti < VGI_T__N; ti++) {
		const struct vgi_tabledecl *d = &vgi_tables[ti];
		char sql[512];
		sqlite3_stmt *st;
		int rc;
		snprintf(sql, sizeof sql, "SELECT * FROM %s WHERE day BETWEEN ? AND ?", d->name);
		if (sqlite3_prepare_v2(sq(s)->db, sql, -1, &st, NULL) != SQLITE_OK)
			return fail(s, VG_EIO, "query");
		sqlite3_bind_int64(st, 1, day0);
		sqlite3_bind_int64(st, 2, day1);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			struct vgi_key k;
			int64_t v[VGI_ROLL_MAX_VAL];
			size_t c;
			int col = 0, addr = 0, bad = 0;
			memset(&k, 0, sizeof k);
			for (c = 0; c < d->n_key; c++, col++) {
				switch (d->key[c].type) {
				case VGI_COL_DAY: k.day = (int32_t)sqlite3_column_int64(st, col); break;
				case VGI_COL_HOUR: k.hour = (int32_t)sqlite3_column_int64(st, col); break;
				case VGI_COL_PROTO: k.proto = (uint8_t)sqlite3_column_int64(st, col); break;
				case VGI_COL_PORT: k.port = (uint16_t)sqlite3_column_int64(st, col); break;
				default:
					bad |= addr++ ? col_addr(st, col, &k.a2, &k.fam2)
						      : col_addr(st, col, &k.a1, &k.fam1);
				}
			}
			for (c = 0; c < d->n_val; c++, col++)
				v[c] = sqlite3_column_int64(st, col);
			if (bad) {
				sqlite3_finalize(st);
				snprintf(s->errmsg, sizeof s->errmsg,
					 "%s: table %s: a row with a bad address", s->path, d->name);
				return VG_EFORMAT;
			}
			if (vgi_rollup_append(r, (int)ti, &k, v) != VG_OK) {
				sqlite3_finalize(st);
				return VG_ENOMEM;
			}
			if (flush && vgi_rollup_rows(r) >= VGI_STORE_FLUSH_ROWS) {
				if ((rc = flush(user, r)) != VG_OK) {
					sqlite3_finalize(st);
					return rc;
				}
				vgi_rollup_clear(r);
			}
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return fail(s, status_of(rc), "query");
	}
	return VG_OK;
}

static int sq_get_history(vg_store *s, int32_t before_day, int without,
			  void (*fn)(void *user, const vg_addr *a, uint8_t fam, int32_t first,
				     int32_t first_ns),
			  void *user)
{
	sqlite3_stmt *st;
	char sql[256];
	int rc;
	/* first_ns: the first day with connections outside what "without"
	 * leaves out (VG_WITHOUT_*) */
	snprintf(sql, sizeof sql,
		 "SELECT src, min(day), min(CASE WHEN conns > %s THEN day END)"
		 " FROM src_day WHERE day < ? GROUP BY src",
		 without == VG_WITHOUT_SWEEPS ? "sweep_conns"
		 : without == VG_WITHOUT_ALL ? "scan_conns" : "scan_conns - sweep_conns");
	if (sqlite3_prepare_v2(sq(s)->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(s, VG_EIO, "query");
	sqlite3_bind_int64(st, 1, before_day);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		vg_addr a;
		uint8_t fam;
		int32_t f1 = (int32_t)sqlite3_column_int64(st, 1), f2 = INT32_MAX;
		if (col_addr(st, 0, &a, &fam))
			continue;
		if (sqlite3_column_type(st, 2) != SQLITE_NULL)
			f2 = (int32_t)sqlite3_column_int64(st, 2);
		fn(user, &a, fam, f1, f2);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? VG_OK : fail(s, status_of(rc), "query");
}

static int sq_get_events(vg_store *s, int64_t t0_us, int64_t t1_us, int overlap,
			 int (*fn)(void *user, const vg_scan_event *e, uint64_t conns), void *user)
{
	sqlite3_stmt *st;
	int rc;
	if (sqlite3_prepare_v2(sq(s)->db,
			       overlap
				       ? "SELECT id, scanner, detectors, protos, first_us, last_us, flows,"
					 " answered, unanswered, targets, n_ports, ports, score, known, conns,"
					 " campaign, tcp_probes, n_reset, n_silent FROM scan_events"
					 " WHERE last_us >= ? AND first_us < ? ORDER BY seq"
				       : "SELECT id, scanner, detectors, protos, first_us, last_us, flows,"
					 " answered, unanswered, targets, n_ports, ports, score, known, conns,"
					 " campaign, tcp_probes, n_reset, n_silent FROM scan_events"
					 " WHERE first_us >= ? AND first_us < ? ORDER BY seq",
			       -1, &st, NULL) != SQLITE_OK)
		return fail(s, VG_EIO, "query");
	sqlite3_bind_int64(st, 1, t0_us);
	sqlite3_bind_int64(st, 2, t1_us);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		vg_scan_event e;
		uint32_t *ports = NULL;
		int n;
		memset(&e, 0, sizeof e);
		e.id = (uint32_t)sqlite3_column_int64(st, 0);
		if (col_addr(st, 1, &e.scanner, &e.family))
			continue;
		e.detectors = (uint8_t)sqlite3_column_int64(st, 2);
		e.protos = (uint8_t)sqlite3_column_int64(st, 3);
		e.first_us = sqlite3_column_int64(st, 4);
		e.last_us = sqlite3_column_int64(st, 5);
		e.flows = (uint64_t)sqlite3_column_int64(st, 6);
		e.answered = (uint64_t)sqlite3_column_int64(st, 7);
		e.unanswered = (uint64_t)sqlite3_column_int64(st, 8);
		e.targets = (uint32_t)sqlite3_column_int64(st, 9);
		n = sqlite3_column_bytes(st, 11);
		if (n > 0 && (ports = malloc((size_t)n)) != NULL) {
			memcpy(ports, sqlite3_column_blob(st, 11), (size_t)n);
			e.n_ports = (uint32_t)((size_t)n / sizeof *ports);
		}
		e.ports = ports;
		e.score = sqlite3_column_double(st, 12);
		e.known = (const char *)sqlite3_column_text(st, 13);
		e.campaign = (uint32_t)sqlite3_column_int64(st, 15);
		e.tcp_probes = (uint8_t)sqlite3_column_int64(st, 16);
		e.n_reset = (uint32_t)sqlite3_column_int64(st, 17);
		e.n_silent = (uint32_t)sqlite3_column_int64(st, 18);
		rc = fn(user, &e, (uint64_t)sqlite3_column_int64(st, 14));
		free(ports);
		if (rc != 0) {
			sqlite3_finalize(st);
			return rc;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? VG_OK : fail(s, status_of(rc), "query");
}

/* ------------------------------------------------------------ alert ids */

static int sq_events_after(vg_store *s, int64_t after, int64_t *last, int64_t *first_us)
{
	sqlite3_stmt *q;
	*last = after;
	*first_us = INT64_MAX;
	if (sqlite3_prepare_v2(sq(s)->db, "SELECT max(seq), min(first_us) FROM scan_events WHERE seq > ?",
			       -1, &q, NULL) != SQLITE_OK)
		return fail(s, VG_EIO, "query");
	sqlite3_bind_int64(q, 1, after);
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL) {
		*last = sqlite3_column_int64(q, 0);
		*first_us = sqlite3_column_int64(q, 1);
	}
	sqlite3_finalize(q);
	return VG_OK;
}

static int sq_last_alert_id(vg_store *s, uint32_t *id)
{
	sqlite3_stmt *q;
	*id = 0;
	if (sqlite3_prepare_v2(sq(s)->db, "SELECT coalesce(max(id), 0) FROM alerts", -1, &q, NULL) !=
	    SQLITE_OK)
		return fail(s, VG_EIO, "query");
	if (sqlite3_step(q) == SQLITE_ROW)
		*id = (uint32_t)sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return VG_OK;
}

static int sq_alert_ids(vg_store *s, vg_alert *al, size_t n, int record)
{
	sqlite3_stmt *get = NULL, *put = NULL;
	int64_t next = 1;
	size_t i;
	int rc = VG_OK;
	if (sqlite3_prepare_v2(sq(s)->db,
			       "SELECT id FROM alerts WHERE detector = ? AND proto = ? AND port = ? AND"
			       " source = ? AND scan_id = ? AND time_us = ?",
			       -1, &get, NULL) != SQLITE_OK)
		return fail(s, VG_EIO, "query");
	{
		sqlite3_stmt *mx;
		if (sqlite3_prepare_v2(sq(s)->db, "SELECT coalesce(max(id), 0) + 1 FROM alerts", -1, &mx,
				       NULL) == SQLITE_OK) {
			if (sqlite3_step(mx) == SQLITE_ROW)
				next = sqlite3_column_int64(mx, 0);
			sqlite3_finalize(mx);
		}
	}
	if (record && ((rc = sq_begin(s)) != VG_OK ||
		       sqlite3_prepare_v2(sq(s)->db,
					  "INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
					  -1, &put, NULL) != SQLITE_OK)) {
		sqlite3_finalize(get);
		return rc != VG_OK ? rc : fail(s, VG_EIO, "insert");
	}
	for (i = 0; i < n; i++) {
		char src[46] = "";
		vg_alert *a = &al[i];
		if (a->has_source)
			vg_addr_format(&a->source, a->family == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4, src);
		sqlite3_bind_text(get, 1, vg_detector_name(a->detector), -1, SQLITE_STATIC);
		sqlite3_bind_int64(get, 2, a->proto);
		sqlite3_bind_int64(get, 3, a->port);
		sqlite3_bind_text(get, 4, src, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(get, 5, a->scan_id);
		sqlite3_bind_int64(get, 6, a->time_us);
		if (sqlite3_step(get) == SQLITE_ROW) {
			a->id = (uint32_t)sqlite3_column_int64(get, 0);
		} else {
			a->id = (uint32_t)next++;
			if (put) {
				sqlite3_bind_int64(put, 1, a->id);
				sqlite3_bind_text(put, 2, vg_detector_name(a->detector), -1, SQLITE_STATIC);
				sqlite3_bind_int64(put, 3, a->proto);
				sqlite3_bind_int64(put, 4, a->port);
				sqlite3_bind_text(put, 5, src, -1, SQLITE_TRANSIENT);
				sqlite3_bind_int64(put, 6, a->scan_id);
				sqlite3_bind_int64(put, 7, a->time_us);
				sqlite3_bind_int64(put, 8, a->last_us);
				sqlite3_bind_text(put, 9, vg_severity_name(a->severity), -1, SQLITE_STATIC);
				sqlite3_bind_text(put, 10, a->summary, -1, SQLITE_TRANSIENT);
				if (sqlite3_step(put) != SQLITE_DONE)
					rc = fail(s, VG_EIO, "insert");
				sqlite3_reset(put);
			}
		}
		sqlite3_reset(get);
	}
	sqlite3_finalize(get);
	sqlite3_finalize(put);
	if (record && rc == VG_OK)
		rc = sq_commit(s);
	return rc;
}


static int sq_records(vg_store *s, int64_t t0_us, int64_t t1_us, uint64_t *n)
{
	sqlite3_stmt *st;
	int rc;
	*n = 0;
	if (sqlite3_prepare_v2(sq(s)->db,
			       "SELECT coalesce(sum(records), 0) FROM inputs WHERE last_us >= ? AND"
			       " first_us < ?",
			       -1, &st, NULL) != SQLITE_OK)
		return fail(s, VG_EIO, "query");
	sqlite3_bind_int64(st, 1, t0_us);
	sqlite3_bind_int64(st, 2, t1_us);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*n = (uint64_t)sqlite3_column_int64(st, 0);
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? VG_OK : fail(s, status_of(rc), "query");
}

/* The days before before_day leave every rollup table and the scan events;
 * the inputs stay (a file pruned is still one already ingested). */
static int sq_prune(vg_store *s, int32_t before_day, uint32_t *n_days)
{
	sqlite3_stmt *st;
	char sql[256];
	size_t i;
	int rc;
	*n_days = 0;
	if ((rc = sq_begin(s)) != VG_OK)
		return rc;
	if (sqlite3_prepare_v2(sq(s)->db, "SELECT count(DISTINCT day) FROM day WHERE day < ?", -1,
			       &st, NULL) != SQLITE_OK)
		return fail(s, VG_EIO, "query");
	sqlite3_bind_int64(st, 1, before_day);
	if (sqlite3_step(st) == SQLITE_ROW)
		*n_days = (uint32_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	for (i = 0; i <= VGI_T__N; i++) {
		snprintf(sql, sizeof sql, "DELETE FROM %s WHERE day < %d",
			 i < VGI_T__N ? vgi_tables[i].name : "scan_events", (int)before_day);
		if ((rc = exec(s, sql)) != VG_OK) {
			sq_rollback(s);
			return rc;
		}
	}
	return sq_commit(s);
}

const struct vgi_store_ops vgi_store_sqlite = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.put_rows = sq_put_rows,
	.put_event = sq_put_event,
	.put_tail = sq_put_tail,
	.put_input = sq_put_input,
	.get_tail = sq_get_tail,
	.get_rows = sq_get_rows,
	.get_history = sq_get_history,
	.get_events = sq_get_events,
	.records = sq_records,
	.alert_ids = sq_alert_ids,
	.input_seen = sq_input_seen,
	.summary = sq_summary,
	.events_after = sq_events_after,
	.last_alert_id = sq_last_alert_id,
	.prune = sq_prune,
};
