#!/bin/bash
# run.sh - the ClickHouse store (docs/store.md) against the SQLite store:
# the report, the scans and the alerts of the same inputs ingested into
# ClickHouse - one node, then a cluster of two shards behind Distributed
# tables - must equal those of SQLite byte for byte; two sensors ingesting
# at once give what they give one after the other; kill -9 of an ingest
# and a server stopped in the middle of one, then the same commands again,
# give the same report; a wrong URL, a wrong password, a database of
# another application or schema, a shard that is down: clear messages.
#
# The servers are Debian's clickhouse-server started here as plain
# processes on 127.0.0.1 (tests/clickhouse/server.sh), all their state in
# a temporary directory, stopped by their PIDs at the end, also when a step
# fails. Without clickhouse-server the test fails and says so.
# usage: tests/clickhouse/run.sh VIGIL DATA_DIR
set -u
VIGIL=$1
D=$2
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
export TZ=UTC LC_ALL=C
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
servers=""
cleanup() {
  for n in $servers; do "$HERE/server.sh" stop "$T/$n" || true; done
  [ -n "${KEEP:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT
echo "tmp $T"

if ! [ -x /usr/sbin/clickhouse-server ]; then
  echo "FAIL clickhouse-server is not installed: scripts/deps.sh test installs it (apt-get install clickhouse-server)"
  exit 1
fi

# free ports on 127.0.0.1: 3 nodes x (HTTP, TCP)
read -r P1 P2 P3 P4 P5 P6 < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(6)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
echo s3cret >"$T/password"
start() { # name http tcp [cluster tcp...]
  local n=$1
  shift
  "$HERE/server.sh" start "$T/$n" "$@" || { echo "FAIL cannot start clickhouse-server $n"; exit 1; }
  case " $servers " in *" $n "*) ;; *) servers="$servers $n" ;; esac
}
start one "$P1" "$P2"
start s1 "$P3" "$P4" vigil2 "$P4" "$P6"
start s2 "$P5" "$P6" vigil2 "$P4" "$P6"
CH1=clickhouse://127.0.0.1:$P1
CHC=clickhouse://127.0.0.1:$P3
q() { curl -s --data-binary "$2" "http://127.0.0.1:$1/"; }

W=$D/real-week
CAP=$W/capture.argus
S=$W/site.conf
days="03 04 05 06 07 08 09 10 11"
nofresh() { sed 's/,"freshness":{[^}]*}}$/}/'; }
noalertfresh() { grep -v '^{"freshness":'; }

# the outputs of a store: report JSON and text, scans JSON, alerts NDJSON
outputs() { # store dir [options]
  local st=$1 o=$2
  shift 2
  mkdir -p "$o"
  "$VIGIL" report -q -c "$S" --store "$st" "$@" -o json 2>"$o/err" | nofresh >"$o/report.json"
  "$VIGIL" report -q -c "$S" --store "$st" "$@" 2>>"$o/err" >"$o/report.txt"
  "$VIGIL" scans -q -c "$S" --store "$st" "$@" -o json 2>>"$o/err" >"$o/scans.json"
  "$VIGIL" alerts -q -c "$S" --store "$st" "$@" -o json 2>>"$o/err" | noalertfresh >"$o/alerts.json"
}
same() { # name dir dir
  local k
  for k in report.json report.txt scans.json alerts.json; do
    if [ -s "$2/$k" ] && cmp -s "$2/$k" "$3/$k"; then ok "$1: $k"; else
      bad "$1: $k differs"; diff "$2/$k" "$3/$k" 2>&1 | head -4 | cut -c1-300
      grep -v "is the sensor still feeding" "$3/err" | head -3; fi
  done
}
ingest_days() { # store [options]
  local st=$1 d
  shift
  for d in $days; do
    "$VIGIL" ingest -q -c "$S" --store "$st" "$@" -r "$CAP" -t 2024/03/$d || return 1
  done
}

# ---- the reference: SQLite, whole and day by day
"$VIGIL" ingest -q -c "$S" --store "$T/whole.db" -r "$CAP" || bad "sqlite ingest"
outputs "$T/whole.db" "$T/ref-whole"
ingest_days "$T/days.db" || bad "sqlite day-by-day ingest"
outputs "$T/days.db" "$T/ref-days"

