#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# slmqctl validate --backend kernel in the guest: slmq.ko's score and
# generate ops against the userspace engine on the same file.  Perplexity
# over full 256-token windows of the fixture's test split (the protocol of
# slmqctl perplexity): every position's NLL bit-identical, and the kernel's
# perplexity printed exactly as `slmqctl perplexity` prints it; every greedy
# and seeded sampled completion token-identical; os_bench answered alike.
# Against a different file the same check must report the disagreement
# (exit 3), so the test can fail.
L=$(dirname "$0")/slmq_sh_lib
[ -f "$L" ] || L=${SLMQ_TESTDIR:-/tests}/slmq_sh_lib	# when run by scripts/vm/run-script.sh
. "$L"

insmod "$MODDIR/slmq.ko"
ok $? "insmod slmq.ko"
slmqctl load "$DATA/tiny-q4.gguf" --name vq4 >/dev/null
ok $? "slmqctl load tiny-q4.gguf --name vq4"

# Evaluation data: the first ids of fixtures/oscorpus/test.bin (3 windows of 256 used).
EVAL=$DATA/test-head.bin
printf 'PCI device 8086:10d3 is\nThe ls command\nUSB vendor 046d is\n' >/tmp/prompts.txt
# Three os_bench items (ids 0, 1 and 44 of fixtures/oscorpus/os_bench.jsonl).
cat >/tmp/bench.jsonl <<'JSONL'
{"id": 0, "category": "usb_vendor", "prompt": "USB vendor 0ccd is", "answer": "TerraTec Electronic GmbH.", "vendor": "TerraTec Electronic GmbH", "vendor_mentions": 40, "prompt_ids": [1, 335, 574, 1956, 1984, 1714, 1967, 284], "answer_ids": [403, 809, 1961, 1982, 289, 1107, 274, 1556, 1974, 13]}
{"id": 1, "category": "pci_vendor", "prompt": "PCI vendor 12c6 is", "answer": "Mitani Corporation.", "vendor": "Mitani Corporation", "vendor_mentions": 1, "prompt_ids": [1, 342, 574, 1956, 1989, 2000, 1965, 2012, 284], "answer_ids": [368, 296, 279, 1959, 515, 1974, 13]}
{"id": 44, "category": "usb_vendor", "prompt": "USB vendor 10c4 is", "answer": "Silicon Labs.", "vendor": "Silicon Labs", "vendor_mentions": 61, "prompt_ids": [1, 335, 574, 1956, 1989, 1984, 1965, 2008, 284], "answer_ids": [323, 316, 274, 263, 386, 333, 1962, 1974, 13]}
JSONL
KOPTS="--prompts /tmp/prompts.txt --gen-tokens 10 --gen-sampled 1"

slmqctl validate --backend kernel vq4 "$DATA/tiny-q4.gguf" --eval "$EVAL" --eval-tokens 768 \
	$KOPTS --bench /tmp/bench.jsonl -o /tmp/ka.json >/tmp/ka.out 2>&1
ok $? "validate --backend kernel: kernel agrees with userspace ($(tail -1 /tmp/ka.out))"
awk '{ print "# " $0 }' /tmp/ka.json	# the report, for the log (Documentation/schemas/kernel_agreement.schema.json)
grep -q '"identical":true' /tmp/ka.json && grep -q '"nll_mismatches":0' /tmp/ka.json &&
	grep -q '"window":256' /tmp/ka.json && grep -q '"windows":3' /tmp/ka.json &&
	grep -q '"positions":765' /tmp/ka.json
ok $? "perplexity over 3 full 256-token windows, all 765 NLLs bit-identical: $(grep perplexity /tmp/ka.out)"
slmqctl perplexity "$DATA/tiny-q4.gguf" --data "$EVAL" --max-tokens 768 --json >/tmp/pu.json
kp=$(json_num kernel /tmp/ka.json) up=$(json_num userspace /tmp/ka.json) pp=$(json_num ppl /tmp/pu.json)
[ -n "$pp" ] && [ "$kp" = "$pp" ] && [ "$up" = "$pp" ] && [ "$(json_num windows /tmp/pu.json)" = 3 ]
ok $? "kernel perplexity $kp == slmqctl perplexity $pp (same file, same 3 windows)"
slmqctl perplexity "$DATA/tiny-q4.gguf" --data "$EVAL" --max-tokens 768 --kernel vq4 --json >/tmp/pk.json
kk=$(json_num ppl /tmp/pk.json)
[ -n "$kk" ] && [ "$kk" = "$pp" ] && [ "$(json_num tokens_scored /tmp/pk.json)" = 765 ] &&
	grep -q '"kernel_model":"vq4"' /tmp/pk.json
ok $? "slmqctl perplexity --kernel vq4 (score op) prints $kk, the same as in userspace"
grep -q '"completions":6' /tmp/ka.json && grep -q '"mismatches":0' /tmp/ka.json
ok $? "6 completions (greedy + sampled) token-identical"
grep -q '"items":3' /tmp/ka.json && grep -q '"prediction_mismatches":0' /tmp/ka.json
ok $? "os_bench through the kernel: the same predictions as userspace ($(grep os_bench /tmp/ka.out))"

# --kernel-ctx overrides the window, as --ctx does for slmqctl perplexity.
slmqctl validate --backend kernel vq4 "$DATA/tiny-q4.gguf" --eval "$EVAL" --eval-tokens 128 \
	--kernel-ctx 64 $KOPTS -o /tmp/kw.json >/tmp/kw.out 2>&1
rc=$?
slmqctl perplexity "$DATA/tiny-q4.gguf" --data "$EVAL" --max-tokens 128 --ctx 64 --json >/tmp/pw.json
kp=$(json_num kernel /tmp/kw.json) pp=$(json_num ppl /tmp/pw.json)
[ $rc = 0 ] && grep -q '"window":64' /tmp/kw.json && grep -q '"positions":126' /tmp/kw.json &&
	[ -n "$pp" ] && [ "$kp" = "$pp" ]
ok $? "--kernel-ctx 64: 2 windows, kernel perplexity $kp == slmqctl perplexity --ctx 64 $pp"

slmqctl validate --backend kernel vq4 "$DATA/tiny-q8.gguf" --eval "$EVAL" --eval-tokens 256 \
	$KOPTS -o /tmp/kb.json >/tmp/kb.out 2>&1
rc=$?
[ $rc = 3 ] && grep -q '"agree":false' /tmp/kb.json && grep -q '"identical":false' /tmp/kb.json &&
	! grep -q '"nll_mismatches":0' /tmp/kb.json
ok $? "against a different file (q8 vs the kernel's q4) the NLLs and the verdict differ (exit $rc): $(grep perplexity /tmp/kb.out)"

slmqctl validate --backend kernel nosuch "$DATA/tiny-q4.gguf" --eval "$EVAL" --eval-tokens 256 \
	$KOPTS >/tmp/kc.out 2>&1
[ $? = 1 ]
ok $? "an unknown model name is an error: $(tail -1 /tmp/kc.out)"

slmqctl unload vq4 >/dev/null
ok $? "unload vq4"
rmmod slmq
ok $? "rmmod slmq"
done_testing
