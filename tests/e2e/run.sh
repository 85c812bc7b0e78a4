#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# End-to-end tests: the real uptrace loads real BPF and traces examples/flb-mini.  A test that
# traces a BINARY without -p or -c traces its own copy of it (private_copy, in lib.sh).
# Usage: UPTRACE=build/uptrace bash tests/e2e/run.sh   (TEST_FILTER=regex runs a subset)
set -u
. "$(dirname "$0")/lib.sh"

# --- the flagship path ------------------------------------------------------------------------

# Compare what uptrace printed (out) with what flb-mini says it passed (expect), call by call.
# $1: jq program that maps an uptrace event to the expect-line shape.
compare_calls() {
	local shape=${1:-'{tag: .args.tag, tag_len: .args.tag_len, buf_size: .args.buf_size, buf: .args.buf}'}
	jq -c "$shape" out >got.ndjson
	jq -c . expect.ndjson >want.ndjson
	if ! cmp -s got.ndjson want.ndjson; then
		diff <(head -c 3000 want.ndjson) <(head -c 3000 got.ndjson) | head -20 >&2
		fail "decoded calls differ from what flb-mini encoded"
	fi
}

# flagship: `uptrace BINARY flb_input_log_append` with no spec prints every call, decoded.
# BINARY is the test's own copy (private_copy): uprobes fire in every process that maps the
# traced file, and a stray of another test or run may be running the shared one.
check_flagship() {
	local bin n=7 pid
	bin=$(private_copy "$1")
	start_uptrace -n $n "$bin" flb_input_log_append
	"$bin" -n $n -k 2 --metadata --expect expect.ndjson >flb.out &
	pid=$!
	wait $pid
	wait_uptrace
	eq "exit status" 0 "$USTATUS"
	eq "events" $n "$(wc -l <out)"
	compare_calls
	eq "event_type" uprobe "$(jq -r .event_type out | sort -u)"
	eq "function" flb_input_log_append "$(jq -r .function out | sort -u)"
	eq "binary" "$(realpath "$bin")" "$(jq -r .binary out | sort -u)"
	eq "comm" flb-pipeline "$(jq -r .comm out | sort -u)"
	eq "pid" "$pid" "$(jq -r .pid out | sort -u)"
	eq "tid is a thread of pid" 1 "$(jq -r 'select(.tid != .pid) | .tid' out | sort -u | wc -l)"
	eq "arg names" '["ins","tag","tag_len","buf","buf_size"]' \
		"$(jq -c '.args | keys_unsorted' out | sort -u)"
	eq "ins is a hex address" 1 "$(jq -r '.args.ins | test("^0x[0-9a-f]+$")' out | sort -u | grep -c true)"
	eq "time is RFC3339 ns" true \
		"$(jq -r '.time | test("^20[0-9-]{8}T[0-9:]{8}\\.[0-9]{9}Z$")' out | sort -u)"
	grep -q "^uptrace: $n events, 0 lost, 0 truncated, 0 read faults$" "$T/err" ||
		fail "summary: $(tail -2 "$T/err")"
}

test_flagship_no_spec() {
	check_flagship "$FLB"
}

test_flagship_stripped_binary() {
	check_flagship "$FLB_STRIPPED"
}

test_explicit_spec() {
	FLB=$(private_copy "$FLB")
	start_uptrace -n 3 "$FLB" 'flb_input_log_append(tag:str[tag_len], buf:msgpack[buf_size])'
	"$FLB" -n 3 --tag app.log --expect expect.ndjson >/dev/null
	wait_uptrace
	eq "events" 3 "$(wc -l <out)"
	eq "arg names" '["tag","buf"]' "$(jq -c '.args | keys_unsorted' out | sort -u)"
	jq -c '{tag, buf}' expect.ndjson >want.ndjson
	jq -c '{tag: .args.tag, buf: .args.buf}' out >got.ndjson
	cmp -s want.ndjson got.ndjson || fail "tag/buf differ"
	eq "tag" app.log "$(jq -r .args.tag out | sort -u)"
}

test_argn_and_types() {
	FLB=$(private_copy "$FLB")
	start_uptrace -n 2 "$FLB" 'flb_input_log_append(arg2:u64, arg1:str, arg4:s32, arg3:bytes[arg4])'
	"$FLB" -n 2 --tag abc --expect expect.ndjson >/dev/null
	wait_uptrace
	eq "events" 2 "$(wc -l <out)"
	eq "arg2" 3 "$(jq -r .args.arg2 out | sort -u)"
	eq "arg1" abc "$(jq -r .args.arg1 out | sort -u)"
	eq "arg4 = buf_size" "$(jq -r .buf_size expect.ndjson | head -1)" "$(jq -r .args.arg4 out | head -1)"
	eq "arg3 encoding" base64 "$(jq -r .args.arg3.encoding out | sort -u)"
	eq "arg3 length" "$(jq -r .buf_size expect.ndjson | head -1)" \
		"$(jq -r .args.arg3.data out | head -1 | base64 -d | wc -c)"
}

test_records_prototype() {
	FLB_STRIPPED=$(private_copy "$FLB_STRIPPED")
	start_uptrace -n 1 "$FLB_STRIPPED" flb_input_log_append_records
	"$FLB_STRIPPED" -n 1 --func flb_input_log_append_records -k 3 --expect expect.ndjson >/dev/null
	wait_uptrace
	eq "events" 1 "$(wc -l <out)"
	eq "records" 3 "$(jq -r .args.records out)"
	compare_calls
}

test_no_prototype_gives_hex_words() {
	# main has no built-in prototype (and there is no DWARF reader yet): arg0..arg5 as hex
	FLB_STRIPPED=$(private_copy "$FLB_STRIPPED")
	start_uptrace -n 1 "$FLB_STRIPPED" main
	"$FLB_STRIPPED" -n 1 -k 1 >/dev/null
	wait_uptrace
	eq "arg names" '["arg0","arg1","arg2","arg3","arg4","arg5"]' "$(jq -c '.args | keys_unsorted' out)"
	eq "argc" 0x5 "$(jq -r .args.arg0 out)"
}

test_seventh_argument_on_stack() {
	FLB=$(private_copy "$FLB")
	start_uptrace -n 2 "$FLB" flb_input_chunk_append_raw
	"$FLB" -n 2 --func flb_input_chunk_append_raw -k 2 --tag t7 --expect expect.ndjson >/dev/null
	wait_uptrace
	eq "events" 2 "$(wc -l <out)"
	eq "arg names" '["in","event_type","records","tag","tag_len","buf","buf_size"]' \
		"$(jq -c '.args | keys_unsorted' out | sort -u)"
	eq "records" 2 "$(jq -r .args.records out | sort -u)"
	eq "event_type" 0 "$(jq -r .args.event_type out | sort -u)"
	compare_calls
}

test_formats_legacy_map32_group_nulltag() {
	local opts
	FLB=$(private_copy "$FLB")
	for opts in "--legacy" "--map32 -k 3" "--group -k 2 --metadata" "--map32 --group" "--null-tag"; do
		start_uptrace -n 3 "$FLB" flb_input_log_append
		# shellcheck disable=SC2086
		"$FLB" -n 3 $opts --expect expect.ndjson >/dev/null
		wait_uptrace
		eq "events ($opts)" 3 "$(wc -l <out)"
		compare_calls
	done
	eq "tag is null" null "$(jq -c .args.tag out | sort -u)"
}

test_glob_attaches_each_match() {
	FLB=$(private_copy "$FLB")
	start_uptrace -n 4 "$FLB" 'flb_input_log_append*'
	eq "probes" 4 "$(grep -c '^uptrace: attached ' "$T/err")"
	for f in flb_input_log_append flb_input_log_append_records \
		flb_input_log_append_skip_processor_stages flb_input_log_append_processed; do
		"$FLB" -n 1 --func $f >/dev/null
	done
	wait_uptrace
	eq "functions" "flb_input_log_append flb_input_log_append_processed flb_input_log_append_records flb_input_log_append_skip_processor_stages" \
		"$(jq -r .function out | sort | xargs)"
}

# --- DWARF: arguments by name, types, locations, members, debug files -------------------------

FX=${FIXTURES:-$ROOT/build/fixtures}

# dw_eight(argc=1, 2, 3, 4, argv[0], argv, 7, 8): two of them on the stack
check_eight() {
	local bin=$1
	shift
	"$UPTRACE" "$@" -c "$FX/$bin" dw_eight >out 2>err || fail "status $?: $(cat err)"
	eq "$bin events" 1 "$(wc -l <out)"
	eq "$bin args" "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":\"$FX/$bin\",\"g\":7,\"h\":8}" \
		"$(jq -c '.args | del(.f)' out)"
	eq "$bin f (argv)" true "$(jq '.args.f | test("^0x7ff")' out)"
}

