#!/usr/bin/env python3
"""peers.py - every capture under tests/data through vigil's flow meter and through
argus + ra, row for row; the share equal by link type, and what differs by class.

usage: tests/pcap/peers.py VIGIL DATA_DIR

For each *.pcap, *.pcapng (plain or .gz) under DATA_DIR: `argus -F
real-week/argus.conf -r FILE -w X.argus` and `ra -n -u -p 6 -c , -s <the 12
fields>` (without `man` rows) against `vigil dump -r FILE`, the rows in any
order. It prints, per
link type, how many files are equal, and each differing file with its class
from tests/pcap/known-differences.txt. It fails when
  - vigil rejects or cuts short (exit 3) a capture that argus reads,
  - a capture differs from ra and is not listed there (a new difference), or
  - a listed capture is now equal (the list is stale: take it out).
Ends with "N passed, N failed".
"""
import gzip
import os
import struct
import subprocess
import sys
import tempfile

vigil, data = sys.argv[1], sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))
conf = os.path.join(data, "real-week", "argus.conf")
FIELDS = "stime ltime proto saddr sport daddr dport spkts dpkts sbytes dbytes state".split()
LINK = {1: "ethernet", 0: "null", 108: "loop", 9: "ppp", 113: "linux-sll", 276: "linux-sll2",
        101: "raw", 12: "raw", 14: "raw", 228: "ipv4", 229: "ipv6", 105: "802.11",
        127: "802.11-radiotap"}

known = {}
with open(os.path.join(here, "known-differences.txt")) as f:
    for line in f:
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, why = line.partition(":")
            known[name.strip()] = why.strip()


def link_type(path):
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rb") as f:
        head = f.read(4096)
    if len(head) >= 24 and head[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        return struct.unpack("<I", head[20:24])[0]
    if len(head) >= 24 and head[:4] in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        return struct.unpack(">I", head[20:24])[0]
    if head[:4] == b"\x0a\x0d\x0d\x0a" and len(head) >= 28:
        bo = "<" if head[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
        shb_len = struct.unpack(bo + "I", head[4:8])[0]
        idb = head[shb_len:shb_len + 12]
        if len(idb) == 12 and struct.unpack(bo + "I", idb[:4])[0] == 1:
            return struct.unpack(bo + "H", idb[8:10])[0]
    return -1


captures = []
for root, dirs, files in os.walk(data):
    dirs.sort()
    for n in sorted(files):
        if n.endswith((".pcap", ".pcapng", ".pcap.gz", ".pcapng.gz")):
            captures.append(os.path.join(root, n))

passed = failed = 0
by_link = {}
with tempfile.TemporaryDirectory() as tmp:
    for cap in captures:
        rel = os.path.relpath(cap, data)
        src = cap
        if cap.endswith(".gz"):  # argus reads plain captures
            src = os.path.join(tmp, "in.pcap")
            with gzip.open(cap, "rb") as f, open(src, "wb") as g:
                g.write(f.read())
        af = os.path.join(tmp, "x.argus")
        if os.path.exists(af):
            os.unlink(af)
        subprocess.run(["argus", "-F", conf, "-r", src, "-w", af], capture_output=True)
        if not os.path.exists(af):
            print("-    %s: argus writes nothing (not compared)" % rel)
            continue
        ra = subprocess.run(["ra", "-r", af, "-n", "-u", "-p", "6", "-c", ",", "-s"] + FIELDS,
                            capture_output=True, text=True).stdout.splitlines()
        want = [l for l in ra[1:] if ",man," not in l]
        v = subprocess.run([vigil, "dump", "-q", "-r", cap], capture_output=True, text=True)
        got = v.stdout.splitlines()[1:]
        lt = LINK.get(link_type(cap), "linktype %d" % link_type(cap))
        if v.returncode == 3 and want and "cannot meter" not in v.stderr and \
                "link type" not in v.stderr:
            failed += 1
            print("FAIL %s: argus reads it (%d records), vigil exits 3: %s" % (
                rel, len(want), v.stderr.strip().splitlines()[-1:]))
            continue
        if v.returncode not in (0, 3) or (v.returncode == 3 and not want):
            print("-    %s: %s, vigil exit %d (not compared)" % (rel, lt, v.returncode))
            continue
        if v.returncode == 3:
            print("-    %s: %s is a link type vigil does not meter (not compared)" % (rel, lt))
            continue
        # row for row, in any order: argus writes a record when its flow is
        # reported, vigil when it ends (the golden cases compare the order)
        want.sort()
        got.sort()
        eq = got == want
        t = by_link.setdefault(lt, [0, 0])
        t[1] += 1
        t[0] += eq
        name = rel
        if eq and name in known:
            failed += 1
            print("FAIL %s: equal to ra now, but listed in known-differences.txt (%s): "
                  "take it out" % (rel, known[name]))
        elif eq:
            passed += 1
            print("ok   %s: %s, %d rows equal to ra" % (rel, lt, len(got)))
        elif name in known:
            passed += 1
            print("ok   %s: %s, differs as known: %s" % (rel, lt, known[name]))
        else:
            failed += 1
            diff = next((i for i, (a, b) in enumerate(zip(want, got)) if a != b),
                        min(len(want), len(got)))
            print("FAIL %s: %s, differs from ra and is not in known-differences.txt: "
                  "%d rows against %d, first at row %d:\n  ra:    %s\n  vigil: %s" % (
                      rel, lt, len(want), len(got), diff + 1,
                      want[diff] if diff < len(want) else "(none)",
                      got[diff] if diff < len(got) else "(none)"))
    for name in sorted(known):
        if not any(os.path.relpath(c, data) == name for c in captures):
            failed += 1
            print("FAIL known-differences.txt names %s, which is not under %s" % (name, data))

for lt in sorted(by_link):
    e, n = by_link[lt]
    print("share %-16s %d of %d files equal to ra row for row (%.0f %%)" % (lt, e, n, 100.0 * e / n))
e = sum(x[0] for x in by_link.values())
n = sum(x[1] for x in by_link.values())
print("share %-16s %d of %d files equal to ra row for row (%.0f %%)" % ("all", e, n,
                                                                          100.0 * e / n if n else 0))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed or not n else 0)
