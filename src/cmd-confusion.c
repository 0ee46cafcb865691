/* cmd-confusion.c — `winnow confusion`. */
#include "cmd.h"

int
cmd_confusion(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cmd_not_yet("confusion");
}
