/* pred-feed.h — predictions in the browser. When the dataset is ready the
 * predictions file (-p FILE, else ROOT/predictions.csv) is watched and
 * loaded off the UI thread (predictions.h); each whole load fills
 * app->annot (predicted labels, suspects) and is published with
 * ui_annotations_notify(app, -1), so what derives from predictions (the
 * confusion pane) follows without the feed calling into it. The load
 * before the last is kept, for what a reload changed.
 *
 * Each whole load also appends a row to ROOT/.winnow/trend.tsv (trend.h),
 * or where the dataset is not writable to the one beside its journal in
 * $XDG_STATE_HOME/winnow, on a worker; the recall per class of the rows
 * recorded there before, and of this session's loads, is kept for the
 * pane's sparklines. */
#ifndef WINNOW_PRED_FEED_H
#define WINNOW_PRED_FEED_H

#include <stddef.h>
#include <stdint.h>

struct app;

/* The loads whose recall is kept: the newest this many. */
#define PRED_TREND_KEEP 32

/* Owned by the part (app->predictions); read on the UI thread only. */
struct pred_feed {
	char *file;                     /* the predictions file watched */
	struct predictions *pred;       /* the last whole load, or NULL */
	uint16_t *before;               /* per sample, the label the load
	                                   before it predicted (annot.h's
	                                   pred), or NULL while there was one load */
	char *error;                    /* why the last attempt failed, or NULL */
	char loaded_at[16];             /* "21:03:11" */

	/* Recall per class, dataset label k at load i (oldest first):
	 * recall[i * nlabels + k], NAN where nothing was counted or the
	 * load's labels did not name k. */
	double *recall;
	size_t nloads, nlabels;

	/* trend.tsv's rows, one worker at a time so that they go in load
	 * order and the first reads the file before any is added */
	struct trend_job *trend_waiting;        /* oldest first */
	int trend_writing;
	int trend_elsewhere;            /* in $XDG_STATE_HOME: the dataset
	                                   is read-only */

	struct pred_watch *watch;
	int wake[2];                    /* the watcher's wake-up pipe */
};

/* The part's hooks (ui.c parts[]): start watching when the dataset is
 * ready; stop and free everything at exit. */
void pred_feed_ready(struct app *app);
void pred_feed_end(struct app *app);
/* The feed's state; NULL before the dataset is ready and after the end. */
struct pred_feed *pred_feed(struct app *app);

#endif
