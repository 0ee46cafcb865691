/* pane-preview.c — the preview pane: waveform, spectrogram, thumbnail or
 * text of the selected sample, and playback. */
#include "config.h"

#include "ui.h"

static void
preview_draw(struct app *app, struct pane *pane)
{
	werase(pane->win);
	ui_putn(app, pane->win, 0, 0, "preview: …", pane->w);
}

const struct pane_ops preview_pane_ops = {
	.name = "preview",
	.draw = preview_draw,
};

static unsigned
not_yet(struct app *app, const char *what)
{
	ui_message(app, "%s: not available yet", what);
	return REDRAW_STATUS;
}

unsigned
preview_play_toggle(struct app *app)
{
	return not_yet(app, "playback");
}

unsigned
preview_autoplay_toggle(struct app *app)
{
	return not_yet(app, "autoplay");
}

unsigned
preview_cycle_mode(struct app *app)
{
	return not_yet(app, "preview modes");
}
