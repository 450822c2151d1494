/* compare over a long history: the bytes of compare's Markdown and JSON (and
 * of the A/B outcomes the daemon reads) for sides that a store of about
 * 3,000 done runs holds, among runs of another host, excluded runs, a
 * bisection's runs, A/B jobs, summarized runs and shared build ids.
 *
 * compare_scale.expected was written by this very test
 * (COMPARE_SCALE_WRITE=<path> writes what it renders instead of checking it)
 * with compare's code from before its runs were looked up by indexed store
 * queries, when it read every done run of the host and scanned them: the
 * queries must pick the very same runs, so the bytes must not change.
 * Rewrite the file only for a deliberate change of compare's output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "repo/repo.h"
#include "tests/unit/views/views_fixture.h"
#include "views/compare.h"
#include "views/sides.h"

#define HISTORY 3000
#define ITERATIONS 5
#define CONFIG "{\"runs\": 1}"
#define BISECT "bisect/1"
#define OTHER "other"

static const char *const benches[] = {"alpha", "beta"};
#define NBENCHES (sizeof(benches) / sizeof(*benches))

static const char *expected_path;

struct world {
	struct vfix *f;
	/* Real commits (their subjects show); the history's are made up. */
	char a[41], b[41], c[41], d[41], e[41], f2[41], g[41], h[41], none[41];
	int64_t a_last, a_other, b_last, cd_pair[2], cd_excluded[2], bisect_run;
	char *out;
	size_t len, cap;
};

static unsigned long long seed = 7;

/* Uniform in [-0.5, 0.5): a repeatable jitter. */
static double jitter(void)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(seed >> 11) / 9007199254740992.0 - 0.5;
}

static void fake_hash(char out[41], unsigned i)
{
	snprintf(out, 41, "%08x%032x", 0xfeed0000u + i, i);
}

static int64_t queue(struct vfix *f, const char *revision, const char *commit)
{
	struct store_new_run r = {.revision = revision, .commit = commit, .config = CONFIG};
	int64_t id = 0;
	assert_int_equal(store_runs_queue(f->store, &id, &r, 1, (size_t)-1), STORE_OK);
	return id;
}

static void start(struct vfix *f, int64_t id, const char *host)
{
	char system[128];
	snprintf(system, sizeof(system), "{\"hostname\": \"%s\"}", host);
	assert_int_equal(store_run_progress(f->store, id, RUN_RUNNING, "", system), STORE_OK);
}

/* Every benchmark's iterations around level times its base, then done. */
static void measure(struct vfix *f, int64_t id, double level)
{
	double v[ITERATIONS];
	for (size_t b = 0; b < NBENCHES; b++) {
		double run = level * (1 + 0.02 * jitter()) * (b ? 0.02 : 0.01);
		for (size_t i = 0; i < ITERATIONS; i++)
			v[i] = run * (1 + 0.01 * jitter());
		vfix_samples(f, id, benches[b], v, ITERATIONS);
	}
	vfix_done(f, id);
}

static int64_t solo(struct vfix *f, const char *commit, const char *revision, const char *host,
		    double level)
{
	int64_t id = queue(f, revision ? revision : commit, commit);
	start(f, id, host);
	measure(f, id, level);
	return id;
}

static void pair(struct vfix *f, int64_t ids[2], const char *a, const char *b, const char *host,
		 double la, double lb)
{
	struct store_new_run r[2] = {
		{.revision = a, .commit = a, .config = CONFIG, .paired_with_next = true},
		{.revision = b, .commit = b, .config = CONFIG},
	};
	assert_int_equal(store_runs_queue(f->store, ids, r, 2, (size_t)-1), STORE_OK);
	start(f, ids[0], host);
	start(f, ids[1], host);
	measure(f, ids[0], la);
	measure(f, ids[1], lb);
}

static void exclude(struct vfix *f, int64_t id)
{
	assert_int_equal(store_run_exclude(f->store, id, "test"), STORE_OK);
}

