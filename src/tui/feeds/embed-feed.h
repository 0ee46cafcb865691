/* embed-feed.h — embeddings in the browser. When the dataset is ready the
 * embeddings file (-e FILE, else the dataset's own, embed_default_file) is
 * read and analysed on the worker pool (embed.h); the result joins rows to
 * samples for the cluster pane, and its findings fill app->annot (outlier
 * scores for sorting, the cluster-outlier and cluster-split badges). */
#ifndef WINNOW_EMBED_FEED_H
#define WINNOW_EMBED_FEED_H

#include <stddef.h>
#include <stdint.h>

struct app;
struct dataset;

enum embed_state { EMBED_NONE, EMBED_LOADING, EMBED_READY, EMBED_FAILED };

/* Owned by the part (app->cluster); read on the UI thread only. */
struct embed_feed {
	enum embed_state state;
	char *file;                     /* what is or was read */
	char *error;                    /* EMBED_FAILED: why */
	struct embeddings *e;           /* rows joined to samples (no values) */
	struct embed_analysis *a;
	double outlier_th, split_th;
	int32_t *row_of;                /* sample → row, -1 without one */
	uint32_t *class_rows;           /* rows by class: class k's are */
	size_t *class_start;            /* class_rows[class_start[k]..[k+1]) */
	unsigned *ranking;              /* classes by split score */
};

/* The part's hooks (ui.c parts[]): start reading when the dataset is
 * ready; free everything at exit (after the pool has stopped). */
void embed_feed_ready(struct app *app);
void embed_feed_end(struct app *app);
/* The feed's state; NULL before the dataset is ready and after the end. */
struct embed_feed *embed_feed(struct app *app);

/* Questions about a ready analysis, for a view: every sample (view -1)
 * in the first two principal components, or class `view` in its own two.
 * Rows are the embeddings file's. */
size_t embed_feed_count(const struct embed_feed *f, long view);
/* The view's k-th row. */
uint32_t embed_feed_row(const struct embed_feed *f, long view, size_t k);
/* Row's point in the view's plane. */
void embed_feed_point(const struct embed_feed *f, long view, uint32_t row,
    double *x, double *y);
/* Is row (-1: none) one of the view's? */
int embed_feed_in(const struct embed_feed *f, const struct dataset *ds, long view,
    long row);
/* The view's next outlier down from row's score (the top one when row is
 * none or no outlier, and after the last); -1 when it has none. */
long embed_feed_next_outlier(const struct embed_feed *f, const struct dataset *ds,
    long view, long row);
/* The samples of class view's group g (0 or 1), *n of them; the caller
 * frees the array. */
uint32_t *embed_feed_group(const struct embed_feed *f, long view, int g, size_t *n);

#endif
