/* sample.c — opening a sample's file (sample.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "sample.h"
#include "util.h"

int
sample_open(int rootfd, const char *path, struct stat *st, char **cause)
{
	int fd, saved;

	if (rootfd == AT_FDCWD)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	else
		fd = open_beneath(rootfd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		saved = errno;
		set_cause(cause, "cannot open: %s", saved == EXDEV ?
		    "the path leads outside the dataset" : strerror(saved));
		errno = saved;
		return -1;
	}
	if (fstat(fd, st) != 0) {
		saved = errno;
		set_cause(cause, "cannot open: %s", strerror(saved));
		close(fd);
		errno = saved;
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		saved = S_ISDIR(st->st_mode) ? EISDIR : EINVAL;
		set_cause(cause, "not a regular file");
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}
