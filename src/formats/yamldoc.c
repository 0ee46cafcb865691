/* yamldoc.c — YAML streams of flat mappings, written with libyaml's
 * emitter and read with its parser or, for the plain documents winnow writes
 * itself, with a reader of its own (yamldoc.h). */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <yaml.h>

#include "yamldoc.h"

#define BINARY_TAG "tag:yaml.org,2002:binary"

/* A character libyaml takes inside a double-quoted scalar as itself, and
 * writes there as itself: a printable one in its sense (U+0020 to U+007E,
 * U+00A0 to U+FFFD less surrogates, the BOM, U+FFFE), not a line break
 * (U+2028, U+2029), in well-formed UTF-8. libyaml escapes anything above
 * U+FFFF, so such a value goes through libyaml. Returns its length in
 * bytes, or 0. */
static size_t
printable_at(const unsigned char *p, const unsigned char *end)
{
	uint32_t cp;
	size_t n;

	if (*p < 0x80)
		return *p >= 0x20 && *p < 0x7f ? 1 : 0;
	n = utf8_decode(p, (size_t)(end - p), &cp);
	if (n == 0 || n == 4 || cp < 0xa0 || cp == 0x2028 || cp == 0x2029 ||
	    cp == 0xfeff || cp == 0xfffe || cp == 0xffff)
		return 0;
	return n;
}

static int
is_key_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static int
is_plain_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '_' || c == '.' || c == '/' || c == ':' || c == '+' || c == '-';
}

/* ---- writing ---- */

/* One key and value of the document being written. */
struct ypair {
	const char *key;
	char *value;            /* a copy */
	size_t len;
	const char *tag;        /* NULL, or BINARY_TAG */
	yaml_scalar_style_t style;
};

struct yout {
	yaml_emitter_t emitter;
	struct buf *out;
	struct ypair *pairs;    /* the document being written, held to its end */
	size_t npairs, cappairs;
};

static int
yout_write(void *data, unsigned char *p, size_t n)
{
	buf_add(data, p, n);
	return 1;
}

/* The emitter fails only on events it cannot write, which would be a bug
 * here (invalid UTF-8 is sent as !!binary): abort rather than write a
 * journal that cannot be read back. */
static void
yout_emit(struct yout *y, yaml_event_t *ev)
{
	if (!yaml_emitter_emit(&y->emitter, ev))
		die("YAML emitter: %s", y->emitter.problem ? y->emitter.problem : "failed");
}

struct yout *
yout_new(struct buf *out)
{
	struct yout *y = xcalloc(1, sizeof *y);
	yaml_event_t ev;

	y->out = out;
	if (!yaml_emitter_initialize(&y->emitter))
		die("out of memory");
	yaml_emitter_set_output(&y->emitter, yout_write, out);
	yaml_emitter_set_unicode(&y->emitter, 1);
	/* One line a value: never folded, so grep and diff see whole values. */
	yaml_emitter_set_width(&y->emitter, -1);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	yout_emit(y, &ev);
	return y;
}

void
yout_doc_start(struct yout *y)
{
	y->npairs = 0;
}

/* Would libyaml write this pair just as "key: value" (plain) or
 * "key: \"value\"" (double-quoted)? Then it can be written without it:
 * keys of [a-z0-9_-], plain values of the characters simple_line reads
 * plain (not starting with '.', which could be "..."), quoted values of
 * printable characters without '"' or '\\'. */
static int
pair_is_simple(const struct ypair *pr)
{
	const char *k = pr->key, *v = pr->value, *end = v + pr->len;
	size_t n;

	if (pr->tag != NULL || *k < 'a' || *k > 'z')
		return 0;
	for (; *k; k++)
		if (!is_key_char((unsigned char)*k))
			return 0;
	if (pr->style == YAML_DOUBLE_QUOTED_SCALAR_STYLE) {
		for (; v < end; v += n)
			if (*v == '"' || *v == '\\' || (n = printable_at((const unsigned char *)v,
			    (const unsigned char *)end)) == 0)
				return 0;
		return 1;
	}
	if (pr->len == 0 || *v == '-' || *v == ':' || *v == '+' || *v == '.' ||
	    end[-1] == ':')
		return 0;
	for (; v < end; v++)
		if (!is_plain_char((unsigned char)*v))
			return 0;
	return 1;
}

