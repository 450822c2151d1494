/* Unit tests for spawner/spawn_measure.c and runner/hostinfo.c.
 *
 * The test binary doubles as its own helper program ("--helper-touch MIB",
 * "--helper-spin SECONDS") so memory and CPU measurements do not depend on
 * how some external tool allocates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runner/hostinfo.h"
#include "spawner/spawn_measure.h"

#define MIB (1024 * 1024)

static char self_exe[PATH_MAX];

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

/* Runs argv with base_env, capturing output into cap when it is non-NULL. */
static int run(struct spawn_result *res, char *const *argv, struct capture *cap,
	       double timeout_s)
{
	struct spawn_spec spec = {
		.argv = argv,
		.envp = base_env,
		.timeout_s = timeout_s,
		.on_output = cap ? capture_fn : NULL,
		.output_ctx = cap,
	};

	return spawn_measure(res, &spec);
}

static int run_sh(struct spawn_result *res, const char *script, struct capture *cap,
		  double timeout_s)
{
	char *argv[] = { "/bin/sh", "-c", (char *)script, NULL };

	return run(res, argv, cap, timeout_s);
}

static int count_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* True once pid is gone or a zombie (its reaper may be slow, e.g. in a
 * container whose init does not reap promptly). */
static bool process_dead(pid_t pid)
{
	char path[64], stat[256];
	FILE *f;
	char *rparen;
	bool dead = true;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	if (fgets(stat, sizeof(stat), f) && (rparen = strrchr(stat, ')')) && rparen[1] == ' ')
		dead = rparen[2] == 'Z' || rparen[2] == 'X';
	fclose(f);
	return dead;
}

static bool process_dies_soon(pid_t pid)
{
	int64_t until = mono_ns() + 2000000000LL;

	while (mono_ns() < until) {
		if (process_dead(pid))
			return true;
		usleep(10000);
	}
	return false;
}

static void test_exit_codes(void **state)
{
	struct spawn_result res;
	char desc[128];

	(void)state;
	assert_int_equal(run_sh(&res, "exit 0", NULL, 0), 0);
	assert_int_equal(res.exit_code, 0);
	assert_int_equal(res.term_signal, 0);
	assert_false(res.timed_out);
	assert_true(res.wall_ns > 0);

	assert_int_equal(run_sh(&res, "exit 3", NULL, 0), 0);
	assert_int_equal(res.exit_code, 3);
	assert_int_equal(res.term_signal, 0);
	assert_false(res.timed_out);
	spawn_result_describe(desc, sizeof(desc), &res, 0);
	assert_string_equal(desc, "exited with status 3");

	/* Same with a pipe and a deadline, i.e. through the poll loop. */
	assert_int_equal(run_sh(&res, "exit 3", &(struct capture){ 0 }, 10), 0);
	assert_int_equal(res.exit_code, 3);
	assert_false(res.timed_out);
}

static void test_output_in_order(void **state)
{
	struct spawn_result res;
	struct capture cap = { 0 };

	(void)state;
	assert_int_equal(run_sh(&res, "echo one; echo two >&2; echo three; echo four >&2",
				&cap, 0),
			 0);
	assert_int_equal(res.exit_code, 0);
	assert_non_null(cap.buf);
	assert_string_equal(cap.buf, "one\ntwo\nthree\nfour\n");
	free(cap.buf);
}

static void test_output_large_is_complete(void **state)
{
	struct spawn_result res;
	struct capture cap = { 0 };
	size_t i;

	(void)state;
	/* Several pipe buffers' worth, so the child blocks unless we read. */
	assert_int_equal(run_sh(&res, "head -c 3000000 /dev/zero | tr '\\0' x", &cap, 30), 0);
	assert_int_equal(res.exit_code, 0);
	assert_int_equal(cap.len, 3000000);
	for (i = 0; i < cap.len; i++)
		if (cap.buf[i] != 'x')
			fail_msg("byte %zu is %d", i, cap.buf[i]);
	free(cap.buf);
}

static void test_stdin_is_dev_null(void **state)
{
	struct spawn_result res;
	struct capture cap = { 0 };

	(void)state;
	assert_int_equal(run_sh(&res, "cat; echo done", &cap, 10), 0);
	assert_false(res.timed_out);
	assert_string_equal(cap.buf, "done\n");
	free(cap.buf);
}

