/* panes/cluster.c — the embeddings cluster view: every sample as a dot of a
 * 2-D principal-component scatter drawn in braille (2 × 4 dots a cell),
 * coloured by label; or one class in its own two components, coloured by
 * its two k-means groups. A cursor on one point selects that sample, so the
 * preview shows or plays it; Enter on a split class's group shows that
 * group in the file pane, to relabel it.
 *
 * The file is read and analysed by a worker job (embed.h); until it is
 * back the pane says so. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "annot.h"
#include "checks.h"
#include "dataset.h"
#include "embed.h"
#include "ui.h"
#include "util.h"

/* Each zoom step doubles the scale; this many at most. */
#define ZOOM_STEPS 12
/* The sidebar (ranking or groups) on panes at least this wide. */
#define SIDEBAR_MIN_WIDTH 64
#define SIDEBAR_WIDTH 26
/* Moving: how much a point off the direction of travel costs, compared
 * with one straight ahead. */
#define ACROSS_WEIGHT 3.0

enum cluster_state { CLUSTER_NONE, CLUSTER_LOADING, CLUSTER_READY, CLUSTER_FAILED };

struct cluster {
	enum cluster_state state;
	char *file;                     /* what is or was read */
	char *error;                    /* CLUSTER_FAILED: why */
	struct embeddings *e;           /* rows joined to samples (no values) */
	struct embed_analysis *a;
	double outlier_th, split_th;
	int32_t *row_of;                /* sample → row, -1 without one */
	uint32_t *class_rows;           /* rows by class: class k's are */
	size_t *class_start;            /* class_rows[class_start[k]..[k+1]) */
	unsigned *ranking;              /* classes by split score */

	long view;                      /* -1: every sample; else a class id */
	long cursor;                    /* row, or -1 */
	int zoom;                       /* 0: fit the view's points */
	double cx, cy;                  /* data point at the centre, when zoomed */

	/* The last drawing's geometry, for moves in screen terms. */
	int plot_w, plot_h;             /* in cells */
	double scale;                   /* dots per data unit */
	double ox, oy;                  /* data point at the plot's centre */
	struct buf scratch;
};

struct cluster_job {
	struct app *app;
	struct dataset *ds;
	struct worker_pool *pool;
	char *file;
	struct embeddings *e;
	struct embed_analysis *a;
	char *cause;
	double seconds;
};

/* ---- loading ---- */

static int
job_stopping(void *arg)
{
	return worker_stopping(arg);
}

