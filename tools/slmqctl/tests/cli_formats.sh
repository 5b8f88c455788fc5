#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# slmqctl convert/quantize end to end on fixtures/pcilm-tiny, checked with an
# independent GGUF reader (gguf_inspect.py), and the rejections of broken
# model directories: each must exit non-zero with exactly one line naming the
# problem.
set -u
cd "$(dirname "$0")/../../.."
CTL=tools/slmqctl/slmqctl
INSPECT=tools/slmqctl/tests/gguf_inspect.py
FIX=${SLMQ_FIXTURES:-fixtures}/pcilm-tiny
T=$(mktemp -d /tmp/slmq-cli-formats.XXXXXX)
trap 'rm -rf "$T"' EXIT
n=0
fails=0

ok() {	# ok COND-EXIT-CODE DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fails=$((fails + 1)); fi
}

# rejects DIR KEYWORD DESCRIPTION: convert fails with one stderr line containing KEYWORD
rejects() {
	local rc lines
	"$CTL" convert "$1" -o "$T/x.gguf" >"$T/out" 2>"$T/err"
	rc=$?
	lines=$(wc -l <"$T/err")
	if [ $rc != 0 ] && [ "$lines" = 1 ] && grep -q -- "$2" "$T/err" && [ ! -e "$T/x.gguf" ]; then
		ok 0 "$3: $(cat "$T/err")"
	else
		ok 1 "$3 (exit $rc, $lines lines: $(head -c 300 "$T/err"))"
	fi
}

variant() {	# variant NAME: a fresh copy of the fixture in $T/NAME
	rm -rf "${T:?}/$1"
	cp -r "$FIX" "$T/$1"
}

# --- convert ------------------------------------------------------------------
"$CTL" convert "$FIX" -o "$T/f16.gguf" >/dev/null 2>"$T/err"
ok $? "convert pcilm-tiny to F16 GGUF"

python3 "$INSPECT" "$T/f16.gguf" >"$T/f16.json" 2>"$T/err"
ok $? "an independent reader parses the file"

python3 - "$T/f16.json" "$FIX/config.json" >"$T/err" 2>&1 <<'PY'
import json, sys
g = json.load(open(sys.argv[1])); c = json.load(open(sys.argv[2])); kv = g["kv"]
want = {"general.architecture": "llama", "llama.context_length": c["max_position_embeddings"],
        "llama.embedding_length": c["hidden_size"], "llama.block_count": c["num_hidden_layers"],
        "llama.feed_forward_length": c["intermediate_size"],
        "llama.attention.head_count": c["num_attention_heads"],
        "llama.attention.head_count_kv": c["num_key_value_heads"],
        "llama.rope.dimension_count": c["head_dim"], "llama.attention.key_length": c["head_dim"],
        "llama.vocab_size": c["vocab_size"], "general.file_type": 1,
        "tokenizer.ggml.model": "llama", "tokenizer.ggml.bos_token_id": 1,
        "tokenizer.ggml.eos_token_id": 2, "tokenizer.ggml.unknown_token_id": 0,
        "tokenizer.ggml.add_bos_token": True}
bad = [k for k, v in want.items() if kv.get(k) != v]
bad += [k for k, v in {"llama.rope.freq_base": c["rope_theta"],
        "llama.attention.layer_norm_rms_epsilon": c["rms_norm_eps"]}.items()
        if abs(kv.get(k, 0) - v) > 1e-6 * v]
names = [t["name"] for t in g["tensors"]]
want_names = ["token_embd.weight"] + [f"blk.{i}.{s}.weight" for i in range(c["num_hidden_layers"])
              for s in ("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm",
                        "ffn_gate", "ffn_up", "ffn_down")] + ["output_norm.weight", "output.weight"]
if names != want_names: bad.append("tensor names")
for t in g["tensors"]:
    if t["type"] != (0 if t["name"].endswith("norm.weight") else 1): bad.append(t["name"] + " type")
    if t["offset"] % 32: bad.append(t["name"] + " alignment")
if kv["tokenizer.ggml.tokens"]["len"] != c["vocab_size"]: bad.append("token count")
print("bad:", bad); sys.exit(1 if bad else 0)
PY
ok $? "llama.cpp metadata keys equal config.json, tensor names/types/alignment as llama.cpp ($(tail -1 "$T/err"))"

