/* dataset.c — the dataset's index: samples, labels, splits, their paths in
 * one pool and in path order, found by path. Opening a folder tree or a
 * manifest into it is dataset-open.c's. */
#include "config.h"

#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <xxhash.h>

#include "dataset-private.h"
#include "sniff.h"
#include "util.h"

static const char *const split_folders[] = {
	"train", "val", "valid", "validation", "test",
};

int
is_split_folder(const char *name)
{
	size_t i;
	for (i = 0; i < ARRAY_SIZE(split_folders); i++)
		if (strcmp(name, split_folders[i]) == 0)
			return 1;
	return 0;
}

void
dataset_problem(struct dataset *ds, const char *path, const char *fmt, ...)
{
	va_list ap;
	struct problem *p;
	ds->problems = xgrow(ds->problems, &ds->capproblems, ds->nproblems + 1,
	    sizeof *ds->problems);
	p = &ds->problems[ds->nproblems++];
	p->path = xstrdup(path);
	va_start(ap, fmt);
	p->message = xvasprintf(fmt, ap);
	va_end(ap);
}

unsigned
dataset_label_intern(struct dataset *ds, const char *name)
{
	gpointer v = g_hash_table_lookup(ds->label_index, name);
	if (v != NULL)
		return GPOINTER_TO_UINT(v) - 1;
	if (ds->nlabels >= LABEL_NONE)
		die("%s: more than %d labels", ds->root, LABEL_NONE - 1);
	if (ds->caplabels < LABEL_NONE) {
		ds->labels = xrealloc(ds->labels, LABEL_NONE * sizeof *ds->labels);
		ds->caplabels = LABEL_NONE;
	}
	ds->labels[ds->nlabels] = xstrdup(name);
	g_hash_table_insert(ds->label_index, ds->labels[ds->nlabels],
	    GUINT_TO_POINTER(ds->nlabels + 1));
	return (unsigned)ds->nlabels++;
}

int
dataset_label_find(const struct dataset *ds, const char *name)
{
	gpointer v = g_hash_table_lookup(ds->label_index, name);
	return v ? (int)GPOINTER_TO_UINT(v) - 1 : -1;
}

const char *
dataset_label_name(const struct dataset *ds, unsigned label)
{
	return label < ds->nlabels ? ds->labels[label] : "";
}

unsigned
split_intern(struct dataset *ds, const char *name)
{
	int i = dataset_split_find(ds, name);
	if (i >= 0)
		return (unsigned)i;
	if (ds->nsplits >= UINT8_MAX)
		return SPLIT_NONE;
	ds->splits = xgrow(ds->splits, &ds->capsplits, ds->nsplits + 1, sizeof *ds->splits);
	ds->splits[ds->nsplits] = xstrdup(name);
	return (unsigned)ds->nsplits++;
}

int
dataset_split_find(const struct dataset *ds, const char *name)
{
	size_t i;
	for (i = 0; i < ds->nsplits; i++)
		if (strcmp(ds->splits[i], name) == 0)
			return (int)i;
	return -1;
}

const char *
dataset_split_name(const struct dataset *ds, unsigned split)
{
	return split < ds->nsplits ? ds->splits[split] : "";
}

/* A file name for a read-only dataset's own file: the folder's name (safe
 * bytes only) and a hash of the full path, so that two datasets of one
 * name do not share a journal or a trend. */
static char *
state_name(const struct dataset *ds, const char *suffix)
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
	s = xasprintf("%s-%.12s.%s", buf_str(&b), hex, suffix);
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

char *
dataset_own_file(const struct dataset *ds, const char *name, const char *suffix,
    int *fallback)
{
	char *dir, *state, *path;
	int writable;

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
	state = state_name(ds, suffix);
	path = xasprintf("%s/%s", dir, state);
	free(state);
	free(dir);
	return path;
}

enum kind
sample_kind(const struct sample *s)
{
	if (s->content_format != FMT_NONE)
		return format_kind(s->content_format);
	return format_kind(s->ext_format);
}

enum format
dataset_sniff(struct dataset *ds, size_t i)
{
	struct sample *s = &ds->samples[i];
	if (s->content_format == FMT_NONE)
		s->content_format = format_sniff_at(ds->rootfd, sample_path(ds, i));
	return s->content_format;
}

