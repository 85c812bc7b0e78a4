// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ktrace.c - kernel traces (-t NAME): names, set-up, and their records as JSON.
 *
 * The BPF side (probes/ktrace.bpf.h) runs one program per syscall direction, attached here
 * to the syscalls:sys_{enter,exit}_NAME tracepoints of the selected traces only (tracefs is
 * mounted when it is not), and looks the syscall number up in ksys_op[], filled here from
 * <sys/syscall.h>: the BPF code knows no syscall numbers.  Which processes count is the
 * filter: the pid tree of -p/-c (the `traced` map, grown at fork), the processes running
 * BINARY (compared by inode in BPF), or every process with --all.  malloc is uprobes on the
 * target's own libc: per process for -p/-c, so no other process takes a trap; in every
 * process (filtered in BPF) with --follow, for a BINARY and with --all.
 *
 * Rendering follows Fluent Bit's in_ebpf field names, and is cleaner where in_ebpf is
 * rough: comm without NUL padding (output.c), addresses as text, error_raw a positive
 * errno, no duplicate keys, every event's own kernel time.  Records are validated before a
 * byte of them is used.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "ktrace.h"
#include "links.h"
#include "placement.h"
#include "symbols.h"
#include "target.h"
#include "util.h"
#include "uptrace.skel.h"

static const char *const trace_names[UPT_TRACE_MAX] = {
	[UPT_TRACE_EXEC] = "exec", [UPT_TRACE_SIGNAL] = "signal", [UPT_TRACE_MALLOC] = "malloc",
	[UPT_TRACE_BIND] = "bind", [UPT_TRACE_TCP] = "tcp",	  [UPT_TRACE_VFS] = "vfs",
};

/* The vfs operations' names, which are also their syscalls' names. */
static const char *const vfs_names[UPT_VFS_NOPS] = {
	[UPT_VFS_OPENAT] = "openat",	 [UPT_VFS_OPEN] = "open",
	[UPT_VFS_OPENAT2] = "openat2",	 [UPT_VFS_CREAT] = "creat",
	[UPT_VFS_READ] = "read",	 [UPT_VFS_WRITE] = "write",
	[UPT_VFS_PREAD64] = "pread64",	 [UPT_VFS_PWRITE64] = "pwrite64",
	[UPT_VFS_READV] = "readv",	 [UPT_VFS_WRITEV] = "writev",
	[UPT_VFS_CLOSE] = "close",	 [UPT_VFS_UNLINK] = "unlink",
	[UPT_VFS_UNLINKAT] = "unlinkat", [UPT_VFS_MKDIR] = "mkdir",
	[UPT_VFS_MKDIRAT] = "mkdirat",	 [UPT_VFS_RMDIR] = "rmdir",
};

static const char *const mem_names[UPT_MEM_NOPS] = {
	[UPT_MEM_MALLOC] = "malloc", [UPT_MEM_FREE] = "free",
	[UPT_MEM_CALLOC] = "calloc", [UPT_MEM_REALLOC] = "realloc",
};

const char *ktrace_name(unsigned int trace)
{
	return trace < UPT_TRACE_MAX ? trace_names[trace] : NULL;
}

const char *ktrace_vfs_op_name(unsigned int op)
{
	return op < UPT_VFS_NOPS ? vfs_names[op] : NULL;
}

const char *ktrace_mem_op_name(unsigned int op)
{
	return op < UPT_MEM_NOPS ? mem_names[op] : NULL;
}

int ktrace_parse(const char *name, uint32_t *mask)
{
	const char *n = strncmp(name, "trace_", 6) ? name : name + 6;
	unsigned int i;

	if (!strcmp(n, "all")) {
		*mask |= UPT_TRACE_ALL;
		return 0;
	}
	for (i = 0; i < UPT_TRACE_MAX; i++) {
		if (!strcmp(n, trace_names[i])) {
			*mask |= UPT_TRACE_BIT(i);
			return 0;
		}
	}
	upt_err("-t: no trace '%s' (exec, signal, malloc, bind, tcp, vfs or all)", name);
	return -EINVAL;
}

