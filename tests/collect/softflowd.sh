#!/bin/sh
# softflowd.sh - vigil collect end to end against nfcapd: softflowd replays
# each pcap as NetFlow v5, v9 and IPFIX; a tee (udp_tee.py) hands every
# datagram to both nfcapd and `vigil collect`; then vigil's files (read
# back with `vigil dump -R`) and `nfdump -R` must hold the same flows
# (compare.py), as many as softflowd says it exported, with no loss seen.
# Then cases.sh: the datagrams of tests/data/netflow through nfcapd.
# usage: softflowd.sh VIGIL TESTS_DIR
# Exit 77 (skipped) when not root or softflowd/nfcapd/nfdump are missing.
# Everything on 127.0.0.1, ports the kernel picks, every wait bounded.
set -u
VIGIL=$1
TESTS=$2
HERE=$(dirname "$0")
PY=python3

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: softflowd.sh runs as root (softflowd replays pcaps as root on Debian)"
	exit 77
fi
for t in softflowd softflowctl nfcapd nfdump $PY gzip; do
	if ! command -v $t >/dev/null 2>&1; then
		echo "SKIP: $t is not installed (scripts/deps.sh test installs softflowd and nfdump)"
		exit 77
	fi
done

W=$(mktemp -d /tmp/vigil-collect.XXXXXX)
PIDS=""
cleanup() {
	for p in $PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	sleep 0.2
	for p in $PIDS; do
		kill -KILL "$p" 2>/dev/null
	done
	if [ -n "${KEEP:-}" ]; then
		echo "softflowd.sh: kept $W"
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'exit 2' INT TERM

# waits up to $2 tenths of a second for the shell test "$1"
wait_for() {
	i=0
	while [ $i -lt "$2" ]; do
		eval "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# stops process $1 with SIGTERM (KILL after 10 s); its exit status
stop() {
	kill -TERM "$1" 2>/dev/null
	wait_for "! kill -0 $1 2>/dev/null" 100 || kill -KILL "$1" 2>/dev/null
	wait "$1"
}

free_port() {
	$PY -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

gzip -dc "$TESTS/data/pcap/real-week.pcap.gz" > "$W/real-week.pcap" || exit 1
cp "$TESTS/data/argus/loopback-mix.pcap" "$W/loopback-mix.pcap" || exit 1

failed=0
for pcap in loopback-mix real-week; do
	for v in 5 9 10; do
		R=$W/$pcap-v$v
		mkdir -p "$R/nf" "$R/vg"
		label="$pcap v$v"

		# nfcapd on a free port (retried: another process may take it)
		for try in 1 2 3; do
			P1=$(free_port)
			nfcapd -b 127.0.0.1 -p "$P1" -w "$R/nf" -t 3600 -B 16000000 > "$R/nfcapd.log" 2>&1 &
			NPID=$!
			sleep 0.3
			kill -0 $NPID 2>/dev/null && break
		done
		PIDS="$PIDS $NPID"
		"$VIGIL" collect -l 127.0.0.1:0 -w "$R/vg" --rotate 3600 --duration 300 \
			2> "$R/vigil.log" &
		VPID=$!
		PIDS="$PIDS $VPID"
		if ! wait_for "grep -qs 'listening on' '$R/vigil.log'" 50; then
			echo "FAIL $label: vigil collect did not start"; cat "$R/vigil.log"
			failed=1; continue
		fi
		P2=$(sed -n 's/.*listening on udp 127.0.0.1:\([0-9]*\).*/\1/p' "$R/vigil.log")
		$PY "$HERE/udp_tee.py" "$R/tee.port" "$R/datagrams" 300 "$P1" "$P2" &
		TPID=$!
		PIDS="$PIDS $TPID"
		if ! wait_for "[ -s '$R/tee.port' ]" 50; then
			echo "FAIL $label: the tee did not start"; failed=1; continue
		fi
		PT=$(cat "$R/tee.port")

		# softflowd -r reads a batch of packets each time its control
		# socket is used, and exits at the end of the file
		softflowd -r "$W/$pcap.pcap" -n "127.0.0.1:$PT" -v $v -6 -d -c "$R/ctl" \
			-p "$R/softflowd.pid" > "$R/softflowd.log" 2>&1 &
		SPID=$!
		PIDS="$PIDS $SPID"
		wait_for "[ -S '$R/ctl' ]" 50
		i=0
		while kill -0 $SPID 2>/dev/null && [ $i -lt 600 ]; do
			softflowctl -c "$R/ctl" statistics > /dev/null 2>&1
			sleep 0.1
			i=$((i + 1))
		done
		if kill -0 $SPID 2>/dev/null; then
			softflowctl -c "$R/ctl" shutdown > /dev/null 2>&1
			wait_for "! kill -0 $SPID 2>/dev/null" 50
		fi
		stop $SPID
		line=$(grep 'Flows exported' "$R/softflowd.log")
		records=$(echo "$line" | sed -n 's/.*(\([0-9]*\) records) in \([0-9]*\) packets.*/\1/p')
		packets=$(echo "$line" | sed -n 's/.*(\([0-9]*\) records) in \([0-9]*\) packets.*/\2/p')
		if [ -z "$records" ]; then
			echo "FAIL $label: no export count from softflowd"; cat "$R/softflowd.log"
			failed=1; continue
		fi
		wait_for "[ \"\$(cat '$R/tee.port.count' 2>/dev/null)\" = '$packets' ]" 150
		sleep 0.5
		stop $TPID
		stop $NPID
		stop $VPID
		vstatus=$?

		if [ "$vstatus" -ne 0 ]; then
			echo "FAIL $label: vigil collect exited $vstatus"; failed=1
		fi
		# the exporter table: one stream, every datagram, nothing lost or bad
		row=$(grep '^127.0.0.1:' "$R/vigil.log")
		set -- $row
		if [ "$#" -lt 9 ] || [ "$(echo "$4" | tr -d ,)" != "$packets" ] || [ "$6" != 0 ] ||
		   [ "$7" != 0 ] || [ "$8" != 0 ]; then
			echo "FAIL $label: exporter table (want $packets packets, 0 lost, 0 malformed, 0 without template):"
			cat "$R/vigil.log"; failed=1
		fi
		"$VIGIL" dump -q -R "$R/vg" -o json \
			--fields stime,ltime,proto,saddr,sport,daddr,dport,spkts,dpkts,sbytes,dbytes,sflags \
			> "$R/vigil.json" || { echo "FAIL $label: vigil dump -R"; failed=1; }
		TZ=UTC nfdump -R "$R/nf" -o csv > "$R/nfdump.csv" 2> "$R/nfdump.err"
		TZ=UTC nfdump -R "$R/nf" -q -o 'fmt:%ts|%te' > "$R/nfdump.fmt" 2>> "$R/nfdump.err"
		$PY "$HERE/compare.py" "$label" $v "$records" "$R/vigil.json" "$R/nfdump.csv" \
			"$R/nfdump.fmt" || failed=1
		# v5 (nfcapd's times right): the study on the collector's files is
		# the study on nfcapd's files, the one-way flows paired alike
		if [ $v = 5 ]; then
			"$VIGIL" report -q -o json -c "$TESTS/data/real-week/site.conf" -R "$R/vg" > "$R/r-vg.json"
			"$VIGIL" report -q -o json -c "$TESTS/data/real-week/site.conf" -R "$R/nf" > "$R/r-nf.json"
			if cmp -s "$R/r-vg.json" "$R/r-nf.json" && [ -s "$R/r-vg.json" ]; then
				echo "$label: vigil report on the collector's files = on nfcapd's files"
			else
				echo "FAIL $label: vigil report differs between the collector's and nfcapd's files"
				failed=1
			fi
		fi
	done
done
# the datagrams of known content (tests/data/netflow) through nfcapd: nfdump
# still prints what the golden case nf-vs-nfdump compares vigil with
sh "$HERE/cases.sh" "$VIGIL" "$TESTS" || failed=1
[ $failed -eq 0 ] && echo "softflowd.sh: all passed" || echo "softflowd.sh: FAILED"
exit $failed
