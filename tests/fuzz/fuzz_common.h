/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * fuzz_common.h - what every fuzz target shares: the failure hook and a JSON validator.
 *
 * Each fuzz_*.c has one entry point, fuzz_<target>_one(data, size), and a libFuzzer
 * LLVMFuzzerTestOneInput() that calls it unless FUZZ_NO_MAIN is defined.  The same entry
 * points run under cmocka in tests/unit/test_fuzz_regress.c, which #includes the fuzz_*.c
 * files: there FUZZ_FAIL is cmocka's fail_msg(), here it prints and aborts so libFuzzer
 * saves the input as a crash.
 *
 * The validator is our own, deliberately independent of loader/json.c: RFC 8259 JSON, with
 * strings that must be valid UTF-8 and must not carry a raw U+2028/U+2029 (json.h promises
 * they are escaped).  It returns the offset of the first bad byte so a failure says where.
 */
#ifndef UPTRACE_FUZZ_COMMON_H
#define UPTRACE_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef FUZZ_FAIL
#define FUZZ_FAIL(...)                                        \
	do {                                                  \
		fprintf(stderr, "fuzz invariant: " __VA_ARGS__); \
		fputc('\n', stderr);                          \
		abort();                                      \
	} while (0)
#endif

#define FUZZ_CHECK(cond, ...)             \
	do {                              \
		if (!(cond))              \
			FUZZ_FAIL(__VA_ARGS__); \
	} while (0)

/* Deeper than anything uptrace writes: msgpack nests at most 64, events add a few. */
#define JV_MAX_DEPTH 256

struct jv {
	const uint8_t *p, *start, *end;
	int depth;
	const char *why; /* the first error, or NULL */
};

static inline bool jv_err(struct jv *v, const char *why)
{
	if (!v->why)
		v->why = why;
	return false;
}

static inline void jv_ws(struct jv *v)
{
	while (v->p < v->end && (*v->p == ' ' || *v->p == '\t' || *v->p == '\n' || *v->p == '\r'))
		v->p++;
}

static inline bool jv_lit(struct jv *v, const char *lit)
{
	const char *l = lit;

	while (*l) {
		if (v->p >= v->end || *v->p != (uint8_t)*l)
			return jv_err(v, "bad literal");
		v->p++, l++;
	}
	return true;
}

static inline bool jv_digits(struct jv *v)
{
	const uint8_t *s = v->p;

	while (v->p < v->end && *v->p >= '0' && *v->p <= '9')
		v->p++;
	return v->p > s || jv_err(v, "expected a digit");
}

static inline bool jv_number(struct jv *v)
{
	if (v->p < v->end && *v->p == '-')
		v->p++;
	if (v->p < v->end && *v->p == '0')
		v->p++;
	else if (v->p >= v->end || *v->p < '1' || *v->p > '9')
		return jv_err(v, "bad number");
	else
		jv_digits(v);
	if (v->p < v->end && *v->p == '.') {
		v->p++;
		if (!jv_digits(v))
			return false;
	}
	if (v->p < v->end && (*v->p == 'e' || *v->p == 'E')) {
		v->p++;
		if (v->p < v->end && (*v->p == '+' || *v->p == '-'))
			v->p++;
		if (!jv_digits(v))
			return false;
	}
	return true;
}

static inline bool jv_hex(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* One UTF-8 sequence of a string (RFC 3629: no overlongs, surrogates, > U+10FFFF). */
static inline bool jv_utf8(struct jv *v)
{
	const uint8_t *p = v->p;
	size_t left = (size_t)(v->end - p), n, i;
	uint32_t cp;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return jv_err(v, "byte that starts no UTF-8 sequence");
	if (left < n)
		return jv_err(v, "UTF-8 sequence cut by the end");
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return jv_err(v, "bad UTF-8 continuation byte");
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff)
		return jv_err(v, "overlong or too large UTF-8 sequence");
	if (cp >= 0xd800 && cp <= 0xdfff)
		return jv_err(v, "UTF-8 surrogate");
	if (cp == 0x2028 || cp == 0x2029)
		return jv_err(v, "raw U+2028/U+2029 (json.h escapes them)");
	v->p += n;
	return true;
}

