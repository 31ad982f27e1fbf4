/*
 * cmd_top.c - `vigil top`: flow records grouped by any of their fields and
 * the groups ranked, as `nfdump -s srcip/bytes -n 20` and `racluster -m
 * saddr` do: per group the flow records (or, with --merge, connections),
 * packets and bytes of both directions, and the distinct sources,
 * destinations and destination ports. Management records are not counted.
 * With --store it groups the store's day rollups instead: the unsolicited
 * connections, from the one rollup table that has every field of -s.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static void usage(FILE *fp)
{
	fputs("usage: vigil top [options] -r FILE... [filter]\n"
	      "       vigil top [options] --store DB [-c site.conf] [-t RANGE]\n"
	      "\n"
	      "Groups flow records by the fields of -s and prints the first -n groups by -O,\n"
	      "as nfdump -s and racluster -m do: e.g. -s srcip, -s 'srcip dstport',\n"
	      "-s dstport/proto, -s srcnet/24, -s srcip/bytes. With --store: the unsolicited\n"
	      "connections of the store's day rollups, per source (src_day: packets, bytes),\n"
	      "per port and host (port_host), per source and port (src_port) or per host\n"
	      "and source (host_src); a count the table does not hold is shown as -.\n"
	      "\n", fp);
	print_options(fp, V_TOP, GROUP(G_SITE) | GROUP(G_INPUT) | GROUP(G_OUTPUT));
	fputs("\n"
	      "filter: tcpdump-style, e.g. 'tcp and dst port 445' (see vigil(1)).\n", fp);
}

enum key { K_SRCIP, K_DSTIP, K_SRCNET, K_DSTNET, K_SRCPORT, K_DSTPORT, K_PROTO };
enum order { O_FLOWS, O_PACKETS, O_BYTES, O_SOURCES, O_DESTS, O_PORTS };

static const char *const key_names[] = {"srcip", "dstip", "srcnet", "dstnet", "srcport",
					"dstport", "proto"};
static const char *const order_names[] = {"flows", "packets", "bytes", "sources",
					  "destinations", "ports"};

#define MAX_KEYS 8
#define KEY_BYTES 48 /* the packed group key */

struct spec {
	int key[MAX_KEYS];
	unsigned bits[MAX_KEYS]; /* srcnet/dstnet: the prefix length (IPv4; IPv6 * 4) */
	size_t n;
	int order;
};

struct group {
	uint8_t key[KEY_BYTES];
	uint8_t family;
	uint64_t flows, packets, bytes;
	uint64_t n_src, n_dst, n_port;
};

/* What the groups count: all of it from flows; from a rollup table, what
 * its columns give (the order of enum order). */
#define HAS_ALL 0x3fu

/* The groups in an open-addressing table of indices into g[], and the
 * distinct (group, source/destination/port) pairs in a set of hashes. */
struct top_ctx {
	struct spec sp;
	struct group *g;
	size_t n, cap;
	uint32_t *slot; /* index + 1, 0: empty */
	size_t mask;
	uint64_t *seen; /* hash of (group, what, value), 0: empty */
	size_t seen_mask, n_seen;
	vg_merger *m;
	int oom;
	unsigned has;   /* HAS_ALL, or the metrics (1 << O_*) a rollup table gives */
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL;
	size_t i;
	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return mix(h);
}

