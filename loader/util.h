/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * util.h - small things every loader module uses: the one diagnostics printer.
 *
 * Diagnostics go to upt_errf (stderr; tests point it at a memstream).  stdout carries
 * events only.  Colour and the progress lines of upt_note() are for a person at a terminal:
 * only when stderr is one, never with -q, no colour with NO_COLOR or TERM=dumb.
 */
#ifndef UPTRACE_UTIL_H
#define UPTRACE_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

extern FILE *upt_errf;
extern int upt_verbose;
extern bool upt_tty;	/* stderr is a terminal and -q was not given */
extern bool upt_colour; /* ... and colour is welcome */

/* CLOCK_MONOTONIC in nanoseconds: intervals, deadlines, timeouts. */
uint64_t upt_mono_ns(void);

/* Decide upt_tty and upt_colour from stderr, -q and the environment. */
void upt_term_init(bool quiet);
/* Colour escape `code` (e.g. "1;31") or the reset, when colour is on; "" otherwise. */
const char *upt_sgr(const char *code);

/* "uptrace: " + message + "\n" on upt_errf. */
void upt_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same, only with -v. */
void upt_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void upt_verr(const char *fmt, va_list ap);
/*
 * Format a message from a library (symbols/ quotes names from the ELF, which a hostile
 * object can fill with newlines or terminal escapes) into one harmless line: trailing
 * newlines dropped, control bytes written as \xNN.  out is always terminated.
 */
void upt_vformat_line(char *out, size_t size, const char *fmt, va_list ap);
/* Progress for people ("attached ..."): "uptrace: " + message, only when upt_tty. */
void upt_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* UPTRACE_UTIL_H */
