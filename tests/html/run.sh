#!/bin/sh
# run.sh - the HTML report in a real browser: Debian's headless Chromium, driven
# by playwright-core (pinned in package-lock.json; no browser download), checks
# the page of the sample week (check.js) for two site files and a binned matrix.
# Screenshots are left in OUT_DIR as test artefacts.
# usage: tests/html/run.sh VIGIL DATA_DIR OUT_DIR
set -eu
VIGIL=$1 D=$2 OUT=$3
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT"
command -v node >/dev/null || { echo "html: no node; run scripts/deps.sh test as root"; exit 1; }
[ -x /usr/bin/chromium ] || [ -n "${CHROMIUM:-}" ] || {
  echo "html: no /usr/bin/chromium; run scripts/deps.sh test as root"; exit 1; }
# playwright-core from npm, installed once by the lock file (tests/html/node_modules)
if [ ! -f "$HERE/node_modules/playwright-core/package.json" ] ||
   [ "$HERE/package-lock.json" -nt "$HERE/node_modules/.package-lock.json" ]; then
  (cd "$HERE" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) || {
    echo "html: npm ci failed: this test needs the npm registry once, to install playwright-core"
    echo "html: behind a proxy: npm config set proxy http://HOST:PORT (and https-proxy), or"
    echo "html: HTTPS_PROXY=http://HOST:PORT make test; a private registry: npm config set registry URL"
    exit 1; }
fi
fail=0
run() { # name site [options...]
  name=$1 site=$2
  shift 2
  echo "== $name"
  "$VIGIL" report -q -c "$D/real-week/$site" -r "$D/real-week/capture.argus" -o json \
    -w "$OUT/$name.json" --html "$OUT/$name.html" "$@" || { echo "vigil report failed"; fail=1; return; }
  echo "   page: $(wc -c <"$OUT/$name.html") bytes"
  node "$HERE/check.js" "$OUT/$name.html" "$OUT/$name.json" "$OUT/$name.png" || fail=1
}
run sample-week site.conf
run site-alt site-alt.conf
run binned site.conf --html-max-cells 500
# nothing unsolicited at all (a filter no record passes)
run empty site.conf host 203.0.113.1
# hostile text in the data (a known-scanner name) must stay text
printf '194.26.61.0/24\t</script><script>alert(1)</script><img src=x onerror=alert(2)>\thostile\n' >"$OUT/hostile.tsv"
run hostile site.conf --known-scanners "$OUT/hostile.tsv"
# several teams side by side (vigil report --shared --html): the week's hosts
# split into two sites, each ingested and exported with one key
echo "== shared"
printf '%s' 'a5f3c2d1e0b9a8f7a6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3' >"$OUT/shared.key"
chmod 600 "$OUT/shared.key"
for x in A:192.0.2.1-192.0.2.5 B:192.0.2.6-192.0.2.10; do
  t=${x%%:*} nets=${x#*:}
  rm -f "$OUT/$t.db"
  "$VIGIL" ingest -q --monitored "$nets" --store "$OUT/$t.db" -r "$D/real-week/capture.argus" &&
    "$VIGIL" export -q --monitored "$nets" --store "$OUT/$t.db" --anonymize "$OUT/shared.key" \
      --team "CERT-$t" --share "$OUT/share-$t.json" || { echo "export failed"; fail=1; }
done
"$VIGIL" report --shared "$OUT/share-A.json" "$OUT/share-B.json" -o json -w "$OUT/shared.json" \
  --html "$OUT/shared.html" || { echo "vigil report --shared failed"; fail=1; }
echo "   page: $(wc -c <"$OUT/shared.html") bytes"
node "$HERE/check-shared.js" "$OUT/shared.html" "$OUT/shared.json" "$OUT/shared.png" || fail=1
exit $fail
