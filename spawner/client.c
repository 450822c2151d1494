/* The daemon's side of the out-of-process spawner. See spawner.h.
 *
 * The helper is a child of the daemon in a session of its own (terminal
 * signals for the daemon must not kill it mid-measurement, and what it
 * leaves running when it dies can be found and killed). It is restarted
 * lazily: a call that finds it dead starts a new one; a call during which it
 * dies returns -EPIPE. */
#include "spawner/internal_client.h"
#include "spawner/internal_protocol.h"
#include "spawner/spawner.h"
#include "util/clock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
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
/* After a cancel the helper kills the group, reaps it and drains its output
 * (at most 250 ms); beyond this it is wedged and is killed itself. */
#define CANCEL_GRACE_MS 10000
/* The helper enforces the child's timeout; this much later the daemon stops
 * trusting it. */
#define TIMEOUT_GRACE_S 60.0
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
	char path[64], buf[512], *p, state;
	int ppid, pgrp, session;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* "pid (comm) state ppid pgrp session ...": comm may hold anything, ')' too */
	if (!(p = strrchr(buf, ')')) ||
	    sscanf(p + 1, " %c %d %d %d", &state, &ppid, &pgrp, &session) != 4 || state == 'Z')
		return -1;
	return session;
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

/* One message into sp->msg: its length, 0 at EOF, or -errno (-EPROTO when
 * it did not fit). */
