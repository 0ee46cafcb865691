/* panes/confusion.c — the confusion matrix pane: heat map scaled per row,
 * recall and precision, the most confused pairs, a cursor over cells and
 * headers whose samples Enter lists in the file pane; what the last reload
 * changed, and each class's recall over the recorded loads. The predictions
 * come from their feed (pred-feed.h). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "confusion.h"
#include "dataset.h"
#include "pred-feed.h"
#include "sparkline.h"
#include "ui.h"
#include "util.h"

/* Row names are cut to this many columns. */
#define ROW_NAME_MAX 12
/* A column's widest cell, where the pane has room for whole names. */
#define CELL_W_WIDE 9
/* "3 " before a row's name: the key that relabels to it. */
#define NUMBER_W 2
/* Width of the most-confused list, when the pane is wide enough for it. */
#define PAIRS_W 26
#define PAIRS_MAX 32
/* The trend column: a sparkline of recall per load, then the change since
 * the load before ("▼0.12"). */
#define SPARK_W 8
#define TREND_W (1 + SPARK_W + 1 + 5)

struct cpane {
	struct confusion cm;            /* the matrix shown */
	/* The feed's previous predictions, counted the same way, for what a
	 * reload changed (kept current through decisions too). */
	struct confusion before;

	int decided;                    /* true labels after decisions */
	int split;                      /* split counted, -1 all */
	int row, col;                   /* cursor; -1 is the header */
	int top, left;                  /* first matrix row / column shown */
	int page_rows;                  /* rows shown by the last draw */

	char **abbrev;                  /* column names at the last width */
	size_t nabbrev;
	int abbrev_w;
	struct buf scratch;
};

static struct cpane *
cpane_of(struct app *app)
{
	return app->confusion;
}

/* The predictions' feed once it has a whole load, else NULL. */
static struct pred_feed *
loaded(struct app *app)
{
	struct pred_feed *f = pred_feed(app);
	return f != NULL && f->pred != NULL ? f : NULL;
}

/* The annotations with the previous predictions in place of the current. */
static struct annotations
before_annotations(const struct app *app, const struct pred_feed *f)
{
	struct annotations b = app->annot;
	b.pred = f->before;
	return b;
}

static void
rebuild(struct app *app, struct cpane *c)
{
	struct pred_feed *f = loaded(app);
	struct annotations b;

	if (app->ds == NULL || f == NULL)
		return;
	confusion_build(&c->cm, app->ds, &app->annot, c->split, c->decided);
	if (f->before) {
		b = before_annotations(app, f);
		confusion_build(&c->before, app->ds, &b, c->split, c->decided);
	}
	if (c->row >= (int)c->cm.n)
		c->row = (int)c->cm.n - 1;
	if (c->col >= (int)c->cm.n)
		c->col = (int)c->cm.n - 1;
}

/* A decision moved a sample, or new predictions came (-1: any sample):
 * the matrix follows at once. The pane is looked up, not kept: it may be
 * gone by a late decision. */
static void
decisions_changed(struct app *app, long sample, void *arg)
{
	struct cpane *c = cpane_of(app);
	struct pred_feed *f = loaded(app);
	struct annotations b;

	if (c == NULL || app->ds == NULL || f == NULL)
		return;
	if (sample < 0 || (size_t)sample >= c->cm.nsamples) {
		rebuild(app, c);
	} else {
		confusion_update(&c->cm, app->ds, &app->annot, (size_t)sample);
		if (f->before) {
			b = before_annotations(app, f);
			confusion_update(&c->before, app->ds, &b, (size_t)sample);
		}
	}
	ui_redraw(app, REDRAW_CONFUSION | REDRAW_FRAME);
}

/* ---- the pane ---- */

static void
cpane_init(struct app *app, struct pane *pane)
{
	struct cpane *c = xcalloc(1, sizeof *c);
	c->split = -1;
	c->decided = 1;
	c->cm.split = c->before.split = -1;
	pane->data = c;
	app->confusion = c;
	ui_annotations_subscribe(app, decisions_changed, NULL);
}

static void
free_abbrev(struct cpane *c)
{
	size_t i;
	for (i = 0; i < c->nabbrev; i++)
		free(c->abbrev[i]);
	free(c->abbrev);
	c->abbrev = NULL;
	c->nabbrev = 0;
}

