/* util/array.h: growth, overflow refused before allocating, failure kept
 * harmless. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fail_alloc.h"
#include "util/array.h"

struct item {
	int key;
	double value;
};

static void test_grow_from_empty(void **state)
{
	struct item *items = NULL;
	size_t n = 0, alloc = 0, reallocs;
	(void)state;
	fail_alloc_count_reset();
	for (int i = 0; i < 100000; i++) {
		assert_int_equal(ALLOC_GROW(items, n + 1, alloc), 0);
		assert_true(alloc >= n + 1);
		items[n++] = (struct item){.key = i, .value = i * 0.5};
	}
	reallocs = fail_alloc_calls;
	/* Geometric growth: a few dozen reallocations, not one per element. */
	assert_true(reallocs < 40);
	for (int i = 0; i < 100000; i++) {
		assert_int_equal(items[i].key, i);
		assert_true(items[i].value == i * 0.5);
	}
	free(items);
}

static void test_no_allocation_when_room(void **state)
{
	int *v = NULL;
	size_t alloc = 0;
	int *before;
	(void)state;
	assert_int_equal(ALLOC_GROW(v, 10, alloc), 0);
	before = v;
	fail_alloc_count_reset();
	for (size_t nr = 0; nr <= alloc; nr++)
		assert_int_equal(ALLOC_GROW(v, nr, alloc), 0);
	assert_int_equal(fail_alloc_calls, 0);
	assert_ptr_equal(v, before);
	/* A jump past the growth step gets exactly what was asked. */
	assert_int_equal(ALLOC_GROW(v, 1000, alloc), 0);
	assert_int_equal(alloc, 1000);
	free(v);
}

struct big {
	char bytes[1 << 20];
};

static void test_overflow_refused(void **state)
{
	struct big *b = NULL;
	int *v = NULL;
	size_t alloc = 0;
	int negative = -1;
	(void)state;
	fail_alloc_count_reset();
	assert_int_equal(ALLOC_GROW(b, SIZE_MAX / 2, alloc), -EOVERFLOW);
	assert_int_equal(ALLOC_GROW(b, (size_t)PTRDIFF_MAX / sizeof(*b) + 1, alloc), -EOVERFLOW);
	assert_int_equal(ALLOC_GROW(v, (size_t)PTRDIFF_MAX / sizeof(int) + 1, alloc), -EOVERFLOW);
	/* A negative count from input, converted, is as far out of range. */
	assert_int_equal(ALLOC_GROW(v, negative, alloc), -EOVERFLOW);
	assert_int_equal(fail_alloc_calls, 0);
	assert_null(b);
	assert_null(v);
	assert_int_equal(alloc, 0);
}

/* Near the limit the step is cut to the limit, never past it. */
static void test_growth_capped(void **state)
{
	struct big *b = NULL;
	size_t max = (size_t)PTRDIFF_MAX / sizeof(*b), alloc = max - 1;
	(void)state;
	/* b is NULL with a pretended allocation: the request is failed before
	 * anything is allocated, only its size is looked at. */
	fail_alloc_arm(0);
	fail_alloc_count_reset();
	assert_int_equal(ALLOC_GROW(b, max, alloc), -ENOMEM);
	fail_alloc_disarm();
	assert_int_equal(fail_alloc_calls, 1);
	assert_int_equal(fail_alloc_last_size, max * sizeof(*b));
	assert_true(fail_alloc_last_size <= (size_t)PTRDIFF_MAX);
	assert_int_equal(alloc, max - 1);
	assert_null(b);
}

static void test_failure_keeps_array(void **state)
{
	int *v = NULL, *before;
	size_t n = 0, alloc = 0, alloc_before;
	(void)state;
	while (n < 50) {
		assert_int_equal(ALLOC_GROW(v, n + 1, alloc), 0);
		v[n] = (int)n;
		n++;
	}
	before = v;
	alloc_before = alloc;
	fail_alloc_arm(0);
	assert_int_equal(ALLOC_GROW(v, alloc + 1, alloc), -ENOMEM);
	fail_alloc_disarm();
	assert_ptr_equal(v, before);
	assert_int_equal(alloc, alloc_before);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(v[i], (int)i);
	/* and it grows again once memory is back */
	assert_int_equal(ALLOC_GROW(v, alloc + 1, alloc), 0);
	assert_true(alloc > alloc_before);
	free(v);
}

static void test_grow_by_zeroes(void **state)
{
	struct item *items = NULL;
	size_t n = 0, alloc = 0;
	(void)state;
	assert_int_equal(ALLOC_GROW_BY(items, n, 1, alloc), 0);
	assert_int_equal(n, 1);
	items[0].key = 5;
	assert_int_equal(ALLOC_GROW_BY(items, n, 40, alloc), 0);
	assert_int_equal(n, 41);
	assert_int_equal(items[0].key, 5);
	for (size_t i = 1; i < n; i++) {
		assert_int_equal(items[i].key, 0);
		assert_true(items[i].value == 0.0);
	}
	assert_int_equal(ALLOC_GROW_BY(items, n, 0, alloc), 0);
	assert_int_equal(n, 41);
	assert_int_equal(ALLOC_GROW_BY(items, n, SIZE_MAX, alloc), -EOVERFLOW);
	assert_int_equal(n, 41);
	fail_alloc_arm(0);
	assert_int_equal(ALLOC_GROW_BY(items, n, alloc, alloc), -ENOMEM);
	fail_alloc_disarm();
	assert_int_equal(n, 41);
	free(items);
}

static void test_realloc_array(void **state)
{
	double *a = NULL;
	(void)state;
	assert_int_equal(REALLOC_ARRAY(a, 8), 0);
	for (int i = 0; i < 8; i++)
		a[i] = i;
	assert_int_equal(REALLOC_ARRAY(a, 3), 0);
	assert_true(a[2] == 2.0);
	assert_int_equal(REALLOC_ARRAY(a, SIZE_MAX), -EOVERFLOW);
	assert_true(a[2] == 2.0);
	fail_alloc_arm(0);
	assert_int_equal(REALLOC_ARRAY(a, 100), -ENOMEM);
	fail_alloc_disarm();
	assert_true(a[1] == 1.0);
	assert_int_equal(REALLOC_ARRAY(a, 0), 0);
	assert_null(a);
}

/* Parallel arrays, each with its own alloc, as array.h asks. */
static void test_parallel_arrays(void **state)
{
	size_t *points = NULL;
	double *values = NULL;
	size_t n = 0, points_alloc = 0, values_alloc = 0;
	(void)state;
	for (size_t i = 0; i < 1000; i++) {
		assert_int_equal(ALLOC_GROW(points, n + 1, points_alloc), 0);
		assert_int_equal(ALLOC_GROW(values, n + 1, values_alloc), 0);
		points[n] = i;
		values[n++] = (double)i;
	}
	assert_true(points[999] == 999 && values[999] == 999.0);
	free(points);
	free(values);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_grow_from_empty, fail_alloc_teardown),
		cmocka_unit_test_teardown(test_no_allocation_when_room, fail_alloc_teardown),
		cmocka_unit_test_teardown(test_overflow_refused, fail_alloc_teardown),
		cmocka_unit_test_teardown(test_growth_capped, fail_alloc_teardown),
		cmocka_unit_test_teardown(test_failure_keeps_array, fail_alloc_teardown),
		cmocka_unit_test_teardown(test_grow_by_zeroes, fail_alloc_teardown),
		cmocka_unit_test_teardown(test_realloc_array, fail_alloc_teardown),
		cmocka_unit_test_teardown(test_parallel_arrays, fail_alloc_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
