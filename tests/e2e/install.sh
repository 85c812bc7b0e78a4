#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# End-to-end tests of uptrace as an installed tool: make install/uninstall, the man page, the
# bash completion, the version without .git, and make deb installed with dpkg for real.
# Usage: UPTRACE=build/uptrace bash tests/e2e/install.sh   (TEST_FILTER=regex runs a subset)
#
# The makes run here see none of the calling make's MAKEFLAGS (under `make test-san` those
# say SAN=1): install uses the build UPTRACE comes from, make deb always the plain one.
set -u
. "$(dirname "$0")/lib.sh"

case $UPTRACE in
"$ROOT"/build-san/uptrace) MAKE_SAN=1 ;;
*) MAKE_SAN=0 ;;
esac

# A check that fails ends the test there: lib.sh's run_tests runs each test in a subshell
# that `if` tests, where bash ignores `set -e`, so a failed check before the last command
# would otherwise pass unseen.
fail() {
	echo "    FAIL: $*" >&2
	exit 1
}

mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -s -C "$ROOT" "$@"
}

skip() {
	echo "SKIP: $*" >&2
}

VERSION=$(mk version)
FLB_LOG_APPEND="flb_input_log_append
flb_input_log_append_processed
flb_input_log_append_records
flb_input_log_append_skip_processor_stages"

# --- make install / uninstall ----------------------------------------------------------------

# The files under a directory, with their modes, one a line, sorted.
files_of() {
	(cd "$1" && find . -type f -printf '%m %P\n' | LC_ALL=C sort -k2)
}

test_install_exact_files_and_uninstall_removes_them() {
	[ "$UPTRACE" = "$ROOT/build/uptrace" ] || [ "$MAKE_SAN" = 1 ] ||
		{ skip "UPTRACE is not this tree's build/ or build-san/"; return 0; }
	mk install SAN=$MAKE_SAN DESTDIR="$T/d" PREFIX=/usr >/dev/null
	eq "installed files" "755 usr/bin/uptrace
644 usr/share/bash-completion/completions/uptrace
644 usr/share/man/man1/uptrace.1" "$(files_of "$T/d")"
	cmp -s "$UPTRACE" "$T/d/usr/bin/uptrace" || fail "installed binary is not $UPTRACE"
	eq "installed --version" "uptrace $VERSION" "$("$T/d/usr/bin/uptrace" --version)"
	"$T/d/usr/bin/uptrace" --help >help.out 2>help.err || fail "--help failed"
	eq "--help, first line" "Usage: uptrace [OPTIONS] BINARY PROBE..." "$(head -1 help.out)"
	eq "--help on stderr" 0 "$(wc -c <help.err)"
	eq "man page version" "\"uptrace $VERSION\"" \
		"$(sed -n 's/^\.TH UPTRACE 1 [^ ]* \("[^"]*"\).*/\1/p' "$T/d/usr/share/man/man1/uptrace.1")"
	cmp -s "$ROOT/dist/uptrace.bash-completion" \
		"$T/d/usr/share/bash-completion/completions/uptrace" || fail "completion differs"
	mk uninstall SAN=$MAKE_SAN DESTDIR="$T/d" PREFIX=/usr >/dev/null
	eq "files left by uninstall" "" "$(files_of "$T/d")"
}

test_install_default_prefix_is_usr_local() {
	mk install SAN=$MAKE_SAN DESTDIR="$T/d" >/dev/null
	eq "installed files" "755 usr/local/bin/uptrace
644 usr/local/share/bash-completion/completions/uptrace
644 usr/local/share/man/man1/uptrace.1" "$(files_of "$T/d")"
	mk uninstall SAN=$MAKE_SAN DESTDIR="$T/d" >/dev/null
	eq "files left by uninstall" "" "$(files_of "$T/d")"
}

# --- the version -------------------------------------------------------------------------------

test_version_from_git_and_in_the_binary() {
	eq "make version" "$(git -C "$ROOT" describe --tags --always --dirty)" "$VERSION"
	eq "uptrace --version" "uptrace $VERSION" "$("$UPTRACE" --version)"
}

