#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Synthetic Llama HF directory near slmq.ko's 100 MiB limit (F16 GGUF).

Same architecture and tokenizer as fixtures/pcilm-tiny, wider and with
random weights (|w| in [2^-6, 2^-5), random signs; norms 1.0), so the size
of a real model is exercised without shipping one.  Standard library only.

    mkbig.py TINY_HF_DIR OUT_HF_DIR [n_layer n_embd n_ff]
"""
import json
import os
import shutil
import struct
import sys


def main():
    src, out = sys.argv[1], sys.argv[2]
    n_layer, n_embd, n_ff = (int(x) for x in (sys.argv[3:6] or (4, 1024, 2400)))
    cfg = json.load(open(os.path.join(src, "config.json")))
    n_head = n_embd // cfg["head_dim"]
    cfg.update(hidden_size=n_embd, intermediate_size=n_ff, num_hidden_layers=n_layer,
               num_attention_heads=n_head, num_key_value_heads=n_head)
    vocab = cfg["vocab_size"]
    os.makedirs(out, exist_ok=True)
    json.dump(cfg, open(os.path.join(out, "config.json"), "w"), indent=1)
    for f in os.listdir(src):
        if f.startswith("tokenizer") or f in ("special_tokens_map.json", "generation_config.json"):
            shutil.copy(os.path.join(src, f), out)

    shapes = [("model.embed_tokens.weight", [vocab, n_embd])]
    for i in range(n_layer):
        p = "model.layers.%d." % i
        shapes += [(p + "input_layernorm.weight", [n_embd]),
                   (p + "post_attention_layernorm.weight", [n_embd])]
        shapes += [(p + "self_attn.%s_proj.weight" % w, [n_embd, n_embd]) for w in "qkvo"]
        shapes += [(p + "mlp.gate_proj.weight", [n_ff, n_embd]),
                   (p + "mlp.up_proj.weight", [n_ff, n_embd]),
                   (p + "mlp.down_proj.weight", [n_embd, n_ff])]
    shapes += [("model.norm.weight", [n_embd]), ("lm_head.weight", [vocab, n_embd])]

    header, off = {}, 0
    for name, shape in shapes:
        n = 2
        for d in shape:
            n *= d
        header[name] = {"dtype": "F16", "shape": shape, "data_offsets": [off, off + n]}
        off += n
    hb = json.dumps(header).encode()
    hb += b" " * (-len(hb) % 8)
    # High byte of an f16: keep sign and 2 mantissa bits, exponent 2^-6.
    table = bytes(((b & 0x83) | 0x24) for b in range(256))
    with open(os.path.join(out, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(hb)) + hb)
        for name, shape in shapes:
            n = 1
            for d in shape:
                n *= d
            if len(shape) == 1:
                f.write(b"\x00\x3c" * n)
                continue
            data = bytearray(os.urandom(2 * n))
            data[1::2] = bytes(data[1::2]).translate(table)
            f.write(data)


if __name__ == "__main__":
    main()
