/* layout.c — the panes' places, the frame and a whole screen's update,
 * and the commands that move the focus and change the bottom pane
 * (layout.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <curses.h>

#include "commands.h"
#include "glyphs.h"
#include "help.h"
#include "layout.h"
#include "prompt.h"
#include "status.h"
#include "ui.h"
#include "util.h"

/* The smallest terminal the layout is made for. */
#define MIN_COLS 80
#define MIN_LINES 24

/* The bottom pane's rows_wanted when the panes were placed. */
static int placed_wanted = -1;
/* Rows of a failure's full text over the panes at the last update. */
static int shown_full_rows;

static int
bottom_wanted(struct app *app)
{
	struct pane *bt = &app->panes[app->bottom];
	return bt->ops->rows_wanted ? bt->ops->rows_wanted(app, bt) : 0;
}

static void
place(struct pane *p, int y, int x, int h, int w)
{
	if (p->win)
		delwin(p->win);
	p->win = NULL;
	p->shown = h > 0 && w > 0;
	p->y = y;
	p->x = x;
	p->h = h;
	p->w = w;
	if (p->shown)
		p->win = newwin(h, w, y, x);
}

/*
 * ┌ files ──────────┬ preview ───┐   row 0
 * │ (files)         │ (preview)  │   rows 1 .. top
 * ├ confusion ──────┴────────────┤   row top + 1
 * │ (bottom pane)                │
 * └ status ──────────────────────┘   last row
 */
void
layout_place(struct app *app)
{
	int W = COLS, H = LINES, bottom_h, top_h, left_w, i, wanted = bottom_wanted(app);

	app->cols = W;
	app->rows = H;
	app->too_small = W < MIN_COLS || H < MIN_LINES;
	placed_wanted = wanted;
	for (i = 0; i < PANE_COUNT; i++)
		place(&app->panes[i], 0, 0, 0, 0);
	if (!app->too_small) {
		bottom_h = (H - 3) * 2 / 5;
		if (wanted > 0 && wanted < bottom_h)
			bottom_h = wanted;
		top_h = H - 3 - bottom_h;
		left_w = (W - 3) * 3 / 5;
		place(&app->panes[PANE_FILES], 1, 1, top_h, left_w);
		place(&app->panes[PANE_PREVIEW], 1, left_w + 2, top_h, W - left_w - 3);
		place(&app->panes[app->bottom], top_h + 2, 1, bottom_h, W - 2);
	}
	for (i = 0; i < PANE_COUNT; i++) {
		struct pane *p = &app->panes[i];
		if (p->shown && p->ops->resize)
			p->ops->resize(app, p);
	}
	if (app->ds)
		listpos_scroll(&app->view.lv, app->panes[PANE_FILES].h);
	app->redraw |= REDRAW_ALL;
}

/* After the focused pane's title, a mark as well as the colour, for
 * terminals without colours. */
static const char *
focus_mark(const struct app *app, const struct pane *p)
{
	if (app->focus != p->id)
		return "";
	return app->utf8 ? "◀ " : "< ";
}

/* The columns " name (title) " and the focus mark take. */
static int
title_width(struct app *app, struct pane *p)
{
	struct buf b = { 0 };
	int w;

	buf_addf(&b, " %s ", p->ops->name);
	if (p->ops->title) {
		size_t at = b.len;
		p->ops->title(app, p, &b);
		if (b.len > at)
			buf_adds(&b, "() ");
	}
	buf_adds(&b, focus_mark(app, p));
	w = ui_width(buf_str(&b));
	buf_free(&b);
	return w;
}

/* " name (title) " on the frame at (y, x), at most `room` columns, and
 * the focus mark. */
static void
draw_title(struct app *app, struct pane *p, int y, int x, int room)
{
	struct buf b = { 0 };
	int used;

	if (room < 4)
		return;
	wattrset(stdscr, ui_attr(app, app->focus == p->id ? ROLE_TITLE_FOCUS : ROLE_TITLE));
	buf_addf(&b, " %s ", p->ops->name);
	used = ui_putn(app, stdscr, y, x, buf_str(&b), room);
	b.len = 0;
	if (p->ops->title) {
		p->ops->title(app, p, &b);
		if (b.len) {
			char *t = xasprintf("(%s) ", buf_str(&b));
			wattrset(stdscr, ui_attr(app, ROLE_TITLE));
			used += ui_putn(app, stdscr, y, x + used, t, room - used);
			free(t);
		}
	}
	if (room - used >= 2) {
		wattrset(stdscr, ui_attr(app, ROLE_TITLE_FOCUS));
		ui_putn(app, stdscr, y, x + used, focus_mark(app, p), room - used);
	}
	wattrset(stdscr, A_NORMAL);
	buf_free(&b);
}

