/* apply-step.c — the plan and its steps, and the file system helpers that
 * apply, its undo, its records and its rewrites all stand on: folders
 * opened beneath the root and cached, renames that never replace, fsync,
 * sha256 of many files at once, the dataset's lock (apply-private.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "apply-private.h"
#include "hash.h"
#include "worker.h"

/* ---- the plan ---- */

void
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
	p->lookups = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
	p->listings = g_hash_table_new_full(g_str_hash, g_str_equal, free,
	    (GDestroyNotify)g_hash_table_destroy);
}

void
plan_free(struct plan *p)
{
	size_t i;
	plan_close_dirfds(p);
	for (i = 0; i < p->n; i++)
		step_free(&p->steps[i]);
	free(p->steps);
	free(p->trash);
	if (p->trashfd >= 0)
		close(p->trashfd);
	g_hash_table_destroy(p->taken);
	g_hash_table_destroy(p->dirfds);
	g_hash_table_destroy(p->applied);
	g_hash_table_destroy(p->lookups);
	g_hash_table_destroy(p->listings);
}

struct step *
plan_add_step(struct plan *p, enum step_op op)
{
	struct step *s;
	p->steps = xgrow(p->steps, &p->cap, p->n + 1, sizeof *p->steps);
	s = &p->steps[p->n++];
	memset(s, 0, sizeof *s);
	s->op = (uint8_t)op;
	return s;
}

void
step_free(struct step *s)
{
	free(s->from);
	free(s->to);
	free(s->renamed);
	free(s->kept_sha256);
	free(s->content);
}

void
plan_progress(struct plan *p, const char *what, size_t i, size_t n)
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

char *
plan_key(enum base base, const char *path)
{
	return xasprintf("%c:%s", base == BASE_ROOT ? 'r' : 't', path);
}

/* A descriptor of a folder under ROOT or the trash, opened beneath it and
 * cached. -1 with errno when it cannot be opened. */
int
plan_dir_fd(struct plan *p, enum base base, const char *dir)
{
	char *key;
	gpointer v;
	int fd, top = base == BASE_ROOT ? p->rootfd : p->trashfd;

	if (*dir == '\0')
		return top;
	key = plan_key(base, dir);
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

void
plan_close_dirfds(struct plan *p)
{
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, p->dirfds);
	while (g_hash_table_iter_next(&it, &k, &v))
		close(GPOINTER_TO_INT(v) - 1);
	g_hash_table_remove_all(p->dirfds);
}

/* ---- paths and folders ---- */

/* The folder part of a relative path ("" for none); the caller frees. */
char *
path_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup("");
}

