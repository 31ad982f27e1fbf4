#!/usr/bin/python3
"""make-v1.py OUTDIR - writes nfdump 1.6 (LAYOUT_VERSION_1) files with known
flows, one per block compression (none, LZO, bzip2, LZ4), from the layout in
../shared/docs/FORMATS.md section 3.6 (nfdump 1.6 nffile.h / nfx.h). nfdump
1.7 reads them; `TZ=UTC nfdump -r F -o csv` of each is stored next to it as
ground truth for vigil's layout-1 reader, and this script checks that nfdump
printed the flows it wrote (so a mistake here cannot pass unnoticed).

Needs /usr/bin/python3 with python3-lzo and python3-lz4 (only to remake the
files; the tests read the stored files)."""
import bz2
import csv
import io
import ipaddress
import os
import struct
import subprocess
import sys

import lz4.block
import lzo

# optional extensions (nfdump 1.6 extension ids) and their sizes in bytes
EXT_SIZE = {4: 4, 5: 8, 6: 4, 7: 8, 8: 4, 9: 4, 10: 16, 11: 4, 12: 16, 13: 4,
            14: 4, 15: 8, 16: 4, 17: 8, 18: 4, 19: 8, 20: 16, 21: 16, 22: 40,
            23: 4, 24: 16, 25: 4, 26: 8, 27: 8}

MAPS = {
    1: [4, 6, 8],            # snmp in/out (2 bytes), AS (2 bytes), multiple
    2: [14, 16],             # out packets, out bytes (4 bytes): a biflow
    3: [5, 15, 17, 27],      # snmp 4-byte, out packets/bytes 8 bytes, received
}

T0 = 1709520000  # 2024-03-04 02:40:00 UTC

# the flows: (map, proto, src, sport, dst, dport, flags, pkts, bytes,
#             first s, first ms, last s, last ms, out pkts, out bytes)
FLOWS = [
    (1, 6, '198.51.100.7', 40000, '192.0.2.1', 445, 0x02, 3, 180, T0, 123, T0 + 2, 456, 0, 0),
    (2, 17, '203.0.113.9', 5353, '192.0.2.3', 53, 0, 1, 71, T0 + 5, 0, T0 + 5, 999, 1, 120),
    (1, 6, '2001:db8::5', 51000, '2001:db8:1::1', 22, 0x1b, 12, 2400, T0 + 60, 1, T0 + 75, 2, 0, 0),
    (1, 1, '198.51.100.8', 0, '192.0.2.4', 8 << 8, 0, 2, 168, T0 + 61, 500, T0 + 62, 500, 0, 0),
    (3, 6, '192.0.2.9', 443, '198.51.100.20', 61000, 0x12, 5000000000, 7000000000000,
     T0 + 3600, 10, T0 + 7200, 20, 4000000000, 6000000000000),
    (2, 58, '2001:db8::7', 0, '2001:db8:1::2', 128 << 8, 0, 4, 416, T0 + 86400, 0,
     T0 + 86403, 0, 4, 416),
]


def ext_map(map_id, ids):
    body = struct.pack('<HH', map_id, sum(EXT_SIZE[i] for i in ids))
    body += b''.join(struct.pack('<H', i) for i in ids) + b'\0\0'
    while (len(body) + 4) % 4:
        body += b'\0'
    return struct.pack('<HH', 2, len(body) + 4) + body


def exporter_info():
    # type 7: version, ip (16), sa_family, sysid, id
    body = struct.pack('<I', 9) + bytes(8) + struct.pack('<I', 0x7f000001) + bytes(4)
    body += struct.pack('<HHI', 2, 1, 0)
    return struct.pack('<HH', 7, len(body) + 4) + body


def record(fl):
    (mid, proto, src, sp, dst, dp, tflags, pkts, byts, fs, fms, ls, lms, op, ob) = fl
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    flags = 0
    data = b''
    if s.version == 6:
        flags |= 1
        for a in (s, d):
            v = int(a)
            data += struct.pack('<QQ', v >> 64, v & (2**64 - 1))
    else:
        data += struct.pack('<II', int(s), int(d))
    if pkts > 0xffffffff:
        flags |= 2
        data += struct.pack('<Q', pkts)
    else:
        data += struct.pack('<I', pkts)
    if byts > 0xffffffff:
        flags |= 4
        data += struct.pack('<Q', byts)
    else:
        data += struct.pack('<I', byts)
    for e in MAPS[mid]:
        if e == 4:
            data += struct.pack('<HH', 3, 7)
        elif e == 5:
            data += struct.pack('<II', 3, 7)
        elif e == 6:
            data += struct.pack('<HH', 64500, 64501)
        elif e == 8:
            data += struct.pack('<BBBB', 0, 0, 24, 16)
        elif e in (14, 16):
            data += struct.pack('<I', op if e == 14 else ob)
        elif e in (15, 17):
            data += struct.pack('<Q', op if e == 15 else ob)
        elif e == 27:
            data += struct.pack('<Q', (ls + 1) * 1000)
        else:
            data += bytes(EXT_SIZE[e])
    head = struct.pack('<HHHHHHIIBBBBHHHBB', 10, 32 + len(data), flags, mid, fms, lms,
                       fs, ls, 0, tflags, proto, 0, sp, dp, 0, 0, 0)
    return head + data


def main(outdir):
    recs = [exporter_info()] + [ext_map(m, ids) for m, ids in MAPS.items()]
    recs += [record(f) for f in FLOWS]
    payload = b''.join(recs)
    kinds = {'none': (0, lambda b: b), 'lzo': (0x1, lambda b: lzo.compress(b, 1, False)),
             'bz2': (0x8, lambda b: bz2.compress(b, 9)),
             'lz4': (0x10, lambda b: lz4.block.compress(b, store_size=False))}
    for name, (flag, pack) in kinds.items():
        body = pack(payload)
        hdr = struct.pack('<HHII', 0xA50C, 1, flag, 1) + b'vigil-test'.ljust(128, b'\0')
        n = len(FLOWS)
        stat = struct.pack('<15Q', n, sum(f[8] for f in FLOWS), sum(f[7] for f in FLOWS),
                           *([0] * 12))
        stat += struct.pack('<IIHHI', T0, T0 + 86403, 123, 0, 0)
        block = struct.pack('<IIHH', len(recs), len(body), 2, 0) + body
        path = os.path.join(outdir, 'v1_%s.nfcapd' % name)
        with open(path, 'wb') as f:
            f.write(hdr + stat + block)
        out = subprocess.run(['nfdump', '-r', path, '-o', 'csv'], env=dict(os.environ, TZ='UTC'),
                             capture_output=True, text=True, check=True).stdout
        with open(path.replace('.nfcapd', '.nfdump.csv'), 'w') as f:
            f.write(out)
        rows = [r for r in csv.DictReader(io.StringIO(out)) if r.get('pr')]
        check(name, rows)
    print('make-v1.py: %d files, %d flows each, as nfdump printed them' % (len(kinds), len(FLOWS)))


def check(name, rows):
    want = sorted((f[2], f[4], f[7], f[8], f[13], f[14]) for f in FLOWS)
    got = sorted((r['sa'], r['da'], int(r['ipkt']), int(r['ibyt']), int(r['opkt']), int(r['obyt']))
                 for r in rows)
    if want != got:
        sys.exit('make-v1.py: %s: nfdump printed\n  %s\nnot\n  %s' % (name, got, want))


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else '.')
