/* journal-file.c — where a dataset's journal is (dataset_own_file), which
 * dataset a journal is about, and opening it to add decisions: created
 * whole, locked, a torn tail cut off and kept aside (journal.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"

/* ---- which dataset ---- */

/* The tree whose .winnow folder holds the journal file (real path), or
 * NULL when the file is not directly in a folder named .winnow. The header
 * names the folder the journal was started in; a copy (cp -a, rsync) keeps
 * that name, and following it would act on the original. */
static char *
enclosing_tree(const char *file)
{
	char *dir = xstrdup(file), *slash = strrchr(dir, '/'), *real, *tree = NULL;

	if (slash == NULL)
		snprintf(dir, 2, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	real = realpath(dir, NULL);
	free(dir);
	if (real == NULL)
		return NULL;
	slash = strrchr(real, '/');
	if (slash != NULL && strcmp(slash + 1, ".winnow") == 0)
		tree = slash == real ? xstrdup("/") : xstrndup(real, (size_t)(slash - real));
	free(real);
	return tree;
}

char *
journal_dataset_path(const struct journal *j)
{
	char *tree = enclosing_tree(j->file), *path;
	const char *root = tree ? tree : j->dataset;

	if (j->layout == LAYOUT_MANIFEST)
		path = xasprintf("%s/%s", strcmp(root, "/") ? root : "", j->manifest);
	else
		path = xstrdup(root);
	free(tree);
	return path;
}

/* A dataset as the messages name it: its root, and a manifest's name. */
static void
dataset_name(struct buf *b, const char *root, enum layout layout, const char *manifest)
{
	escape_name(b, root);
	if (layout == LAYOUT_MANIFEST) {
		buf_addc(b, '/');
		escape_name(b, manifest);
	}
}

int
journal_check_dataset(const struct journal *j, const struct dataset *ds, char **cause)
{
	char *tree = enclosing_tree(j->file);
	char *real = tree ? tree : realpath(j->dataset, NULL);
	const char *root = real ? real : j->dataset;
	int same = strcmp(root, ds->root) == 0 && j->layout == ds->layout &&
	    (j->layout == LAYOUT_FOLDERS || strcmp(j->manifest, ds->manifest) == 0);

	if (!same && tree) {
		struct buf a = { 0 }, b = { 0 };
		dataset_name(&a, tree, j->layout, j->manifest);
		dataset_name(&b, ds->root, ds->layout, ds->manifest);
		set_cause(cause, "%s: this journal is about the dataset %s (it is kept in "
		    "that dataset's .winnow folder), not %s", j->file, buf_str(&a),
		    buf_str(&b));
		buf_free(&a);
		buf_free(&b);
	} else if (!same) {
		struct buf a = { 0 }, b = { 0 };
		dataset_name(&a, j->dataset, j->layout, j->manifest);
		dataset_name(&b, ds->root, ds->layout, ds->manifest);
		set_cause(cause, "%s:%u: this journal is about the dataset %s, not %s",
		    j->file, j->dataset_line, buf_str(&a), buf_str(&b));
		buf_free(&a);
		buf_free(&b);
	}
	free(real);
	return same ? 0 : -1;
}

static const char *
default_name(const struct dataset *ds, char *buf, size_t size)
{
	if (ds->layout == LAYOUT_MANIFEST)
		snprintf(buf, size, ".winnow/%s.journal.yaml", ds->manifest);
	else
		snprintf(buf, size, ".winnow/journal.yaml");
	return buf;
}

char *
journal_default_path(const struct dataset *ds, int *fallback)
{
	char name[PATH_MAX];

	return dataset_own_file(ds, default_name(ds, name, sizeof name), "yaml", fallback);
}

/* ---- opening to write ---- */

static char *
current_user(void)
{
	const char *u = getenv("USER");
	struct passwd *pw;
	if (u && *u)
		return xstrdup(u);
	if ((pw = getpwuid(getuid())) != NULL)
		return xstrdup(pw->pw_name);
	return xasprintf("uid %u", (unsigned)getuid());
}

static int
fsync_dir_of(const char *file)
{
	char *dir = xstrdup(file), *slash = strrchr(dir, '/');
	int fd, r;
	if (slash == NULL)
		snprintf(dir, 2, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

/* Create a journal holding only its header, all at once: written beside it,
 * fsync'd, then linked into place (failing when another process made one
 * meanwhile; that one is then opened). */
static int
create_journal(const struct dataset *ds, const char *file, char **cause)
{
	struct buf b = { 0 };
	struct yout *y;
	char created[32], *tmp = xasprintf("%s.new-%ld", file, (long)getpid());
	int fd, r = -1;

	utc_now(created, sizeof created);
	y = yout_new(&b);
	journal_write_header(y, ds->root, ds->layout, ds->manifest, created);
	yout_free(y);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0) {
		set_cause(cause, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (write_all(fd, b.data, b.len) != 0 || fsync(fd) != 0) {
		set_cause(cause, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (link(tmp, file) != 0 && errno != EEXIST) {
		set_cause(cause, "%s: %s", file, strerror(errno));
		unlink(tmp);
		goto out;
	}
	unlink(tmp);
	fsync_dir_of(file);
	r = 0;
out:
	free(tmp);
	buf_free(&b);
	return r;
}

static int
lock_fd(int fd, const char *file, char **cause)
{
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno == EWOULDBLOCK)
		set_cause(cause, "%s is in use by another winnow (it is locked); close "
		    "that one first, or give another journal with -j", file);
	else
		set_cause(cause, "%s: cannot lock: %s", file, strerror(errno));
	return -1;
}

int
journal_lock(struct journal *j, char **cause)
{
	int fd = open(j->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		set_cause(cause, "%s: %s", j->file, strerror(errno));
		return -1;
	}
	if (lock_fd(fd, j->file, cause) != 0) {
		close(fd);
		return -1;
	}
	if (j->fd >= 0)
		close(j->fd);
	j->fd = fd;
	return 0;
}

/* Keep the bytes of a torn tail beside the journal before cutting them off:
 * they were never shown as a decision, but they are the user's bytes. */
static void
keep_torn_tail(const char *file, const char *data, size_t len)
{
	char *aside = xasprintf("%s.torn", file);
	int fd = open(aside, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (fd >= 0) {
		if (write_all(fd, data, len) == 0)
			fsync(fd);
		close(fd);
	}
	free(aside);
}

struct journal *
journal_open(const struct dataset *ds, const char *file, char **note, char **cause)
{
	char *path, *data = NULL, proc[64];
	int fallback = 0, fd = -1;
	struct journal *j = NULL;
	struct stat st;
	size_t len;

	if (note)
		*note = NULL;
	path = file ? xstrdup(file) : journal_default_path(ds, &fallback);
	if (file == NULL) {
		char *slash = strrchr(path, '/');
		*slash = '\0';
		if (mkdir_p(path, 0777) != 0) {
			set_cause(cause, "%s: cannot make the folder: %s", path, strerror(errno));
			free(path);
			return NULL;
		}
		*slash = '/';
	}
	for (int tries = 0; fd < 0; tries++) {
		fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
		if (fd >= 0)
			break;
		if (errno != ENOENT || tries > 0 || create_journal(ds, path, cause) != 0) {
			if (errno != ENOENT || tries > 0)
				set_cause(cause, "%s: %s", path, strerror(errno));
			free(path);
			return NULL;
		}
	}
	if (lock_fd(fd, path, cause) != 0)
		goto fail;
	/* Read only now, under the lock: no one appends meanwhile. */
	if (fstat(fd, &st) == 0 && st.st_size == 0) {
		/* An empty file (made by hand, or `touch`): give it its header. */
		close(fd);
		fd = -1;
		if (unlink(path) != 0 || create_journal(ds, path, cause) != 0) {
			if (cause && *cause == NULL)
				set_cause(cause, "%s: %s", path, strerror(errno));
			goto fail;
		}
		free(path);
		return journal_open(ds, file, note, cause);
	}
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	if ((data = read_file(proc, &len, cause)) == NULL)
		goto fail;
	if ((j = journal_read_buffer(path, data, len, cause)) == NULL)
		goto fail;
	if (journal_check_dataset(j, ds, cause) != 0)
		goto fail;
	if (j->torn) {
		keep_torn_tail(path, data + j->good_size, len - j->good_size);
		if (ftruncate(fd, (off_t)j->good_size) != 0 || fsync(fd) != 0) {
			set_cause(cause, "%s: cannot cut off the incomplete last entry: %s",
			    path, strerror(errno));
			goto fail;
		}
		if (note)
			*note = xasprintf("%s (kept in %s.torn)", j->torn, path);
	} else if (note && fallback) {
		*note = xasprintf("the dataset is read-only: journal in %s", path);
	}
	free(data);
	free(path);
	j->fd = fd;
	j->user = current_user();
	return j;
fail:
	free(data);
	free(path);
	if (fd >= 0)
		close(fd);
	journal_free(j);
	return NULL;
}
