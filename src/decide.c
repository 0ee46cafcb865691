/* decide.c — decisions in the browser, journalled (decide.h).
 *
 * The journal is opened on a worker (it may be large, and it is read from
 * disk), then replayed into app->annot on the UI thread. Each decision key
 * queues a draft; one at a time, a worker hashes the file and appends the
 * entry with fsync, and only its done callback, back on the UI thread,
 * commits the entry in memory and shows the decision. So the screen never
 * shows a decision the disk does not have, and the UI never waits on disk. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "annot.h"
#include "dataset.h"
#include "decide.h"
#include "journal.h"
#include "ui.h"
#include "util.h"
#include "worker.h"

struct pending {
	struct pending *next;
	struct app *app;
	struct journal *j;      /* the writer reads only its fd, file and user */
	int rootfd;
	struct journal_draft d; /* strings below, owned */
	char *path, *label, *to, *reason, *note;
	char sha256[65];
	long sample;            /* the sample decided on (-1 for an undo) */
	uint32_t id;
	char at[24];
	char *cause;            /* the write failed */
};

struct decide {
	struct journal *j;      /* NULL while loading, or when refused */
	char *refused;          /* why decisions cannot be made */
	char *where;            /* the journal's path, for the status line */
	int fallback;           /* in $XDG_STATE_HOME: the dataset is read-only */
	struct pending *head, *tail;    /* queued, in order */
	struct pending *writing;        /* with the worker */
	size_t counts[JOP_NOTE];        /* standing decisions by op */
	size_t missing;         /* standing decisions on paths not in the dataset */
};

static void pump(struct app *app);

static void
pending_free(struct pending *p)
{
	free(p->path);
	free(p->label);
	free(p->to);
	free(p->reason);
	free(p->note);
	free(p->cause);
	free(p);
}

static const char *
shown(struct buf *b, const char *s)
{
	b->len = 0;
	escape_name(b, s);
	return buf_str(b);
}

static void
update_status(struct app *app)
{
	struct decide *d = app->journal;
	static const char letters[JOP_NOTE] = { 'R', 'D', 'A', 'F' };
	struct buf b = { 0 };
	size_t total = 0, i;

	if (d == NULL)
		return;
	if (d->refused) {
		ui_status(app, STATUS_JOURNAL, "journal refused: decisions off");
		return;
	}
	if (d->j == NULL) {
		ui_status(app, STATUS_JOURNAL, "journal loading…");
		return;
	}
	for (i = 0; i < JOP_NOTE; i++)
		total += d->counts[i];
	buf_addf(&b, "%zu decision%s", total, total == 1 ? "" : "s");
	if (total) {
		buf_adds(&b, " (");
		for (i = 0; i < JOP_NOTE; i++)
			if (d->counts[i])
				buf_addf(&b, "%s%c%zu", b.data[b.len - 1] == '(' ? "" : " ",
				    letters[i], d->counts[i]);
		buf_adds(&b, ")");
	}
	if (d->writing || d->head)
		buf_adds(&b, " saving…");
	buf_addf(&b, " · journal %s", d->where);
	if (d->fallback)
		buf_adds(&b, " (dataset read-only)");
	if (d->missing)
		buf_addf(&b, " · %zu on files not in the dataset", d->missing);
	ui_status(app, STATUS_JOURNAL, "%s", buf_str(&b));
	buf_free(&b);
}

/* The journal's path as people read it: relative to the dataset when in it,
 * ~ for the home folder. */
static char *
where(const struct dataset *ds, const char *file)
{
	const char *home = getenv("HOME");
	size_t n = strlen(ds->root);
	struct buf b = { 0 };
	char *s;

	if (strncmp(file, ds->root, n) == 0 && file[n] == '/')
		escape_name(&b, file + n + 1);
	else if (home && *home && strncmp(file, home, strlen(home)) == 0 &&
	    file[strlen(home)] == '/') {
		buf_addc(&b, '~');
		escape_name(&b, file + strlen(home));
	} else
		escape_name(&b, file);
	s = xstrdup(buf_str(&b));
	buf_free(&b);
	return s;
}

/* ---- writing, one decision at a time ---- */

