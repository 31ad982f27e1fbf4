/*
 * test_filter.c - unit tests of the flow filter (lib/flow/filter.c): every
 * primitive, qualifier and operator on hand-built flows, matching and not
 * matching, and a table of expressions that must be rejected with a column.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "vigil.h"

/* A flow of family/proto between two addresses (IPv4 or IPv6 text). */
static vg_flow mk(unsigned proto, const char *s, unsigned sport,
		  const char *d, unsigned dport)
{
	vg_flow f;
	int v;

	memset(&f, 0, sizeof f);
	v = vg_addr_parse(&f.saddr, s, strlen(s));
	vg_addr_parse(&f.daddr, d, strlen(d));
	f.family = (uint8_t)(v == 6 ? VG_FAM_IP6 : VG_FAM_IP4);
	f.proto = (uint8_t)proto;
	f.sport = (uint16_t)sport;
	f.dport = (uint16_t)dport;
	f.spkts = 1;
	f.n_records = 1;
	return f;
}

/* 1 or 0 as the filter says; -1 (and the message) if it does not compile. */
static int m(const char *expr, const vg_flow *f)
{
	vg_filter *flt = NULL;
	char err[256];
	int r;

	r = vg_filter_compile(&flt, expr, err, sizeof err);
	if (r != VG_OK) {
		fprintf(stderr, "  compile \"%.200s\": %s\n", expr, err);
		return -1;
	}
	r = vg_filter_match(flt, f);
	vg_filter_free(flt);
	return r;
}

#define YES(e, f) CHECK_EQ_INT(m(e, &(f)), 1)
#define NO(e, f) CHECK_EQ_INT(m(e, &(f)), 0)

TEST(filter_empty_matches_all)
{
	vg_flow t = mk(6, "10.0.0.1", 1234, "10.0.0.2", 80);
	vg_flow man;
	vg_filter *f = NULL;

	memset(&man, 0, sizeof man);
	man.kind = VG_REC_MAN;
	YES("", t);
	YES("   \t\n ", t);
	YES("", man);
	CHECK_EQ_INT(vg_filter_compile(&f, "", NULL, 0), VG_OK);
	CHECK(f != NULL);
	CHECK_EQ_INT(vg_filter_match(f, &man), 1);
	vg_filter_free(f);
	/* a NULL filter matches everything; freeing NULL is fine */
	CHECK_EQ_INT(vg_filter_match(NULL, &t), 1);
	vg_filter_free(NULL);
}

TEST(filter_protocol_names)
{
	vg_flow tcp = mk(6, "10.0.0.1", 1234, "10.0.0.2", 80);
	vg_flow udp = mk(17, "10.0.0.1", 1234, "10.0.0.2", 53);
	vg_flow icmp = mk(1, "10.0.0.1", 8, "10.0.0.2", 0);
	vg_flow icmp6 = mk(58, "2001:db8::1", 128, "2001:db8::2", 0);
	vg_flow sctp = mk(132, "10.0.0.1", 5000, "10.0.0.2", 5001);
	vg_flow gre = mk(47, "10.0.0.1", 0, "10.0.0.2", 0);
	vg_flow esp = mk(50, "10.0.0.1", 0, "10.0.0.2", 0);
	vg_flow ah = mk(51, "10.0.0.1", 0, "10.0.0.2", 0);

	YES("tcp", tcp);
	NO("tcp", udp);
	YES("udp", udp);
	NO("udp", tcp);
	YES("icmp", icmp);
	NO("icmp", icmp6);
	YES("icmp6", icmp6);
	YES("ipv6-icmp", icmp6);
	YES("icmpv6", icmp6);
	NO("icmp6", icmp);
	YES("sctp", sctp);
	NO("sctp", tcp);
	YES("gre", gre);
	NO("gre", esp);
	YES("esp", esp);
	NO("esp", ah);
	YES("ah", ah);
	NO("ah", gre);
}

