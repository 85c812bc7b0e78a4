// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_symbols.c - symbols/: function name -> file offset, and the errors around it.
 *
 * The fixtures (tests/fixtures/, built by fixtures.mk into $UPTRACE_FIXTURES, default
 * build/fixtures) are real linked objects: a PIE, a non-PIE, a shared object, a stripped
 * -rdynamic PIE and a shared object with two versions of one function.  Expected offsets
 * are computed independently of symbols/, from `nm` addresses and `readelf -lW` segments,
 * and the bytes at each offset must be a function prologue.  Every message is captured
 * through sym_set_print() and its text is checked, along with "printed exactly once".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "symbols.h"

static const char *fixture_dir;

/* ---- captured messages ---------------------------------------------------------------- */

#include "capture.h"

/* ---- fixtures and independent expectations -------------------------------------------- */

static const char *fx(const char *name)
{
	static char buf[4][PATH_MAX];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", fixture_dir, name);
	return buf[i];
}

static struct sym_elf *open_fx(const char *name)
{
	struct sym_elf *e = NULL;

	msg_reset();
	assert_int_equal(sym_elf__open(fx(name), &e), 0);
	assert_non_null(e);
	assert_no_msg();
	return e;
}

/*
 * Address of `name` from nm (-D for .dynsym only); with `src`, only the symbol whose
 * `nm -l` location is in that source file.
 */
static uint64_t nm_addr(const char *path, const char *name, const char *src, bool dynamic)
{
	char cmd[PATH_MAX + 64], line[1024], sym[512], type;
	unsigned long long addr, found = 0;
	int n = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "nm -l --defined-only %s '%s'", dynamic ? "-D" : "", path);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %511s", &addr, &type, sym) != 3 || strcmp(sym, name))
			continue;
		if (src && !strstr(line, src))
			continue;
		found = addr;
		n++;
	}
	pclose(f);
	if (n != 1)
		fail_msg("nm: %d matches of %s in %s", n, name, path);
	return found;
}

/* File offset of addr from the PT_LOAD lines of readelf -lW. */
static uint64_t readelf_offset(const char *path, uint64_t addr)
{
	unsigned long long off, vaddr, paddr, filesz, memsz, res = 0;
	char cmd[PATH_MAX + 32], line[1024];
	int n = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "readelf -lW '%s'", path);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " LOAD 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx", &off, &vaddr, &paddr,
			   &filesz, &memsz) != 5)
			continue;
		if (addr >= vaddr && addr < vaddr + filesz) {
			res = addr - vaddr + off;
			n++;
		}
	}
	pclose(f);
	if (n != 1)
		fail_msg("readelf: %d segments hold 0x%llx in %s", n, (unsigned long long)addr,
			 path);
	return res;
}

/* An -O0 function starts with push %rbp; mov %rsp,%rbp, maybe after endbr64. */
static void assert_prologue(const char *path, uint64_t offset)
{
	static const unsigned char push_mov[] = {0x55, 0x48, 0x89, 0xe5};
	static const unsigned char endbr64[] = {0xf3, 0x0f, 0x1e, 0xfa};
	unsigned char b[8];
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, b, sizeof(b), offset), sizeof(b));
	close(fd);
#if defined(__x86_64__)
	if (!memcmp(b, endbr64, 4))
		assert_memory_equal(b + 4, push_mov, 4);
	else
		assert_memory_equal(b, push_mov, 4);
#endif
}

/* resolve `name` and check addr and offset against nm + readelf and the bytes there. */
static void check_resolve(const char *fixture, const char *name, const char *nm_name,
			  const char *src, bool dynamic)
{
	struct sym_elf *e = open_fx(fixture);
	const char *path = fx(fixture);
	struct sym_func f;
	uint64_t addr;

	addr = nm_addr(path, nm_name ? nm_name : name, src, dynamic);
	assert_int_equal(sym_elf__resolve(e, name, &f), 0);
	assert_no_msg();
	assert_int_equal(f.addr, addr);
	assert_int_equal(f.offset, readelf_offset(path, addr));
	assert_prologue(path, f.offset);
	assert_true(f.size > 0);
	sym_func__clear(&f);
	sym_elf__close(e);
}

/* ---- opening -------------------------------------------------------------------------- */

