/* test-embed.c — embeddings: reading both file formats and their bad rows,
 * the cluster scores on synthetic data with a planted second cluster
 * and planted outliers, and the k nearest neighbours against every pair's
 * distance.
 *
 * With arguments it is a helper for tests/embed.sh and for measuring:
 *   test-embed --project FILE DATASET   path and first three principal
 *                                       coordinates of each row (TSV)
 *   test-embed --make DIR N DIM         write a synthetic dataset (empty sample
 *                                       files, embeddings.tsv) to DIR
 *   test-embed --time FILE DATASET      seconds to read, and to analyse
 *                                       (elapsed, and CPU over all threads) */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checks.h"
#include "dataset.h"
#include "embed.h"
#include "embed-knn.h"
#include "tap.h"
#include "testfs.h"
#include "util.h"

/* ---- deterministic synthetic data ---- */

static uint64_t rng_state;

static double
rng_uniform(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

static double
rng_normal(void)
{
	return sqrt(-2 * log(rng_uniform())) * cos(2 * M_PI * rng_uniform());
}

/* A random direction of length len. */
static void
random_offset(double *v, size_t dim, double len)
{
	double n = 0;
	size_t j;
	for (j = 0; j < dim; j++) {
		v[j] = rng_normal();
		n += v[j] * v[j];
	}
	for (j = 0; j < dim; j++)
		v[j] *= len / sqrt(n);
}

/* An empty file, and the folders on its way (below an existing one). */
static void
touch(const char *path)
{
	char *p = xstrdup(path), *slash = p;
	FILE *f;
	while ((slash = strchr(slash + 1, '/')) != NULL) {
		*slash = '\0';
		mkdir(p, 0755);
		*slash = '/';
	}
	if ((f = fopen(p, "w")) == NULL || fclose(f) != 0)
		die("cannot make %s", p);
	free(p);
}

/* The planted truth of a synthetic set. */
struct synth {
	size_t n, dim, nclasses;
	size_t split_class;     /* the class with a second cluster */
	uint8_t *second;        /* n: in that second cluster */
	uint8_t *outlier;       /* n: planted outlier */
	size_t noutliers;
};

static const char *const synth_labels[] = { "cat", "dog", "jaguar", "lynx", "puma" };

/* Make DIR/<label>/<n>.wav (empty files: only their names matter here) and
 * DIR/embeddings.tsv: n samples of dim values in
 * five classes of unit-variance blobs; "jaguar" holds a second blob (a
 * third of it) 10 standard deviations away; one sample in 97 (at least
 * three) is moved 6 class radii away from its class. */
static void
synth_write(const char *dir, size_t n, size_t dim, struct synth *t)
{
	char *f;
	FILE *emb;
	size_t i, j, k, nc = ARRAY_SIZE(synth_labels);
	double *centre = xmalloc(nc * dim * sizeof *centre);
	double *second = xmalloc(dim * sizeof *second), *off = xmalloc(dim * sizeof *off);
	size_t every = n / 97 < 3 ? n / 3 : 97;

	rng_state = 42;
	memset(t, 0, sizeof *t);
	t->n = n;
	t->dim = dim;
	t->nclasses = nc;
	t->split_class = 2;
	t->second = xcalloc(n, 1);
	t->outlier = xcalloc(n, 1);
	for (k = 0; k < nc; k++)
		random_offset(centre + k * dim, dim, 12 * sqrt((double)dim) / 4);
	random_offset(second, dim, 10);

	f = xasprintf("%s/embeddings.tsv", dir);
	emb = fopen(f, "w");
	free(f);
	if (emb == NULL)
		die("cannot write in %s", dir);
	fprintf(emb, "path");
	for (j = 0; j < dim; j++)
		fprintf(emb, "\tf%zu", j);
	fprintf(emb, "\n");
	for (i = 0; i < n; i++) {
		k = i % nc;
		f = xasprintf("%s/%s/%06zu.wav", dir, synth_labels[k], i);
		touch(f);
		free(f);
		fprintf(emb, "%s/%06zu.wav", synth_labels[k], i);
		t->second[i] = k == t->split_class && (i / nc) % 3 == 0;
		t->outlier[i] = i % every == every / 3 && k != t->split_class;
		t->noutliers += t->outlier[i];
		if (t->outlier[i])
			random_offset(off, dim, 6 * sqrt((double)dim));
		for (j = 0; j < dim; j++) {
			double v = centre[k * dim + j] + rng_normal();
			if (t->second[i])
				v += second[j];
			if (t->outlier[i])
				v += off[j];
			fprintf(emb, "\t%.6g", v);
		}
		fprintf(emb, "\n");
	}
	if (fclose(emb) != 0)
		die("cannot write in %s", dir);
	free(centre);
	free(second);
	free(off);
}

/* The synthetic index of a sample: its file's number. */
static size_t
synth_index(const struct dataset *ds, uint32_t sample)
{
	return strtoul(strchr(sample_path(ds, sample), '/') + 1, NULL, 10);
}

static void
synth_free(struct synth *t)
{
	free(t->second);
	free(t->outlier);
}

/* ---- helpers ---- */

/* A dataset folder under the temporary one, with these empty samples. */
static struct dataset *
make_ds(const char *name, const char *const *samples, size_t n)
{
	char *root = at("%s", name), *f;
	struct dataset *ds;
	size_t i;
	mkdir(root, 0755);
	for (i = 0; i < n; i++) {
		f = xasprintf("%s/%s", root, samples[i]);
		touch(f);
		free(f);
	}
	ds = open_ds(root);
	free(root);
	return ds;
}

/* Loading fails with a message that contains `want`. */
static void
load_fails(struct dataset *ds, const char *file, const char *want, const char *name)
{
	char *cause = NULL;
	struct embeddings *e = embed_load(ds, file, NULL, NULL, &cause);
	if (!ok(e == NULL && cause != NULL && strstr(cause, want) != NULL, "%s", name))
		fprintf(stderr, "#   got \"%s\", want \"%s\"\n", cause ? cause : "(none)", want);
	embed_free(e);
	free(cause);
}

static int
has_problem(const struct embeddings *e, size_t line, const char *text)
{
	size_t i;
	for (i = 0; i < e->nproblems; i++)
		if (e->problems[i].line == line && strstr(e->problems[i].message, text))
			return 1;
	return 0;
}

/* ---- tests ---- */

static void
test_scores(void)
{
	char *dir = at("synth"), *f, *cause = NULL;
	struct synth t;
	struct dataset *ds;
	struct embeddings *e;
	struct embed_analysis *a, *b;
	unsigned *rank;
	size_t i, k, *order, top_ok = 0, planted_flagged = 0, others_flagged = 0;
	size_t agree = 0, in_class = 0;
	float first_other = 0;
	struct findings found = { 0 };
	int split_found = 0, other_split = 0;

	mkdir(dir, 0755);
	synth_write(dir, 2000, 48, &t);
	ds = open_ds(dir);
	f = xasprintf("%s/embeddings.tsv", dir);
	e = embed_load(ds, f, NULL, NULL, &cause);
	ok(e != NULL, "synthetic embeddings load (%s)", cause ? cause : "");
	if (e == NULL)
		return;
	is_int(e->n, 2000, "every row joined to its sample");
	is_int(e->dim, 48, "width from the rows, header skipped");
	is_int(e->nbad, 0, "no bad rows");

	a = embed_analyse(e, ds, NULL, NULL, &cause);
	ok(a != NULL, "analysis runs");
	if (a == NULL)
		return;

	/* The split class ranks first, clearly above the threshold; the
	 * others are single blobs, below it. */
	rank = embed_split_ranking(a);
	is_str(ds->labels[rank[0]], "jaguar", "the planted split class ranks first");
	ok(a->classes[rank[0]].split >= EMBED_SPLIT_THRESHOLD,
	    "its split score %.2f is over %g", a->classes[rank[0]].split,
	    EMBED_SPLIT_THRESHOLD);
	ok(a->classes[rank[1]].split < EMBED_SPLIT_THRESHOLD,
	    "the next class's, %.2f, is under it", a->classes[rank[1]].split);
	/* The two groups are the planted ones. */
	for (i = 0; i < e->n; i++) {
		if (ds->samples[e->sample[i]].label != rank[0])
			continue;
		in_class++;
		agree += a->group[i] == t.second[synth_index(ds, e->sample[i])];
	}
	if (agree < in_class - agree)
		agree = in_class - agree;
	is_int(agree, in_class, "k-means finds the planted groups exactly");

	/* The planted outliers have the highest outlier scores, all flagged;
	 * no other sample is. */
	order = xmalloc(e->n * sizeof *order);
	for (i = 0; i < e->n; i++)
		order[i] = i;
	for (i = 0; i < t.noutliers; i++)
		for (k = i + 1; k < e->n; k++)
			if ((isnan(a->outlier[order[i]]) ? -1 : a->outlier[order[i]]) <
			    (isnan(a->outlier[order[k]]) ? -1 : a->outlier[order[k]])) {
				size_t tmp = order[i];
				order[i] = order[k];
				order[k] = tmp;
			}
	for (i = 0; i < t.noutliers; i++)
		top_ok += t.outlier[synth_index(ds, e->sample[order[i]])];
	is_int(top_ok, t.noutliers, "the planted outliers rank at the top");
	for (i = 0; i < e->n; i++) {
		if (t.outlier[synth_index(ds, e->sample[i])])
			planted_flagged += a->outlier[i] >= EMBED_OUTLIER_THRESHOLD;
		else {
			others_flagged += a->outlier[i] >= EMBED_OUTLIER_THRESHOLD;
			if (a->outlier[i] > first_other)
				first_other = a->outlier[i];
		}
	}
	is_int(planted_flagged, t.noutliers, "each planted outlier is over the threshold");
	ok(others_flagged == 0, "no other sample is (highest %.2f)", first_other);

	embed_findings(e, a, ds, EMBED_OUTLIER_THRESHOLD, EMBED_SPLIT_THRESHOLD, &found);
	for (i = 0; i < found.n; i++) {
		if (found.v[i].check == CHECK_CLUSTER_SPLIT) {
			if (strcmp(found.v[i].path, "jaguar/") == 0)
				split_found = 1;
			else
				other_split = 1;
		}
	}
	ok(split_found && !other_split, "cluster-split names jaguar/ and only it");
	is_int(found.count[CHECK_CLUSTER_OUTLIER], t.noutliers,
	    "a cluster-outlier finding per planted outlier");
	findings_free(&found);

	/* Same input, same answer: the k-means seed is fixed. */
	embed_free(e);
	e = embed_load(ds, f, NULL, NULL, &cause);
	b = embed_analyse(e, ds, NULL, NULL, &cause);
	ok(b && memcmp(a->group, b->group, e->n) == 0 &&
	    a->classes[rank[0]].split == b->classes[rank[0]].split,
	    "a second run gives the same groups and scores");
	/* Principal components are unit vectors, most variance first. */
	{
		double norm = 0;
		for (k = 0; k < a->dim; k++)
			norm += (double)a->components[k] * a->components[k];
		is_near(norm, 1, 1e-4, "components are unit vectors");
		ok(a->variance[0] >= a->variance[1] && a->variance[1] >= a->variance[2],
		    "in order of variance");
	}
	free(rank);
	free(order);
	embed_analysis_free(a);
	embed_analysis_free(b);
	embed_free(e);
	dataset_free(ds);
	synth_free(&t);
	free(f);
	free(dir);
}

/* The numbers test-predictions reads, read by the embeddings' reader, which
 * shares its parser: each the float strtod gives, bit for bit; inf, nan and
 * what overflows are "not finite", the rest of the bad ones "not a number". */
static void
test_numbers(void)
{
	static const char *const good[] = { "0", "1", "0.5", ".25", "1.", "1e-05", "2.5E-3",
		"+0.125", "0.00000000000000000000000000001", "0.12345678901234567890123",
		"0.0028571428571428571", "1000e-3", "0.000000012345678",
		"12345678901234567890123e-23", "4444E-48444448888", "1e-99999999999999999999",
		"0.5e-2147483649", "1E-0000000000000000000000001",
		"123456789012345678901234567890e-30",
		"0.000000000000000000000000000000000000000000000000000000000000001e62",
		/* numbers, if not probabilities */
		"99999999999999999999999", "1234567890123456789.5", "-3", " 0.1" };
	static const char *const nonfinite[] = { "nan", "inf", "-inf", "Infinity",
		"4444E48444448888", "1e99999999999999999999", "1E+2147483648" };
	static const char *const bad[] = { "", "x", ".", "-", "1e", "0.5.5", "0,5", "1e+",
		"0x1p-2", "1 2", "+", "-.", "e5", "-e", "1e-", ".e1" };
	static const char *const samples[] = { "yes/1.wav", "yes/2.wav" };
	struct dataset *ds = make_ds("numbers", samples, ARRAY_SIZE(samples));
	char *cause = NULL, *f, *text;
	struct embeddings *e;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		float want = (float)strtod(good[i], NULL);
		text = xasprintf("yes/1.wav\t0.25\t0.5\nyes/2.wav\t%s\t0.5\n", good[i]);
		f = write_text("numbers.tsv", text);
		e = embed_load(ds, f, NULL, NULL, &cause);
		if (ok(e && e->n == 2, "embeddings: '%s' is a number", good[i])) {
			size_t r = e->sample[0] == 1 ? 0 : 1;
			ok(memcmp(&e->x[r * e->dim], &want, sizeof want) == 0,
			    "embeddings: '%s' reads as strtod's float", good[i]);
		} else {
			free(cause);
			cause = NULL;
		}
		embed_free(e);
		free(f);
		free(text);
	}
	for (i = 0; i < ARRAY_SIZE(nonfinite) + ARRAY_SIZE(bad); i++) {
		int finite = i >= ARRAY_SIZE(nonfinite);
		const char *v = finite ? bad[i - ARRAY_SIZE(nonfinite)] : nonfinite[i];
		text = xasprintf("yes/1.wav\t0.25\t0.5\nyes/2.wav\t%s\t0.5\n", v);
		f = write_text("numbers.tsv", text);
		e = embed_load(ds, f, NULL, NULL, &cause);
		ok(e && e->n == 1 && e->bad[EMBED_BAD_VALUE] == 1 &&
		    has_problem(e, 2, finite ? "value 1 is not a number" : "value 1 is not finite"),
		    "embeddings: '%s' is %s", v, finite ? "not a number" : "not finite");
		if (e == NULL) {
			free(cause);
			cause = NULL;
		}
		embed_free(e);
		free(f);
		free(text);
	}
	dataset_free(ds);
}

