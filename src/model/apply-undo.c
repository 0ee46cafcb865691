/* apply-undo.c — `winnow apply --undo RECORD`: a record's steps replayed
 * backwards, under apply's rules (apply.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply-private.h"
#include "hash.h"
#include "settings.h"

/* The dataset a record belongs to: the folder whose .winnow/applied/ holds
 * it, wherever the record's `dataset:` says it was (the tree may have been
 * moved since, and a record is only a file anyone who could write there
 * could have written). Caller frees. */
static char *
record_root(const char *file, char **cause)
{
	char *real = realpath(file, NULL), *slash, *root = NULL;
	static const char tail[] = "/.winnow/applied";
	size_t n;

	if (real == NULL) {
		set_cause(cause, "%s: %s", file, strerror(errno));
		return NULL;
	}
	slash = strrchr(real, '/');
	*slash = '\0';
	n = strlen(real);
	if (n >= sizeof tail - 1 && strcmp(real + n - (sizeof tail - 1), tail) == 0) {
		real[n - (sizeof tail - 1)] = '\0';
		root = xstrdup(*real ? real : "/");
	} else {
		set_cause(cause, "%s: not in a dataset's .winnow/applied/ folder: undo acts "
		    "only on the dataset a record is kept in", file);
	}
	free(real);
	return root;
}

/* Open what `path` names beneath dirfd as a folder into *fd: 0 (with *fd
 * -1 when it is not there), or -1 with *cause when it leads out. */
static int
open_folder_beneath(int dirfd, const char *path, int *fd, const char *shown, char **cause)
{
	*fd = *path ? open_beneath(dirfd, path, O_RDONLY | O_DIRECTORY) :
	    fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (*fd >= 0 || errno == ENOENT)
		return 0;
	set_cause(cause, "%s: %s", shown, errno == EXDEV || errno == ELOOP ?
	    "refused: it leads out of the dataset" : strerror(errno));
	return -1;
}

/* Open the trash folder a record names, and the folder it is in: inside
 * the dataset, resolved beneath ROOT so that no link leads out, or directly
 * in `vouched`, the folder the person undoing names with --trash (as they
 * named it to apply). Anything else is refused: a record alone cannot send
 * undo to take files from elsewhere. */
