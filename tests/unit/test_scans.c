/*
 * test_scans.c - the scan detector on tiny hand-made flow sets, one edge at
 * a time: window thresholds at their limits, slow scans that only TRW sees,
 * a scan over midnight, several sources sharing a port, answered traffic,
 * known scanners, the source cap.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze.h"
#include "harness.h"

#define S 1000000LL
#define T0 (1709510400LL * S)

struct got {
	vg_scan_event ev[64];
	uint32_t ports0[64];
	char known[64][64];
	size_t n_ev;
	uint64_t flows, scan_flows;
	uint32_t ids[4096];
};

static int on_flow(void *u, const vg_flow *f, uint32_t id)
{
	struct got *g = u;
	(void)f;
	if (g->flows < 4096)
		g->ids[g->flows] = id;
	g->flows++;
	g->scan_flows += id != 0;
	return 0;
}

static int on_event(void *u, const vg_scan_event *e)
{
	struct got *g = u;
	if (g->n_ev < 64) {
		g->ev[g->n_ev] = *e;
		g->ports0[g->n_ev] = e->n_ports ? e->ports[0] : 0;
		snprintf(g->known[g->n_ev], 64, "%s", e->known ? e->known : "");
		g->ev[g->n_ev].ports = NULL;
		g->ev[g->n_ev].known = NULL;
		g->n_ev++;
	}
	return 0;
}

/* a probe from src to 192.0.2.host:port at t, answered or not */
static vg_flow probe(const char *src, unsigned host, int proto, unsigned port, int64_t t,
		     int answer)
{
	vg_flow f;
	memset(&f, 0, sizeof f);
	f.family = VG_FAM_IP4;
	vg_addr_parse(&f.saddr, src, strlen(src));
	vg_addr_from_ip4(&f.daddr, 0xc0000200u + host);
	f.proto = (uint8_t)proto;
	if (proto == 1) {
		f.sport = (uint16_t)port; /* ICMP type */
	} else {
		f.sport = 40000;
		f.dport = (uint16_t)port;
	}
	f.stime_us = f.ltime_us = t;
	f.spkts = 1;
	f.n_records = 1;
	if (proto == 6)
		f.tcp_status = VG_TCP_SAW_SYN | (answer ? VG_TCP_SAW_SYNACK | VG_TCP_ESTABLISHED : 0);
	if (answer)
		f.dpkts = 1;
	return f;
}

static struct got *run(const vg_flow *f, size_t n, const char *const *kv)
{
	static const char *const base[] = {"monitored", "192.0.2.1-192.0.2.10", NULL};
	struct got *g = calloc(1, sizeof *g);
	vg_site *site;
	vg_scans *sc;
	char err[256];
	vg_site_create(&site);
	if (!kv)
		kv = base;
	for (; kv[0]; kv += 2)
		if (vg_site_set(site, kv[0], kv[1], err, sizeof err) != VG_OK)
			vgt_fail(__FILE__, __LINE__, "%s", err);
	CHECK_EQ_INT(vg_scans_create(&sc, site, on_flow, on_event, g, err, sizeof err), VG_OK);
	CHECK_EQ_INT(vg_scans_add(sc, f, n), 0);
	CHECK_EQ_INT(vg_scans_flush(sc), 0);
	CHECK_EQ_INT(g->flows, n); /* every connection comes out once */
	vg_scans_free(sc);
	vg_site_free(site);
	return g;
}

TEST(scans_vertical_edge)
{
	vg_flow f[40];
	struct got *g;
	unsigned i;
	/* 14 refused ports on one host within the window: nothing */
	for (i = 0; i < 14; i++)
		f[i] = probe("203.0.113.1", 5, 6, 1000 + i, T0 + i * S, 0);
	g = run(f, 14, NULL);
	CHECK_EQ_INT(g->n_ev, 0);
	free(g);
	/* 15: a vertical scan, one event with 15 ports */
	for (i = 0; i < 15; i++)
		f[i] = probe("203.0.113.1", 5, 6, 1000 + i, T0 + i * S, 0);
	g = run(f, 15, NULL);
	CHECK_EQ_INT(g->n_ev, 1);
	if (g->n_ev) {
		CHECK_EQ_STR(vg_scan_type(&g->ev[0]), "vertical");
		CHECK_EQ_INT(g->ev[0].n_ports, 15);
		CHECK_EQ_INT(g->ev[0].targets, 1);
		CHECK_EQ_INT(g->ev[0].flows, 15);
		CHECK_EQ_INT(g->ports0[0], 6u << 16 | 1000);
	}
	CHECK_EQ_INT(g->scan_flows, 15); /* the held ones too */
	free(g);
	/* 15 ports spread wider than the window (5 min apart, window 300 s):
	 * the window never sees more than two, the episode sees all - a slow scan */
	for (i = 0; i < 15; i++)
		f[i] = probe("203.0.113.1", 5, 6, 1000 + i, T0 + i * 301 * S, 0);
	g = run(f, 15, NULL);
	CHECK_EQ_INT(g->n_ev, 1);
	if (g->n_ev) {
		CHECK_EQ_STR(vg_scan_type(&g->ev[0]), "slow");
		CHECK_EQ_INT(g->ev[0].detectors, VG_SCAN_SLOW);
		CHECK_EQ_INT(g->ev[0].kind, VG_SCAN_PORTSCAN);
	}
	CHECK_EQ_INT(g->scan_flows, 15);
	free(g);
	/* 14 of them: nothing */
	g = run(f, 14, NULL);
	CHECK_EQ_INT(g->n_ev, 0);
	free(g);
	/* 15 with a quiet hour (scan-gap) in the middle: two episodes, nothing */
	for (i = 7; i < 15; i++)
		f[i].stime_us = f[i].ltime_us = T0 + i * 301 * S + 3601 * S;
	g = run(f, 15, NULL);
	CHECK_EQ_INT(g->n_ev, 0);
	free(g);
}

