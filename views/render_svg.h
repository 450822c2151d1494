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
 * - each pinned baseline whose commit is a point of the series as a solid
 *   purple vertical line at that commit, its name written up along it (the
 *   names of the baselines on one commit joined by ", "), the name and the
 *   commit's label as its tooltip;
 * - a legend naming the mean, the band (as mean +- 1 sd, which is what the
 *   views pass) and the change points (a grey dashed sample), and the
 *   baselines when one is drawn.
 * A long series (over SVG_SLOTS points, more than the plot has pixels for)
 * is drawn in buckets of consecutive commits, on the same x axis (each
 * commit keeps its slot, the axis labels are the same): each bucket is drawn
 * at the middle of its commits as the min, median and max of its points'
 * means (the band from min to max, the line through the medians), with a
 * tooltip over its whole width naming its first and last commits, how many
 * commits it holds, those three values and the samples behind them (a
 * bucket of one commit reads as a marker's tooltip). The commits on both
 * sides of each change mark and each baseline's commit are buckets of their
 * own; the others are split evenly into buckets of as few commits as keep
 * the whole within SVG_SLOTS (past about SVG_SLOTS * 3 / 8 such lone
 * commits, the others keep a quarter of the slots and the whole exceeds
 * it). The y axis then spans the means drawn, the subtitle says how many
 * buckets, and the legend names the median and the range of the means. The
 * change marks' figures are still computed from every commit. Drawing costs
 * in proportion to the buckets; only reading the points costs in
 * proportion to the points.
 * Text is XML-escaped; bytes that are not valid UTF-8 and control characters
 * become U+FFFD. Points whose mean is not finite keep their slot and label but
 * are not drawn; a lo or hi that is not finite is taken as the mean. No nan or
 * inf is ever printed. The same input gives the same bytes (numbers are
 * printed with "%.*f" / "%.*g", which do not depend on the locale in the C
 * locale the daemon runs in, or digit by digit). */
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

/* A metric other than wall time plotted: its values are in unit (not
 * scaled), the y axis reads "<quantity> (<unit>)", and with
 * higher_is_better a drop is the change marked red, a rise green. */
struct svg_metric {
	const char *quantity, *unit;
	bool higher_is_better;
};

/* The most buckets a long series is drawn in: the plot's 852 px at 1.5 px
 * a bucket. A series of at most this many points is drawn point by point. */
#define SVG_SLOTS 568

/* A pinned baseline to mark: its name, and the point of its commit. */
struct svg_baseline {
	const char *name;
	size_t point;
};

/* malloc'd NUL-terminated SVG text, *len its length; NULL when out of memory.
 * Change indices outside 1..npoints-1 are ignored; any order is accepted. */
char *svg_render(const struct svg_series *series, size_t *len);

/* svg_render with baselines marked (nbaselines of them; any order, those
 * whose point is not below npoints are ignored). */
char *svg_render_baselines(const struct svg_series *series, const struct svg_baseline *baselines,
			   size_t nbaselines, size_t *len);
/* svg_render_baselines of a metric's values (metric NULL: seconds). */
char *svg_render_metric(const struct svg_series *series, const struct svg_baseline *baselines,
			size_t nbaselines, const struct svg_metric *metric, size_t *len);

/* Which points' labels the picture shows (on the axis, in a tooltip or at a
 * baseline): used[i] (npoints of them) is set true for those and left alone
 * for the others, from the series' npoints and change indices alone (its
 * points are not read), so callers may compute only those labels and leave
 * the others NULL. 0, or -ENOMEM. */
int svg_labels_used(bool *used, const struct svg_series *series,
		    const struct svg_baseline *baselines, size_t nbaselines);

#endif
