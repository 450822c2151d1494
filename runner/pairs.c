/* The stopping rule of an interleaved A/B job: after every benchmark's first
 * round, look at its pairs at the level of its sequential design
 * (stats/sequential.h), decide every benchmark together (stats/verdict.h)
 * and give those still undecided another round, until all are decided or
 * capped. The looks are logged to both runs' debug.log. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/internal.h"
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
	struct stats_paired paired;
	char why[160]; /* why it was not analysed ("" when it was) */
	bool stuck;    /* not analysed, and more pairs would not change that */
};

/* Scratch of the looks, grown as the pairs grow. */
struct pairs_scratch {
	double *a, *b, *work;
	size_t n, work_len;
};

/* The paired analysis of benchmark i at its look, into in (testable or not). */
static void pairs_analyse(struct job *job, size_t i, struct pairs_bench *pb,
			  struct pairs_scratch *sc, struct stats_verdict_input *in)
{
	const struct result_bench *ra = &job->sides[0].benches[i], *rb = &job->sides[1].benches[i];
	size_t n = ra->n, need;
	int rc;

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
	need = stats_paired_scratch_len(n);
	if (need == SIZE_MAX || need > PAIRED_SCRATCH_MAX / sizeof(double)) {
		snprintf(pb->why, sizeof(pb->why), "too many pairs to analyse (%zu)", n);
		return;
	}
	if (n > sc->n) {
		if (REALLOC_ARRAY(sc->a, n) || REALLOC_ARRAY(sc->b, n)) {
			snprintf(pb->why, sizeof(pb->why), "out of memory");
			return;
		}
		sc->n = n;
	}
	if (need > sc->work_len) {
		if (REALLOC_ARRAY(sc->work, need)) {
			snprintf(pb->why, sizeof(pb->why), "out of memory");
			return;
		}
		sc->work_len = need;
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
	rc = stats_paired_analyse(&pb->paired, sc->a, sc->b, n, 1.0 - in->level, sc->work,
				  sc->work_len);
	if (rc != STATS_OK) {
		snprintf(pb->why, sizeof(pb->why), "the paired analysis failed (%d)", rc);
		return;
	}
	pb->stuck = false;
	in->testable = true;
	in->estimate = pb->paired.hl.estimate;
	in->lo = pb->paired.hl.lo;
	in->hi = pb->paired.hl.hi;
	in->p = pb->paired.wilcoxon.p;
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

/* One look's line, e.g. "sort: look 2, 20 pairs: +4.3% [+1.2%, +7.5%] at
 * 99.97%, p=0.0012 (signed-rank), undecided: adding 20 pairs". */
static void pairs_log_look(struct job *job, const char *name, const struct pairs_bench *pb,
			   const struct stats_verdict_input *in, enum stats_verdict v)
{
	char what[320], decision[96], conf[32];
	size_t n = pb->design.size[pb->look];

	if (in->testable) {
		format_confidence(conf, sizeof(conf), in->level);
		snprintf(what, sizeof(what), "%+.1f%% [%+.1f%%, %+.1f%%] at %s, p=%.2g (signed-rank)",
			 100.0 * expm1(in->estimate), 100.0 * expm1(in->lo), 100.0 * expm1(in->hi),
			 conf, in->p);
	} else {
		snprintf(what, sizeof(what), "not analysed: %s", pb->why);
	}
	if (pb->add > 0)
		snprintf(decision, sizeof(decision), "%s: adding %d pairs", stats_verdict_name(v),
			 pb->add);
	else if (v == STATS_UNDECIDED && pb->stuck)
		snprintf(decision, sizeof(decision), "undecided: more pairs would not help");
	else if (v == STATS_UNDECIDED)
		snprintf(decision, sizeof(decision), "undecided at the cap");
	else
		snprintf(decision, sizeof(decision), "%s", stats_verdict_name(v));
	pairs_log(job, "%s: look %ld, %zu pairs: %s, %s", name, pb->look + 1, n, what, decision);
}

/* After every benchmark's first round: look at each benchmark's pairs,
 * decide all of them together (stats_verdicts: the sequential levels, the
 * false discovery rate over the benchmarks), and give every benchmark still
 * undecided whose design has a further look another round, up to that
 * look's pairs, until none is left. The levels of the looks are spent so
 * that the false-alarm rate over all looks stays at compare_alpha. 0, or -1
 * with the job failed or cancelled. */
int job_add_pairs(struct job *job, const char *tmp, int nperf)
{
	const struct config *c = job->config;
	size_t m = c->nbenchmarks;
	struct pairs_bench *pb = calloc(m, sizeof(*pb));
	struct stats_verdict_input *in = calloc(m, sizeof(*in));
	struct stats_verdict_output *out = calloc(m, sizeof(*out));
	size_t *order = calloc(m, sizeof(*order));
	double *work = calloc(m, sizeof(*work));
	struct pairs_scratch sc = {0};
	int result = -1;

	if (!pb || !in || !out || !order || !work) {
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
		  "pairs are added until decided: a benchmark is looked at after its first round's"
		  " pairs, then doubled up to compare.max_pairs (%d); alpha %g is spent over the"
		  " looks; threshold %g%%",
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
		for (size_t i = 0; i < m; i++) {
			const struct stats_sequential *d = &pb[i].design;
			size_t k = (size_t)pb[i].look;
			bool again = out[i].verdict == STATS_UNDECIDED && !pb[i].stuck &&
				     k + 1 < d->looks;
			pb[i].add = again ? (int)(d->size[k + 1] - d->size[k]) : 0;
			if (pb[i].fresh || pb[i].add > 0)
				pairs_log_look(job, c->benchmarks[i].name, &pb[i], &in[i],
					       out[i].verdict);
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
	free(order);
	free(work);
	free(sc.a);
	free(sc.b);
	free(sc.work);
	return result;
}
