/* panes/files.c — the file pane: one row per shown sample with its decision,
 * label, path, findings and the model's prediction. Only the visible rows
 * are drawn. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "annot.h"
#include "commands.h"
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
	[CHECK_FORMAT_MISMATCH] = "format",
	[CHECK_DC_OFFSET] = "dc",
	[CHECK_NOISY] = "noisy",
	[CHECK_DARK] = "dark",
	[CHECK_BRIGHT] = "bright",
	[CHECK_BLURRY] = "blurry",
	[CHECK_GRAYSCALE] = "gray",
	[CHECK_ODD_ASPECT] = "aspect",
	[CHECK_LOW_INFORMATION] = "lowinfo",
};

struct files {
	int label_w;            /* label column width */
	int badge_w;            /* badge column width, this frame */
	int short_names;        /* this frame: names without the label's folder */
	struct buf scratch, pred;
	struct buf prev, next;  /* the neighbours' names, for put_name */
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
	buf_free(&f->prev);
	buf_free(&f->next);
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

/* A name as the file pane shows it, into b: escaped, and when `short_names`
 * without the folder that repeats the label column (`down/x.wav` beside
 * `down`). A relabelled sample keeps its folder, which then says where it
 * still is. */
static void
shown_name(const struct app *app, uint32_t i, unsigned label, struct buf *b)
{
	const struct files *f = app->panes[PANE_FILES].data;
	const char *name = label == LABEL_NONE || !f->short_names ? NULL :
	    dataset_label_name(app->ds, label);
	char *file, *dir;
	size_t n;

	b->len = 0;
	escape_name(b, sample_path(app->ds, i));
	buf_str(b);
	if (name == NULL || (file = strrchr(b->data, '/')) == NULL)
		return;
	for (dir = file; dir > b->data && dir[-1] != '/'; dir--)
		;
	n = strlen(name);
	if ((size_t)(file - dir) != n || strncmp(dir, name, n) != 0)
		return;
	memmove(dir, file + 1, strlen(file + 1) + 1);
	b->len = strlen(b->data);
}

/* Characters shared with a neighbour: the longest common start and end. */
static void
shared_ends(const char *s, const char *other, size_t *start, size_t *end)
{
	size_t n = strlen(s), m = strlen(other), a = 0, z = 0;

	while (a < n && a < m && s[a] == other[a])
		a++;
	while (z < n && z < m && s[n - 1 - z] == other[m - 1 - z])
		z++;
	/* Whole characters only. */
	while (a > 0 && a < n && ((unsigned char)s[a] & 0xc0) == 0x80)
		a--;
	while (z > 0 && z < n && ((unsigned char)s[n - z] & 0xc0) == 0x80)
		z--;
	if (a > *start)
		*start = a;
	if (z > *end)
		*end = z;
}

static int
is_digit_at(const char *s, size_t i)
{
	return s[i] >= '0' && s[i] <= '9';
}

/* Put s in at most `cols` columns. A name that does not fit loses one run
 * of characters, replaced by "…": from what it shares with its neighbours
 * (`prev`, `next`; NULL at the ends) where it can, since the rest is what
 * tells the rows apart; never from inside a number, and keeping the first
 * characters and the extension where it can. */
static int
put_name(struct app *app, WINDOW *w, int y, int x, const char *s, int cols,
    const char *prev, const char *next)
{
	enum { KEEP_START = 2, KEEP_END = 4 };
	size_t n = strlen(s), a = 0, z = 0, i, j, best_i = 0, best_j = 0, *at;
	int dots = ui_width("…"), total = ui_width(s), *col, cost, best = -1;
	size_t nc = 0;

	if (total <= cols || cols < dots + 2)
		return ui_putn(app, w, y, x, s, cols);
	if (prev)
		shared_ends(s, prev, &a, &z);
	if (next)
		shared_ends(s, next, &a, &z);
	/* Character starts and the columns before each. */
	at = xmalloc((n + 1) * sizeof *at);
	col = xmalloc((n + 1) * sizeof *col);
	col[0] = 0;
	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			char one[8] = { 0 };
			size_t k = 1;
			while (i + k < n && ((unsigned char)s[i + k] & 0xc0) == 0x80 && k < 6)
				k++;
			memcpy(one, s + i, k);
			at[nc] = i;
			col[nc + 1] = col[nc] + ui_width(one);
			nc++;
		}
	at[nc] = n;
	/* Cut the characters [i, j): the cheapest run that leaves room. */
	for (i = 0, j = 0; i < nc; i++) {
		if (j < i)
			j = i;
		while (j < nc && total - (col[j] - col[i]) + dots > cols)
			j++;
		if (total - (col[j] - col[i]) + dots > cols)
			break;
		/* Never inside a number. */
		if ((i > 0 && is_digit_at(s, at[i - 1]) && is_digit_at(s, at[i])) ||
		    (j < nc && j > 0 && is_digit_at(s, at[j - 1]) && is_digit_at(s, at[j])))
			continue;
		{
			size_t k, own = 0;
			for (k = i; k < j; k++)
				own += at[k] >= a && at[k] < n - z;
			cost = (int)own * 100;
		}
		cost += i < KEEP_START ? 50 : 0;
		cost += nc - j < KEEP_END ? 20 : 0;
		if (best < 0 || cost < best)
			best = cost, best_i = i, best_j = j;
	}
	free(col);
	if (best < 0) {
		free(at);
		return ui_putn(app, w, y, x, s, cols);
	}
	{
		char *head = xstrndup(s, at[best_i]);
		int used = ui_putn(app, w, y, x, head, cols);
		used += ui_putn(app, w, y, x + used, "…", dots);
		used += ui_putn(app, w, y, x + used, s + at[best_j], cols - used);
		free(head);
		free(at);
		return used;
	}
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

