/* yamldoc.h — YAML streams of flat mappings: every document a mapping of
 * keys to single values, read with every value a string. The journal
 * (winnow-journal(5)) and apply's records are such streams.
 *
 * Writing goes through libyaml's emitter, or straight into the buffer when
 * each value is one libyaml would write just so; reading goes through
 * libyaml's parser, or, for a stream made only of documents as winnow
 * writes them, through a reader of its own that gives the same documents.
 * Strings are bytes: UTF-8 text is written double-quoted, anything else as
 * a !!binary scalar (base64), read back as the same bytes. */
#ifndef WINNOW_YAMLDOC_H
#define WINNOW_YAMLDOC_H

#include <stddef.h>

#include "util.h"

/* An emitter writing documents of flat mappings into a buffer. */
struct yout;
struct yout *yout_new(struct buf *out);
void yout_doc_start(struct yout *y);
void yout_doc_end(struct yout *y);       /* explicit "..." */
/* key: value as a plain scalar (numbers, names, times). */
void yout_plain(struct yout *y, const char *key, const char *value);
/* key: "value" (double-quoted), or !!binary when value is not UTF-8. */
void yout_string(struct yout *y, const char *key, const char *value);
void yout_uint(struct yout *y, const char *key, unsigned long value);
/* Flush into the buffer and free the emitter. */
void yout_free(struct yout *y);

/* A document of a flat mapping, as read: every value a string. */
struct ydoc {
	size_t line;            /* line of the document's start, 1-based */
	size_t from;            /* byte offset where the document before it ended */
	int closed;             /* ended with an explicit "..." */
	size_t n;
	char **key, **value;    /* owned by the reader, valid during the callback */
	size_t *vline;          /* line of each value */
};
/* Look up a key: the value, or NULL; *line gets its line when not NULL. */
const char *ydoc_get(const struct ydoc *d, const char *key, size_t *line);

/* Called for each document; returns 0, or -1 with *cause ("LINE: why" is
 * made "NAME:LINE: why" by the caller of ydoc_read). */
typedef int (*ydoc_fn)(void *arg, const struct ydoc *d, char **cause);
/* What ydoc_read found at the end of the stream. */
struct ydoc_tail {
	int torn;               /* the last document was cut short, skipped */
	size_t line;            /* where the torn document starts */
	size_t good_size;       /* bytes up to the end of the last whole document */
	char *why;              /* why it is taken to be torn (heap), or NULL */
};
/* For tests and the bench: when set, every stream is read by libyaml, none
 * by the reader of winnow's own simple documents, so that the two can be
 * compared. */
extern int ydoc_libyaml_only;
/* Parse a YAML stream of flat mappings, calling fn for each document. In a
 * stream whose documents end with "...", a last one without it is an
 * append cut short: skipped and told in *tail, as is a last fragment that
 * is not YAML; anything else wrong is an error. The first `whole`
 * documents (a header) are never taken to be torn. Returns 0, or -1 with
 * *cause "NAME:LINE: why". */
int ydoc_read(const char *name, const char *data, size_t len, size_t whole,
    ydoc_fn fn, void *arg, struct ydoc_tail *tail, char **cause);

#endif
