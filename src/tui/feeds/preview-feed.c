/* feeds/preview-feed.c — previews made on the worker pool, and their cache
 * (preview-feed.h). */
#include "config.h"

#include <errno.h>
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
#include "image.h"
#include "preview-feed.h"
#include "sample.h"
#include "sniff.h"
#include "text.h"
#include "ui.h"
#include "util.h"

#define CACHE_ENTRIES 48
#define CACHE_BYTES ((size_t)96 << 20)
#define TEXT_MAX_LINES 400
#define TEXT_MAX_BYTES 65536
/* Colour pairs one thumbnail may take (ui_pair starts over past 2048). */
#define MAX_PAIRS 1024

struct job {
	struct preview_feed *f;
	atomic_uint gen;                /* the selection it was asked for */
	atomic_int prefetch;
	int skipped;
	unsigned epoch;
	/* Inputs, copied: run() touches nothing else. */
	uint32_t sample;
	int w, h;                       /* the picture box */
	int rootfd;
	char *path;
	struct worker_pool *pool;
	struct term_caps caps;
	int ascii;
	/* The result. */
	struct preview_entry *e;
	struct job *next;               /* in flight, for the UI thread */
};

struct preview_feed {
	struct app *app;
	const struct term_caps *caps;
	int ascii;

	struct preview_entry *head, *tail;  /* the cache */
	size_t nentries, bytes;
	struct preview_entry *current;  /* the selection's preview; NULL while
	                                   its job runs */
	struct preview_entry *last;     /* the preview last drawn */
	long want;                      /* the selected sample, or -1 */
	int cols, rows, shown;          /* the box it is wanted in; on screen */
	int (*box_rows)(struct app *, uint32_t sample, int rows);
	atomic_uint latest;             /* generation of the newest selection */
	struct job *flying;             /* jobs submitted and not done */
	unsigned epoch;                 /* dataset loads: older jobs are stale */
	unsigned long ids;
};

/* ---- the cache (UI thread) ---- */

static void
entry_free(struct preview_entry *e)
{
	size_t i;

	if (e == NULL)
		return;
	free(e->error);
	free(e->damage);
	cell_grid_clear(&e->grid);
	free(e->pixels);
	for (i = 0; i < e->nlines; i++)
		free(e->lines[i]);
	free(e->lines);
	if (e->audio)
		audio_view_free(e->audio);
	free(e);
}

static int
entry_fits(const struct preview_entry *e, uint32_t sample, int w, int h)
{
	return e->sample == sample && (e->w == 0 || (e->w == w && e->h == h));
}

static void
cache_unlink(struct preview_feed *f, struct preview_entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		f->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		f->tail = e->prev;
	e->prev = e->next = NULL;
}

static void
cache_push(struct preview_feed *f, struct preview_entry *e)
{
	e->prev = NULL;
	e->next = f->head;
	if (f->head)
		f->head->prev = e;
	f->head = e;
	if (f->tail == NULL)
		f->tail = e;
}

static struct preview_entry *
cache_find(struct preview_feed *f, uint32_t sample, int w, int h)
{
	struct preview_entry *e;
	for (e = f->head; e != NULL; e = e->next)
		if (entry_fits(e, sample, w, h)) {
			cache_unlink(f, e);
			cache_push(f, e);
			return e;
		}
	return NULL;
}

/* Add e and drop the least recently used entries over the budget, never
 * the ones a draw may still use. A picture on the terminal is known by its
 * id (pixels.h), so it may go. */
static void
cache_add(struct preview_feed *f, struct preview_entry *e)
{
	struct preview_entry *old, *prev;

	cache_push(f, e);
	f->nentries++;
	f->bytes += e->bytes;
	for (old = f->tail; old != NULL &&
	    (f->nentries > CACHE_ENTRIES || f->bytes > CACHE_BYTES); old = prev) {
		prev = old->prev;
		if (old == e || old == f->current || old == f->last)
			continue;
		cache_unlink(f, old);
		f->nentries--;
		f->bytes -= old->bytes;
		entry_free(old);
	}
}

static void
cache_clear(struct preview_feed *f)
{
	struct preview_entry *e, *next;

	for (e = f->head; e != NULL; e = next) {
		next = e->next;
		entry_free(e);
	}
	f->head = f->tail = NULL;
	f->nentries = f->bytes = 0;
	f->current = f->last = NULL;
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
	return atomic_load(&j->f->latest) - atomic_load(&j->gen) >
	    (atomic_load(&j->prefetch) ? 2u : 0u) || worker_stopping(j->pool);
}