/* ---- the syscall table ------------------------------------------------------------------ */

/* Every syscall a trace follows: its number here, its tracepoint name, what BPF makes of it. */
struct ksys_def {
	long nr;
	const char *name; /* syscalls:sys_enter_NAME, sys_exit_NAME */
	uint8_t trace;
	uint8_t ksys;
};

#define VFS(sys, op) { SYS_##sys, #sys, UPT_TRACE_VFS, UPT_KSYS_VFS + (op) }

static const struct ksys_def ksys_defs[] = {
	{ SYS_execve, "execve", UPT_TRACE_EXEC, UPT_KSYS_EXECVE },
	{ SYS_execveat, "execveat", UPT_TRACE_EXEC, UPT_KSYS_EXECVEAT },
	{ SYS_bind, "bind", UPT_TRACE_BIND, UPT_KSYS_BIND },
	{ SYS_listen, "listen", UPT_TRACE_TCP, UPT_KSYS_LISTEN },
	{ SYS_accept, "accept", UPT_TRACE_TCP, UPT_KSYS_ACCEPT },
	{ SYS_accept4, "accept4", UPT_TRACE_TCP, UPT_KSYS_ACCEPT4 },
	{ SYS_connect, "connect", UPT_TRACE_TCP, UPT_KSYS_CONNECT },
	VFS(openat, UPT_VFS_OPENAT),
#ifdef SYS_open
	VFS(open, UPT_VFS_OPEN),
#endif
#ifdef SYS_openat2
	VFS(openat2, UPT_VFS_OPENAT2),
#endif
#ifdef SYS_creat
	VFS(creat, UPT_VFS_CREAT),
#endif
	VFS(read, UPT_VFS_READ),
	VFS(write, UPT_VFS_WRITE),
	VFS(pread64, UPT_VFS_PREAD64),
	VFS(pwrite64, UPT_VFS_PWRITE64),
	VFS(readv, UPT_VFS_READV),
	VFS(writev, UPT_VFS_WRITEV),
	VFS(close, UPT_VFS_CLOSE),
#ifdef SYS_unlink
	VFS(unlink, UPT_VFS_UNLINK),
#endif
	VFS(unlinkat, UPT_VFS_UNLINKAT),
#ifdef SYS_mkdir
	VFS(mkdir, UPT_VFS_MKDIR),
#endif
	VFS(mkdirat, UPT_VFS_MKDIRAT),
#ifdef SYS_rmdir
	VFS(rmdir, UPT_VFS_RMDIR),
#endif
};

#undef VFS

void ktrace_syscall_table(uint32_t traces, uint8_t table[UPT_NSYSCALLS])
{
	size_t i;

	memset(table, 0, UPT_NSYSCALLS);
	for (i = 0; i < ARRAY_SIZE(ksys_defs); i++)
		if ((traces & UPT_TRACE_BIT(ksys_defs[i].trace)) && ksys_defs[i].nr >= 0 &&
		    ksys_defs[i].nr < UPT_NSYSCALLS)
			table[ksys_defs[i].nr] = ksys_defs[i].ksys;
}

/* ---- set-up -------------------------------------------------------------------------------- */

/* One libc the malloc probes go to, in one process (pid) or in all (-1). */
struct libc_target {
	char *path; /* host path */
	pid_t pid;
	uint64_t off[UPT_MEM_NOPS];
};

struct ktrace {
	struct ktrace_opts opts;
	uint64_t exe_ino;
	uint32_t exe_dev; /* the kernel's encoding: MKDEV(major, minor) = major << 20 | minor */
	struct libc_target *libcs;
	size_t nlibcs;
	struct bpf_link **links;
	size_t nlinks, caplinks;
};