/* The label shown for sample i: its decision's, else its own. */
static unsigned
shown_label(const struct app *app, uint32_t i)
{
	const struct annotations *an = &app->annot;
	if (an->decision && an->decision[i] == DECISION_RELABEL && an->relabel_to)
		return an->relabel_to[i];
	return app->ds->samples[i].label;
}

/* The shown name of the row `row` of the view into b, or NULL past the ends. */
static const char *
row_name(const struct app *app, long row, struct buf *b)
{
	uint32_t i;
	if (row < 0 || (size_t)row >= app->view.lv.n)
		return NULL;
	i = app->view.rows[row];
	shown_name(app, i, shown_label(app, i), b);
	return buf_str(b);
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
	unsigned label = shown_label(app, i);
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
	wattrset(w, selected ? base : ui_attr(app, decisions[decision < ARRAY_SIZE(decisions) ? decision : 0].role));
	ui_putn(app, w, y, 1, glyph, 1);
	x = 3;

	/* Label; a `_folder` sample has none, and its path names the folder. */
	wattrset(w, selected ? base : ui_attr(app, ROLE_LABEL));
	if (label != LABEL_NONE) {
		ui_putn(app, w, y, x, dataset_label_name(app->ds, label), f->label_w);
		/* A column less between label and name where names are short of room. */
		x += f->label_w + (f->short_names ? 1 : 2);
	}

	/* Path, escaped, cut where it says least. */
	path_w = width - x - (bw ? bw + 1 : 0);
	shown_name(app, i, label, b);
	wattrset(w, base);
	if (path_w > 0)
		put_name(app, w, y, x, buf_str(b), path_w,
		    row_name(app, (long)row - 1, &f->prev), row_name(app, (long)row + 1, &f->next));
	x += path_w > 0 ? path_w + 1 : 0;

	/* Findings, then the prediction: whole, or its label alone, or
	 * nothing, so that a cut never changes a number. */
	badges(app, i, b, &f->pred);
	wattrset(w, selected ? base : ui_attr(app, ROLE_BADGE));
	k = b->len ? ui_putn(app, w, y, x, buf_str(b), width - x) : 0;
	if (f->pred.len) {
		int at = x + k + (k ? 1 : 0), room = width - at;
		char *sp = strchr(f->pred.data, ' ');
		if (ui_width(buf_str(&f->pred)) > room && sp != NULL)
			*sp = '\0';
		if (ui_width(f->pred.data) <= room) {
			int agree = an->pred[i] == s->label;
			wattrset(w, selected ? base : ui_attr(app, agree ? ROLE_PRED_AGREE : ROLE_PRED_DISAGREE));
			ui_putn(app, w, y, at, f->pred.data, room);
		}
	}
	wattrset(w, A_NORMAL);
}

/* Do the rows on screen lack room for a whole name? Then every row drops
 * the label's folder, the same on every row, before any name is cut. */
