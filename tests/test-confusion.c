/* test-confusion.c — the confusion matrix on a fixture counted by hand,
 * splits, decisions applied one at a time against a full recount, the
 * samples behind a cell, and suspect labels: the confident-learning rule on
 * a worked example, and on a dataset with labels flipped on purpose. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "confusion.h"
#include "dataset.h"
#include "predictions.h"
#include "tap.h"
#include "testfs.h"
#include "util.h"

/* A dataset without files: sample i is "<label>/<i>" (i zero-padded) in
 * split splits[i] (NULL: none); a label starting with `_` is a `_folder`,
 * not a label. */
static struct dataset *
fake_dataset(const char *const *labels, size_t n, const char *const *splits)
{
	struct dataset *ds = dataset_new_memory("/data/ds");
	size_t i;

	for (i = 0; i < n; i++) {
		char path[64];
		snprintf(path, sizeof path, "%s/%06zu.wav", labels[i], i);
		dataset_add(ds, path, labels[i][0] == '_' ? NULL : labels[i],
		    splits ? splits[i] : NULL);
	}
	return ds;
}

/* Predictions by label name (NULL: none), as annotations. */
static void
set_preds(struct annotations *a, const struct dataset *ds, const char *const *preds)
{
	size_t i;
	free(a->pred);
	a->n = ds->nsamples;
	a->pred = xmalloc(a->n * sizeof *a->pred);
	for (i = 0; i < a->n; i++)
		a->pred[i] = preds[i] ? (uint16_t)dataset_label_find(ds, preds[i]) : LABEL_NONE;
}

static void
is_row(const struct confusion *cm, const struct dataset *ds, const char *label,
    unsigned x, unsigned y, unsigned z, const char *what)
{
	int t = dataset_label_find(ds, label);
	ok(t >= 0 && confusion_cell(cm, t, 0) == x && confusion_cell(cm, t, 1) == y &&
	    confusion_cell(cm, t, 2) == z, "%s: row %s is %u %u %u", what, label, x, y, z);
}

/* Labels a, b, c; counted by hand:
 *
 *   true\pred  a  b  c   recall
 *   a          2  1  1   2/4
 *   b          1  2  0   2/3
 *   c          0  1  2   2/3
 *   precision 2/3 2/4 2/3      accuracy 6/10
 *
 * plus a sample without a prediction and one in a `_noise` folder. */
static const char *const fx_labels[] = { "a", "a", "a", "a", "b", "b", "b", "c", "c", "c",
	"c", "_noise" };
static const char *const fx_preds[] = { "a", "a", "b", "c", "b", "b", "a", "c", "c", "b",
	NULL, "a" };
static const char *const fx_splits[] = { "test", "train", "test", "train", "test", "train",
	"test", "train", "test", "train", "test", "test" };

