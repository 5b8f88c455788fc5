#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Bounded load: for SLMQ_STRESS_SECONDS (default 60) NCLIENTS netlink
# clients generate (ask) and score (perplexity --kernel) on model "s" while
# it is replaced every 100 ms (tiny-q4 <-> tiny-q8) and, every 2 s, deleted
# and re-added.  Every request must either be answered with the results of
# one of the two files (bit-exact: the userspace engine's tokens and
# perplexity on the same file; which one depends on the model it started
# on) or refused with exit 1 and one line on stderr (e.g. "no model of this
# name" while deleted).  Afterwards memory_used is back to its value with
# one copy of the model loaded, then 0.  Under the debug kernel the kernel
# log checks (KASAN, lockdep, kmemleak, ...) of the whole run cover it too.
# Prints requests served and refusals (by message).
L=$(dirname "$0")/slmq_sh_lib
[ -f "$L" ] || L=${SLMQ_TESTDIR:-/tests}/slmq_sh_lib
. "$L"

SECS=${SLMQ_STRESS_SECONDS:-60}
NCLIENTS=${SLMQ_STRESS_CLIENTS:-4}
P="PCI device 8086:10d3 is"
MEM=/sys/kernel/slmq/memory_used
Q4=$DATA/tiny-q4.gguf
Q8=$DATA/tiny-q8.gguf
# One window: one score request (each window of `perplexity --kernel` is its
# own request, so a multi-window result may mix the two files).
SCORE="--data $DATA/test-head.bin --max-tokens 32 --ctx 32"
W=/tmp/stress
rm -rf $W
mkdir -p $W

# What each file answers, from the userspace engine.
for f in q4 q8; do
	eval file=\$$(echo "$f" | tr a-z A-Z)
	slmqctl generate "$file" -p "$P" -n 4 --json >$W/gen-$f.json &&
		json_ints ids $W/gen-$f.json | tr '\n' ' ' >$W/ids-$f
	slmqctl perplexity "$file" $SCORE --json >$W/ppl-$f.json
	json_num ppl $W/ppl-$f.json >$W/ppl-$f
done
[ -s $W/ids-q4 ] && [ -s $W/ids-q8 ] && [ -s $W/ppl-q4 ] && [ -s $W/ppl-q8 ] &&
	! cmp -s $W/ppl-q4 $W/ppl-q8
ok $? "userspace answers for tiny-q4 / tiny-q8: tokens $(cat $W/ids-q4)/ $(cat $W/ids-q8), perplexity $(cat $W/ppl-q4) / $(cat $W/ppl-q8)"

insmod "$MODDIR/slmq.ko"
ok $? "insmod slmq.ko"
slmqctl load "$Q4" --name s >/dev/null
ok $? "load tiny-q4 as s"
mem1=$(cat $MEM)

end=$(($(date +%s) + SECS))
# classify RC ERRFILE GOT EXPECT1 EXPECT2: one line of the client's log.
classify() {
	if [ "$1" = 0 ]; then
		if [ "$3" = "$4" ] || [ "$3" = "$5" ]; then
			echo served
		else
			echo "wrong got '$3'"
		fi
	elif [ "$1" = 1 ] && [ "$(grep -c . "$2")" = 1 ]; then
		echo "refused $(cat "$2")"
	else
		echo "bad exit $1: $(head -c 200 "$2" | tr '\n' '|')"
	fi
}
gen_client() {
	while [ "$(date +%s)" -lt $end ]; do
		slmqctl ask s -p "$P" -n 4 --json >$W/g$1.json 2>$W/g$1.err
		rc=$?
		got=$(json_ints tokens $W/g$1.json 2>/dev/null | tr '\n' ' ')
		classify $rc $W/g$1.err "$got" "$(cat $W/ids-q4)" "$(cat $W/ids-q8)" >>$W/log-g$1
	done
}
score_client() {
	while [ "$(date +%s)" -lt $end ]; do
		slmqctl perplexity "$Q4" $SCORE --kernel s --json >$W/s$1.json 2>$W/s$1.err
		rc=$?
		classify $rc $W/s$1.err "$(json_num ppl $W/s$1.json 2>/dev/null)" \
			"$(cat $W/ppl-q4)" "$(cat $W/ppl-q8)" >>$W/log-s$1
	done
}
replacer() {	# every 100 ms: s becomes the other file
	i=0
	while [ "$(date +%s)" -lt $end ]; do
		i=$((i + 1))
		f=$Q4
		[ $((i % 2)) = 1 ] && f=$Q8
		slmqctl load "$f" --name s >/dev/null 2>>$W/replace.err &&
			echo ok >>$W/log-replace || echo fail >>$W/log-replace
		usleep 100000
	done
}
deleter() {	# every 2 s: delete s, re-add it 200 ms later
	while [ "$(date +%s)" -lt $end ]; do
		sleep 2
		slmqctl unload s >/dev/null 2>>$W/delete.err && echo ok >>$W/log-delete
		usleep 200000
		slmqctl load "$Q4" --name s >/dev/null 2>>$W/delete.err
	done
}

pids=
c=0
while [ $c -lt "$NCLIENTS" ]; do
	c=$((c + 1))
	if [ $((c % 2)) = 1 ]; then gen_client $c & else score_client $c & fi
	pids="$pids $!"
done
replacer &
pids="$pids $!"
deleter &
pids="$pids $!"
wait $pids

cat $W/log-g* $W/log-s* >$W/all 2>/dev/null
served=$(grep -c '^served' $W/all)
refused=$(grep -c '^refused' $W/all)
nbad=$(grep -vc '^served\|^refused' $W/all)
echo "# $SECS s, $NCLIENTS clients: $served requests served, $refused refused;" \
	"replaces $(grep -c ok $W/log-replace 2>/dev/null) ok / $(grep -c fail $W/log-replace 2>/dev/null) refused," \
	"deletes $(grep -c ok $W/log-delete 2>/dev/null)"
sed -n 's/^refused //p' $W/all | sort | uniq -c | sed 's/^/#   refused: /'
sort -u $W/replace.err $W/delete.err 2>/dev/null | head -5 | sed 's/^/#   load\/unload: /'
[ "$nbad" = 0 ]
ok $? "every request answered with one file's exact results or refused with one line ($nbad not)"
grep -v '^served\|^refused' $W/all | head -5 | sed 's/^/# /'
[ "$served" -gt 0 ]
ok $? "requests were served while s was replaced and deleted ($served)"
[ "$(grep -c ok $W/log-replace 2>/dev/null)" -gt 0 ] && [ "$(grep -c ok $W/log-delete 2>/dev/null)" -gt 0 ]
ok $? "replaces and deletes happened"

# One copy of s again: memory_used as after the first load, then 0.
slmqctl load "$Q4" --name s >/dev/null
[ "$(cat $MEM)" = "$mem1" ]
ok $? "memory_used with one tiny-q4 loaded: $(cat $MEM), as before the load ($mem1)"
slmqctl unload s >/dev/null
[ "$(cat $MEM)" = 0 ]
ok $? "memory_used 0 after unload"
rmmod slmq
ok $? "rmmod slmq"
done_testing
