/* history/<bench>.svg: see render_svg.h for what the picture shows. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"
#include "views/internal_svg_text.h"
#include "views/render_svg.h"

/* Geometry, in SVG user units (pixels at 100%). */
#define WIDTH 960
#define HEIGHT 480
#define PLOT_LEFT 84.0
#define PLOT_RIGHT (WIDTH - 24.0)
#define PLOT_TOP 64.0
#define PLOT_BOTTOM (HEIGHT - 96.0) /* raised for labels over LABEL_FIT_CHARS */
#define MAX_X_LABELS 48 /* a rotated 11px label needs about 18px of axis */
/* x labels (11px monospace, about 6.6px a character, rotated 45 degrees):
 * LABEL_FIT_CHARS fit above the legend, each further character reaches
 * LABEL_CHAR_DROP lower, and the plot's bottom is raised by that much for the
 * longest label shown. A label over LABEL_MAX_CHARS shows its head and tail
 * around an ellipsis: tag names of one project often share a prefix and
 * differ at the end ("myproject-v1.2.3"). */
#define LABEL_FIT_CHARS 8
#define LABEL_CHAR_DROP 4.7
#define LABEL_MAX_CHARS 16
#define LABEL_HEAD_CHARS 7 /* + the ellipsis + LABEL_TAIL_CHARS = LABEL_MAX_CHARS */
#define LABEL_TAIL_CHARS 8
#define ELLIPSIS "\xe2\x80\xa6"
#define MAX_MARKERS 60  /* above this, markers would hide the line */
#define Y_TICKS_WANTED 6.0
#define TITLE_FIT_CHARS 100 /* longer titles are squeezed to the width */
#define VALUE_LIMIT 1e300
/* A long series: buckets no narrower than SLOT_PX, SVG_SLOTS of them at
 * most (render_svg.h), so that the picture's size and drawing time stop
 * growing with the history. */
#define SLOT_PX 1.5

#define COLOR_MEAN "#1f5fbf"
#define COLOR_SLOWER "#c62828"
#define COLOR_FASTER "#2e7d32"
#define COLOR_NEUTRAL "#666666"
#define COLOR_AXIS "#333333"
#define COLOR_GRID "#e4e4e4"
#define COLOR_BASELINE "#6a1b9a"
#define BAND_LABEL "mean \xc2\xb1 1 sd"
#define BUCKET_BAND_LABEL "min to max of the means"
#define BASELINE_TEXT_PX 6.2 /* an 11px character, for fitting a baseline's names */

/* A point as drawn: finite values, lo <= mean <= hi. */
struct pt {
	double mean, lo, hi;
	bool ok; /* false: the mean was not finite; the slot stays empty */
};

/* Consecutive commits drawn as one, in a long series. */
struct bucket {
	size_t first, count;
};

/* The y axis: [lo, hi] in seconds, ticks k * step for k in [klo, khi],
 * drawn from bottom (pixels, PLOT_BOTTOM or above) up to PLOT_TOP. */
struct axis {
	double lo, hi, step;
	double bottom;
	long long klo, khi;
	double scale;     /* seconds per unit */
	const char *unit; /* "ns", "µs", "ms", "s" */
	int decimals;     /* for tick labels in the unit; -1: use %g */
	int sig;          /* significant digits when decimals is -1 */
	const char *quantity; /* the axis' name: "time", or a metric's */
	const char *fixed;    /* a metric's unit: values are not scaled */
};

/* The characters of an x label as drawn, at most LABEL_MAX_CHARS. */
static size_t label_chars(const char *label)
{
	size_t n = svg_text_length(label);
	return n < LABEL_MAX_CHARS ? n : LABEL_MAX_CHARS;
}

/* An x label, shortened around an ellipsis when it is too long, with the
 * whole label as its tooltip then. */
static void put_label(struct strbuf *b, const char *label)
{
	const char *s = label ? label : "", *head, *tail;
	size_t n = svg_text_length(s);
	if (n <= LABEL_MAX_CHARS) {
		svg_put_text(b, s);
		return;
	}
	head = s;
	for (size_t i = 0; i < LABEL_HEAD_CHARS; i++)
		head += svg_char_bytes(head);
	tail = head;
	for (size_t i = LABEL_HEAD_CHARS; i < n - LABEL_TAIL_CHARS; i++)
		tail += svg_char_bytes(tail);
	svg_put_text_n(b, s, (size_t)(head - s));
	strbuf_addf(b, ELLIPSIS);
	svg_put_text(b, tail);
	strbuf_addf(b, "<title>");
	svg_put_text(b, s);
	strbuf_addf(b, "</title>");
}

/* Far beyond any measurable time, and tiny magnitudes (below 1e-200 s) are
 * zero: the axis arithmetic then never overflows or meets denormals. */
static double clamp_value(double v)
{
	if (fabs(v) < 1e-200)
		return 0.0;
	return v > VALUE_LIMIT ? VALUE_LIMIT : v < -VALUE_LIMIT ? -VALUE_LIMIT : v;
}

static void sanitize(struct pt *out, const struct svg_point *in, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		double m = in[i].mean, lo = in[i].lo, hi = in[i].hi;
		out[i].ok = isfinite(m);
		if (!out[i].ok) {
			out[i].mean = out[i].lo = out[i].hi = 0.0;
			continue;
		}
		m = clamp_value(m);
		lo = isfinite(lo) ? clamp_value(lo) : m;
		hi = isfinite(hi) ? clamp_value(hi) : m;
		out[i].mean = m;
		out[i].lo = lo < m ? lo : m;
		out[i].hi = hi > m ? hi : m;
	}
}

