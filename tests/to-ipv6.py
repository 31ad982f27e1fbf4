#!/usr/bin/env python3
# to-ipv6.py CSV_IN CSV_OUT SITE_IN SITE_OUT - flows (vigil dump -o csv) and
# their site file moved from IPv4 into 2001:db8::/96 (a.b.c.d becomes
# 2001:db8::a.b.c.d), for tests of IPv6 with the sample week (tests/anon,
# tests/share). ICMP rows are left out: ICMPv4's types mean nothing over IPv6.
import csv, ipaddress, re, sys

def six(a):
    return str(ipaddress.IPv6Address((0x20010db8 << 96) | int(ipaddress.IPv4Address(a))))

with open(sys.argv[1]) as f, open(sys.argv[2], 'w', newline='') as g:
    r = csv.reader(f)
    w = csv.writer(g, lineterminator='\n')
    head = next(r)
    w.writerow(head)
    i, j, k = head.index('saddr'), head.index('daddr'), head.index('proto')
    for row in r:
        if row[k] == 'icmp':
            continue
        row[i], row[j] = six(row[i]), six(row[j])
        w.writerow(row)
text = open(sys.argv[3]).read()
open(sys.argv[4], 'w').write(re.sub(r'\b\d+\.\d+\.\d+\.\d+\b', lambda m: six(m.group(0)), text))
