/* util.h — allocation, strings, errors and small helpers shared by every part. */
#ifndef WINNOW_UTIL_H
#define WINNOW_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A function made twice, for processors with AVX2 and for any other, the
 * one to run chosen as the program starts. Neither has fused multiply-add,
 * so loops whose lanes do the same operations in the same order give the
 * same bits either way. */
#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define AVX2_CLONES __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef AVX2_CLONES
#define AVX2_CLONES
#endif
#define WN_PRINTF(f, a) __attribute__((format(printf, f, a)))

extern const char *progname;

/* Allocation failure is not recoverable: these abort with a message. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* Grow an array of *cap elements of size `size` so that it holds at least `need`. */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a newly allocated formatted string; the caller frees it. */
char *xasprintf(const char *fmt, ...) WN_PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap);

/* Print "winnow: message" to stderr and exit with status 2. */
void die(const char *fmt, ...) WN_PRINTF(1, 2) __attribute__((noreturn));
/* Print "winnow: message" to stderr. */
void warnx_(const char *fmt, ...) WN_PRINTF(1, 2);

/* A recoverable error is returned as a heap string in *cause (tmux's convention);
 * the caller frees it. set_cause() does nothing when cause is NULL. */
void set_cause(char **cause, const char *fmt, ...) WN_PRINTF(2, 3);

/* A growable byte buffer. */
struct buf {
	char *data;
	size_t len, cap;
};
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addf(struct buf *b, const char *fmt, ...) WN_PRINTF(2, 3);
void buf_addc(struct buf *b, char c);
/* Returns the NUL-terminated contents (owned by b). */
const char *buf_str(struct buf *b);
void buf_free(struct buf *b);

/* Write `name` (arbitrary bytes) for display: valid UTF-8 printable text as is,
 * control characters and invalid bytes as \xNN. Appends to b. */
void escape_name(struct buf *b, const char *name);
/* The same into b emptied first: the escaped name, owned by b and valid
 * until b changes. For messages, listings and TSV cells (tabs and newlines
 * are escaped, so a name cannot break a line or a row). */
const char *escaped_name(struct buf *b, const char *name);
/* Undo escape_name in place (\\ and \xNN; \x00 would cut the name short).
 * Returns 0, or -1 on any other backslash or a malformed escape. */
int unescape_name(char *s);
int utf8_valid(const char *s, size_t n);
/* The well-formed UTF-8 sequence at p (at most n bytes, n >= 1): its length,
 * with its code point in *cp; 0 when it is not one (overlong, a surrogate,
 * past U+10FFFF, cut short). */
size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *cp);

/* Read a whole file. Returns a heap buffer (NUL-terminated, *len excludes the
 * NUL) or NULL with *cause set. */
char *read_file(const char *path, size_t *len, char **cause);

/* Time now as 2026-11-27T21:03:11Z into buf (at least 21 bytes). */
void utc_now(char *buf, size_t size);
/* Monotonic clock in seconds. */
double now_seconds(void);

/* The path of `name` in winnow's cache folder, $XDG_CACHE_HOME/winnow
 * (~/.cache/winnow), or NULL when neither variable is an absolute path. */
char *cache_path(const char *name);

/* A cache file written whole and renamed into place, so that a reader sees
 * the old file or the new one: cache_create makes the folders above path
 * (0700) and opens path.PID.tmp (0600) into *tmp; NULL when it cannot.
 * cache_commit flushes and closes f and renames *tmp to path, or removes
 * it when anything failed; frees *tmp. Returns 0, or -1. */
FILE *cache_create(const char *path, char **tmp);
int cache_commit(FILE *f, char **tmp, const char *path);

/* Make the folder path and those above it that are missing, with mode.
 * Returns 0, or -1 with errno set by the mkdir that failed. */
int mkdir_p(const char *path, unsigned mode);

/* String ends with suffix, ignoring ASCII case. */
int has_suffix_ci(const char *s, const char *suffix);

/* Open path relative to dirfd without ever leaving dirfd's tree: absolute
 * paths, ".." that climbs out and symbolic links leading outside fail with
 * errno EXDEV (openat2 RESOLVE_BENEATH where the kernel has it; a realpath
 * check otherwise). flags as for openat (O_PATH works). Returns fd or -1. */
int open_beneath(int dirfd, const char *path, int flags);
/* Does a relative path stay inside its root by its words alone: not empty,
 * not absolute, no "." or ".." component, no empty component? */
int path_is_clean(const char *path);

#endif
