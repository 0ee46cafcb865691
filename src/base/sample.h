/* sample.h — opening a sample's file: the one way every reader of samples
 * (images, text, audio, the preview) opens a dataset-relative path. */
#ifndef WINNOW_SAMPLE_H
#define WINNOW_SAMPLE_H

#include <sys/stat.h>

/* Open path for reading, relative to rootfd (the dataset's root) without
 * following links out of its tree (open_beneath); with AT_FDCWD, path is
 * opened as given. O_NONBLOCK, so that a FIFO named like a sample cannot
 * hang a worker: only a regular file is taken. Fills *st. Returns the
 * descriptor (the caller closes it), or -1 with *cause set to "cannot
 * open: the path leads outside the dataset", "cannot open: <why>" or "not
 * a regular file", and errno to open's, or EISDIR (a folder) or EINVAL
 * (another file that is not a regular one). */
int sample_open(int rootfd, const char *path, struct stat *st, char **cause);

#endif
