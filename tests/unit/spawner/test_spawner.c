/* Unit tests for spawner/client*.c and the benchfs-spawner helper.
 *
 * The helper is found through BENCHFS_SPAWNER (set by meson). Compiled with
 * -DSPAWNER_MINLOOP this file is instead the baseline: a minimal C program
 * that runs a program N times with a bare posix_spawn + wait4 and prints the
 * peak ru_maxrss and each wall time (found through BENCHFS_MINLOOP). */
#ifdef SPAWNER_MINLOOP

#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

int main(int argc, char **argv)
{
	static int64_t wall[100000];
	long maxrss = 0;
	int n;

	if (argc < 3 || (n = atoi(argv[1])) <= 0 || n > 100000)
		return 2;
	for (int i = 0; i < n; i++) {
		struct timespec a, b;
		struct rusage ru;
		pid_t pid;
		int status;

		clock_gettime(CLOCK_MONOTONIC, &a);
		if (posix_spawn(&pid, argv[2], NULL, NULL, argv + 2, environ))
			return 1;
		if (wait4(pid, &status, 0, &ru) != pid)
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &b);
		wall[i] = (int64_t)(b.tv_sec - a.tv_sec) * 1000000000 + (b.tv_nsec - a.tv_nsec);
		if (ru.ru_maxrss > maxrss)
			maxrss = ru.ru_maxrss;
	}
	printf("%lld", (long long)maxrss * 1024);
	for (int i = 0; i < n; i++)
		printf(" %lld", (long long)wall[i]);
	printf("\n");
	return 0;
}

#else

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "spawner/spawn_measure.h"
#include "spawner/spawner.h"

#define MIB (1024 * 1024)

static char *base_env[] = { "PATH=/usr/bin:/bin", "LC_ALL=C", NULL };

struct capture {
	char *buf;
	size_t len;
};

static void capture_fn(void *ctx, const char *buf, size_t len)
{
	struct capture *cap = ctx;

	cap->buf = realloc(cap->buf, cap->len + len + 1);
	assert_non_null(cap->buf);
	memcpy(cap->buf + cap->len, buf, len);
	cap->len += len;
	cap->buf[cap->len] = '\0';
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int64_t median(int64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_i64);
	return v[n / 2];
}

static int setup(void **state)
{
	struct spawner *sp = NULL;

	if (!getenv("BENCHFS_SPAWNER")) {
		fprintf(stderr, "BENCHFS_SPAWNER is not set (run through meson test)\n");
		return -1;
	}
	if (spawner_start(&sp))
		return -1;
	*state = sp;
	return 0;
}

static int teardown(void **state)
{
	spawner_free(*state);
	return 0;
}

static int run_sh(struct spawner *sp, struct spawn_result *res, const char *script,
		  struct capture *cap, double timeout_s)
{
	char *argv[] = { "/bin/sh", "-c", (char *)script, NULL };
	struct spawn_spec spec = {
		.argv = argv,
		.envp = base_env,
		.timeout_s = timeout_s,
		.on_output = cap ? capture_fn : NULL,
		.output_ctx = cap,
	};

	return spawner_measure(sp, res, &spec);
}

static void test_output_and_status(void **state)
{
	struct spawn_result res;
	struct capture cap = { 0 };

	assert_int_equal(run_sh(*state, &res, "echo out; echo err >&2; exit 3", &cap, 10), 0);
	assert_int_equal(res.exit_code, 3);
	assert_int_equal(res.term_signal, 0);
	assert_false(res.timed_out);
	assert_false(res.cancelled);
	assert_string_equal(cap.buf, "out\nerr\n");
	assert_true(res.wall_ns > 0);
	assert_true(res.maxrss_bytes > 0);
	free(cap.buf);
}

static void test_signal_death(void **state)
{
	struct spawn_result res;

	assert_int_equal(run_sh(*state, &res, "kill -TERM $$", NULL, 10), 0);
	assert_int_equal(res.exit_code, -1);
	assert_int_equal(res.term_signal, SIGTERM);
}

/* 4 MiB in order, through many 16 KiB messages. */
static void test_output_large_is_complete(void **state)
{
	struct spawn_result res;
	struct capture cap = { 0 };

	assert_int_equal(run_sh(*state, &res, "seq 1 500000", &cap, 30), 0);
	assert_int_equal(res.exit_code, 0);
	assert_non_null(cap.buf);
	assert_true(cap.len > 3 * MIB);
	assert_memory_equal(cap.buf, "1\n2\n3\n", 6);
	assert_string_equal(cap.buf + cap.len - 14, "499999\n500000\n");
	free(cap.buf);
}

static void test_missing_program(void **state)
{
	char *argv[] = { "/nonexistent/program", NULL };
	char *argv2[] = { "no-such-program-benchfs", NULL };
	struct spawn_spec spec = { .argv = argv, .envp = base_env };
	struct spawn_result res = { .exit_code = 42 };

	assert_int_equal(spawner_measure(*state, &res, &spec), -ENOENT);
	assert_int_equal(res.exit_code, 42); /* untouched */
	spec.argv = argv2;
	assert_int_equal(spawner_measure(*state, &res, &spec), -ENOENT);
	/* The helper is still fine. */
	assert_int_equal(run_sh(*state, &res, "exit 0", NULL, 10), 0);
	assert_int_equal(res.exit_code, 0);
}

static void test_invalid(void **state)
{
	char *empty[] = { NULL };
	struct spawn_spec spec = { .argv = empty };
	struct spawn_result res;

	assert_int_equal(spawner_measure(*state, &res, &spec), -EINVAL);
	assert_int_equal(spawner_measure(*state, &res, NULL), -EINVAL);
	assert_int_equal(spawner_measure(NULL, &res, &spec), -EINVAL);
}

/* PATH comes from the child's environment; cwd and relative paths mean what
 * they mean in the caller. */
