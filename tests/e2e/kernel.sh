#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# End-to-end tests of what uptrace needs of the running kernel, and of its two copy paths:
# --check (features, every BPF program loaded here, each call chain within the 512 bytes of
# BPF stack that every kernel allows), the path it takes (told independently, from the
# kernel's BTF), and the same events from the kfunc path and the portable one.  The suite
# ends with the stack table of this kernel.
# Usage: UPTRACE=build/uptrace bash tests/e2e/kernel.sh   (TEST_FILTER=regex runs a subset)
set -u
. "$(dirname "$0")/lib.sh"

TARGETS=${TARGETS:-$ROOT/build/e2e}
DEMO=$ROOT/examples/syscalls-demo/syscalls-demo
PROGRAMS="ktrace_exec_done ktrace_gone ktrace_mem_enter ktrace_mem_ret ktrace_signal \
ktrace_sys_enter ktrace_sys_exit upt_call upt_exit upt_fork"
KFUNCS="bpf_probe_read_user_dynptr bpf_probe_read_user_str_dynptr bpf_probe_read_kernel_dynptr"

# The path uptrace must take here, told without uptrace: the kfuncs in the kernel's BTF.
expected_path() {
	local k funcs
	funcs=$(bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null | grep "^\[[0-9]*\] FUNC ")
	for k in $KFUNCS; do
		grep -q "FUNC '$k'" <<<"$funcs" || { echo portable; return; }
	done
	echo kfunc
}

# The program lines of --check: NAME DEPTH HEADROOM FRAMES, one a line.
program_lines() {
	sed -nE 's/^  ([a-z_]+) +([0-9]+) bytes, headroom +(-?[0-9]+)  \(frames ([0-9+]+);.*/\1 \2 \3 \4/p' "$1"
}

