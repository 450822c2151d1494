/* The stopping rule of an interleaved A/B job: after every benchmark's first
 * round, look at its pairs at the level of its sequential design
 * (stats/sequential.h), decide every benchmark together (stats/verdict.h)
 * and give those still undecided another round, until all are decided or
 * capped. Undecided is its wall time's verdict or that of any of its
 * declared metrics (a throughput), which compare/ judges from the same
 * pairs and the daemon confirms a metric's step with: a job stopping on
 * wall time alone would leave such a step undecided. The looks are logged
 * to both runs' debug.log. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/internal.h"
#include "stats/hypothesis.h"
#include "stats/paired.h"
#include "stats/sequential.h"
#include "stats/verdict.h"
#include "util/array.h"

/* The paired analysis's scratch grows with the pairs: beyond this much a
 * look is not analysed (undecided, saying why) rather than risking the
 * daemon's memory. */
#define PAIRED_SCRATCH_MAX ((size_t)256 << 20)

/* Where one benchmark of an A/B job stands. */
struct pairs_bench {
	struct stats_sequential design;
	long look;     /* the look of the pairs measured (0-based) */
	int rounds;    /* rounds measured */
	bool fresh;    /* measured since its look was last logged */
	int add;       /* pairs of its next round; 0: none */
	char why[160]; /* why it was not analysed ("" when it was) */
	bool stuck;    /* not analysed, and more pairs would not change that */
};

/* Scratch of the looks, grown as the pairs grow. */
struct pairs_scratch {
	double *a, *b, *work;
	size_t n, work_len;
};

/* One declared metric of one benchmark at the benchmark's look, judged as
 * compare/ judges a metric of an A/B job (views/compare_verdicts.c): its
 * values pair by pair, or a change from 0 by Mann-Whitney U on the
 * iterations; each metric is a family of its own in the correction. */
struct pairs_metric {
	size_t bench;
	struct store_metric_def def;
	struct stats_verdict_input in;
	enum stats_verdict verdict;
	bool from_zero;  /* 0 on a side: diff tested, no log ratio */
	double diff;     /* from_zero: mean of B - mean of A */
	size_t pairs;
	char why[160];   /* why it was not tested ("" when it was) */
	bool stuck;      /* not tested, and more pairs would not change that */
};

/* sc->work of at least need doubles, for the analysis of n pairs. 0, or -1
 * with why said. */
static int scratch_reserve(struct pairs_scratch *sc, size_t need, size_t n, char *why,
			   size_t whysize)
{
	if (need == SIZE_MAX || need > PAIRED_SCRATCH_MAX / sizeof(double)) {
		snprintf(why, whysize, "too many pairs to analyse (%zu)", n);
		return -1;
	}
	if (need > sc->work_len) {
		if (REALLOC_ARRAY(sc->work, need)) {
			snprintf(why, whysize, "out of memory");
			return -1;
		}
		sc->work_len = need;
	}
	return 0;
}

/* The paired analysis of a[0..n) against b[0..n) into in, at in->level
 * (n >= 2). 0, or -1 with why said. */
static int paired_input(struct stats_verdict_input *in, char *why, size_t whysize,
			struct pairs_scratch *sc, const double *a, const double *b, size_t n)
{
	struct stats_paired pa;
	int rc;

	if (scratch_reserve(sc, stats_paired_scratch_len(n), n, why, whysize))
		return -1;
	rc = stats_paired_analyse(&pa, a, b, n, 1.0 - in->level, sc->work, sc->work_len);
	if (rc != STATS_OK) {
		snprintf(why, whysize, "the paired analysis failed (%d)", rc);
		return -1;
	}
	in->testable = true;
	in->estimate = pa.hl.estimate;
	in->lo = pa.hl.lo;
	in->hi = pa.hl.hi;
	in->p = pa.wilcoxon.p;
	return 0;
}

