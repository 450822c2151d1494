/* Measuring one benchmark, of one run or of both runs of an interleaved A/B
 * job: setup, the loop inside benchfs-spawner (shell calibration, warmups,
 * measured iterations stored as they end, status "running <bench> i/n"),
 * the profiles, cleanup. */
#ifndef BENCHFS_RUNNER_MEASURE_H
#define BENCHFS_RUNNER_MEASURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "result.h"
#include "runlog.h"
#include "spawner.h"
#include "store.h"

/* How often the shell's start-up is measured (hyperfine's count). */
#define MEASURE_SHELL_CALIBRATIONS 50

/* One run taking part. */
struct measure_side {
	int64_t run_id;
	struct runlog *log;
	const char *workdir;   /* the checkout: every command's working directory */
	char *const *envp;     /* the run's environment (with BENCHFS_COMMIT) */
	const char *perf_path; /* where perf output goes; NULL: nowhere */
	/* Out: the benchmark's measurements (free with measure_side_clear). */
	struct result_bench result;
	char failure[1024]; /* why it failed, for status */
};

struct measure_job {
	struct spawner *spawner;
	struct store *store;
	int cancel_fd;
	const char *tmp_dir; /* scratch space for the instruction count */
	const struct bench_config *bench;
	struct measure_side *sides;
	size_t nsides; /* 1, or 2 alternating iterations (A B A B ...) */
};

enum measure_end { MEASURE_DONE, MEASURE_FAILED, MEASURE_CANCELLED };

/* Measures job->bench. On MEASURE_FAILED every side's failure says why (a
 * side that did not fail names the one that did). */
enum measure_end measure_benchmark(struct measure_job *job);
void measure_side_clear(struct measure_side *side);

#endif
