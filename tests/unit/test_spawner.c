/* Unit tests for runner/spawner.c and the benchfs-spawner helper.
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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "spawn_measure.h"
#include "spawner.h"

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
		cmocka_unit_test(test_missing_helper),
		cmocka_unit_test(test_free_stops_helper),
		cmocka_unit_test(test_rss_floor_and_overhead),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

#endif
