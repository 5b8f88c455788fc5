#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The engine on arm64 and riscv64 under qemu-user, against x86-64 in the same
# run, TAP output.  tools/slmqctl/tests/xengine.c (the engine alone, no
# json-c/libnl/LAPACK) is built natively and statically with each cross
# compiler (`make xengine O=build/cross-ARCH CC=...-gcc`), then:
#   - kernels: under qemu-aarch64-static -cpu cortex-a72 (ARMv8.0: the
#     "neon" table) and -cpu max (ARMv8.2+ with sdot: "dotprod", and "neon"
#     pinned with SLMQ_CPU), every row kernel, both layouts, and attention
#     against the generic C kernels on random data: block types bit for bit
#   - the SIMD tables are really there: sdot in dot_neon_dp.o only, and the
#     "dotprod" table refused on a Cortex-A72
#   - figures: pcilm-tiny quantized by this tree's slmqctl to Q8_0, Q4_0 and
#     Q4_1 (every matrix, output head too, block-quantized), then on every
#     CPU and kernel path the reference perplexity protocol over the first
#     $SLMQ_CROSS_TOKENS test tokens (hashes of every NLL's and logit's
#     bits, the NLL sum's bits), a greedy continuation and the tokenizer's
#     ids must be byte for byte those of the x86-64 run (AVX2, G8 layout):
#     x86-64 generic, arm64 neon and dotprod (G8 and ggml layouts), arm64
#     generic, riscv64 generic; and the x86-64 perplexity is what
#     `slmqctl perplexity` reports for the same tokens.
#   - slmq.ko (and the selftest module) cross-build for arm64 against
#     Debian bookworm's 6.12 arm64 headers (scripts/kernel/fetch-cross.sh)
#     with W=1 and no warning; vermagic is that kernel's; FP/SIMD registers
#     only in the FPU objects; sdot only in dot_neon_dp.o.
#   - the same for riscv64 against trixie's 6.12 riscv64 headers: W=1 and
#     no warning, vermagic 6.12.*+deb13-riscv64, F/D instructions only in
#     the FPU objects, no vector instruction at all.
# The full protocol (100000 tokens) is SLMQ_CROSS_TOKENS=100000: minutes per
# model under emulation, so the default is 1024 (4 windows of 256).
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
cd "$REPO" || exit 1
TOKENS=${SLMQ_CROSS_TOKENS:-1024}
DATA=${SLMQ_FIXTURES:-fixtures}/oscorpus/test.bin
MODEL=${SLMQ_FIXTURES:-fixtures}/pcilm-tiny
CTL=tools/slmqctl/slmqctl
WORK=$REPO/build/cross-check
JOBS=$(($(nproc) < 2 ? $(nproc) : 2))
A64=qemu-aarch64-static
RV64=qemu-riscv64-static

n=0
failed=0
tap() {	# tap OK|FAIL description [diagnostic file]
	n=$((n + 1))
	if [ "$1" = OK ]; then
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2"
		[ -n "${3:-}" ] && [ -s "$3" ] && sed 's/^/# /' "$3" | head -30
	fi
	return 0
}
check() {	# check DESCRIPTION [diagnostic file] -- COMMAND...: OK when it exits 0
	local what=$1 diag=$2
	shift 3
	if "$@"; then tap OK "$what"; else tap FAIL "$what" "$diag"; fi
}
finish() {
	echo "1..$n"
	[ "$failed" = 0 ]
	exit
}

for t in aarch64-linux-gnu-gcc riscv64-linux-gnu-gcc $A64 $RV64 jq; do
	command -v "$t" >/dev/null || { echo "1..0 # SKIP $t missing (scripts/deps.sh installs it)"; exit 0; }
done
mkdir -p "$WORK"
exec 8>"$WORK/.lock"
flock 8
LOG=$WORK/logs
rm -rf "$LOG"
mkdir -p "$LOG"
t0=$(date +%s)

# --- builds: native, arm64, riscv64 (static), each in its own O= tree
build() {	# build NAME CC [LDFLAGS]
	make --no-print-directory -j"$JOBS" O="build/cross-$1" CC="$2" \
		XENGINE_LDFLAGS="${3:-}" "build/cross-$1/xengine" >"$LOG/build-$1.log" 2>&1 &&
		! grep -E 'warning:|error:' "$LOG/build-$1.log" >"$LOG/build-$1.warn"
}
check "xengine builds natively, warning-free" "$LOG/build-native.log" -- build native "${CC:-gcc}"
check "xengine cross-builds for arm64 (aarch64-linux-gnu-gcc, static), warning-free" \
	"$LOG/build-arm64.log" -- build arm64 aarch64-linux-gnu-gcc -static
