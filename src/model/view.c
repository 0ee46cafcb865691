/* view.c — the file pane's list model: filters, orders, the selection
 * (view.h). */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "annot.h"
#include "dataset.h"
#include "util.h"
#include "view.h"

/* ---- filters ---- */

enum term_kind {
	TERM_PATH,
	TERM_LABEL,
	TERM_SPLIT,
	TERM_PRED,
	TERM_CHECK,
	TERM_DECISION,
	TERM_SET,
};

struct term {
	enum term_kind kind;
	int negate;
	int fold;               /* path: compare ignoring ASCII case */
	char *text;             /* path: the substring */
	uint32_t mask;          /* check: finding bits; decision: 1 << decision */
	uint8_t *ids;           /* label/split/pred: ids[id] for each id named */
	size_t nids;
	uint8_t *set;           /* set: one bit a sample */
	size_t nset;
};

struct filter {
	char *text;
	struct term *terms;
	size_t n;
	/* The order before the push, when the push changed it. */
	int restores;
	enum sort_key saved_sort;
	int saved_shuffled;
	uint64_t saved_seed;
};

static const char *const decision_names[] = {
	[DECISION_NONE] = "none",
	[DECISION_RELABEL] = "relabel",
	[DECISION_DELETE] = "delete",
	[DECISION_ACCEPT] = "accept",
	[DECISION_FLAG] = "flag",
};

const char *
filter_text(const struct filter *f)
{
	return f->text;
}

void
filter_free(struct filter *f)
{
	size_t i;
	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++) {
		free(f->terms[i].text);
		free(f->terms[i].ids);
		free(f->terms[i].set);
	}
	free(f->terms);
	free(f->text);
	free(f);
}

static int
has_upper(const char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			return 1;
	return 0;
}

static int
path_term(struct term *t, const char *word)
{
	t->kind = TERM_PATH;
	t->text = xstrdup(word);
	t->fold = !has_upper(word);
	return 0;
}

/* label=a,b,c (or split=, pred=): the ids named, as a byte per id. */
static int
parse_ids(const struct dataset *ds, struct term *t, const char *key,
    const char *value, char **cause)
{
	char *copy = xstrdup(value), *save = NULL, *name;
	int split = t->kind == TERM_SPLIT, id;

	t->nids = split ? ds->nsplits : ds->nlabels;
	t->ids = xcalloc(t->nids ? t->nids : 1, 1);
	for (name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		id = split ? dataset_split_find(ds, name) : dataset_label_find(ds, name);
		if (id < 0 || (size_t)id >= t->nids) {
			set_cause(cause, "no %s '%s'", split ? "split" : "label", name);
			free(copy);
			return -1;
		}
		t->ids[id] = 1;
	}
	free(copy);
	if (strchr(value, ',') == NULL && *value == '\0') {
		set_cause(cause, "%s= needs a name", key);
		return -1;
	}
	return 0;
}

static int
parse_term(const struct dataset *ds, struct term *t, const char *word,
    char **cause)
{
	const char *eq, *value;
	size_t keylen;
	int i;

	if (*word == '!' && word[1] != '\0') {
		t->negate = 1;
		word++;
	}
	eq = strchr(word, '=');
	if (eq == NULL)
		return path_term(t, word);
	keylen = (size_t)(eq - word);
	value = eq + 1;
#define KEY(k) (keylen == sizeof(k) - 1 && strncmp(word, k, keylen) == 0)
	if (KEY("label") || KEY("split") || KEY("pred")) {
		t->kind = KEY("label") ? TERM_LABEL : KEY("split") ? TERM_SPLIT : TERM_PRED;
		return parse_ids(ds, t, t->kind == TERM_LABEL ? "label" :
		    t->kind == TERM_SPLIT ? "split" : "pred", value, cause);
	}
	if (KEY("check")) {
		t->kind = TERM_CHECK;
		if (strcmp(value, "any") == 0) {
			t->mask = (1u << CHECK_COUNT) - 1;
			return 0;
		}
		if ((i = check_find(value)) < 0) {
			set_cause(cause, "no check '%s'", value);
			return -1;
		}
		t->mask = 1u << i;
		return 0;
	}
	if (KEY("decision")) {
		t->kind = TERM_DECISION;
		if (strcmp(value, "any") == 0) {
			t->mask = ~1u;
			return 0;
		}
		for (i = 0; i < (int)ARRAY_SIZE(decision_names); i++)
			if (strcmp(value, decision_names[i]) == 0)
				break;
		if (i == (int)ARRAY_SIZE(decision_names)) {
			set_cause(cause, "no decision '%s' (relabel, delete, accept, flag, none, any)", value);
			return -1;
		}
		t->mask = 1u << i;
		return 0;
	}
#undef KEY
	/* Not a known key: a path that happens to contain '='. */
	return path_term(t, word);
}

