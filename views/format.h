/* Number formatting shared by the rendered views: one way to print a time,
 * a percentage or a p-value everywhere, and JSON numbers that are never NaN. */
#ifndef BENCHFS_VIEWS_FORMAT_H
#define BENCHFS_VIEWS_FORMAT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum time_unit { UNIT_NS, UNIT_US, UNIT_MS, UNIT_S };

/* The unit that shows seconds with 1 to 3 digits before the point. */
enum time_unit time_unit_for(double seconds);
const char *time_unit_name(enum time_unit unit);
/* "67.21 ms": about four significant digits in the given unit. */
void format_time(char *buf, size_t size, double seconds, enum time_unit unit);
/* "+2.0%", "-81.9%" from a fraction (0.02). */
void format_percent(char *buf, size_t size, double fraction);
/* "0.0312", "<0.0001"; "n/a" when not valid. */
void format_p(char *buf, size_t size, double p, bool valid);
/* A confidence level as a percentage: "99%", "99.75%". */
void format_confidence(char *buf, size_t size, double confidence);
/* "0.523" */
void format_ratio(char *buf, size_t size, double ratio);
/* 2026-11-23T07:44:04Z */
void format_iso_time(char *buf, size_t size, int64_t unix_ns);

/* A JSON number with the fewest digits that read back as v, positional
 * (util/json_num.h): a count stays exact (1234567891, never 1.23456789e+09)
 * and a p-value keeps every digit SciPy would agree with; null when not
 * finite. */
json_object *json_number(double v);
/* Seconds as json_number, to the picosecond: the clock gives nanoseconds,
 * and a mean's last binary digits are noise (0.1109026969, not
 * 0.11090269690000001). */
json_object *json_seconds(double seconds);
/* Pretty JSON text with a final newline (malloc'd), NULL when out of memory. */
char *json_text(json_object *root);
/* o's member key as a number (NAN when absent or null), or as a string
 * (NULL when absent or not a string): for reading views' own JSON back. */
double json_number_at(json_object *o, const char *key);
const char *json_string_at(json_object *o, const char *key);

#endif
