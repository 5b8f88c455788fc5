#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch what building and testing slmq.ko needs, into .cache/kernel/ (never
# into git), and write .cache/kernel/env.sh for the other scripts to source:
#
#   KDIR            headers tree for `make -C $KDIR M=... modules`
#   SLMQ_KVER       kernel release (uname -r of the guest), e.g. 6.12.117+deb12-amd64
#   SLMQ_VMLINUZ    the matching Debian kernel, booted by scripts/vm/run.sh
#   SLMQ_KSRC       the few linux-source-6.12 paths we need (below)
#   SLMQ_KSFT_DIR   tools/testing/selftests: kselftest*.h, lib.mk, kselftest/
#   SLMQ_CHECKPATCH scripts/checkpatch.pl (+ spelling.txt, const_structs.checkpatch)
#   SLMQ_YNL_DIR    tools/net/ynl (ynl-gen-c.py, cli.py, lib/)
#   SLMQ_NETLINK_DOC Documentation/netlink (genetlink*.yaml schemas)
#
# Why not `apt-get install linux-headers-...`: it pulls in the image,
# initramfs-tools and udev and runs update-initramfs (~75 s).  The .debs are
# downloaded and unpacked with dpkg-deb -x instead (seconds).
#
# Version: the newest linux-headers-6.12.*+deb12-amd64 apt knows whose four
# packages (headers, -common, kbuild, image) can all be downloaded; older ones
# are tried in turn when the archive has moved on.  Once a version is cached
# it is reused without asking apt (fast path); SLMQ_KERNEL_REFRESH=1 looks
# for a newer one, SLMQ_KVER=6.12.N+deb12 pins one.
#
# stdout: the env.sh lines (so `eval "$(scripts/kernel/fetch.sh)"` works);
# progress goes to stderr.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${SLMQ_KERNEL_CACHE:-$REPO/.cache/kernel}
ENV=$CACHE/env.sh
FLAVOUR=amd64
APT=(apt-get -q -o DPkg::Lock::Timeout=900)
# Paths taken from the linux-source tarball (wildcards, relative to its root).
SRC_PATHS=(
	'tools/testing/selftests/kselftest*'
	'tools/testing/selftests/lib.mk'
	'scripts/checkpatch.pl'
	'scripts/spelling.txt'
	'scripts/const_structs.checkpatch'
	'tools/net/ynl/*'
	'Documentation/netlink/genetlink*.yaml'
	'Documentation/netlink/netlink-raw.yaml'
)

log() { echo "kernel-fetch: $*" >&2; }
die() { log "$*"; exit 1; }

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9				# several scripts may fetch at once

# Download the named packages into $1 (apt-get download works in cwd).
download() {
	local dir=$1
	shift
	mkdir -p "$dir"
	(cd "$dir" && "${APT[@]}" download "$@" >/dev/null 2>"$dir/apt.err") ||
		{ sed 's/^/  /' "$dir/apt.err" >&2; return 1; }
}

# Candidate versions, newest first: "6.12.117+deb12" ...
list_versions() {
	apt-cache search --names-only "^linux-headers-6\\.12\\.[0-9]+\\+deb12-$FLAVOUR\$" |
		awk '{print $1}' | sed "s/^linux-headers-//; s/-$FLAVOUR\$//" | sort -rV
}

# Unpack headers + kbuild + vmlinuz of version $1 into $CACHE/$1.
fetch_kernel() {
	local v=$1 dir=$CACHE/$1 tmp=$CACHE/$1.tmp img
	[ -e "$dir/.complete" ] && return 0
	rm -rf "$tmp"
	log "downloading headers, kbuild and image $v"
	download "$tmp/debs" "linux-headers-$v-$FLAVOUR" "linux-headers-$v-common" \
		"linux-kbuild-$v" || return 1
	# The signed image is the one Debian users boot; -unsigned is the same kernel.
	download "$tmp/debs" "linux-image-$v-$FLAVOUR" ||
		download "$tmp/debs" "linux-image-$v-$FLAVOUR-unsigned" || return 1
	for deb in "$tmp"/debs/linux-headers-*.deb "$tmp"/debs/linux-kbuild-*.deb; do
		dpkg-deb -x "$deb" "$tmp/root"
	done
	img=$(ls "$tmp"/debs/linux-image-*.deb)
	dpkg-deb --fsys-tarfile "$img" |
		tar -x -C "$tmp/root" --wildcards './boot/vmlinuz-*' './boot/config-*'
	# The arch Makefile includes the -common tree by absolute path.
	sed -i "s|^include /usr/src/|include $dir/root/usr/src/|" \
		"$tmp/root/usr/src/linux-headers-$v-$FLAVOUR/Makefile"
	rm -rf "$tmp/debs"
	mv "$tmp" "$dir"
	touch "$dir/.complete"
}

