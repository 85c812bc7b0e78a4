#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# End-to-end tests of the kernel traces (-t): the real uptrace traces examples/syscalls-demo,
# which writes down what it did (--expect); every field of every expected event is checked
# against that, with exact counts, and processes that are not the target must not show up.
# Usage: UPTRACE=build/uptrace bash tests/e2e/ktrace.sh   (TEST_FILTER=regex runs a subset)
set -u
. "$(dirname "$0")/lib.sh"

DEMO=$ROOT/examples/syscalls-demo/syscalls-demo

# Run the demo under uptrace -c with the given options; STEPS are the demo's.
# ktrace_run "TRACE OPTIONS" STEPS...
ktrace_run() {
	local opts=$1
	shift
	local status
	# shellcheck disable=SC2086
	"$UPTRACE" $opts -c "$DEMO --expect $T/expect.json $*" >out 2>err &
	RUN_PID=$!
	wait $RUN_PID && status=0 || status=$?
	eq "status of uptrace $opts" 0 "$status"
	no_sanitizer_report err
}

# A value the demo wrote down: xp STEP FIELD
xp() {
	jq -r --arg s "$1" "select(.step == \$s) | .$2" expect.json
}

# The events of one type, without the time (checked separately), as compact JSON lines.
events() {
	jq -c "select(.event_type == \"$1\") | del(.time)" out
}

# Compare what uptrace printed with what was expected, line by line and key by key (the
# key order is part of the output).
same() {
	if [ "$2" != "$3" ]; then
		diff <(echo "$2") <(echo "$3") | head -20 >&2
		fail "$1 differ"
	fi
}

common() { # common PID TID COMM TYPE -> the common fields as uptrace writes them
	printf '{"event_type":"%s","pid":%s,"tid":%s,"comm":"%s"' "$4" "$1" "$2" "$3"
}

# Every event: an RFC 3339 ns time first, the common fields, no key twice, in time order.
check_stream() {
	eq "time format" true "$(jq -r '.time | test("^20[0-9-]{8}T[0-9:]{8}\\.[0-9]{9}Z$")' out |
		sort -u | tr '\n' ' ' | sed 's/ $//')"
	eq "common keys first" '["time","event_type","pid","tid","comm"]' \
		"$(jq -c 'keys_unsorted[:5]' out | sort -u)"
	eq "in time order" true "$(jq -s '[.[].time] | . == sort' out)"
	# kernel events are flat: count "key": at the top level against jq's (last-wins) keys
	local line keys
	while IFS= read -r line; do
		keys=$(jq 'keys | length' <<<"$line")
		[ "$(grep -o '"[a-z_0-9]*":' <<<"$line" | wc -l)" = "$keys" ] ||
			fail "a key appears twice: $line"
	done < <(jq -c 'select(.args == null)' out)
}

# --- one test per trace: every field, exact counts -------------------------------------------

test_exec() {
	ktrace_run "-t trace_exec" exec
	local pid ok bad
	pid=$(xp exec pid)
	ok=$(xp exec ok)
	bad=$(xp exec bad)
	eq "exec events" 6 "$(wc -l <out)"
	# the command itself: before its execve it is still uptrace's child
	local argv="\"filename\":\"$DEMO\",\"argv\":\"$DEMO\",\"argv1\":\"--expect\",\"argv2\":\"$T/expect.json\",\"argv_last\":\"exec\",\"argc\":4"
	local true_argv='"filename":"/bin/true","argv":"true","argv1":"one","argv2":"two","argv_last":"five","argc":6'
	local bad_argv='"filename":"/nonexistent/no-such-program","argv":"no-such-program","argv1":"x","argv2":null,"argv_last":"x","argc":2'
	# the command itself first: before its execve it is still uptrace's child, "uptrace"
	same "exec events" "$(common "$pid" "$pid" uptrace exec),\"stage\":\"enter\",\"ppid\":$RUN_PID,$argv,\"error_raw\":0}
$(common "$pid" "$pid" syscalls-demo exec),\"stage\":\"exit\",\"ppid\":$RUN_PID,$argv,\"error_raw\":0}
$(common "$ok" "$ok" syscalls-demo exec),\"stage\":\"enter\",\"ppid\":$pid,$true_argv,\"error_raw\":0}
$(common "$ok" "$ok" true exec),\"stage\":\"exit\",\"ppid\":$pid,$true_argv,\"error_raw\":0}
$(common "$bad" "$bad" syscalls-demo exec),\"stage\":\"enter\",\"ppid\":$pid,$bad_argv,\"error_raw\":0}
$(common "$bad" "$bad" syscalls-demo exec),\"stage\":\"exit\",\"ppid\":$pid,$bad_argv,\"error_raw\":2}" \
		"$(events exec)"
	check_stream
	grep -q '^uptrace: 6 events, 0 lost' err || fail "summary: $(grep events err)"
}

