/* The benchmark configuration: parsing, validation and its normalised JSON form. */
#ifndef BENCHFS_CONFIG_CONFIG_H
#define BENCHFS_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "config/retain.h"

#include "config/build_mode.h"
#include "config/service.h"

#include <stdint.h>

struct bench_metric; /* config/metrics.h */

#define CONFIG_DEFAULT_WARMUP 0
#define CONFIG_DEFAULT_RUNS 10
#define CONFIG_DEFAULT_TIMEOUT 600.0
#define CONFIG_NAME_MAX 100
/* hyperfine's defaults for an adaptive count: at least 10 runs, 3 s. */
#define CONFIG_DEFAULT_MIN_RUNS 10
#define CONFIG_DEFAULT_MIN_TIME 3.0
#define CONFIG_DEFAULT_PERF_FREQUENCY 999
#define CONFIG_DEFAULT_MAX_PAIRS 320
#define CONFIG_MAX_PAIRS_LIMIT 100000

/* One parameter of an expanded benchmark: {name} in the command is value. */
struct bench_param {
	char *name;
	char *value;
};

/* A parameter as configured: its name and every value it takes. */
struct config_param {
	char *name;
	char **values;
	size_t nvalues;
};

/* "slo": what a benchmark's wall time must meet. A ceiling ("max", on the
 * mean or median of the commit's runs) and a band against a pinned baseline
 * ("baseline", "tolerance": at most that much slower) may be given together.
 * A level's "slo" replaces the one it inherited; null removes it. */
struct bench_slo {
	double max;        /* seconds; 0: no ceiling */
	bool median;       /* the ceiling applies to each run's median, else its mean */
	char *baseline;    /* the band's baseline name; NULL: no band */
	double tolerance;  /* the band: a relative slowdown in [0, 1) */
	/* "metrics": floors and ceilings of other metrics (config/slo_metrics.h). */
	struct slo_metric_bound *metrics;
	size_t nmetrics;
};

/* Every field after timeout has a top-level default in the configuration,
 * resolved per benchmark by the parser. */
struct bench_profiling;

struct bench_config {
	char *name;   /* with parameters: "name[size=1k,threads=1]" */
	char *base_name; /* the configured name, without the parameters */
	char **argv;  /* NULL-terminated: executed directly; NULL when shell is set */
	char *shell;  /* run as /bin/sh -c shell; NULL when argv is set */
	int warmup;
	int runs;       /* fixed count when min_time is 0; else equal to min_runs */
	double timeout; /* seconds per iteration */
	/* Untimed commands (/bin/sh -c), NULL when not configured: prepare and
	 * conclude around every iteration (warmups too), setup and cleanup once. */
	char *prepare, *conclude, *setup, *cleanup;
	/* Adaptive count (hyperfine's): when min_time > 0 the count is fixed after
	 * the first measured iteration to what fits in min_time seconds, at least
	 * min_runs and at most max_runs. With a fixed count both equal runs. */
	int min_runs, max_runs;
	double min_time;
	struct bench_param *params; /* after expansion: this benchmark's values */
	size_t nparams;
	bool output_discard;  /* "output": "discard" */
	bool ignore_failure;
	bool randomize_env;   /* a random environment-size offset per iteration */
	int *cpus;            /* pin the benchmark to these CPUs; NULL: no pinning */
	size_t ncpus;
	bool perf;            /* "profile": {"perf": true, "frequency": N} */
	int perf_frequency;
	bool instructions;    /* "metrics": ["instructions"] */
	/* config/profiling.h: "profile"'s "command" and "keep"; NULL: neither. */
	struct bench_profiling *profiling;
	/* "metrics" other than instructions (config/metrics.h): per-iteration
	 * metrics the benchmark reports, as declared; and "bytes" per iteration
	 * (0: not set), which derives "throughput" from the wall time. */
	struct bench_metric *metrics;
	size_t nmetrics;
	int64_t bytes;
	struct bench_slo slo; /* "slo": service levels (benchfs check, the slo file) */
	/* "service" (config/service.h): a server started after setup and stopped
	 * after the benchmark; NULL: none. "parse": the measured output's parser. */
	struct service_config *service;
	enum bench_parse parse;
	/* "category": the group a variants compare counts wins in; NULL: the
	 * name's prefix before its first '/', '-' or '_'. */
	char *category;
};