/* The columns " text " of the pane's footer takes (0: none). */
static int
footer_width(struct app *app, struct pane *p)
{
	struct buf b = { 0 };
	int w = 0;

	if (p->ops->footer == NULL)
		return 0;
	p->ops->footer(app, p, &b);
	if (b.len)
		w = ui_width(buf_str(&b)) + 2;
	buf_free(&b);
	return w;
}

/* " text " ending at column `right` of row y, within the pane's width.
 * Returns the column where it starts (right + 1 when there is none). */
static int
draw_footer(struct app *app, struct pane *p, int y, int right)
{
	struct buf b = { 0 };
	int w, start = right + 1;
	if (p->ops->footer == NULL)
		return start;
	p->ops->footer(app, p, &b);
	if (b.len) {
		char *t = xasprintf(" %s ", buf_str(&b));
		w = ui_width(t);
		if (w < p->w - 4) {
			wattrset(stdscr, ui_attr(app, ROLE_TITLE));
			ui_putn(app, stdscr, y, right - w, t, w);
			wattrset(stdscr, A_NORMAL);
			start = right - w;
		}
		free(t);
	}
	buf_free(&b);
	return start;
}

static void
draw_frame(struct app *app)
{
	struct pane *f = &app->panes[PANE_FILES], *pv = &app->panes[PANE_PREVIEW],
	    *bt = &app->panes[app->bottom];
	int W = app->cols, mid = f->h + 1, sep = f->w + 1, y, footer, files_room = sep - 2;

	werase(stdscr);
	wattrset(stdscr, ui_attr(app, ROLE_BORDER));
	mvwaddstr(stdscr, 0, 0, glyph_box(app, BX_TL));
	glyph_hline(app, stdscr, 0, 1, W - 2);
	mvwaddstr(stdscr, 0, sep, glyph_box(app, BX_TDOWN));
	mvwaddstr(stdscr, 0, W - 1, glyph_box(app, BX_TR));
	for (y = 1; y < mid; y++) {
		mvwaddstr(stdscr, y, 0, glyph_box(app, BX_V));
		mvwaddstr(stdscr, y, sep, glyph_box(app, BX_V));
		mvwaddstr(stdscr, y, W - 1, glyph_box(app, BX_V));
	}
	mvwaddstr(stdscr, mid, 0, glyph_box(app, BX_TRIGHT));
	glyph_hline(app, stdscr, mid, 1, W - 2);
	mvwaddstr(stdscr, mid, sep, glyph_box(app, BX_TUP));
	mvwaddstr(stdscr, mid, W - 1, glyph_box(app, BX_TLEFT));
	for (y = mid + 1; y < app->rows - 1; y++) {
		mvwaddstr(stdscr, y, 0, glyph_box(app, BX_V));
		mvwaddstr(stdscr, y, W - 1, glyph_box(app, BX_V));
	}
	wattrset(stdscr, A_NORMAL);
	/* The files pane's footer sits below it, unless the bottom pane's
	 * title (accuracy, split, truth) would not fit beside it: then it
	 * goes up, to the right of the files pane's own title. */
	if (1 + title_width(app, bt) + 1 <= sep - 1 - footer_width(app, f)) {
		footer = draw_footer(app, f, mid, sep - 1);
	} else {
		files_room = draw_footer(app, f, 0, sep - 1) - 2;
		footer = sep + 1;
	}
	if (footer > sep)
		footer = draw_footer(app, pv, mid, W - 2);
	else
		draw_footer(app, pv, mid, W - 2);
	draw_title(app, f, 0, 1, files_room);
	draw_title(app, pv, 0, sep + 1, W - sep - 3);
	/* The bottom pane's title stops short of the footers on its line. */
	draw_title(app, bt, mid, 1, footer - 3);
}

