// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * kfeatures.c - what the running kernel offers uptrace's BPF programs, probed at start.
 *
 * Nothing is assumed from the kernel's version number: two builds of one version differ, and
 * distributions backport.  Each feature is asked of the kernel itself, the way bpftool's
 * `feature probe` and bpftrace do it: a map type or a helper by loading the smallest program
 * that uses it (libbpf_probe_bpf_*), a kfunc by its name in the kernel's BTF, the uprobe
 * event source by its sysfs directory.  A missing feature uptrace cannot do without stops it
 * with one line naming the feature and the first Linux release that has it.  The optional
 * features pick faster ways to the same results: the 6.16 dynptr probe-read kfuncs the copy
 * path (probes/uptrace.bpf.c, upt_dp_read(); both paths write the same records), the 6.6
 * uprobe_multi links how probes attach (links.h; a kernel before 6.10, or a stable release
 * without the fix, filters their pid by thread, so -p and -c keep one link per probe there).
 *
 * features__check() goes further: it loads every program of the object on this kernel, with
 * the verifier's statistics on, and works out each program's deepest call chain from the
 * per-subprogram stack depths the verifier reports and the calls in the instructions.  The
 * verifier allows 512 bytes for a chain unless the program gets a private stack, which only
 * some kernel builds give uprobe programs: the check counts as if none does, so a program
 * that fits here fits everywhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/btf.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "kfeatures.h"
#include "links.h"
#include "util.h"
#include "uptrace.skel.h"

#define MAX_BPF_STACK_ 512
#define MAX_SUBPROGS   256
#define CHECK_LOG_SIZE (64 * 1024)
#define CHECK_MAX_PROGS 64

static const struct {
	const char *what;  /* for people */
	const char *since; /* the first release that has it */
	bool optional;
} kfeature_info[KF_COUNT] = {
	[KF_BTF] = { "kernel BTF (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF)", "5.5" },
	[KF_UPROBE_PMU] = { "uprobe perf events (CONFIG_UPROBE_EVENTS)", "4.17" },
	[KF_RINGBUF] = { "BPF ring buffer", "5.8" },
	[KF_BOOT_NS] = { "bpf_ktime_get_boot_ns()", "5.8" },
	[KF_ATTACH_COOKIE] = { "bpf_get_attach_cookie() in uprobe programs", "5.15" },
	[KF_LOOP] = { "bpf_loop()", "5.17" },
	[KF_RB_DYNPTR] = { "bpf_ringbuf_reserve_dynptr()", "5.19" },
	[KF_DYNPTR_DATA] = { "bpf_dynptr_data()", "5.19" },
	[KF_READ_DYNPTR] = { "bpf_probe_read_{user,user_str,kernel}_dynptr() kfuncs", "6.16",
			     true },
	[KF_UPROBE_MULTI] = { "uprobe_multi links (a file's probes in one link)", "6.6", true },
	[KF_UPROBE_MULTI_PID] = { "uprobe_multi links that filter by process (-p, -c)",
				  "6.10", true },
};

static const char *const read_dynptr_kfuncs[] = {
	"bpf_probe_read_user_dynptr",
	"bpf_probe_read_user_str_dynptr",
	"bpf_probe_read_kernel_dynptr",
};

/* libbpf's probes answer 1 (yes), 0 (no) or -errno (could not ask). */
static bool helper_ok(enum bpf_func_id id)
{
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, id, NULL) == 1;
}

static bool has_kfuncs(const struct btf *vmlinux)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(read_dynptr_kfuncs); i++)
		if (btf__find_by_name_kind(vmlinux, read_dynptr_kfuncs[i], BTF_KIND_FUNC) <= 0)
			return false;
	return true;
}

/*
 * The bytes of a type's record past its struct btf_type, by kind; -1 for a kind this code
 * does not know (a newer kernel's), which stops the walk.
 */
static long btf_type_extra(uint32_t kind, uint32_t vlen)
{
	switch (kind) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return (long)vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return (long)vlen * sizeof(struct btf_enum);
	case BTF_KIND_FUNC_PROTO:
		return (long)vlen * sizeof(struct btf_param);
	case BTF_KIND_DATASEC:
		return (long)vlen * sizeof(struct btf_var_secinfo);
	case BTF_KIND_ENUM64:
		return (long)vlen * sizeof(struct btf_enum64);
	default:
		return -1;
	}
}