TEST(filter_families)
{
	vg_flow v4 = mk(6, "10.0.0.1", 1, "10.0.0.2", 2);
	vg_flow v6 = mk(6, "2001:db8::1", 1, "2001:db8::2", 2);
	vg_flow arp = mk(0, "10.0.0.1", 0, "10.0.0.2", 0);
	vg_flow rarp = arp;

	arp.family = VG_FAM_ARP;
	rarp.family = VG_FAM_RARP;
	YES("ip", v4);
	YES("ip4", v4);
	YES("ipv4", v4);
	NO("ip", v6);
	NO("ip", arp);
	YES("ip6", v6);
	YES("ipv6", v6);
	NO("ip6", v4);
	YES("arp", arp);
	NO("arp", rarp);
	NO("arp", v4);
	YES("rarp", rarp);
	NO("rarp", arp);
	/* ARP is not IP: proto 0 does not match it */
	NO("proto 0", arp);
	NO("tcp", arp);
}

TEST(filter_proto)
{
	vg_flow tcp = mk(6, "10.0.0.1", 1, "10.0.0.2", 2);
	vg_flow tcp6 = mk(6, "2001:db8::1", 1, "2001:db8::2", 2);
	vg_flow ospf = mk(89, "10.0.0.1", 0, "224.0.0.5", 0);
	vg_flow icmp6 = mk(58, "2001:db8::1", 128, "2001:db8::2", 0);
	vg_flow man;

	memset(&man, 0, sizeof man);
	man.kind = VG_REC_MAN;
	YES("proto 6", tcp);
	YES("proto tcp", tcp);
	YES("proto 6", tcp6);
	NO("proto 17", tcp);
	NO("proto udp", tcp);
	YES("proto ospf", ospf);
	YES("proto 89", ospf);
	NO("proto ospf", tcp);
	YES("proto 58", icmp6);
	YES("proto icmp6", icmp6);
	YES("proto ipv6-icmp", icmp6);
	/* ip proto is IPv4 only, ip6 proto IPv6 only, as in tcpdump */
	YES("ip proto 6", tcp);
	NO("ip proto 6", tcp6);
	YES("ip6 proto tcp", tcp6);
	NO("ip6 proto tcp", tcp);
	NO("ip proto 17", tcp);
	/* a management record has no protocol */
	NO("proto 0", man);
	/* abbreviation */
	YES("proto 17 or 89", ospf);
	NO("proto 17 or 47", ospf);
}

TEST(filter_host)
{
	vg_flow f = mk(6, "192.0.2.1", 1234, "198.51.100.7", 80);
	vg_flow f6 = mk(6, "2001:db8::1", 1234, "2001:db8::2", 80);

	YES("host 192.0.2.1", f);
	YES("host 198.51.100.7", f);
	NO("host 192.0.2.2", f);
	YES("src host 192.0.2.1", f);
	NO("src host 198.51.100.7", f);
	YES("dst host 198.51.100.7", f);
	NO("dst host 192.0.2.1", f);
	YES("src or dst host 198.51.100.7", f);
	YES("dst or src host 192.0.2.1", f);
	NO("src or dst host 10.0.0.1", f);
	NO("src and dst host 192.0.2.1", f);
	YES("host 2001:db8::1", f6);
	YES("dst host 2001:db8::2", f6);
	NO("src host 2001:db8::2", f6);
	NO("host 2001:db8::3", f6);
	YES("src host 2001:db8::1 && dst host 2001:db8::2", f6);

	/* src and dst: both sides */
	f.daddr = f.saddr;
	YES("src and dst host 192.0.2.1", f);
	YES("dst and src host 192.0.2.1", f);
}