static void test_open_missing(void **state)
{
	struct sym_elf *e = (void *)1;

	msg_reset();
	assert_int_equal(sym_elf__open(fx("no-such-file"), &e), -ENOENT);
	assert_null(e);
	assert_one_msg(fx("no-such-file"), "No such file", NULL);
}

static void test_open_dir(void **state)
{
	struct sym_elf *e;

	msg_reset();
	assert_int_equal(sym_elf__open(fixture_dir, &e), -EISDIR);
	assert_null(e);
	assert_one_msg(fixture_dir, "is a directory", NULL);
}

static void test_open_not_elf(void **state)
{
	struct sym_elf *e;

	msg_reset();
	assert_int_equal(sym_elf__open(fx("not-elf.txt"), &e), -ENOEXEC);
	assert_null(e);
	assert_one_msg(fx("not-elf.txt"), ": not an ELF file", NULL);

	msg_reset();
	assert_int_equal(sym_elf__open("/dev/null", &e), -ENOEXEC);
	assert_one_msg("/dev/null", "not an ELF file", NULL);
}

static void test_open_truncated(void **state)
{
	struct sym_elf *e;

	msg_reset();
	assert_int_equal(sym_elf__open(fx("truncated.elf"), &e), -ENOEXEC);
	assert_null(e);
	assert_one_msg(fx("truncated.elf"), ": truncated ELF", NULL);
}

static void test_open_object_file(void **state)
{
	struct sym_elf *e;

	msg_reset();
	assert_int_equal(sym_elf__open(fx("symfix.o"), &e), -ENOEXEC);
	assert_one_msg(fx("symfix.o"), "relocatable object file", NULL);
}

/* A copy of symfix-pie with one header byte changed. */
static void patched_copy(char *tmp, size_t off, const void *bytes, size_t len)
{
	char buf[65536];
	int in, out;
	ssize_t n;

	in = open(fx("symfix-pie"), O_RDONLY);
	out = mkstemp(tmp);
	assert_true(in >= 0 && out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, n), n);
	assert_int_equal(pwrite(out, bytes, len, off), len);
	close(in);
	close(out);
}

static void test_open_wrong_machine(void **state)
{
#if defined(__x86_64__)
	char tmp[] = "/tmp/uptrace-symt-XXXXXX";
	uint16_t aarch64 = EM_AARCH64; /* little-endian host, little-endian ELF */
	unsigned char class32 = ELFCLASS32;
	struct sym_elf *e;

	patched_copy(tmp, offsetof(Elf64_Ehdr, e_machine), &aarch64, sizeof(aarch64));
	msg_reset();
	assert_int_equal(sym_elf__open(tmp, &e), -ENOEXEC);
	assert_one_msg(tmp, ": ELF for machine aarch64, this is x86-64", NULL);
	unlink(tmp);

	strcpy(tmp, "/tmp/uptrace-symt-XXXXXX");
	patched_copy(tmp, EI_CLASS, &class32, 1);
	msg_reset();
	assert_int_equal(sym_elf__open(tmp, &e), -ENOEXEC);
	assert_one_msg(tmp, ": 32-bit ELF, this is a 64-bit x86-64", NULL);
	unlink(tmp);
#else
	skip();
#endif
}

/* 0 when opening `path` fails with -EACCES and one message naming it and the reason. */
static int open_denied(const char *path)
{
	struct sym_elf *e;

	msg_reset();
	if (sym_elf__open(path, &e) != -EACCES)
		return 1;
	return msg_count == 1 && strstr(msg, path) && strstr(msg, "Permission denied") ? 0 : 2;
}

static void test_open_no_permission(void **state)
{
	char tmp[] = "/tmp/uptrace-symt-XXXXXX";
	int fd, status;
	pid_t pid;

	fd = mkstemp(tmp);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chmod(tmp, 0), 0);
	if (geteuid() != 0) {
		assert_int_equal(open_denied(tmp), 0);
	} else {
		/* root reads anything: check as nobody, in a child */
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			_exit(setgid(65534) || setuid(65534) ? 3 : open_denied(tmp));
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	unlink(tmp);
}

