#!/usr/bin/env python3
"""chanswer-seeds.py - seeds for fuzz_chanswer.c: real ClickHouse answers.

Asks a ClickHouse server holding a vigil store (the sample week ingested, and
`vigil alerts --store` run once) the queries store_ch.c asks, and writes each
answer, cut to at most 4 KiB of whole rows or not, behind the two bytes the
target reads first (which answer; the size of the pieces), into DIR.
usage: chanswer-seeds.py http://127.0.0.1:PORT/ DATABASE DIR
"""
import os
import sys
import urllib.request

url, db, out = sys.argv[1:4]
ROLLUPS = [  # the declarations of lib/analyze/rollup.c, in their order
    ("day", "day", "sum(unsolicited), sum(service), sum(outbound), sum(internal), sum(other),"
     " sum(backscatter), min(first_us), max(last_us), max(unsol_last_us)"),
    ("src_day", "day, src", "sum(conns), sum(scan_conns), sum(sweep_conns)"),
    ("src_port", "day, src, proto, port", "sum(conns), sum(scan_conns), sum(sweep_conns)"),
    ("host_src", "day, host, src, proto", "sum(conns)"),
    ("port_host", "day, proto, port, host", "sum(conns)"),
    ("port_hour", "day, hour, proto, port, src", "sum(conns)"),
    ("backscatter", "day, victim, proto, port",
     "sum(conns), sum(pkts), sum(bytes), min(first_us), max(last_us)"),
]
OTHERS = [
    "SELECT id, scanner, detectors, protos, first_us, last_us, flows, answered, unanswered,"
    " targets, n_ports, ports, score, known, has_known, conns, campaign, tcp_probes, n_reset,"
    " n_silent FROM scan_events ORDER BY seq",
    "SELECT src, min(day), minIf(day, conns > scan_conns), countIf(conns > scan_conns) FROM"
    " (SELECT day, src, sum(conns) AS conns, sum(scan_conns) AS scan_conns FROM src_day"
    " GROUP BY day, src) GROUP BY src",
    "SELECT id, detector, proto, port, source, scan_id, time_us FROM alerts",
    "SELECT key, value FROM meta",
    "SELECT DISTINCT id, name FROM sensors",
    "SELECT state FROM tail ORDER BY n DESC LIMIT 1",
    "SELECT DISTINCT partition FROM system.parts WHERE database = '%s' AND table = 'src_day'"
    " AND active" % db,
]
queries = ["SELECT %s, %s FROM %s GROUP BY %s" % (k, v, t, k) for t, k, v in ROLLUPS] + OTHERS
names = [t for t, _, _ in ROLLUPS] + ["events", "history", "alerts", "meta", "sensors", "tail",
                                      "parts"]
os.makedirs(out, exist_ok=True)
for i, (name, q) in enumerate(zip(names, queries)):
    req = urllib.request.Request(url + "?database=" + db, data=(q + " FORMAT RowBinary").encode())
    body = urllib.request.urlopen(req, timeout=60).read()
    for piece, cut in ((7, 4096), (255, 1000)):
        with open(os.path.join(out, "%02d-%s-%d" % (i, name, piece)), "wb") as f:
            f.write(bytes([i, piece]) + body[:cut])
