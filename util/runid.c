/* Run ids and their names (runid.h). */
#include "util/runid.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define DIGITS "0123456789"
#define RUN_PREFIX "run-"

static int format(char *out, size_t size, const char *fmt, int64_t id)
{
	int n;

	if (id < 0) {
		if (size)
			out[0] = '\0';
		return -EINVAL;
	}
	n = snprintf(out, size, fmt, (long long)id);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int runid_dir_name(char *out, size_t size, int64_t id)
{
	return format(out, size, RUNID_DIR_FMT, id);
}

int runid_run_name(char *out, size_t size, int64_t id)
{
	return format(out, size, RUN_PREFIX "%lld", id);
}

/* digits (nonempty, nothing else) as a positive int64_t, or 0. By hand:
 * strtoll would also take signs and leading spaces. */
static int64_t positive(const char *digits)
{
	int64_t v = 0;
	size_t i;

	if (!digits[0] || strspn(digits, DIGITS) != strlen(digits))
		return 0;
	for (i = 0; digits[i]; i++) {
		int d = digits[i] - '0';

		if (v > (INT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	return v;
}

int runid_parse_dir(int64_t *id, const char *name)
{
	size_t len = strlen(name);
	int64_t v = positive(name);

	*id = 0;
	/* Canonical only: six digits, or more without a leading zero. */
	if (!v || len < 6 || (len > 6 && name[0] == '0'))
		return -EINVAL;
	*id = v;
	return 0;
}

int runid_parse_run(int64_t *id, const char *name)
{
	int64_t v;

	*id = 0;
	if (strncmp(name, RUN_PREFIX, strlen(RUN_PREFIX)) != 0)
		return -EINVAL;
	if (!(v = positive(name + strlen(RUN_PREFIX))))
		return -EINVAL;
	*id = v;
	return 0;
}

enum runid_form runid_parse(int64_t *id, const char *name)
{
	if (runid_parse_run(id, name) == 0)
		return RUNID_RUN;
	if (runid_parse_dir(id, name) == 0)
		return RUNID_DIR;
	return RUNID_NONE;
}

bool runid_name_reserved(const char *name)
{
	size_t len = strlen(name);

	if (strcmp(name, "latest") == 0 || (len && strspn(name, DIGITS) == len))
		return true;
	return strncmp(name, RUN_PREFIX, strlen(RUN_PREFIX)) == 0 &&
	       strspn(name + strlen(RUN_PREFIX), DIGITS) == len - strlen(RUN_PREFIX);
}
