/* Flame graphs (flame.h). The layout is flamegraph.pl's: the root at the
 * bottom, children side by side in name order, widths proportional to
 * samples, frames narrower than a tenth of a pixel left out. Colours come
 * from a hash of the name, so the same profile is the same file. */
#include "views/flame.h"

#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/array.h"
#include "util/strbuf.h"
#include "views/run_files.h"
#include "views/sides.h"

#define FLAME_WIDTH 1200.0
#define FLAME_XPAD 10.0
#define FLAME_FRAME 16.0
#define FLAME_TOP 56.0
#define FLAME_BOTTOM 28.0
#define FLAME_MIN_PX 0.1
#define FLAME_CHAR_PX 7.0
#define FOLDED_SUFFIX ".folded"
/* Folded files larger than this are not drawn (a browser could not either). */
#define FOLDED_MAX (256u << 20)

struct fnode {
	char *name;
	unsigned long long n[2]; /* samples: [0] the base (a), [1] the graph's (b) */
	size_t *kids;
	size_t nkids, akids;
	size_t bench;            /* index of its benchmark frame (itself for one; 0 for the root) */
	/* layout */
	double x, w;
	int depth;
};

struct ftree {
	struct fnode *nodes;
	size_t n, alloc;
	int max_depth;
};

static void tree_clear(struct ftree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->nodes[i].name);
		free(t->nodes[i].kids);
	}
	free(t->nodes);
}

/* The child of parent called name (len bytes), made when missing. */
static ssize_t tree_child(struct ftree *t, size_t parent, const char *name, size_t len)
{
	struct fnode *p = &t->nodes[parent];
	size_t idx, bench;
	int depth;

	for (size_t i = 0; i < p->nkids; i++) {
		struct fnode *k = &t->nodes[p->kids[i]];

		if (strlen(k->name) == len && memcmp(k->name, name, len) == 0)
			return (ssize_t)p->kids[i];
	}
	if (ALLOC_GROW(p->kids, p->nkids + 1, p->akids) || ALLOC_GROW(t->nodes, t->n + 1, t->alloc))
		return -ENOMEM;
	p = &t->nodes[parent]; /* moved with the array */
	idx = t->n;
	depth = p->depth + 1;
	bench = parent == 0 ? idx : p->bench;
	t->nodes[idx] = (struct fnode){.depth = depth, .bench = bench};
	if (!(t->nodes[idx].name = strndup(name, len)))
		return -ENOMEM;
	t->n++;
	p->kids[p->nkids++] = idx;
	if (depth > t->max_depth)
		t->max_depth = depth;
	return (ssize_t)idx;
}

/* Adds one folded text's stacks under the benchmark frame called bench. */
static int tree_add(struct ftree *t, int side, const char *bench, const char *text)
{
	ssize_t b = tree_child(t, 0, bench, strlen(bench));

	if (b < 0)
		return (int)b;
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n'), *end = nl ? nl : line + strlen(line);
		const char *sp = end, *p;
		unsigned long long count;
		char *stop;
		size_t cur = (size_t)b;

		while (sp > line && sp[-1] != ' ')
			sp--;
		if (sp > line + 1 && sp < end && (count = strtoull(sp, &stop, 10), stop == end ||
						  *stop == '\r') && count > 0) {
			t->nodes[0].n[side] += count;
			t->nodes[b].n[side] += count;
			for (p = line; p < sp - 1;) {
				const char *semi = memchr(p, ';', (size_t)(sp - 1 - p));
				size_t len = semi ? (size_t)(semi - p) : (size_t)(sp - 1 - p);
				ssize_t k = tree_child(t, cur, p, len);

				if (k < 0)
					return (int)k;
				t->nodes[k].n[side] += count;
				cur = (size_t)k;
				p += len + (semi ? 1 : 0);
			}
		}
		line = nl ? nl + 1 : end;
	}
	return 0;
}

static int tree_init(struct ftree *t)
{
	memset(t, 0, sizeof(*t));
	if (ALLOC_GROW(t->nodes, 1, t->alloc))
		return -ENOMEM;
	t->nodes[0] = (struct fnode){.name = strdup("all")};
	t->n = 1;
	return t->nodes[0].name ? 0 : -ENOMEM;
}

/* x and w of every frame from the graph's samples (n[1]), children in
 * the order sort_kids put them. */
