/* colour.h — the colour roles' styles: config.yaml's `colours:` read into
 * them, and the colour pairs set up once the terminal is taken (ui_attr and
 * friends in ui.h give them to the panes). */
#ifndef WINNOW_COLOUR_H
#define WINNOW_COLOUR_H

struct app;

/* Read `colours:` from the settings (settings_load first). Returns 0, or
 * -1 with *cause naming the line. */
int colour_configure(char **cause);
/* Set app->colours from the terminal and NO_COLOR, and the roles' pairs
 * (after initscr). */
void colour_start(struct app *app);
/* Free the table of pairs made by ui_pair. */
void colour_free(void);

#endif
