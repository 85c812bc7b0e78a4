// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_target.c - symbols/target.c: a pid's executable and mapped objects, library names.
 *
 * Expectations are computed without target.c: paths with realpath(3), identities with
 * stat(2), the extent of a mapped object from its ELF program headers (and, for our own
 * libc, from dl_iterate_phdr's load base).  Children are real processes: /bin/sleep, a
 * copy of it under a name with spaces that is then deleted, a zombie, and a process in a
 * mount namespace of its own whose executable, libraries and /etc/ld.so.cache exist only
 * there.  ld.so.cache parsing is tested on files written here, byte by byte, including
 * every truncation of a good file and single-byte corruptions (run it under ASan).
 * Every message is captured through sym_set_print() and checked, and so is "exactly one".
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
#include <link.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "target.h"
#include "symbols.h"

#define LIBC_PATH "/lib/x86_64-linux-gnu/libc.so.6"
#define LIBM_PATH "/lib/x86_64-linux-gnu/libm.so.6"

/* Room for "/proc/PID/root" + a path */
#define ROOTED_MAX (PATH_MAX + 32)

/* ---- captured messages ---------------------------------------------------------------- */

#include "capture.h"

/* ---- children and temporary files, cleaned up even when a test fails ------------------ */

static pid_t kids[8];
static char tmp_files[8][PATH_MAX];
static char tmp_dirs[4][PATH_MAX];

static void track_kid(pid_t pid)
{
	for (size_t i = 0; i < 8; i++)
		if (!kids[i]) {
			kids[i] = pid;
			return;
		}
	fail_msg("too many children");
}

static void reap(pid_t pid)
{
	for (size_t i = 0; i < 8; i++)
		if (kids[i] == pid) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			kids[i] = 0;
		}
}

static const char *track_file(const char *path)
{
	for (size_t i = 0; i < 8; i++)
		if (!tmp_files[i][0]) {
			snprintf(tmp_files[i], PATH_MAX, "%s", path);
			return tmp_files[i];
		}
	fail_msg("too many temporary files");
	return NULL;
}

/* A fresh directory under /tmp (the template's XXXXXX filled in), removed at teardown. */
static const char *make_tmp_dir(const char *template)
{
	for (size_t i = 0; i < 4; i++)
		if (!tmp_dirs[i][0]) {
			snprintf(tmp_dirs[i], PATH_MAX, "%s", template);
			if (!mkdtemp(tmp_dirs[i]))
				fail_msg("mkdtemp %s: %s", template, strerror(errno));
			return tmp_dirs[i];
		}
	fail_msg("too many temporary directories");
	return NULL;
}

static int cleanup(void **state)
{
	for (size_t i = 0; i < 8; i++)
		if (kids[i])
			reap(kids[i]);
	for (size_t i = 0; i < 8; i++)
		if (tmp_files[i][0]) {
			unlink(tmp_files[i]);
			tmp_files[i][0] = '\0';
		}
	for (size_t i = 4; i-- > 0;)
		if (tmp_dirs[i][0]) {
			rmdir(tmp_dirs[i]);
			tmp_dirs[i][0] = '\0';
		}
	return 0;
}

/*
 * Start argv[0] and return once it runs the new program: the pipe is close-on-exec, so
 * EOF means exec succeeded, an int means it failed.
 */
static pid_t spawn(char *const argv[])
{
	int fds[2], err = 0;
	ssize_t len;
	pid_t pid;

	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		close(fds[0]);
		execv(argv[0], argv);
		err = errno;
		if (write(fds[1], &err, sizeof(err)) < 0)
			_exit(126);
		_exit(127);
	}
	track_kid(pid);
	close(fds[1]);
	len = read(fds[0], &err, sizeof(err));
	close(fds[0]);
	if (len > 0)
		fail_msg("exec %s: %s", argv[0], strerror(err));
	return pid;
}

/*
 * Wait until a spawned sleep(1) sleeps: exec has replaced the executable by then, but
 * ld.so maps the libraries afterwards, so the mappings are complete only now.
 */
static void wait_sleeping(pid_t pid)
{
	char path[64], buf[64];
	long nr;

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	for (int i = 0; i < 500; i++) {
		FILE *f = fopen(path, "r");

		if (f && fgets(buf, sizeof(buf), f) && sscanf(buf, "%ld", &nr) == 1 &&
		    (nr == SYS_clock_nanosleep || nr == SYS_nanosleep)) {
			fclose(f);
			return;
		}
		if (f)
			fclose(f);
		usleep(10000);
	}
	fail_msg("pid %d never went to sleep", pid);
}

static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	p = p ? strrchr(buf, ')') : NULL;
	return p ? p[2] : 0;
}

/* ---- independent expectations --------------------------------------------------------- */

static void real_path(const char *path, char *out)
{
	if (!realpath(path, out))
		fail_msg("realpath %s: %s", path, strerror(errno));
}

/* "/proc/PID/root" + realpath(path) */
static void rooted(pid_t pid, const char *path, char *out)
{
	char real[PATH_MAX];

	real_path(path, real);
	snprintf(out, ROOTED_MAX, "/proc/%d/root%s", pid, real);
}

static void stat_ok(const char *path, struct stat *st)
{
	if (stat(path, st))
		fail_msg("stat %s: %s", path, strerror(errno));
}

static void assert_same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	stat_ok(a, &sa);
	stat_ok(b, &sb);
	if (sa.st_dev != sb.st_dev || sa.st_ino != sb.st_ino)
		fail_msg("%s and %s are different files", a, b);
}

#define PAGE_DOWN(x) ((x) & ~(uint64_t)4095)
#define PAGE_UP(x)   PAGE_DOWN((x) + 4095)