TEST(filter_net)
{
	vg_flow f = mk(17, "10.1.2.3", 5353, "192.168.7.9", 53);
	vg_flow f6 = mk(17, "2001:db8:1::5", 5353, "fe80::1", 53);

	YES("net 10.0.0.0/8", f);
	YES("src net 10.0.0.0/8", f);
	NO("dst net 10.0.0.0/8", f);
	YES("net 10.1.2.0/24", f);
	NO("net 10.1.3.0/24", f);
	YES("net 10.1.2.3/32", f);
	YES("net 10.1.2.3", f);
	NO("net 10.1.2.4", f);
	YES("dst net 192.168.0.0/16", f);
	YES("net 0.0.0.0/0", f);
	YES("net 10.0.0.0 mask 255.0.0.0", f);
	NO("net 11.0.0.0 mask 255.0.0.0", f);
	YES("dst net 192.168.7.0 mask 255.255.255.0", f);
	NO("src net 192.168.7.0 mask 255.255.255.0", f);
	YES("src and dst net 0.0.0.0/1 or net 192.168.0.0/16", f);
	NO("src and dst net 0.0.0.0/1", f);

	YES("net 2001:db8::/32", f6);
	YES("src net 2001:db8:1::/48", f6);
	NO("src net 2001:db8:2::/48", f6);
	YES("dst net fe80::/10", f6);
	NO("src net fe80::/10", f6);
	YES("net ::/0", f6);
	YES("net 2001:db8:1::5/128", f6);
	NO("net 2001:db8:1::6/128", f6);
	/* prefix boundaries inside the second 64-bit half */
	YES("net 2001:db8:1::4/126", f6);
	NO("net 2001:db8:1::/127", f6);
	YES("net 2001:db8:1::/64", f6);
	YES("net 2000::/3", f6);
	NO("net 4000::/3", f6);
}

TEST(filter_v4_v6_do_not_mix)
{
	vg_flow f4 = mk(6, "10.1.2.3", 1, "10.9.9.9", 2);
	vg_flow f6 = mk(6, "2001:db8::1", 1, "2001:db8::2", 2);
	/* an IPv6 flow whose address is IPv4-mapped: still IPv6 */
	vg_flow m6 = mk(6, "10.1.2.3", 1, "10.9.9.9", 2);

	m6.family = VG_FAM_IP6;
	NO("net 0.0.0.0/0", f6);
	NO("net ::/0", f4);
	NO("net 10.0.0.0/8", m6);
	NO("host 10.1.2.3", m6);
	YES("host ::ffff:10.1.2.3", m6);
	NO("host ::ffff:10.1.2.3", f4);
	YES("net ::ffff:0:0/96", m6);
	YES("net ::ffff:10.0.0.0/104", m6);
	NO("net ::ffff:11.0.0.0/104", m6);
	NO("net ::ffff:0:0/96", f4);
}

TEST(filter_arp_addresses)
{
	vg_flow arp = mk(0, "10.0.0.1", 0, "10.0.0.254", 0);

	arp.family = VG_FAM_ARP;
	YES("host 10.0.0.1", arp);
	YES("dst host 10.0.0.254", arp);
	YES("net 10.0.0.0/24", arp);
	NO("net 10.0.1.0/24", arp);
	YES("arp host 10.0.0.1", arp);
	NO("ip host 10.0.0.1", arp);
	NO("port 0", arp);
	arp.family = VG_FAM_RARP;
	YES("src net 10.0.0.0/8", arp);
	YES("rarp src host 10.0.0.1", arp);
	NO("arp src host 10.0.0.1", arp);
}

TEST(filter_port)
{
	vg_flow tcp = mk(6, "10.0.0.1", 40000, "10.0.0.2", 445);
	vg_flow udp = mk(17, "10.0.0.1", 53, "10.0.0.2", 53);
	vg_flow sctp = mk(132, "10.0.0.1", 2905, "10.0.0.2", 2905);
	vg_flow icmp = mk(1, "10.0.0.1", 8, "10.0.0.2", 0);
	vg_flow icmp6 = mk(58, "2001:db8::1", 128, "2001:db8::2", 0);
	vg_flow gre = mk(47, "10.0.0.1", 0, "10.0.0.2", 0);
	vg_flow tcp6 = mk(6, "2001:db8::1", 40000, "2001:db8::2", 22);

	YES("port 445", tcp);
	YES("port 40000", tcp);
	NO("port 80", tcp);
	YES("dst port 445", tcp);
	NO("src port 445", tcp);
	YES("src port 40000", tcp);
	NO("dst port 40000", tcp);
	YES("src or dst port 445", tcp);
	NO("src and dst port 445", tcp);
	YES("src and dst port 53", udp);
	YES("port 2905", sctp);
	YES("dst port 22", tcp6);
	/* ports mean nothing for ICMP (type/code live there) or GRE */
	NO("port 8", icmp);
	NO("src port 8", icmp);
	NO("port 0", icmp);
	NO("port 128", icmp6);
	NO("port 0", gre);
	NO("portrange 0-65535", gre);
	/* protocol-qualified ports */
	YES("tcp port 445", tcp);
	NO("udp port 445", tcp);
	YES("udp dst port 53", udp);
	NO("tcp dst port 53", udp);
	YES("sctp port 2905", sctp);
	YES("ip port 445", tcp);
	NO("ip6 port 445", tcp);
	YES("ip6 port 22", tcp6);
}

