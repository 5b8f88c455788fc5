#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The build prints one Kbuild-style line per step ("  CC      build/ctl/cli.o",
# "  AR", "  LD") and, with V=1, the full commands instead.  Runs after
# `make all tests`: the objects are current, so re-linking into a temporary
# path runs just the step under test.
set -u
cd "$(dirname "$0")/../.." || exit 1
unset MAKEFLAGS MAKELEVEL MFLAGS
T=$(mktemp -d /tmp/slmq-build-output.XXXXXX)
trap 'rm -rf "$T"' EXIT
n=0

ok() {	# ok COND-EXIT-CODE DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

# step TAG TARGET MAKE-ARGS...: quiet output is exactly "  TAG<pad>TARGET";
# then the same again (-W: as if its source changed) with V=1 prints the
# full command instead.
step() {
	local tag=$1 target=$2 want out
	shift 2
	want=$(printf '  %-7s %s' "$tag" "$target")
	rm -f "$target"
	out=$(make --no-print-directory "$@" "$target" 2>&1)
	ok "$([ "$out" = "$want" ] && echo 0 || echo 1)" "quiet $tag: '$want'$([ "$out" = "$want" ] || echo " (got: $(echo "$out" | head -3 | tr '\n' '|'))")"
	rm -f "$target"
	out=$(make --no-print-directory V=1 "$@" "$target" 2>&1)
	case $out in
	*"  $tag "*) ok 1 "V=1 $tag: full command, no short line (got: $out)" ;;
	*" -o $target "* | *" -o $target" | *"rcs $target "* | *">$target") ok 0 "V=1 $tag: the full command" ;;
	*) ok 1 "V=1 $tag: the full command (got: ${out:0:200})" ;;
	esac
}

step CC "$T/b/ctl/cli.o" O="$T/b"
step AR "$T/lib.a" LIB="$T/lib.a"
step LD "$T/slmqctl" SLMQCTL="$T/slmqctl"
cp build/tests/test_sha256 "$T/test_sha256.keep"
step CCLD build/tests/test_sha256
cp -p "$T/test_sha256.keep" build/tests/test_sha256
mkdir -p "$T/s/data"
step GEN "$T/s/data/test-head.bin" -C selftests OUTPUT="$T/s" SLMQ_KSFT_DIR=/nonexistent
echo "1..$n"
