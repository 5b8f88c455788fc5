#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# slmqctl(8): groff -ww finds nothing to warn about, and the page describes
# every command `slmqctl --help` lists and every option each `CMD --help`
# lists, in the command's own section (or in VALIDATION OPTIONS, when the
# section points there).
set -u
cd "$(dirname "$0")/../.." || exit 1
CTL=tools/slmqctl/slmqctl
PAGE=Documentation/man/slmqctl.8
T=$(mktemp -d /tmp/slmq-man.XXXXXX)
trap 'rm -rf "$T"' EXIT
n=0

ok() {	# ok COND-EXIT-CODE DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

if ! command -v groff >/dev/null; then
	echo "1..0 # SKIP groff not installed (make deps installs groff-base)"
	exit 0
fi

groff -ww -z -man "$PAGE" >"$T/warn" 2>&1
ok "$([ $? = 0 ] && [ ! -s "$T/warn" ] && echo 0 || echo 1)" "groff -ww -z -man: no warnings$([ -s "$T/warn" ] && echo ": $(head -3 "$T/warn" | tr '\n' '|')")"

# The page's source with roff escapes for '-' and fonts removed.
sed 's/\\-/-/g; s/\\f[BIRP]//g' "$PAGE" >"$T/plain"

# section CMD: the lines of ".SS CMD ..." up to the next .SS/.SH.
section() {
	awk -v c="$1" '$1 == ".SS" { on = ($2 == c) ; next } $1 == ".SH" { on = 0 } on' "$T/plain"
}
awk '$1 == ".SH" { on = ($0 ~ /VALIDATION OPTIONS/); next } on' "$T/plain" >"$T/valopts"

for c in $("$CTL" --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p'); do
	section "$c" >"$T/sec"
	if [ ! -s "$T/sec" ] && ! grep -q "^\.SS $c\( \|$\)" "$T/plain"; then
		ok 1 "$c has a section in slmqctl(8)"
		continue
	fi
	grep -q 'VALIDATION OPTIONS' "$T/sec" && cat "$T/valopts" >>"$T/sec"
	miss=""
	for o in $("$CTL" "$c" --help | sed -n 's/^  \(-[^ ,]*\).*/\1/p'); do
		case $o in -h | --json) continue ;; esac
		grep -qE -- "(^|[ \"])$o( |\"|,|$)" "$T/sec" || miss="$miss $o"
	done
	ok "$([ -z "$miss" ] && echo 0 || echo 1)" "$c: section describes every option of $c --help${miss:+ (missing:$miss)}"
done
echo "1..$n"
