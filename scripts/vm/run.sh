#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the Debian 6.12 kernel with an initramfs under QEMU TCG (KVM does not
# work on these machines) and wait for it to power off.
#
#   --initrd FILE     default build/vm/initramfs.cpio.gz (scripts/vm/mkinitramfs.sh)
#   --run WHAT        slmq_run= for the guest: "tests" (default) or a guest path
#   --out DIR         where console.log (ttyS0: kernel + people) and
#                     channel.log (ttyS1: @slmq records) go; default build/vm
#   --stream          copy the guest programs' output to stdout as it comes
#   --timeout SECS    whole-VM limit (default $SLMQ_VM_TIMEOUT or 3600)
#   --idle SECS       kill the VM when neither serial port got a byte for SECS
#                     (default $SLMQ_VM_IDLE or test-timeout + 120)
#   --test-timeout S  a guest program is killed after S seconds without
#                     output (default $SLMQ_TEST_TIMEOUT or 180)
#   --test-max S      ... or after S seconds in all (default $SLMQ_TEST_MAX or 3600)
#
# Both watchdogs fire on lack of progress, not on elapsed time: TCG speed
# follows the host's load, and a slow machine must give a slow pass.
#   --mem SIZE        guest RAM (default 1G)
# SLMQ_VM_APPEND: more kernel command line (the debug kernel's options)
#
# Exit status: the status of the guest program when --run is a script,
# otherwise 0 when the guest reported "done"; 124 when QEMU was killed by
# the timeout; 1 when the guest died without reporting.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
cd "$REPO"
INITRD=build/vm/initramfs.cpio.gz
RUN=tests
OUT=build/vm
STREAM=
TIMEOUT=${SLMQ_VM_TIMEOUT:-3600}
TEST_TIMEOUT=${SLMQ_TEST_TIMEOUT:-180}
TEST_MAX=${SLMQ_TEST_MAX:-3600}
IDLE=${SLMQ_VM_IDLE:-}
MEM=1G
while [ $# -gt 0 ]; do
	case "$1" in
	--initrd) INITRD=$2; shift 2 ;;
	--run) RUN=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	--stream) STREAM=1; shift ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--test-timeout) TEST_TIMEOUT=$2; shift 2 ;;
	--test-max) TEST_MAX=$2; shift 2 ;;
	--idle) IDLE=$2; shift 2 ;;
	--mem) MEM=$2; shift 2 ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

IDLE=${IDLE:-$((TEST_TIMEOUT + 120))}
scripts/kernel/fetch.sh >/dev/null
. .cache/kernel/env.sh
# SLMQ_KERNEL_ENV=FILE: boot that kernel instead (the debug kernel's env.sh)
if [ -n "${SLMQ_KERNEL_ENV:-}" ]; then . "$SLMQ_KERNEL_ENV"; fi
mkdir -p "$OUT"
CONSOLE=$OUT/console.log
CHAN=$OUT/channel.log
: >"$CONSOLE"
: >"$CHAN"

# watch_idle PID: kill QEMU when neither serial log grew for $IDLE seconds
# (a hung guest: the guest's own watchdog prints within TEST_TIMEOUT).
watch_idle() {
	local last=-1 now quiet=0
	while kill -0 "$1" 2>/dev/null; do
		sleep 5
		now=$(($(stat -c %s "$CONSOLE") + $(stat -c %s "$CHAN")))
		if [ "$now" = "$last" ]; then
			quiet=$((quiet + 5))
		else
			quiet=0
			last=$now
		fi
		if [ "$quiet" -ge "$IDLE" ]; then
			echo "idle ${IDLE}s" >"$OUT/idle-kill"
			kill "$1" 2>/dev/null
			return
		fi
	done
}
rm -f "$OUT/idle-kill"

APPEND_MORE=${SLMQ_VM_APPEND:+ $SLMQ_VM_APPEND}
start=$(date +%s.%N)
timeout -k 5 "$TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m "$MEM" \
	-nodefaults -display none -monitor none -no-reboot \
	-serial "file:$CONSOLE" -serial "file:$CHAN" \
	-kernel "$SLMQ_VMLINUZ" -initrd "$INITRD" \
	-append "console=ttyS0 panic=-1 oops=panic quiet slmq_run=$RUN slmq_test_timeout=$TEST_TIMEOUT slmq_test_max=$TEST_MAX$APPEND_MORE" \
	</dev/null >"$OUT/qemu.log" 2>&1 &
qpid=$!
if [ -n "$STREAM" ]; then
	tail -n +1 -F --pid="$qpid" "$CHAN" 2>/dev/null | tr -d '\r' |
		sed -u -n 's/^@slmq out [^ ]* //p' &
fi
watch_idle "$qpid" &
wpid=$!
qrc=0
wait "$qpid" || qrc=$?
kill "$wpid" 2>/dev/null || true
wait
end=$(date +%s.%N)
printf '%.1f\n' "$(echo "$end - $start" | bc)" >"$OUT/elapsed"

[ "$qrc" = 124 ] && { echo "run.sh: guest killed after ${TIMEOUT}s in all" >&2; exit 124; }
[ -e "$OUT/idle-kill" ] && { echo "run.sh: guest killed: no serial output for ${IDLE}s" >&2; exit 124; }
tr -d '\r' <"$CHAN" >"$CHAN.tmp" && mv "$CHAN.tmp" "$CHAN"
grep -qx '@slmq done' "$CHAN" || { echo "run.sh: guest did not finish; see $CONSOLE" >&2; exit 1; }
if [ "$RUN" != tests ]; then
	rc=$(sed -n "s|^@slmq exit ${RUN##*/} ||p" "$CHAN" | tail -1)
	exit "${rc:-1}"
fi
exit 0