/* output_fd: stdout and stderr into a file, stdin still /dev/null. */
static void test_output_to_fd(void **state)
{
	char path[] = "/tmp/benchfs-output-XXXXXX", text[512];
	char *argv[] = { "/bin/sh", "-c", "echo out; echo err >&2; readlink /proc/self/fd/0", NULL };
	int fd = mkstemp(path);
	struct spawn_spec spec = { .argv = argv, .envp = base_env, .output_fd = fd, .timeout_s = 10 };
	struct spawn_result res;
	ssize_t n;

	(void)state;
	assert_true(fd > 2);
	unlink(path);
	assert_int_equal(spawn_measure(&res, &spec), 0);
	assert_int_equal(res.exit_code, 0);
	n = pread(fd, text, sizeof(text) - 1, 0);
	assert_true(n > 0);
	text[n] = '\0';
	assert_string_equal(text, "out\nerr\n/dev/null\n");
	close(fd);
}

/* cpus: the child runs there; the caller's own affinity is unchanged. */
static void test_pinned(void **state)
{
	char *argv[] = { "/bin/sh", "-c", "grep Cpus_allowed_list /proc/self/status", NULL };
	struct spawn_spec spec = { .argv = argv, .envp = base_env, .on_output = capture_fn,
				   .timeout_s = 10, .ncpus = 1 };
	struct capture cap = { 0 };
	struct spawn_result res;
	cpu_set_t before, after;
	char want[64];
	int cpu = -1, bad = -1;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(before), &before), 0);
	for (int i = CPU_SETSIZE - 1; i >= 0; i--)
		if (CPU_ISSET(i, &before) && cpu < 0)
			cpu = i;
	spec.cpus = &cpu;
	spec.output_ctx = &cap;
	assert_int_equal(spawn_measure(&res, &spec), 0);
	snprintf(want, sizeof(want), "Cpus_allowed_list:\t%d\n", cpu);
	assert_string_equal(cap.buf, want);
	assert_int_equal(sched_getaffinity(0, sizeof(after), &after), 0);
	assert_true(CPU_EQUAL(&before, &after));
	spec.cpus = &bad;
	assert_int_equal(spawn_measure(&res, &spec), -EINVAL);
	free(cap.buf);
}

static void test_missing_program(void **state)
{
	struct spawn_result res = { .exit_code = 12345 };
	char *abs_argv[] = { "/nonexistent/benchfs-no-such-program", NULL };
	char *rel_argv[] = { "benchfs-no-such-program", NULL };

	(void)state;
	assert_int_equal(run(&res, abs_argv, NULL, 0), -ENOENT);
	assert_int_equal(run(&res, rel_argv, &(struct capture){ 0 }, 0), -ENOENT);
	assert_int_equal(res.exit_code, 12345); /* untouched on failure */
}

static void test_path_from_child_env(void **state)
{
	struct spawn_result res = { 0 };
	char *argv[] = { "true", NULL };
	char *no_path[] = { "PATH=/nonexistent:/also/nonexistent", NULL };
	struct spawn_spec spec = { .argv = argv, .envp = no_path };

	(void)state;
	/* The child's PATH decides, not the test process's. */
	assert_int_equal(spawn_measure(&res, &spec), -ENOENT);
	spec.envp = base_env;
	assert_int_equal(spawn_measure(&res, &spec), 0);
	assert_int_equal(res.exit_code, 0);
}

static void test_cwd(void **state)
{
	char tmpl[] = "/tmp/benchfs-spawn-XXXXXX";
	char *dir = mkdtemp(tmpl);
	char real[PATH_MAX], expect[PATH_MAX + 2];
	char *argv[] = { "/bin/sh", "-c", "pwd -P", NULL };
	struct capture cap = { 0 };
	struct spawn_result res;
	struct spawn_spec spec = {
		.argv = argv, .envp = base_env, .on_output = capture_fn, .output_ctx = &cap
	};

	(void)state;
	assert_non_null(dir);
	assert_non_null(realpath(dir, real));
	spec.cwd = dir;
	assert_int_equal(spawn_measure(&res, &spec), 0);
	snprintf(expect, sizeof(expect), "%s\n", real);
	assert_string_equal(cap.buf, expect);
	free(cap.buf);

	/* A missing directory is a start failure too, not an exit status. */
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(spawn_measure(&res, &spec), -ENOENT);
}