test_dwarf_arguments_O0_and_O2() {
	local bin
	for bin in dw-O0 dw-O2; do
		check_eight $bin
		"$UPTRACE" -c "$FX/$bin" \
			'dw_append(ins->id, ins->p_ins.flags, ins->p_ins.label, ins->next, ins->color, tag_len)' \
			dw_color_name 'dw_color_name%return' 'dw_fact%return' dw_scale 'dw_scale%return' \
			>out 2>err ||
			fail "status: $(cat err)"
		eq "$bin members" '{"ins->id":1,"ins->p_ins.flags":3,"ins->p_ins.label":null,"ins->next":null,"ins->color":"DW_RED","tag_len":3}' \
			"$(jq -c 'select(.function == "dw_append") | .args' out)"
		eq "$bin enums and bool" '{"color":"DW_BLUE","on":false,"mode":"DW_MODE_WRITE"}' \
			"$(jq -c 'select(.function == "dw_color_name" and .event_type == "uprobe") | .args' out)"
		# an enum by name wherever it is named: a fetch list, $retval; a type given wins
		"$UPTRACE" -c "$FX/$bin" 'dw_next_color(c)' 'dw_next_color%return' \
			'dw_color_name(color, on, mode:u32)' >out2 2>err || fail "status: $(cat err)"
		eq "$bin enum in a fetch list" '{"c":"DW_BLUE"}' \
			"$(jq -c 'select(.function == "dw_next_color" and .event_type == "uprobe") | .args' out2)"
		eq "$bin enum return" '"DW_BLACK"' \
			"$(jq -c 'select(.event_type == "uretprobe") | .retval' out2)"
		eq "$bin enum fetched by name, and typed" '{"color":"DW_BLUE","on":false,"mode":2}' \
			"$(jq -c 'select(.function == "dw_color_name") | .args' out2)"
		eq "$bin char * return" '"off"' \
			"$(jq -c 'select(.function == "dw_color_name" and .event_type == "uretprobe") | .retval' out)"
		# gcc -O2 turns the recursion into a loop: one return
		eq "$bin recursion" "$([ $bin = dw-O0 ] && echo 1 2 6 24 || echo 24)" \
			"$(jq -r 'select(.function == "dw_fact") | .retval' out | xargs)"
		# a double: a number where it is in memory (-O0, after the prologue); in %xmm
		# (-O2, and every double return) a uprobe cannot read it, and says so
		eq "$bin a double" "$([ $bin = dw-O0 ] && echo '{"x":1.5,"n":1}' ||
			echo '{"x":"<in %xmm0: not readable by a uprobe>","n":1}')" \
			"$(jq -c 'select(.function == "dw_scale" and .event_type == "uprobe") | .args' out)"
		eq "$bin a double return" '"<in %xmm0: not readable by a uprobe>"' \
			"$(jq -c 'select(.function == "dw_scale" and .event_type == "uretprobe") | .retval' out)"
		"$UPTRACE" -c "$FX/$bin" 'dw_append(ins->ratio, ins->frac)' >out 2>err ||
			fail "status: $(cat err)"
		eq "$bin double and float members" '{"ins->ratio":0.25,"ins->frac":-1.5}' \
			"$(jq -c '.args' out)"
		# char arrays in place: text up to the NUL; the 12 bytes of u_bytes have none
		"$UPTRACE" -c "$FX/$bin" 'dw_append(ins->tag, ins->u_bytes)' >out 2>err ||
			fail "status: $(cat err)"
		eq "$bin char arrays" '{"ins->tag":"dummy.0","ins->u_bytes":{"value":"abcdefghijkl","truncated":true,"length":12}}' \
			"$(jq -c '.args' out)"
		# :str on an array names the same bytes, not a pointer read from them
		"$UPTRACE" --max-bytes 4 -c "$FX/$bin" 'dw_append(ins->tag:str)' >out 2>err ||
			fail "status: $(cat err)"
		eq "$bin char array :str past --max-bytes" \
			'{"ins->tag":{"value":"dumm","truncated":true,"length":16}}' "$(jq -c '.args' out)"
	done
}

# C values the way gdb prints them (issue #14): arrays, structs, unions, bit-fields, indexes,
# *x, a long double, structs passed and returned by value; gcc and clang, -O0 and -O2
# (fixtures.mk skips clang's without clang).
test_dwarf_aggregates() {
	local bin bins=(dw-O0 dw-O2)
	[ -x "$FX/dw-clang-O2" ] && bins+=(dw-clang-O0 dw-clang-O2)
	for bin in "${bins[@]}"; do
		local m='ins->vals, ins->vals[2], ins->pair, ins->flag, ins->kind, ins->sbits, ins->big'
		m+=', ins->grid, ins->grid[1][2], ins->p_ins, ins->wide, ins->tag[0]'
		"$UPTRACE" -c "$FX/$bin" "dw_append($m)" >out 2>err || fail "$bin: status $?: $(cat err)"
		eq "$bin members" '{"ins->vals":[10,20,30,40],"ins->vals[2]":30,"ins->pair":{"a":7,"b":9},"ins->flag":1,"ins->kind":5,"ins->sbits":-3,"ins->big":78187493530,"ins->grid":[[1,2,3],[4,5,6]],"ins->grid[1][2]":6,"ins->p_ins":{"kind":0,"flags":3,"label":null},"ins->wide":"0x40008000000000000000","ins->tag[0]":100}' \
			"$(jq -c .args out)"
		# the whole struct, members in order, anonymous ones flattened; cut at --max-bytes
		"$UPTRACE" -c "$FX/$bin" 'dw_append(*ins)' >out 2>err || fail "$bin: $(cat err)"
		eq "$bin *ins" '["id","name","p_ins","u_long","u_bytes","anon_a","anon_b","color","enabled","cb","next","tag","ratio","frac","wide","vals","flag","kind","sbits","pair","grid","big"]' \
			"$(jq -c '.args["*ins"] | keys_unsorted' out)"
		eq "$bin *ins values" '{"id":1,"u_bytes":"abcdefghijkl","color":"DW_RED","tag":"dummy.0","next":null,"sbits":-3,"pair":{"a":7,"b":9}}' \
			"$(jq -c '.args["*ins"] | {id, u_bytes, color, tag, next, sbits, pair}' out)"
		"$UPTRACE" --max-bytes 16 -c "$FX/$bin" 'dw_append(*ins)' >out 2>err ||
			fail "$bin: $(cat err)"
		eq "$bin *ins cut" '{"truncated":true,"length":176,"keys":["id","name"],"id":1}' \
			"$(jq -c '.args["*ins"] | {truncated, length, keys: (.value | keys_unsorted), id: .value.id}' out)"
		# nested deeper than 6 levels: the rest as bytes
		"$UPTRACE" -c "$FX/$bin" 'dw_nested(*n)' >out 2>err || fail "$bin: $(cat err)"
		eq "$bin depth" '{"c":"DW_BLUE","on":true,"n2":{"n3":{"n4":{"n5":{"n6":{"n7":{"n8":"0x00000008"}}}}}}}' \
			"$(jq -c '.args["*n"]' out)"
		# function pointers with their function, while the process is there to name it
		"$UPTRACE" -c "env DW_LINGER=1 $FX/$bin" "$FX/$bin" 'dw_typed(cb, fp)' \
			'dw_append(ins->cb, *ins)' >out 2>err || fail "$bin: $(cat err)"
		eq "$bin function pointers" '"<dw_sink>" "<dw_sink>" "<dw_sink>" null' \
			"$(jq -c 'if .function == "dw_typed" then .args.cb, .args.fp else .args["ins->cb"], .args["*ins"].cb end |
				if . == null then . else sub("^0x[0-9a-f]+ "; "") end' out | xargs -d '\n')"
		# by value: 8 bytes in a register, and returned in rax; 32 bytes returned in
		# memory (rax has its address); on the stack at -O0 and clang's -O2 (gcc -O2 has
		# no location for it at the entry)
		"$UPTRACE" -c "$FX/$bin" dw_pair_swap 'dw_pair_swap%return' dw_big_next \
			'dw_big_next%return' >out 2>err || fail "$bin: $(cat err)"
		eq "$bin by value" "$([ $bin = dw-clang-O2 ] && echo '"<optimized out>"' || echo '{"a":7,"b":9}') {\"a\":10,\"b\":7} $([ $bin = dw-O2 ] && echo '"<optimized out>"' || echo '{"x":[1,2,3,4]}') {\"x\":[2,2,3,4]}" \
			"$(jq -c 'if .event_type == "uprobe" then (.args.p // .args.b) else .retval end' out | xargs -d '\n')"
	done
}

