#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Pack the test VM's initramfs (busybox, no distribution userland):
#   /init, /bin/slmq-run-tests, /lib/slmq/guest-lib.sh   from scripts/vm/guest-*
#   /bin/busybox (+ applet links made at boot)
#   /bin/slmqctl          --slmqctl BIN (default build/vm/slmqctl, the static
#                         build, else tools/slmqctl/slmqctl with its libraries)
#   /modules/*.ko         kmod/slmq.ko, the test modules selftests/*.ko and
#                         build/selftests/modules/*.ko (e.g. packed models)
#   /tests/...            everything under build/selftests/ (what
#                         selftests/Makefile builds) + selftests/*.sh
#   /lib/firmware/slmq/   build/selftests/firmware/*
#   --add SRC:DEST        any extra file (e.g. a demo script)
# Shared libraries of dynamic executables are copied as ldd resolves them.
#
# Usage: mkinitramfs.sh [-o OUT.cpio.gz] [--slmqctl BIN] [--add SRC:DEST]...
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
cd "$REPO"
OUT=build/vm/initramfs.cpio.gz
SLMQCTL=
ADD=()
while [ $# -gt 0 ]; do
	case "$1" in
	-o) OUT=$2; shift 2 ;;
	--slmqctl) SLMQCTL=$2; shift 2 ;;
	--add) ADD+=("$2"); shift 2 ;;
	*) echo "mkinitramfs: unknown argument $1" >&2; exit 2 ;;
	esac
done
log() { echo "mkinitramfs: $*" >&2; }

ROOT=$(dirname "$OUT")/root
rm -rf "$ROOT"
mkdir -p "$ROOT"/{bin,sbin,dev,proc,sys,tmp,run,root,etc,lib/slmq,lib/firmware/slmq,modules,tests}

install -m 755 scripts/vm/guest-init.sh "$ROOT/init"
install -m 755 scripts/vm/guest-run-tests.sh "$ROOT/bin/slmq-run-tests"
install -m 644 scripts/vm/guest-lib.sh "$ROOT/lib/slmq/guest-lib.sh"
install -m 755 /bin/busybox "$ROOT/bin/busybox"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$ROOT/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$ROOT/etc/group"

# Modules.
[ -f kmod/slmq.ko ] || { log "kmod/slmq.ko missing (make kmod)"; exit 1; }
cp kmod/slmq.ko "$ROOT/modules/"
for ko in selftests/*.ko build/selftests/modules/*.ko; do
	[ -e "$ko" ] && cp "$ko" "$ROOT/modules/"
done

# slmqctl: static if we have it, else the regular build plus its libraries.
if [ -z "$SLMQCTL" ]; then
	for c in build/vm/slmqctl tools/slmqctl/slmqctl; do
		[ -x "$c" ] && { SLMQCTL=$c; break; }
	done
fi
if [ -n "$SLMQCTL" ]; then
	install -m 755 "$SLMQCTL" "$ROOT/bin/slmqctl"
else
	log "no slmqctl built: the guest has none"
fi

# Tests, their data and firmware.
if [ -d build/selftests ]; then
	cp -a build/selftests/. "$ROOT/tests/"
	if [ -d build/selftests/firmware ]; then
		cp -a build/selftests/firmware/. "$ROOT/lib/firmware/slmq/"
	fi
fi
for t in selftests/*.sh; do
	[ -x "$t" ] && cp "$t" "$ROOT/tests/"
done

for a in ${ADD[@]+"${ADD[@]}"}; do
	src=${a%%:*}
	dst=$ROOT/${a#*:}
	mkdir -p "$(dirname "$dst")"
	cp -a "$src" "$dst"
done

# Shared libraries (and the loader) of every dynamic executable.
while IFS= read -r -d '' f; do
	head -c 4 "$f" 2>/dev/null | grep -q ELF || continue
	ldd "$f" >/dev/null 2>&1 || continue	# static or not runnable here
	# (a library with no dependencies of its own lists no path: grep finds none)
	ldd "$f" | { grep -oE '/[^ ]+' || true; } | while read -r lib; do
		[ -e "$ROOT$lib" ] && continue
		mkdir -p "$ROOT$(dirname "$lib")"
		cp -L "$lib" "$ROOT$lib"
	done
done < <(find "$ROOT/bin" "$ROOT/tests" -type f -perm -u+x -print0)

mkdir -p "$(dirname "$OUT")"
(cd "$ROOT" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -1) >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
log "$OUT: $(du -h "$OUT" | cut -f1) ($(find "$ROOT/tests" -maxdepth 1 -type f -perm -u+x | wc -l) tests, $(ls "$ROOT/modules" | wc -l) modules)"
