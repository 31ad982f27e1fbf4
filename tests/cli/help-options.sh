#!/bin/bash
# help-options.sh - every option a verb's --help lists is one the verb's
# parser takes (with a value when the help shows one: the parser may then
# refuse the value, "1", but not the option), and an option of another
# verb is refused: the help and the parser come from one table
# (programs/options.c), and this checks that they stay one.
# usage: help-options.sh VIGIL
set -u
V=$1
fail=0
checked=0
for verb in dump stats report scans alerts ingest collect watch; do
  help=$("$V" "$verb" --help) || { echo "FAIL: $verb --help exits $?"; fail=1; continue; }
  # "  -x, --name ARG" or "      --name ARG" at the start of a line
  while read -r name arg; do
    if [ -n "$arg" ]; then
      "$V" "$verb" "--$name" 1 --help >/dev/null 2>/tmp/help-opt.$$
    else
      "$V" "$verb" "--$name" --help >/dev/null 2>/tmp/help-opt.$$
    fi
    rc=$?
    if [ $rc -ne 0 ] && grep -qE "unknown option|takes no value|needs a value" /tmp/help-opt.$$; then
      echo "FAIL: vigil $verb --$name${arg:+ $arg}: listed in --help, refused (exit $rc): $(cat /tmp/help-opt.$$)"
      fail=1
    fi
    checked=$((checked + 1))
  done < <(printf '%s\n' "$help" | sed -nE 's/^  (-[A-Za-z], |    )--([a-z0-9-]+)( ([A-Z.]+))?( .*)?$/\2 \4/p')
done
rm -f /tmp/help-opt.$$
# options of other verbs are refused, with exit 2
for case in "stats --fields stime" "dump --csv-dir /tmp" "ingest --html x" "scans --no-alerts" "report --iodef x" "stats --monitored 192.0.2.1" "watch --merge" "ingest -S 127.0.0.1:1"; do
  # shellcheck disable=SC2086
  "$V" $case -r /dev/null >/dev/null 2>&1
  rc=$?
  if [ $rc -ne 2 ]; then
    echo "FAIL: vigil $case: exit $rc, want 2 (not an option of the verb)"
    fail=1
  fi
done
if [ $checked -lt 100 ]; then
  echo "FAIL: only $checked options found in the help texts"
  fail=1
fi
[ $fail -eq 0 ] && echo "ok: $checked listed options taken, 8 foreign ones refused"
exit $fail
