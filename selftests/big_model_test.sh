#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A model near the 100 MiB default limit (synthetic weights, selftests/mkbig.py):
# loaded over netlink, validated, generating the same tokens as userspace,
# and its memory held while loaded and returned on unload, measured in the
# guest's MemFree, not only in the module's own counter.  Built unless
# SLMQ_BIG_MODEL=0 (then the whole test skips).
. "$(dirname "$0")/slmq_sh_lib"

if [ ! -e "$DATA/big.gguf" ]; then
	echo "1..0 # SKIP data/big.gguf not built (SLMQ_BIG_MODEL=0)"
	exit 0
fi

# MemFree in bytes once the page cache is dropped (the initramfs is ramfs:
# its files are not cache and stay put).
mem_free() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	awk '/^MemFree:/ { print $2 * 1024 }' /proc/meminfo
}

size=$(wc -c <"$DATA/big.gguf")
insmod "$MODDIR/slmq.ko"
ok $? "insmod slmq.ko"
before=$(mem_free)
slmqctl load "$DATA/big.gguf" --name big --json >/tmp/big.json
ok $? "load a $size-byte model ($(sed -n 's/.*"seconds":\([0-9.]*\).*/\1/p' /tmp/big.json) s)"
[ "$(cat /sys/kernel/slmq/big/size)" = "$size" ] && [ "$(cat /sys/kernel/slmq/memory_used)" = "$size" ]
ok $? "sysfs size and memory_used are the file's $size bytes"
loaded=$(mem_free)
held=$((before - loaded))
[ "$held" -ge "$size" ] && [ "$held" -le $((size + size / 4 + 16777216)) ]
ok $? "the kernel holds the model: MemFree fell by $held bytes (file: $size)"
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
ok $? "rmmod slmq"
after=$(mem_free)
diff=$((before - after))
[ "$diff" -lt 0 ] && diff=$((-diff))
[ "$diff" -le 4194304 ]
ok $? "MemFree back within 4 MiB of where it was before the load (off by $diff bytes)"
done_testing
