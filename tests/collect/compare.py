#!/usr/bin/env python3
"""compare.py - vigil collect's flows against nfcapd's for the same export.
usage: compare.py LABEL VERSION RECORDS VIGIL_JSON NFDUMP_CSV NFDUMP_FMT
VIGIL_JSON: `vigil dump -R DIR -o json --fields ...` of the collector's files;
NFDUMP_CSV: `TZ=UTC nfdump -R DIR -o csv`; NFDUMP_FMT: the same records with
millisecond times (`-o fmt:%ts|%te`). RECORDS: what softflowd says it
exported. Compared per flow: addresses, ports (ICMP: type·256 + code),
protocol, packets and bytes both ways, TCP flags, first and last time in ms.
nfcapd 1.7.1 puts a flow that started before the exporter's boot (softflowd
replaying a pcap) 2^32 ms late for v9 (it does not take the uptime
difference modulo 2^32) and for IPFIX (systemInitTime + the relative time,
unwrapped): those differ by exactly 2^32 ms and are counted as such; its
IPFIX path also swaps first and last seen of IEs 22/21, and its v9 path
drops icmpTypeCodeIPv6 - counted too. A capture older than 49.7 days (the
real week) cannot be placed by uptime arithmetic at all: collectors fold
it into different 2^32 ms windows. So each time must agree to the
millisecond modulo 2^32 ms (|k| <= 2); the categories are printed."""
import collections
import datetime
import ipaddress
import sys

label, version, records = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
WRAP = 1 << 32
PROTO = {"tcp": 6, "udp": 17, "icmp": 1, "icmp6": 58, "ipv6-icmp": 58}
FLAGS = "FSRPAUEC"  # vigil's letters, bit 0 first


def addr(s):
    return str(ipaddress.ip_address(s.strip()))


def ms_iso(s):  # 2026-11-25T14:56:01.271000Z
    t = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return round(t.timestamp() * 1000)


def ms_nf(s):  # 2026-11-25 14:56:01.271 (TZ=UTC)
    t = datetime.datetime.strptime(s.strip(), "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc)
    return round(t.timestamp() * 1000)


def proto(s):
    s = s.strip().lower()
    return PROTO[s] if s in PROTO else int(s)


vg = []
import json
for line in open(sys.argv[4]):
    r = json.loads(line)
    pr = proto(r["proto"])
    sp, dp = r["sport"], r["dport"]
    if pr in (1, 58):
        sp, dp = 0, sp << 8 | dp
    fl = sum(1 << i for i, c in enumerate(FLAGS) if c in r["sflags"])
    key = (pr, addr(r["saddr"]), addr(r["daddr"]), sp, dp, r["spkts"], r["sbytes"],
           r["dpkts"], r["dbytes"], fl)
    vg.append((key, ms_iso(r["stime"]), ms_iso(r["ltime"])))

nf = []
lines = open(sys.argv[5]).read().splitlines()
times = [l.split("|") for l in open(sys.argv[6]).read().splitlines() if "|" in l]
head = lines[0].split(",") if lines else []
col = {n: i for i, n in enumerate(head)}
rows = []
for l in lines[1:]:
    if not l or l.startswith("Summary") or l.startswith("No matching"):
        break
    rows.append(l.split(","))
if len(rows) != len(times):
    sys.exit("%s: nfdump printed %d csv rows but %d timed rows" % (label, len(rows), len(times)))
for c, t in zip(rows, times):
    fl = c[col["flg"]].strip()
    mask = sum(1 << (7 - i) for i, ch in enumerate(fl) if ch != ".")  # CEUAPRSF
    key = (proto(c[col["pr"]]), addr(c[col["sa"]]), addr(c[col["da"]]), int(c[col["sp"]]),
           int(c[col["dp"]]), int(c[col["ipkt"]]), int(c[col["ibyt"]]), int(c[col["opkt"]]),
           int(c[col["obyt"]]), mask)
    nf.append((key, ms_nf(t[0]), ms_nf(t[1])))

# nfcapd 1.7.1 leaves NetFlow v9's icmpTypeCodeIPv6 (139) out: its ICMPv6
# flows have port 0, where vigil has the type and code
icmp6_v9 = 0
if version == 9:
    for i, (k, a, b) in enumerate(vg):
        if k[0] == 58 and k[4] != 0:
            icmp6_v9 += 1
            vg[i] = (k[:4] + (0,) + k[5:], a, b)

fail = []
if len(vg) != records:
    fail.append("vigil has %d flows, softflowd exported %d records" % (len(vg), records))
if len(nf) != records:
    fail.append("nfdump has %d flows, softflowd exported %d records" % (len(nf), records))

groups = collections.defaultdict(list)
for k, s, e in vg:
    groups[k].append((s, e))
# Times: equal to the millisecond, or off by whole multiples of 2^32 ms at
# either end (nfcapd's v9 and IPFIX "before boot" shift; and, for a
# capture older than 49.7 days, the window each collector folds an uptime
# difference into - nfcapd unwrapped, vigil modulo 2^32 from the export
# time). nfcapd's IPFIX path also swaps first and last seen (IEs 22/21).
def name(ka, kb):
    if ka == kb == 0:
        return "equal"
    if ka == kb:
        return "%+d*2^32 ms" % ka
    return "%+d/%+d*2^32 ms" % (ka, kb)


count = collections.Counter()
unmatched = []
for k, s, e in nf:
    cand = groups.get(k)
    if not cand:
        unmatched.append(("nfdump only", k, s, e))
        continue
    hit = None
    for i, (vs, ve) in enumerate(cand):
        for swap in ((False, True) if version == 10 else (False,)):
            a, b = (e, s) if swap else (s, e)
            ka, kb = (a - vs) / WRAP, (b - ve) / WRAP
            if ka in (-2, -1, 0, 1, 2) and kb in (-2, -1, 0, 1, 2):
                hit = (i, ("swapped " if swap else "") + name(ka, kb))
                break
        if hit:
            break
    if hit is None:
        vs, ve = cand.pop(0)
        unmatched.append(("times differ", k, (s, e), (vs, ve)))
        continue
    cand.pop(hit[0])
    count[hit[1]] += 1
for k, rest in groups.items():
    for vs, ve in rest:
        unmatched.append(("vigil only", k, vs, ve))
for u in unmatched[:10]:
    fail.append("%s: %s" % (u[0], u[1:]))
if len(unmatched) > 10:
    fail.append("... %d more differences" % (len(unmatched) - 10))
print("%s: %d flows compared (softflowd exported %d records): fields %s; times: %s%s" % (
    label, len(nf), records, "all equal" if not unmatched else "NOT all equal",
    ", ".join("%d %s" % (n, c) for c, n in sorted(count.items())),
    "; %d ICMPv6 type/code that nfcapd v9 leaves 0" % icmp6_v9 if icmp6_v9 else ""))
for f in fail:
    print("  FAIL %s" % f)
sys.exit(1 if fail else 0)
