/* playback.h — playing clips in the browser: Space plays or stops the
 * selected clip, selecting another clip while one plays switches to it,
 * `n` plays the next clip of the list when one ends; the cursor and the
 * status line ("playing 0.42/1.00 s") follow the clip.
 *
 * The preview pane owns one and calls it. UI thread only. The player
 * itself (player.h) starts on first use — by then the event loop runs and
 * stderr goes to the log, where PortAudio's start-up chatter belongs. */
#ifndef WINNOW_PLAYBACK_H
#define WINNOW_PLAYBACK_H

struct app;
struct playback;

/* Returns a new playback; free with playback_free once the event loop
 * has ended (the pane's free()). */
struct playback *playback_new(struct app *app);
void playback_free(struct playback *pb);

/* Start the player now (e.g. when the dataset is ready), so that the
 * first Space does not wait for PortAudio and a missing sound device is
 * known early. Optional. */
void playback_start_device(struct playback *pb);

/* Space on sample `sample` (-1: none): play it, or stop it when it is the
 * clip playing. Returns REDRAW_ flags. */
unsigned playback_toggle(struct playback *pb, long sample);
/* Play `sample` from its start, or stop when it is not a clip. Returns
 * REDRAW_ flags. */
unsigned playback_play(struct playback *pb, long sample);
/* `n`: play the next clip when one ends (toggle). Returns REDRAW_ flags. */
unsigned playback_autoplay_toggle(struct playback *pb);
/* The selection changed to `sample`: while a clip plays, play the new
 * one instead (or stop, when it is not a clip). Returns REDRAW_ flags. */
unsigned playback_selected(struct playback *pb, long sample);
/* Where the cursor of `sample`'s waveform goes: the fraction of the clip
 * heard, or -1 when the sample is not playing. */
double playback_cursor(struct playback *pb, long sample);

#endif
