/* Measuring one benchmark, of one run or of both runs of an interleaved A/B
 * job: setup, the loop inside benchfs-spawner (shell calibration, warmups,
 * measured iterations stored as they end, status "running <bench> i/n"),
 * the profiles, the runner's hook, cleanup. An A/B job that adds pairs
 * measures extra rounds of a benchmark the same way, without the
 * calibration, the profiles and the hook. */
#ifndef BENCHFS_RUNNER_MEASURE_H
#define BENCHFS_RUNNER_MEASURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "runner/result.h"
#include "runner/runlog.h"
#include "spawner/spawner.h"
#include "store/store.h"

/* How often the shell's start-up is measured (hyperfine's count). */
#define MEASURE_SHELL_CALIBRATIONS 50

/* The shell's start-up as the first round measured it: sums in ns, count. */
struct measure_calibration {
	double wall, user, sys;
	size_t n;
};

/* One run taking part. */
struct measure_side {
	int64_t run_id;
	struct runlog *log;
	const char *workdir;   /* the checkout: every command's working directory */
	char *const *envp;     /* the run's environment (with BENCHFS_COMMIT) */
	const char *perf_path; /* where perf output goes; NULL: nowhere */
	/* Out: the benchmark's measurements (free with measure_side_clear);
	 * in and out for an extra round, which adds to them. */
	struct result_bench result;
	char failure[1024]; /* why it failed, for status */
	/* Out from the first round, in for extra ones: the shell calibration,
	 * subtracted again exactly as it was. */
	struct measure_calibration cal;
};

struct measure_job {
	struct spawner *spawner;
	struct store *store;
	int cancel_fd;
	const char *tmp_dir; /* scratch space for the instruction count */
	const struct bench_config *bench;
	struct measure_side *sides;
	size_t nsides; /* 1, or 2 alternating iterations (A B B A A B B A ...) */
	/* 0: the benchmark's first round. >= 2: an extra round of an A/B job
	 * adding pairs: setup, the warmups, `pairs` measured iterations per
	 * side numbered on from those in each side's result (which must hold
	 * the same count), cleanup; no calibration, no profile. */
	int round;
	int pairs;
	/* The first round's last step while what it measured stands: after the
	 * profiles, before the service stops and cleanup runs, also after a
	 * failure (measured: the round ended well); not when the job is
	 * cancelled or interrupted. The runner's profiler command and kept
	 * files (runner/internal_extras.h). 0, or -ECANCELED to cancel; other
	 * failures are the hook's to record. NULL: none. */
	int (*before_cleanup)(void *ctx, bool measured);
	void *before_cleanup_ctx;
};

/* MEASURE_INTERRUPTED: it failed for a reason of benchfs's own, not the
 * commit's (the store could not be written, benchfs-spawner died, whatever
 * it ran is killed): the run belongs back in the queue. */
enum measure_end { MEASURE_DONE, MEASURE_FAILED, MEASURE_CANCELLED, MEASURE_INTERRUPTED };

/* Measures job->bench. On MEASURE_FAILED and MEASURE_INTERRUPTED every
 * side's failure says why (a side that did not fail names the one that did). After an extra round
 * each side's result holds what it measured, whatever the end. Every round
 * adds a span to each side's result.interference. */
enum measure_end measure_benchmark(struct measure_job *job);
void measure_side_clear(struct measure_side *side);

#endif
