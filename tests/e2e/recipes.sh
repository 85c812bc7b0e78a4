#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# End-to-end tests of examples/recipes.md: every recipe runs here as written there (paths
# aside) against a real target, and its jq output is compared with the exact expected text.
# A recipe that traces a BINARY without -p or -c traces the test's own copy (private_copy).
# A recipe whose target program is not installed (fluent-bit, openssl, sqlite3) is skipped
# with the reason.  Keep the jq programs below and those in recipes.md the same.
# Usage: UPTRACE=build/uptrace bash tests/e2e/recipes.sh   (TEST_FILTER=regex runs a subset)
set -u
. "$(dirname "$0")/lib.sh"

# The recipes' jq programs, as recipes.md prints them.
JQ_CALLS='group_by(.function) | map({function: .[0].function, calls: length})'
JQ_CALLS_STREAM='reduce inputs as $e ({}; .[$e.function] += 1)'
JQ_PID='select(.pid == $pid) | {pid, tag: .args.tag, counter: .args.buf[].body.counter}'
JQ_BODIES='.args.buf[].body.message'
JQ_BASH='select(.function == "readline") | "\(.pid) \(.comm) \(.retval)"'
JQ_TLS='select(.function == "SSL_write" and .args.num > 0) | .args.buf'
JQ_SQL='.args.zSql'
JQ_EXEC='select(.event_type == "exec" and .stage == "exit") | "\(.pid) \(.ppid) \(.filename) \(.argc) \(.argv_last)"'

# Compare a multi-line result with what was expected, with a diff on failure.
same() {
	if [ "$2" != "$3" ]; then
		diff <(echo "$2") <(echo "$3") | head -20 >&2
		fail "$1 differs"
	fi
}

skip() {
	echo "SKIP: $*" >&2
	exit 0
}

need() {
	command -v "$1" >/dev/null || skip "$1 is not installed${2:+ ($2)}"
}

# Wait until the background uptrace ($UPID, stderr in $T/err) has attached every probe.
wait_attached() {
	local i
	for i in $(seq 1 200); do
		grep -q 'tracing .* probe' "$T/err" 2>/dev/null && return 0
		kill -0 "$UPID" 2>/dev/null || { fail "uptrace exited early: $(cat "$T/err")"; return 1; }
		sleep 0.05
	done
	fail "uptrace did not attach in 10 s: $(cat "$T/err")"
}

# `uptrace -v ARGS | CONSUMER` in the background, as a recipe writes it: CONSUMER's stdout
# goes to $T/piped.  Returns once uptrace is attached; sets UPID and CPID.
pipe_uptrace() {
	local consumer=$1 shared
	shift
	if shared=$(shared_binary "$@"); then
		fail "pipe_uptrace: $shared is shared with other tests and runs: trace a private_copy"
		return 1
	fi
	mkfifo "$T/pipe"
	bash -c "$consumer" <"$T/pipe" >"$T/piped" 2>"$T/consumer.err" &
	CPID=$!
	"$UPTRACE" -v "$@" >"$T/pipe" 2>"$T/err" &
	UPID=$!
	wait_attached
}

# Wait for the pipeline of pipe_uptrace: uptrace first (at most 20 s), then its consumer.
wait_pipe() {
	wait_uptrace
	eq "uptrace status" 0 "$USTATUS"
	wait "$CPID" || fail "consumer failed: $(cat "$T/consumer.err")"
}

# `uptrace -o out ARGS` in the foreground, as the recipes run -c: the command shares
# uptrace's stdout, so the events go to a file (the command's own output to $T/cmd.out).
run_uptrace() {
	local status
	"$UPTRACE" -o "$T/out" "$@" >"$T/cmd.out" 2>"$T/err" && status=0 || status=$?
	eq "status of uptrace $*" 0 "$status"
	no_sanitizer_report "$T/err"
}

# --- 1. jq on flb-mini events --------------------------------------------------------------

