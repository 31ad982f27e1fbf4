/*
 * study_out.c - writes the seed study: the terminal summary, one JSON
 * document (schema in docs/report.md) and one CSV per table. Only
 * formatting lives here; the numbers come from vg_study_finish.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "analyze/analyze.h"
#include "report/emit.h"
#include "report/report.h"

static const char *const pg_names[VGI_PG__N] = {"tcp", "udp", "icmp", "other"};

static const char *proto_str(unsigned p, char *buf)
{
	const char *n = vg_proto_name(p);
	if (n)
		return n;
	snprintf(buf, 8, "%u", p);
	return buf;
}

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0.0;
}

static double ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

/* What "without" leaves out, in words: "port scans", "sweeps", "scans" */
static const char *without_text(int without)
{
	return without == VG_WITHOUT_SWEEPS ? "sweeps" : without == VG_WITHOUT_ALL ? "scans"
										   : "port scans";
}

/* "445/tcp", or "icmp 8/0" for the ICMP cells of the matrix */
static const char *port_str(unsigned proto, unsigned port, char *buf, size_t len)
{
	char pb[8];
	if (proto == 1 || proto == 58)
		snprintf(buf, len, "%s %u/%u", proto == 1 ? "icmp" : "icmp6", port >> 8,
			 port & 0xff);
	else
		snprintf(buf, len, "%u/%s", port, proto_str(proto, pb));
	return buf;
}

static void addr_str(const vg_addr *a, int fam, char out[46])
{
	vg_addr_format(a, fam == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4, out);
}

/* The classes of a port: JSON array or "a, b" text. */
static void port_classes(const vg_study *st, unsigned proto, unsigned port,
			 FILE *fp, int json)
{
	struct vgi_portinfo pi;
	int n = 0;
	vgi_portdb_lookup(st->ports, proto, port, &pi);
	if (json) {
		fputs("\"classes\":[", fp);
		if (pi.trojan)
			fprintf(fp, "%s\"trojan\"", n++ ? "," : "");
		if (pi.iana || pi.svc)
			fprintf(fp, "%s\"registered\"", n++ ? "," : "");
		if (!n)
			fputs("\"unlisted\"", fp);
		fprintf(fp, "],\"range\":\"%s\"", pi.range);
		if (pi.iana) {
			fputs(",\"iana\":", fp);
			vgi_json_str(fp, pi.iana, pi.iana_len, 0);
		}
		if (pi.svc) {
			fputs(",\"services\":", fp);
			vgi_json_str(fp, pi.svc, pi.svc_len, 0);
		}
		if (pi.trojan) {
			fputs(",\"trojan\":", fp);
			vgi_json_str(fp, pi.trojan, pi.trojan_len, 0);
		}
		return;
	}
	if (pi.trojan)
		fprintf(fp, "%strojan (%.*s)", n++ ? ", " : "", (int)pi.trojan_len, pi.trojan);
	if (pi.iana || pi.svc) {
		const char *nm = pi.iana ? pi.iana : pi.svc;
		size_t nl = pi.iana ? pi.iana_len : pi.svc_len;
		fprintf(fp, "%sregistered (%.*s)", n++ ? ", " : "", (int)nl, nm);
	}
	if (!n)
		fputs("unlisted", fp);
	fprintf(fp, "; %s", pi.range);
}

/* The scan with the most unsolicited connections, or NULL. */
static const struct vgi_scan *largest_scan(const vg_study *st)
{
	const struct vgi_scan *best = NULL;
	size_t i;
	for (i = 0; i < st->n_scans; i++)
		if (!best || st->scans[i].conns > best->conns)
			best = &st->scans[i];
	return best;
}

