/* compare/<rev>/<param>=<x>..<param>=<y>.md and .json: two values of one
 * parameter set against each other over the runs of one revision, workload
 * by workload (the benchmark's name without that parameter), with compare's
 * statistics and verdicts, a winner per workload and wins per category. */
#ifndef BENCHFS_VIEWS_COMPARE_VARIANTS_H
#define BENCHFS_VIEWS_COMPARE_VARIANTS_H

#include "views/compare.h"
#include "views/context.h"
#include "views/sides.h"

/* Split "<param>=<x>..<param>=<y>.md" (or .json): both sides name the same
 * parameter, x and y are not empty and differ. 0, -ENOENT when the name is
 * not of that shape, -ENOMEM. param, x and y are malloc'd. */
int compare_variants_parse_name(char **param, char **x, char **y, enum compare_format *format,
				const char *name);

/* Render the variants x and y of param over the runs compare would use for
 * rev (resolved as ref) as one side. -ENOENT when the revision has no
 * finished run or no benchmark has param=x or param=y. *text is malloc'd. */
int compare_variants_render(char **text, const struct view_ctx *ctx, const char *rev,
			    const struct side_ref *ref, const char *param, const char *x,
			    const char *y, enum compare_format format);

/* A workload's category when its benchmark declares no "category" (the
 * configuration of the revision's newest run says): the name's prefix
 * before its first '/', '-' or '_' (the whole name without parameters when
 * it has none of them).
 * Written to out (size bytes, truncated). */
void compare_variants_category(char *out, size_t size, const char *workload);

#endif
