#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: the engine's speed as ONE table in the shape of llama.cpp's
# `llama-bench` markdown output, one thread, for F16 / Q8_0 / Q4_0 / Q4_1 on
# pcilm-small and on a synthetic 134M-parameter Llama (hidden 768, 12
# layers, 12 heads, ffn 2048, vocab 32000), per CPU path this machine can
# run; then the session's memory, and a streaming-read bandwidth next to F16
# decode's GB/s of weights.  Never part of `make check` (timing is not a
# test; tools/slmqctl/tests/bench_table.sh checks this table's shape).
#
#   pp128  a 128-token prompt through slmq_session_prefill (batched)
#   tg64   64 greedy decode steps after a 1-token prompt (llama-bench's tg64
#          starts from an empty context too)
# t/s is mean ± sample sd over the repetitions of wall-clock tokens/s (what
# llama-bench reports); "CPU t/s" the same of the thread's CPU time, which on
# a shared machine is the steadier figure.  Each row runs one uncounted
# warm-up first.  "size" is the weights in MiB (llama-bench's unit).
#
#   SLMQ_BENCH_REPS     repetitions per row (default 3)
#   SLMQ_BENCH_MODELS   default "pcilm-small synth-134m"; pcilm-tiny is the fixture
#   SLMQ_BENCH_TYPES    default "f16 q8_0 q4_0 q4_1"
#   SLMQ_BENCH_PATHS    SLMQ_CPU paths to try (default "generic avx2 avx512vnni avxvnni");
#                       those this CPU lacks are skipped and named under the table
#   SLMQ_BENCH_GENERIC_MAX_PARAMS  generic only on models of up to this many
#                       parameters (default 50000000: generic runs the 134M
#                       model at a few tokens/s, minutes per row)
#   SLMQ_BENCH_PP, SLMQ_BENCH_TG  test sizes (default 128, 64)
#   SLMQ_BENCH_BW_MB    stream-read buffer in MiB (default 1024, 32x this
#                       machine's 32 MiB L3; keep it many times the LLC)
#   SLMQ_BENCH_DIR      models and the stream-read binary (default build/bench;
#                       models are built once, delete them to rebuild)
#   SLMQ_SHARED         where models/pcilm-small lives (default ../shared)
#   SLMQ_FIXTURES       where pcilm-tiny lives (default fixtures)
#
# q4_0 is slmqctl quantize's default: embeddings and output head Q8_0, like
# llama.cpp keeping its output head at higher precision.
set -euo pipefail
cd "$(dirname "$0")/.."
CTL=tools/slmqctl/slmqctl
OUT=${SLMQ_BENCH_DIR:-build/bench}
STREAM=build/bench/stream-read
REPS=${SLMQ_BENCH_REPS:-3}
PP=${SLMQ_BENCH_PP:-128}
TG=${SLMQ_BENCH_TG:-64}
BW_MB=${SLMQ_BENCH_BW_MB:-1024}
GENERIC_MAX_PARAMS=${SLMQ_BENCH_GENERIC_MAX_PARAMS:-50000000}
read -r -a MODELS <<<"${SLMQ_BENCH_MODELS:-pcilm-small synth-134m}"
read -r -a TYPES <<<"${SLMQ_BENCH_TYPES:-f16 q8_0 q4_0 q4_1}"
read -r -a PATHS <<<"${SLMQ_BENCH_PATHS:-generic avx2 avx512vnni avxvnni}"
SHARED=${SLMQ_SHARED:-$(pwd)/../shared}
FIX=${SLMQ_FIXTURES:-fixtures}
mkdir -p "$OUT"
for f in "$CTL" "$STREAM"; do
	if [ ! -x "$f" ]; then
		echo "bench: $f not built (make bench builds it)" >&2
		exit 1
	fi
done

quant_args() {
	case $1 in
	q8_0) echo "--bits 8" ;;
	q4_0) echo "--bits 4" ;;
	q4_1) echo "--bits 4 --asym" ;;
	*) echo "bench: unknown type $1" >&2; return 1 ;;
	esac
}

