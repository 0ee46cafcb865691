/* sort-feed.c — the file list's long orders, sorted off the UI thread. */
#include "config.h"

#include <stdlib.h>

#include "sort-feed.h"
#include "trace.h"
#include "ui.h"
#include "util.h"
#include "view.h"
#include "worker.h"

struct sort_job {
	struct app *app;
	struct view_key *keys;
	size_t n;
	unsigned long generation;
};

static void
sort_run(void *arg)
{
	struct sort_job *j = arg;
	view_sort_keys(j->keys, j->n);
}

static void
sort_done(void *arg, int cancelled)
{
	struct sort_job *j = arg;
	if (!cancelled && view_set_order(&j->app->view, j->keys, j->n, j->generation)) {
		j->app->redraw |= REDRAW_FILES;
		trace_event(j->app, "sorted", (now_seconds() - j->app->started) * 1000);
	}
	free(j->keys);
	free(j);
}

void
sort_feed_start(struct app *app)
{
	struct sort_job *j;
	struct view_key *keys;
	unsigned long generation;
	size_t n;

	if (app->ds == NULL || (keys = view_take_pending(&app->view, &n, &generation)) == NULL)
		return;
	j = xmalloc(sizeof *j);
	j->app = app;
	j->keys = keys;
	j->n = n;
	j->generation = generation;
	worker_submit(app->workers, WORKER_URGENT, sort_run, sort_done, j);
}
