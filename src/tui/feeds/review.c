/* review.c — review mode (review.h). */
#include "config.h"

#include <stdlib.h>

#include "review.h"
#include "ui.h"
#include "util.h"

/* The status line's pace and count of what is left change with time and
 * with moves of the cursor: refreshed this often while reviewing. */
#define REFRESH_SECONDS 0.5

struct review {
	int on;
	int refreshing;         /* a refresh is scheduled */
	size_t reviewed;        /* decisions made in review mode */
	long last;              /* the sample decided last, or -1 */
	double started;         /* when review mode was last turned on */
	double active;          /* seconds spent reviewing before that */
};

/* review_plays_with: the feed plays through the preview pane, above it,
 * without naming it. */
static unsigned (*play)(struct app *);

void
review_plays_with(unsigned (*fn)(struct app *))
{
	play = fn;
}

static struct review *
state(struct app *app)
{
	struct review *r = app->review;

	if (r == NULL) {
		r = app->review = xcalloc(1, sizeof *r);
		r->last = -1;
	}
	return r;
}

static void
show(struct app *app)
{
	struct review *r = state(app);
	const struct view *v = &app->view;
	size_t left = v->lv.n ? v->lv.n - v->lv.sel : 0;
	double seconds = r->active + (r->on ? now_seconds() - r->started : 0);
	char rate[48] = "";

	if (!r->on) {
		ui_status(app, STATUS_REVIEW, NULL);
		return;
	}
	/* At the last row, decided: nothing is left. */
	if (left > 0 && r->last >= 0 && view_selected(v) == r->last)
		left--;
	/* A pace over the first few seconds says little. */
	if (r->reviewed > 0 && seconds >= 1)
		snprintf(rate, sizeof rate, " · %.0f clips/h", r->reviewed * 3600 / seconds);
	ui_status(app, STATUS_REVIEW, "review: %zu reviewed · %zu left%s", r->reviewed,
	    left, rate);
}

static void
refresh_status(struct app *app, void *arg)
{
	struct review *r = arg;

	r->refreshing = 0;
	if (!r->on)
		return;
	show(app);
	ui_redraw(app, REDRAW_STATUS);
	r->refreshing = 1;
	ui_after(app, REFRESH_SECONDS, refresh_status, r);
}

/* `V`: review mode on / off. */
static unsigned
cmd_review(struct app *app, int arg)
{
	struct review *r = state(app);

	r->on = !r->on;
	if (r->on) {
		r->started = now_seconds();
		ui_message(app, "review mode: each decision moves to the next sample "
		    "and plays it (V: off)");
		if (!r->refreshing) {
			r->refreshing = 1;
			ui_after(app, REFRESH_SECONDS, refresh_status, r);
		}
	} else {
		r->active += now_seconds() - r->started;
		ui_message(app, "review mode off");
	}
	show(app);
	return REDRAW_STATUS;
}

void
review_decided(struct app *app, size_t sample)
{
	struct review *r = app->review;
	struct view *v = &app->view;

	if (r == NULL || !r->on)
		return;
	r->reviewed++;
	r->last = (long)sample;
	/* From the decided sample's row, which a prompt may have left
	 * behind the cursor. */
	if (view_select_sample(v, (uint32_t)sample) && v->lv.sel + 1 < v->lv.n) {
		listpos_move(&v->lv, 1);
		ui_redraw(app, (play != NULL ? play(app) : REDRAW_NONE) | REDRAW_FILES);
	} else {
		ui_message(app, "review: that was the last sample shown");
	}
	show(app);
	ui_redraw(app, REDRAW_STATUS);
}

void
review_end(struct app *app)
{
	free(app->review);
	app->review = NULL;
}

const struct command_handler review_commands[] = {
	{ "review", cmd_review },
	{ NULL, NULL },
};
