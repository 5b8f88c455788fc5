#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# slmqctl validate --backend kernel in the guest: slmq.ko's generate path
# against the userspace engine on the same file.  Every next-token logit
# vector of the perplexity windows must be bit-identical (so the perplexity
# is identical) and every greedy and seeded sampled completion token-
# identical, and os_bench answered alike; against a different file the same check must report the
# disagreement (exit 3), so the test can fail.
L=$(dirname "$0")/slmq_sh_lib
[ -f "$L" ] || L=${SLMQ_TESTDIR:-/tests}/slmq_sh_lib	# when run by scripts/vm/run-script.sh
. "$L"

insmod "$MODDIR/slmq.ko"
ok $? "insmod slmq.ko"
slmqctl load "$DATA/tiny-q4.gguf" --name vq4 >/dev/null
ok $? "slmqctl load tiny-q4.gguf --name vq4"

# Evaluation text (tokenized by slmqctl) and a short prompt set.
cat >/tmp/eval.txt <<'TXT'
PCI device 8086:10d3 is Intel Corporation 82574L Gigabit Network Connection.
USB vendor 046d is Logitech, Inc.
LS(1)                            User Commands                           LS(1)

NAME
       ls - list directory contents

SYNOPSIS
       ls [OPTION]... [FILE]...
TXT
printf 'PCI device 8086:10d3 is\nThe ls command\nUSB vendor 046d is\n' >/tmp/prompts.txt
# Three os_bench items (ids 0, 1 and 44 of fixtures/oscorpus/os_bench.jsonl).
cat >/tmp/bench.jsonl <<'JSONL'
{"id": 0, "category": "usb_vendor", "prompt": "USB vendor 0ccd is", "answer": "TerraTec Electronic GmbH.", "vendor": "TerraTec Electronic GmbH", "vendor_mentions": 40, "prompt_ids": [1, 335, 574, 1956, 1984, 1714, 1967, 284], "answer_ids": [403, 809, 1961, 1982, 289, 1107, 274, 1556, 1974, 13]}
{"id": 1, "category": "pci_vendor", "prompt": "PCI vendor 12c6 is", "answer": "Mitani Corporation.", "vendor": "Mitani Corporation", "vendor_mentions": 1, "prompt_ids": [1, 342, 574, 1956, 1989, 2000, 1965, 2012, 284], "answer_ids": [368, 296, 279, 1959, 515, 1974, 13]}
{"id": 44, "category": "usb_vendor", "prompt": "USB vendor 10c4 is", "answer": "Silicon Labs.", "vendor": "Silicon Labs", "vendor_mentions": 61, "prompt_ids": [1, 335, 574, 1956, 1989, 1984, 1965, 2008, 284], "answer_ids": [323, 316, 274, 263, 386, 333, 1962, 1974, 13]}
JSONL
KOPTS="--eval /tmp/eval.txt --eval-tokens 64 --kernel-ctx 32 --prompts /tmp/prompts.txt --gen-tokens 10 --gen-sampled 1 --bench /tmp/bench.jsonl"

slmqctl validate --backend kernel vq4 "$DATA/tiny-q4.gguf" $KOPTS -o /tmp/ka.json >/tmp/ka.out 2>&1
ok $? "validate --backend kernel: kernel agrees with userspace ($(tail -1 /tmp/ka.out))"
grep -q '"identical":true' /tmp/ka.json && grep -q '"logit_mismatches":0' /tmp/ka.json &&
	grep -q '"positions":62' /tmp/ka.json
ok $? "perplexity identical over 62 positions, no logit vector differs: $(grep perplexity /tmp/ka.out)"
grep -q '"completions":6' /tmp/ka.json && grep -q '"mismatches":0' /tmp/ka.json
ok $? "6 completions (greedy + sampled) token-identical"
grep -q '"items":3' /tmp/ka.json && grep -q '"prediction_mismatches":0' /tmp/ka.json
ok $? "os_bench through the kernel: the same predictions as userspace ($(grep os_bench /tmp/ka.out))"

slmqctl validate --backend kernel vq4 "$DATA/tiny-q8.gguf" $KOPTS -o /tmp/kb.json >/tmp/kb.out 2>&1
rc=$?
[ $rc = 3 ] && grep -q '"agree":false' /tmp/kb.json
ok $? "against a different file (q8 vs the kernel's q4) the disagreement is reported (exit $rc)"

slmqctl validate --backend kernel nosuch "$DATA/tiny-q4.gguf" $KOPTS >/tmp/kc.out 2>&1
[ $? = 1 ]
ok $? "an unknown model name is an error: $(tail -1 /tmp/kc.out)"

slmqctl unload vq4 >/dev/null
ok $? "unload vq4"
rmmod slmq
ok $? "rmmod slmq"
done_testing