static void test_is_dyn(void **state)
{
	static const struct {
		const char *name;
		bool dyn;
	} cases[] = {
		{"symfix-pie", true},
		{"symfix-nopie", false},
		{"libsymfix.so", true},
		{"symfix-stripped", true},
	};
	struct sym_elf *e;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		e = open_fx(cases[i].name);
		assert_int_equal(sym_elf__is_dyn(e), cases[i].dyn);
		assert_string_equal(sym_elf__path(e), fx(cases[i].name));
		sym_elf__close(e);
	}
	sym_elf__close(NULL);
}

/* ---- offsets -------------------------------------------------------------------------- */

static void test_offset_pie(void **state)
{
	check_resolve("symfix-pie", "fix_alpha", NULL, NULL, false);
	check_resolve("symfix-pie", "fix_beta", NULL, NULL, false);
	check_resolve("symfix-pie", "main", NULL, NULL, false);
}

static void test_offset_nopie(void **state)
{
	struct sym_elf *e;
	struct sym_func f;

	check_resolve("symfix-nopie", "fix_alpha", NULL, NULL, false);
	check_resolve("symfix-nopie", "fix_gamma", NULL, NULL, false);

	/* Absolute link-time addresses, file offsets well below them. */
	e = open_fx("symfix-nopie");
	assert_int_equal(sym_elf__resolve(e, "fix_alpha", &f), 0);
	assert_true(f.addr >= 0x400000);
	assert_true(f.offset < 0x400000);
	sym_func__clear(&f);
	sym_elf__close(e);
}

static void test_offset_shared(void **state)
{
	check_resolve("libsymfix.so", "fix_alpha", NULL, NULL, false);
	check_resolve("libsymfix.so", "fix_alloc", NULL, NULL, false);
	check_resolve("libsymfix.so", "dup_static", NULL, NULL, false);
}

static void test_offset_stripped(void **state)
{
	check_resolve("symfix-stripped", "fix_alpha", NULL, NULL, true);
	check_resolve("symfix-stripped", "fix_weak", NULL, NULL, true);
}

static void test_addr_to_offset(void **state)
{
	struct sym_elf *e = open_fx("symfix-pie");
	struct sym_func f;
	uint64_t off;

	assert_int_equal(sym_elf__resolve(e, "fix_beta", &f), 0);
	assert_int_equal(sym_elf__addr_to_offset(e, f.addr, &off), 0);
	assert_int_equal(off, f.offset);
	assert_no_msg();
	assert_int_equal(sym_elf__addr_to_offset(e, 0xdead00000000ull, &off), -ENOENT);
	assert_one_msg(fx("symfix-pie"), "0xdead00000000", NULL);
	sym_func__clear(&f);
	sym_elf__close(e);
}

/* ---- aliases, globs, binding ---------------------------------------------------------- */

