/*
 * Logging to standard error, and the project's one error convention.
 *
 * THE CONVENTION
 *
 * 1. Across a module boundary (any function declared in a header) failure is
 *    a negative errno value: int result, 0 on success, -EINVAL, -ENOENT,
 *    -ENOMEM, ... Positive results only where the header says what they
 *    count. A function returning a pointer returns NULL on failure and its
 *    header says which errno that means (usually -ENOMEM); where the reason
 *    varies, return int and give the pointer through an out-parameter.
 *    Errno values are what FUSE replies with, what write(2) shows the user,
 *    and what every layer can test without knowing another's codes.
 *
 * 2. A module whose errors carry more than an errno (the store: a SQLite
 *    message, "the pending-job limit is reached") keeps its own codes inside
 *    its contract and converts them to errno in exactly one function beside
 *    those codes; callers use that function and never keep their own table.
 *    No other module invents a code enum: stats' codes stay inside stats'
 *    pure-math contract for the same reason.
 *
 * 3. The why. Code below the front ends does not print: where a reason
 *    matters to the user it fills the caller's (char *err, size_t errsize),
 *    the last two parameters, only on failure, one line without the
 *    "benchfs: " prefix, user text in it escaped (log_escape(),
 *    strbuf_addstr_escaped()). The code that decides what happens next (a
 *    front end, the job loop, main) logs it, once, with the functions below.
 *
 * 4. A log line is "benchfs: <message>\n", written with one write(2) so
 *    threads never interleave within a line. The whole message is escaped,
 *    so a revision, path or baseline name written by a user can never start
 *    a line of its own, nor drive the terminal. Messages are written as
 *    sentences without a final period, like today's.
 *
 * So an error path is one line:
 *
 *	if (!valid)
 *		return log_error(-EINVAL, "queue: refused: %s", why);
 *	if ((fd = open(path, O_RDONLY)) < 0)
 *		return log_error_errno(-errno, "cannot open %s", path);
 *
 * The names carry a log_ prefix rather than git's bare error()/warning():
 * glibc exports error() (<error.h>, a different signature), and a global
 * error() of ours would take its place for every library in the process.
 */
#ifndef BENCHFS_UTIL_LOG_H
#define BENCHFS_UTIL_LOG_H

#include <stdbool.h>
#include <stddef.h>

/* Every log line starts with this. */
#define LOG_PREFIX "benchfs: "

/* Longest line written, "\n" included; a longer message is cut at a whole
 * escaped character and ends in "...". */
#define LOG_LINE_MAX 4096

/* "benchfs: <message>" and return err (meant to be a negative errno, returned
 * whatever it is). errno is preserved. */
int log_error(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The same with ": <strerror(-err)>" after the message. */
int log_error_errno(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "benchfs: warning: <message>": something is wrong, the daemon carries on. */
void log_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "benchfs: <message>": what the daemon did (queued, pinned, serving). */
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * in, escaped into out (of size bytes, always terminated when size > 0):
 *  - '\n', '\t', '\r' as \n, \t, \r;
 *  - other C0 controls, DEL, and bytes that do not start a valid UTF-8
 *    sequence (stray continuations, overlong forms, surrogates, past
 *    U+10FFFF) as \xNN, one byte at a time;
 *  - C1 controls (U+0080 to U+009F: U+009B is a CSI on many terminals), the
 *    line and paragraph separators U+2028, U+2029 and the bidirectional
 *    controls (U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069) as \uNNNN;
 *  - everything else, valid UTF-8 included, as is. A backslash is not
 *    doubled: the text is for people, not for unescaping.
 * Whole units only: a cut never leaves half an escape or character. true
 * when all of in fitted.
 */
bool log_escape(char *out, size_t size, const char *in);

#endif
