/*
 * cmd_export.c - `vigil export --store DB --share FILE --anonymize KEY|/N`:
 * a sanitised share for other teams (docs/share.md): per day and (protocol,
 * port) the unsolicited connections, sources, new sources and monitored
 * hosts reached (the series the alerts judge), the scan events and the
 * alerts, with every source pseudonymised (or truncated) as it is written.
 * It names no monitored address: hosts appear only as counts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#define SHARE_SCHEMA "vigil-share/1"
#define PORTS_LISTED 64 /* a scan event's ports, listed up to this many */

static void usage(FILE *fp)
{
	fputs("usage: vigil export --store DB [site] [-t RANGE] --anonymize KEY|/N --share FILE\n"
	      "\n"
	      "Writes a share for other teams (JSON, docs/share.md): per day and TCP/UDP/SCTP\n"
	      "port the unsolicited connections, sources, new sources and monitored hosts\n"
	      "reached; the scan events and the alerts, their sources pseudonymised with\n"
	      "the Crypto-PAn key KEY (teams that share a key can match sources) or\n"
	      "truncated; the team, the sensor, the time zone and the period. No monitored\n"
	      "address is in it.\n"
	      "\n", fp);
	print_options(fp, V_EXPORT, GROUP(G_SITE) | GROUP(G_INPUT) | GROUP(G_OUTPUT));
	fputs("\nExit: 0 ok, 2 usage error, 4 internal error, 5 store error.\n", fp);
}

struct ev {
	uint32_t id;
	vg_addr scanner;
	uint8_t family, kind, detectors, protos;
	int64_t first_us, last_us;
	uint64_t flows, answered, unanswered;
	uint32_t targets, n_ports, campaign;
	uint32_t *ports; /* the first PORTS_LISTED */
	char *known;
};

struct export_ctx {
	vg_anon *anon;
	struct ev *ev;
	size_t n_ev, cap_ev;
	int oom;
};

static int on_event(void *user, const vg_scan_event *e)
{
	struct export_ctx *c = user;
	struct ev *v;
	size_t np = e->n_ports < PORTS_LISTED ? e->n_ports : PORTS_LISTED;
	if (c->n_ev == c->cap_ev) {
		size_t cap = c->cap_ev ? 2 * c->cap_ev : 256;
		struct ev *ne = realloc(c->ev, cap * sizeof *ne);
		if (!ne) {
			c->oom = 1;
			return 1;
		}
		c->ev = ne;
		c->cap_ev = cap;
	}
	v = &c->ev[c->n_ev];
	memset(v, 0, sizeof *v);
	v->id = e->id;
	v->scanner = e->scanner;
	v->family = e->family;
	vg_anon_addr(c->anon, &v->scanner, e->family == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4);
	v->kind = e->kind;
	v->detectors = e->detectors;
	v->protos = e->protos;
	v->first_us = e->first_us;
	v->last_us = e->last_us;
	v->flows = e->flows;
	v->answered = e->answered;
	v->unanswered = e->unanswered;
	v->targets = e->targets;
	v->n_ports = e->n_ports;
	v->campaign = e->campaign;
	if ((np && !(v->ports = malloc(np * sizeof *v->ports))) ||
	    (e->known && !(v->known = strdup(e->known)))) {
		free(v->ports);
		c->oom = 1;
		return 1;
	}
	if (np)
		memcpy(v->ports, e->ports, np * sizeof *v->ports);
	c->n_ev++;
	return 0;
}

static int cmp_ev(const void *x, const void *y)
{
	const struct ev *a = x, *b = y;
	return a->id < b->id ? -1 : a->id > b->id;
}

