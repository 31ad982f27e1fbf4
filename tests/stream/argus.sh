#!/usr/bin/env bash
# argus.sh - `vigil dump -S` against real Argus servers on 127.0.0.1: an
# `argus -i lo -P` that also writes what it makes to a file, and a `radium`
# relaying it. The test makes UDP traffic on loopback (bounded: a few dozen
# datagrams to 127.0.0.1) and then checks, for the flows of that traffic:
#  1. two -S at once (argus direct and through radium): every record the
#     server wrote to its file arrives once on each connection, field for
#     field as `vigil dump -r` reads the file, with the sensor id (-e) kept;
#     ra counts the same records in the file;
#  2. --reconnect: the server is stopped and started again on the same port;
#     vigil connects again and the records of both server runs arrive,
#     each once;
#  3. bad servers: one that sends garbage, one that sends a management
#     record and then a record cut by the connection's end, one that sends
#     nothing: a clear message naming the server, no crash, and with
#     --reconnect the connection is retried.
# Needs root (argus captures on lo) and argus, radium and ra; exits 77
# (skip) otherwise. Every server is stopped by its PID, also on failure.
set -u
VIGIL=$1
if [ "$(id -u)" -ne 0 ]; then echo "argus.sh: not root, skipped"; exit 77; fi
for t in argus radium ra ss python3; do
	command -v $t >/dev/null || { echo "argus.sh: no $t (scripts/deps.sh test), skipped"; exit 77; }
done
T=$(mktemp -d)
PIDS=""
cleanup() { for p in $PIDS; do kill -9 "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# waits (at most 10 s) until N connections to local port P are established
wait_clients() {
	local i
	for i in $(seq 100); do
		[ "$(ss -Htn state established "( sport = :$1 )" | wc -l)" -ge "$2" ] && return 0
		sleep 0.1
	done
	echo "FAIL: no client on port $1 after 10 s"; return 1
}
# waits (at most 10 s) until port P listens
wait_listen() {
	local i
	for i in $(seq 100); do
		ss -Hltn "( sport = :$1 )" | grep -q . && return 0
		sleep 0.1
	done
	echo "FAIL: nothing listens on port $1 after 10 s"; return 1
}
# N datagrams from one socket to 127.0.0.1 ports BASE .. BASE+N-1
traffic() {
	python3 - "$1" "$2" <<'PY'
import socket, sys
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[2])):
    u.sendto(b'vigil-test', ('127.0.0.1', int(sys.argv[1]) + i))
PY
}
# waits for PID to end (at most 10 s)
wait_end() {
	local i
	for i in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
	return 1
}
# the flows of our traffic: UDP to ports [LO, HI], CSV without the header
ours() { awk -F, -v lo="$1" -v hi="$2" '$3=="udp" && $7>=lo && $7<=hi' | sort; }
F=--fields=stime,ltime,proto,saddr,sport,daddr,dport,spkts,dpkts,sbytes,dbytes,sensor

# ---- 1. argus direct and through radium, at once
P1=$(free_port); P2=$(free_port)
argus -X -e 11 -i lo -P "$P1" -B 127.0.0.1 -w "$T/a1.argus" 2>"$T/argus1.err" &
A1=$!; PIDS="$PIDS $A1"
wait_listen "$P1" || exit 1
radium -X -S "127.0.0.1:$P1" -P "$P2" -B 127.0.0.1 >"$T/radium.err" 2>&1 &
RA=$!; PIDS="$PIDS $RA"
wait_listen "$P2" || exit 1
wait_clients "$P1" 1 || exit 1   # radium's
"$VIGIL" dump -q -S "127.0.0.1:$P1" -S "127.0.0.1:$P2" $F >"$T/two.csv" 2>"$T/two.err" &
V=$!; PIDS="$PIDS $V"
wait_clients "$P1" 2 && wait_clients "$P2" 1 || exit 1
traffic 40000 30
sleep 1
kill -TERM "$A1"; wait_end "$A1" || bad "argus did not stop"
sleep 1
kill -TERM "$RA"; wait_end "$RA" || bad "radium did not stop"
# both servers gone: vigil ends by itself, as ra -S does
wait_end "$V" || { bad "vigil did not end when its servers closed"; kill -INT "$V"; }
wait "$V"; rc=$?
[ "$rc" = 0 ] || { bad "two servers: exit $rc"; cat "$T/two.err"; }
"$VIGIL" dump -q -r "$T/a1.argus" $F | ours 40000 40029 >"$T/file.csv"
n_file=$(wc -l <"$T/file.csv")
n_ra=$(ra -r "$T/a1.argus" -n -c , -s proto dport - udp 2>/dev/null |
	awk -F, '$2>=40000 && $2<=40029' | wc -l)
