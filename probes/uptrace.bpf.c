// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * uptrace.bpf.c - the one generic uprobe program.
 *
 * Every uprobe uptrace attaches runs upt_call() with the probe's index as its BPF cookie
 * (attached by perf-event links, or loaded as a uprobe_multi program and attached by
 * uprobe_multi links: the same code, and the same cookie).
 * The program interprets that probe's struct upt_probe_spec (see uptrace.h): it fetches each
 * argument's raw value, sizes every buffer and string, reserves exactly the bytes the record
 * needs in the ring buffer (a dynptr reservation, so the size need not be a constant) and
 * copies user memory straight into the reservation: no per-CPU staging buffer, no second
 * copy.  How it copies depends on the kernel (see upt_dp_read() below); the records are the
 * same either way.
 *
 * Stack: the verifier allows 512 bytes for a whole call chain (a program and the
 * subprograms it calls), and only some kernel builds give uprobe programs a private stack,
 * so nothing here may count on more.  The per-argument state is kept compact and the record
 * header is written in place; `make test` loads every program and checks each chain's depth.
 *
 * Strings of unknown length are measured first with bpf_probe_read_user_str() into a per-CPU
 * "bit bucket" whose contents are never used, so a task preempted mid-program that shares the
 * bucket with another cannot corrupt a record: only the returned length matters.
 *
 * Wakeups, not copies, dominate the cost of a ring buffer on the traced thread, so records
 * are committed with BPF_RB_NO_WAKEUP except one per wake interval (see wakeup_flags()).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "uptrace.h"

#define ENOENT 2

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by the loader before load; frozen, so the verifier sees them as constants. */
const volatile __u64 bucket_size = 64; /* value size of `bucket`, >= 2 (64-bit: see size_arg) */
const volatile bool filter_tgids = false; /* only processes in `traced` (--follow) */
const volatile __u64 wake_interval_ns = 0; /* 0: the kernel's wakeup per caught-up record */
const volatile __u64 wakeup_bytes = 1;	   /* wake the consumer early past this fill */

/* Read by user space through the mmapped .bss; updated only on the rare paths. */
__u64 drops_total;   /* records that could not be reserved, all probes */
__u64 last_wake_ns;  /* when a record last woke the consumer */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, UPT_DEF_RINGBUF_SZ);
} events SEC(".maps");

/* Indexed by the attach cookie; max_entries is the number of probes (set at load). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct upt_probe_spec);
} specs SEC(".maps");

/* Records that could not be reserved, per probe (max_entries set at load). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/* --follow: the traced processes (tgid -> 1), seeded by user space, grown at fork. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, UPT_MAX_TRACED);
	__type(key, __u32);
	__type(value, __u8);
} traced SEC(".maps");

/* Calls in flight per (thread, return probe), for durations and call ids. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct upt_ret_key);
	__type(value, struct upt_ret_stack);
} ret_stacks SEC(".maps");

/* Never written: the zeroed value a new ret_stacks entry starts from (too big for the stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct upt_ret_stack);
} ret_zero SEC(".maps");

__u64 next_call_id;

/* String-length bit bucket: one slot per CPU of bucket_size bytes, no BTF so it resizes. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, 64);
} bucket SEC(".maps");

/*
 * Copying into a reservation
 * --------------------------
 * Linux 6.16 added kfuncs that copy user or kernel memory of any length to any offset of a
 * dynptr.  They are declared __weak: on an older kernel libbpf leaves them unresolved, and
 * the verifier accepts that because have_read_dynptr (set by the loader from the running
 * kernel's BTF) is false and every call to them is dead code.
 *
 * The portable path (Linux 5.19+: ring-buffer dynptrs and bpf_dynptr_data()) gets a pointer
 * into the reservation only for a constant length.  A copy of `len` bytes is done in pieces
 * of P bytes, P the largest power of two <= len: one piece when len == P, else two that
 * overlap, [0, P) and [len - P, len), so the middle bytes are read twice rather than any byte
 * past the end.  Two reads at most, whatever the length, and no staging memory that two
 * tasks could share (uprobe programs can be preempted).  A string is copied as the bytes it
 * measured, NUL included; the reader stops at its first NUL, so a string that changed in
 * between reads as it does on the kfunc path.
 */
