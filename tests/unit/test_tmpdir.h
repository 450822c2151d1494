/* Temporary directories for unit tests, shared by the test programs. */
#ifndef BENCHFS_TESTS_UNIT_TEST_TMPDIR_H
#define BENCHFS_TESTS_UNIT_TEST_TMPDIR_H

#include <stddef.h>

/* Makes a fresh directory benchfs-test-<name>-XXXXXX under $TMPDIR (else
 * /tmp) and writes its path into dir. 0, or -1 when it cannot. */
int test_tmpdir_make(char *dir, size_t size, const char *name);

/* Removes dir and the files directly in it (the tests make no subdirectories). */
void test_tmpdir_remove(const char *dir);

#endif