test_signal() {
	ktrace_run "-t signal" signal
	local pid child
	pid=$(xp signal pid)
	child=$(xp signal child)
	eq "tid is the main thread" "$pid" "$(xp signal tid)"
	# kill(SIGUSR1), tgkill(SIGUSR2), tkill(SIGWINCH) to itself, SIGTERM to the child, and
	# the kernel's SIGCHLD when the child dies (sent by the child)
	same "signal events" "$(common "$pid" "$pid" syscalls-demo signal),\"signal\":10,\"tpid\":$pid}
$(common "$pid" "$pid" syscalls-demo signal),\"signal\":12,\"tpid\":$pid}
$(common "$pid" "$pid" syscalls-demo signal),\"signal\":28,\"tpid\":$pid}
$(common "$pid" "$pid" syscalls-demo signal),\"signal\":15,\"tpid\":$child}
$(common "$child" "$child" syscalls-demo signal),\"signal\":17,\"tpid\":$pid}" "$(events signal)"
	eq "nothing else" 5 "$(wc -l <out)"
	check_stream
}

test_malloc() {
	ktrace_run "-t malloc" malloc
	local pid m c r
	pid=$(xp malloc pid)
	m=$(xp malloc malloc)
	c=$(xp malloc calloc)
	r=$(xp malloc realloc)
	local head
	head=$(common "$pid" "$pid" syscalls-demo malloc)
	same "the demo's blocks" "$head,\"operation\":0,\"operation_name\":\"malloc\",\"address\":\"$m\",\"size\":12345}
$head,\"operation\":2,\"operation_name\":\"calloc\",\"address\":\"$c\",\"size\":7000}
$head,\"operation\":3,\"operation_name\":\"realloc\",\"address\":\"$r\",\"size\":23456,\"old_address\":\"$m\"}
$head,\"operation\":1,\"operation_name\":\"free\",\"address\":\"$r\",\"size\":0}
$head,\"operation\":1,\"operation_name\":\"free\",\"address\":\"$c\",\"size\":0}" \
		"$(jq -c --arg m "$m" --arg c "$c" --arg r "$r" 'select(.event_type == "malloc"
			and (.size == 12345 or .size == 7000 or .size == 23456
			     or (.operation == 1 and (.address == $r or .address == $c)))) | del(.time)' out)"
	eq "operations" "0 1 2 3" "$(jq -r .operation out | sort -u | xargs)"
	eq "only the demo" "$pid" "$(jq -r .pid out | sort -u)"
	check_stream
}

test_bind() {
	ktrace_run "-t bind" bind
	local pid fd4 port4 dev fd4b err4b fd6 port6 head
	pid=$(xp bind pid)
	fd4=$(xp bind fd4)
	port4=$(xp bind port4)
	dev=$(xp bind dev)
	fd4b=$(xp bind fd4b)
	err4b=$(xp bind err4b)
	fd6=$(xp bind fd6)
	port6=$(xp bind port6)
	eq "the second bind failed" 98 "$err4b"
	[ "$dev" -gt 0 ] || fail "SO_BINDTODEVICE lo did not work (dev $dev)"
	head=$(common "$pid" "$pid" syscalls-demo bind),\"uid\":$(xp bind uid),\"gid\":$(xp bind gid)
	# port 0 asked for: the port the kernel picked, read from the socket
	same "bind events" "$head,\"port\":$port4,\"bound_dev_if\":$dev,\"error_raw\":0,\"addr\":\"127.0.0.1\",\"fd\":$fd4}
$head,\"port\":$port4,\"bound_dev_if\":0,\"error_raw\":98,\"addr\":\"127.0.0.1\",\"fd\":$fd4b}
$head,\"port\":$port6,\"bound_dev_if\":0,\"error_raw\":0,\"addr\":\"::1\",\"fd\":$fd6}" "$(events bind)"
	eq "nothing else" 3 "$(wc -l <out)"
	check_stream
}

