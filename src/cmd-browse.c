/* cmd-browse.c — `winnow browse`. */
#include "cmd.h"

int
cmd_browse(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cmd_not_yet("browse");
}