static void test_env_cwd_path(void **state)
{
	char dir[] = "/tmp/benchfs-spawner-XXXXXX", prog[PATH_MAX], old[PATH_MAX];
	char *env[] = { NULL, "FOO=bar baz", NULL };
	char *argv[] = { "myprog", NULL };
	char path_entry[PATH_MAX + 8];
	struct spawn_spec spec = { .argv = argv, .envp = env, .on_output = capture_fn };
	struct spawn_result res;
	struct capture cap = { 0 };
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(prog, sizeof(prog), "%s/myprog", dir);
	f = fopen(prog, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\necho \"$FOO|$(pwd)\"\n", f);
	fclose(f);
	assert_int_equal(chmod(prog, 0755), 0);
	snprintf(path_entry, sizeof(path_entry), "PATH=%s", dir);
	env[0] = path_entry;
	spec.output_ctx = &cap;

	spec.cwd = "/";
	assert_int_equal(spawner_measure(*state, &res, &spec), 0);
	assert_int_equal(res.exit_code, 0);
	assert_string_equal(cap.buf, "bar baz|/\n");

	/* A relative cwd (and a program relative to it), from our own
	 * directory: the helper does not share it unless told. */
	assert_non_null(getcwd(old, sizeof(old)));
	assert_int_equal(chdir("/tmp"), 0);
	cap.len = 0;
	argv[0] = "./myprog";
	spec.cwd = dir + strlen("/tmp/");
	assert_int_equal(spawner_measure(*state, &res, &spec), 0);
	assert_int_equal(res.exit_code, 0);
	snprintf(prog, sizeof(prog), "bar baz|%s\n", dir);
	assert_string_equal(cap.buf, prog);
	snprintf(prog, sizeof(prog), "%s/myprog", dir);
	assert_int_equal(chdir(old), 0);
	free(cap.buf);
	unlink(prog);
	rmdir(dir);
}

/* envp NULL: the caller's environment at call time, as spawn_measure does. */
static void test_inherit_env(void **state)
{
	char *argv[] = { "/bin/sh", "-c", "echo \"$BENCHFS_TEST_VAR\"", NULL };
	struct spawn_spec spec = { .argv = argv, .on_output = capture_fn };
	struct spawn_result res;
	struct capture cap = { 0 };

	spec.output_ctx = &cap;
	setenv("BENCHFS_TEST_VAR", "inherited", 1);
	assert_int_equal(spawner_measure(*state, &res, &spec), 0);
	unsetenv("BENCHFS_TEST_VAR");
	assert_string_equal(cap.buf, "inherited\n");
	free(cap.buf);
}

/* An environment far larger than one message (each string stays below the
 * kernel's 128 KiB limit per string). */
static void test_large_request(void **state)
{
	enum { NVARS = 20, VARLEN = 10000 };
	char *env[NVARS + 2] = { "PATH=/usr/bin:/bin" };
	char *argv[] = { "/bin/sh", "-c", "echo ${#V0} ${#V19} $PPID", NULL };
	struct spawn_spec spec = { .argv = argv, .envp = env, .on_output = capture_fn };
	struct spawn_result res;
	struct capture cap = { 0 };
	char expect[64];
	pid_t helper;

	for (int i = 0; i < NVARS; i++) {
		env[i + 1] = malloc(VARLEN + 8);
		assert_non_null(env[i + 1]);
		int n = sprintf(env[i + 1], "V%d=", i);
		memset(env[i + 1] + n, 'x', VARLEN);
		env[i + 1][n + VARLEN] = '\0';
	}
	spec.output_ctx = &cap;
	assert_int_equal(spawner_measure(*state, &res, &spec), 0);
	assert_int_equal(res.exit_code, 0);
	helper = (pid_t)atol(cap.buf + strlen("10000 10000 "));
	snprintf(expect, sizeof(expect), "10000 10000 %d\n", (int)helper);
	assert_string_equal(cap.buf, expect);
	/* Its peak grew with the request: the next call gets a fresh helper. */
	cap.len = 0;
	assert_int_equal(run_sh(*state, &res, "echo $PPID", &cap, 10), 0);
	assert_int_not_equal((pid_t)atol(cap.buf), helper);
	free(cap.buf);
	for (int i = 0; i < NVARS; i++)
		free(env[i + 1]);
}

static void test_timeout(void **state)
{
	struct spawn_result res;
	int64_t t0 = mono_ns();

	assert_int_equal(run_sh(*state, &res, "sleep 30 & sleep 30", NULL, 0.3), 0);
	assert_true(res.timed_out);
	assert_int_equal(res.term_signal, SIGKILL);
	assert_true(mono_ns() - t0 < 5000000000LL);
}

/* Only 0, 1 and 2 reach the child: not the helper's socket. */
static void test_no_fd_leak(void **state)
{
	struct spawn_result res;
	struct capture cap = { 0 };

	assert_int_equal(run_sh(*state, &res, "ls /proc/self/fd | tr '\\n' ' '", &cap, 10), 0);
	/* ls itself opens the directory as fd 3. */
	assert_string_equal(cap.buf, "0 1 2 3 ");
	free(cap.buf);
}

struct canceller {
	int fd;
	int delay_ms;
};

static void *cancel_later(void *arg)
{
	struct canceller *c = arg;

	poll(NULL, 0, c->delay_ms);
	assert_int_equal(write(c->fd, "x", 1), 1);
	return NULL;
}

static void test_cancel(void **state)
{
	char *argv[] = { "/bin/sh", "-c", "echo started; sleep 30", NULL };
	int pipefd[2];
	struct canceller c;
	struct spawn_spec spec = { .argv = argv, .envp = base_env, .on_output = capture_fn };
	struct spawn_result res;
	struct capture cap = { 0 };
	pthread_t t;
	int64_t t0;

	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	c = (struct canceller){ .fd = pipefd[1], .delay_ms = 300 };
	spec.cancel_fd = pipefd[0];
	spec.output_ctx = &cap;
	t0 = mono_ns();
	assert_int_equal(pthread_create(&t, NULL, cancel_later, &c), 0);
	assert_int_equal(spawner_measure(*state, &res, &spec), 0);
	pthread_join(t, NULL);
	assert_true(res.cancelled);
	assert_false(res.timed_out);
	assert_int_equal(res.term_signal, SIGKILL);
	assert_string_equal(cap.buf, "started\n");
	assert_true(mono_ns() - t0 < 5000000000LL);

	/* The cancel stays pending, like the runner's pipe: later calls stop at once. */
	assert_int_equal(spawner_measure(*state, &res, &spec), 0);
	assert_true(res.cancelled);
	close(pipefd[0]);
	close(pipefd[1]);

	/* And the helper keeps working for callers without the cancel. */
	assert_int_equal(run_sh(*state, &res, "exit 5", NULL, 10), 0);
	assert_int_equal(res.exit_code, 5);
	assert_false(res.cancelled);
	free(cap.buf);
}

/* The benchmark's parent is the helper: killing it mid-call gives -EPIPE,
 * and the next call starts a new helper. */
static void test_helper_dies_during_call(void **state)
{
	struct spawn_result res;
	int64_t t0 = mono_ns();

	assert_int_equal(run_sh(*state, &res, "kill -KILL $PPID; sleep 1", NULL, 10), -EPIPE);
	assert_true(mono_ns() - t0 < 5000000000LL);
	assert_int_equal(run_sh(*state, &res, "exit 7", NULL, 10), 0);
	assert_int_equal(res.exit_code, 7);
}