test_tcp() {
	ktrace_run "-t tcp" tcp
	local pid
	pid=$(xp tcp pid)
	local l4 port4 c4 c4port a4 l6 port6 c6 c6port err6 a6 r port_gone errr erra
	for v in l4 port4 c4 c4port a4 l6 port6 c6 c6port err6 a6 r port_gone errr erra; do
		eval "$v=\$(xp tcp $v)"
	done
	eq "non-blocking connect" 115 "$err6"
	eq "refused" 111 "$errr"
	eq "nothing to accept" 11 "$erra"
	local h
	h() { common "$pid" "$pid" syscalls-demo "$1"; }
	same "tcp events" "$(h listen),\"fd\":$l4,\"backlog\":16,\"error_raw\":0}
$(h connect),\"fd\":$c4,\"remote_port\":$port4,\"remote_addr\":\"127.0.0.1\",\"error_raw\":0}
$(h accept),\"fd\":$l4,\"new_fd\":$a4,\"peer_port\":$c4port,\"peer_addr\":\"127.0.0.1\",\"error_raw\":0}
$(h listen),\"fd\":$l6,\"backlog\":8,\"error_raw\":0}
$(h connect),\"fd\":$c6,\"remote_port\":$port6,\"remote_addr\":\"::1\",\"error_raw\":115}
$(h accept),\"fd\":$l6,\"new_fd\":$a6,\"peer_port\":$c6port,\"peer_addr\":\"::1\",\"error_raw\":0}
$(h connect),\"fd\":$r,\"remote_port\":$port_gone,\"remote_addr\":\"127.0.0.1\",\"error_raw\":111}
$(h accept),\"fd\":$l4,\"new_fd\":null,\"peer_port\":null,\"peer_addr\":null,\"error_raw\":11}" \
		"$(jq -c 'del(.time)' out)"
	check_stream
}

test_vfs() {
	ktrace_run "-t vfs" vfs
	local pid path fd fd2 dir missing h
	pid=$(xp vfs pid)
	path=$(xp vfs path)
	fd=$(xp vfs fd)
	fd2=$(xp vfs fd2)
	dir=$(xp vfs dir)
	missing=$(xp vfs missing)
	h=$(common "$pid" "$pid" syscalls-demo vfs)
	# flags: O_WRONLY|O_CREAT|O_TRUNC = 577 asked; the file's f_flags add O_LARGEFILE
	# (32768); mode: 0640 = 416 asked, S_IFREG|0640 = 33184 for the open file; 0750 = 488
	same "vfs events on the demo's files" \
		"$h,\"operation\":0,\"operation_name\":\"openat\",\"path\":\"$path\",\"flags\":577,\"mode\":416,\"fd\":$fd,\"error_raw\":0}
$h,\"operation\":5,\"operation_name\":\"write\",\"path\":\"$path\",\"flags\":32769,\"mode\":33184,\"fd\":$fd,\"error_raw\":0,\"bytes\":15}
$h,\"operation\":10,\"operation_name\":\"close\",\"path\":\"$path\",\"flags\":32769,\"mode\":33184,\"fd\":$fd,\"error_raw\":0}
$h,\"operation\":2,\"operation_name\":\"openat2\",\"path\":\"$path\",\"flags\":0,\"mode\":0,\"fd\":$fd2,\"error_raw\":0}
$h,\"operation\":4,\"operation_name\":\"read\",\"path\":\"$path\",\"flags\":32768,\"mode\":33184,\"fd\":$fd2,\"error_raw\":0,\"bytes\":15}
$h,\"operation\":6,\"operation_name\":\"pread64\",\"path\":\"$path\",\"flags\":32768,\"mode\":33184,\"fd\":$fd2,\"error_raw\":0,\"bytes\":5}
$h,\"operation\":10,\"operation_name\":\"close\",\"path\":\"$path\",\"flags\":32768,\"mode\":33184,\"fd\":$fd2,\"error_raw\":0}
$h,\"operation\":11,\"operation_name\":\"unlink\",\"path\":\"$path\",\"flags\":0,\"mode\":0,\"fd\":null,\"error_raw\":0}
$h,\"operation\":13,\"operation_name\":\"mkdir\",\"path\":\"$dir\",\"flags\":0,\"mode\":488,\"fd\":null,\"error_raw\":0}
$h,\"operation\":15,\"operation_name\":\"rmdir\",\"path\":\"$dir\",\"flags\":0,\"mode\":0,\"fd\":null,\"error_raw\":0}
$h,\"operation\":0,\"operation_name\":\"openat\",\"path\":\"$missing\",\"flags\":0,\"mode\":0,\"fd\":null,\"error_raw\":2}" \
		"$(jq -c --arg p "$path" --arg d "$dir" --arg m "$missing" \
			'select(.path == $p or .path == $d or .path == $m) | del(.time)' out)"
	# a path that cannot be read is null, and path_errno/path_address say why (the kernel
	# could not read it either: EFAULT)
	eq "EFAULT from the kernel" 14 "$(xp vfs err_fault)"
	same "the unreadable path" \
		"$h,\"operation\":0,\"operation_name\":\"openat\",\"path\":null,\"flags\":0,\"mode\":0,\"fd\":null,\"error_raw\":14,\"path_errno\":14,\"path_address\":\"0x1\"}" \
		"$(jq -c 'select(.path_errno != null) | del(.time)' out)"
	# the expect file: opened (creat-like fopen "w"), written once, closed
	eq "expect file events" "openat write close" \
		"$(jq -r --arg e "$T/expect.json" 'select(.path == $e) | .operation_name' out | xargs)"
	eq "only the demo" "$pid" "$(jq -r .pid out | sort -u)"
	check_stream
}

