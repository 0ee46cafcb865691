/* test-view.c — the file pane's list model (filter, sort, shuffle,
 * selection) over 1,000,000 synthetic samples, each result checked against
 * a brute-force computation. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "annot.h"
#include "dataset.h"
#include "tap.h"
#include "util.h"
#include "view.h"

#define N 1000000u
#define NLABELS 35

/* A deterministic stream of numbers, independent of the code under test. */
static uint32_t
lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

static unsigned
label_of(uint32_t i)
{
	return (i * 2654435761u >> 7) % NLABELS;
}

/* Samples in path order, as dataset_open leaves them; labels scattered so
 * that label order differs from path order. */
static struct dataset *
synthetic(void)
{
	struct dataset *ds = dataset_new_memory("/synthetic");
	char path[64];
	uint32_t i;

	for (i = 0; i < NLABELS; i++) {
		snprintf(path, sizeof path, "w%02u", i);
		dataset_label_intern(ds, path);
	}
	for (i = 0; i < N; i++) {
		snprintf(path, sizeof path, "c%07u/Clip_%u.wav", i, i % 10);
		dataset_add(ds, path, dataset_label_name(ds, label_of(i)),
		    i % 7 == 0 ? "test" : NULL);
	}
	return ds;
}

static int
is_permutation_of_matching(const struct view *v, const uint8_t *want, size_t nwant)
{
	uint8_t *seen = xcalloc(N, 1);
	size_t r;
	int ok_ = v->lv.n == nwant;
	for (r = 0; ok_ && r < v->lv.n; r++) {
		uint32_t s = v->rows[r];
		if (s >= N || seen[s] || !want[s])
			ok_ = 0;
		else
			seen[s] = 1;
	}
	free(seen);
	return ok_;
}

/* The order view_sort_keys must give: unknown values (NaN) last, -0 equal
 * to 0, ties by sample. */
static int
cmp_want(const void *a, const void *b)
{
	const struct view_key *x = a, *y = b;
	int xn = isnan(x->key), yn = isnan(y->key);
	if (xn != yn)
		return xn - yn;
	if (!xn && x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->sample < y->sample ? -1 : x->sample > y->sample;
}

/* A million keys as the browser sorts them (rows in sample order), with
 * ties, NaNs, zeros of both signs, infinities and negatives. */
static void
sort_keys_like_the_comparison(size_t n, unsigned seed)
{
	struct view_key *k = malloc(n * sizeof *k), *w = malloc(n * sizeof *w);
	size_t i, bad = 0;
	uint64_t s = seed;

	for (i = 0; i < n; i++) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		switch ((s >> 33) % 8) {
		case 0: k[i].key = NAN; break;
		case 1: k[i].key = -NAN; break;
		case 2: k[i].key = (s >> 40) % 2 ? 0.0f : -0.0f; break;
		case 3: k[i].key = (s >> 40) % 2 ? INFINITY : -INFINITY; break;
		case 4: k[i].key = (float)((s >> 40) % 7); break;
		default: k[i].key = ((float)(s >> 40) - 8388608.0f) / 1024.0f; break;
		}
		k[i].sample = (uint32_t)(i * 3);
	}
	memcpy(w, k, n * sizeof *k);
	qsort(w, n, sizeof *w, cmp_want);
	view_sort_keys(k, n);
	for (i = 0; i < n; i++)
		if (k[i].sample != w[i].sample)
			bad++;
	ok(bad == 0, "%zu keys sorted as the comparison orders them (%zu rows differ)", n, bad);
	free(k);
	free(w);
}

