/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * uptrace.h - the one header shared by the BPF programs in probes/ and by loader/.
 *
 * How the split works
 * -------------------
 * User space resolves every probe (function -> file offset, arguments -> locations and
 * types) and writes one struct upt_probe_spec per probe into the `specs` array map.  Each
 * uprobe is attached with the probe's index as its BPF cookie, so ONE generic BPF program
 * serves every function: it looks its spec up by bpf_get_attach_cookie(), fetches each
 * argument's raw 64-bit value (a register, a stack slot, optionally followed by a chain of
 * pointer dereferences), works out how many bytes each buffer or string argument needs,
 * reserves exactly that much in the ring buffer and copies user memory straight into it.
 *
 * A call record is laid out as
 *
 *	struct upt_call_rec | struct upt_arg_val[nargs] | data of arg 0 | data of arg 1 | ...
 *
 * where argument i owns `slot` bytes of the data area (possibly more than the `len` bytes
 * that were actually read: a read can fault, or a string can shrink between measuring and
 * copying).  Every record starts with struct upt_rec_hdr, whose `type` says what follows.
 * Only fixed-width types appear here; records are read with memcpy-free casts because the
 * ring buffer hands out 8-byte aligned records.
 */
#ifndef UPTRACE_SHARED_H
#define UPTRACE_SHARED_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define UPT_COMM_LEN	   16
#define UPT_MAX_ARGS	   16	     /* fetches per probe */
#define UPT_MAX_DEREF	   4	     /* pointer hops in one fetch (a->b->c) */
#define UPT_DEF_MAX_BYTES  4096	     /* default per-argument capture cap */
#define UPT_DEF_MAX_BUFFER (1u << 16) /* ... of msgpack and auto buffers: decoded whole */
#define UPT_MAX_MAX_BYTES  (1u << 20) /* largest --max-bytes accepted */
#define UPT_DEF_RINGBUF_SZ (8u << 20)
#define UPT_MAX_TRACED	   65536     /* processes in the --follow set */

enum upt_rec_type {
	UPT_REC_CALL = 1, /* uprobe: function entry, arguments */
	UPT_REC_RET = 2,  /* uretprobe: return value */
};

/* Where a fetch's raw value comes from before any dereference. */
enum upt_loc {
	UPT_LOC_NONE = 0, /* not available (optimized out): reported, never guessed */
	UPT_LOC_REG,	  /* pt_regs word number `reg` */
	UPT_LOC_STACK,	  /* 8 bytes at user sp + off */
	UPT_LOC_REG_DEREF, /* 8 bytes at user (pt_regs word `reg`) + off */
	UPT_LOC_CONST,	  /* the constant `off` */
};

/* What the BPF side copies for an argument beyond its raw value. */
enum upt_cap {
	UPT_CAP_SCALAR = 0, /* only the raw value */
	UPT_CAP_STR,	    /* NUL-terminated string at raw, up to max_bytes */
	UPT_CAP_BYTES,	    /* buffer at raw of a fixed length or of another argument's value */
};

/* upt_arg_spec.aflags */
#define UPT_ARGF_ADDR (1u << 0) /* the last hop adds its offset and reads nothing: the value is
				 * the address of what the expression names (an array member) */

/* Length of a UPT_CAP_BYTES (or bounded UPT_CAP_STR) argument. */
enum upt_len {
	UPT_LEN_NONE = 0,
	UPT_LEN_FIXED, /* len_val bytes */
	UPT_LEN_ARG,   /* the raw value of argument number len_val */
};

struct upt_arg_spec {
	__u8 loc;      /* enum upt_loc */
	__u8 cap;      /* enum upt_cap */
	__u8 len_kind; /* enum upt_len */
	__u8 reg;      /* pt_regs word for UPT_LOC_REG / UPT_LOC_REG_DEREF */
	__u8 size;     /* bytes of the raw value: 1, 2, 4 or 8 (read from memory, masked) */
	__u8 nderef;   /* pointer hops after the location, each reads 8 bytes at ptr + deref */
	__u8 aflags;   /* UPT_ARGF_* */
	__u8 pad;
	__s32 off;		      /* stack / deref offset, or constant */
	__u32 len_val;		      /* see enum upt_len */
	__u32 max_bytes;	      /* this argument's capture cap; 0: the probe's */
	__s32 deref[UPT_MAX_DEREF]; /* offsets of the hops */
};

/*
 * upt_probe_spec.flags.  A FUNC%return probe is two attachments: the function's entry pushes
 * (time, call id, stack pointer) on a per-thread stack keyed by `pair`, the return pops it.
 * When FUNC's entry is probed too, that entry probe does the push, so both events carry the
 * same call_id; otherwise a silent entry probe (UPT_SPEC_SILENT) does it.
 */
