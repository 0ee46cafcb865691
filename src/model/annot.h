/* annot.h — what the parts of winnow learn about each sample, kept beside the
 * dataset index in parallel arrays (sample i ↔ element i), each allocated
 * only when the part that fills it has run (NULL before). The file pane
 * shows them, filters and sorts by them; no part needs another's internals.
 *
 * Threads: workers compute results into their own memory and hand them to
 * the UI thread, which alone writes these arrays. Headless commands fill
 * them directly. */
#ifndef WINNOW_ANNOT_H
#define WINNOW_ANNOT_H

#include <stddef.h>
#include <stdint.h>

/* The check names of README.md's table (and winnow(1)), in its order;
 * bit (1u << CHECK_x) in findings. */
enum check_id {
	CHECK_UNREADABLE,
	CHECK_EXT_MISMATCH,
	CHECK_SILENT,
	CHECK_QUIET,
	CHECK_TRUNCATED,
	CHECK_CLIPPED,
	CHECK_BLANK,
	CHECK_TINY,
	CHECK_DUPLICATE,
	CHECK_LABEL_CONFLICT,
	CHECK_SPLIT_LEAK,
	CHECK_SUSPECT_LABEL,
	CHECK_IMBALANCE,
	CHECK_CLUSTER_OUTLIER,
	CHECK_CLUSTER_SPLIT,
	CHECK_FORMAT_MISMATCH,
	CHECK_DC_OFFSET,
	CHECK_NOISY,
	CHECK_DARK,
	CHECK_BRIGHT,
	CHECK_BLURRY,
	CHECK_GRAYSCALE,
	CHECK_ODD_ASPECT,
	CHECK_LOW_INFORMATION,
	CHECK_NEAR_DUPLICATE,
	CHECK_COUNT
};

/* "unreadable", "ext-mismatch", … (annot.c); NULL past CHECK_COUNT. */
const char *check_name(enum check_id id);
/* The check of a name, or -1. */
int check_find(const char *name);

/* The decision standing for a sample after the journal is replayed. */
enum decision {
	DECISION_NONE = 0,
	DECISION_RELABEL,
	DECISION_DELETE,
	DECISION_ACCEPT,
	DECISION_FLAG,
};

struct annotations {
	size_t n;               /* number of samples the arrays cover */
	uint32_t *findings;     /* checks: 1u << enum check_id per finding */
	float *peak_db;         /* checks/audio: peak in dBFS (NAN unknown) */
	float *rms_db;          /* checks/audio: RMS in dBFS (NAN unknown) */
	float *duration;        /* checks/audio: seconds (NAN unknown) */
	uint16_t *pred;         /* predictions: predicted label id, LABEL_NONE none */
	float *pred_p;          /* predictions: probability of pred (NAN none) */
	float *margin;          /* predictions: top probability minus the
	                           second (NAN without probabilities): small
	                           when the model hesitates */
	float *suspect;         /* predictions: suspect score, higher = more
	                           suspect (NAN: not a suspect / unknown) */
	float *outlier;         /* embeddings: distance to class centre in
	                           spreads (NAN unknown) */
	uint8_t *decision;      /* journal: enum decision */
	uint16_t *relabel_to;   /* journal: target label id when relabelled */
};

/* Allocate one array of n elements filled with NAN (floats) or zero. The
 * caller stores it in the struct, which then owns it. */
float *annot_floats(size_t n);
void annotations_free(struct annotations *a);

#endif
