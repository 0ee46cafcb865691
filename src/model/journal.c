/* journal.c — the decisions journal: YAML written with libyaml's emitter,
 * read with its parser, replayed into standing decisions (journal.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <openssl/evp.h>
#include <yaml.h>

#include "journal.h"

#define BINARY_TAG "tag:yaml.org,2002:binary"

static const char *const op_names[JOP_COUNT] = {
	[JOP_RELABEL] = "relabel",
	[JOP_DELETE] = "delete",
	[JOP_ACCEPT] = "accept",
	[JOP_FLAG] = "flag",
	[JOP_NOTE] = "note",
	[JOP_UNDO] = "undo",
};

const char *
journal_op_name(enum journal_op op)
{
	return (unsigned)op < JOP_COUNT ? op_names[op] : "?";
}

int
journal_op_find(const char *name)
{
	int i;
	for (i = 0; i < JOP_COUNT; i++)
		if (strcmp(op_names[i], name) == 0)
			return i;
	return -1;
}

static int
is_decision(unsigned op)
{
	return op <= JOP_FLAG;
}

int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;
	while (n > 0) {
		w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

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

void
journal_write_header(struct yout *y, const char *dataset, enum layout layout,
    const char *manifest, const char *created)
{
	yout_doc_start(y);
	yout_plain(y, "winnow-journal", "2");
	yout_string(y, "dataset", dataset);
	yout_plain(y, "layout", layout == LAYOUT_FOLDERS ? "folders" : "manifest");
	if (layout == LAYOUT_MANIFEST && manifest != NULL)
		yout_string(y, "manifest", manifest);
	if (created != NULL)
		yout_plain(y, "created", created);
	yout_doc_end(y);
}

static int
is_check_name(const char *s)
{
	return check_find(s) >= 0;
}

void
journal_write_entry(struct yout *y, const struct journal *j,
    const struct journal_entry *e, uint32_t id)
{
	const char *reason = journal_str(j, e->reason);

	yout_doc_start(y);
	yout_uint(y, "id", id ? id : e->id);
	yout_plain(y, "op", journal_op_name(e->op));
	if (e->op == JOP_UNDO)
		yout_uint(y, "target", e->target);
	if (e->path)
		yout_string(y, "path", journal_str(j, e->path));
	if (e->label || (is_decision(e->op) && e->path))
		yout_string(y, "label", journal_str(j, e->label));
	if (e->to)
		yout_string(y, "to", journal_str(j, e->to));
	if (e->sha256[0])
		yout_plain(y, "sha256", e->sha256);
	if (e->at[0])
		yout_plain(y, "at", e->at);
	if (e->by)
		yout_string(y, "by", journal_str(j, e->by));
	if (e->batch && id == 0)
		yout_uint(y, "batch", e->batch);
	if (*reason) {
		/* A check name stays plain, as people write it; free text is quoted. */
		if (is_check_name(reason))
			yout_plain(y, "reason", reason);
		else
			yout_string(y, "reason", reason);
	}
	if (e->note)
		yout_string(y, "note", journal_str(j, e->note));
	yout_doc_end(y);
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

/* ---- the journal's documents ---- */

static uint32_t
pool_add(struct journal *j, const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	return strpool_add(&j->strings, s, strlen(s));
}

static void
journal_init(struct journal *j)
{
	memset(j, 0, sizeof *j);
	j->fd = -1;
	strpool_add(&j->strings, "", 0);       /* offset 0: "not given" */
	j->paths = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
}

struct jread {
	struct journal *j;
	size_t ndocs;
	/* Format 2: the batch whose end marker has not come yet. */
	uint32_t open_batch;    /* its id, or 0 */
	size_t open_first;      /* index of its first entry */
	size_t open_from;       /* byte offset where the document before it ended */
	size_t open_line;       /* line of its first entry */
};