/*
 * Where each function's probes go: at the first instruction the kernel emulates, when the
 * ones before it (endbr64) leave the arguments and the stack pointer alone, as uptrace
 * places an entry uprobe; single-stepping libc's endbr64 doubled the cost of a traced
 * malloc/free pair.  The uretprobe shares that spot (one trap for both): the stack pointer
 * there is the entry's, so the return address it takes over is the caller's.
 */
static int find_libc_funcs(struct libc_target *lt)
{
	static const char *const funcs[UPT_MEM_NOPS] = { "malloc", "free", "calloc", "realloc" };
	struct sym_placement pl;
	struct sym_elf *e;
	struct sym_func f;
	unsigned int i;
	int err;

	err = sym_elf__open(lt->path, &e);
	if (err)
		return err;
	for (i = 0; !err && i < UPT_MEM_NOPS; i++) {
		err = sym_elf__resolve(e, funcs[i], &f);
		if (err)
			break;
		sym_place_probe(e, &f, &pl); /* the entry when it cannot tell */
		lt->off[i] = pl.offset;
		upt_info("-t malloc: %s: %s at +%u ('%s')", lt->path, funcs[i], pl.skipped,
			 pl.insn);
		sym_func__clear(&f);
	}
	sym_elf__close(e);
	return err;
}

/* The libc the malloc probes of process pid (-1: every process) go to. */
static int add_libc(struct ktrace *kt, pid_t pid, pid_t attach_pid)
{
	struct libc_target *tmp, *lt;
	char *path = NULL;
	size_t i;
	int err;

	err = sym_find_library("libc", pid, &path);
	if (err) {
		if (pid > 0)
			upt_err("-t malloc: cannot find the libc of pid %d", (int)pid);
		else
			upt_err("-t malloc: cannot find libc");
		return err;
	}
	for (i = 0; i < kt->nlibcs; i++) {
		if (kt->libcs[i].pid == attach_pid && !strcmp(kt->libcs[i].path, path)) {
			free(path);
			return 0;
		}
	}
	tmp = realloc(kt->libcs, (kt->nlibcs + 1) * sizeof(*tmp));
	if (!tmp) {
		free(path);
		return -ENOMEM;
	}
	kt->libcs = tmp;
	lt = &kt->libcs[kt->nlibcs];
	memset(lt, 0, sizeof(*lt));
	lt->path = path;
	lt->pid = attach_pid;
	kt->nlibcs++;
	err = find_libc_funcs(lt);
	if (err)
		upt_err("-t malloc: %s: no malloc/free/calloc/realloc", path);
	return err;
}

static int find_libcs(struct ktrace *kt)
{
	const struct ktrace_opts *o = &kt->opts;
	size_t i;
	int err = 0;

	if (o->filter != UPT_KF_PIDS)
		return add_libc(kt, 0, -1);
	/* per process, so that no other process takes the trap; --follow: every process */
	for (i = 0; !err && i < o->npids; i++)
		err = add_libc(kt, o->pids[i], o->follow ? -1 : o->pids[i]);
	return err;
}

int ktrace__new(const struct ktrace_opts *o, struct ktrace **out)
{
	struct ktrace *kt = calloc(1, sizeof(*kt));
	struct stat st;
	int err = 0;

	if (!kt)
		return -ENOMEM;
	kt->opts = *o;
	*out = kt;
	if (!o->traces)
		return 0;
	if (o->filter == UPT_KF_EXE) {
		if (!o->exe || stat(o->exe, &st)) {
			err = o->exe ? -errno : -EINVAL;
			upt_err("kernel traces: %s: %s", o->exe ?: "no executable to filter on",
				strerror(-err));
			return err;
		}
		kt->exe_ino = st.st_ino;
		kt->exe_dev = (major(st.st_dev) << 20) | minor(st.st_dev);
	} else if (o->filter == UPT_KF_PIDS && !o->npids) {
		upt_err("kernel traces: no process to trace");
		return -EINVAL;
	}
	if (o->traces & UPT_TRACE_BIT(UPT_TRACE_MALLOC))
		err = find_libcs(kt);
	return err;
}