static void layout(struct ftree *t, size_t i, double x, double scale)
{
	struct fnode *f = &t->nodes[i];

	f->x = x;
	f->w = (double)f->n[1] * scale;
	for (size_t k = 0; k < f->nkids; k++) {
		struct fnode *c = &t->nodes[f->kids[k]];

		layout(t, f->kids[k], x, scale);
		x += c->w;
	}
}

/* qsort's comparison has no context: the tree being sorted, per thread
 * (the file system renders on several). */
static _Thread_local const struct ftree *tls_tree;

static int kid_cmp_tls(const void *a, const void *b)
{
	return strcmp(tls_tree->nodes[*(const size_t *)a].name,
		      tls_tree->nodes[*(const size_t *)b].name);
}

static void sort_kids(struct ftree *t)
{
	tls_tree = t;
	for (size_t i = 0; i < t->n; i++)
		if (t->nodes[i].nkids > 1)
			qsort(t->nodes[i].kids, t->nodes[i].nkids, sizeof(size_t), kid_cmp_tls);
	tls_tree = NULL;
}

/* Text for XML: escaped, control bytes and bytes that are not UTF-8 made '?'. */
static void add_xml(struct strbuf *sb, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		unsigned c = *p;
		size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
		bool ok = n > 0 && p + n <= end;

		for (size_t k = 1; ok && k < n; k++)
			ok = (p[k] & 0xc0) == 0x80;
		if (!ok || (n == 1 && c < 0x20 && c != '\t')) {
			strbuf_addch(sb, '?');
			p++;
			continue;
		}
		if (n > 1) {
			strbuf_add(sb, p, n);
		} else if (c == '&') {
			strbuf_addstr(sb, "&amp;");
		} else if (c == '<') {
			strbuf_addstr(sb, "&lt;");
		} else if (c == '>') {
			strbuf_addstr(sb, "&gt;");
		} else if (c == '"') {
			strbuf_addstr(sb, "&quot;");
		} else if (c == '\'') {
			strbuf_addstr(sb, "&#39;");
		} else {
			strbuf_addch(sb, (char)c);
		}
		p += n;
	}
}

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* flamegraph.pl's "hot" palette, from the name instead of at random. */
static void hot_colour(char *buf, size_t size, const char *name)
{
	uint32_t h = name_hash(name);
	double v1 = (h & 0xff) / 255.0, v2 = ((h >> 8) & 0xff) / 255.0, v3 = ((h >> 16) & 0xff) / 255.0;

	snprintf(buf, size, "rgb(%d,%d,%d)", 205 + (int)(50 * v3), (int)(230 * v1), (int)(55 * v2));
}

/* Share of a frame in percent for side: over its benchmark's samples. */
static double share(const struct ftree *t, size_t i, int side)
{
	unsigned long long total = t->nodes[i == 0 ? 0 : t->nodes[i].bench].n[side];

	return total ? 100.0 * (double)t->nodes[i].n[side] / (double)total : 0;
}