# C++ (issue #14): functions by their demangled names in -l, --names, probes and events;
# overloads listed as ambiguous, each with its signature and how to pick it; a method's
# this and a reference are addresses, followed with -> and printed whole with *.
test_cxx_names_overloads_and_classes() {
	local bin="$FX/cxx-O0" send
	eq "-l" "int ns::Conn::flush(class Conn *const this, const struct Peer & to)
int ns::Conn::send(class Conn *const this, const char *buf, size_t n)
int ns::Conn::send(class Conn *const this, int code)" "$("$UPTRACE" -l "$bin" 'ns::*')"
	eq "--names" "ns::Conn::flush
ns::Conn::send" "$("$UPTRACE" --names "$bin" 'ns::*')"
	expect_usage_error "function 'ns::Conn::send' is ambiguous, 2 functions have that name: ns::Conn::send@0x[0-9a-f]* (ns::Conn::send(char const\\*, unsigned long), " \
		"$bin" ns::Conn::send
	grep -q "ns::Conn::send@0x[0-9a-f]* (ns::Conn::send(int), " err || fail "$(cat err)"
	send=$(grep -o "ns::Conn::send@0x[0-9a-f]* (ns::Conn::send(int)" err | cut -d' ' -f1)
	"$UPTRACE" -c "$bin" ns::Conn::flush 'ns::Conn::flush(to->id, to->name, *this)' "$send" \
		"$send%return" >out 2>err || fail "status $?: $(cat err)"
	eq "functions" "ns::Conn::send ns::Conn::send ns::Conn::flush ns::Conn::flush" \
		"$(jq -r .function out | xargs)"
	eq "send(int)" '{"this":"0x","code":1}' \
		"$(jq -c 'select(.event_type == "uprobe" and .function == "ns::Conn::send") | .args | .this |= .[0:2]' out)"
	eq "its return" 4 "$(jq -r 'select(.event_type == "uretprobe") | .retval' out)"
	eq "members through this and a reference" '{"to->id":7,"to->name":"peer","*this":{"fd":3,"sent":6,"peer":{"id":7,"name":"peer"}}}' \
		"$(jq -c 'select(.args["to->id"]) | .args' out)"
	eq "defaults" '["this","to"]' "$(jq -c 'select(.args.to) | .args | keys_unsorted' out)"
}

# The probe Fluent Bit users write first: which input appended, and its records.  flb-mini's
# struct flb_input_instance has Fluent Bit's char name[32].
test_flagship_instance_name() {
	"$UPTRACE" -c "$FLB -n 3 -k 2" 'flb_input_log_append(ins->name, buf:msgpack[buf_size])' \
		>out 2>err || fail "status $?: $(tail -3 err)"
	eq "names" "dummy.0 dummy.0 dummy.0" "$(jq -r '.args["ins->name"]' out | xargs)"
	eq "records per event" "2 2 2" "$(jq -r '.args.buf | length' out | xargs)"
}

test_dwarf_default_buffer_rule() {
	# dw_append(ins, tag, tag_len, buf, buf_size): buf is argv[0]'s first 4 bytes
	"$UPTRACE" -c "$FX/dw-O2" dw_append >out 2>err
	eq "names" '["ins","tag","tag_len","buf","buf_size"]' "$(jq -c '.args | keys_unsorted' out)"
	eq "buf" "$(printf %.4s "$FX/dw-O2")" "$(jq -r .args.buf out)"
	eq "buf_size" 4 "$(jq -r .args.buf_size out)"
}

test_dwarf_in_separate_debug_files() {
	check_eight dw-link                                   # .gnu_debuglink, next to it
	check_eight dw-dotdebug                               # .gnu_debuglink, in .debug/
	check_eight dw-extra --debuginfo "$FX/extra-debug"    # --debuginfo DIR
	check_eight dw-buildid --debuginfo "$FX/debugroot"    # DIR/.build-id/xx/rest.debug
	"$UPTRACE" -c "$FX/dw-extra" dw_eight >out 2>err && fail "found without --debuginfo"
	grep -q "no function 'dw_eight'" err || fail "$(cat err)"
	# MiniDebugInfo: names only (no DWARF), from .gnu_debugdata
	"$UPTRACE" -c "$FX/dw-mini" 'dw_eight(arg0:s32, arg7:s32)' >out 2>err
	eq "minidebuginfo" '{"arg0":1,"arg7":8}' "$(jq -c .args out)"
}

test_list_and_explain() {
	eq "-l" "int dw_eight(int a, long int b, short int c, unsigned char d, char *e, void *f, long int g, int h)" \
		"$("$UPTRACE" -l "$FX/dw-O2" 'dw_eig*')"
	eq "-l -v" "in %rdi in %rsi in %rdx in %rcx in %r8 in %r9 in memory at %rsp+8 in memory at %rsp+16" \
		"$("$UPTRACE" -l -v "$FX/dw-O2" 'dw_eig*' 2>/dev/null | tail -8 | awk '{$1 = ""; print}' | xargs)"
	eq "-l without DWARF" "int flb_input_log_append(struct flb_input_instance *ins, const char *tag, size_t tag_len, const void *buf, size_t buf_size)  /* built-in prototype */" \
		"$("$UPTRACE" -l "$FLB_STRIPPED" 'flb_input_log_append')"
	"$UPTRACE" --explain "$FX/dw-O0" dw_eight >out
	eq "source" "  source:      tests/fixtures/dw_funcs.c:$(grep -n '^DW_FN int dw_eight' "$ROOT/tests/fixtures/dw_funcs.c" | cut -d: -f1)" \
		"$(grep '^  source:' out)"
	grep -q "^  probe at:    0x[0-9a-f]* (after the prologue" out || fail "$(cat out)"
	grep -q "^  symbol:      .symtab, global function" out || fail "$(cat out)"
	"$UPTRACE" --explain "$FX/dw-O2" dw_dup >out 2>err && fail "ambiguous accepted"
	grep -q "dw_dup@dw_funcs.c .*dw_dup@dw_funcs2.c" err || fail "$(cat err)"
	"$UPTRACE" --explain "$FX/dw-O2" dw_dup@dw_funcs2.c >out
	grep -q "^  defined in:  dw_funcs2.c" out || fail "$(cat out)"
}

test_gcc_clone_by_its_base_name() {
	nm "$TARGETS/clone" | grep -q ' work\.constprop\.0$' || { echo "SKIP: gcc made no clone" >&2; return 0; }
	"$UPTRACE" -c "$TARGETS/clone" 'work(arg0:str)' >all 2>err
	grep -q "^uptrace: note: $TARGETS/clone: probing work.constprop.0, the clone gcc made of work$" err ||
		fail "$(cat err)"
	grep '^{"time"' all >out
	eq "clone" '{"function":"work.constprop.0","arg0":"'"$TARGETS/clone"'"}' \
		"$(jq -c '{function, arg0: .args.arg0}' out)"
}

test_dwarf_errors() {
	expect_usage_error "has no member 'nosuch' (members: id, name, p_ins" "$FX/dw-O2" 'dw_append(ins->nosuch)'
	expect_usage_error "'ins->p_ins' is a struct or array: it prints as a whole, without a TYPE or length" \
		"$FX/dw-O2" 'dw_append(ins->p_ins[4])'
	expect_usage_error "'ins->vals': index 4 is past the end of 'int \\[4\\]'" \
		"$FX/dw-O2" 'dw_append(ins->vals[4])'
	expect_usage_error "'ins->flag' is a bit-field: it prints as its value, without a TYPE" \
		"$FX/dw-O2" 'dw_append(ins->flag:u8)'
	expect_usage_error "points to void: it has no elements to index or dereference" \
		"$FX/dw-O2" 'dw_append(*buf)'
	expect_usage_error "'tag\\[0\\]': a length must be at least 1" "$FX/dw-O2" 'dw_append(tag[0])'
	expect_usage_error "needs DWARF" "$FLB_STRIPPED" 'flb_input_log_append(ins->name)'
}

# --- return probes ----------------------------------------------------------------------------

