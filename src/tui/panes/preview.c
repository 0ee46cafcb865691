/* panes/preview.c — the preview pane: the selected sample as a thumbnail,
 * its first lines of text, or its waveform, with a line of facts below.
 *
 * What it shows comes from the preview feed (preview-feed.h), made off the
 * UI thread; the pane draws the feed's entry for the selection, or the
 * previous one while the new one is made.
 *
 * Pictures go out as character cells (chafa, through curses), or as real
 * pixels (sixel, kitty, iTerm2) written straight to the terminal after
 * curses has updated the screen (after_update, pixels.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio-view.h"
#include "commands.h"
#include "image-view.h"
#include "check-feed.h"
#include "pixels.h"
#include "playback.h"
#include "preview-feed.h"
#include "settings.h"
#include "ui.h"
#include "util.h"

/* Rows under the picture: the facts, and a warning. */
#define INFO_ROWS 2

enum image_mode { IMAGE_PICTURE, IMAGE_DETAILS };
enum audio_mode { AUDIO_WAVEFORM, AUDIO_SPECTROGRAM };

/* A picture wanted on the terminal, in screen cells. */
struct placed {
	const struct preview_entry *e;
	int y, x;
};

struct preview {
	struct app *app;
	struct term_caps caps;
	enum pixel_protocol request;
	enum image_mode image_mode;
	enum audio_mode audio_mode;
	struct playback *playback;      /* Space, n, the cursor */
	struct preview_feed *feed;
	struct placed wanted;           /* what the last draw laid out */
	size_t text_top;                /* first line of text shown (focused: j/k) */
	struct pixel_screen screen;     /* what is on the terminal */
};

/* The rows of the pane a picture fills. */
static int
picture_rows(const struct pane *pane)
{
	return pane->h > INFO_ROWS + 1 ? pane->h - INFO_ROWS : pane->h;
}

/* ---- selection ---- */

static void
preview_select(struct app *app, struct pane *pane)
{
	struct preview *pv = pane->data;
	long sel = ui_selected(app);

	/* While a clip plays, the newly selected one plays instead. */
	ui_redraw(app, playback_selected(pv->playback, sel));
	pv->text_top = 0;
	preview_feed_select(pv->feed, sel, pane->w, picture_rows(pane), pane->shown);
}

/* ---- drawing ---- */

static void
format_size(char *out, size_t size, uint64_t bytes)
{
	if (bytes < 1000)
		snprintf(out, size, "%llu B", (unsigned long long)bytes);
	else if (bytes < 1000 * 1000)
		snprintf(out, size, "%.*f kB", bytes < 10000 ? 1 : 0, bytes / 1e3);
	else if (bytes < 1000ull * 1000 * 1000)
		snprintf(out, size, "%.*f MB", bytes < 10000000 ? 1 : 0, bytes / 1e6);
	else
		snprintf(out, size, "%.1f GB", bytes / 1e9);
}

/* Words, wrapped at w columns into the rows [y, y1) of win, or only
 * counted when win is NULL. Returns the next row. */
static int
wrap_into(struct app *app, WINDOW *win, int w, int y, int y1, const char *s)
{
	const char *p = s;

	while (*p && y < y1) {
		size_t n = strlen(p), cut = n;
		char *line;
		if (ui_width(p) > w) {
			/* Cut at the last space that fits, else where it stops fitting. */
			size_t i, last_space = 0;
			for (i = 1; i <= n; i++) {
				/* Only between characters, never inside one. */
				if (i < n && ((unsigned char)p[i] & 0xc0) == 0x80)
					continue;
				line = xstrndup(p, i);
				if (ui_width(line) > w) {
					free(line);
					break;
				}
				free(line);
				if (p[i] == ' ')
					last_space = i;
				cut = i;
			}
			if (last_space > 0 && i <= n)
				cut = last_space;
		}
		if (win != NULL) {
			line = xstrndup(p, cut);
			ui_putn(app, win, y, 0, line, w);
			free(line);
		}
		y++;
		p += cut;
		while (*p == ' ')
			p++;
	}
	return y;
}

/* Words, wrapped into the rows [y0, y1) of the pane. Returns the next row. */
static int
put_wrapped(struct app *app, struct pane *pane, int y, int y1, const char *s)
{
	return wrap_into(app, pane->win, pane->w, y, y1, s);
}

