/* Log lines on standard error, escaped, one write each (log.h). */
#include "util/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/internal.h"

/* The length of the valid UTF-8 sequence at s (2 to 4 bytes), or 0 when s
 * does not start one. The second byte's range rules out overlong forms,
 * surrogates and code points past U+10FFFF (Unicode, table 3-7). */
static size_t utf8_length(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Code points shown as \uNNNN although valid: they break or reorder lines. */
static bool escaped_code_point(unsigned cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

size_t escape_unit(char unit[ESCAPE_UNIT_MAX], const unsigned char *s, size_t *step)
{
	size_t len;
	unsigned cp;

	*step = 1;
	if (*s == '\n' || *s == '\t' || *s == '\r')
		return (size_t)snprintf(unit, ESCAPE_UNIT_MAX, "\\%c",
					*s == '\n' ? 'n' : *s == '\t' ? 't' : 'r');
	if (*s < 0x20 || *s == 0x7f)
		return (size_t)snprintf(unit, ESCAPE_UNIT_MAX, "\\x%02x", *s);
	if (*s < 0x80) {
		unit[0] = (char)*s;
		unit[1] = '\0';
		return 1;
	}
	if (!(len = utf8_length(s)))
		return (size_t)snprintf(unit, ESCAPE_UNIT_MAX, "\\x%02x", *s);
	*step = len;
	cp = len == 2 ? (s[0] & 0x1fu) << 6 | (s[1] & 0x3fu)
	     : len == 3 ? (s[0] & 0x0fu) << 12 | (s[1] & 0x3fu) << 6 | (s[2] & 0x3fu)
			: 0x10000; /* nothing past the BMP is escaped */
	if (escaped_code_point(cp))
		return (size_t)snprintf(unit, ESCAPE_UNIT_MAX, "\\u%04x", cp);
	memcpy(unit, s, len);
	unit[len] = '\0';
	return len;
}

bool log_escape(char *out, size_t size, const char *in)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t used = 0;

	if (size == 0)
		return !*in;
	while (*s) {
		char unit[ESCAPE_UNIT_MAX];
		size_t step, n = escape_unit(unit, s, &step);

		if (used + n >= size) {
			out[used] = '\0';
			return false;
		}
		memcpy(out + used, unit, n);
		used += n;
		s += step;
	}
	out[used] = '\0';
	return true;
}

/* The line in one write(2): lines from other threads never cut into it. */
static void write_line(const char *line, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, line, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* nowhere else to say it */
		line += n;
		len -= (size_t)n;
	}
}

/* LOG_PREFIX, kind, the escaped message, suffix (not escaped: ours), "\n". */
static void vlog(const char *kind, const char *suffix, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static void vlog(const char *kind, const char *suffix, const char *fmt, va_list ap)
{
	static const char cut[] = "...";
	char raw[LOG_LINE_MAX], line[LOG_LINE_MAX];
	size_t len, room;
	int saved = errno, n;

	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	if (n < 0)
		snprintf(raw, sizeof(raw), "(unprintable message: %s)", fmt);
	len = (size_t)snprintf(line, sizeof(line), "%s%s", LOG_PREFIX, kind);
	/* Room for the message, leaving the suffix, a cut mark and "\n". */
	room = sizeof(line) - len - strlen(suffix) - sizeof(cut) - 1;
	if (!log_escape(line + len, room, raw) || (n > 0 && (size_t)n >= sizeof(raw)))
		strcat(line + len, cut);
	len += strlen(line + len);
	len += (size_t)snprintf(line + len, sizeof(line) - len, "%s\n", suffix);
	write_line(line, len);
	errno = saved;
}

int log_error(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", "", fmt, ap);
	va_end(ap);
	return err;
}

int log_error_errno(int err, const char *fmt, ...)
{
	char suffix[256], text[200];
	const char *why;
	va_list ap;

	why = strerror_r(err < 0 ? -err : err, text, sizeof(text));
	snprintf(suffix, sizeof(suffix), ": %s", why);
	va_start(ap, fmt);
	vlog("", suffix, fmt, ap);
	va_end(ap);
	return err;
}

void log_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("warning: ", "", fmt, ap);
	va_end(ap);
}

void log_notice(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", "", fmt, ap);
	va_end(ap);
}
