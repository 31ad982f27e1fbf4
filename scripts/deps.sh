#!/bin/sh
# deps.sh - makes sure the Debian packages a job needs are installed.
# usage: scripts/deps.sh build|test|fuzz|bench|lab
# As root it installs what is missing (apt-get install -y); otherwise it
# prints the exact command to run and stops with status 1.
set -eu
build="gcc make cmake pkg-config libc6-dev zlib1g-dev libbz2-dev liblzma-dev libzstd-dev liblzo2-dev liblz4-dev libpcap-dev libsqlite3-dev sqlite3 libcurl4-openssl-dev nettle-dev libjansson-dev"
case "${1:-build}" in
  build) want="$build" ;;
  # the HTML report's browser test: Chromium, node and npm (playwright-core);
  # report --figures: node, and rsvg-convert (librsvg2-bin) for the PNG files
  test)  want="$build gzip xz-utils python3 tzdata libxml2-utils chromium fonts-dejavu-core nodejs npm librsvg2-bin softflowd nfdump argus-server argus-client iproute2 clickhouse-server curl" ;;
  fuzz)  want="$build clang libclang-rt-14-dev" ;;
  # tests/data/stealth-lab/make.sh: the real tools that make the capture
  lab)   want="argus-server argus-client nfdump nmap hping3 tcpdump iproute2 ethtool curl python3 gzip xz-utils" ;;
  bench) want="$build argus-server argus-client nfdump python3 time gzip chromium fonts-dejavu-core nodejs npm" ;;
  *) echo "usage: $0 build|test|fuzz|bench|lab" >&2; exit 2 ;;
esac
missing=""
for p in $want; do
  # a node from elsewhere (e.g. NodeSource) brings its own npm, which
  # conflicts with Debian's package: a working command is enough
  if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "vigil needs these Debian packages:$missing" >&2
  echo "install them as root with:" >&2
  echo "  apt-get install -y$missing" >&2
  exit 1
fi
echo "deps.sh: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
