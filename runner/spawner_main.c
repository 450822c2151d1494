/* benchfs-spawner: the helper process behind runner/spawner.h.
 *
 * Started once by the daemon with its socket as fd SPAWNER_FD. It reads one
 * request at a time, runs spawn_measure itself (so the benchmark is spawned
 * from this small address space, not the daemon's) and sends the output and
 * the result back. The socket doubles as spawn_measure's cancel_fd: a cancel
 * message from the daemon, or the daemon going away (EOF), makes it readable
 * and the child's process group is killed.
 *
 * Keep this program small: its peak RSS is the floor of every measured
 * child's ru_maxrss. No allocation beyond the request itself, no stdio. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "spawn_measure.h"
#include "spawner.h"

static const char usage[] = "benchfs-spawner: an internal helper of benchfs; "
			    "it is not meant to be run by hand\n";

static char msg[SPAWNER_MSG_MAX];


/* A send the daemon may no longer be there for: EPIPE is not fatal here, the
 * next receive sees the EOF. */
static int send_all(int fd, const struct iovec *iov, int iovcnt)
{
	struct msghdr mh = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt };

	while (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

static void forward_output(void *ctx, const char *buf, size_t len)
{
	int fd = *(int *)ctx;

	while (len > 0) {
		size_t n = len < SPAWNER_CHUNK ? len : SPAWNER_CHUNK;
		char hdr[SPAWNER_HDR];
		struct iovec iov[2] = { { hdr, sizeof(hdr) }, { (char *)buf, n } };

		spawner_header(hdr, 'O', (uint32_t)n);
		if (send_all(fd, iov, 2))
			return;
		buf += n;
		len -= n;
	}
}

/* One message into msg; returns its length, 0 at EOF, -1 on error. */
static ssize_t recv_msg(int fd)
{
	for (;;) {
		struct iovec iov = { msg, sizeof(msg) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0 && (mh.msg_flags & MSG_TRUNC))
			return -1;
		return n;
	}
}

static int send_done(int fd, int rc, const struct spawn_result *res)
{
	char buf[SPAWNER_DONE_LEN] = { 0 };
	char *p = buf + SPAWNER_HDR;
	int32_t i32;
	struct iovec iov = { buf, SPAWNER_HDR };

	spawner_header(buf, 'D', (uint32_t)rc);
	if (rc == 0) {
		memcpy(p, &res->wall_ns, 8), p += 8;
		memcpy(p, &res->user_ns, 8), p += 8;
		memcpy(p, &res->sys_ns, 8), p += 8;
		memcpy(p, &res->maxrss_bytes, 8), p += 8;
		i32 = res->exit_code;
		memcpy(p, &i32, 4), p += 4;
		i32 = res->term_signal;
		memcpy(p, &i32, 4), p += 4;
		*p++ = (char)res->timed_out;
		*p++ = (char)res->cancelled;
		iov.iov_len = sizeof(buf);
	}
	return send_all(fd, &iov, 1);
}

/* Next NUL-terminated string at *pos, or NULL when the payload ends first. */
static char *next_string(char *payload, size_t len, size_t *pos)
{
	char *s = payload + *pos, *nul;

	if (*pos >= len)
		return NULL;
	nul = memchr(s, '\0', len - *pos);
	if (!nul)
		return NULL;
	*pos += (size_t)(nul - s) + 1;
	return s;
}

/* Parses the payload in place and runs it. Returns spawn_measure's result,
 * or -EPROTO for a malformed request. */
static int run_request(int fd, char *payload, size_t len, struct spawn_result *res)
{
	struct spawn_spec spec = { .on_output = forward_output, .output_ctx = &fd, .cancel_fd = fd };
	char **argv = NULL, **envp = NULL, *base = NULL;
	uint32_t argc, envc;
	size_t pos = SPAWNER_REQ_FIXED;
	unsigned flags;
	int rc = -EPROTO;

	if (len < SPAWNER_REQ_FIXED)
		return -EPROTO;
	memcpy(&spec.timeout_s, payload, 8);
	argc = spawner_get_u32(payload + 8);
	envc = spawner_get_u32(payload + 12);
	flags = (unsigned char)payload[16];
	if (!(flags & SPAWNER_REQ_OUTPUT))
		spec.on_output = NULL; /* no pipe: the child writes to /dev/null */
	/* Every string takes at least its NUL, which bounds the counts. */
	if (argc == 0 || argc > len || envc > len)
		return -EPROTO;
	argv = calloc((size_t)argc + 1, sizeof(*argv));
	envp = calloc((size_t)envc + 1, sizeof(*envp));
	if (!argv || !envp) {
		rc = -ENOMEM;
		goto out;
	}
	if ((flags & SPAWNER_REQ_BASE) && !(base = next_string(payload, len, &pos)))
		goto out;
	if ((flags & SPAWNER_REQ_CWD) && !(spec.cwd = next_string(payload, len, &pos)))
		goto out;
	for (uint32_t i = 0; i < argc; i++)
		if (!(argv[i] = next_string(payload, len, &pos)))
			goto out;
	for (uint32_t i = 0; i < envc; i++)
		if (!(envp[i] = next_string(payload, len, &pos)))
			goto out;
	if (pos != len)
		goto out;
	spec.argv = argv;
	spec.envp = envp;
	/* Relative paths mean what they meant in the caller. A directory that
	 * is gone is no error here: spawn_measure would not have noticed it. */
	if (base && chdir(base) < 0) {
		/* keep the previous directory */
	}
	rc = spawn_measure(res, &spec);
out:
	free(argv);
	free(envp);
	return rc;
}

/* Receives the payload announced by an 'R' message already in msg. Returns
 * it (malloc'd), or NULL with *err set: -EPROTO, -ENOMEM, or 0 at EOF. */
static char *recv_payload(int fd, ssize_t first, uint32_t *len_out, int *err)
{
	uint32_t len = spawner_get_u32(msg + 4);
	size_t have = (size_t)first - SPAWNER_HDR;
	char *payload;

	*err = -EPROTO;
	if (len > SPAWNER_REQ_MAX || have > len)
		return NULL;
	payload = malloc(len ? len : 1);
	if (!payload) {
		*err = -ENOMEM;
		return NULL;
	}
	memcpy(payload, msg + SPAWNER_HDR, have);
	while (have < len) {
		ssize_t n = recv_msg(fd);

		if (n <= 0) {
			*err = n == 0 ? 0 : -EPROTO;
			free(payload);
			return NULL;
		}
		if (n < SPAWNER_HDR || msg[0] != 'M' || (size_t)n - SPAWNER_HDR > len - have) {
			free(payload);
			return NULL;
		}
		memcpy(payload + have, msg + SPAWNER_HDR, (size_t)n - SPAWNER_HDR);
		have += (size_t)n - SPAWNER_HDR;
	}
	*len_out = len;
	return payload;
}

int main(int argc, char **argv)
{
	int fd = SPAWNER_FD, type = 0;
	socklen_t tlen = sizeof(type);
	char hello[SPAWNER_HDR];
	struct iovec iov = { hello, sizeof(hello) };

	(void)argv;
	if (argc != 1 || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0 ||
	    type != SOCK_SEQPACKET) {
		if (write(STDERR_FILENO, usage, sizeof(usage) - 1) < 0) {
			/* nothing left to tell */
		}
		return 2;
	}
	/* Sends use MSG_NOSIGNAL already; this is belt and braces. The daemon
	 * put us in our own process group, so terminal signals meant for it do
	 * not reach us; its end of the socket closing is how we learn to stop.
	 * Children get default dispositions (spawn_measure resets them). */
	signal(SIGPIPE, SIG_IGN);
	/* The daemon's dup2 cleared close-on-exec; benchmarks must not inherit it. */
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return 1;

	spawner_header(hello, 'H', SPAWNER_PROTO_VERSION);
	if (send_all(fd, &iov, 1))
		return 1;
	for (;;) {
		struct spawn_result res = { 0 };
		ssize_t n = recv_msg(fd);
		uint32_t len = 0;
		char *payload;
		int rc;

		if (n == 0)
			return 0; /* the daemon closed its end */
		if (n < SPAWNER_HDR)
			return 1;
		if (msg[0] == 'C')
			continue; /* a cancel that crossed the previous result */
		if (msg[0] != 'R')
			return 1;
		payload = recv_payload(fd, n, &len, &rc);
		if (!payload) {
			if (rc == 0)
				return 0;
			send_done(fd, rc, &res);
			return 1; /* out of step with the daemon: start over */
		}
		rc = run_request(fd, payload, len, &res);
		free(payload);
		if (send_done(fd, rc, &res))
			return 1;
	}
}
