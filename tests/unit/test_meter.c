/*
 * test_meter.c - the flow meter on packets built here with known content:
 * every link layer it decodes, VLAN/MPLS/PPPoE, IPv4 and IPv6 fragments,
 * IPv6 extension headers, truncated and broken headers, TCP states, ICMP
 * keys, timeouts. Each test says what flows the packets must make.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "read/meter.h"

#define SEC 1000000LL

struct pk {
	uint8_t b[256];
	size_t n;
};

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* An IPv4 header at p: 20 bytes, total length tot. */
static void ip4h(uint8_t *p, unsigned proto, uint32_t src, uint32_t dst,
		 unsigned tot, unsigned id, unsigned frag)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, tot);
	put16(p + 4, id);
	put16(p + 6, frag);
	p[8] = 64;
	p[9] = (uint8_t)proto;
	put32(p + 12, src);
	put32(p + 16, dst);
}

/* Ethernet + IPv4 + TCP with flags, payload len bytes. */
static struct pk eth_tcp(uint32_t src, unsigned sp, uint32_t dst, unsigned dp,
			 unsigned flags, unsigned len)
{
	struct pk k;
	memset(&k, 0, sizeof k);
	put16(k.b + 12, 0x0800);
	ip4h(k.b + 14, 6, src, dst, 40 + len, 1, 0);
	put16(k.b + 34, sp);
	put16(k.b + 36, dp);
	k.b[34 + 12] = 0x50;
	k.b[34 + 13] = (uint8_t)flags;
	k.n = 14 + 40 + len;
	return k;
}

static struct vgi_meter *mk(int active, int idle)
{
	struct vgi_meter_opts o;
	memset(&o, 0, sizeof o);
	o.active_s = active;
	o.idle_s = idle;
	return vgi_meter_new(&o);
}

static size_t drain(struct vgi_meter *m, vg_flow *out, size_t cap)
{
	vgi_meter_flush(m);
	return vgi_meter_take(m, out, cap);
}

#define A 0xc0000201u /* 192.0.2.1 */
#define B 0xc6336401u /* 198.51.100.1 */

TEST(meter_tcp_handshake_and_close)
{
	struct vgi_meter *m = mk(0, 0);
	vg_flow f[4];
	struct pk s[] = {
		eth_tcp(B, 40000, A, 80, 0x02, 0),  /* SYN */
		eth_tcp(A, 80, B, 40000, 0x12, 0),  /* SYN+ACK */
		eth_tcp(B, 40000, A, 80, 0x10, 0),  /* ACK */
		eth_tcp(B, 40000, A, 80, 0x18, 100),/* data */
		eth_tcp(A, 80, B, 40000, 0x11, 0),  /* FIN */
		eth_tcp(B, 40000, A, 80, 0x11, 0),  /* FIN */
	};
	size_t i, n;
	for (i = 0; i < 6; i++)
		vgi_meter_packet(m, 1, 1000 * SEC + (int64_t)i, s[i].b, (uint32_t)s[i].n,
				 (uint32_t)s[i].n);
	n = drain(m, f, 4);
	CHECK_EQ_INT(n, 1);
	CHECK(vg_addr_ip4(&f[0].saddr) == B && f[0].sport == 40000 && f[0].dport == 80);
	CHECK_EQ_INT(f[0].spkts, 4);
	CHECK_EQ_INT(f[0].dpkts, 2);
	CHECK_EQ_INT(f[0].sbytes, 54 * 3 + 154);
	CHECK_EQ_INT(f[0].state, VG_ST_FIN);
	CHECK(f[0].rflags & VG_RF_START);
	CHECK_EQ_INT(f[0].ltime_us - f[0].stime_us, 5);
	vgi_meter_free(m);
}

TEST(meter_tcp_states)
{
	struct vgi_meter *m = mk(0, 0);
	vg_flow f[4];
	struct pk syn = eth_tcp(B, 1, A, 445, 0x02, 0);
	struct pk syn2 = eth_tcp(B, 2, A, 23, 0x02, 0);
	struct pk rst = eth_tcp(A, 23, B, 2, 0x14, 0);
	size_t n;
	vgi_meter_packet(m, 1, 10 * SEC, syn.b, (uint32_t)syn.n, (uint32_t)syn.n);
	vgi_meter_packet(m, 1, 10 * SEC + 1, syn2.b, (uint32_t)syn2.n, (uint32_t)syn2.n);
	vgi_meter_packet(m, 1, 10 * SEC + 2, rst.b, (uint32_t)rst.n, (uint32_t)rst.n);
	n = drain(m, f, 4);
	CHECK_EQ_INT(n, 2);
	/* a probe nobody answered, and one refused */
	CHECK_EQ_INT(f[0].state, VG_ST_REQ);
	CHECK_EQ_INT(f[1].state, VG_ST_RST);
	CHECK_EQ_INT(f[1].dpkts, 1);
	vgi_meter_free(m);
}

