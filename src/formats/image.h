/* image.h — decoding sample images by their content, straight to thumbnail size.
 *
 * JPEG (libjpeg-turbo, with DCT scaling), PNG (libpng), WebP (libwebp, scaled,
 * first frame of an animation), GIF (giflib, first frame), BMP and PNM (own
 * bounded readers), a file each in formats/image/. The format comes from
 * the magic bytes, never the name.
 * Every decoder streams its rows into a box-filter scaler that holds only the
 * output, so memory stays bounded by the thumbnail size, whatever the image
 * declares; declared sizes above IMAGE_MAX_PIXELS are refused before any
 * pixel is decoded. Library errors never exit or print: they become messages.
 *
 * No curses, no chafa: the model. Every function here is thread-safe (no
 * shared state), so workers may decode several images at once. */
#ifndef WINNOW_IMAGE_H
#define WINNOW_IMAGE_H

#include <stdint.h>

#include "fingerprint.h"
#include "sniff.h"

/* Refused above this many declared pixels (a 30000×30000 PNG is 900 million). */
#define IMAGE_MAX_PIXELS (100u * 1000 * 1000)
/* Refused above this width or height (keeps the scaler's column map small). */
#define IMAGE_MAX_SIDE 65535

/* Decoded pixels: RGBA8, not premultiplied, rows top-down, no padding. */
struct image {
	int width, height;
	uint8_t *rgba;          /* width * height * 4 bytes; owned, image_clear frees */
};

/* What is known about a file, filled in as far as it got even when decoding
 * fails, so the info line can still say "png 30000×30000 · 1.2 kB". */
struct image_info {
	enum format format;     /* from the content */
	enum format ext_format; /* from the name (FMT_NONE: no known extension) */
	int width, height;      /* as the file declares them; 0 when not known */
	uint64_t file_size;
	int mismatch;           /* the extension names another known format */
	char *damage;           /* decoded, but with damage ("truncated: ..."):
	                           the picture is partial. Owned; NULL when clean */
};

/* Decode the image at path (relative to dirfd; AT_FDCWD for the current
 * folder; links out of dirfd are refused) to at most max_w × max_h pixels,
 * keeping its aspect ratio and never enlarging it. Returns 0 with *out
 * filled (and info->damage set when only part of it could be read), or -1
 * with *cause set (why, in a few words) and out empty. info is always
 * filled as far as known. Free with image_clear and image_info_clear. */
int image_load_at(int dirfd, const char *path, int max_w, int max_h,
    struct image *out, struct image_info *info, char **cause);
/* Asked between rows while decoding: nonzero gives up. */
typedef int (*image_cancel_fn)(void *arg);
/* image_load_at that gives up as soon as cancel(cancel_arg) says so
 * (returning -1, cause "cancelled"): a preview the user has moved past. */
int image_load_at_until(int dirfd, const char *path, int max_w, int max_h,
    image_cancel_fn cancel, void *cancel_arg, struct image *out,
    struct image_info *info, char **cause);
/* The same from bytes in memory (name gives the extension; may be NULL). */
int image_load_mem(const void *data, size_t len, const char *name, int max_w,
    int max_h, struct image *out, struct image_info *info, char **cause);
void image_clear(struct image *img);
void image_info_clear(struct image_info *info);

/* The largest w × h within max_w × max_h with the aspect of width × height,
 * never above width × height, at least 1 × 1. */
void image_fit(int width, int height, int max_w, int max_h, int *w, int *h);

/* The probe's thumbnail fits in a square of this side. */
#define IMAGE_PROBE_SIDE 64

/* A quick look for the checks: size and how flat the picture is. */
struct image_probe {
	enum format format;
	int width, height;      /* declared */
	double flatness;        /* spread of the picture: the largest standard
	                           deviation of the red, green, blue and alpha
	                           channels (0–255) over the thumbnail;
	                           below ~2 it is one flat colour to the eye */
	struct fingerprint fingerprint; /* of the thumbnail (fingerprint.h) */
};
/* Returns 0, or -1 with *cause set when the file is not an image that
 * decodes completely (damage counts as failure here: it is `unreadable`). */
int image_probe_at(int dirfd, const char *path, struct image_probe *out,
    char **cause);
/* The same from bytes in memory (`winnow check` reads each file once);
 * name gives the extension and may be NULL. */
int image_probe_mem(const void *data, size_t len, const char *name,
    struct image_probe *out, char **cause);
/* image_probe_mem that hands the thumbnail it measured to *thumb (the
 * caller frees it with image_clear) when it returns 0. */
int image_probe_thumb_mem(const void *data, size_t len, const char *name,
    struct image_probe *out, struct image *thumb, char **cause);

#endif
