/* embed.h — a network's embeddings of the samples: reading them, their
 * principal components, and the cluster scores (a split score per class, an
 * outlier score per sample).
 *
 * Files: a plain TSV, `path<TAB>f1<TAB>f2…` (an optional header row), or
 * TensorBoard projector files: vectors.tsv (a row of numbers per sample, no
 * header) with metadata.tsv beside it (one column of paths and no header,
 * or a header row naming a `path` column). Paths are relative to the
 * dataset's root. Rows that cannot be used (wrong width, NaN or infinite
 * values, unknown or repeated paths) are counted and reported by line,
 * never fatal.
 *
 * Scores:
 *  - The data is centred and its top principal components found (LAPACK's
 *    dsyevr on the covariance, which OpenBLAS's ssyrk builds). The 2-D view
 *    of all samples is the first two components.
 *  - outlier: a sample's distance to its class's centroid, in the full
 *    space, divided by the class's spread (the RMS of those distances).
 *    Classes of fewer than EMBED_MIN_OUTLIER_CLASS samples get none.
 *  - split: each class is projected onto its own top principal components
 *    (up to EMBED_CLASS_COMPONENTS, and no more than a tenth of its size,
 *    within the global EMBED_COMPONENTS), its outliers set aside, and cut
 *    in two by k-means (k-means++ from a fixed seed: the same groups every
 *    run). The split score is the distance between the two centres over the
 *    groups' pooled standard deviation along the line joining them. One
 *    Gaussian blob scores about 2.7; two blobs d standard deviations apart
 *    score about d. Classes of fewer than EMBED_MIN_SPLIT_CLASS samples get
 *    none (small samples split by chance).
 *
 * No curses here. */
#ifndef WINNOW_EMBED_H
#define WINNOW_EMBED_H

#include <stddef.h>
#include <stdint.h>

#include "checks.h"
#include "dataset.h"

/* Default thresholds: cluster-outlier at score >= 2.5, cluster-split at
 * >= 4.5 when the smaller group holds at least 5% of the class. */
#define EMBED_OUTLIER_THRESHOLD 2.5
#define EMBED_SPLIT_THRESHOLD 4.5
#define EMBED_SPLIT_MIN_SHARE 0.05
#define EMBED_MIN_OUTLIER_CLASS 5
#define EMBED_MIN_SPLIT_CLASS 40
#define EMBED_COMPONENTS 64
#define EMBED_CLASS_COMPONENTS 8
/* Values a row at most: the covariance is this squared. */
#define EMBED_MAX_DIM 8192
/* Rows problems are kept for (all are counted). */
#define EMBED_MAX_PROBLEMS 100

enum embed_bad {
	EMBED_BAD_WIDTH,        /* a number of values other than the file's */
	EMBED_BAD_VALUE,        /* not a number, NaN or infinite */
	EMBED_BAD_PATH,         /* not a sample of the dataset */
	EMBED_BAD_REPEAT,       /* a path given a second time */
	EMBED_BAD_COUNT
};

struct embed_problem {
	size_t line;            /* 1-based, in the vectors (or plain) file */
	char *message;
};

struct embeddings {
	char *file;             /* the file read (vectors.tsv for TensorBoard) */
	char *metadata;         /* TensorBoard's metadata file, or NULL */
	size_t n;               /* rows kept: those joined to a sample */
	size_t dim;             /* values a row */
	float *x;               /* n × dim, row-major */
	uint32_t *sample;       /* row → sample index in the dataset */
	size_t lines;           /* rows read, good and bad */
	size_t bad[EMBED_BAD_COUNT];
	size_t nbad;
	struct embed_problem *problems;  /* the first EMBED_MAX_PROBLEMS */
	size_t nproblems;
};

/* The embeddings file a dataset has by default: ROOT/embeddings.tsv, else
 * ROOT/vectors.tsv when ROOT/metadata.tsv is beside it. Returns a new
 * string the caller frees, or NULL when there is none. */
char *embed_default_file(const struct dataset *ds);

/* Read an embeddings file (plain TSV, or TensorBoard vectors whose
 * metadata.tsv is beside it; a folder holding either) and join its rows to
 * ds's samples. Calls dataset_find: build ds's path index first when other
 * threads use ds. stop(arg), when not NULL, is asked now and then (from
 * several threads) and ends the reading early when true. Returns new
 * embeddings (free with embed_free), or NULL with *cause set when the file
 * cannot be used at all (missing, no usable row) or reading was stopped. */
struct embeddings *embed_load(struct dataset *ds, const char *file,
    int (*stop)(void *), void *arg, char **cause);
void embed_free(struct embeddings *e);

/* Per class (label id) results. */
struct embed_class {
	size_t n;               /* rows of this label */
	float spread;           /* RMS distance to the centroid (NAN: none) */
	float split;            /* split score (NAN: too few rows) */
	size_t group_n[2];      /* rows in each k-means group */
	float axis_var[2];      /* variance along the class's two view axes */
};

struct embed_analysis {
	size_t n, dim;          /* as the embeddings */
	size_t ncomp;           /* principal components kept */
	float *mean;            /* dim */
	float *components;      /* ncomp × dim, unit vectors, most variance first */
	double *variance;       /* ncomp: the variance along each */
	double total_variance;
	float *proj;            /* n × ncomp: each row's coordinates */
	float *class_xy;        /* n × 2: coordinates in the row's class's own
	                           first two components (NAN: no label) */
	float *outlier;         /* n: outlier score (NAN: none) */
	uint8_t *group;         /* n: k-means group 0 or 1; EMBED_NO_GROUP
	                           for outliers and classes without a split */
	size_t nclasses;        /* ds->nlabels */
	struct embed_class *classes;
};
#define EMBED_NO_GROUP 255

/* Centre e->x in place, find the principal components and score every row
 * and class by ds's labels. stop(arg), when not NULL, is asked now and then
 * and ends the work early (returns NULL) when true. Returns a new analysis
 * (free with embed_analysis_free), or NULL with *cause set. */
struct embed_analysis *embed_analyse(struct embeddings *e,
    const struct dataset *ds, int (*stop)(void *), void *arg, char **cause);
void embed_analysis_free(struct embed_analysis *a);

/* Class ids ordered by split score, highest first (classes without one
 * last, by id). Returns a new array of a->nclasses ids; the caller frees. */
unsigned *embed_split_ranking(const struct embed_analysis *a);

/* Append cluster-outlier and cluster-split findings at these thresholds. */
void embed_findings(const struct embeddings *e, const struct embed_analysis *a,
    const struct dataset *ds, double outlier_threshold, double split_threshold,
    struct findings *out);

/* A judge for checks_add_judge (checks.h): arg is a struct embed_judge. It
 * reads the file (or the dataset's default; none is no error), reports bad
 * rows on `problems` when not NULL, and adds the findings at the context's
 * thresholds TH_OUTLIER and TH_SPLIT. */
struct embed_judge {
	const char *file;       /* NULL: embed_default_file */
	FILE *problems;         /* stderr headless; NULL: not reported */
};
int embed_judge(const struct check_context *ctx, void *arg,
    struct findings *out, char **cause);

#endif
