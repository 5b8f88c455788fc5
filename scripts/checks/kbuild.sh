#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# slmq.ko as kernel reviewers would build it, TAP output:
#   - the Debian 6.12 build tree is fetched (scripts/kernel/fetch.sh)
#   - every engine source listed in kmod/engine/engine.mk exists
#   - slmq.ko builds with W=1, no warning from our files, vermagic = the guest
#   - sparse (C=2) has nothing to say about our files
#   - ymm (AVX) instructions appear in the AVX2 objects and nowhere else;
#     no SSE registers in objects built without the FPU
#   - checkpatch --no-tree -f is clean, one test per file of kmod/,
#     kmod/engine/ and uapi/linux/
#
# The build runs on a fresh copy in build/kbuild-check/ so that it compiles
# everything (W=1 only reports files it compiles) and never races with a
# developer's `make kmod` in the work tree.
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
cd "$REPO"
WORK=$REPO/build/kbuild-check
SRC=$WORK/src
JOBS=$(($(nproc) < 2 ? $(nproc) : 2))

# checkpatch types that do not apply to this tree, and why:
#   FILE_PATH_CHANGES  only meaningful for patches against a kernel tree
#   LINUX_VERSION_CODE we build against exactly one kernel, never test versions
CHECKPATCH_IGNORE=FILE_PATH_CHANGES,LINUX_VERSION_CODE
# Per-file additions (FILE=TYPES):
#   compat.h defines __printf for userspace builds, so it must spell out the
#   attribute the kernel macro stands for.
CHECKPATCH_FILE_IGNORE=(
	"kmod/engine/compat.h=PREFER_DEFINED_ATTRIBUTE_MACRO"
)
# NEW_TYPEDEFS is not counted on a typedef of a GCC vector type
# (float __attribute__((vector_size(32)))): those are only usable through one.

n=0
failed=0
tap() {	# tap OK|FAIL description [diagnostic file]
	n=$((n + 1))
	if [ "$1" = OK ]; then
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2"
		[ -n "${3:-}" ] && [ -s "$3" ] && sed -e "s|$SRC/||g" -e 's/^/# /' "$3" | head -40
	fi
	return 0
}
finish() {
	echo "1..$n"
	[ "$failed" = 0 ]
	exit
}

mkdir -p "$WORK"
exec 8>"$WORK/.lock"
flock 8			# one run at a time per work tree (shared build dir)
LOG=$WORK/logs
rm -rf "$LOG"
mkdir -p "$LOG"

# ---- the kernel build tree ------------------------------------------------
if scripts/kernel/fetch.sh >/dev/null 2>"$LOG/fetch.err" && . .cache/kernel/env.sh; then
	tap OK "Debian kernel build tree fetched ($SLMQ_KVER)"
else
	tap FAIL "Debian kernel build tree fetched" "$LOG/fetch.err"
	finish
fi

# ---- engine sources -------------------------------------------------------
engine_var() {
	make -s --no-print-directory -f - <<EOF
include kmod/engine/engine.mk
all: ; @echo \$($1)
EOF
}
ENGINE_SRCS=$(engine_var SLMQ_ENGINE_SRCS)
FPU_SRCS=$(engine_var SLMQ_ENGINE_FPU_SRCS)
AVX2_SRCS=$(engine_var SLMQ_ENGINE_AVX2_SRCS)
for s in $ENGINE_SRCS $FPU_SRCS $AVX2_SRCS; do
	if [ -f "kmod/engine/$s" ]; then
		tap OK "engine source kmod/engine/$s (listed in engine.mk) exists"
	else
		tap FAIL "engine source kmod/engine/$s (listed in engine.mk) exists"
	fi
done

# ---- build a fresh copy with W=1 ------------------------------------------
rm -rf "$SRC"
mkdir -p "$SRC"
tar -c --exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
	--exclude='.*.cmd' --exclude='*.d' --exclude='modules.order' \
	--exclude='Module.symvers' --exclude='.tmp_versions' \
	Kbuild kmod $( [ -d uapi ] && echo uapi) $( [ -d selftests ] && echo selftests) |
	tar -x -C "$SRC"

kmake() { make -C "$KDIR" M="$SRC" -j"$JOBS" -k "$@" modules; }

# Warning lines about our files: paths in the copy, cc1 (our flags), modpost.
# Absolute paths elsewhere are the kernel tree's own headers.
our_warnings() {
	grep -E '(warning|error|WARNING|ERROR)(:| )' "$1" | grep -E "^($SRC/|[^/])" |
		grep -vE '^make(\[[0-9]+\])?: '
}

