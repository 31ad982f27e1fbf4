#!/usr/bin/env python3
"""nfreplay.py - sends the datagrams of .nfd files (the fuzz corpus packing,
[ctl u8, length u16 BE, bytes] per datagram; tests/data/netflow) over UDP
on 127.0.0.1, to a `vigil collect` it starts or to ports already listening.

  nfreplay.py VIGIL FILE.nfd...      runs `VIGIL collect -l 127.0.0.1:0 -w -
                                     --count N`, sends, prints the CSV it
                                     wrote, then its exporter table without
                                     what changes from run to run (the
                                     exporter's port, the first/last-seen
                                     clock, the run time)
  nfreplay.py --send PORT[,PORT] FILE.nfd...   only sends (nfcapd, ...)

Only 127.0.0.1, every wait bounded (the collector is killed after 20 s)."""
import re
import socket
import struct
import subprocess
import sys
import time


def datagrams(paths):
    out = []
    for p in paths:
        d = open(p, "rb").read()
        pos = 0
        while pos + 3 <= len(d):
            _, n = struct.unpack(">BH", d[pos:pos + 3])
            pos += 3
            out.append(d[pos:pos + n])
            pos += n
    return out


def send(ports, grams):
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tx.bind(("127.0.0.1", 0))
    for g in grams:
        for p in ports:
            tx.sendto(g, ("127.0.0.1", p))
        time.sleep(0.02)  # in order, none lost in a socket buffer
    tx.close()


def normalise(err):
    out = []
    for line in err.splitlines():
        if "listening on udp" in line:
            continue
        m = re.match(r"^(127\.0\.0\.1):\d+(\s.*)$", line)
        if m:
            line = m.group(1) + ":PORT" + m.group(2)
            # the first/last-seen columns (collector clock) go
            line = re.sub(r"\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$",
                          "", line)
        line = re.sub(r"\s+first seen \(UTC\)\s+last seen \(UTC\)\s*$", "", line)
        line = re.sub(r"(flows in \d+ files), .*$", r"\1", line)
        out.append(line.rstrip())
    return "\n".join(out)


def collect(vigil, paths):
    """Runs the collector on the datagrams of paths: (exit code, its CSV,
    its normalised exporter table)."""
    grams = datagrams(paths)
    p = subprocess.Popen([vigil, "collect", "-l", "127.0.0.1:0", "-w", "-", "--count",
                          str(len(grams)), "--duration", "20"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    port = None
    first = []
    deadline = time.time() + 10
    while time.time() < deadline:
        line = p.stderr.readline().decode()
        if not line:
            break
        first.append(line)
        m = re.search(r"listening on udp 127\.0\.0\.1:(\d+)", line)
        if m:
            port = int(m.group(1))
            break
    if port is None:
        p.kill()
        p.communicate()
        return 1, "", "nfreplay.py: vigil collect did not start: %s" % "".join(first)
    send([port], grams)
    try:
        out, err = p.communicate(timeout=25)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    return p.returncode, out.decode(), normalise("".join(first) + err.decode())


def main():
    if sys.argv[1] == "--send":
        send([int(p) for p in sys.argv[2].split(",")], datagrams(sys.argv[3:]))
        return 0
    rc, out, table = collect(sys.argv[1], sys.argv[2:])
    sys.stdout.write(out)
    sys.stdout.write(table + "\n")
    return rc


if __name__ == "__main__":
    sys.exit(main())
