#!/usr/bin/env python3
"""udp_tee.py - copies every UDP datagram it receives on 127.0.0.1 to two
or more local ports, so that nfcapd and vigil collect get the very same
export (softflowd sends to one destination only). It saves the datagrams
too (one file each, for the fuzz corpus), and counts them.
usage: udp_tee.py PORTFILE SAVEDIR MAXSECONDS PORT...
PORTFILE gets the port it listens on (written once it is bound), then
COUNTFILE (PORTFILE.count) the number forwarded, rewritten after each."""
import os
import signal
import socket
import sys
import time

portfile, savedir, maxsec = sys.argv[1], sys.argv[2], float(sys.argv[3])
dests = [("127.0.0.1", int(p)) for p in sys.argv[4:]]
rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    rx.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)  # SO_RCVBUFFORCE (root)
except OSError:
    rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 20)
rx.bind(("127.0.0.1", 0))
rx.settimeout(0.2)
tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
os.makedirs(savedir, exist_ok=True)
stop = []
signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
with open(portfile + ".tmp", "w") as f:
    f.write("%d\n" % rx.getsockname()[1])
os.rename(portfile + ".tmp", portfile)
n = 0
end = time.time() + maxsec
while not stop and time.time() < end:
    try:
        data = rx.recv(65535)
    except socket.timeout:
        continue
    except InterruptedError:
        continue
    for d in dests:
        tx.sendto(data, d)
    with open(os.path.join(savedir, "%05d.bin" % n), "wb") as f:
        f.write(data)
    n += 1
    with open(portfile + ".count.tmp", "w") as f:
        f.write("%d\n" % n)
    os.rename(portfile + ".count.tmp", portfile + ".count")
