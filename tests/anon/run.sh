#!/bin/bash
# run.sh - --anonymize (docs/anonymize.md): Crypto-PAn against the reference
# trace and key (all 100 addresses) and against a second implementation
# (cryptopan.js, Node's AES) on random IPv4 and IPv6 addresses; key files;
# anonymised outputs that hold none of the input's addresses and the same
# figures as the plain ones; a pseudonymised dump that reads back, with the
# pseudonymised site (vigil key site), into the same report; truncation;
# --anon-monitored keep; IPv6 flows.
# usage: tests/anon/run.sh VIGIL DATA_DIR
set -u
VIGIL=$1
D=$2
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$T"' EXIT
echo "tmp $T"
export TZ=UTC LC_ALL=C
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
W=$D/real-week
CAP=$W/capture.argus
S=$W/site.conf
CP=$D/cryptopan
K=$T/key
cp "$CP/key.hex" "$K" && chmod 600 "$K"

# ---- the reference trace: all 100 addresses
cut -f3 "$CP/sample_trace_raw.dat" >"$T/raw.txt"
# shellcheck disable=SC2046
"$VIGIL" key map "$K" $(cat "$T/raw.txt") | cut -f2 >"$T/got.txt"
cut -f3 "$CP/sample_trace_sanitized.dat" | cmp -s - "$T/got.txt" &&
  ok "the reference trace: $(wc -l <"$T/got.txt") of 100 addresses as the reference implementation" ||
  bad "the reference trace: $(cut -f3 "$CP/sample_trace_sanitized.dat" | diff - "$T/got.txt" | grep -c '^>') addresses differ"

# ---- a second implementation (JavaScript, Node's AES) on random addresses
if command -v node >/dev/null; then
  python3 - "$T/rand.txt" <<'PY'
import ipaddress, random, sys
r = random.Random(16)
with open(sys.argv[1], 'w') as f:
    for i in range(600):
        f.write(str(ipaddress.IPv4Address(r.getrandbits(32))) + '\n')
        f.write(str(ipaddress.IPv6Address(r.getrandbits(128))) + '\n')
    # neighbours: long shared prefixes
    base = r.getrandbits(128)
    for i in range(100):
        f.write(str(ipaddress.IPv6Address(base ^ (1 << r.randrange(0, 128)))) + '\n')
PY
  # shellcheck disable=SC2046
  "$VIGIL" key map "$K" $(cat "$T/rand.txt") >"$T/rand.vigil"
  node "$HERE/cryptopan.js" "$K" <"$T/rand.txt" >"$T/rand.js"
  n=$(wc -l <"$T/rand.txt")
  python3 - "$T/rand.vigil" "$T/rand.js" <<'PY' && ok "$n random IPv4 and IPv6 addresses: the same pseudonyms as cryptopan.js" || bad "vigil and cryptopan.js differ"
import ipaddress, sys
a = [l.split('\t') for l in open(sys.argv[1]).read().split('\n') if l]
b = [l.split('\t') for l in open(sys.argv[2]).read().split('\n') if l]
assert len(a) == len(b) == 1300, (len(a), len(b))
for x, y in zip(a, b):
    assert ipaddress.ip_address(x[0]) == ipaddress.ip_address(y[0])
    assert ipaddress.ip_address(x[1]) == ipaddress.ip_address(y[1]), (x, y)
PY
else
  bad "node is missing (scripts/deps.sh test installs nodejs): no cross-check"
fi

# ---- key files
"$VIGIL" key new "$T/new.key" && [ "$(stat -c '%a %s' "$T/new.key")" = "600 32" ] &&
  ok "key new: 32 bytes, mode 600" || bad "key new: $(stat -c '%a %s' "$T/new.key" 2>&1)"
"$VIGIL" key new "$T/new.key" 2>"$T/err" && bad "key new overwrote a key" ||
  { grep -q "exists" "$T/err" && ok "key new does not overwrite a key" || bad "key new: $(cat "$T/err")"; }
"$VIGIL" key new "$T/new2.key" && ! cmp -s "$T/new.key" "$T/new2.key" && ok "two new keys differ" ||
  bad "two new keys are the same"
cp "$K" "$T/open.key" && chmod 644 "$T/open.key"
"$VIGIL" report -q -c "$S" -r "$CAP" --anonymize "$T/open.key" >/dev/null 2>"$T/err"; rc=$?
[ $rc = 2 ] && grep -q "open.key: the key may be read by others (mode 0644): chmod 600" "$T/err" &&
  ok "a key others may read is refused (exit 2, the mode named)" || bad "open key: exit $rc, $(cat "$T/err")"
printf 'short' >"$T/short.key" && chmod 600 "$T/short.key"
"$VIGIL" dump -r "$CAP" --anonymize "$T/short.key" >/dev/null 2>"$T/err"
grep -q "short.key: not a key: expected 32 bytes or 64 hex digits, read 5 bytes" "$T/err" &&
  ok "a file that is not a key is refused" || bad "short key: $(cat "$T/err")"