/* A 1-2-5 step near raw (> 0). */
static double nice_step(double raw)
{
	double p, f;
	if (!(raw > 0.0) || !isfinite(raw))
		return 1e-9;
	p = pow(10.0, floor(log10(raw)));
	f = raw / p;
	return (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0) * p;
}

static void axis_unit(struct axis *ax)
{
	double top = fmax(fabs(ax->lo), fabs(ax->hi));
	double step_u, top_u;
	if (ax->fixed) {
		ax->scale = 1.0;
		ax->unit = ax->fixed;
	} else if (top < 1e-6) {
		ax->scale = 1e-9;
		ax->unit = "ns";
	} else if (top < 1e-3) {
		ax->scale = 1e-6;
		ax->unit = "\xc2\xb5s";
	} else if (top < 1.0) {
		ax->scale = 1e-3;
		ax->unit = "ms";
	} else {
		ax->scale = 1.0;
		ax->unit = "s";
	}
	step_u = ax->step / ax->scale;
	top_u = top / ax->scale;
	/* -log10 of a 1-2-5 step, rounded up, is the decimals that tell ticks apart. */
	ax->decimals = (int)ceil(-log10(step_u) - 1e-9);
	if (ax->decimals < 0)
		ax->decimals = 0;
	ax->sig = (int)(floor(log10(top_u)) - floor(log10(step_u) + 1e-9)) + 1;
	if (ax->sig < 1)
		ax->sig = 1;
	if (ax->sig > 17)
		ax->sig = 17;
	/* Very small or very large figures read better in exponent form. */
	if (ax->decimals > 6 || top_u >= 1e7)
		ax->decimals = -1;
}

/* The y axis for values in [vmin, vmax] (finite, vmin <= vmax). */
static void axis_make(struct axis *ax, double vmin, double vmax)
{
	double mag = fmax(fabs(vmin), fabs(vmax));
	double span = vmax - vmin;
	bool nonneg = vmin >= 0.0;
	if (span <= mag * 1e-9) {
		/* All equal (or nearly): a window of +-10% around the value. */
		double pad = mag > 0.0 ? 0.1 * mag : 1e-9;
		vmin -= pad;
		vmax += pad;
	} else {
		vmin -= 0.05 * span;
		vmax += 0.05 * span;
	}
	if (nonneg && vmin < 0.0)
		vmin = 0.0; /* times are not negative: do not draw room below zero */
	ax->step = nice_step((vmax - vmin) / Y_TICKS_WANTED);
	ax->klo = (long long)floor(vmin / ax->step);
	ax->khi = (long long)ceil(vmax / ax->step);
	if (ax->khi <= ax->klo)
		ax->khi = ax->klo + 1;
	ax->lo = (double)ax->klo * ax->step;
	ax->hi = (double)ax->khi * ax->step;
	axis_unit(ax);
}

/* A value in the axis unit, for tick labels and tooltips. */
static void put_value(struct strbuf *b, const struct axis *ax, double seconds, int extra)
{
	double v = seconds / ax->scale;
	if (!isfinite(v))
		v = 0.0;
	if (v == 0.0)
		v = 0.0; /* no "-0" */
	if (ax->decimals >= 0)
		strbuf_addf(b, "%.*f", ax->decimals + extra, v);
	else
		strbuf_addf(b, "%.*g", ax->sig + extra, v);
}

/* v with decimals (0 to 9) digits after the point, rounded half away from
 * zero, never "-0": a long series' buckets print hundreds of numbers, and
 * printf's float formatting would be most of their cost. Values too large
 * for exact integer rounding go through printf. */
