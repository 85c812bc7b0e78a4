// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * target.c - from a pid or a library name to the files probes attach to.
 *
 * A uprobe is attached to an inode, named by a path that we open from our own mount
 * namespace.  Everything here therefore hands back "host paths": for a pid they go through
 * /proc/PID/root, so a process in a container (another mount namespace, another root)
 * resolves to its own copy of each file, not to ours.
 *
 * readlink(/proc/PID/exe) and /proc/PID/maps print a path as seen from the *reader's* root.
 * For a process in another mount namespace that is the path in its own tree, which we
 * reach as /proc/PID/root + path; for a process chroot'ed inside our mount namespace it is
 * already a path from our root.  We try both and keep the one that is the very inode the
 * process has; when neither is (the file was deleted or replaced since it was mapped), a
 * /proc magic link (/proc/PID/exe, /proc/PID/map_files/START-END) stands in: the kernel
 * resolves it to the inode itself, for as long as the process keeps it mapped.
 *
 * Symbolic links under /proc/PID/root are resolved here, one component at a time, with
 * /proc/PID/root as "/": the kernel would resolve an absolute link target against *our*
 * root and silently hand back the host's file of that name.
 *
 * Library names are resolved the way ld.so would for a process: the objects it has mapped
 * (with a pid), its /etc/ld.so.cache, then the standard directories.  The cache is parsed
 * here (the new "glibc-ld.so.cache1.1" format, alone or after the old "ld.so-1.7.0" one)
 * and treated as untrusted input: every count, offset and string is checked against the
 * size of the file.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "elf_internal.h"
#include "target.h"

/*
 * ld.so.cache entry flags (glibc sysdeps/generic/ldconfig.h): the low byte is the library
 * type, the high byte the ABI.  Only entries for this ABI can be loaded by our processes.
 */
#define FLAG_ELF_LIBC6	   0x0003
#define FLAG_X8664_LIB64   0x0300
#define FLAG_AARCH64_LIB64 0x0a00

#if defined(__x86_64__)
#define HOST_CACHE_FLAGS (FLAG_ELF_LIBC6 | FLAG_X8664_LIB64)
#define HOST_EM		 EM_X86_64
#define HOST_ABI	 "x86-64"
#define MULTIARCH	 "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define HOST_CACHE_FLAGS (FLAG_ELF_LIBC6 | FLAG_AARCH64_LIB64)
#define HOST_EM		 EM_AARCH64
#define HOST_ABI	 "AArch64"
#define MULTIARCH	 "aarch64-linux-gnu"
#else
#error "target.c: add this architecture's ld.so.cache flags and multiarch directory"
#endif

/* Where ld.so looks when the cache does not know a name, in its order. */
static const char *const lib_dirs[] = {
	"/lib/" MULTIARCH, "/usr/lib/" MULTIARCH, "/lib64", "/usr/lib64",
	"/lib", "/usr/lib", "/usr/local/lib",
};
#define LIB_DIRS_TEXT                                                                      \
	"/lib/" MULTIARCH ", /usr/lib/" MULTIARCH ", /lib64, /usr/lib64, /lib, /usr/lib, "  \
	"/usr/local/lib"

#define MAX_SYMLINKS	40		/* as the kernel's path walk */
#define LDCACHE_MAX_SIZE (64u << 20)	/* a real cache is ~100 KiB */
#define DELETED_SUFFIX	" (deleted)"

/* ---- small helpers -------------------------------------------------------------------- */

/* malloc'ed a + b, or NULL. */
static char *str_cat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);

	if (!s)
		return NULL;
	memcpy(s, a, la);
	memcpy(s + la, b, lb + 1);
	return s;
}

/* Strip " (deleted)" that the kernel appends to an unlinked file's path. */
static bool strip_deleted(char *path)
{
	size_t len = strlen(path), sl = strlen(DELETED_SUFFIX);

	if (len <= sl || strcmp(path + len - sl, DELETED_SUFFIX))
		return false;
	path[len - sl] = '\0';
	return true;
}

