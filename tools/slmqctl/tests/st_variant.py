#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Rewrite an F16 model.safetensors for the end-to-end tests (stdlib only).

usage: st_variant.py SRC DST [--dtype F16|F32|BF16] [--drop NAME]...
F16 -> F32 is exact; F16 -> BF16 rounds to nearest even.
"""
import json
import struct
import sys


def convert(blob, dtype):
    n = len(blob) // 2
    vals = struct.unpack("<%de" % n, blob)
    if dtype == "F16":
        return blob
    f32 = struct.pack("<%df" % n, *vals)
    if dtype == "F32":
        return f32
    out = bytearray()
    for (u,) in struct.iter_unpack("<I", f32):
        u += 0x7FFF + ((u >> 16) & 1)
        out += struct.pack("<H", (u >> 16) & 0xFFFF)
    return bytes(out)


def main():
    src, dst = sys.argv[1], sys.argv[2]
    dtype, drop, args = "F16", set(), sys.argv[3:]
    while args:
        if args[0] == "--dtype":
            dtype = args[1]
        elif args[0] == "--drop":
            drop.add(args[1])
        args = args[2:]
    raw = open(src, "rb").read()
    hl = struct.unpack("<Q", raw[:8])[0]
    hdr = json.loads(raw[8:8 + hl])
    out_hdr, data = {"__metadata__": hdr.get("__metadata__", {})}, b""
    for name, t in hdr.items():
        if name == "__metadata__" or name in drop:
            continue
        assert t["dtype"] == "F16"
        b, e = t["data_offsets"]
        blob = convert(raw[8 + hl + b:8 + hl + e], dtype)
        out_hdr[name] = {"dtype": dtype, "shape": t["shape"],
                         "data_offsets": [len(data), len(data) + len(blob)]}
        data += blob
    h = json.dumps(out_hdr).encode()
    h += b" " * ((-len(h)) % 8)
    open(dst, "wb").write(struct.pack("<Q", len(h)) + h + data)


if __name__ == "__main__":
    main()