static int parse_spec(const char *s, struct spec *sp)
{
	char buf[256], *tok, *save = NULL;
	memset(sp, 0, sizeof *sp);
	sp->order = O_FLOWS;
	snprintf(buf, sizeof buf, "%s", s && *s ? s : "srcip");
	for (tok = strtok_r(buf, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
		char *slash = strchr(tok, '/');
		size_t k;
		if (slash)
			*slash++ = '\0';
		for (k = 0; k < sizeof key_names / sizeof key_names[0]; k++)
			if (strcmp(tok, key_names[k]) == 0)
				break;
		if (k == sizeof key_names / sizeof key_names[0] || sp->n + 2 > MAX_KEYS) {
			warnx_("top: -s: '%s' is not a field (srcip dstip srcnet/N dstnet/N srcport "
			       "dstport proto)", tok);
			return -1;
		}
		sp->key[sp->n] = (int)k;
		sp->bits[sp->n] = 0;
		if (k == K_SRCNET || k == K_DSTNET) {
			char *end = slash;
			unsigned long b = slash ? strtoul(slash, &end, 10) : 0;
			if (!slash || end == slash || (*end && *end != '/') || b > 128) {
				warnx_("top: -s %s: give the prefix length, as %s/24", tok, tok);
				return -1;
			}
			sp->bits[sp->n] = (unsigned)b;
			slash = *end == '/' ? end + 1 : NULL;
		}
		sp->n++;
		while (slash && *slash) {
			char *next = strchr(slash, '/');
			size_t o;
			if (next)
				*next++ = '\0';
			if (strcmp(slash, "proto") == 0) {
				sp->key[sp->n++] = K_PROTO;
			} else {
				for (o = 0; o < sizeof order_names / sizeof order_names[0]; o++)
					if (strcmp(slash, order_names[o]) == 0)
						break;
				if (o == sizeof order_names / sizeof order_names[0]) {
					warnx_("top: -s %s/%s: after '/' a prefix length, proto, or an order "
					       "(flows packets bytes sources destinations ports)", tok, slash);
					return -1;
				}
				sp->order = (int)o;
			}
			slash = next;
		}
	}
	if (!sp->n) {
		warnx_("top: -s: no field");
		return -1;
	}
	return 0;
}

static void mask_addr(vg_addr *a, int fam, unsigned bits)
{
	unsigned i, from = fam == VG_FAM_IP6 ? bits : 96 + (bits > 32 ? 32 : bits);
	for (i = from; i < 128; i++)
		a->a[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
}

/* The ports as nfdump and the rollups count ICMP: the destination port is
 * type * 256 + code, the source port 0. */
static int is_icmp(const vg_flow *f)
{
	return f->proto == 1 || f->proto == 58;
}

static uint16_t src_port(const vg_flow *f)
{
	return is_icmp(f) ? 0 : f->sport;
}

static uint16_t dst_port(const vg_flow *f)
{
	return is_icmp(f) ? (uint16_t)((f->sport & 0xff) << 8 | (f->dport & 0xff)) : f->dport;
}

/* The group key of a flow: the chosen fields, packed. */
static void make_key(const struct spec *sp, const vg_flow *f, uint8_t key[KEY_BYTES])
{
	size_t i, at = 0;
	memset(key, 0, KEY_BYTES);
	key[at++] = f->family;
	for (i = 0; i < sp->n && at + 17 <= KEY_BYTES; i++) {
		vg_addr a;
		switch (sp->key[i]) {
		case K_SRCIP:
		case K_DSTIP:
		case K_SRCNET:
		case K_DSTNET:
			a = sp->key[i] == K_SRCIP || sp->key[i] == K_SRCNET ? f->saddr : f->daddr;
			if (sp->key[i] == K_SRCNET || sp->key[i] == K_DSTNET)
				mask_addr(&a, f->family, sp->bits[i]);
			memcpy(key + at, a.a, 16);
			at += 16;
			break;
		case K_SRCPORT:
		case K_DSTPORT: {
			uint16_t p = sp->key[i] == K_SRCPORT ? src_port(f) : dst_port(f);
			key[at++] = (uint8_t)(p >> 8);
			key[at++] = (uint8_t)p;
			break;
		}
		default:
			key[at++] = f->proto;
		}
	}
}

static int grow_groups(struct top_ctx *c)
{
	size_t ncap = c->cap ? 2 * c->cap : 4096, i, nmask = 2 * ncap - 1;
	struct group *ng = realloc(c->g, ncap * sizeof *ng);
	uint32_t *ns = calloc(nmask + 1, sizeof *ns);
	if (!ng || !ns || ncap > UINT32_MAX / 2) {
		free(ns);
		if (ng)
			c->g = ng;
		return -1;
	}
	c->g = ng;
	c->cap = ncap;
	for (i = 0; i < c->n; i++) {
		size_t s = (size_t)hash_bytes(c->g[i].key, KEY_BYTES) & nmask;
		while (ns[s])
			s = (s + 1) & nmask;
		ns[s] = (uint32_t)i + 1;
	}
	free(c->slot);
	c->slot = ns;
	c->mask = nmask;
	return 0;
}

/* 1 if (group, what, value) is new */
static int seen_add(struct top_ctx *c, size_t gi, int what, const uint8_t *v, size_t len)
{
	uint64_t h = mix(hash_bytes(v, len) ^ ((uint64_t)gi << 3 | (uint64_t)what)) | 1;
	size_t s;
	if (2 * (c->n_seen + 1) > c->seen_mask + 1) {
		size_t nm = c->seen_mask ? 2 * c->seen_mask + 1 : 65535, i;
		uint64_t *ns = calloc(nm + 1, sizeof *ns);
		if (!ns) {
			c->oom = 1;
			return 0;
		}
		for (i = 0; c->seen && i <= c->seen_mask; i++)
			if (c->seen[i]) {
				size_t t = (size_t)c->seen[i] & nm;
				while (ns[t])
					t = (t + 1) & nm;
				ns[t] = c->seen[i];
			}
		free(c->seen);
		c->seen = ns;
		c->seen_mask = nm;
	}
	for (s = (size_t)h & c->seen_mask; c->seen[s]; s = (s + 1) & c->seen_mask)
		if (c->seen[s] == h)
			return 0;
	c->seen[s] = h;
	c->n_seen++;
	return 1;
}

/* A flow, or a rollup row as a flow with its counts. */
static int add_counts(struct top_ctx *c, const vg_flow *f, uint64_t flows, uint64_t packets,
		      uint64_t bytes)
{
	uint8_t key[KEY_BYTES];
	size_t s, gi;
	struct group *g;
	if (f->kind != VG_REC_FLOW || c->oom)
		return c->oom;
	make_key(&c->sp, f, key);
	if (2 * (c->n + 1) > c->cap && grow_groups(c) != 0) {
		c->oom = 1;
		return 1;
	}
	for (s = (size_t)hash_bytes(key, KEY_BYTES) & c->mask; c->slot[s]; s = (s + 1) & c->mask)
		if (memcmp(c->g[c->slot[s] - 1].key, key, KEY_BYTES) == 0)
			break;
	if (!c->slot[s]) {
		g = &c->g[c->n];
		memset(g, 0, sizeof *g);
		memcpy(g->key, key, KEY_BYTES);
		g->family = f->family;
		c->slot[s] = (uint32_t)++c->n;
	}
	gi = c->slot[s] - 1;
	g = &c->g[gi];
	g->flows += flows;
	g->packets += packets;
	g->bytes += bytes;
	if (c->has & 1u << O_SOURCES)
		g->n_src += (uint64_t)seen_add(c, gi, 0, f->saddr.a, 16);
	if (c->has & 1u << O_DESTS)
		g->n_dst += (uint64_t)seen_add(c, gi, 1, f->daddr.a, 16);
	if (c->has & 1u << O_PORTS) {
		uint16_t dp = dst_port(f);
		uint8_t p[3] = {f->proto, (uint8_t)(dp >> 8), (uint8_t)dp};
		g->n_port += (uint64_t)seen_add(c, gi, 2, p, sizeof p);
	}
	return c->oom;
}

static int add_flow(void *user, const vg_flow *f)
{
	return add_counts(user, f, 1, f->spkts + f->dpkts, f->sbytes + f->dbytes);
}

/* --store: the first rollup table that holds every field of -s and counts
 * the -O metric, and what it counts; NULL if none does. The tables of every
 * protocol come first; port_host (TCP, UDP, SCTP only) is taken for what
 * only it has: the volume per port or host, a host with its ports. */
static const char *store_table(const struct spec *sp, unsigned *has)
{
	static const struct {
		const char *name;
		unsigned keys;  /* 1 << K_* it can group by */
		unsigned has;   /* 1 << O_* it counts */
	} t[] = {
		{"src_day", 1u << K_SRCIP | 1u << K_SRCNET,
		 1u << O_FLOWS | 1u << O_PACKETS | 1u << O_BYTES | 1u << O_SOURCES},
		{"src_port", 1u << K_SRCIP | 1u << K_SRCNET | 1u << K_DSTPORT | 1u << K_PROTO,
		 1u << O_FLOWS | 1u << O_SOURCES | 1u << O_PORTS},
		{"host_src", 1u << K_SRCIP | 1u << K_SRCNET | 1u << K_DSTIP | 1u << K_DSTNET |
				     1u << K_PROTO,
		 1u << O_FLOWS | 1u << O_SOURCES | 1u << O_DESTS},
		{"port_host", 1u << K_DSTPORT | 1u << K_PROTO | 1u << K_DSTIP | 1u << K_DSTNET,
		 1u << O_FLOWS | 1u << O_PACKETS | 1u << O_BYTES | 1u << O_DESTS | 1u << O_PORTS},
	};
	unsigned need = 0;
	size_t i;
	for (i = 0; i < sp->n; i++)
		need |= 1u << sp->key[i];
	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		if ((need & ~t[i].keys) == 0 && (t[i].has >> sp->order & 1)) {
			*has = t[i].has;
			return t[i].name;
		}
	return NULL;
}

/* A rollup row as the flow it counts: source, host, protocol and port. */
static int add_row(void *user, const vg_rollup_row *r)
{
	vg_flow f;
	memset(&f, 0, sizeof f);
	f.kind = VG_REC_FLOW;
	f.family = r->family;
	f.saddr = r->src;
	f.daddr = r->host;
	f.proto = r->proto;
	if (is_icmp(&f)) {
		f.sport = (uint16_t)(r->port >> 8);
		f.dport = (uint16_t)(r->port & 0xff);
	} else {
		f.dport = r->port;
	}
	return add_counts(user, &f, r->conns, r->pkts, r->bytes);
}

static int consume(void *user, const vg_flow *flows, size_t n)
{
	struct top_ctx *c = user;
	size_t i;
	if (c->m)
		return vg_merger_add(c->m, flows, n) != VG_OK;
	for (i = 0; i < n; i++)
		if (add_flow(c, &flows[i]))
			return 1;
	return 0;
}

static uint64_t metric(const struct group *g, int order)
{
	switch (order) {
	case O_PACKETS: return g->packets;
	case O_BYTES: return g->bytes;
	case O_SOURCES: return g->n_src;
	case O_DESTS: return g->n_dst;
	case O_PORTS: return g->n_port;
	default: return g->flows;
	}
}

static int cmp_group(const void *x, const void *y, void *order)
{
	const struct group *a = x, *b = y;
	int ord = *(const int *)order;
	uint64_t ma = metric(a, ord), mb = metric(b, ord);
	int c;
	if (ma != mb)
		return ma > mb ? -1 : 1;
	if (a->flows != b->flows)
		return a->flows > b->flows ? -1 : 1;
	c = memcmp(a->key, b->key, KEY_BYTES);
	return c;
}

/* The group's fields as text, one per column. */
static void key_text(const struct spec *sp, const struct group *g, char out[MAX_KEYS][64])
{
	size_t i, at = 1;
	for (i = 0; i < sp->n; i++) {
		vg_addr a;
		size_t n;
		switch (sp->key[i]) {
		case K_SRCIP:
		case K_DSTIP:
		case K_SRCNET:
		case K_DSTNET:
			memcpy(a.a, g->key + at, 16);
			at += 16;
			n = vg_addr_format(&a, g->family == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4, out[i]);
			if (sp->key[i] == K_SRCNET || sp->key[i] == K_DSTNET)
				snprintf(out[i] + n, 64 - n, "/%u",
					 g->family == VG_FAM_IP6 ? sp->bits[i] : (sp->bits[i] > 32 ? 32 : sp->bits[i]));
			break;
		case K_SRCPORT:
		case K_DSTPORT:
			snprintf(out[i], 64, "%u", (unsigned)g->key[at] << 8 | g->key[at + 1]);
			at += 2;
			break;
		default: {
			const char *pn = vg_proto_name(g->key[at]);
			if (pn)
				snprintf(out[i], 64, "%s", pn);
			else
				snprintf(out[i], 64, "%u", g->key[at]);
			at++;
		}
		}
	}
}

static void write_groups(FILE *fp, const struct opts *o, const struct top_ctx *c, size_t n_show)
{
	static const char *const cols[] = {"flows", "packets", "bytes", "sources", "destinations",
					   "ports"};
	char kt[MAX_KEYS][64], a[32];
	int kw[MAX_KEYS];
	size_t i, k;
	/* the text's key columns: room for IPv6 with --wide, else as wide as
	 * the widest key shown (and its name), two spaces after */
	for (k = 0; k < c->sp.n; k++)
		kw[k] = o->wide ? (c->sp.key[k] <= K_DSTNET ? 42 : 9)
				: (int)strlen(key_names[c->sp.key[k]]) + 2;
	for (i = 0; !o->wide && i < n_show; i++) {
		key_text(&c->sp, &c->g[i], kt);
		for (k = 0; k < c->sp.n; k++)
			if ((int)strlen(kt[k]) + 2 > kw[k])
				kw[k] = (int)strlen(kt[k]) + 2;
	}
	if (o->outfmt == VG_OUT_CSV) {
		for (k = 0; k < c->sp.n; k++)
			fprintf(fp, "%s%s", k ? "," : "", key_names[c->sp.key[k]]);
		for (k = 0; k < 6; k++)
			fprintf(fp, ",%s", cols[k]);
		fputc('\n', fp);
	} else if (o->outfmt == VG_OUT_JSON) {
		fputc('[', fp);
	} else {
		fprintf(fp, "Top %zu of %s groups by %s\n", n_show, vg_group_digits(c->n, a, sizeof a),
			order_names[c->sp.order]);
		for (k = 0; k < c->sp.n; k++)
			fprintf(fp, "%-*s", kw[k], key_names[c->sp.key[k]]);
		fprintf(fp, "%12s %14s %16s %9s %12s %7s\n", "flows", "packets", "bytes", "sources",
			"destinations", "ports");
	}
	for (i = 0; i < n_show; i++) {
		const struct group *g = &c->g[i];
		uint64_t v[6] = {g->flows, g->packets, g->bytes, g->n_src, g->n_dst, g->n_port};
		char vt[6][32];
		/* a count the rollup table lacks: "-" in text, null in JSON, empty in CSV */
		for (k = 0; k < 6; k++) {
			const char *none = o->outfmt == VG_OUT_TEXT ? "-" : o->outfmt == VG_OUT_JSON ? "null" : "";
			if (!((c->has >> k) & 1))
				snprintf(vt[k], sizeof vt[k], "%s", none);
			else if (o->outfmt == VG_OUT_TEXT)
				snprintf(vt[k], sizeof vt[k], "%s", vg_group_digits(v[k], a, sizeof a));
			else
				snprintf(vt[k], sizeof vt[k], "%llu", (unsigned long long)v[k]);
		}
		key_text(&c->sp, g, kt);
		if (o->outfmt == VG_OUT_CSV) {
			for (k = 0; k < c->sp.n; k++)
				fprintf(fp, "%s%s", k ? "," : "", kt[k]);
			for (k = 0; k < 6; k++)
				fprintf(fp, ",%s", vt[k]);
			fputc('\n', fp);
		} else if (o->outfmt == VG_OUT_JSON) {
			fputs(i ? ",\n{" : "\n{", fp);
			for (k = 0; k < c->sp.n; k++) {
				int numeric = c->sp.key[k] == K_SRCPORT || c->sp.key[k] == K_DSTPORT;
				fprintf(fp, "%s\"%s\":", k ? "," : "", key_names[c->sp.key[k]]);
				if (numeric)
					fputs(kt[k], fp);
				else
					vg_json_string(fp, kt[k]);
			}
			for (k = 0; k < 6; k++)
				fprintf(fp, ",\"%s\":%s", cols[k], vt[k]);
			fputc('}', fp);
		} else {
			for (k = 0; k < c->sp.n; k++)
				fprintf(fp, "%-*s", kw[k], kt[k]);
			fprintf(fp, "%12s %14s %16s %9s %12s %7s\n", vt[0], vt[1], vt[2], vt[3], vt[4],
				vt[5]);
		}
	}
	if (o->outfmt == VG_OUT_JSON)
		fputs("\n]\n", fp);
}

int cmd_top(int argc, char **argv)
{
	struct opts o;
	struct totals t;
	struct top_ctx c;
	vg_site *site = NULL;
	vg_store *store = NULL;
	vg_pipeline *p = NULL;
	size_t n_show;
	int ec, rc, fd;
	FILE *fp;

	memset(&c, 0, sizeof c);
	if (parse_opts(&o, argc, argv, &ec, usage)) {
		free_opts(&o);
		return ec;
	}
	ec = EXIT_USAGE;
	if (o.outfmt < 0)
		o.outfmt = VG_OUT_TEXT;
	if (parse_spec(o.top_keys, &c.sp) != 0)
		goto out;
	if (o.top_order) {
		size_t k;
		for (k = 0; k < sizeof order_names / sizeof order_names[0]; k++)
			if (strcmp(o.top_order, order_names[k]) == 0)
				break;
		if (k == sizeof order_names / sizeof order_names[0]) {
			warnx_("top: -O %s: flows, packets, bytes, sources, destinations or ports",
			       o.top_order);
			goto out;
		}
		c.sp.order = (int)k;
	}
	c.has = HAS_ALL;
	memset(&t, 0, sizeof t);
	if (o.config || o.n_site) {
		if (!(site = load_site(&o)))
			goto out;
	}
	if (site && vg_site_store(site) && o.n_inputs == 0 && !o.iface) {
		/* the store's rollups: one table, what it counts */
		struct store_range range;
		const char *table = store_table(&c.sp, &c.has);
		if (!table) {
			warnx_("top: --store: no rollup table holds all of -s %s and counts %s "
			       "(srcport is not in the store; see docs/top.md)",
			       o.top_keys ? o.top_keys : "srcip", order_names[c.sp.order]);
			goto out;
		}
		if (strcmp(table, "port_host") == 0)
			warnx_("top: --store: from the port_host rollup, which counts TCP, UDP and "
			       "SCTP connections only");
		if (o.merge || o.filter_expr) {
			warnx_("top: --store holds connections already merged, without a filter's "
			       "fields: no --merge nor filter");
			goto out;
		}
		if ((ec = open_store_range(&o, site, &store, &range)) != EXIT_OK)
			goto out;
		ec = EXIT_STORE;
		{
			/* the rows as the report reads them: the open tail too */
			vg_pipeline_opts po;
			memset(&po, 0, sizeof po);
			if ((rc = vg_pipeline_create(&p, site, &po)) != VG_OK ||
			    vg_pipeline_set_rows(p, table, add_row, &c) != VG_OK ||
			    (range.day0 <= range.day1 &&
			     vg_pipeline_load(p, store, range.day0, range.day1, range.day0) != VG_OK) ||
			    vg_pipeline_finish(p) != VG_OK) {
				if (!c.oom)
					warnx_("top: %s", vg_pipeline_errmsg(p));
				goto out;
			}
		}
		rc = 0;
		goto counted;
	}
	if (o.n_inputs == 0 && !o.iface) {
		warnx_("top: no input; give one with -r FILE, -R DIR, -S HOST:PORT, -i INTERFACE "
		       "or --store DB");
		goto out;
	}
	ec = EXIT_INTERNAL;
	if (o.merge) {
		vg_merge_opts mo = {0};
		mo.idle_us = (int64_t)(o.idle_s * 1e6);
		if (vg_merger_create(&c.m, &mo, add_flow, &c) != VG_OK) {
			warnx_("out of memory");
			goto out;
		}
	}
	rc = run_inputs(&o, consume, &c, &t);
	if (c.m && !c.oom)
		vg_merger_flush(c.m);
counted:
	ec = EXIT_INTERNAL;
	if (c.oom) {
		warnx_("top: out of memory (%zu groups)", c.n);
		goto out;
	}
	if (c.n)
		qsort_r(c.g, c.n, sizeof *c.g, cmp_group, &c.sp.order);
	n_show = o.top_n_set ? (o.top_n ? o.top_n : c.n) : 10;
	if (n_show > c.n)
		n_show = c.n;
	if ((fd = open_output(&o)) < 0)
		goto out;
	fp = fd == 1 ? stdout : fdopen(fd, "w");
	if (!fp) {
		warnx_("out of memory");
		goto out;
	}
	write_groups(fp, &o, &c, n_show);
	if (fflush(fp) != 0 || (fp != stdout && fclose(fp) != 0)) {
		warnx_("%s: write error: %s", o.outfile ? o.outfile : "(stdout)", strerror(errno));
		goto out;
	}
	ec = rc ? EXIT_INTERNAL : t.input_error ? EXIT_INPUT : EXIT_OK;
out:
	vg_pipeline_free(p);
	vg_store_close(store);
	vg_site_free(site);
	vg_merger_free(c.m);
	free(c.g);
	free(c.slot);
	free(c.seen);
	free_opts(&o);
	return ec;
}
