/* apply-private.h — what apply's files share: the plan of steps, the record
 * that lists them, and the helpers both apply and its undo work with.
 * apply.c plans and carries out, apply-rewrite.c plans the text files that
 * name paths (split lists, a manifest), apply-record.c writes and reads
 * records, apply-undo.c replays one backwards; all of them stand on
 * apply-step.c, the plan and its file system helpers. Not for other
 * callers: they use apply.h. */
#ifndef WINNOW_APPLY_PRIVATE_H
#define WINNOW_APPLY_PRIVATE_H

#include <stdint.h>
#include <sys/stat.h>

#include <glib.h>

#include "apply.h"
#include "dataset.h"
#include "journal.h"

struct hash_job;

/* Where a step's path is: under ROOT, or under the trash folder. */
enum base { BASE_ROOT, BASE_TRASH };

enum step_op { STEP_MKDIR, STEP_MOVE, STEP_TRASH, STEP_REWRITE };

struct step {
	uint8_t op;             /* enum step_op */
	uint8_t base;           /* mkdir: enum base */
	uint8_t failed;         /* did not happen */
	uint32_t id;            /* the journal entry (move, trash) */
	char *from;             /* move, trash: path under ROOT; rewrite: the file */
	char *to;               /* move: under ROOT; trash: under the trash;
	                           mkdir: the folder; rewrite: the kept old file */
	char *renamed;          /* why the name changed, or NULL */
	char sha256[65];        /* move, trash: the file's; rewrite: the new content's */
	char *kept_sha256;      /* rewrite: the old content's, or NULL */
	char *content;          /* rewrite: the new content (not recorded) */
	size_t len;
	struct apply_ident ident;       /* move, trash: the file when hashed */
	size_t pending;         /* move, trash: 1 + the file's place among those
	                           hashed ahead, whose check is still to come
	                           (just before its rename), or 0 */
};

struct plan {
	struct step *steps;
	size_t n, cap;
	int rootfd, trashfd;    /* trashfd -1 until needed */
	char *trash;            /* absolute path of the trash folder */
	char stamp[40];         /* 20261127T210311.482915Z-01: the record's and
	                           the trash folder's name */
	GHashTable *taken;      /* planned paths: "r:…" / "t:…" */
	GHashTable *dirfds;     /* "r:dir" / "t:dir" -> fd + 1 */
	GHashTable *applied;    /* path -> sha256 moved by earlier applies */
	GHashTable *lookups;    /* "r:dir" -> names looked up in it so far */
	GHashTable *listings;   /* "r:dir" -> the set of its names, once listed */
	const struct apply_options *o;
	struct apply_result *res;
	double last_progress;
	/* The files hashed ahead of the renames (apply_journal). */
	struct hash_job *ahead;
	const int *hash_err;
	const char (*hash_sha)[65];
	const struct apply_ident *hash_ids;
};

/* ---- the plan (apply-step.c) ---- */

void plan_init(struct plan *p, const struct apply_options *o, struct apply_result *res);
void plan_free(struct plan *p);
struct step *plan_add_step(struct plan *p, enum step_op op);
void step_free(struct step *s);
/* "what i/n" on stderr, when the options ask for progress; i >= n ends it. */
void plan_progress(struct plan *p, const char *what, size_t i, size_t n);
/* Report a conflict on the output and count it. */
void plan_conflict(struct plan *p, const char *path, const char *fmt, ...)
	WN_PRINTF(3, 4);
/* The key of a path in p->taken and p->dirfds; the caller frees. */
char *plan_key(enum base base, const char *path);
/* A descriptor of a folder under ROOT or the trash ("" for the top),
 * opened beneath it and cached in p. -1 with errno when it cannot be
 * opened. */
int plan_dir_fd(struct plan *p, enum base base, const char *dir);
void plan_close_dirfds(struct plan *p);
/* sha256 of paths[i] beneath fds[i] (NULL paths skipped) into sha[i], the
 * file as opened into ids[i], errno into err[i] (0 when hashed), on all
 * cores, showing "what" as progress. */
