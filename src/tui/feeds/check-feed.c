/* check-feed.c — the checks run in the background of the browser: measure
 * jobs on the worker pool, then one judging job, then the annotations. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "check-feed.h"
#include "checks.h"
#include "dataset.h"
#include "embed-feed.h"
#include "embed-knn.h"
#include "embed.h"
#include "ui.h"
#include "util.h"
#include "worker.h"

/* Files a measure job takes before it hands back to the pool: about 15 ms
 * of work, so a preview or a journal load never waits long behind it. */
#define JOB_FILES 256
/* Jobs in flight: enough to keep every background thread busy. */
#define JOBS 2
/* Progress on the status line at most this often. */
#define PROGRESS_SECONDS 0.2

struct check_bg {
	struct app *app;                /* touched by done functions only */
	struct worker_pool *pool;
	struct checks *run;
	int in_flight;                  /* measure jobs queued or running */
	int judged;                     /* results are in app->annot */
	double shown;                   /* when progress was last shown */
	/* Written by the judging job, read after its done. */
	struct findings found;
	char *error;
	/* The embeddings' findings, once both they and the checks are in:
	 * a job adds them to a copy of found (more), which then replaces it. */
	int knn_started;
	const struct embeddings *e;     /* the embeddings feed's, read-only */
	const struct embed_analysis *a;
	struct thresholds th;
	struct findings more;
	char *knn_error;
};

static void judge_run(void *arg);
static void judge_done(void *arg, int cancelled);
static void knn_start(struct app *app, struct check_bg *bg);

static void
measure_run(void *arg)
{
	struct check_bg *bg = arg;
	size_t n = 0, got;
	while (n < JOB_FILES && !worker_stopping(bg->pool) &&
	    (got = checks_measure_some(bg->run, 32)) > 0)
		n += got;
}

static void
measure_done(void *arg, int cancelled)
{
	struct check_bg *bg = arg;
	size_t done = checks_done(bg->run), total = checks_total(bg->run);
	char a[32], b[32];

	bg->in_flight--;
	if (cancelled)
		return;
	if (done < total) {
		/* Jobs that find nothing left return at once; the last one to
		 * come back with the count complete starts the judging. */
		bg->in_flight++;
		worker_submit(bg->pool, WORKER_BACKGROUND, measure_run, measure_done, bg);
		if (now_seconds() - bg->shown >= PROGRESS_SECONDS) {
			bg->shown = now_seconds();
			snprintf(a, sizeof a, "%zu", done);
			snprintf(b, sizeof b, "%zu", total);
			ui_status(bg->app, STATUS_CHECKS, "checking %s/%s", a, b);
		}
		return;
	}
	if (bg->in_flight == 0) {
		ui_status(bg->app, STATUS_CHECKS, "checking: judging");
		worker_submit(bg->pool, WORKER_BACKGROUND, judge_run, judge_done, bg);
	}
}

static void
judge_run(void *arg)
{
	struct check_bg *bg = arg;
	if (worker_stopping(bg->pool))
		return;
	checks_save_cache(bg->run);
	if (checks_finish(bg->run, &bg->found, &bg->error) != 0 && bg->error == NULL)
		bg->error = xstrdup("failed");
}

/* The summary on the status line. Samples are counted as `/check=any`
 * counts them: a class's finding (cluster-split, from the embeddings,
 * which may come after the checks) marks every sample of the class. */
static void
show_counts(struct app *app, struct check_bg *bg)
{
	size_t i, samples = 0;

	for (i = 0; app->annot.findings && i < app->annot.n; i++)
		samples += app->annot.findings[i] != 0;
	if (bg->found.n == 0)
		ui_status(app, STATUS_CHECKS, "checks: nothing found");
	else
		ui_status(app, STATUS_CHECKS, "checks: %zu finding%s in %zu sample%s",
		    bg->found.n, bg->found.n == 1 ? "" : "s", samples,
		    samples == 1 ? "" : "s");
}

