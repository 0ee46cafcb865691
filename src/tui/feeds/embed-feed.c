/* feeds/embed-feed.c — embeddings read and analysed off the UI thread, and
 * what they find written into the annotations (embed-feed.h). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "annot.h"
#include "checks.h"
#include "dataset.h"
#include "embed-feed.h"
#include "embed.h"
#include "ui.h"
#include "util.h"
#include "worker.h"

struct embed_job {
	struct app *app;
	struct dataset *ds;
	struct worker_pool *pool;
	char *file;
	struct embeddings *e;
	struct embed_analysis *a;
	char *cause;
	double seconds;
};

struct embed_feed *
embed_feed(struct app *app)
{
	return app->cluster;
}

static int
job_stopping(void *arg)
{
	return worker_stopping(arg);
}

static void
job_run(void *arg)
{
	struct embed_job *j = arg;
	double t0 = now_seconds();

	if ((j->e = embed_load(j->ds, j->file, job_stopping, j->pool, &j->cause)) == NULL)
		return;
	j->a = embed_analyse(j->e, j->ds, job_stopping, j->pool, &j->cause);
	/* The scores are all the view needs; the values take most memory. */
	free(j->e->x);
	j->e->x = NULL;
	j->seconds = now_seconds() - t0;
}

static void
job_free(struct embed_job *j)
{
	embed_analysis_free(j->a);
	embed_free(j->e);
	free(j->cause);
	free(j->file);
	free(j);
}

/* The cluster findings as badges: cluster-outlier on each outlier,
 * cluster-split on every sample of a split class. */
static void
set_badges(struct app *app, struct embed_feed *f)
{
	const struct embed_analysis *a = f->a;
	uint32_t bits = 1u << CHECK_CLUSTER_OUTLIER | 1u << CHECK_CLUSTER_SPLIT;
	size_t i, n = app->annot.n;

	if (app->annot.findings == NULL)
		app->annot.findings = xcalloc(n ? n : 1, sizeof *app->annot.findings);
	for (i = 0; i < n; i++)
		app->annot.findings[i] &= ~bits;
	for (i = 0; i < a->n; i++) {
		uint32_t s = f->e->sample[i];
		unsigned l = app->ds->samples[s].label;
		const struct embed_class *c = l < a->nclasses ? &a->classes[l] : NULL;
		size_t small;
		if (a->outlier[i] >= f->outlier_th)
			app->annot.findings[s] |= 1u << CHECK_CLUSTER_OUTLIER;
		if (c == NULL)
			continue;
		small = c->group_n[0] < c->group_n[1] ? c->group_n[0] : c->group_n[1];
		if (c->split >= f->split_th &&
		    (double)small >= EMBED_SPLIT_MIN_SHARE * (double)c->n)
			app->annot.findings[s] |= 1u << CHECK_CLUSTER_SPLIT;
	}
}

static void
take(struct app *app, struct embed_feed *f, struct embed_job *j)
{
	const struct embed_analysis *a = j->a;
	size_t i, k, nl = a->nclasses;
	float *outlier;
	char n[32];

	f->e = j->e;
	f->a = j->a;
	j->e = NULL;
	j->a = NULL;
	f->state = EMBED_READY;

	f->row_of = xmalloc((app->ds->nsamples + 1) * sizeof *f->row_of);
	for (i = 0; i < app->ds->nsamples; i++)
		f->row_of[i] = -1;
	for (i = 0; i < a->n; i++)
		f->row_of[f->e->sample[i]] = (int32_t)i;
	f->class_start = xcalloc(nl + 2, sizeof *f->class_start);
	f->class_rows = xmalloc((a->n + 1) * sizeof *f->class_rows);
	for (i = 0; i < a->n; i++) {
		unsigned l = app->ds->samples[f->e->sample[i]].label;
		if (l < nl)
			f->class_start[l + 2]++;
	}
	for (k = 0; k < nl; k++)
		f->class_start[k + 2] += f->class_start[k + 1];
	for (i = 0; i < a->n; i++) {
		unsigned l = app->ds->samples[f->e->sample[i]].label;
		if (l < nl)
			f->class_rows[f->class_start[l + 1]++] = (uint32_t)i;
	}
	f->ranking = embed_split_ranking(a);

	outlier = annot_floats(app->annot.n);
	for (i = 0; i < a->n; i++)
		outlier[f->e->sample[i]] = a->outlier[i];
	free(app->annot.outlier);
	app->annot.outlier = outlier;
	set_badges(app, f);
	ui_annotations_changed(app);
	ui_annotations_notify(app, -1);

	ui_count(n, sizeof n, a->n);
	if (f->e->nbad)
		ui_status(app, STATUS_CLUSTER, "embeddings %s × %zu · %zu bad rows (winnow.log)",
		    n, a->dim, f->e->nbad);
	else
		ui_status(app, STATUS_CLUSTER, "embeddings %s × %zu", n, a->dim);
	for (i = 0; i < f->e->nproblems; i++)
		fprintf(stderr, "%s: %s: line %zu: %s\n", progname, f->e->file,
		    f->e->problems[i].line, f->e->problems[i].message);
	fprintf(stderr, "%s: %s: %zu rows of %zu values, %zu bad, in %.2f s\n",
	    progname, f->e->file, a->n, a->dim, f->e->nbad, j->seconds);
}

