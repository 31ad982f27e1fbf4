#!/usr/bin/env python3
"""blocks.py - what a vigil HTML page carries, as text for a golden test.

usage: blocks.py PAGE.html REPORT.json
Prints the page's head (title, Content-Security-Policy), whether its embedded report
equals REPORT.json (vigil report -o json of the same input, with the ports and scan
events cut as the page cuts them), then the extra data: site, inputs, list sizes, port
summary, and the connection matrix (its sources, and its cells in part, with totals).
"""
import json, re, sys

page = open(sys.argv[1], encoding='utf-8').read()
report = json.load(open(sys.argv[2]))
for tag in re.findall(r'<(?:meta http-equiv|meta name="generator"|title)[^\n]*', page):
    print(tag)
blocks = dict(re.findall(r'<script type="application/json" id="([a-z-]+)">(.*?)</script>', page, re.S))
print('scripts:', len(re.findall(r'<script>', page)), 'inline, with src:', len(re.findall(r'<script[^>]* src=', page)))
def page_report(j):
    # the page keeps the 1000 ports with the most connections and the 5000 scan
    # events with the most connections (ties: lower id), in the report's order
    j = dict(j)
    j['ports'] = j['ports'][:1000]
    if 'scans' in j:
        keep = {e['id'] for e in sorted(j['scans'], key=lambda e: (-e['connections'], e['id']))[:5000]}
        j['scans'] = [e for e in j['scans'] if e['id'] in keep]
    return j
print('vigil-data = vigil report -o json (lists cut):', 'yes' if json.loads(blocks['vigil-data']) == page_report(report) else 'NO')
print('no "<" in the data blocks:', 'yes' if '<' not in blocks['vigil-data'] + blocks['vigil-extra'] else 'NO')
x = json.loads(blocks['vigil-extra'])
m = x.pop('matrix')
print(json.dumps(x, indent=1, sort_keys=True))
cells = [m['cells'][i:i + 4] for i in range(0, len(m['cells']), 4)]
print('matrix:', json.dumps({k: v for k, v in m.items() if k not in ('cells', 'sources')}, sort_keys=True))
print('  cells %d, connections %d, of scans %d' % (len(cells), sum(c[2] for c in cells), sum(c[3] for c in cells)))
for i, s in enumerate(m['sources']):
    print('  source %d %s' % (i, s))
for c in cells[:15] + [['...']] + cells[-15:]:
    print('  cell', *c)