# ---- one node
"$VIGIL" ingest -q -c "$S" --store "$CH1/whole" -r "$CAP" || bad "one node: ingest"
outputs "$CH1/whole" "$T/ch-whole"
same "one node, one input" "$T/ref-whole" "$T/ch-whole"
"$VIGIL" ingest -c "$S" --store "$CH1/whole" -r "$CAP" 2>"$T/again.err" || bad "one node: second ingest"
grep -q "already in the store, skipped" "$T/again.err" && ok "one node: an input ingested twice is skipped" ||
  bad "one node: an input ingested twice is not skipped"
# the same input twice in one run: the second is in the first's commit,
# which the server does not show before it is made
"$VIGIL" ingest -c "$S" --store "$CH1/twice" -r "$CAP" "$CAP" 2>"$T/twice.err" || bad "one node: ingest of one input twice"
grep -q "already in the store, skipped" "$T/twice.err" && grep -q "1 input added" "$T/twice.err" &&
  ok "one node: an input given twice in one run is read once" || { bad "one node: an input given twice in one run"; cat "$T/twice.err"; }
outputs "$CH1/twice" "$T/ch-twice"
same "one node, one input given twice" "$T/ref-whole" "$T/ch-twice"
"$VIGIL" store init -c "$S" --store "$CH1/days" >"$T/init.out" 2>&1 && grep -q "a vigil store (clickhouse)" "$T/init.out" &&
  ok "store init on one node" || { bad "store init on one node"; cat "$T/init.out"; }
ingest_days "$CH1/days" || bad "one node: day-by-day ingest"
outputs "$CH1/days" "$T/ch-days"
same "one node, day by day" "$T/ref-days" "$T/ch-days"
# the figures are the server's: its rows, combined by GROUP BY
n=$(q "$P1" "SELECT count() FROM days.src_day")
[ "${n:-0}" -gt 0 ] && ok "one node: the rollups are in ClickHouse ($n src_day rows)" || bad "one node: no rows in days.src_day"

