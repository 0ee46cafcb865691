/* test-predictions.c — loading predictions files as training runs write
 * them, and as people break them: CSV and TSV, quotes, CRLF, a BOM, paths
 * the dataset lacks, repeated rows, malformed rows, unknown labels and
 * probabilities that are not probabilities; a million rows read by several
 * threads; the file watched while it is rewritten. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataset.h"
#include "mangle.h"
#include "predictions.h"
#include "tap.h"
#include "testfs.h"
#include "util.h"

/* A dataset of the given paths, each "label/name", with no files behind it
 * (loading predictions never opens samples). Paths must come sorted, as
 * dataset_open leaves them. */
static struct dataset *
fake_dataset(const char *const *paths, size_t n)
{
	struct dataset *ds = dataset_new_memory("/data/ds");
	size_t i;

	for (i = 0; i < n; i++) {
		const char *slash = strchr(paths[i], '/');
		char *label = xstrndup(paths[i], (size_t)(slash - paths[i]));
		if (i > 0 && strcmp(paths[i - 1], paths[i]) >= 0)
			die("fake_dataset: %s after %s: not in path order", paths[i], paths[i - 1]);
		dataset_add(ds, paths[i], label, NULL);
		free(label);
	}
	return ds;
}

static struct predictions *
load_text(struct dataset *ds, const char *text, char **cause)
{
	char *path = write_file("p.csv", text, strlen(text));
	struct predictions *p = predictions_load(path, ds, cause);
	free(path);
	return p;
}

static const char *const paths3[] = {
	"no/a.wav", "no/b.wav", "yes/c.wav", "yes/d,e.wav",
};

static const char *
pred_name(const struct predictions *p, size_t i)
{
	return p->pred[i] == LABEL_NONE ? "(none)" : p->labels[p->pred[i]];
}

static float
prob(const struct predictions *p, size_t i, const char *label)
{
	size_t k;
	for (k = 0; k < p->nprob; k++)
		if (strcmp(p->labels[k], label) == 0)
			return p->prob[i * p->nprob + k];
	return -1;
}

/* Is there a problem of this kind on this line? */
static int
has_problem(const struct predictions *p, enum pred_problem_kind kind, size_t line)
{
	size_t i;
	for (i = 0; i < p->nproblems; i++)
		if (p->problems[i].kind == kind && p->problems[i].line == line)
			return 1;
	for (i = 0; i < p->nproblems; i++)
		fprintf(stderr, "#   %s\n", p->problems[i].message);
	return 0;
}

static size_t
total_problems(const struct predictions *p)
{
	size_t k, n = 0;
	for (k = 0; k < PRED_PROBLEM_KINDS; k++)
		n += p->count[k];
	return n;
}

static void
test_csv_and_tsv(void)
{
	static const char *const texts[] = {
		"path,pred,p_no,p_yes\n"
		"no/a.wav,no,0.9,0.1\n"
		"yes/c.wav,no,0.75,0.25\n"
		"\"yes/d,e.wav\",yes,.5e-1,9.5E-1\n",

		"path\tpred\tp_no\tp_yes\n"
		"no/a.wav\tno\t0.9\t0.1\n"
		"yes/c.wav\tno\t0.75\t0.25\n"
		"yes/d,e.wav\tyes\t0.05\t0.95\n",

		"\xef\xbb\xbfpath,pred,p_no,p_yes\r\n"
		"\"no/a.wav\",\"no\",0.9,0.1\r\n"
		"yes/c.wav,no,0.75,0.25\r\n"
		"\r\n"
		"\"yes/d,e.wav\",yes, 0.05 ,0.95\r\n",
	};
	static const char *const what[] = { "CSV", "TSV", "CSV with BOM, CRLF, quotes" };
	struct dataset *ds = fake_dataset(paths3, 4);
	struct predictions *p;
	char *cause = NULL;
	size_t t;

	for (t = 0; t < ARRAY_SIZE(texts); t++) {
		p = load_text(ds, texts[t], &cause);
		if (!ok(p != NULL, "%s loads", what[t])) {
			fprintf(stderr, "#   %s\n", cause);
			free(cause);
			continue;
		}
		is_int((long long)p->rows, 3, "three rows");
		is_int((long long)p->matched, 3, "all matched");
		is_int((long long)total_problems(p), 0, "no problems");
		is_str(pred_name(p, 0), "no", "a.wav predicted no");
		is_str(pred_name(p, 1), "(none)", "b.wav has no row");
		is_str(pred_name(p, 2), "no", "c.wav predicted no");
		is_str(pred_name(p, 3), "yes", "the quoted path with a comma is found");
		ok(p->prob != NULL && p->nprob == 2, "two probability columns");
		is_near(prob(p, 0, "no"), 0.9, 1e-7, "p_no of a.wav");
		is_near(prob(p, 3, "yes"), 0.95, 1e-7, "p_yes of d,e.wav");
		is_near(prob(p, 3, "no"), 0.05, 1e-7, "p_no of d,e.wav (.5e-1, padded)");
		ok(p->prob_ok[0] && !p->prob_ok[1] && p->prob_ok[3], "usable rows marked");
		predictions_free(p);
	}
	dataset_free(ds);
}

