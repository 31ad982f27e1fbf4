#!/bin/sh
# run.sh - `vigil report -o json` on the sample week, for each site file, checked
# figure by figure against expect.py's independent computation from racluster's output;
# the HTML page of the same run too (its data, its connection matrix).
# usage: tests/study/run.sh VIGIL DATA_DIR PORTS_DIR
set -eu
VIGIL=$1 D=$2 PORTS=$3
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
for site in site.conf site-alt.conf site-zone.conf; do
  echo "== $site"
  "$VIGIL" report -q -o json --html "$T/r.html" -c "$D/real-week/$site" -r "$D/real-week/capture.argus" >"$T/r.json" || {
    echo "vigil report failed on $site"; fail=1; continue; }
  python3 "$HERE/expect.py" "$D/real-week/capture.racluster.csv.gz" "$D/real-week/capture.ra.csv.gz" \
    "$D/real-week/$site" "$T/r.json" "$PORTS" "$T/r.html" || fail=1
done
# the figures without sweeps, and without any scan; sweeps of up to 3 ports
for w in sweeps all; do
  echo "== site.conf, --without $w"
  "$VIGIL" report -q -o json --without $w -c "$D/real-week/site.conf" -r "$D/real-week/capture.argus" \
    >"$T/r.json" || { echo "vigil report failed"; exit 1; }
  python3 "$HERE/expect.py" "$D/real-week/capture.racluster.csv.gz" "$D/real-week/capture.ra.csv.gz" \
    "$D/real-week/site.conf" "$T/r.json" "$PORTS" || fail=1
done
echo "== site.conf + scan-sweep-ports = 3"
{ cat "$D/real-week/site.conf"; echo "scan-sweep-ports = 3"; } >"$T/sweep3.conf"
"$VIGIL" report -q -o json -c "$T/sweep3.conf" -r "$D/real-week/capture.argus" >"$T/r.json" ||
  { echo "vigil report failed"; exit 1; }
python3 "$HERE/expect.py" "$D/real-week/capture.racluster.csv.gz" "$D/real-week/capture.ra.csv.gz" \
  "$T/sweep3.conf" "$T/r.json" "$PORTS" || fail=1
# a matrix larger than --html-max-cells comes in bins
echo "== site.conf, --html-max-cells 1000"
"$VIGIL" report -q -o json --html "$T/r.html" --html-max-cells 1000 -c "$D/real-week/site.conf" \
  -r "$D/real-week/capture.argus" >"$T/r.json" || { echo "vigil report failed"; exit 1; }
python3 "$HERE/expect.py" "$D/real-week/capture.racluster.csv.gz" "$D/real-week/capture.ra.csv.gz" \
  "$D/real-week/site.conf" "$T/r.json" "$PORTS" "$T/r.html" 1000 || fail=1
exit $fail
