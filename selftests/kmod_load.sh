#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest test (runs in the VM, TAP): slmq.ko loads, shows up in sysfs with
# its parameters, unloads, and the kernel logs nothing alarming meanwhile.
MOD=${SLMQ_MODDIR:-/modules}/slmq.ko
BAD='BUG|WARNING|Oops|Call Trace|general protection|UBSAN|KASAN'
n=0
fails=0
t() {	# t DESCRIPTION COMMAND...
	desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		fails=$((fails + 1))
	fi
}
param_is() { [ "$(cat /sys/module/slmq/parameters/$1 2>/dev/null)" = "$2" ]; }
no_new_warnings() { ! dmesg | tail -n +$((before + 1)) | grep -E "$BAD"; }

echo "1..9"
before=$(dmesg | wc -l)
t "slmq.ko not loaded at start" test ! -e /sys/module/slmq
t "insmod slmq.ko" insmod "$MOD"
t "/sys/module/slmq exists and is live" \
	test "$(cat /sys/module/slmq/initstate 2>/dev/null)" = live
t "max_model_mb defaults to 100" param_is max_model_mb 100
t "rmmod slmq" rmmod slmq
t "/sys/module/slmq gone after rmmod" test ! -e /sys/module/slmq
t "insmod slmq.ko max_model_mb=7" insmod "$MOD" max_model_mb=7
t "max_model_mb=7 is visible in sysfs" param_is max_model_mb 7
rmmod slmq
t "no BUG/WARNING/Oops in the kernel log" no_new_warnings
[ "$fails" = 0 ]
