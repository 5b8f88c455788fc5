#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fuzz smoke test (TAP): builds each libFuzzer target in tools/slmqctl/fuzz/
# with clang -fsanitize=fuzzer,address,undefined against the engine and the
# slmqctl parsers it needs, seeds it from the fixtures (make_seeds.py, at run
# time) and runs it (see below).  "ok" = no crash, leak,
# sanitizer report or timeout.
# Every input that once crashed a target is kept in
# tools/slmqctl/fuzz/regressions/<target>/ and replayed first on every run.
# `make check` runs FUZZ_RUNS (default 200000) inputs per target with
# FUZZ_SEED 1, from the seeds alone: the same amount of search on every
# machine, however fast (FUZZ_SECONDS then only caps a slow one), and the
# same path through it up to what the run cannot pin (json-c's random hash
# seed and addresses shift coverage slightly from run to run).
# `make fuzz` sets FUZZ_SEED=0 (libFuzzer picks one), runs each target for
# FUZZ_SECONDS and keeps what it finds in build/fuzz/corpus/.
set -u
cd "$(dirname "$0")/../.."
SEED=${FUZZ_SEED:-1}
if [ "$SEED" = 0 ]; then
	S=${FUZZ_SECONDS:-300}
	RUNS=-1
else
	S=${FUZZ_SECONDS:-180}
	RUNS=${FUZZ_RUNS:-200000}
fi
REG=tools/slmqctl/fuzz/regressions
O=build/fuzz
CLANG=${CLANG:-$(command -v clang-14 || command -v clang)}
FIX=${SLMQ_FIXTURES:-fixtures}
n=0
fails=0

ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fails=$((fails + 1)); fi
}

if [ -z "$CLANG" ]; then
	echo "1..0 # SKIP clang not installed (make deps)"
	exit 0
fi
mkdir -p "$O/obj" "$O/artifacts"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
CFLAGS="-g -O1 -std=gnu11 -D_GNU_SOURCE -fno-strict-aliasing $(pkg-config --cflags json-c)"
eval "$(make -s -f kmod/engine/engine.mk -f - <<'MK'
print:
	@echo 'SRCS="$(SLMQ_ENGINE_SRCS)"; FPU_SRCS="$(SLMQ_ENGINE_FPU_SRCS)"; FPUF="$(SLMQ_ENGINE_FPU_FLAGS)"'
	@echo 'AVX2_SRCS="$(SLMQ_ENGINE_AVX2_SRCS)"; AVX2F="$(SLMQ_ENGINE_AVX2_FLAGS)"'
	@echo 'AVX512VNNI_SRCS="$(SLMQ_ENGINE_AVX512VNNI_SRCS)"; AVX512VNNIF="$(SLMQ_ENGINE_AVX512VNNI_FLAGS)"'
	@echo 'AVXVNNI_SRCS="$(SLMQ_ENGINE_AVXVNNI_SRCS)"; AVXVNNIF="$(SLMQ_ENGINE_AVXVNNI_FLAGS)"'
MK
)"

