/* panes/preview.c — the preview pane: the selected sample as a thumbnail,
 * its first lines of text, or its waveform, with a line of facts below.
 *
 * Selecting a sample looks it up in a small cache of finished previews
 * (keyed by sample and, for pictures, pane size), else starts a job on the
 * worker pool's urgent thread and keeps the previous preview on screen
 * until the job is done: the UI never waits on a file. Jobs for samples
 * the user has already moved past are skipped unstarted.
 *
 * Pictures go out as character cells (chafa, through curses), or as real
 * pixels (sixel, kitty, iTerm2) written straight to the terminal after
 * curses has updated the screen (after_update): curses knows nothing of
 * them, so the pane wipes and redraws them itself whenever what is shown,
 * where, or what covers it changes. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "audio-view.h"
#include "audio.h"
#include "dataset.h"
#include "image-view.h"
#include "image.h"
#include "playback.h"
#include "settings.h"
#include "sniff.h"
#include "text.h"
#include "ui.h"
#include "util.h"

#define CACHE_ENTRIES 48
#define CACHE_BYTES ((size_t)96 << 20)
#define TEXT_MAX_LINES 400
#define TEXT_MAX_BYTES 65536
/* Rows under the picture: the facts, and a warning. */
#define INFO_ROWS 2
/* Colour pairs one thumbnail may take (ui_pair starts over past 2048). */
#define MAX_PAIRS 1024

enum image_mode { IMAGE_PICTURE, IMAGE_DETAILS };
enum audio_mode { AUDIO_WAVEFORM, AUDIO_SPECTROGRAM };

/* One finished preview. Built by a job on a worker, owned by the cache on
 * the UI thread. */
struct entry {
	struct entry *prev, *next;      /* the cache, most recent first */
	uint32_t sample;
	int w, h;                       /* pane interior it was made for
	                                   (pictures only; 0 for the rest) */
	enum format format;             /* content, sniffed */
	enum kind kind;                 /* how it is shown */
	int odd_text;                   /* named text, not plain text */
	enum format ext_format;
	char ext[12];                   /* the name's extension, when known */
	uint64_t file_size;
	char *error;                    /* no preview: why (owned) */
	size_t bytes;                   /* memory held, for the cache's budget */

	/* Pictures. */
	struct image_info info;
	int thumb_w, thumb_h;           /* the decoded thumbnail's pixels */
	struct cell_grid grid;
	char *pixels;                   /* escape sequence (pixel modes) */
	size_t npixels;
	int pcols, prows;               /* cells the pixels cover */

	/* Text. */
	struct text_head text;

	/* Audio. */
	struct audio_view *audio;
};

struct preview;

struct job {
	struct preview *pv;
	atomic_uint gen;                /* the selection it was asked for */
	atomic_int prefetch;
	int skipped;
	unsigned epoch;
	/* Inputs, copied: run() touches nothing else. */
	uint32_t sample;
	int w, h;                       /* the pane's interior */
	int rootfd;
	char *path;
	struct worker_pool *pool;
	struct term_caps caps;
	int ascii;
	/* The result. */
	struct entry *e;
	struct job *next;               /* in flight, for the UI thread */
};

/* A picture written to the terminal, in screen cells. */
struct placed {
	const struct entry *e;
	int y, x;
};

struct preview {
	struct app *app;
	struct term_caps caps;
	enum pixel_protocol request;
	enum image_mode image_mode;
	enum audio_mode audio_mode;
	struct playback *playback;      /* Space, n, the cursor */

	struct entry *head, *tail;      /* the cache */
	size_t nentries, bytes;
	struct entry *current;          /* the selection's preview; NULL while
	                                   its job runs */
	struct entry *last;             /* the preview last drawn */
	long want;                      /* the selected sample, or -1 */
	atomic_uint latest;             /* generation of the newest selection */
	struct job *flying;             /* jobs submitted and not done */
	unsigned epoch;                 /* dataset loads: older jobs are stale */