static void summarize(struct vfix *f, int64_t id)
{
	struct store_run_summary sums[NBENCHES];
	struct store_summarize s = {.run_id = id, .sums = sums, .nsums = NBENCHES};
	int64_t samples = 0;
	for (size_t b = 0; b < NBENCHES; b++)
		sums[b] = (struct store_run_summary){.benchmark = benches[b],
						     .n = ITERATIONS,
						     .mean = 0.01,
						     .stddev = 0.0001,
						     .median = 0.01,
						     .min = 0.0099,
						     .max = 0.0101};
	assert_int_equal(store_runs_summarize(f->store, &samples, &s, 1), STORE_OK);
	assert_int_equal(samples, (int64_t)(NBENCHES * ITERATIONS));
}

static void metric(struct vfix *f, int64_t id, const char *bench, const char *name, double value)
{
	assert_int_equal(store_metric_add(f->store, id, bench, name, value), STORE_OK);
}

static void build_id(struct vfix *f, int64_t id, char digit)
{
	char hash[41];
	memset(hash, digit, 40);
	hash[40] = '\0';
	assert_int_equal(store_run_set_build_id(f->store, id, hash), STORE_OK);
}

/* The history: one done run of this host per made-up commit, and now and
 * then a run of another host, a bisection's run (slower: as noise it
 * would show), an excluded run or an A/B job of two neighbours; the named
 * commits' runs sit among them, some of them in the newest hundred. */
static void fill(struct world *w)
{
	struct vfix *f = w->f;
	char prev[41] = "", hash[41];
	int64_t ids[2];
	for (unsigned i = 0; i < HISTORY; i++) {
		double level = 1 + 0.001 * (double)(i % 17);
		int64_t id;
		fake_hash(hash, i);
		id = solo(f, hash, NULL, VFIX_HOST, level);
		if (i % 151 == 11)
			exclude(f, id);
		if (i % 97 == 5)
			solo(f, hash, NULL, OTHER, level * 1.2);
		if (i % 113 == 7)
			w->bisect_run = solo(f, hash, BISECT, VFIX_HOST, level * 1.3);
		if (i % 50 == 3 && *prev)
			pair(f, ids, prev, hash, VFIX_HOST, level, level * 1.4);
		switch (i) {
		case 100:
		case 1500:
			solo(f, w->a, NULL, VFIX_HOST, 1.0);
			break;
		case 200:
			summarize(f, solo(f, w->b, NULL, VFIX_HOST, 1.1));
			break;
		case 1600:
			solo(f, w->b, NULL, VFIX_HOST, 1.1);
			break;
		case 2995:
			w->a_last = solo(f, w->a, NULL, VFIX_HOST, 1.0);
			metric(f, w->a_last, "alpha", STORE_METRIC_UNSTABLE, 1);
			break;
		case 2996:
			w->b_last = solo(f, w->b, NULL, VFIX_HOST, 1.1);
			metric(f, w->b_last, "beta", STORE_METRIC_OTHER_CPUS, 0.8);
			break;
		case 2997:
			w->a_other = solo(f, w->a, NULL, OTHER, 0.9);
			break;
		case 2998:
			exclude(f, solo(f, w->a, NULL, VFIX_HOST, 0.5));
			break;
		case 1000:
			pair(f, ids, w->c, w->d, VFIX_HOST, 1.0, 1.05);
			break;
		case 1200:
			solo(f, w->c, NULL, VFIX_HOST, 2.0);
			break;
		case 1300:
			solo(f, w->d, NULL, VFIX_HOST, 0.5);
			break;
		case 2000:
			/* The newest usable job of c and d, queued d first. */
			pair(f, ids, w->d, w->c, VFIX_HOST, 1.2, 1.0);
			w->cd_pair[0] = ids[1];
			w->cd_pair[1] = ids[0];
			metric(f, ids[0], "alpha", STORE_METRIC_SEQUENTIAL_LEVEL, 0.01);
			metric(f, ids[1], "alpha", STORE_METRIC_SEQUENTIAL_LEVEL, 0.01);
			metric(f, ids[0], "alpha", "instructions", 1.2e6);
			metric(f, ids[1], "alpha", "instructions", 1.0e6);
			break;
		case 2500:
			pair(f, ids, w->c, w->d, VFIX_HOST, 1.0, 3.0);
			memcpy(w->cd_excluded, ids, sizeof(ids));
			exclude(f, ids[0]);
			break;
		case 2990:
			pair(f, ids, w->c, w->d, OTHER, 1.0, 0.3);
			solo(f, w->h, NULL, OTHER, 1.0);
			break;
		case 2100:
		case 2200:
			build_id(f, solo(f, w->e, NULL, VFIX_HOST, 1.0), 'a');
			break;
		case 2150:
		case 2250:
			build_id(f, solo(f, w->f2, NULL, VFIX_HOST, 1.01), 'a');
			break;
		case 2300:
			build_id(f, solo(f, w->g, NULL, VFIX_HOST, 1.3), 'b');
			break;
		}
		memcpy(prev, hash, sizeof(prev));
	}
	/* A bisection's run is never latest. */
	fake_hash(hash, 1234);
	solo(f, hash, BISECT, VFIX_HOST, 1.0);
}

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	assert_non_null(w);
	w->f = vfix_new("compare_scale");
	vfix_commit(w->f, w->a, "side a");
	vfix_commit(w->f, w->b, "side b");
	vfix_commit(w->f, w->c, "job c");
	vfix_commit(w->f, w->d, "job d");
	vfix_commit(w->f, w->e, "build e");
	vfix_commit(w->f, w->f2, "build f");
	vfix_commit(w->f, w->g, "build g");
	vfix_commit(w->f, w->h, "another host only");
	vfix_commit(w->f, w->none, "never measured");
	fill(w);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;
	vfix_free(w->f);
	free(w->out);
	free(w);
	return 0;
}