#define UPT_SPEC_PUSH	(1u << 0) /* entry: push a frame for the return probe `pair` */
#define UPT_SPEC_RET	(1u << 1) /* return: pop the frame of `pair`, emit UPT_REC_RET */
#define UPT_SPEC_SILENT (1u << 2) /* push only, emit nothing */

#define UPT_RET_DEPTH 16 /* calls in flight per thread and function; a power of two */

struct upt_probe_spec {
	__u32 nargs;	 /* <= UPT_MAX_ARGS */
	__u32 max_bytes; /* per-argument capture cap */
	__u32 flags;	 /* UPT_SPEC_* */
	__u32 pair;	 /* id of the return probe whose frames this probe pushes or pops */
	struct upt_arg_spec args[UPT_MAX_ARGS];
};

/* The per-thread stack of calls in flight, for return probes (key: tid, pair). */
struct upt_ret_key {
	__u32 tid;
	__u32 pair;
};

struct upt_ret_frame {
	__u64 ts_ns;
	__u64 call_id;
	__u64 sp; /* user sp at entry: the return finds its frame by sp + 8 */
};

struct upt_ret_stack {
	__u32 depth;
	__u32 pad;
	struct upt_ret_frame f[UPT_RET_DEPTH];
};

struct upt_rec_hdr {
	__u16 type; /* enum upt_rec_type */
	__u16 flags;
	__u32 size;  /* whole record in bytes */
	__u64 ts_ns; /* bpf_ktime_get_boot_ns() at the event */
	__u32 pid;   /* tgid */
	__u32 tid;
	char comm[UPT_COMM_LEN];
};

/* upt_arg_val.flags */
#define UPT_ARG_NULL	  (1u << 0) /* the pointer was NULL: no data */
#define UPT_ARG_TRUNC	  (1u << 1) /* full_len > slot: capture cut at max_bytes */
#define UPT_ARG_FAULT	  (1u << 2) /* reading the data faulted: err holds the errno */
#define UPT_ARG_LOC_FAULT (1u << 3) /* reading the raw value itself (stack, deref) faulted */
#define UPT_ARG_NOLOC	  (1u << 4) /* no location at the probe address (optimized out) */

struct upt_arg_val {
	__u64 raw;	/* the register/stack value: the pointer or the scalar */
	__u32 full_len; /* real length of the buffer/string, as far as it is known */
	__u32 slot;	/* bytes this argument owns in the data area */
	__u32 len;	/* bytes of the slot that hold captured data */
	__s16 err;	/* negative errno of a failed read, else 0 */
	__u16 flags;	/* UPT_ARG_* */
};

struct upt_call_rec {
	struct upt_rec_hdr hdr;
	__u32 probe_id; /* the attach cookie: index into specs */
	__u32 nargs;
	__u64 call_id;	   /* pairs an entry with its return; 0: not paired */
	__u64 duration_ns; /* UPT_REC_RET: entry to return; 0 with call_id 0: entry unknown */
	/* struct upt_arg_val args[nargs]; then the data slots */
};

/*
 * Kernel traces (-t NAME): exec, signal, malloc, bind, tcp, vfs
 * -------------------------------------------------------------
 * Their records share the ring buffer and struct upt_rec_hdr with the uprobe records; the
 * header's type tells them apart (enum upt_krec_type, numbered after UPT_REC_RET).  Every
 * record is sized to its content: fixed small structs, or a struct followed by strings.
 * Strings carry no NUL; their lengths are in the struct and are checked by the reader.
 *
 * Syscalls are traced by one sys_enter and one sys_exit program, attached to the
 * syscalls:sys_{enter,exit}_NAME tracepoints of the selected traces; ksys_op[nr] (enum
 * upt_ksys) says what each is.  sys_enter keeps the arguments per thread; sys_exit pairs
 * them with the result and emits one record, stamped at the exit.
 */
enum upt_trace {
	UPT_TRACE_EXEC = 0,
	UPT_TRACE_SIGNAL,
	UPT_TRACE_MALLOC,
	UPT_TRACE_BIND,
	UPT_TRACE_TCP,
	UPT_TRACE_VFS,
	UPT_TRACE_MAX,
};

#define UPT_TRACE_BIT(t) (1u << (t))
#define UPT_TRACE_ALL	 (UPT_TRACE_BIT(UPT_TRACE_MAX) - 1)

