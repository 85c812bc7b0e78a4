// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * empty_uprobe.c - the bench's floor: attach an empty BPF program to one function and
 * wait.  Whatever a real tracer costs on top of this is the tracer's own doing.
 *
 *   empty-uprobe [-p] BINARY FUNC
 *
 * The function is resolved with symbols/ (as uptrace does); -p attaches where
 * sym_place_probe() says instead of at the entry.  "ready" goes to stderr once the uprobe
 * is attached; SIGINT or SIGTERM detaches and exits 0.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "empty.skel.h"
#include "placement.h"
#include "symbols.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig __attribute__((unused)))
{
	stop = 1;
}

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static int resolve(const char *path, const char *func, bool place, uint64_t *offset)
{
	struct sym_placement pl;
	struct sym_func f = {};
	struct sym_elf *e;
	int err;

	err = sym_elf__open(path, &e);
	if (err)
		return err;
	err = sym_elf__resolve(e, func, &f);
	if (!err) {
		*offset = f.offset;
		if (place && !sym_place_probe(e, &f, &pl)) {
			*offset = pl.offset;
			fprintf(stderr, "empty-uprobe: %s+%u: %s\n", func, pl.skipped, pl.why);
		}
	}
	sym_func__clear(&f);
	sym_elf__close(e);
	return err;
}

int main(int argc, char **argv)
{
	struct empty_bpf *skel = NULL;
	struct bpf_link *link = NULL;
	bool place = false;
	uint64_t offset;
	int err, c;

	while ((c = getopt(argc, argv, "p")) != -1) {
		if (c != 'p') {
			fprintf(stderr, "usage: empty-uprobe [-p] BINARY FUNC\n");
			return 2;
		}
		place = true;
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: empty-uprobe [-p] BINARY FUNC\n");
		return 2;
	}
	if (resolve(argv[optind], argv[optind + 1], place, &offset))
		return 2;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	libbpf_set_print(silent);

	skel = empty_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "empty-uprobe: cannot load the BPF program: %s\n", strerror(errno));
		return 1;
	}
	link = bpf_program__attach_uprobe(skel->progs.empty, false, -1, argv[optind], offset);
	err = libbpf_get_error(link);
	if (err) {
		link = NULL;
		fprintf(stderr, "empty-uprobe: cannot attach to %s:%s: %s\n", argv[optind],
			argv[optind + 1], strerror(-err));
		goto out;
	}
	fprintf(stderr, "ready\n");
	while (!stop)
		pause();
out:
	bpf_link__destroy(link);
	empty_bpf__destroy(skel);
	return err ? 1 : 0;
}
