/* dataset-manifest.c — a dataset's samples from a CSV/TSV manifest
 * (dataset-private.h). */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "csv.h"
#include "dataset-private.h"
#include "exists.h"
#include "util.h"
#include "worker.h"

/* ---- manifest layout ---- */

/* A manifest's rows are read first; sorted by path, they give the samples
 * (a sample a path), in path order; the files they name are checked all at
 * once, a folder listing each rather than a lookup each (exists.h), while
 * the sort runs; then the rows are taken in their own order: the problems
 * and the samples are the ones a row-by-row check would give. */
struct row {
	size_t line;
	uint32_t path;          /* in the dataset's pool */
	uint32_t sample;        /* ROW_BAD for a malformed row, else 0 (its
	                           sample is found by sorting the rows) */
	uint32_t label, split;  /* in the rows' own tables, or ROW_NONE (a sample
	                           ROW_BAD: label is its message's number) */
};
#define ROW_BAD UINT32_MAX
#define ROW_NONE UINT32_MAX     /* a row's label or split: none */

struct rows {
	struct row *row;
	size_t n, cap;
	GHashTable *names;      /* label or split name -> number + 1 */
	GPtrArray *name;        /* the names, by number */
	GPtrArray *bad;         /* messages of the malformed rows listed */
};

static void
row_add(struct rows *rs, size_t line, uint32_t path, uint32_t sample, uint32_t label,
    uint32_t split)
{
	rs->row = xgrow(rs->row, &rs->cap, rs->n + 1, sizeof *rs->row);
	rs->row[rs->n++] = (struct row){ line, path, sample, label, split };
}

static void
row_bad(struct rows *rs, size_t line, char *message)
{
	row_add(rs, line, 0, ROW_BAD, rs->bad->len, 0);
	g_ptr_array_add(rs->bad, message);
}

/* Labels and splits are interned in the dataset only when a row is taken,
 * so that a name met only in rows that are not has no number there. */
static uint32_t
row_name(struct rows *rs, const char *name)
{
	gpointer v = g_hash_table_lookup(rs->names, name);
	char *copy;
	if (v != NULL)
		return GPOINTER_TO_UINT(v) - 1;
	copy = xstrdup(name);
	g_ptr_array_add(rs->name, copy);
	g_hash_table_insert(rs->names, copy, GUINT_TO_POINTER(rs->name->len));
	return rs->name->len - 1;
}

/* One part of the manifest's rows, read on a core of its own: a part ends
 * at a line's end, and a row is one line (a quoted field cannot span
 * lines), so the parts' rows one after the other are the file's. */
struct part {
	struct dataset *ds;
	const struct csv *file;         /* its header read, the rows after */
	int cpath, clabel, csplit;
	int in_place;                   /* paths stay in file->data, the pool */
	size_t from, to;                /* the part's bytes in file->data */
	/* Its rows, lines counted from the part's start: the lines before
	 * it are known once the parts before it are read. The messages of
	 * its malformed rows are without their "line N: ". */
	struct rows rs;
	size_t lines, bad;
};

/* csv's messages start "line N: ", which the merge puts back. */
static const char *
without_line(const char *why)
{
	const char *q = strstr(why, ": ");
	return strncmp(why, "line ", 5) == 0 && q ? q + 2 : why;
}

