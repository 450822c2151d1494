#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/result.h"
#include "stats/describe.h"
#include "stats/outliers.h"
#include "stats/stationarity.h"
#include "util/json_num.h"
#include "util/runid.h"
#include "util/strbuf.h"

/* The stationarity test's settings (result.h): a step of the medians counts
 * from 5%, at a permutation level of 1%. */
#define UNSTABLE_ALPHA 0.01
#define UNSTABLE_MIN_CHANGE 0.05

/* Seconds to nanosecond resolution (what the clock measures), written as
 * such: 0.057848886 rather than json-c's 0.057848886000000002. */
static json_object *json_seconds(double seconds)
{
	char text[64];
	snprintf(text, sizeof(text), "%.9f", seconds);
	return json_object_new_double_s(seconds, text);
}

/* A figure with the digits that mean something (fmt), not json-c's 17. A
 * %g format's exponent (1.234e-05) is written out positionally, as every
 * other number in result.json is. */
static json_object *json_figure(const char *fmt, double value)
{
	char text[64];
	snprintf(text, sizeof(text), fmt, value);
	if (strpbrk(text, "eE")) {
		value = strtod(text, NULL);
		if (json_num_format(text, sizeof(text), value))
			return NULL;
	}
	return json_object_new_double_s(value, text);
}

/* A setting or constant: the shortest text that reads back (14.826, 3),
 * never json-c's 14.826000000000001. */
static json_object *json_exact(double value)
{
	char text[JSON_NUM_MAX];
	if (json_num_format(text, sizeof(text), value))
		return NULL;
	return json_object_new_double_s(value, text);
}

/* "unstable": null, or where the step is, how large and how sure. */
static json_object *unstable_json(const struct result_bench *rb)
{
	json_object *o;
	size_t at = 0;
	double change = 0, p = 1;
	/* Times the test cannot use (a shell command at or below the shell's
	 * start-up measures 0) leave the question open: null, like a steady run. */
	if (result_bench_unstable(rb, &at, &change, &p) != 1)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "at", json_object_new_int64((int64_t)at));
	json_object_object_add(o, "change", json_figure("%.4f", change));
	json_object_object_add(o, "p", json_figure("%.4g", p));
	return o;
}

static json_object *interference_json(const struct interference *acc)
{
	json_object *o;
	if (acc->spans == 0)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "other_cpus", json_figure("%.3f", interference_other_cpus(acc)));
	json_object_object_add(o, "steal", json_figure("%.4f", interference_steal(acc)));
	json_object_object_add(o, "load_start", json_figure("%.2f", acc->load_start));
	json_object_object_add(o, "load_end", json_figure("%.2f", acc->load_end));
	json_object_object_add(o, "heavy", json_object_new_boolean(interference_heavy(acc)));
	return o;
}

static json_object *seconds_array(const double *values, size_t n)
{
	json_object *arr = json_object_new_array_ext((int)n);
	for (size_t i = 0; arr && i < n; i++)
		json_object_array_add(arr, json_seconds(values[i]));
	return arr;
}

static double mean_of(const double *x, size_t n)
{
	double mean = 0;
	return stats_mean(&mean, x, n) == STATS_OK ? mean : 0;
}

int result_bench_flags(size_t *outliers, bool *slow_first, const struct result_bench *rb)
{
	size_t n = rb->n, count = 0;
	double *wall = calloc(2 * n + 1, sizeof(double)), median = 0;
	size_t *idx = calloc(n + 1, sizeof(size_t));
	int result = -ENOMEM;

	if (!wall || !idx)
		goto done;
	for (size_t i = 0; i < n; i++)
		wall[i] = (double)rb->iterations[i].wall_ns / 1e9;
	/* A statistics code stays inside stats/: unusable times are -EINVAL. */
	result = -EINVAL;
	if (stats_outliers_mad(&count, idx, wall, n, STATS_MODIFIED_Z_THRESHOLD, wall + n) ||
	    stats_median(&median, wall, n, wall + n))
		goto done;
	*outliers = count;
	*slow_first = count > 0 && idx[0] == 0 && wall[0] > median;
	result = 0;
done:
	free(wall);
	free(idx);
	return result;
}

