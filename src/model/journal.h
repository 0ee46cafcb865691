/* journal.h — the decisions journal: a YAML stream, one document per
 * decision, appended and fsync'd before a decision counts as made (see
 * winnow-journal(5) for the format).
 *
 * The first document is a header naming the dataset. Each later document is
 * one entry: a decision (relabel, delete, accept, flag), a note, or an undo
 * that cancels an earlier entry. Replaying the entries gives each path its
 * standing decision: the latest decision that no undo cancelled.
 *
 * Every document winnow writes ends with "..."; in such a stream a last
 * document without it is an append cut short (a crash, a full disk): it is
 * reported and skipped, never the documents before it. (A journal written
 * without "...", by hand or by a script, has its last document skipped as
 * torn only when it is not YAML; a whole one is checked like any other.)
 * From format 2, a batch (entries sharing `batch: ID`) ends with an
 * `op: batch-end` document; a batch without it at the journal's end is an
 * append cut short too, and dropped whole. Every other fault (bad YAML, an
 * unknown op, a missing field, a hostile path, even in the last document)
 * is an error naming the file and line, and nothing of the journal is used.
 *
 * Strings (paths, labels, notes) are bytes. UTF-8 text is written as a
 * double-quoted scalar; anything else as a !!binary scalar (base64), which
 * YAML readers turn back into the same bytes. Every scalar is read as a
 * string, quoted or not: `no` is a label, never a boolean.
 *
 * No curses here. */
#ifndef WINNOW_JOURNAL_H
#define WINNOW_JOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "annot.h"
#include "dataset.h"
#include "strpool.h"
#include "util.h"
#include "yamldoc.h"

enum journal_op {
	JOP_RELABEL,
	JOP_DELETE,
	JOP_ACCEPT,
	JOP_FLAG,
	JOP_NOTE,
	JOP_UNDO,
	JOP_COUNT
};

/* "relabel", "delete", …; and back (-1 when unknown). */
const char *journal_op_name(enum journal_op op);
int journal_op_find(const char *name);

/* One document of the journal. Strings are offsets in journal.strings
 * (journal_str); offset 0 is the empty string, meaning "not given". */
struct journal_entry {
	uint32_t id;
	uint8_t op;             /* enum journal_op */
	uint8_t undone;         /* cancelled by a later undo */
	uint32_t path, label, to, by, reason, note;
	uint32_t target;        /* undo: id of the entry it cancels */
	uint32_t batch;         /* made with others by one command (relabel-shown):
	                           id of the batch's first entry; 0 alone */
	uint32_t line;          /* line of the document in the file (1-based) */
	int32_t prev;           /* previous entry of the same path, or -1 */
	char sha256[65];        /* "" when not given */
	char at[24];            /* 2026-11-27T21:03:11Z, "" when not given */
};

struct journal {
	char *file;             /* the journal's path, as given */
	unsigned version;       /* header: winnow-journal, 1 or 2 */
	char *dataset;          /* header: the dataset's root folder, as a record
	                           (journal_dataset_path says which tree it is) */
	enum layout layout;     /* header */
	char *manifest;         /* header: manifest file name, or NULL */
	char *created;          /* header, or NULL */
	uint32_t dataset_line;  /* line of the header's dataset key */

	struct journal_entry *entries;
	size_t n, cap;
	struct strpool strings;
	void *paths;            /* GHashTable path -> index of its last entry + 1 */

	char *torn;             /* report of a torn last document, or NULL */
	size_t good_size;       /* bytes up to the end of the last whole document */
	int fd;                 /* open for appending, locked; -1 when read only */
	char *user;             /* by: of new entries ($USER) */
};

static inline const char *
journal_str(const struct journal *j, uint32_t off)
{
	return strpool_get(&j->strings, off);
}

/* Read a journal file, or a journal in memory (name is used in messages).
 * Returns a journal (free with journal_free) or NULL with *cause set to
 * "FILE:LINE: why". A torn last document is not an error: j->torn says it. */
struct journal *journal_read(const char *file, char **cause);
struct journal *journal_read_buffer(const char *name, const char *data, size_t len,
    char **cause);
void journal_free(struct journal *j);

/* The path to give dataset_open() for the journal's dataset: the tree whose
 * .winnow folder holds the journal file, wherever it was copied or moved
 * (with the header's manifest name for a manifest); only for a journal kept
 * elsewhere, the header's dataset. Caller frees. */
char *journal_dataset_path(const struct journal *j);
/* Is this journal about this dataset (the tree of journal_dataset_path, and
 * the header's layout and manifest)? Returns 0, or -1 with *cause saying
 * which dataset it is about. */
int journal_check_dataset(const struct journal *j, const struct dataset *ds,
    char **cause);

/* Where a dataset's journal is by default: ROOT/.winnow/journal.yaml
 * (ROOT/.winnow/MANIFEST.journal.yaml for a manifest), or, when the dataset's
 * folder is not writable, $XDG_STATE_HOME/winnow/NAME-HASH.yaml, and then
 * *fallback is set to 1. Caller frees. */
