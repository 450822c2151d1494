#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queueline.h"

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
	size_t count = 0, lineno = 0;
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
		{
			char **grown = realloc(list, (count + 1) * sizeof(*list));
			if (!grown || !(grown[count] = strndup(line, linelen))) {
				list = grown ? grown : list;
				snprintf(err, errsize, "out of memory");
				result = -ENOMEM;
				goto fail;
			}
			list = grown;
			count++;
		}
	}
	*lines = list;
	*n = count;
	return 0;
fail:
	queueline_free(list, count);
	return result;
}