static void
read_part(void *arg, unsigned k)
{
	struct part *pt = (struct part *)arg + k;
	struct rows *rs = &pt->rs;
	struct csv c = { 0 };
	char *data = pt->file->data, *why = NULL;
	int cpath = pt->cpath, clabel = pt->clabel, csplit = pt->csplit, r;
	/* the last row's label (none: empty): rows come in runs of one */
	uint32_t last_id = ROW_NONE;

	csv_view(&c, data + pt->from, pt->to - pt->from, pt->file->delim, 0);
	while ((r = csv_next(&c, &why)) != 0) {
		const char *path, *label, *split;
		if (r < 0) {
			if (pt->bad++ < PROBLEMS_LISTED)
				row_bad(rs, c.line, xstrdup(without_line(why)));
			free(why);
			why = NULL;
			continue;
		}
		if ((size_t)cpath >= c.nfield || (size_t)clabel >= c.nfield) {
			if (pt->bad++ < PROBLEMS_LISTED)
				row_bad(rs, c.line, xasprintf("%zu fields, expected %zu",
				    c.nfield, pt->file->nheader));
			continue;
		}
		/* Names are escaped as winnow writes them (export --manifest):
		 * a line break cannot be in a row, nor a control byte in a
		 * file meant to be read. */
		if (unescape_name(c.field[cpath]) != 0 || unescape_name(c.field[clabel]) != 0 ||
		    (csplit >= 0 && (size_t)csplit < c.nfield &&
		    unescape_name(c.field[csplit]) != 0)) {
			if (pt->bad++ < PROBLEMS_LISTED)
				row_bad(rs, c.line, xstrdup("a backslash that is not "
				    "\\\\ or \\xNN (00 aside)"));
			continue;
		}
		path = c.field[cpath];
		label = c.field[clabel];
		split = csplit >= 0 && (size_t)csplit < c.nfield ? c.field[csplit] : "";
		while (path[0] == '.' && path[1] == '/')
			path += 2;
		if (!path_is_clean(path)) {
			if (pt->bad++ < PROBLEMS_LISTED)
				row_bad(rs, c.line, xasprintf("path '%s' is refused "
				    "(absolute, empty, or with '..')", path));
			continue;
		}
		/* An empty label is new data waiting for one, as in a `_` folder. */
		if (strcmp(label, last_id == ROW_NONE ? "" :
		    (const char *)g_ptr_array_index(rs->name, last_id)) != 0)
			last_id = *label ? row_name(rs, label) : ROW_NONE;
		row_add(rs, c.line, pt->in_place ? (uint32_t)(path - data) :
		    strpool_add(&pt->ds->paths, path, strlen(path)), 0, last_id,
		    *split ? row_name(rs, split) : ROW_NONE);
	}
	pt->lines = c.line;
	csv_close(&c);
}

/* A part's rows (from) after the ones in rs, or in rs already (from is rs:
 * the first part's), their lines after line `base`, their names numbered
 * as rs numbers them, their malformed rows listed while fewer than
 * PROBLEMS_LISTED are. */
static void
merge_rows(struct rows *rs, struct rows *from, size_t base, size_t *listed)
{
	uint32_t *map = xmalloc((from->name->len ? from->name->len : 1) * sizeof *map);
	size_t i;

	for (i = 0; i < from->name->len; i++)
		map[i] = from == rs ? (uint32_t)i :
		    row_name(rs, g_ptr_array_index(from->name, i));
	if (from != rs)
		rs->row = xgrow(rs->row, &rs->cap, rs->n + from->n, sizeof *rs->row);
	for (i = 0; i < from->n; i++) {
		struct row r = from->row[i];
		r.line += base;
		if (r.sample == ROW_BAD) {
			char **msg = (char **)&g_ptr_array_index(from->bad, r.label);
			char *text = *msg;
			if (from == rs) {
				*msg = xasprintf("line %zu: %s", r.line, text);
				rs->row[i] = r;
				(*listed)++;
			} else if ((*listed)++ < PROBLEMS_LISTED) {
				row_bad(rs, r.line, xasprintf("line %zu: %s", r.line, text));
			}
			free(text);
			if (from != rs)
				*msg = NULL;
			continue;
		}
		if (from == rs) {
			rs->row[i].line = r.line;
			continue;
		}
		if (r.label != ROW_NONE)
			r.label = map[r.label];
		if (r.split != ROW_NONE)
			r.split = map[r.split];
		rs->row[rs->n++] = r;
	}
	free(map);
}

/* Files smaller than this are read by one thread. */
#define PARALLEL_BYTES (4u << 20)
#define MAX_PARTS 8

unsigned dataset_manifest_parts;
int dataset_cache_listings = 1;

/* Read the rows, their paths into the dataset's pool; the parts of a big
 * file side by side. */
