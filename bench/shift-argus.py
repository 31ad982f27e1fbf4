#!/usr/bin/env python3
"""shift-argus.py - copy an Argus 3 file with every timestamp moved by N seconds.

The benchmark uses it to make a longer input with the same flow density (the file, then
the file again 30 days later), to show that memory does not grow with the input's length.
usage: shift-argus.py IN OUT SECONDS
"""
import struct, sys

def main():
    src, dst, shift = sys.argv[1], sys.argv[2], int(sys.argv[3])
    data = bytearray(open(src, 'rb').read())
    off, n = 0, len(data)
    while off + 4 <= n:
        kind = data[off] & 0xF0
        words = struct.unpack_from('>H', data, off + 2)[0]
        if words == 0:
            sys.exit(f'{src}: record length 0 at {off:#x}')
        end = off + words * 4
        if kind == 0x80:
            for o in (24, 32):
                struct.pack_into('>I', data, off + o, struct.unpack_from('>I', data, off + o)[0] + shift)
        elif kind in (0x10, 0x30, 0x40):
            d = off + 4
            while d < end:
                t, st = data[d], data[d + 1]
                w = 1 if t & 0x80 else struct.unpack_from('>H', data, d + 2)[0] if st & 0x80 else data[d + 3]
                if w == 0:
                    break
                if t & 0x7F == 0x03:                      # TIME: (sec, frac) pairs after the header
                    for o in range(d + 4, d + w * 4 - 4, 8):
                        struct.pack_into('>I', data, o, struct.unpack_from('>I', data, o)[0] + shift)
                d += w * 4
        off = end
    open(dst, 'wb').write(data)

main()