/* The paired analysis of benchmark i at its look, into in (testable or not). */
static void pairs_analyse(struct job *job, size_t i, struct pairs_bench *pb,
			  struct pairs_scratch *sc, struct stats_verdict_input *in)
{
	const struct result_bench *ra = &job->sides[0].benches[i], *rb = &job->sides[1].benches[i];
	size_t n = ra->n;

	*in = (struct stats_verdict_input){
		.level = pb->design.level[pb->look],
		.threshold = job->config->compare_threshold,
	};
	pb->why[0] = '\0';
	pb->stuck = true;
	if (rb->n != n) {
		snprintf(pb->why, sizeof(pb->why), "the sides measured %zu and %zu iterations", n,
			 rb->n);
		return;
	}
	if (n < 2) {
		snprintf(pb->why, sizeof(pb->why), "fewer than 2 pairs");
		pb->stuck = false;
		return;
	}
	if (n > sc->n) {
		if (REALLOC_ARRAY(sc->a, n) || REALLOC_ARRAY(sc->b, n)) {
			snprintf(pb->why, sizeof(pb->why), "out of memory");
			return;
		}
		sc->n = n;
	}
	/* Pair i is iteration i of each side: the times result.json has (the
	 * shell's start-up subtracted). */
	for (size_t k = 0; k < n; k++) {
		if (ra->iterations[k].iteration != rb->iterations[k].iteration) {
			snprintf(pb->why, sizeof(pb->why), "iteration %d of A meets %d of B",
				 ra->iterations[k].iteration, rb->iterations[k].iteration);
			return;
		}
		sc->a[k] = (double)ra->iterations[k].wall_ns;
		sc->b[k] = (double)rb->iterations[k].wall_ns;
		if (sc->a[k] <= 0 || sc->b[k] <= 0) {
			snprintf(pb->why, sizeof(pb->why),
				 "iteration %d took no time once the shell's start-up is subtracted",
				 ra->iterations[k].iteration);
			return;
		}
	}
	if (paired_input(in, pb->why, sizeof(pb->why), sc, sc->a, sc->b, n) == 0)
		pb->stuck = false;
}

/* The metric called name of a side's benchmark (NULL: it has no value of it). */
static const struct result_metric *bench_metric(const struct result_bench *rb, const char *name)
{
	for (size_t j = 0; j < rb->nmetrics; j++)
		if (rb->metrics[j].n > 0 && strcmp(rb->metrics[j].def.name, name) == 0)
			return &rb->metrics[j];
	return NULL;
}

/* The gating metrics of every benchmark, reported by either side, into
 * *pm (*n of them, each benchmark's together). 0, or -1 out of memory. */
static int metrics_collect(struct pairs_metric **pm, size_t *n, size_t *alloc, const struct job *job)
{
	*n = 0;
	for (size_t i = 0; i < job->config->nbenchmarks; i++) {
		size_t first = *n;
		for (size_t s = 0; s < job->nsides; s++) {
			const struct result_bench *rb = &job->sides[s].benches[i];
			for (size_t j = 0; j < rb->nmetrics; j++) {
				const struct store_metric_def *def = &rb->metrics[j].def;
				bool seen = false;
				for (size_t e = first; e < *n && !seen; e++)
					seen = strcmp((*pm)[e].def.name, def->name) == 0;
				if (seen || rb->metrics[j].n == 0 || !store_metric_gates(def->name))
					continue;
				if (ALLOC_GROW_BY(*pm, *n, 1, *alloc))
					return -1;
				(*pm)[*n - 1].bench = i;
				(*pm)[*n - 1].def = *def;
			}
		}
	}
	return 0;
}

/* Metric pm at its benchmark's look (level): compare/'s rules for a metric
 * of an A/B job. A value on one side only, or a mean of A not above 0, is
 * not tested; 0 on a side (values never negative) is a change from 0
 * (Mann-Whitney U on the iterations), 0 on both unchanged; otherwise the
 * paired analysis of iteration k of A against iteration k of B, as wall
 * time's. */
