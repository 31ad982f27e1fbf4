#!/bin/bash
# run.sh - vigil top against the peers on the same files: racluster -m
# (saddr; daddr; saddr dport) on the sample week's Argus file, nfdump -s
# (srcip; dstport/bytes) on its nfcapd file, every group; srcnet/N and the
# distinct counts against sums and sets computed from vigil dump; --merge
# against dump --merge; refused keys.
# usage: tests/top/run.sh VIGIL DATA_DIR
set -u
VIGIL=$1
D=$2
T=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$T"' EXIT
echo "tmp $T"
export TZ=UTC LC_ALL=C
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
CAP=$D/real-week/capture.argus
for c in racluster nfdump; do
  command -v $c >/dev/null || { echo "FAIL $c is missing (scripts/deps.sh test installs it)"; exit 1; }
done

# racluster -m KEYS: the key fields, packets, bytes, records
# (ports: ra prints an ICMP flow's id as its port, vigil and nfdump type*256+code;
# with ports, both read the TCP and UDP flows)
vs_racluster() { # name "vigil keys" "racluster keys" [filter]
  racluster -m $3 -r "$CAP" -s $3 pkts bytes trans -n -c , -u - ${4:-} 2>/dev/null | tail -n +2 | sort >"$T/rc"
  nk=$(echo $3 | wc -w)
  "$VIGIL" top -q -r "$CAP" -s "$2" -n 0 -o csv ${4:+- $4} | tail -n +2 |
    awk -F, -v nk="$nk" '{ s = ""; for (i = 1; i <= nk; i++) s = s $i ","; print s $(nk+2) "," $(nk+3) "," $(nk+1) }' | sort >"$T/vt"
  if [ -s "$T/rc" ] && cmp -s "$T/rc" "$T/vt"; then ok "$1: every group ($(wc -l <"$T/rc")) as racluster -m $3: packets, bytes, records"
  else bad "$1: differs from racluster -m $3"; diff "$T/rc" "$T/vt" | head -4; fi
}
vs_racluster "top -s srcip" "srcip" "saddr"
vs_racluster "top -s dstip" "dstip" "daddr"
vs_racluster "top -s 'srcip dstport' - tcp or udp" "srcip dstport" "saddr dport" "tcp or udp"

# nfdump -s on the same week as nfcapd
xz -dc "$D/nfdump/real-week.nfcapd.xz" >"$T/week.nfcapd"
nfdump -r "$T/week.nfcapd" -s srcip -n 0 -o csv 2>/dev/null | awk -F, 'NR > 1 && NF > 10 { print $5 "," $6 "," $8 "," $10 }' | sort >"$T/nf"
"$VIGIL" top -q -r "$T/week.nfcapd" -s srcip -n 0 -o csv | tail -n +2 | cut -d, -f1-4 | sort >"$T/vt"
[ -s "$T/nf" ] && cmp -s "$T/nf" "$T/vt" && ok "top -s srcip on nfcapd: every group ($(wc -l <"$T/nf")) as nfdump -s srcip: flows, packets, bytes" ||
  { bad "top -s srcip differs from nfdump -s srcip"; diff "$T/nf" "$T/vt" | head -4; }
nfdump -r "$T/week.nfcapd" -s dstport/bytes -n 10 -o csv 2>/dev/null | awk -F, 'NR > 1 && NF > 10 { print $5 "," $6 "," $8 "," $10 }' >"$T/nf10"
"$VIGIL" top -q -r "$T/week.nfcapd" -s dstport/bytes -n 10 -o csv | tail -n +2 | cut -d, -f1-4 >"$T/vt10"
[ "$(wc -l <"$T/nf10")" = 10 ] && cmp -s "$T/nf10" "$T/vt10" && ok "top -s dstport/bytes -n 10: the 10 ports of nfdump -s dstport/bytes -n 10, in its order" ||
  { bad "top -s dstport/bytes -n 10 differs from nfdump"; diff "$T/nf10" "$T/vt10" | head -4; }

