/* status.h — the status line: its slots (ui_status, ui_message and
 * ui_error in ui.h set them) drawn on the bottom border, or the open
 * prompt there instead. */
#ifndef WINNOW_STATUS_H
#define WINNOW_STATUS_H

struct app;

void status_draw(struct app *app);
/* Rows above the status line that the message's full text needs when it
 * is a failure too long for the line (0: none); status_draw_full draws
 * them there, over the panes. */
int status_full_rows(struct app *app);
void status_draw_full(struct app *app);

#endif
