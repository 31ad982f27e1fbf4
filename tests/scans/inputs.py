#!/usr/bin/env python3
"""The same traffic in every input format gives the same scan events and the
same report (issue 12): the sample week as Argus records, as ra's CSV of them
(plain, and with ra -Z b's TCP flags in the state column), as vigil's own CSV
of them (vigil dump, without and with the sflags and dflags columns), as the
packets (pcap) and as nfpcapd's one-way flows (nfcapd). The Argus answer is
the reference. A CSV without flags cannot say what a probe sent: the
"tcp probes ...;" part of an event's why is left out of that comparison.

Allowed differences, each named: the number of records read (nfdump has two
one-way records per connection) and, for nfdump, the times of scan events,
which nfdump keeps to the millisecond; within one millisecond the order of
the probes is lost, so events are compared by time and scanner, not id, and
the TRW verdict may differ for at most 5 % of them (the count is printed).

usage: inputs.py VIGIL DATADIR WORKDIR
"""
import gzip
import json
import lzma
import os
import re
import shutil
import subprocess
import sys

vigil, data, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
site = os.path.join(data, "real-week", "site.conf")
argus = os.path.join(data, "real-week", "capture.argus")


def unpack(src, dst, opener):
    with opener(src, "rb") as i, open(dst, "wb") as o:
        shutil.copyfileobj(i, o)
    return dst


def run(*args):
    r = subprocess.run([vigil, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        sys.exit("FAIL: vigil %s: exit %d: %s" % (" ".join(args), r.returncode,
                                                    r.stderr.decode(errors="replace")))
    return r.stdout.decode()


vigil_csv = os.path.join(work, "week.vigil.csv")
with open(vigil_csv, "w") as fp:
    fp.write(run("dump", "-q", "-r", argus))
vigil_csv_flags = os.path.join(work, "week.vigil-flags.csv")
with open(vigil_csv_flags, "w") as fp:
    fp.write(run("dump", "-q", "--fields", "+sflags,dflags", "-r", argus))
inputs = {
    "argus": argus,
    "ra-csv": os.path.join(data, "real-week", "capture.ra.csv.gz"),
    "ra-zb-csv": os.path.join(data, "real-week", "capture.ra-zb.csv.gz"),
    "vigil-csv": vigil_csv,
    "vigil-csv-flags": vigil_csv_flags,
    "pcap": unpack(os.path.join(data, "pcap", "real-week.pcap.gz"),
                   os.path.join(work, "week.pcap"), gzip.open),
    "nfcapd": unpack(os.path.join(data, "nfdump", "real-week.nfcapd.xz"),
                     os.path.join(work, "week.nfcapd"), lzma.open),
}


def scans(path):
    return [json.loads(l) for l in run("scans", "-q", "-o", "json", "-c", site, "-r", path).splitlines()]


def report(path):
    return json.loads(run("report", "-q", "-o", "json", "-c", site, "-r", path))


def to_ms(ev):
    # "2024-03-04T03:16:34.003726Z" -> "2024-03-04T03:16:34.003". Within one
    # millisecond nfcapd's order is not the order the probes were sent in:
    # events that end in the same millisecond are numbered in another order,
    # and the TRW walk (its score, whether it fired) may differ
    e = dict(ev)
    for k in ("first", "last"):
        if isinstance(e.get(k), str) and "." in e[k]:
            e[k] = e[k][:e[k].index(".") + 4]
    e.pop("id", None)
    e.pop("score", None)
    if "why" in e:  # its "trw: ratio ...; " part is the walk's
        e["why"] = re.sub(r"^trw: ratio [0-9.]+ >= [0-9.]+; ", "", e["why"])
    dets = e.get("detectors") or []   # a JSON array (a CSV row: "a,b")
    if isinstance(dets, str):
        dets = dets.split(",")
    e["trw"] = "trw" in dets
    e["detectors"] = ",".join(d for d in dets if d != "trw")
    if isinstance(e.get("protos"), list):
        e["protos"] = ",".join(e["protos"])
    return e


def ms_events(evs):
    return sorted((to_ms(e) for e in evs), key=lambda e: (e["first"], e["scanner"], e["last"]))


def first_difference(a, b, path="report"):
    if type(a) is not type(b):
        return "%s: %r against %r" % (path, a, b)
    if isinstance(a, dict):
        for k in list(a) + [k for k in b if k not in a]:
            if k not in a or k not in b:
                return "%s.%s: only in one of them" % (path, k)
            d = first_difference(a[k], b[k], "%s.%s" % (path, k))
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d items against %d" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    return None if a == b else "%s: %r against %r" % (path, a, b)


ref_scans = scans(argus)
ref_report = report(argus)
# the reference itself must say something: the week's designed scanners
if len(ref_scans) < 100 or not ref_report["overview"]:
    sys.exit("FAIL: the Argus reference has %d scan events" % len(ref_scans))
fails = 0
for name, path in inputs.items():
    if name == "argus":
        continue
    sc, rep = scans(path), report(path)
    rep["flows"]["read"] = ref_report["flows"]["read"]  # records, not connections
    if name == "nfcapd":
        # nfpcapd counts bytes from the IP header, argus from the Ethernet
        # header: 14 bytes a packet; the packets are the same
        for key in ("daily", "ports", "top_sources"):
            for x, y in zip(rep[key], ref_report[key]):
                if x["packets"] == y["packets"] and y["bytes"] - x["bytes"] == 14 * x["packets"]:
                    x["bytes"] = y["bytes"]
        sc, want = ms_events(sc), ms_events(ref_scans)
        rep["scans"] = ms_events(rep["scans"])
        ref = dict(ref_report, scans=ms_events(ref_report["scans"]))
        trw = sum(x["trw"] != y["trw"] for x, y in zip(want, sc))
        print("%s: %d of %d events with another TRW verdict (probes in one millisecond)"
              % (name, trw, len(sc)))
        if trw > len(sc) // 20:
            print("FAIL: %s: more than 5 %% of the events" % name)
            fails += 1
        for e in sc + want + rep["scans"] + ref["scans"]:
            del e["trw"]
    else:
        want, ref = ref_scans, ref_report
    if name in ("ra-csv", "vigil-csv"):
        # a CSV row has no TCP flags: what a probe sent (the "tcp probes ...;"
        # part of why, for probes without SYN) is not known, the rest is
        strip = lambda evs: [dict(e, why=re.sub(r"tcp probes [a-z,]+: [^;]*; ", "", e["why"]))
                             for e in evs]
        sc, want = strip(sc), strip(want)
        rep = dict(rep, scans=strip(rep["scans"]))
        ref = dict(ref, scans=strip(ref["scans"]))
    d = first_difference(want, sc, "scans") or first_difference(ref, rep)
    if d:
        print("FAIL: %s against argus: %s" % (name, d))
        fails += 1
    else:
        print("ok: %s: the same %d scan events and the same report as argus" % (name, len(sc)))
sys.exit(1 if fails else 0)
