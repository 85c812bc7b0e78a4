#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# End-to-end tests of --stats and --stats-json: the real uptrace traces examples/flb-mini,
# which makes an exact number of calls (and, with --fail-every K, an exact number of failing
# ones); the exit table, the histogram and the stats events must carry those numbers, and
# agree with the events of the same run.
# Usage: UPTRACE=build/uptrace bash tests/e2e/stats.sh   (TEST_FILTER=regex runs a subset)
set -u
. "$(dirname "$0")/lib.sh"

FLB_NAME=flb-mini:flb_input_log_append

# Run flb-mini under uptrace -c; the options come first, then the probes.
# stats_run "UPTRACE OPTIONS" "FLB-MINI OPTIONS" PROBE...
stats_run() {
	local opts=$1 flb_opts=$2 status
	shift 2
	# shellcheck disable=SC2086
	"$UPTRACE" $opts -c "$FLB $flb_opts" "$@" >out 2>err && status=0 || status=$?
	eq "status of uptrace $opts" 0 "$status"
	no_sanitizer_report err
}

# A column of a probe's row in the exit table: table_col PROBE N
table_col() {
	awk -v p="$1" -v n="$2" '$1 == p { print $n }' err
}

# The rows of the histogram that follows "@duration_ns[PROBE]:", as "LABEL COUNT" lines.
hist_rows() {
	awk -v h="@duration_ns[$1]:" 'index($0, h) == 1 { on = 1; next } on && /^\[/ { print; next }
		on { exit }' err | sed -E 's/^(\[[^])]*[])]) +([0-9]+) \|.*/\1 \2/'
}

# The log2 bucket of every duration_ns in the stream, as {lo, hi, count} sorted by lo: what
# the final stats event's histogram must be.
buckets_of_events() {
	jq -s -c '[.[] | select(.event_type == "uretprobe") | .duration_ns
		| (if . == 0 then 0 else (log2 | floor) + 1 end) as $b
		| if $b == 0 then 0 else pow(2; $b - 1) end]
		| group_by(.) | map({lo: .[0], hi: (if .[0] == 0 then 1 else .[0] * 2 end), count: length})' "$1"
}

# --- the exit table: exact totals, kernel traces included -------------------------------------

test_table_counts_calls() {
	stats_run "--stats -t exec" "-n 537" flb_input_log_append
	eq "calls" 537 "$(table_col $FLB_NAME 2)"
	eq "uprobe events" 537 "$(jq -c 'select(.event_type == "uprobe")' out | wc -l)"
	# the command's own execve: enter and exit, as counted in the stream
	eq "exec calls" "$(jq -c 'select(.event_type == "exec")' out | wc -l)" \
		"$(table_col trace:exec 2)"
	eq "exec calls" 2 "$(table_col trace:exec 2)"
	eq "lost" 0 "$(table_col $FLB_NAME 4)"
	eq "truncated" 0 "$(table_col $FLB_NAME 5)"
	eq "faults" 0 "$(table_col $FLB_NAME 6)"
	eq "errors of an entry probe" - "$(table_col $FLB_NAME 7)"
	grep -q '^probe  *calls  *bytes  *lost  *truncated  *faults  *errors$' err ||
		fail "no table header: $(cat err)"
	grep -q '^uptrace: stats over [0-9.]* s$' err || fail "no table title: $(cat err)"
	# no %return probe: no histogram
	grep -q '^@duration_ns' err && fail "a histogram without %return: $(cat err)"
	return 0
}

# --- %return: errors and the latency histogram -------------------------------------------------

test_return_histogram_and_errors() {
	stats_run --stats "-n 500 --fail-every 7" 'flb_input_log_append%return'
	local name=$FLB_NAME%return
	eq "calls" 500 "$(table_col $name 2)"
	# calls 7, 14, ... 497 pass ins = NULL and return -1: floor(500 / 7)
	eq "errors" 71 "$(table_col $name 7)"
	eq "negative retvals in the stream" 71 "$(jq -c 'select(.retval < 0)' out | wc -l)"
	grep -q "^@duration_ns\[$name\]: 500 paired returns$" err ||
		fail "no histogram title: $(cat err)"
	hist_rows "$name" >rows
	[ -s rows ] || fail "no histogram rows: $(cat err)"
	eq "histogram total" 500 "$(awk '{ s += $NF } END { print s }' rows)"
	# every row is [lo, hi) with hi = 2 lo (K/M/G suffixes), rows are consecutive buckets
	grep -Evq '^\[[01]\] [0-9]+$|^\[[0-9]+[KMGTPE]?, [0-9]+[KMGTPE]?\) [0-9]+$' rows &&
		fail "malformed rows: $(cat rows)"
	# the largest count has the full bar of 52 '@'
	grep -q "^\[.* $(awk '{ print $NF }' rows | sort -n | tail -1) |@\{52\}|$" err ||
		fail "no full bar for the largest count: $(cat err)"
}