static void
write_run(void *arg)
{
	struct pending *p = arg;
	/* The decision records the bytes it was made on. */
	if (p->d.op != JOP_NOTE && p->d.op != JOP_UNDO) {
		if (journal_sha256(p->rootfd, p->path, p->sha256) != 0) {
			p->cause = xasprintf("cannot read %s: %s", p->path, strerror(errno));
			return;
		}
		p->d.sha256 = p->sha256;
	}
	journal_write_draft(p->j, &p->d, p->id, p->at, &p->cause);
}

static enum decision
decision_of(const struct journal_entry *e)
{
	if (e == NULL)
		return DECISION_NONE;
	switch (e->op) {
	case JOP_RELABEL: return DECISION_RELABEL;
	case JOP_DELETE: return DECISION_DELETE;
	case JOP_ACCEPT: return DECISION_ACCEPT;
	case JOP_FLAG: return DECISION_FLAG;
	default: return DECISION_NONE;
	}
}

static void
count(struct decide *d, const struct journal_entry *e, int delta)
{
	if (e != NULL && e->op < JOP_NOTE)
		d->counts[e->op] += (size_t)delta;
}

static void
write_done(void *arg, int cancelled)
{
	struct pending *p = arg;
	struct app *app = p->app;
	struct decide *d = app->journal;
	const struct journal_entry *before, *after;
	struct buf b = { 0 };
	long s;

	if (cancelled) {
		/* Quitting: the entry may be on disk; the screen is gone. */
		if (d)
			d->writing = NULL;
		pending_free(p);
		return;
	}
	d->writing = NULL;
	if (p->cause) {
		ui_error(app, "not saved: %s", p->cause);
		pending_free(p);
		update_status(app);
		pump(app);
		return;
	}
	before = journal_standing(d->j, p->path);
	count(d, before, -1);
	journal_commit(d->j, &p->d, p->id, p->at);
	after = journal_standing(d->j, p->path);
	count(d, after, +1);
	s = p->sample >= 0 ? p->sample : dataset_find(app->ds, p->path);
	if (s >= 0) {
		journal_annotate_one(d->j, app->ds, &app->annot, (size_t)s);
		confusion_changed(app, s);
	} else if ((before == NULL) != (after == NULL))
		d->missing += after ? 1 : (size_t)-1;

	shown(&b, p->path);
	switch (p->d.op) {
	case JOP_RELABEL:
		ui_message(app, "relabelled %s: %s → %s", buf_str(&b), p->label, p->to);
		break;
	case JOP_DELETE:
		ui_message(app, "to delete: %s", buf_str(&b));
		break;
	case JOP_ACCEPT:
		ui_message(app, "accepted: %s (%s)", buf_str(&b), p->label);
		break;
	case JOP_FLAG:
		ui_message(app, "flagged for the rogues gallery: %s", buf_str(&b));
		break;
	case JOP_NOTE:
		ui_message(app, "note added: %s", buf_str(&b));
		break;
	case JOP_UNDO:
		ui_message(app, "undone: %s of %s%s", p->label, buf_str(&b),
		    decision_of(after) != DECISION_NONE ? " (the decision before it stands)" : "");
		break;
	case JOP_COUNT:
		break;
	}
	buf_free(&b);
	pending_free(p);
	ui_annotations_changed(app);
	ui_redraw(app, REDRAW_FILES | REDRAW_STATUS | REDRAW_CONFUSION);
	update_status(app);
	pump(app);
}

/* Hand the next queued decision to a worker, when none is being written. */
static void
pump(struct app *app)
{
	struct decide *d = app->journal;
	struct pending *p;

	while (d->writing == NULL && d->head != NULL && d->j != NULL) {
		p = d->head;
		if ((d->head = p->next) == NULL)
			d->tail = NULL;
		p->next = NULL;
		if (p->d.op == JOP_UNDO) {
			/* What to undo is known only now, after the decisions
			 * queued before this undo are in. */
			const struct journal_entry *t = journal_last_undoable(d->j);
			if (t == NULL) {
				ui_message(app, "nothing to undo");
				pending_free(p);
				continue;
			}
			p->d.target = t->id;
			p->path = xstrdup(journal_str(d->j, t->path));
			p->label = xstrdup(journal_op_name(t->op));
		}
		p->j = d->j;
		p->rootfd = app->ds->rootfd;
		p->id = journal_next_id(d->j);
		utc_now(p->at, sizeof p->at);
		p->d.path = p->d.op == JOP_UNDO ? NULL : p->path;
		p->d.label = p->d.op == JOP_UNDO ? NULL : p->label;
		p->d.to = p->to;
		p->d.reason = p->reason;
		p->d.note = p->note;
		d->writing = p;
		worker_submit(app->workers, WORKER_URGENT, write_run, write_done, p);
	}
	update_status(app);
}