const volatile bool have_read_dynptr = false;

extern int bpf_probe_read_user_dynptr(struct bpf_dynptr *dptr, __u32 off, __u32 size,
				      const void *unsafe_ptr) __ksym __weak;
extern int bpf_probe_read_user_str_dynptr(struct bpf_dynptr *dptr, __u32 off, __u32 size,
					  const void *unsafe_ptr) __ksym __weak;
extern int bpf_probe_read_kernel_dynptr(struct bpf_dynptr *dptr, __u32 off, __u32 size,
					const void *unsafe_ptr) __ksym __weak;

enum upt_rd {
	UPT_RD_USER,	 /* bytes of user memory */
	UPT_RD_USER_STR, /* a string in user memory, `len` bytes with its NUL */
	UPT_RD_KERNEL,	 /* bytes of kernel memory */
};

#define E2BIG_ 7

/* One piece: P (a constant) bytes at src to byte off of the reservation. */
static __always_inline long upt_dp_piece(struct bpf_dynptr *dp, __u32 off, const void *src,
					 const __u32 P, bool kernel)
{
	void *d = bpf_dynptr_data(dp, off, P);

	if (!d)
		return -E2BIG_;
	return kernel ? bpf_probe_read_kernel(d, P, src) : bpf_probe_read_user(d, P, src);
}

static __always_inline long upt_dp_pieces(struct bpf_dynptr *dp, __u32 off, __u32 len,
					  const void *src, const __u32 P, bool kernel)
{
	long r = upt_dp_piece(dp, off, src, P, kernel);

	if (r || len == P)
		return r;
	return upt_dp_piece(dp, off + len - P, src + len - P, P, kernel);
}

#define UPT_DP_TRY(P)                                                                          \
	if (len >= (P))                                                                        \
	return upt_dp_pieces(dp, off, len, src, (P), kernel)

static __always_inline long upt_dp_read_portable(struct bpf_dynptr *dp, __u32 off, __u32 len,
						 const void *src, bool kernel)
{
	if (len > 2 * UPT_MAX_MAX_BYTES)
		return -E2BIG_;
	UPT_DP_TRY(1u << 21);
	UPT_DP_TRY(1u << 20);
	UPT_DP_TRY(1u << 19);
	UPT_DP_TRY(1u << 18);
	UPT_DP_TRY(1u << 17);
	UPT_DP_TRY(1u << 16);
	UPT_DP_TRY(1u << 15);
	UPT_DP_TRY(1u << 14);
	UPT_DP_TRY(1u << 13);
	UPT_DP_TRY(1u << 12);
	UPT_DP_TRY(1u << 11);
	UPT_DP_TRY(1u << 10);
	UPT_DP_TRY(1u << 9);
	UPT_DP_TRY(1u << 8);
	UPT_DP_TRY(1u << 7);
	UPT_DP_TRY(1u << 6);
	UPT_DP_TRY(1u << 5);
	UPT_DP_TRY(1u << 4);
	UPT_DP_TRY(1u << 3);
	UPT_DP_TRY(1u << 2);
	UPT_DP_TRY(1u << 1);
	UPT_DP_TRY(1u << 0);
	return 0;
}

/*
 * Copy `len` bytes at src to byte off of the reservation dp.  Returns the bytes of data
 * copied (a string: without its NUL; the reader still stops at the first NUL) or -errno.
 */
static __noinline long upt_dp_read(struct bpf_dynptr *dp, __u32 off, __u32 len,
					const void *src, enum upt_rd how)
{
	long r;

	if (!len)
		return 0;
	if (have_read_dynptr) {
		switch (how) {
		case UPT_RD_USER_STR:
			r = bpf_probe_read_user_str_dynptr(dp, off, len, src);
			return r > 0 ? r - 1 : r;
		case UPT_RD_KERNEL:
			r = bpf_probe_read_kernel_dynptr(dp, off, len, src);
			break;
		default:
			r = bpf_probe_read_user_dynptr(dp, off, len, src);
			break;
		}
	} else {
		r = upt_dp_read_portable(dp, off, len, src, how == UPT_RD_KERNEL);
		if (!r && how == UPT_RD_USER_STR)
			return len - 1;
	}
	return r < 0 ? r : len;
}

