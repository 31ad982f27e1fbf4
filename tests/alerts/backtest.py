#!/usr/bin/env python3
"""backtest.py - vigil alerts on synthetic months of known content.

Each month was made by gen-pcap.py (see tests/data/synth/README.md), whose truth file
names the designed events: a 445/tcp worm (logistic growth of infected sources), a
135/tcp surge and a 137/udp surge (5 % of the generator's UDP-port probes go out as TCP,
so 137/tcp belongs to that surge too), one big port scan and weekly 1024-port scans.

For each designed port the day its new sources first exceed twice their baseline (the
mean of the previous up to 30 days, at least 3) is computed here from `vigil dump
--merge` output; an alert from a port detector must come on or before that day. (In
these months the worm's new sources never reach twice the background's on 445/tcp; the
deadline for it is then the day of its peak of new sources.) Every other port alert, and
every "big" alert whose source is not a designed scan, is a false alarm: at most one per
30 days (rounded up).

usage: backtest.py VIGIL SITE.conf MONTH.argus.xz TRUTH.json...   (pairs)
Prints one table row per month and ends with "N passed, N failed".
"""
import csv, datetime, io, ipaddress, json, math, subprocess, sys
from collections import defaultdict

PORT_DETECTORS = {'trend', 'seasonal', 'change', 'worm', 'newport'}
EVENTS = [  # name, truth key, ports that belong to it
    ('445/tcp worm', 'worm445_new', {('tcp', 445)}),
    ('135/tcp surge', 's135_sources', {('tcp', 135)}),
    ('137/udp surge', 's137_sources', {('udp', 137), ('tcp', 137)}),
]
MAIN_PORT = {'445/tcp worm': ('tcp', 445), '135/tcp surge': ('tcp', 135), '137/udp surge': ('udp', 137)}


def run(args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def main():
    vigil, site = sys.argv[1], sys.argv[2]
    pairs = list(zip(sys.argv[3::2], sys.argv[4::2]))
    mon = [ipaddress.ip_network('192.0.2.0/28')]
    passed = failed = 0
    print('| month | days | event | deadline (day) | first alert (day, detector) | margin (days) | every detector that fired (first day) | false alarms |')
    print('|---|---:|---|---:|---|---:|---|---:|')
    for path, truth_path in pairs:
        truth = json.load(open(truth_path))
        days, t0 = truth['days'], truth['start_epoch']
        day_of = lambda us: int((us - t0 * 1_000_000) // 86_400_000_000)
        alerts = [json.loads(l) for l in run([vigil, 'alerts', '-q', '-o', 'json', '-c', site,
                                              '-r', path]).splitlines()]
        # new sources per (proto, port) and day, from the merged connections
        rows = csv.reader(io.StringIO(run([vigil, 'dump', '-q', '--merge', '--fields',
                                           'stime,proto,saddr,daddr,dport', '-r', path])))
        next(rows)
        first = {}
        for st, proto, sa, da, dp in rows:
            if proto not in ('tcp', 'udp'):
                continue
            key = (proto, int(dp))
            if not any(key in e[2] for e in EVENTS):
                continue
            d = int(float(st) - t0) // 86400
            if (key, sa) not in first or first[(key, sa)] > d:
                first[(key, sa)] = d
        new = defaultdict(lambda: [0] * days)
        for (key, sa), d in first.items():
            if 0 <= d < days:
                new[key][d] += 1
        def iso_day(s):
            t = datetime.datetime.fromisoformat(s.replace('Z', '+00:00')).timestamp()
            return int(t - t0) // 86400
        port_alerts = [a for a in alerts if a['detector'] in PORT_DETECTORS]
        fa = []
        rows_out = []
        all_ok = True
        for name, tkey, ports in EVENTS:
            active = [i for i, d in enumerate(truth['per_day']) if d[tkey] > 0]
            lo, hi = active[0], active[-1]
            series = new[MAIN_PORT[name]]
            deadline = None
            for d in range(max(lo, 3), hi + 1):
                hist = series[max(0, d - 30):d]
                if len(hist) >= 3 and series[d] > 2 * (sum(hist) / len(hist)):
                    deadline = d
                    break
            rule = 'twice the baseline'
            if deadline is None:
                deadline = max(range(lo, hi + 1), key=lambda d: series[d])
                rule = 'peak'
            mine = sorted((iso_day(a['time']), a['detector']) for a in port_alerts
                          if (a['proto'], a['port']) in ports)
            hit = [m for m in mine if lo - 1 <= m[0] <= hi]
            ok = bool(hit) and hit[0][0] <= deadline
            all_ok &= ok
            firsts = {}
            for d, det in hit:
                firsts.setdefault(det, d)
            rows_out.append((name, '%d (%s)' % (deadline + 1, rule),
                             '%d, %s' % (hit[0][0] + 1, hit[0][1]) if hit else 'none',
                             deadline - hit[0][0] if hit else '-', ok,
                             ', '.join('%s %d' % (k, v + 1) for k, v in sorted(firsts.items(), key=lambda kv: kv[1]))))
        designed = {(p, n) for _, _, ps in EVENTS for p, n in ps}
        windows = {}
        for name, tkey, ports in EVENTS:
            active = [i for i, d in enumerate(truth['per_day']) if d[tkey] > 0]
            for p in ports:
                windows[p] = (active[0] - 1, active[-1] + 1)
        for a in port_alerts:
            k = (a['proto'], a['port'])
            d = iso_day(a['time'])
            if k not in designed or not windows[k][0] <= d <= windows[k][1]:
                fa.append('%s %s/%s day %d' % (a['detector'], a['port'], a['proto'], d + 1))
        scans = {truth['big_scan']['src']} | {m['src'] for m in truth['medium_scans']}
        fa += ['big %s' % a['source'] for a in alerts if a['detector'] == 'big' and a['source'] not in scans]
        limit = math.ceil(days / 30)
        fa_ok = len(fa) <= limit
        all_ok &= fa_ok
        for i, (name, dl, first_alert, margin, ok, every) in enumerate(rows_out):
            print('| %s | %s | %s | %s | %s | %s | %s | %s |' % (
                path.split('/')[-1] if i == 0 else '', days if i == 0 else '', name, dl, first_alert,
                margin, every, ('%d of at most %d%s' % (len(fa), limit, (': ' + '; '.join(fa)) if fa else ''))
                if i == 0 else ''))
            if not ok:
                print('FAIL %s: %s: no port alert by the deadline' % (path, name))
        if not fa_ok:
            print('FAIL %s: %d false alarms: %s' % (path, len(fa), '; '.join(fa)))
        passed += all_ok
        failed += not all_ok
    print('%d passed, %d failed' % (passed, failed))
    sys.exit(1 if failed else 0)


main()