static void test_alias_one_function(void **state)
{
	struct sym_elf *e = open_fx("symfix-pie");
	struct sym_func a, t, *fs;
	size_t n;

	assert_int_equal(sym_elf__resolve(e, "fix_alias", &a), 0);
	assert_int_equal(sym_elf__resolve(e, "fix_target", &t), 0);
	assert_string_equal(a.name, "fix_alias");
	assert_string_equal(t.name, "fix_target");
	assert_int_equal(a.addr, t.addr);
	assert_int_equal(a.offset, t.offset);

	/* Both names match the glob, at one address: one function. */
	assert_int_equal(sym_elf__find(e, "fix_[at]*", &fs, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(fs[0].name, "fix_alias");
	assert_int_equal(fs[0].offset, t.offset);
	assert_string_equal(fs[1].name, "fix_alloc");
	assert_string_equal(fs[2].name, "fix_alpha");
	assert_no_msg();
	sym_funcs__free(fs, n);
	sym_func__clear(&a);
	sym_func__clear(&t);
	sym_elf__close(e);
}

/* The same symbol in .dynsym and .symtab is one function, marked as exported. */
static void test_dynsym_and_symtab_one(void **state)
{
	struct sym_elf *e = open_fx("libsymfix.so");
	struct sym_func *fs;
	size_t n;

	assert_int_equal(sym_elf__find(e, "fix_alpha", &fs, &n), 0);
	assert_int_equal(n, 1);
	assert_true(fs[0].dynsym);
	assert_int_equal(fs[0].bind, STB_GLOBAL);
	assert_int_equal(fs[0].type, STT_FUNC);
	assert_null(fs[0].file);
	assert_null(fs[0].version);
	sym_funcs__free(fs, n);
	sym_elf__close(e);
}

static void test_glob_count(void **state)
{
	static const char *const want[] = {"fix_alias", "fix_alloc", "fix_alpha",
					   "fix_beta",	"fix_gamma", "fix_weak"};
	static const char *const objs[] = {"symfix-pie", "symfix-nopie", "libsymfix.so",
					   "symfix-stripped"};
	struct sym_func *fs;
	struct sym_elf *e;
	size_t n, i, j;

	for (j = 0; j < sizeof(objs) / sizeof(objs[0]); j++) {
		e = open_fx(objs[j]);
		assert_int_equal(sym_elf__find(e, "fix_*", &fs, &n), 0);
		assert_int_equal(n, 6);
		for (i = 0; i < n; i++) {
			assert_string_equal(fs[i].name, want[i]);
			assert_int_equal(fs[i].offset, readelf_offset(fx(objs[j]), fs[i].addr));
		}
		sym_funcs__free(fs, n);

		assert_int_equal(sym_elf__find(e, "fix_?eta", &fs, &n), 0);
		assert_int_equal(n, 1);
		assert_string_equal(fs[0].name, "fix_beta");
		sym_funcs__free(fs, n);
		assert_no_msg();
		sym_elf__close(e);
	}
}

static void test_find_no_match(void **state)
{
	struct sym_elf *e = open_fx("symfix-pie");
	struct sym_func *fs = (void *)1;
	size_t n = 99;

	assert_int_equal(sym_elf__find(e, "nothing_like_this_*", &fs, &n), 0);
	assert_int_equal(n, 0);
	assert_null(fs);
	/* Imports are not functions of this object. */
	assert_int_equal(sym_elf__find(e, "puts", &fs, &n), 0);
	assert_int_equal(n, 0);
	assert_no_msg();
	sym_elf__close(e);
}

static void test_weak(void **state)
{
	struct sym_elf *e = open_fx("symfix-pie");
	struct sym_func f;

	assert_int_equal(sym_elf__resolve(e, "fix_weak", &f), 0);
	assert_int_equal(f.bind, STB_WEAK);
	sym_func__clear(&f);
	sym_elf__close(e);
}

static void test_glob_in_resolve(void **state)
{
	struct sym_elf *e = open_fx("symfix-pie");
	struct sym_func f;

	assert_int_equal(sym_elf__resolve(e, "fix_*", &f), -EINVAL);
	assert_one_msg("'fix_*' is a glob", NULL);
	assert_null(f.name);
	sym_elf__close(e);
}

static void test_is_glob(void **state)
{
	assert_true(sym_is_glob("fix_*"));
	assert_true(sym_is_glob("fix_?"));
	assert_true(sym_is_glob("fix_[ab]"));
	assert_false(sym_is_glob("fix_alpha"));
	assert_false(sym_is_glob("malloc@@GLIBC_2.2.5"));
}

/* ---- duplicates ----------------------------------------------------------------------- */

static void test_ambiguous_static(void **state)
{
	const char *path = fx("symfix-pie");
	char a1[32], a2[32];
	struct sym_elf *e = open_fx("symfix-pie");
	struct sym_func f, *fs;
	size_t n;

	snprintf(a1, sizeof(a1), "0x%llx",
		 (unsigned long long)nm_addr(path, "dup_static", "symfix.c", false));
	snprintf(a2, sizeof(a2), "0x%llx",
		 (unsigned long long)nm_addr(path, "dup_static", "symfix2.c", false));
	assert_int_equal(sym_elf__resolve(e, "dup_static", &f), -ENOTUNIQ);
	assert_one_msg(path, "'dup_static' is ambiguous", "dup_static@symfix.c (",
		       "dup_static@symfix2.c (", a1, a2, "e.g. 'dup_static@symfix.c'", NULL);
	assert_null(f.name);

	msg_reset();
	assert_int_equal(sym_elf__find(e, "dup_static", &fs, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(fs[0].file, "symfix.c");
	assert_string_equal(fs[1].file, "symfix2.c");
	assert_int_equal(fs[0].bind, STB_LOCAL);
	assert_false(fs[0].dynsym);
	assert_no_msg();
	sym_funcs__free(fs, n);
	sym_elf__close(e);
}

static void test_pick_by_file(void **state)
{
	struct sym_elf *e = open_fx("symfix-pie");
	struct sym_func f;
	char name[64];

	check_resolve("symfix-pie", "dup_static@symfix2.c", "dup_static", "symfix2.c", false);
	check_resolve("symfix-pie", "dup_static@symfix.c", "dup_static", "symfix.c", false);
	check_resolve("symfix-nopie", "dup_static@symfix2.c", "dup_static", "symfix2.c", false);

	assert_int_equal(sym_elf__resolve(e, "dup_static@symfix2.c", &f), 0);
	assert_string_equal(f.name, "dup_static");
	assert_string_equal(f.file, "symfix2.c");
	assert_int_equal(f.bind, STB_LOCAL);

	/* ...and by address, the way of last resort. */
	snprintf(name, sizeof(name), "dup_static@0x%llx", (unsigned long long)f.addr);
	sym_func__clear(&f);
	assert_int_equal(sym_elf__resolve(e, name, &f), 0);
	assert_string_equal(f.file, "symfix2.c");
	sym_func__clear(&f);

	/* A file that has no such function: the message offers the ones that exist. */
	assert_int_equal(sym_elf__resolve(e, "dup_static@nosuch.c", &f), -ENOENT);
	assert_one_msg("no function 'dup_static@nosuch.c' (close: dup_static@symfix.c, "
		       "dup_static@symfix2.c)\n",
		       NULL);
	sym_elf__close(e);
}

/* ---- missing -------------------------------------------------------------------------- */

static void test_imported_only(void **state)
{
	static const char *const objs[] = {"symfix-pie", "symfix-stripped", "libsymfix.so"};
	struct sym_elf *e;
	struct sym_func f;
	size_t i;

	for (i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		e = open_fx(objs[i]);
		assert_int_equal(sym_elf__resolve(e, "puts", &f), -ENOENT);
		assert_one_msg("function 'puts' is imported by ", fx(objs[i]),
			       ", not defined in it", "libc.so.6", NULL);
		msg_reset();
		assert_int_equal(sym_elf__resolve(e, "malloc", &f), -ENOENT);
		assert_one_msg("'malloc' is imported", "libc.so.6", NULL);
		sym_elf__close(e);
	}
}

static void test_not_found_close_names(void **state)
{
	struct sym_elf *e = open_fx("symfix-pie");
	char want[PATH_MAX + 64];
	struct sym_func f;

	assert_int_equal(sym_elf__resolve(e, "fix_alpah", &f), -ENOENT);
	assert_one_msg(fx("symfix-pie"), ": no function 'fix_alpah' (close: fix_alpha, ", NULL);

	/* Distance 1 first, then the rest; names are not repeated. */
	msg_reset();
	assert_int_equal(sym_elf__resolve(e, "fix_bet", &f), -ENOENT);
	assert_one_msg("no function 'fix_bet' (close: fix_beta", NULL);

	msg_reset();
	assert_int_equal(sym_elf__resolve(e, "fix", &f), -ENOENT);
	assert_one_msg("no function 'fix' (close: ", "fix_beta", "fix_weak", NULL);
	assert_null(strstr(strstr(msg, "fix_beta") + 1, "fix_beta"));

	msg_reset();
	assert_int_equal(sym_elf__resolve(e, "zzqqxx_nothing", &f), -ENOENT);
	snprintf(want, sizeof(want), "%s: no function 'zzqqxx_nothing'\n", fx("symfix-pie"));
	assert_string_equal(msg, want);
	assert_int_equal(msg_count, 1);
	sym_elf__close(e);
}

static void test_stripped_dynsym_only(void **state)
{
	struct sym_elf *e = open_fx("symfix-stripped");
	struct sym_func f, *fs;
	size_t n, i;

	assert_int_equal(sym_elf__resolve(e, "fix_alpha", &f), 0);
	assert_true(f.dynsym);
	sym_func__clear(&f);

	assert_int_equal(sym_elf__find(e, "fix_*", &fs, &n), 0);
	for (i = 0; i < n; i++)
		assert_true(fs[i].dynsym);
	sym_funcs__free(fs, n);

	/* Locals went with .symtab. */
	assert_int_equal(sym_elf__resolve(e, "dup_static", &f), -ENOENT);
	assert_one_msg("no function 'dup_static'", NULL);
	sym_elf__close(e);
}

/* A separate debug file has the symbols but not the code: say so, not "no function". */
static void test_debug_file(void **state)
{
	struct sym_elf *e = open_fx("symfix.debug");
	struct sym_func f, *fs;
	size_t n;

	assert_int_equal(sym_elf__resolve(e, "fix_alpha", &f), -ENOENT);
	assert_one_msg(fx("symfix.debug"), ": function 'fix_alpha' has no code in this file",
		       "separate debug file", NULL);
	msg_reset();
	assert_int_equal(sym_elf__find(e, "fix_*", &fs, &n), 0);
	assert_int_equal(n, 0);
	assert_no_msg();
	sym_elf__close(e);
}

/* ---- versions ------------------------------------------------------------------------- */

static void test_versions(void **state)
{
	const char *path = fx("libsymver.so");
	struct sym_elf *e = open_fx("libsymver.so");
	uint64_t v1 = nm_addr(path, "fix_ver@VER_1", NULL, true);
	uint64_t v2 = nm_addr(path, "fix_ver@@VER_2", NULL, true);
	static const struct {
		const char *name;
		const char *ver;
	} ok[] = {
		{"fix_ver", "VER_2"},	    {"fix_ver@@VER_2", "VER_2"},
		{"fix_ver@VER_2", "VER_2"}, {"fix_ver@VER_1", "VER_1"},
		{"fix_plain", "VER_1"},	    {"fix_plain@@VER_1", "VER_1"},
	};
	struct sym_func f, *fs;
	size_t i, n;

	assert_int_not_equal(v1, v2);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(sym_elf__resolve(e, ok[i].name, &f), 0);
		assert_string_equal(f.name, ok[i].name[4] == 'v' ? "fix_ver" : "fix_plain");
		assert_string_equal(f.version, ok[i].ver);
		if (!strcmp(f.name, "fix_ver"))
			assert_int_equal(f.addr, !strcmp(ok[i].ver, "VER_1") ? v1 : v2);
		assert_int_equal(f.offset, readelf_offset(path, f.addr));
		assert_true(f.dynsym);
		sym_func__clear(&f);
	}
	assert_no_msg();

	/* VER_1 is not the default version. */
	assert_int_equal(sym_elf__resolve(e, "fix_ver@@VER_1", &f), -ENOENT);
	assert_one_msg("no function 'fix_ver@@VER_1' (close: ", "fix_ver@@VER_2", "fix_ver@VER_1",
		       NULL);

	/* A glob or a plain name sees the default version only. */
	msg_reset();
	assert_int_equal(sym_elf__find(e, "fix_*", &fs, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(fs[0].name, "fix_plain");
	assert_string_equal(fs[1].name, "fix_ver");
	assert_int_equal(fs[1].addr, v2);
	sym_funcs__free(fs, n);
	assert_int_equal(sym_elf__find(e, "fix_ver@VER_1", &fs, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(fs[0].addr, v1);
	sym_funcs__free(fs, n);
	assert_no_msg();
	sym_elf__close(e);
}

/* The real thing: this process's libc, found through a function no sanitizer wraps. */
static void test_libc(void **state)
{
	struct sym_func a, b, c;
	struct sym_elf *e;
	Dl_info info;

	if (!dladdr((void *)gnu_get_libc_version, &info) || !info.dli_fname)
		skip();
	msg_reset();
	assert_int_equal(sym_elf__open(info.dli_fname, &e), 0);
	assert_int_equal(sym_elf__resolve(e, "malloc", &a), 0);
	assert_int_equal(sym_elf__resolve(e, "malloc@GLIBC_2.2.5", &b), 0);
	assert_int_equal(sym_elf__resolve(e, "malloc@@GLIBC_2.2.5", &c), 0);
	assert_no_msg();
	assert_int_equal(a.offset, b.offset);
	assert_int_equal(a.offset, c.offset);
	assert_string_equal(a.version, "GLIBC_2.2.5");
	assert_true(a.dynsym);
	sym_func__clear(&a);
	sym_func__clear(&b);
	sym_func__clear(&c);

#if defined(__x86_64__)
	/* memcpy@GLIBC_2.2.5 is an old, hidden version; plain memcpy is @@GLIBC_2.14. */
	assert_int_equal(sym_elf__resolve(e, "memcpy", &a), 0);
	assert_string_equal(a.version, "GLIBC_2.14");
	assert_int_equal(a.type, STT_GNU_IFUNC);
	assert_int_equal(sym_elf__resolve(e, "memcpy@GLIBC_2.2.5", &b), 0);
	assert_int_not_equal(a.addr, b.addr);
	sym_func__clear(&a);
	sym_func__clear(&b);
#endif
	assert_no_msg();
	sym_elf__close(e);
}

static void test_print_hook(void **state)
{
	sym_print_fn old = sym_set_print(NULL);
	struct sym_elf *e;

	assert_ptr_equal(old, capture);
	msg_reset();
	assert_int_equal(sym_elf__open(fx("no-such-file"), &e), -ENOENT);
	assert_no_msg();
	assert_ptr_equal(sym_set_print(old), NULL);
}

static int setup(void **state)
{
	return capture_setup("test_symbols", &fixture_dir);
}

/* C++: demangled names match (globs too), the mangled one still does, overloads are one
 * name at two addresses. */
static void test_cxx_names(void **state)
{
	struct sym_elf *e = open_fx("cxx-O0");
	struct sym_func *f, one;
	size_t n;

	(void)state;
	assert_int_equal(sym_elf__find(e, "ns::Conn::*", &f, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(f[0].name, "ns::Conn::flush");
	assert_string_equal(f[1].name, "ns::Conn::send");
	assert_string_equal(f[2].name, "ns::Conn::send");
	assert_true(f[1].addr != f[2].addr);
	sym_funcs__free(f, n);
	assert_int_equal(sym_elf__resolve(e, "ns::Conn::flush", &one), 0);
	assert_string_equal(one.name, "ns::Conn::flush");
	sym_func__clear(&one);
	assert_int_equal(sym_elf__resolve(e, "_ZN2ns4Conn4sendEi", &one), 0);
	assert_string_equal(one.name, "_ZN2ns4Conn4sendEi");
	sym_func__clear(&one);
	msg_reset();
	assert_int_equal(sym_elf__resolve(e, "ns::Conn::send", &one), -ENOTUNIQ);
	assert_int_equal(msg_count, 1);
	assert_non_null(strstr(msg, "(ns::Conn::send(int), "));
	assert_non_null(strstr(msg, "(ns::Conn::send(char const*, unsigned long), "));
	sym_elf__close(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_missing),
		cmocka_unit_test(test_open_dir),
		cmocka_unit_test(test_open_not_elf),
		cmocka_unit_test(test_open_truncated),
		cmocka_unit_test(test_open_object_file),
		cmocka_unit_test(test_open_wrong_machine),
		cmocka_unit_test(test_open_no_permission),
		cmocka_unit_test(test_is_dyn),
		cmocka_unit_test(test_offset_pie),
		cmocka_unit_test(test_offset_nopie),
		cmocka_unit_test(test_offset_shared),
		cmocka_unit_test(test_offset_stripped),
		cmocka_unit_test(test_addr_to_offset),
		cmocka_unit_test(test_alias_one_function),
		cmocka_unit_test(test_dynsym_and_symtab_one),
		cmocka_unit_test(test_glob_count),
		cmocka_unit_test(test_find_no_match),
		cmocka_unit_test(test_weak),
		cmocka_unit_test(test_glob_in_resolve),
		cmocka_unit_test(test_is_glob),
		cmocka_unit_test(test_ambiguous_static),
		cmocka_unit_test(test_pick_by_file),
		cmocka_unit_test(test_imported_only),
		cmocka_unit_test(test_not_found_close_names),
		cmocka_unit_test(test_stripped_dynsym_only),
		cmocka_unit_test(test_debug_file),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_libc),
		cmocka_unit_test(test_print_hook),
		cmocka_unit_test(test_cxx_names),
	};

	return cmocka_run_group_tests_name("symbols", tests, setup, NULL);
}