uint32_t ktrace__traces(const struct ktrace *kt)
{
	return kt ? kt->opts.traces : 0;
}

int ktrace__configure(struct ktrace *kt, struct uptrace_bpf *s)
{
	uint32_t tr = kt->opts.traces;
	bool sys = tr & (UPT_TRACE_BIT(UPT_TRACE_EXEC) | UPT_TRACE_BIT(UPT_TRACE_BIND) |
			 UPT_TRACE_BIT(UPT_TRACE_TCP) | UPT_TRACE_BIT(UPT_TRACE_VFS));
	bool mem = tr & UPT_TRACE_BIT(UPT_TRACE_MALLOC);
	int err;

	err = bpf_program__set_autoload(s->progs.ktrace_sys_enter, sys);
	err = err ?: bpf_program__set_autoload(s->progs.ktrace_sys_exit, sys);
	/* a -c child starts at its execve even when exec itself is not traced */
	err = err ?: bpf_program__set_autoload(s->progs.ktrace_exec_done,
					       (tr & UPT_TRACE_BIT(UPT_TRACE_EXEC)) ||
						       (tr && kt->opts.pending));
	err = err ?: bpf_program__set_autoload(s->progs.ktrace_signal,
					       tr & UPT_TRACE_BIT(UPT_TRACE_SIGNAL));
	err = err ?: bpf_program__set_autoload(s->progs.ktrace_mem_enter, mem);
	err = err ?: bpf_program__set_autoload(s->progs.ktrace_mem_ret, mem);
	err = err ?: bpf_program__set_autoload(s->progs.ktrace_gone, sys || mem);
	if (err)
		return err;
	s->rodata->ktrace_filter = kt->opts.filter;
	s->rodata->ktrace_self = getpid();
	s->rodata->ktrace_exe_ino = kt->exe_ino;
	s->rodata->ktrace_exe_dev = kt->exe_dev;
	ktrace_syscall_table(tr, (uint8_t *)s->rodata->ksys_op);
	return 0;
}

static int add_link(struct ktrace *kt, struct bpf_link *l)
{
	struct bpf_link **tmp;

	if (kt->nlinks == kt->caplinks) {
		tmp = realloc(kt->links, (kt->caplinks * 2 + 8) * sizeof(*tmp));
		if (!tmp) {
			bpf_link__destroy(l);
			return -ENOMEM;
		}
		kt->links = tmp;
		kt->caplinks = kt->caplinks * 2 + 8;
	}
	kt->links[kt->nlinks++] = l;
	return 0;
}

/*
 * Classic tracepoints need tracefs (libbpf reads events/syscalls/.../id there).  Mount it
 * where the kernel expects it when nothing provides it: the mount outlives uptrace, as the
 * one systemd would have made.
 */
static int ensure_tracefs(void)
{
	static const char *const dirs[] = { "/sys/kernel/tracing/events/syscalls",
					    "/sys/kernel/debug/tracing/events/syscalls" };
	size_t i;
	int err;

	for (i = 0; i < ARRAY_SIZE(dirs); i++)
		if (!access(dirs[i], F_OK))
			return 0;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) && errno != EBUSY) {
		err = -errno;
		upt_err("kernel traces: cannot mount tracefs on /sys/kernel/tracing: %s",
			strerror(-err));
		return err;
	}
	if (access(dirs[0], F_OK)) {
		upt_err("kernel traces: the kernel has no syscall tracepoints (%s)", dirs[0]);
		return -ENOENT;
	}
	upt_info("mounted tracefs on /sys/kernel/tracing");
	return 0;
}