check "xengine cross-builds for riscv64 (riscv64-linux-gnu-gcc, static), warning-free" \
	"$LOG/build-riscv64.log" -- build riscv64 riscv64-linux-gnu-gcc -static
X86=build/cross-native/xengine
ARM=build/cross-arm64/xengine
RV=build/cross-riscv64/xengine
[ -x "$X86" ] && [ -x "$ARM" ] && [ -x "$RV" ] || finish

# sdot only where the dotprod table is built; the baseline table has none
sdot() {	# sdot OBJ -> count of sdot instructions
	aarch64-linux-gnu-objdump -d "build/cross-arm64/engine/$1" | grep -cw sdot
}
nd=$(sdot dot_neon_dp.o)
nn=$(sdot dot_neon.o)
check "sdot in dot_neon_dp.o ($nd) and not in the ARMv8.0 dot_neon.o ($nn)" "" -- \
	test "$nd" -gt 0 -a "$nn" = 0

# --- kernels against generic on each emulated CPU
kernels() {	# kernels TAG DESCRIPTION CMD...: the TAP of xengine kernels as one test
	local tag=$1 what=$2 out=$LOG/kernels-$1.tap okc bad plan
	shift 2
	"$@" kernels >"$out" 2>&1
	okc=$(grep -c '^ok ' "$out")
	bad=$(grep -c '^not ok ' "$out")
	plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$out")
	grep '^not ok' "$out" >"$LOG/kernels-$tag.fail"
	if [ -n "$plan" ] && [ "$plan" -gt 0 ] && [ "$bad" = 0 ] && [ "$okc" = "$plan" ]; then
		tap OK "$what: $okc kernel checks pass (block types and attention bit for bit)"
	else
		tap FAIL "$what: $okc of ${plan:-?} kernel checks pass" "$LOG/kernels-$tag.fail"
	fi
}
kernels x86 "x86-64 $("$X86" kernels 2>/dev/null | sed -n 's/^# kernels: \([a-z0-9]*\).*/\1/p')" "$X86"
kernels a72 "arm64 -cpu cortex-a72 (neon)" env SLMQ_CPU=neon $A64 -cpu cortex-a72 "$ARM"
kernels max "arm64 -cpu max (dotprod)" env SLMQ_CPU=dotprod $A64 -cpu max "$ARM"
kernels maxneon "arm64 -cpu max, SLMQ_CPU=neon" env SLMQ_CPU=neon $A64 -cpu max "$ARM"
chosen() {	# chosen QEMU-CPU: the table auto picks
	$A64 -cpu "$1" "$ARM" kernels 2>/dev/null | sed -n 's/^# kernels: \([a-z0-9]*\).*/\1/p'
}
a=$(chosen cortex-a72)
b=$(chosen max)
check "auto picks neon on a Cortex-A72 ($a) and dotprod on -cpu max ($b)" "" -- \
	test "$a" = neon -a "$b" = dotprod
refused() {
	SLMQ_CPU=dotprod $A64 -cpu cortex-a72 "$ARM" kernels >"$LOG/refuse.out" 2>&1
	[ $? = 1 ] && grep -q "lacks the instructions" "$LOG/refuse.out"
}
check "SLMQ_CPU=dotprod on a Cortex-A72 is refused with one line" "$LOG/refuse.out" -- refused

# --- figures: the same bits on every CPU and path
if [ ! -x "$CTL" ]; then
	tap FAIL "slmqctl is built (make all): it quantizes the fixture"
	finish
