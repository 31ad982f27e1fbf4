#!/bin/bash
# run.sh - vigil export --share (docs/share.md): the share validates against
# docs/share.schema.json (ajv from npm, tests/share/package-lock.json); it
# holds none of the input's monitored or source addresses (IPv4 and IPv6);
# its per-port figures add up to the report's, its scan events and alerts
# are those of scans/alerts --store with the sources as their pseudonyms;
# truncation; refused uses.
# usage: tests/share/run.sh VIGIL DATA_DIR
set -u
VIGIL=$1
D=$2
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
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
K=$T/key
cp "$D/cryptopan/key.hex" "$K" && chmod 600 "$K"

# ajv, once, from the lock file
if [ ! -d "$HERE/node_modules/ajv" ]; then
  (cd "$HERE" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) >/dev/null 2>&1 ||
    { echo "FAIL share: npm ci failed: this test needs the npm registry once, to install ajv"
      echo "share: behind a proxy: npm config set proxy http://HOST:PORT (and https-proxy), or"
      echo "share: HTTPS_PROXY=http://HOST:PORT make test; a private registry: npm config set registry URL"
      exit 1; }
fi

db=$T/week.db
"$VIGIL" ingest -q -c "$S" --store "$db" -r "$CAP" || bad "ingest failed"
"$VIGIL" export -c "$S" --store "$db" --anonymize "$K" --share "$T/share.json" --team CERT-Test \
  --description "the sample week" 2>"$T/export.err" || { bad "export failed"; cat "$T/export.err"; }
grep -q "export: .*share.json: 2024-03-04 .. 2024-03-10, [0-9]* port-days, 193 scan events, 200 alerts" "$T/export.err" &&
  ok "export: $(cut -d: -f3- "$T/export.err")" || bad "export said: $(cat "$T/export.err")"

# ---- the schema
node "$HERE/validate.js" "$TOP/docs/share.schema.json" "$T/share.json" && ok "the share validates against docs/share.schema.json" ||
  bad "the share does not validate"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); del d["team"]; d["ports"][0]["port"]=70000; json.dump(d, open(sys.argv[2],"w"))' \
  "$T/share.json" "$T/broken.json"
node "$HERE/validate.js" "$TOP/docs/share.schema.json" "$T/broken.json" >/dev/null && bad "a share without a team validates" ||
  ok "a share without a team and with port 70000 does not validate (the check can fail)"

# ---- no address of the input
"$VIGIL" dump -q -r "$CAP" -o csv --fields saddr,daddr --no-header | tr , '\n' | sort -u >"$T/addrs"
found=$(grep -oE '[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+' "$T/share.json" | sort -u | comm -12 - "$T/addrs" | wc -l)
n=$(grep -oE '[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+' "$T/share.json" | sort -u | wc -l)
[ "$found" = 0 ] && [ "$n" -gt 50 ] && ok "none of the input's $(wc -l <"$T/addrs") addresses in the share ($n pseudonyms in it)" ||
  bad "the share names $found input addresses"
grep -q '"192\.0\.2\.' "$T/share.json" && bad "a monitored address in the share" || ok "no monitored address in the share"

# ---- the figures: against report, scans and alerts from the same store
"$VIGIL" report -q -c "$S" --store "$db" -o json 2>/dev/null >"$T/report.json"
"$VIGIL" scans -q -c "$S" --store "$db" -o json 2>/dev/null >"$T/scans.json"
"$VIGIL" alerts -q -c "$S" --store "$db" -o json 2>/dev/null | grep -v '^{"freshness"' >"$T/alerts.json"
"$VIGIL" dump -q -r "$CAP" -o csv --fields saddr --no-header | sort -u >"$T/srcs"
# shellcheck disable=SC2046
"$VIGIL" key map "$K" $(cat "$T/srcs") >"$T/map"
python3 - "$T/share.json" "$T/report.json" "$T/scans.json" "$T/alerts.json" "$T/map" <<'PY' && ok "the share's figures: per-port sums = the report's ports, scans and alerts = scans/alerts --store with pseudonyms" || bad "the share's figures differ"
import json, sys
share = json.load(open(sys.argv[1]))
rep = json.load(open(sys.argv[2]))
scans = [json.loads(l) for l in open(sys.argv[3]) if l.strip()]
alerts = [json.loads(l) for l in open(sys.argv[4]) if l.strip()]
pseudo = dict(l.split('\t') for l in open(sys.argv[5]).read().split('\n') if l)
# connections per (proto, port) over the period: the report's ports table
tot = {}
for r in share['ports']:
    k = (r['proto'], r['port'])
    tot[k] = tot.get(k, 0) + r['connections']
    assert 1 <= r['targets'] <= 10 and r['new_sources'] <= r['sources'], r
