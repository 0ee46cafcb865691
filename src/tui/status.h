/* status.h — the status line: its slots (ui_status, ui_message and
 * ui_error in ui.h set them) drawn on the bottom border, or the open
 * prompt there instead. */
#ifndef WINNOW_STATUS_H
#define WINNOW_STATUS_H

struct app;

void status_draw(struct app *app);

#endif