# model_src NAME: the Hugging Face directory of a model (built if synthetic)
model_src() {
	case $1 in
	pcilm-tiny) echo "$FIX/pcilm-tiny" ;;
	pcilm-small) echo "$SHARED/models/pcilm-small" ;;
	synth-134m)
		if [ ! -s "$OUT/synth-134m/model.safetensors" ]; then
			echo "bench: writing the synthetic 134M model to $OUT/synth-134m" >&2
			"$CTL" synth -o "$OUT/synth-134m" --hidden 768 --layers 12 --heads 12 \
				--ffn 2048 --vocab 32000 --ctx 1024 --seed 1 --json >/dev/null
		fi
		echo "$OUT/synth-134m" ;;
	*) echo "bench: unknown model $1" >&2; return 1 ;;
	esac
}

# build NAME TYPE: $OUT/NAME-TYPE.gguf, once
build() {
	local src=$1 name=$2 t=$3 dst=$OUT/$2-$3.gguf
	[ -s "$dst" ] && return
	echo "bench: writing $dst" >&2
	if [ "$t" = f16 ]; then
		"$CTL" convert "$src" -o "$dst" --json >/dev/null
	else
		# shellcheck disable=SC2046
		"$CTL" quantize "$src" -o "$OUT/$name-$t.d" --method rtn $(quant_args "$t") --json >/dev/null
		mv "$OUT/$name-$t.d/model.gguf" "$dst"
		rm -rf "$OUT/$name-$t.d"
	fi
}

notes=()
present=()
for m in "${MODELS[@]}"; do
	src=$(model_src "$m")
	if [ ! -d "$src" ]; then
		notes+=("$m: $src not found, skipped")
		continue
	fi
	for t in "${TYPES[@]}"; do
		build "$src" "$m" "$t"
	done
	present+=("$m")
done

# The paths this CPU runs: slmqctl refuses the others with one line.
paths=()
for p in "${PATHS[@]}"; do
	if err=$(SLMQ_CPU=$p "$CTL" bench "$FIX/pcilm-tiny" --tokens 1 --runs 1 --json 2>&1 >/dev/null); then
		paths+=("$p")
	else
		notes+=("$p: skipped (${err#slmqctl: })")
	fi
done

params() {	# GGUF: its parameter count
	"$CTL" bench "$1" --tokens 1 --runs 1 --json | jq -r .params
}

fmt() {	# mean sd
	printf '%.2f ± %.2f' "$1" "$2"
}

