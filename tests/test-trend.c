/* test-trend.c — DATASET/.winnow/trend.tsv: rows appended under one header
 * while the labels stay, a new header when they change, values from the
 * confusion matrix (undefined as "-"), a torn last row left whole and
 * ended, an error, not a crash, where the folder cannot be made, and the
 * file beside the journal in $XDG_STATE_HOME where the dataset is not
 * writable. */
#include "config.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "confusion.h"
#include "dataset.h"
#include "journal.h"
#include "tap.h"
#include "testfs.h"
#include "trend.h"
#include "util.h"

/* A matrix of n labels from its cells, row by row (true label t, predicted
 * p), with the totals confusion_build would count. */
static void
matrix(struct confusion *cm, size_t n, const uint32_t *cells)
{
	size_t t, p;

	confusion_free(cm);
	cm->n = n;
	cm->cell = xcalloc(n * n, sizeof *cm->cell);
	cm->row_total = xcalloc(n, sizeof *cm->row_total);
	cm->col_total = xcalloc(n, sizeof *cm->col_total);
	for (t = 0; t < n; t++)
		for (p = 0; p < n; p++) {
			uint32_t c = cells[t * n + p];
			cm->cell[t * n + p] = c;
			cm->row_total[t] += c;
			cm->col_total[p] += c;
			cm->total += c;
			if (t == p)
				cm->correct += c;
		}
}

/* The file's lines with the time column (checked to be ISO-8601 UTC)
 * replaced by "T", so that they compare whole. */
static char *
lines_of(const char *file)
{
	regex_t iso;
	struct buf b = { 0 };
	char *text, *line, *save = NULL, *cause = NULL;
	int times_ok = 1;

	if ((text = read_file(file, NULL, &cause)) == NULL) {
		ok(0, "the file is there: %s", cause);
		free(cause);
		return xstrdup("");
	}
	regcomp(&iso, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\t", REG_EXTENDED);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "time\t", 5) == 0 || strncmp(line, "torn", 4) == 0) {
			buf_addf(&b, "%s\n", line);
			continue;
		}
		if (regexec(&iso, line, 0, NULL, 0) != 0)
			times_ok = 0;
		buf_addf(&b, "T%s\n", strchr(line, '\t') ? strchr(line, '\t') : "");
	}
	ok(times_ok, "every row starts with the time in ISO-8601 UTC");
	regfree(&iso);
	free(text);
	return b.data ? b.data : xstrdup("");
}

/* The file's lines (as lines_of gives them) are want, which is freed. */
static void
is_file(const char *file, char *want, const char *what)
{
	char *got = lines_of(file);
	is_str(got, want, what);
	free(got);
	free(want);
}

