/* The daemon's side of the out-of-process spawner. See spawner.h.
 *
 * The helper is a child of the daemon in a session of its own (terminal
 * signals for the daemon must not kill it mid-measurement, and what it
 * leaves running when it dies can be found and killed). It is restarted
 * lazily: a call that finds it dead starts a new one; a call during which it
 * dies returns -EPIPE.
 *
 * This file is the helper's process: started, checked, replaced, stopped,
 * and what it leaves running killed. Its messages are client_io.c. */
#include "spawner/internal_client.h"
#include "spawner/internal_protocol.h"
#include "spawner/spawner.h"
#include "util/clock.h"
#include "util/proc_stat.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* How long a fresh helper may take to say hello (a sanitizer build is slow). */
#define HELLO_TIMEOUT_MS 10000
/* spawner_free: how long the helper may take to exit on EOF. */
#define EXIT_GRACE_MS 2000
/* The helper's peak RSS is the floor of every later child's ru_maxrss, and a
 * peak never goes down: after a request this large (an unusually big
 * environment) it is replaced by a fresh one. */
#define RETIRE_AFTER_BYTES (64 * 1024)

/* BENCHFS_SPAWNER, else benchfs-spawner in the directory of our executable. */
int spawner_locate(char *out, size_t size)
{
	const char *env = getenv("BENCHFS_SPAWNER");
	char *slash;
	ssize_t n;

	if (env && *env) {
		if (strlen(env) >= size)
			return -ENAMETOOLONG;
		strcpy(out, env);
		return access(out, X_OK) ? -errno : 0;
	}
	n = readlink("/proc/self/exe", out, size - 1);
	if (n < 0)
		return -errno;
	out[n] = '\0';
	slash = strrchr(out, '/');
	if (!slash)
		return -ENOENT;
	if ((size_t)(slash - out) + sizeof("/benchfs-spawner") > size)
		return -ENAMETOOLONG;
	strcpy(slash, "/benchfs-spawner");
	return access(out, X_OK) ? -errno : 0;
}

/* The session of /proc/<pid>/stat, or -1 (gone, unreadable, or a zombie,
 * which needs no killing). */
static pid_t proc_session(const char *pid)
{
	struct proc_stat ps;

	if (proc_stat_read(&ps, pid) || ps.state == 'Z')
		return -1;
	return ps.session;
}

/* Kills every process left in the session of a dead helper: the command it
 * ran (and what that started) would otherwise run on, re-parented to init,
 * beside the next measurement. The helper leads its own session (setsid at
 * spawn) and every child it starts stays in it, each in a process group of
 * its own; only a process that called setsid itself escapes. The session's
 * id cannot be given to a new process while a member lives, so the scan hits
 * no stranger. Returns how many were killed. */
static int session_kill(pid_t sid)
{
	int killed = 0;

	/* A member may fork while it is scanned: scan again until none is left. */
	for (int round = 0; round < 100; round++) {
		DIR *proc = opendir("/proc");
		struct dirent *de;
		int found = 0;

		if (!proc)
			return killed;
		while ((de = readdir(proc))) {
			pid_t pid;

			if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
			    proc_session(de->d_name) != sid)
				continue;
			pid = (pid_t)atoi(de->d_name);
			if (kill(pid, SIGKILL) == 0)
				found++;
		}
		closedir(proc);
		killed += found;
		if (found == 0)
			break;
		usleep(1000);
	}
	return killed;
}

/* Kills (when asked) and reaps the helper, forgets it, and kills what it
 * left running. */
void spawner_helper_reap(struct spawner *sp, bool kill_it)
{
	if (sp->sock >= 0) {
		close(sp->sock);
		sp->sock = -1;
	}
	if (sp->pid > 0) {
		pid_t pid = sp->pid;
		int status = 0;

		if (kill_it)
			kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		sp->pid = -1;
		sp->last_status = status;
		/* Reaped: its children are re-parented by now, and the session
		 * id stays reserved while any of them lives. */
		sp->last_orphans = session_kill(pid);
	}
}

void spawner_describe_end(const struct spawner *sp, char *buf, size_t size)
{
	char orphans[96] = "";

	if (sp->last_orphans > 0)
		snprintf(orphans, sizeof(orphans), "; %d process%s it left running killed",
			 sp->last_orphans, sp->last_orphans == 1 ? "" : "es");
	if (WIFSIGNALED(sp->last_status))
		snprintf(buf, size, "killed by signal %d (%s)%s", WTERMSIG(sp->last_status),
			 sigdescr_np(WTERMSIG(sp->last_status)) ? sigdescr_np(WTERMSIG(sp->last_status))
								 : "unknown signal",
			 orphans);
	else
		snprintf(buf, size, "exited with status %d%s", WEXITSTATUS(sp->last_status), orphans);
}

