/* predictions.c — load a predictions file, join it to the dataset, find
 * suspect labels, and watch the file for rewrites. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "csv.h"
#include "number.h"
#include "pred-private.h"
#include "predictions.h"
#include "worker.h"
#include "util.h"

/* A row's probabilities may sum to 1 within this (values printed with few
 * decimals over many classes drift a little). */
#define PROB_SUM_TOLERANCE 0.01
/* Each value within [0, 1] give or take this. */
#define PROB_RANGE_TOLERANCE 1e-4
/* Files smaller than this are read by one thread. */
#define PARALLEL_BYTES (4u << 20)
/* Each thread reads its part of the file this much at a time (grown for a
 * longer row): small enough to stay in the core's cache while parsed, and
 * no copy of the whole file is ever held. */
#define CHUNK_BYTES (256u << 10)
/* Where a row is, in file order, while parts are read side by side and
 * their first line numbers are not known yet: the part (0 is the header's,
 * then 1..n in file order) and the line within the part. */
#define ROW_KEY(part, line) ((uint64_t)(part) << 40 | (uint64_t)(line))
#define MAX_PARTS 8
/* Labels the dataset lacks (a model's `_unknown_`) get columns of their
 * own, up to this many: a file of garbage predictions must not make a
 * matrix of millions of columns. */
#define MAX_EXTRA_LABELS 256
/* The header's limits (README, winnow(1)): far past ImageNet-21k's 21,841
 * classes, short of a file that is one endless line. */
#define HEADER_MAX_COLUMNS 1000000
#define HEADER_MAX_BYTES (64u << 20)
/* Locks guarding the samples' rows, chosen by sample number. */
#define ROW_LOCKS 64
/* Binary searches a part makes before the path index is built: one in
 * SEARCH_SHARE of the samples, at least SEARCH_MIN. A file in the dataset's
 * order needs one a part and one where its order turns (a model's files in
 * blocks of labels: a few hundred in a million rows); one in random order
 * then wastes a few milliseconds before the index, which costs as much as
 * some 30,000 searches to build. */
#define SEARCH_SHARE 256
#define SEARCH_MIN 64

static const char *const problem_names[PRED_PROBLEM_KINDS] = {
	[PRED_MALFORMED] = "malformed rows",
	[PRED_UNKNOWN_PATH] = "paths not in the dataset",
	[PRED_DUPLICATE] = "repeated rows",
	[PRED_UNKNOWN_LABEL] = "unknown labels",
	[PRED_BAD_PROB] = "bad probabilities",
};

const char *
pred_problem_name(enum pred_problem_kind kind)
{
	return (unsigned)kind < PRED_PROBLEM_KINDS ? problem_names[kind] : "";
}

/* ---- labels ---- */

void
label_set_copy(struct label_set *ls, const struct dataset *ds)
{
	size_t i;
	ls->n = ds->nlabels;
	ls->names = xmalloc((ls->n ? ls->n : 1) * sizeof *ls->names);
	for (i = 0; i < ls->n; i++)
		ls->names[i] = xstrdup(ds->labels[i]);
}

void
label_set_free(struct label_set *ls)
{
	size_t i;
	for (i = 0; i < ls->n; i++)
		free(ls->names[i]);
	free(ls->names);
	ls->names = NULL;
	ls->n = 0;
}

/* ---- loading ---- */

/* Probability columns: column index in the file -> own label id. */
struct prob_col {
	int field;
	uint16_t label;
	const char *name;       /* the label's name, for messages */
};

enum { ROLE_OTHER, ROLE_PATH, ROLE_PRED, ROLE_PROB };

/* What the parts of one load share. The file is cut into parts read by
 * threads side by side; everything here is either fixed before they start
 * or guarded by a lock. */
struct loader {
	struct predictions *p;
	struct dataset *ds;
	int cpath, cpred;
	size_t need;            /* fields a row must have */
	struct prob_col *cols;
	size_t ncols;
	/* per header field: ROLE_OTHER, ROLE_PATH, ROLE_PRED, or ROLE_PROB + j
	 * for cols[j] */
	int *role;
	size_t nroles;

	GHashTable *known;      /* name -> own id + 1: fixed while parts run */

	pthread_mutex_t label_lock;     /* guards the three below */
	GHashTable *extra;      /* predicted names found while reading */
	size_t caplabels;       /* of p->labels */

	int fd;                 /* the file, read with pread by every part */
	char delim;
	/* per sample: the ROW_KEY of the row that counts (the first), 0 none */
	uint64_t *owner;
	pthread_mutex_t row_lock[ROW_LOCKS];
	/* The dataset's path index, built only once guesses miss often: a
	 * file in the dataset's order finds its rows' samples by guessing,
	 * and where a part starts, by binary search. */
	pthread_mutex_t index_lock;
	int index_ready;        /* read and set atomically */
};