/* Alive and not a zombie. */
static bool process_runs(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	bool runs = false;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return false;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		runs = p[1] == ' ' && p[2] != 'Z';
	fclose(f);
	return runs;
}

/* What a helper killed mid-call was running (the command and what it
 * started, re-parented to init) is killed when the helper is reaped, and
 * the helper's end is described. */
static void test_helper_dies_orphans_killed(void **state)
{
	char dir[] = "/tmp/benchfs-spawner-test.XXXXXX", path[64], script[256], how[160];
	struct spawn_result res;
	int shell = 0, child = 0;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pids", dir);
	snprintf(script, sizeof(script), "sleep 30 & echo $$ $! > %s; kill -KILL $PPID; wait", path);
	assert_int_equal(run_sh(*state, &res, script, NULL, 10), -EPIPE);
	assert_non_null(f = fopen(path, "r"));
	assert_int_equal(fscanf(f, "%d %d", &shell, &child), 2);
	fclose(f);
	unlink(path);
	rmdir(dir);
	assert_true(shell > 1 && child > 1);
	assert_false(process_runs(shell));
	assert_false(process_runs(child));
	spawner_describe_end(*state, how, sizeof(how));
	assert_non_null(strstr(how, "killed by signal 9"));
	assert_non_null(strstr(how, "processes it left running killed"));
	/* the next call gets a fresh helper */
	assert_int_equal(run_sh(*state, &res, "exit 3", NULL, 10), 0);
	assert_int_equal(res.exit_code, 3);
}

/* A helper that died while idle is replaced before the call, transparently. */
static void test_helper_dies_while_idle(void **state)
{
	struct spawn_result res;
	struct capture cap = { 0 };
	pid_t helper;

	assert_int_equal(run_sh(*state, &res, "echo $PPID", &cap, 10), 0);
	helper = (pid_t)atol(cap.buf);
	assert_true(helper > 1);
	assert_int_equal(kill(helper, SIGKILL), 0);
	poll(NULL, 0, 100);
	cap.len = 0;
	assert_int_equal(run_sh(*state, &res, "echo $PPID", &cap, 10), 0);
	assert_int_equal(res.exit_code, 0);
	assert_int_not_equal((pid_t)atol(cap.buf), helper);
	free(cap.buf);
}

static void test_missing_helper(void **state)
{
	char *old = strdup(getenv("BENCHFS_SPAWNER"));
	struct spawner *sp = (void *)1;

	(void)state;
	setenv("BENCHFS_SPAWNER", "/nonexistent/benchfs-spawner", 1);
	assert_int_equal(spawner_start(&sp), -ENOENT);
	assert_ptr_equal(sp, (void *)1);
	/* Not a helper: /bin/true exits at once without saying hello. */
	setenv("BENCHFS_SPAWNER", "/bin/true", 1);
	assert_int_equal(spawner_start(&sp), -EPIPE);
	setenv("BENCHFS_SPAWNER", old, 1);
	free(old);
	spawner_free(NULL);
}

/* ---- the measurement loop (spawner_loop) ---- */

#define MAX_EVENTS 4096

struct recorder {
	struct spawner_event ev[MAX_EVENTS];
	size_t nev;
	int count;             /* from on_count, 0 when not called */
	struct capture out[SPAWNER_STEP_CONCLUDE + 1][2]; /* by step and side */
	int stop_at;           /* on_event asks to stop at this measured iteration */
	int idles;             /* on_idle calls */
};

static int rec_idle(void *ctx)
{
	((struct recorder *)ctx)->idles++;
	return 0;
}

static int rec_event(void *ctx, const struct spawner_event *ev)
{
	struct recorder *r = ctx;

	assert_true(r->nev < MAX_EVENTS);
	r->ev[r->nev++] = *ev;
	return r->stop_at > 0 && ev->step == SPAWNER_STEP_MEASURE && ev->iteration == r->stop_at;
}

static void rec_count(void *ctx, int count)
{
	((struct recorder *)ctx)->count = count;
}

static void rec_output(void *ctx, enum spawner_step step, int side, int iteration,
		       const char *buf, size_t len)
{
	struct recorder *r = ctx;

	(void)iteration;
	assert_true(step >= SPAWNER_STEP_CALIBRATE && step <= SPAWNER_STEP_CONCLUDE);
	assert_true(side == 0 || side == 1);
	capture_fn(&r->out[step][side], buf, len);
}

static void rec_free(struct recorder *r)
{
	for (int s = 0; s <= SPAWNER_STEP_CONCLUDE; s++)
		for (int k = 0; k < 2; k++)
			free(r->out[s][k].buf);
	free(r);
}

static struct recorder *rec_new(void)
{
	struct recorder *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	return r;
}

static size_t rec_steps(const struct recorder *r, enum spawner_step step)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nev; i++)
		n += r->ev[i].step == step;
	return n;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len = 0;

	assert_non_null(f);
	assert_int_equal(getdelim(&text, &len, '\0', f) >= 0 || feof(f), 1);
	fclose(f);
	return text ? text : strdup("");
}

/* Two sides alternate; prepare, command and conclude see the iteration and
 * phase; warmups count up to -1; events arrive for every command. */