static int
ready(struct app *app)
{
	struct decide *d = app->journal;
	if (app->ds == NULL || d == NULL) {
		ui_message(app, "the dataset is still loading");
		return 0;
	}
	if (d->refused) {
		ui_error(app, "no decisions: %s", d->refused);
		return 0;
	}
	if (d->j == NULL) {
		ui_message(app, "the journal is still loading");
		return 0;
	}
	return 1;
}

/* The label a sample has now, decisions included. */
static unsigned
current_label(const struct app *app, size_t i)
{
	if (app->annot.decision && app->annot.decision[i] == DECISION_RELABEL &&
	    app->annot.relabel_to)
		return app->annot.relabel_to[i];
	return app->ds->samples[i].label;
}

/* A check that found something on the sample, as the decision's reason: for
 * a relabel the suspect-label finding, else the first. */
static const char *
reason_for(const struct app *app, size_t i, enum journal_op op)
{
	uint32_t f = app->annot.findings ? app->annot.findings[i] : 0;
	int c;
	if (op == JOP_RELABEL && (f & (1u << CHECK_SUSPECT_LABEL)))
		return check_name(CHECK_SUSPECT_LABEL);
	for (c = 0; c < CHECK_COUNT; c++)
		if (f & (1u << c))
			return check_name((enum check_id)c);
	return NULL;
}

static void
queue(struct app *app, enum journal_op op, size_t i, const char *to, const char *note)
{
	struct decide *d = app->journal;
	struct pending *p = xcalloc(1, sizeof *p);
	const char *reason = reason_for(app, i, op);

	p->app = app;
	p->d.op = op;
	p->sample = (long)i;
	p->path = xstrdup(sample_path(app->ds, i));
	p->label = xstrdup(dataset_label_name(app->ds, app->ds->samples[i].label));
	p->to = to ? xstrdup(to) : NULL;
	p->reason = reason && op != JOP_NOTE ? xstrdup(reason) : NULL;
	p->note = note && *note ? xstrdup(note) : NULL;
	if (d->tail)
		d->tail->next = p;
	else
		d->head = p;
	d->tail = p;
	pump(app);
}

static long
selected(struct app *app)
{
	long i = ui_selected(app);
	if (i < 0)
		ui_message(app, "no sample selected");
	return i;
}

static unsigned
decide_simple(struct app *app, enum journal_op op)
{
	long i;
	if (!ready(app) || (i = selected(app)) < 0)
		return REDRAW_STATUS;
	queue(app, op, (size_t)i, NULL, NULL);
	return REDRAW_STATUS;
}

unsigned
decide_delete(struct app *app)
{
	return decide_simple(app, JOP_DELETE);
}

unsigned
decide_accept(struct app *app)
{
	return decide_simple(app, JOP_ACCEPT);
}

unsigned
decide_flag(struct app *app)
{
	return decide_simple(app, JOP_FLAG);
}

unsigned
decide_undo(struct app *app)
{
	struct decide *d = app->journal;
	struct pending *p;
	if (!ready(app))
		return REDRAW_STATUS;
	p = xcalloc(1, sizeof *p);
	p->app = app;
	p->d.op = JOP_UNDO;
	p->sample = -1;
	if (d->tail)
		d->tail->next = p;
	else
		d->head = p;
	d->tail = p;
	pump(app);
	return REDRAW_STATUS;
}

/* ---- relabel ---- */

