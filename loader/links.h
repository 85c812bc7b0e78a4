/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * links.h - detaching many BPF links at once.
 */
#ifndef UPTRACE_LINKS_H
#define UPTRACE_LINKS_H

#include <stddef.h>

struct bpf_link;

/*
 * bpf_link__destroy() every link of links[0..n) (NULLs allowed) and set it to NULL.
 * Closing a tracepoint's or a uprobe's perf event waits for an RCU grace period in the
 * kernel (~100 ms here); one by one, twenty tracepoints made Ctrl-C take 2-3 s.  Closed
 * from several threads at once the waits overlap.
 */
void links_destroy_all(struct bpf_link **links, size_t n);

#endif /* UPTRACE_LINKS_H */