test_jq_calls_by_function() {
	FLB=$(private_copy "$FLB")
	start_uptrace -n 6 "$FLB" 'flb_input_*'
	"$FLB" -n 3 >/dev/null
	"$FLB" -n 2 -k 2 --func flb_input_log_append_records >/dev/null
	"$FLB" -n 1 --func flb_input_chunk_append_raw >/dev/null
	wait_uptrace
	eq "uptrace status" 0 "$USTATUS"
	same "calls by function" \
		'[{"function":"flb_input_chunk_append_raw","calls":1},{"function":"flb_input_log_append","calls":3},{"function":"flb_input_log_append_records","calls":2}]' \
		"$(jq -c -s "$JQ_CALLS" out)"
	same "calls by function, streaming" \
		'{"flb_input_log_append":3,"flb_input_log_append_records":2,"flb_input_chunk_append_raw":1}' \
		"$(jq -c -n "$JQ_CALLS_STREAM" out)"
}

test_jq_filter_by_pid() {
	local p1 p2
	FLB=$(private_copy "$FLB")
	start_uptrace -n 5 "$FLB" flb_input_log_append
	"$FLB" -n 2 --tag first >/dev/null &
	p1=$!
	"$FLB" -n 3 --tag second >/dev/null &
	p2=$!
	wait $p1 $p2
	wait_uptrace
	same "pid $p1" "$(printf '{"pid":%s,"tag":"first","counter":%s}\n' "$p1" 0 "$p1" 1)" \
		"$(jq -c --argjson pid "$p1" "$JQ_PID" out)"
	same "pid $p2" "$(printf '{"pid":%s,"tag":"second","counter":%s}\n' "$p2" 0 "$p2" 1 "$p2" 2)" \
		"$(jq -c --argjson pid "$p2" "$JQ_PID" out)"
}

test_jq_message_bodies() {
	FLB=$(private_copy "$FLB")
	pipe_uptrace "jq -r '$JQ_BODIES'" -n 3 "$FLB" flb_input_log_append
	"$FLB" -n 3 -k 2 >/dev/null
	wait_pipe
	same "message bodies" "$(printf 'hello %d\n' 0 1 2 3 4 5)" "$(cat piped)"
}

# --- 6. the other Fluent Bit choke points: in_tail's and the chunk layer's -----------------

# flb_input_log_append_records(ins, records, tag, tag_len, buf, buf_size) and
# flb_input_chunk_append_raw(in, event_type, records, tag, tag_len, buf, buf_size): every
# record of every call decoded exactly as flb-mini encoded it (--expect), records count too.
check_choke_point() {
	local func=$1
	FLB=$(private_copy "$FLB")
	start_uptrace -n 3 "$FLB" "$func"
	"$FLB" -n 3 -k 4 --func "$func" --tag tail.0 --metadata --expect expect.ndjson >/dev/null
	wait_uptrace
	eq "uptrace status" 0 "$USTATUS"
	same "$func buffers" "$(jq -c '{tag, tag_len, buf_size, buf}' expect.ndjson)" \
		"$(jq -c '.args | {tag, tag_len, buf_size, buf}' out)"
	eq "$func records" "4 4 4" "$(jq -r .args.records out | tr '\n' ' ' | sed 's/ $//')"
	same "$func bodies" "$(printf 'hello %d\n' $(seq 0 11))" "$(jq -r "$JQ_BODIES" out)"
}

test_flb_log_append_records() {
	check_choke_point flb_input_log_append_records
	eq "arg names" '["ins","records","tag","tag_len","buf","buf_size"]' \
		"$(jq -c '.args | keys_unsorted' out | sort -u)"
}

test_flb_chunk_append_raw() {
	check_choke_point flb_input_chunk_append_raw
	eq "arg names" '["in","event_type","records","tag","tag_len","buf","buf_size"]' \
		"$(jq -c '.args | keys_unsorted' out | sort -u)"
	eq "event_type (FLB_INPUT_LOGS)" 0 "$(jq -r .args.event_type out | sort -u)"
}

# --- 2. into Fluent Bit ----------------------------------------------------------------------

# Fluent Bit's stdout output, one JSON line per record (json_lines), without its date key.
FLB_OUT=(-o stdout -p format=json_lines -p json_date_key=false)

