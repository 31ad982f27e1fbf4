#!/bin/bash
# run.sh - the store (docs/store.md): the report, the scans and the alerts
# from `vigil ingest`ed stores must equal the ones from the raw files of
# the same period, whatever pieces the inputs were ingested in; a killed
# ingest run again must give the same store; damaged, foreign, other-site
# and read-only stores must be refused with a clear message and exit 5.
# usage: tests/store/run.sh VIGIL DATA_DIR
set -u
VIGIL=$1
D=$2
T=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$T"' EXIT; echo "tmp $T"
export TZ=UTC LC_ALL=C
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
W=$D/real-week
CAP=$W/capture.argus

# the report's JSON from a store ends with its "freshness" (how old the newest
# data is against now): the description of the inputs, left out of the comparison
nofresh() { sed 's/,"freshness":{[^}]*}}$/}/' "$1"; }
# the alerts' NDJSON without its freshness line (a store always has one)
noalertfresh() { grep -v '^{"freshness":' "$1"; }

# the same JSON (byte for byte) and text from the store as from the file
same_report() { # name site db
  local name=$1 site=$2 db=$3
  "$VIGIL" report -q -c "$site" -r "$CAP" -o json >"$T/raw.json"
  "$VIGIL" report -q -c "$site" --store "$db" -o json 2>/dev/null >"$T/st0.json" || { bad "$name: report --store failed"; return; }
  nofresh "$T/st0.json" >"$T/st.json"
  if cmp -s "$T/raw.json" "$T/st.json"; then ok "$name: JSON report"; else
    bad "$name: JSON report differs"; cmp "$T/raw.json" "$T/st.json" | head -2; fi
  "$VIGIL" report -q -c "$site" -r "$CAP" >"$T/raw.txt"
  "$VIGIL" report -q -c "$site" --store "$db" >"$T/st.txt" 2>/dev/null
  if cmp -s "$T/raw.txt" "$T/st.txt"; then ok "$name: text report"; else
    bad "$name: text report differs"; diff "$T/raw.txt" "$T/st.txt" | head -5; fi
  "$VIGIL" scans -q -c "$site" -r "$CAP" -o json >"$T/raw.scans"
  "$VIGIL" scans -q -c "$site" --store "$db" -o json >"$T/st.scans" 2>/dev/null
  if cmp -s "$T/raw.scans" "$T/st.scans" && [ -s "$T/raw.scans" ]; then ok "$name: scans"; else
    bad "$name: scans differ"; fi
  "$VIGIL" alerts -q -c "$site" -r "$CAP" -o json >"$T/raw.alerts"
  "$VIGIL" alerts -q -c "$site" --store "$db" -o json 2>/dev/null | noalertfresh /dev/stdin >"$T/st.alerts"
  if cmp -s "$T/raw.alerts" "$T/st.alerts" && [ -s "$T/raw.alerts" ]; then ok "$name: alerts"; else
    bad "$name: alerts differ"; diff "$T/raw.alerts" "$T/st.alerts" | head -4; fi
}

days="04 05 06 07 08 09 10"
for site in site.conf site-alt.conf site-zone.conf; do
  S=$W/$site
  # whole, then the same command again (skipped)
  db=$T/whole-$site.db
  "$VIGIL" ingest -q --store "$db" -c "$S" -r "$CAP" || bad "$site: ingest failed"
  "$VIGIL" ingest --store "$db" -c "$S" -r "$CAP" 2>"$T/again.err" || bad "$site: second ingest failed"
  grep -q "already in the store, skipped" "$T/again.err" && ok "$site: an input ingested twice is skipped" ||
    bad "$site: an input ingested twice is not skipped"
  same_report "$site whole" "$S" "$db"
  # day by day (UTC days; the zone site's days are not these: pieces all the same)
  db=$T/days-$site.db
  for d in 03 $days 11; do
    "$VIGIL" ingest -q --store "$db" -c "$S" -r "$CAP" -t 2024/03/$d || bad "$site: ingest of 2024/03/$d failed"
  done
  same_report "$site day by day" "$S" "$db"
done

