/* dataset.c — index a folder-per-label tree or a CSV/TSV manifest. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <xxhash.h>

#include "csv.h"
#include "dataset.h"
#include "exists.h"
#include "sniff.h"
#include "util.h"
#include "worker.h"

/* At most this many problems of one sort are listed one by one. */
#define PROBLEMS_LISTED 20

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

/* Move a problem (its strings) to the end of ds's list. */
static void
dataset_problem_take(struct dataset *ds, struct problem *p)
{
	ds->problems = xgrow(ds->problems, &ds->capproblems, ds->nproblems + 1,
	    sizeof *ds->problems);
	ds->problems[ds->nproblems++] = *p;
}

unsigned
dataset_label_intern(struct dataset *ds, const char *name)
{
	gpointer v = g_hash_table_lookup(ds->label_index, name);
	if (v != NULL)
		return GPOINTER_TO_UINT(v) - 1;
	if (ds->nlabels >= LABEL_NONE)
		die("%s: more than %d labels", ds->root, LABEL_NONE - 1);
	ds->labels = xgrow(ds->labels, &ds->caplabels, ds->nlabels + 1, sizeof *ds->labels);
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

static unsigned
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
static void
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

static void
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

/* ---- folder layout ---- */

struct scan {
	struct dataset *ds;     /* where samples and problems go */
	struct buf path;        /* current folder, relative to ROOT, with '/' */
	size_t links_out;
	struct tasks *tasks;    /* at ROOT: label folders are queued here, not read */
};

/* A label folder, read on whichever thread is free into a dataset of its
 * own; the parts are joined in the order of the tasks, which is path order. */
struct task {
	int fd;
	char *path;             /* the folder relative to ROOT, with '/' */
	unsigned label, split;
	size_t problems_before; /* the root's problems met before this folder */
	struct dataset part;
	size_t links_out;
};

struct tasks {
	struct task *t;
	size_t n, cap;
	size_t next;            /* the next task to take, under lock */
	pthread_mutex_t lock;
};

static int
is_hidden(const char *name)
{
	return name[0] == '.';
}

/* A symbolic link inside the tree: where does it lead? Returns the st_mode
 * of its target when the target stays inside ROOT, 0 otherwise (reported). */
static mode_t
link_target_mode(struct scan *sc, const char *rel)
{
	struct stat st;
	int fd = open_beneath(sc->ds->rootfd, rel, O_PATH);
	if (fd < 0) {
		if (errno == EXDEV) {
			if (sc->links_out++ < PROBLEMS_LISTED)
				dataset_problem(sc->ds, rel, "link leads out of the dataset; skipped");
		} else if (errno == ELOOP) {
			dataset_problem(sc->ds, rel, "link loop; skipped");
		} else {
			dataset_problem(sc->ds, rel, "broken link: %s", strerror(errno));
		}
		return 0;
	}
	if (fstat(fd, &st) != 0)
		st.st_mode = 0;
	close(fd);
	return st.st_mode;
}

/* The folder being scanned, for a problem: its path without the trailing
 * '/' (which is cut off; callers rebuild the path from their own length). */
static const char *
folder_name(struct scan *sc, size_t base)
{
	if (base == 0)
		return ".";
	sc->path.len = base - 1;
	sc->path.data[base - 1] = '\0';
	return sc->path.data;
}

/* role of a folder's entries: at ROOT, inside a split folder, inside a label */
enum level { LEVEL_ROOT, LEVEL_SPLIT, LEVEL_LABEL };

/* A folder's entries are read whole and put in path order before any is
 * used: the samples then come out already sorted, with their paths laid in
 * the pool in the same order. No sort of the whole index is needed, and
 * whoever walks the samples in order (the path index, predictions in file
 * order, the file pane) walks the pool in order too, not at random. */
struct entry {
	uint64_t head;  /* the key's first 8 bytes, big-endian: most comparisons end here */
	uint32_t key;   /* offset in the listing's keys: the name, then '/' for a folder */
	uint8_t type;   /* DT_DIR, DT_REG, DT_LNK or another DT_ */
};

struct listing {
	struct entry *e;
	size_t n, cap;
	struct buf keys;
};

/* A folder sorts as if its name ended in '/', since that is where its paths
 * part from their neighbours': "a-b" < "a/x" < "a0" ('-' < '/' < '0'). */
static int
cmp_entry(const void *a, const void *b, void *arg)
{
	const struct entry *x = a, *y = b;
	const char *keys = arg;
	if (x->head != y->head)
		return x->head < y->head ? -1 : 1;
	return strcmp(keys + x->key, keys + y->key);
}

/* Radix sort on the heads, a byte at a time from the last (a byte that
 * all heads share is skipped), then the rest of the key where heads tie:
 * several times faster than qsort on a folder of 30,000 names. */
static void
sort_entries(struct entry *e, size_t n, const char *keys)
{
	struct entry *tmp = xmalloc(n * sizeof *tmp), *src = e, *dst = tmp, *t, x;
	size_t count[256], i, j, run, sum, k;
	unsigned shift, c;

	for (shift = 0; shift < 64; shift += 8) {
		memset(count, 0, sizeof count);
		for (i = 0; i < n; i++)
			count[(src[i].head >> shift) & 0xff]++;
		if (count[(src[0].head >> shift) & 0xff] == n)
			continue;
		for (sum = 0, c = 0; c < 256; c++) {
			k = count[c];
			count[c] = sum;
			sum += k;
		}
		for (i = 0; i < n; i++)
			dst[count[(src[i].head >> shift) & 0xff]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	if (src != e)
		memcpy(e, src, n * sizeof *e);
	free(tmp);

	for (i = 0; i < n; i = run) {
		for (run = i + 1; run < n && e[run].head == e[i].head; run++)
			continue;
		if (run - i > 16) {
			qsort_r(e + i, run - i, sizeof *e, cmp_entry, (void *)keys);
			continue;
		}
		for (j = i + 1; j < run; j++) {
			x = e[j];
			for (k = j; k > i && strcmp(keys + e[k - 1].key, keys + x.key) > 0; k--)
				e[k] = e[k - 1];
			e[k] = x;
		}
	}
}

static void
list_add(struct listing *l, const char *name, int type)
{
	const unsigned char *k;
	struct entry *e;
	size_t i;

	l->e = xgrow(l->e, &l->cap, l->n + 1, sizeof *l->e);
	e = &l->e[l->n++];
	e->key = (uint32_t)l->keys.len;
	e->type = (uint8_t)type;
	buf_adds(&l->keys, name);
	if (type == DT_DIR)
		buf_addc(&l->keys, '/');
	buf_addc(&l->keys, '\0');
	k = (const unsigned char *)l->keys.data + e->key;
	e->head = 0;
	for (i = 0; i < 8 && k[i] != '\0'; i++)
		e->head |= (uint64_t)k[i] << (56 - 8 * i);
}

static void
queue_task(struct scan *sc, int fd, unsigned label, unsigned split)
{
	struct tasks *ts = sc->tasks;
	struct task *t;

	ts->t = xgrow(ts->t, &ts->cap, ts->n + 1, sizeof *ts->t);
	t = &ts->t[ts->n++];
	memset(t, 0, sizeof *t);
	t->fd = fd;
	t->path = xstrdup(sc->path.data);
	t->label = label;
	t->split = split;
	t->problems_before = sc->ds->nproblems;
}

static void scan_folder(struct scan *, int, enum level, unsigned, unsigned);

static void
run_tasks(void *arg, unsigned k)
{
	struct tasks *ts = arg;
	struct scan sc = { 0 };
	struct task *t;
	size_t i;

	(void)k;         /* tasks come from the shared queue */
	for (;;) {
		pthread_mutex_lock(&ts->lock);
		i = ts->next++;
		pthread_mutex_unlock(&ts->lock);
		if (i >= ts->n)
			return;
		t = &ts->t[i];
		sc.ds = &t->part;
		sc.links_out = 0;
		sc.path.len = 0;
		buf_adds(&sc.path, t->path);
		scan_folder(&sc, t->fd, LEVEL_LABEL, t->label, t->split);
		t->links_out = sc.links_out;
		buf_free(&sc.path);
		memset(&sc.path, 0, sizeof sc.path);
	}
}

/* Append a task's samples, paths and problems to ds, and the root's own
 * problems from before it, so that problems keep the order of the tree. */
static void
join_task(struct dataset *ds, struct problem *root, size_t *nroot, size_t upto,
    struct task *t)
{
	struct dataset *part = &t->part;
	size_t i, base = ds->paths.len;

	for (; *nroot < upto; (*nroot)++)
		dataset_problem_take(ds, &root[*nroot]);
	for (i = 0; i < part->nproblems; i++)
		dataset_problem_take(ds, &part->problems[i]);
	free(part->problems);
	if (part->nsamples > 0) {
		if (base + part->paths.len > UINT32_MAX)
			die("too many paths: the path pool is limited to 4 GiB");
		ds->paths.data = xgrow(ds->paths.data, &ds->paths.cap,
		    base + part->paths.len, 1);
		memcpy(ds->paths.data + base, part->paths.data, part->paths.len);
		ds->paths.len += part->paths.len;
		ds->samples = xgrow(ds->samples, &ds->capsamples,
		    ds->nsamples + part->nsamples, sizeof *ds->samples);
		for (i = 0; i < part->nsamples; i++) {
			ds->samples[ds->nsamples + i] = part->samples[i];
			ds->samples[ds->nsamples + i].path += (uint32_t)base;
		}
		ds->nsamples += part->nsamples;
	}
	strpool_free(&part->paths);
	free(part->samples);
	free(t->path);
}

/* Index a folder tree: ROOT and its split folders on this thread, the label
 * folders under them on all cores. */
static void
scan_tree(struct scan *sc, int rootfd)
{
	struct tasks ts = { 0 };
	struct problem *root;
	size_t nroot, taken = 0, i;
	unsigned n;

	pthread_mutex_init(&ts.lock, NULL);
	sc->tasks = &ts;
	scan_folder(sc, rootfd, LEVEL_ROOT, LABEL_NONE, SPLIT_NONE);
	sc->tasks = NULL;

	n = parallel_threads(8);
	if (n > ts.n)
		n = ts.n ? (unsigned)ts.n : 1;
	for (i = 0; i < ts.n; i++)
		ts.t[i].part.rootfd = sc->ds->rootfd;
	parallel_for(n, run_tasks, &ts);
	pthread_mutex_destroy(&ts.lock);

	/* The root's problems are taken out and put back between the parts. */
	root = sc->ds->problems;
	nroot = sc->ds->nproblems;
	sc->ds->problems = NULL;
	sc->ds->nproblems = sc->ds->capproblems = 0;
	for (i = 0; i < ts.n; i++) {
		join_task(sc->ds, root, &taken, ts.t[i].problems_before, &ts.t[i]);
		sc->links_out += ts.t[i].links_out;
	}
	for (; taken < nroot; taken++)
		dataset_problem_take(sc->ds, &root[taken]);
	free(root);
	free(ts.t);
}

static void
scan_folder(struct scan *sc, int dirfd, enum level level, unsigned label, unsigned split)
{
	struct listing l = { 0 };
	DIR *dir;
	struct dirent *de;
	size_t base = sc->path.len, i, len;
	int type, fd;
	unsigned flags;
	struct stat st;
	char *name;

	if ((dir = fdopendir(dirfd)) == NULL) {
		dataset_problem(sc->ds, folder_name(sc, base), "cannot read folder: %s",
		    strerror(errno));
		close(dirfd);
		return;
	}
	while ((errno = 0, de = readdir(dir)) != NULL) {
		if (is_hidden(de->d_name))
			continue;
		type = de->d_type;
		if (type == DT_UNKNOWN) {
			if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
				continue;
			type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG :
			    S_ISLNK(st.st_mode) ? DT_LNK : DT_UNKNOWN;
		}
		list_add(&l, de->d_name, type);
	}
	if (errno != 0)
		dataset_problem(sc->ds, folder_name(sc, base), "error reading folder: %s",
		    strerror(errno));
	if (l.n > 1)
		sort_entries(l.e, l.n, l.keys.data);

	for (i = 0; i < l.n; i++) {
		name = l.keys.data + l.e[i].key;
		type = l.e[i].type;
		len = strlen(name);
		if (type == DT_DIR)
			name[--len] = '\0';
		sc->path.len = base;
		buf_add(&sc->path, name, len);
		flags = 0;
		/* A link beside the labels (predictions.csv kept elsewhere, say)
		 * is no sample wherever it leads: only a linked folder matters. */
		if (type == DT_LNK && level != LEVEL_LABEL &&
		    fstatat(dirfd, name, &st, 0) == 0 && !S_ISDIR(st.st_mode))
			continue;
		if (type == DT_LNK) {
			mode_t m = link_target_mode(sc, sc->path.data);
			if (S_ISDIR(m)) {
				dataset_problem(sc->ds, sc->path.data,
				    "link to a folder; not followed");
				continue;
			}
			if (!S_ISREG(m))
				continue;
			type = DT_REG;
			flags = SAMPLE_LINK;
		}
		if (type == DT_REG) {
			/* Files in ROOT or directly in a split folder are not samples. */
			if (level == LEVEL_LABEL)
				add_sample(sc->ds, sc->path.data, sc->path.len, label, split, flags);
			continue;
		}
		if (type != DT_DIR)
			continue;
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			dataset_problem(sc->ds, sc->path.data, "cannot read folder: %s",
			    strerror(errno));
			continue;
		}
		buf_addc(&sc->path, '/');
		if (level == LEVEL_ROOT && is_split_folder(name))
			scan_folder(sc, fd, LEVEL_SPLIT, LABEL_NONE, split_intern(sc->ds, name));
		else if (level != LEVEL_LABEL && sc->tasks != NULL)
			queue_task(sc, fd, name[0] == '_' ? LABEL_NONE :
			    dataset_label_intern(sc->ds, name), split);
		else if (level != LEVEL_LABEL)
			scan_folder(sc, fd, LEVEL_LABEL, name[0] == '_' ? LABEL_NONE :
			    dataset_label_intern(sc->ds, name), split);
		else
			scan_folder(sc, fd, LEVEL_LABEL, label, split);
	}
	closedir(dir);
	free(l.e);
	buf_free(&l.keys);
}

/* Speech Commands' validation_list.txt / testing_list.txt. */
static void
apply_split_list(struct dataset *ds, const char *file, const char *split_name,
    uint8_t *listed)
{
	char *text, *line, *save = NULL, *cause = NULL;
	unsigned split;
	size_t missing = 0, lineno = 0;
	long i;
	int fd = openat(ds->rootfd, file, O_RDONLY | O_CLOEXEC);
	char proc[64];

	if (fd < 0)
		return;
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	text = read_file(proc, NULL, &cause);
	close(fd);
	if (text == NULL) {
		dataset_problem(ds, file, "%s", cause);
		free(cause);
		return;
	}
	split = split_intern(ds, split_name);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t n = strlen(line);
		lineno++;
		if (n && line[n - 1] == '\r')
			line[n - 1] = '\0';
		if (*line == '\0')
			continue;
		if ((i = dataset_find(ds, line)) < 0) {
			if (missing++ < PROBLEMS_LISTED)
				dataset_problem(ds, file, "line %zu: %s is not in the dataset",
				    lineno, line);
			continue;
		}
		ds->samples[i].split = (uint8_t)split;
		listed[i] = 1;
	}
	if (missing > PROBLEMS_LISTED)
		dataset_problem(ds, file, "%zu paths in all are not in the dataset", missing);
	free(text);
}

static void
apply_split_lists(struct dataset *ds)
{
	uint8_t *listed;
	unsigned training;
	size_t i;
	int have = faccessat(ds->rootfd, "validation_list.txt", F_OK, 0) == 0 ||
	    faccessat(ds->rootfd, "testing_list.txt", F_OK, 0) == 0;
	if (!have || ds->nsamples == 0)
		return;
	listed = xcalloc(ds->nsamples, 1);
	apply_split_list(ds, "validation_list.txt", "validation", listed);
	apply_split_list(ds, "testing_list.txt", "testing", listed);
	training = split_intern(ds, "training");
	for (i = 0; i < ds->nsamples; i++)
		if (!listed[i] && ds->samples[i].label != LABEL_NONE &&
		    ds->samples[i].split == SPLIT_NONE)
			ds->samples[i].split = (uint8_t)training;
	free(listed);
}

/* ---- manifest layout ---- */

/* A manifest's rows are read first; sorted by path, they give the samples
 * (a sample a path), in path order; the files these name are checked all at
 * once, a folder listing each rather than a lookup each (exists.h); then
 * the rows are taken in their own order: the problems and the samples are
 * the ones a row-by-row check would give. */
struct row {
	size_t line;
	uint32_t path;          /* in the dataset's pool */
	uint32_t sample;        /* its path's sample, or ROW_BAD */
	uint32_t label, split;  /* in the rows' own tables, or ROW_NONE (a sample
	                           ROW_BAD: label is its message's number) */
};
#define ROW_BAD UINT32_MAX
#define ROW_NONE UINT32_MAX     /* a row's label or split: none */
/* why[] of a sample a row has taken: no errno nor EXISTS_* value. */
#define ROW_TAKEN INT_MIN

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

/* Read the rows, their paths into the dataset's pool. */
static int
read_rows(struct dataset *ds, const char *file, struct rows *rs, char **cause)
{
	struct csv c;
	char *why = NULL, *full = xasprintf("%s/%s", ds->root, file);
	int cpath, clabel, csplit, r;
	size_t bad = 0;

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
	while ((r = csv_next(&c, &why)) != 0) {
		const char *path, *label, *split;
		if (r < 0) {
			if (bad++ < PROBLEMS_LISTED)
				row_bad(rs, c.line, xstrdup(why));
			free(why);
			why = NULL;
			continue;
		}
		if ((size_t)cpath >= c.nfield || (size_t)clabel >= c.nfield) {
			if (bad++ < PROBLEMS_LISTED)
				row_bad(rs, c.line, xasprintf("line %zu: %zu fields, expected %zu",
				    c.line, c.nfield, c.nheader));
			continue;
		}
		/* Names are escaped as winnow writes them (export --manifest):
		 * a line break cannot be in a row, nor a control byte in a
		 * file meant to be read. */
		if (unescape_name(c.field[cpath]) != 0 || unescape_name(c.field[clabel]) != 0 ||
		    (csplit >= 0 && (size_t)csplit < c.nfield &&
		    unescape_name(c.field[csplit]) != 0)) {
			if (bad++ < PROBLEMS_LISTED)
				row_bad(rs, c.line, xasprintf("line %zu: a backslash that is not "
				    "\\\\ or \\xNN (00 aside)", c.line));
			continue;
		}
		path = c.field[cpath];
		label = c.field[clabel];
		split = csplit >= 0 && (size_t)csplit < c.nfield ? c.field[csplit] : "";
		while (path[0] == '.' && path[1] == '/')
			path += 2;
		if (!path_is_clean(path)) {
			if (bad++ < PROBLEMS_LISTED)
				row_bad(rs, c.line, xasprintf("line %zu: path '%s' is refused "
				    "(absolute, empty, or with '..')", c.line, path));
			continue;
		}
		/* An empty label is new data waiting for one, as in a `_` folder. */
		row_add(rs, c.line, strpool_add(&ds->paths, path, strlen(path)), 0,
		    *label ? row_name(rs, label) : ROW_NONE,
		    *split ? row_name(rs, split) : ROW_NONE);
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

/* A sample for each path the rows name, in path order (as dataset_sort
 * wants them), each row pointing to its path's. Sorting finds the repeated paths that a hash table would,
 * and gives the order the dataset needs anyway. */
static void
samples_of_rows(struct dataset *ds, struct rows *rs)
{
	struct row_order o = { ds, rs->row };
	uint32_t *order = xmalloc((rs->n ? rs->n : 1) * sizeof *order), at;
	const char *path, *prev = NULL;
	size_t i, n = 0;

	for (i = 0; i < rs->n; i++)
		if (rs->row[i].sample != ROW_BAD)
			order[n++] = (uint32_t)i;
	qsort_r(order, n, sizeof *order, cmp_row_path, &o);
	for (i = 0; i < n; i++) {
		at = rs->row[order[i]].path;
		path = strpool_get(&ds->paths, at);
		if (prev == NULL || strcmp(prev, path) != 0)
			add_sample_at(ds, at, strlen(path), LABEL_NONE, SPLIT_NONE, 0);
		rs->row[order[i]].sample = (uint32_t)(ds->nsamples - 1);
		prev = path;
	}
	free(order);
}

static void relay_paths(struct dataset *ds);

static int
load_manifest(struct dataset *ds, const char *file, char **cause)
{
	struct rows rs = { 0 };
	const char **paths;
	size_t missing = 0, dups = 0, i, n;
	uint32_t *labels, *splits;
	int *why;

	rs.names = g_hash_table_new(g_str_hash, g_str_equal);
	rs.name = g_ptr_array_new_with_free_func(free);
	rs.bad = g_ptr_array_new_with_free_func(free);
	if (read_rows(ds, file, &rs, cause) != 0) {
		g_hash_table_destroy(rs.names);
		g_ptr_array_free(rs.name, TRUE);
		g_ptr_array_free(rs.bad, TRUE);
		return -1;
	}
	samples_of_rows(ds, &rs);

	paths = xmalloc((ds->nsamples ? ds->nsamples : 1) * sizeof *paths);
	why = xmalloc((ds->nsamples ? ds->nsamples : 1) * sizeof *why);
	for (i = 0; i < ds->nsamples; i++)
		paths[i] = sample_path(ds, i);
	exists_check(ds->rootfd, paths, ds->nsamples, why);
	free(paths);

	labels = xmalloc((rs.name->len ? rs.name->len : 1) * sizeof *labels);
	splits = xmalloc((rs.name->len ? rs.name->len : 1) * sizeof *splits);
	for (i = 0; i < rs.name->len; i++)
		labels[i] = splits[i] = ROW_NONE;
	for (i = 0; i < rs.n; i++) {
		struct row *r = &rs.row[i];
		struct sample *s;
		const char *path;
		if (r->sample == ROW_BAD) {
			dataset_problem(ds, file, "%s", (char *)g_ptr_array_index(rs.bad, r->label));
			continue;
		}
		s = &ds->samples[r->sample];
		path = sample_path(ds, r->sample);
		if (why[r->sample] == ROW_TAKEN) {
			if (dups++ < PROBLEMS_LISTED)
				dataset_problem(ds, file, "line %zu: %s is listed again; "
				    "the first row counts", r->line, path);
			continue;
		}
		if (why[r->sample] != EXISTS_REGULAR) {
			int e = why[r->sample] > 0 ? why[r->sample] : 0;
			if (missing++ < PROBLEMS_LISTED)
				dataset_problem(ds, file, "line %zu: %s: %s", r->line, path,
				    e == EXDEV ? "leads out of the dataset; skipped" :
				    e ? strerror(e) : "not a regular file");
			continue;
		}
		why[r->sample] = ROW_TAKEN;
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
		if (why[i] == ROW_TAKEN)
			ds->samples[n++] = ds->samples[i];
	ds->nsamples = n;
	relay_paths(ds);
	free(why);
	free(labels);
	free(splits);
	free(rs.row);
	g_hash_table_destroy(rs.names);
	g_ptr_array_free(rs.name, TRUE);
	g_ptr_array_free(rs.bad, TRUE);
	return 0;
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
static void
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
static void
dataset_sort(struct dataset *ds)
{
	char **sorted = xmalloc((ds->nlabels ? ds->nlabels : 1) * sizeof *sorted);
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
	ds->caplabels = ds->nlabels;
	free(remap);

	if (ds->nsamples > 1 && !samples_sorted(ds)) {
		sort_samples(ds);
		relay_paths(ds);
	}
}

/* The index lives as long as the session: give back what growing by half
 * left unused (a third of the records' and paths' memory at worst). */
static void
trim_slack(struct dataset *ds)
{
	if (ds->nsamples == 0)
		return;
	ds->samples = xrealloc(ds->samples, ds->nsamples * sizeof *ds->samples);
	ds->capsamples = ds->nsamples;
	ds->paths.data = xrealloc(ds->paths.data, ds->paths.len);
	ds->paths.cap = ds->paths.len;
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

struct dataset *
dataset_open(const char *path, char **cause)
{
	struct dataset *ds;
	struct stat st;
	char *real, *slash;
	struct scan sc = { 0 };
	int fd;

	if (stat(path, &st) != 0) {
		set_cause(cause, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
		set_cause(cause, "%s: not a folder or a manifest file", path);
		return NULL;
	}
	if ((real = realpath(path, NULL)) == NULL) {
		set_cause(cause, "%s: %s", path, strerror(errno));
		return NULL;
	}
	ds = dataset_new_memory(NULL);
	if (S_ISDIR(st.st_mode)) {
		ds->layout = LAYOUT_FOLDERS;
		ds->root = real;
	} else {
		ds->layout = LAYOUT_MANIFEST;
		slash = strrchr(real, '/');
		ds->manifest = xstrdup(slash + 1);
		ds->root = slash == real ? xstrdup("/") : xstrndup(real, (size_t)(slash - real));
		free(real);
	}
	ds->rootfd = open(ds->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ds->rootfd < 0) {
		set_cause(cause, "%s: %s", ds->root, strerror(errno));
		dataset_free(ds);
		return NULL;
	}
	if (ds->layout == LAYOUT_MANIFEST) {
		/* A clip or a picture given where a dataset goes: say what it is,
		 * not that its "header" lacks columns. */
		enum format f = format_sniff_at(ds->rootfd, ds->manifest);
		if (format_kind(f) == KIND_AUDIO || format_kind(f) == KIND_IMAGE) {
			set_cause(cause, "%s: a %s file (%s), not a dataset: give a folder or a "
			    "CSV/TSV manifest", path, format_name(f), kind_name(format_kind(f)));
			dataset_free(ds);
			return NULL;
		}
		if (load_manifest(ds, ds->manifest, cause) != 0) {
			dataset_free(ds);
			return NULL;
		}
	} else {
		if ((fd = dup(ds->rootfd)) < 0) {
			set_cause(cause, "%s: %s", ds->root, strerror(errno));
			dataset_free(ds);
			return NULL;
		}
		sc.ds = ds;
		buf_str(&sc.path);
		scan_tree(&sc, fd);
		if (sc.links_out > PROBLEMS_LISTED)
			dataset_problem(ds, ".", "%zu links in all lead out of the dataset",
			    sc.links_out);
		buf_free(&sc.path);
	}
	dataset_sort(ds);
	if (ds->layout == LAYOUT_FOLDERS)
		apply_split_lists(ds);
	trim_slack(ds);
	return ds;
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
