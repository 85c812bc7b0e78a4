#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# init.sh - /init of the test-kernels guest (PID 1 in an initramfs, rootfs on tmpfs).
#
# It mounts what uptrace and the e2e suites need (proc, sysfs, devtmpfs, devpts, tmpfs on
# /tmp and /run, debugfs, tracefs, bpffs, cgroup2), brings up lo, then:
#   ktest.mode=probe   says KTEST-PROBE-OK on the console and powers off (is the VM usable?)
#   ktest.mode=test    runs `uptrace --check` and the suites of /etc/ktest.env
# and powers off.  Results go to the second serial port (/dev/ttyS1: the host's results
# file), between marker lines the host parses (tests/kernels/run.sh):
#   KTEST-BEGIN <uname -r> uptime <seconds since the kernel started>
#   KTEST-EXCLUDE REGEX                                the tests left out (more under TCG)
#   KTEST-CHECK-BEGIN ... KTEST-CHECK-END status N     uptrace --check, stdout and stderr
#   KTEST-PATH kfunc|portable|none|?                   its last stdout line (? without --check)
#   KTEST-SKIP-SUITES REASON                           --check failed: no suite runs
#   KTEST-SUITE-BEGIN NAME ... KTEST-SUITE-END NAME status N seconds S
#   KTEST-TIME SECONDS SUITE:TEST                      each test's time, slowest first
#   KTEST-DIAG-BEGIN ... KTEST-DIAG-END                uptrace -vv, when something failed
#   KTEST-END
# The kernel's own messages stay on the console (ttyS0).  Never exits: PID 1 exiting is a
# panic (the host would see a reboot and QEMU, with -no-reboot, stop; but say so first).
set -u # not -e: PID 1 must not exit; every step says how it went instead
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C TERM=dumb

say() {
	echo "ktest: $*" >/dev/console
}

# mount_tmpfs DIR MODE: a tmpfs on DIR, with what the initramfs had there (the repository,
# when it lives under /tmp on the host).
mount_tmpfs() {
	mkdir -p /mnt/ktest-tmpfs
	mount -t tmpfs -o "mode=$2" tmpfs /mnt/ktest-tmpfs
	cp -a "$1/." /mnt/ktest-tmpfs/
	mount --move /mnt/ktest-tmpfs "$1"
}

mount_all() {
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev 2>/dev/null || true # the kernel may have done it
	mkdir -p /dev/pts /dev/shm
	mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
	[ -e /dev/ptmx ] || ln -s pts/ptmx /dev/ptmx
	ln -sfn /proc/self/fd /dev/fd # bash's <(...)
	ln -sf /proc/self/fd/0 /dev/stdin
	ln -sf /proc/self/fd/1 /dev/stdout
	ln -sf /proc/self/fd/2 /dev/stderr
	mount -t tmpfs -o mode=1777 tmpfs /dev/shm
	mount_tmpfs /tmp 1777
	mount_tmpfs /run 755
	mount -t debugfs debugfs /sys/kernel/debug
	mount -t tracefs tracefs /sys/kernel/tracing
	mount -t bpf bpf /sys/fs/bpf
	mount -t cgroup2 cgroup2 /sys/fs/cgroup
	hostname ktest
	ip link set lo up
}

# What the guest is made of, for the log: every missing piece is a harness bug.
describe_env() {
	echo "KTEST-ENV root $(stat -f -c %T /) tmp $(stat -f -c %T /tmp) cpus $(nproc)" \
		"mem $(awk '/^MemTotal/ {print $2 " kB"}' /proc/meminfo)"
	local m
	for m in /sys/kernel/tracing /sys/kernel/debug /sys/fs/bpf /sys/fs/cgroup /dev/pts; do
		grep -q " $m " /proc/mounts || echo "KTEST-ENV missing mount $m"
	done
	[ -e /sys/kernel/btf/vmlinux ] || echo "KTEST-ENV missing /sys/kernel/btf/vmlinux"
	echo "KTEST-ENV lo flags $(cat /sys/class/net/lo/flags) inet6 $(grep -c ' lo$' /proc/net/if_inet6)"
}

# uptrace --check: its last stdout line names the path (exit 0), or it exits 2 with the
# reason on stderr: this kernel cannot serve, and the suites would only fail, slowly (a
# verifier that gives up after a million instructions takes minutes under TCG).  An
# uptrace without --check yet says "?", and the suites run.
check() {
	local status path
	echo "KTEST-CHECK-BEGIN"
	"$UPTRACE" --check >/tmp/check.out 2>/tmp/check.err && status=0 || status=$?
	cat /tmp/check.out /tmp/check.err
	echo "KTEST-CHECK-END status $status"
	path=$(tail -1 /tmp/check.out | sed -n 's/^path: //p')
	if [ "$status" != 0 ] && grep -q "unrecognized option '--check'" /tmp/check.err; then
		echo "KTEST-PATH ?"
		return 0
	fi
	echo "KTEST-PATH ${path:-none}"
	[ "$status" = 0 ]
}

