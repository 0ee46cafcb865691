/* help.h — the help overlay, a list made from the command table with the
 * keys bound to each command (ui_help_open in ui.h opens it). */
#ifndef WINNOW_HELP_H
#define WINNOW_HELP_H

#include "commands.h"

struct app;

void help_draw(struct app *app);
/* A key while the help is open, as the command bound to it (or NULL). */
void help_key(struct app *app, const struct command *c);
void help_close(struct app *app);
/* The command help (commands.h). */
extern const struct command_handler help_commands[];

#endif
