/* predictions.h — a model's predictions for the samples of a dataset.
 *
 * The file (README.md, "Predictions and the confusion matrix") is CSV or TSV
 * with a header naming `path` and `pred`, and optionally `p_<label>`
 * columns of class probabilities. Rows are joined
 * to the dataset by path. Problems (unknown paths, repeated rows, malformed
 * lines, unknown labels, probabilities that are not a distribution) are
 * counted and the first few of each sort are kept with their line number;
 * none of them stops the load.
 *
 * Predictions have their own label ids: ids below `nknown` are the dataset's
 * label ids when the file was loaded; labels the dataset lacked (a model
 * predicting `_unknown_`) follow, sorted. predictions_annotate() binds them to
 * the dataset.
 *
 * A watcher reloads the file on its own thread when it is rewritten. */
#ifndef WINNOW_PREDICTIONS_H
#define WINNOW_PREDICTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "annot.h"
#include "dataset.h"
#include "util.h"

enum pred_problem_kind {
	PRED_MALFORMED,         /* too few fields, unterminated quote, empty path */
	PRED_UNKNOWN_PATH,      /* the path is not a sample of the dataset */
	PRED_DUPLICATE,         /* a second row for a sample: the first counts */
	PRED_UNKNOWN_LABEL,     /* pred or p_<label> names no label of the dataset */
	PRED_BAD_PROB,          /* not a number, outside [0, 1], or a sum far from 1 */
	PRED_PROBLEM_KINDS
};

/* At most this many problems of each kind are kept one by one. */
#define PRED_PROBLEMS_LISTED 10

struct pred_problem {
	enum pred_problem_kind kind;
	size_t line;            /* 1-based line in the file */
	char *message;          /* "line 12: yes/x.wav is not in the dataset" */
};

/* What a file was when it was read: a reload is needed when this changes. */
struct pred_stamp {
	dev_t dev;
	ino_t ino;
	off_t size;
	long long mtime_ns;
};

struct predictions {
	char *file;             /* the file as given */
	struct pred_stamp stamp;
	double seconds;         /* time the load took */

	size_t nsamples;        /* the dataset's sample count */
	uint16_t *pred;         /* per sample: predicted label (own ids), or
	                           LABEL_NONE when no row named it */
	float *prob;            /* nsamples × nprob probabilities (row i is
	                           sample i), or NULL without p_ columns */
	uint8_t *prob_ok;       /* per sample: 1 when its row has usable
	                           probabilities (NULL without p_ columns) */
	size_t nprob;           /* columns of prob: labels 0 .. nprob-1 */

	char **labels;          /* own label names */
	size_t nlabels, nknown;
	uint16_t *to_dataset;   /* own label -> dataset label, set by
	                           predictions_annotate (NULL before) */

	size_t torn_line;       /* the last row's line when the file ends
	                           inside it (no newline after it, and it
	                           does not read as a whole row), as one still
	                           being written does; 0 when the parse ended
	                           cleanly */
	size_t rows;            /* data rows read */
	size_t matched;         /* samples with a prediction */
	size_t count[PRED_PROBLEM_KINDS];
	struct pred_problem *problems;
	size_t nproblems;
};

/* Load predictions for ds from file. Returns a new struct (free with
 * predictions_free), or NULL with *cause set when the file cannot be read or
 * has no usable header. Reads ds without changing it (its path index is
 * built first when missing). */
struct predictions *predictions_load(const char *file, struct dataset *ds, char **cause);
/* For tests: when 0, every row is split by csv first, none read in one
 * pass, so that the two readers can be compared. */
extern int predictions_one_pass;
/* The same without keeping the probabilities (prob and prob_ok stay NULL;
 * they are still read, checked and reported): for a caller that needs the
 * predicted labels only, 140 MB less to fill for 1M rows × 35 labels. */
struct predictions *predictions_load_labels(const char *file, struct dataset *ds,
    char **cause);
void predictions_free(struct predictions *p);

/* "unknown path" etc.; for summaries. */
const char *pred_problem_name(enum pred_problem_kind kind);

/* Bind p to ds: labels the dataset lacks are interned into it (they sort
 * last, in name order), and p->to_dataset maps p's label ids to the
 * dataset's. Call on the thread that owns ds. */
void predictions_bind(struct predictions *p, struct dataset *ds);
/* Sample i's predicted label as a dataset label id (LABEL_NONE: none).
 * p must be bound. */
uint16_t predictions_label(const struct predictions *p, size_t i);
/* Bind p to ds, then fill a->pred (dataset label ids), a->pred_p
 * (probability of the predicted label), a->margin (the top two
 * probabilities' difference) and a->suspect (the score of
 * suspects_find below, against the dataset's labels), replacing what a
 * held. a->n becomes ds->nsamples when 0. Call on the thread that owns ds
 * and a. */
void predictions_annotate(struct predictions *p, struct dataset *ds, struct annotations *a);

/* ---- suspect labels (confident learning, README.md "Suspect labels") ---- */

struct suspect {
	size_t sample;
	uint16_t label;         /* the label judged (dataset id) */
	uint16_t likely;        /* the label the model believes (dataset id) */
	float p_label;          /* self-confidence p_y; NAN without probabilities */
	float p_likely;         /* p_k of the likely label */
	float threshold;        /* t_k of the likely label */
	float score;            /* 1 - p_y (1 without probabilities): higher is
	                           more suspect */
};

/* The suspects among ds's samples judged against labels (one per sample,
 * dataset ids, LABEL_NONE to skip; NULL: the dataset's labels). With
 * probabilities: for class k, t_k = mean p_k over the samples labelled k; a
 * sample labelled y is a suspect when some k != y has p_k >= t_k (the
 * highest such p_k names the likely label) and the argmax of its
 * probabilities is not y. Without probabilities: pred != label. Sorted most
 * suspect first (lowest p_y, then path). p must be bound to ds.
 * Returns an array the caller frees (NULL when none) and its length in *n. */
struct suspect *suspects_find(const struct predictions *p, const struct dataset *ds,
    const uint16_t *labels, size_t *n);
/* "p(yes)=0.12 < p(no)=0.81 >= t_no=0.64", or "pred no != label yes";
 * appended to b. */
void suspect_detail(const struct suspect *s, const struct dataset *ds, struct buf *b);

/* ---- watching the file ---- */

struct pred_watch;

/* Watch file and load it on the watcher's own thread: at once, then each
 * time it is whole again. With inotify (on its folder) that is when a
 * writer closes it or a file is renamed over it, never while it is open
 * for writing; where inotify is missing or silent (NFS), when stat polling
 * finds it changed and then unchanged for a second. A load that ends
 * inside a row (torn_line) is not given as predictions but as a failure.
 * notify(arg) is called from that thread after each load attempt; the owner
 * then calls pred_watch_take. ds must outlive the watcher; the watcher only
 * reads its path index (built here) and a copy of its labels. */
struct pred_watch *pred_watch_start(const char *file, struct dataset *ds,
    void (*notify)(void *), void *arg);
/* The newest result since the last call: new predictions (the caller owns
 * them) or NULL, with *cause set (caller frees) when the last attempt
 * failed, or neither when nothing new happened. A missing file is a failure
 * only once, until it appears. */
struct predictions *pred_watch_take(struct pred_watch *w, char **cause);
/* Stop the thread and free w. */
void pred_watch_stop(struct pred_watch *w);

#endif
