#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# /init of the test VM: mount the basics, run what the kernel command line
# asks for (slmq_run=tests, the default, or slmq_run=/path/to/script), check
# the kernel log and taint, report over the channel, power off.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin HOME=/root
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tmpfs tmp /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mkdir -p /dev/pts /dev/shm /run
mount -t devpts devpts /dev/pts
ip link set lo up
hostname slmq-vm

. /lib/slmq/guest-lib.sh
exec 9>/dev/ttyS1
stty -F /dev/ttyS1 raw -echo 2>/dev/null

export SLMQ_VM=1 SLMQ_MODDIR=/modules SLMQ_TESTDIR=/tests
run=tests
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	slmq_run=*) run=${arg#slmq_run=} ;;
	slmq_test_timeout=*) export SLMQ_TEST_TIMEOUT=${arg#slmq_test_timeout=} ;;
	slmq_test_max=*) export SLMQ_TEST_MAX=${arg#slmq_test_max=} ;;
	esac
done

# Only what happens from here on is ours to judge: keep the boot log apart.
echo "=== boot kernel log ==="
dmesg -c
chan "boot-taint $(cat /proc/sys/kernel/tainted)"
# A kernel with kmemleak (the debug kernel): forget what boot left
# unreferenced, so the scan after the tests reports only their leaks.
KMEMLEAK=/sys/kernel/debug/kmemleak
if [ -w "$KMEMLEAK" ]; then
	echo scan >"$KMEMLEAK"
	echo clear >"$KMEMLEAK"
fi

if [ "$run" = tests ]; then
	/bin/slmq-run-tests
else
	run_one "${run##*/}" "$run"
	unload_leftovers "${run##*/}"
fi

# kmemleak only reports objects unreferenced for 5 s and seen by two scans:
# wait, scan twice; each leak's report (object, size, backtrace) is sent.
if [ -w "$KMEMLEAK" ]; then
	sleep 6
	echo scan >"$KMEMLEAK"
	echo scan >"$KMEMLEAK"
	head -n 60 "$KMEMLEAK" | while IFS= read -r l; do
		chan "dmesg kmemleak report: $l"
	done
fi

echo "=== kernel log since boot ==="
dmesg >/tmp/dmesg
cat /tmp/dmesg
# Between "slmq-fault-window begin" and "end" (kernel log markers a
# fault-injection test writes) an injected allocation failure may print its
# stack (fault-inject verbose, warn_alloc): "Call Trace" alone is expected
# there; every other pattern still counts.
awk -v bad="$SLMQ_DMESG_BAD" '/slmq-fault-window begin/ { w = 1 }
	/slmq-fault-window end/ { w = 0 }
	$0 ~ bad && !(w && /Call Trace/)' /tmp/dmesg | head -50 | while IFS= read -r l; do
	chan "dmesg $l"
done
chan "taint $(cat /proc/sys/kernel/tainted)"
chan done
sync
poweroff -f