static void
cpane_free(struct app *app, struct pane *pane)
{
	struct cpane *c = pane->data;

	if (c == NULL)
		return;
	confusion_free(&c->cm);
	confusion_free(&c->before);
	free_abbrev(c);
	buf_free(&c->scratch);
	free(c);
	pane->data = NULL;
	app->confusion = NULL;
}

/* A symbol, or its ASCII stand-in where the locale is not UTF-8. */
static const char *
glyph(const struct app *app, const char *utf8, const char *ascii)
{
	return app->utf8 ? utf8 : ascii;
}

/* A label as it can be shown: escaped bytes, in c->scratch. */
static const char *
shown(struct cpane *c, const char *s)
{
	c->scratch.len = 0;
	escape_name(&c->scratch, s);
	return buf_str(&c->scratch);
}

/* Bytes of the UTF-8 character at s. */
static size_t
char_len(const char *s)
{
	size_t n = 1;
	while (s[n] != '\0' && ((unsigned char)s[n] & 0xc0) == 0x80)
		n++;
	return n;
}

static int
char_width(const char *s, size_t len)
{
	char one[8];
	if (len >= sizeof one)
		return 1;
	memcpy(one, s, len);
	one[len] = '\0';
	return ui_width(one);
}

/* The first `cols` display columns of s, then its last `tail` characters
 * (so "forward" in 4 columns is "forw", and with a tail of 1 "ford").
 * Returns a new string. */
static char *
cut_name(const char *s, int cols, int tail)
{
	struct buf b = { 0 };
	size_t i = 0, len = strlen(s), end = len;
	int used = 0, t;

	for (t = 0; t < tail && end > 0; t++) {
		end--;
		while (end > 0 && ((unsigned char)s[end] & 0xc0) == 0x80)
			end--;
	}
	if (ui_width(s) <= cols)
		return xstrdup(s);
	tail = ui_width(s + end);
	while (i < end) {
		size_t n = char_len(s + i);
		int w = char_width(s + i, n);
		if (used + w > cols - tail)
			break;
		buf_add(&b, s + i, n);
		used += w;
		i += n;
	}
	buf_adds(&b, s + end);
	buf_str(&b);
	return b.data;
}

/* Column names in at most w columns that tell labels apart: the start of a
 * name, and where two starts are the same, less of the start and more of
 * the end ("cat" and "cae" for cat and cattle in three columns). */
static void
make_abbrev(struct cpane *c, const struct dataset *ds, size_t n, int w)
{
	int *tail, clash = 1;
	size_t i, j;

	if (c->nabbrev == n && c->abbrev_w == w)
		return;
	free_abbrev(c);
	c->abbrev = xcalloc(n ? n : 1, sizeof *c->abbrev);
	tail = xcalloc(n ? n : 1, sizeof *tail);
	c->nabbrev = n;
	c->abbrev_w = w;
	while (clash) {
		clash = 0;
		for (i = 0; i < n; i++) {
			free(c->abbrev[i]);
			c->abbrev[i] = cut_name(shown(c, dataset_label_name(ds, (unsigned)i)), w,
			    tail[i]);
		}
		for (i = 0; i < n; i++)
			for (j = i + 1; j < n; j++)
				if (strcmp(c->abbrev[i], c->abbrev[j]) == 0) {
					if (tail[i] < w - 1)
						tail[i]++, clash = 1;
					if (tail[j] < w - 1)
						tail[j]++, clash = 1;
				}
	}
	free(tail);
}

static int
digits(uint32_t v)
{
	int d = 1;
	while (v >= 10) {
		v /= 10;
		d++;
	}
	return d;
}

/* A fraction in w columns: "0.67" (".67" in three), "1.00", or "-" when
 * undefined. */
static void
put_fraction(struct app *app, WINDOW *win, int y, int x, int w, double v)
{
	char num[16], s[16];
	const char *p = num;

	if (isnan(v))
		snprintf(num, sizeof num, "-");
	else
		snprintf(num, sizeof num, "%.2f", v);
	if ((int)strlen(p) > w && p[0] == '0')
		p++;
	if ((int)strlen(p) > w)
		p = "1.0";
	snprintf(s, sizeof s, "%*s", w, p);
	ui_putn(app, win, y, x, s, w);
}

