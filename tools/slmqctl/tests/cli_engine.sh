#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The engine's slmqctl commands end to end on small inputs: synth (a random
# checkpoint with a generated vocabulary) through the normal loaders into
# generate / logits / perplexity / bench; os_bench predictions against the
# reference implementation's; and one clear error line for bad arguments.
set -u
cd "$(dirname "$0")/../../.."
CTL=tools/slmqctl/slmqctl
FIX=${SLMQ_FIXTURES:-fixtures}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
n=0
fails=0

ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fails=$((fails + 1))
	fi
}

# fails_cleanly "description" CMD...: non-zero exit, exactly one line on stderr
fails_cleanly() {
	local what=$1 rc lines
	shift
	"$@" >/dev/null 2>"$TMP/err"
	rc=$?
	lines=$(wc -l <"$TMP/err")
	[ "$rc" != 0 ] && [ "$lines" = 1 ] && grep -q '^slmqctl: ' "$TMP/err"
	ok $? "$what: one error line ($(head -c 100 "$TMP/err"))"
}

# --- synth: 600-token vocabulary, GQA
"$CTL" synth -o "$TMP/syn" --hidden 96 --layers 2 --heads 6 --kv-heads 2 --ffn 160 \
	--vocab 600 --ctx 64 --seed 5 --json >"$TMP/synth.json"
ok $? "synth writes a checkpoint"
jq -e '.model.vocab | length == 600' "$TMP/syn/tokenizer.json" >/dev/null
ok $? "synth: tokenizer.json holds exactly 600 tokens"
j=$("$CTL" generate "$TMP/syn" -p "hello world" -n 12 --json)
ok $? "synth: generate runs on the HF directory"
jq -en --argjson j "$j" '($j.ids | length) > 0 and ($j.prompt_ids[0] == 1)' >/dev/null
ok $? "synth: prompt starts with <s>, tokens generated"
"$CTL" convert "$TMP/syn" -o "$TMP/syn.gguf" --json >/dev/null
j2=$("$CTL" generate "$TMP/syn.gguf" -p "hello world" -n 12 --json)
jq -en --argjson a "$j" --argjson b "$j2" '$a.ids == $b.ids' >/dev/null
ok $? "synth: the converted GGUF generates the same tokens"
# A config may claim 2^24 positions: a session for all of them is 8 GiB of
# zeroed KV cache plus 1 GiB of RoPE table (OOM-killed before); sized to the
# request (prompt + -n), generate runs in 1 GB of address space.
"$CTL" synth -o "$TMP/long" --hidden 96 --layers 2 --heads 6 --kv-heads 2 --ffn 160 \
	--vocab 600 --ctx 16777216 --seed 5 >/dev/null
(ulimit -v 1000000 && "$CTL" generate "$TMP/long" -p "hello world" -n 12 >/dev/null)
ok $? "generate on a 2^24-position config: the session is sized to the request (1 GB address space)"
(ulimit -v 1000000 && "$CTL" generate "$TMP/long" -p "hello world" -n 2000000 >/dev/null 2>"$TMP/err")
[ $? = 1 ] && [ "$(wc -l <"$TMP/err")" = 1 ] && grep -q "engine's limit of 1048576 positions" "$TMP/err"
ok $? "generate asking for 2M positions: refused at the engine's limit ($(head -c 100 "$TMP/err"))"
(ulimit -v 1000000 && "$CTL" logits "$TMP/long" -p "hello world" --top 3 >/dev/null)
ok $? "logits on a 2^24-position config: the session is sized to the prompt (1 GB address space)"
j=$("$CTL" generate "$TMP/syn.gguf" -p "hello" -n 10 --temp 0.9 --top-k 20 --top-p 0.9 --seed 3 --json)
j2=$("$CTL" generate "$TMP/syn.gguf" -p "hello" -n 10 --temp 0.9 --top-k 20 --top-p 0.9 --seed 3 --json)
jq -en --argjson a "$j" --argjson b "$j2" '$a.ids == $b.ids' >/dev/null
ok $? "generate: sampling with a seed is repeatable"
j=$("$CTL" logits "$TMP/syn.gguf" -p "hello" --top 3 --json)
jq -en --argjson j "$j" '($j.logits | length) == 600 and ($j.top_ids | length) == 3 and
	($j.logits[$j.top_ids[0]] >= $j.logits[$j.top_ids[1]])' >/dev/null