TEST(filter_portrange)
{
	vg_flow f = mk(6, "10.0.0.1", 51000, "10.0.0.2", 8080);

	YES("portrange 8000-8100", f);
	YES("portrange 8080-8080", f);
	NO("portrange 8081-8100", f);
	NO("portrange 1-8079", f);
	YES("dst portrange 8000-9000", f);
	NO("src portrange 8000-9000", f);
	YES("src portrange 49152-65535", f);
	/* reversed bounds are swapped, as tcpdump does */
	YES("portrange 8100-8000", f);
	YES("tcp dst portrange 0-65535", f);
	NO("udp portrange 0-65535", f);
}

TEST(filter_state_icmp)
{
	vg_flow rst = mk(6, "10.0.0.1", 1, "10.0.0.2", 2);
	vg_flow echo = mk(1, "10.0.0.1", 8, "10.0.0.2", 0);
	vg_flow unr = mk(1, "10.0.0.1", 3, "10.0.0.2", 3);
	vg_flow echo6 = mk(58, "2001:db8::1", 128, "2001:db8::2", 0);
	vg_flow tcp8 = mk(6, "10.0.0.1", 8, "10.0.0.2", 0);

	rst.state = VG_ST_RST;
	echo.state = VG_ST_ECO;
	YES("state RST", rst);
	YES("state rst", rst);
	NO("state CON", rst);
	NO("state RST", echo);
	YES("state ECO", echo);
	YES("state CON or RST", rst);
	YES("state CON or FIN or RST", rst);
	NO("state CON or FIN", rst);
	YES("tcp and state RST", rst);
	NO("not state RST", rst);

	YES("icmp-type 8", echo);
	NO("icmp-type 0", echo);
	YES("icmp-code 0", echo);
	NO("icmp-code 1", echo);
	YES("icmp-type 3 and icmp-code 3", unr);
	NO("icmp-type 3 and icmp-code 1", unr);
	YES("icmp-type 0 or 3", unr);
	NO("icmp-type 0 or 8", unr);
	YES("icmp-type 128", echo6);
	/* a TCP flow's source port is not an ICMP type */
	NO("icmp-type 8", tcp8);
	NO("icmp-code 0", tcp8);
}

TEST(filter_counters)
{
	vg_flow f = mk(6, "10.0.0.1", 1, "10.0.0.2", 2);

	f.spkts = 10;
	f.dpkts = 5;
	f.sbytes = 1000;
	f.dbytes = 20000;
	YES("pkts > 14", f);
	NO("pkts > 15", f);
	YES("pkts >= 15", f);
	NO("pkts >= 16", f);
	YES("pkts = 15", f);
	YES("pkts == 15", f);
	NO("pkts != 15", f);
	YES("pkts != 14", f);
	YES("pkts < 16", f);
	NO("pkts < 15", f);
	YES("pkts <= 15", f);
	NO("pkts <= 14", f);
	YES("spkts = 10", f);
	YES("dpkts = 5", f);
	NO("spkts = 5", f);
	YES("sbytes < 1001", f);
	NO("sbytes > 1000", f);
	YES("dbytes > 19999", f);
	YES("bytes = 21000", f);
	YES("bytes>20000&&pkts<100", f);
	YES("dbytes>=20000", f);
	NO("bytes!=21000", f);
	YES("bytes < 18446744073709551615", f);
	/* sums saturate instead of wrapping */
	f.sbytes = UINT64_MAX;
	YES("bytes = 18446744073709551615", f);
	NO("bytes < 1000", f);
}