static void
test_numbers(void)
{
	static const struct { const char *text; double want; } nums[] = {
		{ "0", 0 }, { "1", 1 }, { "0.5", 0.5 }, { ".25", 0.25 }, { "1.", 1 },
		{ "1e-05", 1e-05 }, { "2.5E-3", 2.5e-3 }, { "+0.125", 0.125 },
		{ "0.00000000000000000000000000001", 1e-29 },
		{ "0.12345678901234567890123", 0.12345678901234567890123 },
		{ "0.0028571428571428571", 0.0028571428571428571 },
		{ "1000e-3", 1 }, { "0.000000012345678", 0.000000012345678 },
		{ "12345678901234567890123e-23", 0.12345678901234567890123 },
		/* exponents and mantissas past what a double or an int holds */
		{ "4444E-48444448888", 0 }, { "1e-99999999999999999999", 0 },
		{ "0.5e-2147483649", 0 }, { "1E-0000000000000000000000001", 0.1 },
		{ "123456789012345678901234567890e-30", 0.12345678901234567890 },
		{ "0.000000000000000000000000000000000000000000000000000000000000001e62",
		  0.1 },
	};
	static const char *const bad[] = { "", "x", ".", "-", "1e", "0.5.5", "nan",
		"inf", "0,5", "1e+", "0x1p-2", "1 2", "+", "-.", "e5", "-e", "1e-", ".e1",
		"4444E48444448888", "1e99999999999999999999", "1E+2147483648",
		"99999999999999999999999", "1234567890123456789.5" };
	struct dataset *ds = fake_dataset(paths3, 4);
	struct buf b = { 0 };
	struct predictions *p;
	size_t i;

	/* One value a row, for sample a.wav, the rest for b.wav. */
	for (i = 0; i < ARRAY_SIZE(nums); i++) {
		b.len = 0;
		buf_addf(&b, "path,pred,p_no,p_yes\nno/a.wav,no,%s,%.17g\n", nums[i].text,
		    1 - nums[i].want);
		p = load_text(ds, buf_str(&b), NULL);
		if (!ok(p && p->prob_ok[0], "'%s' is a number", nums[i].text))
			continue;
		is_near(prob(p, 0, "no"), nums[i].want, fabs(nums[i].want) * 1e-7 + 1e-30,
		    nums[i].text);
		predictions_free(p);
	}
	/* A plain row is read in one pass, a row with a quoted field by csv
	 * first: both must give the same float, bit for bit. */
	for (i = 0; i < ARRAY_SIZE(nums); i++) {
		struct predictions *q;
		b.len = 0;
		buf_addf(&b, "path,pred,p_no,p_yes\nno/a.wav,no,%s,%.17g\n", nums[i].text,
		    1 - nums[i].want);
		p = load_text(ds, buf_str(&b), NULL);
		b.len = 0;
		buf_addf(&b, "path,pred,p_no,p_yes\n\"no/a.wav\",no,%s,%.17g\n", nums[i].text,
		    1 - nums[i].want);
		q = load_text(ds, buf_str(&b), NULL);
		ok(p && q && p->prob_ok[0] && q->prob_ok[0] &&
		    memcmp(p->prob, q->prob, p->nprob * sizeof *p->prob) == 0,
		    "'%s' reads the same with and without a quoted field", nums[i].text);
		predictions_free(p);
		predictions_free(q);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		b.len = 0;
		buf_addf(&b, "path,pred,p_no,p_yes\nno/a.wav,no,%s,0.5\n", bad[i]);
		p = load_text(ds, buf_str(&b), NULL);
		ok(p && !p->prob_ok[0] && p->count[PRED_BAD_PROB] == 1 &&
		    has_problem(p, PRED_BAD_PROB, 2), "'%s' is not a number", bad[i]);
		ok(p && p->pred[0] != LABEL_NONE, "the row's prediction still counts");
		predictions_free(p);
	}
	buf_free(&b);
	dataset_free(ds);
}

/* A file whose last row stops short, with no newline after it, as a file
 * still being written does: the rows before it load, and the reader never
 * reads past the bytes it has, however the row ends (in a delimiter, in a
 * quoted field, in a CR, mid-number), even where the row is longer than
 * the reader's chunk. */