static const char flame_script[] =
	"var W=" "1200" ",XP=10,frames=[],zoomed=null,details,matchedtxt;\n"
	"function num(g,a){return parseFloat(g.getAttribute(a));}\n"
	"function label(g,w){var t=g.querySelector('text'),n=g.getAttribute('data-name');"
	"var c=Math.floor((w-6)/7);t.textContent=c<3?'':(n.length<=c?n:n.substring(0,c-2)+'..');}\n"
	"function place(g,x,w,show){var r=g.querySelector('rect'),t=g.querySelector('text');"
	"g.style.display=show?'':'none';if(!show)return;r.setAttribute('x',x.toFixed(2));"
	"r.setAttribute('width',w.toFixed(2));t.setAttribute('x',(x+3).toFixed(2));label(g,w);}\n"
	"function zoom(g){var x0=num(g,'data-x'),w0=num(g,'data-w'),d=num(g,'data-depth');"
	"var s=(W-2*XP)/w0;zoomed=g;document.getElementById('unzoom').style.opacity=1;"
	"frames.forEach(function(f){var fx=num(f,'data-x'),fw=num(f,'data-w'),fd=num(f,'data-depth');"
	"if(fd<d){var anc=fx<=x0+1e-6&&fx+fw>=x0+w0-1e-6;place(f,XP,W-2*XP,anc);f.style.opacity=anc?0.6:1;}"
	"else{var inside=fx>=x0-1e-6&&fx+fw<=x0+w0+1e-6;f.style.opacity=1;"
	"place(f,XP+(fx-x0)*s,fw*s,inside&&fw*s>=0.1);}});}\n"
	"function unzoom(){zoomed=null;document.getElementById('unzoom').style.opacity=0;"
	"frames.forEach(function(f){f.style.opacity=1;place(f,num(f,'data-x'),num(f,'data-w'),true);});}\n"
	"function search(){var term=prompt('Search (regular expression)','');if(term===null)return;"
	"reset();if(term==='')return;var re;try{re=new RegExp(term);}catch(e){alert(e);return;}"
	"var hits=[];frames.forEach(function(f){if(re.test(f.getAttribute('data-name'))){"
	"var r=f.querySelector('rect');r.setAttribute('data-fill',r.getAttribute('fill'));"
	"r.setAttribute('fill','rgb(230,0,230)');hits.push(f);}});"
	"hits.sort(function(a,b){return num(a,'data-depth')-num(b,'data-depth');});"
	"var spans=[],sum=0;hits.forEach(function(f){var x=num(f,'data-x'),w=num(f,'data-w');"
	"if(num(f,'data-depth')<2)return;"
	"if(spans.some(function(s){return x>=s[0]-1e-6&&x+w<=s[1]+1e-6;}))return;spans.push([x,x+w]);sum+=w;});"
	"matchedtxt.textContent='Matched: '+(100*sum/(W-2*XP)).toFixed(1)+'% of all samples';}\n"
	"function reset(){frames.forEach(function(f){var r=f.querySelector('rect');"
	"if(r.hasAttribute('data-fill')){r.setAttribute('fill',r.getAttribute('data-fill'));"
	"r.removeAttribute('data-fill');}});matchedtxt.textContent='';}\n"
	"window.addEventListener('load',function(){details=document.getElementById('details');"
	"matchedtxt=document.getElementById('matched');"
	"frames=Array.prototype.slice.call(document.querySelectorAll('g.f'));"
	"frames.forEach(function(f){f.addEventListener('click',function(){zoom(f);});"
	"f.addEventListener('mouseover',function(){details.textContent=f.querySelector('title').textContent;});"
	"f.addEventListener('mouseout',function(){details.textContent=' ';});});"
	"document.getElementById('unzoom').addEventListener('click',unzoom);"
	"document.getElementById('search').addEventListener('click',search);"
	"document.addEventListener('keydown',function(e){if(e.key==='Escape')unzoom();"
	"if((e.ctrlKey||e.metaKey)&&e.key==='f'){e.preventDefault();search();}});});\n";

static void svg_head(struct strbuf *sb, const char *title, double height, bool diff)
{
	strbuf_addf(sb, "<?xml version=\"1.0\" standalone=\"no\"?>\n"
		    "<svg version=\"1.1\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\""
		    " xmlns=\"http://www.w3.org/2000/svg\">\n", FLAME_WIDTH, height, FLAME_WIDTH, height);
	strbuf_addstr(sb, "<style>text{font-family:Verdana,sans-serif;font-size:12px;fill:#000}"
		      "g.f text{pointer-events:none}g.f:hover rect{stroke:#000;stroke-width:0.5}"
		      "#unzoom,#search{cursor:pointer}</style>\n");
	strbuf_addf(sb, "<script type=\"text/ecmascript\"><![CDATA[\n%s]]></script>\n", flame_script);
	strbuf_addf(sb, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#f8f8f0\"/>\n",
		    FLAME_WIDTH, height);
	strbuf_addf(sb, "<text x=\"%.0f\" y=\"24\" text-anchor=\"middle\" style=\"font-size:17px\">",
		    FLAME_WIDTH / 2);
	add_xml(sb, title, strlen(title));
	strbuf_addstr(sb, "</text>\n");
	if (diff)
		strbuf_addf(sb, "<text x=\"%.0f\" y=\"42\" text-anchor=\"middle\">width: samples of b;"
			    " colour: change of share from a to b (red grew, blue shrank)</text>\n",
			    FLAME_WIDTH / 2);
	strbuf_addf(sb, "<text id=\"unzoom\" x=\"%.0f\" y=\"24\" style=\"opacity:0\">Reset Zoom</text>\n"
		    "<text id=\"search\" x=\"%.0f\" y=\"24\">Search</text>\n"
		    "<text id=\"matched\" x=\"%.0f\" y=\"%.0f\"> </text>\n"
		    "<text id=\"details\" x=\"%.0f\" y=\"%.0f\"> </text>\n",
		    FLAME_XPAD, FLAME_WIDTH - FLAME_XPAD - 50, FLAME_WIDTH - FLAME_XPAD - 220,
		    height - 10, FLAME_XPAD, height - 10);
}

