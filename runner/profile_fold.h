/* Folded stacks from a perf profile: `perf script` run on a perf.data and
 * its samples folded as Brendan Gregg's stackcollapse-perf folds them, one
 * line per distinct stack, "comm;outer;...;leaf count", root first, lines
 * sorted. Flame graphs (views/flame.h) are drawn from these files. */
#ifndef BENCHFS_RUNNER_PROFILE_FOLD_H
#define BENCHFS_RUNNER_PROFILE_FOLD_H

#include <stddef.h>

#include "runner/profile.h"

/* A folder fed `perf script` output in chunks of any size. */
struct fold_state;

/* 0 or -ENOMEM. */
int fold_new(struct fold_state **out);
/* Feed the next bytes of perf script's text (lines may be cut anywhere). */
void fold_feed(struct fold_state *f, const char *buf, size_t len);
/* The folded text (malloc'd, terminated, *len its length), lines sorted,
 * after the last sample fed; the number of samples in *samples. 0, or
 * -ENOMEM (also when a feed ran out of memory). */
int fold_result(char **out, size_t *len, unsigned long long *samples, struct fold_state *f);
void fold_free(struct fold_state *f);

/* The folded text of a whole perf script output (for tests). */
int profile_fold_text(char **out, const char *script);

/* Runs `perf script -i perf_data` (no shell; perf from the daemon's PATH)
 * like the benchmark (its spawner, environment, directory, cancel) and
 * writes the folded stacks to out_path (through a hidden name, renamed).
 * Failures are logged in the run's log under "<bench> profile": 0,
 * -ECANCELED, -ENOENT (no perf), -EIO (perf script failed or printed no
 * sample), -ETIMEDOUT, -ENOMEM, or the -errno of writing out_path. */
int profile_fold(const struct profile_job *job, const char *perf_data, const char *out_path);

#endif
