/* text.h — the first lines of a text sample, made safe to show.
 *
 * No curses: the preview pane reads lines from here on a worker thread.
 * Thread-safe. */
#ifndef WINNOW_TEXT_H
#define WINNOW_TEXT_H

#include <stddef.h>
#include <stdint.h>

struct text_head {
	char **lines;           /* UTF-8, printable; each owned */
	size_t nlines;
	uint64_t file_size;
	int more;               /* the file goes on past what was read */
};

/* Read the start of path (relative to dirfd; AT_FDCWD for the current
 * folder) — at most max_bytes and max_lines lines — into *out. Control
 * bytes, NUL and invalid UTF-8 become \xNN, tabs become spaces to the next
 * multiple of 8, a CR before LF is dropped. Returns 0, or -1 with *cause
 * set. Free with text_head_clear. */
int text_head_at(int dirfd, const char *path, size_t max_lines, size_t max_bytes,
    struct text_head *out, char **cause);
/* The same from bytes in memory (len bytes of a file of file_size). */
void text_head_mem(const char *data, size_t len, uint64_t file_size,
    size_t max_lines, struct text_head *out);
void text_head_clear(struct text_head *t);

#endif
