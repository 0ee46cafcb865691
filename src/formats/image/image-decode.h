/* image-decode.h — what the image decoders share: one decoding's state, the
 * size limits, giving up when cancelled, keeping a partial picture; and the
 * decoders themselves, one file each, which image.c picks by the magic
 * bytes. Internal to formats/image. */
#ifndef WINNOW_IMAGE_DECODE_H
#define WINNOW_IMAGE_DECODE_H

#include <stdint.h>
#include <stdio.h>

#include "image.h"
#include "image-scale.h"

/* One decoding: the stream, the size asked for, and what was learnt. */
struct decode {
	FILE *fp;
	int max_w, max_h;
	struct image_info *info;
	struct scaler sc;
	int have_scaler;
	char *damage;           /* set when a partial picture is kept */
	image_cancel_fn cancel; /* asked between rows; may be NULL */
	void *cancel_arg;
	int cancelled;
};

/* Has the caller given up on this picture? Asked between rows. */
int image_stop(struct decode *d, char **cause);
/* Record the declared size; refuse what would cost too much. */
int image_declare_size(struct decode *d, const char *what, uint64_t w, uint64_t h,
    char **cause);
/* Start the scaler for source rows of sw × sh pixels, aiming at the fit of
 * the declared picture (sw × sh may be a DCT-scaled version of it). */
void image_start_scaler(struct decode *d, int sw, int sh);
/* A decoder stopped early: keep what was decoded as damage when there is
 * something to show, else fail with the message. */
int image_partial(struct decode *d, const char *msg, char **cause);

/* Each decodes d->fp, positioned at its start, into d's scaler. Returns 0
 * (with d->damage set when only part of the picture could be read), or -1
 * with *cause set. */
int image_decode_jpeg(struct decode *d, char **cause);
int image_decode_png(struct decode *d, char **cause);
int image_decode_gif(struct decode *d, char **cause);
int image_decode_webp(struct decode *d, char **cause);
int image_decode_bmp(struct decode *d, char **cause);
int image_decode_pnm(struct decode *d, char **cause);

#endif
