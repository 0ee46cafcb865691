/* testfs.h — a temporary folder for the C unit tests that build real trees
 * in it: made by testfs_init, removed by testfs_done when every check
 * passed (kept, and named, when one failed, to look at). Include after
 * tap.h. */
#ifndef WINNOW_TESTFS_H
#define WINNOW_TESTFS_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

#endif
