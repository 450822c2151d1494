/* Spawn one process and measure it. See spawn_measure.h for the contract.
 *
 * posix_spawn rather than fork: the daemon is multi-threaded, and glibc's
 * posix_spawn (clone with CLONE_VM|CLONE_VFORK) neither copies the address
 * space nor runs any of our code in the child. glibc also reports exec
 * failures as an error return, so a missing program is -ENOENT, not a fake
 * exit status 127. */
#include "spawner/spawn_measure.h"
#include "util/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Output read size; kept small because callers may run us on thread stacks. */
#define SPAWN_READ_CHUNK 16384
/* Without a pidfd we must poll for the child's exit; this bounds the delay. */
#define SPAWN_FALLBACK_POLL_MS 1
/* How long to keep draining the pipe after the child is reaped and its group
 * killed. Killed members close the pipe at once; only a process that left the
 * group (setsid) could hold it open, and it must not hang the runner. */
#define SPAWN_DRAIN_LIMIT_MS 250

static int64_t timeval_ns(const struct timeval *tv)
{
	return (int64_t)tv->tv_sec * NS_PER_S + (int64_t)tv->tv_usec * 1000;
}

static const char *env_lookup(char *const *envp, const char *name)
{
	size_t len = strlen(name);

	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, len) == 0 && (*envp)[len] == '=')
			return *envp + len + 1;
	return NULL;
}

/* Finds a program without a slash in the PATH of the child's environment
 * (not the daemon's, which posix_spawnp would use), like execvp: an empty
 * entry means the current directory, and EACCES is reported only when no
 * executable candidate exists. Done before the clock starts. */
static int program_resolve(char *out, size_t size, const char *name, char *const *envp)
{
	const char *path = env_lookup(envp, "PATH");
	const char *dir, *end;
	int result = -ENOENT;

	if (!path)
		path = "/bin:/usr/bin";
	if (*name == '\0')
		return -ENOENT;

	for (dir = path;; dir = end + 1) {
		struct stat st;
		int dirlen, n;

		end = strchr(dir, ':');
		if (!end)
			end = dir + strlen(dir);
		dirlen = (int)(end - dir);
		n = dirlen ? snprintf(out, size, "%.*s/%s", dirlen, dir, name)
			   : snprintf(out, size, "%s", name);
		if (n > 0 && (size_t)n < size && stat(out, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(out, X_OK) == 0)
				return 0;
			result = -EACCES;
		}
		if (*end == '\0')
			break;
	}
	return result;
}

/* Hands everything currently readable to the callback. Returns false at EOF
 * or on a read error, when the pipe should be closed. */
