/*
 * fuzz_site.c - libFuzzer target for the site description: any bytes as a
 * site file must be taken or refused with a message naming the line, never
 * crash; a site that was taken classifies a few flows and runs a study.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vg_site *s = NULL;
	vg_study *st = NULL;
	vg_flow f[2];
	char err[512];
	int rc;
	/* the same bytes as a known-scanners list */
	err[0] = '\0';
	rc = vgi_known_check((const char *)data, size, err, sizeof err);
	if ((rc == VG_EINVAL && strncmp(err, "known", 5) != 0) || rc == VG_EFORMAT)
		abort(); /* a refusal without the name, or a network without itself */
	if (vg_site_create(&s) != VG_OK)
		return 0;
	err[0] = '\0';
	if (vg_site_parse(s, (const char *)data, size, "fuzz.conf", err, sizeof err) != VG_OK) {
		if (strncmp(err, "fuzz.conf:", 10) != 0)
			abort(); /* every refusal names the file and line */
		vg_site_free(s);
		return 0;
	}
	memset(f, 0, sizeof f);
	f[0].family = VG_FAM_IP4;
	f[0].proto = 6;
	f[0].n_records = 1;
	f[0].spkts = 1;
	vg_addr_from_ip4(&f[0].saddr, 0xcb007105);
	vg_addr_from_ip4(&f[0].daddr, 0xc0000201);
	f[0].dport = 445;
	f[1] = f[0];
	f[1].family = VG_FAM_IP6;
	memset(&f[1].saddr, 0x20, 16);
	memset(&f[1].daddr, 0x20, 16);
	f[1].stime_us = f[1].ltime_us = 86400000000LL;
	(void)vg_site_classify(s, &f[0]);
	(void)vg_site_classify(s, &f[1]);
	if (vg_site_check(s, err, sizeof err) == VG_OK &&
	    vg_study_create(&st, s, err, sizeof err) == VG_OK) {
		vg_study_add(st, f, 2);
		vg_study_finish(st);
	}
	vg_study_free(st);
	vg_site_free(s);
	return 0;
}
