/* review.h — review mode (`V`): a verification pass at the speed of
 * listening. While it is on, each decision (a, d, f, 1–9, r, y) moves the
 * selection to the next sample of the file pane's filter and order, and
 * that sample starts playing at once; the status line counts the samples
 * reviewed, those left below the cursor, and the pace in clips per hour.
 * UI thread only. */
#ifndef WINNOW_REVIEW_H
#define WINNOW_REVIEW_H

#include <stddef.h>

#include "commands.h"

struct app;

/* The command review, `V`: review mode on / off (commands.h). */
extern const struct command_handler review_commands[];
/* What plays the sample review mode moves to (the preview pane's player,
 * set by the browser's set-up): returns REDRAW_ flags. */
void review_plays_with(unsigned (*play)(struct app *));
/* A decision on `sample` was queued (decide.c): in review mode, count it
 * and go on to the row after the sample's, playing it. */
void review_decided(struct app *app, size_t sample);
/* At exit (decide_end): free the state. */
void review_end(struct app *app);

#endif
