/* In-place introsort (quicksort, heapsort fallback, insertion sort for short
 * runs) as a macro, so that stats/ never calls qsort, which may allocate.
 * DEFINE_STATS_SORT(name, type, less) defines static void name(type *a, size_t n)
 * sorting ascending by the strict order less(x, y). Internal header. */
#ifndef BENCHFS_STATS_INTERNAL_SORT_H
#define BENCHFS_STATS_INTERNAL_SORT_H

#include <stddef.h>

#define DEFINE_STATS_SORT(name, type, less)                                             \
	static void name##_sift(type *a, size_t start, size_t n)                            \
	{                                                                                   \
		size_t root = start;                                                        \
		while (2 * root + 1 < n) {                                                  \
			size_t child = 2 * root + 1;                                        \
			if (child + 1 < n && less(a[child], a[child + 1]))                  \
				child++;                                                    \
			if (!less(a[root], a[child]))                                       \
				return;                                                     \
			type t_ = a[root];                                                  \
			a[root] = a[child];                                                 \
			a[child] = t_;                                                      \
			root = child;                                                       \
		}                                                                           \
	}                                                                                   \
	static void name##_heap(type *a, size_t n)                                          \
	{                                                                                   \
		for (size_t i = n / 2; i-- > 0;)                                            \
			name##_sift(a, i, n);                                               \
		for (size_t end = n; end-- > 1;) {                                          \
			type t_ = a[0];                                                     \
			a[0] = a[end];                                                      \
			a[end] = t_;                                                        \
			name##_sift(a, 0, end);                                             \
		}                                                                           \
	}                                                                                   \
	static void name(type *a, size_t n)                                                 \
	{                                                                                   \
		int depth = 0;                                                              \
		for (size_t m = n; m > 1; m >>= 1)                                          \
			depth += 2;                                                         \
		while (n > 16) {                                                            \
			if (depth-- == 0) {                                                 \
				name##_heap(a, n);                                          \
				return;                                                     \
			}                                                                   \
			size_t mid = n / 2;                                                 \
			type t_;                                                            \
			if (less(a[mid], a[0])) {                                           \
				t_ = a[mid]; a[mid] = a[0]; a[0] = t_;                      \
			}                                                                   \
			if (less(a[n - 1], a[0])) {                                         \
				t_ = a[n - 1]; a[n - 1] = a[0]; a[0] = t_;                  \
			}                                                                   \
			if (less(a[n - 1], a[mid])) {                                       \
				t_ = a[n - 1]; a[n - 1] = a[mid]; a[mid] = t_;              \
			}                                                                   \
			type pivot = a[mid];                                                \
			size_t i = 0, j = n - 1;                                            \
			for (;;) {                                                          \
				while (less(a[i], pivot))                                   \
					i++;                                                \
				while (less(pivot, a[j]))                                   \
					j--;                                                \
				if (i >= j)                                                 \
					break;                                              \
				t_ = a[i]; a[i] = a[j]; a[j] = t_;                          \
				i++;                                                        \
				j--;                                                        \
			}                                                                   \
			/* a[0..j] <= pivot <= a[j+1..n): recurse on the smaller side */   \
			size_t left = j + 1;                                                \
			if (left < n - left) {                                              \
				name(a, left);                                              \
				a += left;                                                  \
				n -= left;                                                  \
			} else {                                                            \
				name(a + left, n - left);                                   \
				n = left;                                                   \
			}                                                                   \
		}                                                                           \
		for (size_t i = 1; i < n; i++) {                                            \
			type v_ = a[i];                                                     \
			size_t k = i;                                                       \
			while (k > 0 && less(v_, a[k - 1])) {                               \
				a[k] = a[k - 1];                                            \
				k--;                                                        \
			}                                                                   \
			a[k] = v_;                                                          \
		}                                                                           \
	}

#endif
