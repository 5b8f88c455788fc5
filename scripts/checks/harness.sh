#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of the test harness itself: scripts/run-checks.sh on suites made to
# misbehave, scripts/vm/results.sh on crafted guest channel logs, and the
# guest's progress watchdog (scripts/vm/guest-lib.sh).  A harness that lets a
# suite that ran nothing pass makes every other test one that cannot fail.
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
cd "$REPO"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

n=0
check() {	# check STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

# suite NAME BODY: an executable fake suite.
suite() {
	printf '#!/bin/sh\n%s\n' "$2" >"$T/$1"
	chmod +x "$T/$1"
}
# runner CI SUITE...: run-checks.sh's summary line on those suites.
runner() {
	local ci=$1
	shift
	CI=$ci SLMQ_CHECK_ONLY= SLMQ_CHECK_LOG="$T/logs" SLMQ_SUITES="$*" \
		scripts/run-checks.sh >"$T/out" 2>&1
	echo "$? $(tail -1 "$T/out")"
}

suite good 'echo "ok 1 - a"; echo "1..1"'
suite skipall 'echo "1..0 # SKIP no tool"'
suite noplan 'echo "ok 1 - a"'
suite short 'echo "ok 1 - a"; echo "1..2"'
suite crash 'echo "ok 1 - a"; echo "1..1"; exit 3'

r=$(runner false "$T/good" "$T/skipall")
[ "$r" = "0 1 passed, 0 failed, 1 skipped" ]
check $? "run-checks: a suite that skips itself whole counts as one skip ($r)"
r=$(runner true "$T/good" "$T/skipall")
[ "$r" = "1 1 passed, 1 failed, 0 skipped" ] && grep -q 'skipall: not ok.*no tool' "$T/out"
check $? "run-checks: under CI=true a whole-suite skip fails the run ($r)"
mkdir -p "$T/opt"
suite opt/vm-debug.sh 'echo "1..0 # SKIP no debug kernel"'
r=$(runner true "$T/good" "$T/opt/vm-debug.sh")
[ "$r" = "0 1 passed, 0 failed, 1 skipped" ]
check $? "run-checks: under CI the optional vm-debug.sh may skip whole ($r)"
r=$(runner false "$T/good" "$T/noplan")
[ "${r%% *}" = 1 ] && grep -q 'noplan: suite broken' "$T/out"
check $? "run-checks: a suite with no plan fails ($r)"
r=$(runner false "$T/good" "$T/short")
[ "${r%% *}" = 1 ] && grep -q 'short: suite broken.*plan 2, ran 1' "$T/out"
check $? "run-checks: a suite running fewer tests than planned fails ($r)"
r=$(runner false "$T/good" "$T/crash")
[ "${r%% *}" = 1 ]
check $? "run-checks: a suite exiting non-zero with all ok fails ($r)"
r=$(runner false "$T/skipall")
[ "${r%% *}" = 1 ]
check $? "run-checks: a run where nothing passed fails ($r)"

# ---- guest channel parser -------------------------------------------------
# results CHANNEL-LINES...: the TAP read_results makes of them.
results() {
	printf '%s\n' "$@" >"$T/chan"
	mkdir -p "$T/vmlog"
	(
		n=0
		tap() {
			n=$((n + 1))
			case "$1" in
			OK) echo "ok $n - $2" ;;
			SKIP) echo "ok $n - $2 # SKIP ${3:-}" ;;
			*) echo "not ok $n - $2" ;;
			esac
		}
		TAINT_ALLOWED=12288
		. scripts/vm/results.sh
		read_results "$T/chan" "$T/vmlog"
	) >"$T/tap" 2>&1
}
ok_prog=('@slmq begin p' '@slmq out p ok 1 - x' '@slmq out p 1..1' '@slmq exit p 0')
tail_ok=('@slmq taint 12288' '@slmq done')

results "${ok_prog[@]}" "${tail_ok[@]}"
! grep -q '^not ok' "$T/tap" && grep -q '^ok .* p: exit status 0, 1/1 planned results' "$T/tap"
check $? "results: a program with a plan, all ok, exit 0 passes"
results '@slmq begin p' $'@slmq out p ok 1 - caf\xe9 refused' '@slmq out p 1..1' '@slmq exit p 0' "${tail_ok[@]}"
grep -aq '^ok .* p: exit status 0, 1/1 planned results' "$T/tap"
check $? "results: a result line with a byte that is not UTF-8 is counted"
results '@slmq begin p' '@slmq out p ok 1 - x' '@slmq exit p 0' "${tail_ok[@]}"
grep -q '^not ok .* p: exit status 0, no TAP plan' "$T/tap"
check $? "results: a guest program that prints no TAP plan fails"
results '@slmq begin p' '@slmq out p 1..0 # SKIP no big model' '@slmq exit p 0' "${tail_ok[@]}"
grep -q '^ok .* p # SKIP no big model' "$T/tap" && ! grep -q '^not ok' "$T/tap"
check $? "results: a guest program that skips itself whole is one skip"
results '@slmq begin p' '@slmq out p ok 1 - x' '@slmq exit p 143' "${tail_ok[@]}"
grep -q '^not ok .* p: exit status 143.*watchdog' "$T/tap"
check $? "results: a program killed by the watchdog fails, saying so"
results "${ok_prog[@]}" '@slmq taint 12288'
grep -q '^not ok .* guest finished' "$T/tap"
check $? "results: a guest that never reports done fails"
results '@slmq begin p' '@slmq out p ok 1 - x' "${tail_ok[@]}"
grep -q '^not ok .* p: finished (the guest stopped while it ran)' "$T/tap"
check $? "results: a program that never exits fails"
results "${ok_prog[@]}" '@slmq dmesg BUG: KASAN: slab-out-of-bounds' "${tail_ok[@]}"
grep -q '^not ok .* kernel log clean' "$T/tap"
check $? "results: a suspicious kernel log line fails the run"

# ---- guest watchdog -------------------------------------------------------
# wait_for_silence fires on lack of output, not on elapsed time.
wfs() {	# IDLE MAX WRITER-SECONDS: seconds wait_for_silence took
	(
		. scripts/vm/guest-lib.sh
		: >"$T/progress"
		(for _ in $(seq "$3"); do echo >>"$T/progress"; sleep 1; done) &
		start=$(date +%s)
		SLMQ_WATCH_STEP=1 wait_for_silence "$T/progress" "$1" "$2"
		echo $(($(date +%s) - start))
		wait
	)
}
s=$(wfs 3 60 8)
[ "$s" -ge 9 ] && [ "$s" -le 16 ]
check $? "watchdog: output every second for 8 s with a 3 s idle limit is not killed early (fired after $s s)"
s=$(wfs 3 60 0)
[ "$s" -ge 2 ] && [ "$s" -le 6 ]
check $? "watchdog: a silent program is stopped after the idle limit ($s s, limit 3)"
s=$(wfs 30 4 20)
[ "$s" -ge 3 ] && [ "$s" -le 7 ]
check $? "watchdog: a program that prints forever still stops at the total limit ($s s, limit 4)"
echo "1..$n"
