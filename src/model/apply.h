/* apply.h — carry out a journal's decisions on the dataset, reversibly.
 *
 * Folders: a relabel renames the file into ROOT/<to>/ (ROOT/<split>/<to>/
 * in a split folder), a delete moves it into the trash folder; split lists
 * (validation_list.txt, testing_list.txt) are rewritten to follow. Manifest:
 * the manifest is rewritten (relabelled rows changed, deleted rows dropped);
 * no sample file moves. A rewritten file is replaced atomically (temporary
 * file, fsync, rename), the old one kept beside it as NAME.before-STAMP.
 *
 * Nothing is unlinked and nothing overwritten: renames refuse an existing
 * target (RENAME_NOREPLACE), a taken name gets the next free one. Each file's
 * sha256 must match the decision's; a missing file, changed content or the
 * same content already at the target is a conflict: listed and skipped.
 * Paths are resolved beneath ROOT's descriptor (openat2 RESOLVE_BENEATH), so
 * a link out of ROOT is refused whatever the path says.
 *
 * Every apply that changes something first writes (and fsyncs) a record,
 * ROOT/.winnow/applied/STAMP-NN.yaml, listing each step; apply_undo() replays
 * it backwards, under the same rules: only in the dataset that keeps the
 * record, a trash folder inside it (or in the --trash folder named again),
 * nothing replaced, every file's sha256 checked. No curses here. */
#ifndef WINNOW_APPLY_H
#define WINNOW_APPLY_H

#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "dataset.h"
#include "journal.h"

struct apply_options {
	int dry_run;            /* print the plan, change nothing */
	const char *trash;      /* --trash DIR, or NULL: the configuration's
	                           trash (settings_trash: the caller loads the
	                           settings), else ROOT/.winnow/trash; for undo,
	                           the folder a trash outside ROOT is in */
	FILE *out;              /* the plan (dry run), conflicts, the summary */
	int progress;           /* progress on stderr (a terminal) */
};

struct apply_result {
	size_t moved, trashed, rewritten, mkdirs;
	size_t already;         /* decisions found already applied */
	size_t conflicts;       /* conflicts and refused paths: exit status 1 */
	size_t kept;            /* accept and flag: nothing to do */
	char *record;           /* the record written (heap), or NULL */
};

/* Apply j's standing decisions to ds (the journal's dataset, checked by the
 * caller with journal_check_dataset). Returns 0 (conflicts are counted in
 * *res, not errors), or -1 with *cause when nothing could be done or the
 * work stopped (the record then says how far it got). */
int apply_journal(const struct journal *j, struct dataset *ds,
    const struct apply_options *o, struct apply_result *res, char **cause);

/* Undo what a record says was done. Returns 0 (conflicts counted), or -1
 * with *cause. */
int apply_undo(const char *record, const struct apply_options *o,
    struct apply_result *res, char **cause);

void apply_result_free(struct apply_result *res);

/* A file as it was when hashed. Files are hashed ahead of their renames, on
 * all cores; just before each rename the name must still hold that file,
 * unchanged, or the hash says nothing about what would move. */
struct apply_ident {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

void apply_ident_of(struct apply_ident *id, const struct stat *st);

/* Called, when set, with a move's source path (relative to the dataset)
 * after its hash is known and just before its identity is checked and it
 * is renamed: what the tests use to change a file in that window. */
extern void (*apply_before_rename)(const char *from);

/* Is `name` beneath dirfd (a last link not followed) still the file id
 * describes: same device, inode, size and mtime? 1 if so, else 0. */
int apply_ident_same(int dirfd, const char *name, const struct apply_ident *id);

#endif
