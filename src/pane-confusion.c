/* pane-confusion.c — the confusion matrix pane. */
#include "config.h"

#include "ui.h"

static void
confusion_draw(struct app *app, struct pane *pane)
{
	werase(pane->win);
	ui_putn(app, pane->win, 0, 0, "confusion: …", pane->w);
}

const struct pane_ops confusion_pane_ops = {
	.name = "confusion",
	.draw = confusion_draw,
};
