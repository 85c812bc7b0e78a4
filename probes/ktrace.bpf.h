/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ktrace.bpf.h - kernel traces (exec, signal, malloc, bind, tcp, vfs) in the same ring
 * buffer as the uprobe records.  Included at the end of uptrace.bpf.c: one BPF object.
 *
 * Hooks, all of which this kernel allows (no kprobes, no fentry):
 *  - syscalls:sys_enter_NAME / sys_exit_NAME: one program per direction, attached by the
 *    loader to the tracepoints of the selected traces' syscalls only, so every other syscall
 *    costs nothing (the raw sys_enter/sys_exit hooks would run a program for every syscall
 *    of every process: measured at ~200 ns a syscall here).  ksys_op[nr] (rodata) says what
 *    a syscall is.  sys_enter keeps the arguments per thread in `kpend` (exec: its strings
 *    in `kexec`, the old image being gone at the exit); sys_exit pairs them with the result
 *    and emits one record.
 *  - tp_btf/sched_process_exec: a -c child starts counting at its execve; a thread that
 *    execs takes over its group leader's pid, so its pending exec moves with it.
 *  - tp_btf/signal_generate: every signal once, whoever sent it (kill, tgkill, tkill) or
 *    the kernel (SIGCHLD, SIGPIPE, SIGSEGV, ...).
 *  - uprobes on the target's libc malloc/free/calloc/realloc (cookie: enum upt_mem_op)
 *    and uretprobes for the block returned.
 *
 * Filtering (ktrace_ok()) happens before anything is stored or reserved: an idle target
 * costs the rest of the system one short program run per traced syscall (a map lookup for
 * -p/-c), and nothing for the others.  Socket details come from the kernel's
 * socket (fd -> file -> socket -> sock, CO-RE), which also gives the port the kernel picked
 * for a bind to port 0 and the peer of an accept() that passed no address buffer.
 *
 * Records are stamped just before they are reserved (the loader's reorder window relies on
 * that), sized to their content, and committed with wakeup_flags() like the uprobe
 * records.  A reservation that fails is counted in drops_total and per trace in `kdrops`,
 * and so is every other way an event of a traced process can be lost (a full pending map).
 *
 * The pending maps (kpend, kexec, kmem) are plain hash maps, not LRU ones: an LRU map
 * evicts entries before it is full (each CPU takes free nodes in batches from a common list,
 * and evicts from the inactive list when that runs short), and an evicted entry is an exit
 * that finds nothing: an event gone without a trace.  In a hash map an entry stays until its
 * exit (or ktrace_gone, when its thread exits) deletes it, and an insert that fails because
 * the map is full is counted as lost.
 */

#define AF_INET_    2
#define AF_INET6_   10
#define IPPROTO_TCP_ 6
#define S_IFMT_	    00170000
#define S_IFSOCK_   0140000
#define O_CREAT_    0100
#define O_WRONLY_   01
#define EFAULT_     14
#define O_TRUNC_    01000

#define PIPEFS_MAGIC_	    0x50495045
#define SOCKFS_MAGIC_	    0x534F434B
#define ANON_INODE_FS_MAGIC_ 0x09041934

/* Set by the loader before load. */
const volatile __u32 ktrace_filter = UPT_KF_PIDS; /* enum upt_kfilter */
const volatile __u32 ktrace_self = 0;		   /* uptrace's own tgid: never traced */
const volatile __u64 ktrace_exe_ino = 0;	   /* UPT_KF_EXE: the executable's inode */
const volatile __u32 ktrace_exe_dev = 0;	   /* ... and its super block's s_dev */
const volatile __u8 ksys_op[UPT_NSYSCALLS] = {};   /* enum upt_ksys per syscall number */

/* Records that could not be reserved, per trace (enum upt_trace). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, UPT_TRACE_MAX);
	__type(key, __u32);
	__type(value, __u64);
} kdrops SEC(".maps");

/* A syscall's arguments from sys_enter to sys_exit, per thread: one entry per thread inside
 * a traced syscall (with --all, every thread blocked in read() holds one).  A killed thread
 * still passes sys_exit; ktrace_gone removes what a thread leaves when it exits anyway. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__type(key, __u32);
	__type(value, struct upt_kpend);
} kpend SEC(".maps");

/* exec arguments, per thread, from sys_enter to sys_exit (execs in flight at once). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct upt_kexec);
} kexec SEC(".maps");

/* Never written: the zeroed value a new kexec entry starts from (too big for the stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct upt_kexec);
} kexec_zero SEC(".maps");

/* malloc/calloc/realloc in flight: (tid, op) -> size asked for.  A thread that dies inside
 * malloc never returns from it: ktrace_gone removes its entry. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct upt_kmem_key);
	__type(value, struct upt_kmem_val);
} kmem SEC(".maps");

/* String-length bit bucket for paths: only the length a read returns is used. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, UPT_VFS_PATH_MAX);
} kbucket SEC(".maps");

/* ---- who is traced ------------------------------------------------------------------- */

static __always_inline bool ktrace_task_exe_ok(struct task_struct *task)
{
	struct inode *ino = BPF_CORE_READ(task, mm, exe_file, f_inode);

	if (!ino)
		return false;
	return BPF_CORE_READ(ino, i_ino) == ktrace_exe_ino &&
	       BPF_CORE_READ(ino, i_sb, s_dev) == ktrace_exe_dev;
}

