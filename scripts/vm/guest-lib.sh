# SPDX-License-Identifier: GPL-2.0
# Guest side of the host channel, sourced by /init and /bin/slmq-run-tests.
#
# Everything the host needs goes to the second serial port (fd 9, opened on
# /dev/ttyS1 by /init), one record per line, away from kernel console noise:
#   @slmq begin NAME          a program starts
#   @slmq out NAME LINE       one line of its stdout/stderr
#   @slmq exit NAME RC        it ended with status RC (143/137: killed by the
#                             watchdog: silent for SLMQ_TEST_TIMEOUT seconds)
#   @slmq leftover NAME MOD   module MOD was still loaded after NAME
#   @slmq stuck NAME          NAME outlived SIGKILL (in the kernel): no "done"
#   @slmq dmesg LINE          a suspicious kernel log line (see SLMQ_DMESG_BAD)
#   @slmq taint N             /proc/sys/kernel/tainted after the run
#   @slmq done                the guest finished (missing: hung or crashed)
# The console (ttyS0) gets the same output as "[NAME] LINE" for people.

SLMQ_DMESG_BAD='BUG|WARNING|Oops|Call Trace|general protection|UBSAN|KASAN|kmemleak|stack-protector|blocked for more than|rcu.*stall|list_(add|del) corruption|refcount_t:|segfault at|Kernel panic'

chan() {
	echo "@slmq $*" >&9
}

# run_one NAME CMD [ARGS]: runs CMD in /tests, stdin closed, streaming its
# output to the channel and the console, and returns its status.  CMD gets
# its own session (setsid) so that on timeout (143 = SIGTERM, 137 = SIGKILL)
# or exit its whole process group can be killed: a leftover child would
# otherwise hold the output pipe open forever.
#
# The timeout is on lack of progress, not on elapsed time: under TCG on a
# loaded host a test can take several times as long as on an idle one, and
# a slow pass must not become a failure.  A test is killed when it printed
# nothing for SLMQ_TEST_TIMEOUT seconds (default 180), or in any case after
# SLMQ_TEST_MAX seconds (default 3600) so that a test that prints forever
# still ends.
run_one() {
	_name=$1
	shift
	chan "begin $_name"
	_fifo=/tmp/.out.$$
	_progress=/tmp/.progress.$$
	rm -f "$_fifo"
	: >"$_progress"
	mkfifo "$_fifo"
	while IFS= read -r _line || [ -n "$_line" ]; do
		echo "@slmq out $_name $_line" >&9
		echo "[$_name] $_line"
		echo >>"$_progress"
	done <"$_fifo" &
	_reader=$!
	(cd /tests 2>/dev/null; exec setsid "$@") >"$_fifo" 2>&1 9>&- </dev/null &
	_pid=$!
	(
		wait_for_silence "$_progress" "${SLMQ_TEST_TIMEOUT:-180}" "${SLMQ_TEST_MAX:-3600}"
		kill -TERM -- "-$_pid"
		sleep 5
		kill -KILL -- "-$_pid"
		sleep 10
		stuck_report "$_name" "$_pid"
	) >/dev/null 2>&1 &
	_watchdog=$!
	wait "$_pid"
	_rc=$?
	kill "$_watchdog" 2>/dev/null
	kill -KILL -- "-$_pid" 2>/dev/null
	kill_writers "$_fifo" "$_reader"
	wait "$_reader"
	rm -f "$_fifo" "$_progress"
	chan "exit $_name $_rc"
	return "$_rc"
}

# wait_for_silence FILE IDLE MAX: returns once FILE (one byte per output
# line) has not grown for IDLE seconds, or after MAX seconds in all.
wait_for_silence() {
	_size=-1
	_quiet=0
	_total=0
	_step=${SLMQ_WATCH_STEP:-5}
	while [ "$_quiet" -lt "$2" ] && [ "$_total" -lt "$3" ]; do
		sleep "$_step"
		_total=$((_total + _step))
		_now=$(wc -c <"$1" 2>/dev/null || echo 0)
		if [ "$_now" = "$_size" ]; then
			_quiet=$((_quiet + _step))
		else
			_quiet=0
			_size=$_now
		fi
	done
}

# kill_writers FIFO READER: kill what still holds the test's output open
# after its process group is gone (a daemon it started in another session),
# or the reader, and so the runner, would wait for it forever.
kill_writers() {
	for _fd in /proc/[0-9]*/fd/*; do
		[ "$(readlink "$_fd" 2>/dev/null)" = "$1" ] || continue
		_p=${_fd#/proc/}
		_p=${_p%%/*}
		[ "$_p" = "$2" ] || [ "$_p" = "$$" ] || kill -KILL "$_p" 2>/dev/null
	done
	return 0
}

# A test that SIGKILL cannot end is stuck in the kernel: the runner would
# wait forever.  Send the kernel stacks of its process group and the kernel
# log, then power off without "done" (the host reports the hang).
stuck_report() {
	_sname=$1
	_pg=$2
	_alive=
	for _st in /proc/[0-9]*/stat; do
		# fields after "(comm)": state ppid pgrp
		set -- $(sed 's/.*) //' "$_st" 2>/dev/null)
		[ "${3:-}" = "$_pg" ] && [ "$1" != Z ] || continue
		_p=${_st#/proc/}
		_p=${_p%/stat}
		_alive=1
		chan "out $_sname [stuck] pid $_p ($(cat /proc/$_p/comm)) state $1 wchan $(cat /proc/$_p/wchan)"
		for _t in /proc/$_p/task/*; do
			sed "s|^|@slmq out $_sname [stuck] ${_t##*/}: |" "$_t/stack" >&9
		done
	done
	[ -n "$_alive" ] || return 0
	chan "stuck $_sname"
	dmesg | grep -E "$SLMQ_DMESG_BAD" | head -50 | while IFS= read -r l; do
		chan "dmesg $l"
	done
	chan "taint $(cat /proc/sys/kernel/tainted)"
	{
		echo "=== $_sname is stuck in the kernel; kernel log: ==="
		dmesg
	} >/dev/console 2>&1
	sync
	poweroff -f
}

# Names of the modules shipped in /modules (insmod names: '-' becomes '_').
our_modules() {
	for _ko in /modules/*.ko; do
		[ -e "$_ko" ] || continue
		_m=${_ko##*/}
		_m=${_m%.ko}
		echo "$_m" | tr - _
	done
}

# After each program: report and unload any of our modules it left loaded,
# so every test starts from the same state.  Dependents go first, so
# retry a few rounds.
unload_leftovers() {
	for _m in $(our_modules); do
		[ -e "/sys/module/$_m/initstate" ] && chan "leftover $1 $_m"
	done
	for _round in 1 2 3; do
		for _m in $(our_modules); do
			[ -e "/sys/module/$_m/initstate" ] && rmmod "$_m" 2>/dev/null
		done
	done
	return 0
}
