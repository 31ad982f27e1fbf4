#!/usr/bin/env python3
"""mk-captures.py - writes the built captures of this folder (classic pcap, Ethernet, µs),
each packet made here byte by byte, so that what the flow meter must make of them is known:

  dns.pcap        IPv4 and IPv6 DNS over UDP: four queries and answers on one port pair
                  (transaction ids 0x1111, 0x2222, 0x1111, 0x3333), payloads of 0, 1 and
                  2 bytes to port 53, and port 53 on both sides
  tcp-reuse.pcap  one port pair used again: refused and retried SYNs, a connection closed
                  by FIN or reset and then opened again, half-open resets
  icmp.pcap       ICMP as argus keys and shows it: echo with nmap's code 9, replies before
                  or without their request, errors quoting an echo, traceroute, redirect,
                  ICMPv6 echo, ND, MLD and unreachable codes
  sctp.pcap       two SCTP associations between the same two hosts
  igmp.pcap       IGMP queries, reports and leaves as argus keys them
  timing.pcap     when a flow ends: packets after the FINs, sparse UDP flows alone on the
                  wire and with other traffic between their packets
  timing-left.pcap  what vigil still ends differently (docs/pcap.md, "What is left"):
                  a UDP flow 90 s idle, and one 45 + 50 s, with other traffic between
  tcp-one-sided.pcap  TCP with one side missing: a SYN followed by the client's ACKs only,
                  and single-packet probes of every flag combination argus tells apart
                  (NULL, FIN, Xmas, PSH, URG, SYN+FIN, ...), unanswered and answered by RST

usage: tests/data/meter/mk-captures.py [DIR]   (writes DIR/*.pcap)
"""
import os
import struct
import sys

T0 = 1700000000.0


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(src, dst, proto, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0,
                    bytes(src), bytes(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def ip6(src, dst, nh, payload):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, 64, bytes(src),
                       bytes(dst)) + payload


def udp(sp, dp, data):
    return struct.pack("!HHHH", sp, dp, 8 + len(data), 0) + data


def tcp(sp, dp, seq, ack, flags):
    return struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 5 << 4, flags, 65535, 0, 0)


def eth(ethertype, p):
    return b"\x02\0\0\0\0\1\x02\0\0\0\0\2" + struct.pack("!H", ethertype) + p


def write(path, pkts):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for ts, p in pkts:
            sec = int(ts)
            usec = int(round((ts - sec) * 1e6))
            f.write(struct.pack("<IIII", sec, usec, len(p), len(p)) + p)


def dns_msg(qid, answer=False):
    return struct.pack("!HHHHHH", qid, 0x8180 if answer else 0x0100, 1, 1 if answer else 0,
                       0, 0) + b"\3www\7example\3com\0\0\1\0\1"


def dns_capture():
    a, b = [10, 0, 0, 1], [10, 0, 0, 53]
    a6 = [0x20, 1, 0xD, 0xB8] + [0] * 11 + [1]
    b6 = [0x20, 1, 0xD, 0xB8] + [0] * 11 + [0x53]
    pk = []
    t = T0
    for i, qid in enumerate([0x1111, 0x2222, 0x1111, 0x3333]):
        pk.append((t + i, eth(0x800, ip4(a, b, 17, udp(40000, 53, dns_msg(qid))))))
        pk.append((t + i + 0.01, eth(0x800, ip4(b, a, 17, udp(53, 40000, dns_msg(qid, True))))))
        pk.append((t + i + 0.2, eth(0x86DD, ip6(a6, b6, 17, udp(40001, 53, dns_msg(qid))))))
        pk.append((t + i + 0.21, eth(0x86DD, ip6(b6, a6, 17, udp(53, 40001, dns_msg(qid, True))))))
    # payloads too short for a transaction id (2 bytes are one)
    pk.append((t + 5, eth(0x800, ip4(a, b, 17, udp(40002, 53, b"\x07")))))
    pk.append((t + 5.1, eth(0x800, ip4(a, b, 17, udp(40002, 53, b"")))))
    pk.append((t + 5.2, eth(0x800, ip4(a, b, 17, udp(40002, 53, b"\x00\x00")))))
    # port 53 on both sides
    pk.append((t + 6, eth(0x800, ip4(a, b, 17, udp(53, 53, dns_msg(0x4444))))))
    pk.append((t + 6.1, eth(0x800, ip4(a, b, 17, udp(53, 53, dns_msg(0x5555))))))
    # a UDP port pair without 53: one flow whatever the payload
    pk.append((t + 7, eth(0x800, ip4(a, b, 17, udp(40003, 5353, dns_msg(0x6666))))))
    pk.append((t + 7.1, eth(0x800, ip4(a, b, 17, udp(40003, 5353, dns_msg(0x7777))))))
    return pk


