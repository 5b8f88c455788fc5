#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The KUnit suite of slmq.ko (selftests/slmq_kunit.c): loads it after
# slmq.ko, reads the KTAP results from debugfs and reports every case and
# parameter as one TAP line.  Only kernels with CONFIG_KUNIT build the test
# module (the debug kernel of `make check-debug`); on others it skips whole.
. "$(dirname "$0")/slmq_sh_lib"

if [ ! -e "$MODDIR/slmq_kunit.ko" ]; then
	echo "1..0 # SKIP this kernel has no CONFIG_KUNIT (make check-debug runs it)"
	exit 0
fi
insmod "$MODDIR/slmq.ko"
ok $? "insmod slmq.ko"
insmod "$MODDIR/slmq_kunit.ko"
ok $? "insmod slmq_kunit.ko (the suite runs at load)"
R=/sys/kernel/debug/kunit/slmq/results
[ -r "$R" ]
ok $? "KTAP results in debugfs"
# Nested KTAP: each "# Subtest: NAME" header sits at the indentation of
# NAME's results; NAME's own result is one level out.
awk '{
	match($0, /^ */)
	d = RLENGTH
	line = substr($0, d + 1)
	if (line ~ /^# Subtest: /) {
		name[d] = substr(line, 12)
		next
	}
	if (line !~ /^(not )?ok [0-9]+ /)
		next
	bad = line ~ /^not ok/
	sub(/^(not )?ok [0-9]+ (- )?/, "", line)
	parent = (d in name) ? name[d] ": " : ""
	print (bad ? "FAIL" : "PASS") "\t" parent line
}' "$R" >/tmp/kunit.res
cases=0
while IFS="$(printf '\t')" read -r verdict desc; do
	cases=$((cases + 1))
	[ "$verdict" = PASS ]
	ok $? "kunit: $desc"
done </tmp/kunit.res
[ "$cases" -gt 10 ]
ok $? "KTAP parsed: $cases results"
grep -qE '^ *ok [0-9]+ slmq$' "$R"
ok $? "KUnit suite slmq passed as a whole"
rmmod slmq_kunit
ok $? "rmmod slmq_kunit"
rmmod slmq
ok $? "rmmod slmq"
done_testing
