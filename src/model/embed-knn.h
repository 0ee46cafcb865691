/* embed-knn.h — each embedding's k nearest neighbours, and what they
 * find: near copies (near-duplicate, label-conflict, split-leak) and
 * outliers far from every other sample (cluster-outlier), as cleanlab's
 * Datalab finds them from features.
 *
 * Distances are Euclidean, on the analysis's principal coordinates (the
 * first EMBED_COMPONENTS of them: the whole space when it has no more
 * dimensions). The search is exact, tile by tile through BLAS's sgemm
 * (|a|² + |b|² - 2 a·b), the k smallest kept a row, and those k measured
 * again directly, so that the tiny distances of near copies lose nothing
 * to the subtraction. Rows are searched by class, and a class whose
 * centre less its radius lies beyond every query's k-th nearest so far is
 * passed over (the triangle inequality): classes that cluster cost
 * little more than their own pairs.
 *
 *  - near copies: a pair closer than knn-near (0.13) times the median
 *    distance of a row to its nearest neighbour, among each row's k
 *    nearest (cleanlab's rule). Pairs join into groups.
 *  - outliers: a row's mean distance to its k nearest, over the median of
 *    that mean, at knn-outlier (2) or more. cleanlab flags past Q3 + 1.7
 *    IQR of the same means, which marks the tail of any dataset, a clean
 *    one too; a ratio to the median marks only rows apart from the rest.
 *
 * No curses here. */
#ifndef WINNOW_EMBED_KNN_H
#define WINNOW_EMBED_KNN_H

#include <stddef.h>
#include <stdint.h>

#include "checks.h"
#include "embed.h"

#define EMBED_KNN_K 10
#define EMBED_KNN_NEAR_THRESHOLD 0.13
#define EMBED_KNN_OUTLIER_THRESHOLD 2.0
/* Fewer rows than this have no neighbourhoods to speak of. */
#define EMBED_KNN_MIN_ROWS (EMBED_KNN_K + 1)

struct embed_knn {
	size_t n, k;            /* rows; neighbours a row */
	uint32_t *idx;          /* n × k: each row's neighbours, nearest first */
	float *dist;            /* n × k: their distances */
};

/* The k nearest other rows of each of the n rows of x (n × dim,
 * row-major), k < n. group (n ids, or NULL) only speeds the search: rows
 * that lie together (a class) searched as one, and groups far from a
 * query passed over. stop (or NULL), asked between tiles of queries, ends
 * the search early when it returns nonzero (the browser quitting).
 * Returns 0 and fills *out (free with embed_knn_free), or -1 with *cause
 * set (BLAS cannot be loaded, or stopped). */
int embed_knn_find(const float *x, size_t n, size_t dim, const unsigned *group,
    size_t k, int (*stop)(void *), void *stop_arg, struct embed_knn *out,
    char **cause);
void embed_knn_free(struct embed_knn *nn);

/* The median distance of a row to its nearest neighbour. */
double embed_knn_median_nearest(const struct embed_knn *nn);
/* Each row's mean distance to its k nearest, into mean[n]; returns the
 * median of those means. */
double embed_knn_mean_distances(const struct embed_knn *nn, float *mean);

/* Append the near copies and outliers of e's rows, with a's principal
 * coordinates, at the context's thresholds TH_KNN_NEAR and TH_KNN_OUTLIER.
 * Call after embed_findings: a row it has called an outlier keeps that one
 * line, which then names both rules; and a sample that already has a line
 * of a check (the same bytes, say) gets no second one of it. Returns 0,
 * or -1 with *cause set. */
int embed_knn_findings(const struct check_context *ctx,
    const struct embeddings *e, const struct embed_analysis *a,
    struct findings *out, char **cause);

#endif