TEST(meter_idle_and_active_timeouts)
{
	struct vgi_meter *m = mk(10, 5);
	vg_flow f[8];
	struct pk a = eth_tcp(B, 5, A, 22, 0x10, 10);
	size_t n, i;
	/* a packet a second for 25 s: reports at 10 and 20 s, then the rest */
	for (i = 0; i < 25; i++)
		vgi_meter_packet(m, 1, (100 + (int64_t)i) * SEC, a.b, (uint32_t)a.n,
				 (uint32_t)a.n);
	struct pk other = eth_tcp(B, 6, A, 22, 0x10, 10);
	n = vgi_meter_take(m, f, 8);
	CHECK_EQ_INT(n, 2);
	/* 10 s idle: another flow's packet ends the flow (as argus's timeout
	 * scan, run by the packets), so the next packet starts another */
	vgi_meter_packet(m, 1, 136 * SEC, other.b, (uint32_t)other.n, (uint32_t)other.n);
	vgi_meter_packet(m, 1, 140 * SEC, a.b, (uint32_t)a.n, (uint32_t)a.n);
	n += vgi_meter_take(m, f + n, 8 - n);
	CHECK_EQ_INT(n, 3);
	n += drain(m, f + n, 8 - n);
	CHECK_EQ_INT(n, 5);
	CHECK_EQ_INT(f[0].spkts + f[1].spkts + f[2].spkts, 25);
	CHECK(f[0].rflags & VG_RF_START);
	CHECK(!(f[1].rflags & VG_RF_START));
	/* the drain ends the other flow and the new one, in the order they
	 * started */
	CHECK_EQ_INT(f[3].sport, 6);
	CHECK_EQ_INT(f[4].sport, 5);
	CHECK(f[4].rflags & VG_RF_START); /* a new flow after the idle gap */
	CHECK_EQ_INT(f[4].stime_us, 140 * SEC);
	vgi_meter_free(m);

	/* with no other packet in the gap the flow goes on: its next packet
	 * finds it, as in argus (a status report, not a new flow) */
	m = mk(10, 5);
	vgi_meter_packet(m, 1, 200 * SEC, a.b, (uint32_t)a.n, (uint32_t)a.n);
	vgi_meter_packet(m, 1, 215 * SEC, a.b, (uint32_t)a.n, (uint32_t)a.n);
	n = drain(m, f, 8);
	CHECK_EQ_INT(n, 2);
	CHECK(f[0].rflags & VG_RF_START);
	CHECK(!(f[1].rflags & VG_RF_START));
	CHECK_EQ_INT(f[1].stime_us, 215 * SEC);
	vgi_meter_free(m);
}

TEST(meter_link_layers)
{
	/* the same UDP packet behind every link layer: one flow each */
	static const int dlts[] = {1, 1, 1, 1, 113, 276, 12, 0, 9};
	uint8_t ip[28], b[128];
	size_t i;
	ip4h(ip, 17, B, A, 28, 7, 0);
	put16(ip + 20, 5353);
	put16(ip + 22, 53);
	put16(ip + 24, 8);
	for (i = 0; i < sizeof dlts / sizeof dlts[0]; i++) {
		struct vgi_meter *m = mk(0, 0);
		struct vgi_meter_stats st;
		vg_flow f[2];
		size_t h = 0, n;
		memset(b, 0, sizeof b);
		switch (i) {
		case 0: put16(b + 12, 0x0800); h = 14; break;
		case 1: put16(b + 12, 0x8100); put16(b + 16, 0x0800); h = 18; break;
		case 2: /* QinQ */
			put16(b + 12, 0x88a8); put16(b + 16, 0x8100);
			put16(b + 20, 0x0800); h = 22; break;
		case 3: /* MPLS, two labels, then PPPoE is not here: IPv4 guessed */
			put16(b + 12, 0x8847); b[16] = 0; b[20 - 2] = 0x01; h = 22;
			b[14 + 2] = 0x00; b[18 + 2] = 0x01; break;
		case 4: put16(b + 14, 0x0800); h = 16; break;
		case 5: put16(b, 0x0800); h = 20; break;
		case 6: h = 0; break;
		case 7: b[0] = 2; h = 4; break;
		case 8: b[0] = 0xff; b[1] = 0x03; put16(b + 2, 0x21); h = 4; break;
		}
		memcpy(b + h, ip, sizeof ip);
		vgi_meter_packet(m, dlts[i], SEC, b, (uint32_t)(h + sizeof ip),
				 (uint32_t)(h + sizeof ip));
		n = drain(m, f, 2);
		vgi_meter_get_stats(m, &st);
		if (n != 1 || f[0].dport != 53 || vg_addr_ip4(&f[0].daddr) != A)
			vgt_fail(__FILE__, __LINE__, "link layer case %zu: %zu flows", i, n);
		CHECK_EQ_INT(st.metered, 1);
		vgi_meter_free(m);
	}
}

