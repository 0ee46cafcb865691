/* sniff.h — what a file is: by its name (cheap) and by its first bytes. */
#ifndef WINNOW_SNIFF_H
#define WINNOW_SNIFF_H

#include <stddef.h>

enum kind {
	KIND_OTHER = 0,
	KIND_AUDIO,
	KIND_IMAGE,
	KIND_TEXT,
	KIND_COUNT
};

enum format {
	FMT_NONE = 0,     /* not known (unknown extension / not sniffed yet) */
	FMT_WAV, FMT_FLAC, FMT_OGG, FMT_MP3, FMT_AIFF, FMT_AU,
	FMT_JPEG, FMT_PNG, FMT_WEBP, FMT_GIF, FMT_BMP, FMT_PNM,
	FMT_TEXT,
	FMT_EMPTY,        /* sniffed: zero bytes */
	FMT_DATA,         /* sniffed: bytes of no known format */
	FMT_COUNT
};

/* Format from a file name's extension (ASCII case-insensitive). */
enum format format_from_name(const char *name);
/* The same, for the first len bytes of name. */
enum format format_from_name_len(const char *name, size_t len);
/* Format from the first bytes of a file (n may be 0: FMT_EMPTY). At least 16
 * bytes should be given when the file has them; SNIFF_BYTES is plenty. */
#define SNIFF_BYTES 64
enum format format_from_magic(const unsigned char *p, size_t n);
/* Read the first bytes of path (relative to dirfd, opened with sample_open:
 * never through a link out of dirfd's tree, never waiting on a FIFO) and
 * sniff them. Returns the format, or FMT_NONE when it cannot be opened. */
enum format format_sniff_at(int dirfd, const char *path);

enum kind format_kind(enum format f);
/* Short lower-case name: "wav", "png", "empty", "data", "?" for FMT_NONE. */
const char *format_name(enum format f);
const char *kind_name(enum kind k);

#endif