static void
test_append(void)
{
	/* a: 3 right, 1 taken for b; b: 2 right; "c<TAB>d": never true, so its
	 * recall is undefined, and never predicted at first. */
	static const uint32_t three[] = { 3, 1, 0, 0, 2, 0, 0, 0, 0 };
	static const uint32_t later[] = { 4, 0, 0, 1, 1, 1, 0, 0, 0 };
	static const uint32_t four[] = { 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	char *labels3[] = { "a", "b", "c\td" }, *labels4[] = { "a", "b", "c\td", "new" };
	struct confusion cm = { .split = -1 };
	char *root = at("ds"), *file = at("ds/.winnow/trend.tsv"), *cause = NULL;
	const char *head3 = "time\trows\taccuracy\trecall:a\trecall:b\trecall:c\\x09d"
	    "\tprecision:a\tprecision:b\tprecision:c\\x09d\n";

	mkdirs(root);
	matrix(&cm, 3, three);
	is_int(trend_append(file, &cm, labels3, 7, &cause), 0, "a first row: the file is made");
	is_file(file, xasprintf("%sT\t7\t0.8333\t0.7500\t1.0000\t-\t1.0000\t0.6667\t-\n", head3),
	    "a header, then the rows, accuracy, recalls and precisions; undefined is -");

	matrix(&cm, 3, later);
	is_int(trend_append(file, &cm, labels3, 9, &cause), 0, "a second row");
	is_file(file, xasprintf("%sT\t7\t0.8333\t0.7500\t1.0000\t-\t1.0000\t0.6667\t-\n"
	    "T\t9\t0.7143\t1.0000\t0.3333\t-\t0.8000\t1.0000\t0.0000\n", head3),
	    "the same labels: no second header");

	matrix(&cm, 4, four);
	is_int(trend_append(file, &cm, labels4, 3, &cause), 0, "a row with a new label");
	matrix(&cm, 3, three);
	is_int(trend_append(file, &cm, labels3, 7, &cause), 0, "and back to three");
	is_file(file, xasprintf("%sT\t7\t0.8333\t0.7500\t1.0000\t-\t1.0000\t0.6667\t-\n"
	    "T\t9\t0.7143\t1.0000\t0.3333\t-\t0.8000\t1.0000\t0.0000\n"
	    "time\trows\taccuracy\trecall:a\trecall:b\trecall:c\\x09d\trecall:new"
	    "\tprecision:a\tprecision:b\tprecision:c\\x09d\tprecision:new\n"
	    "T\t3\t0.6667\t1.0000\t0.0000\t-\t1.0000\t1.0000\t-\t0.0000\t1.0000\n"
	    "%sT\t7\t0.8333\t0.7500\t1.0000\t-\t1.0000\t0.6667\t-\n", head3, head3),
	    "each change of labels writes a header before its row");

	/* A crash mid-row leaves a line without its end. */
	put("torn/.winnow/trend.tsv", "torn row");
	free(root);
	root = at("torn");
	free(file);
	file = at("torn/.winnow/trend.tsv");
	is_int(trend_append(file, &cm, labels3, 7, &cause), 0, "a row after a torn one");
	is_file(file, xasprintf("torn row\n%sT\t7\t0.8333\t0.7500\t1.0000\t-\t1.0000\t0.6667\t-\n",
	    head3), "the torn line is ended and the new row starts its own, under a header");

	/* .winnow is a file: the folder cannot be made. */
	put("blocked/.winnow", "not a folder");
	free(root);
	root = at("blocked");
	free(file);
	file = at("blocked/.winnow/trend.tsv");
	is_int(trend_append(file, &cm, labels3, 7, &cause), -1, "no folder: an error");
	ok(cause && strstr(cause, "blocked/.winnow"), "naming it: %s", cause ? cause : "(none)");
	free(cause);
	free(root);
	free(file);
	confusion_free(&cm);
}

/* Where the dataset cannot take it (its .winnow a file here, which stops
 * root as well as anyone), trend.tsv goes beside the journal, in
 * $XDG_STATE_HOME/winnow. */
static void
test_path(void)
{
	static const uint32_t three[] = { 3, 1, 0, 0, 2, 0, 0, 0, 0 };
	char *labels3[] = { "a", "b", "c" };
	struct confusion cm = { .split = -1 };
	char *state = at("state"), *root = at("where"), *path, *journal, *cause = NULL;
	struct dataset *ds;
	int fallback = -1, jfallback = -1;

	put("where/a/x.wav", "x");
	setenv("XDG_STATE_HOME", state, 1);
	if ((ds = dataset_open(root, &cause)) == NULL) {
		ok(0, "the dataset opens: %s", cause);
		free(cause);
		return;
	}
	path = trend_path(ds, &fallback);
	ok(fallback == 0 && strcmp(path, xasprintf("%s/.winnow/trend.tsv", root)) == 0,
	    "a writable dataset keeps its trend in .winnow: %s", path);
	free(path);
	put("where/.winnow", "not a folder");
	path = trend_path(ds, &fallback);
	journal = journal_default_path(ds, &jfallback);
	ok(fallback == 1 && strncmp(path, state, strlen(state)) == 0 &&
	    has_suffix_ci(path, ".trend.tsv") && strstr(path, "/winnow/where-"),
	    "else in $XDG_STATE_HOME/winnow: %s", path);
	ok(jfallback == 1 && strncmp(journal, path, strlen(path) - strlen(".trend.tsv")) == 0,
	    "beside the journal, named alike: %s", journal);
	matrix(&cm, 3, three);
	is_int(trend_append(path, &cm, labels3, 7, &cause), 0, "a row there: the folder is made");
	ok(access(path, R_OK) == 0, "and the file");
	free(path);
	free(journal);
	free(root);
	free(state);
	confusion_free(&cm);
	dataset_free(ds);
}

int
main(void)
{
	testfs_init("trend");
	test_append();
	test_path();
	return testfs_done();
}