int result_bench_unstable(const struct result_bench *rb, size_t *at, double *change, double *p)
{
	struct stats_stationarity st;
	size_t n = rb->n, work_size;
	double *times;
	void *work;
	int result = -ENOMEM;

	if (rb->stability.checked) {
		if (at)
			*at = rb->stability.at;
		if (change)
			*change = rb->stability.change;
		if (p)
			*p = rb->stability.p;
		return rb->stability.unstable;
	}
	work_size = stats_stationarity_workspace_size(n);
	times = malloc((n + 1) * sizeof(double));
	work = malloc(work_size + 1);
	if (!times || !work)
		goto done;
	for (size_t i = 0; i < n; i++)
		times[i] = (double)rb->iterations[i].wall_ns / 1e9;
	result = -EINVAL;
	if (stats_stationarity_check(&st, times, n, UNSTABLE_ALPHA, UNSTABLE_MIN_CHANGE, work,
				     work_size) != STATS_OK)
		goto done;
	if (at)
		*at = st.index > 0 ? st.index + 1 : 0;
	if (change)
		*change = st.change;
	if (p)
		*p = st.p;
	result = st.unstable ? 1 : 0;
done:
	free(times);
	free(work);
	return result;
}

void result_bench_check_stability(struct result_bench *rb)
{
	size_t at = 0;
	double change = 0, p = 1;
	int unstable;

	rb->stability.checked = false;
	unstable = result_bench_unstable(rb, &at, &change, &p);
	rb->stability.at = at;
	rb->stability.change = change;
	rb->stability.p = p;
	rb->stability.unstable = unstable;
	rb->stability.checked = true;
}

void result_flags_text(char *buf, size_t size, const struct result_input *in)
{
	struct strbuf text = STRBUF_INIT;

	if (size == 0)
		return;
	for (size_t i = 0; i < in->nbenches && text.len + 1 < size; i++) {
		const struct result_bench *rb = &in->benches[i];
		size_t outliers = 0, at = 0;
		bool slow_first = false;
		bool has_outliers = result_bench_flags(&outliers, &slow_first, rb) == 0 && outliers > 0;
		double change = 0;
		bool unstable = result_bench_unstable(rb, &at, &change, NULL) == 1;
		bool heavy = interference_heavy(&rb->interference);
		const char *sep = "";

		if (!has_outliers && !unstable && !heavy)
			continue;
		strbuf_addf(&text, "%s%s: ", text.len ? "; " : "", rb->bench->name);
		if (has_outliers && slow_first && outliers > 1)
			strbuf_addf(&text, "slow first iteration (and %zu more outlier%s)",
				    outliers - 1, outliers > 2 ? "s" : "");
		else if (has_outliers && slow_first)
			strbuf_addstr(&text, "slow first iteration");
		else if (has_outliers)
			strbuf_addf(&text, "%zu outlier%s", outliers, outliers > 1 ? "s" : "");
		if (has_outliers)
			sep = ", ";
		if (unstable) {
			strbuf_addf(&text, "%sunstable (step of %+.0f%% at %zu/%zu)", sep,
				    change * 100, at, rb->n);
			sep = ", ";
		}
		if (heavy)
			strbuf_addf(&text, "%sheavy interference (others used %.1f CPUs)", sep,
				    interference_other_cpus(&rb->interference));
	}
	/* Out of memory: no flags rather than some. */
	snprintf(buf, size, "%s", strbuf_error(&text) ? "" : text.buf);
	strbuf_release(&text);
}

void result_bench_metrics_free(struct result_bench *rb)
{
	for (size_t i = 0; i < rb->nmetrics; i++) {
		free(rb->metrics[i].values);
		free(rb->metrics[i].iterations);
	}
	free(rb->metrics);
	rb->metrics = NULL;
	rb->nmetrics = rb->metrics_alloc = 0;
}