# --- all of them at once, with uprobes, in time order ------------------------------------------

test_all_traces_one_stream() {
	ktrace_run "-t all" all
	local pid
	pid=$(xp vfs pid)
	eq "event types" "accept bind connect exec listen malloc signal vfs" \
		"$(jq -r .event_type out | sort -u | xargs)"
	eq "exec events" 6 "$(jq -r 'select(.event_type == "exec") | 1' out | wc -l)"
	# the demo's own signals plus one SIGCHLD per child (2 from exec, 1 from signal)
	eq "signals" "10 12 15 17 17 17 28" \
		"$(jq -r 'select(.event_type == "signal") | .signal' out | sort -n | xargs)"
	# bind step 3, tcp step 3 (two listeners, one to find a free port)
	eq "binds" 6 "$(jq -r 'select(.event_type == "bind") | 1' out | wc -l)"
	eq "tcp events" 8 "$(jq -r 'select(.event_type | test("listen|accept|connect")) | 1' out | wc -l)"
	eq "the demo's malloc" 1 "$(jq -r 'select(.event_type == "malloc" and .size == 12345) | 1' out | wc -l)"
	eq "processes" "$(echo "$pid $(xp exec ok) $(xp exec bad) $(xp signal child)" | xargs -n1 | sort | xargs)" \
		"$(jq -r .pid out | sort -u | xargs)"
	check_stream
	grep -q "^uptrace:   trace:vfs  [0-9]* events, 0 lost" err || fail "per-trace summary: $(cat err)"
}

test_interleaves_with_uprobes_in_time_order() {
	ktrace_run "-t vfs -t malloc $DEMO step_vfs step_vfs%return step_malloc" malloc vfs
	local path
	path=$(xp vfs path)
	# step_malloc's call, then its blocks; step_vfs's call, its file operations, its return
	eq "sequence" "uprobe:step_malloc malloc:12345 malloc:7000 malloc:23456 uprobe:step_vfs vfs:openat vfs:write vfs:close vfs:openat2 vfs:read vfs:pread64 vfs:close vfs:unlink uretprobe:step_vfs" \
		"$(jq -r --arg p "$path" 'select(.function != null or .size == 12345 or .size == 7000
			or .size == 23456 or .path == $p)
		| if .function then "\(.event_type):\(.function)"
		  elif .event_type == "malloc" then "malloc:\(.size)"
		  else "vfs:\(.operation_name)" end' out | xargs)"
	eq "one process" 1 "$(jq -r .pid out | sort -u | wc -l)"
	check_stream
}

