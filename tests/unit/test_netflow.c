/*
 * test_netflow.c - the NetFlow v5 / v9 / IPFIX decoder (lib/read/netflow.c)
 * on datagrams built here byte by byte, so that every expected value is
 * known: fields, times (uptime arithmetic, wraps, IPFIX absolute and
 * relative times), templates (unknown, options, withdrawal, caps), biflows,
 * sequence loss, and malformed datagrams with their offsets.
 */
#include <stdlib.h>

#include "harness.h"
#include "vigil.h"

/* ------------------------------------------------------------- builder */

struct pkt {
	uint8_t d[4096];
	size_t n;
};

static void u8(struct pkt *p, unsigned v)
{
	p->d[p->n++] = (uint8_t)v;
}

static void u16(struct pkt *p, unsigned v)
{
	u8(p, v >> 8);
	u8(p, v);
}

static void u32(struct pkt *p, uint32_t v)
{
	u16(p, v >> 16);
	u16(p, v & 0xffff);
}

static void u64(struct pkt *p, uint64_t v)
{
	u32(p, (uint32_t)(v >> 32));
	u32(p, (uint32_t)v);
}

static void put16(struct pkt *p, size_t at, unsigned v)
{
	p->d[at] = (uint8_t)(v >> 8);
	p->d[at + 1] = (uint8_t)v;
}

/* Opens a set (id, length patched by set_end); returns its offset. */
static size_t set_begin(struct pkt *p, unsigned id)
{
	size_t at = p->n;
	u16(p, id);
	u16(p, 0);
	return at;
}

static void set_end(struct pkt *p, size_t at)
{
	put16(p, at + 2, (unsigned)(p->n - at));
}

static void v9_header(struct pkt *p, uint32_t uptime, uint32_t secs, uint32_t seq, uint32_t sid)
{
	p->n = 0;
	u16(p, 9);
	u16(p, 0);
	u32(p, uptime);
	u32(p, secs);
	u32(p, seq);
	u32(p, sid);
}

static void ipfix_header(struct pkt *p, uint32_t secs, uint32_t seq, uint32_t domain)
{
	p->n = 0;
	u16(p, 10);
	u16(p, 0);
	u32(p, secs);
	u32(p, seq);
	u32(p, domain);
}

static void ipfix_end(struct pkt *p)
{
	put16(p, 2, (unsigned)p->n);
}

/* ------------------------------------------------------------- feeding */

#define MAX_GOT 64
static vg_flow got[MAX_GOT];
static size_t n_got;

static int collect(void *user, const vg_flow *f)
{
	(void)user;
	if (n_got < MAX_GOT)
		got[n_got] = *f;
	n_got++;
	return 0;
}

static vg_nf_peer peer(uint32_t ip)
{
	vg_nf_peer p;
	memset(&p, 0, sizeof p);
	vg_addr_from_ip4(&p.addr, ip);
	p.family = VG_FAM_IP4;
	p.port = 4739;
	return p;
}

#define NOW 1700000000000000LL /* the collector's clock, µs */

static int feed(struct vg_nf *d, const struct pkt *p)
{
	vg_nf_peer e = peer(0xc0000201);
	n_got = 0;
	return vg_nf_feed(d, &e, p->d, p->n, NOW, collect, NULL);
}

static vg_nf_stats stats(struct vg_nf *d, size_t i)
{
	vg_nf_stats st;
	vg_nf_stream_stats(d, i, &st);
	return st;
}

/* ------------------------------------------------------------- v5 */

static void v5_record(struct pkt *p, uint32_t src, uint32_t dst, uint32_t pkts, uint32_t bytes,
		      uint32_t first, uint32_t last, unsigned sport, unsigned dport,
		      unsigned flags, unsigned proto)
{
	u32(p, src);
	u32(p, dst);
	u32(p, 0);          /* nexthop */
	u16(p, 1);
	u16(p, 2);          /* input, output */
	u32(p, pkts);
	u32(p, bytes);
	u32(p, first);
	u32(p, last);
	u16(p, sport);
	u16(p, dport);
	u8(p, 0);
	u8(p, flags);
	u8(p, proto);
	u8(p, 0);           /* tos */
	u32(p, 0);          /* AS numbers */
	u32(p, 0);          /* masks, pad */
}