	struct placed wanted;           /* what the last draw laid out */
	struct placed shown;            /* what is on the terminal */
	int repaint;                    /* the screen was cleared: draw again */
	int tmux_top, tmux_left;        /* the tmux pane in the outer terminal */
};

/* ---- the cache (UI thread) ---- */

static void
entry_free(struct entry *e)
{
	if (e == NULL)
		return;
	free(e->error);
	image_info_clear(&e->info);
	cell_grid_clear(&e->grid);
	free(e->pixels);
	text_head_clear(&e->text);
	if (e->audio)
		audio_view_free(e->audio);
	free(e);
}

static int
entry_fits(const struct entry *e, uint32_t sample, int w, int h)
{
	return e->sample == sample && (e->w == 0 || (e->w == w && e->h == h));
}

static void
cache_unlink(struct preview *pv, struct entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		pv->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		pv->tail = e->prev;
	e->prev = e->next = NULL;
}

static void
cache_push(struct preview *pv, struct entry *e)
{
	e->prev = NULL;
	e->next = pv->head;
	if (pv->head)
		pv->head->prev = e;
	pv->head = e;
	if (pv->tail == NULL)
		pv->tail = e;
}

static struct entry *
cache_find(struct preview *pv, uint32_t sample, int w, int h)
{
	struct entry *e;
	for (e = pv->head; e != NULL; e = e->next)
		if (entry_fits(e, sample, w, h)) {
			cache_unlink(pv, e);
			cache_push(pv, e);
			return e;
		}
	return NULL;
}

/* Add e and drop the least recently used entries over the budget, never
 * the ones on screen. */
static void
cache_add(struct preview *pv, struct entry *e)
{
	struct entry *old, *prev;

	cache_push(pv, e);
	pv->nentries++;
	pv->bytes += e->bytes;
	for (old = pv->tail; old != NULL &&
	    (pv->nentries > CACHE_ENTRIES || pv->bytes > CACHE_BYTES); old = prev) {
		prev = old->prev;
		if (old == e || old == pv->current || old == pv->last ||
		    old == pv->shown.e || old == pv->wanted.e)
			continue;
		cache_unlink(pv, old);
		pv->nentries--;
		pv->bytes -= old->bytes;
		entry_free(old);
	}
}

/* ---- the job (worker thread) ---- */

/* The box a picture is decoded into: what cell_grid_render samples (the
 * same as bench/thumb asks), or the cells' real pixels when drawing pixels. */
static void
decode_box(const struct term_caps *caps, int cols, int rows, int *w, int *h)
{
	if (caps->pixels != PIXELS_NONE) {
		*w = cols * caps->cell_w;
		*h = rows * caps->cell_h;
	} else
		cell_decode_box(cols, rows, caps->cell_w, caps->cell_h, w, h);
}

/* The colours a symbol does not show would only use up pairs. */
static void
cell_colours(const struct cell *c, int direct, int *fg, int *bg)
{
	*fg = direct ? c->fg : c->fg_index;
	*bg = direct ? c->bg : c->bg_index;
	if (c->ch == ' ')
		*fg = -1;
	else if (c->ch == 0x2588)
		*bg = -1;
}

/* Distinct colour pairs a grid needs in true colour. */
static size_t
count_pairs(const struct cell_grid *g)
{
	GHashTable *seen = g_hash_table_new(g_int64_hash, g_int64_equal);
	size_t i, n = (size_t)g->cols * g->rows, count;
	gint64 *keys = xmalloc(n * sizeof *keys);

	for (i = 0; i < n; i++) {
		int fg, bg;
		cell_colours(&g->cells[i], 1, &fg, &bg);
		keys[i] = (gint64)(fg + 1) << 32 | (guint32)(bg + 1);
		g_hash_table_add(seen, &keys[i]);
	}
	count = g_hash_table_size(seen);
	g_hash_table_destroy(seen);
	free(keys);
	return count;
}

/* Has the user moved on (a prefetch may lag a little, a selection not),
 * or is the browser closing? */
static int
job_moved_on(void *arg)
{
	struct job *j = arg;
	return atomic_load(&j->pv->latest) - atomic_load(&j->gen) >
	    (atomic_load(&j->prefetch) ? 2u : 0u) || worker_stopping(j->pool);
}