/* sys_exit_NAME (then sys_enter_NAME) of every syscall the traces follow. */
static int attach_syscalls(struct ktrace *kt, struct uptrace_bpf *s, bool enter)
{
	struct bpf_program *prog = enter ? s->progs.ktrace_sys_enter : s->progs.ktrace_sys_exit;
	char tp[64];
	struct bpf_link *l;
	size_t i;
	int err;

	for (i = 0; i < ARRAY_SIZE(ksys_defs); i++) {
		if (!(kt->opts.traces & UPT_TRACE_BIT(ksys_defs[i].trace)))
			continue;
		snprintf(tp, sizeof(tp), "sys_%s_%s", enter ? "enter" : "exit", ksys_defs[i].name);
		l = bpf_program__attach_tracepoint(prog, "syscalls", tp);
		if (!l) {
			err = -errno;
			upt_err("kernel traces: cannot attach to syscalls:%s: %s", tp,
				strerror(-err));
			return err;
		}
		err = add_link(kt, l);
		if (err)
			return err;
	}
	return 0;
}

static int attach_prog(struct ktrace *kt, struct bpf_program *prog, const char *what)
{
	struct bpf_link *l = bpf_program__attach(prog);
	int err;

	if (!l) {
		err = -errno;
		upt_err("kernel traces: cannot attach to %s: %s", what, strerror(-err));
		return err;
	}
	return add_link(kt, l);
}

static int attach_libc(struct ktrace *kt, struct uptrace_bpf *s, const struct libc_target *lt)
{
	struct bpf_link *l;
	unsigned int op;
	bool ret;
	int err;

	for (op = 0; op < UPT_MEM_NOPS * 2; op++) {
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = op / 2);

		ret = op & 1;
		if (ret && op / 2 == UPT_MEM_FREE)
			continue;
		uo.retprobe = ret;
		l = bpf_program__attach_uprobe_opts(ret ? s->progs.ktrace_mem_ret
							: s->progs.ktrace_mem_enter,
						    lt->pid, lt->path, lt->off[op / 2], &uo);
		if (!l) {
			err = -errno;
			upt_err("-t malloc: cannot attach to %s:%s%s: %s", lt->path,
				mem_names[op / 2], ret ? "%return" : "", strerror(-err));
			return err;
		}
		err = add_link(kt, l);
		if (err)
			return err;
	}
	upt_info("attached malloc, free, calloc, realloc of %s%s", lt->path,
		 lt->pid > 0 ? " (one process)" : "");
	return 0;
}

static void detach_all(struct ktrace *kt)
{
	links_destroy_all(kt->links, kt->nlinks);
	kt->nlinks = 0;
}

int ktrace__attach(struct ktrace *kt, struct uptrace_bpf *s)
{
	uint32_t tr = kt->opts.traces;
	size_t i;
	int err = 0;

	if (!tr)
		return 0;
	/* first: whatever a thread leaves in the pending maps goes with it */
	if (bpf_program__autoload(s->progs.ktrace_gone))
		err = attach_prog(kt, s->progs.ktrace_gone, "sched_process_exit");
	if (!err && bpf_program__autoload(s->progs.ktrace_exec_done))
		err = attach_prog(kt, s->progs.ktrace_exec_done, "sched_process_exec");
	if (!err && bpf_program__autoload(s->progs.ktrace_signal))
		err = attach_prog(kt, s->progs.ktrace_signal, "signal_generate");
	for (i = 0; !err && (tr & UPT_TRACE_BIT(UPT_TRACE_MALLOC)) && i < kt->nlibcs; i++)
		err = attach_libc(kt, s, &kt->libcs[i]);
	/* the exits before the entries: no entry is kept without its exit attached */
	if (!err && bpf_program__autoload(s->progs.ktrace_sys_exit)) {
		err = ensure_tracefs();
		err = err ?: attach_syscalls(kt, s, false);
		err = err ?: attach_syscalls(kt, s, true);
	}
	if (err) {
		detach_all(kt);
		return err;
	}
	for (i = 0; i < UPT_TRACE_MAX; i++)
		if (tr & UPT_TRACE_BIT(i))
			upt_info("kernel trace %s on (%s)", trace_names[i],
				 kt->opts.filter == UPT_KF_ALL	 ? "every process"
				 : kt->opts.filter == UPT_KF_EXE ? "processes running the binary"
								 : "the traced processes");
	return 0;
}

