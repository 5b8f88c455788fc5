#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: single-thread decode and prompt speed of the engine for
# F16 / Q8_0 / Q4_0 / Q4_1 on pcilm-small and on a synthetic 134M-parameter
# Llama (hidden 768, 12 layers, 12 heads, ffn 2048, vocab 32000), plus the
# Q4 / F16 decode ratio.  Never part of `make check` (timing is not a test).
#
# Models are built under build/bench/ (once; delete it to rebuild).
#   SLMQ_BENCH_TOKENS   tokens of prompt and of decode per run (default 64)
#   SLMQ_BENCH_RUNS     runs per model, median reported (default 5)
#   SLMQ_SHARED         where models/pcilm-small lives (default ../shared)
#
# Speeds are per second of the benchmark thread's CPU time (slmqctl bench
# also reports wall clock, which on a shared machine mostly measures the
# neighbours).  "q4_0" is slmqctl quantize's default (embeddings and output
# head Q8_0, like llama.cpp keeping its output head at higher precision);
# "q4_0-pure" quantizes those to Q4_0 too.
set -euo pipefail
cd "$(dirname "$0")/.."
CTL=tools/slmqctl/slmqctl
OUT=build/bench
TOKENS=${SLMQ_BENCH_TOKENS:-64}
RUNS=${SLMQ_BENCH_RUNS:-5}
SHARED=${SLMQ_SHARED:-$(pwd)/../shared}
mkdir -p "$OUT"

# variant name -> quantize arguments ("" = plain F16 convert)
VARIANTS=(f16 q8_0 q4_0 q4_1 q4_0-pure)
quant_args() {
	case $1 in
	q8_0) echo "--bits 8" ;;
	q4_0) echo "--bits 4" ;;
	q4_1) echo "--bits 4 --asym" ;;
	q4_0-pure) echo "--bits 4 --embd-type q4_0 --output-type q4_0" ;;
	esac
}

# build_variants SRC_DIR NAME: GGUF files $OUT/NAME-VARIANT.gguf
build_variants() {
	local src=$1 name=$2 v
	for v in "${VARIANTS[@]}"; do
		local dst=$OUT/$name-$v.gguf
		[ -s "$dst" ] && continue
		if [ "$v" = f16 ]; then
			"$CTL" convert "$src" -o "$dst" --json >/dev/null
		else
			# shellcheck disable=SC2046
			"$CTL" quantize "$src" -o "$OUT/$name-$v.d" --method rtn $(quant_args "$v") --json >/dev/null
			mv "$OUT/$name-$v.d/model.gguf" "$dst"
			rmdir "$OUT/$name-$v.d"
		fi
	done
}

SYN=$OUT/synth-134m
if [ ! -s "$SYN/model.safetensors" ]; then
	echo "bench: writing the synthetic 134M model to $SYN" >&2
	"$CTL" synth -o "$SYN" --hidden 768 --layers 12 --heads 12 --ffn 2048 \
		--vocab 32000 --ctx 1024 --seed 1 --json >/dev/null
fi
MODELS=(synth-134m)
build_variants "$SYN" synth-134m
if [ -d "$SHARED/models/pcilm-small" ]; then
	MODELS=(pcilm-small "${MODELS[@]}")
	build_variants "$SHARED/models/pcilm-small" pcilm-small
else
	echo "bench: $SHARED/models/pcilm-small not found, skipping it" >&2
fi

printf '%-12s %-10s %8s %9s %11s %11s %9s %8s\n' model weights MB "MB/tok" "prompt t/s" "decode t/s" "spread" "GB/s"
for m in "${MODELS[@]}"; do
	f16_decode=""
	for v in "${VARIANTS[@]}"; do
		j=$("$CTL" bench "$OUT/$m-$v.gguf" --tokens "$TOKENS" --runs "$RUNS" --json)
		dec=$(jq -r .decode_tps <<<"$j")
		[ "$v" = f16 ] && f16_decode=$dec
		printf '%-12s %-10s %8.1f %9.1f %11.1f %11.1f %9s %8.1f\n' "$m" "$v" \
			"$(jq -r '.weight_bytes / 1e6' <<<"$j")" \
			"$(jq -r '.bytes_per_token / 1e6' <<<"$j")" \
			"$(jq -r .prompt_tps <<<"$j")" "$dec" \
			"$(jq -r '"\(.decode_tps_min | floor)-\(.decode_tps_max | floor)"' <<<"$j")" \
			"$(jq -r .decode_weight_gbs <<<"$j")"
		eval "dec_${m//-/_}_${v//-/_}=$dec"
	done
	for v in q4_0 q4_0-pure q4_1; do
		d=dec_${m//-/_}_${v//-/_}
		printf '%-12s decode %s / f16 = %.2fx\n' "$m" "$v" "$(jq -n "${!d} / $f16_decode")"
	done
done