/* Another feed marked findings (the embeddings' cluster checks): count
 * again. The feed is looked up on each call, so a late notice after
 * checks_end is harmless. */
static void
findings_changed(struct app *app, long sample, void *arg)
{
	struct check_bg *bg = app->checks;

	(void)sample;
	(void)arg;
	if (bg != NULL && bg->judged && bg->error == NULL) {
		if (!bg->knn_started)
			show_counts(app, bg);
		knn_start(app, bg);
		ui_redraw(app, REDRAW_STATUS);
	}
}

static int
knn_stopping(void *arg)
{
	return worker_stopping(arg);
}

/* What `winnow check -e` adds from the embeddings: cluster-outlier and
 * cluster-split, and from each sample's nearest neighbours near copies
 * and outliers (embed-knn.h), judged beside the checks' own findings so
 * that a sample gets no second line of a check. */
static void
knn_run(void *arg)
{
	struct check_bg *bg = arg;
	struct check_context ctx = {
		.ds = bg->app->ds, .m = checks_measures(bg->run), .th = &bg->th,
		.stopping = knn_stopping, .stopping_arg = bg->pool,
	};

	if (worker_stopping(bg->pool))
		return;
	embed_findings(bg->e, bg->a, ctx.ds, bg->th.v[TH_OUTLIER], bg->th.v[TH_SPLIT],
	    &bg->more);
	if (embed_knn_findings(&ctx, bg->e, bg->a, &bg->more, &bg->knn_error) != 0) {
		if (bg->knn_error == NULL)
			bg->knn_error = xstrdup("failed");
		return;
	}
	findings_sort(&bg->more, ctx.ds);
	findings_group(&bg->more);
}

static void
knn_done(void *arg, int cancelled)
{
	struct check_bg *bg = arg;
	struct app *app = bg->app;

	if (cancelled || worker_stopping(bg->pool))
		return;
	if (bg->knn_error != NULL) {
		ui_error(app, "embeddings' neighbours: %s", bg->knn_error);
		show_counts(app, bg);
		ui_redraw(app, REDRAW_STATUS);
		return;
	}
	findings_free(&bg->found);
	bg->found = bg->more;
	memset(&bg->more, 0, sizeof bg->more);
	checks_annotate(bg->run, &bg->found, &app->annot);
	ui_annotations_changed(app);
	ui_annotations_notify(app, -1);
	show_counts(app, bg);
	ui_redraw(app, REDRAW_STATUS | REDRAW_PREVIEW);
}

/* Start the embeddings' judging once the checks are judged and the
 * embeddings analysed, whichever comes last. */
static void
knn_start(struct app *app, struct check_bg *bg)
{
	struct embed_feed *f = embed_feed(app);

	if (bg->knn_started || !bg->judged || bg->error != NULL || f == NULL ||
	    f->state != EMBED_READY)
		return;
	bg->knn_started = 1;
	bg->e = f->e;
	bg->a = f->a;
	thresholds_init(&bg->th);
	findings_copy(&bg->more, &bg->found);
	ui_status(app, STATUS_CHECKS, "checking: the embeddings' neighbours");
	worker_submit(bg->pool, WORKER_BACKGROUND, knn_run, knn_done, bg);
}

static void
judge_done(void *arg, int cancelled)
{
	struct check_bg *bg = arg;
	struct app *app = bg->app;

	if (cancelled)
		return;
	if (bg->error != NULL) {
		ui_status(app, STATUS_CHECKS, "checks failed");
		ui_error(app, "checks: %s", bg->error);
		return;
	}
	checks_annotate(bg->run, &bg->found, &app->annot);
	bg->judged = 1;
	ui_annotations_changed(app);
	ui_annotations_notify(app, -1);
	show_counts(app, bg);
	knn_start(app, bg);
	ui_redraw(app, REDRAW_STATUS | REDRAW_PREVIEW);
}