# srcnet/24 = the srcip groups summed per /24; distinct counts = sets from the records
"$VIGIL" dump -q -r "$CAP" -o csv --fields saddr,daddr,dport,proto,pkts,bytes --no-header >"$T/recs"
"$VIGIL" top -q -r "$CAP" -s srcnet/24 -n 0 -o csv >"$T/net"
"$VIGIL" top -q -r "$CAP" -s dstport/proto -O sources -n 0 -o csv - not icmp >"$T/ports"
python3 - "$T/recs" "$T/net" "$T/ports" <<'PY' && ok "top -s srcnet/24 and -s dstport/proto -O sources: the sums and distinct counts of the records" || bad "srcnet/24 or distinct counts differ"
import csv, ipaddress, sys
recs = list(csv.reader(open(sys.argv[1])))
net, ports = {}, {}
for s, d, dp, pr, pk, by in recs:
    if ':' in s:
        continue
    n = str(ipaddress.ip_network(s + '/24', strict=False))
    x = net.setdefault(n, [0, 0, 0])
    x[0] += 1; x[1] += int(pk); x[2] += int(by)
    if pr == 'icmp':
        continue
    p = ports.setdefault((dp, pr), [set(), set(), 0])
    p[0].add(s); p[1].add(d); p[2] += 1
got = {r['srcnet']: [int(r['flows']), int(r['packets']), int(r['bytes'])] for r in csv.DictReader(open(sys.argv[2])) if ':' not in r['srcnet']}
assert got == net, (len(got), len(net))
rows = list(csv.DictReader(open(sys.argv[3])))
# ports as vigil dump prints them: decimal, or 0x.. for ICMP
def key(r):
    return (r['dstport'], r['proto'])
v = {}
for r in rows:
    v[(int(r['dstport']), r['proto'])] = (int(r['sources']), int(r['destinations']), int(r['flows']))
w = {}
for (dp, pr), (ss, ds, n) in ports.items():
    dpn = int(dp, 16) if dp.startswith('0x') else int(dp)
    w[(dpn, pr)] = (len(ss), len(ds), n)
assert v == w, [k for k in v if v.get(k) != w.get(k)][:3]
srcs = [int(r['sources']) for r in rows]
assert srcs == sorted(srcs, reverse=True), 'not ordered by sources'
PY

# --merge: the groups' flows are connections
a=$("$VIGIL" top -q -r "$CAP" --merge -s proto -n 0 -o csv | tail -n +2 | awk -F, '{ s += $2 } END { print s }')
b=$("$VIGIL" dump -q -r "$CAP" --merge --no-header | wc -l)
[ "$a" = "$b" ] && [ "$a" -gt 0 ] && ok "top --merge: $a connections, as dump --merge" || bad "top --merge: $a, dump --merge: $b"

# JSON and text, and refusals
"$VIGIL" top -q -r "$CAP" -s srcip -n 3 -o json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert len(d) == 3 and d[0]["srcip"] == "194.26.61.84" and d[0]["flows"] == 9999, d[0]' &&
  ok "top -o json: an array of the groups" || bad "top -o json"
"$VIGIL" top -q -r "$CAP" -n 2 | grep -q "^Top 2 of 156 groups by flows" && ok "top (text): the header says what is shown" || bad "top text"
"$VIGIL" top -q -r "$CAP" -s srcmac 2>"$T/err"; rc=$?
[ $rc = 2 ] && grep -q "'srcmac' is not a field" "$T/err" && ok "top -s srcmac: refused (exit 2)" || bad "top -s srcmac: exit $rc"
"$VIGIL" top -q -r "$CAP" -s srcnet 2>"$T/err"; rc=$?
[ $rc = 2 ] && grep -q "give the prefix length" "$T/err" && ok "top -s srcnet without /N: refused" || bad "top -s srcnet: exit $rc"