static void
draw_too_small(struct app *app)
{
	char msg[96];
	int y = app->rows / 2;
	werase(stdscr);
	snprintf(msg, sizeof msg, "terminal too small (%d×%d)", app->cols, app->rows);
	if (!app->utf8)
		snprintf(msg, sizeof msg, "terminal too small (%dx%d)", app->cols, app->rows);
	ui_putn(app, stdscr, y - 1, 0, msg, app->cols);
	snprintf(msg, sizeof msg, "winnow needs %dx%d", MIN_COLS, MIN_LINES);
	ui_putn(app, stdscr, y, 0, msg, app->cols);
	ui_putn(app, stdscr, y + 1, 0, "q quits", app->cols);
	wnoutrefresh(stdscr);
}

/* Panes that write to the terminal themselves (pictures) go last. */
static void
after_update(struct app *app)
{
	int i;
	for (i = 0; i < PANE_COUNT; i++)
		if (app->panes[i].ops->after_update)
			app->panes[i].ops->after_update(app, &app->panes[i]);
}

void
layout_draw(struct app *app)
{
	unsigned what;
	int i, frame;

	if (bottom_wanted(app) != placed_wanted)
		layout_place(app);
	what = app->redraw;
	/* The full text of a failure came or went: the panes under it again. */
	if (status_full_rows(app) != shown_full_rows) {
		shown_full_rows = status_full_rows(app);
		what |= REDRAW_OVERLAY;
	}
	frame = (what & REDRAW_FRAME) != 0;

	app->redraw = 0;
	if (app->too_small) {
		draw_too_small(app);
		doupdate();
		after_update(app);
		return;
	}
	/* Titles carry the files pane's counts. */
	if (what & REDRAW_FILES)
		frame = 1;
	if (frame)
		draw_frame(app);
	if (frame || (what & REDRAW_STATUS))
		status_draw(app);
	wnoutrefresh(stdscr);
	for (i = 0; i < PANE_COUNT; i++) {
		struct pane *p = &app->panes[i];
		if (!p->shown)
			continue;
		if (what & (1u << i))
			p->ops->draw(app, p);
		else if (frame)
			touchwin(p->win);
		if (frame || (what & (1u << i)))
			wnoutrefresh(p->win);
	}
	if (shown_full_rows)
		status_draw_full(app);
	if (app->help)
		help_draw(app);
	if (app->prompt) {
		prompt_draw_menu(app);
		/* The cursor belongs on the prompt line, after the overlays. */
		status_draw(app);
		wnoutrefresh(stdscr);
	} else {
		/* Else at the top: a terminal that shrinks keeps the cursor's row
		 * in view by scrolling, and xterm scrolls the normal screen kept
		 * behind the alternate one with it, losing what was on it. */
		wmove(stdscr, 0, 0);
		wnoutrefresh(stdscr);
	}
	doupdate();
	after_update(app);
}

/* ---- the panes' arrangement: the commands that change it ---- */

void
ui_show_bottom(struct app *app, enum pane_id id)
{
	if (id != PANE_CONFUSION && id != PANE_CLUSTER)
		return;
	if (app->focus == app->bottom)
		app->focus = id;
	app->bottom = id;
	layout_place(app);
}

/* Tab order: the panes on the screen, left to right, top to bottom. */
static unsigned
cmd_cycle_pane(struct app *app, int step)
{
	enum pane_id order[] = { PANE_FILES, PANE_PREVIEW, app->bottom };
	int i, n = (int)ARRAY_SIZE(order);
	for (i = 0; i < n; i++)
		if (order[i] == app->focus)
			break;
	ui_focus(app, order[((i + step) % n + n) % n]);
	return REDRAW_NONE;
}

static unsigned
cmd_cluster(struct app *app, int arg)
{
	ui_show_bottom(app, app->bottom == PANE_CLUSTER ? PANE_CONFUSION : PANE_CLUSTER);
	return REDRAW_NONE;
}

const struct command_handler layout_commands[] = {
	{ "next-pane", cmd_cycle_pane },
	{ "prev-pane", cmd_cycle_pane },
	{ "cluster", cmd_cluster },
	{ NULL, NULL },
};
