#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Helpers for validate_auto.sh (stdlib + python3-jsonschema only).

  schema SCHEMA FILE...          validate JSON files (exit 1 on the first invalid one)
  corrupt-scales IN OUT PATTERN  copy a GGUF, multiplying the f16 scale of every
                                 Q4_0/Q4_1/Q8_0 block of tensors whose name contains PATTERN by 64
  zero-tensor SRC_DIR DST_DIR NAME   copy an HF model dir with tensor NAME zeroed
  kv GGUF KEY                    print one metadata value (strings raw, others JSON)
"""
import json
import os
import shutil
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf_inspect  # noqa: E402  (the formats tests' independent reader)

BLOCK = {2: 18, 3: 20, 8: 34}   # Q4_0, Q4_1, Q8_0 bytes per 32 weights


def schema(argv):
    import jsonschema
    s = json.load(open(argv[0]))
    jsonschema.Draft202012Validator.check_schema(s)
    v = jsonschema.Draft202012Validator(s)
    for f in argv[1:]:
        errs = sorted(v.iter_errors(json.load(open(f))), key=lambda e: list(e.path))
        if errs:
            e = errs[0]
            print(f"{f}: {'/'.join(map(str, e.path))}: {e.message[:200]}")
            return 1
    return 0


def data_start(raw):
    r = gguf_inspect.Reader(raw)
    r.take("<I"), r.take("<I")
    n_t, n_kv = r.take("<Q"), r.take("<Q")
    align = 32
    for _ in range(n_kv):
        k = r.string()
        v = r.value(r.take("<I"))
        if k == "general.alignment":
            align = v
    for _ in range(n_t):
        r.string()
        nd = r.take("<I")
        r.p += 8 * nd + 4 + 8
    return (r.p + align - 1) // align * align


def corrupt_scales(argv):
    src, dst, pat = argv
    raw = bytearray(open(src, "rb").read())
    g = gguf_inspect.read(src)
    base = data_start(bytes(raw))
    hit = 0
    for t in g["tensors"]:
        if pat not in t["name"] or t["type"] not in BLOCK:
            continue
        n = t["ne"][0] * (t["ne"][1] if len(t["ne"]) > 1 else 1) // 32
        off = base + t["offset"]
        for b in range(n):
            p = off + b * BLOCK[t["type"]]
            d = struct.unpack_from("<e", raw, p)[0]
            struct.pack_into("<e", raw, p, max(min(d * 64.0, 60000.0), -60000.0))
        hit += 1
    if not hit:
        print("no tensor matched", pat)
        return 1
    open(dst, "wb").write(raw)
    return 0


def zero_tensor(argv):
    src, dst, name = argv
    shutil.copytree(src, dst, dirs_exist_ok=True)
    path = os.path.join(dst, "model.safetensors")
    raw = bytearray(open(path, "rb").read())
    hl = struct.unpack_from("<Q", raw, 0)[0]
    hdr = json.loads(raw[8:8 + hl])
    b, e = hdr[name]["data_offsets"]
    raw[8 + hl + b:8 + hl + e] = bytes(e - b)
    os.chmod(path, 0o644) if os.path.exists(path) else None
    os.unlink(path)
    open(path, "wb").write(raw)
    return 0


def kv(argv):
    v = gguf_inspect.read(argv[0])["kv"].get(argv[1])
    print(v if isinstance(v, str) else json.dumps(v))
    return 0 if v is not None else 1


if __name__ == "__main__":
    cmds = {"schema": schema, "corrupt-scales": corrupt_scales,
            "zero-tensor": zero_tensor, "kv": kv}
    sys.exit(cmds[sys.argv[1]](sys.argv[2:]))