static void
test_cut_short(void)
{
	static const char *const tails[] = {
		"cccccccccccccccc\"cccccccccccc,", "yes/c.wav,", "yes/c.wav,yes,",
		"yes/c.wav,yes,0.5,", "yes/c.wav,yes,0.5,0.", "\"yes/c.wav", "\"",
		"yes/c.wav,\"ye", "yes/c.wav,yes,0.25,0.75\r", "yes/c.wav,yes,1e",
		"yes/c.wav,yes,0.25,4444E48444448888", ",", "\r",
	};

	static const char *const ends[] = { ",", ",,", ",x,", "\t," };
	struct dataset *ds = fake_dataset(paths3, 4);
	struct predictions *p;
	struct buf b = { 0 };
	size_t i, k;

	for (i = 0; i < ARRAY_SIZE(tails); i++) {
		b.len = 0;
		buf_addf(&b, "path,pred,p_no,p_yes\nno/a.wav,no,0.75,0.25\n%s", tails[i]);
		p = load_text(ds, buf_str(&b), NULL);
		ok(p && p->matched >= 1 && strcmp(pred_name(p, 0), "no") == 0,
		    "a file ending in '%s' loads the rows before it", tails[i]);
		predictions_free(p);
	}
	/* Whether the parse ended cleanly: a last row without a newline is
	 * torn when it does not read as a whole row. */
	{
		static const struct { const char *tail; size_t line; } ends_at[] = {
			{ "yes/c.wav,yes,0.25,0.75\n", 0 }, { "yes/c.wav,yes,0.25,0.75", 0 },
			{ "yes/c.wav,yes,0.25,0.75\r", 0 }, { "\r", 0 }, { "", 0 },
			{ "yes/c.wav,yes,0.25,0.7", 3 }, { "yes/c.wav,yes,0.25,", 3 },
			{ "yes/c.wav,y", 3 }, { "yes/c.w", 3 }, { "\"yes/c.wav", 3 },
			{ "no/a.wav,no,0.75,0.25", 0 },
		};
		for (i = 0; i < ARRAY_SIZE(ends_at); i++) {
			b.len = 0;
			buf_addf(&b, "path,pred,p_no,p_yes\nno/a.wav,no,0.75,0.25\n%s",
			    ends_at[i].tail);
			p = load_text(ds, buf_str(&b), NULL);
			ok(p && p->torn_line == ends_at[i].line, "cut end %zu: torn at "
			    "line %zu (want %zu)", i, p ? p->torn_line : 0,
			    ends_at[i].line);
			predictions_free(p);
		}
	}
	/* The reader moves a cut last row to the start of its buffer, where
	 * the byte after it is one it read before: here the quote inside the
	 * row, 14 bytes on (the length of the whole row before it). The
	 * delimiter at the end then made that quote start a field. */
	for (i = 0; i < ARRAY_SIZE(ends); i++) {
		b.len = 0;
		buf_adds(&b, "path,pred\nyes/c.wav,yes\ncccccccccccccccc\"");
		for (k = strlen(ends[i]); k < 13; k++)
			buf_addc(&b, 'c');
		buf_adds(&b, ends[i]);
		p = load_text(ds, buf_str(&b), NULL);
		ok(p && p->matched == 1 && p->count[PRED_UNKNOWN_PATH] == 1 &&
		    p->count[PRED_MALFORMED] == 0, "a last row ending in '%s' is a row "
		    "whose path is not in the dataset", ends[i]);
		predictions_free(p);
	}
	/* Longer than a chunk: a quoted field, and an unquoted row ending in a
	 * delimiter, run to the end of the file. */
	for (k = 0; k < 2; k++) {
		b.len = 0;
		buf_adds(&b, "path,pred\nno/a.wav,no\n");
		buf_adds(&b, k == 0 ? "\"" : "");
		for (i = 0; i < 300000; i++)
			buf_addc(&b, (char)('a' + i % 26));
		buf_adds(&b, k == 0 ? "\"\"x" : ",");
		p = load_text(ds, buf_str(&b), NULL);
		ok(p && p->matched == 1 && p->count[k == 0 ? PRED_MALFORMED : PRED_UNKNOWN_PATH] == 1,
		    "a %s row of 300,000 bytes at the end is read to its end, and no further",
		    k == 0 ? "quoted" : "plain");
		predictions_free(p);
	}
	buf_free(&b);
	dataset_free(ds);
}

/* A file written with CRLF line ends (pandas on Windows) reads as the same
 * file with LF ones: predictions, probabilities and problems. */
static void
test_crlf(void)
{
	static const char lf[] = "path,pred,p_no,p_yes\nno/a.wav,no,0.75,0.25\n"
	    "no/b.wav,,0.125,0.875\nnowhere.wav,no,0.5,0.5\nyes/c.wav,maybe,0.5,0.75\n"
	    "\"yes/d,e.wav\",yes,0.5,0.5\n";
	struct dataset *ds = fake_dataset(paths3, 4);
	struct predictions *a, *b;
	struct buf crlf = { 0 };
	const char *p;
	size_t k;

	for (p = lf; *p; p++)
		buf_adds(&crlf, *p == '\n' ? "\r\n" : (char[]){ *p, '\0' });
	a = load_text(ds, lf, NULL);
	b = load_text(ds, buf_str(&crlf), NULL);
	ok(a && b, "LF and CRLF files load");
	if (a && b) {
		ok(memcmp(a->pred, b->pred, a->nsamples * sizeof *a->pred) == 0 &&
		    memcmp(a->prob, b->prob, a->nsamples * a->nprob * sizeof *a->prob) == 0 &&
		    memcmp(a->prob_ok, b->prob_ok, a->nsamples) == 0,
		    "the same predictions and probabilities");
		for (k = 0; k < PRED_PROBLEM_KINDS; k++)
			is_int((long long)b->count[k], (long long)a->count[k], pred_problem_name(k));
		is_str(pred_name(b, 1), "yes", "a CRLF row without pred takes its most likely label");
	}
	predictions_free(a);
	predictions_free(b);
	buf_free(&crlf);

	/* Loading the labels only reads and reports the same, keeping no
	 * probabilities. */
	{
		char *file = write_file("labels.csv", lf, strlen(lf));
		a = predictions_load(file, ds, NULL);
		b = predictions_load_labels(file, ds, NULL);
		ok(a && b && b->prob == NULL && b->prob_ok == NULL && a->prob != NULL,
		    "predictions_load_labels keeps no probabilities");
		if (a && b) {
			ok(memcmp(a->pred, b->pred, a->nsamples * sizeof *a->pred) == 0,
			    "and the same predictions, the one taken from them too");
			for (k = 0; k < PRED_PROBLEM_KINDS; k++)
				is_int((long long)b->count[k], (long long)a->count[k],
				    pred_problem_name(k));
		}
		predictions_free(a);
		predictions_free(b);
		unlink(file);
		free(file);
	}
	dataset_free(ds);
}

/* Rows read in one pass and rows split by csv first must come out the
 * same, whatever is in them: files made by cutting, flipping, doubling and
 * putting bytes into a predictions file, with a fixed seed, are read both
 * ways and compared down to each problem's line and words. */
