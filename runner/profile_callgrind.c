/* Reading callgrind's output for the instruction count (profile.c runs
 * valgrind): the instructions executed (Ir) of one output file, and of every
 * file of a directory added up. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner/internal_profile.h"
#include "runner/profile.h"

/* Parser state of one callgrind file, line by line. */
struct cg_parse {
	int ir_col;  /* column of Ir on the events: line; -1 before it */
	unsigned long long totals, summary;
	bool has_totals, has_summary, bad;
};

/* The col-th number of a cost line ("totals: 1 2 3"). */
static bool cg_column(unsigned long long *out, const char *p, int col)
{
	for (int i = 0;; i++) {
		char *end;
		unsigned long long v;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!isdigit((unsigned char)*p))
			return false;
		errno = 0;
		v = strtoull(p, &end, 10);
		if (errno || (*end && *end != ' ' && *end != '\t' && *end != '\r' && *end != '\n'))
			return false;
		if (i == col) {
			*out = v;
			return true;
		}
		p = end;
	}
}

static void cg_parse_line(struct cg_parse *st, const char *line)
{
	unsigned long long v, *sum;
	bool *has;

	if (strncmp(line, "events:", 7) == 0) {
		const char *p = line + 7;

		st->ir_col = -1;
		for (int col = 0; *p; col++) {
			size_t len;

			p += strspn(p, " \t");
			len = strcspn(p, " \t\r\n");
			if (len == 0)
				break;
			if (len == 2 && strncmp(p, "Ir", 2) == 0) {
				st->ir_col = col;
				break;
			}
			p += len;
		}
		if (st->ir_col < 0)
			st->bad = true;
		return;
	}
	if (strncmp(line, "totals:", 7) == 0) {
		sum = &st->totals;
		has = &st->has_totals;
	} else if (strncmp(line, "summary:", 8) == 0) {
		sum = &st->summary;
		has = &st->has_summary;
	} else {
		return;
	}
	if (st->ir_col < 0 || !cg_column(&v, strchr(line, ':') + 1, st->ir_col) ||
	    *sum + v < *sum) {
		st->bad = true;
		return;
	}
	*sum += v;
	*has = true;
}

static int cg_parse_result(unsigned long long *out, const struct cg_parse *st)
{
	if (st->bad || !(st->has_totals || st->has_summary))
		return -EINVAL;
	*out = st->has_totals ? st->totals : st->summary;
	return 0;
}

int profile_callgrind_parse(unsigned long long *out, const char *text)
{
	struct cg_parse st = { .ir_col = -1 };

	if (!out || !text)
		return -EINVAL;
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char *copy = strndup(line, len);

		if (!copy)
			return -ENOMEM;
		cg_parse_line(&st, copy);
		free(copy);
		line += len + (nl ? 1 : 0);
	}
	return cg_parse_result(out, &st);
}

static int cg_parse_file(unsigned long long *out, const char *path)
{
	struct cg_parse st = { .ir_col = -1 };
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	int result;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) >= 0)
		cg_parse_line(&st, line);
	result = ferror(f) ? -EIO : cg_parse_result(out, &st);
	free(line);
	fclose(f);
	return result;
}

/* The Ir of every callgrind file in dir, added: 0, or -ENOENT when there is
 * none, or the -errno of the first that cannot be read (its name in bad). */
int cg_sum_dir(unsigned long long *total, int *nfiles, const char *dir, char *bad,
	       size_t badsize)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int result = 0;

	*total = 0;
	*nfiles = 0;
	if (!d)
		return -errno;
	while (result == 0 && (de = readdir(d)) != NULL) {
		char path[PATH_MAX];
		unsigned long long ir = 0;

		if (strncmp(de->d_name, CALLGRIND_PREFIX, strlen(CALLGRIND_PREFIX)) != 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path))
			result = -ENAMETOOLONG;
		else
			result = cg_parse_file(&ir, path);
		if (result == 0 && *total + ir < *total)
			result = -EOVERFLOW;
		if (result) {
			snprintf(bad, badsize, "%s", de->d_name);
			break;
		}
		*total += ir;
		(*nfiles)++;
	}
	closedir(d);
	if (result == 0 && *nfiles == 0)
		result = -ENOENT;
	return result;
}
