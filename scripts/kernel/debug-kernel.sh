#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once per machine) the debug kernel `make check-debug` boots: Debian's
# linux-source-6.12 (the version scripts/kernel/fetch.sh chose), configured
# x86_64_defconfig + scripts/kernel/debug.config (KASAN, kmemleak, lockdep,
# fault injection, ...).  Cached OUTSIDE the clone, so every clone on the
# machine shares it and only the first run pays the build:
#
#   $SLMQ_DEBUG_KERNEL_CACHE (default /var/cache/slmq/debug-kernel)/
#     debs/linux-source-6.12_*.deb          the download, shared by all keys
#     KEY/                                  KEY = sha256(debug.config, source
#       src/        the build tree: KDIR    version, BUILD_REV), 16 hex digits
#       bzImage System.map config env.sh build-seconds build.log .complete
#
# The tree is built where it stays (Kbuild records absolute paths); a KEY
# folder without .complete is a build that was interrupted and starts over.
#
#   debug-kernel.sh            build when missing; print the env.sh lines
#   debug-kernel.sh --cached   print them if built, else exit 1 (no build)
#
# env.sh (source it after .cache/kernel/env.sh; it overrides KDIR):
#   KDIR, SLMQ_VMLINUZ, SLMQ_KCONFIG, SLMQ_KVER, SLMQ_DEBUG_KERNEL (the KEY dir)
# Progress goes to stderr; the build runs `nice make -j$SLMQ_DEBUG_JOBS`
# (default: the number of CPUs).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
FRAG=$REPO/scripts/kernel/debug.config
ROOT=${SLMQ_DEBUG_KERNEL_CACHE:-/var/cache/slmq/debug-kernel}
JOBS=${SLMQ_DEBUG_JOBS:-$(nproc)}
# Bump when the build steps below change what ends up in the cache.
BUILD_REV=1
APT=(apt-get -q -o DPkg::Lock::Timeout=900)

log() { echo "debug-kernel: $*" >&2; }
die() { log "$*"; exit 1; }

# The linux-source version fetch.sh settled on (it also gives the guest its
# selftest headers, so both trees come from the same package).
"$REPO/scripts/kernel/fetch.sh" >/dev/null
read -r _ SV <"${SLMQ_KERNEL_CACHE:-$REPO/.cache/kernel}/current"
[ -n "$SV" ] || die "fetch.sh recorded no linux-source version"

KEY=$({ cat "$FRAG"; echo "source=$SV rev=$BUILD_REV"; } | sha256sum | cut -c1-16)
DIR=$ROOT/$KEY

emit() { cat "$DIR/env.sh"; }

if [ "${1:-}" = --cached ]; then
	[ -e "$DIR/.complete" ] || { log "not built: $DIR (make debug-kernel)"; exit 1; }
	emit
	exit 0
fi

mkdir -p "$ROOT"
exec 9>"$ROOT/.lock"
flock 9				# one build per machine at a time
if [ -e "$DIR/.complete" ]; then
	emit
	exit 0
fi

# ---- source ---------------------------------------------------------------
deb=$(ls "$ROOT"/debs/linux-source-6.12_"${SV//\~/%7e}"_*.deb "$ROOT"/debs/linux-source-6.12_"$SV"_*.deb 2>/dev/null | head -1 || true)
if [ -z "$deb" ]; then
	log "downloading linux-source-6.12=$SV"
	mkdir -p "$ROOT/debs"
	(cd "$ROOT/debs" && "${APT[@]}" download "linux-source-6.12=$SV" >&2)
	deb=$(ls -t "$ROOT"/debs/linux-source-6.12_*.deb | head -1)
fi
start=$(date +%s)
rm -rf "$DIR"
mkdir -p "$DIR/src"
log "unpacking $(basename "$deb")"
dpkg-deb --fsys-tarfile "$deb" |
	tar -xO --wildcards './usr/src/linux-source-6.12.tar.xz' |
	xz -dc -T0 | tar -x -C "$DIR/src" --strip-components=1
src=$DIR/src

# ---- config ---------------------------------------------------------------
cp "$FRAG" "$DIR/slmq-debug.config"
make -s -C "$src" x86_64_defconfig >&2
(cd "$src" && scripts/kconfig/merge_config.sh -m .config "$DIR/slmq-debug.config" >&2)
make -s -C "$src" olddefconfig >&2
# Every line of the fragment must have survived (a symbol whose dependencies
# are missing is dropped silently by olddefconfig).
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) want=$line ;;
	"# CONFIG_"*" is not set") want=$line ;;
	*) continue ;;
	esac
	sym=${want#\# }
	sym=${sym%%[= ]*}
	got=$(grep -E "^($sym=|# $sym is not set)" "$src/.config" || true)
	if [ "$got" != "$want" ] && ! { [ -z "$got" ] && [ "${want#\#}" != "$want" ]; }; then
		log "config: wanted '$want', got '${got:-<absent>}'"
		bad=1
	fi
done <"$FRAG"
[ "$bad" = 0 ] || die "debug.config does not apply to linux-source $SV"

# ---- build ----------------------------------------------------------------
log "building in $src with nice make -j$JOBS (log: $DIR/build.log)"
bstart=$(date +%s)
if ! nice make -C "$src" -j"$JOBS" all >"$DIR/build.log" 2>&1; then
	tail -n 30 "$DIR/build.log" >&2
	die "kernel build failed"
fi
# `all` ran modpost: Module.symvers and the modules_prepare output exist.
[ -s "$src/Module.symvers" ] || die "no Module.symvers"
cp "$src/arch/x86/boot/bzImage" "$src/System.map" "$DIR/"
cp "$src/.config" "$DIR/config"
end=$(date +%s)
echo "$((end - bstart))" >"$DIR/build-seconds"
echo "$((end - start))" >"$DIR/total-seconds"
krel=$(make -s -C "$src" kernelrelease)
cat >"$DIR/env.sh" <<EOT
# Written by scripts/kernel/debug-kernel.sh; source it after .cache/kernel/env.sh.
SLMQ_KVER='$krel'
KDIR='$DIR/src'
SLMQ_VMLINUZ='$DIR/bzImage'
SLMQ_KCONFIG='$DIR/config'
SLMQ_DEBUG_KERNEL='$DIR'
export SLMQ_KVER KDIR SLMQ_VMLINUZ SLMQ_KCONFIG SLMQ_DEBUG_KERNEL
EOT
touch "$DIR/.complete"
log "built $krel in $((end - bstart)) s (unpack + config + build: $((end - start)) s): $DIR"
emit
