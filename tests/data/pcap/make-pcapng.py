#!/usr/bin/env python3
"""make-pcapng.py IN.pcap OUT.pcapng - rewrites a classic pcap as pcapng
(one Section Header, one Interface Description with the same link type and
snap length, one Enhanced Packet Block per packet, microsecond times), so
that a test can check that both give the same flows. Written for vigil's
tests from the pcapng draft (IETF opsawg-pcapng), block by block."""
import struct, sys

def block(btype, body):
    pad = (-len(body)) % 4
    total = 12 + len(body) + pad
    return struct.pack('<II', btype, total) + body + b'\0' * pad + struct.pack('<I', total)

def main(src, dst):
    data = open(src, 'rb').read()
    magic, = struct.unpack('<I', data[:4])
    if magic != 0xa1b2c3d4:
        sys.exit('make-pcapng: only little-endian microsecond pcap is supported')
    snaplen, linktype = struct.unpack('<II', data[16:24])
    out = [block(0x0A0D0D0A, struct.pack('<IHHq', 0x1A2B3C4D, 1, 0, -1)),
           block(0x00000001, struct.pack('<HHI', linktype & 0xffff, 0, snaplen))]
    off = 24
    while off + 16 <= len(data):
        sec, usec, cap, wire = struct.unpack('<IIII', data[off:off + 16])
        pkt = data[off + 16:off + 16 + cap]
        ts = sec * 1000000 + usec
        out.append(block(0x00000006, struct.pack('<IIIII', 0, ts >> 32, ts & 0xffffffff,
                                                 cap, wire) + pkt))
        off += 16 + cap
    open(dst, 'wb').write(b''.join(out))

if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
