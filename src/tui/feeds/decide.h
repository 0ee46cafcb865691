/* decide.h — decisions in the browser (relabel, delete, accept, flag, note,
 * undo), journalled. The commands r, 1–9, *, d, a, f, m, u call these
 * (decide_commands); each returns REDRAW_ flags (ui.h).
 *
 * A decision is written to the journal and fsync'd on a worker thread, one
 * at a time in the order they were made; only then does the file pane show
 * it and the status line count it. */
#ifndef WINNOW_DECIDE_H
#define WINNOW_DECIDE_H

#include "commands.h"

struct app;

/* Prompt for the new label: completion over the labels, the predicted one
 * first (Enter alone takes it); "LABEL # NOTE" adds a note, "# NOTE" alone
 * is a note. A label the dataset lacks is created after a y/n question. */
unsigned decide_relabel_prompt(struct app *app);
/* Relabel every sample the file pane shows (a cluster's group, a filter):
 * a prompt as for relabel (the label most of them are predicted as, other
 * than their own, first), then a y/n question naming how many samples will
 * change; samples labelled so already or to delete are left out, and
 * counted. The entries are hashed and written as one batch with one fsync,
 * and one undo cancels the whole batch. */
unsigned decide_relabel_shown(struct app *app);
/* Relabel to the Nth (1-based) label of the confusion matrix. */
unsigned decide_relabel_nth(struct app *app, int n);
/* Relabel to the model's prediction (a suspect), or label so a sample
 * that has no label yet. */
unsigned decide_take_prediction(struct app *app);
unsigned decide_delete(struct app *app);
unsigned decide_accept(struct app *app);
unsigned decide_flag(struct app *app);
/* Prompt for a note on the selected sample. */
unsigned decide_note(struct app *app);
/* Cancel the latest decision or note still standing (an undo entry), or
 * the latest batch of relabel-shown (an undo entry for each of its entries,
 * written with one fsync). */
unsigned decide_undo(struct app *app);
/* The dataset is loaded: open the journal, replay it into app->annot. */
void decide_ready(struct app *app);
/* At exit: close the journal, free app->journal. */
void decide_end(struct app *app);
/* The commands above, by name (commands.h). */
extern const struct command_handler decide_commands[];

#endif