static int helper_launch(struct spawner *sp)
{
	char path[PATH_MAX], *argv[] = { path, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	struct pollfd pfd;
	int sv[2], rc, ready;
	ssize_t n;

	rc = spawner_locate(path, sizeof(path));
	if (rc)
		return rc;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;

	/* The helper's socket becomes SPAWNER_FD (dup2 clears close-on-exec,
	 * also when it already is that fd); stdin and stdout are /dev/null,
	 * stderr stays ours for its rare complaints; nothing else leaks. */
	sigemptyset(&none);
	sigfillset(&all);
	rc = posix_spawn_file_actions_init(&fa);
	if (rc) {
		close(sv[0]);
		close(sv[1]);
		return -rc;
	}
	rc = posix_spawnattr_init(&attr);
	if (rc) {
		posix_spawn_file_actions_destroy(&fa);
		close(sv[0]);
		close(sv[1]);
		return -rc;
	}
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, sv[1], SPAWNER_FD);
	if (!rc)
		rc = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	if (!rc)
		rc = posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	if (!rc)
		rc = posix_spawn_file_actions_addclosefrom_np(&fa, SPAWNER_FD + 1);
	if (!rc)
		rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID |
						     POSIX_SPAWN_SETSIGMASK |
						     POSIX_SPAWN_SETSIGDEF);
	if (!rc)
		rc = posix_spawnattr_setsigmask(&attr, &none);
	if (!rc)
		rc = posix_spawnattr_setsigdefault(&attr, &all);
	if (!rc)
		rc = posix_spawn(&sp->pid, path, &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	close(sv[1]);
	sp->sock = sv[0];
	if (rc) {
		sp->pid = -1;
		spawner_helper_reap(sp, false);
		return -rc;
	}

	/* The hello proves it runs and speaks our protocol. */
	pfd = (struct pollfd){ .fd = sp->sock, .events = POLLIN };
	do
		ready = poll(&pfd, 1, HELLO_TIMEOUT_MS);
	while (ready < 0 && errno == EINTR);
	if (ready <= 0) {
		spawner_helper_reap(sp, true);
		return ready == 0 ? -ETIMEDOUT : -errno;
	}
	n = spawner_recv(sp);
	if (n != SPAWNER_HDR || sp->msg[0] != 'H' || spawner_get_u32(sp->msg + 4) != SPAWNER_PROTO_VERSION) {
		spawner_helper_reap(sp, true);
		return n == 0 ? -EPIPE : n < 0 ? (int)n : -EPROTO;
	}
	return 0;
}

int spawner_start(struct spawner **out)
{
	struct spawner *sp;
	int rc;

	if (!out)
		return -EINVAL;
	sp = calloc(1, sizeof(*sp));
	if (!sp)
		return -ENOMEM;
	sp->pid = -1;
	sp->sock = -1;
	rc = helper_launch(sp);
	if (rc) {
		free(sp);
		return rc;
	}
	pthread_mutex_init(&sp->lock, NULL);
	*out = sp;
	return 0;
}

/* Lets the helper go: EOF tells it to stop (killing a child still running);
 * one that does not is killed. */
void spawner_helper_stop(struct spawner *sp)
{
	int pidfd;
	bool exited = false;

	if (sp->pid <= 0)
		return;
	pidfd = pidfd_open(sp->pid, 0);
	close(sp->sock);
	sp->sock = -1;
	if (pidfd >= 0) {
		struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
		int64_t deadline = now_mono_ns() + EXIT_GRACE_MS * NS_PER_MS;
		int ready;

		while ((ready = poll(&pfd, 1, timeout_ms_until(deadline, now_mono_ns()))) < 0 &&
		       errno == EINTR)
			;
		exited = ready > 0;
		close(pidfd);
	}
	spawner_helper_reap(sp, !exited);
}

int spawner_helper_pid(const struct spawner *sp)
{
	return sp ? (int)sp->pid : -1;
}

void spawner_free(struct spawner *sp)
{
	if (!sp)
		return;
	spawner_helper_stop(sp);
	pthread_mutex_destroy(&sp->lock);
	free(sp);
}

/* True when the idle helper is gone (EOF) or has said something unasked for. */
static bool helper_idle_broken(struct spawner *sp)
{
	struct pollfd pfd = { .fd = sp->sock, .events = POLLIN };

	return poll(&pfd, 1, 0) > 0;
}

int spawner_begin(struct spawner *sp)
{
	pthread_mutex_lock(&sp->lock);
	if (sp->pid > 0 && helper_idle_broken(sp))
		spawner_helper_reap(sp, true);
	if (sp->pid <= 0) {
		int rc = helper_launch(sp);

		if (rc) {
			pthread_mutex_unlock(&sp->lock);
			return rc;
		}
	}
	return 0;
}

void spawner_end(struct spawner *sp, bool broken, size_t request_len)
{
	if (broken) {
		/* Dead, confused or wedged: the next call gets a fresh one. A
		 * helper that hangs is killed; its child may outlive it. */
		spawner_helper_reap(sp, true);
	} else if (request_len > RETIRE_AFTER_BYTES) {
		spawner_helper_stop(sp); /* the next call starts a fresh one */
	}
	pthread_mutex_unlock(&sp->lock);
}

