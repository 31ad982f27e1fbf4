#!/usr/bin/env bash
# run.sh - vigil against the peer tools on the same 2 M-flow Argus file, in the same run.
#
#   1. bench/gen-pcap.py --flows 2000000 --days 30 --seed 1 -> big.pcap (~0.9 GB, kept out of the repo)
#   2. argus -F argus.conf -r big.pcap -w big.argus
#   3. REPS runs of each command under /usr/bin/time -v; the median wall time and the peak RSS
#      are reported, with vigil/peer ratios, and written to bench/RESULTS.md
#   4. the outputs are compared too: vigil dump vs ra, vigil dump --merge vs racluster
#
# usage: bench/run.sh [BIGDIR]     env: FLOWS DAYS SEED REPS GEN (generator, default bench/gen-pcap.py)
# (bench/README.md: what is measured, the generator's traffic model)
set -euo pipefail
export TZ=UTC LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
BIG=${1:-/tmp/vigil-bench}
FLOWS=${FLOWS:-2000000} DAYS=${DAYS:-30} SEED=${SEED:-1} REPS=${REPS:-3}
GEN=${GEN:-$HERE/gen-pcap.py}
VIGIL=${VIGIL:-$TOP/build/release/vigil}
FIELDS="stime ltime proto saddr sport daddr dport spkts dpkts sbytes dbytes state"
T=/usr/bin/time

[ -x "$VIGIL" ] || { echo "bench: build vigil first (make build)" >&2; exit 1; }
for c in argus ra racluster racount python3 "$T"; do
  command -v "$c" >/dev/null || { echo "bench: $c is missing (scripts/deps.sh bench)" >&2; exit 1; }
done
mkdir -p "$BIG"
cd "$BIG"

if [ ! -s big.argus ]; then
  [ -f "$GEN" ] || { echo "bench: gen-pcap.py not found at $GEN; set GEN=" >&2; exit 1; }
  echo "bench: generating $FLOWS flows over $DAYS days (seed $SEED) ..." >&2
  python3 "$GEN" --flows "$FLOWS" --days "$DAYS" --seed "$SEED" --truth truth.json big.pcap >gen.log
  cat >argus.conf <<'CONF'
ARGUS_FLOW_TYPE="Bidirectional"
ARGUS_FLOW_KEY="CLASSIC_5_TUPLE"
ARGUS_FLOW_STATUS_INTERVAL=60
ARGUS_MAR_STATUS_INTERVAL=300
ARGUS_GENERATE_RESPONSE_TIME_DATA=no
CONF
  argus -F argus.conf -r big.pcap -w big.argus
fi
# twice as long, same density: the file, then the file again 30 days later
[ -s big2.argus ] && [ -s big2.stamp ] || {
  python3 "$HERE/shift-argus.py" big.argus big-shift.argus $((DAYS * 86400))
  cat big.argus big-shift.argus >big2.argus && rm big-shift.argus && touch big2.stamp
}
# the same traffic as nfpcapd writes it (a directory of 5-minute nfcapd files)
if [ ! -d nf ] || [ -z "$(ls nf 2>/dev/null)" ]; then
  mkdir -p nf && nfpcapd -r big.pcap -w nf >/dev/null 2>&1
fi
printf 'filter="" model="saddr daddr proto sport dport" status=0 idle=120\n' >racluster.conf
# the servers bench/gen-pcap.py puts in front of its background radiation (truth.json)
printf 'monitored = 192.0.2.1-192.0.2.10\nservice = 192.0.2.1-192.0.2.3:80,443/tcp\n' >site.conf

# one timed run: prints "wall maxrss_kib"
tv() {
  "$T" -v -o tv.out "$@" >/dev/null 2>tv.err || { echo "bench: FAILED: $*" >&2; cat tv.err >&2; exit 1; }
  awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); w=(n==3)?a[1]*3600+a[2]*60+a[3]:a[1]*60+a[2]}
              /Maximum resident/ {m=$2} END {printf "%.3f %d\n", w, m}' tv.out
}
# median of REPS runs: prints "wall maxrss_kib"
med() {
  local i
  for ((i = 0; i < REPS; i++)); do tv "$@"; done | sort -n | awk -v n="$REPS" 'NR==int((n+1)/2)'
}
sh_dump_ra() { ra -r "$1" -n -u -p 6 -c , -s $FIELDS; }
sh_merge_rc() { racluster -f racluster.conf -r "$1" -n -u -p 6 -c , -s $FIELDS; }
export -f sh_dump_ra sh_merge_rc
export FIELDS