static int
same_predictions(const struct predictions *a, const struct predictions *b)
{
	size_t i;
	if ((a == NULL) != (b == NULL))
		return 0;
	if (a == NULL)
		return 1;
	if (a->rows != b->rows || a->matched != b->matched || a->nprob != b->nprob ||
	    a->nproblems != b->nproblems || a->nlabels != b->nlabels ||
	    memcmp(a->count, b->count, sizeof a->count) != 0 ||
	    memcmp(a->pred, b->pred, a->nsamples * sizeof *a->pred) != 0)
		return 0;
	if (a->prob && (memcmp(a->prob, b->prob, a->nsamples * a->nprob * sizeof *a->prob) != 0 ||
	    memcmp(a->prob_ok, b->prob_ok, a->nsamples) != 0))
		return 0;
	for (i = 0; i < a->nproblems; i++)
		if (a->problems[i].line != b->problems[i].line ||
		    strcmp(a->problems[i].message, b->problems[i].message) != 0)
			return 0;
	for (i = 0; i < a->nlabels; i++)
		if (strcmp(a->labels[i], b->labels[i]) != 0)
			return 0;
	return 1;
}

static void
test_readers_agree(void)
{
	static const char *const bits[] = { ",", "\"", "\r\n", "\n", "\r", "e-3", "-", ".",
		" ", "1", "0.5", "\xff", "\t", "no/a.wav", ",,", "E+1", "\"\"" };
	static const char base[] = "path,pred,p_no,p_yes,note\n"
	    "no/a.wav,no,0.75,0.25,x\nno/b.wav,,0.125,0.875,\n\"yes/d,e.wav\",yes,0.5,0.5,q\n"
	    "yes/c.wav,yes,1e-05,0.99999,\r\n\nnowhere.wav,no,0.5,0.5,z\nno/a.wav,yes,.5,.5,dup\n"
	    "yes/c.wav,maybe,0.3,0.7,u\nno/b.wav,no,-0.0,1.000,w\n";
	struct dataset *ds = fake_dataset(paths3, 4);
	struct predictions *a, *b;
	struct buf t = { 0 };
	unsigned seed = 4242;
	size_t k, n, bad = 0;

	for (k = 0; k < 1500; k++) {
		t.len = 0;
		buf_adds(&t, base);
		for (n = 1 + k % 3; n > 0; n--)
			mangle(&t, 26, &seed, bits, ARRAY_SIZE(bits));     /* the header stays */
		if (memchr(t.data, '\0', t.len) != NULL)
			continue;       /* a C string below: no NUL inside */
		buf_str(&t);
		predictions_one_pass = 1;
		a = load_text(ds, t.data, NULL);
		predictions_one_pass = 0;
		b = load_text(ds, t.data, NULL);
		predictions_one_pass = 1;
		if (!same_predictions(a, b) && bad++ == 0)
			fprintf(stderr, "# the readers differ on:\n%s\n# (end)\n", t.data);
		predictions_free(a);
		predictions_free(b);
	}
	is_int((long long)bad, 0, "one-pass rows and csv rows agree on 1,500 mangled files");
	buf_free(&t);
	dataset_free(ds);
}

static void
test_problems(void)
{
	static const char *const paths[] = { "no/a.wav", "no/b.wav", "yes/c.wav", "yes/d.wav" };
	struct dataset *ds = fake_dataset(paths, 4);
	struct annotations a = { 0 };
	struct predictions *p;
	char *cause = NULL;
	const char *text =
	    "path,pred,p_no,p_yes,p_maybe\n"                   /* 1: p_maybe unknown */
	    "no/a.wav,no,0.8,0.1,0.1\n"                         /* 2 */
	    "no/missing.wav,no,1,0,0\n"                         /* 3: unknown path */
	    "no/a.wav,yes,0.1,0.8,0.1\n"                        /* 4: repeated */
	    "no/b.wav,no,0.5\n"                                 /* 5: too few fields */
	    "\"yes/c.wav,yes,0.1,0.9,0\n"                       /* 6: broken quote */
	    ",no,1,0,0\n"                                       /* 7: empty path */
	    "yes/c.wav,,0,0,0\n"                                /* 8: sum 0, so no
	                                                           argmax: no
	                                                           prediction */
	    "yes/d.wav,unknown,0.2,0.2,0.2\n"                   /* 9: unknown label,
	                                                           sum 0.6 */
	    "no/b.wav,no,1.5,-0.5,0\n";                         /* 10: out of range */

	p = load_text(ds, text, &cause);
	if (!ok(p != NULL, "a file full of problems loads")) {
		fprintf(stderr, "#   %s\n", cause);
		free(cause);
		dataset_free(ds);
		return;
	}
	is_int((long long)p->rows, 9, "nine data rows");
	is_int((long long)p->count[PRED_UNKNOWN_PATH], 1, "one unknown path");
	ok(has_problem(p, PRED_UNKNOWN_PATH, 3), "on line 3");
	is_int((long long)p->count[PRED_DUPLICATE], 1, "one repeated row");
	ok(has_problem(p, PRED_DUPLICATE, 4), "on line 4");
	is_str(pred_name(p, 0), "no", "the first row of a.wav counts");
	is_near(prob(p, 0, "no"), 0.8, 1e-7, "with its probabilities");
	is_int((long long)p->count[PRED_MALFORMED], 4, "four malformed rows");
	ok(has_problem(p, PRED_MALFORMED, 5) && has_problem(p, PRED_MALFORMED, 6) &&
	    has_problem(p, PRED_MALFORMED, 7) && has_problem(p, PRED_MALFORMED, 8),
	    "on lines 5 to 8");
	is_int((long long)p->count[PRED_UNKNOWN_LABEL], 2,
	    "two unknown labels (a column and a prediction)");
	ok(has_problem(p, PRED_UNKNOWN_LABEL, 1) && has_problem(p, PRED_UNKNOWN_LABEL, 9),
	    "on lines 1 and 9");
	is_int((long long)p->count[PRED_BAD_PROB], 3, "three rows of bad probabilities");
	ok(has_problem(p, PRED_BAD_PROB, 8) && has_problem(p, PRED_BAD_PROB, 9) &&
	    has_problem(p, PRED_BAD_PROB, 10), "on lines 8, 9 and 10");
	ok(p->prob_ok[1] == 0, "out-of-range probabilities are not used");
	is_str(pred_name(p, 1), "no", "but the prediction is");
	is_str(pred_name(p, 3), "unknown", "a label the dataset lacks is kept");
	ok(p->pred[3] >= p->nknown, "after the dataset's labels");
	is_str(pred_name(p, 2), "(none)", "c.wav has no usable row");
	is_int((long long)p->matched, 3, "the other three have a prediction");

	predictions_annotate(p, ds, &a);
	ok(dataset_label_find(ds, "unknown") >= 0 && dataset_label_find(ds, "maybe") >= 0,
	    "binding to the dataset interns the model's own labels");
	ok(dataset_label_find(ds, "maybe") < dataset_label_find(ds, "unknown"),
	    "in name order");
	is_int(a.pred[3], dataset_label_find(ds, "unknown"), "a.pred uses dataset ids");
	is_near(a.pred_p[0], 0.8, 1e-7, "pred_p is the predicted label's probability");
	ok(isnan(a.pred_p[1]), "NAN where the probabilities were unusable");
	annotations_free(&a);
	predictions_free(p);
	dataset_free(ds);
}

