#!/usr/bin/env python3
"""gen-pcap.py - vigil's benchmark traffic: synthetic "background radiation" as a pcap.

Writes a classic pcap (Ethernet, microsecond timestamps, packets in time order) of what a
flow sensor in front of a few servers sees, deterministic for a given --seed, with correct
IPv4, TCP, UDP and ICMP checksums. Python 3 standard library only. The pcap is meant for
independent flow meters (argus, nfpcapd, vigil's own), whose files the benchmarks then read.

The servers (--servers, default 192.0.2.1-10) play three roles by position:
  1-5   answer: SYN/ACK on an open port, RST/ACK on a closed one, ICMP port unreachable
        for UDP, echo reply for ping. Open: .1 .2 80,443; .3 80,443,22; .4 443; .5 22,25
  6-8   firewalled, but let ping through (echo reply only)
  9-10  silent (nothing comes back; SYNs are retransmitted)

The traffic, as shares of the --flows budget (fixed-size scans come on top):
  * background scanners (71 %): new sources every day, most seen one day, some returning on
    and off for days or weeks; heavy-tailed (Pareto) activity; addresses clustered in a
    Zipf-weighted set of "hot" /16s; each has a favourite service drawn from a Zipf law over
    445,23,22,135,139,1433,3389,80,8080,443,... (a tenth of the draws: any TCP port); tool
    fingerprints of raw scanners (zmap/masscan-like), nmap-like and OS stacks (connect
    scans); ~9 % ping every target before probing it, ~1.5 % only ping
  * a 445/tcp worm (17 %): the number of hosts infected so far follows a logistic curve;
    each infected source sweeps the servers on 445/tcp with a Windows stack (retransmitting
    SYNs) for a few days, until it is cleaned
  * a 135/tcp surge (3.5 %, half of its sources ping first, as Welchia did) and a 137/udp
    NBSTAT surge (3.5 %), each a Gaussian bump of one-day sources around its own day
  * legitimate clients (5 %): full TCP sessions (handshake, request, response, FIN) to
    the open ports, in working hours
  * scans: one vertical scan of ports 1-65535 on 192.0.2.5 (a quarter into the period,
    random port order, one source), and a 1-1024 scan of one server every 8 days or so
A flow is one 5-tuple session (retransmissions and answers belong to it; an echo request
and its reply are one flow). Every event lies inside its UTC day.

--truth FILE writes JSON of what was made: totals (flows, packets, distinct sources), the
servers and their roles, the scans, and per day the flows of each component, sources and
new sources, the worm's infected and newly infected sources, the surges' sources.

usage: gen-pcap.py [--flows 2000000] [--days 30] [--seed 1] [--start 2024-01-01]
                   [--servers 192.0.2.1-10] [--truth truth.json] [--quiet] OUT.pcap
"""
import argparse
import datetime
import ipaddress
import json
import math
import random
import struct
import sys
import time
from bisect import bisect_right
from itertools import accumulate
from operator import itemgetter

US = 1_000_000                      # timestamps are integer microseconds

# --------------------------------------------------------------------------- wire format


def ones_sum(data):
    """The 16-bit ones-complement sum of data (big-endian words, odd byte padded)."""
    if len(data) & 1:
        data = data + b"\x00"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return total


class Host:
    """An address: its 4 bytes and the sum of its two 16-bit words (for checksums)."""
    __slots__ = ("ip", "wsum")

    def __init__(self, value):
        self.ip = value.to_bytes(4, "big")
        self.wsum = (value >> 16) + (value & 0xFFFF)


class Blob:
    """A constant payload and its ones-complement sum."""
    __slots__ = ("data", "size", "wsum")

    def __init__(self, data):
        self.data = data
        self.size = len(data)
        self.wsum = ones_sum(data)


NO_DATA = Blob(b"")
# the TCP options a SYN carries, by stack (each a multiple of 4 bytes)
OPT_MSS = Blob(b"\x02\x04\x05\xb4")                                          # nmap-like
OPT_WIN = Blob(b"\x02\x04\x05\xb4\x01\x03\x03\x08\x01\x01\x04\x02")          # Windows
OPT_LNX = Blob(b"\x02\x04\x05\xb4\x04\x02\x01\x03\x03\x07\x01\x01")          # Linux (no TS)
OPT_SRV = Blob(b"\x02\x04\x05\xb4\x01\x01\x04\x02\x01\x03\x03\x07")          # our servers

F_FIN, F_SYN, F_RST, F_PSH, F_ACK = 0x01, 0x02, 0x04, 0x08, 0x10
# Ethernet header + IPv4 header (ver/ihl+tos, total length, id, flags/fragment, ttl/proto,
# checksum, source, destination) + the transport header
TCP_FRAME = struct.Struct("!14sHHHHHH4s4sHHIIHHHH")
UDP_FRAME = struct.Struct("!14sHHHHHH4s4sHHHH")
ECHO_FRAME = struct.Struct("!14sHHHHHH4s4sHHHH")
UNREACH_FRAME = struct.Struct("!14sHHHHHH4s4sHHI")
REC_HDR = struct.Struct("<IIII")
# MACs: the router on the outside, the server segment's gateway on the inside
MAC_OUT = b"\x02\x00\x5e\x10\x00\x01"
MAC_IN = b"\x02\x00\x5e\x10\x00\xfe"
ETH_INBOUND = MAC_IN + MAC_OUT + b"\x08\x00"
ETH_OUTBOUND = MAC_OUT + MAC_IN + b"\x08\x00"