static void test_envp(void **state)
{
	char *argv[] = { "/bin/sh", "-c", "echo \"$FOO|${HOME-unset}\"", NULL };
	char *env[] = { "FOO=bar baz", "PATH=/usr/bin:/bin", NULL };
	struct capture cap = { 0 };
	struct spawn_result res;
	struct spawn_spec spec = {
		.argv = argv, .envp = env, .on_output = capture_fn, .output_ctx = &cap
	};

	(void)state;
	setenv("HOME", "/should/not/leak", 1);
	assert_int_equal(spawn_measure(&res, &spec), 0);
	assert_string_equal(cap.buf, "bar baz|unset\n");
	free(cap.buf);
}

static void test_timeout_kills_group(void **state)
{
	struct spawn_result res;
	struct capture cap = { 0 };
	char desc[128];
	int64_t t0, elapsed;
	long grandchild;

	(void)state;
	t0 = mono_ns();
	assert_int_equal(run_sh(&res, "sleep 30 & echo $!; sleep 30", &cap, 0.3), 0);
	elapsed = mono_ns() - t0;

	assert_true(res.timed_out);
	assert_true(elapsed < 5000000000LL);
	assert_true(res.wall_ns >= 300000000LL);
	assert_int_equal(res.exit_code, -1);
	assert_int_equal(res.term_signal, SIGKILL);
	spawn_result_describe(desc, sizeof(desc), &res, 0.3);
	assert_string_equal(desc, "timed out after 0.3 s");

	assert_non_null(cap.buf);
	grandchild = strtol(cap.buf, NULL, 10);
	assert_true(grandchild > 1);
	assert_true(process_dies_soon((pid_t)grandchild));
	free(cap.buf);
}

static void test_background_grandchild_does_not_survive(void **state)
{
	struct spawn_result res;
	struct capture cap = { 0 };
	int64_t t0;
	long grandchild;

	(void)state;
	/* The grandchild holds the pipe open; we must neither wait for it nor
	 * leave it behind. */
	t0 = mono_ns();
	assert_int_equal(run_sh(&res, "sleep 30 & echo $!; echo done", &cap, 0), 0);
	assert_true(mono_ns() - t0 < 5000000000LL);
	assert_false(res.timed_out);
	assert_int_equal(res.exit_code, 0);
	assert_non_null(cap.buf);
	assert_non_null(strstr(cap.buf, "\ndone\n"));
	grandchild = strtol(cap.buf, NULL, 10);
	assert_true(grandchild > 1);
	assert_true(process_dies_soon((pid_t)grandchild));
	free(cap.buf);
}

static void test_signal_death(void **state)
{
	struct spawn_result res;
	char desc[128];

	(void)state;
	assert_int_equal(run_sh(&res, "kill -9 $$", NULL, 0), 0);
	assert_int_equal(res.exit_code, -1);
	assert_int_equal(res.term_signal, SIGKILL);
	assert_false(res.timed_out);
	spawn_result_describe(desc, sizeof(desc), &res, 0);
	assert_string_equal(desc, "killed by signal 9 (Killed)");
}

static void test_signals_reset_in_child(void **state)
{
	struct spawn_result res;
	sigset_t block, old;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_term;

	(void)state;
	/* The daemon blocks and ignores signals; the child must not inherit that. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	assert_int_equal(sigprocmask(SIG_BLOCK, &block, &old), 0);
	assert_int_equal(sigaction(SIGTERM, &ign, &old_term), 0);

	assert_int_equal(run_sh(&res, "kill -TERM $$; exit 0", NULL, 5), 0);

	sigaction(SIGTERM, &old_term, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	assert_int_equal(res.term_signal, SIGTERM);
	assert_int_equal(res.exit_code, -1);
}

/* In the signal mode, checks one condition in the forked process below:
 * on failure, the line goes to stderr and the process exits 1. */
#define SIGMODE_CHECK(cond)                                                          \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond);   \
			_exit(1);                                                    \
		}                                                                    \
	} while (0)

/* Reads the whole output file and empties it. */
static void sigmode_take(char *buf, size_t size, int fd)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	SIGMODE_CHECK(ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0);
}

/* What benchfs-spawner runs: spawn_wait_with_signals, then spawns whose
 * output goes to a file (not a pipe) are waited for in sigtimedwait. Exit
 * status, timeout, cancel, stale signals, the child's clean signal mask and
 * kept file actions, all in a forked process: the mode changes the process's
 * signal state for good. */
