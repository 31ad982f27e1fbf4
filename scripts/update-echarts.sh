#!/bin/sh
# update-echarts.sh - vendors the pinned Apache ECharts bundle into the repo:
#   lib/report/vendor/echarts.min.js, LICENSE-echarts, NOTICE-echarts
# The HTML report (vigil report --html) inlines the bundle; nothing is fetched
# at build or run time. usage: scripts/update-echarts.sh   (needs npm)
set -eu
VERSION=6.1.0
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "echarts@$VERSION" >/dev/null 2>&1 && tar xzf "echarts-$VERSION.tgz")
out=lib/report/vendor
mkdir -p "$out"
cp "$tmp/package/dist/echarts.min.js" "$out/echarts.min.js"
cp "$tmp/package/LICENSE" "$out/LICENSE-echarts"
[ -f "$tmp/package/NOTICE" ] && cp "$tmp/package/NOTICE" "$out/NOTICE-echarts"
echo "echarts $VERSION" >"$out/VERSION"
sha256sum "$out/echarts.min.js" | tee -a "$out/VERSION"
