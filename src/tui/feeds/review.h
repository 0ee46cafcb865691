/* review.h — review mode (`V`): a verification pass at the speed of
 * listening. While it is on, each decision (a, d, f, 1–9, r, y) moves the
 * selection to the next sample of the file pane's filter and order, and
 * that sample starts playing at once; the status line counts the samples
 * reviewed, those left below the cursor, and the pace in clips per hour.
 * UI thread only. */
#ifndef WINNOW_REVIEW_H
#define WINNOW_REVIEW_H

#include <stddef.h>

struct app;

/* `V`: review mode on / off. Returns REDRAW_ flags. */
unsigned review_toggle(struct app *app);
/* A decision on `sample` was queued (decide.c): in review mode, count it
 * and go on to the row after the sample's, playing it. */
void review_decided(struct app *app, size_t sample);
/* At exit (decide_end): free the state. */
void review_end(struct app *app);

#endif
