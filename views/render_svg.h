/* history/<bench>.svg: one benchmark's history as a standalone SVG plot.
 *
 * A pure function: no FUSE, no store. The picture, 960x480 with a viewBox:
 * - the title, and under it how many commits and samples stand behind the plot;
 * - a y axis with 1-2-5 tick values in the unit that suits the range (ns, us,
 *   ms or s), labelled "time (<unit>)", with horizontal grid lines;
 * - an x axis in commit order, one slot per point, labelled with the points'
 *   labels (tag names or short hashes) rotated 45 degrees; with many points
 *   only every k-th is labelled, k from 1, 2, 5, 10, 20, ... so that at most
 *   48 labels show; a label over 16 characters shows its first 7 and last 8
 *   around an ellipsis, the whole label as its tooltip; labels over 8
 *   characters raise the plot's bottom (about 4.7 px a character, 38 px at
 *   most) so that they end above the legend;
 * - the band [lo, hi] as a translucent polygon (a bar with caps for one
 *   point), the mean as a polyline, with point markers carrying a tooltip
 *   (label, mean, band, n) when there are at most 60 points;
 * - each change point as a dashed vertical line between its two commits,
 *   labelled with the relative change of the mean: the unweighted average of
 *   the means of the segment after it over that of the segment before it
 *   (segments run between neighbouring change points), minus one, e.g.
 *   "+25.0%"; red for a slowdown, green for an improvement; no figure when
 *   the segment before averages zero;
 * - a legend naming the mean, the band (as mean +- 1 sd, which is what the
 *   views pass) and the change points (a grey dashed sample).
 * Text is XML-escaped; bytes that are not valid UTF-8 and control characters
 * become U+FFFD. Points whose mean is not finite keep their slot and label but
 * are not drawn; a lo or hi that is not finite is taken as the mean. No nan or
 * inf is ever printed. The same input gives the same bytes (numbers are
 * printed with "%.*f" / "%.*g", which do not depend on the locale in the C
 * locale the daemon runs in). */
#ifndef BENCHFS_VIEWS_RENDER_SVG_H
#define BENCHFS_VIEWS_RENDER_SVG_H

#include <stdbool.h>
#include <stddef.h>

struct svg_point {
	const char *label; /* x tick label: a tag name or short commit hash */
	double mean;       /* seconds */
	double lo, hi;     /* the spread band in seconds (mean -/+ stddev, clamped at >= 0) */
	size_t n;          /* samples behind the point */
};

struct svg_series {
	const char *title; /* e.g. "sort-2k-x100: wall time, branch main (host box1)" */
	const struct svg_point *points; /* oldest first, commit order */
	size_t npoints;
	const size_t *changes; /* indices i: a change point between points i-1 and i */
	size_t nchanges;
};

/* malloc'd NUL-terminated SVG text, *len its length; NULL when out of memory.
 * Change indices outside 1..npoints-1 are ignored; any order is accepted. */
char *svg_render(const struct svg_series *series, size_t *len);

/* Whether svg_render shows the label of point i of n (on the axis or in a
 * tooltip): callers may leave the others' labels NULL, or cheap. */
bool svg_label_shown(size_t i, size_t n);

#endif