# The tests of SUITE to run: all of them but KTEST_EXCLUDE, as a TEST_FILTER regex.
suite_filter() {
	local names
	names=$(grep -oE '^test_[a-zA-Z0-9_]+\(\)' "tests/e2e/$1.sh" | tr -d '()' |
		grep -vxE "${KTEST_EXCLUDE:-^$}" | grep -E "${KTEST_FILTER:-.}" | paste -sd'|')
	echo "^(${names:-none})\$"
}

uptime_cs() {
	local up
	read -r up _ </proc/uptime
	echo "${up/./}"
}

# Passes the suite's output on, and notes in /tmp/times how long each test took (from the
# previous test's result line to its own), in seconds.
time_tests() {
	local line t0 t1
	t0=$(uptime_cs)
	while IFS= read -r line; do
		printf '%s\n' "$line"
		if [[ $line =~ ^\ \ (test_[A-Za-z0-9_]+)\ +(ok|FAILED|skipped) ]]; then
			t1=$(uptime_cs)
			printf '%d.%02d %s:%s\n' $(((t1 - t0) / 100)) $(((t1 - t0) % 100)) "$1" \
				"${BASH_REMATCH[1]}" >>/tmp/times
			t0=$t1
		fi
	done
}

run_suite() {
	local s=$1 status t0
	say "suite $s"
	echo "KTEST-SUITE-BEGIN $s"
	t0=$(date +%s)
	UPTRACE=$UPTRACE TARGETS=$REPO/$OUTPUT/e2e TOOLS=$REPO/$OUTPUT/tools \
		FWD_RECV=$REPO/$OUTPUT/tests/fwd-recv FIXTURES=$REPO/$OUTPUT/fixtures SANITIZED='' \
		SOAK_SECONDS=$SOAK_SECONDS TEST_FILTER=$(suite_filter "$s") \
		bash "tests/e2e/$s.sh" </dev/null 2>&1 | time_tests "$s"
	status=${PIPESTATUS[0]}
	echo "KTEST-SUITE-END $s status $status seconds $(($(date +%s) - t0))"
	return "$status"
}

# When something failed: what libbpf and the verifier said, loading the uprobe path and the
# kernel traces.
diagnose() {
	echo "KTEST-DIAG-BEGIN"
	echo "+ uptrace -vv -d 0.5 flb-mini flb_input_log_append"
	"$UPTRACE" -vv -d 0.5 "$REPO/examples/flb-mini/flb-mini" flb_input_log_append 2>&1 |
		tail -n 300
	echo "+ uptrace -vv -d 0.5 --all -t all"
	"$UPTRACE" -vv -d 0.5 --all -t all 2>&1 >/dev/null | tail -n 300
	echo "KTEST-DIAG-END"
}

run_tests() {
	local failed=0 s
	. /etc/ktest.env
	UPTRACE=$REPO/$OUTPUT/uptrace
	case " $(cat /proc/cmdline) " in
	*" ktest.accel=tcg "*) KTEST_EXCLUDE=${KTEST_EXCLUDE:+$KTEST_EXCLUDE|}$KTEST_EXCLUDE_TCG ;;
	esac
	echo "KTEST-BEGIN $(uname -r) uptime $(cut -d' ' -f1 /proc/uptime)"
	describe_env
	echo "KTEST-EXCLUDE ${KTEST_EXCLUDE:-none}"
	cd "$REPO" || echo "KTEST-ENV missing $REPO"
	if check; then
		for s in $KTEST_SUITES; do
			run_suite "$s" || failed=1
		done
	else
		failed=1
		echo "KTEST-SKIP-SUITES uptrace --check failed: $(tail -1 /tmp/check.err)"
	fi
	sort -rn /tmp/times 2>/dev/null | sed 's/^/KTEST-TIME /'
	[ $failed = 0 ] || diagnose
	echo "KTEST-END"
}

power_off() {
	sync
	busybox poweroff -f
	echo o >/proc/sysrq-trigger
	sleep 60
}

main() {
	mount_all >/dev/console 2>&1
	case " $(cat /proc/cmdline) " in
	*" ktest.mode=probe "*)
		say "KTEST-PROBE-OK $(uname -r)"
		;;
	*)
		stty -F /dev/ttyS1 raw -echo 2>/dev/null
		say "running the tests (results on ttyS1)"
		run_tests >/dev/ttyS1 2>&1
		say "done"
		;;
	esac
	power_off
}

main
