#!/usr/bin/env python3
"""pace-argus.py - serve an Argus 3 file on 127.0.0.1 as an argus daemon would, at a chosen
pace of data time: SECONDS of wall time per day of data (1 = a day a second).

As argus does, it sends the file's first record (the MAR) on accept and the rest after the
client's "START:". Records go out in file order; a flow record's time is the largest second
of its TIME DSR; once per 16 KiB the sender sleeps while the largest time sent so far runs
ahead of the schedule (first record's day start + elapsed wall time x 86400 / SECONDS). One client;
the connection is closed at the end of the file. Bounded: it gives up after MAXWAIT seconds
without a client, and the schedule bounds the rest.
usage: pace-argus.py PORT FILE SECONDS READYFILE [MAXWAIT]
READYFILE gets the port once the socket listens.
"""
import socket
import struct
import sys
import time


def record_time(data, off, end):
    """the largest second in the record's TIME DSR, or 0"""
    d = off + 4
    while d + 4 <= end:
        t, st = data[d], data[d + 1]
        w = 1 if t & 0x80 else struct.unpack_from('>H', data, d + 2)[0] if st & 0x80 else data[d + 3]
        if w == 0:
            return 0
        if t & 0x7F == 0x03:
            secs = [struct.unpack_from('>I', data, o)[0] for o in range(d + 4, d + w * 4 - 4, 8)]
            return max(secs) if secs else 0
        d += w * 4
    return 0


def main():
    port, path, per_day, ready = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), sys.argv[4]
    maxwait = float(sys.argv[5]) if len(sys.argv) > 5 else 120
    data = open(path, 'rb').read()
    n = len(data)
    first = struct.unpack_from('>H', data, 2)[0] * 4
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('127.0.0.1', port))
    s.listen(1)
    s.settimeout(maxwait)
    open(ready, 'w').write('%d\n' % s.getsockname()[1])
    c, _ = s.accept()
    c.settimeout(60)
    c.sendall(data[:first])
    c.recv(16)                                 # START:
    rate = 86400.0 / per_day                   # data seconds per wall second
    t0 = None
    w0 = time.monotonic()
    off, start, newest = first, first, 0
    while off + 4 <= n:
        words = struct.unpack_from('>H', data, off + 2)[0]
        if words == 0:
            break
        end = min(off + words * 4, n)
        # the schedule is looked at once per 16 KiB sent (~100 records): cheap enough
        # for a month of records in Python, fine enough for a day a second
        if off - start >= 1 << 14 and data[off] & 0xF0 in (0x10, 0x30, 0x40):
            t = record_time(data, off, end)
            if t:
                if t0 is None:
                    t0 = t - t % 86400
                newest = max(newest, t)
                c.sendall(data[start:off])
                start = off
                ahead = w0 + (newest - t0) / rate - time.monotonic()
                if ahead > 0.001:
                    time.sleep(ahead)
        off = end
    c.sendall(data[start:off])
    c.close()


main()