TEST(meter_ipv4_fragments)
{
	struct vgi_meter *m = mk(0, 0);
	struct vgi_meter_stats st;
	vg_flow f[4];
	uint8_t a[14 + 20 + 16], b2[14 + 20 + 8], c[14 + 20 + 8];
	size_t n;
	memset(a, 0, sizeof a);
	memset(b2, 0, sizeof b2);
	memset(c, 0, sizeof c);
	put16(a + 12, 0x0800);
	ip4h(a + 14, 17, B, A, 36, 99, 0x2000); /* first fragment, MF */
	put16(a + 34, 1000);
	put16(a + 36, 161);
	put16(b2 + 12, 0x0800);
	ip4h(b2 + 14, 17, B, A, 28, 99, 2); /* offset 16 bytes, last */
	put16(c + 12, 0x0800);
	ip4h(c + 14, 17, B, A, 28, 555, 4); /* a fragment whose first never came */
	vgi_meter_packet(m, 1, SEC, a, sizeof a, sizeof a);
	vgi_meter_packet(m, 1, SEC + 1, b2, sizeof b2, sizeof b2);
	vgi_meter_packet(m, 1, SEC + 2, c, sizeof c, sizeof c);
	n = drain(m, f, 4);
	vgi_meter_get_stats(m, &st);
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_INT(f[0].dport, 161);
	CHECK_EQ_INT(f[0].spkts, 2); /* the later fragment joins the first's flow */
	CHECK(f[0].rflags & VG_RF_FRAG);
	CHECK_EQ_INT(f[1].dport, 0);
	CHECK_EQ_INT(st.fragments, 3);
	CHECK_EQ_INT(st.frag_orphans, 1);
	vgi_meter_free(m);
}

TEST(meter_ipv6_extension_headers)
{
	struct vgi_meter *m = mk(0, 0);
	vg_flow f[2];
	uint8_t p[14 + 40 + 8 + 8 + 20];
	size_t n;
	memset(p, 0, sizeof p);
	put16(p + 12, 0x86dd);
	p[14] = 0x60;
	put16(p + 14 + 4, 8 + 8 + 20);
	p[14 + 6] = 0;   /* hop-by-hop */
	p[14 + 8 + 15] = 1;      /* src ::1 */
	p[14 + 24 + 15] = 2;     /* dst ::2 */
	p[54] = 44;      /* hop-by-hop: next = fragment, length 0 (8 bytes) */
	p[62] = 6;       /* fragment header: next = TCP, offset 0, M */
	p[62 + 3] = 1;
	put16(p + 70, 33333);
	put16(p + 72, 443);
	p[70 + 12] = 0x50;
	p[70 + 13] = 0x02;
	vgi_meter_packet(m, 1, SEC, p, sizeof p, sizeof p);
	n = drain(m, f, 2);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(f[0].family, VG_FAM_IP6);
	CHECK_EQ_INT(f[0].proto, 6);
	CHECK_EQ_INT(f[0].dport, 443);
	CHECK_EQ_INT(f[0].state, VG_ST_REQ);
	vgi_meter_free(m);
}

