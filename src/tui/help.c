/* help.c — the help overlay: every command, its keys and what it does,
 * from the command table (help.h, ui.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "commands.h"
#include "help.h"
#include "listview.h"
#include "ui.h"
#include "util.h"

struct help {
	struct listpos lv;
	WINDOW *win;
};

void
ui_help_open(struct app *app)
{
	if (app->help == NULL)
		app->help = xcalloc(1, sizeof *app->help);
	listpos_set_count(&app->help->lv, ncommands);
	app->redraw |= REDRAW_OVERLAY;
}


void
help_close(struct app *app)
{
	if (app->help == NULL)
		return;
	if (app->help->win)
		delwin(app->help->win);
	free(app->help);
	app->help = NULL;
	app->redraw |= REDRAW_OVERLAY;
}

static void
help_row(void *arg, WINDOW *w, int y, int width, size_t row, int selected)
{
	enum { KEYS_X = 2, KEYS_W = 14, NAME_X = 17, NAME_W = 13, TEXT_X = 31 };
	struct app *app = arg;
	const struct command *c = &commands[row];
	attr_t sel = ui_attr(app, ROLE_SELECTED);
	char keys[64];

	command_keys(c, keys, sizeof keys);
	wattrset(w, selected ? sel : A_NORMAL);
	mvwhline(w, y, 1, ' ', width - 2);
	wattrset(w, selected ? sel : ui_attr(app, ROLE_TITLE));
	ui_putn(app, w, y, KEYS_X, keys[0] ? keys : "(none)", KEYS_W);
	wattrset(w, selected ? sel : ui_attr(app, ROLE_LABEL));
	ui_putn(app, w, y, NAME_X, c->name, NAME_W);
	wattrset(w, selected ? sel : A_NORMAL);
	if (width - TEXT_X - 1 > 0)
		ui_putn(app, w, y, TEXT_X, c->description, width - TEXT_X - 1);
	wattrset(w, A_NORMAL);
}

void
help_draw(struct app *app)
{
	struct help *h = app->help;
	int width = app->cols - 4 < 100 ? app->cols - 4 : 100;
	int height = (int)ncommands + 4 < app->rows - 2 ? (int)ncommands + 4 : app->rows - 2;

	if (h->win)
		delwin(h->win);
	h->win = newwin(height, width, (app->rows - height) / 2, (app->cols - width) / 2);
	werase(h->win);
	ui_box(app, h->win);
	wattrset(h->win, ui_attr(app, ROLE_TITLE_FOCUS));
	ui_putn(app, h->win, 0, 2, " keys ", width - 4);
	wattrset(h->win, ui_attr(app, ROLE_DIM));
	ui_putn(app, h->win, height - 1, 2, " j/k PgUp/PgDn scroll · Esc or q closes · "
	    "keys rebind in config.yaml ", width - 4);
	wattrset(h->win, A_NORMAL);
	{
		/* The list lives in a subwindow so rows stay inside the box. */
		WINDOW *inner = derwin(h->win, height - 2, width - 2, 1, 1);
		listview_draw(&h->lv, inner, 0, height - 2, help_row, app);
		delwin(inner);
	}
	wnoutrefresh(h->win);
}

void
help_key(struct app *app, const struct command *c)
{
	struct listpos *lv = &app->help->lv;
	const char *n = c ? c->name : "";

	app->redraw |= REDRAW_OVERLAY;
	if (strcmp(n, "down") == 0)
		listpos_move(lv, 1);
	else if (strcmp(n, "up") == 0)
		listpos_move(lv, -1);
	else if (strcmp(n, "page-down") == 0)
		listpos_move(lv, lv->height > 1 ? lv->height - 1 : 1);
	else if (strcmp(n, "page-up") == 0)
		listpos_move(lv, -(lv->height > 1 ? lv->height - 1 : 1));
	else if (strcmp(n, "top") == 0)
		listpos_select(lv, 0);
	else if (strcmp(n, "bottom") == 0)
		listpos_select(lv, ncommands - 1);
	else if (strcmp(n, "back") == 0 || strcmp(n, "quit") == 0 ||
	    strcmp(n, "help") == 0 || strcmp(n, "enter") == 0)
		help_close(app);
}