fi
for q in q8_0:"--bits 8" q4_0:"--bits 4 --group-size 32" q4_1:"--bits 4 --asym --group-size 32"; do
	name=${q%%:*}
	# shellcheck disable=SC2086
	if ! "$CTL" quantize "$MODEL" -o "$WORK/$name" --method rtn ${q#*:} --json \
		>"$LOG/quantize-$name.log" 2>&1; then
		tap FAIL "pcilm-tiny $name: quantize" "$LOG/quantize-$name.log"
		continue
	fi
	gguf=$WORK/$name/model.gguf
	ref=$LOG/$name-x86-avx2-g8.out
	if ! "$X86" run "$gguf" "$DATA" "$TOKENS" g8 >"$ref" 2>&1; then
		tap FAIL "pcilm-tiny $name: the x86-64 reference run" "$ref"
		continue
	fi
	sed '1,/^--$/d' "$ref" >"$ref.bits"
	ppl=$(sed -n 's/^ppl \([0-9.]*\).*/\1/p' "$ref")
	# xengine's protocol is slmqctl perplexity's: the same figure on the same tokens
	cp=$("$CTL" perplexity "$gguf" --data "$DATA" --ctx 256 --max-tokens "$TOKENS" --json \
		2>"$LOG/ppl-$name.err" | jq -r '.ppl // empty')
	cp=$(printf '%.6f' "${cp:-0}")
	check "pcilm-tiny $name: xengine's perplexity on x86-64 is slmqctl perplexity's ($ppl, $cp)" \
		"$LOG/ppl-$name.err" -- test "$ppl" = "$cp"
	scored=$(sed -n 's/^scored //p' "$ref.bits")
	same=0
	total=0
	for run in "x86-generic:env SLMQ_CPU=generic $X86:" \
		   "x86-generic-ggml:env SLMQ_CPU=generic $X86:ggml" \
		   "arm64-a72-neon-g8:env SLMQ_CPU=neon $A64 -cpu cortex-a72 $ARM:" \
		   "arm64-a72-neon-ggml:env SLMQ_CPU=neon $A64 -cpu cortex-a72 $ARM:ggml" \
		   "arm64-a72-generic:env SLMQ_CPU=generic $A64 -cpu cortex-a72 $ARM:" \
		   "arm64-max-dotprod-g8:env SLMQ_CPU=dotprod $A64 -cpu max $ARM:" \
		   "arm64-max-dotprod-ggml:env SLMQ_CPU=dotprod $A64 -cpu max $ARM:ggml" \
		   "riscv64-generic:$RV64 $RV:"; do
		tag=${run%%:*}
		rest=${run#*:}
		cmd=${rest%:*}
		layout=${rest##*:}
		out=$LOG/$name-$tag.out
		total=$((total + 1))
		g8=g8
		[ "$layout" = ggml ] && g8=
		# shellcheck disable=SC2086
		$cmd run "$gguf" "$DATA" "$TOKENS" $g8 >"$out" 2>&1
		sed '1,/^--$/d' "$out" >"$out.bits"
		if [ -s "$out.bits" ] && cmp -s "$ref.bits" "$out.bits"; then
			same=$((same + 1))
		else
			diff "$ref.bits" "$out.bits" >"$out.diff" 2>&1
			cat "$out" >>"$out.diff"
			tap FAIL "pcilm-tiny $name $tag: figures differ from x86-64's" "$out.diff"
		fi
	done
	check "pcilm-tiny $name: $same of $total runs (x86-64 generic, arm64 neon/dotprod/generic, riscv64) give x86-64 AVX2's bits: $scored NLLs, logits, greedy tokens, tokenizer ids (ppl $ppl)" \
		"" -- test "$same" = "$total"
done
# --- slmq.ko for arm64 and riscv64: Debian's 6.12 headers, W=1, a fresh copy
# shellcheck disable=SC1090
# (a subshell, and the fetch without the other architecture's SLMQ_KVER and
# KDIR, which the checks below source: fetch.sh would take them for a pin)
kmod_cross() (	# kmod_cross ARCH
	src=$WORK/kmod-$1
	rm -rf "$src"
	mkdir -p "$src"
	cp -r Kbuild kmod uapi selftests "$src/" &&
		env -u SLMQ_KVER -u KDIR scripts/kernel/fetch-cross.sh "$1" \
			>"$LOG/kmod-$1.env" 2>"$LOG/kmod-$1.log" &&
		. ".cache/kernel-$1/env.sh" &&
		make -C "$KDIR" ARCH="$KARCH" CROSS_COMPILE="$CROSS_COMPILE" M="$src" W=1 \
			-j"$JOBS" modules >>"$LOG/kmod-$1.log" 2>&1 &&
		! grep -E 'warning:|error:' "$LOG/kmod-$1.log" >"$LOG/kmod-$1.warn"
)
KO=$WORK/kmod-arm64/kmod/slmq.ko
check "slmq.ko cross-builds for arm64 against Debian's 6.12 arm64 headers with W=1, warning-free" \
	"$LOG/kmod-arm64.log" -- kmod_cross arm64
if [ -f "$KO" ]; then
	# shellcheck disable=SC1091
	. .cache/kernel-arm64/env.sh
	vm=$(modinfo -F vermagic "$KO" 2>/dev/null)
	vermagic_ok() {
		[[ $vm == "$SLMQ_KVER "* ]] && file "$KO" | grep -q "ARM aarch64"
	}
	check "slmq.ko vermagic is the arm64 kernel's ($vm)" "" -- vermagic_ok
	# FP/SIMD registers only in the objects built with the FPU (engine.mk's lists)
	fpu_objs=" $(sed -n 's/^SLMQ_ENGINE_FPU_SRCS := //p' kmod/engine/engine.mk) dot_neon.c dot_neon_dp.c "
	bad=""
	for o in "$WORK"/kmod-arm64/kmod/*.o "$WORK"/kmod-arm64/kmod/engine/*.o; do
		b=$(basename "$o" .o)
		case $b in slmq|*.mod) continue ;; esac
		[[ $fpu_objs == *" $b.c "* ]] && continue
		aarch64-linux-gnu-objdump -d "$o" | grep -qE '\s[vqds][0-9]+(\.|,|$)' && bad="$bad $b.o"
	done
	check "arm64 slmq.ko: no FP/SIMD register outside the FPU objects${bad:+ (in:$bad)}" "" -- \
		test -z "$bad"
	dp=$(aarch64-linux-gnu-objdump -d "$WORK/kmod-arm64/kmod/engine/dot_neon_dp.o" | grep -cw sdot)
	dn=$(aarch64-linux-gnu-objdump -d "$WORK/kmod-arm64/kmod/engine/dot_neon.o" | grep -cw sdot)
	check "arm64 slmq.ko: sdot in dot_neon_dp.o ($dp) only (dot_neon.o: $dn)" "" -- \
		test "$dp" -gt 0 -a "$dn" = 0
fi
# riscv64: trixie's headers (GCC 14's kernel) with bookworm's GCC 12; the FPU
# objects get F and D (CC_FLAGS_FPU), never V: kernel_fpu_begin() does not
# save the vector state, and CC_FLAGS_FPU leaves V out.
check "slmq.ko cross-builds for riscv64 against Debian trixie's 6.12 riscv64 headers with W=1, warning-free" \
	"$LOG/kmod-riscv64.log" -- kmod_cross riscv64
KO=$WORK/kmod-riscv64/kmod/slmq.ko
if [ -f "$KO" ]; then
	# shellcheck disable=SC1091
	. .cache/kernel-riscv64/env.sh
	vm=$(modinfo -F vermagic "$KO" 2>/dev/null)
	rv_vermagic_ok() {
		[[ $SLMQ_KVER == 6.12.*+deb13-riscv64 && $vm == "$SLMQ_KVER "* ]] &&
			file "$KO" | grep -q "RISC-V" &&
			[ "$(modinfo -F vermagic "$WORK/kmod-riscv64/selftests/slmq_api_test.ko")" = "$vm" ]
	}
	check "riscv64 slmq.ko and slmq_api_test.ko vermagic is trixie's riscv64 kernel's ($vm)" "" -- \
		rv_vermagic_ok
	# Every mnemonic of the F/D extensions starts with f (fence is not one).
	rvinsns() {	# rvinsns OBJ: the mnemonics
		riscv64-linux-gnu-objdump -d --no-show-raw-insn "$1" | sed -n 's/^ *[0-9a-f]*:\t\([a-z0-9.]*\).*/\1/p'
	}
	fpu_objs=" $(sed -n 's/^SLMQ_ENGINE_FPU_SRCS := //p' kmod/engine/engine.mk) "
	bad=""
	vec=""
	nfp=0
	for o in "$WORK"/kmod-riscv64/kmod/*.o "$WORK"/kmod-riscv64/kmod/engine/*.o \
		 "$WORK"/kmod-riscv64/selftests/*.o; do
		b=$(basename "$o" .o)
		case $b in slmq|*.mod) continue ;; esac
		rvinsns "$o" >"$LOG/rv-$b.insns"
		f=$(grep -E '^f' "$LOG/rv-$b.insns" | grep -cvE '^fence')
		grep -qE '^v' "$LOG/rv-$b.insns" && vec="$vec $b.o"
		if [[ $fpu_objs == *" $b.c "* ]]; then
			nfp=$((nfp + f))
		elif [ "$f" -gt 0 ]; then
			bad="$bad $b.o"
		fi
	done
	check "riscv64 slmq.ko: F/D instructions only in the FPU objects ($nfp there)${bad:+ (also in:$bad)}" "" -- \
		test -z "$bad" -a "$nfp" -gt 0
	check "riscv64 slmq.ko: no vector (V) instruction anywhere${vec:+ (in:$vec)}" "" -- test -z "$vec"
fi
echo "# cross suite: $(($(date +%s) - t0)) s, $TOKENS tokens per run"
finish