test_return_probe_pairs_recursion_across_threads() {
	# 4 threads, each rec_depth(5): 6 calls per thread, nested
	local recurse
	recurse=$(private_copy "$TARGETS/recurse")
	start_uptrace -n 48 "$recurse" 'rec_depth(arg0:s32)' 'rec_depth%return'
	echo go | "$recurse" 4 5
	wait_uptrace
	eq "entries" 24 "$(jq -r 'select(.event_type == "uprobe") | 1' out | wc -l)"
	eq "returns" 24 "$(jq -r 'select(.event_type == "uretprobe") | 1' out | wc -l)"
	eq "distinct call ids" 24 "$(jq -r .call_id out | sort -u | wc -l)"
	eq "threads" 4 "$(jq -r .tid out | sort -u | wc -l)"
	# every return has its entry's call_id, tid, and returns that entry's n
	eq "pairs" 24 "$(jq -s '[.[] | select(.event_type == "uprobe")] as $e
		| [.[] | select(.event_type == "uretprobe")] as $r
		| [$e[] | . as $x | $r[] | select(.call_id == $x.call_id and .tid == $x.tid
			and .retval == $x.args.arg0 and .duration_ns > 0)] | length' out)"
	# nesting: a call lasts longer than the call it makes
	eq "outer outlasts inner" 20 "$(jq -s '[.[] | select(.event_type == "uprobe")] as $e
		| [.[] | select(.event_type == "uretprobe")] as $r
		| [$e[] | . as $x | select($x.args.arg0 > 0)
		   | ($r[] | select(.call_id == $x.call_id) | .duration_ns) as $outer
		   | ($e[] | select(.tid == $x.tid and .args.arg0 == $x.args.arg0 - 1
			and .call_id > $x.call_id) | .call_id) as $ic
		   | ($r[] | select(.call_id == $ic) | .duration_ns) as $inner
		   | select($outer > $inner)] | length' out)"
}

test_return_probe_alone_typed_from_prototype() {
	FLB_STRIPPED=$(private_copy "$FLB_STRIPPED")
	start_uptrace -n 3 "$FLB_STRIPPED" 'flb_input_log_append%return'
	"$FLB_STRIPPED" -n 3 >/dev/null
	wait_uptrace
	eq "events" 3 "$(wc -l <out)"
	eq "event_type" uretprobe "$(jq -r .event_type out | sort -u)"
	eq "keys" '["time","event_type","pid","tid","comm","binary","function","retval","duration_ns","call_id"]' \
		"$(jq -c keys_unsorted out | sort -u)"
	eq "retval (int 0)" 0 "$(jq -r .retval out | sort -u)"
	eq "durations" true "$(jq -s 'all(.[]; .duration_ns > 0 and .duration_ns < 1000000000)' out)"
	eq "call ids" 3 "$(jq -r .call_id out | sort -u | wc -l)"
}

test_return_probe_errors() {
	expect_usage_error "a %return probe can fetch only \$retval" "$FLB" 'flb_input_log_append%return(tag)'
	expect_usage_error "exists only in a %return probe" "$FLB" 'flb_input_log_append($retval)'
}

# --- targets: -p, -c, libraries, children, containers ------------------------------------------

# Start a target that waits for a line on fd 3 before it runs; sets TPID.  Release with
# `echo go >&3` ... here: `release`.
start_waiting() {
	rm -f go.fifo
	mkfifo go.fifo
	"$@" <go.fifo >target.out 2>target.err &
	TPID=$!
	exec 3>go.fifo
	# the fifo is open, but the child may still be the shell that opened it: wait for exec
	local i exe
	exe=$(realpath "$1")
	for i in $(seq 1 100); do
		[ "$(readlink "/proc/$TPID/exe")" = "$exe" ] && return 0
		sleep 0.02
	done
	fail "$1 did not start"
}
release() {
	echo go >&3
	exec 3>&-
}

test_pid_sees_only_that_process() {
	mkfifo a.fifo b.fifo
	"$FLB" -n 5 --wait-stdin --expect a.expect <a.fifo >/dev/null 2>&1 &
	local a=$!
	"$FLB" -n 7 --wait-stdin <b.fifo >/dev/null 2>&1 &
	local b=$!
	exec 4>a.fifo 5>b.fifo
	start_uptrace -p $a flb_input_log_append
	echo go >&5
	echo go >&4
	exec 4>&- 5>&-
	wait $a $b
	wait_uptrace
	eq "status (exits with the process)" 0 "$USTATUS"
	eq "events" 5 "$(wc -l <out)"
	eq "pids" "$a" "$(jq -r .pid out | sort -u)"
	eq "binary" "$(realpath "$FLB")" "$(jq -r .binary out | sort -u)"
	jq -c '{tag: .args.tag, tag_len: .args.tag_len, buf_size: .args.buf_size, buf: .args.buf}' out >got
	jq -c . a.expect >want
	cmp -s got want || fail "decoded records differ"
}

test_pid_library_function_and_bare_libc_name() {
	start_waiting "$TARGETS/mallocs" 9 12345
	local other
	"$TARGETS/mallocs" 4 12345 </dev/null &
	other=$!
	# argN: the names of malloc's parameters depend on whether libc's debug info is installed
	start_uptrace -p $TPID 'libc:malloc(arg0:u64)' 'libc:malloc%return($retval:ptr)' 'free(arg0:ptr)'
	release
	wait $TPID $other
	wait_uptrace
	eq "mallocs of 12345" 9 "$(jq -r 'select(.function == "malloc" and .args.arg0 == 12345) | 1' out | wc -l)"
	eq "pids" "$TPID" "$(jq -r .pid out | sort -u)"
	eq "libc" true "$(jq -r '.binary | test("/libc\\.so\\.6$")' out | sort -u)"
	# each of those blocks comes back from malloc (paired by call_id) and goes to free
	eq "returned and freed" 9 "$(jq -s '
		[.[] | select(.event_type == "uprobe" and .function == "malloc" and .args.arg0 == 12345)
		 | .call_id] as $ids
		| [.[] | select(.event_type == "uretprobe" and (.call_id as $c | $ids | index($c)))
		   | .retval] as $ptrs
		| [.[] | select(.function == "free" and (.args.arg0 as $p | $ptrs | index($p)))]
		| length' out)"
}

test_pid_errors() {
	expect_usage_error "pid 999999: no such process" -p 999999 flb_input_log_append
	expect_usage_error "no probe given" -p 1
	expect_usage_error "do not go together" -p 1 -c true f
	expect_usage_error "needs -p or -c" --follow "$FLB" f
}

test_command_runs_only_after_attach() {
	# first_fn is the first statement of main: the event is there, and uptrace exits with
	# the command's status
	"$UPTRACE" -c "$TARGETS/firstcall" 'first_fn(arg0:s32)' >out 2>err && status=0 || status=$?
	eq "status" 3 "$status"
	eq "events" 1 "$(wc -l <out)"
	eq "arg0" 42 "$(jq -r .args.arg0 out)"
	grep -q "exited with status 3" err || fail "no status line: $(cat err)"
	assert_nothing_attached
}

test_command_with_binary_and_flb() {
	# stdout carries events only: CMD's own output goes to stderr
	"$UPTRACE" -c "$FLB -n 4 --tag cmd --expect expect.ndjson" flb_input_log_append >out 2>err
	eq "flb-mini's own line, on stderr" "calls=4 records=4 bytes=156" "$(grep '^calls=' err)"
	eq "events, and nothing else, on stdout" 4 "$(grep -c '^{"time"' out)"
	eq "lines on stdout" 4 "$(wc -l <out)"
	compare_calls
	eq "not found" 2 "$("$UPTRACE" -c "/nonexistent/cmd" f >/dev/null 2>err; echo $?)"
	grep -q "command not found" err || fail "$(cat err)"
}

test_follow_children() {
	"$UPTRACE" -c "$TARGETS/forker" 'child_fn(arg0:s32)' >out 2>err </dev/null
	eq "without --follow" 0 "$(wc -l <out)"
	echo | "$UPTRACE" --follow -c "$TARGETS/forker" 'child_fn(arg0:s32)' >out 2>err
	eq "with --follow" 1 "$(jq -r 'select(.event_type == "uprobe") | .args.arg0' out | wc -l)"
	eq "arg0" 7 "$(jq -r .args.arg0 out)"
	eq "the child's pid" "$(sed -n 's/^child //p' err)" "$(jq -r .pid out)"
}

test_dlopened_library() {
	# the library is mapped only by dlopen, after attach: uprobes are per file, so they fire
	"$UPTRACE" -c "$TARGETS/dlopener $TARGETS/libdltest.so" "$TARGETS/libdltest.so:dl_fn(arg0:s32)" \
		>out 2>err
	eq "events" 1 "$(wc -l <out)"
	eq "arg0" 5 "$(jq -r .args.arg0 out)"
	eq "binary" "$TARGETS/libdltest.so" "$(jq -r .binary out)"
}

