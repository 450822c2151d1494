/* Outlier detection. Outliers are reported, never removed. */
#ifndef BENCHFS_STATS_OUTLIERS_H
#define BENCHFS_STATS_OUTLIERS_H

#include <stddef.h>

/* hyperfine's threshold on the modified z-score: 10 * 1.4826 */
#define STATS_MODIFIED_Z_THRESHOLD 14.826

/* Modified z-score on the MAD: |x_i - median| / (1.4826 * MAD) above threshold.
 * Writes the count to *count and, when indices is not NULL, the indices (ascending)
 * of the outliers into indices, which must hold n entries. scratch holds n doubles.
 * When MAD is 0, no point is an outlier. */
int stats_outliers_mad(size_t *count, size_t *indices, const double *x, size_t n,
		       double threshold, double *scratch);

/* Tukey fences: values outside [Q1 - k*IQR, Q3 + k*IQR], k usually 1.5 or 3. */
int stats_outliers_tukey(size_t *count, size_t *indices, const double *x, size_t n,
			 double k, double *scratch);

#endif
