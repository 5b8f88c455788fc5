#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `scripts/kernel/fetch-cross.sh arm64|riscv64`: Debian's 6.12 headers of
# that architecture for cross-building slmq.ko (`make kmod ARCH=...`), into
# .cache/kernel-ARCH/ (never into git), and .cache/kernel-ARCH/env.sh:
#
#   KDIR           the headers tree for make -C $KDIR ARCH=$KARCH M=...
#   KARCH          the kernel's name of the architecture (arm64, riscv)
#   SLMQ_KVER      its release, e.g. 6.12.118+deb12-arm64
#   CROSS_COMPILE  aarch64-linux-gnu-, riscv64-linux-gnu-
#
# linux-headers-VER-ARCH and linux-headers-VER-common come through a private
# apt configuration (its own sources list, lists, cache and an empty dpkg
# status under .cache/kernel-ARCH/apt, passed with -o Dir::...), so the
# host's apt and dpkg stay as they are: no `dpkg --add-architecture`,
# nothing installed.  The .debs are unpacked with dpkg-deb -x.
# linux-kbuild-VER holds programs that run on the build machine (fixdep,
# modpost), so the amd64 one already unpacked by scripts/kernel/fetch.sh
# (run first) serves the cross trees too (hard links).
#
# arm64: the same version as the amd64 tree, from bookworm-security.
# riscv64 is not a bookworm architecture: the version linux-headers-riscv64
# depends on in trixie (6.12.N+deb13), whose kernel was built with trixie's
# tools, not this machine's.  Three things do not fit, and are adjusted in
# the unpacked tree only (everything else, auto.conf included, is Debian's):
#   - trixie's linux-kbuild programs are riscv64 binaries (and trixie's amd64
#     ones need glibc 2.38): the bookworm amd64 linux-kbuild of the host
#     tree stands in, under the trixie name, after checking that every file
#     of the two packages that is not an ELF program (the Makefiles and
#     scripts kbuild runs) is identical, so the programs come from the same
#     6.12 sources;
#   - .kernelvariables sets CC to $(CROSS_COMPILE)gcc-14, which bookworm
#     lacks: it is pointed at the unversioned cross compiler (GCC 12; the
#     version check Debian skips there, DEBIAN_KERNEL_NO_CC_VERSION_CHECK);
#   - auto.conf says pahole 1.30, so scripts/Makefile.btf would pass
#     --btf_features=..., which this machine's pahole does not know:
#     .kernelvariables overrides CONFIG_PAHOLE_VERSION with the host's
#     (scripts/pahole-version.sh), so Makefile.btf picks that pahole's
#     flags, as it does for bookworm's own kernels.
#   The other CONFIG_CC_HAS_*/AS_HAS_* that GCC 12/binutils 2.40 lack
#   (-fmin-function-alignment, -finline-stringops, ULEB128 relocations,
#   Zvk* crypto instructions) do not reach a module's build: see the
#   README's cross section.
#
# stdout: the env.sh lines; progress goes to stderr.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
ARCH=${1:-arm64}
case $ARCH in
arm64) CROSS=aarch64-linux-gnu- KARCH=arm64 ;;
riscv64) CROSS=riscv64-linux-gnu- KARCH=riscv ;;
*) echo "kernel-fetch-cross: $ARCH: only arm64 and riscv64 are supported" >&2; exit 1 ;;
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
HV=${SLMQ_KVER%-amd64}
HOSTROOT=$(cd "$KDIR/../../.." && pwd)
[ -d "$HOSTROOT/usr/lib/linux-kbuild-$HV" ] || die "no linux-kbuild-$HV under $HOSTROOT"

case $ARCH in
arm64) SUITE="http://deb.debian.org/debian-security bookworm-security" ;;
riscv64) SUITE="http://deb.debian.org/debian trixie" ;;
esac
APTO=(-q -o "APT::Architecture=$ARCH" -o "APT::Architectures::=$ARCH"
      -o "Dir::State=$A/state" -o "Dir::State::status=$A/status"
      -o "Dir::Cache=$A/cache" -o "Dir::Etc::SourceList=$A/sources.list"
      -o "Dir::Etc::SourceParts=/nonexistent" -o "Debug::NoLocking=1")
index() {	# the private index of $SUITE for $ARCH, updated
	mkdir -p "$A/state/lists/partial" "$A/cache/archives/partial"
	: >"$A/status"
	echo "deb [arch=$ARCH signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $SUITE main" \
		>"$A/sources.list"
	log "updating the private $ARCH index (${SUITE#* })"
	apt-get "${APTO[@]}" update >"$CACHE/apt.log" 2>&1 ||
		{ cat "$CACHE/apt.log" >&2; die "apt-get update failed"; }
}

# The version: arm64's is the amd64 tree's; riscv64's the one trixie's
# linux-headers-riscv64 depends on, remembered in $CACHE/version so that a
# complete tree is reused without the network.
if [ "$ARCH" = arm64 ]; then
	V=$HV
elif [ -s "$CACHE/version" ] && [ -e "$CACHE/$(cat "$CACHE/version")/.complete" ]; then
	V=$(cat "$CACHE/version")
else
	index
	V=$(apt-cache "${APTO[@]}" depends "linux-headers-$ARCH" 2>>"$CACHE/apt.log" |
		sed -n "s/^ *Depends: linux-headers-\(6\.12\.[0-9]*+deb13\)-$ARCH\$/\1/p" | head -1)
	[ -n "$V" ] || die "no linux-headers-6.12.*+deb13-$ARCH in trixie's index"
