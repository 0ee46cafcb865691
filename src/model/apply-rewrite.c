/* apply-rewrite.c — the text files that name a dataset's paths, rewritten
 * to follow apply's moves: Speech Commands' split lists and a manifest
 * (apply-private.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply-private.h"
#include "csv.h"
#include "hash.h"

/* A field for a CSV line: quoted when it must be. */
static void
csv_field(struct buf *b, const char *s, char delim)
{
	if (strchr(s, delim) || strchr(s, '"') || strchr(s, '\n') || strchr(s, '\r') ||
	    (*s && (s[0] == ' ' || s[strlen(s) - 1] == ' '))) {
		buf_addc(b, '"');
		for (; *s; s++) {
			if (*s == '"')
				buf_addc(b, '"');
			buf_addc(b, *s);
		}
		buf_addc(b, '"');
	} else {
		buf_adds(b, s);
	}
}

/* Plan rewriting a file of ROOT, now `old`, with new content (the old one
 * kept as NAME.before-STAMP). */
static void
plan_rewrite(struct plan *p, const char *file, const char *old, size_t oldlen,
    struct buf *content)
{
	struct step *s = plan_add_step(p, STEP_REWRITE);

	s->from = xstrdup(file);
	s->to = xasprintf("%s.before-%s", file, p->stamp);
	s->len = content->len;
	s->content = content->data ? content->data : xstrdup("");
	memset(content, 0, sizeof *content);
	sha256_data(s->content, s->len, s->sha256);
	s->kept_sha256 = xmalloc(65);
	sha256_data(old, oldlen, s->kept_sha256);
}

static char *
read_at(int rootfd, const char *file, size_t *len, char **cause)
{
	char proc[64], *data;
	int fd = open_beneath(rootfd, file, O_RDONLY);
	if (fd < 0) {
		set_cause(cause, "%s: %s", file, strerror(errno));
		return NULL;
	}
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	data = read_file(proc, len, cause);
	close(fd);
	return data;
}

/* Speech Commands' split lists follow their files: moved paths renamed,
 * trashed ones dropped. */
