/* Private to runner/: what ends a benchmark's first round on each side
 * (job_steps.c hooks it into measure_benchmark after the profiles, while
 * the benchmark's service is still up and before its cleanup): its perf
 * profile folded (profile_fold.h), one iteration under the user's profiler
 * command (profile_command.c) and the files it left in its checkout
 * copied into the run (artifacts.c). */
#ifndef BENCHFS_RUNNER_INTERNAL_EXTRAS_H
#define BENCHFS_RUNNER_INTERNAL_EXTRAS_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "runner/internal.h"

/* Names in a run's artifacts directory (store/paths.h). */
#define EXTRAS_PROFILES_DIR "profiles"
#define EXTRAS_KEEP_DIR "artifacts"

/* Whether the configuration needs each run's artifacts directory for
 * these (a profiler command, kept files). */
bool extras_needed(const struct config *config);

/* At the end of benchmark i's first round, before its service stops and
 * its cleanup runs: measured says it ended well (its profiles then run);
 * perf_paths[s] is side s's perf.data when it was
 * profiled, else NULL. 0, -1 with the job failed (a profiler command that
 * cannot start), or -ECANCELED. */
int bench_extras(struct job *job, size_t i, bool measured, const char *const *perf_paths);

/* One iteration of the benchmark under command ({out} replaced by out_path
 * in every argument), the benchmark's argv (or /bin/sh -c its text)
 * appended; what the profiler left at out_path stays there. 0, -ECANCELED,
 * or a -errno (logged): -ENOENT the profiler program is missing. */
int profile_command_run(struct job *job, size_t s, const struct bench_config *b,
			char *const *command, const char *out_path);

/* Copies what b's "keep" globs match in side s's checkout into
 * <artifacts>/artifacts/, within the configured cap (what exceeds it is
 * left out and logged). 0, or -ENOMEM. */
int keep_copy(struct job *job, size_t s, const struct bench_config *b);

#endif
