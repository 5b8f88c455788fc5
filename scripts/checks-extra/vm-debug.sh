#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest tests (scripts/checks/vm.sh) under the debug kernel of
# scripts/kernel/debug-kernel.sh: KASAN, kmemleak, lockdep + PROVE_RCU,
# DEBUG_ATOMIC_SLEEP, debug objects, soft-lockup and hung-task detectors,
# fault injection.  slmq.ko and the test modules are built against its tree,
# the guest boots it with more memory (KASAN's shadow), and:
#   - any report of those checkers in the kernel log fails "kernel log clean"
#     with the report's first lines (vm.sh; patterns in scripts/vm/guest-lib.sh);
#   - the guest scans for leaks after the last test (scripts/vm/guest-init.sh):
#     a kmemleak report fails the same test;
#   - the boot log must show KASAN, kmemleak and lockdep initialized.
# When the kernel has not been built on this machine the suite prints
# "1..0 # SKIP" with how to build it (`make debug-kernel`, once per machine);
# `make check-debug` builds it first.  Logs: build/vm-debug/.
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
cd "$REPO"
mkdir -p build/vm-debug
if ! env=$(scripts/kernel/debug-kernel.sh --cached 2>build/vm-debug/cached.log); then
	echo "1..0 # SKIP debug kernel not built on this machine: run \`make debug-kernel\` once (about 25 min on 2 cores), or \`make check-debug\`"
	exit 0
fi
# Only its path: its variables (SLMQ_KVER ...) would pin fetch.sh to a
# Debian version that does not exist; the scripts source it themselves.
export SLMQ_KERNEL_ENV=$(eval "$env"; echo "$SLMQ_DEBUG_KERNEL")/env.sh
export SLMQ_VM_OUT=build/vm-debug
export SLMQ_VM_MEM=${SLMQ_VM_MEM:-2G}
# Report every KASAN bug, not only the first; a large log buffer keeps the
# reports (and fault-injection stacks) until the guest reads it at the end;
# no_timer_check: on a loaded host the slow TCG guest failed the IO-APIC
# timer check at boot ("IO-APIC + timer doesn't work!", a panic).
export SLMQ_VM_APPEND="kasan_multi_shot log_buf_len=8M no_timer_check ${SLMQ_VM_APPEND:-}"
# The checkers make the guest several times slower under TCG.
export SLMQ_TEST_TIMEOUT=${SLMQ_TEST_TIMEOUT:-1200}
export SLMQ_VM_TIMEOUT=${SLMQ_VM_TIMEOUT:-5400}
export SLMQ_VM_BOOT_EXPECT='KernelAddressSanitizer initialized
kmemleak: Kernel memory leak detector initialized
Lock dependency validator'
exec scripts/checks/vm.sh