/* A problem as a part finds it: placed by ROW_KEY, its message without
 * the line number, which is known once all parts are read. */
struct part_problem {
	enum pred_problem_kind kind;
	uint64_t key;
	char *text;
};

/* One part of the file and what its reader found. */
struct part {
	struct loader *ld;
	size_t index;           /* in file order, 1..n (0 is the header) */
	uint64_t from, to;      /* the rows that start at offsets in [from, to) */
	size_t lines;           /* lines read (blank ones too): the next part's base */
	struct csv c;
	size_t rows, matched, count[PRED_PROBLEM_KINDS];
	struct part_problem *problems;
	size_t nproblems;
	uint64_t last_key[PRED_PROBLEM_KINDS];  /* of the last problem listed */
	long last_sample;       /* the sample of the last row found */
	size_t guesses, guessed;        /* the next sample tried, and right */
	size_t searches;        /* binary searches, while there is no index */
	struct buf show;
	float *row;             /* one row of probabilities, parsed */
	uint64_t torn;          /* ROW_KEY of a last row cut short, 0 none */
};

static void
problem(struct part *pt, enum pred_problem_kind kind, uint64_t key,
    const char *fmt, ...) WN_PRINTF(4, 5);

static void
problem(struct part *pt, enum pred_problem_kind kind, uint64_t key,
    const char *fmt, ...)
{
	va_list ap;
	struct part_problem *pp = NULL;
	size_t i;

	/* Keep the first lines of each kind. A part reads its lines in order,
	 * but a repeat it displaces from another part comes out of order. */
	if (pt->count[kind]++ >= PRED_PROBLEMS_LISTED) {
		if (key >= pt->last_key[kind])
			return;
		for (i = 0; i < pt->nproblems; i++)
			if (pt->problems[i].kind == kind && (pp == NULL || pt->problems[i].key >
			    pp->key))
				pp = &pt->problems[i];
		free(pp->text);
		pt->last_key[kind] = 0;
		for (i = 0; i < pt->nproblems; i++)
			if (pt->problems[i].kind == kind && &pt->problems[i] != pp &&
			    pt->problems[i].key > pt->last_key[kind])
				pt->last_key[kind] = pt->problems[i].key;
	} else {
		pt->problems = xrealloc(pt->problems, (pt->nproblems + 1) *
		    sizeof *pt->problems);
		pp = &pt->problems[pt->nproblems++];
	}
	if (key > pt->last_key[kind])
		pt->last_key[kind] = key;
	va_start(ap, fmt);
	pp->text = xvasprintf(fmt, ap);
	va_end(ap);
	pp->kind = kind;
	pp->key = key;
}

/* The ROW_KEY of the row c has just read. */
static uint64_t
here(const struct part *pt, const struct csv *c)
{
	return ROW_KEY(pt->index, c->line);
}

/* csv's messages start "line N: ", which problem() adds itself. */
static const char *
without_line(const char *why)
{
	const char *q = strstr(why, ": ");
	return strncmp(why, "line ", 5) == 0 && q ? q + 2 : why;
}

static int
table_find(GHashTable *t, const char *name)
{
	gpointer v = g_hash_table_lookup(t, name);
	return v ? (int)GPOINTER_TO_UINT(v) - 1 : -1;
}

/* Add a label to p's own table t. Returns its id, -1 past the id space. */
static int
label_add(struct loader *ld, GHashTable *t, const char *name)
{
	struct predictions *p = ld->p;
	if (p->nlabels >= LABEL_NONE)
		return -1;
	p->labels = xgrow(p->labels, &ld->caplabels, p->nlabels + 1, sizeof *p->labels);
	p->labels[p->nlabels] = xstrdup(name);
	g_hash_table_insert(t, p->labels[p->nlabels], GUINT_TO_POINTER(p->nlabels + 1));
	return (int)p->nlabels++;
}

/* Own id of a predicted label; 1 in *unknown when the dataset lacks it.
 * Returns -1 when there are too many such labels. Any thread. */
static int
label_of_pred(struct loader *ld, const char *name, int *unknown)
{
	int id = table_find(ld->known, name);
	*unknown = id < 0 || (size_t)id >= ld->p->nknown;
	if (id >= 0)
		return id;
	pthread_mutex_lock(&ld->label_lock);
	if ((id = table_find(ld->extra, name)) < 0 &&
	    ld->p->nlabels - ld->p->nknown < MAX_EXTRA_LABELS)
		id = label_add(ld, ld->extra, name);
	pthread_mutex_unlock(&ld->label_lock);
	return id;
}