/* "metrics": {"<name>": {"unit", "better", "values", "mean", "stddev",
 * "median", "min", "max"}}, the statistics as hyperfine gives the times'
 * (stddev null for one value; all null for none). Values as reported. NULL
 * with err set. */
static json_object *metrics_json(const struct result_bench *rb, char *err, size_t errsize)
{
	json_object *o = json_object_new_object();

	for (size_t i = 0; o && i < rb->nmetrics; i++) {
		const struct result_metric *m = &rb->metrics[i];
		json_object *e = json_object_new_object(), *values = json_object_new_array_ext((int)m->n);
		double *scratch = malloc((m->n + 1) * sizeof(double));
		struct stats_summary sum = {0};
		int rc = STATS_OK;

		if (!e || !values || !scratch) {
			json_object_put(e);
			json_object_put(values);
			free(scratch);
			json_object_put(o);
			snprintf(err, errsize, "out of memory");
			return NULL;
		}
		for (size_t k = 0; k < m->n; k++)
			json_object_array_add(values, json_exact(m->values[k]));
		if (m->n > 0)
			rc = stats_describe(&sum, m->values, m->n, scratch);
		free(scratch);
		if (rc != STATS_OK) {
			json_object_put(e);
			json_object_put(values);
			json_object_put(o);
			snprintf(err, errsize, "statistics of %s:%s: %s", rb->bench->name, m->def.name,
				 stats_strerror(rc));
			return NULL;
		}
		json_object_object_add(e, "unit", json_object_new_string(m->def.unit));
		json_object_object_add(e, "better",
				       json_object_new_string(m->def.higher_is_better ? "higher" : "lower"));
		json_object_object_add(e, "values", values);
		json_object_object_add(e, "mean", m->n ? json_figure("%.6g", sum.mean) : NULL);
		json_object_object_add(e, "stddev", m->n > 1 ? json_figure("%.6g", sum.stddev) : NULL);
		json_object_object_add(e, "median", m->n ? json_exact(sum.median) : NULL);
		json_object_object_add(e, "min", m->n ? json_exact(sum.min) : NULL);
		json_object_object_add(e, "max", m->n ? json_exact(sum.max) : NULL);
		json_object_object_add(o, m->def.name, e);
	}
	if (!o)
		snprintf(err, errsize, "out of memory");
	return o;
}

/* hyperfine's exit code: the status, or 128 + the signal that ended it. */
static int exit_code_of(const struct store_iteration *it)
{
	return it->term_signal > 0 ? 128 + it->term_signal : it->exit_code;
}