static bool pipe_drain_once(int fd, const struct spawn_spec *spec)
{
	char buf[SPAWN_READ_CHUNK];
	ssize_t n;

	n = read(fd, buf, sizeof(buf));
	if (n > 0) {
		spec->on_output(spec->output_ctx, buf, (size_t)n);
		return true;
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	return false;
}

/* WAIT_REAPED: the wait reaped the child already (status and rusage filled);
 * WAIT_EXITED: it ended, or the wait cannot tell: wait4 reaps it. */
enum wait_end { WAIT_EXITED, WAIT_REAPED, WAIT_TIMED_OUT, WAIT_CANCELLED };

/* Waits until the child exits, the deadline passes or the caller cancels,
 * forwarding output on the way. The child is not reaped here, so its pid
 * (and process group id) stay reserved. */
static enum wait_end child_wait_exit(pid_t pid, int pidfd, int *pipe_rd, int64_t deadline,
			    const struct spawn_spec *spec)
{
	for (;;) {
		struct pollfd pfd[3];
		nfds_t nfds = 0;
		int pipe_idx = -1, pid_idx = -1, cancel_idx = -1, timeout, ready;
		int64_t now = now_mono_ns();

		if (deadline >= 0 && now >= deadline)
			return WAIT_TIMED_OUT;
		if (spec->cancel_fd > 0) {
			cancel_idx = (int)nfds;
			pfd[nfds++] = (struct pollfd){ .fd = spec->cancel_fd, .events = POLLIN };
		}
		timeout = timeout_ms_until(deadline, now);

		if (*pipe_rd >= 0) {
			pipe_idx = (int)nfds;
			pfd[nfds++] = (struct pollfd){ .fd = *pipe_rd, .events = POLLIN };
		}
		if (pidfd >= 0) {
			pid_idx = (int)nfds;
			pfd[nfds++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		} else {
			siginfo_t si = { 0 };

			/* No pidfd: peek without reaping, then nap briefly. */
			if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
			    si.si_pid == pid)
				return WAIT_EXITED;
			if (timeout < 0 || timeout > SPAWN_FALLBACK_POLL_MS)
				timeout = SPAWN_FALLBACK_POLL_MS;
		}

		ready = poll(pfd, nfds, timeout);
		if (ready < 0 && errno != EINTR)
			return WAIT_EXITED; /* cannot wait properly; let wait4 block */
		if (ready <= 0)
			continue;
		if (pid_idx >= 0 && pfd[pid_idx].revents)
			return WAIT_EXITED;
		if (cancel_idx >= 0 && pfd[cancel_idx].revents)
			return WAIT_CANCELLED;
		if (pipe_idx >= 0 && pfd[pipe_idx].revents && !pipe_drain_once(*pipe_rd, spec)) {
			close(*pipe_rd);
			*pipe_rd = -1;
		}
	}
}

/* Set by spawn_wait_with_signals: the calling thread blocks SIGCHLD and SIGIO,
 * and cancel_fd raises SIGIO. */
static bool signals_on;
static int signals_cancel_fd = -1;

int spawn_wait_with_signals(int cancel_fd)
{
	sigset_t set;
	int flags;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGIO);
	/* An ignored SIGCHLD would reap children behind wait4's back. */
	if (signal(SIGCHLD, SIG_DFL) == SIG_ERR || sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	if (cancel_fd > 0) {
		flags = fcntl(cancel_fd, F_GETFL);
		if (flags < 0 || fcntl(cancel_fd, F_SETOWN, getpid()) < 0 ||
		    fcntl(cancel_fd, F_SETFL, flags | O_ASYNC) < 0)
			return -errno;
	}
	signals_cancel_fd = cancel_fd;
	signals_on = true;
	return 0;
}

static bool fd_readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 0) > 0;
}

/* Sleeps in sigtimedwait until SIGCHLD says the child ended (it is reaped
 * here at once, as a plain wait4 would), SIGIO says cancel_fd is readable,
 * or the deadline passes. Either signal may be stale (an earlier child, a
 * message already read), so each is checked before it is believed. */
static enum wait_end child_wait_signals(pid_t pid, int64_t deadline, int cancel_fd, int *status,
					struct rusage *ru)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	if (cancel_fd > 0)
		sigaddset(&set, SIGIO);
	for (;;) {
		struct timespec left, *limit = NULL;
		pid_t reaped;
		int sig;

		if (deadline >= 0) {
			int64_t ns = deadline - now_mono_ns();

			if (ns <= 0)
				return WAIT_TIMED_OUT;
			left.tv_sec = (time_t)(ns / NS_PER_S);
			left.tv_nsec = (long)(ns % NS_PER_S);
			limit = &left;
		}
		sig = sigtimedwait(&set, NULL, limit);
		if (sig == SIGIO && fd_readable(cancel_fd))
			return WAIT_CANCELLED;
		if (sig == SIGIO || (sig < 0 && (errno == EAGAIN || errno == EINTR)))
			continue;
		/* SIGCHLD, or an error that leaves nothing better than a check. */
		reaped = wait4(pid, status, WNOHANG, ru);
		if (reaped == pid)
			return WAIT_REAPED;
		if ((reaped < 0 && errno != EINTR) || sig < 0)
			return WAIT_EXITED; /* the blocking wait4 reports it */
	}
}

/* Reads the rest of the output. The group has been killed, so EOF is
 * normally immediate; the limit only guards against escaped processes. */