TEST(scans_slow_spares_a_daily_client)
{
	vg_flow f[30];
	struct got *g;
	unsigned i;
	/* one successful connection a day for 30 days, and one refused one a
	 * day to another port: no event (each day is an episode of its own) */
	for (i = 0; i < 15; i++) {
		f[2 * i] = probe("203.0.113.7", 3, 6, 80, T0 + i * 86400 * S, 1);
		f[2 * i + 1] = probe("203.0.113.7", 3, 6, 8080, T0 + i * 86400 * S + 5 * S, 0);
	}
	g = run(f, 30, NULL);
	CHECK_EQ_INT(g->n_ev, 0);
	CHECK_EQ_INT(g->scan_flows, 0);
	free(g);
	/* one refused connection a day, always to the same host: TRW counts
	 * the host once, not once a day */
	for (i = 0; i < 30; i++)
		f[i] = probe("203.0.113.8", 3, 6, 8081, T0 + i * 86400 * S + 3600 * S, 0);
	g = run(f, 30, NULL);
	CHECK_EQ_INT(g->n_ev, 0);
	free(g);
	/* ... but one new host a day, each refused: a slow sweep, found on
	 * the fourth (TRW: 4 x 1.386 >= 4.595) */
	for (i = 0; i < 6; i++)
		f[i] = probe("203.0.113.8", 1 + i, 6, 8081, T0 + i * 86400 * S + 3600 * S, 0);
	g = run(f, 6, NULL);
	CHECK_EQ_INT(g->n_ev, 3);
	if (g->n_ev)
		CHECK_EQ_INT(g->ev[0].first_us, T0 + 3 * 86400 * S + 3600 * S);
	free(g);
}

TEST(scans_stealth_probes)
{
	vg_flow f[20];
	struct got *g;
	unsigned i;
	/* FIN probes (no SYN: "established" in the record), no answer or a
	 * lone reset: 15 ports of one host is a vertical scan */
	for (i = 0; i < 15; i++) {
		f[i] = probe("203.0.113.3", 4, 6, 100 + i, T0 + i * S, 0);
		f[i].tcp_status = VG_TCP_ESTABLISHED;
		f[i].sflags = VG_TH_FIN;
		if (i % 2) {
			f[i].dpkts = 1;
			f[i].dflags = VG_TH_RST | VG_TH_ACK;
		}
	}
	g = run(f, 15, NULL);
	CHECK_EQ_INT(g->n_ev, 1);
	if (g->n_ev) {
		CHECK_EQ_STR(vg_scan_type(&g->ev[0]), "vertical");
		CHECK_EQ_INT(g->ev[0].answered, 0);
	}
	free(g);
}

TEST(scans_horizontal_edge_and_answers)
{
	vg_flow f[20];
	struct got *g;
	unsigned i;
	/* 10 monitored hosts: 3 hosts on one port is a horizontal scan */
	for (i = 0; i < 2; i++)
		f[i] = probe("198.51.100.7", i + 1, 6, 445, T0 + i * S, 0);
	g = run(f, 2, NULL);
	CHECK_EQ_INT(g->n_ev, 0);
	free(g);
	for (i = 0; i < 3; i++)
		f[i] = probe("198.51.100.7", i + 1, 6, 445, T0 + i * S, 0);
	g = run(f, 3, NULL);
	CHECK_EQ_INT(g->n_ev, 1);
	if (g->n_ev)
		CHECK_EQ_STR(vg_scan_type(&g->ev[0]), "horizontal");
	free(g);
	/* a client that gets answers from ten web servers is no scan */
	for (i = 0; i < 10; i++)
		f[i] = probe("198.51.100.8", i + 1, 6, 80, T0 + i * S, 1);
	g = run(f, 10, NULL);
	CHECK_EQ_INT(g->n_ev, 0);
	CHECK_EQ_INT(g->scan_flows, 0);
	free(g);
	/* an ICMP echo sweep counts answered or not */
	for (i = 0; i < 4; i++)
		f[i] = probe("198.51.100.9", i + 1, 1, 8, T0 + i * S, 1);
	g = run(f, 4, NULL);
	CHECK_EQ_INT(g->n_ev, 1);
	if (g->n_ev)
		CHECK_EQ_STR(vg_scan_type(&g->ev[0]), "sweep");
	free(g);
}