struct grid {
	int name_w;             /* row names */
	int cell_w;             /* one cell, with the space before it */
	int count_w;            /* support column */
	int x0;                 /* first cell column */
	int cols, rows;         /* cells shown across, rows down */
	int pairs_x;            /* the most-confused list, or -1 */
	int trend_x;            /* the trend column, or -1 */
};

static void
lay_out(struct cpane *c, const struct app *app, const struct pane *pane,
    const struct pred_feed *f, struct grid *L)
{
	const struct confusion *cm = &c->cm;
	uint32_t most = 0;
	size_t i;
	int right, avail, longest = 0;

	L->name_w = (int)strlen("precision");
	for (i = 0; i < cm->n; i++) {
		int w = ui_width(shown(c, dataset_label_name(app->ds, (unsigned)i)));
		if (w > longest)
			longest = w;
		if (w > L->name_w)
			L->name_w = w;
		if (cm->row_total[i] > most)
			most = cm->row_total[i];
	}
	if (L->name_w > ROW_NAME_MAX)
		L->name_w = ROW_NAME_MAX;
	/* Room for the number the keys 1-9 relabel to. */
	L->name_w += NUMBER_W;
	L->cell_w = digits(most) + 1;
	if (L->cell_w < 4)
		L->cell_w = 4;
	L->count_w = digits(most) + 1;
	if (L->count_w < 3)
		L->count_w = 3;
	L->x0 = L->name_w + 1;
	right = 7 + L->count_w;         /* " recall" and the support */
	avail = pane->w - L->x0 - right;
	/* A trend once there are two loads to compare, where a few cells
	 * still fit beside it. */
	L->trend_x = -1;
	if (f->nloads >= 2 && avail - TREND_W >= 3 * L->cell_w) {
		L->trend_x = 0;
		avail -= TREND_W;
	}
	L->pairs_x = -1;
	/* The list of pairs when the matrix fits beside it, or a good part of
	 * it does (the cursor line names any cell anyway). */
	if (avail - PAIRS_W >= (int)cm->n * L->cell_w || avail - PAIRS_W >= 12 * L->cell_w) {
		L->pairs_x = pane->w - PAIRS_W + 1;
		avail -= PAIRS_W;
	}
	/* Where the whole matrix fits with room over, columns as wide as the
	 * labels (up to a point), so a wide terminal heads them with whole
	 * names rather than the narrow one's cuts. */
	if (longest + 1 > L->cell_w) {
		int wide = longest + 1 < CELL_W_WIDE ? longest + 1 : CELL_W_WIDE;
		if (avail >= (int)cm->n * wide)
			L->cell_w = wide;
	}
	L->cols = avail / L->cell_w;
	if (L->cols < 1)
		L->cols = 1;
	if (L->cols > (int)cm->n)
		L->cols = (int)cm->n;
	if (L->trend_x == 0)
		L->trend_x = L->x0 + L->cols * L->cell_w + right + 1;
	L->rows = pane->h - 3;
	if (L->rows < 1)
		L->rows = 1;
}

/* Keep the cursor in view. */
/* One axis: the first of `shown` of n lines moves just enough to show the
 * cursor (none when it is -1), and no further than the last screenful. */
static void
scroll_axis(int *first, int cursor, int shown, int n)
{
	if (cursor >= 0 && cursor < *first)
		*first = cursor;
	if (cursor >= *first + shown)
		*first = cursor - shown + 1;
	if (*first > n - shown)
		*first = n - shown;
	if (*first < 0)
		*first = 0;
}

static void
scroll_to_cursor(struct cpane *c, const struct grid *L)
{
	scroll_axis(&c->top, c->row, L->rows, (int)c->cm.n);
	scroll_axis(&c->left, c->col, L->cols, (int)c->cm.n);
}