# --- who is traced ---------------------------------------------------------------------------------

# Two demos do the same, at the same time; uptrace -p A sees only A and A's children; with
# --all, B too.  uptrace -p A ends when A does, so A holds (--hold) until B is done: B's
# last steps must not come after uptrace has stopped.
check_other_process() {
	local all=$1
	mkfifo a.fifo b.fifo
	"$DEMO" --wait --hold --dir "$T" --expect a.json exec signal tcp vfs <a.fifo 2>/dev/null &
	local a=$!
	"$DEMO" --wait --dir "$T" --expect b.json exec signal tcp vfs <b.fifo 2>/dev/null &
	local b=$!
	exec 4>a.fifo 5>b.fifo
	# uptrace must not hold the fifos open: A would wait for their end for ever
	# shellcheck disable=SC2086
	start_uptrace -p $a $all -t exec -t signal -t tcp -t vfs 4>&- 5>&-
	echo go >&5
	echo go >&4
	exec 5>&-
	wait $b
	exec 4>&-
	wait $a
	wait_uptrace
	eq "status" 0 "$USTATUS"
	local pa pb
	pa=$(jq -r 'select(.step == "exec") | "\(.pid) \(.ok) \(.bad)"' a.json)
	pb=$(jq -r 'select(.step == "exec") | "\(.pid) \(.ok) \(.bad)"' b.json)
	pa="$pa $(jq -r 'select(.step == "signal") | .child' a.json)"
	pb="$pb $(jq -r 'select(.step == "signal") | .child' b.json)"
	local seen
	seen=$(jq -r .pid out | sort -u | xargs)
	if [ -z "$all" ]; then
		eq "pids" "$(echo $pa | xargs -n1 | sort | xargs)" "$seen"
		eq "tcp events of A" 8 "$(jq -r 'select(.event_type | test("listen|accept|connect")) | 1' out | wc -l)"
		eq "A's file" 11 "$(jq -r --arg d "$T" 'select(.path != null and (.path | startswith($d + "/syscalls-demo."))) | 1' out | wc -l)"
	else
		local p
		for p in $pa $pb; do
			echo " $seen " | grep -q " $p " || fail "--all: pid $p not seen ($seen)"
		done
		eq "tcp events of both" 16 "$(jq -r --argjson a "${pa%% *}" --argjson b "${pb%% *}" \
			'select((.event_type | test("listen|accept|connect")) and (.pid == $a or .pid == $b)) | 1' out | wc -l)"
		eq "both files" 22 "$(jq -r --arg d "$T" 'select(.path != null and (.path | startswith($d + "/syscalls-demo."))) | 1' out | wc -l)"
	fi
}

test_pid_sees_only_its_process_tree() {
	check_other_process ""
}

test_all_sees_every_process() {
	check_other_process --all
	# uptrace never traces itself, not even with --all
	eq "uptrace's own events" 0 "$(jq -r --argjson u "$UPID" 'select(.pid == $u) | 1' out | wc -l)"
}

test_binary_target_is_its_processes() {
	# the processes running BINARY (compared by inode), not a copy of it.  BINARY is the
	# test's own copy (private_copy): a stray of another test or run may run the shared one.
	DEMO=$(private_copy "$DEMO")
	cp "$DEMO" other-demo
	start_uptrace "$DEMO" -t tcp -t vfs
	"$DEMO" --dir "$T" --expect a.json tcp vfs 2>/dev/null
	./other-demo --dir "$T" --expect b.json tcp vfs 2>/dev/null
	sleep 0.3
	kill -INT "$UPID"
	wait_uptrace
	eq "pids" "$(jq -r 'select(.step == "vfs") | .pid' a.json)" "$(jq -r .pid out | sort -u)"
	eq "tcp events" 8 "$(jq -r 'select(.event_type | test("listen|accept|connect")) | 1' out | wc -l)"
}

# --- delivery --------------------------------------------------------------------------------------