/* readlink() into a malloc'ed, NUL-terminated buffer.  No message. */
static int readlink_alloc(const char *link, char **out)
{
	size_t size = 256;

	*out = NULL;
	for (;;) {
		char *buf = malloc(size);
		ssize_t len;

		if (!buf)
			return -ENOMEM;
		len = readlink(link, buf, size);
		if (len < 0) {
			int err = -errno;

			free(buf);
			return err;
		}
		if ((size_t)len < size) {
			buf[len] = '\0';
			*out = buf;
			return 0;
		}
		free(buf);
		if (size >= (1u << 20))
			return -ENAMETOOLONG;
		size *= 2;
	}
}

/* The state letter of /proc/PID/stat ('R', 'S', 'Z', ...), or 0 when it cannot be read. */
static char proc_state(pid_t pid)
{
	char path[32], buf[512], *p;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return 0;
	buf[len] = '\0';
	/* "pid (comm) S ...": comm may hold spaces and parentheses, so take the last ')' */
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * Report a failure to read /proc/PID/<what> in the user's terms and return the error: a
 * pid that does not exist (or has exited) is -ESRCH; the ptrace access check (EPERM or
 * EACCES) is -EACCES; a live pid without what (a kernel thread has no exe, no mappings)
 * is -ENOENT.
 */
static int proc_err(pid_t pid, int err, const char *what)
{
	char dir[32];
	char state;

	if (err == -ENOENT || err == -ESRCH) {
		snprintf(dir, sizeof(dir), "/proc/%d", (int)pid);
		if (access(dir, F_OK) && errno == ENOENT) {
			sym_pr("pid %d: no such process\n", (int)pid);
			return -ESRCH;
		}
		state = proc_state(pid);
		if (!state || state == 'Z' || state == 'X' || err == -ESRCH) {
			sym_pr("pid %d: the process has exited\n", (int)pid);
			return -ESRCH;
		}
		sym_pr("pid %d: has no executable or memory mappings (a kernel thread?)\n",
		       (int)pid);
		return -ENOENT;
	}
	if (err == -EPERM || err == -EACCES) {
		sym_pr("pid %d: not permitted to read /proc/%d/%s (ptrace access to the process "
		       "is needed: root, or CAP_SYS_PTRACE)\n", (int)pid, (int)pid, what);
		return -EACCES;
	}
	sym_pr("pid %d: /proc/%d/%s: %s\n", (int)pid, (int)pid, what, strerror(-err));
	return err;
}

static int check_pid(pid_t pid)
{
	if (pid > 0)
		return 0;
	sym_pr("pid %d: not a process id\n", (int)pid);
	return -EINVAL;
}

/* Is `path` (from here) the inode dev/ino?  The device counts only when same_dev. */
static bool is_inode(const char *path, dev_t dev, ino_t ino, bool same_dev)
{
	struct stat st;

	return !stat(path, &st) && st.st_ino == ino && (!same_dev || st.st_dev == dev);
}

/*
 * The path from here of a file pid has open (its exe, a mapping), from `path` as the
 * kernel printed it: /proc/PID/root + path, or path itself, whichever is the inode
 * dev/ino.  Each is tried as printed, then without a " (deleted)" suffix (a file may
 * really be called "x (deleted)"); path loses the suffix unless the name with it matched.
 * When nothing matches, `fallback`: a /proc magic link to the inode itself.  The device
 * is compared only when same_dev, because /proc/PID/maps shows the superblock's device,
 * which is not what stat() says on btrfs subvolumes or overlayfs.  Only -ENOMEM.
 */
static int host_path_for(pid_t pid, char *path, dev_t dev, ino_t ino, bool same_dev,
			 const char *fallback, char **out)
{
	const char *pick = fallback;
	char root[32];
	char *cand;

	snprintf(root, sizeof(root), "/proc/%d/root", (int)pid);
	for (int pass = 0; pass < 2; pass++) {
		if (pass && !strip_deleted(path))
			break;
		cand = str_cat(root, path);
		if (!cand)
			return -ENOMEM;
		if (is_inode(cand, dev, ino, same_dev)) {
			*out = cand;
			return 0;
		}
		free(cand);
		if (is_inode(path, dev, ino, same_dev)) {
			pick = path;
			break;
		}
	}
	*out = strdup(pick);
	return *out ? 0 : -ENOMEM;
}

/* ---- a pid's executable --------------------------------------------------------------- */

int sym_proc_exe(pid_t pid, char **host_path)
{
	char link[32];
	char *target = NULL;
	struct stat st;
	int err;

	*host_path = NULL;
	err = check_pid(pid);
	if (err)
		return err;
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	err = readlink_alloc(link, &target);
	if (!err && stat(link, &st))
		err = -errno;
	if (err) {
		free(target);
		if (err == -ENOMEM) {
			sym_pr("pid %d: out of memory\n", (int)pid);
			return err;
		}
		return proc_err(pid, err, "exe");
	}
	/*
	 * A deleted executable reads "/usr/bin/foo (deleted)": no path names it any more, and
	 * a new file may have been installed under the old name.  host_path_for() then finds
	 * no path with the inode and falls back to /proc/PID/exe itself, which the kernel
	 * resolves to the running inode for as long as the process lives.
	 */
	err = host_path_for(pid, target, st.st_dev, st.st_ino, true, link, host_path);
	free(target);
	if (err)
		sym_pr("pid %d: out of memory\n", (int)pid);
	return err;
}

/* ---- a pid's mapped objects ----------------------------------------------------------- */

struct maps_line {
	uint64_t start, end;
	char perms[8];
	unsigned int major, minor;
	uint64_t ino;
	char *path; /* points into the line; "" for anonymous memory */
};

/*
 * "start-end perms offset major:minor inode   path": the path (which may hold spaces) is
 * the rest of the line after the padding.  A newline in a file name is printed as \012;
 * it is taken literally here.
 */
static bool parse_maps_line(char *line, struct maps_line *ml)
{
	uint64_t off;
	int pos = -1;
	size_t len;

	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 " %n",
		   &ml->start, &ml->end, ml->perms, &off, &ml->major, &ml->minor, &ml->ino,
		   &pos) != 7 || pos < 0)
		return false;
	ml->path = line + pos;
	len = strlen(ml->path);
	if (len && ml->path[len - 1] == '\n')
		ml->path[len - 1] = '\0';
	return true;
}

