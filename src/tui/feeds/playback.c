/* playback.c — Space, `n`, the playback cursor and the status line. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataset.h"
#include "player.h"
#include "playback.h"
#include "ui.h"
#include "util.h"

/* The cursor moves this often while a clip plays. */
#define TICK_SECONDS (1.0 / 30)

struct playback {
	struct app *app;
	struct player *player;
	int news[2];            /* the player thread writes a byte, the event
	                           loop wakes (the worker pool may be gone
	                           before the player at exit) */
	unsigned id;            /* the clip asked for last */
	long sample;            /* its sample while it is queued or playing,
	                           else -1 */
	int autoplay;
	int ticking;            /* a tick is scheduled */
};

/* Player thread: wake the event loop. A full pipe already will. */
static void
player_news(void *arg)
{
	struct playback *pb = arg;
	char c = 0;

	if (write(pb->news[1], &c, 1) < 0 && errno != EAGAIN)
		return;
}

static void on_news(struct app *app, int fd, void *arg);

struct playback *
playback_new(struct app *app)
{
	struct playback *pb = xcalloc(1, sizeof *pb);

	pb->app = app;
	pb->sample = -1;
	pb->news[0] = pb->news[1] = -1;
	return pb;
}

void
playback_start_device(struct playback *pb)
{
	if (pb->player != NULL)
		return;
	if (pipe2(pb->news, O_CLOEXEC | O_NONBLOCK) != 0)
		die("pipe: %s", strerror(errno));
	ui_watch_fd(pb->app, pb->news[0], on_news, pb);
	pb->player = player_open(player_news, pb);
}

void
playback_free(struct playback *pb)
{
	if (pb == NULL)
		return;
	/* Joins the player thread: nothing writes to the pipe after this. */
	player_close(pb->player);
	if (pb->news[0] >= 0) {
		ui_unwatch_fd(pb->app, pb->news[0]);
		close(pb->news[0]);
		close(pb->news[1]);
	}
	free(pb);
}

static int
is_clip(const struct playback *pb, long sample)
{
	const struct dataset *ds = pb->app->ds;
	return ds != NULL && sample >= 0 && (size_t)sample < ds->nsamples &&
	    sample_kind(&ds->samples[sample]) == KIND_AUDIO;
}

/* The player's slot. Autoplay is a mark on it rather than words after
 * it, so that "playing" keeps its place on a narrow status line. Until
 * the first sound is heard (a network sound server can take a second to
 * open a stream) it says so rather than show a clock standing at 0. */
static void
show_status(struct playback *pb)
{
	struct player_status st;
	const char *mark = pb->autoplay ? "autoplay " : "";

	if (pb->player == NULL) {
		ui_status(pb->app, STATUS_PLAYER, pb->autoplay ? "autoplay on" : NULL);
		return;
	}
	player_status(pb->player, &st);
	if (pb->sample >= 0 && st.state == PLAYER_PLAYING && st.position > 0)
		ui_status(pb->app, STATUS_PLAYER, "%splaying %.2f/%.2f s", mark,
		    st.position, st.duration);
	else if (pb->sample >= 0)
		ui_status(pb->app, STATUS_PLAYER, "%sconnecting to the sound device…", mark);
	else
		ui_status(pb->app, STATUS_PLAYER, pb->autoplay ? "autoplay on" : NULL);
}

static void
tick(struct app *app, void *arg)
{
	struct playback *pb = arg;

	pb->ticking = 0;
	show_status(pb);
	ui_redraw(app, REDRAW_PREVIEW | REDRAW_STATUS);
	if (pb->sample >= 0) {
		pb->ticking = 1;
		ui_after(app, TICK_SECONDS, tick, pb);
	}
}

/* Say why a clip does not play. */
static void
play_failed(struct playback *pb, const struct player_status *st)
{
	if (st->device == PLAYER_NO_DEVICE)
		ui_error(pb->app, "%s: clips cannot play here (to hear them over SSH, "
		    "see winnow(1))", st->message);
	else
		ui_error(pb->app, "cannot play %s: %s", sample_path(pb->app->ds, pb->sample),
		    st->message);
	pb->sample = -1;
}

