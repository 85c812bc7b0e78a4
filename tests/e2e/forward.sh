#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# End-to-end tests of --forward: the real uptrace traces examples/flb-mini and sends the
# events to fwd-recv (tests/forward/fwd-recv.c), a Forward protocol receiver that writes
# every entry it acknowledges as {"tag","time":[sec,nsec],"record"} to a file, before the
# ack.  Records are compared with what uptrace writes as JSON for the same run (-o), times
# with the events' own "time", counts exactly, also across receiver crashes and restarts.
# Usage: UPTRACE=build/uptrace FWD_RECV=build/tests/fwd-recv bash tests/e2e/forward.sh
set -u
. "$(dirname "$0")/lib.sh"

FWD_RECV=${FWD_RECV:-$(dirname "$UPTRACE")/tests/fwd-recv}

# Start the receiver in the background, appending to $T/recv.ndjson; sets RPID and RPORT.
# recv_start [--port N | --unix PATH] [fwd-recv options]
recv_start() {
	rm -f "$T/port"
	"$FWD_RECV" -o "$T/recv.ndjson" --port-file "$T/port" "$@" 2>>"$T/recv.err" &
	RPID=$!
	local i
	for i in $(seq 1 100); do
		[ -s "$T/port" ] && break
		sleep 0.05
	done
	[ -s "$T/port" ] || fail "fwd-recv did not start: $(cat "$T/recv.err")"
	RPORT=$(cat "$T/port")
}

recv_stop() {
	kill -TERM "$RPID" 2>/dev/null || true
	wait "$RPID" 2>/dev/null || true
	no_sanitizer_report "$T/recv.err"
}

# Wait until the receiver has N entries (at most 15 s).
wait_entries() {
	local i
	for i in $(seq 1 300); do
		[ "$(cat "$T/recv.ndjson" 2>/dev/null | wc -l)" -ge "$1" ] && return 0
		sleep 0.05
	done
	fail "the receiver has $(wc -l <"$T/recv.ndjson") entries, not $1"
}

cleanup_recv() {
	[ -n "${RPID:-}" ] && recv_stop
	cleanup_bg
}

# A free TCP port on 127.0.0.1 with nobody listening: the receiver's, once it is gone.
free_port() {
	recv_start
	recv_stop
	rm -f "$T/recv.ndjson"
}

# The forward line of the summary, from "N events" on.
fwd_summary() {
	sed -n 's/^uptrace: forward to [^ ]*: //p' "$1"
}

# Each call's record once: the uprobe events' counters 0..N-1, and call_ids 1..N for both
# event types, each exactly once.
check_once() {
	local n=$1
	eq "entries" $((2 * n)) "$(wc -l <recv.ndjson)"
	eq "counters" "$(seq 0 $((n - 1)) | tr '\n' ' ')" \
		"$(jq -r 'select(.tag == "uptrace.uprobe") | .record.args.buf[0][1].counter' \
			recv.ndjson | sort -n | tr '\n' ' ')"
	eq "uprobe call_ids" "$(seq 1 "$n" | tr '\n' ' ')" \
		"$(jq -r 'select(.tag == "uptrace.uprobe") | .record.call_id' recv.ndjson |
			sort -n | tr '\n' ' ')"
	eq "uretprobe call_ids" "$(seq 1 "$n" | tr '\n' ' ')" \
		"$(jq -r 'select(.tag == "uptrace.uretprobe") | .record.call_id' recv.ndjson |
			sort -n | tr '\n' ' ')"
}

PROBES=(flb_input_log_append 'flb_input_log_append%return')

# A test that traces a BINARY without -p or -c traces its own copy (private_copy, lib.sh).

