#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the VM on one guest script and stream its output to the terminal:
# the building block for `make demo` (scripts/demo.sh).
#
#   scripts/vm/run-script.sh [--no-build] [--timeout S] GUEST_SCRIPT [SRC:DEST]...
#
# --timeout S: the script is killed after S seconds without output (600).
#
# The guest is the test VM (scripts/vm/mkinitramfs.sh: slmq.ko in /modules,
# slmqctl in /bin, /lib/firmware/slmq, ...) plus GUEST_SCRIPT as
# /guest/NAME and every extra SRC file at guest path DEST (e.g.
# build/demo/model.gguf:/data/model.gguf).  The script runs as root from
# /tests with SLMQ_MODDIR=/modules; its stdout and stderr appear here as
# they are produced.  Exit status: the script's (124 when the VM timed out,
# 1 when the guest died first).  Unless --no-build, slmq.ko and slmqctl are
# built first (scripts/vm/build.sh kmod slmqctl).
# Logs: build/vm-script/{console,channel}.log.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=1
TIMEOUT=${SLMQ_VM_TIMEOUT:-600}	# seconds without output
while [ $# -gt 0 ]; do
	case "$1" in
	--no-build) BUILD=; shift ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	-*) echo "run-script.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || { sed -n '7,8p' "$0" >&2; exit 2; }
SCRIPT=$(realpath "$1")
shift
cd "$REPO"
OUT=build/vm-script
NAME=$(basename "$SCRIPT")
mkdir -p "$OUT"
exec 8>"$OUT/.lock"
flock 8
install -m 755 "$SCRIPT" "$OUT/$NAME"
adds=(--add "$OUT/$NAME:/guest/$NAME")
for a in "$@"; do
	adds+=(--add "$(realpath "${a%%:*}"):${a#*:}")
done
if [ -n "$BUILD" ] && ! scripts/vm/build.sh kmod slmqctl >"$OUT/build.log" 2>&1; then
	tail -20 "$OUT/build.log" >&2
	exit 1
fi
scripts/vm/mkinitramfs.sh -o "$OUT/initramfs.cpio.gz" "${adds[@]}" 2>"$OUT/initramfs.log" ||
	{ cat "$OUT/initramfs.log" >&2; exit 1; }
exec scripts/vm/run.sh --initrd "$OUT/initramfs.cpio.gz" --out "$OUT" \
	--run "/guest/$NAME" --stream --test-timeout "$TIMEOUT"
