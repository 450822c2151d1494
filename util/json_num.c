/* A double as the shortest JSON number text that reads back (json_num.h). */
#include "util/json_num.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Positional notation for decimal exponents in [POS_MIN, POS_MAX]. */
#define POS_MIN -7
#define POS_MAX 20

int json_num_format(char *out, size_t size, double v)
{
	char sci[JSON_NUM_MAX], digits[20], text[JSON_NUM_MAX], *p;
	int prec, exp, nd = 0;

	if (size)
		out[0] = '\0';
	if (!isfinite(v))
		return -EDOM;
	if (v == 0)
		v = 0; /* -0 prints as 0: JSON readers need not keep the sign */
	/* The fewest significant digits that read back as v; 17 always do. */
	for (prec = 1; prec < 17; prec++) {
		snprintf(sci, sizeof(sci), "%.*e", prec - 1, v);
		if (strtod(sci, NULL) == v)
			break;
	}
	snprintf(sci, sizeof(sci), "%.*e", prec - 1, v);
	/* "-d.ddde+XX": its digits and exponent (the exponent after rounding,
	 * so 9.99 at one digit is 1e+01, never 10e+00). */
	for (const char *c = sci; *c && *c != 'e'; c++)
		if (*c >= '0' && *c <= '9')
			digits[nd++] = *c;
	exp = atoi(strchr(sci, 'e') + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	p = text;
	if (v < 0)
		*p++ = '-';
	if (exp < POS_MIN || exp > POS_MAX) {
		*p++ = digits[0];
		if (nd > 1)
			*p++ = '.';
		for (int i = 1; i < nd; i++)
			*p++ = digits[i];
		p += sprintf(p, "e%c%d", exp < 0 ? '-' : '+', abs(exp));
	} else if (exp < 0) {
		*p++ = '0';
		*p++ = '.';
		for (int i = 0; i < -exp - 1; i++)
			*p++ = '0';
		for (int i = 0; i < nd; i++)
			*p++ = digits[i];
	} else {
		for (int i = 0; i <= exp || i < nd; i++) {
			if (i == exp + 1)
				*p++ = '.';
			*p++ = i < nd ? digits[i] : '0';
		}
	}
	*p = '\0';
	if ((size_t)(p - text) >= size)
		return -ERANGE;
	memcpy(out, text, (size_t)(p - text) + 1);
	return 0;
}
