#!/usr/bin/env python3
"""make-datagrams.py - writes the NetFlow v9 / IPFIX datagrams of the
collector's golden cases (issue 19, N1-N6), each case one file NAME.nfd of
datagrams in the fuzz corpus's packing: [ctl u8, length u16 BE, bytes] per
datagram (tests/fuzz/fuzz_netflow.c; ctl 0 = first exporter, no clock
step). Every field is written here, so every expected value is known; the
comments say what a right decoder makes of each record.
usage: make-datagrams.py OUTDIR"""
import ipaddress
import os
import struct
import sys

EXPORT = 1709548200          # 2024-03-04 10:30:00 UTC, the header's export time
UPTIME = 3600000             # the exporter has been up one hour (ms)
BOOT_MS = EXPORT * 1000 - UPTIME  # 2024-03-04 09:30:00.000 UTC


def ip4(s):
    return ipaddress.IPv4Address(s).packed


def ip6(s):
    return ipaddress.IPv6Address(s).packed


def fields_spec(fields, ipfix):
    out = b""
    for f in fields:
        ie, ln = f[0], f[1]
        pen = f[2] if len(f) > 2 else 0
        if pen:
            out += struct.pack(">HHI", ie | 0x8000, ln, pen)
        else:
            out += struct.pack(">HH", ie, ln)
    return out


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def v9_template(tid, fields):
    body = struct.pack(">HH", tid, len(fields)) + fields_spec(fields, False)
    return struct.pack(">HH", 0, 4 + len(body)) + body


def v9_options_template(tid, scope, opts):
    body = struct.pack(">HHH", tid, 4 * len(scope), 4 * len(opts))
    body += fields_spec(scope, False) + fields_spec(opts, False)
    body = pad4(body)
    return struct.pack(">HH", 1, 4 + len(body)) + body


def ipfix_template(tid, fields):
    body = struct.pack(">HH", tid, len(fields)) + fields_spec(fields, True)
    return struct.pack(">HH", 2, 4 + len(body)) + body


def ipfix_options_template(tid, scope, opts):
    body = struct.pack(">HHH", tid, len(scope) + len(opts), len(scope))
    body += fields_spec(scope, True) + fields_spec(opts, True)
    return struct.pack(">HH", 3, 4 + len(body)) + body


def data_set(tid, records, v9=True):
    body = b"".join(records)
    if v9:
        body = pad4(body)
    return struct.pack(">HH", tid, 4 + len(body)) + body


def v9(sets, uptime=UPTIME, secs=EXPORT, seq=1, source_id=0, count=None):
    body = b"".join(sets)
    n = count if count is not None else len(sets)
    return struct.pack(">HHIIII", 9, n, uptime, secs, seq, source_id) + body


def ipfix(sets, secs=EXPORT, seq=0, domain=0):
    body = b"".join(sets)
    return struct.pack(">HHIII", 10, 16 + len(body), secs, seq, domain) + body


def u(n, v):
    return v.to_bytes(n, "big")


def varlen(b, long_form=False):
    """RFC 7011 7: one length byte, or 255 and a u16 (allowed for short
    values too)."""
    if long_form or len(b) >= 255:
        return b"\xff" + struct.pack(">H", len(b)) + b
    return bytes([len(b)]) + b


