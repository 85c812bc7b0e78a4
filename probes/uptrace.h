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
	__u8 pad[2];
	__s32 off;		      /* stack / deref offset, or constant */
	__u32 len_val;		      /* see enum upt_len */
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

#endif /* UPTRACE_SHARED_H */
