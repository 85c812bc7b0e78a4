// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * links.c - uprobe_multi links by hand, and detaching many links at once (see links.h).
 *
 * Why threads for detaching: a link's close can wait for the kernel, and waits that do not
 * hold a common lock overlap when the closes are issued from several threads at once
 * (uprobe_multi links: each waits for RCU Tasks Trace and SRCU grace periods, which
 * concurrent waiters share).  Perf-event uprobes gain little: perf_uprobe_destroy() holds the
 * global event_mutex across its grace periods, so most of each close runs one after another
 * whatever the threads (measured on 6.18 with 40 probes: 4.1-4.5 s from one thread, 3.8 s
 * from 16, 3.4 s from 40; about 100 ms a probe however they are closed).
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "links.h"
#include "util.h"

#define LINKS_MAX_THREADS 16

/* ---- uprobe_multi --------------------------------------------------------------------- */

/* link_create.uprobe_multi.flags: return probes (the kernel's BPF_F_UPROBE_MULTI_RETURN) */
#define UMULTI_RETURN (1U << 0)

/*
 * BPF_LINK_CREATE's attributes for a uprobe_multi link, laid out as the link_create member
 * of union bpf_attr in the kernel's include/uapi/linux/bpf.h (6.6 and later): prog_fd,
 * target_fd, attach_type and flags, then the uprobe_multi member of the union that follows
 * (8-byte aligned: its pointers are __aligned_u64).  The kernel requires every byte past
 * the last field it knows to be zero, padding included: the whole struct is zeroed first.
 */
struct umulti_attr {
	uint32_t prog_fd;
	uint32_t target_fd;
	uint32_t attach_type;
	uint32_t flags;
	uint64_t path;		  /* const char * */
	uint64_t offsets;	  /* const __u64 *, file offsets */
	uint64_t ref_ctr_offsets; /* const __u64 *, USDT semaphores; none here */
	uint64_t cookies;	  /* const __u64 * */
	uint32_t cnt;
	uint32_t umulti_flags;
	uint32_t pid; /* 0: every process */
};

_Static_assert(offsetof(struct umulti_attr, path) == 16, "link_create.uprobe_multi.path");
_Static_assert(offsetof(struct umulti_attr, cookies) == 40, "link_create.uprobe_multi.cookies");
_Static_assert(offsetof(struct umulti_attr, cnt) == 48, "link_create.uprobe_multi.cnt");
_Static_assert(offsetof(struct umulti_attr, pid) == 56, "link_create.uprobe_multi.pid");

static int umulti_create(int prog_fd, const char *path, const uint64_t *offsets,
			 const uint64_t *cookies, uint32_t cnt, uint32_t flags, int32_t pid)
{
	struct umulti_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_fd = prog_fd;
	a.attach_type = LINKS_TRACE_UPROBE_MULTI;
	a.path = (uintptr_t)path;
	a.offsets = (uintptr_t)offsets;
	a.cookies = (uintptr_t)cookies;
	a.cnt = cnt;
	a.umulti_flags = flags;
	a.pid = (uint32_t)pid;
	fd = syscall(__NR_bpf, BPF_LINK_CREATE, &a, sizeof(a));
	return fd < 0 ? -errno : fd;
}

int links_uprobe_multi(int prog_fd, const char *path, const uint64_t *offsets,
		       const uint64_t *cookies, uint32_t cnt, bool retprobe, pid_t pid)
{
	if (!cnt || pid < 0)
		return -EINVAL;
	return umulti_create(prog_fd, path, offsets, cookies, cnt, retprobe ? UMULTI_RETURN : 0,
			     pid);
}

int links_probe_uprobe_multi(struct links_multi_support *s)
{
	LIBBPF_OPTS(bpf_prog_load_opts, lo,
		    .expected_attach_type = (enum bpf_attach_type)LINKS_TRACE_UPROBE_MULTI);
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	uint64_t offset = 0;
	int prog, fd;

	memset(s, 0, sizeof(*s));
	/* kernels without the attach type load it anyway: a kprobe program's is not checked */
	prog = bpf_prog_load(BPF_PROG_TYPE_KPROBE, NULL, "GPL", insns, ARRAY_SIZE(insns), &lo);
	if (prog < 0)
		return -errno;
	fd = umulti_create(prog, "/", &offset, NULL, 1, 0, 0);
	s->links = fd == -EBADF; /* "/" is no regular file: the link type is known */
	if (fd >= 0)
		close(fd);
	if (s->links) {
		fd = umulti_create(prog, "/", &offset, NULL, 1, 0, -1);
		s->pid_is_process = fd == -EINVAL;
		if (fd >= 0)
			close(fd);
	}
	close(prog);
	return 0;
}

/* ---- detaching -------------------------------------------------------------------------- */

struct slice {
	struct bpf_link **links; /* either links... */
	int *fds;		 /* ... or fds */
	size_t n;
};

static void close_slice(struct slice *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (s->links) {
			bpf_link__destroy(s->links[i]);
			s->links[i] = NULL;
		} else if (s->fds[i] >= 0) {
			close(s->fds[i]);
			s->fds[i] = -1;
		}
	}
}

static void *close_thread(void *arg)
{
	close_slice(arg);
	return NULL;
}

static void close_all(struct bpf_link **links, int *fds, size_t n)
{
	struct slice slices[LINKS_MAX_THREADS];
	pthread_t tids[LINKS_MAX_THREADS];
	bool started[LINKS_MAX_THREADS] = {};
	size_t nthreads = n < LINKS_MAX_THREADS ? n : LINKS_MAX_THREADS, i, at = 0, per;

	if (n < 2) {
		close_slice(&(struct slice){ links, fds, n });
		return;
	}
	for (i = 0; i < nthreads; i++) {
		per = (n - at) / (nthreads - i);
		slices[i] = (struct slice){ links ? links + at : NULL, fds ? fds + at : NULL, per };
		at += per;
		/* a thread that cannot start: its slice is closed here, one by one */
		started[i] = !pthread_create(&tids[i], NULL, close_thread, &slices[i]);
		if (!started[i])
			close_slice(&slices[i]);
	}
	for (i = 0; i < nthreads; i++)
		if (started[i])
			pthread_join(tids[i], NULL);
}

void links_destroy_all(struct bpf_link **links, size_t n)
{
	close_all(links, NULL, n);
}

void links_close_all(int *fds, size_t n)
{
	close_all(NULL, fds, n);
}
