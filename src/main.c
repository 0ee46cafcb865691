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
