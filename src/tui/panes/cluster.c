/* panes/cluster.c — the embeddings cluster view: every sample as a dot of a
 * 2-D principal-component scatter drawn in braille (2 × 4 dots a cell),
 * coloured by label; or one class in its own two components, coloured by
 * its two k-means groups. A cursor on one point selects that sample, so the
 * preview shows or plays it; Enter on a split class's group shows that
 * group in the file pane, to relabel it.
 *
 * The embeddings come from the embeddings feed (embed-feed.h); until they
 * are there the pane says so. Its keys are commands (commands.c), so
 * config.yaml rebinds them. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "dataset.h"
#include "embed-feed.h"
#include "embed.h"
#include "plot.h"
#include "ui.h"
#include "util.h"

/* Each zoom step doubles the scale; this many at most. */
#define ZOOM_STEPS 12
/* The sidebar (ranking or groups) on panes at least this wide. */
#define SIDEBAR_MIN_WIDTH 64
#define SIDEBAR_WIDTH 26

struct cluster {
	const struct embed_feed *f;     /* while the analysis is there */
	long view;                      /* -1: every sample; else a class id */
	long cursor;                    /* row, or -1 */
	int placed;                     /* the cursor was put on the selection
	                                   once the embeddings arrived */
	int zoom;                       /* 0: fit the view's points */
	double cx, cy;                  /* data point at the centre, when zoomed */

	struct plot plot;               /* the last drawing's geometry, for
	                                   moves in screen terms */
	struct buf scratch;
};

static void
cluster_init(struct app *app, struct pane *pane)
{
	struct cluster *cl = xcalloc(1, sizeof *cl);
	cl->view = -1;
	cl->cursor = -1;
	pane->data = cl;
}

static void
cluster_free(struct app *app, struct pane *pane)
{
	struct cluster *cl = pane->data;
	if (cl == NULL)
		return;
	buf_free(&cl->scratch);
	free(cl);
	pane->data = NULL;
}

/* The analysis when it is there. The first time, the cursor starts on
 * the file pane's selection. */
static const struct embed_feed *
analysis(struct app *app, struct cluster *cl)
{
	const struct embed_feed *f = embed_feed(app);

	cl->f = f != NULL && f->state == EMBED_READY ? f : NULL;
	if (cl->f == NULL)
		return NULL;
	if (!cl->placed) {
		cl->placed = 1;
		if (ui_selected(app) >= 0)
			cl->cursor = f->row_of[ui_selected(app)];
	}
	return f;
}

/* ---- the points of the view ---- */

/* The view's rows: every sample's (view -1), or one class's. */
static size_t
view_count(const struct cluster *cl)
{
	return embed_feed_count(cl->f, cl->view);
}

static uint32_t
view_row(const struct cluster *cl, size_t k)
{
	return embed_feed_row(cl->f, cl->view, k);
}

static void
point(const struct cluster *cl, uint32_t row, double *x, double *y)
{
	embed_feed_point(cl->f, cl->view, row, x, y);
}

static int
in_view(const struct app *app, const struct cluster *cl, long row)
{
	return embed_feed_in(cl->f, app->ds, cl->view, row);
}

/* The view's k-th point, for the plot. */
static void
view_point(const void *arg, size_t k, double *x, double *y)
{
	const struct cluster *cl = arg;
	point(cl, view_row(cl, k), x, y);
}

/* Keep the cursor on the plot: when zoomed, centre on it if it left. */
static void
follow_cursor(struct cluster *cl)
{
	double x, y, dx, dy;
	if (cl->cursor < 0 || cl->zoom == 0)
		return;
	point(cl, (uint32_t)cl->cursor, &x, &y);
	plot_to_dots(&cl->plot, x, y, &dx, &dy);
	if (!plot_holds(&cl->plot, dx, dy)) {
		cl->cx = cl->plot.ox = x;
		cl->cy = cl->plot.oy = y;
	}
}

/* ---- drawing ---- */

/* Colour key of a point: its label (all samples), or in a class view its
 * group, with outliers apart. */
#define KEY_OUTLIER 2
#define KEY_NO_GROUP 3

static unsigned
point_key(const struct app *app, const struct cluster *cl, uint32_t row)
{
	const struct embed_analysis *a = cl->f->a;
	if (cl->view < 0)
		return app->ds->samples[cl->f->e->sample[row]].label;
	if (a->outlier[row] >= cl->f->outlier_th)
		return KEY_OUTLIER;
	return a->group[row] == EMBED_NO_GROUP ? KEY_NO_GROUP : a->group[row];
}

