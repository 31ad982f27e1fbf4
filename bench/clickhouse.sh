#!/usr/bin/env bash
# clickhouse.sh - the ClickHouse store against the SQLite store, on the benchmark month.
#
#   1. the month's 30 daily Argus files (days30/, made by bench/store.sh) ingested one per
#      run, as cron would, into SQLite, a one-node ClickHouse and a two-shard cluster
#      (Distributed tables): wall time, flow records/s and rollup rows/s of each
#   2. vigil report --store and vigil alerts --store over the month from each: wall time,
#      vigil's peak RSS and the servers' RSS; the JSON and the alerts compared byte for
#      byte with SQLite's
#   3. the scale case: a year of /16-darknet rollups (SCALE_CONNS connections, default
#      100 M; generated inside ClickHouse by INSERT ... SELECT, one committed write, as
#      rollup-sized data - raw generation through a pcap is too slow here) on the two
#      shards; vigil report --store from the cluster, its time and memory and the servers'
#
# The servers are tests/clickhouse/server.sh's, on 127.0.0.1, in BIG/ch, stopped at the end.
# usage: bench/clickhouse.sh [BIGDIR]     env: VIGIL SCALE_CONNS SCALE (0: skip part 3)
#        MONTH (0: skip parts 1 and 2, keep their earlier table)
set -euo pipefail
export TZ=UTC LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
BIG=${1:-/tmp/vigil-bench}
VIGIL=${VIGIL:-$TOP/build/release/vigil}
SCALE=${SCALE:-1}
SCALE_CONNS=${SCALE_CONNS:-100000000}
MONTH=${MONTH:-1}
SRV=$TOP/tests/clickhouse/server.sh
T=/usr/bin/time
cd "$BIG"
[ -e days30/done ] || { echo "bench: run bench/store.sh first (it makes days30/)" >&2; exit 1; }
[ -s site.conf ] || printf 'monitored = 192.0.2.1-192.0.2.10\nservice = 192.0.2.1-192.0.2.3:80,443/tcp\n' >site.conf
rm -rf ch && mkdir ch
# ports: one node 18301/18302, shards 18303/18304 and 18305/18306
cleanup() { for n in one s1 s2; do "$SRV" stop "$BIG/ch/$n" || true; done; }
trap cleanup EXIT
"$SRV" start "$BIG/ch/one" 18301 18302
"$SRV" start "$BIG/ch/s1" 18303 18304 vigil2 18304 18306
"$SRV" start "$BIG/ch/s2" 18305 18306 vigil2 18304 18306
ONE=clickhouse://127.0.0.1:18301/month
CL=clickhouse://127.0.0.1:18303/month
q() { curl -sf --data-binary "$2" "http://127.0.0.1:$1/"; }
rss() { ps -o rss= -p "$(cat "$BIG/ch/$1/pid")" | awk '{printf "%d", $1 / 1024}'; }
tv() { # prints "wall maxrss_kib"
  "$T" -v -o tv.out "$@" >tv.stdout 2>tv.err || { echo "bench: FAILED: $*" >&2; tail -3 tv.err >&2; exit 1; }
  awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); w=(n==3)?a[1]*3600+a[2]*60+a[3]:a[1]*60+a[2]}
              /Maximum resident/ {m=$2} END {printf "%.3f %d\n", w, m}' tv.out
}
nofresh() { sed 's/,"freshness":{[^}]*}}$/}/'; }

