/* Label lists: the hardware labels a runner advertises and a job needs,
 * written "a,b,c". */
#ifndef BENCHFS_UTIL_LABELS_H
#define BENCHFS_UTIL_LABELS_H

#include <stdbool.h>
#include <stddef.h>

#define LABELS_MAX 1024

/* Normalise list into out: labels sorted, duplicates and empty items gone.
 * A label is 1 to 64 of [A-Za-z0-9._=+-] (no comma, space or wildcard, so
 * it is matched as it is written everywhere). 0, or -1 with the reason in
 * err (quoting the offending label). */
int labels_normalize(char *out, size_t size, const char *list, char *err, size_t errsize);

/* "host=NAME": the label every runner has of its host, which the daemon's
 * own follow-up jobs (A/B confirmations, bisections) ask for; a character
 * a label cannot hold becomes '_'. */
void labels_host(char *out, size_t size, const char *host);

/* Whether list ("a,b") holds the label item[0..len). */
bool labels_has(const char *list, const char *item, size_t len);
/* Whether list have holds every label of list want ("" wants none). */
bool labels_include(const char *have, const char *want);

#endif
