/* util.c — allocation, strings, errors and small helpers. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "util.h"

const char *progname = "winnow";

static void __attribute__((noreturn))
out_of_memory(size_t n)
{
	fprintf(stderr, "%s: out of memory (%zu bytes)\n", progname, n);
	abort();
}

/* Blocks this big or bigger are asked to be backed by huge pages. */
#define HUGE_ADVISED (4u << 20)

/* A block of n bytes at p (a big one, before it is first written): backed by
 * 2 MiB pages where the kernel grants them (transparent huge pages in
 * "madvise" mode), so that filling it takes one page fault where it took
 * 512. The paths of a million samples, their records and the rows of a
 * manifest are such blocks, filled once and read through; page faults were
 * a tenth of reading a 1M-row manifest. The advice covers the pages the
 * block lies on, all of malloc's own mapping for a block this big: a part
 * of it would split the mapping in two, and realloc could no longer grow
 * it in place (mremap moves one mapping only). */
static void
advise_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = (uintptr_t)p & ~(page - 1);
	uintptr_t hi = ((uintptr_t)p + n + page - 1) & ~(page - 1);
	(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
	(void)p;
	(void)n;
#endif
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		out_of_memory(n);
	if (n >= HUGE_ADVISED)
		advise_huge(p, n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		out_of_memory(n * size);
	if (n * size >= HUGE_ADVISED)
		advise_huge(p, n * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		out_of_memory(n);
	if (n >= HUGE_ADVISED)
		advise_huge(p, n);
	return p;
}

void *
xgrow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap;
	if (need <= c)
		return p;
	if (c < 16)
		c = 16;
	while (c < need)
		c += c / 2;
	if (c > SIZE_MAX / size)
		out_of_memory(SIZE_MAX);
	*cap = c;
	return xrealloc(p, c * size);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char *p;
	if (vasprintf(&p, fmt, ap) < 0)
		out_of_memory(strlen(fmt));
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

void
die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

void
warnx_(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
set_cause(char **cause, const char *fmt, ...)
{
	va_list ap;
	if (cause == NULL)
		return;
	va_start(ap, fmt);
	*cause = xvasprintf(fmt, ap);
	va_end(ap);
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	b->data = xgrow(b->data, &b->cap, b->len + n + 1, 1);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	buf_adds(b, s);
	free(s);
}

const char *
buf_str(struct buf *b)
{
	/* Terminated at len, also after a caller emptied b by setting len. */
	if (b->data == NULL)
		buf_add(b, "", 0);
	else
		b->data[b->len] = '\0';
	return b->data;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

size_t
utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, c = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, c = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, c = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	*cp = c;
	return len;
}

int
utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;
	uint32_t cp;
	while (i < n) {
		if ((k = utf8_decode(p + i, n - i, &cp)) == 0)
			return 0;
		i += k;
	}
	return 1;
}

void
escape_name(struct buf *b, const char *name)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t n = strlen(name), i = 0, k;
	uint32_t cp;
	while (i < n) {
		k = utf8_decode(p + i, n - i, &cp);
		if (k == 0 || (k == 1 && (p[i] < 0x20 || p[i] == 0x7f || p[i] == '\\')) ||
		    (k == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0)) {
			if (k == 1 && p[i] == '\\')
				buf_adds(b, "\\\\");
			else
				buf_addf(b, "\\x%02x", p[i]);
			i++;
			if (k == 2) {
				buf_addf(b, "\\x%02x", p[i]);
				i++;
			}
			continue;
		}
		buf_add(b, p + i, k);
		i += k;
	}
	buf_str(b);
}

const char *
escaped_name(struct buf *b, const char *name)
{
	b->len = 0;
	escape_name(b, name);
	return buf_str(b);
}

int
unescape_name(char *s)
{
	char *o = s;
	while (*s) {
		if (*s != '\\') {
			*o++ = *s++;
			continue;
		}
		if (s[1] == '\\') {
			*o++ = '\\';
			s += 2;
		} else if (s[1] == 'x' && isxdigit((unsigned char)s[2]) &&
		    isxdigit((unsigned char)s[3]) && (s[2] != '0' || s[3] != '0')) {
			char hex[3] = { s[2], s[3], 0 };
			*o++ = (char)strtoul(hex, NULL, 16);
			s += 4;
		} else {
			return -1;
		}
	}
	*o = '\0';
	return 0;
}

char *
read_file(const char *path, size_t *len, char **cause)
{
	int fd;
	struct stat st;
	struct buf b = { 0 };
	char chunk[65536];
	ssize_t n;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		set_cause(cause, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		set_cause(cause, "%s: is a folder", path);
		return NULL;
	}
	if (fstat(fd, &st) == 0 && st.st_size > 0)
		b.data = xgrow(NULL, &b.cap, (size_t)st.st_size + 1, 1);
	for (;;) {
		n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			set_cause(cause, "%s: %s", path, strerror(errno));
			close(fd);
			buf_free(&b);
			return NULL;
		}
		if (n == 0)
			break;
		buf_add(&b, chunk, (size_t)n);
	}
	close(fd);
	buf_str(&b);
	if (len)
		*len = b.len;
	return b.data;
}