n = 0
for p in rep['ports']:
    proto, port = p['proto'], p['port']
    if proto not in ('tcp', 'udp', 'sctp'):
        continue
    assert tot.get((proto, port), 0) == p['connections'], (proto, port, tot.get((proto, port)), p['connections'])
    n += 1
assert n > 100 and n == len(tot), (n, len(tot))
# new sources over the period: each source is new on a port once
news = {}
for r in share['ports']:
    k = (r['proto'], r['port'])
    news[k] = news.get(k, 0) + r['new_sources']
for p in rep['ports']:
    if p['proto'] in ('tcp', 'udp', 'sctp'):
        assert news[(p['proto'], p['port'])] == p['sources'], (p, news[(p['proto'], p['port'])])
# hosts: opaque indices; per day their connections are the report's
hd = {}
for h in share['hosts']:
    hd[h['day']] = hd.get(h['day'], 0) + h['connections']
assert {d['day']: d['connections'] for d in rep['daily']} == hd, 'hosts per day'
assert sorted({h['host'] for h in share['hosts']}) == list(range(1, len(rep['hosts']) + 1))
# scan events
assert len(share['scans']) == len(scans) == 193, (len(share['scans']), len(scans))
by_id = {e['id']: e for e in scans}
assert sorted(by_id) == [e['id'] for e in share['scans']]
for a in share['scans']:
    b = by_id[a['id']]
    assert a['flows'] == b['flows'] and a['targets'] == b['targets'] and a['kind'] == b['kind'], (a, b)
    assert a['source'] == pseudo[b['scanner']], (a['source'], b['scanner'])
# alerts
assert len(share['alerts']) == len(alerts) == 200, (len(share['alerts']), len(alerts))
for a, b in zip(share['alerts'], alerts):
    assert a['id'] == b['id'] and a['detector'] == b['detector'] and a['severity'] == b['severity'], (a, b)
    if b.get('source'):
        assert a['source'] == pseudo[b['source']], (a, b)
        assert b['source'] not in a['summary'] and (a['source'] in a['summary'] or b['source'] not in b['summary']), (a, b)
PY

# ---- truncation
"$VIGIL" export -q -c "$S" --store "$db" --anonymize /24 --share "$T/t24.json" || bad "export /24 failed"
python3 - "$T/t24.json" <<'PY' && ok "/24: the share's sources are /24s, its addresses say so" || bad "/24 share"
import json, sys
d = json.load(open(sys.argv[1]))
assert d['addresses'] == {'method': 'truncate', 'ipv4_bits': 24, 'ipv6_bits': 48}, d['addresses']
srcs = [e['source'] for e in d['scans']] + [a['source'] for a in d['alerts'] if a['source']]
assert srcs and all(s.endswith('.0') for s in srcs), srcs[:5]
PY
node "$HERE/validate.js" "$TOP/docs/share.schema.json" "$T/t24.json" && ok "/24: validates" || bad "/24: does not validate"