/* "png · 640×480 · 116 kB" */
static void
image_facts(const struct preview_entry *e, struct buf *b)
{
	char size[32];
	format_size(size, sizeof size, e->file_size);
	buf_adds(b, e->format);
	if (e->width > 0)
		buf_addf(b, " · %d×%d", e->width, e->height);
	buf_addf(b, " · %s", size);
}

/* The warning row: a name that lies about the content, or damage; said
 * shorter where the long way does not fit in `cols` columns. */
static void
warning_text(const struct preview_entry *e, struct buf *b, int cols)
{
	if (e->misnamed) {
		buf_addf(b, "named .%s, but the content is %s", e->ext, e->format);
		if (ui_width(buf_str(b)) > cols) {
			b->len = 0;
			buf_addf(b, ".%s holds %s", e->ext, e->format);
		}
	}
	if (e->damage != NULL) {
		if (b->len)
			buf_adds(b, "; ");
		buf_adds(b, e->damage);
	}
}

/* The sample's findings, "check: detail" each, wrapped from the top row
 * over at most `most` rows of a pane w columns wide: why it is flagged (a
 * near copy names its copy and the size of the group). Drawn into win, or
 * only counted when win is NULL. Returns the rows used. */
static int
findings_into(struct app *app, WINDOW *win, int w, long sample, int most)
{
	struct buf b = { 0 };
	char *text, *line, *end;
	int y = 0;

	if (checks_describe(app, sample, &b) > 0) {
		text = xstrdup(buf_str(&b));
		if (win != NULL)
			wattrset(win, ui_attr(app, ROLE_BADGE));
		for (line = text; *line && y < most; line = end + 1) {
			end = strchr(line, '\n');
			*end = '\0';
			y = wrap_into(app, win, w, y, most, line);
		}
		if (win != NULL)
			wattrset(win, ui_attr(app, ROLE_NORMAL));
		free(text);
	}
	buf_free(&b);
	return y;
}

/* A clip's findings: over at most half the pane. */
static int
draw_findings(struct app *app, struct pane *pane, long sample)
{
	return findings_into(app, pane->win, pane->w, sample, pane->h / 2);
}

/* A picture's findings take at most a third of its box, so the picture
 * keeps two thirds (at 80×24, 12 of 18 rows). */
static int
picture_findings_most(int rows)
{
	return rows / 3;
}

/* The rows of a picture's box, of the pane's `rows`, under its findings
 * (preview_feed_box_rows). */
static int
picture_box_rows(struct app *app, uint32_t sample, int rows)
{
	struct pane *pane = &app->panes[PANE_PREVIEW];

	return rows - findings_into(app, NULL, pane->w, (long)sample,
	    picture_findings_most(rows));
}

static void
put_cells(struct app *app, WINDOW *win, int y0, int x0, int maxy, int maxx,
    const struct cell_grid *g, int direct)
{
	int x, y;

	for (y = 0; y < g->rows && y0 + y < maxy; y++)
		for (x = 0; x < g->cols && x0 + x < maxx; x++) {
			const struct cell *c = cell_grid_at(g, x, y);
			wchar_t wc[2] = { (wchar_t)c->ch, 0 };
			cchar_t cc;
			int fg, bg, pair = 0;

			cell_colours(c, direct, &fg, &bg);
			if (g->depth != COLOR_DEPTH_NONE)
				pair = ui_pair(app, fg, bg);
			setcchar(&cc, wc, A_NORMAL, 0, &pair);
			mvwadd_wch(win, y0 + y, x0 + x, &cc);
		}
}