static void put_fixed(struct strbuf *b, double v, int decimals)
{
	static const double scale[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
	char text[48];
	size_t len = sizeof(text);
	unsigned long long u;
	long long t;
	if (decimals < 0 || decimals > 9 || !(fabs(v) * scale[decimals] < 1e12)) {
		strbuf_addf(b, "%.*f", decimals < 0 ? 0 : decimals, isfinite(v) ? v : 0.0);
		return;
	}
	t = llround(v * scale[decimals]);
	u = t < 0 ? (unsigned long long)-t : (unsigned long long)t;
	/* Digits from the last: the decimals, the point, then at least one. */
	for (int d = 0; d < decimals; d++, u /= 10)
		text[--len] = (char)('0' + u % 10);
	if (decimals > 0)
		text[--len] = '.';
	do {
		text[--len] = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (t < 0)
		text[--len] = '-';
	strbuf_add(b, text + len, sizeof(text) - len);
}

/* A tooltip's value in the axis unit, in put_value's format (rounded by put_fixed). */
static void put_value_fast(struct strbuf *b, const struct axis *ax, double seconds, int extra)
{
	double v = seconds / ax->scale;
	if (ax->decimals < 0 || ax->decimals + extra > 9) {
		put_value(b, ax, seconds, extra);
		return;
	}
	put_fixed(b, isfinite(v) ? v : 0.0, ax->decimals + extra);
}

static double y_of(const struct axis *ax, double v)
{
	return ax->bottom - (v - ax->lo) / (ax->hi - ax->lo) * (ax->bottom - PLOT_TOP);
}

static double x_of(size_t i, size_t n)
{
	return PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * ((double)i + 0.5) / (double)n;
}

static void put_header(struct strbuf *b, const struct svg_series *s)
{
	strbuf_addf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	       "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
	       " viewBox=\"0 0 %d %d\" font-family=\"Helvetica, Arial, sans-serif\""
	       " font-size=\"12\" role=\"img\">\n<title>",
	    WIDTH, HEIGHT, WIDTH, HEIGHT);
	svg_put_text(b, s->title);
	strbuf_addf(b, "</title>\n<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n"
	       "<text x=\"%d\" y=\"26\" text-anchor=\"middle\" font-size=\"16\""
	       " font-weight=\"bold\" fill=\"#111111\"",
	    WIDTH, HEIGHT, WIDTH / 2);
	if (svg_text_chars(s->title) > TITLE_FIT_CHARS)
		strbuf_addf(b, " textLength=\"%d\" lengthAdjust=\"spacingAndGlyphs\"", WIDTH - 32);
	strbuf_addf(b, ">");
	svg_put_text(b, s->title);
	strbuf_addf(b, "</text>\n");
}

/* "12 commits, 30 samples each" or "... 10 to 30 samples per commit"; a
 * long series adds "; 560 buckets of up to 36 commits". */
static void put_subtitle(struct strbuf *b, const struct svg_series *s, const struct bucket *bk,
			 size_t nb)
{
	size_t most = 0;
	size_t nmin = (size_t)-1, nmax = 0;
	for (size_t i = 0; i < s->npoints; i++) {
		if (s->points[i].n < nmin)
			nmin = s->points[i].n;
		if (s->points[i].n > nmax)
			nmax = s->points[i].n;
	}
	strbuf_addf(b, "<text x=\"%d\" y=\"46\" text-anchor=\"middle\" fill=\"#555555\">%zu commit%s, ",
	    WIDTH / 2, s->npoints, s->npoints == 1 ? "" : "s");
	if (nmin == nmax)
		strbuf_addf(b, "%zu sample%s%s", nmin, nmin == 1 ? "" : "s",
		    s->npoints == 1 ? "" : " each");
	else
		strbuf_addf(b, "%zu to %zu samples per commit", nmin, nmax);
	for (size_t i = 0; i < nb; i++)
		most = bk[i].count > most ? bk[i].count : most;
	if (nb)
		strbuf_addf(b, "; %zu buckets of up to %zu commits", nb, most);
	strbuf_addf(b, "</text>\n");
}

static void put_y_axis(struct strbuf *b, const struct axis *ax)
{
	strbuf_addf(b, "<g class=\"y-axis\">\n");
	for (long long k = ax->klo; k <= ax->khi; k++) {
		double v = (double)k * ax->step;
		double y = svg_coord(y_of(ax, v));
		strbuf_addf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
		    PLOT_LEFT, y, PLOT_RIGHT, y, COLOR_GRID);
		strbuf_addf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"%s\">",
		    PLOT_LEFT - 6.0, y + 4.0, COLOR_AXIS);
		put_value(b, ax, v, 0);
		strbuf_addf(b, "</text>\n");
	}
	strbuf_addf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
	    PLOT_LEFT, PLOT_TOP, PLOT_LEFT, ax->bottom, COLOR_AXIS);
	strbuf_addf(b, "<text transform=\"translate(30 %.1f) rotate(-90)\" text-anchor=\"middle\""
	       " fill=\"%s\">",
	    (PLOT_TOP + ax->bottom) / 2.0, COLOR_AXIS);
	/* A metric's name and unit come from the configuration: escaped. */
	svg_put_text(b, ax->quantity);
	strbuf_addstr(b, " (");
	svg_put_text(b, ax->unit);
	strbuf_addstr(b, ")</text>\n</g>\n");
}

/* Every how many points an x label is drawn: 1, 2, 5, 10, 20, 50, ... (so
 * labelled commits fall on round indices), at most MAX_X_LABELS labels. */
static size_t label_every(size_t n)
{
	static const size_t mantissa[] = {1, 2, 5};
	size_t every = 1, decade = 1;
	for (size_t m = 1; (n + every - 1) / every > MAX_X_LABELS; m++) {
		if (m % 3 == 0)
			decade *= 10;
		every = mantissa[m % 3] * decade;
	}
	return every;
}


/* The plot's bottom: raised so the longest label drawn ends above the legend. */
static double plot_bottom(const struct svg_series *s)
{
	size_t every = label_every(s->npoints), longest = 0;
	for (size_t i = 0; i < s->npoints; i += every) {
		size_t n = label_chars(s->points[i].label);
		longest = n > longest ? n : longest;
	}
	return longest > LABEL_FIT_CHARS
		       ? PLOT_BOTTOM - (double)(longest - LABEL_FIT_CHARS) * LABEL_CHAR_DROP
		       : PLOT_BOTTOM;
}

