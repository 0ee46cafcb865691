/* prompt.c — the line editor on the status line, with Tab completion from
 * a menu of candidates (prompt.h, ui.h). */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#include <curses.h>

#include "dataset.h"
#include "listview.h"
#include "prompt.h"
#include "ui.h"
#include "util.h"

struct prompt {
	char *label;
	struct buf text;
	size_t cursor;                  /* byte offset in text */
	char **cands;
	size_t ncands;
	size_t *matches;
	struct listpos menu;           /* over matches */
	int menu_chosen;                /* the user moved in the menu */
	unsigned flags;
	int confirm;
	void (*done)(struct app *, const char *, void *);
	void (*confirm_done)(struct app *, int, void *);
	void *arg;
	WINDOW *menuwin;
};

static void
prompt_free(struct prompt *p)
{
	size_t i;
	for (i = 0; i < p->ncands; i++)
		free(p->cands[i]);
	free(p->cands);
	free(p->matches);
	free(p->label);
	buf_free(&p->text);
	if (p->menuwin)
		delwin(p->menuwin);
	free(p);
}

/* Start of the word completion works on. */
static size_t
prompt_word(const struct prompt *p)
{
	size_t i = p->text.len;
	if (!(p->flags & PROMPT_WORDS))
		return 0;
	while (i > 0 && p->text.data[i - 1] != ' ')
		i--;
	return i;
}

/* Candidates for the current word: prefix matches first, then the ones
 * containing it, each group in the caller's order. */
static void
prompt_match(struct prompt *p)
{
	const char *word = buf_str(&p->text) + prompt_word(p);
	size_t i, n = 0, wl = strlen(word);
	int pass;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < p->ncands; i++) {
			int prefix = strncasecmp(p->cands[i], word, wl) == 0;
			if (pass == 0 ? prefix : (!prefix && wl && strcasestr(p->cands[i], word)))
				p->matches[n++] = i;
		}
	listpos_set_count(&p->menu, n);
	p->menu.sel = 0;
	p->menu.top = 0;
	p->menu_chosen = 0;
}

static void
prompt_set_word(struct prompt *p, const char *s)
{
	size_t start = prompt_word(p);
	p->text.len = start;
	buf_adds(&p->text, s);
	p->cursor = p->text.len;
}

static void
prompt_complete(struct prompt *p)
{
	size_t i, lcp, n = p->menu.n;
	const char *first, *word;

	if (n == 0)
		return;
	if (n == 1) {
		prompt_set_word(p, p->cands[p->matches[0]]);
		if ((p->flags & PROMPT_WORDS) && p->text.data[p->text.len - 1] != '=')
			buf_addc(&p->text, ' ');
		p->cursor = p->text.len;
		prompt_match(p);
		return;
	}
	/* Longest common prefix of the prefix matches; when the word is that
	 * already, Tab steps through the menu. */
	first = p->cands[p->matches[0]];
	lcp = strlen(first);
	word = buf_str(&p->text) + prompt_word(p);
	for (i = 1; i < n; i++) {
		const char *c = p->cands[p->matches[i]];
		size_t k = 0;
		if (strncasecmp(c, word, strlen(word)) != 0)
			break;
		while (k < lcp && c[k] == first[k])
			k++;
		lcp = k;
	}
	if (lcp > strlen(word) && strncasecmp(first, word, strlen(word)) == 0) {
		char *pre = xstrndup(first, lcp);
		prompt_set_word(p, pre);
		free(pre);
		prompt_match(p);
		return;
	}
	if (p->menu_chosen)
		listpos_move(&p->menu, 1);
	p->menu_chosen = 1;
	prompt_set_word(p, p->cands[p->matches[p->menu.sel]]);
}

int
ui_prompt(struct app *app, const char *label, const char *initial,
    const char *const *candidates, size_t ncandidates, unsigned flags,
    void (*done)(struct app *, const char *, void *), void *arg)
{
	struct prompt *p;
	size_t i;

	if (app->prompt)
		return -1;
	p = xcalloc(1, sizeof *p);
	p->label = xstrdup(label);
	buf_adds(&p->text, initial ? initial : "");
	p->cursor = p->text.len;
	p->ncands = candidates ? ncandidates : 0;
	p->cands = xmalloc((p->ncands ? p->ncands : 1) * sizeof *p->cands);
	for (i = 0; i < p->ncands; i++)
		p->cands[i] = xstrdup(candidates[i]);
	p->matches = xmalloc((p->ncands ? p->ncands : 1) * sizeof *p->matches);
	p->flags = flags;
	p->done = done;
	p->arg = arg;
	prompt_match(p);
	app->prompt = p;
	curs_set(1);
	app->redraw |= REDRAW_OVERLAY;
	return 0;
}