static void frame_svg(struct strbuf *sb, const struct ftree *t, size_t i, double height, bool diff,
		      double max_delta)
{
	const struct fnode *f = &t->nodes[i];
	double y = height - FLAME_BOTTOM - (f->depth + 1) * FLAME_FRAME;
	char fill[40];
	int chars = (int)((f->w - 6) / FLAME_CHAR_PX);
	size_t len = strlen(f->name);

	strbuf_addf(sb, "<g class=\"f\" data-depth=\"%d\" data-x=\"%.3f\" data-w=\"%.3f\""
		    " data-samples=\"%llu\" data-share=\"%.4f\" data-name=\"", f->depth, f->x, f->w,
		    f->n[1], share(t, i, 1));
	add_xml(sb, f->name, len);
	strbuf_addch(sb, '"');
	if (diff) {
		double a = share(t, i, 0), b = share(t, i, 1), d = b - a;
		int k = max_delta > 0 ? (int)lround(210.0 * fabs(d) / max_delta) : 0;

		strbuf_addf(sb, " data-share-a=\"%.4f\" data-share-b=\"%.4f\" data-delta=\"%.4f\""
			    " data-samples-a=\"%llu\">", a, b, d, f->n[0]);
		if (d > 0)
			snprintf(fill, sizeof(fill), "rgb(255,%d,%d)", 255 - k, 255 - k);
		else if (d < 0)
			snprintf(fill, sizeof(fill), "rgb(%d,%d,255)", 255 - k, 255 - k);
		else
			snprintf(fill, sizeof(fill), "rgb(250,250,250)");
		strbuf_addstr(sb, "<title>");
		add_xml(sb, f->name, len);
		strbuf_addf(sb, " (b: %llu samples, %.2f%%; a: %llu samples, %.2f%%; %+.2f pp)</title>",
			    f->n[1], b, f->n[0], a, d);
	} else {
		hot_colour(fill, sizeof(fill), f->name);
		strbuf_addstr(sb, "><title>");
		add_xml(sb, f->name, len);
		strbuf_addf(sb, " (%llu samples, %.2f%%)</title>", f->n[1], share(t, i, 1));
	}
	strbuf_addf(sb, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" rx=\"2\""
		    " fill=\"%s\"/><text x=\"%.2f\" y=\"%.1f\">", f->x, y, f->w, FLAME_FRAME - 1, fill,
		    f->x + 3, y + FLAME_FRAME - 5);
	if (chars >= 3) {
		if ((size_t)chars >= len) {
			add_xml(sb, f->name, len);
		} else {
			/* Cut on a character boundary. */
			size_t cut = (size_t)chars - 2;

			while (cut > 0 && ((unsigned char)f->name[cut] & 0xc0) == 0x80)
				cut--;
			add_xml(sb, f->name, cut);
			strbuf_addstr(sb, "..");
		}
	}
	strbuf_addstr(sb, "</text></g>\n");
}

static void frames_svg(struct strbuf *sb, const struct ftree *t, size_t i, double height,
		       bool diff, double max_delta)
{
	const struct fnode *f = &t->nodes[i];

	if (f->w < FLAME_MIN_PX)
		return;
	frame_svg(sb, t, i, height, diff, max_delta);
	for (size_t k = 0; k < f->nkids; k++)
		frames_svg(sb, t, f->kids[k], height, diff, max_delta);
}

static double max_delta_of(const struct ftree *t)
{
	double m = 0;

	for (size_t i = 0; i < t->n; i++)
		if (t->nodes[i].w >= FLAME_MIN_PX && fabs(share(t, i, 1) - share(t, i, 0)) > m)
			m = fabs(share(t, i, 1) - share(t, i, 0));
	return m;
}

