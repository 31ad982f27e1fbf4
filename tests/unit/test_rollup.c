/*
 * test_rollup.c - the day rollups: a known set of connections gives known
 * rows; two halves counted apart and combined give the rows of one pass
 * (in any split, in any order); the combine rules (sum, min, max) hold;
 * and the scan detector's saved state put back into a new detector goes on
 * exactly as the original does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/rollup.h"
#include "core/buf.h"
#include "harness.h"

#define S 1000000LL
#define T0 (1709510400LL * S) /* 2024-03-04 00:00:00 UTC */

static vg_site *site_10(void)
{
	vg_site *s;
	char err[256];
	CHECK_EQ_INT(vg_site_create(&s), VG_OK);
	CHECK_EQ_INT(vg_site_set(s, "monitored", "192.0.2.1-192.0.2.10", err, sizeof err), VG_OK);
	CHECK_EQ_INT(vg_site_set(s, "service", "192.0.2.1:80", err, sizeof err), VG_OK);
	return s;
}

static vg_flow conn(uint32_t src, uint32_t dst, int proto, unsigned dport, int64_t t)
{
	vg_flow f;
	memset(&f, 0, sizeof f);
	f.family = VG_FAM_IP4;
	vg_addr_from_ip4(&f.saddr, src);
	vg_addr_from_ip4(&f.daddr, dst);
	f.proto = (uint8_t)proto;
	f.sport = 40000;
	f.dport = (uint16_t)dport;
	f.stime_us = t;
	f.ltime_us = t + 2 * S;
	f.spkts = 1;
	f.n_records = 1;
	return f;
}

/* A row's values, or NULL: table ti at key k. */
static const int64_t *find(const struct vgi_rollup *r, int ti, const struct vgi_key *want)
{
	const struct vgi_rtab *t = &r->t[ti];
	size_t i;
	for (i = 0; i < t->n; i++) {
		struct vgi_key k;
		const int64_t *v;
		vgi_rtab_row(t, i, &k, &v);
		if (memcmp(&k, want, sizeof k) == 0)
			return v;
	}
	return NULL;
}

/* Every row of a is in b with the same values, and the counts agree. */
static int same_rows(const struct vgi_rollup *a, const struct vgi_rollup *b)
{
	size_t ti, i;
	for (ti = 0; ti < VGI_T__N; ti++) {
		const struct vgi_rtab *t = &a->t[ti];
		if (a->t[ti].n != b->t[ti].n)
			return 0;
		for (i = 0; i < t->n; i++) {
			struct vgi_key k;
			const int64_t *v, *w;
			vgi_rtab_row(t, i, &k, &v);
			if (!(w = find(b, (int)ti, &k)) || memcmp(v, w, 8 * t->d->n_val) != 0)
				return 0;
		}
	}
	return 1;
}

