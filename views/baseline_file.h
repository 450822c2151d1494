/* The text of baselines/<name> (what a pin means now, and how it was made)
 * and of its history. No FUSE: the file system serves them, and a command
 * line can print the same. */
#ifndef BENCHFS_VIEWS_BASELINE_FILE_H
#define BENCHFS_VIEWS_BASELINE_FILE_H

#include "views/context.h"

/* "<commit> <run>\n": the pinned commit and the directory name of its newest
 * done run ("-" when it has none); then the pin's provenance, one
 * "key: value" line each: revision (as written), pinned (UTC), uid, host,
 * run (the run it referred to when pinned: "-" none yet), cc and libc (that
 * run's toolchain: "-" without a run). What a pin made before provenance was
 * recorded did not record is "unknown". 0 with *text malloc'd, -ENOENT when
 * no baseline has that name, or another negative errno. */
int baseline_file_render(char **text, const struct view_ctx *ctx, const char *name);

/* Every pin and unpin of name, newest first, one line each of nine
 * tab-separated fields: time (UTC), pin or unpin, commit (what an unpin
 * removed), revision, run, uid, host, cc, libc, with "-" and "unknown" as
 * baseline_file_render has them (an unpin has "-" for revision, run, cc and
 * libc). 0 with *text malloc'd, -ENOENT when name was never pinned, or
 * another negative errno. */
int baseline_history_render(char **text, const struct view_ctx *ctx, const char *name);

#endif
