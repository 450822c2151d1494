/* Splitting what a user wrote to /queue into revision lines. */
#ifndef BENCHFS_QUEUE_QUEUELINE_H
#define BENCHFS_QUEUE_QUEUELINE_H

#include <stddef.h>

#define QUEUELINE_MAX 4096

/* Split buf (one write(), whole lines; the last newline may be missing) into
 * revisions. Blank lines are skipped; spaces around a revision are trimmed.
 * Returns 0 with *lines a malloc'd array of *n malloc'd strings (free with
 * queueline_free), or a negative errno with a message in err:
 * -EMSGSIZE for a line longer than QUEUELINE_MAX bytes, -EINVAL for a control
 * character or NUL byte. */
int queueline_split(char ***lines, size_t *n, const char *buf, size_t len, char *err,
		    size_t errsize);
void queueline_free(char **lines, size_t n);

/* How many bytes at the end of buf, a write request ending at file offset
 * end, belong to a line that the next request may continue: the kernel splits
 * a write() larger than one request (128 KiB) at page boundaries, so a
 * request that ends at a page boundary inside a line is held back that far.
 * 0 when buf ends with a newline or does not end at a page boundary. */
size_t queueline_hold(const char *buf, size_t len, unsigned long long end, size_t page);

/* An interleaved A/B line, "a..b" (git allows no ".." inside a ref name, so
 * the first ".." splits it): 1 with *a and *b malloc'd; 0 for a single
 * revision (*a and *b untouched); -EINVAL with a message in err (quoting the
 * line, escaped) when a side is empty, or for "a...b" or a second "..".
 * -ENOMEM. */
int queueline_pair(char **a, char **b, const char *line, char *err, size_t errsize);

/* A line's options after its revision, " @profile=LABEL[,LABEL]": the
 * labels a runner needs to take the job. Cuts them off line (in place,
 * trailing spaces too) and writes the normalised list into labels ("" when
 * none). 0, or -EINVAL with a message in err for an unknown option or a bad
 * label. */
int queueline_options(char *line, char *labels, size_t size, char *err, size_t errsize);

/* "<line>": why, into err, the line escaped (util/log.h): it is the user's.
 * Returns -EINVAL. */
int queueline_refused(char *err, size_t errsize, const char *line, const char *why);

#endif
