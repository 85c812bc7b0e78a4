#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# run.sh - `make test-kernels`: uptrace's real end-to-end suites inside the kernels its users
# run, each booted in QEMU.
#
#   tests/kernels/run.sh [SPEC...]        (default: $KERNELS, else "6.1 6.12")
#
# Design.  Each SPEC (a series such as 6.1, a Debian package name, or a vmlinuz path) is
# turned into a vmlinuz by fetch.sh: Debian's own kernel package, downloaded with apt-get
# download and cached under build/kernels/, never installed.  mkroot.sh makes one initramfs
# of this machine's binaries (bash, jq, coreutils, bpftool..., with their libraries) and the
# built repository at its own absolute path; its /init (init.sh) mounts what the tests need,
# runs `uptrace --check` and the suites, and powers off.  QEMU boots each kernel with it,
# under KVM when KVM really runs a guest here (a short probe boot says so), else under TCG;
# the console goes to build/kernels/VERSION.console.log, the results to a second serial
# port, build/kernels/VERSION.log, which this script parses.  Every VM has a hard time
# limit (timeout(1)); QEMU is stopped then, and on any exit of this script, so nothing
# outlives the run.
#
# Prints one line per kernel, and the host's:
#   kernel 6.1.0-57-amd64: path portable, 66 passed, 0 failed, 0 skipped (boot 3 s, tests 545 s, VM 558 s, tcg)
# and exits non-zero if a kernel failed a test, did not boot, or timed out, after printing
# the failing tests' output (and uptrace -vv's) from the guest's log.
#
# Which tests: by default the core set below (what the kernels issue asks of every kernel,
# and all of kernel.sh), because every guest is emulated (TCG) where KVM does not work, and the
# whole of run.sh and ktrace.sh takes about 10 minutes there; KTEST_FILTER=. runs them all.
#
# Environment: KERNELS (the SPECs), KTEST_ACCEL (kvm or tcg: no probe), KTEST_TIMEOUT (seconds
# per VM), KTEST_SUITES (default "run ktrace kernel"), KTEST_FILTER (a TEST_FILTER regex, all
# suites; default the core set), KTEST_MEM (default 2G), KTEST_SMP (vCPUs; default 2 with KVM, 1 with TCG),
# KTEST_JOBS (VMs at once; default all), KTEST_APPEND (more kernel command line), OUTPUT
# (default build).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$REPO/tests/kernels
OUTPUT=${OUTPUT:-build}
DIR=$REPO/$OUTPUT/kernels
# run.sh and ktrace.sh, and kernel.sh (--check, both copy paths) where it exists
SUITES=${KTEST_SUITES:-run ktrace$([ ! -e "$REPO/tests/e2e/kernel.sh" ] || echo ' kernel')}
MEM=${KTEST_MEM:-2G}
QEMU=qemu-system-x86_64

# The core set: the flagship on flb-mini and its stripped copy, an explicit spec, an argument
# on the stack, %return with durations, -p, -c, --follow, 4 KiB+ captures whole and cut,
# string truncation, the lost-events accounting, all-or-nothing attach, DWARF arguments, bad
# input; -t exec, signal, malloc, bind, tcp, vfs and their loss accounting; all of kernel.sh.
CORE='^test_(flagship_no_spec|flagship_stripped_binary|explicit_spec|seventh_argument_on_stack'
CORE+='|return_probe_pairs_recursion_across_threads|pid_sees_only_that_process'
CORE+='|command_runs_only_after_attach|follow_children|64k_record_whole_with_max_bytes'
CORE+='|64k_record_whole_by_default|record_truncated_past_the_default_and_at_max_bytes'
CORE+='|string_truncation|lost_events_are_counted|bad_input'
CORE+='|attach_is_all_or_nothing|dwarf_arguments_O0_and_O2'
CORE+='|exec|signal|malloc|bind|tcp|vfs|lost_records_are_counted_per_trace'
CORE+='|check_[a-z_]+|both_paths_[a-z_]+|version_verbose_says_what_check_says)$'
FILTER=${KTEST_FILTER-$CORE}