static void
test_listed(void)
{
	static const char *const paths[] = { "no/a.wav" };
	struct dataset *ds = fake_dataset(paths, 1);
	struct predictions *p;
	struct buf b = { 0 };
	size_t i, listed = 0;

	buf_adds(&b, "path,pred\n");
	for (i = 0; i < 25; i++)
		buf_addf(&b, "no/x%zu.wav,no\n", i);
	buf_adds(&b, "./no/a.wav,no\n");
	p = load_text(ds, buf_str(&b), NULL);
	ok(p != NULL, "a file of 25 unknown paths loads");
	is_int((long long)p->count[PRED_UNKNOWN_PATH], 25, "all 25 are counted");
	for (i = 0; i < p->nproblems; i++)
		if (p->problems[i].kind == PRED_UNKNOWN_PATH &&
		    p->problems[i].line == listed + 2)
			listed++;
	is_int((long long)listed, PRED_PROBLEMS_LISTED, "the first ones are listed, in order");
	ok(strstr(p->problems[0].message, "line 2") &&
	    strstr(p->problems[0].message, "no/x0.wav"),
	    "naming line and path: %s", p->problems[0].message);
	is_str(pred_name(p, 0), "no", "a ./ prefix is ignored");
	predictions_free(p);

	p = load_text(ds, "path,pred\n/data/ds/no/a.wav,no\n/elsewhere/no/a.wav,no\n", NULL);
	is_str(pred_name(p, 0), "no", "an absolute path inside the root is found");
	is_int((long long)p->count[PRED_UNKNOWN_PATH], 1, "one outside it is not");
	predictions_free(p);
	buf_free(&b);
	dataset_free(ds);
}

/* A file of garbage labels must not grow the matrix without bound. */
static void
test_many_labels(void)
{
	struct dataset *ds = fake_dataset(paths3, 4);
	struct predictions *p;
	struct buf b = { 0 };
	size_t i;

	buf_adds(&b, "path,pred\n");
	for (i = 0; i < 1000; i++)
		buf_addf(&b, "no/a.wav,junk%zu\n", i);
	p = load_text(ds, buf_str(&b), NULL);
	ok(p != NULL, "a thousand made-up labels load");
	if (p) {
		is_int((long long)(p->nlabels - p->nknown), 256, "256 of them are kept");
		is_int((long long)p->count[PRED_UNKNOWN_LABEL], 1000, "all are counted");
		is_int((long long)p->count[PRED_DUPLICATE], 255, "the rows kept repeat a.wav");
	}
	predictions_free(p);
	buf_free(&b);
	dataset_free(ds);
}

static void
test_refused(void)
{
	static const char elf[] = "\x7f" "ELF\x02\x01\x01\0\0\0\0\xff\xfe";
	struct dataset *ds = fake_dataset(paths3, 4);
	struct predictions *p;
	char *cause = NULL, *path;

	p = load_text(ds, "file,pred\nno/a.wav,no\n", &cause);
	ok(p == NULL && cause && strstr(cause, "'path'"), "no path column: %s",
	    cause ? cause : "(none)");
	free(cause);
	cause = NULL;
	p = load_text(ds, "path,label\nno/a.wav,no\n", &cause);
	ok(p == NULL && cause != NULL, "neither pred nor p_ columns is refused");
	free(cause);
	cause = NULL;
	p = load_text(ds, "", &cause);
	ok(p == NULL && cause != NULL, "an empty file is refused");
	free(cause);
	cause = NULL;
	path = write_file("garbage", elf, sizeof elf - 1);
	p = predictions_load(path, ds, &cause);
	ok(p == NULL && cause != NULL, "garbage is refused: %s", cause ? cause : "");
	free(cause);
	cause = NULL;
	free(path);
	p = predictions_load("/nonexistent/predictions.csv", ds, &cause);
	ok(p == NULL && cause && strstr(cause, "/nonexistent/predictions.csv"),
	    "a missing file is refused, naming it");
	free(cause);
	cause = NULL;

	p = load_text(ds, "path,p_yes,p_no\nno/a.wav,0.3,0.7\nyes/c.wav,0.6,0.4\n", &cause);
	ok(p != NULL, "probabilities without a pred column load");
	if (p) {
		is_str(pred_name(p, 0), "no", "the prediction is the likeliest label");
		is_str(pred_name(p, 2), "yes", "for every row");
	}
	predictions_free(p);
	dataset_free(ds);
}