static void
job_image(struct job *j, struct entry *e, int cols, int rows)
{
	struct image img;
	char *cause = NULL;
	int bw, bh;

	decode_box(&j->caps, cols, rows, &bw, &bh);
	if (image_load_at_until(j->rootfd, j->path, bw, bh, job_moved_on, j, &img,
	    &e->info, &cause) != 0) {
		if (job_moved_on(j)) {
			j->skipped = 1;
			free(cause);
		} else
			e->error = cause;
		return;
	}
	e->thumb_w = img.width;
	e->thumb_h = img.height;
	if (j->caps.pixels != PIXELS_NONE) {
		cell_geometry(img.width, img.height, cols, rows, j->caps.cell_w,
		    j->caps.cell_h, &e->pcols, &e->prows);
		e->pixels = pixels_render(&img, e->pcols, e->prows, &j->caps, &e->npixels);
		e->bytes += e->npixels;
	} else {
		cell_grid_render(&img, cols, rows, j->caps.cell_w, j->caps.cell_h,
		    j->caps.depth, j->ascii, &e->grid);
		/* In true colour a photo gives nearly every cell its own colour
		 * pair, more than curses keeps at once: 240 colours then, still
		 * drawn by their RGB values. */
		if (e->grid.depth == COLOR_DEPTH_TRUE && count_pairs(&e->grid) > MAX_PAIRS) {
			cell_grid_clear(&e->grid);
			cell_grid_render(&img, cols, rows, j->caps.cell_w, j->caps.cell_h,
			    COLOR_DEPTH_256, j->ascii, &e->grid);
		}
		e->bytes += (size_t)e->grid.cols * e->grid.rows * sizeof *e->grid.cells;
	}
	image_clear(&img);
}

static void
job_run(void *arg)
{
	struct job *j = arg;
	struct entry *e = j->e;
	unsigned char head[SNIFF_BYTES];
	struct stat st;
	char *cause = NULL;
	ssize_t n;
	int fd;

	e->sample = j->sample;
	e->w = j->w;
	e->h = j->h;
	e->bytes = sizeof *e;
	if (job_moved_on(j)) {
		j->skipped = 1;
		return;
	}
	e->ext_format = format_from_name(j->path);
	if (e->ext_format != FMT_NONE)
		snprintf(e->ext, sizeof e->ext, "%s", strrchr(j->path, '.') + 1);
	fd = open_beneath(j->rootfd, j->path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		e->error = xasprintf("cannot open: %s", errno == EXDEV ?
		    "the path leads outside the dataset" : strerror(errno));
		return;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		e->error = xstrdup("not a regular file");
		return;
	}
	e->file_size = (uint64_t)st.st_size;
	do
		n = read(fd, head, sizeof head);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0) {
		e->error = xasprintf("cannot read: %s", strerror(errno));
		return;
	}
	e->format = format_from_magic(head, (size_t)n);
	e->kind = format_kind(e->format);
	/* Text with a stray control byte is still text to read. */
	if (e->format == FMT_DATA && e->ext_format == FMT_TEXT) {
		e->kind = KIND_TEXT;
		e->odd_text = 1;
	}

	switch (e->kind) {
	case KIND_IMAGE:
		job_image(j, e, e->w, e->h > INFO_ROWS + 1 ? e->h - INFO_ROWS : e->h);
		break;
	case KIND_TEXT:
		e->w = e->h = 0;
		if (text_head_at(j->rootfd, j->path, TEXT_MAX_LINES, TEXT_MAX_BYTES,
		    &e->text, &cause) != 0)
			e->error = cause;
		e->bytes += TEXT_MAX_BYTES;
		break;
	case KIND_AUDIO:
		e->w = e->h = 0;
		if ((e->audio = audio_view_load(j->rootfd, j->path, &cause)) == NULL)
			e->error = cause;
		else {
			const struct audio_clip *clip = audio_view_clip(e->audio);
			/* Samples, mono mix, and about as much again for the
			 * spectrogram. */
			e->bytes += clip->frames * (clip->stats.channels + 2) *
			    sizeof(float);
		}
		break;
	default:
		e->w = e->h = 0;
		if (e->format == FMT_EMPTY) {
			e->error = xstrdup("empty file (0 bytes)");
			break;
		}
		/* Bytes of no known format: the name may say image, the bytes
		 * say otherwise; show them, escaped. */
		if (e->ext_format != FMT_NONE)
			e->error = xasprintf("not a valid %s file: the content is "
			    "no known format", format_name(e->ext_format));
		else
			e->error = xstrdup("no known format");
		if (text_head_at(j->rootfd, j->path, TEXT_MAX_LINES, 4096, &e->text,
		    &cause) != 0)
			free(cause);
		break;
	}
}