# Tests that cannot work in the guest, whatever uptrace does (a regex of names): none now.
# (The soak test measured VmRSS, into which 6.1 maps the ring buffer's 16 MB at a moment of
# its own; it measures uptrace's anonymous memory now.)
EXCLUDE='^$'
# Under TCG only: the tests whose assertion is a wall-clock budget sized for a real CPU
# (uptrace -d 0.5 done in 3 s, a reader's exit noticed in 2 s or 3 s, an event within 1.5 s,
# detach within 3 s of the measured cost), while the emulated guest runs 10 to 50 times
# slower: "test_head_exits_promptly FAILED: took 3044 ms" on 6.1 with the host loaded.
EXCLUDE_TCG='test_duration_stops|test_head_exits_promptly|test_head_exits_promptly_when_idle'
EXCLUDE_TCG+='|test_idle_costs_nothing_and_poll_ms_does_not_delay|test_head_exits_promptly_with_long_poll'

die() {
	echo "test-kernels: $*" >&2
	exit 1
}

log() {
	echo "test-kernels: $*" >&2
}

# Every QEMU goes when this script does, however it ends.  Each runs under timeout(1),
# whose pid is in $DIR/NAME.pid: TERM to it is TERM to QEMU, then KILL 5 s later; and if this
# script is killed outright, timeout still ends QEMU at its time limit.
cleanup() {
	local f pid pids=() i
	for f in "$DIR"/*.pid; do
		[ -e "$f" ] || continue
		pid=$(cat "$f")
		if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = timeout ]; then
			kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
		fi
		rm -f "$f"
	done
	for ((i = 0; i < 70 && ${#pids[@]} > 0; i++)); do
		kill -0 "${pids[@]}" 2>/dev/null || break
		sleep 0.1
	done
	# the background test_kernel shells of main
	mapfile -t pids < <(jobs -p)
	[ ${#pids[@]} = 0 ] || kill "${pids[@]}" 2>/dev/null || true
}

# boot_vm NAME VMLINUZ LIMIT MODE RESULTS_LOG ACCEL_ARGS...: QEMU, stopped after LIMIT
# seconds; the console goes to $DIR/NAME.console.log.  Returns QEMU's status (0 when the
# guest powered off by itself), 124 on timeout.
boot_vm() {
	local name=$1 kernel=$2 limit=$3 mode=$4 results=$5 pid status
	shift 5
	rm -f "$DIR/$name.console.log" "$DIR/$name.qemu.log"
	timeout --kill-after=5 "$limit" \
		"$QEMU" "$@" -m "$MEM" -smp "${KTEST_SMP:-$SMP}" -no-reboot -nodefaults -display none \
		-kernel "$kernel" -initrd "$DIR/initrd.cpio" \
		-append "console=ttyS0 panic=-1 loglevel=4 ${KTEST_APPEND:-} ktest.accel=$ACCEL_NAME ktest.mode=$mode" \
		-serial "file:$DIR/$name.console.log" -serial "file:$results" \
		</dev/null >"$DIR/$name.qemu.log" 2>&1 &
	pid=$!
	echo "$pid" >"$DIR/$name.pid"
	wait "$pid" && status=0 || status=$?
	rm -f "$DIR/$name.pid"
	[ "$status" != 137 ] || status=124 # killed after the TERM of the time limit
	return "$status"
}

# KVM if it boots a kernel here within seconds: /dev/kvm can be there and still not run
# an ordinary guest (a nested PVM host, for one, has /dev/kvm and hangs).  KTEST_ACCEL
# decides without a probe.
choose_accel() {
	local kernel=$1 t0
	# one vCPU under TCG: with two, the guest kernel's live code patching (jump labels,
	# int3 then the new bytes) raced with the other vCPU's stale translation and oopsed
	# ("Oops: int3" in __schedule, 6.12, during perf_event_open)
	SMP=2
	case ${KTEST_ACCEL:-} in
	kvm) ACCEL=(-accel kvm -cpu host) ACCEL_NAME=kvm && return ;;
	tcg) ACCEL=(-accel tcg -cpu max) ACCEL_NAME=tcg SMP=1 && return ;;
	'') ;;
	*) die "KTEST_ACCEL: '$KTEST_ACCEL' is not kvm or tcg" ;;
	esac
	ACCEL=(-accel tcg -cpu max) ACCEL_NAME=tcg SMP=1
	if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
		log "no usable /dev/kvm: TCG (slow)"
		return
	fi
	t0=$(date +%s)
	if boot_vm probe "$kernel" 10 probe /dev/null -accel kvm -cpu host &&
		grep -q KTEST-PROBE-OK "$DIR/probe.console.log"; then
		ACCEL=(-accel kvm -cpu host) ACCEL_NAME=kvm SMP=2
		log "KVM boots a guest in $(($(date +%s) - t0)) s: KVM"
	else
		log "/dev/kvm is there but a KVM guest did not boot in 10 s" \
			"($DIR/probe.console.log$([ -d /sys/module/kvm_pvm ] && echo '; the host is a nested PVM hypervisor')): TCG (slow)"
	fi
}

# The host's own line: uptrace --check on this kernel (a failure here is make test's).
host_line() {
	local out status
	out=$("$REPO/$OUTPUT/uptrace" --check 2>&1) && status=0 || status=$?
	if [ "$status" = 0 ]; then
		echo "kernel $(uname -r) (host): path $(tail -1 <<<"$out" | sed -n 's/^path: //p')"
	elif grep -q "unrecognized option '--check'" <<<"$out"; then
		echo "kernel $(uname -r) (host): path ?"
	else
		echo "kernel $(uname -r) (host): uptrace --check: exit $status: $(tail -1 <<<"$out")"
	fi
}

write_env() {
	cat >"$DIR/ktest.env" <<-EOF
		REPO='$REPO'
		OUTPUT='$OUTPUT'
		KTEST_SUITES='$SUITES'
		KTEST_EXCLUDE='$EXCLUDE'
		KTEST_EXCLUDE_TCG='$EXCLUDE_TCG'
		KTEST_FILTER='$FILTER'
		SOAK_SECONDS=${SOAK_SECONDS:-10}
	EOF
}

# sum_field LOG WORD: the sum of "N WORD" over the suites' "e2e: ..." lines.
sum_field() {
	sed -n "s/^e2e: .*\b\([0-9][0-9]*\) $2\b.*/\1/p" "$1" | awk '{s += $1} END {print s + 0}'
}

