#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest test runner (/bin/slmq-run-tests): every executable file directly in
# /tests, in name order, each under a timeout, each starting with none of
# /modules/*.ko loaded.  Results travel over the channel (guest-lib.sh).
. /lib/slmq/guest-lib.sh

for t in /tests/*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	run_one "${t##*/}" "$t"
	unload_leftovers "${t##*/}"
done