struct proc_obj {
	struct sym_mapping m;
	bool exec;		    /* some mapping of it is executable */
	uint64_t map_start, map_end; /* one of its mappings, for /proc/PID/map_files */
};

static void proc_objs_free(struct proc_obj *o, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(o[i].m.path);
		free(o[i].m.host_path);
	}
	free(o);
}

/* Fold one file-backed mapping into the object with its dev/inode, or a new one. */
static int proc_objs_add(struct proc_obj **objs, size_t *n, size_t *cap,
			 const struct maps_line *ml)
{
	dev_t dev = makedev(ml->major, ml->minor);
	struct proc_obj *o;
	size_t i;

	/* going backwards finds the object of the previous line at once */
	for (i = *n; i-- > 0;) {
		o = &(*objs)[i];
		if (o->m.dev == dev && o->m.ino == (ino_t)ml->ino)
			goto found;
	}
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 32;
		struct proc_obj *tmp = realloc(*objs, ncap * sizeof(*tmp));

		if (!tmp)
			return -ENOMEM;
		*objs = tmp;
		*cap = ncap;
	}
	o = &(*objs)[(*n)++];
	memset(o, 0, sizeof(*o));
	o->m.path = strdup(ml->path);
	if (!o->m.path)
		return -ENOMEM;
	o->m.dev = dev;
	o->m.ino = ml->ino;
	o->m.start = ml->start;
	o->m.end = ml->end;
	o->map_start = ml->start;
	o->map_end = ml->end;
found:
	if (ml->start < o->m.start)
		o->m.start = ml->start;
	if (ml->end > o->m.end)
		o->m.end = ml->end;
	if (strchr(ml->perms, 'x') && !o->exec) {
		o->exec = true;
		o->map_start = ml->start;
		o->map_end = ml->end;
	}
	return 0;
}

/* Every file-backed mapping of /proc/PID/maps, folded by object.  Messages for pid. */
static int read_maps(pid_t pid, struct proc_obj **objs, size_t *n)
{
	char path[32];
	char *line = NULL;
	size_t line_cap = 0, cap = 0;
	struct maps_line ml;
	FILE *f;
	int err = 0;

	*objs = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return proc_err(pid, -errno, "maps");
	errno = 0;
	while (getline(&line, &line_cap, f) > 0) {
		if (!parse_maps_line(line, &ml)) {
			sym_pr("%s: cannot parse line '%.80s'\n", path, line);
			err = -EINVAL;
			break;
		}
		/* anonymous memory, [heap], [vdso], [stack], anon_inode:... have no file */
		if (ml.path[0] != '/')
			continue;
		err = proc_objs_add(objs, n, &cap, &ml);
		if (err) {
			sym_pr("pid %d: out of memory\n", (int)pid);
			break;
		}
	}
	if (!err && ferror(f))
		err = proc_err(pid, errno ? -errno : -EIO, "maps");
	free(line);
	fclose(f);
	if (err) {
		proc_objs_free(*objs, *n);
		*objs = NULL;
		*n = 0;
	}
	return err;
}

