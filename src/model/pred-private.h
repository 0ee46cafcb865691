/* pred-private.h — what predictions.c lends its watcher (pred-watch.c)
 * and the suspect score (suspect.c): a load against labels copied
 * beforehand, the stamp that tells whether the file changed, a row's most
 * probable label. Not for other callers: they use predictions.h. */
#ifndef WINNOW_PRED_PRIVATE_H
#define WINNOW_PRED_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "predictions.h"

/* The labels a load resolves names against: the dataset's, copied so that a
 * load on another thread never reads the dataset's label table while its
 * owner changes it. */
struct label_set {
	char **names;
	size_t n;
};
void label_set_copy(struct label_set *ls, const struct dataset *ds);
void label_set_free(struct label_set *ls);

/* predictions_load against ls (keep_prob 0: as predictions_load_labels). */
struct predictions *predictions_load_with(const char *file, struct dataset *ds,
    const struct label_set *ls, int keep_prob, char **cause);

/* The file's stamp now. Returns 0, or -1 with *cause. */
int pred_stamp_of(const char *file, struct pred_stamp *st, char **cause);
int pred_stamp_equal(const struct pred_stamp *a, const struct pred_stamp *b);

/* The index of a row's largest probability (the first of equals). */
uint16_t pred_argmax(const float *row, size_t n);

#endif
