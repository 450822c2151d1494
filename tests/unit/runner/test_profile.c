/* Unit tests for runner/profile.c and profile_callgrind.c: perf record and
 * callgrind iterations, driven through a real spawner (BENCHFS_SPAWNER, set
 * by meson) and a real runlog. Tests that need perf skip, saying why, only
 * when perf is absent or refused on this machine (found out at run time). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runner/profile.h"
#include "runner/runlog.h"
#include "spawner/spawner.h"
#include "util/rmtree.h"

static char *base_env[] = { "PATH=/usr/bin:/bin", "LC_ALL=C", "MARK=from-env", NULL };

struct fixture {
	struct spawner *sp;
	struct runlog *log;
	char dir[64];       /* scratch: the benchmark's cwd, outputs */
	char log_path[128];
	char *saved_path;   /* the daemon's PATH, which some tests change */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || !getenv("BENCHFS_SPAWNER")) {
		fprintf(stderr, "BENCHFS_SPAWNER is not set (run through meson test)\n");
		return -1;
	}
	snprintf(f->dir, sizeof(f->dir), "/tmp/benchfs-profile-XXXXXX");
	if (!mkdtemp(f->dir) || spawner_start(&f->sp))
		return -1;
	snprintf(f->log_path, sizeof(f->log_path), "%s/debug.log", f->dir);
	if (runlog_open(&f->log, f->log_path))
		return -1;
	f->saved_path = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	runlog_free(f->log);
	spawner_free(f->sp);
	rmtree(f->dir);
	free(f->saved_path);
	free(f);
	return 0;
}

/* Each test starts with an empty log and the daemon's PATH. */
static int test_setup(void **state)
{
	struct fixture *f = *state;

	setenv("PATH", f->saved_path, 1);
	return truncate(f->log_path, 0);
}

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (!fp)
		return NULL;
	buf = malloc(1 << 20);
	if (buf) {
		len = fread(buf, 1, (1 << 20) - 1, fp);
		buf[len] = '\0';
	}
	fclose(fp);
	return buf;
}

static bool log_has(struct fixture *f, const char *needle)
{
	char *text = slurp(f->log_path);
	bool found = text && strstr(text, needle);

	free(text);
	return found;
}

static void print_log(struct fixture *f)
{
	char *text = slurp(f->log_path);

	printf("--- debug.log:\n%s---\n", text ? text : "(none)");
	free(text);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The job for argv, as the runner would build it. */
static struct profile_job job_for(struct fixture *f, struct spawn_spec *spec, char **argv,
				  double timeout_s)
{
	*spec = (struct spawn_spec){
		.argv = argv,
		.envp = base_env,
		.cwd = f->dir,
		.timeout_s = timeout_s,
		.on_output = runlog_output,
		.output_ctx = f->log,
	};
	return (struct profile_job){ .spawner = f->sp, .spec = spec, .log = f->log,
				     .bench_name = "bench" };
}

static bool in_path(const char *name)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s > /dev/null 2>&1", name);
	return system(cmd) == 0;
}

/* Whether perf can record here: skips the test (saying why) when perf is
 * absent or refused; the profile_perf result decides, not a guess. */
static bool perf_usable(struct fixture *f, int rc)
{
	if (!in_path("perf")) {
		printf("[  SKIPPED ] perf is not installed: the perf.data checks did not run\n");
		return false;
	}
	if (rc == -ENOTSUP && log_has(f, "perf cannot record on this machine")) {
		printf("[  SKIPPED ] perf is refused on this machine:\n");
		print_log(f);
		return false;
	}
	return true;
}

static void write_script(const char *path, const char *body)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fprintf(fp, "#!/bin/sh\n%s\n", body);
	fclose(fp);
	assert_int_equal(chmod(path, 0755), 0);
}

/* A complete perf.data, readable by perf report, from an iteration with the
 * benchmark's cwd, environment and output. */
