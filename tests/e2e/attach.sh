#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# End-to-end tests of attaching and detaching many probes: build/e2e/manyfuncs has 2,000
# functions fn_0000 .. fn_1999, each called exactly once, and `uptrace ... 'fn_*'` must see
# exactly one event of each, however the probes attach (uprobe_multi links where the kernel
# has them, one perf-event link per probe elsewhere or with UPTRACE_NO_UPROBE_MULTI=1), and
# leave nothing attached.  On a kernel without uprobe_multi links (before 6.6, or before
# 6.10 for -p and -c), where each probe's detach waits ~100 ms in the kernel, the tests take
# the first 100 functions instead of 2,000.  How long attaching and detaching take is
# measured by make bench, not here.
# Usage: UPTRACE=build/uptrace TARGETS=build/e2e bash tests/e2e/attach.sh   (TEST_FILTER=regex)
set -u
. "$(dirname "$0")/lib.sh"

TARGETS=${TARGETS:-$ROOT/build/e2e}
MANY=$TARGETS/manyfuncs
CHECK=$("$UPTRACE" --check 2>/dev/null)

# What this kernel offers, as --check says it: uprobe_multi links, and links whose pid
# filter means a process (without it, -p and -c probes get one perf-event link each).
has_multi() { grep -q '^  yes uprobe_multi links (' <<<"$CHECK"; }
has_multi_pid() { grep -q '^  yes uprobe_multi links that filter by process' <<<"$CHECK"; }

# The probes of most tests: every function, fn_0000 .. fn_$LAST.
if has_multi_pid; then
	ALL='fn_*' LAST=1999
else
	ALL='fn_00*' LAST=99
fi
N=$((LAST + 1))

# The -v line that counts the links: "(M uprobe_multi link(s), P perf-event link(s))".
links_line() {
	sed -n 's/^uptrace: [0-9]* probe(s) ready in .* ms (\([0-9]* uprobe_multi .*\))$/\1/p' "$1"
}

# The events of FILE ($1) of type $2: exactly one of each function fn_FROM .. fn_TO ($3 $4),
# each with x = 1; the uretprobes with retval x + 10000 + N.
one_each() {
	local file=$1 type=$2 from=$3 to=$4 n=$(($4 - $3 + 1))
	jq -c --arg t "$type" 'select(.event_type == $t)' "$file" >"$file.$type"
	eq "$type events" "$n" "$(wc -l <"$file.$type")"
	eq "$type functions, each once" "$(seq -f 'fn_%04g' "$from" "$to" | xargs)" \
		"$(jq -r .function "$file.$type" | sort | xargs)"
	if [ "$type" = uprobe ]; then
		eq "arguments" 1 "$(jq -r .args.x "$file.$type" | sort -u | xargs)"
	else
		eq "return values" "" "$(jq -r 'select(.retval != (.function[3:] | tonumber) + 10001)
			| .function' "$file.$type")"
	fi
}

# A target that waits for a line on stdin (a fifo), its pid in TPID and the fifo's write end
# on fd $1; `echo go >&$1` starts it.
# start_waiting FD CMD...
start_waiting() {
	local fd=$1 fifo=go.$1 _ exe
	shift
	rm -f "$fifo"
	mkfifo "$fifo"
	"$@" <"$fifo" >/dev/null 2>&1 &
	TPID=$!
	eval "exec $fd>$fifo"
	exe=$(realpath "$1")
	for _ in $(seq 1 100); do
		[ "$(readlink "/proc/$TPID/exe")" = "$exe" ] && return 0
		sleep 0.02
	done
	fail "$1 did not start"
}

# --- 2,000 probes, each function once -----------------------------------------------------------

test_each_function_once() {
	"$UPTRACE" -v -c "$MANY" "$ALL" >out 2>err || fail "status $?: $(tail -3 err)"
	no_sanitizer_report err
	one_each out uprobe 0 $LAST
	eq "the command's status" 1 "$(grep -c "^uptrace: $MANY exited with status 0$" err)"
	if has_multi_pid; then
		eq "links" "1 uprobe_multi link(s), 0 perf-event link(s)" "$(links_line err)"
	else
		eq "links" "0 uprobe_multi link(s), $N perf-event link(s)" "$(links_line err)"
	fi
	assert_nothing_attached
}

