/* embed.c — embeddings: read (plain TSV or TensorBoard projector files),
 * principal components through LAPACK, and the cluster scores. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checks.h"
#include "dataset.h"
#include "embed.h"
#include "embed-knn.h"
#include "number.h"
#include "util.h"
#include "worker.h"

/* BLAS and LAPACK (OpenBLAS where installed), loaded when an analysis
 * first needs them: OpenBLAS starts its threads as it loads, and they
 * spin for a while, which every other command would pay for. Fortran
 * passes everything by reference, and each character argument's length
 * after the others. */
static void (*ssyrk_)(const char *uplo, const char *trans, const int *n,
    const int *k, const float *alpha, const float *a, const int *lda,
    const float *beta, float *c, const int *ldc, size_t, size_t);
static void (*sgemm_)(const char *transa, const char *transb, const int *m,
    const int *n, const int *k, const float *alpha, const float *a,
    const int *lda, const float *b, const int *ldb, const float *beta,
    float *c, const int *ldc, size_t, size_t);
static void (*dsyevr_)(const char *jobz, const char *range, const char *uplo,
    const int *n, double *a, const int *lda, const double *vl,
    const double *vu, const int *il, const int *iu, const double *abstol,
    int *m, double *w, double *z, const int *ldz, int *isuppz, double *work,
    const int *lwork, int *iwork, const int *liwork, int *info, size_t,
    size_t, size_t);

static pthread_once_t lapack_once = PTHREAD_ONCE_INIT;
static char lapack_error[256];

static void
lapack_open(void)
{
	static const char *const names[] = { LAPACK_SONAME, "liblapack.so" };
	void *h = NULL;
	size_t i;

	/* The first name's failure is the one to tell (dlerror's text lasts
	 * only until the next try). */
	for (i = 0; i < ARRAY_SIZE(names) && h == NULL; i++)
		if ((h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL)) == NULL && i == 0)
			snprintf(lapack_error, sizeof lapack_error, "cannot load LAPACK (%s): %s",
			    names[i], dlerror());
	if (h == NULL)
		return;
	lapack_error[0] = '\0';
	/* The BLAS routines come with LAPACK, which depends on them. */
	*(void **)&ssyrk_ = dlsym(h, "ssyrk_");
	*(void **)&sgemm_ = dlsym(h, "sgemm_");
	*(void **)&dsyevr_ = dlsym(h, "dsyevr_");
	if (ssyrk_ == NULL || sgemm_ == NULL || dsyevr_ == NULL)
		snprintf(lapack_error, sizeof lapack_error, "%s lacks %s", LAPACK_SONAME,
		    ssyrk_ == NULL ? "ssyrk_" : sgemm_ == NULL ? "sgemm_" : "dsyevr_");
}

/* Load LAPACK once; 0, or -1 with *cause set. */
static int
lapack_load(char **cause)
{
	pthread_once(&lapack_once, lapack_open);
	if (lapack_error[0] == '\0')
		return 0;
	set_cause(cause, "%s", lapack_error);
	return -1;
}

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

/* ---- principal components ---- */

/* The k eigenvectors of the symmetric n × n matrix a (lower triangle,
 * column-major; destroyed) with the largest eigenvalues, most first: values
 * into w[k], vectors into v (k rows of n). Each vector's largest component
 * is made positive, so results do not flip between runs. Returns 0, or -1
 * with *cause set. */