void ktrace__drops(struct ktrace *kt, struct uptrace_bpf *s, uint64_t drops[UPT_TRACE_MAX])
{
	int ncpus = libbpf_num_possible_cpus(), c;
	uint64_t *vals;
	uint32_t i;

	memset(drops, 0, UPT_TRACE_MAX * sizeof(*drops));
	if (!kt || !kt->opts.traces || ncpus <= 0)
		return;
	vals = calloc(ncpus, sizeof(*vals));
	if (!vals)
		return;
	for (i = 0; i < UPT_TRACE_MAX; i++) {
		if (bpf_map__lookup_elem(s->maps.kdrops, &i, sizeof(i), vals,
					 ncpus * sizeof(*vals), 0))
			continue;
		for (c = 0; c < ncpus; c++)
			drops[i] += vals[c];
	}
	free(vals);
}

void ktrace__free(struct ktrace *kt)
{
	size_t i;

	if (!kt)
		return;
	detach_all(kt);
	free(kt->links);
	for (i = 0; i < kt->nlibcs; i++)
		free(kt->libcs[i].path);
	free(kt->libcs);
	free(kt);
}

/* ---- records -> JSON ------------------------------------------------------------------------ */

static const size_t fixed_size[] = {
	[UPT_REC_SIGNAL] = sizeof(struct upt_signal_rec),
	[UPT_REC_MALLOC] = sizeof(struct upt_malloc_rec),
	[UPT_REC_BIND] = sizeof(struct upt_bind_rec),
	[UPT_REC_TCP] = sizeof(struct upt_tcp_rec),
};

static bool exec_ok(const struct upt_exec_rec *r, size_t size)
{
	size_t need = sizeof(*r);
	unsigned int i;

	if (size < sizeof(*r) || r->stage > UPT_EXEC_EXIT || r->len[0] >= UPT_EXEC_FN_MAX ||
	    r->unread >= 1u << UPT_EXEC_NSTR)
		return false;
	for (i = 0; i < UPT_EXEC_NSTR; i++) {
		if (i && r->len[i] >= UPT_EXEC_ARG_MAX)
			return false;
		need += r->len[i];
	}
	return need == size;
}

static bool addr_ok(const struct upt_kaddr *a)
{
	return !a->family || a->family == AF_INET || a->family == AF_INET6;
}

static bool vfs_ok(const struct upt_vfs_rec *r, size_t size)
{
	return size >= sizeof(*r) && r->op < UPT_VFS_NOPS && r->kind <= UPT_VFS_PATH_ANON &&
	       (uint64_t)r->path_off + r->path_len <= size - sizeof(*r);
}

const char *ktrace_event_type(const void *data, size_t size, unsigned int *trace)
{
	const struct upt_rec_hdr *h = data;
	static const char *const tcp_types[] = { "listen", "accept", "connect" };

	if (!ktrace_is_record(data, size) || h->size != size)
		return NULL;
	if (h->type < ARRAY_SIZE(fixed_size) && fixed_size[h->type] && size != fixed_size[h->type])
		return NULL;
	switch (h->type) {
	case UPT_REC_EXEC:
		*trace = UPT_TRACE_EXEC;
		return exec_ok(data, size) ? "exec" : NULL;
	case UPT_REC_SIGNAL:
		*trace = UPT_TRACE_SIGNAL;
		return "signal";
	case UPT_REC_MALLOC:
		*trace = UPT_TRACE_MALLOC;
		return ((const struct upt_malloc_rec *)data)->op < UPT_MEM_NOPS ? "malloc" : NULL;
	case UPT_REC_BIND:
		*trace = UPT_TRACE_BIND;
		return addr_ok(&((const struct upt_bind_rec *)data)->local) ? "bind" : NULL;
	case UPT_REC_TCP: {
		const struct upt_tcp_rec *r = data;

		*trace = UPT_TRACE_TCP;
		return r->kind <= UPT_TCP_CONNECT && addr_ok(&r->peer) ? tcp_types[r->kind] : NULL;
	}
	default:
		*trace = UPT_TRACE_VFS;
		return vfs_ok(data, size) ? "vfs" : NULL;
	}
}