static void v5_packet(struct pkt *p, unsigned count, uint32_t uptime, uint32_t seq)
{
	unsigned i;
	p->n = 0;
	u16(p, 5);
	u16(p, count);
	u32(p, uptime);
	u32(p, 1700000000);  /* 2023-11-14 22:13:20 UTC */
	u32(p, 500000000);   /* + 0.5 s */
	u32(p, seq);
	u8(p, 1);
	u8(p, 7);            /* engine type, id */
	u16(p, 0);
	for (i = 0; i < count; i++)
		v5_record(p, 0x0a000001, 0xc0000202 + i, 3, 180 + i, 9000, 9500, 40000 + i, 443,
			  0x12, 6);
}

TEST(netflow_v5_fields_and_times)
{
	struct vg_nf *d;
	struct pkt p;
	vg_nf_stats st;
	char a[46];

	CHECK_EQ_INT(vg_nf_create(&d, NULL), VG_OK);
	v5_packet(&p, 2, 10000, 0);
	CHECK_EQ_INT(feed(d, &p), VG_OK);
	CHECK_EQ_INT(n_got, 2);
	/* export 1700000000.5 s at uptime 10000: First 9000 is 1 s before */
	CHECK_EQ_INT(got[0].stime_us, 1699999999500000LL);
	CHECK_EQ_INT(got[0].ltime_us, 1700000000000000LL);
	vg_addr_format(&got[1].daddr, got[1].family, a);
	CHECK_EQ_STR(a, "192.0.2.3");
	CHECK_EQ_INT(got[1].family, VG_FAM_IP4);
	CHECK_EQ_INT(got[1].sport, 40001);
	CHECK_EQ_INT(got[1].dport, 443);
	CHECK_EQ_INT(got[1].spkts, 3);
	CHECK_EQ_INT(got[1].sbytes, 181);
	CHECK_EQ_INT(got[1].dpkts, 0);
	CHECK_EQ_INT(got[1].proto, 6);
	CHECK_EQ_INT(got[1].sflags, VG_TH_SYN | VG_TH_ACK);
	CHECK(got[1].rflags & VG_RF_ONEWAY);
	CHECK(got[1].tcp_status & VG_TCP_SAW_SYNACK);
	CHECK_EQ_INT(got[1].state, VG_ST_ACC);
	st = stats(d, 0);
	CHECK_EQ_INT(st.version, 5);
	CHECK_EQ_INT(st.domain, 0x107);
	CHECK_EQ_INT(st.packets, 1);
	CHECK_EQ_INT(st.flows, 2);
	CHECK_EQ_INT(st.first_us, NOW);
	vg_nf_free(d);
}

TEST(netflow_v5_uptime_wrap_and_icmp)
{
	struct vg_nf *d;
	struct pkt p;

	vg_nf_create(&d, NULL);
	p.n = 0;
	u16(&p, 5);
	u16(&p, 2);
	u32(&p, 1000);       /* uptime wrapped 1 s ago */
	u32(&p, 1700000000);
	u32(&p, 0);
	u32(&p, 0);
	u32(&p, 0);
	/* First/Last before the wrap (and before "boot", as softflowd
	 * replaying a pcap): 2 s and 1.5 s before the export */
	v5_record(&p, 0x0a000001, 0x0a000002, 1, 84, 0xFFFFFC18u, 0xFFFFFE0Cu, 0, 0x0303, 0, 1);
	/* an ICMP echo request: type 8 code 0 in the destination port */
	v5_record(&p, 0x0a000001, 0x0a000002, 2, 168, 500, 1000, 0, 0x0800, 0, 1);
	CHECK_EQ_INT(feed(d, &p), VG_OK);
	CHECK_EQ_INT(n_got, 2);
	CHECK_EQ_INT(got[0].stime_us, 1699999998000000LL);
	CHECK_EQ_INT(got[0].ltime_us, 1699999998500000LL);
	CHECK_EQ_INT(got[0].sport, 3); /* type */
	CHECK_EQ_INT(got[0].dport, 3); /* code */
	CHECK_EQ_INT(got[0].state, VG_ST_URP);
	CHECK_EQ_INT(got[1].sport, 8);
	CHECK_EQ_INT(got[1].dport, 0);
	CHECK_EQ_INT(got[1].state, VG_ST_ECO);
	CHECK_EQ_INT(got[1].stime_us, 1699999999500000LL);
	vg_nf_free(d);
}