static void
test_bad_rows(void)
{
	char *cause = NULL, *f;
	struct dataset *ds;
	struct embeddings *e;

	static const char *const samples[] = { "yes/1.wav", "yes/2.wav", "yes/3.wav",
	    "no/1.wav", "no/2.wav", "no/3.wav", "no/4.wav" };

	ds = make_ds("ds", samples, ARRAY_SIZE(samples));

	f = write_text("bad.tsv",
	    "yes/1.wav\t1\t2\t3\n"                /* 1 good */
	    "yes/2.wav\t1\t2\n"                   /* 2 width */
	    "yes/3.wav\t1\tNaN\t3\n"              /* 3 NaN */
	    "\n"                                  /* 4 blank: ignored */
	    "no/1.wav\t1\tinf\t3\n"               /* 5 infinite */
	    "no/2.wav\t1\tabc\t3\n"               /* 6 not a number */
	    "nope/9.wav\t1\t2\t3\n"               /* 7 unknown path */
	    "./yes/1.wav\t4\t5\t6\n"              /* 8 repeated */
	    "no/3.wav\t1e400\t2\t3\r\n"           /* 9 overflow */
	    "no/4.wav\t-1.5e-3\t.5\t7.\n");       /* 10 good */
	e = embed_load(ds, f, NULL, NULL, &cause);
	ok(e != NULL, "a file with bad rows loads");
	if (e != NULL) {
		is_int(e->n, 2, "two good rows kept");
		is_int(e->lines, 9, "nine rows read (the blank line is none)");
		is_int(e->bad[EMBED_BAD_WIDTH], 1, "one row of the wrong width");
		is_int(e->bad[EMBED_BAD_VALUE], 4, "four rows with bad values");
		is_int(e->bad[EMBED_BAD_PATH], 1, "one unknown path");
		is_int(e->bad[EMBED_BAD_REPEAT], 1, "one repeated path");
		ok(has_problem(e, 2, "2 values, 3 expected"), "line 2: width reported");
		ok(has_problem(e, 3, "value 2 is not finite"), "line 3: NaN reported");
		ok(has_problem(e, 5, "value 2 is not finite"), "line 5: inf reported");
		ok(has_problem(e, 6, "value 2 is not a number: abc"), "line 6: text reported");
		ok(has_problem(e, 7, "nope/9.wav is not a sample"), "line 7: path reported");
		ok(has_problem(e, 8, "first at line 1"), "line 8: repeat reported");
		ok(has_problem(e, 9, "value 1 is not finite"), "line 9: overflow reported");
		is_near(e->x[3], -1.5e-3, 1e-9, "exponent parsed");
		is_near(e->x[4], 0.5, 1e-9, "leading point parsed");
		is_near(e->x[5], 7, 1e-9, "trailing point parsed");
		embed_free(e);
	}
	free(f);

	/* Files that cannot be used at all. */
	f = write_text("empty.tsv", "");
	load_fails(ds, f, "empty", "an empty file is an error");
	free(f);
	f = write_text("garbage.tsv", "\x7f" "ELF\x01\x02\x03 no tabs here\n\x00\x01");
	load_fails(ds, f, "", "garbage is an error");
	free(f);
	f = write_text("allbad.tsv", "yes/1.wav\t1\tx\nnope\t1\t2\n");
	load_fails(ds, f, "none of its 2 rows", "no usable row is an error");
	free(f);
	f = at("missing.tsv");
	load_fails(ds, f, "No such file", "a missing file is an error");
	free(f);

	/* A hostile path is only ever looked up, never opened. */
	f = write_text("hostile.tsv", "../../etc/passwd\t1\t2\n/etc/passwd\t1\t2\n"
	    "yes/\xff\x01.wav\t1\t2\nyes/1.wav\t1\t2\n");
	e = embed_load(ds, f, NULL, NULL, &cause);
	ok(e && e->n == 1 && e->bad[EMBED_BAD_PATH] == 3 &&
	    has_problem(e, 3, "\\xff\\x01"), "hostile paths are unknown, shown escaped");
	embed_free(e);
	free(f);
	dataset_free(ds);
}

