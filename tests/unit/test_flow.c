/*
 * test_flow.c - the flow record helpers: the state summary against ra's
 * rules, protocol names, addresses, merging two reports.
 */
#include <string.h>

#include "harness.h"
#include "vigil.h"

static vg_flow mk(int fam, int proto, uint64_t sp, uint64_t dp)
{
	vg_flow f;
	memset(&f, 0, sizeof f);
	f.family = (uint8_t)fam;
	f.proto = (uint8_t)proto;
	f.spkts = sp;
	f.dpkts = dp;
	f.n_records = 1;
	return f;
}

static int st_tcp(uint32_t status, int rflags, uint64_t sp, uint64_t dp)
{
	vg_flow f = mk(VG_FAM_IP4, 6, sp, dp);
	f.tcp_status = status;
	f.rflags = (uint8_t)rflags;
	vg_flow_derive_state(&f);
	return f.state;
}

TEST(flow_state_tcp)
{
	CHECK_EQ_INT(st_tcp(VG_TCP_SAW_SYN, 0, 1, 0), VG_ST_REQ);
	CHECK_EQ_INT(st_tcp(VG_TCP_SAW_SYNACK, 0, 1, 0), VG_ST_ACC);
	CHECK_EQ_INT(st_tcp(VG_TCP_SAW_SYN | VG_TCP_SAW_SYNACK | VG_TCP_ESTABLISHED, 0, 3, 2), VG_ST_CON);
	CHECK_EQ_INT(st_tcp(0x1f, 0, 6, 6), VG_ST_FIN);
	CHECK_EQ_INT(st_tcp(VG_TCP_SAW_SYN | VG_TCP_DST_RESET, 0, 1, 1), VG_ST_RST);
	CHECK_EQ_INT(st_tcp(VG_TCP_FIN | VG_TCP_SRC_RESET, 0, 1, 1), VG_ST_RST);
	CHECK_EQ_INT(st_tcp(VG_TCP_ESTABLISHED | VG_TCP_NORMAL_CLOSE, 0, 1, 1), VG_ST_CLO);
	CHECK_EQ_INT(st_tcp(VG_TCP_ESTABLISHED, VG_RF_TIMEOUT, 1, 1), VG_ST_TIM);
	CHECK_EQ_INT(st_tcp(0, 0, 1, 1), VG_ST_CON);
	CHECK_EQ_INT(st_tcp(0, 0, 1, 0), VG_ST_INT);
}

TEST(flow_state_udp_icmp_arp)
{
	vg_flow f = mk(VG_FAM_IP4, 17, 1, 0);
	f.rflags = VG_RF_START;
	vg_flow_derive_state(&f);
	CHECK_EQ_INT(f.state, VG_ST_INT);
	f.rflags = 0;
	vg_flow_derive_state(&f);
	CHECK_EQ_INT(f.state, VG_ST_REQ);
	f.dpkts = 1;
	vg_flow_derive_state(&f);
	CHECK_EQ_INT(f.state, VG_ST_CON);
	f.spkts = 0;
	vg_flow_derive_state(&f);
	CHECK_EQ_INT(f.state, VG_ST_RSP);

	f = mk(VG_FAM_IP4, 1, 1, 1);
	f.sport = 8;
	vg_flow_derive_state(&f);
	CHECK_EQ_STR(vg_state_name(f.state), "ECO");
	f.sport = 0;
	vg_flow_derive_state(&f);
	CHECK_EQ_STR(vg_state_name(f.state), "ECR");
	f.sport = 3;
	f.dport = 1;
	vg_flow_derive_state(&f);
	CHECK_EQ_STR(vg_state_name(f.state), "URH");
	f.sport = 13;
	vg_flow_derive_state(&f);
	CHECK_EQ_STR(vg_state_name(f.state), "TST");

	f = mk(VG_FAM_IP6, 58, 4, 0);
	f.sport = 128;
	vg_flow_derive_state(&f);
	CHECK_EQ_STR(vg_state_name(f.state), "ECO");

	f = mk(VG_FAM_ARP, 0, 2, 0);
	vg_flow_derive_state(&f);
	CHECK_EQ_STR(vg_state_name(f.state), "INT");
	CHECK_EQ_INT(vg_state_parse("URP", 3), VG_ST_URP);
	CHECK_EQ_INT(vg_state_parse("UR", 2), VG_ST_UR);
	CHECK_EQ_INT(vg_state_parse("NOPE", 4), -1);
}

