#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: the whole story on the bundled pcilm-tiny model.
#  1. slmqctl quantizes fixtures/pcilm-tiny with the automatic acceptance loop
#     (validation against the F16 original on the fixture test data);
#  2. a Debian 6.12 kernel boots in QEMU with slmq.ko and slmqctl;
#  3. inside it slmqctl loads the accepted model over generic netlink, lists
#     it, and asks the kernel to complete "PCI device 8086:10d3 is".
# A real machine does step 3 with `sudo insmod kmod/slmq.ko` and the same
# slmqctl commands.
set -euo pipefail
cd "$(dirname "$0")/.."
S=tools/slmqctl/slmqctl
OUT=build/demo
MODEL=${SLMQ_DEMO_MODEL:-fixtures/pcilm-tiny}
rm -rf "$OUT"
mkdir -p "$OUT"

echo "== 1. quantize $MODEL with the acceptance loop (validated against the F16 original)"
$S quantize "$MODEL" -o "$OUT" --auto --calib fixtures/oscorpus/val.bin \
	--eval fixtures/oscorpus/test.bin --bench fixtures/oscorpus/os_bench.jsonl
art=$(jq -r '.accepted_dir // empty' "$OUT/quantization_summary.json")
[ -n "$art" ] || { echo "demo: no attempt was accepted; see $OUT/quantization_summary.json" >&2; exit 1; }
echo "accepted: $art"

echo "== 2+3. boot Debian 6.12 under QEMU, load the model into slmq.ko, ask it"
scripts/vm/run-script.sh scripts/demo/guest.sh "$art/model.gguf:/data/pcilm-tiny/model.gguf"
