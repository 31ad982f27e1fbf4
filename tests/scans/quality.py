#!/usr/bin/env python3
"""quality.py - scan detection against the designed roles of the sample week.

SCENARIO.tsv gives the role every source was made to play (by real nmap, masscan and
hping3 runs). Every source of a scanning role must be found (recall 100 %); no benign
source and not the SSH brute-forcer may be flagged; the big port scan must be one
vertical event with ~10,000 ports.

usage: quality.py SCENARIO.tsv SCANS.ndjson [--markdown]
Prints per-role figures and ends with "N passed, N failed".
"""
import json, sys
from collections import defaultdict

SCANNING = ['worm445', 'worm135', 'nbns137', 'telnet23', 'rdp3389', 'mssql1433', 'udp1434',
            'sshscan', 'webscan-farm', 'icmp-then-tcp', 'icmp-only', 'discovery-sweep',
            'medium-portscan', 'BIG-portscan']
BENIGN = ['legit-http-client', 'legit-smtp-relay', 'admin-ssh', 'update-server']
NOT_SCAN = ['ssh-bruteforce']

def role_of(designed):
    for r in SCANNING + BENIGN + NOT_SCAN:
        if designed.startswith(r):
            return r
    return None

def main():
    scen, events = sys.argv[1], sys.argv[2]
    md = '--markdown' in sys.argv
    roles = {}
    for line in open(scen):
        f = line.rstrip('\n').split('\t')
        if f[0] == 'final_addr' or len(f) < 3:
            continue
        r = role_of(f[2])
        if r:
            roles[f[0]] = r
    flagged = defaultdict(list)
    evs = [json.loads(l) for l in open(events) if l.strip()]
    for e in evs:
        flagged[e['scanner']].append(e)
    by_role = defaultdict(lambda: [0, 0])
    for a, r in roles.items():
        by_role[r][0] += 1
        by_role[r][1] += bool(flagged.get(a))
    results = []
    rows = []
    for r in SCANNING:
        n, k = by_role[r]
        ok = n > 0 and k == n
        results.append(ok)
        rows.append((r, 'scanning', n, k, ok))
    for r in BENIGN + NOT_SCAN:
        n, k = by_role[r]
        ok = k == 0
        results.append(ok)
        rows.append((r, 'benign' if r in BENIGN else 'brute force (not a scan)', n, k, ok))
    big = [a for a, r in roles.items() if r == 'BIG-portscan']
    bev = [e for a in big for e in flagged.get(a, [])]
    ok = len(bev) == 1 and bev[0]['type'] == 'vertical' and bev[0]['ports'] >= 9900
    results.append(ok)
    if md:
        print('| role | kind | sources | flagged | |')
        print('|---|---|---:|---:|---|')
        for r, kind, n, k, good in rows:
            print(f'| {r} | {kind} | {n} | {k} | {"ok" if good else "**wrong**"} |')
        if bev:
            print(f'\nThe big port scan: {len(bev)} event(s), type {bev[0]["type"]}, '
                  f'{bev[0]["ports"]} ports, {bev[0]["flows"]} connections.')
    else:
        for r, kind, n, k, good in rows:
            print(f'{"ok  " if good else "FAIL"} {r:18s} {kind:26s} {k}/{n} flagged')
        print(f'{"ok  " if ok else "FAIL"} big port scan: ' +
              (f'{len(bev)} event(s), {bev[0]["type"]}, {bev[0]["ports"]} ports' if bev else 'not found'))
        print(f'{sum(results)} passed, {len(results) - sum(results)} failed')
    sys.exit(0 if all(results) else 1)

main()
