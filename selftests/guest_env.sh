#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest test (runs in the VM, TAP): the guest has what the other tests rely
# on, as scripts/vm/mkinitramfs.sh packs it.
n=0
fails=0
t() {	# t DESCRIPTION COMMAND...
	desc=$1
	shift
	n=$((n + 1))
	if "$@" >/dev/null 2>&1; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		fails=$((fails + 1))
	fi
}
has_net_admin() {	# CAP_NET_ADMIN is bit 12 of the effective set
	cap=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
	[ $(((0x$cap >> 12) & 1)) = 1 ]
}
echo "1..5"
t "slmqctl runs (statically linked or with its libraries)" slmqctl --help
t "slmq.ko is in \$SLMQ_MODDIR" test -f "$SLMQ_MODDIR/slmq.ko"
t "firmware directory /lib/firmware/slmq exists" test -d /lib/firmware/slmq
t "tests run with CAP_NET_ADMIN" has_net_admin
t "user nobody exists for unprivileged tests" grep -q '^nobody:' /etc/passwd
[ "$fails" = 0 ]
