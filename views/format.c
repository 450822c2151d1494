#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "util/json_num.h"
#include "views/format.h"

enum time_unit time_unit_for(double seconds)
{
	double a = fabs(seconds);
	return a < 1e-6 ? UNIT_NS : a < 1e-3 ? UNIT_US : a < 1.0 ? UNIT_MS : UNIT_S;
}

const char *time_unit_name(enum time_unit unit)
{
	static const char *const names[] = {"ns", "µs", "ms", "s"};
	return names[unit];
}

void format_time(char *buf, size_t size, double seconds, enum time_unit unit)
{
	static const double scale[] = {1e9, 1e6, 1e3, 1};
	double v = seconds * scale[unit], a = fabs(v);
	int decimals = a >= 100 ? 1 : a >= 10 ? 2 : 3;
	snprintf(buf, size, "%.*f %s", decimals, v, time_unit_name(unit));
}

void format_percent(char *buf, size_t size, double fraction)
{
	if (!isfinite(fraction))
		snprintf(buf, size, "%sinf", fraction < 0 ? "-" : "+");
	else
		snprintf(buf, size, "%+.1f%%", fraction * 100);
}

void format_p(char *buf, size_t size, double p, bool valid)
{
	if (!valid || !isfinite(p))
		snprintf(buf, size, "n/a");
	else if (p < 1e-4)
		snprintf(buf, size, "<0.0001");
	else
		snprintf(buf, size, "%.4f", p);
}

void format_confidence(char *buf, size_t size, double confidence)
{
	if (!isfinite(confidence))
		snprintf(buf, size, "n/a");
	else
		snprintf(buf, size, "%.4g%%", confidence * 100);
}

void format_ratio(char *buf, size_t size, double ratio)
{
	if (!isfinite(ratio))
		snprintf(buf, size, "%s", ratio < 0 ? "-inf" : "inf");
	else
		snprintf(buf, size, "%.3f", ratio);
}

void format_iso_time(char *buf, size_t size, int64_t unix_ns)
{
	time_t secs = (time_t)(unix_ns / 1000000000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

json_object *json_number(double v)
{
	char text[JSON_NUM_MAX];
	if (json_num_format(text, sizeof(text), v))
		return NULL;
	return json_object_new_double_s(v, text);
}

json_object *json_seconds(double seconds)
{
	return json_number(round(seconds * 1e12) / 1e12);
}

char *json_text(json_object *root)
{
	const char *body = json_object_to_json_string_ext(
		root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			      JSON_C_TO_STRING_NOSLASHESCAPE);
	char *text = NULL;
	if (!body || asprintf(&text, "%s\n", body) < 0)
		return NULL;
	return text;
}

double json_number_at(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !v)
		return NAN;
	return json_object_get_double(v);
}

const char *json_string_at(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}
