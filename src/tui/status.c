/* status.c — the status line's slots and how they are drawn (status.h,
 * ui.h). */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "glyphs.h"
#include "prompt.h"
#include "status.h"
#include "ui.h"
#include "util.h"

/* Transient status messages last this long. */
#define MESSAGE_SECONDS 5.0
/* A failure's full text gets at most this many rows above the line. */
#define FULL_ROWS_MAX 4

static void
set_slot(struct app *app, enum status_slot slot, const char *fmt, va_list ap)
{
	free(app->status[slot]);
	app->status[slot] = fmt ? xvasprintf(fmt, ap) : NULL;
	app->redraw |= REDRAW_STATUS;
}

void
ui_status(struct app *app, enum status_slot slot, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_slot(app, slot, fmt, ap);
	va_end(ap);
}

void
ui_message(struct app *app, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_slot(app, STATUS_MESSAGE, fmt, ap);
	va_end(ap);
	app->status_error = 0;
	app->status_expires = now_seconds() + MESSAGE_SECONDS;
}

void
ui_error(struct app *app, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_slot(app, STATUS_MESSAGE, fmt, ap);
	va_end(ap);
	app->status_error = 1;
	app->status_expires = now_seconds() + 2 * MESSAGE_SECONDS;
}


/* The status slots after the message, joined by " · " into b (with a
 * leading separator when `after` says something precedes them). When they
 * do not fit in `room` columns, the least telling go first: the dataset
 * summary, then clusters, predictions and checks; the journal, and last
 * the player, which says what is sounding now. */
static void
status_slots(struct app *app, struct buf *b, int room, int after)
{
	static const enum status_slot drop_order[] = {
		STATUS_SCAN, STATUS_CLUSTER, STATUS_PREDICTIONS, STATUS_CHECKS,
		STATUS_JOURNAL, STATUS_PLAYER,
	};
	int shown[STATUS_COUNT], i, d = 0, left;

	for (i = 0; i < STATUS_COUNT; i++)
		shown[i] = i != STATUS_MESSAGE && app->status[i] && app->status[i][0];
	for (;;) {
		b->len = 0;
		buf_add(b, "", 0);
		for (i = 0; i < STATUS_COUNT; i++) {
			if (!shown[i])
				continue;
			if (b->len || after)
				buf_adds(b, " · ");
			buf_adds(b, app->status[i]);
		}
		if (ui_width(buf_str(b)) <= room || d == (int)ARRAY_SIZE(drop_order))
			return;
		/* Drop the next slot, unless it is the last one left. */
		for (i = 0, left = 0; i < STATUS_COUNT; i++)
			left += shown[i];
		if (left <= 1)
			return;
		shown[drop_order[d++]] = 0;
	}
}

void
status_draw(struct app *app)
{
	int W = app->cols, y = app->rows - 1, x;
	struct buf b = { 0 };

	wmove(stdscr, y, 0);
	wclrtoeol(stdscr);
	wattrset(stdscr, ui_attr(app, ROLE_BORDER));
	mvwaddstr(stdscr, y, 0, glyph_box(app, BX_BL));
	glyph_hline(app, stdscr, y, 1, W - 2);
	mvwaddstr(stdscr, y, W - 1, glyph_box(app, BX_BR));
	if (app->prompt) {
		prompt_draw_line(app, y);
		return;
	}
	x = 2;
	if (app->status[STATUS_MESSAGE] && app->status[STATUS_MESSAGE][0]) {
		wattrset(stdscr, ui_attr(app, app->status_error ? ROLE_ERROR : ROLE_STATUS) | A_BOLD);
		x += ui_putn(app, stdscr, y, x, " ", W - x - 2);
		x += ui_putn(app, stdscr, y, x, app->status[STATUS_MESSAGE], W - x - 2);
		status_slots(app, &b, W - x - 3, 1);
		wattrset(stdscr, ui_attr(app, ROLE_STATUS));
		buf_adds(&b, " ");
		ui_putn(app, stdscr, y, x, buf_str(&b), W - x - 2);
	} else {
		status_slots(app, &b, W - x - 13, 0);
		wattrset(stdscr, ui_attr(app, ROLE_STATUS));
		buf_adds(&b, " ");
		x += ui_putn(app, stdscr, y, x, " ", W - x - 2);
		ui_putn(app, stdscr, y, x, buf_str(&b), W - x - 12);
		wattrset(stdscr, ui_attr(app, ROLE_DIM));
		ui_putn(app, stdscr, y, W - 10, " ? help ", 8);
	}
	wattrset(stdscr, A_NORMAL);
	buf_free(&b);
}


/* The columns the message has on the status line (status_draw's layout). */
static int
message_room(const struct app *app)
{
	return app->cols - 5;
}

/* The end of the next row of s wrapped to `cols` columns: after the last
 * space that fits, else where it stops fitting. */
static const char *
wrap_end(const char *s, int cols)
{
	const char *p = s, *space = NULL;
	int used = 0;

	while (*p) {
		const char *q = p + 1;
		char one[8] = { 0 };
		while (((unsigned char)*q & 0xc0) == 0x80 && q - p < 6)
			q++;
		memcpy(one, p, (size_t)(q - p));
		if (used + ui_width(one) > cols)
			return space && space > s ? space : (p > s ? p : q);
		used += ui_width(one);
		if (*p == ' ')
			space = p;
		p = q;
	}
	return p;
}

int
status_full_rows(struct app *app)
{
	const char *m = app->status[STATUS_MESSAGE], *p;
	int rows = 0, cols = app->cols - 4;

	if (app->prompt || !app->status_error || m == NULL ||
	    ui_width(m) + 1 <= message_room(app) || app->rows < 24 || cols < 10)
		return 0;
	for (p = m; *p && rows < FULL_ROWS_MAX; rows++) {
		p = wrap_end(p, cols);
		while (*p == ' ')
			p++;
	}
	return rows;
}

/* A box over the bottom of the panes, ending on the status line, with
 * the whole message: the line shows the verdict, the box the reason. */
void
status_draw_full(struct app *app)
{
	int rows = status_full_rows(app), y, cols = app->cols - 4;
	const char *p;
	WINDOW *w;

	if (rows == 0)
		return;
	w = newwin(rows + 1, app->cols, app->rows - 2 - rows, 0);
	werase(w);
	wattrset(w, ui_attr(app, ROLE_BORDER));
	mvwaddstr(w, 0, 0, glyph_box(app, BX_TRIGHT));
	glyph_hline(app, w, 0, 1, app->cols - 2);
	mvwaddstr(w, 0, app->cols - 1, glyph_box(app, BX_TLEFT));
	for (y = 1; y <= rows; y++) {
		mvwaddstr(w, y, 0, glyph_box(app, BX_V));
		mvwaddstr(w, y, app->cols - 1, glyph_box(app, BX_V));
	}
	wattrset(w, ui_attr(app, ROLE_ERROR));
	for (y = 1, p = app->status[STATUS_MESSAGE]; y <= rows && *p; y++) {
		const char *end = wrap_end(p, cols);
		char *line = xstrndup(p, (size_t)(end - p));
		ui_putn(app, w, y, 2, line, cols);
		free(line);
		for (p = end; *p == ' '; p++)
			;
	}
	wattrset(w, A_NORMAL);
	wnoutrefresh(w);
	delwin(w);
}
