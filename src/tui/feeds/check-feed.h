/* check-feed.h — the checks in the browser. When the dataset is ready they run
 * on the worker pool (a few hundred files a job, so other background work
 * interleaves), with progress on the status line; their findings fill
 * app->annot (findings bits for the badges and `/check=NAME`, peak, RMS and
 * duration for sorting by loudness and duration). */
#ifndef WINNOW_CHECK_FEED_H
#define WINNOW_CHECK_FEED_H

#include <stddef.h>

#include "commands.h"

struct app;
struct buf;

/* The part's hooks (ui.c parts[]): start when the dataset is ready; free
 * everything at exit (after the pool has stopped). */
void checks_ready(struct app *app);
void checks_end(struct app *app);

/* Append sample i's findings to b, one "check: detail" a line (for the
 * preview or a decision's reason). Returns how many; 0 also while the
 * checks are still running. UI thread. */
size_t checks_describe(struct app *app, long sample, struct buf *b);
/* `next-copy`: select the next of the selected sample's group of copies
 * (the same bytes or near, every member, in dataset order, round again
 * after the last), and say "copy i of n". */
unsigned checks_next_copy(struct app *app, int arg);
/* Its command, for the command table. */
extern const struct command_handler checks_commands[];

#endif
