/* apply.c — carry out a journal's decisions, and undo them (apply.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "apply.h"
#include "csv.h"
#include "hash.h"

/* Where a step's path is: under ROOT, or under the trash folder. */
enum base { BASE_ROOT, BASE_TRASH };

enum step_op { STEP_MKDIR, STEP_MOVE, STEP_TRASH, STEP_REWRITE };

static const char *const step_names[] = { "mkdir", "move", "trash", "rewrite" };

struct step {
	uint8_t op;             /* enum step_op */
	uint8_t base;           /* mkdir: enum base */
	uint8_t failed;         /* did not happen */
	uint32_t id;            /* the journal entry (move, trash) */
	char *from;             /* move, trash: path under ROOT; rewrite: the file */
	char *to;               /* move: under ROOT; trash: under the trash;
	                           mkdir: the folder; rewrite: the kept old file */
	char *renamed;          /* why the name changed, or NULL */
	char sha256[65];        /* move, trash: the file's; rewrite: the new content's */
	char *kept_sha256;      /* rewrite: the old content's, or NULL */
	char *content;          /* rewrite: the new content (not recorded) */
	size_t len;
	struct apply_ident ident;       /* move, trash: the file when hashed */
};

struct plan {
	struct step *steps;
	size_t n, cap;
	int rootfd, trashfd;    /* trashfd -1 until needed */
	char *trash;            /* absolute path of the trash folder */
	char stamp[40];         /* 20261127T210311.482915Z-01: the record's and
	                           the trash folder's name */
	GHashTable *taken;      /* planned paths: "r:…" / "t:…" */
	GHashTable *dirfds;     /* "r:dir" / "t:dir" -> fd + 1 */
	GHashTable *applied;    /* path -> sha256 moved by earlier applies */
	const struct apply_options *o;
	struct apply_result *res;
	double last_progress;
};

/* ---- small helpers ---- */

static void
progress(struct plan *p, const char *what, size_t i, size_t n)
{
	double t;
	char a[32], b[32];
	if (!p->o->progress || p->o->dry_run)
		return;
	t = now_seconds();
	if (i < n && t - p->last_progress < 0.1)
		return;
	p->last_progress = t;
	if (i >= n) {
		fputs("\r\033[K", stderr);
		return;
	}
	snprintf(a, sizeof a, "%zu", i);
	snprintf(b, sizeof b, "%zu", n);
	fprintf(stderr, "\r%s %s/%s\033[K", what, a, b);
}

static void
step_free(struct step *s)
{
	free(s->from);
	free(s->to);
	free(s->renamed);
	free(s->kept_sha256);
	free(s->content);
}

static struct step *
add_step(struct plan *p, enum step_op op)
{
	struct step *s;
	p->steps = xgrow(p->steps, &p->cap, p->n + 1, sizeof *p->steps);
	s = &p->steps[p->n++];
	memset(s, 0, sizeof *s);
	s->op = (uint8_t)op;
	return s;
}

static char *
key_of(enum base base, const char *path)
{
	return xasprintf("%c:%s", base == BASE_ROOT ? 'r' : 't', path);
}

/* The folder part of a relative path ("" for none); the caller frees. */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup("");
}

static const char *
base_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* A descriptor of a folder under ROOT or the trash, opened beneath it and
 * cached. -1 with errno when it cannot be opened. */
static int
dir_fd(struct plan *p, enum base base, const char *dir)
{
	char *key;
	gpointer v;
	int fd, top = base == BASE_ROOT ? p->rootfd : p->trashfd;

	if (*dir == '\0')
		return top;
	key = key_of(base, dir);
	if ((v = g_hash_table_lookup(p->dirfds, key)) != NULL) {
		free(key);
		return GPOINTER_TO_INT(v) - 1;
	}
	fd = open_beneath(top, dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		free(key);
		return -1;
	}
	g_hash_table_insert(p->dirfds, key, GINT_TO_POINTER(fd + 1));
	return fd;
}

static void
close_dirfds(struct plan *p)
{
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, p->dirfds);
	while (g_hash_table_iter_next(&it, &k, &v))
		close(GPOINTER_TO_INT(v) - 1);
	g_hash_table_remove_all(p->dirfds);
}

/* Does a name exist beneath base (not following a last link)? */
static int
exists_at(struct plan *p, enum base base, const char *path, struct stat *st)
{
	char *dir = dir_of(path);
	int fd = dir_fd(p, base, dir), r;
	free(dir);
	if (fd < 0)
		return 0;
	r = fstatat(fd, base_of(path), st, AT_SYMLINK_NOFOLLOW) == 0;
	return r;
}

/* rename without ever replacing: renameat2 RENAME_NOREPLACE, or, where the
 * file system lacks it, link + unlink of the old name (link fails on an
 * existing name just the same). */