static int
top_eigen(double *a, int n, int k, double *w, float *v, char **cause)
{
	const double zero = 0;
	int il = n - k + 1, iu = n, m = 0, info = 0, lwork = -1, liwork = -1, iwq;
	int *isuppz = xmalloc(2 * (size_t)k * sizeof *isuppz), *iwork;
	double wq, *work, *z = xmalloc((size_t)n * k * sizeof *z);
	double *wall = xmalloc((size_t)n * sizeof *wall);
	int c, j, best;

	dsyevr_("V", "I", "L", &n, a, &n, &zero, &zero, &il, &iu, &zero, &m, wall,
	    z, &n, isuppz, &wq, &lwork, &iwq, &liwork, &info, 1, 1, 1);
	lwork = (int)wq;
	liwork = iwq;
	work = xmalloc((size_t)lwork * sizeof *work);
	iwork = xmalloc((size_t)liwork * sizeof *iwork);
	dsyevr_("V", "I", "L", &n, a, &n, &zero, &zero, &il, &iu, &zero, &m, wall,
	    z, &n, isuppz, work, &lwork, iwork, &liwork, &info, 1, 1, 1);
	free(work);
	free(iwork);
	free(isuppz);
	if (info != 0 || m != k) {
		set_cause(cause, "the eigenvalue solver failed (dsyevr info %d)", info);
		free(z);
		free(wall);
		return -1;
	}
	/* LAPACK gives them in ascending order. */
	for (c = 0; c < k; c++) {
		const double *col = z + (size_t)(k - 1 - c) * n;
		w[c] = wall[k - 1 - c] > 0 ? wall[k - 1 - c] : 0;
		for (j = 1, best = 0; j < n; j++)
			if (fabs(col[j]) > fabs(col[best]))
				best = j;
		for (j = 0; j < n; j++)
			v[(size_t)c * n + j] = (float)(col[best] < 0 ? -col[j] : col[j]);
	}
	free(z);
	free(wall);
	return 0;
}

/* Covariance of n centred rows of dim values (row-major) as a dim × dim
 * lower triangle in double, through BLAS's ssyrk. */
static double *
covariance(const float *x, size_t n, size_t dim)
{
	int in = (int)n, id = (int)dim;
	float alpha = 1.0f / (float)(n > 1 ? n - 1 : 1), beta = 0;
	float *c = xcalloc(dim * dim, sizeof *c);
	double *cd = xmalloc(dim * dim * sizeof *cd);
	size_t i;

	ssyrk_("L", "N", &id, &in, &alpha, x, &id, &beta, c, &id, 1, 1);
	for (i = 0; i < dim * dim; i++)
		cd[i] = c[i];
	free(c);
	return cd;
}

/* out (n × k) = x (n × dim, row-major) times the k vectors v (k × dim). */
static void
project(const float *x, size_t n, size_t dim, const float *v, size_t k,
    float *out)
{
	int in = (int)n, id = (int)dim, ik = (int)k;
	float one = 1, zero = 0;
	sgemm_("T", "N", &ik, &in, &id, &one, v, &id, x, &id, &zero, out, &ik, 1, 1);
}

/* ---- k-means, k = 2 ---- */

static uint64_t
splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double
uniform01(uint64_t *s)
{
	return (double)(splitmix64(s) >> 11) * (1.0 / 9007199254740992.0);
}

#define KMEANS_TRIES 4
#define KMEANS_ITERATIONS 100
#define KMEANS_FIT_ROWS 4096

static double
dist2(const float *p, const double *c, size_t m)
{
	double s = 0, t;
	size_t j;
	for (j = 0; j < m; j++) {
		t = p[j] - c[j];
		s += t * t;
	}
	return s;
}

/* Lloyd's k-means with two centres over n points of m coordinates (stride
 * apart), from k-means++ starts drawn from seed; the best of a few tries.
 * Fills c[2][m] and assign[n]; returns the sum of squared distances, or -1
 * when the points are all one. */
