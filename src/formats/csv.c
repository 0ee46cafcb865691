/* csv.c — CSV/TSV rows split in place over one buffer. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "csv.h"
#include "util.h"

static inline void
csv_push(struct csv *c, char *f)
{
	if (c->nfield == c->capfield)
		c->field = xgrow(c->field, &c->capfield, c->nfield + 1, sizeof *c->field);
	c->field[c->nfield++] = f;
}

/* Split the row starting at c->pos. Returns 1, 0 at end, -1 malformed. */
static int
csv_row(struct csv *c, char **cause)
{
	char *p, *end = c->data + c->len, *out, *start;

	c->nfield = 0;
	for (;;) {
		if (c->pos >= c->len)
			return 0;
		c->line++;
		p = c->data + c->pos;
		/* A lone CR at the end is a CRLF file cut between its two bytes. */
		if (*p == '\n' || (*p == '\r' && (p + 1 == end || p[1] == '\n'))) {
			c->pos += *p == '\r' && p + 1 < end ? 2 : 1;
			continue;       /* blank line */
		}
		break;
	}

	for (;;) {
		/* After a delimiter that was the last byte, p is end: what lies
		 * there is the next chunk's bytes, or nothing read at all. */
		if (p < end && *p == '"') {
			/* Quoted field: unescape "" in place. */
			out = start = ++p;
			for (;;) {
				if (p >= end || *p == '\n') {
					char *nl = memchr(p, '\n', (size_t)(end - p));
					c->pos = nl ? (size_t)(nl - c->data) + 1 : c->len;
					set_cause(cause, "line %zu: unterminated quoted field", c->line);
					return -1;
				}
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"') {
						*out++ = '"';
						p += 2;
						continue;
					}
					p++;
					break;
				}
				*out++ = *p++;
			}
			/* Anything between the closing quote and the delimiter is kept. */
			while (p < end && *p != c->delim && *p != '\n' && *p != '\r')
				*out++ = *p++;
			if (p < end && *p == '\r' && (p + 1 >= end || p[1] == '\n'))
				p++;
		} else {
			start = p;
			p = csv_field_end(p, end, c->delim);
			out = p;
			if (out > start && out[-1] == '\r' && (p >= end || *p == '\n'))
				out--;
		}
		csv_push(c, start);
		if (p >= end) {
			*out = '\0';        /* data has a spare NUL at data[len] */
			c->pos = c->len;
			return 1;
		}
		if (*p == '\n') {
			*out = '\0';
			c->pos = (size_t)(p - c->data) + 1;
			return 1;
		}
		*out = '\0';
		p++;            /* the delimiter */
	}
}

static int
csv_start(struct csv *c, char **cause)
{
	char *nl, *tab, *comma;
	size_t i;

	c->pos = 0;
	c->line = 0;
	/* Skip a UTF-8 byte order mark. */
	if (c->len >= 3 && memcmp(c->data, "\xef\xbb\xbf", 3) == 0)
		c->pos = 3;
	nl = memchr(c->data + c->pos, '\n', c->len - c->pos);
	if (nl == NULL)
		nl = c->data + c->len;
	tab = memchr(c->data + c->pos, '\t', (size_t)(nl - c->data - c->pos));
	comma = memchr(c->data + c->pos, ',', (size_t)(nl - c->data - c->pos));
	c->delim = tab ? '\t' : comma ? ',' : '\t';
	switch (csv_row(c, cause)) {
	case 0:
		set_cause(cause, "empty file: a header row is needed");
		return -1;
	case -1:
		return -1;
	}
	c->nheader = c->nfield;
	c->header = xcalloc(c->nheader, sizeof *c->header);
	for (i = 0; i < c->nheader; i++)
		c->header[i] = xstrdup(c->field[i]);
	return 0;
}

int
csv_open_buffer(struct csv *c, const char *data, size_t len, char **cause)
{
	memset(c, 0, sizeof *c);
	c->data = xmalloc(len + 1);
	memcpy(c->data, data, len);
	c->data[len] = '\0';
	c->len = len;
	if (csv_start(c, cause) != 0) {
		csv_close(c);
		return -1;
	}
	return 0;
}

/* The whole file in one buffer with a NUL after it, read straight into
 * place: a manifest can be tens of megabytes, and a copy through a bounce
 * buffer costs as much as the read. */
static char *
slurp(const char *path, size_t *len, char **cause)
{
	struct stat st;
	size_t cap, n = 0;
	ssize_t got;
	char *data;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		set_cause(cause, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
		set_cause(cause, "%s: %s", path, S_ISDIR(st.st_mode) ? "is a folder" :
		    strerror(errno));
		close(fd);
		return NULL;
	}
	/* room for the NUL, and for the read that finds the end */
	cap = st.st_size > 0 ? (size_t)st.st_size + 2 : 4096;
	data = xmalloc(cap);
	for (;;) {
		if (n + 1 >= cap)       /* the file grew while read */
			data = xrealloc(data, cap *= 2);
		got = read(fd, data + n, cap - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			set_cause(cause, "%s: %s", path, strerror(errno));
			free(data);
			close(fd);
			return NULL;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	data[n] = '\0';
	*len = n;
	return data;
}

int
csv_open(struct csv *c, const char *path, char **cause)
{
	char *why = NULL;
	memset(c, 0, sizeof *c);
	if ((c->data = slurp(path, &c->len, cause)) == NULL)
		return -1;
	if (csv_start(c, &why) != 0) {
		set_cause(cause, "%s: %s", path, why);
		free(why);
		csv_close(c);
		return -1;
	}
	return 0;
}

int
csv_next(struct csv *c, char **cause)
{
	return csv_row(c, cause);
}

int
csv_column(const struct csv *c, const char *name)
{
	size_t i;
	for (i = 0; i < c->nheader; i++)
		if (strcmp(c->header[i], name) == 0)
			return (int)i;
	for (i = 0; i < c->nheader; i++)
		if (g_ascii_strcasecmp(c->header[i], name) == 0)
			return (int)i;
	return -1;
}

void
csv_view(struct csv *c, char *data, size_t len, char delim, size_t line)
{
	c->data = data;
	c->len = len;
	c->pos = 0;
	c->delim = delim;
	c->line = line;
	c->nfield = 0;
	c->borrowed = 1;
}

void
csv_close(struct csv *c)
{
	size_t i;
	for (i = 0; i < c->nheader; i++)
		free(c->header[i]);
	free(c->header);
	free(c->field);
	if (!c->borrowed)
		free(c->data);
	memset(c, 0, sizeof *c);
}
