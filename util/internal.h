/*
 * Private to util/: shared between log.c and strbuf.c, included by no file
 * outside util/.
 */
#ifndef BENCHFS_UTIL_INTERNAL_H
#define BENCHFS_UTIL_INTERNAL_H

#include <stddef.h>

/* The longest escaped unit: "\u2028" and its NUL. */
#define ESCAPE_UNIT_MAX 8

/* The escaped form of the character at s (s[0] != '\0') into unit, NUL
 * terminated; its length is returned and *step is how many bytes of s it
 * stands for. The rules are log_escape()'s (util/log.h). */
size_t escape_unit(char unit[ESCAPE_UNIT_MAX], const unsigned char *s, size_t *step);

#endif
