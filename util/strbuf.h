/*
 * A growable string: the one way to build text in benchfs.
 *
 * The rules are git's:
 *  - Initialise with STRBUF_INIT (or strbuf_init()) before any use.
 *  - buf is never NULL and always NUL-terminated, even when empty, so it can
 *    be passed to any C string function at any time. Bytes buf[0..len-1] are
 *    the caller's to modify; alloc is private (use strbuf_avail()).
 *  - An empty strbuf may point at a shared read-only empty string: never
 *    write to buf beyond len, never free() buf yourself.
 *  - strbuf_release() frees and returns the strbuf to STRBUF_INIT.
 *  - strbuf_detach() hands the text over: the caller owns the malloc'd
 *    string and frees it with free(); the strbuf is back to STRBUF_INIT.
 *
 * What differs from git: the daemon must not die when memory runs out, so
 * allocation failure is an error value, and it is sticky. The first failure
 * (-ENOMEM, or -EOVERFLOW when a size would not fit in size_t or a format's
 * output in an int) is remembered; every later add is a no-op returning it,
 * and the text stays the valid string it was before the failed add. So a
 * call site builds a whole text and checks once:
 *
 *	struct strbuf sb = STRBUF_INIT;
 *	char *text;
 *	strbuf_addf(&sb, "%s\t%s\n", commit, bench);
 *	for (size_t i = 0; i < n; i++)
 *		strbuf_addf(&sb, "%s%lld", i ? "," : "", (long long)runs[i]);
 *	strbuf_addch(&sb, '\n');
 *	if (!(text = strbuf_detach(&sb, NULL)))
 *		return -ENOMEM;         (or: rc = strbuf_error(&sb) before detaching)
 *
 * strbuf_detach() returns NULL on a failed strbuf (and releases it), so a
 * partial text never escapes. The adds also return 0 or the sticky error, for
 * the call sites that want to stop early. strbuf_reset() and
 * strbuf_release() clear the error together with the text.
 */
#ifndef BENCHFS_UTIL_STRBUF_H
#define BENCHFS_UTIL_STRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

struct strbuf {
	size_t alloc; /* private: bytes allocated, 0 while buf is the shared empty string */
	size_t len;   /* bytes of text, not counting the terminating NUL */
	char *buf;    /* never NULL, always NUL-terminated */
	int err;      /* 0, or the first failure (negative errno); see strbuf_error() */
};

/* The shared empty string every unallocated strbuf points at (read-only:
 * writing to it faults rather than corrupting every empty strbuf). */
extern const char strbuf_empty[1];
#define STRBUF_INIT {.alloc = 0, .len = 0, .buf = (char *)strbuf_empty, .err = 0}

/* STRBUF_INIT, with room for hint bytes when hint > 0 (a failed allocation
 * is recorded as the strbuf's error). */
void strbuf_init(struct strbuf *sb, size_t hint);

/* Free the text; sb is STRBUF_INIT again (error cleared). */
void strbuf_release(struct strbuf *sb);

/* The text as a malloc'd string the caller frees, its length in *len when len
 * is not NULL; sb is STRBUF_INIT again. NULL when the strbuf had failed (or
 * an empty strbuf's string could not be allocated): nothing to free then, and
 * *len is 0. */
char *strbuf_detach(struct strbuf *sb, size_t *len);

/* 0, or the first failure of sb as a negative errno. */
static inline int strbuf_error(const struct strbuf *sb)
{
	return sb->err;
}

/* Bytes that can be added without allocating. */
static inline size_t strbuf_avail(const struct strbuf *sb)
{
	return sb->alloc ? sb->alloc - sb->len - 1 : 0;
}

/* Make room for extra more bytes (plus the NUL): 0, or the sticky error. */
int strbuf_grow(struct strbuf *sb, size_t extra);

/* Cut (or, after strbuf_grow() and writing into buf, extend) the text to len
 * bytes and terminate it. len beyond len + strbuf_avail() is a bug: it is
 * refused as -EINVAL (sticky) rather than writing out of bounds. */
int strbuf_setlen(struct strbuf *sb, size_t len);

/* Empty the text, keep the allocation, clear the error. */
void strbuf_reset(struct strbuf *sb);

/* Append bytes, a string, one byte, or printf output. Each returns 0 or the
 * sticky error; after a failure they change nothing. */
int strbuf_add(struct strbuf *sb, const void *data, size_t len);
static inline int strbuf_addstr(struct strbuf *sb, const char *s)
{
	return strbuf_add(sb, s, strlen(s));
}
int strbuf_addch(struct strbuf *sb, int c);
int strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Append another strbuf's text (an error of other is not carried over). */
static inline int strbuf_addbuf(struct strbuf *sb, const struct strbuf *other)
{
	return strbuf_add(sb, other->buf, other->len);
}

/* Append s with the escaping of log lines (util/log.h, log_escape()), so
 * text quoted from a user stays one line and cannot drive a terminal. */
int strbuf_addstr_escaped(struct strbuf *sb, const char *s);

#endif
