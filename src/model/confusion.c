/* confusion.c — count predictions against true labels, and keep the count
 * current as decisions are made. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "confusion.h"
#include "util.h"

unsigned
confusion_truth(const struct dataset *ds, const struct annotations *a, size_t i,
    int decided)
{
	if (decided && a->decision != NULL && i < a->n) {
		switch (a->decision[i]) {
		case DECISION_DELETE:
			return LABEL_NONE;
		case DECISION_RELABEL:
			if (a->relabel_to != NULL)
				return a->relabel_to[i];
			break;
		default:
			break;
		}
	}
	return ds->samples[i].label;
}

/* The row sample i belongs in under cm's view, or LABEL_NONE. */
static unsigned
row_of(const struct confusion *cm, const struct dataset *ds,
    const struct annotations *a, size_t i)
{
	if (a->pred == NULL || i >= a->n || a->pred[i] == LABEL_NONE)
		return LABEL_NONE;
	if (cm->split >= 0 && ds->samples[i].split != cm->split)
		return LABEL_NONE;
	return confusion_truth(ds, a, i, cm->decided);
}

static void
alloc_counts(struct confusion *cm, size_t n)
{
	cm->n = n;
	cm->cell = xcalloc(n * n, sizeof *cm->cell);
	cm->row_total = xcalloc(n ? n : 1, sizeof *cm->row_total);
	cm->col_total = xcalloc(n ? n : 1, sizeof *cm->col_total);
}

static void
free_counts(struct confusion *cm)
{
	free(cm->cell);
	free(cm->row_total);
	free(cm->col_total);
	cm->cell = cm->row_total = cm->col_total = NULL;
}

/* Labels were added to the dataset (a relabel to a new name, a model's own
 * label): widen the matrix, keeping the counts. */
static void
grow(struct confusion *cm, size_t n)
{
	uint32_t *cell = cm->cell, *rows = cm->row_total, *cols = cm->col_total;
	size_t old = cm->n, t;

	alloc_counts(cm, n);
	for (t = 0; t < old; t++)
		memcpy(cm->cell + t * n, cell + t * old, old * sizeof *cell);
	memcpy(cm->row_total, rows, old * sizeof *rows);
	memcpy(cm->col_total, cols, old * sizeof *cols);
	free(cell);
	free(rows);
	free(cols);
}

static void
count(struct confusion *cm, unsigned t, unsigned p, int by)
{
	cm->cell[t * cm->n + p] += (uint32_t)by;
	cm->row_total[t] += (uint32_t)by;
	cm->col_total[p] += (uint32_t)by;
	cm->total += (size_t)by;
	if (t == p)
		cm->correct += (size_t)by;
}

void
confusion_build(struct confusion *cm, const struct dataset *ds,
    const struct annotations *a, int split, int decided)
{
	size_t i, n = ds->nlabels;
	unsigned t;

	confusion_free(cm);
	cm->split = split;
	cm->decided = decided;
	alloc_counts(cm, n);
	cm->nsamples = ds->nsamples;
	cm->row = xmalloc((ds->nsamples ? ds->nsamples : 1) * sizeof *cm->row);
	for (i = 0; i < ds->nsamples; i++) {
		t = row_of(cm, ds, a, i);
		if (t >= n || a->pred[i] >= n) {
			cm->row[i] = LABEL_NONE;
			continue;
		}
		cm->row[i] = (uint16_t)t;
		count(cm, t, a->pred[i], 1);
	}
}

void
confusion_update(struct confusion *cm, const struct dataset *ds,
    const struct annotations *a, size_t i)
{
	unsigned old, now;

	if (i >= cm->nsamples)
		return;
	if (ds->nlabels > cm->n)
		grow(cm, ds->nlabels);
	old = cm->row[i];
	now = row_of(cm, ds, a, i);
	if (now >= cm->n || a->pred[i] >= cm->n)
		now = LABEL_NONE;
	if (old != LABEL_NONE)
		count(cm, old, a->pred[i], -1);
	if (now != LABEL_NONE)
		count(cm, now, a->pred[i], 1);
	cm->row[i] = (uint16_t)now;
}

void
confusion_copy_counts(struct confusion *dst, const struct confusion *src)
{
	free_counts(dst);
	free(dst->row);
	dst->row = NULL;
	dst->nsamples = 0;
	alloc_counts(dst, src->n);
	memcpy(dst->cell, src->cell, src->n * src->n * sizeof *src->cell);
	memcpy(dst->row_total, src->row_total, src->n * sizeof *src->row_total);
	memcpy(dst->col_total, src->col_total, src->n * sizeof *src->col_total);
	dst->total = src->total;
	dst->correct = src->correct;
	dst->split = src->split;
	dst->decided = src->decided;
}

void
confusion_free(struct confusion *cm)
{
	free_counts(cm);
	free(cm->row);
	memset(cm, 0, sizeof *cm);
	cm->split = -1;
}

double
confusion_recall(const struct confusion *cm, size_t k)
{
	if (k >= cm->n || cm->row_total[k] == 0)
		return NAN;
	return (double)confusion_cell(cm, k, k) / cm->row_total[k];
}

double
confusion_precision(const struct confusion *cm, size_t k)
{
	if (k >= cm->n || cm->col_total[k] == 0)
		return NAN;
	return (double)confusion_cell(cm, k, k) / cm->col_total[k];
}

double
confusion_accuracy(const struct confusion *cm)
{
	return cm->total ? (double)cm->correct / (double)cm->total : NAN;
}

static int
cmp_pairs(const void *a, const void *b)
{
	const struct confusion_pair *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->truth != y->truth)
		return x->truth < y->truth ? -1 : 1;
	return x->pred < y->pred ? -1 : x->pred > y->pred;
}

size_t
confusion_pairs(const struct confusion *cm, struct confusion_pair *out, size_t max)
{
	struct confusion_pair *all;
	size_t t, p, n = 0;

	all = xmalloc(cm->n * cm->n * sizeof *all);
	for (t = 0; t < cm->n; t++)
		for (p = 0; p < cm->n; p++)
			if (t != p && confusion_cell(cm, t, p) > 0) {
				all[n].truth = (uint16_t)t;
				all[n].pred = (uint16_t)p;
				all[n].count = confusion_cell(cm, t, p);
				n++;
			}
	if (n > 1)
		qsort(all, n, sizeof *all, cmp_pairs);
	if (n > max)
		n = max;
	memcpy(out, all, n * sizeof *out);
	free(all);
	return n;
}

static int
cmp_suspect(const void *a, const void *b, void *arg)
{
	const float *suspect = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	float sx = suspect ? suspect[x] : NAN, sy = suspect ? suspect[y] : NAN;
	int nx = isnan(sx), ny = isnan(sy);

	if (nx != ny)
		return nx - ny;         /* suspects first */
	if (!nx && sx != sy)
		return sx > sy ? -1 : 1;
	return x < y ? -1 : x > y;      /* samples are in path order */
}

uint32_t *
confusion_samples(const struct confusion *cm, const struct annotations *a, int t,
    int p, size_t *n)
{
	uint32_t *out = NULL;
	size_t i, cap = 0, k = 0;

	for (i = 0; i < cm->nsamples; i++) {
		if (cm->row[i] == LABEL_NONE || (t >= 0 && cm->row[i] != t) ||
		    (p >= 0 && a->pred[i] != p))
			continue;
		out = xgrow(out, &cap, k + 1, sizeof *out);
		out[k++] = (uint32_t)i;
	}
	if (k > 1)
		qsort_r(out, k, sizeof *out, cmp_suspect, a->suspect);
	*n = k;
	return out;
}
