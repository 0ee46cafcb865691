/* scan.c — the dataset indexed off the UI thread (scan.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "dataset.h"
#include "scan.h"
#include "sort-feed.h"
#include "trace.h"
#include "ui.h"
#include "util.h"
#include "worker.h"

struct scan {
	struct app *app;
	void (*ready)(struct app *);
	char *path;
	struct dataset *ds;
	char *cause;
	double seconds;
};

static void
scan_run(void *arg)
{
	struct scan *s = arg;
	double t0 = now_seconds();
	s->ds = dataset_open(s->path, &s->cause);
	/* Build the path index here, off the UI thread; parts look samples up
	 * by path (predictions, journal). */
	if (s->ds)
		dataset_find(s->ds, "");
	s->seconds = now_seconds() - t0;
}

static void
scan_done(void *arg, int cancelled)
{
	struct scan *s = arg;
	struct app *app = s->app;

	if (cancelled || s->ds == NULL) {
		if (!cancelled) {
			app->fatal = xasprintf("%s", s->cause);
			app->quit = 1;
			app->exit_status = 2;
		} else if (s->ds)
			dataset_free(s->ds);
		free(s->cause);
		free(s->path);
		free(s);
		return;
	}
	app->ds = s->ds;
	app->annot.n = s->ds->nsamples;
	view_init(&app->view, app->ds, &app->annot);
	app->view.defer_rows = SORT_FEED_ROWS;
	listpos_scroll(&app->view.lv, app->panes[PANE_FILES].h);
	{
		char n[32];
		struct buf b = { 0 };
		ui_count(n, sizeof n, app->ds->nsamples);
		buf_addf(&b, "%s sample%s · %zu label%s", n, app->ds->nsamples == 1 ? "" : "s",
		    app->ds->nlabels, app->ds->nlabels == 1 ? "" : "s");
		if (app->ds->nproblems)
			buf_addf(&b, " · %zu problems indexing (see winnow stats)", app->ds->nproblems);
		ui_status(app, STATUS_SCAN, "%s", buf_str(&b));
		buf_free(&b);
	}
	trace_event(app, "ready", (now_seconds() - app->started) * 1000);
	fprintf(stderr, "%s: indexed %s: %zu samples in %.3f s\n", progname, s->path,
	    app->ds->nsamples, s->seconds);
	s->ready(app);
	free(s->path);
	free(s);
}

void
scan_start(struct app *app, void (*ready)(struct app *))
{
	struct scan *s = xcalloc(1, sizeof *s);
	s->app = app;
	s->ready = ready;
	s->path = xstrdup(app->opt.dataset);
	worker_submit(app->workers, WORKER_BACKGROUND, scan_run, scan_done, s);
}