#define ARG_MASK (UPT_MAX_ARGS - 1)
_Static_assert((UPT_MAX_ARGS & ARG_MASK) == 0, "UPT_MAX_ARGS must be a power of two");
_Static_assert(sizeof(struct pt_regs) / 8 < 256, "pt_regs word index fits a u8");
_Static_assert(UPT_ARG_NOLOC < 256, "argument flags fit a u8");

/*
 * One event's working state, on upt_call()'s stack: every argument's raw value and data-slot
 * size (the real length of a buffer or string is derived again when the record is written,
 * by full_len(), rather than kept for 16 arguments), and then the reservation.
 *
 * The per-argument work runs under bpf_loop(), one callback per phase (fetch, size, write),
 * so the verifier checks each body once, for any argument, instead of once per unrolled
 * iteration with every copy path in it: the 6.1 verifier cannot finish the unrolled form
 * within its budget.  bpf_loop() with a constant callback is inlined by the verifier (5.19+).
 */
struct call_ctx {
	struct pt_regs *regs;
	const struct upt_probe_spec *spec;
	__u64 raw[UPT_MAX_ARGS];
	__u32 slot[UPT_MAX_ARGS];
	__u8 flags[UPT_MAX_ARGS];  /* UPT_ARG_*, all below 1 << 8 */
	__u8 errnum[UPT_MAX_ARGS]; /* the errno of a failed read (every errno is below 256) */
	__u64 data;		/* bytes of the data area, summed by size_cb() */
	struct bpf_dynptr dp;	/* the record, from the reservation on */
};

static __always_inline __u64 mask_size(__u64 v, __u8 size)
{
	if (size >= 8)
		return v;
	return v & ((1ULL << (size * 8)) - 1);
}

/* Read `size` (1, 2, 4 or 8) bytes of user memory at addr into *val, zero-extended. */
static __always_inline int read_user_word(__u64 *val, __u64 addr, __u8 size)
{
	*val = 0;
	switch (size) {
	case 1:
		return bpf_probe_read_user(val, 1, (const void *)addr);
	case 2:
		return bpf_probe_read_user(val, 2, (const void *)addr);
	case 4:
		return bpf_probe_read_user(val, 4, (const void *)addr);
	default:
		return bpf_probe_read_user(val, 8, (const void *)addr);
	}
}

/*
 * pt_regs word `reg`, loaded from the context directly: a helper call per register costs more
 * than the rest of a scalar argument's work.  The verifier allows only loads at a constant
 * offset from the unmodified context pointer, and clang would merge the cases of a switch
 * into one load at a computed address, so each case is its own load instruction.
 */
#define REG_CASE(n)                                                                        \
	case n:                                                                            \
		asm volatile("%[v] = *(u64 *)(%[r] + %[o])" : [v] "=r"(v) : [r] "r"(regs),   \
			     [o] "i"(n * 8));                                                \
		return v

static __always_inline __u64 reg_word(const struct pt_regs *regs, __u8 reg)
{
	__u64 v;

	_Static_assert(sizeof(struct pt_regs) / 8 == 21, "x86-64 pt_regs: 21 words");
	switch (reg) {
	REG_CASE(0); REG_CASE(1); REG_CASE(2); REG_CASE(3); REG_CASE(4); REG_CASE(5);
	REG_CASE(6); REG_CASE(7); REG_CASE(8); REG_CASE(9); REG_CASE(10); REG_CASE(11);
	REG_CASE(12); REG_CASE(13); REG_CASE(14); REG_CASE(15); REG_CASE(16); REG_CASE(17);
	REG_CASE(18); REG_CASE(19); REG_CASE(20);
	default:
		return 0;
	}
}

