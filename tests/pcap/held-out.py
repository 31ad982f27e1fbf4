#!/usr/bin/env python3
"""held-out.py - the flow meter on a folder of captures nobody here made (issue 19's held-out
sample: tcpdump's tests/ folder), against argus + ra on the same files.

usage: tests/pcap/held-out.py VIGIL CAPTURE_DIR [CACHE_DIR]   env: VFLAGS (extra dump flags)

For each *.pcap / *.pcapng in CAPTURE_DIR: argus -F tests/data/real-week/argus.conf and ra
with the 12 fields of tests/pcap/peers.py (cached in CACHE_DIR, default /tmp/vigil-held-out,
since argus takes a while on 800 files), then `vigil dump -r`, the rows in any order. Files
argus writes no flow for, or that vigil rejects for their link type, are skipped. Prints the
share of the others equal row for row, the files vigil cuts short (exit other than 0), and
the share once the two deliberate differences of docs/pcap.md are set aside: argus's
MAC-address flows of non-IP frames (vigil's flow record has no MACs), and its time of 0 s
printed as 4026531839. Not run by ctest: the captures are not in the repository. Fetch
them with `git clone https://github.com/the-tcpdump-group/tcpdump` (its tests/ folder).
"""
import glob
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CONF = os.path.join(HERE, "..", "data", "real-week", "argus.conf")
FIELDS = "stime ltime proto saddr sport daddr dport spkts dpkts sbytes dbytes state".split()


def argus_rows(cap, cache):
    out = os.path.join(cache, os.path.basename(cap) + ".ra")
    if not os.path.exists(out):
        af = os.path.join(cache, "x.argus")
        if os.path.exists(af):
            os.unlink(af)
        try:
            subprocess.run(["argus", "-F", CONF, "-r", cap, "-w", af], capture_output=True,
                           timeout=60)
        except subprocess.TimeoutExpired:
            pass
        rows = []
        if os.path.exists(af):
            ra = subprocess.run(["ra", "-r", af, "-n", "-u", "-p", "6", "-c", ",", "-s"] + FIELDS,
                                capture_output=True, text=True).stdout.splitlines()
            rows = [r for r in ra[1:] if ",man," not in r]
        with open(out, "w") as f:
            f.write("\n".join(rows) + "\n")
    with open(out) as f:
        return set(r for r in f.read().splitlines() if r)


def is_mac(row):
    f = row.split(",")
    return len(f) > 5 and len(f[3]) == 17 and f[3].count(":") == 5


def time0(row):
    return "0.000000," + row[len("4026531839.000000,"):] if row.startswith("4026531839.000000,") else row


def main():
    vigil, capdir = sys.argv[1], sys.argv[2]
    cache = sys.argv[3] if len(sys.argv) > 3 else "/tmp/vigil-held-out"
    os.makedirs(cache, exist_ok=True)
    extra = os.environ.get("VFLAGS", "").split()
    caps = sorted(glob.glob(os.path.join(capdir, "*.pcap")) +
                  glob.glob(os.path.join(capdir, "*.pcapng")))
    eq = eq2 = n = n2 = skipped = 0
    cut, differ = [], []
    for cap in caps:
        want = argus_rows(cap, cache)
        if not want:
            skipped += 1
            continue
        try:
            v = subprocess.run([vigil, "dump", "-q"] + extra + ["-r", cap], capture_output=True,
                               text=True, timeout=60)
        except subprocess.TimeoutExpired:
            cut.append((cap, "timeout"))
            n += 1
            continue
        if v.returncode == 3 and "link type" in v.stderr:
            skipped += 1
            continue
        n += 1
        if v.returncode != 0:
            cut.append((cap, "exit %d" % v.returncode))
            continue
        got = set(v.stdout.splitlines()[1:])
        if got == want:
            eq += 1
        else:
            differ.append(os.path.basename(cap))
        want2 = set(time0(r) for r in want if not is_mac(r))
        if want2:
            n2 += 1
            eq2 += got == want2
    for c, why in cut:
        print("CUT  %s: %s" % (c, why))
    for d in differ:
        print("diff %s" % d)
    print("compared %d files (%d skipped: no argus flow, or a link type vigil refuses)" % (n, skipped))
    print("equal to ra row for row: %d of %d (%.1f %%); cut short: %d" % (eq, n, 100.0 * eq / max(1, n), len(cut)))
    print("without argus's MAC-address flows and time-0 rows: %d of %d (%.1f %%)" %
          (eq2, n2, 100.0 * eq2 / max(1, n2)))
    return 1 if cut else 0


if __name__ == "__main__":
    sys.exit(main())