static int
read_rows(struct dataset *ds, const char *file, struct rows *rs, char **cause)
{
	struct csv c;
	struct part parts[MAX_PARTS];
	char *full = xasprintf("%s/%s", ds->root, file), *nl;
	int cpath, clabel, csplit, in_place = 0;
	size_t bad = 0, listed = 0, base, i, nparts = 1;

	if (csv_open(&c, full, cause) != 0) {
		free(full);
		return -1;
	}
	free(full);
	cpath = csv_column(&c, "path");
	clabel = csv_column(&c, "label");
	csplit = csv_column(&c, "split");
	if (cpath < 0 || clabel < 0) {
		set_cause(cause, "%s: the header must name the columns 'path' and 'label'", file);
		csv_close(&c);
		return -1;
	}
	/* The paths stay where csv leaves them, NUL-ended in the file's own
	 * buffer, which is the dataset's pool until relay_paths lays the
	 * samples' paths out anew: a million of them are not copied twice. */
	if (ds->paths.len == 0 && c.len < UINT32_MAX) {
		strpool_free(&ds->paths);
		ds->paths.data = c.data;
		ds->paths.len = ds->paths.cap = c.len + 1;
		c.borrowed = 1;
		in_place = 1;
	}
	/* Parts add to the pool only where it is the file itself. */
	if (in_place && dataset_manifest_parts > 0)
		nparts = dataset_manifest_parts < MAX_PARTS ? dataset_manifest_parts : MAX_PARTS;
	else if (in_place && c.len - c.pos >= PARALLEL_BYTES)
		nparts = parallel_threads(MAX_PARTS);
	memset(parts, 0, sizeof parts);
	for (i = 0; i < nparts; i++) {
		parts[i].ds = ds;
		parts[i].file = &c;
		parts[i].cpath = cpath;
		parts[i].clabel = clabel;
		parts[i].csplit = csplit;
		parts[i].in_place = in_place;
		parts[i].from = i == 0 ? c.pos : parts[i - 1].to;
		parts[i].to = i + 1 == nparts ? c.len : c.pos + (c.len - c.pos) * (i + 1) / nparts;
		if (parts[i].to < parts[i].from)
			parts[i].to = parts[i].from;
		else if (i + 1 < nparts && parts[i].to > c.pos &&
		    c.data[parts[i].to - 1] != '\n')
			parts[i].to = (nl = memchr(c.data + parts[i].to, '\n',
			    c.len - parts[i].to)) != NULL ? (size_t)(nl + 1 - c.data) : c.len;
		if (i == 0) {
			parts[i].rs = *rs;
		} else {
			parts[i].rs.names = g_hash_table_new(g_str_hash, g_str_equal);
			parts[i].rs.name = g_ptr_array_new_with_free_func(free);
			parts[i].rs.bad = g_ptr_array_new_with_free_func(free);
		}
	}
	parallel_for((unsigned)nparts, read_part, parts);
	*rs = parts[0].rs;
	base = c.line;
	for (i = 0; i < nparts; i++) {
		merge_rows(rs, i == 0 ? rs : &parts[i].rs, base, &listed);
		base += parts[i].lines;
		bad += parts[i].bad;
		if (i > 0) {
			free(parts[i].rs.row);
			g_hash_table_destroy(parts[i].rs.names);
			g_ptr_array_free(parts[i].rs.name, TRUE);
			g_ptr_array_free(parts[i].rs.bad, TRUE);
		}
	}
	if (bad > PROBLEMS_LISTED)
		row_bad(rs, SIZE_MAX, xasprintf("%zu malformed rows in all", bad));
	csv_close(&c);
	return 0;
}

struct row_order {
	const struct dataset *ds;
	const struct row *row;
};

/* By path, and among the rows of one path in the manifest's order. */
static int
cmp_row_path(const void *a, const void *b, void *arg)
{
	const struct row_order *o = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int c = strcmp(strpool_get(&o->ds->paths, o->row[x].path),
	    strpool_get(&o->ds->paths, o->row[y].path));
	return c != 0 ? c : x < y ? -1 : x > y;
}