static void
yout_scalar(struct yout *y, const char *tag, const char *value, size_t len,
    yaml_scalar_style_t style)
{
	yaml_event_t ev;
	if (len > INT_MAX)
		die("a value of %zu bytes is too long for the journal", len);
	yaml_scalar_event_initialize(&ev, NULL, (yaml_char_t *)tag, (yaml_char_t *)value,
	    (int)len, tag == NULL, tag == NULL, style);
	yout_emit(y, &ev);
}

/* Write the document: directly when every pair is simple (a record of
 * 100,000 moves in a twentieth of the time), else through libyaml. The
 * bytes are the same either way. */
void
yout_doc_end(struct yout *y)
{
	yaml_event_t ev;
	size_t i;
	int simple = 1;

	for (i = 0; i < y->npairs && simple; i++)
		simple = pair_is_simple(&y->pairs[i]);
	if (simple) {
		buf_add(y->out, "---\n", 4);
		for (i = 0; i < y->npairs; i++) {
			const struct ypair *pr = &y->pairs[i];
			int quoted = pr->style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
			buf_adds(y->out, pr->key);
			buf_add(y->out, quoted ? ": \"" : ": ", quoted ? 3 : 2);
			buf_add(y->out, pr->value, pr->len);
			buf_add(y->out, quoted ? "\"\n" : "\n", quoted ? 2 : 1);
		}
		buf_add(y->out, "...\n", 4);
	} else {
		yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 0);
		yout_emit(y, &ev);
		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
		    YAML_BLOCK_MAPPING_STYLE);
		yout_emit(y, &ev);
		for (i = 0; i < y->npairs; i++) {
			const struct ypair *pr = &y->pairs[i];
			yout_scalar(y, NULL, pr->key, strlen(pr->key), YAML_PLAIN_SCALAR_STYLE);
			yout_scalar(y, pr->tag, pr->value, pr->len, pr->style);
		}
		yaml_mapping_end_event_initialize(&ev);
		yout_emit(y, &ev);
		yaml_document_end_event_initialize(&ev, 0);
		yout_emit(y, &ev);
		/* Each document reaches the buffer whole, so that a caller can
		 * write the buffer after any document. */
		yaml_emitter_flush(&y->emitter);
	}
	for (i = 0; i < y->npairs; i++)
		free(y->pairs[i].value);
	y->npairs = 0;
}

/* key is a string constant of the caller's, kept to the document's end. */
static void
yout_pair(struct yout *y, const char *key, const char *tag, const char *value, size_t len,
    yaml_scalar_style_t style)
{
	struct ypair *pr;
	y->pairs = xgrow(y->pairs, &y->cappairs, y->npairs + 1, sizeof *y->pairs);
	pr = &y->pairs[y->npairs++];
	pr->key = key;
	pr->value = xstrndup(value, len);
	pr->len = len;
	pr->tag = tag;
	pr->style = style;
}

void
yout_plain(struct yout *y, const char *key, const char *value)
{
	yout_pair(y, key, NULL, value, strlen(value), YAML_PLAIN_SCALAR_STYLE);
}

void
yout_string(struct yout *y, const char *key, const char *value)
{
	size_t n = strlen(value);
	if (utf8_valid(value, n)) {
		yout_pair(y, key, NULL, value, n, YAML_DOUBLE_QUOTED_SCALAR_STYLE);
	} else {
		gchar *b64 = g_base64_encode((const guchar *)value, n);
		yout_pair(y, key, BINARY_TAG, b64, strlen(b64), YAML_PLAIN_SCALAR_STYLE);
		g_free(b64);
	}
}

void
yout_uint(struct yout *y, const char *key, unsigned long value)
{
	char tmp[32];
	snprintf(tmp, sizeof tmp, "%lu", value);
	yout_plain(y, key, tmp);
}