static __always_inline bool ktrace_tgid_ok(__u32 tgid)
{
	__u8 *v;

	if (tgid == ktrace_self)
		return false;
	if (ktrace_filter == UPT_KF_ALL)
		return true;
	v = bpf_map_lookup_elem(&traced, &tgid);
	return v && *v == UPT_TRACED;
}

/* Is the current task one the kernel traces report? */
static __always_inline bool ktrace_ok(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (ktrace_filter == UPT_KF_EXE)
		return tgid != ktrace_self &&
		       ktrace_task_exe_ok((struct task_struct *)bpf_get_current_task());
	return ktrace_tgid_ok(tgid);
}

static __always_inline bool ktrace_task_ok(struct task_struct *task)
{
	if (ktrace_filter == UPT_KF_EXE)
		return BPF_CORE_READ(task, tgid) != ktrace_self && ktrace_task_exe_ok(task);
	return ktrace_tgid_ok(BPF_CORE_READ(task, tgid));
}

/* A -c child becomes traced at its execve of CMD, not before. */
static __always_inline void ktrace_start_pending(__u32 tgid)
{
	__u8 *v = bpf_map_lookup_elem(&traced, &tgid);

	if (v && *v == UPT_TRACED_PENDING)
		*v = UPT_TRACED;
}

/* ---- records ------------------------------------------------------------------------- */

static __always_inline void ktrace_hdr(struct upt_rec_hdr *h, __u16 type, __u32 size, __u64 now)
{
	__u64 id = bpf_get_current_pid_tgid();

	h->type = type;
	h->flags = 0;
	h->size = size;
	h->ts_ns = now;
	h->pid = id >> 32;
	h->tid = (__u32)id;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

static __always_inline void ktrace_drop(__u32 trace)
{
	__u64 *d = bpf_map_lookup_elem(&kdrops, &trace);

	if (d)
		__sync_fetch_and_add(d, 1);
	__sync_fetch_and_add(&drops_total, 1);
}

/* The trace a syscall (enum upt_ksys, not exec) belongs to. */
static __always_inline __u32 ktrace_ksys_trace(__u32 ksys)
{
	if (ksys == UPT_KSYS_EXECVE || ksys == UPT_KSYS_EXECVEAT)
		return UPT_TRACE_EXEC;
	if (ksys >= UPT_KSYS_VFS)
		return UPT_TRACE_VFS;
	return ksys == UPT_KSYS_BIND ? UPT_TRACE_BIND : UPT_TRACE_TCP;
}

static __always_inline __s32 ktrace_err(long ret)
{
	return ret < 0 ? (__s32)-ret : 0;
}

/* ---- files and sockets (CO-RE) ------------------------------------------------------- */

static __always_inline struct file *ktrace_fd_file(__u64 fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds, *f = NULL;

	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]))
		return NULL;
	return f;
}

/* The struct sock of a socket file, or NULL. */
static __always_inline struct sock *ktrace_file_sock(struct file *f)
{
	struct socket *so;

	if (!f || (BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT_) != S_IFSOCK_)
		return NULL;
	so = BPF_CORE_READ(f, private_data);
	return so ? BPF_CORE_READ(so, sk) : NULL;
}

static __always_inline bool ktrace_sock_inet(struct sock *sk)
{
	__u16 fam = sk ? BPF_CORE_READ(sk, __sk_common.skc_family) : 0;

	return fam == AF_INET_ || fam == AF_INET6_;
}

/* The local (remote = false) or peer address of a connected/bound socket. */
static __always_inline void ktrace_sock_addr(struct sock *sk, bool remote, struct upt_kaddr *a)
{
	__u16 fam = BPF_CORE_READ(sk, __sk_common.skc_family);

	a->family = fam;
	if (remote)
		a->port = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	else
		a->port = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (fam == AF_INET_) {
		__be32 v4 = remote ? BPF_CORE_READ(sk, __sk_common.skc_daddr)
				   : BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);

		__builtin_memcpy(a->addr, &v4, 4);
	} else if (fam == AF_INET6_) {
		if (remote)
			bpf_core_read(a->addr, 16, &sk->__sk_common.skc_v6_daddr);
		else
			bpf_core_read(a->addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
	}
}

/* An IPv4/IPv6 sockaddr from user memory; family 0 when it is neither or unreadable. */
static __always_inline void ktrace_user_sockaddr(__u64 uaddr, __u64 len, struct upt_kaddr *a)
{
	struct sockaddr_in6 s6 = {};
	struct sockaddr_in s4 = {};
	__u16 fam = 0;

	a->family = 0;
	if (!uaddr || len < sizeof(fam) || bpf_probe_read_user(&fam, sizeof(fam), (void *)uaddr))
		return;
	if (fam == AF_INET_ && len >= sizeof(s4) &&
	    !bpf_probe_read_user(&s4, sizeof(s4), (void *)uaddr)) {
		a->family = fam;
		a->port = __builtin_bswap16(s4.sin_port);
		__builtin_memcpy(a->addr, &s4.sin_addr.s_addr, 4);
	} else if (fam == AF_INET6_ && len >= sizeof(s6) &&
		   !bpf_probe_read_user(&s6, sizeof(s6), (void *)uaddr)) {
		a->family = fam;
		a->port = __builtin_bswap16(s6.sin6_port);
		__builtin_memcpy(a->addr, s6.sin6_addr.in6_u.u6_addr8, 16);
	}
}

/* ---- exec ---------------------------------------------------------------------------- */