static void put_x_axis(struct strbuf *b, const struct axis *ax, const struct svg_series *s)
{
	size_t n = s->npoints, every = label_every(n);
	strbuf_addf(b, "<g class=\"x-axis\">\n"
	       "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
	    PLOT_LEFT, ax->bottom, PLOT_RIGHT, ax->bottom, COLOR_AXIS);
	for (size_t i = 0; i < n; i += every) {
		double x = svg_coord(x_of(i, n));
		strbuf_addf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n", x,
		    ax->bottom, x, ax->bottom + 4.0, COLOR_AXIS);
		strbuf_addf(b, "<text transform=\"translate(%.1f %.1f) rotate(-45)\" text-anchor=\"end\""
		       " font-family=\"Menlo, Consolas, monospace\" font-size=\"11\" fill=\"%s\">",
		    x + 3.0, ax->bottom + 14.0, COLOR_AXIS);
		put_label(b, s->points[i].label);
		strbuf_addf(b, "</text>\n");
	}
	strbuf_addf(b, "</g>\n");
}

/* The band and the mean line of one run of drawable points [from, to), at
 * x[i] (commits, or buckets of them); half is the caps' half width of a lone
 * point, thin whether the line is the thin one of a dense history. */
static void put_run(struct strbuf *b, const struct axis *ax, const struct pt *p, const double *xs,
		    size_t from, size_t to, double half, bool thin)
{
	if (to - from == 1) {
		/* A lone point: an error bar instead of a band of zero width. */
		double x = svg_coord(xs[from]);
		double ylo = svg_coord(y_of(ax, p[from].lo)), yhi = svg_coord(y_of(ax, p[from].hi));
		strbuf_addf(b, "<path d=\"M%.1f %.1fV%.1fM%.1f %.1fH%.1fM%.1f %.1fH%.1f\" stroke=\"%s\""
		       " stroke-opacity=\"0.5\" stroke-width=\"2\" fill=\"none\"/>\n",
		    x, ylo, yhi, svg_coord(x - half), ylo, svg_coord(x + half), svg_coord(x - half), yhi,
		    svg_coord(x + half), COLOR_MEAN);
		return;
	}
	strbuf_addf(b, "<polygon fill=\"%s\" fill-opacity=\"0.18\" stroke=\"none\" points=\"", COLOR_MEAN);
	for (size_t i = from; i < to; i++)
		svg_put_xy(b, i == from, xs[i], y_of(ax, p[i].hi));
	for (size_t i = to; i-- > from;)
		svg_put_xy(b, false, xs[i], y_of(ax, p[i].lo));
	/* A dense history reads better with a thin line. */
	strbuf_addf(b, "\"/>\n<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%s\""
	       " stroke-linejoin=\"round\" points=\"",
	    COLOR_MEAN, thin ? "1" : "1.75");
	for (size_t i = from; i < to; i++)
		svg_put_xy(b, i == from, xs[i], y_of(ax, p[i].mean));
	strbuf_addf(b, "\"/>\n");
}

/* A point's tooltip text: "<label>: <mean> <unit> (<lo> to <hi>), n = <n>". */
static void put_point_title(struct strbuf *b, const struct axis *ax, const struct svg_series *s,
			    const struct pt *p, size_t i)
{
	svg_put_text(b, s->points[i].label);
	if (!p[i].ok) {
		strbuf_addf(b, ": no finite measurement, n = %zu", s->points[i].n);
		return;
	}
	strbuf_addf(b, ": ");
	put_value(b, ax, p[i].mean, 2);
	strbuf_addch(b, ' ');
	svg_put_text(b, ax->unit);
	strbuf_addstr(b, " (");
	put_value(b, ax, p[i].lo, 2);
	strbuf_addf(b, " to ");
	put_value(b, ax, p[i].hi, 2);
	strbuf_addf(b, "), n = %zu", s->points[i].n);
}

/* The runs of drawable points (or buckets bk) p[0..count), at xs; a lone
 * bucket's error bar caps spread with its commits. */
static void put_runs(struct strbuf *b, const struct axis *ax, const struct pt *p, const double *xs,
		     size_t count, const struct bucket *bk, size_t n)
{
	double unit = (PLOT_RIGHT - PLOT_LEFT) / (double)n;
	for (size_t i = 0; i < count;) {
		size_t j = i;
		double half;
		if (!p[i].ok) {
			i++;
			continue;
		}
		while (j < count && p[j].ok)
			j++;
		half = bk ? fmin(8.0, unit * (double)bk[i].count * 0.3) : fmin(8.0, unit * 0.3);
		put_run(b, ax, p, xs, i, j, half, n > 300);
		i = j;
	}
}

static void put_series(struct strbuf *b, const struct axis *ax, const struct svg_series *s,
		       const struct pt *p, const double *xs)
{
	size_t n = s->npoints;
	strbuf_addf(b, "<g class=\"series\">\n");
	put_runs(b, ax, p, xs, n, NULL, n);
	for (size_t i = 0; i < n && n <= MAX_MARKERS; i++) {
		if (!p[i].ok)
			continue;
		strbuf_addf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>",
		    svg_coord(xs[i]), svg_coord(y_of(ax, p[i].mean)), COLOR_MEAN);
		put_point_title(b, ax, s, p, i);
		strbuf_addf(b, "</title></circle>\n");
	}
	strbuf_addf(b, "</g>\n");
}

/* A long series: the band and median line of the buckets bp (at bx), then
 * one transparent column over each bucket's commits carrying its tooltip,
 * so that pointing anywhere above a commit names its bucket. */