# --store: the unsolicited connections of the store's rollups, grouped, equal
# the report's tables of the same store (whose figures the study test checks
# against racluster)
S=$D/real-week/site.conf
DB=$T/week.db
"$VIGIL" ingest -q -c "$S" --store "$DB" -r "$CAP" || bad "ingest for top --store"
"$VIGIL" report -q -c "$S" --store "$DB" --csv-dir "$T/csv" -o json >"$T/r.json" 2>/dev/null
"$VIGIL" top -q -c "$S" --store "$DB" -s dstip -n 0 -o csv | tail -n +2 | cut -d, -f1,2,5 | sort >"$T/vh"
tail -n +2 "$T/csv/hosts.csv" | cut -d, -f1-3 | sort >"$T/rh"
[ -s "$T/vh" ] && cmp -s "$T/vh" "$T/rh" && ok "top --store -s dstip: connections and sources per host = the report's hosts ($(wc -l <"$T/vh") hosts)" ||
  bad "top --store -s dstip against hosts.csv: $(diff "$T/rh" "$T/vh" | head -3)"
"$VIGIL" top -q -c "$S" --store "$DB" -s dstport/proto -n 0 -o csv | tail -n +2 |
  awk -F, '$2 == "tcp" || $2 == "udp" || $2 == "sctp" { print $2 "," $1 "," $3 "," $6 }' | sort >"$T/vp"
tail -n +2 "$T/csv/ports.csv" | cut -d, -f1-4 | sort >"$T/rp"
[ -s "$T/vp" ] && cmp -s "$T/vp" "$T/rp" && ok "top --store -s dstport/proto: connections and sources per port = the report's ports ($(wc -l <"$T/vp"))" ||
  bad "top --store -s dstport/proto against ports.csv: $(diff "$T/rp" "$T/vp" | head -3)"
"$VIGIL" top -q -c "$S" --store "$DB" -s 'dstport proto' -O bytes -n 0 -o csv 2>/dev/null | tail -n +2 |
  awk -F, '{ print $2 "," $1 "," $3 "," $4 "," $5 }' | sort >"$T/vb"
python3 -c 'import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    print("%s,%s,%s,%s,%s" % (r["proto"], r["port"], r["connections"], r["packets"], r["bytes"]))' "$T/csv/ports.csv" | sort >"$T/rb"
[ -s "$T/vb" ] && cmp -s "$T/vb" "$T/rb" && ok "top --store -O bytes: connections, packets and bytes per port = the report's" ||
  bad "top --store -O bytes against ports.csv: $(diff "$T/rb" "$T/vb" | head -3)"
"$VIGIL" top -q -c "$S" --store "$DB" -s srcip -n 20 -o json | python3 -c '
import json, sys
top = json.load(sys.stdin)
rep = json.load(open(sys.argv[1]))["top_sources"]
want = [(t["addr"], t["connections"], t["packets"], t["bytes"]) for t in rep]
got = [(g["srcip"], g["flows"], g["packets"], g["bytes"]) for g in top]
assert got == want, (got[:3], want[:3])
assert top[0]["destinations"] is None and top[0]["ports"] is None' "$T/r.json" &&
  ok "top --store -s srcip: the report's top sources with their packets and bytes; counts src_day lacks are null" ||
  bad "top --store -s srcip against the report's top sources"
"$VIGIL" top -q -c "$S" --store "$DB" -s srcport 2>"$T/err"; rc=$?
[ $rc = 2 ] && grep -q "srcport is not in the store" "$T/err" && ok "top --store -s srcport: refused (exit 2)" || bad "top --store -s srcport: exit $rc"
"$VIGIL" top -q -c "$S" --store "$DB" -s srcip - tcp 2>"$T/err"; rc=$?
[ $rc = 2 ] && ok "top --store with a filter: refused" || bad "top --store with a filter: exit $rc"

echo "top: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