void sym_mappings__free(struct sym_mapping *m, size_t n)
{
	if (!m)
		return;
	for (size_t i = 0; i < n; i++) {
		free(m[i].path);
		free(m[i].host_path);
	}
	free(m);
}

int sym_proc_objects(pid_t pid, struct sym_mapping **out, size_t *n)
{
	struct proc_obj *objs;
	struct sym_mapping *m;
	size_t nobjs, cnt = 0;
	char fallback[80];
	int err;

	*out = NULL;
	*n = 0;
	err = check_pid(pid);
	if (err)
		return err;
	err = read_maps(pid, &objs, &nobjs);
	if (err)
		return err;
	/* no mappings at all: a kernel thread, or a zombie whose memory is gone */
	if (!nobjs)
		return proc_err(pid, -ENOENT, "maps");
	m = calloc(nobjs, sizeof(*m));
	if (!m) {
		err = -ENOMEM;
		goto out;
	}
	/* maps is in address order and an object is added at its first (lowest) mapping */
	for (size_t i = 0; i < nobjs; i++) {
		struct proc_obj *o = &objs[i];

		if (!o->exec)
			continue;
		/* a deleted or replaced file: the kernel's link to the mapped inode itself */
		snprintf(fallback, sizeof(fallback), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64,
			 (int)pid, o->map_start, o->map_end);
		err = host_path_for(pid, o->m.path, o->m.dev, o->m.ino, false, fallback,
				    &o->m.host_path);
		if (err)
			goto out;
		m[cnt++] = o->m;
		o->m.path = o->m.host_path = NULL; /* moved */
	}
out:
	proc_objs_free(objs, nobjs);
	if (err) {
		sym_mappings__free(m, cnt);
		sym_pr("pid %d: out of memory\n", (int)pid);
		return err;
	}
	*out = m;
	*n = cnt;
	return 0;
}

/* ---- paths inside another root -------------------------------------------------------- */

/*
 * Resolve `path` (absolute, as the process sees it) inside `root` ("/proc/PID/root"),
 * following symbolic links with root as "/": an absolute target starts again at root and
 * ".." stops there.  *out = root + the resolved path.  The file must exist.  No message.
 */
static int root_resolve(const char *root, const char *path, char **out)
{
	char done[PATH_MAX], todo[PATH_MAX], full[PATH_MAX], target[PATH_MAX];
	size_t root_len = strlen(root), links = 0;
	struct stat st;
	char *comp, *next;
	ssize_t len;

	*out = NULL;
	if (snprintf(todo, sizeof(todo), "%s", path) >= (int)sizeof(todo))
		return -ENAMETOOLONG;
	if (root_len >= sizeof(full))
		return -ENAMETOOLONG;
	memcpy(full, root, root_len);
	done[0] = '\0'; /* "" or "/a/b", relative to root */
	for (comp = todo; comp; comp = next) {
		size_t dlen = strlen(done);

		next = strchr(comp, '/');
		if (next)
			*next++ = '\0';
		if (!*comp || !strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			char *slash = strrchr(done, '/');

			if (slash)
				*slash = '\0';
			continue;
		}
		if (dlen + 1 + strlen(comp) >= sizeof(done) ||
		    root_len + dlen + 1 + strlen(comp) >= sizeof(full))
			return -ENAMETOOLONG;
		done[dlen] = '/';
		strcpy(done + dlen + 1, comp);
		strcpy(full + root_len, done);
		if (lstat(full, &st))
			return -errno;
		if (!S_ISLNK(st.st_mode))
			continue;
		if (++links > MAX_SYMLINKS)
			return -ELOOP;
		len = readlink(full, target, sizeof(target) - 1);
		if (len < 0)
			return -errno;
		target[len] = '\0';
		/* the link is replaced by its target, followed by what was left to do */
		done[target[0] == '/' ? 0 : dlen] = '\0';
		if (next && *next) {
			if ((size_t)len + 1 + strlen(next) >= sizeof(todo))
				return -ENAMETOOLONG;
			memmove(todo + len + 1, next, strlen(next) + 1);
			todo[len] = '/';
		} else {
			todo[len] = '\0';
		}
		memcpy(todo, target, len);
		next = todo;
	}
	strcpy(full + root_len, done[0] ? done : "/");
	*out = strdup(full);
	return *out ? 0 : -ENOMEM;
}