/* The raw value of one argument; sets UPT_ARG_LOC_FAULT / UPT_ARG_NOLOC when it has none. */
static __always_inline __u64 fetch_raw(const struct pt_regs *regs, const struct upt_arg_spec *a,
				       __u8 *flags, __u8 *errnum)
{
	__u64 v = 0, addr;
	__u8 size = a->nderef ? 8 : a->size;
	int ret = 0, i;

	switch (a->loc) {
	case UPT_LOC_REG:
		v = reg_word(regs, a->reg);
		break;
	case UPT_LOC_STACK:
		ret = read_user_word(&v, PT_REGS_SP(regs) + a->off, size);
		break;
	case UPT_LOC_REG_DEREF:
		ret = read_user_word(&v, reg_word(regs, a->reg) + a->off, size);
		break;
	case UPT_LOC_CONST:
		v = (__u64)(__s64)a->off;
		break;
	default:
		*flags |= UPT_ARG_NOLOC;
		return 0;
	}
	for (i = 0; i < UPT_MAX_DEREF && !ret; i++) {
		if (i >= a->nderef)
			break;
		addr = v + a->deref[i];
		if (i + 1 == a->nderef && (a->aflags & UPT_ARGF_ADDR)) {
			v = addr;
			break;
		}
		ret = read_user_word(&v, addr, i + 1 == a->nderef ? a->size : 8);
	}
	if (ret) {
		*flags |= UPT_ARG_LOC_FAULT;
		*errnum = -ret;
		return 0;
	}
	return mask_size(v, a->size);
}

/* How many bytes argument i needs in the data area; fills slot/flags. */
static __always_inline __u32 size_arg(struct call_ctx *st, const struct upt_arg_spec *a,
				      __u32 i, __u32 cap)
{
	__u64 want, len;
	__u32 n;
	void *bkt;
	long r;

	if (a->cap == UPT_CAP_SCALAR || (st->flags[i] & (UPT_ARG_LOC_FAULT | UPT_ARG_NOLOC)))
		return 0;
	if (!st->raw[i]) {
		st->flags[i] |= UPT_ARG_NULL;
		return 0;
	}
	if (a->cap == UPT_CAP_BYTES) {
		if (a->len_kind == UPT_LEN_ARG)
			want = st->raw[a->len_val & ARG_MASK];
		else
			want = a->len_val;
		if (want > cap) {
			st->flags[i] |= UPT_ARG_TRUNC;
			want = cap;
		}
		st->slot[i] = want;
		return want;
	}

	/* A string: measure it (cap + 2 tells "exactly cap" from "longer than cap"). */
	n = bpf_get_smp_processor_id();
	bkt = bpf_map_lookup_elem(&bucket, &n);
	if (!bkt) {
		st->flags[i] |= UPT_ARG_FAULT;
		st->errnum[i] = ENOENT;
		return 0;
	}
	/* 64-bit, so the bound the verifier sees is on the register passed */
	len = (__u64)cap + 2;
	if (len > bucket_size)
		len = bucket_size;
	barrier_var(len); /* the clamped value is the one passed, not a copy from before */
	r = bpf_probe_read_user_str(bkt, len, (const void *)st->raw[i]);
	if (r < 0) {
		st->flags[i] |= UPT_ARG_FAULT;
		st->errnum[i] = -r;
		return 0;
	}
	/* r counts the NUL: a string of exactly cap bytes is whole */
	if (r > cap + 1) {
		st->flags[i] |= UPT_ARG_TRUNC;
		r = cap + 1; /* cap bytes and the NUL */
	}
	st->slot[i] = r;
	return r;
}

/* bpf_loop() callbacks of upt_call(), for argument i: its raw value, then its data size. */
static long fetch_cb(__u32 i, struct call_ctx *c)
{
	i &= ARG_MASK;
	c->raw[i] = fetch_raw(c->regs, &c->spec->args[i], &c->flags[i], &c->errnum[i]);
	return 0;
}

static long size_cb(__u32 i, struct call_ctx *c)
{
	__u32 cap;

	i &= ARG_MASK;
	cap = c->spec->args[i].max_bytes ?: c->spec->max_bytes;
	if (cap > UPT_MAX_MAX_BYTES)
		cap = UPT_MAX_MAX_BYTES;
	c->data += size_arg(c, &c->spec->args[i], i, cap);
	return 0;
}

/*
 * Push a frame for return probe `pair` on this thread's stack; returns the call id (0 when the
 * stack is full: recursion deeper than UPT_RET_DEPTH goes unpaired, never mispaired).
 */
