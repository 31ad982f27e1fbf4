/*
 * html.c - the study as one self-contained HTML page: the JSON report, the
 * connection matrix and the site go into the page as data; Apache ECharts
 * (vendored, lib/report/vendor), figures.js (the charts' options) and
 * report.js (the page), embedded into the library (assets.S), draw every
 * figure from it in the browser. The page loads
 * nothing: its Content-Security-Policy forbids any request.
 */
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "analyze/analyze.h"
#include "report/emit.h"
#include "report/report.h"
#include "vigil.h"


/* By default a matrix of more cells than this is aggregated (sources and
 * ports in bins) so that the page stays small and the chart responsive. */
#define MATRIX_MAX_CELLS 250000u
/* The page's copy of the report keeps the ports with the most connections
 * and the scan events with the most connections, so that a month of a busy
 * sensor (hundreds of thousands of events, every port) stays a page. */
#define PAGE_MAX_PORTS 1000u
#define PAGE_MAX_SCANS 5000u

/* ------------------------------------------------------------ matrix */

struct cell {
	uint32_t x, y;     /* source rank (or bin); port, +65536 for UDP */
	uint64_t conns, scan;
};

static int cmp_src_addr(const void *a, const void *b, void *ctx)
{
	const vg_study *st = ctx;
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	if (st->srcs.family[i] != st->srcs.family[j])
		return st->srcs.family[i] < st->srcs.family[j] ? -1 : 1;
	return memcmp(&st->srcs.addr[i], &st->srcs.addr[j], sizeof st->srcs.addr[i]);
}

static int cmp_cell(const void *a, const void *b)
{
	const struct cell *x = a, *y = b;
	if (x->x != y->x)
		return x->x < y->x ? -1 : 1;
	return x->y < y->y ? -1 : x->y > y->y;
}

/* Distinct cells after binning sources by sb and ports by pb. */
static size_t count_binned(const struct cell *c, size_t n, uint32_t sb, uint32_t pb)
{
	vgi_u64map set;
	size_t i, k;
	if (vgi_u64set_init(&set, n))
		return SIZE_MAX;
	for (i = 0; i < n; i++)
		vgi_u64map_add(&set, (uint64_t)(c[i].x / sb) << 20 | c[i].y / pb, 1);
	k = set.n;
	vgi_u64map_free(&set);
	return k;
}

static void addr_text(const vg_study *st, uint32_t i, char out[46])
{
	vg_addr_format(&st->srcs.addr[i], st->srcs.family[i] == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4,
		       out);
}

/* "matrix":{...}: the TCP/UDP cells of source x destination port, sources
 * ranked by address. */