/* The line above the matrix: what the cursor is on, and the last reload. */
static void
draw_info(struct app *app, struct pane *pane, struct cpane *c, const struct pred_feed *f)
{
	const struct confusion *cm = &c->cm;
	struct buf b = { 0 }, t = { 0 }, p = { 0 };
	char n1[32], n2[32];
	int used;

	if (c->row >= 0)
		escape_name(&t, dataset_label_name(app->ds, (unsigned)c->row));
	if (c->col >= 0)
		escape_name(&p, dataset_label_name(app->ds, (unsigned)c->col));
	buf_str(&t);
	buf_str(&p);
	if (c->row >= 0 && c->col >= 0) {
		uint32_t v = confusion_cell(cm, (size_t)c->row, (size_t)c->col);
		ui_count(n1, sizeof n1, v);
		buf_addf(&b, "%s %s %s: %s", t.data, glyph(app, "→", "->"), p.data, n1);
		if (cm->row_total[c->row])
			buf_addf(&b, " (%.0f%% of %s)", 100.0 * v / cm->row_total[c->row], t.data);
		if (f->before && c->before.n == cm->n) {
			uint32_t was = confusion_cell(&c->before, (size_t)c->row, (size_t)c->col);
			if (was != v)
				buf_addf(&b, ", was %u", was);
		}
	} else if (c->row >= 0) {
		ui_count(n1, sizeof n1, cm->row_total[c->row]);
		buf_addf(&b, "true %s: %s samples, recall ", t.data, n1);
		buf_addf(&b, isnan(confusion_recall(cm, (size_t)c->row)) ? "-" : "%.2f",
		    confusion_recall(cm, (size_t)c->row));
	} else if (c->col >= 0) {
		ui_count(n1, sizeof n1, cm->col_total[c->col]);
		buf_addf(&b, "predicted %s: %s samples, precision ", p.data, n1);
		buf_addf(&b, isnan(confusion_precision(cm, (size_t)c->col)) ? "-" : "%.2f",
		    confusion_precision(cm, (size_t)c->col));
	} else {
		ui_count(n1, sizeof n1, cm->total);
		ui_count(n2, sizeof n2, cm->correct);
		buf_addf(&b, "all %s samples counted, %s right", n1, n2);
	}
	buf_adds(&b, " · Enter lists them");
	used = ui_putn(app, pane->win, 0, 0, buf_str(&b), pane->w);

	b.len = 0;
	if (f->before)
		buf_addf(&b, "  reloaded %s: accuracy %.3f %s %.3f", f->loaded_at,
		    confusion_accuracy(&c->before), glyph(app, "→", "->"),
		    confusion_accuracy(cm));
	else
		buf_addf(&b, "  loaded %s", f->loaded_at);
	if (f->error)
		buf_addf(&b, " · reload failed");
	if ((int)b.len < pane->w - used) {
		wattron(pane->win, ui_attr(app, f->error ? ROLE_ERROR : ROLE_DIM));
		ui_putn(app, pane->win, 0, pane->w - ui_width(buf_str(&b)), b.data,
		    pane->w - used);
		wattroff(pane->win, ui_attr(app, f->error ? ROLE_ERROR : ROLE_DIM));
	}
	buf_free(&b);
	buf_free(&t);
	buf_free(&p);
}

static void
draw_pairs(struct app *app, struct pane *pane, struct cpane *c, const struct grid *L)
{
	struct confusion_pair pairs[PAIRS_MAX];
	size_t n, i;
	int y, max = pane->h - 2 < PAIRS_MAX ? pane->h - 2 : PAIRS_MAX;
	char line[128];

	if (L->pairs_x < 0 || max < 1)
		return;
	wattron(pane->win, ui_attr(app, ROLE_DIM));
	ui_putn(app, pane->win, 1, L->pairs_x, "most confused", PAIRS_W - 1);
	wattroff(pane->win, ui_attr(app, ROLE_DIM));
	n = confusion_pairs(&c->cm, pairs, (size_t)max);
	for (i = 0, y = 2; i < n && y < pane->h; i++, y++) {
		char *t = xstrdup(shown(c, dataset_label_name(app->ds, pairs[i].truth)));
		const char *p = shown(c, dataset_label_name(app->ds, pairs[i].pred));
		char *tc = cut_name(t, 9, 0), *pc = cut_name(p, 9, 0);
		snprintf(line, sizeof line, "%5u %s %s %s", pairs[i].count, tc,
		    glyph(app, "→", "->"), pc);
		ui_putn(app, pane->win, y, L->pairs_x, line, PAIRS_W - 1);
		free(t);
		free(tc);
		free(pc);
	}
}

/* Class k's recall at each recorded load, and how the last load moved it:
 * a fall stands out in colour and with ▼, so it shows without colour too. */