static void
start(struct playback *pb, long sample)
{
	const struct dataset *ds = pb->app->ds;
	struct player_status st;

	playback_start_device(pb);
	pb->id = player_play(pb->player, ds->rootfd, sample_path(ds, sample));
	pb->sample = sample;
	/* Without a device the request fails at once. */
	player_status(pb->player, &st);
	if (st.id == pb->id && st.state == PLAYER_FAILED) {
		play_failed(pb, &st);
		show_status(pb);
		return;
	}
	if (!pb->ticking) {
		pb->ticking = 1;
		ui_after(pb->app, TICK_SECONDS, tick, pb);
	}
	show_status(pb);
}

static void
stop(struct playback *pb)
{
	if (pb->player != NULL)
		player_stop(pb->player);
	pb->sample = -1;
	show_status(pb);
}

/* The first clip after `sample` in the file pane's order, or -1. */
static long
next_clip(struct playback *pb, long sample)
{
	const struct view *v = &pb->app->view;
	size_t r, at = v->lv.n;

	for (r = 0; r < v->lv.n; r++)
		if (v->rows[r] == (uint32_t)sample) {
			at = r;
			break;
		}
	/* The clip is no longer shown (a filter changed): go on from the
	 * selection. */
	if (at == v->lv.n)
		at = v->lv.sel;
	for (r = at + 1; r < v->lv.n; r++)
		if (is_clip(pb, (long)v->rows[r]))
			return (long)v->rows[r];
	return -1;
}

/* UI thread: the player's state changed by itself. */
static void
on_news(struct app *app, int fd, void *arg)
{
	struct playback *pb = arg;
	struct player_status st;
	char drain[64];
	long ended, next;

	while (read(fd, drain, sizeof drain) > 0)
		;
	player_status(pb->player, &st);
	if (st.id != pb->id || pb->sample < 0) {
		show_status(pb);
		return;
	}
	switch (st.state) {
	case PLAYER_FAILED:
		play_failed(pb, &st);
		break;
	case PLAYER_ENDED:
		ended = pb->sample;
		pb->sample = -1;
		if (pb->autoplay) {
			if ((next = next_clip(pb, ended)) >= 0) {
				ui_select_sample(app, (uint32_t)next);
				start(pb, next);
			} else
				ui_message(app, "autoplay: no clip after this one");
		}
		break;
	default:
		break;
	}
	show_status(pb);
	ui_redraw(app, REDRAW_PREVIEW | REDRAW_STATUS);
}

unsigned
playback_toggle(struct playback *pb, long sample)
{
	if (pb->sample >= 0 && pb->sample == sample) {
		stop(pb);
		return REDRAW_PREVIEW | REDRAW_STATUS;
	}
	if (!is_clip(pb, sample)) {
		ui_message(pb->app, sample < 0 ? "nothing to play" : "not a clip: nothing to play");
		return REDRAW_STATUS;
	}
	start(pb, sample);
	return REDRAW_PREVIEW | REDRAW_STATUS;
}

unsigned
playback_play(struct playback *pb, long sample)
{
	if (is_clip(pb, sample))
		start(pb, sample);
	else
		stop(pb);
	return REDRAW_PREVIEW | REDRAW_STATUS;
}

unsigned
playback_autoplay_toggle(struct playback *pb)
{
	pb->autoplay = !pb->autoplay;
	ui_message(pb->app, pb->autoplay ? "autoplay on" : "autoplay off");
	show_status(pb);
	return REDRAW_STATUS;
}

unsigned
playback_selected(struct playback *pb, long sample)
{
	if (pb->sample < 0 || sample == pb->sample)
		return REDRAW_NONE;
	if (is_clip(pb, sample))
		start(pb, sample);
	else
		stop(pb);
	return REDRAW_PREVIEW | REDRAW_STATUS;
}

double
playback_cursor(struct playback *pb, long sample)
{
	struct player_status st;

	if (pb->player == NULL || sample < 0 || sample != pb->sample)
		return -1;
	player_status(pb->player, &st);
	if (st.id != pb->id || st.state != PLAYER_PLAYING || st.duration <= 0)
		return -1;
	return st.position / st.duration;
}