int
ui_confirm(struct app *app, const char *question,
    void (*done)(struct app *, int, void *), void *arg)
{
	char *label;
	if (app->prompt)
		return -1;
	label = xasprintf("%s (y/n) ", question);
	ui_prompt(app, label, "", NULL, 0, 0, NULL, arg);
	free(label);
	app->prompt->confirm = 1;
	app->prompt->confirm_done = done;
	curs_set(0);
	return 0;
}

/* Close the prompt before calling its function, which may open another. */
static void
prompt_finish(struct app *app, int accepted, int yes)
{
	struct prompt *p = app->prompt;
	app->prompt = NULL;
	curs_set(0);
	app->redraw |= REDRAW_OVERLAY;
	if (p->confirm) {
		if (p->confirm_done)
			p->confirm_done(app, accepted && yes, p->arg);
	} else if (p->done)
		p->done(app, accepted ? buf_str(&p->text) : NULL, p->arg);
	prompt_free(p);
}

static size_t
utf8_prev(const char *s, size_t i)
{
	while (i > 0 && ((unsigned char)s[--i] & 0xc0) == 0x80)
		;
	return i;
}

static size_t
utf8_next(const char *s, size_t len, size_t i)
{
	if (i < len)
		i++;
	while (i < len && ((unsigned char)s[i] & 0xc0) == 0x80)
		i++;
	return i;
}

static void
prompt_delete(struct prompt *p, size_t from, size_t to)
{
	memmove(p->text.data + from, p->text.data + to, p->text.len - to + 1);
	p->text.len -= to - from;
	p->cursor = from;
}

void
prompt_key(struct app *app, int is_key, wint_t wch)
{
	struct prompt *p = app->prompt;
	int key = is_key ? (int)wch : wch < 0x80 ? (int)wch : -1;
	char *s = p->text.data;
	size_t len = p->text.len;

	app->redraw |= REDRAW_STATUS;
	if (p->confirm) {
		if (key == 'y' || key == 'Y')
			prompt_finish(app, 1, 1);
		else if (key == 'n' || key == 'N' || key == 27 || key == 7)
			prompt_finish(app, 0, 0);
		return;
	}
	switch (key) {
	case 27:
	case 7:                                 /* C-g */
		prompt_finish(app, 0, 0);
		return;
	case '\n':
	case '\r':
	case KEY_ENTER:
		prompt_finish(app, 1, 0);
		return;
	case '\t':
		prompt_complete(p);
		app->redraw |= REDRAW_OVERLAY;
		return;
	case KEY_DOWN:
	case KEY_UP:
	case KEY_BTAB:
		if (p->menu.n) {
			if (p->menu_chosen)
				listpos_move(&p->menu, key == KEY_DOWN ? 1 : -1);
			p->menu_chosen = 1;
			prompt_set_word(p, p->cands[p->matches[p->menu.sel]]);
			app->redraw |= REDRAW_OVERLAY;
		}
		return;
	case KEY_LEFT:
	case 2:                                 /* C-b */
		p->cursor = utf8_prev(s, p->cursor);
		return;
	case KEY_RIGHT:
	case 6:                                 /* C-f */
		p->cursor = utf8_next(s, len, p->cursor);
		return;
	case KEY_HOME:
	case 1:                                 /* C-a */
		p->cursor = 0;
		return;
	case KEY_END:
	case 5:                                 /* C-e */
		p->cursor = len;
		return;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (p->cursor > 0)
			prompt_delete(p, utf8_prev(s, p->cursor), p->cursor);
		break;
	case KEY_DC:
	case 4:                                 /* C-d */
		if (p->cursor < len)
			prompt_delete(p, p->cursor, utf8_next(s, len, p->cursor));
		break;
	case 21:                                /* C-u */
		prompt_delete(p, 0, p->cursor);
		break;
	case 11:                                /* C-k */
		p->text.len = p->cursor;
		p->text.data[p->cursor] = '\0';
		break;
	case 23: {                              /* C-w */
		size_t i = p->cursor;
		while (i > 0 && s[i - 1] == ' ')
			i--;
		while (i > 0 && s[i - 1] != ' ')
			i--;
		prompt_delete(p, i, p->cursor);
		break;
	}
	default: {
		char mb[MB_LEN_MAX];
		mbstate_t st;
		size_t n;
		if (is_key || wch < 0x20 || wch == 0x7f)
			return;
		memset(&st, 0, sizeof st);
		n = wcrtomb(mb, (wchar_t)wch, &st);
		if (n == (size_t)-1)
			return;
		buf_add(&p->text, mb, n);       /* grows; then move into place */
		s = p->text.data;
		memmove(s + p->cursor + n, s + p->cursor, len - p->cursor);
		memcpy(s + p->cursor, mb, n);
		p->cursor += n;
		break;
	}
	}
	prompt_match(p);
	app->redraw |= REDRAW_OVERLAY;
}