static void pipe_drain_rest(int *pipe_rd, const struct spawn_spec *spec)
{
	int64_t deadline = now_mono_ns() + SPAWN_DRAIN_LIMIT_MS * NS_PER_MS;

	while (*pipe_rd >= 0) {
		struct pollfd pfd = { .fd = *pipe_rd, .events = POLLIN };
		int ready = poll(&pfd, 1, timeout_ms_until(deadline, now_mono_ns()));

		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0 || !pipe_drain_once(*pipe_rd, spec)) {
			close(*pipe_rd);
			*pipe_rd = -1;
		}
	}
}

/* Set by spawn_floor_track: /proc/self/clear_refs (-1 when the high-water
 * mark cannot be reset) and what the floor is read from: /proc/self/statm
 * after a reset, else /proc/self/status (its VmHWM). */
static int floor_reset_fd = -1, floor_read_fd = -1;

int spawn_floor_track(void)
{
	if (floor_read_fd >= 0)
		return 0;
	floor_reset_fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
	floor_read_fd = open(floor_reset_fd >= 0 ? "/proc/self/statm" : "/proc/self/status",
			     O_RDONLY | O_CLOEXEC);
	if (floor_read_fd < 0) {
		int err = -errno;

		if (floor_reset_fd >= 0)
			close(floor_reset_fd);
		floor_reset_fd = -1;
		return err;
	}
	return 0;
}