static void emit(struct world *w, const char *fmt, ...)
{
	va_list ap;
	int len;
	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	assert_true(len >= 0);
	if (w->len + (size_t)len + 1 > w->cap) {
		w->cap = (w->len + (size_t)len + 1) * 2;
		assert_non_null(w->out = realloc(w->out, w->cap));
	}
	va_start(ap, fmt);
	vsnprintf(w->out + w->len, (size_t)len + 1, fmt, ap);
	va_end(ap);
	w->len += (size_t)len;
}

/* A side by name: a run ("run-<id>") or latest as compare/ resolves them,
 * else a commit of the history as it is. */
static void ref(struct side_ref *out, struct world *w, const char *name)
{
	if (strncmp(name, "run-", 4) == 0 || strcmp(name, "latest") == 0) {
		assert_int_equal(side_resolve(out, &w->f->ctx, name), 0);
		return;
	}
	memset(out, 0, sizeof(*out));
	snprintf(out->commit, sizeof(out->commit), "%s", name);
}

static void render(struct world *w, const char *label, const char *a, const char *b, bool json)
{
	struct side_ref ra, rb;
	char *text = NULL;
	int rc;
	ref(&ra, w, a);
	ref(&rb, w, b);
	rc = compare_render(&text, &w->f->ctx, a, &ra, b, &rb, json ? COMPARE_JSON : COMPARE_MD);
	emit(w, "==== %s (%s)\n", label, json ? "json" : "md");
	if (rc)
		emit(w, "error %d\n", rc);
	else
		emit(w, "%s\n", text);
	free(text);
}

static void both(struct world *w, const char *label, const char *a, const char *b)
{
	render(w, label, a, b, false);
	render(w, label, a, b, true);
}