TEST(filter_man)
{
	vg_flow man, flow = mk(6, "10.0.0.1", 1, "10.0.0.2", 2);

	memset(&man, 0, sizeof man);
	man.kind = VG_REC_MAN;
	man.state = VG_ST_STA;
	YES("man", man);
	NO("man", flow);
	YES("not man", flow);
	NO("not man", man);
	YES("man and state STA", man);
	/* a management record has no address, port or protocol */
	NO("net 0.0.0.0/0 or net ::/0", man);
	NO("portrange 0-65535", man);
	NO("ip or ip6 or arp", man);
}

TEST(filter_operators)
{
	vg_flow tcp = mk(6, "10.0.0.1", 1234, "10.0.0.2", 80);
	vg_flow udp = mk(17, "10.0.0.1", 1234, "10.0.0.2", 53);
	vg_flow icmp = mk(1, "10.0.0.1", 8, "10.0.0.2", 0);

	YES("tcp and port 80", tcp);
	YES("tcp && port 80", tcp);
	NO("tcp and port 81", tcp);
	NO("udp and port 80", tcp);
	YES("tcp or udp", udp);
	YES("tcp || udp", udp);
	NO("tcp or udp", icmp);
	YES("not tcp", udp);
	NO("not tcp", tcp);
	YES("!tcp", udp);
	NO("! tcp", tcp);
	YES("not not tcp", tcp);
	NO("not ! not tcp", tcp);
	YES("not ! not tcp", udp);
	YES("not icmp", tcp);
	NO("not icmp", icmp);
	YES("(tcp)", tcp);
	YES("((((tcp))))", tcp);
	YES("(tcp or udp) and not src net 192.0.2.0/24", udp);
	NO("(tcp or udp) and not src net 10.0.0.0/24", udp);
	YES("tcp and dst port 80 and src port 1234 and host 10.0.0.2", tcp);
	NO("tcp and dst port 80 and src port 1235 and host 10.0.0.2", tcp);
	YES("icmp or udp or tcp", tcp);
	NO("icmp or udp or sctp", tcp);
	YES("(tcp or udp)and(port 53)", udp);
}

TEST(filter_precedence)
{
	vg_flow tcp = mk(6, "10.0.0.1", 1234, "10.0.0.2", 80);
	vg_flow udp = mk(17, "10.0.0.1", 1234, "10.0.0.2", 53);

	/* and binds tighter than or */
	YES("tcp or udp and port 99", tcp);  /* tcp or (udp and port 99) */
	NO("(tcp or udp) and port 99", tcp);
	YES("udp and port 99 or tcp", tcp);
	NO("udp and (port 99 or tcp)", tcp);
	/* not binds tighter than and / or */
	YES("not udp and tcp", tcp);         /* (not udp) and tcp */
	NO("not (udp or tcp)", tcp);
	YES("not udp or udp", tcp);
	NO("not tcp and port 80", tcp);
	YES("not tcp or port 80", tcp);
	NO("not (tcp or udp) or port 99", udp);
	YES("not (tcp and port 80)", udp);
	NO("not (tcp and port 80)", tcp);
	/* mixed chains */
	YES("udp and port 1 or udp and port 53 or tcp and port 1", udp);
	NO("udp and port 1 or tcp and port 53 or udp and port 2", udp);
}