if [ "$MONTH" != 0 ]; then
# 1. ingest, one daily file per run
rm -f month.db
"$VIGIL" store init -c site.conf --store "$CL" --cluster vigil2 --shard 127.0.0.1:18303 --shard 127.0.0.1:18305 >/dev/null
declare -A wall
records=$("$VIGIL" stats -q -o json -r days30/*.argus | python3 -c 'import json,sys; print(format(json.load(sys.stdin)["flow_records"], ","))')
for st in month.db "$ONE" "$CL"; do
  t0=$(date +%s.%N)
  for f in days30/*.argus; do "$VIGIL" ingest -q -c site.conf --store "$st" -r "$f"; done
  wall[$st]=$(echo "$(date +%s.%N) - $t0" | bc)
done
rows=$(sqlite3 month.db "SELECT (SELECT count(*) FROM day) + (SELECT count(*) FROM src_day) + (SELECT count(*) FROM src_port) + (SELECT count(*) FROM host_src) + (SELECT count(*) FROM port_host) + (SELECT count(*) FROM port_hour) + (SELECT count(*) FROM backscatter)")
chrows=$(q 18301 "SELECT sum(rows) FROM system.parts WHERE database = 'month' AND active AND table NOT IN ('meta', 'sensors', 'commits', 'inputs', 'tail', 'scan_events', 'alerts', 'conns')")

# 2. report and alerts from each
declare -A rep al
for st in month.db "$ONE" "$CL"; do
  rep[$st]=$(tv "$VIGIL" report -q -c site.conf --store "$st" -o json)
  nofresh <tv.stdout >"rep.$(echo "$st" | tr -c 'a-z0-9\n' _).json"
  al[$st]=$(tv "$VIGIL" alerts -q -c site.conf --store "$st" -o json)
  grep -v '^{"freshness"' tv.stdout >"al.$(echo "$st" | tr -c 'a-z0-9\n' _).json"
done
same() { cmp -s "rep.month_db.json" "rep.$(echo "$1" | tr -c 'a-z0-9\n' _).json" &&
         cmp -s "al.month_db.json" "al.$(echo "$1" | tr -c 'a-z0-9\n' _).json" && echo "byte-identical" || echo "DIFFERENT"; }
srv_one=$(rss one); srv_s1=$(rss s1); srv_s2=$(rss s2)

{
echo "# The ClickHouse store against SQLite ($(date -u +%F), bench/clickhouse.sh)"
echo
echo "The benchmark month ($records flow records in 30 daily Argus files), 2 cores, ClickHouse"
echo "18.16 (Debian 12) on 127.0.0.1, every daily file one \`vigil ingest\` run."
echo
echo "| store | ingest, 30 runs (s) | records/s | rollup rows/s | report (s) | report RSS (MiB) | alerts (s) | report and alerts vs SQLite |"
echo "|---|---:|---:|---:|---:|---:|---:|---|"
for st in month.db "$ONE" "$CL"; do
  case $st in month.db) name="SQLite file";; "$ONE") name="ClickHouse, one node";; *) name="ClickHouse, 2 shards";; esac
  read -r rw rm <<<"${rep[$st]}"
  read -r aw _ <<<"${al[$st]}"
  awk -v n="$name" -v w="${wall[$st]}" -v rec="${records//,/}" -v rows="$rows" -v rw="$rw" -v rm="$rm" -v aw="$aw" -v s="$(same "$st")" \
    'BEGIN {printf "| %s | %.1f | %.0f | %.0f | %.2f | %d | %.2f | %s |\n", n, w, rec / w, rows / w, rw, rm / 1024, aw, s}'
done
echo
echo "Rollup rows: $rows in SQLite (one per key), $chrows in ClickHouse (one per key and write; the"
echo "reads add them up with GROUP BY). Server RSS after the reads: one node $srv_one MiB, shards"
echo "$srv_s1 + $srv_s2 MiB."
} >RESULTS-clickhouse.part1
cat RESULTS-clickhouse.part1
fi

[ "$SCALE" = 0 ] && { cp RESULTS-clickhouse.part1 "$TOP/bench/RESULTS-clickhouse.md"; exit 0; }

# 3. the scale case: a year of a /16 darknet, as rollups, on the two shards
SC=clickhouse://127.0.0.1:18303/year
"$VIGIL" store init -c site16.conf --store "$SC" --cluster vigil2 --shard 127.0.0.1:18303 --shard 127.0.0.1:18305 >/dev/null 2>&1 ||
{ printf 'monitored = 10.0.0.0/16\n' >site16.conf
  "$VIGIL" store init -c site16.conf --store "$SC" --cluster vigil2 --shard 127.0.0.1:18303 --shard 127.0.0.1:18305 >/dev/null; }
python3 "$HERE/ch-year.py" --conns "$SCALE_CONNS" --url "http://127.0.0.1:18303/" --db year | tee year.gen
t_rep=$(tv "$VIGIL" report -q -c site16.conf --store "$SC" --no-alerts -o json)
{
echo
echo "## A year of a /16 darknet on two shards"
echo
cat year.gen
read -r w m <<<"$t_rep"
echo
echo "\`vigil report --store\` (no alerts) from the cluster: $w s, vigil's peak RSS $((m / 1024)) MiB;"
echo "servers' RSS after it: shard 1 $(rss s1) MiB, shard 2 $(rss s2) MiB."
} >RESULTS-clickhouse.part2
cat RESULTS-clickhouse.part1 RESULTS-clickhouse.part2 >"$TOP/bench/RESULTS-clickhouse.md"
cat RESULTS-clickhouse.part2
