/* layout.h — where the panes go on the screen, and drawing a frame: the
 * borders with the panes' titles and footers, the status line, the panes
 * asked to redraw, and the overlays over them. */
#ifndef WINNOW_LAYOUT_H
#define WINNOW_LAYOUT_H

#include "commands.h"

struct app;

/* Place the panes for the terminal's size (COLS × LINES) and the chosen
 * bottom pane; every pane is resized and everything redrawn. */
void layout_place(struct app *app);
/* Draw what app->redraw asks for, and update the screen. */
void layout_draw(struct app *app);
/* next-pane, prev-pane and cluster (commands.h). */
extern const struct command_handler layout_commands[];

#endif