/* Sort row numbers by cmp_row_path, merging the runs already in order: a
 * manifest is mostly a few sorted listings one after another (a listing of
 * each folder, or of each part of a dataset), whose merge costs a few
 * comparisons a row where a sort from scratch costs twenty. */
static void
sort_rows(uint32_t *order, size_t n, struct row_order *o)
{
	size_t *run = xmalloc((n + 2) * sizeof *run), nrun = 0, r, k, a, b, mid, end;
	uint32_t *tmp, *src = order, *dst, *swap;

	/* run[r] .. run[r + 1]: run r; nrun runs (one, empty, when n is 0) */
	run[0] = 0;
	for (k = 1; k < n; k++)
		if (cmp_row_path(&order[k - 1], &order[k], o) > 0)
			run[++nrun] = k;
	run[++nrun] = n;
	if (nrun < 2) {
		free(run);
		return;
	}
	dst = tmp = xmalloc(n * sizeof *tmp);
	while (nrun > 1) {
		for (r = 0; r < nrun; r += 2) {
			a = run[r];
			mid = run[r + 1];
			end = r + 2 <= nrun ? run[r + 2] : mid;
			b = mid;
			k = a;
			/* the left run first among equals: the merge is stable */
			while (a < mid && b < end)
				dst[k++] = cmp_row_path(&src[b], &src[a], o) < 0 ? src[b++] : src[a++];
			while (a < mid)
				dst[k++] = src[a++];
			while (b < end)
				dst[k++] = src[b++];
			run[r / 2] = run[r];
		}
		nrun = (nrun + 1) / 2;
		run[nrun] = n;
		swap = src;
		src = dst;
		dst = swap;
	}
	if (src != order)
		memcpy(order, src, n * sizeof *order);
	free(tmp);
	free(run);
}

/* A sample for each path the rows name, in path order (as dataset_sort
 * wants them), and each row's, sample[i] for row i (the rows are left as
 * they are: the listing reads them meanwhile). Sorting finds the repeated
 * paths that a hash table would, and gives the order the dataset needs
 * anyway. */
static void
samples_of_rows(struct dataset *ds, const struct rows *rs, uint32_t *sample)
{
	struct row_order o = { ds, rs->row };
	uint32_t *order = xmalloc((rs->n ? rs->n : 1) * sizeof *order), at;
	const char *path, *prev = NULL;
	size_t i, n = 0;

	for (i = 0; i < rs->n; i++)
		if (rs->row[i].sample != ROW_BAD)
			order[n++] = (uint32_t)i;
	sort_rows(order, n, &o);
	ds->samples = xgrow(ds->samples, &ds->capsamples, ds->nsamples + n, sizeof *ds->samples);
	for (i = 0; i < n; i++) {
		at = rs->row[order[i]].path;
		path = strpool_get(&ds->paths, at);
		if (prev == NULL || strcmp(prev, path) != 0)
			add_sample_at(ds, at, strlen(path), LABEL_NONE, SPLIT_NONE, 0);
		sample[order[i]] = (uint32_t)(ds->nsamples - 1);
		prev = path;
	}
	free(order);
}

/* The two pieces of work that need the rows alone, side by side: the
 * samples of the rows (a sort, on one core) and the listing of their
 * folders (the kernel's work, on the others). */
struct row_work {
	struct dataset *ds;
	const struct rows *rs;
	uint32_t *sample;       /* each row's sample */
	int *why;               /* exists.h's answer for each row not malformed */
};

static void
row_work(void *arg, unsigned k)
{
	struct row_work *w = arg;
	const char **paths;
	char *cache;
	size_t i, n = 0;

	if (k == 0) {
		samples_of_rows(w->ds, w->rs, w->sample);
		return;
	}
	/* Each row's file is looked for, a repeated path as often as it is
	 * listed: the answer is the same each time, and the listing need not
	 * wait for the sort that finds the repeats. */
	paths = xmalloc((w->rs->n ? w->rs->n : 1) * sizeof *paths);
	for (i = 0; i < w->rs->n; i++)
		if (w->rs->row[i].sample != ROW_BAD)
			paths[n++] = strpool_get(&w->ds->paths, w->rs->row[i].path);
	cache = dataset_cache_listings ? cache_path("folders") : NULL;
	exists_check(w->ds->rootfd, paths, n, w->why, cache);
	free(cache);
	free(paths);
}

