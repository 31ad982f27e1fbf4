#!/usr/bin/env bash
# store.sh - the store against the one-shot report, on the benchmark month of run.sh.
#
#   1. the month (big.argus, made by bench/run.sh) cut into 30 daily Argus files by ra -t,
#      and the 60-day file (big2.argus) into 60
#   2. vigil ingest of the daily files, one per run as cron would (total time, peak RSS of
#      the largest run), against vigil report -r on the whole month; the same for 60 days
#   3. vigil report --store over the month against vigil report -r
#   4. exactness: the month ingested as 30 daily pieces of the one file (-t, so that no
#      record is in two pieces) gives the report's JSON of vigil report -r, byte for byte
#   5. the seed's scale: bench/gen-pcap.py --days 270 (about 3,000 unsolicited connections a
#      day; the seed's study had 2,600) through argus, ingested day by day; the report and
#      the alerts from the store, timed
#
# usage: bench/store.sh [BIGDIR]     env: REPS VIGIL GEN (default bench/gen-pcap.py) SEASON_FLOWS
set -euo pipefail
export TZ=UTC LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
BIG=${1:-/tmp/vigil-bench}
REPS=${REPS:-3}
GEN=${GEN:-$HERE/gen-pcap.py}
VIGIL=${VIGIL:-$TOP/build/release/vigil}
SEASON_FLOWS=${SEASON_FLOWS:-760000}
T=/usr/bin/time
cd "$BIG"
[ -s big.argus ] && [ -s big2.argus ] || { echo "bench: run bench/run.sh first (it makes big.argus)" >&2; exit 1; }
[ -s site.conf ] || printf 'monitored = 192.0.2.1-192.0.2.10\nservice = 192.0.2.1-192.0.2.3:80,443/tcp\n' >site.conf