test_pid_in_another_mount_namespace() {
	command -v unshare >/dev/null || { echo "SKIP: no unshare" >&2; return 0; }
	local dir=/tmp/uptrace-ns-$$
	mkdir -p $dir
	mkfifo go.fifo
	unshare -m --propagation private sh -c \
		"mount -t tmpfs none $dir && cp '$FLB' $dir/flb-hidden && exec $dir/flb-hidden -n 3 --wait-stdin" \
		<go.fifo >/dev/null 2>&1 &
	local ns=$!
	exec 3>go.fifo
	local i pid=""
	for i in $(seq 1 100); do
		pid=$(pgrep -f "^$dir/flb-hidden" || true)
		[ -n "$pid" ] && break
		sleep 0.05
	done
	[ -n "$pid" ] || fail "target did not start"
	[ ! -e $dir/flb-hidden ] || fail "the binary is visible outside the namespace"
	start_uptrace -p "$pid" flb_input_log_append
	echo go >&3
	exec 3>&-
	wait $ns
	wait_uptrace
	rmdir $dir
	eq "events" 3 "$(wc -l <out)"
	eq "binary as the process sees it" "$dir/flb-hidden" "$(jq -r .binary out | sort -u)"
}

# --- reliability: all-or-nothing, bad input, capabilities ------------------------------------

test_attach_is_all_or_nothing() {
	# f0..f8 attach, bad_fn (int3 first) cannot: the nine are detached before the error
	start_waiting "$TARGETS/tenfuncs"
	"$UPTRACE" -p $TPID 'f[0-8]' bad_fn >out 2>err && fail "attach succeeded"
	eq "status" 2 $?
	eq "one line" 1 "$(wc -l <err)"
	grep -q "^uptrace: cannot attach to $TARGETS/tenfuncs:bad_fn (offset 0x[0-9a-f]*): the kernel cannot probe the instruction there$" err ||
		fail "$(cat err)"
	assert_nothing_attached
	release
	wait $TPID || fail "the target was hurt: status $?"
}

test_more_bad_input() {
	expect_usage_error "/tmp: " /tmp foo
	cp "$FLB" arm.elf
	printf '\xb7\x00' | dd of=arm.elf bs=1 seek=18 conv=notrunc status=none
	expect_usage_error "ELF for machine aarch64" ./arm.elf flb_input_log_append
	head -c 100 "$FLB" >short.elf
	expect_usage_error "short.elf" ./short.elf flb_input_log_append
	expect_usage_error "/nonexistent-dir/x: cannot open for writing" -o /nonexistent-dir/x "$FLB" flb_input_log_append
	expect_usage_error "--max-bytes: '2000000' is not a number from 1 to 1048576" --max-bytes 2000000 "$FLB" f
	expect_usage_error "--ringbuf-size: '1024' is not a number from 4096" --ringbuf-size 1024 "$FLB" f
	cp "$UPTRACE" upt && chmod 755 upt
	setpriv --reuid=65534 --regid=65534 --clear-groups ./upt "$FLB" flb_input_log_append >out 2>err &&
		fail "ran without capabilities"
	eq "no capabilities" "uptrace: missing CAP_BPF and CAP_PERFMON: run uptrace as root, or grant it CAP_BPF and CAP_PERFMON" "$(cat err)"
}

test_sighup_and_sigterm_detach() {
	local sig
	FLB=$(private_copy "$FLB")
	for sig in HUP TERM; do
		start_uptrace "$FLB" flb_input_log_append
		"$FLB" -n 2 >/dev/null
		kill -$sig "$UPID"
		wait_uptrace
		eq "status after SIG$sig" 0 "$USTATUS"
		eq "events after SIG$sig" 2 "$(wc -l <out)"
		assert_nothing_attached
	done
}

test_probe_placed_past_endbr64() {
	# cet_fn: endbr64 (single-stepped) then push %rbx (emulated): probed at +4, same args
	"$UPTRACE" -v -c "$TARGETS/cet" 'cet_fn(arg0:s32, arg1:str)' >all 2>err
	grep -q "cet_fn: probing 0x[0-9a-f]* (+4, 'pushq %rbx' instead of 'endbr64')" err ||
		fail "$(grep probing err)"
	grep '^{"time"' all >out
	eq "args placed" '{"arg0":41,"arg1":"cet"}' "$(jq -c .args out)"
	"$UPTRACE" -v --exact-entry -c "$TARGETS/cet" 'cet_fn(arg0:s32, arg1:str)' >all 2>err
	grep -q "cet_fn: probing the entry ('endbr64')" err || fail "$(grep probing err)"
	grep '^{"time"' all >out
	eq "args at the entry" '{"arg0":41,"arg1":"cet"}' "$(jq -c .args out)"
	# a return probe and its entry half stay paired
	"$UPTRACE" -c "$TARGETS/cet" 'cet_fn(arg0:s32)' 'cet_fn%return' >all 2>err
	grep '^{"time"' all >out
	eq "pairing" 1 "$(jq -r .call_id out | sort -u | wc -l)"
	eq "retval" 45 "$(jq -r 'select(.event_type == "uretprobe") | .retval' out)"
}

# uptrace's own memory: its anonymous pages.  VmRSS also counts the ring buffer's mappings
# (file pages of the BPF map), which the kernel maps in when it will - on 6.1, 16 MB at once
# at some point of a soak - and which say nothing of a leak.
rss_kb() {
	awk '/^RssAnon:/ {print $2}' /proc/$1/status
}

test_soak_target_unchanged_memory_flat() {
	# flb-mini at its full rate for SOAK_SECONDS (30): traced or not, it does the same
	# thing; uptrace's memory does not grow
	local secs=${SOAK_SECONDS:-30} calls untraced traced rss0 rss1
	FLB=$(private_copy "$FLB")
	calls=$("$FLB" -n 20000 -k 2 | sed 's/calls=//; s/ .*//')
	eq "calls" 20000 "$calls"
	"$FLB" -n 50000 -k 2 -s 200 >untraced.out
	start_uptrace -o /dev/null "$FLB" flb_input_log_append
	"$FLB" -n 50000 -k 2 -s 200 >traced.out
	cmp -s untraced.out traced.out || fail "output differs: $(cat untraced.out) / $(cat traced.out)"
	"$FLB" -n 0 -k 2 -s 200 >/dev/null &
	local fpid=$!
	sleep 3
	rss0=$(rss_kb "$UPID")
	sleep $((secs - 3))
	rss1=$(rss_kb "$UPID")
	kill -TERM $fpid
	wait $fpid || true
	kill -INT "$UPID"
	wait_uptrace 30
	eq "status" 0 "$USTATUS"
	echo "soak: ${secs}s, RssAnon ${rss0} -> ${rss1} kB, $(tail -1 "$T/err")" >&2
	# under ASan, freed memory waits in a quarantine of up to 256 MB by design, so RSS
	# says nothing of uptrace's own use there: flatness is asserted in the plain pass
	if [ "${SANITIZED:-}" != 1 ]; then
		[ $((rss1 - rss0)) -lt 4096 ] || fail "uptrace grew from $rss0 to $rss1 kB"
	fi
	grep -q '^uptrace: [0-9]* events, [0-9]* lost' "$T/err" || fail "no summary: $(tail -1 "$T/err")"
}

# --- buffers: caps and truncation -------------------------------------------------------------

test_64k_record_whole_with_max_bytes() {
	FLB=$(private_copy "$FLB")
	start_uptrace -n 1 --max-bytes 65536 "$FLB" flb_input_log_append
	"$FLB" -n 1 -s 65000 --expect expect.ndjson >/dev/null
	wait_uptrace
	eq "buf_size" 65000 "$(jq -r .args.buf_size out)"
	compare_calls
	grep -q '0 truncated' "$T/err" || fail "summary: $(tail -1 "$T/err")"
}

# A Fluent Bit buffer (msgpack or auto) is captured whole up to 64 KiB by default.
test_64k_record_whole_by_default() {
	FLB=$(private_copy "$FLB")
	start_uptrace -v -n 1 "$FLB" flb_input_log_append
	"$FLB" -n 1 -s 65000 --expect expect.ndjson >/dev/null
	wait_uptrace
	eq "buf_size" 65000 "$(jq -r .args.buf_size out)"
	compare_calls
	grep -q '^uptrace: 1 events, 0 lost, 0 truncated, 0 read faults$' "$T/err" ||
		fail "summary: $(tail -1 "$T/err")"
	# -v says which cap applies to what
	grep -q "^uptrace: probe $FLB:flb_input_log_append: captures at most 4096 bytes of a buffer or string, tag: 65536, buf: 65536$" "$T/err" ||
		fail "-v: $(grep captures "$T/err")"
}