static void job_done(void *arg, int cancelled);

/* Start a job for sample i at the pane's size unless one is in flight. */
static void
submit(struct app *app, struct pane *pane, uint32_t i, int prefetch)
{
	struct preview *pv = pane->data;
	struct job *j;

	for (j = pv->flying; j != NULL; j = j->next)
		if (j->epoch == pv->epoch && j->sample == i && j->w == pane->w &&
		    j->h == pane->h) {
			/* Asked for again: make it current, so it is not skipped
			 * (if it was already, job_done asks again). */
			if (!prefetch) {
				atomic_store(&j->prefetch, 0);
				atomic_store(&j->gen, atomic_fetch_add(&pv->latest, 1) + 1);
			}
			return;
		}
	j = xcalloc(1, sizeof *j);
	j->pv = pv;
	j->epoch = pv->epoch;
	atomic_init(&j->prefetch, prefetch);
	atomic_init(&j->gen, prefetch ? atomic_load(&pv->latest) :
	    atomic_fetch_add(&pv->latest, 1) + 1);
	j->rootfd = app->ds->rootfd;
	j->pool = app->workers;
	j->path = xstrdup(sample_path(app->ds, i));
	j->caps = pv->caps;
	j->ascii = !app->utf8;
	j->sample = i;
	j->w = pane->w;
	j->h = pane->h;
	j->e = xcalloc(1, sizeof *j->e);
	j->next = pv->flying;
	pv->flying = j;
	worker_submit(app->workers, WORKER_URGENT, job_run, job_done, j);
}

static void
job_done(void *arg, int cancelled)
{
	struct job *j = arg, **jp;
	struct preview *pv = j->pv;
	struct app *app = pv->app;
	struct pane *pane;
	struct entry *e = j->e;

	if (!cancelled)
		for (jp = &pv->flying; *jp != NULL; jp = &(*jp)->next)
			if (*jp == j) {
				*jp = j->next;
				break;
			}
	free(j->path);
	pane = &app->panes[PANE_PREVIEW];
	if (cancelled || j->skipped || j->epoch != pv->epoch) {
		/* Skipped, yet selected again meanwhile: ask once more. */
		if (!cancelled && j->skipped && j->epoch == pv->epoch &&
		    pv->want >= 0 && (uint32_t)pv->want == j->sample &&
		    pv->current == NULL && pane->shown)
			submit(app, pane, j->sample, 0);
		entry_free(e);
		free(j);
		return;
	}
	free(j);
	cache_add(pv, e);
	if (pv->want >= 0 && (uint32_t)pv->want == e->sample &&
	    entry_fits(e, e->sample, pane->w, pane->h)) {
		pv->current = e;
		ui_redraw(app, REDRAW_PREVIEW);
	}
}

/* ---- selection ---- */

/* Show the selection: from the cache, or start its job (and the
 * neighbours', so that moving on is instant). */