static void test_loop_order_and_env(void **state)
{
	char dir[] = "/tmp/benchfs-loop-XXXXXX", path[PATH_MAX], envA[PATH_MAX + 16];
	char envB[PATH_MAX + 16];
	char *cmd[] = { "/bin/sh", "-c",
			"echo \"cmd $SIDE $BENCHFS_ITERATION $BENCHFS_PHASE\" >> \"$LOG\"; echo out$SIDE",
			NULL };
	char *env_a[] = { "PATH=/usr/bin:/bin", "SIDE=A", envA, NULL };
	char *env_b[] = { "PATH=/usr/bin:/bin", "SIDE=B", envB, NULL };
	struct spawner_side sides[] = { { env_a, "/" }, { env_b, "/tmp" } };
	struct recorder *r = rec_new();
	struct spawner_loop loop = {
		.argv = cmd,
		.prepare = "echo \"prepare $SIDE $BENCHFS_ITERATION $BENCHFS_PHASE $(pwd)\" >> \"$LOG\"",
		.conclude = "echo \"conclude $SIDE $BENCHFS_ITERATION\" >> \"$LOG\"; echo concluded",
		.sides = sides, .nsides = 2, .timeout_s = 10, .output = true,
		.warmup = 2, .runs = 3, .on_event = rec_event, .on_count = rec_count,
		.on_output = rec_output, .ctx = r,
	};
	char *log;
	const char *expected =
		"prepare A -2 warmup /\ncmd A -2 warmup\nconclude A -2\n"
		"prepare B -2 warmup /tmp\ncmd B -2 warmup\nconclude B -2\n"
		"prepare A -1 warmup /\ncmd A -1 warmup\nconclude A -1\n"
		"prepare B -1 warmup /tmp\ncmd B -1 warmup\nconclude B -1\n"
		"prepare A 1 measure /\ncmd A 1 measure\nconclude A 1\n"
		"prepare B 1 measure /tmp\ncmd B 1 measure\nconclude B 1\n"
		"prepare B 2 measure /tmp\ncmd B 2 measure\nconclude B 2\n"
		"prepare A 2 measure /\ncmd A 2 measure\nconclude A 2\n"
		"prepare A 3 measure /\ncmd A 3 measure\nconclude A 3\n"
		"prepare B 3 measure /tmp\ncmd B 3 measure\nconclude B 3\n";

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/log", dir);
	snprintf(envA, sizeof(envA), "LOG=%s", path);
	snprintf(envB, sizeof(envB), "LOG=%s", path);
	assert_int_equal(spawner_loop(*state, &loop), 0);
	log = read_file(path);
	assert_string_equal(log, expected);
	/* events: 4 warmups (A B) and 6 measured (A B B A A B), in order,
	 * nothing for prepare/conclude */
	assert_int_equal(r->nev, 10);
	for (size_t i = 0; i < r->nev; i++) {
		bool swapped = i >= 4 && (i - 4) / 2 % 2 == 1;

		assert_int_equal(r->ev[i].side, swapped ? (int)(1 - i % 2) : (int)(i % 2));
		assert_int_equal(r->ev[i].step, i < 4 ? SPAWNER_STEP_WARMUP : SPAWNER_STEP_MEASURE);
		assert_int_equal(r->ev[i].iteration, i < 4 ? (int)(i / 2) - 2 : (int)(i - 4) / 2 + 1);
		assert_int_equal(r->ev[i].count, 3);
		assert_int_equal(r->ev[i].error, 0);
		assert_int_equal(r->ev[i].res.exit_code, 0);
		assert_true(r->ev[i].res.wall_ns > 0);
	}
	assert_int_equal(r->count, 0); /* a fixed count is never announced */
	assert_string_equal(r->out[SPAWNER_STEP_MEASURE][0].buf, "outA\noutA\noutA\n");
	assert_string_equal(r->out[SPAWNER_STEP_WARMUP][1].buf, "outB\noutB\n");
	assert_string_equal(r->out[SPAWNER_STEP_CONCLUDE][1].buf,
			    "concluded\nconcluded\nconcluded\nconcluded\nconcluded\n");
	free(log);
	unlink(path);
	rmdir(dir);
	rec_free(r);
}

/* An extra round of pairs: its numbers continue from first, the order
 * follows the number (an even first starts B A), and the environment's size
 * stays equal as the numbers gain a digit. */
static void test_loop_first(void **state)
{
	char *cmd[] = { "/bin/sh", "-c", "echo \"$SIDE $BENCHFS_ITERATION $(env | wc -c)\"", NULL };
	char *env_a[] = { "PATH=/usr/bin:/bin", "SIDE=A", NULL };
	char *env_b[] = { "PATH=/usr/bin:/bin", "SIDE=B", NULL };
	struct spawner_side sides[] = { { env_a, NULL }, { env_b, NULL } };
	struct recorder *r = rec_new();
	struct spawner_loop loop = {
		.argv = cmd, .sides = sides, .nsides = 2, .timeout_s = 10, .output = true,
		.warmup = 1, .runs = 4, .first = 8, .on_event = rec_event, .on_output = rec_output,
		.ctx = r,
	};
	const int order[][2] = { { 0, -1 }, { 1, -1 }, { 1, 8 }, { 0, 8 }, { 0, 9 }, { 1, 9 },
				 { 1, 10 }, { 0, 10 }, { 0, 11 }, { 1, 11 } };
	long size = -1;

	assert_int_equal(spawner_loop(*state, &loop), 0);
	assert_int_equal(r->nev, 10);
	for (size_t i = 0; i < r->nev; i++) {
		assert_int_equal(r->ev[i].side, order[i][0]);
		assert_int_equal(r->ev[i].iteration, order[i][1]);
		assert_int_equal(r->ev[i].step, i < 2 ? SPAWNER_STEP_WARMUP : SPAWNER_STEP_MEASURE);
		assert_int_equal(r->ev[i].count, 4);
	}
	assert_non_null(r->out[SPAWNER_STEP_WARMUP][1].buf);
	for (int k = 0; k < 2; k++) {
		char *p = r->out[SPAWNER_STEP_MEASURE][k].buf;
		int want = 8;

		assert_non_null(p);
		for (char *line = strtok(p, "\n"); line; line = strtok(NULL, "\n"), want++) {
			char side;
			int it;
			long n;

			assert_int_equal(sscanf(line, "%c %d %ld", &side, &it, &n), 3);
			assert_int_equal(side, k == 0 ? 'A' : 'B');
			assert_int_equal(it, want);
			if (size < 0)
				size = n;
			assert_int_equal(n, size);
		}
		assert_int_equal(want, 12);
	}
	rec_free(r);

	/* a first beyond what the numbers can hold is refused */
	r = rec_new();
	loop.ctx = r;
	loop.first = INT_MAX - 2;
	assert_int_equal(spawner_loop(*state, &loop), -EINVAL);
	loop.first = -1;
	assert_int_equal(spawner_loop(*state, &loop), -EINVAL);
	rec_free(r);
}

/* The measured command's environment has the same size whatever the
 * iteration; with randomize_env it grows by the reported offset. */