class Day:
    """The frames of one UTC day, as (microseconds, bytes), and the builders that make them."""

    def __init__(self):
        self.frames = []

    def tcp(self, t, eth, src, dst, ttl, ipid, df, sp, dp, seq, ack, flags, win,
            opts=NO_DATA, body=NO_DATA):
        hlen = 20 + opts.size
        seglen = hlen + body.size
        frag = 0x4000 if df else 0
        # the IPv4 header's words: 0x4500, 20 + seglen, ipid, frag, ttl << 8 | 6, addresses
        s = 0x4500 + 20 + seglen + ipid + frag + (ttl << 8 | 6) + src.wsum + dst.wsum
        s = (s & 0xFFFF) + (s >> 16)
        s = (s & 0xFFFF) + (s >> 16)
        ipc = s ^ 0xFFFF
        offflags = (hlen << 10) | flags          # data offset (words) in the top 4 bits
        c = (src.wsum + dst.wsum + 6 + seglen + sp + dp + (seq >> 16) + (seq & 0xFFFF) +
             (ack >> 16) + (ack & 0xFFFF) + offflags + win + opts.wsum + body.wsum)
        c = (c & 0xFFFF) + (c >> 16)
        c = (c & 0xFFFF) + (c >> 16)
        frame = TCP_FRAME.pack(eth, 0x4500, 20 + seglen, ipid, frag, (ttl << 8) | 6, ipc,
                               src.ip, dst.ip, sp, dp, seq, ack, offflags, win, c ^ 0xFFFF, 0)
        if opts.size or body.size:
            frame += opts.data + body.data
        self.frames.append((t, frame))

    def udp(self, t, eth, src, dst, ttl, ipid, sp, dp, body):
        """Appends the datagram; returns its UDP checksum (the ICMP error quoting it needs it)."""
        ulen = 8 + len(body.data)
        s = 0x4500 + 20 + ulen + ipid + (ttl << 8 | 17) + src.wsum + dst.wsum
        s = (s & 0xFFFF) + (s >> 16)
        s = (s & 0xFFFF) + (s >> 16)
        c = src.wsum + dst.wsum + 17 + ulen + sp + dp + ulen + body.wsum
        c = (c & 0xFFFF) + (c >> 16)
        c = (c & 0xFFFF) + (c >> 16)
        c ^= 0xFFFF
        if c == 0:
            c = 0xFFFF                           # 0 would mean "no checksum"
        self.frames.append((t, UDP_FRAME.pack(eth, 0x4500, 20 + ulen, ipid, 0, (ttl << 8) | 17,
                                              s ^ 0xFFFF, src.ip, dst.ip, sp, dp, ulen, c)
                            + body.data))
        return c

    def echo(self, t, eth, src, dst, ttl, ipid, kind, ident, seq, body):
        mlen = 8 + len(body.data)
        s = 0x4500 + 20 + mlen + ipid + (ttl << 8 | 1) + src.wsum + dst.wsum
        s = (s & 0xFFFF) + (s >> 16)
        s = (s & 0xFFFF) + (s >> 16)
        c = (kind << 8) + ident + seq + body.wsum
        c = (c & 0xFFFF) + (c >> 16)
        c = (c & 0xFFFF) + (c >> 16)
        self.frames.append((t, ECHO_FRAME.pack(eth, 0x4500, 20 + mlen, ipid, 0, (ttl << 8) | 1,
                                               s ^ 0xFFFF, src.ip, dst.ip, kind << 8, c ^ 0xFFFF,
                                               ident, seq) + body.data))

    def port_unreachable(self, t, server, client, quoted_frame, sp, dp, ulen, ucsum):
        """ICMP 3/3 from server quoting the IPv4 header and 8 bytes of a UDP datagram."""
        s = 0x4500 + 20 + 36 + (64 << 8 | 1) + server.wsum + client.wsum
        s = (s & 0xFFFF) + (s >> 16)
        s = (s & 0xFFFF) + (s >> 16)
        # a valid IPv4 header sums to 0xFFFF, so the quote sums to 0xFFFF + the UDP header
        c = 0x0303 + 0xFFFF + sp + dp + ulen + ucsum
        c = (c & 0xFFFF) + (c >> 16)
        c = (c & 0xFFFF) + (c >> 16)
        self.frames.append((t, UNREACH_FRAME.pack(ETH_OUTBOUND, 0x4500, 56, 0, 0, (64 << 8) | 1,
                                                  s ^ 0xFFFF, server.ip, client.ip, 0x0303,
                                                  c ^ 0xFFFF, 0) + quoted_frame[14:42]))


# --------------------------------------------------------------------------- services

def svc(port, udp=False):
    """A service as one int: the port, plus 0x10000 for UDP."""
    return port | 0x10000 if udp else port


