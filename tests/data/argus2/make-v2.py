#!/usr/bin/env python3
"""make-v2.py - writes small Argus 2.x files with known content.

No Argus 2.x sensor exists here, so these files are built from the record
layout (shared docs/FORMATS.md section 2, checked against the V2 structs in
argus-clients' argus_out.h / argus_def.h and its v2 -> v3 converter). The
ground truth is what `ra` 3.0.8.2, which reads 2.x natively, prints for them
(see README.md). Deterministic: the same bytes on every run.

usage: make-v2.py [OUTDIR]      (default: the directory of this script)
writes OUTDIR/sample.arg (records ra reads as written) and OUTDIR/quirks.arg
(records on which vigil and ra differ on purpose).

Layout reminder (everything big-endian):
  record header, 16 bytes: type u8, cause u8, length u16 (bytes, whole
      record), status u32 (low 16 bits = ethertype of the flow, 0x20000000
      = version 2), argusid u32 (initial MAR: the cookie 0xE5617ACB), seq u32
  MAR: header + 112 bytes (128 in all)
  FAR: header + a chain of v2 DSRs [type u8, length u8 (bytes), status u16];
      the first is the 72-byte FAR body (times, flow key, IP attributes,
      src and dst counters), then optional DSRs (TCP 0x11, ICMP 0x12, ...)
"""
import os
import struct
import sys

COOKIE = 0xE5617ACB
V2 = 0x20000000
ID_IS_IPADDR = 0x00800000

# record types and causes
MAR, FAR = 0x80, 0x01
START, STATUS, STOP, SHUTDOWN, TIMEOUT = 0x01, 0x04, 0x08, 0x10, 0x20

ETH_IP, ETH_ARP, ETH_RARP = 0x0800, 0x0806, 0x8035

# TCP state bits (the same values as in Argus 3)
SYN, SYNACK, EST, FIN, FINACK, CLOSE = 0x1, 0x2, 0x4, 0x8, 0x10, 0x20
SRC_RESET, DST_RESET = 0x1000, 0x2000
# TCP header flags
F_FIN, F_SYN, F_RST, F_PSH, F_ACK = 0x01, 0x02, 0x04, 0x08, 0x10

T0 = 1078099200  # 2004-03-01 00:00:00 UTC


def ip(s):
    a, b, c, d = (int(x) for x in s.split('.'))
    return a << 24 | b << 16 | c << 8 | d


def header(rtype, cause, length, status, argusid, seq):
    return struct.pack('>BBHIII', rtype, cause, length, status, argusid, seq)


def mar(cause, seq, now, start, argusid, first=False, pkts=0, byts=0,
        flows=0):
    """A 128-byte management record. The initial one carries the cookie in
    the header's argusid and sequence 0; its body holds the monitor id."""
    body = struct.pack('>IIII', start, 0, now, 500000)
    body += struct.pack('>BBBB', 2, 0, 1, 1)           # version 2.0, ether, up
    body += struct.pack('>HH', 5, 60)                   # report / MAR interval
    body += struct.pack('>IIII', argusid, ip('192.0.2.0'), 0xFFFFFF00, seq + 1)
    body += struct.pack('>QQ', pkts, byts)
    body += struct.pack('>13I', 0, flows, flows, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0)
    body += struct.pack('>i', -1)                       # record_len
    assert len(body) == 112
    hid = COOKIE if first else argusid
    return header(MAR, cause, 128, V2 | ID_IS_IPADDR, hid, seq) + body


def ipflow(src, dst, proto, sport, dport, ip_id=0):
    return struct.pack('>IIBBHHH', ip(src), ip(dst), proto, 0, sport, dport,
                       ip_id)


def icmpflow(src, dst, itype, code, ident, ip_id=0, tp_p=0):
    return struct.pack('>IIBBBBHH', ip(src), ip(dst), 1, tp_p, itype, code,
                       ident, ip_id)


def arpflow(spa, tpa, mac):
    return struct.pack('>II6sH', ip(spa), ip(tpa), bytes(mac), 0)


def rarpflow(tpa, smac, tmac):
    return struct.pack('>I6s6s', ip(tpa), bytes(smac), bytes(tmac))


def far_body(t0, t1, flow, src, dst, attrs=(0, 0, 64, 64, 0, 0), status=0,
             ref=0):
    """src, dst = (pkts, bytes, appbytes); t0, t1 = (sec, usec)."""
    assert len(flow) == 16
    b = struct.pack('>BBHI', 0x01, 72, status, ref)
    b += struct.pack('>IIII', t0[0], t0[1], t1[0], t1[1])
    b += flow
    b += struct.pack('>HHBBBB', *attrs)
    b += struct.pack('>III', *src) + struct.pack('>III', *dst)
    assert len(b) == 72
    return b


