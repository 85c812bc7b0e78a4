// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_spec.c - libFuzzer target: the probe-spec parser (probe_def__parse() of loader/spec.c).
 *
 * The input, cut at its first NUL, is the probe text as typed on the command line.  Each run
 * checks, on top of what ASan, UBSan and LeakSanitizer catch:
 *  - an error is -EINVAL, leaves *out zeroed and prints a "bad probe" message with the text
 *    and a caret line; success prints nothing;
 *  - a parsed probe is well formed: a non-empty function, at most UPT_MAX_ARGS fetches of at
 *    most UPT_MAX_DEREF members, known types, a length only on a buffer type;
 *  - it round-trips: the probe written back in canonical form ([OBJ:]FUNC[%return], then
 *    EXPR[:TYPE][[LEN]] per fetch) parses to the same definition.
 * Messages go to a memory stream through upt_errf, never to the terminal.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "spec.h"
#include "util.h"

static FILE *fuzz_spec_errf(void)
{
	static char *buf;
	static size_t len;

	if (!upt_errf) {
		upt_errf = open_memstream(&buf, &len);
		FUZZ_CHECK(upt_errf, "open_memstream failed");
	}
	return upt_errf;
}

static bool fuzz_spec_streq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static void fuzz_spec_check_def(const struct probe_def *d, const char *text)
{
	const struct fetch *f;
	int i, j;

	FUZZ_CHECK(d->text && !strcmp(d->text, text), "text not kept");
	FUZZ_CHECK(d->func && *d->func, "no function name from '%s'", text);
	FUZZ_CHECK(!d->obj || *d->obj, "empty object name from '%s'", text);
	FUZZ_CHECK(d->nfetches >= 0 && d->nfetches <= UPT_MAX_ARGS, "%d fetches", d->nfetches);
	FUZZ_CHECK(d->has_list || !d->nfetches, "fetches without a list");
	for (i = 0; i < d->nfetches; i++) {
		f = &d->fetches[i];
		FUZZ_CHECK(f->text && f->base && *f->base, "fetch %d of '%s' lacks text", i, text);
		FUZZ_CHECK(f->nmembers >= 0 && f->nmembers <= UPT_MAX_DEREF, "%d members",
			   f->nmembers);
		/* a step is a member (a name) or an index (NULL, f->index[j]) */
		for (j = 0; j < f->nmembers; j++)
			FUZZ_CHECK(!f->members[j] || *f->members[j], "empty member");
		FUZZ_CHECK(f->type >= FT_DEFAULT && f->type <= FT_AUTO, "type %d", f->type);
		FUZZ_CHECK(!f->len_expr || f->has_len, "len_expr without has_len");
		/* [0] without a TYPE may index an array: probe.c refuses it as a length */
		FUZZ_CHECK(!f->has_len || f->len_expr || f->len_num || f->type == FT_DEFAULT,
			   "a length of 0 accepted in '%s'", text);
		FUZZ_CHECK(!f->has_len || f->type == FT_DEFAULT || f->type == FT_STR ||
				   f->type == FT_BYTES || f->type == FT_MSGPACK ||
				   f->type == FT_AUTO,
			   "a length on type %s", fetch_type_name(f->type));
		FUZZ_CHECK(f->pos >= 0 && (size_t)f->pos < strlen(text), "fetch position %d",
			   f->pos);
	}
}

/* The canonical text of a parsed probe (malloc'ed). */
static char *fuzz_spec_write(const struct probe_def *d)
{
	const struct fetch *f;
	char *s = NULL;
	size_t n = 0;
	FILE *m;
	int i;

	m = open_memstream(&s, &n);
	FUZZ_CHECK(m, "open_memstream failed");
	if (d->obj)
		fprintf(m, "%s:", d->obj);
	fputs(d->func, m);
	if (d->ret)
		fputs("%return", m);
	if (d->has_list)
		fputc('(', m);
	for (i = 0; i < d->nfetches; i++) {
		f = &d->fetches[i];
		fprintf(m, "%s%s", i ? ", " : "", f->text);
		if (f->type != FT_DEFAULT)
			fprintf(m, ":%s", fetch_type_name(f->type));
		if (f->len_expr)
			fprintf(m, "[%s]", f->len_expr);
		else if (f->has_len)
			fprintf(m, "[%llu]", (unsigned long long)f->len_num);
	}
	if (d->has_list)
		fputc(')', m);
	fclose(m);
	return s;
}

static void fuzz_spec_same(const struct probe_def *a, const struct probe_def *b,
			   const char *text)
{
	const struct fetch *x, *y;
	int i, j;

	FUZZ_CHECK(fuzz_spec_streq(a->obj, b->obj) && fuzz_spec_streq(a->func, b->func) &&
			   a->ret == b->ret && a->has_list == b->has_list &&
			   a->nfetches == b->nfetches,
		   "'%s' does not round-trip as '%s'", a->text, text);
	for (i = 0; i < a->nfetches; i++) {
		x = &a->fetches[i];
		y = &b->fetches[i];
		FUZZ_CHECK(!strcmp(x->text, y->text) && !strcmp(x->base, y->base) &&
				   x->nmembers == y->nmembers && x->type == y->type &&
				   x->has_len == y->has_len && x->len_num == y->len_num &&
				   fuzz_spec_streq(x->len_expr, y->len_expr),
			   "fetch %d of '%s' does not round-trip as '%s'", i, a->text, text);
		for (j = 0; j < x->nmembers; j++)
			FUZZ_CHECK(fuzz_spec_streq(x->members[j], y->members[j]) &&
					   (x->members[j] ? x->arrow[j] == y->arrow[j]
							  : x->index[j] == y->index[j]),
				   "step %d of fetch %d of '%s' does not round-trip", j, i,
				   a->text);
	}
}

int fuzz_spec_one(const uint8_t *data, size_t size)
{
	struct probe_def def, again;
	FILE *errf = fuzz_spec_errf();
	char *text, *canon;
	long printed;
	int err;

	text = strndup((const char *)data, size);
	FUZZ_CHECK(text, "out of memory");
	rewind(errf);

	err = probe_def__parse(text, &def);
	fflush(errf);
	printed = ftell(errf);
	if (err) {
		static const struct probe_def zero;

		FUZZ_CHECK(err == -EINVAL, "probe_def__parse('%s') = %d", text, err);
		FUZZ_CHECK(!memcmp(&def, &zero, sizeof(def)), "a failed parse left *out set");
		FUZZ_CHECK(printed > 0, "'%s' rejected without a message", text);
		free(text);
		return 0;
	}
	FUZZ_CHECK(printed == 0, "'%s' parsed, but a message was printed", text);
	fuzz_spec_check_def(&def, text);

	canon = fuzz_spec_write(&def);
	err = probe_def__parse(canon, &again);
	FUZZ_CHECK(!err, "'%s' parsed, its canonical form '%s' did not", text, canon);
	fuzz_spec_same(&def, &again, canon);

	probe_def__free(&again);
	probe_def__free(&def);
	free(canon);
	free(text);
	return 0;
}

#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_spec_one(data, size);
}
#endif
