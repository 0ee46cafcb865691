/* cmd-confusion.c — `winnow confusion`: the confusion matrix as TSV or JSON. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "confusion.h"
#include "dataset.h"
#include "journal.h"
#include "predictions.h"
#include "util.h"

static const char confusion_usage[] =
"usage: winnow confusion [-p PRED] [-j JOURNAL] [--split NAME] [--format tsv|json] DATASET\n"
"\n"
"Print the confusion matrix of a model's predictions: one row per true label,\n"
"one column per predicted label, in label order, as TSV (the first cell is\n"
"'true\\pred'). JSON adds each label's support, recall and precision, the\n"
"accuracy, and the most confused pairs.\n"
"\n"
"  -p, --predictions PRED  predictions file (default: DATASET/predictions.csv)\n"
"  -j, --journal JOURNAL   count true labels after the journal's decisions\n"
"  -s, --split NAME        only the samples of this split\n"
"  -f, --format tsv|json   output format (default: tsv)\n"
"\n"
"Problems in the predictions file (paths not in the dataset, repeated rows,\n"
"malformed rows, unknown labels, bad probabilities) are listed on standard\n"
"error and do not stop the count. Exit status 2 when a file cannot be read.\n";

/* How many most-confused pairs the JSON lists. */
#define PAIRS_LISTED 10

/* A label as a TSV cell: bytes that would break the table are escaped. */
static void
tsv_label(struct buf *b, const char *s)
{
	escape_name(b, s);
}

static void
print_tsv(const struct confusion *cm, const struct dataset *ds)
{
	struct buf b = { 0 };
	size_t t, p;

	buf_adds(&b, "true\\pred");
	for (p = 0; p < cm->n; p++) {
		buf_addc(&b, '\t');
		tsv_label(&b, ds->labels[p]);
	}
	buf_addc(&b, '\n');
	for (t = 0; t < cm->n; t++) {
		tsv_label(&b, ds->labels[t]);
		for (p = 0; p < cm->n; p++)
			buf_addf(&b, "\t%u", confusion_cell(cm, t, p));
		buf_addc(&b, '\n');
	}
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
}

static void
print_json(const struct confusion *cm, const struct dataset *ds,
    const char *pred_file, const char *split)
{
	struct buf b = { 0 };
	struct confusion_pair pairs[PAIRS_LISTED];
	size_t t, p, npairs;

	buf_adds(&b, "{\"predictions\": ");
	json_add_string(&b, pred_file);
	buf_adds(&b, ", \"split\": ");
	if (split)
		json_add_string(&b, split);
	else
		buf_adds(&b, "null");
	buf_addf(&b, ", \"decisions\": %s,\n \"labels\": [", cm->decided ? "true" : "false");
	for (p = 0; p < cm->n; p++) {
		buf_adds(&b, p ? ", " : "");
		json_add_string(&b, ds->labels[p]);
	}
	buf_adds(&b, "],\n \"matrix\": [");
	for (t = 0; t < cm->n; t++) {
		buf_adds(&b, t ? ",\n  [" : "\n  [");
		for (p = 0; p < cm->n; p++)
			buf_addf(&b, "%s%u", p ? ", " : "", confusion_cell(cm, t, p));
		buf_addc(&b, ']');
	}
	buf_addf(&b, "],\n \"samples\": %zu, \"correct\": %zu, \"accuracy\": ", cm->total,
	    cm->correct);
	json_add_number(&b, confusion_accuracy(cm));
	buf_adds(&b, ",\n \"classes\": [");
	for (t = 0; t < cm->n; t++) {
		buf_adds(&b, t ? ",\n  {\"label\": " : "\n  {\"label\": ");
		json_add_string(&b, ds->labels[t]);
		buf_addf(&b, ", \"support\": %u, \"predicted\": %u, \"recall\": ",
		    cm->row_total[t], cm->col_total[t]);
		json_add_number(&b, confusion_recall(cm, t));
		buf_adds(&b, ", \"precision\": ");
		json_add_number(&b, confusion_precision(cm, t));
		buf_addc(&b, '}');
	}
	buf_adds(&b, "],\n \"confused\": [");
	npairs = confusion_pairs(cm, pairs, PAIRS_LISTED);
	for (p = 0; p < npairs; p++) {
		buf_adds(&b, p ? ",\n  {\"true\": " : "\n  {\"true\": ");
		json_add_string(&b, ds->labels[pairs[p].truth]);
		buf_adds(&b, ", \"pred\": ");
		json_add_string(&b, ds->labels[pairs[p].pred]);
		buf_addf(&b, ", \"count\": %u}", pairs[p].count);
	}
	buf_adds(&b, "]}\n");
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
}