/* The page-aligned range the file-backed part of the PT_LOAD segments spans. */
static void elf_span(const char *path, uint64_t *lo, uint64_t *hi)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &eh, sizeof(eh), 0), sizeof(eh));
	*lo = UINT64_MAX;
	*hi = 0;
	for (int i = 0; i < eh.e_phnum; i++) {
		assert_int_equal(pread(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)),
				 sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		if (PAGE_DOWN(ph.p_vaddr) < *lo)
			*lo = PAGE_DOWN(ph.p_vaddr);
		if (PAGE_UP(ph.p_vaddr + ph.p_filesz) > *hi)
			*hi = PAGE_UP(ph.p_vaddr + ph.p_filesz);
	}
	close(fd);
	assert_true(*lo < *hi);
}

/* Copy a file: 0, or -1 with errno.  Safe in a forked child (no cmocka in here). */
static int copy_fd(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in, out, ret = -1;
	ssize_t len;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out >= 0) {
		while ((len = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, len) != len)
				break;
		ret = len ? -1 : 0;
		close(out);
	}
	close(in);
	return ret;
}

static void copy_file(const char *from, const char *to, mode_t mode)
{
	if (copy_fd(from, to, mode))
		fail_msg("copy %s to %s: %s", from, to, strerror(errno));
}

static void write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

/* The entry for the file at `path` (by dev/inode), or NULL. */
static const struct sym_mapping *find_obj(const struct sym_mapping *m, size_t n,
					  const char *path)
{
	struct stat st;

	stat_ok(path, &st);
	for (size_t i = 0; i < n; i++)
		if (m[i].dev == st.st_dev && m[i].ino == st.st_ino)
			return &m[i];
	return NULL;
}

/* What every list must be: address order, one entry per inode, absolute paths. */
static void check_objects_sane(const struct sym_mapping *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		assert_true(m[i].path[0] == '/');
		assert_true(m[i].start < m[i].end);
		assert_int_equal(m[i].start % 4096, 0);
		assert_int_equal(m[i].end % 4096, 0);
		if (i)
			assert_true(m[i - 1].start < m[i].start);
		for (size_t j = 0; j < i; j++)
			assert_false(m[j].dev == m[i].dev && m[j].ino == m[i].ino);
	}
}

/* ---- library names and paths ---------------------------------------------------------- */

static void test_is_libname(void **state)
{
	assert_true(sym_is_libname("libc"));
	assert_true(sym_is_libname("libssl.so.3"));
	assert_false(sym_is_libname("./libc.so.6"));
	assert_false(sym_is_libname("/lib/x86_64-linux-gnu/libc.so.6"));
	assert_false(sym_is_libname("lib/libc.so.6"));
	assert_false(sym_is_libname(""));
	assert_false(sym_is_libname(NULL));
}

/* Resolve `name`, expecting success, no message, and the very file `expect`. */
static char *find_lib_ok(const char *name, pid_t pid, const char *expect)
{
	char *path = NULL;

	msg_reset();
	assert_int_equal(sym_find_library(name, pid, &path), 0);
	assert_no_msg();
	assert_non_null(path);
	if (expect)
		assert_same_file(path, expect);
	return path;
}

static void test_find_library_system(void **state)
{
	struct stat libc_st, st;
	char *path;

	stat_ok(LIBC_PATH, &libc_st);
	free(find_lib_ok("libc", 0, LIBC_PATH));
	free(find_lib_ok("libc.so.6", 0, LIBC_PATH));
	free(find_lib_ok("libm", 0, LIBM_PATH));
	free(find_lib_ok("libm.so", 0, LIBM_PATH)); /* libm.so itself is a linker script */

	/* "libc" is a prefix of these, and still never means them */
	msg_reset();
	if (!sym_find_library("libcrypto", 0, &path)) {
		stat_ok(path, &st);
		assert_false(st.st_ino == libc_st.st_ino && st.st_dev == libc_st.st_dev);
		if (!access("/lib/x86_64-linux-gnu/libcrypto.so.3", F_OK))
			assert_same_file(path, "/lib/x86_64-linux-gnu/libcrypto.so.3");
		free(path);
	}
	if (!access("/lib/x86_64-linux-gnu/libcap.so.2", F_OK))
		free(find_lib_ok("libcap", 0, "/lib/x86_64-linux-gnu/libcap.so.2"));
	if (!access("/lib/x86_64-linux-gnu/libssl.so.3", F_OK))
		free(find_lib_ok("libssl.so", 0, "/lib/x86_64-linux-gnu/libssl.so.3"));
}

static void test_find_library_nosuch(void **state)
{
	char *path = (char *)1;

	msg_reset();
	assert_int_equal(sym_find_library("libnosuch", 0, &path), -ENOENT);
	assert_null(path);
	assert_one_msg("libnosuch: ", "/etc/ld.so.cache", "/lib/x86_64-linux-gnu",
		       "/usr/local/lib", NULL);

	/* a prefix of a real name is not a match: "libcr" is not libcrypto */
	msg_reset();
	assert_int_equal(sym_find_library("libcr", 0, &path), -ENOENT);
	assert_one_msg("libcr: ", NULL);

	msg_reset();
	assert_int_equal(sym_find_library("", 0, &path), -EINVAL);
	assert_one_msg("empty", NULL);
}

/* With a pid: the mapped objects first, then its cache, all under /proc/PID/root. */
static void test_find_library_pid_self(void **state)
{
	char expect[ROOTED_MAX], real[PATH_MAX];
	pid_t self = getpid();
	Dl_info info;
	char *path;

	rooted(self, LIBC_PATH, expect);
	path = find_lib_ok("libc", self, LIBC_PATH);
	assert_string_equal(path, expect);
	free(path);

	/* libcmocka as mapped: the file the loader opened, through its symlinks */
	assert_true(dladdr((void *)_cmocka_run_group_tests, &info));
	real_path(info.dli_fname, real);
	rooted(self, real, expect);
	path = find_lib_ok("libcmocka", self, real);
	assert_string_equal(path, expect);
	free(path);

	/* libm, mapped or not: the same canonical path through our root */
	rooted(self, LIBM_PATH, expect);
	path = find_lib_ok("libm", self, LIBM_PATH);
	assert_string_equal(path, expect);
	free(path);

	msg_reset();
	assert_int_equal(sym_find_library("libnosuch", self, &path), -ENOENT);
	snprintf(expect, sizeof(expect), "/proc/%d/root/etc/ld.so.cache", self);
	assert_one_msg("libnosuch: ", "pid ", expect, NULL);
}

