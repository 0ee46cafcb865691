/* focus.c — what panes, feeds and commands call to steer the browser:
 * redraws, the selection, the focus, annotations' listeners, the file
 * pane's filters (ui.h). It calls no part above it, so that every part
 * may call it. */
#include "config.h"

#include <stdint.h>

#include "ui.h"
#include "util.h"

void
ui_redraw(struct app *app, unsigned what)
{
	app->redraw |= what;
}

long
ui_selected(const struct app *app)
{
	return app->ds ? view_selected(&app->view) : -1;
}

int
ui_select_sample(struct app *app, uint32_t i)
{
	if (app->ds == NULL || !view_select_sample(&app->view, i))
		return 0;
	app->redraw |= REDRAW_FILES;
	return 1;
}

void
ui_focus(struct app *app, enum pane_id id)
{
	/* Both panes may draw themselves differently with the focus. */
	if (id != app->focus)
		app->redraw |= REDRAW_FRAME | (1u << id) | (1u << app->focus);
	app->focus = id;
}

void
ui_annotations_changed(struct app *app)
{
	if (view_uses_annotations(&app->view))
		app->annot_dirty = 1;
	app->redraw |= REDRAW_FILES;
}

void
ui_annotations_subscribe(struct app *app,
    void (*fn)(struct app *, long sample, void *arg), void *arg)
{
	if (app->nlisteners == ANNOT_LISTENERS)
		die("more than %d annotation listeners", ANNOT_LISTENERS);
	app->listeners[app->nlisteners].fn = fn;
	app->listeners[app->nlisteners].arg = arg;
	app->nlisteners++;
}

void
ui_annotations_notify(struct app *app, long sample)
{
	size_t i;
	for (i = 0; i < app->nlisteners; i++)
		app->listeners[i].fn(app, sample, app->listeners[i].arg);
}

int
ui_filter_push(struct app *app, const char *expr, enum sort_key sort, char **cause)
{
	struct filter *f;
	if (app->ds == NULL) {
		set_cause(cause, "still indexing");
		return -1;
	}
	if ((f = filter_parse(app->ds, expr, cause)) == NULL)
		return -1;
	view_push_filter_sorted(&app->view, f, sort);
	app->redraw |= REDRAW_FILES | REDRAW_FRAME;
	return 0;
}

void
ui_filter_push_set(struct app *app, const uint32_t *samples, size_t n,
    const char *title, enum sort_key sort)
{
	if (app->ds == NULL)
		return;
	view_push_filter_sorted(&app->view, filter_from_set(app->ds, samples, n, title), sort);
	app->redraw |= REDRAW_FILES | REDRAW_FRAME;
}

int
ui_filter_pop(struct app *app)
{
	if (!view_pop_filter(&app->view))
		return 0;
	app->redraw |= REDRAW_FILES | REDRAW_FRAME;
	return 1;
}
