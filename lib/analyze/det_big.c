/*
 * det_big.c - 5. big single sources: one source with a large share of a day's
 * unsolicited connections (docs/alerts.md).
 */
#include <stdio.h>
#include <stdlib.h>

#include "analyze/det.h"

static int big_keep(const vg_alerts *a, uint64_t key, uint32_t val)
{
	uint32_t tot = vgi_u64map_get(&a->d_conn, key & 0xffff);
	return val >= a->site->ak[VGI_AK_BIG_MIN] && (double)val > a->site->ak[VGI_AK_BIG_SHARE] * tot;
}

/* 5. One source that alone carries more than big-share of a day's
 * unsolicited connections (and at least big-min of them); consecutive days
 * of the same source are one alert. */
int vgi_det_big(vg_alerts *a)
{
	const double share = a->site->ak[VGI_AK_BIG_SHARE];
	struct srcday *c;
	size_t n, i;
	vg_alert *cur = NULL;

	if (vgi_day_rows(a, &a->sd_conn, big_keep, &c, &n) != VG_OK)
		return VG_ENOMEM;
	for (i = 0; i < n; i++) {
		uint32_t tot = vgi_u64map_get(&a->d_conn, (uint64_t)c[i].day);
		double sh = (double)c[i].conns / tot;
		char ab[46], ds[11];
		if (!cur || i == 0 || c[i].src != c[i - 1].src || c[i].day != c[i - 1].day + 1) {
			if (!(cur = vgi_new_alert(a))) {
				free(c);
				return VG_ENOMEM;
			}
			cur->detector = VG_DET_BIG;
			cur->period_s = 86400;
			cur->has_source = 1;
			cur->source = a->src.addr[c[i].src];
			cur->family = a->src.family[c[i].src];
			cur->time_us = vgi_day_start_us(a->site, c[i].day);
			cur->value = -1;
			cur->threshold = share;
		}
		cur->last_us = vgi_day_start_us(a->site, c[i].day);
		cur->end_us = vgi_day_start_us(a->site, c[i].day + 1);
		if (sh > cur->value) {
			double ev[2] = {c[i].conns, tot};
			vg_addr_format(&cur->source, cur->family == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4, ab);
			vgi_day_format(c[i].day, ds);
			cur->value = sh;
			cur->baseline = tot;
			cur->severity = sh >= 0.5 ? VG_SEV_HIGH : VG_SEV_MEDIUM;
			snprintf(cur->summary, sizeof cur->summary,
				 "%s: %u of the %u unsolicited connections on %s (%.1f %% > %g %%)",
				 ab, c[i].conns, tot, ds, 100 * sh, 100 * share);
			if (vgi_set_evidence(cur, "connections of the source, of the day", cur->last_us, 0, ev,
					 NULL, 0, 1)) {
				free(c);
				return VG_ENOMEM;
			}
		}
	}
	free(c);
	return VG_OK;
}