ssize_t spawner_recv(struct spawner *sp)
{
	for (;;) {
		struct iovec iov = { sp->msg, sizeof(sp->msg) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n = recvmsg(sp->sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (mh.msg_flags & MSG_TRUNC)
			return -EPROTO;
		return n;
	}
}

int spawner_send_iov(int fd, struct iovec *iov, int iovcnt)
{
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t)iovcnt };

	while (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
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

void spawner_free(struct spawner *sp)
{
	if (!sp)
		return;
	spawner_helper_stop(sp);
	pthread_mutex_destroy(&sp->lock);
	free(sp);
}

/* The request payload (see internal_protocol.h), malloc'd. */
static char *request_build(const struct spawn_spec *spec, char *const *envp, size_t *len_out,
			   int *err)
{
	char base[PATH_MAX];
	bool has_base = getcwd(base, sizeof(base)) != NULL;
	uint32_t argc = 0, envc = 0;
	size_t len = SPAWNER_REQ_FIXED + spec->ncpus * 4;
	unsigned char flags = 0;
	char *buf, *p;

	if (spec->ncpus > CPU_SETSIZE) {
		*err = -EINVAL;
		return NULL;
	}
	if (has_base) {
		flags |= SPAWNER_REQ_BASE;
		len += strlen(base) + 1;
	}
	if (spec->on_output)
		flags |= SPAWNER_REQ_OUTPUT;
	if (spec->cwd) {
		flags |= SPAWNER_REQ_CWD;
		len += strlen(spec->cwd) + 1;
	}
	for (; spec->argv[argc]; argc++)
		len += strlen(spec->argv[argc]) + 1;
	for (; envp[envc]; envc++)
		len += strlen(envp[envc]) + 1;
	if (len > SPAWNER_REQ_MAX) {
		*err = -E2BIG;
		return NULL;
	}
	if (!(p = buf = malloc(len))) {
		*err = -ENOMEM;
		return NULL;
	}
	memcpy(p, &spec->timeout_s, 8), p += 8;
	spawner_put_u32(p, argc), p += 4;
	spawner_put_u32(p, envc), p += 4;
	*p++ = (char)flags;
	spawner_put_u32(p, (uint32_t)spec->ncpus), p += 4;
	for (size_t i = 0; i < spec->ncpus; i++) {
		int32_t cpu = spec->cpus[i];

		memcpy(p, &cpu, 4), p += 4;
	}
	if (has_base)
		p = spawner_put_string(p, base);
	if (spec->cwd)
		p = spawner_put_string(p, spec->cwd);
	for (uint32_t i = 0; i < argc; i++)
		p = spawner_put_string(p, spec->argv[i]);
	for (uint32_t i = 0; i < envc; i++)
		p = spawner_put_string(p, envp[i]);
	*len_out = len;
	return buf;
}

char *spawner_put_string(char *p, const char *s)
{
	size_t len = strlen(s) + 1;

	memcpy(p, s, len);
	return p + len;
}

int spawner_request_send(struct spawner *sp, char type, const char *payload, size_t len)
{
	char hdr[SPAWNER_HDR];
	size_t off = 0;

	spawner_header(hdr, type, (uint32_t)len);
	do {
		size_t n = len - off < SPAWNER_CHUNK ? len - off : SPAWNER_CHUNK;
		struct iovec iov[2] = { { hdr, sizeof(hdr) }, { (char *)payload + off, n } };
		int rc = spawner_send_iov(sp->sock, iov, 2);

		if (rc)
			return rc;
		off += n;
		spawner_header(hdr, 'M', 0);
	} while (off < len);
	return 0;
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

int spawner_wait(struct spawner *sp, struct spawner_wait *w)
{
	for (;;) {
		struct pollfd pfd[2] = { { .fd = sp->sock, .events = POLLIN },
					 { .fd = w->cancel_fd, .events = POLLIN } };
		nfds_t nfds = w->cancel_fd > 0 && !w->cancel_sent ? 2 : 1;
		int64_t now = now_mono_ns();
		int timeout = timeout_ms_until(w->deadline, now), tick = timeout_ms_until(w->tick, now);
		int ready;
		ssize_t n;

		if (w->tick >= 0 && (timeout < 0 || tick < timeout))
			timeout = tick;
		ready = poll(pfd, nfds, timeout);
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		now = now_mono_ns();
		if (ready == 0 && w->tick >= 0 && timeout_ms_until(w->tick, now) == 0 &&
		    (w->deadline < 0 || timeout_ms_until(w->deadline, now) > 0))
			return 0;
		if (ready == 0)
			return -ETIMEDOUT; /* the helper is wedged */
		if (nfds == 2 && pfd[1].revents)
			spawner_cancel(sp, w);
		if (!pfd[0].revents)
			continue;
		n = spawner_recv(sp);
		if (n == -EAGAIN)
			continue;
		if (n == 0 || n == -ECONNRESET)
			return -EPIPE;
		if (n < SPAWNER_HDR)
			return n < 0 ? (int)n : -EPROTO;
		return (int)n;
	}
}

void spawner_cancel(struct spawner *sp, struct spawner_wait *w)
{
	char hdr[SPAWNER_HDR];
	struct iovec iov = { hdr, sizeof(hdr) };
	int64_t grace;

	if (w->cancel_sent)
		return;
	spawner_header(hdr, 'C', 0);
	/* A failure shows up as EOF on the next receive. */
	(void)spawner_send_iov(sp->sock, &iov, 1);
	w->cancel_sent = true;
	grace = now_mono_ns() + CANCEL_GRACE_MS * NS_PER_MS;
	if (w->deadline < 0 || w->deadline > grace)
		w->deadline = grace;
}

int64_t spawner_deadline(double timeout_s)
{
	if (timeout_s > 0) {
		double ns = (timeout_s + TIMEOUT_GRACE_S) * (double)NS_PER_S;

		/* Beyond 1e18 ns (31 years, far from int64_t's end): none. */
		if (ns < 1e18)
			return now_mono_ns() + (int64_t)ns;
	}
	return -1;
}

/* Forwards output until the result arrives. Returns the call's result; sets
 * *broken when the helper died (-EPIPE), is wedged (-ETIMEDOUT) or broke the
 * protocol (-EPROTO), so it must be replaced. */
static int result_wait(struct spawner *sp, struct spawn_result *out, const struct spawn_spec *spec,
		       bool *broken)
{
	struct spawner_wait w = { .cancel_fd = spec->cancel_fd,
				  .deadline = spawner_deadline(spec->timeout_s), .tick = -1 };

	*broken = true;
	for (;;) {
		int n = spawner_wait(sp, &w);

		if (n < 0)
			return n;
		if (sp->msg[0] == 'O') {
			uint32_t len = spawner_get_u32(sp->msg + 4);

			if (len != (size_t)n - SPAWNER_HDR)
				return -EPROTO;
			if (spec->on_output && len > 0)
				spec->on_output(spec->output_ctx, sp->msg + SPAWNER_HDR, len);
			continue;
		}
		if (sp->msg[0] != 'D')
			return -EPROTO;
		{
			int rc = (int)spawner_get_u32(sp->msg + 4);

			if (rc > 0 || (rc == 0 && n != SPAWNER_DONE_LEN))
				return -EPROTO;
			if (rc == 0)
				spawner_get_result(out, sp->msg + SPAWNER_HDR);
			/* A malformed request makes the helper leave after
			 * answering; anything else leaves it ready for more. */
			*broken = rc == -EPROTO;
			return rc;
		}
	}
}

int spawner_measure(struct spawner *sp, struct spawn_result *out, const struct spawn_spec *spec)
{
	struct spawn_result res = { .exit_code = -1 };
	bool broken = false;
	char *payload;
	size_t len = 0;
	int rc;

	if (!sp || !out || !spec || !spec->argv || !spec->argv[0] || (spec->ncpus && !spec->cpus))
		return -EINVAL;
	if ((rc = spawner_begin(sp)))
		return rc;
	payload = request_build(spec, spec->envp ? spec->envp : environ, &len, &rc);
	if (!payload) {
		spawner_end(sp, false, 0);
		return rc;
	}
	rc = spawner_request_send(sp, 'R', payload, len);
	free(payload);
	if (rc == 0) {
		rc = result_wait(sp, &res, spec, &broken);
	} else {
		rc = -EPIPE;
		broken = true;
	}
	spawner_end(sp, broken, len);
	if (rc == 0)
		*out = res;
	return rc;
}