test_fluent_bit_stdin() {
	need fluent-bit "not packaged in Debian 12; see https://docs.fluentbit.io"
	FLB=$(private_copy "$FLB")
	pipe_uptrace "fluent-bit -q -i stdin ${FLB_OUT[*]}" -n 3 "$FLB" flb_input_log_append
	"$FLB" -n 3 --tag app.log >/dev/null
	wait_pipe
	same "records through fluent-bit" "$(printf 'app.log hello %d\n' 0 1 2)" \
		"$(jq -r '"\(.args.tag) \(.args.buf[].body.message)"' piped)"
}

# The same with uptrace's parser: Fluent Bit's timestamp is the event's own time.
test_fluent_bit_stdin_parser() {
	need fluent-bit "not packaged in Debian 12; see https://docs.fluentbit.io"
	FLB=$(private_copy "$FLB")
	pipe_uptrace "fluent-bit -q -R $ROOT/examples/uptrace-parsers.conf -i stdin -p parser=uptrace -o stdout -p format=json_lines -p json_date_format=iso8601" \
		-n 3 "$FLB" flb_input_log_append
	"$FLB" -n 3 --tag app.log >/dev/null
	wait_pipe
	same "records through fluent-bit" "$(printf 'app.log hello %d\n' 0 1 2)" \
		"$(jq -r '"\(.args.tag) \(.args.buf[].body.message)"' piped)"
	# iso8601 dates have microseconds: uptrace's time cut to them
	same "timestamps" "$(jq -r '.time[:26] + "Z"' piped)" "$(jq -r .date piped)"
}

test_fluent_bit_forward() {
	need fluent-bit "not packaged in Debian 12; see https://docs.fluentbit.io"
	"$UPTRACE" --help 2>&1 | grep -q -- '--forward' || skip "this uptrace has no --forward"
	local port=$((20000 + RANDOM % 20000)) fb i
	fluent-bit -q -i forward -p listen=127.0.0.1 -p port=$port "${FLB_OUT[@]}" -f 1 \
		>fb.out 2>fb.err &
	fb=$!
	for i in $(seq 1 100); do
		ss -ltn "sport = :$port" | grep -q LISTEN && break
		sleep 0.1
	done
	run_uptrace --forward 127.0.0.1:$port -c "$FLB -n 3 --tag app.log" flb_input_log_append
	for i in $(seq 1 50); do
		[ "$(wc -l <fb.out)" -ge 3 ] && break
		sleep 0.1
	done
	kill -INT $fb
	wait $fb || true
	same "records forwarded" "$(printf 'app.log hello %d\n' 0 1 2)" \
		"$(jq -r '"\(.args.tag) \(.args.buf[].body.message)"' fb.out)"
}

# --- 3. the bash command log -----------------------------------------------------------------

# readline runs only on a terminal: script(1) gives the interactive bash a pty, and the
# commands come from a pipe into it.  --follow reaches the bash that script starts.
test_bash_command_log() {
	need script
	printf 'echo one\ntrue two\nexit\n' |
		run_uptrace --follow -c "script -qfc 'bash --norc --noprofile -i' /dev/null" \
			/bin/bash 'readline%return'
	local pid
	pid=$(jq -r 'select(.function == "readline") | .pid' out | sort -u)
	same "command log" "$(printf "$pid bash %s\n" 'echo one' 'true two' exit)" \
		"$(jq -r "$JQ_BASH" out)"
	eq "--explain signature" "char *readline(const char *prompt)" \
		"$("$UPTRACE" --explain /bin/bash readline | sed -n 's/^  signature: *//p')"
	# the same with the return value typed by hand
	printf 'echo three\nexit\n' |
		run_uptrace --follow -c "script -qfc 'bash --norc --noprofile -i' /dev/null" \
			/bin/bash 'readline%return($retval:str)'
	same "command log (\$retval:str)" $'echo three\nexit' "$(jq -r .retval out)"
}

# --- 4. TLS plaintext ------------------------------------------------------------------------

