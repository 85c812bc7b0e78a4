// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * uptrace.bpf.c - the one generic uprobe program.
 *
 * Every uprobe uptrace attaches runs upt_call() with the probe's index as its BPF cookie.
 * The program interprets that probe's struct upt_probe_spec (see uptrace.h): it fetches each
 * argument's raw value, sizes every buffer and string, reserves exactly the bytes the record
 * needs in the ring buffer (a dynptr reservation, so the size need not be a constant) and
 * copies user memory straight into the reservation with the *_dynptr probe-read kfuncs: no
 * per-CPU staging buffer, no second copy.
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
const volatile __u32 bucket_size = 64; /* value size of `bucket`, >= 2 */
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

extern int bpf_probe_read_user_dynptr(struct bpf_dynptr *dptr, __u32 off, __u32 size,
				      const void *unsafe_ptr) __ksym;
extern int bpf_probe_read_user_str_dynptr(struct bpf_dynptr *dptr, __u32 off, __u32 size,
					  const void *unsafe_ptr) __ksym;

#define ARG_MASK (UPT_MAX_ARGS - 1)
_Static_assert((UPT_MAX_ARGS & ARG_MASK) == 0, "UPT_MAX_ARGS must be a power of two");
_Static_assert(sizeof(struct pt_regs) / 8 < 256, "pt_regs word index fits a u8");

/* Per-event working state: raw values and data-slot sizes of every argument. */
struct call_state {
	__u64 raw[UPT_MAX_ARGS];
	__u32 full[UPT_MAX_ARGS];
	__u32 slot[UPT_MAX_ARGS];
	__u16 flags[UPT_MAX_ARGS];
	__s16 err[UPT_MAX_ARGS];
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

static __always_inline __u64 reg_word(const struct pt_regs *regs, __u8 reg)
{
	__u64 v = 0;

	if (reg >= sizeof(*regs) / 8)
		return 0;
	bpf_probe_read_kernel(&v, sizeof(v), (const void *)regs + reg * 8);
	return v;
}

/* The raw value of one argument; sets UPT_ARG_LOC_FAULT / UPT_ARG_NOLOC when it has none. */
static __always_inline __u64 fetch_raw(const struct pt_regs *regs, const struct upt_arg_spec *a,
				       __u16 *flags, __s16 *err)
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
		ret = read_user_word(&v, addr, i + 1 == a->nderef ? a->size : 8);
	}
	if (ret) {
		*flags |= UPT_ARG_LOC_FAULT;
		*err = ret;
		return 0;
	}
	return mask_size(v, a->size);
}

/* How many bytes argument i needs in the data area; fills full/slot/flags. */
static __always_inline __u32 size_arg(struct call_state *st, const struct upt_arg_spec *a,
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
		st->full[i] = want > 0xffffffffULL ? 0xffffffffU : want;
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
		st->err[i] = -ENOENT;
		return 0;
	}
	/* 64-bit, so the bound the verifier sees is on the register passed */
	len = (__u64)cap + 2;
	if (len > bucket_size)
		len = bucket_size;
	r = bpf_probe_read_user_str(bkt, len, (const void *)st->raw[i]);
	if (r < 0) {
		st->flags[i] |= UPT_ARG_FAULT;
		st->err[i] = r;
		return 0;
	}
	if (r > cap) {
		st->flags[i] |= UPT_ARG_TRUNC;
		r = cap + 1; /* cap bytes and the NUL */
	}
	st->full[i] = r - 1;
	st->slot[i] = r;
	return r;
}

/*
 * The per-argument work is done in global functions: the verifier checks each once, for
 * any argument index, instead of walking every path of every loop iteration of an inlined
 * body (which multiplies out past the verifier's instruction budget).  Pointers handed to
 * a global function may be NULL as far as the verifier knows, hence the checks.
 */
__noinline int upt_fetch_arg(struct pt_regs *ctx, const struct upt_probe_spec *spec,
			     struct call_state *st, __u32 i)
{
	if (!ctx || !spec || !st)
		return 0;
	i &= ARG_MASK;
	st->raw[i] = fetch_raw(ctx, &spec->args[i], &st->flags[i], &st->err[i]);
	return 0;
}