[ "$n_file" -ge 30 ] || bad "argus wrote $n_file records of our 30 flows to its file"
[ "$n_file" = "$n_ra" ] || bad "vigil reads $n_file records of our flows in argus's file, ra $n_ra"
ours 40000 40029 <"$T/two.csv" >"$T/two.ours"
sort "$T/file.csv" "$T/file.csv" >"$T/file.twice"
if cmp -s "$T/two.ours" "$T/file.twice"; then
	echo "ok: $n_file records of 30 flows, once through each of 2 connections, as in the server's file (ra: $n_ra)"
else
	bad "two connections: records differ from twice the server's file"
	diff "$T/two.ours" "$T/file.twice" | head
fi
awk -F, '$12 != 11' "$T/two.ours" | grep -q . && bad "a record lost its sensor id 11"

# ---- 2. the server goes away and comes back: --reconnect
P3=$(free_port)
argus -X -e 12 -i lo -P "$P3" -B 127.0.0.1 -w "$T/b1.argus" 2>"$T/argus2.err" &
B=$!; PIDS="$PIDS $B"
wait_listen "$P3" || exit 1
"$VIGIL" dump -S "127.0.0.1:$P3" --reconnect $F >"$T/re.csv" 2>"$T/re.err" &
V=$!; PIDS="$PIDS $V"
wait_clients "$P3" 1 || exit 1
sleep 1  # the server listens before its capture on lo is running: let it settle
traffic 41000 20
sleep 1
kill -TERM "$B"; wait_end "$B" || bad "argus did not stop"
argus -X -e 12 -i lo -P "$P3" -B 127.0.0.1 -w "$T/b2.argus" 2>"$T/argus3.err" &
B=$!; PIDS="$PIDS $B"
wait_listen "$P3" || exit 1
wait_clients "$P3" 1 || exit 1   # vigil is back (backoff 1 s, then 2 s)
sleep 1
traffic 42000 20
sleep 1
kill -TERM "$B"; wait_end "$B" || bad "argus did not stop"
sleep 0.5
kill -INT "$V"; wait_end "$V" || bad "vigil did not stop on SIGINT"
wait "$V"; rc=$?
# a server that went away is an input error (3), reported, not a crash
[ "$rc" = 3 ] || bad "reconnect: exit $rc (want 3: the connection was lost)"
grep -q "argus://127.0.0.1:$P3: the server closed the connection; connecting again in" "$T/re.err" ||
	{ bad "no message about the lost connection"; cat "$T/re.err"; }
{ "$VIGIL" dump -q -r "$T/b1.argus" $F; "$VIGIL" dump -q -r "$T/b2.argus" $F; } |
	ours 41000 42019 >"$T/b.csv"
ours 41000 42019 <"$T/re.csv" >"$T/re.ours"
n_b=$(wc -l <"$T/b.csv")
[ "$n_b" -ge 40 ] || bad "the two argus runs wrote $n_b records of our 40 flows"
if cmp -s "$T/re.ours" "$T/b.csv"; then
	echo "ok: server stopped and started again: $n_b records of both runs, each once"
else
	bad "reconnect: records differ from the two server files"
	diff "$T/re.ours" "$T/b.csv" | head
fi
[ "$(uniq -d "$T/re.ours" | wc -l)" = 0 ] || bad "a record was counted twice"

# ---- 3. servers that are not argus, or break off
P4=$(free_port)
python3 - "$P4" "$T/srv.ready" <<'PY' &
# each connection gets one misbehaviour, in turn; bounded: 6 connections, 30 s
import socket, struct, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(4); s.settimeout(30)
open(sys.argv[2], 'w').write('1')
mar = bytearray(128)
mar[0:4] = bytes([0x83, 0x10, 0x00, 0x20])
struct.pack_into('>I', mar, 8, 0xE5712DCB)
struct.pack_into('>I', mar, 24, 1700000000)
for k in range(6):
    try:
        c, _ = s.accept()
    except OSError:
        break
    c.settimeout(5)
    try:
        c.recv(16)
        kind = k % 3
        if kind == 0:
            c.sendall(b'HTTP/1.0 400 Bad Request\r\n\r\n' + b'x' * 200)
        elif kind == 1:
            # a MAR, then half a flow record header and body
            c.sendall(bytes(mar) + bytes([0x13, 0x20, 0x00, 0x10]) + b'\0' * 20)
        else:
            time.sleep(11)  # says nothing: vigil gives up after 10 s
    except OSError:
        pass
    c.close()
