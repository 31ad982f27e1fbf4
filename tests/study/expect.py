#!/usr/bin/env python3
"""expect.py - the figures of `vigil report` computed independently.

Reads racluster's merge of a capture (the ground truth for connections), ra's record
count, and the site file; applies the definitions of docs/report.md with plain Python;
then compares every figure with `vigil report -o json`. Nothing here is typed in by hand.

usage: expect.py RACLUSTER_CSV[.gz] RA_CSV[.gz] SITE_CONF VIGIL_JSON PORTS_DIR [HTML [MAX_CELLS]]
With HTML (the page `vigil report --html` wrote in the same run) it also checks that
the page carries this report and redoes its connection matrix.
Ends with "N passed, N failed" (one check per figure group).
"""
import csv, gzip, ipaddress, json, sys
from collections import defaultdict

def open_any(p):
    return gzip.open(p, 'rt') if p.endswith('.gz') else open(p)

def parse_site(path):
    mon, svc, hot, buckets, tz = [], [], None, [1, 10, 100], 0
    tzname = 'UTC'
    top = 20
    for line in open(path):
        line = line.split('#', 1)[0].strip()
        if not line:
            continue
        k, v = [x.strip() for x in line.split('=', 1)]
        if k == 'monitored':
            for item in v.split(','):
                item = item.strip()
                if '-' in item:
                    a, b = item.split('-')
                    mon.append((int(ipaddress.ip_address(a)), int(ipaddress.ip_address(b))))
                else:
                    n = ipaddress.ip_network(item, strict=False)
                    mon.append((int(n.network_address), int(n.broadcast_address)))
        elif k == 'service':
            addrs, rest = v.rsplit(':', 1)
            ports, proto = (rest.split('/') + ['tcp'])[:2]
            for a in addrs.split(','):
                a = a.strip()
                if '-' in a:
                    lo, hi = [int(ipaddress.ip_address(x)) for x in a.split('-')]
                elif '/' in a:
                    n = ipaddress.ip_network(a, strict=False)
                    lo, hi = int(n.network_address), int(n.broadcast_address)
                else:
                    lo = hi = int(ipaddress.ip_address(a))
                for p in ports.split(','):
                    plo, phi = (p.split('-') + [p])[:2] if '-' in p else (p, p)
                    svc.append((lo, hi, int(plo), int(phi), proto))
        elif k == 'hot-ports':
            hot = [(p.split('/')[1], int(p.split('/')[0])) for p in v.split(',')]
        elif k == 'buckets':
            buckets = [int(x) for x in v.split(',')]
        elif k == 'top':
            top = int(v)
        elif k == 'tz' and v != 'UTC':
            if v[0] in '+-':
                sign = -1 if v[0] == '-' else 1
                tz = sign * (int(v[1:3]) * 3600 + int(v[4:6]) * 60)
                tzname = 'UTC' + v
            else:
                tz, tzname = v, v                      # a zone name
    if hot is None:
        hot = [('tcp', 135), ('udp', 137), ('tcp', 445)]
    return mon, svc, hot, buckets, tz, tzname, top

