/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * listing.h - `uptrace -l` and `uptrace --explain`: what would be probed, without probing.
 */
#ifndef UPTRACE_LISTING_H
#define UPTRACE_LISTING_H

#include <stdbool.h>
#include <sys/types.h>

enum list_detail {
	LIST_NAMES,	 /* --names: one name a line */
	LIST_SIGNATURES, /* -l */
	LIST_LOCATIONS,	 /* -l -v: and where each argument is read */
};

/* Functions of BINARY (or of pid's executable when binary is NULL) matching glob. */
int list_functions(const char *binary, pid_t pid, const char *glob,
		   const char *const *debug_dirs, enum list_detail detail);
/* How FUNC of BINARY resolves, step by step. */
int explain_function(const char *binary, pid_t pid, const char *func,
		     const char *const *debug_dirs);

#endif /* UPTRACE_LISTING_H */
