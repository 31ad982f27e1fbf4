#!/bin/sh
# figures.sh - vigil report --figures DIR on the sample week: every chart of
# the HTML page as an SVG (and PNG with rsvg-convert), checked against the
# JSON report and the matrix of the same run (figures-check.py: the files, and
# in each the figure's data points); the same files from a store; SVG only
# (and said) without rsvg-convert; a clear usage error without node. Needs
# Debian's node, no npm package. Ends with "N passed, N failed".
# usage: tests/html/figures.sh VIGIL DATA_DIR OUT_DIR
set -u
VIGIL=$1 D=$2/real-week OUT=$3
HERE=$(cd "$(dirname "$0")" && pwd)
command -v node >/dev/null || { echo "figures: no node; run scripts/deps.sh test as root"; exit 1; }
rm -rf "$OUT" && mkdir -p "$OUT" || exit 1
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
png=
command -v rsvg-convert >/dev/null && png=--png
[ -n "$png" ] || echo "figures: no rsvg-convert (librsvg2-bin): checking SVG only"

# 1. the figures, the JSON and the matrix of one run
if "$VIGIL" report -q -c "$D/site.conf" -r "$D/capture.argus" -o json -w "$OUT/week.json" \
     --csv-dir "$OUT/csv" --figures "$OUT/week" 2>"$OUT/week.err"; then
  ok "report --figures"
else
  bad "report --figures: exit $?"; cat "$OUT/week.err"
fi
if python3 "$HERE/figures-check.py" "$OUT/week.json" "$OUT/csv/matrix.csv" "$OUT/week" $png >"$OUT/check.out"; then
  ok "$(head -1 "$OUT/check.out")"
else
  bad "the figures hold the report's data:"; cat "$OUT/check.out"
fi
[ ! -e "$OUT/week/.vigil-figures."*.html ] && ok "no scratch page left" || bad "a scratch page is left in $OUT/week"

# the other site (other hot ports, buckets, zone), the sweeps left out; nothing unsolicited
for case in "alt:site-alt.conf --without sweeps" "empty:site.conf host 203.0.113.1"; do
  name=${case%%:*} rest=${case#*:}
  site=${rest%% *} more=${rest#* }
  # shellcheck disable=SC2086
  if "$VIGIL" report -q -c "$D/$site" -r "$D/capture.argus" -o json -w "$OUT/$name.json" \
       --csv-dir "$OUT/$name-csv" --figures "$OUT/$name" $more 2>"$OUT/$name.err" &&
     python3 "$HERE/figures-check.py" "$OUT/$name.json" "$OUT/$name-csv/matrix.csv" "$OUT/$name" $png >"$OUT/$name.out"; then
    ok "$name: $(head -1 "$OUT/$name.out")"
  else
    bad "$name:"; cat "$OUT/$name.err" "$OUT/$name.out" 2>/dev/null
  fi
done

# 2. the checker fails on a figure that lost a bar or has one of another height
mkdir -p "$OUT/broken"
cp "$OUT/week/"*.svg "$OUT/broken/"
python3 - "$OUT/broken/traffic-per-day.svg" "$OUT/broken/days-active-1.svg" <<'EOF'
import re, sys
a, b = sys.argv[1], sys.argv[2]
s = open(a).read()
s = re.sub(r'<path [^>]*ecmeta_series_index="0" ecmeta_data_index="2"[^>]*></path>\n', '', s, count=1)
open(a, 'w').write(s)
s = open(b).read()
s = re.sub(r'(<path d="M[-\d.]+ [-\d.]+l)([\d.]+)( 0l0 [-\d.]+l)', lambda m: m.group(1) + str(float(m.group(2)) + 40) + m.group(3), s, count=1)
open(b, 'w').write(s)
EOF
python3 "$HERE/figures-check.py" "$OUT/week.json" "$OUT/csv/matrix.csv" "$OUT/broken" >"$OUT/broken.out"
if grep -q 'FAIL traffic-per-day.svg: bars of series 0' "$OUT/broken.out" &&
   grep -q 'FAIL days-active-1.svg: connections of' "$OUT/broken.out"; then
  ok "the check finds a missing bar and a wrong one"
else
  bad "the check does not see the broken figures:"; cat "$OUT/broken.out"
fi

# 3. from a store: the same files
rm -f "$OUT/week.db"
if "$VIGIL" ingest -q -c "$D/site.conf" --store "$OUT/week.db" -r "$D/capture.argus" &&
   "$VIGIL" report -q -c "$D/site.conf" --store "$OUT/week.db" -o json -w /dev/null \
     --figures "$OUT/store" 2>"$OUT/store.err"; then
  if diff -r "$OUT/week" "$OUT/store" >"$OUT/store.diff"; then
    ok "report --store --figures: the same files"
  else
    bad "report --store --figures differs:"; head -20 "$OUT/store.diff"
  fi
else
  bad "report --store --figures failed"; cat "$OUT/store.err"
fi

# 4. without rsvg-convert: SVG only, said on stderr
mkdir -p "$OUT/bin"
ln -sf "$(command -v node)" "$OUT/bin/node"
PATH=$OUT/bin "$VIGIL" report -q -c "$D/site.conf" -r "$D/capture.argus" -o json -w /dev/null \
  --figures "$OUT/svgonly" 2>"$OUT/svgonly.err"
rc=$?
n_svg=$(ls "$OUT/svgonly" | grep -c '\.svg$')
n_png=$(ls "$OUT/svgonly" | grep -c '\.png$')
if [ $rc = 0 ] && [ "$n_svg" = "$(ls "$OUT/week" | grep -c '\.svg$')" ] && [ "$n_png" = 0 ] &&
   grep -q 'no rsvg-convert (Debian package librsvg2-bin): wrote SVG only' "$OUT/svgonly.err"; then
  ok "without rsvg-convert: $n_svg SVG files, no PNG, said on stderr"
else
  bad "without rsvg-convert: exit $rc, $n_svg SVG, $n_png PNG"; cat "$OUT/svgonly.err"
fi

# 5. without node: a usage error naming it, before any input is read
PATH=/nonexistent "$VIGIL" report -q -c "$D/site.conf" -r "$D/capture.argus" --figures "$OUT/nonode" \
  >"$OUT/nonode.out" 2>"$OUT/nonode.err"
rc=$?
if [ $rc = 2 ] && grep -q 'needs node (the Debian package nodejs)' "$OUT/nonode.err" &&
   [ ! -s "$OUT/nonode.out" ] && [ ! -e "$OUT/nonode" ]; then
  ok "without node: exit 2, says so"
else
  bad "without node: exit $rc"; cat "$OUT/nonode.err"
fi

# 6. --shared has no figures
if "$VIGIL" report --shared "$OUT/week.json" --figures "$OUT/shared" 2>"$OUT/shared.err"; then
  bad "report --shared --figures was accepted"
else
  grep -q -- '--figures' "$OUT/shared.err" && ok "report --shared --figures: refused" ||
    { bad "report --shared --figures: unclear error"; cat "$OUT/shared.err"; }
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
