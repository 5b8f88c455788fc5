#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest tests in QEMU, as one TAP suite:
#   - build steps: slmq.ko + test modules, slmqctl, selftests, initramfs
#   - one boot (scripts/vm/run.sh): every executable in the guest's /tests
#   - per guest program: each TAP result it prints (flattened, "NAME: desc"),
#     then "NAME: exit status 0, N/N planned results" and
#     "NAME: leaves none of our modules loaded"
#   - the kernel log after boot has no BUG/WARNING/Oops/Call Trace...
#   - taint is at most O+E (out-of-tree 4096, unsigned 8192: 12288 with
#     slmq.ko loaded once, 0 if nothing was loaded)
#   - "guest finished": the guest reported done (missing: hung or crashed)
# How to add guest tests: Documentation/testing.md.  SLMQ_VM_STREAM=1 shows
# the guest's output on stderr while it runs.
# Another kernel (scripts/checks/vm-debug.sh sets these for the debug kernel):
#   SLMQ_KERNEL_ENV=FILE  its env.sh: modules built against its KDIR, it boots
#   SLMQ_VM_OUT=DIR       logs, initramfs, console (default build/vm)
#   SLMQ_VM_MEM=SIZE      guest RAM (run.sh --mem)
#   SLMQ_VM_BOOT_EXPECT   newline-separated EREs the boot log must match
#                         (one test each: "its checkers are on")
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
cd "$REPO"
OUT=${SLMQ_VM_OUT:-build/vm}
LOG=$OUT/logs
mkdir -p "$LOG"
exec 8>"$OUT/.lock"
flock 8			# one VM run at a time per work tree (shared build/vm)
TAINT_ALLOWED=$((4096 | 8192))

n=0
tap() {	# tap OK|FAIL|SKIP description [diagnostic file]
	n=$((n + 1))
	case "$1" in
	OK) echo "ok $n - $2" ;;
	SKIP) echo "ok $n - $2 # SKIP ${3:-}" ;;
	*)
		echo "not ok $n - $2"
		[ -n "${3:-}" ] && [ -s "$3" ] && tail -n 50 "$3" | sed 's/^/# /'
		;;
	esac
	return 0
}
finish() {
	echo "1..$n"
	exit 0	# failures are in the TAP; run-checks.sh counts them
}

# ---- build ----------------------------------------------------------------
if scripts/kernel/fetch.sh >/dev/null 2>"$LOG/fetch.log"; then
	tap OK "kernel image and headers fetched"
else
	tap FAIL "kernel image and headers fetched" "$LOG/fetch.log"
	finish
fi
if scripts/vm/build.sh kmod >"$LOG/kmod.log" 2>&1; then
	tap OK "slmq.ko and test modules build"
else
	tap FAIL "slmq.ko and test modules build" "$LOG/kmod.log"
	finish
fi
if scripts/vm/build.sh slmqctl >"$LOG/slmqctl.log" 2>&1; then
	tap OK "slmqctl builds$([ -x build/vm/slmqctl ] && echo ' (static for the guest)')"
else
	tap FAIL "slmqctl builds (the guest runs without it)" "$LOG/slmqctl.log"
fi
if [ ! -f selftests/Makefile ]; then
	tap SKIP "selftests build" "no selftests/Makefile"
elif scripts/vm/build.sh selftests >"$LOG/selftests.log" 2>&1; then
	tap OK "selftests build"
else
	tap FAIL "selftests build" "$LOG/selftests.log"
fi
if scripts/vm/mkinitramfs.sh -o "$OUT/initramfs.cpio.gz" >"$LOG/initramfs.log" 2>&1; then
	tap OK "initramfs packed: $(tail -1 "$LOG/initramfs.log" | sed 's/^mkinitramfs: [^:]*: //')"
else
	tap FAIL "initramfs packed" "$LOG/initramfs.log"
	finish
fi

# ---- boot -----------------------------------------------------------------
scripts/vm/run.sh ${SLMQ_VM_STREAM:+--stream} --out "$OUT" --initrd "$OUT/initramfs.cpio.gz" \
	${SLMQ_VM_MEM:+--mem "$SLMQ_VM_MEM"} >"$LOG/run.out" 2>"$LOG/run.log"
[ -n "${SLMQ_VM_STREAM:-}" ] && cat "$LOG/run.out" >&2
CHAN=$OUT/channel.log
echo "# boot-to-result: $(cat "$OUT/elapsed" 2>/dev/null) s wall (QEMU TCG)"

# ---- results --------------------------------------------------------------
# first_report FILE: append the first report of the kernel log after boot
# (from the first suspicious line, 30 lines: a KASAN or lockdep report's
# header, access and stack) to FILE, so a failure shows more than one line.
first_report() {
	local since first
	since=$(grep -n '^=== kernel log since boot ===' "$OUT/console.log" | tail -1 | cut -d: -f1)
	[ -n "$since" ] || return 0
	first=$(tail -n +"$since" "$OUT/console.log" | grep -nE "$(dmesg_bad_re)" | head -1 | cut -d: -f1)
	[ -n "$first" ] || return 0
	{
		echo "--- the first report, from the kernel log:"
		tail -n +"$since" "$OUT/console.log" | tail -n +"$first" | head -n 30 | tr -d '\r'
	} >>"$1"
}
dmesg_bad_re() {	# the guest's own pattern (scripts/vm/guest-lib.sh)
	sed -n "s/^SLMQ_DMESG_BAD='\(.*\)'$/\1/p" scripts/vm/guest-lib.sh
}

