/* compare/<a>..<b>.md and .json: two sides, benchmark by benchmark, with the
 * statistics of stats/ behind every verdict. */
#ifndef BENCHFS_FS_COMPARE_H
#define BENCHFS_FS_COMPARE_H

#include "sides.h"
#include "views.h"

enum compare_format { COMPARE_MD, COMPARE_JSON };

/* Split "<a>..<b>.md" / "<a>..<b>.json" into its sides and format. 0, or
 * -ENOENT when the name is not of that shape. a and b are malloc'd. */
int compare_parse_name(char **a, char **b, enum compare_format *format, const char *name);

/* Render the comparison of two resolved names (as written: a_rev, b_rev).
 * -ENOENT when a side has no finished run; *text is malloc'd. */
int compare_render(char **text, const struct view_ctx *ctx, const char *a_rev,
		   const struct side_ref *a, const char *b_rev, const struct side_ref *b,
		   enum compare_format format);

#endif
