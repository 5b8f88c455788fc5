#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build what goes into the test VM.  Steps (default: all, in this order):
#   kmod       make kmod: kmod/slmq.ko and selftests/*.ko (selftests/Kbuild)
#   slmqctl    make (tools/slmqctl/slmqctl), then the same objects linked
#              statically into build/vm/slmqctl for the guest (no shared
#              libraries to carry; falls back to the dynamic binary + ldd)
#   selftests  make -C selftests OUTPUT=<repo>/build/selftests
#              SLMQCTL=<repo>/tools/slmqctl/slmqctl, with .cache/kernel/env.sh
#              exported (KDIR, SLMQ_KSFT_DIR, ...); skipped without
#              selftests/Makefile
# SLMQ_KERNEL_ENV=FILE (another kernel's env.sh, e.g. the debug kernel's)
# builds the modules against its KDIR instead.
# Exit status: that of the first failing step.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
cd "$REPO"
log() { echo "vm-build: $*" >&2; }
mkdir -p build
exec 7>build/.vm-build.lock
flock 7			# concurrent kernel builds in one tree corrupt each other

step_kmod() {
	# Modules are built for one kernel at a time (Debian's or the debug
	# one): a .ko only the other kernel's config builds (slmq_kunit.ko
	# needs CONFIG_KUNIT) must not ride along into this guest.
	rm -f kmod/*.ko selftests/*.ko
	make --no-print-directory kmod
}

step_slmqctl() {
	local libs
	make --no-print-directory || return
	libs="-static -Wl,--start-group $(pkg-config --static --libs libnl-genl-3.0 json-c)"
	libs="$libs -llapacke -lopenblas -lgfortran -lquadmath -lm -lpthread -Wl,--end-group"
	mkdir -p build/vm
	if make --no-print-directory build/vm/slmqctl SLMQCTL=build/vm/slmqctl \
		LDLIBS="$libs" >build/vm/slmqctl-static.log 2>&1 && strip build/vm/slmqctl; then
		return 0
	fi
	log "static slmqctl failed (build/vm/slmqctl-static.log); the guest gets the dynamic one"
	rm -f build/vm/slmqctl
	return 0
}

step_selftests() {
	[ -f selftests/Makefile ] || { log "no selftests/Makefile"; return 0; }
	scripts/kernel/fetch.sh >/dev/null || return
	set -a
	. .cache/kernel/env.sh
	if [ -n "${SLMQ_KERNEL_ENV:-}" ]; then . "$SLMQ_KERNEL_ENV"; fi
	set +a
	mkdir -p build/selftests
	make --no-print-directory -C selftests OUTPUT="$REPO/build/selftests" \
		SLMQCTL="$REPO/tools/slmqctl/slmqctl"
}

steps=${*:-kmod slmqctl selftests}
for s in $steps; do
	case "$s" in
	kmod | slmqctl | selftests) "step_$s" || { log "$s failed"; exit 1; } ;;
	*) log "unknown step $s"; exit 2 ;;
	esac
done