static void test_find_library_paths(void **state)
{
	char cwd[PATH_MAX], rel[PATH_MAX] = "", expect[ROOTED_MAX];
	char *path;

	/* a path is a path, returned as given */
	path = find_lib_ok(LIBC_PATH, 0, LIBC_PATH);
	assert_string_equal(path, LIBC_PATH);
	free(path);

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	for (const char *p = cwd; *p; p++)
		if (*p == '/' && p[1])
			strcat(rel, "../");
	strcat(rel, &LIBC_PATH[1]); /* without its leading '/' */
	if (strcmp(cwd, "/")) {
		path = find_lib_ok(rel, 0, LIBC_PATH);
		assert_string_equal(path, rel);
		free(path);
	}

	/* with a pid, an absolute path is the process's, symlinks (/lib) resolved in it */
	rooted(getpid(), LIBC_PATH, expect);
	path = find_lib_ok(LIBC_PATH, getpid(), LIBC_PATH);
	assert_string_equal(path, expect);
	free(path);

	msg_reset();
	assert_int_equal(sym_find_library("./no/such/libx.so", 0, &path), -ENOENT);
	assert_null(path);
	assert_one_msg("./no/such/libx.so: ", "No such file", NULL);

	msg_reset();
	assert_int_equal(sym_find_library("/no/such/libx.so", getpid(), &path), -ENOENT);
	assert_one_msg("/no/such/libx.so: ", "root of pid", NULL);

	msg_reset();
	assert_int_equal(sym_find_library("/tmp", 0, &path), -EISDIR);
	assert_one_msg("/tmp: ", "directory", NULL);
}

/* A bare name that is a file in the current directory is that file, not a library. */
static void test_find_library_file_here(void **state)
{
	char dir[] = "/tmp/upt-target.XXXXXX", cwd[PATH_MAX], file[PATH_MAX];
	char *path;
	int fd;

	assert_non_null(mkdtemp(dir));
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(file, sizeof(file), "%s/libcrypto", dir);
	fd = open(file, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chdir(dir), 0);

	msg_reset();
	assert_int_equal(sym_find_library("libcrypto", 0, &path), 0);
	assert_string_equal(path, "libcrypto");
	free(path);
	/* a directory of that name does not count: the library lookup goes on */
	assert_int_equal(mkdir("libnosuch", 0755), 0);
	assert_int_equal(sym_find_library("libnosuch", 0, &path), -ENOENT);
	assert_null(path);

	assert_int_equal(chdir(cwd), 0);
	unlink(file);
	snprintf(file, sizeof(file), "%s/libnosuch", dir);
	rmdir(file);
	rmdir(dir);
}

/* ---- a pid's executable --------------------------------------------------------------- */

static void test_exe_self(void **state)
{
	char expect[ROOTED_MAX];
	char *host = NULL;

	rooted(getpid(), "/proc/self/exe", expect);
	msg_reset();
	assert_int_equal(sym_proc_exe(getpid(), &host), 0);
	assert_no_msg();
	assert_string_equal(host, expect);
	assert_same_file(host, "/proc/self/exe");
	free(host);
}

static void test_exe_child(void **state)
{
	char *argv[] = { "/bin/sleep", "30", NULL };
	char expect[ROOTED_MAX];
	char *host = NULL;
	pid_t pid = spawn(argv);

	rooted(pid, "/bin/sleep", expect);
	msg_reset();
	assert_int_equal(sym_proc_exe(pid, &host), 0);
	assert_no_msg();
	assert_string_equal(host, expect);
	assert_same_file(host, "/bin/sleep");
	free(host);
	reap(pid);
}

static void test_no_such_pid(void **state)
{
	struct sym_mapping *m = (void *)1;
	char *host = (char *)1, name[32];
	size_t n = 1;
	pid_t pid;

	/* a pid that just existed and was reaped */
	pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	snprintf(name, sizeof(name), "pid %d: ", pid);

	msg_reset();
	assert_int_equal(sym_proc_exe(pid, &host), -ESRCH);
	assert_null(host);
	assert_one_msg(name, "no such process", NULL);

	msg_reset();
	assert_int_equal(sym_proc_objects(pid, &m, &n), -ESRCH);
	assert_null(m);
	assert_int_equal(n, 0);
	assert_one_msg(name, "no such process", NULL);

	msg_reset();
	assert_int_equal(sym_find_library("libc", pid, &host), -ESRCH);
	assert_null(host);
	assert_one_msg(name, "no such process", NULL);

	msg_reset();
	assert_int_equal(sym_proc_exe(0, &host), -EINVAL);
	assert_one_msg("pid 0: ", NULL);
}

