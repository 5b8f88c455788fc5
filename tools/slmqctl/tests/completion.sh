#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bash completion (tools/slmqctl/completion/slmqctl): source it, set
# COMP_WORDS/COMP_CWORD as bash would, call the function, check COMPREPLY.
# Model names come from a stand-in slmqctl whose `list --json` prints two
# models (everything else goes to the real binary); the real binary without
# slmq.ko must offer none and print nothing.
set -u
cd "$(dirname "$0")/../../.." || exit 1
REPO=$PWD
CTL=$REPO/tools/slmqctl/slmqctl
T=$(mktemp -d /tmp/slmq-completion.XXXXXX)
trap 'rm -rf "$T"' EXIT
n=0

ok() {	# ok COND-EXIT-CODE DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

cat >"$T/fakectl" <<EOT
#!/bin/sh
if [ "\$1" = list ]; then
	printf '[\n  {\n    "name":"tiny",\n    "arch":"llama",\n    "report":{\n      "name":"nested"\n    }\n  },\n  {\n    "name":"tiny-q4"\n  }\n]\n'
	exit 0
fi
exec "$CTL" "\$@"
EOT
chmod +x "$T/fakectl"

# shellcheck source=/dev/null
. tools/slmqctl/completion/slmqctl

# comp BIN WORD...: the sorted completions of the last WORD, space-separated.
comp() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_slmqctl 2>>"$T/stderr"
	printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//'
}

# expect "WANT" DESCRIPTION BIN WORD...
expect() {
	local want=$1 desc=$2 got
	shift 2
	got=$(comp "$@")
	ok "$([ "$got" = "$want" ] && echo 0 || echo 1)" "$desc: '$got'$([ "$got" = "$want" ] || echo " (want '$want')")"
}

complete -p slmqctl | grep -q -- '-F _slmqctl slmqctl'
ok $? "complete -p slmqctl: -F _slmqctl"

mkdir -p "$T/cwd/outdir" "$T/cwd/model-hf"
touch "$T/cwd/test.bin" "$T/cwd/model.gguf"
cd "$T/cwd" || exit 1

all=$("$CTL" --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' | sort | tr '\n' ' ' | sed 's/ $//')
got=$(comp "$CTL" "")
ok "$([ "$got" = "$(printf '%s\n' $all help --help --version | sort | tr '\n' ' ' | sed 's/ $//')" ] && echo 0 || echo 1)" \
	"first word: every command of --help, help, --help, --version ($got)"
expect "quantize" "qu -> quantize" "$CTL" qu
expect "validate" "help val -> validate" "$CTL" help val
expect "--method" "quantize --me" "$CTL" quantize --me
expect "awq awq+gptq gptq rtn" "quantize --method: the methods" "$CTL" quantize MODEL --method ""
expect "4 8" "quantize --bits: 8|4" "$CTL" quantize --bits ""
expect "q4_0 q4_1" "quantize --embd-type q4: the types" "$CTL" quantize --embd-type q4
expect "128 32 64" "quantize --group-size" "$CTL" quantize --group-size ""
expect "model-hf outdir" "quantize -o: directories only" "$CTL" quantize model-hf -o ""
expect "model-hf model.gguf outdir test.bin" "convert MODEL: files and directories" "$CTL" convert ""
expect "test.bin" "perplexity --data t: files" "$CTL" perplexity model.gguf --data t
expect "f16 f32" "convert --dtype" "$CTL" convert model-hf --dtype ""
expect "" "ask --tokens (ids): nothing" "$CTL" ask tiny --tokens ""
expect "" "generate -n (a number): nothing" "$CTL" generate model.gguf -n ""
expect "kernel user" "validate --backend" "$CTL" validate --backend ""
expect "" "unload without slmq.ko: no names" "$CTL" unload ""
ok "$([ ! -s "$T/stderr" ] && echo 0 || echo 1)" "nothing on stderr without slmq.ko$([ -s "$T/stderr" ] && echo ": $(head -2 "$T/stderr" | tr '\n' '|')")"
expect "tiny tiny-q4" "unload: the loaded models' names (top-level only)" "$T/fakectl" unload ""
expect "tiny-q4" "info tiny-: names" "$T/fakectl" info tiny-
expect "tiny tiny-q4" "report: names" "$T/fakectl" report ""
expect "tiny tiny-q4" "ask: names" "$T/fakectl" ask t
expect "" "ask NAME then a second positional: nothing" "$T/fakectl" ask tiny ""
expect "tiny tiny-q4" "validate --backend kernel NAME: names" "$T/fakectl" validate --backend kernel ""
expect "tiny tiny-q4" "perplexity --kernel: names" "$T/fakectl" perplexity model.gguf --kernel ""
expect "model-hf model.gguf outdir test.bin" "validate --backend kernel NAME MODEL: files" "$T/fakectl" validate --backend kernel tiny ""

# Every option of every command's --help completes after "CMD -".
for c in $all; do
	want=$("$CTL" "$c" --help | sed -n 's/^  -h, --help$/--help/p; s/^  \(-[^ ,]*\).*/\1/p' | sort | tr '\n' ' ' | sed 's/ $//')
	expect "$want" "$c -: every option of $c --help" "$CTL" "$c" -
done
echo "1..$n"
