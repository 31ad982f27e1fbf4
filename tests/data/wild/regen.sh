#!/bin/sh
# Rewrites the ground truth beside every capture here: NAME.ra.csv.gz is what ra prints for
# argus's file of NAME.pcap, with the status interval of the real week (60 s, vigil's default):
#   argus -F ../real-week/argus.conf -r NAME.pcap -w NAME.argus
#   ra -r NAME.argus -n -u -p 6 -c , -s stime ltime proto saddr sport daddr dport spkts dpkts sbytes dbytes state
# (argus-server and argus-client 3.0.8.2, Debian 12), without the `man` rows (they carry the wall
# clock of the run, and the golden check leaves them out). Also remakes the two P5 captures from their
# sources (dup-packets.py). usage: tests/data/wild/regen.sh
set -eu
cd "$(dirname "$0")"
export TZ=UTC LC_ALL=C
F="stime ltime proto saddr sport daddr dport spkts dpkts sbytes dbytes state"
python3 dup-packets.py whois.pcap whois-dup70.pcap -70000000
python3 dup-packets.py dns_tcp.pcap dns_tcp-dup2.pcap -2000000
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for p in *.pcap; do
  n=${p%.pcap}
  # argus aborts on some of them (Linux cooked packets over 2,034 bytes): what it wrote counts
  argus -F ../real-week/argus.conf -r "$p" -w "$tmp/$n.argus" 2>/dev/null || true
  # shellcheck disable=SC2086
  ra -r "$tmp/$n.argus" -n -u -p 6 -c , -s $F 2>/dev/null | grep -v ",man," | gzip -9n >"$n.ra.csv.gz"
done
echo "regen: done"