/* Could this be a label folder's name? */
static const char *
bad_label(const char *s)
{
	if (*s == '\0')
		return "an empty label";
	if (strchr(s, '/'))
		return "a label with '/' (a label is a folder name)";
	if (s[0] == '.')
		return "a label starting with '.' (hidden folder)";
	if (s[0] == '_')
		return "a label starting with '_' (such folders are not labels)";
	if (!utf8_valid(s, strlen(s)))
		return "a label that is not UTF-8 text";
	return NULL;
}

static void
relabel(struct app *app, size_t i, const char *to, const char *note)
{
	const char *why;
	struct buf b = { 0 };
	if ((why = bad_label(to)) != NULL) {
		ui_error(app, "cannot relabel to %s: %s", shown(&b, to), why);
	} else if (current_label(app, i) == (unsigned)dataset_label_find(app->ds, to)) {
		if (note != NULL)
			queue(app, JOP_NOTE, i, NULL, note);
		else
			ui_message(app, "%s is labelled %s already",
			    shown(&b, sample_path(app->ds, i)), to);
	} else {
		queue(app, JOP_RELABEL, i, to, note);
	}
	buf_free(&b);
}

struct ask {
	size_t sample;
	char *dflt;             /* Enter alone: the predicted label, or NULL */
	char *to, *note;        /* for the confirmation of a new label */
};

static void
ask_free(struct ask *a)
{
	free(a->dflt);
	free(a->to);
	free(a->note);
	free(a);
}

static void
new_label_done(struct app *app, int yes, void *arg)
{
	struct ask *a = arg;
	if (yes && app->ds != NULL)
		relabel(app, a->sample, a->to, a->note);
	else
		ui_message(app, "not relabelled");
	ask_free(a);
}

static char *
trimmed(const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return xstrndup(s, n);
}

/* "LABEL", "LABEL # NOTE" or "# NOTE". */
static void
relabel_done(struct app *app, const char *text, void *arg)
{
	struct ask *a = arg;
	const char *hash;
	char *label, *note = NULL;

	if (text == NULL || app->ds == NULL || !ready(app)) {
		ask_free(a);
		return;
	}
	hash = text[0] == '#' ? text : strstr(text, " #");
	if (hash) {
		label = trimmed(text, (size_t)(hash - text));
		hash += hash[0] == '#' ? 1 : 2;
		note = trimmed(hash, strlen(hash));
	} else {
		label = trimmed(text, strlen(text));
	}
	if (*label == '\0' && a->dflt && (note == NULL || *note == '\0' || text[0] != '#')) {
		free(label);
		label = xstrdup(a->dflt);
	}
	if (*label == '\0') {
		if (note && *note)
			queue(app, JOP_NOTE, a->sample, NULL, note);
		else
			ui_message(app, "not relabelled");
		free(label);
		free(note);
		ask_free(a);
		return;
	}
	if (note && *note == '\0') {
		free(note);
		note = NULL;
	}
	if (dataset_label_find(app->ds, label) < 0 && bad_label(label) == NULL) {
		char *q = xasprintf("%s is a new label: create it?", label);
		a->to = label;
		a->note = note;
		if (ui_confirm(app, q, new_label_done, a) != 0)
			ask_free(a);
		free(q);
		return;
	}
	relabel(app, a->sample, label, note);
	free(label);
	free(note);
	ask_free(a);
}

unsigned
decide_relabel_prompt(struct app *app)
{
	struct ask *a;
	const char **cands;
	size_t n = 0, k;
	unsigned cur, pred = LABEL_NONE;
	long i;
	char *label;

	if (!ready(app) || (i = selected(app)) < 0)
		return REDRAW_STATUS;
	cur = current_label(app, (size_t)i);
	if (app->annot.pred && app->annot.pred[i] != LABEL_NONE &&
	    app->annot.pred[i] < app->ds->nlabels && app->annot.pred[i] != cur)
		pred = app->annot.pred[i];
	cands = xmalloc((app->ds->nlabels + 1) * sizeof *cands);
	if (pred != LABEL_NONE)
		cands[n++] = app->ds->labels[pred];
	for (k = 0; k < app->ds->nlabels; k++)
		if (k != cur && k != pred && bad_label(app->ds->labels[k]) == NULL)
			cands[n++] = app->ds->labels[k];
	a = xcalloc(1, sizeof *a);
	a->sample = (size_t)i;
	a->dflt = pred != LABEL_NONE ? xstrdup(app->ds->labels[pred]) : NULL;
	label = a->dflt ? xasprintf("relabel to (Enter: %s): ", a->dflt) :
	    xstrdup("relabel to: ");
	if (ui_prompt(app, label, "", cands, n, 0, relabel_done, a) != 0)
		ask_free(a);
	free(label);
	free(cands);
	return REDRAW_ALL;
}

