#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Allocation failures inside slmq.ko (a kernel with fault injection: the
# debug kernel of `make check-debug`; elsewhere the test skips itself).
# failslab and fail_page_alloc fail only allocations with slmq.ko's code on
# the stack (require-start/require-end = the module's address range), one
# failure per run (times=1) after a budget of SPACE bytes of such
# allocations, SPACE = 0, 64, 128, ... doubling until the operation gets
# through without reaching the failure: each run fails the allocation at a
# different point of the operation.  Operations: load (load-begin, chunks,
# commit: sha256, GGUF parse, pack, publish) replacing the served model,
# generate (ask --logits), score (perplexity --kernel), and model-module
# registration (insmod slmq_model_tiny.ko).  After every run:
#   - the operation succeeded, or failed with exit 1 and one line on stderr;
#   - the model "keep" still serves the same logits as before any fault;
#   - memory_used is back to its value with "keep" alone loaded;
# and at the end kmemleak (when the kernel has it) lists no new object.
# Prints how many failures were injected, per operation, and where (the
# first slmq.ko function on each reported stack).
L=$(dirname "$0")/slmq_sh_lib
[ -f "$L" ] || L=${SLMQ_TESTDIR:-/tests}/slmq_sh_lib
. "$L"

FI=/sys/kernel/debug
KML=$FI/kmemleak
if [ ! -d $FI/failslab ] || [ ! -d $FI/fail_page_alloc ] || [ ! -e $FI/failslab/require-start ]; then
	echo "1..0 # SKIP no failslab/fail_page_alloc with a stack filter in this kernel (make check-debug)"
	exit 0
fi
P="PCI device 8086:10d3 is"
MEM=/sys/kernel/slmq/memory_used

insmod "$MODDIR/slmq.ko"
ok $? "insmod slmq.ko"
slmqctl load "$DATA/tiny-q4.gguf" --name keep >/dev/null
ok $? "load tiny-q4.gguf as keep"
slmqctl ask keep -p "$P" -n 2 --logits /tmp/fi-ref.bin >/dev/null &&
	[ -s /tmp/fi-ref.bin ]
ok $? "keep generates; its logits are the reference"
mem0=$(cat $MEM)
[ -n "$mem0" ] && [ "$mem0" -gt 0 ]
ok $? "memory_used with keep loaded: $mem0"

