/* A growable string with git's ownership rules and a sticky error (strbuf.h). */
#include "util/strbuf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/internal.h"

const char strbuf_empty[1] = "";

static int fail(struct strbuf *sb, int err)
{
	if (!sb->err)
		sb->err = err;
	return sb->err;
}

void strbuf_init(struct strbuf *sb, size_t hint)
{
	*sb = (struct strbuf)STRBUF_INIT;
	if (hint)
		strbuf_grow(sb, hint);
}

void strbuf_release(struct strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	*sb = (struct strbuf)STRBUF_INIT;
}

char *strbuf_detach(struct strbuf *sb, size_t *len)
{
	char *text = sb->buf;

	if (len)
		*len = 0;
	if (sb->err) {
		strbuf_release(sb);
		return NULL;
	}
	/* The caller frees what it gets: the shared empty string will not do. */
	if (!sb->alloc) {
		if (!(text = malloc(1)))
			return NULL;
		text[0] = '\0';
	}
	if (len)
		*len = sb->len;
	*sb = (struct strbuf)STRBUF_INIT;
	return text;
}

int strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t need, alloc;
	char *grown;

	if (sb->err)
		return sb->err;
	/* len + extra + 1, within what one object may span. */
	if (extra > (size_t)PTRDIFF_MAX - 1 - sb->len)
		return fail(sb, -EOVERFLOW);
	need = sb->len + extra + 1;
	if (need <= sb->alloc)
		return 0;
	/* Half as much again, as git's alloc_nr: appends stay amortised O(1). */
	alloc = sb->alloc < ((size_t)PTRDIFF_MAX - 16) / 3 * 2 ? (sb->alloc + 16) * 3 / 2
								 : (size_t)PTRDIFF_MAX;
	if (alloc < need)
		alloc = need;
	if (!(grown = realloc(sb->alloc ? sb->buf : NULL, alloc)))
		return fail(sb, -ENOMEM);
	if (!sb->alloc)
		grown[0] = '\0';
	sb->buf = grown;
	sb->alloc = alloc;
	return 0;
}

int strbuf_setlen(struct strbuf *sb, size_t len)
{
	if (len > sb->len + strbuf_avail(sb))
		return fail(sb, -EINVAL);
	sb->len = len;
	/* The shared empty string is read-only, and already terminated. */
	if (sb->alloc)
		sb->buf[len] = '\0';
	return sb->err;
}

void strbuf_reset(struct strbuf *sb)
{
	sb->err = 0;
	strbuf_setlen(sb, 0);
}

int strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	const char *src = data;
	uintptr_t from = (uintptr_t)src, start = (uintptr_t)sb->buf;
	int inside = sb->alloc && from >= start && from < start + sb->alloc;
	size_t at = inside ? (size_t)(from - start) : 0;
	int rc;

	if (sb->err || len == 0)
		return sb->err;
	/* Adding part of itself: the source moves when the buffer does. */
	if ((rc = strbuf_grow(sb, len)))
		return rc;
	if (inside)
		src = sb->buf + at;
	memmove(sb->buf + sb->len, src, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return 0;
}

int strbuf_addch(struct strbuf *sb, int c)
{
	int rc;

	if ((rc = strbuf_grow(sb, 1)))
		return rc;
	sb->buf[sb->len++] = (char)c;
	sb->buf[sb->len] = '\0';
	return 0;
}

int strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list copy;
	int n, rc;

	if (sb->err)
		return sb->err;
	if (!strbuf_avail(sb) && (rc = strbuf_grow(sb, 64)))
		return rc;
	va_copy(copy, ap);
	errno = 0;
	n = vsnprintf(sb->buf + sb->len, strbuf_avail(sb) + 1, fmt, copy);
	va_end(copy);
	if (n < 0) {
		/* Over INT_MAX bytes (EOVERFLOW) or an unconvertible wide character. */
		rc = errno > 0 ? -errno : -EINVAL;
		sb->buf[sb->len] = '\0';
		return fail(sb, rc);
	}
	if ((size_t)n > strbuf_avail(sb)) {
		/* The truncated output is beyond len: cut it off before a failure shows it. */
		sb->buf[sb->len] = '\0';
		if ((rc = strbuf_grow(sb, (size_t)n)))
			return rc;
		va_copy(copy, ap);
		vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, copy);
		va_end(copy);
	}
	sb->len += (size_t)n;
	return 0;
}

int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
	return rc;
}

int strbuf_addstr_escaped(struct strbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char unit[ESCAPE_UNIT_MAX];
	size_t step, n;
	int rc;

	while (*p) {
		/* Runs of plain printable ASCII in one copy. */
		for (n = 0; p[n] >= 0x20 && p[n] < 0x7f; n++)
			;
		if (n) {
			if ((rc = strbuf_add(sb, p, n)))
				return rc;
			p += n;
			continue;
		}
		n = escape_unit(unit, p, &step);
		if ((rc = strbuf_add(sb, unit, n)))
			return rc;
		p += step;
	}
	return sb->err;
}
