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
# Another kernel (scripts/checks-extra/vm-debug.sh sets these for the debug kernel):
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
TAINT_ALLOWED=$((4096 | 8192 | 262144))	# O, E, and N once a KUnit test ran

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
. scripts/vm/results.sh
read_results "$CHAN" "$LOG" "$OUT/console.log"
finish
