/* prompt.h — the line editor on the status line (ui_prompt and ui_confirm
 * in ui.h open it): its keys, its line and its completion menu. */
#ifndef WINNOW_PROMPT_H
#define WINNOW_PROMPT_H

#include <wchar.h>

struct app;

/* A key for the open prompt: wch is a character when is_key is 0. */
void prompt_key(struct app *app, int is_key, wint_t wch);
/* Cancel the open prompt (its function gets NULL, or "no"). */
void prompt_close(struct app *app);
/* The prompt's label and text on row y, with the cursor left in place. */
void prompt_draw_line(struct app *app, int y);
/* The completion menu, above the status line, while there is a choice. */
void prompt_draw_menu(struct app *app);

#endif
