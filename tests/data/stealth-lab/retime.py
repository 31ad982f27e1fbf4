#!/usr/bin/env python3
"""retime.py - moves each episode of a capture to its planned time.

usage: retime.py RAW.pcap EPISODES.log OUT.pcap

EPISODES.log (make.sh writes it): NAME, real start, real end (epoch
seconds), planned day (1 = 2024-05-06 UTC), planned HH:MM, stretch. A packet
inside an episode's [start, end] keeps its offset from the episode's first
packet, moved to the planned time; with stretch S every gap of more than
one second between two of the episode's packets becomes S times longer
(a probe and its answer stay together, the probes move apart). Packets of
no episode (none, if make.sh ran cleanly) are dropped and counted. Reads
and writes classic pcap (microseconds, either byte order).
"""
import struct
import sys

DAY1 = 1714953600  # 2024-05-06 00:00:00 UTC


def read_pcap(path):
    data = open(path, "rb").read()
    magic = data[:4]
    if magic == b"\xd4\xc3\xb2\xa1":
        e = "<"
    elif magic == b"\xa1\xb2\xc3\xd4":
        e = ">"
    else:
        sys.exit("%s: not a microsecond pcap file" % path)
    header = data[:24]
    off, pkts = 24, []
    while off + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        body = data[off + 16:off + 16 + incl]
        if len(body) < incl:
            sys.exit("%s: cut short at byte %d" % (path, off))
        pkts.append((sec * 1000000 + usec, orig, body))
        off += 16 + incl
    return e, header, pkts


def main():
    raw, logf, outf = sys.argv[1:4]
    e, header, pkts = read_pcap(raw)
    eps = []
    for line in open(logf):
        name, t0, t1, day, at, stretch = line.rstrip("\n").split("\t")
        hh, mm = at.split(":")
        plan = (DAY1 + (int(day) - 1) * 86400 + int(hh) * 3600 + int(mm) * 60) * 1000000
        eps.append([name, int(float(t0) * 1e6), int(float(t1) * 1e6), plan, int(stretch), None, 0])
    out, dropped = [], 0
    for t, orig, body in pkts:
        for ep in eps:
            if ep[1] <= t <= ep[2]:
                if ep[5] is None:
                    ep[5], ep[6] = t, t  # first packet, previous packet
                    ep.append(ep[3])     # [7]: new time of the previous packet
                gap = t - ep[6]
                nt = ep[7] + (gap * ep[4] if gap > 1000000 else gap)
                ep[6], ep[7] = t, nt
                out.append((nt, orig, body))
                break
        else:
            dropped += 1
    out.sort(key=lambda p: p[0])
    with open(outf, "wb") as fp:
        fp.write(header)
        for t, orig, body in out:
            fp.write(struct.pack(e + "IIII", t // 1000000, t % 1000000, len(body), orig))
            fp.write(body)
    for ep in eps:
        if ep[5] is None:
            sys.exit("retime.py: episode %s has no packets" % ep[0])
    print("retime.py: %d packets in %d episodes, %d outside every episode"
          % (len(out), len(eps), dropped), file=sys.stderr)


if __name__ == "__main__":
    main()
