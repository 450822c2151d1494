#include "util/labels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LABEL_LEN_MAX 64

static bool label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '=' || c == '+' || c == '-';
}

static int cmp_label(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int labels_normalize(char *out, size_t size, const char *list, char *err, size_t errsize)
{
	char copy[LABELS_MAX], *items[LABELS_MAX / 2], *save = NULL;
	size_t n = 0, len = 0;
	if (strlen(list) >= sizeof(copy)) {
		snprintf(err, errsize, "a label list is at most %d bytes", LABELS_MAX - 1);
		return -1;
	}
	strcpy(copy, list);
	for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		size_t ilen = strlen(item);
		for (size_t i = 0; i < ilen; i++)
			if (!label_char(item[i])) {
				snprintf(err, errsize,
					 "label \"%.64s\": a label is letters, digits and . _ = + -",
					 item);
				return -1;
			}
		if (ilen > LABEL_LEN_MAX) {
			snprintf(err, errsize, "label \"%.64s...\" is longer than %d characters", item,
				 LABEL_LEN_MAX);
			return -1;
		}
		items[n++] = item;
	}
	qsort(items, n, sizeof(*items), cmp_label);
	if (size)
		out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int w;
		if (i && !strcmp(items[i], items[i - 1]))
			continue;
		w = snprintf(out + len, size - len, "%s%s", len ? "," : "", items[i]);
		if (w < 0 || (size_t)w >= size - len) {
			snprintf(err, errsize, "the label list is too long");
			return -1;
		}
		len += (size_t)w;
	}
	return 0;
}

void labels_host(char *out, size_t size, const char *host)
{
	size_t o = (size_t)snprintf(out, size, "host=");
	for (const char *h = host; *h && o + 1 < size && o < 5 + LABEL_LEN_MAX - 5; h++)
		out[o++] = label_char(*h) ? *h : '_';
	if (o < size)
		out[o] = '\0';
}

bool labels_has(const char *list, const char *item, size_t len)
{
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		if (n == len && !strncmp(p, item, len))
			return true;
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

bool labels_include(const char *have, const char *want)
{
	for (const char *p = want; *p;) {
		size_t n = strcspn(p, ",");
		if (n && !labels_has(have, p, n))
			return false;
		p += n;
		if (*p == ',')
			p++;
	}
	return true;
}