TEST(netflow_v5_sequence)
{
	struct vg_nf *d;
	struct pkt p;
	vg_nf_stats st;

	vg_nf_create(&d, NULL);
	v5_packet(&p, 3, 10000, 100);
	feed(d, &p);
	v5_packet(&p, 3, 10000, 103);   /* in order */
	feed(d, &p);
	v5_packet(&p, 2, 10000, 111);   /* 5 flows (106..110) missing */
	feed(d, &p);
	st = stats(d, 0);
	CHECK_EQ_INT(st.lost, 5);
	v5_packet(&p, 2, 10000, 111);   /* the same again */
	feed(d, &p);
	st = stats(d, 0);
	CHECK_EQ_INT(st.duplicates, 1);
	CHECK_EQ_INT(st.lost, 5);
	v5_packet(&p, 3, 10000, 106);   /* part of the gap, late */
	feed(d, &p);
	st = stats(d, 0);
	CHECK_EQ_INT(st.late, 1);
	CHECK_EQ_INT(st.lost, 2);
	v5_packet(&p, 1, 10000, 113);   /* goes on from 111 + 2 */
	feed(d, &p);
	st = stats(d, 0);
	CHECK_EQ_INT(st.lost, 2);
	v5_packet(&p, 1, 10000, 5);     /* a restart: not loss */
	feed(d, &p);
	st = stats(d, 0);
	CHECK_EQ_INT(st.lost, 2);
	CHECK_EQ_INT(st.resyncs, 1);
	CHECK_EQ_INT(st.packets, 7);
	vg_nf_free(d);
}

/* ------------------------------------------------------------- v9 */

/* softflowd's IPv4 TCP/UDP template 1024 (FORMATS.md 4.4) */
static void v9_template(struct pkt *p)
{
	static const unsigned f[][2] = {
		{8, 4}, {12, 4}, {22, 4}, {21, 4}, {1, 4}, {2, 4}, {10, 4}, {14, 4},
		{61, 1}, {136, 1}, {7, 2}, {11, 2}, {4, 1}, {6, 1}, {60, 1}, {5, 1},
	};
	size_t s = set_begin(p, 0), i;
	u16(p, 1024);
	u16(p, 16);
	for (i = 0; i < 16; i++) {
		u16(p, f[i][0]);
		u16(p, f[i][1]);
	}
	set_end(p, s);
}

static void v9_data(struct pkt *p, uint32_t first, uint32_t last, unsigned dport)
{
	size_t s = set_begin(p, 1024);
	u32(p, 0xc0000201);
	u32(p, 0xc6336401);
	u32(p, first);
	u32(p, last);
	u32(p, 1500);
	u32(p, 5);
	u32(p, 0);
	u32(p, 0);
	u8(p, 0);
	u8(p, 0);
	u16(p, 53000);
	u16(p, dport);
	u8(p, 17);
	u8(p, 0);
	u8(p, 4);
	u8(p, 0);
	u8(p, 0);
	u8(p, 0);            /* padding to 4 */
	set_end(p, s);
}

TEST(netflow_v9_template_then_data)
{
	struct vg_nf *d;
	struct pkt p;
	vg_nf_stats st;

	vg_nf_create(&d, NULL);
	/* data before its template: counted and dropped */
	v9_header(&p, 50000, 1700000000, 1, 42);
	v9_data(&p, 40000, 45000, 53);
	CHECK_EQ_INT(feed(d, &p), VG_OK);
	CHECK_EQ_INT(n_got, 0);
	st = stats(d, 0);
	CHECK_EQ_INT(st.unknown_sets, 1);
	CHECK_EQ_INT(st.domain, 42);

	v9_header(&p, 50000, 1700000000, 2, 42);
	v9_template(&p);
	v9_data(&p, 40000, 45000, 53);
	CHECK_EQ_INT(feed(d, &p), VG_OK);
	CHECK_EQ_INT(n_got, 1);
	CHECK_EQ_INT(got[0].stime_us, 1699999990000000LL);
	CHECK_EQ_INT(got[0].ltime_us, 1699999995000000LL);
	CHECK_EQ_INT(got[0].proto, 17);
	CHECK_EQ_INT(got[0].sport, 53000);
	CHECK_EQ_INT(got[0].dport, 53);
	CHECK_EQ_INT(got[0].spkts, 5);
	CHECK_EQ_INT(got[0].sbytes, 1500);
	CHECK_EQ_INT(got[0].state, VG_ST_REQ);
	st = stats(d, 0);
	CHECK_EQ_INT(st.n_templates, 1);
	CHECK_EQ_INT(st.template_recs, 1);

	/* v9 counts packets: 3 and 4 are lost */
	v9_header(&p, 50000, 1700000000, 5, 42);
	v9_data(&p, 40000, 45000, 53);
	feed(d, &p);
	CHECK_EQ_INT(n_got, 1);
	st = stats(d, 0);
	CHECK_EQ_INT(st.lost, 2);
	CHECK_EQ_INT(st.flows, 2);

	/* another source id is another stream, without the template */
	v9_header(&p, 50000, 1700000000, 1, 43);
	v9_data(&p, 40000, 45000, 53);
	feed(d, &p);
	CHECK_EQ_INT(n_got, 0);
	CHECK_EQ_INT(vg_nf_stream_count(d), 2);
	vg_nf_free(d);
}