/* A sample whose path is in the pool already, at offset `at`. */
void
add_sample_at(struct dataset *ds, uint32_t at, size_t len, unsigned label,
    unsigned split, unsigned flags)
{
	const char *path = strpool_get(&ds->paths, at);
	struct sample *s;
	ds->samples = xgrow(ds->samples, &ds->capsamples, ds->nsamples + 1,
	    sizeof *ds->samples);
	s = &ds->samples[ds->nsamples++];
	s->path = at;
	s->label = (uint16_t)label;
	s->split = (uint8_t)split;
	s->ext_format = (uint8_t)format_from_name_len(path, len);
	s->content_format = FMT_NONE;
	s->flags = (uint8_t)flags;
	s->reserved = 0;
}

void
add_sample(struct dataset *ds, const char *path, size_t len, unsigned label,
    unsigned split, unsigned flags)
{
	add_sample_at(ds, strpool_add(&ds->paths, path, len), len, label, split, flags);
}

/* ---- path index: open addressing over sample numbers ---- */

struct path_index {
	uint32_t *slot;     /* sample index + 1, 0 empty */
	size_t mask;
};

/* A path's first slot to try. */
static size_t
path_slot(const struct path_index *pi, const char *path)
{
	return (size_t)XXH3_64bits(path, strlen(path)) & pi->mask;
}

static void
path_index_put(const struct dataset *ds, struct path_index *pi, size_t i)
{
	size_t h = path_slot(pi, sample_path(ds, i));
	while (pi->slot[h] != 0)
		h = (h + 1) & pi->mask;
	pi->slot[h] = (uint32_t)(i + 1);
}

static long
path_index_get(const struct dataset *ds, const struct path_index *pi, const char *path)
{
	size_t h = path_slot(pi, path);
	while (pi->slot[h] != 0) {
		if (strcmp(sample_path(ds, pi->slot[h] - 1), path) == 0)
			return (long)pi->slot[h] - 1;
		h = (h + 1) & pi->mask;
	}
	return -1;
}

static void
path_index_build(struct dataset *ds)
{
	struct path_index *pi;
	size_t size = 16, i;
	if (ds->path_index != NULL) {
		pi = ds->path_index;
		free(pi->slot);
		free(pi);
	}
	while (size < ds->nsamples * 2 + 2)
		size *= 2;
	pi = xmalloc(sizeof *pi);
	pi->slot = xcalloc(size, sizeof *pi->slot);
	pi->mask = size - 1;
	for (i = 0; i < ds->nsamples; i++)
		path_index_put(ds, pi, i);
	ds->path_index = pi;
}

long
dataset_find(struct dataset *ds, const char *path)
{
	if (ds->path_index == NULL)
		path_index_build(ds);
	return path_index_get(ds, ds->path_index, path);
}