static int
parse_uint(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int
read_header(struct journal *j, const struct ydoc *d, char **why)
{
	const char *v, *layout;
	size_t line;

	if ((v = ydoc_get(d, "winnow-journal", &line)) == NULL) {
		*why = xasprintf("%zu: not a winnow journal (the first document has no "
		    "'winnow-journal' key)", d->line);
		return -1;
	}
	if (strcmp(v, "1") != 0 && strcmp(v, "2") != 0) {
		*why = xasprintf("%zu: journal format %s; this winnow reads formats 1 "
		    "and 2", line, v);
		return -1;
	}
	j->version = (unsigned)(*v - '0');
	if ((v = ydoc_get(d, "dataset", &line)) == NULL || *v == '\0') {
		*why = xasprintf("%zu: the header names no dataset", d->line);
		return -1;
	}
	j->dataset = xstrdup(v);
	j->dataset_line = (uint32_t)line;
	layout = ydoc_get(d, "layout", &line);
	if (layout == NULL || strcmp(layout, "folders") == 0) {
		j->layout = LAYOUT_FOLDERS;
	} else if (strcmp(layout, "manifest") == 0) {
		j->layout = LAYOUT_MANIFEST;
		if ((v = ydoc_get(d, "manifest", &line)) == NULL || !path_is_clean(v)) {
			*why = xasprintf("%zu: a manifest layout needs 'manifest', a file "
			    "name relative to the dataset", d->line);
			return -1;
		}
		j->manifest = xstrdup(v);
	} else {
		*why = xasprintf("%zu: layout '%s' (folders or manifest)", line, layout);
		return -1;
	}
	if ((v = ydoc_get(d, "created", NULL)) != NULL)
		j->created = xstrdup(v);
	return 0;
}

static int
is_sha256(const char *s)
{
	size_t i;
	for (i = 0; i < 64; i++)
		if (!g_ascii_isxdigit(s[i]))
			return 0;
	return s[64] == '\0';
}

static long
find_id(const struct journal *j, uint32_t id)
{
	size_t lo = 0, hi = j->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (j->entries[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < j->n && j->entries[lo].id == id ? (long)lo : -1;
}

/* Link entry i into its path's chain. */
static void
index_entry(struct journal *j, size_t i)
{
	struct journal_entry *e = &j->entries[i];
	const char *path;
	gpointer v;

	e->prev = -1;
	if (e->path == 0)
		return;
	path = journal_str(j, e->path);
	if ((v = g_hash_table_lookup(j->paths, path)) != NULL)
		e->prev = (int32_t)(GPOINTER_TO_SIZE(v) - 1);
	g_hash_table_replace(j->paths, xstrdup(path), GSIZE_TO_POINTER(i + 1));
}

/* Check an entry's fields and add it. why gets "LINE: problem". */
static int
add_entry(struct journal *j, const struct ydoc *d, char **why)
{
	struct journal_entry e = { 0 };
	const char *v, *path, *label, *to, *sha;
	size_t line;
	int op;

	e.line = (uint32_t)d->line;
	if ((v = ydoc_get(d, "op", &line)) == NULL) {
		*why = xasprintf("%zu: an entry without 'op'", d->line);
		return -1;
	}
	if ((op = journal_op_find(v)) < 0) {
		*why = xasprintf("%zu: unknown op '%s' (relabel, delete, accept, flag, "
		    "note, undo)", line, v);
		return -1;
	}
	e.op = (uint8_t)op;
	if ((v = ydoc_get(d, "id", &line)) == NULL) {
		*why = xasprintf("%zu: an entry without 'id'", d->line);
		return -1;
	}
	if (parse_uint(v, &e.id) != 0) {
		*why = xasprintf("%zu: id '%s' is not a positive number", line, v);
		return -1;
	}
	if (j->n > 0 && e.id <= j->entries[j->n - 1].id) {
		*why = xasprintf("%zu: id %u after id %u (ids must increase)", line, e.id,
		    j->entries[j->n - 1].id);
		return -1;
	}
	if ((v = ydoc_get(d, "batch", &line)) != NULL) {
		long first;
		/* A batch is named by its first entry: this one, or an earlier
		 * entry of the same batch. */
		if (parse_uint(v, &e.batch) != 0 || e.batch > e.id ||
		    (e.batch < e.id && ((first = find_id(j, e.batch)) < 0 ||
		    j->entries[first].batch != e.batch))) {
			*why = xasprintf("%zu: batch '%s' is not the id of this entry or of "
			    "the first entry of an earlier batch", line, v);
			return -1;
		}
	}
	path = ydoc_get(d, "path", &line);
	label = ydoc_get(d, "label", NULL);
	to = ydoc_get(d, "to", NULL);
	sha = ydoc_get(d, "sha256", NULL);

#define NEED(x, key) do { if ((x) == NULL) { *why = xasprintf("%zu: %s entry " \
	"without '%s'", d->line, journal_op_name(e.op), key); return -1; } } while (0)
	if (e.op == JOP_UNDO) {
		long t;
		NEED(v = ydoc_get(d, "target", &line), "target");
		if (parse_uint(v, &e.target) != 0 || (t = find_id(j, e.target)) < 0) {
			*why = xasprintf("%zu: undo target '%s' is not an earlier entry", line, v);
			return -1;
		}
		if (j->entries[t].op == JOP_UNDO) {
			*why = xasprintf("%zu: undo of an undo (id %u); make the decision "
			    "again instead", line, e.target);
			return -1;
		}
		j->entries[t].undone = 1;
	} else {
		NEED(path, "path");
		if (!path_is_clean(path)) {
			*why = xasprintf("%zu: path '%s' is absolute, empty or has '.' or "
			    "'..' in it", line, path);
			return -1;
		}
		if (is_decision(e.op)) {
			NEED(label, "label");
			NEED(sha, "sha256");
		}
		if (e.op == JOP_RELABEL) {
			NEED(to, "to");
			if (*to == '\0' || strchr(to, '/') || to[0] == '.' || to[0] == '_') {
				ydoc_get(d, "to", &line);
				*why = xasprintf("%zu: relabel to '%s': a label is a folder name "
				    "(not empty, no '/', not starting with '.' or '_')",
				    line, to);
				return -1;
			}
		}
		if (e.op == JOP_NOTE)
			NEED(ydoc_get(d, "note", NULL), "note");
		if (sha != NULL) {
			if (!is_sha256(sha)) {
				ydoc_get(d, "sha256", &line);
				*why = xasprintf("%zu: sha256 '%s' is not 64 hex digits", line, sha);
				return -1;
			}
			snprintf(e.sha256, sizeof e.sha256, "%s", sha);
			for (char *c = e.sha256; *c; c++)
				*c = g_ascii_tolower(*c);
		}
	}
#undef NEED
	if ((v = ydoc_get(d, "at", NULL)) != NULL)
		snprintf(e.at, sizeof e.at, "%s", v);
	e.path = pool_add(j, path);
	e.label = pool_add(j, label);
	e.to = e.op == JOP_RELABEL ? pool_add(j, to) : 0;
	e.by = pool_add(j, ydoc_get(d, "by", NULL));
	e.reason = pool_add(j, ydoc_get(d, "reason", NULL));
	e.note = pool_add(j, ydoc_get(d, "note", NULL));
	j->entries = xgrow(j->entries, &j->cap, j->n + 1, sizeof *j->entries);
	j->entries[j->n] = e;
	index_entry(j, j->n);
	j->n++;
	return 0;
}

