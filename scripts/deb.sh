#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The Debian packages (debian/: slmqctl, slmq-dkms, python3-slmq).
#
#   scripts/deb.sh build   copy the tree to build/deb/slmq-VERSION, run
#                          dpkg-buildpackage -us -uc -b there (the .debs land
#                          in build/deb/, not next to the clone), then lintian
#   scripts/deb.sh check   TAP: contents where the FHS puts them, lintian
#                          tags, apt-get install ./*.deb, slmqctl --version
#                          from PATH, the Python module, dkms build against
#                          the Debian 6.12 headers in .cache/kernel, purge,
#                          and nothing left behind.  Root only; never leaves
#                          the packages installed.
set -u
cd "$(dirname "$0")/.." || exit 1
REPO=$PWD
V=$(cat VERSION)
D=$REPO/build/deb
PKGS=(slmqctl slmq-dkms python3-slmq)

build() {
	local cv src=$D/slmq-$V
	cv=$(dpkg-parsechangelog -S Version)
	[ "$cv" = "$V" ] || { echo "deb: debian/changelog says $cv, VERSION says $V" >&2; exit 1; }
	rm -rf "$D"
	mkdir -p "$src"
	if git rev-parse --git-dir >/dev/null 2>&1; then
		git ls-files -co --exclude-standard -z | while IFS= read -r -d '' f; do
			[ -e "$f" ] && printf '%s\0' "$f"
		done | xargs -0 cp -a --parents -t "$src"
	else
		tar -c --exclude=./build --exclude=./.cache --exclude=./.git . | tar -x -C "$src"
	fi
	echo "deb: dpkg-buildpackage in $src (log: $D/build.log)" >&2
	(cd "$src" && nice dpkg-buildpackage -us -uc -b -j2) >"$D/build.log" 2>&1 ||
		{ tail -20 "$D/build.log" >&2; exit 1; }
	lintian --tag-display-limit 0 -I "$D"/slmq_"${V}"_*.changes >"$D/lintian.txt" 2>&1
	ls -l "$D"/*.deb >&2
	echo "deb: lintian: $(grep -c '^[EW]:' "$D/lintian.txt") errors/warnings, $(grep -c '^[IP]:' "$D/lintian.txt") info/pedantic (build/deb/lintian.txt)" >&2
}

n=0
ok() {	# ok COND-EXIT-CODE DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
t() { "$@" >/dev/null 2>&1 && echo 0 || echo 1; }

# What the packages could touch, listed before install and after purge.
snapshot() {
	find /usr/bin/slmqctl /usr/src /var/lib/dkms /usr/lib/python3/dist-packages/slmq \
	     /usr/share/doc/slmqctl /usr/share/doc/slmq-dkms /usr/share/doc/python3-slmq \
	     /usr/share/man/man8/slmqctl.8.gz /usr/share/bash-completion/completions/slmqctl \
	     /lib/modules -path '/lib/modules/*/kernel' -prune -o -print 2>/dev/null | sort
}

purge() {
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 purge -y -q "${PKGS[@]}" >"$D/purge.log" 2>&1
}

