/*
 * shared.c - one picture from several teams' shares (vigil-share/1, written
 * by `vigil export`, docs/share.md): `vigil report --shared A.json B.json`.
 *
 * What adds up is added: connections per day and per port, the new sources
 * of a port (each source is new on a port once per team), the hosts reached
 * (each team's own). What does not add up is shown per team: distinct
 * sources. Sources are matched across teams only when every share was made
 * with the same key (or the same truncation): then a pseudonym seen in the
 * scan events or alerts of several teams is one source. A port whose alerts
 * overlap in time at several teams is raised once more, a level higher.
 * Parsing is jansson's (Debian libjansson); its messages give the byte.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/core.h"
#include "core/u64map.h"
#include "report/emit.h"
#include "report/report.h"
#include "vigil.h"

#define SHARE_SCHEMA "vigil-share/1"

int vgi_shared_add(vg_shared *s, const char *path, const void *data, size_t len);

struct sh_port {
	char day[11];
	uint8_t proto;
	uint16_t port;
	uint64_t conns, srcs, news, targets;
};

struct sh_src {
	char *addr;
	uint32_t scans, alerts;
};

struct sh_alert {
	char first[11], last[11];
	uint8_t proto;
	int32_t port; /* -1: none */
	int severity;
	char detector[24];
};

struct sh_team {
	char *file, *name, *desc, *tz, *method, *key_id;
	unsigned b4, b6;
	char d0[11], d1[11];
	struct sh_port *ports;
	size_t n_ports;
	struct sh_src *srcs; /* sources of scan events and alerts, sorted */
	size_t n_srcs;
	struct sh_alert *alerts;
	size_t n_alerts;
	size_t n_scans;
	uint64_t conns;
};

struct vg_shared {
	struct sh_team *t;
	size_t n, cap;
	char errmsg[512];
};

int vg_shared_create(vg_shared **sp)
{
	*sp = calloc(1, sizeof **sp);
	return *sp ? VG_OK : VG_ENOMEM;
}

static void team_free(struct sh_team *t)
{
	size_t i;
	for (i = 0; i < t->n_srcs; i++)
		free(t->srcs[i].addr);
	free(t->srcs);
	free(t->ports);
	free(t->alerts);
	free(t->file);
	free(t->name);
	free(t->desc);
	free(t->tz);
	free(t->method);
	free(t->key_id);
}

void vg_shared_free(vg_shared *s)
{
	size_t i;
	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		team_free(&s->t[i]);
	free(s->t);
	free(s);
}

const char *vg_shared_errmsg(const vg_shared *s)
{
	return s ? s->errmsg : "out of memory";
}

static int fail(vg_shared *s, const char *file, const char *msg)
{
	snprintf(s->errmsg, sizeof s->errmsg, "%s: %s", file, msg);
	return VG_EFORMAT;
}

static char *dup_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	const char *t = json_is_string(v) ? json_string_value(v) : NULL;
	char *d;
	if (!t)
		return NULL;
	if ((d = malloc(strlen(t) + 1)))
		strcpy(d, t);
	return d;
}

static int get_day(json_t *o, const char *key, char out[11])
{
	json_t *v = json_object_get(o, key);
	const char *t = json_is_string(v) ? json_string_value(v) : NULL;
	if (!t || strlen(t) != 10 || t[4] != '-' || t[7] != '-')
		return -1;
	memcpy(out, t, 11);
	return 0;
}

static int get_uint(json_t *o, const char *key, uint64_t *v)
{
	json_t *x = json_object_get(o, key);
	if (!json_is_integer(x) || json_integer_value(x) < 0)
		return -1;
	*v = (uint64_t)json_integer_value(x);
	return 0;
}

static int proto_num(const char *p)
{
	return !p ? -1 : strcmp(p, "tcp") == 0 ? 6 : strcmp(p, "udp") == 0 ? 17
	     : strcmp(p, "sctp") == 0 ? 132 : -1;
}

static const char *proto_name(unsigned p)
{
	return p == 6 ? "tcp" : p == 17 ? "udp" : p == 132 ? "sctp" : "ip";
}

static int cmp_src(const void *x, const void *y)
{
	return strcmp(((const struct sh_src *)x)->addr, ((const struct sh_src *)y)->addr);
}

/* a source of a scan event (scan 1) or an alert (0) */
static int add_src(struct sh_team *t, size_t *cap, const char *addr, int scan)
{
	struct sh_src *x;
	if (t->n_srcs == *cap) {
		size_t nc = *cap ? 2 * *cap : 64;
		struct sh_src *ns = realloc(t->srcs, nc * sizeof *ns);
		if (!ns)
			return VG_ENOMEM;
		t->srcs = ns;
		*cap = nc;
	}
	x = &t->srcs[t->n_srcs];
	if (!(x->addr = malloc(strlen(addr) + 1)))
		return VG_ENOMEM;
	strcpy(x->addr, addr);
	x->scans = scan != 0;
	x->alerts = scan == 0;
	t->n_srcs++;
	return VG_OK;
}

