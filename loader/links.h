/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * links.h - making and breaking many uprobe links at once.
 *
 * Two kinds of link attach a uprobe program.  A perf-event link (every kernel) is one uprobe;
 * closing it waits for RCU grace periods under the kernel's global event_mutex
 * (perf_uprobe_destroy(): ~100 ms a probe on 6.18 here, mostly one after the other whatever
 * the number of threads closing them).  A uprobe_multi link (BPF_TRACE_UPROBE_MULTI, Linux 6.6)
 * is any number of uprobes of one file, attached by one bpf() call and detached with one
 * wait.  libbpf 1.1 has no wrapper for it and the 6.1 UAPI headers lack its attach type and
 * attributes, so links.c makes it with its own bpf_attr (checked against the kernel's).
 */
#ifndef UPTRACE_LINKS_H
#define UPTRACE_LINKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct bpf_link;

/* enum bpf_attach_type's BPF_TRACE_UPROBE_MULTI (Linux 6.6), for expected_attach_type. */
#define LINKS_TRACE_UPROBE_MULTI 48

/*
 * A uprobe_multi link of cnt uprobes of the file at `path`: at file offsets[i], with BPF
 * cookie cookies[i]; return probes when `retprobe`; in the process (thread group) `pid`
 * only, or in every process when pid is 0.  prog_fd must have been loaded with
 * expected_attach_type LINKS_TRACE_UPROBE_MULTI.  The link's fd, or -errno (nothing stays
 * attached then).
 */
int links_uprobe_multi(int prog_fd, const char *path, const uint64_t *offsets,
		       const uint64_t *cookies, uint32_t cnt, bool retprobe, pid_t pid);

/* What the running kernel's uprobe_multi links can do (links_probe_uprobe_multi()). */
struct links_multi_support {
	bool links;	     /* BPF_TRACE_UPROBE_MULTI links exist (6.6) */
	bool pid_is_process; /* their pid filters a process, not one thread (6.10) */
};

/*
 * Ask the kernel, by the errors of links it cannot make: a program loaded with the
 * attach type and a link on the directory "/" (EBADF where the links exist); then the same
 * with pid -1 (EINVAL, before the path is looked at, where the pid filter was fixed to mean
 * a process: earlier kernels ran the program for the one thread of that id).  0, or -errno
 * when even the question could not be asked.
 */
int links_probe_uprobe_multi(struct links_multi_support *s);

/*
 * bpf_link__destroy() every link of links[0..n) (NULLs allowed) and set it to NULL, from
 * several threads when there are many (see links.c on what that buys).
 */
void links_destroy_all(struct bpf_link **links, size_t n);
/* close() every fd of fds[0..n) that is >= 0, the same way, and set it to -1. */
void links_close_all(int *fds, size_t n);

#endif /* UPTRACE_LINKS_H */
