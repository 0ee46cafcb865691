/* ui.c — the browser set up, run and torn down: the panes, the parts
 * without a pane, the terminal, the dataset's scan and the loop, in their
 * order (ui.h). */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "annot.h"
#include "check-feed.h"
#include "colour.h"
#include "commands.h"
#include "dataset.h"
#include "decide.h"
#include "embed-feed.h"
#include "help.h"
#include "layout.h"
#include "loop.h"
#include "pred-feed.h"
#include "prompt.h"
#include "review.h"
#include "scan.h"
#include "terminal.h"
#include "timers.h"
#include "trace.h"
#include "ui.h"
#include "util.h"
#include "worker.h"

/* Parts without a pane, told when the dataset is ready and at exit. */
static const struct part {
	void (*ready)(struct app *);
	void (*end)(struct app *);
} parts[] = {
	{ pred_feed_ready, pred_feed_end },
	{ embed_feed_ready, embed_feed_end },
	{ decide_ready, decide_end },
	{ checks_ready, checks_end },
};

static const struct pane_ops *const pane_ops[PANE_COUNT] = {
	[PANE_FILES] = &files_pane_ops,
	[PANE_PREVIEW] = &preview_pane_ops,
	[PANE_CONFUSION] = &confusion_pane_ops,
	[PANE_CLUSTER] = &cluster_pane_ops,
};

/* ---- the browser's own commands ---- */

/* Esc: close the prompt or overlay. Returns 1 when there was one. */
static int
overlay_close(struct app *app)
{
	if (app->prompt) {
		prompt_close(app);
		return 1;
	}
	if (app->help) {
		help_close(app);
		return 1;
	}
	return 0;
}

static unsigned
cmd_back(struct app *app, int arg)
{
	if (overlay_close(app))
		return REDRAW_NONE;
	if (ui_filter_pop(app))
		return REDRAW_FILES | REDRAW_FRAME;
	return REDRAW_NONE;
}

static unsigned
cmd_redraw(struct app *app, int arg)
{
	clearok(curscr, TRUE);
	return REDRAW_ALL;
}

static unsigned
cmd_quit(struct app *app, int arg)
{
	app->quit = 1;
	return REDRAW_NONE;
}

static const struct command_handler ui_commands[] = {
	{ "back", cmd_back },
	{ "redraw", cmd_redraw },
	{ "quit", cmd_quit },
	{ NULL, NULL },
};

/* Every part's commands, handed to the command table at start. */
static const struct command_handler *const command_tables[] = {
	files_commands, preview_commands, confusion_commands, decide_commands,
	review_commands, layout_commands, help_commands, ui_commands,
};

/* The dataset arrived: the panes and the parts start what needs it. */
static void
dataset_ready(struct app *app)
{
	size_t i;
	for (i = 0; i < PANE_COUNT; i++)
		if (app->panes[i].ops->ready)
			app->panes[i].ops->ready(app, &app->panes[i]);
	for (i = 0; i < ARRAY_SIZE(parts); i++)
		parts[i].ready(app);
	app->redraw |= REDRAW_ALL;
}

static void panes_end(struct app *app);

void
ui_init(struct app *app)
{
	int i;
	memset(app, 0, sizeof *app);
	app->started = now_seconds();
	app->focus = PANE_FILES;
	app->bottom = PANE_CONFUSION;
	app->last_selected = -1;
	for (i = 0; i < PANE_COUNT; i++) {
		app->panes[i].ops = pane_ops[i];
		app->panes[i].id = (enum pane_id)i;
	}
}

int
ui_configure(struct app *app, char **cause)
{
	return colour_configure(cause);
}

int
ui_run(struct app *app)
{
	sigset_t loop_mask, old_mask;
	size_t i;

	if (trace_open(app) != 0)
		return 2;
	sigprocmask(SIG_SETMASK, NULL, &old_mask);
	term_signals_install(&loop_mask);
	term_stderr_to_log();
	term_start(app);
	app->workers = worker_start(0);

	for (i = 0; i < ARRAY_SIZE(command_tables); i++)
		commands_handle(command_tables[i]);
	review_plays_with(preview_play_selected);
	for (i = 0; i < PANE_COUNT; i++)
		if (app->panes[i].ops->init)
			app->panes[i].ops->init(app, &app->panes[i]);
	ui_status(app, STATUS_SCAN, "indexing %s…", app->opt.dataset);
	layout_place(app);
	layout_draw(app);
	trace_event(app, "first-frame", (now_seconds() - app->started) * 1000);
	scan_start(app, dataset_ready);

	loop_run(app, &loop_mask);

	term_end();
	/* Jobs still running finish before anything they use is freed. */
	worker_stop(app->workers);
	app->workers = NULL;
	panes_end(app);
	term_stderr_restore();
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	if (app->fatal) {
		fprintf(stderr, "%s: %s\n", progname, app->fatal);
		return app->exit_status ? app->exit_status : 2;
	}
	if (term_quit_signal()) {
		app->signal = term_quit_signal();
		return 128 + app->signal;
	}
	return app->exit_status;
}

/* End the parts and panes: the player among them, whose audio libraries
 * may still print as they close, so this runs while stderr goes to the log.
 * Safe to call twice. */
static void
panes_end(struct app *app)
{
	size_t i;
	if (app->panes_ended)
		return;
	app->panes_ended = 1;
	for (i = 0; i < ARRAY_SIZE(parts); i++)
		parts[i].end(app);
	for (i = 0; i < PANE_COUNT; i++) {
		struct pane *p = &app->panes[i];
		if (p->ops && p->ops->free)
			p->ops->free(app, p);
		if (p->win)
			delwin(p->win);
		p->win = NULL;
	}
}

void
ui_free(struct app *app)
{
	size_t i;

	panes_end(app);
	while (app->prompt)
		prompt_close(app);
	help_close(app);
	timers_free(app);
	view_free(&app->view);
	annotations_free(&app->annot);
	if (app->ds)
		dataset_free(app->ds);
	app->ds = NULL;
	for (i = 0; i < STATUS_COUNT; i++)
		free(app->status[i]);
	trace_close(app);
	free(app->fatal);
	free(app->opt.dataset);
	free(app->opt.predictions);
	free(app->opt.journal);
	free(app->opt.embeddings);
	free(app->opt.trace);
	memset(&app->opt, 0, sizeof app->opt);
	colour_free();
}