char *journal_default_path(const struct dataset *ds, int *fallback);

/* Open a dataset's journal to add decisions: file, or the default when file
 * is NULL. A missing journal is created with its header; an existing one is
 * read and must be about ds. The journal is locked (flock) while open: a
 * second winnow on it is refused. A torn tail is cut off (its bytes kept in
 * FILE.torn). *note, when not NULL, gets a line for the status line (the
 * fallback location, a dropped torn tail) or NULL; the caller frees it.
 * Returns the journal (journal_free closes and unlocks) or NULL with *cause. */
struct journal *journal_open(const struct dataset *ds, const char *file, char **note,
    char **cause);
/* Take the journal's lock (already read with journal_read) without writing:
 * `winnow apply` holds it so that no browser adds decisions meanwhile.
 * Returns 0, or -1 with *cause. */
int journal_lock(struct journal *j, char **cause);

/* What a new entry says; NULL strings are "not given". */
struct journal_draft {
	enum journal_op op;
	const char *path, *label, *to, *sha256, *reason, *note;
	uint32_t target;        /* undo */
	uint32_t batch;         /* id of the batch's first entry, or 0 */
};
/* Append an entry (id, at, by filled in), write it and fsync the file.
 * Only when this returns is the decision made. Returns the new entry's
 * index, or -1 with *cause (the file is left as it was). */
long journal_append(struct journal *j, const struct journal_draft *d, char **cause);
/* journal_append in two halves, for a writer on another thread: the first
 * writes and fsyncs, touching only the file (one at a time); the second,
 * on the journal's own thread, adds the entry in memory and returns its
 * index. The id comes from journal_next_id, taken when the previous
 * entry is committed; at is the time, as utc_now writes it. */
int journal_write_draft(const struct journal *j, const struct journal_draft *d,
    uint32_t id, const char *at, char **cause);
long journal_commit(struct journal *j, const struct journal_draft *d, uint32_t id,
    const char *at);
/* journal_write_draft for n entries, ids first_id, first_id + 1, …: one
 * write and one fsync for all, so a batch of 10,000 decisions costs one
 * flush to disk. Either every entry is on disk or none (the file is cut
 * back on failure). When the drafts are a batch (d->batch is first_id), a
 * version 2 journal gets the batch's end marker in the same write, so that
 * a crash midway leaves a batch the reader drops whole. Commit each with
 * journal_commit, in order. Returns 0, or -1 with *cause. */
int journal_write_drafts(const struct journal *j, const struct journal_draft *d,
    size_t n, uint32_t first_id, const char *at, char **cause);
uint32_t journal_next_id(const struct journal *j);

/* The decision standing for a path (latest relabel/delete/accept/flag not
 * undone), or NULL. Pointers into j->entries last until the next append. */
const struct journal_entry *journal_standing(const struct journal *j, const char *path);
/* Every standing decision, in the order they were made. Returns the count;
 * *out is a heap array the caller frees. */
size_t journal_standing_all(const struct journal *j, const struct journal_entry ***out);
/* The entry `u` would cancel: the latest that is not an undo and not undone. */
const struct journal_entry *journal_last_undoable(const struct journal *j);
/* Everything `u` cancels: journal_last_undoable and, when that entry was
 * made in a batch, every entry of its batch not undone yet. Returns the
 * count (0: nothing to undo); *out is a heap array the caller frees, in the
 * order the entries were made, its pointers valid until the next commit. */
size_t journal_undo_set(const struct journal *j, const struct journal_entry ***out);
/* Counts of standing decisions by op (relabel, delete, accept, flag). */
void journal_counts(const struct journal *j, size_t counts[JOP_NOTE]);

/* Fill a->decision and a->relabel_to (allocating them when NULL; a->n must
 * be ds->nsamples) from the standing decisions. Labels that relabels name
 * but the dataset lacks are added to it. Returns how many standing
 * decisions name paths not in the dataset (already applied, or moved). */
size_t journal_annotate(const struct journal *j, struct dataset *ds, struct annotations *a);
/* The same for one sample, after an append or an undo. */
void journal_annotate_one(const struct journal *j, struct dataset *ds,
    struct annotations *a, size_t sample);

/* ---- writing entries as YAML (yamldoc.h) ---- */

/* Write the header document of a journal (the newest format). */
void journal_write_header(struct yout *y, const char *dataset, enum layout layout,
    const char *manifest, const char *created);
/* Write one entry of j as a document (id replaced by `id` when not 0; an
 * entry written so loses its batch: the batch's ids and end marker are not
 * carried over). */
void journal_write_entry(struct yout *y, const struct journal *j,
    const struct journal_entry *e, uint32_t id);

/* Write all of a buffer to fd (retrying short writes). Returns 0 or -1. */
int write_all(int fd, const void *p, size_t n);

#endif
