/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ktrace.h - kernel traces (-t NAME): exec, signal, malloc, bind, tcp, vfs.
 *
 * Names: ktrace_parse() turns "-t" arguments into a mask of UPT_TRACE_BIT()s.
 * Set-up: a struct ktrace owns what the traces need besides the BPF object: the filter
 * (which processes), the libc the malloc uprobes go to, and the links.  The tracer calls
 * ktrace__new() before load, ktrace__configure() on the opened skeleton, ktrace__attach()
 * after load, ktrace__free() at the end.
 * Output: ktrace_event_type() validates a kernel record and names its event_type;
 * ktrace_put_fields() appends its fields (after the common ones output.c writes), with
 * Fluent Bit in_ebpf's field names.
 */
#ifndef UPTRACE_KTRACE_H
#define UPTRACE_KTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "emit.h"
#include "json.h"
#include "uptrace.h"

struct uptrace_bpf;

/* Add the trace NAME ("exec" or "trace_exec", ..., "all") to *mask; -EINVAL (printed). */
int ktrace_parse(const char *name, uint32_t *mask);
/* "exec", "signal", ... ; NULL past the last. */
const char *ktrace_name(unsigned int trace);
/* vfs and malloc operation names ("openat", "calloc"); NULL for an unknown number. */
const char *ktrace_vfs_op_name(unsigned int op);
const char *ktrace_mem_op_name(unsigned int op);

struct ktrace_opts {
	uint32_t traces;	  /* UPT_TRACE_BIT()s */
	enum upt_kfilter filter;
	const char *exe;	  /* UPT_KF_EXE: the executable whose processes are traced */
	const pid_t *pids;	  /* UPT_KF_PIDS: the processes (children join in BPF) */
	size_t npids;
	bool pending;		  /* pids[0] is a -c child: traced from its execve on */
	bool follow;		  /* malloc: probe libc in every process, filter in BPF */
};

struct ktrace;

/* Check the filter's target and find the libc for malloc; errors are printed. */
int ktrace__new(const struct ktrace_opts *o, struct ktrace **out);
/* Before load: rodata (filter, syscall table) and which programs load. */
int ktrace__configure(struct ktrace *kt, struct uptrace_bpf *skel);
/* After load: seed nothing, attach every program the traces need; all or nothing. */
int ktrace__attach(struct ktrace *kt, struct uptrace_bpf *skel);
/* Records not reserved, per trace, summed over CPUs. */
void ktrace__drops(struct ktrace *kt, struct uptrace_bpf *skel, uint64_t drops[UPT_TRACE_MAX]);
uint32_t ktrace__traces(const struct ktrace *kt);
void ktrace__free(struct ktrace *kt);

/* Is this a kernel trace record (by its header type)? */
static inline bool ktrace_is_record(const void *data, size_t size)
{
	const struct upt_rec_hdr *h = data;

	return size >= sizeof(*h) && h->type >= UPT_REC_EXEC && h->type <= UPT_REC_VFS;
}
/*
 * Validate a kernel record (sizes, lengths, enums all checked: the record is untrusted)
 * and return its event_type ("exec", "listen", ...) and trace; NULL when it does not add up.
 */
const char *ktrace_event_type(const void *data, size_t size, unsigned int *trace);
/* The fields of a record ktrace_event_type() accepted, into the event's open map. */
void ktrace_put_fields(struct emit *e, const void *data, size_t size);

/* Build ksys_op[] for a set of traces (exposed for the unit tests). */
void ktrace_syscall_table(uint32_t traces, uint8_t table[UPT_NSYSCALLS]);

#endif /* UPTRACE_KTRACE_H */
