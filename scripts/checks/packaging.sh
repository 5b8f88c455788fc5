#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The packaging without building packages (that is `make check-deb`, root,
# ~3 min): one version everywhere, `make install DESTDIR=` puts each file
# where the FHS and debian/*.install expect it, the installed Python module
# finds its schemas, and the DKMS source tree `make install` ships builds
# slmq.ko on its own (make -C KDIR M=/usr/src/slmq-VERSION, as dkms.conf does).
set -u
cd "$(dirname "$0")/../.." || exit 1
unset MAKEFLAGS MAKELEVEL MFLAGS
V=$(cat VERSION)
T=$(mktemp -d /tmp/slmq-packaging.XXXXXX)
trap 'rm -rf "$T"' EXIT
n=0

ok() {	# ok COND-EXIT-CODE DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

cv=$(sed -n '1s/^slmq (\([^)]*\)).*/\1/p' debian/changelog)
ok "$([ "$cv" = "$V" ] && echo 0 || echo 1)" "debian/changelog's version ($cv) is VERSION ($V)"
v=$(tools/slmqctl/slmqctl --version)
ok "$([ "$v" = "slmqctl $V" ] && echo 0 || echo 1)" "slmqctl --version: $v"

# dkms.conf names the module kmod/Kbuild builds, where it builds it.
grep -q '^PACKAGE_VERSION="#MODULE_VERSION#"$' dkms.conf
ok $? "dkms.conf: PACKAGE_VERSION is filled in at install (#MODULE_VERSION#)"
m=$(sed -n 's/^BUILT_MODULE_NAME\[0\]="\(.*\)"$/\1/p' dkms.conf)
l=$(sed -n 's/^BUILT_MODULE_LOCATION\[0\]="\(.*\)"$/\1/p' dkms.conf)
grep -q "^obj-m += $m.o$" "$l/Kbuild" 2>/dev/null
ok $? "dkms.conf: $l$m.ko is what $l/Kbuild builds"

make --no-print-directory -s install DESTDIR="$T/root" >"$T/install.log" 2>&1
ok $? "make install DESTDIR=..."
for f in /usr/bin/slmqctl /usr/share/man/man8/slmqctl.8 /usr/share/bash-completion/completions/slmqctl \
	 /usr/lib/python3/dist-packages/slmq/__init__.py /usr/lib/python3/dist-packages/slmq/tools.json \
	 "/usr/src/slmq-$V/Kbuild" "/usr/src/slmq-$V/kmod/Kbuild" "/usr/src/slmq-$V/uapi/linux/slmq.h"; do
	ok "$([ -f "$T/root$f" ] && echo 0 || echo 1)" "installs $f"
done
miss=""
for f in debian/*.install; do
	while read -r p; do
		# shellcheck disable=SC2086
		ls -d "$T"/root/$p >/dev/null 2>&1 || miss="$miss $p"
	done <"$f"
done
ok "$([ -z "$miss" ] && echo 0 || echo 1)" "every debian/*.install path is installed${miss:+ (missing:$miss)}"
c=$(cd "$T/root" && find . -type f | grep -vE '^\./usr/(bin|share|src|lib/python3/dist-packages)/' | tr '\n' ' ')
ok "$([ -z "$c" ] && echo 0 || echo 1)" "nothing installed outside /usr/{bin,share,src,lib/python3/dist-packages}${c:+: $c}"
c=$(cd / && PYTHONPATH="$T/root/usr/lib/python3/dist-packages" python3 -c '
import slmq
tools = slmq.tool_descriptions()
print(slmq.__file__.startswith("'"$T"'"), [slmq.report_schema(t["returns"]["$ref"])["title"] for t in tools if "$ref" in t["returns"]])' 2>&1)
ok "$([ "$c" = "True ['slmq validation report']" ] && echo 0 || echo 1)" "the installed Python module loads its tools and schemas: $c"

if [ -f .cache/kernel/env.sh ] || scripts/kernel/fetch.sh >/dev/null 2>"$T/fetch.err"; then
	# shellcheck source=/dev/null
	. .cache/kernel/env.sh
	src="$T/root/usr/src/slmq-$V"
	nice make -C "$KDIR" M="$src" modules >"$T/kbuild.log" 2>&1
	ok "$([ $? = 0 ] && [ -f "$src/$l$m.ko" ] && echo 0 || echo 1)" "the DKMS source alone builds $l$m.ko against $SLMQ_KVER$([ -f "$src/$l$m.ko" ] || echo ": $(grep -m2 -i error "$T/kbuild.log")")"
else
	ok 1 "kernel headers: scripts/kernel/fetch.sh failed: $(tail -1 "$T/fetch.err")"
fi
echo "1..$n"