S, A, R, F = 2, 16, 4, 1


def tcp_reuse_capture():
    c, s = [10, 0, 0, 1], [10, 0, 0, 2]
    pk = []

    def out(ts, sp, dp, seq, ack, fl):
        pk.append((ts, eth(0x800, ip4(c, s, 6, tcp(sp, dp, seq, ack, fl)))))

    def back(ts, sp, dp, seq, ack, fl):
        pk.append((ts, eth(0x800, ip4(s, c, 6, tcp(dp, sp, seq, ack, fl)))))

    def conn(t, sp, dp=80):  # handshake, FIN both ways, last ACK
        out(t, sp, dp, 1, 0, S)
        back(t + .01, sp, dp, 5, 2, S | A)
        out(t + .02, sp, dp, 2, 6, A)
        out(t + .03, sp, dp, 2, 6, F | A)
        back(t + .04, sp, dp, 6, 3, F | A)
        out(t + .05, sp, dp, 3, 7, A)

    t = T0
    # 1: refused, retried twice (0.5 s, 1.5 s)
    for dt in (0, 0.5, 1.5):
        out(t + dt, 50000, 81, 1000, 0, S)
        back(t + dt + .001, 50000, 81, 0, 1001, R | A)
    # 2: a connection closed by FIN, the port pair opened again 2 s later
    conn(t + 10, 50001)
    conn(t + 12, 50001)
    # 3: established, reset by the client, opened again 1 s later
    out(t + 20, 50002, 80, 1, 0, S)
    back(t + 20.01, 50002, 80, 5, 2, S | A)
    out(t + 20.02, 50002, 80, 2, 6, A)
    out(t + 20.1, 50002, 80, 2, 6, R)
    conn(t + 21, 50002)
    # 4: refused once, then accepted
    out(t + 30, 50003, 82, 1000, 0, S)
    back(t + 30.001, 50003, 82, 0, 1001, R | A)
    out(t + 31, 50003, 82, 1000, 0, S)
    back(t + 31.01, 50003, 82, 5, 1001, S | A)
    out(t + 31.02, 50003, 82, 1001, 6, A)
    # 5: refused, a new SYN (another sequence number) 3 s later, refused
    out(t + 40, 50004, 83, 1000, 0, S)
    back(t + 40.001, 50004, 83, 0, 1001, R | A)
    out(t + 43, 50004, 83, 99999, 0, S)
    back(t + 43.001, 50004, 83, 0, 100000, R | A)
    # 6: refused, retried 8 s later (past vigil's 5 s linger), refused
    out(t + 50, 50005, 84, 1000, 0, S)
    back(t + 50.001, 50005, 84, 0, 1001, R | A)
    out(t + 58, 50005, 84, 1000, 0, S)
    back(t + 58.001, 50005, 84, 0, 1001, R | A)
    # 7: answered, the client resets before its ACK, then opens again
    out(t + 70, 50006, 80, 1, 0, S)
    back(t + 70.01, 50006, 80, 5, 2, S | A)
    out(t + 70.02, 50006, 80, 2, 0, R)
    conn(t + 71, 50006)
    # 8: closed by FIN, opened again 4 s later (inside the linger)
    conn(t + 80, 50007)
    conn(t + 84, 50007)
    # 9: refused; the retry is refused, and the third SYN is answered and closed
    out(t + 100, 50008, 85, 1000, 0, S)
    back(t + 100.001, 50008, 85, 0, 1001, R | A)
    out(t + 101, 50008, 85, 1000, 0, S)
    back(t + 101.001, 50008, 85, 0, 1001, R | A)
    conn(t + 103, 50008, 85)
    # 10: the server resets an established connection, the client opens again
    out(t + 110, 50009, 80, 1, 0, S)
    back(t + 110.01, 50009, 80, 5, 2, S | A)
    out(t + 110.02, 50009, 80, 2, 6, A)
    back(t + 110.5, 50009, 80, 6, 0, R)
    conn(t + 111, 50009)
    pk.sort(key=lambda x: x[0])
    return pk


