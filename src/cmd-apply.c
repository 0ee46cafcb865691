/* cmd-apply.c — `winnow apply`. */
#include "cmd.h"

int
cmd_apply(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cmd_not_yet("apply");
}
