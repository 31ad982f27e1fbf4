/*
 * report.h - what the report writers share inside the library: the HTML
 * page (html.c) takes its data from the JSON writer of study_out.c.
 */
#ifndef VGI_REPORT_H
#define VGI_REPORT_H

#include <stdio.h>

#include "analyze/analyze.h"

/* The JSON report as the HTML page carries it: the ports cut to the first
 * max_ports (by connections), the scan events to the max_scans with the
 * most connections (in id order). Says how many of each it kept. */
int vgi_study_write_page_json(vg_study *st, FILE *fp, size_t max_ports, size_t max_scans,
			      size_t *ports_shown, size_t *scans_shown);
/* "port_classes":[...],"ports_by_sources":[...] over every port: the
 * connections and ports of each class combination, and the n ports with
 * the most distinct sources. */
int vgi_study_write_port_summary(const vg_study *st, FILE *fp, size_t n_by_sources);

/* The pages' inline assets (assets.S): the vendored ECharts bundle, the
 * report's script, the shared page's script, the style sheet. */
extern const char vgi_asset_echarts[];
extern const char vgi_asset_figures_js[];
extern const char vgi_asset_report_js[];
extern const char vgi_asset_shared_js[];
extern const char vgi_asset_report_css[];

/* ISO-8601 UTC time, with microseconds only when there are some. */
void vgi_iso_time(int64_t us, char out[32]);
/* One alert as a JSON object (no newline). */
void vgi_alert_json(const vg_alert *al, FILE *fp);

/* The alerts shown (since, minimum severity) as CSV, times in tfmt. */
void vgi_alerts_csv(const struct vg_alerts *a, FILE *fp, int64_t since_us, int tfmt);

#endif
