/* Metrics besides the times, per measured iteration: what the benchmark
 * writes into $BENCHFS_METRICS, the throughput "bytes" derives, and what the
 * runner measures itself around the loop (measure_metric_add). Queued per
 * side, written to the store with the iteration rows, kept for result.json
 * in the side's result. Shares the state of measure_benchmark through
 * runner/internal_measure.h.
 *
 * Each iteration's file is its own (spawner_metrics_name: side, step and
 * iteration in the name): benchfs-spawner runs the loop by itself and its
 * events arrive later, batched, so one path for every iteration would let
 * iteration i + 1 write over i's before it was read. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/metrics.h"
#include "runner/internal_measure.h"
#include "runner/metrics_file.h"
#include "util/array.h"
#include "util/log.h"
#include "util/rmtree.h"

#define BYTES_PER_MIB 1048576.0

static void metrics_log(struct state *st, int side, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* One line in the side's debug.log. */
static void metrics_log(struct state *st, int side, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	runlog_printf(st->sides[side].side->log, "benchfs", "%s", text);
}

static bool def_valid(const struct store_metric_def *def)
{
	return strnlen(def->name, sizeof(def->name)) < sizeof(def->name) &&
	       strnlen(def->unit, sizeof(def->unit)) < sizeof(def->unit) &&
	       config_metric_name_valid(def->name) &&
	       !config_metric_name_reserved(def->name) && def->unit[0] != '\0';
}

/* The side's metric of def's name, registered when new: its index, -1
 * refused (logged), -2 out of memory. */
static long metric_index(struct state *st, int side, int iteration,
			 const struct store_metric_def *def)
{
	struct result_bench *rb = &st->sides[side].side->result;
	struct result_metric *m;

	for (size_t i = 0; i < rb->nmetrics; i++) {
		m = &rb->metrics[i];
		if (strcmp(m->def.name, def->name))
			continue;
		if (strcmp(m->def.unit, def->unit) || m->def.higher_is_better != def->higher_is_better) {
			metrics_log(st, side, "%s iteration %d: metric %s refused: given as %s (%s is"
				    " better), first as %s (%s is better)", st->b->name, iteration,
				    def->name, def->unit, def->higher_is_better ? "higher" : "lower",
				    m->def.unit, m->def.higher_is_better ? "higher" : "lower");
			return -1;
		}
		return (long)i;
	}
	if (!def_valid(def)) {
		char name[80];

		log_escape(name, sizeof(name), memchr(def->name, '\0', sizeof(def->name)) ? def->name
											 : "?");
		metrics_log(st, side, "%s iteration %d: metric \"%s\" refused: not a metric name, a"
			    " reserved one (wall, cpu, memory, instructions) or without a unit",
			    st->b->name, iteration, name);
		return -1;
	}
	if (ALLOC_GROW_BY(rb->metrics, rb->nmetrics, 1, rb->metrics_alloc))
		return -2;
	rb->metrics[rb->nmetrics - 1].def = *def;
	return (long)rb->nmetrics - 1;
}

int measure_metric_add(struct state *st, int side, int iteration, const struct store_metric_def *def,
		       double value)
{
	struct side_state *ss = &st->sides[side];
	struct result_metric *m;
	long index = metric_index(st, side, iteration, def);
	size_t at;

	if (index == -2)
		goto nomem;
	if (index < 0)
		return 1;
	m = &ss->side->result.metrics[index];
	if (!isfinite(value)) {
		metrics_log(st, side, "%s iteration %d: metric %s ignored: its value is not a finite"
			    " number", st->b->name, iteration, def->name);
		return 1;
	}
	/* In iteration order: values come per iteration, so the place is
	 * almost always the end. */
	for (at = m->n; at > 0 && m->iterations[at - 1] >= iteration; at--)
		if (m->iterations[at - 1] == iteration) {
			metrics_log(st, side, "%s iteration %d: metric %s given twice; the second"
				    " value (%g) is ignored", st->b->name, iteration, def->name, value);
			return 1;
		}
	if (ALLOC_GROW(m->values, m->n + 1, m->values_alloc) ||
	    ALLOC_GROW(m->iterations, m->n + 1, m->iterations_alloc) ||
	    ALLOC_GROW(ss->mvals, ss->nmvals + 1, ss->mvals_alloc))
		goto nomem;
	memmove(m->values + at + 1, m->values + at, (m->n - at) * sizeof(*m->values));
	memmove(m->iterations + at + 1, m->iterations + at, (m->n - at) * sizeof(*m->iterations));
	m->values[at] = value;
	m->iterations[at] = iteration;
	m->n++;
	ss->mvals[ss->nmvals++] = (struct metric_value){ (size_t)index, iteration, value };
	return 0;
nomem:
	side_fail(st, side, "%s: out of memory", st->b->name);
	return -1;
}

