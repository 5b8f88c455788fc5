#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /sys/kernel/slmq/* read in a tight loop by two readers (the files are
# world-readable: any user can do this) while slmq.ko is loaded and unloaded over and over (with a model
# from model= and without, and an insmod that fails half-way): a reader
# must never reach a part of the module that is not set up yet or already
# torn down (the file once existed before the workqueue it flushed, and
# after it on exit: an oops in __flush_workqueue).  An oops panics the VM,
# so reaching the end is the test; the kernel log is checked too.  The
# window is microseconds: on the production kernel 25 rounds did not hit
# it before the fix (a use-after-free there needs KASAN to be seen); the
# debug kernel run is where this test bites.
. "${SLMQ_TESTDIR:-$(dirname "$0")}/slmq_sh_lib"
ROUNDS=${SLMQ_RACE_ROUNDS:-12}
BAD='BUG|WARNING|Oops|Call Trace|general protection|UBSAN|KASAN'

# The shell's own read: no fork per read, so the loop is as tight as it gets.
reader() {
	while :; do
		read -r _ </sys/kernel/slmq/memory_used
		read -r _ </sys/kernel/slmq/generations_running
	done 2>/dev/null
}

before=$(dmesg | wc -l)
reader &
r1=$!
reader &
r2=$!
loads=0
fails=0
i=0
while [ $i -lt "$ROUNDS" ]; do
	case $((i % 3)) in
	0) args= ;;
	1) args=model=slmq/tiny.gguf ;;
	2) args=model=slmq/missing.gguf ;;	# init fails after sysfs and netlink
	esac
	if insmod "$MODDIR/slmq.ko" $args 2>/dev/null; then
		loads=$((loads + 1))
		rmmod slmq || fails=$((fails + 1))
	elif [ -z "$args" ] || [ "${args#*tiny}" != "$args" ]; then
		fails=$((fails + 1))
	fi
	i=$((i + 1))
done
kill "$r1" "$r2" 2>/dev/null
wait "$r1" "$r2" 2>/dev/null
ok "$fails" "$ROUNDS insmod/rmmod rounds under two sysfs readers ($loads loaded, the failing ones refused)"
[ ! -e /sys/module/slmq ]
ok $? "slmq.ko unloaded at the end"
insmod "$MODDIR/slmq.ko" model=slmq/tiny.gguf &&
	[ "$(cat /sys/kernel/slmq/memory_used)" = "$(cat /sys/kernel/slmq/tiny/size)" ]
ok $? "memory_used is the firmware model's size right after insmod"
rmmod slmq
! dmesg | tail -n +$((before + 1)) | grep -E "$BAD"
ok $? "no BUG/WARNING/Oops in the kernel log"
done_testing