/* Another user's process: -EACCES, and the message says why. */
static void test_not_permitted(void **state)
{
	struct {
		int exe, objects, lib;
		char msg[1024];
	} res;
	int fds[2];
	pid_t pid, parent = getpid();
	ssize_t len;
	char *p;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct sym_mapping *m;
		size_t n;

		memset(&res, 0, sizeof(res));
		close(fds[0]);
		if (setgid(65534) || setuid(65534))
			_exit(2);
		msg_reset();
		res.exe = sym_proc_exe(parent, &p);
		res.objects = sym_proc_objects(parent, &m, &n);
		res.lib = sym_find_library("libc", parent, &p);
		snprintf(res.msg, sizeof(res.msg), "%d|%.1000s", msg_count, msg);
		_exit(write(fds[1], &res, sizeof(res)) == sizeof(res) ? 0 : 1);
	}
	track_kid(pid);
	close(fds[1]);
	len = read(fds[0], &res, sizeof(res));
	close(fds[0]);
	reap(pid);
	if (len == 0)
		skip(); /* could not become another user */
	assert_int_equal(len, sizeof(res));
	assert_int_equal(res.exe, -EACCES);
	assert_int_equal(res.objects, -EACCES);
	assert_int_equal(res.lib, -EACCES);
	/* three calls, three messages, each naming the pid and what was refused */
	snprintf(msg, sizeof(msg), "3|pid %d: not permitted to read /proc/%d/exe", parent, parent);
	assert_memory_equal(res.msg, msg, strlen(msg));
	snprintf(msg, sizeof(msg), "pid %d: not permitted to read /proc/%d/maps", parent, parent);
	assert_non_null(strstr(res.msg, msg));
	assert_non_null(strstr(res.msg, "CAP_SYS_PTRACE"));
}

static void test_zombie(void **state)
{
	struct sym_mapping *m;
	char *host, name[32];
	size_t n;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		_exit(0);
	track_kid(pid);
	for (int i = 0; i < 500 && proc_state(pid) != 'Z'; i++)
		usleep(10000);
	assert_int_equal(proc_state(pid), 'Z');
	snprintf(name, sizeof(name), "pid %d: ", pid);

	msg_reset();
	assert_int_equal(sym_proc_exe(pid, &host), -ESRCH);
	assert_one_msg(name, "exited", NULL);

	msg_reset();
	assert_int_equal(sym_proc_objects(pid, &m, &n), -ESRCH);
	assert_one_msg(name, "exited", NULL);
	reap(pid);
}

static void test_kernel_thread(void **state)
{
	struct sym_mapping *m;
	char comm[32] = "";
	char *host;
	size_t n;
	FILE *f = fopen("/proc/2/comm", "r");

	if (f) {
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		fclose(f);
	}
	if (strcmp(comm, "kthreadd\n"))
		skip(); /* in a pid namespace: no kernel thread to look at */
	msg_reset();
	assert_int_equal(sym_proc_exe(2, &host), -ENOENT);
	assert_one_msg("pid 2: ", "kernel thread", NULL);
	msg_reset();
	assert_int_equal(sym_proc_objects(2, &m, &n), -ENOENT);
	assert_one_msg("pid 2: ", "kernel thread", NULL);
}

/* ---- a pid's mapped objects ----------------------------------------------------------- */

static void check_obj(const struct sym_mapping *o, pid_t pid, const char *file)
{
	char real[PATH_MAX], expect[ROOTED_MAX];
	uint64_t lo, hi;
	struct stat st;

	assert_non_null(o);
	real_path(file, real);
	rooted(pid, file, expect);
	stat_ok(file, &st);
	assert_string_equal(o->path, real);
	assert_string_equal(o->host_path, expect);
	assert_int_equal(o->dev, st.st_dev);
	assert_int_equal(o->ino, st.st_ino);
	elf_span(file, &lo, &hi);
	assert_int_equal(o->end - o->start, hi - lo);
}

static void test_objects_child(void **state)
{
	char *argv[] = { "/bin/sleep", "30", NULL };
	struct sym_mapping *m = NULL;
	size_t n = 0;
	pid_t pid = spawn(argv);

	wait_sleeping(pid);
	msg_reset();
	assert_int_equal(sym_proc_objects(pid, &m, &n), 0);
	assert_no_msg();
	check_objects_sane(m, n);
	/* sleep, libc and ld.so; [vdso], [heap], [stack], locale files are not objects */
	assert_int_equal(n, 3);
	check_obj(find_obj(m, n, "/bin/sleep"), pid, "/bin/sleep");
	check_obj(find_obj(m, n, LIBC_PATH), pid, LIBC_PATH);
	check_obj(find_obj(m, n, "/lib64/ld-linux-x86-64.so.2"), pid,
		  "/lib64/ld-linux-x86-64.so.2");
	/* the PIE comes first */
	assert_ptr_equal(find_obj(m, n, "/bin/sleep"), &m[0]);
	sym_mappings__free(m, n);
	reap(pid);
}

static int find_libc(struct dl_phdr_info *info, size_t size, void *data)
{
	uint64_t *range = data;

	if (!strstr(info->dlpi_name, "/libc.so.6"))
		return 0;
	range[0] = UINT64_MAX;
	range[1] = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD)
			continue;
		if (PAGE_DOWN(info->dlpi_addr + ph->p_vaddr) < range[0])
			range[0] = PAGE_DOWN(info->dlpi_addr + ph->p_vaddr);
		if (PAGE_UP(info->dlpi_addr + ph->p_vaddr + ph->p_filesz) > range[1])
			range[1] = PAGE_UP(info->dlpi_addr + ph->p_vaddr + ph->p_filesz);
	}
	return 1;
}

/* Map a file at `base`, page `page`, with `prot`. */
static void map_page(void *base, int fd, int page, int prot)
{
	void *p = mmap((char *)base + page * 4096, 4096, prot, MAP_PRIVATE | MAP_FIXED, fd,
		       page * 4096);

	assert_ptr_equal(p, (char *)base + page * 4096);
}

