#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# fetch.sh - a Debian kernel to boot in QEMU, fetched once and cached; never installed.
#
#   fetch.sh CACHE_DIR SPEC      prints "VERSION VMLINUZ" (VERSION as uname -r will say it)
#
# SPEC is a kernel series ("6.1", "6.12": the newest linux-image-X.Y...-amd64-unsigned that
# apt knows, by sort -V), a package name (linux-image-...-amd64-unsigned), or the path of a
# bzImage (vmlinuz) to boot as it is.  The package is fetched with `apt-get download` and only
# its vmlinuz (and config, for reference) is taken out of it with dpkg-deb | tar into
# CACHE_DIR/PACKAGE/; the .deb is then deleted.  Without apt lists (no apt-get update) the
# newest cached kernel of the series is used.
set -euo pipefail

die() {
	echo "fetch.sh: $*" >&2
	exit 1
}

# The version a bzImage says (the kernel_version field of its setup header), as uname -r.
bzimage_version() {
	local ptr
	ptr=$(od -An -tu2 -j $((0x20e)) -N2 "$1" | tr -d ' ')
	[ -n "$ptr" ] && [ "$ptr" -gt 0 ] || return 1
	dd if="$1" bs=1 skip=$((ptr + 0x200)) count=256 status=none | tr '\0' '\n' | head -1 |
		cut -d' ' -f1
}

# apt-cache's newest package of the series, or nothing.
newest_package() {
	local series=${1//./\\.}
	# 6.1 is named linux-image-6.1.0-ABI-amd64-unsigned; 6.12 on bookworm
	# linux-image-6.12.N+deb12-amd64-unsigned
	apt-cache search --names-only "^linux-image-$series(\.0-[0-9]+|\.[0-9]+\+deb[0-9]+)-amd64-unsigned\$" |
		cut -d' ' -f1 | grep -E "^linux-image-$series(\.0-[0-9]+|\.[0-9]+\+deb[0-9]+)-amd64-unsigned\$" |
		sort -V | tail -1
}

newest_cached() {
	local series=${2//./\\.}
	find "$1" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null |
		grep -E "^linux-image-$series(\.0-[0-9]+|\.[0-9]+\+deb[0-9]+)-amd64-unsigned\$" |
		sort -V | tail -1
}

# Download PACKAGE and keep its vmlinuz and config in CACHE/PACKAGE/.
extract_package() {
	local cache=$1 pkg=$2 tmp
	tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	echo "fetch.sh: apt-get download $pkg" >&2
	(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2) ||
		die "apt-get download $pkg failed"
	dpkg-deb --fsys-tarfile "$tmp"/*.deb |
		tar -x -C "$tmp" --wildcards './boot/vmlinuz-*' './boot/config-*'
	mkdir -p "$tmp/out"
	mv "$tmp"/boot/vmlinuz-* "$tmp/out/vmlinuz"
	mv "$tmp"/boot/config-* "$tmp/out/config"
	rm -rf "${cache:?}/$pkg"
	mv "$tmp/out" "$cache/$pkg"
	rm -rf "$tmp"
	trap - EXIT
}

main() {
	[ $# = 2 ] || die "usage: fetch.sh CACHE_DIR SPEC"
	local cache=$1 spec=$2 pkg version
	mkdir -p "$cache"
	if [ -f "$spec" ]; then
		version=$(bzimage_version "$spec") || die "$spec: not a bzImage"
		echo "$version $(realpath "$spec")"
		return
	fi
	case $spec in
	linux-image-*) pkg=$spec ;;
	[0-9]*.[0-9]*)
		pkg=$(newest_package "$spec")
		if [ -z "$pkg" ]; then
			pkg=$(newest_cached "$cache" "$spec")
			[ -n "$pkg" ] || die "apt knows no linux-image-$spec*-amd64-unsigned (run apt-get update)"
			echo "fetch.sh: apt knows no $spec kernel; using the cached $pkg" >&2
		fi
		;;
	*) die "$spec: neither a kernel series (6.1), a package, nor a vmlinuz file" ;;
	esac
	[ -s "$cache/$pkg/vmlinuz" ] || extract_package "$cache" "$pkg"
	version=${pkg#linux-image-}
	echo "${version%-unsigned} $cache/$pkg/vmlinuz"
}

main "$@"
