/* decide.c — decisions in the browser, journalled (decide.h).
 *
 * The journal is opened on a worker (it may be large, and it is read from
 * disk), then replayed into app->annot on the UI thread. Each decision key
 * queues a draft; one at a time, a worker hashes the file and appends the
 * entry with fsync, and only its done callback, back on the UI thread,
 * commits the entry in memory and shows the decision. So the screen never
 * shows a decision the disk does not have, and the UI never waits on disk.
 *
 * relabel-shown queues one draft for many samples: a batch, hashed and
 * written with one fsync, its entries naming the batch so that one undo
 * cancels them all (journal_undo_set), in this session or a later one, and
 * closed by an end marker in the same write, so that a crash midway leaves
 * none of it standing. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "annot.h"
#include "dataset.h"
#include "decide.h"
#include "decide-private.h"
#include "hash.h"
#include "journal.h"
#include "review.h"
#include "ui.h"
#include "util.h"
#include "worker.h"

/* One sample of a batch. */
struct item {
	long sample;            /* -1: undo of a path not in the dataset */
	char *path, *label, *reason;
	uint32_t target;        /* undo */
	char sha256[65];
};

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

	/* relabel-shown: the samples shown when it was confirmed, to `to`;
	 * pump makes items of those still to relabel. */
	uint32_t *shown;
	size_t nshown;
	/* A batch (relabel-shown, or the undo of one), ids id, id + 1, … */
	struct item *items;
	size_t nitems;
	struct journal_draft *drafts;   /* the items written, in order */
	size_t *drafted;                /* drafts[k] is of items[drafted[k]] */
	size_t ndrafts;
	size_t same, deleted;           /* left out: labelled so / to delete */
	size_t unreadable;              /* left out: not hashed */
	char *unreadable_cause;         /* the first of them */
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
static size_t relabel_items(struct app *app, struct pending *p);

static void
pending_free(struct pending *p)
{
	size_t k;
	for (k = 0; k < p->nitems; k++) {
		free(p->items[k].path);
		free(p->items[k].label);
		free(p->items[k].reason);
	}
	free(p->items);
	free(p->shown);
	free(p->drafts);
	free(p->drafted);
	free(p->unreadable_cause);
	free(p->path);
	free(p->label);
	free(p->to);
	free(p->reason);
	free(p->note);
	free(p->cause);
	free(p);
}

/* Samples without a label (in a `_` folder, or a manifest row with an
 * empty label) that no relabel or delete decision has settled. */
static size_t
unlabeled_left(const struct app *app)
{
	const uint8_t *dec = app->annot.decision;
	size_t i, n = 0;

	for (i = 0; i < app->ds->nsamples; i++)
		if (app->ds->samples[i].label == LABEL_NONE &&
		    (dec == NULL || i >= app->annot.n ||
		    (dec[i] != DECISION_RELABEL && dec[i] != DECISION_DELETE)))
			n++;
	return n;
}