TEST(rollup_known_rows)
{
	vg_site *s = site_10();
	struct vgi_rollup r;
	struct vgi_key k;
	const int64_t *v;
	vg_flow f[4];
	int cls, i;
	uint32_t src = 0xC6336401; /* 198.51.100.1 */
	f[0] = conn(src, 0xC0000205, 6, 445, T0 + 10 * S);      /* unsolicited */
	f[1] = conn(src, 0xC0000205, 6, 445, T0 + 20 * S);      /* again: same rows */
	f[2] = conn(src, 0xC0000201, 6, 80, T0 + 30 * S);       /* a service */
	f[3] = conn(src, 0xC0000206, 6, 445, T0 + 86400 * S);   /* the next day */
	CHECK_EQ_INT(vgi_rollup_init(&r), VG_OK);
	for (i = 0; i < 4; i++)
		CHECK_EQ_INT(vgi_rollup_add_conn(&r, s, &f[i], i == 1 ? VG_SCAN_SWEEP : 0, &cls), VG_OK);
	CHECK_EQ_INT(r.t[VGI_T_DAY].n, 2);
	CHECK_EQ_INT(r.t[VGI_T_SRC_DAY].n, 2);
	CHECK_EQ_INT(r.t[VGI_T_SRC_PORT].n, 2);
	CHECK_EQ_INT(r.t[VGI_T_HOST_SRC].n, 2);
	CHECK_EQ_INT(r.t[VGI_T_PORT_HOST].n, 2);
	memset(&k, 0, sizeof k);
	k.day = 19786;
	v = find(&r, VGI_T_DAY, &k);
	CHECK(v != NULL);
	if (v) {
		CHECK_EQ_INT(v[VGI_DAY_UNSOLICITED], 2);
		CHECK_EQ_INT(v[VGI_DAY_SERVICE], 1);
		CHECK_EQ_INT(v[VGI_DAY_FIRST_US], T0 + 10 * S);
		CHECK_EQ_INT(v[VGI_DAY_LAST_US], T0 + 32 * S);
		CHECK_EQ_INT(v[VGI_DAY_UNSOL_US], T0 + 20 * S);
	}
	vg_addr_from_ip4(&k.a1, src);
	k.fam1 = VG_FAM_IP4;
	k.proto = 6;
	k.port = 445;
	v = find(&r, VGI_T_SRC_PORT, &k);
	CHECK(v != NULL);
	if (v) {
		CHECK_EQ_INT(v[0], 2);
		CHECK_EQ_INT(v[1], 1); /* one of them in a scan event, */
		CHECK_EQ_INT(v[2], 1); /* a sweep */
	}
	vgi_rollup_free(&r);
	vg_site_free(s);
}

/* Connections of many sources, ports and days, counted in one pass and in
 * two halves split at every tenth place, in forward and reverse order. */
TEST(rollup_halves_combine)
{
	vg_site *s = site_10();
	enum { N = 3000 };
	vg_flow *f = malloc(N * sizeof *f);
	int *ids = malloc(N * sizeof *ids); /* scan kinds */
	struct vgi_rollup all, a, b;
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	int i, cut;
	for (i = 0; i < N; i++) {
		int proto;
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		proto = (x >> 60) < 2 ? 1 : (x >> 60) < 5 ? 17 : 6;
		f[i] = conn(0xCB007100 | (uint32_t)((x >> 20) % 200), 0xC0000201 + (uint32_t)((x >> 8) % 10),
			    proto, proto == 1 ? 0x0800 : (unsigned)((x >> 32) % 40), T0 + (int64_t)((x >> 28) % (5 * 86400)) * S);
		if (proto == 1)
			f[i].sport = 8, f[i].dport = 0;
		ids[i] = (x >> 16) % 3 == 0 ? (int)(1 + (x >> 40) % 2) : 0;
	}
	CHECK_EQ_INT(vgi_rollup_init(&all), VG_OK);
	for (i = 0; i < N; i++)
		vgi_rollup_add_conn(&all, s, &f[i], ids[i], NULL);
	CHECK(all.t[VGI_T_SRC_PORT].n > 100);
	for (cut = 0; cut <= N; cut += N / 10) {
		CHECK_EQ_INT(vgi_rollup_init(&a), VG_OK);
		CHECK_EQ_INT(vgi_rollup_init(&b), VG_OK);
		for (i = cut - 1; i >= 0; i--) /* the first half backwards */
			vgi_rollup_add_conn(&a, s, &f[i], ids[i], NULL);
		for (i = cut; i < N; i++)
			vgi_rollup_add_conn(&b, s, &f[i], ids[i], NULL);
		CHECK_EQ_INT(vgi_rollup_merge(&b, &a), VG_OK);
		if (!same_rows(&all, &b))
			vgt_fail(__FILE__, __LINE__, "split at %d: the halves do not combine into one pass", cut);
		vgi_rollup_free(&a);
		vgi_rollup_free(&b);
	}
	vgi_rollup_free(&all);
	free(f);
	free(ids);
	vg_site_free(s);
}