/* One entry of "results". Returns NULL with err set. */
static json_object *bench_json(const struct result_input *in, const struct result_bench *rb,
			       char *err, size_t errsize)
{
	size_t n = rb->n, outliers = 0;
	double *wall = calloc(n * 4 + 1, sizeof(double));
	double *user = wall + n, *sys = wall + 2 * n, *scratch = wall + 3 * n;
	size_t *outlier_idx = calloc(n + 1, sizeof(size_t));
	json_object *o = NULL, *mem, *codes, *idx, *outl;
	struct stats_summary sum;
	char run[RUNID_NAME_MAX], *command = NULL;
	bool slow_first;
	int rc;
	if (!wall || !outlier_idx || !(command = bench_config_command_text(rb->bench))) {
		snprintf(err, errsize, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		wall[i] = (double)rb->iterations[i].wall_ns / 1e9;
		user[i] = (double)rb->iterations[i].user_ns / 1e9;
		sys[i] = (double)rb->iterations[i].sys_ns / 1e9;
	}
	if ((rc = stats_describe(&sum, wall, n, scratch)) != STATS_OK ||
	    (rc = stats_outliers_mad(&outliers, outlier_idx, wall, n, STATS_MODIFIED_Z_THRESHOLD,
				     scratch)) != STATS_OK) {
		snprintf(err, errsize, "statistics of %s: %s", rb->bench->name, stats_strerror(rc));
		goto done;
	}
	slow_first = outliers > 0 && outlier_idx[0] == 0 && wall[0] > sum.median;
	runid_dir_name(run, sizeof(run), in->run_id);
	o = json_object_new_object();
	/* hyperfine's fields, in hyperfine's order */
	json_object_object_add(o, "command", json_object_new_string(command));
	json_object_object_add(o, "mean", json_seconds(sum.mean));
	json_object_object_add(o, "stddev", n > 1 ? json_seconds(sum.stddev) : NULL);
	json_object_object_add(o, "median", json_seconds(sum.median));
	json_object_object_add(o, "user", json_seconds(mean_of(user, n)));
	json_object_object_add(o, "system", json_seconds(mean_of(sys, n)));
	json_object_object_add(o, "min", json_seconds(sum.min));
	json_object_object_add(o, "max", json_seconds(sum.max));
	json_object_object_add(o, "times", seconds_array(wall, n));
	mem = json_object_new_array_ext((int)n);
	codes = json_object_new_array_ext((int)n);
	for (size_t i = 0; i < n; i++) {
		json_object_array_add(mem, json_object_new_int64(rb->iterations[i].maxrss_bytes));
		json_object_array_add(codes, json_object_new_int(exit_code_of(&rb->iterations[i])));
	}
	json_object_object_add(o, "memory_usage_byte", mem);
	json_object_object_add(o, "exit_codes", codes);
	if (rb->bench->nparams > 0) {
		json_object *params = json_object_new_object();
		for (size_t i = 0; params && i < rb->bench->nparams; i++)
			json_object_object_add(params, rb->bench->params[i].name,
					       json_object_new_string(rb->bench->params[i].value));
		json_object_object_add(o, "parameters", params);
	}
	/* benchfs's own fields */
	json_object_object_add(o, "name", json_object_new_string(rb->bench->name));
	json_object_object_add(o, "commit", json_object_new_string(in->commit));
	json_object_object_add(o, "run", json_object_new_string(run));
	json_object_object_add(o, "runs", json_object_new_int64((int64_t)n));
	json_object_object_add(o, "warmup", json_object_new_int(rb->bench->warmup));
	json_object_object_add(o, "user_times", seconds_array(user, n));
	json_object_object_add(o, "system_times", seconds_array(sys, n));
	outl = json_object_new_object();
	json_object_object_add(outl, "method", json_object_new_string("modified z-score (MAD)"));
	json_object_object_add(outl, "threshold", json_exact(STATS_MODIFIED_Z_THRESHOLD));
	json_object_object_add(outl, "count", json_object_new_int64((int64_t)outliers));
	idx = json_object_new_array();
	for (size_t i = 0; i < outliers; i++)
		json_object_array_add(idx, json_object_new_int64((int64_t)outlier_idx[i]));
	json_object_object_add(outl, "indices", idx);
	json_object_object_add(outl, "slow_first", json_object_new_boolean(slow_first));
	json_object_object_add(o, "outliers", outl);
	if (rb->bench->min_time > 0) {
		json_object *adaptive = json_object_new_object();
		json_object_object_add(adaptive, "min_time", json_exact(rb->bench->min_time));
		json_object_object_add(adaptive, "min_runs", json_object_new_int(rb->bench->min_runs));
		json_object_object_add(adaptive, "max_runs", json_object_new_int(rb->bench->max_runs));
		json_object_object_add(o, "adaptive", adaptive);
	}
	if (rb->shell_runs > 0) {
		json_object *shell = json_object_new_object();
		json_object_object_add(shell, "command", json_object_new_string("/bin/sh -c ''"));
		json_object_object_add(shell, "runs", json_object_new_int64((int64_t)rb->shell_runs));
		json_object_object_add(shell, "mean", json_seconds(rb->shell_wall));
		json_object_object_add(shell, "user", json_seconds(rb->shell_user));
		json_object_object_add(shell, "system", json_seconds(rb->shell_sys));
		json_object_object_add(shell, "subtracted", json_object_new_boolean(1));
		json_object_object_add(o, "shell_spawning", shell);
	} else {
		json_object_object_add(o, "shell_spawning", NULL);
	}
	if (rb->env_offsets) {
		json_object *offsets = json_object_new_array_ext((int)n);
		for (size_t i = 0; offsets && i < n; i++)
			json_object_array_add(offsets, json_object_new_int(rb->env_offsets[i]));
		json_object_object_add(o, "env_offsets", offsets);
	}
	json_object_object_add(o, "instructions",
			       /* A count: an integer in the JSON, never 270130532.0. */
			       rb->has_instructions ? json_object_new_int64((int64_t)llround(rb->instructions))
						    : NULL);
	if (rb->nmetrics > 0) {
		json_object *metrics = metrics_json(rb, err, errsize);

		if (!metrics) {
			json_object_put(o);
			o = NULL;
			goto done;
		}
		json_object_object_add(o, "metrics", metrics);
	}
	json_object_object_add(o, "unstable", unstable_json(rb));
	json_object_object_add(o, "interference", interference_json(&rb->interference));
	if (rb->memory_floor_bytes > 0) {
		json_object *floor = json_object_new_object();

		json_object_object_add(floor, "bytes", json_object_new_int64(rb->memory_floor_bytes));
		json_object_object_add(floor, "at", json_object_new_int(rb->memory_at_floor));
		json_object_object_add(floor, "within_bytes",
				       json_object_new_int64(rb->memory_floor_slack));
		json_object_object_add(o, "memory_floor", floor);
	}
	if (rb->rounds > 0) {
		json_object_object_add(o, "rounds", json_object_new_int(rb->rounds));
		json_object_object_add(o, "sequential_level", json_figure("%.6g", rb->sequential_level));
	}
done:
	free(command);
	free(wall);
	free(outlier_idx);
	return o;
}

char *result_render(const struct result_input *in, char *err, size_t errsize)
{
	json_object *root = json_object_new_object(), *results = json_object_new_array();
	json_object *info = json_object_new_object(), *host = NULL;
	struct strbuf out = STRBUF_INIT;
	const char *json;
	char run[RUNID_NAME_MAX], *text = NULL;
	if (!root || !results || !info) {
		snprintf(err, errsize, "out of memory");
		goto done;
	}
	json_object_object_add(root, "results", results);
	for (size_t i = 0; i < in->nbenches; i++) {
		json_object *b = bench_json(in, &in->benches[i], err, errsize);
		if (!b)
			goto done;
		json_object_array_add(results, b);
	}
	runid_dir_name(run, sizeof(run), in->run_id);
	json_object_object_add(info, "run", json_object_new_string(run));
	json_object_object_add(info, "commit", json_object_new_string(in->commit));
	json_object_object_add(info, "revision", json_object_new_string(in->revision));
	if (in->pair_run_id > 0) {
		json_object *pair = json_object_new_object();
		char other[RUNID_NAME_MAX];
		runid_dir_name(other, sizeof(other), in->pair_run_id);
		json_object_object_add(pair, "run", json_object_new_string(other));
		json_object_object_add(pair, "commit", json_object_new_string(in->pair_commit));
		json_object_object_add(info, "interleaved_with", pair);
	}
	if (in->host_json)
		host = json_tokener_parse(in->host_json);
	json_object_object_add(info, "host", host);
	json_object_object_add(root, "benchfs", info);
	info = NULL;
	json = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
						     JSON_C_TO_STRING_SPACED |
						     JSON_C_TO_STRING_NOSLASHESCAPE);
	/* A text file ends with a newline, so `cat` leaves the prompt on its own line. */
	if (json) {
		strbuf_addstr(&out, json);
		strbuf_addch(&out, '\n');
	}
	if (!json || !(text = strbuf_detach(&out, NULL)))
		snprintf(err, errsize, "out of memory");
done:
	json_object_put(info);
	json_object_put(root);
	return text;
}
