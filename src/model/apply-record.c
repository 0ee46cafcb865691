/* apply-record.c — apply's records: written whole before anything moves,
 * closed when the apply or its undo is done, and read back by undo and by
 * the next apply (apply-private.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply-private.h"

static const char *const step_names[] = { "mkdir", "move", "trash", "rewrite" };

static void
write_step(struct yout *y, const struct step *s, size_t number)
{
	yout_doc_start(y);
	yout_uint(y, "step", number);
	yout_plain(y, "op", step_names[s->op]);
	switch (s->op) {
	case STEP_MKDIR:
		if (s->base == BASE_TRASH)
			yout_plain(y, "in", "trash");
		yout_string(y, "path", s->to);
		break;
	case STEP_MOVE:
	case STEP_TRASH:
		yout_uint(y, "id", s->id);
		yout_string(y, "from", s->from);
		yout_string(y, "to", s->to);
		yout_plain(y, "sha256", s->sha256);
		if (s->renamed)
			yout_string(y, "renamed", s->renamed);
		break;
	case STEP_REWRITE:
		yout_string(y, "file", s->from);
		yout_string(y, "kept", s->to);
		yout_plain(y, "sha256", s->sha256);
		yout_plain(y, "kept-sha256", s->kept_sha256);
		break;
	}
	yout_doc_end(y);
}

/* Create ROOT/.winnow/applied/STAMP-NN.yaml with the plan, fsync'd, before
 * anything moves. It is written under a hidden temporary name and renamed
 * into place whole: a failed write (a full disk) must not leave a torn
 * record that undo would then refuse, under a name that says it is one. */