# slmq.ko's address range, from /proc/modules ("slmq SIZE REFS DEPS Live
# 0xADDR"): modules live at 0xffffffff........, so the sum is done on the low
# 32 bits (the shell's arithmetic is signed 64-bit).
set -- $(grep '^slmq ' /proc/modules)
mstart=$6
low=${mstart#0xffffffff}
mend=
[ "$low" != "$mstart" ] && [ "$low" != 00000000 ] &&
	mend=$(printf '0xffffffff%08x' $((0x$low + $2)))
[ -n "$mend" ]
ok $? "slmq.ko's address range: $mstart-$mend"
[ -e $KML ] && grep '^unreferenced object' $KML >/tmp/fi-leaks-before

for d in failslab fail_page_alloc; do
	echo 0 >$FI/$d/times
	echo 100 >$FI/$d/probability
	echo 1 >$FI/$d/interval
	echo 2 >$FI/$d/verbose
	echo N >$FI/$d/task-filter
	echo N >$FI/$d/ignore-gfp-wait
	echo 32 >$FI/$d/stacktrace-depth
	echo "$mstart" >$FI/$d/require-start
	echo "$mend" >$FI/$d/require-end
done
echo 0 >$FI/fail_page_alloc/min-order
echo N >$FI/fail_page_alloc/ignore-gfp-highmem

# op_X runs one operation with the fault armed; undo_X (unarmed) puts back
# what a successful op_X changed.
op_load() { slmqctl load "$DATA/tiny-q8.gguf" --name keep >/dev/null; }
undo_load() { slmqctl load "$DATA/tiny-q4.gguf" --name keep >/dev/null; }
op_generate() { slmqctl ask keep -p "$P" -n 2 --logits /tmp/fi-gen.bin >/dev/null; }
undo_generate() { :; }
op_score() {
	slmqctl perplexity "$DATA/tiny-q4.gguf" --data "$DATA/test-head.bin" \
		--max-tokens 32 --ctx 32 --kernel keep >/dev/null
}
undo_score() { :; }
op_modreg() { insmod "$MODDIR/slmq_model_tiny.ko"; }
undo_modreg() { rmmod slmq_model_tiny; }
disarm() { echo 0 >$FI/failslab/times; echo 0 >$FI/fail_page_alloc/times; }

total=0
sites=/tmp/fi-sites
: >$sites
echo "slmq-fault-window begin" >/dev/kmsg
for op in ${SLMQ_FAULT_OPS:-load generate score modreg}; do
	for d in failslab fail_page_alloc; do
		hits=0 bad=
		space=0
		while [ "$space" -le "${SLMQ_FAULT_MAX_SPACE:-1073741824}" ]; do
			echo "$space" >$FI/$d/space
			echo "slmq-fault-run $op $d $space" >/dev/kmsg
			echo 1 >$FI/$d/times
			"op_$op" 2>/tmp/fi.err
			rc=$?
			left=$(cat $FI/$d/times)
			disarm
			[ $rc = 0 ] && "undo_$op"
			# the kernel log since this run's marker
			dmesg | awk -v m=" slmq-fault-run $op $d $space" '
				substr($0, length($0) - length(m) + 1) == m { n = 0 }
				{ l[++n] = $0 } END { for (i = 1; i <= n; i++) print l[i] }' >/tmp/fi.dmesg
			# A failure reached the operation: it must end cleanly.
			if [ "$left" = 0 ]; then
				hits=$((hits + 1))
				awk '/FAULT_INJECTION: forcing a failure/ { f = 1 }
					f && /\[slmq\]/ { sub(/^\[ *[0-9.]+\] */, ""); sub(/^\? */, ""); sub(/\+.*/, ""); print; exit }' \
					/tmp/fi.dmesg >>$sites
			fi
			if [ $rc != 0 ] && { [ $rc != 1 ] || [ "$(grep -c . /tmp/fi.err)" != 1 ]; }; then
				bad="$bad; space $space: exit $rc, stderr: $(head -c 200 /tmp/fi.err | tr '\n' '|')"
			fi
			slmqctl ask keep -p "$P" -n 2 --logits /tmp/fi-chk.bin >/dev/null 2>&1 &&
				cmp -s /tmp/fi-ref.bin /tmp/fi-chk.bin ||
				bad="$bad; space $space: keep no longer serves the reference logits"
			[ "$(cat $MEM)" = "$mem0" ] ||
				bad="$bad; space $space: memory_used $(cat $MEM), was $mem0"
			[ "$left" = 0 ] || break	# got through: every point was tried
			space=$((space ? space * 2 : 64))
		done
		total=$((total + hits))
		[ -z "$bad" ]
		ok $? "$op under $d: $hits injected failures, each a clean error or success, keep intact${bad:+$bad}"
		[ "$hits" -gt 0 ]
		ok $? "$op under $d: at least one allocation failure reached slmq.ko"
	done
done
echo "slmq-fault-window end" >/dev/kmsg
for d in failslab fail_page_alloc; do
	echo 0 >$FI/$d/probability
	echo 0 >$FI/$d/require-start
	echo 0 >$FI/$d/require-end
done
echo "# $total injected allocation failures; first slmq.ko function on the failing stack (count;" \
	"$((total - $(wc -l <$sites))) more were __GFP_NOWARN allocations, which fault injection does not report):"
sort $sites | uniq -c | sort -rn | sed 's/^/#   /'

slmqctl unload keep >/dev/null
ok $? "unload keep"
rmmod slmq
ok $? "rmmod slmq"
if [ -e $KML ]; then
	sleep 6
	echo scan >$KML
	echo scan >$KML
	grep '^unreferenced object' $KML | grep -vxF -f /tmp/fi-leaks-before >/tmp/fi-leaks
	[ ! -s /tmp/fi-leaks ]
	ok $? "kmemleak: no new unreferenced object ($(wc -l </tmp/fi-leaks) new)"
	[ -s /tmp/fi-leaks ] && head -n 40 $KML | sed 's/^/# /'
fi
done_testing