static void
preview_select(struct app *app, struct pane *pane)
{
	struct preview *pv = pane->data;
	long sel = ui_selected(app);
	struct entry *e;
	size_t row;

	/* While a clip plays, the newly selected one plays instead. */
	ui_redraw(app, playback_selected(pv->playback, sel));
	pv->want = sel;
	if (sel < 0 || app->ds == NULL || !pane->shown) {
		pv->current = NULL;
		ui_redraw(app, REDRAW_PREVIEW);
		return;
	}
	e = cache_find(pv, (uint32_t)sel, pane->w, pane->h);
	pv->current = e;
	if (e == NULL)
		submit(app, pane, (uint32_t)sel, 0);
	row = app->view.lv.sel;
	if (row + 1 < app->view.lv.n &&
	    !cache_find(pv, app->view.rows[row + 1], pane->w, pane->h))
		submit(app, pane, app->view.rows[row + 1], 1);
	if (row > 0 && !cache_find(pv, app->view.rows[row - 1], pane->w, pane->h))
		submit(app, pane, app->view.rows[row - 1], 1);
	/* The lookups above reorder the cache: the selection stays newest. */
	if (e != NULL) {
		cache_unlink(pv, e);
		cache_push(pv, e);
	}
	ui_redraw(app, REDRAW_PREVIEW);
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

/* Words, wrapped into the rows [y0, y1) of the pane. Returns the next row. */
static int
put_wrapped(struct app *app, struct pane *pane, int y, int y1, const char *s)
{
	const char *p = s;
	int w = pane->w;

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
		line = xstrndup(p, cut);
		ui_putn(app, pane->win, y++, 0, line, w);
		free(line);
		p += cut;
		while (*p == ' ')
			p++;
	}
	return y;
}

/* "png · 640×480 · 116 kB" */
static void
image_facts(const struct entry *e, struct buf *b)
{
	char size[32];
	format_size(size, sizeof size, e->file_size);
	buf_adds(b, format_name(e->format));
	if (e->info.width > 0)
		buf_addf(b, " · %d×%d", e->info.width, e->info.height);
	buf_addf(b, " · %s", size);
}

