// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tracer.c - load the generic uprobe program, attach it once per probe, drain the ring.
 *
 * Sizing happens before load: the spec and drop maps get one entry per probe, the string
 * bit bucket one slot per possible CPU of max_bytes + 2, the ring buffer the size asked for.
 * Each uprobe is a perf-event link carrying the probe's index as its BPF cookie.  Attach is
 * all-or-nothing: on the first failure every link made so far is destroyed before the error
 * is returned, so nothing stays attached.
 *
 * Kernel traces (-t) live in the same object (ktrace.c configures and attaches them).  Each
 * enabled trace is a pseudo-probe after the uprobes in t->probes, so events and lost
 * records are counted and summarised the same way; t->nuprobes counts the real ones.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kfeatures.h"
#include "ktrace.h"
#include "links.h"
#include "tracer.h"
#include "util.h"
#include "uptrace.skel.h"

struct tracer {
	struct tracer_opts opts;
	struct uptrace_bpf *skel;
	struct ring_buffer *rb;
	struct probe **probes;
	struct bpf_link **links;
	struct bpf_link *fork_link, *exit_link;
	struct ktrace *kt;
	struct kfeatures kfeat;
	uint32_t nprobes;
	uint32_t nuprobes; /* probes[0..nuprobes) are uprobes; then one per kernel trace */
	int ncpus;
};

int tracer__new(const struct tracer_opts *opts, struct tracer **out)
{
	struct tracer *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->opts = *opts;
	*out = t;
	return 0;
}

int tracer__add(struct tracer *t, struct probe *p)
{
	struct probe **tmp = realloc(t->probes, (t->nprobes + 1) * sizeof(*tmp));

	if (!tmp) {
		probe__free(p);
		free(p);
		return -ENOMEM;
	}
	t->probes = tmp;
	t->probes[t->nprobes++] = p;
	return 0;
}

struct probe **tracer__probes(struct tracer *t, uint32_t *n)
{
	*n = t->nprobes;
	return t->probes;
}

static struct probe *silent_entry(const struct probe *ret)
{
	struct probe *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->binary = strdup(ret->binary);
	p->attach_path = strdup(ret->attach_path);
	p->func = strdup(ret->func);
	p->pid = ret->pid;
	p->addr = ret->addr;
	p->offset = ret->offset;
	p->silent = true;
	p->spec.flags = UPT_SPEC_PUSH | UPT_SPEC_SILENT;
	if (!p->binary || !p->attach_path || !p->func) {
		probe__free(p);
		free(p);
		return NULL;
	}
	return p;
}

/*
 * Give every return probe an entry half that pushes its frames: the entry probe of the same
 * function when the user asked for one (so both events carry the same call_id), else a
 * silent one.
 */
static int pair_returns(struct tracer *t)
{
	uint32_t i, j, n = t->nprobes;
	struct probe *r, *e, *s;
	int err;

	for (i = 0; i < n; i++) {
		r = t->probes[i];
		if (!r->ret)
			continue;
		r->spec.pair = i;
		for (j = 0; j < n; j++) {
			e = t->probes[j];
			/* the same function, probed where sp is still the entry sp */
			if (!e->ret && !(e->spec.flags & UPT_SPEC_PUSH) && !e->moved_frame &&
			    e->addr == r->addr && e->pid == r->pid &&
			    !strcmp(e->attach_path, r->attach_path))
				break;
		}
		if (j < n) {
			e->spec.flags |= UPT_SPEC_PUSH;
			e->spec.pair = i;
			continue;
		}
		s = silent_entry(r);
		if (!s)
			return -ENOMEM;
		s->spec.pair = i;
		err = tracer__add(t, s);
		if (err)
			return err;
	}
	return 0;
}

/* Kernel traces of -p/-c processes follow their children, as --follow makes uprobes do. */
static bool ktrace_pids(const struct tracer *t)
{
	return t->opts.traces && !t->opts.trace_all && t->opts.npids;
}

/* Is the `traced` set of processes used, and grown at fork? */
static bool grows_traced(const struct tracer *t)
{
	return t->opts.follow || ktrace_pids(t);
}

/* strerror() for the kernel-internal codes a uprobe attach can return too. */
static const char *attach_strerror(int err)
{
	switch (err) {
	case -524: /* ENOTSUPP */
		return "the kernel cannot probe the instruction there";
	case -ESRCH:
		return "the process is gone";
	default:
		return strerror(-err);
	}
}

static uint32_t max_bytes_of(const struct tracer *t)
{
	uint32_t i, m = 0;

	for (i = 0; i < t->nuprobes; i++)
		if (t->probes[i]->spec.max_bytes > m)
			m = t->probes[i]->spec.max_bytes;
	return m;
}

