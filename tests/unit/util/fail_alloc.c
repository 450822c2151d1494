/* realloc() and malloc() that fail on demand (fail_alloc.h). */
#include "fail_alloc.h"

#include <errno.h>
#include <stdbool.h>

void *__real_realloc(void *ptr, size_t size);
void *__wrap_realloc(void *ptr, size_t size);
void *__real_malloc(size_t size);
void *__wrap_malloc(size_t size);

size_t fail_alloc_calls, fail_alloc_last_size;
static bool armed;
static unsigned left;

void fail_alloc_arm(unsigned skip)
{
	armed = true;
	left = skip;
}

void fail_alloc_disarm(void)
{
	armed = false;
}

int fail_alloc_teardown(void **state)
{
	(void)state;
	fail_alloc_disarm();
	return 0;
}

void fail_alloc_count_reset(void)
{
	fail_alloc_calls = 0;
	fail_alloc_last_size = 0;
}

static bool fails(size_t size)
{
	fail_alloc_calls++;
	fail_alloc_last_size = size;
	if (!armed)
		return false;
	if (left == 0) {
		errno = ENOMEM;
		return true;
	}
	left--;
	return false;
}

void *__wrap_realloc(void *ptr, size_t size)
{
	return fails(size) ? NULL : __real_realloc(ptr, size);
}

/* The compiler turns realloc(NULL, n) into malloc(n) where it sees the NULL. */
void *__wrap_malloc(size_t size)
{
	return fails(size) ? NULL : __real_malloc(size);
}
