#!/usr/bin/env python3
"""figures-check.py - checks the SVG files of `vigil report --figures DIR`
against the JSON report of the same input (`vigil report -o json`) and its
connection matrix (`--csv-dir`: matrix.csv), without vigil's page code:

  - the files are the figures the page has (a traffic chart, a hot-port
    chart per hot port, a chart per activity bucket, ...), each a
    well-formed SVG with its title and the seed's slide as a footnote;
  - each holds the figure's data points: the bars, lines and symbols ECharts
    drew (marked by their series and data index), counted per series, and
    their sizes read back through the axis labels (a linear or log axis:
    value = position, calibrated on the labelled ticks) against the JSON's
    values; the category labels are the days, ports or buckets; the pie's
    sectors span the share of their class; the matrix's symbols per colour
    are its cells per decade of connections;
  - with --png: a PNG beside each SVG, twice its size.

usage: figures-check.py REPORT.json MATRIX.csv DIR [--png]
Prints "figures: N checks, M failed" and the failures; exits 1 on any.
"""
import csv
import json
import math
import os
import re
import struct
import sys
import xml.etree.ElementTree as ET

NS = '{http://www.w3.org/2000/svg}'
SEED = ' of the 2004 eCSIRT.net study'
checks = 0
failures = []


def check(ok, what):
    global checks
    checks += 1
    if not ok:
        failures.append(what)
    return ok


def eq(got, want, what):
    return check(got == want, '%s: got %r, want %r' % (what, got, want))


def close(got, want, tol, what):
    return check(got is not None and abs(got - want) <= tol, '%s: got %s, want %s (+- %.3g)' % (what, got, want, tol))


NUM = r'-?\d+(?:\.\d+)?(?:e-?\d+)?'


class Figure:
    """One SVG file: vigil's frame around the chart ECharts drew."""

    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)
        self.root = ET.parse(path).getroot()
        inner = self.root.find(NS + 'svg')
        self.chart = inner if inner is not None else self.root
        self.width = float(self.chart.get('width', 0))
        self.height = float(self.chart.get('height', 0))
        self.texts = []
        for t in self.chart.iter(NS + 'text'):
            x, y = translate(t.get('transform'))
            self.texts.append({'text': ''.join(t.itertext()), 'x': x, 'y': y, 'anchor': t.get('text-anchor'),
                               'legend': t.get('x') is not None})
        self.paths = list(self.chart.iter(NS + 'path'))

    def title(self):
        t = self.root.find(NS + 'title')
        return t.text if t is not None else None

    def footnote(self):
        for t in self.root.findall(NS + 'text'):
            if t.get('class') == 'vigil-footnote':
                return t.text
        return None

    def items(self, series):
        """the chart's elements of a series, by data index"""
        out = {}
        for p in self.chart.iter():
            if p.get('ecmeta_ssr_type') == 'chart' and p.get('ecmeta_series_index') == str(series):
                out[int(p.get('ecmeta_data_index'))] = p
        return [out[k] for k in sorted(out)]

    def series_count(self):
        s = set()
        for p in self.chart.iter():
            if p.get('ecmeta_ssr_type') == 'chart':
                s.add(int(p.get('ecmeta_series_index')))
        return len(s)

    def labels(self, anchor, legend=False):
        return [t for t in self.texts if t['anchor'] == anchor and t['legend'] == legend and t['text']]


def translate(tr):
    """where a text or symbol is put: translate(X Y) or matrix(a,b,c,d,X,Y)"""
    m = re.search(r'translate\((' + NUM + r')[ ,](' + NUM + r')\)', tr or '')
    if m:
        return float(m.group(1)), float(m.group(2))
    m = re.search(r'matrix\(' + ','.join(['(' + NUM + ')'] * 6) + r'\)', tr or '')
    return (float(m.group(5)), float(m.group(6))) if m else (None, None)


def path_box(d):
    """bounding box of a path of M/L/l/H/V/h/v/Z commands (ECharts' bars)"""
    xs, ys = [], []
    x = y = 0.0
    for cmd, args in re.findall(r'([MLlHhVvZz])([^MLlHhVvZzAa]*)', d):
        v = [float(a) for a in re.findall(NUM, args)]
        if cmd == 'M' or cmd == 'L':
            x, y = v[0], v[1]
        elif cmd == 'l':
            x, y = x + v[0], y + v[1]
        elif cmd == 'H':
            x = v[0]
        elif cmd == 'h':
            x += v[0]
        elif cmd == 'V':
            y = v[0]
        elif cmd == 'v':
            y += v[0]
        else:
            continue
        xs.append(x)
        ys.append(y)
    return min(xs), min(ys), max(xs), max(ys)