static int size_maps(struct tracer *t)
{
	struct uptrace_bpf *s = t->skel;
	uint32_t bucket = (max_bytes_of(t) + 2 + 7) & ~7u;
	int err;

	/* an array map needs an entry even when only kernel traces run */
	err = bpf_map__set_max_entries(s->maps.specs, t->nuprobes ?: 1);
	err = err ?: bpf_map__set_max_entries(s->maps.drops, t->nuprobes ?: 1);
	err = err ?: bpf_map__set_max_entries(s->maps.bucket, t->ncpus);
	err = err ?: bpf_map__set_value_size(s->maps.bucket, bucket);
	err = err ?: bpf_map__set_max_entries(s->maps.events, t->opts.ringbuf_size);
	if (err)
		return err;
	err = bpf_map__set_max_entries(s->maps.traced, UPT_MAX_TRACED);
	if (err)
		return err;
	s->rodata->filter_tgids = t->opts.follow;
	bpf_program__set_autoload(s->progs.upt_call, t->nuprobes > 0);
	bpf_program__set_autoload(s->progs.upt_fork, grows_traced(t));
	bpf_program__set_autoload(s->progs.upt_exit, grows_traced(t));
	s->rodata->bucket_size = bucket;
	s->rodata->wake_interval_ns = t->opts.wake_interval_ms * 1000000ULL;
	s->rodata->wakeup_bytes = t->opts.ringbuf_size / 4;
	return 0;
}

/* The kernel traces' filter and libc, and one pseudo-probe per trace to count its events. */
static int setup_ktrace(struct tracer *t)
{
	struct ktrace_opts ko = {
		.traces = t->opts.traces,
		.filter = t->opts.trace_all ? UPT_KF_ALL : t->opts.npids ? UPT_KF_PIDS : UPT_KF_EXE,
		.exe = t->opts.exe,
		.pids = t->opts.pids,
		.npids = t->opts.npids,
		.pending = t->opts.cmd_pending,
		.follow = t->opts.follow,
	};
	struct probe *p;
	unsigned int i;
	int err;

	err = ktrace__new(&ko, &t->kt);
	for (i = 0; !err && i < UPT_TRACE_MAX; i++) {
		if (!(t->opts.traces & UPT_TRACE_BIT(i)))
			continue;
		p = calloc(1, sizeof(*p));
		if (!p)
			return -ENOMEM;
		p->binary = strdup("trace");
		p->func = strdup(ktrace_name(i));
		p->pid = -1;
		p->spec.flags = KTRACE_SPEC_FLAG;
		p->spec.pair = i;
		if (!p->binary || !p->func) {
			probe__free(p);
			free(p);
			return -ENOMEM;
		}
		err = tracer__add(t, p);
	}
	return err;
}

static int sample_cb(void *ctx, void *data, size_t size)
{
	struct tracer *t = ctx;

	/* never negative: that would stop ring_buffer__poll() mid-batch */
	t->opts.sample(t->opts.ctx, data, size);
	return 0;
}

int tracer__load(struct tracer *t)
{
	enum copy_path path;
	uint32_t i;
	int err;

	t->ncpus = libbpf_num_possible_cpus();
	if (t->ncpus < 0)
		return t->ncpus;
	if (!t->nprobes && !t->opts.traces)
		return -EINVAL;
	err = pair_returns(t);
	if (err)
		return err;
	t->nuprobes = t->nprobes;
	err = setup_ktrace(t);
	if (err)
		return err;
	err = features__probe(&t->kfeat);
	err = err ?: features__require(&t->kfeat);
	if (err)
		return err;
	t->skel = uptrace_bpf__open();
	if (!t->skel) {
		err = -errno;
		upt_err("cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	path = features__path(&t->kfeat, t->opts.portable);
	t->skel->rodata->have_read_dynptr = path == COPY_KFUNC;
	upt_info("kernel %s: %s copy path", t->kfeat.release, features__path_name(path));
	err = size_maps(t);
	err = err ?: ktrace__configure(t->kt, t->skel);
	if (err) {
		upt_err("cannot size the BPF maps: %s", strerror(-err));
		return err;
	}
	err = uptrace_bpf__load(t->skel);
	if (err) {
		upt_err("cannot load the BPF program: %s%s", strerror(-err),
			upt_verbose ? "" : " (-v shows the verifier's log)");
		return err;
	}
	for (i = 0; i < t->nuprobes; i++) {
		err = bpf_map__update_elem(t->skel->maps.specs, &i, sizeof(i), &t->probes[i]->spec,
					   sizeof(t->probes[i]->spec), BPF_ANY);
		if (err) {
			upt_err("cannot store the spec of %s: %s", t->probes[i]->func,
				strerror(-err));
			return err;
		}
	}
	for (i = 0; grows_traced(t) && i < t->opts.npids; i++) {
		__u32 tgid = t->opts.pids[i];
		__u8 v = t->opts.cmd_pending && !i ? UPT_TRACED_PENDING : UPT_TRACED;

		err = bpf_map__update_elem(t->skel->maps.traced, &tgid, sizeof(tgid), &v,
					   sizeof(v), BPF_ANY);
		if (err) {
			upt_err("cannot add pid %u to the traced set: %s", tgid, strerror(-err));
			return err;
		}
	}
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), sample_cb, t, NULL);
	if (!t->rb) {
		err = -errno;
		upt_err("cannot map the ring buffer: %s", strerror(-err));
		return err;
	}
	return 0;
}