/* Keep string i (0: filename, 1-3: argv[0..2], 4: argv[argc - 1]) from user memory at p. */
static __always_inline void ktrace_exec_str(struct upt_kexec *e, __u32 str, const void *p)
{
	__u64 i = str; /* 64-bit: the bound checked is the one on the register used */
	__u32 cap;
	char *dst;
	long r;

	/* checked here, where clang knows the caller's range and the verifier may not */
	barrier_var(i);
	if (i >= UPT_EXEC_NSTR)
		return;
	cap = i ? UPT_EXEC_ARG_MAX : UPT_EXEC_FN_MAX;
	dst = i ? e->arg[(i - 1) & 3] : e->fn;
	r = bpf_probe_read_user_str(dst, cap, p);
	if (r < 1) {
		e->len[i] = 0;
		e->unread |= 1u << i;
		return;
	}
	e->len[i] = r - 1;
	e->unread &= ~(1u << i);
}

static __always_inline void ktrace_exec_str_kernel(struct upt_kexec *e, const void *p)
{
	long r = bpf_probe_read_kernel_str(e->fn, UPT_EXEC_FN_MAX, p);

	if (r >= 1) {
		e->len[0] = r - 1;
		e->unread &= ~1u;
	}
}

/* Emit an exec record from the kept arguments, stamped now or (deferred) at the enter. */
__noinline int ktrace_exec_emit(struct upt_kexec *e, __u32 stage, __s32 err)
{
	struct upt_exec_rec rec = {};
	struct bpf_dynptr dp;
	__u64 now = bpf_ktime_get_boot_ns();
	__u32 len[UPT_EXEC_NSTR], off, i;

	if (!e)
		return 0;
	len[0] = e->len[0] > UPT_EXEC_FN_MAX - 1 ? UPT_EXEC_FN_MAX - 1 : e->len[0];
	off = sizeof(rec) + len[0];
	for (i = 1; i < UPT_EXEC_NSTR; i++) {
		len[i] = e->len[i] > UPT_EXEC_ARG_MAX - 1 ? UPT_EXEC_ARG_MAX - 1 : e->len[i];
		off += len[i];
	}
	if (bpf_ringbuf_reserve_dynptr(&events, off, 0, &dp)) {
		bpf_ringbuf_discard_dynptr(&dp, 0);
		ktrace_drop(UPT_TRACE_EXEC);
		return 0;
	}
	ktrace_hdr(&rec.hdr, UPT_REC_EXEC, off, now);
	if (stage == UPT_EXEC_ENTER && e->deferred) {
		rec.hdr.ts_ns = e->enter_ts;
		__builtin_memcpy(rec.hdr.comm, e->comm, sizeof(rec.hdr.comm));
	}
	rec.ppid = e->ppid;
	rec.argc = e->argc;
	rec.error = err;
	rec.stage = stage;
	rec.unread = e->unread;
	for (i = 0; i < UPT_EXEC_NSTR; i++)
		rec.len[i] = len[i];
	bpf_dynptr_write(&dp, 0, &rec, sizeof(rec), 0);
	off = sizeof(rec);
	bpf_dynptr_write(&dp, off, e->fn, len[0], 0);
	off += len[0];
	for (i = 1; i < UPT_EXEC_NSTR; i++) {
		bpf_dynptr_write(&dp, off, e->arg[i - 1], len[i], 0);
		off += len[i];
	}
	bpf_ringbuf_submit_dynptr(&dp, wakeup_flags(now));
	return 0;
}

/* sys_enter_execve(at): keep filename and argv for the exit; emit the enter stage. */
/*
 * The loops over an exec's arguments run under bpf_loop(): the verifier checks one step
 * instead of UPT_EXEC_SCAN unrolled ones.  ktrace_argv_cb counts argv and keeps its first
 * strings and the pointer to the last; ktrace_refill_cb walks the strings the kernel copied
 * to the new stack, back to back.
 */
struct ktrace_argv {
	struct upt_kexec *e;
	__u64 argv; /* the user's argv, or the new stack's argument area */
	__u64 last; /* the last argv pointer seen */
	void *bkt;  /* refill: where a string is read to measure it */
	__u32 argc;
};

static long ktrace_argv_cb(__u32 i, struct ktrace_argv *a)
{
	__u64 p = 0;

	if (bpf_probe_read_user(&p, sizeof(p), (const void *)(a->argv + (__u64)i * 8)) || !p)
		return 1;
	if (i < UPT_EXEC_NSTR - 2)
		ktrace_exec_str(a->e, i + 1, (const void *)p);
	a->last = p;
	a->argc = i + 1;
	return 0;
}

static long ktrace_refill_cb(__u32 i, struct ktrace_argv *a)
{
	struct upt_kexec *e = a->e;
	long r;

	if (i < UPT_EXEC_NSTR - 2 && (e->unread & (2u << i)))
		ktrace_exec_str(e, i + 1, (const void *)a->argv);
	if (i + 1 == a->argc && (e->unread & (1u << (UPT_EXEC_NSTR - 1))))
		ktrace_exec_str(e, UPT_EXEC_NSTR - 1, (const void *)a->argv);
	/* the next string starts after this one's NUL */
	r = bpf_probe_read_user_str(a->bkt, UPT_VFS_PATH_MAX, (const void *)a->argv);
	if (r <= 0 || r >= UPT_VFS_PATH_MAX)
		return 1;
	a->argv += r;
	return 0;
}