__noinline __u64 upt_push(__u32 tid, __u32 pair, __u64 sp, __u64 now)
{
	struct upt_ret_key key = { .tid = tid, .pair = pair };
	struct upt_ret_stack *rs;
	__u32 zero = 0, d;
	void *init;

	rs = bpf_map_lookup_elem(&ret_stacks, &key);
	if (!rs) {
		init = bpf_map_lookup_elem(&ret_zero, &zero);
		if (!init)
			return 0;
		bpf_map_update_elem(&ret_stacks, &key, init, BPF_NOEXIST);
		rs = bpf_map_lookup_elem(&ret_stacks, &key);
		if (!rs)
			return 0;
	}
	d = rs->depth;
	if (d >= UPT_RET_DEPTH)
		return 0;
	d &= UPT_RET_DEPTH - 1; /* for the verifier: clang bounds-checks a copy */
	rs->f[d].ts_ns = now;
	rs->f[d].call_id = __sync_fetch_and_add(&next_call_id, 1) + 1;
	rs->f[d].sp = sp;
	rs->depth = d + 1;
	return rs->f[d].call_id;
}

/*
 * Pop the frame of the call returning now.  After `ret`, sp is the entry sp + 8; frames whose
 * entry sp is below that belong to calls that never returned (longjmp, exceptions) and are
 * dropped on the way.  Returns the call id with *entry_ns its entry time, or 0 when there is
 * no frame for this return.
 */
__noinline __u64 upt_pop(__u32 tid, __u32 pair, __u64 sp, __u64 *entry_ns)
{
	struct upt_ret_key key = { .tid = tid, .pair = pair };
	struct upt_ret_stack *rs;
	__u32 d, i;

	if (!entry_ns)
		return 0;
	rs = bpf_map_lookup_elem(&ret_stacks, &key);
	if (!rs)
		return 0;
	for (i = 0; i < UPT_RET_DEPTH; i++) {
		d = rs->depth;
		if (d == 0 || d > UPT_RET_DEPTH)
			return 0;
		d = (d - 1) & (UPT_RET_DEPTH - 1);
		if (rs->f[d].sp + 8 > sp)
			return 0; /* an outer call's frame: ours was never pushed */
		rs->depth = d;
		if (rs->f[d].sp + 8 == sp) {
			*entry_ns = rs->f[d].ts_ns;
			return rs->f[d].call_id;
		}
	}
	return 0;
}

/*
 * Wake the consumer at most once per wake_interval_ns, or when the ring fills past
 * wakeup_bytes; otherwise commit silently.  The consumer polls again within the interval
 * after every batch, so no record waits longer than about one interval.
 */
static __always_inline __u64 wakeup_flags(__u64 now)
{
	if (!wake_interval_ns)
		return 0;
	if (now - last_wake_ns < wake_interval_ns &&
	    bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) < wakeup_bytes)
		return BPF_RB_NO_WAKEUP;
	last_wake_ns = now;
	return BPF_RB_FORCE_WAKEUP;
}

/* The real length of argument i's buffer or string, as far as it is known. */
static __always_inline __u32 full_len(const struct upt_arg_spec *a, const struct call_ctx *st,
				      __u32 i)
{
	__u64 want;

	if (!st->slot[i])
		return 0;
	if (a->cap == UPT_CAP_STR)
		return st->slot[i] - 1; /* measured with its NUL; at most max_bytes */
	want = a->len_kind == UPT_LEN_ARG ? st->raw[a->len_val & ARG_MASK] : a->len_val;
	return want > 0xffffffffULL ? 0xffffffffU : want;
}

/* Fill the header and the fixed part of a call record, in place. */
static __always_inline int put_call_head(struct bpf_dynptr *dp, __u64 now, __u64 tgid_tid,
					 __u32 id, __u32 nargs, __u32 total, __u16 type,
					 __u64 call_id, __u64 duration)
{
	struct upt_call_rec *rec = bpf_dynptr_data(dp, 0, sizeof(*rec));

	if (!rec)
		return -1;
	rec->hdr.type = type;
	rec->hdr.flags = 0;
	rec->hdr.size = total;
	rec->hdr.ts_ns = now;
	rec->hdr.pid = tgid_tid >> 32;
	rec->hdr.tid = (__u32)tgid_tid;
	bpf_get_current_comm(rec->hdr.comm, sizeof(rec->hdr.comm));
	rec->probe_id = id;
	rec->nargs = nargs;
	rec->call_id = call_id;
	rec->duration_ns = duration;
	return 0;
}

