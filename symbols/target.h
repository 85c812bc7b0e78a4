/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * target.h - which files a probe attaches to: a pid's executable and mapped objects, and
 * library names resolved the way the dynamic loader would.  No BPF in here.
 *
 * Paths handed back for a pid are reachable from uptrace's own mount namespace: they go
 * through /proc/PID/root, so a process in a container (another mount namespace) resolves
 * to its own copy of each file.
 */
#ifndef UPTRACE_SYMBOLS_TARGET_H
#define UPTRACE_SYMBOLS_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sym_mapping {
	char *path;	 /* as the process sees it ("/usr/lib/x86_64-linux-gnu/libc.so.6") */
	char *host_path; /* the same file from here: "/proc/PID/root/usr/lib/.../libc.so.6" */
	dev_t dev;
	ino_t ino;
	uint64_t start, end; /* lowest start and highest end over the object's mappings */
};

/*
 * "/proc/PID/root" + the target of /proc/PID/exe, or "/proc/PID/exe" itself when no path
 * names the running inode any more (the executable was deleted or replaced).  -EINVAL
 * for pid <= 0, -ESRCH when the pid does not exist or has exited, -EACCES when we may not
 * look, -ENOENT for a kernel thread.
 */
int sym_proc_exe(pid_t pid, char **host_path);

/*
 * The file-backed objects pid has mapped with execute permission, one entry each (deduped
 * by dev/inode), in address order.  host_path is the file that is that inode: through
 * /proc/PID/root, or /proc/PID/map_files/START-END for a deleted or replaced file; path
 * loses the kernel's " (deleted)" suffix.  Errors as sym_proc_exe().
 */
int sym_proc_objects(pid_t pid, struct sym_mapping **out, size_t *n);
void sym_mappings__free(struct sym_mapping *m, size_t n);

/*
 * Resolve a library name to a file.  A name with a '/' is a path: used as is when it
 * exists, except that with pid > 0 an absolute path is the process's, resolved inside
 * /proc/PID/root (symbolic links included).  Otherwise a name like "libc", "libssl.so.3",
 * "libsqlite3" is matched
 *  - with pid > 0: against the objects pid has mapped (by base name), then through pid's
 *    own /etc/ld.so.cache and standard directories under /proc/PID/root;
 *  - with pid <= 0: through /etc/ld.so.cache (x86-64 entries), then /lib/x86_64-linux-gnu,
 *    /usr/lib/x86_64-linux-gnu, /lib64, /usr/lib64, /lib, /usr/lib, /usr/local/lib.
 * A file name or soname matches when it is NAME, NAME.so or NAME.so.VERSION (NAME.MORE
 * when NAME already holds ".so": "libssl.so" finds libssl.so.3), or else NAME-VERSION.so;
 * the best kind wins, then the shorter name.  "libc" matches libc.so.6, never
 * libcrypto.so.3.  *path is malloc'ed (a host path).  -ENOENT (with one message naming
 * what was searched) when nothing matches.
 */
int sym_find_library(const char *name, pid_t pid, char **path);

/*
 * Look `name` up in the ld.so.cache file `cache_path`, as sym_find_library() does for
 * /etc/ld.so.cache or a pid's /proc/PID/root/etc/ld.so.cache; for that and for tests.
 * The new format ("glibc-ld.so.cache1.1"), alone or after the old one, is read; only
 * entries for this ABI count, hwcap variants after the baseline.  *out is root (NULL for
 * none) + the entry's path, as a string: nothing is resolved or checked to exist.
 * -ENOENT without a message when the file does not exist or has no such library;
 * -ENOEXEC when it is malformed (every offset is checked), -EACCES, ..., with a message.
 */
int sym_ldcache_lookup(const char *cache_path, const char *root, const char *name, char **out);

/* Is `name` a library name rather than a path (not empty, no '/')? */
bool sym_is_libname(const char *name);

#endif /* UPTRACE_SYMBOLS_TARGET_H */