# A TLS server on localhost that answers "pong from server" (17 bytes) to one client;
# sets PORT and SRV once it accepts.
tls_server() {
	local i
	PORT=$((20000 + RANDOM % 20000))
	openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 1 \
		-subj /CN=localhost 2>/dev/null
	(echo "pong from server"; sleep 5) |
		timeout 20 openssl s_server -naccept 1 -accept 127.0.0.1:$PORT -cert cert.pem \
			-key key.pem >srv.out 2>srv.err &
	SRV=$!
	for i in $(seq 1 100); do
		grep -q ACCEPT srv.out && return 0
		sleep 0.1
	done
	fail "openssl s_server did not start: $(cat srv.err)"
}

TLS_CLIENT='openssl s_client -quiet -no_ign_eof -connect 127.0.0.1'

test_tls_plaintext() {
	need openssl
	tls_server
	(echo "hello over tls"; sleep 2) |
		run_uptrace -t tcp -c "$TLS_CLIENT:$PORT" \
			libssl:SSL_write 'libssl:SSL_read%return'
	wait $SRV || true
	same "plaintext written" '"hello over tls\n"' "$(jq -c "$JQ_TLS" out)"
	same "bytes read (pong from server\\n)" 17 \
		"$(jq -r 'select(.function == "SSL_read" and .retval > 0) | .retval' out)"
	# typed from the built-in prototype (int): a failed read is -1, not 4294967295
	same "SSL_read returns" "-1 17" \
		"$(jq -r 'select(.function == "SSL_read") | .retval' out | sort -un | xargs)"
	same "connect" "127.0.0.1 $PORT 0" \
		"$(jq -r 'select(.event_type == "connect") | "\(.remote_addr) \(.remote_port) \(.error_raw)"' out)"
	grep -q 'hello over tls' srv.out || fail "the server did not get the text: $(cat srv.out)"
	eq "what the client printed" "pong from server" "$(cat cmd.out)"
}

# The other BINARY form: a library name and a function, in every process that maps it.
test_tls_every_process() {
	need openssl
	local client
	"$UPTRACE" --explain libssl SSL_write >explain.out 2>&1 ||
		fail "--explain libssl SSL_write: $(cat explain.out)"
	grep -q 'arguments: the built-in prototype' explain.out ||
		fail "no built-in prototype: $(cat explain.out)"
	eq "--explain signature" "int SSL_write(SSL *ssl, const void *buf, int num)" \
		"$(sed -n 's/^  signature: *//p' explain.out)"
	tls_server
	start_uptrace libssl SSL_write
	(echo "hello again"; sleep 2) | $TLS_CLIENT:$PORT >/dev/null 2>&1 &
	client=$!
	wait $client || true
	wait $SRV || true
	kill -INT "$UPID"
	wait_uptrace
	same "plaintext written by pid $client" '"hello again\n"' \
		"$(jq -c --argjson pid $client "select(.pid == \$pid) | $JQ_TLS" out)"
	eq "arg names" '["ssl","buf","num"]' "$(jq -c '.args | keys_unsorted' out | sort -u)"
}

# --- 5. SQL text -----------------------------------------------------------------------------

test_sqlite_statements() {
	need sqlite3
	printf '%s\n' 'select 1 + 1;' "select upper('uptrace');" \
		'with x(n) as (values (1), (2)) select sum(n) from x;' >q.sql
	run_uptrace -c 'sqlite3 :memory:' libsqlite3:sqlite3_prepare_v2 <q.sql
	same "statements" "$(cat q.sql)" "$(jq -r "$JQ_SQL" out)"
	same "what sqlite3 printed" $'2\nUPTRACE\n3' "$(cat cmd.out)"
	eq "nByte" -1 "$(jq -r .args.nByte out | sort -u)"
}

# --- kernel traces ---------------------------------------------------------------------------

test_exec_log() {
	run_uptrace -t exec -c "sh -c '/bin/true a; /bin/echo b c >/dev/null'"
	local sh
	sh=$(jq -r 'select(.filename == "/usr/bin/sh" and .stage == "exit") | .pid' out)
	same "execs" "$(printf '%s\n' "/usr/bin/sh 3 /bin/true a; /bin/echo b c >/dev/null" \
		"$sh /bin/true 2 a" "$sh /bin/echo 3 c")" \
		"$(jq -r "$JQ_EXEC" out | cut -d' ' -f2- | sed "1s/^[0-9]* //")"
}

run_suite "$FLB"
