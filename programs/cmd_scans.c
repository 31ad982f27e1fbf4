/*
 * cmd_scans.c - `vigil scans`: the scan events of the inputs (TRW and
 * window detectors, docs/scans.md) as a table, JSON or CSV.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

static void usage(FILE *fp)
{
	fputs("usage: vigil scans [site] [options] -r FILE... [filter]\n"
	      "       vigil scans [site] [options] --store DB [-t RANGE]\n"
	      "\n"
	      "Port scans towards the monitored networks, as events: scanner, type\n"
	      "(vertical, horizontal, block, sweep, distributed, dist-sweep, slow, trw),\n"
	      "kind (port-scan: many ports; sweep: at most --scan-sweep-ports of them\n"
	      "across hosts, as worms and ping sweeps), protocols, first and last time,\n"
	      "targets, ports, flows, answered/unanswered, TRW score, detectors, known\n"
	      "research scanner, campaign (the members of a distributed scan share it;\n"
	      "the text output lists each campaign's members at the end), why.\n"
	      "Probes without SYN (nmap -sN -sF -sX -sA -sM -sW) count as probes;\n"
	      "backscatter (SYN/ACKs, resets, ICMP errors answering spoofed packets) is\n"
	      "not a scan (vigil report shows it apart).\n"
	      "\n"
	      "site: the same options and site file as vigil report (-c, --monitored,\n"
	      "--service, ...), plus --known-scanners FILE, --scan-window SECONDS,\n"
	      "--scan-vertical N, --scan-horizontal N, --scan-sweep-ports N (default 2),\n"
	      "--scan-campaign-sources N (default 3), --scan-gap SECONDS, --scan-sources N\n"
	      "(see docs/scans.md).\n"
	      "\n", fp);
	print_options(fp, V_SCANS, GROUP(G_SITE) | GROUP(G_INPUT) | GROUP(G_OUTPUT));
}

struct ev {
	vg_scan_event e;
	uint64_t conns;      /* its unsolicited connections */
	uint32_t *ports;
	char *known;
};

struct scans_ctx {
	vg_pipeline *p;
	struct ev *ev;
	size_t n_ev, cap_ev;
	uint64_t flows, scan_flows;
};

static int on_flow(void *user, const vg_flow *f, uint32_t id)
{
	struct scans_ctx *c = user;
	(void)f;
	c->flows++;
	c->scan_flows += id != 0;
	return 0;
}

static int on_event(void *user, const vg_scan_event *e)
{
	struct scans_ctx *c = user;
	struct ev *v;
	if (c->n_ev == c->cap_ev) {
		size_t cap = c->cap_ev ? c->cap_ev * 2 : 64;
		struct ev *n = realloc(c->ev, cap * sizeof *n);
		if (!n)
			return 1;
		c->ev = n;
		c->cap_ev = cap;
	}
	v = &c->ev[c->n_ev];
	v->e = *e;
	v->conns = vg_pipeline_event_connections(c->p);
	v->ports = malloc((e->n_ports ? e->n_ports : 1) * sizeof *v->ports);
	v->known = e->known ? strdup(e->known) : NULL;
	if (!v->ports)
		return 1;
	memcpy(v->ports, e->ports, e->n_ports * sizeof *v->ports);
	v->e.ports = v->ports;
	v->e.known = v->known;
	c->n_ev++;
	return 0;
}

static int consume(void *user, const vg_flow *flows, size_t n)
{
	struct scans_ctx *c = user;
	return vg_pipeline_add(c->p, flows, n) != VG_OK;
}

static int cmp_ev(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;
	if (x->e.first_us != y->e.first_us)
		return x->e.first_us < y->e.first_us ? -1 : 1;
	return x->e.id < y->e.id ? -1 : x->e.id > y->e.id;
}

static void fmt_time(char *out, int64_t us, int style)
{
	vg_flow f;
	memset(&f, 0, sizeof f);
	f.stime_us = us;
	vg_field_format(VG_F_STIME, &f, style, out);
}

/* The events of campaigns, by campaign then time: [i] is an index into
 * c->ev. */
struct camps {
	size_t *ix;
	size_t n;
	const struct scans_ctx *c;
};