static void
test_tensorboard(void)
{
	char *cause = NULL, *f;
	struct dataset *ds;
	struct embeddings *e;

	static const char *const samples[] = { "a/1.png", "a/2.png", "b/1.png" };

	ds = make_ds("tb", samples, ARRAY_SIZE(samples));

	/* Several columns: a header row names the path column. */
	free(write_text("tb/metadata.tsv", "label\tpath\na\ta/1.png\nb\tb/1.png\n"
	    "a\tzzz.png\n"));
	f = write_text("tb/vectors.tsv", "0.1\t0.2\n0.3\t0.4\n0.5\t0.6\n");
	e = embed_load(ds, f, NULL, NULL, &cause);
	ok(e != NULL, "TensorBoard vectors with a metadata header (%s)", cause ? cause : "");
	if (e) {
		is_int(e->n, 2, "two rows joined");
		is_int(e->dim, 2, "two values a row");
		is_int(e->sample[1], dataset_find(ds, "b/1.png"), "row 2 is metadata's row 2");
		is_near(e->x[2], 0.3, 1e-7, "its values");
		ok(has_problem(e, 3, "zzz.png (metadata line 4)"),
		    "an unknown path names both lines");
		ok(e->metadata && strstr(e->metadata, "tb/metadata.tsv"), "metadata found beside");
	}
	embed_free(e);
	free(f);
	/* Given the metadata file, or the folder, the pair is found too. */
	f = at("tb/metadata.tsv");
	e = embed_load(ds, f, NULL, NULL, &cause);
	ok(e && e->n == 2, "-e metadata.tsv reads its vectors");
	embed_free(e);
	free(f);
	f = at("tb");
	e = embed_load(ds, f, NULL, NULL, &cause);
	ok(e && e->n == 2, "-e FOLDER reads the pair in it");
	embed_free(e);
	free(f);

	/* One column: no header, each line a path. */
	free(write_text("tb1/metadata.tsv", "a/1.png\na/2.png\nb/1.png\n"));
	f = write_text("tb1/vectors.tsv", "1\t2\t3\n4\t5\t6\n7\t8\t9\n");
	e = embed_load(ds, f, NULL, NULL, &cause);
	ok(e && e->n == 3 && e->dim == 3, "single-column metadata has no header");
	embed_free(e);
	free(f);

	/* The two files must agree row for row. */
	free(write_text("tb1/metadata.tsv", "a/1.png\na/2.png\n"));
	f = at("tb1/vectors.tsv");
	load_fails(ds, f, "row for row", "row counts that differ are an error");
	free(write_text("tb1/metadata.tsv", "label\tcolour\na\tred\na\tblue\nb\tred\n"));
	load_fails(ds, f, "no column named path", "a header without a path column is an error");
	{
		char *meta = at("tb1/metadata.tsv");
		unlink(meta);
		free(meta);
	}
	load_fails(ds, f, "metadata.tsv", "vectors without metadata are an error");
	free(f);
	dataset_free(ds);
}

