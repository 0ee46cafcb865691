/* dataset-open.c — open a dataset (dataset.h): a folder-per-label tree
 * scanned on all cores with Speech Commands' split lists laid over it, or
 * a manifest read (dataset-manifest.c); then sorted and trimmed. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dataset-private.h"
#include "sniff.h"
#include "util.h"
#include "worker.h"

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

/* Move a problem (its strings) to the end of ds's list. */
static void
dataset_problem_take(struct dataset *ds, struct problem *p)
{
	ds->problems = xgrow(ds->problems, &ds->capproblems, ds->nproblems + 1,
	    sizeof *ds->problems);
	ds->problems[ds->nproblems++] = *p;
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

/* ---- opening ---- */

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
