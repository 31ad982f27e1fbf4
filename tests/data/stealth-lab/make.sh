#!/usr/bin/env bash
# make.sh - builds the stealth-lab capture with real tools in two network
# namespaces: nmap's stealth, slow and distributed scans, hping3's
# backscatter, curl's benign clients. Nothing leaves the namespaces.
#
#   vgl-out (45.0.0.0/8 sources, 203.0.113.0/24 victims) --veth-- vgl-in
#   (the monitored hosts 198.51.100.1-8, lab-services.py on 22, 25, 80)
#
# tcpdump on the monitored side records one file; every episode's real
# start and end go to a log; retime.py moves each episode to its planned
# time (three days from 2024-05-06 00:00 UTC) and stretches the slow scan;
# argus and nfpcapd convert the result. SCENARIO.tsv names every source's
# designed role (the quality test reads it).
#
# usage: sudo tests/data/stealth-lab/make.sh [OUTDIR]   (default: beside this script)
# Needs root (namespaces, raw sockets); installs nmap, hping3, tcpdump,
# argus and nfdump through scripts/deps.sh lab. Bounded: every tool runs
# under timeout, every scan has a fixed list of ports and hosts; about
# 10 minutes in all.
set -euo pipefail
export LC_ALL=C TZ=UTC
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
work=$(mktemp -d /tmp/vigil-lab.XXXXXX)
[ "$(id -u)" = 0 ] || { echo "make.sh: needs root (network namespaces, raw sockets)" >&2; exit 1; }
sh "$here/../../../scripts/deps.sh" lab