def main():
    rc_path, ra_path, site_path, vjson, ports_dir = sys.argv[1:6]
    html_path = sys.argv[6] if len(sys.argv) > 6 else None
    max_cells = int(sys.argv[7]) if len(sys.argv) > 7 else None
    mon, svc, hot, buckets, tz, tzname, ntop = parse_site(site_path)
    if isinstance(tz, str):
        import datetime, zoneinfo
        zone = zoneinfo.ZoneInfo(tz)
        epoch = datetime.date(1970, 1, 1)
        dayof = lambda t: (datetime.datetime.fromtimestamp(t, zone).date() - epoch).days
    else:
        dayof = lambda t: int((t + tz) // 86400)
    v = json.load(open(vjson))
    inmon = lambda a: any(lo <= a <= hi for lo, hi in mon)

    with open_any(ra_path) as f:
        read = sum(1 for row in csv.reader(f) if row[2] not in ('man', 'Proto'))
    flows = []
    with open_any(rc_path) as f:
        r = csv.reader(f)
        next(r)
        for row in r:
            if row[2] == 'man':
                continue
            flows.append(row)

    cls = defaultdict(int)
    uns = []      # (day, src, proto, port, dst)
    first = min(float(r[0]) for r in flows)
    last = max(float(r[1]) for r in flows)
    for r in flows:
        stime, proto, sa, sp, da, dp = float(r[0]), r[2], r[3], r[4], r[5], r[6]
        if proto in ('arp', 'rarp'):
            cls['other'] += 1
            continue
        s, d = int(ipaddress.ip_address(sa)), int(ipaddress.ip_address(da))
        # backscatter, as far as racluster's columns tell it (no TCP flags): a lone
        # reset from outside that ra's rules turned round, an ICMP error or reply
        # from outside (a SYN/ACK needs the flags: the stealth lab's test has them)
        turned_rst = proto == 'tcp' and r[7] == '0' and r[8] != '0' and r[11] == 'RST'
        if inmon(s):
            if not inmon(d) and turned_rst:
                cls['backscatter'] += 1
                continue
            cls['internal' if inmon(d) else 'outbound'] += 1
            continue
        if not inmon(d):
            cls['other'] += 1
            continue
        if proto in ('icmp', 'ipv6-icmp'):
            itype = int(sp, 16) & 0xff if proto == 'icmp' else int(sp)
            if (proto == 'icmp' and itype in (0, 3, 4, 5, 11, 12, 14, 16, 18)) or \
               (proto == 'ipv6-icmp' and (1 <= itype <= 4 or itype == 129)):
                cls['backscatter'] += 1
                continue
        if proto in ('tcp', 'udp', 'sctp'):
            port = int(dp)
        elif proto == 'icmp':
            v16 = int(sp, 16)
            port = ('icmp', v16 & 0xff, v16 >> 8)      # type, code
        elif proto == 'ipv6-icmp':
            port = ('icmp6', int(sp), int(dp))
        else:
            port = None
        if proto in ('tcp', 'udp', 'sctp') and any(
                lo <= d <= hi and plo <= port <= phi and pr == proto for lo, hi, plo, phi, pr in svc):
            cls['service'] += 1
            continue
        cls['unsolicited'] += 1
        # the volume, both ways, from racluster's counters
        uns.append((dayof(stime), sa, proto, port, da, int(r[7]) + int(r[8]), int(r[9]) + int(r[10])))

    results = []
    def check(name, got, want):
        ok = got == want
        results.append(ok)
        print(('ok   ' if ok else 'FAIL ') + name)
        if not ok:
            print('  vigil:   ', str(got)[:600])
            print('  expected:', str(want)[:600])

    day = lambda d: str(__import__('datetime').date(1970, 1, 1) + __import__('datetime').timedelta(days=d))
    d0, d1 = dayof(first), dayof(last)
    check('period', v['period'], dict(first_day=day(d0), last_day=day(d1), days=d1 - d0 + 1, tz=tzname))
    want = dict(read=read, merged=len(flows))
    for c in ('unsolicited', 'service', 'outbound', 'internal', 'other', 'backscatter'):
        want[c] = cls[c]
    check('flows', v['flows'], want)

    src_conns = defaultdict(int)
    src_icmp = set()
    src_days = defaultdict(set)
    for dd, s, proto, port, da, _pk, _by in uns:
        src_conns[s] += 1
        src_days[s].add(dd)
        if proto in ('icmp', 'ipv6-icmp'):
            src_icmp.add(s)
    ov = v['overview']
    icmp_c = sum(c for s, c in src_conns.items() if s in src_icmp)
    check('overview', (ov['connections'], ov['sources'], ov['icmp']['sources'], ov['icmp']['connections'],
                       ov['no_icmp']['sources'], ov['no_icmp']['connections']),
          (len(uns), len(src_conns), len(src_icmp), icmp_c, len(src_conns) - len(src_icmp), len(uns) - icmp_c))

    firstday = {s: min(ds) for s, ds in src_days.items()}
    daily = []
    for dd in range(d0, d1 + 1):
        rows = [u for u in uns if u[0] == dd]
        daily.append(dict(day=day(dd), connections=len(rows), sources=len({u[1] for u in rows}),
                          new_sources=sum(1 for s, f in firstday.items() if f == dd)))
    check('daily', [{k: x[k] for k in ('day', 'connections', 'sources', 'new_sources')} for x in v['daily']], daily)
    check('daily packets and bytes', [(x['packets'], x['bytes']) for x in v['daily']],
          [(sum(u[5] for u in uns if u[0] == dd), sum(u[6] for u in uns if u[0] == dd))
           for dd in range(d0, d1 + 1)])
    pg = lambda p: {'tcp': 'tcp', 'udp': 'udp', 'icmp': 'icmp', 'ipv6-icmp': 'icmp'}.get(p, 'other')
    dp = []
    for dd in range(d0, d1 + 1):
        e = {}
        for g in ('tcp', 'udp', 'icmp', 'other'):
            rows = [u for u in uns if u[0] == dd and pg(u[2]) == g]
            e[g] = dict(connections=len(rows), sources=len({u[1] for u in rows}))
        dp.append(e)
    check('daily protocols', [x['protocols'] for x in v['daily']], dp)

    hosts = defaultdict(list)
    for u in uns:
        hosts[u[4]].append(u[1])
    want = sorted(hosts, key=lambda a: int(ipaddress.ip_address(a)))
    check('hosts', [(h['addr'], h['connections'], h['sources']) for h in v['hosts']],
          [(a, len(hosts[a]), len(set(hosts[a]))) for a in want])

    ports = defaultdict(list)
    for u in uns:
        if u[2] in ('tcp', 'udp', 'sctp'):
            ports[(u[2], u[3])].append(u[1])
    pnum = {'tcp': 6, 'udp': 17, 'sctp': 132}
    plist = sorted(ports, key=lambda k: (-len(ports[k]), pnum[k[0]], k[1]))
    check('ports', [(p['proto'], p['port'], p['connections'], p['sources']) for p in v['ports']],
          [(k[0], k[1], len(ports[k]), len(set(ports[k]))) for k in plist])
    pvol = defaultdict(lambda: [0, 0])
    for u in uns:
        if u[2] in ('tcp', 'udp', 'sctp'):
            pvol[(u[2], u[3])][0] += u[5]
            pvol[(u[2], u[3])][1] += u[6]
    check('ports packets and bytes', [(p['proto'], p['port'], p['packets'], p['bytes']) for p in v['ports']],
          [(k[0], k[1], pvol[k][0], pvol[k][1]) for k in plist])

    # port classes from the registries, read here independently
    def load(name):
        m = {}
        for line in open(f'{ports_dir}/{name}'):
            if line.startswith('#') or not line.strip():
                continue
            f = line.rstrip('\n').split('\t')
            lo, hi = (f[0].split('-') + [f[0]])[:2] if '-' in f[0] else (f[0], f[0])
            for p in range(int(lo), int(hi) + 1):
                m.setdefault((f[1], p), f[2])
        return m
    iana, serv, troj = load('iana.tsv'), load('services.tsv'), load('trojans.tsv')
    def classes(proto, port):
        c = []
        if (proto, port) in troj: c.append('trojan')
        if (proto, port) in iana or (proto, port) in serv: c.append('registered')
        return c or ['unlisted']
    rng = lambda p: 'system' if p < 1024 else 'user' if p < 49152 else 'dynamic'
    check('port classes', [(p['classes'], p['range']) for p in v['ports']],
          [(classes(k[0], k[1]), rng(k[1])) for k in plist])

    icmpsrc = {s for s in src_icmp}
    hp = []
    for proto, port in hot:
        days = []
        for dd in range(d0, d1 + 1):
            rows = [u for u in uns if u[0] == dd and u[2] == proto and u[3] == port]
            ss = {u[1] for u in rows}
            days.append(dict(day=day(dd), connections=len(rows), sources=len(ss),
                             icmp_sources=len(ss & icmpsrc)))
        hp.append(dict(proto=proto, port=port, daily=days))
    check('hot_ports', [dict(proto=h['proto'], port=h['port'],
                             daily=[{k: x[k] for k in ('day', 'connections', 'sources', 'icmp_sources')}
                                    for x in h['daily']]) for h in v['hot_ports']], hp)

    # buckets: [1,1] [2,9] [10,99] [100,) for 1,10,100
    mins = ([1] if buckets[0] > 1 else []) + [buckets[0]]
    if len(buckets) > 1 and buckets[1] > buckets[0] + 1:
        mins.append(buckets[0] + 1)
    mins += buckets[1:]
    if len(buckets) == 1:
        mins.append(buckets[0] + 1)
    bks = []
    for i, lo in enumerate(mins):
        hi = mins[i + 1] - 1 if i + 1 < len(mins) else None
        ss = {s for s, ds in src_days.items() if len(ds) >= lo and (hi is None or len(ds) <= hi)}
        cnt = defaultdict(int)
        for u in uns:
            if u[1] in ss:
                key = (u[2], u[3])
                cnt[key] += 1
        def sk(k):
            pr = {'tcp': 6, 'udp': 17, 'sctp': 132, 'icmp': 1, 'ipv6-icmp': 58}[k[0]]
            po = k[1] if isinstance(k[1], int) else k[1][1] * 256 + k[1][2]
            return (-cnt[k], pr, po)
        top = sorted(cnt, key=sk)[:14]
        tp = []
        for k in top:
            if isinstance(k[1], int):
                tp.append(dict(proto=k[0], port=k[1], connections=cnt[k]))
            else:
                tp.append(dict(proto=k[0], port=None, icmp_type=k[1][1], icmp_code=k[1][2], connections=cnt[k]))
        bks.append(dict(min_days=lo, max_days=hi, sources=len(ss),
                        connections=sum(src_conns[s] for s in ss), top_ports=tp))
    check('duration', v['duration'], bks)

    hist = defaultdict(lambda: [0, 0])
    for s, c in src_conns.items():
        b = c.bit_length() - 1
        hist[b][0] += 1
        hist[b][1] += c
    n = max(hist) + 1 if hist else 0
    check('conn_per_source_histogram',
          [(h['min'], h['max'], h['sources'], h['connections']) for h in v['conn_per_source_histogram']],
          [(1 << b, (2 << b) - 1, hist[b][0], hist[b][1]) for b in range(n)])

    ic = defaultdict(list)
    for u in uns:
        if u[2] in ('icmp', 'ipv6-icmp'):
            ic[(4 if u[2] == 'icmp' else 6, u[3][1], u[3][2])].append(u[1])
    il = sorted(ic, key=lambda k: (-len(ic[k]), k))
    check('icmp', [(x['family'], x['type'], x['code'], x['connections'], x['sources']) for x in v['icmp']],
          [(k[0], k[1], k[2], len(ic[k]), len(set(ic[k]))) for k in il])

    top = sorted(src_conns, key=lambda s: (-src_conns[s], ipaddress.ip_address(s).packed.rjust(16, b'\0')
                                           if ipaddress.ip_address(s).version == 6 else
                                           b'\0' * 10 + b'\xff\xff' + ipaddress.ip_address(s).packed))[:ntop]
    want = []
    for s in top:
        rows = [u for u in uns if u[1] == s]
        want.append((s, src_conns[s], len({(u[2], u[3]) for u in rows}), len({u[4] for u in rows}),
                     len(src_days[s]), day(min(src_days[s])), day(max(src_days[s])), s in src_icmp))
    check('top_sources', [(t['addr'], t['connections'], t['ports'], t['hosts'], t['days'], t['first_day'],
                           t['last_day'], t['icmp']) for t in v['top_sources']], want)
    check('top sources packets and bytes', [(t['addr'], t['packets'], t['bytes']) for t in v['top_sources']],
          [(s, sum(u[5] for u in uns if u[1] == s), sum(u[6] for u in uns if u[1] == s)) for s in top])

    # Without scans: which unsolicited connections belong to vigil's scan events (the
    # scanner, within the event's first..last) is taken from the report itself; the
    # arithmetic of every "_no_scans" figure is then redone here.
    if 'scans' in v:
        import datetime
        def us(t):
            return int(round(datetime.datetime.fromisoformat(t.replace('Z', '+00:00')).timestamp() * 1e6))
        # an event is a sweep when neither the vertical nor the block detector
        # fired and it probed at most scan-sweep-ports (default 2) ports
        sweep_max = 2
        for line in open(site_path):
            kv = line.split('#', 1)[0].split('=', 1)
            if len(kv) == 2 and kv[0].strip() == 'scan-sweep-ports':
                sweep_max = int(kv[1])
        want = [('sweep' if e['type'] not in ('vertical', 'block') and e['ports'] <= sweep_max
                 else 'port-scan') for e in v['scans']]
        check('scan kinds', [e['kind'] for e in v['scans']], want)
        # each event says why in one line: every detector that fired, its counts, its kind
        check('scan why', [(e['why'].endswith('sweep: <= %d ports' % sweep_max) == (e['kind'] == 'sweep'),
                            all((d if d != 'block' else 'vertical') + ':' in e['why']
                                for d in e['detectors']),
                            ('%d host' % e['targets']) in e['why'] and
                            ('%d flows, %d answered' % (e['flows'], e['answered'])) in e['why'])
                           for e in v['scans']], [(True, True, True)] * len(v['scans']))
        without = v['overview_no_scans']['without']
        left_out = {'port-scans': ('port-scan',), 'sweeps': ('sweep',), 'all': ('port-scan', 'sweep')}[without]
        spans = defaultdict(list)     # the events "without" leaves out
        kinds = defaultdict(list)     # every event, with its kind
        for e in v['scans']:
            if e['kind'] in left_out:
                spans[e['scanner']].append((us(e['first']), us(e['last'])))
            kinds[e['scanner']].append((us(e['first']), us(e['last']), e['kind']))
        stimes = {}
        scan_rows = []
        for r in flows:
            pass
        uns_t = []
        for r in flows:
            stime, proto, sa, da = float(r[0]), r[2], r[3], r[5]
            uns_t.append((round(stime * 1e6), sa))
        # rebuild the unsolicited list with start times, in the same order as uns
        ut = []
        for r in flows:
            stime, proto, sa, sp, da, dp = float(r[0]), r[2], r[3], r[4], r[5], r[6]
            if proto in ('arp', 'rarp'):
                continue
            s_, d_ = int(ipaddress.ip_address(sa)), int(ipaddress.ip_address(da))
            if inmon(s_) or not inmon(d_):
                continue
            if proto in ('tcp', 'udp', 'sctp') and any(
                    lo <= d_ <= hi and plo <= int(dp) <= phi and pr == proto
                    for lo, hi, plo, phi, pr in svc):
                continue
            ut.append(round(stime * 1e6))
        is_scan = [any(a <= t <= b for a, b in spans.get(u[1], [])) for t, u in zip(ut, uns)]
        kind_of = [next((k for a, b, k in kinds.get(u[1], []) if a <= t <= b), 'rest')
                   for t, u in zip(ut, uns)]
        parts = v['scan_parts']
        got, want = [], []
        for name, k in (('port_scans', 'port-scan'), ('sweeps', 'sweep'), ('rest', 'rest')):
            got.append((parts[name]['connections'], parts[name]['sources'], parts[name].get('events')))
            want.append((sum(1 for x in kind_of if x == k),
                         len({u[1] for u, x in zip(uns, kind_of) if x == k}),
                         None if k == 'rest' else sum(1 for e in v['scans'] if e['kind'] == k)))
        check('scan_parts', got, want)
        all_scan = [x != 'rest' for x in kind_of]
        ns = [u for u, sc in zip(uns, is_scan) if not sc]
        nsrc = defaultdict(int)
        nicmp = set()
        ndays = defaultdict(set)
        for dd, s_, proto, port, da, _pk, _by in ns:
            nsrc[s_] += 1
            ndays[s_].add(dd)
            if proto in ('icmp', 'ipv6-icmp'):
                nicmp.add(s_)
        ic = sum(c for s_, c in nsrc.items() if s_ in nicmp)
        o = v['overview_no_scans']
        check('overview_no_scans', (o['connections'], o['sources'], o['icmp']['sources'],
                                    o['icmp']['connections'], o['no_icmp']['sources'], o['no_icmp']['connections']),
              (len(ns), len(nsrc), len(nicmp), ic, len(nsrc) - len(nicmp), len(ns) - ic))
        nfirst = {s_: min(ds) for s_, ds in ndays.items()}
        want = []
        for dd in range(d0, d1 + 1):
            want.append((day(dd), sum(1 for u, sc in zip(uns, all_scan) if sc and u[0] == dd),
                         sum(1 for u in ns if u[0] == dd), len({u[1] for u in ns if u[0] == dd}),
                         sum(1 for s_, f in nfirst.items() if f == dd)))
        check('daily no scans', [(x['day'], x['scan_connections'], x['connections_no_scans'],
                                  x['sources_no_scans'], x['new_sources_no_scans']) for x in v['daily']], want)
        bk = []
        for i, lo in enumerate(mins):
            hi = mins[i + 1] - 1 if i + 1 < len(mins) else None
            ss = {s_ for s_, ds in ndays.items() if len(ds) >= lo and (hi is None or len(ds) <= hi)}
            bk.append((lo, hi, len(ss), sum(nsrc[s_] for s_ in ss)))
        check('duration_no_scans', [(b['min_days'], b['max_days'], b['sources'], b['connections'])
                                    for b in v['duration_no_scans']], bk)
        check('scan connections', v['scans_summary']['scan_connections'], sum(all_scan))
        # slide 14: the ports of each day's new sources (first day without scans), over
        # all their connections outside scans; top 5 by connections, then protocol, port
        pnum = {'icmp': 1, 'tcp': 6, 'udp': 17, 'ipv6-icmp': 58, 'sctp': 132}
        per = defaultdict(lambda: defaultdict(int))
        for dd, s_, proto, port, da, _pk, _by in ns:
            if port is not None:
                per[nfirst[s_]][(proto, port)] += 1
        def pkey(pp):
            proto, port = pp
            return (pnum[proto], port[1] * 256 + port[2] if isinstance(port, tuple) else port)
        def pobj(pp, c):
            # one way for a port in the JSON: {proto, port} (ICMP: type, code)
            proto, port = pp
            if isinstance(port, tuple):
                return dict(proto=port[0], port=None, icmp_type=port[1], icmp_code=port[2],
                            connections=c)
            return dict(proto=proto, port=port, connections=c)
        want = []
        for dd in range(d0, d1 + 1):
            top = sorted(per[dd].items(), key=lambda kv: (-kv[1],) + pkey(kv[0]))[:5]
            want.append([pobj(k, c) for k, c in top])
        check('daily new sources top ports no scans', [x['new_sources_top_ports_no_scans'] for x in v['daily']], want)

    # The HTML page (vigil report --html) of the same run: its data is this report, and
    # its connection matrix (source x TCP/UDP destination port) is redone here.
    if html_path:
        import re
        page = open(html_path, encoding='utf-8').read()
        blocks = dict(re.findall(r'<script type="application/json" id="([a-z-]+)">(.*?)</script>', page, re.S))
        # the page keeps the 1000 ports with the most connections and the 5000 scan
        # events with the most connections (ties: lower id), in the report's order
        pv = dict(v)
        pv['ports'] = v['ports'][:1000]
        if 'scans' in v:
            keep = {e['id'] for e in sorted(v['scans'], key=lambda e: (-e['connections'], e['id']))[:5000]}
            pv['scans'] = [e for e in v['scans'] if e['id'] in keep]
        check('html: embedded report = JSON report (lists cut)', json.loads(blocks['vigil-data']), pv)
        m = json.loads(blocks['vigil-extra'])['matrix']
        scan_of = is_scan if 'scans' in v else [False] * len(uns)
        cells = defaultdict(lambda: [0, 0])
        for u, sc in zip(uns, scan_of):
            if u[2] in ('tcp', 'udp'):
                c = cells[(u[1], u[3] + (65536 if u[2] == 'udp' else 0))]
                c[0] += 1
                c[1] += sc
        srcs = sorted({k[0] for k in cells}, key=lambda a: (ipaddress.ip_address(a).version, int(ipaddress.ip_address(a))))
        rank = {a: i for i, a in enumerate(srcs)}
        # a large matrix comes in bins of sources and ports (their sizes are the page's
        # choice; what is in each bin is checked)
        sb, pb = m['src_per_bin'], m['ports_per_bin']
        binned = defaultdict(lambda: [0, 0])
        for (a, y), c in cells.items():
            b = binned[(rank[a] // sb, y // pb * pb)]
            b[0] += c[0]
            b[1] += c[1]
        want = sorted((x, y, c[0], c[1]) for (x, y), c in binned.items())
        labels = srcs if sb == 1 else ['%s - %s (%d sources)' % (srcs[i], srcs[min(i + sb, len(srcs)) - 1],
                                       min(i + sb, len(srcs)) - i) for i in range(0, len(srcs), sb)]
        check('html: matrix sources', (m['aggregated'], m['n_sources'], m['n_x'], m['sources']),
              (sb > 1 or pb > 1, len(srcs), len(labels), labels))
        check('html: matrix cells', [tuple(m['cells'][i:i + 4]) for i in range(0, len(m['cells']), 4)], want)
        if max_cells:
            check('html: matrix within --html-max-cells', len(want) <= max_cells or (sb >= len(srcs) and pb == 65536), True)

    passed = sum(results)
    print(f'{passed} passed, {len(results) - passed} failed')
    sys.exit(0 if passed == len(results) else 1)

main()
