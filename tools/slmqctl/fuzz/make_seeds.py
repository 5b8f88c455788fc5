#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Seed corpora for the fuzz targets, generated at run time (no blobs in git).

usage: make_seeds.py FIXTURES OUTDIR
writes OUTDIR/{gguf,safetensors,json_config,tokenizer,evaldata,osbench,tokconfig,sampler}/seed_*
"""
import json
import os
import random
import struct
import sys

rng = random.Random(1234)


def gstr(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("<Q", len(b)) + b


def kv(key, t, payload):
    return gstr(key) + struct.pack("<I", t) + payload


def tiny_llama_gguf(extra=()):
    """A complete, loadable 1-layer llama GGUF of ~25 KB with every tensor type.

    extra: more (key, type, payload) records, e.g. hyper-parameters to vary."""
    toks = ["<unk>", "<s>", "</s>"] + ["<0x%02X>" % i for i in range(256)] + ["\u2581", "\u2581a", "ab"]
    types = [2, 3, 3] + [6] * 256 + [1, 1, 1]
    scores = [0.0] * 259 + [-0.0, -1.0, -2.0]
    n = len(toks)
    kvs = [
        kv("general.architecture", 8, gstr("llama")),
        kv("llama.context_length", 4, struct.pack("<I", 16)),
        kv("llama.embedding_length", 4, struct.pack("<I", 32)),
        kv("llama.block_count", 4, struct.pack("<I", 1)),
        kv("llama.feed_forward_length", 4, struct.pack("<I", 32)),
        kv("llama.attention.head_count", 4, struct.pack("<I", 2)),
        kv("llama.attention.head_count_kv", 4, struct.pack("<I", 1)),
        kv("llama.rope.dimension_count", 4, struct.pack("<I", 16)),
        kv("llama.attention.layer_norm_rms_epsilon", 6, struct.pack("<f", 1e-5)),
        kv("llama.rope.freq_base", 6, struct.pack("<f", 10000.0)),
        kv("llama.vocab_size", 4, struct.pack("<I", n)),
        kv("tokenizer.ggml.model", 8, gstr("llama")),
        kv("tokenizer.ggml.tokens", 9, struct.pack("<IQ", 8, n) + b"".join(gstr(t) for t in toks)),
        kv("tokenizer.ggml.scores", 9, struct.pack("<IQ", 6, n) + b"".join(struct.pack("<f", s) for s in scores)),
        kv("tokenizer.ggml.token_type", 9, struct.pack("<IQ", 5, n) + b"".join(struct.pack("<i", t) for t in types)),
        kv("tokenizer.ggml.bos_token_id", 4, struct.pack("<I", 1)),
        kv("tokenizer.ggml.eos_token_id", 4, struct.pack("<I", 2)),
    ] + [kv(k, t, p) for k, t, p in extra]
    row = {0: lambda c: 4 * c, 1: lambda c: 2 * c, 2: lambda c: c // 32 * 18,
           3: lambda c: c // 32 * 20, 8: lambda c: c // 32 * 34}
    ts = [("token_embd.weight", 8, [32, n]), ("blk.0.attn_norm.weight", 0, [32]),
          ("blk.0.attn_q.weight", 1, [32, 32]), ("blk.0.attn_k.weight", 2, [32, 16]),
          ("blk.0.attn_v.weight", 3, [32, 16]), ("blk.0.attn_output.weight", 1, [32, 32]),
          ("blk.0.ffn_norm.weight", 0, [32]), ("blk.0.ffn_gate.weight", 8, [32, 32]),
          ("blk.0.ffn_up.weight", 1, [32, 32]), ("blk.0.ffn_down.weight", 2, [32, 32]),
          ("output_norm.weight", 0, [32]), ("output.weight", 8, [32, n])]
    infos, data, off = b"", b"", 0
    for name, t, ne in ts:
        nbytes = row[t](ne[0]) * (ne[1] if len(ne) > 1 else 1)
        infos += gstr(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", d) for d in ne)
        infos += struct.pack("<IQ", t, off)
        blob = bytes(rng.getrandbits(8) & 0x3b for _ in range(nbytes))  # small f16/f32 values
        data += blob + b"\0" * ((-len(blob)) % 32)
        off = len(data)
    head = struct.pack("<IIQQ", 0x46554747, 3, len(ts), len(kvs)) + b"".join(kvs) + infos
    return head + b"\0" * ((-len(head)) % 32) + data


def safetensors(tensors):
    hdr, data = {"__metadata__": {"format": "pt"}}, b""
    for name, dtype, shape in tensors:
        size = {"F16": 2, "BF16": 2, "F32": 4}[dtype]
        for d in shape:
            size *= d
        hdr[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + size]}
        data += bytes(rng.getrandbits(8) for _ in range(size))
    h = json.dumps(hdr).encode()
    return struct.pack("<Q", len(h)) + h + data


def write(d, name, blob):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(blob)


def main():
    fix, out = sys.argv[1], sys.argv[2]
    g = tiny_llama_gguf()
    write(out + "/gguf", "seed_tiny_llama", g)
    write(out + "/gguf", "seed_header", g[:600])
    write(out + "/safetensors", "seed_mixed", safetensors(
        [("a", "F16", [4, 8]), ("b", "BF16", [3]), ("c", "F32", [2, 2, 2]), ("d", "F16", [])]))
    st = open(fix + "/pcilm-tiny/model.safetensors", "rb").read()
    hl = struct.unpack("<Q", st[:8])[0]
    write(out + "/safetensors", "seed_real_header", st[:8 + hl])
    cfg = open(fix + "/pcilm-tiny/config.json", "rb").read()
    write(out + "/json_config", "seed_config", b"\x01" + cfg)
    tok = json.load(open(fix + "/pcilm-tiny/tokenizer.json"))
    vocab = dict(list(tok["model"]["vocab"].items())[:300])
    tok["model"]["vocab"] = vocab
    tok["model"]["merges"] = [m for m in tok["model"]["merges"]
                              if "".join(m.split(" ")) in vocab and all(p in vocab for p in m.split(" "))]
    write(out + "/json_config", "seed_tokenizer", b"\x00" + json.dumps(tok).encode())
    text = open(fix + "/oscorpus/val.txt", "rb").read()
    for i in range(8):
        at = rng.randrange(len(text) - 400)
        write(out + "/tokenizer", "seed_%d" % i, text[at:at + rng.randrange(1, 400)])
    write(out + "/tokenizer", "seed_edge", " \n\t  x\xff\xfe \xc3".encode("latin-1"))
    # hyper-parameters for the mutator to vary (loads: the model runs)
    write(out + "/gguf", "seed_kv_lengths", tiny_llama_gguf([
        ("llama.attention.key_length", 4, struct.pack("<I", 16)),
        ("llama.attention.value_length", 4, struct.pack("<I", 16))]))
    write(out + "/gguf", "seed_dup_theta", tiny_llama_gguf([
        ("llama.rope.freq_base", 6, struct.pack("<f", 1e-30))]))
    ids = open(fix + "/oscorpus/val.bin", "rb").read()
    write(out + "/evaldata", "seed_bin", b"\x01" + ids[:512])
    write(out + "/evaldata", "seed_bin_bad_id", b"\x01" + struct.pack("<HHH", 1, 65535, 3))
    write(out + "/evaldata", "seed_bin_odd", b"\x01" + b"\x05\x00\x07")
    write(out + "/evaldata", "seed_text", b"\x00" + text[1000:1600])
    osb = open(fix + "/oscorpus/os_bench.jsonl", "rb").read().split(b"\n")
    write(out + "/osbench", "seed_items", b"\n".join(osb[:3]) + b"\n")
    write(out + "/osbench", "seed_broken", osb[0][:len(osb[0]) // 2] + b"\n" + osb[1])
    write(out + "/osbench", "seed_types", b'{"id":1,"category":[],"answer":null,"prompt_ids":[1,-2,1e30]}\n')
    tc = open(fix + "/pcilm-tiny/tokenizer_config.json", "rb").read()
    write(out + "/tokconfig", "seed_fixture", tc)
    write(out + "/tokconfig", "seed_objects", json.dumps({
        "bos_token": {"content": "<s>"}, "eos_token": "</s>", "unk_token": {"content": 5},
        "pad_token": "no such piece", "add_bos_token": False, "add_eos_token": 1}).encode())
    inf, nan = float("inf"), float("nan")
    for name, (t, k, p, seed, logits) in {
            "greedy": (0.0, 0, 1.0, 1, []),
            "topk_topp": (1.0, 40, 0.9, 7, [0.5, -3.0, 80.0]),
            "hot_nan": (nan, 3, 0.0, 0, [nan, inf, -inf, 3e38]),
            "tiny_temp": (1e-38, 0xffffffff, 1e-45, 2 ** 64 - 1, [1e-45, -0.0])}.items():
        write(out + "/sampler", "seed_" + name, struct.pack("<fIfQ", t, k, p, seed) +
              b"".join(struct.pack("<f", x) for x in logits))


if __name__ == "__main__":
    main()
