#!/usr/bin/env python3
# cut-argus.py CAPTURE DIR PARTS [PREFIX] - an Argus 3 file cut into PARTS
# files of whole records, DIR/PREFIX.00 ..., each with the capture's first
# management record in front so that each is an Argus file (tests/store,
# tests/watch). PREFIX defaults to "piece".
import sys

data = open(sys.argv[1], 'rb').read()
parts = int(sys.argv[3])
prefix = sys.argv[4] if len(sys.argv) > 4 else 'piece'
mar, pos, recs = data[:128], 128, []
while pos + 4 <= len(data):
    n = int.from_bytes(data[pos + 2:pos + 4], 'big') * 4
    recs.append(data[pos:pos + n])
    pos += n
k = len(recs)
for i in range(parts):
    with open('%s/%s.%02d' % (sys.argv[2], prefix, i), 'wb') as f:
        f.write(mar + b''.join(recs[i * k // parts:(i + 1) * k // parts]))