static void test_objects_self(void **state)
{
	const struct sym_mapping *o;
	struct sym_mapping *m = NULL;
	uint64_t range[2] = { 0, 0 };
	char a[] = "/tmp/uptrace-test-a-XXXXXX", b[] = "/tmp/uptrace-test-b-XXXXXX";
	char c[] = "/tmp/uptrace-test-c-XXXXXX", zero[3 * 4096] = { 0 };
	int fa = mkstemp(a), fb = mkstemp(b), fc = mkstemp(c);
	char *ra, *rb, *rc;
	pid_t self = getpid();
	size_t n = 0;

	assert_true(fa >= 0 && fb >= 0 && fc >= 0);
	track_file(a);
	track_file(b);
	track_file(c);
	assert_int_equal(write(fa, zero, sizeof(zero)), sizeof(zero));
	assert_int_equal(write(fb, zero, sizeof(zero)), sizeof(zero));
	assert_int_equal(write(fc, zero, sizeof(zero)), sizeof(zero));
	/* a: r-- r-x r--, one object over three pages */
	ra = mmap(NULL, 3 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(ra != MAP_FAILED);
	map_page(ra, fa, 0, PROT_READ);
	map_page(ra, fa, 1, PROT_READ | PROT_EXEC);
	map_page(ra, fa, 2, PROT_READ);
	/* b: r-x, anonymous, r-x: still one object, over the whole range */
	rb = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(rb != MAP_FAILED);
	map_page(rb, fb, 0, PROT_READ | PROT_EXEC);
	map_page(rb, fb, 2, PROT_READ | PROT_EXEC);
	/* c: never executable, not an object */
	rc = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE, fc, 0);
	assert_true(rc != MAP_FAILED);

	msg_reset();
	assert_int_equal(sym_proc_objects(self, &m, &n), 0);
	assert_no_msg();
	check_objects_sane(m, n);

	o = find_obj(m, n, a);
	assert_non_null(o);
	assert_int_equal(o->start, (uintptr_t)ra);
	assert_int_equal(o->end, (uintptr_t)ra + 3 * 4096);
	assert_string_equal(o->path, a);
	o = find_obj(m, n, b);
	assert_non_null(o);
	assert_int_equal(o->start, (uintptr_t)rb);
	assert_int_equal(o->end, (uintptr_t)rb + 3 * 4096);
	assert_null(find_obj(m, n, c));

	/* our libc, where the loader put it */
	assert_int_equal(dl_iterate_phdr(find_libc, range), 1);
	o = find_obj(m, n, LIBC_PATH);
	check_obj(o, self, LIBC_PATH);
	assert_int_equal(o->start, range[0]);
	assert_int_equal(o->end, range[1]);
	check_obj(find_obj(m, n, "/proc/self/exe"), self, "/proc/self/exe");
	for (size_t i = 0; i < n; i++)
		assert_true(m[i].host_path[0] == '/');
	sym_mappings__free(m, n);

	munmap(ra, 3 * 4096);
	munmap(rb, 3 * 4096);
	munmap(rc, 3 * 4096);
	close(fa);
	close(fb);
	close(fc);
}

/* An executable named with spaces, then deleted, then replaced by another file. */
static void test_deleted_exe(void **state)
{
	const char *dir = make_tmp_dir("/tmp/uptrace test XXXXXX");
	char exe[PATH_MAX], expect[ROOTED_MAX], prefix[64];
	const struct sym_mapping *o;
	struct sym_mapping *m;
	struct stat st, now;
	char *host, *argv[3];
	size_t n;
	pid_t pid;

	snprintf(exe, sizeof(exe), "%s/sle ep (deleted)", dir);
	track_file(exe);
	copy_file("/bin/sleep", exe, 0755);
	stat_ok(exe, &st);
	argv[0] = exe;
	argv[1] = "30";
	argv[2] = NULL;
	pid = spawn(argv);
	wait_sleeping(pid);

	snprintf(expect, sizeof(expect), "/proc/%d/root%s", pid, exe);
	msg_reset();
	assert_int_equal(sym_proc_exe(pid, &host), 0);
	assert_no_msg();
	assert_string_equal(host, expect);
	free(host);
	assert_int_equal(sym_proc_objects(pid, &m, &n), 0);
	o = find_obj(m, n, exe);
	assert_non_null(o);
	assert_string_equal(o->path, exe);
	assert_string_equal(o->host_path, expect);
	sym_mappings__free(m, n);

	/* deleted: /proc/PID/exe itself, and the mapping's own link in map_files */
	assert_int_equal(unlink(exe), 0);
	snprintf(expect, sizeof(expect), "/proc/%d/exe", pid);
	msg_reset();
	assert_int_equal(sym_proc_exe(pid, &host), 0);
	assert_no_msg();
	assert_string_equal(host, expect);
	stat_ok(host, &now);
	assert_true(now.st_ino == st.st_ino && now.st_dev == st.st_dev);
	free(host);

	assert_int_equal(sym_proc_objects(pid, &m, &n), 0);
	assert_no_msg();
	o = NULL;
	for (size_t i = 0; i < n; i++)
		if (m[i].ino == st.st_ino && m[i].dev == st.st_dev)
			o = &m[i];
	assert_non_null(o);
	assert_string_equal(o->path, exe); /* " (deleted)" once: the kernel's is gone */
	snprintf(prefix, sizeof(prefix), "/proc/%d/map_files/", pid);
	assert_memory_equal(o->host_path, prefix, strlen(prefix));
	stat_ok(o->host_path, &now);
	assert_true(now.st_ino == st.st_ino && now.st_dev == st.st_dev);
	sym_mappings__free(m, n);

	/* another file under the old name is not the running one */
	copy_file("/bin/sleep", exe, 0755);
	msg_reset();
	assert_int_equal(sym_proc_exe(pid, &host), 0);
	assert_no_msg();
	assert_string_equal(host, expect);
	free(host);
	reap(pid);
}

/* ---- ld.so.cache files written here ---------------------------------------------------- */

struct fake_lib {
	int32_t flags;
	const char *key, *value;
	uint64_t hwcap;
};

#define X86_64 0x0303 /* FLAG_ELF_LIBC6 | FLAG_X8664_LIB64 */
#define I386   0x0003 /* FLAG_ELF_LIBC6 */

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, v);
	put32(p + 4, v >> 32);
}