static void
cluster_job_run(void *arg)
{
	struct cluster_job *j = arg;
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
cluster_job_free(struct cluster_job *j)
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
set_badges(struct app *app, struct cluster *cl)
{
	const struct embed_analysis *a = cl->a;
	uint32_t bits = 1u << CHECK_CLUSTER_OUTLIER | 1u << CHECK_CLUSTER_SPLIT;
	size_t i, n = app->annot.n;

	if (app->annot.findings == NULL)
		app->annot.findings = xcalloc(n ? n : 1, sizeof *app->annot.findings);
	for (i = 0; i < n; i++)
		app->annot.findings[i] &= ~bits;
	for (i = 0; i < a->n; i++) {
		uint32_t s = cl->e->sample[i];
		unsigned l = app->ds->samples[s].label;
		const struct embed_class *c = l < a->nclasses ? &a->classes[l] : NULL;
		size_t small;
		if (a->outlier[i] >= cl->outlier_th)
			app->annot.findings[s] |= 1u << CHECK_CLUSTER_OUTLIER;
		if (c == NULL)
			continue;
		small = c->group_n[0] < c->group_n[1] ? c->group_n[0] : c->group_n[1];
		if (c->split >= cl->split_th &&
		    (double)small >= EMBED_SPLIT_MIN_SHARE * (double)c->n)
			app->annot.findings[s] |= 1u << CHECK_CLUSTER_SPLIT;
	}
}

static void
cluster_take(struct app *app, struct cluster *cl, struct cluster_job *j)
{
	const struct embed_analysis *a = j->a;
	size_t i, k, nl = a->nclasses;
	float *outlier;
	char n[32];

	cl->e = j->e;
	cl->a = j->a;
	j->e = NULL;
	j->a = NULL;
	cl->state = CLUSTER_READY;

	cl->row_of = xmalloc((app->ds->nsamples + 1) * sizeof *cl->row_of);
	for (i = 0; i < app->ds->nsamples; i++)
		cl->row_of[i] = -1;
	for (i = 0; i < a->n; i++)
		cl->row_of[cl->e->sample[i]] = (int32_t)i;
	cl->class_start = xcalloc(nl + 2, sizeof *cl->class_start);
	cl->class_rows = xmalloc((a->n + 1) * sizeof *cl->class_rows);
	for (i = 0; i < a->n; i++) {
		unsigned l = app->ds->samples[cl->e->sample[i]].label;
		if (l < nl)
			cl->class_start[l + 2]++;
	}
	for (k = 0; k < nl; k++)
		cl->class_start[k + 2] += cl->class_start[k + 1];
	for (i = 0; i < a->n; i++) {
		unsigned l = app->ds->samples[cl->e->sample[i]].label;
		if (l < nl)
			cl->class_rows[cl->class_start[l + 1]++] = (uint32_t)i;
	}
	cl->ranking = embed_split_ranking(a);

	outlier = annot_floats(app->annot.n);
	for (i = 0; i < a->n; i++)
		outlier[cl->e->sample[i]] = a->outlier[i];
	free(app->annot.outlier);
	app->annot.outlier = outlier;
	set_badges(app, cl);
	ui_annotations_changed(app);

	if (ui_selected(app) >= 0)
		cl->cursor = cl->row_of[ui_selected(app)];
	ui_count(n, sizeof n, a->n);
	if (cl->e->nbad)
		ui_status(app, STATUS_CLUSTER, "embeddings %s × %zu · %zu bad rows (winnow.log)",
		    n, a->dim, cl->e->nbad);
	else
		ui_status(app, STATUS_CLUSTER, "embeddings %s × %zu", n, a->dim);
	for (i = 0; i < cl->e->nproblems; i++)
		fprintf(stderr, "%s: %s: line %zu: %s\n", progname, cl->e->file,
		    cl->e->problems[i].line, cl->e->problems[i].message);
	fprintf(stderr, "%s: %s: %zu rows of %zu values, %zu bad, in %.2f s\n",
	    progname, cl->e->file, a->n, a->dim, cl->e->nbad, j->seconds);
}

static void
cluster_job_done(void *arg, int cancelled)
{
	struct cluster_job *j = arg;
	struct app *app = j->app;
	struct cluster *cl;

	if (cancelled) {
		cluster_job_free(j);
		return;
	}
	cl = app->panes[PANE_CLUSTER].data;
	if (j->a == NULL) {
		cl->state = CLUSTER_FAILED;
		cl->error = j->cause;
		j->cause = NULL;
		ui_error(app, "embeddings: %s", cl->error);
		ui_status(app, STATUS_CLUSTER, "embeddings: failed");
		fprintf(stderr, "%s: embeddings: %s\n", progname, cl->error);
	} else
		cluster_take(app, cl, j);
	cluster_job_free(j);
	ui_redraw(app, REDRAW_CLUSTER | REDRAW_FRAME | REDRAW_STATUS);
}

static void
cluster_init(struct app *app, struct pane *pane)
{
	struct cluster *cl = xcalloc(1, sizeof *cl);
	cl->view = -1;
	cl->cursor = -1;
	pane->data = cl;
	app->cluster = cl;
}

static void
cluster_free(struct app *app, struct pane *pane)
{
	struct cluster *cl = pane->data;
	if (cl == NULL)
		return;
	embed_analysis_free(cl->a);
	embed_free(cl->e);
	free(cl->file);
	free(cl->error);
	free(cl->row_of);
	free(cl->class_rows);
	free(cl->class_start);
	free(cl->ranking);
	buf_free(&cl->scratch);
	free(cl);
	pane->data = NULL;
	app->cluster = NULL;
}

static void
cluster_ready(struct app *app, struct pane *pane)
{
	struct cluster *cl = pane->data;
	struct thresholds th = { 0 };
	struct cluster_job *j;

	thresholds_init(&th);
	cl->outlier_th = th.v[TH_OUTLIER];
	cl->split_th = th.v[TH_SPLIT];
	if (app->opt.embeddings)
		cl->file = xstrdup(app->opt.embeddings);
	else if ((cl->file = embed_default_file(app->ds)) == NULL)
		return;
	cl->state = CLUSTER_LOADING;
	ui_status(app, STATUS_CLUSTER, "reading embeddings…");
	j = xcalloc(1, sizeof *j);
	j->app = app;
	j->ds = app->ds;
	j->pool = app->workers;
	j->file = xstrdup(cl->file);
	worker_submit(app->workers, WORKER_BACKGROUND, cluster_job_run,
	    cluster_job_done, j);
}

/* ---- the points of the view ---- */

static size_t
view_count(const struct cluster *cl)
{
	if (cl->view < 0)
		return cl->a->n;
	return cl->class_start[cl->view + 1] - cl->class_start[cl->view];
}

static uint32_t
view_row(const struct cluster *cl, size_t k)
{
	return cl->view < 0 ? (uint32_t)k : cl->class_rows[cl->class_start[cl->view] + k];
}

static void
point(const struct cluster *cl, uint32_t row, double *x, double *y)
{
	const struct embed_analysis *a = cl->a;
	if (cl->view < 0) {
		*x = a->proj[(size_t)row * a->ncomp];
		*y = a->ncomp > 1 ? a->proj[(size_t)row * a->ncomp + 1] : 0;
	} else {
		*x = a->class_xy[(size_t)row * 2];
		*y = a->class_xy[(size_t)row * 2 + 1];
	}
}

static int
in_view(const struct app *app, const struct cluster *cl, long row)
{
	if (row < 0)
		return 0;
	return cl->view < 0 || app->ds->samples[cl->e->sample[row]].label == cl->view;
}

/* ---- geometry: data → braille dots ---- */

/* Scale and centre for a plot of w × h cells: the view's points fit at
 * zoom 0, with the same scale on both axes. */
static void
geometry(struct cluster *cl, int w, int h)
{
	double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY, x, y;
	double W = 2.0 * w, H = 4.0 * h, s;
	size_t k, n = view_count(cl);

	for (k = 0; k < n; k++) {
		point(cl, view_row(cl, k), &x, &y);
		if (isnan(x) || isnan(y))
			continue;
		x0 = x < x0 ? x : x0;
		x1 = x > x1 ? x : x1;
		y0 = y < y0 ? y : y0;
		y1 = y > y1 ? y : y1;
	}
	if (!(x1 >= x0))
		x0 = x1 = y0 = y1 = 0;
	s = fmin((W - 1) / (x1 - x0 > 0 ? x1 - x0 : 1), (H - 1) / (y1 - y0 > 0 ? y1 - y0 : 1));
	cl->plot_w = w;
	cl->plot_h = h;
	cl->scale = s * ldexp(1.0, cl->zoom);
	if (cl->zoom == 0) {
		cl->ox = (x0 + x1) / 2;
		cl->oy = (y0 + y1) / 2;
	} else {
		cl->ox = cl->cx;
		cl->oy = cl->cy;
	}
}

static void
to_dots(const struct cluster *cl, double x, double y, double *dx, double *dy)
{
	*dx = (x - cl->ox) * cl->scale + cl->plot_w;
	*dy = cl->plot_h * 2.0 - (y - cl->oy) * cl->scale;
}

static int
on_plot(const struct cluster *cl, double dx, double dy)
{
	return dx >= 0 && dy >= 0 && dx < 2.0 * cl->plot_w && dy < 4.0 * cl->plot_h;
}

/* Keep the cursor on the plot: when zoomed, centre on it if it left. */
static void
follow_cursor(struct cluster *cl)
{
	double x, y, dx, dy;
	if (cl->cursor < 0 || cl->zoom == 0)
		return;
	point(cl, (uint32_t)cl->cursor, &x, &y);
	to_dots(cl, x, y, &dx, &dy);
	if (!on_plot(cl, dx, dy)) {
		cl->cx = cl->ox = x;
		cl->cy = cl->oy = y;
	}
}

/* ---- drawing ---- */

static const uint8_t braille_bit[2][4] = {
	{ 0x01, 0x02, 0x04, 0x40 },
	{ 0x08, 0x10, 0x20, 0x80 },
};

/* A cell's glyph: braille U+2800 + bits, or a density character where the
 * terminal has no UTF-8. */
static const char *
cell_glyph(const struct app *app, uint8_t bits, char out[4])
{
	int n = __builtin_popcount(bits);
	if (!app->utf8) {
		out[0] = n <= 1 ? '.' : n <= 3 ? ':' : n <= 5 ? '+' : '#';
		out[1] = '\0';
		return out;
	}
	out[0] = (char)0xe2;
	out[1] = (char)(0xa0 | bits >> 6);
	out[2] = (char)(0x80 | (bits & 0x3f));
	out[3] = '\0';
	return out;
}

/* Colour key of a point: its label (all samples), or in a class view its
 * group, with outliers apart. */
#define KEY_OUTLIER 2
#define KEY_NO_GROUP 3

static unsigned
point_key(const struct app *app, const struct cluster *cl, uint32_t row)
{
	const struct embed_analysis *a = cl->a;
	if (cl->view < 0)
		return app->ds->samples[cl->e->sample[row]].label;
	if (a->outlier[row] >= cl->outlier_th)
		return KEY_OUTLIER;
	return a->group[row] == EMBED_NO_GROUP ? KEY_NO_GROUP : a->group[row];
}

static attr_t
key_attr(const struct app *app, const struct cluster *cl, unsigned key)
{
	if (cl->view < 0)
		return ui_label_attr(app, key);
	if (key == KEY_OUTLIER)
		return ui_attr(app, ROLE_BADGE);
	if (key == KEY_NO_GROUP)
		return ui_label_attr(app, (unsigned)cl->view);
	return ui_label_attr(app, (unsigned)cl->view + key);
}

static void
draw_plot(struct app *app, struct cluster *cl, WINDOW *w, int pw, int ph)
{
	size_t cells = (size_t)pw * ph, k, n = view_count(cl), c;
	uint8_t *bits = xcalloc(cells, 1);
	uint16_t *key = xcalloc(cells, sizeof *key);
	uint32_t *votes = xcalloc(cells, sizeof *votes);
	double x, y, dx, dy;
	char g[4];
	long cursor_cell = -1;

	geometry(cl, pw, ph);
	for (k = 0; k < n; k++) {
		uint32_t row = view_row(cl, k);
		unsigned pk;
		point(cl, row, &x, &y);
		to_dots(cl, x, y, &dx, &dy);
		if (!on_plot(cl, dx, dy))
			continue;
		c = (size_t)(dy / 4) * pw + (size_t)(dx / 2);
		bits[c] |= braille_bit[(int)dx & 1][(int)dy & 3];
		/* The cell's colour: the commonest key (a majority vote). */
		pk = point_key(app, cl, row);
		if (votes[c] == 0)
			key[c] = (uint16_t)pk, votes[c] = 1;
		else if (key[c] == pk)
			votes[c]++;
		else
			votes[c]--;
		if ((long)row == cl->cursor)
			cursor_cell = (long)c;
	}
	for (c = 0; c < cells; c++) {
		if (bits[c] == 0)
			continue;
		wattrset(w, key_attr(app, cl, key[c]) |
		    ((long)c == cursor_cell ? A_REVERSE | A_BOLD : 0));
		mvwaddstr(w, (int)(c / pw), (int)(c % pw), cell_glyph(app, bits[c], g));
	}
	wattrset(w, A_NORMAL);
	free(bits);
	free(key);
	free(votes);
}

static const char *
ge(const struct app *app)
{
	return app->utf8 ? "≥" : ">=";
}

static void
sidebar_line(struct app *app, WINDOW *w, int y, int x, int width, attr_t swatch,
    const char *text, const char *right, attr_t attr)
{
	int rw = right ? ui_width(right) : 0;
	if (swatch != (attr_t)-1) {
		wattrset(w, swatch);
		ui_putn(app, w, y, x, app->utf8 ? "■" : "#", 1);
		x += 2;
		width -= 2;
	}
	wattrset(w, attr);
	ui_putn(app, w, y, x, text, width - rw - 1);
	if (right)
		ui_putn(app, w, y, x + width - rw, right, rw);
	wattrset(w, A_NORMAL);
}

static void
draw_sidebar(struct app *app, struct cluster *cl, WINDOW *w, int x, int width, int h)
{
	const struct embed_analysis *a = cl->a;
	struct buf *b = &cl->scratch;
	char num[32];
	int y = 0;
	size_t k;

	if (cl->view < 0) {
		b->len = 0;
		buf_addf(b, "split score (%s %g)", ge(app), cl->split_th);
		sidebar_line(app, w, y++, x, width, (attr_t)-1, buf_str(b), NULL,
		    ui_attr(app, ROLE_DIM));
		for (k = 0; k < a->nclasses && y < h; k++) {
			unsigned c = cl->ranking[k];
			const struct embed_class *ec = &a->classes[c];
			if (ec->n == 0)
				continue;
			if (isnan(ec->split))
				snprintf(num, sizeof num, "-");
			else
				snprintf(num, sizeof num, "%.1f", ec->split);
			sidebar_line(app, w, y++, x, width, ui_label_attr(app, c),
			    app->ds->labels[c], num, ec->split >= cl->split_th ?
			    ui_attr(app, ROLE_BADGE) | A_BOLD : A_NORMAL);
		}
		return;
	}
	{
		const struct embed_class *ec = &a->classes[cl->view];
		size_t outliers = 0, n = view_count(cl);
		for (k = 0; k < n; k++)
			outliers += a->outlier[view_row(cl, k)] >= cl->outlier_th;
		b->len = 0;
		ui_count(num, sizeof num, ec->n);
		buf_addf(b, "%s: %s", app->ds->labels[cl->view], num);
		sidebar_line(app, w, y++, x, width, (attr_t)-1, buf_str(b), NULL, A_BOLD);
		b->len = 0;
		if (isnan(ec->split))
			buf_addf(b, "split: fewer than %d", EMBED_MIN_SPLIT_CLASS);
		else
			buf_addf(b, "split %.1f (%s %g)", ec->split, ge(app), cl->split_th);
		if (y < h)
			sidebar_line(app, w, y++, x, width, (attr_t)-1, buf_str(b), NULL,
			    ec->split >= cl->split_th ? ui_attr(app, ROLE_BADGE) | A_BOLD :
			    A_NORMAL);
		for (k = 0; k < 2 && !isnan(ec->split) && y < h; k++) {
			b->len = 0;
			buf_addf(b, "group %zu", k + 1);
			ui_count(num, sizeof num, ec->group_n[k]);
			sidebar_line(app, w, y++, x, width, key_attr(app, cl, (unsigned)k),
			    buf_str(b), num, A_NORMAL);
		}
		if (y < h) {
			b->len = 0;
			buf_addf(b, "outliers (%s %g)", ge(app), cl->outlier_th);
			ui_count(num, sizeof num, outliers);
			sidebar_line(app, w, y++, x, width, key_attr(app, cl, KEY_OUTLIER),
			    buf_str(b), num, A_NORMAL);
		}
	}
}

/* The last line: the sample under the cursor, and the pane's keys as
 * far as they fit. */
static void
draw_info(struct app *app, struct cluster *cl, WINDOW *w, int y, int width)
{
	const struct embed_analysis *a = cl->a;
	struct buf *b = &cl->scratch;
	const char *enter = cl->view < 0 ? "class" : "group";
	char hints[2][96];
	int used, i, hw;

	b->len = 0;
	if (cl->cursor >= 0 && in_view(app, cl, cl->cursor)) {
		uint32_t row = (uint32_t)cl->cursor, s = cl->e->sample[row];
		escape_name(b, sample_path(app->ds, s));
		buf_addf(b, "  %s", dataset_label_name(app->ds, app->ds->samples[s].label));
		if (!isnan(a->outlier[row]))
			buf_addf(b, " · outlier %.2f", a->outlier[row]);
		if (cl->view >= 0 && a->group[row] != EMBED_NO_GROUP)
			buf_addf(b, " · group %d", a->group[row] + 1);
	} else
		buf_adds(b, "no point chosen: move to pick one");
	snprintf(hints[0], sizeof hints[0], "hjkl move · +/- zoom · [ ] class · "
	    "o outlier · Enter %s", enter);
	snprintf(hints[1], sizeof hints[1], "hjkl +- [] o Enter:%s", enter);
	wattrset(w, A_BOLD);
	used = ui_putn(app, w, y, 0, buf_str(b), width);
	wattrset(w, ui_attr(app, ROLE_DIM));
	for (i = 0; i < 2; i++) {
		hw = ui_width(hints[i]);
		if (used + 2 + hw <= width) {
			ui_putn(app, w, y, width - hw, hints[i], hw);
			break;
		}
	}
	wattrset(w, A_NORMAL);
}

static void
cluster_draw(struct app *app, struct pane *pane)
{
	struct cluster *cl = pane->data;
	WINDOW *w = pane->win;
	int side, pw, ph;

	werase(w);
	switch (cl->state) {
	case CLUSTER_NONE:
		ui_putn(app, w, 0, 1, "No embeddings for this dataset.", pane->w - 1);
		ui_putn(app, w, 1, 1, "Give a file with -e FILE, or put embeddings.tsv "
		    "(path<TAB>values…), or TensorBoard's vectors.tsv and metadata.tsv, "
		    "in the dataset's folder.", pane->w - 1);
		return;
	case CLUSTER_LOADING:
		cl->scratch.len = 0;
		buf_addf(&cl->scratch, "Reading and analysing %s…", cl->file);
		ui_putn(app, w, 0, 1, buf_str(&cl->scratch), pane->w - 1);
		return;
	case CLUSTER_FAILED:
		wattrset(w, ui_attr(app, ROLE_ERROR));
		ui_putn(app, w, 0, 1, cl->error, pane->w - 1);
		wattrset(w, A_NORMAL);
		return;
	case CLUSTER_READY:
		break;
	}
	side = pane->w >= SIDEBAR_MIN_WIDTH ? SIDEBAR_WIDTH : 0;
	pw = pane->w - (side ? side + 1 : 0);
	ph = pane->h > 2 ? pane->h - 1 : pane->h;
	if (pw < 1 || ph < 1)
		return;
	draw_plot(app, cl, w, pw, ph);
	if (side) {
		int y;
		wattrset(w, ui_attr(app, ROLE_BORDER));
		for (y = 0; y < ph; y++)
			ui_putn(app, w, y, pw, app->utf8 ? "│" : "|", 1);
		wattrset(w, A_NORMAL);
		draw_sidebar(app, cl, w, pw + 2, side - 1, ph);
	}
	if (ph < pane->h)
		draw_info(app, cl, w, pane->h - 1, pane->w);
}

static void
cluster_title(struct app *app, struct pane *pane, struct buf *b)
{
	struct cluster *cl = pane->data;
	const struct embed_analysis *a = cl->a;
	char n[32];

	switch (cl->state) {
	case CLUSTER_NONE:
		buf_adds(b, "no embeddings");
		return;
	case CLUSTER_LOADING:
		buf_adds(b, "reading…");
		return;
	case CLUSTER_FAILED:
		buf_adds(b, "failed");
		return;
	case CLUSTER_READY:
		break;
	}
	ui_count(n, sizeof n, view_count(cl));
	if (cl->view < 0) {
		buf_addf(b, "all · %s points · PC1 %.0f%% PC2 %.0f%%", n,
		    100 * a->variance[0] / a->total_variance,
		    a->ncomp > 1 ? 100 * a->variance[1] / a->total_variance : 0.0);
	} else {
		buf_addf(b, "%s · %s points", app->ds->labels[cl->view], n);
		if (!isnan(a->classes[cl->view].split))
			buf_addf(b, " · split %.1f", a->classes[cl->view].split);
	}
	if (cl->zoom)
		buf_addf(b, " · zoom ×%d", 1 << cl->zoom);
}

/* ---- keys ---- */

/* Move the cursor to the sample, in the file pane too. */
static unsigned
put_cursor(struct app *app, struct cluster *cl, long row)
{
	cl->cursor = row;
	follow_cursor(cl);
	if (row >= 0 && !ui_select_sample(app, cl->e->sample[row]))
		ui_message(app, "that sample is not in the file pane's list (Esc clears "
		    "its filter)");
	return REDRAW_CLUSTER | REDRAW_FILES | REDRAW_STATUS;
}

/* The nearest point in direction (ux, uy) on the screen (y down), points
 * off to the side costing more; from the plot's centre when there is no
 * cursor. */
static long
nearest_towards(const struct app *app, const struct cluster *cl, double ux, double uy)
{
	double px, py, x, y, qx, qy, along, across, cost, best = INFINITY;
	size_t k, n = view_count(cl);
	long found = -1;

	if (cl->cursor >= 0 && in_view(app, cl, cl->cursor)) {
		point(cl, (uint32_t)cl->cursor, &x, &y);
		to_dots(cl, x, y, &px, &py);
	} else {
		px = cl->plot_w;
		py = cl->plot_h * 2.0;
		ux = uy = 0;    /* the nearest in any direction */
	}
	for (k = 0; k < n; k++) {
		uint32_t row = view_row(cl, k);
		if ((long)row == cl->cursor)
			continue;
		point(cl, row, &x, &y);
		to_dots(cl, x, y, &qx, &qy);
		qx -= px;
		qy -= py;
		if (ux == 0 && uy == 0) {
			along = 0;
			cost = hypot(qx, qy);
		} else {
			along = qx * ux + qy * uy;
			across = fabs(qx * uy - qy * ux);
			if (along <= 0)
				continue;
			cost = along + ACROSS_WEIGHT * across;
		}
		if (cost < best) {
			best = cost;
			found = (long)row;
		}
	}
	return found;
}

/* The highest-scoring outlier of the view scoring under `below`, or -1. */
static long
outlier_below(const struct cluster *cl, double below)
{
	const float *o = cl->a->outlier;
	double best = -INFINITY;
	size_t k, n = view_count(cl);
	long found = -1;

	for (k = 0; k < n; k++) {
		uint32_t row = view_row(cl, k);
		if (o[row] < below && o[row] > best) {
			best = o[row];
			found = (long)row;
		}
	}
	return found >= 0 && best >= cl->outlier_th ? found : -1;
}

/* The next outlier down from the cursor's, the top one after the last. */
static long
next_outlier(const struct app *app, const struct cluster *cl)
{
	double below = INFINITY;
	long found;

	if (cl->cursor >= 0 && in_view(app, cl, cl->cursor) &&
	    cl->a->outlier[cl->cursor] >= cl->outlier_th)
		below = cl->a->outlier[cl->cursor];
	found = outlier_below(cl, below);
	if (found < 0 && below != INFINITY)
		found = outlier_below(cl, INFINITY);
	return found;
}

/* Show a class (or -1: every sample), keeping the cursor when it is in. */
static unsigned
show_class(struct app *app, struct cluster *cl, long view)
{
	long sel = ui_selected(app);

	cl->view = view;
	cl->zoom = 0;
	if (!in_view(app, cl, cl->cursor))
		cl->cursor = sel >= 0 && in_view(app, cl, cl->row_of[sel]) ? cl->row_of[sel] : -1;
	return REDRAW_CLUSTER | REDRAW_FRAME;
}

/* The class after (or before) the one shown in split order; every sample
 * comes before the first. */
static unsigned
cycle_class(struct app *app, struct cluster *cl, int step)
{
	long pos = -1, n = (long)cl->a->nclasses, k;

	for (k = 0; k < n; k++)
		if ((long)cl->ranking[k] == cl->view)
			pos = k;
	do {
		pos += step;
		if (pos >= n)
			pos = -1;
		if (pos < -1)
			pos = n - 1;
	} while (pos >= 0 && cl->a->classes[cl->ranking[pos]].n == 0);
	return show_class(app, cl, pos < 0 ? -1 : (long)cl->ranking[pos]);
}

/* Enter on a class's group: that group in the file pane, to relabel. */
static unsigned
show_group(struct app *app, struct cluster *cl)
{
	const struct embed_analysis *a = cl->a;
	size_t k, n = view_count(cl), m = 0;
	uint32_t *samples;
	int g;
	char *title, num[32];

	if (cl->cursor < 0 || !in_view(app, cl, cl->cursor)) {
		ui_message(app, "move to a point of the group first");
		return REDRAW_STATUS;
	}
	if ((g = a->group[cl->cursor]) == EMBED_NO_GROUP) {
		ui_message(app, "%s has no groups: fewer than %d samples",
		    app->ds->labels[cl->view], EMBED_MIN_SPLIT_CLASS);
		return REDRAW_STATUS;
	}
	samples = xmalloc((n ? n : 1) * sizeof *samples);
	for (k = 0; k < n; k++)
		if (a->group[view_row(cl, k)] == g)
			samples[m++] = cl->e->sample[view_row(cl, k)];
	title = xasprintf("%s group %d of 2", app->ds->labels[cl->view], g + 1);
	ui_filter_push_set(app, samples, m, title, SORT_COUNT);
	ui_select_sample(app, cl->e->sample[cl->cursor]);
	ui_count(num, sizeof num, m);
	ui_message(app, "%s samples of %s in the file pane · Esc: back", num, title);
	free(title);
	free(samples);
	return REDRAW_ALL;
}

static unsigned
cluster_key(struct app *app, struct pane *pane, int key, const char *command)
{
	struct cluster *cl = pane->data;
	long row = -2;
	const char *cmd = command ? command : "";

	if (cl->state != CLUSTER_READY)
		return PANE_UNHANDLED;
	if (key == 'h' || key == KEY_LEFT)
		row = nearest_towards(app, cl, -1, 0);
	else if (key == 'l' || key == KEY_RIGHT)
		row = nearest_towards(app, cl, 1, 0);
	else if (key == 'k' || key == KEY_UP || strcmp(cmd, "up") == 0)
		row = nearest_towards(app, cl, 0, -1);
	else if (key == 'j' || key == KEY_DOWN || strcmp(cmd, "down") == 0)
		row = nearest_towards(app, cl, 0, 1);
	else if (key == 'o')
		row = next_outlier(app, cl);
	if (row >= 0)
		return put_cursor(app, cl, row);
	if (row == -1) {
		ui_message(app, key == 'o' ? "no outliers here" : "no point that way");
		return REDRAW_STATUS;
	}
	switch (key) {
	case '+':
	case '=':
		if (cl->zoom < ZOOM_STEPS) {
			cl->cx = cl->ox;
			cl->cy = cl->oy;
			if (cl->cursor >= 0 && in_view(app, cl, cl->cursor))
				point(cl, (uint32_t)cl->cursor, &cl->cx, &cl->cy);
			cl->zoom++;
		}
		return REDRAW_CLUSTER | REDRAW_FRAME;
	case '-':
		if (cl->zoom > 0)
			cl->zoom--;
		return REDRAW_CLUSTER | REDRAW_FRAME;
	case '0':
		cl->zoom = 0;
		return REDRAW_CLUSTER | REDRAW_FRAME;
	case ']':
		return cycle_class(app, cl, 1);
	case '[':
		return cycle_class(app, cl, -1);
	}
	if (strcmp(cmd, "enter") == 0) {
		if (cl->view >= 0)
			return show_group(app, cl);
		if (cl->cursor >= 0) {
			unsigned l = app->ds->samples[cl->e->sample[cl->cursor]].label;
			if (l < cl->a->nclasses)
				return show_class(app, cl, (long)l);
		}
		return REDRAW_NONE;
	}
	if (strcmp(cmd, "back") == 0 && cl->view >= 0 && app->view.nfilters == 0)
		return show_class(app, cl, -1);
	return PANE_UNHANDLED;
}

/* The file pane's selection moved: the cursor follows when the sample is
 * on this view. */
static void
cluster_select(struct app *app, struct pane *pane)
{
	struct cluster *cl = pane->data;
	long sel = ui_selected(app), row;

	if (cl->state != CLUSTER_READY || sel < 0)
		return;
	row = cl->row_of[sel];
	if (row < 0 || row == cl->cursor || !in_view(app, cl, row))
		return;
	cl->cursor = row;
	follow_cursor(cl);
	ui_redraw(app, REDRAW_CLUSTER);
}

const struct pane_ops cluster_pane_ops = {
	.name = "clusters",
	.init = cluster_init,
	.free = cluster_free,
	.draw = cluster_draw,
	.key = cluster_key,
	.select = cluster_select,
	.ready = cluster_ready,
	.title = cluster_title,
};
