/*
 * det_backscatter.c - 8. a new backscatter victim (docs/alerts.md).
 */
#include <stdio.h>
#include <stdlib.h>

#include "analyze/det.h"

/* 8. A new victim: an address that sent at least backscatter-packets
 * packets of backscatter on a day and none on any day before it in the
 * data (with a store: the alert-days the alerts read). One alert per
 * victim, on its first such day. */
int vgi_det_backscatter(vg_alerts *a)
{
	const double minp = a->site->ak[VGI_AK_BACKSCATTER_PACKETS];
	struct srcday *c = NULL;
	size_t n = 0, it, i;
	uint64_t key;
	uint32_t val;
	vgi_u64map best, bestp, nports; /* victim << 16 | day -> port, its packets, ports */

	if (vgi_u64map_init(&best, 0) || vgi_u64map_init(&bestp, 0) || vgi_u64map_init(&nports, 0)) {
		vgi_u64map_free(&best);
		vgi_u64map_free(&bestp);
		return VG_ENOMEM;
	}
	for (it = 0; vgi_u64map_next(&a->vdp_pkts, &it, &key, &val);) {
		uint64_t vd = key >> 24;
		uint32_t pp = (uint32_t)(key & 0xffffff), bp = vgi_u64map_get(&bestp, vd);
		vgi_u64map_add(&nports, vd, 1);
		if (val > bp || (val == bp && pp < vgi_u64map_get(&best, vd))) {
			vgi_u64map_put(&bestp, vd, val);
			vgi_u64map_put(&best, vd, pp);
		}
	}
	if (vgi_day_rows(a, &a->vd_pkts, NULL, &c, &n) != VG_OK) {
		vgi_u64map_free(&best);
		vgi_u64map_free(&bestp);
		vgi_u64map_free(&nports);
		return VG_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		uint64_t vd = (uint64_t)c[i].src << 16 | (uint32_t)c[i].day;
		uint32_t bpp = vgi_u64map_get(&best, vd), np = vgi_u64map_get(&nports, vd);
		char ab[46], ds[11], pt[24];
		double ev[1];
		vg_alert *al;
		/* only the victim's first day in the data, and only a large one */
		if ((i > 0 && c[i - 1].src == c[i].src) || c[i].conns < minp)
			continue;
		if (!(al = vgi_new_alert(a)))
			break;
		al->detector = VG_DET_BACKSCATTER;
		al->period_s = 86400;
		al->has_source = 1;
		al->source = a->victim.addr[c[i].src];
		al->family = a->victim.family[c[i].src];
		al->time_us = al->last_us = vgi_day_start_us(a->site, c[i].day);
		al->end_us = vgi_day_start_us(a->site, c[i].day + 1);
		al->value = c[i].conns;
		al->baseline = 0;
		al->threshold = minp;
		al->severity = c[i].conns >= 10 * minp ? VG_SEV_HIGH : VG_SEV_MEDIUM;
		vg_addr_format(&al->source, al->family == VG_FAM_IP6 ? VG_FAM_IP6 : VG_FAM_IP4, ab);
		vgi_day_format(c[i].day, ds);
		if ((bpp >> 16) == 1 || (bpp >> 16) == 58)
			snprintf(pt, sizeof pt, "%s type %u", (bpp >> 16) == 1 ? "icmp" : "icmp6",
				 (bpp >> 8) & 0xff);
		else
			vgi_port_text((uint8_t)(bpp >> 16), (int32_t)(bpp & 0xffff), pt, sizeof pt);
		snprintf(al->summary, sizeof al->summary,
			 "new backscatter victim %s: %u packets on %s (>= %g), most from its %s"
			 " (%u port%s): answers to packets spoofed in our name",
			 ab, c[i].conns, ds, minp, pt, np, np == 1 ? "" : "s");
		ev[0] = c[i].conns;
		if (vgi_set_evidence(al, "backscatter packets of the victim, per day", al->time_us, 86400,
				 ev, NULL, 0, 0))
			break;
	}
	vgi_u64map_free(&best);
	vgi_u64map_free(&bestp);
	vgi_u64map_free(&nports);
	free(c);
	return i < n ? VG_ENOMEM : VG_OK;
}