int flame_svg(char **out, size_t *len, const char *title, const char *const *names,
	      const char *const *texts, size_t n, const char *const *base_names,
	      const char *const *base, size_t nbase)
{
	struct strbuf sb = STRBUF_INIT;
	struct ftree t;
	double height;
	int rc;

	if ((rc = tree_init(&t)))
		goto done;
	for (size_t i = 0; i < n; i++)
		if ((rc = tree_add(&t, 1, names[i], texts[i])))
			goto done;
	for (size_t i = 0; base && i < nbase; i++)
		if ((rc = tree_add(&t, 0, base_names[i], base[i])))
			goto done;
	if (t.nodes[0].n[1] == 0) {
		rc = -ENOENT;
		goto done;
	}
	sort_kids(&t);
	layout(&t, 0, FLAME_XPAD, (FLAME_WIDTH - 2 * FLAME_XPAD) / (double)t.nodes[0].n[1]);
	height = FLAME_TOP + FLAME_BOTTOM + (t.max_depth + 1) * FLAME_FRAME;
	svg_head(&sb, title, height, base != NULL);
	frames_svg(&sb, &t, 0, height, base != NULL, base ? max_delta_of(&t) : 0);
	strbuf_addstr(&sb, "</svg>\n");
	if (!(*out = strbuf_detach(&sb, len)))
		rc = -ENOMEM;
done:
	strbuf_release(&sb);
	tree_clear(&t);
	return rc;
}

/* ---- a run's folded files ---- */

struct folded_set {
	char **names; /* benchmark names */
	char **texts;
	size_t n;
};

static void folded_clear(struct folded_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->names[i]);
		free(s->texts[i]);
	}
	free(s->names);
	free(s->texts);
	memset(s, 0, sizeof(*s));
}

static int read_text(char **out, const char *path)
{
	FILE *f = fopen(path, "re");
	struct strbuf sb = STRBUF_INIT;
	char buf[65536];
	size_t got;

	if (!f)
		return -errno;
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0 && sb.len < FOLDED_MAX)
		strbuf_add(&sb, buf, got);
	fclose(f);
	if (sb.len >= FOLDED_MAX) {
		strbuf_release(&sb);
		return -EFBIG;
	}
	return (*out = strbuf_detach(&sb, NULL)) ? 0 : -ENOMEM;
}

/* The name of the one profiled benchmark of a run (its perf.folded), from
 * the run's normalised configuration; "perf" when it cannot be told. */
static char *single_bench_name(const struct view_ctx *ctx, int64_t run_id)
{
	struct store_run run;
	json_object *root = NULL, *benches, *b, *profile, *perf, *name;
	char *result = NULL;

	if (store_run_get(ctx->store, &run, run_id) == STORE_OK) {
		if (run.config)
			root = json_tokener_parse(run.config);
		store_run_clear(&run);
	}
	if (root && json_object_object_get_ex(root, "benchmarks", &benches) &&
	    json_object_is_type(benches, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(benches) && !result; i++) {
			b = json_object_array_get_idx(benches, i);
			if (json_object_object_get_ex(b, "profile", &profile) &&
			    json_object_object_get_ex(profile, "perf", &perf) &&
			    json_object_get_boolean(perf) && json_object_object_get_ex(b, "name", &name))
				result = strdup(json_object_get_string(name));
		}
	}
	json_object_put(root);
	return result ? result : strdup("perf");
}

