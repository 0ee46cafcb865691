/* feeds/pred-feed.c — the predictions file watched and loaded off the UI
 * thread, its whole loads written into the annotations and recorded in
 * trend.tsv, which a worker reads and appends to (pred-feed.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "confusion.h"
#include "dataset.h"
#include "pred-feed.h"
#include "predictions.h"
#include "trend.h"
#include "ui.h"
#include "util.h"
#include "worker.h"

struct pred_feed *
pred_feed(struct app *app)
{
	return app->predictions;
}

/* ---- recall over the loads ---- */

/* Make room for one more load's recall, dropping the oldest beyond
 * PRED_TREND_KEEP; returns its row, every value NAN. */
static double *
trend_row(struct pred_feed *f)
{
	size_t k;
	double *row;

	if (f->nloads == PRED_TREND_KEEP) {
		memmove(f->recall, f->recall + f->nlabels,
		    (PRED_TREND_KEEP - 1) * f->nlabels * sizeof *f->recall);
		f->nloads--;
	}
	row = f->recall + f->nloads * f->nlabels;
	for (k = 0; k < f->nlabels; k++)
		row[k] = NAN;
	f->nloads++;
	return row;
}

/* The recall columns of a trend.tsv header ("recall:LABEL", labels
 * escaped) as dataset labels, -1 for a label the dataset does not have. */
static void
header_columns(const struct dataset *ds, char **field, size_t n, long *label)
{
	struct buf b = { 0 };
	size_t i, k;

	for (i = 0; i < n; i++) {
		label[i] = -1;
		if (strncmp(field[i], "recall:", 7) != 0)
			continue;
		for (k = 0; k < ds->nlabels; k++) {
			b.len = 0;
			escape_name(&b, ds->labels[k]);
			if (strcmp(buf_str(&b), field[i] + 7) == 0)
				label[i] = (long)k;
		}
	}
	buf_free(&b);
}

/* Split line at tabs, in place; returns the fields, *n of them. */
static char **
split_tabs(char *line, size_t *n)
{
	char **field = NULL, *p = line;
	size_t cap = 0;

	*n = 0;
	for (;;) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			field = xrealloc(field, cap * sizeof *field);
		}
		field[(*n)++] = p;
		if ((p = strchr(p, '\t')) == NULL)
			break;
		*p++ = '\0';
	}
	return field;
}

/* The rows a trend.tsv held from earlier sessions (text, len bytes),
 * put before this session's loads, so that the sparklines start with
 * history. What cannot be read is left out: the file is a record for
 * people and scripts, and a torn last row is only that. */
static void
history_take(struct app *app, struct pred_feed *f, char *text, size_t len)
{
	struct pred_feed h = { .nlabels = f->nlabels };
	char *line, *nl, **field, *end;
	long *label = NULL;
	size_t n, i, ncols = 0, k;
	double *row, v;

	h.recall = xmalloc(PRED_TREND_KEEP * (h.nlabels ? h.nlabels : 1) * sizeof *h.recall);
	for (line = text; (nl = memchr(line, '\n', (size_t)(text + len - line))) != NULL;
	    line = nl + 1) {
		*nl = '\0';
		field = split_tabs(line, &n);
		if (strcmp(field[0], "time") == 0) {
			label = xrealloc(label, (n ? n : 1) * sizeof *label);
			header_columns(app->ds, field, n, label);
			ncols = n;
		} else if (label != NULL && n == ncols) {
			row = trend_row(&h);
			for (i = 0; i < n; i++) {
				if (label[i] < 0)
					continue;
				v = strtod(field[i], &end);
				if (end != field[i] && *end == '\0')
					row[label[i]] = v;
			}
		}
		free(field);
	}
	for (i = 0; i < f->nloads; i++) {
		row = trend_row(&h);
		for (k = 0; k < f->nlabels; k++)
			row[k] = f->recall[i * f->nlabels + k];
	}
	free(f->recall);
	f->recall = h.recall;
	f->nloads = h.nloads;
	free(label);
}

static void predictions_status(struct app *app, struct pred_feed *f);

/* A whole load's row for trend.tsv, written by a worker: the file's place
 * asks the disk (is the dataset writable?), and the first load of the
 * session reads the rows before it. */
