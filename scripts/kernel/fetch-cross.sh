#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `scripts/kernel/fetch-cross.sh arm64`: the Debian bookworm 6.12 arm64
# headers for cross-building slmq.ko (`make kmod ARCH=arm64`), into
# .cache/kernel-arm64/ (never into git), and .cache/kernel-arm64/env.sh:
#
#   KDIR           the arm64 headers tree for make -C $KDIR ARCH=arm64 M=...
#   SLMQ_KVER      its release, e.g. 6.12.118+deb12-arm64
#   CROSS_COMPILE  aarch64-linux-gnu-
#
# The same version as the amd64 tree scripts/kernel/fetch.sh caches (it is
# run first): linux-headers-VER-arm64 and linux-headers-VER-common come from
# bookworm-security's arm64 index through a private apt configuration (its
# own sources list, lists, cache and an empty dpkg status under
# .cache/kernel-arm64/apt, passed with -o Dir::...), so the host's apt and
# dpkg stay as they are: no `dpkg --add-architecture`, nothing installed.
# The .debs are unpacked with dpkg-deb -x.  linux-kbuild-VER holds programs
# that run on the build machine (fixdep, modpost), so the amd64 one already
# unpacked by fetch.sh serves the arm64 tree too (hard links).
#
# stdout: the env.sh lines; progress goes to stderr.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
ARCH=${1:-arm64}
case $ARCH in
arm64) CROSS=aarch64-linux-gnu- ;;
*) echo "kernel-fetch-cross: $ARCH: only arm64 is supported" >&2; exit 1 ;;
esac
CACHE=${SLMQ_KERNEL_CACHE_CROSS:-$REPO/.cache/kernel-$ARCH}
ENV=$CACHE/env.sh
A=$CACHE/apt

log() { echo "kernel-fetch-cross: $*" >&2; }
die() { log "$*"; exit 1; }

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9

# The amd64 tree: its version, and its kbuild programs.
"$REPO/scripts/kernel/fetch.sh" >/dev/null
# shellcheck disable=SC1091
. "$REPO/.cache/kernel/env.sh"
V=${SLMQ_KVER%-amd64}
HOSTROOT=$(cd "$KDIR/../../.." && pwd)
[ -d "$HOSTROOT/usr/lib/linux-kbuild-$V" ] || die "no linux-kbuild-$V under $HOSTROOT"

dir=$CACHE/$V
if [ ! -e "$dir/.complete" ]; then
	tmp=$dir.tmp
	rm -rf "$tmp"
	mkdir -p "$A/state/lists/partial" "$A/cache/archives/partial" "$tmp/debs"
	: >"$A/status"
	echo "deb [arch=$ARCH signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main" \
		>"$A/sources.list"
	APT=(apt-get -q -o "APT::Architecture=$ARCH" -o "APT::Architectures::=$ARCH"
	     -o "Dir::State=$A/state" -o "Dir::State::status=$A/status"
	     -o "Dir::Cache=$A/cache" -o "Dir::Etc::SourceList=$A/sources.list"
	     -o "Dir::Etc::SourceParts=/nonexistent" -o "Debug::NoLocking=1")
	log "updating the private $ARCH index (bookworm-security)"
	"${APT[@]}" update >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log" >&2; die "apt-get update failed"; }
	log "downloading linux-headers-$V-$ARCH and -common"
	(cd "$tmp/debs" && "${APT[@]}" download "linux-headers-$V-$ARCH" \
		"linux-headers-$V-common") >>"$tmp/apt.log" 2>&1 ||
		{ cat "$tmp/apt.log" >&2; die "download failed"; }
	for deb in "$tmp"/debs/*.deb; do
		dpkg-deb -x "$deb" "$tmp/root"
	done
	mkdir -p "$tmp/root/usr/lib" "$tmp/root/usr/src"
	cp -al "$HOSTROOT/usr/lib/linux-kbuild-$V" "$tmp/root/usr/lib/"
	[ -d "$HOSTROOT/usr/src/linux-kbuild-$V" ] &&
		cp -al "$HOSTROOT/usr/src/linux-kbuild-$V" "$tmp/root/usr/src/"
	# The arch Makefile includes the -common tree by absolute path.
	sed -i "s|^include /usr/src/|include $dir/root/usr/src/|" \
		"$tmp/root/usr/src/linux-headers-$V-$ARCH/Makefile"
	rm -rf "$tmp/debs"
	mv "$tmp" "$dir"
	touch "$dir/.complete"
fi

cat >"$ENV.tmp" <<EOF
# Written by scripts/kernel/fetch-cross.sh; source it.
SLMQ_KVER='$V-$ARCH'
KDIR='$dir/root/usr/src/linux-headers-$V-$ARCH'
CROSS_COMPILE='$CROSS'
export SLMQ_KVER KDIR CROSS_COMPILE
EOF
mv "$ENV.tmp" "$ENV"
cat "$ENV"
