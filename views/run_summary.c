#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "views/run_summary.h"

enum unit { UNIT_US, UNIT_MS, UNIT_S };

/* hyperfine's choice: by the mean, in seconds. */
static enum unit unit_for(double seconds)
{
	return seconds < 0.001 ? UNIT_US : seconds < 1.0 ? UNIT_MS : UNIT_S;
}

/* "  60.1 ms": right-aligned to 8 characters as Rust's {:>8} does, which
 * counts characters, not bytes. */
static void format_in(char *buf, size_t size, double seconds, enum unit unit)
{
	size_t chars = 0, len;
	switch (unit) {
	case UNIT_US:
		snprintf(buf, size, "%.1f µs", seconds * 1e6);
		break;
	case UNIT_MS:
		snprintf(buf, size, "%.1f ms", seconds * 1e3);
		break;
	default:
		snprintf(buf, size, "%.3f s", seconds);
		break;
	}
	len = strlen(buf);
	for (const char *c = buf; *c; c++)
		chars += ((unsigned char)*c & 0xc0) != 0x80;
	if (chars < 8 && len + (8 - chars) < size) {
		memmove(buf + (8 - chars), buf, len + 1);
		memset(buf, ' ', 8 - chars);
	}
}

/* Without the padding (User and System are not aligned). */
static const char *trimmed(const char *padded)
{
	while (*padded == ' ')
		padded++;
	return padded;
}

static bool number(double *out, json_object *entry, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(entry, key, &v) ||
	    !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		return false;
	*out = json_object_get_double(v);
	return true;
}

static void header(FILE *out, json_object *entry)
{
	json_object *v = NULL;
	const char *name = "?";
	if ((json_object_object_get_ex(entry, "name", &v) && json_object_is_type(v, json_type_string)) ||
	    (json_object_object_get_ex(entry, "command", &v) && json_object_is_type(v, json_type_string)))
		name = json_object_get_string(v);
	/* One line whatever the command holds. */
	for (const char *c = name; *c; c++)
		fputc((unsigned char)*c < ' ' || *c == 0x7f ? ' ' : *c, out);
	fputc('\n', out);
}

/* One block; false when the entry lacks a figure it needs. */
static bool block(FILE *out, json_object *entry)
{
	double mean, stddev = 0, user, sys, min, max;
	char a[64], b[64], c[64], d[64];
	json_object *times;
	size_t runs;
	enum unit unit;
	if (!json_object_is_type(entry, json_type_object) ||
	    !json_object_object_get_ex(entry, "times", &times) ||
	    !json_object_is_type(times, json_type_array) ||
	    (runs = json_object_array_length(times)) == 0 || !number(&mean, entry, "mean") ||
	    !number(&user, entry, "user") || !number(&sys, entry, "system") ||
	    !number(&min, entry, "min") || !number(&max, entry, "max") ||
	    (runs > 1 && !number(&stddev, entry, "stddev")))
		return false;
	unit = unit_for(mean);
	header(out, entry);
	format_in(a, sizeof(a), mean, unit);
	format_in(c, sizeof(c), user, unit);
	format_in(d, sizeof(d), sys, unit);
	if (runs == 1) {
		fprintf(out, "  Time (abs ≡):        %s  %8s     [User: %s, System: %s]\n", a, "",
			trimmed(c), trimmed(d));
		return true;
	}
	format_in(b, sizeof(b), stddev, unit);
	fprintf(out, "  Time (mean ± σ):     %s ± %s    [User: %s, System: %s]\n", a, b, trimmed(c),
		trimmed(d));
	format_in(a, sizeof(a), min, unit);
	format_in(b, sizeof(b), max, unit);
	fprintf(out, "  Range (min … max):   %s … %s    %zu runs\n", a, b, runs);
	return true;
}

int run_summary_text(char **out, const char *result_json)
{
	json_object *root = json_tokener_parse(result_json), *results;
	char *text = NULL;
	size_t len = 0, n;
	bool valid = true;
	FILE *f;
	if (!root)
		return -EINVAL;
	if (!json_object_object_get_ex(root, "results", &results) ||
	    !json_object_is_type(results, json_type_array)) {
		json_object_put(root);
		return -EINVAL;
	}
	if (!(f = open_memstream(&text, &len))) {
		json_object_put(root);
		return -ENOMEM;
	}
	n = json_object_array_length(results);
	for (size_t i = 0; i < n && valid; i++) {
		if (i > 0)
			fputc('\n', f);
		valid = block(f, json_object_array_get_idx(results, i));
	}
	json_object_put(root);
	if (fclose(f) != 0 || !text) {
		free(text);
		return -ENOMEM;
	}
	if (!valid) {
		free(text);
		return -EINVAL;
	}
	*out = text;
	return 0;
}