enum upt_krec_type {
	UPT_REC_EXEC = 3,
	UPT_REC_SIGNAL = 4,
	UPT_REC_MALLOC = 5,
	UPT_REC_BIND = 6,
	UPT_REC_TCP = 7,
	UPT_REC_VFS = 8,
};

/* Which processes the kernel traces report (rodata ktrace_filter). */
enum upt_kfilter {
	UPT_KF_PIDS = 0, /* tgids in `traced` with value 1 (-p/-c and their children) */
	UPT_KF_EXE,	 /* tasks whose executable is that inode (ktrace_exe_dev/_ino) */
	UPT_KF_ALL,	 /* --all: every process but uptrace */
};

/* `traced` values: a -c child counts only from its execve of CMD on. */
#define UPT_TRACED	   1
#define UPT_TRACED_PENDING 2

#define UPT_NSYSCALLS 512 /* ksys_op[] covers syscall numbers below this */

/* ksys_op[nr]: what sys_enter/sys_exit do with syscall nr; 0: nothing. */
enum upt_ksys {
	UPT_KSYS_NONE = 0,
	UPT_KSYS_EXECVE,
	UPT_KSYS_EXECVEAT,
	UPT_KSYS_BIND,
	UPT_KSYS_LISTEN,
	UPT_KSYS_ACCEPT,
	UPT_KSYS_ACCEPT4,
	UPT_KSYS_CONNECT,
	UPT_KSYS_VFS = 16, /* UPT_KSYS_VFS + enum upt_vfs_op */
};

/* vfs "operation": the number is part of the output (README has the table). */
enum upt_vfs_op {
	UPT_VFS_OPENAT = 0, /* in_ebpf's VFS_OP_OPENAT, the same number */
	UPT_VFS_OPEN,
	UPT_VFS_OPENAT2,
	UPT_VFS_CREAT,
	UPT_VFS_READ,
	UPT_VFS_WRITE,
	UPT_VFS_PREAD64,
	UPT_VFS_PWRITE64,
	UPT_VFS_READV,
	UPT_VFS_WRITEV,
	UPT_VFS_CLOSE,
	UPT_VFS_UNLINK,
	UPT_VFS_UNLINKAT,
	UPT_VFS_MKDIR,
	UPT_VFS_MKDIRAT,
	UPT_VFS_RMDIR,
	UPT_VFS_NOPS,
};

/* malloc "operation", as in_ebpf numbers it; the uprobe cookie of the libc probes */
enum upt_mem_op {
	UPT_MEM_MALLOC = 0,
	UPT_MEM_FREE = 1,
	UPT_MEM_CALLOC = 2,
	UPT_MEM_REALLOC = 3,
	UPT_MEM_NOPS,
};

/* Per-thread state between sys_enter and sys_exit (all but exec). */
struct upt_kpend {
	__u64 args[5];
	__u64 file; /* fd operations: the struct file * of args[0], looked up at entry */
	__u32 ksys; /* enum upt_ksys */
	__u32 pad;
};

/* malloc/calloc/realloc entry, kept for the return (key: tid, op). */
struct upt_kmem_key {
	__u32 tid;
	__u32 op;
};

struct upt_kmem_val {
	__u64 size;
	__u64 old; /* realloc: the block handed in */
};

#define UPT_EXEC_NSTR	 5    /* filename, argv[0], argv[1], argv[2], argv[argc - 1] */
#define UPT_EXEC_FN_MAX	 4096 /* filename bytes kept, with the NUL */
#define UPT_EXEC_ARG_MAX 1024 /* bytes kept of each argv string, with the NUL */
#define UPT_EXEC_SCAN	 1024 /* argv pointers counted; argc stops there */

enum upt_exec_stage {
	UPT_EXEC_ENTER = 0, /* sys_enter_execve(at): what is about to run */
	UPT_EXEC_EXIT = 1,  /* sys_exit: the same, with the result */
};

/*
 * Per-thread exec arguments, from sys_enter to sys_exit (the old image is gone by then).
 * A string can be unreadable at sys_enter: a child that execs right after fork() has no
 * page table entries yet for its parent's file-backed pages, and BPF cannot fault them in.
 * Then the enter stage waits (`deferred`) until the kernel has read the strings itself: at
 * sched_process_exec they are filled from bprm->filename and the new image's argument
 * area; after a failed exec they are read again.  It keeps its own stamp and comm.
 */
