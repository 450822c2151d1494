/* benchfs-spawner: the helper process behind spawner/spawner.h.
 *
 * Started once by the daemon with its socket as fd SPAWNER_FD. It reads one
 * request at a time and runs it itself (so benchmarks are spawned from this
 * small address space, not the daemon's): 'R' is one spawn_measure, 'L' a
 * benchmark's whole measurement loop (see spawner_loop in spawner.h), with
 * output and results sent back as they happen. The socket doubles as
 * spawn_measure's cancel_fd: a cancel message from the daemon, or the
 * daemon going away (EOF), makes it readable and the child's process group
 * is killed.
 *
 * Keep this program small: its RSS when it spawns is the floor of every
 * measured child's ru_maxrss (reported with each result as floor_bytes). It
 * is linked statically where it can be (spawner/meson.build): a dynamic one
 * carries ld.so's and libc's mapped pages, about 1.4 MiB against 0.7 MiB,
 * above the peak of /bin/true. No allocation beyond the request itself and
 * the loop's environment, no stdio. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "spawner/internal_helper.h"
#include "spawner/internal_protocol.h"
#include "spawner/spawn_measure.h"
#include "spawner/spawner.h"

static const char usage[] = "benchfs-spawner: an internal helper of benchfs; "
			    "it is not meant to be run by hand\n";

static char msg[SPAWNER_MSG_MAX];

static void forward_output(void *ctx, const char *buf, size_t len)
{
	int fd = *(int *)ctx;

	while (len > 0) {
		size_t n = len < SPAWNER_CHUNK ? len : SPAWNER_CHUNK;
		char hdr[SPAWNER_HDR];
		struct iovec iov[2] = { { hdr, sizeof(hdr) }, { (char *)buf, n } };

		spawner_header(hdr, 'O', (uint32_t)n);
		if (helper_send_all(fd, iov, 2))
			return;
		buf += n;
		len -= n;
	}
}

/* One message into msg; returns its length, 0 at EOF, or -errno (-EPROTO
 * when it did not fit). */
static ssize_t recv_msg(int fd)
{
	for (;;) {
		struct iovec iov = { msg, sizeof(msg) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n > 0 && (mh.msg_flags & MSG_TRUNC))
			return -EPROTO;
		return n;
	}
}

static int send_done(int fd, int rc, const struct spawn_result *res)
{
	char buf[SPAWNER_DONE_LEN] = { 0 };
	struct iovec iov = { buf, SPAWNER_HDR };

	spawner_header(buf, 'D', (uint32_t)rc);
	if (rc == 0 && res) {
		spawner_put_result(buf + SPAWNER_HDR, res);
		iov.iov_len = sizeof(buf);
	}
	return helper_send_all(fd, &iov, 1);
}

/* Parses an 'R' payload in place and runs it. Returns spawn_measure's
 * result, or -EPROTO for a malformed request. */
static int run_request(int fd, char *payload, size_t len, struct spawn_result *res)
{
	struct spawn_spec spec = { .on_output = forward_output, .output_ctx = &fd, .cancel_fd = fd };
	char **argv = NULL, **envp = NULL, *base = NULL;
	int *cpus = NULL;
	uint32_t argc, envc, ncpus;
	size_t pos = SPAWNER_REQ_FIXED;
	unsigned flags;
	int rc = -EPROTO;

	if (len < SPAWNER_REQ_FIXED)
		return -EPROTO;
	memcpy(&spec.timeout_s, payload, 8);
	argc = spawner_get_u32(payload + 8);
	envc = spawner_get_u32(payload + 12);
	flags = (unsigned char)payload[16];
	ncpus = spawner_get_u32(payload + 17);
	if (!(flags & SPAWNER_REQ_OUTPUT))
		spec.on_output = NULL; /* no pipe: the child writes to /dev/null */
	if (argc == 0)
		return -EPROTO;
	if ((rc = helper_next_cpus(&cpus, payload, len, &pos, ncpus)))
		return rc;
	rc = -EPROTO;
	if ((flags & SPAWNER_REQ_BASE) && !(base = helper_next_string(payload, len, &pos)))
		goto out;
	if ((flags & SPAWNER_REQ_CWD) && !(spec.cwd = helper_next_string(payload, len, &pos)))
		goto out;
	if (!(argv = helper_next_strings(payload, len, &pos, argc, &rc)) ||
	    !(envp = helper_next_strings(payload, len, &pos, envc, &rc)))
		goto out;
	rc = -EPROTO;
	if (pos != len)
		goto out;
	spec.argv = argv;
	spec.envp = envp;
	spec.cpus = cpus;
	spec.ncpus = ncpus;
	helper_enter_base(base);
	rc = spawn_measure(res, &spec);
out:
	free(cpus);
	free(argv);
	free(envp);
	return rc;
}

/* Receives the payload announced by an 'R' or 'L' message already in msg.
 * Returns it (malloc'd), or NULL with *err set: -EPROTO, -ENOMEM, or 0 at EOF. */
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
	 * put us in a session of our own, so terminal signals meant for it do
	 * not reach us (and should we die, it finds and kills what we started
	 * by that session); its end of the socket closing is how we learn to
	 * stop.
	 * Children get default dispositions (spawn_measure resets them). */
	signal(SIGPIPE, SIG_IGN);
	/* The daemon's dup2 cleared close-on-exec; benchmarks must not inherit it. */
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return 1;

	/* Children without an output pipe are then reaped the moment they
	 * exit. Should it fail, spawn_measure polls a pidfd instead. */
	(void)spawn_wait_with_signals(fd);
	/* A request's transient peak then never becomes a child's floor, and
	 * every result says where the floor was. Without /proc it is unknown. */
	(void)spawn_floor_track();

	spawner_header(hello, 'H', SPAWNER_PROTO_VERSION);
	if (helper_send_all(fd, &iov, 1))
		return 1;
	for (;;) {
		struct spawn_result res = { 0 };
		ssize_t n = recv_msg(fd);
		uint32_t len = 0;
		char *payload, type;
		int rc;

		if (n == 0)
			return 0; /* the daemon closed its end */
		if (n < SPAWNER_HDR)
			return 1;
		if (msg[0] == 'C')
			continue; /* a cancel that crossed the previous result */
		if (msg[0] != 'R' && msg[0] != 'L')
			return 1;
		type = msg[0];
		payload = recv_payload(fd, n, &len, &rc);
		if (!payload) {
			if (rc == 0)
				return 0;
			send_done(fd, rc, NULL);
			return 1; /* out of step with the daemon: start over */
		}
		if (type == 'R')
			rc = run_request(fd, payload, len, &res);
		else if ((rc = helper_loop_run(fd, payload, len)) == -EPIPE)
			return 1;
		free(payload);
		if (send_done(fd, rc, type == 'R' ? &res : NULL))
			return 1;
		if (rc == -EPROTO)
			return 1; /* a malformed request: the daemon starts a fresh helper */
	}
}