static void
draw_image(struct app *app, struct pane *pane, const struct preview_entry *e, int busy)
{
	struct preview *pv = pane->data;
	struct buf b = { 0 };
	int top = picture_rows(pane);
	/* Why it is flagged, above the picture, which fills the rest. */
	int y0 = findings_into(app, pane->win, pane->w, e->sample,
	    picture_findings_most(top));
	int rows = top - y0;

	if (e->error != NULL) {
		wattrset(pane->win, ui_attr(app, ROLE_ERROR));
		put_wrapped(app, pane, put_wrapped(app, pane, y0, top,
		    "cannot show this image:"), top, e->error);
		wattrset(pane->win, ui_attr(app, ROLE_NORMAL));
	} else if (pv->image_mode == IMAGE_DETAILS) {
		int y = y0;
		char size[32];
		format_size(size, sizeof size, e->file_size);
		buf_addf(&b, "format    %s", e->format);
		if (e->renamed)
			buf_addf(&b, " (named .%s)", e->ext);
		ui_putn(app, pane->win, y++, 0, buf_str(&b), pane->w);
		b.len = 0;
		buf_addf(&b, "pixels    %d×%d", e->width, e->height);
		ui_putn(app, pane->win, y++, 0, buf_str(&b), pane->w);
		b.len = 0;
		buf_addf(&b, "file      %s (%llu bytes)", size,
		    (unsigned long long)e->file_size);
		ui_putn(app, pane->win, y++, 0, buf_str(&b), pane->w);
		b.len = 0;
		buf_addf(&b, "thumbnail %d×%d pixels, %d×%d cells", e->thumb_w,
		    e->thumb_h, e->pixels ? e->pcols : e->grid.cols,
		    e->pixels ? e->prows : e->grid.rows);
		ui_putn(app, pane->win, y++, 0, buf_str(&b), pane->w);
		b.len = 0;
		buf_addf(&b, "terminal  %s", pv->caps.pixels != PIXELS_NONE ?
		    pixel_protocol_name(pv->caps.pixels) :
		    pv->caps.depth == COLOR_DEPTH_TRUE ? "cells, true colour" :
		    pv->caps.depth == COLOR_DEPTH_256 ? "cells, 256 colours" :
		    pv->caps.depth == COLOR_DEPTH_16 ? "cells, 16 colours" :
		    pv->caps.depth == COLOR_DEPTH_8 ? "cells, 8 colours" :
		    "cells, no colour");
		ui_putn(app, pane->win, y++, 0, buf_str(&b), pane->w);
	} else if (e->pixels != NULL) {
		/* Room for the pixels; after_update draws them. */
		if (e->pcols <= pane->w && e->prows <= rows) {
			pv->wanted.e = e;
			pv->wanted.y = pane->y + y0 + (rows - e->prows) / 2;
			pv->wanted.x = pane->x + (pane->w - e->pcols) / 2;
		}
	} else
		/* One made for a taller box (before the findings came) shows
		 * its top until its successor is made. */
		put_cells(app, pane->win, y0 + (rows > e->grid.rows ?
		    (rows - e->grid.rows) / 2 : 0), (pane->w - e->grid.cols) / 2,
		    top, pane->w, &e->grid, pv->caps.depth == COLOR_DEPTH_TRUE);

	if (top == pane->h) {
		buf_free(&b);
		return;
	}
	b.len = 0;
	image_facts(e, &b);
	if (busy)
		buf_adds(&b, " · decoding…");
	wattrset(pane->win, ui_attr(app, ROLE_DIM));
	ui_putn(app, pane->win, top, 0, buf_str(&b), pane->w);
	b.len = 0;
	warning_text(e, &b, pane->w - 2);
	if (b.len) {
		wattrset(pane->win, ui_attr(app, ROLE_ERROR));
		ui_putn(app, pane->win, top + 1, 0, app->utf8 ? "⚠ " : "! ", pane->w);
		ui_putn(app, pane->win, top + 1, 2, buf_str(&b), pane->w - 2);
	}
	wattrset(pane->win, ui_attr(app, ROLE_NORMAL));
	buf_free(&b);
}

/* The last first line that still fills the rows, for `rows` rows. */
static size_t
text_last_top(const struct preview_entry *e, int rows)
{
	return e->nlines > (size_t)rows ? e->nlines - (size_t)rows : 0;
}

