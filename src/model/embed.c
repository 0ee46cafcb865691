/* embed.c — embeddings: read (plain TSV or TensorBoard projector files);
 * what they say is worked out in embed-analyse.c. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dataset.h"
#include "embed.h"
#include "number.h"
#include "util.h"
#include "worker.h"

/* ---- numbers ---- */

/* A number at p (spaces before it skipped), inf and nan included: they are
 * reported as not finite, not as garbage. Returns the end of the number, or
 * NULL when there is none. */
static const char *
parse_float(const char *p, const char *end, double *out)
{
	while (p < end && *p == ' ')
		p++;
	return number_parse_nonfinite(p, end, out);
}

/* ---- reading ---- */

/* What a row's parse found. */
enum row_state { ROW_OK, ROW_WIDTH, ROW_VALUE, ROW_NONFINITE };

struct row {
	const char *p, *end;    /* the line, trailing spaces and CR cut */
	const char *values;     /* where the numbers start (after the path) */
	size_t line;            /* 1-based */
	uint8_t state;          /* enum row_state */
	uint32_t info;          /* width: values found; value: its column */
};

struct parse_job {
	struct row *rows;
	size_t first, last;
	size_t dim;
	float *x;
	int (*stop)(void *);
	void *arg;
	int stopped;
};

/* Parse the numbers of rows [first, last) of jobs[part] into x, row r at
 * x + r * dim. */
static void
parse_rows(void *arg, unsigned part)
{
	struct parse_job *job = (struct parse_job *)arg + part;
	size_t r, k;

	for (r = job->first; r < job->last; r++) {
		struct row *row = &job->rows[r];
		if (r % 4096 == 0 && job->stop && job->stop(job->arg)) {
			job->stopped = 1;
			break;
		}
		float *out = job->x + r * job->dim;
		const char *p = row->values, *q;
		double v;

		row->state = ROW_OK;
		for (k = 0;; k++) {
			if ((q = parse_float(p, row->end, &v)) == NULL) {
				row->state = ROW_VALUE;
				row->info = (uint32_t)k;
				break;
			}
			while (q < row->end && *q == ' ')
				q++;
			if (q < row->end && *q != '\t') {
				row->state = ROW_VALUE;
				row->info = (uint32_t)k;
				break;
			}
			if (k < job->dim) {
				out[k] = (float)v;
				if (!isfinite(out[k]) && row->state == ROW_OK) {
					row->state = ROW_NONFINITE;
					row->info = (uint32_t)k;
				}
			}
			if (q == row->end)
				break;
			p = q + 1;
		}
		if (row->state != ROW_VALUE && k + 1 != job->dim) {
			row->state = ROW_WIDTH;
			row->info = (uint32_t)(k + 1);
		}
	}
	return;
}

/* Returns 0, or -1 when stopped. */
static int
parse_all(struct row *rows, size_t nrows, size_t dim, float *x,
    int (*stop)(void *), void *arg)
{
	int stopped = 0;
	struct parse_job jobs[8];
	size_t i, nth = parallel_threads(8);

	/* Threads cost more than they save on small files. */
	if ((size_t)nrows * dim < 1000000)
		nth = 1;
	for (i = 0; i < nth; i++)
		jobs[i] = (struct parse_job){ rows, nrows * i / nth,
		    nrows * (i + 1) / nth, dim, x, stop, arg, 0 };
	parallel_for((unsigned)nth, parse_rows, jobs);
	for (i = 0; i < nth; i++)
		stopped |= jobs[i].stopped;
	return stopped ? -1 : 0;
}

/* A file's bytes, mapped. */
struct mapped {
	const char *data;
	size_t len;
};

