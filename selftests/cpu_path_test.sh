#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# cpu_path= (kmod/slmq_cpu.c) pins the engine's kernels: a block-quantized
# model gives the same tokens and logits, bit for bit, on the generic path
# and on the one the CPU would pick; a name that is no kernel set is refused.
. "$(dirname "$0")/slmq_sh_lib"
PARAM=/sys/module/slmq/parameters/cpu_path

insmod "$MODDIR/slmq.ko" cpu_path=generic
ok $? "insmod slmq.ko cpu_path=generic"
[ "$(cat $PARAM)" = generic ]
ok $? "cpu_path reads back generic"
slmqctl load "$DATA/tiny-q4.gguf" --name q4 >/dev/null
ok $? "slmqctl load tiny-q4.gguf --name q4"
slmqctl ask q4 --tokens 1,450,1200 -n 6 --logits /tmp/cpu-generic.bin >/tmp/cpu-generic.out
ok $? "generic path generates: $(cat /tmp/cpu-generic.out)"
echo auto >$PARAM
[ "$(cat $PARAM)" = auto ]
ok $? "echo auto > cpu_path: reads back auto"
slmqctl ask q4 --tokens 1,450,1200 -n 6 --logits /tmp/cpu-auto.bin >/tmp/cpu-auto.out
[ -s /tmp/cpu-auto.bin ] && cmp -s /tmp/cpu-generic.bin /tmp/cpu-auto.bin &&
	cmp -s /tmp/cpu-generic.out /tmp/cpu-auto.out
ok $? "Q4_0: the same tokens and logits bit for bit on both paths ($(grep -qw avx2 /proc/cpuinfo && echo avx2 || echo generic) for auto)"
# The VNNI paths: QEMU's TCG has neither (they are tested natively, in
# userspace: test_vnni); pinning one the CPU lacks is refused with a reason.
for p in avx512vnni:avx512_vnni avxvnni:avx_vnni; do
	name=${p%%:*}
	if grep -qw "${p#*:}" /proc/cpuinfo; then
		echo "$name" >$PARAM && [ "$(cat $PARAM)" = "$name" ]
		ok $? "echo $name > cpu_path on a CPU with ${p#*:}: reads back $name"
		echo auto >$PARAM
	else
		echo "$name" >$PARAM 2>/dev/null
		[ $? != 0 ] && [ "$(cat $PARAM)" = auto ] &&
			dmesg | grep -q "cpu_path=$name: this CPU lacks the instructions it needs"
		ok $? "echo $name > cpu_path without ${p#*:} is refused, the setting stays, the log says why"
	fi
done
echo sse9 >$PARAM 2>/dev/null
[ $? != 0 ] && [ "$(cat $PARAM)" = auto ]
ok $? "echo sse9 > cpu_path is refused and the setting stays"
dmesg | grep -q "cpu_path=sse9: not one of auto, generic, avx2, avx512vnni, avxvnni"
ok $? "and the kernel log says why"
rmmod slmq
ok $? "rmmod slmq"
insmod "$MODDIR/slmq.ko" cpu_path=sse9 2>/dev/null
[ $? != 0 ] && [ ! -e /sys/module/slmq ]
ok $? "insmod slmq.ko cpu_path=sse9 fails"
done_testing