static double
kmeans2(const float *q, size_t n, size_t stride, size_t m, uint64_t seed,
    double c[2][EMBED_CLASS_COMPONENTS], uint8_t *assign)
{
	double best = -1, cc[2][EMBED_CLASS_COMPONENTS], sum[2][EMBED_CLASS_COMPONENTS];
	double *d2 = xmalloc(n * sizeof *d2), total, r, sse;
	uint8_t *a = xmalloc(n);
	size_t cnt[2], i, j, it, first;
	int t, changed;

	for (t = 0; t < KMEANS_TRIES; t++) {
		first = (size_t)(splitmix64(&seed) % n);
		for (j = 0; j < m; j++)
			cc[0][j] = q[first * stride + j];
		for (i = 0, total = 0; i < n; i++)
			total += d2[i] = dist2(q + i * stride, cc[0], m);
		if (total <= 0)
			break;
		r = uniform01(&seed) * total;
		for (i = 0; i + 1 < n && (r -= d2[i]) > 0; i++)
			;
		while (d2[i] <= 0)      /* never a copy of the first centre */
			i = i ? i - 1 : n - 1;
		for (j = 0; j < m; j++)
			cc[1][j] = q[i * stride + j];
		memset(a, 2, n);
		for (it = 0; it < KMEANS_ITERATIONS; it++) {
			changed = 0;
			memset(sum, 0, sizeof sum);
			cnt[0] = cnt[1] = 0;
			for (i = 0; i < n; i++) {
				const float *p = q + i * stride;
				uint8_t g = dist2(p, cc[1], m) < dist2(p, cc[0], m);
				changed |= a[i] != g;
				a[i] = g;
				cnt[g]++;
				for (j = 0; j < m; j++)
					sum[g][j] += p[j];
			}
			if (cnt[0] == 0 || cnt[1] == 0)
				break;
			for (j = 0; j < m; j++) {
				cc[0][j] = sum[0][j] / (double)cnt[0];
				cc[1][j] = sum[1][j] / (double)cnt[1];
			}
			if (!changed)
				break;
		}
		if (cnt[0] == 0 || cnt[1] == 0)
			continue;
		for (i = 0, sse = 0; i < n; i++)
			sse += dist2(q + i * stride, cc[a[i]], m);
		if (best < 0 || sse < best) {
			best = sse;
			memcpy(c, cc, sizeof cc);
			memcpy(assign, a, n);
		}
	}
	free(d2);
	free(a);
	return best;
}

/* ---- scores ---- */

void
embed_analysis_free(struct embed_analysis *a)
{
	if (a == NULL)
		return;
	free(a->mean);
	free(a->components);
	free(a->variance);
	free(a->proj);
	free(a->class_xy);
	free(a->outlier);
	free(a->group);
	free(a->classes);
	free(a);
}

/* Outlier scores of one class's rows (row ids in rows[n]), in the full
 * space; sets the class's spread. */
static void
class_outliers(const struct embeddings *e, struct embed_analysis *a,
    const uint32_t *rows, size_t n, struct embed_class *cl)
{
	size_t i, j, d = e->dim;
	double *mu = xcalloc(d, sizeof *mu), *d2 = xmalloc(n * sizeof *d2), ss = 0;

	for (i = 0; i < n; i++) {
		const float *x = e->x + (size_t)rows[i] * d;
		for (j = 0; j < d; j++)
			mu[j] += x[j];
	}
	for (j = 0; j < d; j++)
		mu[j] /= (double)n;
	for (i = 0; i < n; i++) {
		const float *x = e->x + (size_t)rows[i] * d;
		double s = 0, t;
		for (j = 0; j < d; j++) {
			t = x[j] - mu[j];
			s += t * t;
		}
		ss += d2[i] = s;
	}
	cl->spread = (float)sqrt(ss / (double)n);
	if (n >= EMBED_MIN_OUTLIER_CLASS && cl->spread > 0)
		for (i = 0; i < n; i++)
			a->outlier[rows[i]] = (float)(sqrt(d2[i]) / cl->spread);
	free(mu);
	free(d2);
}

/* One class's own components (within the global ones), its 2-D view, and
 * its split. Its outliers are left out of fitting, not out of the view. */