static attr_t
key_attr(const struct app *app, unsigned key, const void *arg)
{
	const struct cluster *cl = arg;

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
	struct plot_canvas canvas;
	size_t k, n = view_count(cl);
	double x, y, dx, dy;
	long cell, cursor_cell = -1;

	plot_fit(&cl->plot, pw, ph, n, view_point, cl, cl->zoom, cl->cx, cl->cy);
	plot_canvas_init(&canvas, pw, ph);
	for (k = 0; k < n; k++) {
		uint32_t row = view_row(cl, k);
		point(cl, row, &x, &y);
		plot_to_dots(&cl->plot, x, y, &dx, &dy);
		cell = plot_canvas_dot(&canvas, dx, dy, point_key(app, cl, row));
		if (cell >= 0 && (long)row == cl->cursor)
			cursor_cell = cell;
	}
	plot_canvas_draw(&canvas, app, w, key_attr, cl, cursor_cell);
}

static const char *
ge(const struct app *app)
{
	return app->utf8 ? "≥" : ">=";
}

static void
draw_sidebar(struct app *app, struct cluster *cl, WINDOW *w, int x, int width, int h)
{
	const struct embed_analysis *a = cl->f->a;
	struct buf *b = &cl->scratch;
	char num[32];
	int y = 0;
	size_t k;

	if (cl->view < 0) {
		b->len = 0;
		buf_addf(b, "split score (%s %g)", ge(app), cl->f->split_th);
		plot_legend_line(app, w, y++, x, width, (attr_t)-1, buf_str(b), NULL,
		    ui_attr(app, ROLE_DIM));
		for (k = 0; k < a->nclasses && y < h; k++) {
			unsigned c = cl->f->ranking[k];
			const struct embed_class *ec = &a->classes[c];
			if (ec->n == 0)
				continue;
			if (isnan(ec->split))
				snprintf(num, sizeof num, "-");
			else
				snprintf(num, sizeof num, "%.1f", ec->split);
			plot_legend_line(app, w, y++, x, width, ui_label_attr(app, c),
			    app->ds->labels[c], num, ec->split >= cl->f->split_th ?
			    ui_attr(app, ROLE_BADGE) | A_BOLD : A_NORMAL);
		}
		return;
	}
	{
		const struct embed_class *ec = &a->classes[cl->view];
		size_t outliers = 0, n = view_count(cl);
		for (k = 0; k < n; k++)
			outliers += a->outlier[view_row(cl, k)] >= cl->f->outlier_th;
		b->len = 0;
		ui_count(num, sizeof num, ec->n);
		buf_addf(b, "%s: %s", app->ds->labels[cl->view], num);
		plot_legend_line(app, w, y++, x, width, (attr_t)-1, buf_str(b), NULL, A_BOLD);
		b->len = 0;
		if (isnan(ec->split))
			buf_addf(b, "split: fewer than %d", EMBED_MIN_SPLIT_CLASS);
		else
			buf_addf(b, "split %.1f (%s %g)", ec->split, ge(app), cl->f->split_th);
		if (y < h)
			plot_legend_line(app, w, y++, x, width, (attr_t)-1, buf_str(b), NULL,
			    ec->split >= cl->f->split_th ? ui_attr(app, ROLE_BADGE) | A_BOLD :
			    A_NORMAL);
		for (k = 0; k < 2 && !isnan(ec->split) && y < h; k++) {
			b->len = 0;
			buf_addf(b, "group %zu", k + 1);
			ui_count(num, sizeof num, ec->group_n[k]);
			plot_legend_line(app, w, y++, x, width, key_attr(app, (unsigned)k, cl),
			    buf_str(b), num, A_NORMAL);
		}
		if (y < h) {
			b->len = 0;
			buf_addf(b, "outliers (%s %g)", ge(app), cl->f->outlier_th);
			ui_count(num, sizeof num, outliers);
			plot_legend_line(app, w, y++, x, width, key_attr(app, KEY_OUTLIER, cl),
			    buf_str(b), num, A_NORMAL);
		}
	}
}

/* The first key bound to a command ("h"), or "?" when none is. */
static const char *
key_of(const char *command, char *buf, size_t size)
{
	const struct command *c = command_find(command);

	command_keys(c, buf, size);
	buf[strcspn(buf, " ")] = '\0';
	if (buf[0] == '\0')
		snprintf(buf, size, "?");
	return buf;
}

/* The last line: the sample under the cursor, and the pane's keys as
 * far as they fit (as bound: config.yaml may have moved them). */
