/* decide.c — decisions in the browser, journalled (decide.h). */
#include "config.h"

#include "decide.h"
#include "ui.h"

static unsigned
not_yet(struct app *app)
{
	ui_message(app, "decisions: not available yet");
	return REDRAW_STATUS;
}

unsigned
decide_relabel_prompt(struct app *app)
{
	return not_yet(app);
}

unsigned
decide_relabel_nth(struct app *app, int n)
{
	(void)n;
	return not_yet(app);
}

unsigned
decide_delete(struct app *app)
{
	return not_yet(app);
}

unsigned
decide_accept(struct app *app)
{
	return not_yet(app);
}

unsigned
decide_flag(struct app *app)
{
	return not_yet(app);
}

unsigned
decide_undo(struct app *app)
{
	return not_yet(app);
}

void
decide_ready(struct app *app)
{
	(void)app;
}

void
decide_end(struct app *app)
{
	(void)app;
}