# Past 64 KiB it is cut, whole records first; --max-bytes sets every argument's cap.
test_record_truncated_past_the_default_and_at_max_bytes() {
	local size
	FLB=$(private_copy "$FLB")
	start_uptrace -n 1 "$FLB" flb_input_log_append
	"$FLB" -n 1 -k 2 -s 40000 --expect expect.ndjson >/dev/null
	wait_uptrace
	size=$(jq -r .buf_size expect.ndjson)
	eq "buf_size" "$size" "$(jq -r .args.buf_size out)"
	eq "truncated" true "$(jq -r .args.buf.truncated out)"
	eq "length" "$size" "$(jq -r .args.buf.length out)"
	# 65536 of 80000 bytes: the first 40000-byte record is whole, the second is cut
	eq "whole records" "$(jq -c '.buf[:1]' expect.ndjson)" "$(jq -c .args.buf.value out)"
	grep -q '^uptrace: 1 events, 0 lost, 1 truncated, 0 read faults$' "$T/err" ||
		fail "summary: $(tail -1 "$T/err")"

	start_uptrace -v -n 1 --max-bytes 4096 "$FLB" flb_input_log_append
	"$FLB" -n 1 -k 2 -s 3000 --expect expect.ndjson >/dev/null
	wait_uptrace
	size=$(jq -r .buf_size expect.ndjson)
	eq "truncated" true "$(jq -r .args.buf.truncated out)"
	eq "length" "$size" "$(jq -r .args.buf.length out)"
	# 4096 of 6000 bytes: the first 3000-byte record is whole, the second is cut
	eq "whole records" "$(jq -c '.buf[:1]' expect.ndjson)" "$(jq -c .args.buf.value out)"
	grep -q "^uptrace: probe $FLB:flb_input_log_append: captures at most 4096 bytes of a buffer or string$" "$T/err" ||
		fail "-v: $(grep captures "$T/err")"
}

test_string_truncation() {
	FLB=$(private_copy "$FLB")
	start_uptrace -n 1 --max-bytes 8 "$FLB" 'flb_input_log_append(tag:str)'
	"$FLB" -n 1 --tag abcdefghijkl >/dev/null
	wait_uptrace
	eq "tag" '{"value":"abcdefgh","truncated":true,"length":8}' "$(jq -c .args.tag out)"
}

# --- stopping ---------------------------------------------------------------------------------

test_duration_stops() {
	local t0 t1
	FLB=$(private_copy "$FLB")
	t0=$(date +%s%N)
	"$UPTRACE" -d 0.5 "$FLB" flb_input_log_append >out 2>err
	t1=$(date +%s%N)
	eq "status" 0 $?
	[ $(((t1 - t0) / 1000000)) -lt 3000 ] || fail "took $(((t1 - t0) / 1000000)) ms"
	grep -q '^uptrace: 0 events, 0 lost' err || fail "summary: $(cat err)"
}

test_sigint_detaches_and_summarises() {
	FLB=$(private_copy "$FLB")
	start_uptrace "$FLB" flb_input_log_append
	"$FLB" -n 5 >/dev/null
	sleep 0.2
	kill -INT "$UPID"
	wait_uptrace
	eq "status" 0 "$USTATUS"
	eq "events" 5 "$(wc -l <out)"
	assert_nothing_attached
}

test_head_exits_promptly_when_idle() {
	# the reader leaves while no event comes: uptrace notices within a poll interval
	local t0 t1
	FLB=$(private_copy "$FLB")
	"$UPTRACE" "$FLB" flb_input_log_append 2>err | (sleep 0.5; exit 0) &
	local ppid=$!
	t0=$(date +%s%N)
	wait $ppid
	local i
	for i in $(seq 1 60); do
		pgrep -f "^$UPTRACE $FLB flb_input_log_append" >/dev/null || break
		sleep 0.05
	done
	t1=$(date +%s%N)
	pgrep -f "^$UPTRACE $FLB flb_input_log_append" >/dev/null && fail "uptrace still running"
	[ $(((t1 - t0) / 1000000)) -lt 2000 ] || fail "took $(((t1 - t0) / 1000000)) ms"
	grep -q '^uptrace: 0 events' err || fail "no summary: $(cat err)"
}

test_head_exits_promptly() {
	local t0 t1 status
	FLB=$(private_copy "$FLB")
	"$FLB" -n 0 -r 1000 >/dev/null &
	local fpid=$!
	t0=$(date +%s%N)
	timeout 10 bash -c "'$UPTRACE' '$FLB' flb_input_log_append 2>err | head -1 >first"
	status=$?
	t1=$(date +%s%N)
	kill $fpid
	eq "status" 0 "$status"
	eq "one line" 1 "$(wc -l <first)"
	jq -e .args.buf first >/dev/null || fail "not an event: $(cat first)"
	[ $(((t1 - t0) / 1000000)) -lt 3000 ] || fail "took $(((t1 - t0) / 1000000)) ms"
	assert_nothing_attached
}

test_output_file() {
	FLB=$(private_copy "$FLB")
	start_uptrace -n 2 -o events.ndjson "$FLB" flb_input_log_append
	"$FLB" -n 2 >/dev/null
	wait_uptrace
	eq "stdout" 0 "$(wc -c <out)"
	eq "file events" 2 "$(wc -l <events.ndjson)"
}

# --format msgpack: the same events, value for value, as a msgpack stream.  Two uptraces
# trace the same calls at once, one writing JSON, one msgpack; decoded back with mpcat (our
# msgpack -> JSON renderer) the streams are equal but for each event's own time.
test_format_msgpack_is_the_json_stream() {
	local json_pid
	FLB=$(private_copy "$FLB")
	"$UPTRACE" -v -n 4 -o events.ndjson "$FLB" 'flb_input_log_append' 'flb_input_log_append%return' \
		2>json.err &
	json_pid=$!
	start_uptrace -n 4 --format msgpack -o events.mp "$FLB" 'flb_input_log_append' \
		'flb_input_log_append%return'
	until grep -q 'tracing .* probe' json.err; do sleep 0.05; done
	"$FLB" -n 2 --metadata --dump dump.bin >/dev/null
	wait_uptrace
	wait $json_pid
	eq "stdout" 0 "$(wc -c <out)"
	"$TOOLS/mpcat" <events.mp >decoded.ndjson || fail "events.mp is not a msgpack stream"
	eq "events" 4 "$(wc -l <decoded.ndjson)"
	eq "event types" "uprobe uretprobe uprobe uretprobe" "$(jq -r .event_type decoded.ndjson | xargs)"
	# each uptrace's own uprobes time the calls: time and duration_ns differ by nanoseconds;
	# the Fluent Bit records stay the traced program's msgpack, read back as JSON reads them
	jq -c 'del(.time, .duration_ns)' events.ndjson >want.ndjson
	jq -c "del(.time, .duration_ns) | if .args.buf then .args.buf |= ($FLB_AS_JSON) else . end" \
		decoded.ndjson >got.ndjson
	cmp -s want.ndjson got.ndjson || fail "msgpack differs from JSON: $(diff want.ndjson got.ndjson | head -5)"
	eq "times are RFC 3339 strings" true \
		"$(jq -r '.time | test("^20[0-9-]{8}T[0-9:]{8}\\.[0-9]{9}Z$")' decoded.ndjson | sort -u)"
	# map and str headers as msgpack-c writes them: the first event is a fixmap of 9 keys, "time" a fixstr
	eq "first bytes" "89a474696d65" "$(head -c 6 events.mp | od -An -tx1 | tr -d ' \n')"
	# the records themselves: the bytes flb-mini passed, in the stream as they were
	grep -qF "$(od -An -tx1 -v dump.bin | tr -d ' \n' | head -c 110)" \
		<(od -An -tx1 -v events.mp | tr -d ' \n') || fail "flb-mini's record bytes are not in the stream"
	expect_usage_error "--format: 'xml' is not json or msgpack" --format xml "$FLB" flb_input_log_append
}