/* A header of 100,000 p_ columns (ImageNet-21k has some 21,800 classes),
 * all but two naming no label of the dataset, loads; past the documented
 * limits (1,000,000 columns, a 64 MiB line) the file is refused, saying
 * why. */
static void
test_wide_header(void)
{
	struct dataset *ds = fake_dataset(paths3, 4);
	struct predictions *p;
	struct buf b = { 0 };
	char *cause = NULL, *path;
	size_t i;

	buf_adds(&b, "path,pred");
	for (i = 0; i < 100000; i++)
		buf_addf(&b, ",p_c%zu", i);
	buf_adds(&b, ",p_yes,p_no\nno/a.wav,no");
	for (i = 0; i < 100000; i++)
		buf_adds(&b, ",0");
	buf_adds(&b, ",0.25,0.75\n");
	p = load_text(ds, buf_str(&b), &cause);
	ok(p != NULL, "a header of 100,002 columns loads%s%s", cause ? ": " : "",
	    cause ? cause : "");
	if (p) {
		is_int((long long)(p->nlabels - p->nknown), 256,
		    "256 of the labels the dataset lacks are kept");
		is_int((long long)p->count[PRED_UNKNOWN_LABEL], 257,
		    "the others are told about in one line");
		ok(p->prob_ok[0] && prob(p, 0, "no") == 0.75f && prob(p, 0, "yes") == 0.25f,
		    "the dataset's labels' columns are read");
	}
	predictions_free(p);
	free(cause);
	cause = NULL;

	b.len = 0;
	buf_adds(&b, "path,pred");
	for (i = 2; i < 1000001; i++)
		buf_addc(&b, ',');
	buf_adds(&b, "\nno/a.wav,no\n");
	p = load_text(ds, buf_str(&b), &cause);
	ok(p == NULL && cause && strstr(cause, "p.csv: the header has 1000001 columns"),
	    "1,000,001 columns are refused: %s", cause ? cause : "(loaded)");
	predictions_free(p);
	free(cause);
	cause = NULL;

	b.len = 0;
	buf_adds(&b, "path,pred,");
	while (b.len <= (64u << 20))
		buf_adds(&b, "0123456789abcdef");
	path = write_file("long.csv", b.data, b.len);
	p = predictions_load(path, ds, &cause);
	ok(p == NULL && cause && strstr(cause, "long.csv: the header line is longer "
	    "than 64 MiB"), "a header line past 64 MiB is refused: %s",
	    cause ? cause : "(loaded)");
	predictions_free(p);
	free(cause);
	unlink(path);
	free(path);
	buf_free(&b);
	dataset_free(ds);
}

/* A million rows, 35 probabilities each: read by several threads; line
 * numbers and "the first row counts" must hold across their parts. */
static void
test_million(void)
{
	enum { N = 1000000, K = 35 };
	struct dataset *ds;
	struct predictions *p;
	struct buf b = { 0 };
	char **paths = xmalloc(N * sizeof *paths), *file, *cause = NULL;
	char label[K][8];
	size_t i, k, wrong = 0;
	double t0;

	for (k = 0; k < K; k++)
		snprintf(label[k], sizeof label[k], "c%02zu", k);
	for (i = 0; i < N; i++)
		paths[i] = xasprintf("%s/%07zu.wav", label[i * K / N], i);
	ds = fake_dataset((const char *const *)paths, N);
	buf_adds(&b, "path,pred");
	for (k = 0; k < K; k++)
		buf_addf(&b, ",p_%s", label[k]);
	buf_addc(&b, '\n');
	for (i = 0; i < N; i++) {
		/* Rows in a shuffled order; sample i predicts class i % K with
		 * probability 0.66, the rest spread evenly. */
		size_t s = (i * 7919) % N, top = s % K;
		buf_addf(&b, "%s,%s", paths[s], label[top]);
		for (k = 0; k < K; k++)
			buf_adds(&b, k == top ? ",0.66" : ",0.01");
		buf_addc(&b, '\n');
	}
	/* Line N+2 repeats the sample of line 2 with another prediction, and
	 * line N+3 names a path the dataset lacks. */
	buf_addf(&b, "%s,%s", paths[0], label[1]);
	for (k = 0; k < K; k++)
		buf_adds(&b, k == 1 ? ",0.66" : ",0.01");
	buf_adds(&b, "\nnowhere/x.wav,c00");
	for (k = 0; k < K; k++)
		buf_adds(&b, k == 0 ? ",0.66" : ",0.01");
	buf_addc(&b, '\n');
	file = write_file("big.csv", b.data, b.len);
	buf_free(&b);

	t0 = now_seconds();
	p = predictions_load(file, ds, &cause);
	if (!ok(p != NULL, "a million rows load")) {
		fprintf(stderr, "#   %s\n", cause);
		free(cause);
	} else {
		printf("# %zu rows × %d probabilities in %.2f s\n", p->rows, K,
		    now_seconds() - t0);
		is_int((long long)p->rows, N + 2, "every row is read");
		is_int((long long)p->matched, N, "every sample matched");
		for (i = 0; i < N; i++)
			if (p->pred[i] != i % K || !p->prob_ok[i] ||
			    p->prob[i * p->nprob + i % K] != 0.66f ||
			    p->prob[i * p->nprob + (i + 1) % K] != 0.01f)
				wrong++;
		is_int((long long)wrong, 0, "every prediction and probability is right");
		is_int((long long)p->count[PRED_DUPLICATE], 1, "the repeated row is found");
		ok(has_problem(p, PRED_DUPLICATE, N + 2), "on its line, %d", N + 2);
		ok(has_problem(p, PRED_UNKNOWN_PATH, N + 3), "the unknown path on line %d",
		    N + 3);
		is_int((long long)total_problems(p), 2, "and nothing else");
		ok(ds->path_index != NULL, "rows out of the dataset's order build the path index");
	}
	predictions_free(p);
	unlink(file);
	free(file);
	for (i = 0; i < N; i++)
		free(paths[i]);
	free(paths);
	dataset_free(ds);
}

