/* decide.h — decisions in the browser (relabel, delete, accept, flag,
 * undo), journalled. The commands r, 1–9, d, a, f, u call these; each
 * returns REDRAW_ flags (ui.h). */
#ifndef WINNOW_DECIDE_H
#define WINNOW_DECIDE_H

struct app;

unsigned decide_relabel_prompt(struct app *app);
/* Relabel to the Nth (1-based) label of the confusion matrix. */
unsigned decide_relabel_nth(struct app *app, int n);
unsigned decide_delete(struct app *app);
unsigned decide_accept(struct app *app);
unsigned decide_flag(struct app *app);
unsigned decide_undo(struct app *app);
/* The dataset is loaded: open the journal, replay it into app->annot. */
void decide_ready(struct app *app);
/* At exit: close the journal, free app->journal. */
void decide_end(struct app *app);

#endif