static int cmp_scan_conns(const void *a, const void *b)
{
	const struct vgi_scan *x = *(const struct vgi_scan *const *)a;
	const struct vgi_scan *y = *(const struct vgi_scan *const *)b;
	if (x->conns != y->conns)
		return x->conns > y->conns ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* ------------------------------------------------------------- text */

static void bucket_label(const struct vgi_bucket *b, char *buf, size_t len)
{
	if (!b->max_days)
		snprintf(buf, len, ">= %u days", b->min_days);
	else if (b->min_days == b->max_days)
		snprintf(buf, len, "%u day%s", b->min_days, b->min_days == 1 ? "" : "s");
	else
		snprintf(buf, len, "%u-%u days", b->min_days, b->max_days);
}

static void text_backscatter(const vg_study *st, FILE *fp)
{
	const struct vgi_results *r = &st->res;
	char a[32], b[32], c[32], d[11], ab[46], pb[32];
	size_t i;
	int aw;
	if (!r->bs_conns) {
		fprintf(fp, "\nbackscatter (answers to packets spoofed in our name): none\n");
		return;
	}
	fprintf(fp, "\nbackscatter (answers to packets spoofed in our name; not in the figures "
		"above): %s connections, %s packets from %s victim%s\n",
		vg_group_digits(r->bs_conns, a, sizeof a), vg_group_digits(r->bs_pkts, b, sizeof b),
		vg_group_digits(r->bs_victims, c, sizeof c), r->bs_victims == 1 ? "" : "s");
	fprintf(fp, "  %-10s %8s %10s %10s\n", "day", "victims", "conns", "packets");
	for (i = 0; i < r->n_days; i++) {
		const struct vgi_bsday *x = &r->bs_days[i];
		if (!x->conns)
			continue;
		vgi_day_format(x->day, d);
		fprintf(fp, "  %-10s %8u %10llu %10llu\n", d, x->victims,
			(unsigned long long)x->conns, (unsigned long long)x->pkts);
	}
	for (i = 0, aw = st->text_width ? 6 : 39; i < r->n_victims && st->text_width; i++) {
		addr_str(&r->victims[i].addr, r->victims[i].family, ab);
		aw = (int)strlen(ab) > aw ? (int)strlen(ab) : aw;
	}
	fprintf(fp, "  %-*s %10s %8s %4s %-10s %12s  %s\n", aw, "victim", "packets", "conns", "days",
		"first day", "rate", "top port (ports)");
	for (i = 0; i < r->n_victims; i++) {
		const struct vgi_victim *v = &r->victims[i];
		char rate[32];
		addr_str(&v->addr, v->family, ab);
		vgi_day_format(v->first_day, d);
		snprintf(rate, sizeof rate, "%.1f pkt/s", vgi_victim_rate(v));
		fprintf(fp, "  %-*s %10llu %8llu %4u %-10s %12s  %s (%u)\n", aw, ab,
			(unsigned long long)v->pkts, (unsigned long long)v->conns, v->days, d, rate,
			port_str(v->proto, v->port, pb, sizeof pb), v->n_ports);
	}
	if (r->bs_victims > r->n_victims)
		fprintf(fp, "  (%u victims in all)\n", r->bs_victims);
}

static void json_backscatter(vg_study *st, FILE *fp, struct vgi_rowbuf *b)
{
	const struct vgi_results *r = &st->res;
	fprintf(fp, ",\"backscatter\":{\"connections\":%llu,\"packets\":%llu,\"victims\":%u,"
		"\"days\":", (unsigned long long)r->bs_conns, (unsigned long long)r->bs_pkts,
		r->bs_victims);
	vgi_table_json(vgi_table_find("backscatter"), st, fp, NULL, b);
	fputs(",\"top_victims\":", fp);
	vgi_table_json(vgi_table_find("backscatter_victims"), st, fp, NULL, b);
	fputc('}', fp);
}

/* the period, the site, the classes, the overview and the scans' share */
static void text_head(vg_study *st, FILE *fp)
{
	const struct vgi_results *r = &st->res;
	const vg_site *site = st->site;
	char a[32], b[32], c[32], d1[32], d2[32], ab[46], pb[32], bs[32];
	size_t i, shown;

	vgi_day_format(r->first_day, d1);
	vgi_day_format(r->last_day, d2);
	fprintf(fp, "vigil report: %s .. %s (%zu day%s, day boundaries in %s)\n", d1, d2,
		r->n_days, r->n_days == 1 ? "" : "s", site->tz_name);
	fprintf(fp, "site: monitored");
	for (i = 0, shown = 0; i < site->n_mon && shown < 8; i++)
		if (site->mon_text[i]) {
			fprintf(fp, " %s", site->mon_text[i]);
			shown++;
		}
	fprintf(fp, "; %zu service entr%s; hot ports", site->n_svc, site->n_svc == 1 ? "y" : "ies");
	for (i = 0; i < site->n_hot; i++)
		fprintf(fp, " %s", port_str(site->hot[i].proto, site->hot[i].port, pb, sizeof pb));
	fputc('\n', fp);
	fprintf(fp, "input: %s flow records -> %s connections: %s unsolicited, %s service, "
		"%s outbound, %s internal, %s other, %s backscatter\n\n",
		vg_group_digits(r->records_read, a, sizeof a),
		vg_group_digits(r->n_class[0] + r->n_class[1] + r->n_class[2] + r->n_class[3] +
					 r->n_class[4] + r->n_class[5], b, sizeof b),
		vg_group_digits(r->n_class[0], c, sizeof c), vg_group_digits(r->n_class[1], pb, sizeof pb),
		vg_group_digits(r->n_class[2], ab, sizeof ab), vg_group_digits(r->n_class[3], d1, sizeof d1),
		vg_group_digits(r->n_class[4], d2, sizeof d2), vg_group_digits(r->n_class[5], bs, sizeof bs));
	vgi_day_format(r->first_day, d1);
	vgi_day_format(r->last_day, d2);
	fprintf(fp, "From %s to %s, %s unsolicited connection%s came from %s source%s "
		"(%.2f connections per source):\n", d1, d2, vg_group_digits(r->conns, a, sizeof a),
		r->conns == 1 ? "" : "s", vg_group_digits(r->sources, b, sizeof b),
		r->sources == 1 ? "" : "s", ratio(r->conns, r->sources));
	fprintf(fp, "  %s (%.2f %%) from %s sources (%.2f %%) that sent no ICMP: "
		"%.2f connections per source\n", vg_group_digits(r->noicmp_conns, a, sizeof a),
		pct(r->noicmp_conns, r->conns), vg_group_digits(r->noicmp_sources, b, sizeof b),
		pct(r->noicmp_sources, r->sources), ratio(r->noicmp_conns, r->noicmp_sources));
	fprintf(fp, "  %s (%.2f %%) from %s sources (%.2f %%) that sent ICMP: "
		"%.2f connections per source (ICMP included)\n\n",
		vg_group_digits(r->icmp_conns, a, sizeof a), pct(r->icmp_conns, r->conns),
		vg_group_digits(r->icmp_sources, b, sizeof b), pct(r->icmp_sources, r->sources),
		ratio(r->icmp_conns, r->icmp_sources));

	if (r->scans_known) {
		const struct vgi_scan *big = largest_scan(st);
		fprintf(fp, "Scans: %zu event%s made %s of these connections (%.2f %%)", st->n_scans,
			st->n_scans == 1 ? "" : "s", vg_group_digits(r->scan_conns, a, sizeof a),
			pct(r->scan_conns, r->conns));
		if (big) {
			addr_str(&big->scanner, big->family, ab);
			fprintf(fp, "; the largest single scan, #%u from %s, made %s (%.2f %% of all)",
				big->id, ab, vg_group_digits(big->conns, b, sizeof b), pct(big->conns, r->conns));
		}
		fputs(".\n", fp);
		for (i = 0; i < 3; i++) {
			static const char *const part[] = {"port scans", "sweeps", "the rest"};
			char ev[32];
			fprintf(fp, "  %-10s %s connections (%.2f %%) from %s sources", part[i],
				vg_group_digits(r->part_conns[i], a, sizeof a), pct(r->part_conns[i], r->conns),
				vg_group_digits(r->part_sources[i], b, sizeof b));
			if (i < 2)
				fprintf(fp, " in %s events", vg_group_digits(r->part_events[i], ev, sizeof ev));
			fputc('\n', fp);
		}
		fprintf(fp, "Without %s, %s connections came from %s sources (%.2f per source):\n",
			without_text(st->without), vg_group_digits(r->conns_ns, a, sizeof a),
			vg_group_digits(r->sources_ns, b, sizeof b), ratio(r->conns_ns, r->sources_ns));
		fprintf(fp, "  %s (%.2f %%) from %s sources that sent no ICMP: %.2f per source\n",
			vg_group_digits(r->noicmp_conns_ns, a, sizeof a), pct(r->noicmp_conns_ns, r->conns_ns),
			vg_group_digits(r->noicmp_sources_ns, b, sizeof b),
			ratio(r->noicmp_conns_ns, r->noicmp_sources_ns));
		fprintf(fp, "  %s (%.2f %%) from %s sources that sent ICMP: %.2f per source\n\n",
			vg_group_digits(r->icmp_conns_ns, a, sizeof a), pct(r->icmp_conns_ns, r->conns_ns),
			vg_group_digits(r->icmp_sources_ns, b, sizeof b),
			ratio(r->icmp_conns_ns, r->icmp_sources_ns));
	}
}

/* per day */
static void text_days(vg_study *st, FILE *fp, struct vgi_rowbuf *b)
{
	static const struct vgi_textcol cols[] = {
		{"day", "day", -10, NULL, 0},
		{"connections", "conns", 8, NULL, 0},
		{"sources", "sources", 8, NULL, 0},
		{"new_sources", "new", 6, NULL, 0},
		{"tcp_connections", "tcp", 6, NULL, 0},
		{"udp_connections", "udp", 6, NULL, 0},
		{"icmp_connections", "icmp", 6, NULL, 0},
		{"other_connections", "other", 6, NULL, 0},
		{"scan_connections", "scan", 6, NULL, 0},
		{"new_sources_no_scans", "new-ns", 7, NULL, 0},
		{"packets", "packets", 9, NULL, 0},
		{"bytes", "bytes", 10, NULL, 1},
	};
	static const struct vgi_textview view = {"daily", cols, sizeof cols / sizeof cols[0], "-"};
	vgi_table_text(&view, st, fp, SIZE_MAX, b);
	if (st->res.scans_known)
		fprintf(fp, "(new: sources seen for the first time that day; new-ns: the same, leaving "
			"out the connections of %s; scan: connections of scan events)\n",
			without_text(st->without));
	else
		fprintf(fp, "(new: sources seen for the first time that day)\n");
}

/* the monitored hosts and the ports */
static void text_hosts_ports(vg_study *st, FILE *fp, struct vgi_rowbuf *b)
{
	static const struct vgi_textcol hosts_cols[] = {
		{"addr", "monitored host", -40, NULL, 0},
		{"connections", "conns", 10, NULL, 0},
		{"sources", "sources", 8, NULL, 0},
	};
	static const struct vgi_textview hosts_view = {"hosts", hosts_cols, 3, NULL};
	const struct vgi_results *r = &st->res;
	const vg_site *site = st->site;
	char pb[32];
	size_t i;
	unsigned top = site->top;

	fputc('\n', fp);
	vgi_table_text(&hosts_view, st, fp, top, b);
	if (r->n_hosts > top)
		fprintf(fp, "(%zu more hosts in the CSV/JSON output)\n", r->n_hosts - top);

	fprintf(fp, "\n%-14s %10s %8s %10s  %s\n", "port", "conns", "sources", "bytes", "classes");
	for (i = 0; i < r->n_ports && i < top; i++) {
		char hb[32];
		fprintf(fp, "%-14s %10llu %8u %10s  ",
			port_str(r->ports[i].proto, r->ports[i].port, pb, sizeof pb),
			(unsigned long long)r->ports[i].conns, r->ports[i].sources,
			vg_human_bytes((double)r->ports[i].bytes, hb, sizeof hb));
		port_classes(st, r->ports[i].proto, r->ports[i].port, fp, 0);
		fputc('\n', fp);
	}
	if (r->n_ports > top)
		fprintf(fp, "(%zu ports in all)\n", r->n_ports);

}

/* the hot ports per day */
static void text_hot(vg_study *st, FILE *fp)
{
	const struct vgi_results *r = &st->res;
	const vg_site *site = st->site;
	char d1[32], pb[32];
	size_t i, j;

	for (j = 0; j < site->n_hot; j++) {
		fprintf(fp, "\nhot port %s: per day, and as a share of the day's unsolicited traffic\n",
			port_str(site->hot[j].proto, site->hot[j].port, pb, sizeof pb));
		fprintf(fp, "%-12s %10s %8s %8s %8s %11s %11s\n", "day", "conns", "%conns",
			"sources", "%sources", "ICMP srcs", "no-ICMP");
		for (i = 0; i < r->n_days; i++) {
			const struct vgi_hotday *h = &r->hot[j][i];
			vgi_day_format(h->day, d1);
			fprintf(fp, "%-12s %10llu %7.2f%% %8u %7.2f%% %11u %11u\n", d1,
				(unsigned long long)h->conns, pct(h->conns, r->days[i].conns),
				h->sources, pct(h->sources, r->days[i].sources), h->icmp_sources,
				h->sources - h->icmp_sources);
		}
	}

}

/* connections per source */
static void text_hist(vg_study *st, FILE *fp)
{
	const struct vgi_results *r = &st->res;
	size_t i;

	fprintf(fp, "\n%-22s %8s %10s\n", "connections/source", "sources", "conns");
	for (i = 0; i < r->n_hist; i++) {
		char lab[48];
		if (!r->hist[i].sources)
			continue;
		if (r->hist[i].min == r->hist[i].max)
			snprintf(lab, sizeof lab, "%llu", (unsigned long long)r->hist[i].min);
		else
			snprintf(lab, sizeof lab, "%llu-%llu", (unsigned long long)r->hist[i].min,
				 (unsigned long long)r->hist[i].max);
		fprintf(fp, "%-22s %8u %10llu\n", lab, r->hist[i].sources,
			(unsigned long long)r->hist[i].conns);
	}

}

/* the activity buckets (all, or without the scans) */
static void text_buckets(FILE *fp, const struct vgi_bucket *bkt, size_t n)
{
	char pb[32];
	size_t i, j;

	for (i = 0; i < n; i++) {
		const struct vgi_bucket *bk = &bkt[i];
		char lab[32];
		bucket_label(bk, lab, sizeof lab);
		fprintf(fp, "  %-12s %8u sources %10llu conns  top:", lab, bk->sources,
			(unsigned long long)bk->conns);
		for (j = 0; j < bk->n_top && j < 5; j++)
			fprintf(fp, " %s %llu",
				port_str(bk->top[j].proto, bk->top[j].port, pb, sizeof pb),
				(unsigned long long)bk->top[j].conns);
		fputc('\n', fp);
	}
}

/* ICMP by type and code */
static void text_icmp(vg_study *st, FILE *fp)
{
	const struct vgi_results *r = &st->res;
	const vg_site *site = st->site;
	size_t i;
	unsigned top = site->top;

	if (r->n_icmp) {
		fprintf(fp, "\n%-34s %10s %8s\n", "ICMP type/code", "conns", "sources");
		for (i = 0; i < r->n_icmp && i < top; i++) {
			char lab[64];
			snprintf(lab, sizeof lab, "%s %u/%u %s", r->icmp[i].family == 6 ? "icmp6" : "icmp",
				 r->icmp[i].type, r->icmp[i].code,
				 vgi_icmp_name(r->icmp[i].family, r->icmp[i].type));
			fprintf(fp, "%-34s %10llu %8u\n", lab, (unsigned long long)r->icmp[i].conns,
				r->icmp[i].sources);
		}
	}

}

/* the scan events with the most connections */
static void text_scan_list(vg_study *st, FILE *fp)
{
	const vg_site *site = st->site;
	char d1[32], ab[46];
	size_t i;
	unsigned top = site->top;
	int aw;

	if (st->n_scans) {
		const struct vgi_scan **order = malloc(st->n_scans * sizeof *order);
		if (order) {
			char pr[VG_SCAN_NAMES_MAX], de[VG_SCAN_NAMES_MAX], ports[64];
			for (i = 0; i < st->n_scans; i++)
				order[i] = &st->scans[i];
			qsort(order, st->n_scans, sizeof *order, cmp_scan_conns);
			for (i = 0, aw = st->text_width ? 7 : 39; i < st->n_scans && i < top &&
								   st->text_width; i++) {
				addr_str(&order[i]->scanner, order[i]->family, ab);
				aw = (int)strlen(ab) > aw ? (int)strlen(ab) : aw;
			}
			fprintf(fp, "\n%5s %-*s %-10s %-9s %-9s %-11s %7s %6s %8s  %s\n", "scan", aw,
				"scanner", "type", "kind", "protos", "first day", "targets", "ports",
				"conns", "ports");
			for (i = 0; i < st->n_scans && i < top; i++) {
				vg_scan_event ev, *e = &ev;
				vgi_scan_event(st, order[i], &ev);
				addr_str(&e->scanner, e->family, ab);
				vgi_day_format(vgi_study_day(site, e->first_us), d1);
				snprintf(ports, sizeof ports, "%s", vgi_scan_ports(order[i]));
				if (strlen(ports) > 60)
					strcpy(ports + 57, "...");
				fprintf(fp, "%5u %-*s %-10s %-9s %-9s %-11s %7u %6u %8llu  %s%s%s\n", e->id, aw, ab,
					vg_scan_type(e), vg_scan_kind_name(e->kind),
					vg_scan_protos_str(e->protos, pr), d1, e->targets,
					e->n_ports, (unsigned long long)order[i]->conns, ports,
					e->known ? "  known: " : "", e->known ? e->known : "");
				(void)de;
			}
			if (st->n_scans > top)
				fprintf(fp, "(%zu scan events in all; vigil scans lists them)\n", st->n_scans);
			free(order);
		}
	}

}

/* the alerts of the detectors */
static void text_alerts(vg_study *st, FILE *fp)
{
	size_t i;

	if (st->alerts) {
		size_t n = vg_alerts_count(st->alerts), k = 0;
		uint64_t n_scan = vg_alerts_scan_count(st->alerts);
		for (i = 0; i < n; i++) {
			const vg_alert *al = vg_alerts_get(st->alerts, i);
			char t[32], where[64];
			if (al->detector == VG_DET_SCAN)
				continue;
			if (!k++)
				fprintf(fp, "\n%-5s %-16s %-8s %-6s %-15s %s\n", "alert", "time (UTC)",
					"detector", "level", "port/source", "summary");
			vgi_iso_time(al->time_us, t);
			t[16] = '\0';
			t[10] = ' ';
			if (al->port >= 0)
				port_str(al->proto, (unsigned)al->port, where, sizeof where);
			else
				addr_str(&al->source, al->family, where);
			fprintf(fp, "%-5u %-16s %-8s %-6s %-15s %s\n", al->id, t,
				vg_detector_name(al->detector), vg_severity_name(al->severity), where,
				al->summary);
		}
		if (!k)
			fprintf(fp, "\nno alerts from the detectors");
		fprintf(fp, k ? "(and %llu scan events as alerts; vigil alerts lists them all)\n"
			      : " (and %llu scan events as alerts)\n", (unsigned long long)n_scan);
	}

}

/* the top sources, and the limits hit */
static void text_top(vg_study *st, FILE *fp, struct vgi_rowbuf *b)
{
	static const struct vgi_textcol cols[] = {
		{"addr", "top source", -40, NULL, 0},
		{"connections", "conns", 8, NULL, 0},
		{"bytes", "bytes", 9, NULL, 1},
		{"ports", "ports", 6, NULL, 0},
		{"hosts", "hosts", 5, NULL, 0},
		{"days", "days", 4, NULL, 0},
		{"first_day", "first", -10, NULL, 0},
		{"last_day", "last", -10, NULL, 0},
		{"icmp", "ICMP", 4, NULL, 0},
		{"top_ports", "top ports", 0, "  ", 0},
	};
	static const struct vgi_textview view = {"top_sources", cols, sizeof cols / sizeof cols[0],
						 NULL};
	fputc('\n', fp);
	vgi_table_text(&view, st, fp, SIZE_MAX, b);
	if (st->srcs.n_refused || st->hosts.n_refused || st->matrix.n_dropped ||
	    st->srcday.n_dropped || st->dropped_bs)
		fprintf(fp, "\nlimits hit: %llu connections without a source slot, %llu without "
			"a host slot, %llu matrix cells dropped, %llu backscatter rows dropped; counts "
			"are lower bounds\n",
			(unsigned long long)st->srcs.n_refused, (unsigned long long)st->hosts.n_refused,
			(unsigned long long)st->matrix.n_dropped, (unsigned long long)st->dropped_bs);
}

static void write_text(vg_study *st, FILE *fp, struct vgi_rowbuf *b)
{
	const struct vgi_results *r = &st->res;

	if (!r->n_days) {
		fprintf(fp, "vigil report: no flows in the input\n");
		return;
	}
	text_head(st, fp);
	text_days(st, fp, b);
	text_hosts_ports(st, fp, b);
	text_hot(st, fp);
	text_hist(st, fp);
	fprintf(fp, "\nactivity (days with unsolicited connections)\n");
	text_buckets(fp, r->buckets, r->n_buckets);
	text_icmp(st, fp);
	text_backscatter(st, fp);
	if (r->scans_known) {
		fprintf(fp, "\nactivity without %s\n", without_text(st->without));
		text_buckets(fp, r->buckets_ns, r->n_buckets);
	}
	text_scan_list(st, fp);
	text_alerts(st, fp);
	text_top(st, fp, b);
}

/* A port in JSON, one way everywhere: {"proto","port",...}, with
 * "port":null and "icmp_type", "icmp_code" for ICMP (port = type << 8 |
 * code); then "connections". */
static void json_port_conns(FILE *fp, int first, unsigned pr, unsigned po, uint64_t conns)
{
	char pb[8];
	if (pr == 1 || pr == 58)
		fprintf(fp, "%s{\"proto\":\"%s\",\"port\":null,\"icmp_type\":%u,"
			"\"icmp_code\":%u,\"connections\":%llu}", first ? "" : ",",
			proto_str(pr, pb), po >> 8, po & 0xff, (unsigned long long)conns);
	else
		fprintf(fp, "%s{\"proto\":\"%s\",\"port\":%u,\"connections\":%llu}",
			first ? "" : ",", proto_str(pr, pb), po, (unsigned long long)conns);
}

static void json_buckets(FILE *fp, const struct vgi_bucket *bk, size_t n)
{
	size_t i, j;
	fputc('[', fp);
	for (i = 0; i < n; i++) {
		const struct vgi_bucket *b = &bk[i];
		fprintf(fp, "%s{\"min_days\":%u,\"max_days\":", i ? "," : "", b->min_days);
		if (b->max_days)
			fprintf(fp, "%u", b->max_days);
		else
			fputs("null", fp);
		fprintf(fp, ",\"sources\":%u,\"connections\":%llu,\"top_ports\":[", b->sources,
			(unsigned long long)b->conns);
		for (j = 0; j < b->n_top; j++)
			json_port_conns(fp, j == 0, b->top[j].proto, b->top[j].port, b->top[j].conns);
		fputs("]}", fp);
	}
	fputc(']', fp);
}

/* ------------------------------------------------------------- JSON */

/* "period", "flows", "overview" and the scans' summary (the opening brace too) */
static void json_head(vg_study *st, FILE *fp)
{
	const struct vgi_results *r = &st->res;
	const vg_site *site = st->site;
	char d[11], ab[46];
	size_t i;

	uint64_t merged = 0;

	for (i = 0; i < VG_CLASS__COUNT; i++)
		merged += r->n_class[i];
	fputs("{\"period\":{", fp);
	if (r->n_days) {
		vgi_day_format(r->first_day, d);
		fprintf(fp, "\"first_day\":\"%s\",", d);
		vgi_day_format(r->last_day, d);
		fprintf(fp, "\"last_day\":\"%s\",\"days\":%zu,\"tz\":", d, r->n_days);
	} else {
		fputs("\"first_day\":null,\"last_day\":null,\"days\":0,\"tz\":", fp);
	}
	vgi_json_str(fp, site->tz_name, strlen(site->tz_name), 0);
	fprintf(fp, "},\"flows\":{\"read\":%llu,\"merged\":%llu", (unsigned long long)r->records_read,
		(unsigned long long)merged);
	for (i = 0; i < VG_CLASS__COUNT; i++)
		fprintf(fp, ",\"%s\":%llu", vg_class_name((int)i), (unsigned long long)r->n_class[i]);
	fprintf(fp, "},\"overview\":{\"connections\":%llu,\"sources\":%u,\"conn_per_source\":%.4f,"
		"\"icmp\":{\"sources\":%u,\"connections\":%llu,\"conn_per_source\":%.4f,"
		"\"share_sources_pct\":%.4f,\"share_connections_pct\":%.4f},"
		"\"no_icmp\":{\"sources\":%u,\"connections\":%llu,\"conn_per_source\":%.4f,"
		"\"share_sources_pct\":%.4f,\"share_connections_pct\":%.4f}}",
		(unsigned long long)r->conns, r->sources, ratio(r->conns, r->sources),
		r->icmp_sources, (unsigned long long)r->icmp_conns,
		ratio(r->icmp_conns, r->icmp_sources), pct(r->icmp_sources, r->sources),
		pct(r->icmp_conns, r->conns), r->noicmp_sources,
		(unsigned long long)r->noicmp_conns, ratio(r->noicmp_conns, r->noicmp_sources),
		pct(r->noicmp_sources, r->sources), pct(r->noicmp_conns, r->conns));
	if (r->scans_known) {
		const struct vgi_scan *big = largest_scan(st);
		fprintf(fp, ",\"scans_summary\":{\"events\":%zu,\"scan_connections\":%llu,"
			"\"share_pct\":%.4f,\"largest_scan\":", st->n_scans,
			(unsigned long long)r->scan_conns, pct(r->scan_conns, r->conns));
		if (big) {
			addr_str(&big->scanner, big->family, ab);
			fprintf(fp, "{\"id\":%u,\"scanner\":\"%s\",\"connections\":%llu,"
				"\"share_pct\":%.4f}}", big->id, ab, (unsigned long long)big->conns,
				pct(big->conns, r->conns));
		} else {
			fputs("null}", fp);
		}
		fputs(",\"scan_parts\":{", fp);
		for (i = 0; i < 3; i++) {
			static const char *const part[] = {"port_scans", "sweeps", "rest"};
			fprintf(fp, "%s\"%s\":{", i ? "," : "", part[i]);
			if (i < 2)
				fprintf(fp, "\"events\":%u,", r->part_events[i]);
			fprintf(fp, "\"connections\":%llu,\"sources\":%u,\"share_pct\":%.4f}",
				(unsigned long long)r->part_conns[i], r->part_sources[i],
				pct(r->part_conns[i], r->conns));
		}
		fprintf(fp, "},\"overview_no_scans\":{\"without\":\"%s\",\"connections\":%llu,"
			"\"sources\":%u,"
			"\"conn_per_source\":%.4f,\"icmp\":{\"sources\":%u,\"connections\":%llu},"
			"\"no_icmp\":{\"sources\":%u,\"connections\":%llu}}",
			vg_without_name(st->without), (unsigned long long)r->conns_ns, r->sources_ns, ratio(r->conns_ns, r->sources_ns),
			r->icmp_sources_ns, (unsigned long long)r->icmp_conns_ns, r->noicmp_sources_ns,
			(unsigned long long)r->noicmp_conns_ns);
	}

}

/* "daily" */
static void json_daily(vg_study *st, FILE *fp, struct vgi_rowbuf *b)
{
	static const char *const base[] = {"day", "connections", "sources", "new_sources",
					   "packets", "bytes"};
	static const char *const ns[] = {"scan_connections", "connections_no_scans",
					 "sources_no_scans", "new_sources_no_scans"};
	const struct vgi_table *t = vgi_table_find("daily");
	const struct vgi_results *r = &st->res;
	vg_value v[VGI_MAX_COLS];
	uint64_t cur = 0;
	size_t i, j;

	fputs(",\"daily\":[", fp);
	for (i = 0; t->row(st, &cur, v, b) == 1; i++) {
		const struct vgi_day *dy = &r->days[i];
		fputs(i ? ",{" : "{", fp);
		vgi_row_json(fp, t, v, base, 6);
		fputc(',', fp);
		if (r->scans_known) {
			vgi_row_json(fp, t, v, ns, 4);
			fputs(",\"new_sources_top_ports_no_scans\":[", fp);
			for (j = 0; j < dy->n_new_top; j++)
				json_port_conns(fp, j == 0, dy->new_top[j].proto, dy->new_top[j].port,
						dy->new_top[j].conns);
			fputs("],", fp);
		}
		/* "protocols":{"tcp":{"connections":..,"sources":..},...}: the
		 * table's tcp_connections, tcp_sources, ... (columns 4..11) */
		fputs("\"protocols\":{", fp);
		for (j = 0; j < VGI_PG__N; j++)
			fprintf(fp, "%s\"%s\":{\"connections\":%llu,\"sources\":%llu}", j ? "," : "",
				pg_names[j], (unsigned long long)v[4 + 2 * j].u,
				(unsigned long long)v[5 + 2 * j].u);
		fputs("}}", fp);
	}
	fputc(']', fp);
}

/* "hosts", each with its days */
static void json_hosts(vg_study *st, FILE *fp, struct vgi_rowbuf *b)
{
	static const char *const base[] = {"addr", "connections", "sources"};
	static const char *const day[] = {"day", "connections", "sources", "tcp", "udp", "icmp",
					  "other"};
	const struct vgi_table *t = vgi_table_find("hosts"), *td = vgi_table_find("hosts_daily");
	const struct vgi_results *r = &st->res;
	vg_value v[VGI_MAX_COLS], w[VGI_MAX_COLS];
	uint64_t cur = 0;
	size_t i, j, *start = NULL, *order = NULL;

	/* the rows of hosts_daily (by day, then host) of each host, in day
	 * order: a counting sort by host, not a pass over all per host */
	if (r->n_hostdays && (!(start = calloc(r->n_hosts + 2, sizeof *start)) ||
			      !(order = malloc(r->n_hostdays * sizeof *order)))) {
		free(start);
		start = NULL;
	}
	if (start) {
		for (j = 0; j < r->n_hostdays; j++)
			if (r->hostdays[j].host < r->n_hosts)
				start[r->hostdays[j].host + 2]++;
		for (i = 2; i < r->n_hosts + 2; i++)
			start[i] += start[i - 1];
		for (j = 0; j < r->n_hostdays; j++)
			if (r->hostdays[j].host < r->n_hosts)
				order[start[r->hostdays[j].host + 1]++] = j;
	}
	fputs(",\"hosts\":[", fp);
	for (i = 0; i < r->n_hosts && t->row(st, &cur, v, b) == 1; i++) {
		int first = 1;
		fputs(i ? ",{" : "{", fp);
		vgi_row_json(fp, t, v, base, 3);
		fputs(",\"daily\":[", fp);
		for (j = start ? start[i] : 0; j < (start ? start[i + 1] : r->n_hostdays); j++) {
			uint64_t dcur = start ? order[j] : j;
			if (!start && r->hostdays[j].host != i)
				continue;
			if (td->row(st, &dcur, w, b) != 1)
				break;
			fputs(first ? "{" : ",{", fp);
			vgi_row_json(fp, td, w, day, 7);
			fputc('}', fp);
			first = 0;
		}
		fputs("]}", fp);
	}
	fputc(']', fp);
	free(start);
	free(order);
}

/* "ports", the first max_ports */
static void json_ports(vg_study *st, FILE *fp, size_t max_ports, struct vgi_rowbuf *b)
{
	static const char *const base[] = {"proto", "port", "connections", "sources", "packets",
					   "bytes"};
	const struct vgi_table *t = vgi_table_find("ports");
	const struct vgi_results *r = &st->res;
	vg_value v[VGI_MAX_COLS];
	uint64_t cur = 0;
	size_t i;

	fputs(",\"ports\":[", fp);
	for (i = 0; i < max_ports && t->row(st, &cur, v, b) == 1; i++) {
		fputs(i ? ",{" : "{", fp);
		vgi_row_json(fp, t, v, base, 6);
		fputc(',', fp);
		port_classes(st, r->ports[i].proto, r->ports[i].port, fp, 1);
		fputc('}', fp);
	}
	fputc(']', fp);
}

/* "hot_ports", each per day */
static void json_hot(vg_study *st, FILE *fp)
{
	const struct vgi_results *r = &st->res;
	const vg_site *site = st->site;
	char d[11], pb[8];
	size_t i, j;

	fputs(",\"hot_ports\":[", fp);
	for (j = 0; j < site->n_hot; j++) {
		fprintf(fp, "%s{\"proto\":\"%s\",\"port\":%u,\"daily\":[", j ? "," : "",
			proto_str(site->hot[j].proto, pb), site->hot[j].port);
		for (i = 0; i < r->n_days; i++) {
			const struct vgi_hotday *h = &r->hot[j][i];
			vgi_day_format(h->day, d);
			fprintf(fp, "%s{\"day\":\"%s\",\"connections\":%llu,\"sources\":%u,"
				"\"icmp_sources\":%u,\"no_icmp_sources\":%u,"
				"\"connections_icmp_sources\":%llu,\"connections_no_icmp_sources\":%llu,"
				"\"share_connections_pct\":%.4f,\"share_sources_pct\":%.4f",
				i ? "," : "", d, (unsigned long long)h->conns, h->sources,
				h->icmp_sources, h->sources - h->icmp_sources,
				(unsigned long long)h->conns_icmp_src,
				(unsigned long long)(h->conns - h->conns_icmp_src),
				pct(h->conns, r->days[i].conns), pct(h->sources, r->days[i].sources));
			if (r->scans_known)
				fprintf(fp, ",\"connections_no_scans\":%llu,\"sources_no_scans\":%u,"
					"\"icmp_sources_no_scans\":%u,\"share_connections_no_scans_pct\":%.4f",
					(unsigned long long)h->conns_ns, h->sources_ns, h->icmp_sources_ns,
					pct(h->conns_ns, r->days[i].conns_ns));
			fputc('}', fp);
		}
		fputs("]}", fp);
	}
	fputc(']', fp);
}

/* "top_sources", each with its top ports */
static void json_top(vg_study *st, FILE *fp, struct vgi_rowbuf *b)
{
	static const char *const base[] = {"addr", "connections", "packets", "bytes", "ports",
					   "hosts", "days", "first_day", "last_day", "icmp"};
	const struct vgi_table *t = vgi_table_find("top_sources");
	const struct vgi_results *r = &st->res;
	vg_value v[VGI_MAX_COLS];
	uint64_t cur = 0;
	size_t i, j;

	fputs(",\"top_sources\":[", fp);
	for (i = 0; t->row(st, &cur, v, b) == 1; i++) {
		const struct vgi_topsrc *ts = &r->top[i];
		fputs(i ? ",{" : "{", fp);
		vgi_row_json(fp, t, v, base, 10);
		fputs(",\"top_ports\":[", fp);
		for (j = 0; j < ts->n_top; j++)
			json_port_conns(fp, j == 0, ts->top[j].proto, ts->top[j].port, ts->top[j].conns);
		fputs("]}", fp);
	}
	fputc(']', fp);
}

/* "alerts" and their summary by detector */
static void json_alerts(vg_study *st, FILE *fp)
{
	size_t i, j;

	if (st->alerts) {
		size_t n = vg_alerts_count(st->alerts), k = 0;
		uint64_t by[VG_DET__COUNT] = {0};
		fputs(",\"alerts\":[", fp);
		by[VG_DET_SCAN] = vg_alerts_scan_count(st->alerts);
		for (i = 0; i < n; i++) {
			const vg_alert *al = vg_alerts_get(st->alerts, i);
			if (al->detector == VG_DET_SCAN)
				continue;
			by[al->detector]++;
			fputs(k++ ? "," : "", fp);
			vgi_alert_json(al, fp);
		}
		fputs("],\"alerts_summary\":{", fp);
		for (j = 0; j < VG_DET__COUNT; j++)
			fprintf(fp, "%s\"%s\":%llu", j ? "," : "", vg_detector_name((int)j),
				(unsigned long long)by[j]);
		fputc('}', fp);
	}
}

/* "matrix", "limits" and "freshness" */
static void json_tail(vg_study *st, FILE *fp)
{

	fprintf(fp, ",\"matrix\":{\"cells\":%zu,\"scan_cells\":%zu},\"limits\":{\"sources_dropped\":%llu,"
		"\"hosts_dropped\":%llu,\"matrix_cells_dropped\":%llu,\"source_days_dropped\":%llu,"
		"\"backscatter_rows_dropped\":%llu}",
		st->matrix.n, st->matrix_scan.n, (unsigned long long)st->srcs.n_refused,
		(unsigned long long)st->hosts.n_refused, (unsigned long long)st->matrix.n_dropped,
		(unsigned long long)st->srcday.n_dropped, (unsigned long long)st->dropped_bs);
	if (st->partial)
		fputs(",\"partial\":true", fp);
	if (st->fresh_set) {
		fputs(",\"freshness\":", fp);
		vgi_json_freshness(fp, st->fresh_newest_us, st->fresh_now_us, st->fresh_max_age_s);
	}
}

/* The JSON report; the HTML page's copy may cut the ports to the first
 * max_ports and the scan events to those kept. */
static void write_json(vg_study *st, FILE *fp, size_t max_ports, const uint8_t *keep_scans,
		       struct vgi_rowbuf *b)
{
	const struct vgi_results *r = &st->res;

	json_head(st, fp);
	json_daily(st, fp, b);
	json_hosts(st, fp, b);
	json_ports(st, fp, max_ports, b);
	json_hot(st, fp);
	fputs(",\"duration\":", fp);
	json_buckets(fp, r->buckets, r->n_buckets);
	if (r->scans_known) {
		fputs(",\"duration_no_scans\":", fp);
		json_buckets(fp, r->buckets_ns, r->n_buckets);
	}
	fputs(",\"conn_per_source_histogram\":", fp);
	vgi_table_json(vgi_table_find("conn_per_source"), st, fp, NULL, b);
	fputs(",\"icmp\":", fp);
	vgi_table_json(vgi_table_find("icmp"), st, fp, NULL, b);
	json_backscatter(st, fp, b);
	json_top(st, fp, b);
	if (r->scans_known) {
		fputs(",\"scans\":", fp);
		vgi_table_json(vgi_table_find("scans"), st, fp, keep_scans, b);
	}
	json_alerts(st, fp);
	json_tail(st, fp);
	fputs("}\n", fp);
}

int vg_study_write(vg_study *st, FILE *fp, int outfmt)
{
	int rc;
	if ((rc = vg_study_finish(st)) != VG_OK)
		return rc;
	if (outfmt == VG_OUT_JSON) {
		struct vgi_rowbuf *b = malloc(sizeof *b);
		if (!b)
			return vgi_study_fail(st, VG_ENOMEM, "out of memory writing the report");
		write_json(st, fp, SIZE_MAX, NULL, b);
		free(b);
	} else {
		struct vgi_rowbuf *b = malloc(sizeof *b);
		if (!b)
			return vgi_study_fail(st, VG_ENOMEM, "out of memory writing the report");
		char *text = NULL;
		size_t len = 0;
		FILE *mem = st->text_width ? open_memstream(&text, &len) : NULL;
		if (st->text_width && !mem) {
			free(b);
			return vgi_study_fail(st, VG_ENOMEM, "out of memory writing the report");
		}
		write_text(st, mem ? mem : fp, b);
		free(b);
		if (mem) {
			int bad = fclose(mem) != 0;
			if (!bad)
				vg_text_fit(fp, text, len, st->text_width);
			free(text);
			if (bad)
				return vgi_study_fail(st, VG_ENOMEM, "out of memory writing the report");
		}
	}
	return ferror(fp) ? vgi_study_fail(st, VG_EIO, "write error: %s", strerror(errno)) : VG_OK;
}

/* ------------------------------------------------------------- HTML page data */

static int cmp_scan_keep(const void *a, const void *b, void *ctx)
{
	const vg_study *st = ctx;
	const struct vgi_scan *x = &st->scans[*(const uint32_t *)a];
	const struct vgi_scan *y = &st->scans[*(const uint32_t *)b];
	if (x->conns != y->conns)
		return x->conns > y->conns ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int vgi_study_write_page_json(vg_study *st, FILE *fp, size_t max_ports, size_t max_scans,
			      size_t *ports_shown, size_t *scans_shown)
{
	uint8_t *keep = NULL;
	int rc;

	if ((rc = vg_study_finish(st)) != VG_OK)
		return rc;
	*ports_shown = st->res.n_ports < max_ports ? st->res.n_ports : max_ports;
	*scans_shown = st->res.scans_known ? st->n_scans : 0;
	if (st->res.scans_known && st->n_scans > max_scans) {
		uint32_t *idx = malloc(st->n_scans * sizeof *idx);
		size_t i;
		if (!idx || !(keep = calloc(st->n_scans, 1))) {
			free(idx);
			return VG_ENOMEM;
		}
		for (i = 0; i < st->n_scans; i++)
			idx[i] = (uint32_t)i;
		qsort_r(idx, st->n_scans, sizeof *idx, cmp_scan_keep, st);
		for (i = 0; i < max_scans; i++)
			keep[idx[i]] = 1;
		free(idx);
		*scans_shown = max_scans;
	}
	{
		struct vgi_rowbuf *b = malloc(sizeof *b);
		if (!b) {
			free(keep);
			return VG_ENOMEM;
		}
		write_json(st, fp, max_ports, keep, b);
		free(b);
	}
	free(keep);
	return ferror(fp) ? VG_EIO : VG_OK;
}

static int cmp_port_sources(const void *a, const void *b)
{
	const struct vgi_port *x = a, *y = b;
	if (x->sources != y->sources)
		return x->sources > y->sources ? -1 : 1;
	if (x->conns != y->conns)
		return x->conns > y->conns ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return x->port < y->port ? -1 : x->port > y->port;
}

int vgi_study_write_port_summary(const vg_study *st, FILE *fp, size_t n_by_sources)
{
	const struct vgi_results *r = &st->res;
	/* the classes a port can have: unlisted, registered (a name in the IANA
	 * registry or a services file), trojan, trojan + registered */
	static const char *const names[4] = {"unlisted", "registered", "trojan",
					     "trojan + registered"};
	uint64_t conns[4] = {0}, ports[4] = {0};
	struct vgi_port *by = NULL;
	size_t i, n;
	char pb[8];

	for (i = 0; i < r->n_ports; i++) {
		struct vgi_portinfo pi;
		int k;
		vgi_portdb_lookup(st->ports, r->ports[i].proto, r->ports[i].port, &pi);
		k = (pi.trojan ? 2 : 0) | (pi.iana || pi.svc ? 1 : 0);
		conns[k] += r->ports[i].conns;
		ports[k]++;
	}
	fputs("\"port_classes\":[", fp);
	for (i = 0, n = 0; i < 4; i++)
		if (ports[i])
			fprintf(fp, "%s{\"classes\":\"%s\",\"ports\":%llu,\"connections\":%llu}",
				n++ ? "," : "", names[i], (unsigned long long)ports[i],
				(unsigned long long)conns[i]);
	fputs("],\"ports_by_sources\":[", fp);
	if (r->n_ports) {
		if (!(by = malloc(r->n_ports * sizeof *by)))
			return VG_ENOMEM;
		memcpy(by, r->ports, r->n_ports * sizeof *by);
		qsort(by, r->n_ports, sizeof *by, cmp_port_sources);
	}
	for (i = 0; i < r->n_ports && i < n_by_sources; i++)
		fprintf(fp, "%s{\"proto\":\"%s\",\"port\":%u,\"sources\":%u,\"connections\":%llu}",
			i ? "," : "", proto_str(by[i].proto, pb), by[i].port, by[i].sources,
			(unsigned long long)by[i].conns);
	fputc(']', fp);
	free(by);
	return VG_OK;
}

/* ------------------------------------------------------------- CSV */

int vg_study_write_csv(vg_study *st, const char *dir, char *err, size_t errlen)
{
	struct vgi_rowbuf *b;
	size_t t;
	int rc;

	if ((rc = vg_study_finish(st)) != VG_OK) {
		snprintf(err, errlen, "%s", st->errmsg);
		return rc;
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: cannot create: %s", dir, strerror(errno));
		return VG_EIO;
	}
	if (!(b = malloc(sizeof *b))) {
		snprintf(err, errlen, "out of memory");
		return VG_ENOMEM;
	}
	for (t = 0; t < vgi_n_report_tables && rc == VG_OK; t++) {
		const struct vgi_table *tb = &vgi_report_tables[t];
		char path[4096];
		FILE *fp;
		if (tb->present && !tb->present(st))
			continue;
		snprintf(path, sizeof path, "%s/%s.csv", dir, tb->name);
		if (!(fp = fopen(path, "w"))) {
			snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
			rc = VG_EIO;
			break;
		}
		vgi_table_csv(tb, st, fp, b);
		if (fclose(fp) != 0) {
			snprintf(err, errlen, "%s: write error: %s", path, strerror(errno));
			rc = VG_EIO;
		}
	}
	free(b);
	if (rc == VG_OK && st->alerts) {
		/* the alerts the report shows, as vigil alerts -o csv writes them */
		char path[4096];
		FILE *fp;
		snprintf(path, sizeof path, "%s/alerts.csv", dir);
		if (!(fp = fopen(path, "w"))) {
			snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
			return VG_EIO;
		}
		vgi_alerts_csv(st->alerts, fp, INT64_MIN, st->time_fmt);
		if (fclose(fp) != 0) {
			snprintf(err, errlen, "%s: write error: %s", path, strerror(errno));
			rc = VG_EIO;
		}
	}
	return rc;
}

void vg_study_set_partial(vg_study *st, int partial)
{
	st->partial = partial;
}

void vg_study_set_freshness(vg_study *st, int64_t newest_us, int64_t now_us, double max_age_s)
{
	st->fresh_set = newest_us != INT64_MIN;
	st->fresh_newest_us = newest_us;
	st->fresh_now_us = now_us;
	st->fresh_max_age_s = max_age_s;
}
