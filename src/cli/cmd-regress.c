/* cmd-regress.c — `winnow regress`: the rogues gallery (flagged samples, a
 * regression set) judged with a new model's predictions, and against an
 * older model's, so that a sample the model used to get right and now gets
 * wrong fails a CI run. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "confusion.h"
#include "dataset.h"
#include "journal.h"
#include "predictions.h"
#include "util.h"

static const char regress_usage[] =
"usage: winnow regress [-j JOURNAL] [--rogues LIST] [--baseline OLD] -p PRED DATASET\n"
"\n"
"Judge the rogues gallery with a model's predictions: for each rogue, its\n"
"path, its label (after the journal's decisions), the predicted label and\n"
"a status: right, wrong, fixed (wrong in the baseline, right now), broke\n"
"(right in the baseline, wrong now), or missing (PRED has no row for it).\n"
"A summary follows on standard error.\n"
"\n"
"  -p, --predictions PRED  the model's predictions (needed)\n"
"  -j, --journal JOURNAL   the journal whose flagged samples are the rogues\n"
"                          and whose decisions give the labels (default:\n"
"                          DATASET/.winnow/journal.yaml)\n"
"  -r, --rogues LIST       the rogues from LIST instead: one path a line,\n"
"                          escaped as 'winnow export --rogues' writes them,\n"
"                          or plain, as other tools write lists\n"
"  -b, --baseline OLD      the predictions of the model before, to tell\n"
"                          fixed and broke\n"
"  -h, --help              this help\n"
"\n"
"Rogues that are not in the dataset or have no label are left out, each\n"
"named on standard error. Exit status: 0 nothing broke, 1 something broke,\n"
"2 error.\n";

enum status { RIGHT, WRONG, FIXED, BROKE, MISSING, NSTATUS };
static const char *const status_names[NSTATUS] = {
	"right", "wrong", "fixed", "broke", "missing",
};

/* The rogues as sample indexes, in order; how many in *n. Those the dataset
 * lacks are named on stderr (where is the list's or journal's name) and
 * counted in *left_out. */
struct rogues {
	size_t *sample;
	size_t n, cap, left_out;
};