# A source tree without .git (a tarball): the VERSION file, else 0.0.0.
test_version_without_git() {
	mkdir src
	cp "$ROOT/Makefile" src/
	eq "no .git, no VERSION" 0.0.0 "$(env -u MAKEFLAGS make -s -C src version)"
	echo 1.4.2 >src/VERSION
	eq "VERSION file" 1.4.2 "$(env -u MAKEFLAGS make -s -C src version)"
}

test_deb_version_mapping() {
	local v want
	while read -r v want; do
		eq "Debian version of $v" "$want" "$("$ROOT/dist/mkdeb.sh" --deb-version "$v")"
	done <<'EOF'
v1.2.3 1.2.3
1.2.3 1.2.3
v1.2.3-5-gabc1234 1.2.3+5.gabc1234
v1.2.3-5-gabc1234-dirty 1.2.3+5.gabc1234.dirty
f000868 0~gf000868
7f17660-dirty 0~g7f17660+dirty
release_x 0~grelease.x
EOF
}

# --- the man page ------------------------------------------------------------------------------

test_man_page_lints_clean() {
	groff -man -ww -z "$ROOT/dist/uptrace.1" 2>groff.err || fail "groff failed: $(cat groff.err)"
	eq "groff warnings" "" "$(cat groff.err)"
	MANWIDTH=80 man --warnings -l "$ROOT/dist/uptrace.1" >man.out 2>man.err ||
		fail "man failed: $(cat man.err)"
	eq "man warnings" "" "$(cat man.err)"
	eq "sections" "NAME SYNOPSIS DESCRIPTION OPTIONS PROBE SYNTAX OUTPUT KERNEL TRACES EXIT STATUS ENVIRONMENT EXAMPLES SEE ALSO" \
		"$(grep -E '^[A-Z][A-Z ]+$' man.out | tr '\n' ' ' | sed 's/ $//')"
}

# Options the man page documents ahead of their merge (other branches add them to --help);
# once --help has one, it is checked like any other: drop it from here then.
MAN_AHEAD_OF_HELP=""

test_man_page_and_help_have_the_same_options() {
	local o ahead=""
	"$UPTRACE" --help | sed -nE 's/^  (-[[:alnum:]], |    )(--[[:alnum:]-]+).*/\2/p' | sort -u >help.opts
	# the tags of the OPTIONS section's .TP paragraphs
	awk '/^\.SH OPTIONS/ { on = 1; next } /^\.SH/ { on = 0 }
		on && tp { print; tp = 0 } on && /^\.TP/ { tp = 1 }' "$ROOT/dist/uptrace.1" |
		grep -oE '\\-\\-[[:alnum:]\\-]+' | sed 's/\\//g' | sort -u >man.opts
	[ "$(wc -l <help.opts)" -gt 20 ] || fail "only $(wc -l <help.opts) options in --help"
	eq "--help options missing from the man page" "" "$(comm -23 help.opts man.opts | tr '\n' ' ')"
	for o in $(comm -13 help.opts man.opts); do
		case " $MAN_AHEAD_OF_HELP " in
		*" $o "*) ahead+="$o " ;;
		*) fail "the man page documents $o, which --help does not have" ;;
		esac
	done
	# short options too: each -X of --help is in the man page's tag of its long option
	"$UPTRACE" --help | sed -nE 's/^  (-[[:alnum:]]), (--[[:alnum:]-]+).*/\1 \2/p' >help.short
	while read -r s l; do
		grep -qE "^\.BR \\\\$s \", \" \\\\-\\\\${l#-}" "$ROOT/dist/uptrace.1" ||
			fail "the man page lacks '$s, $l'"
	done <help.short
	[ -z "$ahead" ] || echo "    (documented ahead of --help: $ahead)" >&2
}

# --- uptrace --names, what the completion asks --------------------------------------------------