static void
draw_text(struct app *app, struct pane *pane, const struct preview_entry *e, int busy)
{
	struct preview *pv = pane->data;
	int top = pane->h > 2 ? pane->h - 1 : pane->h, y;
	/* Why it is flagged, above the text. */
	int y0 = findings_into(app, pane->win, pane->w, e->sample, top / 3);
	size_t first = pv->text_top;
	char size[32];
	struct buf b = { 0 };

	if (first > text_last_top(e, top - y0))
		first = pv->text_top = text_last_top(e, top - y0);
	if (e->error != NULL) {
		wattrset(pane->win, ui_attr(app, ROLE_ERROR));
		put_wrapped(app, pane, y0, top, e->error);
	} else
		for (y = y0; y < top && first + (size_t)(y - y0) < e->nlines; y++)
			ui_putn(app, pane->win, y, 0, e->lines[first + (size_t)(y - y0)], pane->w);
	if (top == pane->h)
		return;
	format_size(size, sizeof size, e->file_size);
	buf_addf(&b, "text · %s", size);
	if (e->odd_text)
		buf_adds(&b, " · not plain text");
	if (first > 0 || (e->nlines > (size_t)(top - y0) && app->focus == PANE_PREVIEW))
		buf_addf(&b, " · lines %zu-%zu of %zu%s", first + 1,
		    first + (size_t)(top - y0) < e->nlines ? first + (size_t)(top - y0) :
		    e->nlines, e->nlines, e->more ? "+" : "");
	else if (e->nlines > (size_t)(top - y0) || e->more)
		buf_addf(&b, " · first %d lines", top - y0 < (int)e->nlines ? top - y0 :
		    (int)e->nlines);
	if (busy)
		buf_adds(&b, " · decoding…");
	wattrset(pane->win, ui_attr(app, ROLE_DIM));
	ui_putn(app, pane->win, top, 0, buf_str(&b), pane->w);
	wattrset(pane->win, ui_attr(app, ROLE_NORMAL));
	buf_free(&b);
}

static void
draw_audio(struct app *app, struct pane *pane, const struct preview_entry *e)
{
	struct preview *pv = pane->data;
	int top;

	if (e->error != NULL) {
		wattrset(pane->win, ui_attr(app, ROLE_ERROR));
		put_wrapped(app, pane, put_wrapped(app, pane, 0, pane->h,
		    "cannot show this clip:"), pane->h, e->error);
		wattrset(pane->win, ui_attr(app, ROLE_NORMAL));
		return;
	}
	top = draw_findings(app, pane, e->sample);
	audio_view_draw(app, pane->win, top, 0, pane->h - top, pane->w, e->audio,
	    pv->audio_mode == AUDIO_WAVEFORM ? AUDIO_VIEW_WAVEFORM :
	    AUDIO_VIEW_SPECTROGRAM, playback_cursor(pv->playback, e->sample));
}

static void
draw_other(struct app *app, struct pane *pane, const struct preview_entry *e)
{
	char size[32];
	struct buf b = { 0 };
	int y, top = pane->h > 2 ? pane->h - 1 : pane->h;
	size_t i;

	format_size(size, sizeof size, e->file_size);
	wattrset(pane->win, ui_attr(app, ROLE_ERROR));
	y = put_wrapped(app, pane, 0, top, e->error ? e->error : "no preview");
	if (e->nlines > 0 && y < top) {
		wattrset(pane->win, ui_attr(app, ROLE_DIM));
		ui_putn(app, pane->win, y++, 0, "its first bytes:", pane->w);
		wattrset(pane->win, ui_attr(app, ROLE_NORMAL));
		for (i = 0; i < e->nlines && y < top; i++)
			ui_putn(app, pane->win, y++, 0, e->lines[i], pane->w);
	}
	wattrset(pane->win, ui_attr(app, ROLE_DIM));
	buf_addf(&b, "%s · %s", e->format, size);
	if (top < pane->h)
		ui_putn(app, pane->win, top, 0, buf_str(&b), pane->w);
	wattrset(pane->win, ui_attr(app, ROLE_NORMAL));
	buf_free(&b);
}