def one_sided_capture():
    c, s = [10, 0, 0, 1], [10, 0, 0, 2]
    pk = []

    def out(ts, sp, dp, fl, seq=1, ack=0):
        pk.append((ts, eth(0x800, ip4(c, s, 6, tcp(sp, dp, seq, ack, fl)))))

    def back(ts, sp, dp, fl, seq=5, ack=2):
        pk.append((ts, eth(0x800, ip4(s, c, 6, tcp(dp, sp, seq, ack, fl)))))

    t = T0
    P, U = 8, 32
    # 1: SYN, then the client's ACK and data; nothing from the server captured
    out(t, 51000, 80, S)
    out(t + .02, 51000, 80, A, 2, 6)
    out(t + .03, 51000, 80, P | A, 2, 6)
    # 2: the same without the FIN: SYN and ACKs
    out(t + 1, 51001, 80, S)
    out(t + 1.02, 51001, 80, A, 2, 6)
    # 3: a SYN/ACK seen, the client's ACK lost: the server's own ACK follows
    out(t + 2, 51002, 80, S)
    back(t + 2.01, 51002, 80, S | A)
    back(t + 2.05, 51002, 80, A)
    # 4..: probes, each a flow of its own, unanswered and answered by RST
    probes = [0, F, F | P | U, P, U, P | U, S | F, S | F | P | U, F | A, A, S | A, S | P, F | U]
    for i, fl in enumerate(probes):
        out(t + 10 + i, 52000 + i, 1000 + i, fl)
        out(t + 40 + i, 53000 + i, 2000 + i, fl)
        back(t + 40.001 + i, 53000 + i, 2000 + i, R | A, 0, 2)
    # 5: seen from its middle: data from the server first
    back(t + 60, 51005, 80, P | A)
    out(t + 60.01, 51005, 80, A, 2, 6)
    pk.sort(key=lambda x: x[0])
    return pk


def icmp(typ, code, rest, body=b""):
    h = struct.pack("!BBH", typ, code, 0) + rest + body
    return h[:2] + struct.pack("!H", csum(h)) + h[4:]


def icmp6(src, dst, typ, code, rest, body=b""):
    h = struct.pack("!BBH", typ, code, 0) + rest + body
    pseudo = bytes(src) + bytes(dst) + struct.pack("!I3xB", len(h), 58)
    return h[:2] + struct.pack("!H", csum(pseudo + h)) + h[4:]


