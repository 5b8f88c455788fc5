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
	--eval fixtures/oscorpus/test.bin --bench fixtures/oscorpus/os_bench.jsonl || rc=$?
# exit 3 means "ran, nothing accepted": the demo goes on and says so
[ "${rc:-0}" = 0 ] || [ "$rc" = 3 ] || exit "$rc"
SUM=$OUT/quantization_summary.json
art=$(jq -r '.accepted_dir // empty' "$SUM")
extra=()
if [ -n "$art" ]; then
	echo "accepted: $art"
else
	# The verdict is honest even when it is no: speed on a model this small
	# is measured on a shared CPU and can miss the 1.5x bar.  Show why, then
	# load the first attempt anyway with --force (the kernel records REJECTED).
	art=$(jq -r '[.attempts[] | select(.skipped | not)][0].dir' "$SUM")
	echo "no attempt was accepted: $(jq -r .recommendation "$SUM")"
	echo "loading the first attempt anyway, with --force: $art"
	echo "--force" >"$OUT/force"
	extra=("$OUT/force:/data/pcilm-tiny/force")
fi

echo "== 2+3. boot Debian 6.12 under QEMU, load the model into slmq.ko, ask it"
scripts/vm/run-script.sh scripts/demo/guest.sh \
	"$art/model.gguf:/data/pcilm-tiny/model.gguf" "${extra[@]}"
