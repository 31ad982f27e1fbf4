#!/usr/bin/env python3
"""nfdump_check.py - vigil reads nfdump's data as nfdump prints it.

usage: nfdump_check.py VIGIL NFDUMP.csv[.gz] [INPUT]
vigil reads INPUT (an nfcapd file), or the CSV itself, and prints its flows;
Every record's ts, te (UTC), pr, sa, sp, da, dp, ipkt, ibyt, opkt, obyt as nfdump printed
them must come out of `vigil dump` unchanged (ICMP: nfdump's dp = type << 8 | code is
vigil's sport = type, dport = code; ra-style output prints the type as 0x%04x of
type | code << 8), in the same order, and the Summary block must not be read as records.
Times are compared in whole seconds (nfdump prints them so). One difference is by design:
a record whose last-seen is before its first-seen gets vigil's ltime = stime.
Ends with "N passed, N failed".
"""
import calendar, csv, gzip, io, subprocess, sys, time

vigil, path = sys.argv[1], sys.argv[2]
src = sys.argv[3] if len(sys.argv) > 3 else path
op = gzip.open if path.endswith('.gz') else open
want = []
with op(path, 'rt') as f:
    r = csv.reader(f)
    head = next(r)
    ix = {k: head.index(k) for k in ('ts', 'te', 'pr', 'sa', 'sp', 'da', 'dp', 'ipkt', 'ibyt', 'opkt', 'obyt')}
    for row in r:
        if row and row[0] == 'Summary':
            break
        if row and row[0] == 'No matching flows':
            continue
        g = lambda k: row[ix[k]].strip()
        ts = calendar.timegm(time.strptime(g('ts'), '%Y-%m-%d %H:%M:%S'))
        te = calendar.timegm(time.strptime(g('te'), '%Y-%m-%d %H:%M:%S'))
        # an exporter's last-seen before its first-seen: vigil takes the first (its
        # flows never end before they start); nfdump prints it as it came
        te = max(te, ts)
        pr = g('pr').lower()
        sp, dp = int(g('sp')), int(g('dp'))
        if pr in ('icmp', 'icmp6'):
            t, c = dp >> 8, dp & 0xff
            sp, dp = ('0x%04x' % (t | c << 8), '0x%04x' % 0) if pr == 'icmp' else (str(t), str(c))
        want.append(('%d.000000' % ts, '%d.000000' % te, pr if pr != 'icmp6' else 'ipv6-icmp',
                     g('sa'), str(sp), g('da'), str(dp), g('ipkt'), g('opkt'), g('ibyt'), g('obyt')))
out = subprocess.run([vigil, 'dump', '-q', '--fields',
                      'stime,ltime,proto,saddr,sport,daddr,dport,spkts,dpkts,sbytes,dbytes', '-r', src],
                     check=True, capture_output=True, text=True).stdout
# nfdump prints whole seconds (the files hold milliseconds): compare those
sec = lambda t: '%s.000000' % t.split('.')[0]
got = [tuple([sec(l[0]), sec(l[1])] + l[2:]) for l in csv.reader(io.StringIO(out))][1:]
ok = got == want
print(('ok   ' if ok else 'FAIL ') + '%d records, %d from vigil' % (len(want), len(got)))
if not ok:
    for i, (a, b) in enumerate(zip(got, want)):
        if a != b:
            print('  first difference at record %d:\n  vigil:  %s\n  nfdump: %s' % (i + 1, a, b))
            break
print('%d passed, %d failed' % (ok, not ok))
sys.exit(0 if ok else 1)