# --check's output ($1): the features, every program within 512 bytes, the path ($2).
check_report() {
	local out=$1 path=$2 name depth headroom frames sum f
	eq "kernel line" "kernel $(uname -r)" "$(head -1 "$out")"
	eq "feature lines" 11 "$(grep -cE '^  (yes|no ) ' "$out")"
	eq "needed features missing" 0 "$(grep -cE '^  no  .* needed,' "$out")"
	eq "programs" "$PROGRAMS" "$(program_lines "$out" | cut -d' ' -f1 | sort | xargs)"
	while read -r name depth headroom frames; do
		sum=0
		for f in ${frames//+/ }; do
			eq "$name: frame $f is whole 32-byte slots" 0 $((f % 32))
			sum=$((sum + f))
		done
		eq "$name: depth is the sum of its frames" "$sum" "$depth"
		eq "$name: headroom" $((512 - depth)) "$headroom"
		[ "$depth" -le 512 ] || fail "$name needs $depth bytes of BPF stack"
	done < <(program_lines "$out")
	eq "last line" "path: $path" "$(tail -1 "$out")"
}

test_check_reports_features_stacks_and_path() {
	"$UPTRACE" --check >out 2>err || fail "--check failed: $(cat err)"
	eq "stderr" "" "$(cat err)"
	check_report out "$(expected_path)"
}

test_check_portable_path() {
	"$UPTRACE" --check --portable >out 2>err || fail "--check --portable failed: $(cat err)"
	eq "stderr" "" "$(cat err)"
	check_report out portable
}

test_version_verbose_says_what_check_says() {
	"$UPTRACE" --version >v 2>err
	# one line, the version alone (install.sh checks its value)
	grep -qxE 'uptrace [^ ]+' v || fail "--version: $(cat v)"
	eq "--version lines" 1 "$(wc -l <v)"
	"$UPTRACE" --version -v >vv 2>err
	eq "first line" "$(cat v)" "$(head -1 vv)"
	grep -qxE 'libbpf v?[0-9]+\.[0-9]+(\.[0-9]+)?' <(sed -n 2p vv) ||
		fail "libbpf line: $(sed -n 2p vv)"
	"$UPTRACE" --check >check 2>err
	eq "the rest is --check" "$(cat check)" "$(tail -n +3 vv)"
}

test_check_bad_usage() {
	expect_usage_error "--check takes no arguments" --check /bin/true
	expect_usage_error "--version takes no arguments" --version extra
}

# Start uptrace with its output in $1 (.out, .err); its pid in $! (the caller keeps it).
start_one() {
	local name=$1
	shift
	"$UPTRACE" -v "$@" >"$name.out" 2>"$name.err" &
	PIDS+=($!)
	local i
	for i in $(seq 1 200); do
		grep -q 'tracing .* probe' "$name.err" 2>/dev/null && return 0
		kill -0 "${PIDS[-1]}" 2>/dev/null || fail "uptrace $name exited: $(cat "$name.err")"
		sleep 0.05
	done
	fail "uptrace $name did not attach: $(cat "$name.err")"
}

stop_all() {
	local p
	for p in "${PIDS[@]}"; do
		kill -INT "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	no_sanitizer_report kfunc.err
	no_sanitizer_report portable.err
}

# Two uptraces see the same calls, one on each path: the same events but for the time.
same_but_time() {
	jq -c 'del(.time)' kfunc.out >a.json
	jq -c 'del(.time)' portable.out >b.json
	eq "$1 events (kfunc path)" "$2" "$(wc -l <a.json)"
	eq "$1 events (portable path)" "$2" "$(wc -l <b.json)"
	if ! cmp -s a.json b.json; then
		diff a.json b.json | cut -c1-300 | head -10 >&2
		fail "$1: the paths disagree"
	fi
}

# Every length around every power of two from 1 to 65536, strings and bytes, a NULL and an
# unreadable pointer: both paths give the same events, and the bytes are the target's.
test_both_paths_copy_every_length_alike() {
	local n=37 i len data cap=65536
	PIDS=()
	trap stop_all RETURN
	cp "$TARGETS/copysizes" ./copysizes
	mkfifo go
	./copysizes buf.bin <go >/dev/null &
	local target=$!
	exec 7>go
	local spec='take(str:str, buf:bytes[len], len)'
	start_one kfunc --max-bytes $cap -p $target ./copysizes "$spec"
	start_one portable --portable --max-bytes $cap -p $target ./copysizes "$spec"
	echo go >&7
	exec 7>&-
	wait $target
	stop_all
	same_but_time take $n
	# the lengths in order, then the data byte for byte against the target's own buffer
	eq "lengths" "0 1 2 3 4 5 7 8 9 15 16 17 31 32 33 63 64 65 127 128 129 255 256 257 \
1000 4095 4096 4097 8191 8192 8193 65535 65536 65537 100000 5 5" \
		"$(jq -r .args.len a.json | xargs)"
	for i in $(seq 0 34); do
		len=$(jq -r "select(.args.len != null) | .args.len" a.json | sed -n "$((i + 1))p")
		data=$(jq -r ".args.buf | if type == \"object\" and has(\"value\") then .value.data
			else .data end" <(sed -n "$((i + 1))p" a.json))
		[ "$len" -le $cap ] || len=$cap
		cmp -s <(base64 -d <<<"$data") <(head -c "$len" buf.bin) ||
			fail "buf of the call with len $len differs from the target's bytes"
		eq "str of len $len" "$len" "$(sed -n "$((i + 1))p" a.json |
			jq -r '.args.str | if type == "object" then .value else . end | length')"
	done
	eq "truncated buffers: real lengths" "65537 100000" \
		"$(jq -r '.args.buf | objects | select(.truncated) | .length' a.json | xargs)"
	# a string is measured up to the cap: its length is known that far
	eq "truncated strings" "65536 65536" \
		"$(jq -r '.args.str | objects | select(.truncated) | .length' a.json | xargs)"
	eq "NULL" '{"str":null,"buf":null,"len":5}' "$(sed -n 36p a.json | jq -c .args)"
	eq "unreadable" 'cannot read user memory 14 0x8' \
		"$(sed -n 37p a.json | jq -r '.args.str | "\(.error) \(.errno) \(.address)"')"
}

# -t vfs on both paths: the paths of files (walked up from the dentry) and of the caller's
# strings come out the same.
test_both_paths_kernel_traces_alike() {
	PIDS=()
	trap stop_all RETURN
	mkfifo go
	mkdir d
	"$DEMO" --wait --dir "$T/d" vfs <go >/dev/null &
	local target=$!
	exec 7>go
	start_one kfunc -t vfs -t exec -t bind -t tcp -p $target
	start_one portable --portable -t vfs -t exec -t bind -t tcp -p $target
	echo go >&7
	exec 7>&-
	wait $target
	stop_all
	same_but_time "-t vfs" "$(wc -l <kfunc.out)"
	[ "$(wc -l <kfunc.out)" -ge 10 ] || fail "only $(wc -l <kfunc.out) vfs events"
	grep -q "\"path\":\"$T/d/" kfunc.out || fail "no path under $T/d: $(head -3 kfunc.out)"
}

run_suite "$TARGETS/copysizes" "$DEMO"
status=$?
echo "BPF stack on this kernel ($(uname -r)), path $("$UPTRACE" --check 2>/dev/null | tail -1 | cut -d' ' -f2):"
"$UPTRACE" --check 2>/dev/null | sed -n '/^programs/,/^path/{/^  /p}'
exit $status
