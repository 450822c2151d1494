/* The measured times in a run's log as hyperfine shows them: each
 * iteration's line, and a benchmark's summary (mean, deviation, range).
 * Part of measuring one benchmark: runner/internal_measure.h. */
#include <math.h>
#include <stdio.h>

#include "runner/internal_measure.h"
#include "runner/runlog.h"

/* A duration as hyperfine shows one: "1.234 s", "12.3 ms", "456.7 µs". */
/* ns in the unit hyperfine would pick for `unit_of` (s, ms or µs): a
 * summary prints every figure in its mean's unit, as hyperfine does. */
static void format_ns_as(char *buf, size_t size, double ns, double unit_of)
{
	if (fabs(unit_of) >= 1e9)
		snprintf(buf, size, "%.3f s", ns / 1e9);
	else if (fabs(unit_of) >= 1e6)
		snprintf(buf, size, "%.1f ms", ns / 1e6);
	else
		snprintf(buf, size, "%.1f µs", ns / 1e3);
}

static void format_ns(char *buf, size_t size, double ns)
{
	format_ns_as(buf, size, ns, ns);
}

/* Each measured iteration's time in the log, as result.json has it (the
 * shell's start-up subtracted): whatever "output" says, the log shows the
 * numbers. Written when the loop is quiet, as the rows are, so no log write
 * runs beside a measured command that follows closely. */
void times_log(struct state *st)
{
	for (size_t s = 0; s < st->job->nsides; s++) {
		struct side_state *ss = &st->sides[s];

		for (; ss->logged < ss->n; ss->logged++) {
			const struct store_iteration *it = &ss->its[ss->logged];
			char wall[32], user[32], sys[32];

			format_ns(wall, sizeof(wall), (double)it->wall_ns);
			format_ns(user, sizeof(user), (double)it->user_ns);
			format_ns(sys, sizeof(sys), (double)it->sys_ns);
			runlog_printf(ss->side->log, "benchfs",
				      "%s %d/%d: %s (user %s, system %s, max RSS %.1f MiB)",
				      st->b->name, it->iteration, st->count, wall, user, sys,
				      (double)it->maxrss_bytes / (1024.0 * 1024.0));
		}
	}
}

/* The benchmark's summary as hyperfine prints it, over every iteration of
 * the side so far (an extra round: the pairs of every round). */
void summary_log(struct state *st, struct side_state *ss)
{
	double sum = 0, user = 0, sys = 0, sq = 0, min = 0, max = 0, mean;
	char a[32], b[32], c[32], d[32];

	if (ss->n == 0)
		return;
	for (size_t k = 0; k < ss->n; k++) {
		double w = (double)ss->its[k].wall_ns;

		sum += w;
		user += (double)ss->its[k].user_ns;
		sys += (double)ss->its[k].sys_ns;
		if (k == 0 || w < min)
			min = w;
		if (k == 0 || w > max)
			max = w;
	}
	mean = sum / (double)ss->n;
	for (size_t k = 0; k < ss->n; k++)
		sq += ((double)ss->its[k].wall_ns - mean) * ((double)ss->its[k].wall_ns - mean);
	format_ns(a, sizeof(a), mean);
	format_ns_as(c, sizeof(c), user / (double)ss->n, mean);
	format_ns_as(d, sizeof(d), sys / (double)ss->n, mean);
	if (ss->n == 1) {
		runlog_printf(ss->side->log, "benchfs", "%s: Time (abs ≡): %s [User: %s, System: %s]"
			      " (1 run)", st->b->name, a, c, d);
		return;
	}
	format_ns_as(b, sizeof(b), sqrt(sq / (double)(ss->n - 1)), mean);
	runlog_printf(ss->side->log, "benchfs", "%s: Time (mean ± σ): %s ± %s [User: %s, System: %s]",
		      st->b->name, a, b, c, d);
	format_ns_as(a, sizeof(a), min, mean);
	format_ns_as(b, sizeof(b), max, mean);
	runlog_printf(ss->side->log, "benchfs", "%s: Range (min … max): %s … %s, %zu runs",
		      st->b->name, a, b, ss->n);
}