/*
 * A path as the process with root `root` sees it, from here: resolved inside root when
 * there is one, else as is.  -ENOENT (and friends) when it does not exist.  No message.
 */
static int path_in_root(const char *root, const char *path, char **out)
{
	struct stat st;
	int err;

	*out = NULL;
	if (*root && path[0] == '/')
		err = root_resolve(root, path, out);
	else
		err = (*out = strdup(path)) ? 0 : -ENOMEM;
	if (err)
		return err;
	if (stat(*out, &st)) {
		err = -errno;
		free(*out);
		*out = NULL;
	}
	return err;
}

/* ---- library names -------------------------------------------------------------------- */

bool sym_is_libname(const char *name)
{
	return name && *name && !strchr(name, '/');
}

/* Does s hold ".so" as a whole dot-separated part ("libx.so", "libx.so.1")? */
static bool has_so(const char *s)
{
	for (const char *p = strstr(s, ".so"); p; p = strstr(p + 1, ".so"))
		if (!p[3] || p[3] == '.')
			return true;
	return false;
}

/*
 * How well the file name or soname `cand` matches the library name `name`, lower is
 * better: 0 the same; 1 NAME.so or NAME.so.VERSION (when NAME already holds ".so":
 * NAME.MORE, so "libssl.so" finds libssl.so.3 and "libssl.so.1" not libssl.so.10); 2 an
 * older NAME-VERSION.so style name; -1 no match.  "libc" never matches libcrypto.so.3.
 */
static int lib_match(const char *name, const char *cand)
{
	size_t len = strlen(name);
	const char *rest = cand + len;

	if (strncmp(cand, name, len))
		return -1;
	if (!*rest)
		return 0;
	if (has_so(name))
		return *rest == '.' ? 1 : -1;
	if (!strncmp(rest, ".so", 3) && (!rest[3] || rest[3] == '.'))
		return 1;
	if ((*rest == '-' || *rest == '.') && has_so(rest))
		return 2;
	return -1;
}

/* A candidate and its score: rank, then a lesser penalty, then the shorter name. */
struct lib_best {
	int rank;
	int penalty;
	size_t len;
};

static bool lib_better(const struct lib_best *best, int rank, int penalty, size_t len)
{
	if (best->rank < 0 || rank != best->rank)
		return best->rank < 0 || rank < best->rank;
	if (penalty != best->penalty)
		return penalty < best->penalty;
	return len < best->len;
}

/* An ELF shared object (or PIE) for this machine?  Skips linker scripts like libc.so. */
static bool is_host_dso(const char *path)
{
	Elf64_Ehdr eh;
	ssize_t len;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	len = pread(fd, &eh, sizeof(eh), 0);
	close(fd);
	return len == (ssize_t)sizeof(eh) && !memcmp(eh.e_ident, ELFMAG, SELFMAG) &&
	       eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_machine == HOST_EM &&
	       eh.e_type == ET_DYN;
}

/* Among the objects pid maps, by base name.  -ENOENT without a message when none. */
static int find_in_maps(const char *name, pid_t pid, char **path)
{
	struct lib_best best = { .rank = -1 };
	struct sym_mapping *m;
	size_t n, pick = 0;
	int err;

	err = sym_proc_objects(pid, &m, &n);
	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		const char *base = strrchr(m[i].path, '/') + 1; /* paths in maps are absolute */
		int rank = lib_match(name, base);

		if (rank >= 0 && lib_better(&best, rank, 0, strlen(base))) {
			best = (struct lib_best){ rank, 0, strlen(base) };
			pick = i;
		}
	}
	err = -ENOENT;
	if (best.rank >= 0) {
		*path = m[pick].host_path;
		m[pick].host_path = NULL;
		err = 0;
	}
	sym_mappings__free(m, n);
	return err;
}