static void
test_default_file(void)
{
	static const char *const samples[] = { "a/1.png" };
	char *d;
	struct dataset *ds;


	ds = make_ds("def", samples, ARRAY_SIZE(samples));
	ok(embed_default_file(ds) == NULL, "no default file when there is none");
	free(write_text("def/vectors.tsv", "1\n"));
	ok(embed_default_file(ds) == NULL, "vectors.tsv alone is not one");
	free(write_text("def/metadata.tsv", "a/1.png\n"));
	d = embed_default_file(ds);
	ok(d && strstr(d, "/def/vectors.tsv"), "vectors.tsv with metadata.tsv is");
	free(d);
	free(write_text("def/embeddings.tsv", "a/1.png\t1\n"));
	d = embed_default_file(ds);
	ok(d && strstr(d, "/def/embeddings.tsv"), "embeddings.tsv comes first");
	free(d);
	dataset_free(ds);
}

/* ---- helper modes ---- */

static int
helper_project(const char *file, const char *dataset)
{
	char *cause = NULL;
	struct dataset *ds = open_ds(dataset);
	struct embeddings *e = embed_load(ds, file, NULL, NULL, &cause);
	struct embed_analysis *a = NULL;
	size_t i, c;

	if (e == NULL || (a = embed_analyse(e, ds, NULL, NULL, &cause)) == NULL) {
		fprintf(stderr, "test-embed: %s\n", cause);
		free(cause);
		embed_free(e);
		dataset_free(ds);
		return 2;
	}
	for (i = 0; i < a->n; i++) {
		printf("%s", sample_path(ds, e->sample[i]));
		for (c = 0; c < 3 && c < a->ncomp; c++)
			printf("\t%.7g", a->proj[i * a->ncomp + c]);
		printf("\n");
	}
	embed_analysis_free(a);
	embed_free(e);
	dataset_free(ds);
	return 0;
}

