#!/usr/bin/env python3
"""netflow-seeds.py - packs UDP payloads (one file per datagram, as saved
from softflowd runs) into inputs for fuzz_netflow.c: [ctl u8, length u16
BE, datagram] per datagram; ctl bits 0-1 = exporter, bits 2-3 = clock step.
usage: netflow-seeds.py OUT CTL:FILE [CTL:FILE ...]"""
import struct
import sys

out = bytearray()
for arg in sys.argv[2:]:
    ctl, path = arg.split(":", 1)
    data = open(path, "rb").read()
    out += struct.pack(">BH", int(ctl), len(data)) + data
open(sys.argv[1], "wb").write(out)