# favourite services of scanners, most popular first (Zipf-ranked)
RANKED = [svc(p) for p in (445, 23, 22, 135, 139, 1433, 3389, 80, 8080, 443)] + [
    svc(137, True), svc(25), svc(5900), svc(3306), svc(21), svc(1434, True), svc(2323),
    svc(5555), svc(7547), svc(8443), svc(53, True), svc(3128), svc(6379), svc(123, True),
    svc(161, True), svc(9200), svc(1900, True), svc(81), svc(8000), svc(5060, True),
    svc(8888), svc(110), svc(143), svc(993), svc(5432), svc(27017), svc(11211, True),
    svc(37215), svc(52869), svc(2375), svc(6667), svc(1080), svc(4899), svc(5985)]
RANK_CUM = list(accumulate(1.0 / (i + 1) ** 1.1 for i in range(len(RANKED))))
TAIL_SHARE = 0.10                   # draws that pick any TCP port instead
WORM_LIFE = 2.0                     # mean of the exponential part of an infection's days
WORM_RATE = 9.6                     # 445/tcp flows of an infected source a day (0.8 x 10 x 1.2)

UDP_BODY = {
    137: Blob(b"\xa2\x48\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x20CK" + b"A" * 30 +
              b"\x00\x00\x21\x00\x01"),                                      # NBSTAT *
    1434: Blob(b"\x04" + b"\x01" * 96 + b"\xdc\xc9\xb0\x42" + bytes(275)),   # Slammer-sized
    53: Blob(b"\x5b\x1e\x01\x00\x00\x01\x00\x00\x00\x00\x00\x01\x03isc\x03org\x00\x00\xff"
             b"\x00\x01\x00\x00\x29\x10\x00\x00\x00\x00\x00\x00\x00"),       # ANY isc.org
    123: Blob(b"\x17\x00\x03\x2a" + bytes(4)),                               # monlist
    161: Blob(b"\x30\x29\x02\x01\x01\x04\x06public\xa5\x1c\x02\x04\x3b\x9a\xca\x07\x02\x01"
              b"\x00\x02\x01\x0a\x30\x0e\x30\x0c\x06\x08\x2b\x06\x01\x02\x01\x01\x01\x00"
              b"\x05\x00"),                                                  # getbulk
    1900: Blob(b"M-SEARCH * HTTP/1.1\r\nHOST:239.255.255.250:1900\r\nMAN:\"ssdp:discover\""
               b"\r\nMX:1\r\nST:ssdp:all\r\n\r\n"),
    5060: Blob(b"OPTIONS sip:nm SIP/2.0\r\nVia: SIP/2.0/UDP nm;branch=foo\r\nFrom: <sip:nm@nm>"
               b";tag=root\r\nTo: <sip:nm2@nm2>\r\nCall-ID: 50000\r\nCSeq: 42 OPTIONS\r\n"
               b"Content-Length: 0\r\n\r\n"),
    11211: Blob(b"\x00\x01\x00\x00\x00\x01\x00\x00stats\r\n"),
}
PING_WIN = Blob(b"abcdefghijklmnopqrstuvwabcdefghi")               # Windows ping
PING_UNIX = Blob(bytes(8) + bytes(range(0x10, 0x38)))               # iputils ping, 56 bytes

# legitimate sessions: the conversation per port, as (speaker, payload); "S*" is a server
# burst of 0-3 full-sized segments and a shorter one
HTTP_GET = Blob(b"GET /index.html HTTP/1.1\r\nHost: www.example.net\r\nUser-Agent: Mozilla/5.0 "
                b"(X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0\r\nAccept: text/h"
                b"tml,*/*;q=0.8\r\nAccept-Encoding: gzip, deflate\r\nConnection: close\r\n\r\n")
TLS_HELLO = Blob(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(32)) +
                 b"\x20" + bytes(range(32, 64)) + b"\x00\x20" + bytes(range(0x80, 0xa0)) +
                 b"\x01\x00\x01\x93" + bytes(403))
