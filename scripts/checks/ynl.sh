#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The YNL spec Documentation/netlink/specs/slmq.yaml is the source of truth
# for the netlink protocol: uapi/linux/slmq.h (the ABI) and, on the kernel
# side, kmod/slmq_nl_gen.[ch] (the family, its attribute policies and its
# genl_split_ops table, as net/handshake/genl.[ch] are made).  Regenerate
# all three with the kernel's own ynl-gen-c.py (from linux-source, fetched
# into .cache/kernel) and prove the committed files are byte for byte what
# the spec produces.  TAP output.
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
cd "$REPO"
# committed file = ynl-gen-c.py arguments that produce it
GENERATED=(
	"uapi/linux/slmq.h=--mode uapi --header"
	"kmod/slmq_nl_gen.h=--mode kernel --header"
	"kmod/slmq_nl_gen.c=--mode kernel --source"
)
echo "1..$((1 + ${#GENERATED[@]}))"
if ! eval "$(scripts/kernel/fetch.sh 2>/dev/null)" || [ ! -e "${SLMQ_YNL_DIR:-}/ynl-gen-c.py" ]; then
	echo "not ok 1 - ynl tooling fetched (scripts/kernel/fetch.sh failed)"
	n=1
	for g in "${GENERATED[@]}"; do
		n=$((n + 1))
		echo "not ok $n - ${g%%=*} matches the spec"
	done
	exit 1
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# ynl-gen-c.py needs the schemas beside specs/ and a MAINTAINERS file above.
mkdir -p "$T/Documentation/netlink/specs" "$T/out"
cp "$SLMQ_NETLINK_DOC"/genetlink*.yaml "$T/Documentation/netlink/"
touch "$T/MAINTAINERS"
cp Documentation/netlink/specs/slmq.yaml "$T/Documentation/netlink/specs/"
# Each file is written under its own name: the kernel source includes the
# header by the basename of its -o.
ok=1
for g in "${GENERATED[@]}"; do
	f=${g%%=*}
	# shellcheck disable=SC2086 # the arguments are words
	if ! (cd "$T" && timeout 120 /usr/bin/python3 "$SLMQ_YNL_DIR/ynl-gen-c.py" ${g#*=} \
		--spec Documentation/netlink/specs/slmq.yaml -o "$T/out/${f##*/}") >>"$T/gen.log" 2>&1; then
		ok=0
	fi
done
if [ $ok = 1 ]; then
	echo "ok 1 - spec passes the genetlink schema and generates the uapi header and the kernel policies/ops"
else
	sed 's/^/# /' "$T/gen.log"
	echo "not ok 1 - spec passes the genetlink schema and generates the uapi header and the kernel policies/ops"
fi
n=1
for g in "${GENERATED[@]}"; do
	f=${g%%=*}
	n=$((n + 1))
	if [ -s "$T/out/${f##*/}" ] && diff -u "$f" "$T/out/${f##*/}" >"$T/diff"; then
		echo "ok $n - $f matches the spec"
	else
		sed 's/^/# /' "$T/diff" 2>/dev/null
		echo "not ok $n - $f matches the spec (regenerate it: ynl-gen-c.py ${g#*=})"
	fi
done