static int write_matrix(const vg_study *st, FILE *fp, size_t max_cells)
{
	uint32_t *rank = NULL, *order = NULL, sb = 1, pb = 1;
	struct cell *c = NULL;
	size_t n = 0, cap = 0, n_src = 0, i, n_out, total;
	uint64_t key;
	uint32_t val;
	size_t it;
	int udp = 0, rc = -1;

	if (!(rank = malloc((st->srcs.n + 1) * sizeof *rank)) ||
	    !(order = malloc((st->srcs.n + 1) * sizeof *order)))
		goto out;
	memset(rank, 0xff, (st->srcs.n + 1) * sizeof *rank);
	for (it = 0; vgi_u64map_next(&st->matrix, &it, &key, &val);) {
		unsigned proto = (unsigned)(key >> 16 & 0xff);
		uint32_t s = (uint32_t)(key >> 24);
		if ((proto != 6 && proto != 17) || s >= st->srcs.n)
			continue;
		if (rank[s] == UINT32_MAX) {
			rank[s] = 0;
			order[n_src++] = s;
		}
		if (n == cap) {
			struct cell *nc;
			cap = cap ? cap * 2 : 4096;
			if (!(nc = realloc(c, cap * sizeof *c)))
				goto out;
			c = nc;
		}
		c[n].x = s;
		c[n].y = (uint32_t)(key & 0xffff) + (proto == 17 ? 65536u : 0);
		c[n].conns = val;
		c[n].scan = vgi_u64map_get(&st->matrix_scan, key);
		udp |= proto == 17;
		n++;
	}
	qsort_r(order, n_src, sizeof *order, cmp_src_addr, (void *)st);
	for (i = 0; i < n_src; i++)
		rank[order[i]] = (uint32_t)i;
	for (i = 0; i < n; i++)
		c[i].x = rank[c[i].x];
	total = n;

	/* bin until small enough: ports first (a bin of 2^k ports), then
	 * sources, alternately */
	while (n > max_cells && count_binned(c, n, sb, pb) > max_cells) {
		if (pb < 65536 && (pb <= sb || sb >= n_src))
			pb *= 2;
		else if (sb < n_src)
			sb *= 2;
		else
			break;
	}
	for (i = 0; i < n; i++) {
		c[i].x /= sb;
		c[i].y = c[i].y / pb * pb;
	}
	if (n)
		qsort(c, n, sizeof *c, cmp_cell);
	for (i = 0, n_out = 0; i < n; i++) {
		if (n_out && c[n_out - 1].x == c[i].x && c[n_out - 1].y == c[i].y) {
			c[n_out - 1].conns += c[i].conns;
			c[n_out - 1].scan += c[i].scan;
		} else {
			c[n_out++] = c[i];
		}
	}

	fprintf(fp, "\"matrix\":{\"cells_total\":%zu,\"aggregated\":%s,\"src_per_bin\":%u,"
		"\"ports_per_bin\":%u,\"udp\":%s,\"n_sources\":%zu,\"n_x\":%zu,\"sources\":[",
		total, sb > 1 || pb > 1 ? "true" : "false", sb, pb, udp ? "true" : "false",
		n_src, sb > 1 ? (n_src + sb - 1) / sb : n_src);
	for (i = 0; i < n_src; i += sb) {
		char a[46], b[46];
		size_t last = i + sb - 1 < n_src ? i + sb - 1 : n_src - 1;
		addr_text(st, order[i], a);
		if (sb == 1) {
			fprintf(fp, "%s\"%s\"", i ? "," : "", a);
		} else {
			addr_text(st, order[last], b);
			fprintf(fp, "%s\"%s - %s (%zu sources)\"", i ? "," : "", a, b, last - i + 1);
		}
	}
	fputs("],\"cells\":[", fp);
	for (i = 0; i < n_out; i++)
		fprintf(fp, "%s%u,%u,%llu,%llu", i ? "," : "", c[i].x, c[i].y,
			(unsigned long long)c[i].conns, (unsigned long long)c[i].scan);
	fputs("]}", fp);
	rc = 0;
out:
	free(rank);
	free(order);
	free(c);
	return rc;
}

/* ------------------------------------------------------------ site */

static void write_site(const vg_study *st, FILE *fp)
{
	const vg_site *s = st->site;
	size_t i, k;
	/* a range is kept as several prefixes, its text with the first */
	fputs("\"site\":{\"monitored\":[", fp);
	for (i = k = 0; i < s->n_mon; i++)
		if (s->mon_text[i]) {
			fputs(k++ ? "," : "", fp);
			vgi_json_str(fp, s->mon_text[i], strlen(s->mon_text[i]), 1);
		}
	fputs("],\"services\":[", fp);
	for (i = k = 0; i < s->n_svc; i++)
		if (s->svc_text[i]) {
			fputs(k++ ? "," : "", fp);
			vgi_json_str(fp, s->svc_text[i], strlen(s->svc_text[i]), 1);
		}
	fputs("],\"hot_ports\":[", fp);
	for (i = 0; i < s->n_hot; i++)
		fprintf(fp, "%s\"%u/%s\"", i ? "," : "", s->hot[i].port,
			s->hot[i].proto == 6 ? "tcp" : s->hot[i].proto == 17 ? "udp" : "sctp");
	fputs("],\"buckets\":[", fp);
	for (i = 0; i < s->n_buckets; i++)
		fprintf(fp, "%s%u", i ? "," : "", s->buckets[i]);
	fprintf(fp, "],\"idle\":%g}", s->idle_s);
}

/* The time the page says it was made: now, or SOURCE_DATE_EPOCH when set
 * (reproducible builds' convention), so that tests can compare pages. */