test_idle_costs_nothing_and_poll_ms_does_not_delay() {
	mkfifo go.fifo
	"$DEMO" --wait --dir "$T" vfs <go.fifo 2>/dev/null &
	local pid=$!
	exec 3>go.fifo
	start_uptrace -p $pid --poll-ms 5000 -t vfs -t tcp
	sleep 0.5
	eq "nothing while the target is idle" 0 "$(wc -l <out)"
	local t0 i
	t0=$(date +%s%N)
	echo go >&3
	exec 3>&-
	for i in $(seq 1 100); do
		grep -q '"operation_name":"unlink"' out && break
		sleep 0.02
	done
	local ms=$((($(date +%s%N) - t0) / 1000000))
	grep -q '"operation_name":"unlink"' out || fail "no event within 2 s with --poll-ms 5000"
	[ "$ms" -lt 1500 ] || fail "took $ms ms"
	wait $pid
	wait_uptrace
}

test_head_exits_promptly_with_long_poll() {
	local t0 status gen base took
	# something to trace: a process that opens a file ten times a second
	(while :; do cat /etc/hostname >/dev/null; sleep 0.1; done) &
	gen=$!
	# what attaching and detaching the vfs tracepoints cost on this machine (closing each
	# waits for an RCU grace period in the kernel), measured the same way
	t0=$(date +%s%N)
	"$UPTRACE" -d 0.1 --poll-ms 60000 --all -t vfs >/dev/null 2>&1
	base=$((($(date +%s%N) - t0) / 1000000 - 100))
	t0=$(date +%s%N)
	status=0
	timeout 10 bash -c "'$UPTRACE' --poll-ms 60000 --all -t vfs 2>err | head -1 >first" ||
		status=$?
	took=$((($(date +%s%N) - t0) / 1000000))
	kill $gen
	eq "status" 0 "$status"
	eq "one line" 1 "$(wc -l <first)"
	# the first event comes within 0.1 s; leaving must not wait for the 60 s poll.  The
	# detach cost varies with the machine's load (one RCU grace period per tracepoint: 1.7 s
	# measured, then 3.7 s in the next run under ASan on a busy machine), hence 3 s of slack,
	# still far below the 60 s a missed hang-up would take.
	[ $took -lt $((base + 3000)) ] || fail "took $took ms; attach + detach alone take $base ms"
}

test_lost_records_are_counted_per_trace() {
	# a 4 KiB ring and a reader that does not read (stopped) while a burst of 40000
	# records comes: it overflows, for sure
	local lost delivered churn i
	mkfifo go.fifo
	exec 4<>go.fifo
	start_uptrace --ringbuf-size 4096 --wake-ms 1000 -t malloc -t signal \
		-c "$DEMO --wait --expect $T/expect.json churn" <go.fifo
	kill -STOP "$UPID"
	echo go >&4
	for i in $(seq 1 200); do
		grep -q '"step":"churn"' expect.json 2>/dev/null && break
		sleep 0.05
	done
	kill -CONT "$UPID"
	exec 4>&-
	wait_uptrace
	eq "status" 0 "$USTATUS"
	lost=$(jq -r 'select(.event_type == "lost") | .count' out | awk '{s += $1} END {print s + 0}')
	delivered=$(jq -r 'select(.event_type == "malloc") | 1' out | wc -l)
	churn=$(jq -r 'select(.event_type == "malloc" and (.size == 100 or .operation == 1)) | 1' out | wc -l)
	[ "$lost" -gt 0 ] || fail "expected loss with a 4 KiB ring"
	# every malloc(100) and free of the burst is either delivered or counted as lost
	[ $((churn + lost)) -ge 40000 ] || fail "delivered $churn + lost $lost < 40000"
	eq "lost events name the trace" malloc "$(jq -r 'select(.event_type == "lost") | .trace' out | sort -u)"
	grep -q "^uptrace: $delivered events, $lost lost" err || fail "summary: $(grep events err)"
	grep -q "^uptrace:   trace:malloc  $delivered events, $lost lost" err ||
		fail "per-trace summary: $(grep malloc err)"
}

# --- bad input ---------------------------------------------------------------------------------------


test_bad_trace_options() {
	expect_usage_error "no trace 'bogus'" -p 1 -t bogus
	expect_usage_error "need a target" -t vfs
	expect_usage_error "add -t TRACE" --all "$DEMO" step_vfs
	expect_usage_error "is a library" libc -t vfs
	expect_usage_error "poll-ms" --poll-ms 0 -p 1 -t vfs
	assert_nothing_attached
}

run_suite "$DEMO"
