#!/usr/bin/env bash
# watch.sh - the live paths against their peers and against batch, on the benchmark month
# of run.sh (big.argus, some 2 M records; bench/run.sh makes it).
#
#   1. records per second through -S: a server on 127.0.0.1 sends the month's records (the
#      initial MAR, then every record, as fast as the socket takes them) to each client;
#      `ra -S -w /dev/null`, `vigil stats -S` and `vigil dump -S >/dev/null` read it in
#      turn, REPS times each (median)
#   2. `vigil watch -R` on the 30 daily files of store.sh (days30/), the directory filled
#      at PACE seconds per file (default 1: a day of data a second), RSS sampled every
#      second (the series is printed); then the report from watch's store against the
#      report from `vigil ingest -R` of the same files (alert ids aside), and the time of
#      watch with no pacing against `vigil ingest -R`
#   3. `vigil watch -S` on the month as an Argus stream paced at PACE s a day of data
#      (pace-argus.py on 127.0.0.1), RSS sampled every second; its store's report and its
#      alerts against `vigil ingest -r big.argus` + `vigil alerts --store`
#   4. `vigil watch -l` on the month as NetFlow v9 from the peer's exporter, `nfreplay -z`
#      (nfdump's replay, at 86400/PACE times real time) of the nfpcapd directory (nf/, made by
#      run.sh); its store's report and alerts against `vigil ingest -R nf`
#
# usage: bench/watch.sh [BIGDIR]     env: REPS VIGIL PACE PARTS (default "1 2 3 4")
set -euo pipefail
export TZ=UTC LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
BIG=${1:-/tmp/vigil-bench}
REPS=${REPS:-3}
PACE=${PACE:-1}
PARTS=${PARTS:-1 2 3 4}
part() { [[ " $PARTS " == *" $1 "* ]]; }
VIGIL=${VIGIL:-$TOP/build/release/vigil}
cd "$BIG"
[ -s big.argus ] || { echo "bench: run bench/run.sh first (it makes big.argus)" >&2; exit 1; }
[ -s site.conf ] || printf 'monitored = 192.0.2.1-192.0.2.10\nservice = 192.0.2.1-192.0.2.3:80,443/tcp\n' >site.conf
PIDS=""
trap 'for p in $PIDS; do kill -9 $p 2>/dev/null || true; done' EXIT
now() { date +%s.%N; }