static int
helper_time(const char *file, const char *dataset)
{
	char *cause = NULL;
	struct dataset *ds = open_ds(dataset);
	struct embeddings *e;
	struct embed_analysis *a;
	double t0, t1, t2, c0, c1, c2;
	unsigned *rank;

	dataset_find(ds, "");
	t0 = now_seconds();
	c0 = (double)clock() / CLOCKS_PER_SEC;
	e = embed_load(ds, file, NULL, NULL, &cause);
	t1 = now_seconds();
	c1 = (double)clock() / CLOCKS_PER_SEC;
	if (e == NULL || (a = embed_analyse(e, ds, NULL, NULL, &cause)) == NULL) {
		fprintf(stderr, "test-embed: %s\n", cause);
		return 2;
	}
	t2 = now_seconds();
	c2 = (double)clock() / CLOCKS_PER_SEC;
	rank = embed_split_ranking(a);
	printf("rows %zu dim %zu\nread    %.2f s (%.2f s of CPU)\nanalyse %.2f s "
	    "(%.2f s of CPU)\nfirst split %s %.2f\n", e->n, e->dim, t1 - t0, c1 - c0,
	    t2 - t1, c2 - c1, ds->labels[rank[0]], a->classes[rank[0]].split);
	free(rank);
	embed_analysis_free(a);
	embed_free(e);
	dataset_free(ds);
	return 0;
}

