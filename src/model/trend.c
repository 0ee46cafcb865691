/* trend.c — trend.tsv: a row per complete predictions load. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trend.h"

void
trend_value(struct buf *b, double v)
{
	if (isnan(v))
		buf_addc(b, '-');
	else
		buf_addf(b, "%.4f", v);
}

static void
header(struct buf *b, const struct confusion *cm, char *const *labels)
{
	size_t k;

	buf_adds(b, "time\trows\taccuracy");
	for (k = 0; k < cm->n; k++) {
		buf_adds(b, "\trecall:");
		escape_name(b, labels[k]);
	}
	for (k = 0; k < cm->n; k++) {
		buf_adds(b, "\tprecision:");
		escape_name(b, labels[k]);
	}
	buf_addc(b, '\n');
}

/* Does the last header line of text (len bytes) equal want (with its
 * newline)? */
static int
last_header_is(const char *text, size_t len, const char *want, size_t want_len)
{
	const char *line = text, *end = text + len, *nl, *last = NULL;
	size_t last_len = 0;

	while (line < end) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (nl == NULL)
			break;  /* a torn last line is no header */
		if ((size_t)(end - line) > 5 && memcmp(line, "time\t", 5) == 0) {
			last = line;
			last_len = (size_t)(nl - line) + 1;
		}
		line = nl + 1;
	}
	return last != NULL && last_len == want_len && memcmp(last, want, want_len) == 0;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

char *
trend_path(const struct dataset *ds, int *fallback)
{
	return dataset_own_file(ds, TREND_FILE, "trend.tsv", fallback);
}

int
trend_append(const char *file, const struct confusion *cm, char *const *labels,
    size_t rows, char **cause)
{
	char *dir = xstrdup(file), *slash = strrchr(dir, '/');
	char *text = NULL, when[32];
	struct buf head = { 0 }, out = { 0 };
	size_t len = 0, k;
	int fd = -1, status = -1;

	header(&head, cm, labels);
	if (slash != NULL)
		*slash = '\0';
	if (slash != NULL && slash != dir && mkdir_p(dir, 0777) != 0) {
		set_cause(cause, "%s: %s", dir, strerror(errno));
		goto out;
	}
	if ((fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666)) < 0) {
		set_cause(cause, "%s: %s", file, strerror(errno));
		goto out;
	}
	if ((text = read_file(file, &len, cause)) == NULL)
		goto out;
	/* A row torn by a crash is ended, so that this one starts a line. */
	if (len > 0 && text[len - 1] != '\n')
		buf_addc(&out, '\n');
	if (!last_header_is(text, len, head.data, head.len))
		buf_add(&out, head.data, head.len);
	utc_now(when, sizeof when);
	buf_addf(&out, "%s\t%zu\t", when, rows);
	trend_value(&out, confusion_accuracy(cm));
	for (k = 0; k < cm->n; k++) {
		buf_addc(&out, '\t');
		trend_value(&out, confusion_recall(cm, k));
	}
	for (k = 0; k < cm->n; k++) {
		buf_addc(&out, '\t');
		trend_value(&out, confusion_precision(cm, k));
	}
	buf_addc(&out, '\n');
	/* One write, so that a reader never sees half a row, and neither does
	 * a second winnow appending to the same file. */
	if (write_all(fd, out.data, out.len) != 0) {
		set_cause(cause, "%s: %s", file, strerror(errno));
		goto out;
	}
	status = 0;
out:
	if (fd >= 0 && close(fd) != 0 && status == 0) {
		set_cause(cause, "%s: %s", file, strerror(errno));
		status = -1;
	}
	free(text);
	buf_free(&head);
	buf_free(&out);
	free(dir);
	return status;
}
