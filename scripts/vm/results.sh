# SPDX-License-Identifier: GPL-2.0
#
# The host side of the guest channel (scripts/vm/guest-lib.sh): turns the
# @slmq records of one boot into TAP lines, sourced by scripts/checks/vm.sh.
# Kept apart so that scripts/checks/harness.sh can feed it crafted channel
# logs: a parser that lets a broken guest program pass is a test that
# cannot fail.
#
# The caller defines tap OK|FAIL|SKIP DESC [FILE] and the counter n, and
# sets TAINT_ALLOWED.
#
# first_report FILE CONSOLE: append the first report of the kernel log after
# boot (from the first suspicious line, 30 lines: a KASAN or lockdep report's
# header, access and stack) to FILE, so a failure shows more than one line.
first_report() {
	local since first
	since=$(grep -n '^=== kernel log since boot ===' "$2" | tail -1 | cut -d: -f1)
	[ -n "$since" ] || return 0
	first=$(tail -n +"$since" "$2" | grep -nE "$(dmesg_bad_re)" | head -1 | cut -d: -f1)
	[ -n "$first" ] || return 0
	{
		echo "--- the first report, from the kernel log:"
		tail -n +"$since" "$2" | tail -n +"$first" | head -n 30 | tr -d '\r'
	} >>"$1"
}

dmesg_bad_re() {	# the guest's own pattern (scripts/vm/guest-lib.sh)
	sed -n "s/^SLMQ_DMESG_BAD='\(.*\)'$/\1/p" scripts/vm/guest-lib.sh
}

# read_results CHAN LOGDIR [CONSOLE]
read_results() {
	local CHAN=$1 LOG=$2 CONSOLE=${3:-/dev/null}
	# Bytes, not characters: a test may print any byte (a name with 0xe9),
	# and in a UTF-8 locale neither grep nor bash's =~ would take that line.
	local LC_ALL=C
	local cur= rec rest name line rc p r desc first	# cur: program being read
	declare -A planned=() results=() fails=()
	order=()
	dmesg_bad=$LOG/dmesg.bad
	: >"$dmesg_bad"
	taint=
	done=
	pending=		# program whose "leaves no module loaded" line is due
	left=
	flush_pending() {
		[ -n "$pending" ] || return 0
		if [ -n "$left" ]; then
			tap FAIL "$pending: leaves none of our modules loaded (left:$left)"
		else
			tap OK "$pending: leaves none of our modules loaded"
		fi
		pending=
		left=
	}
	while IFS= read -r rec; do
		case "$rec" in
		"@slmq leftover "*) ;;
		*) flush_pending ;;
		esac
		case "$rec" in
		"@slmq begin "*)
			cur=${rec#@slmq begin }
			order+=("$cur")
			planned[$cur]=
			results[$cur]=0
			: >"$LOG/guest-$cur.out"
			;;
		"@slmq out "*)
			rest=${rec#@slmq out }
			name=${rest%% *}
			line=${rest#"$name"}
			line=${line# }
			echo "$line" >>"$LOG/guest-$name.out"
			if [[ $line =~ ^(not\ )?ok\ [0-9]+(\ -)?\ ?(.*)$ ]]; then
				results[$name]=$((results[$name] + 1))
				if [ -n "${BASH_REMATCH[1]}" ]; then
					tap FAIL "$name: ${BASH_REMATCH[3]}"
					fails[$name]=1
				else
					echo "ok $((++n)) - $name: ${BASH_REMATCH[3]}"
				fi
			elif [[ $line =~ ^1\.\.0\ *#\ *[Ss][Kk][Ii][Pp]\ *(.*)$ ]]; then
				planned[$name]=0
				tap SKIP "$name" "${BASH_REMATCH[1]}"
			elif [[ $line =~ ^1\.\.([0-9]+) ]]; then
				planned[$name]=${BASH_REMATCH[1]}
			fi
			;;
		"@slmq exit "*)
			rest=${rec#@slmq exit }
			name=${rest%% *}
			rc=${rest##* }
			p=${planned[$name]}
			r=${results[$name]}
			desc="$name: exit status $rc"
			# A program with no plan has not said what it was to run:
			# "exit 0" alone would let a test that ran nothing pass.
			if [ -n "$p" ]; then
				desc="$desc, $r/$p planned results"
			else
				desc="$desc, no TAP plan ($r results)"
			fi
			case "$rc" in 143 | 137) desc="$desc (killed by the watchdog: silent for SLMQ_TEST_TIMEOUT s?)" ;; esac
			if [ "$rc" = 0 ] && [ -n "$p" ] && [ "$p" = "$r" ] && [ -z "${fails[$name]:-}" ]; then
				tap OK "$desc"
			else
				tap FAIL "$desc" "$LOG/guest-$name.out"
			fi
			pending=$name
			cur=
			;;
		"@slmq leftover "*) left="$left ${rec##* }" ;;
		"@slmq stuck "*)
			name=${rec#@slmq stuck }
			tap FAIL "$name: ends within SLMQ_TEST_TIMEOUT (outlived SIGKILL: stuck in the kernel; stacks below)" "$LOG/guest-$name.out"
			cur=
			;;
		"@slmq dmesg "*) echo "${rec#@slmq dmesg }" >>"$dmesg_bad" ;;
		"@slmq taint "*) taint=${rec#@slmq taint } ;;
		"@slmq done") done=1 ;;
		esac
	# -a: such a line is not "binary" either.
	done < <(tr -d '\r' <"$CHAN" 2>/dev/null | grep -a '^@slmq ')
	flush_pending

	if [ -n "$cur" ]; then
		tap FAIL "$cur: finished (the guest stopped while it ran)" "$LOG/guest-$cur.out"
	fi
	if [ ${#order[@]} = 0 ]; then
		tap FAIL "the guest ran at least one test from /tests"
	fi
	if [ -n "$done" ] && ! [ -s "$dmesg_bad" ]; then
		tap OK "kernel log clean (no BUG/WARNING/Oops/Call Trace) after boot"
	else
		[ -n "$done" ] || echo "no kernel log report (guest did not finish)" >>"$dmesg_bad"
		first_report "$dmesg_bad" "$CONSOLE"
		tap FAIL "kernel log clean (no BUG/WARNING/Oops/Call Trace) after boot" "$dmesg_bad"
	fi
	if [ -n "$taint" ] && [ $((taint & ~TAINT_ALLOWED)) = 0 ]; then
		tap OK "kernel taint $taint: nothing beyond out-of-tree + unsigned module"
	else
		echo "tainted=${taint:-unknown}; allowed bits: 4096 (O) 8192 (E)" >"$LOG/taint"
		tap FAIL "kernel taint: nothing beyond out-of-tree + unsigned module" "$LOG/taint"
	fi
	if [ -n "$done" ]; then
		tap OK "guest finished"
	else
		{
			cat "$LOG/run.log" 2>/dev/null
			first=$(grep -nE 'BUG|Oops|Kernel panic|WARNING|Call Trace' "$CONSOLE" | head -1 | cut -d: -f1)
			[ -n "$first" ] && { echo "--- console from line $first"; sed -n "${first},$((first + 24))p" "$CONSOLE"; }
			echo "--- console tail"
			tail -n 12 "$CONSOLE"
		} >"$LOG/unfinished"
		tap FAIL "guest finished" "$LOG/unfinished"
	fi
}
