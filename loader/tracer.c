// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tracer.c - load the generic uprobe program, attach it once per probe, drain the ring.
 *
 * Sizing happens before load: the spec and drop maps get one entry per probe, the string
 * bit bucket one slot per possible CPU of max_bytes + 2, the ring buffer the size asked for.
 * Every uprobe carries the probe's index as its BPF cookie.  Where the kernel has uprobe_multi
 * links (6.6), upt_call is loaded as a uprobe_multi program, the probes are grouped by (file,
 * process, entry or return) and each group is one link: one bpf() call to attach it, one
 * kernel wait to detach it (links.h).  Elsewhere, and with -p/-c on a kernel whose
 * uprobe_multi pid filter means one thread, each probe is a perf-event link.  (A program is
 * loaded for one kind of link, so a run takes one kind for all its probes: they all have a
 * pid filter, or none has.)  Attach is all-or-nothing: on the
 * first failure every link made so far is destroyed before the error is returned, so nothing
 * stays attached; a uprobe_multi link that fails is narrowed down to the probe the kernel
 * refuses, so the error names it as a perf-event link's would.
 *
 * -v says where the time to "tracing" went: resolving the probes (between tracer__new() and
 * tracer__load()), asking the kernel what it has, loading (libbpf: the kernel's BTF, maps,
 * relocations, the verifier), attaching.
 *
 * Kernel traces (-t) live in the same object (ktrace.c configures and attaches them).  Each
 * enabled trace is a pseudo-probe after the uprobes in t->probes, so events and lost
 * records are counted and summarised the same way; t->nuprobes counts the real ones.  A run
 * without -t loads upt_uprobes.bpf.c's object instead: the same uprobe programs and maps
 * without the kernel traces', whose relocations against the kernel's BTF and maps cost
 * libbpf about 20 ms at start whether their programs load or not.  struct bpf_view is what
 * tracer.c uses of either.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kfeatures.h"
#include "ktrace.h"
#include "links.h"
#include "tracer.h"
#include "util.h"
#include "upt_uprobes.skel.h"
#include "uptrace.skel.h"

/* The maps, programs and variables tracer.c uses, in whichever object a run loads. */
struct bpf_view {
	struct bpf_object *obj;
	struct bpf_map *specs, *drops, *bucket, *events, *traced, *ret_stacks;
	struct bpf_program *call, *fork, *exit;
	/* .rodata, before load */
	__u64 *bucket_size, *wake_interval_ns, *wakeup_bytes;
	bool *filter_tgids, *have_read_dynptr;
	/* .bss, mapped after load */
	__u64 *drops_total;
};

/* s: a struct uptrace_bpf or struct upt_uprobes_bpf, just opened */
#define BPF_VIEW_OPENED(v, s)                                                                 \
	((v)->obj = (s)->obj, (v)->specs = (s)->maps.specs, (v)->drops = (s)->maps.drops,     \
	 (v)->bucket = (s)->maps.bucket, (v)->events = (s)->maps.events,                      \
	 (v)->traced = (s)->maps.traced, (v)->ret_stacks = (s)->maps.ret_stacks,              \
	 (v)->call = (s)->progs.upt_call, (v)->fork = (s)->progs.upt_fork,                     \
	 (v)->exit = (s)->progs.upt_exit,                                                      \
	 (v)->bucket_size = &(s)->rodata->bucket_size,                                         \
	 (v)->wake_interval_ns = &(s)->rodata->wake_interval_ns,                               \
	 (v)->wakeup_bytes = &(s)->rodata->wakeup_bytes,                                       \
	 (v)->filter_tgids = &(s)->rodata->filter_tgids,                                       \
	 (v)->have_read_dynptr = &(s)->rodata->have_read_dynptr)

struct tracer {
	struct tracer_opts opts;
	struct uptrace_bpf *skel;	 /* the whole object, with -t */
	struct upt_uprobes_bpf *uskel; /* the one without kernel traces, without -t */
	struct bpf_view bpf;
	struct ring_buffer *rb;
	int epfd;	    /* the ring's map fd, edge-triggered: readable after a wakeup only */
	size_t batch_bytes; /* of records handed over in this tracer__consume() */
	int batch_records;
	struct probe **probes;
	struct bpf_link **links; /* perf-event links, per probe (NULL: none, or in a multi link) */
	int *mlinks;		 /* uprobe_multi link fds */
	uint32_t nmlinks;
	struct bpf_link *fork_link, *exit_link;
	struct ktrace *kt;
	struct kfeatures kfeat;
	uint32_t nprobes;
	uint32_t nuprobes; /* probes[0..nuprobes) are uprobes; then one per kernel trace */
	int ncpus;
	bool multi;	   /* every probe in a uprobe_multi link; else a perf-event link each */
	/* monotonic ns: tracer__new(), and the phases of load and attach */
	uint64_t t_new, t_load, t_features, t_btf, t_loaded, t_attach;
};

