/* decide-shown.c — relabel-shown: every sample the file pane shows, to one
 * label, asked for and confirmed with its count, then queued as one batch
 * by decide.c. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "annot.h"
#include "dataset.h"
#include "decide.h"
#include "decide-private.h"
#include "ui.h"
#include "util.h"

struct shown_ask {
	uint32_t *samples;      /* the rows when the command was given */
	size_t n;
	char *dflt;             /* Enter alone: the prediction most of them have */
	char *to;
};

static void
shown_ask_free(struct shown_ask *a)
{
	free(a->samples);
	free(a->dflt);
	free(a->to);
	free(a);
}

static void
shown_confirm_done(struct app *app, int yes, void *arg)
{
	struct shown_ask *a = arg;

	if (!yes || app->ds == NULL || !decide_can(app)) {
		if (!yes)
			ui_message(app, "not relabelled");
		shown_ask_free(a);
		return;
	}
	decide_queue_shown(app, a->to, a->samples, a->n);
	a->to = NULL;
	a->samples = NULL;
	shown_ask_free(a);
}

/* The label is typed: say how many samples it will relabel, and ask. */
static void
shown_label_done(struct app *app, const char *text, void *arg)
{
	struct shown_ask *a = arg;
	size_t k, n[3] = { 0 };
	char *label, *q, num[32], all[32];
	const char *why;
	struct buf b = { 0 };
	int to;

	if (text == NULL || app->ds == NULL || !decide_can(app)) {
		shown_ask_free(a);
		return;
	}
	label = decide_trimmed(text, strlen(text));
	if (*label == '\0' && a->dflt) {
		free(label);
		label = xstrdup(a->dflt);
	}
	if (*label == '\0') {
		ui_message(app, "not relabelled");
		goto out;
	}
	if ((why = decide_bad_label(label)) != NULL) {
		ui_error(app, "cannot relabel to %s: %s", escaped_name(&b, label), why);
		goto out;
	}
	to = dataset_label_find(app->ds, label);
	for (k = 0; k < a->n; k++)
		n[decide_skip_of(app, a->samples[k], to)]++;
	if (n[SKIP_NOT] == 0) {
		buf_adds(&b, "nothing to relabel");
		decide_skipped(&b, n[SKIP_SAME], n[SKIP_DELETED], label);
		ui_message(app, "%s", buf_str(&b));
		goto out;
	}
	/* The count first: a narrow status line cuts the end. */
	ui_count(num, sizeof num, n[SKIP_NOT]);
	ui_count(all, sizeof all, a->n);
	if (n[SKIP_NOT] == a->n)
		buf_addf(&b, "relabel %s shown sample%s to %s", num, a->n == 1 ? "" : "s",
		    label);
	else
		buf_addf(&b, "relabel %s of %s shown samples to %s", num, all, label);
	if (to < 0)
		buf_adds(&b, ", a new label");
	decide_skipped(&b, n[SKIP_SAME], n[SKIP_DELETED], label);
	buf_addc(&b, '?');
	q = xstrdup(buf_str(&b));
	a->to = label;
	label = NULL;
	if (ui_confirm(app, q, shown_confirm_done, a) != 0)
		shown_ask_free(a);
	free(q);
	buf_free(&b);
	return;
out:
	free(label);
	buf_free(&b);
	shown_ask_free(a);
}

unsigned
decide_relabel_shown(struct app *app)
{
	struct dataset *ds = app->ds;
	struct shown_ask *a;
	const char **cands;
	size_t n = app->view.lv.n, k, c = 0, *votes;
	unsigned cur, common = LABEL_NONE, best = LABEL_NONE;
	char *label, num[32];
	int mixed = 0;
	uint32_t i;

	if (!decide_can(app))
		return REDRAW_STATUS;
	if (n == 0) {
		ui_message(app, "no samples shown");
		return REDRAW_STATUS;
	}
	/* Offer first the label the model gives most of them instead of
	 * theirs: a wrong group is usually another class. */
	votes = xcalloc(ds->nlabels + 1, sizeof *votes);
	for (k = 0; k < n; k++) {
		i = app->view.rows[k];
		cur = decide_current_label(app, i);
		if (k == 0)
			common = cur;
		else if (cur != common)
			mixed = 1;
		if (app->annot.pred && app->annot.pred[i] < ds->nlabels &&
		    app->annot.pred[i] != cur)
			votes[app->annot.pred[i]]++;
	}
	for (k = 0; k < ds->nlabels; k++)
		if (votes[k] && (best == LABEL_NONE || votes[k] > votes[best]))
			best = (unsigned)k;
	free(votes);
	/* The label they all have already is no choice. */
	cands = xmalloc((ds->nlabels + 1) * sizeof *cands);
	if (best != LABEL_NONE)
		cands[c++] = ds->labels[best];
	for (k = 0; k < ds->nlabels; k++)
		if ((k != common || mixed) && k != best && decide_bad_label(ds->labels[k]) == NULL)
			cands[c++] = ds->labels[k];
	a = xcalloc(1, sizeof *a);
	a->samples = xmalloc(n * sizeof *a->samples);
	memcpy(a->samples, app->view.rows, n * sizeof *a->samples);
	a->n = n;
	a->dflt = best != LABEL_NONE ? xstrdup(ds->labels[best]) : NULL;
	ui_count(num, sizeof num, n);
	label = a->dflt ? xasprintf("relabel %s shown to (Enter: %s): ", num, a->dflt) :
	    xasprintf("relabel %s shown to: ", num);
	if (ui_prompt(app, label, "", cands, c, 0, shown_label_done, a) != 0)
		shown_ask_free(a);
	free(label);
	free(cands);
	return REDRAW_ALL;
}