kmake W=1 >"$LOG/w1.log" 2>&1
rc=$?
if [ $rc = 0 ] && [ -f "$SRC/kmod/slmq.ko" ]; then
	tap OK "slmq.ko builds (make -C \$KDIR M=... W=1 modules)"
else
	grep -E 'error|Error|No rule' "$LOG/w1.log" >"$LOG/w1.err"
	tap FAIL "slmq.ko builds (make -C \$KDIR M=... W=1 modules)" "$LOG/w1.err"
fi
our_warnings "$LOG/w1.log" >"$LOG/w1.warn"
if [ -s "$LOG/w1.warn" ]; then
	tap FAIL "no compiler or modpost warnings from our files with W=1" "$LOG/w1.warn"
else
	tap OK "no compiler or modpost warnings from our files with W=1"
fi

if [ -f "$SRC/kmod/slmq.ko" ]; then
	vm=$(modinfo -F vermagic "$SRC/kmod/slmq.ko" | awk '{print $1}')
	lic=$(modinfo -F license "$SRC/kmod/slmq.ko")
	if [ "$vm" = "$SLMQ_KVER" ] && [ "$lic" = GPL ]; then
		tap OK "slmq.ko vermagic $vm matches the guest kernel, license GPL"
	else
		echo "vermagic '$vm' (want $SLMQ_KVER), license '$lic' (want GPL)" >"$LOG/modinfo"
		tap FAIL "slmq.ko vermagic matches the guest kernel, license GPL" "$LOG/modinfo"
	fi
else
	tap FAIL "slmq.ko vermagic matches the guest kernel, license GPL (no slmq.ko)"
fi

# ---- sparse ---------------------------------------------------------------
# Same W=1 so nothing recompiles: what is new in the log is sparse's.
# sparse 0.6.4 has no model of GCC vector types (vector_size) or the
# __builtin_ia32_* functions, so sources using vector types (pure FPU
# arithmetic: no pointers to user memory, no locks, nothing sparse checks)
# are not given to it, and its "undefined identifier '__builtin_...'" about
# GCC builtins it does not know (e.g. __builtin_sqrtf) are not counted.
if command -v sparse >/dev/null; then
	cat >"$WORK/sparse" <<'EOF2'
