/* result.json packed for storage (result_pack.h). A blob is one kind byte
 * ('T': the text itself; 'P': a template whose arrays are references), the
 * payload's length (4 bytes, little-endian) and the payload compressed by
 * zlib. A reference is \x01, the array's letter, the benchmark's name and
 * \x02 in place of the array from '[' to ']': JSON text never holds those
 * raw control bytes, and a text that does is stored as 'T'. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "store/result_pack.h"
#include "util/strbuf.h"

#define REF_START '\x01'
#define REF_END '\x02'
#define HEADER_LEN 5

/* The arrays runner/result.c writes per benchmark, one letter each. */
static const struct {
	char letter;
	const char *key; /* the line that opens the array, after its indent */
} arrays[] = {
	{'t', "\"times\": ["},
	{'u', "\"user_times\": ["},
	{'s', "\"system_times\": ["},
	{'m', "\"memory_usage_byte\": ["},
	{'e', "\"exit_codes\": ["},
};

static const struct result_pack_series *series_find(const struct result_pack_series *series,
						    size_t nseries, const char *name, size_t len)
{
	for (size_t i = 0; i < nseries; i++)
		if (strlen(series[i].benchmark) == len && memcmp(series[i].benchmark, name, len) == 0)
			return &series[i];
	return NULL;
}

/* One value as runner/result.c writes it: seconds with %.9f of the
 * nanoseconds / 1e9 (json_seconds), bytes and hyperfine's exit code (the
 * status, or 128 + the signal) as integers. */
static void render_value(struct strbuf *out, char letter, const struct store_iteration *it)
{
	switch (letter) {
	case 't':
		strbuf_addf(out, "%.9f", (double)it->wall_ns / 1e9);
		break;
	case 'u':
		strbuf_addf(out, "%.9f", (double)it->user_ns / 1e9);
		break;
	case 's':
		strbuf_addf(out, "%.9f", (double)it->sys_ns / 1e9);
		break;
	case 'm':
		strbuf_addf(out, "%" PRId64, it->maxrss_bytes);
		break;
	default:
		strbuf_addf(out, "%d", it->term_signal > 0 ? 128 + it->term_signal : it->exit_code);
		break;
	}
}

static void add_spaces(struct strbuf *out, size_t n)
{
	while (n--)
		strbuf_addch(out, ' ');
}

/* The array as json-c writes it pretty (JSON_C_TO_STRING_PRETTY, two
 * spaces a level), its key's line indented by indent. */
static void render_array(struct strbuf *out, char letter, const struct result_pack_series *s,
			 size_t indent)
{
	strbuf_addstr(out, "[\n");
	for (size_t i = 0; i < s->n; i++) {
		add_spaces(out, indent + 2);
		render_value(out, letter, &s->its[i]);
		strbuf_addstr(out, i + 1 < s->n ? ",\n" : "\n");
	}
	add_spaces(out, indent);
	strbuf_addch(out, ']');
}

/* The template with every reference replaced by its array. */
static int expand(struct strbuf *out, const char *t, size_t len,
		  const struct result_pack_series *series, size_t nseries)
{
	size_t i = 0;
	while (i < len) {
		const char *ref = memchr(t + i, REF_START, len - i), *name, *end;
		const struct result_pack_series *s;
		size_t line, indent = 0;
		if (!ref) {
			strbuf_add(out, t + i, len - i);
			break;
		}
		strbuf_add(out, t + i, (size_t)(ref - (t + i)));
		if ((size_t)(ref - t) + 2 >= len)
			return -EINVAL;
		if (!strchr("tusme", ref[1]) || ref[1] == '\0')
			return -EINVAL;
		name = ref + 2;
		if (!(end = memchr(name, REF_END, len - (size_t)(name - t))) ||
		    !(s = series_find(series, nseries, name, (size_t)(end - name))))
			return -EINVAL;
		/* The indent of the key's line: the output's last line so far. */
		for (line = out->len; line > 0 && out->buf[line - 1] != '\n'; line--)
			;
		while (line + indent < out->len && out->buf[line + indent] == ' ')
			indent++;
		render_array(out, ref[1], s, indent);
		i = (size_t)(end - t) + 1;
	}
	return strbuf_error(out);
}

/* The name of the benchmark whose object holds an array whose key line
 * (indented by indent) ends at `from`: its "name" key at the same indent,
 * which runner/result.c writes after "times" and before "user_times" (so
 * the nearest one after, or before when backward). NULL when none or
 * escaped. Which object it belongs to is not checked: the array rendered
 * from that name's iterations must equal the text, byte for byte. */
static const char *name_near(size_t *name_len, const char *text, size_t len, size_t from,
			     size_t indent, bool backward)
{
	static const char key[] = "\"name\": \"";
	for (size_t k = 0; k <= (backward ? from : len - from); k++) {
		size_t i = backward ? from - k : from + k, spaces = 0;
		const char *p = text + i, *name, *q;
		if (i + 1 + indent + sizeof(key) - 1 >= len || *p != '\n')
			continue;
		p++;
		while (spaces <= indent && p[spaces] == ' ')
			spaces++;
		if (spaces != indent || memcmp(p + indent, key, sizeof(key) - 1) != 0)
			continue;
		name = p + indent + sizeof(key) - 1;
		for (q = name; q < text + len && *q != '"'; q++)
			if (*q == '\\' || *q == '\n')
				return NULL;
		if (q == text + len)
			return NULL;
		*name_len = (size_t)(q - name);
		return name;
	}
	return NULL;
}

