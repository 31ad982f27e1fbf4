#!/usr/bin/env bash
# install-check.sh - `cmake --install` into a scratch prefix must give the
# binary, the man page, both libraries, the header and a pkg-config file
# that a program can build and run against.
# usage: tests/install-check.sh BUILD_DIR CC
set -eu
B=$1 CC=$2
P=$(mktemp -d)
trap 'rm -rf "$P"' EXIT
cmake --install "$B" --prefix "$P" >/dev/null
fail=0
for f in bin/vigil share/man/man1/vigil.1 include/vigil.h \
         share/vigil/figures-svg.js share/vigil/figures.js share/vigil/echarts.min.js; do
  [ -e "$P/$f" ] || { echo "missing $f"; fail=1; }
done
ls "$P"/lib*/libvigil.a >/dev/null 2>&1 || { echo "missing libvigil.a"; fail=1; }
ls "$P"/lib*/libvigil.so >/dev/null 2>&1 || { echo "missing libvigil.so"; fail=1; }
pc=$(ls "$P"/lib*/pkgconfig/vigil.pc 2>/dev/null | head -1)
[ -n "$pc" ] || { echo "missing vigil.pc"; exit 1; }
cat >"$P/t.c" <<'C'
#include <vigil.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
	vg_addr a;
	char out[46];
	if (vg_addr_parse(&a, "192.0.2.1", 9) != 4) return 1;
	vg_addr_format(&a, VG_FAM_IP4, out);
	printf("%s %s\n", vg_version(), out);
	return strcmp(out, "192.0.2.1") != 0;
}
C
export PKG_CONFIG_PATH=$(dirname "$pc")
# shellcheck disable=SC2046
# no -Wl,-rpath of our own: outside /usr the .pc's Libs carry it, so the
# program runs without ldconfig or LD_LIBRARY_PATH
"$CC" -o "$P/t" "$P/t.c" $(pkg-config --define-variable=prefix="$P" --cflags --libs vigil)
"$P/t" | grep -q "^0.1.0 192.0.2.1$" || { echo "program against the installed library failed"; fail=1; }
"$P/bin/vigil" --version | grep -q '^vigil ' || { echo "installed vigil does not run"; fail=1; }
# report --figures finds its scripts beside the installed executable
if command -v node >/dev/null; then
  "$P/bin/vigil" report -q --monitored 192.0.2.0/24 -r /dev/null --figures "$P/fig" -o json -w /dev/null 2>"$P/fig.err" &&
    [ -f "$P/fig/traffic-per-day.svg" ] || { echo "installed vigil report --figures failed:"; cat "$P/fig.err"; fail=1; }
fi
if [ $fail = 0 ]; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
exit $fail