int
plan_split_lists(struct plan *p, char **cause)
{
	static const char *const lists[] = { "validation_list.txt", "testing_list.txt" };
	GHashTable *moved = g_hash_table_new(g_str_hash, g_str_equal);
	size_t i, k;

	for (i = 0; i < p->n; i++)
		if (p->steps[i].op == STEP_MOVE || p->steps[i].op == STEP_TRASH)
			g_hash_table_insert(moved, p->steps[i].from, &p->steps[i]);
	for (k = 0; k < ARRAY_SIZE(lists) && g_hash_table_size(moved) > 0; k++) {
		struct buf out = { 0 };
		size_t len, off = 0, changed = 0;
		char *data;
		if (faccessat(p->rootfd, lists[k], F_OK, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if ((data = read_at(p->rootfd, lists[k], &len, cause)) == NULL) {
			g_hash_table_destroy(moved);
			return -1;
		}
		while (off < len) {
			const char *nl = memchr(data + off, '\n', len - off);
			size_t n = nl ? (size_t)(nl - data) - off : len - off, m = n;
			const struct step *s;
			char *line;
			if (m > 0 && data[off + m - 1] == '\r')
				m--;
			line = xstrndup(data + off, m);
			s = g_hash_table_lookup(moved, line);
			if (s == NULL) {
				buf_add(&out, data + off, n + (nl != NULL));
			} else {
				changed++;
				if (s->op == STEP_MOVE) {
					buf_adds(&out, s->to);
					buf_add(&out, data + off + m, n - m + (nl != NULL));
				}
			}
			free(line);
			off += n + (nl != NULL);
		}
		if (changed)
			plan_rewrite(p, lists[k], data, len, &out);
		buf_free(&out);
		free(data);
	}
	g_hash_table_destroy(moved);
	return 0;
}

/* A manifest's rows follow the decisions: relabelled rows get the new label
 * (escaped as winnow writes names, which the manifest's reader undoes),
 * deleted rows go. Other rows are copied byte for byte. */
int
plan_manifest(struct plan *p, struct dataset *ds, GHashTable *changes, char **cause)
{
	struct csv c;
	struct buf out = { 0 }, row = { 0 }, name = { 0 }, label = { 0 };
	size_t len, off = 0, line = 1, changed = 0;
	char *data, *why = NULL;
	int cpath, clabel, r;
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);

	if ((data = read_at(p->rootfd, ds->manifest, &len, cause)) == NULL) {
		g_hash_table_destroy(seen);
		return -1;
	}
	if (csv_open_buffer(&c, data, len, cause) != 0) {
		free(data);
		g_hash_table_destroy(seen);
		return -1;
	}
	cpath = csv_column(&c, "path");
	clabel = csv_column(&c, "label");
	while ((r = csv_next(&c, &why)) != 0) {
		const char *path, *to;
		size_t start, end, i;
		const char *nl;
		if (r < 0) {
			free(why);
			why = NULL;
			continue;
		}
		if ((size_t)cpath >= c.nfield || (size_t)clabel >= c.nfield)
			continue;
		/* The path as the dataset reads it, its escapes undone
		 * (README.md, "Manifest"): the journal names that. */
		name.len = 0;
		buf_adds(&name, c.field[cpath]);
		buf_str(&name);
		if (unescape_name(name.data) != 0)
			continue;
		path = name.data;
		while (path[0] == '.' && path[1] == '/')
			path += 2;
		if (!g_hash_table_contains(changes, path) || g_hash_table_contains(seen, path))
			continue;
		g_hash_table_add(seen, xstrdup(path));
		to = g_hash_table_lookup(changes, path);
		/* Copy the lines before this row, then this row changed. */
		for (; line < c.line && off < len; line++) {
			nl = memchr(data + off, '\n', len - off);
			end = nl ? (size_t)(nl - data) + 1 : len;
			buf_add(&out, data + off, end - off);
			off = end;
		}
		start = off;
		nl = memchr(data + off, '\n', len - off);
		end = nl ? (size_t)(nl - data) + 1 : len;
		off = end;
		line++;
		changed++;
		if (*to == '\0')
			continue;       /* deleted */
		row.len = 0;
		for (i = 0; i < c.nfield; i++) {
			if (i)
				buf_addc(&row, c.delim);
			csv_field(&row, i == (size_t)clabel ? escaped_name(&label, to) : c.field[i],
			    c.delim);
		}
		buf_add(&out, row.data, row.len);
		/* The row's own line ending. */
		if (end - start >= 2 && data[end - 2] == '\r')
			buf_adds(&out, "\r\n");
		else if (nl)
			buf_addc(&out, '\n');
	}
	buf_add(&out, data + off, len - off);
	if (changed)
		plan_rewrite(p, ds->manifest, data, len, &out);
	buf_free(&out);
	buf_free(&row);
	buf_free(&name);
	buf_free(&label);
	csv_close(&c);
	free(data);
	g_hash_table_destroy(seen);
	return 0;
}

int
do_rewrite(struct plan *p, struct step *s, char **cause)
{
	char *tmp = xasprintf(".%s.winnow-new-%ld", path_base(s->from), (long)getpid());
	char *dir = path_dir(s->from), *tmppath;
	int dfd = plan_dir_fd(p, BASE_ROOT, dir), fd;

	tmppath = *dir ? xasprintf("%s/%s", dir, tmp) : xstrdup(tmp);
	if (dfd < 0) {
		set_cause(cause, "%s: %s", s->from, strerror(errno));
		goto fail;
	}
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		set_cause(cause, "%s: %s", tmppath, strerror(errno));
		goto fail;
	}
	{
		/* The new file gets the old one's permissions. */
		struct stat st;
		if (fstatat(dfd, path_base(s->from), &st, 0) == 0)
			fchmod(fd, st.st_mode & 07777);
	}
	if (write_all(fd, s->content, s->len) != 0 || fsync(fd) != 0) {
		set_cause(cause, "%s: %s", tmppath, strerror(errno));
		close(fd);
		unlinkat(dfd, tmp, 0);
		goto fail;
	}
	close(fd);
	/* The old file stays, under its kept name: a second link to it, then
	 * the new one takes its name in one rename. */
	if (linkat(dfd, path_base(s->from), dfd, path_base(s->to), 0) != 0) {
		set_cause(cause, "%s: cannot keep the old file as %s: %s", s->from,
		    path_base(s->to), strerror(errno));
		unlinkat(dfd, tmp, 0);
		goto fail;
	}
	if (renameat(dfd, tmp, dfd, path_base(s->from)) != 0) {
		set_cause(cause, "%s: %s", s->from, strerror(errno));
		unlinkat(dfd, path_base(s->to), 0);
		unlinkat(dfd, tmp, 0);
		goto fail;
	}
	fsync_fd_dir(dfd);
	free(tmp);
	free(tmppath);
	free(dir);
	return 0;
fail:
	free(tmp);
	free(tmppath);
	free(dir);
	return -1;
}