/*
 * Take dir/entry (root-relative) as the best so far when it resolves to a shared object
 * for this machine: the entry is often a symlink, maybe an absolute one, and the shortest
 * name may be a linker script ("libc.so").  0, -ENOENT when it is not usable, -ENOMEM.
 */
static int dir_candidate(const char *root, const char *dir, const char *entry, char **path)
{
	char *rel = malloc(strlen(dir) + 1 + strlen(entry) + 1);
	char *file;
	int err;

	if (!rel)
		return -ENOMEM;
	sprintf(rel, "%s/%s", dir, entry);
	err = path_in_root(root, rel, &file);
	free(rel);
	if (err)
		return err == -ENOMEM ? err : -ENOENT;
	if (!is_host_dso(file)) {
		free(file);
		return -ENOENT;
	}
	free(*path);
	*path = file;
	return 0;
}

/* The best match in the standard directories under root.  -ENOENT when none. */
static int find_in_dirs(const char *name, const char *root, char **path)
{
	struct lib_best best = { .rank = -1 };
	int err = 0;

	for (size_t d = 0; d < sizeof(lib_dirs) / sizeof(lib_dirs[0]) && !err; d++) {
		char *dir_path;
		struct dirent *de;
		DIR *dir;

		err = path_in_root(root, lib_dirs[d], &dir_path);
		if (err) {
			err = err == -ENOMEM ? err : 0; /* no such directory there */
			continue;
		}
		dir = opendir(dir_path);
		free(dir_path);
		while (dir && !err && (de = readdir(dir))) {
			int rank = lib_match(name, de->d_name);
			size_t len = strlen(de->d_name);

			if (rank < 0 || !lib_better(&best, rank, 0, len))
				continue;
			err = dir_candidate(root, lib_dirs[d], de->d_name, path);
			if (!err)
				best = (struct lib_best){ rank, 0, len };
			else if (err == -ENOENT)
				err = 0;
		}
		if (dir)
			closedir(dir);
	}
	if (err) {
		free(*path);
		*path = NULL;
		return err;
	}
	return best.rank >= 0 ? 0 : -ENOENT;
}

/* ---- /etc/ld.so.cache ----------------------------------------------------------------- */

#define LDC_OLD_MAGIC	  "ld.so-1.7.0"
#define LDC_NEW_MAGIC	  "glibc-ld.so.cache1.1" /* magic and version */
#define LDC_OLD_HDR_SIZE  16			/* magic[11], pad, uint32 nlibs */
#define LDC_OLD_ENT_SIZE  12			/* int32 flags, uint32 key, value */
#define LDC_ENDIAN_MASK	  3
#define LDC_ENDIAN_UNSET  0
#define LDC_ENDIAN_LITTLE 2
#define LDC_ENDIAN_BIG	  3

struct ldc_hdr {
	char magic[20]; /* LDC_NEW_MAGIC without its NUL */
	uint32_t nlibs;
	uint32_t len_strings;
	uint8_t flags; /* byte order in the low two bits */
	uint8_t pad[3];
	uint32_t extension_offset;
	uint32_t unused[3];
};

struct ldc_ent {
	int32_t flags;
	uint32_t key;	/* soname, offset from the start of struct ldc_hdr */
	uint32_t value; /* path, likewise */
	uint32_t osversion;
	uint64_t hwcap; /* non-zero for hwcap / glibc-hwcaps subdirectory variants */
};

_Static_assert(sizeof(struct ldc_hdr) == 48, "ld.so.cache header");
_Static_assert(sizeof(struct ldc_ent) == 24, "ld.so.cache entry");

/* The NUL-terminated string at base + off, all inside the file, or NULL. */
static const char *ldc_str(const unsigned char *buf, size_t size, size_t base, uint32_t off)
{
	if (off >= size - base)
		return NULL;
	if (!memchr(buf + base + off, '\0', size - base - off))
		return NULL;
	return (const char *)buf + base + off;
}

/*
 * The path of the best entry for `name` in the cache image buf[size] (malloc'ed in
 * *value).  String offsets count from the new header, which is the start of the file
 * unless the old format precedes it.  -ENOENT: no match; -ENOEXEC: a malformed file, with
 * why says what.
 */
