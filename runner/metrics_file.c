/* A $BENCHFS_METRICS file parsed (runner/metrics_file.h). */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/metrics.h"
#include "runner/metrics_file.h"
#include "util/array.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* A decimal number only: strtod alone would also take hex, "inf" and "nan". */
static bool decimal_number(double *out, const char *s, size_t len)
{
	char buf[128], *end;
	size_t i = 0;
	bool digits = false;

	if (len == 0 || len >= sizeof(buf))
		return false;
	if (s[i] == '-' || s[i] == '+')
		i++;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		digits = true;
	if (i < len && s[i] == '.')
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			digits = true;
	if (!digits)
		return false;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		bool exp = false;

		i++;
		if (i < len && (s[i] == '-' || s[i] == '+'))
			i++;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			exp = true;
		if (!exp)
			return false;
	}
	if (i != len)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	*out = strtod(buf, &end);
	return *end == '\0' && isfinite(*out);
}

static int pair_add(struct metrics_pair **pairs, size_t *n, size_t *alloc, const char *name,
		    size_t name_len, double value, int line)
{
	int rc;

	if ((rc = ALLOC_GROW(*pairs, *n + 1, *alloc)))
		return rc;
	memcpy((*pairs)[*n].name, name, name_len);
	(*pairs)[*n].name[name_len] = '\0';
	(*pairs)[*n].value = value;
	(*pairs)[*n].line = line;
	(*n)++;
	return 0;
}

static bool name_valid(const char *name, size_t len)
{
	char buf[CONFIG_METRIC_NAME_MAX + 1];

	if (len == 0 || len > CONFIG_METRIC_NAME_MAX)
		return false;
	memcpy(buf, name, len);
	buf[len] = '\0';
	return strlen(buf) == len && config_metric_name_valid(buf);
}

/* {"name": value, ...}: every member must be right, else none counts. 0,
 * 1 with why set, or -ENOMEM. */
static int json_line(struct metrics_pair **pairs, size_t *n, size_t *alloc, const char *s,
		     size_t len, int line, char *why, size_t whysize)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *root = NULL;
	size_t before = *n;
	int rc = 1;

	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, s, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success || !root) {
		snprintf(why, whysize, "not a JSON object on one line");
		goto done;
	}
	for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
		if (!is_space(s[i])) {
			snprintf(why, whysize, "text after the JSON object");
			goto done;
		}
	if (!json_object_is_type(root, json_type_object)) {
		snprintf(why, whysize, "not a JSON object");
		goto done;
	}
	json_object_object_foreach(root, key, value) {
		double v = json_object_get_double(value);

		if (!name_valid(key, strlen(key))) {
			snprintf(why, whysize, "\"%.70s\" is not a metric name ([a-z][a-z0-9_]*, at most %d"
				 " bytes)", key, CONFIG_METRIC_NAME_MAX);
			goto done;
		}
		if ((!json_object_is_type(value, json_type_int) &&
		     !json_object_is_type(value, json_type_double)) || !isfinite(v)) {
			snprintf(why, whysize, "the value of \"%s\" is not a finite number", key);
			goto done;
		}
		if ((rc = pair_add(pairs, n, alloc, key, strlen(key), v, line)))
			goto done;
		rc = 1;
	}
	rc = 0;
done:
	if (rc)
		*n = before; /* a malformed line adds nothing */
	json_object_put(root);
	json_tokener_free(tok);
	return rc;
}

/* One line without its newline. 0, 1 with why set, or -ENOMEM. */
static int parse_line(struct metrics_pair **pairs, size_t *n, size_t *alloc, const char *s,
		      size_t len, int line, char *why, size_t whysize)
{
	size_t i = 0, name_start, name_len, value_start, value_len;
	double v;

	while (i < len && is_space(s[i]))
		i++;
	while (len > i && is_space(s[len - 1]))
		len--;
	if (i == len || s[i] == '#')
		return 0;
	if (memchr(s + i, '\0', len - i)) {
		snprintf(why, whysize, "a NUL byte");
		return 1;
	}
	if (len > METRICS_LINE_MAX) {
		snprintf(why, whysize, "longer than %d bytes", METRICS_LINE_MAX);
		return 1;
	}
	if (s[i] == '{')
		return json_line(pairs, n, alloc, s + i, len - i, line, why, whysize);
	name_start = i;
	while (i < len && !is_space(s[i]))
		i++;
	name_len = i - name_start;
	while (i < len && is_space(s[i]))
		i++;
	value_start = i;
	while (i < len && !is_space(s[i]))
		i++;
	value_len = i - value_start;
	if (i != len || value_len == 0) {
		snprintf(why, whysize, "not `name value`");
		return 1;
	}
	if (!name_valid(s + name_start, name_len)) {
		snprintf(why, whysize, "not a metric name ([a-z][a-z0-9_]*, at most %d bytes)",
			 CONFIG_METRIC_NAME_MAX);
		return 1;
	}
	if (!decimal_number(&v, s + value_start, value_len)) {
		snprintf(why, whysize, "the value is not a finite decimal number");
		return 1;
	}
	return pair_add(pairs, n, alloc, s + name_start, name_len, v, line);
}

int metrics_parse(struct metrics_pair **pairs, size_t *n, size_t *alloc, const char *text,
		  size_t len, metrics_bad_fn *bad, void *ctx)
{
	size_t pos = 0;
	int line = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		char why[160], shown[200];
		int rc;

		line++;
		rc = parse_line(pairs, n, alloc, text + pos, end - pos, line, why, sizeof(why));
		if (rc < 0)
			return rc;
		if (rc > 0 && bad) {
			size_t k = end - pos < sizeof(shown) - 1 ? end - pos : sizeof(shown) - 1;

			memcpy(shown, text + pos, k);
			shown[k] = '\0';
			bad(ctx, line, shown, why);
		}
		pos = end + 1;
	}
	return 0;
}

int metrics_file_take(struct metrics_pair **pairs, size_t *n, size_t *alloc, const char *path,
		      metrics_bad_fn *bad, void *ctx)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int rc = 0;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		goto done;
	}
	if (!(buf = malloc(METRICS_FILE_MAX))) {
		rc = -ENOMEM;
		goto done;
	}
	while (len < METRICS_FILE_MAX) {
		ssize_t got = read(fd, buf + len, METRICS_FILE_MAX - len);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = -errno;
			goto done;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	if (len == METRICS_FILE_MAX && bad && st.st_size > (off_t)METRICS_FILE_MAX) {
		char why[120];

		/* The last line read may be cut: left out too. */
		while (len > 0 && buf[len - 1] != '\n')
			len--;
		snprintf(why, sizeof(why), "the file is over %d bytes; the rest is ignored",
			 METRICS_FILE_MAX);
		bad(ctx, 0, "", why);
	}
	rc = metrics_parse(pairs, n, alloc, buf, len, bad, ctx);
done:
	free(buf);
	close(fd);
	(void)unlink(path);
	return rc;
}
