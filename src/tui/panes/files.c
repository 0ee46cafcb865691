/* panes/files.c — the file pane: one row per shown sample with its decision,
 * label, path, findings and the model's prediction. Only the visible rows
 * are drawn. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "annot.h"
#include "dataset.h"
#include "ui.h"
#include "util.h"

/* Short names for the badges, in check order (annot.h). */
static const char *const badge_names[CHECK_COUNT] = {
	[CHECK_UNREADABLE] = "unreadable",
	[CHECK_EXT_MISMATCH] = "ext",
	[CHECK_SILENT] = "silent",
	[CHECK_QUIET] = "quiet",
	[CHECK_TRUNCATED] = "trunc",
	[CHECK_CLIPPED] = "clip",
	[CHECK_BLANK] = "blank",
	[CHECK_TINY] = "tiny",
	[CHECK_DUPLICATE] = "dup",
	[CHECK_LABEL_CONFLICT] = "conflict",
	[CHECK_SPLIT_LEAK] = "leak",
	[CHECK_SUSPECT_LABEL] = "suspect",
	[CHECK_IMBALANCE] = "imbalance",
	[CHECK_CLUSTER_OUTLIER] = "outlier",
	[CHECK_CLUSTER_SPLIT] = "csplit",
	[CHECK_NEAR_DUPLICATE] = "near",
};

struct files {
	int label_w;            /* label column width */
	int badge_w;            /* badge column width, this frame */
	struct buf scratch, pred;
};

static void
files_init(struct app *app, struct pane *pane)
{
	pane->data = xcalloc(1, sizeof(struct files));
}

static void
files_free(struct app *app, struct pane *pane)
{
	struct files *f = pane->data;
	if (f == NULL)
		return;
	buf_free(&f->scratch);
	buf_free(&f->pred);
	free(f);
	pane->data = NULL;
}

static void
files_ready(struct app *app, struct pane *pane)
{
	struct files *f = pane->data;
	size_t i;
	int w;

	f->label_w = 5;
	for (i = 0; i < app->ds->nlabels; i++)
		if ((w = ui_width(app->ds->labels[i])) > f->label_w)
			f->label_w = w;
	if (f->label_w > 14)
		f->label_w = 14;
}

/* Put s in at most `cols` columns, cutting out its middle ("0b1c…_1.wav")
 * so both the start and the distinctive end of a name stay visible. */
static int
put_middle(struct app *app, WINDOW *w, int y, int x, const char *s, int cols)
{
	int used, dots = ui_width("…");

	if (ui_width(s) <= cols || cols < dots + 2)
		return ui_putn(app, w, y, x, s, cols);
	used = ui_putn(app, w, y, x, s, (cols - dots) / 2);
	used += ui_putn(app, w, y, x + used, "…", dots);
	return used + ui_putn(app, w, y, x + used, ui_tail(s, cols - used), cols - used);
}

static const struct {
	char glyph;
	enum ui_role role;
} decisions[] = {
	[DECISION_NONE] = { ' ', ROLE_NORMAL },
	[DECISION_RELABEL] = { 'R', ROLE_DECISION_RELABEL },
	[DECISION_DELETE] = { 'D', ROLE_DECISION_DELETE },
	[DECISION_ACCEPT] = { 'A', ROLE_DECISION_ACCEPT },
	[DECISION_FLAG] = { 'F', ROLE_DECISION_FLAG },
};

/* Badges and the prediction of sample i, as text, into b. */
static void
badges(struct app *app, uint32_t i, struct buf *b, struct buf *pred)
{
	const struct annotations *an = &app->annot;
	int k;

	b->len = pred->len = 0;
	buf_add(b, "", 0);
	buf_add(pred, "", 0);
	if (an->findings && i < an->n && an->findings[i])
		for (k = 0; k < CHECK_COUNT; k++)
			if (an->findings[i] & (1u << k)) {
				if (b->len)
					buf_addc(b, ' ');
				buf_adds(b, badge_names[k]);
			}
	if (an->pred && i < an->n && an->pred[i] != LABEL_NONE) {
		buf_addf(pred, "→%s", dataset_label_name(app->ds, an->pred[i]));
		if (an->pred_p && isfinite(an->pred_p[i]))
			buf_addf(pred, " %.2f", an->pred_p[i]);
	}
}

/* The badge column: as wide as the widest on screen, at most a third of
 * the pane, so paths keep their room where there is nothing to show. */
static int
badge_width(struct app *app, struct pane *pane)
{
	struct files *f = pane->data;
	struct buf pred = { 0 };
	struct listpos *lv = &app->view.lv;
	size_t r;
	int w = 0, cap = pane->w / 3, k;

	listpos_scroll(lv, pane->h);
	for (r = lv->top; r < lv->n && r < lv->top + (size_t)pane->h; r++) {
		badges(app, app->view.rows[r], &f->scratch, &pred);
		k = ui_width(buf_str(&f->scratch));
		if (pred.len)
			k += (k ? 1 : 0) + ui_width(buf_str(&pred));
		if (k > w)
			w = k;
	}
	buf_free(&pred);
	return w < cap ? w : cap;
}