static void test_loop_env_size(void **state)
{
	char *cmd[] = { "/bin/sh", "-c", "echo $(env | wc -c) ${#BENCHFS_PAD}", NULL };
	struct spawner_side side = { base_env, NULL };
	struct recorder *r = rec_new();
	struct spawner_loop loop = {
		.argv = cmd, .sides = &side, .nsides = 1, .timeout_s = 10, .output = true,
		.warmup = 3, .runs = 12, .calibrations = 2, .on_event = rec_event,
		.on_output = rec_output, .ctx = r, .seed = 42,
	};
	long sizes[32] = { 0 }, pads[32] = { 0 };
	size_t n = 0;
	bool differ = false;

	assert_int_equal(spawner_loop(*state, &loop), 0);
	for (char *p = r->out[SPAWNER_STEP_MEASURE][0].buf, *end; p && *p && n < 32; n++) {
		sizes[n] = strtol(p, &end, 10);
		pads[n] = strtol(end, &p, 10);
		assert_true(*p == '\n');
		p++;
	}
	assert_int_equal(n, 12);
	for (size_t i = 1; i < n; i++)
		assert_int_equal(sizes[i], sizes[0]);
	/* warmups, -3 .. -1, the same size */
	assert_non_null(strstr(r->out[SPAWNER_STEP_WARMUP][0].buf, "\n"));
	assert_int_equal(strtol(r->out[SPAWNER_STEP_WARMUP][0].buf, NULL, 10), sizes[0]);
	assert_int_equal(rec_steps(r, SPAWNER_STEP_CALIBRATE), 2);

	rec_free(r);
	r = rec_new();
	loop.ctx = r;
	loop.randomize_env = true;
	assert_int_equal(spawner_loop(*state, &loop), 0);
	n = 0;
	for (char *p = r->out[SPAWNER_STEP_MEASURE][0].buf, *end; p && *p && n < 32; n++) {
		sizes[n] = strtol(p, &end, 10);
		pads[n] = strtol(end, &p, 10);
		p++;
	}
	assert_int_equal(n, 12);
	for (size_t i = 0, m = 0; i < r->nev; i++) {
		if (r->ev[i].step != SPAWNER_STEP_MEASURE)
			continue;
		assert_true(r->ev[i].env_offset >= 0 && r->ev[i].env_offset < SPAWNER_PAD_RANDOM);
		/* the pad is the fixed part (one less for two-digit iterations) plus the offset */
		assert_int_equal(pads[m] - r->ev[i].env_offset + (m + 1 >= 10),
				 pads[0] - r->ev[2 + 3].env_offset);
		differ |= sizes[m] != sizes[0];
		m++;
	}
	assert_true(differ);
	rec_free(r);
}

/* hyperfine's adaptive count from the first iteration, within the bounds. */
static void test_loop_adaptive(void **state)
{
	char *cmd[] = { "sleep", "0.05", NULL };
	struct spawner_side side = { base_env, NULL };
	struct recorder *r = rec_new();
	struct spawner_loop loop = {
		.argv = cmd, .prepare = "true", .sides = &side, .nsides = 1, .timeout_s = 10,
		.min_time = 0.35, .min_runs = 2, .max_runs = 100,
		.on_event = rec_event, .on_count = rec_count, .ctx = r,
		.on_idle = rec_idle, .idle_ms = 10,
	};

	assert_int_equal(spawner_loop(*state, &loop), 0);
	/* hyperfine's rule: what fits in 0.35 s judging by the first (the
	 * prepare's time counts too) */
	{
		int64_t first = r->ev[0].res.wall_ns;
		int want = (int)(0.35e9 / (double)first);
		assert_true(first >= 50000000);
		assert_true(r->count >= 2 && r->count <= 7);
		assert_true(r->count == want || r->count == want - 1); /* prepare adds a little */
	}
	/* 50 ms between events: quiet for 10 ms once after each */
	assert_true(r->idles >= r->count - 1 && r->idles <= (int)r->nev + 2);
	assert_int_equal(rec_steps(r, SPAWNER_STEP_MEASURE), (size_t)r->count);
	assert_int_equal(r->ev[0].count, 2); /* before the first ended: min_runs */
	assert_int_equal(r->ev[r->nev - 1].count, r->count);
	assert_int_equal(r->ev[r->nev - 1].iteration, r->count);
	rec_free(r);

	/* clamped at max_runs, and raised to min_runs */
	r = rec_new();
	loop.ctx = r;
	loop.max_runs = 3;
	loop.min_time = 100;
	assert_int_equal(spawner_loop(*state, &loop), 0);
	assert_int_equal(r->count, 3);
	assert_int_equal(rec_steps(r, SPAWNER_STEP_MEASURE), 3);
	rec_free(r);
	r = rec_new();
	loop.ctx = r;
	loop.max_runs = 10;
	loop.min_runs = 4;
	loop.min_time = 0.001;
	assert_int_equal(spawner_loop(*state, &loop), 0);
	assert_int_equal(r->count, 4);
	assert_int_equal(rec_steps(r, SPAWNER_STEP_MEASURE), 4);
	rec_free(r);
}

static void test_loop_failures(void **state)
{
	char *cmd[] = { "/bin/sh", "-c", "exit $((BENCHFS_ITERATION % 2 * 3))", NULL };
	struct spawner_side side = { base_env, NULL };
	struct recorder *r = rec_new();
	struct spawner_loop loop = {
		.argv = cmd, .sides = &side, .nsides = 1, .timeout_s = 10, .runs = 4,
		.on_event = rec_event, .ctx = r,
	};
	size_t n;

	/* iteration 1 exits 3: the loop stops there */
	assert_int_equal(spawner_loop(*state, &loop), SPAWNER_STOPPED);
	assert_int_equal(r->nev, 1);
	assert_int_equal(r->ev[0].res.exit_code, 3);
	assert_true(spawner_event_stops(&r->ev[0], false));
	rec_free(r);

	/* ignore_failure: all four, exit codes 3 0 3 0 */
	r = rec_new();
	loop.ctx = r;
	loop.ignore_failure = true;
	assert_int_equal(spawner_loop(*state, &loop), 0);
	assert_int_equal(r->nev, 4);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(r->ev[i].res.exit_code, i % 2 ? 0 : 3);
	rec_free(r);

	/* a failing conclude stops even with ignore_failure, and is reported */
	r = rec_new();
	loop.ctx = r;
	loop.conclude = "test $BENCHFS_ITERATION -lt 2";
	assert_int_equal(spawner_loop(*state, &loop), SPAWNER_STOPPED);
	n = r->nev;
	assert_int_equal(n, 3);
	assert_int_equal(r->ev[n - 1].step, SPAWNER_STEP_CONCLUDE);
	assert_int_equal(r->ev[n - 1].iteration, 2);
	assert_int_equal(r->ev[n - 1].res.exit_code, 1);
	rec_free(r);

	/* a prepare that cannot even find its shell's command still runs sh: exit 127 */
	r = rec_new();
	loop.ctx = r;
	loop.conclude = NULL;
	loop.prepare = "no-such-command-benchfs";
	assert_int_equal(spawner_loop(*state, &loop), SPAWNER_STOPPED);
	assert_int_equal(r->nev, 1);
	assert_int_equal(r->ev[0].step, SPAWNER_STEP_PREPARE);
	assert_int_equal(r->ev[0].res.exit_code, 127);
	rec_free(r);

	/* a missing program: an event with the error */
	{
		char *missing[] = { "/nonexistent/benchfs", NULL };

		r = rec_new();
		loop.ctx = r;
		loop.prepare = NULL;
		loop.argv = missing;
		assert_int_equal(spawner_loop(*state, &loop), SPAWNER_STOPPED);
		assert_int_equal(r->nev, 1);
		assert_int_equal(r->ev[0].error, -ENOENT);
		rec_free(r);
	}
}

