#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# gen_big.sh OUT N - build OUT, a large program with DWARF for the attach-time benchmark:
# N functions fn_0 .. fn_{N-1}, each with its own struct type, parameters and locals, so
# that the binary carries tens of MB of .debug_info like a real large C program.  The
# source is split into one file per 2000 functions, compiled in parallel at -O0 -g (fast
# to build; what is measured is reading the ELF, not the code).
set -eu
out=$1
n=${2:-30000}
per=2000
src=$out.src
rm -rf "$src"
mkdir -p "$src"

gen_chunk() { # first last
	awk -v first="$1" -v last="$2" 'BEGIN {
		print "#include <stddef.h>"
		print "extern volatile long big_sink;"
		for (i = first; i < last; i++) {
			printf "struct rec_%d {\n\tint id;\n\tunsigned flags;\n\tlong count;\n", i
			printf "\tdouble ratio;\n\tchar name[24];\n\tconst char *tag;\n\tsize_t tag_len;\n"
			printf "\tstruct rec_%d *next, *prev;\n\tvoid *data;\n\tshort kind;\n", i
			printf "\tunsigned char level, facility;\n\tlong long ts_sec, ts_nsec;\n"
			printf "\tunion { int i; float f; void *p; } u;\n\tenum { R%d_A, R%d_B, R%d_C } state;\n};\n", i, i, i
			printf "int fn_%d(struct rec_%d *r, const char *buf, size_t len, int mode)\n", i, i
			printf "{\n\tsize_t i;\n\tint acc = %d;\n\tlong total = r ? r->count : 0;\n", i
			printf "\tfor (i = 0; i < len && i < 8; i++)\n\t\tacc += buf[i] ^ (r ? r->id : mode);\n"
			printf "\tif (r && r->next)\n\t\ttotal += r->next->count + r->tag_len;\n"
			printf "\tbig_sink += total;\n\treturn acc + mode;\n}\n"
		}
	}'
}

files=()
for ((first = 0; first < n; first += per)); do
	last=$((first + per < n ? first + per : n))
	gen_chunk "$first" "$last" >"$src/chunk_$first.c"
	files+=("$src/chunk_$first.c")
done
cat >"$src/main.c" <<MAIN
#include <stddef.h>
volatile long big_sink;
int fn_0(void *r, const char *buf, size_t len, int mode);
int main(int argc, char **argv)
{
	return argc > 1 ? fn_0(NULL, argv[0], 4, argc) & 1 : 0;
}
MAIN
files+=("$src/main.c")
printf '%s\n' "${files[@]}" |
	xargs -P "$(nproc)" -I{} "${CC:-cc}" -std=gnu11 -O0 -g -w -c {} -o {}.o
"${CC:-cc}" "${files[@]/%/.o}" -o "$out"
rm -rf "$src"
