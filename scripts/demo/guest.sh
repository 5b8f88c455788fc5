#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The demo's guest half (runs inside the QEMU VM as root): load slmq.ko,
# push the model slmqctl accepted on the host, list it, and ask it a question.
set -e
say() { printf '\n$ %s\n' "$*"; }

say insmod slmq.ko
insmod "${SLMQ_MODDIR:-/modules}/slmq.ko"
# --force only when the host's acceptance loop accepted nothing (demo.sh says why)
FORCE=$(cat /data/pcilm-tiny/force 2>/dev/null || true)
say slmqctl load /data/pcilm-tiny --name pcilm-tiny $FORCE
slmqctl load /data/pcilm-tiny --name pcilm-tiny $FORCE
say slmqctl list
slmqctl list
say slmqctl info pcilm-tiny
slmqctl info pcilm-tiny
say slmqctl report pcilm-tiny '(the acceptance report, first 400 bytes)'
slmqctl report pcilm-tiny | head -c 400
echo " ..."
say slmqctl ask pcilm-tiny -p "PCI device 8086:10d3 is"
slmqctl ask pcilm-tiny -p "PCI device 8086:10d3 is" -n 40
say slmqctl unload pcilm-tiny '&&' rmmod slmq
slmqctl unload pcilm-tiny
rmmod slmq
if dmesg | grep -E 'BUG|WARNING|Oops|Call Trace'; then
	echo "demo: the kernel logged a problem" >&2
	exit 1
fi
echo
echo "demo: done, kernel log clean"
