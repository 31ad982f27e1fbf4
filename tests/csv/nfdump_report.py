#!/usr/bin/env python3
"""nfdump_report.py - the study from nfdump's one-way flows equals the study from Argus.

usage: nfdump_report.py VIGIL SITE.conf CAPTURE.argus CAPTURE.nfcapd[.xz]
The same week seen by argus (bidirectional records) and by nfpcapd (one record per
direction, paired into connections by vigil): `vigil report -o json` must give the same
classes, overview, days, hosts, ports, hot ports, activity buckets, connections per
source, ICMP types and top sources; and as many scan events, covering the same connections
within 0.1 % (one connection of 12,419 differs: see docs/nfdump.md).
Ends with "N passed, N failed".
"""
import json, subprocess, sys

vigil, site, argus, nf = sys.argv[1:5]
def rep(path):
    return json.loads(subprocess.run([vigil, 'report', '-q', '-o', 'json', '--no-alerts', '-c', site,
                                      '-r', path], check=True, capture_output=True, text=True).stdout)
a, n = rep(argus), rep(nf)
# argus counts a packet's bytes from the Ethernet header, nfpcapd from the IP
# header: the volume is checked apart (14 bytes a packet)
SCAN_KEYS = {'bytes', 'scan_connections', 'connections_no_scans', 'sources_no_scans', 'new_sources_no_scans',
             'new_sources_top_ports_no_scans', 'icmp_sources_no_scans', 'share_connections_no_scans_pct'}
def strip(x):
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if k not in SCAN_KEYS}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x
res = []
for key in ('period', 'overview', 'daily', 'hosts', 'ports', 'hot_ports', 'duration',
            'conn_per_source_histogram', 'icmp', 'top_sources'):
    ok = strip(a[key]) == strip(n[key])
    res.append(ok)
    print(('ok   ' if ok else 'FAIL ') + key)
    if not ok:
        print('  argus: ', json.dumps(strip(a[key]))[:400])
        print('  nfdump:', json.dumps(strip(n[key]))[:400])
for key in ('daily', 'ports', 'top_sources'):
    ok = all(x['packets'] == y['packets'] and x['bytes'] - y['bytes'] == 14 * x['packets']
             for x, y in zip(a[key], n[key])) and len(a[key]) == len(n[key])
    res.append(ok)
    print(('ok   ' if ok else 'FAIL ') + key + ': the same packets; bytes 14 a packet more in argus\'s'
          ' (it counts the Ethernet header)')
sa, sn = a['scans_summary'], n['scans_summary']
ok = sa['events'] == sn['events'] and abs(sa['scan_connections'] - sn['scan_connections']) <= 0.001 * sa['scan_connections']
res.append(ok)
print(('ok   ' if ok else 'FAIL ') + 'scans: %d events, %d connections (argus: %d, %d)' % (
    sn['events'], sn['scan_connections'], sa['events'], sa['scan_connections']))
fl = lambda r: {k: r['flows'][k] for k in ('merged', 'unsolicited', 'service', 'outbound', 'internal', 'other')}
ok = fl(a) == fl(n)
res.append(ok)
print(('ok   ' if ok else 'FAIL ') + 'connections and classes %s' % fl(n))
print('%d passed, %d failed' % (sum(res), len(res) - sum(res)))
sys.exit(0 if all(res) else 1)