/*
 * Lay out a cache in buf: with nold >= 0, an old "ld.so-1.7.0" part of nold entries
 * first; then the new header (48 bytes), 24-byte entries, the strings.  String offsets
 * count from the new header.  Returns the size.
 */
static size_t make_cache(unsigned char *buf, size_t cap, const struct fake_lib *libs,
			 size_t n, int nold)
{
	size_t base = 0, strs, pos;

	memset(buf, 0, cap);
	if (nold >= 0) {
		memcpy(buf, "ld.so-1.7.0", 11);
		put32(buf + 12, nold);
		base = (16 + nold * 12 + 7) & ~7ul;
	}
	strs = base + 48 + n * 24;
	pos = strs;
	memcpy(buf + base, "glibc-ld.so.cache1.1", 20);
	put32(buf + base + 20, n);
	buf[base + 28] = 2; /* little endian */
	for (size_t i = 0; i < n; i++) {
		unsigned char *e = buf + base + 48 + i * 24;

		put32(e, libs[i].flags);
		put32(e + 4, pos - base);
		assert_true(pos + strlen(libs[i].key) + 1 <= cap);
		strcpy((char *)buf + pos, libs[i].key);
		pos += strlen(libs[i].key) + 1;
		put32(e + 8, pos - base);
		assert_true(pos + strlen(libs[i].value) + 1 <= cap);
		strcpy((char *)buf + pos, libs[i].value);
		pos += strlen(libs[i].value) + 1;
		put64(e + 16, libs[i].hwcap);
	}
	put32(buf + base + 24, pos - strs);
	return pos;
}

static const struct fake_lib fake_libs[] = {
	{ X86_64, "libcrypto.so.3", "/usr/lib/x86_64-linux-gnu/libcrypto.so.3", 0 },
	{ X86_64, "libcap.so.2", "/lib/x86_64-linux-gnu/libcap.so.2", 0 },
	{ X86_64, "libc_malloc_debug.so.0", "/lib/x86_64-linux-gnu/libc_malloc_debug.so.0", 0 },
	{ I386, "libc.so.6", "/lib32/libc.so.6", 0 },
	{ X86_64, "libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6", 0 },
	{ I386, "libonly32.so.1", "/lib32/libonly32.so.1", 0 },
	{ X86_64, "libz.so.1.2.13", "/usr/lib/libz.so.1.2.13", 0 },
	{ X86_64, "libz.so.1", "/usr/lib/libz.so.1", 0 },
	{ X86_64, "libq.so.1.5", "/usr/lib/libq.so.1.5", 0 },
	{ X86_64, "libq.so.1", "/usr/lib/libq.so.1", 0 },
	{ X86_64, "libssl.so.10", "/usr/lib/libssl.so.10", 0 },
	{ X86_64, "libssl.so.3", "/usr/lib/libssl.so.3", 0 },
	{ X86_64, "libhw.so.1", "/usr/lib/glibc-hwcaps/x86-64-v3/libhw.so.1", 1ull << 62 },
	{ X86_64, "libhw.so.1", "/usr/lib/libhw.so.1", 0 },
	{ X86_64, "libsqlite3.so.0", "/usr/lib/libsqlite3.so.0", 0 },
	{ X86_64, "libold-2.31.so", "/lib/libold-2.31.so", 0 },
};
#define NR_FAKE (sizeof(fake_libs) / sizeof(fake_libs[0]))

static const char *cache_file(void)
{
	static char path[64];

	snprintf(path, sizeof(path), "/tmp/uptrace-test-ldcache-%d", getpid());
	return path;
}

static void lookup_ok(const char *cache, const char *root, const char *name, const char *want)
{
	char *out = NULL;

	msg_reset();
	assert_int_equal(sym_ldcache_lookup(cache, root, name, &out), 0);
	assert_no_msg();
	assert_string_equal(out, want);
	free(out);
}

static void lookup_none(const char *cache, const char *name)
{
	char *out = (char *)1;

	msg_reset();
	assert_int_equal(sym_ldcache_lookup(cache, NULL, name, &out), -ENOENT);
	assert_null(out);
	assert_no_msg();
}

static void check_fake_lookups(const char *f)
{
	lookup_ok(f, NULL, "libc", "/lib/x86_64-linux-gnu/libc.so.6");
	lookup_ok(f, "", "libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6");
	lookup_ok(f, "/proc/4242/root", "libc", "/proc/4242/root/lib/x86_64-linux-gnu/libc.so.6");
	lookup_ok(f, NULL, "libcrypto", "/usr/lib/x86_64-linux-gnu/libcrypto.so.3");
	lookup_ok(f, NULL, "libcap", "/lib/x86_64-linux-gnu/libcap.so.2");
	lookup_ok(f, NULL, "libz", "/usr/lib/libz.so.1");		/* the shortest */
	lookup_ok(f, NULL, "libq.so.1", "/usr/lib/libq.so.1");		/* exact first */
	lookup_ok(f, NULL, "libq.so.1.5", "/usr/lib/libq.so.1.5");
	lookup_ok(f, NULL, "libssl.so", "/usr/lib/libssl.so.3");
	lookup_ok(f, NULL, "libssl.so.10", "/usr/lib/libssl.so.10");
	lookup_ok(f, NULL, "libhw", "/usr/lib/libhw.so.1");		/* the baseline */
	lookup_ok(f, NULL, "libsqlite3", "/usr/lib/libsqlite3.so.0");
	lookup_ok(f, NULL, "libold", "/lib/libold-2.31.so");
	lookup_none(f, "libonly32");					/* i386 only */
	lookup_none(f, "libssl.so.1");					/* not .so.10 */
	lookup_none(f, "libcr");
	lookup_none(f, "libnosuch");
}