"$VIGIL" dump -r "$CAP" --anon-monitored keep >/dev/null 2>"$T/err"
grep -q "goes with --anonymize" "$T/err" && ok "--anon-monitored alone is refused" || bad "--anon-monitored alone: $(cat "$T/err")"

# ---- IPv4: the outputs, plain and anonymised
plain=$T/plain anon=$T/anon
mkdir -p "$plain" "$anon"
outputs() { # dir [anonymize options]
  local d=$1
  shift
  "$VIGIL" report -q -c "$S" -r "$CAP" -o json "$@" >"$d/report.json" &&
    "$VIGIL" report -q -c "$S" -r "$CAP" "$@" >"$d/report.txt" &&
    "$VIGIL" report -q -c "$S" -r "$CAP" --html "$d/report.html" --csv-dir "$d/csv" "$@" >/dev/null &&
    "$VIGIL" scans -q -c "$S" -r "$CAP" -o json "$@" >"$d/scans.json" &&
    "$VIGIL" alerts -q -c "$S" -r "$CAP" -o json --iodef "$d/alerts.xml" "$@" >"$d/alerts.json" &&
    "$VIGIL" dump -q -r "$CAP" -o csv "$@" >"$d/dump.csv"
}
outputs "$plain" || bad "plain outputs failed"
outputs "$anon" --anonymize "$K" || bad "anonymised outputs failed"
# every address of the input (both sides of every record)
"$VIGIL" dump -q -r "$CAP" -o csv --fields saddr,daddr --no-header | tr , '\n' | sort -u >"$T/addrs"
leaks() { # file...: the input's addresses found in them
  cat "$@" | grep -oE '[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+|[0-9a-fA-F]*:[0-9a-fA-F:]+' | sort -u | comm -12 - "$T/addrs"
}
n=$(leaks "$plain"/report.json "$plain"/dump.csv | wc -l)
[ "$n" -gt 100 ] && ok "the plain outputs name $n of the input's $(wc -l <"$T/addrs") addresses (the check can see them)" ||
  bad "the leak check finds only $n addresses in the plain outputs"
