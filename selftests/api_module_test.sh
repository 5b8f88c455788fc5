#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# slmq.ko's exported API from kernel code (slmq_api_test.ko: lookup, generate,
# session feed/logits/next token, withdrawal while held), and rmmod of
# slmq.ko refused while a reference is held.
. "$(dirname "$0")/slmq_sh_lib"

insmod "$MODDIR/slmq.ko"
ok $? "insmod slmq.ko"
# The stamped copy: same weights, plus the slmq.verdict the API must return.
slmqctl load "$DATA/tiny-rejected.gguf" --name tiny --force >/dev/null
ok $? "load tiny (stamped REJECTED, --force)"
insmod "$MODDIR/slmq_api_test.ko" model=tiny expect_verdict=REJECTED hold=1
ok $? "insmod slmq_api_test.ko model=tiny expect_verdict=REJECTED hold=1 (all in-kernel checks pass)"
dmesg | grep "slmq_api_test: " | sed 's/^/# /'
dmesg | grep -q "slmq_api_test: all [0-9]* tests passed"
ok $? "kernel log: $(dmesg | grep -o 'slmq_api_test: all [0-9]* tests passed')"
# One reference from the symbol dependency, one held by the test module.
[ "$(cat /sys/module/slmq/refcnt)" = 2 ]
ok $? "slmq refcnt is 2 while the test module holds a model ($(cat /sys/module/slmq/refcnt))"
rmmod slmq 2>/dev/null
[ $? != 0 ] && [ -e /sys/module/slmq ]
ok $? "rmmod slmq is refused while a reference is held"
slmqctl info tiny >/dev/null 2>&1
[ $? = 1 ]
ok $? "the withdrawn model is gone for new lookups"
rmmod slmq_api_test
ok $? "rmmod slmq_api_test (drops its reference)"
[ "$(cat /sys/module/slmq/refcnt)" = 0 ]
ok $? "slmq refcnt back to 0"
rmmod slmq
ok $? "rmmod slmq now succeeds"
done_testing
