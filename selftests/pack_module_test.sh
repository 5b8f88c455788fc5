#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A model module from `slmqctl pack-module`: insmod registers its embedded
# GGUF with slmq.ko, rmmod withdraws it.
. "$(dirname "$0")/slmq_sh_lib"

insmod "$MODDIR/slmq.ko"
ok $? "insmod slmq.ko"
insmod "$MODDIR/slmq_model_tiny.ko"
ok $? "insmod slmq_model_tiny.ko"
slmqctl info tiny --json >/tmp/pk.json
ok $? "model tiny is published"
grep -q "\"size\":$(wc -c <"$DATA/tiny.gguf")" /tmp/pk.json
ok $? "with the embedded file's size"
slmqctl ask tiny -p "PCI device 8086:10d3 is" -n 4 >/tmp/pk.out
ok $? "it generates: $(cat /tmp/pk.out)"
rmmod slmq_model_tiny
ok $? "rmmod slmq_model_tiny"
slmqctl info tiny >/dev/null 2>&1
[ $? = 1 ]
ok $? "model withdrawn with its module"
rmmod slmq
ok $? "rmmod slmq"
done_testing