# q/k rows as llama.cpp permutes them, checked against the safetensors bytes
python3 - "$T/f16.gguf" "$FIX/model.safetensors" >"$T/err" 2>&1 <<'PY'
import json, struct, sys
sys.path.insert(0, "tools/slmqctl/tests")
import gguf_inspect
g = gguf_inspect.read(sys.argv[1]); raw = open(sys.argv[1], "rb").read()
st = open(sys.argv[2], "rb").read(); hl = struct.unpack("<Q", st[:8])[0]
hdr = json.loads(st[8:8 + hl])
# data section: after the tensor infos, aligned to 32; find it from the first tensor
# by matching token_embd's bytes (F16 copied unchanged)
e = hdr["model.embed_tokens.weight"]["data_offsets"]
start = raw.find(st[8 + hl + e[0]:8 + hl + e[0] + 4096])
def rows(blob, n_rows, row_bytes): return [blob[i * row_bytes:(i + 1) * row_bytes] for i in range(n_rows)]
bad = 0
for layer in range(4):
    for hf, gg, heads in (("q_proj", "attn_q", 4), ("k_proj", "attn_k", 2)):
        h = hdr[f"model.layers.{layer}.self_attn.{hf}.weight"]
        nr, nc = h["shape"]; rb = nc * 2
        src = rows(st[8 + hl + h["data_offsets"][0]:8 + hl + h["data_offsets"][1]], nr, rb)
        t = next(t for t in g["tensors"] if t["name"] == f"blk.{layer}.{gg}.weight")
        dst = rows(raw[start + t["offset"]:start + t["offset"] + nr * rb], nr, rb)
        hd = nr // heads
        for hh in range(heads):
            for i in range(hd // 2):
                for j in range(2):
                    bad += dst[hh * hd + 2 * i + j] != src[hh * hd + j * (hd // 2) + i]
print("mismatched rows:", bad); sys.exit(1 if bad or start < 0 else 0)
PY
ok $? "q/k rows follow llama.cpp's permute(n_head, n_head_kv) ($(tail -1 "$T/err"))"

want=$(jq -r '.samples[0].completion' "$FIX/reference.json")
got=$("$CTL" generate "$T/f16.gguf" -p "$(jq -r '.samples[0].prompt' "$FIX/reference.json")" -n 40 --kv f32 --json 2>"$T/err" | jq -r '.text')
[ "${got# }" = "$want" ]
ok $? "the converted GGUF alone (weights, tokenizer, hyper-parameters) reproduces the reference greedy sample"

"$CTL" convert "$FIX" -o "$T/f32.gguf" --dtype f32 --json >"$T/f32.out" 2>"$T/err" &&
	[ "$(jq '[.tensors[] | select(.type != "f32")] | length' "$T/f32.out")" = 0 ] &&
	[ "$(jq '.n_params' "$T/f32.out")" = 1262720 ] &&
	[ "$(python3 "$INSPECT" "$T/f32.gguf" | jq '.kv["general.file_type"]')" = 0 ]
ok $? "convert --dtype f32 --json: every tensor F32, 1262720 parameters, file_type 0"

"$CTL" convert "$FIX" -o "$T/x.gguf" --dtype q4_0 >/dev/null 2>"$T/err"
[ $? != 0 ] && [ "$(wc -l <"$T/err")" = 1 ]
ok $? "convert --dtype q4_0 is refused in one line"

# --- other weight dtypes, tied embeddings, the larger model ---------------------
mkdir -p "$T/f32src"
cp -r "$FIX" "$T/f32src/pcilm-tiny"
python3 tools/slmqctl/tests/st_variant.py "$FIX/model.safetensors" \
	"$T/f32src/pcilm-tiny/model.safetensors" --dtype F32 &&
	"$CTL" convert "$T/f32src/pcilm-tiny" -o "$T/from-f32.gguf" >/dev/null 2>"$T/err" &&
	cmp -s "$T/from-f32.gguf" "$T/f16.gguf"
ok $? "F32 safetensors convert to the very same F16 GGUF bytes as the F16 ones"

variant bf16
python3 tools/slmqctl/tests/st_variant.py "$FIX/model.safetensors" "$T/bf16/model.safetensors" --dtype BF16 &&
	"$CTL" convert "$T/bf16" -o "$T/bf16.gguf" >/dev/null 2>"$T/err" &&
	"$CTL" generate "$T/bf16.gguf" -p "USB vendor 046d is" -n 8 >/dev/null 2>>"$T/err"
ok $? "BF16 safetensors convert and run"

variant tied
python3 tools/slmqctl/tests/st_variant.py "$FIX/model.safetensors" "$T/tied/model.safetensors" --drop lm_head.weight &&
	sed -i 's/"tie_word_embeddings": false/"tie_word_embeddings": true/' "$T/tied/config.json" &&
	"$CTL" convert "$T/tied" -o "$T/tied.gguf" >/dev/null 2>"$T/err" &&
	python3 "$INSPECT" "$T/tied.gguf" | jq -e '[.tensors[].name] | index("output.weight") == null' >/dev/null &&
	"$CTL" generate "$T/tied.gguf" -p "USB vendor 046d is" -n 8 >/dev/null 2>>"$T/err"
ok $? "tied embeddings: no output tensor (as llama.cpp), the engine runs it"
sed -i 's/"tie_word_embeddings": false/"tie_word_embeddings": true/' "$T/bf16/config.json"
"$CTL" convert "$T/bf16" -o "$T/tied2.gguf" >/dev/null 2>"$T/err" &&
	python3 "$INSPECT" "$T/tied2.gguf" | jq -e '[.tensors[].name] | index("output.weight") != null' >/dev/null
ok $? "tied but lm_head stored: written as output, as llama.cpp maps every tensor"

SMALL=${SLMQ_SHARED:-../shared}/models/pcilm-small
if [ -f "$SMALL/model.safetensors" ]; then
	want=$(jq -r '.samples[0].completion' "$SMALL/reference.json")
	"$CTL" convert "$SMALL" -o "$T/small.gguf" >/dev/null 2>"$T/err" &&
		got=$("$CTL" generate "$T/small.gguf" -p "$(jq -r '.samples[0].prompt' "$SMALL/reference.json")" \
			-n 60 --kv f32 --json 2>>"$T/err" | jq -r '.text') && [ "${got# }" = "$want" ]
	ok $? "pcilm-small converts and reproduces its reference greedy sample"
else
	n=$((n + 1)); echo "ok $n - pcilm-small # SKIP $SMALL not present"
fi

# --- quantize -----------------------------------------------------------------
check_quant() {	# check_quant DIR LINEAR_TYPE FILE_TYPE
	local f=$1/model.gguf
	python3 "$INSPECT" "$f" | jq -e --arg lt "$2" --argjson ft "$3" '
		.kv["general.file_type"] == $ft and .kv["general.quantization_version"] == 2 and
		(.kv["slmq.quantization_config"] | fromjson | .weight_type) == $lt and
		([.tensors[] | select(.name | test("attn_[qkv]|attn_output|ffn_(gate|up|down)")) | .type] | unique) ==
			[{"q8_0": 8, "q4_0": 2, "q4_1": 3}[$lt]] and
		([.tensors[] | select(.name == "token_embd.weight" or .name == "output.weight") | .type] | unique) == [8] and
		([.tensors[] | select(.name | test("norm")) | .type] | unique) == [0]' >/dev/null
}
"$CTL" quantize "$FIX" -o "$T/q8" --method rtn --bits 8 >/dev/null 2>"$T/err" && check_quant "$T/q8" q8_0 7
ok $? "quantize --bits 8: linears Q8_0, token_embd/output Q8_0, norms F32, file_type 7"
"$CTL" quantize "$FIX" -o "$T/q4" --method rtn --bits 4 >/dev/null 2>"$T/err" && check_quant "$T/q4" q4_0 2
ok $? "quantize --bits 4: linears Q4_0, file_type 2"
"$CTL" quantize "$FIX" -o "$T/q41" --method rtn --bits 4 --asym --group-size 32 --json >"$T/q41.json" 2>"$T/err" &&
	check_quant "$T/q41" q4_1 3 &&
	[ "$(jq '[.tensors[] | select(.type == "q4_1")] | length' "$T/q41.json")" = 28 ] &&
	[ "$(jq -r '.tensors[] | select(.name == "output.weight") | .type' "$T/q41.json")" = q8_0 ]
ok $? "quantize --bits 4 --asym --json: 28 Q4_1 linears, output Q8_0, reported per tensor"
"$CTL" quantize "$FIX" -o "$T/qo" --method rtn --bits 4 --asym --output-type f16 >/dev/null 2>"$T/err" &&
	python3 "$INSPECT" "$T/qo/model.gguf" | jq -e '[.tensors[] | select(.name == "output.weight") | .type] == [1]' >/dev/null
ok $? "quantize --output-type f16: output kept F16"
"$CTL" quantize "$FIX" -o "$T/q64" --method rtn --bits 4 --group-size 64 >/dev/null 2>"$T/err"
[ $? != 0 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "ffn_down.weight: row length 352" "$T/err"
ok $? "--group-size 64 on rows of 352 refused naming the tensor: $(cat "$T/err")"
"$CTL" generate "$T/q8" -p "USB vendor 046d is" -n 12 >/dev/null 2>"$T/err"
ok $? "the Q8_0 file runs, named by its OUT_DIR"

"$CTL" quantize "$FIX" -o "$T/bad" --bits 8 --asym >/dev/null 2>"$T/err"
[ $? != 0 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q asym "$T/err"
ok $? "quantize --bits 8 --asym refused: $(cat "$T/err")"
"$CTL" quantize "$FIX" -o "$T/bad" --bits 3 >/dev/null 2>"$T/err"
[ $? != 0 ] && [ "$(wc -l <"$T/err")" = 1 ]
ok $? "quantize --bits 3 refused: $(cat "$T/err")"

# --- rejections -----------------------------------------------------------------
variant arch
sed -i 's/LlamaForCausalLM/MistralForCausalLM/; s/"llama"/"mistral"/' "$T/arch/config.json"
rejects "$T/arch" "MistralForCausalLM is not supported" "wrong architecture"

variant missing
sed -i 's/"num_hidden_layers": 4/"num_hidden_layers": 5/' "$T/missing/config.json"
rejects "$T/missing" "missing tensor model.layers.4" "missing tensor"

variant shape
sed -i 's/"intermediate_size": 352/"intermediate_size": 384/' "$T/shape/config.json"
rejects "$T/shape" "has shape \[352, 128\], expected \[384, 128\]" "shape mismatch"

variant trunc
head -c 2000000 "$FIX/model.safetensors" >"$T/trunc/model.safetensors"
rejects "$T/trunc" "runs past end of file" "truncated safetensors"

variant nosafe
rm "$T/nosafe/model.safetensors"
rejects "$T/nosafe" "no model.safetensors" "no weights"

variant nulltype	# JSON null where a string belongs (found by fuzz_json_config)
jq 'del(.architectures) | .model_type = null' "$FIX/config.json" >"$T/nulltype/config.json"
rejects "$T/nulltype" "model_type (not a string) is not supported" "model_type null"

variant nullact
sed -i 's/"hidden_act": "silu"/"hidden_act": null/' "$T/nullact/config.json"
rejects "$T/nullact" "hidden_act (not a string) is not supported" "hidden_act null"

variant nullarch
jq '.architectures = [null]' "$FIX/config.json" >"$T/nullarch/config.json"
rejects "$T/nullarch" "architecture (not a string) is not supported" "architectures [null]"

variant badtok
echo '{"model": {"type": "WordPiece"}}' >"$T/badtok/tokenizer.json"
rejects "$T/badtok" "not BPE" "non-SentencePiece tokenizer.json"

head -c 100000 "$T/f16.gguf" >"$T/cut.gguf"
"$CTL" generate "$T/cut.gguf" -p hi -n 1 >/dev/null 2>"$T/err"
[ $? != 0 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "past end of file" "$T/err"
ok $? "truncated GGUF rejected: $(cat "$T/err")"

echo "1..$n"
[ $fails = 0 ]