static void metric_analyse(struct pairs_metric *pm, const struct job *job,
			   struct pairs_scratch *sc, double level)
{
	const struct result_metric *m[2] = {
		bench_metric(&job->sides[0].benches[pm->bench], pm->def.name),
		bench_metric(&job->sides[1].benches[pm->bench], pm->def.name),
	};
	double min[2], max[2], mean[2];
	struct stats_mwu mwu;
	int rc;

	pm->in = (struct stats_verdict_input){
		.level = level,
		.threshold = job->config->compare_threshold,
	};
	pm->verdict = STATS_UNDECIDED;
	pm->from_zero = false;
	pm->why[0] = '\0';
	pm->stuck = true;
	pm->pairs = 0;
	if (!m[0] || !m[1]) {
		snprintf(pm->why, sizeof(pm->why), "side %s has no value of it", m[0] ? "B" : "A");
		return;
	}
	pm->pairs = m[0]->n < m[1]->n ? m[0]->n : m[1]->n;
	for (size_t s = 0; s < 2; s++) {
		double sum = 0;
		min[s] = max[s] = m[s]->values[0];
		for (size_t k = 0; k < m[s]->n; k++) {
			sum += m[s]->values[k];
			min[s] = m[s]->values[k] < min[s] ? m[s]->values[k] : min[s];
			max[s] = m[s]->values[k] > max[s] ? m[s]->values[k] : max[s];
		}
		mean[s] = sum / (double)m[s]->n;
	}
	if (min[0] >= 0 && min[1] >= 0 && (mean[0] == 0 || mean[1] == 0)) {
		pm->from_zero = true;
		pm->diff = mean[1] - mean[0];
		if (max[0] == 0 && max[1] == 0) {
			pm->verdict = STATS_UNCHANGED;
			return;
		}
		if (scratch_reserve(sc, stats_mann_whitney_scratch_len(m[0]->n, m[1]->n), pm->pairs,
				    pm->why, sizeof(pm->why)))
			return;
		rc = stats_mann_whitney_test(&mwu, m[0]->values, m[0]->n, m[1]->values, m[1]->n,
					     STATS_MWU_AUTO, sc->work, sc->work_len);
		if (rc != STATS_OK) {
			snprintf(pm->why, sizeof(pm->why), "Mann-Whitney U failed (%d)", rc);
			return;
		}
		pm->stuck = false;
		pm->in.testable = true;
		pm->in.estimate = pm->diff > 0 ? STATS_VERDICT_FROM_ZERO_LOG : -STATS_VERDICT_FROM_ZERO_LOG;
		pm->in.lo = pm->in.hi = pm->in.estimate;
		pm->in.p = mwu.p;
		return;
	}
	if (!(mean[0] > 0)) {
		snprintf(pm->why, sizeof(pm->why), "side A's mean is not above 0");
		return;
	}
	if (pm->pairs < 2) {
		snprintf(pm->why, sizeof(pm->why), "fewer than 2 pairs");
		pm->stuck = false;
		return;
	}
	if (paired_input(&pm->in, pm->why, sizeof(pm->why), sc, m[0]->values, m[1]->values,
			 pm->pairs) == 0)
		pm->stuck = false;
}

/* The verdicts of the metrics: each metric's tested benchmarks one family
 * of the correction, as compare/ decides them. in, out, idx, order, work:
 * scratch of one entry per benchmark. 0, or -1. */