__noinline int ktrace_exec_enter(__u64 fn, __u64 argv, __u32 emit)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), zero = 0;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct ktrace_argv scan = {};
	struct upt_kexec *e;
	void *init;

	/* only a BINARY filter can start to match at the exit, in the new image */
	if (!emit && ktrace_filter != UPT_KF_EXE)
		return 0;
	init = bpf_map_lookup_elem(&kexec_zero, &zero);
	e = init && !bpf_map_update_elem(&kexec, &tid, init, BPF_ANY)
		    ? bpf_map_lookup_elem(&kexec, &tid)
		    : NULL;
	if (!e) {
		/* kexec full: the events of this exec (with BINARY: of one that may become
		 * a traced process) cannot be made */
		ktrace_drop(UPT_TRACE_EXEC);
		return 0;
	}
	e->enter_ts = bpf_ktime_get_boot_ns();
	e->fn_ptr = fn;
	e->argv_ptr = argv;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	ktrace_exec_str(e, 0, (const void *)fn);
	scan.e = e;
	scan.argv = argv;
	if (argv)
		bpf_loop(UPT_EXEC_SCAN, ktrace_argv_cb, &scan, 0);
	e->argc = scan.argc;
	if (scan.last)
		ktrace_exec_str(e, UPT_EXEC_NSTR - 1, (const void *)scan.last);
	if (!emit)
		return 0;
	if (e->unread) /* wait until the kernel has touched the pages */
		e->deferred = 1;
	else
		ktrace_exec_emit(e, UPT_EXEC_ENTER, 0);
	return 0;
}

/* After a failed exec the old image is still there: read what could not be read before. */
__noinline int ktrace_exec_reread(struct upt_kexec *e)
{
	const char *p = NULL;
	__u32 i;

	if (!e)
		return 0;
	if (e->unread & 1)
		ktrace_exec_str(e, 0, (const void *)e->fn_ptr);
	for (i = 0; i < UPT_EXEC_NSTR - 1 && e->argv_ptr; i++) {
		if (!(e->unread & (2u << i)))
			continue;
		if (i == UPT_EXEC_NSTR - 2)
			p = (const char *)(e->argv_ptr + (__u64)(e->argc - 1) * 8);
		else
			p = (const char *)(e->argv_ptr + (__u64)i * 8);
		if (!bpf_probe_read_user(&p, sizeof(p), p) && p)
			ktrace_exec_str(e, i + 1, p);
	}
	return 0;
}

/*
 * After a successful exec: the strings that could not be read at the enter, from what the
 * kernel copied: bprm->filename, and the argument area at the top of the new stack.
 */
__noinline int ktrace_exec_refill(struct upt_kexec *e, __u64 kfn, __u64 pos, __u32 argc)
{
	struct ktrace_argv walk = {};
	__u32 zero = 0;

	if (!e)
		return 0;
	e->argc = argc;
	if (e->unread & 1)
		ktrace_exec_str_kernel(e, (const void *)kfn);
	walk.bkt = bpf_map_lookup_elem(&kbucket, &zero);
	if (!walk.bkt || !(e->unread & ~1u))
		return 0;
	walk.e = e;
	walk.argv = pos;
	walk.argc = argc;
	bpf_loop(argc < UPT_EXEC_SCAN ? argc : UPT_EXEC_SCAN, ktrace_refill_cb, &walk, 0);
	return 0;
}

static __always_inline int ktrace_exec_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct upt_kexec *e = bpf_map_lookup_elem(&kexec, &tid);

	if (!e)
		return 0;
	if (e->deferred) {
		if (e->unread)
			ktrace_exec_reread(e);
		ktrace_exec_emit(e, UPT_EXEC_ENTER, 0);
		e->deferred = 0;
	}
	if (ktrace_ok())
		ktrace_exec_emit(e, UPT_EXEC_EXIT, ktrace_err(ret));
	bpf_map_delete_elem(&kexec, &tid);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(ktrace_exec_done, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tid = p->pid, old = old_pid;
	struct upt_kexec *e;

	ktrace_start_pending(p->tgid);
	/* a thread that execs becomes the group leader: its exec state moves with it */
	if (old != tid) {
		e = bpf_map_lookup_elem(&kexec, &old);
		if (e && !bpf_map_update_elem(&kexec, &tid, e, BPF_ANY))
			bpf_map_delete_elem(&kexec, &old);
	}
	e = bpf_map_lookup_elem(&kexec, &tid);
	if (e && e->unread)
		ktrace_exec_refill(e, (__u64)BPF_CORE_READ(bprm, filename),
				   BPF_CORE_READ(p, mm, arg_start), BPF_CORE_READ(bprm, argc));
	return 0;
}

/* ---- signal -------------------------------------------------------------------------- */

SEC("tp_btf/signal_generate")
int BPF_PROG(ktrace_signal, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	struct upt_signal_rec *r;
	__u64 now;

	if (!ktrace_ok() && !ktrace_task_ok(task))
		return 0;
	now = bpf_ktime_get_boot_ns();
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		ktrace_drop(UPT_TRACE_SIGNAL);
		return 0;
	}
	ktrace_hdr(&r->hdr, UPT_REC_SIGNAL, sizeof(*r), now);
	r->sig = sig;
	r->tpid = task->pid;
	bpf_ringbuf_submit(r, wakeup_flags(now));
	return 0;
}

/* ---- malloc (uprobes on libc) -------------------------------------------------------- */

