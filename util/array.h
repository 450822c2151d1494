/*
 * Growable arrays: git's ALLOC_GROW, but failure is a value, never an abort.
 *
 * An array is three variables: a pointer to its elements (NULL at first), a
 * size_t count of elements in use and a size_t count of elements allocated
 * (both 0 at first). Before storing element n, make room for n + 1:
 *
 *	struct tag *tags = NULL;
 *	size_t ntags = 0, alloc = 0;
 *	int rc;
 *
 *	if ((rc = ALLOC_GROW(tags, ntags + 1, alloc)))
 *		return rc;                      (-ENOMEM or -EOVERFLOW)
 *	tags[ntags++] = tag;
 *	...
 *	free(tags);
 *
 * ALLOC_GROW(x, nr, alloc) makes x hold at least nr elements: 0, or a
 * negative errno with x and alloc unchanged (the elements already there stay
 * valid and the caller still frees x):
 *  -EOVERFLOW  nr elements would not fit in one object (over PTRDIFF_MAX
 *              bytes): a count from input too large, refused before any
 *              allocation;
 *  -ENOMEM     realloc() failed.
 * It grows by half as much again plus 16, so n appends cost O(n) copies.
 * The caller updates its count; ALLOC_GROW never touches it.
 *
 * ALLOC_GROW_BY(x, nr, increase, alloc) grows x by increase elements, zeroes
 * them and adds increase to nr (a size_t lvalue): 0 or as above, nr
 * unchanged on failure. For "append one blank element and fill it in".
 *
 * REALLOC_ARRAY(x, n) makes x exactly n elements (n == 0 frees it and sets
 * it to NULL): 0, -EOVERFLOW or -ENOMEM, x unchanged on failure. For arrays
 * whose size is known, not grown one by one.
 *
 * Rules:
 *  - x must be a pointer variable (not an array); alloc and nr for
 *    ALLOC_GROW_BY must be size_t lvalues (a wrong type fails to compile).
 *  - No argument may have side effects: they are evaluated more than once.
 *  - Parallel arrays (two arrays indexed alike) each keep their own alloc: a
 *    shared one would be updated by the first ALLOC_GROW, and the second
 *    would then see no need to grow.
 *  - The memory comes from realloc(): free() it.
 */
#ifndef BENCHFS_UTIL_ARRAY_H
#define BENCHFS_UTIL_ARRAY_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The largest element count of size-byte elements one object may hold. */
static inline size_t array_max_(size_t size)
{
	return (size_t)PTRDIFF_MAX / (size ? size : 1);
}

/*
 * The pointer at slot (the address of the caller's T *x) is read and written
 * with memcpy: the caller's variable is a T *, not a void *, and memcpy is
 * the way to reach it without breaking the aliasing rules.
 */
static inline int array_resize_(void *slot, size_t n, size_t size)
{
	void *old, *grown;

	memcpy(&old, slot, sizeof(old));
	if (n == 0) {
		free(old);
		grown = NULL;
		memcpy(slot, &grown, sizeof(grown));
		return 0;
	}
	if (n > array_max_(size))
		return -EOVERFLOW;
	if (!(grown = realloc(old, n * size)))
		return -ENOMEM;
	memcpy(slot, &grown, sizeof(grown));
	return 0;
}

static inline int array_grow_(void *slot, size_t *alloc, size_t nr, size_t size)
{
	size_t max = array_max_(size), want;
	int rc;

	if (nr <= *alloc)
		return 0;
	if (nr > max)
		return -EOVERFLOW;
	/* Half as much again, plus 16 so small arrays skip the first steps. */
	if (*alloc >= max || *alloc / 2 + 16 > max - *alloc)
		want = max;
	else
		want = *alloc + *alloc / 2 + 16;
	if (want < nr)
		want = nr;
	if ((rc = array_resize_(slot, want, size)))
		return rc;
	*alloc = want;
	return 0;
}

static inline int array_grow_by_(void *slot, size_t *nr, size_t increase, size_t *alloc,
				 size_t size)
{
	size_t max = array_max_(size);
	char *elems;
	int rc;

	/* Checked here too, not only by array_grow_: the memset's bound below
	 * is then visibly within one object. */
	if (increase > max || *nr > max - increase)
		return -EOVERFLOW;
	if ((rc = array_grow_(slot, alloc, *nr + increase, size)))
		return rc;
	memcpy(&elems, slot, sizeof(elems));
	if (increase)
		memset(elems + *nr * size, 0, increase * size);
	*nr += increase;
	return 0;
}

/* Compile-time check that x is a pointer variable (an array would pass its
 * address, of another size, and the memcpy above would be wrong). */
#define ARRAY_IS_POINTER_(x) ((void)sizeof(char[sizeof(x) == sizeof(void *) ? 1 : -1]))

#define ALLOC_GROW(x, nr, alloc) \
	(ARRAY_IS_POINTER_(x), array_grow_(&(x), &(alloc), (nr), sizeof(*(x))))

#define ALLOC_GROW_BY(x, nr, increase, alloc) \
	(ARRAY_IS_POINTER_(x), array_grow_by_(&(x), &(nr), (increase), &(alloc), sizeof(*(x))))

#define REALLOC_ARRAY(x, n) (ARRAY_IS_POINTER_(x), array_resize_(&(x), (n), sizeof(*(x))))

#endif