TEST(meter_icmp_echo_and_error)
{
	struct vgi_meter *m = mk(0, 0);
	vg_flow f[4];
	uint8_t req[14 + 28], rep[14 + 28], udp[14 + 28], err[14 + 56];
	size_t n, i;
	memset(req, 0, sizeof req);
	put16(req + 12, 0x0800);
	ip4h(req + 14, 1, B, A, 28, 1, 0);
	req[34] = 8;
	put16(req + 38, 0x1234); /* id */
	put16(req + 40, 1);      /* sequence */
	memcpy(rep, req, sizeof rep);
	ip4h(rep + 14, 1, A, B, 28, 2, 0);
	rep[34] = 0;
	memset(udp, 0, sizeof udp);
	put16(udp + 12, 0x0800);
	ip4h(udp + 14, 17, B, A, 28, 3, 0);
	put16(udp + 34, 4444);
	put16(udp + 36, 137);
	memset(err, 0, sizeof err);
	put16(err + 12, 0x0800);
	ip4h(err + 14, 1, A, B, 56, 4, 0);
	err[34] = 3;
	err[35] = 3;
	memcpy(err + 42, udp + 14, 28); /* the quoted datagram */
	vgi_meter_packet(m, 1, SEC, req, sizeof req, sizeof req);
	vgi_meter_packet(m, 1, SEC + 5, rep, sizeof rep, sizeof rep);
	vgi_meter_packet(m, 1, 2 * SEC, udp, sizeof udp, sizeof udp);
	vgi_meter_packet(m, 1, 2 * SEC + 7, err, sizeof err, sizeof err);
	n = drain(m, f, 4);
	CHECK_EQ_INT(n, 3);
	for (i = 0; i < n; i++) {
		if (f[i].proto == 1 && f[i].sport == 8) {
			CHECK_EQ_INT(f[i].spkts, 1);
			CHECK_EQ_INT(f[i].dpkts, 1);
			CHECK_EQ_INT(f[i].icmp_id, 0x1234);
			CHECK_EQ_INT(f[i].state, VG_ST_ECO);
		} else if (f[i].proto == 1) {
			CHECK_EQ_INT(f[i].sport, 3);
			CHECK_EQ_INT(f[i].icmp_id, 137); /* the quoted port */
			CHECK(vg_addr_ip4(&f[i].saddr) == A);
		} else {
			CHECK_EQ_INT(f[i].proto, 17);
			CHECK(f[i].rflags & VG_RF_ICMPMAP);
			CHECK_EQ_INT(f[i].ltime_us, 2 * SEC + 7); /* argus: the error's time */
			CHECK_EQ_INT(f[i].spkts, 1);
		}
	}
	vgi_meter_free(m);
}

TEST(meter_bad_packets_counted)
{
	struct vgi_meter *m = mk(0, 0);
	struct vgi_meter_stats st;
	vg_flow f[2];
	uint8_t p[64];
	struct pk t = eth_tcp(B, 9, A, 80, 0x02, 0);
	memset(p, 0, sizeof p);
	vgi_meter_packet(m, 1, SEC, p, 10, 10);             /* no Ethernet header */
	put16(p + 12, 0x0800);
	vgi_meter_packet(m, 1, SEC, p, 20, 20);             /* IPv4 cut short */
	p[14] = 0x41;                                       /* IHL 4: malformed */
	put16(p + 16, 60);
	vgi_meter_packet(m, 1, SEC, p, 60, 60);
	put16(p + 12, 0x88cc);                              /* LLDP */
	vgi_meter_packet(m, 1, SEC, p, 60, 60);
	vgi_meter_packet(m, 1, SEC, t.b, 14 + 20 + 6, 60);  /* TCP header cut */
	vgi_meter_get_stats(m, &st);
	CHECK_EQ_INT(st.packets, 5);
	CHECK_EQ_INT(st.truncated, 2);
	CHECK_EQ_INT(st.malformed, 1);
	CHECK_EQ_INT(st.non_ip, 1);
	CHECK_EQ_INT(st.partial, 1);
	CHECK_EQ_INT(drain(m, f, 2), 1);
	CHECK_EQ_INT(f[0].dport, 0);  /* metered without ports */
	CHECK_EQ_INT(f[0].sbytes, 60); /* wire length */
	vgi_meter_free(m);
}

TEST(meter_many_flows_grow)
{
	/* enough flows to grow the table several times; all come out */
	struct vgi_meter *m = mk(0, 0);
	vg_flow *f = malloc(50000 * sizeof *f);
	uint64_t pk = 0;
	size_t n = 0, i;
	CHECK(f != NULL);
	if (!f)
		return;
	for (i = 0; i < 40000; i++) {
		struct pk s = eth_tcp(B + (uint32_t)(i / 1000), 1024 + (unsigned)(i % 1000), A,
				      445, 0x02, 0);
		vgi_meter_packet(m, 1, SEC + (int64_t)i, s.b, (uint32_t)s.n, (uint32_t)s.n);
	}
	n = drain(m, f, 50000);
	CHECK_EQ_INT(n, 40000);
	for (i = 0; i < n; i++)
		pk += f[i].spkts;
	CHECK_EQ_INT(pk, 40000);
	free(f);
	vgi_meter_free(m);
}