static void test_perf_profile(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "/bin/sh", "-c",
			 "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done;"
			 " echo \"$MARK\" > seen-env; pwd > seen-cwd; echo loop-finished", NULL };
	char out[PATH_MAX], tmp[PATH_MAX], cmd[PATH_MAX + 64], *text;
	struct spawn_spec spec;
	struct profile_job job = job_for(f, &spec, argv, 60);
	struct stat st;
	FILE *report;
	char line[512];
	bool samples = false, sh = false;
	int rc;

	snprintf(out, sizeof(out), "%s/perf.data", f->dir);
	snprintf(tmp, sizeof(tmp), "%s/.perf.data.tmp", f->dir);
	rc = profile_perf(&job, 999, out);
	if (!perf_usable(f, rc))
		return;
	if (rc != 0)
		print_log(f);
	assert_int_equal(rc, 0);
	assert_int_equal(stat(out, &st), 0);
	assert_true(st.st_size > 1000);
	assert_int_equal(access(tmp, F_OK), -1); /* renamed into place */
	snprintf(cmd, sizeof(cmd), "%s/seen-env", f->dir);
	text = slurp(cmd);
	assert_string_equal(text, "from-env\n");
	free(text);
	snprintf(cmd, sizeof(cmd), "%s/seen-cwd", f->dir);
	text = slurp(cmd);
	assert_non_null(text);
	assert_true(strncmp(text, f->dir, strlen(f->dir)) == 0);
	free(text);
	assert_true(log_has(f, "[bench profile] loop-finished"));
	assert_true(log_has(f, "[bench profile] perf.data: "));

	snprintf(cmd, sizeof(cmd), "perf report -i '%s' --stdio 2>&1", out);
	report = popen(cmd, "r");
	assert_non_null(report);
	while (fgets(line, sizeof(line), report)) {
		if (strstr(line, "# Samples: "))
			samples = true;
		if (strstr(line, " sh "))
			sh = true;
	}
	assert_int_equal(pclose(report), 0);
	assert_true(samples);
	assert_true(sh);
}

/* A profile of an iteration that fails is kept, and the log says how it ended. */
static void test_perf_failing_benchmark(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "/bin/sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exit 3",
			 NULL };
	char out[PATH_MAX];
	struct spawn_spec spec;
	struct profile_job job = job_for(f, &spec, argv, 60);
	int rc;

	snprintf(out, sizeof(out), "%s/failing.data", f->dir);
	rc = profile_perf(&job, 999, out);
	if (!perf_usable(f, rc))
		return;
	assert_int_equal(rc, 0);
	assert_int_equal(access(out, R_OK), 0);
	assert_true(log_has(f, "the profiled iteration exited with status 3; its profile is kept"));
}

static void test_perf_missing(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "/bin/true", NULL };
	char out[PATH_MAX];
	struct spawn_spec spec;
	struct profile_job job = job_for(f, &spec, argv, 10);

	snprintf(out, sizeof(out), "%s/missing.data", f->dir);
	setenv("PATH", "/nonexistent-benchfs", 1);
	assert_int_equal(profile_perf(&job, 999, out), -ENOENT);
	assert_int_equal(access(out, F_OK), -1);
	assert_true(log_has(f, "[bench profile] no profile: perf is not installed (not found in PATH "
			       "/nonexistent-benchfs)"));
}

/* perf that refuses (as with a high perf_event_paranoid): the run goes on,
 * and the log carries perf's own explanation. */
static void test_perf_refused(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "/bin/true", NULL };
	char out[PATH_MAX], bin[PATH_MAX], perf[PATH_MAX + 8], path[PATH_MAX * 2];
	struct spawn_spec spec;
	struct profile_job job = job_for(f, &spec, argv, 10);

	snprintf(out, sizeof(out), "%s/refused.data", f->dir);
	snprintf(bin, sizeof(bin), "%s/fakebin", f->dir);
	assert_int_equal(mkdir(bin, 0755), 0);
	snprintf(perf, sizeof(perf), "%s/perf", bin);
	write_script(perf, "echo 'Error: Access to performance monitoring is limited.' >&2\n"
			   "echo 'perf_event_paranoid setting is 4' >&2\nexit 255");
	snprintf(path, sizeof(path), "%s:%s", bin, f->saved_path);
	setenv("PATH", path, 1);
	assert_int_equal(profile_perf(&job, 999, out), -ENOTSUP);
	assert_int_equal(access(out, F_OK), -1);
	assert_true(log_has(f, "no profile: perf cannot record on this machine"));
	assert_true(log_has(f, "[bench profile] perf_event_paranoid setting is 4"));

	/* A perf that says it worked but leaves no complete file. */
	write_script(perf, "[ \"$3\" = -F ] || exit 9\n"
			   "for a; do [ \"$prev\" = -o ] && printf 'PERFILE2' > \"$a\"; prev=$a; done\n"
			   "exit 0");
	assert_int_equal(truncate(f->log_path, 0), 0);
	assert_int_equal(profile_perf(&job, 999, out), -ENOTSUP);
	assert_true(log_has(f, "no profile: perf cannot record on this machine"));
	assert_int_equal(access(out, F_OK), -1);
	unlink(perf);
	rmdir(bin);
}

