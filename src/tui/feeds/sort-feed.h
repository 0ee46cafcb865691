/* sort-feed.h — the file list's long orders, sorted off the UI thread.
 *
 * Sorting a million rows by a value (suspicion, loudness, duration,
 * outlier score, uncertainty) takes longer than a frame. The view leaves such an order pending
 * (view.h: defer_rows) and shows the rows in path order meanwhile; this
 * feed sorts the keys on the worker pool's urgent thread and hands the
 * order back, unless the list was rebuilt in between (another order, a
 * filter, new annotations), whose own order is then on its way. */
#ifndef WINNOW_SORT_FEED_H
#define WINNOW_SORT_FEED_H

struct app;

/* Rows from which an order by a value is sorted off the UI thread: fewer
 * sort within a frame (a hundred thousand: a few ms). */
#define SORT_FEED_ROWS 100000

/* Send the view's pending order, if any, to be sorted. Call after the
 * view may have been rebuilt, before drawing. */
void sort_feed_start(struct app *app);

#endif
