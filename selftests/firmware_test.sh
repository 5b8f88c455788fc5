#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Models at insmod time through the firmware loader:
# insmod slmq.ko model=slmq/tiny.gguf serves /lib/firmware/slmq/tiny.gguf as "tiny".
. "$(dirname "$0")/slmq_sh_lib"

insmod "$MODDIR/slmq.ko" model=slmq/tiny.gguf
ok $? "insmod slmq.ko model=slmq/tiny.gguf"
[ "$(cat /sys/kernel/slmq/tiny/size)" = "$(wc -c </lib/firmware/slmq/tiny.gguf)" ]
ok $? "sysfs: tiny has the firmware file's size"
[ "$(cat /sys/kernel/slmq/tiny/sha256)" = "$(sha256sum /lib/firmware/slmq/tiny.gguf | cut -d' ' -f1)" ]
ok $? "sysfs: sha256 computed by the kernel matches sha256sum"
slmqctl ask tiny -p "PCI device 8086:10d3 is" -n 4 >/tmp/fw.out
ok $? "it generates: $(cat /tmp/fw.out)"
rmmod slmq
ok $? "rmmod slmq"
insmod "$MODDIR/slmq.ko" model=slmq/absent.gguf 2>/dev/null
[ $? != 0 ] && [ ! -e /sys/module/slmq ]
ok $? "a missing firmware file fails insmod"
dmesg | grep -q "model=slmq/absent.gguf: firmware not found"
ok $? "and the kernel log says which file"
done_testing
