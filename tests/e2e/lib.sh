# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# lib.sh - the end-to-end test harness: real BPF, real targets from examples/.
#
# A test is a shell function named test_*; it fails by calling `fail MSG` (or any command
# failing under `set -e` inside it).  Every test gets a fresh $T scratch directory.  A test
# that traces a BINARY without -p or -c traces its private_copy.  The run ends with the plain
# "N passed, N failed, N skipped" line.

UPTRACE=${UPTRACE:-$PWD/build/uptrace}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TOOLS=${TOOLS:-$ROOT/build/tools}
FLB=$ROOT/examples/flb-mini/flb-mini
FLB_STRIPPED=$ROOT/examples/flb-mini/flb-mini.stripped
PASSED=0
FAILED=0
SKIPPED=0
FAILED_NAMES=()

fail() {
	echo "    FAIL: $*" >&2
	return 1
}

# eq WHAT EXPECTED ACTUAL
eq() {
	if [ "$2" != "$3" ]; then
		fail "$1: expected '$2', got '$3'"
		return 1
	fi
}

# Start uptrace in the background (stdout -> $T/out, stderr -> $T/err) and wait until every
# probe is attached.  Sets UPID.  A BINARY without -p or -c must be the test's private_copy.
start_uptrace() {
	local shared
	if shared=$(shared_binary "$@"); then
		fail "start_uptrace: $shared is shared with other tests and runs: trace a private_copy, or use -p or -c"
		return 1
	fi
	"$UPTRACE" -v "$@" >"$T/out" 2>"$T/err" &
	UPID=$!
	local i
	for i in $(seq 1 200); do
		grep -q 'tracing .* probe' "$T/err" 2>/dev/null && return 0
		if ! kill -0 "$UPID" 2>/dev/null; then
			fail "uptrace exited early: $(cat "$T/err")"
			return 1
		fi
		sleep 0.05
	done
	fail "uptrace did not attach in 10 s: $(cat "$T/err")"
	return 1
}

# Wait for the background uptrace to exit (at most $1 seconds, default 20); sets USTATUS.
wait_uptrace() {
	local limit=${1:-20} i
	for i in $(seq 1 $((limit * 20))); do
		kill -0 "$UPID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$UPID" 2>/dev/null; then
		kill -INT "$UPID"
		wait "$UPID" || true
		fail "uptrace still running after ${limit}s: $(tail -3 "$T/err")"
		return 1
	fi
	wait "$UPID" && USTATUS=0 || USTATUS=$?
	no_sanitizer_report "$T/err"
}

# Under ASan/UBSan, a report (leak, overflow, undefined behaviour) fails the test.
no_sanitizer_report() {
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$1"; then
		fail "sanitizer report: $(grep -m3 -E 'Sanitizer|runtime error' "$1")"
	fi
}

upt_prog_ids() {
	bpftool -j prog list 2>/dev/null | jq -r '.[] | select(.name == "upt_call") | .id' | sort
}