/* The offset of string `name` in the string section, or -1. */
static long btf_str_off(const char *strs, size_t len, const char *name)
{
	size_t n = strlen(name) + 1;
	const char *p = strs, *end = strs + len, *q;

	/* strings are NUL-terminated and start after a NUL (the section starts with one) */
	while (p < end && (q = memmem(p, end - p, name, n))) {
		if (q > strs && q[-1] == '\0')
			return q - strs;
		p = q + 1;
	}
	return -1;
}

int kfeatures_btf_has_funcs(const void *data, size_t size, const char *const *names, size_t n)
{
	const struct btf_header *h = data;
	const char *types, *strs;
	uint32_t want[8], found = 0, all, i, kind;
	size_t at;
	long extra, off;

	if (n > ARRAY_SIZE(want) || size < sizeof(*h) || h->magic != BTF_MAGIC ||
	    h->hdr_len < sizeof(*h) || h->hdr_len > size ||
	    (uint64_t)h->type_off + h->type_len > size - h->hdr_len ||
	    (uint64_t)h->str_off + h->str_len > size - h->hdr_len || !h->str_len)
		return -EINVAL;
	types = (const char *)data + h->hdr_len + h->type_off;
	strs = (const char *)data + h->hdr_len + h->str_off;
	for (i = 0; i < n; i++) {
		off = btf_str_off(strs, h->str_len, names[i]);
		if (off < 0)
			return 0; /* no such name at all */
		want[i] = off;
	}
	all = (1u << n) - 1;
	for (at = 0; at + sizeof(struct btf_type) <= h->type_len && found != all;) {
		const struct btf_type *t = (const void *)(types + at);

		kind = BTF_INFO_KIND(t->info);
		extra = btf_type_extra(kind, BTF_INFO_VLEN(t->info));
		if (extra < 0)
			return -EPROTO;
		for (i = 0; kind == BTF_KIND_FUNC && i < n; i++)
			if (t->name_off == want[i])
				found |= 1u << i;
		at += sizeof(*t) + extra;
	}
	return found == all;
}

/* Are the kfuncs in the kernel's BTF?  1, 0, or -errno when the file cannot be read. */
static int vmlinux_has_kfuncs(void)
{
	const char *path = "/sys/kernel/btf/vmlinux";
	struct btf *vmlinux;
	struct stat st;
	ssize_t got = 0, r;
	char *buf = NULL;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (!fstat(fd, &st) && st.st_size > 0 && (buf = malloc(st.st_size))) {
		while (got < st.st_size && (r = read(fd, buf + got, st.st_size - got)) > 0)
			got += r;
	}
	close(fd);
	ret = buf && got == st.st_size ? kfeatures_btf_has_funcs(buf, got, read_dynptr_kfuncs,
								 ARRAY_SIZE(read_dynptr_kfuncs))
				       : -EIO;
	free(buf);
	if (ret >= 0)
		return ret;
	/* a layout the walk does not know: libbpf's parser, slower, knows more */
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return -errno;
	ret = has_kfuncs(vmlinux);
	btf__free(vmlinux);
	return ret;
}

int features__probe(struct kfeatures *f)
{
	struct links_multi_support um;
	struct utsname u;
	int kfuncs;

	memset(f, 0, sizeof(*f));
	if (!uname(&u))
		snprintf(f->release, sizeof(f->release), "%s", u.release);
	/*
	 * Not btf__load_vmlinux_btf(): libbpf parses the kernel's BTF again when it loads the
	 * object, and a parse costs 6-8 ms here; a walk for three names costs about 2.
	 */
	kfuncs = vmlinux_has_kfuncs();
	f->has[KF_BTF] = kfuncs >= 0;
	f->has[KF_READ_DYNPTR] = kfuncs > 0;
	f->has[KF_UPROBE_PMU] = !access("/sys/bus/event_source/devices/uprobe/type", R_OK);
	f->has[KF_RINGBUF] = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1;
	f->has[KF_BOOT_NS] = helper_ok(BPF_FUNC_ktime_get_boot_ns);
	f->has[KF_ATTACH_COOKIE] = helper_ok(BPF_FUNC_get_attach_cookie);
	f->has[KF_LOOP] = helper_ok(BPF_FUNC_loop);
	f->has[KF_RB_DYNPTR] = helper_ok(BPF_FUNC_ringbuf_reserve_dynptr);
	f->has[KF_DYNPTR_DATA] = helper_ok(BPF_FUNC_dynptr_data);
	if (!links_probe_uprobe_multi(&um)) {
		f->has[KF_UPROBE_MULTI] = um.links;
		f->has[KF_UPROBE_MULTI_PID] = um.pid_is_process;
	}
	f->probed = true;
	return 0;
}

