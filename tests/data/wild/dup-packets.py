#!/usr/bin/env python3
"""dup-packets.py IN.pcap OUT.pcap DELTA_US

Writes a classic pcap in which every packet of IN is followed by a copy of
itself dated DELTA_US microseconds later (negative: earlier), the way a
capture looks when a mirror port hands over every packet twice from two
sensors whose clocks disagree. Makes the P5 captures of this folder (see
README.md) from public tcpdump captures; µs-resolution input only.
"""
import struct
import sys


def main():
    src, dst, delta = sys.argv[1], sys.argv[2], int(sys.argv[3])
    data = open(src, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic == 0xA1B2C3D4:
        order = "<"
    elif magic == 0xD4C3B2A1:
        order = ">"
    else:
        sys.exit("dup-packets: %s: not a µs classic pcap" % src)
    out = bytearray(data[:24])
    off = 24
    while off + 16 <= len(data):
        sec, usec, cap, wire = struct.unpack(order + "IIII", data[off:off + 16])
        body = data[off + 16:off + 16 + cap]
        out += data[off:off + 16] + body
        t = sec * 1000000 + usec + delta
        out += struct.pack(order + "IIII", t // 1000000, t % 1000000, cap, wire) + body
        off += 16 + cap
    open(dst, "wb").write(out)


if __name__ == "__main__":
    main()
