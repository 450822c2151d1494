/* Writing SVG text: coordinates, and escaped XML text that is always valid
 * UTF-8 (see views/internal_svg_text.h). */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "util/strbuf.h"
#include "views/internal_svg_text.h"

/* A coordinate: one decimal, never nan or inf (those cannot reach here, but a
 * malformed picture is worse than a misplaced point). */
double svg_coord(double v)
{
	if (!isfinite(v))
		return 0.0;
	/* Far off the canvas is as good as the edge of a wide margin. */
	if (fabs(v) > 1e6)
		return v > 0 ? 1e6 : -1e6;
	/* Avoid printing "-0.0". */
	return fabs(v) < 0.05 ? 0.0 : v;
}

/* One coordinate with one decimal, written by hand: the band and line of a
 * long history are thousands of them, and printf's float formatting is the
 * bulk of the time. Same rounding for the same input, no locale. */
static size_t svg_tenths_text(char *out, double v)
{
	long long t = llround(svg_coord(v) * 10.0);
	char digits[24];
	size_t len = 0, nd = 0;
	unsigned long long u;
	if (t < 0)
		out[len++] = '-';
	u = t < 0 ? (unsigned long long)-t : (unsigned long long)t;
	do {
		digits[nd++] = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (nd == 1)
		digits[nd++] = '0';
	while (nd > 1)
		out[len++] = digits[--nd];
	out[len++] = '.';
	out[len++] = digits[0];
	return len;
}

/* "x,y" of a point list, with a separating space unless first. */
void svg_put_xy(struct strbuf *b, bool first, double x, double y)
{
	char text[64];
	size_t len = 0;
	if (!first)
		text[len++] = ' ';
	len += svg_tenths_text(text + len, x);
	text[len++] = ',';
	len += svg_tenths_text(text + len, y);
	strbuf_add(b, text, len);
}

/* The length of the valid UTF-8 sequence at s that XML 1.0 allows, or 0. */
static size_t svg_utf8_char_len(const unsigned char *s)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len;
	if (c < 0x80)
		return c >= 0x20 ? 1 : 0;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4;
	else
		return 0;
	/* The second byte's range excludes overlong forms, surrogates and > U+10FFFF. */
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	/* U+FFFE and U+FFFF are not XML characters. */
	if (c == 0xEF && s[1] == 0xBF && (s[2] == 0xBE || s[2] == 0xBF))
		return 0;
	return len;
}

/* The bytes of one character of text as put_text reads it: an invalid byte
 * is one (it becomes U+FFFD). */
size_t svg_char_bytes(const char *s)
{
	size_t len = svg_utf8_char_len((const unsigned char *)s);
	return len ? len : 1;
}

/* The first bytes of text (whole characters), escaped as put_text does. */
void svg_put_text_n(struct strbuf *b, const char *text, size_t bytes)
{
	const unsigned char *s = (const unsigned char *)text, *end = s + bytes;
	while (s < end) {
		size_t len = svg_utf8_char_len(s);
		switch (len ? *s : 0) {
		case '&': strbuf_addf(b, "&amp;"); break;
		case '<': strbuf_addf(b, "&lt;"); break;
		case '>': strbuf_addf(b, "&gt;"); break;
		case '"': strbuf_addf(b, "&quot;"); break;
		case '\'': strbuf_addf(b, "&#39;"); break;
		case 0: strbuf_addf(b, "\xef\xbf\xbd"); len = 1; break;
		default: strbuf_add(b, (const char *)s, len); break;
		}
		s += len;
	}
}

/* Text content or attribute value, escaped; invalid bytes become U+FFFD. */
void svg_put_text(struct strbuf *b, const char *text)
{
	text = text ? text : "";
	svg_put_text_n(b, text, strlen(text));
}

/* The characters of text as put_text writes them. */
size_t svg_text_length(const char *text)
{
	size_t n = 0;
	for (const char *s = text ? text : ""; *s; s += svg_char_bytes(s))
		n++;
	return n;
}

/* The number of UTF-8 characters in text (for fitting the title). */
size_t svg_text_chars(const char *text)
{
	size_t n = 0;
	for (const unsigned char *s = (const unsigned char *)(text ? text : ""); *s; s++)
		n += (*s & 0xC0) != 0x80;
	return n;
}

