#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The closing figures of the validation issue: `slmqctl quantize --auto` on
# pcilm-tiny and pcilm-small (when present) with the full evaluation data,
# GPTQ calibration on val.bin and the default thresholds; prints each
# model's summary table.  Artifacts go to ${OUT:-build/auto}/<model>/.
# Takes a few minutes per model on 2 cores; not part of `make check`.
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-build/auto}
FIX=${SLMQ_FIXTURES:-fixtures}
SMALL=${SLMQ_SHARED:-$(pwd)/../shared}/models/pcilm-small
make -s all || exit 1
mkdir -p "$OUT"
for m in "$FIX/pcilm-tiny" "$SMALL"; do
	[ -d "$m" ] || { echo "# $m: not present, skipped"; continue; }
	n=$(basename "$m")
	rm -rf "${OUT:?}/$n"
	tools/slmqctl/slmqctl quantize "$m" -o "$OUT/$n" --auto \
		--eval "$FIX/oscorpus/test.bin" --bench "$FIX/oscorpus/os_bench.jsonl" \
		--calib "$FIX/oscorpus/val.bin" "$@" >"$OUT.$n.log" 2>&1
	echo "# $n: exit $? (0 accepted, 3 rejected; log $OUT.$n.log)"
	sed -n "/^$n (/,/^wrote /p" "$OUT.$n.log"
done