TEST(netflow_v9_options_template)
{
	struct vg_nf *d;
	struct pkt p;
	size_t s;
	vg_nf_stats st;

	vg_nf_create(&d, NULL);
	v9_header(&p, 50000, 1700000000, 1, 0);
	/* softflowd's: scope interface (type 2, a v9 scope type, not IE 2),
	 * options sampling interval 34, algorithm 35 */
	s = set_begin(&p, 1);
	u16(&p, 256);
	u16(&p, 4);
	u16(&p, 8);
	u16(&p, 2);
	u16(&p, 4);
	u16(&p, 34);
	u16(&p, 4);
	u16(&p, 35);
	u16(&p, 1);
	u16(&p, 0);          /* padding */
	set_end(&p, s);
	s = set_begin(&p, 256);
	u32(&p, 7);
	u32(&p, 1);
	u8(&p, 1);
	u8(&p, 0);
	u8(&p, 0);
	u8(&p, 0);
	set_end(&p, s);
	CHECK_EQ_INT(feed(d, &p), VG_OK);
	CHECK_EQ_INT(n_got, 0);
	st = stats(d, 0);
	CHECK_EQ_INT(st.n_templates, 1);
	CHECK_EQ_INT(st.options_recs, 1);
	CHECK_EQ_INT(st.malformed, 0);
	vg_nf_free(d);
}

/* ------------------------------------------------------------- IPFIX */

TEST(netflow_ipfix_enterprise_varlen_withdrawal)
{
	struct vg_nf *d;
	struct pkt p;
	size_t s, i;
	vg_nf_stats st;
	char a[46];

	vg_nf_create(&d, NULL);
	ipfix_header(&p, 1700000000, 0, 7);
	s = set_begin(&p, 2);
	u16(&p, 300);
	u16(&p, 9);
	u16(&p, 27); u16(&p, 16);          /* IPv6 addresses */
	u16(&p, 28); u16(&p, 16);
	u16(&p, 0x8000 | 12); u16(&p, 4); u32(&p, 9999); /* someone's IE 12: not an address */
	u16(&p, 82); u16(&p, 0xffff);      /* interfaceName, variable */
	u16(&p, 4); u16(&p, 1);
	u16(&p, 2); u16(&p, 8);            /* packets, 8 bytes */
	u16(&p, 1); u16(&p, 2);            /* bytes, reduced to 2 */
	u16(&p, 152); u16(&p, 8);
	u16(&p, 153); u16(&p, 8);
	set_end(&p, s);
	s = set_begin(&p, 300);
	for (i = 0; i < 2; i++) {
		unsigned k;
		u32(&p, 0x20010db8); u32(&p, 0); u32(&p, 0); u32(&p, 1);
		u32(&p, 0x20010db8); u32(&p, 0); u32(&p, 0); u32(&p, 2);
		u32(&p, 0xdeadbeef);
		if (i == 0) {
			u8(&p, 3);                 /* 1-byte length */
			u8(&p, 'e'); u8(&p, 't'); u8(&p, 'h');
		} else {
			u8(&p, 255);               /* 3-byte length form */
			u16(&p, 300);
			for (k = 0; k < 300; k++)
				u8(&p, 'x');
		}
		u8(&p, 58);
		u64(&p, 10 + i);
		u16(&p, 1000);
		u64(&p, 1699999999123ULL);
		u64(&p, 1699999999456ULL);
	}
	set_end(&p, s);
	ipfix_end(&p);
	CHECK_EQ_INT(feed(d, &p), VG_OK);
	CHECK_EQ_INT(n_got, 2);
	vg_addr_format(&got[0].saddr, got[0].family, a);
	CHECK_EQ_STR(a, "2001:db8::1");
	CHECK_EQ_INT(got[1].family, VG_FAM_IP6);
	CHECK_EQ_INT(got[1].spkts, 11);
	CHECK_EQ_INT(got[1].sbytes, 1000);
	CHECK_EQ_INT(got[1].proto, 58);
	CHECK_EQ_INT(got[1].stime_us, 1699999999123000LL);
	CHECK_EQ_INT(got[1].ltime_us, 1699999999456000LL);
	st = stats(d, 0);
	CHECK_EQ_INT(st.domain, 7);
	CHECK_EQ_INT(st.lost, 0);

	/* withdrawal (field count 0), then data for it is unknown */
	ipfix_header(&p, 1700000000, 2, 7);
	s = set_begin(&p, 2);
	u16(&p, 300);
	u16(&p, 0);
	set_end(&p, s);
	ipfix_end(&p);
	CHECK_EQ_INT(feed(d, &p), VG_OK);
	st = stats(d, 0);
	CHECK_EQ_INT(st.n_templates, 0);
	ipfix_header(&p, 1700000000, 2, 7);
	s = set_begin(&p, 300);
	u32(&p, 0);
	set_end(&p, s);
	ipfix_end(&p);
	feed(d, &p);
	CHECK_EQ_INT(n_got, 0);
	st = stats(d, 0);
	CHECK_EQ_INT(st.unknown_sets, 1);
	vg_nf_free(d);
}