int features__require(const struct kfeatures *f)
{
	int i;

	for (i = 0; i < KF_COUNT; i++) {
		if (f->has[i] || kfeature_info[i].optional)
			continue;
		upt_err("this kernel (%s) lacks %s, which uptrace needs: Linux %s is the first "
			"to have it",
			f->release, kfeature_info[i].what, kfeature_info[i].since);
		return -EOPNOTSUPP;
	}
	return 0;
}

enum copy_path features__path(const struct kfeatures *f, bool portable)
{
	return f->has[KF_READ_DYNPTR] && !portable ? COPY_KFUNC : COPY_PORTABLE;
}

const char *features__path_name(enum copy_path path)
{
	return path == COPY_KFUNC ? "kfunc" : "portable";
}

/* ---- the stack of a loaded program ---------------------------------------------------- */

static bool is_pseudo_call(const struct bpf_insn *in)
{
	return in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_CALL;
}

/* A callback (bpf_loop() and the like) is loaded by address: a subprogram of its own. */
static bool is_pseudo_func(const struct bpf_insn *in)
{
	return in->code == (BPF_LD | BPF_IMM | BPF_DW) && in->src_reg == BPF_PSEUDO_FUNC;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

struct subprogs {
	uint32_t start[MAX_SUBPROGS];
	uint32_t depth[MAX_SUBPROGS]; /* the verifier's, before rounding */
	int chain[MAX_SUBPROGS];      /* deepest chain from here; 0: not yet known */
	int next[MAX_SUBPROGS];	      /* the callee that chain goes through; -1: none */
	int n;
};

/* The subprograms start where the main program does and at every call's target. */
static int find_subprogs(const struct bpf_insn *insn, size_t cnt, struct subprogs *sp)
{
	size_t i;
	int j, k;

	sp->n = 0;
	sp->start[sp->n++] = 0;
	for (i = 0; i < cnt; i++) {
		if (!is_pseudo_call(&insn[i]) && !is_pseudo_func(&insn[i]))
			continue;
		if (sp->n == MAX_SUBPROGS)
			return -E2BIG;
		sp->start[sp->n++] = i + insn[i].imm + 1;
	}
	qsort(sp->start, sp->n, sizeof(sp->start[0]), cmp_u32);
	for (j = 1, k = 1; j < sp->n; j++)
		if (sp->start[j] != sp->start[k - 1])
			sp->start[k++] = sp->start[j];
	sp->n = k;
	return 0;
}

static int subprog_of(const struct subprogs *sp, uint32_t at)
{
	int i;

	for (i = sp->n - 1; i > 0; i--)
		if (sp->start[i] <= at)
			break;
	return i;
}

/* "stack depth 320+32+0": the verifier's statistics line, one number per subprogram. */
static int parse_depths(const char *log, struct subprogs *sp)
{
	const char *p = NULL, *q = log;
	char *end;
	int i;

	while ((q = strstr(q, "stack depth ")))
		p = q++;
	if (!p)
		return -ENOENT;
	p += strlen("stack depth ");
	for (i = 0; i < sp->n; i++) {
		sp->depth[i] = strtoul(p, &end, 10);
		if (end == p)
			return -EINVAL;
		p = end + (*end == '+');
	}
	return *end == '+' ? -EINVAL : 0; /* as many numbers as subprograms */
}

/* As the verifier adds a chain up: each frame rounded up to 32 bytes, at least one slot. */
static int frame_bytes(uint32_t depth)
{
	return ((depth ? depth : 1) + 31) / 32 * 32;
}

static int chain_from(const struct bpf_insn *insn, struct subprogs *sp, int s, int level)
{
	uint32_t end = s + 1 < sp->n ? sp->start[s + 1] : UINT32_MAX, i;
	int deepest = 0, d, callee;

	if (level > MAX_SUBPROGS)
		return -ELOOP; /* recursion: the verifier refuses it anyway */
	if (sp->chain[s])
		return sp->chain[s];
	sp->next[s] = -1;
	for (i = sp->start[s]; i < end && insn[i].code; i++) {
		/* a callback (bpf_loop) runs on top of the frame that passes it */
		if (!is_pseudo_call(&insn[i]) && !is_pseudo_func(&insn[i]))
			continue;
		callee = subprog_of(sp, i + insn[i].imm + 1);
		d = chain_from(insn, sp, callee, level + 1);
		if (d < 0)
			return d;
		if (d > deepest) {
			deepest = d;
			sp->next[s] = callee;
		}
	}
	return sp->chain[s] = frame_bytes(sp->depth[s]) + deepest;
}

/* "416+64": the frames of the deepest chain, as the verifier counts them. */
static void chain_text(const struct subprogs *sp, char *out, size_t size)
{
	size_t len = 0;
	int s;

	*out = 0;
	for (s = 0; s >= 0 && len < size; s = sp->next[s])
		len += snprintf(out + len, size - len, "%s%d", s ? "+" : "",
				frame_bytes(sp->depth[s]));
}

int kfeatures_chain_stack(const struct bpf_insn *insn, size_t cnt, const char *log, char *frames,
			  size_t size)
{
	struct subprogs *sp;
	struct bpf_insn *copy;
	size_t i;
	int err;

	if (!insn || !cnt)
		return -ENOENT;
	sp = calloc(1, sizeof(*sp));
	/* a copy that ends in a zeroed instruction, so a walk stops at the end */
	copy = calloc(cnt + 1, sizeof(*copy));
	if (!sp || !copy) {
		free(sp);
		free(copy);
		return -ENOMEM;
	}
	memcpy(copy, insn, cnt * sizeof(*copy));
	for (i = 0; i < cnt; i++)
		if (!copy[i].code)
			copy[i].code = BPF_JMP | BPF_JA; /* the second half of a ld_imm64 */
	err = find_subprogs(copy, cnt, sp);
	err = err ?: parse_depths(log, sp);
	err = err ?: chain_from(copy, sp, 0, 0);
	if (err > 0)
		chain_text(sp, frames, size);
	free(sp);
	free(copy);
	return err;
}

/* ---- uptrace --check ------------------------------------------------------------------ */

static void print_table(FILE *out, const struct kfeatures *f)
{
	int i;

	fprintf(out, "kernel %s\n", f->release);
	for (i = 0; i < KF_COUNT; i++)
		fprintf(out, "  %-3s %-62s %s, Linux %s\n", f->has[i] ? "yes" : "no",
			kfeature_info[i].what, kfeature_info[i].optional ? "optional" : "needed",
			kfeature_info[i].since);
}

static bool is_stats_line(const char *line)
{
	return !strncmp(line, "processed ", 10) || !strncmp(line, "verification time", 17) ||
	       !strncmp(line, "stack depth", 11);
}

bool kfeatures_refusal(const char *log, char *out, size_t size)
{
	const char *end = log + strlen(log), *start;

	for (;;) {
		while (end > log && (end[-1] == '\n' || end[-1] == ' '))
			end--;
		if (end == log)
			return false;
		start = end;
		while (start > log && start[-1] != '\n')
			start--;
		if (!is_stats_line(start))
			break;
		end = start;
	}
	snprintf(out, size, "%.*s", (int)(end - start), start);
	return true;
}

static int load_all(struct uptrace_bpf *skel, enum copy_path path, bool multi, char **logs)
{
	struct bpf_program *prog;
	int i = 0, err;

	skel->rodata->have_read_dynptr = path == COPY_KFUNC;
	/* upt_call as it is loaded to be attached, where uprobe_multi links can take it */
	if (multi)
		bpf_program__set_expected_attach_type(skel->progs.upt_call,
						      LINKS_TRACE_UPROBE_MULTI);
	/* the smallest ring: the check needs the programs, not room for events */
	err = bpf_map__set_max_entries(skel->maps.events, getpagesize());
	bpf_object__for_each_program(prog, skel->obj) {
		if (i == CHECK_MAX_PROGS)
			return -E2BIG;
		logs[i] = calloc(1, CHECK_LOG_SIZE);
		if (!logs[i])
			return -ENOMEM;
		err = err ?: bpf_program__set_autoload(prog, true);
		err = err ?: bpf_program__set_log_level(prog, 4 /* statistics */);
		err = err ?: bpf_program__set_log_buf(prog, logs[i], CHECK_LOG_SIZE);
		i++;
	}
	return err ?: uptrace_bpf__load(skel);
}

/* After a failed load: the program the kernel refused, and why, in one line. */
static void say_refused(struct uptrace_bpf *skel, char **logs, int err)
{
	struct bpf_program *prog;
	char why[256];
	int i = 0;

	bpf_object__for_each_program(prog, skel->obj) {
		if (logs[i] && kfeatures_refusal(logs[i], why, sizeof(why))) {
			upt_err("this kernel refuses program '%s': %s", bpf_program__name(prog),
				why);
			return;
		}
		i++;
	}
	upt_err("cannot load the BPF programs: %s", strerror(-err));
}

/* "processed 10312 insns": the verifier's work for the program. */
static const char *insns_processed(const char *log)
{
	static char n[16];
	const char *p = strstr(log, "processed ");

	if (!p || sscanf(p, "processed %15[0-9] insns", n) != 1)
		return "?";
	return n;
}

static int report_stacks(FILE *out, struct uptrace_bpf *skel, char **logs)
{
	struct bpf_program *prog;
	int i = 0, depth, worst = 0;
	char frames[128];

	fprintf(out, "programs (loaded; deepest call chain, of %d bytes of BPF stack):\n",
		MAX_BPF_STACK_);
	bpf_object__for_each_program(prog, skel->obj) {
		depth = kfeatures_chain_stack(bpf_program__insns(prog), bpf_program__insn_cnt(prog),
					      logs[i++], frames, sizeof(frames));
		if (depth < 0) {
			upt_err("program '%s': cannot tell its stack depth: %s",
				bpf_program__name(prog), strerror(-depth));
			return depth;
		}
		fprintf(out, "  %-20s %3d bytes, headroom %3d  (frames %s; %s insns verified)\n",
			bpf_program__name(prog), depth, MAX_BPF_STACK_ - depth, frames,
			insns_processed(logs[i - 1]));
		if (depth > worst)
			worst = depth;
	}
	if (worst > MAX_BPF_STACK_) {
		upt_err("a program needs %d bytes of BPF stack: more than the %d every kernel "
			"allows",
			worst, MAX_BPF_STACK_);
		return -E2BIG;
	}
	return 0;
}

int features__check(FILE *out, bool portable)
{
	struct uptrace_bpf *skel = NULL;
	struct kfeatures f;
	enum copy_path path;
	char *logs[CHECK_MAX_PROGS] = {};
	size_t i;
	int err;

	err = features__probe(&f);
	if (err)
		return err;
	print_table(out, &f);
	err = features__require(&f);
	if (err)
		return err;
	path = features__path(&f, portable);
	skel = uptrace_bpf__open();
	if (!skel) {
		err = -errno;
		upt_err("cannot open the BPF object: %s", strerror(-err));
		return err;
	}
	err = load_all(skel, path, f.has[KF_UPROBE_MULTI], logs);
	if (err)
		say_refused(skel, logs, err);
	else
		err = report_stacks(out, skel, logs);
	if (!err)
		fprintf(out, "path: %s\n", features__path_name(path));
	uptrace_bpf__destroy(skel);
	for (i = 0; i < ARRAY_SIZE(logs); i++)
		free(logs[i]);
	return err;
}