static int cmp_camp(const void *a, const void *b, void *ctx)
{
	const struct scans_ctx *c = ctx;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	uint32_t p = c->ev[x].e.campaign, q = c->ev[y].e.campaign;
	if (p != q)
		return p < q ? -1 : 1;
	return x < y ? -1 : x > y;
}

static void camps_make(struct camps *k, const struct scans_ctx *c)
{
	size_t i;
	memset(k, 0, sizeof *k);
	k->c = c;
	for (i = 0; i < c->n_ev; i++)
		k->n += c->ev[i].e.campaign != 0;
	if (!k->n || !(k->ix = malloc(k->n * sizeof *k->ix))) {
		k->n = 0;
		return;
	}
	for (i = 0, k->n = 0; i < c->n_ev; i++)
		if (c->ev[i].e.campaign)
			k->ix[k->n++] = i;
	qsort_r(k->ix, k->n, sizeof *k->ix, cmp_camp, (void *)c);
}

/* The range [*lo, *hi) of campaign id in k->ix. */
static void camps_find(const struct camps *k, uint32_t id, size_t *lo, size_t *hi)
{
	size_t a = 0, b = k->n;
	while (a < b) {
		size_t m = a + (b - a) / 2;
		if (k->c->ev[k->ix[m]].e.campaign < id)
			a = m + 1;
		else
			b = m;
	}
	*lo = a;
	while (a < k->n && k->c->ev[k->ix[a]].e.campaign == id)
		a++;
	*hi = a;
}

/* The members of campaign id, comma-separated (JSON: quoted), into out. */
static void campaign_members(const struct camps *k, uint32_t id, int json, char *out, size_t cap)
{
	size_t lo, hi, i, n = 0;
	char a[46];
	out[0] = '\0';
	camps_find(k, id, &lo, &hi);
	for (i = lo; i < hi && n + 52 < cap; i++) {
		const vg_scan_event *e = &k->c->ev[k->ix[i]].e;
		vg_addr_format(&e->scanner, e->family == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4, a);
		n += (size_t)snprintf(out + n, cap - n, json ? "%s\"%s\"" : "%s%s", n ? "," : "", a);
	}
}

/* The text output's list of campaigns, after the events. */
static void print_campaigns(FILE *fp, const struct camps *k)
{
	size_t i, j;
	char members[4096], t1[64];
	for (i = 0; i < k->n; i = j) {
		const vg_scan_event *e = &k->c->ev[k->ix[i]].e;
		uint32_t n = 0, ports = 0, hosts = 0;
		for (j = i; j < k->n && k->c->ev[k->ix[j]].e.campaign == e->campaign; j++) {
			n++;
			ports += k->c->ev[k->ix[j]].e.n_ports;
			hosts += k->c->ev[k->ix[j]].e.targets;
		}
		campaign_members(k, e->campaign, 0, members, sizeof members);
		fmt_time(t1, e->first_us, VG_STYLE_TEXT);
		/* no (host, port) probed by two members: the sums are distinct */
		if (e->detectors & VG_SCAN_DISTRIBUTED)
			fprintf(fp, "campaign %u (distributed port scan): %u sources from %s, %u ports "
				"of one host in all: %s\n", e->campaign, n, t1, ports, members);
		else
			fprintf(fp, "campaign %u (distributed sweep): %u sources from %s, one port on "
				"%u hosts in all: %s\n", e->campaign, n, t1, hosts, members);
	}
}

