/* What a benchmark reports through $BENCHFS_METRICS: a file per iteration,
 * one figure a line as `name value` (whitespace between, the value a finite
 * decimal number) or JSON lines ({"name": value, ...}); blank lines and lines
 * starting with # are ignored. Parsing only: which names count is the
 * caller's business (runner/measure_metrics.c). */
#ifndef BENCHFS_RUNNER_METRICS_FILE_H
#define BENCHFS_RUNNER_METRICS_FILE_H

#include <stddef.h>

#include "config/metrics.h"

/* What is read of one file, and of one line: a benchmark that writes
 * megabytes there is told so, not followed. */
#define METRICS_FILE_MAX (1 << 20)
#define METRICS_LINE_MAX 4096

struct metrics_pair {
	char name[CONFIG_METRIC_NAME_MAX + 1];
	double value;
	int line; /* 1-based */
};

/* A line that is not a figure: its number, its text (cut to what fits, not
 * escaped) and why, one line. */
typedef void metrics_bad_fn(void *ctx, int line, const char *text, const char *why);

/* The figures of text (len bytes, any bytes), appended to *pairs (*n of
 * them, *alloc allocated: an util/array.h array the caller frees) in the
 * order written; every malformed line goes to bad, and is ignored. A name
 * given twice is returned twice: the caller decides. 0 or -ENOMEM. */
int metrics_parse(struct metrics_pair **pairs, size_t *n, size_t *alloc, const char *text,
		  size_t len, metrics_bad_fn *bad, void *ctx);

/* The figures of the file at path, as metrics_parse, and the file removed.
 * A missing file is no figure (0). Beyond METRICS_FILE_MAX bytes the rest
 * is reported to bad (line 0) and ignored. 0, -ENOMEM, or the -errno of
 * reading it (also -EINVAL for a file that is not regular). */
int metrics_file_take(struct metrics_pair **pairs, size_t *n, size_t *alloc, const char *path,
		      metrics_bad_fn *bad, void *ctx);

#endif
