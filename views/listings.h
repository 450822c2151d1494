/* The names of the computed directories' entries, as every front end lists
 * them: compare/ (which comparisons there are) and history/ (one CSV and
 * one SVG a benchmark). No FUSE: the file system lists these names, and a
 * command line can print the same. */
#ifndef BENCHFS_VIEWS_LISTINGS_H
#define BENCHFS_VIEWS_LISTINGS_H

#include <stddef.h>

#include "views/context.h"
#include "views/sides.h"

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

/* Everything the mount's compare/ lists: the files, listing_compare's
 * pairs, each followed by its "<a>..<b>.flame.svg" when both sides kept
 * folded stacks (views/flame.h), then "pr-<n>.md" and ".json" (and
 * "<remote>:<branch>") for each pull request whose newest A/B job has
 * finished (views/compare_pull.h); and the directories: "<rev>", named as
 * the pairs name commits, for each commit whose runs have a parameter with
 * two values or more (compare/<rev>/). Both arrays as listing_compare's.
 * listing_compare stays the pairs alone: audit/, export/ and the --out tree
 * make one file of each pair. */
int listing_compare_dir(char ***files, size_t *nfiles, char ***dirs, size_t *ndirs,
			const struct view_ctx *ctx);

/* The entries of compare/<rev>/ (rev as written, resolved as ref):
 * "<p>=<x>..<p>=<y>.md" and ".json" for every two values x before y (in
 * version order: 1, 2, 16) of each parameter p of the benchmarks of the runs
 * compare_variants_render pools; beyond 16 values, each value against the
 * first only. Empty when rev has no finished run. As above. */
int listing_variants(char ***names, size_t *n, const struct view_ctx *ctx, const char *rev,
		     const struct side_ref *ref);

void listing_free(char **names, size_t n);

#endif
