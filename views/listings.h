/* The names of the computed directories' entries, as every front end lists
 * them: compare/ (which comparisons there are) and history/ (one CSV and
 * one SVG a benchmark). No FUSE: the file system lists these names, and a
 * command line can print the same. */
#ifndef BENCHFS_VIEWS_LISTINGS_H
#define BENCHFS_VIEWS_LISTINGS_H

#include <stddef.h>

#include "views/context.h"

/* The entries of compare/, "<a>..<b>.md" then "<a>..<b>.json" for each pair:
 * each finished commit against its first parent where both have finished
 * runs (each commit named as views/commit_names.h says), then each A/B pair
 * ("run-<a>..run-<b>", from its A side), then each baseline against latest
 * (once a run is done). 0 with *names a malloc'd array of *n malloc'd
 * strings (free with listing_free), or a negative errno. */
int listing_compare(char ***names, size_t *n, const struct view_ctx *ctx);

/* The entries of history/: "<benchmark>.csv" and "<benchmark>.svg" for each
 * benchmark with a measured iteration, sorted by benchmark, each followed by
 * its metrics' "<benchmark>:<metric>.csv" and ".svg" (cpu, memory, then the
 * declared ones). As above. */
int listing_history(char ***names, size_t *n, const struct view_ctx *ctx);

void listing_free(char **names, size_t n);

#endif
