// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_fuzz_regress.c - every committed fuzz input, replayed in the unit tests.
 *
 * The fuzz targets of tests/fuzz/ are #included here with FUZZ_NO_MAIN, so the very same
 * entry points and invariants run without libFuzzer, in the plain and the ASan+UBSan builds
 * of `make unit`.  Each target replays its seed corpus (tests/fuzz/corpus/T, which must exist
 * and not be empty: it says the test runs from the repository root) and its reproducers of
 * fixed bugs (tests/fuzz/crashes/T, optional).  Each input is read into a heap block of
 * exactly its size, as libFuzzer passes it, so ASan sees any read past the end.  A failed
 * invariant fails the test naming the input file.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

static const char *fuzz_input = "?"; /* the file being replayed, for failure messages */

#define FUZZ_FAIL(...)                                    \
	do {                                              \
		print_error("%s: ", fuzz_input);          \
		fail_msg(__VA_ARGS__);                    \
	} while (0)
#define FUZZ_NO_MAIN

#include "../fuzz/fuzz_mpjson.c"
#include "../fuzz/fuzz_record.c"
#include "../fuzz/fuzz_spec.c"
#include "../fuzz/fuzz_elf.c"

#define FUZZ_ROOT "tests/fuzz"

typedef int (*fuzz_one_fn)(const uint8_t *data, size_t size);

/* The whole file in a heap block of exactly its size (at least one byte is allocated). */
static uint8_t *read_input(const char *path, size_t *size)
{
	struct stat st;
	uint8_t *buf;
	FILE *f;

	f = fopen(path, "rb");
	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st))
		fail_msg("%s: %s", path, strerror(errno));
	*size = (size_t)st.st_size;
	buf = malloc(*size ? *size : 1);
	assert_non_null(buf);
	if (fread(buf, 1, *size, f) != *size)
		fail_msg("%s: short read", path);
	fclose(f);
	return buf;
}

static int is_input(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Replay every file of DIR through one; returns how many there were (-1: no such dir). */
static int replay_dir(const char *dir, fuzz_one_fn one)
{
	struct dirent **names;
	char path[4096];
	uint8_t *data;
	size_t size;
	int i, n;

	n = scandir(dir, &names, is_input, alphasort);
	if (n < 0) {
		if (errno == ENOENT)
			return -1;
		fail_msg("%s: %s", dir, strerror(errno));
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		fuzz_input = path;
		data = read_input(path, &size);
		one(data, size);
		free(data);
		free(names[i]);
	}
	free(names);
	fuzz_input = "?";
	return n;
}

static void replay(const char *target, fuzz_one_fn one)
{
	char dir[256];
	int n;

	snprintf(dir, sizeof(dir), FUZZ_ROOT "/corpus/%s", target);
	n = replay_dir(dir, one);
	if (n <= 0)
		fail_msg("%s: no seed corpus (run the tests from the repository root)", dir);
	snprintf(dir, sizeof(dir), FUZZ_ROOT "/crashes/%s", target);
	replay_dir(dir, one);
}

static void test_mpjson(void **state)
{
	replay("mpjson", fuzz_mpjson_one);
}

static void test_record(void **state)
{
	replay("record", fuzz_record_one);
}

static void test_spec(void **state)
{
	replay("spec", fuzz_spec_one);
}

static void test_elf(void **state)
{
	replay("elf", fuzz_elf_one);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mpjson),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_spec),
		cmocka_unit_test(test_elf),
	};

	return cmocka_run_group_tests_name("fuzz regressions", tests, NULL, NULL);
}