# The output of each failing test (from its FAILED line to the next test), a suite that
# ended without its count, why --check failed, and the end of what uptrace -vv said (the
# whole of it is in the log).
show_failures() {
	awk '
		/^  test_[A-Za-z0-9_]+ +FAILED$/ { show = 1 }
		/^  test_[A-Za-z0-9_]+ +(ok|skipped.*)$/ || /^e2e: / || /^KTEST-/ { show = 0 }
		show { print "    | " $0 }
	' "$1"
	awk '
		function flush(i) { for (i = n > 25 ? n - 25 : 0; i < n; i++) print "    | diag: " buf[i]; n = 0 }
		/^KTEST-ENV missing / { print "    | guest: " $0 }
		/^KTEST-SUITE-BEGIN / { name = $2; counted = 0 }
		/^e2e: / { counted = 1 }
		/^KTEST-SUITE-END / && !counted { print "    | suite " name " ended without its count: " $0 }
		/^KTEST-CHECK-BEGIN/ { check = 1; next }
		/^KTEST-CHECK-END/ { check = 0; if ($3 != 0) print "    | uptrace --check: exit " $3 ": " last }
		check { last = $0 }
		/^KTEST-DIAG-BEGIN/ { diag = 1; n = 0; next }
		/^KTEST-DIAG-END/ { flush(); diag = 0 }
		diag && /^\+ / { flush(); print "    | diag: " $0; next }
		diag { buf[n++] = $0 }
	' "$1"
}

# verdict RESULTS: why the kernel failed, or nothing when every suite ran and passed.
verdict() {
	local results=$1 failed
	failed=$(sum_field "$results" failed)
	if grep -q '^KTEST-SKIP-SUITES' "$results"; then
		sed -n 's/^KTEST-SKIP-SUITES //p' "$results"
	elif ! grep -q '^KTEST-END$' "$results"; then
		echo "the guest stopped before the end"
	elif [ "$failed" != 0 ]; then
		echo "$failed tests failed"
	elif [ "$(grep -c '^KTEST-SUITE-END .* status 0 ' "$results")" != "$(wc -w <<<"$SUITES")" ]; then
		echo "a suite did not run or failed"
	elif [ "$(sum_field "$results" passed)" = 0 ]; then
		echo "no test ran"
	fi
}