# (1) every event arrives with its tag, its own time as EventTime, and the record uptrace
# writes as JSON for it, field for field - but for the Fluent Bit records of the msgpack
# capture, which arrive as the traced program made them (test (1b) checks their bytes).
test_forward_records_equal_json() {
	trap cleanup_recv EXIT
	recv_start
	"$UPTRACE" --forward "127.0.0.1:$RPORT" -o out.ndjson \
		-c "$FLB -n 20 --metadata --expect expect.ndjson" "${PROBES[@]}" >stdout 2>err
	eq "status" 0 "$?"
	no_sanitizer_report err
	# events went to the receiver (and -o), not stdout: only flb-mini's own line is there
	eq "stdout" "calls=20 records=20 bytes=1110" "$(cat stdout)"
	eq "events" 40 "$(wc -l <out.ndjson)"
	# uptrace waited for every ack before it exited: all of them are there already
	eq "entries" 40 "$(wc -l <recv.ndjson)"
	fwd_summary err | grep -qE '^40 events in [0-9]+ batch(es)?, 40 acked, 0 resent, 0 dropped \(buffer full\), 0 unacked$' ||
		fail "forward summary: $(fwd_summary err)"
	# the same records, field for field (jq -S: key order aside, values exact), the captured
	# Fluent Bit records read back as uptrace's JSON reads them
	same_sets "records" "$(jq -cS . out.ndjson | sort)" \
		"$(jq -cS ".record | if .args.buf then .args.buf |= ($FLB_AS_JSON) else . end" \
			recv.ndjson | sort)"
	# tag: uptrace.<event_type>
	eq "tags" "uptrace.uprobe uptrace.uretprobe" "$(jq -r .tag recv.ndjson | sort -u | tr '\n' ' ' | sed 's/ $//')"
	eq "tag = uptrace.event_type" 40 \
		"$(jq -c 'select(.tag == "uptrace." + .record.event_type)' recv.ndjson | wc -l)"
	# EventTime: exactly the event's own "time", to the nanosecond
	eq "EventTime = time" 40 "$(jq -c 'select(.time == [(.record.time |
		sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601),
		(.record.time | capture("\\.(?<ns>[0-9]{9})Z$").ns | tonumber)])' recv.ndjson | wc -l)"
	# and what flb-mini passed is what arrived
	eq "bodies" "$(jq -c '.buf[] | .body' expect.ndjson)" \
		"$(jq -c 'select(.tag == "uptrace.uprobe") | .record.args.buf[0][1]' recv.ndjson)"
	check_once 20
}

# (1b) the Fluent Bit records a msgpack capture holds reach the receiver as the bytes the
# traced program passed, byte for byte: map32 headers, group markers, metadata and all.
test_forward_fluent_bit_records_byte_for_byte() {
	trap cleanup_recv EXIT
	recv_start --raw-buf "$T/raw.bin"
	"$UPTRACE" --forward "127.0.0.1:$RPORT" \
		-c "$FLB -n 25 -k 3 --map32 --group --metadata --dump $T/dump.bin" \
		flb_input_log_append >stdout 2>err
	eq "status" 0 "$?"
	no_sanitizer_report err
	grep -qx 'calls=25 records=75 bytes=[0-9]*' stdout || fail "stdout: $(cat stdout)"
	eq "entries" 25 "$(wc -l <recv.ndjson)"
	# 25 calls of 3 records in a group: 5 objects a call, 125 in all
	eq "records received" 125 "$(jq '.record.args.buf | length' recv.ndjson | paste -sd+ | bc)"
	eq "bytes" "$(stat -c %s dump.bin)" "$(stat -c %s raw.bin)"
	cmp -s dump.bin raw.bin || fail "the records differ from flb-mini's: $(cmp dump.bin raw.bin)"
}

# Sorted lines must be the same.
same_sets() {
	if [ "$2" != "$3" ]; then
		diff <(echo "$2") <(echo "$3") | head -10 >&2
		fail "$1 differ"
	fi
}

# (2) nobody listens at start: uptrace says so once, buffers, and delivers everything once
# the receiver comes.
test_receiver_starts_later() {
	trap cleanup_recv EXIT
	FLB=$(private_copy "$FLB")
	free_port
	start_uptrace --forward "127.0.0.1:$RPORT" "$FLB" "${PROBES[@]}"
	"$FLB" -n 30 >/dev/null
	sleep 0.5
	eq "said not reachable" 1 "$(grep -c "forward: 127.0.0.1:$RPORT is not reachable yet (Connection refused); buffering and retrying" "$T/err")"
	recv_start --port "$RPORT"
	wait_entries 60
	kill -INT "$UPID"
	wait_uptrace
	eq "status" 0 "$USTATUS"
	eq "connected" 1 "$(grep -c "^uptrace: forward: connected to 127.0.0.1:$RPORT$" "$T/err")"
	eq "stdout" 0 "$(wc -c <"$T/out")"
	fwd_summary "$T/err" | grep -qE '^60 events in [0-9]+ batch(es)?, 60 acked, 0 resent, 0 dropped \(buffer full\), 0 unacked$' ||
		fail "forward summary: $(fwd_summary "$T/err")"
	check_once 30
}