static int side_flush(struct state *st, int side)
{
	struct side_state *ss = &st->sides[side];
	struct result_bench *rb = &ss->side->result;
	size_t n = ss->nmvals - ss->mvals_stored, ndefs = rb->nmetrics - ss->defs_stored;
	struct store_metric_def *defs = ndefs ? malloc(ndefs * sizeof(*defs)) : NULL;
	struct store_metric_sample *samples = malloc(n * sizeof(*samples));
	int result = 0;

	if (!samples || (ndefs && !defs)) {
		side_fail(st, side, "%s: out of memory", st->b->name);
		result = -1;
		goto done;
	}
	for (size_t i = 0; i < ndefs; i++)
		defs[i] = rb->metrics[ss->defs_stored + i].def;
	for (size_t i = 0; i < n; i++) {
		const struct metric_value *v = &ss->mvals[ss->mvals_stored + i];

		samples[i] = (struct store_metric_sample){
			.benchmark = st->b->name,
			.metric = rb->metrics[v->metric].def.name,
			.iteration = v->iteration,
			.value = v->value,
		};
	}
	if (store_metric_samples_add(st->job->store, ss->side->run_id, defs, ndefs, samples, n)) {
		side_interrupt(st, side, "store: %s", store_errmsg(st->job->store));
		result = -1;
	}
done:
	/* Like the rows: not tried again (the run is interrupted or failed). */
	ss->mvals_stored = ss->nmvals;
	ss->defs_stored = rb->nmetrics;
	free(defs);
	free(samples);
	return result;
}

int metrics_flush(struct state *st)
{
	int result = 0;

	for (size_t s = 0; s < st->job->nsides; s++)
		if (st->sides[s].mvals_stored < st->sides[s].nmvals && side_flush(st, (int)s))
			result = -1;
	return result;
}

void metrics_dir_open(struct state *st)
{
	const char *tmp = st->job->tmp_dir;
	char cwd[2048];
	int n;

	st->metrics_dir[0] = '\0';
	if (!tmp)
		return;
	/* The commands run in the checkout: the path must not depend on it. */
	if (tmp[0] == '/')
		n = snprintf(st->metrics_dir, sizeof(st->metrics_dir), "%s/metrics-XXXXXX", tmp);
	else if (getcwd(cwd, sizeof(cwd)))
		n = snprintf(st->metrics_dir, sizeof(st->metrics_dir), "%s/%s/metrics-XXXXXX", cwd, tmp);
	else
		n = -1;
	if (n < 0 || (size_t)n >= sizeof(st->metrics_dir)) {
		st->metrics_dir[0] = '\0';
		for (size_t s = 0; s < st->job->nsides; s++)
			metrics_log(st, (int)s, "%s: no BENCHFS_METRICS: the path of %s is too long",
				    st->b->name, tmp);
		return;
	}
	if ((mkdir(tmp, 0755) && errno != EEXIST) || !mkdtemp(st->metrics_dir)) {
		int err = errno;

		st->metrics_dir[0] = '\0';
		for (size_t s = 0; s < st->job->nsides; s++)
			metrics_log(st, (int)s, "%s: no BENCHFS_METRICS: cannot make a directory in %s: %s",
				    st->b->name, tmp, strerror(err));
	}
}

void metrics_dir_close(struct state *st)
{
	if (!st->metrics_dir[0])
		return;
	(void)rmtree(st->metrics_dir);
	st->metrics_dir[0] = '\0';
}

static void file_path(char *buf, size_t size, const struct state *st, const struct spawner_event *ev)
{
	char name[SPAWNER_METRICS_NAME_LEN + 1];

	spawner_metrics_name(name, ev->side, ev->step, ev->iteration);
	snprintf(buf, size, "%s/%s", st->metrics_dir, name);
}

void metrics_warmup_done(struct state *st, const struct spawner_event *ev)
{
	char path[sizeof(st->metrics_dir) + SPAWNER_METRICS_NAME_LEN + 2];

	if (!st->metrics_dir[0])
		return;
	file_path(path, sizeof(path), st, ev);
	(void)unlink(path);
}

struct bad_ctx {
	struct state *st;
	const struct spawner_event *ev;
};