static int
class_split(struct embed_analysis *a, const uint32_t *rows, size_t n,
    unsigned label, struct embed_class *cl, char **cause)
{
	size_t M = a->ncomp, i, j, ncore = 0, m, kc;
	float *core, *q, *v;
	double *mu = xcalloc(M, sizeof *mu), *cov, w[EMBED_CLASS_COMPONENTS];
	double c[2][EMBED_CLASS_COMPONENTS], delta, within;
	uint8_t *assign;
	size_t cnt[2] = { 0, 0 };
	int status = -1;

	m = n / 10;
	m = m < 1 ? 1 : m > EMBED_CLASS_COMPONENTS ? EMBED_CLASS_COMPONENTS : m;
	if (m > M)
		m = M;
	kc = m < 2 ? 2 : m;
	if (kc > M)
		kc = M;

	core = xmalloc(n * M * sizeof *core);
	for (i = 0; i < n; i++)
		if (!(a->outlier[rows[i]] >= EMBED_OUTLIER_THRESHOLD))
			memcpy(core + ncore++ * M, a->proj + (size_t)rows[i] * M,
			    M * sizeof *core);
	if (ncore < 2) {        /* all outliers, or one row: fit on them all */
		for (i = 0; i < n; i++)
			memcpy(core + i * M, a->proj + (size_t)rows[i] * M, M * sizeof *core);
		ncore = n;
	}
	for (i = 0; i < ncore; i++)
		for (j = 0; j < M; j++)
			mu[j] += core[i * M + j];
	for (j = 0; j < M; j++)
		mu[j] /= (double)ncore;
	for (i = 0; i < ncore; i++)
		for (j = 0; j < M; j++)
			core[i * M + j] -= (float)mu[j];

	v = xmalloc(kc * M * sizeof *v);
	cov = covariance(core, ncore, M);
	if (top_eigen(cov, (int)M, (int)kc, w, v, cause) != 0) {
		free(cov);
		goto out;
	}
	free(cov);
	cl->axis_var[0] = (float)w[0];
	cl->axis_var[1] = kc > 1 ? (float)w[1] : 0;

	/* Every row in the class's coordinates: the view, and the groups. */
	q = xmalloc(n * kc * sizeof *q);
	{
		float *tmp = xmalloc(n * M * sizeof *tmp);
		for (i = 0; i < n; i++)
			for (j = 0; j < M; j++)
				tmp[i * M + j] = a->proj[(size_t)rows[i] * M + j] - (float)mu[j];
		project(tmp, n, M, v, kc, q);
		free(tmp);
	}
	for (i = 0; i < n; i++) {
		a->class_xy[(size_t)rows[i] * 2] = q[i * kc];
		a->class_xy[(size_t)rows[i] * 2 + 1] = kc > 1 ? q[i * kc + 1] : 0;
	}

	if (n >= EMBED_MIN_SPLIT_CLASS) {
		/* Fit on the core rows only: gather their coordinates. */
		float *qc = xmalloc(ncore * m * sizeof *qc);
		size_t nc = 0;
		int all = ncore == n;
		for (i = 0; i < n; i++)
			if (all || !(a->outlier[rows[i]] >= EMBED_OUTLIER_THRESHOLD)) {
				for (j = 0; j < m; j++)
					qc[nc * m + j] = q[i * kc + j];
				nc++;
			}
		/* Fit on at most KMEANS_FIT_ROWS of them, evenly spread: enough
		 * to place two centres, and k-means costs no more in a big class. */
		size_t step = (nc + KMEANS_FIT_ROWS - 1) / KMEANS_FIT_ROWS;
		size_t nfit = (nc + step - 1) / step;
		uint64_t seed = 0x77696e6e6f77ULL ^ label;
		assign = xmalloc(nfit);
		if (kmeans2(qc, nfit, step * m, m, seed, c, assign) >= 0) {
			double u[EMBED_CLASS_COMPONENTS], s1[2] = { 0, 0 }, s2[2] = { 0, 0 };
			double ss = 0;
			size_t gn[2] = { 0, 0 };
			for (j = 0, delta = 0; j < m; j++) {
				u[j] = c[1][j] - c[0][j];
				delta += u[j] * u[j];
			}
			delta = sqrt(delta);
			for (j = 0; j < m; j++)
				u[j] /= delta;
			/* The spread along u within each group, over every core row. */
			for (i = 0; i < nc; i++) {
				const float *p = qc + i * m;
				uint8_t g = dist2(p, c[1], m) < dist2(p, c[0], m);
				double t = 0;
				for (j = 0; j < m; j++)
					t += p[j] * u[j];
				s1[g] += t;
				s2[g] += t * t;
				gn[g]++;
			}
			for (j = 0; j < 2; j++)
				if (gn[j])
					ss += s2[j] - s1[j] * s1[j] / (double)gn[j];
			within = sqrt((ss > 0 ? ss : 0) / (double)nc);
			if (within < delta * 1e-6)
				within = delta * 1e-6;
			cl->split = (float)(delta / within);
			/* Every row, outliers too, joins the nearer centre. */
			for (i = 0; i < n; i++) {
				uint8_t g = dist2(q + i * kc, c[1], m) < dist2(q + i * kc, c[0], m);
				a->group[rows[i]] = g;
				cnt[g]++;
			}
			cl->group_n[0] = cnt[0];
			cl->group_n[1] = cnt[1];
		} else
			cl->split = 0;
		free(assign);
		free(qc);
	}
	free(q);
	status = 0;
out:
	free(v);
	free(core);
	free(mu);
	return status;
}