/* The end marker of a batch: `op: batch-end`, `batch: ID`, `count: N`,
 * closing the batch open now, which must have N entries. */
static int
end_batch(struct jread *jr, const struct ydoc *d, char **why)
{
	struct journal *j = jr->j;
	const char *b, *c;
	uint32_t batch, count;
	size_t line, have;

	if (j->version < 2) {
		*why = xasprintf("%zu: a batch-end marker in a format 1 journal (markers "
		    "come with winnow-journal: 2)", d->line);
		return -1;
	}
	if ((b = ydoc_get(d, "batch", &line)) == NULL || parse_uint(b, &batch) != 0) {
		*why = xasprintf("%zu: batch-end without a 'batch' id", d->line);
		return -1;
	}
	if (batch != jr->open_batch) {
		*why = xasprintf("%zu: batch-end of batch %s, which is not the batch open "
		    "here", line, b);
		return -1;
	}
	have = j->n - jr->open_first;
	if ((c = ydoc_get(d, "count", &line)) == NULL || parse_uint(c, &count) != 0 ||
	    count != have) {
		*why = xasprintf("%zu: batch-end of batch %u says count '%s', but the "
		    "batch has %zu entries", c ? line : d->line, batch, c ? c : "", have);
		return -1;
	}
	jr->open_batch = 0;
	return 0;
}

/* Format 2 keeps a batch's entries together, closed by its marker: an entry
 * that does not belong to the open batch means the marker is missing in the
 * middle of the journal. A crash cannot leave that (the next writer cuts a
 * torn tail off before appending), so the journal was edited, and which of
 * the batch's decisions were ever confirmed cannot be told: an error. */
static int
track_batch(struct jread *jr, const struct ydoc *d, char **why)
{
	const struct journal_entry *e = &jr->j->entries[jr->j->n - 1];

	if (jr->open_batch != 0 && e->batch != jr->open_batch) {
		*why = xasprintf("%zu: batch %u (from line %zu) has no batch-end before "
		    "this entry", d->line, jr->open_batch, jr->open_line);
		return -1;
	}
	if (jr->open_batch == 0 && e->batch != 0) {
		if (e->batch != e->id) {
			*why = xasprintf("%zu: batch %u is already closed by its batch-end",
			    d->line, e->batch);
			return -1;
		}
		jr->open_batch = e->batch;
		jr->open_first = jr->j->n - 1;
		jr->open_from = d->from;
		jr->open_line = d->line;
	}
	return 0;
}

static int
read_document(void *arg, const struct ydoc *d, char **why)
{
	struct jread *jr = arg;
	const char *op;

	if (d->n == 0) {
		*why = xasprintf("%zu: an empty document, or not a mapping", d->line);
		return -1;
	}
	if (jr->ndocs++ == 0)
		return read_header(jr->j, d, why);
	if ((op = ydoc_get(d, "op", NULL)) != NULL && strcmp(op, "batch-end") == 0)
		return end_batch(jr, d, why);
	if (add_entry(jr->j, d, why) != 0)
		return -1;
	return jr->j->version >= 2 ? track_batch(jr, d, why) : 0;
}

/* Take back the entries from index `first` on: a batch that never got its
 * end marker. Entries were linked into their paths' chains in order, so
 * unlinking them last first restores each chain; what their undos
 * cancelled is worked out again from the entries that stay. */