static void
test_fixture(void)
{
	struct dataset *ds = fake_dataset(fx_labels, ARRAY_SIZE(fx_labels), fx_splits);
	struct annotations a = { 0 };
	struct confusion cm = { .split = -1 };
	struct confusion_pair pairs[8];
	size_t n;

	set_preds(&a, ds, fx_preds);
	confusion_build(&cm, ds, &a, -1, 0);
	is_int((long long)cm.n, 3, "three labels a side");
	is_row(&cm, ds, "a", 2, 1, 1, "all");
	is_row(&cm, ds, "b", 1, 2, 0, "all");
	is_row(&cm, ds, "c", 0, 1, 2, "all");
	is_int((long long)cm.total, 10, "ten samples counted (no prediction, no label: not)");
	is_int((long long)cm.correct, 6, "six right");
	is_near(confusion_accuracy(&cm), 0.6, 1e-12, "accuracy 0.6");
	is_near(confusion_recall(&cm, 0), 0.5, 1e-12, "recall of a");
	is_near(confusion_recall(&cm, 1), 2.0 / 3, 1e-12, "recall of b");
	is_near(confusion_precision(&cm, 0), 2.0 / 3, 1e-12, "precision of a");
	is_near(confusion_precision(&cm, 1), 0.5, 1e-12, "precision of b");
	is_near(confusion_precision(&cm, 2), 2.0 / 3, 1e-12, "precision of c");

	n = confusion_pairs(&cm, pairs, ARRAY_SIZE(pairs));
	is_int((long long)n, 4, "four confused pairs");
	ok(n == 4 && pairs[0].truth == 0 && pairs[0].pred == 1 && pairs[1].truth == 0 &&
	    pairs[1].pred == 2 && pairs[3].truth == 2 && pairs[3].pred == 1,
	    "ties in label order");
	is_int((long long)confusion_pairs(&cm, pairs, 2), 2, "at most as many as asked");

	/* test split: samples 0 2 4 6 8 10 (10 has no prediction) */
	confusion_build(&cm, ds, &a, dataset_split_find(ds, "test"), 0);
	is_row(&cm, ds, "a", 1, 1, 0, "test split");
	is_row(&cm, ds, "b", 1, 1, 0, "test split");
	is_row(&cm, ds, "c", 0, 0, 1, "test split");
	is_int((long long)cm.total, 5, "five in the test split");
	ok(isnan(confusion_precision(&cm, 2)) == 0 && isnan(confusion_recall(&cm, 2)) == 0,
	    "c has support");
	confusion_build(&cm, ds, &a, dataset_split_find(ds, "train"), 0);
	is_int((long long)cm.total, 5, "five in the train split");
	ok(isnan(confusion_precision(&cm, 5)), "no such label: NAN");

	/* decisions: sample 2 (a, predicted b) relabelled to b; sample 9 (c,
	 * predicted b) deleted; sample 0 accepted */
	a.decision = xcalloc(a.n, 1);
	a.relabel_to = xcalloc(a.n, sizeof *a.relabel_to);
	a.decision[2] = DECISION_RELABEL;
	a.relabel_to[2] = (uint16_t)dataset_label_find(ds, "b");
	a.decision[9] = DECISION_DELETE;
	a.decision[0] = DECISION_ACCEPT;
	confusion_build(&cm, ds, &a, -1, 0);
	is_row(&cm, ds, "a", 2, 1, 1, "as in the dataset, decisions aside");
	confusion_build(&cm, ds, &a, -1, 1);
	is_row(&cm, ds, "a", 2, 0, 1, "after decisions");
	is_row(&cm, ds, "b", 1, 3, 0, "after decisions");
	is_row(&cm, ds, "c", 0, 0, 2, "after decisions");
	is_int((long long)cm.total, 9, "the deleted sample is not counted");
	is_near(confusion_accuracy(&cm), 7.0 / 9, 1e-12, "accuracy 7/9");
	is_int(confusion_truth(ds, &a, 2, 1), dataset_label_find(ds, "b"), "truth after");
	is_int(confusion_truth(ds, &a, 2, 0), dataset_label_find(ds, "a"), "truth before");
	is_int(confusion_truth(ds, &a, 9, 1), LABEL_NONE, "a deleted sample has none");

	confusion_free(&cm);
	annotations_free(&a);
	dataset_free(ds);
}