int tracer__new(const struct tracer_opts *opts, struct tracer **out)
{
	struct tracer *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->opts = *opts;
	t->epfd = -1;
	t->t_new = upt_mono_ns();
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
	p->kind = PROBE_RETURN_ENTRY;
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
		if (!probe_is_return(r))
			continue;
		r->spec.pair = i;
		for (j = 0; j < n; j++) {
			e = t->probes[j];
			/* the same function, probed where sp is still the entry sp */
			if (e->kind == PROBE_ENTRY && !(e->spec.flags & UPT_SPEC_PUSH) &&
			    !e->moved_frame && e->addr == r->addr && e->pid == r->pid &&
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

/* The process a probe's uprobe fires in; -1: every process (--follow filters in BPF). */
static pid_t attach_pid(const struct tracer *t, const struct probe *p)
{
	return t->opts.follow || p->pid <= 0 ? -1 : p->pid;
}

/* An environment variable set to anything but "" or "0". */
static bool env_flag(const char *name)
{
	const char *v = getenv(name);

	return v && *v && strcmp(v, "0");
}

/*
 * Can every probe go into a uprobe_multi link?  Where the kernel has them, unless a pid
 * filter would mean one thread there (before Linux 6.10: a -p process's other threads would
 * be missed), and unless asked not to.
 */
static bool can_multi(const struct tracer *t)
{
	uint32_t i;

	if (!t->kfeat.has[KF_UPROBE_MULTI] || t->opts.no_uprobe_multi ||
	    env_flag("UPTRACE_NO_UPROBE_MULTI"))
		return false;
	for (i = 0; i < t->nuprobes; i++)
		if (attach_pid(t, t->probes[i]) >= 0 && !t->kfeat.has[KF_UPROBE_MULTI_PID])
			return false;
	return true;
}

static bool has_returns(const struct tracer *t)
{
	uint32_t i;

	for (i = 0; i < t->nuprobes; i++)
		if (probe_is_return(t->probes[i]))
			return true;
	return false;
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
	struct bpf_view *v = &t->bpf;
	uint32_t bucket = (max_bytes_of(t) + 2 + 7) & ~7u;
	int err;

	/* an array map needs an entry even when only kernel traces run */
	err = bpf_map__set_max_entries(v->specs, t->nuprobes ?: 1);
	err = err ?: bpf_map__set_max_entries(v->drops, t->nuprobes ?: 1);
	err = err ?: bpf_map__set_max_entries(v->bucket, t->ncpus);
	err = err ?: bpf_map__set_value_size(v->bucket, bucket);
	err = err ?: bpf_map__set_max_entries(v->events, t->opts.ringbuf_size);
	if (err)
		return err;
	/*
	 * Maps no program of this run fills stay at their smallest (each full one is megabytes
	 * preallocated, a millisecond or two to create): the set of traced processes without
	 * --follow or kernel traces of -p/-c, the call stacks without %return probes.
	 */
	err = bpf_map__set_max_entries(v->traced, grows_traced(t) ? UPT_MAX_TRACED : 1);
	if (!err && !has_returns(t))
		err = bpf_map__set_max_entries(v->ret_stacks, 1);
	if (err)
		return err;
	*v->filter_tgids = t->opts.follow;
	bpf_program__set_autoload(v->call, t->nuprobes > 0);
	if (t->multi) /* libbpf 1.1 knows no section name for it */
		bpf_program__set_expected_attach_type(v->call, LINKS_TRACE_UPROBE_MULTI);
	bpf_program__set_autoload(v->fork, grows_traced(t));
	bpf_program__set_autoload(v->exit, grows_traced(t));
	*v->bucket_size = bucket;
	*v->wake_interval_ns = t->opts.wake_interval_ms * 1000000ULL;
	*v->wakeup_bytes = t->opts.ringbuf_size / 4;
	return 0;
}

/* The whole object with -t, else the one without the kernel traces. */
static int open_object(struct tracer *t)
{
	if (t->opts.traces) {
		t->skel = uptrace_bpf__open();
		if (t->skel)
			BPF_VIEW_OPENED(&t->bpf, t->skel);
	} else {
		t->uskel = upt_uprobes_bpf__open();
		if (t->uskel)
			BPF_VIEW_OPENED(&t->bpf, t->uskel);
	}
	return t->bpf.obj ? 0 : -errno;
}

/*
 * While libbpf loads the object: when it has parsed the kernel's BTF (its debug message
 * says so, right after), for -v's account of the time.  Every message goes on to the
 * printer that was set.
 */
static libbpf_print_fn_t outer_print;
static uint64_t btf_parsed_ns;

static int timing_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!btf_parsed_ns && strstr(fmt, "loading kernel BTF"))
		btf_parsed_ns = upt_mono_ns();
	return outer_print ? outer_print(level, fmt, ap) : 0;
}

static int load_object(struct tracer *t)
{
	int err;

	btf_parsed_ns = 0;
	outer_print = libbpf_set_print(timing_print);
	if (t->skel) {
		err = uptrace_bpf__load(t->skel);
		t->bpf.drops_total = &t->skel->bss->drops_total;
	} else {
		err = upt_uprobes_bpf__load(t->uskel);
		t->bpf.drops_total = &t->uskel->bss->drops_total;
	}
	libbpf_set_print(outer_print);
	t->t_btf = btf_parsed_ns;
	return err;
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
		p->kind = PROBE_TRACE;
		p->trace = i;
		if (!p->binary || !p->func) {
			probe__free(p);
			free(p);
			return -ENOMEM;
		}
		err = tracer__add(t, p);
	}
	return err;
}