test_each_function_of_a_binary_in_every_process() {
	local copy
	copy=$(private_copy "$MANY")
	start_uptrace "$copy" "$ALL"
	"$copy" -t || fail "the target failed: $?"
	"$copy" || fail "the target failed: $?"
	kill -INT "$UPID"
	wait_uptrace 300
	eq "status" 0 "$USTATUS"
	eq "events" $((2 * N)) "$(jq -c 'select(.event_type == "uprobe")' out | wc -l)"
	eq "each function twice" 2 "$(jq -r .function out | sort | uniq -c | awk '{ print $1 }' | sort -u | xargs)"
	eq "processes" 2 "$(jq -r .pid out | sort -u | wc -l)"
	if has_multi_pid; then
		eq "links" "1 uprobe_multi link(s), 0 perf-event link(s)" "$(links_line "$T/err")"
	fi
	assert_nothing_attached
}

# -p: the probes fire in that process only, in all its threads (a uprobe_multi link's pid
# is a thread group where the kernel has the fix; else each probe is a perf-event link).
test_pid_means_the_whole_process() {
	local a b
	start_waiting 3 "$MANY" -w -t
	a=$TPID
	start_waiting 4 "$MANY" -w -t
	b=$TPID
	start_uptrace -p "$a" "$ALL"
	echo go >&3
	echo go >&4
	exec 3>&- 4>&-
	wait "$a" || fail "target a failed: $?"
	wait "$b" || fail "target b failed: $?"
	wait_uptrace 300
	eq "status" 0 "$USTATUS"
	one_each out uprobe 0 $LAST
	eq "only the traced process" "$a" "$(jq -r .pid out | sort -u | xargs)"
	eq "from its second thread" 1 "$(jq -r 'select(.tid != .pid) | .tid' out | sort -u | wc -l)"
	assert_nothing_attached
}

test_follow_into_a_child() {
	"$UPTRACE" -v --follow -c "$MANY -f" "$ALL" >out 2>err || fail "status $?: $(tail -3 err)"
	no_sanitizer_report err
	one_each out uprobe 0 $LAST
	eq "one process, the child" 1 "$(jq -r .pid out | sort -u | wc -l)"
	# --follow attaches in every process and filters in BPF: no pid filter in the kernel
	if has_multi_pid; then
		eq "links" "1 uprobe_multi link(s), 0 perf-event link(s)" "$(links_line err)"
	fi
	assert_nothing_attached
}

# --- %return: the entry halves and the return probes, two links -------------------------------

test_return_probes_and_their_entries() {
	local returns='fn_0[0-4]*%return' last=499
	has_multi_pid || returns='fn_00[0-4]*%return' last=49
	"$UPTRACE" -v -c "$MANY" "$returns" 'fn_000*' >out 2>err ||
		fail "status $?: $(tail -3 err)"
	no_sanitizer_report err
	one_each out uretprobe 0 $last
	one_each out uprobe 0 9
	# the entries the user asked for share their call's id with its return
	eq "call ids of fn_0000..fn_0009" 10 "$(jq -s '[.[] | select(.function < "fn_0010")]
		| group_by(.call_id) | map(select(length == 2 and .[0].call_id > 0)) | length' out)"
	eq "durations" 0 "$(jq -c 'select(.event_type == "uretprobe" and .duration_ns <= 0)' out | wc -l)"
	if has_multi_pid; then
		# the 10 entries asked for and 490 silent ones; the 500 returns
		eq "links" "2 uprobe_multi link(s), 0 perf-event link(s)" "$(links_line err)"
	fi
	assert_nothing_attached
}

# --- all-or-nothing: one function the kernel cannot probe, among them ---------------------------

test_one_refused_probe_detaches_all() {
	start_waiting 3 "$MANY" -w
	"$UPTRACE" -p "$TPID" "$ALL" bad_fn >out 2>err && fail "attach succeeded"
	eq "status" 2 $?
	no_sanitizer_report err
	eq "one line" 1 "$(wc -l <err)"
	grep -qx "uptrace: cannot attach to $MANY:bad_fn (offset 0x[0-9a-f]*): the kernel cannot probe the instruction there" err ||
		fail "$(cat err)"
	assert_nothing_attached
	echo go >&3
	exec 3>&-
	wait "$TPID" || fail "the target was hurt: status $?"
}

# --- one perf-event link per probe, asked for ----------------------------------------------------

test_perf_links_when_asked() {
	UPTRACE_NO_UPROBE_MULTI=1 "$UPTRACE" -v -c "$MANY" 'fn_000*' 'fn_1999%return' >out 2>err ||
		fail "status $?: $(tail -3 err)"
	no_sanitizer_report err
	one_each out uprobe 0 9
	one_each out uretprobe 1999 1999
	eq "links" "0 uprobe_multi link(s), 12 perf-event link(s)" "$(links_line err)"
	assert_nothing_attached
}

run_suite "$MANY"
