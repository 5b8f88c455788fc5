#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# --threads: perplexity and os_bench give the one-thread figures, bit for bit,
# on any number of workers (each window / item on its own session, combined
# in order), on the pcilm-tiny fixture at F16 and Q4_0; bad values refused.
set -u
cd "$(dirname "$0")/../../.."
CTL=tools/slmqctl/slmqctl
DATA=${SLMQ_FIXTURES:-fixtures}/oscorpus
MODEL=${SLMQ_FIXTURES:-fixtures}/pcilm-tiny
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
n=0

ok() {	# ok COND-EXIT-STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

$CTL convert "$MODEL" -o "$TMP/f16.gguf" >/dev/null 2>"$TMP/err" &&
	$CTL quantize "$MODEL" -o "$TMP/q4" --bits 4 >/dev/null 2>>"$TMP/err"
ok $? "fixture converted to F16 and quantized to Q4_0"

for m in "$TMP/f16.gguf" "$TMP/q4/model.gguf"; do
	t=F16
	[[ $m == */q4/* ]] && t=Q4_0
	for th in 1 2 3; do
		$CTL perplexity "$m" --data "$DATA/test.bin" --max-tokens 12800 --threads $th --json \
			2>/dev/null | jq -c '[.ppl, .nll, .tokens_scored, .windows]' >"$TMP/ppl.$th"
	done
	[ -s "$TMP/ppl.1" ] && cmp -s "$TMP/ppl.1" "$TMP/ppl.2" && cmp -s "$TMP/ppl.1" "$TMP/ppl.3"
	ok $? "$t: perplexity on 1, 2 and 3 threads identical ($(cat "$TMP/ppl.1"))"
	for th in 1 3; do
		$CTL osbench "$m" --data "$DATA/os_bench.jsonl" --limit 24 --threads $th --json \
			2>/dev/null | jq -S 'del(.seconds)' >"$TMP/osb.$th"
	done
	[ "$(jq '.predictions | length' "$TMP/osb.1")" = 24 ] && cmp -s "$TMP/osb.1" "$TMP/osb.3"
	ok $? "$t: os_bench predictions and scores on 1 and 3 threads identical"
done

# the default (every CPU) is the same figure too
$CTL perplexity "$TMP/q4/model.gguf" --data "$DATA/test.bin" --max-tokens 12800 --json 2>/dev/null |
	jq -c '[.ppl, .nll, .tokens_scored, .windows]' >"$TMP/ppl.d"
cmp -s "$TMP/ppl.1" "$TMP/ppl.d"
ok $? "default thread count ($(nproc) CPUs) gives the one-thread perplexity"

for v in 0 -1 x 257; do
	out=$($CTL perplexity "$TMP/q4/model.gguf" --data "$DATA/test.bin" --threads "$v" 2>&1)
	rc=$?
	[ $rc = 1 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && [[ $out == *"--threads: '$v'"* ]]
	ok $? "--threads $v refused with one line (exit $rc: $out)"
done
echo "1..$n"