/* The extra iteration is killed at its time limit like any other. */
static void test_perf_timeout(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "/bin/sh", "-c", "sleep 30 & sleep 30", NULL };
	char out[PATH_MAX], tmp[PATH_MAX];
	struct spawn_spec spec;
	struct profile_job job = job_for(f, &spec, argv, 0.5);
	double t0 = now_s();
	int rc;

	snprintf(out, sizeof(out), "%s/timeout.data", f->dir);
	snprintf(tmp, sizeof(tmp), "%s/.timeout.data.tmp", f->dir);
	rc = profile_perf(&job, 999, out);
	if (!perf_usable(f, rc))
		return;
	assert_int_equal(rc, -ETIMEDOUT);
	assert_true(now_s() - t0 < 20);
	assert_true(log_has(f, "no profile: perf timed out after 6 s"));
	assert_int_equal(access(out, F_OK), -1);
	assert_int_equal(access(tmp, F_OK), -1);
}

static void test_perf_cancel(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "/bin/sh", "-c", "sleep 30", NULL };
	char out[PATH_MAX];
	struct spawn_spec spec;
	struct profile_job job = job_for(f, &spec, argv, 60);
	int pipefd[2];
	double t0 = now_s();

	if (!in_path("perf")) {
		printf("[  SKIPPED ] perf is not installed\n");
		return;
	}
	assert_int_equal(pipe(pipefd), 0);
	assert_int_equal(write(pipefd[1], "x", 1), 1);
	spec.cancel_fd = pipefd[0];
	snprintf(out, sizeof(out), "%s/cancel.data", f->dir);
	assert_int_equal(profile_perf(&job, 999, out), -ECANCELED);
	assert_true(now_s() - t0 < 10);
	assert_int_equal(access(out, F_OK), -1);
	close(pipefd[0]);
	close(pipefd[1]);
}

static void test_perf_invalid(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "/bin/true", NULL };
	struct spawn_spec spec;
	struct profile_job job = job_for(f, &spec, argv, 10);
	struct profile_job nospawner = job;
	double n;

	nospawner.spawner = NULL;
	assert_int_equal(profile_perf(&job, 0, "/tmp/x"), -EINVAL);
	assert_int_equal(profile_perf(&job, 100001, "/tmp/x"), -EINVAL);
	assert_int_equal(profile_perf(&job, 99, NULL), -EINVAL);
	assert_int_equal(profile_perf(&job, 99, "perf.data"), -EINVAL); /* relative: logged */
	assert_true(log_has(f, "[bench profile] no profile: perf.data is not an absolute path"));
	assert_int_equal(profile_perf(&nospawner, 99, "/tmp/x"), -EINVAL);
	assert_int_equal(profile_perf(NULL, 99, "/tmp/x"), -EINVAL);
	assert_int_equal(profile_instructions(&job, f->dir, NULL), -EINVAL);
	assert_int_equal(profile_instructions(&job, NULL, &n), -EINVAL);
	assert_int_equal(profile_instructions(&job, "tmp", &n), -EINVAL);
	assert_true(log_has(f, "[bench instructions] no instruction count: tmp is not an absolute path"));
	assert_int_equal(profile_instructions(&nospawner, f->dir, &n), -EINVAL);
}

/* A count of a deterministic program twice: the same figure, and the
 * scratch directory is left empty. */
