/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * resolve.h - probe text to probes: which object, which functions, which arguments.
 */
#ifndef UPTRACE_RESOLVE_H
#define UPTRACE_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "symbols.h"
#include "tracer.h"

/* One object a bare FUNC is looked for in. */
struct target_obj {
	struct sym_elf *elf;
	struct sym_dwarf *dw; /* its debug info, once looked for (NULL: none) */
	bool dw_tried;
	char *host_path; /* where uptrace opens and attaches it */
	char *display;	 /* the path as the traced process sees it: "binary" in events */
};

/*
 * Where the probes of one target go: a BINARY for every process (pid -1), or one process
 * (its executable first, then the objects it has mapped).
 */
struct target {
	pid_t pid;
	struct target_obj *objs;
	size_t nobjs;
	uint32_t max_bytes;
	const char *const *debug_dirs; /* --debuginfo, searched first; or NULL */
	bool exact_entry;	       /* --exact-entry: never move an entry probe for speed */
};

/* BINARY (a path or a library name) for every process that maps it. */
int target__init_binary(struct target *t, const char *binary, pid_t pid);
/* A running process: /proc/PID/exe and every executable object it has mapped. */
int target__init_pid(struct target *t, pid_t pid);
void target__free(struct target *t);

/* The object's DWARF, looked for once: in it, or in a debug file (NULL when none). */
struct sym_dwarf *target__dwarf(struct target *t, struct target_obj *o);

/* Parse probe text, find its functions in the target, hand one probe per function over. */
int target__add_probe(struct target *t, struct tracer *tr, const char *text);

#endif /* UPTRACE_RESOLVE_H */
