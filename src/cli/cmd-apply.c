/* cmd-apply.c — `winnow apply`: carry out a journal's decisions, or undo an
 * apply from its record. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply.h"
#include "cmd.h"
#include "dataset.h"
#include "journal.h"
#include "settings.h"
#include "util.h"

static const char apply_usage[] =
"usage: winnow apply [--dry-run] [--trash DIR] JOURNAL\n"
"       winnow apply [--dry-run] [--trash DIR] --undo RECORD\n"
"\n"
"Carry out the decisions of a journal on its dataset. Folders: a relabel\n"
"moves the file into the new label's folder, a delete moves it into the trash\n"
"(DATASET/.winnow/trash/STAMP/, unless --trash or the config file's trash:\n"
"names another folder); split lists follow. Manifest: the\n"
"manifest is rewritten, the old one kept beside it. Nothing is overwritten or\n"
"unlinked; each file's sha256 must still match the decision's, or it is a\n"
"conflict: listed and skipped. Every apply that changes something writes a\n"
"record, DATASET/.winnow/applied/STAMP-NN.yaml (names sort in time order),\n"
"and prints its path. Undo holds the record to the same rules: it acts only\n"
"on the dataset the record is kept in, takes files from a trash folder\n"
"outside it only when --trash names that folder, and moves nothing whose\n"
"sha256 differs from the record's.\n"
"\n"
"The dataset is the tree whose .winnow folder holds JOURNAL, wherever it was\n"
"copied or moved; for a journal kept elsewhere, the one its header names.\n"
"\n"
"  -n, --dry-run      print what would be done, change nothing\n"
"  -t, --trash DIR    put deleted files in DIR/STAMP/ (on the dataset's file system;\n"
"                     it wins over the config file's trash:); with --undo, the\n"
"                     DIR that apply was given\n"
"  -u, --undo RECORD  undo the apply of that record, restoring the tree\n"
"  -h, --help         this help\n"
"\n"
"Exit status: 0 done, 1 conflicts (the rest was done), 2 error.\n";

int
cmd_apply(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "trash", required_argument, NULL, 't' },
		{ "undo", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct apply_options o = { .out = stdout };
	struct apply_result res;
	const char *undo = NULL;
	struct journal *j = NULL;
	struct dataset *ds = NULL;
	char *cause = NULL, *path;
	int c, ret;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+nt:u:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o.dry_run = 1;
			break;
		case 't':
			o.trash = optarg;
			break;
		case 'u':
			undo = optarg;
			break;
		case 'h':
			fputs(apply_usage, stdout);
			return 0;
		default:
			return usage_error("apply", optopt ? "option '%s' needs a value" :
			    "unknown option '%s'", argv[optind - 1]);
		}
	}
	o.progress = isatty(STDERR_FILENO);
	/* The configuration's trash folder, where --trash is not given. */
	if (settings_load(NULL, &cause) != 0) {
		fprintf(stderr, "%s: %s\n", progname, cause);
		free(cause);
		return 2;
	}
	if (undo != NULL) {
		if (optind != argc)
			return usage_error("apply", "--undo takes a RECORD, and no JOURNAL");
		ret = apply_undo(undo, &o, &res, &cause);
		goto done;
	}
	if (optind != argc - 1)
		return usage_error("apply", optind == argc ? "a JOURNAL is needed" :
		    "one JOURNAL only");

	if ((j = journal_read_reported(argv[optind])) == NULL)
		return 2;
	path = journal_dataset_path(j);
	ds = dataset_open(path, &cause);
	free(path);
	if (ds == NULL || journal_check_dataset(j, ds, &cause) != 0) {
		fprintf(stderr, "%s: %s: the journal's dataset: %s\n", progname, j->file, cause);
		free(cause);
		journal_free(j);
		dataset_free(ds);
		return 2;
	}
	/* No browser may add decisions while they are carried out. */
	if (!o.dry_run && journal_lock(j, &cause) != 0) {
		fprintf(stderr, "%s: %s\n", progname, cause);
		free(cause);
		journal_free(j);
		dataset_free(ds);
		return 2;
	}
	fflush(stdout);
	ret = apply_journal(j, ds, &o, &res, &cause);
	journal_free(j);
	dataset_free(ds);
done:
	fflush(stdout);
	if (ret != 0) {
		fprintf(stderr, "%s: %s\n", progname, cause);
		free(cause);
		if (res.record)
			fprintf(stderr, "%s: what was done is in %s (winnow apply --undo "
			    "undoes it)\n", progname, res.record);
		apply_result_free(&res);
		return 2;
	}
	ret = res.conflicts ? 1 : 0;
	apply_result_free(&res);
	return ret;
}