RECS=$(racount -r big.argus | awk '$1=="sum"{print $2}')
SIZE=$(stat -c %s big.argus)
echo "bench: big.argus: $RECS records, $SIZE bytes" >&2

declare -A W M
run() { # key cmd...
  local r
  r=$(med "${@:2}")
  W[$1]=${r% *}; M[$1]=${r#* }
  printf '  %-14s %8.3f s %8d KiB\n' "$1" "${W[$1]}" "${M[$1]}" >&2
}
run racount      racount -r big.argus
run v_stats      "$VIGIL" stats -q -r big.argus
run v_statsm     "$VIGIL" stats -q --merge -r big.argus
run ra_dump      bash -c 'sh_dump_ra big.argus'
run v_dump       "$VIGIL" dump -q -r big.argus
run racluster    bash -c 'sh_merge_rc big.argus'
run v_merge      "$VIGIL" dump -q --merge -r big.argus
run rc_saddr     bash -c 'racluster -m saddr -r big.argus > /dev/null'
run v_report     "$VIGIL" report -q -c site.conf -r big.argus
run v_report_na  "$VIGIL" report -q --no-alerts -c site.conf -r big.argus
run v_alerts     "$VIGIL" alerts -q -c site.conf -r big.argus
run v_dump2      "$VIGIL" dump -q -r big2.argus
run v_stats2     "$VIGIL" stats -q --merge -r big2.argus
run v_report2    "$VIGIL" report -q -c site.conf -r big2.argus
run v_html       "$VIGIL" report -q -c site.conf -r big.argus --html big.html
run nf_rec       bash -c 'nfdump -R nf -s record/flows -n 1 > /dev/null'
run v_nfstats    "$VIGIL" stats -q -R nf
run nf_study     bash -c 'nfdump -R nf -s srcip/flows -n 20 > /dev/null && nfdump -R nf -s dstport/flows -n 20 > /dev/null'
run v_nfreport   "$VIGIL" report -q -c site.conf -R nf
run argus_pcap   argus -F argus.conf -r big.pcap -w /dev/null
run v_pcap       "$VIGIL" stats -q -r big.pcap
run v_pcapreport "$VIGIL" report -q -c site.conf -r big.pcap
PKTS=$("$VIGIL" stats -q -o json -r big.pcap | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])' 2>/dev/null || echo "?")
NF_FLOWS=$("$VIGIL" stats -q -o json -R nf | python3 -c 'import json,sys; print(json.load(sys.stdin)["flow_records"])' 2>/dev/null || echo "?")

# The HTML page: its size, and the time until headless Chromium has drawn every chart
# (tests/html/check.js --bench: also no console error and no request)
HTML_SIZE=$(wc -c <big.html)
HTML_LOAD=unmeasured
if command -v node >/dev/null && [ -x /usr/bin/chromium ]; then
  [ -f "$TOP/tests/html/node_modules/playwright-core/package.json" ] ||
    (cd "$TOP/tests/html" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  HTML_LOAD=$(node "$TOP/tests/html/check.js" --bench big.html |
    python3 -c 'import json,sys; r=json.load(sys.stdin); print("%.1f s" % (r["load_ms"] / 1000) if not r["errors"] and not r["requests"] else "FAILED (errors or requests)")')
fi

# Same answers on the same file?
sh_dump_ra big.argus | grep -v ',man,' | tail -n +2 >ra.rows
"$VIGIL" dump -q --no-header -r big.argus >v.rows
cmp -s ra.rows v.rows && DUMP_SAME="identical ($(wc -l <v.rows) rows)" || DUMP_SAME="DIFFERENT"
sh_merge_rc big.argus | tail -n +2 | sort >rc.rows
"$VIGIL" dump -q --merge --no-header -r big.argus | sort >vm.rows
cmp -s rc.rows vm.rows && MERGE_SAME="identical ($(wc -l <vm.rows) rows)" || MERGE_SAME="DIFFERENT"
sort ra.rows >ra.sorted
"$VIGIL" dump -q --no-header -r big.pcap | sort >vp.rows
cmp -s ra.sorted vp.rows && PCAP_SAME="identical ($(wc -l <vp.rows) rows, in any order)" || PCAP_SAME="DIFFERENT"
rm -f ra.rows v.rows rc.rows vm.rows ra.sorted vp.rows

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf((a / b < 2) ? "%.2f" : "%.1f", a / b); else print "-" }'; }
rate() { awk -v r="$RECS" -v w="$1" 'BEGIN{ printf "%.2f M", (w > 0) ? r / w / 1e6 : 0 }'; }

