/*
 * Run ids and their names.
 *
 * A run id is the store's positive int64_t (0 is no run). It has two names:
 *  - the directory name, runs/<name>/: the id zero-padded to six digits
 *    ("000042"), wider ids as they are ("1234567"), so ls sorts runs in order
 *    of creation up to a million of them. Only this exact spelling is the
 *    directory: "42" and "0000042" are not.
 *  - the run name, "run-42": what compare names and listings use where a
 *    bare number would read as a commit. The digits may carry leading zeros
 *    ("run-000042" is run 42 too), as compare names have always accepted.
 *
 * The ambiguity callers must settle: a directory name is all digits, and so
 * is an abbreviated commit hash ("123456" is both). runid_parse() says which
 * form a name has; only the caller knows whether a run with that id exists,
 * and whether an all-digit name that names no run should then be tried as a
 * revision (compare names do) or refused (runs/ does). A "run-" name is
 * never a revision. Names that parse as run ids, and "latest", can therefore
 * never serve as baseline or tag names in compare names: see
 * runid_name_reserved().
 */
#ifndef BENCHFS_UTIL_RUNID_H
#define BENCHFS_UTIL_RUNID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Buffer size for either name of any int64_t id: "run-" + 19 digits + NUL. */
#define RUNID_NAME_MAX 24

/* The directory name as a printf format, for messages ("run 000042 ...");
 * its argument is (long long)id. */
#define RUNID_DIR_FMT "%06lld"

/* The directory name of id (>= 0) into out: 0; -ENAMETOOLONG when size is
 * too small (out holds what fitted, terminated); -EINVAL for a negative id
 * (out is ""). Id 0 formats as "000000", which runid_parse_dir() refuses. */
int runid_dir_name(char *out, size_t size, int64_t id);

/* "run-<id>" into out, with the same results. */
int runid_run_name(char *out, size_t size, int64_t id);

/* The id of a directory name, exactly as runid_dir_name() writes it: 0, or
 * -EINVAL (*id is 0) for anything else: other widths, signs, spaces, a
 * value of 0 or past INT64_MAX. A caller with a smaller id space (inode
 * numbers) checks its own limit. */
int runid_parse_dir(int64_t *id, const char *name);

/* The id of "run-<digits>": 0, or -EINVAL (*id is 0) when there are no
 * digits, anything else follows them, or the value is 0 or past INT64_MAX. */
int runid_parse_run(int64_t *id, const char *name);

enum runid_form {
	RUNID_NONE = 0, /* neither: a revision, baseline name or nonsense */
	RUNID_DIR,      /* "000042": also a possible abbreviated hash */
	RUNID_RUN,      /* "run-42": only ever a run */
};

/* Which form name has, its id in *id (0 for RUNID_NONE). */
enum runid_form runid_parse(int64_t *id, const char *name);

/* Whether name would be read as a run in a compare name, now or once such
 * a run exists: "latest", a nonempty all-digit name, or "run-" followed by
 * nothing but digits. A baseline or tag with such a name could never be
 * reached there. */
bool runid_name_reserved(const char *name);

#endif
