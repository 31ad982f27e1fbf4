#!/usr/bin/env python3
# same-figures.py PLAIN ANON [PLAIN ANON ...] - the figures of an anonymised
# output are those of the plain one: every address (and every address in a
# text) is replaced by ADDR, lists are compared as multisets (an order by
# address is another order of pseudonyms). TRW's ratio may differ: its
# per-source filter of hosts counted in earlier episodes is 32 bits, and
# which hosts share a bit depends on the addresses; it is left out, with
# the event's score. Files: JSON, or NDJSON (a line a record).
import ipaddress, json, re, sys

ADDR = re.compile(r'(?<![\d.])(\d+\.\d+\.\d+\.\d+)(?![\d.])|(?<![\w:])([0-9a-fA-F]*:[0-9a-fA-F:]*:[0-9a-fA-F]*)(?![\w:])')

def is_addr(s):
    try:
        ipaddress.ip_address(s)
        return True
    except ValueError:
        return False

def sub_addr(m):
    t = m.group(0)
    # an IPv6 address before a ':' of the text ("from 2001:db8::1: ...")
    for u, rest in ((t, ''), (t[:-1], ':')):
        if u and is_addr(u):
            return 'ADDR' + rest
    return t

def norm(x):
    if isinstance(x, dict):
        out = {}
        for k, v in x.items():
            if k == 'score':
                continue
            out[k] = norm(v)
            # a summary is cut at a width, after its addresses
            if k == 'summary' and isinstance(out[k], str):
                out[k] = out[k][:120]
        return out
    if isinstance(x, list):
        return sorted((norm(v) for v in x), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(x, str):
        if is_addr(x):
            return 'ADDR'
        x = re.sub(r'trw: ratio [0-9.]+', 'trw: ratio R', x)
        return ADDR.sub(sub_addr, x)
    return x

def load(path):
    text = open(path).read()
    try:
        return json.loads(text)
    except ValueError:
        return [json.loads(l) for l in text.splitlines() if l.strip()]

args = sys.argv[1:]
bad = 0
for p, a in zip(args[0::2], args[1::2]):
    x, y = norm(load(p)), norm(load(a))
    if x == y:
        continue
    bad += 1
    if isinstance(x, dict):
        diff = [k for k in x if x.get(k) != y.get(k)]
        print('%s / %s: members differ: %s' % (p, a, ', '.join(diff[:8])))
    else:
        print('%s / %s: %d and %d records, %d differ' % (p, a, len(x), len(y),
              sum(1 for u, v in zip(x, y) if u != v)))
sys.exit(1 if bad else 0)
