# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# lib.sh - the end-to-end test harness: real BPF, real targets from examples/.
#
# A test is a shell function named test_*; it fails by calling `fail MSG` (or any command
# failing under `set -e` inside it).  Every test gets a fresh $T scratch directory and its
# own cgroup: what it leaves running is stopped when it ends, and a process or BPF object of
# it that outlives it fails it (see "isolation" below).  A test that traces a BINARY without
# -p or -c traces its private_copy.  The run ends with the plain "N passed, N failed, N
# skipped" line.

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

# --- BPF objects of ours ------------------------------------------------------------------------

# The BPF programs of uptrace (upt_*, and ktrace_* of the kernel traces) loaded now, and the
# links that attach them: "prog ID NAME" and "link ID TYPE PROG-ID PROG-NAME" lines, sorted.
upt_bpf_objects() {
	jq -rn --slurpfile p <(bpftool -j prog list 2>/dev/null) \
		--slurpfile l <(bpftool -j link list 2>/dev/null) '
		[($p[0] // [])[] | select(.name | test("^(upt_|ktrace_)")) | {id, name}] as $ours
		| ($ours[] | "prog \(.id) \(.name)"),
		  (($l[0] // [])[] | . as $k | $ours[] | select(.id == $k.prog_id)
		   | "link \($k.id) \($k.type) \(.id) \(.name)")' 2>/dev/null | LC_ALL=C sort
}

# Milliseconds since the epoch.
now_ms() {
	local t=${EPOCHREALTIME:-$(date +%s.%6N)}
	t=${t/[.,]/}
	echo $((10#$t / 1000))
}

# Who holds BPF objects open: "prog ID PID" and "link ID PID" lines, from the fdinfo of
# every thread (a link's fd names its program too).  Threads, not only processes: while a
# process exits, its first thread may be gone with the fds still open in the others.
bpf_holders() {
	grep -rsHE '^(prog|link)_id:' /proc/[0-9]*/task/[0-9]*/fdinfo 2>/dev/null |
		sed -nE 's#^/proc/([0-9]+)/task/[0-9]+/fdinfo/[0-9]+:(prog|link)_id:[[:space:]]*([0-9]+)$#\2 \3 \1#p' |
		sort -u
}

# The lines of stdin joined into one, with SEP between them.  join_lines SEP
join_lines() {
	awk -v s="$1" 'NR > 1 { printf "%s", s } { printf "%s", $0 } END { print "" }'
}

# PID (COMMAND LINE), the command line cut at 100 characters.
proc_desc() {
	local cmd
	cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" | sed 's/ $//')
	[ -n "$cmd" ] || cmd="[$(cat "/proc/$1/comm" 2>/dev/null)]"
	[ ${#cmd} -le 100 ] || cmd="${cmd:0:100}..."
	echo "$1 ($cmd)"
}

# Is PID a process of the current test: in its cgroup, with its mark, or working in $T?
# (the suite's end: MARK_RE "" and CG "", any test's mark)
proc_is_ours() {
	[ -n "${CG:-}" ] && [ "$(sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null)" = "${CG#"$CG_ROOT"}" ] &&
		return 0
	grep -qzE "^UPTRACE_E2E_TEST=${MARK_RE:-$RUN_RE/.*}\$" "/proc/$1/environ" 2>/dev/null && return 0
	[ -n "${T:-}" ] && [ "$(readlink "/proc/$1/cwd" 2>/dev/null)" = "$T" ]
}

# Of the BPF objects loaded since BEFORE (a file of upt_bpf_objects), those that are ours:
# held by no process (leaked), or by a process of this test (proc_is_ours).  Another
# uptrace of the machine (another checkout's test run) holds its own, from elsewhere; and a
# link of ours attaches a program of ours, loaded since BEFORE too.  One line each:
# "prog ID NAME (held by PID COMM...)", "link ID TYPE of prog ID NAME (held by no process)".
our_new_bpf() {
	local new holders kind id what pids pid mine by
	local -A ours=()
	new=$(upt_bpf_objects | LC_ALL=C comm -13 "$1" -)
	[ -n "$new" ] || return 0
	holders=$(bpf_holders)
	while read -r kind id what; do
		# shellcheck disable=SC2086
		set -- $what
		if [ "$kind" = link ]; then
			grep -qx "prog $2 $3" <<<"$new" || continue
			what="$1 of prog $2 $3"
		fi
		pids=$(awk -v k="$kind" -v i="$id" '$1 == k && $2 == i { print $3 }' <<<"$holders")
		mine=1
		by="held by no process"
		if [ -n "$pids" ]; then
			mine=0
			by="held by"
			for pid in $pids; do
				if [ -z "${ours[$pid]:-}" ]; then
					ours[$pid]=no
					proc_is_ours "$pid" && ours[$pid]=yes
				fi
				[ "${ours[$pid]}" = no ] || mine=1
				by+=" $pid $(cat "/proc/$pid/comm" 2>/dev/null)"
			done
		fi
		[ $mine = 0 ] || echo "$kind $id $what ($by)"
	done <<<"$new"
}

# our_new_bpf BEFORE, again and again for up to MS milliseconds while it finds some: the
# kernel frees a closed program or link a moment later (RCU).  With "held", only while some
# are held by no process: one that a live process holds stays.
# our_bpf_left BEFORE MS [held]
our_bpf_left() {
	local left end=$(($(now_ms) + $2))
	while :; do
		left=$(our_new_bpf "$1")
		[ -n "$left" ] && [ "$(now_ms)" -lt $end ] || break
		[ "${3:-}" != held ] || grep -q '(held by no process)$' <<<"$left" || break
		sleep 0.1
	done
	echo "$left"
}

# Nothing of ours may stay attached (after up to two seconds).
assert_nothing_attached() {
	local left
	left=$(our_bpf_left "$T/bpf.before" 2000)
	[ -z "$left" ] || fail "uptrace BPF objects still loaded: $(join_lines "; " <<<"$left")"
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

# The uptrace of start_uptrace goes first when the test ends, pass or fail: SIGINT, so it
# detaches and flushes; then the harness stops everything else the test started (iso_end).
cleanup_bg() {
	if [ -n "${UPID:-}" ]; then
		kill -INT "$UPID" 2>/dev/null || true
		wait "$UPID" 2>/dev/null || true
	fi
}

# --- isolation: each test in its own cgroup ---------------------------------------------------
#
# Uprobes fire in every process that maps the traced file: a target one test leaves running
# would be counted by the next.  So each test runs in its own cgroup v2, $CG_BASE/TEST: its
# subshell moves there before it starts anything, and every process it starts is in it,
# daemons that setsid or double-fork too.  When the test ends, pass or fail, the uptraces
# still in it get SIGINT (they detach and flush), then everything is killed (cgroup.kill, or
# SIGKILL to each member in a loop before 5.14) until it is empty, and it is removed.
# Every process of the test also carries UPTRACE_E2E_TEST=RUN/TEST in its environment.
# Without cgroup v2 (not root, no cgroup2 mount and none can be made, or
# E2E_ISOLATION=pgrp), the test runs in its own process group instead, and what is stopped is
# that group and every process with the test's mark.  Then nothing of the test may be left:
# no process with its mark (in or out of its cgroup) and no BPF program or link of ours loaded
# since it began; a leftover fails the test, and the suite checks the same at its end.

RUN_ID=uptrace-e2e.$$
RUN_RE=${RUN_ID//./\\.}
ISO=pgrp
CG_ROOT=
CG_BASE=
CG_MOUNTED=
CG=
MARK=
MARK_RE=
TEST_PID=

# The suite's cgroup $CG_ROOT/uptrace-e2e.PID, where the tests' cgroups go; ISO says which
# isolation the tests get.
iso_setup() {
	local m
	ISO=pgrp
	upt_bpf_objects >"/tmp/$RUN_ID.bpf.before"
	trap 'iso_abort 130' INT
	trap 'iso_abort 143' TERM
	trap 'iso_abort 129' HUP
	if [ "${E2E_ISOLATION:-cgroup}" = pgrp ] || [ "$(id -u)" != 0 ]; then
		echo "  (isolation: a process group per test)"
		return 0
	fi
	if [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
		CG_ROOT=/sys/fs/cgroup
	else
		# a hybrid host (cgroup2 at /sys/fs/cgroup/unified), else one of our own
		CG_ROOT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
		if [ -z "$CG_ROOT" ]; then
			m=$(mktemp -d /tmp/uptrace-e2e-cgroup2.XXXXXX)
			if mount -t cgroup2 none "$m" 2>/dev/null; then
				CG_ROOT=$m
				CG_MOUNTED=$m
			else
				rmdir "$m"
			fi
		fi
	fi
	# one left by a run of the same pid that died: what is in it is strays
	if [ -n "$CG_ROOT" ] && [ -d "$CG_ROOT/$RUN_ID" ]; then
		echo 1 2>/dev/null >"$CG_ROOT/$RUN_ID/cgroup.kill"
		cg_remove "$CG_ROOT/$RUN_ID"
	fi
	if [ -n "$CG_ROOT" ] && mkdir "$CG_ROOT/$RUN_ID" 2>/dev/null; then
		CG_BASE=$CG_ROOT/$RUN_ID
		# can a process move into a cgroup of ours?  (not where cgroupfs is read-only)
		if mkdir "$CG_BASE/probe" 2>/dev/null &&
			(echo "$BASHPID" >"$CG_BASE/probe/cgroup.procs") 2>/dev/null; then
			ISO=cgroup
		fi
		cg_remove "$CG_BASE/probe"
	fi
	if [ $ISO = cgroup ]; then
		echo "  (isolation: a cgroup per test, under $CG_BASE)"
	else
		[ -z "$CG_BASE" ] || cg_remove "$CG_BASE"
		CG_BASE=
		iso_unmount
		echo "  (isolation: a process group per test; no usable cgroup v2)"
	fi
}

iso_unmount() {
	if [ -n "$CG_MOUNTED" ]; then
		umount "$CG_MOUNTED" && rmdir "$CG_MOUNTED"
		CG_MOUNTED=
	fi
}

# rmdir a cgroup once it is empty (the kernel may say EBUSY for a moment after the last
# process left), its child cgroups first.  (No find(1): a minimal VM guest may lack it.)
cg_remove() {
	local d i
	[ -d "$1" ] || return 0
	for d in "$1"/*/; do
		[ ! -d "$d" ] || cg_remove "${d%/}"
	done
	for i in $(seq 1 20); do
		rmdir "$1" 2>/dev/null && break
		sleep 0.05
	done
	[ ! -d "$1" ]
}

# The processes in a cgroup and the cgroups below it, one pid a line.
cg_procs() {
	local d
	cat "$1/cgroup.procs" 2>/dev/null
	for d in "$1"/*/; do
		[ ! -d "$d" ] || cg_procs "${d%/}"
	done
}

# The processes of the test now running, one pid a line: the members of its cgroup (and of
# any cgroup below it); or of its process group, and those with its mark.  Not zombies.
iso_members() {
	if [ -n "$CG" ]; then
		cg_procs "$CG"
	elif [ -n "$TEST_PID" ]; then
		{
			cat /proc/[0-9]*/stat 2>/dev/null | awk -v g="$TEST_PID" '{
				pid = $1; sub(/.*\) /, ""); if ($1 != "Z" && $3 == g) print pid }'
			iso_marked
		} | sort -un
	fi
}

# The running processes with the mark of the test (MARK_RE), or of any test of this run.
iso_marked() {
	grep -lzE "^UPTRACE_E2E_TEST=${MARK_RE:-$RUN_RE/.*}\$" /proc/[0-9]*/environ 2>/dev/null |
		cut -d/ -f3
}

# SIGINT to the uptraces among PIDS, for up to 3 s; then SIGKILL to what is left (by
# cgroup.kill when CGROUP is given) until none of them runs, for up to 10 s.
# iso_kill CGROUP PIDS-FUNCTION
iso_kill() {
	local cg=$1 list=$2 pids p i up=
	pids=$($list)
	[ -n "$pids" ] || return 0
	for p in $pids; do
		if [ "$(cat "/proc/$p/comm" 2>/dev/null)" = uptrace ]; then
			kill -INT "$p" 2>/dev/null && up+=" $p"
		fi
	done
	for i in $(seq 1 60); do
		[ -n "$up" ] || break
		sleep 0.05
		pids=$($list)
		up=$(for p in $up; do grep -qx "$p" <<<"$pids" && echo "$p"; done)
	done
	for i in $(seq 1 200); do
		pids=$($list)
		[ -n "$pids" ] || return 0
		if [ -n "$cg" ] && [ -e "$cg/cgroup.kill" ]; then
			echo 1 >"$cg/cgroup.kill" 2>/dev/null
		else
			# shellcheck disable=SC2086
			kill -KILL $pids 2>/dev/null
		fi
		sleep 0.05
	done
	return 1
}

# What the test left (runner side, after its subshell): stopped, then checked.  Writes FAIL
# lines for what remains, and a note of what was stopped; the test fails if anything is left.
iso_end() {
	local pids p left bpf i status=0
	pids=$(iso_members)
	if [ -n "$pids" ]; then
		echo "      note: the harness stopped what the test left running:" \
			"$(for p in $pids; do proc_desc "$p"; done | join_lines ", ")"
	fi
	iso_kill "$CG" iso_members
	left=$(iso_members)
	if [ -n "$left" ]; then
		echo "    FAIL: still running after the test was stopped:" \
			"$(for p in $left; do proc_desc "$p"; done | join_lines ", ")"
		status=1
	fi
	# with its mark, outside its cgroup: it left it (moved itself to another)
	left=
	[ -z "$CG" ] || left=$(iso_marked | grep -vxF -f <(iso_members; echo none))
	if [ -n "$left" ]; then
		echo "    FAIL: left the test's cgroup and outlived the test:" \
			"$(for p in $left; do proc_desc "$p"; done | join_lines ", ")"
		status=1
	fi
	bpf=$(our_bpf_left "$T/bpf.before" 5000 held)
	if [ -n "$bpf" ]; then
		echo "    FAIL: BPF objects of uptrace left loaded after the test:" \
			"$(join_lines "; " <<<"$bpf")"
		status=1
	fi
	# nothing outlives the test, even what left its cgroup
	[ -z "$left" ] || iso_kill "" iso_marked
	[ -z "$CG" ] || cg_remove "$CG" || {
		echo "    FAIL: cannot remove the test's cgroup $CG"
		status=1
	}
	return $status
}

# Run one test function in a fresh scratch directory and its own cgroup (or process group),
# then stop and check what it left.  Sets RESULT (ok, FAILED or skipped), RUN_T (the scratch
# directory, with the test's stderr in test.err) and RUN_CG (its cgroup, gone now).
# Always returns 0, also under set -e (a test may run another, see run.sh's harness tests).
run_one() {
	local t=$1 status errexit=${-//[^e]/}
	local T CG MARK MARK_RE TEST_PID=
	set +e
	T=$(mktemp -d /tmp/uptrace-e2e.XXXXXX)
	upt_bpf_objects >"$T/bpf.before"
	MARK=$RUN_ID/$t
	MARK_RE=${MARK//./\\.}
	CG=
	if [ $ISO = cgroup ]; then
		CG=$CG_BASE/$t
		mkdir "$CG" || CG=
	fi
	RUN_T=$T
	RUN_CG=$CG
	# not under `if` (nor || or &&): bash would ignore set -e in the whole test.  Its stdin
	# is /dev/null: a test reads nothing of the terminal.
	if [ -n "$CG" ]; then
		(
			echo "$BASHPID" >"$CG/cgroup.procs" || exit 1
			iso_test "$t"
		) </dev/null 2>"$T/test.err"
		status=$?
	else
		# job control: the subshell leads a process group of its own
		set -m
		iso_test "$t" </dev/null 2>"$T/test.err" &
		TEST_PID=$!
		set +m
		wait "$TEST_PID"
		status=$?
	fi
	iso_end >>"$T/test.err" 2>&1 || status=1
	# a fail in a nested subshell ($(...), a pipeline) only ends that subshell: its
	# FAIL line still fails the test
	if [ $status = 0 ] && ! grep -q '^    FAIL:' "$T/test.err"; then
		if grep -q '^SKIP:' "$T/test.err"; then
			RESULT=skipped
		else
			RESULT=ok
		fi
	else
		RESULT=FAILED
	fi
	[ -z "$errexit" ] || set -e
	return 0
}

# The test in its subshell, in its cgroup already: its mark, set -e, its directory.
iso_test() (
	export UPTRACE_E2E_TEST=$MARK
	UPID=
	set -e
	trap cleanup_bg EXIT
	cd "$T"
	"$1"
)

# Interrupted: stop the test that runs and whatever is left of the suite, then leave.
iso_abort() {
	trap - INT TERM HUP
	echo >&2
	echo "e2e: interrupted; stopping the test's processes" >&2
	[ -z "${TEST_PID:-}${CG:-}" ] || iso_kill "${CG:-}" iso_members
	MARK_RE=
	CG=
	iso_kill "" iso_marked
	[ -z "$CG_BASE" ] || {
		[ ! -e "$CG_BASE/cgroup.kill" ] || echo 1 >"$CG_BASE/cgroup.kill"
		cg_remove "$CG_BASE"
	}
	iso_unmount
	rm -f "/tmp/$RUN_ID.bpf.before"
	exit "$1"
}

# The suite's end: nothing of any of its tests may be left, not a process with a test's
# mark, not a cgroup, not a BPF object of ours loaded since the suite began.
iso_finish() {
	local left bpf i status=0 T='' CG='' MARK_RE=''
	left=$(iso_marked)
	if [ -n "$left" ]; then
		echo "    FAIL: the suite's tests left running:" \
			"$(for i in $left; do proc_desc "$i"; done | join_lines ", ")"
		iso_kill "" iso_marked
		status=1
	fi
	if [ -n "$CG_BASE" ]; then
		left=$(for i in "$CG_BASE"/*/; do [ ! -d "$i" ] || echo "${i%/}"; done)
		if [ -n "$left" ]; then
			echo "    FAIL: the suite's tests left cgroups:" $left \
				"with $(cg_procs "$CG_BASE" | wc -l) processes"
			echo 1 2>/dev/null >"$CG_BASE/cgroup.kill"
			status=1
		fi
		cg_remove "$CG_BASE" || {
			echo "    FAIL: cannot remove $CG_BASE"
			status=1
		}
	fi
	iso_unmount
	bpf=$(our_bpf_left "/tmp/$RUN_ID.bpf.before" 5000 held)
	rm -f "/tmp/$RUN_ID.bpf.before"
	if [ -n "$bpf" ]; then
		echo "    FAIL: BPF objects of uptrace left loaded after the suite:" \
			"$(join_lines "; " <<<"$bpf")"
		status=1
	fi
	trap - INT TERM HUP
	return $status
}

# A jq filter: Fluent Bit v2 records as a msgpack sink carries them and a generic decoder
# shows them ([[EventTime, metadata], body], ext 0 as {"ext":0,"data":base64}: fwd-recv,
# mpcat), to what uptrace's JSON writes for them: {timestamp, metadata, body}.  EventTime's
# data is big-endian seconds, then nanoseconds.
FLB_AS_JSON='def be32: reduce .[] as $b (0; . * 256 + $b);
def b64bytes: [explode[] | if . >= 65 and . <= 90 then . - 65 elif . >= 97 and . <= 122 then
	. - 71 elif . >= 48 and . <= 57 then . + 4 elif . == 43 then 62 elif . == 47 then 63
	else empty end] as $v | [range(0; $v | length; 4) as $i | $v[$i:$i + 4] as $q |
	($q[0] * 262144 + ($q[1] // 0) * 4096 + ($q[2] // 0) * 64 + ($q[3] // 0)) as $w |
	(($w / 65536) | floor), (($w / 256) | floor) % 256, $w % 256];
def eventtime: (.data | b64bytes) as $b |
	(($b[0:4] | be32 | todate | sub("Z$"; "")) + "." +
	 ($b[4:8] | be32 | tostring | ("000000000" + .)[-9:]) + "Z");
map({timestamp: (.[0][0] | eventtime), metadata: .[0][1], body: .[1]})'

run_tests() {
	local t names
	names=$(declare -F | awk '{print $3}' | grep '^test_' | grep -E "${TEST_FILTER:-.}")
	iso_setup
	for t in $names; do
		printf '  %-50s ' "$t"
		run_one "$t"
		case $RESULT in
		ok)
			echo ok
			PASSED=$((PASSED + 1))
			rm -rf "$RUN_T"
			;;
		skipped)
			echo "skipped ($(sed -n 's/^SKIP: //p' "$RUN_T/test.err"))"
			SKIPPED=$((SKIPPED + 1))
			rm -rf "$RUN_T"
			;;
		*)
			echo FAILED
			sed 's/^/      /' "$RUN_T/test.err" >&2
			echo "      (scratch kept in $RUN_T)" >&2
			FAILED=$((FAILED + 1))
			FAILED_NAMES+=("$t")
			;;
		esac
	done
	if ! iso_finish >"/tmp/$RUN_ID.finish" 2>&1; then
		echo "  the suite's end: FAILED"
		sed 's/^/      /' "/tmp/$RUN_ID.finish" >&2
		FAILED=$((FAILED + 1))
		FAILED_NAMES+=("(the suite's leftovers)")
	fi
	rm -f "/tmp/$RUN_ID.finish"
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
