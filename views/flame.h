/* Flame graphs of perf profiles, computed on read from the folded stacks
 * the runner keeps beside perf.data (runner/profile_fold.h):
 * runs/<id>/flame.svg, and compare/<a>..<b>.flame.svg, the differential
 * graph of two sides. Self-contained SVG: an inline script zooms into a
 * clicked frame and searches names (a regular expression), no network.
 *
 * Every graph has a root frame "all" and, above it, one frame per
 * profiled benchmark (its name), above which its stacks grow (command
 * name, then the functions, outermost first): a run profiling several
 * benchmarks has one graph with a tower per benchmark. A frame's share is
 * its samples over its benchmark's (the root's over all). */
#ifndef BENCHFS_VIEWS_FLAME_H
#define BENCHFS_VIEWS_FLAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "views/context.h"

/* Whether the run kept folded stacks (perf.folded, perf.<bench>.folded). */
bool flame_run_has(const struct view_ctx *ctx, int64_t run_id);

/* runs/<id>/flame.svg: -ENOENT when the run kept no folded stacks. */
int flame_run_render(char **out, size_t *len, const struct view_ctx *ctx, int64_t run_id);

/* Whether name is "<a>..<b>.flame.svg"; *stem gets "<a>..<b>.md" for
 * compare_parse_name (malloc'd). 0, -ENOENT (not such a name) or -ENOMEM. */
int flame_compare_name(char **stem, const char *name);

/* The newest run of each side (as compare resolves a and b) that kept
 * folded stacks: -ENOENT when a side has none. */
int flame_compare_runs(int64_t *run_a, int64_t *run_b, const struct view_ctx *ctx,
		       const char *a_name, const char *b_name);

/* The differential graph: frames laid out by b's samples, coloured by the
 * change of their share from a to b (red grown, blue shrunk, deeper for a
 * larger change, white unchanged); each frame's data-delta is that change
 * in percentage points, its title gives both shares. */
int flame_compare_render(char **out, size_t *len, const struct view_ctx *ctx, const char *a_name,
			 int64_t run_a, const char *b_name, int64_t run_b);

/* Exposed for tests: the graph of folded texts (benches[i] named names[i]);
 * base NULL: a plain graph, else the differential one against base
 * (nbase texts named base_names). */
int flame_svg(char **out, size_t *len, const char *title, const char *const *names,
	      const char *const *texts, size_t n, const char *const *base_names,
	      const char *const *base, size_t nbase);

#endif