# (3) the receiver dies after 2 batches (without writing or acking the third) and comes
# back: every record arrives exactly once.
test_receiver_dies_and_restarts() {
	trap cleanup_recv EXIT
	FLB=$(private_copy "$FLB")
	recv_start --die-after 2
	start_uptrace --forward "127.0.0.1:$RPORT" "$FLB" "${PROBES[@]}"
	# 60 calls over 0.6 s: about a dozen batches of 100 ms
	"$FLB" -n 60 -r 100 >/dev/null &
	local flb=$!
	wait "$RPID" || true
	grep -q "dying without a word" "$T/recv.err" || fail "the receiver did not die"
	sleep 0.3
	recv_start --port "$RPORT"
	wait "$flb"
	wait_entries 120
	kill -INT "$UPID"
	wait_uptrace
	eq "status" 0 "$USTATUS"
	eq "lost once" 1 "$(grep -c "forward: connection to 127.0.0.1:$RPORT lost" "$T/err")"
	eq "back once" 1 "$(grep -c "forward: connected to 127.0.0.1:$RPORT; resending [0-9]* unacknowledged events$" "$T/err")"
	fwd_summary "$T/err" | grep -qE '^120 events in [0-9]+ batch(es)?, 120 acked, [1-9][0-9]* resent, 0 dropped \(buffer full\), 0 unacked$' ||
		fail "forward summary: $(fwd_summary "$T/err")"
	check_once 60
}

# (4) a unix socket
test_unix_socket() {
	trap cleanup_recv EXIT
	recv_start --unix "$T/fwd.sock"
	"$UPTRACE" --forward "unix:$T/fwd.sock" -c "$FLB -n 7" "${PROBES[@]}" >stdout 2>err
	eq "status" 0 "$?"
	no_sanitizer_report err
	eq "stdout" "calls=7 records=7 bytes=273" "$(cat stdout)"
	fwd_summary err | grep -qE '^14 events in [0-9]+ batch(es)?, 14 acked, 0 resent, 0 dropped \(buffer full\), 0 unacked$' ||
		fail "forward summary: $(fwd_summary err)"
	grep -q "^uptrace: forward to unix:$T/fwd.sock: " err || fail "summary names the socket"
	check_once 7
}

# (5) --tag: one tag for everything
# --forward and --format msgpack -o FILE together: each event is encoded once and the same
# map goes to both
test_forward_and_msgpack_file() {
	trap cleanup_recv EXIT
	recv_start
	"$UPTRACE" --forward "127.0.0.1:$RPORT" --format msgpack -o out.mp -c "$FLB -n 6" \
		"${PROBES[@]}" >stdout 2>err
	eq "status" 0 "$?"
	"$TOOLS/mpcat" <out.mp >file.ndjson || fail "out.mp is not a msgpack stream"
	eq "events in the file" 12 "$(wc -l <file.ndjson)"
	eq "entries received" 12 "$(wc -l <recv.ndjson)"
	same_sets "records" "$(jq -cS . file.ndjson | sort)" "$(jq -cS .record recv.ndjson | sort)"
}

test_fixed_tag() {
	trap cleanup_recv EXIT
	recv_start
	"$UPTRACE" --forward "127.0.0.1:$RPORT" --tag app.trace -c "$FLB -n 5" \
		"${PROBES[@]}" >stdout 2>err
	eq "status" 0 "$?"
	eq "tags" "app.trace" "$(jq -r .tag recv.ndjson | sort -u)"
	eq "entries" 10 "$(wc -l <recv.ndjson)"
	eq "event types" "uprobe uretprobe" \
		"$(jq -r .record.event_type recv.ndjson | sort -u | tr '\n' ' ' | sed 's/ $//')"
}

