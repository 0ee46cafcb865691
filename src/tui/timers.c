/* timers.c — timers and watched descriptors of the event loop (timers.h,
 * ui.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "timers.h"
#include "ui.h"
#include "util.h"

struct timer {
	double when;
	void (*fn)(struct app *, void *);
	void *arg;
	struct timer *next;
};

void
ui_after(struct app *app, double seconds, void (*fn)(struct app *, void *), void *arg)
{
	struct timer *t = xmalloc(sizeof *t), **pp;
	t->when = now_seconds() + seconds;
	t->fn = fn;
	t->arg = arg;
	for (pp = &app->timers; *pp && (*pp)->when <= t->when; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
}

struct watch {
	int fd;
	void (*fn)(struct app *, int, void *);
	void *arg;
};

void
ui_watch_fd(struct app *app, int fd, void (*fn)(struct app *, int, void *), void *arg)
{
	app->watches = xgrow(app->watches, &app->capwatches, app->nwatches + 1,
	    sizeof *app->watches);
	app->watches[app->nwatches].fd = fd;
	app->watches[app->nwatches].fn = fn;
	app->watches[app->nwatches].arg = arg;
	app->nwatches++;
}

void
ui_unwatch_fd(struct app *app, int fd)
{
	size_t i;
	for (i = 0; i < app->nwatches; i++)
		if (app->watches[i].fd == fd) {
			memmove(&app->watches[i], &app->watches[i + 1],
			    (app->nwatches - i - 1) * sizeof *app->watches);
			app->nwatches--;
			return;
		}
}

void
timers_run(struct app *app, double now)
{
	struct timer *t;
	while ((t = app->timers) != NULL && t->when <= now) {
		app->timers = t->next;
		t->fn(app, t->arg);
		free(t);
	}
}

int
timers_next(const struct app *app, double *when)
{
	if (app->timers == NULL)
		return 0;
	*when = app->timers->when;
	return 1;
}

void
timers_free(struct app *app)
{
	struct timer *t;
	while ((t = app->timers) != NULL) {
		app->timers = t->next;
		free(t);
	}
	free(app->watches);
	app->watches = NULL;
	app->nwatches = app->capwatches = 0;
}

void
watches_fill(const struct app *app, struct pollfd *fds)
{
	size_t k;
	for (k = 0; k < app->nwatches; k++) {
		fds[k].fd = app->watches[k].fd;
		fds[k].events = POLLIN;
	}
}

void
watches_dispatch(struct app *app, const struct pollfd *fds, size_t n)
{
	/* Copy first: a callback may add or remove watches. */
	struct watch *ready = xmalloc((n ? n : 1) * sizeof *ready);
	size_t nready = 0, k, i;
	for (k = 0; k < n; k++)
		if (fds[k].revents & (POLLIN | POLLHUP | POLLERR))
			for (i = 0; i < app->nwatches; i++)
				if (app->watches[i].fd == fds[k].fd)
					ready[nready++] = app->watches[i];
	for (k = 0; k < nready; k++)
		ready[k].fn(app, ready[k].fd, ready[k].arg);
	free(ready);
}