def tcp_dsr(state, sflags, dflags, options=0, synack=0, ackdata=0,
            sbytes=0, dbytes=0):
    b = struct.pack('>BBHIIII', 0x11, 60, 0, state, options, synack, ackdata)
    b += struct.pack('>IIIIHBB', 1000, 0, sbytes, 0, 8192, sflags, 0)
    b += struct.pack('>IIIIHBB', 5000, 0, dbytes, 0, 16384, dflags, 0)
    assert len(b) == 60
    return b


def icmp_dsr(itype, code, iseq=0, osrc='0.0.0.0', odst='0.0.0.0',
             isrc='0.0.0.0', idst='0.0.0.0', igw='0.0.0.0'):
    return struct.pack('>BBHBBHIIIII', 0x12, 28, 0, itype, code, iseq,
                       ip(osrc), ip(odst), ip(isrc), ip(idst), ip(igw))


def mac_dsr(smac, dmac):
    return struct.pack('>BBH6s6s', 0x08, 16, 0, bytes(smac), bytes(dmac))


def vlan_dsr(sid, did, lenbyte=8):
    return struct.pack('>BBHHH', 0x2a, lenbyte, 0x3, sid, did)


def mpls_dsr(slabel, dlabel):
    return struct.pack('>BBHII', 0x28, 12, 0x3, slabel, dlabel)


def time_dsr():
    """0x40: active/idle inter-packet stats per direction, 84 bytes."""
    b = struct.pack('>BBH', 0x40, 84, 0)
    for n in (3, 1, 2, 0):
        b += struct.pack('>iIIII', n, 100, 2000, 50, 9000)
    assert len(b) == 84
    return b


def agr_dsr(count, t_start, t_last):
    b = struct.pack('>BBHI', 0x30, 72, 0, count)
    b += struct.pack('>IIII', t_start[0], t_start[1], t_last[0], t_last[1])
    b += struct.pack('>iIIII', count, 10, 20, 5, 30)
    b += struct.pack('>iIIII', 0, 0, 0, 0, 0)
    b += struct.pack('>II', 0, 0)
    assert len(b) == 72
    return b


def user_dsr(dtype, data):
    """0x42 src / 0x43 dst user data: the length byte counts 4-byte words."""
    pad = (-len(data)) % 4
    words = 1 + (len(data) + pad) // 4
    return struct.pack('>BBH', dtype, words, 0) + data + b'\0' * pad


def esp_dsr():
    return struct.pack('>BBH6I', 0x22, 28, 0, 0x1001, 7, 0, 0x2002, 5, 0)


def rtp_dsr():
    """An RTP object (0x14): not decoded by anyone here, skipped by length."""
    return struct.pack('>BBHI', 0x14, 36, 0, 0) + bytes(range(28))


class File:
    def __init__(self, argusid):
        self.recs = []
        self.seq = 0
        self.argusid = argusid

    def add(self, rec):
        self.recs.append(rec)

    def far(self, cause, ethertype, body, *dsrs, rtype=FAR):
        self.seq += 1
        payload = body + b''.join(dsrs)
        length = 16 + len(payload)
        assert length <= 4098
        self.add(header(rtype, cause, length, V2 | ID_IS_IPADDR | ethertype,
                        self.argusid, self.seq) + payload)

    def bytes(self):
        return b''.join(self.recs)


def t(sec, usec=0):
    return (T0 + sec, usec)


MAC_A = b'\x00\x0c\x29\x11\x22\x33'
MAC_B = b'\x00\x50\x56\xaa\xbb\xcc'