# --- --stats-json: events in the output, exact totals ------------------------------------------

test_stats_json_events() {
	# 600 calls at 400/s: 1.5 s, so exactly one periodic event (at 1 s; 0.5 s of margin
	# either side) and the final one
	stats_run "--stats-json -o events.ndjson" "-n 600 -r 400 --fail-every 9" \
		'flb_input_log_append%return' flb_input_log_append
	# with -o, flb-mini (-c) keeps stdout for its own line; no event goes there
	eq "no event on stdout with -o" 0 "$(grep -c '^{' out || true)"
	jq -e . events.ndjson >/dev/null || fail "events.ndjson does not parse"
	eq "periodic stats events" 1 \
		"$(jq -c 'select(.event_type == "stats" and .final == false)' events.ndjson | wc -l)"
	eq "final stats events" 1 "$(jq -c 'select(.event_type == "stats" and .final)' events.ndjson | wc -l)"
	eq "the final event comes last" true "$(tail -1 events.ndjson | jq .final)"
	jq -c 'select(.event_type == "stats" and .final)' events.ndjson >final.json
	eq "keys" '["time","event_type","final","interval_s","probes"]' "$(jq -c keys_unsorted final.json)"
	eq "time format" true \
		"$(jq -r '.time | test("^20[0-9-]{8}T[0-9:]{8}\\.[0-9]{9}Z$")' final.json)"
	eq "probes" '[["flb_input_log_append",true],["flb_input_log_append",false]]' \
		"$(jq -c '[.probes[] | [.function, .return]]' final.json)"
	eq "binary" "$(realpath "$FLB")" "$(jq -r '.probes[0].binary' final.json)"
	eq "calls" "600 600" "$(jq -r '[.probes[].calls] | join(" ")' final.json)"
	eq "lost, truncated, faults" "0 0 0 0 0 0" \
		"$(jq -r '[.probes[] | .lost, .truncated, .faults] | join(" ")' final.json)"
	# calls 9, 18, ... 594 fail: floor(600 / 9)
	eq "errors" 66 "$(jq '.probes[0].errors' final.json)"
	eq "errors in the stream" 66 \
		"$(jq -c 'select(.event_type == "uretprobe" and .retval < 0)' events.ndjson | wc -l)"
	eq "no errors on an entry probe" null "$(jq '.probes[1].errors' final.json)"
	eq "latency count" 600 "$(jq '.probes[0].latency_ns.count' final.json)"
	eq "histogram total" 600 "$(jq '[.probes[0].latency_ns.hist[].count] | add' final.json)"
	# bucket by bucket, the histogram is that of the duration_ns of the uretprobe events
	eq "histogram" "$(buckets_of_events events.ndjson)" \
		"$(jq -c '.probes[0].latency_ns.hist' final.json)"
	# every return record has the same size: bytes is a multiple of calls
	eq "bytes per return record" 0 "$(jq '.probes[0].bytes % 600' final.json)"
	# the periodic event's counts are part of the totals
	eq "periodic <= totals" true "$(jq -s '(map(select(.event_type == "stats")) | .[0].probes[0].calls) as $p
		| (.[-1].probes[0].calls) as $t | $p > 0 and $p <= $t' events.ndjson)"
	# --stats-json alone: nothing on stderr but the summary
	grep -q '^uptrace: stats' err && fail "stats text without --stats: $(cat err)"
	return 0
}

# --- periodic output: on a grid from the start ------------------------------------------------

# flb-mini at 100 calls/s, started first; uptrace -p it for 2.25 s with a 0.5 s interval:
# ticks at 0.5, 1.0, 1.5 and 2.0 s, 0.25 s away from the end on either side, so exactly 4.
start_steady_flb() {
	"$FLB" -n 0 -r 100 >/dev/null &
	FLB_PID=$!
	sleep 0.2
}

stop_steady_flb() {
	kill "$FLB_PID"
	wait "$FLB_PID" || true
}

