/*
 * fuzz_site.c - libFuzzer target for the site description: any bytes as a
 * site file must be taken or refused with a message naming the line, never
 * crash; a site that was taken classifies a few flows and runs a study, and
 * its pseudonymised copy (vg_site_anonymize) classifies the pseudonymised
 * flows as the site classifies the flows. The same bytes as a key file.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* flows to and from addresses of the site's own networks (their ends, the
 * next addresses) and from the input's bytes */
static void anon_check(const vg_site *s, const uint8_t *data, size_t size, const vg_flow *base)
{
	static const uint8_t fixed[32] = "vigil fuzz key: 32 bytes exactly";
	uint8_t key[32];
	vg_site *s2 = NULL;
	vg_anon *a = NULL;
	vg_flow f[64], g;
	char err[512];
	size_t n = 0, i;
	if (vgi_anon_key_parse(data, size, key) != VG_OK)
		memcpy(key, fixed, sizeof key);
	if (vg_site_create(&s2) != VG_OK)
		return;
	if (vg_site_parse(s2, (const char *)data, size, "fuzz.conf", err, sizeof err) != VG_OK ||
	    vgi_anon_open_key(&a, key, VG_ANON_REPLACE) != VG_OK ||
	    vg_site_anonymize(s2, a, err, sizeof err) != VG_OK)
		goto out;
	f[n++] = base[0];
	f[n++] = base[1];
	for (i = 0; i < s->n_mon && n + 2 <= 40; i++) {
		g = base[s->mon[i].bits >= 96 && vg_addr_is_ip4(&s->mon[i].net) ? 0 : 1];
		g.daddr = s->mon[i].net;
		f[n++] = g;
		g.daddr.a[15] ^= 1;
		f[n++] = g;
	}
	for (i = 0; i < s->n_svc && n + 2 <= 60; i++) {
		g = base[vg_addr_is_ip4(&s->svc[i].lo) ? 0 : 1];
		g.daddr = s->svc[i].lo;
		g.dport = s->svc[i].plo;
		g.proto = s->svc[i].proto;
		f[n++] = g;
		g.daddr = s->svc[i].hi;
		f[n++] = g;
	}
	for (i = 0; i + 16 <= size && n < 64; i += 16) {
		g = base[1];
		memcpy(g.daddr.a, data + i, 16);
		if (vg_addr_is_ip4(&g.daddr))
			g.family = VG_FAM_IP4;
		f[n++] = g;
	}
	for (i = 0; i < n; i++) {
		int c = vg_site_classify(s, &f[i]);
		g = f[i];
		vg_anon_flows(a, &g, 1);
		if (vg_site_classify(s2, &g) != c)
			abort(); /* the pseudonymised site is not the site of the pseudonyms */
	}
out:
	vg_site_free(s2);
	vg_anon_free(a);
}

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
	anon_check(s, data, size, f);
	if (vg_site_check(s, err, sizeof err) == VG_OK &&
	    vg_study_create(&st, s, err, sizeof err) == VG_OK) {
		vg_study_add(st, f, 2);
		vg_study_finish(st);
	}
	vg_study_free(st);
	vg_site_free(s);
	return 0;
}