struct trend_job {
	struct app *app;
	const struct dataset *ds;       /* its root and manifest only */
	int first;
	struct confusion cm;            /* counts only */
	char **labels;                  /* cm.n names, copied */
	size_t rows;
	char *file, *history, *cause;
	size_t history_len;
	int fallback;
	struct trend_job *next;         /* in pred_feed's trend_waiting */
};

static void
trend_job_free(struct trend_job *j)
{
	size_t k;

	for (k = 0; k < j->cm.n; k++)
		free(j->labels[k]);
	free(j->labels);
	confusion_free(&j->cm);
	free(j->file);
	free(j->history);
	free(j->cause);
	free(j);
}

static void
trend_run(void *arg)
{
	struct trend_job *j = arg;
	char *ignored = NULL;

	j->file = trend_path(j->ds, &j->fallback);
	if (j->first) {
		j->history = read_file(j->file, &j->history_len, &ignored);
		free(ignored);
	}
	if (trend_append(j->file, &j->cm, j->labels, j->rows, &j->cause) == 0) {
		free(j->cause);
		j->cause = NULL;
	}
}

static void
trend_done(void *arg, int cancelled)
{
	struct trend_job *j = arg, *next;
	struct pred_feed *f;

	if (cancelled || (f = pred_feed(j->app)) == NULL) {
		trend_job_free(j);
		return;
	}
	if ((next = f->trend_waiting) != NULL) {
		f->trend_waiting = next->next;
		worker_submit(j->app->workers, WORKER_BACKGROUND, trend_run, trend_done, next);
	} else {
		f->trend_writing = 0;
	}
	if (j->history != NULL)
		history_take(j->app, f, j->history, j->history_len);
	if (j->cause != NULL)
		ui_error(j->app, "trend not recorded: %s", j->cause);
	if (f->trend_elsewhere != j->fallback) {
		f->trend_elsewhere = j->fallback;
		predictions_status(j->app, f);
	}
	ui_redraw(j->app, REDRAW_CONFUSION | REDRAW_STATUS);
	trend_job_free(j);
}

/* A whole load: its recall now, its row in trend.tsv by a worker. */
static void
trend_record(struct app *app, struct pred_feed *f, int first)
{
	struct confusion cm = { 0 };
	struct trend_job *j = xcalloc(1, sizeof *j);
	double *row;
	size_t k;

	confusion_build(&cm, app->ds, &app->annot, -1, 1);
	row = trend_row(f);
	for (k = 0; k < cm.n && k < f->nlabels; k++)
		row[k] = confusion_recall(&cm, k);
	j->app = app;
	j->ds = app->ds;
	j->first = first;
	j->rows = f->pred->rows;
	confusion_copy_counts(&j->cm, &cm);
	j->labels = xmalloc((cm.n ? cm.n : 1) * sizeof *j->labels);
	for (k = 0; k < cm.n; k++)
		j->labels[k] = xstrdup(app->ds->labels[k]);
	confusion_free(&cm);
	if (f->trend_writing) {
		struct trend_job **at = &f->trend_waiting;
		while (*at != NULL)
			at = &(*at)->next;
		*at = j;
		return;
	}
	f->trend_writing = 1;
	worker_submit(app->workers, WORKER_BACKGROUND, trend_run, trend_done, j);
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
	/* Where the trend went is said as the journal says it: on the slot,
	 * while it holds. */
	if (problems)
		ui_status(app, STATUS_PREDICTIONS, "predictions %s of %s · %zu problems "
		    "(winnow confusion lists them)%s", n, m, problems,
		    f->trend_elsewhere ? " · trend beside the journal (dataset read-only)" : "");
	else
		ui_status(app, STATUS_PREDICTIONS, "predictions %s of %s%s", n, m,
		    f->trend_elsewhere ? " · trend beside the journal (dataset read-only)" : "");
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
	trend_record(app, f, first);
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
	f->nlabels = app->ds->nlabels;
	f->recall = xmalloc(PRED_TREND_KEEP * (f->nlabels ? f->nlabels : 1) *
	    sizeof *f->recall);
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
	while (f->trend_waiting != NULL) {
		struct trend_job *j = f->trend_waiting;
		f->trend_waiting = j->next;
		trend_job_free(j);
	}
	predictions_free(f->pred);
	free(f->before);
	free(f->error);
	free(f->file);
	free(f->recall);
	free(f);
	app->predictions = NULL;
}
