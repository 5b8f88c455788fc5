#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The YNL spec Documentation/netlink/specs/slmq.yaml is the source of truth
# for uapi/linux/slmq.h: regenerate the header with the kernel's own
# ynl-gen-c.py (from linux-source, fetched into .cache/kernel) and prove the
# committed header is byte for byte what the spec produces.  TAP output.
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
cd "$REPO"
echo "1..2"
if ! eval "$(scripts/kernel/fetch.sh 2>/dev/null)" || [ ! -e "${SLMQ_YNL_DIR:-}/ynl-gen-c.py" ]; then
	echo "not ok 1 - ynl tooling fetched (scripts/kernel/fetch.sh failed)"
	echo "not ok 2 - uapi/linux/slmq.h matches the spec"
	exit 1
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# ynl-gen-c.py needs the schemas beside specs/ and a MAINTAINERS file above.
mkdir -p "$T/Documentation/netlink/specs"
cp "$SLMQ_NETLINK_DOC"/genetlink*.yaml "$T/Documentation/netlink/"
touch "$T/MAINTAINERS"
cp Documentation/netlink/specs/slmq.yaml "$T/Documentation/netlink/specs/"
if (cd "$T" && timeout 120 /usr/bin/python3 "$SLMQ_YNL_DIR/ynl-gen-c.py" --mode uapi \
	--header --spec Documentation/netlink/specs/slmq.yaml -o "$T/slmq.h") >"$T/gen.log" 2>&1; then
	echo "ok 1 - spec passes the genetlink schema and generates a uapi header"
else
	sed 's/^/# /' "$T/gen.log"
	echo "not ok 1 - spec passes the genetlink schema and generates a uapi header"
fi
if [ -s "$T/slmq.h" ] && diff -u uapi/linux/slmq.h "$T/slmq.h" >"$T/diff"; then
	echo "ok 2 - uapi/linux/slmq.h matches the spec"
else
	sed 's/^/# /' "$T/diff" 2>/dev/null
	echo "not ok 2 - uapi/linux/slmq.h matches the spec (regenerate it)"
fi