static int
map_file(const char *path, struct mapped *m, char **cause)
{
	struct stat st;
	int fd;
	void *p;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		set_cause(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		set_cause(cause, "%s: %s", path, S_ISDIR(st.st_mode) ? "is a folder" :
		    "not a regular file");
		close(fd);
		return -1;
	}
	if (st.st_size == 0) {
		set_cause(cause, "%s: empty file", path);
		close(fd);
		return -1;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		set_cause(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
	m->data = p;
	m->len = (size_t)st.st_size;
	return 0;
}

static void
unmap_file(struct mapped *m)
{
	if (m->data != NULL)
		munmap((void *)m->data, m->len);
	m->data = NULL;
}

/* Split text into its non-blank lines, each without trailing white space. */
static struct row *
split_lines(const char *data, size_t len, size_t *nrows)
{
	struct row *rows = NULL;
	size_t n = 0, cap = 0, line = 0;
	const char *p = data, *end = data + len, *nl, *e;

	while (p < end) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		e = nl;
		while (e > p && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > p) {
			rows = xgrow(rows, &cap, n + 1, sizeof *rows);
			rows[n++] = (struct row){ .p = p, .end = e, .values = p, .line = line };
		}
		p = nl + 1;
	}
	*nrows = n;
	return rows;
}

/* Is the whole line numbers separated by tabs? */
static int
all_numbers(const char *p, const char *end)
{
	const char *q;
	double v;
	for (;;) {
		if ((q = parse_float(p, end, &v)) == NULL)
			return 0;
		while (q < end && *q == ' ')
			q++;
		if (q == end)
			return 1;
		if (*q != '\t')
			return 0;
		p = q + 1;
	}
}

static size_t
count_fields(const char *p, const char *end)
{
	size_t n = 1;
	while ((p = memchr(p, '\t', (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}

/* The usual number of values among the first rows: one bad first row must
 * not make every other row look bad. */
static size_t
usual_width(const struct row *rows, size_t nrows)
{
	size_t w[64], i, j, best = 0, bestn = 0, m = nrows < 64 ? nrows : 64;
	for (i = 0; i < m; i++)
		w[i] = count_fields(rows[i].values, rows[i].end);
	for (i = 0; i < m; i++) {
		size_t c = 0;
		for (j = 0; j < m; j++)
			c += w[j] == w[i];
		if (c > bestn || (c == bestn && w[i] > best))
			best = w[i], bestn = c;
	}
	return best;
}

static void
add_problem(struct embeddings *e, enum embed_bad why, size_t line,
    const char *fmt, ...) WN_PRINTF(4, 5);

static void
add_problem(struct embeddings *e, enum embed_bad why, size_t line,
    const char *fmt, ...)
{
	va_list ap;
	e->bad[why]++;
	e->nbad++;
	if (e->nproblems >= EMBED_MAX_PROBLEMS)
		return;
	e->problems = xrealloc(e->problems, (e->nproblems + 1) * sizeof *e->problems);
	e->problems[e->nproblems].line = line;
	va_start(ap, fmt);
	e->problems[e->nproblems].message = xvasprintf(fmt, ap);
	va_end(ap);
	e->nproblems++;
}

/* A short, printable copy of a field for messages. */
static void
field_text(struct buf *b, const char *p, const char *end)
{
	char tmp[48];
	size_t n = 0;
	while (p + n < end && p[n] != '\t' && n < 40)
		n++;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	b->len = 0;
	escape_name(b, tmp);
	if (p + n < end && p[n] != '\t')
		buf_adds(b, "…");
}

static const char *
nth_field(const char *p, const char *end, size_t k)
{
	while (k-- > 0 && p < end) {
		const char *t = memchr(p, '\t', (size_t)(end - p));
		if (t == NULL)
			return end;
		p = t + 1;
	}
	return p;
}

/* A path as written in the file → relative to ROOT: an absolute path
 * inside ROOT and a leading "./" are accepted. */
static const char *
relative_path(const struct dataset *ds, const char *p)
{
	size_t rl = strlen(ds->root);
	if (p[0] == '/' && strncmp(p, ds->root, rl) == 0 && p[rl] == '/')
		p += rl + 1;
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	return p;
}

/* The metadata file of a TensorBoard pair: its rows' paths. Returns a
 * heap array of nrows pointers into *text (both freed by the caller), or
 * NULL with *cause set. */
static char **
read_metadata(const char *file, char **text, size_t *nrows, size_t **lines,
    char **cause)
{
	size_t len, n = 0, i, col = 0, ncols;
	struct row *rows;
	char **paths;

	if ((*text = read_file(file, &len, cause)) == NULL)
		return NULL;
	rows = split_lines(*text, len, &n);
	if (n == 0) {
		set_cause(cause, "%s: no rows", file);
		free(rows);
		return NULL;
	}
	/* TensorBoard: one column has no header; several have one. */
	ncols = count_fields(rows[0].p, rows[0].end);
	i = 0;
	if (ncols > 1) {
		static const char *const names[] = { "path", "file", "filename", "sample" };
		size_t k, c;
		int found = 0;
		for (k = 0; k < ARRAY_SIZE(names) && !found; k++)
			for (c = 0; c < ncols && !found; c++) {
				const char *f = nth_field(rows[0].p, rows[0].end, c);
				const char *fe = memchr(f, '\t', (size_t)(rows[0].end - f));
				size_t fl = (size_t)((fe ? fe : rows[0].end) - f);
				if (fl == strlen(names[k]) && strncasecmp(f, names[k], fl) == 0)
					found = 1, col = c;
			}
		if (!found) {
			set_cause(cause, "%s: no column named path in its header", file);
			free(rows);
			return NULL;
		}
		i = 1;
	}
	paths = xmalloc((n - i + 1) * sizeof *paths);
	*lines = xmalloc((n - i + 1) * sizeof **lines);
	*nrows = n - i;
	for (n = 0; i < *nrows + (ncols > 1); i++, n++) {
		char *f = (char *)nth_field(rows[i].p, rows[i].end, col);
		char *fe = memchr(f, '\t', (size_t)(rows[i].end - f));
		if (fe == NULL)
			fe = (char *)rows[i].end;
		*fe = '\0';     /* the text is ours to cut */
		paths[n] = f;
		(*lines)[n] = rows[i].line;
	}
	free(rows);
	return paths;
}

static int
is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static char *
sibling(const char *file, const char *name)
{
	const char *slash = strrchr(file, '/');
	if (slash == NULL)
		return xstrdup(name);
	return xasprintf("%.*s/%s", (int)(slash - file), file, name);
}

char *
embed_default_file(const struct dataset *ds)
{
	char *f = xasprintf("%s/embeddings.tsv", ds->root), *m;
	if (is_file(f))
		return f;
	free(f);
	f = xasprintf("%s/vectors.tsv", ds->root);
	m = xasprintf("%s/metadata.tsv", ds->root);
	if (is_file(f) && is_file(m)) {
		free(m);
		return f;
	}
	free(f);
	free(m);
	return NULL;
}

void
embed_free(struct embeddings *e)
{
	size_t i;
	if (e == NULL)
		return;
	for (i = 0; i < e->nproblems; i++)
		free(e->problems[i].message);
	free(e->problems);
	free(e->file);
	free(e->metadata);
	free(e->x);
	free(e->sample);
	free(e);
}

/* Resolve what -e names: a folder holding the files, or metadata.tsv given
 * for its vectors. Returns a new path. */
static char *
resolve_file(const char *file)
{
	struct stat st;
	const char *base = strrchr(file, '/');
	char *f, *v;

	base = base ? base + 1 : file;
	if (stat(file, &st) == 0 && S_ISDIR(st.st_mode)) {
		f = xasprintf("%s/embeddings.tsv", file);
		if (is_file(f))
			return f;
		free(f);
		return xasprintf("%s/vectors.tsv", file);
	}
	if (strcmp(base, "metadata.tsv") == 0) {
		v = sibling(file, "vectors.tsv");
		if (is_file(v))
			return v;
		free(v);
	}
	return xstrdup(file);
}

struct embeddings *
embed_load(struct dataset *ds, const char *file, int (*stop)(void *), void *arg,
    char **cause)
{
	struct embeddings *e = xcalloc(1, sizeof *e);
	struct mapped map = { 0 };
	struct row *rows = NULL;
	size_t nrows, i, kept, nmeta = 0, *meta_lines = NULL, first;
	char **meta = NULL, *meta_text = NULL;
	uint32_t *seen = NULL;          /* sample → row line + 1 */
	struct buf b = { 0 }, path = { 0 };
	int plain;

	e->file = resolve_file(file);
	if (map_file(e->file, &map, cause) != 0)
		goto fail;
	rows = split_lines(map.data, map.len, &nrows);
	if (nrows == 0) {
		set_cause(cause, "%s: no rows", e->file);
		goto fail;
	}

	/* Numbers from the first column on: TensorBoard vectors. Otherwise a
	 * path first, and maybe a header row. */
	plain = !all_numbers(rows[0].p, rows[0].end);
	first = 0;
	if (plain) {
		for (i = 0; i < nrows; i++) {
			const char *t = memchr(rows[i].p, '\t', (size_t)(rows[i].end - rows[i].p));
			rows[i].values = t ? t + 1 : rows[i].end;
		}
		if (rows[0].values == rows[0].end) {
			set_cause(cause, "%s: line %zu: a path and numbers separated by "
			    "tabs expected", e->file, rows[0].line);
			goto fail;
		}
		/* A header row: no numbers, and no sample's path. */
		if (!all_numbers(rows[0].values, rows[0].end)) {
			buf_add(&path, rows[0].p, (size_t)(rows[0].values - 1 - rows[0].p));
			first = dataset_find(ds, relative_path(ds, buf_str(&path))) < 0;
		}
	} else {
		e->metadata = sibling(e->file, "metadata.tsv");
		if ((meta = read_metadata(e->metadata, &meta_text, &nmeta, &meta_lines,
		    cause)) == NULL)
			goto fail;
		if (nmeta != nrows) {
			set_cause(cause, "%s has %zu rows but %s has %zu: they must match "
			    "row for row", e->file, nrows, e->metadata, nmeta);
			goto fail;
		}
	}
	if (first >= nrows) {
		set_cause(cause, "%s: no rows after the header", e->file);
		goto fail;
	}
	e->lines = nrows - first;
	e->dim = usual_width(rows + first, nrows - first);
	if (e->dim > EMBED_MAX_DIM) {
		set_cause(cause, "%s: %zu values a row, more than %d", e->file, e->dim,
		    EMBED_MAX_DIM);
		goto fail;
	}
	e->x = xmalloc((nrows - first) * e->dim * sizeof *e->x);
	if (parse_all(rows + first, nrows - first, e->dim, e->x, stop, arg) != 0) {
		set_cause(cause, "stopped");
		goto fail;
	}

	/* Join to the dataset; keep good rows, packed. */
	e->sample = xmalloc((nrows - first) * sizeof *e->sample);
	seen = xcalloc(ds->nsamples + 1, sizeof *seen);
	for (i = first, kept = 0; i < nrows; i++) {
		struct row *row = &rows[i];
		const char *rel;
		long s;

		switch (row->state) {
		case ROW_WIDTH:
			add_problem(e, EMBED_BAD_WIDTH, row->line, "%u values, %zu expected",
			    row->info, e->dim);
			continue;
		case ROW_VALUE:
			field_text(&b, nth_field(row->values, row->end, row->info), row->end);
			add_problem(e, EMBED_BAD_VALUE, row->line, "value %u is not a number: %s",
			    row->info + 1, buf_str(&b));
			continue;
		case ROW_NONFINITE:
			field_text(&b, nth_field(row->values, row->end, row->info), row->end);
			add_problem(e, EMBED_BAD_VALUE, row->line, "value %u is not finite: %s",
			    row->info + 1, buf_str(&b));
			continue;
		}
		path.len = 0;
		if (plain)
			buf_add(&path, row->p, (size_t)(row->values - 1 - row->p));
		else
			buf_adds(&path, meta[i]);
		rel = relative_path(ds, buf_str(&path));
		b.len = 0;
		escape_name(&b, rel);
		if ((s = dataset_find(ds, rel)) < 0) {
			if (plain)
				add_problem(e, EMBED_BAD_PATH, row->line,
				    "%s is not a sample of the dataset", buf_str(&b));
			else
				add_problem(e, EMBED_BAD_PATH, row->line,
				    "%s (metadata line %zu) is not a sample of the dataset",
				    buf_str(&b), meta_lines[i]);
			continue;
		}
		if (seen[s]) {
			add_problem(e, EMBED_BAD_REPEAT, row->line,
			    "%s again (first at line %u)", buf_str(&b), seen[s]);
			continue;
		}
		seen[s] = (uint32_t)row->line;
		if (kept != i - first)
			memmove(e->x + kept * e->dim, e->x + (i - first) * e->dim,
			    e->dim * sizeof *e->x);
		e->sample[kept++] = (uint32_t)s;
	}
	e->n = kept;
	if (kept == 0) {
		if (e->nproblems)
			set_cause(cause, "%s: none of its %zu rows is usable (line %zu: %s)",
			    e->file, e->lines, e->problems[0].line, e->problems[0].message);
		else
			set_cause(cause, "%s: none of its %zu rows is usable", e->file, e->lines);
		goto fail;
	}
	if (kept < nrows - first) {
		e->x = xrealloc(e->x, kept * e->dim * sizeof *e->x);
		e->sample = xrealloc(e->sample, kept * sizeof *e->sample);
	}
	goto out;
fail:
	embed_free(e);
	e = NULL;
out:
	free(seen);
	free(rows);
	free(meta);
	free(meta_lines);
	free(meta_text);
	buf_free(&b);
	buf_free(&path);
	unmap_file(&map);
	return e;
}