static void
job_done(void *arg, int cancelled)
{
	struct embed_job *j = arg;
	struct app *app = j->app;
	struct embed_feed *f = embed_feed(app);

	if (cancelled || f == NULL) {
		job_free(j);
		return;
	}
	if (j->a == NULL) {
		f->state = EMBED_FAILED;
		f->error = j->cause;
		j->cause = NULL;
		ui_error(app, "embeddings: %s", f->error);
		ui_status(app, STATUS_CLUSTER, "embeddings: failed");
		fprintf(stderr, "%s: embeddings: %s\n", progname, f->error);
	} else
		take(app, f, j);
	job_free(j);
	ui_redraw(app, REDRAW_CLUSTER | REDRAW_FRAME | REDRAW_STATUS);
}

void
embed_feed_ready(struct app *app)
{
	struct embed_feed *f;
	struct thresholds th = { 0 };
	struct embed_job *j;

	if (app->ds == NULL || app->cluster != NULL)
		return;
	f = xcalloc(1, sizeof *f);
	app->cluster = f;
	thresholds_init(&th);
	f->outlier_th = th.v[TH_OUTLIER];
	f->split_th = th.v[TH_SPLIT];
	if (app->opt.embeddings)
		f->file = xstrdup(app->opt.embeddings);
	else if ((f->file = embed_default_file(app->ds)) == NULL)
		return;
	f->state = EMBED_LOADING;
	ui_status(app, STATUS_CLUSTER, "reading embeddings…");
	j = xcalloc(1, sizeof *j);
	j->app = app;
	j->ds = app->ds;
	j->pool = app->workers;
	j->file = xstrdup(f->file);
	worker_submit(app->workers, WORKER_BACKGROUND, job_run, job_done, j);
}

void
embed_feed_end(struct app *app)
{
	struct embed_feed *f = embed_feed(app);

	if (f == NULL)
		return;
	embed_analysis_free(f->a);
	embed_free(f->e);
	free(f->file);
	free(f->error);
	free(f->row_of);
	free(f->class_rows);
	free(f->class_start);
	free(f->ranking);
	free(f);
	app->cluster = NULL;
}

size_t
embed_feed_count(const struct embed_feed *f, long view)
{
	if (view < 0)
		return f->a->n;
	return f->class_start[view + 1] - f->class_start[view];
}

uint32_t
embed_feed_row(const struct embed_feed *f, long view, size_t k)
{
	return view < 0 ? (uint32_t)k : f->class_rows[f->class_start[view] + k];
}

void
embed_feed_point(const struct embed_feed *f, long view, uint32_t row, double *x,
    double *y)
{
	const struct embed_analysis *a = f->a;
	if (view < 0) {
		*x = a->proj[(size_t)row * a->ncomp];
		*y = a->ncomp > 1 ? a->proj[(size_t)row * a->ncomp + 1] : 0;
	} else {
		*x = a->class_xy[(size_t)row * 2];
		*y = a->class_xy[(size_t)row * 2 + 1];
	}
}

int
embed_feed_in(const struct embed_feed *f, const struct dataset *ds, long view, long row)
{
	if (row < 0)
		return 0;
	return view < 0 || ds->samples[f->e->sample[row]].label == view;
}

/* The highest-scoring outlier of the view scoring under `below`, or -1. */
static long
outlier_below(const struct embed_feed *f, long view, double below)
{
	const float *o = f->a->outlier;
	double best = -INFINITY;
	size_t k, n = embed_feed_count(f, view);
	long found = -1;

	for (k = 0; k < n; k++) {
		uint32_t row = embed_feed_row(f, view, k);
		if (o[row] < below && o[row] > best) {
			best = o[row];
			found = (long)row;
		}
	}
	return found >= 0 && best >= f->outlier_th ? found : -1;
}

long
embed_feed_next_outlier(const struct embed_feed *f, const struct dataset *ds,
    long view, long row)
{
	double below = INFINITY;
	long found;

	if (embed_feed_in(f, ds, view, row) && f->a->outlier[row] >= f->outlier_th)
		below = f->a->outlier[row];
	found = outlier_below(f, view, below);
	if (found < 0 && below != INFINITY)
		found = outlier_below(f, view, INFINITY);
	return found;
}

uint32_t *
embed_feed_group(const struct embed_feed *f, long view, int g, size_t *n)
{
	size_t k, count = embed_feed_count(f, view);
	uint32_t *samples = xmalloc((count ? count : 1) * sizeof *samples);

	*n = 0;
	for (k = 0; k < count; k++) {
		uint32_t row = embed_feed_row(f, view, k);
		if (f->a->group[row] == g)
			samples[(*n)++] = f->e->sample[row];
	}
	return samples;
}