static void
preview_draw(struct app *app, struct pane *pane)
{
	struct preview *pv = pane->data;
	int busy;
	const struct preview_entry *e = preview_feed_entry(pv->feed, &busy);

	werase(pane->win);
	pv->wanted.e = NULL;
	/* A full repaint (resize, the redraw command) wipes pixels. */
	if (is_cleared(curscr))
		pv->screen.repaint = 1;
	if (e == NULL) {
		if (busy) {
			wattrset(pane->win, ui_attr(app, ROLE_DIM));
			ui_putn(app, pane->win, 0, 0, "decoding…", pane->w);
			wattrset(pane->win, ui_attr(app, ROLE_NORMAL));
		}
	} else {
		switch (e->kind) {
		case PREVIEW_IMAGE: draw_image(app, pane, e, busy); break;
		case PREVIEW_TEXT: draw_text(app, pane, e, busy); break;
		case PREVIEW_AUDIO: draw_audio(app, pane, e); break;
		default: draw_other(app, pane, e); break;
		}
	}
	/* Pixels drawn before that are not wanted here any more: let curses
	 * paint the pane's cells over them. */
	if (pixels_moved(&pv->screen, pv->wanted.e ? pv->wanted.e->id : 0,
	    pv->wanted.y, pv->wanted.x))
		redrawwin(pane->win);
}

/* After curses: the wanted picture onto the terminal, or off it. */
static void
preview_after_update(struct app *app, struct pane *pane)
{
	struct preview *pv = pane->data;
	const struct placed *p;

	if (pv == NULL || pv->caps.pixels == PIXELS_NONE)
		return;
	p = &pv->wanted;
	/* Overlays (help, prompt menus) and a too small terminal hide them. */
	if (!pane->shown || app->too_small || app->help != NULL ||
	    app->prompt != NULL || p->e == NULL) {
		pixels_hide(&pv->screen);
		return;
	}
	pixels_show(&pv->screen, p->e->id, p->y, p->x, p->e->pixels, p->e->npixels);
}

/* ---- the pane ---- */

/* Findings came, went or changed (the checks, the embeddings): the
 * selected picture's box may be shorter or taller now. */
static void
findings_changed(struct app *app, long sample, void *arg)
{
	struct pane *pane = arg;
	struct preview *pv = pane->data;
	long sel = ui_selected(app);

	if (pv == NULL || app->ds == NULL || sel < 0 || (sample >= 0 && sample != sel))
		return;
	preview_feed_select(pv->feed, sel, pane->w, picture_rows(pane), pane->shown);
}

static void
preview_init(struct app *app, struct pane *pane)
{
	struct preview *pv = xcalloc(1, sizeof *pv);
	const struct setting *s = settings_find("", "pixels");

	pane->data = pv;
	app->preview = pv;
	pv->app = app;
	pv->playback = playback_new(app);
	pv->request = PIXELS_AUTO;
	if (s != NULL && pixel_protocol_parse(s->value, &pv->request) != 0)
		ui_error(app, "%s:%d: pixels: '%s' is not auto, sixel, kitty, iterm "
		    "or none", settings_path(), s->line, s->value);
	/* Inside tmux, pictures need its passthrough, which is off unless the
	 * user turned it on: cells unless asked for. */
	if (pv->request == PIXELS_AUTO && getenv("TMUX") != NULL)
		pv->request = PIXELS_NONE;
	term_caps_detect(&pv->caps, app->colours, pv->request, STDOUT_FILENO);
	pv->screen.caps = &pv->caps;
	pixels_locate(&pv->screen);
	pv->feed = preview_feed_new(app, &pv->caps, !app->utf8);
	preview_feed_box_rows(pv->feed, picture_box_rows);
	ui_annotations_subscribe(app, findings_changed, pane);
}

static void
preview_free(struct app *app, struct pane *pane)
{
	struct preview *pv = pane->data;

	if (pv == NULL)
		return;
	preview_feed_free(pv->feed);
	playback_free(pv->playback);
	free(pv);
	pane->data = NULL;
	app->preview = NULL;
}

static void
preview_resize(struct app *app, struct pane *pane)
{
	struct preview *pv = pane->data;

	/* The screen will be cleared: pixels must go out again. */
	pv->screen.repaint = 1;
	term_cell_size(STDOUT_FILENO, &pv->caps.cell_w, &pv->caps.cell_h);
	pixels_locate(&pv->screen);
	if (app->ds != NULL)
		preview_select(app, pane);
}

/* A new dataset: sample numbers mean other files now. */
static void
preview_ready(struct app *app, struct pane *pane)
{
	struct preview *pv = pane->data;

	pv->wanted.e = NULL;
	pixels_hide(&pv->screen);
	preview_feed_reset(pv->feed);
	/* PortAudio starts now, not on the first Space (and with stderr
	 * already in the log). */
	playback_start_device(pv->playback);
	preview_select(app, pane);
}

