#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# slmqctl against slmq.ko in the guest: load, list, info, ask, report,
# unload (--json), kernel generation equal to `slmqctl generate` in
# userspace token for token, and a kernel rejection printed with its extack.
. "$(dirname "$0")/slmq_sh_lib"

P="PCI device 8086:10d3 is"
insmod "$MODDIR/slmq.ko"
ok $? "insmod slmq.ko"
slmqctl load "$DATA/tiny.gguf" --name tiny --json >/tmp/load.json
ok $? "slmqctl load tiny.gguf --name tiny"
grep -q '"verdict":"none"' /tmp/load.json
ok $? "load reports no verdict for an unvalidated model"
slmqctl list --json >/tmp/list.json
grep -q '"name":"tiny"' /tmp/list.json
ok $? "list --json shows tiny"
slmqctl list | grep -q '^tiny '
ok $? "list table shows tiny"
slmqctl info tiny --json >/tmp/info.json
grep -q "\"size\":$(wc -c <"$DATA/tiny.gguf")" /tmp/info.json &&
	grep -q '"f16":' /tmp/info.json && grep -q '"n_vocab":2048' /tmp/info.json
ok $? "info --json: size, tensor types, vocabulary"
# kv_bytes: a full-context session's F16 cache, what userspace's session of
# the same context holds (bench: 2 * 128 positions = tiny's 256); kv_f32
# doubles it.
kv=$(sed -n 's/.*"kv_bytes":\([0-9]*\).*/\1/p' /tmp/info.json)
ukv=$(slmqctl bench "$DATA/tiny.gguf" --tokens 128 --runs 1 --json |
	sed -n 's/.*"kv_bytes":\([0-9]*\).*/\1/p')
echo 1 >/sys/module/slmq/parameters/kv_f32
kv32=$(slmqctl info tiny --json | sed -n 's/.*"kv_bytes":\([0-9]*\).*/\1/p')
echo 0 >/sys/module/slmq/parameters/kv_f32
[ -n "$kv" ] && [ "$kv" = "$ukv" ] && [ "$kv32" = $((2 * kv)) ]
ok $? "info: kv_bytes $kv (F16) equals userspace's full-context session ($ukv), $kv32 with kv_f32=1"

slmqctl ask tiny -p "$P" -n 12 --json >/tmp/ask.json
ok $? "ask tiny (kernel generation)"
slmqctl generate "$DATA/tiny.gguf" -p "$P" -n 12 --json >/tmp/gen.json
ok $? "generate (userspace engine, same file)"
json_ints tokens /tmp/ask.json >/tmp/k.ids
json_ints ids /tmp/gen.json >/tmp/u.ids
[ -s /tmp/k.ids ] && cmp -s /tmp/k.ids /tmp/u.ids
ok $? "kernel tokens == userspace tokens ($(tr '\n' ' ' </tmp/k.ids))"
[ "$(json_str text /tmp/ask.json)" = "$(json_str text /tmp/gen.json)" ]
ok $? "kernel text == userspace text: $(json_str text /tmp/ask.json)"
slmqctl ask tiny -p "$P" -n 3 --logits /tmp/logits.bin >/dev/null &&
	[ "$(wc -c </tmp/logits.bin)" = $((3 * 2048 * 4)) ]
ok $? "ask --logits writes n_vocab float32 per generated token"
[ "$(cat /sys/kernel/slmq/tiny/requests)" = 2 ]
ok $? "sysfs counts the two requests"

slmqctl report tiny >/tmp/rep.out 2>/tmp/rep.err
[ $? = 1 ] && grep -q "model carries no slmq.report (attribute name)" /tmp/rep.err
ok $? "report on a model without one: $(cat /tmp/rep.err)"

slmqctl load "$DATA/tiny-rejected.gguf" --name rej 2>/tmp/rej.err
[ $? = 1 ] && grep -q "REJECTED by validation" /tmp/rej.err
ok $? "a REJECTED model is refused without --force: $(cat /tmp/rej.err)"
slmqctl load "$DATA/tiny-rejected.gguf" --name rej --force >/dev/null
ok $? "and loaded with --force"
slmqctl info rej --json | grep -q '"verdict":"REJECTED"'
ok $? "info shows the verdict the kernel read from the file"
slmqctl report rej >/tmp/rep.txt
ok $? "report rej"
[ "$(wc -c </tmp/rep.txt)" -gt 40000 ] && grep -q '^{"verdict":"REJECTED","failed":\["quality"\]' /tmp/rep.txt
ok $? "the whole 40 KB report arrives (several attributes, concatenated)"
slmqctl report rej --json | grep -q '"failed":\['
ok $? "report --json embeds the report as JSON"
slmqctl unload rej >/dev/null
ok $? "unload rej"

cp "$DATA/tiny.gguf" /tmp/bad.gguf
printf 'X' | dd of=/tmp/bad.gguf bs=1 seek=0 conv=notrunc 2>/dev/null
slmqctl load /tmp/bad.gguf --name tiny 2>/tmp/bad.err
[ $? = 1 ] && grep -q "load-commit: bad magic (not a GGUF file) (attribute name)" /tmp/bad.err
ok $? "corrupt file: kernel extack printed: $(cat /tmp/bad.err)"
slmqctl ask tiny -p "$P" -n 2 >/dev/null
ok $? "the old tiny still serves"

slmqctl unload tiny
ok $? "unload tiny"
slmqctl info tiny 2>/tmp/info.err
[ $? = 1 ] && grep -q "no model of this name (attribute name)" /tmp/info.err
ok $? "info after unload: $(cat /tmp/info.err)"
rmmod slmq
ok $? "rmmod slmq"
slmqctl list 2>/tmp/list.err
[ $? = 1 ] && grep -q "is slmq.ko loaded" /tmp/list.err
ok $? "without slmq.ko: $(cat /tmp/list.err)"
done_testing