static void iso(int64_t us, char out[32])
{
	time_t x = (time_t)(us / 1000000);
	struct tm tm;
	gmtime_r(&x, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *proto_name(unsigned p)
{
	return p == 6 ? "tcp" : p == 17 ? "udp" : p == 132 ? "sctp" : p == 1 ? "icmp"
	     : p == 58 ? "ipv6-icmp" : "ip";
}

static void addr_json(FILE *fp, const vg_addr *a, int family)
{
	char t[46];
	vg_addr_format(a, family == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4, t);
	fprintf(fp, "\"%s\"", t);
}

/* An alert's summary with its source's address replaced by the pseudonym
 * (the summaries name no other address). */
static void summary_json(FILE *fp, const vg_alert *al, const vg_addr *pseudo)
{
	char from[46], to[46], out[sizeof al->summary + 64];
	const char *s = al->summary, *hit;
	size_t n = 0, lf;
	if (!al->has_source) {
		vg_json_string(fp, s);
		return;
	}
	vg_addr_format(&al->source, al->family == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4, from);
	vg_addr_format(pseudo, al->family == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4, to);
	lf = strlen(from);
	while ((hit = strstr(s, from)) && n + (size_t)(hit - s) + strlen(to) < sizeof out) {
		memcpy(out + n, s, (size_t)(hit - s));
		n += (size_t)(hit - s);
		memcpy(out + n, to, strlen(to));
		n += strlen(to);
		s = hit + lf;
	}
	snprintf(out + n, sizeof out - n, "%s", s);
	vg_json_string(fp, out);
}

struct host_row {
	char day[16], addr[46];
	uint64_t conns, sources;
	size_t host; /* index into the hosts, by first day, then connections */
};

struct host_tot {
	char addr[46], first[16];
	uint64_t conns;
};

static int cmp_host_tot(const void *x, const void *y)
{
	const struct host_tot *a = x, *b = y;
	int c = strcmp(a->first, b->first);
	if (c)
		return c;
	return a->conns != b->conns ? (a->conns > b->conns ? -1 : 1) : strcmp(a->addr, b->addr);
}

static int cmp_host_row(const void *x, const void *y)
{
	const struct host_row *a = x, *b = y;
	int c = strcmp(a->day, b->day);
	return c ? c : a->host < b->host ? -1 : a->host > b->host;
}

/* "hosts": per day and monitored host, the host as an index (1, 2, ...:
 * in the order of their first day, then of their connections), never its
 * address; returns -1 out of memory */
static int write_hosts(FILE *fp, vg_study *st)
{
	size_t t, i, j, n = 0, cap = 0, nh = 0;
	struct host_row *rows = NULL;
	struct host_tot *tot = NULL;
	uint64_t cur = 0;
	vg_value v[16];
	for (t = 0; vg_study_table_name(t) && strcmp(vg_study_table_name(t), "hosts_daily") != 0; t++)
		;
	while (vg_study_table_name(t) && vg_study_row(st, t, &cur, v) == 1) {
		if (n == cap) {
			size_t nc = cap ? 2 * cap : 256;
			struct host_row *nr = realloc(rows, nc * sizeof *nr);
			if (!nr) {
				free(rows);
				return -1;
			}
			rows = nr;
			cap = nc;
		}
		snprintf(rows[n].day, sizeof rows[n].day, "%s", v[0].s);
		snprintf(rows[n].addr, sizeof rows[n].addr, "%s", v[1].s);
		rows[n].conns = v[2].u;
		rows[n].sources = v[3].u;
		n++;
	}
	if (n && !(tot = calloc(n, sizeof *tot))) {
		free(rows);
		return -1;
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < nh && strcmp(tot[j].addr, rows[i].addr) != 0; j++)
			;
		if (j == nh) {
			memcpy(tot[nh].addr, rows[i].addr, sizeof tot[nh].addr);
			memcpy(tot[nh].first, rows[i].day, sizeof tot[nh].first);
			nh++;
		}
		if (strcmp(rows[i].day, tot[j].first) < 0)
			memcpy(tot[j].first, rows[i].day, sizeof tot[j].first);
		tot[j].conns += rows[i].conns;
	}
	if (nh)
		qsort(tot, nh, sizeof *tot, cmp_host_tot);
	for (i = 0; i < n; i++) {
		for (j = 0; j < nh && strcmp(tot[j].addr, rows[i].addr) != 0; j++)
			;
		rows[i].host = j + 1;
	}
	/* in (day, index) order: the rows' order says nothing of the addresses */
	if (n)
		qsort(rows, n, sizeof *rows, cmp_host_row);
	fputs("],\n\"hosts\":[", fp);
	for (i = 0; i < n; i++)
		fprintf(fp, "%s\n{\"day\":\"%s\",\"host\":%zu,\"connections\":%llu,\"sources\":%llu}",
			i ? "," : "", rows[i].day, rows[i].host, (unsigned long long)rows[i].conns,
			(unsigned long long)rows[i].sources);
	free(rows);
	free(tot);
	return 0;
}

static int write_share(FILE *fp, const struct opts *o, const vg_site *site, vg_anon *anon,
		       const struct store_range *r, const vg_port_day *pd, size_t n_pd,
		       const struct export_ctx *c, vg_alerts *al, vg_study *st, int64_t since)
{
	const char *method;
	char key_id[17], d0[16], d1[16], t0[32], t1[32], pn[VG_SCAN_NAMES_MAX];
	unsigned b4, b6;
	size_t i, j, n_al = vg_alerts_count(al), k = 0;
	time_t now = time(NULL);
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	if (sde && *sde)
		now = (time_t)strtoll(sde, NULL, 10);
	vg_anon_describe(anon, &method, key_id, &b4, &b6);
	day_text(r->day0, d0);
	day_text(r->day1, d1);
	iso((int64_t)now * 1000000, t0);
	fprintf(fp, "{\"schema\":\"%s\",\"made\":\"%s\",\"team\":", SHARE_SCHEMA, t0);
	vg_json_string(fp, o->team ? o->team : vg_site_csirt(site));
	fputs(",\"description\":", fp);
	vg_json_string(fp, o->description ? o->description : "");
	fputs(",\"tz\":", fp);
	vg_json_string(fp, vg_site_tz(site));
	fprintf(fp, ",\"period\":{\"first_day\":\"%s\",\"last_day\":\"%s\",\"days\":%d},", d0, d1,
		r->day1 - r->day0 + 1);
	if (key_id[0])
		fprintf(fp, "\"addresses\":{\"method\":\"%s\",\"key_id\":\"%s\"},", method, key_id);
	else
		fprintf(fp, "\"addresses\":{\"method\":\"%s\",\"ipv4_bits\":%u,\"ipv6_bits\":%u},",
			method, b4, b6);
	fputs("\n\"ports\":[", fp);
	for (i = 0; i < n_pd; i++) {
		day_text(pd[i].day, d0);
		fprintf(fp, "%s\n{\"day\":\"%s\",\"proto\":\"%s\",\"port\":%u,\"connections\":%u,"
			"\"sources\":%u,\"new_sources\":%u,\"targets\":%u}", i ? "," : "", d0,
			proto_name(pd[i].proto), pd[i].port, pd[i].connections, pd[i].sources,
			pd[i].new_sources, pd[i].targets);
	}
	if (write_hosts(fp, st) != 0)
		return -1;
	fputs("],\n\"scans\":[", fp);
	for (i = 0; i < c->n_ev; i++) {
		const struct ev *e = &c->ev[i];
		iso(e->first_us, t0);
		iso(e->last_us, t1);
		fprintf(fp, "%s\n{\"id\":%u,\"source\":", i ? "," : "", e->id);
		addr_json(fp, &e->scanner, e->family);
		fprintf(fp, ",\"kind\":\"%s\",\"detectors\":\"%s\"", vg_scan_kind_name(e->kind),
			vg_scan_detectors_str(e->detectors, pn));
		fprintf(fp, ",\"protos\":\"%s\",\"first\":\"%s\",\"last\":\"%s\",\"flows\":%llu,"
			"\"answered\":%llu,\"unanswered\":%llu,\"targets\":%u,\"n_ports\":%u,\"ports\":[",
			vg_scan_protos_str(e->protos, pn), t0, t1, (unsigned long long)e->flows,
			(unsigned long long)e->answered, (unsigned long long)e->unanswered, e->targets,
			e->n_ports);
		for (j = 0; j < e->n_ports && j < PORTS_LISTED; j++)
			fprintf(fp, "%s[\"%s\",%u]", j ? "," : "", proto_name(e->ports[j] >> 16),
				e->ports[j] & 0xffff);
		fprintf(fp, "],\"ports_cut\":%s,\"known_scanner\":", e->n_ports > PORTS_LISTED ? "true" : "false");
		if (e->known)
			vg_json_string(fp, e->known);
		else
			fputs("null", fp);
		fprintf(fp, ",\"campaign\":%u}", e->campaign);
	}
	fputs("],\n\"alerts\":[", fp);
	for (i = 0; i < n_al; i++) {
		const vg_alert *a = vg_alerts_get(al, i);
		vg_addr p;
		if (a->last_us < since)
			continue;
		iso(a->time_us, t0);
		iso(a->last_us, t1);
		fprintf(fp, "%s\n{\"id\":%u,\"detector\":\"%s\",\"severity\":\"%s\",\"first\":\"%s\","
			"\"last\":\"%s\",\"proto\":", k++ ? "," : "", a->id, vg_detector_name(a->detector),
			vg_severity_name(a->severity), t0, t1);
		if (a->proto)
			fprintf(fp, "\"%s\",\"port\":%d", proto_name(a->proto), a->port);
		else
			fputs("null,\"port\":null", fp);
		fputs(",\"source\":", fp);
		p = a->source;
		if (a->has_source) {
			vg_anon_addr(anon, &p, a->family == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4);
			addr_json(fp, &p, a->family);
		} else {
			fputs("null", fp);
		}
		fprintf(fp, ",\"scan_id\":%u,\"value\":%.4f,\"baseline\":%.4f,\"threshold\":%.4f,"
			"\"summary\":", a->scan_id, a->value, a->baseline, a->threshold);
		summary_json(fp, a, &p);
		fputc('}', fp);
	}
	fputs("]}\n", fp);
	return 0;
}

int cmd_export(int argc, char **argv)
{
	struct opts o;
	struct export_ctx c = {0};
	struct store_range range;
	vg_site *site = NULL;
	vg_store *store = NULL;
	vg_alerts *al = NULL;
	vg_study *st = NULL;
	vg_pipeline *p = NULL;
	vg_pipeline_opts po;
	vg_port_day *pd = NULL;
	size_t n_pd = 0, i;
	char err[512], *tmp = NULL;
	FILE *fp = NULL;
	int ec, rc;

	if (parse_opts(&o, argc, argv, &ec, usage)) {
		free_opts(&o);
		return ec;
	}
	ec = EXIT_USAGE;
	if (!o.share_file || !o.anon) {
		warnx_("export: give the share file (--share FILE) and how sources are hidden "
		       "(--anonymize KEY or /N)");
		goto out;
	}
	o.anon_output = 1; /* the store holds real addresses: hidden as they are written */
	c.anon = o.anon;
	if (!(site = load_site(&o)))
		goto out;
	if (!vg_site_store(site)) {
		warnx_("export: no store; give one with --store DB (or store = DB in the site file)");
		goto out;
	}
	if ((ec = open_store_range(&o, site, &store, &range)) != EXIT_OK)
		goto out;
	ec = EXIT_INTERNAL;
	if (vg_alerts_create(&al, site, err, sizeof err) != VG_OK) {
		warnx_("%s", err);
		goto out;
	}
	if (vg_study_create(&st, site, err, sizeof err) != VG_OK) {
		warnx_("%s", err);
		goto out;
	}
	memset(&po, 0, sizeof po);
	po.alerts = al;
	po.study = st;
	po.on_event = on_event;
	po.user = &c;
	if ((rc = vg_pipeline_create(&p, site, &po)) != VG_OK) {
		warnx_("%s", vg_pipeline_errmsg(p));
		goto out;
	}
	/* from the store's first day: "new" is new against its whole history,
	 * and the alerts have their baselines */
	if ((rc = vg_pipeline_load(p, store, range.day0, range.day1,
				   range.info.n_days ? range.info.first_day : range.day0)) != VG_OK ||
	    vg_pipeline_finish(p) != VG_OK) {
		warnx_("export: %s", c.oom ? "out of memory" : vg_pipeline_errmsg(p));
		ec = rc == VG_ENOMEM || c.oom ? EXIT_INTERNAL : EXIT_STORE;
		goto out;
	}
	if (vg_pipeline_finish_sinks(p) != VG_OK) {
		warnx_("export: %s", vg_pipeline_errmsg(p));
		goto out;
	}
	if (vg_alerts_port_days(al, range.day0, range.day1, &pd, &n_pd) != VG_OK) {
		warnx_("export: %s", vg_alerts_errmsg(al));
		goto out;
	}
	/* an alert keeps the id an earlier alerts --store gave it */
	if (vg_alerts_use_store(al, store, 0) != VG_OK) {
		warnx_("export: %s", vg_store_errmsg(store));
		ec = EXIT_STORE;
		goto out;
	}
	qsort(c.ev, c.n_ev, sizeof *c.ev, cmp_ev);
	/* written whole or not at all */
	if (!(tmp = malloc(strlen(o.share_file) + 8)))
		goto out;
	sprintf(tmp, "%s.tmp", o.share_file);
	if (!(fp = fopen(tmp, "w"))) {
		warnx_("export: %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (write_share(fp, &o, site, o.anon, &range, pd, n_pd, &c, al, st,
			vg_site_day_start(site, range.day0)) != 0) {
		warnx_("export: out of memory");
		fclose(fp);
		fp = NULL;
		unlink(tmp);
		goto out;
	}
	if (fflush(fp) != 0 || ferror(fp) || fsync(fileno(fp)) != 0) {
		warnx_("export: %s: %s", tmp, strerror(errno));
		fclose(fp);
		fp = NULL;
		unlink(tmp);
		goto out;
	}
	rc = fclose(fp);
	fp = NULL;
	if (rc != 0 || rename(tmp, o.share_file) != 0) {
		warnx_("export: %s: %s", o.share_file, strerror(errno));
		unlink(tmp);
		goto out;
	}
	if (!o.quiet) {
		int64_t since = vg_site_day_start(site, range.day0);
		size_t n_al = 0, n = vg_alerts_count(al);
		char d0[16], d1[16];
		for (i = 0; i < n; i++)
			n_al += vg_alerts_get(al, i)->last_us >= since;
		day_text(range.day0, d0);
		day_text(range.day1, d1);
		fprintf(stderr, "vigil: export: %s: %s .. %s, %zu port-days, %zu scan events, "
			"%zu alerts\n", o.share_file, d0, d1, n_pd, c.n_ev, n_al);
	}
	ec = EXIT_OK;
out:
	free(tmp);
	free(pd);
	for (i = 0; i < c.n_ev; i++) {
		free(c.ev[i].ports);
		free(c.ev[i].known);
	}
	free(c.ev);
	vg_pipeline_free(p);
	vg_alerts_free(al);
	vg_study_free(st);
	vg_store_close(store);
	vg_site_free(site);
	free_opts(&o);
	return ec;
}
