#!/usr/bin/env python3
"""lab.py - scan, campaign and backscatter detection against the stealth lab's roles.

tests/data/stealth-lab/SCENARIO.tsv gives the role every address was made to play by
real nmap, hping3 and curl runs (make.sh). For each input given (the Argus file, the
pcap that vigil meters itself, ...) this runs `vigil scans`, `vigil report` and
`vigil alerts` and requires:
  - every stealth scan (-sN -sF -sX -sA -sM -sW) and the SYN scan: a port-scan event,
    and the stealth ones' why names what their probes sent (null, fin, xmas, ack, maimon);
  - the slow scan (a probe every 5 minutes): a port-scan event from the slow detector;
  - icmp-then-tcp: one event with both ICMP and TCP;
  - each distributed set: every member in one campaign of the right kind, and that
    campaign has no other member;
  - each backscatter victim: in the report's backscatter victims, with a backscatter
    alert, and never a scanner nor a source of unsolicited connections;
  - benign clients: no event, no victim;
  - no event from an address outside the scanning roles (false positives).
Prints recall per role and "N passed, N failed"; exits 1 on any failure.

usage: lab.py VIGIL LABDIR INPUT...   (INPUT relative to LABDIR)
"""
import json
import os
import subprocess
import sys
from collections import defaultdict

PORTSCAN_ROLES = ['stealth-null', 'stealth-fin', 'stealth-xmas', 'stealth-ack',
                  'stealth-maimon', 'stealth-window', 'syn-scan']
# what nmap's stealth probes send, as vigil names it in an event's why
PROBE_KIND = {'stealth-null': 'null', 'stealth-fin': 'fin', 'stealth-xmas': 'xmas',
              'stealth-ack': 'ack', 'stealth-maimon': 'maimon', 'stealth-window': 'ack'}
CAMPAIGN_ROLES = {'distributed-ports': 'distributed', 'distributed-hosts': 'dist-sweep'}
VICTIM_ROLES = ['backscatter-synack', 'backscatter-rst', 'backscatter-icmp']
BENIGN_ROLES = ['benign-http', 'benign-daily', 'benign-banners']


def run(vigil, args):
    p = subprocess.run([vigil] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=300)
    if p.returncode != 0:
        sys.exit('lab.py: %s %s: exit %d: %s' % (vigil, ' '.join(args), p.returncode,
                                                   p.stderr.strip()))
    return p.stdout


def check_input(vigil, lab, name, roles):
    site = ['-c', os.path.join(lab, 'site.conf')]
    inp = ['-r', os.path.join(lab, name)]
    events = [json.loads(l) for l in run(vigil, ['scans'] + site + inp + ['-o', 'json'])
              .splitlines() if l.strip()]
    report = json.loads(run(vigil, ['report'] + site + inp + ['-o', 'json']))
    alerts = [json.loads(l) for l in run(vigil, ['alerts'] + site + inp + ['-o', 'json'])
              .splitlines() if l.strip()]
    by_src = defaultdict(list)
    for e in events:
        by_src[e['scanner']].append(e)
    victims = {v['victim']: v for v in report['backscatter']['top_victims']}
    bs_alerts = {a['source'] for a in alerts if a.get('detector') == 'backscatter'}
    sources = {s['addr'] for s in report['top_sources']}
    results = []

    def verdict(role, n, k, ok, what):
        results.append(ok)
        print('  %-20s %2d of %2d %s  %s' % (role, k, n, what, 'ok' if ok else 'FAIL'))

    by_role = defaultdict(list)
    for a, r in roles.items():
        by_role[r].append(a)
    print('%s:' % name)
    for r in PORTSCAN_ROLES:
        k = sum(1 for a in by_role[r]
                if any(e['kind'] == 'port-scan' for e in by_src.get(a, [])))
        verdict(r, len(by_role[r]), k, k == len(by_role[r]) > 0, 'a port-scan event')
        if r in PROBE_KIND:
            want = 'tcp probes %s: ' % PROBE_KIND[r]
            k = sum(1 for a in by_role[r] if any(want in e['why'] for e in by_src.get(a, [])))
            verdict(r, len(by_role[r]), k, k == len(by_role[r]) > 0,
                    'why names the probes: "%s"' % want.strip())
    a = by_role['slow-scan']
    k = sum(1 for x in a if any(e['kind'] == 'port-scan' and 'slow' in e['detectors']
                                for e in by_src.get(x, [])))
    verdict('slow-scan', len(a), k, k == len(a) > 0, 'a port scan by the slow detector')
    a = by_role['icmp-then-tcp']
    k = sum(1 for x in a if len(by_src.get(x, [])) == 1 and
            set(by_src[x][0]['protos']) >= {'icmp', 'tcp'})
    verdict('icmp-then-tcp', len(a), k, k == len(a) > 0, 'one event with ICMP and TCP')
    for r, det in CAMPAIGN_ROLES.items():
        a = set(by_role[r])
        camps = {e['campaign'] for x in a for e in by_src.get(x, []) if e.get('campaign')}
        k = sum(1 for x in a if any(det in e['detectors'] and e.get('campaign')
                                    for e in by_src.get(x, [])))
        members = {e['scanner'] for e in events if e.get('campaign') in camps}
        ok = k == len(a) > 0 and len(camps) == 1 and members == a
        verdict(r, len(a), k, ok, 'members of one %s campaign (%d campaigns, %d members)'
                % (det, len(camps), len(members)))
        # each member's scan alert says why, with the campaign's number
        k = sum(1 for x in a for al in alerts
                if al.get('detector') == 'scan' and al.get('source') == x and
                any('campaign %s:' % c in (al.get('evidence') or {}).get('detail', '')
                    for c in camps))
        verdict(r, len(a), k, k == len(a) > 0, 'scan alerts that name the campaign')
    for r in VICTIM_ROLES:
        a = by_role[r]
        k = sum(1 for x in a if x in victims and x in bs_alerts and x not in by_src and
                x not in sources)
        verdict(r, len(a), k, k == len(a) > 0, 'victims with an alert, no scanner or source')
    for r in BENIGN_ROLES:
        a = by_role[r]
        k = sum(1 for x in a if x in by_src or x in victims)
        verdict(r, len(a), k, k == 0 and len(a) > 0, 'flagged (must be 0)')
    scanning = {x for r in PORTSCAN_ROLES + ['slow-scan', 'icmp-then-tcp'] +
                list(CAMPAIGN_ROLES) for x in by_role[r]}
    fp = sorted(x for x in by_src if x not in scanning)
    results.append(not fp)
    print('  %-29s %d %s  %s' % ('false positives', len(fp), ' '.join(fp),
                                 'ok' if not fp else 'FAIL'))
    return results


def main():
    vigil, lab = sys.argv[1], sys.argv[2]
    roles = {}
    for line in open(os.path.join(lab, 'SCENARIO.tsv')):
        if line.startswith('#') or not line.strip():
            continue
        f = line.rstrip('\n').split('\t')
        roles[f[0]] = f[1]
    results = []
    for name in sys.argv[3:]:
        results += check_input(vigil, lab, name, roles)
    passed = sum(results)
    print('%d passed, %d failed' % (passed, len(results) - passed))
    sys.exit(0 if passed == len(results) else 1)


if __name__ == '__main__':
    main()