static void
draw_trend(struct app *app, struct pane *pane, const struct pred_feed *f, int y, int x,
    size_t k)
{
	double was, now;
	char s[16];
	attr_t a;

	if (k >= f->nlabels)
		return;
	sparkline_draw(app, pane->win, y, x, SPARK_W, f->recall + k, f->nloads, f->nlabels,
	    0, 1);
	was = f->recall[(f->nloads - 2) * f->nlabels + k];
	now = f->recall[(f->nloads - 1) * f->nlabels + k];
	if (isnan(was) || isnan(now) || fabs(now - was) < 0.005)
		return;
	snprintf(s, sizeof s, "%s%.2f", now < was ? glyph(app, "▼", "v") : glyph(app, "▲", "^"),
	    fabs(now - was));
	a = ui_attr(app, now < was ? ROLE_ERROR : ROLE_DIM) | (now < was ? A_BOLD : 0);
	wattron(pane->win, a);
	ui_putn(app, pane->win, y, x + SPARK_W + 1, s, 5);
	wattroff(pane->win, a);
}

static void
cpane_draw(struct app *app, struct pane *pane)
{
	struct cpane *c = pane->data;
	const struct confusion *cm = &c->cm;
	const struct pred_feed *f = pred_feed(app);
	struct grid L;
	attr_t sel = ui_attr(app, app->focus == PANE_CONFUSION ? ROLE_SELECTED :
	    ROLE_SELECTED_UNFOCUSED);
	int y, x, i, j;
	char s[32];

	werase(pane->win);
	if (app->ds == NULL) {
		ui_putn(app, pane->win, 0, 0, glyph(app, "indexing…", "indexing..."), pane->w);
		return;
	}
	if (f == NULL || f->pred == NULL) {
		struct buf b = { 0 };
		if (f && f->error)
			buf_addf(&b, "no predictions: %s", f->error);
		else if (f)
			buf_addf(&b, "loading predictions from %s%s", f->file,
			    glyph(app, "…", "..."));
		ui_putn(app, pane->win, 0, 0, buf_str(&b), pane->w);
		/* A line more, where the pane has it: what the file must hold. */
		if (f && f->error && pane->h > 1)
			ui_putn(app, pane->win, 1, 0, "The matrix appears when the file does "
			    "(CSV or TSV: path, pred, p_<label>...; see winnow(1)).", pane->w);
		buf_free(&b);
		return;
	}
	if (cm->n == 0) {
		ui_putn(app, pane->win, 0, 0, "no labels", pane->w);
		return;
	}

	lay_out(c, app, pane, f, &L);
	scroll_to_cursor(c, &L);
	c->page_rows = L.rows;
	make_abbrev(c, app->ds, cm->n, L.cell_w - 1);
	draw_info(app, pane, c, f);

	/* Column names, then recall and support. */
	wattron(pane->win, ui_attr(app, ROLE_DIM));
	ui_putn(app, pane->win, 1, 0, "true\\pred", L.name_w);
	wattroff(pane->win, ui_attr(app, ROLE_DIM));
	for (j = 0; j < L.cols; j++) {
		int k = c->left + j, w = ui_width(c->abbrev[k]);
		attr_t a = k == c->col ? (c->row < 0 ? sel : A_BOLD) : A_NORMAL;
		x = L.x0 + j * L.cell_w + (L.cell_w - 1 - w);
		wattron(pane->win, a);
		ui_putn(app, pane->win, 1, x, c->abbrev[k], L.cell_w - 1);
		wattroff(pane->win, a);
	}
	x = L.x0 + L.cols * L.cell_w;
	if (c->left > 0)
		ui_putn(app, pane->win, 1, L.x0 - 1, glyph(app, "‹", "<"), 1);
	if (c->left + L.cols < (int)cm->n)
		ui_putn(app, pane->win, 1, x, glyph(app, "›", ">"), 1);
	wattron(pane->win, ui_attr(app, ROLE_DIM));
	ui_putn(app, pane->win, 1, x + 1, "recall", 6);
	snprintf(s, sizeof s, "%*s", L.count_w, "n");
	ui_putn(app, pane->win, 1, x + 7, s, L.count_w);
	if (L.trend_x >= 0)
		ui_putn(app, pane->win, 1, L.trend_x, "recall by load", TREND_W - 1);
	wattroff(pane->win, ui_attr(app, ROLE_DIM));

	for (i = 0; i < L.rows && c->top + i < (int)cm->n; i++) {
		int t = c->top + i;
		char *name;
		y = 2 + i;
		name = cut_name(shown(c, dataset_label_name(app->ds, (unsigned)t)),
		    L.name_w - NUMBER_W, 0);
		if (t < 9) {
			snprintf(s, sizeof s, "%d", t + 1);
			wattron(pane->win, ui_attr(app, ROLE_DIM));
			ui_putn(app, pane->win, y, 0, s, 1);
			wattroff(pane->win, ui_attr(app, ROLE_DIM));
		}
		{
			attr_t a = t == c->row ? (c->col < 0 ? sel : A_BOLD) : A_NORMAL;
			wattron(pane->win, a);
			ui_putn(app, pane->win, y, NUMBER_W, name, L.name_w - NUMBER_W);
			wattroff(pane->win, a);
		}
		free(name);
		for (j = 0; j < L.cols; j++) {
			int p = c->left + j;
			uint32_t v = confusion_cell(cm, (size_t)t, (size_t)p);
			int changed = f->before && c->before.n == cm->n &&
			    confusion_cell(&c->before, (size_t)t, (size_t)p) != v;
			attr_t a;
			x = L.x0 + j * L.cell_w;
			if (t == c->row && p == c->col)
				a = sel;
			else if (v == 0)
				a = ui_attr(app, ROLE_DIM);
			else    /* scaled per row; the faintest still readable */
				a = ui_heat_attr(app, 0.3 + 0.7 * v / cm->row_total[t]);
			if (changed)
				a |= A_UNDERLINE;
			if (v == 0)     /* "·" is one column but two bytes */
				snprintf(s, sizeof s, "%*s%s", L.cell_w - 2, "", app->utf8 ? "·" : ".");
			else
				snprintf(s, sizeof s, "%*u", L.cell_w - 1, v);
			wattron(pane->win, a);
			ui_putn(app, pane->win, y, x + 1, s, L.cell_w - 1);
			wattroff(pane->win, a);
		}
		x = L.x0 + L.cols * L.cell_w;
		put_fraction(app, pane->win, y, x + 1, 6, confusion_recall(cm, (size_t)t));
		snprintf(s, sizeof s, "%*u", L.count_w, cm->row_total[t]);
		wattron(pane->win, ui_attr(app, ROLE_DIM));
		ui_putn(app, pane->win, y, x + 7, s, L.count_w);
		wattroff(pane->win, ui_attr(app, ROLE_DIM));
		if (L.trend_x >= 0)
			draw_trend(app, pane, f, y, L.trend_x, (size_t)t);
	}

	/* Precision under each column. */
	y = pane->h - 1;
	if (y > 2) {
		wattron(pane->win, ui_attr(app, ROLE_DIM));
		ui_putn(app, pane->win, y, 0, "precision", L.name_w);
		wattroff(pane->win, ui_attr(app, ROLE_DIM));
		for (j = 0; j < L.cols; j++)
			put_fraction(app, pane->win, y, L.x0 + j * L.cell_w + 1, L.cell_w - 1,
			    confusion_precision(cm, (size_t)(c->left + j)));
		if (c->top + L.rows < (int)cm->n)
			ui_putn(app, pane->win, y, L.x0 + L.cols * L.cell_w + 1,
			    glyph(app, "▾ more", "v more"), 6);
	}
	draw_pairs(app, pane, c, &L);
}

