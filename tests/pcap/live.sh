#!/usr/bin/env bash
# live.sh - `vigil dump -i lo` meters what it captures: a server on
# 127.0.0.1, N bounded connections to it, then SIGINT; the flows must be the
# N connections (FIN, right ports and byte counts from both sides) and
# nothing the BPF filter excludes. Needs root (capture); exits 77 (skip)
# otherwise. Traffic stays on 127.0.0.1 and every wait is bounded.
set -u
VIGIL=$1
N=5
if [ "$(id -u)" -ne 0 ]; then echo "live.sh: not root, skipped"; exit 77; fi
T=$(mktemp -d)
cleanup() { [ -n "${SRV:-}" ] && kill "$SRV" 2>/dev/null; [ -n "${CAP:-}" ] && kill -9 "$CAP" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
# a TCP server on a free port: reads a line, answers 1000 bytes, closes
python3 - "$T/port" "$N" <<'PY' &
import socket, sys
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(8); s.settimeout(20)
open(sys.argv[1], 'w').write(str(s.getsockname()[1]))
for _ in range(int(sys.argv[2])):
    c, _ = s.accept(); c.settimeout(5); c.recv(100); c.sendall(b'x' * 1000); c.close()
PY
SRV=$!
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
PORT=$(cat "$T/port")
"$VIGIL" dump -q -i lo --bpf "tcp port $PORT" --fields +sflags,dflags >"$T/out" 2>"$T/err" &
CAP=$!
sleep 1.5   # the capture is open
python3 - "$PORT" "$N" <<'PY'
import socket, sys, time
for i in range(int(sys.argv[2])):
    c = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=5)
    c.sendall(b'hello %d\n' % i); n = 0
    while True:
        b = c.recv(4096)
        if not b: break
        n += len(b)
    c.close(); time.sleep(0.05)
# traffic the filter must drop: a UDP datagram to the same port
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'u', ('127.0.0.1', int(sys.argv[1])))
PY
sleep 1
kill -INT "$CAP"
for _ in $(seq 100); do kill -0 "$CAP" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$CAP" 2>/dev/null; then echo "FAIL: vigil did not stop on SIGINT"; exit 1; fi
wait "$CAP"; rc=$?
CAP=
fail=0
[ "$rc" = 0 ] || { echo "FAIL: exit code $rc"; cat "$T/err"; fail=1; }
rows=$(tail -n +2 "$T/out" | awk -F, -v p="$PORT" '$3=="tcp" && $7==p && $12=="FIN" && $8>=4 && $9>=4 && $11>=1000' | wc -l)
other=$(tail -n +2 "$T/out" | awk -F, -v p="$PORT" '!($3=="tcp" && $7==p)' | wc -l)
[ "$rows" = "$N" ] || { echo "FAIL: $rows of $N connections metered as closed TCP flows to port $PORT with >= 1000 bytes back"; fail=1; }
[ "$other" = 0 ] || { echo "FAIL: $other flows the BPF filter should have dropped"; fail=1; }
cat "$T/out"
[ $fail = 0 ] && echo "live.sh: $N connections captured on lo and metered"
exit $fail