void
prompt_close(struct app *app)
{
	prompt_finish(app, 0, 0);
}

void
prompt_draw_line(struct app *app, int y)
{
	struct prompt *p = app->prompt;
	int W = app->cols, x, room, wb;
	const char *shown = p->text.data;
	char *before;

	wattrset(stdscr, ui_attr(app, ROLE_PROMPT));
	mvwhline(stdscr, y, 1, ' ', W - 2);
	x = 2 + ui_putn(app, stdscr, y, 2, p->label, W - 4);
	wattrset(stdscr, A_NORMAL);
	/* Keep the cursor in view: show the tail when the text is long. */
	before = xstrndup(p->text.data, p->cursor);
	room = W - 3 - x;
	wb = ui_width(before);
	while (wb >= room && *shown) {
		size_t k = utf8_next(shown, strlen(shown), 0);
		char *c = xstrndup(shown, k);
		wb -= ui_width(c);
		free(c);
		shown += k;
	}
	ui_putn(app, stdscr, y, x, shown, room);
	free(before);
	wmove(stdscr, y, x + wb);
}

static void
menu_row(void *arg, WINDOW *w, int y, int width, size_t row, int selected)
{
	struct app *app = arg;
	struct prompt *p = app->prompt;
	wattrset(w, selected && p->menu_chosen ? ui_attr(app, ROLE_SELECTED) : A_NORMAL);
	mvwhline(w, y, 0, ' ', width);
	if (p->flags & PROMPT_LABELS) {
		/* The key that relabels to it, as the confusion pane numbers it. */
		int n = app->ds ? dataset_label_find(app->ds, p->cands[p->matches[row]]) : -1;
		char key[4] = "  ";
		if (n >= 0 && n < 9)
			snprintf(key, sizeof key, "%d", n + 1);
		ui_putn(app, w, y, 1, key, 2);
		ui_putn(app, w, y, 3, p->cands[p->matches[row]], width - 4);
	} else
		ui_putn(app, w, y, 1, p->cands[p->matches[row]], width - 2);
	wattrset(w, A_NORMAL);
}

void
prompt_draw_menu(struct app *app)
{
	struct prompt *p = app->prompt;
	int h, w = 0, y;
	size_t i;

	if (p->menuwin) {
		delwin(p->menuwin);
		p->menuwin = NULL;
	}
	if (p->menu.n == 0 || p->confirm)
		return;
	for (i = 0; i < p->menu.n && i < 200; i++) {
		int cw = ui_width(p->cands[p->matches[i]]);
		if (cw > w)
			w = cw;
	}
	if (p->flags & PROMPT_LABELS)
		w += 2;
	w = w + 4 < app->cols - 4 ? w + 4 : app->cols - 4;
	if (w < 16)
		w = 16;
	h = (int)p->menu.n + 2 < 12 ? (int)p->menu.n + 2 : 12;
	y = app->rows - 1 - h;
	if (y < 0)
		return;
	p->menuwin = newwin(h, w, y, 1);
	werase(p->menuwin);
	ui_box(app, p->menuwin);
	{
		WINDOW *inner = derwin(p->menuwin, h - 2, w - 2, 1, 1);
		listview_draw(&p->menu, inner, 0, h - 2, menu_row, app);
		delwin(inner);
	}
	if (p->menu.n > (size_t)(h - 2)) {
		char more[32];
		snprintf(more, sizeof more, " %zu ", p->menu.n);
		wattrset(p->menuwin, ui_attr(app, ROLE_DIM));
		ui_putn(app, p->menuwin, h - 1, w - 2 - (int)strlen(more), more, (int)strlen(more));
		wattrset(p->menuwin, A_NORMAL);
	}
	wnoutrefresh(p->menuwin);
}