#!/bin/sh
for a; do last=$a; done
case " $SLMQ_SPARSE_SKIP " in
*" ${last##*/} "*) echo "sparse-skipped: $last"; exit 0 ;;
esac
exec sparse "$@"
EOF2
	chmod +x "$WORK/sparse"
	# ... directly or through engine headers that define them, at any depth
	# (dot_vnni.h includes avx2_vec.h)
	vec_h=$(cd kmod/engine && grep -l 'vector_size' *.h 2>/dev/null | tr '\n' ' ')
	while :; do
		more=$vec_h
		for h in $vec_h; do
			more="$more $(cd kmod/engine && grep -lF "#include \"$h\"" *.h 2>/dev/null | tr '\n' ' ')"
		done
		more=$(echo $more | tr ' ' '\n' | sort -u | tr '\n' ' ')
		[ "$more" = "$vec_h" ] && break
		vec_h=$more
	done
	skip=$(cd kmod && {
		grep -l 'vector_size' *.c engine/*.c
		for h in $vec_h; do
			grep -lF "#include \"$h\"" engine/*.c
		done
	} 2>/dev/null | xargs -r -n1 basename | sort -u | tr '\n' ' ')
	SLMQ_SPARSE_SKIP=$skip kmake W=1 C=2 CHECK="$WORK/sparse" >"$LOG/sparse.log" 2>&1
	grep -E "^$SRC/.*: (warning|error):" "$LOG/sparse.log" |
		grep -v "error: undefined identifier '__builtin_" >"$LOG/sparse.warn"
	checked=$(($(grep -c '^  CHECK' "$LOG/sparse.log") - $(grep -c '^sparse-skipped' "$LOG/sparse.log")))
	if [ "$checked" -gt 0 ] && ! [ -s "$LOG/sparse.warn" ]; then
		tap OK "sparse (C=2) clean on $checked files (not given to sparse: ${skip:-none})"
	else
		[ "$checked" -gt 0 ] || echo "sparse checked no file" >>"$LOG/sparse.warn"
		tap FAIL "sparse (C=2) clean" "$LOG/sparse.warn"
	fi
else
	echo "sparse not installed (scripts/deps.sh)" >"$LOG/sparse.warn"
	tap FAIL "sparse (C=2) clean" "$LOG/sparse.warn"
fi

# ---- SIMD only where it is allowed ----------------------------------------
# GCC silently emits scalar code when the per-object flags are lost, and
# vector code anywhere outside kernel_fpu_begin()/end() corrupts user state.
regs() { objdump -d "$1" 2>/dev/null | grep -cE "%$2[0-9]"; }
for s in $AVX2_SRCS; do
	o=$SRC/kmod/engine/${s%.c}.o
	if [ -f "$o" ] && [ "$(regs "$o" ymm)" -gt 0 ]; then
		tap OK "ymm (AVX2) instructions in engine/${s%.c}.o"
	else
		tap FAIL "ymm (AVX2) instructions in engine/${s%.c}.o$([ -f "$o" ] || echo ' (not built)')"
	fi
done
: >"$LOG/ymm"
: >"$LOG/xmm"
fpu_objs=" $(for s in $FPU_SRCS $AVX2_SRCS; do printf '%s ' "engine/${s%.c}.o"; done)"
avx2_objs=" $(for s in $AVX2_SRCS; do printf '%s ' "engine/${s%.c}.o"; done)"
objs=$(cd "$SRC/kmod" && ls *.o engine/*.o 2>/dev/null | grep -vE '^slmq\.o$|\.mod\.o$')
for o in $objs; do
	case "$avx2_objs" in *" $o "*) continue ;; esac
	c=$(regs "$SRC/kmod/$o" ymm)
	[ "$c" -gt 0 ] && echo "$o: $c instructions use ymm" >>"$LOG/ymm"
	case "$fpu_objs" in *" $o "*) continue ;; esac
	c=$(regs "$SRC/kmod/$o" xmm)
	[ "$c" -gt 0 ] && echo "$o: $c instructions use xmm (built without FPU)" >>"$LOG/xmm"
done
count=$(echo "$objs" | grep -c .)
if [ "$count" -gt 0 ] && ! [ -s "$LOG/ymm" ]; then
	tap OK "no ymm instructions outside the AVX2 objects ($count objects)"
else
	tap FAIL "no ymm instructions outside the AVX2 objects ($count objects)" "$LOG/ymm"
fi
if [ "$count" -gt 0 ] && ! [ -s "$LOG/xmm" ]; then
	tap OK "no SSE registers in objects built without the FPU"
else
	tap FAIL "no SSE registers in objects built without the FPU" "$LOG/xmm"
fi

# ---- checkpatch -----------------------------------------------------------
# Two checkpatch reports are dropped after looking at the line they name:
# COMPLEX_MACRO on a #define whose whole body is one floating-point literal
# (checkpatch reads "1.9e-10" as an expression), and NEW_TYPEDEFS on a GCC
# vector type (see above).
drop_false_positives() {
	local f=$1 line num src
	while IFS= read -r line; do
		num=$(echo "$line" | cut -d: -f2)
		src=$(sed -n "${num}p" "$f" 2>/dev/null)
		case "$line" in
		*COMPLEX_MACRO*)
			echo "$src" | grep -qE \
				'^#define[[:space:]]+[A-Za-z0-9_]+[[:space:]]+[-+]?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?[fFlL]?[[:space:]]*(/\*.*\*/)?[[:space:]]*$' &&
				continue
			;;
		*NEW_TYPEDEFS*)
			echo "$src" | grep -qE '^typedef .*__attribute__\(\(vector_size\([0-9]+\)\)\)' &&
				continue
			;;
		esac
		echo "$line"
	done
}
for f in $(ls kmod/*.[ch] kmod/engine/*.[ch] uapi/linux/*.h 2>/dev/null | grep -v '\.mod\.c$'); do
	ignore=$CHECKPATCH_IGNORE
	for e in "${CHECKPATCH_FILE_IGNORE[@]}"; do
		[ "${e%%=*}" = "$f" ] && ignore="$ignore,${e#*=}"
	done
	perl "$SLMQ_CHECKPATCH" --no-tree -f --terse --show-types --no-summary \
		--ignore "$ignore" "$f" 2>&1 | drop_false_positives "$f" >"$LOG/checkpatch.out"
	if [ -s "$LOG/checkpatch.out" ]; then
		tap FAIL "checkpatch $f" "$LOG/checkpatch.out"
	else
		tap OK "checkpatch $f"
	fi
done
finish