struct filter *
filter_parse(const struct dataset *ds, const char *text, char **cause)
{
	struct filter *f = xcalloc(1, sizeof *f);
	char *copy = xstrdup(text), *save = NULL, *word;
	size_t cap = 0;
	struct buf norm = { 0 };

	for (word = strtok_r(copy, " \t", &save); word; word = strtok_r(NULL, " \t", &save)) {
		f->terms = xgrow(f->terms, &cap, f->n + 1, sizeof *f->terms);
		memset(&f->terms[f->n], 0, sizeof *f->terms);
		f->n++;
		if (parse_term(ds, &f->terms[f->n - 1], word, cause) != 0) {
			free(copy);
			buf_free(&norm);
			filter_free(f);
			return NULL;
		}
		if (norm.len)
			buf_addc(&norm, ' ');
		buf_adds(&norm, word);
	}
	free(copy);
	f->text = xstrdup(norm.len ? buf_str(&norm) : "");
	buf_free(&norm);
	return f;
}

struct filter *
filter_from_set(const struct dataset *ds, const uint32_t *samples, size_t n,
    const char *title)
{
	struct filter *f = xcalloc(1, sizeof *f);
	struct term *t;
	size_t i;

	f->text = xstrdup(title);
	f->terms = t = xcalloc(1, sizeof *t);
	f->n = 1;
	t->kind = TERM_SET;
	t->nset = ds->nsamples;
	t->set = xcalloc(t->nset / 8 + 1, 1);
	for (i = 0; i < n; i++)
		if (samples[i] < t->nset)
			t->set[samples[i] / 8] |= (uint8_t)(1u << (samples[i] % 8));
	return f;
}

/* Does hay contain needle (lower case), ignoring ASCII case? glibc's
 * strcasestr costs a locale lookup per character; this is the loop that
 * runs over every path of a million-sample dataset as one types. */
static inline unsigned char
fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c | 0x20 : c;
}

static int
contains_folded(const char *hay, const char *needle)
{
	unsigned char first = (unsigned char)needle[0];
	const unsigned char *h;
	size_t k;

	if (first == '\0')
		return 1;
	for (h = (const unsigned char *)hay; *h; h++) {
		if (fold(*h) != first)
			continue;
		for (k = 1; needle[k]; k++)
			if (fold(h[k]) != (unsigned char)needle[k])
				break;
		if (needle[k] == '\0')
			return 1;
	}
	return 0;
}

static int
term_match(const struct term *t, const struct dataset *ds,
    const struct annotations *an, uint32_t i)
{
	unsigned id;

	switch (t->kind) {
	case TERM_PATH:
		return t->fold ? contains_folded(sample_path(ds, i), t->text) :
		    strstr(sample_path(ds, i), t->text) != NULL;
	case TERM_LABEL:
		id = ds->samples[i].label;
		return id < t->nids && t->ids[id];
	case TERM_SPLIT:
		id = ds->samples[i].split;
		return id < t->nids && t->ids[id];
	case TERM_PRED:
		if (an->pred == NULL || i >= an->n)
			return 0;
		id = an->pred[i];
		return id < t->nids && t->ids[id];
	case TERM_CHECK:
		return an->findings && i < an->n && (an->findings[i] & t->mask);
	case TERM_DECISION:
		id = an->decision && i < an->n ? an->decision[i] : DECISION_NONE;
		return (t->mask >> id) & 1;
	case TERM_SET:
		return i < t->nset && (t->set[i / 8] >> (i % 8) & 1);
	}
	return 0;
}

int
view_uses_annotations(const struct view *v)
{
	size_t k, t;

	if (!v->shuffled && v->sort != SORT_PATH && v->sort != SORT_LABEL)
		return 1;
	for (k = 0; k < v->nfilters; k++)
		for (t = 0; t < v->filters[k]->n; t++)
			switch (v->filters[k]->terms[t].kind) {
			case TERM_PRED:
			case TERM_CHECK:
			case TERM_DECISION:
				return 1;
			default:
				break;
			}
	return 0;
}