TEST(scans_slow_scan_only_trw_sees)
{
	vg_flow f[8];
	struct got *g;
	unsigned i;
	/* one unanswered probe every 20 minutes, a new host each time: no
	 * window fires, the random walk reaches 4.6 on the fourth failure */
	for (i = 0; i < 6; i++)
		f[i] = probe("192.0.2.200", i + 1, 6, 22, T0 + (int64_t)i * 1200 * S, 0);
	g = run(f, 6, (const char *const[]){"monitored", "192.0.2.1-192.0.2.10",
					   "scan-horizontal", "25", NULL});
	CHECK_EQ_INT(g->n_ev, 1);
	if (g->n_ev) {
		CHECK_EQ_STR(vg_scan_type(&g->ev[0]), "trw");
		CHECK(g->ev[0].score > 4.59);
		CHECK_EQ_INT(g->ev[0].flows, 6);
		CHECK_EQ_INT(g->ev[0].unanswered, 6);
	}
	free(g);
}

TEST(scans_episode_over_midnight_and_gap)
{
	vg_flow f[40];
	struct got *g;
	unsigned i, n = 0;
	/* 23:58 .. 00:02: one episode, one event */
	for (i = 0; i < 20; i++)
		f[n++] = probe("203.0.113.9", 1 + i % 10, 6, 23, T0 + 86400 * S - 120 * S + i * 12 * S, 0);
	/* two hours later: a new episode */
	for (i = 0; i < 5; i++)
		f[n++] = probe("203.0.113.9", 1 + i, 6, 23, T0 + 86400 * S + 7200 * S + i * S, 0);
	g = run(f, n, NULL);
	CHECK_EQ_INT(g->n_ev, 2);
	if (g->n_ev == 2) {
		CHECK_EQ_INT(g->ev[0].flows, 20);
		CHECK_EQ_INT(g->ev[0].first_us, T0 + 86400 * S - 120 * S);
		CHECK_EQ_INT(g->ev[1].flows, 5);
		CHECK(g->ev[0].id != g->ev[1].id);
	}
	free(g);
}

TEST(scans_distributed_sources_share_a_port)
{
	vg_flow f[20];
	struct got *g;
	unsigned i, n = 0;
	/* five sources, two hosts each, all on 445, no host twice: each stays
	 * below every threshold, together they cover the ten hosts - one
	 * campaign (a distributed sweep) of five members */
	for (i = 0; i < 5; i++) {
		char src[32];
		snprintf(src, sizeof src, "203.0.113.%u", 20 + i);
		f[n++] = probe(src, 1 + 2 * i, 6, 445, T0 + i * S, 0);
		f[n++] = probe(src, 2 + 2 * i, 6, 445, T0 + i * S + 1000, 0);
	}
	g = run(f, n, NULL);
	CHECK_EQ_INT(g->n_ev, 5);
	for (i = 0; i < g->n_ev; i++) {
		CHECK_EQ_INT(g->ev[i].detectors, VG_SCAN_DSWEEP);
		CHECK_EQ_INT(g->ev[i].campaign, g->ev[0].campaign);
		CHECK_EQ_INT(g->ev[i].kind, VG_SCAN_SWEEP);
	}
	CHECK(g->n_ev && g->ev[0].campaign != 0);
	CHECK_EQ_INT(g->scan_flows, 10);
	free(g);
	/* one of them probing a host another one probed: no division of work,
	 * no campaign; that one becomes a scan of its own, the others stay */
	f[n++] = probe("203.0.113.22", 9, 6, 445, T0 + 9 * S, 0);
	g = run(f, n, NULL);
	CHECK_EQ_INT(g->n_ev, 1);
	CHECK_EQ_INT(g->scan_flows, 3);
	free(g);
}