/* A biflow template (RFC 5103 reverse IEs), IPv4. */
static void biflow_template(struct pkt *p, unsigned id)
{
	size_t s = set_begin(p, 2);
	u16(p, id);
	u16(p, 10);
	u16(p, 8); u16(p, 4);
	u16(p, 12); u16(p, 4);
	u16(p, 7); u16(p, 2);
	u16(p, 11); u16(p, 2);
	u16(p, 4); u16(p, 1);
	u16(p, 6); u16(p, 1);
	u16(p, 2); u16(p, 4);
	u16(p, 0x8000 | 2); u16(p, 4); u32(p, 29305);
	u16(p, 0x8000 | 6); u16(p, 1); u32(p, 29305);
	u16(p, 22); u16(p, 4);             /* relative start */
	set_end(p, s);
}

static void biflow_rec(struct pkt *p, uint32_t rpkts, uint32_t start_up)
{
	u32(p, 0x0a000001);
	u32(p, 0x0a000002);
	u16(p, 40000);
	u16(p, 22);
	u8(p, 6);
	u8(p, 0x02);
	u32(p, 4);
	u32(p, rpkts);
	u8(p, 0x12);
	u32(p, start_up);
}

static void biflow_data(struct pkt *p, unsigned id, uint32_t rpkts, uint32_t start_up)
{
	size_t s = set_begin(p, id);
	biflow_rec(p, rpkts, start_up);
	set_end(p, s);
}

static void sysinit_options(struct pkt *p, uint64_t init_ms)
{
	size_t s = set_begin(p, 3);
	u16(p, 256);
	u16(p, 2);
	u16(p, 1);
	u16(p, 143); u16(p, 4);            /* scope: meteringProcessId */
	u16(p, 160); u16(p, 8);
	set_end(p, s);
	s = set_begin(p, 256);
	u32(p, 1);
	u64(p, init_ms);
	set_end(p, s);
}

