#!/bin/sh
# netflow.sh - `vigil watch -l` (the NetFlow/IPFIX collector inside watch)
# gives what `vigil collect` + `vigil report -R` give: softflowd replays the
# sample week's pcap as NetFlow v9; a tee (tests/collect/udp_tee.py) hands
# every datagram to both `vigil collect -w DIR` and `vigil watch -l`; the
# report from watch's store must equal the report of collect's files.
# usage: netflow.sh VIGIL TESTS_DIR. Exit 77 (skipped) when not root or
# softflowd is missing. Everything on 127.0.0.1, every wait bounded.
set -u
VIGIL=$1
TESTS=$2
PY=python3
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: softflowd replays pcaps as root"; exit 77; fi
for t in softflowd softflowctl $PY gzip; do
	command -v $t >/dev/null 2>&1 || { echo "SKIP: no $t (scripts/deps.sh test)"; exit 77; }
done
W=$(mktemp -d /tmp/vigil-watch-nf.XXXXXX)
PIDS=""
cleanup() {
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.2
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null; done
	[ -n "${KEEP:-}" ] && echo "netflow.sh: kept $W" || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 2' INT TERM
wait_for() { i=0; while [ $i -lt "$2" ]; do eval "$1" && return 0; sleep 0.1; i=$((i + 1)); done; return 1; }
stop() { kill -TERM "$1" 2>/dev/null; wait_for "! kill -0 $1 2>/dev/null" 100 || kill -KILL "$1" 2>/dev/null; wait "$1"; }
free_port() { $PY -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
S=$TESTS/data/real-week/site.conf
gzip -dc "$TESTS/data/pcap/real-week.pcap.gz" >"$W/week.pcap" || exit 1
mkdir "$W/vg" "$W/dg"
fail=0

"$VIGIL" collect -l 127.0.0.1:0 -w "$W/vg" --rotate 3600 --duration 300 2>"$W/collect.log" &
CPID=$!; PIDS="$PIDS $CPID"
wait_for "grep -qs 'listening on' '$W/collect.log'" 50 || { echo "FAIL: collect did not start"; exit 1; }
P1=$(sed -n 's/.*listening on udp 127.0.0.1:\([0-9]*\).*/\1/p' "$W/collect.log")
P2=$(free_port)
"$VIGIL" watch -q --store "$W/w.db" -c "$S" -l "127.0.0.1:$P2" --status "$W/status.json" \
	>"$W/alerts.ndjson" 2>"$W/watch.log" &
WPID=$!; PIDS="$PIDS $WPID"
wait_for "ss -Hlun '( sport = :$P2 )' | grep -q ." 50 || { echo "FAIL: watch does not listen"; cat "$W/watch.log"; exit 1; }
$PY "$TESTS/collect/udp_tee.py" "$W/tee.port" "$W/dg" 300 "$P1" "$P2" &
TPID=$!; PIDS="$PIDS $TPID"
wait_for "[ -s '$W/tee.port' ]" 50 || { echo "FAIL: the tee did not start"; exit 1; }
softflowd -r "$W/week.pcap" -n "127.0.0.1:$(cat "$W/tee.port")" -v 9 -6 -d -c "$W/ctl" \
	-p "$W/softflowd.pid" >"$W/softflowd.log" 2>&1 &
SPID=$!; PIDS="$PIDS $SPID"
wait_for "[ -S '$W/ctl' ]" 50
i=0
while kill -0 $SPID 2>/dev/null && [ $i -lt 600 ]; do
	softflowctl -c "$W/ctl" statistics >/dev/null 2>&1; sleep 0.1; i=$((i + 1))
done
stop $SPID
packets=$(sed -n 's/.*(\([0-9]*\) records) in \([0-9]*\) packets.*/\2/p' "$W/softflowd.log")
[ -n "$packets" ] || { echo "FAIL: no export count from softflowd"; cat "$W/softflowd.log"; exit 1; }
wait_for "[ \"\$(cat '$W/tee.port.count' 2>/dev/null)\" = '$packets' ]" 150
sleep 1
stop $TPID
stop $CPID
stop $WPID; rc=$?
[ "$rc" = 0 ] || { echo "FAIL: watch exited $rc"; cat "$W/watch.log"; fail=1; }
"$VIGIL" report -q -c "$S" -R "$W/vg" -o json >"$W/batch.json"
"$VIGIL" report -q -c "$S" --store "$W/w.db" -o json 2>/dev/null >"$W/store.json"
# the inputs' description and the freshness aside (a directory of files
# against a store), and alert ids (watch names them as raised)
norm() { $PY "$TESTS/watch/norm.py" report "$1" inputs flows; }
norm "$W/batch.json" >"$W/batch.n"
norm "$W/store.json" >"$W/store.n"
flows=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["flows"])' "$W/status.json")
if cmp -s "$W/batch.n" "$W/store.n"; then
	echo "ok: watch -l: $packets datagrams, $flows flows; the store's report equals collect + report -R"
else
	echo "FAIL: watch -l: the store's report differs from collect + report -R"
	cmp "$W/batch.n" "$W/store.n"; fail=1
fi
# nothing lost on loopback, and the status record says so: nothing before
# decoding (socket buffer, queue) and no gap in softflowd's sequence numbers
if $PY - "$W/status.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d['lost_datagrams'] == 0 and d['exporter_lost'] == 0, d
PY
then
	echo "ok: watch -l: the status record counts no datagram lost"
else
	echo "FAIL: watch -l: the status record's losses"; cat "$W/status.json"; fail=1
fi
exit $fail