def sample():
    """sample.arg: the kinds of record a 2004 sensor wrote, each as ra
    prints it (the golden tests compare vigil with ra row for row)."""
    f = File(ip('192.0.2.254'))
    f.add(mar(START, 0, T0, T0 - 3600, f.argusid, first=True))
    c, s, x = '192.0.2.10', '198.51.100.7', '203.0.113.5'
    bcast = '192.0.2.255'

    # 1 TCP SYN only (scan probe): REQ
    f.far(START, ETH_IP, far_body(t(1, 100), t(1, 100),
          ipflow(x, c, 6, 40001, 22), (1, 60, 0), (0, 0, 0)),
          tcp_dsr(SYN, F_SYN, 0))
    # 2 TCP SYN + SYN/ACK, nothing more: ACC
    f.far(START, ETH_IP, far_body(t(2, 0), t(2, 1500),
          ipflow(x, c, 6, 40002, 80), (1, 60, 0), (1, 60, 0)),
          tcp_dsr(SYN | SYNACK, F_SYN, F_SYN | F_ACK, synack=1500))
    # 3 a whole HTTP connection, closed with FINs, with a MAC DSR: FIN
    f.far(STOP, ETH_IP, far_body(t(3, 5), t(3, 250000),
          ipflow(c, s, 6, 1025, 80), (6, 492, 88), (6, 3591, 3200)),
          mac_dsr(MAC_A, MAC_B),
          tcp_dsr(SYN | SYNACK | EST | FIN | FINACK, 0x1b, 0x1b,
                  options=0x04700000, synack=900, ackdata=300,
                  sbytes=88, dbytes=3200))
    # 4 connection refused: SYN answered by RST: RST
    f.far(START, ETH_IP, far_body(t(4, 10), t(4, 90),
          ipflow(c, s, 6, 1026, 23), (1, 62, 0), (1, 54, 0)),
          tcp_dsr(SYN | DST_RESET, F_SYN, F_RST | F_ACK))
    # 5 long SSH session, first of three reports (START, STATUS, STOP)
    f.far(START, ETH_IP, far_body(t(10, 0), t(14, 999000),
          ipflow(c, s, 6, 1027, 22), (20, 2400, 1000), (18, 3000, 1800)),
          tcp_dsr(SYN | SYNACK | EST, 0x1a, 0x1a, sbytes=1000, dbytes=1800))
    # 6 UDP, one way, first report: INT
    f.far(START, ETH_IP, far_body(t(11, 0), t(11, 0),
          ipflow(c, bcast, 17, 138, 138), (1, 243, 201), (0, 0, 0),
          attrs=(0, 0, 128, 0, 0, 0)))
    # 7 UDP both ways (DNS): CON
    f.far(START, ETH_IP, far_body(t(12, 200), t(12, 41200),
          ipflow(c, s, 17, 1030, 53), (1, 74, 32), (1, 154, 112)),
          mac_dsr(MAC_A, MAC_B))
    # 8 ICMP echo request + reply: ECO; id 0x1234 seq 1
    f.far(START, ETH_IP, far_body(t(13, 0), t(13, 400),
          icmpflow(c, s, 8, 0, 0x1234, 1), (1, 98, 56), (1, 98, 56)),
          icmp_dsr(8, 0, 1))
    # 9 second echo of the same ping: another flow (the key has the seq)
    f.far(START, ETH_IP, far_body(t(14, 0), t(14, 380),
          icmpflow(c, s, 8, 0, 0x1234, 2), (1, 98, 56), (1, 98, 56)),
          icmp_dsr(8, 0, 2))
    # 10 the SSH session goes on
    f.far(STATUS, ETH_IP, far_body(t(15, 100), t(19, 800000),
          ipflow(c, s, 6, 1027, 22), (40, 4000, 1800), (35, 9000, 6900)),
          tcp_dsr(EST, 0x18, 0x18, sbytes=1800, dbytes=6900))
    # 11 UDP to a closed port (FAR status: ICMP unreachable mapped), then
    #    the port-unreachable that answered it: URP
    f.far(START, ETH_IP, far_body(t(16, 0), t(16, 0),
          ipflow(c, x, 17, 1031, 9998), (1, 60, 18), (0, 0, 0),
          status=0x0001),
          icmp_dsr(3, 3, 0, s, x, c, x, x))
    f.far(START, ETH_IP, far_body(t(16, 300), t(16, 300),
          icmpflow(x, c, 3, 3, 9998, 0, tp_p=17), (1, 88, 60), (0, 0, 0)),
          icmp_dsr(3, 3, 0, x, c, c, x, x))
    # 12 UDP one way, a later report (not START): REQ
    f.far(STATUS, ETH_IP, far_body(t(17, 0), t(18, 0),
          ipflow(c, bcast, 17, 137, 137), (3, 276, 150), (0, 0, 0)))
    # 13 ARP who-has, answered: CON; then one unanswered (a STATUS
    #    report: still INT) and a lone reply (RSP)
    f.far(START, ETH_ARP, far_body(t(19, 0), t(19, 200),
          arpflow(c, '192.0.2.1', MAC_A), (1, 60, 0), (1, 60, 0),
          attrs=(0, 0, 0, 0, 0, 0)))
    f.far(STATUS, ETH_ARP, far_body(t(19, 500), t(19, 500),
          arpflow(c, '192.0.2.2', MAC_A), (1, 60, 0), (0, 0, 0),
          attrs=(0, 0, 0, 0, 0, 0)))
    f.far(START, ETH_ARP, far_body(t(19, 900), t(19, 900),
          arpflow(c, '192.0.2.3', MAC_A), (0, 0, 0), (1, 60, 0),
          attrs=(0, 0, 0, 0, 0, 0)))
    # 14 the SSH session ends (racluster merges the three reports: FIN)
    f.far(STOP, ETH_IP, far_body(t(20, 0), t(21, 500000),
          ipflow(c, s, 6, 1027, 22), (4, 240, 0), (3, 180, 0)),
          tcp_dsr(EST | FIN | FINACK, 0x11, 0x11))
    # 15 a report whose source answered the handshake (argus saw the
    #    SYN/ACK first): ra turns it around and marks it corrected (CLO)
    f.far(START, ETH_IP, far_body(t(22, 0), t(22, 90000),
          ipflow(s, c, 6, 80, 1040), (5, 3000, 2700), (4, 400, 120)),
          tcp_dsr(SYNACK | EST, F_SYN | F_ACK | F_PSH, F_ACK | F_PSH))
    # 16 mid-stream TCP (no handshake seen), named port to high port: ra
    #    turns it around and keeps the state (CON)
    f.far(STATUS, ETH_IP, far_body(t(23, 0), t(24, 0),
          ipflow(s, c, 6, 80, 1041), (3, 4500, 4350), (2, 120, 0)),
          tcp_dsr(EST, F_ACK | F_PSH, F_ACK))
    # 17 one way SYN/ACK+FIN of > 60 bytes a packet: turned around (CLO)
    f.far(START, ETH_IP, far_body(t(25, 0), t(25, 0),
          ipflow(s, c, 6, 80, 1043), (2, 200, 0), (0, 0, 0)),
          tcp_dsr(SYNACK, F_SYN | F_ACK | F_FIN, 0))
    # 18 a flow with every optional DSR argus 2 could add: MAC, VLAN,
    #    MPLS, jitter (0x40), AGR, user data both ways, and an RTP object
    f.far(START, ETH_IP, far_body(t(27, 0), t(27, 600000),
          ipflow(c, s, 17, 5004, 5006), (30, 6000, 5160), (28, 5600, 4816)),
          mac_dsr(MAC_A, MAC_B), vlan_dsr(10, 10), mpls_dsr(0x10000, 0x20000),
          time_dsr(), agr_dsr(1, t(27, 0), t(27, 600000)),
          user_dsr(0x42, b'\x80\x00\x01\x02GET x'),
          user_dsr(0x43, b'\x80\x00\x01\x03OK!!'),
          rtp_dsr())
    # 19 a VLAN DSR whose length byte is 0 (ra takes 8 bytes, as for the
    #    2.0.0 sensors that wrote it wrong), then a MAC DSR
    f.far(START, ETH_IP, far_body(t(28, 0), t(28, 7000),
          ipflow(c, s, 17, 1044, 53), (1, 70, 28), (1, 90, 48)),
          vlan_dsr(5, 5, lenbyte=0), mac_dsr(MAC_A, MAC_B))
    # 20 RST from the source after an established connection
    f.far(STOP, ETH_IP, far_body(t(29, 0), t(29, 80000),
          ipflow(c, s, 6, 1042, 443), (5, 700, 300), (4, 2000, 1800)),
          tcp_dsr(SYN | SYNACK | EST | SRC_RESET, 0x1e, 0x1a,
                  sbytes=300, dbytes=1800))
    # 21 UDP fragments (soptions 0x0008): a fragment flow, no ports
    f.far(START, ETH_IP, far_body(t(30, 0), t(30, 100),
          ipflow(c, s, 17, 0, 0, 4711), (2, 3000, 0), (0, 0, 0),
          attrs=(0x0008, 0, 64, 0, 0, 0)))
    # 22 a flow record converted from NetFlow (type 0x11)
    f.far(START, ETH_IP, far_body(t(31, 0), t(31, 20000),
          ipflow(c, s, 6, 1045, 25), (3, 180, 0), (2, 120, 0)),
          tcp_dsr(SYN | SYNACK | EST, 0x12, 0x12), rtype=0x11)
    # 23 a usec field out of range (clamped) and times in the wrong order
    f.far(START, ETH_IP, far_body((T0 + 33, 1500000), (T0 + 32, 3),
          ipflow(c, s, 17, 1046, 53), (1, 70, 28), (1, 90, 48)))
    # 24 a status MAR in the middle
    f.add(mar(STATUS, 0, T0 + 60, T0 - 3600, f.argusid, pkts=150,
              byts=40000, flows=20))
    # 25 UDP answer seen without its request: RSP (dst only)
    f.far(START, ETH_IP, far_body(t(61, 0), t(61, 0),
          ipflow(c, s, 17, 1050, 123), (0, 0, 0), (1, 90, 48)))
    # the closing MAR
    f.add(mar(STOP, 0, T0 + 62, T0 - 3600, f.argusid, pkts=160,
              byts=41000, flows=21))
    return f.bytes()


