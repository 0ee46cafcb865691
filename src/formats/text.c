/* text.c — the first lines of a text file, escaped for the screen. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "sample.h"
#include "text.h"
#include "util.h"

/* One line (no newline) into b: printable UTF-8 as is, the rest escaped. */
static void
escape_line(struct buf *b, const char *p, size_t n)
{
	size_t i = 0, col = 0;

	while (i < n) {
		unsigned char c = (unsigned char)p[i];
		gunichar u;
		const char *next;

		if (c == '\t') {
			do
				buf_addc(b, ' ');
			while (++col % 8 != 0);
			i++;
			continue;
		}
		if (c == '\r' && i + 1 == n) {
			i++;
			continue;
		}
		u = g_utf8_get_char_validated(p + i, (gssize)(n - i));
		if (u == (gunichar)-1 || u == (gunichar)-2 || u == 0 ||
		    g_unichar_iscntrl(u)) {
			/* One byte at a time, so a bad sequence costs only itself. */
			buf_addf(b, "\\x%02x", c);
			col += 4;
			i++;
			continue;
		}
		next = g_utf8_next_char(p + i);
		buf_add(b, p + i, (size_t)(next - (p + i)));
		i = (size_t)(next - p);
		col++;
	}
	buf_str(b);
}

void
text_head_mem(const char *data, size_t len, uint64_t file_size, size_t max_lines,
    struct text_head *out)
{
	size_t start = 0, cap = 0;

	memset(out, 0, sizeof out[0]);
	out->file_size = file_size;
	while (start < len && out->nlines < max_lines) {
		const char *nl = memchr(data + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - data) : len;
		struct buf b = { 0 };

		escape_line(&b, data + start, end - start);
		out->lines = xgrow(out->lines, &cap, out->nlines + 1, sizeof *out->lines);
		out->lines[out->nlines++] = b.data;
		start = nl ? end + 1 : len;
	}
	out->more = start < len || file_size > len;
}

int
text_head_at(int dirfd, const char *path, size_t max_lines, size_t max_bytes,
    struct text_head *out, char **cause)
{
	struct stat st;
	char *data;
	ssize_t n;
	size_t got = 0;
	int fd;

	memset(out, 0, sizeof *out);
	if ((fd = sample_open(dirfd, path, &st, cause)) < 0)
		return -1;
	data = xmalloc(max_bytes + 1);
	while (got < max_bytes) {
		n = read(fd, data + got, max_bytes - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			set_cause(cause, "cannot read: %s", strerror(errno));
			free(data);
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	text_head_mem(data, got, (uint64_t)st.st_size, max_lines, out);
	free(data);
	return 0;
}

void
text_head_clear(struct text_head *t)
{
	size_t i;
	for (i = 0; i < t->nlines; i++)
		free(t->lines[i]);
	free(t->lines);
	memset(t, 0, sizeof *t);
}