def bar_size(p, horizontal=False):
    x0, y0, x1, y1 = path_box(p.get('d'))
    return (x1 - x0) if horizontal else (y1 - y0)


def symbol_center(p):
    """a line's or a scatter's symbol: drawn at matrix(s,0,0,s,X,Y)"""
    m = re.search(r'matrix\(' + ','.join(['(' + NUM + ')'] * 6) + r'\)', p.get('transform') or '')
    if m:
        return float(m.group(5)), float(m.group(6))
    return translate(p.get('transform'))


def number(s):
    try:
        return float(s.replace(',', ''))
    except ValueError:
        return None


class Axis:
    """value = f(position), from the labelled ticks of a value or log axis"""

    def __init__(self, ticks, log=False, vertical=True):
        self.log, self.vertical = log, vertical
        pts = [(number(t['text']), t['y'] if vertical else t['x']) for t in ticks]
        pts = [(v, p) for v, p in pts if v is not None and (v > 0 or not log)]
        self.ok = len(pts) >= 2
        if not self.ok:
            return
        pts.sort()
        (v0, p0), (v1, p1) = pts[0], pts[-1]
        f = math.log10 if log else (lambda v: v)
        self.per_px = (f(v1) - f(v0)) / (p1 - p0)   # value units per pixel (signed)
        self.v0, self.p0 = f(v0), p0

    def at(self, pos):
        v = self.v0 + (pos - self.p0) * self.per_px
        return 10 ** v if self.log else v

    def span(self, px):
        """a bar's length in pixels as a value (linear axes)"""
        return abs(px * self.per_px)

    def tol(self, px=1.0):
        return abs(px * self.per_px)


def aligned(texts, key):
    """the ticks of a value axis: numbers lined up at one x (or y)"""
    texts = [t for t in texts if number(t['text']) is not None and t[key] is not None]
    at = {}
    for t in texts:
        at.setdefault(round(t[key], 1), []).append(t)
    best = max(at.values(), key=len, default=[])
    return best if len(best) >= 2 else []


def left_axis(fig):
    return aligned([t for t in fig.labels('end') if t['x'] < fig.width / 2], 'x')


def right_axis(fig):
    return aligned([t for t in fig.labels('start') if t['x'] > fig.width / 2], 'x')


def bottom_axis(fig):
    return aligned([t for t in fig.labels('middle') if t['y'] > fig.height / 2], 'y')


def categories(fig, want, vertical=False):
    """the category labels the axis shows, in axis order (not the ticks
    of a value axis that read the same, such as a log axis' 1)"""
    ticks = set(id(t) for t in left_axis(fig) + right_axis(fig) + bottom_axis(fig))
    got = [t for t in fig.texts if t['text'] in set(want) and not t['legend'] and id(t) not in ticks and t['x'] is not None]
    got.sort(key=lambda t: t['y'] if vertical else t['x'])
    return [t['text'] for t in got]


# ------------------------------------------------------------ the figures

def check_days_bars(fig, J, series_values, what, line=None):
    """bars per day (stacked: a list of series), their total height against
    the left axis; optionally a line against the right axis"""
    days = [d['day'] for d in J['daily']]
    eq(categories(fig, days), days, fig.name + ': the day labels')
    if not any(any(v) for v in series_values):
        # nothing to count: flat bars, and an axis without a scale
        for s, values in enumerate(series_values):
            b = fig.items(s)
            eq(len(b), len(values), fig.name + ': bars of series %d (%s)' % (s, what[s]))
            check(all(bar_size(x) < 0.5 for x in b), fig.name + ': flat bars for no %s' % what[s])
        return
    ax = Axis(left_axis(fig))
    if not check(ax.ok, fig.name + ': a labelled value axis'):
        return
    bars = []
    for s, values in enumerate(series_values):
        b = fig.items(s)
        eq(len(b), len(values), fig.name + ': bars of series %d (%s)' % (s, what[s]))
        bars.append(b)
    for i in range(len(days)):
        total = sum(v[i] for v in series_values)
        px = sum(bar_size(b[i]) for b in bars if i < len(b))
        close(ax.span(px), total, ax.tol(1.5) + 0.5, fig.name + ': %s, %s' % ('+'.join(what[:len(series_values)]), days[i]))
    if line:
        s, values, name = line
        pts = fig.items(s)
        eq(len(pts), len(values), fig.name + ': points of the %s line' % name)
        rx = Axis(right_axis(fig)) if name != 'all new sources' else ax
        if check(rx.ok, fig.name + ': the %s axis' % name):
            for i, p in enumerate(pts[:len(values)]):
                close(rx.at(symbol_center(p)[1]), values[i], rx.tol(1.5) + 0.01, fig.name + ': %s, %s' % (name, days[i]))