int
main(void)
{
	struct dataset *ds = synthetic();
	struct annotations an = { .n = N };
	struct view v;
	struct filter *f;
	char *cause = NULL;
	uint8_t *want = xcalloc(N, 1);
	uint32_t seed = 1, i, keep;
	size_t r, count;
	int sorted, identity;
	double t;

	an.peak_db = annot_floats(N);
	an.suspect = annot_floats(N);
	an.findings = xcalloc(N, sizeof *an.findings);
	an.pred = xmalloc(N * sizeof *an.pred);
	an.decision = xcalloc(N, 1);
	for (i = 0; i < N; i++) {
		uint32_t x = lcg(&seed);
		/* Coarse values so that ties occur; some unknown. */
		an.peak_db[i] = x % 13 == 0 ? NAN : -(float)(x % 600) / 10.0f;
		an.suspect[i] = x % 3 == 0 ? (float)(x % 1000) / 1000.0f : NAN;
		an.findings[i] = x % 50 == 0 ? 1u << CHECK_QUIET : x % 77 == 0 ? 1u << CHECK_SILENT : 0;
		an.pred[i] = x % 4 == 0 ? (uint16_t)((label_of(i) + 1) % NLABELS) : (uint16_t)label_of(i);
		an.decision[i] = x % 1000 == 0 ? DECISION_DELETE : DECISION_NONE;
	}

	t = now_seconds();
	view_init(&v, ds, &an);
	printf("# view of %u samples in %.0f ms\n", N, (now_seconds() - t) * 1000);
	is_int(v.lv.n, N, "all samples shown without a filter");
	for (r = 0, identity = 1; r < N; r++)
		identity &= v.rows[r] == r;
	ok(identity, "path order is the dataset's order");

	/* Sort by label: every label's samples together, in label order, path
	 * order within a label. */
	t = now_seconds();
	view_set_sort(&v, SORT_LABEL);
	printf("# sort by label: %.0f ms\n", (now_seconds() - t) * 1000);
	memset(want, 1, N);
	ok(is_permutation_of_matching(&v, want, N), "label sort: a permutation of all samples");
	for (r = 1, sorted = 1; r < N; r++) {
		unsigned a = ds->samples[v.rows[r - 1]].label, b = ds->samples[v.rows[r]].label;
		if (a > b || (a == b && v.rows[r - 1] > v.rows[r]))
			sorted = 0;
	}
	ok(sorted, "label sort: by label, then path");

	/* Loudness: quietest first, unknown last, ties in path order. */
	t = now_seconds();
	view_set_sort(&v, SORT_LOUDNESS);
	printf("# sort by loudness: %.0f ms\n", (now_seconds() - t) * 1000);
	ok(is_permutation_of_matching(&v, want, N), "loudness sort: a permutation");
	for (r = 1, sorted = 1; r < N; r++) {
		float a = an.peak_db[v.rows[r - 1]], b = an.peak_db[v.rows[r]];
		if (isnan(a) ? !isnan(b) || v.rows[r - 1] > v.rows[r] :
		    !isnan(b) && (a > b || (a == b && v.rows[r - 1] > v.rows[r])))
			sorted = 0;
	}
	ok(sorted, "loudness sort: ascending, unknown last, ties by path");
	ok(isnan(an.peak_db[v.rows[N - 1]]), "loudness sort: the last row is unknown");
	is_near(an.peak_db[v.rows[0]], -59.9, 1e-4, "loudness sort: the quietest first");

	/* Suspect: most suspect first. */
	view_set_sort(&v, SORT_SUSPECT);
	for (r = 1, sorted = 1; r < N; r++) {
		float a = an.suspect[v.rows[r - 1]], b = an.suspect[v.rows[r]];
		if (isnan(a) ? !isnan(b) : !isnan(b) && a < b)
			sorted = 0;
	}
	ok(sorted, "suspect sort: descending, unknown last");

	/* Duration is not known at all: path order. */
	view_set_sort(&v, SORT_DURATION);
	for (r = 0, identity = 1; r < N; r++)
		identity &= v.rows[r] == r;
	ok(identity, "sort by an unknown value keeps path order");

	/* Selection survives re-sorting and shuffling. */
	view_set_sort(&v, SORT_PATH);
	keep = 123457;
	ok(view_select_sample(&v, keep), "select a sample");
	is_int(view_selected(&v), keep, "the sample is selected");
	view_set_sort(&v, SORT_LABEL);
	is_int(view_selected(&v), keep, "selection kept across the label sort");
	ok(v.rows[v.lv.sel] == keep, "the selected row shows that sample");
	view_set_sort(&v, SORT_LOUDNESS);
	is_int(view_selected(&v), keep, "selection kept across the loudness sort");

	/* Shuffle: a permutation, not the identity, reproducible by seed. */
	t = now_seconds();
	view_shuffle(&v, 42);
	printf("# shuffle: %.0f ms\n", (now_seconds() - t) * 1000);
	ok(is_permutation_of_matching(&v, want, N), "shuffle: a permutation of all samples");
	for (r = 0, count = 0; r < N; r++)
		count += v.rows[r] == r;
	ok(count < N / 100, "shuffle: few samples stay in place (%zu)", count);
	is_int(view_selected(&v), keep, "selection kept across the shuffle");
	{
		uint32_t *first = xmalloc(N * sizeof *first);
		int same;
		memcpy(first, v.rows, N * sizeof *first);
		view_shuffle(&v, 42);
		ok(memcmp(first, v.rows, N * sizeof *first) == 0, "shuffle: the same seed, the same order");
		view_shuffle(&v, 43);
		same = memcmp(first, v.rows, N * sizeof *first) == 0;
		ok(!same, "shuffle: another seed, another order");
		view_shuffle(&v, 0);
		ok(memcmp(first, v.rows, N * sizeof *first) != 0, "shuffle: a seed from the clock");
		free(first);
	}
	view_set_sort(&v, SORT_PATH);
	ok(!v.shuffled, "sorting ends the shuffle");

	/* Filters, each checked against a brute-force scan. */
	f = filter_parse(ds, "label=w03", &cause);
	ok(f != NULL, "parse label=w03");
	t = now_seconds();
	view_push_filter(&v, f);
	printf("# filter label=: %.0f ms\n", (now_seconds() - t) * 1000);
	for (i = 0, count = 0; i < N; i++)
		count += want[i] = label_of(i) == 3;
	ok(is_permutation_of_matching(&v, want, count), "label=w03 shows exactly its samples (%zu)", count);
	is_str(filter_text(f), "label=w03", "the filter's text");

	/* A second filter narrows the first: path text and a check. */
	f = filter_parse(ds, "check=quiet  clip_7", &cause);
	ok(f != NULL, "parse two terms");
	view_push_filter(&v, f);
	for (i = 0, count = 0; i < N; i++)
		count += want[i] = label_of(i) == 3 && (an.findings[i] & (1u << CHECK_QUIET)) && i % 10 == 7;
	ok(count > 0 && is_permutation_of_matching(&v, want, count),
	    "stacked filters: label, check and case-insensitive path text (%zu)", count);
	is_str(filter_text(f), "check=quiet clip_7", "spaces normalised in the text");
	ok(view_pop_filter(&v), "pop a filter");
	for (i = 0, count = 0; i < N; i++)
		count += want[i] = label_of(i) == 3;
	ok(is_permutation_of_matching(&v, want, count), "pop returns to the first filter");
	ok(view_pop_filter(&v), "pop the first filter");
	ok(!view_pop_filter(&v), "nothing left to pop");
	is_int(v.lv.n, N, "all samples again");

	/* Path text with an upper-case letter compares exactly. */
	view_push_filter(&v, filter_parse(ds, "Clip_3", &cause));
	for (i = 0, count = 0; i < N; i++)
		count += want[i] = i % 10 == 3;
	ok(is_permutation_of_matching(&v, want, count), "Clip_3 matches case-sensitively (%zu)", count);
	view_pop_filter(&v);
	view_push_filter(&v, filter_parse(ds, "CLIP_3", &cause));
	is_int(v.lv.n, 0, "CLIP_3 matches nothing");
	ok(view_selected(&v) == -1, "no selection in an empty view");
	view_pop_filter(&v);

	/* Several labels, negation, predictions, decisions, splits. */
	view_push_filter(&v, filter_parse(ds, "label=w01,w02 !pred=w02", &cause));
	for (i = 0, count = 0; i < N; i++)
		count += want[i] = (label_of(i) == 1 || label_of(i) == 2) && an.pred[i] != 2;
	ok(is_permutation_of_matching(&v, want, count), "label=a,b and !pred=X (%zu)", count);
	view_pop_filter(&v);
	view_push_filter(&v, filter_parse(ds, "decision=delete split=test", &cause));
	for (i = 0, count = 0; i < N; i++)
		count += want[i] = an.decision[i] == DECISION_DELETE && i % 7 == 0;
	ok(is_permutation_of_matching(&v, want, count), "decision= and split= (%zu)", count);
	view_pop_filter(&v);
	view_push_filter(&v, filter_parse(ds, "check=any", &cause));
	for (i = 0, count = 0; i < N; i++)
		count += want[i] = an.findings[i] != 0;
	ok(is_permutation_of_matching(&v, want, count), "check=any (%zu)", count);
	view_pop_filter(&v);

	/* An explicit set, as the confusion and cluster panes push. */
	{
		uint32_t set[] = { 5, 999999, 77, 5 };
		memset(want, 0, N);
		want[5] = want[77] = want[999999] = 1;
		view_push_filter(&v, filter_from_set(ds, set, 4, "cell yes→no"));
		ok(is_permutation_of_matching(&v, want, 3), "a set filter shows exactly the set");
		is_str(filter_text(v.filters[0]), "cell yes→no", "a set filter's title");
		view_pop_filter(&v);
	}

	/* A filter pushed with an order gives the order before back when popped
	 * (the confusion pane's cells: by suspect, then back to the shuffle). */
	view_shuffle(&v, 99);
	{
		uint32_t first = v.rows[0];
		view_push_filter_sorted(&v, filter_parse(ds, "label=w05", &cause), SORT_SUSPECT);
		ok(!v.shuffled && v.sort == SORT_SUSPECT, "the cell's samples by suspect");
		view_pop_filter(&v);
		ok(v.shuffled && v.seed == 99 && v.rows[0] == first, "popped: the same shuffle again");
		view_set_sort(&v, SORT_LABEL);
		view_push_filter(&v, filter_parse(ds, "clip_1", &cause));
		view_set_sort(&v, SORT_LOUDNESS);
		view_pop_filter(&v);
		ok(v.sort == SORT_LOUDNESS, "an order chosen under a plain filter stays");
		view_set_sort(&v, SORT_PATH);
	}

	/* The selection when its sample is filtered out: a nearby row. */
	view_select_sample(&v, 500000);
	view_push_filter(&v, filter_parse(ds, "!c0500000/", &cause));
	ok(view_selected(&v) >= 0 && view_selected(&v) != 500000, "a hidden selection moves to a shown row");
	is_int(v.lv.sel, 500000, "to the same row number");
	view_pop_filter(&v);

	/* Which views must be rebuilt when annotations change. */
	view_set_sort(&v, SORT_LABEL);
	ok(!view_uses_annotations(&v), "label order does not depend on annotations");
	view_push_filter(&v, filter_parse(ds, "label=w01 clip", &cause));
	ok(!view_uses_annotations(&v), "nor do label and path filters");
	view_push_filter(&v, filter_parse(ds, "!check=quiet", &cause));
	ok(view_uses_annotations(&v), "a check filter does");
	view_pop_filter(&v);
	view_pop_filter(&v);
	view_set_sort(&v, SORT_DURATION);
	ok(view_uses_annotations(&v), "an order by duration does");
	view_shuffle(&v, 7);
	ok(!view_uses_annotations(&v), "a shuffle does not");
	view_set_sort(&v, SORT_PATH);

	/* Bad filters: a message naming what is wrong, no filter. */
	ok(filter_parse(ds, "label=nope", &cause) == NULL, "unknown label refused");
	is_str(cause, "no label 'nope'", "the message names the label");
	free(cause);
	cause = NULL;
	ok(filter_parse(ds, "check=loud", &cause) == NULL, "unknown check refused");
	is_str(cause, "no check 'loud'", "the message names the check");
	free(cause);
	cause = NULL;
	ok(filter_parse(ds, "label=", &cause) == NULL, "label= without a name refused");
	free(cause);
	cause = NULL;
	ok(filter_parse(ds, "decision=maybe", &cause) == NULL, "unknown decision refused");
	free(cause);
	f = filter_parse(ds, "a=b", &cause);
	ok(f != NULL && filter_match(f, ds, &an, 0) == 0, "an unknown key is path text");
	filter_free(f);

	sort_keys_like_the_comparison(1000, 1);
	sort_keys_like_the_comparison(1000000, 2);

	view_free(&v);
	annotations_free(&an);
	dataset_free(ds);
	free(want);
	return tap_done();
}
