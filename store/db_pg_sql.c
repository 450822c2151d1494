/* The store's SQL in PostgreSQL's placeholders: SQLite's ?N and bare ?
 * become $N, outside literals, quoted names and comments. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_pg_internal.h"

/* The length of the literal, quoted name or comment at p, else 0: text
 * whose ? and $ are not placeholders. A doubled quote inside a literal ends
 * it and starts the next: the same text either way. */
static size_t quoted_len(const char *p)
{
	const char *end;
	if (*p == '\'' || *p == '"') {
		end = strchr(p + 1, *p);
		return end ? (size_t)(end - p) + 1 : strlen(p);
	}
	if (p[0] == '-' && p[1] == '-')
		return strcspn(p, "\n");
	if (p[0] == '/' && p[1] == '*') {
		end = strstr(p + 2, "*/");
		return end ? (size_t)(end - p) + 2 : strlen(p);
	}
	return 0;
}

/* The number of the placeholder at p (? or ?N or $N) and its length in
 * *len, given the largest number before it; 0 when p is not one, -1 when
 * its number is out of range. */
static long placeholder(size_t *len, const char *p, int max)
{
	const char *q = p + 1;
	long n = 0;
	*len = 0;
	if (*p != '?' && !(*p == '$' && *q >= '0' && *q <= '9'))
		return 0;
	if (*q < '0' || *q > '9') {
		*len = 1;
		return max < PG_MAX_PARAMS ? max + 1 : -1;
	}
	while (*q >= '0' && *q <= '9' && n <= PG_MAX_PARAMS)
		n = n * 10 + (*q++ - '0');
	*len = (size_t)(q - p);
	return n < 1 || n > PG_MAX_PARAMS || (*q >= '0' && *q <= '9') ? -1 : n;
}

/* sql with its placeholders as $N into *out (malloc'd), and the largest
 * number into *count. ?N is parameter N; a bare ? is one above the largest
 * so far (SQLite's rule); $N stays as it is (text written for PostgreSQL).
 * Literals, quoted names and comments are copied untouched. 0, -ENOMEM, or
 * -EINVAL for a number outside 1 to PG_MAX_PARAMS. */
int pg_translate(char **out, int *count, const char *sql)
{
	size_t len = strlen(sql);
	/* "?" becomes at most "$32766": six bytes for one. */
	char *buf = len > (SIZE_MAX - 1) / 6 ? NULL : malloc(len * 6 + 1);
	char *o = buf;
	const char *p = sql;
	int max = 0;
	*out = NULL;
	*count = 0;
	if (!buf)
		return -ENOMEM;
	while (*p) {
		size_t n = quoted_len(p);
		long number;
		if (n) {
			memcpy(o, p, n);
			o += n;
			p += n;
		} else if ((number = placeholder(&n, p, max)) < 0) {
			free(buf);
			return -EINVAL;
		} else if (number) {
			if (number > max)
				max = (int)number;
			o += sprintf(o, "$%ld", number);
			p += n;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	*out = buf;
	*count = max;
	return 0;
}

/* Sets used[n - 1] for each $n (n at most count) the translated text
 * refers to: SQLite lets a number go unused, and PostgreSQL cannot type a
 * parameter it never sees. */
void pg_mark_used(bool *used, int count, const char *sql)
{
	const char *p = sql;
	while (*p) {
		size_t n = quoted_len(p);
		long number;
		if (n) {
			p += n;
		} else if ((number = placeholder(&n, p, 0)) > 0) {
			if (number <= count)
				used[number - 1] = true;
			p += n;
		} else {
			p++;
		}
	}
}
