/* debug.log of a run: timestamped lines, appended and written through at once
 * so that `tail -f` follows a run as it happens. */
#ifndef BENCHFS_RUNNER_RUNLOG_H
#define BENCHFS_RUNNER_RUNLOG_H

#include <stddef.h>
#include <stdint.h>

struct runlog;

/* Open path for appending (created when missing, 0600). Returns 0 or
 * -errno: -ELOOP for a symlink (also as its directory), -EINVAL for a FIFO
 * or another file that is not regular, -EMLINK for a file with a second
 * name (a hard link): nothing is written through any of them. */
int runlog_open(struct runlog **out, const char *path);
/* Write one message for step (e.g. "benchfs", "build", "sort-10k 3/10"). */
void runlog_printf(struct runlog *log, const char *step, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Set the step that following runlog_output() lines belong to; flushes a
 * partial line of the previous step first. */
void runlog_set_step(struct runlog *log, const char *step);
/* Process output: complete lines are written with a timestamp; a trailing
 * partial line waits for its end (or for runlog_set_step / runlog_free). */
void runlog_output(void *log, const char *buf, size_t len);
/* At most how many bytes runlog_free will still add to the file: a
 * partial line, and a capped log's kept tail with the line before it. */
int64_t runlog_pending(const struct runlog *log);
void runlog_free(struct runlog *log);

/* Format a timestamp of the realtime clock as 2026-11-23T07:44:04.123Z. */
void runlog_timestamp(char *buf, size_t size);

#endif