static void test_loop_timeout_cancel_stop(void **state)
{
	char *cmd[] = { "/bin/sh", "-c", "test $BENCHFS_ITERATION -lt 2 || sleep 30", NULL };
	struct spawner_side side = { base_env, NULL };
	struct recorder *r = rec_new();
	struct spawner_loop loop = {
		.argv = cmd, .sides = &side, .nsides = 1, .timeout_s = 0.3, .runs = 5,
		.on_event = rec_event, .ctx = r,
	};
	int pipefd[2];
	struct canceller c;
	pthread_t t;
	int64_t t0 = mono_ns();

	assert_int_equal(spawner_loop(*state, &loop), SPAWNER_STOPPED);
	assert_int_equal(r->nev, 2);
	assert_true(r->ev[1].res.timed_out);
	assert_true(mono_ns() - t0 < 5000000000LL);
	rec_free(r);

	/* cancelled from outside while iteration 2 sleeps */
	r = rec_new();
	loop.ctx = r;
	loop.timeout_s = 60;
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	c = (struct canceller){ .fd = pipefd[1], .delay_ms = 300 };
	loop.cancel_fd = pipefd[0];
	t0 = mono_ns();
	assert_int_equal(pthread_create(&t, NULL, cancel_later, &c), 0);
	assert_int_equal(spawner_loop(*state, &loop), SPAWNER_STOPPED);
	pthread_join(t, NULL);
	assert_int_equal(r->nev, 2);
	assert_true(r->ev[1].res.cancelled);
	assert_true(mono_ns() - t0 < 5000000000LL);
	close(pipefd[0]);
	close(pipefd[1]);
	rec_free(r);

	/* the caller stops it: nothing after the event it stopped at */
	r = rec_new();
	loop.ctx = r;
	loop.cancel_fd = 0;
	loop.argv = (char *[]){ "/bin/true", NULL };
	loop.runs = 50;
	r->stop_at = 3;
	assert_int_equal(spawner_loop(*state, &loop), SPAWNER_STOPPED);
	assert_int_equal(r->nev, 3);
	rec_free(r);

	/* and the helper is fine afterwards */
	{
		struct spawn_result res;

		assert_int_equal(run_sh(*state, &res, "exit 4", NULL, 10), 0);
		assert_int_equal(res.exit_code, 4);
	}
}

static void test_loop_invalid(void **state)
{
	char *cmd[] = { "/bin/true", NULL };
	struct spawner_side sides[3] = { { base_env, NULL }, { base_env, NULL }, { base_env, NULL } };
	struct spawner_loop loop = { .argv = cmd, .sides = sides, .nsides = 1, .timeout_s = 1, .runs = 1 };

	assert_int_equal(spawner_loop(NULL, &loop), -EINVAL);
	assert_int_equal(spawner_loop(*state, NULL), -EINVAL);
	loop.nsides = 3;
	assert_int_equal(spawner_loop(*state, &loop), -EINVAL);
	loop.nsides = 1;
	loop.runs = 0;
	assert_int_equal(spawner_loop(*state, &loop), -EINVAL);
	loop.min_time = 1;
	loop.min_runs = 5;
	loop.max_runs = 4;
	assert_int_equal(spawner_loop(*state, &loop), -EINVAL);
	loop.max_runs = 5;
	assert_int_equal(spawner_loop(*state, &loop), 0);
}

/* The first CPU this process may run on, and how many it may use. */
static int first_cpu(int *count)
{
	cpu_set_t set;

	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	*count = CPU_COUNT(&set);
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set))
			return i;
	return -1;
}

static void status_field(char *out, size_t size, const char *status, const char *field)
{
	const char *p = strstr(status, field);

	assert_non_null(p);
	p += strlen(field);
	while (*p == ' ' || *p == '\t')
		p++;
	snprintf(out, size, "%.*s", (int)strcspn(p, "\n"), p);
}

/* Pinned commands run on the CPUs (as /proc shows); prepare does not, and
 * the helper is back where it was afterwards. */
static void test_loop_cpus(void **state)
{
	char *cmd[] = { "/bin/sh", "-c", "grep Cpus_allowed_list /proc/self/status", NULL };
	struct spawner_side side = { base_env, NULL };
	struct recorder *r = rec_new();
	int ncpus, cpu = first_cpu(&ncpus);
	struct spawner_loop loop = {
		.argv = cmd, .prepare = "grep Cpus_allowed_list /proc/self/status",
		.sides = &side, .nsides = 1, .timeout_s = 10, .output = true, .runs = 2,
		.calibrations = 1, .cpus = &cpu, .ncpus = 1, .on_event = rec_event,
		.on_output = rec_output, .ctx = r,
	};
	char want[64], got[160], before[64], after[64], path[64], *status;
	struct capture cap = { 0 };
	struct spawn_result res;
	pid_t helper;

	assert_int_equal(run_sh(*state, &res, "echo $PPID", &cap, 10), 0);
	helper = (pid_t)atol(cap.buf);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)helper);
	status = read_file(path);
	status_field(before, sizeof(before), status, "Cpus_allowed_list:");
	free(status);

	assert_int_equal(spawner_loop(*state, &loop), 0);
	snprintf(want, sizeof(want), "Cpus_allowed_list:\t%d\n", cpu);
	snprintf(got, sizeof(got), "%s%s", want, want);
	assert_string_equal(r->out[SPAWNER_STEP_MEASURE][0].buf, got);
	if (ncpus > 1) {
		/* prepare ran beside the benchmark's CPU, not on it */
		assert_null(strstr(r->out[SPAWNER_STEP_PREPARE][0].buf, want));
	}
	status = read_file(path);
	status_field(after, sizeof(after), status, "Cpus_allowed_list:");
	free(status);
	assert_string_equal(after, before);

	/* a single spawn pins too */
	{
		char *argv[] = { "/bin/sh", "-c", "grep Cpus_allowed_list /proc/self/status", NULL };
		struct spawn_spec spec = { .argv = argv, .envp = base_env, .on_output = capture_fn,
					   .output_ctx = &cap, .cpus = &cpu, .ncpus = 1 };

		cap.len = 0;
		assert_int_equal(spawner_measure(*state, &res, &spec), 0);
		assert_string_equal(cap.buf, want);
	}
	free(cap.buf);
	rec_free(r);
}

