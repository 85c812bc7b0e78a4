// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_elf.c - libFuzzer target: the ELF symbol reader (symbols/elf.c, symbols/lookup.c).
 *
 * The input is the file.  It is written to a memfd that is opened by its /proc/self/fd
 * path, so sym_elf__open() goes through the same open/fstat/pread/libelf-mmap path as for
 * a binary on disk.  Then every function is listed with sym_elf__find("*") and a few names
 * are resolved: names the listing found, and fixed names that exercise the error reports
 * (versions, @file.c, @0xADDR, close names, a glob).  Each run checks, on top of what ASan,
 * UBSan and LeakSanitizer catch (libelf itself is not instrumented):
 *  - every failure returns a negative errno and prints exactly one message, a success none;
 *    every message ends in '\n' (messages are formatted, through the sym_set_print() hook,
 *    into a buffer and dropped, so the format arguments are exercised but nothing shows);
 *  - sym_elf__find() results are sorted by name then address, one per address, each with
 *    a name and the file offset sym_elf__addr_to_offset() gives for its address;
 *  - a name the listing shows twice does not resolve (-ENOTUNIQ); a name it shows once
 *    resolves to that function or is ambiguous through an alias, and is never "missing".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "symbols.h"

static int fuzz_elf_msgs;
static bool fuzz_elf_bad_msg;

static void fuzz_elf_print(const char *fmt, va_list ap)
{
	char buf[8192];
	int n;

	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	fuzz_elf_msgs++;
	/* A message longer than the buffer is cut; only a complete one must end in '\n'. */
	if (n <= 0 || ((size_t)n < sizeof(buf) && buf[n - 1] != '\n'))
		fuzz_elf_bad_msg = true;
}

/* The memfd holding the input, and the path sym_elf__open() is given. */
static const char *fuzz_elf_file(const uint8_t *data, size_t size)
{
	static char path[64];
	static int fd = -1;
	size_t done = 0;
	ssize_t n;

	if (fd < 0) {
		fd = memfd_create("fuzz-elf", 0);
		FUZZ_CHECK(fd >= 0, "memfd_create: %s", strerror(errno));
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		sym_set_print(fuzz_elf_print);
	}
	FUZZ_CHECK(!ftruncate(fd, 0), "ftruncate: %s", strerror(errno));
	while (done < size) {
		n = pwrite(fd, data + done, size - done, (off_t)done);
		FUZZ_CHECK(n > 0, "pwrite: %s", strerror(errno));
		done += (size_t)n;
	}
	return path;
}

/* Run one call; check it printed one message when it failed, none when it did not. */
#define FUZZ_ELF_CALL(err, call)                                                       \
	do {                                                                           \
		fuzz_elf_msgs = 0;                                                     \
		(err) = (call);                                                        \
		FUZZ_CHECK((err) <= 0, "%s = %d", #call, (err));                       \
		FUZZ_CHECK(fuzz_elf_msgs == ((err) ? 1 : 0), "%s = %d with %d messages", \
			   #call, (err), fuzz_elf_msgs);                               \
		FUZZ_CHECK(!fuzz_elf_bad_msg, "%s: a message not ending in a newline", #call); \
	} while (0)

static void fuzz_elf_check_list(struct sym_elf *e, const struct sym_func *f, size_t n)
{
	uint64_t off;
	size_t i, j;
	int err;

	for (i = 0; i < n; i++) {
		FUZZ_CHECK(f[i].name, "function %zu has no name", i);
		FUZZ_ELF_CALL(err, sym_elf__addr_to_offset(e, f[i].addr, &off));
		FUZZ_CHECK(!err && off == f[i].offset, "%s: offset 0x%llx, not 0x%llx", f[i].name,
			   (unsigned long long)f[i].offset, (unsigned long long)off);
		FUZZ_CHECK(!i || strcmp(f[i - 1].name, f[i].name) < 0 ||
				   (!strcmp(f[i - 1].name, f[i].name) && f[i - 1].addr < f[i].addr),
			   "functions %zu and %zu out of order", i - 1, i);
	}
	/* One function per address: aliases collapse.  Quadratic, but lists are short. */
	for (i = 0; i < n && n <= 4096; i++)
		for (j = i + 1; j < n; j++)
			FUZZ_CHECK(f[i].addr != f[j].addr, "%s and %s both at 0x%llx", f[i].name,
				   f[j].name, (unsigned long long)f[i].addr);
}

/* Resolve a name the listing shows (list[i]) and compare with the listing. */
static void fuzz_elf_resolve_listed(struct sym_elf *e, const struct sym_func *f, size_t n,
				    size_t i)
{
	const char *name = f[i].name;
	struct sym_func out;
	size_t k, same = 0;
	int err;

	if (strpbrk(name, "@*?["))
		return; /* not a plain name: means something else to resolve */
	for (k = 0; k < n; k++)
		same += !strcmp(f[k].name, name);
	FUZZ_ELF_CALL(err, sym_elf__resolve(e, name, &out));
	FUZZ_CHECK(!err || err == -ENOTUNIQ, "listed '%s' resolves to %d", name, err);
	FUZZ_CHECK(same == 1 || err == -ENOTUNIQ, "'%s' is listed %zu times, yet resolves", name,
		   same);
	if (!err) {
		for (k = 0; k < n; k++)
			if (!strcmp(f[k].name, name) && f[k].addr == out.addr &&
			    f[k].offset == out.offset)
				break;
		FUZZ_CHECK(k < n, "'%s' resolves to 0x%llx, not to the listed function", name,
			   (unsigned long long)out.addr);
	}
	sym_func__clear(&out);
}

int fuzz_elf_one(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"main", "fix_alpah", "fix_ver@VER_1", "fix_ver@@VER_2", "dup_static@symfix2.c",
		"fix_target@0x1139", "malloc", "x",
	};
	const char *path = fuzz_elf_file(data, size);
	struct sym_func *f = NULL, out;
	struct sym_elf *e = NULL;
	size_t n = 0, i;
	int err;

	fuzz_elf_bad_msg = false;
	FUZZ_ELF_CALL(err, sym_elf__open(path, &e));
	if (err) {
		FUZZ_CHECK(!e, "a failed open returned an object");
		return 0;
	}
	sym_elf__is_dyn(e);

	FUZZ_ELF_CALL(err, sym_elf__find(e, "*", &f, &n));
	FUZZ_CHECK(!err || !n, "find failed with %zu results", n);
	fuzz_elf_check_list(e, f, n);
	if (n) {
		fuzz_elf_resolve_listed(e, f, n, 0);
		fuzz_elf_resolve_listed(e, f, n, n / 2);
		fuzz_elf_resolve_listed(e, f, n, n - 1);
	}
	sym_funcs__free(f, n);

	FUZZ_ELF_CALL(err, sym_elf__find(e, "fix_*", &f, &n));
	sym_funcs__free(f, n);
	FUZZ_ELF_CALL(err, sym_elf__find(e, "fix_ver@VER_1", &f, &n));
	sym_funcs__free(f, n);

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		FUZZ_ELF_CALL(err, sym_elf__resolve(e, names[i], &out));
		sym_func__clear(&out);
	}
	FUZZ_ELF_CALL(err, sym_elf__resolve(e, "fix_*", &out));
	FUZZ_CHECK(err == -EINVAL, "a glob resolved: %d", err);

	sym_elf__close(e);
	return 0;
}

#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_elf_one(data, size);
}
#endif
