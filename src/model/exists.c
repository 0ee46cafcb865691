/* exists.c — which paths name regular files, by listing their folders. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <xxhash.h>

#include "exists.h"
#include "util.h"
#include "worker.h"

/* why[i] of a path its folder's listing has not reached (yet). */
#define EXISTS_UNSEEN INT_MIN

int
exists_by_stat(int rootfd, const char *path)
{
	struct stat st;
	int fd = open_beneath(rootfd, path, O_PATH), r;
	if (fd < 0)
		return errno;
	r = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? EXISTS_REGULAR : EXISTS_NOT_REGULAR;
	close(fd);
	return r;
}

int
exists_by_type(int rootfd, const char *path, unsigned char d_type)
{
	switch (d_type) {
	case DT_REG:
		return EXISTS_REGULAR;
	case DT_LNK:            /* where it leads, and whether inside ROOT */
	case DT_UNKNOWN:        /* the filesystem does not say */
		return exists_by_stat(rootfd, path);
	default:
		return EXISTS_NOT_REGULAR;
	}
}

/* ---- the listing cache ----
 * A folder whose listing found every path asked of it a regular file (by
 * the listing's own type, no link among them) is remembered by its device,
 * inode and ctime and by the names asked, in their order. Any change of its
 * entries (a file added, removed, renamed or replaced) or of its own mode
 * sets its ctime to the time of the change, so while the ctime is the one
 * remembered, so is the answer. A listing is remembered only when its ctime
 * was already exists_settled_ns old as the run began: a change in the same
 * tick of the filesystem's clock as the last one would leave the ctime as
 * it was. And only on local filesystems that keep ctime themselves.
 *
 * The file: CACHE_MAGIC, a count (8 bytes), then the records as struct
 * seen is in memory, the newest first: the cache lives on the machine
 * that wrote it. */

#define CACHE_MAGIC "winnow-folders 1\n"
#define CACHE_MOST (1u << 18)   /* records kept: 10 MiB */

long long exists_settled_ns = 5000000000LL;
unsigned long exists_listings;

struct seen {
	uint64_t dev, ino;
	int64_t ctime_ns;
	uint64_t names[2];      /* XXH3-128 of the names asked, NUL-ended */
};

struct cache {
	const char *file;
	struct seen *old;       /* the file's, sorted by cmp_seen */
	size_t nold;
	char *bytes;
	struct seen *fresh;     /* listed this run and to be remembered */
	size_t nfresh, capfresh;
	pthread_mutex_t lock;
	int64_t start_ns;       /* the real-time clock as the run began */
};

static int
cmp_seen(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	if (x->ctime_ns != y->ctime_ns)
		return x->ctime_ns < y->ctime_ns ? -1 : 1;
	if (x->names[0] != y->names[0])
		return x->names[0] < y->names[0] ? -1 : 1;
	if (x->names[1] != y->names[1])
		return x->names[1] < y->names[1] ? -1 : 1;
	return 0;
}

static void
cache_load(struct cache *c, const char *file)
{
	size_t len, head = sizeof CACHE_MAGIC - 1;
	uint64_t n;
	char *bytes;
	struct timespec ts;

	memset(c, 0, sizeof *c);
	c->file = file;
	pthread_mutex_init(&c->lock, NULL);
	clock_gettime(CLOCK_REALTIME, &ts);
	c->start_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	if ((bytes = read_file(file, &len, NULL)) == NULL)
		return;
	if (len < head + sizeof n || memcmp(bytes, CACHE_MAGIC, head) != 0) {
		free(bytes);
		return;
	}
	memcpy(&n, bytes + head, sizeof n);
	if (n > CACHE_MOST || len != head + sizeof n + n * sizeof(struct seen)) {
		free(bytes);
		return;
	}
	c->nold = (size_t)n;
	c->old = xmalloc((c->nold ? c->nold : 1) * sizeof *c->old);
	memcpy(c->old, bytes + head + sizeof n, c->nold * sizeof *c->old);
	c->bytes = bytes;       /* the newest first, for the save */
	qsort(c->old, c->nold, sizeof *c->old, cmp_seen);
}