/* Trim what people put before a path: "./", or the dataset root itself. */
static const char *
relative_path(const struct dataset *ds, const char *path)
{
	size_t n = strlen(ds->root);
	if (path[0] == '/' && strncmp(path, ds->root, n) == 0 && path[n] == '/')
		path += n + 1;
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	return path;
}

int
pred_stamp_of(const char *file, struct pred_stamp *st, char **cause)
{
	struct stat sb;
	if (stat(file, &sb) != 0) {
		set_cause(cause, "%s: %s", file, strerror(errno));
		return -1;
	}
	st->dev = sb.st_dev;
	st->ino = sb.st_ino;
	st->size = sb.st_size;
	st->mtime_ns = (long long)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec;
	return 0;
}

int
pred_stamp_equal(const struct pred_stamp *a, const struct pred_stamp *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->mtime_ns == b->mtime_ns;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read the header: the path and pred columns, and the p_<label> columns.
 * Labels named by p_ columns that the dataset lacks get ids after the
 * dataset's, in name order. Problems go to pt (the header's line). */
static int
read_header(struct loader *ld, struct part *pt, struct csv *c, char **cause)
{
	struct predictions *p = ld->p;
	char **extra = xmalloc((c->nheader ? c->nheader : 1) * sizeof *extra);
	/* Hashed, not searched: a header may have tens of thousands of
	 * columns (ImageNet-21k's classes), none of them the dataset's. */
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
	uint8_t *taken;
	size_t i, nextra = 0, n = 0;
	int id;

	ld->cpath = csv_column(c, "path");
	ld->cpred = csv_column(c, "pred");
	for (i = 0; i < c->nheader; i++) {
		const char *h = c->header[i];
		if (strncmp(h, "p_", 2) != 0 || h[2] == '\0' || table_find(ld->known, h + 2) >= 0)
			continue;
		if (g_hash_table_add(seen, (char *)h + 2))
			extra[nextra++] = (char *)h + 2;
	}
	g_hash_table_destroy(seen);
	qsort(extra, nextra, sizeof *extra, cmp_names);
	for (i = 0; i < nextra; i++) {
		if (i == MAX_EXTRA_LABELS) {
			problem(pt, PRED_UNKNOWN_LABEL, here(pt, c), "%zu more columns name "
			    "labels the dataset lacks; ignored", nextra - i);
			break;
		}
		problem(pt, PRED_UNKNOWN_LABEL, here(pt, c), "column p_%s: not a label of the "
		    "dataset", escaped_name(&pt->show, extra[i]));
		label_add(ld, ld->known, extra[i]);
	}
	free(extra);

	ld->cols = xmalloc((c->nheader ? c->nheader : 1) * sizeof *ld->cols);
	taken = xcalloc(p->nlabels ? p->nlabels : 1, 1);
	for (i = 0; i < c->nheader; i++) {
		const char *h = c->header[i];
		if (strncmp(h, "p_", 2) != 0 || h[2] == '\0' ||
		    (id = table_find(ld->known, h + 2)) < 0)
			continue;
		if (taken[id]) {
			problem(pt, PRED_MALFORMED, here(pt, c), "column %s repeated; the first "
			    "counts", escaped_name(&pt->show, h));
			continue;
		}
		taken[id] = 1;
		ld->cols[n].field = (int)i;
		ld->cols[n].label = (uint16_t)id;
		ld->cols[n].name = p->labels[id];
		n++;
	}
	free(taken);
	ld->ncols = n;
	if (ld->cpath < 0 || (ld->cpred < 0 && n == 0)) {
		set_cause(cause, "%s: the header must name the columns 'path' and 'pred'",
		    p->file);
		return -1;
	}
	ld->need = (size_t)(ld->cpath > ld->cpred ? ld->cpath : ld->cpred);
	for (i = 0; i < n; i++)
		if ((size_t)ld->cols[i].field > ld->need)
			ld->need = (size_t)ld->cols[i].field;
	ld->need++;
	ld->nroles = c->nheader;
	ld->role = xcalloc(ld->nroles ? ld->nroles : 1, sizeof *ld->role);
	for (i = 0; i < n; i++)
		ld->role[ld->cols[i].field] = ROLE_PROB + (int)i;
	if (ld->cpred >= 0)
		ld->role[ld->cpred] = ROLE_PRED;
	ld->role[ld->cpath] = ROLE_PATH;
	return 0;
}

/* A field that is a number and nothing else but spaces around it
 * (" 0.1 "). Returns 0, or -1. */
