#!/bin/sh
# cases.sh - the datagrams of tests/data/netflow (NAME.nfd, made by
# make-datagrams.py) sent to nfcapd on 127.0.0.1: what nfdump prints of
# them must still be the NAME.nfdump.txt / NAME.nfdump.csv stored there
# (the peer's side of the golden cases nf-*, which compare vigil collect
# with it: nfcompare.py); then the comparison itself is printed.
# usage: cases.sh VIGIL TESTS_DIR [--regen]   (--regen: store nfdump's output)
# Exit 77 (skipped) without nfcapd/nfdump. Only 127.0.0.1, ports the kernel
# picks, every wait bounded, nfcapd stopped by its PID.
set -u
VIGIL=$1
TESTS=$2
REGEN=${3:-}
HERE=$(dirname "$0")
DATA=$TESTS/data/netflow
PY=python3
FMT='fmt:%ts|%te|%pr|%sa|%sp|%da|%dp|%ipkt|%ibyt|%opkt|%obyt|%flg'

for t in nfcapd nfdump $PY; do
	if ! command -v $t >/dev/null 2>&1; then
		echo "SKIP: $t is not installed"
		exit 77
	fi
done

W=$(mktemp -d /tmp/vigil-nfcases.XXXXXX)
NPID=""
cleanup() {
	[ -n "$NPID" ] && kill -TERM "$NPID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

free_port() {
	$PY -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

failed=0
names=""
for f in "$DATA"/*.nfd; do
	name=$(basename "$f" .nfd)
	names="$names $name"
	mkdir -p "$W/$name"
	cp "$f" "$W/"
	for try in 1 2 3; do
		P=$(free_port)
		nfcapd -b 127.0.0.1 -p "$P" -w "$W/$name" -t 3600 > "$W/$name.log" 2>&1 &
		NPID=$!
		sleep 0.3
		kill -0 $NPID 2>/dev/null && break
	done
	$PY "$HERE/nfreplay.py" --send "$P" "$f"
	sleep 0.3
	kill -TERM $NPID 2>/dev/null
	i=0
	while kill -0 $NPID 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL $NPID 2>/dev/null
	wait $NPID 2>/dev/null
	NPID=""
	TZ=UTC nfdump -R "$W/$name" -q -o "$FMT" > "$W/$name.nfdump.txt" 2>> "$W/$name.log"
	TZ=UTC nfdump -R "$W/$name" -o csv > "$W/$name.nfdump.csv" 2>> "$W/$name.log"
	# the CSV's last column, tr, is when nfcapd received the datagram
	sed 's/,[^,]*$//' "$DATA/$name.nfdump.csv" > "$W/$name.stored.csv" 2>/dev/null
	if [ "$REGEN" = --regen ]; then
		cp "$W/$name.nfdump.txt" "$W/$name.nfdump.csv" "$DATA/"
	elif ! cmp -s "$W/$name.nfdump.txt" "$DATA/$name.nfdump.txt" ||
	     ! sed 's/,[^,]*$//' "$W/$name.nfdump.csv" | cmp -s - "$W/$name.stored.csv"; then
		echo "FAIL $name: nfdump's output differs from the stored one:"
		diff "$DATA/$name.nfdump.txt" "$W/$name.nfdump.txt" | head -10
		failed=1
	else
		echo "ok   $name: nfcapd + nfdump as stored"
	fi
done
# shellcheck disable=SC2086
$PY "$HERE/nfcompare.py" "$VIGIL" "$W" $names || failed=1
[ $failed -eq 0 ] && echo "cases.sh: all passed" || echo "cases.sh: FAILED"
exit $failed
