/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * kfeatures.h - what the running kernel offers, asked of the kernel itself at start.
 *
 * features__probe() fills a struct kfeatures; features__require() says, in one line, the
 * first thing uptrace cannot do without and the first Linux release that has it;
 * features__check() (uptrace --check) prints the table, loads every BPF program on this
 * kernel and reports each call chain's stack against the verifier's 512-byte limit.
 */
#ifndef UPTRACE_KFEATURES_H
#define UPTRACE_KFEATURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct bpf_insn;

enum kfeature {
	KF_BTF,		  /* kernel BTF: CO-RE and tp_btf programs */
	KF_UPROBE_PMU,	  /* the "uprobe" perf event source */
	KF_RINGBUF,	  /* BPF_MAP_TYPE_RINGBUF */
	KF_BOOT_NS,	  /* bpf_ktime_get_boot_ns() */
	KF_ATTACH_COOKIE, /* bpf_get_attach_cookie() in uprobe programs */
	KF_LOOP,	  /* bpf_loop() */
	KF_RB_DYNPTR,	  /* bpf_ringbuf_reserve_dynptr() */
	KF_DYNPTR_DATA,	  /* bpf_dynptr_data() */
	KF_READ_DYNPTR,	  /* bpf_probe_read_{user,user_str,kernel}_dynptr() kfuncs (optional) */
	KF_UPROBE_MULTI,  /* uprobe_multi links (optional) */
	KF_UPROBE_MULTI_PID, /* ... whose pid filter means a process, not a thread (optional) */
	KF_COUNT,
};

/* How user memory reaches a ring-buffer record (see upt_dp_read() in probes/). */
enum copy_path {
	COPY_KFUNC,    /* the 6.16+ dynptr probe-read kfuncs */
	COPY_PORTABLE, /* bpf_dynptr_data() pieces: every kernel uptrace supports */
};

struct kfeatures {
	char release[65];  /* uname -r */
	bool has[KF_COUNT];
	bool probed;
};

/* Ask the kernel; 0, or -errno when even asking failed (printed). */
int features__probe(struct kfeatures *f);
/* 0 when the kernel has everything uptrace needs; else one line printed, -EOPNOTSUPP. */
int features__require(const struct kfeatures *f);
/* The path to load: the fastest the kernel has, unless `portable` forces the other. */
enum copy_path features__path(const struct kfeatures *f, bool portable);
const char *features__path_name(enum copy_path path);
/*
 * uptrace --check: the feature table on `out`, then every program loaded on this kernel
 * with the chosen path, and each one's deepest call chain against 512 bytes.  0 when all
 * loads and fits; else the reason is printed once and a negative errno returned.
 */
int features__check(FILE *out, bool portable);

/* Exposed for the unit tests. */
/*
 * The deepest call chain of a program, in bytes of BPF stack, from its instructions (calls
 * and callbacks name the subprograms) and the verifier's statistics log ("stack depth
 * 320+32", one number per subprogram): each frame rounded up to 32 bytes as the verifier
 * adds them.  `frames` gets the chain ("352+64").  -errno when it cannot be told.
 */
int kfeatures_chain_stack(const struct bpf_insn *insn, size_t cnt, const char *log, char *frames,
			  size_t size);
/*
 * Does raw BTF data[0..size) (as /sys/kernel/btf/vmlinux holds it, native byte order) have a
 * BTF_KIND_FUNC of every name in names[0..n) (n <= 8)?  1 or 0, found by walking the type
 * records without building anything; -EINVAL for what is not raw BTF, -EPROTO for a type
 * kind the walk does not know.
 */
int kfeatures_btf_has_funcs(const void *data, size_t size, const char *const *names, size_t n);
/*
 * What the verifier refused, from its log: the last line that is not one of the statistics
 * lines it always ends with.  False when there is none (the program was accepted).
 */
bool kfeatures_refusal(const char *log, char *out, size_t size);

#endif /* UPTRACE_KFEATURES_H */
