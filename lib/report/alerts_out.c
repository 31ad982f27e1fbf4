/*
 * alerts_out.c - the alerts as NDJSON (one object per line) and as text
 * (docs/alerts.md). IODEF is in iodef.c.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze/analyze.h"
#include "analyze/det.h"
#include "report/emit.h"
#include "report/report.h"

/* "2024-03-09T00:00:00Z", with microseconds when there are any */
void vgi_iso_time(int64_t us, char out[32])
{
	int64_t sec = us / 1000000 - (us % 1000000 < 0);
	long frac = (long)(us - sec * 1000000);
	time_t t = (time_t)sec;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	if (frac)
		snprintf(out + 19, 13, ".%06ldZ", frac);
	else
		snprintf(out + 19, 13, "Z");
}

void vgi_alert_json(const vg_alert *al, FILE *fp)
{
	char t[32];
	size_t i;
	fprintf(fp, "{\"id\":%u,\"time\":", al->id);
	vgi_iso_time(al->time_us, t);
	fprintf(fp, "\"%s\",\"last\":", t);
	vgi_iso_time(al->last_us, t);
	fprintf(fp, "\"%s\",\"end\":", t);
	if (al->end_us) {
		vgi_iso_time(al->end_us, t);
		fprintf(fp, "\"%s\"", t);
	} else {
		fputs("null", fp);
	}
	fprintf(fp, ",\"period\":%s,\"detector\":\"%s\",\"severity\":\"%s\",\"proto\":",
		al->period_s == 86400 ? "\"day\"" : al->period_s == 3600 ? "\"hour\"" : "null",
		vg_detector_name(al->detector), vg_severity_name(al->severity));
	if (al->proto)
		fprintf(fp, "\"%s\"", al->proto == 6 ? "tcp" : al->proto == 17 ? "udp" : "sctp");
	else
		fputs("null", fp);
	fputs(",\"port\":", fp);
	if (al->port >= 0)
		fprintf(fp, "%d", al->port);
	else
		fputs("null", fp);
	fputs(",\"source\":", fp);
	if (al->has_source) {
		char ab[46];
		vg_addr_format(&al->source, al->family == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4, ab);
		fprintf(fp, "\"%s\"", ab);
	} else {
		fputs("null", fp);
	}
	if (al->scan_id)
		fprintf(fp, ",\"scan_id\":%u", al->scan_id);
	fputs(",\"value\":", fp);
	vgi_json_num(fp, al->value);
	fputs(",\"baseline\":", fp);
	vgi_json_num(fp, al->detector == VG_DET_SCAN ? NAN : al->baseline);
	fputs(",\"threshold\":", fp);
	vgi_json_num(fp, al->detector == VG_DET_SCAN ? NAN : al->threshold);
	fputs(",\"summary\":", fp);
	vgi_json_cstr(fp, al->summary);
	fputs(",\"evidence\":{\"series\":", fp);
	vgi_json_cstr(fp, al->series ? al->series : "");
	if (al->detail) {
		fputs(",\"detail\":", fp);
		vgi_json_cstr(fp, al->detail);
	}
	if (al->n_ev) {
		if (al->ev_step_s) {
			vgi_iso_time(al->ev_start_us, t);
			fprintf(fp, ",\"start\":\"%s\",\"step_s\":%d", t, al->ev_step_s);
		}
		fputs(",\"values\":[", fp);
		for (i = 0; i < al->n_ev; i++) {
			fputs(i ? "," : "", fp);
			vgi_json_num(fp, al->ev[i]);
		}
		fputc(']', fp);
		if (al->ev_expected) {
			fputs(",\"expected\":[", fp);
			for (i = 0; i < al->n_ev; i++) {
				fputs(i ? "," : "", fp);
				vgi_json_num(fp, al->ev_expected[i]);
			}
			fputc(']', fp);
		}
	}
	fputs("}}", fp);
}

void vg_alert_write_json(const vg_alert *a, FILE *fp)
{
	vgi_alert_json(a, fp);
}

/* A number of an alert's CSV row: empty for none (NaN). */
static void csv_num(FILE *fp, double v)
{
	if (!isnan(v))
		vgi_json_num(fp, v);
}

/* The alerts as one CSV table, the columns of the JSON objects without the
 * evidence series: id,time,last,end,period,detector,severity,proto,port,
 * source,scan_id,value,baseline,threshold,summary. */
