#!/bin/bash
# Quantization speed (never part of `make check`): wall time and peak memory
# of `slmqctl quantize --method gptq` on pcilm-small (val.bin calibration,
# defaults) and on a synthetic 134M-parameter Llama (hidden 768, 12 layers,
# 12 heads, FFN 2048, vocab 32000) with random calibration tokens.
#
#   make bench-quant        or   scripts/bench-quant.sh
#   SLMQ_BENCH_CALIB="--calib-samples 128 --calib-seqlen 256"   (synthetic model's calibration)
#
# Peak memory is the process's maximum RSS.  CPU seconds are reported next to
# wall seconds: on a machine shared with other work, wall time overstates.
set -eu
cd "$(dirname "$0")/.."
S=${SLMQCTL:-tools/slmqctl/slmqctl}
SHARED=${SLMQ_SHARED:-$(pwd)/../shared}
OUT=${SLMQ_BENCH_DIR:-build/bench-quant}
CALIB_ARGS=${SLMQ_BENCH_CALIB:---calib-samples 128 --calib-seqlen 256}
mkdir -p "$OUT"
[ -x "$S" ] || make -s all

SYN=$OUT/synth-134m
if [ ! -s "$SYN/model.safetensors" ]; then
	echo "bench-quant: writing the synthetic 134M model to $SYN" >&2
	"$S" synth -o "$SYN" --hidden 768 --layers 12 --heads 12 --ffn 2048 \
		--vocab 32000 --ctx 1024 --seed 1 --json >/dev/null
fi
# random calibration tokens: 200,000 uniform ids < 32000, seeded
if [ ! -s "$OUT/random-tokens.bin" ]; then
	python3 -c 'import random, struct, sys
r = random.Random(1)
sys.stdout.buffer.write(struct.pack("<200000H", *(r.randrange(32000) for _ in range(200000))))' \
		>"$OUT/random-tokens.bin"
fi

run() {	# label model args...
	local label=$1 model=$2
	shift 2
	rm -rf "$OUT/q"
	/usr/bin/time -f '%e %U %S %M' -o "$OUT/time" \
		"$S" quantize "$model" -o "$OUT/q" --bits 4 --method gptq "$@" --json >"$OUT/q.json"
	read -r wall user sys rss <"$OUT/time"
	jq -r --arg l "$label" --arg w "$wall" --arg c "$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f", u + s }')" \
		--arg m "$((rss / 1024))" \
		'.quantization as $q | "| \($l) | \($q.calib_tokens) | \($w) | \($c) | \($q.stats_seconds * 10 | round / 10) / \($q.quant_seconds * 10 | round / 10) / \($q.advance_seconds * 10 | round / 10) | \($m) |"' \
		"$OUT/q.json"
}

echo "GPTQ 4-bit (Q4_0, group 32), $(nproc) cores, OpenBLAS threads ${OPENBLAS_NUM_THREADS:-default}, $(date -u +%FT%TZ)"
echo
echo "| model | calibration tokens | wall s | CPU s (user+sys) | forward+stats / quantize / forward quantized (wall s) | peak RSS MB |"
echo "|---|---|---|---|---|---|"
if [ -f "$SHARED/models/pcilm-small/config.json" ]; then
	run "pcilm-small (val.bin)" "$SHARED/models/pcilm-small" --calib fixtures/oscorpus/val.bin
fi
# shellcheck disable=SC2086
run "synthetic 134M (random tokens)" "$SYN" --calib "$OUT/random-tokens.bin" $CALIB_ARGS