/* Terse, so that accuracy, the split (S) and the truth (t) show beside
 * the files pane's footer at 80 columns; the matrix says "true\\pred". */
static void
cpane_title(struct app *app, struct pane *pane, struct buf *b)
{
	struct cpane *c = pane->data;
	const struct confusion *cm = &c->cm;

	if (loaded(app) == NULL || app->ds == NULL)
		return;
	if (!isnan(confusion_accuracy(cm)))
		buf_addf(b, "accuracy %.3f · ", confusion_accuracy(cm));
	buf_addf(b, "split %s", c->split < 0 ? "all" :
	    dataset_split_name(app->ds, (unsigned)c->split));
	buf_adds(b, c->decided ? " · truth: decided" : " · truth: dataset");
}

/* Without a matrix there is one line to say. */
static int
cpane_rows_wanted(struct app *app, struct pane *pane)
{
	(void)pane;
	return app->ds != NULL && loaded(app) == NULL ? 1 : 0;
}

/* Enter: the samples under the cursor, in the file pane. */
static unsigned
drill(struct app *app, struct cpane *c)
{
	struct buf title = { 0 }, t = { 0 }, p = { 0 };
	uint32_t *samples;
	size_t n;

	samples = confusion_samples(&c->cm, &app->annot, c->row, c->col, &n);
	if (n == 0) {
		free(samples);
		ui_message(app, "no samples there");
		return REDRAW_STATUS;
	}
	if (c->row >= 0)
		escape_name(&t, dataset_label_name(app->ds, (unsigned)c->row));
	if (c->col >= 0)
		escape_name(&p, dataset_label_name(app->ds, (unsigned)c->col));
	if (c->row >= 0)
		buf_addf(&title, "true %s", buf_str(&t));
	if (c->col >= 0)
		buf_addf(&title, "%spred %s", c->row >= 0 ? " · " : "", buf_str(&p));
	if (c->row < 0 && c->col < 0)
		buf_adds(&title, "with predictions");
	if (c->split >= 0)
		buf_addf(&title, " · %s", dataset_split_name(app->ds, (unsigned)c->split));
	ui_filter_push_set(app, samples, n, buf_str(&title), SORT_SUSPECT);
	ui_focus(app, PANE_FILES);
	free(samples);
	buf_free(&title);
	buf_free(&t);
	buf_free(&p);
	return REDRAW_ALL;
}

