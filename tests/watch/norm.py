#!/usr/bin/env python3
"""norm.py - what the live-versus-batch comparisons of vigil watch compare.

  norm.py report FILE [KEY...]  the report's JSON without its freshness, without KEYs (the
                                inputs' description, ...), its alerts without ids in a
                                stable order: watch names alerts in the order it raised
                                them, batch in time order
  norm.py alerts FILE           NDJSON alerts, the latest line per id, without the id, in a
                                stable order (watch writes an alert again when it changes)

Used by tests/watch/run.sh, tests/watch/netflow.sh and bench/watch.sh.
"""
import json
import sys


def report(path, drop):
    d = json.load(open(path))
    for k in ['freshness'] + drop:
        d.pop(k, None)
    for a in d.get('alerts', []):
        a.pop('id', None)
    d['alerts'] = sorted(d.get('alerts', []), key=lambda a: json.dumps(a, sort_keys=True))
    print(json.dumps(d, sort_keys=True))


def alerts(path):
    last = {}
    for line in open(path):
        a = json.loads(line)
        if 'id' in a:
            last[a['id']] = a
    out = []
    for a in last.values():
        a.pop('id')
        out.append(json.dumps(a, sort_keys=True))
    print('\n'.join(sorted(out)))


if sys.argv[1] == 'report':
    report(sys.argv[2], sys.argv[3:])
else:
    alerts(sys.argv[2])
