/* The daemon's side of benchfs-spawner, its messages (client.c is the
 * helper's process): requests out, answers in while watching the cancel
 * fd and a deadline (client_loop.c waits the same way), and one command
 * measured (spawner_measure). Private declarations: internal_client.h. */
#include "spawner/internal_client.h"
#include "spawner/internal_protocol.h"
#include "spawner/spawner.h"
#include "util/clock.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

extern char **environ;

/* After a cancel the helper kills the group, reaps it and drains its output
 * (at most 250 ms); beyond this it is wedged and is killed itself. */
#define CANCEL_GRACE_MS 10000
/* The helper enforces the child's timeout; this much later the daemon stops
 * trusting it. */
#define TIMEOUT_GRACE_S 60.0

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