/* The warning row: a name that lies about the content, or damage. */
static void
warning_text(const struct entry *e, struct buf *b)
{
	if (e->ext_format != FMT_NONE && format_kind(e->format) != KIND_OTHER &&
	    e->format != e->ext_format)
		buf_addf(b, "named .%s, but the content is %s", e->ext,
		    format_name(e->format));
	if (e->info.damage != NULL) {
		if (b->len)
			buf_adds(b, "; ");
		buf_adds(b, e->info.damage);
	}
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
draw_image(struct app *app, struct pane *pane, const struct entry *e, int busy)
{
	struct preview *pv = pane->data;
	struct buf b = { 0 };
	int top = pane->h > INFO_ROWS + 1 ? pane->h - INFO_ROWS : pane->h;

	if (e->error != NULL) {
		wattrset(pane->win, ui_attr(app, ROLE_ERROR));
		put_wrapped(app, pane, put_wrapped(app, pane, 0, top,
		    "cannot show this image:"), top, e->error);
		wattrset(pane->win, ui_attr(app, ROLE_NORMAL));
	} else if (pv->image_mode == IMAGE_DETAILS) {
		int y = 0;
		char size[32];
		format_size(size, sizeof size, e->file_size);
		buf_addf(&b, "format    %s", format_name(e->format));
		if (e->ext_format != FMT_NONE && e->ext_format != e->format)
			buf_addf(&b, " (named .%s)", e->ext);
		ui_putn(app, pane->win, y++, 0, buf_str(&b), pane->w);
		b.len = 0;
		buf_addf(&b, "pixels    %d×%d", e->info.width, e->info.height);
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
		if (e->pcols <= pane->w && e->prows <= top) {
			pv->wanted.e = e;
			pv->wanted.y = pane->y + (top - e->prows) / 2;
			pv->wanted.x = pane->x + (pane->w - e->pcols) / 2;
		}
	} else
		put_cells(app, pane->win, (top - e->grid.rows) / 2,
		    (pane->w - e->grid.cols) / 2, top, pane->w, &e->grid,
		    pv->caps.depth == COLOR_DEPTH_TRUE);

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
	warning_text(e, &b);
	if (b.len) {
		wattrset(pane->win, ui_attr(app, ROLE_ERROR));
		ui_putn(app, pane->win, top + 1, 0, app->utf8 ? "⚠ " : "! ", pane->w);
		ui_putn(app, pane->win, top + 1, 2, buf_str(&b), pane->w - 2);
	}
	wattrset(pane->win, ui_attr(app, ROLE_NORMAL));
	buf_free(&b);
}

static void
draw_text(struct app *app, struct pane *pane, const struct entry *e, int busy)
{
	int top = pane->h > 2 ? pane->h - 1 : pane->h, y;
	char size[32];
	struct buf b = { 0 };

	if (e->error != NULL) {
		wattrset(pane->win, ui_attr(app, ROLE_ERROR));
		put_wrapped(app, pane, 0, top, e->error);
	} else
		for (y = 0; y < top && (size_t)y < e->text.nlines; y++)
			ui_putn(app, pane->win, y, 0, e->text.lines[y], pane->w);
	if (top == pane->h)
		return;
	format_size(size, sizeof size, e->file_size);
	buf_addf(&b, "text · %s", size);
	if (e->odd_text)
		buf_adds(&b, " · not plain text");
	if (e->text.nlines > (size_t)top || e->text.more)
		buf_addf(&b, " · first %d lines", top < (int)e->text.nlines ? top :
		    (int)e->text.nlines);
	if (busy)
		buf_adds(&b, " · decoding…");
	wattrset(pane->win, ui_attr(app, ROLE_DIM));
	ui_putn(app, pane->win, top, 0, buf_str(&b), pane->w);
	wattrset(pane->win, ui_attr(app, ROLE_NORMAL));
	buf_free(&b);
}

static void
draw_audio(struct app *app, struct pane *pane, const struct entry *e)
{
	struct preview *pv = pane->data;

	if (e->error != NULL) {
		wattrset(pane->win, ui_attr(app, ROLE_ERROR));
		put_wrapped(app, pane, put_wrapped(app, pane, 0, pane->h,
		    "cannot show this clip:"), pane->h, e->error);
		wattrset(pane->win, ui_attr(app, ROLE_NORMAL));
		return;
	}
	audio_view_draw(app, pane->win, 0, 0, pane->h, pane->w, e->audio,
	    pv->audio_mode == AUDIO_WAVEFORM ? AUDIO_VIEW_WAVEFORM :
	    AUDIO_VIEW_SPECTROGRAM, playback_cursor(pv->playback, e->sample));
}

static void
draw_other(struct app *app, struct pane *pane, const struct entry *e)
{
	char size[32];
	struct buf b = { 0 };
	int y, top = pane->h > 2 ? pane->h - 1 : pane->h;
	size_t i;

	format_size(size, sizeof size, e->file_size);
	wattrset(pane->win, ui_attr(app, ROLE_ERROR));
	y = put_wrapped(app, pane, 0, top, e->error ? e->error : "no preview");
	if (e->text.nlines > 0 && y < top) {
		wattrset(pane->win, ui_attr(app, ROLE_DIM));
		ui_putn(app, pane->win, y++, 0, "its first bytes:", pane->w);
		wattrset(pane->win, ui_attr(app, ROLE_NORMAL));
		for (i = 0; i < e->text.nlines && y < top; i++)
			ui_putn(app, pane->win, y++, 0, e->text.lines[i], pane->w);
	}
	wattrset(pane->win, ui_attr(app, ROLE_DIM));
	buf_addf(&b, "%s · %s", format_name(e->format), size);
	if (top < pane->h)
		ui_putn(app, pane->win, top, 0, buf_str(&b), pane->w);
	wattrset(pane->win, ui_attr(app, ROLE_NORMAL));
	buf_free(&b);
}

static void
preview_draw(struct app *app, struct pane *pane)
{
	struct preview *pv = pane->data;
	const struct entry *e = pv->current ? pv->current : pv->last;
	int busy = pv->current == NULL && pv->want >= 0;

	werase(pane->win);
	pv->wanted.e = NULL;
	/* A full repaint (resize, the redraw command) wipes pixels. */
	if (is_cleared(curscr))
		pv->repaint = 1;
	if (pv->want < 0 || app->ds == NULL)
		e = NULL;
	if (e == NULL) {
		if (busy) {
			wattrset(pane->win, ui_attr(app, ROLE_DIM));
			ui_putn(app, pane->win, 0, 0, "decoding…", pane->w);
			wattrset(pane->win, ui_attr(app, ROLE_NORMAL));
		}
	} else {
		switch (e->kind) {
		case KIND_IMAGE: draw_image(app, pane, e, busy); break;
		case KIND_TEXT: draw_text(app, pane, e, busy); break;
		case KIND_AUDIO: draw_audio(app, pane, e); break;
		default: draw_other(app, pane, e); break;
		}
	}
	if (e != NULL)
		pv->last = (struct entry *)e;

	/* Pixels drawn before that are not wanted here any more: let curses
	 * paint the pane's cells over them (kitty's are deleted instead). */
	if (pv->shown.e != NULL && (pv->shown.e != pv->wanted.e ||
	    pv->shown.y != pv->wanted.y || pv->shown.x != pv->wanted.x) &&
	    pv->caps.pixels != PIXELS_KITTY) {
		redrawwin(pane->win);
		pv->shown.e = NULL;
	}
}

/* ---- pixels, after curses ---- */

static void
write_all(const char *p, size_t n)
{
	ssize_t k;
	while (n > 0) {
		k = write(STDOUT_FILENO, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return;
		p += k;
		n -= (size_t)k;
	}
}

/* Append the n bytes of seq as they must reach the terminal: inside tmux,
 * as one passthrough sequence with each ESC doubled. tmux moves the outer
 * terminal's cursor to its top left after each passthrough sequence, so a
 * picture must travel in the same one as the movement that places it. */
static void
add_outer(struct preview *pv, struct buf *b, const char *seq, size_t n)
{
	const char *end = seq + n, *esc;

	if (!pv->caps.tmux) {
		buf_add(b, seq, n);
		return;
	}
	buf_adds(b, "\033Ptmux;");
	while ((esc = memchr(seq, '\033', (size_t)(end - seq))) != NULL) {
		buf_add(b, seq, (size_t)(esc - seq) + 1);
		buf_addc(b, '\033');
		seq = esc + 1;
	}
	buf_add(b, seq, (size_t)(end - seq));
	buf_adds(b, "\033\\");
}

static void
pixels_remove(struct preview *pv)
{
	const char *clear = pixels_clear_sequence(&pv->caps);
	struct buf b = { 0 };

	if (pv->shown.e == NULL)
		return;
	if (*clear) {
		add_outer(pv, &b, clear, strlen(clear));
		write_all(b.data, b.len);
		buf_free(&b);
	} else {
		/* Sixel and iTerm2 pictures go when their cells are repainted. */
		clearok(curscr, TRUE);
		doupdate();
	}
	pv->shown.e = NULL;
}

static void
pixels_place(struct preview *pv, const struct placed *p)
{
	struct buf seq = { 0 }, b = { 0 };

	if (pv->shown.e != NULL)
		buf_adds(&seq, pixels_clear_sequence(&pv->caps));
	/* The cursor goes back where curses believes it is. Inside tmux the
	 * picture reaches the outer terminal directly, so it is placed in the
	 * outer terminal's coordinates. */
	buf_addf(&seq, "\0337\033[%d;%dH", pv->tmux_top + p->y + 1,
	    pv->tmux_left + p->x + 1);
	buf_add(&seq, p->e->pixels, p->e->npixels);
	buf_adds(&seq, "\0338");
	add_outer(pv, &b, seq.data, seq.len);
	write_all(b.data, b.len);
	buf_free(&seq);
	buf_free(&b);
	pv->shown = *p;
}

static void
preview_after_update(struct app *app, struct pane *pane)
{
	struct preview *pv = pane->data;

	if (pv == NULL || pv->caps.pixels == PIXELS_NONE)
		return;
	/* Overlays (help, prompt menus) and a too small terminal hide them. */
	if (!pane->shown || app->too_small || app->help != NULL ||
	    app->prompt != NULL || pv->wanted.e == NULL) {
		pixels_remove(pv);
		return;
	}
	if (pv->shown.e == pv->wanted.e && pv->shown.y == pv->wanted.y &&
	    pv->shown.x == pv->wanted.x && !pv->repaint)
		return;
	pixels_place(pv, &pv->wanted);
	pv->repaint = 0;
}

/* Where the tmux pane sits in the outer terminal. */
static void
tmux_offset(struct preview *pv)
{
	const char *id = getenv("TMUX_PANE");
	char *cmd, line[64];
	FILE *fp;

	pv->tmux_top = pv->tmux_left = 0;
	if (!pv->caps.tmux || pv->caps.pixels == PIXELS_NONE || id == NULL ||
	    strspn(id, "%0123456789") != strlen(id))
		return;
	cmd = xasprintf("tmux display-message -p -t '%s' '#{pane_top} #{pane_left}' "
	    "2>/dev/null", id);
	if ((fp = popen(cmd, "r")) != NULL) {
		if (fgets(line, sizeof line, fp) != NULL &&
		    sscanf(line, "%d %d", &pv->tmux_top, &pv->tmux_left) != 2)
			pv->tmux_top = pv->tmux_left = 0;
		pclose(fp);
	}
	free(cmd);
}

/* ---- the pane ---- */

static void
preview_init(struct app *app, struct pane *pane)
{
	struct preview *pv = xcalloc(1, sizeof *pv);
	const struct setting *s = settings_find("", "pixels");

	pane->data = pv;
	app->preview = pv;
	pv->app = app;
	pv->want = -1;
	atomic_init(&pv->latest, 0);
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
	tmux_offset(pv);
}

static void
preview_free(struct app *app, struct pane *pane)
{
	struct preview *pv = pane->data;
	struct entry *e, *next;

	if (pv == NULL)
		return;
	for (e = pv->head; e != NULL; e = next) {
		next = e->next;
		entry_free(e);
	}
	/* Jobs in flight were cancelled by worker_stop, which freed them. */
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
	pv->repaint = 1;
	term_cell_size(STDOUT_FILENO, &pv->caps.cell_w, &pv->caps.cell_h);
	tmux_offset(pv);
	if (app->ds != NULL)
		preview_select(app, pane);
}

/* A new dataset: sample numbers mean other files now. */
static void
preview_ready(struct app *app, struct pane *pane)
{
	struct preview *pv = pane->data;
	struct entry *e, *next;

	pv->current = pv->last = NULL;
	pv->wanted.e = NULL;
	pv->epoch++;
	pixels_remove(pv);
	for (e = pv->head; e != NULL; e = next) {
		next = e->next;
		entry_free(e);
	}
	pv->head = pv->tail = NULL;
	pv->nentries = pv->bytes = 0;
	/* PortAudio starts now, not on the first Space (and with stderr
	 * already in the log). */
	playback_start_device(pv->playback);
	preview_select(app, pane);
}

const struct pane_ops preview_pane_ops = {
	.name = "preview",
	.init = preview_init,
	.free = preview_free,
	.draw = preview_draw,
	.resize = preview_resize,
	.select = preview_select,
	.ready = preview_ready,
	.after_update = preview_after_update,
};

/* ---- commands ---- */

/* Space: play or stop the selected clip. */
unsigned
preview_play_toggle(struct app *app)
{
	struct preview *pv = app->preview;

	return pv != NULL ? playback_toggle(pv->playback, ui_selected(app)) : REDRAW_NONE;
}

/* `n`: play the next clip when one ends. */
unsigned
preview_autoplay_toggle(struct app *app)
{
	struct preview *pv = app->preview;

	return pv != NULL ? playback_autoplay_toggle(pv->playback) : REDRAW_NONE;
}

/* `v`: thumbnail / details for pictures, waveform / spectrogram for clips. */
unsigned
preview_cycle_mode(struct app *app)
{
	struct preview *pv = app->preview;
	const struct entry *e;

	if (pv == NULL)
		return REDRAW_NONE;
	e = pv->current ? pv->current : pv->last;
	if (e != NULL && e->kind == KIND_AUDIO) {
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
