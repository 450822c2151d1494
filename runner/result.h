/* result.json: hyperfine's JSON export format, with benchfs's fields beside it. */
#ifndef BENCHFS_RUNNER_RESULT_H
#define BENCHFS_RUNNER_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "runner/interference.h"
#include "store/store.h"

/* A per-iteration metric of a benchmark besides its times: declared in the
 * configuration ("metrics", "bytes") or given by benchfs itself (a
 * service's, a load generator's). values[k] belongs to measured iteration
 * iterations[k], in iteration order; an iteration that gave none has none. */
struct result_metric {
	struct store_metric_def def;
	double *values;
	int *iterations;
	size_t n, values_alloc, iterations_alloc;
};

struct result_bench {
	const struct bench_config *bench;
	const struct store_iteration *iterations; /* measured iterations, in order; for a
						     shell command with the shell's
						     start-up already subtracted */
	size_t n;
	/* The shell's start-up (/bin/sh -c '' run shell_runs times, as
	 * hyperfine measures it): means in seconds, subtracted from every time
	 * above. shell_runs is 0 for a command run without a shell. */
	size_t shell_runs;
	double shell_wall, shell_user, shell_sys;
	const int *env_offsets; /* n random environment-size offsets (randomize_env), else NULL */
	bool has_instructions;  /* the callgrind count of the "instructions" metric */
	double instructions;
	/* "metrics" in result.json, in the order first given (NULL: none);
	 * freed by result_bench_metrics_free. */
	struct result_metric *metrics;
	size_t nmetrics, metrics_alloc;
	/* What else the machine did meanwhile (spans == 0: not recorded). */
	struct interference interference;
	/* benchfs-spawner's resident set when it started the measured
	 * commands (the highest), below which no max RSS reads, and how many
	 * measured iterations read within memory_floor_slack of it
	 * (runner/measure_loop.c). memory_floor_bytes 0: not known. */
	int64_t memory_floor_bytes, memory_floor_slack;
	int memory_at_floor;
	/* An interleaved A/B job: the rounds measured and the nominal level of
	 * the last look (0: not an A/B job; 1: decided or capped at its first
	 * look). */
	int rounds;
	double sequential_level;
	/* The stationarity check's answer once result_bench_check_stability has
	 * run (a permutation test: worth doing once per benchmark, not once per
	 * reader); until then every reader computes it. */
	struct {
		bool checked;
		int unstable; /* as result_bench_unstable returns */
		size_t at;
		double change, p;
	} stability;
};

struct result_input {
	int64_t run_id;
	const char *commit;
	const char *revision;
	const char *host_json; /* system.json text, embedded as "host"; may be NULL */
	const struct result_bench *benches;
	size_t nbenches;
	/* An interleaved A/B job: the other run (0 when none) and its commit. */
	int64_t pair_run_id;
	const char *pair_commit;
};

/* Frees rb's metrics (and leaves it without any). */
void result_bench_metrics_free(struct result_bench *rb);

/* Render result.json (pretty, deterministic). malloc'd; NULL with the reason
 * in err when a statistic cannot be computed or memory runs out (not an int
 * result yet: bench/fill_store calls it as it is). */
char *result_render(const struct result_input *in, char *err, size_t errsize);

/* What a benchmark's times show (flagged, never dropped): the outliers by
 * modified z-score on the MAD (hyperfine's threshold), and whether the first
 * iteration is one of them and slower than the median (hyperfine's "slow
 * initial run", a cold cache or a first-run effect). 0, -ENOMEM, or -EINVAL
 * when the times are unusable. */
int result_bench_flags(size_t *outliers, bool *slow_first, const struct result_bench *rb);

/* Whether a benchmark's iteration sequence has a step or a trend
 * (stats_stationarity_check at alpha 0.01 and a 5% step of the medians):
 * 1 unstable, 0 not, -ENOMEM, or -EINVAL when the times are unusable (a
 * time of 0: a shell command no slower than the shell). at, change and p
 * (any may be NULL) describe the step: at is the 1-based iteration of the
 * first after it (0 when none), change the medians' relative move (after /
 * before - 1), p its permutation p-value. A significant step under 5% is
 * described too, with 0 returned. result.json writes "unstable": {"at",
 * "change", "p"} when 1, else null. */
int result_bench_unstable(const struct result_bench *rb, size_t *at, double *change, double *p);
/* Run the check once and keep its answer in rb->stability, which
 * result_bench_unstable, result_render and result_flags_text then read. */
void result_bench_check_stability(struct result_bench *rb);

/* The flags of every benchmark as one line for status, e.g.
 * "sort: 2 outliers, unstable (step of -42% at 16/20); grep: slow first
 * iteration (and 1 more outlier), heavy interference (others used 1.2 CPUs)";
 * "" when none. Truncated to size (terminated). */
void result_flags_text(char *buf, size_t size, const struct result_input *in);


#endif
