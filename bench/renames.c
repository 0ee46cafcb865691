/* renames.c — the bare cost of rename(2): read "FROM\tTO" lines and rename
 * each, relative to the current folder. The floor `winnow apply` is
 * measured against in `make bench`. */
#include <stdio.h>
#include <string.h>

int
main(void)
{
	char line[8192], *tab;
	int bad = 0;
	while (fgets(line, sizeof line, stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if ((tab = strchr(line, '\t')) == NULL)
			continue;
		*tab = '\0';
		if (rename(line, tab + 1) != 0) {
			perror(line);
			bad = 1;
		}
	}
	return bad;
}