static int
field_number(const char *f, double *out)
{
	const char *q;

	while (*f == ' ')
		f++;
	if ((q = number_parse(f, f + strlen(f), out)) == NULL)
		return -1;
	while (*q == ' ')
		q++;
	return *q == '\0' ? 0 : -1;
}

/* Parse one row's probabilities into pt->row (zero where the file has no
 * column). Returns 1 when usable, 0 when not (reported): a value that is not
 * a probability, or a sum far from 1 (the thresholds of confident learning
 * mean nothing over such rows). */
static int
read_probs(struct part *pt)
{
	struct loader *ld = pt->ld;
	struct csv *c = &pt->c;
	double v, sum = 0;
	size_t j;

	memset(pt->row, 0, ld->p->nprob * sizeof *pt->row);
	for (j = 0; j < ld->ncols; j++) {
		size_t k = (size_t)ld->cols[j].field;
		const char *f = c->field[k];
		if (field_number(f, &v) != 0) {
			problem(pt, PRED_BAD_PROB, here(pt, c), "p_%s: '%s' is not a number",
			    ld->cols[j].name, escaped_name(&pt->show, f));
			return 0;
		}
		if (v < -PROB_RANGE_TOLERANCE || v > 1 + PROB_RANGE_TOLERANCE) {
			problem(pt, PRED_BAD_PROB, here(pt, c), "p_%s: %g is not a probability",
			    ld->cols[j].name, v);
			return 0;
		}
		pt->row[ld->cols[j].label] = (float)v;
		sum += v;
	}
	if (fabs(sum - 1) > PROB_SUM_TOLERANCE) {
		problem(pt, PRED_BAD_PROB, here(pt, c), "probabilities sum to %.3f, not 1", sum);
		return 0;
	}
	return 1;
}

uint16_t
pred_argmax(const float *row, size_t n)
{
	size_t k, best = 0;
	for (k = 1; k < n; k++)
		if (row[k] > row[best])
			best = k;
	return (uint16_t)best;
}

/* The sample of a path when the guess below missed: by binary search for
 * the first few, then through the path index, built by whichever part
 * needs it first. */