static void outcomes(struct world *w, const char *label, const char *a, const char *b)
{
	struct compare_outcome *o = NULL;
	size_t n = 0;
	int rc = compare_pair_outcomes(&o, &n, &w->f->ctx, a, b);
	emit(w, "==== %s (outcomes)\n", label);
	if (rc)
		emit(w, "error %d\n", rc);
	for (size_t i = 0; i < n; i++)
		emit(w, "%s verdict %d ratio %.9g ci %.9g %.9g q %.9g means %.9g %.9g pairs %zu runs %lld %lld\n",
		     o[i].bench, o[i].verdict, o[i].ratio, o[i].ci_lo, o[i].ci_hi, o[i].q, o[i].mean_a,
		     o[i].mean_b, o[i].pairs, (long long)o[i].runs[0], (long long)o[i].runs[1]);
	compare_outcomes_free(o, n);
}

static char *run_name(char out[32], int64_t id)
{
	snprintf(out, 32, "run-%lld", (long long)id);
	return out;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *file = fopen(path, "rb");
	char *text = NULL;
	long size;
	if (!file)
		return NULL;
	if (fseek(file, 0, SEEK_END) == 0 && (size = ftell(file)) >= 0 &&
	    fseek(file, 0, SEEK_SET) == 0 && (text = malloc((size_t)size + 1)) &&
	    fread(text, 1, (size_t)size, file) == (size_t)size) {
		text[size] = '\0';
		*len = (size_t)size;
	} else {
		free(text);
		text = NULL;
	}
	fclose(file);
	return text;
}

static void test_bytes(void **state)
{
	struct world *w = *state;
	const char *write_to = getenv("COMPARE_SCALE_WRITE");
	char r1[32], r2[32], hist[41], *expected;
	size_t len = 0;

	both(w, "separate runs", w->a, w->b);
	w->f->ctx.threshold_auto = true;
	both(w, "separate runs, auto threshold", w->a, w->b);
	w->f->ctx.threshold_auto = false;
	both(w, "newest A/B job", w->c, w->d);
	render(w, "newest A/B job, reversed", w->d, w->c, false);
	both(w, "the job's runs", run_name(r1, w->cd_pair[0]), run_name(r2, w->cd_pair[1]));
	render(w, "an excluded job's runs", run_name(r1, w->cd_excluded[0]),
	       run_name(r2, w->cd_excluded[1]), false);
	render(w, "runs of no job", run_name(r1, w->a_last), run_name(r2, w->b_last), true);
	both(w, "one build", w->e, w->f2);
	render(w, "another build", w->e, w->g, false);
	render(w, "a run of another host", run_name(r1, w->a_other), w->b, false);
	render(w, "a bisection's run", run_name(r1, w->bisect_run), w->a, false);
	render(w, "latest", "latest", w->a, false);
	fake_hash(hist, 2999);
	render(w, "a commit of the history", w->a, hist, false);
	render(w, "another host only", w->a, w->h, false);
	render(w, "never measured", w->none, w->b, false);
	outcomes(w, "job outcomes", w->c, w->d);
	outcomes(w, "no job", w->a, w->b);
	outcomes(w, "another host's job only", w->d, w->h);

	if (write_to) {
		FILE *file = fopen(write_to, "wb");
		assert_non_null(file);
		assert_int_equal(fwrite(w->out, 1, w->len, file), w->len);
		assert_int_equal(fclose(file), 0);
		return;
	}
	assert_non_null(expected_path);
	assert_non_null(expected = read_file(expected_path, &len));
	if (len != w->len || memcmp(expected, w->out, len) != 0) {
		size_t at = 0;
		while (at < len && at < w->len && expected[at] == w->out[at])
			at++;
		fprintf(stderr, "compare_scale: the bytes differ from %s at offset %zu:\n"
				"expected: %.200s\n"
				"actual:   %.200s\n",
			expected_path, at, expected + at, w->out + at);
	}
	assert_int_equal(len, w->len);
	assert_memory_equal(expected, w->out, len);
	free(expected);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bytes, setup, teardown),
	};
	int rc;
	expected_path = argc > 1 ? argv[1] : NULL;
	assert_int_equal(repo_lib_init(), 0);
	rc = cmocka_run_group_tests_name("compare_scale", tests, NULL, NULL);
	repo_lib_shutdown();
	return rc;
}