ok $? "logits: full vocabulary, top ids in order"
head -c 4000 "$FIX/oscorpus/val.txt" >"$TMP/val.txt"
j=$("$CTL" perplexity "$TMP/syn.gguf" --data "$TMP/val.txt" --ctx 32 --json)
jq -en --argjson j "$j" '$j.ppl > 1 and $j.tokens_scored == $j.windows * 31' >/dev/null
ok $? "perplexity on text through the tokenizer: windows of 32 score 31 each"
j=$("$CTL" bench "$TMP/syn.gguf" --tokens 8 --runs 2 --json)
jq -en --argjson j "$j" '$j.decode_tps > 0 and $j.prompt_tps > 0 and $j.runs == 2 and
	$j.threads == 1' >/dev/null
ok $? "bench reports prompt and decode speed (JSON)"

# --- --kv: the KV cache's type (F16 by default)
a=$("$CTL" bench "$TMP/syn.gguf" --tokens 8 --runs 1 --json)
b=$("$CTL" bench "$TMP/syn.gguf" --tokens 8 --runs 1 --kv f32 --json)
# synth above: 2 layers, kv_dim 2 * 16 = 32, a session of 2 * 8 positions
jq -en --argjson a "$a" --argjson b "$b" '$a.kv == "f16" and $b.kv == "f32" and
	$a.kv_bytes == 2 * 2 * 16 * 32 * 2 and $b.kv_bytes == 2 * $a.kv_bytes and
	$a.scratch_bytes > 0 and $a.scratch_bytes == $b.scratch_bytes' >/dev/null
ok $? "bench --kv: KV bytes of the session, F16 ($(jq -r .kv_bytes <<<"$a")) half of F32's ($(jq -r .kv_bytes <<<"$b")), scratch $(jq -r .scratch_bytes <<<"$a")"
a=$("$CTL" logits "$FIX/pcilm-tiny" -p "The ls command lists" --top 5 --json)
b=$("$CTL" logits "$FIX/pcilm-tiny" -p "The ls command lists" --top 5 --kv f16 --json)
c=$("$CTL" logits "$FIX/pcilm-tiny" -p "The ls command lists" --top 5 --kv f32 --json)
[ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" != "$c" ] &&
	jq -en --argjson b "$b" --argjson c "$c" '$b.top_ids == $c.top_ids' >/dev/null
ok $? "logits: --kv f16 is the default, --kv f32 changes the logits but not the top 5"

# --- perplexity protocol details on the fixture
j=$("$CTL" perplexity "$FIX/pcilm-tiny" --data "$FIX/oscorpus/test.bin" --ctx 64 \
	--max-tokens 1000 --json)
jq -en --argjson j "$j" '$j.windows == 15 and $j.tokens_scored == 15 * 63 and
	$j.tokens_used == 960' >/dev/null
ok $? "perplexity: first 1000 tokens, 15 full windows of 64, tail dropped"

# --- os_bench against the reference implementation's predictions
j=$("$CTL" osbench "$FIX/pcilm-tiny" --data "$FIX/oscorpus/os_bench.jsonl" --limit 60 --kv f32 --json)
ok $? "osbench --limit 60 runs"
# the reference stops decoding once the text can no longer be a prefix of the
# answer, so its prediction is a prefix of ours and "correct" must agree
jq -en --argjson j "$j" --slurpfile r <(head -60 "$FIX/pcilm-tiny/os_bench_predictions.jsonl") '
	[range(0; 60)] | all(. as $i | ($j.predictions[$i].pred | startswith($r[$i].pred)) and
		($j.predictions[$i].correct == $r[$i].correct))' >/dev/null
ok $? "osbench: 60 predictions agree with the reference implementation's"
jq -en --argjson j "$j" '$j.items == 60 and
	([$j.by_category[].n] | add) == 60' >/dev/null
ok $? "osbench: per-category counts add up"

# --- kernel choice: SLMQ_CPU pins a path; block types give the same bits on both
j=$(SLMQ_CPU=generic "$CTL" bench "$TMP/syn.gguf" --tokens 8 --runs 1 --json)
jq -en --argjson j "$j" '$j.kernels == "generic"' >/dev/null
ok $? "SLMQ_CPU=generic: bench runs the generic kernels"
# The path auto must pick on this CPU, from the kernel's view of it (the flags
# appear in /proc/cpuinfo only when the OS saves the registers they use).
has() {
	local f
	for f; do grep -qw "$f" /proc/cpuinfo || return 1; done
}
if has avx2 fma f16c avx512f avx512bw avx512vl avx512_vnni; then
	best=avx512vnni
elif has avx2 fma f16c avx_vnni; then
	best=avxvnni
elif has avx2 fma f16c; then
	best=avx2
else
	best=generic
fi
j=$("$CTL" bench "$TMP/syn.gguf" --tokens 8 --runs 1 --json)
jq -en --argjson j "$j" --arg b "$best" '$j.kernels == $b' >/dev/null
ok $? "without SLMQ_CPU: bench runs the best kernels this CPU has ($best)"
"$CTL" quantize "$TMP/syn" -o "$TMP/synq" --bits 4 --method rtn --json >/dev/null
a=$(SLMQ_CPU=generic "$CTL" logits "$TMP/synq/model.gguf" -p "hello world" --json)
b=$(SLMQ_CPU=auto "$CTL" logits "$TMP/synq/model.gguf" -p "hello world" --json)
[ -n "$a" ] && [ "$a" = "$b" ]
ok $? "Q4_0 logits: SLMQ_CPU=generic and auto give the same bits"

# Every SIMD path gives generic's bits on pcilm-tiny quantized to each block
# type (the VNNI paths are tested here and in test_vnni, natively: the VM's
# TCG CPU has no AVX-512).  A path the CPU lacks must fail with one line.
for q in "4" "4 --asym" "8"; do
	d="$TMP/tiny-q${q// /}"
	"$CTL" quantize "$FIX/pcilm-tiny" -o "$d" --bits $q --method rtn --json >/dev/null
	a=$(SLMQ_CPU=generic "$CTL" logits "$d/model.gguf" -p "the kernel module" --json)
	for p in avx2 avx512vnni avxvnni; do
		case $p in
		avx2) need="avx2 fma f16c" ;;
		avx512vnni) need="avx2 fma f16c avx512f avx512bw avx512vl avx512_vnni" ;;
		avxvnni) need="avx2 fma f16c avx_vnni" ;;
		esac
		# shellcheck disable=SC2086 # need is a list of flags
		if has $need; then
			b=$(SLMQ_CPU=$p "$CTL" logits "$d/model.gguf" -p "the kernel module" --json)
			[ -n "$a" ] && [ "$a" = "$b" ]
			ok $? "pcilm-tiny --bits $q logits: SLMQ_CPU=$p gives generic's bits"
		else
			ok 0 "pcilm-tiny --bits $q logits: SLMQ_CPU=$p # SKIP CPU lacks one of: $need"
			[ "$q" = 8 ] && fails_cleanly "SLMQ_CPU=$p on a CPU without it" \
				env SLMQ_CPU=$p "$CTL" logits "$d/model.gguf" --tokens 1
		fi
	done
