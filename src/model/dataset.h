/* dataset.h — the dataset index that every pane and subcommand uses.
 *
 * A dataset is a folder of folders (ROOT/<label>/<file>, optionally
 * ROOT/<split>/<label>/<file>) or a CSV/TSV manifest naming path and label.
 * The index lists the samples with compact records: interned labels and
 * splits (small integers), paths in one pool, flags as bits. Indexing does not
 * open or stat sample files (the folder layout needs only readdir); a
 * sample's content format is sniffed later, by whoever needs it.
 *
 * No curses here: the model knows nothing of the UI. */
#ifndef WINNOW_DATASET_H
#define WINNOW_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "sniff.h"
#include "strpool.h"

#define LABEL_NONE UINT16_MAX  /* in a `_folder` (not a label) */
#define SPLIT_NONE 0           /* split id 0 is "no split" */

enum layout { LAYOUT_FOLDERS, LAYOUT_MANIFEST };

enum sample_flag {
	SAMPLE_LINK = 1 << 0,       /* reached through a symbolic link inside ROOT */
	SAMPLE_MISSING = 1 << 1,    /* manifest row whose file does not exist */
};

/* 12 bytes a sample, plus its path in the pool. */
struct sample {
	uint32_t path;          /* offset in dataset.paths: path relative to ROOT */
	uint16_t label;         /* index in dataset.labels, or LABEL_NONE */
	uint8_t split;          /* index in dataset.splits (0: none) */
	uint8_t ext_format;     /* enum format from the file name */
	uint8_t content_format; /* enum format from magic bytes; FMT_NONE until sniffed */
	uint8_t flags;          /* enum sample_flag */
	uint16_t reserved;
};

/* A problem met while indexing: reported, never fatal. */
struct problem {
	char *path;     /* relative to ROOT, or the manifest; "." for the dataset */
	char *message;
};

struct dataset {
	char *root;             /* absolute path of ROOT, no trailing slash */
	int rootfd;             /* open O_DIRECTORY descriptor of ROOT */
	enum layout layout;
	char *manifest;         /* manifest layout: file name relative to ROOT */

	struct strpool paths;
	struct sample *samples;
	size_t nsamples, capsamples;

	char **labels;          /* interned label names, sorted after indexing;
	                           room for LABEL_NONE of them, so that it never
	                           moves once made (other threads read names
	                           while the UI thread adds labels) */
	size_t nlabels, caplabels;
	char **splits;          /* splits[0] is "" */
	size_t nsplits, capsplits;

	struct problem *problems;
	size_t nproblems, capproblems;

	void *label_index;      /* GHashTable name -> id+1 */
	void *path_index;       /* GHashTable path -> sample+1, built on demand */
};

/* Open a dataset: a folder or a manifest file. Returns a new dataset
 * (free with dataset_free) or NULL with *cause set. Problems with single
 * files or folders are recorded in ds->problems, not returned. */
struct dataset *dataset_open(const char *path, char **cause);
void dataset_free(struct dataset *ds);
/* Whether dataset_open checks a manifest's files with winnow's cache of
 * folder listings, cache_path("folders") (exists.h): 1, the default; 0
 * (check --no-cache) lists every folder and keeps nothing. */
extern int dataset_cache_listings;

/* For tests and tools that build a dataset without a tree: an empty one
 * whose ROOT is `root` (recorded, never opened: rootfd is -1). Samples are
 * added with dataset_add, in the order they should have; labels and splits
 * are interned as they first appear, not sorted as dataset_open sorts them.
 * Free with dataset_free. */
struct dataset *dataset_new_memory(const char *root);
/* Append a sample: path relative to ROOT, its label (NULL: none, as in a
 * `_folder`) and its split (NULL or "": none). Returns the sample's index. */
size_t dataset_add(struct dataset *ds, const char *path, const char *label,
    const char *split);

static inline const char *sample_path(const struct dataset *ds, size_t i)
{
	return strpool_get(&ds->paths, ds->samples[i].path);
}
/* The label's name, or "" for LABEL_NONE. */
const char *dataset_label_name(const struct dataset *ds, unsigned label);
/* Label id of a name, or -1 when the dataset has no such label. */
int dataset_label_find(const struct dataset *ds, const char *name);
/* Label id of a name, adding it when new (it then sorts last). */
unsigned dataset_label_intern(struct dataset *ds, const char *name);
const char *dataset_split_name(const struct dataset *ds, unsigned split);
int dataset_split_find(const struct dataset *ds, const char *name);
/* Sample index of a path relative to ROOT, or -1. The first call builds a
 * hash index of every path (not thread-safe: call once before sharing). */
long dataset_find(struct dataset *ds, const char *path);
/* The same by binary search over the samples, which dataset_open leaves in
 * path order (strcmp): no index to build, and safe on any thread; for a
 * few lookups, where building the index would cost more. */
long dataset_find_sorted(const struct dataset *ds, const char *path);

/* Sniff the content format of sample i (opens the file), store and return it. */
enum format dataset_sniff(struct dataset *ds, size_t i);
/* Kind from the content format when sniffed, else from the extension. */
enum kind sample_kind(const struct sample *s);

/* Where winnow keeps a file of its own about ds: ROOT/NAME (NAME is
 * under .winnow/) where the dataset may be written, else
 * $XDG_STATE_HOME/winnow/FOLDER-HASH.SUFFIX (~/.local/state/winnow by
 * default), and then *fallback is set to 1. Nothing is made. Caller
 * frees. */
char *dataset_own_file(const struct dataset *ds, const char *name, const char *suffix,
    int *fallback);

/* Everything ds says (labels, splits, samples with their label, split and
 * format, problems), a line each, appended to b: two readings of one
 * dataset compare as text. */
struct buf;
void dataset_describe(struct buf *b, const struct dataset *ds);

/* Record a problem (printf-style message). */
void dataset_problem(struct dataset *ds, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Is `name` a split folder name (train, val, valid, validation, test)? */
int is_split_folder(const char *name);

/* Default path of the bundled demo dataset (DATADIR/demo, or the source tree's
 * data/demo when run from the build tree). Returned string is static. */
const char *demo_dataset_path(void);

/* The parts a manifest is read in side by side: 0, one a core for a file
 * of 4 MiB and more, one part for a smaller one; n, n parts for any file
 * (at most 8; tests read small files in many parts). */
extern unsigned dataset_manifest_parts;

#endif
