/* cmd-export.c — `winnow export`. */
#include "cmd.h"

int
cmd_export(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cmd_not_yet("export");
}