int
filter_match(const struct filter *f, const struct dataset *ds,
    const struct annotations *an, uint32_t i)
{
	size_t k;
	for (k = 0; k < f->n; k++)
		if (term_match(&f->terms[k], ds, an, i) == f->terms[k].negate)
			return 0;
	return 1;
}

/* ---- the model ---- */

static const char *const sort_names[SORT_COUNT] = {
	[SORT_PATH] = "path",
	[SORT_LABEL] = "label",
	[SORT_SUSPECT] = "suspect",
	[SORT_LOUDNESS] = "loudness",
	[SORT_DURATION] = "duration",
	[SORT_OUTLIER] = "outlier",
	[SORT_UNCERTAIN] = "uncertain",
};

const char *
sort_key_name(enum sort_key k)
{
	return (unsigned)k < SORT_COUNT ? sort_names[k] : NULL;
}

void
view_init(struct view *v, const struct dataset *ds, const struct annotations *an)
{
	memset(v, 0, sizeof *v);
	v->ds = ds;
	v->an = an;
	view_rebuild(v);
}

void
view_free(struct view *v)
{
	size_t k;
	for (k = 0; k < v->nfilters; k++)
		filter_free(v->filters[k]);
	free(v->filters);
	free(v->rows);
	free(v->scratch);
	free(v->pending);
	memset(v, 0, sizeof *v);
}

long
view_selected(const struct view *v)
{
	return v->lv.n ? (long)v->rows[v->lv.sel] : -1;
}

int
view_select_sample(struct view *v, uint32_t i)
{
	size_t r;
	for (r = 0; r < v->lv.n; r++)
		if (v->rows[r] == i) {
			listpos_select(&v->lv, r);
			return 1;
		}
	return 0;
}

