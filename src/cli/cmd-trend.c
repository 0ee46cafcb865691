/* cmd-trend.c — `winnow trend`: accuracy and each label's recall, a row per
 * predictions file (a training run's epochs, or CI's runs), to follow a
 * model from one to the next. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "confusion.h"
#include "dataset.h"
#include "journal.h"
#include "predictions.h"
#include "trend.h"
#include "util.h"

static const char trend_usage[] =
"usage: winnow trend [-j JOURNAL] [--format tsv|json] DATASET PRED...\n"
"\n"
"Print how each predictions file does on the dataset, a row per file in the\n"
"order given (preds/epoch-*.csv, or the files of several runs): its accuracy\n"
"and each label's recall, as TSV under the header 'predictions accuracy\n"
"LABEL...'. Only rows whose sample is in the dataset and has a label count;\n"
"'-' stands where nothing was counted (a label without samples). JSON is an\n"
"array with an object per file: predictions, rows, samples, correct,\n"
"accuracy and recall (label: value, null where undefined).\n"
"\n"
"  -j, --journal JOURNAL   count true labels after the journal's decisions\n"
"  -f, --format tsv|json   output format (default: tsv)\n"
"  -h, --help              this help\n"
"\n"
"Problems in a predictions file are listed on standard error and do not stop\n"
"the count. Exit status 2, with nothing printed, when a file cannot be read.\n";

struct trend_row {
	const char *file;
	size_t rows, samples, correct;
	double accuracy;
	double *recall;         /* per label of the header */
};

/* Count one predictions file into row; -1 after saying why. */
static int
measure(const char *file, struct dataset *ds, struct annotations *a, int decided,
    size_t nlabels, struct trend_row *row)
{
	struct predictions *p;
	struct confusion cm = { .split = -1 };
	char *cause = NULL;
	size_t i;

	/* The matrix needs the predicted labels only. */
	if ((p = predictions_load_labels(file, ds, &cause)) == NULL) {
		fprintf(stderr, "%s: %s\n", progname, cause);
		free(cause);
		return -1;
	}
	pred_problems_report(p);
	predictions_bind(p, ds);
	for (i = 0; i < a->n; i++)
		a->pred[i] = predictions_label(p, i);
	confusion_build(&cm, ds, a, -1, decided);
	row->file = file;
	row->rows = p->rows;
	row->samples = cm.total;
	row->correct = cm.correct;
	row->accuracy = confusion_accuracy(&cm);
	row->recall = xmalloc((nlabels ? nlabels : 1) * sizeof *row->recall);
	for (i = 0; i < nlabels; i++)
		row->recall[i] = confusion_recall(&cm, i);
	confusion_free(&cm);
	predictions_free(p);
	return 0;
}

static void
print_tsv(struct buf *b, const struct trend_row *rows, size_t n, const struct dataset *ds,
    size_t nlabels)
{
	size_t r, k;

	buf_adds(b, "predictions\taccuracy");
	for (k = 0; k < nlabels; k++) {
		buf_addc(b, '\t');
		escape_name(b, ds->labels[k]);
	}
	buf_addc(b, '\n');
	for (r = 0; r < n; r++) {
		escape_name(b, rows[r].file);
		buf_addc(b, '\t');
		trend_value(b, rows[r].accuracy);
		for (k = 0; k < nlabels; k++) {
			buf_addc(b, '\t');
			trend_value(b, rows[r].recall[k]);
		}
		buf_addc(b, '\n');
	}
}

static void
print_json(struct buf *b, const struct trend_row *rows, size_t n, const struct dataset *ds,
    size_t nlabels)
{
	size_t r, k;

	buf_addc(b, '[');
	for (r = 0; r < n; r++) {
		buf_adds(b, r ? ",\n {\"predictions\": " : "\n {\"predictions\": ");
		json_add_string(b, rows[r].file);
		buf_addf(b, ", \"rows\": %zu, \"samples\": %zu, \"correct\": %zu, \"accuracy\": ",
		    rows[r].rows, rows[r].samples, rows[r].correct);
		json_add_number(b, rows[r].accuracy);
		buf_adds(b, ",\n  \"recall\": {");
		for (k = 0; k < nlabels; k++) {
			buf_adds(b, k ? ", " : "");
			json_add_string(b, ds->labels[k]);
			buf_adds(b, ": ");
			json_add_number(b, rows[r].recall[k]);
		}
		buf_adds(b, "}}");
	}
	buf_adds(b, n ? "\n]\n" : "]\n");
}

int
cmd_trend(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "journal", required_argument, NULL, 'j' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *journal = NULL;
	struct dataset *ds;
	struct journal *j = NULL;
	struct annotations a = { 0 };
	struct trend_row *rows;
	struct buf out = { 0 };
	int c, format = OUT_TSV, status = 0;
	size_t i, n, nlabels, done = 0;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:j:f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			journal = optarg;
			break;
		case 'f':
			if ((format = parse_format("trend", optarg, OUT_TSV | OUT_JSON)) < 0)
				return 2;
			break;
		case 'h':
			fputs(trend_usage, stdout);
			return 0;
		case ':':
			return usage_error("trend", "%s needs an argument", argv[optind - 1]);
		default:
			return usage_error("trend", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind < 2)
		return usage_error("trend", optind == argc ? "a DATASET and PRED files are needed" :
		    "at least one PRED file is needed");

	if ((ds = dataset_open_reported(argv[optind])) == NULL)
		return 2;
	if (journal != NULL && (j = journal_read_for(journal, ds)) == NULL) {
		dataset_free(ds);
		return 2;
	}
	a.n = ds->nsamples;
	a.pred = xmalloc((a.n ? a.n : 1) * sizeof *a.pred);
	journal_annotate_reported(j, ds, &a);
	/* The columns are the labels a sample can have (a relabel's new one
	 * too), fixed before any file adds the labels only its model knows:
	 * those are never a sample's, so their recall is never defined. */
	nlabels = ds->nlabels;
	n = (size_t)(argc - optind - 1);
	rows = xcalloc(n, sizeof *rows);
	/* Every file is read before anything is printed: a file that cannot be
	 * read leaves no half table behind. */
	for (done = 0; done < n; done++)
		if (measure(argv[optind + 1 + done], ds, &a, j != NULL, nlabels,
		    &rows[done]) != 0) {
			status = 2;
			break;
		}
	if (status == 0) {
		if (format == OUT_JSON)
			print_json(&out, rows, n, ds, nlabels);
		else
			print_tsv(&out, rows, n, ds, nlabels);
		fwrite(buf_str(&out), 1, out.len, stdout);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			fprintf(stderr, "%s: standard output: write error\n", progname);
			status = 2;
		}
	}
	for (i = 0; i < done; i++)
		free(rows[i].recall);
	free(rows);
	buf_free(&out);
	annotations_free(&a);
	journal_free(j);
	dataset_free(ds);
	return status;
}