def check_traffic(fig, J):
    D = J['daily']
    check_days_bars(fig, J, [[d['protocols'][g]['connections'] for d in D] for g in ('tcp', 'udp', 'icmp', 'other')],
                    ['tcp', 'udp', 'icmp', 'other'], line=(4, [d['sources'] for d in D], 'sources'))
    eq([t['text'] for t in fig.labels('start', legend=True)], ['tcp', 'udp', 'icmp', 'other', 'sources'], fig.name + ': legend')


def check_scan_days(fig, J):
    D = J['daily']
    check_days_bars(fig, J, [[d['connections'] - d['connections_no_scans'] for d in D]], ['scan connections'])
    check_days_bars(fig, J, [[d['connections'] - d['connections_no_scans'] for d in D], [d['connections_no_scans'] for d in D]],
                    ['scan connections', 'other connections'])


def check_hot(fig, J, h):
    D = h['daily']
    check_days_bars(fig, J, [[d['connections_icmp_sources'] for d in D], [d['connections_no_icmp_sources'] for d in D]],
                    ['from ICMP sources', 'from no-ICMP sources'],
                    line=(2, [round(d['share_connections_pct'], 2) for d in D], 'share of the day (%)'))
    check(sum(d['connections'] for d in D) == sum(d['connections_icmp_sources'] + d['connections_no_icmp_sources'] for d in D),
          fig.name + ': the JSON splits the hot port in ICMP and no-ICMP')


def check_newsrc(fig, J):
    D = J['daily']
    check_days_bars(fig, J, [[d['new_sources_no_scans'] for d in D]], ['new sources without scans'],
                    line=(1, [d['new_sources'] for d in D], 'all new sources'))


def check_scan_events(fig, J):
    ax = Axis(left_axis(fig), log=True)
    if J['scans'] and not check(ax.ok, fig.name + ': a labelled log axis'):
        return
    for s, t in enumerate(['vertical', 'horizontal', 'block', 'sweep', 'trw']):
        want = sorted(max(1, e['connections']) for e in J['scans'] if e['type'] == t)
        pts = fig.items(s)
        if not want:
            eq(len(pts), 0, fig.name + ': no events of type ' + t)
            continue
        if not eq(len(pts), len(want), fig.name + ': events of type ' + t):
            continue
        got = sorted(ax.at(symbol_center(p)[1]) for p in pts)
        for g, w in zip(got, want):
            # one pixel on a log axis: a factor
            if not check(abs(math.log10(g) - math.log10(w)) <= ax.tol(1.5), fig.name + ': a %s event of %d connections drawn at %.1f' % (t, w, g)):
                break


def check_hist(fig, J):
    H = J['conn_per_source_histogram']
    labels = [str(h['min']) if h['min'] == h['max'] else '%d-%d' % (h['min'], h['max']) for h in H]
    eq(categories(fig, labels), labels, fig.name + ': the buckets')
    if not H:
        eq(len(fig.items(0)), 0, fig.name + ': no bars')
        return
    ax = Axis(left_axis(fig), log=True)
    if not check(ax.ok, fig.name + ': a labelled log axis'):
        return
    bars = fig.items(0)
    drawn = [h for h in H if h['sources']]
    # a null (no source) is no bar; the rest rise from 1 to their count
    check(len(bars) in (len(H), len(drawn)), fig.name + ': %d bars for %d buckets' % (len(bars), len(H)))
    base = None
    for t in left_axis(fig):
        if number(t['text']) == 1:
            base = t['y']
    if not check(base is not None, fig.name + ': the log axis starts at 1'):
        return
    tall = [b for b in bars if bar_size(b) > 0.5]
    eq(len(tall), len([h for h in H if h['sources'] > 1]), fig.name + ': bars above 1 source')
    k = 0
    for h in H:
        if h['sources'] > 1 and k < len(tall):
            top = path_box(tall[k].get('d'))[1]
            g = ax.at(top)
            check(abs(math.log10(g) - math.log10(h['sources'])) <= ax.tol(1.5),
                  fig.name + ': bucket %s: %d sources drawn as %.1f' % (labels[H.index(h)], h['sources'], g))
            k += 1


