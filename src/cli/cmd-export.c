/* cmd-export.c — `winnow export`: what a journal decided, as files other
 * tools read, without touching the dataset. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "annot.h"
#include "cmd.h"
#include "dataset.h"
#include "journal.h"
#include "util.h"

static const char export_usage[] =
"usage: winnow export --rogues [-o FILE] JOURNAL\n"
"       winnow export --manifest [-o FILE] JOURNAL\n"
"\n"
"  -r, --rogues        the flagged samples, one path a line (relative to the\n"
"                      dataset, like Speech Commands' testing_list.txt): a\n"
"                      regression set to evaluate on its own\n"
"  -m, --manifest      the dataset as the journal leaves it, as CSV\n"
"                      (path,label[,split]; paths relative to the dataset):\n"
"                      relabels applied, deletes left out; no file is touched,\n"
"                      so it works on read-only datasets\n"
"  -o, --output FILE   write to FILE instead of standard output\n"
"  -h, --help          this help\n"
"\n"
"Names are escaped as winnow shows them: \\\\ for a backslash, \\xNN for a\n"
"control character or a byte that is not UTF-8; a manifest read by winnow\n"
"has them undone.\n";

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A name as a CSV field: escaped first (escape_name), so that no control
 * byte reaches a terminal and no line break splits a row, which the manifest
 * reader, one row a line, would refuse; then quoted where CSV needs it. */
static void
csv_field(FILE *f, struct buf *b, const char *name)
{
	const char *s = escaped_name(b, name);

	if (strpbrk(s, ",\"") == NULL && !(*s == ' ' || (*s && s[strlen(s) - 1] == ' '))) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static int
export_rogues(const struct journal *j, FILE *f)
{
	const struct journal_entry **list;
	size_t n = journal_standing_all(j, &list), i, m = 0;
	const char **paths = xmalloc((n ? n : 1) * sizeof *paths);
	struct buf b = { 0 };

	for (i = 0; i < n; i++)
		if (list[i]->op == JOP_FLAG)
			paths[m++] = journal_str(j, list[i]->path);
	qsort(paths, m, sizeof *paths, cmp_str);
	/* Escaped, a name with a line break is one line too. */
	for (i = 0; i < m; i++)
		fprintf(f, "%s\n", escaped_name(&b, paths[i]));
	buf_free(&b);
	free(paths);
	free(list);
	return 0;
}

static int
export_manifest(const struct journal *j, FILE *f)
{
	struct annotations a = { 0 };
	struct buf b = { 0 }, m = { 0 };
	struct dataset *ds;
	char *cause = NULL, *path = journal_dataset_path(j);
	size_t i, missing;
	int splits;

	ds = dataset_open(path, &cause);
	free(path);
	if (ds == NULL || journal_check_dataset(j, ds, &cause) != 0) {
		fprintf(stderr, "%s: %s: the journal's dataset: %s\n", progname, j->file, cause);
		free(cause);
		dataset_free(ds);
		return 2;
	}
	/* A manifest's rows that could not be read are not in the dataset, and
	 * so not in what is written: say which. */
	for (i = 0; i < ds->nproblems; i++)
		fprintf(stderr, "%s: %s: %s\n", progname, escaped_name(&b, ds->problems[i].path),
		    escaped_name(&m, ds->problems[i].message));
	a.n = ds->nsamples;
	if ((missing = journal_annotate(j, ds, &a)) > 0)
		fprintf(stderr, "%s: %zu decisions name files that are not in the dataset "
		    "(moved, or applied already); left out\n", progname, missing);
	splits = ds->nsplits > 1;
	fputs(splits ? "path,label,split\n" : "path,label\n", f);
	for (i = 0; i < ds->nsamples; i++) {
		const struct sample *s = &ds->samples[i];
		unsigned label = a.decision[i] == DECISION_RELABEL ? a.relabel_to[i] : s->label;
		if (a.decision[i] == DECISION_DELETE || label == LABEL_NONE)
			continue;
		csv_field(f, &b, sample_path(ds, i));
		fputc(',', f);
		csv_field(f, &b, dataset_label_name(ds, label));
		if (splits) {
			fputc(',', f);
			csv_field(f, &b, dataset_split_name(ds, s->split));
		}
		fputc('\n', f);
	}
	buf_free(&b);
	buf_free(&m);
	annotations_free(&a);
	dataset_free(ds);
	return 0;
}

int
cmd_export(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rogues", no_argument, NULL, 'r' },
		{ "manifest", no_argument, NULL, 'm' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL;
	struct journal *j;
	int c, what = 0, status;
	FILE *f = stdout;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+rmo:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
		case 'm':
			if (what && what != c)
				return usage_error("export", "--rogues or --manifest, not both");
			what = c;
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			fputs(export_usage, stdout);
			return 0;
		default:
			return usage_error("export", optopt ? "option '%s' needs a value" :
			    "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (what == 0)
		return usage_error("export", "--rogues or --manifest is needed");
	if (optind != argc - 1)
		return usage_error("export", optind == argc ? "a JOURNAL is needed" :
		    "one JOURNAL only");
	if ((j = journal_read_reported(argv[optind])) == NULL)
		return 2;
	if (output && (f = fopen(output, "w")) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", progname, output, strerror(errno));
		journal_free(j);
		return 2;
	}
	status = what == 'r' ? export_rogues(j, f) : export_manifest(j, f);
	if (fflush(f) != 0 || (f != stdout && fclose(f) != 0)) {
		fprintf(stderr, "%s: %s: %s\n", progname, output ? output : "stdout",
		    strerror(errno));
		status = 2;
	}
	journal_free(j);
	return status;
}