/* sorted, one entry per address */
static void fold_srcs(struct sh_team *t)
{
	size_t i, k = 0;
	if (!t->n_srcs)
		return;
	qsort(t->srcs, t->n_srcs, sizeof *t->srcs, cmp_src);
	for (i = 1; i < t->n_srcs; i++) {
		if (strcmp(t->srcs[i].addr, t->srcs[k].addr) == 0) {
			t->srcs[k].scans += t->srcs[i].scans;
			t->srcs[k].alerts += t->srcs[i].alerts;
			free(t->srcs[i].addr);
		} else {
			t->srcs[++k] = t->srcs[i];
		}
	}
	t->n_srcs = k + 1;
}

static int severity_of(const char *s)
{
	return !s ? -1 : strcmp(s, "low") == 0 ? VG_SEV_LOW : strcmp(s, "medium") == 0 ? VG_SEV_MEDIUM
	     : strcmp(s, "high") == 0 ? VG_SEV_HIGH : -1;
}

static int read_members(vg_shared *s, struct sh_team *t, json_t *root)
{
	json_t *v, *period = json_object_get(root, "period"), *addr = json_object_get(root, "addresses");
	const char *f = t->file;
	size_t i, cap = 0;
	uint64_t u;
	if (!(t->name = dup_str(root, "team")) || !(t->desc = dup_str(root, "description")) ||
	    !(t->tz = dup_str(root, "tz")))
		return fail(s, f, "no team, description or tz (a vigil share has them)");
	if (!json_is_object(period) || get_day(period, "first_day", t->d0) ||
	    get_day(period, "last_day", t->d1) || strcmp(t->d0, t->d1) > 0)
		return fail(s, f, "no period, or a bad one");
	if (!json_is_object(addr) || !(t->method = dup_str(addr, "method")))
		return fail(s, f, "no addresses member");
	if (strcmp(t->method, "cryptopan") == 0) {
		if (!(t->key_id = dup_str(addr, "key_id")))
			return fail(s, f, "addresses: cryptopan without a key_id");
	} else if (strcmp(t->method, "truncate") == 0) {
		uint64_t b4, b6;
		if (get_uint(addr, "ipv4_bits", &b4) || get_uint(addr, "ipv6_bits", &b6) || b4 > 32 || b6 > 128)
			return fail(s, f, "addresses: truncate without its bits");
		t->b4 = (unsigned)b4;
		t->b6 = (unsigned)b6;
	} else {
		return fail(s, f, "addresses: an unknown method");
	}
	v = json_object_get(root, "ports");
	if (!json_is_array(v))
		return fail(s, f, "no ports array");
	if (json_array_size(v) && !(t->ports = calloc(json_array_size(v), sizeof *t->ports)))
		return VG_ENOMEM;
	for (i = 0; i < json_array_size(v); i++) {
		json_t *r = json_array_get(v, i), *pr = json_object_get(r, "proto");
		struct sh_port *p = &t->ports[i];
		int pn = proto_num(json_is_string(pr) ? json_string_value(pr) : NULL);
		if (!json_is_object(r) || get_day(r, "day", p->day) || pn < 0 || get_uint(r, "port", &u) ||
		    u > 65535 || get_uint(r, "connections", &p->conns) || get_uint(r, "sources", &p->srcs) ||
		    get_uint(r, "new_sources", &p->news) || get_uint(r, "targets", &p->targets)) {
			char what[160];
			snprintf(what, sizeof what, "ports[%zu]: not a port row (day, proto, port, "
				 "connections, sources, new_sources, targets)", i);
			return fail(s, f, what);
		}
		p->proto = (uint8_t)pn;
		p->port = (uint16_t)u;
		t->conns += p->conns;
		t->n_ports++;
	}
	v = json_object_get(root, "scans");
	if (!json_is_array(v))
		return fail(s, f, "no scans array");
	for (i = 0; i < json_array_size(v); i++) {
		json_t *src = json_object_get(json_array_get(v, i), "source");
		if (!json_is_string(src))
			return fail(s, f, "a scan event without a source");
		if (add_src(t, &cap, json_string_value(src), 1) != VG_OK)
			return VG_ENOMEM;
		t->n_scans++;
	}
	v = json_object_get(root, "alerts");
	if (!json_is_array(v))
		return fail(s, f, "no alerts array");
	if (json_array_size(v) && !(t->alerts = calloc(json_array_size(v), sizeof *t->alerts)))
		return VG_ENOMEM;
	for (i = 0; i < json_array_size(v); i++) {
		json_t *r = json_array_get(v, i), *src = json_object_get(r, "source");
		json_t *pr = json_object_get(r, "proto"), *det = json_object_get(r, "detector");
		json_t *sev = json_object_get(r, "severity"), *fi = json_object_get(r, "first");
		json_t *la = json_object_get(r, "last");
		struct sh_alert *a = &t->alerts[t->n_alerts];
		if (!json_is_string(det) || !json_is_string(fi) || !json_is_string(la) ||
		    strlen(json_string_value(fi)) < 10 || strlen(json_string_value(la)) < 10 ||
		    (a->severity = severity_of(json_is_string(sev) ? json_string_value(sev) : NULL)) < 0)
			return fail(s, f, "an alert without detector, severity, first or last");
		snprintf(a->detector, sizeof a->detector, "%s", json_string_value(det));
		memcpy(a->first, json_string_value(fi), 10);
		memcpy(a->last, json_string_value(la), 10);
		a->port = -1;
		if (json_is_string(pr)) {
			int pn = proto_num(json_string_value(pr));
			if (pn < 0 || get_uint(r, "port", &u) || u > 65535)
				return fail(s, f, "an alert with a bad proto or port");
			a->proto = (uint8_t)pn;
			a->port = (int32_t)u;
		}
		if (json_is_string(src) && add_src(t, &cap, json_string_value(src), 0) != VG_OK)
			return VG_ENOMEM;
		t->n_alerts++;
	}
	fold_srcs(t);
	return VG_OK;
}