static unsigned
cpane_key(struct app *app, struct pane *pane, int key, const char *command)
{
	struct cpane *c = pane->data;
	int n = (int)c->cm.n, page = c->page_rows > 1 ? c->page_rows - 1 : 1;

	if (command == NULL || loaded(app) == NULL || n == 0)
		return PANE_UNHANDLED;
	if (strcmp(command, "down") == 0)
		c->row = c->row + 1 < n ? c->row + 1 : n - 1;
	else if (strcmp(command, "up") == 0)
		c->row = c->row > -1 ? c->row - 1 : -1;
	else if (strcmp(command, "right") == 0)
		c->col = c->col + 1 < n ? c->col + 1 : n - 1;
	else if (strcmp(command, "left") == 0)
		c->col = c->col > -1 ? c->col - 1 : -1;
	else if (strcmp(command, "page-down") == 0)
		c->row = c->row + page < n ? c->row + page : n - 1;
	else if (strcmp(command, "page-up") == 0)
		c->row = c->row - page > 0 ? c->row - page : 0;
	else if (strcmp(command, "top") == 0)
		c->row = 0;
	else if (strcmp(command, "bottom") == 0)
		c->row = n - 1;
	else if (strcmp(command, "enter") == 0)
		return drill(app, c);
	else
		return PANE_UNHANDLED;
	return REDRAW_CONFUSION;
}

/* The commands truth (labels as in the dataset / after decisions) and
 * split (cycle the split counted). */
static unsigned
cmd_truth(struct app *app, int arg)
{
	struct cpane *c = cpane_of(app);
	if (c == NULL)
		return REDRAW_NONE;
	c->decided = !c->decided;
	rebuild(app, c);
	ui_message(app, "confusion: labels %s", c->decided ? "after decisions" :
	    "as in the dataset");
	return REDRAW_CONFUSION | REDRAW_FRAME | REDRAW_STATUS;
}

static unsigned
cmd_split(struct app *app, int arg)
{
	struct cpane *c = cpane_of(app);
	if (c == NULL || app->ds == NULL)
		return REDRAW_NONE;
	if (app->ds->nsplits <= 1) {
		ui_message(app, "the dataset has no splits");
		return REDRAW_STATUS;
	}
	c->split = c->split + 1 < (int)app->ds->nsplits ? (c->split < 0 ? 1 : c->split + 1) : -1;
	rebuild(app, c);
	ui_message(app, "confusion: split %s", c->split < 0 ? "all" :
	    dataset_split_name(app->ds, (unsigned)c->split));
	return REDRAW_CONFUSION | REDRAW_FRAME | REDRAW_STATUS;
}

const struct command_handler confusion_commands[] = {
	{ "truth", cmd_truth },
	{ "split", cmd_split },
	{ NULL, NULL },
};

const struct pane_ops confusion_pane_ops = {
	.name = "confusion",
	.init = cpane_init,
	.free = cpane_free,
	.draw = cpane_draw,
	.key = cpane_key,
	.title = cpane_title,
	.rows_wanted = cpane_rows_wanted,
};