static long
lookup(struct part *pt, const char *path)
{
	struct loader *ld = pt->ld;

	if (!__atomic_load_n(&ld->index_ready, __ATOMIC_ACQUIRE)) {
		if (pt->searches < SEARCH_MIN || pt->searches < ld->ds->nsamples / SEARCH_SHARE) {
			pt->searches++;
			return dataset_find_sorted(ld->ds, path);
		}
		pthread_mutex_lock(&ld->index_lock);
		if (!__atomic_load_n(&ld->index_ready, __ATOMIC_ACQUIRE)) {
			dataset_find(ld->ds, "");
			__atomic_store_n(&ld->index_ready, 1, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&ld->index_lock);
	}
	return dataset_find(ld->ds, path);
}

/* The sample of a path. Files written in the dataset's order (a model run
 * over a sorted file list) name the sample after the last one found, which
 * costs one comparison instead of a hash lookup's cache misses; the guess is
 * tried while it is right at least half the time (and now and then, in case
 * the file turns to the dataset's order). */
static long
find_sample(struct part *pt, const char *path)
{
	const struct dataset *ds = pt->ld->ds;
	size_t next = (size_t)pt->last_sample + 1;
	long s;

	if (next < ds->nsamples && (pt->guesses < 16 || pt->guessed * 2 >= pt->guesses ||
	    pt->rows % 256 == 0)) {
		pt->guesses++;
		if (strcmp(sample_path(ds, next), path) == 0) {
			pt->guessed++;
			pt->last_sample = (long)next;
			return (long)next;
		}
	}
	if ((s = lookup(pt, path)) >= 0)
		pt->last_sample = s;
	return s;
}

/* The sample a row's path names, or -1 (reported). */
static long
sample_of_row(struct part *pt, uint64_t key, const char *path)
{
	long s;
	if (*path == '\0') {
		problem(pt, PRED_MALFORMED, key, "empty path");
		return -1;
	}
	if ((s = find_sample(pt, path)) < 0)
		problem(pt, PRED_UNKNOWN_PATH, key, "%s is not in the dataset",
		    escaped_name(&pt->show, path));
	return s;
}

/* A row of sample s, its probabilities in pt->row: stored unless an earlier
 * line named the same sample (parts run side by side, so a later line may
 * have got there first: the earlier one then takes its place). */
static void
store_row(struct part *pt, uint64_t key, long s, const char *path, const char *name,
    int probs_ok)
{
	struct loader *ld = pt->ld;
	struct predictions *p = ld->p;
	pthread_mutex_t *lock;
	uint64_t before;
	int id, unknown;

	if (*name == '\0') {
		if (!probs_ok) {
			problem(pt, PRED_MALFORMED, key, "no prediction");
			return;
		}
		id = pred_argmax(pt->row, p->nprob);
	} else if ((id = label_of_pred(ld, name, &unknown)) < 0) {
		problem(pt, PRED_UNKNOWN_LABEL, key, "'%s': more than %d labels the "
		    "dataset lacks; the row is skipped", escaped_name(&pt->show, name),
		    MAX_EXTRA_LABELS);
		return;
	} else if (unknown) {
		problem(pt, PRED_UNKNOWN_LABEL, key, "'%s' is not a label of the dataset",
		    escaped_name(&pt->show, name));
	}

	lock = &ld->row_lock[(size_t)s % ROW_LOCKS];
	pthread_mutex_lock(lock);
	before = ld->owner[s];
	if (before == 0 || before > key) {
		ld->owner[s] = key;
		p->pred[s] = (uint16_t)id;
		if (p->prob) {
			memcpy(p->prob + (size_t)s * p->nprob, pt->row, p->nprob * sizeof *pt->row);
			p->prob_ok[s] = (uint8_t)probs_ok;
		}
	}
	pthread_mutex_unlock(lock);
	if (before == 0)
		pt->matched++;
	else
		problem(pt, PRED_DUPLICATE, before > key ? before : key, "%s is listed "
		    "again; the first row counts", escaped_name(&pt->show, path));
}

/* One data row as csv split it: checked, then stored. */
static void
read_row(struct part *pt)
{
	struct loader *ld = pt->ld;
	struct csv *c = &pt->c;
	const char *path;
	uint64_t key = here(pt, c);
	int probs_ok = 0;
	long s;

	if (c->nfield < ld->need) {
		problem(pt, PRED_MALFORMED, key, "%zu fields, expected %zu", c->nfield,
		    ld->need);
		return;
	}
	path = relative_path(ld->ds, c->field[ld->cpath]);
	if ((s = sample_of_row(pt, key, path)) < 0)
		return;
	if (ld->ncols > 0)
		probs_ok = read_probs(pt);
	store_row(pt, key, s, path, ld->cpred >= 0 ? c->field[ld->cpred] : "", probs_ok);
}

/* The common row, unquoted with plain numbers, valid probabilities and a
 * newline (or CRLF) at its end, read straight from the bytes: no splitting
 * into fields first, no second pass over each number. Returns 1 when the
 * row was read (c->pos and c->line past it, its path and prediction
 * NUL-ended in place and pointed to, pt->row filled), 0 to leave it
 * untouched for csv and read_row, which also report whatever is wrong. */
static int
fast_row(struct part *pt, const char **path, const char **pred)
{
	struct loader *ld = pt->ld;
	struct csv *c = &pt->c;
	char *p = c->data + c->pos, *end = c->data + c->len, *q = p, *stop;
	char *path_end = NULL, *pred_end = NULL;
	const char *path_at = NULL, *pred_at = "";
	double v, sum = 0;
	size_t k;
	int role;

	if (p >= end || *p == '\n' || *p == '\r')
		return 0;
	if (ld->ncols < ld->p->nprob)
		memset(pt->row, 0, ld->p->nprob * sizeof *pt->row);
	for (k = 0; ; k++) {
		if (p >= end || *p == '"')
			return 0;
		role = k < ld->nroles ? ld->role[k] : ROLE_OTHER;
		if (role >= ROLE_PROB) {
			if ((q = (char *)number_parse(p, end, &v)) == NULL ||
			    v < -PROB_RANGE_TOLERANCE || v > 1 + PROB_RANGE_TOLERANCE)
				return 0;
			pt->row[ld->cols[role - ROLE_PROB].label] = (float)v;
			sum += v;
			if (q + 1 < end && q[0] == '\r' && q[1] == '\n')
				q++;    /* a CRLF line end (pandas on Windows) */
		} else {
			q = csv_field_end(p, end, c->delim);
			/* the field's end, before a CRLF's CR */
			stop = q < end && *q == '\n' && q > p && q[-1] == '\r' ? q - 1 : q;
			if (role == ROLE_PATH) {
				path_at = p;
				path_end = stop;
			} else if (role == ROLE_PRED) {
				pred_at = p;
				pred_end = stop;
			}
		}
		if (q >= end)
			return 0;
		if (*q == '\n')
			break;
		if (*q != c->delim)
			return 0;
		p = q + 1;
	}
	if (k + 1 < ld->need || (ld->ncols > 0 && fabs(sum - 1) > PROB_SUM_TOLERANCE))
		return 0;
	*path_end = '\0';
	if (pred_end)
		*pred_end = '\0';
	*path = path_at;
	*pred = pred_at;
	c->pos = (size_t)(q + 1 - c->data);
	c->line++;
	return 1;
}

int predictions_one_pass = 1;

/* Read the rows of the current chunk (pt->c). */
static void
read_rows(struct part *pt)
{
	const char *path, *pred;
	char *why = NULL;
	uint64_t key;
	long s;
	int r;

	for (;;) {
		if (predictions_one_pass && fast_row(pt, &path, &pred)) {
			pt->rows++;
			key = here(pt, &pt->c);
			path = relative_path(pt->ld->ds, path);
			if ((s = sample_of_row(pt, key, path)) >= 0)
				store_row(pt, key, s, path, pred, pt->ld->ncols > 0);
			continue;
		}
		if ((r = csv_next(&pt->c, &why)) == 0)
			break;
		pt->rows++;
		if (r < 0) {
			problem(pt, PRED_MALFORMED, here(pt, &pt->c), "%s", without_line(why));
			free(why);
			why = NULL;
			continue;
		}
		read_row(pt);
	}
}

static size_t
problems_found(const struct part *pt)
{
	size_t k, n = 0;
	for (k = 0; k < PRED_PROBLEM_KINDS; k++)
		if (k != PRED_DUPLICATE)
			n += pt->count[k];
	return n;
}

/* The file's last row, with no newline after it: a writer may not have
 * finished it. It is torn when it does not read as a whole row (too few
 * fields, an open quote, a number cut short, a path or label cut into one
 * that does not exist). */
static void
read_last_row(struct part *pt, char *row, size_t len)
{
	size_t before = problems_found(pt);

	csv_view(&pt->c, row, len, pt->ld->delim, pt->c.line);
	read_rows(pt);
	if (problems_found(pt) > before)
		pt->torn = here(pt, &pt->c);
}

/* Read the rows of part k of arg (an array of parts) that start at
 * offsets in [from, to), a chunk at a time. A part after the first begins
 * at the first line that starts at or after from; the row that crosses to
 * is this part's. */
static void
read_part(void *arg, unsigned k)
{
	struct part *pt = (struct part *)arg + k;
	int fd = pt->ld->fd;
	size_t cap = CHUNK_BYTES, have = 0, len, at, whole;
	uint64_t off = pt->index > 1 ? pt->from - 1 : pt->from;  /* of buf[0] */
	char *buf = xmalloc(cap + 1), *nl;
	int eof = 0, skip = pt->index > 1, done = 0;
	ssize_t n;

	while (!done) {
		if (!eof) {
			n = pread(fd, buf + have, cap - have, (off_t)(off + have));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				eof = 1;    /* an error reads as the end: the rows so far count */
			else
				have += (size_t)n;
		}
		if (skip) {
			if ((nl = memchr(buf, '\n', have)) == NULL) {
				if (eof)
					break;
				off += have;
				have = 0;
				continue;
			}
			len = (size_t)(nl + 1 - buf);
			memmove(buf, buf + len, have - len);
			have -= len;
			off += len;
			skip = 0;
			if (off >= pt->to)
				break;
			continue;
		}
		/* Whole rows only, but for the last one of the file. */
		len = have;
		if (!eof) {
			nl = have ? memrchr(buf, '\n', have) : NULL;
			if (nl == NULL) {
				if (have == cap)
					buf = xrealloc(buf, (cap *= 2) + 1);
				continue;
			}
			len = (size_t)(nl + 1 - buf);
		}
		if (off + len > pt->to) {
			at = (size_t)(pt->to - off) - 1;
			if ((nl = memchr(buf + at, '\n', len - at)) != NULL)
				len = (size_t)(nl + 1 - buf);
			done = 1;
		}
		if (eof)
			done = 1;
		whole = len;
		if (eof && len > 0 && buf[len - 1] != '\n') {
			nl = memrchr(buf, '\n', len);
			whole = nl ? (size_t)(nl + 1 - buf) : 0;
		}
		csv_view(&pt->c, buf, whole, pt->ld->delim, pt->lines);
		read_rows(pt);
		if (whole < len)
			read_last_row(pt, buf + whole, len - whole);
		pt->lines = pt->c.line;
		memmove(buf, buf + len, have - len);
		have -= len;
		off += len;
		if (off >= pt->to)
			done = 1;
	}
	free(buf);
}

static int
cmp_problems(const void *a, const void *b)
{
	const struct pred_problem *x = a, *y = b;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return (int)x->kind - (int)y->kind;
}

/* Gather the parts' counts and problems into p, in line order, keeping the
 * first few of each kind. base[i] is the line before part i's first. */
static void
merge_parts(struct predictions *p, struct part *parts, size_t nparts, const size_t *base)
{
	size_t i, j, k, listed[PRED_PROBLEM_KINDS] = { 0 };
	struct part_problem *q;
	struct pred_problem *pp;

	for (i = 0; i < nparts; i++) {
		p->rows += parts[i].rows;
		p->matched += parts[i].matched;
		for (k = 0; k < PRED_PROBLEM_KINDS; k++)
			p->count[k] += parts[i].count[k];
		if (parts[i].nproblems > 0)
			p->problems = xrealloc(p->problems, (p->nproblems +
			    parts[i].nproblems) * sizeof *p->problems);
		if (parts[i].torn)
			p->torn_line = base[parts[i].torn >> 40] +
			    (size_t)(parts[i].torn & ((1ULL << 40) - 1));
		for (j = 0; j < parts[i].nproblems; j++) {
			q = &parts[i].problems[j];
			pp = &p->problems[p->nproblems++];
			pp->kind = q->kind;
			pp->line = base[q->key >> 40] + (size_t)(q->key & ((1ULL << 40) - 1));
			pp->message = xasprintf("line %zu: %s", pp->line, q->text);
			free(q->text);
		}
		free(parts[i].problems);
		parts[i].problems = NULL;
	}
	if (p->nproblems > 1)
		qsort(p->problems, p->nproblems, sizeof *p->problems, cmp_problems);
	for (i = j = 0; i < p->nproblems; i++) {
		if (listed[p->problems[i].kind]++ < PRED_PROBLEMS_LISTED)
			p->problems[j++] = p->problems[i];
		else
			free(p->problems[i].message);
	}
	p->nproblems = j;
}

/* Read the header row from the start of fd into c (a copy of the bytes up
 * to its newline: a quoted field cannot span lines). Parsed once, when the
 * newline or the end of the file is in: a header of a million columns
 * must not be split again at every doubling of the buffer. */
static int
read_head(int fd, const char *file, struct csv *c, char **cause)
{
	size_t cap = 65536, have = 0;
	char *buf = xmalloc(cap), *why = NULL;
	ssize_t n;
	int r;

	for (;;) {
		if (have == cap) {
			if (cap >= HEADER_MAX_BYTES) {
				set_cause(cause, "%s: the header line is longer than %u MiB",
				    file, HEADER_MAX_BYTES >> 20);
				free(buf);
				return -1;
			}
			buf = xrealloc(buf, cap *= 2);
		}
		n = pread(fd, buf + have, cap - have, (off_t)have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			set_cause(cause, "%s: %s", file, strerror(errno));
			free(buf);
			return -1;
		}
		if (n == 0 || memchr(buf + have, '\n', (size_t)n) != NULL) {
			have += (size_t)n;
			break;
		}
		have += (size_t)n;
	}
	r = csv_open_buffer(c, buf, have, &why);
	free(buf);
	if (r != 0) {
		set_cause(cause, "%s: %s", file, why);
		free(why);
		return -1;
	}
	if (c->nheader > HEADER_MAX_COLUMNS) {
		set_cause(cause, "%s: the header has %zu columns, more than %u", file,
		    c->nheader, HEADER_MAX_COLUMNS);
		csv_close(c);
		return -1;
	}
	return 0;
}

struct predictions *
predictions_load_with(const char *file, struct dataset *ds, const struct label_set *ls, int keep_prob,
    char **cause)
{
	struct loader ld = { 0 };
	struct part parts[MAX_PARTS + 1];
	size_t base[MAX_PARTS + 1];
	struct predictions *p;
	struct csv c;
	struct stat st;
	size_t i, nparts = 0;
	uint64_t start, size;
	double t0 = now_seconds();
	int failed;

	p = xcalloc(1, sizeof *p);
	p->file = xstrdup(file);
	if (pred_stamp_of(file, &p->stamp, cause) != 0) {
		predictions_free(p);
		return NULL;
	}
	if ((ld.fd = open(file, O_RDONLY | O_CLOEXEC)) < 0 || fstat(ld.fd, &st) != 0 ||
	    S_ISDIR(st.st_mode)) {
		set_cause(cause, "%s: %s", file, ld.fd >= 0 && S_ISDIR(st.st_mode) ?
		    "is a folder" : strerror(errno));
		if (ld.fd >= 0)
			close(ld.fd);
		predictions_free(p);
		return NULL;
	}
	if (read_head(ld.fd, file, &c, cause) != 0) {
		close(ld.fd);
		predictions_free(p);
		return NULL;
	}
	ld.p = p;
	ld.ds = ds;
	ld.delim = c.delim;
	ld.known = g_hash_table_new(g_str_hash, g_str_equal);
	ld.extra = g_hash_table_new(g_str_hash, g_str_equal);
	pthread_mutex_init(&ld.label_lock, NULL);
	pthread_mutex_init(&ld.index_lock, NULL);
	for (i = 0; i < ROW_LOCKS; i++)
		pthread_mutex_init(&ld.row_lock[i], NULL);
	for (i = 0; i < ls->n; i++)
		label_add(&ld, ld.known, ls->names[i]);
	p->nknown = p->nlabels;

	memset(parts, 0, sizeof parts);
	parts[0].ld = &ld;
	failed = read_header(&ld, &parts[0], &c, cause) != 0;
	start = c.pos;
	size = (uint64_t)st.st_size;
	if (!failed) {
		p->nsamples = ds->nsamples;
		p->pred = xmalloc((ds->nsamples ? ds->nsamples : 1) * sizeof *p->pred);
		for (i = 0; i < ds->nsamples; i++)
			p->pred[i] = LABEL_NONE;
		if (ld.ncols > 0)
			p->nprob = p->nlabels;
		if (ld.ncols > 0 && keep_prob) {
			/* calloc: the kernel's zeroed pages, touched only where written */
			p->prob = xcalloc(ds->nsamples ? ds->nsamples * p->nprob : 1,
			    sizeof *p->prob);
			p->prob_ok = xcalloc(ds->nsamples ? ds->nsamples : 1, 1);
		}
		/* Written before the parts start: their first touch of a page
		 * is then no copy-on-write fault on the shared zero page. */
		ld.owner = xmalloc((ds->nsamples ? ds->nsamples : 1) * sizeof *ld.owner);
		memset(ld.owner, 0, (ds->nsamples ? ds->nsamples : 1) * sizeof *ld.owner);
		ld.index_ready = ds->path_index != NULL;

		nparts = start >= size ? 0 : size - start < PARALLEL_BYTES ? 1 :
		    parallel_threads(MAX_PARTS);
		for (i = 1; i <= nparts; i++) {
			parts[i].ld = &ld;
			parts[i].index = i;
			parts[i].last_sample = -1;
			parts[i].from = start + (size - start) * (i - 1) / nparts;
			/* The last part reads on to the end, should the file grow. */
			parts[i].to = i == nparts ? UINT64_MAX : start + (size - start) * i / nparts;
			parts[i].row = xmalloc((p->nprob ? p->nprob : 1) * sizeof *parts[i].row);
		}
		parallel_for((unsigned)nparts, read_part, parts + 1);
	}
	base[0] = 0;
	for (i = 1; i <= nparts; i++)
		base[i] = (i == 1 ? c.line : base[i - 1] + parts[i - 1].lines);
	merge_parts(p, parts, nparts + 1, base);
	for (i = 0; i <= nparts; i++) {
		free(parts[i].row);
		buf_free(&parts[i].show);
		csv_close(&parts[i].c);
	}
	free(ld.cols);
	free(ld.role);
	free(ld.owner);
	csv_close(&c);
	close(ld.fd);
	g_hash_table_destroy(ld.known);
	g_hash_table_destroy(ld.extra);
	pthread_mutex_destroy(&ld.label_lock);
	pthread_mutex_destroy(&ld.index_lock);
	for (i = 0; i < ROW_LOCKS; i++)
		pthread_mutex_destroy(&ld.row_lock[i]);
	if (failed) {
		predictions_free(p);
		return NULL;
	}
	p->seconds = now_seconds() - t0;
	return p;
}

static struct predictions *
load_now(const char *file, struct dataset *ds, int keep_prob, char **cause)
{
	struct label_set ls;
	struct predictions *p;
	label_set_copy(&ls, ds);
	p = predictions_load_with(file, ds, &ls, keep_prob, cause);
	label_set_free(&ls);
	return p;
}

struct predictions *
predictions_load(const char *file, struct dataset *ds, char **cause)
{
	return load_now(file, ds, 1, cause);
}

struct predictions *
predictions_load_labels(const char *file, struct dataset *ds, char **cause)
{
	return load_now(file, ds, 0, cause);
}

void
predictions_free(struct predictions *p)
{
	size_t i;
	if (p == NULL)
		return;
	for (i = 0; i < p->nproblems; i++)
		free(p->problems[i].message);
	free(p->problems);
	for (i = 0; i < p->nlabels; i++)
		free(p->labels[i]);
	free(p->labels);
	free(p->to_dataset);
	free(p->pred);
	free(p->prob);
	free(p->prob_ok);
	free(p->file);
	free(p);
}