def check_port_sources(fig, J):
    pnum = {'tcp': 6, 'udp': 17, 'sctp': 132}
    P = sorted(J['ports'], key=lambda p: (-p['sources'], -p['connections'], pnum[p['proto']], p['port']))[:30]
    bars = fig.items(0)
    eq(len(bars), len(P), fig.name + ': bars')
    ax = Axis(left_axis(fig))
    if P and check(ax.ok, fig.name + ': a labelled value axis'):
        for p, b in zip(P, bars):
            close(ax.span(bar_size(b)), p['sources'], ax.tol(1.5), fig.name + ': sources of %d/%s' % (p['port'], p['proto']))
    labels = ['%d/%s' % (p['port'], p['proto']) for p in P]
    # rotated labels: ECharts may skip some when they crowd; those shown are in order
    shown = [t['text'] for t in fig.texts if t['text'] in set(labels) and not t['legend']]
    check(len(shown) >= len(labels) // 2 and shown == [l for l in labels if l in shown],
          fig.name + ': the port labels %s are those of the JSON in order' % shown[:5])


def check_classes(fig, J):
    pc = {}
    for p in J['ports']:
        k = ' + '.join(p['classes'])
        pc[k] = pc.get(k, 0) + p['connections']
    order = [k for k in ['unlisted', 'registered', 'trojan', 'trojan + registered'] if k in pc]
    order += sorted(k for k in pc if k not in order)
    sectors = fig.items(0)
    eq(len(sectors), len(order), fig.name + ': sectors')
    if order:
        eq([t['text'] for t in fig.labels('start', legend=True)], order, fig.name + ': legend')
    total = sum(pc.values())
    if len(sectors) < 2 or not total:
        return
    cx, cy = fig.width / 2, fig.height / 2
    for k, s in zip(order, sectors):
        m = re.match(r'M(' + NUM + r') (' + NUM + r')A' + NUM + ' ' + NUM + ' 0 ([01]) [01] (' + NUM + r') (' + NUM + ')', s.get('d'))
        if not check(m is not None, fig.name + ': sector %s is an arc' % k):
            continue
        sx, sy, large, ex, ey = float(m.group(1)), float(m.group(2)), m.group(3), float(m.group(4)), float(m.group(5))
        span = (math.atan2(ey - cy, ex - cx) - math.atan2(sy - cy, sx - cx)) % (2 * math.pi)
        if large == '1' and span < math.pi:
            span = 2 * math.pi - span
        close(math.degrees(span), 360.0 * pc[k] / total, 1.0, fig.name + ': the angle of %s' % k)


def bucket_file(b):
    if b['max_days'] is None:
        return 'days-active-%d-plus' % b['min_days']
    if b['min_days'] == b['max_days']:
        return 'days-active-%d' % b['min_days']
    return 'days-active-%d-%d' % (b['min_days'], b['max_days'])


def port_label(p):
    return '%s/%s' % (p['port'], p['proto']) if isinstance(p.get('port'), int) else '%s %s/%s' % (p['proto'], p['icmp_type'], p['icmp_code'])


def check_duration(fig, J, b):
    labels = [port_label(p) for p in b['top_ports']]
    eq(categories(fig, labels, vertical=True), labels, fig.name + ': the ports, top down')
    bars = fig.items(0)
    eq(len(bars), len(labels), fig.name + ': bars')
    ax = Axis(bottom_axis(fig), vertical=False)
    if labels and check(ax.ok, fig.name + ': a labelled value axis'):
        for p, bar in zip(b['top_ports'], bars):
            close(ax.span(bar_size(bar, horizontal=True)), p['connections'], ax.tol(1.5), fig.name + ': connections of ' + port_label(p))
    check(('%s sources' % format(b['sources'], ',')) in (fig.title() or ''), fig.name + ': the title counts the bucket\'s sources')


def check_alerts(fig, J):
    dets = ['trend', 'seasonal', 'change', 'worm', 'big', 'newport']
    rows = {t['text']: t['y'] for t in fig.labels('end') if t['text'] in dets}
    eq(sorted(rows), sorted(dets), fig.name + ': a row per detector')
    for s, v in enumerate(['low', 'medium', 'high']):
        want = sorted(a['detector'] for a in J['alerts'] if a['severity'] == v)
        pts = fig.items(s)
        eq(len(pts), len(want), fig.name + ': %s alerts' % v)
        got = sorted(min(rows, key=lambda d: abs(rows[d] - symbol_center(p)[1])) for p in pts) if rows else []
        eq(got, want, fig.name + ': the detectors of the %s alerts' % v)