# The whole engine: the parsers, and the kernels a loaded model runs on
# (fuzz_gguf and fuzz_sampler run a few tokens), sanitized.  The AVX2
# kernels use GCC-only builtins: built by gcc without instrumentation, only
# so that the dispatch in forward.c links; the targets run the generic ones.
build_objs() {
	local f objs=""
	for f in $SRCS; do
		"$CLANG" $CFLAGS $SAN -fsanitize=fuzzer-no-link $FPUF -c "kmod/engine/$f" -o "$O/obj/${f%.c}.o" || return 1
		objs="$objs $O/obj/${f%.c}.o"
	done
	# kernels: edge coverage but no comparison tracing (~10x the time of
	# the loops themselves, and floats are not what the mutator solves for)
	for f in $FPU_SRCS; do
		"$CLANG" $CFLAGS $SAN -fsanitize=fuzzer-no-link -fno-sanitize-coverage=trace-cmp \
			$FPUF -c "kmod/engine/$f" -o "$O/obj/${f%.c}.o" || return 1
		objs="$objs $O/obj/${f%.c}.o"
	done
	for f in $AVX2_SRCS; do
		local vf=""	# the VNNI files' flags on top of AVX2's
		case " $AVX512VNNI_SRCS " in *" $f "*) vf=$AVX512VNNIF ;; esac
		case " $AVXVNNI_SRCS " in *" $f "*) vf=$AVXVNNIF ;; esac
		${CC:-gcc} -O2 -std=gnu11 -D_GNU_SOURCE -fno-strict-aliasing $FPUF $AVX2F $vf -c "kmod/engine/$f" -o "$O/obj/${f%.c}.o" || return 1
		objs="$objs $O/obj/${f%.c}.o"
	done
	for f in cli gguf_writer safetensors hf_model hf_tokenizer eval_data eval_osbench eval_gen eval_pool pool; do
		"$CLANG" $CFLAGS $SAN -fsanitize=fuzzer-no-link -c "tools/slmqctl/$f.c" -o "$O/obj/ctl_$f.o" || return 1
		objs="$objs $O/obj/ctl_$f.o"
	done
	for f in verdict gguf_meta; do	# validation metadata (fuzz_verdict)
		"$CLANG" $CFLAGS $SAN -fsanitize=fuzzer-no-link -c "tools/slmqctl/validate/$f.c" -o "$O/obj/val_$f.o" || return 1
		objs="$objs $O/obj/val_$f.o"
	done
	for f in calib mixed; do	# quantizer inputs (fuzz_calib)
		"$CLANG" $CFLAGS $SAN -fsanitize=fuzzer-no-link -c "tools/slmqctl/quant/$f.c" -o "$O/obj/quant_$f.o" || return 1
		objs="$objs $O/obj/quant_$f.o"
	done
	rm -f "$O/libfuzzslmq.a"
	ar rcs "$O/libfuzzslmq.a" $objs
}

build_objs >"$O/build.log" 2>&1
ok $? "engine and parsers build with $(basename "$CLANG") -fsanitize=fuzzer-no-link,address,undefined"
python3 tools/slmqctl/fuzz/make_seeds.py "$FIX" "$O/seeds" >>"$O/build.log" 2>&1
ok $? "seed corpora generated from the fixtures"

for t in gguf safetensors json_config tokenizer verdict calib evaldata osbench tokconfig sampler; do
	bin=$O/fuzz_$t
	if ! "$CLANG" $CFLAGS $SAN -fsanitize=fuzzer -o "$bin" "tools/slmqctl/fuzz/fuzz_$t.c" \
		"$O/libfuzzslmq.a" $(pkg-config --libs json-c) -lm -lpthread >"$O/fuzz_$t.build.log" 2>&1; then
		ok 1 "fuzz_$t builds (see $O/fuzz_$t.build.log)"
		continue
	fi
	# check mode starts from the seeds alone each time; make fuzz keeps what it found
	corpus=$O/corpus/$t
	if [ "$SEED" != 0 ]; then
		corpus=$O/corpus-check/$t
		rm -rf "$corpus"
	fi
	mkdir -p "$corpus"
	if [ -d "$REG/$t" ]; then
		"$bin" -runs=0 "$REG"/"$t"/* >"$O/fuzz_$t.regress.log" 2>&1
		rc=$?
		ok $rc "fuzz_$t: $(ls "$REG/$t" | wc -l) past crash input(s) in $REG/$t handled"
		[ $rc = 0 ] || grep -m3 -E 'ERROR|runtime error|SUMMARY' "$O/fuzz_$t.regress.log" | sed 's/^/# /'
	fi
	SLMQ_FIXTURES=$FIX "$bin" -seed="$SEED" -runs="$RUNS" -max_total_time="$S" -max_len=65536 -timeout=10 \
		-rss_limit_mb=2048 -artifact_prefix="$O/artifacts/$t-" -print_final_stats=1 \
		"$corpus" "$O/seeds/$([ -d "$O/seeds/$t" ] && echo "$t" || echo gguf)" >"$O/fuzz_$t.log" 2>&1
	rc=$?
	runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$O/fuzz_$t.log" | grep -oE '[0-9]+$')
	ok $rc "fuzz_$t: ${runs:-?} inputs (seed $SEED) without a crash (log: $O/fuzz_$t.log)"
	[ $rc = 0 ] || grep -m3 -E 'ERROR|runtime error|SUMMARY' "$O/fuzz_$t.log" | sed 's/^/# /'
done
echo "1..$n"
[ $fails = 0 ]