/* Focused, the preview scrolls a text's lines; other kinds have nothing
 * to move, and the list keeps still rather than move out of sight. */
static unsigned
preview_key(struct app *app, struct pane *pane, int key, const char *command)
{
	struct preview *pv = pane->data;
	int busy, rows = pane->h > 2 ? pane->h - 1 : pane->h;
	const struct preview_entry *e = preview_feed_entry(pv->feed, &busy);
	size_t last;
	long step;

	if (command == NULL)
		return PANE_UNHANDLED;
	if (strcmp(command, "down") == 0 || strcmp(command, "up") == 0)
		step = command[0] == 'd' ? 1 : -1;
	else if (strcmp(command, "page-down") == 0 || strcmp(command, "page-up") == 0)
		step = (command[5] == 'd' ? 1 : -1) * (rows > 1 ? rows - 1 : 1);
	else if (strcmp(command, "top") == 0)
		step = -(long)(e ? e->nlines : 0);
	else if (strcmp(command, "bottom") == 0)
		step = (long)(e ? e->nlines : 0);
	else
		return PANE_UNHANDLED;
	if (e == NULL || e->kind != PREVIEW_TEXT) {
		ui_message(app, "preview: only text scrolls here (Tab: the next pane)");
		return REDRAW_STATUS;
	}
	last = text_last_top(e, rows);
	if (step < 0)
		pv->text_top = (size_t)-step > pv->text_top ? 0 : pv->text_top - (size_t)-step;
	else
		pv->text_top = pv->text_top + (size_t)step > last ? last : pv->text_top + (size_t)step;
	return REDRAW_PREVIEW;
}

const struct pane_ops preview_pane_ops = {
	.name = "preview",
	.init = preview_init,
	.free = preview_free,
	.draw = preview_draw,
	.key = preview_key,
	.resize = preview_resize,
	.select = preview_select,
	.ready = preview_ready,
	.after_update = preview_after_update,
};

/* ---- commands ---- */

/* Space: play or stop the selected clip. */
static unsigned
cmd_play(struct app *app, int arg)
{
	struct preview *pv = app->preview;

	return pv != NULL ? playback_toggle(pv->playback, ui_selected(app)) : REDRAW_NONE;
}

unsigned
preview_play_selected(struct app *app)
{
	struct preview *pv = app->preview;

	return pv != NULL ? playback_play(pv->playback, ui_selected(app)) : REDRAW_NONE;
}

/* `n`: play the next clip when one ends. */
static unsigned
cmd_autoplay(struct app *app, int arg)
{
	struct preview *pv = app->preview;

	return pv != NULL ? playback_autoplay_toggle(pv->playback) : REDRAW_NONE;
}

/* `v`: thumbnail / details for pictures, waveform / spectrogram for clips. */
static unsigned
cmd_preview_mode(struct app *app, int arg)
{
	struct preview *pv = app->preview;
	const struct preview_entry *e;
	int busy;

	if (pv == NULL)
		return REDRAW_NONE;
	e = preview_feed_entry(pv->feed, &busy);
	if (e != NULL && e->kind == PREVIEW_AUDIO) {
		pv->audio_mode = pv->audio_mode == AUDIO_WAVEFORM ?
		    AUDIO_SPECTROGRAM : AUDIO_WAVEFORM;
		ui_message(app, "preview: %s", pv->audio_mode == AUDIO_WAVEFORM ?
		    "waveform" : "spectrogram");
	} else {
		pv->image_mode = pv->image_mode == IMAGE_PICTURE ?
		    IMAGE_DETAILS : IMAGE_PICTURE;
		ui_message(app, "preview: %s", pv->image_mode == IMAGE_PICTURE ?
		    "thumbnail" : "details");
	}
	return REDRAW_PREVIEW | REDRAW_STATUS;
}

const struct command_handler preview_commands[] = {
	{ "play", cmd_play },
	{ "autoplay", cmd_autoplay },
	{ "preview-mode", cmd_preview_mode },
	{ NULL, NULL },
};
