/* testfs.h — a temporary folder for the C unit tests that build real trees
 * in it: made by testfs_init, removed by testfs_done when every check
 * passed (kept, and named, when one failed, to look at); files written and
 * read in it, commands run in it, datasets opened from it. Include after
 * tap.h. */
#ifndef WINNOW_TESTFS_H
#define WINNOW_TESTFS_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dataset.h"
#include "util.h"

static char tmpdir[64];

/* Make the folder, /tmp/winnow-test-NAME.XXXXXX, open to all: a test run
 * as root drops to nobody in a child to meet a read-only dataset. */
__attribute__((unused)) static inline void
testfs_init(const char *name)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/winnow-test-%s.XXXXXX", name);
	if (mkdtemp(tmpdir) == NULL)
		die("mkdtemp: %s", strerror(errno));
	chmod(tmpdir, 0755);
}

/* Remove the folder unless a check failed; tap_done()'s exit status. */
__attribute__((unused)) static inline int
testfs_done(void)
{
	if (tap_failed == 0) {
		/* u+rwx: a test may leave a folder it made unreadable. */
		char *cmd = xasprintf("chmod -R u+rwx '%s'; rm -rf '%s'", tmpdir, tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "# could not remove %s\n", tmpdir);
		free(cmd);
	} else {
		fprintf(stderr, "# files kept in %s\n", tmpdir);
	}
	return tap_done();
}

/* The absolute path of a name under the folder; the caller frees it. */
__attribute__((format(printf, 1, 2), unused)) static inline char *
at(const char *fmt, ...)
{
	va_list ap;
	char *rel, *path;
	va_start(ap, fmt);
	rel = xvasprintf(fmt, ap);
	va_end(ap);
	path = xasprintf("%s/%s", tmpdir, rel);
	free(rel);
	return path;
}

/* mkdir -p: every folder of an absolute path (those there already are
 * fine). */
__attribute__((unused)) static inline void
mkdirs(const char *path)
{
	mkdir_p(path, 0755);
}

/* Write n bytes to a file under the folder, making its folders; dies when
 * it cannot, since the test would check nothing. */
__attribute__((unused)) static inline void
put_bytes(const char *rel, const void *data, size_t n)
{
	char *path = at("%s", rel), *slash = strrchr(path, '/');
	FILE *f;
	*slash = '\0';
	mkdirs(path);
	*slash = '/';
	if ((f = fopen(path, "wb")) == NULL || fwrite(data, 1, n, f) != n || fclose(f) != 0)
		die("%s: %s", path, strerror(errno));
	free(path);
}

/* Write text to a file under the folder, making its folders. */
__attribute__((unused)) static inline void
put(const char *rel, const char *text)
{
	put_bytes(rel, text, strlen(text));
}

/* put_bytes, and the file's absolute path; the caller frees it. */
__attribute__((unused)) static inline char *
write_file(const char *rel, const void *data, size_t n)
{
	put_bytes(rel, data, n);
	return at("%s", rel);
}

/* put, and the file's absolute path; the caller frees it. */
__attribute__((unused)) static inline char *
write_text(const char *rel, const char *text)
{
	return write_file(rel, text, strlen(text));
}

/* The bytes of a file under the folder, NUL-terminated (*len without the
 * NUL), or NULL when it cannot be read. The caller frees them. */
__attribute__((unused)) static inline char *
read_bytes(const char *rel, size_t *len)
{
	char *path = at("%s", rel), *data = read_file(path, len, NULL);
	free(path);
	return data;
}

/* Run a shell command (printf-style) in the folder; its status, which is
 * also reported on stderr when it is not 0. */
__attribute__((format(printf, 1, 2), unused)) static inline int
run(const char *fmt, ...)
{
	va_list ap;
	char *cmd, *full;
	int rc;

	va_start(ap, fmt);
	cmd = xvasprintf(fmt, ap);
	va_end(ap);
	full = xasprintf("cd '%s' && %s", tmpdir, cmd);
	rc = system(full);
	if (rc != 0)
		fprintf(stderr, "# command failed (%d): %s\n", rc, cmd);
	free(full);
	free(cmd);
	return rc;
}

/* The dataset at a path under the folder (an absolute path is taken as it
 * is), or NULL with why on stderr: for tests of what opens and what not. */
__attribute__((unused)) static inline struct dataset *
try_open_ds(const char *rel)
{
	char *path = rel[0] == '/' ? xstrdup(rel) : at("%s", rel), *cause = NULL;
	struct dataset *ds = dataset_open(path, &cause);
	if (ds == NULL) {
		fprintf(stderr, "# dataset_open %s: %s\n", path, cause);
		free(cause);
	}
	free(path);
	return ds;
}

/* try_open_ds for a dataset the test needs: dies when it does not open,
 * since the test would check nothing. */
__attribute__((unused)) static inline struct dataset *
open_ds(const char *rel)
{
	struct dataset *ds = try_open_ds(rel);
	if (ds == NULL)
		die("%s: the dataset does not open", rel);
	return ds;
}

#endif
