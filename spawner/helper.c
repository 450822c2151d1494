/* benchfs-spawner's own helpers, shared by its request ('R') and loop ('L')
 * sides: sending to the daemon and reading request payloads. */
#include "spawner/internal_helper.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A send the daemon may no longer be there for: EPIPE is not fatal here, the
 * next receive sees the EOF. */
int helper_send_all(int fd, const struct iovec *iov, int iovcnt)
{
	struct msghdr mh = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt };

	while (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

/* Next NUL-terminated string at *pos, or NULL when the payload ends first. */
char *helper_next_string(char *payload, size_t len, size_t *pos)
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

/* The next n bytes at *pos, or NULL when the payload ends first. */
const char *helper_next_bytes(const char *payload, size_t len, size_t *pos, size_t n)
{
	const char *p = payload + *pos;

	if (n > len - *pos)
		return NULL;
	*pos += n;
	return p;
}

/* count strings into a calloc'd NULL-terminated array (pointing into the
 * payload); NULL with *err set when the payload is short or memory is. */
char **helper_next_strings(char *payload, size_t len, size_t *pos, uint32_t count, int *err)
{
	char **v;

	/* Every string takes at least its NUL, which bounds the count. */
	if (count > len) {
		*err = -EPROTO;
		return NULL;
	}
	v = calloc((size_t)count + 1, sizeof(*v));
	if (!v) {
		*err = -ENOMEM;
		return NULL;
	}
	for (uint32_t i = 0; i < count; i++)
		if (!(v[i] = helper_next_string(payload, len, pos))) {
			free(v);
			*err = -EPROTO;
			return NULL;
		}
	return v;
}

/* ncpus int32 CPU numbers into a malloc'd array (NULL when none). */
int helper_next_cpus(int **out, const char *payload, size_t len, size_t *pos, uint32_t ncpus)
{
	const char *p;

	*out = NULL;
	if (ncpus == 0)
		return 0;
	if (ncpus > CPU_SETSIZE || !(p = helper_next_bytes(payload, len, pos, (size_t)ncpus * 4)))
		return -EPROTO;
	if (!(*out = malloc(ncpus * sizeof(int))))
		return -ENOMEM;
	for (uint32_t i = 0; i < ncpus; i++) {
		int32_t v;

		memcpy(&v, p + 4 * i, 4);
		(*out)[i] = v;
	}
	return 0;
}

/* Relative paths mean what they meant in the caller. A directory that is
 * gone is no error here: spawn_measure would not have noticed it. */
void helper_enter_base(const char *base)
{
	if (base && chdir(base) < 0) {
		/* keep the previous directory */
	}
}
