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
"  -h, --help          this help\n";

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
csv_field(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL && !(*s == ' ' || (*s && s[strlen(s) - 1] == ' '))) {
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
	size_t n = journal_standing_all(j, &list), i, m = 0, skipped = 0;
	const char **paths = xmalloc((n ? n : 1) * sizeof *paths);

	for (i = 0; i < n; i++) {
		const char *p = journal_str(j, list[i]->path);
		if (list[i]->op != JOP_FLAG)
			continue;
		/* A list has one path a line: a name with a line break cannot be
		 * in it. */
		if (strchr(p, '\n') || strchr(p, '\r')) {
			struct buf b = { 0 };
			escape_name(&b, p);
			fprintf(stderr, "%s: %s: a line break in the name; left out of the list\n",
			    progname, buf_str(&b));
			buf_free(&b);
			skipped++;
			continue;
		}
		paths[m++] = p;
	}
	qsort(paths, m, sizeof *paths, cmp_str);
	for (i = 0; i < m; i++)
		fprintf(f, "%s\n", paths[i]);
	free(paths);
	free(list);
	return skipped ? 1 : 0;
}

static int
export_manifest(const struct journal *j, FILE *f)
{
	struct annotations a = { 0 };
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
		csv_field(f, sample_path(ds, i));
		fputc(',', f);
		csv_field(f, dataset_label_name(ds, label));
		if (splits) {
			fputc(',', f);
			csv_field(f, dataset_split_name(ds, s->split));
		}
		fputc('\n', f);
	}
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
