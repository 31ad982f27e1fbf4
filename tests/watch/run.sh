#!/usr/bin/env bash
# run.sh - `vigil watch` gives what batch gives: the sample week fed live
#  A. as files appearing one by one in a followed directory (-R), with the
#     watch killed (-9) in the middle and started again;
#  B. as an Argus stream (-S) from a server on 127.0.0.1 that sends the
#     week's records in paced bursts and then goes away;
# must leave a store whose report equals `vigil report -r` on the capture,
# and write alerts whose latest line per id equals `vigil alerts -r` on it
# (alert ids aside: watch names alerts in the order it raised them, batch
# in time order). Also: --exec runs once per alert, --status is a JSON
# record, a silent feed gives a {"feed":...} line, SIGTERM exits 0.
# Every wait is bounded; the server listens on 127.0.0.1 and is stopped by
# its PID. usage: tests/watch/run.sh VIGIL DATA_DIR
set -u
VIGIL=$1
D=$2
T=$(mktemp -d)
PIDS=""
cleanup() { for p in $PIDS; do kill -9 "$p" 2>/dev/null; done; [ -n "${KEEP:-}" ] || rm -rf "$T"; }
trap cleanup EXIT
[ -n "${KEEP:-}" ] && echo "tmp $T"
export TZ=UTC LC_ALL=C
fail=0
bad() { echo "FAIL: $*"; fail=1; }
W=$D/real-week
CAP=$W/capture.argus
S=$W/site.conf
PIECES=8

# the capture cut into pieces of whole records (each an Argus file)
python3 "$(dirname "$0")/../cut-argus.py" "$CAP" "$T" "$PIECES"

"$VIGIL" report -q -c "$S" -r "$CAP" -o json >"$T/raw.json"
"$VIGIL" alerts -q -c "$S" -r "$CAP" -o json | grep -v '^{"freshness"' >"$T/raw.alerts"
n_flows=$("$VIGIL" stats -q -r "$CAP" -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["flow_records"])')

# the report without the alert ids and the freshness; the alerts, latest
# line per id, without ids, in a stable order
NORM="python3 $(dirname "$0")/norm.py"
strip_report() { $NORM report "$1"; }
strip_alerts() { $NORM alerts "$1"; }

strip_report "$T/raw.json" >"$T/raw.rep"
strip_alerts "$T/raw.alerts" >"$T/raw.al"
n_alerts=$(wc -l <"$T/raw.alerts")