/* A measured command's large output arrives whole and in order (through
 * the alternating output files), in both the deferred and the pinned mode. */
static void test_loop_large_output(void **state)
{
	char *cmd[] = { "/bin/sh", "-c", "seq 1 100000; echo \"end $BENCHFS_ITERATION\" >&2", NULL };
	struct spawner_side side = { base_env, NULL };
	int ncpus, cpu = first_cpu(&ncpus);

	for (int pinned = 0; pinned < 2; pinned++) {
		struct recorder *r = rec_new();
		struct spawner_loop loop = {
			.argv = cmd, .sides = &side, .nsides = 1, .timeout_s = 30, .output = true,
			.runs = 3, .on_event = rec_event, .on_output = rec_output, .ctx = r,
			.cpus = &cpu, .ncpus = (size_t)pinned,
		};
		struct capture *out = &r->out[SPAWNER_STEP_MEASURE][0];
		size_t one = 0;
		char *p;

		assert_int_equal(spawner_loop(*state, &loop), 0);
		assert_non_null(out->buf);
		for (int i = 1; i <= 100000; i++)
			one += (size_t)snprintf(NULL, 0, "%d\n", i);
		one += strlen("end 1\n");
		assert_int_equal(out->len, 3 * one);
		for (int it = 1; it <= 3; it++) {
			char tail[16];
			p = out->buf + (size_t)(it - 1) * one;
			assert_memory_equal(p, "1\n2\n3\n", 6);
			snprintf(tail, sizeof(tail), "end %d\n", it);
			assert_memory_equal(p + one - strlen(tail), tail, strlen(tail));
		}
		rec_free(r);
	}
}

/* The helper dies in the middle of a loop: -EPIPE, and the next call works. */
static void test_loop_helper_dies(void **state)
{
	char *cmd[] = { "/bin/sh", "-c", "test $BENCHFS_ITERATION -lt 3 || kill -KILL $PPID", NULL };
	struct spawner_side side = { base_env, NULL };
	struct recorder *r = rec_new();
	struct spawner_loop loop = { .argv = cmd, .sides = &side, .nsides = 1, .timeout_s = 10,
				     .runs = 5, .on_event = rec_event, .ctx = r };
	struct spawn_result res;

	assert_int_equal(spawner_loop(*state, &loop), -EPIPE);
	assert_true(r->nev <= 2);
	assert_int_equal(run_sh(*state, &res, "exit 6", NULL, 10), 0);
	assert_int_equal(res.exit_code, 6);
	rec_free(r);
}

/* Output off: the command writes to /dev/null, prepare is still forwarded. */
static void test_loop_output_discard(void **state)
{
	char *cmd[] = { "/bin/sh", "-c", "echo lost; ls -l /proc/self/fd/1", NULL };
	struct spawner_side side = { base_env, NULL };
	struct recorder *r = rec_new();
	struct spawner_loop loop = {
		.argv = cmd, .prepare = "echo kept", .sides = &side, .nsides = 1, .timeout_s = 10,
		.runs = 2, .on_event = rec_event, .on_output = rec_output, .ctx = r,
	};

	assert_int_equal(spawner_loop(*state, &loop), 0);
	assert_null(r->out[SPAWNER_STEP_MEASURE][0].buf);
	assert_string_equal(r->out[SPAWNER_STEP_PREPARE][0].buf, "kept\nkept\n");
	rec_free(r);
}

/* The point of it all: the child's peak memory must not include ours. We
 * grow to 200 MiB, then compare /bin/true measured by spawn_measure (from this
 * big process), by the spawner, and by a minimal C posix_spawn+wait4 loop in
 * a small process. Wall times are interleaved in rounds, so that drift in the
 * machine's speed hits all three alike. */
#define ROUNDS 10
#define PER_ROUND 30
#define N_WALL (ROUNDS * PER_ROUND)
static void test_rss_floor_and_overhead(void **state)
{
	size_t big = 200 * (size_t)MIB;
	char *mem = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *true_argv[] = { "/bin/true", NULL };
	char count[16], *minloop_argv[] = { getenv("BENCHFS_MINLOOP"), count, "/bin/true", NULL };
	struct spawn_spec spec = { .argv = true_argv, .envp = base_env };
	struct spawn_spec mspec = { .argv = minloop_argv, .envp = base_env, .on_output = capture_fn };
	struct spawn_result res;
	struct capture cap = { 0 };
	struct spawner *fresh = NULL;
	int64_t *plain_wall = calloc(N_WALL, sizeof(int64_t));
	int64_t *sp_wall = calloc(N_WALL, sizeof(int64_t));
	int64_t *sp_round = calloc(N_WALL, sizeof(int64_t));
	int64_t *min_wall = calloc(N_WALL, sizeof(int64_t));
	int64_t plain_rss = 0, sp_rss = 0, min_rss = 0, sp_med, min_med;

	(void)state;
	assert_true(mem != MAP_FAILED);
	assert_non_null(minloop_argv[0]);
	assert_true(plain_wall && sp_wall && sp_round && min_wall);
	for (size_t i = 0; i < big; i += 4096)
		mem[i] = (char)i;
	snprintf(count, sizeof(count), "%d", PER_ROUND);
	mspec.output_ctx = &cap;

	/* A spawner started now, while we are big. */
	assert_int_equal(spawner_start(&fresh), 0);

	for (int r = 0; r < ROUNDS; r++) {
		char *p, *end;

		for (int j = 0; j < PER_ROUND; j++) {
			int i = r * PER_ROUND + j;
			int64_t t0;

			assert_int_equal(spawn_measure(&res, &spec), 0);
			assert_int_equal(res.exit_code, 0);
			plain_wall[i] = res.wall_ns;
			if (res.maxrss_bytes > plain_rss)
				plain_rss = res.maxrss_bytes;

			t0 = mono_ns();
			assert_int_equal(spawner_measure(fresh, &res, &spec), 0);
			sp_round[i] = mono_ns() - t0;
			assert_int_equal(res.exit_code, 0);
			sp_wall[i] = res.wall_ns;
			if (res.maxrss_bytes > sp_rss)
				sp_rss = res.maxrss_bytes;
		}

		/* The minimal loop, itself run through the spawner (so it is small). */
		cap.len = 0;
		assert_int_equal(spawner_measure(fresh, &res, &mspec), 0);
		assert_int_equal(res.exit_code, 0);
		assert_non_null(cap.buf);
		p = cap.buf;
		for (int j = -1; j < PER_ROUND; j++) {
			long long v = strtoll(p, &end, 10);

			assert_true(end != p);
			p = end;
			if (j < 0)
				min_rss = v > min_rss ? v : min_rss;
			else
				min_wall[r * PER_ROUND + j] = v;
		}
	}
	sp_med = median(sp_wall, N_WALL);
	min_med = median(min_wall, N_WALL);

	printf("[ INFO     ] /bin/true peak RSS: spawn_measure from a 200 MiB process %.2f MiB,"
	       " spawner %.2f MiB, minimal C loop %.2f MiB\n",
	       (double)plain_rss / MIB, (double)sp_rss / MIB, (double)min_rss / MIB);
	printf("[ INFO     ] /bin/true median wall over %d: minimal loop %.1f us,"
	       " spawner (measured inside) %.1f us (%+.1f%%), spawn_measure from the 200 MiB"
	       " process %.1f us; spawner round trip seen by the caller %.1f us\n",
	       N_WALL, (double)min_med / 1e3, (double)sp_med / 1e3,
	       100.0 * (double)(sp_med - min_med) / (double)min_med,
	       (double)median(plain_wall, N_WALL) / 1e3, (double)median(sp_round, N_WALL) / 1e3);

	assert_true(plain_rss >= 200 * (int64_t)MIB); /* the kernel behaviour we avoid */
	assert_true(sp_rss < 50 * (int64_t)MIB);
	/* Comparable to the minimal C program (a sanitizer build inflates both). */
	assert_true(sp_rss < 2 * min_rss + 4 * (int64_t)MIB);

	spawner_free(fresh);
	munmap(mem, big);
	free(cap.buf);
	free(plain_wall);
	free(sp_wall);
	free(sp_round);
	free(min_wall);
}