static int metrics_decide(struct pairs_metric *pm, size_t n, double alpha,
			  struct stats_verdict_input *in, struct stats_verdict_output *out,
			  size_t *idx, size_t *order, double *work)
{
	for (size_t e = 0; e < n; e++) {
		size_t k = 0;
		bool earlier = false;
		for (size_t f = 0; f < e && !earlier; f++)
			earlier = strcmp(pm[f].def.name, pm[e].def.name) == 0;
		if (earlier)
			continue;
		for (size_t f = e; f < n; f++)
			if (pm[f].in.testable && strcmp(pm[f].def.name, pm[e].def.name) == 0) {
				in[k] = pm[f].in;
				idx[k++] = f;
			}
		if (k > 0 && stats_verdicts(out, in, k, alpha, order, work) != STATS_OK)
			return -1;
		for (size_t j = 0; j < k; j++)
			pm[idx[j]].verdict = out[j].verdict;
	}
	return 0;
}


/* A confidence as a percentage with the digits that tell it from 100%. */
static void format_confidence(char *buf, size_t size, double level)
{
	double percent = 100.0 * (1.0 - level);
	int prec = 2;
	/* "100.00%" would say certain */
	while (prec < 9 && percent >= 100.0 - 0.5 * pow(10.0, -prec))
		prec++;
	snprintf(buf, size, "%.*f%%", prec, percent);
}

