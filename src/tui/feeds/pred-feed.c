/* feeds/pred-feed.c — the predictions file watched and loaded off the UI
 * thread, its whole loads written into the annotations (pred-feed.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "confusion.h"
#include "dataset.h"
#include "pred-feed.h"
#include "predictions.h"
#include "ui.h"
#include "util.h"

struct pred_feed *
pred_feed(struct app *app)
{
	return app->predictions;
}

/* ---- loading ---- */

static void
watch_notify(void *arg)
{
	struct pred_feed *f = arg;
	ssize_t n = write(f->wake[1], "", 1);
	(void)n;        /* when the pipe is full, it holds a wake-up already */
}

static void
predictions_status(struct app *app, struct pred_feed *f)
{
	char n[32], m[32];
	size_t k, problems = 0;

	for (k = 0; k < PRED_PROBLEM_KINDS; k++)
		problems += f->pred->count[k];
	ui_count(n, sizeof n, f->pred->matched);
	ui_count(m, sizeof m, app->ds->nsamples);
	if (problems)
		ui_status(app, STATUS_PREDICTIONS, "predictions %s of %s · %zu problems "
		    "(winnow confusion lists them)", n, m, problems);
	else
		ui_status(app, STATUS_PREDICTIONS, "predictions %s of %s", n, m);
}

/* Accuracy counted as the pane first shows it: every split, labels after
 * decisions. */
static double
accuracy_of(struct app *app, const uint16_t *pred)
{
	struct annotations a = app->annot;
	struct confusion cm = { 0 };
	double acc;

	a.pred = (uint16_t *)pred;
	confusion_build(&cm, app->ds, &a, -1, 1);
	acc = confusion_accuracy(&cm);
	confusion_free(&cm);
	return acc;
}

static void
took(struct app *app, struct pred_feed *f, struct predictions *p)
{
	struct tm tm;
	time_t now = time(NULL);
	int first = f->pred == NULL;

	/* The current predictions become the ones to compare with. */
	free(f->before);
	f->before = NULL;
	if (!first) {
		f->before = app->annot.pred;
		app->annot.pred = NULL;
	}
	predictions_annotate(p, app->ds, &app->annot);
	predictions_free(f->pred);
	f->pred = p;
	free(f->error);
	f->error = NULL;
	localtime_r(&now, &tm);
	strftime(f->loaded_at, sizeof f->loaded_at, "%H:%M:%S", &tm);
	ui_annotations_changed(app);
	ui_annotations_notify(app, -1);
	predictions_status(app, f);
	if (!first)
		ui_message(app, "predictions reloaded: accuracy %.3f → %.3f",
		    accuracy_of(app, f->before), accuracy_of(app, app->annot.pred));
	else if (p->nproblems > 0)
		ui_error(app, "predictions: %s", p->problems[0].message);
}

static void
on_wake(struct app *app, int fd, void *arg)
{
	struct pred_feed *f = arg;
	struct predictions *p;
	char drain[64], *cause = NULL;

	while (read(fd, drain, sizeof drain) > 0)
		;
	if ((p = pred_watch_take(f->watch, &cause)) != NULL) {
		took(app, f, p);
	} else if (cause != NULL) {
		free(f->error);
		f->error = cause;
		if (f->pred)
			ui_error(app, "predictions: %s (the last ones loaded stay)", cause);
		else
			ui_status(app, STATUS_PREDICTIONS, "no predictions");
	}
	ui_redraw(app, REDRAW_CONFUSION | REDRAW_FRAME | REDRAW_STATUS);
}

void
pred_feed_ready(struct app *app)
{
	struct pred_feed *f = xcalloc(1, sizeof *f);

	app->predictions = f;
	f->wake[0] = f->wake[1] = -1;
	f->file = app->opt.predictions ? xstrdup(app->opt.predictions) :
	    xasprintf("%s/predictions.csv", app->ds->root);
	if (pipe2(f->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		f->error = xasprintf("cannot watch %s: %s", f->file, strerror(errno));
		return;
	}
	ui_watch_fd(app, f->wake[0], on_wake, f);
	f->watch = pred_watch_start(f->file, app->ds, watch_notify, f);
}

void
pred_feed_end(struct app *app)
{
	struct pred_feed *f = app->predictions;

	if (f == NULL)
		return;
	pred_watch_stop(f->watch);
	if (f->wake[0] >= 0) {
		ui_unwatch_fd(app, f->wake[0]);
		close(f->wake[0]);
		close(f->wake[1]);
	}
	predictions_free(f->pred);
	free(f->before);
	free(f->error);
	free(f->file);
	free(f);
	app->predictions = NULL;
}