static __always_inline int ktrace_mem_emit(__u32 op, __u64 addr, __u64 size, __u64 old)
{
	struct upt_malloc_rec *r;
	__u64 now = bpf_ktime_get_boot_ns();

	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		ktrace_drop(UPT_TRACE_MALLOC);
		return 0;
	}
	ktrace_hdr(&r->hdr, UPT_REC_MALLOC, sizeof(*r), now);
	r->op = op;
	r->pad = 0;
	r->addr = addr;
	r->size = size;
	r->old = old;
	bpf_ringbuf_submit(r, wakeup_flags(now));
	return 0;
}

SEC("uprobe")
int ktrace_mem_enter(struct pt_regs *ctx)
{
	struct upt_kmem_key key = { .tid = (__u32)bpf_get_current_pid_tgid() };
	struct upt_kmem_val val = {};
	__u32 op = bpf_get_attach_cookie(ctx);

	if (!ktrace_ok())
		return 0;
	switch (op) {
	case UPT_MEM_FREE:
		return ktrace_mem_emit(op, PT_REGS_PARM1(ctx), 0, 0);
	case UPT_MEM_CALLOC:
		val.size = PT_REGS_PARM1(ctx) * PT_REGS_PARM2(ctx);
		break;
	case UPT_MEM_REALLOC:
		val.old = PT_REGS_PARM1(ctx);
		val.size = PT_REGS_PARM2(ctx);
		break;
	default:
		val.size = PT_REGS_PARM1(ctx);
		break;
	}
	key.op = op;
	if (bpf_map_update_elem(&kmem, &key, &val, BPF_ANY))
		ktrace_drop(UPT_TRACE_MALLOC); /* kmem full: the return cannot be reported */
	return 0;
}

SEC("uretprobe")
int ktrace_mem_ret(struct pt_regs *ctx)
{
	struct upt_kmem_key key = { .tid = (__u32)bpf_get_current_pid_tgid() };
	struct upt_kmem_val *v, val;

	key.op = bpf_get_attach_cookie(ctx);
	v = bpf_map_lookup_elem(&kmem, &key);
	if (!v)
		return 0;
	val = *v;
	bpf_map_delete_elem(&kmem, &key);
	return ktrace_mem_emit(key.op, PT_REGS_RC(ctx), val.size, val.old);
}

/* ---- bind and tcp ---------------------------------------------------------------------- */

__noinline int ktrace_bind_exit(struct upt_kpend *p, long ret)
{
	struct upt_bind_rec *r;
	struct sock *sk;
	__u64 now, ug;

	if (!p)
		return 0;
	now = bpf_ktime_get_boot_ns();
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		ktrace_drop(UPT_TRACE_BIND);
		return 0;
	}
	ktrace_hdr(&r->hdr, UPT_REC_BIND, sizeof(*r), now);
	ug = bpf_get_current_uid_gid();
	r->uid = (__u32)ug;
	r->gid = ug >> 32;
	r->fd = p->args[0];
	r->error = ktrace_err(ret);
	__builtin_memset(&r->local, 0, sizeof(r->local));
	sk = ktrace_file_sock((struct file *)p->file);
	r->bound_dev_if = sk ? BPF_CORE_READ(sk, __sk_common.skc_bound_dev_if) : 0;
	/* bound: what the kernel made of it (port 0 -> the port it picked); else the request */
	if (!ret && sk)
		ktrace_sock_addr(sk, false, &r->local);
	else
		ktrace_user_sockaddr(p->args[1], p->args[2], &r->local);
	bpf_ringbuf_submit(r, wakeup_flags(now));
	return 0;
}

__noinline int ktrace_tcp_exit(struct upt_kpend *p, long ret)
{
	struct upt_tcp_rec *r;
	struct sock *sk;
	__u64 now;

	if (!p)
		return 0;
	now = bpf_ktime_get_boot_ns();
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		ktrace_drop(UPT_TRACE_TCP);
		return 0;
	}
	ktrace_hdr(&r->hdr, UPT_REC_TCP, sizeof(*r), now);
	r->fd = p->args[0];
	r->backlog = 0;
	r->new_fd = -1;
	r->error = ktrace_err(ret);
	__builtin_memset(&r->peer, 0, sizeof(r->peer));
	switch (p->ksys) {
	case UPT_KSYS_LISTEN:
		r->kind = UPT_TCP_LISTEN;
		r->backlog = p->args[1];
		break;
	case UPT_KSYS_CONNECT:
		r->kind = UPT_TCP_CONNECT;
		ktrace_user_sockaddr(p->args[1], p->args[2], &r->peer);
		break;
	default:
		r->kind = UPT_TCP_ACCEPT;
		if (ret < 0)
			break;
		r->new_fd = ret;
		/* from the new socket: right even when accept() passed no address buffer */
		sk = ktrace_file_sock(ktrace_fd_file(ret));
		if (sk)
			ktrace_sock_addr(sk, true, &r->peer);
		break;
	}
	bpf_ringbuf_submit(r, wakeup_flags(now));
	return 0;
}

/* ---- vfs ------------------------------------------------------------------------------- */

/* Where a path walk is: the dentry and its mount; the component found last. */
struct ktrace_walk_state {
	__u64 d;    /* struct dentry * */
	__u64 mnt;  /* struct mount * */
	__u64 name; /* the component's name and length */
	__u32 len;
	__u32 pad;
};

/*
 * One step of a path walk up from w->d: 1 with w->name/len the next component (and w->d
 * its parent), 0 at the root of the mount namespace.  Mount roots are crossed to the
 * mount point below.  A global function: the verifier checks it once, not per step.
 */