static void put_ptr(struct emit *e, const char *key, uint64_t v)
{
	emit_key(e, key, strlen(key));
	if (v)
		emit_hex(e, v);
	else
		emit_null(e);
}

/* "127.0.0.1" / "::1"; null without an address. */
static void put_addr(struct emit *e, const char *key, const struct upt_kaddr *a)
{
	char text[INET6_ADDRSTRLEN];

	emit_key(e, key, strlen(key));
	if (a->family && inet_ntop(a->family, a->addr, text, sizeof(text)))
		emit_cstr(e, text);
	else
		emit_null(e);
}

static void put_port(struct emit *e, const char *key, const struct upt_kaddr *a)
{
	emit_key(e, key, strlen(key));
	if (a->family)
		emit_u64(e, a->port);
	else
		emit_null(e);
}

/* "key": n, or null when the value is not there */
static void put_s64_or_null(struct emit *e, const char *key, bool there, int64_t n)
{
	emit_key(e, key, strlen(key));
	if (there)
		emit_s64(e, n);
	else
		emit_null(e);
}

static void put_exec(struct emit *e, const struct upt_exec_rec *r)
{
	static const char *const keys[UPT_EXEC_NSTR] = { "filename", "argv", "argv1", "argv2",
							  "argv_last" };
	/* argv strings exist only for the arguments there are; null also when unreadable */
	const uint32_t need[UPT_EXEC_NSTR] = { 0, 1, 2, 3, 1 };
	const char *s = (const char *)(r + 1);
	unsigned int i;

	EMIT_KEY(e, "stage");
	if (r->stage)
		EMIT_STR(e, "exit");
	else
		EMIT_STR(e, "enter");
	EMIT_KEY(e, "ppid");
	emit_u64(e, r->ppid);
	for (i = 0; i < UPT_EXEC_NSTR; i++) {
		emit_key(e, keys[i], strlen(keys[i]));
		if (r->argc >= need[i] && !(r->unread & (1u << i)))
			emit_str(e, s, strnlen(s, r->len[i]));
		else
			emit_null(e);
		s += r->len[i];
	}
	EMIT_KEY(e, "argc");
	emit_u64(e, r->argc);
	EMIT_KEY(e, "error_raw");
	emit_s64(e, r->error);
}

static void put_malloc(struct emit *e, const struct upt_malloc_rec *r)
{
	EMIT_KEY(e, "operation");
	emit_u64(e, r->op);
	EMIT_KEY(e, "operation_name");
	emit_cstr(e, mem_names[r->op]);
	put_ptr(e, "address", r->addr);
	EMIT_KEY(e, "size");
	emit_u64(e, r->size);
	if (r->op == UPT_MEM_REALLOC)
		put_ptr(e, "old_address", r->old);
}

static void put_bind(struct emit *e, const struct upt_bind_rec *r)
{
	EMIT_KEY(e, "uid");
	emit_u64(e, r->uid);
	EMIT_KEY(e, "gid");
	emit_u64(e, r->gid);
	put_port(e, "port", &r->local);
	EMIT_KEY(e, "bound_dev_if");
	emit_u64(e, r->bound_dev_if);
	EMIT_KEY(e, "error_raw");
	emit_s64(e, r->error);
	put_addr(e, "addr", &r->local);
	EMIT_KEY(e, "fd");
	emit_s64(e, r->fd);
}

