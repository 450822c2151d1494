/* Private to views/: the pieces of SVG text the plots write, into a strbuf
 * (whose first failure is kept and checked once by the renderer). */
#ifndef BENCHFS_VIEWS_INTERNAL_SVG_TEXT_H
#define BENCHFS_VIEWS_INTERNAL_SVG_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/strbuf.h"

/* A coordinate: finite, within a wide margin of the canvas, never -0. */
double svg_coord(double v);
/* "x,y" of a point list (one decimal each), with a separating space unless first. */
void svg_put_xy(struct strbuf *b, bool first, double x, double y);
/* Text content or attribute value, escaped; bytes that are not valid UTF-8 or
 * not XML characters become U+FFFD. */
void svg_put_text(struct strbuf *b, const char *text);
/* The first bytes of text (whole characters), escaped as svg_put_text does. */
void svg_put_text_n(struct strbuf *b, const char *text, size_t bytes);
/* The bytes of one character of text as svg_put_text reads it (an invalid byte is one). */
size_t svg_char_bytes(const char *s);
/* The characters of text as svg_put_text writes them. */
size_t svg_text_length(const char *text);
/* The number of UTF-8 characters in text (for fitting the title). */
size_t svg_text_chars(const char *text);

#endif