static int
rename_noreplace(int fromfd, const char *from, int tofd, const char *to)
{
	if (renameat2(fromfd, from, tofd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (linkat(fromfd, from, tofd, to, 0) != 0)
		return -1;
	return unlinkat(fromfd, from, 0);
}

/* ---- sha256 of many files, on all cores ---- */

struct hash_job {
	const int *fds;
	char *const *paths;
	char (*sha)[65];
	struct apply_ident *ids;
	int *err;
	atomic_uchar *done;     /* per file: sha and err are set */
	size_t n, next;
	pthread_mutex_t lock;
	pthread_t th[8];
	int nth;
};

static void *
hash_worker(void *arg)
{
	struct hash_job *h = arg;
	size_t i, end;
	for (;;) {
		pthread_mutex_lock(&h->lock);
		i = h->next;
		h->next += 16;
		pthread_mutex_unlock(&h->lock);
		if (i >= h->n)
			return NULL;
		end = i + 16 < h->n ? i + 16 : h->n;
		for (; i < end; i++) {
			struct stat st;
			if (h->paths[i] != NULL) {
				h->err[i] = sha256_file_stat(h->fds[i], h->paths[i], h->sha[i],
				    &st) == 0 ? 0 : errno;
				if (h->err[i] == 0)
					apply_ident_of(&h->ids[i], &st);
			}
			atomic_store_explicit(&h->done[i], 1, memory_order_release);
		}
	}
}

/* Start hashing paths[i] beneath fds[i] (NULL paths skipped) into sha[i],
 * the file as opened in ids[i], errno in err[i] (0 when hashed), in order
 * of i, on all cores. */
static void
hash_start(struct hash_job *h, const int *fds, char *const *paths, size_t n,
    char (*sha)[65], struct apply_ident *ids, int *err)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int i;

	*h = (struct hash_job){ .fds = fds, .paths = paths, .sha = sha, .ids = ids,
	    .err = err, .n = n };
	h->done = xcalloc(n ? n : 1, sizeof *h->done);
	h->nth = n < 64 ? 1 : cpus < 1 ? 1 : cpus > 8 ? 8 : (int)cpus;
	pthread_mutex_init(&h->lock, NULL);
	for (i = 0; i < h->nth; i++)
		if (pthread_create(&h->th[i], NULL, hash_worker, h) != 0)
			die("cannot start a thread");
}

/* Wait until file i is hashed (the files before it mostly are by then). */
static void
hash_wait(struct hash_job *h, size_t i)
{
	static const struct timespec pause = { 0, 100000 };
	while (!atomic_load_explicit(&h->done[i], memory_order_acquire))
		nanosleep(&pause, NULL);
}

static void
hash_finish(struct hash_job *h)
{
	int i;
	for (i = 0; i < h->nth; i++)
		pthread_join(h->th[i], NULL);
	pthread_mutex_destroy(&h->lock);
	free(h->done);
}

/* Hash them all, telling the progress. */
static void
hash_many(struct plan *p, const char *what, const int *fds, char *const *paths,
    size_t n, char (*sha)[65], struct apply_ident *ids, int *err)
{
	struct hash_job h;
	size_t i;

	hash_start(&h, fds, paths, n, sha, ids, err);
	for (i = 0; i < n; i++) {
		progress(p, what, i, n);
		hash_wait(&h, i);
	}
	hash_finish(&h);
	progress(p, what, n, n);
}

void
apply_ident_of(struct apply_ident *id, const struct stat *st)
{
	id->dev = st->st_dev;
	id->ino = st->st_ino;
	id->size = st->st_size;
	id->mtime = st->st_mtim;
}

int
apply_ident_same(int dirfd, const char *name, const struct apply_ident *id)
{
	struct stat st;
	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	    st.st_dev == id->dev && st.st_ino == id->ino && st.st_size == id->size &&
	    st.st_mtim.tv_sec == id->mtime.tv_sec && st.st_mtim.tv_nsec == id->mtime.tv_nsec;
}

/* ---- records ---- */

static void
write_step(struct yout *y, const struct step *s, size_t number)
{
	yout_doc_start(y);
	yout_uint(y, "step", number);
	yout_plain(y, "op", step_names[s->op]);
	switch (s->op) {
	case STEP_MKDIR:
		if (s->base == BASE_TRASH)
			yout_plain(y, "in", "trash");
		yout_string(y, "path", s->to);
		break;
	case STEP_MOVE:
	case STEP_TRASH:
		yout_uint(y, "id", s->id);
		yout_string(y, "from", s->from);
		yout_string(y, "to", s->to);
		yout_plain(y, "sha256", s->sha256);
		if (s->renamed)
			yout_string(y, "renamed", s->renamed);
		break;
	case STEP_REWRITE:
		yout_string(y, "file", s->from);
		yout_string(y, "kept", s->to);
		yout_plain(y, "sha256", s->sha256);
		yout_plain(y, "kept-sha256", s->kept_sha256);
		break;
	}
	yout_doc_end(y);
}

/* What is read back from a record. */
struct record {
	char *dataset, *trash, *journal;
	enum layout layout;
	struct step *steps;
	size_t n, cap, ndocs;
	int done, undone;
	char *failed;           /* "3 17": steps that did not happen */
};

static int
read_record_doc(void *arg, const struct ydoc *d, char **why)
{
	struct record *r = arg;
	const char *v;
	struct step *s;
	size_t line;
	int op;

	if (r->ndocs++ == 0) {
		if ((v = ydoc_get(d, "winnow-apply", &line)) == NULL || strcmp(v, "1") != 0) {
			*why = xasprintf("%zu: not a winnow apply record", d->line);
			return -1;
		}
		if ((v = ydoc_get(d, "dataset", NULL)) == NULL || *v != '/') {
			*why = xasprintf("%zu: the record names no dataset", d->line);
			return -1;
		}
		r->dataset = xstrdup(v);
		if ((v = ydoc_get(d, "trash", NULL)) != NULL)
			r->trash = xstrdup(v);
		if ((v = ydoc_get(d, "journal", NULL)) != NULL)
			r->journal = xstrdup(v);
		v = ydoc_get(d, "layout", NULL);
		r->layout = v && strcmp(v, "manifest") == 0 ? LAYOUT_MANIFEST : LAYOUT_FOLDERS;
		return 0;
	}
	if (ydoc_get(d, "done", NULL)) {
		r->done = 1;
		if ((v = ydoc_get(d, "failed", NULL)) != NULL) {
			free(r->failed);
			r->failed = xasprintf(" %s ", v);
		}
		return 0;
	}
	if (ydoc_get(d, "undone", NULL)) {
		r->undone = 1;
		return 0;
	}
	if ((v = ydoc_get(d, "op", &line)) == NULL) {
		*why = xasprintf("%zu: a step without 'op'", d->line);
		return -1;
	}
	for (op = 0; op < (int)ARRAY_SIZE(step_names); op++)
		if (strcmp(step_names[op], v) == 0)
			break;
	if (op == (int)ARRAY_SIZE(step_names)) {
		*why = xasprintf("%zu: unknown step '%s'", line, v);
		return -1;
	}
	r->steps = xgrow(r->steps, &r->cap, r->n + 1, sizeof *r->steps);
	s = &r->steps[r->n++];
	memset(s, 0, sizeof *s);
	s->op = (uint8_t)op;
	switch (op) {
	case STEP_MKDIR:
		v = ydoc_get(d, "in", NULL);
		s->base = v && strcmp(v, "trash") == 0 ? BASE_TRASH : BASE_ROOT;
		if ((v = ydoc_get(d, "path", NULL)) == NULL || !path_is_clean(v))
			goto bad;
		s->to = xstrdup(v);
		break;
	case STEP_MOVE:
	case STEP_TRASH:
		if ((v = ydoc_get(d, "from", NULL)) == NULL || !path_is_clean(v))
			goto bad;
		s->from = xstrdup(v);
		if ((v = ydoc_get(d, "to", NULL)) == NULL || !path_is_clean(v))
			goto bad;
		s->to = xstrdup(v);
		if ((v = ydoc_get(d, "sha256", NULL)) == NULL || strlen(v) != 64)
			goto bad;
		snprintf(s->sha256, sizeof s->sha256, "%s", v);
		break;
	case STEP_REWRITE:
		if ((v = ydoc_get(d, "file", NULL)) == NULL || !path_is_clean(v))
			goto bad;
		s->from = xstrdup(v);
		/* The kept file is the rewritten one's NAME.before-STAMP, beside
		 * it: undo renames nothing else onto the file's name. */
		if ((v = ydoc_get(d, "kept", NULL)) == NULL || !path_is_clean(v) ||
		    strncmp(v, s->from, strlen(s->from)) != 0 ||
		    strncmp(v + strlen(s->from), ".before-", 8) != 0 ||
		    strchr(v + strlen(s->from), '/') != NULL)
			goto bad;
		s->to = xstrdup(v);
		if ((v = ydoc_get(d, "sha256", NULL)) == NULL || strlen(v) != 64)
			goto bad;
		snprintf(s->sha256, sizeof s->sha256, "%s", v);
		/* Records before the old content's sha256 was kept lack it. */
		if ((v = ydoc_get(d, "kept-sha256", NULL)) != NULL) {
			if (strlen(v) != 64)
				goto bad;
			s->kept_sha256 = xstrdup(v);
		}
		break;
	}
	return 0;
bad:
	*why = xasprintf("%zu: a %s step with a missing or unsafe path or sha256",
	    d->line, step_names[op]);
	return -1;
}

static void
record_free(struct record *r)
{
	size_t i;
	for (i = 0; i < r->n; i++)
		step_free(&r->steps[i]);
	free(r->steps);
	free(r->dataset);
	free(r->trash);
	free(r->journal);
	free(r->failed);
	memset(r, 0, sizeof *r);
}

static int
read_record(const char *file, struct record *r, char **cause)
{
	struct ydoc_tail tail;
	size_t len;
	char *data = read_file(file, &len, cause);
	int ret;

	memset(r, 0, sizeof *r);
	if (data == NULL)
		return -1;
	/* A torn last document (a crash while writing "done") loses only
	 * that: the steps were written and fsync'd before any was taken. */
	ret = ydoc_read(file, data, len, 1, read_record_doc, r, &tail, cause);
	free(tail.why);
	free(data);
	if (ret == 0 && r->ndocs == 0) {
		set_cause(cause, "%s: empty: not an apply record", file);
		ret = -1;
	}
	if (ret != 0)
		record_free(r);
	return ret;
}

static int
step_failed(const struct record *r, size_t i)
{
	char tmp[32];
	if (r->failed == NULL)
		return 0;
	snprintf(tmp, sizeof tmp, " %zu ", i + 1);
	return strstr(r->failed, tmp) != NULL;
}

/* What earlier applies (not undone) moved: path -> sha256, so that applying
 * a journal again knows a missing file is one it moved. */
static void
load_applied(struct plan *p)
{
	int fd = openat(p->rootfd, ".winnow/applied", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir;
	struct dirent *de;
	char proc[64];

	if (fd < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		struct record r;
		char *path, *cause = NULL;
		size_t i;
		if (de->d_name[0] == '.' || !has_suffix_ci(de->d_name, ".yaml"))
			continue;
		snprintf(proc, sizeof proc, "/proc/self/fd/%d/", dirfd(dir));
		path = xasprintf("%s%s", proc, de->d_name);
		if (read_record(path, &r, &cause) != 0) {
			free(cause);
			free(path);
			continue;
		}
		free(path);
		for (i = 0; i < r.n && !r.undone; i++)
			if ((r.steps[i].op == STEP_MOVE || r.steps[i].op == STEP_TRASH) &&
			    !step_failed(&r, i))
				g_hash_table_replace(p->applied, xstrdup(r.steps[i].from),
				    xstrdup(r.steps[i].sha256));
		record_free(&r);
	}
	closedir(dir);
}

/* ---- planning ---- */

static void
conflict(struct plan *p, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
conflict(struct plan *p, const char *path, const char *fmt, ...)
{
	struct buf b = { 0 };
	va_list ap;
	char *why;
	va_start(ap, fmt);
	why = xvasprintf(fmt, ap);
	va_end(ap);
	fprintf(p->o->out, "conflict %s: %s\n", escaped_name(&b, path), why);
	p->res->conflicts++;
	free(why);
	buf_free(&b);
}

/* Is the name taken, by a planned step or on disk? When it is taken on disk
 * by the same content, *same is set. */
static int
taken(struct plan *p, enum base base, const char *path, const char *sha, int *same)
{
	char *key = key_of(base, path), other[65];
	struct stat st;
	int fd, r = g_hash_table_contains(p->taken, key);
	free(key);
	if (r)
		return 1;
	if (!exists_at(p, base, path, &st))
		return 0;
	if (S_ISREG(st.st_mode) && sha != NULL) {
		fd = base == BASE_ROOT ? p->rootfd : p->trashfd;
		if (sha256_file(fd, path, other) == 0 && strcmp(other, sha) == 0)
			*same = 1;
	}
	return 1;
}

/* The next name to try after `name`: Speech Commands' <hash>_nohash_N.ext
 * counts N up; anything else becomes stem~N.ext. */
static char *
next_name(const char *name, unsigned n)
{
	const char *tag = strstr(name, "_nohash_"), *dot = strrchr(name, '.');
	if (dot == name)
		dot = NULL;
	if (tag != NULL) {
		const char *d = tag + 8, *e = d;
		while (*e >= '0' && *e <= '9')
			e++;
		if (e > d && (*e == '\0' || e == dot))
			return xasprintf("%.*s%lu%s", (int)(d - name), name,
			    strtoul(d, NULL, 10) + n, e);
	}
	if (dot != NULL)
		return xasprintf("%.*s~%u%s", (int)(dot - name), name, n, dot);
	return xasprintf("%s~%u", name, n);
}

/* Plan the folders a target needs. Returns 0, or -1 (conflict reported)
 * when a part of it is a link or not a folder. */
static int
plan_dirs(struct plan *p, enum base base, const char *dir, const char *sample)
{
	char *part = xstrdup(dir), *s = part;
	struct stat st;
	int r = 0;

	if (*dir == '\0') {
		free(part);
		return 0;
	}
	for (;;) {
		char *slash = strchr(s, '/'), *key;
		if (slash)
			*slash = '\0';
		key = key_of(base, part);
		if (!g_hash_table_contains(p->taken, key)) {
			if (exists_at(p, base, part, &st)) {
				if (!S_ISDIR(st.st_mode)) {
					struct buf b = { 0 };
					conflict(p, sample, "the target folder %s is %s", escaped_name(&b, part),
					    S_ISLNK(st.st_mode) ? "a link" : "not a folder");
					buf_free(&b);
					free(key);
					r = -1;
					break;
				}
			} else {
				struct step *st2 = add_step(p, STEP_MKDIR);
				st2->base = (uint8_t)base;
				st2->to = xstrdup(part);
				g_hash_table_add(p->taken, xstrdup(key));
			}
		}
		free(key);
		if (slash == NULL)
			break;
		*slash = '/';
		s = slash + 1;
	}
	free(part);
	return r;
}

/* Plan moving `path` to dir/name beneath base, with the next free name when
 * that one is taken. Returns 0, or -1 when it is a conflict (reported). */
static int
plan_move(struct plan *p, const struct journal_entry *e, const char *path,
    const char *sha, enum base base, const char *dir, const char *name)
{
	size_t ndirs = p->n;
	char *target = *dir ? xasprintf("%s/%s", dir, name) : xstrdup(name);
	char *first = xstrdup(target), *cand;
	unsigned n;
	int same = 0;
	struct step *s;

	if (plan_dirs(p, base, dir, path) != 0) {
		free(target);
		free(first);
		return -1;
	}
	for (n = 1; taken(p, base, target, sha, &same); n++) {
		if (same || n > 100000) {
			struct buf b = { 0 };
			if (same)
				conflict(p, path, "the same content is already at %s",
				    escaped_name(&b, target));
			else
				conflict(p, path, "no free name near %s", escaped_name(&b, first));
			buf_free(&b);
			/* Keep no folder planned for this file alone. */
			while (p->n > ndirs) {
				struct step *d = &p->steps[--p->n];
				char *key = key_of((enum base)d->base, d->to);
				g_hash_table_remove(p->taken, key);
				free(key);
				step_free(d);
			}
			free(target);
			free(first);
			return -1;
		}
		cand = next_name(name, n);
		free(target);
		target = *dir ? xasprintf("%s/%s", dir, cand) : xstrdup(cand);
		free(cand);
	}
	s = add_step(p, base == BASE_ROOT ? STEP_MOVE : STEP_TRASH);
	s->id = e->id;
	s->from = xstrdup(path);
	s->to = target;
	snprintf(s->sha256, sizeof s->sha256, "%s", sha);
	if (strcmp(first, target) != 0)
		s->renamed = xasprintf("%s is taken", first);
	g_hash_table_add(p->taken, key_of(base, target));
	free(first);
	return 0;
}

/* Where a relabel moves a file: its label folder replaced by `to`, the
 * split folder and anything below the label kept. Caller frees *dir. */
static void
relabel_target(const char *path, const char *to, char **dir)
{
	const char *slash = strchr(path, '/'), *rest;
	char *first = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(path);
	struct buf b = { 0 };

	rest = slash ? slash + 1 : "";
	if (is_split_folder(first) && strchr(rest, '/') != NULL) {
		buf_adds(&b, first);
		buf_addc(&b, '/');
		slash = strchr(rest, '/');
		rest = slash + 1;
	}
	buf_adds(&b, to);
	/* Folders below the label stay as they were. */
	slash = strrchr(rest, '/');
	if (slash) {
		buf_addc(&b, '/');
		buf_add(&b, rest, (size_t)(slash - rest));
	}
	*dir = xstrdup(buf_str(&b));
	buf_free(&b);
	free(first);
}

/* ---- text files that name paths: split lists and manifests ---- */

/* A field for a CSV line: quoted when it must be. */
static void
csv_field(struct buf *b, const char *s, char delim)
{
	if (strchr(s, delim) || strchr(s, '"') || strchr(s, '\n') || strchr(s, '\r') ||
	    (*s && (s[0] == ' ' || s[strlen(s) - 1] == ' '))) {
		buf_addc(b, '"');
		for (; *s; s++) {
			if (*s == '"')
				buf_addc(b, '"');
			buf_addc(b, *s);
		}
		buf_addc(b, '"');
	} else {
		buf_adds(b, s);
	}
}

static void
sha256_hex(const char *data, size_t len, char out[65])
{
	unsigned char md[32];
	GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
	gsize mdlen = sizeof md;
	size_t i;

	g_checksum_update(ck, (const guchar *)data, (gssize)len);
	g_checksum_get_digest(ck, md, &mdlen);
	g_checksum_free(ck);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* Plan rewriting a file of ROOT, now `old`, with new content (the old one
 * kept as NAME.before-STAMP). */
static void
plan_rewrite(struct plan *p, const char *file, const char *old, size_t oldlen,
    struct buf *content)
{
	struct step *s = add_step(p, STEP_REWRITE);

	s->from = xstrdup(file);
	s->to = xasprintf("%s.before-%s", file, p->stamp);
	s->len = content->len;
	s->content = content->data ? content->data : xstrdup("");
	memset(content, 0, sizeof *content);
	sha256_hex(s->content, s->len, s->sha256);
	s->kept_sha256 = xmalloc(65);
	sha256_hex(old, oldlen, s->kept_sha256);
}

static char *
read_at(int rootfd, const char *file, size_t *len, char **cause)
{
	char proc[64], *data;
	int fd = open_beneath(rootfd, file, O_RDONLY);
	if (fd < 0) {
		set_cause(cause, "%s: %s", file, strerror(errno));
		return NULL;
	}
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	data = read_file(proc, len, cause);
	close(fd);
	return data;
}

/* Speech Commands' split lists follow their files: moved paths renamed,
 * trashed ones dropped. */
static int
plan_split_lists(struct plan *p, char **cause)
{
	static const char *const lists[] = { "validation_list.txt", "testing_list.txt" };
	GHashTable *moved = g_hash_table_new(g_str_hash, g_str_equal);
	size_t i, k;

	for (i = 0; i < p->n; i++)
		if (p->steps[i].op == STEP_MOVE || p->steps[i].op == STEP_TRASH)
			g_hash_table_insert(moved, p->steps[i].from, &p->steps[i]);
	for (k = 0; k < ARRAY_SIZE(lists) && g_hash_table_size(moved) > 0; k++) {
		struct buf out = { 0 };
		size_t len, off = 0, changed = 0;
		char *data;
		if (faccessat(p->rootfd, lists[k], F_OK, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if ((data = read_at(p->rootfd, lists[k], &len, cause)) == NULL) {
			g_hash_table_destroy(moved);
			return -1;
		}
		while (off < len) {
			const char *nl = memchr(data + off, '\n', len - off);
			size_t n = nl ? (size_t)(nl - data) - off : len - off, m = n;
			const struct step *s;
			char *line;
			if (m > 0 && data[off + m - 1] == '\r')
				m--;
			line = xstrndup(data + off, m);
			s = g_hash_table_lookup(moved, line);
			if (s == NULL) {
				buf_add(&out, data + off, n + (nl != NULL));
			} else {
				changed++;
				if (s->op == STEP_MOVE) {
					buf_adds(&out, s->to);
					buf_add(&out, data + off + m, n - m + (nl != NULL));
				}
			}
			free(line);
			off += n + (nl != NULL);
		}
		if (changed)
			plan_rewrite(p, lists[k], data, len, &out);
		buf_free(&out);
		free(data);
	}
	g_hash_table_destroy(moved);
	return 0;
}

/* A manifest's rows follow the decisions: relabelled rows get the new label,
 * deleted rows go. Other rows are copied byte for byte. */
static int
plan_manifest(struct plan *p, struct dataset *ds, GHashTable *changes, char **cause)
{
	struct csv c;
	struct buf out = { 0 }, row = { 0 };
	size_t len, off = 0, line = 1, changed = 0;
	char *data, *why = NULL;
	int cpath, clabel, r;
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);

	if ((data = read_at(p->rootfd, ds->manifest, &len, cause)) == NULL) {
		g_hash_table_destroy(seen);
		return -1;
	}
	if (csv_open_buffer(&c, data, len, cause) != 0) {
		free(data);
		g_hash_table_destroy(seen);
		return -1;
	}
	cpath = csv_column(&c, "path");
	clabel = csv_column(&c, "label");
	while ((r = csv_next(&c, &why)) != 0) {
		const char *path, *to;
		size_t start, end, i;
		const char *nl;
		if (r < 0) {
			free(why);
			why = NULL;
			continue;
		}
		if ((size_t)cpath >= c.nfield || (size_t)clabel >= c.nfield)
			continue;
		path = c.field[cpath];
		while (path[0] == '.' && path[1] == '/')
			path += 2;
		if (!g_hash_table_contains(changes, path) || g_hash_table_contains(seen, path))
			continue;
		g_hash_table_add(seen, xstrdup(path));
		to = g_hash_table_lookup(changes, path);
		/* Copy the lines before this row, then this row changed. */
		for (; line < c.line && off < len; line++) {
			nl = memchr(data + off, '\n', len - off);
			end = nl ? (size_t)(nl - data) + 1 : len;
			buf_add(&out, data + off, end - off);
			off = end;
		}
		start = off;
		nl = memchr(data + off, '\n', len - off);
		end = nl ? (size_t)(nl - data) + 1 : len;
		off = end;
		line++;
		changed++;
		if (*to == '\0')
			continue;       /* deleted */
		row.len = 0;
		for (i = 0; i < c.nfield; i++) {
			if (i)
				buf_addc(&row, c.delim);
			csv_field(&row, i == (size_t)clabel ? to : c.field[i], c.delim);
		}
		buf_add(&out, row.data, row.len);
		/* The row's own line ending. */
		if (end - start >= 2 && data[end - 2] == '\r')
			buf_adds(&out, "\r\n");
		else if (nl)
			buf_addc(&out, '\n');
	}
	buf_add(&out, data + off, len - off);
	if (changed)
		plan_rewrite(p, ds->manifest, data, len, &out);
	buf_free(&out);
	buf_free(&row);
	csv_close(&c);
	free(data);
	g_hash_table_destroy(seen);
	return 0;
}

/* ---- carrying out ---- */

static int
fsync_fd_dir(int fd)
{
	return fsync(fd) == 0 || errno == EINVAL ? 0 : -1;
}

static int
do_rewrite(struct plan *p, struct step *s, char **cause)
{
	char *tmp = xasprintf(".%s.winnow-new-%ld", base_of(s->from), (long)getpid());
	char *dir = dir_of(s->from), *tmppath;
	int dfd = dir_fd(p, BASE_ROOT, dir), fd;

	tmppath = *dir ? xasprintf("%s/%s", dir, tmp) : xstrdup(tmp);
	if (dfd < 0) {
		set_cause(cause, "%s: %s", s->from, strerror(errno));
		goto fail;
	}
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		set_cause(cause, "%s: %s", tmppath, strerror(errno));
		goto fail;
	}
	{
		/* The new file gets the old one's permissions. */
		struct stat st;
		if (fstatat(dfd, base_of(s->from), &st, 0) == 0)
			fchmod(fd, st.st_mode & 07777);
	}
	if (write_all(fd, s->content, s->len) != 0 || fsync(fd) != 0) {
		set_cause(cause, "%s: %s", tmppath, strerror(errno));
		close(fd);
		unlinkat(dfd, tmp, 0);
		goto fail;
	}
	close(fd);
	/* The old file stays, under its kept name: a second link to it, then
	 * the new one takes its name in one rename. */
	if (linkat(dfd, base_of(s->from), dfd, base_of(s->to), 0) != 0) {
		set_cause(cause, "%s: cannot keep the old file as %s: %s", s->from,
		    base_of(s->to), strerror(errno));
		unlinkat(dfd, tmp, 0);
		goto fail;
	}
	if (renameat(dfd, tmp, dfd, base_of(s->from)) != 0) {
		set_cause(cause, "%s: %s", s->from, strerror(errno));
		unlinkat(dfd, base_of(s->to), 0);
		unlinkat(dfd, tmp, 0);
		goto fail;
	}
	fsync_fd_dir(dfd);
	free(tmp);
	free(tmppath);
	free(dir);
	return 0;
fail:
	free(tmp);
	free(tmppath);
	free(dir);
	return -1;
}

/* Make and open this apply's trash folder: its parents as needed, itself
 * new (the plan took it to be empty). */
static int
open_trash(struct plan *p, char **cause)
{
	char *s, *path;
	if (p->trashfd >= 0)
		return 0;
	path = xstrdup(p->trash);
	for (s = path + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(path, 0777) != 0 && (errno != EEXIST || c == '\0')) {
				set_cause(cause, "%s: %s", path, strerror(errno));
				free(path);
				return -1;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(path);
	if ((p->trashfd = open(p->trash, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		set_cause(cause, "%s: %s", p->trash, strerror(errno));
		return -1;
	}
	return 0;
}

static void
print_step(struct plan *p, const struct step *s, const char *verb_prefix)
{
	struct buf a = { 0 }, b = { 0 };
	FILE *out = p->o->out;
	switch (s->op) {
	case STEP_MKDIR:
		if (s->base == BASE_TRASH)
			fprintf(out, "%smkdir %s/%s\n", verb_prefix, p->trash, escaped_name(&a, s->to));
		else
			fprintf(out, "%smkdir %s\n", verb_prefix, escaped_name(&a, s->to));
		break;
	case STEP_MOVE:
		fprintf(out, "%smove %s -> ", verb_prefix, escaped_name(&a, s->from));
		fprintf(out, "%s", escaped_name(&b, s->to));
		if (s->renamed)
			fprintf(out, " (%s)", escaped_name(&a, s->renamed));
		fputc('\n', out);
		break;
	case STEP_TRASH:
		fprintf(out, "%strash %s -> ", verb_prefix, escaped_name(&a, s->from));
		fprintf(out, "%s/%s\n", p->trash, escaped_name(&b, s->to));
		break;
	case STEP_REWRITE:
		fprintf(out, "%srewrite %s (the old one kept as ", verb_prefix,
		    escaped_name(&a, s->from));
		fprintf(out, "%s)\n", escaped_name(&b, s->to));
		break;
	}
	buf_free(&a);
	buf_free(&b);
}

/* Create ROOT/.winnow/applied/STAMP-NN.yaml with the plan, fsync'd, before
 * anything moves. It is written under a hidden temporary name and renamed
 * into place whole: a failed write (a full disk) must not leave a torn
 * record that undo would then refuse, under a name that says it is one. */
static int
write_record(struct plan *p, const struct journal *j, const struct dataset *ds,
    char **cause)
{
	struct buf b = { 0 };
	struct yout *y;
	char started[32], *name = NULL, *tmp = NULL;
	int dfd, fd;
	size_t k;

	if (mkdirat(p->rootfd, ".winnow", 0777) != 0 && errno != EEXIST)
		goto fail_errno;
	if (mkdirat(p->rootfd, ".winnow/applied", 0777) != 0 && errno != EEXIST)
		goto fail_errno;
	if ((dfd = openat(p->rootfd, ".winnow/applied", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) < 0)
		goto fail_errno;
	name = xasprintf("%s.yaml", p->stamp);
	tmp = xasprintf(".%s.tmp", name);
	if ((fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0) {
		set_cause(cause, "%s/.winnow/applied/%s: cannot write the record (%s); "
		    "nothing was moved", ds->root, name, strerror(errno));
		goto fail;
	}
	utc_now(started, sizeof started);
	y = yout_new(&b);
	yout_doc_start(y);
	yout_plain(y, "winnow-apply", "1");
	yout_string(y, "journal", j->file);
	yout_string(y, "dataset", ds->root);
	yout_plain(y, "layout", ds->layout == LAYOUT_FOLDERS ? "folders" : "manifest");
	if (ds->manifest)
		yout_string(y, "manifest", ds->manifest);
	yout_string(y, "trash", p->trash);
	yout_plain(y, "started", started);
	yout_doc_end(y);
	for (k = 0; k < p->n; k++)
		write_step(y, &p->steps[k], k + 1);
	yout_free(y);
	if (write_all(fd, b.data, b.len) != 0 || fsync(fd) != 0) {
		set_cause(cause, "%s/.winnow/applied/%s: cannot write the record (%s); "
		    "nothing was moved", ds->root, name, strerror(errno));
		close(fd);
		/* The partial record is this run's own, never a user's file. */
		unlinkat(dfd, tmp, 0);
		goto fail;
	}
	close(fd);
	if (rename_noreplace(dfd, tmp, dfd, name) != 0 || fsync(dfd) != 0) {
		set_cause(cause, "%s/.winnow/applied/%s: cannot put the record in place (%s); "
		    "nothing was moved", ds->root, name, strerror(errno));
		goto fail;
	}
	close(dfd);
	p->res->record = xasprintf("%s/.winnow/applied/%s", strcmp(ds->root, "/") ?
	    ds->root : "", name);
	free(name);
	free(tmp);
	buf_free(&b);
	return 0;
fail:
	close(dfd);
	free(name);
	free(tmp);
	buf_free(&b);
	return -1;
fail_errno:
	set_cause(cause, "%s/.winnow/applied: %s (a read-only dataset? `winnow export "
	    "--manifest` writes the cleaned dataset without changing it)", ds->root,
	    strerror(errno));
	free(name);
	free(tmp);
	return -1;
}

/* Append a closing document to a record. */
static int
append_record(const char *record, const char *key, const char *failed)
{
	struct buf b = { 0 };
	struct yout *y;
	char now[32];
	int fd, r;

	utc_now(now, sizeof now);
	y = yout_new(&b);
	yout_doc_start(y);
	yout_plain(y, key, now);
	if (failed && *failed)
		yout_plain(y, "failed", failed);
	yout_doc_end(y);
	yout_free(y);
	if ((fd = open(record, O_WRONLY | O_APPEND | O_CLOEXEC)) < 0) {
		buf_free(&b);
		return -1;
	}
	r = write_all(fd, b.data, b.len) == 0 && fsync(fd) == 0 ? 0 : -1;
	close(fd);
	buf_free(&b);
	return r;
}

/* Remember a folder whose entries changed, to fsync it at the end. */
static void
touch_dir(GHashTable *dirs, int fd)
{
	g_hash_table_add(dirs, GINT_TO_POINTER(fd + 1));
}

static void
fsync_dirs(GHashTable *dirs)
{
	GHashTableIter it;
	gpointer k;
	g_hash_table_iter_init(&it, dirs);
	while (g_hash_table_iter_next(&it, &k, NULL))
		fsync_fd_dir(GPOINTER_TO_INT(k) - 1);
}

static int
execute(struct plan *p, char **cause)
{
	GHashTable *touched = g_hash_table_new(g_direct_hash, g_direct_equal);
	struct buf failed = { 0 }, e = { 0 };
	size_t i;
	int ret = 0;

	for (i = 0; i < p->n; i++) {
		struct step *s = &p->steps[i];
		char *fdir, *tdir;
		int ffd, tfd;

		progress(p, "applying", i, p->n);
		switch (s->op) {
		case STEP_MKDIR: {
			enum base base = (enum base)s->base;
			char *dir = dir_of(s->to);
			if (base == BASE_TRASH && open_trash(p, cause) != 0) {
				free(dir);
				ret = -1;
				goto out;
			}
			tfd = dir_fd(p, base, dir);
			free(dir);
			if (tfd < 0 || mkdirat(tfd, base_of(s->to), 0777) != 0) {
				set_cause(cause, "cannot make the folder %s: %s", escaped_name(&e, s->to),
				    strerror(errno));
				s->failed = 1;
				ret = -1;
				goto out;
			}
			touch_dir(touched, tfd);
			p->res->mkdirs++;
			break;
		}
		case STEP_MOVE:
		case STEP_TRASH:
			if (s->op == STEP_TRASH && open_trash(p, cause) != 0) {
				ret = -1;
				goto out;
			}
			fdir = dir_of(s->from);
			tdir = dir_of(s->to);
			ffd = dir_fd(p, BASE_ROOT, fdir);
			tfd = dir_fd(p, s->op == STEP_MOVE ? BASE_ROOT : BASE_TRASH, tdir);
			free(fdir);
			free(tdir);
			if (ffd >= 0 && !apply_ident_same(ffd, base_of(s->from), &s->ident)) {
				conflict(p, s->from, "it changed after its sha256 was checked; left there");
				s->failed = 1;
				buf_addf(&failed, "%s%zu", failed.len ? " " : "", i + 1);
				break;
			}
			if (ffd < 0 || tfd < 0 ||
			    rename_noreplace(ffd, base_of(s->from), tfd, base_of(s->to)) != 0) {
				/* Something changed the tree since the plan: skip it. */
				conflict(p, s->from, "cannot move it: %s", strerror(errno));
				s->failed = 1;
				buf_addf(&failed, "%s%zu", failed.len ? " " : "", i + 1);
				break;
			}
			touch_dir(touched, ffd);
			touch_dir(touched, tfd);
			if (s->op == STEP_MOVE)
				p->res->moved++;
			else
				p->res->trashed++;
			break;
		case STEP_REWRITE:
			if (do_rewrite(p, s, cause) != 0) {
				s->failed = 1;
				ret = -1;
				goto out;
			}
			p->res->rewritten++;
			break;
		}
	}
out:
	progress(p, "applying", p->n, p->n);
	/* The renames are durable once their folders are. */
	fsync_dirs(touched);
	if (ret != 0)
		for (; i < p->n; i++)
			buf_addf(&failed, "%s%zu", failed.len ? " " : "", i + 1);
	if (append_record(p->res->record, "done", failed.len ? buf_str(&failed) : NULL) != 0 &&
	    ret == 0) {
		set_cause(cause, "%s: %s", p->res->record, strerror(errno));
		ret = -1;
	}
	g_hash_table_destroy(touched);
	buf_free(&failed);
	buf_free(&e);
	return ret;
}

static void
plan_init(struct plan *p, const struct apply_options *o, struct apply_result *res)
{
	struct timespec t;
	struct tm tm;
	char sec[16];

	memset(p, 0, sizeof *p);
	p->o = o;
	p->res = res;
	p->rootfd = -1;
	p->trashfd = -1;
	clock_gettime(CLOCK_REALTIME, &t);
	gmtime_r(&t.tv_sec, &tm);
	strftime(sec, sizeof sec, "%Y%m%dT%H%M%S", &tm);
	snprintf(p->stamp, sizeof p->stamp, "%s.%06uZ", sec,
	    (unsigned)(t.tv_nsec / 1000) % 1000000u);
	p->taken = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
	p->dirfds = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
	p->applied = g_hash_table_new_full(g_str_hash, g_str_equal, free, free);
}

static void
plan_free(struct plan *p)
{
	size_t i;
	close_dirfds(p);
	for (i = 0; i < p->n; i++)
		step_free(&p->steps[i]);
	free(p->steps);
	free(p->trash);
	if (p->trashfd >= 0)
		close(p->trashfd);
	g_hash_table_destroy(p->taken);
	g_hash_table_destroy(p->dirfds);
	g_hash_table_destroy(p->applied);
}

/* The folder the trash folders of applies go in: --trash DIR, or
 * ROOT/.winnow/trash. DIR must be on the dataset's file system (a rename
 * cannot cross file systems, and copying is not moving). Caller frees. */
static char *
trash_folder(const struct dataset *ds, const char *dir, char **cause)
{
	struct stat st, rst;
	char *real, *probe;

	if (dir == NULL)
		return xasprintf("%s/.winnow/trash", strcmp(ds->root, "/") ? ds->root : "");
	/* DIR may not exist yet (it is made when used): look at its parent. */
	probe = xstrdup(dir);
	while ((real = realpath(probe, NULL)) == NULL && errno == ENOENT) {
		char *slash = strrchr(probe, '/');
		if (slash == NULL)
			snprintf(probe, 2, ".");
		else if (slash == probe)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	free(probe);
	if (real == NULL || stat(real, &st) != 0 || fstat(ds->rootfd, &rst) != 0) {
		set_cause(cause, "--trash %s: %s", dir, strerror(errno));
		free(real);
		return NULL;
	}
	free(real);
	if (st.st_dev != rst.st_dev) {
		set_cause(cause, "--trash %s: on another file system than the dataset; files "
		    "would have to be copied, not moved: choose a folder on the dataset's "
		    "file system", dir);
		return NULL;
	}
	if (*dir == '/')
		return xstrdup(dir);
	{
		char cwd[PATH_MAX];
		if (getcwd(cwd, sizeof cwd) == NULL) {
			set_cause(cause, "--trash %s: %s", dir, strerror(errno));
			return NULL;
		}
		return xasprintf("%s/%s", cwd, dir);
	}
}

/* Take ROOT/.winnow's lock: one apply or undo at a time on a dataset. */
static int
lock_dataset(int rootfd, const char *root, char **cause)
{
	int fd;
	if (mkdirat(rootfd, ".winnow", 0777) != 0 && errno != EEXIST)
		return -1;      /* read-only: the record cannot be written either */
	fd = openat(rootfd, ".winnow", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		set_cause(cause, "%s: another winnow apply is running on this dataset", root);
		close(fd);
		return -2;
	}
	return fd;      /* held until the process closes it */
}

static void
summary(struct plan *p)
{
	struct apply_result *r = p->res;
	FILE *out = p->o->out;
	fprintf(out, p->o->dry_run ? "would move %zu, trash %zu, rewrite %zu files" :
	    "moved %zu, trashed %zu, rewrote %zu files", r->moved, r->trashed, r->rewritten);
	fprintf(out, "; %zu already applied, %zu accepted or flagged (nothing to do); "
	    "%zu conflict%s\n", r->already, r->kept, r->conflicts,
	    r->conflicts == 1 ? "" : "s");
}

int
apply_journal(const struct journal *j, struct dataset *ds, const struct apply_options *o,
    struct apply_result *res, char **cause)
{
	const struct journal_entry **list;
	struct plan p;
	struct hash_job hj;
	GHashTable *changes = NULL;
	size_t n, i, k = 0;
	int *fds, *err, ret = -1, lockfd = -1, lock_errno = 0;
	char **paths, (*sha)[65], *trash = NULL;
	struct apply_ident *ids;
	struct buf b = { 0 };

	memset(res, 0, sizeof *res);
	plan_init(&p, o, res);
	p.rootfd = ds->rootfd;
	if (o->trash != NULL && ds->layout == LAYOUT_MANIFEST) {
		set_cause(cause, "--trash: a manifest's deletes move no file (the row goes); "
		    "there is no trash");
		goto out;
	}
	if ((trash = trash_folder(ds, o->trash, cause)) == NULL)
		goto out;
	if (!o->dry_run) {
		if ((lockfd = lock_dataset(ds->rootfd, ds->root, cause)) == -2)
			goto out;
		lock_errno = errno;
	}
	/* A stamp no record and no trash folder has yet. Every part is of
	 * fixed width and the sequence always there, so that the names' byte
	 * order (ls) is their time order: "-" sorts before ".", so an optional
	 * suffix would list STAMP-2.yaml before STAMP.yaml. */
	{
		char when[28];
		memcpy(when, p.stamp, sizeof when);
		when[sizeof when - 1] = '\0';
		for (k = 1; ; k++) {
			char *rec, *t;
			int free_name;
			if (k > 99) {
				set_cause(cause, "%s/.winnow/applied: no free record name at %s",
				    ds->root, when);
				goto out;
			}
			snprintf(p.stamp, sizeof p.stamp, "%s-%02u", when, (unsigned)k % 100u);
			rec = xasprintf(".winnow/applied/%s.yaml", p.stamp);
			t = xasprintf("%s/%s", trash, p.stamp);
			free_name = faccessat(ds->rootfd, rec, F_OK, AT_SYMLINK_NOFOLLOW) != 0 &&
			    access(t, F_OK) != 0;
			free(rec);
			if (free_name) {
				p.trash = t;
				break;
			}
			free(t);
		}
	}
	k = 0;
	load_applied(&p);

	n = journal_standing_all(j, &list);
	fds = xmalloc((n ? n : 1) * sizeof *fds);
	err = xcalloc(n ? n : 1, sizeof *err);
	paths = xcalloc(n ? n : 1, sizeof *paths);
	sha = xmalloc((n ? n : 1) * sizeof *sha);
	ids = xmalloc((n ? n : 1) * sizeof *ids);
	for (i = 0; i < n; i++) {
		fds[i] = ds->rootfd;
		if (list[i]->op == JOP_RELABEL || list[i]->op == JOP_DELETE)
			paths[i] = (char *)journal_str(j, list[i]->path);
		else
			res->kept++;
	}
	/* Planning goes on while the files are hashed: each file waits for its
	 * own sha256 only, the hashing a few files ahead on the other cores. */
	hash_start(&hj, fds, paths, n, sha, ids, err);

	if (ds->layout == LAYOUT_MANIFEST)
		changes = g_hash_table_new(g_str_hash, g_str_equal);
	for (i = 0; i < n; i++) {
		const struct journal_entry *e = list[i];
		const char *path = paths[i], *label = journal_str(j, e->label);
		const char *to = journal_str(j, e->to);
		long s;

		if (path == NULL)
			continue;
		progress(&p, "checking", i, n);
		hash_wait(&hj, i);
		s = dataset_find(ds, path);
		if (ds->layout == LAYOUT_MANIFEST) {
			const char *now = s >= 0 ? dataset_label_name(ds, ds->samples[s].label) : NULL;
			if (s < 0 && e->op == JOP_DELETE) {
				res->already++;
				continue;
			}
			if (s < 0) {
				conflict(&p, path, "not in the manifest");
				continue;
			}
			if (e->op == JOP_RELABEL && strcmp(now, to) == 0) {
				res->already++;
				continue;
			}
			if (strcmp(now, label) != 0) {
				conflict(&p, path, "labelled %s in the manifest now, %s when decided",
				    escaped_name(&b, now), label);
				continue;
			}
		}
		if (err[i] == ENOENT) {
			const char *was = g_hash_table_lookup(p.applied, path);
			if (ds->layout == LAYOUT_FOLDERS && was && strcmp(was, e->sha256) == 0)
				res->already++;
			else
				conflict(&p, path, "missing");
			continue;
		}
		if (err[i] == EXDEV || err[i] == ELOOP) {
			conflict(&p, path, "refused: it leads out of the dataset");
			continue;
		}
		if (err[i] != 0) {
			conflict(&p, path, "%s", err[i] == EINVAL ? "refused: not a regular file" :
			    err[i] == EISDIR ? "refused: a folder" : strerror(err[i]));
			continue;
		}
		if (strcmp(sha[i], e->sha256) != 0) {
			conflict(&p, path, "its content changed since the decision (sha256 %.12s…, "
			    "was %.12s…)", sha[i], e->sha256);
			continue;
		}
		if (ds->layout == LAYOUT_MANIFEST) {
			g_hash_table_insert(changes, (char *)path,
			    (char *)(e->op == JOP_RELABEL ? to : ""));
			continue;
		}
		if (s < 0) {
			conflict(&p, path, "refused: not a sample of the dataset");
			continue;
		}
		if (strcmp(dataset_label_name(ds, ds->samples[s].label), label) != 0) {
			conflict(&p, path, "its label is %s, the decision says %s",
			    escaped_name(&b, dataset_label_name(ds, ds->samples[s].label)), label);
			continue;
		}
		if (e->op == JOP_RELABEL) {
			char *dir;
			if (strcmp(label, to) == 0) {
				res->already++;
				continue;
			}
			relabel_target(path, to, &dir);
			if (plan_move(&p, e, path, e->sha256, BASE_ROOT, dir, base_of(path)) == 0)
				p.steps[p.n - 1].ident = ids[i];
			free(dir);
		} else {
			/* The trash folder is new (made when the first file goes
			 * there): only the plan itself takes names in it. */
			char *dir = dir_of(path);
			if (plan_move(&p, e, path, e->sha256, BASE_TRASH, dir, base_of(path)) == 0)
				p.steps[p.n - 1].ident = ids[i];
			free(dir);
		}
	}
	hash_finish(&hj);
	progress(&p, "checking", n, n);
	if (ds->layout == LAYOUT_MANIFEST) {
		if (plan_manifest(&p, ds, changes, cause) != 0)
			goto free_lists;
	} else if (plan_split_lists(&p, cause) != 0) {
		goto free_lists;
	}

	if (o->dry_run) {
		for (k = 0; k < p.n; k++) {
			print_step(&p, &p.steps[k], "");
			switch (p.steps[k].op) {
			case STEP_MOVE: res->moved++; break;
			case STEP_TRASH: res->trashed++; break;
			case STEP_REWRITE: res->rewritten++; break;
			case STEP_MKDIR: res->mkdirs++; break;
			}
		}
		summary(&p);
		ret = 0;
		goto free_lists;
	}
	if (p.n == 0) {
		summary(&p);
		ret = 0;
		goto free_lists;
	}
	if (lockfd < 0) {
		/* .winnow could not be made: the dataset is read-only. */
		set_cause(cause, "%s: cannot write in the dataset (%s); `winnow export "
		    "--manifest` writes the cleaned dataset without changing it", ds->root,
		    strerror(lock_errno));
		goto free_lists;
	}
	if (write_record(&p, j, ds, cause) != 0)
		goto free_lists;
	ret = execute(&p, cause);
	summary(&p);
	fprintf(o->out, "record: %s\n", res->record);
free_lists:
	free(list);
	free(fds);
	free(err);
	free(paths);
	free(sha);
	free(ids);
out:
	free(trash);
	if (changes)
		g_hash_table_destroy(changes);
	if (lockfd >= 0)
		close(lockfd);
	buf_free(&b);
	/* The trash folder's descriptor is not the dataset's: keep rootfd open. */
	p.rootfd = -1;
	plan_free(&p);
	return ret;
}

/* ---- undo ---- */

/* The dataset a record belongs to: the folder whose .winnow/applied/ holds
 * it, wherever the record's `dataset:` says it was (the tree may have been
 * moved since, and a record is only a file anyone who could write there
 * could have written). Caller frees. */
static char *
record_root(const char *file, char **cause)
{
	char *real = realpath(file, NULL), *slash, *root = NULL;
	static const char tail[] = "/.winnow/applied";
	size_t n;

	if (real == NULL) {
		set_cause(cause, "%s: %s", file, strerror(errno));
		return NULL;
	}
	slash = strrchr(real, '/');
	*slash = '\0';
	n = strlen(real);
	if (n >= sizeof tail - 1 && strcmp(real + n - (sizeof tail - 1), tail) == 0) {
		real[n - (sizeof tail - 1)] = '\0';
		root = xstrdup(*real ? real : "/");
	} else {
		set_cause(cause, "%s: not in a dataset's .winnow/applied/ folder: undo acts "
		    "only on the dataset a record is kept in", file);
	}
	free(real);
	return root;
}

/* Open what `path` names beneath dirfd as a folder into *fd: 0 (with *fd
 * -1 when it is not there), or -1 with *cause when it leads out. */
static int
open_folder_beneath(int dirfd, const char *path, int *fd, const char *shown, char **cause)
{
	*fd = *path ? open_beneath(dirfd, path, O_RDONLY | O_DIRECTORY) :
	    fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (*fd >= 0 || errno == ENOENT)
		return 0;
	set_cause(cause, "%s: %s", shown, errno == EXDEV || errno == ELOOP ?
	    "refused: it leads out of the dataset" : strerror(errno));
	return -1;
}

/* Open the trash folder a record names, and the folder it is in: inside
 * the dataset, resolved beneath ROOT so that no link leads out, or directly
 * in `vouched`, the folder the person undoing names with --trash (as they
 * named it to apply). Anything else is refused: a record alone cannot send
 * undo to take files from elsewhere. */
static int
open_record_trash(struct plan *p, const struct record *r, const char *file,
    const char *vouched, int *parentfd, char **cause)
{
	size_t n = r->dataset ? strlen(r->dataset) : 0;
	char *dir;
	int ret;

	*parentfd = -1;
	if (r->trash == NULL)
		return 0;
	p->trash = xstrdup(r->trash);
	if (n > 0 && strncmp(r->trash, r->dataset, n) == 0 && r->trash[n] == '/') {
		const char *rel = r->trash + n + 1;
		if (!path_is_clean(rel)) {
			set_cause(cause, "%s: its trash folder %s is not a clean path", file, r->trash);
			return -1;
		}
		dir = dir_of(rel);
		ret = open_folder_beneath(p->rootfd, dir, parentfd, r->trash, cause);
		free(dir);
	} else if (vouched != NULL) {
		struct stat vst, pst;
		int pfd;
		dir = dir_of(r->trash);
		*parentfd = open(vouched, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		pfd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		ret = *parentfd >= 0 && pfd >= 0 && fstat(*parentfd, &vst) == 0 &&
		    fstat(pfd, &pst) == 0 && vst.st_dev == pst.st_dev &&
		    vst.st_ino == pst.st_ino ? 0 : -1;
		if (pfd >= 0)
			close(pfd);
		free(dir);
		if (ret != 0)
			set_cause(cause, "%s: its trash folder %s is not in --trash %s", file,
			    r->trash, vouched);
	} else {
		set_cause(cause, "%s: its trash folder %s is outside the dataset; undo takes "
		    "files from it only when you name its folder with --trash", file, r->trash);
		return -1;
	}
	if (ret != 0 || *parentfd < 0)
		return ret;
	return open_folder_beneath(*parentfd, base_of(r->trash), &p->trashfd, r->trash, cause);
}

/* The folder undo puts the applied version of a rewritten file in, made
 * when first needed: ROOT/.winnow/undone/RECORD/. It is never replaced,
 * only set aside, as apply keeps the old one. */
static int
undone_fd(struct plan *p, const char *file, int *fd)
{
	const char *name = base_of(file);
	char *rel, *dot;

	if (*fd >= 0)
		return *fd;
	rel = xasprintf(".winnow/undone/%s", name);
	if ((dot = strrchr(rel, '.')) != NULL && strcmp(dot, ".yaml") == 0)
		*dot = '\0';
	if (mkdirat(p->rootfd, ".winnow/undone", 0777) == 0 || errno == EEXIST) {
		int pfd = open_beneath(p->rootfd, ".winnow/undone", O_RDONLY | O_DIRECTORY);
		if (pfd >= 0) {
			if (mkdirat(pfd, base_of(rel), 0777) == 0 || errno == EEXIST)
				*fd = open_beneath(pfd, base_of(rel), O_RDONLY | O_DIRECTORY);
			close(pfd);
		}
	}
	free(rel);
	return *fd;
}

/* Undo a rewrite: the applied version (checked: sha256 and the file that was
 * hashed) goes aside into .winnow/undone/, then the kept original (checked
 * the same) takes its name back. Neither rename replaces anything. */
static void
undo_rewrite(struct plan *p, const struct step *s, const char *file, int err,
    const char *sha, const struct apply_ident *id, int *undonefd, GHashTable *touched)
{
	struct buf b = { 0 };
	struct stat st;
	struct apply_ident kid;
	char kept[65], *fdir = dir_of(s->from);
	int ffd = dir_fd(p, BASE_ROOT, fdir), afd;

	free(fdir);
	if (ffd < 0 || fstatat(ffd, base_of(s->to), &st, AT_SYMLINK_NOFOLLOW) != 0) {
		/* The kept file is back in place already, or gone. */
		if (err == 0 && ffd >= 0 && strcmp(sha, s->sha256) != 0)
			goto out;
		conflict(p, s->to, "missing: cannot restore %s", escaped_name(&b, s->from));
		goto out;
	}
	if (sha256_file_stat(p->rootfd, s->to, kept, &st) != 0) {
		conflict(p, s->to, "%s", errno == EXDEV || errno == ELOOP ?
		    "refused: it leads out of the dataset" : strerror(errno));
		goto out;
	}
	apply_ident_of(&kid, &st);
	if (err == 0 && strcmp(sha, s->sha256) != 0) {
		if (strcmp(kept, sha) != 0)
			conflict(p, s->from, "changed since apply; the old one is still %s",
			    escaped_name(&b, s->to));
		goto out;       /* else restored by hand */
	}
	if (err != 0 && err != ENOENT) {
		conflict(p, s->from, "%s", err == EXDEV || err == ELOOP ?
		    "refused: it leads out of the dataset" : strerror(err));
		goto out;
	}
	if (s->kept_sha256 && strcmp(kept, s->kept_sha256) != 0) {
		conflict(p, s->to, "its content changed since apply; left there");
		goto out;
	}
	if (p->o->dry_run) {
		fprintf(p->o->out, "restore %s (from ", escaped_name(&b, s->from));
		fprintf(p->o->out, "%s)\n", escaped_name(&b, s->to));
		p->res->rewritten++;
		goto out;
	}
	if (err == 0) {
		if (!apply_ident_same(ffd, base_of(s->from), id)) {
			conflict(p, s->from, "it changed after its sha256 was checked; left there");
			goto out;
		}
		if ((afd = undone_fd(p, file, undonefd)) < 0 ||
		    rename_noreplace(ffd, base_of(s->from), afd, base_of(s->from)) != 0) {
			conflict(p, s->from, "cannot set the applied version aside: %s",
			    strerror(errno));
			goto out;
		}
		touch_dir(touched, afd);
	}
	if (!apply_ident_same(ffd, base_of(s->to), &kid) ||
	    rename_noreplace(ffd, base_of(s->to), ffd, base_of(s->from)) != 0) {
		conflict(p, s->from, "cannot restore it from %s: %s", escaped_name(&b, s->to),
		    strerror(errno));
		if (err == 0)
			rename_noreplace(*undonefd, base_of(s->from), ffd, base_of(s->from));
		goto out;
	}
	touch_dir(touched, ffd);
	p->res->rewritten++;
out:
	buf_free(&b);
}

int
apply_undo(const char *file, const struct apply_options *o, struct apply_result *res,
    char **cause)
{
	struct record r;
	struct plan p;
	GHashTable *touched = NULL;
	struct buf b = { 0 };
	int ret = -1, lockfd = -1, *fds = NULL, *err = NULL, rootfd = -1;
	int trash_parentfd = -1, undonefd = -1;
	char **paths = NULL, (*sha)[65] = NULL, *root = NULL;
	struct apply_ident *ids = NULL;
	size_t i;

	memset(res, 0, sizeof *res);
	if (read_record(file, &r, cause) != 0)
		return -1;
	plan_init(&p, o, res);
	if ((root = record_root(file, cause)) == NULL)
		goto out;
	if (r.undone) {
		fprintf(o->out, "%s: undone already; nothing to do\n", file);
		ret = 0;
		goto out;
	}
	if ((rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		set_cause(cause, "%s: %s", root, strerror(errno));
		goto out;
	}
	p.rootfd = rootfd;
	if (open_record_trash(&p, &r, file, o->trash, &trash_parentfd, cause) != 0)
		goto out;
	if (!o->dry_run && (lockfd = lock_dataset(rootfd, root, cause)) < 0) {
		if (lockfd == -1)
			set_cause(cause, "%s: %s", root, strerror(errno));
		goto out;
	}

	/* Check every moved file's content first, on all cores. */
	fds = xmalloc((r.n ? r.n : 1) * sizeof *fds);
	err = xcalloc(r.n ? r.n : 1, sizeof *err);
	paths = xcalloc(r.n ? r.n : 1, sizeof *paths);
	sha = xmalloc((r.n ? r.n : 1) * sizeof *sha);
	ids = xmalloc((r.n ? r.n : 1) * sizeof *ids);
	for (i = 0; i < r.n; i++) {
		struct step *s = &r.steps[i];
		if (step_failed(&r, i) || (s->op != STEP_MOVE && s->op != STEP_TRASH &&
		    s->op != STEP_REWRITE))
			continue;
		fds[i] = s->op == STEP_TRASH ? p.trashfd : rootfd;
		paths[i] = s->op == STEP_REWRITE ? s->from : s->to;
		if (fds[i] < 0)
			paths[i] = NULL;
	}
	hash_many(&p, "checking", fds, paths, r.n, sha, ids, err);

	touched = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (i = r.n; i-- > 0;) {
		struct step *s = &r.steps[i];
		char *fdir, *tdir;
		int ffd, tfd;
		struct stat st;

		if (step_failed(&r, i))
			continue;
		progress(&p, "undoing", r.n - i, r.n);
		switch (s->op) {
		case STEP_REWRITE:
			undo_rewrite(&p, s, file, err[i], sha[i], &ids[i], &undonefd, touched);
			break;
		case STEP_MOVE:
		case STEP_TRASH: {
			enum base tb = s->op == STEP_MOVE ? BASE_ROOT : BASE_TRASH;
			int back;
			fdir = dir_of(s->from);
			tdir = dir_of(s->to);
			ffd = dir_fd(&p, BASE_ROOT, fdir);
			tfd = tb == BASE_TRASH && p.trashfd < 0 ? -1 : dir_fd(&p, tb, tdir);
			free(fdir);
			free(tdir);
			back = ffd >= 0 && fstatat(ffd, base_of(s->from), &st, AT_SYMLINK_NOFOLLOW) == 0;
			if (paths[i] != NULL && (err[i] == EXDEV || err[i] == ELOOP)) {
				conflict(&p, s->to, "refused: it leads out of the dataset");
				break;
			}
			if (err[i] == ENOENT || paths[i] == NULL || tfd < 0) {
				if (back)
					break;  /* moved back already */
				conflict(&p, s->from, "missing: not at %s any more", escaped_name(&b, s->to));
				break;
			}
			if (err[i] != 0) {
				conflict(&p, s->to, "%s", strerror(err[i]));
				break;
			}
			if (strcmp(sha[i], s->sha256) != 0) {
				conflict(&p, s->to, "its content changed since apply; left there");
				break;
			}
			if (back) {
				conflict(&p, s->from, "its old name is taken again; left at %s",
				    escaped_name(&b, s->to));
				break;
			}
			if (ffd < 0) {
				conflict(&p, s->from, "its folder is gone");
				break;
			}
			if (o->dry_run) {
				fprintf(o->out, "move back %s%s%s", tb == BASE_TRASH ? p.trash : "",
				    tb == BASE_TRASH ? "/" : "", escaped_name(&b, s->to));
				fprintf(o->out, " -> %s\n", escaped_name(&b, s->from));
			} else if (!apply_ident_same(tfd, base_of(s->to), &ids[i])) {
				conflict(&p, s->to, "it changed after its sha256 was checked; left there");
				break;
			} else if (rename_noreplace(tfd, base_of(s->to), ffd, base_of(s->from)) != 0) {
				conflict(&p, s->from, "cannot move it back: %s", strerror(errno));
				break;
			}
			touch_dir(touched, ffd);
			touch_dir(touched, tfd);
			res->moved++;
			break;
		}
		case STEP_MKDIR: {
			enum base base = (enum base)s->base;
			char *dir = dir_of(s->to);
			int dfd = base == BASE_TRASH && p.trashfd < 0 ? -1 : dir_fd(&p, base, dir);
			free(dir);
			if (dfd < 0)
				break;
			if (o->dry_run) {
				fprintf(o->out, "rmdir %s%s%s (when empty)\n",
				    base == BASE_TRASH ? p.trash : "", base == BASE_TRASH ? "/" : "",
				    escaped_name(&b, s->to));
				res->mkdirs++;
				break;
			}
			/* Only an empty folder goes; one with new files stays. */
			{
				/* Its cached descriptor must go before the folder does. */
				char *key = key_of(base, s->to);
				gpointer v = g_hash_table_lookup(p.dirfds, key);
				if (v) {
					g_hash_table_remove(touched, v);
					close(GPOINTER_TO_INT(v) - 1);
					g_hash_table_remove(p.dirfds, key);
				}
				free(key);
			}
			if (unlinkat(dfd, base_of(s->to), AT_REMOVEDIR) == 0) {
				touch_dir(touched, dfd);
				res->mkdirs++;
			}
			break;
		}
		}
	}
	progress(&p, "undoing", r.n, r.n);
	if (o->dry_run) {
		fprintf(o->out, "would move back %zu, restore %zu, remove %zu folders; %zu "
		    "conflict%s\n", res->moved, res->rewritten, res->mkdirs, res->conflicts,
		    res->conflicts == 1 ? "" : "s");
		ret = 0;
		goto out;
	}
	fsync_dirs(touched);
	/* The trash folder of this apply goes too when it is empty. */
	if (p.trashfd >= 0 && trash_parentfd >= 0 &&
	    unlinkat(trash_parentfd, base_of(r.trash), AT_REMOVEDIR) == 0)
		fsync(trash_parentfd);
	fprintf(o->out, "moved back %zu, restored %zu, removed %zu folders; %zu conflict%s\n",
	    res->moved, res->rewritten, res->mkdirs, res->conflicts,
	    res->conflicts == 1 ? "" : "s");
	/* Marked undone only when all of it was: a retry picks up the rest. */
	if (res->conflicts == 0 && append_record(file, "undone", NULL) != 0) {
		set_cause(cause, "%s: %s", file, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	free(fds);
	free(err);
	free(paths);
	free(sha);
	free(ids);
	free(root);
	if (trash_parentfd >= 0)
		close(trash_parentfd);
	if (undonefd >= 0)
		close(undonefd);
	if (touched)
		g_hash_table_destroy(touched);
	buf_free(&b);
	if (lockfd >= 0)
		close(lockfd);
	close_dirfds(&p);
	if (rootfd >= 0)
		close(rootfd);
	p.rootfd = -1;
	plan_free(&p);
	record_free(&r);
	return ret;
}

void
apply_result_free(struct apply_result *res)
{
	free(res->record);
	res->record = NULL;
}