/* The loop against the minimal C loop, in alternating rounds so that drift
 * of the machine hits both alike: the mean and median each reports, and the
 * wall time per iteration (the minimal loop's own run time; the loop call
 * as the caller sees it). Printed only: a noisy machine, no assertion on
 * times (bench/overhead.sh measures benchfs as a whole). */
static void test_loop_overhead(void **state)
{
	char *true_argv[] = { "/bin/true", NULL };
	char count[16], *minloop_argv[] = { getenv("BENCHFS_MINLOOP"), count, "/bin/true", NULL };
	struct spawner_side side = { base_env, NULL };
	struct spawner_loop loop = { .argv = true_argv, .sides = &side, .nsides = 1,
				     .timeout_s = 10, .runs = PER_ROUND, .on_event = rec_event };
	struct spawn_spec mspec = { .argv = minloop_argv, .envp = base_env, .on_output = capture_fn };
	struct capture cap = { 0 };
	struct spawn_result res;
	int64_t *loop_wall = calloc(N_WALL, sizeof(int64_t)), *min_wall = calloc(N_WALL, sizeof(int64_t));
	int64_t loop_elapsed = 0, min_elapsed = 0, loop_sum = 0, min_sum = 0;

	assert_non_null(minloop_argv[0]);
	assert_true(loop_wall && min_wall);
	snprintf(count, sizeof(count), "%d", PER_ROUND);
	mspec.output_ctx = &cap;
	for (int round = 0; round < ROUNDS; round++) {
		struct recorder *r = rec_new();
		int64_t t0;
		char *p;

		cap.len = 0;
		assert_int_equal(spawner_measure(*state, &res, &mspec), 0);
		min_elapsed += res.wall_ns;
		loop.ctx = r;
		t0 = mono_ns();
		assert_int_equal(spawner_loop(*state, &loop), 0);
		loop_elapsed += mono_ns() - t0;
		assert_int_equal(r->nev, PER_ROUND);
		p = cap.buf;
		strtoll(p, &p, 10); /* peak RSS */
		for (int j = 0; j < PER_ROUND; j++) {
			int i = round * PER_ROUND + j;

			min_wall[i] = strtoll(p, &p, 10);
			min_sum += min_wall[i];
			loop_wall[i] = r->ev[j].res.wall_ns;
			loop_sum += loop_wall[i];
		}
		rec_free(r);
	}
	printf("[ INFO     ] /bin/true x %d in %d rounds: mean minimal loop %.1f us, spawner loop"
	       " %.1f us (%+.1f%%); medians %.1f and %.1f us; wall per iteration minimal loop"
	       " %.1f us, spawner loop %.1f us (%+.1f%%, including each round's request)\n",
	       N_WALL, ROUNDS, (double)min_sum / N_WALL / 1e3, (double)loop_sum / N_WALL / 1e3,
	       100.0 * ((double)loop_sum / (double)min_sum - 1),
	       (double)median(min_wall, N_WALL) / 1e3, (double)median(loop_wall, N_WALL) / 1e3,
	       (double)min_elapsed / N_WALL / 1e3, (double)loop_elapsed / N_WALL / 1e3,
	       100.0 * ((double)loop_elapsed / (double)min_elapsed - 1));
	free(loop_wall);
	free(min_wall);
	free(cap.buf);
}

static void test_free_stops_helper(void **state)
{
	struct spawner *sp = NULL;
	struct spawn_result res;
	struct capture cap = { 0 };
	pid_t helper;

	(void)state;
	assert_int_equal(spawner_start(&sp), 0);
	assert_int_equal(run_sh(sp, &res, "echo $PPID", &cap, 10), 0);
	helper = (pid_t)atol(cap.buf);
	spawner_free(sp);
	/* Reaped: the pid no longer names our child. */
	assert_int_equal(kill(helper, 0), -1);
	free(cap.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output_and_status),
		cmocka_unit_test(test_signal_death),
		cmocka_unit_test(test_output_large_is_complete),
		cmocka_unit_test(test_missing_program),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_env_cwd_path),
		cmocka_unit_test(test_inherit_env),
		cmocka_unit_test(test_large_request),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_no_fd_leak),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_helper_dies_during_call),
		cmocka_unit_test(test_helper_dies_while_idle),
		cmocka_unit_test(test_helper_dies_orphans_killed),
		cmocka_unit_test(test_missing_helper),
		cmocka_unit_test(test_free_stops_helper),
		cmocka_unit_test(test_loop_order_and_env),
		cmocka_unit_test(test_loop_first),
		cmocka_unit_test(test_loop_env_size),
		cmocka_unit_test(test_loop_adaptive),
		cmocka_unit_test(test_loop_failures),
		cmocka_unit_test(test_loop_timeout_cancel_stop),
		cmocka_unit_test(test_loop_invalid),
		cmocka_unit_test(test_loop_cpus),
		cmocka_unit_test(test_loop_output_discard),
		cmocka_unit_test(test_loop_large_output),
		cmocka_unit_test(test_loop_helper_dies),
		cmocka_unit_test(test_rss_floor_and_overhead),
		cmocka_unit_test(test_loop_overhead),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

#endif