/* A duration as the 100-column text shows it: 45s, 12m, 3h05m, 2d04h. */
static void fmt_dur(char *out, size_t len, int64_t us)
{
	int64_t s = us / 1000000;
	if (s < 60)
		snprintf(out, len, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(out, len, "%lldm", (long long)(s / 60));
	else if (s < 86400)
		snprintf(out, len, "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else
		snprintf(out, len, "%lldd%02lldh", (long long)(s / 86400), (long long)(s % 86400 / 3600));
}

/* The text in 100 columns: the scanner as wide as the widest, the start to
 * the minute and the duration instead of first and last, no protocols (the
 * port list names them), then the port list under the scanner. */
static void print_event_narrow(FILE *fp, const vg_scan_event *e, int aw, const char *a,
			       const char *ports, const char *cs, int header)
{
	char t1[64], dur[24];
	if (header) {
		fprintf(fp, "%5s %-*s %-10s %-9s %-16s %5s %7s %5s %6s %4s %5s  %s\n", "id", aw,
			"scanner", "type", "kind", "first (UTC)", "for", "targets", "ports", "flows",
			"answ", "score", "ports / known scanner");
		return;
	}
	fmt_time(t1, e->first_us, VG_STYLE_TEXT);
	t1[16] = '\0';
	fmt_dur(dur, sizeof dur, e->last_us - e->first_us);
	fprintf(fp, "%5u %-*s %-10s %-9s %-16s %5s %7u %5u %6llu %4llu %5.2f  %s%s%s%s\n", e->id,
		aw, a, vg_scan_type(e), vg_scan_kind_name(e->kind), t1, dur, e->targets, e->n_ports,
		(unsigned long long)e->flows, (unsigned long long)e->answered, e->score, ports,
		e->known ? "  known: " : "", e->known ? e->known : "", cs);
}

static void print_events(FILE *fp, const struct scans_ctx *c, const vg_site *site, int outfmt,
			 int wide, int tfmt)
{
	int aw = 7;
	size_t i;
	char why[512], members[4096];
	struct camps k;
	char a[46], t1[64], t2[64], pr[VG_SCAN_NAMES_MAX], de[VG_SCAN_NAMES_MAX], ports[4096];
	if (outfmt == VG_OUT_CSV)
		fprintf(fp, "id,scanner,type,kind,protos,first,last,targets,ports,port_list,flows,"
			"connections,answered,unanswered,score,detectors,known_scanner,campaign,why\n");
	else if (outfmt == VG_OUT_TEXT && !wide) {
		for (i = 0; i < c->n_ev; i++) {
			vg_addr_format(&c->ev[i].e.scanner,
				       c->ev[i].e.family == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4, a);
			aw = (int)strlen(a) > aw ? (int)strlen(a) : aw;
		}
		print_event_narrow(fp, NULL, aw, NULL, NULL, NULL, 1);
	} else if (outfmt == VG_OUT_TEXT)
		fprintf(fp, "%5s %-39s %-10s %-9s %-12s %-26s %-26s %7s %6s %8s %8s %7s  %s\n", "id",
			"scanner", "type", "kind", "protos", "first", "last", "targets", "ports",
			"flows", "answered", "score", "ports / known scanner");
	camps_make(&k, c);
	for (i = 0; i < c->n_ev; i++) {
		const vg_scan_event *e = &c->ev[i].e;
		vg_addr_format(&e->scanner, e->family == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4, a);
		vg_scan_ports_format(e, ports, outfmt == VG_OUT_TEXT ? 60 : sizeof ports);
		vg_scan_protos_str(e->protos, pr);
		vg_scan_detectors_str(e->detectors, de);
		vg_scan_why(site, e, why, sizeof why);
		if (e->campaign && outfmt == VG_OUT_JSON)
			campaign_members(&k, e->campaign, 1, members, sizeof members);
		if (outfmt == VG_OUT_JSON) {
			fmt_time(t1, e->first_us, VG_STYLE_JSON);
			fmt_time(t2, e->last_us, VG_STYLE_JSON);
			fprintf(fp, "{\"id\":%u,\"scanner\":\"%s\",\"type\":\"%s\",\"kind\":\"%s\","
				"\"protos\":", e->id, a, vg_scan_type(e), vg_scan_kind_name(e->kind));
			vg_json_list(fp, pr);
			fprintf(fp, ",\"first\":%s,\"last\":%s,\"targets\":%u,\"ports\":%u,"
				"\"port_list\":\"%s\",\"flows\":%llu,\"connections\":%llu,"
				"\"answered\":%llu,\"unanswered\":%llu,\"score\":%.3f,\"detectors\":",
				t1, t2, e->targets, e->n_ports, ports, (unsigned long long)e->flows,
				(unsigned long long)c->ev[i].conns, (unsigned long long)e->answered,
				(unsigned long long)e->unanswered, e->score);
			vg_json_list(fp, de);
			fputs(",\"known_scanner\":", fp);
			if (e->known)
				fprintf(fp, "\"%s\"", e->known);
			else
				fputs("null", fp);
			if (e->campaign)
				fprintf(fp, ",\"campaign\":%u,\"campaign_members\":[%s]", e->campaign,
					members);
			else
				fputs(",\"campaign\":null", fp);
			fprintf(fp, ",\"why\":\"%s\"}\n", why);
		} else if (outfmt == VG_OUT_CSV) {
			char cs[16] = "";
			vg_time_format(e->first_us, tfmt ? tfmt : VG_TIME_ISO, t1);
			vg_time_format(e->last_us, tfmt ? tfmt : VG_TIME_ISO, t2);
			if (e->campaign)
				snprintf(cs, sizeof cs, "%u", e->campaign);
			fprintf(fp, "%u,%s,%s,%s,\"%s\",%s,%s,%u,%u,\"%s\",%llu,%llu,%llu,%llu,%.3f,\"%s\",%s,%s,\"%s\"\n",
				e->id, a, vg_scan_type(e), vg_scan_kind_name(e->kind), pr, t1, t2, e->targets, e->n_ports, ports,
				(unsigned long long)e->flows, (unsigned long long)c->ev[i].conns,
				(unsigned long long)e->answered,
				(unsigned long long)e->unanswered, e->score, de,
				e->known ? e->known : "", cs, why);
		} else if (!wide) {
			char cs[24] = "";
			if (e->campaign)
				snprintf(cs, sizeof cs, "  campaign %u", e->campaign);
			print_event_narrow(fp, e, aw, a, ports, cs, 0);
		} else {
			char cs[24] = "";
			vg_time_format(e->first_us, tfmt ? tfmt : VG_TIME_TEXT, t1);
			vg_time_format(e->last_us, tfmt ? tfmt : VG_TIME_TEXT, t2);
			if (e->campaign)
				snprintf(cs, sizeof cs, "  campaign %u", e->campaign);
			fprintf(fp, "%5u %-39s %-10s %-9s %-12s %-26s %-26s %7u %6u %8llu %8llu %7.2f  %s%s%s%s\n",
				e->id, a, vg_scan_type(e), vg_scan_kind_name(e->kind), pr, t1, t2, e->targets, e->n_ports,
				(unsigned long long)e->flows, (unsigned long long)e->answered, e->score,
				ports, e->known ? "  known: " : "", e->known ? e->known : "", cs);
		}
	}
	if (outfmt == VG_OUT_TEXT)
		print_campaigns(fp, &k);
	free(k.ix);
}

int cmd_scans(int argc, char **argv)
{
	struct opts o;
	struct totals t;
	struct scans_ctx c;
	vg_site *site = NULL;
	vg_store *store = NULL;
	int from_store = 0;
	vg_scans_stats ss;
	size_t i;
	int ec, rc, fd = -1;
	FILE *fp = NULL;

	memset(&c, 0, sizeof c);
	if (parse_opts(&o, argc, argv, &ec, usage)) {
		free_opts(&o);
		return ec;
	}
	if (o.outfmt < 0)
		o.outfmt = VG_OUT_TEXT;
	ec = EXIT_USAGE;
	if (!(site = load_site(&o)))
		goto out;
	{
		vg_pipeline_opts po;
		memset(&po, 0, sizeof po);
		po.on_flow = on_flow;
		po.on_event = on_event;
		po.user = &c;
		if ((rc = vg_pipeline_create(&c.p, site, &po)) != VG_OK) {
			warnx_("%s", vg_pipeline_errmsg(c.p));
			ec = rc == VG_ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
			goto out;
		}
	}
	ec = EXIT_INTERNAL;
	memset(&t, 0, sizeof t);
	if (vg_site_store(site) && o.n_inputs == 0 && !o.iface) {
		struct store_range range;
		int sec = open_store_range(&o, site, &store, &range);
		if (sec != EXIT_OK) {
			ec = sec;
			goto out;
		}
		from_store = 1;
		if ((rc = vg_pipeline_load(c.p, store, range.day0, range.day1, range.day0)) != VG_OK) {
			warnx_("scans: %s", vg_pipeline_errmsg(c.p));
			ec = rc == VG_ENOMEM ? EXIT_INTERNAL : EXIT_STORE;
			goto out;
		}
		rc = 0;
	} else if (o.n_inputs == 0 && !o.iface) {
		warnx_("scans: no input; give one with -r FILE, -R DIR, -i INTERFACE or --store DB");
		ec = EXIT_USAGE;
		goto out;
	} else {
		rc = run_inputs(&o, consume, &c, &t);
	}
	if (vg_pipeline_finish(c.p) != VG_OK) {
		warnx_("scans: %s", vg_pipeline_errmsg(c.p));
		goto out;
	}
	vg_pipeline_scan_stats(c.p, &ss);
	qsort(c.ev, c.n_ev, sizeof *c.ev, cmp_ev);
	if ((fd = open_output(&o)) < 0)
		goto out;
	fp = fd == 1 ? stdout : fdopen(fd, "w");
	if (o.outfmt == VG_OUT_TEXT && !o.wide) {
		/* 100 columns: long lines wrapped under their last column */
		char *text = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&text, &len);
		if (!mem) {
			warnx_("out of memory");
			goto out;
		}
		print_events(mem, &c, site, o.outfmt, 0, o.time_fmt);
		if (fclose(mem) == 0)
			vg_text_fit(fp, text, len, VG_TEXT_WIDTH);
		free(text);
	} else {
		print_events(fp, &c, site, o.outfmt, 1, o.time_fmt);
	}
	if (o.stix_file || o.misp_file) {
		const vg_scan_event **ev = malloc((c.n_ev ? c.n_ev : 1) * sizeof *ev);
		int k, ok = ev != NULL;
		for (i = 0; ev && i < c.n_ev; i++)
			ev[i] = &c.ev[i].e;
		for (k = 0; k < 2; k++) {
			const char *path = k ? o.misp_file : o.stix_file;
			FILE *xf = path && ok ? fopen(path, "w") : NULL;
			if (!path)
				continue;
			ok = xf && (k ? vg_misp_write(xf, site, ev, c.n_ev, NULL, 0)
				      : vg_stix_write(xf, site, ev, c.n_ev, NULL, 0)) == VG_OK;
			if (!xf || fclose(xf) != 0 || !ok) {
				warnx_("%s: cannot write", path);
				free(ev);
				goto out;
			}
		}
		free(ev);
	}
	if (o.outfmt == VG_OUT_TEXT && from_store) {
		fprintf(fp, "\n%zu scan event%s (from the store %s)\n", c.n_ev, c.n_ev == 1 ? "" : "s",
			vg_store_name(store));
	} else if (o.outfmt == VG_OUT_TEXT) {
		char a1[32], a2[32];
		fprintf(fp, "\n%zu scan event%s; %s of %s connections belong to scans "
			"(%.2f %%);\n%llu sources followed, at most %llu at once, %llu closed early "
			"by the cap of %llu\n", c.n_ev, c.n_ev == 1 ? "" : "s",
			vg_group_digits(c.scan_flows, a1, sizeof a1), vg_group_digits(c.flows, a2, sizeof a2),
			c.flows ? 100.0 * (double)c.scan_flows / (double)c.flows : 0.0,
			(unsigned long long)ss.n_sources, (unsigned long long)ss.n_peak,
			(unsigned long long)ss.n_evicted, (unsigned long long)ss.max_sources);
	}
	if (fflush(fp) != 0) {
		warnx_("write error");
		goto out;
	}
	ec = rc ? EXIT_INTERNAL : t.input_error ? EXIT_INPUT : EXIT_OK;
out:
	if (fp && fp != stdout)
		fclose(fp);
	for (i = 0; i < c.n_ev; i++) {
		free(c.ev[i].ports);
		free(c.ev[i].known);
	}
	free(c.ev);
	vg_pipeline_free(c.p);
	vg_store_close(store);
	vg_site_free(site);
	free_opts(&o);
	return ec;
}