TEST(filter_abbreviation)
{
	vg_flow web = mk(6, "10.0.0.1", 40000, "10.0.0.2", 443);
	vg_flow ssh = mk(6, "10.0.0.1", 23, "10.0.0.2", 2222);
	vg_flow dns = mk(17, "10.0.0.1", 40000, "10.0.0.2", 443);
	vg_flow h = mk(6, "5.6.7.8", 1, "9.9.9.9", 2);

	YES("port 80 or 443", web);
	NO("port 80 or 8080", web);
	YES("port 80 or 8080 or 443", web);
	YES("host 1.2.3.4 or 5.6.7.8", h);
	NO("host 1.2.3.4 or 5.6.7.9", h);
	/* dst port 22 or 23 = dst port 22 or dst port 23 */
	NO("dst port 22 or 23", ssh);
	YES("src port 22 or 23", ssh);
	/* the protocol qualifier repeats too */
	YES("tcp port 80 or 443", web);
	NO("tcp port 80 or 443", dns);
	YES("udp port 80 or 443", dns);
	/* and not VALUE, and VALUE inside parentheses */
	NO("port 443 and not 40000", web);
	YES("port 443 and not 40001", web);
	YES("dst port 80 or (443)", web);
	/* a group passes on its last primitive */
	YES("(port 80 or 22) or 443", web);
	NO("(port 80 or 22) or 444", web);
	YES("src net 10.0.0.0/8 and not 10.0.0.2", web);
	YES("net 10.9.0.0/16 or 10.0.0.0/24", web);
	/* after "net A mask M", a bare address is a host-sized net */
	NO("net 10.9.0.0 mask 255.255.0.0 or 10.0.0.0", web);
	YES("net 10.9.0.0 mask 255.255.0.0 or 10.0.0.2", web);
	NO("state FIN or RST or CON", web);
	web.state = VG_ST_CON;
	YES("state FIN or RST or CON", web);
}

TEST(filter_qualified_addresses)
{
	vg_flow f4 = mk(6, "10.0.0.1", 1, "10.0.0.2", 2);
	vg_flow f6 = mk(6, "2001:db8::1", 1, "2001:db8::2", 2);

	YES("ip host 10.0.0.1", f4);
	YES("ip4 src net 10.0.0.0/8", f4);
	YES("ipv4 dst host 10.0.0.2", f4);
	NO("ip dst host 10.0.0.1", f4);
	YES("ip6 net 2001:db8::/32", f6);
	YES("ipv6 src host 2001:db8::1", f6);
	NO("ipv6 src host 2001:db8::2", f6);
}

/* Expressions that must not compile; each error names a column. */
static const char *const bad_exprs[] = {
	"foo",
	"80",
	"1.2.3.4",
	"tcp udp",
	"port 80 443",
	"tcp port 80 udp",
	"port",
	"port 65536",
	"port 99999999999999999999999",
	"port http",
	"port -1",
	"portrange 10",
	"portrange 5-70000",
	"portrange a-b",
	"portrange 10-",
	"net 10.0.0.0/33",
	"net ::/129",
	"net 10.0.0.0/",
	"net 10.0.0.0/x",
	"net 10.1",
	"net 10",
	"net 10.0.0.1/8",
	"net 2001:db8::1/32",
	"net example.com",
	"net ::1 mask 255.0.0.0",
	"net 10.0.0.0 mask",
	"net 10.0.0.0 mask 255.0",
	"net 10.0.0.0 mask ffff::",
	"net 10.1.0.0 mask 255.0.0.0",
	"host 10.0.0.0/8",
	"host example.com",
	"host 1.2.3.4 mask 255.0.0.0",
	"host",
	"mask 255.0.0.0",
	"(tcp",
	"((tcp)",
	"tcp)",
	"(tcp))",
	"()",
	")",
	"(",
	"tcp and",
	"tcp or",
	"and tcp",
	"or",
	"not",
	"!",
	"tcp and or udp",
	"tcp & udp",
	"tcp | udp",
	"tcp &&& udp",
	"tcp # comment",
	"tcp \x80",
	"tcp; udp",
	"TCP",
	"src",
	"src tcp",
	"src 10.0.0.1",
	"src or src host 1.2.3.4",
	"src and port 80",
	"dst or",
	"dst proto 6",
	"src state RST",
	"proto",
	"proto 256",
	"proto 1000",
	"proto nosuch",
	"ip proto",
	"state",
	"state XYZ",
	"state NOTASTATE",
	"icmp-type",
	"icmp-type 256",
	"icmp-code x",
	"bytes",
	"bytes 10",
	"bytes >",
	"bytes > -1",
	"bytes > 1k",
	"bytes > 18446744073709551616",
	"pkts => 3",
	"bytes > > 3",
	"< 3",
	"icmp host 1.2.3.4",
	"tcp host 1.2.3.4",
	"arp port 80",
	"arp proto 6",
	"tcp proto 6",
	"tcp state RST",
	"ip host ::1",
	"ip6 host 1.2.3.4",
	"arp net 2001:db8::/32",
	"tcp or 80",
	"port 1 or tcp or 2",
	"bytes > 3 or 4",
	"man or 1",
	"port 80 or",
	"port 80 or foo",
	"host 1.2.3.4 or 80",
	"tcp and (udp or (icmp)",
};

