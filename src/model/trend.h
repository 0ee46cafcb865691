/* trend.h — how a model does from one training run to the next: a row of
 * DATASET/.winnow/trend.tsv for each complete load of its predictions.
 * The sums themselves (accuracy, recall, precision) are the confusion
 * matrix's. */
#ifndef WINNOW_TREND_H
#define WINNOW_TREND_H

#include <stddef.h>

#include "confusion.h"
#include "dataset.h"
#include "util.h"

/* The file, as winnow(1) FILES describes it:
 *
 *   time<TAB>rows<TAB>accuracy<TAB>recall:LABEL…<TAB>precision:LABEL…
 *   2026-11-27T21:03:11Z<TAB>366<TAB>0.7404<TAB>…
 *
 * a header line first, and again whenever the labels change, so that each
 * row reads under the last header above it. Labels are escaped (a tab
 * cannot break a row); an undefined value (nothing counted) is "-". */
#define TREND_FILE ".winnow/trend.tsv"

/* Where ds's trend.tsv is: ROOT/.winnow/trend.tsv, or where the dataset
 * is not writable $XDG_STATE_HOME/winnow/FOLDER-HASH.trend.tsv, beside its
 * journal (dataset_own_file; *fallback set to 1 then). Caller frees. */
char *trend_path(const struct dataset *ds, int *fallback);

/* Append a row for cm (labels[0 .. cm->n - 1] name its labels; rows is the
 * predictions file's data rows) to file, making its folder and the file
 * when missing, with a header line when the file is new or its last header
 * names other labels. The row is written with one append, whole. Returns
 * 0, or -1 with *cause. */
int trend_append(const char *file, const struct confusion *cm, char *const *labels,
    size_t rows, char **cause);

/* A ratio as trend prints it: four decimals, or "-" when undefined (NAN).
 * Appended to b. */
void trend_value(struct buf *b, double v);

#endif