check() {
	local deb f c kver kdir mod
	[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root (apt-get install)"; exit 0; }
	for p in "${PKGS[@]}"; do
		if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q installed; then
			echo "Bail out! $p is already installed here; purge it first"
			exit 1
		fi
	done
	for p in "${PKGS[@]}"; do
		deb=$(ls "$D/${p}_${V}_"*.deb 2>/dev/null)
		ok "$([ -f "$deb" ] && echo 0 || echo 1)" "built $p: $(basename "${deb:-none}")"
	done
	dpkg-deb -c "$D"/slmqctl_"$V"_*.deb | awk '{print $6}' >"$D/slmqctl.files"
	dpkg-deb -c "$D"/slmq-dkms_"$V"_*.deb | awk '{print $6}' >"$D/dkms.files"
	dpkg-deb -c "$D"/python3-slmq_"$V"_*.deb | awk '{print $6}' >"$D/py.files"
	for f in ./usr/bin/slmqctl ./usr/share/man/man8/slmqctl.8.gz \
		 ./usr/share/bash-completion/completions/slmqctl ./usr/share/doc/slmqctl/copyright \
		 ./usr/share/doc/slmqctl/README.md.gz ./usr/share/doc/slmqctl/schemas/validation_report.schema.json; do
		ok "$(t grep -qxE "$f(\.gz)?" "$D/slmqctl.files")" "slmqctl ships $f"
	done
	for f in dkms.conf Kbuild kmod/Kbuild kmod/slmq_main.c kmod/engine/engine.mk uapi/linux/slmq.h; do
		ok "$(t grep -qx "./usr/src/slmq-$V/$f" "$D/dkms.files")" "slmq-dkms ships /usr/src/slmq-$V/$f"
	done
	for f in __init__.py tools.json schemas/validation_report.schema.json; do
		ok "$(t grep -qx "./usr/lib/python3/dist-packages/slmq/$f" "$D/py.files")" "python3-slmq ships .../dist-packages/slmq/$f"
	done
	c=$(cat "$D"/*.files | grep -v '/$' | grep -vE '^\./usr/(bin|share|src|lib/python3/dist-packages)/' | tr '\n' ' ')
	ok "$([ -z "$c" ] && echo 0 || echo 1)" "every file under /usr/{bin,share,src,lib/python3/dist-packages}${c:+: not $c}"
	c=$(grep -E '^[EW]:' "$D/lintian.txt" | awk '{print $3}' | sort -u | tr '\n' ' ')
	local unexplained=""
	for tag in $c; do
		sed -n '/^### lintian/,/^## /p' README.md | grep -q -- "\`$tag\`" || unexplained="$unexplained $tag"
	done
	ok "$([ -z "$unexplained" ] && echo 0 || echo 1)" "lintian: no error/warning the README does not explain (tags: ${c:-none})${unexplained:+; unexplained:$unexplained}"

	snapshot >"$D/before.txt"
	trap purge EXIT
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends \
		"$D"/slmqctl_"$V"_*.deb "$D"/slmq-dkms_"$V"_*.deb "$D"/python3-slmq_"$V"_*.deb >"$D/install.log" 2>&1
	ok $? "apt-get install ./slmqctl ./slmq-dkms ./python3-slmq (log: build/deb/install.log)"
	ok "$([ "$(command -v slmqctl)" = /usr/bin/slmqctl ] && echo 0 || echo 1)" "slmqctl on PATH is /usr/bin/slmqctl"
	c=$(cd / && env -i PATH=/usr/bin:/bin slmqctl --version 2>&1)
	ok "$([ "$c" = "slmqctl $V" ] && echo 0 || echo 1)" "slmqctl --version from PATH: $c"
	c=$(cd / && env -i PATH=/usr/bin:/bin slmqctl quantize --help 2>&1 | head -1)
	ok "$([[ $c == "usage: slmqctl quantize "* ]] && echo 0 || echo 1)" "slmqctl quantize --help works installed"
	c=$(zcat /usr/share/man/man8/slmqctl.8.gz | groff -ww -z -man 2>&1)
	ok "$([ $? = 0 ] && [ -z "$c" ] && echo 0 || echo 1)" "the installed man page reads (zcat | groff -ww: no warnings)${c:+: $c}"
	c=$(bash -c '. /usr/share/bash-completion/completions/slmqctl && complete -p slmqctl' 2>&1)
	ok "$([[ $c == *"-F _slmqctl slmqctl"* ]] && echo 0 || echo 1)" "installed completion registers: $c"
	c=$(cd / && env -i PATH=/usr/bin:/bin /usr/bin/python3 -c '
import slmq
print(slmq.__file__, len(slmq.tool_descriptions()), slmq.report_schema(slmq.tool_descriptions()[1]["returns"]["$ref"])["title"])' 2>&1)
	ok "$([[ $c == "/usr/lib/python3/dist-packages/slmq/__init__.py 3 slmq validation report" ]] && echo 0 || echo 1)" \
		"Debian's python3 imports slmq, its tools and schemas: $c"
	c=$(cd / && env -i PATH=/usr/bin:/bin /usr/bin/python3 -c '
import slmq
try:
    slmq.list_models()
except slmq.SlmqError as e:
    print(e.message)' 2>&1)
	ok "$([[ $c == "slmqctl: "* ]] && echo 0 || echo 1)" "python3-slmq finds /usr/bin/slmqctl: $c"
	ok "$(t sh -c "dkms status -m slmq -v $V | grep -q 'slmq/$V'")" "dkms knows slmq/$V after install: $(dkms status -m slmq 2>&1 | head -1)"

	# shellcheck source=/dev/null
	. .cache/kernel/env.sh 2>/dev/null || scripts/kernel/fetch.sh >/dev/null && . .cache/kernel/env.sh
	kver=$SLMQ_KVER
	kdir=$KDIR
	nice dkms build -m slmq -v "$V" -k "$kver" --kernelsourcedir "$kdir" >"$D/dkms-build.log" 2>&1
	ok $? "dkms build -m slmq -v $V -k $kver --kernelsourcedir .cache/kernel/... (log: build/deb/dkms-build.log)"
	mod=$(ls /var/lib/dkms/slmq/"$V"/"$kver"/*/module/slmq.ko* 2>/dev/null | head -1)
	c=$(modinfo -F vermagic "$mod" 2>/dev/null | awk '{print $1}')
	ok "$([ "$c" = "$kver" ] && echo 0 || echo 1)" "the DKMS-built slmq.ko is for $kver (vermagic: ${c:-none})"

	purge
	ok $? "apt-get purge slmqctl slmq-dkms python3-slmq"
	trap - EXIT
	c=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "${PKGS[@]}" 2>/dev/null | grep -v '^un ' | grep -v '^ *$' | tr '\n' ' ')
	ok "$([ -z "$c" ] && echo 0 || echo 1)" "dpkg knows none of them after purge${c:+: $c}"
	snapshot >"$D/after.txt"
	c=$(diff "$D/before.txt" "$D/after.txt" | grep '^[<>]' | head -5 | tr '\n' ' ')
	ok "$([ -z "$c" ] && echo 0 || echo 1)" "nothing left behind (/usr/src, /var/lib/dkms, /lib/modules, /usr/bin, docs, python)${c:+: $c}"
	echo "1..$n"
}

case ${1:-} in
build) build ;;
check) check ;;
*) echo "usage: $0 build|check" >&2; exit 2 ;;
esac
