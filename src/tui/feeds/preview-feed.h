/* preview-feed.h — what the preview pane shows, made off the UI thread.
 *
 * Selecting a sample looks it up in a small cache of finished previews
 * (keyed by sample and, for pictures, the box they fill), else starts a
 * job on the worker pool's urgent thread, which opens the file under the
 * dataset's root, tells its kind from its first bytes, and decodes it
 * into what the views draw: a thumbnail (cells, or a pixel protocol's
 * escape sequence), the first lines of text, or a clip with its
 * spectrogram. Meanwhile the previous preview stays on screen: the UI
 * never waits on a file. Jobs for samples the user has already moved past
 * are skipped unstarted, and the neighbours of the selection are made
 * ahead, so that moving on is instant. */
#ifndef WINNOW_PREVIEW_FEED_H
#define WINNOW_PREVIEW_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "image-view.h"

struct app;
struct audio_view;

enum preview_kind { PREVIEW_OTHER, PREVIEW_AUDIO, PREVIEW_IMAGE, PREVIEW_TEXT };

/* One finished preview. Made by a job on a worker, then owned by the
 * feed's cache on the UI thread; read-only to the pane. */
struct preview_entry {
	struct preview_entry *prev, *next;  /* the cache, most recent first */
	unsigned long id;               /* unique while the browser runs */
	uint32_t sample;
	int w, h;                       /* the picture box it was made for
	                                   (pictures only; 0 for the rest) */
	enum preview_kind kind;         /* how it is shown */
	const char *format;             /* the content's format ("png"), static */
	char ext[12];                   /* the name's extension, when it names
	                                   a known format; else "" */
	int renamed;                    /* the extension names another format */
	int misnamed;                   /* …and the content is of a known kind */
	int odd_text;                   /* named text, not plain text */
	uint64_t file_size;
	char *error;                    /* no preview: why (owned) */
	size_t bytes;                   /* memory held, for the cache's budget */

	/* Pictures. */
	int width, height;              /* as the file declares them */
	char *damage;                   /* decoded with damage: what (owned) */
	int thumb_w, thumb_h;           /* the decoded thumbnail's pixels */
	struct cell_grid grid;
	char *pixels;                   /* escape sequence (pixel modes) */
	size_t npixels;
	int pcols, prows;               /* cells the pixels cover */

	/* Text, and the first bytes of a file of no known format. */
	char **lines;                   /* printable UTF-8; owned */
	size_t nlines;
	int more;                       /* the file goes on past them */

	/* Audio. */
	struct audio_view *audio;
};

struct preview_feed;

/* caps: the terminal's, read by each job as it starts (not owned; the
 * caller keeps it up to date). ascii: cells without block symbols. */
struct preview_feed *preview_feed_new(struct app *app, const struct term_caps *caps,
    int ascii);
/* Free the cache (jobs in flight were cancelled by worker_stop, which freed
 * them). */
void preview_feed_free(struct preview_feed *f);
/* A new dataset: sample numbers mean other files now; drop everything. */
void preview_feed_reset(struct preview_feed *f);
/* The selection is sample sel (-1: none), shown with pictures in a box of
 * cols × rows cells: take it from the cache or start its job, and its
 * neighbours' in the file pane. shown: the pane is on the screen (else
 * nothing is made). When the job is done the preview is redrawn. */
void preview_feed_select(struct preview_feed *f, long sel, int cols, int rows,
    int shown);
/* Each sample's picture box may be shorter than the pane's: box_rows
 * (app, sample, rows) says how many of the pane's `rows` its picture
 * fills (the rest show why it is flagged). NULL: all of them. */
void preview_feed_box_rows(struct preview_feed *f,
    int (*box_rows)(struct app *, uint32_t sample, int rows));
/* The entry to draw: the selection's, else while its job runs the one
 * drawn last; NULL when nothing is selected. *busy: the selection's job
 * is running. */
const struct preview_entry *preview_feed_entry(struct preview_feed *f, int *busy);

#endif