static void test_instructions_stable(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "seq", "1", "20000", NULL };
	char scratch[PATH_MAX];
	struct spawn_spec spec;
	struct profile_job job = job_for(f, &spec, argv, 60);
	double a = 0, b = 0;

	snprintf(scratch, sizeof(scratch), "%s/scratch", f->dir);
	assert_int_equal(mkdir(scratch, 0755), 0);
	spec.on_output = NULL; /* the output is discarded, as "output": "discard" does */
	assert_int_equal(profile_instructions(&job, scratch, &a), 0);
	assert_int_equal(profile_instructions(&job, scratch, &b), 0);
	printf("[ INFO     ] seq 1 20000: %.0f and %.0f instructions\n", a, b);
	assert_true(a > 1e5 && a < 1e9);
	assert_true(a == b || (a > b ? a - b : b - a) / a < 0.001);
	assert_true(log_has(f, "[bench instructions] instructions: "));
	assert_int_equal(rmdir(scratch), 0); /* empty */
}

/* A shell command counts its children: two seq runs cost about twice one. */
static void test_instructions_children(void **state)
{
	struct fixture *f = *state;
	char *one[] = { "seq", "1", "20000", NULL };
	char *shell[] = { "/bin/sh", "-c", "seq 1 20000; seq 1 20000 | cat > /dev/null; echo end",
			  NULL };
	struct spawn_spec spec;
	struct profile_job job = job_for(f, &spec, one, 60);
	double single = 0, both = 0;

	spec.on_output = NULL;
	assert_int_equal(profile_instructions(&job, f->dir, &single), 0);
	spec.argv = shell;
	spec.on_output = runlog_output;
	assert_int_equal(profile_instructions(&job, f->dir, &both), 0);
	printf("[ INFO     ] seq alone %.0f, a shell running it twice (and cat) %.0f instructions\n",
		single, both);
	assert_true(both > 2 * single);
	assert_true(both < 4 * single);
	assert_true(log_has(f, "(4 processes)")); /* sh, seq, seq, cat; the pipeline's sh exec'd seq */
	assert_true(log_has(f, "[bench instructions] end"));
}

static void test_instructions_failures(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "/bin/sh", "-c", "seq 1 10 > /dev/null; exit 4", NULL };
	char *killed[] = { "/bin/sh", "-c", "kill -9 $$", NULL };
	char *slow[] = { "sleep", "30", NULL };
	char *missing[] = { "/nonexistent/prog", NULL };
	struct spawn_spec spec;
	struct profile_job job = job_for(f, &spec, argv, 60);
	double n = -1;
	int pipefd[2];
	double t0;

	/* Exit status 4: counted, and said. */
	assert_int_equal(profile_instructions(&job, f->dir, &n), 0);
	assert_true(n > 1000);
	assert_true(log_has(f, "the counted iteration exited with status 4; its count is kept"));

	/* Killed by a signal: no count. */
	n = -1;
	spec.argv = killed;
	assert_int_equal(profile_instructions(&job, f->dir, &n), -EIO);
	assert_true(n == -1);
	assert_true(log_has(f, "no instruction count: the iteration under valgrind killed by signal 9"));

	/* Its time limit: 0.02 s * PROFILE_CALLGRIND_TIMEOUT_FACTOR + PROFILE_TIMEOUT_GRACE_S. */
	spec.argv = slow;
	spec.timeout_s = 0.02;
	t0 = now_s();
	assert_int_equal(profile_instructions(&job, f->dir, &n), -ETIMEDOUT);
	assert_true(now_s() - t0 < 20);
	assert_true(log_has(f, "the iteration under valgrind timed out after 7 s"));

	/* Cancelled. */
	spec.timeout_s = 60;
	assert_int_equal(pipe(pipefd), 0);
	assert_int_equal(write(pipefd[1], "x", 1), 1);
	spec.cancel_fd = pipefd[0];
	assert_int_equal(profile_instructions(&job, f->dir, &n), -ECANCELED);
	close(pipefd[0]);
	close(pipefd[1]);
	spec.cancel_fd = 0;

	/* A program that does not exist: valgrind complains, no count. */
	spec.argv = missing;
	assert_int_equal(profile_instructions(&job, f->dir, &n), -EIO);
	assert_true(log_has(f, "wrote no callgrind output"));

	/* No valgrind in PATH. */
	setenv("PATH", "/nonexistent-benchfs", 1);
	assert_int_equal(profile_instructions(&job, f->dir, &n), -ENOENT);
	assert_true(log_has(f, "no instruction count: valgrind is not installed"));

	/* A scratch directory that cannot be used. */
	setenv("PATH", f->saved_path, 1);
	assert_int_equal(profile_instructions(&job, "/nonexistent-benchfs", &n), -ENOENT);
	assert_true(log_has(f, "cannot make a directory in /nonexistent-benchfs"));
}