int vg_shared_add_file(vg_shared *s, const char *path)
{
	return vgi_shared_add(s, path, NULL, 0);
}

/* A share from the file path, or (data != NULL) from memory, named path. */
int vgi_shared_add(vg_shared *s, const char *path, const void *data, size_t len)
{
	json_error_t je;
	json_t *root, *schema;
	struct sh_team *t;
	size_t i;
	int rc;
	if (s->n == 32) {
		snprintf(s->errmsg, sizeof s->errmsg, "%s: at most 32 shares at once", path);
		return VG_ELIMIT;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 4;
		struct sh_team *nt = realloc(s->t, cap * sizeof *nt);
		if (!nt)
			return VG_ENOMEM;
		s->t = nt;
		s->cap = cap;
	}
	root = data ? json_loadb(data, len, JSON_REJECT_DUPLICATES, &je)
		    : json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		if (je.position == 0 && je.line <= 0)
			snprintf(s->errmsg, sizeof s->errmsg, "%s: %s", path, je.text);
		else
			snprintf(s->errmsg, sizeof s->errmsg, "%s: byte %d (line %d, column %d): %s",
				 path, je.position, je.line, je.column, je.text);
		return VG_EFORMAT;
	}
	schema = json_object_get(root, "schema");
	if (!json_is_object(root) || !json_is_string(schema)) {
		json_decref(root);
		return fail(s, path, "not a vigil share (no schema member)");
	}
	if (strcmp(json_string_value(schema), SHARE_SCHEMA) != 0) {
		char what[160];
		snprintf(what, sizeof what, "%.100s", json_string_value(schema));
		json_decref(root);
		snprintf(s->errmsg, sizeof s->errmsg, "%s: a share of schema '%s'; this vigil reads "
			 SHARE_SCHEMA, path, what);
		return VG_EFORMAT;
	}
	t = &s->t[s->n];
	memset(t, 0, sizeof *t);
	if (!(t->file = malloc(strlen(path) + 1))) {
		json_decref(root);
		return VG_ENOMEM;
	}
	strcpy(t->file, path);
	rc = read_members(s, t, root);
	json_decref(root);
	if (rc != VG_OK) {
		if (rc == VG_ENOMEM)
			snprintf(s->errmsg, sizeof s->errmsg, "%s: out of memory", path);
		team_free(t);
		return rc;
	}
	/* one team, one period: two shares of a team may not overlap */
	for (i = 0; i < s->n; i++) {
		const struct sh_team *o = &s->t[i];
		if (strcmp(o->name, t->name) == 0 && strcmp(o->d0, t->d1) <= 0 && strcmp(t->d0, o->d1) <= 0) {
			snprintf(s->errmsg, sizeof s->errmsg, "%s and %s: team '%.60s' twice with "
				 "overlapping periods (%s .. %s and %s .. %s)", o->file, path, t->name,
				 o->d0, o->d1, t->d0, t->d1);
			team_free(t);
			return VG_EINVAL;
		}
	}
	s->n++;
	return VG_OK;
}

/* ------------------------------------------------------------ merging */

/* Whether the teams' sources can be matched: the same key, or the same
 * truncation, for all. */
static int matching(const vg_shared *s)
{
	size_t i;
	for (i = 1; i < s->n; i++) {
		const struct sh_team *a = &s->t[0], *b = &s->t[i];
		if (strcmp(a->method, b->method) != 0)
			return 0;
		if (a->key_id ? strcmp(a->key_id, b->key_id) != 0 : (a->b4 != b->b4 || a->b6 != b->b6))
			return 0;
	}
	return 1;
}

struct mport {
	uint8_t proto;
	uint16_t port;
	uint64_t conns, news;
	uint64_t *team_conns; /* per team */
	unsigned teams;
};

struct mday {
	char day[11];
	uint64_t conns;
	uint64_t *team_conns;
};