check() { # name db alerts-file
	"$VIGIL" report -q -c "$S" --store "$2" -o json 2>/dev/null >"$T/st.json"
	strip_report "$T/st.json" >"$T/st.rep"
	if cmp -s "$T/raw.rep" "$T/st.rep"; then echo "ok: $1: the store's report equals report -r"; else
		bad "$1: the store's report differs from report -r"; cmp "$T/raw.rep" "$T/st.rep"; fi
	strip_alerts "$3" >"$T/w.al"
	if cmp -s "$T/raw.al" "$T/w.al"; then
		echo "ok: $1: $n_alerts alerts, the latest line of each as alerts -r ($(wc -l <"$3") lines)"
	else
		bad "$1: the alerts differ from alerts -r"; diff "$T/raw.al" "$T/w.al" | head -4
	fi
}
wait_end() { local i; for i in $(seq 150); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done; return 1; }
# waits (at most 30 s) until FILE has N lines matching RE
wait_lines() {
	local i
	for i in $(seq 300); do
		[ "$(grep -c -- "$3" "$1" 2>/dev/null)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# ---- A. a directory filled file by file; kill -9 after half, restart
mkdir "$T/in"
"$VIGIL" watch --store "$T/a.db" -c "$S" -R "$T/in" --alerts "$T/a.ndjson" \
	--exec "cat >>$T/exec.ndjson" 2>"$T/a.err" &
V=$!; PIDS="$PIDS $V"
half=$((PIECES / 2))
for i in $(seq 0 $((PIECES - 1))); do
	f=$(printf piece.%02d "$i")
	if [ "$i" = "$half" ]; then
		# killed between two files: the next start goes on at this one
		wait_lines "$T/a.err" "$half" ": .* records" || bad "-R: the first $half files were not read"
		kill -9 "$V"; wait "$V" 2>/dev/null
		"$VIGIL" watch --store "$T/a.db" -c "$S" -R "$T/in" --alerts "$T/a.ndjson" \
			--exec "cat >>$T/exec.ndjson" --html "$T/week.html" 2>"$T/a2.err" &
		V=$!; PIDS="$PIDS $V"
	fi
	# written under a temporary name, then renamed, as collectors do
	cp "$T/$f" "$T/in/.$f.tmp"
	mv "$T/in/.$f.tmp" "$T/in/$f"
done
# the last file read (the restart may read the one the kill cut again first)
wait_lines "$T/a2.err" 1 "$(printf piece.%02d $((PIECES - 1))): .* records" || bad "-R: the last files were not read"
kill -TERM "$V"; wait_end "$V" || bad "-R: no exit on SIGTERM"
wait "$V"; rc=$?
[ "$rc" = 0 ] || { bad "-R: exit $rc after SIGTERM"; cat "$T/a2.err"; }
grep -q "piece.00" "$T/a2.err" && bad "-R: the restart read a file the store had again"
check "-R, killed and restarted" "$T/a.db" "$T/a.ndjson"
# --html: the page of the store's report, written when a day closed (the
# last: the one the last file ends in), and again on SIGHUP
"$VIGIL" report -q -c "$S" --store "$T/a.db" --html "$T/batch.html" >/dev/null 2>&1
if [ -s "$T/week.html" ] && grep -q '</html>' "$T/week.html" && [ ! -e "$T/week.html.tmp" ]; then
	echo "ok: --html wrote the report page ($(wc -c <"$T/week.html") bytes)"
else
	bad "--html: no page"
fi
n_exec=$(grep -c '"id"' "$T/exec.ndjson")
n_new=$(python3 -c 'import json,sys; print(len({json.loads(l)["id"] for l in open(sys.argv[1]) if "\"id\"" in l}))' "$T/a.ndjson")
[ "$n_exec" = "$n_new" ] && echo "ok: --exec ran once for each of the $n_new alerts" ||
	bad "--exec ran $n_exec times for $n_new alerts"

# ---- B. an Argus stream in paced bursts; the server then goes away
P=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 - "$P" "$CAP" "$T/srv.ready" <<'PY' &
# one client; the week's records in 20 bursts 0.1 s apart (about 2 s); bounded
import socket, sys, time
data = open(sys.argv[2], 'rb').read()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(1); s.settimeout(30)
open(sys.argv[3], 'w').write('1')
c, _ = s.accept(); c.settimeout(5); c.recv(16)
bursts, pos, cut = 20, 128, [128]
while pos + 4 <= len(data):
    pos += int.from_bytes(data[pos+2:pos+4], 'big') * 4
    cut.append(pos)
c.sendall(data[:128])
for i in range(bursts):
    a, b = cut[i * (len(cut) - 1) // bursts], cut[(i + 1) * (len(cut) - 1) // bursts]
    c.sendall(data[a:b]); time.sleep(0.1)
c.close()
PY
SRV=$!; PIDS="$PIDS $SRV"
for _ in $(seq 50); do [ -s "$T/srv.ready" ] && break; sleep 0.1; done
"$VIGIL" watch --store "$T/b.db" -c "$S" --max-age 3s --commit-gap 0 -S "127.0.0.1:$P" --status "$T/status.json" \
	>"$T/b.ndjson" 2>"$T/b.err" &
V=$!; PIDS="$PIDS $V"
wait_end "$SRV" || bad "-S: the server did not finish"
# the feed is silent now: after --max-age a feed line
wait_lines "$T/b.ndjson" 1 '^{"feed":{"silent":true' || bad "-S: no feed line after 3 s of silence"
kill -TERM "$V"; wait_end "$V" || bad "-S: no exit on SIGTERM"
wait "$V"; rc=$?
[ "$rc" = 0 ] || { bad "-S: exit $rc after SIGTERM"; cat "$T/b.err"; }
grep -q "connecting again" "$T/b.err" || bad "-S: the lost server was not retried"
python3 - "$T/status.json" "$n_flows" "$T/b.err" <<'PY' || bad "-S: the status record"
import json, re, sys
d = json.load(open(sys.argv[1]))
assert d['flows'] == int(sys.argv[2]), (d['flows'], sys.argv[2])
assert d['last_data'].startswith('2024-03-'), d
# the record written at the stop counts the commits the stop line says;
# how many reads passed an hour depends on how the bursts were read (a
# slow reader gets several in one read), but at least one before the stop
m = re.search(r'stopped: \d+ flows, (\d+) commits', open(sys.argv[3]).read())
assert m and d['commits'] == int(m.group(1)), (d['commits'], m and m.group(1))
assert d['rss_kib'] > 0 and d['commits'] >= 2, d
print('ok: -S: the status record counts the %d flows, last data %s' % (d['flows'], d['last_data']))
PY
grep -v '^{"feed"' "$T/b.ndjson" >"$T/b.alerts"
check "-S, paced stream" "$T/b.db" "$T/b.alerts"

# ---- C. a capture interface (root: lo): N UDP flows to a port of ours,
# committed at SIGTERM (the flows in progress end there)
if [ "$(id -u)" -eq 0 ]; then
	PU=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	"$VIGIL" watch -q --store "$T/c.db" --monitored 127.0.0.1 -i lo --bpf "udp and dst port $PU" \
		--status "$T/c.status" >"$T/c.ndjson" 2>"$T/c.err" &
	V=$!; PIDS="$PIDS $V"
	sleep 1.5  # the capture is open
	python3 - "$PU" <<'PY'
import socket, sys
for i in range(12):  # 12 sockets: 12 flows from 12 source ports
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(b'vigil-test', ('127.0.0.1', int(sys.argv[1]))); u.close()
PY
	sleep 1
	kill -TERM "$V"; wait_end "$V" || bad "-i: no exit on SIGTERM"
	wait "$V"; rc=$?
	[ "$rc" = 0 ] || { bad "-i: exit $rc"; cat "$T/c.err"; }
	n=$("$VIGIL" report -q --monitored 127.0.0.1 --store "$T/c.db" -o json 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["flows"]["read"])')
	[ "$n" = 12 ] && echo "ok: -i lo: the 12 flows metered are in the store" ||
		{ bad "-i lo: the store has $n flows, want 12"; cat "$T/c.err"; }
else
	echo "note: not root: the -i part (a capture on lo) was not run"
fi

[ $fail = 0 ] && echo "run.sh: watch gives what batch gives"
exit $fail
