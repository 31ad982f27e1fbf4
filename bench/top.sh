#!/usr/bin/env bash
# top.sh - vigil top against racluster -m saddr and nfdump -s on the benchmark month of
# run.sh (big.argus, and its nfpcapd directory nf/): wall time and peak RSS, median of
# REPS runs, and whether every group equals the peer's.
# usage: bench/top.sh [BIGDIR]     env: REPS VIGIL
set -euo pipefail
export TZ=UTC LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
BIG=${1:-/tmp/vigil-bench}
REPS=${REPS:-3}
VIGIL=${VIGIL:-$TOP/build/release/vigil}
cd "$BIG"
[ -s big.argus ] && [ -d nf ] || { echo "bench: run bench/run.sh first (big.argus, nf/)" >&2; exit 1; }
tv() { # one timed run of "$@" (stdout to $OUTF): "wall maxrss_kib"
  /usr/bin/time -o tv.out -f '%e %M' "$@" >"$OUTF" 2>/dev/null || { echo "bench: FAILED: $*" >&2; exit 1; }
  cat tv.out
}
med() { local i; for ((i = 0; i < REPS; i++)); do tv "$@"; done | sort -n | awk -v n="$REPS" 'NR==int((n+1)/2)'; }
OUTF=rc.csv r_rc=$(med racluster -m saddr -r big.argus -s saddr pkts bytes trans -n -c ,)
OUTF=vt.csv r_vt=$(med "$VIGIL" top -q -r big.argus -s srcip -n 0 -o csv)
tail -n +2 rc.csv | sort >rc.s
tail -n +2 vt.csv | awk -F, '{print $1","$3","$4","$2}' | sort >vt.s
cmp -s rc.s vt.s && eq1="equal ($(wc -l <rc.s) groups)" || eq1=DIFFERENT
OUTF=nf.csv r_nf=$(med nfdump -R nf -s srcip -n 0 -o csv)
OUTF=vn.csv r_vn=$(med "$VIGIL" top -q -R nf -s srcip -n 0 -o csv)
awk -F, 'NR>1 && NF>10 {print $5","$6","$8","$10}' nf.csv | sort >nf.s
tail -n +2 vn.csv | cut -d, -f1-4 | sort >vn.s
cmp -s nf.s vn.s && eq2="equal ($(wc -l <nf.s) groups)" || eq2=DIFFERENT
OUTF=/dev/null r_nf2=$(med nfdump -R nf -s dstport/bytes -n 10)
OUTF=/dev/null r_vn2=$(med "$VIGIL" top -q -R nf -s dstport/bytes -n 10)
ratio() { awk -v a="${1% *}" -v b="${2% *}" 'BEGIN { printf "%.2fx", a / b }'; }
echo "| task | peer s | peer MiB | vigil top s | vigil MiB | peer/vigil | groups |"
echo "|---|---:|---:|---:|---:|---:|---|"
row() { printf '| %s | %s | %d | %s | %d | %s | %s |\n' "$1" "${2% *}" $(( ${2#* } / 1024 )) "${3% *}" $(( ${3#* } / 1024 )) "$(ratio "$2" "$3")" "$4"; }
row "big.argus: racluster -m saddr / top -s srcip -n 0" "$r_rc" "$r_vt" "$eq1"
row "nf/ (8,640 files): nfdump -s srcip -n 0 / top -s srcip -n 0" "$r_nf" "$r_vn" "$eq2"
row "nf/: nfdump -s dstport/bytes -n 10 / top -s dstport/bytes -n 10" "$r_nf2" "$r_vn2" "-"