static void
add_rogue(struct rogues *r, struct dataset *ds, const char *path, const char *where)
{
	struct buf b = { 0 };
	long i = dataset_find(ds, path);

	if (i < 0) {
		fprintf(stderr, "%s: %s: %s is not in the dataset; left out\n", progname, where,
		    escaped_name(&b, path));
		buf_free(&b);
		r->left_out++;
		return;
	}
	r->sample = xgrow(r->sample, &r->cap, r->n + 1, sizeof *r->sample);
	r->sample[r->n++] = (size_t)i;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The journal's flagged samples, sorted by path as `export --rogues`
 * lists them. */
static void
rogues_of_journal(struct rogues *r, const struct journal *j, struct dataset *ds)
{
	const struct journal_entry **list;
	size_t n = journal_standing_all(j, &list), i, m = 0;
	const char **paths = xmalloc((n ? n : 1) * sizeof *paths);

	for (i = 0; i < n; i++)
		if (list[i]->op == JOP_FLAG)
			paths[m++] = journal_str(j, list[i]->path);
	qsort(paths, m, sizeof *paths, cmp_str);
	for (i = 0; i < m; i++)
		add_rogue(r, ds, paths[i], j->file);
	free(paths);
	free(list);
}

/* The rogues of a list, one path a line, escaped as `export --rogues`
 * writes them (\\ and \xNN, see escape_name). A line that does not decode
 * to a sample is taken as the bytes it is, as in a list another tool wrote
 * (Speech Commands' testing_list.txt). Returns 0, or -1 after saying why. */
static int
rogues_of_list(struct rogues *r, const char *file, struct dataset *ds)
{
	char *text, *line, *next, *end, *cause = NULL, *where, *decoded;
	size_t len, lineno = 0;

	if ((text = read_file(file, &len, &cause)) == NULL) {
		fprintf(stderr, "%s: %s\n", progname, cause);
		free(cause);
		return -1;
	}
	if (memchr(text, '\0', len) != NULL) {
		fprintf(stderr, "%s: %s: not a list of paths (a NUL byte)\n", progname, file);
		free(text);
		return -1;
	}
	for (line = text; line < text + len; line = next) {
		lineno++;
		if ((end = strchr(line, '\n')) != NULL) {
			*end = '\0';
			next = end + 1;
		} else {
			end = line + strlen(line);
			next = end;
		}
		/* A list written on Windows. */
		if (end > line && end[-1] == '\r')
			*--end = '\0';
		if (*line == '\0')
			continue;
		decoded = xstrdup(line);
		if (unescape_name(decoded) == 0 && dataset_find(ds, decoded) >= 0)
			memcpy(line, decoded, strlen(decoded) + 1);
		free(decoded);
		where = xasprintf("%s:%zu", file, lineno);
		add_rogue(r, ds, line, where);
		free(where);
	}
	free(text);
	return 0;
}

static struct predictions *
load(const char *file, struct dataset *ds)
{
	struct predictions *p;
	char *cause = NULL;

	if ((p = predictions_load_labels(file, ds, &cause)) == NULL) {
		fprintf(stderr, "%s: %s\n", progname, cause);
		free(cause);
		return NULL;
	}
	pred_problems_report(p);
	predictions_bind(p, ds);
	return p;
}

static enum status
judge(unsigned label, unsigned now, const struct predictions *base, size_t i)
{
	unsigned before = base ? predictions_label(base, i) : LABEL_NONE;

	if (now == LABEL_NONE)
		return MISSING;
	if (before == LABEL_NONE || (before == label) == (now == label))
		return now == label ? RIGHT : WRONG;
	return now == label ? FIXED : BROKE;
}

int
cmd_regress(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "predictions", required_argument, NULL, 'p' },
		{ "journal", required_argument, NULL, 'j' },
		{ "rogues", required_argument, NULL, 'r' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pred_file = NULL, *journal_arg = NULL, *list = NULL, *baseline = NULL;
	char *journal = NULL;
	struct dataset *ds;
	struct journal *j = NULL;
	struct predictions *p = NULL, *base = NULL;
	struct annotations a = { 0 };
	struct rogues r = { 0 };
	struct buf out = { 0 }, esc = { 0 };
	size_t i, count[NSTATUS] = { 0 }, unlabelled = 0;
	int c, status = 2, fallback = 0;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:p:j:r:b:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			pred_file = optarg;
			break;
		case 'j':
			journal_arg = optarg;
			break;
		case 'r':
			list = optarg;
			break;
		case 'b':
			baseline = optarg;
			break;
		case 'h':
			fputs(regress_usage, stdout);
			return 0;
		case ':':
			return usage_error("regress", "%s needs an argument", argv[optind - 1]);
		default:
			return usage_error("regress", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (pred_file == NULL)
		return usage_error("regress", "-p PRED is needed");
	if (optind != argc - 1)
		return usage_error("regress", optind == argc ? "a DATASET is needed" :
		    "one DATASET only");

	if ((ds = dataset_open_reported(argv[optind])) == NULL)
		return 2;
	/* The default journal gives the rogues, so it must be there; with a
	 * list it only gives the labels, when there is one. */
	journal = journal_arg ? xstrdup(journal_arg) : journal_default_path(ds, &fallback);
	if (journal_arg != NULL || list == NULL || access(journal, F_OK) == 0) {
		if ((j = journal_read_for(journal, ds)) == NULL)
			goto out;
	}
	a.n = ds->nsamples;
	if (j != NULL)
		journal_annotate(j, ds, &a);
	if (list != NULL) {
		if (rogues_of_list(&r, list, ds) != 0)
			goto out;
	} else {
		rogues_of_journal(&r, j, ds);
	}
	if ((p = load(pred_file, ds)) == NULL ||
	    (baseline != NULL && (base = load(baseline, ds)) == NULL))
		goto out;

	for (i = 0; i < r.n; i++) {
		size_t s = r.sample[i];
		unsigned label = confusion_truth(ds, &a, s, 1), now;
		enum status st;

		if (label == LABEL_NONE) {
			fprintf(stderr, "%s: %s has no label (deleted, or in a '_' folder); "
			    "left out\n", progname, escaped_name(&esc, sample_path(ds, s)));
			unlabelled++;
			continue;
		}
		now = predictions_label(p, s);
		st = judge(label, now, base, s);
		count[st]++;
		escape_name(&out, sample_path(ds, s));
		buf_addc(&out, '\t');
		escape_name(&out, dataset_label_name(ds, label));
		buf_addc(&out, '\t');
		if (now != LABEL_NONE)
			escape_name(&out, dataset_label_name(ds, now));
		buf_addf(&out, "\t%s\n", status_names[st]);
	}
	fwrite(buf_str(&out), 1, out.len, stdout);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: standard output: write error\n", progname);
		goto out;
	}
	fprintf(stderr, "%s regress: %zu rogues: %zu right, %zu wrong, %zu fixed, %zu broke, "
	    "%zu missing", progname, r.n - unlabelled, count[RIGHT], count[WRONG],
	    count[FIXED], count[BROKE], count[MISSING]);
	if (r.left_out + unlabelled > 0)
		fprintf(stderr, "; %zu left out", r.left_out + unlabelled);
	fputc('\n', stderr);
	status = count[BROKE] > 0 ? 1 : 0;
out:
	buf_free(&out);
	buf_free(&esc);
	free(r.sample);
	predictions_free(base);
	predictions_free(p);
	annotations_free(&a);
	journal_free(j);
	free(journal);
	dataset_free(ds);
	return status;
}