BUCKET_COLOURS = [(1, 1, '#9ecae1'), (2, 9, '#4292c6'), (10, 99, '#08519c'), (100, 999, '#e6550d'), (1000, float('inf'), '#a50f15')]


def check_matrix(fig, cells, k):
    want = [0] * 5
    for c in cells:
        v = c[k]
        if v > 0:
            want[next(i for i, b in enumerate(BUCKET_COLOURS) if v <= b[1])] += 1
    got = [0] * 5
    for p in fig.paths:
        f = p.get('fill')
        for i, b in enumerate(BUCKET_COLOURS):
            if f != b[2]:
                continue
            if p.get('ecmeta_ssr_type') == 'chart':
                got[i] += 1
            elif p.get('ecmeta_ssr_type') is None and 'A' in p.get('d', ''):
                # large mode: one path, a circle per point
                got[i] += p.get('d').count('M')
    eq(got, want, fig.name + ': symbols per decade of connections (1, 2-9, 10-99, 100-999, more)')


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    png = '--png' in sys.argv
    if len(args) != 3:
        print(__doc__)
        return 2
    J = json.load(open(args[0]))
    with open(args[1]) as f:
        cells = [(r['source'], r['proto'], int(r['port']), int(r['connections']), int(r['scan_connections']))
                 for r in csv.DictReader(f) if r['proto'] in ('tcp', 'udp')]
    cells = [(c[3], c[4]) for c in cells]
    d = args[2]
    scans = 'scans' in J
    wo = {'port-scans': 'port scans', 'sweeps': 'sweeps', 'all': 'scans'}[J['overview_no_scans']['without']] if scans else 'scans'
    ns = scans and sum(b['connections'] for b in J['duration_no_scans']) > 0
    buckets = J['duration_no_scans'] if ns else J['duration']

    want = {'traffic-per-day': ('6', lambda f: check_traffic(f, J)),
            'connection-matrix': ('7', lambda f: check_matrix(f, cells, 0)),
            'new-sources-per-day': ('14', lambda f: check_newsrc(f, J)),
            'connections-per-source': ('15', lambda f: check_hist(f, J)),
            'sources-per-port': ('15', lambda f: check_port_sources(f, J)),
            'port-classes': ('15', lambda f: check_classes(f, J))}
    if scans:
        want['connection-matrix-' + wo.replace(' ', '-')] = ('9', lambda f: check_matrix(f, cells, 1))
        want['scan-connections-per-day'] = ('8', lambda f: check_scan_days(f, J))
        want['scan-events'] = ('8', lambda f: check_scan_events(f, J))
    for h in J['hot_ports']:
        want['hot-port-%d-%s' % (h['port'], h['proto'])] = ('10-13', lambda f, h=h: check_hot(f, J, h))
    for b in buckets:
        want[bucket_file(b)] = ('16-18', lambda f, b=b: check_duration(f, J, b))
    if J.get('alerts'):
        want['alerts-timeline'] = ('19', lambda f: check_alerts(f, J))

    svgs = sorted(n[:-4] for n in os.listdir(d) if n.endswith('.svg'))
    eq(svgs, sorted(want), 'the SVG files')
    for name in sorted(want):
        path = os.path.join(d, name + '.svg')
        if not os.path.exists(path):
            continue
        try:
            fig = Figure(path)
        except ET.ParseError as e:
            check(False, '%s: not well-formed XML: %s' % (name, e))
            continue
        slides, fn = want[name]
        check(bool(fig.title()), name + ': has a title')
        eq(fig.footnote(), ('Slides ' if '-' in slides else 'Slide ') + slides + SEED, name + ': footnote')
        check(fig.width > 0 and fig.height > 0, name + ': has a size')
        n0 = len(failures)
        fn(fig)
        if len(failures) > n0 + 5:
            del failures[n0 + 5:]
            failures.append(name + ': ... (more)')
        if png:
            p = os.path.join(d, name + '.png')
            if check(os.path.exists(p), name + '.png exists'):
                with open(p, 'rb') as f:
                    head = f.read(24)
                check(head[:8] == b'\x89PNG\r\n\x1a\n', name + '.png is a PNG')
                w, h = struct.unpack('>II', head[16:24])
                W, H = float(fig.root.get('width')), float(fig.root.get('height'))
                check(abs(w - 2 * W) <= 1 and abs(h - 2 * H) <= 1, '%s.png is %dx%d, twice %gx%g' % (name, w, h, W, H))
    print('figures: %d checks, %d failed (%d files)' % (checks, len(failures), len(svgs)))
    for f in failures:
        print('FAIL ' + f)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
