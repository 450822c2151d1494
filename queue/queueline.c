#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue/queueline.h"
#include "util/array.h"
#include "util/labels.h"
#include "util/strbuf.h"

void queueline_free(char **lines, size_t n)
{
	for (size_t i = 0; lines && i < n; i++)
		free(lines[i]);
	free(lines);
}

int queueline_split(char ***lines, size_t *n, const char *buf, size_t len, char *err,
		    size_t errsize)
{
	char **list = NULL;
	size_t count = 0, alloc = 0, lineno = 0;
	int result = 0;
	for (size_t start = 0; start < len; lineno++) {
		const char *line = buf + start;
		const char *nl = memchr(line, '\n', len - start);
		size_t linelen = nl ? (size_t)(nl - line) : len - start;
		start += linelen + (nl ? 1 : 0);
		if (linelen > QUEUELINE_MAX) {
			snprintf(err, errsize, "line %zu is %zu bytes long; the limit is %d", lineno + 1,
				 linelen, QUEUELINE_MAX);
			result = -EMSGSIZE;
			goto fail;
		}
		for (size_t i = 0; i < linelen; i++) {
			unsigned char c = (unsigned char)line[i];
			if (c < 0x20 || c == 0x7f) {
				snprintf(err, errsize, "line %zu has control character 0x%02x", lineno + 1,
					 c);
				result = -EINVAL;
				goto fail;
			}
		}
		while (linelen > 0 && line[0] == ' ')
			line++, linelen--;
		while (linelen > 0 && line[linelen - 1] == ' ')
			linelen--;
		if (linelen == 0)
			continue;
		if ((result = ALLOC_GROW(list, count + 1, alloc)) ||
		    !(list[count] = strndup(line, linelen))) {
			snprintf(err, errsize, "out of memory");
			result = -ENOMEM;
			goto fail;
		}
		count++;
	}
	*lines = list;
	*n = count;
	return 0;
fail:
	queueline_free(list, count);
	return result;
}

size_t queueline_hold(const char *buf, size_t len, unsigned long long end, size_t page)
{
	const char *nl;
	if (len == 0 || buf[len - 1] == '\n' || page == 0 || end % page != 0)
		return 0;
	nl = memrchr(buf, '\n', len);
	return nl ? len - (size_t)(nl - buf) - 1 : len;
}

int queueline_refused(char *err, size_t errsize, const char *line, const char *why)
{
	struct strbuf text = STRBUF_INIT;

	strbuf_addch(&text, '"');
	strbuf_addstr_escaped(&text, line);
	strbuf_addf(&text, "\": %s", why);
	snprintf(err, errsize, "%s", strbuf_error(&text) ? why : text.buf);
	strbuf_release(&text);
	return -EINVAL;
}

int queueline_pair(char **a, char **b, const char *line, char *err, size_t errsize)
{
	const char *dots = strstr(line, ".."), *second;
	size_t alen, blen;
	if (!dots)
		return 0;
	second = dots + 2;
	alen = (size_t)(dots - line);
	blen = strlen(second);
	if (*second == '.')
		return queueline_refused(err, errsize, line,
				    "a...b (git's symmetric difference) is no A/B pair; write a..b");
	if (strstr(second, ".."))
		return queueline_refused(err, errsize, line,
				    "an A/B line has one \"..\", between two revisions");
	/* Spaces around the dots are the writer's layout, not part of a name. */
	while (alen > 0 && line[alen - 1] == ' ')
		alen--;
	while (*second == ' ')
		second++, blen--;
	if (alen == 0 || blen == 0)
		return queueline_refused(err, errsize, line,
				    "an A/B line needs a revision on each side of \"..\"");
	if (!(*a = strndup(line, alen)) || !(*b = strndup(second, blen))) {
		free(*a);
		*a = NULL;
		snprintf(err, errsize, "out of memory");
		return -ENOMEM;
	}
	return 1;
}

int queueline_options(char *line, char *labels, size_t size, char *err, size_t errsize)
{
	char *at, why[256];
	labels[0] = '\0';
	/* Revisions hold no space (git refuses one in a ref name, and a hash or
	 * a rev expression has none), so the options start at the first " @". */
	if (!(at = strstr(line, " @")))
		return 0;
	for (char *opt = at + 1; opt && *opt;) {
		char *end = strchr(opt, ' ');
		if (end)
			*end = '\0';
		if (strncmp(opt, "@profile=", 9) != 0) {
			int rc = queueline_refused(err, errsize, opt,
					     "unknown option: a queue line is REVISION"
					     " [@profile=LABEL[,LABEL...]]");
			return rc;
		}
		if (labels[0]) {
			*at = '\0';
			return queueline_refused(err, errsize, line, "@profile= is given twice");
		}
		if (!opt[9] || labels_normalize(labels, size, opt + 9, why, sizeof(why)))
			return queueline_refused(err, errsize, opt, opt[9] ? why : "@profile= needs a label");
		opt = end ? end + 1 : NULL;
		while (opt && *opt == ' ')
			opt++;
	}
	while (at > line && at[-1] == ' ')
		at--;
	*at = '\0';
	return 0;
}