int
load_manifest(struct dataset *ds, const char *file, char **cause)
{
	struct rows rs = { 0 };
	struct row_work w = { ds, &rs, NULL, NULL };
	size_t missing = 0, dups = 0, i, k, n;
	uint32_t *labels, *splits;
	uint8_t *taken;

	rs.names = g_hash_table_new(g_str_hash, g_str_equal);
	rs.name = g_ptr_array_new_with_free_func(free);
	rs.bad = g_ptr_array_new_with_free_func(free);
	if (read_rows(ds, file, &rs, cause) != 0) {
		g_hash_table_destroy(rs.names);
		g_ptr_array_free(rs.name, TRUE);
		g_ptr_array_free(rs.bad, TRUE);
		return -1;
	}
	w.sample = xmalloc((rs.n ? rs.n : 1) * sizeof *w.sample);
	w.why = xmalloc((rs.n ? rs.n : 1) * sizeof *w.why);
	parallel_for(2, row_work, &w);

	labels = xmalloc((rs.name->len ? rs.name->len : 1) * sizeof *labels);
	splits = xmalloc((rs.name->len ? rs.name->len : 1) * sizeof *splits);
	for (i = 0; i < rs.name->len; i++)
		labels[i] = splits[i] = ROW_NONE;
	taken = xcalloc(ds->nsamples ? ds->nsamples : 1, 1);
	for (i = k = 0; i < rs.n; i++) {
		struct row *r = &rs.row[i];
		struct sample *s;
		const char *path;
		int why;
		if (r->sample == ROW_BAD) {
			dataset_problem(ds, file, "%s", (char *)g_ptr_array_index(rs.bad, r->label));
			continue;
		}
		why = w.why[k++];
		s = &ds->samples[w.sample[i]];
		path = sample_path(ds, w.sample[i]);
		if (taken[w.sample[i]]) {
			if (dups++ < PROBLEMS_LISTED)
				dataset_problem(ds, file, "line %zu: %s is listed again; "
				    "the first row counts", r->line, path);
			continue;
		}
		if (why != EXISTS_REGULAR) {
			int e = why > 0 ? why : 0;
			if (missing++ < PROBLEMS_LISTED)
				dataset_problem(ds, file, "line %zu: %s: %s", r->line, path,
				    e == EXDEV ? "leads out of the dataset; skipped" :
				    e ? strerror(e) : "not a regular file");
			continue;
		}
		taken[w.sample[i]] = 1;
		if (r->label != ROW_NONE && labels[r->label] == ROW_NONE)
			labels[r->label] = dataset_label_intern(ds,
			    g_ptr_array_index(rs.name, r->label));
		s->label = (uint16_t)(r->label != ROW_NONE ? labels[r->label] : LABEL_NONE);
		if (r->split != ROW_NONE && splits[r->split] == ROW_NONE)
			splits[r->split] = split_intern(ds, g_ptr_array_index(rs.name, r->split));
		s->split = (uint8_t)(r->split != ROW_NONE ? splits[r->split] : SPLIT_NONE);
	}
	if (missing > PROBLEMS_LISTED)
		dataset_problem(ds, file, "%zu rows in all name files that are missing", missing);
	if (dups > PROBLEMS_LISTED)
		dataset_problem(ds, file, "%zu repeated rows in all", dups);

	/* Only the samples a row took stay; the pool, in the rows' order and
	 * with their repeated and missing paths, is laid out anew. */
	for (i = n = 0; i < ds->nsamples; i++)
		if (taken[i])
			ds->samples[n++] = ds->samples[i];
	ds->nsamples = n;
	relay_paths(ds);
	free(taken);
	free(w.sample);
	free(w.why);
	free(labels);
	free(splits);
	free(rs.row);
	g_hash_table_destroy(rs.names);
	g_ptr_array_free(rs.name, TRUE);
	g_ptr_array_free(rs.bad, TRUE);
	return 0;
}