fi

files() {	# files DIR elf|other: the entries under DIR that are (not) ELF programs
	(cd "$1" && find . \( -type f -o -type l \) | sort | while read -r f; do
		t=other
		if [ ! -L "$f" ] && [ "$(head -c4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ]; then
			t=elf
		fi
		if [ "$t" = "$2" ]; then echo "$f"; fi
	done)
}

dir=$CACHE/$V
if [ ! -e "$dir/.complete" ]; then
	tmp=$dir.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp/debs"
	if [ "$ARCH" = arm64 ]; then
		index
	fi
	debs=("linux-headers-$V-$ARCH" "linux-headers-$V-common")
	# riscv64: its own linux-kbuild too, to compare with the host's
	[ "$V" = "$HV" ] || debs+=("linux-kbuild-$V")
	log "downloading ${debs[*]}"
	(cd "$tmp/debs" && apt-get "${APTO[@]}" download "${debs[@]}") >"$tmp/apt.log" 2>&1 ||
		{ cat "$tmp/apt.log" >&2; die "download failed"; }
	for deb in "$tmp"/debs/*.deb; do
		dpkg-deb -x "$deb" "$tmp/root"
	done
	K=$tmp/root/usr/lib/linux-kbuild-$V
	HK=$HOSTROOT/usr/lib/linux-kbuild-$HV
	if [ "$V" != "$HV" ]; then
		# The host's programs stand in for $ARCH's only if all else is equal.
		files "$K" other >"$tmp/k.other"
		files "$HK" other >"$tmp/hk.other"
		cmp -s "$tmp/k.other" "$tmp/hk.other" ||
			die "linux-kbuild-$V and -$HV do not ship the same files"
		while read -r f; do
			if [ -L "$K/$f" ]; then
				[ "$(readlink "$K/$f")" = "$(readlink "$HK/$f")" ]
			else
				cmp -s "$K/$f" "$HK/$f"
			fi || die "linux-kbuild-$V and -$HV differ in $f"
		done <"$tmp/k.other"
		cmp -s <(files "$K" elf) <(files "$HK" elf) ||
			die "linux-kbuild-$V and -$HV do not ship the same programs"
		log "linux-kbuild-$V: its $(wc -l <"$tmp/k.other") other files are -$HV's; its $(files "$K" elf | wc -l) programs are replaced by the host's"
		rm -rf "$K" "$tmp"/*.other
	fi
	mkdir -p "$tmp/root/usr/lib" "$tmp/root/usr/src"
	cp -al "$HK" "$K"
	# (riscv64's own package brought the usr/src/linux-kbuild-$V link)
	if [ "$V" = "$HV" ] && [ -e "$HOSTROOT/usr/src/linux-kbuild-$HV" ]; then
		cp -al "$HOSTROOT/usr/src/linux-kbuild-$HV" "$tmp/root/usr/src/"
	fi
	H=$tmp/root/usr/src/linux-headers-$V-$ARCH
	# The arch Makefile includes the -common tree by absolute path.
	sed -i "s|^include /usr/src/|include $dir/root/usr/src/|" "$H/Makefile"
	# Debian's .kernelvariables names the compiler the kernel was built
	# with; where that version is not installed (trixie's gcc-14 on
	# bookworm), the unversioned cross compiler (see the header).
	kv=$H/.kernelvariables
	# shellcheck disable=SC2016 # make's $(CROSS_COMPILE), literally
	ccv=$(sed -n 's/^CC = .*$(CROSS_COMPILE)gcc-\([0-9]*\)$/\1/p' "$kv")
	if [ -n "$ccv" ] && ! command -v "${CROSS}gcc-$ccv" >/dev/null; then
		# shellcheck disable=SC2016
		sed -i 's/^\(CC = .*$(CROSS_COMPILE)gcc\)-[0-9]*$/\1/' "$kv"
		log "CC: ${CROSS}gcc ($("${CROSS}gcc" -dumpversion)) for the kernel's ${CROSS}gcc-$ccv"
	fi
	# A kernel built with a newer pahole than this machine's (see the header).
	kpv=$(sed -n 's/^CONFIG_PAHOLE_VERSION=//p' "$H/include/config/auto.conf")
	hpv=$("$K/scripts/pahole-version.sh" pahole)
	if [ -n "$kpv" ] && [ "$hpv" -lt "$kpv" ]; then
		{
			echo "# slmq (scripts/kernel/fetch-cross.sh): built with pahole $kpv, this"
			echo "# machine has $hpv; scripts/Makefile.btf picks the module BTF flags by it."
			echo "override CONFIG_PAHOLE_VERSION := $hpv"
		} >>"$kv"
		log "pahole: this machine's $hpv for the kernel's $kpv"
	fi
	rm -rf "$tmp/debs"
	mv "$tmp" "$dir"
	touch "$dir/.complete"
fi
echo "$V" >"$CACHE/version"

cat >"$ENV.tmp" <<EOF
# Written by scripts/kernel/fetch-cross.sh; source it.
SLMQ_KVER='$V-$ARCH'
KDIR='$dir/root/usr/src/linux-headers-$V-$ARCH'
KARCH='$KARCH'
CROSS_COMPILE='$CROSS'
export SLMQ_KVER KDIR KARCH CROSS_COMPILE
EOF
mv "$ENV.tmp" "$ENV"
cat "$ENV"