struct embed_analysis *
embed_analyse(struct embeddings *e, const struct dataset *ds,
    int (*stop)(void *), void *arg, char **cause)
{
	struct embed_analysis *a;
	size_t n = e->n, d = e->dim, i, j, k, M, nl = ds->nlabels;
	double *mean, *cov;
	size_t *start;
	uint32_t *order;

	if (lapack_load(cause) != 0)
		return NULL;
	if (n > INT32_MAX) {
		set_cause(cause, "%s: %zu rows: too many", e->file, n);
		return NULL;
	}
	a = xcalloc(1, sizeof *a);
	a->n = n;
	a->dim = d;
	M = d < EMBED_COMPONENTS ? d : EMBED_COMPONENTS;
	a->ncomp = M;

	/* Centre: the components need it, and every score is a distance. */
	mean = xcalloc(d, sizeof *mean);
	for (i = 0; i < n; i++)
		for (j = 0; j < d; j++)
			mean[j] += e->x[i * d + j];
	a->mean = xmalloc(d * sizeof *a->mean);
	for (j = 0; j < d; j++)
		a->mean[j] = (float)(mean[j] / (double)n);
	free(mean);
	for (i = 0; i < n; i++)
		for (j = 0; j < d; j++)
			e->x[i * d + j] -= a->mean[j];
	if (stop && stop(arg))
		goto stopped;

	cov = covariance(e->x, n, d);
	for (j = 0, a->total_variance = 0; j < d; j++)
		a->total_variance += cov[j * d + j];
	if (stop && stop(arg)) {
		free(cov);
		goto stopped;
	}
	a->variance = xmalloc(M * sizeof *a->variance);
	a->components = xmalloc(M * d * sizeof *a->components);
	if (top_eigen(cov, (int)d, (int)M, a->variance, a->components, cause) != 0) {
		free(cov);
		goto fail;
	}
	free(cov);
	a->proj = xmalloc(n * M * sizeof *a->proj);
	project(e->x, n, d, a->components, M, a->proj);
	if (stop && stop(arg))
		goto stopped;

	/* Rows by class (a counting sort), then each class on its own. */
	a->nclasses = nl;
	a->classes = xcalloc(nl ? nl : 1, sizeof *a->classes);
	a->outlier = xmalloc(n * sizeof *a->outlier);
	a->class_xy = xmalloc(n * 2 * sizeof *a->class_xy);
	a->group = xmalloc(n);
	memset(a->group, EMBED_NO_GROUP, n);
	for (i = 0; i < n; i++) {
		a->outlier[i] = NAN;
		a->class_xy[2 * i] = a->class_xy[2 * i + 1] = NAN;
	}
	for (k = 0; k < nl; k++) {
		a->classes[k].spread = NAN;
		a->classes[k].split = NAN;
	}
	start = xcalloc(nl + 2, sizeof *start);
	order = xmalloc(n * sizeof *order);
	for (i = 0; i < n; i++) {
		unsigned l = ds->samples[e->sample[i]].label;
		if (l < nl)
			start[l + 1]++;
	}
	for (k = 0; k < nl; k++)
		start[k + 1] += start[k];
	for (i = 0; i < n; i++) {
		unsigned l = ds->samples[e->sample[i]].label;
		if (l < nl)
			order[start[l]++] = (uint32_t)i;
	}
	for (k = nl; k > 0; k--)
		start[k] = start[k - 1];
	start[0] = 0;
	for (k = 0; k < nl; k++) {
		size_t cn = start[k + 1] - start[k];
		a->classes[k].n = cn;
		if (cn == 0)
			continue;
		class_outliers(e, a, order + start[k], cn, &a->classes[k]);
		if (class_split(a, order + start[k], cn, (unsigned)k, &a->classes[k],
		    cause) != 0) {
			free(start);
			free(order);
			goto fail;
		}
		if (stop && stop(arg)) {
			free(start);
			free(order);
			goto stopped;
		}
	}
	free(start);
	free(order);
	return a;
stopped:
	set_cause(cause, "stopped");
fail:
	embed_analysis_free(a);
	return NULL;
}