TEST(flow_proto_names)
{
	unsigned p;
	CHECK_EQ_STR(vg_proto_name(6), "tcp");
	CHECK_EQ_STR(vg_proto_name(58), "ipv6-icmp");
	CHECK(vg_proto_name(200) == NULL);
	CHECK_EQ_INT(vg_proto_parse("udp", 3), 17);
	CHECK_EQ_INT(vg_proto_parse("icmp6", 5), 58);
	CHECK_EQ_INT(vg_proto_parse("200", 3), 200);
	CHECK_EQ_INT(vg_proto_parse("256", 3), -1);
	CHECK_EQ_INT(vg_proto_parse("nosuch", 6), -1);
	for (p = 0; p < 256; p++) {
		const char *n = vg_proto_name(p);
		int back;
		if (!n)
			continue;
		back = vg_proto_parse(n, strlen(n));
		/* a few keywords stand for several numbers: the first wins */
		CHECK(back >= 0 && back <= (int)p);
		CHECK_EQ_STR(vg_proto_name((unsigned)back), n);
	}
}

TEST(flow_addresses)
{
	vg_addr a;
	char out[46];
	CHECK_EQ_INT(vg_addr_parse(&a, "192.0.2.10", 10), 4);
	CHECK(vg_addr_is_ip4(&a));
	CHECK_EQ_INT(vg_addr_ip4(&a), 0xc000020a);
	vg_addr_format(&a, VG_FAM_IP4, out);
	CHECK_EQ_STR(out, "192.0.2.10");
	CHECK_EQ_INT(vg_addr_parse(&a, "2001:db8::1", 11), 6);
	CHECK(!vg_addr_is_ip4(&a));
	vg_addr_format(&a, VG_FAM_IP6, out);
	CHECK_EQ_STR(out, "2001:db8::1");
	CHECK_EQ_INT(vg_addr_parse(&a, "::1", 3), 6);
	vg_addr_format(&a, VG_FAM_IP6, out);
	CHECK_EQ_STR(out, "::1");
	CHECK_EQ_INT(vg_addr_parse(&a, "300.1.1.1", 9), 0);
	CHECK_EQ_INT(vg_addr_parse(&a, "", 0), 0);
	vg_addr_from_ip4(&a, 0);
	vg_addr_format(&a, VG_FAM_IP4, out);
	CHECK_EQ_STR(out, "0.0.0.0");
}

TEST(flow_merge_two_reports)
{
	vg_flow a = mk(VG_FAM_IP4, 17, 2, 0), b = mk(VG_FAM_IP4, 17, 1, 3);
	a.stime_us = 100;
	a.ltime_us = 200;
	a.sbytes = 50;
	a.rflags = VG_RF_START;
	b.stime_us = 50;
	b.ltime_us = 300;
	b.dbytes = 70;
	b.rflags = VG_RF_TIMEOUT | VG_RF_ICMPMAP;
	CHECK(vg_flow_same_key(&a, &b));
	vg_flow_merge(&a, &b);
	CHECK_EQ_INT(a.stime_us, 50);
	CHECK_EQ_INT(a.ltime_us, 300);
	CHECK_EQ_INT(a.spkts, 3);
	CHECK_EQ_INT(a.dpkts, 3);
	CHECK_EQ_INT(a.sbytes, 50);
	CHECK_EQ_INT(a.dbytes, 70);
	CHECK_EQ_INT(a.n_records, 2);
	/* the first report's flags stay; mapped-ICMP is ORed in */
	CHECK_EQ_INT(a.rflags, VG_RF_START | VG_RF_ICMPMAP);
	CHECK_EQ_INT(a.state, VG_ST_CON);
	b.icmp_id = 1;
	CHECK(!vg_flow_same_key(&a, &b));
}