def icmp_capture():
    c, s, r = [10, 0, 0, 1], [10, 0, 0, 2], [10, 0, 0, 254]
    c6 = [0x20, 1, 0xD, 0xB8] + [0] * 11 + [1]
    s6 = [0x20, 1, 0xD, 0xB8] + [0] * 11 + [2]
    ll = [0xFE, 0x80] + [0] * 13 + [1]
    allr = [0xFF, 2] + [0] * 13 + [2]
    pk = []
    t = T0

    def v4(ts, src, dst, payload, proto=1):
        pk.append((ts, eth(0x800, ip4(src, dst, proto, payload))))

    def v6(ts, src, dst, payload):
        pk.append((ts, eth(0x86DD, ip6(src, dst, 58, payload))))

    echo = lambda ident, seq: struct.pack("!HH", ident, seq)
    # 1: echo request and reply
    v4(t, c, s, icmp(8, 0, echo(1, 1), b"abcd"))
    v4(t + .01, s, c, icmp(0, 0, echo(1, 1), b"abcd"))
    # 2: an echo request with code 9 (nmap -PE sends it), the reply with code 0
    v4(t + 1, c, s, icmp(8, 9, echo(2, 1)))
    v4(t + 1.01, s, c, icmp(0, 0, echo(2, 1)))
    # 3: the reply captured before its request
    v4(t + 2, s, c, icmp(0, 0, echo(3, 1)))
    v4(t + 2.001, c, s, icmp(8, 0, echo(3, 1)))
    # 4: a reply alone (backscatter)
    v4(t + 3, s, c, icmp(0, 0, echo(4, 1)))
    # 5: an echo request answered by a router's host unreachable quoting it
    req = ip4(c, [10, 0, 9, 9], 1, icmp(8, 0, echo(5, 1)))
    v4(t + 4, c, [10, 0, 9, 9], icmp(8, 0, echo(5, 1)))
    v4(t + 4.5, r, c, icmp(3, 1, b"\0\0\0\0", req[:28]))
    # 6: an echo request that runs out of TTL (time exceeded quoting it)
    req = ip4(c, [10, 0, 9, 8], 1, icmp(8, 0, echo(6, 1)))
    v4(t + 5, c, [10, 0, 9, 8], icmp(8, 0, echo(6, 1)))
    v4(t + 5.2, r, c, icmp(11, 0, b"\0\0\0\0", req[:28]))
    # 7: traceroute over UDP: two probes, time exceeded for each, then port unreachable
    for i, port in enumerate((33434, 33435)):
        probe = ip4(c, s, 17, udp(40100, port, b"\0" * 12))
        v4(t + 6 + i, c, s, udp(40100, port, b"\0" * 12), 17)
        v4(t + 6.01 + i, r, c, icmp(11, 0, b"\0\0\0\0", probe[:28]))
    probe = ip4(c, s, 17, udp(40100, 33436, b"\0" * 12))
    v4(t + 8, c, s, udp(40100, 33436, b"\0" * 12), 17)
    v4(t + 8.01, s, c, icmp(3, 3, b"\0\0\0\0", probe[:28]))
    # 8: a redirect quoting a TCP SYN
    syn = ip4(c, [10, 0, 8, 1], 6, tcp(50100, 80, 1, 0, S))
    v4(t + 9, c, [10, 0, 8, 1], tcp(50100, 80, 1, 0, S), 6)
    v4(t + 9.01, r, c, icmp(5, 1, bytes(r), syn[:28]))
    # 9: ICMPv6 echo, the reply first, then request and reply again
    v6(t + 10, s6, c6, icmp6(s6, c6, 129, 0, echo(9, 1)))
    v6(t + 10.001, c6, s6, icmp6(c6, s6, 128, 0, echo(9, 1)))
    v6(t + 11, c6, s6, icmp6(c6, s6, 128, 0, echo(9, 2)))
    v6(t + 11.01, s6, c6, icmp6(s6, c6, 129, 0, echo(9, 2)))
    # 10: ICMPv6 neighbour solicitation and advertisement, advertisement first
    v6(t + 12, s6, c6, icmp6(s6, c6, 136, 0, b"\x60\0\0\0", bytes(s6)))
    v6(t + 12.01, c6, s6, icmp6(c6, s6, 135, 0, b"\0\0\0\0", bytes(s6)))
    # 11: router advertisement, then a solicitation
    v6(t + 13, ll, allr, icmp6(ll, allr, 134, 0, b"\x40\0\x07\x08", b"\0" * 8))
    v6(t + 13.5, ll, allr, icmp6(ll, allr, 133, 0, b"\0\0\0\0"))
    # 12: timestamp request and reply
    v4(t + 14, c, s, icmp(13, 0, echo(12, 1), b"\0" * 12))
    v4(t + 14.01, s, c, icmp(14, 0, echo(12, 1), b"\0" * 12))
    # 13: ICMPv6 destination unreachable quoting an echo request
    req6 = ip6(c6, [0x20, 1, 0xD, 0xB8] + [0] * 11 + [9], 58,
               icmp6(c6, s6, 128, 0, echo(13, 1)))
    v6(t + 15, c6, [0x20, 1, 0xD, 0xB8] + [0] * 11 + [9], icmp6(c6, s6, 128, 0, echo(13, 1)))
    v6(t + 15.5, s6, c6, icmp6(s6, c6, 1, 3, b"\0\0\0\0", req6))
    # 14: ICMPv6 unreachable, codes 0 to 8, each quoting a UDP datagram to another host
    for code in range(9):
        d = [0x20, 1, 0xD, 0xB8] + [0] * 11 + [0x40 + code]
        v6(t + 20 + code, s6, c6, icmp6(s6, c6, 1, code, b"\0\0\0\0",
                                        ip6(c6, d, 17, udp(1000 + code, 2000, b"x" * 4))))
    # 15: other ICMPv6 types, one packet each: time exceeded (codes 0, 1), packet too big,
    # parameter problem, redirect, MLD query, report and done, MLDv2 report, home agent
    # discovery request and reply, node information
    for i, (typ, code) in enumerate([(3, 0), (3, 1), (2, 0), (4, 0), (137, 0), (130, 0),
                                     (131, 0), (132, 0), (143, 0), (144, 0), (145, 0),
                                     (139, 0), (140, 0)]):
        v6(t + 30 + i * .001, s6, c6, icmp6(s6, c6, typ, code, b"\0\0\0\0", b"\0" * 40))
    pk.sort(key=lambda x: x[0])
    return pk