static void
draw_info(struct app *app, struct cluster *cl, WINDOW *w, int y, int width)
{
	const struct embed_analysis *a = cl->f->a;
	struct buf *b = &cl->scratch;
	const char *enter = cl->view < 0 ? "class" : "group";
	char hints[2][256], k[10][16];
	int used, i, hw;

	b->len = 0;
	if (cl->cursor >= 0 && in_view(app, cl, cl->cursor)) {
		uint32_t row = (uint32_t)cl->cursor, s = cl->f->e->sample[row];
		escape_name(b, sample_path(app->ds, s));
		buf_addf(b, "  %s", dataset_label_name(app->ds, app->ds->samples[s].label));
		if (!isnan(a->outlier[row]))
			buf_addf(b, " · outlier %.2f", a->outlier[row]);
		if (cl->view >= 0 && a->group[row] != EMBED_NO_GROUP)
			buf_addf(b, " · group %d", a->group[row] + 1);
	} else
		buf_adds(b, "no point chosen: move to pick one");
	key_of("left", k[0], sizeof k[0]);
	key_of("down", k[1], sizeof k[1]);
	key_of("up", k[2], sizeof k[2]);
	key_of("right", k[3], sizeof k[3]);
	key_of("zoom-in", k[4], sizeof k[4]);
	key_of("zoom-out", k[5], sizeof k[5]);
	key_of("prev-class", k[6], sizeof k[6]);
	key_of("next-class", k[7], sizeof k[7]);
	key_of("next-outlier", k[8], sizeof k[8]);
	key_of("enter", k[9], sizeof k[9]);
	snprintf(hints[0], sizeof hints[0], "%s%s%s%s move · %s/%s zoom · %s %s class · "
	    "%s outlier · %s %s", k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7],
	    k[8], k[9], enter);
	snprintf(hints[1], sizeof hints[1], "%s%s%s%s %s%s %s%s %s %s:%s", k[0], k[1],
	    k[2], k[3], k[4], k[5], k[6], k[7], k[8], k[9], enter);
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
	const struct embed_feed *f = embed_feed(app);
	WINDOW *w = pane->win;
	int side, pw, ph;

	werase(w);
	switch (f ? f->state : EMBED_NONE) {
	case EMBED_NONE:
		ui_putn(app, w, 0, 1, "No embeddings for this dataset.", pane->w - 1);
		ui_putn(app, w, 1, 1, "Give a file with -e FILE, or put embeddings.tsv "
		    "(path<TAB>values…), or TensorBoard's vectors.tsv and metadata.tsv, "
		    "in the dataset's folder.", pane->w - 1);
		return;
	case EMBED_LOADING:
		cl->scratch.len = 0;
		buf_addf(&cl->scratch, "Reading and analysing %s…", f->file);
		ui_putn(app, w, 0, 1, buf_str(&cl->scratch), pane->w - 1);
		return;
	case EMBED_FAILED:
		wattrset(w, ui_attr(app, ROLE_ERROR));
		ui_putn(app, w, 0, 1, f->error, pane->w - 1);
		wattrset(w, A_NORMAL);
		return;
	case EMBED_READY:
		break;
	}
	analysis(app, cl);
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
	const struct embed_feed *f = embed_feed(app);
	const struct embed_analysis *a;
	char n[32];

	switch (f ? f->state : EMBED_NONE) {
	case EMBED_NONE:
		buf_adds(b, "no embeddings");
		return;
	case EMBED_LOADING:
		buf_adds(b, "reading…");
		return;
	case EMBED_FAILED:
		buf_adds(b, "failed");
		return;
	case EMBED_READY:
		break;
	}
	a = analysis(app, cl)->a;
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
	if (row >= 0 && !ui_select_sample(app, cl->f->e->sample[row]))
		ui_message(app, "that sample is not in the file pane's list (Esc clears "
		    "its filter)");
	return REDRAW_CLUSTER | REDRAW_FILES | REDRAW_STATUS;
}

/* The nearest point in direction (ux, uy) on the screen (y down); from the
 * plot's centre, in any direction, when there is no cursor. */
static long
nearest_towards(const struct app *app, const struct cluster *cl, double ux, double uy)
{
	double px, py, x, y;
	long k;

	if (cl->cursor >= 0 && in_view(app, cl, cl->cursor)) {
		point(cl, (uint32_t)cl->cursor, &x, &y);
		plot_to_dots(&cl->plot, x, y, &px, &py);
	} else {
		px = cl->plot.w;
		py = cl->plot.h * 2.0;
		ux = uy = 0;
	}
	k = plot_nearest(&cl->plot, px, py, ux, uy, view_count(cl), view_point, cl);
	return k < 0 ? -1 : (long)view_row(cl, (size_t)k);
}