static int
names_crowded(struct app *app, struct pane *pane)
{
	struct files *f = pane->data;
	const struct listpos *lv = &app->view.lv;
	int room = pane->w - 3 - f->label_w - 2 - (f->badge_w ? f->badge_w + 1 : 0);
	size_t r;

	for (r = lv->top; r < lv->n && r < lv->top + (size_t)pane->h; r++) {
		f->scratch.len = 0;
		escape_name(&f->scratch, sample_path(app->ds, app->view.rows[r]));
		if (ui_width(buf_str(&f->scratch)) > room)
			return 1;
	}
	return 0;
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
	f->short_names = names_crowded(app, pane);
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

/* ---- commands: the file list's position, filters and order ---- */

static unsigned
move_by(struct app *app, long delta)
{
	listpos_move(&app->view.lv, delta);
	return REDRAW_FILES;
}

static long
page(const struct app *app)
{
	int h = app->panes[PANE_FILES].h;
	return h > 2 ? h - 1 : 1;
}

static unsigned
cmd_down(struct app *app, int arg)
{
	return move_by(app, 1);
}

static unsigned
cmd_up(struct app *app, int arg)
{
	return move_by(app, -1);
}

static unsigned
cmd_page_down(struct app *app, int arg)
{
	return move_by(app, page(app));
}

static unsigned
cmd_page_up(struct app *app, int arg)
{
	return move_by(app, -page(app));
}

static unsigned
cmd_top(struct app *app, int arg)
{
	listpos_select(&app->view.lv, 0);
	return REDRAW_FILES;
}

static unsigned
cmd_bottom(struct app *app, int arg)
{
	listpos_select(&app->view.lv, app->view.lv.n ? app->view.lv.n - 1 : 0);
	return REDRAW_FILES;
}

static const char *const filter_keys[] = { "label=", "pred=", "split=", "check=", "decision=" };

static const char *const decision_words[] = { "relabel", "delete", "accept", "flag", "none", "any" };

static void
filter_done(struct app *app, const char *text, void *arg)
{
	char *cause = NULL;
	const char *p;

	if (text == NULL)
		return;
	for (p = text; *p == ' '; p++)
		;
	if (*p == '\0')
		return;
	if (ui_filter_push(app, text, SORT_COUNT, &cause) != 0) {
		ui_error(app, "filter: %s", cause);
		free(cause);
		return;
	}
	if (app->view.lv.n == 0)
		ui_message(app, "nothing matches '%s' (Esc: back)", text);
}

/* Completion for `/`: every key=value the dataset has, then the keys. */
static unsigned
cmd_filter(struct app *app, int arg)
{
	struct dataset *ds = app->ds;
	char **c;
	size_t n = 0, cap, i, k;

	if (ds == NULL) {
		ui_message(app, "still indexing");
		return REDRAW_STATUS;
	}
	cap = ds->nlabels * 2 + ds->nsplits + CHECK_COUNT + ARRAY_SIZE(decision_words) +
	    ARRAY_SIZE(filter_keys);
	c = xmalloc(cap * sizeof *c);
	for (i = 0; i < ds->nlabels; i++)
		c[n++] = xasprintf("label=%s", ds->labels[i]);
	if (app->annot.pred)
		for (i = 0; i < ds->nlabels; i++)
			c[n++] = xasprintf("pred=%s", ds->labels[i]);
	for (i = 1; i < ds->nsplits; i++)
		c[n++] = xasprintf("split=%s", ds->splits[i]);
	for (k = 0; k < CHECK_COUNT; k++)
		c[n++] = xasprintf("check=%s", check_name(k));
	for (k = 0; k < ARRAY_SIZE(decision_words); k++)
		c[n++] = xasprintf("decision=%s", decision_words[k]);
	for (k = 0; k < ARRAY_SIZE(filter_keys); k++)
		c[n++] = xstrdup(filter_keys[k]);
	ui_prompt(app, "filter: ", "", (const char *const *)c, n, PROMPT_WORDS,
	    filter_done, NULL);
	for (i = 0; i < n; i++)
		free(c[i]);
	free(c);
	return REDRAW_STATUS;
}

static const float *
sort_values(const struct app *app, enum sort_key k)
{
	switch (k) {
	case SORT_SUSPECT:
		return app->annot.suspect;
	case SORT_LOUDNESS:
		return app->annot.peak_db;
	case SORT_DURATION:
		return app->annot.duration;
	case SORT_OUTLIER:
		return app->annot.outlier;
	case SORT_UNCERTAIN:
		return app->annot.margin;
	default:
		return NULL;
	}
}

/* path → label → suspect → loudness → duration (→ outlier once embeddings
 * are loaded, → uncertain once predictions are) → path. */
static unsigned
cmd_sort(struct app *app, int arg)
{
	enum sort_key k = app->view.shuffled ? SORT_PATH : app->view.sort + 1;

	if (k == SORT_OUTLIER && app->annot.outlier == NULL)
		k++;
	if (k == SORT_UNCERTAIN && app->annot.margin == NULL)
		k++;
	if (k >= SORT_COUNT)
		k = SORT_PATH;
	view_set_sort(&app->view, k);
	if (k >= SORT_SUSPECT && sort_values(app, k) == NULL)
		ui_message(app, "sorted by %s (not known yet: path order)", sort_key_name(k));
	else
		ui_message(app, "sorted by %s", sort_key_name(k));
	return REDRAW_FILES | REDRAW_FRAME | REDRAW_STATUS;
}

static unsigned
cmd_shuffle(struct app *app, int arg)
{
	view_shuffle(&app->view, 0);
	ui_message(app, "shuffled (s: sorted again)");
	return REDRAW_FILES | REDRAW_FRAME | REDRAW_STATUS;
}

const struct command_handler files_commands[] = {
	{ "down", cmd_down },
	{ "up", cmd_up },
	{ "page-down", cmd_page_down },
	{ "page-up", cmd_page_up },
	{ "top", cmd_top },
	{ "bottom", cmd_bottom },
	{ "filter", cmd_filter },
	{ "sort", cmd_sort },
	{ "shuffle", cmd_shuffle },
	{ NULL, NULL },
};
