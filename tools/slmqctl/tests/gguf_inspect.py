#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Independent GGUF v3 reader for the end-to-end tests (stdlib only).

usage: gguf_inspect.py FILE  -> JSON {"kv": {key: value}, "tensors": [{name, type, ne, offset}]}
Arrays of strings/numbers are summarised as {"len": n, "first": [...5]} unless
--full is given.
"""
import json
import struct
import sys

SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
           10: "<Q", 11: "<q", 12: "<d"}


class Reader:
    def __init__(self, data):
        self.d, self.p = data, 0

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.d, self.p)[0]
        self.p += struct.calcsize(fmt)
        return v

    def string(self):
        n = self.take("<Q")
        s = self.d[self.p:self.p + n].decode("utf-8", "surrogateescape")
        self.p += n
        return s

    def value(self, t):
        if t == 8:
            return self.string()
        if t == 9:
            at, n = self.take("<I"), self.take("<Q")
            return [self.value(at) for _ in range(n)]
        return self.take(SCALARS[t])


def read(path):
    r = Reader(open(path, "rb").read())
    assert r.take("<I") == 0x46554747, "bad magic"
    version, n_t, n_kv = r.take("<I"), r.take("<Q"), r.take("<Q")
    kv, types = {}, {}
    for _ in range(n_kv):
        k = r.string()
        t = r.take("<I")
        types[k] = t
        kv[k] = r.value(t)
    tensors = []
    for _ in range(n_t):
        name = r.string()
        nd = r.take("<I")
        ne = [r.take("<Q") for _ in range(nd)]
        tensors.append({"name": name, "ne": ne, "type": r.take("<I"), "offset": r.take("<Q")})
    return {"version": version, "kv": kv, "kv_types": types, "tensors": tensors}


def main():
    g = read(sys.argv[1])
    if "--full" not in sys.argv:
        for k, v in g["kv"].items():
            if isinstance(v, list):
                g["kv"][k] = {"len": len(v), "first": v[:5]}
    json.dump(g, sys.stdout)


if __name__ == "__main__":
    main()