/* ---- k nearest neighbours ---- */

static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return x < y ? -1 : x > y;
}

/* embed_knn_find against every pair's distance in double: the same k
 * distances each row (which of two equal ones may differ). */
static void
knn_against_pairs(size_t n, size_t dim, size_t ngroups, int clustered, size_t k)
{
	float *x = xmalloc(n * dim * sizeof *x), *want = xmalloc(n * sizeof *want);
	unsigned *group = xmalloc(n * sizeof *group);
	struct embed_knn nn;
	size_t i, j, t, bad = 0, badself = 0;
	double worst = 0;
	char *cause = NULL;

	for (i = 0; i < n; i++) {
		group[i] = (unsigned)(rng_uniform() * ngroups);
		for (j = 0; j < dim; j++)
			x[i * dim + j] = (float)(rng_normal() +
			    (clustered && j == 0 ? 12.0 * group[i] : 0));
	}
	/* A row given twice: its nearest is at distance 0. */
	memcpy(x + (n - 1) * dim, x, dim * sizeof *x);
	if (embed_knn_find(x, n, dim, ngroups > 1 ? group : NULL, k, NULL, NULL, &nn, &cause) != 0) {
		ok(0, "knn %zu × %zu: %s", n, dim, cause);
		free(cause);
		goto out;
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++) {
			double s = 0, d;
			for (t = 0; t < dim; t++) {
				d = (double)x[i * dim + t] - x[j * dim + t];
				s += d * d;
			}
			want[j] = j == i ? INFINITY : (float)sqrt(s);
		}
		qsort(want, n, sizeof *want, cmp_float);
		for (t = 0; t < k; t++) {
			double e = fabs(nn.dist[i * k + t] - want[t]) / (want[t] > 1 ? want[t] : 1);
			if (e > worst)
				worst = e;
			bad += e > 1e-5;
			badself += nn.idx[i * k + t] == i;
		}
	}
	ok(bad == 0 && badself == 0, "knn %zu × %zu, %zu group%s%s: the k nearest of every "
	    "row (worst relative error %.2g)", n, dim, ngroups, ngroups > 1 ? "s" : "",
	    clustered ? ", clustered" : "", worst);
	is_near(nn.dist[0], 0, 1e-6, "knn: a row given twice is its copy's nearest");
	is_int(nn.idx[0], n - 1, "knn: ... and names it");
	embed_knn_free(&nn);