void
utc_now(char *out, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

double
now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
has_suffix_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && g_ascii_strcasecmp(s + n - m, suffix) == 0;
}

#include <linux/openat2.h>
#include <sys/syscall.h>

int
path_is_clean(const char *path)
{
	const char *p = path, *slash;
	size_t n;
	if (*path == '\0' || *path == '/')
		return 0;
	for (;;) {
		slash = strchr(p, '/');
		n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (slash == NULL)
			return 1;
		p = slash + 1;
	}
}

static int
open_beneath_fallback(int dirfd, const char *path, int flags)
{
	char dirbuf[64], *base = NULL, *full = NULL, *real = NULL;
	int fd, ok;
	size_t n;

	if (!path_is_clean(path)) {
		errno = EXDEV;
		return -1;
	}
	snprintf(dirbuf, sizeof dirbuf, "/proc/self/fd/%d", dirfd);
	if ((base = realpath(dirbuf, NULL)) == NULL)
		return -1;
	full = xasprintf("%s/%s", base, path);
	real = realpath(full, NULL);
	if (real == NULL) {
		/* A missing file: its folder must still be inside. */
		int saved = errno;
		free(real);
		free(full);
		free(base);
		errno = saved;
		return -1;
	}
	n = strlen(base);
	ok = strncmp(real, base, n) == 0 && (real[n] == '/' || (n == 1 && base[0] == '/'));
	free(full);
	free(base);
	if (!ok) {
		free(real);
		errno = EXDEV;
		return -1;
	}
	fd = open(real, flags | O_CLOEXEC);
	free(real);
	return fd;
}

int
open_beneath(int dirfd, const char *path, int flags)
{
	static int no_openat2;
	struct open_how how;
	long fd;

	if (!no_openat2) {
		memset(&how, 0, sizeof how);
		how.flags = (uint64_t)(flags | O_CLOEXEC);
		how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
		if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
			return (int)fd;
		no_openat2 = 1;
	}
	return open_beneath_fallback(dirfd, path, flags);
}

char *
cache_path(const char *name)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	if (xdg != NULL && *xdg == '/')
		return xasprintf("%s/winnow/%s", xdg, name);
	if (home != NULL && *home == '/')
		return xasprintf("%s/.cache/winnow/%s", home, name);
	return NULL;
}

FILE *
cache_create(const char *path, char **tmp)
{
	char *dir = xstrdup(path), *slash;
	FILE *f = NULL;
	int fd, ok;

	*tmp = NULL;
	if ((slash = strrchr(dir, '/')) != NULL && slash > dir)
		*slash = '\0';
	ok = slash == NULL || slash == dir || mkdir_p(dir, 0700) == 0;
	free(dir);
	if (!ok)
		return NULL;
	*tmp = xasprintf("%s.%ld.tmp", path, (long)getpid());
	if ((fd = open(*tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
	    (f = fdopen(fd, "w")) == NULL) {
		if (fd >= 0) {
			close(fd);
			unlink(*tmp);
		}
		free(*tmp);
		*tmp = NULL;
	}
	return f;
}

int
cache_commit(FILE *f, char **tmp, const char *path)
{
	int ok = fflush(f) == 0 && !ferror(f);
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(*tmp, path) != 0) {
		unlink(*tmp);
		ok = 0;
	}
	free(*tmp);
	*tmp = NULL;
	return ok ? 0 : -1;
}

int
mkdir_p(const char *path, unsigned mode)
{
	char *p = xstrdup(path), *s;
	int saved = 0;

	for (s = p + 1; *s && saved == 0; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST)
			saved = errno;
		*s = '/';
	}
	if (saved == 0 && mkdir(p, (mode_t)mode) != 0 && errno != EEXIST)
		saved = errno;
	free(p);
	errno = saved;
	return saved ? -1 : 0;
}
