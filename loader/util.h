/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * util.h - small things every loader module uses: the one diagnostics printer.
 *
 * Diagnostics go to upt_errf (stderr; tests point it at a memstream).  stdout carries
 * events only.
 */
#ifndef UPTRACE_UTIL_H
#define UPTRACE_UTIL_H

#include <stdarg.h>
#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

extern FILE *upt_errf;
extern int upt_verbose;

/* "uptrace: " + message + "\n" on upt_errf. */
void upt_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same, only with -v. */
void upt_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void upt_verr(const char *fmt, va_list ap);

#endif /* UPTRACE_UTIL_H */