static void sigmode_body(void)
{
	char path[] = "/tmp/benchfs-sigmode-XXXXXX", out[256];
	char *exit3[] = { "/bin/sh", "-c", "exit 3", NULL };
	char *sleeper[] = { "/bin/sh", "-c", "sleep 30 & echo $!; sleep 30", NULL };
	char *mask[] = { "/bin/sh", "-c", "grep -E '^Sig(Blk|Ign)' /proc/self/status", NULL };
	char *hello[] = { "/bin/echo", "hello", NULL };
	struct spawn_actions actions = { 0 };
	struct spawn_result res;
	int cancel[2], out_fd = mkstemp(path), other_fd;
	struct spawn_spec spec = { .envp = base_env, .output_fd = out_fd, .timeout_s = 10,
				   .actions = &actions };
	int64_t t0;
	pid_t writer;

	SIGMODE_CHECK(out_fd > 2 && pipe(cancel) == 0);
	unlink(path);
	spec.cancel_fd = cancel[0];
	SIGMODE_CHECK(spawn_wait_with_signals(cancel[0]) == 0);

	/* Exit status; the file actions are built once and kept. */
	spec.argv = exit3;
	SIGMODE_CHECK(spawn_measure(&res, &spec) == 0 && res.exit_code == 3 && !res.timed_out);
	SIGMODE_CHECK(actions.built && actions.output_fd == out_fd);
	spec.argv = hello;
	SIGMODE_CHECK(spawn_measure(&res, &spec) == 0 && res.exit_code == 0);
	sigmode_take(out, sizeof(out), out_fd);
	SIGMODE_CHECK(strcmp(out, "hello\n") == 0);

	/* Another output file: the kept actions are rebuilt for it. */
	other_fd = dup(out_fd);
	spec.output_fd = other_fd;
	SIGMODE_CHECK(spawn_measure(&res, &spec) == 0 && actions.output_fd == other_fd);
	sigmode_take(out, sizeof(out), out_fd);
	SIGMODE_CHECK(strcmp(out, "hello\n") == 0);
	spec.output_fd = out_fd;

	/* The child blocks and ignores nothing, though this process blocks
	 * SIGCHLD and SIGIO (and ignores SIGPIPE, as benchfs-spawner does). */
	signal(SIGPIPE, SIG_IGN);
	spec.argv = mask;
	SIGMODE_CHECK(spawn_measure(&res, &spec) == 0 && res.exit_code == 0);
	sigmode_take(out, sizeof(out), out_fd);
	{
		/* glibc's posix_spawn leaves its own two real-time signals
		 * (32, 33) ignored: only 1..31 must be clean. */
		unsigned long long blk, ign;

		SIGMODE_CHECK(sscanf(out, "SigBlk:\t%llx\nSigIgn:\t%llx", &blk, &ign) == 2);
		SIGMODE_CHECK(blk == 0 && (ign & 0x7fffffffULL) == 0);
	}

	/* The timeout kills the group, and on time. */
	spec.argv = sleeper;
	spec.timeout_s = 0.3;
	t0 = mono_ns();
	SIGMODE_CHECK(spawn_measure(&res, &spec) == 0 && res.timed_out);
	SIGMODE_CHECK(res.term_signal == SIGKILL && res.wall_ns >= 300000000LL);
	SIGMODE_CHECK(mono_ns() - t0 < 5000000000LL);
	sigmode_take(out, sizeof(out), out_fd);
	SIGMODE_CHECK(process_dies_soon((pid_t)strtol(out, NULL, 10)));

	/* A write to cancel_fd while the child runs kills it. */
	spec.timeout_s = 60;
	writer = fork();
	SIGMODE_CHECK(writer >= 0);
	if (writer == 0) {
		usleep(300000);
		_exit(write(cancel[1], "C", 1) == 1 ? 0 : 1);
	}
	t0 = mono_ns();
	SIGMODE_CHECK(spawn_measure(&res, &spec) == 0 && res.cancelled && !res.timed_out);
	SIGMODE_CHECK(mono_ns() - t0 < 5000000000LL);
	SIGMODE_CHECK(waitpid(writer, NULL, 0) == writer);
	sigmode_take(out, sizeof(out), out_fd);

	/* Once the message is read, its SIGIO is stale: no cancel. A SIGCHLD
	 * left by a child reaped in the pipe path is stale too. */
	SIGMODE_CHECK(read(cancel[0], out, 1) == 1);
	SIGMODE_CHECK(run(&res, exit3, &(struct capture){ 0 }, 10) == 0 && res.exit_code == 3);
	spec.argv = exit3;
	SIGMODE_CHECK(spawn_measure(&res, &spec) == 0 && res.exit_code == 3 && !res.cancelled);

	spawn_actions_clear(&actions);
	SIGMODE_CHECK(!actions.built);
	_exit(0);
}

