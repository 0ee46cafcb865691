/* cmd.c — what the subcommands share: the top-level usage, usage errors,
 * --format's names, a dataset opened and a journal read with their
 * problems reported (the journal checked against the dataset it is about,
 * its decisions laid on it), JSON values, the problems of a predictions
 * file. */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "dataset.h"
#include "journal.h"
#include "predictions.h"
#include "util.h"

static const char usage_text[] =
"usage: winnow [-p PRED] [-j JOURNAL] [-e EMBEDDINGS] [DATASET]\n"
"       winnow check [-p PRED] [-e EMBEDDINGS] [--format tsv|json] [--shard I/N] DATASET\n"
"       winnow confusion [-p PRED] [-j JOURNAL] [--split NAME] [--format tsv|json] DATASET\n"
"       winnow trend [-j JOURNAL] [--format tsv|json] DATASET PRED...\n"
"       winnow regress [-j JOURNAL] [--rogues LIST] [--baseline OLD] -p PRED DATASET\n"
"       winnow stats [--durations] [--format text|tsv|json] DATASET\n"
"       winnow apply [--dry-run] [--trash DIR] JOURNAL\n"
"       winnow apply [--trash DIR] --undo RECORD\n"
"       winnow merge JOURNAL...\n"
"       winnow export --rogues|--manifest JOURNAL\n"
"       winnow --version | --help\n"
"\n"
"Browse a machine-learning dataset (a folder per label, or a CSV/TSV manifest):\n"
"look at and listen to samples, see the model's confusion matrix, find bad\n"
"samples, and journal relabel/delete/accept/flag decisions to apply later.\n"
"With no DATASET, winnow opens its bundled demo dataset.\n"
"\n"
"Options of the browser:\n"
"  -p, --predictions PRED   model predictions (default: DATASET/predictions.csv),\n"
"                           reloaded when its writer closes it or renames one over it\n"
"                           (each whole load a row of DATASET/.winnow/trend.tsv)\n"
"  -j, --journal JOURNAL    decisions journal (default: DATASET/.winnow/journal.yaml)\n"
"  -e, --embeddings FILE    embeddings (default: DATASET/embeddings.tsv): the\n"
"                           cluster view (c), and the findings of check -e\n"
"      --trace FILE         log key-to-frame latency to FILE\n"
"\n"
"Each subcommand takes --help. Exit status: 0 success, 1 findings or\n"
"conflicts, 2 usage or fatal error. See winnow(1) and winnow-journal(5).\n";

void
usage_help(void)
{
	fputs(usage_text, stdout);
}

int
usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s %s: ", progname, cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try '%s %s --help')\n", progname, cmd);
	return 2;
}

int
parse_format(const char *cmd, const char *arg, unsigned allowed)
{
	static const struct { const char *name; enum out_format format; } names[] = {
		{ "text", OUT_TEXT }, { "tsv", OUT_TSV }, { "json", OUT_JSON },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if ((allowed & names[i].format) && strcmp(arg, names[i].name) == 0)
			return names[i].format;
	usage_error(cmd, "unknown format '%s'", arg);
	return -1;
}

struct journal *
journal_read_reported(const char *file)
{
	struct journal *j;
	char *cause = NULL;

	if ((j = journal_read(file, &cause)) == NULL) {
		fprintf(stderr, "%s: %s\n", progname, cause);
		free(cause);
		return NULL;
	}
	if (j->torn)
		fprintf(stderr, "%s: %s\n", progname, j->torn);
	return j;
}

void
json_add_string(struct buf *b, const char *s)
{
	struct buf esc = { 0 };
	const unsigned char *p;

	escape_name(&esc, s);
	buf_addc(b, '"');
	for (p = (const unsigned char *)buf_str(&esc); *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_addf(b, "\\%c", *p);
		else if (*p < 0x20)
			buf_addf(b, "\\u%04x", *p);
		else
			buf_addc(b, (char)*p);
	}
	buf_addc(b, '"');
	buf_free(&esc);
}

void
json_add_number(struct buf *b, double v)
{
	if (isnan(v))
		buf_adds(b, "null");
	else
		buf_addf(b, "%.6g", v);
}

void
pred_problems_report(const struct predictions *p)
{
	struct buf b = { 0 };
	size_t i, k, problems = 0;

	for (i = 0; i < p->nproblems; i++)
		fprintf(stderr, "%s: %s: %s\n", progname, p->file, p->problems[i].message);
	for (k = 0; k < PRED_PROBLEM_KINDS; k++) {
		if (p->count[k] == 0)
			continue;
		buf_addf(&b, "%s%zu %s", problems ? ", " : "", p->count[k],
		    pred_problem_name((enum pred_problem_kind)k));
		problems += p->count[k];
	}
	if (problems > 0)
		fprintf(stderr, "%s: %s: %zu rows: %s (the first %d of each are listed)\n",
		    progname, p->file, p->rows, buf_str(&b), PRED_PROBLEMS_LISTED);
	buf_free(&b);
}

struct journal *
journal_read_for(const char *file, const struct dataset *ds)
{
	struct journal *j;
	char *cause = NULL;

	if ((j = journal_read_reported(file)) == NULL)
		return NULL;
	if (journal_check_dataset(j, ds, &cause) != 0) {
		fprintf(stderr, "%s: %s\n", progname, cause);
		free(cause);
		journal_free(j);
		return NULL;
	}
	return j;
}

struct dataset *
dataset_open_reported(const char *root)
{
	struct dataset *ds;
	struct buf b = { 0 }, m = { 0 };
	char *cause = NULL;
	size_t i;

	if ((ds = dataset_open(root, &cause)) == NULL) {
		fprintf(stderr, "%s: %s\n", progname, cause);
		free(cause);
		return NULL;
	}
	/* Names come from the tree: escaped, as every other output has them. */
	for (i = 0; i < ds->nproblems; i++)
		fprintf(stderr, "%s: %s: %s\n", progname, escaped_name(&b, ds->problems[i].path),
		    escaped_name(&m, ds->problems[i].message));
	buf_free(&b);
	buf_free(&m);
	return ds;
}

void
journal_annotate_reported(const struct journal *j, struct dataset *ds,
    struct annotations *a)
{
	size_t elsewhere;

	if (j != NULL && (elsewhere = journal_annotate(j, ds, a)) > 0)
		fprintf(stderr, "%s: %s: %zu decisions name paths not in the dataset "
		    "(applied already, or moved)\n", progname, j->file, elsewhere);
}
