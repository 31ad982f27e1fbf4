#!/usr/bin/env bash
# run.sh - golden end-to-end tests of the vigil binary, listed in cases*.txt.
#
# usage: tests/golden/run.sh VIGIL DATA_DIR [--regen] [NAME...]
#
# Each case runs a shell command (with $VIGIL, $D = the data dir, $T = a
# scratch dir that is also the working directory) and checks its exit code,
# standard output and standard error. Output checks:
#   ra:FILE         stdout = our header, then FILE's rows without ra's header
#                   and `man` rows, byte for byte (FILE may be .gz)
#   racluster:FILE  stdout rows = FILE's rows (without `man` rows), in any order
#   golden          stdout = expected/NAME.out (stored; --regen rewrites)
#   empty           nothing;   -   not checked
# Stderr checks: golden (expected/NAME.err), empty, -.
# Ends with "N passed, N failed".
set -u
export TZ=UTC LC_ALL=C
VIGIL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
D=$(cd "$2" && pwd)
shift 2
HERE=$(cd "$(dirname "$0")" && pwd)
REGEN=0
if [ "${1:-}" = "--regen" ]; then REGEN=1; shift; fi
ONLY=" $* "
HEADER=stime,ltime,proto,saddr,sport,daddr,dport,spkts,dpkts,sbytes,dbytes,state
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export VIGIL D T

pass=0 fail=0
cat_any() { case $1 in *.gz) gzip -dc "$1";; *) cat "$1";; esac; }

check_out() { # kind file name
	local kind=$1 out=$2 name=$3
	case $kind in
	-) return 0 ;;
	empty) [ ! -s "$out" ] && return 0; echo "  stdout not empty"; head -3 "$out"; return 1 ;;
	golden)
		if [ $REGEN = 1 ]; then cp "$out" "$HERE/expected/$name.out"; return 0; fi
		diff -u "$HERE/expected/$name.out" "$out" >"$T/diff" && return 0
		echo "  stdout differs from expected/$name.out:"; head -20 "$T/diff"; return 1 ;;
	ra:*)
		{ echo "$HEADER"; cat_any "$D/${kind#ra:}" | tail -n +2 | grep -v ',man,'; } >"$T/want"
		diff "$T/want" "$out" >"$T/diff" && return 0
		echo "  stdout differs from ra's ${kind#ra:}: $(grep -c '^[<>]' "$T/diff") lines"; head -10 "$T/diff"; return 1 ;;
	racluster:*)
		cat_any "$D/${kind#racluster:}" | tail -n +2 | grep -v ',man,' | sort >"$T/want"
		tail -n +2 "$out" | sort >"$T/got"
		[ "$(head -1 "$out")" = "$HEADER" ] || { echo "  bad header: $(head -1 "$out")"; return 1; }
		diff "$T/want" "$T/got" >"$T/diff" && return 0
		echo "  rows differ from racluster's ${kind#racluster:}: $(grep -c '^[<>]' "$T/diff") lines"
		head -10 "$T/diff"; return 1 ;;
	*) echo "  unknown check '$kind'"; return 1 ;;
	esac
}

check_err() { # kind file name
	local kind=$1 err=$2 name=$3
	case $kind in
	-) return 0 ;;
	empty) [ ! -s "$err" ] && return 0; echo "  stderr not empty:"; head -5 "$err"; return 1 ;;
	golden)
		if [ $REGEN = 1 ]; then cp "$err" "$HERE/expected/$name.err"; return 0; fi
		diff -u "$HERE/expected/$name.err" "$err" >"$T/diff" && return 0
		echo "  stderr differs from expected/$name.err:"; head -20 "$T/diff"; return 1 ;;
	*) echo "  unknown check '$kind'"; return 1 ;;
	esac
}

while IFS='|' read -r name code ocheck echeck cmd; do
	name=${name// /}
	case $name in ''|'#'*) continue ;; esac
	[ "$ONLY" != "  " ] && [[ $ONLY != *" $name "* ]] && continue
	code=${code// /} ocheck=${ocheck// /} echeck=${echeck// /}
	rm -rf "$T/w"; mkdir -p "$T/w"
	(cd "$T/w" && bash -o pipefail -c "$cmd" >"$T/out" 2>"$T/err" </dev/null)
	got=$?
	ok=1
	if [ "$got" != "$code" ]; then
		echo "  exit code $got, expected $code"; head -5 "$T/err"; ok=0
	fi
	check_out "$ocheck" "$T/out" "$name" || ok=0
	check_err "$echeck" "$T/err" "$name" || ok=0
	if [ $ok = 1 ]; then pass=$((pass + 1)); echo "ok   $name"
	else fail=$((fail + 1)); echo "FAIL $name"; fi
done < <(cat "$HERE"/cases*.txt)
echo "$pass passed, $fail failed"
if [ "$ONLY" != "  " ] && [ $((pass + fail)) = 0 ]; then
	echo "FAIL no case named:$ONLY"; exit 1
fi
[ $fail = 0 ]