def quirks():
    """quirks.arg: records ra 3.0.8.2 prints differently from vigil, on
    purpose or because ra cannot (README.md lists each one)."""
    f = File(ip('10.1.2.3'))
    f.add(mar(START, 0, T0 + 3600, T0, f.argusid, first=True))
    c, s = '192.0.2.20', '198.51.100.8'

    def tt(sec, usec=0):
        return (T0 + 3600 + sec, usec)

    # 1 TCP closed on a timeout: vigil TIM, ra a stale cause (CON)
    f.far(TIMEOUT, ETH_IP, far_body(tt(1), tt(2),
          ipflow(c, s, 6, 2000, 22), (3, 180, 0), (3, 180, 0)),
          tcp_dsr(SYN | SYNACK | EST, 0x12, 0x12))
    # 2 UDP one way after a START record, cause TIMEOUT: vigil REQ, ra INT
    f.far(START, ETH_IP, far_body(tt(3), tt(3),
          ipflow(c, s, 17, 2001, 53), (1, 70, 0), (0, 0, 0)))
    f.far(TIMEOUT, ETH_IP, far_body(tt(4), tt(4),
          ipflow(c, s, 17, 2002, 53), (1, 70, 0), (0, 0, 0)))
    # 3 GRE and IGMP: ra leaves the port columns empty, vigil prints 0
    f.far(START, ETH_IP, far_body(tt(5), tt(6),
          ipflow(c, s, 47, 0, 0), (4, 480, 0), (0, 0, 0)))
    f.far(START, ETH_IP, far_body(tt(7), tt(7),
          icmpflow(c, '224.0.0.1', 0x16, 0, 0, 5)[:8] +
          bytes([2, 0, 0x16, 0, 0, 0, 0, 5]), (1, 46, 0), (0, 0, 0)))
    # 4 ESP with its DSR: ra prints bytes from a stale buffer as the SPI
    f.far(START, ETH_IP, far_body(tt(8), tt(8, 20000),
          ipflow(c, s, 50, 0, 0x1001), (2, 300, 0), (2, 300, 0)),
          esp_dsr())
    # 5 RARP: ra prints the key as two MAC addresses, vigil the target IP
    f.far(START, ETH_RARP, far_body(tt(9), tt(9),
          rarpflow('192.0.2.77', MAC_A, MAC_B), (1, 60, 0), (0, 0, 0)))
    # 6 a non-IP ethertype (here IPv6, which v2 keys cannot hold): ra
    #    prints MAC addresses, vigil skips the record (unsupported key)
    f.far(START, 0x86DD, far_body(tt(10), tt(10), bytes(range(16)),
          (1, 100, 0), (0, 0, 0)))
    # 7 TCP without a TCP DSR: ra uses the previous record's TCP state
    f.far(START, ETH_IP, far_body(tt(11), tt(11),
          ipflow(s, c, 6, 80, 3000), (1, 1500, 0), (1, 40, 0)))
    # 8 an ICMP DSR whose type differs from the key's: ra names the state
    #   after the DSR (ECR), vigil after the key (ECO)
    f.far(START, ETH_IP, far_body(tt(12), tt(12),
          icmpflow(c, s, 8, 0, 0x0102, 3), (1, 98, 0), (0, 0, 0)),
          icmp_dsr(0, 0, 3))
    # 9 a TCP DSR of 40 bytes: ra reads its state unswapped (garbage),
    #   vigil reads the state word and no flags
    d = bytearray(tcp_dsr(SYN | SYNACK | EST | FIN, 0x1b, 0x1b))[:40]
    d[1] = 40
    f.far(STOP, ETH_IP, far_body(tt(13), tt(13, 5000),
          ipflow(c, s, 6, 2010, 80), (3, 180, 0), (3, 180, 0)), bytes(d))
    # 10 an index record (0xA0): skipped by both
    f.add(header(0xA0, START, 32, V2, f.argusid, 0) + bytes(16))
    f.add(mar(STOP, 0, T0 + 3620, T0, f.argusid, pkts=20, byts=3000,
              flows=11))
    return f.bytes()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.abspath(__file__))
    for name, data in (('sample.arg', sample()), ('quirks.arg', quirks())):
        with open(os.path.join(out, name), 'wb') as fp:
            fp.write(data)


if __name__ == '__main__':
    main()