/* What the scan detector hands on, recorded. */
struct rec {
	char text[1 << 16];
	size_t n;
};

static int rec_flow(void *user, const vg_flow *f, uint32_t id)
{
	struct rec *r = user;
	if (r->n < sizeof r->text - 64)
		r->n += (size_t)snprintf(r->text + r->n, sizeof r->text - r->n, "f %lld %u %u\n",
					 (long long)f->stime_us, f->dport, id);
	return 0;
}

static int rec_event(void *user, const vg_scan_event *e)
{
	struct rec *r = user;
	if (r->n < sizeof r->text - 64)
		r->n += (size_t)snprintf(r->text + r->n, sizeof r->text - r->n, "e %u %llu %u %u %.3f\n",
					 e->id, (unsigned long long)e->flows, e->targets, e->n_ports,
					 e->score);
	return 0;
}

TEST(scans_state_round_trip)
{
	vg_site *s = site_10();
	enum { N = 600 };
	vg_flow *f = malloc(N * sizeof *f);
	struct rec *one = calloc(1, sizeof *one), *two = calloc(1, sizeof *two);
	vg_scans *a, *b, *c;
	struct vgi_buf buf;
	vgi_cur cur;
	char err[256];
	int i;
	for (i = 0; i < N; i++) {
		/* a vertical scan, a slow sweep and a few quiet sources, interleaved */
		int k = i % 3;
		uint32_t src = k == 0 ? 0xCB007101 : k == 1 ? 0xCB007102 : 0xCB007110 + (uint32_t)(i % 7);
		f[i] = conn(src, k == 1 ? 0xC0000201 + (uint32_t)(i / 3 % 10) : 0xC0000203, 6,
			    k == 0 ? 1000 + (unsigned)i : 445, T0 + (int64_t)i * 20 * S);
	}
	/* one detector over everything */
	CHECK_EQ_INT(vg_scans_create(&a, s, rec_flow, rec_event, one, err, sizeof err), VG_OK);
	vg_scans_add(a, f, N);
	vg_scans_flush(a);
	/* the same, stopped half-way, saved, and put back into a new one */
	CHECK_EQ_INT(vg_scans_create(&b, s, rec_flow, rec_event, two, err, sizeof err), VG_OK);
	vg_scans_add(b, f, N / 2);
	memset(&buf, 0, sizeof buf);
	CHECK_EQ_INT(vgi_scans_save(b, &buf), VG_OK);
	vg_scans_free(b);
	CHECK_EQ_INT(vg_scans_create(&c, s, rec_flow, rec_event, two, err, sizeof err), VG_OK);
	cur = vgi_cur_make(buf.p, buf.n);
	CHECK_EQ_INT(vgi_scans_load(c, &cur), VG_OK);
	CHECK_EQ_INT(vgi_cur_left(&cur), 0);
	vg_scans_add(c, f + N / 2, N - N / 2);
	vg_scans_flush(c);
	CHECK(one->n > 1000);
	CHECK_EQ_INT(one->n, two->n);
	CHECK(memcmp(one->text, two->text, one->n) == 0);
	/* a damaged blob is refused, not read past its end */
	{
		vg_scans *d;
		size_t cutlen;
		for (cutlen = 0; cutlen < buf.n; cutlen += buf.n / 17 + 1) {
			struct rec *junk = calloc(1, sizeof *junk);
			CHECK_EQ_INT(vg_scans_create(&d, s, rec_flow, rec_event, junk, err, sizeof err), VG_OK);
			cur = vgi_cur_make(buf.p, cutlen);
			CHECK(vgi_scans_load(d, &cur) != VG_OK);
			vg_scans_free(d);
			free(junk);
		}
	}
	vgi_buf_free(&buf);
	vg_scans_free(a);
	vg_scans_free(c);
	free(one);
	free(two);
	free(f);
	vg_site_free(s);
}