unsigned
decide_relabel_nth(struct app *app, int n)
{
	long i;
	if (!ready(app) || (i = selected(app)) < 0)
		return REDRAW_STATUS;
	if (n < 1 || (size_t)n > app->ds->nlabels) {
		ui_message(app, "there is no label %d (%zu labels)", n, app->ds->nlabels);
		return REDRAW_STATUS;
	}
	relabel(app, (size_t)i, app->ds->labels[n - 1], NULL);
	return REDRAW_STATUS;
}

/* ---- notes ---- */

static void
note_done(struct app *app, const char *text, void *arg)
{
	struct ask *a = arg;
	char *note = text ? trimmed(text, strlen(text)) : NULL;
	if (note && *note && app->ds && ready(app))
		queue(app, JOP_NOTE, a->sample, NULL, note);
	free(note);
	ask_free(a);
}

unsigned
decide_note(struct app *app)
{
	struct ask *a;
	long i;
	if (!ready(app) || (i = selected(app)) < 0)
		return REDRAW_STATUS;
	a = xcalloc(1, sizeof *a);
	a->sample = (size_t)i;
	if (ui_prompt(app, "note: ", "", NULL, 0, 0, note_done, a) != 0)
		ask_free(a);
	return REDRAW_ALL;
}

/* ---- the journal, opened on a worker ---- */

struct opening {
	struct app *app;
	const struct dataset *ds;
	char *file;             /* -j, or NULL */
	struct journal *j;
	char *note, *cause;
	int fallback;
};

static void
open_run(void *arg)
{
	struct opening *o = arg;
	if (o->file == NULL)
		free(journal_default_path(o->ds, &o->fallback));
	o->j = journal_open(o->ds, o->file, &o->note, &o->cause);
}

static void
open_done(void *arg, int cancelled)
{
	struct opening *o = arg;
	struct app *app = o->app;
	struct decide *d = app->journal;

	if (cancelled || d == NULL) {
		journal_free(o->j);
	} else if (o->j == NULL) {
		d->refused = o->cause;
		o->cause = NULL;
		ui_error(app, "journal: %s", d->refused);
	} else {
		d->j = o->j;
		d->where = where(app->ds, d->j->file);
		d->fallback = o->fallback;
		app->annot.n = app->ds->nsamples;
		d->missing = journal_annotate(d->j, app->ds, &app->annot);
		confusion_changed(app, -1);
		journal_counts(d->j, d->counts);
		/* A read-only dataset is noted on the journal's own slot. */
		if (o->note && d->j->torn)
			ui_error(app, "journal: %s", o->note);
		ui_annotations_changed(app);
		ui_redraw(app, REDRAW_ALL);
		pump(app);
	}
	if (d)
		update_status(app);
	free(o->file);
	free(o->note);
	free(o->cause);
	free(o);
}

void
decide_ready(struct app *app)
{
	struct opening *o = xcalloc(1, sizeof *o);
	struct decide *d = xcalloc(1, sizeof *d);

	app->journal = d;
	o->app = app;
	o->ds = app->ds;
	o->file = app->opt.journal ? xstrdup(app->opt.journal) : NULL;
	worker_submit(app->workers, WORKER_URGENT, open_run, open_done, o);
	update_status(app);
}

void
decide_end(struct app *app)
{
	struct decide *d = app->journal;
	struct pending *p, *next;

	if (d == NULL)
		return;
	for (p = d->head; p; p = next) {
		next = p->next;
		pending_free(p);
	}
	journal_free(d->j);
	free(d->refused);
	free(d->where);
	free(d);
	app->journal = NULL;
}