static void
drop_entries(struct journal *j, size_t first)
{
	size_t i = j->n;
	int undos = 0;

	while (i-- > first) {
		const struct journal_entry *e = &j->entries[i];
		undos |= e->op == JOP_UNDO;
		if (e->path == 0)
			continue;
		if (e->prev >= 0)
			g_hash_table_replace(j->paths, xstrdup(journal_str(j, e->path)),
			    GSIZE_TO_POINTER((size_t)e->prev + 1));
		else
			g_hash_table_remove(j->paths, journal_str(j, e->path));
	}
	j->n = first;
	if (!undos)
		return;
	for (i = 0; i < j->n; i++)
		j->entries[i].undone = 0;
	for (i = 0; i < j->n; i++)
		if (j->entries[i].op == JOP_UNDO) {
			long t = find_id(j, j->entries[i].target);
			if (t >= 0)
				j->entries[t].undone = 1;
		}
}

struct journal *
journal_read_buffer(const char *name, const char *data, size_t len, char **cause)
{
	struct journal *j = xmalloc(sizeof *j);
	struct jread jr = { .j = j };
	struct ydoc_tail tail;

	journal_init(j);
	j->file = xstrdup(name);
	if (ydoc_read(name, data, len, 1, read_document, &jr, &tail, cause) != 0) {
		journal_free(j);
		return NULL;
	}
	if (jr.ndocs == 0) {
		set_cause(cause, "%s: empty: not a winnow journal (no header)", name);
		free(tail.why);
		journal_free(j);
		return NULL;
	}
	j->good_size = tail.good_size;
	if (jr.open_batch != 0) {
		/* The batch was being written when the file was cut: none of
		 * it was ever shown as made, so none of it stands. */
		size_t n = j->n - jr.open_first;
		j->torn = xasprintf("%s:%zu: the last batch is incomplete (%zu entr%s "
		    "without its batch-end%s; cut off while being written?): dropped whole",
		    name, jr.open_line, n, n == 1 ? "y" : "ies",
		    tail.torn ? ", and a torn entry" : "");
		drop_entries(j, jr.open_first);
		j->good_size = jr.open_from;
		free(tail.why);
	} else if (tail.torn) {
		j->torn = xasprintf("%s:%zu: the last entry is incomplete (%s; cut off "
		    "while being written?): skipped", name, tail.line, tail.why);
		free(tail.why);
	}
	return j;
}

struct journal *
journal_read(const char *file, char **cause)
{
	size_t len;
	char *data = read_file(file, &len, cause);
	struct journal *j;
	if (data == NULL)
		return NULL;
	j = journal_read_buffer(file, data, len, cause);
	free(data);
	return j;
}

void
journal_free(struct journal *j)
{
	if (j == NULL)
		return;
	if (j->fd >= 0)
		close(j->fd);   /* and the lock goes with it */
	free(j->file);
	free(j->dataset);
	free(j->manifest);
	free(j->created);
	free(j->entries);
	strpool_free(&j->strings);
	if (j->paths)
		g_hash_table_destroy(j->paths);
	free(j->torn);
	free(j->user);
	free(j);
}

/* ---- which dataset ---- */

/* The tree whose .winnow folder holds the journal file (real path), or
 * NULL when the file is not directly in a folder named .winnow. The header
 * names the folder the journal was started in; a copy (cp -a, rsync) keeps
 * that name, and following it would act on the original. */