test_periodic_lines() {
	start_steady_flb
	"$UPTRACE" --stats=0.5 -d 2.25 -p "$FLB_PID" flb_input_log_append >out 2>err ||
		fail "uptrace failed: $(cat err)"
	stop_steady_flb
	no_sanitizer_report err
	grep '^uptrace: stats +' err >lines
	eq "periodic lines" 4 "$(wc -l <lines)"
	eq "probe named" "$FLB_NAME" "$(awk '{ print $4 }' lines | sort -u)"
	eq "columns" "calls/s B/s lost faults" \
		"$(awk '{ print $6, substr($7, length($7) - 2), $9, $11 }' lines | sort -u)"
	eq "lost, faults" "0 0" "$(awk '{ print $8, $10 }' lines | sort -u)"
	# 100 calls/s: 50 per 0.5 s, give or take what a 10 ms reorder window and a 10 ms
	# wake interval move across a boundary (2 calls) and timer jitter: 45..55 calls
	awk '{ if ($5 < 90 || $5 > 110) bad = bad " " $5 } END { if (bad) { print bad; exit 1 } }' \
		lines >bad || fail "calls/s outside 90..110:$(cat bad)"
	# the ticks are on the grid from the start, not from the previous tick
	eq "tick times" "0.5 1.0 1.5 2.0" \
		"$(awk '{ printf "%s%.1f", (NR > 1 ? " " : ""), substr($3, 2) + 0 }' lines)"
	eq "calls" "$(wc -l <out)" "$(table_col $FLB_NAME 2)"
}

test_periodic_json() {
	start_steady_flb
	"$UPTRACE" --stats-json=0.5 -d 2.25 -p "$FLB_PID" flb_input_log_append >out 2>err ||
		fail "uptrace failed: $(cat err)"
	stop_steady_flb
	no_sanitizer_report err
	jq -c 'select(.event_type == "stats")' out >stats.ndjson
	eq "periodic events" 4 "$(jq -c 'select(.final == false)' stats.ndjson | wc -l)"
	eq "final events" 1 "$(jq -c 'select(.final)' stats.ndjson | wc -l)"
	jq -r 'select(.final == false) | .probes[0].calls' stats.ndjson >calls
	awk '{ if ($1 < 45 || $1 > 55) bad = bad " " $1 } END { if (bad) { print bad; exit 1 } }' \
		calls >bad || fail "calls per 0.5 s outside 45..55:$(cat bad)"
	# the final totals are the uprobe events of the stream, exactly
	eq "final calls" "$(jq -c 'select(.event_type == "uprobe")' out | wc -l)" \
		"$(jq 'select(.final) | .probes[0].calls' stats.ndjson)"
	eq "periodic calls <= final" true \
		"$(jq -s '(map(select(.final == false) | .probes[0].calls) | add) <= (.[-1].probes[0].calls)' stats.ndjson)"
	eq "intervals" "0.5 0.5 0.5 0.5" \
		"$(jq -r 'select(.final == false) | .interval_s * 10 | round / 10' stats.ndjson | tr '\n' ' ' | sed 's/ $//')"
	eq "calls_per_s" true "$(jq -s 'map(select(.final == false) | .probes[0]
		| (.calls_per_s - .calls * 2 | fabs) < 1) | all' stats.ndjson)"
}

# Nothing happens: one "no calls" line per interval, so the reader sees time pass.
test_idle_intervals() {
	"$FLB" -n 1 --pause-ms 3000 >/dev/null &
	FLB_PID=$!
	sleep 0.2
	"$UPTRACE" --stats=0.5 -d 1.25 -p "$FLB_PID" flb_input_log_append >out 2>err ||
		fail "uptrace failed: $(cat err)"
	stop_steady_flb
	eq "idle lines" 2 "$(grep -c '^uptrace: stats +[0-9.]*s no calls$' err)"
	eq "calls" 0 "$(table_col $FLB_NAME 2)"
}

# --- bad values: one line, status 2 ------------------------------------------------------------

test_bad_values() {
	local v
	for v in 0 -1 abc '' 1s 0x 1e10 nan; do
		expect_usage_error "is not a positive number of seconds" "--stats=$v" "$FLB" \
			flb_input_log_append
	done
	expect_usage_error "--stats-json: '0' is not a positive number of seconds" \
		--stats-json=0 "$FLB" flb_input_log_append
	# without '=' the number would be taken for BINARY: say how to write it
	expect_usage_error "--stats takes its interval after '=': --stats=0.5" \
		--stats 0.5 "$FLB" flb_input_log_append
}

run_suite "$FLB"