static int ldc_parse(const unsigned char *buf, size_t size, const char *name, char **value,
		     char *why, size_t why_size)
{
	struct lib_best best = { .rank = -1 };
	const char *pick = NULL;
	struct ldc_hdr hdr;
	size_t base = 0, ents;

	if (size >= sizeof(LDC_OLD_MAGIC) - 1 && !memcmp(buf, LDC_OLD_MAGIC, 11)) {
		uint32_t nold;

		if (size < LDC_OLD_HDR_SIZE) {
			snprintf(why, why_size, "truncated header");
			return -ENOEXEC;
		}
		memcpy(&nold, buf + 12, sizeof(nold));
		if (nold > (size - LDC_OLD_HDR_SIZE) / LDC_OLD_ENT_SIZE) {
			snprintf(why, why_size, "%u old-format entries do not fit in %zu bytes",
				 nold, size);
			return -ENOEXEC;
		}
		/* the new format follows the old entries, 8-byte aligned */
		base = (LDC_OLD_HDR_SIZE + (size_t)nold * LDC_OLD_ENT_SIZE + 7) & ~(size_t)7;
	}
	if (base > size || size - base < sizeof(hdr) ||
	    memcmp(buf + base, LDC_NEW_MAGIC, sizeof(hdr.magic))) {
		snprintf(why, why_size, base ? "only the old ld.so-1.7.0 format, not supported"
					     : "not an ld.so.cache file");
		return -ENOEXEC;
	}
	memcpy(&hdr, buf + base, sizeof(hdr));
	if ((hdr.flags & LDC_ENDIAN_MASK) != LDC_ENDIAN_UNSET &&
	    (hdr.flags & LDC_ENDIAN_MASK) !=
		    (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? LDC_ENDIAN_LITTLE
							       : LDC_ENDIAN_BIG)) {
		snprintf(why, why_size, "wrong byte order, or marked invalid (flags 0x%x)",
			 hdr.flags);
		return -ENOEXEC;
	}
	ents = base + sizeof(hdr);
	if (hdr.nlibs > (size - ents) / sizeof(struct ldc_ent)) {
		snprintf(why, why_size, "%u entries do not fit in %zu bytes", hdr.nlibs, size);
		return -ENOEXEC;
	}
	if (hdr.len_strings > size - ents - hdr.nlibs * sizeof(struct ldc_ent)) {
		snprintf(why, why_size, "string table of %u bytes does not fit in %zu bytes",
			 hdr.len_strings, size);
		return -ENOEXEC;
	}
	for (uint32_t i = 0; i < hdr.nlibs; i++) {
		const char *key, *val;
		struct ldc_ent e;
		int rank;

		memcpy(&e, buf + ents + i * sizeof(e), sizeof(e));
		key = ldc_str(buf, size, base, e.key);
		val = ldc_str(buf, size, base, e.value);
		if (!key || !val || val[0] != '/') {
			snprintf(why, why_size, "entry %u: %s", i,
				 key && val ? "path is not absolute" : "string outside the file");
			return -ENOEXEC;
		}
		if (e.flags != HOST_CACHE_FLAGS)
			continue; /* another ABI: i386 (libc6), x32, ... */
		rank = lib_match(name, key);
		/* ld.so may prefer an hwcap variant on this CPU; the baseline is always there */
		if (rank >= 0 && lib_better(&best, rank, e.hwcap != 0, strlen(key))) {
			best = (struct lib_best){ rank, e.hwcap != 0, strlen(key) };
			pick = val;
		}
	}
	if (!pick)
		return -ENOENT;
	*value = strdup(pick);
	return *value ? 0 : -ENOMEM;
}

/*
 * Look `name` up in the cache file: 0 with the entry's path in *value; -ENOENT, with why
 * left empty, when the file does not exist or holds no such library; other errors with
 * why filled in.  No message.
 */