# ---- a range of days
"$VIGIL" export -q -c "$S" --store "$db" --anonymize "$K" -t 2024/03/06-2024/03/09 --share "$T/part.json" || bad "export -t failed"
python3 - "$T/part.json" "$T/share.json" <<'PY' && ok "-t 2024/03/06-2024/03/09: the three days' port rows, as in the whole share" || bad "-t: the rows differ"
import json, sys
p, w = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert p['period'] == {'first_day': '2024-03-06', 'last_day': '2024-03-08', 'days': 3}, p['period']
want = [r for r in w['ports'] if '2024-03-06' <= r['day'] <= '2024-03-08']
assert p['ports'] == want, (len(p['ports']), len(want))
PY

# ---- IPv6: the week's TCP and UDP flows moved into 2001:db8::/96
"$VIGIL" dump -q -r "$CAP" -o csv --fields +sflags,dflags,icmpid,sensor,trans,oneway >"$T/v4.csv"
python3 "$HERE/../to-ipv6.py" "$T/v4.csv" "$T/v6.csv" "$S" "$T/site6.conf"
"$VIGIL" dump -q -r "$T/v6.csv" -o csv --fields saddr,daddr --no-header | tr , '\n' | sort -u >"$T/addrs6"
"$VIGIL" ingest -q -c "$T/site6.conf" --store "$T/v6.db" -r "$T/v6.csv" || bad "IPv6: ingest failed"
"$VIGIL" export -q -c "$T/site6.conf" --store "$T/v6.db" --anonymize "$K" --share "$T/v6.json" || bad "IPv6: export failed"
python3 - "$T/v6.json" "$T/addrs6" <<'PY' && ok "IPv6: none of the input's $(wc -l <"$T/addrs6") addresses in the share, its sources IPv6 pseudonyms" || bad "IPv6: input addresses in the share"
import ipaddress, json, re, sys
text = open(sys.argv[1]).read()
inp = {ipaddress.ip_address(l) for l in open(sys.argv[2]).read().split()}
found = set()
for t in re.findall(r'[0-9a-fA-F:]*:[0-9a-fA-F:]*', text):
    for u in (t, t.rstrip(':')):
        try:
            found.add(ipaddress.ip_address(u))
        except ValueError:
            pass
assert len(inp) > 100 and not (found & inp), sorted(map(str, found & inp))[:5]
d = json.loads(text)
srcs = [e['source'] for e in d['scans']] + [a['source'] for a in d['alerts'] if a['source']]
assert len(srcs) > 20 and all(ipaddress.ip_address(s).version == 6 for s in srcs), srcs[:3]
assert all(ipaddress.ip_address(s) in found for s in srcs)
PY
node "$HERE/validate.js" "$TOP/docs/share.schema.json" "$T/v6.json" && ok "IPv6: validates" || bad "IPv6: does not validate"

# ---- two teams: the week's monitored hosts split into two sites, each
# ingested and exported on its own; merged with one key and with two
printf 'monitored = 192.0.2.1-192.0.2.5\nservice = 192.0.2.1-192.0.2.5:80/tcp\nservice = 192.0.2.3,192.0.2.5:22/tcp\nservice = 192.0.2.5:25/tcp\n' >"$T/siteA.conf"
printf 'monitored = 192.0.2.6-192.0.2.10\nservice = 192.0.2.9:8080/tcp\nservice = 192.0.2.6,192.0.2.8:22/tcp\nservice = 192.0.2.7,192.0.2.8:25/tcp\n' >"$T/siteB.conf"
"$VIGIL" key new "$T/keyB"
for x in A B; do
  "$VIGIL" ingest -q -c "$T/site$x.conf" --store "$T/$x.db" -r "$CAP" || bad "team $x: ingest"
  "$VIGIL" export -q -c "$T/site$x.conf" --store "$T/$x.db" --anonymize "$K" --team "CERT-$x" --share "$T/$x.json" || bad "team $x: export"
  "$VIGIL" scans -q -c "$T/site$x.conf" -r "$CAP" -o json >"$T/$x.scans"
  "$VIGIL" alerts -q -c "$T/site$x.conf" -r "$CAP" -o json >"$T/$x.alerts"