# 6-hour pieces
S=$W/site.conf
db=$T/pieces.db
for d in 03 $days 11; do
  for h in 00 06 12 18; do
    e=$(printf %02d $((10#$h + 6)))
    if [ "$e" = 24 ]; then
      n=$(printf %02d $((10#$d + 1)))
      rng="2024/03/$d.$h:00-2024/03/$n.00:00"
    else
      rng="2024/03/$d.$h:00-2024/03/$d.$e:00"
    fi
    "$VIGIL" ingest -q --store "$db" -c "$S" -r "$CAP" -t "$rng" || bad "ingest -t $rng failed"
  done
done
same_report "6-hour pieces" "$S" "$db"

# many small files in one run: they share commits (--commit-gap); an input
# given twice in one run is read once; kill -9 between or inside commits
mkdir -p "$T/small"
python3 "$(dirname "$0")/../cut-argus.py" "$CAP" "$T/small" 40 p
db=$T/small.db
"$VIGIL" ingest --store "$db" -c "$S" -r "$T"/small/p.* "$T/small/p.00" 2>"$T/small.err" || bad "40 small files: ingest failed"
grep -q "p.00: already in the store, skipped" "$T/small.err" && grep -q "40 inputs added" "$T/small.err" &&
  ok "40 small files and one of them again in one run: 40 added, the repeat skipped" ||
  { bad "an input given twice in one run"; cat "$T/small.err"; }
[ "$(sqlite3 "$db" 'SELECT count(*) FROM inputs')" = 40 ] && ok "40 small files: 40 input records" ||
  bad "40 small files: $(sqlite3 "$db" 'SELECT count(*) FROM inputs') input records"
same_report "40 small files, shared commits" "$S" "$db"
db=$T/small0.db
"$VIGIL" ingest -q --commit-gap 0 --store "$db" -c "$S" -r "$T"/small/p.* || bad "--commit-gap 0: ingest failed"
"$VIGIL" report -q -c "$S" --store "$db" -o json 2>/dev/null | nofresh /dev/stdin >"$T/small0.json"
nofresh "$T/st0.json" | cmp -s - "$T/small0.json" && ok "--commit-gap 0 (a commit per input): the same report" ||
  bad "--commit-gap 0: the report differs"
# the run's length: the shortest of three (the first may read a cold cache);
# the writer holds the store's lock for the whole run, so its progress cannot
# be polled and the kills are placed in time
# (one length for each --commit-gap of the kill runs below)
shortest() { # gap: the shortest of three uninterrupted runs, in microseconds
  local r t t0 best=
  for r in 1 2 3; do
    rm -f "$T/small-t.db"
    t0=$(date +%s%N)
    "$VIGIL" ingest -q --commit-gap "$1" --store "$T/small-t.db" -c "$S" -r "$T"/small/p.*
    t=$((($(date +%s%N) - t0) / 1000))
    [ -z "$best" ] || [ "$t" -lt "$best" ] && best=$t
  done
  echo "$best"
}
dur0=$(shortest 0)
dur2=$(shortest 0.02)
# kill points spread over the run (fractions 1/18 .. 16/18 in a fixed mixed
# order) until 4 have landed mid-run (some but not all inputs committed), at
# most 16; odd attempts a commit per input, even ones two or three a commit
# (those runs are short and mostly start-up: their kills seldom land mid-run,
# but each of them must still give the same report after the rerun)
killed=0
tries=0
for k in $(seq 16); do
  [ "$killed" -ge 4 ] && break
  tries=$k
  db=$T/small-kill-$k.db
  gap=0 dur=$dur0; [ $((k % 2)) = 0 ] && gap=0.02 dur=$dur2
  "$VIGIL" ingest -q --commit-gap "$gap" --store "$db" -c "$S" -r "$T"/small/p.* 2>/dev/null &
  pid=$!
  sleep "$(awk -v k="$k" -v d="$dur" 'BEGIN { printf "%.4f", d * ((k * 7) % 16 + 1) / 18 / 1e6 }')"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  n0=$(sqlite3 "$db" 'SELECT count(*) FROM inputs' 2>/dev/null || echo 0)
  [ "$n0" -gt 0 ] && [ "$n0" -lt 40 ] && killed=$((killed + 1))
  "$VIGIL" ingest -q --store "$db" -c "$S" -r "$T"/small/p.* 2>"$T/kill.err" || { bad "small files, kill point $k: the rerun failed"; cat "$T/kill.err"; continue; }
  "$VIGIL" report -q -c "$S" --store "$db" -o json 2>/dev/null | nofresh /dev/stdin >"$T/k.json"
  echo "     (kill point $k: $n0 of 40 inputs committed before the kill)"
  cmp -s "$T/k.json" "$T/small0.json" || bad "small files, kill point $k: the report after kill -9 and a rerun differs"
done
[ "$killed" -ge 4 ] && ok "kill -9 between and inside commits, then the same command: same report ($killed of $tries mid-run)" ||
  bad "small files: too few kills landed mid-run ($killed of $tries, runs of $dur0 and $dur2 us)"

# the stealth lab cut inside its distributed scans (a campaign still a
# candidate at the cut), its slow scan and its backscatter
L=$D/stealth-lab
db=$T/lab.db
for rng in 2024/05/06-2024/05/06.10:00:03 2024/05/06.10:00:03-2024/05/07.12:30 \
    2024/05/07.12:30-2024/05/07.16:00:01 2024/05/07.16:00:01-2024/05/08.07:00:01 \
    2024/05/08.07:00:01-2024/05/09; do
  "$VIGIL" ingest -q --store "$db" -c "$L/site.conf" -r "$L/capture.argus" -t "$rng" || bad "lab: ingest -t $rng failed"
done
CAP=$L/capture.argus same_report "stealth lab in 5 pieces" "$L/site.conf" "$db"

# kill -9 at 20 points of a day-by-day ingest, then the same commands again
ingest_days() {
  for d in 03 $days 11; do
    "$VIGIL" ingest -q --store "$1" -c "$S" -r "$CAP" -t 2024/03/$d || return 1
  done
}
killed=0
for i in $(seq 1 20); do
  db=$T/kill-$i.db
  # the day-by-day ingest in a process group of its own, so that one kill
  # also ends a child forked but not yet running vigil (it would run on,
  # orphaned, beside the rerun and hold the store's lock)
  VIGIL=$VIGIL S=$S CAP=$CAP DB=$db setsid bash -c \
    'for d in "$@"; do "$VIGIL" ingest -q --store "$DB" -c "$S" -r "$CAP" -t 2024/03/$d || exit 1; done' \
    _ 03 $days 11 >/dev/null 2>&1 &
  pid=$!
  sleep "$(awk -v i="$i" 'BEGIN { printf "%.3f", 0.006 * i }')"
  # the kill lands on a running vigil: wait (at most 5 s) for one to be
  # there between two ingests; a loop already over is a miss
  for _ in $(seq 100); do pgrep -P "$pid" vigil >/dev/null || ! kill -0 "$pid" 2>/dev/null && break; sleep 0.05; done
  pgid=$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')
  pkill -KILL -P "$pid" vigil 2>/dev/null && killed=$((killed + 1))
  [ -n "$pgid" ] && [ "$pgid" != "$$" ] && kill -KILL -- "-$pgid" 2>/dev/null
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  pkill -KILL -f -- "--store $db" 2>/dev/null
  while pgrep -f -- "--store $db" >/dev/null; do sleep 0.05; done
  ingest_days "$db" 2>"$T/kill.err" || { bad "kill point $i: the store was not usable after kill -9"; cat "$T/kill.err"; continue; }
  "$VIGIL" report -q -c "$S" --store "$db" -o json 2>/dev/null | nofresh /dev/stdin >"$T/k.json"
  "$VIGIL" report -q -c "$S" -r "$CAP" -o json >"$T/raw.json"
  cmp -s "$T/k.json" "$T/raw.json" || bad "kill point $i: report after kill -9 and a rerun differs"
done
echo "     ($killed of 20 kills hit a running ingest)"
[ "$killed" -ge 5 ] && ok "kill -9 at 20 points, then the same commands: same report" ||
  bad "kill -9: too few kills hit a running ingest ($killed)"

# refusals: exit 5 and a message naming the file and what is wrong
refused() { # name pattern command...
  local name=$1 pat=$2
  shift 2
  "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  if [ $rc -eq 5 ] && grep -q -- "$pat" "$T/err"; then ok "$name"; else
    bad "$name (exit $rc)"; cat "$T/err"; fi
}
good=$T/whole-site.conf.db
# alerts --store remembered its alerts' ids: a second run gives the same
"$VIGIL" alerts -q -c "$S" --store "$good" -o json 2>/dev/null | noalertfresh /dev/stdin >"$T/a2.json"
"$VIGIL" alerts -q -c "$S" --store "$good" -o json 2>/dev/null | noalertfresh /dev/stdin >"$T/a3.json"
cmp -s "$T/a2.json" "$T/a3.json" && [ -s "$T/a2.json" ] && ok "alerts --store twice: the same alerts under the same ids" ||
  bad "alerts --store twice differ"
# (the report's alerts now carry those ids too: the reference from here on)
"$VIGIL" report -q -c "$S" --store "$good" -o json 2>/dev/null | nofresh /dev/stdin >"$T/good.json"
cp "$good" "$T/trunc.db"
truncate -s $(( $(stat -c %s "$good") / 2 )) "$T/trunc.db"
refused "truncated store" "trunc.db: .*damaged\|trunc.db: .*malformed" "$VIGIL" report -q -c "$S" --store "$T/trunc.db"
cp "$good" "$T/corrupt.db"
size=$(stat -c %s "$good")
dd if=/dev/urandom of="$T/corrupt.db" bs=1 seek=$((size / 3)) count=4096 conv=notrunc status=none
refused "corrupt store" "corrupt.db: " "$VIGIL" report -q -c "$S" --store "$T/corrupt.db"
cp "$good" "$T/v1.db"
sqlite3 "$T/v1.db" "PRAGMA user_version = 1"
refused "store of the first schema (no sweeps apart)" "ingest its inputs into a new store" "$VIGIL" report -q -c "$S" --store "$T/v1.db"
cp "$good" "$T/v2.db"
sqlite3 "$T/v2.db" "PRAGMA user_version = 2"
refused "store of the second schema (no backscatter)" "no backscatter class and no campaigns" "$VIGIL" report -q -c "$S" --store "$T/v2.db"
cp "$good" "$T/v99.db"
sqlite3 "$T/v99.db" "PRAGMA user_version = 99"
refused "store of another schema version" "schema version 99" "$VIGIL" report -q -c "$S" --store "$T/v99.db"
refused "ingest into a store of another version" "schema version 99" "$VIGIL" ingest -q -c "$S" --store "$T/v99.db" -r "$CAP"
sqlite3 "$T/other.db" "CREATE TABLE t (x)"
refused "an SQLite file that is not a store" "not a vigil store" "$VIGIL" report -q -c "$S" --store "$T/other.db"
echo "not a database at all" >"$T/text.db"
refused "a file that is not SQLite" "text.db: " "$VIGIL" report -q -c "$S" --store "$T/text.db"
refused "store of another site" "another site description: the store has 'monitored = 192.0.2.1-192.0.2.10'" \
  "$VIGIL" report -q --monitored 10.0.0.0/8 --store "$good"
refused "ingest into a store of another site" "another site description" \
  "$VIGIL" ingest -q --monitored 10.0.0.0/8 --store "$good" -r "$CAP"
refused "no such store" "no such store" "$VIGIL" report -q -c "$S" --store "$T/missing.db"
# read-only: as an unprivileged user (root may write anything)
mkdir -p "$T/ro" && cp "$good" "$T/ro/s.db" && chmod 755 "$T" "$T/ro" && chmod 444 "$T/ro/s.db"
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
  refused "read-only store: ingest" "read-only" setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$VIGIL" ingest -q -c "$S" --store "$T/ro/s.db" -r "$CAP"
  setpriv --reuid=65534 --regid=65534 --clear-groups "$VIGIL" report -q -c "$S" --store "$T/ro/s.db" -o json 2>/dev/null | nofresh /dev/stdin >"$T/ro.json"
  cmp -s "$T/ro.json" "$T/good.json" && ok "read-only store: report" || bad "read-only store: report"
else
  chmod 444 "$T/ro/s.db"
  refused "read-only store: ingest" "read-only" "$VIGIL" ingest -q -c "$S" --store "$T/ro/s.db" -r "$CAP"
fi
# nothing silently lost: the refused runs left the good store as it was
"$VIGIL" report -q -c "$S" --store "$good" -o json 2>/dev/null | nofresh /dev/stdin >"$T/st.json"
cmp -s "$T/st.json" "$T/good.json" && ok "the good store is unchanged by the refused runs" ||
  bad "the good store changed"

# a second writer waits for the first, then fails clearly
sqlite3 "$good" >/dev/null 2>&1 <<'EOF' &
BEGIN IMMEDIATE;
.system sleep 3
COMMIT;
EOF
lockpid=$!
sleep 0.5
VIGIL_STORE_BUSY_MS=500 "$VIGIL" ingest -q -c "$S" --store "$good" -r "$CAP" -t 2024/03/01 >"$T/out" 2>"$T/err"
rc=$?
wait $lockpid 2>/dev/null
if [ $rc -eq 5 ] && grep -q "another vigil is writing" "$T/err"; then ok "a second writer fails clearly"; else
  bad "a second writer (exit $rc)"; cat "$T/err"; fi
wait

# time ranges on the store: whole days of the site's zone
"$VIGIL" report -q -c "$S" --store "$T/whole-site.conf.db" -t 2024/03/09 -o json >"$T/t.json" 2>/dev/null
python3 - "$T/t.json" <<'EOF' && ok "-t on the store: one day" || bad "-t on the store"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["period"]["first_day"] == "2024-03-09" and r["period"]["last_day"] == "2024-03-09", r["period"]
d = r["daily"]
assert len(d) == 1 and d[0]["connections"] == 608 and d[0]["sources"] == 38, d
# new against the whole history: of the day's 38 sources only 25 were new
assert d[0]["new_sources"] == 25, d[0]["new_sources"]
EOF

# a dead feed: the sample week is years old, so a store says so, and exits 6
# with --fail-on; with a max-age longer than its age it is not stale
"$VIGIL" report -q -c "$S" --store "$good" -o json --fail-on high >"$T/f.json" 2>"$T/f.err"
rc=$?
if [ $rc -eq 6 ] && grep -q "the newest data is from 2024-03-10T19:27:40Z" "$T/f.err" &&
   grep -q '"freshness":{"newest":"2024-03-10T19:27:40.683096Z",.*"stale":true}}$' "$T/f.json"; then
  ok "a dead feed: message, JSON and exit 6 (report)"; else bad "a dead feed (report, exit $rc)"; cat "$T/f.err"; fi
"$VIGIL" alerts -q -c "$S" --store "$good" -o json --fail-on high >"$T/f.json" 2>"$T/f.err"
rc=$?
# NDJSON: the alerts, then one last line that is not an alert
[ $rc -eq 6 ] && grep -q "is the sensor still feeding" "$T/f.err" &&
  tail -1 "$T/f.json" | grep -q '^{"freshness":{"newest":"2024-03-10T19:27:40.683096Z",.*"stale":true}}$' &&
  [ "$(grep -c '"freshness"' "$T/f.json")" = 1 ] && [ "$(grep -c '^{"id":' "$T/f.json")" -ge 1 ] &&
  ok "a dead feed: alerts say it in the JSON and exit 6" || bad "a dead feed (alerts, exit $rc)"
"$VIGIL" report -q -c "$S" --store "$good" -o json --max-age 3650d >"$T/f.json" 2>"$T/f.err"
grep -q '"stale":false}}$' "$T/f.json" && [ ! -s "$T/f.err" ] && ok "max-age longer than the data's age: not stale" ||
  bad "max-age 3650d"
"$VIGIL" report -q -c "$S" -r "$CAP" -o json >"$T/f.json" 2>"$T/f.err"
! grep -q freshness "$T/f.json" && [ ! -s "$T/f.err" ] && ok "files: no freshness check unless --max-age" ||
  bad "files: freshness checked without --max-age"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