l=$(leaks "$anon"/* "$anon"/csv/*)
[ -z "$l" ] && ok "anonymised report (JSON, text, HTML, CSV), scans, alerts, IODEF, dump: none of the input's addresses" ||
  bad "anonymised outputs name input addresses: $(echo $l | head -c 200)"
python3 "$HERE/same-figures.py" "$plain/report.json" "$anon/report.json" "$plain/scans.json" "$anon/scans.json" \
  "$plain/alerts.json" "$anon/alerts.json" && ok "anonymised: the report's, the scans' and the alerts' figures are the plain ones" ||
  bad "anonymised figures differ"

# ---- the pseudonymised dump reads back, with the pseudonymised site
"$VIGIL" key site "$K" "$S" >"$T/anon-site.conf" || bad "key site failed"
grep -q "^monitored = " "$T/anon-site.conf" && ! grep -q "192\.0\.2\." "$T/anon-site.conf" &&
  ok "key site: the monitored and service networks as pseudonyms" || bad "key site: $(head -3 "$T/anon-site.conf")"
"$VIGIL" dump -q -r "$CAP" -o csv --anonymize "$K" --fields +sflags,dflags,icmpid,sensor,trans,oneway >"$T/anon.csv"
"$VIGIL" report -q -c "$T/anon-site.conf" -r "$T/anon.csv" -o json >"$T/back.json"
cmp -s "$T/back.json" "$anon/report.json" &&
  ok "report of the pseudonymised dump with the pseudonymised site = report --anonymize (JSON byte for byte)" ||
  bad "the pseudonymised dump does not read back into the same report"

# ---- --anon-monitored keep: the monitored addresses stay, the others not
"$VIGIL" report -q -c "$S" -r "$CAP" -o json --anonymize "$K" --anon-monitored keep >"$T/keep.json"
grep -q '"192\.0\.2\.[0-9]*"' "$T/keep.json" && [ -z "$(grep -v '^192\.0\.2\.' "$T/addrs" | comm -12 - <(leaks "$T/keep.json"))" ] &&
  ok "--anon-monitored keep: the monitored hosts as they are, no other input address" ||
  bad "--anon-monitored keep"
python3 "$HERE/same-figures.py" "$plain/report.json" "$T/keep.json" && ok "--anon-monitored keep: the report's figures" ||
  bad "--anon-monitored keep: figures differ"
"$VIGIL" dump -q -r "$CAP" --anonymize "$K" --anon-monitored keep >/dev/null 2>"$T/err" && bad "dump keep without a site" ||
  { grep -q "monitored" "$T/err" && ok "--anon-monitored keep without a site is refused" || bad "keep without a site: $(cat "$T/err")"; }

# ---- --anon-monitored prefix: the monitored hosts stay in their networks
SA=$W/site-alt.conf  # monitored = 192.0.2.0/28
"$VIGIL" report -q -c "$SA" -r "$CAP" -o json >"$T/alt-plain.json"
"$VIGIL" report -q -c "$SA" -r "$CAP" -o json --anonymize "$K" --anon-monitored prefix >"$T/alt-prefix.json"
python3 - "$T/alt-plain.json" "$T/alt-prefix.json" <<'PY' && ok "--anon-monitored prefix: the hosts keep 192.0.2.0/28, their host bits pseudonymised (a permutation)" || bad "--anon-monitored prefix: hosts"
import ipaddress, json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
ha = sorted(h['addr'] for h in a['hosts']); hb = sorted(h['addr'] for h in b['hosts'])
net = ipaddress.ip_network('192.0.2.0/28')
assert len(ha) == len(hb) > 5 and all(ipaddress.ip_address(h) in net for h in hb), hb
assert ha != hb, 'no host moved'
PY
python3 "$HERE/same-figures.py" "$T/alt-plain.json" "$T/alt-prefix.json" && [ -z "$(grep -v '^192\.0\.2\.' "$T/addrs" | comm -12 - <(leaks "$T/alt-prefix.json"))" ] &&
  ok "--anon-monitored prefix: the report's figures, and no source address of the input" || bad "--anon-monitored prefix: figures or sources"

# ---- truncation
"$VIGIL" dump -q -r "$CAP" -o csv --fields saddr,daddr --no-header --anonymize /24 | tr , '\n' | sort -u >"$T/t24"
[ -s "$T/t24" ] && ! grep -qv '\.0$' "$T/t24" && ok "/24: every address ends in .0 ($(wc -l <"$T/t24") /24s)" ||
  bad "/24: $(grep -v '\.0$' "$T/t24" | head -3)"
"$VIGIL" report -q -c "$S" -r "$CAP" -o json --anonymize /16 >"$T/t16.json" && python3 - "$T/t16.json" <<'PY' && ok "/16: the report's sources are /16s" || bad "/16 report"
import json, sys
d = json.load(open(sys.argv[1]))
srcs = [s['addr'] for s in d['top_sources']]
assert srcs and all(s.endswith('.0.0') for s in srcs), srcs[:5]
PY

# ---- IPv6: the week's TCP and UDP flows with every address moved into 2001:db8::/96
python3 "$HERE/../to-ipv6.py" "$plain/dump.csv" "$T/v6.csv" "$S" "$T/site6.conf"
"$VIGIL" dump -q -r "$T/v6.csv" -o csv --fields saddr,daddr --no-header | tr , '\n' | sort -u >"$T/addrs6"
"$VIGIL" report -q -c "$T/site6.conf" -r "$T/v6.csv" -o json >"$T/v6p.json"
"$VIGIL" report -q -c "$T/site6.conf" -r "$T/v6.csv" -o json --anonymize "$K" >"$T/v6a.json"
"$VIGIL" scans -q -c "$T/site6.conf" -r "$T/v6.csv" -o json --anonymize "$K" >"$T/v6a.scans"
"$VIGIL" dump -q -r "$T/v6.csv" -o csv --anonymize "$K" >"$T/v6a.csv"
n6=$(grep -oE '[0-9a-f]*:[0-9a-f:]+' "$T/v6p.json" | sort -u | comm -12 - "$T/addrs6" | wc -l)
l6=$(cat "$T/v6a.json" "$T/v6a.scans" "$T/v6a.csv" | grep -oE '[0-9a-f]*:[0-9a-f:]+' | sort -u | comm -12 - "$T/addrs6" | wc -l)
[ "$n6" -gt 100 ] && [ "$l6" = 0 ] && ok "IPv6: the plain report names $n6 input addresses, the anonymised outputs none" ||
  bad "IPv6: plain $n6, anonymised $l6 input addresses"
python3 "$HERE/same-figures.py" "$T/v6p.json" "$T/v6a.json" && ok "IPv6: the anonymised report's figures are the plain ones" ||
  bad "IPv6: figures differ"
"$VIGIL" key site "$K" "$T/site6.conf" >"$T/anon-site6.conf"
"$VIGIL" dump -q -r "$T/v6.csv" -o csv --anonymize "$K" --fields +sflags,dflags,icmpid,sensor,trans,oneway >"$T/v6a-full.csv"
"$VIGIL" report -q -c "$T/anon-site6.conf" -r "$T/v6a-full.csv" -o json >"$T/v6back.json"
cmp -s "$T/v6back.json" "$T/v6a.json" && ok "IPv6: the pseudonymised dump reads back into the same report" ||
  bad "IPv6: the pseudonymised dump does not read back"

# ---- a store holds real addresses: refused
"$VIGIL" ingest -q -c "$S" --store "$T/s.db" -r "$CAP" 2>/dev/null
"$VIGIL" report -q -c "$S" --store "$T/s.db" --anonymize "$K" >/dev/null 2>"$T/err"; rc=$?
[ $rc = 2 ] && grep -q "anonymize works on raw inputs" "$T/err" && ok "--anonymize on a store is refused (exit 2)" ||
  bad "--anonymize on a store: exit $rc, $(cat "$T/err")"

echo "anon: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
