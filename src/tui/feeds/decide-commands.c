/* decide-commands.c — the decisions' commands (decide.h): what r, 1–9, *,
 * y, d, a, f, u and m do, by name, for the command table. */
#include "config.h"

#include "decide.h"
#include "ui.h"

static unsigned
cmd_relabel(struct app *app, int arg)
{
	return decide_relabel_prompt(app);
}

static unsigned
cmd_relabel_nth(struct app *app, int n)
{
	return decide_relabel_nth(app, n);
}

static unsigned
cmd_relabel_shown(struct app *app, int arg)
{
	return decide_relabel_shown(app);
}

static unsigned
cmd_model_label(struct app *app, int arg)
{
	return decide_take_prediction(app);
}

static unsigned
cmd_delete(struct app *app, int arg)
{
	return decide_delete(app);
}

static unsigned
cmd_accept(struct app *app, int arg)
{
	return decide_accept(app);
}

static unsigned
cmd_flag(struct app *app, int arg)
{
	return decide_flag(app);
}

static unsigned
cmd_undo(struct app *app, int arg)
{
	return decide_undo(app);
}

static unsigned
cmd_note(struct app *app, int arg)
{
	return decide_note(app);
}

#define RELABEL(n) { "relabel-" #n, cmd_relabel_nth }

const struct command_handler decide_commands[] = {
	{ "relabel", cmd_relabel },
	RELABEL(1), RELABEL(2), RELABEL(3), RELABEL(4), RELABEL(5),
	RELABEL(6), RELABEL(7), RELABEL(8), RELABEL(9),
	{ "relabel-shown", cmd_relabel_shown },
	{ "model-label", cmd_model_label },
	{ "delete", cmd_delete },
	{ "accept", cmd_accept },
	{ "flag", cmd_flag },
	{ "undo", cmd_undo },
	{ "note", cmd_note },
	{ NULL, NULL },
};