/* Every row of a multi-threaded load is the first for its sample, so a
 * repeated row in a later part must not win over the earlier line even
 * when its thread gets there first: many repeats, all checked. */
static void
test_repeats_across_parts(void)
{
	enum { N = 200000 };
	struct dataset *ds;
	struct predictions *p;
	struct buf b = { 0 };
	char **paths = xmalloc(N * sizeof *paths), *file;
	size_t i, wrong = 0;

	for (i = 0; i < N; i++)
		paths[i] = xasprintf("%s/%06zu.wav", i < N / 2 ? "a" : "b", i);
	ds = fake_dataset((const char *const *)paths, N);
	buf_adds(&b, "path,pred,comment\n");
	for (i = 0; i < N; i++)
		buf_addf(&b, "%s,a,padding padding padding padding padding\n", paths[i]);
	for (i = 0; i < N; i++)
		buf_addf(&b, "%s,b,padding padding padding padding padding\n", paths[N - 1 - i]);
	file = write_file("repeats.csv", b.data, b.len);
	buf_free(&b);
	p = predictions_load(file, ds, NULL);
	ok(p != NULL, "a file where every sample has two rows loads");
	if (p) {
		for (i = 0; i < N; i++)
			if (strcmp(pred_name(p, i), "a") != 0)
				wrong++;
		is_int((long long)wrong, 0, "the first row counts for every sample");
		is_int((long long)p->count[PRED_DUPLICATE], N, "every second row is a repeat");
		ok(has_problem(p, PRED_DUPLICATE, N + 2), "the first repeat is listed");
	}
	predictions_free(p);
	unlink(file);
	free(file);
	for (i = 0; i < N; i++)
		free(paths[i]);
	free(paths);
	dataset_free(ds);
}

/* The file is read a chunk at a time by each thread: a header longer than
 * the first read, a row longer than a chunk, blank lines (CRLF too) and a
 * last row without a newline must all come out with the right line numbers,
 * whichever part or chunk they fall in. */
static void
test_long_rows(void)
{
	enum { N = 60000 };
	struct dataset *ds;
	struct predictions *p;
	struct buf b = { 0 };
	char **paths = xmalloc(N * sizeof *paths), *file, *long_field, *cause = NULL;
	size_t i, line, wrong = 0, unknown_line = 0, bad_line = 0;

	for (i = 0; i < N; i++)
		paths[i] = xasprintf("%s/%06zu.wav", i < N / 2 ? "a" : "b", i);
	ds = fake_dataset((const char *const *)paths, N);
	long_field = xmalloc(300001);
	memset(long_field, 'x', 300000);
	long_field[300000] = '\0';
	/* a header of 70,000 bytes: one column's name */
	buf_adds(&b, "path,pred,");
	buf_add(&b, long_field, 70000);
	buf_adds(&b, "\n");
	line = 1;
	for (i = 0; i < N; i++) {
		buf_addf(&b, "%s,%s,%s\n", paths[i], i % 2 ? "a" : "b", i == N / 3 ? long_field :
		    "padding padding padding padding padding padding padding padding");
		line++;
		if (i % 9973 == 0) {
			buf_adds(&b, i % 2 ? "\n" : "\r\n");
			line++;
		}
		if (i == 2 * N / 3) {
			buf_addf(&b, "%s,\n", paths[0]);    /* no prediction */
			bad_line = ++line;
		}
	}
	buf_adds(&b, "nowhere/x.wav,a,no newline after this row");
	unknown_line = ++line;
	file = write_file("long.csv", b.data, b.len);
	buf_free(&b);

	p = predictions_load(file, ds, &cause);
	if (!ok(p != NULL, "a file with a 70 kB header and a 300 kB row loads")) {
		fprintf(stderr, "#   %s\n", cause);
		free(cause);
	} else {
		is_int((long long)p->rows, N + 2, "every row is read");
		is_int((long long)p->matched, N, "every sample matched");
		for (i = 0; i < N; i++)
			if (strcmp(pred_name(p, i), i % 2 ? "a" : "b") != 0)
				wrong++;
		is_int((long long)wrong, 0, "every prediction is right");
		ok(has_problem(p, PRED_MALFORMED, bad_line), "the row without a prediction "
		    "is on line %zu", bad_line);
		ok(has_problem(p, PRED_UNKNOWN_PATH, unknown_line), "the last row, without a "
		    "newline, is on line %zu", unknown_line);
		is_int((long long)total_problems(p), 2, "and nothing else");
		/* A part finds its first row by binary search, and the rest by
		 * guessing the next sample. */
		ok(ds->path_index == NULL, "rows in the dataset's order need no path index");
	}
	predictions_free(p);
	unlink(file);
	free(file);
	free(long_field);
	for (i = 0; i < N; i++)
		free(paths[i]);
	free(paths);
	dataset_free(ds);
}

