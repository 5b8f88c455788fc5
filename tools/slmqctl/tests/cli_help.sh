#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# slmqctl --version, `slmqctl CMD --help`, `slmqctl help CMD`, `CMD -h`: exit
# 0, usage on stdout, nothing on stderr, and every option a command's parser
# knows (its "--x" literals and getopt_long names) is in its --help.
set -u
cd "$(dirname "$0")/../../.." || exit 1
CTL=tools/slmqctl/slmqctl
T=$(mktemp -d /tmp/slmq-cli-help.XXXXXX)
trap 'rm -rf "$T"' EXIT
n=0

ok() {	# ok COND-EXIT-CODE DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

# The long options a C file parses: "--x" literals and getopt_long's { "x", ... }.
file_opts() {
	{
		grep -oE '"--[a-z0-9][a-z0-9-]*"' "$1" | tr -d '"'
		grep -oE '\{ *"[a-z0-9-]+", *(required|no|optional)_argument' "$1" |
			grep -oE '"[^"]+"' | tr -d '"' | sed 's/^/--/'
	} | sort -u
}

# opts_in_help CMD FILE: every option FILE parses is an option line of CMD --help.
opts_in_help() {
	local miss="" o
	"$CTL" "$1" --help >"$T/h" 2>/dev/null
	for o in $(file_opts "$2"); do
		grep -qE -- "^  (-., )?$o( |$)" "$T/h" || miss="$miss $o"
	done
	ok "$([ -z "$miss" ] && echo 0 || echo 1)" "$1 --help lists every option $2 parses${miss:+ (missing:$miss)}"
}

v=$("$CTL" --version 2>"$T/err")
ok "$([ $? = 0 ] && [ "$v" = "slmqctl $(cat VERSION)" ] && [ ! -s "$T/err" ] && echo 0 || echo 1)" \
	"--version prints 'slmqctl $(cat VERSION)' ($v)"

cmds=$("$CTL" --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
ok "$([ "$(echo "$cmds" | wc -w)" -ge 15 ] && echo 0 || echo 1)" "--help lists the commands ($(echo $cmds))"

for c in $cmds; do
	"$CTL" "$c" --help >"$T/a" 2>"$T/err"
	rc=$?
	"$CTL" help "$c" >"$T/b" 2>>"$T/err"
	rc2=$?
	"$CTL" "$c" -h >"$T/c" 2>>"$T/err"
	rc3=$?
	good=1
	[ $rc = 0 ] && [ $rc2 = 0 ] && [ $rc3 = 0 ] && [ ! -s "$T/err" ] &&
		head -1 "$T/a" | grep -q "^usage: slmqctl $c " && grep -q '^options:' "$T/a" &&
		grep -q -- '^  -h, --help' "$T/a" && cmp -s "$T/a" "$T/b" && cmp -s "$T/a" "$T/c" && good=0
	ok $good "$c --help, help $c and $c -h: exit 0, the same usage and options, stderr empty"
done

for f in tools/slmqctl/cmd_*.c tools/slmqctl/validate/cmd_*.c; do
	c=$(basename "$f" .c)
	c=${c#cmd_}
	opts_in_help "${c//_/-}" "$f"
done
opts_in_help quantize tools/slmqctl/quant/qmethod.c
for c in quantize validate; do
	opts_in_help $c tools/slmqctl/validate/options.c
	opts_in_help $c tools/slmqctl/validate/criteria.c
done

# --help anywhere before "--" wins over the command (nothing is written).
"$CTL" convert fixtures/pcilm-tiny -o "$T/x.gguf" --help >"$T/a" 2>&1
ok "$([ $? = 0 ] && [ ! -e "$T/x.gguf" ] && grep -q '^usage: slmqctl convert' "$T/a" && echo 0 || echo 1)" \
	"convert ... --help prints help and converts nothing"

"$CTL" help no-such-command >"$T/a" 2>"$T/err"
ok "$([ $? != 0 ] && [ "$(wc -l <"$T/err")" = 1 ] && [ ! -s "$T/a" ] && echo 0 || echo 1)" \
	"help no-such-command: non-zero exit, one line: $(cat "$T/err")"
echo "1..$n"
