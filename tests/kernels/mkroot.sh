#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# mkroot.sh - the guest's root file system, as an initramfs (cpio, newc, uncompressed).
#
#   mkroot.sh REPO OUTPUT STAGE_DIR INITRD ENV_FILE
#
# The guest runs this machine's own binaries: the commands the e2e suites use (the programs
# of PACKAGES below, the real Debian ones: bash, jq, GNU grep/sed/coreutils, bpftool,
# script...) and busybox for what init alone needs (poweroff), each with the closure of its
# shared libraries as ldd resolves it here.  The repository's built files go to the same absolute
# path as here (REPO), so tests/e2e/*.sh and the paths they print work unchanged.  /usr is
# merged as on Debian 12 (/bin -> usr/bin ...), and ldconfig -r makes the guest its own
# ld.so.cache (uptrace resolves `libc` through it).  ENV_FILE becomes /etc/ktest.env, what
# the guest's init (tests/kernels/init.sh, as /init) reads: which suites, which tests.  No compression: the TCG guest would
# spend longer inflating it than QEMU takes to load it.
set -euo pipefail

# The guest's commands: every program of these Debian packages (what the e2e suites call:
# bash, coreutils, grep, sed, jq, bpftool, script, setpriv, unshare, pgrep...), and a few
# commands alone: names that no package lists (alternatives, /bin/sh), and of binutils'
# 25 programs the ones the suites use.
PACKAGES=(
	bash dash coreutils util-linux mount bsdutils procps findutils grep sed mawk diffutils
	jq bpftool hostname debianutils gzip xz-utils tar iproute2
)
COMMANDS=(sh awk which nm readelf objdump objcopy strip)

# What the guest takes from the build: the binary, the programs the suites trace, the
# fixtures of run.sh (not dw-big: 20000 functions nobody here traces), the suites' sources.
REPO_PATHS=(
	OUTPUT/uptrace OUTPUT/e2e OUTPUT/tools OUTPUT/tests/fwd-recv OUTPUT/fixtures
	examples tests/e2e tests/fixtures tests/kernels
)

die() {
	echo "mkroot.sh: $*" >&2
	exit 1
}

declare -A COPIED

# copy_file PATH: PATH (its content, symlinks followed) at the same path under $STAGE.
copy_file() {
	local src=$1
	[ -z "${COPIED[$src]:-}" ] || return 0
	COPIED[$src]=1
	mkdir -p "$STAGE$(dirname "$src")"
	cp -L --preserve=mode "$src" "$STAGE$src"
}

# copy_elf PATH: the file and every shared library it loads, as ldd finds them here.
copy_elf() {
	local lib
	copy_file "$1"
	for lib in $(ldd "$1" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^\s*\(\/[^ ]*\) (0x.*/\1/p'); do
		copy_file "$lib"
	done
}

is_elf() {
	[ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]
}

merged_usr() {
	local d
	mkdir -p "$STAGE/usr/bin" "$STAGE/usr/sbin" "$STAGE/usr/lib" "$STAGE/usr/lib64"
	for d in bin sbin lib lib64; do
		ln -s "usr/$d" "$STAGE/$d"
	done
}

copy_commands() {
	local p c path
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q ' installed$' ||
			die "package $p is not installed (make deps)"
		for path in $(dpkg -L "$p" | grep -E '^(/usr)?/s?bin/.'); do
			[ -f "$path" ] || continue
			if is_elf "$path"; then copy_elf "$path"; else copy_file "$path"; fi
		done
	done
	for c in "${COMMANDS[@]}"; do
		path=$(PATH=/usr/sbin:/usr/bin:/sbin:/bin type -P "$c") || die "no $c on this machine"
		copy_elf "$path"
	done
	copy_file /bin/busybox
	is_elf /bin/busybox || die "/bin/busybox: not busybox-static"
}

# The repository's files, at their own absolute path, and the libraries of its binaries.
copy_repo() {
	local p f
	for p in "${REPO_PATHS[@]}"; do
		p=${p/OUTPUT/$OUTPUT}
		[ -e "$REPO/$p" ] || die "$REPO/$p is not built"
		mkdir -p "$STAGE$REPO/$(dirname "$p")"
		cp -a "$REPO/$p" "$STAGE$REPO/$(dirname "$p")/"
	done
	rm -rf "$STAGE$REPO/$OUTPUT/fixtures/dw-big"
	while IFS= read -r f; do
		is_elf "$f" && copy_elf "$f"
	done < <(find "$STAGE$REPO" -type f -perm -u+x | sed "s|^$STAGE||")
}

# /etc: who root and nobody are, a host name, the loader's cache; /init.
etc_and_init() {
	mkdir -p "$STAGE"/{etc,root,tmp,run,proc,sys,dev}
	printf 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' \
		>"$STAGE/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$STAGE/etc/group"
	echo ktest >"$STAGE/etc/hostname"
	printf '127.0.0.1 localhost ktest\n::1 localhost ip6-localhost\n' >"$STAGE/etc/hosts"
	cp -a /etc/ld.so.conf /etc/ld.so.conf.d "$STAGE/etc/"
	ldconfig -r "$STAGE"
	cp "$ENV_FILE" "$STAGE/etc/ktest.env"
	cp "$REPO/tests/kernels/init.sh" "$STAGE/init"
	chmod 755 "$STAGE/init"
}

main() {
	[ $# = 5 ] || die "usage: mkroot.sh REPO OUTPUT STAGE_DIR INITRD ENV_FILE"
	REPO=$1 OUTPUT=$2 STAGE=$3 ENV_FILE=$5
	local initrd=$4
	rm -rf "$STAGE"
	mkdir -p "$STAGE"
	STAGE=$(realpath "$STAGE")
	merged_usr
	copy_commands
	copy_repo
	etc_and_init
	(cd "$STAGE" && find . -mindepth 1 | LC_ALL=C sort | busybox cpio -o -H newc 2>/dev/null) \
		>"$initrd.tmp"
	mv "$initrd.tmp" "$initrd"
}

main "$@"