static char *
enclosing_tree(const char *file)
{
	char *dir = xstrdup(file), *slash = strrchr(dir, '/'), *real, *tree = NULL;

	if (slash == NULL)
		snprintf(dir, 2, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	real = realpath(dir, NULL);
	free(dir);
	if (real == NULL)
		return NULL;
	slash = strrchr(real, '/');
	if (slash != NULL && strcmp(slash + 1, ".winnow") == 0)
		tree = slash == real ? xstrdup("/") : xstrndup(real, (size_t)(slash - real));
	free(real);
	return tree;
}

char *
journal_dataset_path(const struct journal *j)
{
	char *tree = enclosing_tree(j->file), *path;
	const char *root = tree ? tree : j->dataset;

	if (j->layout == LAYOUT_MANIFEST)
		path = xasprintf("%s/%s", strcmp(root, "/") ? root : "", j->manifest);
	else
		path = xstrdup(root);
	free(tree);
	return path;
}

int
journal_check_dataset(const struct journal *j, const struct dataset *ds, char **cause)
{
	char *tree = enclosing_tree(j->file);
	char *real = tree ? tree : realpath(j->dataset, NULL);
	const char *root = real ? real : j->dataset;
	int same = strcmp(root, ds->root) == 0 && j->layout == ds->layout &&
	    (j->layout == LAYOUT_FOLDERS || strcmp(j->manifest, ds->manifest) == 0);

	if (!same && tree) {
		struct buf a = { 0 }, b = { 0 };
		escape_name(&a, tree);
		if (j->layout == LAYOUT_MANIFEST) {
			buf_addc(&a, '/');
			escape_name(&a, j->manifest);
		}
		escape_name(&b, ds->root);
		if (ds->layout == LAYOUT_MANIFEST) {
			buf_addc(&b, '/');
			escape_name(&b, ds->manifest);
		}
		set_cause(cause, "%s: this journal is about the dataset %s (it is kept in "
		    "that dataset's .winnow folder), not %s", j->file, buf_str(&a),
		    buf_str(&b));
		buf_free(&a);
		buf_free(&b);
	} else if (!same) {
		struct buf a = { 0 }, b = { 0 };
		escape_name(&a, j->dataset);
		if (j->layout == LAYOUT_MANIFEST) {
			buf_addc(&a, '/');
			escape_name(&a, j->manifest);
		}
		escape_name(&b, ds->root);
		if (ds->layout == LAYOUT_MANIFEST) {
			buf_addc(&b, '/');
			escape_name(&b, ds->manifest);
		}
		set_cause(cause, "%s:%u: this journal is about the dataset %s, not %s",
		    j->file, j->dataset_line, buf_str(&a), buf_str(&b));
		buf_free(&a);
		buf_free(&b);
	}
	free(real);
	return same ? 0 : -1;
}

/* A file name for a read-only dataset's journal: the folder's name (safe
 * bytes only) and a hash of the full path, so that two datasets of one
 * name do not share a journal. */
static char *
state_name(const struct dataset *ds)
{
	char *key = xasprintf("%s%s%s", ds->root, ds->manifest ? "/" : "",
	    ds->manifest ? ds->manifest : "");
	gchar *hex = g_compute_checksum_for_string(G_CHECKSUM_SHA256, key, -1);
	const char *base = strrchr(ds->root, '/');
	struct buf b = { 0 };
	char *s;

	base = base && base[1] ? base + 1 : "root";
	for (; *base && b.len < 40; base++)
		buf_addc(&b, g_ascii_isalnum(*base) || strchr("-_.", *base) ? *base : '_');
	if (ds->manifest) {
		buf_addc(&b, '-');
		for (const char *m = ds->manifest; *m && b.len < 80; m++)
			buf_addc(&b, g_ascii_isalnum(*m) || strchr("-_.", *m) ? *m : '_');
	}
	s = xasprintf("%s-%.12s.yaml", buf_str(&b), hex);
	buf_free(&b);
	g_free(hex);
	free(key);
	return s;
}

static char *
state_dir(void)
{
	const char *x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	if (x && *x == '/')
		return xasprintf("%s/winnow", x);
	if (home == NULL || *home == '\0') {
		struct passwd *pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : "/tmp";
	}
	return xasprintf("%s/.local/state/winnow", home);
}

static const char *
default_name(const struct dataset *ds, char *buf, size_t size)
{
	if (ds->layout == LAYOUT_MANIFEST)
		snprintf(buf, size, ".winnow/%s.journal.yaml", ds->manifest);
	else
		snprintf(buf, size, ".winnow/journal.yaml");
	return buf;
}

char *
journal_default_path(const struct dataset *ds, int *fallback)
{
	char name[PATH_MAX], *dir, *state, *path;
	int writable;

	default_name(ds, name, sizeof name);
	/* .winnow must be writable when it exists, ROOT when it does not yet. */
	if (faccessat(ds->rootfd, ".winnow", F_OK, AT_EACCESS) == 0)
		writable = faccessat(ds->rootfd, ".winnow", W_OK | X_OK, AT_EACCESS) == 0 &&
		    (faccessat(ds->rootfd, name, F_OK, AT_EACCESS) != 0 ||
		    faccessat(ds->rootfd, name, W_OK, AT_EACCESS) == 0);
	else
		writable = faccessat(ds->rootfd, ".", W_OK | X_OK, AT_EACCESS) == 0;
	if (fallback)
		*fallback = !writable;
	if (writable)
		return xasprintf("%s/%s", strcmp(ds->root, "/") ? ds->root : "", name);
	dir = state_dir();
	state = state_name(ds);
	path = xasprintf("%s/%s", dir, state);
	free(state);
	free(dir);
	return path;
}

/* ---- writing entries ---- */

static char *
current_user(void)
{
	const char *u = getenv("USER");
	struct passwd *pw;
	if (u && *u)
		return xstrdup(u);
	if ((pw = getpwuid(getuid())) != NULL)
		return xstrdup(pw->pw_name);
	return xasprintf("uid %u", (unsigned)getuid());
}

static int
fsync_dir_of(const char *file)
{
	char *dir = xstrdup(file), *slash = strrchr(dir, '/');
	int fd, r;
	if (slash == NULL)
		snprintf(dir, 2, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

/* Create a journal holding only its header, all at once: written beside it,
 * fsync'd, then linked into place (failing when another process made one
 * meanwhile; that one is then opened). */
static int
create_journal(const struct dataset *ds, const char *file, char **cause)
{
	struct buf b = { 0 };
	struct yout *y;
	char created[32], *tmp = xasprintf("%s.new-%ld", file, (long)getpid());
	int fd, r = -1;

	utc_now(created, sizeof created);
	y = yout_new(&b);
	journal_write_header(y, ds->root, ds->layout, ds->manifest, created);
	yout_free(y);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		set_cause(cause, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (write_all(fd, b.data, b.len) != 0 || fsync(fd) != 0) {
		set_cause(cause, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (link(tmp, file) != 0 && errno != EEXIST) {
		set_cause(cause, "%s: %s", file, strerror(errno));
		unlink(tmp);
		goto out;
	}
	unlink(tmp);
	fsync_dir_of(file);
	r = 0;
out:
	free(tmp);
	buf_free(&b);
	return r;
}

static int
lock_fd(int fd, const char *file, char **cause)
{
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno == EWOULDBLOCK)
		set_cause(cause, "%s is in use by another winnow (it is locked); close "
		    "that one first, or give another journal with -j", file);
	else
		set_cause(cause, "%s: cannot lock: %s", file, strerror(errno));
	return -1;
}

int
journal_lock(struct journal *j, char **cause)
{
	int fd = open(j->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		set_cause(cause, "%s: %s", j->file, strerror(errno));
		return -1;
	}
	if (lock_fd(fd, j->file, cause) != 0) {
		close(fd);
		return -1;
	}
	if (j->fd >= 0)
		close(j->fd);
	j->fd = fd;
	return 0;
}

/* Keep the bytes of a torn tail beside the journal before cutting them off:
 * they were never shown as a decision, but they are the user's bytes. */
static void
keep_torn_tail(const char *file, const char *data, size_t len)
{
	char *aside = xasprintf("%s.torn", file);
	int fd = open(aside, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (fd >= 0) {
		if (write_all(fd, data, len) == 0)
			fsync(fd);
		close(fd);
	}
	free(aside);
}

struct journal *
journal_open(const struct dataset *ds, const char *file, char **note, char **cause)
{
	char *path, *data = NULL, proc[64];
	int fallback = 0, fd = -1;
	struct journal *j = NULL;
	struct stat st;
	size_t len;

	if (note)
		*note = NULL;
	path = file ? xstrdup(file) : journal_default_path(ds, &fallback);
	if (file == NULL) {
		char *slash = strrchr(path, '/');
		*slash = '\0';
		if (mkdir_p(path, 0777) != 0) {
			set_cause(cause, "%s: cannot make the folder: %s", path, strerror(errno));
			free(path);
			return NULL;
		}
		*slash = '/';
	}
	for (int tries = 0; fd < 0; tries++) {
		fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
		if (fd >= 0)
			break;
		if (errno != ENOENT || tries > 0 || create_journal(ds, path, cause) != 0) {
			if (errno != ENOENT || tries > 0)
				set_cause(cause, "%s: %s", path, strerror(errno));
			free(path);
			return NULL;
		}
	}
	if (lock_fd(fd, path, cause) != 0)
		goto fail;
	/* Read only now, under the lock: no one appends meanwhile. */
	if (fstat(fd, &st) == 0 && st.st_size == 0) {
		/* An empty file (made by hand, or `touch`): give it its header. */
		close(fd);
		fd = -1;
		if (unlink(path) != 0 || create_journal(ds, path, cause) != 0) {
			if (cause && *cause == NULL)
				set_cause(cause, "%s: %s", path, strerror(errno));
			goto fail;
		}
		free(path);
		return journal_open(ds, file, note, cause);
	}
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	if ((data = read_file(proc, &len, cause)) == NULL)
		goto fail;
	if ((j = journal_read_buffer(path, data, len, cause)) == NULL)
		goto fail;
	if (journal_check_dataset(j, ds, cause) != 0)
		goto fail;
	if (j->torn) {
		keep_torn_tail(path, data + j->good_size, len - j->good_size);
		if (ftruncate(fd, (off_t)j->good_size) != 0 || fsync(fd) != 0) {
			set_cause(cause, "%s: cannot cut off the incomplete last entry: %s",
			    path, strerror(errno));
			goto fail;
		}
		if (note)
			*note = xasprintf("%s (kept in %s.torn)", j->torn, path);
	} else if (note && fallback) {
		*note = xasprintf("the dataset is read-only: journal in %s", path);
	}
	free(data);
	free(path);
	j->fd = fd;
	j->user = current_user();
	return j;
fail:
	free(data);
	free(path);
	if (fd >= 0)
		close(fd);
	journal_free(j);
	return NULL;
}

/* An entry of a draft, its strings in pool (offset 0 being ""). */
static void
draft_entry(struct journal_entry *e, struct strpool *pool, const struct journal_draft *d,
    uint32_t id, const char *at, const char *by)
{
#define ADD(s) ((s) && *(s) ? strpool_add(pool, (s), strlen(s)) : 0)
	memset(e, 0, sizeof *e);
	e->id = id;
	e->op = (uint8_t)d->op;
	e->target = d->target;
	e->batch = d->batch;
	e->path = ADD(d->path);
	e->label = ADD(d->label);
	e->to = ADD(d->to);
	e->by = ADD(by);
	e->reason = ADD(d->reason);
	e->note = ADD(d->note);
#undef ADD
	if (d->sha256)
		snprintf(e->sha256, sizeof e->sha256, "%s", d->sha256);
	snprintf(e->at, sizeof e->at, "%s", at);
	e->prev = -1;
}

uint32_t
journal_next_id(const struct journal *j)
{
	return j->n ? j->entries[j->n - 1].id + 1 : 1;
}

int
journal_write_draft(const struct journal *j, const struct journal_draft *d, uint32_t id,
    const char *at, char **cause)
{
	return journal_write_drafts(j, d, 1, id, at, cause);
}

int
journal_write_drafts(const struct journal *j, const struct journal_draft *d, size_t n,
    uint32_t first_id, const char *at, char **cause)
{
	struct journal tmp = { 0 };
	struct journal_entry e;
	struct buf b = { 0 };
	struct yout *y;
	struct stat st;
	size_t i;

	if (j->fd < 0) {
		set_cause(cause, "%s: not open for writing", j->file);
		return -1;
	}
	strpool_add(&tmp.strings, "", 0);
	y = yout_new(&b);
	for (i = 0; i < n; i++) {
		draft_entry(&e, &tmp.strings, &d[i], first_id + (uint32_t)i, at, j->user);
		journal_write_entry(y, &tmp, &e, 0);
	}
	/* In the same write as its entries: on disk, a batch is whole only
	 * with its marker. A format 1 journal stays readable by the winnow
	 * that wrote it, so it gets none; its batches stand as they are. */
	if (j->version >= 2 && n > 0 && d[0].batch == first_id) {
		yout_doc_start(y);
		yout_plain(y, "op", "batch-end");
		yout_uint(y, "batch", first_id);
		yout_uint(y, "count", n);
		yout_doc_end(y);
	}
	yout_free(y);
	strpool_free(&tmp.strings);
	if (fstat(j->fd, &st) != 0 || write_all(j->fd, b.data, b.len) != 0 ||
	    fsync(j->fd) != 0) {
		int saved = errno;
		/* Leave no fragment behind: cut the file back. */
		if (ftruncate(j->fd, st.st_size) != 0)
			(void)0;
		set_cause(cause, "%s: cannot write %s: %s", j->file,
		    n == 1 ? "the decision" : "the decisions", strerror(saved));
		buf_free(&b);
		return -1;
	}
	buf_free(&b);
	return 0;
}

long
journal_commit(struct journal *j, const struct journal_draft *d, uint32_t id, const char *at)
{
	struct journal_entry e;

	draft_entry(&e, &j->strings, d, id, at, j->user);
	j->entries = xgrow(j->entries, &j->cap, j->n + 1, sizeof *j->entries);
	j->entries[j->n] = e;
	if (e.op == JOP_UNDO) {
		long t = find_id(j, e.target);
		if (t >= 0)
			j->entries[t].undone = 1;
	}
	index_entry(j, j->n);
	return (long)j->n++;
}

long
journal_append(struct journal *j, const struct journal_draft *d, char **cause)
{
	uint32_t id = journal_next_id(j);
	char at[24];

	utc_now(at, sizeof at);
	if (journal_write_draft(j, d, id, at, cause) != 0)
		return -1;
	return journal_commit(j, d, id, at);
}

/* ---- replay ---- */

const struct journal_entry *
journal_standing(const struct journal *j, const char *path)
{
	gpointer v = g_hash_table_lookup(j->paths, path);
	long i = v ? (long)GPOINTER_TO_SIZE(v) - 1 : -1;
	for (; i >= 0; i = j->entries[i].prev)
		if (is_decision(j->entries[i].op) && !j->entries[i].undone)
			return &j->entries[i];
	return NULL;
}

size_t
journal_standing_all(const struct journal *j, const struct journal_entry ***out)
{
	const struct journal_entry **list = xmalloc((j->n ? j->n : 1) * sizeof *list);
	size_t i, n = 0;
	for (i = 0; i < j->n; i++) {
		const struct journal_entry *e = &j->entries[i];
		if (is_decision(e->op) && !e->undone &&
		    journal_standing(j, journal_str(j, e->path)) == e)
			list[n++] = e;
	}
	*out = list;
	return n;
}

const struct journal_entry *
journal_last_undoable(const struct journal *j)
{
	size_t i = j->n;
	while (i-- > 0)
		if (j->entries[i].op != JOP_UNDO && !j->entries[i].undone)
			return &j->entries[i];
	return NULL;
}

size_t
journal_undo_set(const struct journal *j, const struct journal_entry ***out)
{
	const struct journal_entry *last = journal_last_undoable(j), **list;
	size_t i, n = 0;
	long first;

	*out = NULL;
	if (last == NULL)
		return 0;
	if (last->batch == 0 || (first = find_id(j, last->batch)) < 0) {
		list = xmalloc(sizeof *list);
		list[n++] = last;
		*out = list;
		return n;
	}
	/* Ids increase, so the batch lies between its first entry and the last. */
	list = xmalloc((size_t)(last - j->entries - first + 1) * sizeof *list);
	for (i = (size_t)first; &j->entries[i] <= last; i++)
		if (j->entries[i].batch == last->batch && j->entries[i].op != JOP_UNDO &&
		    !j->entries[i].undone)
			list[n++] = &j->entries[i];
	*out = list;
	return n;
}

void
journal_counts(const struct journal *j, size_t counts[JOP_NOTE])
{
	const struct journal_entry **list;
	size_t i, n = journal_standing_all(j, &list);
	memset(counts, 0, JOP_NOTE * sizeof *counts);
	for (i = 0; i < n; i++)
		counts[list[i]->op]++;
	free(list);
}

static void
annotate_sample(const struct journal *j, struct dataset *ds, struct annotations *a,
    size_t s, const struct journal_entry *e)
{
	a->decision[s] = DECISION_NONE;
	a->relabel_to[s] = LABEL_NONE;
	if (e == NULL)
		return;
	switch (e->op) {
	case JOP_RELABEL:
		a->decision[s] = DECISION_RELABEL;
		a->relabel_to[s] = (uint16_t)dataset_label_intern(ds, journal_str(j, e->to));
		break;
	case JOP_DELETE:
		a->decision[s] = DECISION_DELETE;
		break;
	case JOP_ACCEPT:
		a->decision[s] = DECISION_ACCEPT;
		break;
	case JOP_FLAG:
		a->decision[s] = DECISION_FLAG;
		break;
	}
}

static void
annot_arrays(struct annotations *a, size_t n)
{
	size_t i;
	if (a->decision == NULL)
		a->decision = xcalloc(n ? n : 1, sizeof *a->decision);
	if (a->relabel_to == NULL) {
		a->relabel_to = xmalloc((n ? n : 1) * sizeof *a->relabel_to);
		for (i = 0; i < n; i++)
			a->relabel_to[i] = LABEL_NONE;
	}
}

size_t
journal_annotate(const struct journal *j, struct dataset *ds, struct annotations *a)
{
	GHashTableIter it;
	gpointer key, value;
	size_t missing = 0;
	long s;

	annot_arrays(a, ds->nsamples);
	memset(a->decision, 0, ds->nsamples);
	for (size_t i = 0; i < ds->nsamples; i++)
		a->relabel_to[i] = LABEL_NONE;
	g_hash_table_iter_init(&it, j->paths);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		const struct journal_entry *e = journal_standing(j, key);
		if (e == NULL)
			continue;
		if ((s = dataset_find(ds, key)) < 0) {
			missing++;
			continue;
		}
		annotate_sample(j, ds, a, (size_t)s, e);
	}
	return missing;
}

void
journal_annotate_one(const struct journal *j, struct dataset *ds,
    struct annotations *a, size_t sample)
{
	annot_arrays(a, ds->nsamples);
	annotate_sample(j, ds, a, sample, journal_standing(j, sample_path(ds, sample)));
}

/* ---- content ---- */

/* OpenSSL 3 looks sha256 up among its providers on every EVP_sha256()
 * init, under a lock the hashing threads then queue on: look it up once. */
static EVP_MD *sha256_md;

static void
fetch_sha256(void)
{
	if ((sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		die("sha256: not available");
}

int
journal_sha256(int rootfd, const char *path, char out[65])
{
	return journal_sha256_stat(rootfd, path, out, NULL);
}

int
journal_sha256_stat(int rootfd, const char *path, char out[65], struct stat *stp)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	unsigned char chunk[65536], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen, i;
	EVP_MD_CTX *ctx;
	ssize_t n;
	off_t total = 0;
	int fd, saved = 0;

	struct stat st;

	/* O_NONBLOCK: a FIFO in the tree must not hang us; it is refused below. */
	if ((fd = open_beneath(rootfd, path, O_RDONLY | O_NONBLOCK)) < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		saved = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		close(fd);
		errno = saved;
		return -1;
	}
	/* OpenSSL's sha256 uses the CPU's SHA instructions: many times GLib's
	 * speed, which is what lets apply check 100,000 files in seconds. */
	pthread_once(&once, fetch_sha256);
	if ((ctx = EVP_MD_CTX_new()) == NULL || !EVP_DigestInit_ex2(ctx, sha256_md, NULL))
		die("sha256: cannot initialise");
	for (;;) {
		n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			saved = errno;
			break;
		}
		if (n == 0)
			break;
		EVP_DigestUpdate(ctx, chunk, (size_t)n);
		total += n;
		/* A short read of a regular file is its end: no read more to
		 * be told so (a hundred thousand fewer calls for as many
		 * one-second clips). */
		if ((size_t)n < sizeof chunk && total >= st.st_size)
			break;
	}
	close(fd);
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	if (saved) {
		errno = saved;
		return -1;
	}
	for (i = 0; i < mdlen && i < 32; i++) {
		out[2 * i] = "0123456789abcdef"[md[i] >> 4];
		out[2 * i + 1] = "0123456789abcdef"[md[i] & 15];
	}
	out[64] = '\0';
	if (stp != NULL)
		*stp = st;
	return 0;
}
