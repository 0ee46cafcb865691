/* status.c — the status line's slots and how they are drawn (status.h,
 * ui.h). */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>

#include <curses.h>

#include "glyphs.h"
#include "prompt.h"
#include "status.h"
#include "ui.h"
#include "util.h"

/* Transient status messages last this long. */
#define MESSAGE_SECONDS 5.0

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
 * summary, then clusters, predictions and checks; the journal and the
 * player last. */
static void
status_slots(struct app *app, struct buf *b, int room, int after)
{
	static const enum status_slot drop_order[] = {
		STATUS_SCAN, STATUS_CLUSTER, STATUS_PREDICTIONS, STATUS_CHECKS,
		STATUS_PLAYER, STATUS_JOURNAL,
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