PY
S=$!; PIDS="$PIDS $S"
for _ in $(seq 50); do [ -s "$T/srv.ready" ] && break; sleep 0.1; done
# without --reconnect: each of three runs meets one misbehaviour
for k in 0 1 2; do
	timeout 20 "$VIGIL" dump -q -S "127.0.0.1:$P4" >"$T/bad$k.csv" 2>"$T/bad$k.err"
	rc=$?
	[ "$rc" = 3 ] || bad "bad server $k: exit $rc (want 3)"
	grep -q "argus://127.0.0.1:$P4" "$T/bad$k.err" || bad "bad server $k: the message does not name the server"
	echo "  bad server $k: $(head -1 "$T/bad$k.err")"
done
grep -q "not an Argus server" "$T/bad0.err" || bad "garbage: no 'not an Argus server'"
grep -q "truncated" "$T/bad1.err" || bad "cut record: not called truncated"
grep -q "no management record in 10 s" "$T/bad2.err" || bad "silent server: no timeout message"
# with --reconnect the connection is tried again (and again)
"$VIGIL" dump -q --reconnect -S "127.0.0.1:$P4" >/dev/null 2>"$T/badre.err" &
V=$!; PIDS="$PIDS $V"
sleep 6
kill -INT "$V"; wait_end "$V" || bad "vigil did not stop on SIGINT while reconnecting"
wait "$V"; rc=$?
[ "$(grep -c "connecting again" "$T/badre.err")" -ge 2 ] ||
	{ bad "--reconnect: fewer than two retries in 6 s"; cat "$T/badre.err"; }
[ "$rc" = 3 ] || bad "--reconnect on a bad server, SIGINT: exit $rc (want 3)"
kill "$S" 2>/dev/null

# ---- 4. a server that sends records again after a reconnect: dropped by
# their sequence numbers (the same server instance: the same start time)
P5=$(free_port)
python3 - "$P5" "$T/a1.argus" "$T/resend.ready" "$T/expect.argus" <<'PY' &
import socket, sys
data = open(sys.argv[2], 'rb').read()
mar, recs, pos = data[:128], [], 128
while pos + 4 <= len(data):
    n = int.from_bytes(data[pos+2:pos+4], 'big') * 4
    if n == 0 or data[pos] & 0xF0 == 0x80:  # flows only
        pos += max(n, 4); continue
    recs.append(data[pos:pos+n]); pos += n
k = min(len(recs), 40)
open(sys.argv[4], 'wb').write(mar + b''.join(recs[:k]))
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(2); s.settimeout(30)
open(sys.argv[3], 'w').write(str(k))
# first connection: records 0 .. k/2; the second: k/4 .. k (a quarter again)
for part in (recs[:k // 2], recs[k // 4:k]):
    c, _ = s.accept(); c.settimeout(5); c.recv(16)
    c.sendall(mar + b''.join(part)); c.close()
PY
S=$!; PIDS="$PIDS $S"
for _ in $(seq 50); do [ -s "$T/resend.ready" ] && break; sleep 0.1; done
"$VIGIL" dump -q --reconnect -S "127.0.0.1:$P5" $F >"$T/resend.csv" 2>"$T/resend.err" &
V=$!; PIDS="$PIDS $V"
wait_end "$S" || bad "the resending server did not finish"
sleep 0.5
kill -INT "$V"; wait_end "$V"; wait "$V"
"$VIGIL" dump -q -r "$T/expect.argus" $F >"$T/expect.csv"
if cmp -s "$T/resend.csv" "$T/expect.csv"; then
	echo "ok: $(cat "$T/resend.ready") records, a quarter sent twice across a reconnect, each read once"
else
	bad "records sent again after a reconnect were not dropped (or others were)"
	diff "$T/resend.csv" "$T/expect.csv" | head
fi

[ $fail = 0 ] && echo "argus.sh: Argus streams read as the servers wrote them"
exit $fail