const char *
path_base(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* rename without ever replacing: renameat2 RENAME_NOREPLACE, or, where the
 * file system lacks it, link + unlink of the old name (link fails on an
 * existing name just the same). */
int
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

int
fsync_fd_dir(int fd)
{
	return fsync(fd) == 0 || errno == EINVAL ? 0 : -1;
}

/* Remember a folder whose entries changed, to fsync it at the end. */
void
touch_dir(GHashTable *dirs, int fd)
{
	g_hash_table_add(dirs, GINT_TO_POINTER(fd + 1));
}

void
fsync_dirs(GHashTable *dirs)
{
	GHashTableIter it;
	gpointer k;
	g_hash_table_iter_init(&it, dirs);
	while (g_hash_table_iter_next(&it, &k, NULL))
		fsync_fd_dir(GPOINTER_TO_INT(k) - 1);
}

/* ---- sha256 of many files, on all cores ---- */

/* Files a thread takes from the queue at a time. */
#define HASH_BATCH 16

struct hash_job {
	const int *fds;
	char *const *paths;
	char (*sha)[65];
	struct apply_ident *ids;
	int *err;
	size_t n;
	atomic_size_t next;     /* the queue: the first file not taken */
	atomic_size_t done;     /* files hashed, for the progress */
	atomic_int stop;        /* hash_ahead_end: take no more */
	atomic_uchar *ready;    /* hash_ahead: file i is hashed (NULL: not asked) */
	pthread_mutex_t lock;   /* with `hashed`: a waiter sleeps until its file is */
	pthread_cond_t hashed;
	pthread_t *threads;
	unsigned nthreads;
	struct plan *p;
	const char *what;
};

/* Hash the next batch of files from the queue: 1, or 0 when none is left. */
static int
hash_batch(struct hash_job *h)
{
	size_t i, first, end;

	if (atomic_load(&h->stop) || (first = atomic_fetch_add(&h->next, HASH_BATCH)) >= h->n)
		return 0;
	end = first + HASH_BATCH < h->n ? first + HASH_BATCH : h->n;
	for (i = first; i < end; i++) {
		struct stat st;
		if (h->paths[i] != NULL) {
			h->err[i] = sha256_file_stat(h->fds[i], h->paths[i], h->sha[i],
			    &st) == 0 ? 0 : errno;
			if (h->err[i] == 0)
				apply_ident_of(&h->ids[i], &st);
		}
		if (h->ready) {
			atomic_store_explicit(&h->ready[i], 1, memory_order_release);
			/* Wake a waiter at the end of a batch, not every file. */
			if (i + 1 == end) {
				pthread_mutex_lock(&h->lock);
				pthread_cond_broadcast(&h->hashed);
				pthread_mutex_unlock(&h->lock);
			}
		}
	}
	atomic_fetch_add(&h->done, end - first);
	return 1;
}

static void
hash_files(void *arg, unsigned k)
{
	(void)k;
	while (hash_batch(arg))
		;
}

static void
hash_tick(void *arg)
{
	struct hash_job *h = arg;
	plan_progress(h->p, h->what, atomic_load(&h->done), h->n);
}

void
plan_hash(struct plan *p, const char *what, const int *fds, char *const *paths,
    size_t n, char (*sha)[65], struct apply_ident *ids, int *err)
{
	struct hash_job h = { .fds = fds, .paths = paths, .sha = sha, .ids = ids,
	    .err = err, .n = n, .p = p, .what = what };
	/* A few files are hashed before threads would have started. */
	unsigned nth = n < 64 ? 1 : parallel_threads(8);

	atomic_init(&h.next, 0);
	atomic_init(&h.done, 0);
	atomic_init(&h.stop, 0);
	if (p->o->progress && !p->o->dry_run)
		parallel_for_watched(nth, hash_files, &h, hash_tick, &h);
	else
		parallel_for(nth, hash_files, &h);
}

static void *
hash_thread(void *arg)
{
	hash_files(arg, 0);
	return NULL;
}

struct hash_job *
hash_ahead(struct plan *p, const int *fds, char *const *paths, size_t n,
    char (*sha)[65], struct apply_ident *ids, int *err)
{
	struct hash_job *h = xcalloc(1, sizeof *h);
	/* The caller's thread is the last core's: it hashes whenever it
	 * waits for a file (hash_ahead_wait). */
	unsigned k, nth = n < 64 ? 1 : parallel_threads(8) > 1 ? parallel_threads(8) - 1 : 1;

	*h = (struct hash_job){ .fds = fds, .paths = paths, .sha = sha, .ids = ids,
	    .err = err, .n = n, .p = p, .what = "checking" };
	atomic_init(&h->next, 0);
	atomic_init(&h->done, 0);
	atomic_init(&h->stop, 0);
	h->ready = xcalloc(n ? n : 1, sizeof *h->ready);
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->hashed, NULL);
	h->threads = xcalloc(nth, sizeof *h->threads);
	for (k = 0; k < nth; k++)
		if (pthread_create(&h->threads[h->nthreads], NULL, hash_thread, h) == 0)
			h->nthreads++;
	return h;
}

void
hash_ahead_wait(struct hash_job *h, size_t i)
{
	/* Waiting, the caller hashes files further on (or, when no thread
	 * could start, this one). */
	while (!atomic_load_explicit(&h->ready[i], memory_order_acquire))
		if (!hash_batch(h))
			break;
	pthread_mutex_lock(&h->lock);
	while (!atomic_load_explicit(&h->ready[i], memory_order_acquire))
		pthread_cond_wait(&h->hashed, &h->lock);
	pthread_mutex_unlock(&h->lock);
}

void
hash_ahead_all(struct hash_job *h)
{
	size_t i;
	for (i = 0; i < h->n; i++)
		hash_ahead_wait(h, i);
}

void
hash_ahead_end(struct hash_job *h)
{
	unsigned k;
	if (h == NULL)
		return;
	atomic_store(&h->stop, 1);
	for (k = 0; k < h->nthreads; k++)
		pthread_join(h->threads[k], NULL);
	pthread_cond_destroy(&h->hashed);
	pthread_mutex_destroy(&h->lock);
	free(h->threads);
	free(h->ready);
	free(h);
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

/* ---- what apply and undo share besides ---- */

void
plan_conflict(struct plan *p, const char *path, const char *fmt, ...)
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

/* Take ROOT/.winnow's lock: one apply or undo at a time on a dataset. */
int
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
