/* cmd-merge.c — `winnow merge`. */
#include "cmd.h"

int
cmd_merge(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cmd_not_yet("merge");
}