# bytes in msgpack are a bin, not base64 text: the same bytes as the JSON's base64
test_format_msgpack_bytes_are_bin() {
	local json_pid
	FLB=$(private_copy "$FLB")
	"$UPTRACE" -v -n 3 -o events.ndjson "$FLB" 'flb_input_log_append(buf:bytes[buf_size])' \
		2>json.err &
	json_pid=$!
	start_uptrace -n 3 --format msgpack -o events.mp "$FLB" 'flb_input_log_append(buf:bytes[buf_size])'
	until grep -q 'tracing .* probe' json.err; do sleep 0.05; done
	"$FLB" -n 3 >/dev/null
	wait_uptrace
	wait $json_pid
	"$TOOLS/mpcat" <events.mp >decoded.ndjson || fail "events.mp is not a msgpack stream"
	eq "events" 3 "$(wc -l <decoded.ndjson)"
	# JSON: {"encoding":"base64","data":X}; msgpack: a bin, which mpcat shows as X
	eq "bytes" "$(jq -r .args.buf.data events.ndjson)" "$(jq -r .args.buf decoded.ndjson)"
	# and it is a bin: 0xc4 (bin 8) then the length, then the bytes of flb-mini's record
	eq "bin headers" 3 "$(od -An -tx1 -v events.mp | tr -d ' \n' |
		grep -o "a3627566c4$(printf '%02x' "$(jq -r .args.buf.data events.ndjson | head -1 | base64 -d | wc -c)")" | wc -l)"
}

# The readiness line on stderr, and for a person at a terminal more in it and colour; never
# on stdout, no colour when stderr is not a terminal, nothing with -q.  `script` gives
# uptrace a terminal.
test_banner_and_colour_only_on_a_terminal() {
	local want status cmd="$UPTRACE -c '$FLB -n 2' flb_input_log_append >events.ndjson"
	TERM=xterm script -qec "$cmd" /dev/null >tty.txt
	want=$(printf '\e[1muptrace:\e[0m tracing 1 probe(s) and 0 trace(s) in %s (N ms); \e[1mCtrl-C\e[0m to stop\r' "$FLB")
	sed 's/([0-9]* ms)/(N ms)/' tty.txt | grep -qxF "$want" || fail "no banner: $(cat -v tty.txt)"
	eq "events" 2 "$(grep -c '"event_type":"uprobe"' events.ndjson)"
	grep -q -e attached -e $'\e' events.ndjson && fail "banner or colour on stdout"
	# errors in red at a terminal
	status=0
	TERM=xterm script -qec "$UPTRACE $FLB nosuchfunction" /dev/null >tty.txt || status=$?
	eq "status of a bad probe at a terminal" 2 "$status"
	grep -qF "$(printf '\e[1;31muptrace:\e[0m %s: no function' "$FLB")" tty.txt ||
		fail "error not coloured: $(cat -v tty.txt)"
	# NO_COLOR: the banner stays, the colour goes
	NO_COLOR=1 TERM=xterm script -qec "$cmd" /dev/null >tty.txt
	sed 's/([0-9]* ms)/(N ms)/' tty.txt |
		grep -qxF "uptrace: tracing 1 probe(s) and 0 trace(s) in $FLB (N ms); Ctrl-C to stop"$'\r' ||
		fail "NO_COLOR banner: $(cat -v tty.txt)"
	grep -q $'\e' tty.txt && fail "colour despite NO_COLOR: $(cat -v tty.txt)"
	# -q: nothing at all when nothing was lost
	TERM=xterm script -qec "$UPTRACE -q -c '$FLB -n 2' flb_input_log_append >events.ndjson" \
		/dev/null >tty.txt
	# (CMD's own output comes to stderr, the terminal, since events take stdout)
	eq "-q at a terminal: only flb-mini's line" "calls=2 records=2 bytes=78" "$(tr -d '\r' <tty.txt)"
	eq "-q events" 2 "$(grep -c '"event_type":"uprobe"' events.ndjson)"
	# not a terminal: the readiness line as scripts wait for it, no escape; with -q none
	"$UPTRACE" -c "$FLB -n 2" flb_input_log_append >events.ndjson 2>err
	eq "readiness" "uptrace: tracing 1 probe(s) and 0 trace(s)" "$(grep '^uptrace: tracing' err)"
	grep -q 'Ctrl-C' err && fail "banner without a terminal: $(cat err)"
	grep -q $'\e' err && fail "colour without a terminal"
	eq "summary" "uptrace: 2 events, 0 lost, 0 truncated, 0 read faults" "$(grep '^uptrace: 2' err)"
	"$UPTRACE" -q -c "$FLB -n 2" flb_input_log_append -t exec >events.ndjson 2>err
	eq "-q: no readiness line" "" "$(grep '^uptrace:' err)"
	"$UPTRACE" -c "$FLB -n 2" flb_input_log_append 'flb_input_log_append%return' -t exec \
		>events.ndjson 2>err
	eq "readiness, a %return and a trace" "uptrace: tracing 2 probe(s) and 1 trace(s)" \
		"$(grep '^uptrace: tracing' err)"
}

# --- loss is counted, never silent ------------------------------------------------------------

test_lost_events_are_counted() {
	FLB=$(private_copy "$FLB")
	start_uptrace --ringbuf-size 4096 --wake-ms 1000 "$FLB" flb_input_log_append
	# a reader that does not read: the 4 KiB ring holds 3 of the 2000 records
	kill -STOP "$UPID"
	"$FLB" -n 2000 -s 1000 >flb.out
	kill -CONT "$UPID"
	sleep 0.3
	kill -INT "$UPID"
	wait_uptrace
	local delivered lost
	delivered=$(jq -r 'select(.event_type == "uprobe") | 1' out | wc -l)
	lost=$(jq -r 'select(.event_type == "lost") | .count' out | awk '{s += $1} END {print s + 0}')
	[ "$lost" -gt 0 ] || fail "expected loss with a 4 KiB ring"
	eq "delivered + lost" 2000 $((delivered + lost))
	grep -q "^uptrace: $delivered events, $lost lost" "$T/err" || fail "summary: $(tail -1 "$T/err")"
}

# -v counts the probes asked for: a %return is one probe (its hidden entry half is not), and
# an explicit fetch list is where the arguments come from.
test_verbose_counts_probes_as_asked() {
	"$UPTRACE" -v -c "$FLB -n 1" 'flb_input_log_append%return' >out 2>err ||
		fail "status $?: $(tail -3 err)"
	eq "tracing line" "uptrace: tracing 1 probe(s) and 0 trace(s)" \
		"$(grep '^uptrace: tracing ' err)"
	"$UPTRACE" -v -c "$FLB -n 1" 'flb_input_log_append(tag:str, tag_len)' >out 2>err ||
		fail "status $?: $(tail -3 err)"
	eq "arguments" "2 argument(s) from the fetch list" \
		"$(sed -n 's/^uptrace: probe .*, file offset 0x[0-9a-f]*, //p' err)"
	eq "events" 1 "$(jq -r .args.tag_len out | wc -l)"
}

# --- bad input: one line, status 2, nothing attached ------------------------------------------


test_bad_input() {
	expect_usage_error "/nonexistent: " /nonexistent foo
	expect_usage_error "not an ELF" /etc/passwd foo
	expect_usage_error "no function 'flb_input_log_apend'" "$FLB" flb_input_log_apend
	expect_usage_error "flb_input_log_append" "$FLB" flb_input_log_apend
	expect_usage_error "unknown type 'strr'" "$FLB" 'flb_input_log_append(tag:strr)'
	expect_usage_error "no argument 'nope' for the length" "$FLB" 'flb_input_log_append(buf:bytes[nope])'
	expect_usage_error "--max-bytes: '0'" --max-bytes 0 "$FLB" flb_input_log_append
	expect_usage_error "power of two" --ringbuf-size 5000 "$FLB" flb_input_log_append
	expect_usage_error "no probe given" "$FLB"
	# the caret sits under the offending character
	"$UPTRACE" "$FLB" 'flb_input_log_append(tag:strr)' 2>err >/dev/null || true
	# "    flb_input_log_append(tag:" is 29 columns: the caret is under the s of strr
	eq "caret line" "$(printf '%29s^' '')" "$(sed -n 3p err)"
	assert_nothing_attached
}

# --- the harness: what a test starts goes with it ------------------------------------------------

# PID's state, session and start time (clock ticks since boot): "STATE SID START".
proc_stat() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	# shellcheck disable=SC2086
	set -- $stat
	echo "$1 $4 ${20}"
}

# Is PID, started at START, still running?  A zombie is not, nor a new process with its pid.
still_running() {
	local state sid start
	read -r state sid start < <(proc_stat "$1") || return 1
	[ "$state" != Z ] && [ "$start" = "$2" ]
}

