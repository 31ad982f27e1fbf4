/*
 * fuzz_tail.c - libFuzzer target for the pipeline's saved open tail (a
 * store's `tail` blob: merger, pairer and scan-detector state): any bytes
 * are put back or refused, and a pipeline that took them still merges,
 * detects and finishes without fault.
 */
#include <stdlib.h>

#include "analyze/analyze.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static vg_site *site;
	vg_pipeline *p = NULL;
	vg_study *st = NULL;
	vg_pipeline_opts po;
	char err[256];
	if (!site) {
		if (vg_site_create(&site) != VG_OK ||
		    vg_site_set(site, "monitored", "192.0.2.1-192.0.2.10", err, sizeof err) != VG_OK)
			abort();
	}
	if (vg_study_create(&st, site, err, sizeof err) != VG_OK)
		abort();
	memset(&po, 0, sizeof po);
	po.study = st;
	if (vg_pipeline_create(&p, site, &po) != VG_OK)
		abort();
	if (vgi_pipeline_load_tail(p, data, size) == VG_OK) {
		/* a few more connections on top of what was put back */
		vg_flow f[3];
		int i;
		memset(f, 0, sizeof f);
		for (i = 0; i < 3; i++) {
			f[i].family = VG_FAM_IP4;
			vg_addr_from_ip4(&f[i].saddr, 0xCB007101);
			vg_addr_from_ip4(&f[i].daddr, 0xC0000201 + (uint32_t)i);
			f[i].proto = 6;
			f[i].dport = 445;
			f[i].stime_us = f[i].ltime_us = 1709510400000000LL + i * 1000000LL;
			f[i].n_records = 1;
		}
		vg_pipeline_add(p, f, 3);
		vg_pipeline_finish(p);
		vg_study_finish(st);
	}
	vg_pipeline_free(p);
	vg_study_free(st);
	return 0;
}