static int
open_record_trash(struct plan *p, const struct record *r, const char *file,
    const char *vouched, int *parentfd, char **cause)
{
	size_t n = r->dataset ? strlen(r->dataset) : 0;
	char *dir;
	int ret;

	*parentfd = -1;
	if (r->trash == NULL)
		return 0;
	p->trash = xstrdup(r->trash);
	if (n > 0 && strncmp(r->trash, r->dataset, n) == 0 && r->trash[n] == '/') {
		const char *rel = r->trash + n + 1;
		if (!path_is_clean(rel)) {
			set_cause(cause, "%s: its trash folder %s is not a clean path", file, r->trash);
			return -1;
		}
		dir = path_dir(rel);
		ret = open_folder_beneath(p->rootfd, dir, parentfd, r->trash, cause);
		free(dir);
	} else if (vouched != NULL) {
		struct stat vst, pst;
		int pfd;
		dir = path_dir(r->trash);
		*parentfd = open(vouched, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		pfd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		ret = *parentfd >= 0 && pfd >= 0 && fstat(*parentfd, &vst) == 0 &&
		    fstat(pfd, &pst) == 0 && vst.st_dev == pst.st_dev &&
		    vst.st_ino == pst.st_ino ? 0 : -1;
		if (pfd >= 0)
			close(pfd);
		free(dir);
		if (ret != 0)
			set_cause(cause, "%s: its trash folder %s is not in --trash %s", file,
			    r->trash, vouched);
	} else {
		set_cause(cause, "%s: its trash folder %s is outside the dataset; undo takes "
		    "files from it only when you name its folder with --trash", file, r->trash);
		return -1;
	}
	if (ret != 0 || *parentfd < 0)
		return ret;
	return open_folder_beneath(*parentfd, path_base(r->trash), &p->trashfd, r->trash, cause);
}

/* The folder undo puts the applied version of a rewritten file in, made
 * when first needed: ROOT/.winnow/undone/RECORD/. It is never replaced,
 * only set aside, as apply keeps the old one. */
static int
undone_fd(struct plan *p, const char *file, int *fd)
{
	const char *name = path_base(file);
	char *rel, *dot;

	if (*fd >= 0)
		return *fd;
	rel = xasprintf(".winnow/undone/%s", name);
	if ((dot = strrchr(rel, '.')) != NULL && strcmp(dot, ".yaml") == 0)
		*dot = '\0';
	if (mkdirat(p->rootfd, ".winnow/undone", 0777) == 0 || errno == EEXIST) {
		int pfd = open_beneath(p->rootfd, ".winnow/undone", O_RDONLY | O_DIRECTORY);
		if (pfd >= 0) {
			if (mkdirat(pfd, path_base(rel), 0777) == 0 || errno == EEXIST)
				*fd = open_beneath(pfd, path_base(rel), O_RDONLY | O_DIRECTORY);
			close(pfd);
		}
	}
	free(rel);
	return *fd;
}

/* Undo a rewrite: the applied version (checked: sha256 and the file that was
 * hashed) goes aside into .winnow/undone/, then the kept original (checked
 * the same) takes its name back. Neither rename replaces anything. */
static void
undo_rewrite(struct plan *p, const struct step *s, const char *file, int err,
    const char *sha, const struct apply_ident *id, int *undonefd, GHashTable *touched)
{
	struct buf b = { 0 };
	struct stat st;
	struct apply_ident kid;
	char kept[65], *fdir = path_dir(s->from);
	int ffd = plan_dir_fd(p, BASE_ROOT, fdir), afd;

	free(fdir);
	if (ffd < 0 || fstatat(ffd, path_base(s->to), &st, AT_SYMLINK_NOFOLLOW) != 0) {
		/* The kept file is back in place already, or gone. */
		if (err == 0 && ffd >= 0 && strcmp(sha, s->sha256) != 0)
			goto out;
		plan_conflict(p, s->to, "missing: cannot restore %s", escaped_name(&b, s->from));
		goto out;
	}
	if (sha256_file_stat(p->rootfd, s->to, kept, &st) != 0) {
		plan_conflict(p, s->to, "%s", errno == EXDEV || errno == ELOOP ?
		    "refused: it leads out of the dataset" : strerror(errno));
		goto out;
	}
	apply_ident_of(&kid, &st);
	if (err == 0 && strcmp(sha, s->sha256) != 0) {
		if (strcmp(kept, sha) != 0)
			plan_conflict(p, s->from, "changed since apply; the old one is still %s",
			    escaped_name(&b, s->to));
		goto out;       /* else restored by hand */
	}
	if (err != 0 && err != ENOENT) {
		plan_conflict(p, s->from, "%s", err == EXDEV || err == ELOOP ?
		    "refused: it leads out of the dataset" : strerror(err));
		goto out;
	}
	if (s->kept_sha256 && strcmp(kept, s->kept_sha256) != 0) {
		plan_conflict(p, s->to, "its content changed since apply; left there");
		goto out;
	}
	if (p->o->dry_run) {
		fprintf(p->o->out, "restore %s (from ", escaped_name(&b, s->from));
		fprintf(p->o->out, "%s)\n", escaped_name(&b, s->to));
		p->res->rewritten++;
		goto out;
	}
	if (err == 0) {
		if (!apply_ident_same(ffd, path_base(s->from), id)) {
			plan_conflict(p, s->from, "it changed after its sha256 was checked; left there");
			goto out;
		}
		if ((afd = undone_fd(p, file, undonefd)) < 0 ||
		    rename_noreplace(ffd, path_base(s->from), afd, path_base(s->from)) != 0) {
			plan_conflict(p, s->from, "cannot set the applied version aside: %s",
			    strerror(errno));
			goto out;
		}
		touch_dir(touched, afd);
	}
	if (!apply_ident_same(ffd, path_base(s->to), &kid) ||
	    rename_noreplace(ffd, path_base(s->to), ffd, path_base(s->from)) != 0) {
		plan_conflict(p, s->from, "cannot restore it from %s: %s", escaped_name(&b, s->to),
		    strerror(errno));
		if (err == 0)
			rename_noreplace(*undonefd, path_base(s->from), ffd, path_base(s->from));
		goto out;
	}
	touch_dir(touched, ffd);
	p->res->rewritten++;
out:
	buf_free(&b);
}

int
apply_undo(const char *file, const struct apply_options *o, struct apply_result *res,
    char **cause)
{
	struct record r;
	struct plan p;
	GHashTable *touched = NULL;
	struct buf b = { 0 };
	int ret = -1, lockfd = -1, *fds = NULL, *err = NULL, rootfd = -1;
	int trash_parentfd = -1, undonefd = -1;
	char **paths = NULL, (*sha)[65] = NULL, *root = NULL;
	struct apply_ident *ids = NULL;
	size_t i;

	memset(res, 0, sizeof *res);
	if (read_record(file, &r, cause) != 0)
		return -1;
	plan_init(&p, o, res);
	if ((root = record_root(file, cause)) == NULL)
		goto out;
	if (r.undone) {
		fprintf(o->out, "%s: undone already; nothing to do\n", file);
		ret = 0;
		goto out;
	}
	if ((rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		set_cause(cause, "%s: %s", root, strerror(errno));
		goto out;
	}
	p.rootfd = rootfd;
	/* The folder that apply was given: --trash, or the configuration's. */
	if (open_record_trash(&p, &r, file, o->trash ? o->trash : settings_trash(),
	    &trash_parentfd, cause) != 0)
		goto out;
	if (!o->dry_run && (lockfd = lock_dataset(rootfd, root, cause)) < 0) {
		if (lockfd == -1)
			set_cause(cause, "%s: %s", root, strerror(errno));
		goto out;
	}

	/* Check every moved file's content first, on all cores. */
	fds = xmalloc((r.n ? r.n : 1) * sizeof *fds);
	err = xcalloc(r.n ? r.n : 1, sizeof *err);
	paths = xcalloc(r.n ? r.n : 1, sizeof *paths);
	sha = xmalloc((r.n ? r.n : 1) * sizeof *sha);
	ids = xmalloc((r.n ? r.n : 1) * sizeof *ids);
	for (i = 0; i < r.n; i++) {
		struct step *s = &r.steps[i];
		if (step_failed(&r, i) || (s->op != STEP_MOVE && s->op != STEP_TRASH &&
		    s->op != STEP_REWRITE))
			continue;
		fds[i] = s->op == STEP_TRASH ? p.trashfd : rootfd;
		paths[i] = s->op == STEP_REWRITE ? s->from : s->to;
		if (fds[i] < 0)
			paths[i] = NULL;
	}
	plan_hash(&p, "checking", fds, paths, r.n, sha, ids, err);

	touched = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (i = r.n; i-- > 0;) {
		struct step *s = &r.steps[i];
		char *fdir, *tdir;
		int ffd, tfd;
		struct stat st;

		if (step_failed(&r, i))
			continue;
		plan_progress(&p, "undoing", r.n - i, r.n);
		switch (s->op) {
		case STEP_REWRITE:
			undo_rewrite(&p, s, file, err[i], sha[i], &ids[i], &undonefd, touched);
			break;
		case STEP_MOVE:
		case STEP_TRASH: {
			enum base tb = s->op == STEP_MOVE ? BASE_ROOT : BASE_TRASH;
			int back;
			fdir = path_dir(s->from);
			tdir = path_dir(s->to);
			ffd = plan_dir_fd(&p, BASE_ROOT, fdir);
			tfd = tb == BASE_TRASH && p.trashfd < 0 ? -1 : plan_dir_fd(&p, tb, tdir);
			free(fdir);
			free(tdir);
			back = ffd >= 0 && fstatat(ffd, path_base(s->from), &st, AT_SYMLINK_NOFOLLOW) == 0;
			if (paths[i] != NULL && (err[i] == EXDEV || err[i] == ELOOP)) {
				plan_conflict(&p, s->to, "refused: it leads out of the dataset");
				break;
			}
			if (err[i] == ENOENT || paths[i] == NULL || tfd < 0) {
				if (back)
					break;  /* moved back already */
				plan_conflict(&p, s->from, "missing: not at %s any more", escaped_name(&b, s->to));
				break;
			}
			if (err[i] != 0) {
				plan_conflict(&p, s->to, "%s", strerror(err[i]));
				break;
			}
			if (strcmp(sha[i], s->sha256) != 0) {
				plan_conflict(&p, s->to, "its content changed since apply; left there");
				break;
			}
			if (back) {
				plan_conflict(&p, s->from, "its old name is taken again; left at %s",
				    escaped_name(&b, s->to));
				break;
			}
			if (ffd < 0) {
				plan_conflict(&p, s->from, "its folder is gone");
				break;
			}
			if (o->dry_run) {
				fprintf(o->out, "move back %s%s%s", tb == BASE_TRASH ? p.trash : "",
				    tb == BASE_TRASH ? "/" : "", escaped_name(&b, s->to));
				fprintf(o->out, " -> %s\n", escaped_name(&b, s->from));
			} else if (!apply_ident_same(tfd, path_base(s->to), &ids[i])) {
				plan_conflict(&p, s->to, "it changed after its sha256 was checked; left there");
				break;
			} else if (rename_noreplace(tfd, path_base(s->to), ffd, path_base(s->from)) != 0) {
				plan_conflict(&p, s->from, "cannot move it back: %s", strerror(errno));
				break;
			}
			touch_dir(touched, ffd);
			touch_dir(touched, tfd);
			res->moved++;
			break;
		}
		case STEP_MKDIR: {
			enum base base = (enum base)s->base;
			char *dir = path_dir(s->to);
			int dfd = base == BASE_TRASH && p.trashfd < 0 ? -1 : plan_dir_fd(&p, base, dir);
			free(dir);
			if (dfd < 0)
				break;
			if (o->dry_run) {
				fprintf(o->out, "rmdir %s%s%s (when empty)\n",
				    base == BASE_TRASH ? p.trash : "", base == BASE_TRASH ? "/" : "",
				    escaped_name(&b, s->to));
				res->mkdirs++;
				break;
			}
			/* Only an empty folder goes; one with new files stays. */
			{
				/* Its cached descriptor must go before the folder does. */
				char *key = plan_key(base, s->to);
				gpointer v = g_hash_table_lookup(p.dirfds, key);
				if (v) {
					g_hash_table_remove(touched, v);
					close(GPOINTER_TO_INT(v) - 1);
					g_hash_table_remove(p.dirfds, key);
				}
				free(key);
			}
			if (unlinkat(dfd, path_base(s->to), AT_REMOVEDIR) == 0) {
				touch_dir(touched, dfd);
				res->mkdirs++;
			}
			break;
		}
		}
	}
	plan_progress(&p, "undoing", r.n, r.n);
	if (o->dry_run) {
		fprintf(o->out, "would move back %zu, restore %zu, remove %zu folders; %zu "
		    "conflict%s\n", res->moved, res->rewritten, res->mkdirs, res->conflicts,
		    res->conflicts == 1 ? "" : "s");
		ret = 0;
		goto out;
	}
	fsync_dirs(touched);
	/* The trash folder of this apply goes too when it is empty. */
	if (p.trashfd >= 0 && trash_parentfd >= 0 &&
	    unlinkat(trash_parentfd, path_base(r.trash), AT_REMOVEDIR) == 0)
		fsync(trash_parentfd);
	fprintf(o->out, "moved back %zu, restored %zu, removed %zu folders; %zu conflict%s\n",
	    res->moved, res->rewritten, res->mkdirs, res->conflicts,
	    res->conflicts == 1 ? "" : "s");
	/* Marked undone only when all of it was: a retry picks up the rest. */
	if (res->conflicts == 0 && append_record(file, "undone", NULL) != 0) {
		set_cause(cause, "%s: %s", file, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	free(fds);
	free(err);
	free(paths);
	free(sha);
	free(ids);
	free(root);
	if (trash_parentfd >= 0)
		close(trash_parentfd);
	if (undonefd >= 0)
		close(undonefd);
	if (touched)
		g_hash_table_destroy(touched);
	buf_free(&b);
	if (lockfd >= 0)
		close(lockfd);
	plan_close_dirfds(&p);
	if (rootfd >= 0)
		close(rootfd);
	p.rootfd = -1;
	plan_free(&p);
	record_free(&r);
	return ret;
}