static void put_bucket_series(struct strbuf *b, const struct axis *ax, const struct svg_series *s,
			      const struct pt *p, const struct bucket *bk, const struct pt *bp,
			      const double *bx, size_t nb)
{
	size_t n = s->npoints;
	double unit = (PLOT_RIGHT - PLOT_LEFT) / (double)n;
	strbuf_addf(b, "<g class=\"series\">\n");
	put_runs(b, ax, bp, bx, nb, bk, n);
	strbuf_addf(b, "</g>\n<g class=\"buckets\" fill=\"%s\" fill-opacity=\"0\">\n", COLOR_MEAN);
	for (size_t i = 0; i < nb; i++) {
		size_t first = bk[i].first, last = first + bk[i].count - 1, samples = 0;
		double x0 = svg_coord(PLOT_LEFT + unit * (double)first);
		double x1 = svg_coord(PLOT_LEFT + unit * (double)(last + 1));
		strbuf_addstr(b, "<rect x=\"");
		put_fixed(b, x0, 1);
		strbuf_addstr(b, "\" y=\"");
		put_fixed(b, PLOT_TOP, 1);
		strbuf_addstr(b, "\" width=\"");
		put_fixed(b, x1 - x0, 1);
		strbuf_addstr(b, "\" height=\"");
		put_fixed(b, ax->bottom - PLOT_TOP, 1);
		strbuf_addstr(b, "\"><title>");
		if (bk[i].count == 1) {
			put_point_title(b, ax, s, p, first);
			strbuf_addstr(b, "</title></rect>\n");
			continue;
		}
		for (size_t k = first; k <= last; k++)
			samples += s->points[k].n;
		svg_put_text(b, s->points[first].label);
		strbuf_addstr(b, " to ");
		svg_put_text(b, s->points[last].label);
		strbuf_addstr(b, ", ");
		put_fixed(b, (double)bk[i].count, 0);
		strbuf_addstr(b, " commits: ");
		if (bp[i].ok) {
			strbuf_addstr(b, "median ");
			put_value_fast(b, ax, bp[i].mean, 2);
			strbuf_addch(b, ' ');
			svg_put_text(b, ax->unit);
			strbuf_addstr(b, " (means ");
			put_value_fast(b, ax, bp[i].lo, 2);
			strbuf_addstr(b, " to ");
			put_value_fast(b, ax, bp[i].hi, 2);
			strbuf_addstr(b, "), n = ");
		} else {
			strbuf_addstr(b, "no finite measurement, n = ");
		}
		put_fixed(b, (double)samples, 0);
		strbuf_addstr(b, "</title></rect>\n");
	}
	strbuf_addf(b, "</g>\n");
}

/* The k-th smallest of v[0..m) (k < m; no nan), v partly reordered so that
 * v[0..k) are at most it: a quickselect, since sorting every bucket would
 * cost most of a long series' picture. */
static double kth_smallest(double *v, size_t m, size_t k)
{
	ptrdiff_t lo = 0, hi = (ptrdiff_t)m - 1, want = (ptrdiff_t)k;
	while (lo < hi) {
		double pivot = v[lo + (hi - lo) / 2];
		ptrdiff_t i = lo, j = hi;
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				double t = v[i];
				v[i++] = v[j];
				v[j--] = t;
			}
		}
		if (want <= j)
			hi = j;
		else if (want >= i)
			lo = i;
		else
			break;
	}
	return v[want];
}

static int size_compare(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return (x > y) - (x < y);
}

/* The unweighted mean of the drawable means in [from, to); false when none. */
static bool segment_mean(const struct pt *p, size_t from, size_t to, double *out)
{
	double sum = 0.0;
	size_t count = 0;
	for (size_t i = from; i < to; i++) {
		if (p[i].ok) {
			sum += p[i].mean;
			count++;
		}
	}
	if (count == 0)
		return false;
	*out = sum / (double)count;
	return isfinite(*out);
}

/* Dashed lines at the change points, with the change of the segment means. */
static void put_changes(struct strbuf *b, const struct axis *ax, const size_t *cp, size_t ncp,
			const struct pt *p, size_t n, bool higher_is_better)
{
	strbuf_addf(b, "<g class=\"changes\">\n");
	for (size_t c = 0; c < ncp; c++) {
		size_t from = c ? cp[c - 1] : 0, to = c + 1 < ncp ? cp[c + 1] : n;
		double before = 0.0, after = 0.0, change = 0.0;
		double x = svg_coord((x_of(cp[c] - 1, n) + x_of(cp[c], n)) / 2.0);
		bool known = segment_mean(p, from, cp[c], &before) &&
			     segment_mean(p, cp[c], to, &after) && before != 0.0;
		const char *color = COLOR_NEUTRAL;
		if (known) {
			change = (after / before - 1.0) * 100.0;
			known = isfinite(change) && fabs(change) < 1e9;
		}
		/* Red for the metric's bad direction: up for times, down for
		 * a throughput. */
		if (known && (higher_is_better ? change < 0.0 : change > 0.0))
			color = COLOR_SLOWER;
		else if (known && change != 0.0)
			color = COLOR_FASTER;
		strbuf_addf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\""
		       " stroke-width=\"1.5\" stroke-dasharray=\"5 4\"/>\n",
		    x, PLOT_TOP, x, ax->bottom, color);
		if (known) {
			/* Labels near the right edge go to the left of their line. */
			bool left = x > PLOT_RIGHT - 60.0;
			strbuf_addf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" fill=\"%s\""
			       " font-weight=\"bold\" stroke=\"#ffffff\" stroke-width=\"3\""
			       " paint-order=\"stroke\">%+.1f%%</text>\n",
			    left ? x - 4.0 : x + 4.0, PLOT_TOP + 12.0 + 14.0 * (double)(c % 2),
			    left ? "end" : "start", color, change == 0.0 ? 0.0 : change);
		}
	}
	strbuf_addf(b, "</g>\n");
}