static void generated(char out[32])
{
	const char *e = getenv("SOURCE_DATE_EPOCH");
	time_t t = time(NULL);
	struct tm tm;
	if (e && *e) {
		char *end;
		long long v = strtoll(e, &end, 10);
		if (!*end && v >= 0)
			t = (time_t)v;
	}
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int vg_study_write_html(vg_study *st, FILE *fp, const vg_html_opts *o)
{
	static const vg_html_opts defaults;
	char *json = NULL, gen[32], d0[11] = "-", d1[11] = "-";
	size_t json_len = 0, i, ports_shown, scans_shown;
	FILE *mem;
	int rc;

	if (!st || !fp)
		return VG_EINVAL;
	if (!st->finished)
		return vgi_study_fail(st, VG_EINVAL, "the HTML report needs a finished study");
	if (!o)
		o = &defaults;
	if (!(mem = open_memstream(&json, &json_len)))
		return vgi_study_fail(st, VG_ENOMEM, "out of memory writing the HTML report");
	rc = vgi_study_write_page_json(st, mem, PAGE_MAX_PORTS, PAGE_MAX_SCANS, &ports_shown,
				       &scans_shown);
	if (fclose(mem) != 0 && rc == VG_OK)
		rc = VG_ENOMEM;
	if (rc != VG_OK) {
		free(json);
		return vgi_study_fail(st, rc, "out of memory writing the HTML report's data");
	}
	while (json_len && json[json_len - 1] == '\n')
		json_len--;
	if (st->res.n_days) {
		vgi_day_format(st->res.first_day, d0);
		vgi_day_format(st->res.last_day, d1);
	}
	generated(gen);

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      /* the page may run its own inline code and nothing else: no
	       * fetch, no image, font or frame from anywhere */
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:\">\n", fp);
	fprintf(fp, "<meta name=\"generator\" content=\"vigil %s\">\n"
		"<title>vigil report %s .. %s</title>\n<style>\n", vg_version(), d0, d1);
	fputs(vgi_asset_report_css, fp);
	fputs("</style>\n</head>\n<body>\n<header><h1>Unsolicited traffic towards the monitored "
	      "networks</h1><div class=\"sub\" id=\"hdr-sub\"></div></header>\n"
	      "<main id=\"app\"><noscript><p>The charts of this report need JavaScript. "
	      "The same figures are in <code>vigil report -o json</code>.</p></noscript></main>\n"
	      "<footer>made by vigil; charts by Apache ECharts (Apache License 2.0)</footer>\n"
	      "<script type=\"application/json\" id=\"vigil-data\">", fp);
	vgi_json_html_safe(fp, json, json_len);
	free(json);
	fputs("</script>\n<script type=\"application/json\" id=\"vigil-extra\">{\"version\":", fp);
	vgi_json_str(fp, vg_version(), strlen(vg_version()), 1);
	fputs(",\"generated\":", fp);
	vgi_json_str(fp, gen, strlen(gen), 1);
	fputs(",\"inputs\":[", fp);
	for (i = 0; i < o->n_inputs; i++) {
		fputs(i ? "," : "", fp);
		vgi_json_str(fp, o->inputs[i], strlen(o->inputs[i]), 1);
	}
	fputs("],", fp);
	write_site(st, fp);
	fprintf(fp, ",\"lists\":{\"ports_total\":%zu,\"ports_shown\":%zu,\"scans_total\":%zu,"
		"\"scans_shown\":%zu},", st->res.n_ports, ports_shown,
		st->res.scans_known ? st->n_scans : 0, scans_shown);
	if (vgi_study_write_port_summary(st, fp, 30) != VG_OK)
		return vgi_study_fail(st, VG_ENOMEM, "out of memory writing the HTML port summary");
	fputc(',', fp);
	if (write_matrix(st, fp, o->matrix_max_cells ? o->matrix_max_cells : MATRIX_MAX_CELLS))
		return vgi_study_fail(st, VG_ENOMEM, "out of memory writing the HTML matrix");
	fputs("}</script>\n<script>\n", fp);
	fputs(vgi_asset_echarts, fp);
	fputs("\n</script>\n<script>\n", fp);
	fputs(vgi_asset_figures_js, fp);
	fputs("</script>\n<script>\n", fp);
	fputs(vgi_asset_report_js, fp);
	fputs("</script>\n</body>\n</html>\n", fp);
	return ferror(fp) ? vgi_study_fail(st, VG_EIO, "write error: %s", strerror(errno)) : VG_OK;
}