int
write_record(struct plan *p, const struct journal *j, const struct dataset *ds,
    char **cause)
{
	struct buf b = { 0 };
	struct yout *y;
	char started[32], *name = NULL, *tmp = NULL;
	int dfd, fd;
	size_t k;

	if (mkdirat(p->rootfd, ".winnow", 0777) != 0 && errno != EEXIST)
		goto fail_errno;
	if (mkdirat(p->rootfd, ".winnow/applied", 0777) != 0 && errno != EEXIST)
		goto fail_errno;
	if ((dfd = openat(p->rootfd, ".winnow/applied", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) < 0)
		goto fail_errno;
	name = xasprintf("%s.yaml", p->stamp);
	tmp = xasprintf(".%s.tmp", name);
	if ((fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0) {
		set_cause(cause, "%s/.winnow/applied/%s: cannot write the record (%s); "
		    "nothing was moved", ds->root, name, strerror(errno));
		goto fail;
	}
	utc_now(started, sizeof started);
	y = yout_new(&b);
	yout_doc_start(y);
	yout_plain(y, "winnow-apply", "1");
	yout_string(y, "journal", j->file);
	yout_string(y, "dataset", ds->root);
	yout_plain(y, "layout", ds->layout == LAYOUT_FOLDERS ? "folders" : "manifest");
	if (ds->manifest)
		yout_string(y, "manifest", ds->manifest);
	yout_string(y, "trash", p->trash);
	yout_plain(y, "started", started);
	yout_doc_end(y);
	for (k = 0; k < p->n; k++)
		write_step(y, &p->steps[k], k + 1);
	yout_free(y);
	if (write_all(fd, b.data, b.len) != 0 || fsync(fd) != 0) {
		set_cause(cause, "%s/.winnow/applied/%s: cannot write the record (%s); "
		    "nothing was moved", ds->root, name, strerror(errno));
		close(fd);
		/* The partial record is this run's own, never a user's file. */
		unlinkat(dfd, tmp, 0);
		goto fail;
	}
	close(fd);
	if (rename_noreplace(dfd, tmp, dfd, name) != 0 || fsync(dfd) != 0) {
		set_cause(cause, "%s/.winnow/applied/%s: cannot put the record in place (%s); "
		    "nothing was moved", ds->root, name, strerror(errno));
		goto fail;
	}
	close(dfd);
	p->res->record = xasprintf("%s/.winnow/applied/%s", strcmp(ds->root, "/") ?
	    ds->root : "", name);
	free(name);
	free(tmp);
	buf_free(&b);
	return 0;
fail:
	close(dfd);
	free(name);
	free(tmp);
	buf_free(&b);
	return -1;
fail_errno:
	set_cause(cause, "%s/.winnow/applied: %s (a read-only dataset? `winnow export "
	    "--manifest` writes the cleaned dataset without changing it)", ds->root,
	    strerror(errno));
	free(name);
	free(tmp);
	return -1;
}

/* Append a closing document to a record. */
int
append_record(const char *record, const char *key, const char *failed)
{
	struct buf b = { 0 };
	struct yout *y;
	char now[32];
	int fd, r;

	utc_now(now, sizeof now);
	y = yout_new(&b);
	yout_doc_start(y);
	yout_plain(y, key, now);
	if (failed && *failed)
		yout_plain(y, "failed", failed);
	yout_doc_end(y);
	yout_free(y);
	if ((fd = open(record, O_WRONLY | O_APPEND | O_CLOEXEC)) < 0) {
		buf_free(&b);
		return -1;
	}
	r = write_all(fd, b.data, b.len) == 0 && fsync(fd) == 0 ? 0 : -1;
	close(fd);
	buf_free(&b);
	return r;
}

static int
read_record_doc(void *arg, const struct ydoc *d, char **why)
{
	struct record *r = arg;
	const char *v;
	struct step *s;
	size_t line;
	int op;

	if (r->ndocs++ == 0) {
		if ((v = ydoc_get(d, "winnow-apply", &line)) == NULL || strcmp(v, "1") != 0) {
			*why = xasprintf("%zu: not a winnow apply record", d->line);
			return -1;
		}
		if ((v = ydoc_get(d, "dataset", NULL)) == NULL || *v != '/') {
			*why = xasprintf("%zu: the record names no dataset", d->line);
			return -1;
		}
		r->dataset = xstrdup(v);
		if ((v = ydoc_get(d, "trash", NULL)) != NULL)
			r->trash = xstrdup(v);
		if ((v = ydoc_get(d, "journal", NULL)) != NULL)
			r->journal = xstrdup(v);
		v = ydoc_get(d, "layout", NULL);
		r->layout = v && strcmp(v, "manifest") == 0 ? LAYOUT_MANIFEST : LAYOUT_FOLDERS;
		return 0;
	}
	if (ydoc_get(d, "done", NULL)) {
		r->done = 1;
		if ((v = ydoc_get(d, "failed", NULL)) != NULL) {
			free(r->failed);
			r->failed = xasprintf(" %s ", v);
		}
		return 0;
	}
	if (ydoc_get(d, "undone", NULL)) {
		r->undone = 1;
		return 0;
	}
	if ((v = ydoc_get(d, "op", &line)) == NULL) {
		*why = xasprintf("%zu: a step without 'op'", d->line);
		return -1;
	}
	for (op = 0; op < (int)ARRAY_SIZE(step_names); op++)
		if (strcmp(step_names[op], v) == 0)
			break;
	if (op == (int)ARRAY_SIZE(step_names)) {
		*why = xasprintf("%zu: unknown step '%s'", line, v);
		return -1;
	}
	r->steps = xgrow(r->steps, &r->cap, r->n + 1, sizeof *r->steps);
	s = &r->steps[r->n++];
	memset(s, 0, sizeof *s);
	s->op = (uint8_t)op;
	switch (op) {
	case STEP_MKDIR:
		v = ydoc_get(d, "in", NULL);
		s->base = v && strcmp(v, "trash") == 0 ? BASE_TRASH : BASE_ROOT;
		if ((v = ydoc_get(d, "path", NULL)) == NULL || !path_is_clean(v))
			goto bad;
		s->to = xstrdup(v);
		break;
	case STEP_MOVE:
	case STEP_TRASH:
		if ((v = ydoc_get(d, "from", NULL)) == NULL || !path_is_clean(v))
			goto bad;
		s->from = xstrdup(v);
		if ((v = ydoc_get(d, "to", NULL)) == NULL || !path_is_clean(v))
			goto bad;
		s->to = xstrdup(v);
		if ((v = ydoc_get(d, "sha256", NULL)) == NULL || strlen(v) != 64)
			goto bad;
		snprintf(s->sha256, sizeof s->sha256, "%s", v);
		break;
	case STEP_REWRITE:
		if ((v = ydoc_get(d, "file", NULL)) == NULL || !path_is_clean(v))
			goto bad;
		s->from = xstrdup(v);
		/* The kept file is the rewritten one's NAME.before-STAMP, beside
		 * it: undo renames nothing else onto the file's name. */
		if ((v = ydoc_get(d, "kept", NULL)) == NULL || !path_is_clean(v) ||
		    strncmp(v, s->from, strlen(s->from)) != 0 ||
		    strncmp(v + strlen(s->from), ".before-", 8) != 0 ||
		    strchr(v + strlen(s->from), '/') != NULL)
			goto bad;
		s->to = xstrdup(v);
		if ((v = ydoc_get(d, "sha256", NULL)) == NULL || strlen(v) != 64)
			goto bad;
		snprintf(s->sha256, sizeof s->sha256, "%s", v);
		/* Records before the old content's sha256 was kept lack it. */
		if ((v = ydoc_get(d, "kept-sha256", NULL)) != NULL) {
			if (strlen(v) != 64)
				goto bad;
			s->kept_sha256 = xstrdup(v);
		}
		break;
	}
	return 0;
bad:
	*why = xasprintf("%zu: a %s step with a missing or unsafe path or sha256",
	    d->line, step_names[op]);
	return -1;
}

void
record_free(struct record *r)
{
	size_t i;
	for (i = 0; i < r->n; i++)
		step_free(&r->steps[i]);
	free(r->steps);
	free(r->dataset);
	free(r->trash);
	free(r->journal);
	free(r->failed);
	memset(r, 0, sizeof *r);
}

int
read_record(const char *file, struct record *r, char **cause)
{
	struct ydoc_tail tail;
	size_t len;
	char *data = read_file(file, &len, cause);
	int ret;

	memset(r, 0, sizeof *r);
	if (data == NULL)
		return -1;
	/* A torn last document (a crash while writing "done") loses only
	 * that: the steps were written and fsync'd before any was taken. */
	ret = ydoc_read(file, data, len, 1, read_record_doc, r, &tail, cause);
	free(tail.why);
	free(data);
	if (ret == 0 && r->ndocs == 0) {
		set_cause(cause, "%s: empty: not an apply record", file);
		ret = -1;
	}
	if (ret != 0)
		record_free(r);
	return ret;
}

int
step_failed(const struct record *r, size_t i)
{
	char tmp[32];
	if (r->failed == NULL)
		return 0;
	snprintf(tmp, sizeof tmp, " %zu ", i + 1);
	return strstr(r->failed, tmp) != NULL;
}

/* What earlier applies (not undone) moved: path -> sha256, so that applying
 * a journal again knows a missing file is one it moved. */
void
load_applied(struct plan *p)
{
	int fd = openat(p->rootfd, ".winnow/applied", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir;
	struct dirent *de;
	char proc[64];

	if (fd < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		struct record r;
		char *path, *cause = NULL;
		size_t i;
		if (de->d_name[0] == '.' || !has_suffix_ci(de->d_name, ".yaml"))
			continue;
		snprintf(proc, sizeof proc, "/proc/self/fd/%d/", dirfd(dir));
		path = xasprintf("%s%s", proc, de->d_name);
		if (read_record(path, &r, &cause) != 0) {
			free(cause);
			free(path);
			continue;
		}
		free(path);
		for (i = 0; i < r.n && !r.undone; i++)
			if ((r.steps[i].op == STEP_MOVE || r.steps[i].op == STEP_TRASH) &&
			    !step_failed(&r, i))
				g_hash_table_replace(p->applied, xstrdup(r.steps[i].from),
				    xstrdup(r.steps[i].sha256));
		record_free(&r);
	}
	closedir(dir);
}