/* What sample_cb returns to end a batch: libbpf has consumed the record just handed over. */
#define BATCH_FULL (-ECANCELED)

static int sample_cb(void *ctx, void *data, size_t size)
{
	struct tracer *t = ctx;

	t->opts.sample(t->opts.ctx, data, size);
	t->batch_records++;
	t->batch_bytes += size;
	return t->batch_bytes >= TRACER_BATCH_BYTES ? BATCH_FULL : 0;
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
	t->t_load = upt_mono_ns();
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
	t->t_features = upt_mono_ns();
	t->multi = can_multi(t);
	err = open_object(t);
	if (err) {
		upt_err("cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	path = features__path(&t->kfeat, t->opts.portable);
	*t->bpf.have_read_dynptr = path == COPY_KFUNC;
	upt_info("kernel %s: %s copy path", t->kfeat.release, features__path_name(path));
	err = size_maps(t);
	if (!err && t->skel)
		err = ktrace__configure(t->kt, t->skel);
	if (err) {
		upt_err("cannot size the BPF maps: %s", strerror(-err));
		return err;
	}
	err = load_object(t);
	if (err) {
		upt_err("cannot load the BPF program: %s%s", strerror(-err),
			upt_verbose ? "" : " (-v shows the verifier's log)");
		return err;
	}
	for (i = 0; i < t->nuprobes; i++) {
		err = bpf_map__update_elem(t->bpf.specs, &i, sizeof(i), &t->probes[i]->spec,
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

		err = bpf_map__update_elem(t->bpf.traced, &tgid, sizeof(tgid), &v,
					   sizeof(v), BPF_ANY);
		if (err) {
			upt_err("cannot add pid %u to the traced set: %s", tgid, strerror(-err));
			return err;
		}
	}
	t->rb = ring_buffer__new(bpf_map__fd(t->bpf.events), sample_cb, t, NULL);
	if (!t->rb) {
		err = -errno;
		upt_err("cannot map the ring buffer: %s", strerror(-err));
		return err;
	}
	/*
	 * libbpf's epoll fd is level-triggered: a ring buffer polls readable while it holds a
	 * record, so under load the loop would come back for every few records.  Ours is
	 * edge-triggered: readable when the BPF side wakes us (once per --wake-ms, or when the
	 * ring is a quarter full), and the loop takes whole batches.
	 */
	t->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (t->epfd < 0 ||
	    epoll_ctl(t->epfd, EPOLL_CTL_ADD, bpf_map__fd(t->bpf.events),
		      &(struct epoll_event){ .events = EPOLLIN | EPOLLET })) {
		err = -errno;
		upt_err("cannot poll the ring buffer: %s", strerror(-err));
		return err;
	}
	t->t_loaded = upt_mono_ns();
	return 0;
}

static void detach_all(struct tracer *t)
{
	/* the multi links first: a few waits, shared; then the perf-event links, one by one */
	if (t->mlinks)
		links_close_all(t->mlinks, t->nmlinks);
	if (t->links)
		links_destroy_all(t->links, t->nuprobes);
}

static int attach_follow(struct tracer *t)
{
	t->fork_link = bpf_program__attach(t->bpf.fork);
	if (t->fork_link)
		t->exit_link = bpf_program__attach(t->bpf.exit);
	if (!t->fork_link || !t->exit_link) {
		int err = -errno;

		upt_err("cannot attach to the sched_process_fork/exit tracepoints: %s",
			strerror(-err));
		return err;
	}
	return 0;
}

static void say_attached(const struct probe *p)
{
	upt_info("attached %s:%s%s at offset 0x%llx", p->binary, p->func,
		 p->kind == PROBE_RETURN ? "%return" :
		 p->kind == PROBE_RETURN_ENTRY ? " (entry of %return)" : "",
		 (unsigned long long)p->offset);
}

static void say_refused(const struct probe *p, int err)
{
	upt_err("cannot attach to %s:%s (offset 0x%llx): %s", p->binary, p->func,
		(unsigned long long)p->offset, attach_strerror(err));
}

/* One perf-event link per probe. */
static int attach_singles(struct tracer *t)
{
	struct probe *p;
	uint32_t i;
	int err;

	for (i = 0; !t->multi && i < t->nuprobes; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = i);

		p = t->probes[i];
		uo.retprobe = probe_is_return(p);
		t->links[i] = bpf_program__attach_uprobe_opts(t->bpf.call,
							      attach_pid(t, p), p->attach_path,
							      p->offset, &uo);
		if (!t->links[i]) {
			err = -errno;
			say_refused(p, err);
			return err;
		}
		say_attached(p);
	}
	return 0;
}

/* A group of probes that one uprobe_multi link can carry: the same file, process, kind. */
static int group_cmp(const void *a, const void *b, void *arg)
{
	const struct tracer *t = arg;
	const struct probe *p = t->probes[*(const uint32_t *)a];
	const struct probe *q = t->probes[*(const uint32_t *)b];
	pid_t pp = attach_pid(t, p), qp = attach_pid(t, q);
	int c = strcmp(p->attach_path, q->attach_path);

	if (c)
		return c;
	if (pp != qp)
		return pp < qp ? -1 : 1;
	if (probe_is_return(p) != probe_is_return(q))
		return probe_is_return(p) - probe_is_return(q);
	/* probe order within a group */
	return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

static bool same_group(const struct tracer *t, const struct probe *p, const struct probe *q)
{
	return !strcmp(p->attach_path, q->attach_path) && attach_pid(t, p) == attach_pid(t, q) &&
	       probe_is_return(p) == probe_is_return(q);
}

struct mgroup {
	const char *path;
	pid_t pid; /* 0: every process */
	bool ret;
	uint64_t *offsets, *cookies;
};

static int mgroup_link(const struct tracer *t, const struct mgroup *g, uint32_t from, uint32_t n)
{
	return links_uprobe_multi(bpf_program__fd(t->bpf.call), g->path,
				  g->offsets + from, g->cookies + from, n, g->ret, g->pid);
}

/*
 * The group's link failed with err: attach halves of it until one probe is left, the first
 * one the kernel refuses alone (each half that attaches is detached at once: on this error
 * path, a few waits), and say which.  When every probe attaches alone (the group failed as
 * a whole: no memory...), the group is named instead.
 */
static void say_group_refused(const struct tracer *t, const struct mgroup *g, uint32_t n,
			      int err)
{
	uint32_t lo = 0, hi = n, mid;
	int fd;

	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		fd = mgroup_link(t, g, lo, mid - lo);
		if (fd >= 0) {
			close(fd);
			lo = mid;
		} else {
			hi = mid;
			err = fd;
		}
	}
	fd = mgroup_link(t, g, lo, 1);
	if (fd < 0) {
		say_refused(t->probes[g->cookies[lo]], fd);
		return;
	}
	close(fd);
	upt_err("cannot attach %u probes to %s in one uprobe_multi link: %s", n, g->path,
		attach_strerror(err));
}

/* The uprobe_multi links: one per group of probes. */
static int attach_multi(struct tracer *t)
{
	uint32_t n = t->nuprobes, *order, i, j, k;
	struct mgroup g;
	int fd, err = 0;

	if (!t->multi || !n)
		return 0;
	order = calloc(n, sizeof(*order));
	g.offsets = calloc(n, sizeof(*g.offsets));
	g.cookies = calloc(n, sizeof(*g.cookies));
	t->mlinks = calloc(n, sizeof(*t->mlinks));
	if (!order || !g.offsets || !g.cookies || !t->mlinks) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(*order), group_cmp, t);
	for (i = 0; i < n; i = j) {
		const struct probe *first = t->probes[order[i]];

		for (j = i; j < n && same_group(t, first, t->probes[order[j]]); j++) {
			g.offsets[j - i] = t->probes[order[j]]->offset;
			g.cookies[j - i] = order[j];
		}
		g.path = first->attach_path;
		g.pid = attach_pid(t, first) < 0 ? 0 : attach_pid(t, first);
		g.ret = probe_is_return(first);
		fd = mgroup_link(t, &g, 0, j - i);
		if (fd < 0) {
			err = fd;
			say_group_refused(t, &g, j - i, err);
			goto out;
		}
		t->mlinks[t->nmlinks++] = fd;
		for (k = i; k < j; k++)
			say_attached(t->probes[order[k]]);
		upt_info("one uprobe_multi link for %u %s probe(s) of %s%s", j - i,
			 probe_is_return(first) ? "return" : "entry", first->binary,
			 g.pid ? " (one process)" : "");
	}
out:
	free(order);
	free(g.offsets);
	free(g.cookies);
	return err;
}

/*
 * -v: where the time from tracer__new() to attached went: resolving the probes, asking the
 * kernel what it has, libbpf parsing the kernel's BTF (0 when it did not say), the rest of
 * loading (maps, relocations, the verifier), attaching.
 */
static void say_times(const struct tracer *t)
{
	uint64_t now = upt_mono_ns(), btf = t->t_btf > t->t_features ? t->t_btf : t->t_features;

	upt_info("%u probe(s) ready in %.0f ms: resolve %.1f ms, kernel features %.1f ms, "
		 "BTF %.1f ms, load %.1f ms, attach %.1f ms (%u uprobe_multi link(s), "
		 "%u perf-event link(s))",
		 t->nuprobes, (now - t->t_new) / 1e6, (t->t_load - t->t_new) / 1e6,
		 (t->t_features - t->t_load) / 1e6, (btf - t->t_features) / 1e6,
		 (t->t_loaded - btf) / 1e6, (now - t->t_attach) / 1e6, t->nmlinks,
		 t->multi ? 0 : t->nuprobes);
}

int tracer__attach(struct tracer *t)
{
	int err;

	t->t_attach = upt_mono_ns();
	t->links = calloc(t->nuprobes ?: 1, sizeof(*t->links));
	if (!t->links)
		return -ENOMEM;
	/* children are added in the kernel from now on: before any probe can fire */
	if (grows_traced(t)) {
		err = attach_follow(t);
		if (err)
			return err;
	}
	err = t->skel ? ktrace__attach(t->kt, t->skel) : 0;
	err = err ?: attach_multi(t);
	err = err ?: attach_singles(t);
	if (err) {
		detach_all(t);
		return err;
	}
	say_times(t);
	return 0;
}

int tracer__consume(struct tracer *t, bool *more)
{
	struct epoll_event ev;
	int err;

	/* take the edge first: a wakeup from now on makes the fd readable again */
	epoll_wait(t->epfd, &ev, 1, 0);
	t->batch_bytes = 0;
	t->batch_records = 0;
	err = ring_buffer__consume(t->rb);
	if (more)
		*more = err == BATCH_FULL;
	return err < 0 && err != BATCH_FULL ? err : t->batch_records;
}

int tracer__wait_fd(struct tracer *t)
{
	return t->epfd;
}

uint64_t tracer__drops_total(struct tracer *t)
{
	return __atomic_load_n(t->bpf.drops_total, __ATOMIC_RELAXED);
}

void tracer__update_drops(struct tracer *t)
{
	uint64_t vals[t->ncpus > 0 ? t->ncpus : 1], sum, kdrops[UPT_TRACE_MAX] = {};
	uint32_t i;
	int c;

	for (i = 0; i < t->nuprobes; i++) {
		if (bpf_map__lookup_elem(t->bpf.drops, &i, sizeof(i), vals, sizeof(vals),
					 0))
			continue;
		for (sum = 0, c = 0; c < t->ncpus; c++)
			sum += vals[c];
		t->probes[i]->drops = sum;
	}
	if (t->skel) /* kernel traces run */
		ktrace__drops(t->kt, t->skel, kdrops);
	for (i = t->nuprobes; i < t->nprobes; i++)
		t->probes[i]->drops = kdrops[t->probes[i]->trace];
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
	free(t->mlinks);
	ring_buffer__free(t->rb);
	if (t->epfd >= 0)
		close(t->epfd);
	uptrace_bpf__destroy(t->skel);
	upt_uprobes_bpf__destroy(t->uskel);
	for (i = 0; i < t->nprobes; i++) {
		probe__free(t->probes[i]);
		free(t->probes[i]);
	}
	free(t->probes);
	free(t);
}