timed() { local t0 t1; t0=$(now); "$@" >/dev/null 2>&1; t1=$(now); echo "$t1 - $t0" | bc; }
med() { local i; for ((i = 0; i < REPS; i++)); do timed "$@"; done | sort -n | awk -v n="$REPS" 'NR==int((n+1)/2)'; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_of() { awk '/VmRSS/ {print int($2/1024)}' "/proc/$1/status" 2>/dev/null || echo -; }
# the report without the inputs and the freshness, its alerts without ids in a stable order;
# the latest line per alert id, without the id, in a stable order (tests/watch/norm.py)
strip() { python3 "$TOP/tests/watch/norm.py" report "$1" inputs; }
strip_alerts() { python3 "$TOP/tests/watch/norm.py" alerts "$1"; }
# "yes" when the reports of two stores and their alerts (watch's NDJSON, latest line per id,
# against `vigil alerts --store` on the batch store) are the same, ids aside
same_as_batch() { # WATCH_DB WATCH_ALERTS BATCH_DB TAG
  "$VIGIL" report -q -c site.conf --store "$1" -o json 2>/dev/null >"$4.w.json"
  "$VIGIL" report -q -c site.conf --store "$3" -o json 2>/dev/null >"$4.i.json"
  strip "$4.w.json" >"$4.w.strip"; strip "$4.i.json" >"$4.i.strip"
  "$VIGIL" alerts -q -c site.conf --store "$3" -o json 2>/dev/null | grep -v '^{"freshness"' >"$4.i.alerts"
  strip_alerts "$2" >"$4.w.al"; strip_alerts "$4.i.alerts" >"$4.i.al"
  local r=no a=no
  cmp -s "$4.w.strip" "$4.i.strip" && r=yes
  cmp -s "$4.w.al" "$4.i.al" && a=yes
  echo "The report from watch's store equals the one from the batch store (alert ids aside): $r"
  echo "The $(wc -l <"$4.i.alerts") alerts of vigil alerts --store on the batch store, against the latest"
  echo "line per id that watch wrote (ids aside): the same: $a ($(wc -l <"$2") lines written)"
}

# ---- 1. -S
if part 1; then
P=$(free_port)
rm -f srv.ready
python3 - "$P" big.argus $((REPS * 3)) srv.ready <<'PY' &
# as argus does: the MAR on accept, the records after the client's START
import socket, sys
data = open(sys.argv[2], 'rb').read()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(1); s.settimeout(120)
open(sys.argv[4], 'w').write('1')
for _ in range(int(sys.argv[3])):
    c, _ = s.accept(); c.settimeout(60)
    c.sendall(data[:128])
    c.recv(16)  # START:
    c.sendall(data[128:]); c.close()
PY
PIDS="$PIDS $!"
for _ in $(seq 100); do [ -s srv.ready ] && break; sleep 0.1; done
records=$("$VIGIL" stats -q -r big.argus -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])')
t_ra=$(med ra -S "127.0.0.1:$P" -w /dev/null)
t_stats=$(med "$VIGIL" stats -q -S "127.0.0.1:$P")
t_dump=$(med "$VIGIL" dump -q -S "127.0.0.1:$P")
rate() { echo "$records / $1" | bc; }
echo "## -S: $records records from a server on 127.0.0.1 (median of $REPS)"
echo
echo "| reader | wall s | records/s | vs ra -S |"
echo "|---|---|---|---|"
printf '| ra -S -w /dev/null | %.2f | %s | 1.00 |\n' "$t_ra" "$(rate "$t_ra")"
printf '| vigil stats -S | %.2f | %s | %.2f |\n' "$t_stats" "$(rate "$t_stats")" "$(echo "$t_ra / $t_stats" | bc -l)"
printf '| vigil dump -S (CSV to /dev/null) | %.2f | %s | %.2f |\n' "$t_dump" "$(rate "$t_dump")" "$(echo "$t_ra / $t_dump" | bc -l)"
echo

fi

# ---- 2. watch -R, paced, against ingest -R
if part 2; then
if [ ! -e days30/done ]; then
  echo "bench: run bench/store.sh first (it makes days30/)" >&2; exit 1
fi
rm -rf watch.in watch.db watch.db-* ingest.db ingest.db-* watch.alerts watch.status watch2.status watch2.in && mkdir watch.in
"$VIGIL" watch -q --store watch.db -c site.conf -R watch.in --alerts watch.alerts \
  --status watch.status >/dev/null 2>watch.err &
W=$!; PIDS="$PIDS $W"
rss=()
t0=$(now)
for f in days30/*.argus; do
  b=$(basename "$f")
  cp "$f" "watch.in/.$b.tmp" && mv "watch.in/.$b.tmp" "watch.in/$b"
  sleep "$PACE"
  rss+=("$(rss_of $W)")
done
n=$(ls days30/*.argus | wc -l)
for _ in $(seq 120); do
  [ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["commits"])' watch.status 2>/dev/null || echo 0)" -ge "$n" ] && break
  sleep 1; rss+=("$(rss_of $W)")
done
kill -TERM $W; wait $W || true
t_watch=$(echo "$(now) - $t0" | bc)
echo "## watch -R: $n daily files, one every $PACE s (a day of data per $PACE s)"
echo
echo "RSS (MiB) after each file: ${rss[*]}"
echo
t_ing=$(timed "$VIGIL" ingest -q --store ingest.db -c site.conf -R days30)
rm -rf watch2.db watch2.db-* && mkdir -p watch2.in && cp days30/*.argus watch2.in/
t1=$(now)
"$VIGIL" watch -q --store watch2.db -c site.conf -R watch2.in --status watch2.status >/dev/null 2>&1 &
W=$!; PIDS="$PIDS $W"
for _ in $(seq 600); do
  [ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["commits"])' watch2.status 2>/dev/null || echo 0)" -ge "$n" ] && break
  sleep 0.2
done
kill -TERM $W; wait $W || true
t_w2=$(echo "$(now) - $t1" | bc)
printf '| run | wall s |\n|---|---|\n'
printf '| watch -R, paced (%s s a file, until the last commit) | %.1f |\n' "$PACE" "$t_watch"
printf '| watch -R, all files there at the start | %.1f |\n' "$t_w2"
printf '| vigil ingest -R (one run) | %.1f |\n' "$t_ing"
echo
same_as_batch watch.db watch.alerts ingest.db part2
echo
fi

# one paced month through a live input: WATCH_INPUT... runs in the background while the
# feeder (a command line in $feed) runs in the foreground; RSS sampled every second
# prints: wall seconds of the feed, then the flows watch says it took
rss=()
live_month() { # TAG FEED_CMD -- WATCH_ARGS...
  local tag=$1 feedcmd=$2; shift 3
  rm -rf "$tag.db" "$tag.db"-* "$tag.alerts" "$tag.err"
  "$VIGIL" watch --store "$tag.db" -c site.conf "$@" --alerts "$tag.alerts" >/dev/null 2>"$tag.err" &
  local w=$! t0 f
  PIDS="$PIDS $w"
  sleep 0.5
  t0=$(now)
  bash -c "$feedcmd" &
  f=$!; PIDS="$PIDS $f"
  rss=()
  while kill -0 $f 2>/dev/null; do sleep 1; rss+=("$(rss_of $w)"); done
  wait $f || { echo "bench: the feed failed: $feedcmd" >&2; exit 1; }
  echo "$(now) - $t0" | bc >"$tag.wall"
  sleep 2                                     # what is in the socket's buffer
  kill -TERM $w; wait $w || { echo "bench: watch failed" >&2; cat "$tag.err" >&2; exit 1; }
  sed -n 's/.*watch: stopped: \([0-9,]*\) flows.*/\1/p' "$tag.err" | tr -d , >"$tag.flows"
}