static inline bool jv_string(struct jv *v)
{
	int i;

	v->p++; /* '"' */
	for (;;) {
		if (v->p >= v->end)
			return jv_err(v, "unterminated string");
		if (*v->p == '"') {
			v->p++;
			return true;
		}
		if (*v->p < 0x20)
			return jv_err(v, "control character in a string");
		if (*v->p >= 0x80) {
			if (!jv_utf8(v))
				return false;
			continue;
		}
		if (*v->p++ != '\\')
			continue;
		if (v->p >= v->end)
			return jv_err(v, "escape cut by the end");
		switch (*v->p++) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			break;
		case 'u':
			for (i = 0; i < 4; i++, v->p++)
				if (v->p >= v->end || !jv_hex(*v->p))
					return jv_err(v, "bad \\u escape");
			break;
		default:
			return jv_err(v, "bad escape");
		}
	}
}

static inline bool jv_value(struct jv *v);

/* An array or an object: close is ']' or '}'. */
static inline bool jv_container(struct jv *v, uint8_t close)
{
	if (++v->depth > JV_MAX_DEPTH)
		return jv_err(v, "nested too deep");
	v->p++;
	jv_ws(v);
	if (v->p < v->end && *v->p == close) {
		v->p++;
		v->depth--;
		return true;
	}
	for (;;) {
		if (close == '}') {
			jv_ws(v);
			if (v->p >= v->end || *v->p != '"')
				return jv_err(v, "expected a key string");
			if (!jv_string(v))
				return false;
			jv_ws(v);
			if (v->p >= v->end || *v->p++ != ':')
				return jv_err(v, "expected ':'");
		}
		if (!jv_value(v))
			return false;
		jv_ws(v);
		if (v->p >= v->end)
			return jv_err(v, "unterminated array or object");
		if (*v->p == close)
			break;
		if (*v->p++ != ',')
			return jv_err(v, "expected ',' or the end of the container");
	}
	v->p++;
	v->depth--;
	return true;
}

static inline bool jv_value(struct jv *v)
{
	jv_ws(v);
	if (v->p >= v->end)
		return jv_err(v, "expected a value");
	switch (*v->p) {
	case '{':
		return jv_container(v, '}');
	case '[':
		return jv_container(v, ']');
	case '"':
		return jv_string(v);
	case 't':
		return jv_lit(v, "true");
	case 'f':
		return jv_lit(v, "false");
	case 'n':
		return jv_lit(v, "null");
	default:
		return jv_number(v);
	}
}

/*
 * Is [s, s + n) exactly one JSON value (whitespace around allowed)?  On failure *why says
 * what and *at where.
 */
static inline bool json_one_value(const void *s, size_t n, const char **why, size_t *at)
{
	struct jv v = { .p = s, .start = s, .end = (const uint8_t *)s + n };
	bool ok;

	if (!n)
		v.p = v.start = v.end = (const uint8_t *)"";
	ok = jv_value(&v);
	if (ok) {
		jv_ws(&v);
		if (v.p != v.end)
			ok = jv_err(&v, "text after the value");
	}
	*why = v.why;
	*at = (size_t)(v.p - v.start);
	return ok;
}

/* The same, as an invariant: report the text around the bad byte. */
#define FUZZ_CHECK_JSON(buf, n, what)                                                     \
	do {                                                                              \
		const char *why_;                                                         \
		size_t at_;                                                               \
		if (!json_one_value((buf), (n), &why_, &at_))                             \
			FUZZ_FAIL("%s: invalid JSON at byte %zu of %zu (%s): ...%.*s", (what), \
				  at_, (size_t)(n), why_, (int)((n) - at_ < 40 ? (n) - at_ : 40), \
				  (const char *)(buf) + at_);                             \
	} while (0)

#endif /* UPTRACE_FUZZ_COMMON_H */
