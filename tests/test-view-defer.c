/* test-view-defer.c — an order too long to sort within a frame is left
 * pending by the view, sorted elsewhere (here on another thread, as the
 * browser's sort feed does) and handed back: the same rows as sorting at
 * once, the selected sample kept, and an order for rows no longer shown
 * refused. */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "annot.h"
#include "dataset.h"
#include "tap.h"
#include "util.h"
#include "view.h"

#define N 20000u
#define DEFER 1000u

struct sorting {
	struct view_key *k;
	size_t n;
};

static void *
sort_thread(void *arg)
{
	struct sorting *s = arg;
	view_sort_keys(s->k, s->n);
	return NULL;
}

static int
rows_equal(const struct view *a, const struct view *b)
{
	return a->lv.n == b->lv.n && memcmp(a->rows, b->rows, a->lv.n * sizeof *a->rows) == 0;
}

static int
in_path_order(const struct view *v)
{
	size_t r;
	for (r = 1; r < v->lv.n; r++)
		if (v->rows[r - 1] >= v->rows[r])
			return 0;
	return 1;
}

int
main(void)
{
	struct dataset *ds = dataset_new_memory("/synthetic");
	struct annotations an = { .n = N };
	struct view now, later;
	struct sorting s;
	unsigned long generation;
	char path[32], *cause = NULL;
	uint32_t i, x = 7, chosen;
	pthread_t t;

	an.peak_db = annot_floats(N);
	an.duration = annot_floats(N);
	for (i = 0; i < N; i++) {
		snprintf(path, sizeof path, "c%06u.wav", i);
		dataset_add(ds, path, i % 3 ? "yes" : "no", NULL);
		x = x * 1664525u + 1013904223u;
		an.peak_db[i] = (x >> 8) % 11 == 0 ? NAN : -(float)((x >> 8) % 500) / 10.0f;
		an.duration[i] = (float)((x >> 12) % 100) / 100.0f;
	}
	view_init(&now, ds, &an);
	view_init(&later, ds, &an);
	later.defer_rows = DEFER;
	listpos_scroll(&now.lv, 20);
	listpos_scroll(&later.lv, 20);

	view_set_sort(&now, SORT_LOUDNESS);
	ok(now.pending == NULL, "without defer_rows the order is sorted at once");
	view_set_sort(&later, SORT_LOUDNESS);
	ok(later.pending != NULL && later.npending == N, "with it, %u rows by loudness wait", N);
	ok(in_path_order(&later), "shown in path order meanwhile");

	/* The user moves while the order is on its way. */
	listpos_select(&later.lv, 1234);
	chosen = later.rows[1234];
	s.k = view_take_pending(&later, &s.n, &generation);
	ok(s.k != NULL && later.pending == NULL, "the keys are taken");
	ok(pthread_create(&t, NULL, sort_thread, &s) == 0 && pthread_join(t, NULL) == 0,
	    "and sorted on another thread");
	ok(view_set_order(&later, s.k, s.n, generation), "the order is taken");
	ok(rows_equal(&now, &later), "the same rows as sorting at once");
	is_int(view_selected(&later), chosen, "the sample selected meanwhile stays selected");
	free(s.k);

	/* Another order asked for before the first came back. */
	view_set_sort(&later, SORT_DURATION);
	s.k = view_take_pending(&later, &s.n, &generation);
	view_set_sort(&later, SORT_PATH);
	view_sort_keys(s.k, s.n);
	ok(!view_set_order(&later, s.k, s.n, generation), "an order for an older rebuild is refused");
	ok(in_path_order(&later), "and the rows stay as they are");
	free(s.k);

	/* Few rows sort at once, as do the orders that need no value. */
	view_set_sort(&now, SORT_DURATION);
	view_push_filter(&now, filter_parse(ds, "c0000", &cause));
	view_set_sort(&later, SORT_DURATION);
	free(view_take_pending(&later, &s.n, &generation));
	view_push_filter(&later, filter_parse(ds, "c0000", &cause));
	ok(later.lv.n < DEFER && later.pending == NULL, "%zu rows sort at once", later.lv.n);
	ok(rows_equal(&now, &later), "in the same order");
	view_pop_filter(&later);
	view_set_sort(&later, SORT_LABEL);
	ok(later.pending == NULL, "by label: a counting sort, at once");

	view_free(&now);
	view_free(&later);
	annotations_free(&an);
	dataset_free(ds);
	return tap_done();
}