def write(outdir, name, datagrams):
    out = b""
    for d in datagrams:
        out += struct.pack(">BH", 0, len(d)) + d
    with open(os.path.join(outdir, name + ".nfd"), "wb") as f:
        f.write(out)


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)

    # ---- N1: one template with IPv4 and IPv6 address fields (as some
    # routers and nProbe send one template for both families); each record
    # fills one pair and leaves the other zero.
    t = [(8, 4), (12, 4), (27, 16), (28, 16), (7, 2), (11, 2), (4, 1), (6, 1),
         (2, 4), (1, 4), (22, 4), (21, 4)]
    # 192.0.2.10:40000 -> 198.51.100.20:443 tcp, 10 pkts 1500 bytes, SYN ACK FIN,
    # 10:29:55.000 - 10:29:59.000
    r4 = (ip4("192.0.2.10") + ip4("198.51.100.20") + b"\0" * 32 + u(2, 40000) + u(2, 443) +
          u(1, 6) + u(1, 0x13) + u(4, 10) + u(4, 1500) + u(4, UPTIME - 5000) + u(4, UPTIME - 1000))
    # [2001:db8::10]:40001 -> [2001:db8::20]:53 udp, 1 pkt 80 bytes, 10:29:58.500
    r6 = (b"\0" * 8 + ip6("2001:db8::10") + ip6("2001:db8::20") + u(2, 40001) + u(2, 53) +
          u(1, 17) + u(1, 0) + u(4, 1) + u(4, 80) + u(4, UPTIME - 1500) + u(4, UPTIME - 1500))
    # ICMPv6 echo request, type 128 code 0 in the destination port (as v5 carries it):
    # [2001:db8::10] -> [2001:db8::30], 2 pkts 208 bytes
    r6i = (b"\0" * 8 + ip6("2001:db8::10") + ip6("2001:db8::30") + u(2, 0) + u(2, 128 << 8) +
           u(1, 58) + u(1, 0) + u(4, 2) + u(4, 208) + u(4, UPTIME - 3000) + u(4, UPTIME - 2000))
    write(outdir, "n1-v9-v4v6", [v9([v9_template(256, t), data_set(256, [r4, r6, r6i])],
                                    count=4)])
    # the same in IPFIX, times absolute (flowStart/EndMilliseconds), and
    # the IPv6 fields before the IPv4 ones this time
    t = [(27, 16), (28, 16), (8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (6, 1), (2, 4), (1, 4),
         (152, 8), (153, 8)]
    ms = EXPORT * 1000
    r4 = (b"\0" * 32 + ip4("192.0.2.10") + ip4("198.51.100.20") + u(2, 40000) + u(2, 443) +
          u(1, 6) + u(1, 0x13) + u(4, 10) + u(4, 1500) + u(8, ms - 5000) + u(8, ms - 1000))
    r6 = (ip6("2001:db8::10") + ip6("2001:db8::20") + b"\0" * 8 + u(2, 40001) + u(2, 53) +
          u(1, 17) + u(1, 0) + u(4, 1) + u(4, 80) + u(8, ms - 1500) + u(8, ms - 1500))
    write(outdir, "n1-ipfix-v4v6", [ipfix([ipfix_template(256, t), data_set(256, [r4, r6],
                                                                            v9=False)])])

    # ---- N2: a NetFlow v9 template with a variable-length field
    # (interfaceName, 82, length 65535: IPFIX's encoding, as nfdump reads
    # it in v9 too), in the short and in the long form.
    t = [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (2, 4), (1, 4), (22, 4), (21, 4),
         (82, 65535)]
    a = (ip4("192.0.2.11") + ip4("198.51.100.21") + u(2, 51000) + u(2, 80) + u(1, 6) +
         u(4, 3) + u(4, 180) + u(4, UPTIME - 4000) + u(4, UPTIME - 3000) + varlen(b"eth0"))
    b = (ip4("192.0.2.12") + ip4("198.51.100.22") + u(2, 51001) + u(2, 25) + u(1, 6) +
         u(4, 4) + u(4, 240) + u(4, UPTIME - 2000) + u(4, UPTIME - 1000) +
         varlen(b"GigabitEthernet0/0/1", long_form=True))
    write(outdir, "n2-v9-varlen", [v9([v9_template(257, t), data_set(257, [a, b])], count=3)])

    # ---- N3: NetFlow v9 OUT_BYTES / OUT_PKTS (23 / 24). Template 258 is
    # an egress-only record (flow direction 61 = 1, egress): its counters
    # are the flow's own. Template 259 has IN and OUT counters both.
    t1 = [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (24, 4), (23, 4), (22, 4), (21, 4), (61, 1)]
    e = (ip4("192.0.2.13") + ip4("198.51.100.23") + u(2, 52000) + u(2, 443) + u(1, 6) +
         u(4, 5) + u(4, 420) + u(4, UPTIME - 6000) + u(4, UPTIME - 2000) + u(1, 1))
    t2 = [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (2, 4), (1, 4), (24, 4), (23, 4), (22, 4),
          (21, 4)]
    f = (ip4("192.0.2.14") + ip4("198.51.100.24") + u(2, 52001) + u(2, 443) + u(1, 6) +
         u(4, 4) + u(4, 300) + u(4, 3) + u(4, 2000) + u(4, UPTIME - 6000) + u(4, UPTIME - 2000))
    write(outdir, "n3-v9-out", [v9([v9_template(258, t1), v9_template(259, t2),
                                    data_set(258, [e]), data_set(259, [f])], count=4)])

    # ---- N4: records without addresses (a protocol-port aggregation
    # template: ports, protocol, counters, times) next to a normal one.
    t1 = [(7, 2), (11, 2), (4, 1), (2, 4), (1, 4), (22, 4), (21, 4)]
    n1 = u(2, 0) + u(2, 53) + u(1, 17) + u(4, 100) + u(4, 8000) + u(4, UPTIME - 60000) + u(4, UPTIME - 1000)
    n2 = u(2, 0) + u(2, 443) + u(1, 6) + u(4, 50) + u(4, 40000) + u(4, UPTIME - 60000) + u(4, UPTIME - 1000)
    t2 = [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (2, 4), (1, 4), (22, 4), (21, 4)]
    g = (ip4("192.0.2.15") + ip4("198.51.100.25") + u(2, 53000) + u(2, 53) + u(1, 17) +
         u(4, 1) + u(4, 70) + u(4, UPTIME - 1000) + u(4, UPTIME - 1000))
    write(outdir, "n4-v9-noaddr", [v9([v9_template(260, t1), v9_template(261, t2),
                                       data_set(260, [n1, n2]), data_set(261, [g])], count=5)])

    # ---- N5: flows stamped after the export time. One exporter with a
    # set clock (2024): Last 1.5 s after the header's sysUptime. One whose
    # clock was never set (unix_secs 5 with sysUptime 10 s: it booted 5 s
    # before 1970 by its own clock): a flow from 7.5 s before to 1.25 s
    # after the export, -2.5 s to 6.25 s, and one at 6.5 s before the
    # export, -1.5 s (negative times, which a CSV must keep as they are).
    t = [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (2, 4), (1, 4), (22, 4), (21, 4)]
    h = (ip4("192.0.2.16") + ip4("198.51.100.26") + u(2, 54000) + u(2, 22) + u(1, 6) +
         u(4, 6) + u(4, 900) + u(4, UPTIME - 2000) + u(4, UPTIME + 1500))
    d1 = v9([v9_template(262, t), data_set(262, [h])], count=2)
    up = 10000
    i = (ip4("192.0.2.17") + ip4("198.51.100.27") + u(2, 54001) + u(2, 22) + u(1, 6) +
         u(4, 7) + u(4, 1000) + u(4, up - 7500) + u(4, up + 1250))
    j = (ip4("192.0.2.18") + ip4("198.51.100.28") + u(2, 54002) + u(2, 123) + u(1, 17) +
         u(4, 1) + u(4, 76) + u(4, 3500) + u(4, 3500))
    # the second exporter: another source id (a stream of its own)
    d2 = v9([v9_template(262, t), data_set(262, [i, j])], uptime=up, secs=5, source_id=7,
            count=3)
    write(outdir, "n5-v9-after", [d1, d2])
    # IPFIX with 160: a flow ending 0.5 s after the end of the export second
    ot = ipfix_options_template(300, [(149, 4)], [(160, 8)])
    od = data_set(300, [u(4, 1) + u(8, BOOT_MS)], v9=False)
    k = (ip4("192.0.2.19") + ip4("198.51.100.29") + u(2, 54003) + u(2, 22) + u(1, 6) +
         u(4, 2) + u(4, 120) + u(4, UPTIME - 500) + u(4, UPTIME + 1500))
    write(outdir, "n5-ipfix-after", [ipfix([ot, od, ipfix_template(262, t),
                                             data_set(262, [k], v9=False)])])

    # ---- N6: an absurd export time in the header (1994-01-30) and the
    # boot time in systemInitTimeMilliseconds (160): 2024-03-04 09:30:00.
    # The flows are 21/22 relative to that boot, so they are from
    # 2024-03-04 10:29:55 - 10:29:59, not 1994.
    bad = 760000000
    ot = ipfix_options_template(300, [(149, 4)], [(160, 8)])
    od = data_set(300, [u(4, 1) + u(8, BOOT_MS)], v9=False)
    m = (ip4("192.0.2.20") + ip4("198.51.100.30") + u(2, 55000) + u(2, 443) + u(1, 6) +
         u(4, 8) + u(4, 4000) + u(4, UPTIME - 5000) + u(4, UPTIME - 1000))
    # 160 in the flow record itself (nfdump reads it there too)
    t2 = t + [(160, 8)]
    n = (ip4("192.0.2.21") + ip4("198.51.100.31") + u(2, 55001) + u(2, 443) + u(1, 6) +
         u(4, 9) + u(4, 4500) + u(4, UPTIME - 4000) + u(4, UPTIME - 500) + u(8, BOOT_MS))
    write(outdir, "n6-ipfix-1994", [ipfix([ot, od, ipfix_template(262, t),
                                            data_set(262, [m], v9=False),
                                            ipfix_template(263, t2),
                                            data_set(263, [n], v9=False)], secs=bad)])
    # NetFlow v9: the same exporter, 160 in an options record (scope: system)
    ot = v9_options_template(300, [(1, 4)], [(160, 8)])
    od = data_set(300, [u(4, 0) + u(8, BOOT_MS)])
    write(outdir, "n6-v9-1994", [v9([ot, od, v9_template(262, t), data_set(262, [m])],
                                    secs=bad, count=4)])


if __name__ == "__main__":
    main()
