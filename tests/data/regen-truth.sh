#!/bin/sh
# Rewrites the racluster ground truth next to every .argus file here:
#   NAME.racluster.csv[.gz] = racluster -f racluster.conf -r NAME.argus -n -u -p 6 -c , -s <fields>
# (argus-clients 3.0.8.2, Debian 12). The ra CSVs (NAME.ra.csv, capture.ra.csv.gz) come from
# ../shared/data as they were made there; this script checks they still match ra.
# usage: tests/data/regen-truth.sh        (needs ra and racluster: apt-get install argus-client)
set -eu
cd "$(dirname "$0")"
export TZ=UTC LC_ALL=C
F="stime ltime proto saddr sport daddr dport spkts dpkts sbytes dbytes state"
for a in argus/*.argus real-week/capture.argus; do
  b=${a%.argus}
  # shellcheck disable=SC2086
  racluster -f racluster.conf -r "$a" -n -u -p 6 -c , -s $F >"$b.racluster.csv.tmp"
  case $b in
    real-week/*) gzip -9n <"$b.racluster.csv.tmp" >"$b.racluster.csv.gz"; rm "$b.racluster.csv.tmp";;
    *) mv "$b.racluster.csv.tmp" "$b.racluster.csv";;
  esac
  if [ -f "$b.ra.csv" ]; then ra_truth=$(cat "$b.ra.csv"); else ra_truth=$(gzip -dc "$b.ra.csv.gz"); fi
  # shellcheck disable=SC2086
  if [ "$(ra -r "$a" -n -u -p 6 -c , -s $F)" != "$ra_truth" ]; then
    echo "regen-truth: $b: ra output differs from the stored ra CSV" >&2; exit 1
  fi
done
# ra with a filter, for the filter tests: real-week/filter-N.ra.csv.gz for line N of filters.txt
n=0
while IFS= read -r expr; do
  n=$((n + 1))
  # shellcheck disable=SC2086
  ra -r real-week/capture.argus -n -u -p 6 -c , -s $F - "$expr" | gzip -9n >"real-week/filter-$n.ra.csv.gz"
done <real-week/filters.txt
echo "regen-truth: done"
