/* journal.c — the decisions journal: its documents read into entries (as
 * YAML by yamldoc.h), new entries written, and the entries replayed into
 * standing decisions (journal.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "journal.h"

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
