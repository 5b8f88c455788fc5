#!/bin/sh
# Install what slmq needs to build and test, with apt, only when missing.
# Why each package is there: see README.md, "Dependencies".
# `scripts/deps.sh deb`: also what `make deb` / `make check-deb` need.
set -e
PKGS="gcc make pkg-config libc6-dev libnl-3-dev libnl-genl-3-dev libjson-c-dev
libopenblas-dev liblapacke-dev libgfortran-12-dev jq clang libclang-rt-14-dev
qemu-system-x86 busybox-static cpio xz-utils kmod pahole bc flex bison libelf-dev libssl-dev
sparse python3 python3-yaml python3-jsonschema perl groff-base
gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu
gcc-riscv64-linux-gnu libc6-dev-riscv64-cross qemu-user-static"
[ "${1:-}" = deb ] && PKGS="$PKGS dpkg-dev debhelper dh-dkms dh-python dkms lintian"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing" >&2
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run as root or install them)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=900 update -q >/dev/null
apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends $missing >/dev/null