static void test_callgrind_parse(void **state)
{
	unsigned long long n = 0;

	(void)state;
	assert_int_equal(profile_callgrind_parse(&n, "version: 1\ncmd: ls\npart: 1\nevents: Ir\n"
						     "summary: 100\nfl=(1) x.c\n0 5\ntotals: 118\n"), 0);
	assert_true(n == 118); /* totals, when present */
	assert_int_equal(profile_callgrind_parse(&n, "events: Ir\nsummary: 100\n"), 0);
	assert_true(n == 100);
	/* Ir is not the first event. */
	assert_int_equal(profile_callgrind_parse(&n, "events: Dr Ir Dw\ntotals: 7 11 13\n"), 0);
	assert_true(n == 11);
	/* Several parts: added. */
	assert_int_equal(profile_callgrind_parse(&n, "events: Ir\npart: 1\ntotals: 5\n"
						     "part: 2\ntotals: 6\n"), 0);
	assert_true(n == 11);
	assert_int_equal(profile_callgrind_parse(&n, "events: Ir\ntotals: 18446744073709551615\n"), 0);
	assert_true(n == 18446744073709551615ULL);
	assert_int_equal(profile_callgrind_parse(&n, "events: Ir\r\ntotals: 42\r\n"), 0);
	assert_true(n == 42);

	assert_int_equal(profile_callgrind_parse(&n, ""), -EINVAL);
	assert_int_equal(profile_callgrind_parse(&n, "events: Ir\n"), -EINVAL);       /* no total */
	assert_int_equal(profile_callgrind_parse(&n, "totals: 5\n"), -EINVAL);        /* no events */
	assert_int_equal(profile_callgrind_parse(&n, "events: Dr\ntotals: 5\n"), -EINVAL);
	assert_int_equal(profile_callgrind_parse(&n, "events: Ir\ntotals: 5x\n"), -EINVAL);
	assert_int_equal(profile_callgrind_parse(&n, "events: Ir\ntotals: -5\n"), -EINVAL);
	assert_int_equal(profile_callgrind_parse(&n, "events: Dr Ir\ntotals: 5\n"), -EINVAL);
	assert_int_equal(profile_callgrind_parse(&n, "events: Ir\ntotals: 99999999999999999999\n"),
			 -EINVAL);
	assert_int_equal(profile_callgrind_parse(&n, "events: Ir\npart: 1\ntotals: "
						     "18446744073709551615\npart: 2\ntotals: 1\n"),
			 -EINVAL); /* the sum overflows */
	assert_int_equal(profile_callgrind_parse(NULL, "events: Ir\ntotals: 1\n"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_callgrind_parse),
		cmocka_unit_test_setup(test_perf_invalid, test_setup),
		cmocka_unit_test_setup(test_perf_profile, test_setup),
		cmocka_unit_test_setup(test_perf_failing_benchmark, test_setup),
		cmocka_unit_test_setup(test_perf_missing, test_setup),
		cmocka_unit_test_setup(test_perf_refused, test_setup),
		cmocka_unit_test_setup(test_perf_timeout, test_setup),
		cmocka_unit_test_setup(test_perf_cancel, test_setup),
		cmocka_unit_test_setup(test_instructions_stable, test_setup),
		cmocka_unit_test_setup(test_instructions_children, test_setup),
		cmocka_unit_test_setup(test_instructions_failures, test_setup),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
