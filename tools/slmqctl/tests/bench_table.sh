#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench's tooling, not its speed: scripts/bench.sh in a tiny mode (the
# pcilm-tiny fixture, 1 repetition, the generic path plus one it must
# refuse) prints the llama-bench-shaped table, the session memory and the
# bandwidth lines, with numbers that parse and agree with slmqctl bench
# --json; slmqctl bench's --prompt / --warmup / mean and sd.  No figure is
# compared with a speed: timing is never a test.
set -u
cd "$(dirname "$0")/../../.." || exit 1
CTL=tools/slmqctl/slmqctl
MODEL=${SLMQ_FIXTURES:-fixtures}/pcilm-tiny
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
n=0

ok() {	# ok COND-EXIT-STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

# --- slmqctl bench: the figures the table is made of
j=$("$CTL" bench "$MODEL" --prompt 24 --tokens 8 --runs 3 --warmup 1 --json)
ok $? "bench --prompt 24 --tokens 8 --runs 3 --warmup 1 runs"
jq -en --argjson j "$j" '$j.prompt_tokens == 24 and $j.tokens == 8 and $j.runs == 3 and
	([ "prompt_tps", "decode_tps", "prompt_tps_wall", "decode_tps_wall" ] | all(. as $k |
		$j[$k + "_mean"] > 0 and $j[$k + "_sd"] >= 0)) and
	$j.prompt_tps_mean >= $j.prompt_tps_min and $j.prompt_tps_mean <= $j.prompt_tps_max and
	$j.decode_tps_mean >= $j.decode_tps_min and $j.decode_tps_mean <= $j.decode_tps_max' >/dev/null
ok $? "bench --json: prompt_tokens, mean and sd of every figure, mean within min..max"
# pcilm-tiny: 4 layers, 2 KV heads of 32, F16: K and V of 24 + 8 positions
jq -en --argjson j "$j" '$j.kv_bytes == 2 * 4 * 64 * 32 * 2' >/dev/null
ok $? "bench --prompt: the session holds prompt + decode positions ($(jq -r .kv_bytes <<<"$j") KV bytes)"
j=$("$CTL" bench "$MODEL" --tokens 4 --runs 1 --warmup 0 --json)
jq -en --argjson j "$j" '$j.prompt_tokens == 4 and $j.runs == 1 and $j.prompt_tps_sd == 0' >/dev/null
ok $? "bench: --prompt defaults to --tokens, --warmup 0 allowed, sd of one run is 0"
"$CTL" bench "$MODEL" --tokens 4 --warmup -1 >/dev/null 2>"$TMP/err"
[ $? = 1 ] && [ "$(wc -l <"$TMP/err")" = 1 ] && grep -q -- '--warmup' "$TMP/err"
ok $? "bench --warmup -1: one error line ($(head -c 80 "$TMP/err"))"
"$CTL" bench "$MODEL" --prompt 250 --tokens 8 >/dev/null 2>"$TMP/err"
[ $? = 1 ] && [ "$(wc -l <"$TMP/err")" = 1 ] && grep -q '258 positions' "$TMP/err"
ok $? "bench --prompt 250 --tokens 8 on a 256-position model: refused ($(head -c 100 "$TMP/err"))"

# --- stream-read
build/bench/stream-read 16 2 >"$TMP/bw"
ok $? "stream-read 16 2 runs"
grep -Eq '^stream-read: 16 MiB, best [0-9]+\.[0-9]{2} GB/s, mean [0-9]+\.[0-9]{2} GB/s over 2 passes' "$TMP/bw"
ok $? "stream-read prints its one line ($(head -c 80 "$TMP/bw"))"
build/bench/stream-read 16 x >/dev/null 2>"$TMP/err"
[ $? = 1 ] && grep -q '^usage: stream-read' "$TMP/err"
ok $? "stream-read refuses a bad pass count"

# --- scripts/bench.sh in its tiny mode
SLMQ_BENCH_DIR=$TMP/bench SLMQ_BENCH_MODELS=pcilm-tiny SLMQ_BENCH_REPS=1 \
	SLMQ_BENCH_PATHS="generic bogus" SLMQ_BENCH_BW_MB=16 scripts/bench.sh >"$TMP/out" 2>"$TMP/err"
ok $? "bench.sh runs on pcilm-tiny, 1 repetition, generic ($(tail -1 "$TMP/err" | head -c 80))"
grep -qx '| model | type | size | threads | cpu path | test | t/s | CPU t/s |' "$TMP/out"
ok $? "bench.sh: the llama-bench-shaped header"
grep -A1 -x '| model | type | size | threads | cpu path | test | t/s | CPU t/s |' "$TMP/out" |
	tail -1 | grep -qx '| --- | --- | ---: | ---: | --- | --- | ---: | ---: |'
ok $? "bench.sh: the markdown separator under it"
num='[0-9]+\.[0-9]{2}'
grep -E "^\| pcilm-tiny \| " "$TMP/out" | grep -E " \| (pp|tg)[0-9]+ \| " >"$TMP/rows"
want=""
for t in F16 Q8_0 Q4_0 Q4_1; do
	want+="$t pp128"$'\n'"$t tg64"$'\n'
done
[ "$(awk -F' [|] ' '{ print $2, $6 }' "$TMP/rows")"$'\n' = "$want" ]
ok $? "bench.sh: one row per type and test, pp128 then tg64, F16 Q8_0 Q4_0 Q4_1 ($(wc -l <"$TMP/rows") rows)"
bad=$(grep -Evc "^\| pcilm-tiny \| (F16|Q8_0|Q4_0|Q4_1) \| $num MiB \| 1 \| generic \| (pp128|tg64) \| $num ± $num \| $num ± $num \|\$" "$TMP/rows")
ok "$([ "$bad" = 0 ] && echo 0 || echo 1)" "bench.sh: every row's size, threads, path and mean ± sd parse ($bad bad)"
awk -F' [|] ' '{ split($7, w, " "); split($8, c, " "); if (!(w[1] > 0 && c[1] > 0)) exit 1 }' "$TMP/rows"
ok $? "bench.sh: every t/s and CPU t/s is positive"
grep -qx -- '- bogus: skipped (SLMQ_CPU=bogus: not one of .*)' "$TMP/out"
ok $? "bench.sh: a path slmqctl refuses is skipped and named under the table"
kv=$("$CTL" bench "$TMP/bench/pcilm-tiny-q4_0.gguf" --prompt 128 --tokens 64 --runs 1 --json |
	jq -r '"\(.kv) \(.kv_bytes) \(.scratch_bytes)"')
read -r kvt kvb scb <<<"$kv"
grep -qx "$(printf '| pcilm-tiny | Q4_0 | 192 | %s | %.2f MiB | %.2f MiB |' "$kvt" \
	"$(jq -n "$kvb / 1048576")" "$(jq -n "$scb / 1048576")")" "$TMP/out"
ok $? "bench.sh: session memory row = slmqctl bench --json's KV and scratch bytes ($kvb, $scb)"
[ "$(grep -cE "^\| pcilm-tiny \| (F16|Q8_0|Q4_0|Q4_1) \| 192 \| f16 \| $num MiB \| $num MiB \|\$" "$TMP/out")" = 4 ]
ok $? "bench.sh: a memory row per type"
grep -Eq "^Memory bandwidth, one thread: stream-read: 16 MiB, best $num GB/s" "$TMP/out"
ok $? "bench.sh: the streaming-read bandwidth line"
# F16 decode as GB/s of weights: tg64's t/s x the bytes a step reads
row=$(grep -E "^\| pcilm-tiny \| F16 \| generic \| $num MB \| $num \| $num \| [0-9]+% \|\$" "$TMP/out")
ok $? "bench.sh: the F16 decode GB/s row ($row)"
tps=$(awk -F' [|] ' '$2 == "F16" && $6 == "tg64" { split($7, w, " "); print w[1] }' "$TMP/rows")
# fields split on " | ": $4 the MB read per token, $5 GB/s of wall-clock decode
mb=$(awk -F' [|] ' '{ sub(/ MB/, "", $4); print $4 }' <<<"$row")
gbs=$(awk -F' [|] ' '{ print $5 }' <<<"$row")
jq -en --argjson t "$tps" --argjson mb "$mb" --argjson g "$gbs" \
	'($t * $mb / 1000 - $g) | fabs <= 0.01 + $g * 0.01' >/dev/null
ok $? "bench.sh: F16 GB/s, wall ($gbs) = tg64 t/s ($tps) x MB per token ($mb) / 1000"

echo "1..$n"