static int cmp_mport(const void *x, const void *y)
{
	const struct mport *a = x, *b = y;
	if (a->conns != b->conns)
		return a->conns > b->conns ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	return a->port < b->port ? -1 : a->port > b->port;
}

static int cmp_mday(const void *x, const void *y)
{
	return strcmp(((const struct mday *)x)->day, ((const struct mday *)y)->day);
}

/* A port's alerts at several teams that overlap in days. */
struct mult {
	uint8_t proto;
	uint16_t port;
	char first[11], last[11];
	int severity;          /* the highest of the teams', one level up */
	unsigned teams;        /* a bit per team (first 32) */
	char detectors[96];
};

struct merged {
	struct mport *ports;
	size_t n_ports;
	struct mday *days;
	size_t n_days;
	struct mult *mult;
	size_t n_mult;
	uint64_t *all; /* cells of team_conns */
};

static void merged_free(struct merged *m)
{
	free(m->ports);
	free(m->days);
	free(m->mult);
	free(m->all);
}

static int day_num(const char *d)
{
	return atoi(d) * 10000 + atoi(d + 5) * 100 + atoi(d + 8);
}

static int merge(const vg_shared *s, struct merged *m)
{
	vgi_u64map pi, di;
	size_t i, j, np = 0, nd = 0, cells = 0;
	int rc = VG_ENOMEM;
	memset(m, 0, sizeof *m);
	memset(&pi, 0, sizeof pi);
	memset(&di, 0, sizeof di);
	for (i = 0; i < s->n; i++)
		np += s->t[i].n_ports;
	if (!np)
		return VG_OK;
	m->ports = calloc(np, sizeof *m->ports);
	m->days = calloc(np, sizeof *m->days);
	m->all = calloc(2 * np * s->n, sizeof *m->all);
	if (!m->ports || !m->days || !m->all || vgi_u64map_init(&pi, 0) || vgi_u64map_init(&di, 0))
		goto out;
	/* a port's and a day's entry by a map: index + 1 */
	for (i = 0; i < s->n; i++) {
		for (j = 0; j < s->t[i].n_ports; j++) {
			const struct sh_port *p = &s->t[i].ports[j];
			uint64_t pk = (uint64_t)p->proto << 16 | p->port, dk = (uint64_t)day_num(p->day);
			uint32_t x = vgi_u64map_get(&pi, pk), y = vgi_u64map_get(&di, dk);
			struct mport *mp;
			struct mday *d;
			if (!x) {
				mp = &m->ports[m->n_ports++];
				mp->proto = p->proto;
				mp->port = p->port;
				mp->team_conns = m->all + cells;
				cells += s->n;
				if (vgi_u64map_put(&pi, pk, (uint32_t)m->n_ports) < 0)
					goto out;
			} else {
				mp = &m->ports[x - 1];
			}
			if (!mp->team_conns[i])
				mp->teams++;
			mp->team_conns[i] += p->conns;
			mp->conns += p->conns;
			mp->news += p->news;
			if (!y) {
				d = &m->days[nd++];
				memcpy(d->day, p->day, 11);
				d->team_conns = m->all + cells;
				cells += s->n;
				if (vgi_u64map_put(&di, dk, (uint32_t)nd) < 0)
					goto out;
			} else {
				d = &m->days[y - 1];
			}
			d->conns += p->conns;
			d->team_conns[i] += p->conns;
		}
	}
	m->n_days = nd;
	qsort(m->ports, m->n_ports, sizeof *m->ports, cmp_mport);
	qsort(m->days, nd, sizeof *m->days, cmp_mday);
	rc = VG_OK;
out:
	vgi_u64map_free(&pi);
	vgi_u64map_free(&di);
	return rc;
}

struct palert {
	const struct sh_alert *a;
	size_t team;
};

static int cmp_palert(const void *x, const void *y)
{
	const struct sh_alert *a = ((const struct palert *)x)->a, *b = ((const struct palert *)y)->a;
	int c;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if ((c = strcmp(a->first, b->first)) != 0)
		return c;
	return (int)((const struct palert *)x)->team - (int)((const struct palert *)y)->team;
}

/* the port detectors: a port's traffic rose (not one source, not a scan) */
static int is_surge(const char *d)
{
	return strcmp(d, "trend") == 0 || strcmp(d, "seasonal") == 0 || strcmp(d, "change") == 0 ||
	       strcmp(d, "worm") == 0 || strcmp(d, "newport") == 0;
}

static void add_detector(struct mult *u, const char *d)
{
	size_t n = strlen(u->detectors);
	if (!strstr(u->detectors, d) && n + strlen(d) + 2 < sizeof u->detectors)
		snprintf(u->detectors + n, sizeof u->detectors - n, "%s%s", n ? "," : "", d);
}

/* A port's surge alerts, of every team, in stretches of days that overlap: a
 * stretch with alerts of two or more teams is raised once more, at the
 * highest of their severities plus one level. */