static void
job_image(struct job *j, struct preview_entry *e, int cols, int rows)
{
	struct image img;
	struct image_info info;
	char *cause = NULL;
	int bw, bh, rc;

	decode_box(&j->caps, cols, rows, &bw, &bh);
	rc = image_load_at_until(j->rootfd, j->path, bw, bh, job_moved_on, j, &img,
	    &info, &cause);
	e->width = info.width;
	e->height = info.height;
	e->damage = info.damage;
	if (rc != 0) {
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

/* The first lines of the file, as text; 0, or -1 with *cause set. */
static int
job_text(struct job *j, struct preview_entry *e, size_t max_bytes, char **cause)
{
	struct text_head t;

	if (text_head_at(j->rootfd, j->path, TEXT_MAX_LINES, max_bytes, &t, cause) != 0)
		return -1;
	e->lines = t.lines;
	e->nlines = t.nlines;
	e->more = t.more;
	return 0;
}

static enum preview_kind
preview_kind(enum kind k)
{
	switch (k) {
	case KIND_AUDIO: return PREVIEW_AUDIO;
	case KIND_IMAGE: return PREVIEW_IMAGE;
	case KIND_TEXT: return PREVIEW_TEXT;
	default: return PREVIEW_OTHER;
	}
}

static void
job_run(void *arg)
{
	struct job *j = arg;
	struct preview_entry *e = j->e;
	unsigned char head[SNIFF_BYTES];
	enum format format, ext_format;
	struct stat st;
	char *cause = NULL;
	ssize_t n;
	int fd;

	e->sample = j->sample;
	e->w = j->w;
	e->h = j->h;
	e->bytes = sizeof *e;
	e->format = format_name(FMT_NONE);
	if (job_moved_on(j)) {
		j->skipped = 1;
		return;
	}
	ext_format = format_from_name(j->path);
	if (ext_format != FMT_NONE)
		snprintf(e->ext, sizeof e->ext, "%s", strrchr(j->path, '.') + 1);
	if ((fd = sample_open(j->rootfd, j->path, &st, &e->error)) < 0)
		return;
	e->file_size = (uint64_t)st.st_size;
	do
		n = read(fd, head, sizeof head);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0) {
		e->error = xasprintf("cannot read: %s", strerror(errno));
		return;
	}
	format = format_from_magic(head, (size_t)n);
	e->format = format_name(format);
	e->kind = preview_kind(format_kind(format));
	e->renamed = ext_format != FMT_NONE && ext_format != format;
	e->misnamed = e->renamed && format_kind(format) != KIND_OTHER;
	/* Text with a stray control byte is still text to read. */
	if (format == FMT_DATA && ext_format == FMT_TEXT) {
		e->kind = PREVIEW_TEXT;
		e->odd_text = 1;
	}

	switch (e->kind) {
	case PREVIEW_IMAGE:
		job_image(j, e, e->w, e->h);
		break;
	case PREVIEW_TEXT:
		e->w = e->h = 0;
		if (job_text(j, e, TEXT_MAX_BYTES, &cause) != 0)
			e->error = cause;
		e->bytes += TEXT_MAX_BYTES;
		break;
	case PREVIEW_AUDIO:
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
		if (format == FMT_EMPTY) {
			e->error = xstrdup("empty file (0 bytes)");
			break;
		}
		/* Bytes of no known format: the name may say image, the bytes
		 * say otherwise; show them, escaped. */
		if (ext_format != FMT_NONE)
			e->error = xasprintf("not a valid %s file: the content is "
			    "no known format", format_name(ext_format));
		else
			e->error = xstrdup("no known format");
		if (job_text(j, e, 4096, &cause) != 0)
			free(cause);
		break;
	}
}

static void job_done(void *arg, int cancelled);

/* Start a job for sample i in the box cols × rows unless one is in flight. */
static void
submit(struct preview_feed *f, uint32_t i, int cols, int rows, int prefetch)
{
	struct app *app = f->app;
	struct job *j;

	for (j = f->flying; j != NULL; j = j->next)
		if (j->epoch == f->epoch && j->sample == i && j->w == cols &&
		    j->h == rows) {
			/* Asked for again: make it current, so it is not skipped
			 * (if it was already, job_done asks again). */
			if (!prefetch) {
				atomic_store(&j->prefetch, 0);
				atomic_store(&j->gen, atomic_fetch_add(&f->latest, 1) + 1);
			}
			return;
		}
	j = xcalloc(1, sizeof *j);
	j->f = f;
	j->epoch = f->epoch;
	atomic_init(&j->prefetch, prefetch);
	atomic_init(&j->gen, prefetch ? atomic_load(&f->latest) :
	    atomic_fetch_add(&f->latest, 1) + 1);
	j->rootfd = app->ds->rootfd;
	j->pool = app->workers;
	j->path = xstrdup(sample_path(app->ds, i));
	j->caps = *f->caps;
	j->ascii = f->ascii;
	j->sample = i;
	j->w = cols;
	j->h = rows;
	j->e = xcalloc(1, sizeof *j->e);
	j->e->id = ++f->ids;
	j->next = f->flying;
	f->flying = j;
	worker_submit(app->workers, WORKER_URGENT, job_run, job_done, j);
}

static void
job_done(void *arg, int cancelled)
{
	struct job *j = arg, **jp;
	struct preview_feed *f = j->f;
	struct preview_entry *e = j->e;

	if (!cancelled)
		for (jp = &f->flying; *jp != NULL; jp = &(*jp)->next)
			if (*jp == j) {
				*jp = j->next;
				break;
			}
	free(j->path);
	if (cancelled || j->skipped || j->epoch != f->epoch) {
		/* Skipped, yet selected again meanwhile: ask once more. */
		if (!cancelled && j->skipped && j->epoch == f->epoch &&
		    f->want >= 0 && (uint32_t)f->want == j->sample &&
		    f->current == NULL && f->shown)
			submit(f, j->sample, f->cols, f->rows, 0);
		entry_free(e);
		free(j);
		return;
	}
	free(j);
	cache_add(f, e);
	if (f->want >= 0 && (uint32_t)f->want == e->sample &&
	    entry_fits(e, e->sample, f->cols, f->rows)) {
		f->current = e;
		ui_redraw(f->app, REDRAW_PREVIEW);
	}
}

/* ---- the feed (UI thread) ---- */

struct preview_feed *
preview_feed_new(struct app *app, const struct term_caps *caps, int ascii)
{
	struct preview_feed *f = xcalloc(1, sizeof *f);

	f->app = app;
	f->caps = caps;
	f->ascii = ascii;
	f->want = -1;
	atomic_init(&f->latest, 0);
	return f;
}

void
preview_feed_free(struct preview_feed *f)
{
	if (f == NULL)
		return;
	cache_clear(f);
	free(f);
}

void
preview_feed_reset(struct preview_feed *f)
{
	f->epoch++;
	cache_clear(f);
}

void
preview_feed_box_rows(struct preview_feed *f,
    int (*box_rows)(struct app *, uint32_t sample, int rows))
{
	f->box_rows = box_rows;
}

/* The rows of sample i's picture box in a pane's `rows`. */
static int
box_rows(struct preview_feed *f, uint32_t i, int rows)
{
	return f->box_rows ? f->box_rows(f->app, i, rows) : rows;
}

/* Make sample i's preview ahead, unless it is in the cache. */
static void
prefetch(struct preview_feed *f, uint32_t i, int cols, int rows)
{
	rows = box_rows(f, i, rows);
	if (!cache_find(f, i, cols, rows))
		submit(f, i, cols, rows, 1);
}

void
preview_feed_select(struct preview_feed *f, long sel, int cols, int rows, int shown)
{
	struct app *app = f->app;
	struct preview_entry *e;
	size_t row;

	f->want = sel;
	f->cols = cols;
	f->rows = rows;
	f->shown = shown;
	if (sel < 0 || app->ds == NULL || !shown) {
		f->current = NULL;
		ui_redraw(app, REDRAW_PREVIEW);
		return;
	}
	f->rows = box_rows(f, (uint32_t)sel, rows);
	e = cache_find(f, (uint32_t)sel, cols, f->rows);
	f->current = e;
	if (e == NULL)
		submit(f, (uint32_t)sel, cols, f->rows, 0);
	row = app->view.lv.sel;
	if (row + 1 < app->view.lv.n)
		prefetch(f, app->view.rows[row + 1], cols, rows);
	if (row > 0)
		prefetch(f, app->view.rows[row - 1], cols, rows);
	/* The lookups above reorder the cache: the selection stays newest. */
	if (e != NULL) {
		cache_unlink(f, e);
		cache_push(f, e);
	}
	ui_redraw(app, REDRAW_PREVIEW);
}

const struct preview_entry *
preview_feed_entry(struct preview_feed *f, int *busy)
{
	struct preview_entry *e = f->current ? f->current : f->last;

	*busy = f->current == NULL && f->want >= 0;
	if (f->want < 0 || f->app->ds == NULL)
		return NULL;
	if (e != NULL)
		f->last = e;
	return e;
}