# The linux-source-6.12 version closest to kernel $1 (same upstream release
# if apt has it, else the candidate).
source_version() {
	local up=${1%%+*} all
	all=$(apt-cache madison linux-source-6.12 | awk -F'|' '{gsub(/ /,"",$2); print $2}')
	[ -n "$all" ] || return 1
	echo "$all" | grep -m1 "^$up-" || echo "$all" | head -1
}

fetch_source() {
	local sv=$1 dir=$CACHE/src-${1//\~/_} tmp=$CACHE/src-${1//\~/_}.tmp tarball
	[ -e "$dir/.complete" ] && return 0
	rm -rf "$tmp"
	log "downloading linux-source-6.12=$sv (selftest headers, checkpatch, ynl)"
	download "$tmp/debs" "linux-source-6.12=$sv" || return 1
	dpkg-deb -x "$tmp"/debs/linux-source-6.12_*.deb "$tmp/deb"
	tarball=$(ls "$tmp"/deb/usr/src/linux-source-6.12.tar.xz)
	mkdir -p "$tmp/tree"
	tar -xJf "$tarball" -C "$tmp/tree" --strip-components=1 --wildcards \
		"${SRC_PATHS[@]/#/linux-source-6.12/}"
	# ynl-gen-c.py walks up from the spec to a MAINTAINERS file (forever if
	# none): a spec staged under this root finds this stub.
	echo "# stub: marks the root for tools/net/ynl/ynl-gen-c.py" >"$tmp/tree/MAINTAINERS"
	mkdir -p "$tmp/tree/Documentation/netlink/specs"
	rm -rf "$tmp/debs" "$tmp/deb"
	mv "$tmp/tree" "$dir"
	rmdir "$tmp" 2>/dev/null || true
	touch "$dir/.complete"
}

write_env() {
	local v=$1 sv=$2 root=$CACHE/$1/root src=$CACHE/src-${2//\~/_}
	cat >"$ENV.tmp" <<EOT
# Written by scripts/kernel/fetch.sh; source it.
SLMQ_KVER='$v-$FLAVOUR'
KDIR='$root/usr/src/linux-headers-$v-$FLAVOUR'
SLMQ_VMLINUZ='$root/boot/vmlinuz-$v-$FLAVOUR'
SLMQ_KCONFIG='$root/boot/config-$v-$FLAVOUR'
SLMQ_KSRC='$src'
SLMQ_KSFT_DIR='$src/tools/testing/selftests'
SLMQ_CHECKPATCH='$src/scripts/checkpatch.pl'
SLMQ_YNL_DIR='$src/tools/net/ynl'
SLMQ_NETLINK_DOC='$src/Documentation/netlink'
export SLMQ_KVER KDIR SLMQ_VMLINUZ SLMQ_KCONFIG SLMQ_KSRC SLMQ_KSFT_DIR SLMQ_CHECKPATCH SLMQ_YNL_DIR SLMQ_NETLINK_DOC
EOT
	mv "$ENV.tmp" "$ENV"
	cat "$ENV"
}

# A pin may also be the release env.sh exports (6.12.N+deb12-amd64), so a
# shell that sourced env.sh can run this again.
PIN=${SLMQ_KVER:-}
PIN=${PIN%-"$FLAVOUR"}

# Fast path: a complete cached version and nothing asked of us.
if [ -z "${SLMQ_KERNEL_REFRESH:-}" ] && [ -e "$CACHE/current" ]; then
	read -r v sv <"$CACHE/current"
	if [ -e "$CACHE/$v/.complete" ] && [ -e "$CACHE/src-${sv//\~/_}/.complete" ] &&
	   { [ -z "$PIN" ] || [ "$PIN" = "$v" ]; }; then
		write_env "$v" "$sv"
		exit 0
	fi
fi

versions=${PIN:-$(list_versions)}
if [ -z "$versions" ] && [ "$(id -u)" = 0 ]; then
	log "apt knows no linux-headers-6.12.*; running apt-get update"
	"${APT[@]}" update >/dev/null
	versions=$(list_versions)
fi
[ -n "$versions" ] || die "no linux-headers-6.12.*+deb12-$FLAVOUR in apt (bookworm-security enabled?)"

chosen=
for v in $versions; do
	if fetch_kernel "$v"; then
		chosen=$v
		break
	fi
	log "$v not downloadable, trying an older one"
	rm -rf "$CACHE/$v.tmp"
done
[ -n "$chosen" ] || die "none of these could be downloaded: $(echo $versions)"

sv=$(source_version "$chosen") || die "apt knows no linux-source-6.12"
fetch_source "$sv" || die "linux-source-6.12=$sv could not be downloaded"
echo "$chosen $sv" >"$CACHE/current"
log "kernel $chosen-$FLAVOUR, source $sv in $CACHE"
write_env "$chosen" "$sv"