void
checks_ready(struct app *app)
{
	struct check_bg *bg;
	struct check_options opt = { .use_cache = 1 };
	int i;

	if (app->ds == NULL || app->checks != NULL)
		return;
	bg = xcalloc(1, sizeof *bg);
	bg->app = app;
	bg->pool = app->workers;
	/* Suspect labels are the predictions part's here: it watches the file
	 * and owns the labels it adds to the dataset. */
	thresholds_init(&opt.th);
	bg->run = checks_new(app->ds, &opt);
	app->checks = bg;
	ui_annotations_subscribe(app, findings_changed, NULL);
	if (checks_total(bg->run) == 0) {
		worker_submit(bg->pool, WORKER_BACKGROUND, judge_run, judge_done, bg);
		return;
	}
	ui_status(app, STATUS_CHECKS, "checking");
	for (i = 0; i < JOBS; i++) {
		bg->in_flight++;
		worker_submit(bg->pool, WORKER_BACKGROUND, measure_run, measure_done, bg);
	}
}

void
checks_end(struct app *app)
{
	struct check_bg *bg = app->checks;
	if (bg == NULL)
		return;
	findings_free(&bg->found);
	findings_free(&bg->more);
	free(bg->knn_error);
	checks_free(bg->run);
	free(bg->error);
	free(bg);
	app->checks = NULL;
}

/* Is a class's finding (path "LABEL/", cluster-split) about sample? */
static int
in_folder(const struct dataset *ds, long sample, const char *path)
{
	unsigned l = ds->samples[sample].label;
	const char *name;
	size_t n;

	if (l == LABEL_NONE || path == NULL)
		return 0;
	name = dataset_label_name(ds, l);
	n = strlen(name);
	return strncmp(path, name, n) == 0 && path[n] == '/' && path[n + 1] == '\0';
}

size_t
checks_describe(struct app *app, long sample, struct buf *b)
{
	struct check_bg *bg = app->checks;
	size_t i, n = 0;
	if (bg == NULL || !bg->judged)
		return 0;
	/* Its own first, then its class's. */
	for (i = 0; i < bg->found.n; i++) {
		const struct finding *f = &bg->found.v[i];
		if (f->sample != sample)
			continue;
		buf_addf(b, "%s: %s\n", check_name(f->check), f->detail);
		n++;
	}
	for (i = 0; i < bg->found.n; i++) {
		const struct finding *f = &bg->found.v[i];
		if (f->sample >= 0 || !in_folder(app->ds, sample, f->path))
			continue;
		buf_addf(b, "%s: %s\n", check_name(f->check), f->detail);
		n++;
	}
	return n;
}

unsigned
checks_next_copy(struct app *app, int arg)
{
	struct check_bg *bg = app->checks;
	long sample = ui_selected(app);
	const struct copy_member *group = NULL;
	size_t n = 0, k;

	(void)arg;
	if (bg != NULL && bg->judged && sample >= 0)
		group = findings_copies(&bg->found, (size_t)sample, &n);
	if (group == NULL) {
		ui_message(app, "no copy of this sample%s",
		    bg != NULL && !bg->judged ? " (yet: the checks are running)" : "");
		return REDRAW_STATUS;
	}
	/* The next in sample (path) order, round again after the last. */
	for (k = 0; k < n && group[k].sample != (uint32_t)sample; k++)
		;
	k = (k + 1) % n;
	if (!ui_select_sample(app, group[k].sample))
		ui_message(app, "%s (copy %zu of %zu) is not in the file pane's list "
		    "(Esc clears its filter)", sample_path(app->ds, group[k].sample),
		    k + 1, n);
	else
		ui_message(app, "copy %zu of %zu", k + 1, n);
	return REDRAW_FILES | REDRAW_PREVIEW | REDRAW_STATUS;
}

const struct command_handler checks_commands[] = {
	{ "next-copy", checks_next_copy },
	{ NULL, NULL },
};