done
"$VIGIL" export -q -c "$T/siteB.conf" --store "$T/B.db" --anonymize "$T/keyB" --team CERT-B --share "$T/B2.json" || bad "team B: export, own key"
"$VIGIL" report --shared "$T/A.json" "$T/B.json" -o json >"$T/merged.json" || bad "report --shared failed"
"$VIGIL" report --shared "$T/A.json" "$T/B2.json" -o json >"$T/merged2.json" || bad "report --shared, two keys, failed"
"$VIGIL" report --shared "$T/A.json" "$T/B.json" >"$T/merged.txt" || bad "report --shared (text) failed"
python3 - "$T/merged.json" "$T/merged2.json" "$T/share.json" "$T/A.scans" "$T/A.alerts" "$T/B.scans" "$T/B.alerts" "$T/map" <<'PY' && ok "two teams merged: the sums per day and port are those of one site over both (one key and two), the common sources those of both teams' scans and alerts" || bad "two teams merged: figures differ"
import json, sys
m, m2, whole = (json.load(open(f)) for f in sys.argv[1:4])
def evs(f):
    return [json.loads(l) for l in open(f) if l.strip() and not l.startswith('{"freshness"')]
pseudo = dict(l.split('\t') for l in open(sys.argv[8]).read().split('\n') if l)
# the whole site's per-day and per-port connections (its share: one site over both halves)
day, port = {}, {}
for r in whole['ports']:
    day[r['day']] = day.get(r['day'], 0) + r['connections']
    k = (r['proto'], r['port'])
    port[k] = port.get(k, 0) + r['connections']
for mm in (m, m2):
    assert {d['day']: d['connections'] for d in mm['daily']} == day, 'daily'
    assert all(d['connections'] == sum(d['teams']) for d in mm['daily'])
    assert {(p['proto'], p['port']): p['connections'] for p in mm['ports']} == port, 'ports'
    assert [t['team'] for t in mm['teams']] == ['CERT-A', 'CERT-B']
assert m['sources_matched'] is True and m2['sources_matched'] is False and m2['common_sources'] == []
# the sources both teams saw in scan events or alerts, as pseudonyms
def srcs(sc, al):
    return {e['scanner'] for e in evs(sc)} | {a['source'] for a in evs(al) if a.get('source')}
both = srcs(sys.argv[4], sys.argv[5]) & srcs(sys.argv[6], sys.argv[7])
want = sorted(pseudo[a] for a in both)
got = sorted(c['source'] for c in m['common_sources'])
assert len(want) > 20 and got == want, (len(got), len(want))
# a surge at both teams: a port alerted by a port detector at each
assert m['multi_team_alerts'] and all(len(u['teams']) == 2 for u in m['multi_team_alerts'])
PY
grep -q "^Ports surging at several teams at once" "$T/merged.txt" && grep -q "^  all .* 12,329$" "$T/merged.txt" &&
  ok "report --shared (text): the teams, days, ports, surges and common sources" || bad "report --shared text: $(head -8 "$T/merged.txt")"

"$VIGIL" alerts --shared "$T/A.json" "$T/B.json" -o json --fail-on high >"$T/malerts.json"; rc=$?
python3 - "$T/malerts.json" "$T/merged.json" <<'PY' && [ $rc = 1 ] && ok "alerts --shared: the report's multi-team surges as NDJSON, --fail-on high exits 1" || bad "alerts --shared (exit $rc)"
import json, sys
a = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
m = json.load(open(sys.argv[2]))['multi_team_alerts']
assert a and [{k: v for k, v in x.items() if k != 'detector'} for x in a] == m, (a[:1], m[:1])
PY

# ---- bad shares
sed 's/"vigil-share\/1"/"vigil-share\/2"/' "$T/A.json" >"$T/v2.json"
"$VIGIL" report --shared "$T/v2.json" "$T/B.json" >/dev/null 2>"$T/err"; rc=$?
[ $rc = 3 ] && grep -q "v2.json: a share of schema 'vigil-share/2'; this vigil reads vigil-share/1" "$T/err" &&
  ok "a share of another schema version: exit 3, named" || bad "schema 2: exit $rc, $(cat "$T/err")"