void
yout_free(struct yout *y)
{
	yaml_event_t ev;
	yaml_stream_end_event_initialize(&ev);
	yout_emit(y, &ev);
	yaml_emitter_flush(&y->emitter);
	yaml_emitter_delete(&y->emitter);
	free(y->pairs);
	free(y);
}

/* ---- reading ---- */

const char *
ydoc_get(const struct ydoc *d, const char *key, size_t *line)
{
	size_t i;
	for (i = 0; i < d->n; i++)
		if (strcmp(d->key[i], key) == 0) {
			if (line)
				*line = d->vline[i];
			return d->value[i];
		}
	return NULL;
}

struct yread {
	const char *data;
	size_t len;
	/* A cursor for line → byte offset, moving forward as parsing does. */
	size_t cur_line, cur_off;
	struct ydoc doc;
	size_t capdoc;
	char *pending_key;
	size_t pending_line;
};

/* Byte offset of the start of 0-based line `line` (len past the end). */
static size_t
line_offset(struct yread *r, size_t line)
{
	const char *nl;
	if (line < r->cur_line) {
		r->cur_line = 0;
		r->cur_off = 0;
	}
	while (r->cur_line < line && r->cur_off < r->len) {
		nl = memchr(r->data + r->cur_off, '\n', r->len - r->cur_off);
		r->cur_off = nl ? (size_t)(nl - r->data) + 1 : r->len;
		r->cur_line++;
	}
	return r->cur_line < line ? r->len : r->cur_off;
}

/* Where a document ends, as a byte offset: after the "..." line when it was
 * closed, else at the start of the next document's line. */
static size_t
end_offset(struct yread *r, const yaml_mark_t *m)
{
	return line_offset(r, m->column == 0 ? m->line : m->line + 1);
}

static int
is_marker_line(const char *p, size_t n, const char *marker)
{
	return n >= 3 && memcmp(p, marker, 3) == 0 &&
	    (n == 3 || p[3] == ' ' || p[3] == '\t' || p[3] == '\n' || p[3] == '\r');
}

/* Does the text from `from` to the end hold at most one document, and not a
 * closed one: no "..." line, and no "---" line but its first? That is what
 * an append cut short leaves. */
static int
only_one_open_document(const struct yread *r, size_t from)
{
	size_t off = from;
	int first = 1;
	while (off < r->len) {
		const char *nl = memchr(r->data + off, '\n', r->len - off);
		size_t n = nl ? (size_t)(nl - r->data) - off + 1 : r->len - off;
		const char *p = r->data + off;
		if (is_marker_line(p, n, "..."))
			return 0;
		if (is_marker_line(p, n, "---") && !first)
			return 0;
		if (n > 0 && p[0] != '#' && p[0] != '\n')
			first = 0;
		off += n;
	}
	return 1;
}

static void
doc_clear(struct yread *r)
{
	size_t i;
	for (i = 0; i < r->doc.n; i++) {
		free(r->doc.key[i]);
		free(r->doc.value[i]);
	}
	r->doc.n = 0;
	free(r->pending_key);
	r->pending_key = NULL;
}

/* A scalar's value as a C string: !!binary decoded. NULL when it cannot be
 * one (a NUL byte, bad base64), with *why set. */
static char *
scalar_value(const yaml_event_t *ev, const char **why)
{
	const char *tag = (const char *)ev->data.scalar.tag;
	const char *v = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;

	if (tag != NULL && (strcmp(tag, BINARY_TAG) == 0 || strcmp(tag, "!!binary") == 0)) {
		gsize dn;
		guchar *d;
		size_t i;
		for (i = 0; i < n; i++)
			if (!g_ascii_isalnum(v[i]) && !strchr("+/=\n\r \t", v[i])) {
				*why = "a !!binary value that is not base64";
				return NULL;
			}
		d = g_base64_decode(v, &dn);
		if (memchr(d, '\0', dn) != NULL) {
			g_free(d);
			*why = "a !!binary value with a NUL byte";
			return NULL;
		}
		char *s = xstrndup((const char *)d, dn);
		g_free(d);
		return s;
	}
	if (memchr(v, '\0', n) != NULL) {
		*why = "a value with a NUL character";
		return NULL;
	}
	return xstrndup(v, n);
}

