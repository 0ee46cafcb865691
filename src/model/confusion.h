/* confusion.h — the confusion matrix of a model's predictions.
 *
 * Rows are the true label, columns the predicted label, both in the
 * dataset's label order (sorted; labels only the model knows come last).
 * The true label is the dataset's, or the one after journal decisions
 * (relabel: the new label; delete: not counted). The matrix remembers which
 * cell each sample is counted in, so one decision moves one sample in O(1)
 * instead of a recount.
 *
 * Reads struct annotations (pred, decision, relabel_to); knows nothing of
 * files or the screen. */
#ifndef WINNOW_CONFUSION_H
#define WINNOW_CONFUSION_H

#include <stddef.h>
#include <stdint.h>

#include "annot.h"
#include "dataset.h"

struct confusion {
	size_t n;               /* labels on each axis */
	uint32_t *cell;         /* n × n, cell[t * n + p]: true t, predicted p */
	uint32_t *row_total;    /* per true label: its samples counted */
	uint32_t *col_total;    /* per predicted label */
	size_t total, correct;
	int split;              /* the split counted, or -1 for all */
	int decided;            /* true labels after journal decisions */
	size_t nsamples;
	uint16_t *row;          /* per sample: the row it is counted in, or
	                           LABEL_NONE when it is not counted */
};

/* Count the samples of ds (in split, -1 all) that have a prediction in a
 * and a true label (decided: after decisions). Replaces what cm held. */
void confusion_build(struct confusion *cm, const struct dataset *ds,
    const struct annotations *a, int split, int decided);
void confusion_free(struct confusion *cm);
/* Sample i's decision changed: move it to its cell now. (New predictions
 * change every sample: build again.) */
void confusion_update(struct confusion *cm, const struct dataset *ds,
    const struct annotations *a, size_t i);
/* Copy counts (not the per-sample rows) for comparing before and after. */
void confusion_copy_counts(struct confusion *dst, const struct confusion *src);

/* The true label the matrix uses for sample i, or LABEL_NONE. */
unsigned confusion_truth(const struct dataset *ds, const struct annotations *a,
    size_t i, int decided);

static inline uint32_t
confusion_cell(const struct confusion *cm, size_t t, size_t p)
{
	return cm->cell[t * cm->n + p];
}
/* Recall (of true label k), precision (of predicted label k), accuracy:
 * NAN when nothing is counted there. */
double confusion_recall(const struct confusion *cm, size_t k);
double confusion_precision(const struct confusion *cm, size_t k);
double confusion_accuracy(const struct confusion *cm);

struct confusion_pair {
	uint16_t truth, pred;
	uint32_t count;
};
/* The off-diagonal cells with the most samples, most first (at most max
 * into out). Returns how many. */
size_t confusion_pairs(const struct confusion *cm, struct confusion_pair *out,
    size_t max);

/* The samples counted in row t and column p (either may be -1: the whole
 * column or row), most suspect first (a->suspect, then path). Returns an
 * array the caller frees, and its length in *n. */
uint32_t *confusion_samples(const struct confusion *cm, const struct annotations *a,
    int t, int p, size_t *n);

#endif