/* Show a class (or -1: every sample), keeping the cursor when it is in. */
static unsigned
show_class(struct app *app, struct cluster *cl, long view)
{
	long sel = ui_selected(app);

	cl->view = view;
	cl->zoom = 0;
	if (!in_view(app, cl, cl->cursor))
		cl->cursor = sel >= 0 && in_view(app, cl, cl->f->row_of[sel]) ? cl->f->row_of[sel] : -1;
	return REDRAW_CLUSTER | REDRAW_FRAME;
}

/* The class after (or before) the one shown in split order; every sample
 * comes before the first. */
static unsigned
cycle_class(struct app *app, struct cluster *cl, int step)
{
	long pos = -1, n = (long)cl->f->a->nclasses, k;

	for (k = 0; k < n; k++)
		if ((long)cl->f->ranking[k] == cl->view)
			pos = k;
	do {
		pos += step;
		if (pos >= n)
			pos = -1;
		if (pos < -1)
			pos = n - 1;
	} while (pos >= 0 && cl->f->a->classes[cl->f->ranking[pos]].n == 0);
	return show_class(app, cl, pos < 0 ? -1 : (long)cl->f->ranking[pos]);
}

/* Enter on a class's group: that group in the file pane, to relabel. */
static unsigned
show_group(struct app *app, struct cluster *cl)
{
	const struct embed_analysis *a = cl->f->a;
	size_t m;
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
	samples = embed_feed_group(cl->f, cl->view, g, &m);
	title = xasprintf("%s group %d of 2", app->ds->labels[cl->view], g + 1);
	ui_filter_push_set(app, samples, m, title, SORT_COUNT);
	ui_select_sample(app, cl->f->e->sample[cl->cursor]);
	ui_count(num, sizeof num, m);
	ui_message(app, "%s samples of %s in the file pane · Esc: back", num, title);
	free(title);
	free(samples);
	return REDRAW_ALL;
}

static int
is(const char *command, const char *name)
{
	return command != NULL && strcmp(command, name) == 0;
}

static unsigned
zoom_in(struct app *app, struct cluster *cl)
{
	if (cl->zoom < ZOOM_STEPS) {
		cl->cx = cl->plot.ox;
		cl->cy = cl->plot.oy;
		if (cl->cursor >= 0 && in_view(app, cl, cl->cursor))
			point(cl, (uint32_t)cl->cursor, &cl->cx, &cl->cy);
		cl->zoom++;
	}
	return REDRAW_CLUSTER | REDRAW_FRAME;
}

/* Keys arrive as commands (commands.c: left right up down, next-outlier,
 * zoom-in, zoom-out, zoom-reset, next-class, prev-class, enter, back), so
 * config.yaml rebinds them here as everywhere. */
static unsigned
cluster_key(struct app *app, struct pane *pane, int key, const char *command)
{
	struct cluster *cl = pane->data;
	long row = -2;

	if (analysis(app, cl) == NULL)
		return PANE_UNHANDLED;
	if (is(command, "left"))
		row = nearest_towards(app, cl, -1, 0);
	else if (is(command, "right"))
		row = nearest_towards(app, cl, 1, 0);
	else if (is(command, "up"))
		row = nearest_towards(app, cl, 0, -1);
	else if (is(command, "down"))
		row = nearest_towards(app, cl, 0, 1);
	else if (is(command, "next-outlier"))
		row = embed_feed_next_outlier(cl->f, app->ds, cl->view, cl->cursor);
	if (row >= 0)
		return put_cursor(app, cl, row);
	if (row == -1) {
		ui_message(app, is(command, "next-outlier") ? "no outliers here" :
		    "no point that way");
		return REDRAW_STATUS;
	}
	if (is(command, "zoom-in"))
		return zoom_in(app, cl);
	if (is(command, "zoom-out")) {
		if (cl->zoom > 0)
			cl->zoom--;
		return REDRAW_CLUSTER | REDRAW_FRAME;
	}
	if (is(command, "zoom-reset")) {
		cl->zoom = 0;
		return REDRAW_CLUSTER | REDRAW_FRAME;
	}
	if (is(command, "next-class"))
		return cycle_class(app, cl, 1);
	if (is(command, "prev-class"))
		return cycle_class(app, cl, -1);
	if (is(command, "enter")) {
		if (cl->view >= 0)
			return show_group(app, cl);
		if (cl->cursor >= 0) {
			unsigned l = app->ds->samples[cl->f->e->sample[cl->cursor]].label;
			if (l < cl->f->a->nclasses)
				return show_class(app, cl, (long)l);
		}
		return REDRAW_NONE;
	}
	if (is(command, "back") && cl->view >= 0 && app->view.nfilters == 0)
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

	if (analysis(app, cl) == NULL || sel < 0)
		return;
	row = cl->f->row_of[sel];
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
	.title = cluster_title,
};