void vgi_alerts_csv(const vg_alerts *a, FILE *fp, int64_t since_us, int tfmt)
{
	size_t i, n = vg_alerts_count(a);
	char t[VG_FIELD_MAX];
	if (!tfmt)
		tfmt = VG_TIME_ISO;
	fputs("id,time,last,end,period,detector,severity,proto,port,source,scan_id,value,baseline,"
	      "threshold,summary\n", fp);
	for (i = 0; i < n; i++) {
		const vg_alert *al = vg_alerts_get(a, i);
		if (!VGI_ALERT_SHOWN(a, al, since_us))
			continue;
		vg_time_format(al->time_us, tfmt, t);
		fprintf(fp, "%u,%s,", al->id, t);
		vg_time_format(al->last_us, tfmt, t);
		fprintf(fp, "%s,", t);
		if (al->end_us) {
			vg_time_format(al->end_us, tfmt, t);
			fputs(t, fp);
		}
		fprintf(fp, ",%s,%s,%s,%s,",
			al->period_s == 86400 ? "day" : al->period_s == 3600 ? "hour" : "",
			vg_detector_name(al->detector), vg_severity_name(al->severity),
			!al->proto ? "" : al->proto == 6 ? "tcp" : al->proto == 17 ? "udp" : "sctp");
		if (al->port >= 0)
			fprintf(fp, "%d", al->port);
		fputc(',', fp);
		if (al->has_source) {
			char ab[46];
			vg_addr_format(&al->source, al->family == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4, ab);
			fputs(ab, fp);
		}
		fputc(',', fp);
		if (al->scan_id)
			fprintf(fp, "%u", al->scan_id);
		fputc(',', fp);
		csv_num(fp, al->value);
		fputc(',', fp);
		csv_num(fp, al->detector == VG_DET_SCAN ? NAN : al->baseline);
		fputc(',', fp);
		csv_num(fp, al->detector == VG_DET_SCAN ? NAN : al->threshold);
		fputc(',', fp);
		vgi_csv_field(fp, al->summary, strlen(al->summary), 1);
		fputc('\n', fp);
	}
}

static int write_alerts(vg_alerts *a, FILE *fp, int outfmt, int64_t since_us);

int vg_alerts_write(vg_alerts *a, FILE *fp, int outfmt, int64_t since_us)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem;
	int rc;
	if (outfmt == VG_OUT_CSV) {
		if ((rc = vg_alerts_finish(a)) != VG_OK)
			return rc;
		vgi_alerts_csv(a, fp, since_us, a->time_fmt);
		return ferror(fp) ? vgi_alerts_fail(a, VG_EIO, "write error: %s", strerror(errno))
				  : VG_OK;
	}
	if (outfmt == VG_OUT_JSON || !a->text_width)
		return write_alerts(a, fp, outfmt, since_us);
	if (!(mem = open_memstream(&text, &len)))
		return vgi_alerts_fail(a, VG_ENOMEM, "out of memory writing the alerts");
	rc = write_alerts(a, mem, outfmt, since_us);
	if (fclose(mem) != 0 && rc == VG_OK)
		rc = vgi_alerts_fail(a, VG_ENOMEM, "out of memory writing the alerts");
	if (rc == VG_OK && vg_text_fit(fp, text, len, a->text_width) != VG_OK)
		rc = vgi_alerts_fail(a, VG_EIO, "write error: %s", strerror(errno));
	free(text);
	return rc;
}

static int write_alerts(vg_alerts *a, FILE *fp, int outfmt, int64_t since_us)
{
	size_t i, n = vg_alerts_count(a), shown = 0, below = 0;
	int rc;
	if ((rc = vg_alerts_finish(a)) != VG_OK)
		return rc;
	n = vg_alerts_count(a);
	for (i = 0; i < n; i++) {
		const vg_alert *al = vg_alerts_get(a, i);
		if (al->last_us < since_us)
			continue;
		if (al->severity < a->min_sev) {
			below++;
			continue;
		}
		shown++;
		if (outfmt == VG_OUT_JSON) {
			vgi_alert_json(al, fp);
			fputc('\n', fp);
		} else {
			char t[32], where[64];
			vgi_iso_time(al->time_us, t);
			t[16] = '\0';
			t[10] = ' ';
			if (al->port >= 0)
				snprintf(where, sizeof where, "%d/%s", al->port,
					 al->proto == 6 ? "tcp" : al->proto == 17 ? "udp" : "sctp");
			else if (al->has_source)
				vg_addr_format(&al->source, al->family == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4,
					       where);
			else
				snprintf(where, sizeof where, "-");
			if (shown == 1)
				fprintf(fp, "%-5s %-16s %-8s %-6s %-15s %s\n", "id", "time (UTC)", "detector",
					"level", "port/source", "summary");
			fprintf(fp, "%-5u %-16s %-8s %-6s %-15s %s%s\n", al->id, t,
				vg_detector_name(al->detector), vg_severity_name(al->severity), where,
				al->summary, al->end_us || al->period_s == 0 ? "" : " [ongoing]");
		}
	}
	if (outfmt != VG_OUT_JSON && !shown)
		fprintf(fp, "no alerts%s\n", below ? " at this level" : "");
	if (outfmt != VG_OUT_JSON && below)
		fprintf(fp, "(and %zu below %s, not shown: --min-severity low shows them)\n", below,
			vg_severity_name(a->min_sev));
	if (outfmt == VG_OUT_JSON && a->fresh_set) {
		/* the one line that is not an alert */
		fputs("{\"freshness\":", fp);
		vgi_json_freshness(fp, a->fresh_newest_us, a->fresh_now_us, a->fresh_max_age_s);
		fputs("}\n", fp);
	}
	return ferror(fp) ? vgi_alerts_fail(a, VG_EIO, "write error: %s", strerror(errno)) : VG_OK;
}
