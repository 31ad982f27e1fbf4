#!/usr/bin/env python3
"""nfcompare.py - vigil collect against nfcapd + nfdump on the datagrams of
tests/data/netflow: each NAME.nfd goes through `vigil collect` (nfreplay.py)
and its flows are set beside what nfdump 1.7.1 made of the same datagrams
(NAME.nfdump.txt: `nfdump -q -o 'fmt:%ts|%te|%pr|%sa|%sp|%da|%dp|%ipkt|
%ibyt|%opkt|%obyt|%flg'` of nfcapd's file, written by cases.sh). Prints per
flow "same" or the fields that differ (vigil's value, then nfdump's), so
that every difference is visible and docs/collect.md can say why.
usage: nfcompare.py VIGIL DATADIR NAME..."""
import datetime
import ipaddress
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nfreplay  # noqa: E402

PROTO = {"tcp": 6, "udp": 17, "icmp": 1, "icmp6": 58, "ipv6-icmp": 58}
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
KEYS = ["ts", "te", "pr", "sa", "sp", "da", "dp", "ipkt", "ibyt", "opkt", "obyt", "flg"]


def proto(s):
    s = s.strip().lower()
    return PROTO[s] if s in PROTO else int(s)


def iso(ms):
    return (EPOCH + datetime.timedelta(milliseconds=ms)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def nf_time(s):
    s = s.strip()
    try:
        t = datetime.datetime.strptime(s, "%Y-%m-%d %H:%M:%S.%f").replace(
            tzinfo=datetime.timezone.utc)
    except ValueError:
        return s  # nfdump printed no date (a year out of range)
    return iso(round((t - EPOCH).total_seconds() * 1000))


def vg_time(s):  # "1709548195.000000", "-1.500000"
    neg = s.startswith("-")
    whole, frac = s.lstrip("-").split(".")
    us = int(whole) * 1000000 + int(frac)
    return iso((-us if neg else us) // 1000)


def flags_vigil(s):
    return "".join(c if c in s else "." for c in "CEUAPRSF")


def vigil_rows(csv):
    lines = csv.splitlines()
    head = lines[0].split(",")
    out = []
    for line in lines[1:]:
        c = dict(zip(head, line.split(",")))
        pr = proto(c["proto"])
        sp, dp = c["sport"] or "0", c["dport"] or "0"
        if pr in (1, 58):
            sp, dp = "0", "%s.%s" % (sp, dp)
        out.append({"ts": vg_time(c["stime"]), "te": vg_time(c["ltime"]), "pr": pr,
                    "sa": str(ipaddress.ip_address(c["saddr"])), "sp": sp,
                    "da": str(ipaddress.ip_address(c["daddr"])), "dp": dp,
                    "ipkt": c["spkts"], "ibyt": c["sbytes"], "opkt": c["dpkts"],
                    "obyt": c["dbytes"], "flg": flags_vigil(c["sflags"])})
    return out


def nfdump_rows(path):
    out = []
    for line in open(path):
        f = [x.strip() for x in line.rstrip("\n").split("|")]
        if len(f) != len(KEYS):
            continue
        r = dict(zip(KEYS, f))
        r["ts"], r["te"] = nf_time(r["ts"]), nf_time(r["te"])
        r["pr"] = proto(r["pr"])
        r["sa"], r["da"] = (str(ipaddress.ip_address(r[k])) for k in ("sa", "da"))
        out.append(r)
    return out


def label(r):
    name = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmp6"}.get(r["pr"], str(r["pr"]))
    return "%s %s:%s > %s:%s" % (name, r["sa"], r["sp"], r["da"], r["dp"])


FLOWKEY = ["pr", "sa", "sp", "da", "dp"]


def compare(name, vg, nf):
    """Pairs the rows: first those with the same flow key, then the rest by
    the most fields in common (at least half); prints nfdump's order."""
    print("== %s: vigil %d flows, nfdump %d" % (name, len(vg), len(nf)))
    left = list(range(len(vg)))
    pair = [None] * len(nf)
    for j, n in enumerate(nf):
        for i in left:
            if all(vg[i][k] == n[k] for k in FLOWKEY):
                pair[j] = i
                left.remove(i)
                break
    for j, n in enumerate(nf):
        if pair[j] is not None:
            continue
        best, score = None, -1
        for i in left:
            s = sum(vg[i][k] == n[k] for k in KEYS)
            if s > score:
                best, score = i, s
        if best is not None and score >= len(KEYS) // 2:
            pair[j] = best
            left.remove(best)
    for j, n in enumerate(nf):
        if pair[j] is None:
            print("  nfdump only: %s, %s - %s, %s/%s pkts, %s/%s bytes" %
                  (label(n), n["ts"], n["te"], n["ipkt"], n["opkt"], n["ibyt"], n["obyt"]))
            continue
        v = vg[pair[j]]
        diff = ["%s %s | %s" % (k, v[k], n[k]) for k in KEYS if v[k] != n[k]]
        print("  %s: %s" % (label(v), "same" if not diff else "; ".join(diff)))
    for i in left:
        v = vg[i]
        print("  vigil only: %s, %s - %s" % (label(v), v["ts"], v["te"]))


def main():
    vigil, data = sys.argv[1], sys.argv[2]
    rc = 0
    for name in sys.argv[3:]:
        code, csv, table = nfreplay.collect(vigil, [os.path.join(data, name + ".nfd")])
        if code != 0 or not csv:
            print("== %s: vigil collect failed (%d): %s" % (name, code, table))
            rc = 1
            continue
        compare(name, vigil_rows(csv), nfdump_rows(os.path.join(data, name + ".nfdump.txt")))
    return rc


if __name__ == "__main__":
    sys.exit(main())