static void test_wait_with_signals(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		sigmode_body();
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_peak_rss(void **state)
{
	char *argv[] = { self_exe, "--helper-touch", "60", NULL };
	struct spawn_result res;

	(void)state;
	assert_int_equal(run(&res, argv, NULL, 30), 0);
	assert_int_equal(res.exit_code, 0);
	assert_true(res.maxrss_bytes >= 50LL * MIB);
	/* Bytes, not KiB: a 60 MiB process is not 60 GiB. */
	assert_true(res.maxrss_bytes < 1024LL * MIB);
}

static void test_cpu_time_matches_wall(void **state)
{
	char *argv[] = { self_exe, "--helper-spin", "0.3", NULL };
	struct spawn_result res;
	double cpu, ratio_target, ratio_wall;

	(void)state;
	assert_int_equal(run(&res, argv, &(struct capture){ 0 }, 30), 0);
	assert_int_equal(res.exit_code, 0);
	/* The helper burns 0.3 s of its own CPU clock, so rusage must agree with
	 * that regardless of load. Against wall time only the upper bound holds
	 * for sure: under parallel test load the helper waits for a CPU, and
	 * cpu/wall dropped to 0.15 with 8 copies on 2 cores. */
	cpu = (double)(res.user_ns + res.sys_ns);
	ratio_target = cpu / 0.3e9;
	ratio_wall = cpu / (double)res.wall_ns;
	if (ratio_target < 0.5 || ratio_target > 1.5 || ratio_wall > 1.5)
		fail_msg("cpu/target %.3f, cpu/wall %.3f (user %lld ns, sys %lld ns, wall %lld ns)",
			 ratio_target, ratio_wall, (long long)res.user_ns, (long long)res.sys_ns,
			 (long long)res.wall_ns);
	assert_true(res.user_ns > res.sys_ns);
}

static void test_no_fd_leak(void **state)
{
	struct spawn_result res;
	struct capture cap = { 0 };
	char *missing[] = { "/nonexistent/x", NULL };
	int before, i;

	(void)state;
	before = count_open_fds();
	for (i = 0; i < 5; i++) {
		assert_int_equal(run_sh(&res, "echo hi", &cap, 0), 0);
		assert_int_equal(run_sh(&res, "echo hi", &cap, 5), 0);
		assert_int_equal(run_sh(&res, "exit 0", NULL, 0), 0);
		assert_int_equal(run(&res, missing, &cap, 5), -ENOENT);
	}
	assert_int_equal(run_sh(&res, "sleep 5", &cap, 0.05), 0);
	assert_true(res.timed_out);
	assert_int_equal(count_open_fds(), before);
	free(cap.buf);
}

static void test_describe(void **state)
{
	struct spawn_result res = { .exit_code = 0 };
	char desc[128];

	(void)state;
	spawn_result_describe(desc, sizeof(desc), &res, 0);
	assert_string_equal(desc, "exited with status 0");
	res = (struct spawn_result){ .exit_code = -1, .term_signal = SIGSEGV };
	spawn_result_describe(desc, sizeof(desc), &res, 0);
	assert_string_equal(desc, "killed by signal 11 (Segmentation fault)");
	res = (struct spawn_result){ .exit_code = -1, .term_signal = SIGKILL, .timed_out = true };
	spawn_result_describe(desc, sizeof(desc), &res, 2);
	assert_string_equal(desc, "timed out after 2 s");
	spawn_result_describe(desc, 8, &res, 2); /* truncates, stays terminated */
	assert_string_equal(desc, "timed o");
}

static void test_hostinfo_json(void **state)
{
	char *text = hostinfo_json();
	struct json_object *obj, *v, *load;
	size_t i;

	(void)state;
	assert_non_null(text);
	obj = json_tokener_parse(text);
	assert_non_null(obj);
	assert_true(json_object_is_type(obj, json_type_object));
	assert_int_equal(json_object_object_length(obj), 9);

	assert_true(json_object_object_get_ex(obj, "hostname", &v));
	assert_true(json_object_is_type(v, json_type_string));
	assert_true(json_object_object_get_ex(obj, "kernel", &v));
	assert_true(json_object_is_type(v, json_type_string));
	assert_non_null(strstr(json_object_get_string(v), "Linux "));
	assert_true(json_object_object_get_ex(obj, "cpu_model", &v));
	assert_true(v == NULL || json_object_is_type(v, json_type_string));
	assert_true(json_object_object_get_ex(obj, "cores", &v));
	assert_true(json_object_is_type(v, json_type_int));
	assert_true(json_object_get_int64(v) >= 1);
	assert_true(json_object_object_get_ex(obj, "memory_bytes", &v));
	assert_true(json_object_is_type(v, json_type_int));
	assert_true(json_object_get_int64(v) > 16LL * MIB);
	assert_true(json_object_object_get_ex(obj, "governor", &v));
	assert_true(v == NULL || json_object_is_type(v, json_type_string));
	assert_true(json_object_object_get_ex(obj, "load_average", &load));
	assert_true(json_object_is_type(load, json_type_array));
	assert_int_equal(json_object_array_length(load), 3);
	for (i = 0; i < 3; i++) {
		v = json_object_array_get_idx(load, i);
		assert_true(json_object_is_type(v, json_type_double) ||
			    json_object_is_type(v, json_type_int));
	}
	assert_true(json_object_object_get_ex(obj, "benchfs_version", &v));
	assert_true(json_object_is_type(v, json_type_string));
	assert_string_equal(json_object_get_string(v), BENCHFS_VERSION);
	/* The toolchain: cc's --version line (null without a compiler), glibc's version. */
	assert_true(json_object_object_get_ex(obj, "toolchain", &v));
	assert_int_equal(json_object_object_length(v), 2);
	assert_true(json_object_object_get_ex(v, "cc", &load));
	assert_true(load == NULL || json_object_is_type(load, json_type_string));
	assert_true(json_object_object_get_ex(v, "libc", &load));
	assert_true(load == NULL || strncmp(json_object_get_string(load), "glibc ", 6) == 0);

	json_object_put(obj);
	free(text);
}

/* Helper: touch MiB of memory and keep it until exit. */
static int helper_touch(const char *mib_arg)
{
	size_t size = (size_t)strtoul(mib_arg, NULL, 10) * MIB;
	volatile char *p = malloc(size);
	size_t i;
	int result;

	if (!p)
		return 1;
	for (i = 0; i < size; i += 4096)
		p[i] = 1;
	result = p[size / 2] == 1 ? 0 : 1;
	free((void *)p); /* LeakSanitizer would fail the helper otherwise */
	return result;
}

static int64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Helper: burn the given amount of user CPU time. */
static int helper_spin(const char *seconds_arg)
{
	int64_t until = cpu_ns() + (int64_t)(strtod(seconds_arg, NULL) * 1e9);
	volatile uint64_t x = 0;

	while (cpu_ns() < until)
		for (int i = 0; i < 100000; i++)
			x += (uint64_t)i;
	(void)x; /* read it, or clang calls it unused */
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_output_in_order),
		cmocka_unit_test(test_output_large_is_complete),
		cmocka_unit_test(test_stdin_is_dev_null),
		cmocka_unit_test(test_output_to_fd),
		cmocka_unit_test(test_pinned),
		cmocka_unit_test(test_missing_program),
		cmocka_unit_test(test_path_from_child_env),
		cmocka_unit_test(test_cwd),
		cmocka_unit_test(test_envp),
		cmocka_unit_test(test_timeout_kills_group),
		cmocka_unit_test(test_background_grandchild_does_not_survive),
		cmocka_unit_test(test_signal_death),
		cmocka_unit_test(test_signals_reset_in_child),
		cmocka_unit_test(test_wait_with_signals),
		cmocka_unit_test(test_peak_rss),
		cmocka_unit_test(test_cpu_time_matches_wall),
		cmocka_unit_test(test_no_fd_leak),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_hostinfo_json),
	};
	ssize_t n;

	if (argc == 3 && strcmp(argv[1], "--helper-touch") == 0)
		return helper_touch(argv[2]);
	if (argc == 3 && strcmp(argv[1], "--helper-spin") == 0)
		return helper_spin(argv[2]);

	n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	if (n <= 0)
		return 1;
	self_exe[n] = '\0';
	return cmocka_run_group_tests(tests, NULL, NULL);
}