static void test_ldcache_new(void **state)
{
	unsigned char buf[4096];
	const char *f = track_file(cache_file());

	write_file(f, buf, make_cache(buf, sizeof(buf), fake_libs, NR_FAKE, -1));
	check_fake_lookups(f);
}

static void test_ldcache_old_and_new(void **state)
{
	unsigned char buf[4096];
	const char *f = track_file(cache_file());

	/* 3 old entries: 16 + 36 = 52, the new header at 56 */
	write_file(f, buf, make_cache(buf, sizeof(buf), fake_libs, NR_FAKE, 3));
	check_fake_lookups(f);
}

/* Expect sym_ldcache_lookup() to reject the file with one message naming it. */
static void lookup_bad(const char *f, const void *buf, size_t len, const char *why)
{
	char *out = (char *)1;

	write_file(f, buf, len);
	msg_reset();
	assert_int_equal(sym_ldcache_lookup(f, NULL, "libc", &out), -ENOEXEC);
	assert_null(out);
	assert_one_msg(f, why, NULL);
}

static void test_ldcache_corrupt(void **state)
{
	unsigned char good[4096], bad[4096];
	const char *f = track_file(cache_file());
	size_t size = make_cache(good, sizeof(good), fake_libs, NR_FAKE, -1);
	char *out;

	lookup_none("/tmp/uptrace-test-no-such-ldcache", "libc"); /* no file, no message */
	lookup_bad(f, good, 0, "not an ld.so.cache");
	lookup_bad(f, "glibc-ld.so.cache1.0", 20, "not an ld.so.cache");
	lookup_bad(f, good, 47, "not an ld.so.cache");
	lookup_bad(f, good, 48 + 24 + 5, "entries do not fit");
	lookup_bad(f, good, size - 1, "string table");
	lookup_bad(f, "ld.so-1.7.0\0\0\0\0\0", 16, "old ld.so-1.7.0 format");
	memcpy(bad, "ld.so-1.7.0\0\xff\xff\xff\x0f", 16);
	lookup_bad(f, bad, 16, "old-format entries do not fit");

	memcpy(bad, good, size);
	put32(bad + 20, 0xffffffff);
	lookup_bad(f, bad, size, "entries do not fit");
	memcpy(bad, good, size);
	put32(bad + 24, 0xfffffff0);
	lookup_bad(f, bad, size, "string table");
	memcpy(bad, good, size);
	bad[28] = 3; /* big endian */
	lookup_bad(f, bad, size, "byte order");
	memcpy(bad, good, size);
	put32(bad + 48 + 5 * 24 + 4, size); /* entry 5's key: just past the end */
	lookup_bad(f, bad, size, "entry 5: string outside the file");
	memcpy(bad, good, size);
	put32(bad + 48 + 24 + 8, 0xfffffff0); /* entry 1's value */
	lookup_bad(f, bad, size, "entry 1: string outside the file");
	memcpy(bad, good, size);
	bad[size - 1] = 'x'; /* the last string runs off the end */
	lookup_bad(f, bad, size, "string outside the file");
	memcpy(bad, good, size);
	put32(bad + 48 + 8, 48 + NR_FAKE * 24 + 1); /* entry 0's value: "ibcrypto.so.3" */
	lookup_bad(f, bad, size, "entry 0: path is not absolute");

	/* every truncation of a good file is an error, never a crash or a match */
	for (size_t len = 0; len < size; len++)
		lookup_bad(f, good, len, "");

	/* any one byte changed: whatever the answer, memory stays clean (ASan) */
	for (size_t i = 0; i < size; i++) {
		for (int v = 0; v < 3; v++) {
			memcpy(bad, good, size);
			bad[i] = (unsigned char[]){ 0x00, 0xff, 0x80 }[v];
			write_file(f, bad, size);
			msg_reset();
			out = NULL;
			if (!sym_ldcache_lookup(f, NULL, "libc", &out))
				assert_non_null(out);
			free(out);
			assert_true(msg_count <= 1);
		}
	}
}

/* ---- a process in a mount namespace of its own ---------------------------------------- */

#define NS_LIB	  "/usr/local/lib/libuptrace_nsonly.so.1"
#define NS_SCRIPT "/usr/local/lib/libuptrace_nsonly.so"
#define NS_ABS	  "/usr/local/lib/libuptrace_nsabs.so.2"

/* In the child: report which step failed with which errno, and leave. */
static void ns_fail(int fd, int step)
{
	int report[2] = { step, errno };

	if (write(fd, report, sizeof(report)) < 0)
		_exit(126);
	_exit(127);
}

/*
 * The child: a private mount namespace where `dir` holds a copy of sleep (and an absolute
 * symlink to it), /usr/local/lib holds a library, a linker script and an absolute symlink,
 * and /etc/ld.so.cache is `cache`.  None of it is visible from here.
 */
static void ns_child(int fd, const char *dir, const char *cache)
{
	static const char script[] = "/* GNU ld script */\nINPUT(libuptrace_nsonly.so.1)\n";
	char exe[PATH_MAX], link[PATH_MAX];
	int sfd;

	snprintf(exe, sizeof(exe), "%s/sleep", dir);
	snprintf(link, sizeof(link), "%s/abs-link", dir);
	if (unshare(CLONE_NEWNS))
		ns_fail(fd, 0);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		ns_fail(fd, 1);
	if (mount("tmpfs", dir, "tmpfs", 0, "mode=0755") ||
	    mount("tmpfs", "/usr/local/lib", "tmpfs", 0, "mode=0755"))
		ns_fail(fd, 2);
	if (mount(cache, "/etc/ld.so.cache", NULL, MS_BIND, NULL))
		ns_fail(fd, 3);
	if (copy_fd("/bin/sleep", exe, 0755) || copy_fd(LIBM_PATH, NS_LIB, 0755))
		ns_fail(fd, 4);
	sfd = open(NS_SCRIPT, O_WRONLY | O_CREAT, 0644);
	if (sfd < 0 || write(sfd, script, sizeof(script) - 1) != sizeof(script) - 1)
		ns_fail(fd, 4);
	close(sfd);
	if (symlink(exe, link) || symlink(NS_LIB, NS_ABS))
		ns_fail(fd, 5);
	execl(exe, "sleep", "30", (char *)NULL);
	ns_fail(fd, 6);
}