static void
update_status(struct app *app)
{
	struct decide *d = app->journal;
	static const char letters[JOP_NOTE] = { 'R', 'D', 'A', 'F' };
	struct buf b = { 0 };
	size_t total = 0, i, left;

	if (d == NULL)
		return;
	if (d->refused) {
		ui_status(app, STATUS_JOURNAL, "decisions off: journal refused");
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
	if ((left = unlabeled_left(app)) > 0)
		buf_addf(&b, " · %zu unlabeled", left);
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
		if (sha256_file(p->rootfd, p->path, p->sha256) != 0) {
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

/* An entry is on disk: commit it in memory, count it, and show it on its
 * sample (-1: look the path up). Returns the decision standing after it. */
static enum decision
commit_entry(struct app *app, const struct journal_draft *dr, uint32_t id,
    const char *at, const char *path, long sample)
{
	struct decide *d = app->journal;
	const struct journal_entry *before, *after;

	before = journal_standing(d->j, path);
	count(d, before, -1);
	journal_commit(d->j, dr, id, at);
	after = journal_standing(d->j, path);
	count(d, after, +1);
	if (sample < 0)
		sample = dataset_find(app->ds, path);
	if (sample >= 0) {
		journal_annotate_one(d->j, app->ds, &app->annot, (size_t)sample);
		ui_annotations_notify(app, sample);
	} else if ((before == NULL) != (after == NULL))
		d->missing += after ? 1 : (size_t)-1;
	return decision_of(after);
}

static void
write_done(void *arg, int cancelled)
{
	struct pending *p = arg;
	struct app *app = p->app;
	struct decide *d = app->journal;
	enum decision after;
	struct buf b = { 0 };

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
	after = commit_entry(app, &p->d, p->id, p->at, p->path, p->sample);

	escaped_name(&b, p->path);
	switch (p->d.op) {
	case JOP_RELABEL:
		if (*p->label == '\0')
			ui_message(app, "labelled %s: %s", buf_str(&b), p->to);
		else
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
		    after != DECISION_NONE ? " (the decision before it stands)" : "");
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

/* A batch on a worker: hash each file (one that cannot be read is left out
 * and counted), then write every entry with one fsync. */
static void
batch_run(void *arg)
{
	struct pending *p = arg;
	struct journal_draft *dr;
	struct item *it;
	size_t k;

	p->drafts = xcalloc(p->nitems, sizeof *p->drafts);
	p->drafted = xmalloc(p->nitems * sizeof *p->drafted);
	for (k = 0; k < p->nitems; k++) {
		it = &p->items[k];
		dr = &p->drafts[p->ndrafts];
		dr->op = p->d.op;
		/* An undo of a batch is a batch too: all of it on disk, or none. */
		dr->batch = p->id;
		if (p->d.op == JOP_UNDO) {
			dr->target = it->target;
		} else {
			if (sha256_file(p->rootfd, it->path, it->sha256) != 0) {
				if (p->unreadable++ == 0)
					p->unreadable_cause = xasprintf("cannot read %s: %s",
					    it->path, strerror(errno));
				continue;
			}
			dr->path = it->path;
			dr->label = it->label;
			dr->to = p->to;
			dr->reason = it->reason;
			dr->sha256 = it->sha256;
		}
		p->drafted[p->ndrafts++] = k;
	}
	if (p->ndrafts == 0)
		p->cause = xasprintf("no file could be read (%s)", p->unreadable_cause);
	else
		journal_write_drafts(p->j, p->drafts, p->ndrafts, p->id, p->at, &p->cause);
}

static void
batch_done(void *arg, int cancelled)
{
	struct pending *p = arg;
	struct app *app = p->app;
	struct decide *d = app->journal;
	struct buf b = { 0 };
	char num[32];
	size_t k;

	if (cancelled) {
		if (d)
			d->writing = NULL;
		pending_free(p);
		return;
	}
	d->writing = NULL;
	if (p->cause) {
		ui_error(app, "not saved: %s", p->cause);
	} else {
		for (k = 0; k < p->ndrafts; k++) {
			const struct item *it = &p->items[p->drafted[k]];
			commit_entry(app, &p->drafts[k], p->id + (uint32_t)k, p->at, it->path,
			    it->sample);
		}
		ui_count(num, sizeof num, p->ndrafts);
		if (p->d.op == JOP_UNDO) {
			buf_addf(&b, "undone: %s of %s samples made together", p->label, num);
		} else {
			buf_addf(&b, "relabelled %s sample%s to %s", num,
			    p->ndrafts == 1 ? "" : "s", p->to);
			decide_skipped(&b, p->same, p->deleted, p->to);
		}
		if (p->unreadable) {
			buf_addf(&b, " · %zu unreadable, left as they were (%s)", p->unreadable,
			    p->unreadable_cause);
			ui_error(app, "%s", buf_str(&b));
		} else {
			ui_message(app, "%s", buf_str(&b));
		}
		ui_annotations_changed(app);
		ui_redraw(app, REDRAW_FILES | REDRAW_STATUS | REDRAW_CONFUSION);
	}
	buf_free(&b);
	pending_free(p);
	update_status(app);
	pump(app);
}

/* Make p, an undo, the undo of a batch: one undo entry for each of its
 * entries still standing. */
static void
undo_items(struct app *app, struct pending *p, const struct journal_entry **set, size_t n)
{
	struct decide *d = app->journal;
	size_t k;

	p->items = xcalloc(n, sizeof *p->items);
	for (k = 0; k < n; k++) {
		struct item *it = &p->items[p->nitems++];
		it->target = set[k]->id;
		it->path = xstrdup(journal_str(d->j, set[k]->path));
		it->sample = dataset_find(app->ds, it->path);
	}
	p->label = xstrdup(journal_op_name(set[n - 1]->op));
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
		/* What to relabel or undo is known only now, after the
		 * decisions queued before are in. */
		if (p->shown && relabel_items(app, p) == 0) {
			pending_free(p);
			continue;
		}
		if (p->d.op == JOP_UNDO) {
			const struct journal_entry **set;
			size_t n = journal_undo_set(d->j, &set);
			if (n == 0) {
				ui_message(app, "nothing to undo");
				pending_free(p);
				continue;
			}
			if (n > 1) {
				undo_items(app, p, set, n);
			} else {
				p->d.target = set[0]->id;
				p->path = xstrdup(journal_str(d->j, set[0]->path));
				p->label = xstrdup(journal_op_name(set[0]->op));
			}
			free(set);
		}
		p->j = d->j;
		p->rootfd = app->ds->rootfd;
		p->id = journal_next_id(d->j);
		utc_now(p->at, sizeof p->at);
		if (p->items) {
			d->writing = p;
			worker_submit(app->workers, WORKER_URGENT, batch_run, batch_done, p);
			continue;
		}
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

int
decide_can(struct app *app)
{
	struct decide *d = app->journal;
	if (app->ds == NULL || d == NULL) {
		ui_message(app, "the dataset is still loading");
		return 0;
	}
	if (d->refused) {
		ui_error(app, "decisions off: %s", d->refused);
		return 0;
	}
	if (d->j == NULL) {
		ui_message(app, "the journal is still loading");
		return 0;
	}
	return 1;
}

unsigned
decide_current_label(const struct app *app, size_t i)
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
enqueue(struct app *app, struct pending *p)
{
	struct decide *d = app->journal;
	if (d->tail)
		d->tail->next = p;
	else
		d->head = p;
	d->tail = p;
	pump(app);
}

static void
queue(struct app *app, enum journal_op op, size_t i, const char *to, const char *note)
{
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
	enqueue(app, p);
	if (op != JOP_NOTE)
		review_decided(app, i);
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
	if (!decide_can(app) || (i = selected(app)) < 0)
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
	struct pending *p;
	if (!decide_can(app))
		return REDRAW_STATUS;
	p = xcalloc(1, sizeof *p);
	p->app = app;
	p->d.op = JOP_UNDO;
	p->sample = -1;
	enqueue(app, p);
	return REDRAW_STATUS;
}

/* ---- relabel ---- */

const char *
decide_bad_label(const char *s)
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

/* The kind the samples labelled `to` hold most, when sample i's kind is
 * none of theirs; else KIND_OTHER. A picture among clips is as a rule a
 * slip of the key, and a class of one kind stays usable for training. */
static enum kind
foreign_kind(const struct app *app, size_t i, const char *to)
{
	const struct dataset *ds = app->ds;
	size_t n[KIND_COUNT] = { 0 }, j;
	enum kind mine = sample_kind(&ds->samples[i]), most = KIND_OTHER;
	int label = dataset_label_find(ds, to);

	if (label < 0 || mine == KIND_OTHER)
		return KIND_OTHER;
	for (j = 0; j < ds->nsamples; j++)
		if (j != i && decide_current_label(app, j) == (unsigned)label &&
		    (app->annot.decision == NULL || j >= app->annot.n ||
		    app->annot.decision[j] != DECISION_DELETE))
			n[sample_kind(&ds->samples[j])]++;
	if (n[mine] > 0)
		return KIND_OTHER;
	for (j = KIND_OTHER + 1; j < KIND_COUNT; j++)
		if (n[j] > n[most])
			most = (enum kind)j;
	return most;
}

static const char *
kind_plural(enum kind k)
{
	static const char *const names[KIND_COUNT] = { "files", "clips", "images", "texts" };
	return names[k];
}

static const char *
kind_one(enum kind k)
{
	static const char *const names[KIND_COUNT] = { "a file", "a clip", "an image", "a text" };
	return names[k];
}

struct cross {
	size_t sample;
	char *to, *note;
};

static void
cross_free(struct cross *c)
{
	free(c->to);
	free(c->note);
	free(c);
}

static void
cross_done(struct app *app, int yes, void *arg)
{
	struct cross *c = arg;

	if (yes && app->ds != NULL && decide_can(app))
		queue(app, JOP_RELABEL, c->sample, c->to, c->note);
	else
		ui_message(app, "not relabelled");
	cross_free(c);
}

/* A relabel into a class of another kind waits for a y: the question
 * leads with the verdict, so that a narrow status line cuts only the
 * end of its names. */
static void
relabel_across(struct app *app, size_t i, const char *to, const char *note, enum kind theirs)
{
	struct cross *c = xcalloc(1, sizeof *c);
	struct buf b = { 0 };
	char *q;

	c->sample = i;
	c->to = xstrdup(to);
	c->note = note ? xstrdup(note) : NULL;
	q = xasprintf("another kind: %s holds %s, this is %s — relabel anyway?",
	    escaped_name(&b, to), kind_plural(theirs),
	    kind_one(sample_kind(&app->ds->samples[i])));
	if (ui_confirm(app, q, cross_done, c) != 0)
		cross_free(c);
	free(q);
	buf_free(&b);
}

static void
relabel(struct app *app, size_t i, const char *to, const char *note)
{
	const char *why;
	struct buf b = { 0 };
	enum kind theirs;

	if ((why = decide_bad_label(to)) != NULL) {
		ui_error(app, "cannot relabel to %s: %s", escaped_name(&b, to), why);
	} else if (decide_current_label(app, i) == (unsigned)dataset_label_find(app->ds, to)) {
		if (note != NULL)
			queue(app, JOP_NOTE, i, NULL, note);
		else
			ui_message(app, "%s is labelled %s already",
			    escaped_name(&b, sample_path(app->ds, i)), to);
	} else if ((theirs = foreign_kind(app, i, to)) != KIND_OTHER) {
		relabel_across(app, i, to, note, theirs);
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

char *
decide_trimmed(const char *s, size_t n)
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

	if (text == NULL || app->ds == NULL || !decide_can(app)) {
		ask_free(a);
		return;
	}
	hash = text[0] == '#' ? text : strstr(text, " #");
	if (hash) {
		label = decide_trimmed(text, (size_t)(hash - text));
		hash += hash[0] == '#' ? 1 : 2;
		note = decide_trimmed(hash, strlen(hash));
	} else {
		label = decide_trimmed(text, strlen(text));
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
	if (dataset_label_find(app->ds, label) < 0 && decide_bad_label(label) == NULL) {
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

	if (!decide_can(app) || (i = selected(app)) < 0)
		return REDRAW_STATUS;
	cur = decide_current_label(app, (size_t)i);
	if (app->annot.pred && app->annot.pred[i] != LABEL_NONE &&
	    app->annot.pred[i] < app->ds->nlabels && app->annot.pred[i] != cur)
		pred = app->annot.pred[i];
	cands = xmalloc((app->ds->nlabels + 1) * sizeof *cands);
	if (pred != LABEL_NONE)
		cands[n++] = app->ds->labels[pred];
	for (k = 0; k < app->ds->nlabels; k++)
		if (k != cur && k != pred && decide_bad_label(app->ds->labels[k]) == NULL)
			cands[n++] = app->ds->labels[k];
	a = xcalloc(1, sizeof *a);
	a->sample = (size_t)i;
	a->dflt = pred != LABEL_NONE ? xstrdup(app->ds->labels[pred]) : NULL;
	label = a->dflt ? xasprintf("relabel to (Enter: %s): ", a->dflt) :
	    xstrdup("relabel to: ");
	if (ui_prompt(app, label, "", cands, n, PROMPT_LABELS, relabel_done, a) != 0)
		ask_free(a);
	free(label);
	free(cands);
	return REDRAW_ALL;
}

unsigned
decide_relabel_nth(struct app *app, int n)
{
	long i;
	if (!decide_can(app) || (i = selected(app)) < 0)
		return REDRAW_STATUS;
	if (n < 1 || (size_t)n > app->ds->nlabels) {
		ui_message(app, "there is no label %d (%zu labels)", n, app->ds->nlabels);
		return REDRAW_STATUS;
	}
	relabel(app, (size_t)i, app->ds->labels[n - 1], NULL);
	return REDRAW_STATUS;
}

/* y: the model's label, for a sample waiting for one or a suspect. */
unsigned
decide_take_prediction(struct app *app)
{
	struct buf b = { 0 };
	unsigned pred;
	long i;

	if (!decide_can(app) || (i = selected(app)) < 0)
		return REDRAW_STATUS;
	pred = app->annot.pred && (size_t)i < app->annot.n ? app->annot.pred[i] : LABEL_NONE;
	if (pred == LABEL_NONE || pred >= app->ds->nlabels)
		ui_message(app, "%s: no prediction to take",
		    escaped_name(&b, sample_path(app->ds, (size_t)i)));
	else
		relabel(app, (size_t)i, app->ds->labels[pred], NULL);
	buf_free(&b);
	return REDRAW_STATUS;
}

/* ---- relabel-shown: every sample the file pane shows ---- */

enum skip
decide_skip_of(const struct app *app, size_t i, int to)
{
	if (app->annot.decision && app->annot.decision[i] == DECISION_DELETE)
		return SKIP_DELETED;
	if (to >= 0 && decide_current_label(app, i) == (unsigned)to)
		return SKIP_SAME;
	return SKIP_NOT;
}

void
decide_skipped(struct buf *b, size_t same, size_t deleted, const char *to)
{
	if (same + deleted == 0)
		return;
	buf_adds(b, " (");
	if (same)
		buf_addf(b, "%zu already %s", same, to);
	if (same && deleted)
		buf_adds(b, ", ");
	if (deleted)
		buf_addf(b, "%zu to delete", deleted);
	buf_adds(b, ")");
}

static size_t
relabel_items(struct app *app, struct pending *p)
{
	int to = dataset_label_find(app->ds, p->to);
	struct buf b = { 0 };
	const char *reason;
	size_t k, i;

	p->items = xcalloc(p->nshown ? p->nshown : 1, sizeof *p->items);
	for (k = 0; k < p->nshown; k++) {
		struct item *it;
		i = p->shown[k];
		switch (decide_skip_of(app, i, to)) {
		case SKIP_SAME:
			p->same++;
			continue;
		case SKIP_DELETED:
			p->deleted++;
			continue;
		case SKIP_NOT:
			break;
		}
		it = &p->items[p->nitems++];
		it->sample = (long)i;
		it->path = xstrdup(sample_path(app->ds, i));
		it->label = xstrdup(dataset_label_name(app->ds, app->ds->samples[i].label));
		reason = reason_for(app, i, JOP_RELABEL);
		it->reason = reason ? xstrdup(reason) : NULL;
	}
	if (p->nitems == 0) {
		buf_adds(&b, "nothing relabelled");
		decide_skipped(&b, p->same, p->deleted, p->to);
		ui_message(app, "%s", buf_str(&b));
		buf_free(&b);
	}
	return p->nitems;
}

void
decide_queue_shown(struct app *app, char *to, uint32_t *samples, size_t n)
{
	struct pending *p = xcalloc(1, sizeof *p);

	p->app = app;
	p->d.op = JOP_RELABEL;
	p->sample = -1;
	p->to = to;
	p->shown = samples;
	p->nshown = n;
	enqueue(app, p);
}

/* ---- notes ---- */

static void
note_done(struct app *app, const char *text, void *arg)
{
	struct ask *a = arg;
	char *note = text ? decide_trimmed(text, strlen(text)) : NULL;
	if (note && *note && app->ds && decide_can(app))
		queue(app, JOP_NOTE, a->sample, NULL, note);
	free(note);
	ask_free(a);
}

unsigned
decide_note(struct app *app)
{
	struct ask *a;
	long i;
	if (!decide_can(app) || (i = selected(app)) < 0)
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
		ui_error(app, "decisions off: %s", d->refused);
	} else {
		d->j = o->j;
		d->where = where(app->ds, d->j->file);
		d->fallback = o->fallback;
		app->annot.n = app->ds->nsamples;
		d->missing = journal_annotate(d->j, app->ds, &app->annot);
		ui_annotations_notify(app, -1);
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

	review_end(app);
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
