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

#endif
