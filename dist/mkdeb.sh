#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# mkdeb.sh - `make deb`: a binary .deb of uptrace from a staging install, with dpkg-deb.
#
#   dist/mkdeb.sh STAGE-PARENT VERSION OUTDIR     (the Makefile has already run
#                                                  `make install DESTDIR=STAGE-PARENT/debian/uptrace PREFIX=/usr`)
#   dist/mkdeb.sh --deb-version VERSION           print VERSION as a Debian version
#
# The staging tree is STAGE-PARENT/debian/uptrace, the layout dpkg-shlibdeps expects, which
# computes Depends from the binary's DT_NEEDED libraries and the installed packages'
# symbols files (so a library added to the link shows up here by itself).  The man page is
# compressed (Debian policy 12.3); copyright goes to /usr/share/doc/uptrace; files belong
# to root whoever builds (--root-owner-group, no fakeroot).
set -eu

# git describe -> a Debian version: digits first, and '-' only before a Debian revision
# (this is a native package, so none):
#   v1.2.3                    -> 1.2.3
#   v1.2.3-5-gabc1234-dirty   -> 1.2.3+5.gabc1234.dirty
#   abc1234 (no tag: a hash)  -> 0~gabc1234        (sorts before any tagged release)
#   anything else             -> '.' for each character Debian does not allow
deb_version() {
	v=${1#v}
	if printf '%s\n' "$v" | grep -Eq '^[0-9a-f]{7,40}(-dirty)?$' || ! expr "$v" : '[0-9]' >/dev/null; then
		v=0~g$v
	fi
	printf '%s\n' "$v" | sed -e 's/-/+/' -e 's/-/./g' -e 's/[^A-Za-z0-9.+~]/./g'
}

if [ "${1:-}" = --deb-version ]; then
	deb_version "$2"
	exit 0
fi

top=$1
version=$(deb_version "$2")
outdir=$3
root=$top/debian/uptrace
arch=$(dpkg --print-architecture)
src=$(cd "$(dirname "$0")" && pwd)
umask 022

# compressed man page; the copyright file
gzip -9n "$root/usr/share/man/man1/uptrace.1"
install -D -m 0644 "$src/copyright" "$root/usr/share/doc/uptrace/copyright"

mkdir -p "$root/DEBIAN" # dpkg-shlibdeps finds the package's root by it

# Depends, from what the binary needs (dpkg-shlibdeps reads debian/control for the package)
cat >"$top/debian/control" <<EOF
Source: uptrace
Maintainer: uptrace developers <uptrace@localhost>

Package: uptrace
Architecture: any
Description: uprobe tracer
EOF
depends=$(cd "$top" && dpkg-shlibdeps -O -edebian/uptrace/usr/bin/uptrace |
	sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "mkdeb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

# Installed-Size in KiB, as dpkg-gencontrol counts it: each file rounded up, plus one for
# each directory
size=$(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%s\n' |
	awk '{ kib += int(($1 + 1023) / 1024) } END { print kib }')
dirs=$(cd "$root" && find . -path ./DEBIAN -prune -o -type d -print | wc -l)

(cd "$root" && find usr -type f | LC_ALL=C sort | xargs md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@DEPENDS@/$depends/" \
	-e "s/@SIZE@/$((size + dirs))/" "$src/deb-control" >"$root/DEBIAN/control"
chmod 0644 "$root/DEBIAN/control"

deb=$outdir/uptrace_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
