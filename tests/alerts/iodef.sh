#!/bin/sh
# iodef.sh - the IODEF v2 output of vigil alerts validated against vigil's schema
# subset of RFC 7970 (data/iodef), with xmllint, offline: the sample week (IPv4, scans
# and detector alerts), an IPv6 site from flow CSV, and the schema's own samples (the
# valid one must pass, each invalid one must fail).
# usage: tests/alerts/iodef.sh VIGIL DATA_DIR IODEF_DIR
set -eu
VIGIL=$1 D=$2 X=$3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
command -v xmllint >/dev/null || { echo "iodef: no xmllint; run scripts/deps.sh test as root"; exit 1; }
fail=0
check() { # file must-pass
  if xmllint --noout --nonet --schema "$X/iodef-2.0-vigil.xsd" "$1" 2>"$T/err"; then
    [ "$2" = 1 ] && echo "ok   $(basename "$1")" || { echo "FAIL $(basename "$1") validates but must not"; fail=1; }
  else
    [ "$2" = 0 ] && echo "ok   $(basename "$1") rejected: $(grep -v 'fails to validate' "$T/err" | head -1 | cut -c1-100)" ||
      { echo "FAIL $(basename "$1"):"; head -5 "$T/err"; fail=1; }
  fi
}
SOURCE_DATE_EPOCH=1710115200 "$VIGIL" alerts -q -c "$D/real-week/site.conf" -r "$D/real-week/capture.argus" \
  --csirt csirt.example.org --csirt-email team@example.org --iodef "$T/week.xml" >/dev/null
n=$(grep -c '<Incident ' "$T/week.xml")
want=$("$VIGIL" alerts -q -o json -c "$D/real-week/site.conf" -r "$D/real-week/capture.argus" | wc -l)
[ "$n" = "$want" ] && echo "ok   week.xml has $n incidents, one per alert" || { echo "FAIL $n incidents, $want alerts"; fail=1; }
check "$T/week.xml" 1
# IPv6: a site and sources in 2001:db8::/32, a new port seen from 6 sources
{
  echo "stime,proto,saddr,daddr,dport"
  for d in 0 1 2 3 4; do
    t=$((1709510400 + d * 86400 + 3600))
    echo "$t.000001,tcp,2001:db8:ffff::1,2001:db8::5,22"
  done
  for s in 1 2 3 4 5 6; do
    echo "$((1709510400 + 5 * 86400 + s * 60)).5,tcp,2001:db8:eeee::$s,2001:db8::$s,2323"
  done
} >"$T/v6.csv"
"$VIGIL" alerts -q --monitored 2001:db8::/64 -r "$T/v6.csv" --iodef "$T/v6.xml" -o json >"$T/v6.json"
grep -q '"detector":"newport"' "$T/v6.json" && echo "ok   v6: the new port is alerted" || { echo "FAIL v6: no newport alert"; cat "$T/v6.json"; fail=1; }
grep -q 'ipv6-net">2001:db8::/64<' "$T/v6.xml" && echo "ok   v6: the site as an ipv6-net" || { echo "FAIL v6 site"; fail=1; }
check "$T/v6.xml" 1
# backscatter (the stealth lab): the victim is the target, our hosts the intermediate
L=$D/stealth-lab
"$VIGIL" alerts -q -c "$L/site.conf" -r "$L/capture.argus" --iodef "$T/lab.xml" >/dev/null
nb=$(grep -c 'backscatter: a new victim' "$T/lab.xml" || true)
[ "$nb" = 3 ] && echo "ok   lab.xml: 3 backscatter victims" || { echo "FAIL lab.xml: $nb backscatter incidents, 3 wanted"; fail=1; }
grep -q '<System category="target">' "$T/lab.xml" && grep -q '<System category="intermediate">' "$T/lab.xml" &&
  echo "ok   lab.xml: victim as target, our hosts as intermediate" || { echo "FAIL lab.xml: system categories"; fail=1; }
check "$T/lab.xml" 1
check "$X/sample-valid.xml" 1
for f in "$X"/sample-invalid-*.xml; do check "$f" 0; done
exit $fail