/* The text with every array the series give exactly replaced by a reference. */
static int make_template(struct strbuf *out, const char *text, size_t len,
			 const struct result_pack_series *series, size_t nseries)
{
	struct strbuf array = STRBUF_INIT;
	size_t i = 0;
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len, indent = 0, at;
		bool cut = false;
		while (i + indent < end && text[i + indent] == ' ')
			indent++;
		at = i + indent;
		for (size_t k = 0; k < sizeof(arrays) / sizeof(arrays[0]) && nl && !cut; k++) {
			size_t klen = strlen(arrays[k].key);
			if (end - at != klen || memcmp(text + at, arrays[k].key, klen) != 0)
				continue;
			for (int backward = 0; backward < 2 && !cut; backward++) {
				size_t name_len = 0;
				const char *name = name_near(&name_len, text, len, end, indent, backward);
				const struct result_pack_series *s =
					name ? series_find(series, nseries, name, name_len) : NULL;
				if (!s || s->n == 0)
					continue;
				strbuf_reset(&array);
				render_array(&array, arrays[k].letter, s, indent);
				if (strbuf_error(&array)) {
					int rc = strbuf_error(&array);
					strbuf_release(&array);
					return rc;
				}
				/* '[' ends the key's line: the array starts there. */
				if (len - (end - 1) < array.len ||
				    memcmp(text + end - 1, array.buf, array.len) != 0)
					continue;
				strbuf_add(out, text + i, end - 1 - i);
				strbuf_addch(out, REF_START);
				strbuf_addch(out, arrays[k].letter);
				strbuf_add(out, name, name_len);
				strbuf_addch(out, REF_END);
				i = end - 1 + array.len;
				cut = true;
			}
		}
		if (cut)
			continue;
		strbuf_add(out, text + i, (nl ? end + 1 : end) - i);
		i = nl ? end + 1 : end;
	}
	strbuf_release(&array);
	return strbuf_error(out);
}

static int compress_blob(unsigned char **blob, size_t *blob_len, char kind, const char *payload,
			 size_t len)
{
	uLongf zlen = compressBound((uLong)len);
	unsigned char *out = malloc(HEADER_LEN + zlen);
	if (!out)
		return -ENOMEM;
	out[0] = (unsigned char)kind;
	for (int b = 0; b < 4; b++)
		out[1 + b] = (unsigned char)(len >> (8 * b));
	if (compress2(out + HEADER_LEN, &zlen, (const Bytef *)payload, (uLong)len,
		      Z_BEST_COMPRESSION) != Z_OK) {
		free(out);
		return -ENOMEM;
	}
	*blob = out;
	*blob_len = HEADER_LEN + zlen;
	return 0;
}

int result_pack(unsigned char **blob, size_t *blob_len, const char *text, size_t len,
		const struct result_pack_series *series, size_t nseries)
{
	struct strbuf tmpl = STRBUF_INIT, back = STRBUF_INIT;
	int rc;
	*blob = NULL;
	*blob_len = 0;
	if (len > UINT32_MAX)
		return -EOVERFLOW;
	if (nseries == 0 || memchr(text, REF_START, len) || memchr(text, REF_END, len))
		return compress_blob(blob, blob_len, 'T', text, len);
	if ((rc = make_template(&tmpl, text, len, series, nseries)))
		goto done;
	/* Checked whole, not just array by array: what is stored must read back. */
	if ((rc = expand(&back, tmpl.buf, tmpl.len, series, nseries)) && rc != -EINVAL)
		goto done;
	if (rc == 0 && back.len == len && memcmp(back.buf, text, len) == 0 && tmpl.len < len)
		rc = compress_blob(blob, blob_len, 'P', tmpl.buf, tmpl.len);
	else
		rc = compress_blob(blob, blob_len, 'T', text, len);
done:
	strbuf_release(&tmpl);
	strbuf_release(&back);
	return rc;
}

bool result_pack_uses_series(const unsigned char *blob, size_t blob_len)
{
	return blob_len >= HEADER_LEN && blob[0] == 'P';
}

int result_unpack(char **text, size_t *len, const unsigned char *blob, size_t blob_len,
		  const struct result_pack_series *series, size_t nseries)
{
	struct strbuf out = STRBUF_INIT;
	uLongf plen = 0;
	size_t want = 0;
	char *payload;
	int rc = 0;
	*text = NULL;
	if (len)
		*len = 0;
	if (blob_len < HEADER_LEN || (blob[0] != 'T' && blob[0] != 'P'))
		return -EINVAL;
	for (int b = 0; b < 4; b++)
		want |= (size_t)blob[1 + b] << (8 * b);
	if (!(payload = malloc(want + 1)))
		return -ENOMEM;
	plen = (uLongf)want;
	if (uncompress((Bytef *)payload, &plen, blob + HEADER_LEN, (uLong)(blob_len - HEADER_LEN)) !=
		    Z_OK ||
	    plen != want) {
		free(payload);
		return -EINVAL;
	}
	payload[want] = '\0';
	if (blob[0] == 'T') {
		*text = payload;
		if (len)
			*len = want;
		return 0;
	}
	strbuf_grow(&out, want * 4);
	rc = expand(&out, payload, want, series, nseries);
	free(payload);
	if (rc) {
		strbuf_release(&out);
		return rc;
	}
	if (!(*text = strbuf_detach(&out, len)))
		return -ENOMEM;
	return 0;
}