done

# --- bad input: one line, non-zero exit
fails_cleanly "perplexity without --data" "$CTL" perplexity "$FIX/pcilm-tiny"
fails_cleanly "perplexity, context above the model's" "$CTL" perplexity "$FIX/pcilm-tiny" \
	--data "$FIX/oscorpus/test.bin" --ctx 100000
fails_cleanly "perplexity, missing data file" "$CTL" perplexity "$FIX/pcilm-tiny" --data "$TMP/nope.bin"
printf 'abc' >"$TMP/odd.bin"
fails_cleanly "perplexity, odd-sized .bin" "$CTL" perplexity "$FIX/pcilm-tiny" --data "$TMP/odd.bin"
fails_cleanly "generate without a prompt" "$CTL" generate "$FIX/pcilm-tiny"
fails_cleanly "generate --kv f8" "$CTL" generate "$FIX/pcilm-tiny" -p hi --kv f8
fails_cleanly "perplexity --kv f32 with --kernel" "$CTL" perplexity "$FIX/pcilm-tiny" \
	--data "$FIX/oscorpus/test.bin" --kernel tiny --kv f32
fails_cleanly "generate, bad --top-p" "$CTL" generate "$FIX/pcilm-tiny" -p hi --top-p 2
fails_cleanly "osbench on a non-JSON file" "$CTL" osbench "$FIX/pcilm-tiny" --data "$FIX/oscorpus/val.txt"
fails_cleanly "bench needing more context than the model has" "$CTL" bench "$FIX/pcilm-tiny" --tokens 4096
fails_cleanly "synth with heads not dividing hidden" "$CTL" synth -o "$TMP/bad" --hidden 100 \
	--layers 1 --heads 3 --ffn 64 --vocab 400 --ctx 16
fails_cleanly "SLMQ_CPU naming no kernels" env SLMQ_CPU=sse9 "$CTL" logits "$TMP/syn.gguf" --tokens 1
fails_cleanly "logits with an out-of-vocabulary id" "$CTL" logits "$FIX/pcilm-tiny" --tokens 1,99999

echo "1..$n"
[ "$fails" = 0 ]