# The boot log (the "[ seconds] ..." lines after "=== boot kernel log ===")
# shows each checker the kernel is expected to have on (SLMQ_VM_BOOT_EXPECT).
if [ -n "${SLMQ_VM_BOOT_EXPECT:-}" ]; then
	tr -d '\r' <"$OUT/console.log" | awk '/^=== boot kernel log ===$/ { on = 1; next }
		on && !/^\[ *[0-9]+\.[0-9]+\]/ { exit } on' >"$LOG/boot.log"
	while IFS= read -r re; do
		[ -n "$re" ] || continue
		if grep -qE "$re" "$LOG/boot.log"; then
			tap OK "boot log shows the checker: $(grep -m1 -oE "$re.*" "$LOG/boot.log" | cut -c1-70)"
		else
			echo "no line matching /$re/ in the boot log ($LOG/boot.log)" >"$LOG/boot.missing"
			tap FAIL "boot log shows the checker: /$re/" "$LOG/boot.missing"
		fi
	done <<<"$SLMQ_VM_BOOT_EXPECT"
fi
cur=			# program being read
declare -A planned=() results=() fails=()
order=()
dmesg_bad=$LOG/dmesg.bad
: >"$dmesg_bad"
taint=
done=
pending=		# program whose "leaves no module loaded" line is due
left=
flush_pending() {
	[ -n "$pending" ] || return 0
	if [ -n "$left" ]; then
		tap FAIL "$pending: leaves none of our modules loaded (left:$left)"
	else
		tap OK "$pending: leaves none of our modules loaded"
	fi
	pending=
	left=
}
while IFS= read -r rec; do
	case "$rec" in
	"@slmq leftover "*) ;;
	*) flush_pending ;;
	esac
	case "$rec" in
	"@slmq begin "*)
		cur=${rec#@slmq begin }
		order+=("$cur")
		planned[$cur]=
		results[$cur]=0
		: >"$LOG/guest-$cur.out"
		;;
	"@slmq out "*)
		rest=${rec#@slmq out }
		name=${rest%% *}
		line=${rest#"$name"}
		line=${line# }
		echo "$line" >>"$LOG/guest-$name.out"
		if [[ $line =~ ^(not\ )?ok\ [0-9]+(\ -)?\ ?(.*)$ ]]; then
			results[$name]=$((results[$name] + 1))
			if [ -n "${BASH_REMATCH[1]}" ]; then
				tap FAIL "$name: ${BASH_REMATCH[3]}"
				fails[$name]=1
			else
				echo "ok $((++n)) - $name: ${BASH_REMATCH[3]}"
			fi
		elif [[ $line =~ ^1\.\.([0-9]+) ]]; then
			planned[$name]=${BASH_REMATCH[1]}
		fi
		;;
	"@slmq exit "*)
		rest=${rec#@slmq exit }
		name=${rest%% *}
		rc=${rest##* }
		p=${planned[$name]}
		r=${results[$name]}
		desc="$name: exit status $rc"
		[ -n "$p" ] && desc="$desc, $r/$p planned results"
		case "$rc" in 143 | 137) desc="$desc (killed by the per-test timeout?)" ;; esac
		if [ "$rc" = 0 ] && { [ -z "$p" ] || [ "$p" = "$r" ]; } && [ -z "${fails[$name]:-}" ]; then
			tap OK "$desc"
		else
			tap FAIL "$desc" "$LOG/guest-$name.out"
		fi
		pending=$name
		cur=
		;;
	"@slmq leftover "*) left="$left ${rec##* }" ;;
	"@slmq stuck "*)
		name=${rec#@slmq stuck }
		tap FAIL "$name: ends within SLMQ_TEST_TIMEOUT (outlived SIGKILL: stuck in the kernel; stacks below)" "$LOG/guest-$name.out"
		cur=
		;;
	"@slmq dmesg "*) echo "${rec#@slmq dmesg }" >>"$dmesg_bad" ;;
	"@slmq taint "*) taint=${rec#@slmq taint } ;;
	"@slmq done") done=1 ;;
	esac
done < <(tr -d '\r' <"$CHAN" 2>/dev/null | grep '^@slmq ')
flush_pending

if [ -n "$cur" ]; then
	tap FAIL "$cur: finished (the guest stopped while it ran)" "$LOG/guest-$cur.out"
fi
if [ ${#order[@]} = 0 ]; then
	tap FAIL "the guest ran at least one test from /tests"
fi
if [ -n "$done" ] && ! [ -s "$dmesg_bad" ]; then
	tap OK "kernel log clean (no BUG/WARNING/Oops/Call Trace) after boot"
else
	[ -n "$done" ] || echo "no kernel log report (guest did not finish)" >>"$dmesg_bad"
	first_report "$dmesg_bad"
	tap FAIL "kernel log clean (no BUG/WARNING/Oops/Call Trace) after boot" "$dmesg_bad"
fi
if [ -n "$taint" ] && [ $((taint & ~TAINT_ALLOWED)) = 0 ]; then
	tap OK "kernel taint $taint: nothing beyond out-of-tree + unsigned module"
else
	echo "tainted=${taint:-unknown}; allowed bits: 4096 (O) 8192 (E)" >"$LOG/taint"
	tap FAIL "kernel taint: nothing beyond out-of-tree + unsigned module" "$LOG/taint"
fi
if [ -n "$done" ]; then
	tap OK "guest finished"
else
	{
		cat "$LOG/run.log"
		first=$(grep -nE 'BUG|Oops|Kernel panic|WARNING|Call Trace' "$OUT/console.log" | head -1 | cut -d: -f1)
		[ -n "$first" ] && { echo "--- console from line $first"; sed -n "${first},$((first + 24))p" "$OUT/console.log"; }
		echo "--- console tail"
		tail -n 12 "$OUT/console.log"
	} >"$LOG/unfinished"
	tap FAIL "guest finished" "$LOG/unfinished"
fi
finish