__noinline int ktrace_walk_step(struct ktrace_walk_state *w)
{
	struct dentry *d, *parent, *root;
	struct mount *mnt, *mparent;
	int i;

	if (!w)
		return 0;
	d = (struct dentry *)w->d;
	mnt = (struct mount *)w->mnt;
	for (i = 0; i < 8; i++) { /* mounts stacked on one another */
		root = BPF_CORE_READ(mnt, mnt.mnt_root);
		parent = BPF_CORE_READ(d, d_parent);
		if (d != root && d != parent) {
			w->len = BPF_CORE_READ(d, d_name.len);
			w->name = (__u64)BPF_CORE_READ(d, d_name.name);
			w->d = (__u64)parent;
			return 1;
		}
		mparent = BPF_CORE_READ(mnt, mnt_parent);
		if (d != root || !mparent || mparent == mnt)
			return 0; /* the root (or a detached tree) */
		d = BPF_CORE_READ(mnt, mnt_mountpoint);
		mnt = mparent;
		w->d = (__u64)d;
		w->mnt = (__u64)mnt;
	}
	return 0;
}

/*
 * A walk up an open file's path, one bpf_loop() step a component, so that the verifier
 * checks a step once rather than UPT_VFS_DEPTH times over.  The measuring walk only counts;
 * the writing walk puts the path in the record `dp` so that it ends at byte `end`, from the
 * last component backwards, so a path cut at `room` keeps its tail.
 */
struct ktrace_walk {
	struct ktrace_walk_state w;
	struct bpf_dynptr dp; /* the record, for the writing walk */
	__u32 end;
	__u32 room;
	__u32 used; /* bytes measured or written */
	bool cut;   /* longer than room, a name over 255 bytes, or deeper than UPT_VFS_DEPTH */
	bool done;  /* the root was reached */
};

/* The next component's length, counted in k->used; 0 when the walk stops. */
static __always_inline __u32 ktrace_walk_next(struct ktrace_walk *k)
{
	__u32 len;

	if (!ktrace_walk_step(&k->w)) {
		k->done = true;
		return 0;
	}
	len = k->w.len;
	if (len > 255 || k->used + len + 1 > k->room) {
		k->cut = true;
		return 0;
	}
	k->used += len + 1;
	return len;
}

static long ktrace_measure_cb(__u32 i, struct ktrace_walk *k)
{
	return ktrace_walk_next(k) ? 0 : 1;
}

static long ktrace_write_cb(__u32 i, struct ktrace_walk *k)
{
	char slash = '/';
	__u32 len = ktrace_walk_next(k);

	if (!len)
		return 1;
	upt_dp_read(&k->dp, k->end - k->used + 1, len, (const void *)k->w.name, UPT_RD_KERNEL);
	bpf_dynptr_write(&k->dp, k->end - k->used, &slash, 1, 0);
	return 0;
}

/* Start a walk of f's path: the callers run one of the callbacks above, then ktrace_walk_end(). */
static __always_inline void ktrace_walk_start(struct file *f, struct ktrace_walk *k, __u32 end,
					      __u32 room)
{
	struct vfsmount *vmnt = BPF_CORE_READ(f, f_path.mnt);

	k->w.d = (__u64)BPF_CORE_READ(f, f_path.dentry);
	k->w.mnt = (__u64)vmnt - bpf_core_field_offset(struct mount, mnt);
	k->end = end;
	k->room = room;
	k->used = 0;
	k->done = false;
}

/* Bytes measured or written; a walk that did not reach the root is cut. */
static __always_inline __u32 ktrace_walk_end(struct ktrace_walk *k)
{
	if (!k->done)
		k->cut = true;
	return k->used;
}

/* Reserve, fill and submit a vfs record whose path comes from an open file. */
__noinline int ktrace_vfs_file(struct upt_vfs_rec *rec, __u64 file)
{
	struct file *f = (struct file *)file;
	struct ktrace_walk k = {};
	struct inode *ino;
	__u32 len = 0, total, magic;
	char slash = '/';
	__u64 now;

	if (!rec)
		return 0;
	rec->kind = UPT_VFS_PATH_NONE;
	if (f) {
		ino = BPF_CORE_READ(f, f_inode);
		magic = BPF_CORE_READ(ino, i_sb, s_magic);
		rec->ino = BPF_CORE_READ(ino, i_ino);
		rec->mode = BPF_CORE_READ(ino, i_mode);
		rec->flags = BPF_CORE_READ(f, f_flags);
		if (magic == PIPEFS_MAGIC_) {
			rec->kind = UPT_VFS_PATH_PIPE;
		} else if (magic == SOCKFS_MAGIC_) {
			rec->kind = UPT_VFS_PATH_SOCKET;
		} else if (magic == ANON_INODE_FS_MAGIC_) {
			rec->kind = UPT_VFS_PATH_ANON;
			len = BPF_CORE_READ(f, f_path.dentry, d_name.len);
			if (len > 255)
				len = 0;
		} else {
			rec->kind = UPT_VFS_PATH_FILE;
			ktrace_walk_start(f, &k, 0, UPT_VFS_PATH_MAX);
			bpf_loop(UPT_VFS_DEPTH, ktrace_measure_cb, &k, 0);
			len = ktrace_walk_end(&k);
			if (!len)
				len = 1; /* "/" */
		}
	}
	len &= UPT_VFS_PATH_MAX * 2 - 1;
	total = sizeof(*rec) + len;
	now = bpf_ktime_get_boot_ns();
	if (bpf_ringbuf_reserve_dynptr(&events, total, 0, &k.dp)) {
		bpf_ringbuf_discard_dynptr(&k.dp, 0);
		ktrace_drop(UPT_TRACE_VFS);
		return 0;
	}
	rec->path_len = len;
	rec->path_off = 0;
	if (rec->kind == UPT_VFS_PATH_FILE) {
		/* the path ends the record; one that changed between the passes comes out
		 * shorter or cut, never out of bounds */
		ktrace_walk_start(f, &k, total, len);
		bpf_loop(UPT_VFS_DEPTH, ktrace_write_cb, &k, 0);
		rec->path_len = ktrace_walk_end(&k);
		if (!rec->path_len) {
			bpf_dynptr_write(&k.dp, total - 1, &slash, 1, 0);
			rec->path_len = 1;
		}
		rec->path_off = len - rec->path_len;
	} else if (rec->kind == UPT_VFS_PATH_ANON && len) {
		upt_dp_read(&k.dp, sizeof(*rec), len, BPF_CORE_READ(f, f_path.dentry, d_name.name),
			    UPT_RD_KERNEL);
	}
	if (k.cut)
		rec->flags2 |= UPT_VFS_CUT;
	ktrace_hdr(&rec->hdr, UPT_REC_VFS, total, now);
	bpf_dynptr_write(&k.dp, 0, rec, sizeof(*rec), 0);
	bpf_ringbuf_submit_dynptr(&k.dp, wakeup_flags(now));
	return 0;
}