def timing_capture():
    c, s = [10, 0, 0, 1], [10, 0, 0, 2]
    pk = []

    def out(ts, sp, fl, seq=1, ack=0):
        pk.append((ts, eth(0x800, ip4(c, s, 6, tcp(sp, 80, seq, ack, fl)))))

    def back(ts, sp, fl, seq=5, ack=2):
        pk.append((ts, eth(0x800, ip4(s, c, 6, tcp(80, sp, seq, ack, fl)))))

    t = T0
    # 1: a connection closed by FINs, then one more ACK 3 to 20 s later; nothing else
    # on the wire meanwhile
    for i, d in enumerate([3, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5, 11.5, 12.5, 14, 20]):
        b, sp = t + i * 100, 50000 + i
        out(b, sp, S)
        back(b + .01, sp, S | A)
        out(b + .02, sp, A, 2, 6)
        out(b + .03, sp, F | A, 2, 6)
        back(b + .04, sp, F | A, 6, 3)
        out(b + .05, sp, A, 3, 7)
        out(b + .05 + d, sp, A, 3, 7)
    # 2: sparse UDP flows, alone on the wire: packets 59 to 121 s apart
    for i, gaps in enumerate([[59, 59, 59], [60, 60], [61, 61], [62, 62], [65, 65], [90, 90],
                              [119, 121]]):
        ts = t + 2000 + i * 1000
        pk.append((ts, eth(0x800, ip4(c, s, 17, udp(41000 + i, 9999, b"x")))))
        for g in gaps:
            ts += g
            pk.append((ts, eth(0x800, ip4(c, s, 17, udp(41000 + i, 9999, b"x")))))
    pk.extend(between_capture([[59], [61]], t + 10000))
    pk.sort(key=lambda x: x[0])
    return pk