out:
	free(x);
	free(want);
	free(group);
}

static void
test_knn(void)
{
	/* Points on a line at 0, 1, 3, 6, 10, k = 2: nearest 1 1 2 3 4,
	 * means 2 1.5 2.5 3.5 5.5. */
	static const float line[] = { 0, 1, 3, 6, 10 };
	float mean[5];
	struct embed_knn nn;
	char *cause = NULL;

	rng_state = 11;
	if (embed_knn_find(line, 5, 1, NULL, 2, NULL, NULL, &nn, &cause) != 0) {
		ok(0, "knn on a line: %s", cause);
		free(cause);
		return;
	}
	is_int(nn.idx[4 * 2], 3, "knn on a line: 10's nearest is 6");
	is_int(nn.idx[4 * 2 + 1], 2, "knn on a line: ... then 3");
	is_near(embed_knn_median_nearest(&nn), 2, 1e-6, "knn: median nearest distance");
	is_near(embed_knn_mean_distances(&nn, mean), 2.5, 1e-6, "knn: median mean distance");
	is_near(mean[4], 5.5, 1e-6, "knn: mean distance of the far end");
	embed_knn_free(&nn);

	knn_against_pairs(40, 3, 1, 0, 10);
	knn_against_pairs(300, 16, 4, 1, 10);
	knn_against_pairs(1500, 70, 5, 0, 10);  /* more than a tile of queries */
	knn_against_pairs(2000, 8, 7, 1, 10);
}

int
main(int argc, char **argv)
{
	struct synth t;

	if (argc == 4 && strcmp(argv[1], "--project") == 0)
		return helper_project(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "--time") == 0)
		return helper_time(argv[2], argv[3]);
	if (argc == 5 && strcmp(argv[1], "--make") == 0) {
		mkdir(argv[2], 0755);
		synth_write(argv[2], strtoul(argv[3], NULL, 10), strtoul(argv[4], NULL, 10), &t);
		synth_free(&t);
		return 0;
	}
	testfs_init("embed");
	test_bad_rows();
	test_numbers();
	test_tensorboard();
	test_default_file();
	test_scores();
	test_knn();
	return testfs_done();
}