static int multi_team(const vg_shared *s, struct merged *m)
{
	struct palert *v;
	size_t i, j, n = 0, cap = 0, start;
	for (i = 0; i < s->n; i++)
		n += s->t[i].n_alerts;
	if (!n)
		return VG_OK;
	if (!(v = malloc(n * sizeof *v)))
		return VG_ENOMEM;
	n = 0;
	for (i = 0; i < s->n; i++)
		for (j = 0; j < s->t[i].n_alerts; j++)
			if (s->t[i].alerts[j].port >= 0 && is_surge(s->t[i].alerts[j].detector)) {
				v[n].a = &s->t[i].alerts[j];
				v[n++].team = i;
			}
	qsort(v, n, sizeof *v, cmp_palert);
	for (start = 0; start < n;) {
		struct mult u;
		size_t e = start + 1;
		unsigned teams = 1u << (v[start].team & 31), k, nt = 0;
		memset(&u, 0, sizeof u);
		u.proto = v[start].a->proto;
		u.port = (uint16_t)v[start].a->port;
		memcpy(u.first, v[start].a->first, 11);
		memcpy(u.last, v[start].a->last, 11);
		u.severity = v[start].a->severity;
		add_detector(&u, v[start].a->detector);
		while (e < n && v[e].a->proto == u.proto && v[e].a->port == u.port &&
		       strcmp(v[e].a->first, u.last) <= 0) {
			if (strcmp(v[e].a->last, u.last) > 0)
				memcpy(u.last, v[e].a->last, 11);
			teams |= 1u << (v[e].team & 31);
			u.severity = VGI_MAX(u.severity, v[e].a->severity);
			add_detector(&u, v[e].a->detector);
			e++;
		}
		for (k = 0; k < 32; k++)
			nt += (teams >> k) & 1u;
		if (nt >= 2) {
			if (m->n_mult == cap) {
				size_t nc = cap ? 2 * cap : 16;
				struct mult *nm = realloc(m->mult, nc * sizeof *nm);
				if (!nm) {
					free(v);
					return VG_ENOMEM;
				}
				m->mult = nm;
				cap = nc;
			}
			u.teams = teams;
			if (u.severity < VG_SEV_HIGH)
				u.severity++;
			m->mult[m->n_mult++] = u;
		}
		start = e;
	}
	free(v);
	return VG_OK;
}

/* the sources seen by two or more teams (matching() must hold) */
static void common_sources(const vg_shared *s,
			   void (*fn)(void *u, const char *addr, const uint32_t *scans,
				      const uint32_t *alerts), void *user)
{
	size_t *pos = calloc(s->n, sizeof *pos), i;
	uint32_t *sc = calloc(s->n, sizeof *sc), *al = calloc(s->n, sizeof *al);
	if (!pos || !sc || !al)
		goto out;
	for (;;) {
		const char *low = NULL;
		unsigned teams = 0;
		for (i = 0; i < s->n; i++)
			if (pos[i] < s->t[i].n_srcs &&
			    (!low || strcmp(s->t[i].srcs[pos[i]].addr, low) < 0))
				low = s->t[i].srcs[pos[i]].addr;
		if (!low)
			break;
		for (i = 0; i < s->n; i++) {
			sc[i] = al[i] = 0;
			if (pos[i] < s->t[i].n_srcs && strcmp(s->t[i].srcs[pos[i]].addr, low) == 0) {
				sc[i] = s->t[i].srcs[pos[i]].scans;
				al[i] = s->t[i].srcs[pos[i]].alerts;
				teams++;
			}
		}
		if (teams >= 2)
			fn(user, low, sc, al);
		for (i = 0; i < s->n; i++)
			if (pos[i] < s->t[i].n_srcs && (sc[i] || al[i]) &&
			    strcmp(s->t[i].srcs[pos[i]].addr, low) == 0)
				pos[i]++;
	}
out:
	free(pos);
	free(sc);
	free(al);
}

/* ------------------------------------------------------------ output */

struct src_out {
	const vg_shared *s;
	FILE *fp;
	int json;
	size_t n;
	size_t top;           /* text: the rows shown */
	char (*addr)[46];     /* text: the sources, to sort by events */
	uint32_t *ev;         /* text: scans + alerts per team, n per source */
	size_t cap;
	int oom;
};

static void src_line(void *user, const char *addr, const uint32_t *scans, const uint32_t *alerts)
{
	struct src_out *o = user;
	size_t i;
	if (o->json) {
		fprintf(o->fp, "%s\n{\"source\":", o->n ? "," : "");
		vgi_json_str(o->fp, addr, strlen(addr), 0);
		fputs(",\"teams\":[", o->fp);
		for (i = 0; i < o->s->n; i++)
			fprintf(o->fp, "%s{\"scans\":%u,\"alerts\":%u}", i ? "," : "", scans[i], alerts[i]);
		fputs("]}", o->fp);
	} else {
		/* kept, then shown by events */
		if (o->n == o->cap) {
			size_t cap = o->cap ? 2 * o->cap : 64;
			char (*na)[46] = realloc(o->addr, cap * sizeof *na);
			uint32_t *ne;
			if (!na) {
				o->oom = 1;
				return;
			}
			o->addr = na;
			if (!(ne = realloc(o->ev, cap * 2 * o->s->n * sizeof *ne))) {
				o->oom = 1;
				return;
			}
			o->ev = ne;
			o->cap = cap;
		}
		snprintf(o->addr[o->n], 46, "%s", addr);
		for (i = 0; i < o->s->n; i++) {
			o->ev[2 * o->s->n * o->n + 2 * i] = scans[i];
			o->ev[2 * o->s->n * o->n + 2 * i + 1] = alerts[i];
		}
	}
	o->n++;
}

