// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * util.c - the diagnostics printer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

FILE *upt_errf;
int upt_verbose;
bool upt_tty;
bool upt_colour;

uint64_t upt_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void upt_term_init(bool quiet)
{
	const char *term = getenv("TERM"), *no_colour = getenv("NO_COLOR");

	upt_tty = !quiet && isatty(STDERR_FILENO);
	/* https://no-color.org: set and not empty means no colour */
	upt_colour = upt_tty && !(no_colour && *no_colour) && term && strcmp(term, "dumb");
}

const char *upt_sgr(const char *code)
{
	static char buf[4][16];
	static unsigned next;
	char *b;

	if (!upt_colour)
		return "";
	b = buf[next++ % 4];
	snprintf(b, sizeof(buf[0]), "\033[%sm", code ?: "0");
	return b;
}

static FILE *errf(void)
{
	return upt_errf ? upt_errf : stderr;
}

void upt_verr(const char *fmt, va_list ap)
{
	FILE *f = errf();

	/* only stderr itself is coloured: a memstream of the unit tests never is */
	if (upt_colour && f == stderr)
		fputs("\033[1;31muptrace:\033[0m ", f);
	else
		fputs("uptrace: ", f);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
}

void upt_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	upt_verr(fmt, ap);
	va_end(ap);
}

void upt_info(const char *fmt, ...)
{
	va_list ap;

	if (!upt_verbose)
		return;
	va_start(ap, fmt);
	upt_verr(fmt, ap);
	va_end(ap);
}

void upt_note(const char *fmt, ...)
{
	FILE *f = errf();
	va_list ap;

	if (!upt_tty)
		return;
	fprintf(f, "%suptrace:%s ", upt_sgr("1"), upt_sgr(NULL));
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

void upt_vformat_line(char *out, size_t size, const char *fmt, va_list ap)
{
	char buf[4096];
	const unsigned char *p;
	size_t n, o = 0;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = 0;
	for (p = (const unsigned char *)buf; *p && o + 5 < size; p++) {
		if (*p < 0x20 || *p == 0x7f)
			o += snprintf(out + o, size - o, "\\x%02x", *p);
		else
			out[o++] = (char)*p;
	}
	out[o] = 0;
}