head -c 3000 "$T/A.json" >"$T/cut.json"
"$VIGIL" report --shared "$T/cut.json" >/dev/null 2>"$T/err"; rc=$?
[ $rc = 3 ] && grep -qE "cut.json: byte [0-9]+ \(line [0-9]+, column [0-9]+\): " "$T/err" &&
  ok "a cut share: exit 3, the byte named ($(cut -d: -f3- "$T/err" | head -c 80))" || bad "cut share: exit $rc, $(cat "$T/err")"
"$VIGIL" export -q -c "$T/siteA.conf" --store "$T/A.db" --anonymize "$K" --team CERT-A -t 2024/03/08-2024/03/11 --share "$T/A2.json"
"$VIGIL" report --shared "$T/A.json" "$T/A2.json" >/dev/null 2>"$T/err"; rc=$?
[ $rc = 2 ] && grep -q "team 'CERT-A' twice with overlapping periods (2024-03-04 .. 2024-03-10 and 2024-03-08 .. 2024-03-10)" "$T/err" &&
  ok "two shares of one team with overlapping periods: exit 2, named" || bad "overlap: exit $rc, $(cat "$T/err")"
"$VIGIL" export -q -c "$T/siteA.conf" --store "$T/A.db" --anonymize "$K" --team CERT-A -t 2024/03/04-2024/03/07 --share "$T/Aa.json"
"$VIGIL" export -q -c "$T/siteA.conf" --store "$T/A.db" --anonymize "$K" --team CERT-A -t 2024/03/07-2024/03/11 --share "$T/Ab.json"
"$VIGIL" report --shared "$T/Aa.json" "$T/Ab.json" -o json >"$T/aa.json" && python3 - "$T/aa.json" "$T/A.json" <<'PY' && ok "one team's two periods side by side: the days of the whole" || bad "one team, two periods"
import json, sys
m, a = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
day = {}
for r in a['ports']:
    day[r['day']] = day.get(r['day'], 0) + r['connections']
assert {d['day']: d['connections'] for d in m['daily']} == day
PY

# ---- STIX 2.1 (alerts --stix, scans --stix): the OASIS schemas, the references,
# the standard's ids of the address objects, the same bundle twice, anonymised
SCH=$D/stix2.1-schemas
export SOURCE_DATE_EPOCH=1710000000
"$VIGIL" alerts -q -c "$S" -r "$CAP" --stix "$T/alerts.stix" >/dev/null || bad "alerts --stix failed"
"$VIGIL" scans -q -c "$S" -r "$CAP" --stix "$T/scans.stix" >/dev/null || bad "scans --stix failed"
"$VIGIL" alerts -q -c "$S" --store "$db" --stix "$T/alerts2.stix" >/dev/null 2>&1 || bad "alerts --store --stix failed"
node "$HERE/stix-validate.js" "$SCH" "$T/alerts.stix" "$T/scans.stix" >"$T/stix.out" 2>/dev/null &&
  ok "STIX: every object of both bundles validates against the OASIS schemas ($(head -1 "$T/stix.out"))" ||
  { bad "STIX: invalid objects"; head -5 "$T/stix.out"; }
python3 - "$T/alerts.stix" "$T/broken.stix" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
ind = next(o for o in b['objects'] if o['type'] == 'indicator')
del ind['pattern']
sig = next(o for o in b['objects'] if o['type'] == 'sighting')
sig['count'] = -1
json.dump(b, open(sys.argv[2], 'w'))
PY
node "$HERE/stix-validate.js" "$SCH" "$T/broken.stix" >/dev/null 2>&1 && bad "STIX: a bundle with an indicator without pattern validates" ||
  ok "STIX: an indicator without its pattern, a sighting counted -1 do not validate (the check can fail)"