# The programs loaded since the test started that are ours: held by no process (leaked),
# or by a process working in this test's directory.  An uptrace of another test run at the
# same time (another checkout) holds its own, from elsewhere.
our_new_progs() {
	local id pid holders mine
	for id in $(upt_prog_ids | comm -13 "$T/progs.before" -); do
		holders=$(grep -ls "^prog_id:[[:space:]]*$id\$" /proc/[0-9]*/fdinfo/* 2>/dev/null |
			cut -d/ -f3 | sort -u)
		mine=1
		if [ -n "$holders" ]; then
			mine=0
			for pid in $holders; do
				[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$T" ] && mine=1
			done
		fi
		[ $mine = 0 ] || echo "$id"
	done
}

# Nothing of ours may stay attached.  The kernel frees a closed program a moment later
# (RCU), so give it up to two seconds.
assert_nothing_attached() {
	local left i
	for i in $(seq 1 20); do
		left=$(our_new_progs)
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	fail "uptrace programs still loaded: $left"
}

# A copy of FILE in this test's $T (same name, or NAME); prints its path.  Without -p or -c,
# uprobes fire in every process that maps the traced file, and a stray of another test or
# another run may be running the shared one: a test that traces a BINARY traces its own copy.
# private_copy FILE [NAME]
private_copy() {
	local copy=$T/${2:-$(basename "$1")}
	cp "$1" "$copy" || return 1
	echo "$copy"
}

# The BINARY of uptrace ARGS if it traces a file others run without -p or -c: an executable
# outside this test's $T.  start_uptrace refuses that.
shared_binary() {
	local a
	for a in "$@"; do
		case $a in
		-p | --pid | --pid=* | -p[0-9]* | -c | --command | --command=*) return 1 ;;
		esac
	done
	for a in "$@"; do
		[ -f "$a" ] && [ -x "$a" ] || continue
		case $(realpath "$a") in
		"$(realpath "$T")"/*) ;;
		*) echo "$a" && return 0 ;;
		esac
	done
	return 1
}

# Bad input: status 2, nothing on stdout, the pattern on stderr, in one line (three for a
# bad probe: the message, the probe, the caret).
expect_usage_error() {
	local pattern=$1
	shift
	"$UPTRACE" "$@" >out 2>err && fail "succeeded: $*"
	local status=$?
	eq "status of $*" 2 "$status"
	eq "stdout of $*" 0 "$(wc -c <out)"
	grep -q -- "$pattern" err || fail "stderr of $* lacks '$pattern': $(cat err)"
	# one line, except a bad probe: the message, the probe, the caret
	eq "lines of stderr of $*" "$(grep -q '^uptrace: bad probe' err && echo 3 || echo 1)" \
		"$(grep -vc '^Try ' err)"
	no_sanitizer_report err
}

# Whatever a test started in the background goes when the test ends, pass or fail.
cleanup_bg() {
	if [ -n "${UPID:-}" ]; then
		kill -INT "$UPID" 2>/dev/null || true
		wait "$UPID" 2>/dev/null || true
	fi
}

run_tests() {
	local t names
	names=$(declare -F | awk '{print $3}' | grep '^test_' | grep -E "${TEST_FILTER:-.}")
	for t in $names; do
		T=$(mktemp -d /tmp/uptrace-e2e.XXXXXX)
		upt_prog_ids >"$T/progs.before"
		printf '  %-50s ' "$t"
		# not under `if`: bash would ignore set -e in the whole test
		(
			set -e
			trap cleanup_bg EXIT
			cd "$T"
			"$t"
		) 2>"$T/test.err"
		# a fail in a nested subshell ($(...), a pipeline) only ends that subshell: its
		# FAIL line still fails the test
		if [ $? = 0 ] && ! grep -q '^    FAIL:' "$T/test.err"; then
			if grep -q '^SKIP:' "$T/test.err"; then
				echo "skipped ($(sed -n 's/^SKIP: //p' "$T/test.err"))"
				SKIPPED=$((SKIPPED + 1))
			else
				echo ok
				PASSED=$((PASSED + 1))
			fi
			rm -rf "$T"
		else
			echo FAILED
			sed 's/^/      /' "$T/test.err" >&2
			echo "      (scratch kept in $T)" >&2
			FAILED=$((FAILED + 1))
			FAILED_NAMES+=("$t")
		fi
	done
	echo "e2e: $PASSED passed, $FAILED failed, $SKIPPED skipped"
	[ "$FAILED" -eq 0 ] || echo "failed: ${FAILED_NAMES[*]}"
	[ "$FAILED" -eq 0 ]
}

# A suite's last line: its tests, once root and the built files it names (and UPTRACE)
# are there; not root is a visible skip, a missing file a failure.
run_suite() {
	local f
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: the end-to-end tests need root (BPF and uprobes)"
		echo "e2e: 0 passed, 0 failed, 1 skipped"
		exit 0
	fi
	for f in "$UPTRACE" "$@"; do
		[ -x "$f" ] || { echo "e2e: $f is not built (run make)"; exit 1; }
	done
	run_tests
}