static int ldc_find(const char *cache_path, const char *name, char **value, char *why,
		    size_t why_size)
{
	unsigned char *buf = NULL;
	size_t size = 0;
	struct stat st;
	int fd, err = 0;

	*value = NULL;
	why[0] = '\0';
	fd = open(cache_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		if (err != -ENOENT)
			snprintf(why, why_size, "%s", strerror(-err));
		return err;
	}
	if (fstat(fd, &st)) {
		err = -errno;
	} else if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
	} else if (st.st_size > LDCACHE_MAX_SIZE) {
		err = -EFBIG;
	} else if (!(buf = malloc(st.st_size ? st.st_size : 1))) {
		err = -ENOMEM;
	} else {
		/* a short read (the file shrank meanwhile) leaves a smaller image, checked */
		while (size < (size_t)st.st_size) {
			ssize_t len = read(fd, buf + size, st.st_size - size);

			if (len < 0 && errno == EINTR)
				continue;
			if (len < 0)
				err = -errno;
			if (len <= 0)
				break;
			size += len;
		}
	}
	close(fd);
	if (err == -EINVAL)
		snprintf(why, why_size, "not a regular file");
	else if (err)
		snprintf(why, why_size, "%s", strerror(-err));
	else
		err = ldc_parse(buf, size, name, value, why, why_size);
	free(buf);
	return err;
}

int sym_ldcache_lookup(const char *cache_path, const char *root, const char *name, char **out)
{
	char why[160];
	char *value;
	int err;

	*out = NULL;
	err = ldc_find(cache_path, name, &value, why, sizeof(why));
	if (err == -ENOENT)
		return err;
	if (err) {
		sym_pr("%s: %s\n", cache_path, why);
		return err;
	}
	*out = str_cat(root ? root : "", value);
	free(value);
	if (!*out) {
		sym_pr("%s: out of memory\n", cache_path);
		return -ENOMEM;
	}
	return 0;
}

/* ---- sym_find_library ----------------------------------------------------------------- */

/* A name with a '/': a path, inside pid's root when it is absolute and pid is given. */
static int find_path(const char *name, pid_t pid, const char *root, char **path)
{
	struct stat st;
	int err;

	err = path_in_root(root, name, path);
	if (err == -ENOMEM) {
		sym_pr("%s: out of memory\n", name);
	} else if (err && *root && name[0] == '/') {
		sym_pr("%s: not found in the root of pid %d (%s): %s\n", name, (int)pid, root,
		       strerror(-err));
	} else if (err) {
		sym_pr("%s: %s\n", name, strerror(-err));
	} else if (!stat(*path, &st) && S_ISDIR(st.st_mode)) {
		sym_pr("%s: is a directory, not a library\n", name);
		err = -EISDIR;
	}
	if (err) {
		free(*path);
		*path = NULL;
	}
	return err;
}

int sym_find_library(const char *name, pid_t pid, char **path)
{
	char root[32] = "", cache[64], why[160];
	char *value = NULL;
	struct stat st;
	int err;

	*path = NULL;
	if (!name || !*name) {
		sym_pr("library name is empty\n");
		return -EINVAL;
	}
	if (pid > 0)
		snprintf(root, sizeof(root), "/proc/%d/root", (int)pid);
	/* a path is a path; so is a bare name that is a file here, as in perf and bpftrace
	 * (`uptrace -l myprog`): a library by that name only when there is none */
	if (!sym_is_libname(name) || (pid <= 0 && !stat(name, &st) && S_ISREG(st.st_mode)))
		return find_path(name, pid, root, path);

	if (pid > 0) {
		err = find_in_maps(name, pid, path);
		if (err != -ENOENT)
			return err; /* found, or the pid is gone (reported) */
	}
	snprintf(cache, sizeof(cache), "%s/etc/ld.so.cache", root);
	err = ldc_find(cache, name, &value, why, sizeof(why));
	if (!err) {
		/* a stale cache may name a file that is gone: go on to the directories */
		err = path_in_root(root, value, path);
		free(value);
	}
	if (err && err != -ENOMEM)
		err = find_in_dirs(name, root, path);
	if (err == -ENOMEM) {
		free(*path);
		*path = NULL;
		sym_pr("%s: out of memory\n", name);
		return err;
	}
	if (!err)
		return 0;
	if (pid > 0)
		sym_pr("%s: not mapped by pid %d, and not in %s nor in " LIB_DIRS_TEXT
		       " under %s%s%s\n", name, (int)pid, cache, root,
		       why[0] ? "; the cache: " : "", why);
	else
		sym_pr("%s: no such library in %s (" HOST_ABI " entries) nor in "
		       LIB_DIRS_TEXT "%s%s\n", name, cache, why[0] ? "; the cache: " : "", why);
	return -ENOENT;
}