# kernel events too: uptrace.exec, with the records -o has
test_kernel_event_tags() {
	trap cleanup_recv EXIT
	recv_start
	"$UPTRACE" --forward "127.0.0.1:$RPORT" -o out.ndjson -c "$FLB -n 2" -t exec \
		flb_input_log_append >stdout 2>err
	eq "status" 0 "$?"
	no_sanitizer_report err
	eq "tags and stages" '["uptrace.exec","enter"] ["uptrace.exec","exit"] ["uptrace.uprobe",null] ["uptrace.uprobe",null]' \
		"$(jq -c '[.tag, .record.stage]' recv.ndjson | sort | tr '\n' ' ' | sed 's/ $//')"
	same_sets "records" "$(jq -cS . out.ndjson | sort)" \
		"$(jq -cS ".record | if .args.buf then .args.buf |= ($FLB_AS_JSON) else . end" \
			recv.ndjson | sort)"
}

# (6) a bad address is a usage error, before anything is attached
test_bad_addresses() {
	local addrs=(nohostport host:0 host:65536 host:http host: :24224 ::1:24224 '[::1]24224'
		unix:)
	local why=("no port" "the port is not a number from 1 to 65535"
		"the port is not a number from 1 to 65535"
		"the port is not a number from 1 to 65535"
		"the port is not a number from 1 to 65535" "no host"
		"write an IPv6 address as \\[ADDR\\]:PORT" "expected \\[IPV6\\]:PORT"
		"the path is empty")
	local i
	for i in "${!addrs[@]}"; do
		expect_usage_error "--forward: '${addrs[i]/[/\\[}' is not HOST:PORT or unix:PATH (${why[i]})" \
			--forward "${addrs[i]}" "$FLB" flb_input_log_append
	done
	expect_usage_error "--tag applies to --forward" --tag x "$FLB" flb_input_log_append
	expect_usage_error "--forward-buffer: '10' is not a number from 1024" \
		--forward 127.0.0.1:24224 --forward-buffer 10 "$FLB" flb_input_log_append
	expect_usage_error "--tag: a tag is 1 to 256 characters" \
		--forward 127.0.0.1:24224 --tag "" "$FLB" flb_input_log_append
	assert_nothing_attached
}

# (7) nobody ever listens and the buffer holds a few events: the rest are dropped, and the
# summary counts them exactly.  The events of this run are all the same size (same pid,
# counters and call ids below 10), so what fits follows from that size: a batch costs its
# header, 1 + 1 + 14 (the tag "uptrace.uprobe") + 5 bytes, and 64 for its options; each
# entry 11 bytes ([EventTime]) and its record, the msgpack that --format msgpack writes.
test_bounded_buffer_counts_drops() {
	trap cleanup_recv EXIT
	free_port
	local buf=2048 size fit
	"$UPTRACE" --forward "127.0.0.1:$RPORT" --forward-buffer $buf --forward-timeout 0.3 \
		--format msgpack -o out.mp -c "$FLB -n 10" flb_input_log_append >stdout 2>err
	eq "status" 0 "$?"
	no_sanitizer_report err
	size=$(($(stat -c %s out.mp) / 10))
	eq "records of one size" $((size * 10)) "$(stat -c %s out.mp)"
	fit=$(((buf - 21 - 64) / (11 + size)))
	[ "$fit" -ge 1 ] && [ "$fit" -lt 10 ] || fail "a record of $size bytes: $fit fit"
	eq "forward summary" "$fit events in 1 batch, 0 acked, 0 resent, $((10 - fit)) dropped (buffer full), $fit unacked (no ack within 0.3 s)" \
		"$(fwd_summary err)"
	eq "said not reachable" 1 "$(grep -c "is not reachable yet" err)"
	eq "main summary" "uptrace: 10 events, 0 lost, 0 truncated, 0 read faults" \
		"$(grep '^uptrace: 10 events' err)"
}

run_suite "$FLB" "$FWD_RECV"