static int folded_load(struct folded_set *out, const struct view_ctx *ctx, int64_t run_id,
		       bool names_only)
{
	struct run_files_place place;
	char path[4400];
	struct dirent **ents = NULL;
	int count, rc = 0;
	size_t alloc = 0, alloc2 = 0;

	memset(out, 0, sizeof(*out));
	/* This machine's run's, or its copy of another's from the store. */
	if (run_files_place(&place, ctx, run_id))
		return -ENOENT;
	if ((count = scandir(place.dir, &ents, NULL, alphasort)) < 0)
		return -ENOENT;
	for (int i = 0; i < count; i++) {
		const char *d = ents[i]->d_name;
		size_t len = strlen(d), slen = strlen(FOLDED_SUFFIX);
		char *name = NULL, *text = NULL;

		/* perf.folded, or perf.<bench>.folded with several profiled */
		if (rc || ents[i]->d_type != DT_REG || len < 4 + slen || strncmp(d, "perf", 4) != 0 ||
		    strcmp(d + len - slen, FOLDED_SUFFIX) != 0 ||
		    (len > 4 + slen && (d[4] != '.' || len == 5 + slen)))
			goto next;
		if (strcmp(d, "perf" FOLDED_SUFFIX) == 0)
			name = single_bench_name(ctx, run_id);
		else
			name = strndup(d + 5, len - 5 - slen);
		if (!name) {
			rc = -ENOMEM;
			goto next;
		}
		snprintf(path, sizeof(path), "%s/%s", place.dir, d);
		if (!names_only && (rc = read_text(&text, path))) {
			free(name);
			goto next;
		}
		if (ALLOC_GROW(out->names, out->n + 1, alloc) ||
		    ALLOC_GROW(out->texts, out->n + 1, alloc2)) {
			free(name);
			free(text);
			rc = -ENOMEM;
			goto next;
		}
		out->names[out->n] = name;
		out->texts[out->n++] = text;
next:
		free(ents[i]);
	}
	free(ents);
	if (!rc && out->n == 0)
		rc = -ENOENT;
	if (rc)
		folded_clear(out);
	return rc;
}

bool flame_run_has(const struct view_ctx *ctx, int64_t run_id)
{
	struct folded_set s;

	if (folded_load(&s, ctx, run_id, true))
		return false;
	folded_clear(&s);
	return true;
}

int flame_run_render(char **out, size_t *len, const struct view_ctx *ctx, int64_t run_id)
{
	struct folded_set s;
	char title[128];
	int rc;

	if ((rc = folded_load(&s, ctx, run_id, false)))
		return rc;
	snprintf(title, sizeof(title), "Flame graph of run %06lld", (long long)run_id);
	rc = flame_svg(out, len, title, (const char *const *)s.names, (const char *const *)s.texts,
		       s.n, NULL, NULL, 0);
	folded_clear(&s);
	return rc;
}

int flame_compare_name(char **stem, const char *name)
{
	static const char suffix[] = ".flame.svg";
	size_t len = strlen(name), slen = sizeof(suffix) - 1;

	if (len <= slen || strcmp(name + len - slen, suffix) != 0 || !strstr(name, ".."))
		return -ENOENT;
	if (asprintf(stem, "%.*s.md", (int)(len - slen), name) < 0) {
		*stem = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int newest_profiled(int64_t *out, const struct view_ctx *ctx, const struct side *side)
{
	for (size_t i = side->nruns; i-- > 0;) {
		if (flame_run_has(ctx, side->runs[i])) {
			*out = side->runs[i];
			return 0;
		}
	}
	return -ENOENT;
}

int flame_compare_runs(int64_t *run_a, int64_t *run_b, const struct view_ctx *ctx,
		       const char *a_name, const char *b_name)
{
	struct side a = {0}, b = {0};
	int rc;

	if ((rc = side_resolve(&a.ref, ctx, a_name)) || (rc = side_resolve(&b.ref, ctx, b_name)) ||
	    (rc = side_set_rev(&a, a_name)) || (rc = side_set_rev(&b, b_name)) ||
	    (rc = sides_find(&a, &b, ctx)) || (rc = newest_profiled(run_a, ctx, &a)) ||
	    (rc = newest_profiled(run_b, ctx, &b)))
		goto done;
done:
	side_clear(&a);
	side_clear(&b);
	return rc;
}

int flame_compare_render(char **out, size_t *len, const struct view_ctx *ctx, const char *a_name,
			 int64_t run_a, const char *b_name, int64_t run_b)
{
	struct folded_set a, b;
	char *title = NULL;
	int rc;

	if ((rc = folded_load(&a, ctx, run_a, false)))
		return rc;
	if ((rc = folded_load(&b, ctx, run_b, false))) {
		folded_clear(&a);
		return rc;
	}
	if (asprintf(&title, "Differential flame graph: %s (run %06lld) .. %s (run %06lld)", a_name,
		     (long long)run_a, b_name, (long long)run_b) < 0) {
		title = NULL;
		rc = -ENOMEM;
	} else {
		rc = flame_svg(out, len, title, (const char *const *)b.names,
			       (const char *const *)b.texts, b.n, (const char *const *)a.names,
			       (const char *const *)a.texts, a.n);
	}
	free(title);
	folded_clear(&a);
	folded_clear(&b);
	return rc;
}