# Not a test of its own: test_harness_stops_what_a_failed_test_leaves runs it through the
# harness (run_one), as a test.  It starts what failing tests used to leave running (a
# background target, a daemon that left the session, an uptrace started without
# start_uptrace, an uptrace -c and its command, a shell loop), writes "WHAT PID SID START"
# lines to $STRAYS and the BPF objects its uptraces hold to $STRAYS.held, and fails.
leaves_strays() {
	local copy pid cmd i
	copy=$(private_copy "$FLB")
	record() {
		echo "$1 $2 $(proc_stat "$2" | cut -d' ' -f2-)" >>"$STRAYS"
	}
	record test "$BASHPID"
	"$copy" -n 0 -r 100 >/dev/null 2>&1 &
	record target $!
	record daemon "$("$TARGETS/daemonize" "$copy" -n 0 -r 100)"
	"$UPTRACE" -v -o /dev/null "$copy" flb_input_log_append >/dev/null 2>bg.err &
	record uptrace $!
	"$UPTRACE" -v -o /dev/null -c "$copy -n 0 -r 100" flb_input_log_append >/dev/null 2>c.err &
	pid=$!
	record uptrace-c $pid
	(while :; do sleep 0.1; done) &
	record loop $!
	for i in $(seq 1 200); do
		cmd=$(pgrep -P "$pid" || true)
		grep -q 'tracing .* probe' bg.err c.err 2>/dev/null &&
			[ "$(grep -l 'tracing .* probe' bg.err c.err | wc -l)" = 2 ] &&
			[ -n "$cmd" ] && [ "$(readlink "/proc/$cmd/exe")" = "$copy" ] && break
		sleep 0.05
	done
	record command "$cmd"
	bpf_holders | awk -v a="$(sed -n 's/^uptrace //p' "$STRAYS" | cut -d' ' -f1)" \
		-v b="$pid" '$3 == a || $3 == b { print $1, $2 }' | sort -u >"$STRAYS.held"
	fail "failing on purpose, with all of that running"
}

# A test fails, leaving all of that running: when it ends, every one of them is gone, its
# cgroup too, and the BPF objects its uptraces held.
test_harness_stops_what_a_failed_test_leaves() {
	local what pid sid start test_sid daemon_sid
	STRAYS=$T/strays
	run_one leaves_strays
	eq "the test's result" FAILED "$RESULT"
	eq "its FAIL lines: its own, and no leftover" \
		"    FAIL: failing on purpose, with all of that running" \
		"$(grep '^    FAIL:' "$RUN_T/test.err")"
	eq "what it started" "test target daemon uptrace uptrace-c loop command" \
		"$(cut -d' ' -f1 strays | join_lines " ")"
	test_sid=$(awk '$1 == "test" { print $3 }' strays)
	daemon_sid=$(awk '$1 == "daemon" { print $3 }' strays)
	[ -n "$daemon_sid" ] && [ "$daemon_sid" != "$test_sid" ] ||
		fail "the daemon did not leave the test's session ($daemon_sid, the test's $test_sid)"
	while read -r what pid sid start; do
		[ -n "$start" ] || fail "$what $pid: not recorded"
		! still_running "$pid" "$start" || fail "$what $pid is still running: $(proc_desc "$pid")"
	done <strays
	# the harness said what it stopped: all but the test's own shell, which had ended
	for what in target daemon uptrace uptrace-c loop command; do
		pid=$(awk -v w=$what '$1 == w { print $2 }' strays)
		grep -q "^      note: the harness stopped what the test left running:.* $pid (" \
			"$RUN_T/test.err" || fail "the note does not name $what $pid: $(cat "$RUN_T/test.err")"
	done
	[ -z "$RUN_CG" ] || [ ! -e "$RUN_CG" ] || fail "its cgroup $RUN_CG is still there"
	# the two uptraces held a program and a link each, at least: all gone
	[ "$(grep -c "^link " strays.held)" -ge 2 ] && [ "$(grep -c "^prog " strays.held)" -ge 2 ] ||
		fail "the uptraces held: $(cat strays.held)"
	eq "their BPF objects still loaded" "" \
		"$(upt_bpf_objects | cut -d' ' -f1,2 | LC_ALL=C sort | LC_ALL=C comm -12 - strays.held)"
	rm -rf "$RUN_T"
}

# A stray that runs the shared flb-mini (as a failed test of another run may have left one)
# calls flb_input_log_append a thousand times a second: a trace of the shared file sees it,
# the test's trace of its private copy (private_copy) sees its own calls only, exactly.
test_harness_private_copy_shields_from_strays() {
	local stray mine pid
	"$FLB" -n 0 -r 1000 >/dev/null &
	stray=$!
	# (the shared file, deliberately: not with start_uptrace, which refuses it)
	timeout 10 "$UPTRACE" -n 5 "$FLB" flb_input_log_append >shared.out 2>shared.err ||
		fail "tracing the shared file: $(cat shared.err)"
	eq "the stray's calls reach a trace of the shared file" true \
		"$(jq -s --argjson p "$stray" 'any(.[]; .pid == $p)' shared.out)"
	mine=$(private_copy "$FLB")
	start_uptrace "$mine" flb_input_log_append
	"$mine" -n 7 --tag mine --expect expect.ndjson >/dev/null &
	pid=$!
	wait $pid
	sleep 0.5
	kill -0 $stray || fail "the stray stopped"
	kill -INT "$UPID"
	wait_uptrace
	eq "status" 0 "$USTATUS"
	eq "events" 7 "$(wc -l <out)"
	eq "pids" "$pid" "$(jq -r .pid out | sort -u)"
	eq "binary" "$(realpath "$mine")" "$(jq -r .binary out | sort -u)"
	compare_calls
	grep -q "^uptrace: 7 events, 0 lost, 0 truncated, 0 read faults$" "$T/err" ||
		fail "summary: $(tail -1 "$T/err")"
	# the stray is the harness's to stop
}

# Not a test of its own: test_harness_fails_what_outlives_a_test runs it.  Its uptrace
# leaves the test's cgroup (as one started through a service manager would) with its probes
# attached; it writes the uptrace's description to $ESCAPEE and what it holds (the lines of
# upt_bpf_objects) to $ESCAPEE.held.
escapes_with_its_probes() {
	local copy
	copy=$(private_copy "$FLB")
	start_uptrace "$copy" flb_input_log_append
	mkdir "$CG_BASE/escaped"
	echo "$UPID" >"$CG_BASE/escaped/cgroup.procs"
	proc_desc "$UPID" >"$ESCAPEE"
	proc_stat "$UPID" >"$ESCAPEE.stat"
	bpf_holders | awk -v p="$UPID" '$3 == p { print $1, $2 }' | sort -u >held
	upt_bpf_objects | awk 'NR == FNR { h[$1 " " $2] = 1; next } ($1 " " $2) in h' held - \
		>"$ESCAPEE.held"
	UPID=
}

# A process that leaves its test's cgroup and outlives the test fails it, by name, and so do
# the BPF objects it holds; the harness then stops it all the same.
test_harness_fails_what_outlives_a_test() {
	[ "$ISO" = cgroup ] || { echo "SKIP: the cgroup isolation is off ($ISO)" >&2; return 0; }
	local upid objs
	ESCAPEE=$T/escapee
	# whatever happens here, the escapee goes
	trap '[ ! -d "$CG_BASE/escaped" ] || { echo 1 >"$CG_BASE/escaped/cgroup.kill"; cg_remove "$CG_BASE/escaped"; }' EXIT
	run_one escapes_with_its_probes
	eq "the test's result" FAILED "$RESULT"
	upid=$(cut -d' ' -f1 escapee)
	objs=$(while read -r kind id what; do
		[ "$kind" = prog ] || what=$(awk '{ print $1, "of prog", $2, $3 }' <<<"$what")
		echo "$kind $id $what (held by $upid uptrace)"
	done <escapee.held | join_lines "; ")
	[ "$(grep -c '^link ' escapee.held)" -ge 1 ] || fail "the uptrace held no link: $(cat escapee.held)"
	eq "its FAIL lines" "    FAIL: left the test's cgroup and outlived the test: $(cat escapee)
    FAIL: BPF objects of uptrace left loaded after the test: $objs" \
		"$(grep '^    FAIL:' "$RUN_T/test.err")"
	! still_running "$upid" "$(cut -d' ' -f3 escapee.stat)" ||
		fail "the harness did not stop $(proc_desc "$upid")"
	eq "its BPF objects still loaded" "" \
		"$(upt_bpf_objects | LC_ALL=C comm -12 - escapee.held)"
	cg_remove "$CG_BASE/escaped" || fail "$CG_BASE/escaped is not empty"
	rm -rf "$RUN_T"
}

run_suite "$FLB" "$FLB_STRIPPED"