python3 - "$T/alerts.stix" "$T/scans.stix" "$T/alerts.json" <<'PY' && ok "STIX: every reference resolves, address ids are the standard's UUIDv5, one indicator and sighting per alert and per scan event" || bad "STIX: references or ids"
import json, re, sys, uuid
NS = uuid.UUID('00abedb4-aa42-466c-9c01-fed23315a9b7')
def refs(o):
    for k, v in o.items():
        if k.endswith('_ref'):
            yield v
        elif k.endswith('_refs'):
            yield from v
for f, kind in ((sys.argv[1], 'alert'), (sys.argv[2], 'scan')):
    b = json.load(open(f))
    ids = {o['id'] for o in b['objects']}
    assert len(ids) == len(b['objects']), 'duplicate ids'
    for o in b['objects']:
        for r in refs(o):
            assert r in ids, (o['id'], r)
        if o['type'] in ('ipv4-addr', 'ipv6-addr'):
            want = '%s--%s' % (o['type'], uuid.uuid5(NS, json.dumps({'value': o['value']}, separators=(',', ':'))))
            assert o['id'] == want, (o['id'], want)
    n = lambda t: sum(1 for o in b['objects'] if o['type'] == t)
    if kind == 'alert':
        alerts = [l for l in open(sys.argv[3]) if l.strip() and not l.startswith('{"freshness"')]
        assert n('indicator') == n('sighting') == len(alerts) == 200, (n('indicator'), len(alerts))
    else:
        assert n('indicator') == n('sighting') == n('observed-data') == 193
PY
"$VIGIL" scans -q -c "$S" -r "$CAP" --stix "$T/scans2.stix" >/dev/null
cmp -s "$T/scans.stix" "$T/scans2.stix" && ok "STIX: the same events give the same bundle, byte for byte (SOURCE_DATE_EPOCH)" ||
  bad "STIX: two runs differ"
"$VIGIL" alerts -q -c "$S" -r "$CAP" --anonymize "$K" --stix "$T/anon.stix" >/dev/null || bad "alerts --anonymize --stix failed"
found=$(grep -oE '[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+' "$T/anon.stix" | sort -u | comm -12 - "$T/addrs" | wc -l)
[ "$found" = 0 ] && node "$HERE/stix-validate.js" "$SCH" "$T/anon.stix" >/dev/null 2>&1 &&
  ok "STIX with --anonymize: valid, none of the input's addresses" || bad "STIX anonymised: $found input addresses"

# ---- MISP (alerts --misp, scans --misp): MISP's own format schemas, one
# attribute per type and value with a sighting per event or alert, the tags
MS=$D/misp-schema
"$VIGIL" alerts -q -c "$S" -r "$CAP" --misp "$T/alerts.misp" >/dev/null || bad "alerts --misp failed"
"$VIGIL" scans -q -c "$S" -r "$CAP" --misp "$T/scans.misp" >/dev/null || bad "scans --misp failed"
node "$HERE/misp-validate.js" "$MS/schema-2.4.json" "$T/alerts.misp" "$T/scans.misp" &&
  node "$HERE/misp-validate.js" "$MS/schema-2.5.json" "$T/alerts.misp" "$T/scans.misp" &&
  ok "MISP: both events validate against MISP's format schemas 2.4 (required members) and 2.5 (no unknown member)" ||
  bad "MISP: an event does not validate"
python3 - "$T/alerts.misp" "$T/broken.misp" "$T/broken2.misp" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
e['Event']['Attribute'][0]['colour'] = 'red'
json.dump(e, open(sys.argv[2], 'w'))
e = json.load(open(sys.argv[1]))
del e['Event']['info']
json.dump(e, open(sys.argv[3], 'w'))
PY
! node "$HERE/misp-validate.js" "$MS/schema-2.5.json" "$T/broken.misp" >/dev/null &&
  ! node "$HERE/misp-validate.js" "$MS/schema-2.4.json" "$T/broken2.misp" >/dev/null &&
  ok "MISP: an attribute with an unknown member (2.5), an event without info (2.4) do not validate" ||
  bad "MISP: the schemas take broken events"