static int
cmp_split(const void *pa, const void *pb, void *arg)
{
	const struct embed_analysis *a = arg;
	unsigned x = *(const unsigned *)pa, y = *(const unsigned *)pb;
	float sx = a->classes[x].split, sy = a->classes[y].split;
	int hx = !isnan(sx), hy = !isnan(sy);
	if (hx != hy)
		return hy - hx;
	if (hx && sx != sy)
		return sx > sy ? -1 : 1;
	return x < y ? -1 : x > y;
}

unsigned *
embed_split_ranking(const struct embed_analysis *a)
{
	unsigned *r = xmalloc((a->nclasses ? a->nclasses : 1) * sizeof *r), k;
	for (k = 0; k < a->nclasses; k++)
		r[k] = k;
	qsort_r(r, a->nclasses, sizeof *r, cmp_split, (void *)a);
	return r;
}

/* ---- findings ---- */

/* Does class k count as split at this threshold? */
static int
is_split(const struct embed_class *cl, double threshold)
{
	size_t small = cl->group_n[0] < cl->group_n[1] ? cl->group_n[0] : cl->group_n[1];
	return cl->split >= threshold && cl->n > 0 &&
	    (double)small >= EMBED_SPLIT_MIN_SHARE * (double)cl->n;
}

void
embed_findings(const struct embeddings *e, const struct embed_analysis *a,
    const struct dataset *ds, double outlier_threshold, double split_threshold,
    struct findings *out)
{
	size_t i, k;

	for (i = 0; i < a->n; i++)
		if (a->outlier[i] >= outlier_threshold) {
			unsigned l = ds->samples[e->sample[i]].label;
			findings_add(out, (long)e->sample[i], NULL, CHECK_CLUSTER_OUTLIER,
			    "%.2f spreads from the centre of %s >= %g", a->outlier[i],
			    dataset_label_name(ds, l), outlier_threshold);
		}
	for (k = 0; k < a->nclasses; k++) {
		const struct embed_class *cl = &a->classes[k];
		char *path;
		if (!is_split(cl, split_threshold))
			continue;
		path = xasprintf("%s/", ds->labels[k]);
		findings_add(out, -1, path, CHECK_CLUSTER_SPLIT,
		    "split score %.2f >= %g: groups of %zu and %zu", cl->split,
		    split_threshold, cl->group_n[0], cl->group_n[1]);
		free(path);
	}
}

int
embed_judge(const struct check_context *ctx, void *arg, struct findings *out,
    char **cause)
{
	struct embed_judge *j = arg;
	struct embeddings *e;
	struct embed_analysis *a;
	char *file = j->file ? xstrdup(j->file) : embed_default_file(ctx->ds);
	size_t i;
	int status;

	if (file == NULL)
		return 0;
	e = embed_load(ctx->ds, file, NULL, NULL, cause);
	free(file);
	if (e == NULL)
		return -1;
	if (j->problems != NULL) {
		for (i = 0; i < e->nproblems; i++)
			fprintf(j->problems, "%s: %s: line %zu: %s\n", progname, e->file,
			    e->problems[i].line, e->problems[i].message);
		if (e->nbad > e->nproblems)
			fprintf(j->problems, "%s: %s: %zu more bad rows\n", progname,
			    e->file, e->nbad - e->nproblems);
		if (e->nbad)
			fprintf(j->problems, "%s: %s: %zu of %zu rows skipped\n", progname,
			    e->file, e->nbad, e->lines);
	}
	if ((a = embed_analyse(e, ctx->ds, NULL, NULL, cause)) == NULL) {
		embed_free(e);
		return -1;
	}
	embed_findings(e, a, ctx->ds, ctx->th->v[TH_OUTLIER], ctx->th->v[TH_SPLIT], out);
	status = embed_knn_findings(ctx, e, a, out, cause);
	embed_analysis_free(a);
	embed_free(e);
	return status;
}