/* Filesystems that set a folder's ctime on every change of its entries,
 * from the kernel's own clock: ext2/3/4, XFS, Btrfs, tmpfs, F2FS, ZFS. */
static int
keeps_ctime(int fd)
{
	struct statfs sf;
	if (fstatfs(fd, &sf) != 0)
		return 0;
	switch ((unsigned long)sf.f_type) {
	case 0xEF53UL: case 0x58465342UL: case 0x9123683EUL: case 0x01021994UL:
	case 0xF2F52010UL: case 0x2FC12FC1UL:
		return 1;
	default:
		return 0;
	}
}

static struct seen
seen_of(const struct stat *st, const struct buf *names)
{
	XXH128_hash_t h = XXH3_128bits(names->data, names->len);
	return (struct seen){
		.dev = (uint64_t)st->st_dev, .ino = (uint64_t)st->st_ino,
		.ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec,
		.names = { h.low64, h.high64 },
	};
}

/* Is the folder (fd, st) with these names remembered? A folder we can no
 * longer search is not: its paths get a lookup's EACCES. */
static int
cache_has(const struct cache *c, int fd, const struct seen *key)
{
	return c->nold > 0 && bsearch(key, c->old, c->nold, sizeof *c->old, cmp_seen) != NULL &&
	    faccessat(fd, ".", X_OK, AT_EACCESS) == 0;
}

static void
cache_add(struct cache *c, int fd, const struct seen *key)
{
	if (key->ctime_ns >= c->start_ns - exists_settled_ns || !keeps_ctime(fd))
		return;
	pthread_mutex_lock(&c->lock);
	c->fresh = xgrow(c->fresh, &c->capfresh, c->nfresh + 1, sizeof *c->fresh);
	c->fresh[c->nfresh++] = *key;
	pthread_mutex_unlock(&c->lock);
}

/* Write the folders listed this run, then those remembered before, as
 * many as CACHE_MOST; nothing when nothing was listed. Written whole to a
 * file of its own and renamed into place: a reader sees the old file or
 * the new one. */
static void
cache_save(struct cache *c)
{
	size_t head = sizeof CACHE_MAGIC - 1, keep, i;
	uint64_t n;
	char *tmp;
	FILE *f;

	if (c->nfresh == 0)
		return;
	keep = c->nfresh < CACHE_MOST ? c->nfresh : CACHE_MOST;
	n = keep + (c->nold < CACHE_MOST - keep ? c->nold : CACHE_MOST - keep);
	if ((f = cache_create(c->file, &tmp)) == NULL)
		return;
	fwrite(CACHE_MAGIC, 1, head, f);
	fwrite(&n, sizeof n, 1, f);
	fwrite(c->fresh, sizeof *c->fresh, keep, f);
	for (i = keep; i < n; i++)      /* the file's own order: newest first */
		fwrite(c->bytes + head + sizeof n + (i - keep) * sizeof(struct seen),
		    sizeof(struct seen), 1, f);
	cache_commit(f, &tmp, c->file);
}

static void
cache_free(struct cache *c)
{
	free(c->old);
	free(c->bytes);
	free(c->fresh);
	pthread_mutex_destroy(&c->lock);
}

/* The paths grouped by folder, and the folders shared out between threads. */
struct folders {
	int rootfd;
	const char *const *paths;
	int *why;
	uint32_t *order;        /* path numbers, a folder's together */
	size_t *start;          /* folder k's: order[start[k] .. start[k + 1]) */
	size_t nfolders;
	size_t next;            /* the next folder to take (atomic) */
	struct cache *cache;    /* NULL: none */
};

/* A folder's paths by file name: open addressing over their places in
 * `order`, one table a thread, reused from folder to folder. The names are
 * copied side by side as the table is filled: the listing's entries are
 * then compared with bytes at hand, not with paths spread over memory. */