static void test_mount_namespace(void **state)
{
	static const struct fake_lib cached[] = {
		{ X86_64, "libuptrace_cached.so.7", NS_LIB, 0 },
	};
	const char *dir = make_tmp_dir("/tmp/uptrace-ns-XXXXXX");
	const char *cache = track_file(cache_file());
	char inside[PATH_MAX], host_exe[ROOTED_MAX], lib[ROOTED_MAX], proc_exe[64];
	const struct sym_mapping *o;
	struct sym_mapping *m;
	unsigned char buf[512];
	int fds[2], report[2];
	struct stat st;
	char *host;
	ssize_t len;
	size_t n;
	pid_t pid;

	write_file(cache, buf, make_cache(buf, sizeof(buf), cached, 1, -1));
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		close(fds[0]);
		ns_child(fds[1], dir, cache);
	}
	track_kid(pid);
	close(fds[1]);
	len = read(fds[0], report, sizeof(report));
	close(fds[0]);
	if (len > 0 && report[0] == 0 && report[1] == EPERM) {
		reap(pid);
		skip(); /* unshare(CLONE_NEWNS) not permitted here */
	}
	if (len > 0)
		fail_msg("mount namespace child, step %d: %s", report[0], strerror(report[1]));
	wait_sleeping(pid);

	snprintf(inside, sizeof(inside), "%s/sleep", dir);
	assert_int_equal(stat(inside, &st), -1); /* only in the child's namespace */
	assert_int_equal(errno, ENOENT);
	snprintf(host_exe, sizeof(host_exe), "/proc/%d/root%s", pid, inside);
	snprintf(proc_exe, sizeof(proc_exe), "/proc/%d/exe", pid);
	snprintf(lib, sizeof(lib), "/proc/%d/root%s", pid, NS_LIB);

	msg_reset();
	assert_int_equal(sym_proc_exe(pid, &host), 0);
	assert_no_msg();
	assert_string_equal(host, host_exe);
	assert_same_file(host, proc_exe);
	free(host);

	assert_int_equal(sym_proc_objects(pid, &m, &n), 0);
	assert_no_msg();
	o = find_obj(m, n, proc_exe);
	assert_non_null(o);
	assert_string_equal(o->path, inside);
	assert_string_equal(o->host_path, host_exe);
	sym_mappings__free(m, n);

	/* an absolute symlink inside the namespace points inside it, not at our files */
	snprintf(inside, sizeof(inside), "%s/abs-link", dir);
	host = find_lib_ok(inside, pid, proc_exe);
	assert_string_equal(host, host_exe);
	free(host);

	/* the standard directories of its root, not ours; the linker script is skipped */
	host = find_lib_ok("libuptrace_nsonly", pid, lib);
	assert_string_equal(host, lib);
	free(host);
	host = find_lib_ok("libuptrace_nsabs", pid, lib);
	assert_string_equal(host, lib);
	free(host);

	/* its own /etc/ld.so.cache */
	host = find_lib_ok("libuptrace_cached", pid, lib);
	assert_string_equal(host, lib);
	free(host);
	msg_reset();
	assert_int_equal(sym_find_library("libuptrace_cached", 0, &host), -ENOENT);
	assert_one_msg("libuptrace_cached: ", NULL);

	/* and what it maps */
	snprintf(lib, sizeof(lib), "/proc/%d/root", pid);
	host = find_lib_ok("libc", pid, LIBC_PATH);
	assert_memory_equal(host, lib, strlen(lib));
	free(host);
	reap(pid);
}

/* ---- the print hook ------------------------------------------------------------------- */

static void test_print_silenced(void **state)
{
	sym_print_fn old = sym_set_print(NULL);
	char *path = NULL;

	msg_reset();
	assert_int_equal(sym_find_library("libnosuch", 0, &path), -ENOENT);
	assert_no_msg();
	sym_set_print(old);
}

static int setup(void **state)
{
	sym_set_print(capture);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_is_libname, cleanup),
		cmocka_unit_test_teardown(test_find_library_system, cleanup),
		cmocka_unit_test_teardown(test_find_library_nosuch, cleanup),
		cmocka_unit_test_teardown(test_find_library_pid_self, cleanup),
		cmocka_unit_test_teardown(test_find_library_paths, cleanup),
		cmocka_unit_test_teardown(test_find_library_file_here, cleanup),
		cmocka_unit_test_teardown(test_exe_self, cleanup),
		cmocka_unit_test_teardown(test_exe_child, cleanup),
		cmocka_unit_test_teardown(test_no_such_pid, cleanup),
		cmocka_unit_test_teardown(test_not_permitted, cleanup),
		cmocka_unit_test_teardown(test_zombie, cleanup),
		cmocka_unit_test_teardown(test_kernel_thread, cleanup),
		cmocka_unit_test_teardown(test_objects_child, cleanup),
		cmocka_unit_test_teardown(test_objects_self, cleanup),
		cmocka_unit_test_teardown(test_deleted_exe, cleanup),
		cmocka_unit_test_teardown(test_ldcache_new, cleanup),
		cmocka_unit_test_teardown(test_ldcache_old_and_new, cleanup),
		cmocka_unit_test_teardown(test_ldcache_corrupt, cleanup),
		cmocka_unit_test_teardown(test_mount_namespace, cleanup),
		cmocka_unit_test_teardown(test_print_silenced, cleanup),
	};

	return cmocka_run_group_tests_name("target", tests, setup, NULL);
}