static void put_tcp(struct emit *e, const struct upt_tcp_rec *r)
{
	EMIT_KEY(e, "fd");
	emit_s64(e, r->fd);
	switch (r->kind) {
	case UPT_TCP_LISTEN:
		EMIT_KEY(e, "backlog");
		emit_s64(e, r->backlog);
		break;
	case UPT_TCP_ACCEPT:
		put_s64_or_null(e, "new_fd", !r->error, r->new_fd);
		put_port(e, "peer_port", &r->peer);
		put_addr(e, "peer_addr", &r->peer);
		break;
	default:
		put_port(e, "remote_port", &r->peer);
		put_addr(e, "remote_addr", &r->peer);
		break;
	}
	EMIT_KEY(e, "error_raw");
	emit_s64(e, r->error);
}

static void put_vfs_path(struct emit *e, const struct upt_vfs_rec *r)
{
	const char *p = (const char *)(r + 1) + r->path_off;
	size_t n = strnlen(p, r->path_len);
	char name[sizeof("anon_inode:") + 256];
	int k;

	EMIT_KEY(e, "path");
	if (r->flags2 & UPT_VFS_PATH_FAULT) {
		emit_null(e);
		return;
	}
	switch (r->kind) {
	case UPT_VFS_PATH_USER:
	case UPT_VFS_PATH_FILE:
		emit_str(e, p, n);
		return;
	case UPT_VFS_PATH_PIPE:
		k = snprintf(name, sizeof(name), "pipe:[%llu]", (unsigned long long)r->ino);
		break;
	case UPT_VFS_PATH_SOCKET:
		k = snprintf(name, sizeof(name), "socket:[%llu]", (unsigned long long)r->ino);
		break;
	case UPT_VFS_PATH_ANON:
		k = snprintf(name, sizeof(name), "anon_inode:%.*s", (int)(n < 256 ? n : 256), p);
		break;
	default:
		emit_null(e);
		return;
	}
	emit_str(e, name, k < (int)sizeof(name) ? (size_t)k : sizeof(name) - 1);
}

static void put_vfs(struct emit *e, const struct upt_vfs_rec *r)
{
	EMIT_KEY(e, "operation");
	emit_u64(e, r->op);
	EMIT_KEY(e, "operation_name");
	emit_cstr(e, vfs_names[r->op]);
	put_vfs_path(e, r);
	EMIT_KEY(e, "flags");
	emit_u64(e, r->flags);
	EMIT_KEY(e, "mode");
	emit_u64(e, r->mode);
	put_s64_or_null(e, "fd", r->flags2 & UPT_VFS_HAS_FD, r->fd);
	EMIT_KEY(e, "error_raw");
	emit_s64(e, r->error);
	if (r->flags2 & UPT_VFS_HAS_BYTES)
		put_s64_or_null(e, "bytes", !r->error, r->bytes);
	if (r->flags2 & UPT_VFS_CUT) {
		EMIT_KEY(e, "path_truncated");
		emit_bool(e, true);
	}
	/* path stays a string or null, and kernel events flat: why it is null, in two keys */
	if (r->flags2 & UPT_VFS_PATH_FAULT) {
		EMIT_KEY(e, "path_errno");
		emit_s64(e, -r->path_err);
		EMIT_KEY(e, "path_address");
		emit_hex(e, r->ino);
	}
}

void ktrace_put_fields(struct emit *e, const void *data, size_t size)
{
	const struct upt_rec_hdr *h = data;
	const struct upt_signal_rec *sig = data;

	(void)size;
	switch (h->type) {
	case UPT_REC_EXEC:
		put_exec(e, data);
		break;
	case UPT_REC_SIGNAL:
		EMIT_KEY(e, "signal");
		emit_s64(e, sig->sig);
		EMIT_KEY(e, "tpid");
		emit_u64(e, sig->tpid);
		break;
	case UPT_REC_MALLOC:
		put_malloc(e, data);
		break;
	case UPT_REC_BIND:
		put_bind(e, data);
		break;
	case UPT_REC_TCP:
		put_tcp(e, data);
		break;
	default:
		put_vfs(e, data);
		break;
	}
}