/* ---- a fast reader for the stream as winnow writes it ---- */

/* A line "key: value" whose value YAML reads as exactly its text: plain
 * (letters, digits and _./:+- not starting with -:+ nor ending with :) or
 * double-quoted with only printable characters, no escapes. */
static int
simple_line(const char *p, const char *eol, const char **key, size_t *keylen,
    const char **value, size_t *valuelen)
{
	const char *q = p, *v;
	size_t n;

	if (q >= eol || *q < 'a' || *q > 'z')
		return 0;
	while (q < eol && is_key_char((unsigned char)*q))
		q++;
	if (eol - q < 3 || q[0] != ':' || q[1] != ' ')
		return 0;
	*key = p;
	*keylen = (size_t)(q - p);
	v = q + 2;
	if (*v == '"') {
		if (eol - v < 2 || eol[-1] != '"')
			return 0;
		for (q = v + 1; q < eol - 1; q += n)
			if (*q == '"' || *q == '\\' ||
			    (n = printable_at((const unsigned char *)q,
			    (const unsigned char *)eol - 1)) == 0)
				return 0;
		*value = v + 1;
		*valuelen = (size_t)(eol - v - 2);
		return 1;
	}
	if (*v == '-' || *v == ':' || *v == '+' || eol[-1] == ':')
		return 0;
	for (q = v; q < eol; q++)
		if (!is_plain_char((unsigned char)*q))
			return 0;
	*value = v;
	*valuelen = (size_t)(eol - v);
	return 1;
}

/* Read a stream made only of documents as winnow writes them ("---", lines
 * of simple_line, then "..." or the next "---"; nothing else, not even a
 * comment) without libyaml, which takes some ten times as long. With
 * deliver 0, only say whether the stream is such; with 1, also hand each
 * document to fn as ydoc_read does, a last one without "..." included.
 * Returns 1 when the stream is simple (and, delivering, fn took every
 * document but maybe a torn last one, told in *tail), 0 when it is not
 * (libyaml reads it then), -1 when fn refused a document (*why set). */
static int
simple_stream(const char *data, size_t len, size_t whole, int deliver, struct yread *r,
    ydoc_fn fn, void *arg, struct ydoc_tail *tail, char **why)
{
	const char *p = data, *end = data + len, *eol = NULL, *key, *value, **keys = NULL;
	size_t line = 0, keylen, valuelen, i, n, cap = 0, ndocs = 0, *keylens = NULL;
	size_t start;
	int closed, closed_seen = 0, result = 0;

	while (p < end) {
		if (end - p < 4 || memcmp(p, "---\n", 4) != 0)
			goto out;
		start = (size_t)(p - data);
		p += 4;
		line++;
		if (deliver) {
			doc_clear(r);
			r->doc.line = line;
		}
		for (n = 0; ; n++) {
			if (p == end || (end - p >= 4 && memcmp(p, "---\n", 4) == 0)) {
				closed = 0;
				break;
			}
			if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
				goto out;
			line++;
			if (eol - p == 3 && memcmp(p, "...", 3) == 0) {
				p = eol + 1;
				closed = 1;
				break;
			}
			if (!simple_line(p, eol, &key, &keylen, &value, &valuelen))
				goto out;
			/* A key given twice is an error libyaml's reading words. */
			for (i = 0; i < n; i++)
				if (keylens[i] == keylen && memcmp(keys[i], key, keylen) == 0)
					goto out;
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				keys = xrealloc(keys, cap * sizeof *keys);
				keylens = xrealloc(keylens, cap * sizeof *keylens);
			}
			keys[n] = key;
			keylens[n] = keylen;
			if (deliver) {
				if (r->doc.n == r->capdoc) {
					r->capdoc = r->capdoc ? r->capdoc * 2 : 16;
					r->doc.key = xrealloc(r->doc.key, r->capdoc * sizeof *r->doc.key);
					r->doc.value = xrealloc(r->doc.value,
					    r->capdoc * sizeof *r->doc.value);
					r->doc.vline = xrealloc(r->doc.vline,
					    r->capdoc * sizeof *r->doc.vline);
				}
				r->doc.key[r->doc.n] = xstrndup(key, keylen);
				r->doc.value[r->doc.n] = xstrndup(value, valuelen);
				r->doc.vline[r->doc.n] = line;
				r->doc.n++;
			}
			p = eol + 1;
		}
		if (n == 0)
			goto out;       /* an empty document: libyaml's reading words it */
		closed_seen |= closed;
		/* The last document without "...", in a stream whose others have
		 * it, is an append cut short, for libyaml's reading to tell.
		 * Without closers it is whole YAML (every line of it is), and is
		 * read like any other. */
		if (!closed && p == end && ndocs >= whole && closed_seen)
			goto out;
		if (deliver) {
			r->doc.closed = closed;
			r->doc.from = start;
			if (fn(arg, &r->doc, why) != 0) {
				result = -1;
				goto out;
			}
			tail->good_size = (size_t)(p - data);
		}
		ndocs++;
	}
	result = ndocs > 0;
