/* hash.h — sha256, as 64 hex digits: of a sample's bytes, what a journal
 * decision records and what apply and its undo check before they move a
 * file; and of bytes in memory (a file apply is about to write). */
#ifndef WINNOW_HASH_H
#define WINNOW_HASH_H

#include <stddef.h>
#include <sys/stat.h>

/* sha256 of the file at path, relative to rootfd, as 64 hex digits into
 * out[65]. The file is opened as every sample is (sample_open): beneath
 * rootfd's tree, links followed only inside it, and a regular file only.
 * Returns 0, or -1 with errno set: EXDEV or ELOOP when the path leads out
 * of the tree, EISDIR for a folder, EINVAL for any other file that is not
 * a regular one, else what open or read said. */
int sha256_file(int rootfd, const char *path, char out[65]);
/* The same, with *st the file as opened (before a byte was read), so that
 * a caller can tell later whether it is still the file that was hashed. */
int sha256_file_stat(int rootfd, const char *path, char out[65], struct stat *st);
/* sha256 of len bytes at data, as 64 hex digits into out[65]. */
void sha256_data(const void *data, size_t len, char out[65]);

#endif