static uint64_t src_events(const struct src_out *o, size_t k)
{
	uint64_t t = 0;
	size_t i;
	for (i = 0; i < 2 * o->s->n; i++)
		t += o->ev[2 * o->s->n * k + i];
	return t;
}

/* the text's common sources, most events first */
static void src_text(struct src_out *o)
{
	size_t *ix, i, j, shown;
	if (!o->n || o->oom || !(ix = malloc(o->n * sizeof *ix))) {
		fputs(o->n ? "  (out of memory)\n" : "  none\n", o->fp);
		return;
	}
	for (i = 0; i < o->n; i++)
		ix[i] = i;
	/* insertion by events, then address: the lists are short */
	for (i = 1; i < o->n; i++)
		for (j = i; j > 0 && src_events(o, ix[j]) > src_events(o, ix[j - 1]); j--) {
			size_t t = ix[j];
			ix[j] = ix[j - 1];
			ix[j - 1] = t;
		}
	fputs("  source                                 ", o->fp);
	for (i = 0; i < o->s->n; i++)
		fprintf(o->fp, " %12.12s", o->s->t[i].name);
	fputs("   (scan events/alerts)\n", o->fp);
	shown = o->n < o->top ? o->n : o->top;
	for (i = 0; i < shown; i++) {
		fprintf(o->fp, "  %-39s", o->addr[ix[i]]);
		for (j = 0; j < o->s->n; j++) {
			char c[24];
			snprintf(c, sizeof c, "%u/%u", o->ev[2 * o->s->n * ix[i] + 2 * j],
				 o->ev[2 * o->s->n * ix[i] + 2 * j + 1]);
			fprintf(o->fp, " %12s", c);
		}
		fputc('\n', o->fp);
	}
	if (o->n > shown)
		fprintf(o->fp, "  ... and %zu more (-o json lists them all)\n", o->n - shown);
	free(ix);
}

static void write_json(const vg_shared *s, const struct merged *m, FILE *fp)
{
	size_t i, j;
	int match = matching(s);
	struct src_out so = {s, fp, 1, 0, 0, NULL, NULL, 0, 0};
	fputs("{\"teams\":[", fp);
	for (i = 0; i < s->n; i++) {
		const struct sh_team *t = &s->t[i];
		fprintf(fp, "%s\n{\"team\":", i ? "," : "");
		vgi_json_str(fp, t->name, strlen(t->name), 0);
		fputs(",\"file\":", fp);
		vgi_json_str(fp, t->file, strlen(t->file), 0);
		fputs(",\"description\":", fp);
		vgi_json_str(fp, t->desc, strlen(t->desc), 0);
		fputs(",\"tz\":", fp);
		vgi_json_str(fp, t->tz, strlen(t->tz), 0);
		fprintf(fp, ",\"first_day\":\"%s\",\"last_day\":\"%s\",\"addresses\":\"%s\","
			"\"connections\":%llu,\"scans\":%zu,\"alerts\":%zu,\"scan_alert_sources\":%zu}",
			t->d0, t->d1, t->method, (unsigned long long)t->conns, t->n_scans, t->n_alerts,
			t->n_srcs);
	}
	fputs("],\n\"daily\":[", fp);
	for (i = 0; i < m->n_days; i++) {
		fprintf(fp, "%s\n{\"day\":\"%s\",\"connections\":%llu,\"teams\":[", i ? "," : "",
			m->days[i].day, (unsigned long long)m->days[i].conns);
		for (j = 0; j < s->n; j++)
			fprintf(fp, "%s%llu", j ? "," : "", (unsigned long long)m->days[i].team_conns[j]);
		fputs("]}", fp);
	}
	fputs("],\n\"ports\":[", fp);
	for (i = 0; i < m->n_ports; i++) {
		const struct mport *p = &m->ports[i];
		fprintf(fp, "%s\n{\"proto\":\"%s\",\"port\":%u,\"connections\":%llu,\"new_sources\":%llu,"
			"\"teams_seen\":%u,\"teams\":[", i ? "," : "", proto_name(p->proto), p->port,
			(unsigned long long)p->conns, (unsigned long long)p->news, p->teams);
		for (j = 0; j < s->n; j++)
			fprintf(fp, "%s%llu", j ? "," : "", (unsigned long long)p->team_conns[j]);
		fputs("]}", fp);
	}
	fprintf(fp, "],\n\"sources_matched\":%s,\"common_sources\":[", match ? "true" : "false");
	if (match)
		common_sources(s, src_line, &so);
	fputs("],\n\"multi_team_alerts\":[", fp);
	for (i = 0; i < m->n_mult; i++) {
		const struct mult *u = &m->mult[i];
		unsigned k, first = 1;
		fprintf(fp, "%s\n{\"proto\":\"%s\",\"port\":%u,\"first\":\"%s\",\"last\":\"%s\","
			"\"severity\":\"%s\",\"detectors\":\"%s\",\"teams\":[", i ? "," : "",
			proto_name(u->proto), u->port, u->first, u->last, vg_severity_name(u->severity),
			u->detectors);
		for (k = 0; k < 32 && k < s->n; k++)
			if (u->teams & (1u << k)) {
				fprintf(fp, "%s", first ? "" : ",");
				vgi_json_str(fp, s->t[k].name, strlen(s->t[k].name), 0);
				first = 0;
			}
		fputs("]}", fp);
	}
	fputs("]}\n", fp);
}