# ---- 3. the month as an Argus stream, paced, against ingest -r
if part 3; then
rm -f ingest1.db ingest1.db-*
t_i1=$(timed "$VIGIL" ingest -q --store ingest1.db -c site.conf -r big.argus)
P=$(free_port)
rm -f pace.ready
live_month part3 "python3 '$HERE/pace-argus.py' $P big.argus $PACE pace.ready 60" -- -S "127.0.0.1:$P"
flow_records=$("$VIGIL" stats -q -r big.argus -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["flow_records"])')
echo "## watch -S: the month's $flow_records flow records as an Argus stream, $PACE s a day of data"
echo
echo "RSS (MiB), once a second: ${rss[*]}"
echo
printf '| run | wall s |\n|---|---|\n'
printf '| the paced stream (pace-argus.py), watch -S reading it | %.1f |\n' "$(cat part3.wall)"
printf '| vigil ingest -r big.argus (one run, the batch store) | %.1f |\n' "$t_i1"
echo
echo "watch took $(cat part3.flows) flow records of the stream's $flow_records."
same_as_batch part3.db part3.alerts ingest1.db part3
echo
fi

# ---- 4. the month as NetFlow v9 from nfreplay, against ingest -R of the nfcapd files
if part 4; then
[ -d nf ] && [ -n "$(ls nf)" ] || { echo "bench: run bench/run.sh first (it makes nf/)" >&2; exit 1; }
[ -s month.nf ] || nfdump -R nf -w month.nf
nflows=$(nfdump -r month.nf -I | awk -F': ' '$1=="Flows" {print $2}')
rm -f ingest4.db ingest4.db-*
t_i4=$(timed "$VIGIL" ingest -q --store ingest4.db -c site.conf -R nf)
P=$(free_port)
live_month part4 "nfreplay -r month.nf -H 127.0.0.1 -p $P -v 9 -z $(echo "86400 / $PACE" | bc)" -- -l "127.0.0.1:$P"
echo "## watch -l: the month's $nflows nfpcapd flows as NetFlow v9 from nfreplay -z, $PACE s a day of data"
echo
echo "RSS (MiB), once a second: ${rss[*]}"
echo
printf '| run | wall s |\n|---|---|\n'
printf '| nfreplay -z (paced), watch -l collecting | %.1f |\n' "$(cat part4.wall)"
printf '| vigil ingest -R nf (the 8640 nfcapd files, the batch store) | %.1f |\n' "$t_i4"
echo
echo "watch took $(cat part4.flows) flows of nfreplay's $nflows; $(sed -n 's/.*watch: netflow: //p' part4.err)."
same_as_batch part4.db part4.alerts ingest4.db part4
echo
fi