struct names {
	uint32_t *slot;         /* place in the folder's range + 1; 0 empty */
	size_t mask;
	uint32_t *at;           /* by place: the name's offset in text */
	size_t capat;
	struct buf text;        /* the names, NUL-ended */
};

static size_t
dir_len(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash != NULL ? (size_t)(slash - path) : 0;
}

static const char *
base_name(const char *path, size_t dirlen)
{
	return dirlen > 0 ? path + dirlen + 1 : path;
}

/* The folder's names side by side, in the order asked. */
static void
names_text(struct names *t, const struct folders *f, size_t lo, size_t m, size_t dirlen)
{
	size_t i, len;
	const char *name;

	t->at = xgrow(t->at, &t->capat, m, sizeof *t->at);
	t->text.len = 0;
	for (i = 0; i < m; i++) {
		name = base_name(f->paths[f->order[lo + i]], dirlen);
		len = strlen(name);
		if (t->text.len > UINT32_MAX - len - 1)
			die("a folder's file names are more than 4 GiB");
		t->at[i] = (uint32_t)t->text.len;
		buf_add(&t->text, name, len + 1);
	}
}

/* The table of the names names_text laid out. */
static void
names_fill(struct names *t, size_t m)
{
	size_t size = 16, i, h;
	const char *name;

	while (size < 2 * m)
		size *= 2;
	if (size > t->mask + 1) {
		free(t->slot);
		t->slot = xmalloc(size * sizeof *t->slot);
	}
	t->mask = size - 1;
	memset(t->slot, 0, size * sizeof *t->slot);
	for (i = 0; i < m; i++) {
		name = t->text.data + t->at[i];
		h = (size_t)XXH3_64bits(name, strlen(name)) & t->mask;
		while (t->slot[h] != 0)
			h = (h + 1) & t->mask;
		t->slot[h] = (uint32_t)(i + 1);
	}
}

/* Read folder k once and answer for each of its paths; or answer from
 * the cache. */