/* Reserve, fill and submit a vfs record whose path is a string the caller passed. */
__noinline int ktrace_vfs_user(struct upt_vfs_rec *rec, __u64 upath)
{
	struct bpf_dynptr dp;
	__u32 zero = 0, slot = 0, total;
	void *bkt;
	long r = 0;
	__u64 now;

	if (!rec)
		return 0;
	rec->kind = UPT_VFS_PATH_USER;
	bkt = bpf_map_lookup_elem(&kbucket, &zero);
	if (!upath)
		r = -EFAULT_;
	else if (bkt)
		r = bpf_probe_read_user_str(bkt, UPT_VFS_PATH_MAX, (const void *)upath);
	if (r > 0) {
		slot = r;
	} else if (r < 0) {
		/* said, not dropped: the path is an address the task could not give us */
		rec->flags2 |= UPT_VFS_PATH_FAULT;
		rec->path_err = r;
		rec->ino = upath;
	}
	if (slot >= UPT_VFS_PATH_MAX)
		rec->flags2 |= UPT_VFS_CUT;
	slot &= UPT_VFS_PATH_MAX * 2 - 1;
	total = sizeof(*rec) + slot;
	now = bpf_ktime_get_boot_ns();
	if (bpf_ringbuf_reserve_dynptr(&events, total, 0, &dp)) {
		bpf_ringbuf_discard_dynptr(&dp, 0);
		ktrace_drop(UPT_TRACE_VFS);
		return 0;
	}
	r = upt_dp_read(&dp, sizeof(*rec), slot, (const void *)upath, UPT_RD_USER_STR);
	rec->path_len = r > 0 ? r : 0;
	ktrace_hdr(&rec->hdr, UPT_REC_VFS, total, now);
	bpf_dynptr_write(&dp, 0, rec, sizeof(*rec), 0);
	bpf_ringbuf_submit_dynptr(&dp, wakeup_flags(now));
	return 0;
}

struct open_how_ {
	__u64 flags;
	__u64 mode;
	__u64 resolve;
};

__noinline int ktrace_vfs_exit(struct upt_kpend *p, long ret)
{
	struct upt_vfs_rec rec = {};
	struct open_how_ how = {};
	__u32 op;

	if (!p)
		return 0;
	op = p->ksys - UPT_KSYS_VFS;
	rec.op = op;
	rec.error = ktrace_err(ret);
	switch (op) {
	case UPT_VFS_OPENAT:
	case UPT_VFS_OPEN:
	case UPT_VFS_OPENAT2:
	case UPT_VFS_CREAT:
		if (ret >= 0) {
			rec.fd = ret;
			rec.flags2 = UPT_VFS_HAS_FD;
		}
		if (op == UPT_VFS_OPENAT) {
			rec.flags = p->args[2];
			rec.mode = p->args[3];
		} else if (op == UPT_VFS_OPEN) {
			rec.flags = p->args[1];
			rec.mode = p->args[2];
		} else if (op == UPT_VFS_OPENAT2) {
			if (p->args[2])
				bpf_probe_read_user(&how, sizeof(how), (const void *)p->args[2]);
			rec.flags = how.flags;
			rec.mode = how.mode;
		} else {
			rec.flags = O_CREAT_ | O_WRONLY_ | O_TRUNC_;
			rec.mode = p->args[1];
		}
		return ktrace_vfs_user(&rec, op == UPT_VFS_OPEN || op == UPT_VFS_CREAT ? p->args[0]
										      : p->args[1]);
	case UPT_VFS_UNLINK:
	case UPT_VFS_RMDIR:
		return ktrace_vfs_user(&rec, p->args[0]);
	case UPT_VFS_MKDIR:
		rec.mode = p->args[1];
		return ktrace_vfs_user(&rec, p->args[0]);
	case UPT_VFS_UNLINKAT:
		rec.flags = p->args[2];
		return ktrace_vfs_user(&rec, p->args[1]);
	case UPT_VFS_MKDIRAT:
		rec.mode = p->args[2];
		return ktrace_vfs_user(&rec, p->args[1]);
	default: /* read, write, pread64, pwrite64, readv, writev, close */
		rec.fd = p->args[0];
		rec.flags2 = UPT_VFS_HAS_FD;
		if (op != UPT_VFS_CLOSE) {
			rec.flags2 |= UPT_VFS_HAS_BYTES;
			rec.bytes = ret;
		}
		return ktrace_vfs_file(&rec, p->file);
	}
}