static void bad_line(void *ctx, int line, const char *text, const char *why)
{
	struct bad_ctx *c = ctx;
	char shown[400];

	log_escape(shown, sizeof(shown), text);
	if (line == 0)
		metrics_log(c->st, c->ev->side, "%s iteration %d: BENCHFS_METRICS: %s", c->st->b->name,
			    c->ev->iteration, why);
	else
		metrics_log(c->st, c->ev->side, "%s iteration %d: BENCHFS_METRICS line %d ignored (%s):"
			    " %s", c->st->b->name, c->ev->iteration, line, why, shown);
}

static bool failed_iteration(const struct spawner_event *ev)
{
	return ev->res.exit_code != 0 || ev->res.term_signal != 0;
}

int metrics_iteration_read(struct state *st, const struct spawner_event *ev,
			   struct metrics_pair **pairs, size_t *n)
{
	char path[sizeof(st->metrics_dir) + SPAWNER_METRICS_NAME_LEN + 2];
	struct bad_ctx ctx = { st, ev };
	size_t alloc = 0;
	int rc = 0;

	*pairs = NULL;
	*n = 0;
	if (st->metrics_dir[0]) {
		file_path(path, sizeof(path), st, ev);
		rc = metrics_file_take(pairs, n, &alloc, path, bad_line, &ctx);
	}
	if (rc == -ENOMEM) {
		side_fail(st, ev->side, "%s: out of memory", st->b->name);
		return 1;
	}
	if (rc < 0)
		metrics_log(st, ev->side, "%s iteration %d: cannot read BENCHFS_METRICS (%s): %s",
			    st->b->name, ev->iteration, path, strerror(-rc));
	for (size_t k = 0; k < st->b->nmetrics; k++) {
		const char *name = st->b->metrics[k].name;
		bool found = false;

		for (size_t i = 0; i < *n && !found; i++)
			found = strcmp((*pairs)[i].name, name) == 0;
		if (found)
			continue;
		/* A failed iteration kept by ignore_failure says so already. */
		if (failed_iteration(ev))
			continue;
		if (!st->b->ignore_failure) {
			side_fail(st, ev->side, "%s iteration %d/%d: metric %s is declared but was not"
				  " reported (no \"%s <value>\" line in $BENCHFS_METRICS)",
				  st->b->name, ev->iteration, st->count, name, name);
			free(*pairs);
			*pairs = NULL;
			*n = 0;
			return 1;
		}
		metrics_log(st, ev->side, "%s iteration %d/%d: metric %s is declared but was not"
			    " reported (ignored: ignore_failure; the iteration is kept without it)",
			    st->b->name, ev->iteration, st->count, name);
	}
	return 0;
}

static struct store_metric_def def_of(const struct bench_metric *m)
{
	struct store_metric_def def = { .higher_is_better = m->higher_is_better };

	snprintf(def.name, sizeof(def.name), "%s", m->name);
	snprintf(def.unit, sizeof(def.unit), "%s", m->unit);
	return def;
}

int metrics_iteration_queue(struct state *st, const struct spawner_event *ev,
			    const struct metrics_pair *pairs, size_t n,
			    const struct store_iteration *it)
{
	for (size_t i = 0; i < n; i++) {
		const struct bench_metric *m = config_metric_find(st->b, pairs[i].name);
		struct store_metric_def def;

		if (!m) {
			metrics_log(st, ev->side, "%s iteration %d: BENCHFS_METRICS line %d ignored:"
				    " metric %s is not declared in the configuration's \"metrics\"",
				    st->b->name, ev->iteration, pairs[i].line, pairs[i].name);
			continue;
		}
		def = def_of(m);
		if (measure_metric_add(st, ev->side, ev->iteration, &def, pairs[i].value) < 0)
			return -1;
	}
	if (st->b->bytes > 0) {
		struct store_metric_def def = { .name = CONFIG_METRIC_THROUGHPUT,
						.unit = CONFIG_METRIC_THROUGHPUT_UNIT,
						.higher_is_better = true };

		if (it->wall_ns <= 0)
			metrics_log(st, ev->side, "%s iteration %d: no throughput: its wall time is 0 (no"
				    " slower than the shell's start-up)", st->b->name, ev->iteration);
		else if (measure_metric_add(st, ev->side, ev->iteration, &def,
					    (double)st->b->bytes / BYTES_PER_MIB /
						    ((double)it->wall_ns / 1e9)) < 0)
			return -1;
	}
	return 0;
}
