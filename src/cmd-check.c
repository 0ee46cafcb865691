/* cmd-check.c — `winnow check`. */
#include "cmd.h"

int
cmd_check(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cmd_not_yet("check");
}