echo "slmq $(cat VERSION 2>/dev/null || git describe --always 2>/dev/null), $(date -u '+%Y-%m-%d %H:%M UTC'), CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| model | type | size | threads | cpu path | test | t/s | CPU t/s |"
echo "| --- | --- | ---: | ---: | --- | --- | ---: | ---: |"
mem_rows=()
bw_rows=()
declare -A generic_skipped=()
for m in "${present[@]}"; do
	for p in "${paths[@]}"; do
		for t in "${TYPES[@]}"; do
			f=$OUT/$m-$t.gguf
			if [ "$p" = generic ] && [ "$(params "$f")" -gt "$GENERIC_MAX_PARAMS" ]; then
				generic_skipped[$m]=1
				continue
			fi
			echo "bench: $m $t $p" >&2
			pj=$(SLMQ_CPU=$p "$CTL" bench "$f" --prompt "$PP" --tokens "$TG" --runs "$REPS" --warmup 1 --json)
			tj=$(SLMQ_CPU=$p "$CTL" bench "$f" --prompt 1 --tokens "$TG" --runs "$REPS" --warmup 1 --json)
			size=$(jq -r '.weight_bytes / 1048576' <<<"$pj")
			threads=$(jq -r .threads <<<"$pj")
			kern=$(jq -r .kernels <<<"$pj")
			printf '| %s | %s | %.2f MiB | %s | %s | pp%s | %s | %s |\n' "$m" "${t^^}" "$size" \
				"$threads" "$kern" "$PP" \
				"$(fmt "$(jq -r .prompt_tps_wall_mean <<<"$pj")" "$(jq -r .prompt_tps_wall_sd <<<"$pj")")" \
				"$(fmt "$(jq -r .prompt_tps_mean <<<"$pj")" "$(jq -r .prompt_tps_sd <<<"$pj")")"
			printf '| %s | %s | %.2f MiB | %s | %s | tg%s | %s | %s |\n' "$m" "${t^^}" "$size" \
				"$threads" "$kern" "$TG" \
				"$(fmt "$(jq -r .decode_tps_wall_mean <<<"$tj")" "$(jq -r .decode_tps_wall_sd <<<"$tj")")" \
				"$(fmt "$(jq -r .decode_tps_mean <<<"$tj")" "$(jq -r .decode_tps_sd <<<"$tj")")"
			if [ "$p" = "${paths[-1]}" ]; then	# memory does not depend on the path
				mem_rows+=("$(printf '| %s | %s | %d | %s | %.2f MiB | %.2f MiB |' "$m" "${t^^}" \
					$((PP + TG)) "$(jq -r .kv <<<"$pj")" \
					"$(jq -r '.kv_bytes / 1048576' <<<"$pj")" \
					"$(jq -r '.scratch_bytes / 1048576' <<<"$pj")")")
			fi
			if [ "$t" = f16 ]; then
				bw_rows+=("$(printf '| %s | F16 | %s | %.2f MB | %.2f | %.2f |' "$m" "$kern" \
					"$(jq -r '.bytes_per_token / 1e6' <<<"$tj")" \
					"$(jq -r '.decode_tps_wall_mean * .bytes_per_token / 1e9' <<<"$tj")" \
					"$(jq -r '.decode_tps_mean * .bytes_per_token / 1e9' <<<"$tj")")")
			fi
		done
	done
done
echo
for m in "${!generic_skipped[@]}"; do
	notes+=("generic: skipped on $m (over $GENERIC_MAX_PARAMS parameters: too slow; SLMQ_BENCH_GENERIC_MAX_PARAMS raises the limit)")
done
if [ "${#notes[@]}" -gt 0 ]; then
	printf -- '- %s\n' "${notes[@]}"
	echo
fi
echo "Session memory ($((PP + TG)) positions: pp$PP + tg$TG; the same on every path):"
echo
echo "| model | type | positions | KV type | KV | scratch |"
echo "| --- | --- | ---: | --- | ---: | ---: |"
printf '%s\n' "${mem_rows[@]}"
echo
# one thread streams a buffer BW_MB MiB large; best of 5 passes
bw=$("$STREAM" "$BW_MB" 5)
best=$(sed -n 's/.*best \([0-9.]*\) GB\/s.*/\1/p' <<<"$bw")
echo "Memory bandwidth, one thread: $bw"
echo
echo "F16 decode (tg$TG) as GB/s of weights streamed (weight bytes a decode step reads x tokens/s) against that ${best} GB/s:"
echo
echo "| model | type | cpu path | read per token | GB/s, wall | GB/s, CPU time | wall / stream-read |"
echo "| --- | --- | --- | ---: | ---: | ---: | ---: |"
for r in "${bw_rows[@]}"; do
	printf '%s %.0f%% |\n' "$r" "$(awk -F' [|] ' -v b="$best" '{ print 100 * $5 / b }' <<<"$r")"
done
echo
# the last-level cache, as the kernel reports it (index3: L3; absent: unknown)
llc=$(cat /sys/devices/system/cpu/cpu0/cache/index3/size 2>/dev/null || echo unknown)
echo "Weights smaller than the last-level cache ($llc) are read from cache, not DRAM: their GB/s can exceed stream-read's."
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); $REPS repetitions per row after 1 warm-up (SLMQ_BENCH_REPS)"