OUT=$TOP/bench/RESULTS.md
{
  echo "# Benchmark results"
  echo
  echo "Made by \`bench/run.sh\` on $(date -u +%Y-%m-%d) — $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo),"
  echo "$(uname -sr); vigil $("$VIGIL" --version | awk '{print $2}'), $(ra -h 2>&1 | head -1 | sed 's/ *$//'),"
  echo "$(argus -h 2>&1 | head -1 | sed 's/ *$//'). Median of $REPS runs (wall clock) per command, peak RSS of that"
  echo "run, all on the same file in the same run, warm page cache."
  echo
  echo "Input: \`bench/gen-pcap.py --flows $FLOWS --days $DAYS --seed $SEED\` → \`argus -F argus.conf -r\` → big.argus,"
  echo "$RECS records ($(awk -v s="$SIZE" 'BEGIN{printf "%.0f MiB", s/1048576}'))."
  echo
  echo "| task | peer command | peer s | vigil s | speed-up | peer RSS MiB | vigil RSS MiB | vigil records/s |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|"
  printf '| count records | `racount -r big.argus` | %.2f | %.2f | **%s×** | %d | %d | %s |\n' \
    "${W[racount]}" "${W[v_stats]}" "$(ratio "${W[racount]}" "${W[v_stats]}")" \
    $((M[racount] / 1024)) $((M[v_stats] / 1024)) "$(rate "${W[v_stats]}")"
  printf '| count records and connections | `racount -r big.argus` (no connections) | %.2f | %.2f | %s× | %d | %d | %s |\n' \
    "${W[racount]}" "${W[v_statsm]}" "$(ratio "${W[racount]}" "${W[v_statsm]}")" \
    $((M[racount] / 1024)) $((M[v_statsm] / 1024)) "$(rate "${W[v_statsm]}")"
  printf '| print CSV | `ra -n -u -p 6 -c , -s <12 fields>` | %.2f | %.2f | **%s×** | %d | %d | %s |\n' \
    "${W[ra_dump]}" "${W[v_dump]}" "$(ratio "${W[ra_dump]}" "${W[v_dump]}")" \
    $((M[ra_dump] / 1024)) $((M[v_dump] / 1024)) "$(rate "${W[v_dump]}")"
  printf '| merge status records | `racluster -f racluster.conf` (5-tuple, idle=120) | %.2f | %.2f | **%s×** | %d | %d | %s |\n' \
    "${W[racluster]}" "${W[v_merge]}" "$(ratio "${W[racluster]}" "${W[v_merge]}")" \
    $((M[racluster] / 1024)) $((M[v_merge] / 1024)) "$(rate "${W[v_merge]}")"
  printf '| the study (all analyses) | `racluster -m saddr` | %.2f | %.2f | **%s×** | %d | %d | %s |\n' \
    "${W[rc_saddr]}" "${W[v_report]}" "$(ratio "${W[rc_saddr]}" "${W[v_report]}")" \
    $((M[rc_saddr] / 1024)) $((M[v_report] / 1024)) "$(rate "${W[v_report]}")"
  printf '| count nfdump records (nfpcapd dir) | `nfdump -R nf -s record/flows` | %.2f | %.2f | **%s×** | %d | %d | |\n' \
    "${W[nf_rec]}" "${W[v_nfstats]}" "$(ratio "${W[nf_rec]}" "${W[v_nfstats]}")" \
    $((M[nf_rec] / 1024)) $((M[v_nfstats] / 1024))
  printf '| the study on nfdump (paired one-way flows) | `nfdump -s srcip/flows` + `-s dstport/flows` | %.2f | %.2f | **%s×** | %d | %d | |\n' \
    "${W[nf_study]}" "${W[v_nfreport]}" "$(ratio "${W[nf_study]}" "${W[v_nfreport]}")" \
    $((M[nf_study] / 1024)) $((M[v_nfreport] / 1024))
  printf '| meter the pcap into flows | `argus -F argus.conf -r big.pcap -w /dev/null` | %.2f | %.2f | **%s×** | %d | %d | |\n' \
    "${W[argus_pcap]}" "${W[v_pcap]}" "$(ratio "${W[argus_pcap]}" "${W[v_pcap]}")" \
    $((M[argus_pcap] / 1024)) $((M[v_pcap] / 1024))
  printf '| the study straight from the pcap | argus, then `racluster -m saddr` | %.2f | %.2f | **%s×** | %d | %d | |\n' \
    "$(awk -v a="${W[argus_pcap]}" -v b="${W[rc_saddr]}" 'BEGIN{print a + b}')" "${W[v_pcapreport]}" \
    "$(ratio "$(awk -v a="${W[argus_pcap]}" -v b="${W[rc_saddr]}" 'BEGIN{print a + b}')" "${W[v_pcapreport]}")" \
    $((M[argus_pcap] / 1024)) $((M[v_pcapreport] / 1024))
  echo
  echo "vigil commands: \`vigil stats -q -r big.argus\` (records, management records, skipped, errors,"
  echo "protocols, packets, bytes, times — what racount counts and more), \`vigil stats -q --merge\` (and"
  echo "the connections after merging), \`vigil dump -q -r big.argus > /dev/null\`, \`vigil dump -q --merge -r big.argus > /dev/null\`,"
  echo "\`vigil report -q -c site.conf -r big.argus > /dev/null\` (merge, classify, scan detection, every analysis"
  echo "of the study with and without the scans;"
  echo "site: the ten servers 192.0.2.1-10 of the generator, web on .1-.3). The peer for the study is"
  echo "\`racluster -m saddr\` alone, one aggregation of the several the study makes."
  echo
  echo "nfdump rows: the same pcap written by \`nfpcapd -r big.pcap -w nf\` (a directory of 5-minute files,"
  echo "$NF_FLOWS one-way flows), read with \`-R nf\`; \`vigil report\` pairs them into connections."
  echo
  echo "Same answers on the same file: \`vigil dump\` vs \`ra\`: $DUMP_SAME;"
  echo "\`vigil dump --merge\` vs \`racluster\` (sorted): $MERGE_SAME."
  echo "Packets: \`vigil stats -r big.pcap\` meters the $PKTS packets of big.pcap with vigil's flow meter"
  echo "(docs/pcap.md); \`vigil dump -r big.pcap\` vs \`ra\` on argus's file of the same pcap: $PCAP_SAME."
  echo
  echo "Memory is flat in the number of records: on big2.argus (twice as long: the file, then the same file"
  echo "moved $DAYS days later by \`bench/shift-argus.py\`, $((RECS * 2)) records)"
  printf '`vigil dump` peaks at %d MiB (%d MiB on the single file) and `vigil stats --merge` at %d MiB (%d MiB).\n' \
    $((M[v_dump2] / 1024)) $((M[v_dump] / 1024)) $((M[v_stats2] / 1024)) $((M[v_statsm] / 1024))
  echo "(\`stats\` keeps the connections open within the idle timeout plus a reorder window, so its"
  echo "memory follows the number of concurrently active flows, not the length of the input.)"
  printf '`vigil report` on big2.argus: %.2f s, %d MiB (its tables grow with distinct sources, days and ports).\n' \
    "${W[v_report2]}" $((M[v_report2] / 1024))
  echo
  printf 'Alerts: `vigil report` takes %.2f s with the alert detectors and %.2f s with `--no-alerts`\n' \
    "${W[v_report]}" "${W[v_report_na]}"
  printf '(+%s %%; the budget is 10 %%), %d MiB against %d MiB. `vigil alerts` alone (with the scan\n' \
    "$(awk -v a="${W[v_report]}" -v b="${W[v_report_na]}" 'BEGIN{printf "%.0f", 100 * (a - b) / b}')" \
    $((M[v_report] / 1024)) $((M[v_report_na] / 1024))
  printf 'detector, every scan event as an alert): %.2f s, %d MiB.\n' "${W[v_alerts]}" $((M[v_alerts] / 1024))
  echo
  printf 'The HTML page (`vigil report -q -c site.conf -r big.argus --html big.html`): %.2f s, %d MiB;\n' \
    "${W[v_html]}" $((M[v_html] / 1024))
  printf 'the page is %.1f MB (budget: 15 MB) and headless Chromium has drawn every chart after %s.\n' \
    "$(awk -v s="$HTML_SIZE" 'BEGIN{print s/1e6}')" "$HTML_LOAD"
} >"$OUT"
cat "$OUT"