TEST(netflow_ipfix_biflow_and_sysinit)
{
	struct vg_nf *d;
	struct pkt p;
	vg_nf_stats st;

	vg_nf_create(&d, NULL);
	ipfix_header(&p, 1700000000, 0, 1);
	biflow_template(&p, 400);
	sysinit_options(&p, 1699990000000ULL);  /* booted 10000 s before export */
	biflow_data(&p, 400, 3, 9990000);        /* 9990 s after boot */
	biflow_data(&p, 400, 0, 0xFFFFFC18u);    /* 1 s before boot (pcap replay) */
	ipfix_end(&p);
	CHECK_EQ_INT(feed(d, &p), VG_OK);
	CHECK_EQ_INT(n_got, 2);
	CHECK_EQ_INT(got[0].stime_us, 1699999990000000LL);
	CHECK_EQ_INT(got[0].dpkts, 3);
	CHECK_EQ_INT(got[0].dflags, VG_TH_SYN | VG_TH_ACK);
	CHECK(!(got[0].rflags & VG_RF_ONEWAY));
	CHECK(got[0].tcp_status & VG_TCP_SAW_SYNACK);
	/* a biflow whose reverse side saw nothing stays one-way */
	CHECK(got[1].rflags & VG_RF_ONEWAY);
	CHECK_EQ_INT(got[1].stime_us, 1699989999000000LL);
	st = stats(d, 0);
	CHECK_EQ_INT(st.options_recs, 1);
	CHECK_EQ_INT(st.est_times, 0);

	/* the exporter's counting: RFC 7011 (3 data records before) */
	ipfix_header(&p, 1700000000, 3, 1);
	biflow_data(&p, 400, 1, 9990000);
	ipfix_end(&p);
	feed(d, &p);
	ipfix_header(&p, 1700000000, 9, 1);      /* 4 .. 8 lost */
	biflow_data(&p, 400, 1, 9990000);
	ipfix_end(&p);
	feed(d, &p);
	st = stats(d, 0);
	CHECK_EQ_INT(st.lost, 5);
	vg_nf_free(d);
}

TEST(netflow_ipfix_no_sysinit_and_softflowd_sequence)
{
	struct vg_nf *d;
	struct pkt p;
	size_t s;
	vg_nf_stats st;

	vg_nf_create(&d, NULL);
	/* no IE 160: the latest start in the set is taken as the export time */
	ipfix_header(&p, 1700000000, 2, 1);      /* softflowd: records so far, these included */
	biflow_template(&p, 400);
	s = set_begin(&p, 400);
	biflow_rec(&p, 0, 50000);
	biflow_rec(&p, 0, 45000);
	set_end(&p, s);
	ipfix_end(&p);
	feed(d, &p);
	CHECK_EQ_INT(n_got, 2);
	CHECK_EQ_INT(got[0].stime_us, 1700000000000000LL);
	CHECK_EQ_INT(got[1].stime_us, 1699999995000000LL);
	st = stats(d, 0);
	CHECK_EQ_INT(st.est_times, 1);
	ipfix_header(&p, 1700000000, 3, 1);
	biflow_data(&p, 400, 0, 50000);
	ipfix_end(&p);
	feed(d, &p);
	ipfix_header(&p, 1700000000, 4, 1);
	biflow_data(&p, 400, 0, 50000);
	ipfix_end(&p);
	feed(d, &p);
	st = stats(d, 0);
	CHECK_EQ_INT(st.lost, 0);
	CHECK_EQ_INT(st.late + st.duplicates + st.resyncs, 0);
	ipfix_header(&p, 1700000000, 7, 1);      /* 5 and 6 lost */
	biflow_data(&p, 400, 0, 50000);
	ipfix_end(&p);
	feed(d, &p);
	st = stats(d, 0);
	CHECK_EQ_INT(st.lost, 2);
	vg_nf_free(d);
}

/* ------------------------------------------------------------- bad input */