static void
check_folder(struct folders *f, size_t k, struct names *t)
{
	size_t lo = f->start[k], m = f->start[k + 1] - lo, i, h, dirlen;
	const char *first = f->paths[f->order[lo]], *path;
	int fd, stated, listed = 0, by_type = 1, all = 1;
	struct dirent *de;
	struct stat st;
	struct seen key = { 0 };
	char *dir;
	DIR *d;

	dirlen = dir_len(first);
	dir = dirlen > 0 ? xstrndup(first, dirlen) : NULL;
	fd = dir != NULL ? open_beneath(f->rootfd, dir, O_RDONLY | O_DIRECTORY) :
	    openat(f->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	for (i = 0; i < m; i++)
		f->why[f->order[lo + i]] = EXISTS_UNSEEN;
	/* Reading a folder needs r, reaching a file in it x: a folder
	 * without x is lookup by lookup, for the errno each would give. */
	stated = fd >= 0 && fstatat(fd, ".", &st, 0) == 0;
	if (stated) {
		names_text(t, f, lo, m, dirlen);
		if (f->cache != NULL) {
			key = seen_of(&st, &t->text);
			if (cache_has(f->cache, fd, &key)) {
				for (i = 0; i < m; i++)
					f->why[f->order[lo + i]] = EXISTS_REGULAR;
				close(fd);
				return;
			}
		}
	}
	if (stated && (d = fdopendir(fd)) != NULL) {
		__atomic_fetch_add(&exists_listings, 1, __ATOMIC_RELAXED);
		names_fill(t, m);
		for (;;) {
			errno = 0;
			if ((de = readdir(d)) == NULL) {
				listed = errno == 0;
				break;
			}
			h = (size_t)XXH3_64bits(de->d_name, strlen(de->d_name)) & t->mask;
			for (; t->slot[h] != 0; h = (h + 1) & t->mask) {
				i = t->slot[h] - 1;
				if (strcmp(t->text.data + t->at[i], de->d_name) == 0) {
					f->why[f->order[lo + i]] = exists_by_type(f->rootfd,
					    f->paths[f->order[lo + i]], de->d_type);
					by_type &= de->d_type == DT_REG;
				}
			}
		}
		for (i = 0; i < m; i++)
			all &= f->why[f->order[lo + i]] == EXISTS_REGULAR;
		if (f->cache != NULL && listed && by_type && all)
			cache_add(f->cache, dirfd(d), &key);
		closedir(d);
	} else if (fd >= 0) {
		close(fd);
	}
	for (i = 0; i < m; i++) {
		int *why = &f->why[f->order[lo + i]];
		path = f->paths[f->order[lo + i]];
		if (*why != EXISTS_UNSEEN)
			continue;
		/* Absent from a whole listing is ENOENT, unless the name is
		 * one no lookup would take (ENAMETOOLONG). */
		if (listed && strlen(base_name(path, dirlen)) <= NAME_MAX && strlen(path) < PATH_MAX)
			*why = ENOENT;
		else
			*why = exists_by_stat(f->rootfd, path);
	}
}

static void
check_folders(void *arg, unsigned k)
{
	struct folders *f = arg;
	struct names t = { 0 };
	size_t i;

	(void)k;        /* folders come from the shared count */
	while ((i = __atomic_fetch_add(&f->next, 1, __ATOMIC_RELAXED)) < f->nfolders)
		check_folder(f, i, &t);
	free(t.slot);
	free(t.at);
	buf_free(&t.text);
}

/* Number each path's folder; consecutive paths mostly share one, so the
 * hash table is asked only when the folder changes. */
static uint32_t *
folder_ids(const char *const *paths, size_t n, size_t *nfolders)
{
	GHashTable *ids = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
	uint32_t *fid = xmalloc((n ? n : 1) * sizeof *fid);
	struct buf key = { 0 };
	size_t i, len, prev = 0;
	gpointer v;

	buf_str(&key);
	for (i = 0; i < n; i++) {
		len = dir_len(paths[i]);
		if (i > 0 && len == prev && memcmp(paths[i], paths[i - 1], len) == 0) {
			fid[i] = fid[i - 1];
			continue;
		}
		prev = len;
		key.len = 0;
		buf_add(&key, paths[i], len);
		if ((v = g_hash_table_lookup(ids, key.data)) == NULL) {
			v = GUINT_TO_POINTER(g_hash_table_size(ids) + 1);
			g_hash_table_insert(ids, xstrdup(key.data), v);
		}
		fid[i] = GPOINTER_TO_UINT(v) - 1;
	}
	*nfolders = g_hash_table_size(ids);
	g_hash_table_destroy(ids);
	buf_free(&key);
	return fid;
}

void
exists_check(int rootfd, const char *const *paths, size_t n, int *why, const char *cache)
{
	struct folders f = { .rootfd = rootfd, .paths = paths, .why = why };
	struct cache c;
	uint32_t *fid;
	size_t i;
	unsigned nth;

	if (n == 0)
		return;
	if (cache != NULL) {
		cache_load(&c, cache);
		f.cache = &c;
	}
	fid = folder_ids(paths, n, &f.nfolders);
	f.start = xcalloc(f.nfolders + 1, sizeof *f.start);
	for (i = 0; i < n; i++)
		f.start[fid[i] + 1]++;
	for (i = 0; i < f.nfolders; i++)
		f.start[i + 1] += f.start[i];
	f.order = xmalloc(n * sizeof *f.order);
	for (i = 0; i < n; i++)
		f.order[f.start[fid[i]]++] = (uint32_t)i;
	/* Filling moved each start to the next folder's: move them back. */
	for (i = f.nfolders; i > 0; i--)
		f.start[i] = f.start[i - 1];
	f.start[0] = 0;
	free(fid);
	nth = parallel_threads(8);
	if (nth > f.nfolders)
		nth = (unsigned)f.nfolders;
	parallel_for(nth, check_folders, &f);
	free(f.order);
	free(f.start);
	if (cache != NULL) {
		cache_save(&c);
		cache_free(&c);
	}
}