static void write_text(const vg_shared *s, const struct merged *m, FILE *fp, size_t top)
{
	size_t i, j;
	char a[32];
	struct src_out so = {s, fp, 0, 0, top, NULL, NULL, 0, 0};
	uint64_t total = 0;
	for (i = 0; i < s->n; i++)
		total += s->t[i].conns;
	fprintf(fp, "Shared picture of %zu team%s (docs/share.md)\n\n", s->n, s->n == 1 ? "" : "s");
	fprintf(fp, "  #  team                  period                    tz        connections  scans alerts\n");
	for (i = 0; i < s->n; i++) {
		const struct sh_team *t = &s->t[i];
		fprintf(fp, "  %-2zu %-21.21s %s .. %s  %-8.8s %12s %6zu %6zu\n", i + 1, t->name, t->d0,
			t->d1, t->tz, vg_group_digits(t->conns, a, sizeof a), t->n_scans, t->n_alerts);
	}
	fprintf(fp, "  all                                                       %12s\n",
		vg_group_digits(total, a, sizeof a));
	fputs("\nUnsolicited TCP/UDP/SCTP connections per day (sums; a column per team)\n  day        "
	      "       all", fp);
	for (j = 0; j < s->n; j++)
		fprintf(fp, "  %10s", s->t[j].name);
	fputc('\n', fp);
	for (i = 0; i < m->n_days; i++) {
		fprintf(fp, "  %s %12s", m->days[i].day, vg_group_digits(m->days[i].conns, a, sizeof a));
		for (j = 0; j < s->n; j++)
			fprintf(fp, "  %10s", vg_group_digits(m->days[i].team_conns[j], a, sizeof a));
		fputc('\n', fp);
	}
	fprintf(fp, "\nTop %zu ports by connections (new sources: each team's, summed)\n"
		"  port          connections  new sources  teams", top);
	for (j = 0; j < s->n; j++)
		fprintf(fp, "  %10s", s->t[j].name);
	fputc('\n', fp);
	for (i = 0; i < m->n_ports && i < top; i++) {
		const struct mport *p = &m->ports[i];
		char pn[16];
		snprintf(pn, sizeof pn, "%u/%s", p->port, proto_name(p->proto));
		fprintf(fp, "  %-12s %12s %12llu %6u", pn, vg_group_digits(p->conns, a, sizeof a),
			(unsigned long long)p->news, p->teams);
		for (j = 0; j < s->n; j++)
			fprintf(fp, "  %10s", vg_group_digits(p->team_conns[j], a, sizeof a));
		fputc('\n', fp);
	}
	fputs("\nPorts surging at several teams at once (trend, seasonal, change, worm, newport; "
	      "one level higher)\n", fp);
	if (!m->n_mult)
		fputs("  none\n", fp);
	for (i = 0; i < m->n_mult; i++) {
		const struct mult *u = &m->mult[i];
		unsigned k, n = 0;
		for (k = 0; k < 32 && k < s->n; k++)
			n += (u->teams >> k) & 1u;
		fprintf(fp, "  %-6s %5u/%-4s %s .. %s  %u teams  %s\n", vg_severity_name(u->severity),
			u->port, proto_name(u->proto), u->first, u->last, n, u->detectors);
	}
	if (matching(s)) {
		fprintf(fp, "\nSources in the scan events or alerts of several teams: ");
		common_sources(s, src_line, &so);
		fprintf(fp, "%zu\n", so.n);
		src_text(&so);
		free(so.addr);
		free(so.ev);
	} else {
		fputs("\nSources are not matched: the shares were made with different keys (or "
		      "truncations); only counts are merged.\n", fp);
	}
}

