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

/* After the commands: the words `/` takes, which no command row has room
 * for (README.md, winnow(1)). */
static const char *const filter_words[][2] = {
	{ "/ words", "a filter is words, every one must match:" },
	{ "text", "the path contains the text" },
	{ "label=X", "labelled X (after decisions)" },
	{ "pred=X", "predicted X" },
	{ "check=NAME", "a check's finding; check=any: any finding" },
	{ "split=X", "in split X" },
	{ "decision=D", "relabel, delete, accept, flag, none or any" },
};

static size_t
count_commands(void)
{
	size_t n = 0;
	while (command_at(n) != NULL)
		n++;
	return n;
}

static size_t
help_rows(void)
{
	return count_commands() + ARRAY_SIZE(filter_words);
}

void
ui_help_open(struct app *app)
{
	if (app->help == NULL)
		app->help = xcalloc(1, sizeof *app->help);
	listpos_set_count(&app->help->lv, help_rows());
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

enum { KEYS_X = 2, KEYS_W = 14, NAME_W = 13, NAMED_W = 90 };

/* Keys, the command's name for config.yaml, what it does. Where the
 * overlay is narrow (80 columns) the name goes, so the words fit. */
static void
help_row(void *arg, WINDOW *w, int y, int width, size_t row, int selected)
{
	struct app *app = arg;
	const struct command *c = command_at(row);
	attr_t sel = ui_attr(app, ROLE_SELECTED);
	int named = width >= NAMED_W, text_x = KEYS_X + KEYS_W + 1 + (named ? NAME_W + 1 : 0);
	const char *keys_text, *text;
	char keys[64];

	if (c != NULL) {
		command_keys(c, keys, sizeof keys);
		keys_text = keys[0] ? keys : "(none)";
		text = c->description;
	} else {
		row -= count_commands();
		keys_text = filter_words[row][0];
		text = filter_words[row][1];
	}
	wattrset(w, selected ? sel : A_NORMAL);
	mvwhline(w, y, 1, ' ', width - 2);
	wattrset(w, selected ? sel : ui_attr(app, ROLE_TITLE));
	ui_putn(app, w, y, KEYS_X, keys_text, KEYS_W);
	if (named && c != NULL) {
		wattrset(w, selected ? sel : ui_attr(app, ROLE_LABEL));
		ui_putn(app, w, y, KEYS_X + KEYS_W + 1, c->name, NAME_W);
	}
	wattrset(w, selected ? sel : A_NORMAL);
	if (width - text_x - 1 > 0)
		ui_putn(app, w, y, text_x, text, width - text_x - 1);
	wattrset(w, A_NORMAL);
}

/* The overlay's width: every description whole, with the commands'
 * names, where the terminal is wide enough; else all it has. */
static int
help_width(const struct app *app)
{
	size_t row, n = count_commands();
	int text = 0, w;

	for (row = 0; row < help_rows(); row++) {
		w = ui_width(row < n ? command_at(row)->description : filter_words[row - n][1]);
		if (w > text)
			text = w;
	}
	/* The box's two sides, the row's text_x and its last column. */
	w = 2 + KEYS_X + KEYS_W + 1 + NAME_W + 1 + text + 1;
	if (w < NAMED_W + 2)
		w = NAMED_W + 2;
	return app->cols - 4 < w ? app->cols - 4 : w;
}

void
help_draw(struct app *app)
{
	struct help *h = app->help;
	int rows = (int)help_rows();
	int width = help_width(app);
	int height = rows + 4 < app->rows - 2 ? rows + 4 : app->rows - 2;

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

/* PgDn/PgUp turn the page: the rows shown move by a page, and the
 * selection with them (moving the selection alone first crawls through
 * the rows already shown, then leaps). */
static void
help_page(struct listpos *lv, int dir)
{
	size_t page = lv->height > 1 ? (size_t)lv->height - 1 : 1, h = (size_t)lv->height;
	size_t last_top = lv->n > h ? lv->n - h : 0, top = lv->top, sel;

	if (dir > 0) {
		top = top + page < last_top ? top + page : last_top;
		sel = top == lv->top ? lv->n - 1 : lv->sel + (top - lv->top);
	} else {
		top = top > page ? top - page : 0;
		sel = top == lv->top ? 0 : lv->sel - (lv->top - top);
	}
	lv->top = top;
	lv->sel = sel < lv->n ? sel : lv->n - 1;
	listpos_scroll(lv, lv->height);
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
		help_page(lv, 1);
	else if (strcmp(n, "page-up") == 0)
		help_page(lv, -1);
	else if (strcmp(n, "top") == 0)
		listpos_select(lv, 0);
	else if (strcmp(n, "bottom") == 0)
		listpos_select(lv, lv->n - 1);
	else if (strcmp(n, "back") == 0 || strcmp(n, "quit") == 0 ||
	    strcmp(n, "help") == 0 || strcmp(n, "enter") == 0)
		help_close(app);
}

static unsigned
cmd_help(struct app *app, int arg)
{
	ui_help_open(app);
	return REDRAW_NONE;
}

const struct command_handler help_commands[] = {
	{ "help", cmd_help },
	{ NULL, NULL },
};