/* The problems of the predictions file, and the samples it does not cover. */
static void
report(const struct predictions *p, const struct dataset *ds)
{
	pred_problems_report(p);
	if (p->matched < ds->nsamples)
		fprintf(stderr, "%s: %s: %zu of %zu samples have no prediction\n", progname,
		    p->file, ds->nsamples - p->matched, ds->nsamples);
}

int
cmd_confusion(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "predictions", required_argument, NULL, 'p' },
		{ "journal", required_argument, NULL, 'j' },
		{ "split", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pred_arg = NULL, *journal = NULL, *split_name = NULL;
	char *pred_file = NULL, *cause = NULL;
	struct dataset *ds;
	struct predictions *p;
	struct journal *j = NULL;
	struct annotations a = { 0 };
	struct confusion cm = { .split = -1 };
	int c, format = OUT_TSV, split = -1;
	size_t i;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:p:j:s:f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			pred_arg = optarg;
			break;
		case 'j':
			journal = optarg;
			break;
		case 's':
			split_name = optarg;
			break;
		case 'f':
			if ((format = parse_format("confusion", optarg, OUT_TSV | OUT_JSON)) < 0)
				return 2;
			break;
		case 'h':
			fputs(confusion_usage, stdout);
			return 0;
		case ':':
			return usage_error("confusion", "%s needs an argument",
			    argv[optind - 1]);
		default:
			return usage_error("confusion", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return usage_error("confusion", optind == argc ? "a DATASET is needed" :
		    "one DATASET only");

	if ((ds = dataset_open_reported(argv[optind])) == NULL)
		return 2;
	if (split_name != NULL && (split = dataset_split_find(ds, split_name)) <= 0) {
		struct buf names = { 0 };
		for (i = 1; i < ds->nsplits; i++)
			buf_addf(&names, "%s%s", i > 1 ? ", " : "", ds->splits[i]);
		fprintf(stderr, "%s confusion: the dataset has no split '%s' (%s%s)\n",
		    progname, split_name, ds->nsplits > 1 ? "its splits: " : "it has no splits",
		    buf_str(&names));
		buf_free(&names);
		dataset_free(ds);
		return 2;
	}

	if (journal != NULL && (j = journal_read_for(journal, ds)) == NULL) {
		dataset_free(ds);
		return 2;
	}
	pred_file = pred_arg ? xstrdup(pred_arg) : xasprintf("%s/predictions.csv", ds->root);
	/* The matrix needs the predicted labels only: the probabilities are
	 * checked as they are read, not kept. */
	if ((p = predictions_load_labels(pred_file, ds, &cause)) == NULL) {
		fprintf(stderr, "%s: %s\n", progname, cause);
		free(cause);
		free(pred_file);
		journal_free(j);
		dataset_free(ds);
		return 2;
	}
	report(p, ds);
	/* The matrix needs only the predicted labels, not the suspects. */
	predictions_bind(p, ds);
	a.n = ds->nsamples;
	a.pred = xmalloc((a.n ? a.n : 1) * sizeof *a.pred);
	for (i = 0; i < a.n; i++)
		a.pred[i] = predictions_label(p, i);
	journal_annotate_reported(j, ds, &a);
	confusion_build(&cm, ds, &a, split, j != NULL);
	if (format == OUT_JSON)
		print_json(&cm, ds, pred_file, split_name);
	else
		print_tsv(&cm, ds);

	confusion_free(&cm);
	annotations_free(&a);
	journal_free(j);
	predictions_free(p);
	free(pred_file);
	dataset_free(ds);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: standard output: write error\n", progname);
		return 2;
	}
	return 0;
}