int vg_shared_write_alerts(vg_shared *s, FILE *fp, int format, int *worst)
{
	struct merged m;
	size_t i;
	int rc;
	*worst = 0;
	memset(&m, 0, sizeof m);
	if ((rc = multi_team(s, &m)) != VG_OK) {
		merged_free(&m);
		snprintf(s->errmsg, sizeof s->errmsg, "out of memory merging the shares' alerts");
		return rc;
	}
	for (i = 0; i < m.n_mult; i++) {
		const struct mult *u = &m.mult[i];
		unsigned k, first = 1, n = 0;
		*worst = VGI_MAX(*worst, u->severity);
		for (k = 0; k < 32 && k < s->n; k++)
			n += (u->teams >> k) & 1u;
		if (format == VG_OUT_JSON) {
			fprintf(fp, "{\"detector\":\"teams\",\"severity\":\"%s\",\"proto\":\"%s\","
				"\"port\":%u,\"first\":\"%s\",\"last\":\"%s\",\"detectors\":\"%s\","
				"\"teams\":[", vg_severity_name(u->severity), proto_name(u->proto), u->port,
				u->first, u->last, u->detectors);
			for (k = 0; k < 32 && k < s->n; k++)
				if (u->teams & (1u << k)) {
					fputs(first ? "" : ",", fp);
					vgi_json_str(fp, s->t[k].name, strlen(s->t[k].name), 0);
					first = 0;
				}
			fputs("]}\n", fp);
		} else {
			fprintf(fp, "%-6s %5u/%-4s %s .. %s  surging at %u teams (", vg_severity_name(u->severity),
				u->port, proto_name(u->proto), u->first, u->last, n);
			for (k = 0; k < 32 && k < s->n; k++)
				if (u->teams & (1u << k)) {
					fprintf(fp, "%s%s", first ? "" : ", ", s->t[k].name);
					first = 0;
				}
			fprintf(fp, "): %s\n", u->detectors);
		}
	}
	if (format != VG_OUT_JSON)
		fprintf(fp, "\n%zu port%s surging at several of %zu teams at once\n", m.n_mult,
			m.n_mult == 1 ? "" : "s", s->n);
	merged_free(&m);
	return ferror(fp) ? VG_EIO : VG_OK;
}

/* The page of several teams side by side: the merged JSON, ECharts and
 * shared.js, inline; it may run its own code and nothing else. */
int vg_shared_write_html(vg_shared *s, FILE *fp)
{
	char *json = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&json, &len);
	int rc;
	if (!mem) {
		snprintf(s->errmsg, sizeof s->errmsg, "out of memory writing the HTML page");
		return VG_ENOMEM;
	}
	rc = vg_shared_write(s, mem, VG_OUT_JSON, 0);
	if (fclose(mem) != 0 && rc == VG_OK)
		rc = VG_ENOMEM;
	if (rc != VG_OK) {
		free(json);
		return rc;
	}
	while (len && json[len - 1] == '\n')
		len--;
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:\">\n", fp);
	fprintf(fp, "<meta name=\"generator\" content=\"vigil %s\">\n<title>vigil: %zu teams side "
		"by side</title>\n<style>\n", vg_version(), s->n);
	fputs(vgi_asset_report_css, fp);
	fputs("</style>\n</head>\n<body>\n<header><h1>Several teams' shares side by side</h1>"
	      "<div class=\"sub\" id=\"hdr-sub\"></div></header>\n"
	      "<main id=\"app\"><noscript><p>The charts of this page need JavaScript. The same "
	      "figures are in <code>vigil report --shared -o json</code>.</p></noscript></main>\n"
	      "<footer>made by vigil; charts by Apache ECharts (Apache License 2.0)</footer>\n"
	      "<script type=\"application/json\" id=\"vigil-data\">", fp);
	vgi_json_html_safe(fp, json, len);
	free(json);
	fputs("</script>\n<script>\n", fp);
	fputs(vgi_asset_echarts, fp);
	fputs("\n</script>\n<script>\n", fp);
	fputs(vgi_asset_shared_js, fp);
	fputs("</script>\n</body>\n</html>\n", fp);
	if (ferror(fp)) {
		snprintf(s->errmsg, sizeof s->errmsg, "write error");
		return VG_EIO;
	}
	return VG_OK;
}

int vg_shared_write(vg_shared *s, FILE *fp, int format, size_t top)
{
	struct merged m;
	int rc;
	if (!s->n) {
		snprintf(s->errmsg, sizeof s->errmsg, "no shares");
		return VG_EINVAL;
	}
	if ((rc = merge(s, &m)) != VG_OK || (rc = multi_team(s, &m)) != VG_OK) {
		merged_free(&m);
		snprintf(s->errmsg, sizeof s->errmsg, "out of memory merging the shares");
		return rc;
	}
	if (format == VG_OUT_JSON)
		write_json(s, &m, fp);
	else
		write_text(s, &m, fp, top ? top : 20);
	merged_free(&m);
	if (ferror(fp)) {
		snprintf(s->errmsg, sizeof s->errmsg, "write error");
		return VG_EIO;
	}
	return VG_OK;
}
