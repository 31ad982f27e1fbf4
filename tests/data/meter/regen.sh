#!/bin/sh
# Remakes the built captures here (mk-captures.py) and the ground truth beside them:
# NAME.ra.csv.gz is what ra prints for argus's file of NAME.pcap, with the status interval of
# the real week (60 s, vigil's default):
#   argus -F ../real-week/argus.conf -r NAME.pcap -w NAME.argus
#   ra -r NAME.argus -n -u -p 6 -c , -s stime ltime proto saddr sport daddr dport spkts dpkts sbytes dbytes state
# (argus-server and argus-client 3.0.8.2, Debian 12), without the `man` rows.
# usage: tests/data/meter/regen.sh
set -eu
cd "$(dirname "$0")"
export TZ=UTC LC_ALL=C
F="stime ltime proto saddr sport daddr dport spkts dpkts sbytes dbytes state"
python3 mk-captures.py .
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for p in *.pcap; do
  n=${p%.pcap}
  argus -F ../real-week/argus.conf -r "$p" -w "$tmp/$n.argus"
  # shellcheck disable=SC2086
  ra -r "$tmp/$n.argus" -n -u -p 6 -c , -s $F | grep -v ",man," | gzip -9n >"$n.ra.csv.gz"
done
echo "regen: done"
