/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * ktrace.bpf.h - kernel traces (exec, signal, malloc, bind, tcp, vfs) in the same ring
 * buffer as the uprobe records.  Included at the end of uptrace.bpf.c: one BPF object.
 */