/* ---- the syscall programs -------------------------------------------------------------- */

/* Syscalls whose first argument is a descriptor worth looking up at entry. */
static __always_inline bool ktrace_fd_op(__u32 ksys)
{
	switch (ksys) {
	case UPT_KSYS_BIND:
	case UPT_KSYS_LISTEN:
	case UPT_KSYS_ACCEPT:
	case UPT_KSYS_ACCEPT4:
	case UPT_KSYS_CONNECT:
		return true;
	default:
		return ksys >= UPT_KSYS_VFS + UPT_VFS_READ && ksys <= UPT_KSYS_VFS + UPT_VFS_CLOSE;
	}
}

/*
 * The context of every syscalls:sys_enter_NAME tracepoint: the syscall number, then its
 * arguments as longs, as many as the syscall has.  The kernel refuses to attach a program
 * that loads past a tracepoint's record (close has one argument), so the arguments are
 * copied with a probe read: those a syscall does not have are garbage, and never used.
 */
SEC("tracepoint")
int ktrace_sys_enter(struct syscall_trace_enter *ctx)
{
	struct upt_kpend pend = {};
	struct file *f = NULL;
	struct sock *sk;
	__u32 ksys, tid, nr = ctx->nr;

	if (nr >= UPT_NSYSCALLS)
		return 0;
	ksys = ksys_op[nr];
	if (!ksys)
		return 0;
	if (bpf_probe_read_kernel(pend.args, sizeof(pend.args), (const void *)ctx->args)) {
		if (ktrace_ok())
			ktrace_drop(ktrace_ksys_trace(ksys));
		return 0;
	}
	if (ksys == UPT_KSYS_EXECVE || ksys == UPT_KSYS_EXECVEAT) {
		ktrace_start_pending(bpf_get_current_pid_tgid() >> 32);
		if (ksys == UPT_KSYS_EXECVE)
			return ktrace_exec_enter(pend.args[0], pend.args[1], ktrace_ok());
		return ktrace_exec_enter(pend.args[1], pend.args[2], ktrace_ok());
	}
	if (!ktrace_ok())
		return 0;
	pend.ksys = ksys;
	if (ktrace_fd_op(ksys)) {
		f = ktrace_fd_file(pend.args[0]);
		pend.file = (__u64)f;
	}
	if (ksys < UPT_KSYS_VFS) {
		/* bind: IPv4/IPv6 sockets; listen, accept, connect: TCP ones */
		sk = ktrace_file_sock(f);
		if (!ktrace_sock_inet(sk))
			return 0;
		if (ksys != UPT_KSYS_BIND && BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP_)
			return 0;
	}
	tid = (__u32)bpf_get_current_pid_tgid();
	if (bpf_map_update_elem(&kpend, &tid, &pend, BPF_ANY))
		ktrace_drop(ktrace_ksys_trace(ksys)); /* kpend full */
	return 0;
}

SEC("tracepoint")
int ktrace_sys_exit(struct syscall_trace_exit *ctx)
{
	struct upt_kpend pend, *p;
	__u32 ksys, tid, nr = ctx->nr;
	long ret = ctx->ret;

	if (nr >= UPT_NSYSCALLS)
		return 0;
	ksys = ksys_op[nr];
	if (!ksys)
		return 0;
	if (ksys == UPT_KSYS_EXECVE || ksys == UPT_KSYS_EXECVEAT)
		return ktrace_exec_exit(ret);
	tid = (__u32)bpf_get_current_pid_tgid();
	p = bpf_map_lookup_elem(&kpend, &tid);
	if (!p)
		return 0;
	pend = *p;
	bpf_map_delete_elem(&kpend, &tid);
	if (pend.ksys != ksys) {
		/* an entry whose exit never came (its event is lost); this syscall's own
		 * enter was not seen */
		ktrace_drop(ktrace_ksys_trace(pend.ksys));
		return 0;
	}
	if (ksys >= UPT_KSYS_VFS)
		return ktrace_vfs_exit(&pend, ret);
	if (ksys == UPT_KSYS_BIND)
		return ktrace_bind_exit(&pend, ret);
	return ktrace_tcp_exit(&pend, ret);
}

/* A thread's exit: what it left in the pending maps goes (it died inside malloc, say). */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(ktrace_gone, struct task_struct *task)
{
	struct upt_kmem_key key = { .tid = task->pid };
	__u32 tid = task->pid;

	bpf_map_delete_elem(&kpend, &tid);
	bpf_map_delete_elem(&kexec, &tid);
	key.op = UPT_MEM_MALLOC;
	bpf_map_delete_elem(&kmem, &key);
	key.op = UPT_MEM_CALLOC;
	bpf_map_delete_elem(&kmem, &key);
	key.op = UPT_MEM_REALLOC;
	bpf_map_delete_elem(&kmem, &key);
	return 0;
}
