/* dataset-private.h — what the dataset's files share: dataset.c keeps the
 * index (samples, labels, splits, paths, their order), dataset-open.c
 * opens a folder tree or a manifest into it, dataset-manifest.c reads a
 * manifest's rows. Not for other callers: they use dataset.h. */
#ifndef WINNOW_DATASET_PRIVATE_H
#define WINNOW_DATASET_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"

/* At most this many problems of one sort are listed one by one. */
#define PROBLEMS_LISTED 20

/* The number of a split's name, added when new (SPLIT_NONE past the
 * most a sample can hold). */
unsigned split_intern(struct dataset *ds, const char *name);
/* A sample whose path is in the pool already, at offset `at`. */
void add_sample_at(struct dataset *ds, uint32_t at, size_t len, unsigned label,
    unsigned split, unsigned flags);
/* A sample, its path (len bytes) added to the pool. */
void add_sample(struct dataset *ds, const char *path, size_t len, unsigned label,
    unsigned split, unsigned flags);
/* Lay the paths in the pool in sample order, so that walking the samples
 * walks memory in order. */
void relay_paths(struct dataset *ds);
/* Labels in sorted order (the confusion matrix's order), samples by path. */
void dataset_sort(struct dataset *ds);

/* The samples of the manifest `file` (under ds->root) into ds, its bad
 * rows as problems. Returns 0, or -1 with *cause (nothing usable). */
int load_manifest(struct dataset *ds, const char *file, char **cause);

#endif
