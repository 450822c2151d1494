/*
 * A double as JSON number text, the one way benchfs writes them.
 *
 * json-c prints a double with "%.17g", which shows binary noise (14.826 as
 * 14.826000000000001), and a "%.*g" search for fewer digits falls into
 * exponents (30 as 3e+01). json_num_format() writes the fewest significant
 * digits that strtod() reads back as the same double, positionally from
 * 1e-7 to 1e21 (30, 0.05, 0.000123, 1234567890), with an exponent only
 * outside that range (1e-9, 2.5e+21), as JavaScript prints numbers. The
 * value is never changed: the text reads back bit for bit (0 for -0).
 *
 * A writer that rounds on purpose (nanoseconds, a p-value's four digits)
 * rounds first and formats the rounded value. The text goes to json-c as
 * json_object_new_double_s(value, text).
 */
#ifndef BENCHFS_UTIL_JSON_NUM_H
#define BENCHFS_UTIL_JSON_NUM_H

#include <stddef.h>

/* Room for any finite double's text: "-0.000000" + 17 digits, or a sign,
 * 17 digits, ".", "e-308". */
#define JSON_NUM_MAX 32

/* v's text into out (size >= JSON_NUM_MAX always suffices): 0; -EDOM for
 * NaN and infinities, which JSON has no number for (out is ""); -ERANGE
 * when size is too small (out is ""). */
int json_num_format(char *out, size_t size, double v);

#endif