out:
	free(keys);
	free(keylens);
	return result;
}

int ydoc_libyaml_only;

int
ydoc_read(const char *name, const char *data, size_t len, size_t whole,
    ydoc_fn fn, void *arg, struct ydoc_tail *tail, char **cause)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	struct yread r = { .data = data, .len = len };
	size_t ndocs = 0, depth = 0, region = 0, pending_end = 0;
	int have_pending = 0, result = -1, done = 0, closed_seen = 0;
	char *why = NULL;
	const char *vwhy = NULL;
	size_t errline = 0;

	memset(tail, 0, sizeof *tail);
	/* The usual journal, all winnow's own writing, is checked in one pass
	 * before any of it is taken, so that a stream that is not simple after
	 * all is read by libyaml from its start. */
	if (!ydoc_libyaml_only &&
	    simple_stream(data, len, whole, 0, &r, fn, arg, tail, &why) == 1) {
		if (simple_stream(data, len, whole, 1, &r, fn, arg, tail, &why) != 1)
			goto fail_simple;
		result = 0;
		goto out_simple;
	}
	if (!yaml_parser_initialize(&parser))
		die("out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);

	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			/* What follows the last whole document is a fragment: torn,
			 * unless more documents come after the fault. */
			size_t from = have_pending ? pending_end : region;
			if (ndocs + have_pending >= whole && only_one_open_document(&r, from)) {
				if (have_pending) {
					ndocs++;
					if (fn(arg, &r.doc, &why) != 0)
						goto fail;
					region = pending_end;
				}
				tail->torn = 1;
				tail->line = (parser.context_mark.line ? parser.context_mark.line :
				    parser.problem_mark.line) + 1;
				tail->why = xstrdup(parser.problem ? parser.problem : "bad YAML");
				tail->good_size = region;
				result = 0;
				goto out;
			}
			why = xasprintf("%zu: bad YAML: %s%s%s", parser.problem_mark.line + 1,
			    parser.problem ? parser.problem : "syntax error",
			    parser.context ? " " : "", parser.context ? parser.context : "");
			goto fail;
		}
		switch (ev.type) {
		case YAML_STREAM_START_EVENT:
			break;
		case YAML_STREAM_END_EVENT:
			tail->good_size = region;
			if (have_pending && closed_seen) {
				/* A stream whose documents end with "..." (winnow's)
				 * has a last one without it only when an append did
				 * not finish. */
				tail->torn = 1;
				tail->line = r.doc.line;
				tail->why = xstrdup("the last document is not closed by '...'");
			} else if (have_pending) {
				/* Written without "...": the last document parsed,
				 * so it is whole, and a fault in it is an error like
				 * anywhere else, never taken for a torn write. */
				ndocs++;
				if (fn(arg, &r.doc, &why) != 0)
					goto fail;
				tail->good_size = len;
			}
			have_pending = 0;
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (have_pending) {
				/* An unclosed document followed by another is whole. */
				ndocs++;
				have_pending = 0;
				if (fn(arg, &r.doc, &why) != 0)
					goto fail;
				region = pending_end;
			}
			doc_clear(&r);
			r.doc.line = ev.start_mark.line + 1;
			r.doc.from = region;
			r.doc.closed = 0;
			depth = 0;
			break;
		case YAML_DOCUMENT_END_EVENT:
			pending_end = end_offset(&r, &ev.end_mark);
			/* "..." without its newline is a cut too: the next append
			 * would run into it. */
			r.doc.closed = !ev.data.document_end.implicit &&
			    (pending_end < len || (len > 0 && data[len - 1] == '\n'));
			closed_seen |= r.doc.closed;
			if (r.doc.closed || ndocs < whole) {
				ndocs++;
				if (fn(arg, &r.doc, &why) != 0)
					goto fail;
				region = pending_end;
			} else {
				have_pending = 1;
			}
			break;
		case YAML_MAPPING_START_EVENT:
			if (depth++ > 0) {
				errline = ev.start_mark.line + 1;
				why = xasprintf("%zu: '%s' must be a single value, not a mapping",
				    errline, r.pending_key ? r.pending_key : "key");
				goto fail_ev;
			}
			break;
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_SEQUENCE_START_EVENT:
			errline = ev.start_mark.line + 1;
			why = xasprintf("%zu: '%s' must be a single value, not a list", errline,
			    r.pending_key ? r.pending_key : "key");
			goto fail_ev;
		case YAML_ALIAS_EVENT:
			errline = ev.start_mark.line + 1;
			why = xasprintf("%zu: aliases (*name) are not allowed", errline);
			goto fail_ev;
		case YAML_SCALAR_EVENT: {
			char *v;
			if (depth == 0) {
				/* A document that is a bare scalar: torn if last, checked
				 * by the callback (it has no keys) otherwise. */
				break;
			}
			if ((v = scalar_value(&ev, &vwhy)) == NULL) {
				why = xasprintf("%zu: %s", ev.start_mark.line + 1, vwhy);
				goto fail_ev;
			}
			if (r.pending_key == NULL) {
				size_t i;
				for (i = 0; i < r.doc.n; i++)
					if (strcmp(r.doc.key[i], v) == 0) {
						why = xasprintf("%zu: '%s' is given twice",
						    ev.start_mark.line + 1, v);
						free(v);
						goto fail_ev;
					}
				r.pending_key = v;
				r.pending_line = ev.start_mark.line + 1;
				break;
			}
			if (r.doc.n == r.capdoc) {
				r.capdoc = r.capdoc ? r.capdoc * 2 : 16;
				r.doc.key = xrealloc(r.doc.key, r.capdoc * sizeof *r.doc.key);
				r.doc.value = xrealloc(r.doc.value, r.capdoc * sizeof *r.doc.value);
				r.doc.vline = xrealloc(r.doc.vline, r.capdoc * sizeof *r.doc.vline);
			}
			r.doc.key[r.doc.n] = r.pending_key;
			r.doc.value[r.doc.n] = v;
			r.doc.vline[r.doc.n] = ev.start_mark.line + 1;
			r.doc.n++;
			r.pending_key = NULL;
			break;
		}
		default:
			break;
		}
		yaml_event_delete(&ev);
		continue;
fail_ev:
		yaml_event_delete(&ev);
		/* A fault inside a last document that lacks the "..." its
		 * stream's others have is a torn append too; in a stream
		 * without closers the document is YAML, and its fault an
		 * error. */
		if (closed_seen && ndocs >= whole && only_one_open_document(&r, region)) {
			tail->torn = 1;
			tail->line = r.doc.line ? r.doc.line : errline;
			tail->why = why;
			why = NULL;
			tail->good_size = region;
			result = 0;
			goto out;
		}
		goto fail;
	}
	result = 0;
	goto out;
fail:
	yaml_parser_delete(&parser);
fail_simple:
	set_cause(cause, "%s:%s", name, why ? why : " cannot be read");
	free(why);
	result = -1;
	goto out_simple;
out:
	yaml_parser_delete(&parser);
out_simple:
	doc_clear(&r);
	free(r.doc.key);
	free(r.doc.value);
	free(r.doc.vline);
	return result;
}

