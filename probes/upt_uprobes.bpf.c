// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * upt_uprobes.bpf.c - uptrace.bpf.c without the kernel traces: what a run without -t loads.
 *
 * libbpf 1.1 relocates every subprogram of an object against the kernel's BTF, whether a
 * program that calls it is loaded or not, and creates every map: in the whole object the
 * kernel traces' subprograms and maps cost a uprobe-only run about 20 ms at start (one
 * search of the kernel's 125,000 types per structure they read).  This object has the same
 * uprobe programs (upt_call, upt_call_multi), --follow's upt_fork and upt_exit, and their
 * maps, and nothing else.
 */
#define UPT_NO_KTRACE
#include "uptrace.bpf.c"
