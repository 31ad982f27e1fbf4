#!/usr/bin/env bash
# watch.sh - the live paths against their peers and against batch, on the benchmark month
# of run.sh (big.argus, 2.2 M records; bench/run.sh makes it).
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
#
# usage: bench/watch.sh [BIGDIR]     env: REPS VIGIL PACE
set -euo pipefail
export TZ=UTC LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
BIG=${1:-/tmp/vigil-bench}
REPS=${REPS:-3}
PACE=${PACE:-1}
VIGIL=${VIGIL:-$TOP/build/release/vigil}
cd "$BIG"
[ -s big.argus ] || { echo "bench: run bench/run.sh first (it makes big.argus)" >&2; exit 1; }
[ -s site.conf ] || printf 'monitored = 192.0.2.1-192.0.2.10\nservice = 192.0.2.1-192.0.2.3:80,443/tcp\n' >site.conf
PIDS=""
trap 'for p in $PIDS; do kill -9 $p 2>/dev/null; done' EXIT
now() { date +%s.%N; }

# ---- 1. -S
P=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
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
timed() { local t0 t1; t0=$(now); "$@" >/dev/null 2>&1; t1=$(now); echo "$t1 - $t0" | bc; }
med() { local i; for ((i = 0; i < REPS; i++)); do timed "$@"; done | sort -n | awk -v n="$REPS" 'NR==int((n+1)/2)'; }
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

# ---- 2. watch -R, paced, against ingest -R
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
  rss+=("$(awk '/VmRSS/ {print int($2/1024)}' /proc/$W/status)")
done
n=$(ls days30/*.argus | wc -l)
for _ in $(seq 120); do
  [ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["commits"])' watch.status 2>/dev/null || echo 0)" -ge "$n" ] && break
  sleep 1; rss+=("$(awk '/VmRSS/ {print int($2/1024)}' /proc/$W/status)")
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
strip() {
  python3 - "$1" <<'PY'
import json, sys
d = json.loads(open(sys.argv[1]).read())
for k in ('freshness', 'inputs'):
    d.pop(k, None)
for a in d.get('alerts', []):
    a.pop('id', None)
d['alerts'] = sorted(d.get('alerts', []), key=lambda a: json.dumps(a, sort_keys=True))
print(json.dumps(d, sort_keys=True))
PY
}
"$VIGIL" report -q -c site.conf --store watch.db -o json 2>/dev/null >w.json
"$VIGIL" report -q -c site.conf --store ingest.db -o json 2>/dev/null >i.json
strip w.json >w.strip; strip i.json >i.strip
same=no; cmp -s w.strip i.strip && same=yes
"$VIGIL" alerts -q -c site.conf --store ingest.db -o json 2>/dev/null | grep -v '^{"freshness"' >i.alerts
strip_alerts() {
  python3 - "$1" <<'PY'
import json, sys
last = {}
for line in open(sys.argv[1]):
    a = json.loads(line)
    if 'id' in a:
        last[a['id']] = a
out = []
for a in last.values():
    a.pop('id'); out.append(json.dumps(a, sort_keys=True))
print('\n'.join(sorted(out)))
PY
}
strip_alerts watch.alerts >w.al; strip_alerts i.alerts >i.al
same_al=no; cmp -s w.al i.al && same_al=yes
n_al=$(wc -l <i.alerts)
printf '| run | wall s |\n|---|---|\n'
printf '| watch -R, paced (%s s a file, until the last commit) | %.1f |\n' "$PACE" "$t_watch"
printf '| watch -R, all files there at the start | %.1f |\n' "$t_w2"
printf '| vigil ingest -R (one run) | %.1f |\n' "$t_ing"
echo
echo "The report from watch's store equals the one from ingest's (alert ids aside): $same"
echo "The $n_al alerts of vigil alerts --store on ingest's store, against the latest line per id"
echo "that watch wrote (ids aside): the same: $same_al ($(wc -l <watch.alerts) lines written)"