struct upt_kexec {
	__u64 enter_ts;		 /* the enter stage's stamp */
	__u64 fn_ptr, argv_ptr;	 /* the user pointers, to read again after a failure */
	char comm[UPT_COMM_LEN]; /* the comm at the enter stage */
	__u32 ppid;
	__u32 argc;
	__u16 len[UPT_EXEC_NSTR]; /* bytes of each string, without the NUL */
	__u16 unread;		  /* bit i: string i could not be read (yet) */
	__u16 deferred;		  /* the enter stage is still to be emitted */
	__u16 pad;
	char fn[UPT_EXEC_FN_MAX];
	char arg[UPT_EXEC_NSTR - 1][UPT_EXEC_ARG_MAX];
};

struct upt_exec_rec {
	struct upt_rec_hdr hdr;
	__u32 ppid;
	__u32 argc;
	__s32 error; /* positive errno; 0 for success and for the enter stage */
	__u16 stage; /* enum upt_exec_stage */
	__u16 len[UPT_EXEC_NSTR];
	__u16 unread; /* bit i: string i could not be read; its len is 0 */
	__u16 pad[3];
	/* then the strings back to back: filename, argv, argv1, argv2, argv_last */
};

struct upt_signal_rec {
	struct upt_rec_hdr hdr;
	__s32 sig;
	__u32 tpid; /* the thread the signal was generated for */
};

struct upt_malloc_rec {
	struct upt_rec_hdr hdr;
	__u32 op; /* enum upt_mem_op */
	__u32 pad;
	__u64 addr; /* returned block; free: the block freed */
	__u64 size; /* bytes asked for (calloc: nmemb * size); free: 0 */
	__u64 old;  /* realloc: the block handed in */
};

/* An IPv4 or IPv6 socket address as the kernel keeps it: addr in network order. */
struct upt_kaddr {
	__u16 family; /* AF_INET, AF_INET6; 0: none */
	__u16 port;   /* host order */
	__u8 addr[16];
};

struct upt_bind_rec {
	struct upt_rec_hdr hdr;
	__u32 uid;
	__u32 gid;
	__s32 fd;
	__s32 error;
	__u32 bound_dev_if;
	struct upt_kaddr local; /* the socket's address once bound; else the one asked for */
};

enum upt_tcp_kind {
	UPT_TCP_LISTEN = 0,
	UPT_TCP_ACCEPT,
	UPT_TCP_CONNECT,
};

struct upt_tcp_rec {
	struct upt_rec_hdr hdr;
	__u32 kind; /* enum upt_tcp_kind */
	__s32 fd;
	__s32 backlog; /* listen */
	__s32 new_fd;  /* accept: the returned fd */
	__s32 error;
	struct upt_kaddr peer; /* accept: the peer; connect: the address connected to */
};

/* upt_vfs_rec.kind: where the path came from */
enum upt_vfs_path {
	UPT_VFS_PATH_NONE = 0, /* no path (bad fd) */
	UPT_VFS_PATH_USER,     /* the string the caller passed */
	UPT_VFS_PATH_FILE,     /* the open file's path, walked up to the root of its mount ns */
	UPT_VFS_PATH_PIPE,     /* pipefs: "pipe:[ino]" */
	UPT_VFS_PATH_SOCKET,   /* sockfs: "socket:[ino]" */
	UPT_VFS_PATH_ANON,     /* anon_inodefs: "anon_inode:" + the name in the data */
};

#define UPT_VFS_PATH_MAX  4096 /* bytes of a path kept */
#define UPT_VFS_DEPTH	  48   /* components of a walked path */
#define UPT_VFS_CUT	  (1u << 0) /* the path was longer or deeper than kept */
#define UPT_VFS_HAS_FD	  (1u << 1) /* fd holds a descriptor */
#define UPT_VFS_HAS_BYTES (1u << 2) /* read/write family: bytes holds the result */
#define UPT_VFS_PATH_FAULT (1u << 3) /* the caller's path could not be read: path_err
				       * holds the -errno, ino the address */

struct upt_vfs_rec {
	struct upt_rec_hdr hdr;
	__u16 op;    /* enum upt_vfs_op */
	__u8 kind;   /* enum upt_vfs_path */
	__u8 flags2; /* UPT_VFS_CUT, UPT_VFS_HAS_* */
	__u32 path_len;
	__u32 path_off; /* the path is path_len bytes at path_off after this struct */
	__u32 flags;	/* open flags (fd operations: the file's f_flags) */
	__u32 mode;	/* creation mode (fd operations: the inode's i_mode) */
	__s32 fd;
	__s32 error;
	__s64 bytes; /* read/write family: the result */
	__u64 ino;   /* fd operations: the inode number */
	__s32 path_err;
	/* then the path's bytes */
};

#endif /* UPTRACE_SHARED_H */
