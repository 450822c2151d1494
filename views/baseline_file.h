/* The text of baselines/<name>: what a pin means now. No FUSE: the file
 * system serves it, and a command line can print the same. */
#ifndef BENCHFS_VIEWS_BASELINE_FILE_H
#define BENCHFS_VIEWS_BASELINE_FILE_H

#include "views/context.h"

/* "<commit> <run>\n": the pinned commit and the directory name of its newest
 * done run ("-" when it has none). 0 with *text malloc'd, -ENOENT when no
 * baseline has that name, or another negative errno. */
int baseline_file_render(char **text, const struct view_ctx *ctx, const char *name);

#endif
