/* exists.c — which paths name regular files, by listing their folders. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* The paths grouped by folder, and the folders shared out between threads. */
struct folders {
	int rootfd;
	const char *const *paths;
	int *why;
	uint32_t *order;        /* path numbers, a folder's together */
	size_t *start;          /* folder k's: order[start[k] .. start[k + 1]) */
	size_t nfolders;
	size_t next;            /* the next folder to take (atomic) */
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

static void
names_fill(struct names *t, const struct folders *f, size_t lo, size_t m, size_t dirlen)
{
	size_t size = 16, i, h, len;
	const char *name;

	while (size < 2 * m)
		size *= 2;
	if (size > t->mask + 1) {
		free(t->slot);
		t->slot = xmalloc(size * sizeof *t->slot);
	}
	t->mask = size - 1;
	memset(t->slot, 0, size * sizeof *t->slot);
	t->at = xgrow(t->at, &t->capat, m, sizeof *t->at);
	t->text.len = 0;
	for (i = 0; i < m; i++) {
		name = base_name(f->paths[f->order[lo + i]], dirlen);
		len = strlen(name);
		if (t->text.len > UINT32_MAX - len - 1)
			die("a folder's file names are more than 4 GiB");
		t->at[i] = (uint32_t)t->text.len;
		buf_add(&t->text, name, len + 1);
		h = (size_t)XXH3_64bits(name, len) & t->mask;
		while (t->slot[h] != 0)
			h = (h + 1) & t->mask;
		t->slot[h] = (uint32_t)(i + 1);
	}
}

/* Read folder k once and answer for each of its paths. */
static void
check_folder(struct folders *f, size_t k, struct names *t)
{
	size_t lo = f->start[k], m = f->start[k + 1] - lo, i, h, dirlen;
	const char *first = f->paths[f->order[lo]], *path;
	int fd, listed = 0;
	struct dirent *de;
	struct stat st;
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
	if (fd >= 0 && fstatat(fd, ".", &st, 0) == 0 && (d = fdopendir(fd)) != NULL) {
		names_fill(t, f, lo, m, dirlen);
		for (;;) {
			errno = 0;
			if ((de = readdir(d)) == NULL) {
				listed = errno == 0;
				break;
			}
			h = (size_t)XXH3_64bits(de->d_name, strlen(de->d_name)) & t->mask;
			for (; t->slot[h] != 0; h = (h + 1) & t->mask) {
				i = t->slot[h] - 1;
				if (strcmp(t->text.data + t->at[i], de->d_name) == 0)
					f->why[f->order[lo + i]] = exists_by_type(f->rootfd,
					    f->paths[f->order[lo + i]], de->d_type);
			}
		}
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
exists_check(int rootfd, const char *const *paths, size_t n, int *why)
{
	struct folders f = { .rootfd = rootfd, .paths = paths, .why = why };
	uint32_t *fid;
	size_t i;
	unsigned nth;

	if (n == 0)
		return;
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
}