/* The legend: a long series' line is the buckets' medians and its band their
 * range; the baselines' sample only when one is drawn. Kept centred. */
static void put_legend(struct strbuf *b, bool bucketed, bool baselines)
{
	double y = HEIGHT - 14.0;
	double x = WIDTH / 2.0 - 190.0 - (bucketed ? 35.0 : 0.0) - (baselines ? 45.0 : 0.0);
	strbuf_addf(b, "<g class=\"legend\" fill=\"%s\">\n", COLOR_AXIS);
	strbuf_addf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\""
	       " stroke-width=\"1.75\"/>\n<text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
	    x, y - 4.0, x + 24.0, y - 4.0, COLOR_MEAN, x + 30.0, y, bucketed ? "median" : "mean");
	x += 90.0;
	strbuf_addf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"24\" height=\"10\" fill=\"%s\""
	       " fill-opacity=\"0.18\"/>\n<text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
	    x, y - 9.0, COLOR_MEAN, x + 30.0, y, bucketed ? BUCKET_BAND_LABEL : BAND_LABEL);
	x += bucketed ? 200.0 : 130.0;
	strbuf_addf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\""
	       " stroke-width=\"1.5\" stroke-dasharray=\"5 4\"/>\n"
	       "<text x=\"%.1f\" y=\"%.1f\">change point (change of the mean)</text>\n",
	    x, y - 4.0, x + 24.0, y - 4.0, COLOR_NEUTRAL, x + 30.0, y);
	if (baselines) {
		x += 250.0;
		strbuf_addf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\""
		       " stroke-width=\"1.25\"/>\n<text x=\"%.1f\" y=\"%.1f\">pinned baseline</text>\n",
		    x, y - 4.0, x + 24.0, y - 4.0, COLOR_BASELINE, x + 30.0, y);
	}
	strbuf_addf(b, "</g>\n");
}

static int baseline_compare(const void *a, const void *b)
{
	const struct svg_baseline *x = a, *y = b;
	if (x->point != y->point)
		return x->point < y->point ? -1 : 1;
	return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

/* The baselines on points of the series, by point then name; *nbl their
 * count. NULL with *nbl 0 when there are none, or with *oom when out of memory. */
static struct svg_baseline *baselines_clean(const struct svg_baseline *in, size_t nin, size_t n,
					    size_t *nbl, bool *oom)
{
	struct svg_baseline *bl;
	*nbl = 0;
	*oom = false;
	if (nin == 0 || !in)
		return NULL;
	if (!(bl = malloc(nin * sizeof(*bl)))) {
		*oom = true;
		return NULL;
	}
	for (size_t i = 0; i < nin; i++)
		if (in[i].point < n)
			bl[(*nbl)++] = in[i];
	if (*nbl == 0) {
		free(bl);
		return NULL;
	}
	qsort(bl, *nbl, sizeof(*bl), baseline_compare);
	return bl;
}

/* Each baseline's commit: a solid line, the names of the baselines pinned to
 * it written up along its left side (squeezed to the plot's height when
 * long), and as their tooltip the names and the commit's label. */
static void put_baselines(struct strbuf *b, const struct axis *ax, const struct svg_series *s,
			  const struct svg_baseline *bl, size_t nbl)
{
	double room = ax->bottom - PLOT_TOP - 12.0;
	strbuf_addf(b, "<g class=\"baselines\" fill=\"%s\" font-size=\"11\">\n", COLOR_BASELINE);
	for (size_t i = 0, j; i < nbl; i = j) {
		double x = svg_coord(x_of(bl[i].point, s->npoints));
		size_t chars = 0;
		for (j = i; j < nbl && bl[j].point == bl[i].point; j++)
			chars += svg_text_chars(bl[j].name ? bl[j].name : "") + (j > i ? 2 : 0);
		strbuf_addf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\""
		       " stroke-width=\"1.25\"/>\n<text transform=\"translate(%.1f %.1f) rotate(-90)\"",
		    x, PLOT_TOP, x, ax->bottom, COLOR_BASELINE, x - 3.0, ax->bottom - 6.0);
		if ((double)chars * BASELINE_TEXT_PX > room)
			strbuf_addf(b, " textLength=\"%.1f\" lengthAdjust=\"spacingAndGlyphs\"", room);
		strbuf_addf(b, ">");
		for (size_t k = i; k < j; k++) {
			strbuf_addf(b, "%s", k > i ? ", " : "");
			svg_put_text(b, bl[k].name);
		}
		strbuf_addf(b, "<title>baseline%s ", j - i > 1 ? "s" : "");
		for (size_t k = i; k < j; k++) {
			strbuf_addf(b, "%s", k > i ? ", " : "");
			svg_put_text(b, bl[k].name);
		}
		strbuf_addf(b, ": ");
		svg_put_text(b, s->points[bl[i].point].label);
		strbuf_addf(b, "</title></text>\n");
	}
	strbuf_addf(b, "</g>\n");
}