struct config {
	char *build;  /* run as /bin/sh -c build in the checkout; NULL: no build step */
	int warmup;   /* defaults each benchmark may override (as in defaults) */
	int runs;
	double timeout;
	/* The top-level value of every per-benchmark key (name and command
	 * unset), and the top-level parameters every benchmark without its own
	 * "parameters" is expanded over. */
	struct bench_config defaults;
	struct config_param *params;
	size_t nparams;
	struct bench_config *benchmarks; /* after parameter expansion */
	size_t nbenchmarks;
	/* Views: "compare": {"alpha", "threshold", "max_pairs"} and "branch" (the
	 * tracked branch; NULL: the branch HEAD names at mount). threshold
	 * "auto" sets compare_threshold_auto: each benchmark's threshold comes
	 * from its run-to-run changes on this host, compare_threshold (the
	 * default 2%) until there is enough history. max_pairs caps the pairs an
	 * interleaved A/B job adds to decide a benchmark (the first round's
	 * count doubles until the verdict is decided or this cap is reached).
	 * confirm (default true): the daemon settles the steps the history
	 * suspects with A/B jobs of its own, and regressions lists a wall time
	 * step once one confirmed it; false: no such jobs, the history's steps. */
	double compare_alpha, compare_threshold;
	bool compare_threshold_auto;
	int compare_max_pairs;
	bool compare_confirm;
	char *branch;
	/* "build_mode" (config/build_mode.h): a clean checkout per build (the
	 * default) or a work tree per side reused from build to build. */
	enum build_mode build_mode;
	/* "artifacts": globs (relative to the checkout, no shell) naming what the
	 * build produces; byte-identical artifacts of two commits mean the same
	 * build. NULL when not configured. */
	char **artifacts;
	size_t nartifacts;
	/* "profiles": each a label list ("x86-big", "arm,bare"), normalised: on
	 * a shared store a queued revision without its own @profile= becomes
	 * one job per profile, each for the runners with those labels. NULL
	 * when not configured (one job, for any runner). */
	char **profiles;
	size_t nprofiles;
	/* "on_alert" (config/alerts.h): the command run for each new alert,
	 * NULL-terminated; NULL when not configured. */
	char **on_alert;
	/* "pull_requests" (config/pulls.h): where pr/<n> lines fetch from;
	 * NULL when not configured (the defaults apply). */
	struct pulls_config *pulls;
	/* "bisect" (config/bisect.h): the daemon's bisections of confirmed
	 * steps; NULL when not configured (bisect_enabled gives the default). */
	struct bisect_config *bisect;
	/* "retain" (config/retain.h): pruning old runs; NULL when not
	 * configured: nothing is ever pruned. */
	struct retain_config *retain;
	/* "watch" (config/watch.h): the branches the daemon fetches and
	 * queues by itself; NULL when not configured: nothing is watched. */
	struct watch_config *watch;
	/* "keep_max_bytes" (config/profiling.h): the cap on the files a run
	 * keeps; keep_max_set false: the default. */
	long long keep_max_bytes;
	bool keep_max_set;
};

/* Parse and validate configuration JSON: 0, or -EINVAL (the configuration
 * is wrong) or -ENOMEM, with a one-line message naming the problem (the
 * key, the benchmark) in err, escaped (util/log.h). "cpus" are checked
 * against the daemon's CPU affinity (util/cpuset.h). */
int config_parse(struct config **out, const char *json_text, char *err, size_t errsize);
/* The same, from a file: also the -errno of opening or reading it (-ENOENT,
 * -EACCES, -EISDIR, ...), and the message names the file. */
int config_load(struct config **out, const char *path, char *err, size_t errsize);
/* The normalised configuration (every default resolved per benchmark, one
 * entry per parameter combination) as pretty JSON that config_parse() reads
 * back to the same configuration. malloc'd; NULL when out of memory. */
char *config_to_json(const struct config *config);
/* The command of a benchmark as a person would read it (for hyperfine's "command").
 * malloc'd; NULL when out of memory. */
char *bench_config_command_text(const struct bench_config *bench);
void config_free(struct config *config);
/* Leave out the benchmarks that have a service: an interleaved A/B job
 * cannot measure them, since both commits' servers would want the same port
 * at once. Returns how many were left out. */
size_t config_drop_services(struct config *config);

#endif