IN=vgl-in OUTNS=vgl-out
pids=()
cleanup() {
	for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
	sleep 0.5
	ip netns del $IN 2>/dev/null || true
	ip netns del $OUTNS 2>/dev/null || true
	if [ -n "${KEEP:-}" ]; then echo "make.sh: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
ip netns del $IN 2>/dev/null || true
ip netns del $OUTNS 2>/dev/null || true

hosts="198.51.100.1 198.51.100.2 198.51.100.3 198.51.100.4 198.51.100.5 198.51.100.6 198.51.100.7 198.51.100.8"
sources="45.10.0.11 45.10.0.12 45.10.0.13 45.10.0.14 45.10.0.15 45.10.0.16 45.10.0.20
45.20.0.30 45.30.0.40 45.40.0.1 45.40.0.2 45.40.0.3 45.40.0.4 45.40.0.5 45.40.0.6 45.40.0.7
45.40.0.8 45.41.0.1 45.41.0.2 45.41.0.3 45.41.0.4 45.50.0.1 45.50.0.2 45.50.0.3
203.0.113.77 203.0.113.80 203.0.113.99 203.0.113.50"

ip netns add $IN
ip netns add $OUTNS
ip link add vout netns $OUTNS type veth peer name vin netns $IN
ip -n $IN link set lo up
ip -n $OUTNS link set lo up
ip -n $IN link set vin up
ip -n $OUTNS link set vout up
for h in $hosts; do ip -n $IN addr add "$h/32" dev vin; done
ip -n $IN route add default dev vin
for s in $sources; do ip -n $OUTNS addr add "$s/32" dev vout; done
ip -n $OUTNS route add 198.51.100.0/24 dev vout
# checksums as on a wire (veth leaves them to the NIC that is not there)
ip netns exec $IN ethtool -K vin tx off >/dev/null 2>&1 || true
ip netns exec $OUTNS ethtool -K vout tx off >/dev/null 2>&1 || true

svc=()
for h in $hosts; do svc+=("$h:80:http"); done
for h in 198.51.100.1 198.51.100.2 198.51.100.3 198.51.100.4; do svc+=("$h:22:ssh"); done
svc+=("198.51.100.5:25:smtp")
ip netns exec $IN python3 "$here/lab-services.py" "${svc[@]}" &
pids+=($!)
ip netns exec $IN timeout 1800 tcpdump -i vin -n -U -s 262144 -w "$work/raw.pcap" \
	'net 198.51.100.0/24' 2>"$work/tcpdump.log" &
pids+=($!)
sleep 2

O() { ip netns exec $OUTNS timeout 900 "$@"; }
nm() { O nmap -n -Pn -e vout --max-retries 1 "$@" >>"$work/nmap.log" 2>&1; }
log=$work/episodes.log
: >"$log"
# ep NAME PLAN_DAY PLAN_HH:MM STRETCH -- command...
ep() {
	local name=$1 day=$2 at=$3 stretch=$4
	shift 5
	local t0 t1
	t0=$(date +%s.%N)
	"$@"
	sleep 1.5 # late answers stay in the episode
	t1=$(date +%s.%N)
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$t0" "$t1" "$day" "$at" "$stretch" >>"$log"
	echo "make.sh: $name done" >&2
	sleep 1
}
curl_as() { # SRC URL...: benign fetches
	local src=$1
	shift
	for u in "$@"; do O curl -s -m 5 --interface "$src" -o /dev/null "$u" || true; done
}
banner_as() { # SRC HOST PORT: a client reads a banner and says goodbye
	O python3 -c 'import socket,sys
s=socket.socket(); s.bind((sys.argv[1],0)); s.settimeout(3); s.connect((sys.argv[2],int(sys.argv[3])))
s.recv(200); s.sendall(b"QUIT\r\n"); s.close()' "$1" "$2" "$3" || true
}
distributed_ports() { # eight sources, eight ports each, one host, at once
	local i w=()
	for i in 1 2 3 4 5 6 7 8; do
		local lo=$((1000 + (i - 1) * 8)) hi=$((1000 + i * 8 - 1))
		nm -sS -T4 -S 45.40.0.$i -p $lo-$hi 198.51.100.6 &
		w+=($!)
	done
	wait "${w[@]}"
}
distributed_hosts() { # four sources, 5900/tcp on two hosts each, at once
	local i w=()
	for i in 1 2 3 4; do
		nm -sS -T4 -S 45.41.0.$i -p 5900 198.51.100.$((2 * i - 1)) 198.51.100.$((2 * i)) &
		w+=($!)
	done
	wait "${w[@]}"
}
pings() { # SRC HOST...: one echo request to each
	local src=$1 h
	shift
	for h in "$@"; do O hping3 -q -1 -c 1 -a "$src" "$h" >/dev/null 2>&1 || true; done
}
backscatter() { # VICTIM FLAGS SPORT BASE: answers of a victim to SYNs spoofed in our name
	local victim=$1 flags=$2 sport=$3 base=$4 h
	for h in $hosts; do
		O hping3 -q $flags -a "$victim" -s "$sport" -k -p ++$base -c 40 -i u20000 "$h" \
			>/dev/null 2>&1 || true
		base=$((base + 97))
	done
}
backscatter_icmp() { # a router near the victim: port unreachable for "our" packets
	local h
	for h in $hosts; do
		O hping3 -q -1 -C 3 -K 3 -a 203.0.113.99 --icmp-ipsrc 203.0.113.50 --icmp-ipdst "$h" \
			--icmp-ipproto 17 --icmp-srcport 53 --icmp-dstport 33434 -c 25 -i u40000 "$h" \
			>/dev/null 2>&1 || true
	done
}

ports150=1-150
ep benign-daily-1 1 01:10 1 -- curl_as 45.50.0.2 http://198.51.100.1/
ep benign-http-1 1 02:00 1 -- curl_as 45.50.0.1 http://198.51.100.1/ http://198.51.100.2/ \
	http://198.51.100.3/ http://198.51.100.1/index.html http://198.51.100.2/robots.txt
ep benign-banners-1 1 02:20 1 -- banner_as 45.50.0.3 198.51.100.1 22
ep stealth-null 1 03:00 1 -- nm -sN -T4 -S 45.10.0.11 -p $ports150 198.51.100.2
ep stealth-fin 1 03:30 1 -- nm -sF -T4 -S 45.10.0.12 -p $ports150 198.51.100.2
ep stealth-xmas 1 04:00 1 -- nm -sX -T4 -S 45.10.0.13 -p $ports150 198.51.100.2
ep stealth-ack 1 04:30 1 -- nm -sA -T4 -S 45.10.0.14 -p $ports150 198.51.100.2
ep stealth-maimon 1 05:00 1 -- nm -sM -T4 -S 45.10.0.15 -p $ports150 198.51.100.2
ep stealth-window 1 05:30 1 -- nm -sW -T4 -S 45.10.0.16 -p $ports150 198.51.100.2
ep syn-scan 1 08:00 1 -- nm -sS -T4 -S 45.10.0.20 -p $ports150 198.51.100.3
ep backscatter-synack 1 10:00 1 -- backscatter 203.0.113.80 "-S -A" 80 20000
ep benign-daily-2 2 01:05 1 -- curl_as 45.50.0.2 http://198.51.100.1/
ep icmp-then-tcp-echo 2 09:00 1 -- pings 45.30.0.40 198.51.100.1
ep icmp-then-tcp-echo2 2 09:01 1 -- pings 45.30.0.40 198.51.100.2 198.51.100.3 198.51.100.4 \
	198.51.100.5 198.51.100.6 198.51.100.7 198.51.100.8
ep icmp-then-tcp-probes 2 09:45 1 -- nm -sS -T3 -S 45.30.0.40 -p 22,23,80,443,3389 198.51.100.1-8
# -T1 waits 15 s between probes; stretched 20 times, a probe every 5 minutes (-T0's pace)
ep slow-scan 2 12:00 20 -- nm -sS -T1 -S 45.20.0.30 -p 20-25,53,80,110,111,135,139,143,443,445,993,995,1433,3306,3389,5432,5900 198.51.100.4
ep distributed-ports 2 16:00 1 -- distributed_ports
ep backscatter-rst 2 18:00 1 -- backscatter 203.0.113.77 -R 443 30000
ep benign-daily-3 3 01:15 1 -- curl_as 45.50.0.2 http://198.51.100.1/
ep distributed-hosts 3 07:00 1 -- distributed_hosts
ep backscatter-icmp 3 10:00 1 -- backscatter_icmp
ep benign-http-2 3 14:00 1 -- curl_as 45.50.0.1 http://198.51.100.4/ http://198.51.100.5/
ep benign-smtp 3 14:30 1 -- banner_as 45.50.0.3 198.51.100.5 25

sleep 1
kill "${pids[1]}" 2>/dev/null || true
wait "${pids[1]}" 2>/dev/null || true
mkdir -p "$out"
python3 "$here/retime.py" "$work/raw.pcap" "$log" "$work/capture.pcap"
gzip -9n <"$work/capture.pcap" >"$out/capture.pcap.gz"
argus -F "$here/argus.conf" -r "$work/capture.pcap" -w "$out/capture.argus"
ra -nr "$out/capture.argus" -Z b -u -p 6 -c , -s stime ltime proto saddr sport daddr dport \
	spkts dpkts sbytes dbytes state | gzip -9n >"$out/capture.ra-zb.csv.gz"
mkdir -p "$work/nf"
nfpcapd -r "$work/capture.pcap" -w "$work/nf" >"$work/nfpcapd.log" 2>&1
nfdump -R "$work/nf" -w "$out/capture.nfcapd"
cp "$log" "$out/episodes.log"
xz -9 <"$work/nmap.log" >"$out/tool-logs.txt.xz"
echo "make.sh: wrote $out/capture.pcap.gz capture.argus" >&2