static void
files_row(void *arg, WINDOW *w, int y, int width, size_t row, int selected)
{
	struct app *app = arg;
	struct pane *pane = &app->panes[PANE_FILES];
	struct files *f = pane->data;
	const struct annotations *an = &app->annot;
	uint32_t i = app->view.rows[row];
	const struct sample *s = &app->ds->samples[i];
	unsigned decision = an->decision ? an->decision[i] : DECISION_NONE;
	unsigned label = s->label;
	attr_t base = A_NORMAL;
	int x = 0, bw = f->badge_w, path_w, k;
	char glyph[2] = { ' ', '\0' };
	struct buf *b = &f->scratch;

	if (selected)
		base = ui_attr(app, app->focus == PANE_FILES ? ROLE_SELECTED : ROLE_SELECTED_UNFOCUSED);
	wattrset(w, base);
	mvwhline(w, y, 0, ' ', width);

	/* Decision glyph. */
	if (decision < ARRAY_SIZE(decisions))
		glyph[0] = decisions[decision].glyph;
	if (decision == DECISION_RELABEL && an->relabel_to)
		label = an->relabel_to[i];
	wattrset(w, selected ? base : ui_attr(app, decisions[decision < ARRAY_SIZE(decisions) ? decision : 0].role));
	ui_putn(app, w, y, 1, glyph, 1);
	x = 3;

	/* Label. */
	wattrset(w, selected ? base : ui_attr(app, ROLE_LABEL));
	if (label == LABEL_NONE) {
		b->len = 0;
		escape_name(b, sample_path(app->ds, i));
		/* A `_folder` sample: show its folder instead of a label. */
		char *slash = strchr(b->data, '/');
		if (slash)
			*slash = '\0';
		ui_putn(app, w, y, x, b->data, f->label_w);
	} else
		ui_putn(app, w, y, x, dataset_label_name(app->ds, label), f->label_w);
	x += f->label_w + 2;

	/* Path, escaped, cut in the middle when long. */
	path_w = width - x - (bw ? bw + 1 : 0) - 1;
	b->len = 0;
	escape_name(b, sample_path(app->ds, i));
	wattrset(w, base);
	if (path_w > 0)
		put_middle(app, w, y, x, buf_str(b), path_w);
	x += path_w > 0 ? path_w + 1 : 0;

	/* Findings, then the prediction. */
	badges(app, i, b, &f->pred);
	wattrset(w, selected ? base : ui_attr(app, ROLE_BADGE));
	k = b->len ? ui_putn(app, w, y, x, buf_str(b), width - x) : 0;
	if (f->pred.len && x + k + 2 < width) {
		int agree = an->pred[i] == s->label;
		wattrset(w, selected ? base : ui_attr(app, agree ? ROLE_PRED_AGREE : ROLE_PRED_DISAGREE));
		ui_putn(app, w, y, x + k + (k ? 1 : 0), buf_str(&f->pred), width - x - k - 1);
	}
	wattrset(w, A_NORMAL);
}

static void
files_draw(struct app *app, struct pane *pane)
{
	struct files *f = pane->data;
	WINDOW *w = pane->win;

	werase(w);
	if (app->ds == NULL) {
		struct buf b = { 0 };
		buf_adds(&b, "indexing ");
		escape_name(&b, app->opt.dataset);
		buf_adds(&b, "…");
		wattrset(w, ui_attr(app, ROLE_DIM));
		ui_putn(app, w, 0, 1, buf_str(&b), pane->w - 1);
		wattrset(w, A_NORMAL);
		buf_free(&b);
		return;
	}
	if (app->view.lv.n == 0) {
		wattrset(w, ui_attr(app, ROLE_DIM));
		ui_putn(app, w, 0, 1, app->view.nfilters ? "no sample matches the filter (Esc: back)" :
		    "no samples in this dataset", pane->w - 1);
		wattrset(w, A_NORMAL);
		return;
	}
	f->badge_w = badge_width(app, pane);
	listview_draw(&app->view.lv, w, 0, pane->h, files_row, app);
}

static void
files_resize(struct app *app, struct pane *pane)
{
	if (app->ds)
		listpos_scroll(&app->view.lv, pane->h);
}

/* "1,284 of 2,412 · filter: pred=no label=yes · sort: loudness" */
static void
files_title(struct app *app, struct pane *pane, struct buf *b)
{
	char shown[32], total[32];
	size_t k;

	if (app->ds == NULL) {
		buf_adds(b, "indexing…");
		return;
	}
	ui_count(shown, sizeof shown, app->view.lv.n);
	ui_count(total, sizeof total, app->ds->nsamples);
	if (app->view.nfilters)
		buf_addf(b, "%s of %s", shown, total);
	else
		buf_adds(b, total);
	if (app->view.nfilters) {
		buf_adds(b, " · filter:");
		for (k = 0; k < app->view.nfilters; k++) {
			buf_addc(b, ' ');
			escape_name(b, filter_text(app->view.filters[k]));
		}
	}
	if (app->view.shuffled)
		buf_adds(b, " · shuffled");
	else if (app->view.sort != SORT_PATH)
		buf_addf(b, " · sort: %s", sort_key_name(app->view.sort));
}

/* Where the selection is: "3/2,412". */
static void
files_footer(struct app *app, struct pane *pane, struct buf *b)
{
	char at[32], of[32];
	if (app->ds == NULL || app->view.lv.n == 0)
		return;
	ui_count(at, sizeof at, app->view.lv.sel + 1);
	ui_count(of, sizeof of, app->view.lv.n);
	buf_addf(b, "%s/%s", at, of);
}

const struct pane_ops files_pane_ops = {
	.name = "files",
	.init = files_init,
	.free = files_free,
	.draw = files_draw,
	.resize = files_resize,
	.ready = files_ready,
	.title = files_title,
	.footer = files_footer,
};