TLS_FINISH = Blob(b"\x14\x03\x03\x00\x01\x01\x17\x03\x03\x00\x45" + bytes(range(69)))
SSH_CLIENT = Blob(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u2\r\n")
SSH_SERVER = Blob(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")
SSH_KEX = Blob(b"\x00\x00\x05\xa4\x08\x14" + bytes(range(16)) + bytes(1426))   # one segment
SMTP_BANNER = Blob(b"220 mx.example.net ESMTP Postfix (Debian/GNU)\r\n")
SMTP_EHLO = Blob(b"EHLO mail.example.com\r\n")
SMTP_CAPS = Blob(b"250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n"
                 b"250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n")
SMTP_QUIT = Blob(b"QUIT\r\n")
SMTP_BYE = Blob(b"221 2.0.0 Bye\r\n")
CONVERSATION = {
    80: [("C", HTTP_GET), ("S*", None)],
    443: [("C", TLS_HELLO), ("S*", None), ("C", TLS_FINISH), ("S*", None)],
    22: [("S", SSH_SERVER), ("C", SSH_CLIENT), ("C", SSH_KEX), ("S*", None)],
    25: [("S", SMTP_BANNER), ("C", SMTP_EHLO), ("S", SMTP_CAPS), ("C", SMTP_QUIT),
         ("S", SMTP_BYE)],
}
BULK = [Blob(bytes(n)) for n in range(1449)]        # zero-filled segments (sum 0) by length

# --------------------------------------------------------------------------- addresses

# (first octet, second octet low, high) blocks that are not public unicast
_NOT_PUBLIC = {0: None, 10: None, 127: None, 100: (64, 127), 169: (254, 254), 172: (16, 31),
               192: (168, 168), 198: (18, 19)}


def public_slash16(rng):
    """A random public /16 as an int (a << 8 | b): not private, loopback, link-local, CGN,
    benchmarking, multicast or reserved; the /16s of the documentation nets are left out whole."""
    while True:
        a = 1 + int(rng.random() * 223)
        b = int(rng.random() * 256)
        if a in _NOT_PUBLIC:
            span = _NOT_PUBLIC[a]
            if span is None or span[0] <= b <= span[1]:
                continue
        if (a, b) in ((192, 0), (203, 0), (198, 51)):
            continue
        return a << 8 | b


class AddressBook:
    """Hands out distinct public source addresses, most of them from a few thousand hot
    /16s (Zipf-weighted: botnets and bullet-proof hosters), the rest from anywhere."""

    def __init__(self, rng, hot=2500):
        self.rng = rng
        self.hot = [public_slash16(rng) for _ in range(hot)]
        self.hot_cum = list(accumulate(1.0 / (i + 1) ** 0.95 for i in range(hot)))
        self.taken = set()

    def fresh(self, hot_share=0.7):
        r = self.rng.random
        while True:
            if r() < hot_share:
                p = self.hot[bisect_right(self.hot_cum, r() * self.hot_cum[-1])]
            else:
                p = public_slash16(self.rng)
            v = p << 16 | int(r() * 256) << 8 | (1 + int(r() * 254))
            if v not in self.taken:
                self.taken.add(v)
                return Host(v)


# --------------------------------------------------------------------------- sources

RAW, NMAP, WINDOWS, LINUX = range(4)     # how a source's SYNs look
ZMAP_IPID = -54321                       # Source.ipid: this, -1 (random) or a counter


class Source:
    __slots__ = ("host", "stack", "ttl", "win", "opts", "df", "ipid", "rtt", "fav", "icmp",
                 "weight", "last", "presence", "seen", "days")

    def __init__(self, host, stack, rng):
        r = rng.random
        self.host = host
        self.stack = stack
        hops = 6 + int(r() * 20)
        if stack == RAW:
            self.ttl, self.win, self.opts, self.df = (255 if r() < 0.5 else 64) - hops, 1024, NO_DATA, False
            self.ipid = ZMAP_IPID if r() < 0.4 else -1        # zmap's constant IP id, or random
        elif stack == NMAP:
            self.ttl, self.win, self.opts, self.df = 64 - hops, 1024, OPT_MSS, False
            self.ipid = -1
        elif stack == WINDOWS:
            self.ttl, self.win, self.opts, self.df = 128 - hops, (8192, 64240)[r() < 0.6], OPT_WIN, True
            self.ipid = int(r() * 65536)                      # a counter (>= 0)
        else:
            self.ttl, self.win, self.opts, self.df = 64 - hops, (29200, 64240)[r() < 0.5], OPT_LNX, True
            self.ipid = int(r() * 65536)
        self.rtt = int((0.02 + 0.3 * r() * r()) * US)        # round trip, capture to source
        self.fav = 0
        self.icmp = 0                  # 1: pings every target first, 2: only pings
        self.weight = 1.0
        self.last = 0                  # last day it may be active (0-based)
        self.presence = 1.0            # chance to be active on a day of its life
        self.seen = -1
        self.days = 0


# --------------------------------------------------------------------------- the generator


class Generator:
    def __init__(self, opts):
        self.rng = rng = random.Random(opts.seed)
        self.days = opts.days
        self.budget = opts.flows
        self.t0 = int(datetime.datetime.strptime(opts.start, "%Y-%m-%d")
                      .replace(tzinfo=datetime.timezone.utc).timestamp())
        self.servers = [Host(int(a)) for a in parse_servers(opts.servers)]
        n = len(self.servers)
        self.answering = [i < 5 for i in range(n)]
        self.pingable = [i < 8 for i in range(n)]
        self.open = [set() for _ in range(n)]
        for i, ports in enumerate(({80, 443}, {80, 443}, {80, 443, 22}, {443}, {22, 25})):
            if i < n:
                self.open[i] = ports
        # legitimate destinations (server, port) and how often each is used
        self.legit_dest = [(i, p) for i in range(n) for p in sorted(self.open[i])]
        w = {80: 4.0, 443: 6.0, 22: 0.6, 25: 0.8}
        self.legit_cum = list(accumulate(w[p] * (2.0 if i < 3 else 0.5) for i, p in self.legit_dest))
        self.book = AddressBook(rng)
        self.by_days = [0]          # by_days[k]: sources active on exactly k days so far
        self.truth = {"generator": "vigil bench/gen-pcap.py", "seed": opts.seed,
                      "flows_budget": opts.flows, "start": opts.start, "start_epoch": self.t0,
                      "days": self.days,
                      "servers": [str(ipaddress.IPv4Address(s.ip)) for s in self.servers],
                      "answering": [str(ipaddress.IPv4Address(s.ip)) for i, s in
                                    enumerate(self.servers) if self.answering[i]],
                      "ping_only": [str(ipaddress.IPv4Address(s.ip)) for i, s in
                                    enumerate(self.servers) if self.pingable[i]
                                    and not self.answering[i]],
                      "open_ports": {str(ipaddress.IPv4Address(s.ip)): sorted(self.open[i])
                                     for i, s in enumerate(self.servers) if self.open[i]},
                      "big_scan": None, "medium_scans": [], "per_day": []}

    # ---- one flow each

    def syn_probe(self, day, s, si, port, t, tries):
        """A SYN probe (with retransmissions while unanswered); 1 flow."""
        rng = self.rng
        srv = self.servers[si]
        h = s.host
        sp = 1024 + int(rng.random() * 64512)
        seq = rng.getrandbits(32)
        if self.answering[si]:
            day.tcp(t, ETH_INBOUND, h, srv, s.ttl, self._ipid(s),
                    s.df, sp, port, seq, 0, F_SYN, s.win, s.opts)
            t2 = t + 120 + int(rng.random() * 300)
            if port in self.open[si]:
                sseq = rng.getrandbits(32)
                day.tcp(t2, ETH_OUTBOUND, srv, h, 64, 0, True, port, sp, sseq, (seq + 1) & 0xFFFFFFFF,
                        F_SYN | F_ACK, 64240, OPT_SRV)
                t3 = t2 + s.rtt
                if s.stack >= WINDOWS:          # a connect() scan: the handshake, then a reset
                    day.tcp(t3, ETH_INBOUND, h, srv, s.ttl, self._ipid(s), True, sp, port,
                            (seq + 1) & 0xFFFFFFFF, (sseq + 1) & 0xFFFFFFFF, F_ACK, s.win >> 4 or 1)
                    day.tcp(t3 + 40, ETH_INBOUND, h, srv, s.ttl, self._ipid(s), True, sp, port,
                            (seq + 1) & 0xFFFFFFFF, (sseq + 1) & 0xFFFFFFFF, F_RST | F_ACK, 0)
                else:                           # a half-open scan: the kernel resets
                    day.tcp(t3, ETH_INBOUND, h, srv, s.ttl, 0, True, sp, port,
                            (seq + 1) & 0xFFFFFFFF, 0, F_RST, 0)
            else:
                day.tcp(t2, ETH_OUTBOUND, srv, h, 64, 0, True, port, sp, 0, (seq + 1) & 0xFFFFFFFF,
                        F_RST | F_ACK, 0)
        else:
            gap = 3 * US
            for _ in range(tries):
                day.tcp(t, ETH_INBOUND, h, srv, s.ttl, self._ipid(s),
                        s.df, sp, port, seq, 0, F_SYN, s.win, s.opts)
                t += gap
                gap *= 2
        return 1

    def _ipid(self, s):
        """The IP id of a source's next packet: random, zmap's 54321, or its counter."""
        v = s.ipid
        if v >= 0:
            s.ipid = v = (v + 1) & 0xFFFF
            return v
        return 54321 if v == ZMAP_IPID else self.rng.getrandbits(16)

    def udp_probe(self, day, s, si, port, t, tries):
        """A UDP probe (repeated from the same port when unanswered); 1 flow."""
        rng = self.rng
        srv = self.servers[si]
        h = s.host
        sp = 1024 + int(rng.random() * 64512)
        body = UDP_BODY.get(port, NO_DATA)
        for k in range(tries if not self.answering[si] else 1):
            ipid = rng.getrandbits(16)
            c = day.udp(t, ETH_INBOUND, h, srv, s.ttl, ipid, sp, port, body)
            if self.answering[si]:
                day.port_unreachable(t + 90 + int(rng.random() * 200), srv, h, day.frames[-1][1],
                                     sp, port, 8 + len(body.data), c)
            t += 1_500_000
        return 1

    def ping(self, day, s, si, t):
        """An echo request (and reply from the servers that answer ping); 1 flow."""
        rng = self.rng
        srv = self.servers[si]
        ident = 1 + int(rng.random() * 65535)
        seq = int(rng.random() * 8)
        body = PING_WIN if s.stack == WINDOWS else PING_UNIX
        day.echo(t, ETH_INBOUND, s.host, srv, s.ttl, rng.getrandbits(16), 8, ident, seq, body)
        if self.pingable[si]:
            day.echo(t + 60 + int(rng.random() * 150), ETH_OUTBOUND, srv, s.host,
                     64 if self.answering[si] else 128, rng.getrandbits(16), 0, ident, seq, body)
        return 1

    def probe(self, day, s, si, service, t, tries):
        if service > 0xFFFF:
            return self.udp_probe(day, s, si, service & 0xFFFF, t, tries)
        return self.syn_probe(day, s, si, service, t, tries)

    def session(self, day, c, si, port, t):
        """A legitimate TCP session to an open port; 1 flow."""
        rng = self.rng
        r = rng.random
        srv = self.servers[si]
        h = c.host
        sp = 32768 + int(r() * 28232)
        cs, ss = rng.getrandbits(32), rng.getrandbits(32)
        rtt = c.rtt
        srv_delay = 150
        tcp = day.tcp
        I, O = ETH_INBOUND, ETH_OUTBOUND
        tcp(t, I, h, srv, c.ttl, self._ipid(c), True, sp, port, cs, 0, F_SYN, c.win, c.opts)
        t += srv_delay
        tcp(t, O, srv, h, 64, 0, True, port, sp, ss, (cs + 1) & 0xFFFFFFFF, F_SYN | F_ACK, 65160, OPT_SRV)
        cs = (cs + 1) & 0xFFFFFFFF
        ss = (ss + 1) & 0xFFFFFFFF
        t += rtt
        tcp(t, I, h, srv, c.ttl, self._ipid(c), True, sp, port, cs, ss, F_ACK, 502)
        for who, blob in CONVERSATION[port]:
            if who == "C":
                t += 200 + int(r() * 5000)
                tcp(t, I, h, srv, c.ttl, self._ipid(c), True, sp, port, cs, ss, F_PSH | F_ACK, 502,
                    NO_DATA, blob)
                cs = (cs + len(blob.data)) & 0xFFFFFFFF
                t += srv_delay + 40
                tcp(t, O, srv, h, 64, 0, True, port, sp, ss, cs, F_ACK, 509)
            else:
                burst = [blob] if who == "S" else \
                    [BULK[1448]] * int(r() * 4) + [BULK[60 + int(r() * 1388)]]
                t += srv_delay + int(r() * 20000)
                for k, b in enumerate(burst):
                    tcp(t, O, srv, h, 64, 0, True, port, sp, ss, cs,
                        F_ACK | (F_PSH if k == len(burst) - 1 else 0), 509, NO_DATA, b)
                    ss = (ss + len(b.data)) & 0xFFFFFFFF
                    t += 12
                t += rtt
                tcp(t, I, h, srv, c.ttl, self._ipid(c), True, sp, port, cs, ss, F_ACK, 501)
        t += int((0.05 + 2.0 * r()) * US)
        tcp(t, I, h, srv, c.ttl, self._ipid(c), True, sp, port, cs, ss, F_FIN | F_ACK, 501)
        t += srv_delay
        tcp(t, O, srv, h, 64, 0, True, port, sp, ss, (cs + 1) & 0xFFFFFFFF, F_FIN | F_ACK, 509)
        t += rtt
        tcp(t, I, h, srv, c.ttl, self._ipid(c), True, sp, port, (cs + 1) & 0xFFFFFFFF,
            (ss + 1) & 0xFFFFFFFF, F_ACK, 501)
        return 1

    # ---- sources

    def new_source(self, stack, hot_share=0.7):
        return Source(self.book.fresh(hot_share), stack, self.rng)

    def draw_service(self):
        r = self.rng.random
        if r() < TAIL_SHARE:
            return 1 + int(r() * 65535)
        return RANKED[bisect_right(RANK_CUM, r() * RANK_CUM[-1])]

    def background_source(self, d):
        r = self.rng.random
        x = r()
        stack = RAW if x < 0.45 else NMAP if x < 0.60 else WINDOWS if x < 0.85 else LINUX
        s = self.new_source(stack)
        s.fav = self.draw_service()
        x = r()
        s.icmp = 2 if x < 0.015 else 1 if x < 0.105 else 0
        s.weight = min(500.0, self.rng.paretovariate(1.2))
        x = r()
        if x < 0.62:
            life = 1
        elif x < 0.95:
            life = 2 + int(self.rng.expovariate(1 / 3.0))
        else:
            life = 7 + int(r() * max(1, self.days - 7))
        s.last = d + life - 1
        s.presence = 0.45 + 0.5 * r()
        return s

    # ---- the scenario

    def shares(self):
        D = self.days
        B = self.budget
        # background: a weekly rhythm with a little noise, normalised to its share
        wk = [1 + 0.12 * math.sin(2 * math.pi * (d + 2) / 7) + 0.06 * (2 * self.rng.random() - 1)
              for d in range(D)]
        bg = [0.71 * B * w / sum(wk) for w in wk]
        # worm: the infections so far follow a logistic curve; an infected source scans for
        # 1 + floor(Exp(WORM_LIFE)) days (then it is cleaned), about WORM_RATE flows a day
        mid, rate = 0.55 * D, max(0.45, 12.0 / D)
        cum = [1 / (1 + math.exp(-rate * (d - mid))) for d in range(-1, D)]
        fresh = [cum[d + 1] - cum[d] for d in range(D)]
        alive = [sum(fresh[j] * math.exp(-(d - j) / WORM_LIFE) for j in range(d + 1))
                 for d in range(D)]
        total_alive = sum(alive) or 1.0
        worm = [0.17 * B * a / total_alive for a in alive]
        scale = 0.17 * B / (WORM_RATE * total_alive)      # infections at saturation
        self.worm_new = [scale * f for f in fresh]
        # surges: Gaussian bumps
        sigma = max(0.7, D / 20.0)

        def bump(centre):
            g = [math.exp(-((d - centre) ** 2) / (2 * sigma * sigma)) for d in range(D)]
            return [0.035 * B * x / sum(g) for x in g]
        self.s135_day, self.s137_day = int(0.35 * D), min(D - 1, int(0.7 * D))
        s135, s137 = bump(self.s135_day), bump(self.s137_day)
        legit = [0.05 * B / D] * D
        return bg, worm, s135, s137, legit

    def start_time(self, day0, span_s, margin_s=900):
        """A random start, in microseconds, for an event that must end within the day."""
        room = max(1.0, 86400 - margin_s - span_s)
        return day0 + int(self.rng.random() * room * US)

    def run(self, out, quiet):
        rng = self.rng
        r = rng.random
        D = self.days
        nserv = len(self.servers)
        all_servers = list(range(nserv))
        bg_b, worm_b, s135_b, s137_b, legit_b = self.shares()
        big_day = D // 4
        n_medium = max(1, round(D / 8))
        medium_days = sorted({min(D - 1, int((k + 0.6) * D / n_medium)) for k in range(n_medium)})
        legit_clients = []
        for _ in range(max(40, self.budget // 5000)):
            c = self.new_source(WINDOWS if r() < 0.55 else LINUX, hot_share=0.2)
            legit_clients.append(c)
        legit_cum = list(accumulate(min(50.0, rng.paretovariate(1.1)) for _ in legit_clients))
        population = []          # background sources still alive
        infected = []
        carry = {"bg": 0.0, "worm": 0.0, "worm_new": 0.0, "s135": 0.0, "s137": 0.0, "legit": 0.0}
        totals = {"flows": 0, "packets": 0, "icmp_first_sources": 0, "ping_only_sources": 0}
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        clock = time.time()
        for d in range(D):
            day = Day()
            day0 = (self.t0 + d * 86400) * US
            info = {"day": d + 1,
                    "date": datetime.datetime.fromtimestamp(self.t0 + d * 86400,
                                                            datetime.timezone.utc).strftime("%Y-%m-%d")}
            acting = 0
            seen_mark = d

            by_days = self.by_days

            def touch(s):
                nonlocal acting
                if s.seen != seen_mark:
                    s.seen = seen_mark
                    k = s.days
                    s.days = k + 1
                    if k + 1 == len(by_days):
                        by_days.append(0)
                    by_days[k] -= 1
                    by_days[k + 1] += 1
                    acting += 1

            def quota(key, amount):
                carry[key] += amount
                q = int(carry[key])
                carry[key] -= q
                return q

            # -- the 445/tcp worm: new infections from the logistic curve; every infected
            # source sweeps the servers once, some twice, until the day's flows are made
            infected = [s for s in infected if s.last >= d]
            new_inf = quota("worm_new", self.worm_new[d])
            for _ in range(new_inf):
                s = self.new_source(WINDOWS, hot_share=0.4)
                s.last = d + int(rng.expovariate(1 / WORM_LIFE))
                infected.append(s)
            wq = quota("worm", worm_b[d])
            wf = 0
            order = []
            while wf < wq and infected:
                if not order:
                    order = infected[:]
                    rng.shuffle(order)
                s = order.pop()
                touch(s)
                t = self.start_time(day0, 60)
                for si in all_servers:
                    if r() < 0.8:
                        wf += self.syn_probe(day, s, si, 445, t, 1 + int(r() * 3))
                    t += 5000 + int(r() * 60000)
            info.update(worm445_sources=len(infected), worm445_new=new_inf, worm445_flows=wf)
            flows = wf
            # -- the surges: one-day sources
            for key, port, budget in (("s135", 135, s135_b[d]), ("s137", svc(137, True), s137_b[d])):
                q = quota(key, budget)
                n = f = 0
                while f < q:
                    s = self.new_source(WINDOWS, hot_share=0.5)
                    n += 1
                    touch(s)
                    t = self.start_time(day0, 120)
                    if port == 135 and r() < 0.5:          # Welchia: ping, then 135/tcp
                        for si in all_servers:
                            if r() < 0.7:
                                f += self.ping(day, s, si, t)
                                f += self.syn_probe(day, s, si, 135, t + 2 * US, 2)
                            t += 20000
                    else:
                        for si in all_servers:
                            if r() < 0.7:
                                f += self.probe(day, s, si, port, t, 1 + int(r() * 3))
                            t += 8000 + int(r() * 30000)
                info[key + "_sources"] = n
                info[key + "_flows"] = f
                flows += f
            # -- scans
            sf = 0
            if d == big_day:
                s = self.new_source(NMAP)
                touch(s)
                si = min(4, nserv - 1)
                ports = list(range(1, 65536))
                rng.shuffle(ports)
                t = self.start_time(day0, 400, 3600)
                step = 5000                                  # 200 probes a second
                for p in ports:
                    sf += self.syn_probe(day, s, si, p, t, 1)
                    t += step + int(r() * 1000)
                self.truth["big_scan"] = {"src": str(ipaddress.IPv4Address(s.host.ip)),
                                          "dst": str(ipaddress.IPv4Address(self.servers[si].ip)),
                                          "ports": 65535, "order": "random", "day": d + 1,
                                          "date": info["date"]}
            if d in medium_days:
                s = self.new_source(RAW if r() < 0.5 else LINUX)
                touch(s)
                si = int(r() * nserv)
                t = self.start_time(day0, 200)
                for p in range(1, 1025):
                    sf += self.syn_probe(day, s, si, p, t, 1)
                    t += 2000 + int(r() * 4000)
                self.truth["medium_scans"].append(
                    {"src": str(ipaddress.IPv4Address(s.host.ip)),
                     "dst": str(ipaddress.IPv4Address(self.servers[si].ip)), "ports": 1024,
                     "order": "sequential", "day": d + 1, "date": info["date"]})
            info["scan_flows"] = sf
            flows += sf
            # -- legitimate sessions, in working hours
            q = quota("legit", legit_b[d])
            lf = 0
            for _ in range(q):
                c = legit_clients[bisect_right(legit_cum, r() * legit_cum[-1])]
                touch(c)
                si, port = self.legit_dest[bisect_right(self.legit_cum, r() * self.legit_cum[-1])]
                hour = 7 + 15 * (r() + r()) / 2                # 07:00-22:00, peaking mid-day
                lf += self.session(day, c, si, port, day0 + int(hour * 3600 * US))
            info["legit_flows"] = lf
            flows += lf
            # -- background radiation
            population = [s for s in population if s.last >= d]
            active = [s for s in population if r() < s.presence]
            cum = list(accumulate(s.weight for s in active))
            acc = cum[-1] if cum else 0.0
            q = quota("bg", bg_b[d])
            bf = new_bg = 0
            draw = self.draw_service
            while bf < q:
                if not active or r() < 0.4:
                    s = self.background_source(d)
                    population.append(s)
                    active.append(s)
                    acc += s.weight
                    cum.append(acc)
                    new_bg += 1
                    totals["icmp_first_sources"] += s.icmp == 1
                    totals["ping_only_sources"] += s.icmp == 2
                else:
                    s = active[bisect_right(cum, r() * acc)]
                touch(s)
                service = s.fav if r() < 0.75 else draw()
                if r() < 0.3:
                    targets = all_servers
                else:
                    targets = rng.sample(all_servers, min(nserv, 1 + int(r() * 4)))
                t = self.start_time(day0, 120)
                if s.icmp:
                    for si in targets:
                        bf += self.ping(day, s, si, t)
                        t += 10000 + int(r() * 90000)
                    t += int((1 + 29 * r()) * US)
                if s.icmp != 2:
                    tries = 1 + (r() < 0.3)
                    for si in targets:
                        bf += self.probe(day, s, si, service, t, tries)
                        t += 2000 + int(r() * 50000)
            flows += bf
            info.update(background_flows=bf, bg_new_sources=new_bg, bg_active_sources=len(active))
            # -- out, in time order
            frames = day.frames
            frames.sort(key=itemgetter(0))
            pack = REC_HDR.pack
            chunk = []
            for ts, fr in frames:
                n = len(fr)
                chunk.append(pack(ts // US, ts % US, n, n))
                chunk.append(fr)
            out.write(b"".join(chunk))
            info.update(flows=flows, packets=len(frames), sources=acting)
            self.truth["per_day"].append(info)
            totals["flows"] += flows
            totals["packets"] += len(frames)
            if not quiet:
                print("gen-pcap: %s flows %d packets %d worm445 %d sources %d (%.1f s)"
                      % (info["date"], flows, len(frames), len(infected), acting,
                         time.time() - clock), file=sys.stderr)
        # the sources that sent something, and by the number of days they did (as in the
        # seed's activity-duration slide), and the whole histogram
        bd = self.by_days
        totals["sources"] = sum(bd[1:])
        totals["sources_by_days_active"] = {
            "1": sum(bd[1:2]), "2-9": sum(bd[2:10]), "10-99": sum(bd[10:100]), ">=100": sum(bd[100:])}
        totals["days_active_histogram"] = {str(k): n for k, n in enumerate(bd) if k and n}
        totals["seconds"] = round(time.time() - clock, 2)
        return totals


def parse_servers(spec):
    """'192.0.2.1-10' or '192.0.2.1-192.0.2.10' or one address."""
    if "-" not in spec:
        return [ipaddress.IPv4Address(spec)]
    first, last = spec.split("-", 1)
    a = ipaddress.IPv4Address(first)
    b = ipaddress.IPv4Address(last) if "." in last else \
        ipaddress.IPv4Address(first.rsplit(".", 1)[0] + "." + last)
    if int(b) < int(a) or int(b) - int(a) > 255:
        raise SystemExit("gen-pcap: --servers: a range of 1 to 256 addresses, first-last")
    return [ipaddress.IPv4Address(v) for v in range(int(a), int(b) + 1)]


def main():
    ap = argparse.ArgumentParser(description="synthetic background-radiation pcap for vigil's benchmarks")
    ap.add_argument("out", metavar="OUT.pcap")
    ap.add_argument("--flows", type=int, default=2_000_000,
                    help="flow budget of the scaled traffic (the fixed-size scans come on top)")
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", default="2024-01-01", help="first UTC day, YYYY-MM-DD")
    ap.add_argument("--servers", default="192.0.2.1-10", help="monitored addresses, a range")
    ap.add_argument("--truth", metavar="FILE", help="JSON of what was generated")
    ap.add_argument("--quiet", action="store_true", help="only the summary line on stderr, no progress")
    opts = ap.parse_args()
    if opts.days < 1 or opts.flows < 0:
        ap.error("--days must be at least 1 and --flows not negative")
    gen = Generator(opts)
    with open(opts.out, "wb") as out:
        totals = gen.run(out, opts.quiet)
    gen.truth.update(totals)
    if opts.truth:
        with open(opts.truth, "w") as f:
            json.dump(gen.truth, f, indent=1)
            f.write("\n")
    print("gen-pcap: %s: %d flows, %d packets, %d sources, %d days (%.1f s)"
          % (opts.out, totals["flows"], totals["packets"], totals["sources"], opts.days,
             totals["seconds"]), file=sys.stderr)


if __name__ == "__main__":
    main()
