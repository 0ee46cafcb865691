/* main.c — dispatch to the subcommands. */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "util.h"

static const struct {
	const char *name;
	int (*run)(int, char **);
} commands[] = {
	{ "check", cmd_check },
	{ "confusion", cmd_confusion },
	{ "trend", cmd_trend },
	{ "regress", cmd_regress },
	{ "stats", cmd_stats },
	{ "apply", cmd_apply },
	{ "merge", cmd_merge },
	{ "export", cmd_export },
};

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
"  -j, --journal JOURNAL    decisions journal (default: DATASET/.winnow/journal.yaml)\n"
"  -e, --embeddings FILE    embeddings (default: DATASET/embeddings.tsv)\n"
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
main(int argc, char **argv)
{
	size_t i;

	setlocale(LC_ALL, "");
	/* PortAudio asks JACK first, and libjack would start a JACK server
	 * (grabbing the sound card) when none runs and jackd is installed. Set
	 * here, before any thread exists, since setenv is not thread-safe. */
	setenv("JACK_NO_START_SERVER", "1", 0);
	/* Numbers written for scripts (TSV, JSON, the journal) take '.' as the
	 * decimal point whatever the user's locale. */
	setlocale(LC_NUMERIC, "C");
	if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
		usage_help();
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		return 0;
	}
	if (argc >= 2) {
		for (i = 0; i < ARRAY_SIZE(commands); i++)
			if (strcmp(argv[1], commands[i].name) == 0)
				return commands[i].run(argc - 1, argv + 1);
		if (strcmp(argv[1], "help") == 0) {
			usage_help();
			return 0;
		}
		/* A word that names neither a subcommand nor a file is most
		 * likely a mistyped subcommand. */
		if (argv[1][0] != '-' && access(argv[1], F_OK) != 0) {
			struct buf b = { 0 };
			escape_name(&b, argv[1]);
			fprintf(stderr, "%s: '%s' is neither a subcommand nor a dataset "
			    "(try '%s --help')\n", progname, b.data, progname);
			buf_free(&b);
			return 2;
		}
	}
	return cmd_browse(argc, argv);
}
