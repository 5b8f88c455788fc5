#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A model near the 100 MiB default limit (synthetic weights, selftests/mkbig.py):
# loaded over netlink, validated, generating the same tokens as userspace,
# and its memory returned on unload.  Built only with SLMQ_BIG_MODEL=1
# (it adds ~100 MB to the initramfs); skipped otherwise.
. "$(dirname "$0")/slmq_sh_lib"

if [ ! -e "$DATA/big.gguf" ]; then
	echo "ok 1 - big model # SKIP data/big.gguf not built (make ... SLMQ_BIG_MODEL=1)"
	echo "1..1"
	exit 0
fi
size=$(wc -c <"$DATA/big.gguf")
insmod "$MODDIR/slmq.ko"
ok $? "insmod slmq.ko"
slmqctl load "$DATA/big.gguf" --name big --json >/tmp/big.json
ok $? "load a $size-byte model ($(sed -n 's/.*"seconds":\([0-9.]*\).*/\1/p' /tmp/big.json) s)"
[ "$(cat /sys/kernel/slmq/big/size)" = "$size" ] && [ "$(cat /sys/kernel/slmq/memory_used)" = "$size" ]
ok $? "sysfs size and memory_used are the file's $size bytes"
slmqctl ask big -p "PCI device" -n 2 --json >/tmp/bk.json
ok $? "kernel generates with it"
slmqctl generate "$DATA/big.gguf" -p "PCI device" -n 2 --json >/tmp/bu.json
json_ints tokens /tmp/bk.json >/tmp/bk.ids
json_ints ids /tmp/bu.json >/tmp/bu.ids
[ -s /tmp/bk.ids ] && cmp -s /tmp/bk.ids /tmp/bu.ids
ok $? "same tokens as userspace ($(tr '\n' ' ' </tmp/bk.ids))"
slmqctl unload big >/dev/null
ok $? "unload big"
rmmod slmq
ok $? "rmmod slmq (memory freed: nothing left to leak)"
done_testing
