/* apply.c — carry out a journal's decisions: plan the steps, check every
 * file's sha256, write the record, then move (apply.h). The plan's own
 * helpers, records, the text files that name paths, and undo have files
 * of their own (apply-private.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply-private.h"
#include "hash.h"
#include "settings.h"

/* apply.h: the tests' hook before each rename. */
void (*apply_before_rename)(const char *from);

/* ---- small helpers ---- */

/* Does a name exist beneath base (not following a last link)? */
static int
exists_at(struct plan *p, enum base base, const char *path, struct stat *st)
{
	char *dir = path_dir(path);
	int fd = plan_dir_fd(p, base, dir), r;
	free(dir);
	if (fd < 0)
		return 0;
	r = fstatat(fd, path_base(path), st, AT_SYMLINK_NOFOLLOW) == 0;
	return r;
}

/* Lookups of names in one folder after which it is listed instead. */
#define LIST_AFTER 32

/* The names in a folder beneath base, as a set; NULL when it cannot be
 * read. */
static GHashTable *
list_dir(struct plan *p, enum base base, const char *dir)
{
	int fd = plan_dir_fd(p, base, dir), dfd;
	GHashTable *names;
	struct dirent *de;
	DIR *d;

	if (fd < 0 || (dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return NULL;
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return NULL;
	}
	names = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
	while ((de = readdir(d)) != NULL)
		g_hash_table_add(names, xstrdup(de->d_name));
	closedir(d);
	return names;
}

/* exists_at for the names a plan's files would take: a folder many of them
 * go to is listed once rather than asked for each name (a lookup of a name
 * that is not there costs a search of the folder every time). */
static int
name_exists(struct plan *p, enum base base, const char *path, struct stat *st)
{
	char *dir = path_dir(path), *key = plan_key(base, dir);
	GHashTable *names = g_hash_table_lookup(p->listings, key);
	int absent;

	if (names == NULL) {
		unsigned n = GPOINTER_TO_UINT(g_hash_table_lookup(p->lookups, key)) + 1;
		if (n > LIST_AFTER && (names = list_dir(p, base, dir)) != NULL) {
			g_hash_table_insert(p->listings, key, names);
			key = NULL;
		} else {
			g_hash_table_insert(p->lookups, key, GUINT_TO_POINTER(n));
			key = NULL;
		}
	}
	absent = names != NULL && !g_hash_table_contains(names, path_base(path));
	free(key);
	free(dir);
	/* A name that is there is looked at for what it is. */
	return absent ? 0 : exists_at(p, base, path, st);
}

/* ---- planning ---- */

/* What a file's hash says of a decision on it: 0 when the file is there
 * with the content decided on; else the conflict (or, for a file an earlier
 * apply moved, "already applied") is reported and counted, and -1 returned. */
static int
hash_verdict(struct plan *p, enum layout layout, const char *path, int err,
    const char *sha, const char *decided)
{
	if (err == ENOENT) {
		const char *was = g_hash_table_lookup(p->applied, path);
		if (layout == LAYOUT_FOLDERS && was && strcmp(was, decided) == 0)
			p->res->already++;
		else
			plan_conflict(p, path, "missing");
		return -1;
	}
	if (err == EXDEV || err == ELOOP) {
		plan_conflict(p, path, "refused: it leads out of the dataset");
		return -1;
	}
	if (err != 0) {
		plan_conflict(p, path, "%s", err == EINVAL ? "refused: not a regular file" :
		    err == EISDIR ? "refused: a folder" : strerror(err));
		return -1;
	}
	if (strcmp(sha, decided) != 0) {
		plan_conflict(p, path, "its content changed since the decision (sha256 %.12s…, "
		    "was %.12s…)", sha, decided);
		return -1;
	}
	return 0;
}

/* Is the name taken, by a planned step or on disk? When it is taken on disk
 * by the same content, *same is set. */
static int
taken(struct plan *p, enum base base, const char *path, const char *sha, int *same)
{
	char *key = plan_key(base, path), other[65];
	struct stat st;
	int fd, r = g_hash_table_contains(p->taken, key);
	free(key);
	if (r)
		return 1;
	if (!name_exists(p, base, path, &st))
		return 0;
	if (S_ISREG(st.st_mode) && sha != NULL) {
		fd = base == BASE_ROOT ? p->rootfd : p->trashfd;
		if (sha256_file(fd, path, other) == 0 && strcmp(other, sha) == 0)
			*same = 1;
	}
	return 1;
}

/* The next name to try after `name`: Speech Commands' <hash>_nohash_N.ext
 * counts N up; anything else becomes stem~N.ext. */
static char *
next_name(const char *name, unsigned n)
{
	const char *tag = strstr(name, "_nohash_"), *dot = strrchr(name, '.');
	if (dot == name)
		dot = NULL;
	if (tag != NULL) {
		const char *d = tag + 8, *e = d;
		while (*e >= '0' && *e <= '9')
			e++;
		if (e > d && (*e == '\0' || e == dot))
			return xasprintf("%.*s%lu%s", (int)(d - name), name,
			    strtoul(d, NULL, 10) + n, e);
	}
	if (dot != NULL)
		return xasprintf("%.*s~%u%s", (int)(dot - name), name, n, dot);
	return xasprintf("%s~%u", name, n);
}

/* Plan the folders a target needs. Returns 0, or -1 (conflict reported)
 * when a part of it is a link or not a folder. */
static int
plan_dirs(struct plan *p, enum base base, const char *dir, const char *sample)
{
	char *part = xstrdup(dir), *s = part;
	struct stat st;
	int r = 0;

	if (*dir == '\0') {
		free(part);
		return 0;
	}
	for (;;) {
		char *slash = strchr(s, '/'), *key;
		if (slash)
			*slash = '\0';
		key = plan_key(base, part);
		if (!g_hash_table_contains(p->taken, key)) {
			if (exists_at(p, base, part, &st)) {
				if (!S_ISDIR(st.st_mode)) {
					struct buf b = { 0 };
					plan_conflict(p, sample, "the target folder %s is %s", escaped_name(&b, part),
					    S_ISLNK(st.st_mode) ? "a link" : "not a folder");
					buf_free(&b);
					free(key);
					r = -1;
					break;
				}
				/* A folder there: its name is taken, as by a planned
				 * one, and not looked up again for the next file. */
				g_hash_table_add(p->taken, xstrdup(key));
			} else {
				struct step *st2 = plan_add_step(p, STEP_MKDIR);
				st2->base = (uint8_t)base;
				st2->to = xstrdup(part);
				g_hash_table_add(p->taken, xstrdup(key));
			}
		}
		free(key);
		if (slash == NULL)
			break;
		*slash = '/';
		s = slash + 1;
	}
	free(part);
	return r;
}

/* Plan moving `path` to dir/name beneath base, with the next free name when
 * that one is taken. Returns 0, or -1 when it is a conflict (reported). */
static int
plan_move(struct plan *p, const struct journal_entry *e, const char *path,
    const char *sha, enum base base, const char *dir, const char *name)
{
	size_t ndirs = p->n;
	char *target = *dir ? xasprintf("%s/%s", dir, name) : xstrdup(name);
	char *first = xstrdup(target), *cand;
	unsigned n;
	int same = 0;
	struct step *s;

	if (plan_dirs(p, base, dir, path) != 0) {
		free(target);
		free(first);
		return -1;
	}
	for (n = 1; taken(p, base, target, sha, &same); n++) {
		if (same || n > 100000) {
			struct buf b = { 0 };
			if (same)
				plan_conflict(p, path, "the same content is already at %s",
				    escaped_name(&b, target));
			else
				plan_conflict(p, path, "no free name near %s", escaped_name(&b, first));
			buf_free(&b);
			/* Keep no folder planned for this file alone. */
			while (p->n > ndirs) {
				struct step *d = &p->steps[--p->n];
				char *key = plan_key((enum base)d->base, d->to);
				g_hash_table_remove(p->taken, key);
				free(key);
				step_free(d);
			}
			free(target);
			free(first);
			return -1;
		}
		cand = next_name(name, n);
		free(target);
		target = *dir ? xasprintf("%s/%s", dir, cand) : xstrdup(cand);
		free(cand);
	}
	s = plan_add_step(p, base == BASE_ROOT ? STEP_MOVE : STEP_TRASH);
	s->id = e->id;
	s->from = xstrdup(path);
	s->to = target;
	snprintf(s->sha256, sizeof s->sha256, "%s", sha);
	if (strcmp(first, target) != 0)
		s->renamed = xasprintf("%s is taken", first);
	g_hash_table_add(p->taken, plan_key(base, target));
	free(first);
	return 0;
}

/* Where a relabel moves a file: its label folder replaced by `to`, the
 * split folder and anything below the label kept. Caller frees *dir. */
static void
relabel_target(const char *path, const char *to, char **dir)
{
	const char *slash = strchr(path, '/'), *rest;
	char *first = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(path);
	struct buf b = { 0 };

	rest = slash ? slash + 1 : "";
	if (is_split_folder(first) && strchr(rest, '/') != NULL) {
		buf_adds(&b, first);
		buf_addc(&b, '/');
		slash = strchr(rest, '/');
		rest = slash + 1;
	}
	buf_adds(&b, to);
	/* Folders below the label stay as they were. */
	slash = strrchr(rest, '/');
	if (slash) {
		buf_addc(&b, '/');
		buf_add(&b, rest, (size_t)(slash - rest));
	}
	*dir = xstrdup(buf_str(&b));
	buf_free(&b);
	free(first);
}

/* ---- carrying out ---- */

/* Make and open this apply's trash folder: its parents as needed, itself
 * new (the plan took it to be empty). */
static int
open_trash(struct plan *p, char **cause)
{
	char *s, *path;
	if (p->trashfd >= 0)
		return 0;
	path = xstrdup(p->trash);
	for (s = path + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(path, 0777) != 0 && (errno != EEXIST || c == '\0')) {
				set_cause(cause, "%s: %s", path, strerror(errno));
				free(path);
				return -1;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(path);
	if ((p->trashfd = open(p->trash, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		set_cause(cause, "%s: %s", p->trash, strerror(errno));
		return -1;
	}
	return 0;
}

static void
print_step(struct plan *p, const struct step *s, const char *verb_prefix)
{
	struct buf a = { 0 }, b = { 0 };
	FILE *out = p->o->out;
	switch (s->op) {
	case STEP_MKDIR:
		if (s->base == BASE_TRASH)
			fprintf(out, "%smkdir %s/%s\n", verb_prefix, p->trash, escaped_name(&a, s->to));
		else
			fprintf(out, "%smkdir %s\n", verb_prefix, escaped_name(&a, s->to));
		break;
	case STEP_MOVE:
		fprintf(out, "%smove %s -> ", verb_prefix, escaped_name(&a, s->from));
		fprintf(out, "%s", escaped_name(&b, s->to));
		if (s->renamed)
			fprintf(out, " (%s)", escaped_name(&a, s->renamed));
		fputc('\n', out);
		break;
	case STEP_TRASH:
		fprintf(out, "%strash %s -> ", verb_prefix, escaped_name(&a, s->from));
		fprintf(out, "%s/%s\n", p->trash, escaped_name(&b, s->to));
		break;
	case STEP_REWRITE:
		fprintf(out, "%srewrite %s (the old one kept as ", verb_prefix,
		    escaped_name(&a, s->from));
		fprintf(out, "%s)\n", escaped_name(&b, s->to));
		break;
	}
	buf_free(&a);
	buf_free(&b);
}

static int
execute(struct plan *p, char **cause)
{
	GHashTable *touched = g_hash_table_new(g_direct_hash, g_direct_equal);
	struct buf failed = { 0 }, e = { 0 };
	size_t i;
	int ret = 0;

	for (i = 0; i < p->n; i++) {
		struct step *s = &p->steps[i];
		char *fdir, *tdir;
		int ffd, tfd;

		plan_progress(p, "applying", i, p->n);
		switch (s->op) {
		case STEP_MKDIR: {
			enum base base = (enum base)s->base;
			char *dir = path_dir(s->to);
			if (base == BASE_TRASH && open_trash(p, cause) != 0) {
				free(dir);
				ret = -1;
				goto out;
			}
			tfd = plan_dir_fd(p, base, dir);
			free(dir);
			if (tfd < 0 || mkdirat(tfd, path_base(s->to), 0777) != 0) {
				set_cause(cause, "cannot make the folder %s: %s", escaped_name(&e, s->to),
				    strerror(errno));
				s->failed = 1;
				ret = -1;
				goto out;
			}
			touch_dir(touched, tfd);
			p->res->mkdirs++;
			break;
		}
		case STEP_MOVE:
		case STEP_TRASH:
			if (s->op == STEP_TRASH && open_trash(p, cause) != 0) {
				ret = -1;
				goto out;
			}
			fdir = path_dir(s->from);
			tdir = path_dir(s->to);
			ffd = plan_dir_fd(p, BASE_ROOT, fdir);
			tfd = plan_dir_fd(p, s->op == STEP_MOVE ? BASE_ROOT : BASE_TRASH, tdir);
			free(fdir);
			free(tdir);
			if (s->pending) {
				size_t k = s->pending - 1;
				hash_ahead_wait(p->ahead, k);
				if (hash_verdict(p, LAYOUT_FOLDERS, s->from, p->hash_err[k],
				    p->hash_sha[k], s->sha256) != 0) {
					s->failed = 1;
					buf_addf(&failed, "%s%zu", failed.len ? " " : "", i + 1);
					break;
				}
				s->ident = p->hash_ids[k];
			}
			if (apply_before_rename != NULL)
				apply_before_rename(s->from);
			if (ffd >= 0 && !apply_ident_same(ffd, path_base(s->from), &s->ident)) {
				plan_conflict(p, s->from, "it changed after its sha256 was checked; left there");
				s->failed = 1;
				buf_addf(&failed, "%s%zu", failed.len ? " " : "", i + 1);
				break;
			}
			if (ffd < 0 || tfd < 0 ||
			    rename_noreplace(ffd, path_base(s->from), tfd, path_base(s->to)) != 0) {
				/* Something changed the tree since the plan: skip it. */
				plan_conflict(p, s->from, "cannot move it: %s", strerror(errno));
				s->failed = 1;
				buf_addf(&failed, "%s%zu", failed.len ? " " : "", i + 1);
				break;
			}
			touch_dir(touched, ffd);
			touch_dir(touched, tfd);
			if (s->op == STEP_MOVE)
				p->res->moved++;
			else
				p->res->trashed++;
			break;
		case STEP_REWRITE:
			if (do_rewrite(p, s, cause) != 0) {
				s->failed = 1;
				ret = -1;
				goto out;
			}
			p->res->rewritten++;
			break;
		}
	}
out:
	plan_progress(p, "applying", p->n, p->n);
	/* The renames are durable once their folders are. */
	fsync_dirs(touched);
	if (ret != 0)
		for (; i < p->n; i++)
			buf_addf(&failed, "%s%zu", failed.len ? " " : "", i + 1);
	if (append_record(p->res->record, "done", failed.len ? buf_str(&failed) : NULL) != 0 &&
	    ret == 0) {
		set_cause(cause, "%s: %s", p->res->record, strerror(errno));
		ret = -1;
	}
	g_hash_table_destroy(touched);
	buf_free(&failed);
	buf_free(&e);
	return ret;
}

/* The folder the trash folders of applies go in: --trash DIR, else (when
 * config is set) the configuration's `trash:` (README.md, "Configuration"),
 * else ROOT/.winnow/trash. DIR must be on the dataset's file system (a
 * rename cannot cross file systems, and copying is not moving). Caller
 * frees. */
static char *
trash_folder(const struct dataset *ds, const char *option, int config, char **cause)
{
	const struct setting *s = option || !config ? NULL : settings_find("", "trash");
	const char *dir = option ? option : s ? s->value : NULL;
	struct stat st, rst;
	char *real, *probe, *shown, *path = NULL;

	if (dir == NULL)
		return xasprintf("%s/.winnow/trash", strcmp(ds->root, "/") ? ds->root : "");
	/* Errors name where DIR was given: the option, or the file's line. */
	shown = option ? xasprintf("--trash %s", dir) :
	    xasprintf("%s:%d: trash: %s", settings_path(), s->line, dir);
	/* DIR may not exist yet (it is made when used): look at its parent. */
	probe = xstrdup(dir);
	while ((real = realpath(probe, NULL)) == NULL && errno == ENOENT) {
		char *slash = strrchr(probe, '/');
		if (slash == NULL)
			snprintf(probe, 2, ".");
		else if (slash == probe)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	free(probe);
	if (real == NULL || stat(real, &st) != 0 || fstat(ds->rootfd, &rst) != 0) {
		set_cause(cause, "%s: %s", shown, strerror(errno));
		free(real);
		goto out;
	}
	free(real);
	if (st.st_dev != rst.st_dev) {
		set_cause(cause, "%s: on another file system than the dataset; files "
		    "would have to be copied, not moved: choose a folder on the dataset's "
		    "file system", shown);
		goto out;
	}
	if (*dir == '/') {
		path = xstrdup(dir);
	} else {
		char cwd[PATH_MAX];
		if (getcwd(cwd, sizeof cwd) == NULL)
			set_cause(cause, "%s: %s", shown, strerror(errno));
		else
			path = xasprintf("%s/%s", cwd, dir);
	}
out:
	free(shown);
	return path;
}

static void
summary(struct plan *p)
{
	struct apply_result *r = p->res;
	FILE *out = p->o->out;
	fprintf(out, p->o->dry_run ? "would move %zu, trash %zu, rewrite %zu files" :
	    "moved %zu, trashed %zu, rewrote %zu files", r->moved, r->trashed, r->rewritten);
	fprintf(out, "; %zu already applied, %zu accepted or flagged (nothing to do); "
	    "%zu conflict%s\n", r->already, r->kept, r->conflicts,
	    r->conflicts == 1 ? "" : "s");
}

int
apply_journal(const struct journal *j, struct dataset *ds, const struct apply_options *o,
    struct apply_result *res, char **cause)
{
	const struct journal_entry **list;
	struct plan p;
	GHashTable *changes = NULL;
	size_t n, i, k = 0;
	int *fds = NULL, *err = NULL, ret = -1, lockfd = -1, lock_errno = 0, ahead;
	char **paths, (*sha)[65], *trash = NULL;
	struct apply_ident *ids;
	struct buf b = { 0 };

	memset(res, 0, sizeof *res);
	plan_init(&p, o, res);
	p.rootfd = ds->rootfd;
	if (o->trash != NULL && ds->layout == LAYOUT_MANIFEST) {
		set_cause(cause, "--trash: a manifest's deletes move no file (the row goes); "
		    "there is no trash");
		goto out;
	}
	/* A manifest's deletes move no file: the configuration's trash is
	 * not asked for there (and --trash is refused above). */
	if ((trash = trash_folder(ds, o->trash, ds->layout == LAYOUT_FOLDERS, cause)) == NULL)
		goto out;
	if (!o->dry_run) {
		if ((lockfd = lock_dataset(ds->rootfd, ds->root, cause)) == -2)
			goto out;
		lock_errno = errno;
	}
	/* A stamp no record and no trash folder has yet. Every part is of
	 * fixed width and the sequence always there, so that the names' byte
	 * order (ls) is their time order: "-" sorts before ".", so an optional
	 * suffix would list STAMP-2.yaml before STAMP.yaml. */
	{
		char when[28];
		memcpy(when, p.stamp, sizeof when);
		when[sizeof when - 1] = '\0';
		for (k = 1; ; k++) {
			char *rec, *t;
			int free_name;
			if (k > 99) {
				set_cause(cause, "%s/.winnow/applied: no free record name at %s",
				    ds->root, when);
				goto out;
			}
			snprintf(p.stamp, sizeof p.stamp, "%s-%02u", when, (unsigned)k % 100u);
			rec = xasprintf(".winnow/applied/%s.yaml", p.stamp);
			t = xasprintf("%s/%s", trash, p.stamp);
			free_name = faccessat(ds->rootfd, rec, F_OK, AT_SYMLINK_NOFOLLOW) != 0 &&
			    access(t, F_OK) != 0;
			free(rec);
			if (free_name) {
				p.trash = t;
				break;
			}
			free(t);
		}
	}
	k = 0;
	load_applied(&p);

	n = journal_standing_all(j, &list);
	fds = xmalloc((n ? n : 1) * sizeof *fds);
	err = xcalloc(n ? n : 1, sizeof *err);
	paths = xcalloc(n ? n : 1, sizeof *paths);
	sha = xmalloc((n ? n : 1) * sizeof *sha);
	ids = xmalloc((n ? n : 1) * sizeof *ids);
	for (i = 0; i < n; i++) {
		fds[i] = ds->rootfd;
		if (list[i]->op == JOP_RELABEL || list[i]->op == JOP_DELETE)
			paths[i] = (char *)journal_str(j, list[i]->path);
		else
			res->kept++;
	}
	/* The files are hashed on all cores from now on. In a folder tree the
	 * renames follow the hashing closely (no split list to rewrite after
	 * them, whose new content depends on which files moved): a file's
	 * step is planned, and the record written, before its hash is known;
	 * the hash is checked, and the file's identity again, just before
	 * its rename, and a file that fails is a conflict and a failed step.
	 * Elsewhere, and in a dry run, each decision waits for its file. */
	p.ahead = hash_ahead(&p, fds, paths, n, sha, ids, err);
	p.hash_err = err;
	p.hash_sha = (const char (*)[65])sha;
	p.hash_ids = ids;
	ahead = !o->dry_run && ds->layout == LAYOUT_FOLDERS &&
	    faccessat(ds->rootfd, "validation_list.txt", F_OK, AT_SYMLINK_NOFOLLOW) != 0 &&
	    faccessat(ds->rootfd, "testing_list.txt", F_OK, AT_SYMLINK_NOFOLLOW) != 0;

	if (ds->layout == LAYOUT_MANIFEST)
		changes = g_hash_table_new(g_str_hash, g_str_equal);
	for (i = 0; i < n; i++) {
		const struct journal_entry *e = list[i];
		const char *path = paths[i], *label = journal_str(j, e->label);
		const char *to = journal_str(j, e->to);
		size_t deferred = 0;
		int planned;
		long s;

		if (path == NULL)
			continue;
		s = dataset_find(ds, path);
		if (ds->layout == LAYOUT_MANIFEST) {
			const char *now = s >= 0 ? dataset_label_name(ds, ds->samples[s].label) : NULL;
			if (s < 0 && e->op == JOP_DELETE) {
				res->already++;
				continue;
			}
			if (s < 0) {
				plan_conflict(&p, path, "not in the manifest");
				continue;
			}
			if (e->op == JOP_RELABEL && strcmp(now, to) == 0) {
				res->already++;
				continue;
			}
			if (strcmp(now, label) != 0) {
				plan_conflict(&p, path, "labelled %s in the manifest now, %s when decided",
				    escaped_name(&b, now), label);
				continue;
			}
		}
		/* A file of the dataset, under the label decided on, that is to
		 * move: its step is planned now and its hash checked just before
		 * its rename, while the files after it are still being hashed. */
		if (ahead && s >= 0 && strcmp(dataset_label_name(ds, ds->samples[s].label),
		    label) == 0 && (e->op == JOP_DELETE || strcmp(label, to) != 0)) {
			deferred = i + 1;
			goto plan_step;
		}
		hash_ahead_wait(p.ahead, i);
		if (hash_verdict(&p, ds->layout, path, err[i], sha[i], e->sha256) != 0)
			continue;
		if (ds->layout == LAYOUT_MANIFEST) {
			g_hash_table_insert(changes, (char *)path,
			    (char *)(e->op == JOP_RELABEL ? to : ""));
			continue;
		}
		if (s < 0) {
			plan_conflict(&p, path, "refused: not a sample of the dataset");
			continue;
		}
		if (strcmp(dataset_label_name(ds, ds->samples[s].label), label) != 0) {
			plan_conflict(&p, path, "its label is %s, the decision says %s",
			    escaped_name(&b, dataset_label_name(ds, ds->samples[s].label)), label);
			continue;
		}
		if (e->op == JOP_RELABEL && strcmp(label, to) == 0) {
			res->already++;
			continue;
		}
plan_step:
		if (e->op == JOP_RELABEL) {
			char *dir;
			relabel_target(path, to, &dir);
			planned = plan_move(&p, e, path, e->sha256, BASE_ROOT, dir, path_base(path));
			free(dir);
		} else {
			/* The trash folder is new (made when the first file goes
			 * there): only the plan itself takes names in it. */
			char *dir = path_dir(path);
			planned = plan_move(&p, e, path, e->sha256, BASE_TRASH, dir, path_base(path));
			free(dir);
		}
		if (planned == 0 && deferred)
			p.steps[p.n - 1].pending = deferred;
		else if (planned == 0)
			p.steps[p.n - 1].ident = ids[i];
	}
	if (ds->layout == LAYOUT_MANIFEST) {
		if (plan_manifest(&p, ds, changes, cause) != 0)
			goto free_lists;
	} else if (plan_split_lists(&p, cause) != 0) {
		goto free_lists;
	}

	if (o->dry_run) {
		for (k = 0; k < p.n; k++) {
			print_step(&p, &p.steps[k], "");
			switch (p.steps[k].op) {
			case STEP_MOVE: res->moved++; break;
			case STEP_TRASH: res->trashed++; break;
			case STEP_REWRITE: res->rewritten++; break;
			case STEP_MKDIR: res->mkdirs++; break;
			}
		}
		summary(&p);
		ret = 0;
		goto free_lists;
	}
	if (p.n == 0) {
		summary(&p);
		ret = 0;
		goto free_lists;
	}
	if (lockfd < 0) {
		/* .winnow could not be made: the dataset is read-only. */
		set_cause(cause, "%s: cannot write in the dataset (%s); `winnow export "
		    "--manifest` writes the cleaned dataset without changing it", ds->root,
		    strerror(lock_errno));
		goto free_lists;
	}
	if (write_record(&p, j, ds, cause) != 0)
		goto free_lists;
	ret = execute(&p, cause);
	summary(&p);
	fprintf(o->out, "record: %s\n", res->record);
free_lists:
	hash_ahead_end(p.ahead);
	p.ahead = NULL;
	free(list);
	free(fds);
	free(err);
	free(paths);
	free(sha);
	free(ids);
out:
	free(trash);
	if (changes)
		g_hash_table_destroy(changes);
	if (lockfd >= 0)
		close(lockfd);
	buf_free(&b);
	/* The trash folder's descriptor is not the dataset's: keep rootfd open. */
	p.rootfd = -1;
	plan_free(&p);
	return ret;
}

void
apply_result_free(struct apply_result *res)
{
	free(res->record);
	res->record = NULL;
}
