/* view.h — the list model of the file pane: which samples are shown, in
 * which order (filtered, sorted, shuffled), and which one is selected. The
 * filter language is the one of `/` (README, winnow(1)). No terminal: the
 * tui's listview.h draws the rows. */
#ifndef WINNOW_VIEW_H
#define WINNOW_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "listpos.h"

struct dataset;
struct annotations;

enum sort_key {
	SORT_PATH,              /* the dataset's order */
	SORT_LABEL,             /* label, then path */
	SORT_SUSPECT,           /* most suspect first (annotations.suspect) */
	SORT_LOUDNESS,          /* quietest first (annotations.peak_db) */
	SORT_DURATION,          /* shortest first (annotations.duration) */
	SORT_OUTLIER,           /* farthest first (annotations.outlier) */
	SORT_UNCERTAIN,         /* samples without a label first, then each
	                           part by smallest margin (annotations.margin) */
	SORT_COUNT
};
/* "path", "label", …; NULL past SORT_COUNT. */
const char *sort_key_name(enum sort_key k);

/* A parsed filter: every term must hold. Terms, space-separated:
 *   TEXT          path contains TEXT (ignoring ASCII case unless TEXT
 *                 has a capital, as less and vim's smartcase do)
 *   label=X       labelled X (split=, pred= likewise; X may be a,b,c)
 *   check=NAME    has finding NAME (check names of annot.h)
 *   decision=D    relabel, delete, accept, flag, none
 *   !TERM         not TERM
 * or, set from code, an explicit set of samples (filter_from_set). */
struct filter;

/* Parse text against the dataset's labels. Returns a new filter, or NULL
 * with *cause set (e.g. "no label 'yess'"). Free with filter_free. */
struct filter *filter_parse(const struct dataset *ds, const char *text,
    char **cause);
/* A filter that keeps exactly the given samples (copied); `title` is what
 * the pane shows for it. Returns a new filter. */
struct filter *filter_from_set(const struct dataset *ds,
    const uint32_t *samples, size_t n, const char *title);
/* The text shown for the filter (owned by the filter). */
const char *filter_text(const struct filter *f);
int filter_match(const struct filter *f, const struct dataset *ds,
    const struct annotations *an, uint32_t sample);
void filter_free(struct filter *f);

/* The samples shown, in order, with the selection. Filters stack: the
 * rows are the samples matching every filter on the stack; Esc pops. */
struct view {
	const struct dataset *ds;
	const struct annotations *an;
	uint32_t *rows;         /* sample indices, in display order */
	size_t caprows;
	/* As long as rows, for the label order, and touched when made: a
	 * million rows' worth of fresh pages faulted in during a key (about
	 * 20 ms in a virtual machine) would hold up its frame. */
	uint32_t *scratch;
	size_t capscratch;
	struct listpos lv;      /* lv.n rows, lv.sel selected */
	enum sort_key sort;
	int shuffled;           /* random order (seed) instead of sort */
	uint64_t seed;
	struct filter **filters;
	size_t nfilters, capfilters;
	/* An order by a value over defer_rows rows or more (0: never) is
	 * too long to sort between two frames (a million rows: tens of ms):
	 * view_rebuild leaves the rows in path order and their keys pending,
	 * for the caller to sort elsewhere and hand back (view_set_order). */
	size_t defer_rows;
	struct view_key *pending;
	size_t npending;
	unsigned long generation;       /* rebuilds so far */
};

/* A row's sort key: the value (negated for a descending order; NaN, not
 * known yet, sorts last) and the sample (ties in path order). */
struct view_key {
	float key;
	uint32_t sample;
};

/* Start a view over ds (all samples, path order). an may have NULL arrays. */
void view_init(struct view *v, const struct dataset *ds,
    const struct annotations *an);
void view_free(struct view *v);
/* Recompute rows from filters and order, keeping the selected sample
 * selected when it is still shown (else the nearest row). */
void view_rebuild(struct view *v);
void view_set_sort(struct view *v, enum sort_key k);
/* Shuffle with a new seed (0: from the clock). */
void view_shuffle(struct view *v, uint64_t seed);
/* Push a filter (the view owns it now) / pop the last one. Pop returns 0
 * when there was none. */
void view_push_filter(struct view *v, struct filter *f);
int view_pop_filter(struct view *v);
/* Push a filter and show its rows in another order (SORT_COUNT: keep the
 * order); popping that filter gives the order before back. */
void view_push_filter_sorted(struct view *v, struct filter *f, enum sort_key sort);
/* Do the rows depend on the annotations (a filter on them, or an order
 * by them)? When not, new annotations need a redraw, not a rebuild. */
int view_uses_annotations(const struct view *v);
/* The keys the last rebuild left pending (an array of *n the caller frees),
 * or NULL; *generation tells view_set_order which rebuild they are of. */
struct view_key *view_take_pending(struct view *v, size_t *n,
    unsigned long *generation);
/* Sort keys into the view's order. It touches only k: any thread. */
void view_sort_keys(struct view_key *k, size_t n);
/* Show the rows in the order of sorted keys, keeping the selected sample
 * selected. Returns 0, changing nothing, when the view has been rebuilt
 * since the keys were taken (they are of rows no longer shown). */
int view_set_order(struct view *v, const struct view_key *k, size_t n,
    unsigned long generation);
/* The selected sample, or -1 when no row is shown. */
long view_selected(const struct view *v);
/* Select the row showing sample i; 0 when it is not shown. O(rows). */
int view_select_sample(struct view *v, uint32_t i);

#endif
