/* timers.h — what the event loop waits for besides keys and the workers:
 * timers (ui_after) and descriptors (ui_watch_fd) of ui.h. */
#ifndef WINNOW_TIMERS_H
#define WINNOW_TIMERS_H

#include <poll.h>
#include <stddef.h>

struct app;

/* Run the timers that are due at `now`. */
void timers_run(struct app *app, double now);
/* When the next timer is due; 0 when there is none. */
int timers_next(const struct app *app, double *when);
void timers_free(struct app *app);

/* The watched descriptors into fds (app->nwatches of them, for reading). */
void watches_fill(const struct app *app, struct pollfd *fds);
/* Run the functions of the descriptors in fds (n of them, as filled
 * before the poll) that are readable or hung up. */
void watches_dispatch(struct app *app, const struct pollfd *fds, size_t n);

#endif