TEST(filter_invalid)
{
	size_t i;

	for (i = 0; i < sizeof bad_exprs / sizeof bad_exprs[0]; i++) {
		vg_filter *f = (vg_filter *)&i; /* must be reset to NULL */
		char err[256];
		int r;

		memset(err, 'x', sizeof err);
		r = vg_filter_compile(&f, bad_exprs[i], err, sizeof err);
		if (r != VG_EINVAL)
			vgt_fail(__FILE__, __LINE__, "\"%s\" compiled (%d)",
				 bad_exprs[i], r);
		CHECK(f == NULL);
		CHECK(memchr(err, '\0', sizeof err) != NULL);
		if (!strstr(err, "filter: at column "))
			vgt_fail(__FILE__, __LINE__,
				 "\"%s\": message \"%.200s\"", bad_exprs[i],
				 err);
		vg_filter_free(r == VG_OK ? f : NULL);
	}
}

static void check_err(const char *expr, const char *want)
{
	vg_filter *f = NULL;
	char err[256];
	int r = vg_filter_compile(&f, expr, err, sizeof err);

	if (r != VG_EINVAL || strcmp(err, want) != 0)
		vgt_fail(__FILE__, __LINE__,
			 "\"%s\": %d \"%s\", expected \"%s\"",
			 expr ? expr : "(null)", r,
			 r == VG_OK ? "" : err, want);
	if (r == VG_OK)
		vg_filter_free(f);
}

TEST(filter_error_messages)
{
	check_err("tcp and foo",
		  "filter: at column 9 (\"foo\"): expected a primitive such "
		  "as tcp, host, net or port");
	check_err("dst port 99999",
		  "filter: at column 10 (\"99999\"): a port number must be at "
		  "most 65535");
	check_err("tcp and dst port",
		  "filter: at column 17 (end of expression): expected a port "
		  "number");
	check_err("tcp udp",
		  "filter: at column 5 (\"udp\"): expected 'and', 'or' or the "
		  "end of the expression");
	check_err("(tcp or udp",
		  "filter: at column 12 (end of expression): the '(' at "
		  "column 1 is not closed");
	check_err("tcp)", "filter: at column 4 (\")\"): unbalanced ')'");
	check_err("net 10.0.0.0/33",
		  "filter: at column 5 (\"10.0.0.0/33\"): prefix length must "
		  "be 0-32 for an IPv4 network");
	check_err("  tcp & udp",
		  "filter: at column 7 (\"&\"): unexpected character");
	check_err("tcp or \"x\"",
		  "filter: at column 8 (\"\\\"\"): unexpected character");
	check_err("port 80 and \x01",
		  "filter: at column 13 (\"\\x01\"): unexpected character");
	check_err("icmp port 7",
		  "filter: at column 6 (\"port\"): 'icmp' cannot qualify "
		  "'port'");
	check_err("net 10.1",
		  "filter: at column 5 (\"10.1\"): partial networks are not "
		  "supported; write a prefix such as 10.1.0.0/16");
	check_err(NULL, "filter: no expression");
}

TEST(filter_errbuf_limits)
{
	vg_filter *f = NULL;
	char small[12];

	/* no buffer at all */
	CHECK_EQ_INT(vg_filter_compile(&f, "port 99999", NULL, 0), VG_EINVAL);
	CHECK(f == NULL);
	/* a short buffer is truncated, NUL-terminated, not overrun */
	memset(small, 'x', sizeof small);
	CHECK_EQ_INT(vg_filter_compile(&f, "port 99999", small, 8),
		     VG_EINVAL);
	CHECK_EQ_STR(small, "filter:");
	CHECK(small[8] == 'x');
	/* NULL result pointer */
	CHECK_EQ_INT(vg_filter_compile(NULL, "tcp", NULL, 0), VG_EINVAL);
	/* success clears the buffer */
	memset(small, 'x', sizeof small);
	CHECK_EQ_INT(vg_filter_compile(&f, "tcp", small, sizeof small), VG_OK);
	CHECK_EQ_STR(small, "");
	vg_filter_free(f);
}