/* Unknown values (NaN) last; ties in path order, so sorting is stable. */
static int
cmp_keyed(const void *a, const void *b)
{
	const struct view_key *x = a, *y = b;
	int xn = isnan(x->key), yn = isnan(y->key);
	if (xn != yn)
		return xn - yn;
	if (!xn && x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->sample < y->sample ? -1 : x->sample > y->sample;
}

/* A float's bits as an unsigned number in the comparison's order: NaN
 * last, -0 as 0. */
static uint32_t
sortable(float f)
{
	uint32_t u;
	if (isnan(f))
		return UINT32_MAX;
	f += 0.0f;
	memcpy(&u, &f, sizeof u);
	return u & 0x80000000u ? ~u : u | 0x80000000u;
}

#define RADIX_BITS 11
#define RADIX_SIZE (1u << RADIX_BITS)

/* The keys of a million rows, sorted by qsort through a comparison, held
 * the UI's order back by about 150 ms; three passes of a stable radix sort
 * over their bits take a tenth of it. Stable, so ties stay in the order
 * given: the samples' order, which the comparison asks for, whenever the
 * keys come in it (the view builds them so); else qsort. */
void
view_sort_keys(struct view_key *k, size_t n)
{
	static const unsigned shift[3] = { 0, RADIX_BITS, 2 * RADIX_BITS };
	struct view_key *tmp, *src = k, *dst;
	size_t (*count)[RADIX_SIZE], i, pass, sum;

	for (i = 1; i < n; i++)
		if (k[i].sample <= k[i - 1].sample)
			break;
	if (n < 4096 || i < n) {
		qsort(k, n, sizeof *k, cmp_keyed);
		return;
	}
	count = xcalloc(3, sizeof *count);
	for (i = 0; i < n; i++) {
		uint32_t u = sortable(k[i].key);
		count[0][u & (RADIX_SIZE - 1)]++;
		count[1][(u >> shift[1]) & (RADIX_SIZE - 1)]++;
		count[2][u >> shift[2]]++;
	}
	for (pass = 0; pass < 3; pass++)
		for (i = 0, sum = 0; i < RADIX_SIZE; i++) {
			size_t c = count[pass][i];
			count[pass][i] = sum;
			sum += c;
		}
	tmp = xmalloc(n * sizeof *tmp);
	dst = tmp;
	for (pass = 0; pass < 3; pass++) {
		for (i = 0; i < n; i++) {
			uint32_t d = (sortable(src[i].key) >> shift[pass]) & (RADIX_SIZE - 1);
			dst[count[pass][d]++] = src[i];
		}
		src = dst;
		dst = dst == tmp ? k : tmp;
	}
	/* Three passes leave the keys in tmp. */
	memcpy(k, src, n * sizeof *k);
	free(tmp);
	free(count);
}

/* Put the rows in the order of their keys (k: the view's), or leave the
 * keys pending when there are too many to sort within a frame. */
static void
order_rows(struct view *v, struct view_key *k, size_t n)
{
	size_t r;
	if (v->defer_rows > 0 && n >= v->defer_rows) {
		v->pending = k;
		v->npending = n;
		return;
	}
	view_sort_keys(k, n);
	for (r = 0; r < n; r++)
		v->rows[r] = k[r].sample;
	free(k);
}

static void
sort_by_float(struct view *v, const float *values, int descending)
{
	size_t n = v->lv.n, r;
	struct view_key *k;

	if (values == NULL)
		return;         /* nothing known yet: path order */
	k = xmalloc((n ? n : 1) * sizeof *k);
	for (r = 0; r < n; r++) {
		float x = v->rows[r] < v->an->n ? values[v->rows[r]] : NAN;
		k[r].key = descending ? -x : x;
		k[r].sample = v->rows[r];
	}
	order_rows(v, k, n);
}

/* Least certain first, the samples waiting for a label before the rest:
 * those are what labelling new data is for. The dataset's label decides,
 * not a decision, so that labelling a sample leaves the order as it was
 * and the next row is the next to look at. Margins lie in [0, 1]. */
static void
sort_uncertain(struct view *v)
{
	const float *margin = v->an->margin;
	size_t n = v->lv.n, r;
	struct view_key *k;

	if (margin == NULL)
		return;
	k = xmalloc((n ? n : 1) * sizeof *k);
	for (r = 0; r < n; r++) {
		uint32_t i = v->rows[r];
		float m = i < v->an->n ? margin[i] : NAN;
		if (v->ds->samples[i].label == LABEL_NONE)
			m = isnan(m) ? -1 : m - 2;
		k[r].key = m;
		k[r].sample = i;
	}
	order_rows(v, k, n);
}

/* Labels are small integers: a counting sort, stable, so path order holds
 * within a label. Samples without a label go last. */
static void
sort_by_label(struct view *v)
{
	size_t nl = v->ds->nlabels + 1, n = v->lv.n, r, *start;
	uint32_t *out;

	start = xcalloc(nl + 1, sizeof *start);
	for (r = 0; r < n; r++) {
		unsigned l = v->ds->samples[v->rows[r]].label;
		start[(l < nl - 1 ? l : nl - 1) + 1]++;
	}
	for (r = 1; r <= nl; r++)
		start[r] += start[r - 1];
	out = v->scratch;
	for (r = 0; r < n; r++) {
		unsigned l = v->ds->samples[v->rows[r]].label;
		out[start[l < nl - 1 ? l : nl - 1]++] = v->rows[r];
	}
	memcpy(v->rows, out, n * sizeof *out);
	free(start);
}

/* splitmix64: a tiny, well-mixed generator, enough for shuffling. */
static uint64_t
next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void
shuffle_rows(struct view *v)
{
	uint64_t state = v->seed;
	size_t r, j;
	uint32_t t;
	for (r = v->lv.n; r > 1; r--) {
		j = (size_t)(next_random(&state) % r);
		t = v->rows[r - 1];
		v->rows[r - 1] = v->rows[j];
		v->rows[j] = t;
	}
}

/* The sample that was selected stays selected, at the same place on the
 * screen; when it is not shown, the row that was selected. */
static void
keep_selection(struct view *v, long keep, size_t old_row, size_t offset)
{
	size_t n = v->lv.n, r;
	int found = 0;

	if (keep >= 0)
		for (r = 0; r < n; r++)
			if (v->rows[r] == (uint32_t)keep) {
				v->lv.sel = r;
				found = 1;
				break;
			}
	if (!found)
		v->lv.sel = n == 0 ? 0 : old_row < n ? old_row : n - 1;
	v->lv.top = v->lv.sel > offset ? v->lv.sel - offset : 0;
	listpos_set_count(&v->lv, n);
	if (v->lv.height > 0)
		listpos_scroll(&v->lv, v->lv.height);
}

void
view_rebuild(struct view *v)
{
	long keep = view_selected(v);
	size_t old_row = v->lv.sel, offset = v->lv.sel - v->lv.top, i, n = 0, k;

	v->generation++;
	free(v->pending);
	v->pending = NULL;
	v->npending = 0;
	if (v->ds == NULL) {
		listpos_set_count(&v->lv, 0);
		return;
	}
	v->rows = xgrow(v->rows, &v->caprows, v->ds->nsamples, sizeof *v->rows);
	if (v->capscratch < v->caprows) {
		free(v->scratch);
		v->scratch = xmalloc(v->caprows * sizeof *v->scratch);
		memset(v->scratch, 0, v->caprows * sizeof *v->scratch);
		v->capscratch = v->caprows;
	}
	for (i = 0; i < v->ds->nsamples; i++) {
		for (k = 0; k < v->nfilters; k++)
			if (!filter_match(v->filters[k], v->ds, v->an, (uint32_t)i))
				break;
		if (k == v->nfilters)
			v->rows[n++] = (uint32_t)i;
	}
	v->lv.n = n;
	if (v->shuffled)
		shuffle_rows(v);
	else {
		switch (v->sort) {
		case SORT_PATH:
		case SORT_COUNT:
			break;
		case SORT_LABEL:
			sort_by_label(v);
			break;
		case SORT_SUSPECT:
			sort_by_float(v, v->an->suspect, 1);
			break;
		case SORT_LOUDNESS:
			sort_by_float(v, v->an->peak_db, 0);
			break;
		case SORT_DURATION:
			sort_by_float(v, v->an->duration, 0);
			break;
		case SORT_OUTLIER:
			sort_by_float(v, v->an->outlier, 1);
			break;
		case SORT_UNCERTAIN:
			sort_uncertain(v);
			break;
		}
	}

	keep_selection(v, keep, old_row, offset);
}

struct view_key *
view_take_pending(struct view *v, size_t *n, unsigned long *generation)
{
	struct view_key *k = v->pending;
	*n = v->npending;
	*generation = v->generation;
	v->pending = NULL;
	v->npending = 0;
	return k;
}

int
view_set_order(struct view *v, const struct view_key *k, size_t n,
    unsigned long generation)
{
	long keep = view_selected(v);
	size_t r;

	if (generation != v->generation || n != v->lv.n)
		return 0;
	for (r = 0; r < n; r++)
		v->rows[r] = k[r].sample;
	keep_selection(v, keep, v->lv.sel, v->lv.sel - v->lv.top);
	return 1;
}

void
view_set_sort(struct view *v, enum sort_key k)
{
	v->sort = k;
	v->shuffled = 0;
	view_rebuild(v);
}

void
view_shuffle(struct view *v, uint64_t seed)
{
	if (seed == 0) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_sec * 1000000007ull ^ (uint64_t)ts.tv_nsec;
		seed ^= (uint64_t)(uintptr_t)v;
	}
	v->seed = seed;
	v->shuffled = 1;
	view_rebuild(v);
}

void
view_push_filter(struct view *v, struct filter *f)
{
	view_push_filter_sorted(v, f, SORT_COUNT);
}

void
view_push_filter_sorted(struct view *v, struct filter *f, enum sort_key sort)
{
	if (sort < SORT_COUNT && (sort != v->sort || v->shuffled)) {
		f->restores = 1;
		f->saved_sort = v->sort;
		f->saved_shuffled = v->shuffled;
		f->saved_seed = v->seed;
		v->sort = sort;
		v->shuffled = 0;
	}
	v->filters = xgrow(v->filters, &v->capfilters, v->nfilters + 1, sizeof *v->filters);
	v->filters[v->nfilters++] = f;
	view_rebuild(v);
}

int
view_pop_filter(struct view *v)
{
	struct filter *f;
	if (v->nfilters == 0)
		return 0;
	f = v->filters[--v->nfilters];
	if (f->restores) {
		v->sort = f->saved_sort;
		v->shuffled = f->saved_shuffled;
		v->seed = f->saved_seed;
	}
	filter_free(f);
	if (v->ds)
		view_rebuild(v);
	return 1;
}