test_names_prints_names_only() {
	eq "--names BINARY GLOB" "$FLB_LOG_APPEND" "$("$UPTRACE" --names "$FLB" 'flb_input_log_app*')"
	eq "-l --names, stripped BINARY" "$FLB_LOG_APPEND" \
		"$("$UPTRACE" -l --names "$FLB_STRIPPED" 'flb_input_log_app*')"
	eq "--names: every function of -l, once" "$("$UPTRACE" -l "$FLB" | wc -l)" \
		"$("$UPTRACE" --names "$FLB" | sort -u | wc -l)"
	expect_usage_error "no function matches 'nope\*'" --names "$FLB" 'nope*'
}

# --- bash completion ---------------------------------------------------------------------------

# complete WORD... : COMPREPLY for the last word, one a line, as bash would compute it.
complete_words() {
	(
		PATH=$(dirname "$UPTRACE"):$PATH
		# shellcheck disable=SC1091
		. "$ROOT/dist/uptrace.bash-completion"
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		COMPREPLY=()
		_uptrace
		[ ${#COMPREPLY[@]} -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}"
	)
}

test_completion_options_and_values() {
	eq "--tr" "--trace" "$(complete_words uptrace --tr)"
	eq "--ma" "--max-bytes" "$(complete_words uptrace --ma)"
	eq "every option" "$("$UPTRACE" --help |
		sed -nE 's/^  (-[[:alnum:]]), (--[[:alnum:]-]+).*/\1 \2/p; s/^      (--[[:alnum:]-]+).*/\1/p' |
		tr ' ' '\n' | sort)" "$(complete_words uptrace - | sort)"
	eq "-t e" "exec" "$(complete_words uptrace -t e)"
	eq "-t ''" "exec signal malloc bind tcp vfs all" "$(complete_words uptrace -t '' | tr '\n' ' ' | sed 's/ $//')"
	eq "--trace=e (words split at =)" "exec" "$(complete_words uptrace --trace = e)"
	eq "-vt b (a cluster)" "bind" "$(complete_words uptrace -vt b)"
	eq "--format ''" "json msgpack" "$(complete_words uptrace --format '' | tr '\n' ' ' | sed 's/ $//')"
	eq "-n (a number: nothing)" "" "$(complete_words uptrace -n '')"
}

test_completion_files_dirs_pids() {
	mkdir -p c/dir1 c/dir2
	touch c/file1
	cd c || fail "cd c"
	eq "BINARY" "dir1 dir2 file1" "$(complete_words uptrace '' | sort | tr '\n' ' ' | sed 's/ $//')"
	eq "-o" "file1" "$(complete_words uptrace -o "fi")"
	eq "--debuginfo: directories" "dir1 dir2" "$(complete_words uptrace --debuginfo '' | sort | tr '\n' ' ' | sed 's/ $//')"
	complete_words uptrace -p '' >pids
	grep -qx "$$" pids || fail "-p does not offer this shell's pid $$"
	eq "-p: only numbers" 0 "$(grep -cvE '^[0-9]+$' pids)"
}

test_completion_function_names() {
	cd "$ROOT" || fail "cd $ROOT"
	eq "functions of BINARY" "$FLB_LOG_APPEND" \
		"$(complete_words uptrace examples/flb-mini/flb-mini flb_input_log_app)"
	eq "functions of the stripped BINARY (.dynsym)" "$FLB_LOG_APPEND" \
		"$(complete_words uptrace examples/flb-mini/flb-mini.stripped flb_input_log_app)"
	eq "after options and another probe" "flb_input_chunk_append_raw" \
		"$(complete_words uptrace -n 5 examples/flb-mini/flb-mini flb_input_log_append flb_input_chunk)"
	eq "-l BINARY GLOB" "$FLB_LOG_APPEND" \
		"$(complete_words uptrace -l examples/flb-mini/flb-mini flb_input_log_app)"
	eq "OBJ:FUNC (words split at :)" "flb_input_chunk_append_raw" \
		"$(complete_words uptrace /bin/true examples/flb-mini/flb-mini : flb_input_chunk)"
	eq "-c CMD: its program" "flb_input_chunk_append_raw" \
		"$(complete_words uptrace -c './examples/flb-mini/flb-mini -n 5' flb_input_chunk)"
	eq "a glob: nothing added" "" \
		"$(complete_words uptrace examples/flb-mini/flb-mini 'flb_input_*')"
}

test_completion_function_names_of_a_pid() {
	"$FLB" -n 0 -r 10 >/dev/null &
	local pid=$!
	eq "-p PID FUNC" "$FLB_LOG_APPEND" "$(complete_words uptrace -p $pid flb_input_log_app)"
	eq "--pid=PID FUNC" "$FLB_LOG_APPEND" \
		"$(complete_words uptrace --pid = $pid flb_input_log_app)"
	kill $pid
	wait $pid 2>/dev/null || true
}

# --- make deb ----------------------------------------------------------------------------------

# The package of the library a NEEDED name resolves to, from the dynamic loader's cache.
pkg_of_needed() {
	local path
	path=$(/sbin/ldconfig -p | awk -v l="$1" '$1 == l && /x86-64|\(libc6,x86-64/ { print $NF; exit }')
	[ -n "$path" ] || path=$(/sbin/ldconfig -p | awk -v l="$1" '$1 == l { print $NF; exit }')
	# usrmerge: dpkg may know the file under /lib or under /usr/lib
	{ dpkg -S "$path" || dpkg -S "$(realpath "$path")"; } 2>/dev/null | head -1 | sed 's/:.*//'
}

# dpkg, waiting for the lock of another dpkg or apt of the machine (at most 60 s)
dpkg_locked() {
	local _
	for _ in $(seq 1 60); do
		if dpkg "$@" >dpkg.out 2>&1; then
			return 0
		fi
		grep -q 'lock' dpkg.out || { cat dpkg.out >&2; return 1; }
		sleep 1
	done
	cat dpkg.out >&2
	return 1
}

test_deb_builds_installs_and_removes() {
	command -v dpkg-deb >/dev/null || { skip "no dpkg-deb"; return 0; }
	[ "$(id -u)" = 0 ] || { skip "dpkg -i needs root"; return 0; }
	if dpkg-query -W -f '${db:Status-Abbrev}' uptrace 2>/dev/null | grep -q '^.i'; then
		skip "a package uptrace is installed already: not replacing it"
		return 0
	fi
	[ ! -e /usr/bin/uptrace ] || { skip "/usr/bin/uptrace exists, not from a package"; return 0; }

	local arch debver deb field want got n
	arch=$(dpkg --print-architecture)
	debver=$("$ROOT/dist/mkdeb.sh" --deb-version "$VERSION")
	# the package carries the plain build, also under make test-san (whose SAN=1 is in the env)
	mk SAN= deb >/dev/null
	deb=$ROOT/build/uptrace_${debver}_$arch.deb
	[ -f "$deb" ] || fail "no $deb: $(ls "$ROOT"/build/*.deb 2>&1)"

	# the file list, exact: modes, owners, paths
	dpkg-deb -c "$deb" | awk '{ print $1, $2, $6 }' >list
	eq "files of the package" "drwxr-xr-x root/root ./
drwxr-xr-x root/root ./usr/
drwxr-xr-x root/root ./usr/bin/
-rwxr-xr-x root/root ./usr/bin/uptrace
drwxr-xr-x root/root ./usr/share/
drwxr-xr-x root/root ./usr/share/bash-completion/
drwxr-xr-x root/root ./usr/share/bash-completion/completions/
-rw-r--r-- root/root ./usr/share/bash-completion/completions/uptrace
drwxr-xr-x root/root ./usr/share/doc/
drwxr-xr-x root/root ./usr/share/doc/uptrace/
-rw-r--r-- root/root ./usr/share/doc/uptrace/copyright
drwxr-xr-x root/root ./usr/share/man/
drwxr-xr-x root/root ./usr/share/man/man1/
-rw-r--r-- root/root ./usr/share/man/man1/uptrace.1.gz" "$(cat list)"

	# the control fields, exact
	eq "control fields" "Package Version Architecture Maintainer Installed-Size Depends Section Priority Description" \
		"$(dpkg-deb -f "$deb" | sed -n 's/^\([A-Za-z-]*\):.*/\1/p' | tr '\n' ' ' | sed 's/ $//')"
	eq Package uptrace "$(dpkg-deb -f "$deb" Package)"
	eq Version "$debver" "$(dpkg-deb -f "$deb" Version)"
	eq Architecture "$arch" "$(dpkg-deb -f "$deb" Architecture)"
	eq Maintainer "uptrace developers <uptrace@localhost>" "$(dpkg-deb -f "$deb" Maintainer)"
	eq Section devel "$(dpkg-deb -f "$deb" Section)"
	eq Priority optional "$(dpkg-deb -f "$deb" Priority)"
	# KiB of each file rounded up, plus one a directory
	want=$(dpkg-deb -c "$deb" | awk '$1 ~ /^d/ { n++ } $1 ~ /^-/ { n += int(($3 + 1023) / 1024) }
		END { print n }')
	eq Installed-Size "$want" "$(dpkg-deb -f "$deb" Installed-Size)"
	# Depends: the packages of the binary's NEEDED libraries, each with a minimum version
	# this machine satisfies
	want=$(for n in $(readelf -d "$ROOT/build/uptrace" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		pkg_of_needed "$n"
	done | sort -u | tr '\n' ' ' | sed 's/ $//')
	got=$(dpkg-deb -f "$deb" Depends)
	eq "Depends packages" "$want" "$(echo "$got" | tr ',' '\n' | sed 's/^ *//; s/ .*//' |
		sort -u | tr '\n' ' ' | sed 's/ $//')"
	echo "$got" | tr ',' '\n' | sed 's/^ *//' >depends
	while read -r field _ n; do
		[ -n "$n" ] || fail "Depends: $field has no minimum version"
		n=${n%)}
		dpkg --compare-versions "$(dpkg-query -W -f '${Version}' "$field")" ge "$n" ||
			fail "Depends: installed $field is older than $n"
	done <depends
	for field in libbpf1 libc6 libcapstone4 libdw1 libelf1; do
		grep -q "^$field " depends || fail "Depends lacks $field: $got"
	done

	# installed for real; removed whatever happens next
	trap 'dpkg -r uptrace >/dev/null 2>&1 || true' EXIT
	dpkg_locked -i "$deb" || fail "dpkg -i failed"
	eq "status" "ii " "$(dpkg-query -W -f '${db:Status-Abbrev}' uptrace)"
	dpkg --verify uptrace >verify.out 2>&1 || fail "dpkg --verify: $(cat verify.out)"
	eq "dpkg --verify" "" "$(cat verify.out)"
	eq "/usr/bin/uptrace --version" "uptrace $VERSION" "$(/usr/bin/uptrace --version)"
	/usr/bin/uptrace -l "$FLB" 'flb_*' >listed 2>listed.err || fail "uptrace -l: $(cat listed.err)"
	grep -qx 'int flb_input_log_append(struct flb_input_instance \*ins, const char \*tag, size_t tag_len, const void \*buf, size_t buf_size)' listed ||
		fail "uptrace -l lacks flb_input_log_append: $(head -3 listed)"
	eq "functions listed by the installed uptrace" \
		"$("$UPTRACE" -l "$FLB" 'flb_*' 2>/dev/null)" "$(cat listed)"
	eq "man -w uptrace" /usr/share/man/man1/uptrace.1.gz "$(man -w uptrace)"
	MANWIDTH=80 man --warnings uptrace >man.out 2>man.err || fail "man uptrace: $(cat man.err)"
	eq "man uptrace: warnings" "" "$(cat man.err)"
	grep -q "uptrace $VERSION" man.out || fail "man uptrace does not name version $VERSION"

	dpkg_locked -r uptrace || fail "dpkg -r failed"
	trap - EXIT
	eq "status after dpkg -r" "" \
		"$(dpkg-query -W -f '${db:Status-Abbrev}' uptrace 2>/dev/null | grep '^.i' || true)"
	for field in $(sed -n 's|^-.* \./|/|p' list); do
		[ ! -e "$field" ] || fail "$field left after dpkg -r"
	done
}

run_tests