/* Split [0, n) into buckets, into out (NULL: only count them): a point
 * marked alone is a bucket by itself, each run between them is split evenly
 * into buckets of at most k. Returns how many. */
static size_t buckets_split(struct bucket *out, const bool *alone, size_t n, size_t k)
{
	size_t count = 0;
	for (size_t i = 0, j; i < n; i = j) {
		size_t len, parts;
		for (j = i + 1; !alone[i] && j < n && !alone[j]; j++)
			;
		len = j - i;
		parts = alone[i] ? 1 : (len + k - 1) / k;
		for (size_t q = 0; q < parts; q++, count++) {
			size_t from = i + len * q / parts, to = i + len * (q + 1) / parts;
			if (out)
				out[count] = (struct bucket){from, to - from};
		}
	}
	return count;
}

/* The buckets of a series of n points: none (NULL, *nb 0) when it has at
 * most SVG_SLOTS; else both sides of each change mark and each baseline's
 * commit alone, the rest in buckets of k, the fewest commits that keep the
 * total within SVG_SLOTS (each run between lone points may end in a short
 * bucket: 2 I + 1 buckets for I lone points are set aside for that). */
static int buckets_make(struct bucket **out, size_t *nb, size_t n, const size_t *cp, size_t ncp,
			const struct svg_baseline *bl, size_t nbl)
{
	size_t lone = 0, budget, k;
	bool *alone;
	*out = NULL;
	*nb = 0;
	if (n <= SVG_SLOTS)
		return 0;
	if (!(alone = calloc(n, sizeof(*alone))))
		return -ENOMEM;
	for (size_t c = 0; c < ncp; c++)
		alone[cp[c] - 1] = alone[cp[c]] = true;
	for (size_t i = 0; i < nbl; i++)
		alone[bl[i].point] = true;
	for (size_t i = 0; i < n; i++)
		lone += alone[i];
	/* Too many marks to keep the bound: still a quarter of the slots for
	 * the rest, which grows the total by a few buckets a mark. */
	budget = 2 * lone + 1 <= SVG_SLOTS * 3 / 4 ? SVG_SLOTS - 2 * lone - 1 : SVG_SLOTS / 4;
	k = (n - lone + budget - 1) / budget;
	*nb = buckets_split(NULL, alone, n, k ? k : 1);
	if (!(*out = malloc(*nb * sizeof(**out)))) {
		free(alone);
		*nb = 0;
		return -ENOMEM;
	}
	buckets_split(*out, alone, n, k ? k : 1);
	free(alone);
	return 0;
}

/* Each bucket as drawn: the median of its drawable means as the mean, their
 * min and max as lo and hi (not drawable when it has none), at the middle of
 * its commits; -ENOMEM. */
static int buckets_describe(struct pt *out, double *xs, const struct bucket *bk, size_t nb,
			    const struct pt *p, size_t n)
{
	size_t most = 1;
	double *v;
	for (size_t i = 0; i < nb; i++)
		most = bk[i].count > most ? bk[i].count : most;
	if (!(v = malloc(most * sizeof(*v))))
		return -ENOMEM;
	for (size_t i = 0; i < nb; i++) {
		size_t m = 0;
		for (size_t k = bk[i].first; k < bk[i].first + bk[i].count; k++)
			if (p[k].ok)
				v[m++] = p[k].mean;
		xs[i] = PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) *
					    ((double)bk[i].first + (double)bk[i].count / 2.0) / (double)n;
		out[i].ok = m > 0;
		if (!out[i].ok) {
			out[i].mean = out[i].lo = out[i].hi = 0.0;
			continue;
		}
		out[i].lo = out[i].hi = v[0];
		for (size_t k = 1; k < m; k++) {
			out[i].lo = v[k] < out[i].lo ? v[k] : out[i].lo;
			out[i].hi = v[k] > out[i].hi ? v[k] : out[i].hi;
		}
		out[i].mean = kth_smallest(v, m, m / 2);
		if (m % 2 == 0) {
			/* The lower middle: the largest of those below. */
			double below = v[0];
			for (size_t k = 1; k < m / 2; k++)
				below = v[k] > below ? v[k] : below;
			/* Halves first: two means near the limit do not overflow. */
			out[i].mean = below / 2.0 + out[i].mean / 2.0;
		}
	}
	free(v);
	return 0;
}

static void put_no_data(struct strbuf *b, const char *why)
{
	strbuf_addf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\""
	       " stroke=\"%s\"/>\n<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\""
	       " font-size=\"16\" fill=\"#777777\">%s</text>\n",
	    PLOT_LEFT, PLOT_TOP, PLOT_RIGHT - PLOT_LEFT, PLOT_BOTTOM - PLOT_TOP, COLOR_GRID,
	    (PLOT_LEFT + PLOT_RIGHT) / 2.0, (PLOT_TOP + PLOT_BOTTOM) / 2.0, why);
}

