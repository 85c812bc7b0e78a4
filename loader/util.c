// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * util.c - the diagnostics printer.
 */
#include <stdarg.h>
#include <stdio.h>

#include "util.h"

FILE *upt_errf;
int upt_verbose;

static FILE *errf(void)
{
	return upt_errf ? upt_errf : stderr;
}

void upt_verr(const char *fmt, va_list ap)
{
	FILE *f = errf();

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
