/* Failing allocations on purpose, for tests linked with -Wl,--wrap=realloc
 * and -Wl,--wrap=malloc: every realloc() and malloc() of the executable's own
 * objects, util's library included, goes through the wrappers. */
#ifndef BENCHFS_TEST_FAIL_ALLOC_H
#define BENCHFS_TEST_FAIL_ALLOC_H

#include <stddef.h>

/* Let the next skip calls succeed, then fail every call until disarmed. */
void fail_alloc_arm(unsigned skip);
void fail_alloc_disarm(void);

/* A cmocka teardown that disarms: a test failing while armed would
 * otherwise fail every test after it. */
int fail_alloc_teardown(void **state);

/* Calls (of either) since the last fail_alloc_count_reset(), and the size last asked. */
extern size_t fail_alloc_calls, fail_alloc_last_size;
void fail_alloc_count_reset(void);

#endif