long
dataset_find_sorted(const struct dataset *ds, const char *path)
{
	size_t lo = 0, hi = ds->nsamples, mid;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(sample_path(ds, mid), path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ds->nsamples && strcmp(sample_path(ds, lo), path) == 0 ? (long)lo : -1;
}

/* ---- ordering ---- */

/* Compares two samples given by index: sorting 4-byte indices and moving
 * each 12-byte record once is cheaper than sorting the records. */
static int
cmp_sample_path(const void *a, const void *b, void *arg)
{
	const struct dataset *ds = arg;
	return strcmp(sample_path(ds, *(const uint32_t *)a), sample_path(ds, *(const uint32_t *)b));
}

static int
cmp_label_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Samples in path order: sort their indices, then move each record to its
 * place along the permutation's cycles (no second array of records). */
static void
sort_samples(struct dataset *ds)
{
	uint32_t *order = xmalloc(ds->nsamples * sizeof *order);
	struct sample held;
	size_t i, j, k;

	for (i = 0; i < ds->nsamples; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, ds->nsamples, sizeof *order, cmp_sample_path, ds);
	for (i = 0; i < ds->nsamples; i++) {
		if (order[i] == i)
			continue;
		held = ds->samples[i];
		for (j = i; order[j] != i; j = k) {
			k = order[j];
			ds->samples[j] = ds->samples[k];
			order[j] = (uint32_t)j;
		}
		ds->samples[j] = held;
		order[j] = (uint32_t)j;
	}
	free(order);
}

/* A folder tree is read in path order (scan_folder); a manifest need not be. */
static int
samples_sorted(const struct dataset *ds)
{
	size_t i;
	for (i = 1; i < ds->nsamples; i++)
		if (strcmp(sample_path(ds, i - 1), sample_path(ds, i)) > 0)
			return 0;
	return 1;
}

/* Lay the paths in the pool in sample order, so that walking the samples
 * walks memory in order. */
void
relay_paths(struct dataset *ds)
{
	struct strpool pool = { 0 };
	const char *path;
	size_t i;

	pool.data = xmalloc(ds->paths.len ? ds->paths.len : 1);
	pool.cap = ds->paths.len ? ds->paths.len : 1;
	for (i = 0; i < ds->nsamples; i++) {
		path = sample_path(ds, i);
		ds->samples[i].path = strpool_add(&pool, path, strlen(path));
	}
	strpool_free(&ds->paths);
	ds->paths = pool;
}

/* Labels in sorted order (the confusion matrix's order), samples by path. */
void
dataset_sort(struct dataset *ds)
{
	/* Room for every label there can be: the array never moves again,
	 * so that threads reading label names while the UI thread adds one
	 * (predictions or a decision that names a new label) read no freed
	 * memory. 512 kB of address space; pages only as names fill them. */
	char **sorted = xmalloc(LABEL_NONE * sizeof *sorted);
	uint16_t *remap = xmalloc((ds->nlabels ? ds->nlabels : 1) * sizeof *remap);
	size_t i;

	if (ds->nlabels > 0)
		memcpy(sorted, ds->labels, ds->nlabels * sizeof *sorted);
	qsort(sorted, ds->nlabels, sizeof *sorted, cmp_label_name);
	for (i = 0; i < ds->nlabels; i++)
		g_hash_table_insert(ds->label_index, sorted[i], GUINT_TO_POINTER(i + 1));
	for (i = 0; i < ds->nlabels; i++)
		remap[i] = (uint16_t)(GPOINTER_TO_UINT(g_hash_table_lookup(ds->label_index,
		    ds->labels[i])) - 1);
	for (i = 0; i < ds->nsamples; i++)
		if (ds->samples[i].label != LABEL_NONE)
			ds->samples[i].label = remap[ds->samples[i].label];
	free(ds->labels);
	ds->labels = sorted;
	ds->caplabels = LABEL_NONE;
	free(remap);

	if (ds->nsamples > 1 && !samples_sorted(ds)) {
		sort_samples(ds);
		relay_paths(ds);
	}
}

struct dataset *
dataset_new_memory(const char *root)
{
	struct dataset *ds = xcalloc(1, sizeof *ds);
	ds->root = root != NULL ? xstrdup(root) : NULL;
	ds->rootfd = -1;
	ds->label_index = g_hash_table_new(g_str_hash, g_str_equal);
	ds->splits = xgrow(NULL, &ds->capsplits, 1, sizeof *ds->splits);
	ds->splits[ds->nsplits++] = xstrdup("");
	return ds;
}

size_t
dataset_add(struct dataset *ds, const char *path, const char *label,
    const char *split)
{
	add_sample(ds, path, strlen(path),
	    label != NULL ? dataset_label_intern(ds, label) : LABEL_NONE,
	    split != NULL ? split_intern(ds, split) : SPLIT_NONE, 0);
	return ds->nsamples - 1;
}

void
dataset_free(struct dataset *ds)
{
	size_t i;
	struct path_index *pi;
	if (ds == NULL)
		return;
	if (ds->rootfd >= 0)
		close(ds->rootfd);
	for (i = 0; i < ds->nlabels; i++)
		free(ds->labels[i]);
	free(ds->labels);
	for (i = 0; i < ds->nsplits; i++)
		free(ds->splits[i]);
	free(ds->splits);
	for (i = 0; i < ds->nproblems; i++) {
		free(ds->problems[i].path);
		free(ds->problems[i].message);
	}
	free(ds->problems);
	if (ds->label_index)
		g_hash_table_destroy(ds->label_index);
	if ((pi = ds->path_index) != NULL) {
		free(pi->slot);
		free(pi);
	}
	strpool_free(&ds->paths);
	free(ds->samples);
	free(ds->manifest);
	free(ds->root);
	free(ds);
}

const char *
demo_dataset_path(void)
{
	const char *env = getenv("WINNOW_DEMO");
	struct stat st;
	if (env && *env)
		return env;
	if (stat(DATADIR "/demo", &st) == 0 && S_ISDIR(st.st_mode))
		return DATADIR "/demo";
	return SRCDIR "/data/demo";
}

void
dataset_describe(struct buf *b, const struct dataset *ds)
{
	size_t i;
	for (i = 0; i < ds->nlabels; i++)
		buf_addf(b, "label %s\n", ds->labels[i]);
	for (i = 0; i < ds->nsplits; i++)
		buf_addf(b, "split %s\n", dataset_split_name(ds, (unsigned)i));
	for (i = 0; i < ds->nsamples; i++)
		buf_addf(b, "sample %s %u %u %u\n", sample_path(ds, i), ds->samples[i].label,
		    ds->samples[i].split, ds->samples[i].ext_format);
	for (i = 0; i < ds->nproblems; i++)
		buf_addf(b, "problem %s: %s\n", ds->problems[i].path, ds->problems[i].message);
}