static void pairs_log(struct job *job, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void pairs_log(struct job *job, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	for (size_t s = 0; s < job->nsides; s++)
		runlog_printf(job->sides[s].log, "benchfs", "%s", text);
}

/* What a look found: a paired analysis's change, e.g. "+4.3% [+1.2%,
 * +7.5%] at 99.97%, p=0.0012 (signed-rank)", or why there is none. */
static void format_paired(char *buf, size_t size, const struct stats_verdict_input *in,
			  const char *why)
{
	char conf[32];
	if (!in->testable) {
		snprintf(buf, size, "not analysed: %s", why);
		return;
	}
	format_confidence(conf, sizeof(conf), in->level);
	snprintf(buf, size, "%+.1f%% [%+.1f%%, %+.1f%%] at %s, p=%.2g (signed-rank)",
		 100.0 * expm1(in->estimate), 100.0 * expm1(in->lo), 100.0 * expm1(in->hi), conf,
		 in->p);
}

/* One look's line, e.g. "sort: look 2, 20 pairs: +4.3% [+1.2%, +7.5%] at
 * 99.97%, p=0.0012 (signed-rank), undecided: adding 20 pairs"; name is a
 * benchmark's (its wall time) or "<benchmark>:<metric>", what as
 * format_paired says it, verdict in the metric's own words. */
static void pairs_log_look(struct job *job, const char *name, const struct pairs_bench *pb,
			   size_t n, const char *what, const char *verdict, bool undecided,
			   bool stuck)
{
	char decision[96];

	if (pb->add > 0)
		snprintf(decision, sizeof(decision), "%s: adding %d pairs", verdict, pb->add);
	else if (undecided && stuck)
		snprintf(decision, sizeof(decision), "undecided: more pairs would not help");
	else if (undecided)
		snprintf(decision, sizeof(decision), "undecided at the cap");
	else
		snprintf(decision, sizeof(decision), "%s", verdict);
	pairs_log(job, "%s: look %ld, %zu pairs: %s, %s", name, pb->look + 1, n, what, decision);
}

/* The look's line of each metric of benchmark i. */
static void metrics_log_look(struct job *job, size_t i, const struct pairs_bench *pb,
			     const struct pairs_metric *pm, size_t n)
{
	char name[CONFIG_NAME_MAX + STORE_METRIC_NAME_MAX + 2], what[320], conf[32];

	for (size_t e = 0; e < n; e++) {
		const struct pairs_metric *m = &pm[e];
		if (m->bench != i)
			continue;
		snprintf(name, sizeof(name), "%s:%s", job->config->benchmarks[i].name, m->def.name);
		format_confidence(conf, sizeof(conf), m->in.level);
		if (m->from_zero && m->in.testable)
			snprintf(what, sizeof(what), "%+.4g %s from 0 at %s, p=%.2g (Mann-Whitney U)",
				 m->diff, m->def.unit, conf, m->in.p);
		else if (!m->in.testable && !m->why[0])
			snprintf(what, sizeof(what), "0 on both sides");
		else
			format_paired(what, sizeof(what), &m->in, m->why);
		pairs_log_look(job, name, pb, m->pairs, what,
			       stats_metric_verdict_name(m->verdict, m->def.higher_is_better),
			       m->verdict == STATS_UNDECIDED, m->stuck);
	}
}

/* After every benchmark's first round: look at each benchmark's pairs,
 * decide all of them together (stats_verdicts: the sequential levels, the
 * false discovery rate over the benchmarks; each declared metric a family
 * of its own, at its benchmark's look), and give every benchmark whose wall
 * time or declared metric is still undecided, and whose design has a
 * further look, another round, up to that look's pairs, until none is
 * left. The levels of the looks are spent so that the false-alarm rate
 * over all looks stays at compare_alpha; a decided wall time looked at
 * again for a metric's sake is only reported decided when it crosses the
 * later look's boundary too. 0, or -1 with the job failed or cancelled. */
int job_add_pairs(struct job *job, const char *tmp, int nperf)
{
	const struct config *c = job->config;
	size_t m = c->nbenchmarks;
	struct pairs_bench *pb = calloc(m, sizeof(*pb));
	struct stats_verdict_input *in = calloc(m, sizeof(*in));
	struct stats_verdict_output *out = calloc(m, sizeof(*out));
	struct stats_verdict_input *fam_in = calloc(m, sizeof(*fam_in));
	struct stats_verdict_output *fam_out = calloc(m, sizeof(*fam_out));
	size_t *order = calloc(m, sizeof(*order)), *midx = calloc(m, sizeof(*midx));
	double *work = calloc(m, sizeof(*work));
	struct pairs_scratch sc = {0};
	struct pairs_metric *pm = NULL;
	size_t npm = 0, pm_alloc = 0;
	int result = -1;

	if (!pb || !in || !out || !fam_in || !fam_out || !order || !midx || !work) {
		job_fail(job, 0, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < m; i++) {
		size_t n0 = job->sides[0].benches[i].n;
		size_t cap = c->compare_max_pairs > 0 && (size_t)c->compare_max_pairs > n0
				     ? (size_t)c->compare_max_pairs
				     : n0;
		if (n0 == 0 || stats_sequential_init(&pb[i].design, n0, cap, c->compare_alpha)) {
			job_fail(job, 0, "%s: no design for adding pairs to %zu up to %zu",
				 c->benchmarks[i].name, n0, cap);
			goto done;
		}
		pb[i].look = 0;
		pb[i].rounds = 1;
		pb[i].fresh = true;
	}
	pairs_log(job,
		  "pairs are added until decided: a benchmark's wall time and declared metrics are"
		  " looked at after its first round's pairs, then doubled up to compare.max_pairs"
		  " (%d); alpha %g is spent over the looks; threshold %g%%",
		  c->compare_max_pairs, c->compare_alpha, 100.0 * c->compare_threshold);
	for (;;) {
		bool more = false;
		for (size_t i = 0; i < m; i++) {
			long look = stats_sequential_look(&pb[i].design, job->sides[0].benches[i].n);
			if (look < 0) {
				job_fail(job, 0, "%s: %zu pairs is not a look of its design",
					 c->benchmarks[i].name, job->sides[0].benches[i].n);
				goto done;
			}
			pb[i].look = look;
			pairs_analyse(job, i, &pb[i], &sc, &in[i]);
		}
		if (stats_verdicts(out, in, m, c->compare_alpha, order, work) != STATS_OK) {
			job_fail(job, 0, "the verdicts of the looks cannot be computed");
			goto done;
		}
		if (metrics_collect(&pm, &npm, &pm_alloc, job)) {
			job_fail(job, 0, "out of memory");
			goto done;
		}
		for (size_t e = 0; e < npm; e++) {
			const struct pairs_bench *b = &pb[pm[e].bench];
			metric_analyse(&pm[e], job, &sc, b->design.level[b->look]);
		}
		if (metrics_decide(pm, npm, c->compare_alpha, fam_in, fam_out, midx, order, work)) {
			job_fail(job, 0, "the verdicts of the metrics' looks cannot be computed");
			goto done;
		}
		for (size_t i = 0; i < m; i++) {
			const struct stats_sequential *d = &pb[i].design;
			size_t k = (size_t)pb[i].look;
			bool again = out[i].verdict == STATS_UNDECIDED && !pb[i].stuck;
			for (size_t e = 0; e < npm && !again; e++)
				again = pm[e].bench == i && pm[e].verdict == STATS_UNDECIDED &&
					!pm[e].stuck;
			again = again && k + 1 < d->looks;
			pb[i].add = again ? (int)(d->size[k + 1] - d->size[k]) : 0;
			if (pb[i].fresh || pb[i].add > 0) {
				char what[320];
				format_paired(what, sizeof(what), &in[i], pb[i].why);
				pairs_log_look(job, c->benchmarks[i].name, &pb[i], d->size[k], what,
					       stats_verdict_name(out[i].verdict),
					       out[i].verdict == STATS_UNDECIDED, pb[i].stuck);
				metrics_log_look(job, i, &pb[i], pm, npm);
			}
			pb[i].fresh = false;
			more = more || pb[i].add > 0;
		}
		if (!more)
			break;
		for (size_t i = 0; i < m; i++) {
			if (pb[i].add == 0)
				continue;
			pb[i].rounds++;
			if (bench_round(job, i, pb[i].rounds, pb[i].add, tmp, nperf))
				goto done;
			pb[i].fresh = true;
		}
	}
	for (size_t i = 0; i < m; i++) {
		const char *name = c->benchmarks[i].name;
		size_t n = pb[i].design.size[pb[i].look];
		double level = pb[i].design.level[pb[i].look];
		if (out[i].verdict != STATS_UNDECIDED)
			pairs_log(job, "%s: %s after %zu pairs", name, stats_verdict_name(out[i].verdict),
				  n);
		else if (!in[i].testable)
			pairs_log(job, "%s: undecided after %zu pairs: %s", name, n, pb[i].why);
		else
			pairs_log(job,
				  "%s: undecided after %zu pairs (the cap): the change is smaller than"
				  " this machine's noise can resolve; raise compare.max_pairs or quiet"
				  " the machine",
				  name, n);
		for (size_t e = 0; e < npm; e++) {
			const struct pairs_metric *p = &pm[e];
			if (p->bench != i)
				continue;
			if (p->verdict != STATS_UNDECIDED)
				pairs_log(job, "%s:%s: %s after %zu pairs", name, p->def.name,
					  stats_metric_verdict_name(p->verdict,
								    p->def.higher_is_better),
					  p->pairs);
			else if (!p->in.testable)
				pairs_log(job, "%s:%s: undecided after %zu pairs: %s", name, p->def.name,
					  p->pairs, p->why);
			else
				pairs_log(job, "%s:%s: undecided after %zu pairs (the cap)", name,
					  p->def.name, p->pairs);
		}
		for (size_t s = 0; s < job->nsides; s++) {
			struct side *sd = &job->sides[s];
			sd->benches[i].rounds = pb[i].rounds;
			sd->benches[i].sequential_level = level;
			if (store_metric_add(job->runner->store, sd->run->id, name,
					     STORE_METRIC_SEQUENTIAL_LEVEL, level)) {
				job_interrupt(job, s, "store: %s", store_errmsg(job->runner->store));
				goto done;
			}
		}
	}
	result = 0;
done:
	free(pb);
	free(in);
	free(out);
	free(fam_in);
	free(fam_out);
	free(order);
	free(midx);
	free(work);
	free(pm);
	free(sc.a);
	free(sc.b);
	free(sc.work);
	return result;
}