# test_kernel VERSION VMLINUZ: boot, parse, print the kernel's line; 0 when all passed.
test_kernel() {
	local version=$1 kernel=$2 results=$DIR/$1.log
	local t0 t1 status limit line why
	rm -f "$results"
	limit=${KTEST_TIMEOUT:-$([ "$ACCEL_NAME" = kvm ] && echo 300 || echo 900)}
	t0=$(date +%s)
	boot_vm "$version" "$kernel" "$limit" test "$results" "${ACCEL[@]}" && status=0 || status=$?
	t1=$(date +%s)
	tr -d '\r' <"$results" >"$results.tmp" && mv "$results.tmp" "$results"
	if ! grep -q '^KTEST-BEGIN ' "$results"; then
		echo "kernel $version: FAILED: did not boot ($([ $status = 124 ] &&
			echo "timed out after $limit s" || echo "QEMU status $status")): see $DIR/$version.console.log"
		tail -n 30 "$DIR/$version.console.log" "$DIR/$version.qemu.log" | sed 's/^/    | /'
		return 1
	fi
	line="kernel $version: path $(sed -n 's/^KTEST-PATH //p' "$results"), $(sum_field "$results" passed) passed,"
	line+=" $(sum_field "$results" failed) failed, $(sum_field "$results" skipped) skipped"
	line+=" (boot $(sed -n 's/^KTEST-BEGIN .* uptime \([0-9]*\).*/\1/p' "$results") s,"
	line+=" tests $(sed -n 's/^KTEST-SUITE-END .* seconds \([0-9]*\)$/\1/p' "$results" |
		awk '{s += $1} END {print s + 0}') s, VM $((t1 - t0)) s, $ACCEL_NAME)"
	why=$(verdict "$results")
	[ "$status" != 124 ] || why="TIMED OUT after $limit s${why:+; $why}"
	if [ -z "$why" ]; then
		echo "$line"
		return 0
	fi
	echo "$line: FAILED: $why: see $results"
	show_failures "$results"
	[ "$status" != 124 ] || tail -n 15 "$results" | sed 's/^/    | last: /'
	return 1
}

# Runs the kernels KTEST_JOBS at a time (default: all at once; a TCG guest keeps about one
# core busy, the rest of its time is the tests' own waiting), and prints their lines in order.
run_kernels() {
	local jobs=${KTEST_JOBS:-${#VERSIONS[@]}} i running=0 status=0
	for i in "${!VERSIONS[@]}"; do
		if [ "$running" -ge "$jobs" ]; then
			wait -n || true
			running=$((running - 1))
		fi
		(
			test_kernel "${VERSIONS[$i]}" "${KERNELS_[$i]}" >"$DIR/${VERSIONS[$i]}.summary" 2>&1 &&
				st=0 || st=$?
			echo "$st" >"$DIR/${VERSIONS[$i]}.status"
		) &
		running=$((running + 1))
	done
	wait
	for i in "${!VERSIONS[@]}"; do
		cat "$DIR/${VERSIONS[$i]}.summary"
		[ "$(cat "$DIR/${VERSIONS[$i]}.status")" = 0 ] || status=1
	done
	return "$status"
}

main() {
	local specs=("$@") spec out status=0
	[ ${#specs[@]} -gt 0 ] || read -ra specs <<<"${KERNELS:-6.1 6.12}"
	command -v "$QEMU" >/dev/null || die "no $QEMU (make deps installs qemu-system-x86)"
	command -v busybox >/dev/null || die "no busybox (make deps installs busybox-static)"
	[ "$(id -u)" = 0 ] || die "needs root (apt-get download; uptrace in the guest)"
	mkdir -p "$DIR"
	trap cleanup EXIT
	trap 'exit 130' INT TERM HUP
	for spec in "${specs[@]}"; do
		out=$("$HERE/fetch.sh" "$DIR" "$spec") || die "cannot fetch kernel $spec"
		VERSIONS+=("${out%% *}")
		KERNELS_+=("${out#* }")
	done
	write_env
	"$HERE/mkroot.sh" "$REPO" "$OUTPUT" "$DIR/root" "$DIR/initrd.cpio" "$DIR/ktest.env"
	log "initramfs $(du -m "$DIR/initrd.cpio" | cut -f1) MB; suites: $SUITES"
	choose_accel "${KERNELS_[0]}"
	log "left out in the guests (why: tests/kernels/run.sh): $EXCLUDE$([ "$ACCEL_NAME" != tcg ] ||
		echo "|$EXCLUDE_TCG")"
	host_line
	run_kernels || status=1
	return "$status"
}

main "$@"