TEST(netflow_malformed_offsets)
{
	struct vg_nf *d;
	struct pkt p;
	size_t s, i;

	vg_nf_create(&d, NULL);
	p.n = 0;
	u8(&p, 5);
	CHECK_EQ_INT(feed(d, &p), VG_ERECORD);
	CHECK_EQ_INT(vg_nf_erroff(d), 0);
	CHECK(strstr(vg_nf_errmsg(d), "192.0.2.1:4739") != NULL);

	p.n = 0;
	u16(&p, 7);
	u16(&p, 1);
	CHECK_EQ_INT(feed(d, &p), VG_ERECORD);
	CHECK(strstr(vg_nf_errmsg(d), "version 7") != NULL);

	v5_packet(&p, 3, 10000, 0);
	p.n -= 10;                               /* the last record cut short */
	CHECK_EQ_INT(feed(d, &p), VG_ERECORD);
	CHECK_EQ_INT(vg_nf_erroff(d), p.n);
	CHECK_EQ_INT(n_got, 0);
	v5_packet(&p, 31, 10000, 0);
	CHECK_EQ_INT(feed(d, &p), VG_ERECORD);
	CHECK_EQ_INT(vg_nf_erroff(d), 2);

	v9_header(&p, 1, 1, 1, 0);
	p.n = 10;                                /* inside the header */
	CHECK_EQ_INT(feed(d, &p), VG_ERECORD);
	CHECK_EQ_INT(vg_nf_erroff(d), 10);

	v9_header(&p, 1, 1, 1, 0);
	v9_template(&p);
	s = p.n;
	u16(&p, 1024);
	u16(&p, 2);                              /* flowset shorter than its header */
	CHECK_EQ_INT(feed(d, &p), VG_ERECORD);
	CHECK_EQ_INT(vg_nf_erroff(d), s + 2);
	CHECK(strstr(vg_nf_errmsg(d), "NetFlow v9 @0x") != NULL);

	v9_header(&p, 1, 1, 1, 0);
	s = set_begin(&p, 0);
	u16(&p, 1025);
	u16(&p, 3);                              /* 3 fields, 1 present */
	u16(&p, 8);
	u16(&p, 4);
	set_end(&p, s);
	CHECK_EQ_INT(feed(d, &p), VG_ERECORD);
	CHECK_EQ_INT(vg_nf_erroff(d), s + 4);

	v9_header(&p, 1, 1, 1, 0);
	s = set_begin(&p, 0);
	u16(&p, 1026);
	u16(&p, 1);
	u16(&p, 8);
	u16(&p, 0);                              /* empty records: refused */
	set_end(&p, s);
	CHECK_EQ_INT(feed(d, &p), VG_ERECORD);

	ipfix_header(&p, 1, 0, 0);
	ipfix_end(&p);
	put16(&p, 2, 400);                       /* longer than the datagram */
	CHECK_EQ_INT(feed(d, &p), VG_ERECORD);
	CHECK_EQ_INT(vg_nf_erroff(d), 2);

	/* a variable-length field whose length runs past the set */
	ipfix_header(&p, 1, 0, 0);
	s = set_begin(&p, 2);
	u16(&p, 500);
	u16(&p, 1);
	u16(&p, 82);
	u16(&p, 0xffff);
	set_end(&p, s);
	s = set_begin(&p, 500);
	u8(&p, 2);
	u8(&p, 'a');
	u8(&p, 'b');
	u8(&p, 200);
	u8(&p, 'c');
	set_end(&p, s);
	ipfix_end(&p);
	CHECK_EQ_INT(feed(d, &p), VG_ERECORD);
	CHECK_EQ_INT(vg_nf_erroff(d), s + 7);

	/* every one counted, on the stream it came on */
	for (s = 0, i = 0; i < vg_nf_stream_count(d); i++)
		s += stats(d, i).malformed;
	CHECK_EQ_INT(s, 10);
	vg_nf_free(d);
}

TEST(netflow_limits)
{
	vg_nf_limits lim = {0};
	struct vg_nf *d;
	struct pkt p;
	size_t s;
	unsigned id;
	vg_nf_stats st;
	vg_nf_peer e;
	uint32_t ip;

	lim.max_templates = 2;
	lim.max_fields = 4;
	lim.max_streams = 3;
	vg_nf_create(&d, &lim);
	v9_header(&p, 1, 1, 1, 0);
	s = set_begin(&p, 0);
	for (id = 256; id < 260; id++) {
		u16(&p, id);
		u16(&p, 2);
		u16(&p, 8); u16(&p, 4);
		u16(&p, 12); u16(&p, 4);
	}
	set_end(&p, s);
	v9_template(&p);                         /* 16 fields: over max_fields */
	CHECK_EQ_INT(feed(d, &p), VG_OK);
	st = stats(d, 0);
	CHECK_EQ_INT(st.n_templates, 2);
	CHECK_EQ_INT(st.templates_refused, 3);

	/* more exporters than max_streams: dropped, counted */
	for (ip = 1; ip <= 4; ip++) {
		e = peer(0x0a000000 + ip);
		CHECK_EQ_INT(vg_nf_feed(d, &e, p.d, p.n, NOW, collect, NULL),
			     ip <= 2 ? VG_OK : VG_ELIMIT);
	}
	CHECK(strstr(vg_nf_errmsg(d), "exporters are tracked already") != NULL);
	CHECK_EQ_INT(vg_nf_stream_count(d), 3);
	CHECK_EQ_INT(vg_nf_dropped(d), 2);
	/* ... until one has been idle past the template lifetime */
	e = peer(0x0a0000ff);
	CHECK_EQ_INT(vg_nf_feed(d, &e, p.d, p.n, NOW + 31LL * 60 * 1000000, collect, NULL),
		     VG_OK);
	vg_nf_free(d);
}