static void
test_samples(void)
{
	struct dataset *ds = fake_dataset(fx_labels, ARRAY_SIZE(fx_labels), fx_splits);
	struct annotations a = { 0 };
	struct confusion cm = { .split = -1 };
	uint32_t *s;
	size_t n;

	set_preds(&a, ds, fx_preds);
	a.suspect = annot_floats(a.n);
	a.suspect[1] = 0.2f;
	a.suspect[3] = 0.9f;
	confusion_build(&cm, ds, &a, -1, 0);

	s = confusion_samples(&cm, &a, 0, 2, &n);
	ok(n == 1 && s[0] == 3, "cell a→c holds sample 3");
	free(s);
	s = confusion_samples(&cm, &a, 0, -1, &n);
	ok(n == 4 && s[0] == 3 && s[1] == 1 && s[2] == 0 && s[3] == 2,
	    "row a: suspects first, most suspect first, then path order");
	free(s);
	s = confusion_samples(&cm, &a, -1, 1, &n);
	ok(n == 4 && s[0] == 2 && s[1] == 4 && s[2] == 5 && s[3] == 9, "column b");
	free(s);
	s = confusion_samples(&cm, &a, 2, 2, &n);
	ok(n == 2 && s[0] == 7 && s[1] == 8, "the diagonal cell c→c");
	free(s);
	s = confusion_samples(&cm, &a, 1, 2, &n);
	ok(n == 0 && s == NULL, "an empty cell");
	free(s);
	s = confusion_samples(&cm, &a, -1, -1, &n);
	is_int((long long)n, 10, "every counted sample");
	free(s);
	confusion_free(&cm);
	annotations_free(&a);
	dataset_free(ds);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static double
uniform(void)
{
	return (double)(rng() >> 11) / 9007199254740992.0;
}

static double
normal(void)
{
	double u = uniform(), v = uniform();
	return sqrt(-2 * log(u + 1e-300)) * cos(2 * M_PI * v);
}

static int
same_counts(const struct confusion *x, const struct confusion *y)
{
	return x->n == y->n && x->total == y->total && x->correct == y->correct &&
	    memcmp(x->cell, y->cell, x->n * x->n * sizeof *x->cell) == 0 &&
	    memcmp(x->row_total, y->row_total, x->n * sizeof *x->row_total) == 0 &&
	    memcmp(x->col_total, y->col_total, x->n * sizeof *x->col_total) == 0;
}

/* Decisions made one by one, each applied with confusion_update, must give
 * what a full recount gives, in every view. */
static void
test_incremental(void)
{
	enum { N = 105000, L = 35, OPS = 3000 };
	static const char *const split_names[] = { "training", "validation", "testing" };
	const char **labels = xmalloc(N * sizeof *labels), **splits = xmalloc(N * sizeof *splits);
	char names[L][8];
	struct dataset *ds;
	struct annotations a = { 0 };
	struct confusion views[4], full = { .split = -1 };
	size_t i, v, op, mismatched = 0;
	double t0, spent = 0;
	int testing;

	for (i = 0; i < L; i++)
		snprintf(names[i], sizeof names[i], "w%02zu", i);
	for (i = 0; i < N; i++) {
		labels[i] = names[i * L / N];
		splits[i] = split_names[rng() % 3];
	}
	ds = fake_dataset(labels, N, splits);
	a.n = N;
	a.pred = xmalloc(N * sizeof *a.pred);
	for (i = 0; i < N; i++)
		a.pred[i] = rng() % 4 ? ds->samples[i].label : (uint16_t)(rng() % L);
	a.decision = xcalloc(N, 1);
	a.relabel_to = xcalloc(N, sizeof *a.relabel_to);
	testing = dataset_split_find(ds, "testing");
	for (v = 0; v < 4; v++) {
		memset(&views[v], 0, sizeof views[v]);
		confusion_build(&views[v], ds, &a, v & 1 ? testing : -1, v >= 2);
	}

	for (op = 0; op < OPS; op++) {
		size_t s = rng() % N;
		switch (rng() % 5) {
		case 0:
		case 1:
			a.decision[s] = DECISION_RELABEL;
			a.relabel_to[s] = (uint16_t)(rng() % L);
			break;
		case 2:
			a.decision[s] = DECISION_DELETE;
			break;
		case 3:
			a.decision[s] = DECISION_ACCEPT;
			break;
		default:
			a.decision[s] = DECISION_NONE;       /* an undo */
			break;
		}
		if (op == OPS / 2) {    /* to a label new to the dataset */
			a.decision[s] = DECISION_RELABEL;
			a.relabel_to[s] = (uint16_t)dataset_label_intern(ds, "zzz-new");
		}
		for (v = 0; v < 4; v++)
			confusion_update(&views[v], ds, &a, s);
		if (op % 100 == 99 || op == OPS / 2) {
			for (v = 0; v < 4; v++) {
				confusion_build(&full, ds, &a, v & 1 ? testing : -1, v >= 2);
				if (!same_counts(&views[v], &full))
					mismatched++;
			}
		}
	}
	is_int((long long)mismatched, 0, "3,000 decisions applied one by one equal a recount "
	    "(all samples or one split, before or after decisions)");
	is_int((long long)views[2].n, L + 1, "a relabel to a new label widens the matrix");

	/* For the record (not a test of speed): relabel and undo in turn. */
	t0 = now_seconds();
	for (op = 0; op < 100000; op++) {
		size_t s = (op * 7919) % N;
		a.decision[s] = op % 2 ? DECISION_NONE : DECISION_RELABEL;
		a.relabel_to[s] = (uint16_t)(op % L);
		confusion_update(&views[2], ds, &a, s);
	}
	spent = now_seconds() - t0;
	t0 = now_seconds();
	confusion_build(&full, ds, &a, -1, 1);
	printf("# one update: %.3f µs on %d samples (a recount: %.0f µs)\n",
	    spent / 100000 * 1e6, N, (now_seconds() - t0) * 1e6);
	ok(same_counts(&views[2], &full), "and after 100,000 more");

	for (v = 0; v < 4; v++)
		confusion_free(&views[v]);
	confusion_free(&full);
	annotations_free(&a);
	dataset_free(ds);
	free(labels);
	free(splits);
}

static struct predictions *
load_annotated(struct dataset *ds, const char *text, struct annotations *a)
{
	char *path = write_text("p.csv", text), *cause = NULL;
	struct predictions *p = predictions_load(path, ds, &cause);
	if (p == NULL) {
		fprintf(stderr, "# %s\n", cause);
		exit(1);
	}
	unlink(path);
	free(path);
	predictions_annotate(p, ds, a);
	return p;
}

/* The rule of winnow(1)'s "Suspect labels" worked by hand. Thresholds:
 *   t_cat = (0.90 + 0.70 + 0.20 + 0.00) / 4 = 0.45
 *   t_dog = (0.80 + 0.60 + 0.35 + 0.25) / 4 = 0.50
 *   t_fox = (0.80 + 0.44 + 0.10) / 3       = 0.4467
 * Suspects (p_y ascending):
 *   3 cat: dog 0.52 >= 0.50 and fox 0.48 >= 0.4467: the higher, dog, wins
 *  10 fox: cat 0.50 >= 0.45
 *   2 cat: dog 0.70 >= 0.50
 *   7 dog: cat 0.70 >= 0.45
 *   6 dog: cat 0.55 >= 0.45
 * Not: 0 1 4 5 8 (argmax is the label), 9 (argmax cat, but 0.44 < 0.45). */
static void
test_rule(void)
{
	static const char *const labels[] = { "cat", "cat", "cat", "cat", "dog", "dog", "dog",
		"dog", "fox", "fox", "fox" };
	static const size_t want[] = { 3, 10, 2, 7, 6 };
	static const char *const want_likely[] = { "dog", "cat", "dog", "cat", "cat" };
	struct dataset *ds = fake_dataset(labels, ARRAY_SIZE(labels), NULL);
	struct annotations a = { 0 };
	struct predictions *p;
	struct suspect *s;
	struct buf b = { 0 };
	size_t n, i;
	int right = 1;

	p = load_annotated(ds,
	    "path,pred,p_cat,p_dog,p_fox\n"
	    "cat/000000.wav,cat,0.90,0.05,0.05\n"
	    "cat/000001.wav,cat,0.70,0.20,0.10\n"
	    "cat/000002.wav,dog,0.20,0.70,0.10\n"
	    "cat/000003.wav,dog,0.00,0.52,0.48\n"
	    "dog/000004.wav,dog,0.10,0.80,0.10\n"
	    "dog/000005.wav,dog,0.30,0.60,0.10\n"
	    "dog/000006.wav,cat,0.55,0.35,0.10\n"
	    "dog/000007.wav,cat,0.70,0.25,0.05\n"
	    "fox/000008.wav,fox,0.10,0.10,0.80\n"
	    "fox/000009.wav,cat,0.44,0.12,0.44\n"
	    "fox/000010.wav,cat,0.50,0.40,0.10\n", &a);
	s = suspects_find(p, ds, NULL, &n);
	is_int((long long)n, 5, "five suspects");
	for (i = 0; i < n && i < ARRAY_SIZE(want); i++)
		if (s[i].sample != want[i] || strcmp(ds->labels[s[i].likely], want_likely[i]) != 0)
			right = 0;
	ok(right && n == 5, "the suspects, their likely labels, lowest self-confidence first");
	if (n >= 3) {
		is_near(s[0].score, 1.0, 1e-6, "score 1 - p_y");
		is_near(s[2].threshold, 0.5, 1e-6, "t_dog");
		suspect_detail(&s[2], ds, &b);
		is_str(buf_str(&b), "p(cat)=0.20 < p(dog)=0.70 >= t_dog=0.50", "the detail");
		b.len = 0;
		suspect_detail(&s[1], ds, &b);
		is_str(buf_str(&b), "p(fox)=0.10 < p(cat)=0.50 >= t_cat=0.45", "another");
	}
	ok(isnan(a.suspect[0]) && isnan(a.suspect[9]) && fabsf(a.suspect[3] - 1) < 1e-6 &&
	    fabsf(a.suspect[6] - 0.65f) < 1e-6, "annotations carry the scores, NAN elsewhere");
	free(s);

	/* Judged against other labels (after decisions): sample 2 relabelled
	 * to dog is no longer a suspect, and the thresholds move. */
	{
		uint16_t *l = xmalloc(ds->nsamples * sizeof *l);
		for (i = 0; i < ds->nsamples; i++)
			l[i] = ds->samples[i].label;
		l[2] = (uint16_t)dataset_label_find(ds, "dog");
		l[8] = LABEL_NONE;
		s = suspects_find(p, ds, l, &n);
		for (i = 0; i < n; i++)
			if (s[i].sample == 2 || s[i].sample == 8)
				break;
		ok(i == n, "relabelled and skipped samples are judged as given");
		free(s);
		free(l);
	}
	predictions_free(p);
	annotations_free(&a);

	/* Without probabilities: pred != label, in path order. */
	p = load_annotated(ds, "path,pred\ncat/000002.wav,dog\ncat/000000.wav,cat\n"
	    "dog/000007.wav,cat\nfox/000009.wav,cat\n", &a);
	s = suspects_find(p, ds, NULL, &n);
	ok(n == 3 && s[0].sample == 2 && s[1].sample == 7 && s[2].sample == 9 &&
	    s[0].score == 1, "without probabilities: every disagreement, in path order");
	b.len = 0;
	if (n > 0)
		suspect_detail(&s[0], ds, &b);
	is_str(buf_str(&b), "pred dog != label cat", "its detail");
	free(s);
	predictions_free(p);
	annotations_free(&a);
	buf_free(&b);
	dataset_free(ds);
}

/* A model as trained networks are, sure of most samples and unsure of some
 * (one in five), on a dataset where 5% of the labels were flipped to
 * another class: the flipped samples must rank at the top. */
static void
test_flipped(void)
{
	enum { N = 4000, K = 10, FLIPS = 200 };
	const char **labels = xmalloc(N * sizeof *labels);
	char names[K][8];
	uint8_t *flipped = xcalloc(N, 1);
	int *truth = xmalloc(N * sizeof *truth);
	struct dataset *ds;
	struct annotations a = { 0 };
	struct predictions *p;
	struct suspect *s;
	struct buf text = { 0 };
	size_t i, k, n, top = 0, found = 0, right = 0, flips = 0;

	for (k = 0; k < K; k++)
		snprintf(names[k], sizeof names[k], "k%zu", k);
	for (i = 0; i < N; i++) {
		truth[i] = (int)(rng() % K);
		labels[i] = names[truth[i]];
	}
	while (flips < FLIPS) {
		i = rng() % N;
		if (flipped[i])
			continue;
		flipped[i] = 1;
		labels[i] = names[(truth[i] + 1 + (int)(rng() % (K - 1))) % K];
		flips++;
	}
	/* Paths are "<label>/<i>": sort by them as the index would. */
	ds = fake_dataset(labels, N, NULL);
	buf_adds(&text, "path,pred");
	for (k = 0; k < K; k++)
		buf_addf(&text, ",p_%s", names[k]);
	buf_addc(&text, '\n');
	for (i = 0; i < N; i++) {
		double z[K], sum = 0, margin = rng() % 5 ? 6 : 1.5;
		size_t best = 0;
		for (k = 0; k < K; k++) {
			z[k] = exp(normal() + (k == (size_t)truth[i] ? margin : 0));
			sum += z[k];
			if (z[k] > z[best])
				best = k;
		}
		if (best == (size_t)truth[i])
			right++;
		buf_addf(&text, "%s/%06zu.wav,%s", labels[i], i, names[best]);
		for (k = 0; k < K; k++)
			buf_addf(&text, ",%.6f", z[k] / sum);
		buf_addc(&text, '\n');
	}
	p = load_annotated(ds, buf_str(&text), &a);
	/* The dataset's samples are sorted by path; map back by name. */
	s = suspects_find(p, ds, NULL, &n);
	for (i = 0; i < n; i++) {
		const char *path = sample_path(ds, s[i].sample), *slash = strchr(path, '/');
		size_t orig = strtoul(slash + 1, NULL, 10);
		if (flipped[orig]) {
			found++;
			if (i < FLIPS)
				top++;
		}
	}
	printf("# model accuracy %.2f; %zu suspects; %zu of %d flipped found, %zu in the "
	    "top %d\n", (double)right / N, n, found, FLIPS, top, FLIPS);
	ok(found >= FLIPS * 3 / 4, "most flipped labels are suspects (%zu of %d)", found,
	    FLIPS);
	ok(top >= (n < FLIPS ? n : FLIPS) * 9 / 10, "the top %d suspects are nearly all "
	    "flipped labels (%zu)", FLIPS, top);
	free(s);
	predictions_free(p);
	annotations_free(&a);
	buf_free(&text);
	dataset_free(ds);
	free(labels);
	free(flipped);
	free(truth);
}

int
main(void)
{
	testfs_init("confusion");
	test_fixture();
	test_samples();
	test_incremental();
	test_rule();
	test_flipped();
	return testfs_done();
}