__noinline int upt_size_arg(const struct upt_probe_spec *spec, struct call_state *st, __u32 i)
{
	__u32 cap;

	if (!spec || !st)
		return 0;
	cap = spec->max_bytes;
	if (cap > UPT_MAX_MAX_BYTES)
		cap = UPT_MAX_MAX_BYTES;
	i &= ARG_MASK;
	return size_arg(st, &spec->args[i], i, cap);
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
 * dropped on the way.  0 and *out filled when found, -1 when not.
 */
__noinline int upt_pop(__u32 tid, __u32 pair, __u64 sp, struct upt_ret_frame *out)
{
	struct upt_ret_key key = { .tid = tid, .pair = pair };
	struct upt_ret_stack *rs;
	__u32 d, i;

	if (!out)
		return -1;
	rs = bpf_map_lookup_elem(&ret_stacks, &key);
	if (!rs)
		return -1;
	for (i = 0; i < UPT_RET_DEPTH; i++) {
		d = rs->depth;
		if (d == 0 || d > UPT_RET_DEPTH)
			return -1;
		d = (d - 1) & (UPT_RET_DEPTH - 1);
		if (rs->f[d].sp + 8 > sp)
			return -1; /* an outer call's frame: ours was never pushed */
		rs->depth = d;
		if (rs->f[d].sp + 8 == sp) {
			*out = rs->f[d];
			return 0;
		}
	}
	return -1;
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

SEC("uprobe")
int upt_call(struct pt_regs *ctx)
{
	__u64 now = bpf_ktime_get_boot_ns(), tgid_tid = bpf_get_current_pid_tgid();
	struct upt_call_rec rec = {};
	struct upt_ret_frame frame;
	struct upt_arg_val val;
	struct call_state st = {};
	const struct upt_probe_spec *spec;
	const struct upt_arg_spec *a;
	struct bpf_dynptr dp;
	__u32 id = bpf_get_attach_cookie(ctx), i, nargs, flags;
	__u64 total, off, *drop;
	long ret;

	if (filter_tgids) {
		__u32 tgid = tgid_tid >> 32;

		if (!bpf_map_lookup_elem(&traced, &tgid))
			return 0;
	}
	spec = bpf_map_lookup_elem(&specs, &id);
	if (!spec)
		return 0;
	flags = spec->flags;
	rec.hdr.type = UPT_REC_CALL;
	if (flags & UPT_SPEC_PUSH)
		rec.call_id = upt_push((__u32)tgid_tid, spec->pair, PT_REGS_SP(ctx), now);
	if (flags & UPT_SPEC_SILENT)
		return 0;
	if (flags & UPT_SPEC_RET) {
		rec.hdr.type = UPT_REC_RET;
		if (!upt_pop((__u32)tgid_tid, spec->pair, PT_REGS_SP(ctx), &frame)) {
			rec.call_id = frame.call_id;
			rec.duration_ns = now - frame.ts_ns;
		}
	}
	nargs = spec->nargs;
	if (nargs > UPT_MAX_ARGS)
		nargs = UPT_MAX_ARGS;

	for (i = 0; i < UPT_MAX_ARGS && i < nargs; i++)
		upt_fetch_arg(ctx, spec, &st, i);
	total = sizeof(rec) + (__u64)nargs * sizeof(val);
	for (i = 0; i < UPT_MAX_ARGS && i < nargs; i++)
		total += (__u32)upt_size_arg(spec, &st, i);

	if (bpf_ringbuf_reserve_dynptr(&events, total, 0, &dp)) {
		bpf_ringbuf_discard_dynptr(&dp, 0);
		drop = bpf_map_lookup_elem(&drops, &id);
		if (drop)
			__sync_fetch_and_add(drop, 1);
		__sync_fetch_and_add(&drops_total, 1);
		return 0;
	}

	rec.hdr.size = total;
	rec.hdr.ts_ns = now;
	rec.hdr.pid = tgid_tid >> 32;
	rec.hdr.tid = (__u32)tgid_tid;
	bpf_get_current_comm(rec.hdr.comm, sizeof(rec.hdr.comm));
	rec.probe_id = id;
	rec.nargs = nargs;
	bpf_dynptr_write(&dp, 0, &rec, sizeof(rec), 0);

	off = sizeof(rec) + (__u64)nargs * sizeof(val);
	for (i = 0; i < UPT_MAX_ARGS && i < nargs; i++) {
		a = &spec->args[i];
		val.raw = st.raw[i];
		val.full_len = st.full[i];
		val.slot = st.slot[i];
		val.len = 0;
		val.err = st.err[i];
		val.flags = st.flags[i];
		if (val.slot) {
			if (a->cap == UPT_CAP_STR)
				ret = bpf_probe_read_user_str_dynptr(&dp, off, val.slot,
								     (const void *)val.raw);
			else
				ret = bpf_probe_read_user_dynptr(&dp, off, val.slot,
								 (const void *)val.raw);
			if (ret < 0) {
				val.flags |= UPT_ARG_FAULT;
				val.err = ret;
			} else {
				/* the str kfunc counts the NUL; bytes kfunc returns 0 */
				val.len = a->cap == UPT_CAP_STR ? (ret ? ret - 1 : 0) : val.slot;
			}
		}
		bpf_dynptr_write(&dp, sizeof(rec) + i * sizeof(val), &val, sizeof(val), 0);
		off += val.slot;
	}

	bpf_ringbuf_submit_dynptr(&dp, wakeup_flags(now));
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

#include "ktrace.bpf.h"