/* ---- the watcher ---- */

static pthread_mutex_t notified_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t notified_cond = PTHREAD_COND_INITIALIZER;
static int notified;

static void
on_notify(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&notified_lock);
	notified++;
	pthread_cond_signal(&notified_cond);
	pthread_mutex_unlock(&notified_lock);
}

/* Wait up to ms milliseconds for the next notification and take its
 * result. */
static struct predictions *
wait_take_for(struct pred_watch *w, char **cause, int *timed_out, long ms)
{
	struct timespec until;
	int r = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += ms % 1000 * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&notified_lock);
	while (notified == 0 && r == 0)
		r = pthread_cond_timedwait(&notified_cond, &notified_lock, &until);
	*timed_out = notified == 0;
	notified = 0;
	pthread_mutex_unlock(&notified_lock);
	return pred_watch_take(w, cause);
}

static struct predictions *
wait_take(struct pred_watch *w, char **cause, int *timed_out)
{
	return wait_take_for(w, cause, timed_out, 10000);
}

static void
rewrite_in_place(const char *path, const char *text)
{
	FILE *f = fopen(path, "r+");
	if (f == NULL || ftruncate(fileno(f), 0) != 0 || fputs(text, f) < 0 ||
	    fclose(f) != 0)
		fprintf(stderr, "# cannot rewrite %s\n", path);
}

static void
test_watch(void)
{
	struct dataset *ds = fake_dataset(paths3, 4);
	struct pred_watch *w;
	struct predictions *p;
	char *path = at("watched.csv"), *tmp, *cause = NULL;
	int timed_out;
	FILE *f;

	w = pred_watch_start(path, ds, on_notify, NULL);
	p = wait_take(w, &cause, &timed_out);
	ok(!timed_out && p == NULL && cause && strstr(cause, "watched.csv"),
	    "a missing file is told about: %s", cause ? cause : "(nothing)");
	free(cause);
	cause = NULL;

	free(write_file("watched.csv", "path,pred\nno/a.wav,no\n", 22));
	p = wait_take(w, &cause, &timed_out);
	ok(!timed_out && p && p->matched == 1, "the file is loaded when it appears");
	predictions_free(p);

	rewrite_in_place(path, "path,pred\nno/a.wav,yes\nno/b.wav,yes\n");
	p = wait_take(w, &cause, &timed_out);
	ok(!timed_out && p && p->matched == 2 && strcmp(pred_name(p, 0), "yes") == 0,
	    "a rewrite in place is loaded");
	predictions_free(p);

	tmp = write_file("watched.csv.tmp", "path,pred\nyes/c.wav,no\n", 23);
	if (rename(tmp, path) != 0)
		fprintf(stderr, "# rename: %s\n", strerror(errno));
	p = wait_take(w, &cause, &timed_out);
	ok(!timed_out && p && p->matched == 1 && p->pred[2] != LABEL_NONE,
	    "a file renamed over it is loaded");
	predictions_free(p);
	free(tmp);

	/* Written in two halves with a pause, open all along (the first half
	 * ends at a row's end): nothing is read until the writer closes it. */
	f = fopen(path, "w");
	if (f == NULL || fputs("path,pred\nno/a.wav,no\n", f) < 0 || fflush(f) != 0)
		fprintf(stderr, "# cannot write %s\n", path);
	p = wait_take_for(w, &cause, &timed_out, 2500);
	ok(timed_out && p == NULL && cause == NULL, "a file open for writing is not "
	    "read while the writer pauses%s%s", cause ? ": " : "", cause ? cause : "");
	predictions_free(p);
	free(cause);
	cause = NULL;
	if (f == NULL || fputs("no/b.wav,yes\nyes/c.wav,yes\n", f) < 0 || fclose(f) != 0)
		fprintf(stderr, "# cannot write %s\n", path);
	p = wait_take(w, &cause, &timed_out);
	ok(!timed_out && p && p->matched == 3 && strcmp(pred_name(p, 1), "yes") == 0,
	    "it is read once closed, whole");
	predictions_free(p);

	/* Closed inside a row: told about, not given as predictions. */
	rewrite_in_place(path, "path,pred\nno/a.wav,no\nyes/c.wav,y");
	p = wait_take(w, &cause, &timed_out);
	ok(!timed_out && p == NULL && cause && strstr(cause, "line 3: the file ends "
	    "inside a row"), "a file that ends inside a row is not shown: %s",
	    cause ? cause : "(it was)");
	predictions_free(p);
	free(cause);
	cause = NULL;

	rewrite_in_place(path, "nonsense\n");
	p = wait_take(w, &cause, &timed_out);
	ok(!timed_out && p == NULL && cause != NULL, "a broken rewrite is told about: %s",
	    cause ? cause : "(nothing)");
	free(cause);
	cause = NULL;

	unlink(path);
	p = wait_take(w, &cause, &timed_out);
	ok(!timed_out && p == NULL && cause != NULL, "so is the file's removal");
	free(cause);
	pred_watch_stop(w);
	free(path);
	dataset_free(ds);
}

int
main(void)
{
	testfs_init("predictions");
	test_csv_and_tsv();
	test_numbers();
	test_crlf();
	test_cut_short();
	test_readers_agree();
	test_problems();
	test_listed();
	test_many_labels();
	test_refused();
	test_wide_header();
	test_million();
	test_repeats_across_parts();
	test_long_rows();
	test_watch();
	return testfs_done();
}
