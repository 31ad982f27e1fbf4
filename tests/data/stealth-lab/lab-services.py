#!/usr/bin/env python3
"""lab-services.py - the monitored hosts' services for make.sh, in one process.

usage: lab-services.py ADDR:PORT:KIND ...   (KIND: http, ssh, smtp)
Each listener answers one short exchange and closes: HTTP gets a small page,
SSH and SMTP a banner. Runs until killed (make.sh stops it by its PID).
"""
import selectors
import socket
import sys

BANNERS = {
    "ssh": b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n",
    "smtp": b"220 mx.lab.example ESMTP\r\n",
}
PAGE = b"<html><body><h1>lab</h1>" + b"x" * 600 + b"</body></html>\n"


def main():
    sel = selectors.DefaultSelector()
    for spec in sys.argv[1:]:
        addr, port, kind = spec.split(":")
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, int(port)))
        s.listen(64)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, kind)
    while True:
        for key, _ in sel.select():
            try:
                c, _ = key.fileobj.accept()
            except OSError:
                continue
            c.settimeout(2.0)
            try:
                if key.data == "http":
                    c.recv(4096)
                    c.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n"
                              b"Content-Length: %d\r\n\r\n" % len(PAGE) + PAGE)
                else:
                    c.sendall(BANNERS[key.data])
                    c.recv(4096)
            except OSError:
                pass
            c.close()


if __name__ == "__main__":
    main()
