/* audio-view.h — a clip as the preview pane shows it: the waveform or the
 * spectrogram in a rectangle of a curses window, with an info line.
 *
 * audio_view_load runs on a worker thread (decoding and the spectrogram are
 * its slow part); everything else runs on the UI thread. */
#ifndef WINNOW_AUDIO_VIEW_H
#define WINNOW_AUDIO_VIEW_H

#include <curses.h>

struct app;
struct audio_clip;

enum audio_view_mode {
	AUDIO_VIEW_WAVEFORM,
	AUDIO_VIEW_SPECTROGRAM,
};

struct audio_view;

/* Decode path (relative to dirfd) and compute its spectrogram. Thread-safe.
 * Returns a view the caller frees with audio_view_free (on any thread), or
 * NULL with *cause set (audio_decode_at's messages). */
struct audio_view *audio_view_load(int dirfd, const char *path, char **cause);
void audio_view_free(struct audio_view *v);
/* The decoded clip (owned by the view). */
const struct audio_clip *audio_view_clip(const struct audio_view *v);

/* Draw into win's rectangle of h rows × w columns at (y, x): the waveform
 * (a min/max envelope in braille dots, the loudest second highlighted,
 * clipped columns in red, zoomed in — and marked so — when the clip is
 * quiet) or the spectrogram (a heat map over 80 dB below the clip's
 * loudest cell, mel-spaced rows, two per cell), then the info line on the
 * last row. cursor is the playback position as a fraction of the clip
 * (< 0: none). Colours follow app->colours (plain characters and
 * attributes without colour) and app->utf8 (ASCII otherwise). */
void audio_view_draw(struct app *app, WINDOW *win, int y, int x, int h, int w,
    struct audio_view *v, enum audio_view_mode mode, double cursor);

#endif