void plan_hash(struct plan *p, const char *what, const int *fds, char *const *paths,
    size_t n, char (*sha)[65], struct apply_ident *ids, int *err);
/* The same, ahead: hashing starts on all cores and the caller goes on.
 * hash_ahead_wait(h, i) returns once file i is hashed (sha[i], ids[i] and
 * err[i] are then set), hash_ahead_all once every file is; hash_ahead_end
 * stops what is left, waits for the threads and frees h (NULL: nothing). */
struct hash_job *hash_ahead(struct plan *p, const int *fds, char *const *paths,
    size_t n, char (*sha)[65], struct apply_ident *ids, int *err);
void hash_ahead_wait(struct hash_job *h, size_t i);
void hash_ahead_all(struct hash_job *h);
void hash_ahead_end(struct hash_job *h);
/* Take ROOT/.winnow's lock: one apply or undo at a time on a dataset.
 * Returns the descriptor that holds it, -1 with errno when .winnow cannot
 * be made or opened (a read-only dataset), or -2 with *cause when another
 * holds it. */
int lock_dataset(int rootfd, const char *root, char **cause);

/* The folder part of a relative path ("" for none); the caller frees. */
char *path_dir(const char *path);
/* The last part of a path (within it). */
const char *path_base(const char *path);
/* rename that never replaces a file. Returns 0, or -1 with errno. */
int rename_noreplace(int fromfd, const char *from, int tofd, const char *to);
/* fsync a folder; 0 also where the file system cannot (EINVAL). */
int fsync_fd_dir(int fd);
/* Remember a folder whose entries changed; fsync them all at the end. */
void touch_dir(GHashTable *dirs, int fd);
void fsync_dirs(GHashTable *dirs);

/* ---- text files that name paths (apply-rewrite.c) ---- */

/* Plan rewriting Speech Commands' split lists after the plan's moves: moved
 * paths renamed, trashed ones dropped. Returns 0, or -1 with *cause. */
int plan_split_lists(struct plan *p, char **cause);
/* Plan rewriting ds's manifest: the rows of the paths in changes (path ->
 * new label, "" for a delete) changed or dropped, the others copied byte
 * for byte. Returns 0, or -1 with *cause. */
int plan_manifest(struct plan *p, struct dataset *ds, GHashTable *changes, char **cause);
/* Carry out a rewrite step: the new content written beside the file and
 * renamed over it, the old file kept under the step's kept name. Returns
 * 0, or -1 with *cause. */
int do_rewrite(struct plan *p, struct step *s, char **cause);

/* ---- records (apply-record.c) ---- */

/* What is read back from a record. */
struct record {
	char *dataset, *trash, *journal;
	enum layout layout;
	struct step *steps;
	size_t n, cap, ndocs;
	int done, undone;
	char *failed;           /* " 3 17 ": steps that did not happen */
};

/* Write ROOT/.winnow/applied/STAMP.yaml listing p's steps, whole and
 * fsync'd, before anything moves; p->res->record gets its path. Returns 0,
 * or -1 with *cause (nothing was moved). */
int write_record(struct plan *p, const struct journal *j, const struct dataset *ds,
    char **cause);
/* Append a closing document (key: the time, and the failed steps' numbers
 * when not NULL) to a record. Returns 0, or -1 with errno. */
int append_record(const char *record, const char *key, const char *failed);
/* Read a record. Returns 0 (free r with record_free), or -1 with *cause. */
int read_record(const char *file, struct record *r, char **cause);
void record_free(struct record *r);
/* Did step i (0-based) of the record fail, and so not happen? */
int step_failed(const struct record *r, size_t i);
/* Fill p->applied with what earlier applies (not undone) moved: path ->
 * sha256, so that applying a journal again knows a missing file is one it
 * moved. */
void load_applied(struct plan *p);

#endif