# 6-hour pieces: 36 commits, so the tails before the last are deleted once
# (every 32 commits) and the open tail is still the newest
for d in $days; do
  for h in 00 06 12 18; do
    e=$(printf %02d $((10#$h + 6)))
    if [ "$e" = 24 ]; then rng="2024/03/$d.$h:00-2024/03/$(printf %02d $((10#$d + 1))).00:00"
    else rng="2024/03/$d.$h:00-2024/03/$d.$e:00"; fi
    "$VIGIL" ingest -q -c "$S" --store "$CH1/pieces" -r "$CAP" -t "$rng" || bad "ingest -t $rng"
    "$VIGIL" ingest -q -c "$S" --store "$T/pieces.db" -r "$CAP" -t "$rng" || bad "sqlite ingest -t $rng"
  done
done
outputs "$T/pieces.db" "$T/ref-pieces"
outputs "$CH1/pieces" "$T/ch-pieces"
same "one node, 36 six-hour pieces" "$T/ref-pieces" "$T/ch-pieces"
for i in $(seq 100); do
  n=$(q "$P1" "SELECT count() FROM pieces.tail")
  [ "$n" -lt 36 ] && break
  sleep 0.1
done
[ "$n" -lt 36 ] && ok "old tails deleted: $n of 36 left" || bad "old tails not deleted ($n of 36)"

# ---- two shards behind Distributed tables
"$VIGIL" store init -c "$S" --store "$CHC/days" --cluster vigil2 --shard 127.0.0.1:$P3 --shard 127.0.0.1:$P5 \
  >"$T/init.out" 2>&1 || { bad "store init --cluster"; cat "$T/init.out"; }
ingest_days "$CHC/days" || bad "cluster: day-by-day ingest"
outputs "$CHC/days" "$T/cl-days"
same "two shards, day by day" "$T/ref-days" "$T/cl-days"
a=$(q "$P3" "SELECT count() FROM days.src_port_local")
b=$(q "$P5" "SELECT count() FROM days.src_port_local")
tot=$(q "$P1" "SELECT count() FROM days.src_port")
if [ "${a:-0}" -gt 0 ] && [ "${b:-0}" -gt 0 ] && [ $((a + b)) -eq "$tot" ]; then
  ok "cluster: src_port rows on both shards ($a + $b = the one node's $tot)"
else bad "cluster: src_port rows: shard 1 '$a', shard 2 '$b', one node '$tot'"; fi
"$VIGIL" store init -c "$S" --store "$CHC/days" --cluster vigil2 --shard 127.0.0.1:$P3 >"$T/out" 2>&1
[ $? -eq 0 ] && ok "store init again on a made store: checked, not remade" || { bad "store init again"; cat "$T/out"; }
"$VIGIL" store init -c "$S" --store "$CHC/three" --cluster vigil2 --shard 127.0.0.1:$P3 >"$T/out" 2>&1
rc=$?
[ $rc -eq 5 ] && grep -q "cluster vigil2 has 2 shards .* and 1 were given" "$T/out" && ok "store init: a shard count that is not the cluster's" ||
  { bad "store init with one shard of two (exit $rc)"; cat "$T/out"; }

# a shard down: a clear error, or with --partial a report said to be partial
"$HERE/server.sh" stop "$T/s2"
"$VIGIL" report -q -c "$S" --store "$CHC/days" -o json >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 5 ] && grep -q "shard 127.0.0.1:$P5 of cluster vigil2 is down" "$T/err" && ok "a shard down: exit 5, named" ||
  { bad "a shard down (exit $rc)"; cat "$T/err"; }
"$VIGIL" report -q -c "$S" --store "$CHC/days" --partial -o json >"$T/part.json" 2>"$T/err"
rc=$?
if [ $rc -eq 0 ] && grep -q "partial" "$T/err" && grep -q '"partial":true' "$T/part.json"; then
  ok "a shard down, --partial: a report marked partial"
else bad "--partial (exit $rc)"; cat "$T/err"; fi
start s2 "$P5" "$P6" vigil2 "$P4" "$P6"
# (the alerts' ids are those the first alerts --store recorded: the same
# second run on SQLite is the reference)
outputs "$T/days.db" "$T/ref-days2"
outputs "$CHC/days" "$T/cl-back"
same "the shard back" "$T/ref-days2" "$T/cl-back"

# ---- two sensors at once = one after the other
A="03 04 05 06 07"
B="08 09 10 11"
ing() { # store sensor days...
  local st=$1 sn=$2 d
  shift 2
  for d in "$@"; do "$VIGIL" ingest -q -c "$S" --store "$st" --sensor "$sn" -r "$CAP" -t 2024/03/$d || return 1; done
}
ing "$CH1/seq" a $A && ing "$CH1/seq" b $B || bad "sensors one after the other"
ing "$CH1/par" a $A &
pa=$!
ing "$CH1/par" b $B &
pb=$!
wait $pa && wait $pb || bad "two sensors at once"
for sel in "" "--sensor a" "--sensor b" "--sensor a,b"; do
  # shellcheck disable=SC2086
  outputs "$CH1/seq" "$T/seq$sel" $sel
  # shellcheck disable=SC2086
  outputs "$CH1/par" "$T/par$sel" $sel
  same "two sensors at once ${sel:-(all)}" "$T/seq$sel" "$T/par$sel"
done
# one sensor read alone is what that sensor's inputs give in a store of their own
for d in $A; do "$VIGIL" ingest -q -c "$S" --store "$T/a.db" -r "$CAP" -t 2024/03/$d || bad "sqlite a"; done
outputs "$T/a.db" "$T/ref-a"
ing "$CH1/solo" a $A && ing "$CH1/solo" b $B || bad "sensors a, b"
outputs "$CH1/solo" "$T/solo-a" --sensor a
same "sensor a of two, alone" "$T/ref-a" "$T/solo-a"
"$VIGIL" report -q -c "$S" --store "$CH1/seq" --sensor c >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 5 ] && grep -q "no sensor 'c' in the store (it has: a, b)" "$T/err" && ok "an unknown sensor is named" ||
  { bad "unknown sensor (exit $rc)"; cat "$T/err"; }
"$VIGIL" ingest -q -c "$S" --store "$T/x.db" --sensor a -r "$CAP" >"$T/out" 2>"$T/err"
[ $? -eq 5 ] && grep -q "an SQLite store holds one sensor" "$T/err" && ok "--sensor on an SQLite store is refused" ||
  { bad "--sensor on SQLite"; cat "$T/err"; }

# ---- --raw: every merged connection, in a table of its own
"$VIGIL" ingest -q -c "$S" --store "$CH1/raw" --raw -r "$CAP" || bad "ingest --raw"
ingest_days "$CH1/rawdays" --raw || bad "ingest --raw day by day"
"$VIGIL" report -q -c "$S" --store "$CH1/raw" -o json 2>/dev/null >"$T/raw.json"
# the days before the last are closed: their unsolicited connections are
# the report's daily connections (the last day's end is in the open tail)
python3 - "$T/raw.json" "$(q "$P1" "SELECT day, count() FROM raw.conns WHERE class = 'unsolicited' GROUP BY day ORDER BY day FORMAT JSONCompact")" <<'PY' && ok "--raw: the closed days' unsolicited connections are the report's" || bad "--raw: conns differ from the report"
import json, sys, datetime
rep = json.load(open(sys.argv[1]))
rows = {(datetime.date(1970, 1, 1) + datetime.timedelta(days=int(d))).isoformat(): int(n)
        for d, n in json.loads(sys.argv[2])["data"]}
daily = rep["daily"][:-1]
bad = [(d["day"], d["connections"], rows.get(d["day"])) for d in daily if rows.get(d["day"]) != d["connections"]]
print("     (%d closed days, %d connections in conns)" % (len(daily), sum(rows.values())))
sys.exit(1 if bad or not daily else 0)
PY
cols="day, stime_us, ltime_us, proto, saddr, sport, daddr, dport, spkts, dpkts, sbytes, dbytes, state, class"
a=$(q "$P1" "SELECT $cols FROM raw.conns WHERE day < 19792 ORDER BY $cols" | md5sum)
b=$(q "$P1" "SELECT $cols FROM rawdays.conns WHERE day < 19792 AND txn IN (SELECT txn FROM rawdays.commits) ORDER BY $cols" | md5sum)
[ "$a" = "$b" ] && ok "--raw: day by day, the same connections as in one run" || bad "--raw: day by day differs"

# ---- watch -R into ClickHouse, killed (-9) after half the files, restarted
python3 - "$CAP" "$T" <<'PY'
import sys
data = open(sys.argv[1], 'rb').read()
mar, pos, recs = data[:128], 128, []
while pos + 4 <= len(data):
    n = int.from_bytes(data[pos+2:pos+4], 'big') * 4
    recs.append(data[pos:pos+n]); pos += n
for i in range(6):
    open('%s/piece.%02d' % (sys.argv[2], i), 'wb').write(mar + b''.join(recs[i*len(recs)//6:(i+1)*len(recs)//6]))
PY
NORM="python3 $HERE/../watch/norm.py"
"$VIGIL" report -q -c "$S" -r "$CAP" -o json >"$T/file.json"
"$VIGIL" alerts -q -c "$S" -r "$CAP" -o json | grep -v '^{"freshness"' >"$T/file.alerts"
waitl() { local i; for i in $(seq 300); do [ "$(grep -c -- "$3" "$1" 2>/dev/null)" -ge "$2" ] && return 0; sleep 0.1; done; return 1; }
mkdir "$T/in"
"$VIGIL" watch --store "$CH1/watch" -c "$S" -R "$T/in" --alerts "$T/w.ndjson" 2>"$T/w1.err" &
wp=$!
for i in 0 1 2; do cp "$T/piece.0$i" "$T/in/.t"; mv "$T/in/.t" "$T/in/piece.0$i"; done
waitl "$T/w1.err" 3 ": .* records" || bad "watch: the first files were not read"
kill -9 $wp; wait $wp 2>/dev/null
"$VIGIL" watch --store "$CH1/watch" -c "$S" -R "$T/in" --alerts "$T/w.ndjson" 2>"$T/w2.err" &
wp=$!
for i in 3 4 5; do cp "$T/piece.0$i" "$T/in/.t"; mv "$T/in/.t" "$T/in/piece.0$i"; done
waitl "$T/w2.err" 1 "piece.05: .* records" || bad "watch: the last file was not read"
kill -TERM $wp; wait $wp; rc=$?
[ $rc -eq 0 ] || { bad "watch: exit $rc"; cat "$T/w2.err"; }
"$VIGIL" report -q -c "$S" --store "$CH1/watch" -o json 2>/dev/null >"$T/w.json"
$NORM report "$T/file.json" >"$T/file.rep"
$NORM report "$T/w.json" >"$T/w.rep"
cmp -s "$T/file.rep" "$T/w.rep" && ok "watch -R into ClickHouse, killed and restarted: the report of report -r" ||
  bad "watch into ClickHouse: the report differs"
$NORM alerts "$T/file.alerts" >"$T/file.al"
$NORM alerts "$T/w.ndjson" >"$T/w.al"
cmp -s "$T/file.al" "$T/w.al" && ok "watch -R into ClickHouse: the alerts of alerts -r ($(wc -l <"$T/file.al"))" ||
  { bad "watch into ClickHouse: the alerts differ"; diff "$T/file.al" "$T/w.al" | head -3 | cut -c1-200; }

# ---- kill -9 in the middle of ingests, then the same commands again: kill
# point i lands in the ingest of day i % 9 (the loop writes the ingest's pid
# to a file as it starts it), 0 to 30 ms after it started; points until 6
# have hit a running ingest (at most 16)
killed=0 torn=0 tried=0
for i in $(seq 1 16); do
  [ "$killed" -ge 6 ] && break
  tried=$i
  st=$CH1/kill$i
  rm -f "$T/kill.pid"
  want=$(echo $days | cut -d' ' -f"$(( (i - 1) % 9 + 1 ))")
  VIGIL=$VIGIL S=$S CAP=$CAP ST=$st PIDF=$T/kill.pid WANT=$want setsid bash -c \
    'for d in "$@"; do "$VIGIL" ingest -q --store "$ST" -c "$S" -r "$CAP" -t 2024/03/$d & v=$!
       [ "$d" = "$WANT" ] && echo "$v" >"$PIDF"; wait "$v" || exit 1; done' \
    _ $days >/dev/null 2>&1 &
  pid=$!
  # at most 10 s for the day's ingest to start
  for _ in $(seq 1000); do [ -s "$T/kill.pid" ] && break; sleep 0.01; done
  sleep "$(awk -v i="$i" 'BEGIN { printf "%.3f", 0.01 * (i % 4) }')"
  v=$(cat "$T/kill.pid" 2>/dev/null)
  [ -n "$v" ] && kill -KILL "$v" 2>/dev/null && killed=$((killed + 1))
  kill -KILL -- "-$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  while pgrep -f -- "--store $st " >/dev/null; do sleep 0.05; done
  n=$(q "$P1" "SELECT count() FROM kill$i.src_day WHERE txn NOT IN (SELECT txn FROM kill$i.commits)")
  [ "${n:-0}" -gt 0 ] 2>/dev/null && torn=$((torn + 1))
  ingest_days "$st" 2>"$T/kill.err" || { bad "kill point $i: the rerun failed"; cat "$T/kill.err"; continue; }
  "$VIGIL" report -q -c "$S" --store "$st" -o json 2>/dev/null | nofresh >"$T/k.json"
  cmp -s "$T/k.json" "$T/ref-days/report.json" || bad "kill point $i: the report after kill -9 and a rerun differs"
done
echo "     ($killed of $tried kills hit a running ingest, $torn of them left rows of a write not committed)"
[ "$killed" -ge 6 ] && ok "kill -9 in the middle of ingests, then the same commands: same report" ||
  bad "kill -9: too few kills hit a running ingest ($killed of $tried)"

# ---- the server stopped in the middle of an ingest
st=$CH1/stopped
( ingest_days "$st" ) >/dev/null 2>"$T/stop.err" &
pid=$!
# stopped once three inputs are in (at most 10 s)
for i in $(seq 1 400); do
  n=$(q "$P1" "SELECT count() FROM stopped.commits" 2>/dev/null)
  [ "${n:-0}" -ge 3 ] 2>/dev/null && break
  sleep 0.025
done
"$HERE/server.sh" stop "$T/one"
wait $pid
rc=$?
if [ $rc -ne 0 ] && grep -q "cannot reach ClickHouse at 127.0.0.1:$P1\|ClickHouse at 127.0.0.1:$P1" "$T/stop.err"; then
  ok "server stopped during an ingest: exit $rc, $(grep -m1 -o 'cannot reach ClickHouse[^:]*' "$T/stop.err" || echo "said")"
else bad "server stopped during an ingest (exit $rc)"; cat "$T/stop.err"; fi
start one "$P1" "$P2"
ingest_days "$st" 2>"$T/err" || { bad "rerun after the server came back"; cat "$T/err"; }
outputs "$st" "$T/stopped"
same "server stopped, started, the same commands again" "$T/ref-days" "$T/stopped"

# ---- retention: the same days dropped from both back ends
cp "$T/days.db" "$T/pruned.db"
"$VIGIL" store prune -c "$S" --store "$T/pruned.db" --before 2024-03-06 >"$T/out" 2>&1 || bad "sqlite prune"
"$VIGIL" store prune -c "$S" --store "$CH1/days" --before 2024-03-06 >"$T/out" 2>&1 &&
  grep -q "2 days before 2024-03-06 dropped" "$T/out" && ok "store prune: 2 days dropped" || { bad "store prune"; cat "$T/out"; }
outputs "$T/pruned.db" "$T/ref-pruned"
outputs "$CH1/days" "$T/ch-pruned"
same "after store prune --before 2024-03-06" "$T/ref-pruned" "$T/ch-pruned"
"$VIGIL" store prune -c "$S" --store "$CHC/days" --before 2024-03-06 >"$T/out" 2>&1 || { bad "cluster prune"; cat "$T/out"; }
outputs "$CHC/days" "$T/cl-pruned"
same "cluster after store prune" "$T/ref-pruned" "$T/cl-pruned"

# ---- refusals: exit 5 and a message saying what is wrong
refused() { # name pattern command...
  local name=$1 pat=$2
  shift 2
  "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  if [ $rc -eq 5 ] && grep -q -- "$pat" "$T/err"; then ok "$name"; else
    bad "$name (exit $rc)"; cat "$T/err"; fi
}
dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
refused "no server at the URL" "cannot reach ClickHouse at 127.0.0.1:$dead" \
  "$VIGIL" report -q -c "$S" --store "clickhouse://127.0.0.1:$dead/days"
refused "a wrong password" "Wrong password for user vigil" \
  "$VIGIL" report -q -c "$S" --store "clickhouse://vigil:n0tit@127.0.0.1:$P1/days"
grep -q "n0tit" "$T/err" && bad "the password was printed" || ok "the password is not printed"
echo "vigil:s3cret" >"$T/auth"
chmod 644 "$T/auth"
"$VIGIL" report -q -c "$S" --store "$CH1/days" --store-auth "$T/auth" >"$T/out" 2>"$T/err"
[ $? -eq 2 ] || [ $? -eq 5 ]
grep -q "readable by others" "$T/err" && ok "--store-auth: a file others can read is refused" || { bad "--store-auth 644"; cat "$T/err"; }
chmod 600 "$T/auth"
"$VIGIL" report -q -c "$S" --store "$CH1/days" --store-auth "$T/auth" -o json 2>/dev/null | nofresh >"$T/auth.json"
cmp -s "$T/auth.json" "$T/ch-pruned/report.json" && ok "--store-auth USER:PASSWORD" || bad "--store-auth"
refused "no such database" "no vigil store in database nothere" \
  "$VIGIL" report -q -c "$S" --store "$CH1/nothere"
q "$P1" "CREATE DATABASE other" >/dev/null
q "$P1" "CREATE TABLE other.meta (key String, value String) ENGINE = TinyLog" >/dev/null
q "$P1" "INSERT INTO other.meta VALUES ('owner', 'someone else')" >/dev/null
refused "a database of another application" "not a vigil store" \
  "$VIGIL" ingest -q -c "$S" --store "$CH1/other" -r "$CAP"
q "$P1" "CREATE DATABASE future" >/dev/null
q "$P1" "CREATE TABLE future.meta (key String, value String) ENGINE = TinyLog" >/dev/null
q "$P1" "INSERT INTO future.meta VALUES ('store', 'vigil'), ('schema', '99'), ('site', 'x')" >/dev/null
refused "a store of another schema version" "schema version 99.*made by a newer vigil" \
  "$VIGIL" report -q -c "$S" --store "$CH1/future"
refused "a store of another site" "another site description" \
  "$VIGIL" report -q --monitored 10.0.0.0/8 --store "$CH1/days"
refused "a bad URL" "give the store as clickhouse://" "$VIGIL" report -q -c "$S" --store "clickhouse://127.0.0.1:$P1"
# nothing lost: the refused runs left the store as it was
"$VIGIL" report -q -c "$S" --store "$CH1/days" -o json 2>/dev/null | nofresh >"$T/after.json"
cmp -s "$T/after.json" "$T/ch-pruned/report.json" && ok "the store is unchanged by the refused runs" || bad "the store changed"

echo "clickhouse: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