def between_capture(gaps_list, t=T0):
    """UDP flows with another flow's packet every 10 s between their packets."""
    c, s = [10, 0, 0, 1], [10, 0, 0, 2]
    pk = []
    for i, gaps in enumerate(gaps_list):
        b = t + i * 1000
        ts = b
        pk.append((ts, eth(0x800, ip4(c, s, 17, udp(42000 + i, 9999, b"x")))))
        for g in gaps:
            ts += g
            pk.append((ts, eth(0x800, ip4(c, s, 17, udp(42000 + i, 9999, b"x")))))
        for k in range(1, int((ts - b) // 10) + 1):
            pk.append((b + k * 10 - 5, eth(0x800, ip4(c, [10, 0, 0, 3], 17,
                                                    udp(43000 + i, 7777, b"y")))))
    return pk


def igmp_capture():
    router, host = [192, 168, 1, 1], [192, 168, 1, 20]
    pk = []

    def igmp(ts, src, dst, typ, code, group, ip_id):
        body = struct.pack("!BBH4s", typ, code, 0, bytes(group))
        body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
        h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), ip_id, 0, 1, 2, 0,
                        bytes(src), bytes(dst))
        h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
        pk.append((ts, eth(0x800, h + body)))

    t = T0
    g1, g2 = [225, 1, 1, 3], [225, 1, 1, 4]
    # general queries (group 0, to 224.0.0.1), each with its own IP id; one with id repeated
    igmp(t, router, [224, 0, 0, 1], 0x11, 100, [0, 0, 0, 0], 101)
    igmp(t + 5, router, [224, 0, 0, 1], 0x11, 100, [0, 0, 0, 0], 102)
    igmp(t + 6, router, [224, 0, 0, 1], 0x11, 100, [0, 0, 0, 0], 102)
    # reports (IP id 0, as Linux sends them), to the group
    for i in range(3):
        igmp(t + 1 + i, host, g1, 0x16, 0, g1, 0)
    # a leave, sent to 224.0.0.2, is about the group; then the router's group query
    igmp(t + 10, host, [224, 0, 0, 2], 0x17, 0, g1, 0)
    igmp(t + 10.01, router, g1, 0x11, 10, g1, 7)
    # a v1 report and a v2 report for another group
    igmp(t + 12, host, g2, 0x12, 0, g2, 0)
    igmp(t + 13, host, g2, 0x16, 0, g2, 0)
    pk.sort(key=lambda x: x[0])
    return pk


def sctp_capture():
    a, b = [10, 0, 0, 1], [10, 0, 0, 2]
    pk = []

    def sctp(ts, src, dst, sp, dp, chunk_type):
        chunk = struct.pack("!BBH", chunk_type, 0, 4)
        pk.append((ts, eth(0x800, ip4(src, dst, 132, struct.pack("!HHII", sp, dp, 0, 0) + chunk))))

    t = T0
    # an association 10.0.0.1:5000 <-> 10.0.0.2:6000 (INIT, INIT ACK, COOKIE ECHO, COOKIE
    # ACK, DATA, SACK), then a second one between the same hosts on other ports, opened
    # by the other side
    for i, (fwd, typ) in enumerate([(1, 1), (0, 2), (1, 10), (0, 11), (1, 0), (0, 3)]):
        if fwd:
            sctp(t + i * .01, a, b, 5000, 6000, typ)
        else:
            sctp(t + i * .01, b, a, 6000, 5000, typ)
    for i, (fwd, typ) in enumerate([(1, 1), (0, 2), (1, 10), (0, 11)]):
        if fwd:
            sctp(t + 1 + i * .01, b, a, 7000, 8000, typ)
        else:
            sctp(t + 1 + i * .01, a, b, 8000, 7000, typ)
    return pk


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    write(os.path.join(d, "dns.pcap"), dns_capture())
    write(os.path.join(d, "tcp-reuse.pcap"), tcp_reuse_capture())
    write(os.path.join(d, "tcp-one-sided.pcap"), one_sided_capture())
    write(os.path.join(d, "icmp.pcap"), icmp_capture())
    write(os.path.join(d, "igmp.pcap"), igmp_capture())
    write(os.path.join(d, "sctp.pcap"), sctp_capture())
    write(os.path.join(d, "timing.pcap"), timing_capture())
    left = between_capture([[90], [45, 50]])
    left.sort(key=lambda x: x[0])
    write(os.path.join(d, "timing-left.pcap"), left)


if __name__ == "__main__":
    main()