static int64_t parse_u64(const char *p, const char **end)
{
	int64_t v = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	for (; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (*p - '0');
	*end = p;
	return v;
}

/* Lowers our RSS high-water mark to the RSS we have now (what a child that
 * execs out of our address space inherits at exec) and returns it in bytes;
 * without a reset, the mark as it is. 0 when not tracked or unreadable. */
static int64_t floor_read(void)
{
	char buf[4096];
	const char *p, *end;
	ssize_t n;

	if (floor_read_fd < 0)
		return 0;
	if (floor_reset_fd >= 0 && write(floor_reset_fd, "5", 1) != 1) {
		/* Refused (an older kernel, a locked-down /proc): read the mark. */
		close(floor_reset_fd);
		close(floor_read_fd);
		floor_reset_fd = -1;
		floor_read_fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
		if (floor_read_fd < 0)
			return 0;
	}
	n = pread(floor_read_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (floor_reset_fd >= 0) {
		/* statm: size, then resident, in pages */
		(void)parse_u64(buf, &end);
		return parse_u64(end, &end) * sysconf(_SC_PAGESIZE);
	}
	p = strstr(buf, "\nVmHWM:");
	return p ? parse_u64(p + sizeof("\nVmHWM:") - 1, &end) * 1024 : 0;
}

/* /dev/null, opened once and kept (close-on-exec): the child gets it by
 * dup2, which is cheaper than opening the path in every child. -1 when it
 * cannot be opened (the child then opens the path itself). */
static pthread_once_t devnull_once = PTHREAD_ONCE_INIT;
static int devnull_fd = -1;

static void devnull_open(void)
{
	devnull_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
}

/* fd in the child is /dev/null. */
static int add_devnull(posix_spawn_file_actions_t *fa, int fd, int flags)
{
	pthread_once(&devnull_once, devnull_open);
	/* Our own copy may sit on 0..2 when the caller runs with them closed:
	 * then opening the path is the safe way. */
	if (devnull_fd > STDERR_FILENO)
		return posix_spawn_file_actions_adddup2(fa, devnull_fd, fd);
	return posix_spawn_file_actions_addopen(fa, fd, "/dev/null", flags, 0);
}

static int actions_init(posix_spawn_file_actions_t *fa, const struct spawn_spec *spec,
			int pipe_wr)
{
	int out = pipe_wr >= 0 ? pipe_wr : spec->output_fd > STDERR_FILENO ? spec->output_fd : -1;
	int result;

	/* stdout first, stdin last: should the daemon run with fds 0-2 closed,
	 * the pipe itself may be fd 0, 1 or 2 and must be copied before being
	 * replaced. dup2 clears FD_CLOEXEC on the target (also when source and
	 * target are the same fd); the pipe's own fds stay close-on-exec, so the
	 * child holds the write end only as 1 and 2. */
	if (out >= 0)
		result = posix_spawn_file_actions_adddup2(fa, out, STDOUT_FILENO);
	else
		result = add_devnull(fa, STDOUT_FILENO, O_WRONLY);
	if (result)
		return result;
	result = posix_spawn_file_actions_adddup2(fa, STDOUT_FILENO, STDERR_FILENO);
	if (result)
		return result;
	result = add_devnull(fa, STDIN_FILENO, O_RDONLY);
	if (result)
		return result;
	if (spec->cwd)
		result = posix_spawn_file_actions_addchdir_np(fa, spec->cwd);
	return result;
}

static int attr_init(posix_spawnattr_t *attr)
{
	sigset_t none, all;
	int result;

	/* The daemon blocks signals in its threads and may ignore some (SIGPIPE);
	 * the child must start with a clean slate. */
	sigemptyset(&none);
	sigfillset(&all);
	result = posix_spawnattr_setflags(attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
							POSIX_SPAWN_SETSIGDEF);
	if (!result)
		result = posix_spawnattr_setpgroup(attr, 0);
	if (!result)
		result = posix_spawnattr_setsigmask(attr, &none);
	if (!result)
		result = posix_spawnattr_setsigdefault(attr, &all);
	return result;
}

void spawn_actions_clear(struct spawn_actions *a)
{
	if (a && a->built)
		posix_spawn_file_actions_destroy(&a->fa);
	if (a)
		a->built = false;
}

/* The caller's kept file actions when they fit this spawn (built now when
 * missing or made for another output_fd), else NULL: build fresh ones. */
static posix_spawn_file_actions_t *actions_reuse(const struct spawn_spec *spec, int *result)
{
	struct spawn_actions *a = spec->actions;

	*result = 0;
	if (!a || spec->on_output || spec->cwd)
		return NULL;
	if (a->built && a->output_fd == spec->output_fd)
		return &a->fa;
	spawn_actions_clear(a);
	if ((*result = posix_spawn_file_actions_init(&a->fa)))
		return NULL;
	if ((*result = actions_init(&a->fa, spec, -1))) {
		posix_spawn_file_actions_destroy(&a->fa);
		return NULL;
	}
	a->built = true;
	a->output_fd = spec->output_fd;
	return &a->fa;
}

int spawn_measure(struct spawn_result *out, const struct spawn_spec *spec)
{
	char resolved[PATH_MAX];
	const char *program;
	char *const *envp;
	posix_spawn_file_actions_t fa, *actions;
	posix_spawnattr_t attr;
	bool fa_ready = false, attr_ready = false, reaped = false;
	int pipefd[2] = { -1, -1 };
	int pidfd = -1;
	struct spawn_result res = { .exit_code = -1 };
	struct rusage ru;
	int64_t start, deadline = -1;
	enum wait_end end = WAIT_EXITED;
	pid_t pid;
	int status, result;
	cpu_set_t pin, home;
	bool pinned = false;

	if (!out || !spec || !spec->argv || !spec->argv[0])
		return -EINVAL;
	envp = spec->envp ? spec->envp : environ;

	program = spec->argv[0];
	if (!strchr(program, '/')) {
		result = program_resolve(resolved, sizeof(resolved), program, envp);
		if (result)
			return result;
		program = resolved;
	}

	if (spec->ncpus > 0) {
		CPU_ZERO(&pin);
		for (size_t i = 0; i < spec->ncpus; i++) {
			if (spec->cpus[i] < 0 || spec->cpus[i] >= CPU_SETSIZE)
				return -EINVAL;
			CPU_SET(spec->cpus[i], &pin);
		}
		if (sched_getaffinity(0, sizeof(home), &home) < 0)
			return -errno;
	}

	if (spec->on_output && pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;

	actions = actions_reuse(spec, &result);
	if (result)
		goto cleanup;
	if (!actions) {
		result = posix_spawn_file_actions_init(&fa);
		if (result)
			goto cleanup;
		fa_ready = true;
		result = actions_init(&fa, spec, pipefd[1]);
		if (result)
			goto cleanup;
		actions = &fa;
	}
	result = posix_spawnattr_init(&attr);
	if (result)
		goto cleanup;
	attr_ready = true;
	result = attr_init(&attr);
	if (result)
		goto cleanup;

	/* Last before the clock: nothing allocates between it and the spawn. */
	res.floor_bytes = floor_read();
	if (spec->ncpus > 0) {
		if (sched_setaffinity(0, sizeof(pin), &pin) < 0) {
			result = -errno;
			goto cleanup;
		}
		pinned = true;
	}

	start = now_mono_ns();
	result = posix_spawn(&pid, program, actions, &attr, spec->argv, envp);
	if (result)
		goto cleanup;

	/* Only the child may hold the write end, so EOF means it is done. */
	if (pipefd[1] >= 0) {
		close(pipefd[1]);
		pipefd[1] = -1;
	}

	/* Clamp so absurd limits (1e300 s) cannot overflow the conversion. */
	if (spec->timeout_s > 0)
		deadline = start + (int64_t)(spec->timeout_s < 1e9 ? spec->timeout_s * 1e9 : 1e18);

	if (pipefd[0] < 0 && signals_on &&
	    (spec->cancel_fd <= 0 || spec->cancel_fd == signals_cancel_fd)) {
		/* Reaped the moment it ends, with no pidfd to open and poll. */
		end = child_wait_signals(pid, deadline, spec->cancel_fd, &status, &ru);
		reaped = end == WAIT_REAPED;
	} else if (pipefd[0] >= 0 || deadline >= 0 || spec->cancel_fd > 0) {
		pidfd = pidfd_open(pid, 0); /* always close-on-exec */
		end = child_wait_exit(pid, pidfd, &pipefd[0], deadline, spec);
	} /* else nothing to forward, no deadline, no cancel: wait4 alone waits */
	if (end == WAIT_TIMED_OUT || end == WAIT_CANCELLED) {
		/* The child is not reaped yet, so -pid is still its group. */
		kill(-pid, SIGKILL);
		res.timed_out = end == WAIT_TIMED_OUT;
		res.cancelled = end == WAIT_CANCELLED;
	}

	while (!reaped && wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			/* ECHILD: reaped behind our back (SIGCHLD ignored?). The
			 * pid may be recycled already, so do not signal it. */
			result = -errno;
			goto cleanup;
		}
	}
	res.wall_ns = now_mono_ns() - start;
	if (pinned) {
		(void)sched_setaffinity(0, sizeof(home), &home);
		pinned = false;
	}

	/* Background members of the group must not outlive the run. The group id
	 * stays reserved while any member exists, so this cannot hit a stranger
	 * unless the pid was recycled as a new group leader in the meantime. */
	(void)kill(-pid, SIGKILL); /* ESRCH: the group is already gone */

	if (pipefd[0] >= 0)
		pipe_drain_rest(&pipefd[0], spec);

	res.user_ns = timeval_ns(&ru.ru_utime);
	res.sys_ns = timeval_ns(&ru.ru_stime);
	res.maxrss_bytes = (int64_t)ru.ru_maxrss * 1024; /* Linux reports KiB */
	if (WIFEXITED(status)) {
		res.exit_code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		res.term_signal = WTERMSIG(status);
	}
	*out = res;
	result = 0;

cleanup:
	if (result > 0)
		result = -result; /* posix_spawn* return positive error numbers */
	if (pinned)
		(void)sched_setaffinity(0, sizeof(home), &home);
	if (pidfd >= 0)
		close(pidfd);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (attr_ready)
		posix_spawnattr_destroy(&attr);
	if (fa_ready)
		posix_spawn_file_actions_destroy(&fa);
	return result;
}

void spawn_result_describe(char *buf, size_t size, const struct spawn_result *res,
			   double timeout_s)
{
	if (!buf || size == 0)
		return;
	if (res->timed_out) {
		snprintf(buf, size, "timed out after %g s", timeout_s);
	} else if (res->term_signal > 0) {
		/* sigdescr_np is the thread-safe strsignal: no static buffer. */
		const char *name = sigdescr_np(res->term_signal);

		snprintf(buf, size, "killed by signal %d (%s)", res->term_signal,
			 name ? name : "unknown signal");
	} else {
		snprintf(buf, size, "exited with status %d", res->exit_code);
	}
}
