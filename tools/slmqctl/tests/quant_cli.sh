#!/bin/bash
# slmqctl quantize's methods end to end on pcilm-tiny (fast: few calibration
# sequences): the mixed-precision map as asked, every method writing a file
# the engine loads, group sizes, and the refusals.
set -u
cd "$(dirname "$0")/../../.."
S=${SLMQCTL:-tools/slmqctl/slmqctl}
M=fixtures/pcilm-tiny
CALIB=fixtures/oscorpus/val.bin
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
n=0
ok() {
	n=$((n + 1))
	if [ "$1" = 1 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
q() {	# name args...
	local name=$1
	shift
	"$S" quantize "$M" -o "$W/$name" --json "$@" >"$W/$name.json" 2>"$W/$name.err"
}
type_of() { jq -r --arg t "$2" '.quantization.tensors[] | select(.name == $t) | "\(.type) \(.by)"' "$W/$1.json"; }

# mixed preset: attention INT8, FFN INT4, head and embeddings INT8, norms F32
q mixed --bits 4 --mixed preset
ok "$([ "$(type_of mixed blk.0.attn_q.weight)" = "q8_0 rtn" ] && [ "$(type_of mixed blk.3.attn_output.weight)" = "q8_0 rtn" ] &&
	[ "$(type_of mixed blk.2.ffn_up.weight)" = "q4_0 rtn" ] && [ "$(type_of mixed output.weight)" = "q8_0 rtn" ] &&
	[ "$(type_of mixed token_embd.weight)" = "q8_0 rtn" ] && [ "$(type_of mixed blk.0.attn_norm.weight)" = "f32 float" ] &&
	echo 1)" "--mixed preset: attn q8_0, ffn q4_0, output/embed q8_0, norms f32"
# rules in order, substrings, asym, float
q mixed2 --bits 4 --asym --mixed 'attn=4,ffn=8,attn_v=16,blk.3.ffn_down=4,output=f16'
ok "$([ "$(type_of mixed2 blk.0.attn_k.weight)" = "q4_1 rtn" ] && [ "$(type_of mixed2 blk.0.attn_v.weight)" = "f16 float" ] &&
	[ "$(type_of mixed2 blk.0.ffn_down.weight)" = "q8_0 rtn" ] && [ "$(type_of mixed2 blk.3.ffn_down.weight)" = "q4_1 rtn" ] &&
	[ "$(type_of mixed2 output.weight)" = "f16 float" ] && echo 1)" "--mixed rules: later wins, substrings, --asym, f16"
# calibrated methods, with the mixed map: each linear says which method made it
for m in gptq awq awq+gptq; do
	q "m$m" --bits 4 --method "$m" --calib "$CALIB" --calib-samples 16 --mixed 'attn_v=8'
	ok "$([ "$(type_of "m$m" blk.1.ffn_gate.weight)" = "q4_0 $m" ] && [ "$(type_of "m$m" blk.1.attn_v.weight)" = "q8_0 $m" ] &&
		[ "$(jq -r .quantization.calib_tokens "$W/m$m.json")" = 4096 ] && echo 1)" \
		"--method $m: linears made by $m (attn_v at q8_0), 16 x 256 calibration tokens"
done
# ffn_down (352 wide) cannot hold groups of 64: keep it f16
q g64 --bits 4 --method gptq --group-size 64 --act-order --calib "$CALIB" --calib-samples 8 --mixed ffn_down=16
ok "$([ "$(type_of g64 blk.0.ffn_up.weight)" = "q4_0 gptq" ] && [ "$(jq -r .quantization.group_size "$W/g64.json")" = 64 ] && echo 1)" \
	"gptq --group-size 64 --act-order writes a file the engine loads"
# text calibration data, tokenized by the model's tokenizer
q text --bits 4 --method gptq --calib fixtures/oscorpus/val.txt --calib-samples 16
ok "$([ "$(jq -r .quantization.calib_tokens "$W/text.json")" = 4096 ] && ! grep -q 'holds only' "$W/text.err" && echo 1)" \
	"--calib val.txt: text tokenized per document, 16 x 256 tokens, no small-file warning"
# a small file: capped, with warnings
head -c 4000 "$CALIB" >"$W/small.bin"
q smallcal --bits 4 --method gptq --calib "$W/small.bin"
ok "$([ "$(jq -r .quantization.calib_tokens "$W/smallcal.json")" = 1792 ] && grep -q 'holds only 2000 tokens' "$W/smallcal.err" &&
	grep -q 'fewer than the 512 asked for' "$W/smallcal.err" && echo 1)" "2000-token file: 7 sequences of 256, both warnings"
# refusals, one line naming the problem
q g128 --bits 4 --group-size 128
ok "$(grep -q 'blk.0.ffn_down.weight: row length 352 is not a multiple of --group-size 128' "$W/g128.err" && echo 1)" \
	"group 128 refused naming the tensor: $(tail -1 "$W/g128.err")"
q nocalib --bits 4 --method gptq
ok "$(grep -q 'needs calibration data' "$W/nocalib.err" && echo 1)" "gptq without --calib refused: $(tail -1 "$W/nocalib.err")"
q badmix --bits 4 --mixed 'attn=3'
ok "$(grep -q "attn=3" "$W/badmix.err" && echo 1)" "bad --mixed refused: $(tail -1 "$W/badmix.err")"
q badmethod --bits 4 --method gptx
ok "$(grep -q "gptx" "$W/badmethod.err" && echo 1)" "unknown method refused: $(tail -1 "$W/badmethod.err")"
# the seed's warnings: calibrating on the evaluation data
q evalwarn --bits 4 --method awq --calib fixtures/oscorpus/test.bin --calib-samples 4 --eval fixtures/oscorpus/test.bin
ok "$(grep -q 'is the evaluation data' "$W/evalwarn.err" && echo 1)" "calibrating on the --eval data warns"
echo "1..$n"
