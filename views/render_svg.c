/* history/<bench>.svg: see render_svg.h for what the picture shows. */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
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

#define COLOR_MEAN "#1f5fbf"
#define COLOR_SLOWER "#c62828"
#define COLOR_FASTER "#2e7d32"
#define COLOR_NEUTRAL "#666666"
#define COLOR_AXIS "#333333"
#define COLOR_GRID "#e4e4e4"
#define BAND_LABEL "mean \xc2\xb1 1 sd"

/* A point as drawn: finite values, lo <= mean <= hi. */
struct pt {
	double mean, lo, hi;
	bool ok; /* false: the mean was not finite; the slot stays empty */
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
	if (top < 1e-6) {
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

/* "12 commits, 30 samples each" or "... 10 to 30 samples per commit". */
static void put_subtitle(struct strbuf *b, const struct svg_series *s)
{
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
	       " fill=\"%s\">time (%s)</text>\n</g>\n",
	    (PLOT_TOP + ax->bottom) / 2.0, COLOR_AXIS, ax->unit);
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

bool svg_label_shown(size_t i, size_t n)
{
	return i < n && (n <= MAX_MARKERS || i % label_every(n) == 0);
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

/* The band and the mean line of one run of drawable points [from, to). */
static void put_run(struct strbuf *b, const struct axis *ax, const struct pt *p, size_t from,
		    size_t to, size_t n)
{
	if (to - from == 1) {
		/* A lone point: an error bar instead of a band of zero width. */
		double x = svg_coord(x_of(from, n)), half = fmin(8.0, (PLOT_RIGHT - PLOT_LEFT) / (double)n * 0.3);
		double ylo = svg_coord(y_of(ax, p[from].lo)), yhi = svg_coord(y_of(ax, p[from].hi));
		strbuf_addf(b, "<path d=\"M%.1f %.1fV%.1fM%.1f %.1fH%.1fM%.1f %.1fH%.1f\" stroke=\"%s\""
		       " stroke-opacity=\"0.5\" stroke-width=\"2\" fill=\"none\"/>\n",
		    x, ylo, yhi, svg_coord(x - half), ylo, svg_coord(x + half), svg_coord(x - half), yhi,
		    svg_coord(x + half), COLOR_MEAN);
		return;
	}
	strbuf_addf(b, "<polygon fill=\"%s\" fill-opacity=\"0.18\" stroke=\"none\" points=\"", COLOR_MEAN);
	for (size_t i = from; i < to; i++)
		svg_put_xy(b, i == from, x_of(i, n), y_of(ax, p[i].hi));
	for (size_t i = to; i-- > from;)
		svg_put_xy(b, false, x_of(i, n), y_of(ax, p[i].lo));
	/* A dense history reads better with a thin line. */
	strbuf_addf(b, "\"/>\n<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%s\""
	       " stroke-linejoin=\"round\" points=\"",
	    COLOR_MEAN, n > 300 ? "1" : "1.75");
	for (size_t i = from; i < to; i++)
		svg_put_xy(b, i == from, x_of(i, n), y_of(ax, p[i].mean));
	strbuf_addf(b, "\"/>\n");
}

static void put_series(struct strbuf *b, const struct axis *ax, const struct svg_series *s,
		       const struct pt *p)
{
	size_t n = s->npoints;
	strbuf_addf(b, "<g class=\"series\">\n");
	for (size_t i = 0; i < n;) {
		size_t j = i;
		if (!p[i].ok) {
			i++;
			continue;
		}
		while (j < n && p[j].ok)
			j++;
		put_run(b, ax, p, i, j, n);
		i = j;
	}
	for (size_t i = 0; i < n && n <= MAX_MARKERS; i++) {
		if (!p[i].ok)
			continue;
		strbuf_addf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>",
		    svg_coord(x_of(i, n)), svg_coord(y_of(ax, p[i].mean)), COLOR_MEAN);
		svg_put_text(b, s->points[i].label);
		strbuf_addf(b, ": ");
		put_value(b, ax, p[i].mean, 2);
		strbuf_addf(b, " %s (", ax->unit);
		put_value(b, ax, p[i].lo, 2);
		strbuf_addf(b, " to ");
		put_value(b, ax, p[i].hi, 2);
		strbuf_addf(b, "), n = %zu</title></circle>\n", s->points[i].n);
	}
	strbuf_addf(b, "</g>\n");
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
			const struct pt *p, size_t n)
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
		if (known && change > 0.0)
			color = COLOR_SLOWER;
		else if (known && change < 0.0)
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

static void put_legend(struct strbuf *b)
{
	double y = HEIGHT - 14.0, x = WIDTH / 2.0 - 190.0;
	strbuf_addf(b, "<g class=\"legend\" fill=\"%s\">\n", COLOR_AXIS);
	strbuf_addf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\""
	       " stroke-width=\"1.75\"/>\n<text x=\"%.1f\" y=\"%.1f\">mean</text>\n",
	    x, y - 4.0, x + 24.0, y - 4.0, COLOR_MEAN, x + 30.0, y);
	x += 90.0;
	strbuf_addf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"24\" height=\"10\" fill=\"%s\""
	       " fill-opacity=\"0.18\"/>\n<text x=\"%.1f\" y=\"%.1f\">" BAND_LABEL "</text>\n",
	    x, y - 9.0, COLOR_MEAN, x + 30.0, y);
	x += 130.0;
	strbuf_addf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\""
	       " stroke-width=\"1.5\" stroke-dasharray=\"5 4\"/>\n"
	       "<text x=\"%.1f\" y=\"%.1f\">change point (change of the mean)</text>\n</g>\n",
	    x, y - 4.0, x + 24.0, y - 4.0, COLOR_NEUTRAL, x + 30.0, y);
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

char *svg_render(const struct svg_series *series, size_t *len)
{
	struct strbuf b = STRBUF_INIT;
	struct pt *p = NULL;
	size_t *cp = NULL, ncp = 0, n = series->npoints;
	double vmin = INFINITY, vmax = -INFINITY;
	bool oom = false;
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
	} else {
		axis_make(&ax, vmin, vmax);
		ax.bottom = plot_bottom(series);
		cp = changes_clean(series, &ncp, &oom);
		put_subtitle(&b, series);
		put_y_axis(&b, &ax);
		put_x_axis(&b, &ax, series);
		put_series(&b, &ax, series, p);
		put_changes(&b, &ax, cp, ncp, p, n);
		put_legend(&b);
	}
	strbuf_addstr(&b, "</svg>\n");
	free(cp);
	free(p);
	if (oom) {
		strbuf_release(&b);
		return NULL;
	}
	/* NULL when any write failed: the strbuf kept its first error. */
	return strbuf_detach(&b, len);
}