tv() { # one timed run: prints "wall maxrss_kib"
  "$T" -v -o tv.out "$@" >/dev/null 2>tv.err || { echo "bench: FAILED: $*" >&2; cat tv.err >&2; exit 1; }
  awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); w=(n==3)?a[1]*3600+a[2]*60+a[3]:a[1]*60+a[2]}
              /Maximum resident/ {m=$2} END {printf "%.3f %d\n", w, m}' tv.out
}
med() {
  local i
  for ((i = 0; i < REPS; i++)); do tv "$@"; done | sort -n | awk -v n="$REPS" 'NR==int((n+1)/2)'
}
# the UTC days of a file: "first last" as day numbers
span() {
  "$VIGIL" stats -o json -r "$1" | python3 -c '
import json, sys
s = json.load(sys.stdin)
def day(t):
    import datetime
    return int(datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() // 86400)
print(day(s["first"]), day(s["last"]))'
}
ymd() { date -u -d "@$(($1 * 86400))" +%Y/%m/%d; }
# the report's JSON from a store ends with its freshness (the data's age against now)
nofresh() { sed 's/,"freshness":{[^}]*}}$/}/'; }

# 1. daily files
split_days() { # file dir
  local f=$1 dir=$2 d0 d1 d
  [ -s "$dir/done" ] && return
  mkdir -p "$dir"
  read -r d0 d1 < <(span "$f")
  for ((d = d0; d <= d1; d++)); do
    ra -r "$f" -t "$(ymd $d)" -w "$dir/$(ymd $d | tr / -).argus" 2>/dev/null || true
  done
  touch "$dir/done"
}
split_days big.argus days30
# the 60 days: the 30 daily files, then each again 30 days later (shift-argus.py). Not ra -t
# on big2.argus: ra selects the shifted records by a time it does not shift, and writes
# them back at their old times, so every day of that split held its records twice.
if [ ! -s days60/done ]; then
  rm -rf days60 && mkdir -p days60
  for f in days30/*.argus; do
    b=$(basename "$f" .argus)
    cp "$f" "days60/$b.argus"
    python3 "$HERE/shift-argus.py" "$f" "days60/$(date -u -d "$b + 30 days" +%Y-%m-%d).argus" $((30 * 86400))
  done
  touch days60/done
fi
n30=$(ls days30/*.argus | wc -l)
n60=$(ls days60/*.argus | wc -l)
echo "bench: $n30 and $n60 daily files (ra -t keeps a record that spans midnight in both days)" >&2

# 2. ingest, one run per file, against the one-shot report
ingest_all() { # dir db: total wall, largest peak RSS
  local dir=$1 db=$2 f r w=0 m=0
  rm -f "$db"
  for f in "$dir"/*.argus; do
    r=$(tv "$VIGIL" ingest -q -c site.conf --store "$db" -r "$f")
    w=$(awk -v a="$w" -v b="${r% *}" 'BEGIN { printf "%.3f", a + b }')
    [ "${r#* }" -gt "$m" ] && m=${r#* }
  done
  echo "$w $m"
}
r_rep=$(med "$VIGIL" report -q -c site.conf -r big.argus -o json)
r_rep2=$(med "$VIGIL" report -q -c site.conf -r big2.argus -o json)
r_ing=$(ingest_all days30 month.db)
r_ing2=$(ingest_all days60 month60.db)
# the month's daily files in one run (-R): what a backlog or a first import costs
rm -f monthR.db
r_ingR=$(tv "$VIGIL" ingest -q -c site.conf --store monthR.db -R days30)
# 3. the report from the store
r_st=$(med "$VIGIL" report -q -c site.conf --store month.db -o json)
r_st2=$(med "$VIGIL" report -q -c site.conf --store month60.db -o json)

# 4. exactness on the month: 30 pieces of the one file
rm -f exact.db
read -r d0 d1 < <(span big.argus)
for ((d = d0; d <= d1; d++)); do
  "$VIGIL" ingest -q -c site.conf --store exact.db -r big.argus -t "$(ymd $d)"
done
"$VIGIL" report -q -c site.conf -r big.argus -o json >raw.json
"$VIGIL" report -q -c site.conf --store exact.db -o json 2>/dev/null | nofresh >store.json
if cmp -s raw.json store.json; then exact="byte-identical"; else exact="DIFFERENT"; fi

# 5. the season
if [ ! -s season.argus ]; then
  [ -f "$GEN" ] || { echo "bench: gen-pcap.py not found at $GEN; set GEN=" >&2; exit 1; }
  python3 "$GEN" --flows "$SEASON_FLOWS" --days 270 --seed 7 --truth season.json season.pcap >/dev/null 2>&1
  argus -F argus.conf -r season.pcap -w season.argus
fi
rm -f season.db
read -r s0 s1 < <(span season.argus)
t0=$(date +%s.%N)
for ((d = s0; d <= s1; d++)); do
  "$VIGIL" ingest -q -c site.conf --store season.db -r season.argus -t "$(ymd $d)"
done
t1=$(date +%s.%N)
"$VIGIL" report -q -c site.conf -r season.argus -o json >raw.json
"$VIGIL" report -q -c site.conf --store season.db -o json 2>/dev/null | nofresh >store.json
if cmp -s raw.json store.json; then sexact="byte-identical"; else sexact="DIFFERENT"; fi
"$VIGIL" alerts -q -c site.conf -r season.argus -o json >raw.alerts
"$VIGIL" alerts -q -c site.conf --store season.db -o json 2>/dev/null | grep -v "^{\"freshness\":" >store.alerts
if cmp -s raw.alerts store.alerts; then saexact="byte-identical"; else saexact="DIFFERENT"; fi
r_sea=$(med "$VIGIL" report -q -c site.conf --store season.db -o json)
r_sea_al=$(med "$VIGIL" alerts -q -c site.conf --store season.db -o json)
r_sea_raw=$(med "$VIGIL" report -q -c site.conf -r season.argus -o json)
sea_days=$((s1 - s0 + 1))
sea_unsol=$(python3 -c 'import json; print(json.load(open("store.json"))["flows"]["unsolicited"])')

month_recs=$("$VIGIL" stats -q -o json -r big.argus |
  python3 -c 'import json,sys; print("%.1f" % (json.load(sys.stdin)["records"] / 1e6))')
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
out=$HERE/RESULTS-store.md
{
  echo "# The store against the one-shot report ($(date -u +%Y-%m-%d), bench/store.sh)"
  echo
  echo "The benchmark month of bench/run.sh (big.argus: $month_recs M records, 30 days), cut into daily"
  echo "files by ra -t; site.conf of bench/run.sh. Wall times in seconds, peak RSS in MiB;"
  echo "ingest: the sum over one run per daily file, and the largest peak of those runs."
  echo
  echo "| task | wall | peak RSS | vs report -r |"
  echo "|---|---:|---:|---|"
  echo "| vigil report -r, the month | ${r_rep% *} | $(mib "${r_rep#* }") | 1 |"
  echo "| vigil ingest, 30 daily files | ${r_ing% *} | $(mib "${r_ing#* }") | time $(ratio "${r_ing% *}" "${r_rep% *}")x, memory $(ratio "${r_ing#* }" "${r_rep#* }")x |"
  echo "| vigil ingest -R, the 30 daily files in one run | ${r_ingR% *} | $(mib "${r_ingR#* }") | time $(ratio "${r_ingR% *}" "${r_rep% *}")x, memory $(ratio "${r_ingR#* }" "${r_rep#* }")x |"
  echo "| vigil report --store, the month | ${r_st% *} | $(mib "${r_st#* }") | $(ratio "${r_rep% *}" "${r_st% *}")x faster |"
  echo "| vigil report -r, 60 days | ${r_rep2% *} | $(mib "${r_rep2#* }") | 1 |"
  echo "| vigil ingest, 60 daily files | ${r_ing2% *} | $(mib "${r_ing2#* }") | time $(ratio "${r_ing2% *}" "${r_rep2% *}")x, memory $(ratio "${r_ing2#* }" "${r_rep2#* }")x |"
  echo "| vigil report --store, 60 days | ${r_st2% *} | $(mib "${r_st2#* }") | $(ratio "${r_rep2% *}" "${r_st2% *}")x faster |"
  echo
  echo "Exactness: the month ingested as 30 daily pieces (-t on the one file): the report's"
  echo "JSON from the store and from report -r is $exact."
  echo
  echo "The season: bench/gen-pcap.py --flows $SEASON_FLOWS --days 270 --seed 7 through argus,"
  echo "$sea_days days, $sea_unsol unsolicited connections, ingested day by day (-t):"
  echo
  echo "| task | wall | peak RSS |"
  echo "|---|---:|---:|"
  echo "| vigil ingest, $sea_days runs | $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') | - |"
  echo "| vigil report --store, the season | ${r_sea% *} | $(mib "${r_sea#* }") |"
  echo "| vigil alerts --store, the season | ${r_sea_al% *} | $(mib "${r_sea_al#* }") |"
  echo "| vigil report -r season.argus | ${r_sea_raw% *} | $(mib "${r_sea_raw#* }") |"
  echo
  echo "The season's report (JSON) from the store and from the raw file: $sexact; its alerts"
  echo "(NDJSON): $saexact."
} >"$out"
cat "$out"