TEST(scans_distributed_port_scan)
{
	vg_flow f[40];
	struct got *g;
	unsigned i, n = 0;
	/* four sources, four ports each of one host: 16 ports together */
	for (i = 0; i < 16; i++) {
		char src[32];
		snprintf(src, sizeof src, "203.0.113.%u", 40 + i / 4);
		f[n++] = probe(src, 6, 6, 2000 + i, T0 + i * S, 0);
	}
	g = run(f, n, NULL);
	CHECK_EQ_INT(g->n_ev, 4);
	for (i = 0; i < g->n_ev; i++) {
		CHECK_EQ_INT(g->ev[i].detectors, VG_SCAN_DISTRIBUTED);
		CHECK_EQ_INT(g->ev[i].kind, VG_SCAN_PORTSCAN);
		CHECK_EQ_INT(g->ev[i].n_ports, 4);
	}
	free(g);
	/* fourteen ports: below scan-vertical together, nothing */
	g = run(f, 14, NULL);
	CHECK_EQ_INT(g->n_ev, 0);
	free(g);
	/* two sources, eight ports each: fewer than scan-campaign-sources */
	n = 0;
	for (i = 0; i < 16; i++) {
		char src[32];
		snprintf(src, sizeof src, "203.0.113.%u", 50 + i / 8);
		f[n++] = probe(src, 6, 6, 2000 + i, T0 + i * S, 0);
	}
	g = run(f, n, NULL);
	CHECK_EQ_INT(g->n_ev, 0);
	free(g);
	/* ... unless the site lowers it to 2 */
	g = run(f, n, (const char *const[]){"monitored", "192.0.2.1-192.0.2.10",
					     "scan-campaign-sources", "2", NULL});
	CHECK_EQ_INT(g->n_ev, 2);
	free(g);
}

TEST(scans_known_scanner_and_cap)
{
	vg_flow f[10];
	struct got *g;
	unsigned i;
	for (i = 0; i < 3; i++)
		f[i] = probe("162.142.125.9", i + 1, 6, 8443, T0 + i * S, 0);
	g = run(f, 3, NULL);
	CHECK_EQ_INT(g->n_ev, 1);
	if (g->n_ev)
		CHECK_EQ_STR(g->known[0], "Censys");
	free(g);
	/* a cap of two sources: the third closes the least recent early */
	for (i = 0; i < 3; i++) {
		char src[32];
		snprintf(src, sizeof src, "203.0.113.%u", 40 + i);
		f[i] = probe(src, 1, 6, 80, T0 + i * S, 0);
	}
	{
		static const char *const kv[] = {"monitored", "192.0.2.1-192.0.2.10",
						 "scan-sources", "2", NULL};
		vg_site *site;
		vg_scans *sc;
		vg_scans_stats st;
		char err[256];
		g = calloc(1, sizeof *g);
		vg_site_create(&site);
		vg_site_set(site, kv[0], kv[1], err, sizeof err);
		vg_site_set(site, kv[2], kv[3], err, sizeof err);
		vg_scans_create(&sc, site, on_flow, on_event, g, err, sizeof err);
		vg_scans_add(sc, f, 3);
		vg_scans_get_stats(sc, &st);
		CHECK_EQ_INT(st.n_evicted, 1);
		CHECK_EQ_INT(st.n_open, 2);
		CHECK_EQ_INT(g->flows, 1); /* the closed source's connection came out */
		vg_scans_flush(sc);
		CHECK_EQ_INT(g->flows, 3);
		vg_scans_free(sc);
		vg_site_free(site);
		free(g);
	}
}

TEST(scans_other_classes_pass_through)
{
	vg_flow f[3];
	struct got *g;
	f[0] = probe("192.0.2.3", 4, 6, 22, T0, 1);    /* internal */
	f[1] = probe("198.51.100.1", 1, 6, 80, T0, 0); /* unsolicited */
	f[2] = f[0];
	vg_addr_from_ip4(&f[2].daddr, 0x08080808);     /* outbound */
	g = run(f, 3, NULL);
	CHECK_EQ_INT(g->n_ev, 0);
	CHECK_EQ_INT(g->flows, 3);
	free(g);
}

TEST(scans_ports_format)
{
	uint32_t ports[] = {6u << 16 | 1, 6u << 16 | 2, 6u << 16 | 3, 6u << 16 | 80,
			    17u << 16 | 137, 1u << 16 | 8};
	vg_scan_event e;
	char out[128];
	memset(&e, 0, sizeof e);
	/* sorted as the detector sorts: by proto << 16 | port */
	ports[0] = 1u << 16 | 8;
	ports[1] = 6u << 16 | 1;
	ports[2] = 6u << 16 | 2;
	ports[3] = 6u << 16 | 3;
	ports[4] = 6u << 16 | 80;
	ports[5] = 17u << 16 | 137;
	e.ports = ports;
	e.n_ports = 6;
	vg_scan_ports_format(&e, out, sizeof out);
	CHECK_EQ_STR(out, "icmp:type8 tcp:1-3,80 udp:137");
	vg_scan_ports_format(&e, out, 16);
	CHECK(strstr(out, "...") != NULL && strlen(out) < 16);
}
