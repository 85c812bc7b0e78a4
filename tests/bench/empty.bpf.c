// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* empty.bpf.c - the bench's floor: a uprobe program that does nothing at all. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("uprobe")
int empty(void *ctx)
{
	return 0;
}