TEST(netflow_template_expiry)
{
	struct vg_nf *d;
	struct pkt p;
	vg_nf_peer e = peer(0xc0000201);

	vg_nf_create(&d, NULL);
	v9_header(&p, 50000, 1700000000, 1, 0);
	v9_template(&p);
	feed(d, &p);
	v9_header(&p, 50000, 1700000000, 2, 0);
	v9_data(&p, 40000, 45000, 53);
	n_got = 0;
	vg_nf_feed(d, &e, p.d, p.n, NOW + 29LL * 60 * 1000000, collect, NULL);
	CHECK_EQ_INT(n_got, 1);
	n_got = 0;
	vg_nf_feed(d, &e, p.d, p.n, NOW + 31LL * 60 * 1000000, collect, NULL);
	CHECK_EQ_INT(n_got, 0);
	CHECK_EQ_INT(stats(d, 0).n_templates, 0);
	vg_nf_free(d);
}

/* The decoder as the reader's pushed format: the flows of each datagram
 * come out of vg_reader_read, equal to the decoder's own; a datagram cut
 * short is the reader's error, its good flows kept; and a file may not
 * claim the format. */
TEST(netflow_pushed_reader)
{
	struct vg_nf *d;
	vg_reader *r;
	struct pkt p;
	vg_flow out[8];
	vg_nf_peer e = peer(0xc0000201);
	vg_reader_stats rs;
	vg_reader_opts ro = {0};
	size_t n, total = 0;
	int rc;

	CHECK_EQ_INT(vg_nf_create(&d, NULL), VG_OK);
	CHECK_EQ_INT(vg_reader_open_push(&r, "netflow", "test", NULL), VG_OK);
	CHECK(vg_reader_netflow(r) != NULL);
	v5_packet(&p, 5, 10000, 0);
	n_got = 0;
	CHECK_EQ_INT(feed(d, &p), VG_OK);
	CHECK_EQ_INT(vg_reader_push(r, p.d, p.n, &e, NOW), VG_OK);
	/* in batches smaller than the datagram's flows */
	while ((rc = vg_reader_read(r, out, 2, &n)) == VG_OK) {
		size_t i;
		for (i = 0; i < n; i++)
			CHECK(memcmp(&out[i], &got[total + i], sizeof out[i]) == 0);
		total += n;
	}
	CHECK_EQ_INT(rc, VG_DONE);
	CHECK_EQ_INT((int)total, 5);
	/* a v5 datagram shorter than its count says is refused whole (as by
	 * the decoder alone); the reader says so and goes on */
	v5_packet(&p, 3, 10000, 5);
	p.n -= 10;
	CHECK_EQ_INT(vg_reader_push(r, p.d, p.n, &e, NOW), VG_ERECORD);
	CHECK(strstr(vg_reader_errmsg(r), "test: 192.0.2.1:") != NULL);
	CHECK_EQ_INT(vg_reader_read(r, out, 8, &n), VG_DONE);
	/* after VG_DONE, a new datagram gives its flows */
	v5_packet(&p, 3, 10000, 5);
	CHECK_EQ_INT(vg_reader_push(r, p.d, p.n, &e, NOW), VG_OK);
	CHECK_EQ_INT(vg_reader_read(r, out, 8, &n), VG_OK);
	CHECK_EQ_INT((int)n, 3);
	CHECK_EQ_INT(vg_reader_read(r, out, 8, &n), VG_DONE);
	vg_reader_get_stats(r, &rs);
	CHECK_EQ_INT((int)rs.n_flows, 8);
	CHECK_EQ_INT((int)rs.n_errors, 1);
	CHECK_EQ_INT((int)vg_nf_stream_count(vg_reader_netflow(r)), 1);
	vg_reader_close(r);
	vg_nf_free(d);

	CHECK_EQ_INT(vg_reader_open_push(&r, "argus", NULL, NULL), VG_EINVAL);
	vg_reader_close(r);
	ro.format = "netflow";
	CHECK(vg_reader_open_mem(&r, p.d, p.n, "mem", &ro) != VG_OK);
	CHECK(strstr(vg_reader_errmsg(r), "not for files") != NULL);
	vg_reader_close(r);
}
