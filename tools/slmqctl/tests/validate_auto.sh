#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# slmqctl validate and quantize --auto end to end on fixtures/pcilm-tiny:
# a deliberately broken model is REJECTED with the failed criteria named;
# each fallback rung of --auto is forced with tightened thresholds and the
# summary must record it; checkpoint selection picks the better checkpoint;
# every report and summary validates against Documentation/schemas; the
# artifacts (stamped GGUF, HF GPTQ layout) are where the layout says.
#
# Nothing here depends on timing: the speed criterion is switched off with
# --min-speedup 0 where a verdict must come out ACCEPTED, and only the
# presence and sanity of the measured speed fields is checked.
set -u
cd "$(dirname "$0")/../../.."
CTL=${SLMQCTL:-tools/slmqctl/slmqctl}
H=tools/slmqctl/tests/validate_helpers.py
SCH=Documentation/schemas
FIXD=${SLMQ_FIXTURES:-fixtures}
FIX=$FIXD/pcilm-tiny
EVAL=$FIXD/oscorpus/test.bin
CAL=$FIXD/oscorpus/val.bin
T=$(mktemp -d /tmp/slmq-validate.XXXXXX)
trap 'rm -rf "$T"' EXIT
n=0

ok() {	# ok EXIT-CODE DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

# Small, fast measurement settings shared by every run (still the real protocol).
FAST=(--eval "$EVAL" --eval-tokens 5120 --speed-runs 1 --speed-tokens 16 --gen-tokens 24 --gen-sampled 1)
RELAX=(--min-speedup 0 --min-size-ratio-int4 1 --min-size-ratio-int8 1 --max-gen-failures 100)

jqv() { jq -r "$1" "$2" 2>/dev/null; }

# --- validate: a good INT8 model and a broken one ---------------------------
"$CTL" quantize "$FIX" -o "$T/q8" --bits 8 >/dev/null 2>&1
"$CTL" validate "$FIX" "$T/q8/model.gguf" "${FAST[@]}" "${RELAX[@]}" \
	--bench "$FIXD/oscorpus/os_bench.jsonl" --bench-limit 40 -o "$T/good.json" >"$T/out" 2>&1
rc=$?
ok $([ $rc = 0 ] && [ "$(jqv .verdict "$T/good.json")" = ACCEPTED ] && echo 0 || echo 1) \
	"validate: INT8 with the speed/size/gen thresholds relaxed is ACCEPTED (exit $rc)"
ok $([ "$(jqv '.criteria.speed.measured and .criteria.speed.fp.decode_tps.median > 0 and .criteria.speed.quant.prompt_tps.median > 0 and .criteria.speed.fp.decode_tps.runs == 1' "$T/good.json")" = true ] && echo 0 || echo 1) \
	"validate: the report carries measured prompt and decode speeds of both models"
ok $([ "$(jqv '.criteria.quality.os_bench.measured and (.criteria.quality.os_bench.counts | not) and .criteria.quality.route == "perplexity"' "$T/good.json")" = true ] && echo 0 || echo 1) \
	"validate: os_bench reported but does not count below the FP floor; perplexity decides"
grep -q '^verdict: ACCEPTED' "$T/out"
ok $? "validate: prints the short table with the verdict"

python3 "$H" corrupt-scales "$T/q8/model.gguf" "$T/broken.gguf" ffn_down
"$CTL" validate "$FIX" "$T/broken.gguf" "${FAST[@]}" "${RELAX[@]}" -o "$T/broken.json" >"$T/out" 2>&1
rc=$?
ok $([ $rc = 3 ] && [ "$(jqv .verdict "$T/broken.json")" = REJECTED ] && echo 0 || echo 1) \
	"validate: INT8 with ffn_down scales corrupted x64 is REJECTED (exit $rc)"
ok $([ "$(jqv '[.failed_criteria[].name] | index("quality") != null' "$T/broken.json")" = true ] && echo 0 || echo 1) \
	"validate: the broken model's failed criteria name quality: $(jqv '[.failed_criteria[] | .name + " " + (.margin|tostring)] | join(", ")' "$T/broken.json")"
"$CTL" validate "$FIX" "$T/broken.gguf" "${FAST[@]}" --min-speedup 0 --stamp -o "$T/b2.json" >/dev/null 2>&1
ok $([ "$(python3 "$H" kv "$T/broken.gguf" slmq.verdict)" = REJECTED ] && echo 0 || echo 1) \
	"validate --stamp: the broken GGUF now carries slmq.verdict REJECTED"
python3 "$H" kv "$T/broken.gguf" slmq.report >"$T/stamped.json" && cmp -s <(jq -S . "$T/stamped.json") <(jq -S . "$T/b2.json")
ok $? "validate --stamp: slmq.report is the validation report"
"$CTL" validate "$FIX" "$T/broken.gguf" "${FAST[@]}" --min-speedup 0 -o "$T/b3.json" >/dev/null 2>&1
ok $([ "$(jqv .quantized.file_bytes "$T/b3.json")" = "$(jqv .quantized.file_bytes "$T/b2.json")" ] && [ "$(stat -c %s "$T/broken.gguf")" -gt "$(jqv .quantized.file_bytes "$T/b2.json")" ] && echo 0 || echo 1) \
	"validate: the stamped validation record does not count as model size ($(jqv .quantized.file_bytes "$T/b3.json") bytes before and after stamping)"
"$CTL" validate "$FIX" "$T/q8/model.gguf" --prompts /nonexistent >"$T/out" 2>"$T/err"
ok $([ $? = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && echo 0 || echo 1) "validate: a missing prompt file is one error line: $(cat "$T/err")"
"$CTL" validate "$FIX" "$T/q8/model.gguf" --min-speedup fast >"$T/out" 2>"$T/err"
ok $([ $? = 1 ] && grep -q min-speedup "$T/err" && echo 0 || echo 1) "validate: a bad threshold value is refused"

# --- compare ----------------------------------------------------------------
"$CTL" compare "$FIX" "$FIX" -p "PCI device 8086:10d3 is" -p "The ls command" -n 12 --json >"$T/c1.json" 2>&1
ok $([ "$(jqv '[.prompts[] | .identical and .teacher_forced_agree == .teacher_forced_tokens and .teacher_forced_tokens > 0] | all' "$T/c1.json")" = true ] && echo 0 || echo 1) \
	"compare: a model against itself is identical, teacher-forced agreement 100%"
"$CTL" compare "$FIX" "$T/broken.gguf" -p "PCI device 8086:10d3 is" -p "The ls command" -n 12 --json >"$T/c2.json" 2>&1
ok $([ "$(jqv '[.prompts[] | (.identical | not) and .first_divergence < 12 and .teacher_forced_agree < .teacher_forced_tokens] | all' "$T/c2.json")" = true ] && echo 0 || echo 1) \
	"compare: against the broken model it names the first divergence ($(jqv '[.prompts[].first_divergence] | map(tostring) | join(",")' "$T/c2.json")) and lower teacher-forced agreement"
"$CTL" compare "$FIX" "$T/q8/model.gguf" -p "PCI vendor 10de is" -n 8 >"$T/out" 2>&1
grep -q "teacher-forced agreement" "$T/out"
ok $? "compare: prints the side-by-side table with the agreement line"

# --- quantize --auto: accepted at once --------------------------------------
"$CTL" quantize "$FIX" -o "$T/a1" --auto "${FAST[@]}" "${RELAX[@]}" >"$T/out" 2>&1
rc=$?
S=$T/a1/quantization_summary.json
ok $([ $rc = 0 ] && [ "$(jqv '[.policy.start_bits, (.attempts|length), .attempts[0].label, .result] | join(" ")' "$S")" = "8 1 int8 ACCEPTED" ] && echo 0 || echo 1) \
	"auto: 1.26M params start at INT8 by the size policy; accepted at once (exit $rc)"
D=$T/a1/pcilm-tiny_int8
ok $(for f in model.gguf model.safetensors config.json quantization_config.json validation_report.json; do [ -s "$D/$f" ] || echo "$f"; done | grep -q . && echo 1 || echo 0) \
	"auto: OUT/pcilm-tiny_int8 holds model.gguf, model.safetensors, config.json, quantization_config.json, validation_report.json"
ok $([ "$(python3 "$H" kv "$D/model.gguf" slmq.verdict)" = ACCEPTED ] && python3 "$H" kv "$D/model.gguf" slmq.quantization_config >/dev/null && python3 "$H" kv "$D/model.gguf" slmq.report | jq -e '.verdict == "ACCEPTED"' >/dev/null && echo 0 || echo 1) \
	"auto: model.gguf carries slmq.verdict ACCEPTED, slmq.report and slmq.quantization_config"
"$CTL" perplexity "$D" --data "$EVAL" --max-tokens 1024 >"$T/out" 2>&1
ok $? "auto: the artifact directory opens as its model.gguf (slmqctl perplexity OUT/NAME_int8): $(tail -1 "$T/out" | head -c 80)"
ok $([ "$(jqv '[.quantization_config.quant_method, .quantization_config.bits, .quantization_config.group_size, .quantization_config.sym] | map(tostring) | join(" ")' "$D/config.json")" = "gptq 8 32 true" ] && echo 0 || echo 1) \
	"auto: config.json has quantization_config gptq, 8 bits, group 32, sym"

# --- quantize --auto: fall back through int4 and mixed to int8 -------------
"$CTL" quantize "$FIX" -o "$T/a2" --bits 4 --auto "${FAST[@]}" "${RELAX[@]}" --max-ppl-increase 0.3 >"$T/out" 2>&1
rc=$?
S=$T/a2/quantization_summary.json
ok $([ $rc = 0 ] && [ "$(jqv '[.attempts[] | .label + ":" + .verdict] | join(" ")' "$S")" = "int4:REJECTED mixed:REJECTED int8:ACCEPTED" ] && echo 0 || echo 1) \
	"auto --bits 4 --max-ppl-increase 0.3: int4 and mixed rejected, int8 accepted: $(jqv '[.attempts[] | .label + ":" + .verdict] | join(" ")' "$S")"
ok $([ "$(jqv '[.attempts[0:2][] | .failed_criteria[0].name] | join(" ")' "$S")" = "quality quality" ] && [ "$(jqv '.attempts[1].mixed' "$S")" = preset ] && echo 0 || echo 1) \
	"auto: the rejected rungs record quality as the failed criterion; the mixed rung used the preset"
ok $([ "$(jqv '.accepted_dir' "$S")" = "$T/a2/pcilm-tiny_int8" ] && [ -s "$T/a2/pcilm-tiny_int4/validation_report.json" ] && [ -s "$T/a2/pcilm-tiny_mixed/model.safetensors" ] && echo 0 || echo 1) \
	"auto: every attempt keeps its artifacts; accepted_dir points at the INT8 one"

# --- quantize --auto: everything fails, with GPTQ and the doubled calibration rung
# (a size no quantization reaches: deterministic, unlike a perplexity hair's
# breadth, which GPTQ INT8 can even beat on a short slice)
NEVER="--min-size-ratio-int4 100 --min-size-ratio-int8 100"
"$CTL" quantize "$FIX" -o "$T/a3" --bits 4 --auto --method gptq --calib "$CAL" --calib-samples 4 \
	"${FAST[@]}" "${RELAX[@]}" $NEVER >"$T/out" 2>&1
rc=$?
S=$T/a3/quantization_summary.json
ok $([ $rc = 3 ] && [ "$(jqv '[.attempts[] | .label + ":" + .verdict + ":" + (.calib_samples|tostring)] | join(" ")' "$S")" = "int4:REJECTED:4 mixed:REJECTED:4 int8:REJECTED:4 int4_calib2x:REJECTED:8" ] && echo 0 || echo 1) \
	"auto: all four rungs run and are rejected, the last with 8 calibration samples (exit $rc): $(jqv '[.attempts[] | .label + ":" + .verdict + ":" + (.calib_samples|tostring)] | join(" ")' "$S")"
ok $([ "$(jqv '.result + " " + .closest_misses[0].name + " " + (.recommendation | test("quantization-aware training") | tostring)' "$S")" = "REJECTED size true" ] && echo 0 || echo 1) \
	"auto: the conclusion names size and by how much, and recommends QAT or another checkpoint: $(jqv '.closest_misses[0].detail' "$S" | head -c 120)"
"$CTL" quantize "$FIX" -o "$T/a4" --bits 4 --auto "${FAST[@]}" "${RELAX[@]}" $NEVER >"$T/out" 2>&1
S4=$T/a4/quantization_summary.json
ok $([ "$(jqv '.attempts[3].verdict + " " + (.attempts[3].skip_reason | test("calibration") | tostring)' "$S4")" = "SKIPPED true" ] && echo 0 || echo 1) \
	"auto with rtn: the doubled-calibration rung is recorded as skipped, with the reason"

"$CTL" quantize "$FIX" -o "$T/a6" --auto "${FAST[@]}" "${RELAX[@]}" $NEVER --gen-sampled 0 >"$T/out" 2>&1
ok $([ "$(jqv '[.attempts[] | .label + ":" + .verdict] | join(" ")' "$T/a6/quantization_summary.json")" = "int8:REJECTED mixed:REJECTED int4:REJECTED int4_calib2x:SKIPPED" ] && echo 0 || echo 1) \
	"auto starting at INT8 (policy): int8 -> mixed -> int4 -> (int4_calib2x skipped), all recorded"

# --- checkpoint selection ---------------------------------------------------
mkdir -p "$T/ck"
cp -r "$FIX" "$T/ck/step_1419"
python3 "$H" zero-tensor "$FIX" "$T/ck/step_700" model.layers.1.mlp.down_proj.weight
"$CTL" quantize -o "$T/a5" --auto --checkpoints "$T/ck" "${FAST[@]}" "${RELAX[@]}" >"$T/out" 2>&1
rc=$?
S=$T/a5/quantization_summary.json
ok $([ $rc = 0 ] && [ "$(jqv '.checkpoint_selection.chosen' "$S")" = "$T/ck/step_1419" ] && [ "$(jqv '.checkpoint_selection.candidates | length' "$S")" = 2 ] && [ "$(jqv .name "$S")" = ck ] && echo 0 || echo 1) \
	"auto --checkpoints PARENT: evaluates step_700 and step_1419 and quantizes the better: $(jqv .checkpoint_selection.reason "$S")"
# a checkpoint that cannot be evaluated (a tensor missing): one line naming
# it (the message used to read the freed candidate table: segfault)
mkdir -p "$T/ckbad"
cp -r "$FIX" "$T/ckbad/step_900"
python3 tools/slmqctl/tests/st_variant.py "$FIX/model.safetensors" "$T/ckbad/step_900/model.safetensors" \
	--drop model.layers.1.mlp.down_proj.weight
"$CTL" quantize -o "$T/a7" --auto --checkpoints "$T/ckbad" "${FAST[@]}" "${RELAX[@]}" >/dev/null 2>"$T/err"
rc=$?
ok $([ $rc = 1 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "^slmqctl: $T/ckbad/step_900: missing tensor" "$T/err" && echo 0 || echo 1) \
	"auto --checkpoints, a checkpoint that does not load: exit 1, one line naming it ($(head -c 120 "$T/err"))"

# --- schemas ----------------------------------------------------------------
python3 "$H" schema "$SCH/validation_report.schema.json" "$T/good.json" "$T/broken.json" \
	"$T"/a*/*/validation_report.json >"$T/out" 2>&1
ok $? "schema: every validation report validates ($(ls "$T"/a*/*/validation_report.json | wc -l) from --auto) $(head -c 200 "$T/out")"
python3 "$H" schema "$SCH/quantization_summary.schema.json" "$T"/a*/quantization_summary.json >"$T/out" 2>&1
ok $? "schema: every quantization summary validates $(head -c 200 "$T/out")"
jq '.verdict = "MAYBE"' "$T/good.json" >"$T/bad1.json"
jq 'del(.attempts[0].figures)' "$T/a2/quantization_summary.json" >"$T/bad2.json"
! python3 "$H" schema "$SCH/validation_report.schema.json" "$T/bad1.json" >/dev/null 2>&1 &&
	! python3 "$H" schema "$SCH/quantization_summary.schema.json" "$T/bad2.json" >/dev/null 2>&1
ok $? "schema: a bad verdict and an attempt without figures are refused"

echo "1..$n"