/* The third callback: argument i's struct upt_arg_val, and its data copied to `off`. */
static long put_cb(__u32 i, struct call_ctx *c)
{
	const struct upt_arg_spec *a;
	struct upt_arg_val val;
	__u32 off = sizeof(struct upt_call_rec) + c->spec->nargs * sizeof(val) + c->data;
	long ret;

	i &= ARG_MASK;
	a = &c->spec->args[i];
	val.raw = c->raw[i];
	val.full_len = full_len(a, c, i);
	val.slot = c->slot[i];
	val.len = 0;
	val.err = -(__s16)c->errnum[i];
	val.flags = c->flags[i];
	ret = upt_dp_read(&c->dp, off, val.slot, (const void *)val.raw,
			  a->cap == UPT_CAP_STR ? UPT_RD_USER_STR : UPT_RD_USER);
	if (ret < 0) {
		val.flags |= UPT_ARG_FAULT;
		val.err = ret;
	} else {
		val.len = ret;
	}
	bpf_dynptr_write(&c->dp, sizeof(struct upt_call_rec) + i * sizeof(val), &val,
			 sizeof(val), 0);
	c->data += val.slot;
	return 0;
}

SEC("uprobe")
int upt_call(struct pt_regs *ctx)
{
	__u64 now = bpf_ktime_get_boot_ns(), tgid_tid = bpf_get_current_pid_tgid();
	__u64 call_id = 0, entry_ns = now, total, *drop;
	__u32 id = bpf_get_attach_cookie(ctx), nargs, flags;
	const struct upt_probe_spec *spec;
	struct call_ctx c = {};

	if (filter_tgids) {
		__u32 tgid = tgid_tid >> 32;

		if (!bpf_map_lookup_elem(&traced, &tgid))
			return 0;
	}
	spec = bpf_map_lookup_elem(&specs, &id);
	if (!spec)
		return 0;
	flags = spec->flags;
	if (flags & UPT_SPEC_PUSH)
		call_id = upt_push((__u32)tgid_tid, spec->pair, PT_REGS_SP(ctx), now);
	if (flags & UPT_SPEC_SILENT)
		return 0;
	/* an unknown entry leaves call_id and the duration 0 */
	if (flags & UPT_SPEC_RET)
		call_id = upt_pop((__u32)tgid_tid, spec->pair, PT_REGS_SP(ctx), &entry_ns);
	nargs = spec->nargs;
	if (nargs > UPT_MAX_ARGS)
		return 0; /* the loader never stores such a spec */
	c.regs = ctx;
	c.spec = spec;
	bpf_loop(nargs, fetch_cb, &c, 0);
	bpf_loop(nargs, size_cb, &c, 0);

	total = sizeof(struct upt_call_rec) + nargs * sizeof(struct upt_arg_val) + c.data;
	if (bpf_ringbuf_reserve_dynptr(&events, total, 0, &c.dp)) {
		bpf_ringbuf_discard_dynptr(&c.dp, 0);
		drop = bpf_map_lookup_elem(&drops, &id);
		if (drop)
			__sync_fetch_and_add(drop, 1);
		__sync_fetch_and_add(&drops_total, 1);
		return 0;
	}
	if (put_call_head(&c.dp, now, tgid_tid, id, nargs, total,
			  flags & UPT_SPEC_RET ? UPT_REC_RET : UPT_REC_CALL, call_id,
			  now - entry_ns)) {
		bpf_ringbuf_discard_dynptr(&c.dp, 0);
		return 0;
	}
	c.data = 0;
	bpf_loop(nargs, put_cb, &c, 0);
	bpf_ringbuf_submit_dynptr(&c.dp, wakeup_flags(now));
	return 0;
}

/* --follow: a child of a traced process is traced from its first instruction. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(upt_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	__u8 one = 1;

	if (ptgid != ctgid && bpf_map_lookup_elem(&traced, &ptgid))
		bpf_map_update_elem(&traced, &ctgid, &one, BPF_ANY);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(upt_exit, struct task_struct *task)
{
	__u32 tgid = task->tgid;

	/* the thread-group leader's exit: the process is gone (threads go with it) */
	if (task->pid == task->tgid)
		bpf_map_delete_elem(&traced, &tgid);
	return 0;
}

/* the kernel traces (-t); upt_uprobes.bpf.c is this object without them */
#ifndef UPT_NO_KTRACE
#include "ktrace.bpf.h"
#endif
