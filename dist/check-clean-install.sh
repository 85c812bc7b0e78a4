#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# check-clean-install.sh DEB - install DEB with apt into a fresh Debian 12 (debootstrap
# minbase: no build tools, no libraries beyond the base) and run it there: --version, -l,
# and a real trace of /bin/ls's malloc calls (the chroot shares this kernel's BPF).
# Needs root, debootstrap and a Debian mirror (MIRROR, default deb.debian.org); about a
# minute.  `make deb-check` runs it on the package `make deb` built.
set -euo pipefail
deb=$(realpath "$1")
mirror=${MIRROR:-http://deb.debian.org/debian}
root=$(mktemp -d /tmp/uptrace-deb12.XXXXXX)
cleanup() {
	umount "$root/sys" "$root/proc" 2>/dev/null || true
	rm -rf "$root"
}
trap cleanup EXIT
echo "debootstrap bookworm (minbase) into $root"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 ||
	{ tail -5 "$root.log"; exit 1; }
rm -f "$root.log"
cp "$deb" "$root/tmp/"
mount --bind /proc "$root/proc"
mount --bind /sys "$root/sys"
chroot "$root" bash -euo pipefail -c '
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq /tmp/*.deb >/tmp/apt.log 2>&1 || { tail -5 /tmp/apt.log; exit 1; }
	echo "installed: $(dpkg-query -W -f "\${Package} \${Version}" uptrace)"
	uptrace --version
	uptrace -l /bin/bash "readline" | grep -qx "char \*readline(const char \*prompt)  /\* built-in prototype \*/"
	echo "-l: the built-in prototype of bash readline"
	uptrace -n 2 -c "/bin/ls /" libc:malloc >/tmp/ev 2>/tmp/err
	[ "$(grep -c "\"function\":\"malloc\"" /tmp/ev)" = 2 ] || { cat /tmp/err; exit 1; }
	echo "traced: $(tail -1 /tmp/ev)"
	test -f /usr/share/man/man1/uptrace.1.gz
	test -f /usr/share/bash-completion/completions/uptrace
	dpkg -r uptrace >/dev/null
	for f in /usr/bin/uptrace /usr/share/man/man1/uptrace.1.gz \
		/usr/share/bash-completion/completions/uptrace; do
		if [ -e "$f" ]; then echo "$f left after dpkg -r"; exit 1; fi
	done
	echo "removed"
'
echo "deb-check: $(basename "$deb") installs, runs and traces on a fresh Debian 12"