static char *repeat(const char *head, const char *unit, size_t n,
		    const char *tail)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail), i;
	char *s = malloc(hl + ul * n + tl + 1), *o = s;

	if (!s)
		return NULL;
	memcpy(o, head, hl);
	o += hl;
	for (i = 0; i < n; i++, o += ul)
		memcpy(o, unit, ul);
	memcpy(o, tail, tl + 1);
	return s;
}

TEST(filter_limits)
{
	vg_flow tcp = mk(6, "10.0.0.1", 1234, "10.0.0.2", 80);
	vg_filter *f = NULL;
	char err[256];
	char *s, *close;
	size_t n;

	/* 64 levels of parentheses are fine, 65 are not */
	s = repeat("", "(", 64, "tcp");
	close = repeat(s, ")", 64, "");
	CHECK_EQ_INT(m(close, &tcp), 1);
	free(s);
	free(close);
	s = repeat("", "(", 65, "tcp");
	close = repeat(s, ")", 65, "");
	CHECK_EQ_INT(vg_filter_compile(&f, close, err, sizeof err), VG_EINVAL);
	CHECK(strstr(err, "column 65 (\"(\"): parentheses nested deeper") !=
	      NULL);
	free(s);
	free(close);
	/* a hostile run of parentheses or nots does not recurse deeply */
	s = repeat("", "(", 100000, "");
	CHECK_EQ_INT(vg_filter_compile(&f, s, err, sizeof err), VG_EINVAL);
	free(s);
	s = repeat("", "not ", 10001, "tcp");
	CHECK_EQ_INT(m(s, &tcp), 0);
	free(s);
	s = repeat("", "! ", 10000, "tcp");
	CHECK_EQ_INT(m(s, &tcp), 1);
	free(s);
	/* long flat chains are fine and evaluated without recursion */
	s = repeat("", "udp or ", 9000, "tcp");
	CHECK_EQ_INT(m(s, &tcp), 1);
	free(s);
	s = repeat("", "tcp and ", 8000, "udp");
	CHECK_EQ_INT(m(s, &tcp), 0);
	free(s);
	s = repeat("port 1", " or 2", 9000, " or 80");
	CHECK_EQ_INT(m(s, &tcp), 1);
	free(s);
	/* 64 KiB of expression is the limit */
	n = (65536 - 3) / 7;
	s = repeat("tcp", " or tcp", n, "");
	CHECK(strlen(s) <= 65536);
	CHECK_EQ_INT(m(s, &tcp), 1);
	free(s);
	s = repeat("tcp", " or tcp", n + 1, "");
	CHECK(strlen(s) > 65536);
	CHECK_EQ_INT(vg_filter_compile(&f, s, err, sizeof err), VG_EINVAL);
	CHECK(strstr(err, "column 65537") != NULL);
	CHECK(strstr(err, "longer than 65536 bytes") != NULL);
	CHECK(f == NULL);
	free(s);
}

TEST(filter_reuse)
{
	/* one compiled filter over many flows gives each its own answer */
	vg_filter *f = NULL;
	vg_flow a = mk(6, "10.0.0.1", 1234, "10.0.0.2", 445);
	vg_flow b = mk(6, "192.0.2.1", 1234, "10.0.0.2", 445);
	vg_flow c = mk(17, "10.0.0.1", 1234, "10.0.0.2", 445);
	vg_flow d = mk(6, "10.0.0.1", 1234, "10.0.0.2", 139);

	CHECK_EQ_INT(vg_filter_compile(&f, "tcp and dst port 445 and not src "
					   "net 192.0.2.0/24", NULL, 0), VG_OK);
	CHECK_EQ_INT(vg_filter_match(f, &a), 1);
	CHECK_EQ_INT(vg_filter_match(f, &b), 0);
	CHECK_EQ_INT(vg_filter_match(f, &c), 0);
	CHECK_EQ_INT(vg_filter_match(f, &d), 0);
	CHECK_EQ_INT(vg_filter_match(f, &a), 1);
	vg_filter_free(f);
}