python3 - "$T/alerts.misp" "$T/scans.misp" "$T/alerts.json" <<'PY' && ok "MISP: one attribute per type and value, a sighting per scan event (193) and alert (200), ecsirt and tlp tags, unique UUIDs" || bad "MISP: attributes, sightings or tags"
import json, sys, uuid
alerts = [json.loads(l) for l in open(sys.argv[3]) if l.strip() and not l.startswith('{"freshness"')]
TAGS = {'ecsirt:information-gathering="scanner"', 'ecsirt:malicious-code="worm"', 'ecsirt:availability="dos"'}
for f, want in ((sys.argv[1], len(alerts)), (sys.argv[2], 193)):
    e = json.load(open(f))['Event']
    at = e['Attribute']
    keys = [(a['type'], a['value']) for a in at]
    assert len(keys) == len(set(keys)), 'an attribute twice'
    assert e['attribute_count'] == str(len(at))
    uu = [e['uuid']] + [a['uuid'] for a in at] + [s['uuid'] for a in at for s in a['Sighting']]
    assert len(uu) == len(set(uu)) and all(uuid.UUID(u).version == 5 for u in uu)
    names = {t['name'] for t in e['Tag']}
    assert 'tlp:amber' in names and names - {'tlp:amber'} <= TAGS and names & TAGS, names
    assert all({t['name'] for t in a['Tag']} <= TAGS and a['category'] == 'Network activity' for a in at)
    srcs = [a for a in at if a['type'] == 'ip-src']
    events = {s['source'] for a in at for s in a['Sighting']}
    n = sum(len(a['Sighting']) for a in srcs)
    if f == sys.argv[2]:
        assert n == want, (n, want)
    else:
        with_src = sum(1 for a in alerts if a.get('source'))
        assert n == with_src, (n, with_src)
        assert len(events) == want, (len(events), want)
    for a in at:
        assert a['first_seen'] <= a['last_seen']
PY
"$VIGIL" scans -q -c "$S" -r "$CAP" --misp "$T/scans2.misp" >/dev/null
"$VIGIL" alerts -q -c "$S" -r "$CAP" --anonymize "$K" --misp "$T/anon.misp" >/dev/null
found=$(grep -oE '[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+' "$T/anon.misp" | sort -u | comm -12 - "$T/addrs" | wc -l)
cmp -s "$T/scans.misp" "$T/scans2.misp" && [ "$found" = 0 ] &&
  ok "MISP: reruns give the same event; with --anonymize none of the input's addresses" || bad "MISP: reruns differ or $found addresses"
unset SOURCE_DATE_EPOCH

# ---- refused
"$VIGIL" export -q -c "$S" --store "$db" --share "$T/x.json" 2>"$T/err"; rc=$?
[ $rc = 2 ] && grep -q "anonymize" "$T/err" && [ ! -e "$T/x.json" ] && ok "export without --anonymize is refused (exit 2)" ||
  bad "no --anonymize: exit $rc, $(cat "$T/err")"
"$VIGIL" export -q -c "$S" --store "$db" --anonymize "$K" --anon-monitored keep --share "$T/x.json" 2>"$T/err"; rc=$?
[ $rc = 2 ] && grep -q "anon-monitored" "$T/err" && ok "export with --anon-monitored keep is refused" ||
  bad "keep: exit $rc, $(cat "$T/err")"
"$VIGIL" export -q -c "$S" --anonymize "$K" --share "$T/x.json" 2>"$T/err"; rc=$?
[ $rc = 2 ] && grep -q "no store" "$T/err" && ok "export without a store is refused" || bad "no store: exit $rc, $(cat "$T/err")"
"$VIGIL" export -q -c "$S" --store "$db" --anonymize "$K" --share /nonexistent/dir/s.json 2>"$T/err"; rc=$?
[ $rc != 0 ] && grep -q "/nonexistent/dir/s.json.tmp" "$T/err" && ok "an unwritable share path: a message and exit $rc" ||
  bad "unwritable: exit $rc, $(cat "$T/err")"

echo "share: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