static void detach_all(struct tracer *t)
{
	if (t->links)
		links_destroy_all(t->links, t->nuprobes);
}

static int attach_follow(struct tracer *t)
{
	t->fork_link = bpf_program__attach(t->skel->progs.upt_fork);
	if (t->fork_link)
		t->exit_link = bpf_program__attach(t->skel->progs.upt_exit);
	if (!t->fork_link || !t->exit_link) {
		int err = -errno;

		upt_err("cannot attach to the sched_process_fork/exit tracepoints: %s",
			strerror(-err));
		return err;
	}
	return 0;
}

int tracer__attach(struct tracer *t)
{
	struct probe *p;
	uint32_t i;
	int err;

	t->links = calloc(t->nuprobes ?: 1, sizeof(*t->links));
	if (!t->links)
		return -ENOMEM;
	/* children are added in the kernel from now on: before any probe can fire */
	if (grows_traced(t)) {
		err = attach_follow(t);
		if (err)
			return err;
	}
	err = ktrace__attach(t->kt, t->skel);
	if (err)
		return err;
	for (i = 0; i < t->nuprobes; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = i);

		p = t->probes[i];
		uo.retprobe = p->ret;
		t->links[i] = bpf_program__attach_uprobe_opts(t->skel->progs.upt_call,
							      t->opts.follow ? -1 : p->pid,
							      p->attach_path, p->offset, &uo);
		if (!t->links[i]) {
			err = -errno;
			detach_all(t);
			upt_err("cannot attach to %s:%s (offset 0x%llx): %s", p->binary, p->func,
				(unsigned long long)p->offset, attach_strerror(err));
			return err;
		}
		upt_info("attached %s:%s%s at offset 0x%llx", p->binary, p->func,
			 p->ret ? "%return" : p->silent ? " (entry of %return)" : "",
			 (unsigned long long)p->offset);
	}
	return 0;
}

int tracer__consume(struct tracer *t)
{
	return ring_buffer__consume(t->rb);
}

int tracer__wait_fd(struct tracer *t)
{
	return ring_buffer__epoll_fd(t->rb);
}

uint64_t tracer__drops_total(struct tracer *t)
{
	return __atomic_load_n(&t->skel->bss->drops_total, __ATOMIC_RELAXED);
}

void tracer__update_drops(struct tracer *t)
{
	uint64_t vals[t->ncpus > 0 ? t->ncpus : 1], sum, kdrops[UPT_TRACE_MAX];
	uint32_t i;
	int c;

	for (i = 0; i < t->nuprobes; i++) {
		if (bpf_map__lookup_elem(t->skel->maps.drops, &i, sizeof(i), vals, sizeof(vals),
					 0))
			continue;
		for (sum = 0, c = 0; c < t->ncpus; c++)
			sum += vals[c];
		t->probes[i]->drops = sum;
	}
	ktrace__drops(t->kt, t->skel, kdrops);
	for (i = t->nuprobes; i < t->nprobes; i++)
		t->probes[i]->drops = kdrops[t->probes[i]->spec.pair % UPT_TRACE_MAX];
}

void tracer__free(struct tracer *t)
{
	uint32_t i;

	if (!t)
		return;
	detach_all(t);
	ktrace__free(t->kt);
	bpf_link__destroy(t->fork_link);
	bpf_link__destroy(t->exit_link);
	free(t->links);
	ring_buffer__free(t->rb);
	uptrace_bpf__destroy(t->skel);
	for (i = 0; i < t->nprobes; i++) {
		probe__free(t->probes[i]);
		free(t->probes[i]);
	}
	free(t->probes);
	free(t);
}
