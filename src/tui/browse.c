/* browse.c — `winnow [-p PRED] [-j JOURNAL] [-e EMB] [--trace F] [DATASET]`:
 * check what can be checked before taking the terminal, then run the
 * browser. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "commands.h"
#include "dataset.h"
#include "settings.h"
#include "ui.h"
#include "util.h"

static const struct option browse_options[] = {
	{ "predictions", required_argument, NULL, 'p' },
	{ "journal", required_argument, NULL, 'j' },
	{ "embeddings", required_argument, NULL, 'e' },
	{ "trace", required_argument, NULL, 'T' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int
browse_usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", progname);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (try '%s --help')\n", progname);
	return 2;
}

int
cmd_browse(int argc, char **argv)
{
	struct app app;
	struct stat st;
	char *cause = NULL;
	int c, status, sig;

	ui_init(&app);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:p:j:e:h", browse_options, NULL)) != -1) {
		switch (c) {
		case 'p':
			free(app.opt.predictions);
			app.opt.predictions = xstrdup(optarg);
			break;
		case 'j':
			free(app.opt.journal);
			app.opt.journal = xstrdup(optarg);
			break;
		case 'e':
			free(app.opt.embeddings);
			app.opt.embeddings = xstrdup(optarg);
			break;
		case 'T':
			free(app.opt.trace);
			app.opt.trace = xstrdup(optarg);
			break;
		case 'h':
			usage_help();
			return 0;
		case ':':
			return browse_usage_error("%s needs an argument", argv[optind - 1]);
		default:
			return browse_usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind > 1) {
		/* Not a subcommand (main.c knows those): a typo, or two datasets. */
		return browse_usage_error("one dataset at a time ('%s' is extra)",
		    argv[optind + 1]);
	}
	if (optind < argc)
		app.opt.dataset = xstrdup(argv[optind]);
	else {
		app.opt.dataset = xstrdup(demo_dataset_path());
		if (stat(app.opt.dataset, &st) != 0) {
			fprintf(stderr, "%s: no dataset given, and the demo dataset is not "
			    "installed (%s)\n", progname, app.opt.dataset);
			ui_free(&app);
			return 2;
		}
	}
	if (stat(app.opt.dataset, &st) != 0) {
		fprintf(stderr, "%s: %s: %s\n", progname, app.opt.dataset, strerror(errno));
		ui_free(&app);
		return 2;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "%s: the browser needs a terminal; for scripts see "
		    "'winnow check', 'winnow stats' and 'winnow --help'\n", progname);
		ui_free(&app);
		return 2;
	}
	if (settings_load(NULL, &cause) != 0 || commands_bind(&cause) != 0 ||
	    ui_configure(&app, &cause) != 0) {
		fprintf(stderr, "%s: %s\n", progname, cause);
		free(cause);
		ui_free(&app);
		settings_free();
		return 2;
	}

	status = ui_run(&app);
	sig = app.signal;
	ui_free(&app);
	commands_free();
	settings_free();
	if (sig) {
		/* Die of the signal that ended us, as the caller expects. */
		signal(sig, SIG_DFL);
		raise(sig);
	}
	return status;
}
