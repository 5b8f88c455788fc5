#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Kernel-doc of slmq.ko: scripts/kernel-doc -Wall finds nothing to complain
# about in kmod/slmq_*.[ch], and every EXPORT_SYMBOL_GPL function has a
# kernel-doc comment of its own.  TAP output.
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
cd "$REPO"
echo "1..2"
if ! eval "$(scripts/kernel/fetch.sh 2>/dev/null)" || [ ! -e "$KDIR/scripts/kernel-doc" ]; then
	echo "not ok 1 - kernel-doc -Wall clean (scripts/kernel/fetch.sh failed)"
	echo "not ok 2 - every exported symbol documented"
	exit 1
fi
out=$(perl "$KDIR/scripts/kernel-doc" -none -Wall kmod/slmq_*.c kmod/slmq_*.h 2>&1)
if [ -z "$out" ]; then
	echo "ok 1 - kernel-doc -Wall clean on kmod/slmq_*.[ch]"
else
	echo "$out" | sed 's/^/# /'
	echo "not ok 1 - kernel-doc -Wall clean on kmod/slmq_*.[ch]"
fi
missing=
for sym in $(sed -n 's/^EXPORT_SYMBOL_GPL(\(.*\));/\1/p' kmod/slmq_*.c); do
	grep -q "^ \* $sym() - " kmod/slmq_*.c || missing="$missing $sym"
done
n=$(grep -c '^EXPORT_SYMBOL_GPL' kmod/slmq_*.c | awk -F: '{s += $2} END {print s}')
if [ -z "$missing" ] && [ "$n" -gt 0 ]; then
	echo "ok 2 - all $n exported symbols have kernel-doc"
else
	echo "not ok 2 - exported symbols without kernel-doc:$missing"
fi
