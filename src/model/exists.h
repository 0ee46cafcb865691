/* exists.h — which of many paths under ROOT name regular files, found by
 * listing each folder once rather than looking up each path.
 *
 * A manifest of a million rows names files in a few folders: one stat a
 * row costs a million lookups in the kernel, where reading the folders
 * (getdents) costs a few thousand calls. The answer is the one that
 * open_beneath and fstat would give for each path (see exists_by_stat):
 * entries whose type the listing does not tell (DT_UNKNOWN, as some
 * filesystems report) and links are looked up one by one.
 *
 * No curses here. */
#ifndef WINNOW_EXISTS_H
#define WINNOW_EXISTS_H

#include <stddef.h>

/* A path's answer: EXISTS_REGULAR, EXISTS_NOT_REGULAR (a folder, a FIFO, a
 * device: something else), or the errno that open_beneath gave (ENOENT,
 * ENOTDIR, EXDEV for a link out of ROOT, ELOOP, EACCES). */
#define EXISTS_REGULAR 0
#define EXISTS_NOT_REGULAR (-1)

/* The answer for one path relative to rootfd, by open_beneath(O_PATH) and
 * fstat: the reference the listing must agree with. */
int exists_by_stat(int rootfd, const char *path);
/* The answer for a path found in its folder's listing as an entry of type
 * d_type (DT_REG, DT_DIR, … from readdir): a link or an unknown type is
 * looked up (exists_by_stat), any other type decides alone. */
int exists_by_type(int rootfd, const char *path, unsigned char d_type);
/* Answer for each of n paths, why[i] for paths[i]. The paths are relative
 * to rootfd and clean (path_is_clean: no empty, "." or ".." part); a path
 * may appear more than once. Folders are read on all cores; a folder that
 * cannot be read (missing, not a folder, out of ROOT, not searchable) has
 * its paths looked up one by one, so that each gets its own errno. */
void exists_check(int rootfd, const char *const *paths, size_t n, int *why, const char *cache);

/* With a cache (a file, cache_path("folders")), a folder whose listing
 * found every path asked of it a regular file is remembered by its
 * device, inode and ctime and by the names asked; asked the same again
 * while its ctime is the same, it is not read again. Only folders whose
 * ctime was exists_settled_ns old when the check began are remembered
 * (default 5 s: a later change in the same tick of the filesystem's clock
 * could leave the ctime as it was), and only on filesystems that keep
 * ctime themselves (ext2/3/4, XFS, Btrfs, tmpfs, F2FS, ZFS). NULL: no cache.
 * exists_listings counts the folders read, for tests. */
extern long long exists_settled_ns;
extern unsigned long exists_listings;

#endif