/* Valid change indices (1..n-1), sorted, without duplicates; *ncp their count. */
static size_t *changes_clean(const struct svg_series *s, size_t *ncp, bool *oom)
{
	size_t *cp, count = 0;
	*ncp = 0;
	*oom = false;
	if (s->nchanges == 0 || !s->changes)
		return NULL;
	if (!(cp = malloc(s->nchanges * sizeof(*cp)))) {
		*oom = true;
		return NULL;
	}
	for (size_t i = 0; i < s->nchanges; i++)
		if (s->changes[i] >= 1 && s->changes[i] < s->npoints)
			cp[count++] = s->changes[i];
	qsort(cp, count, sizeof(*cp), size_compare);
	*ncp = 0;
	for (size_t i = 0; i < count; i++)
		if (*ncp == 0 || cp[*ncp - 1] != cp[i])
			cp[(*ncp)++] = cp[i];
	return cp;
}

char *svg_render_baselines(const struct svg_series *series, const struct svg_baseline *baselines,
			   size_t nbaselines, size_t *len)
{
	return svg_render_metric(series, baselines, nbaselines, NULL, len);
}

char *svg_render_metric(const struct svg_series *series, const struct svg_baseline *baselines,
			size_t nbaselines, const struct svg_metric *metric, size_t *len)
{
	struct strbuf b = STRBUF_INIT;
	struct pt *p = NULL, *bp = NULL;
	struct svg_baseline *bl = NULL;
	struct bucket *bk = NULL;
	size_t *cp = NULL, ncp = 0, nbl = 0, nb = 0, n = series->npoints;
	double vmin = INFINITY, vmax = -INFINITY, *xs = NULL;
	bool oom = false, bl_oom = false;
	struct axis ax;
	strbuf_init(&b, 8192);
	put_header(&b, series);
	if (n > 0 && !(p = calloc(n, sizeof(*p)))) {
		strbuf_release(&b);
		return NULL;
	}
	if (n > 0) {
		sanitize(p, series->points, n);
		for (size_t i = 0; i < n; i++) {
			if (!p[i].ok)
				continue;
			vmin = fmin(vmin, p[i].lo);
			vmax = fmax(vmax, p[i].hi);
		}
	}
	if (n == 0 || vmin > vmax) {
		put_no_data(&b, n == 0 ? "no data" : "no finite measurements");
		goto end;
	}
	cp = changes_clean(series, &ncp, &oom);
	bl = baselines_clean(baselines, nbaselines, n, &nbl, &bl_oom);
	if (oom || bl_oom || buckets_make(&bk, &nb, n, cp, ncp, bl, nbl)) {
		oom = true;
		goto end;
	}
	if (!(xs = malloc((nb ? nb : n) * sizeof(*xs))) ||
	    (nb && (!(bp = malloc(nb * sizeof(*bp))) || buckets_describe(bp, xs, bk, nb, p, n)))) {
		oom = true;
		goto end;
	}
	if (nb) {
		/* The axis spans what is drawn: the buckets' ranges of means. */
		vmin = INFINITY;
		vmax = -INFINITY;
		for (size_t i = 0; i < nb; i++) {
			if (!bp[i].ok)
				continue;
			vmin = fmin(vmin, bp[i].lo);
			vmax = fmax(vmax, bp[i].hi);
		}
	} else {
		for (size_t i = 0; i < n; i++)
			xs[i] = x_of(i, n);
	}
	ax.quantity = metric ? metric->quantity : "time";
	ax.fixed = metric ? metric->unit : NULL;
	axis_make(&ax, vmin, vmax);
	ax.bottom = plot_bottom(series);
	put_subtitle(&b, series, bk, nb);
	put_y_axis(&b, &ax);
	put_x_axis(&b, &ax, series);
	if (nb)
		put_bucket_series(&b, &ax, series, p, bk, bp, xs, nb);
	else
		put_series(&b, &ax, series, p, xs);
	put_changes(&b, &ax, cp, ncp, p, n, metric && metric->higher_is_better);
	if (nbl)
		put_baselines(&b, &ax, series, bl, nbl);
	put_legend(&b, nb > 0, nbl > 0);
end:
	strbuf_addstr(&b, "</svg>\n");
	free(xs);
	free(bp);
	free(bk);
	free(bl);
	free(cp);
	free(p);
	if (oom) {
		strbuf_release(&b);
		return NULL;
	}
	/* NULL when any write failed: the strbuf kept its first error. */
	return strbuf_detach(&b, len);
}

char *svg_render(const struct svg_series *series, size_t *len)
{
	return svg_render_baselines(series, NULL, 0, len);
}

int svg_labels_used(bool *used, const struct svg_series *series,
		    const struct svg_baseline *baselines, size_t nbaselines)
{
	size_t n = series->npoints, every = n <= MAX_MARKERS ? 1 : label_every(n);
	size_t *cp, ncp, nbl, nb;
	struct svg_baseline *bl;
	struct bucket *bk;
	bool oom, bl_oom;
	int rc = 0;
	for (size_t i = 0; i < n; i += every)
		used[i] = true;
	for (size_t i = 0; i < nbaselines; i++)
		if (baselines[i].point < n)
			used[baselines[i].point] = true;
	if (n <= SVG_SLOTS)
		return 0;
	cp = changes_clean(series, &ncp, &oom);
	bl = baselines_clean(baselines, nbaselines, n, &nbl, &bl_oom);
	if (oom || bl_oom || (rc = buckets_make(&bk, &nb, n, cp, ncp, bl, nbl)))
		rc = -ENOMEM;
	else
		for (size_t i = 0; i < nb; i++)
			used[bk[i].first] = used[bk[i].first + bk[i].count - 1] = true;
	if (!rc)
		free(bk);
	free(bl);
	free(cp);
	return rc;
}
