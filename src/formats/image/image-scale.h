/* image-scale.h — the box-filter scaler every image decoder streams its rows
 * into, so that memory stays the thumbnail's size whatever the picture
 * declares. Internal to formats/image. */
#ifndef WINNOW_IMAGE_SCALE_H
#define WINNOW_IMAGE_SCALE_H

#include <stdint.h>

#include "image.h"

/*
 * The scaler: every source pixel is added, premultiplied, to the one output
 * pixel whose box holds it. Rows may come in any order (interlaced PNG and
 * GIF, bottom-up BMP), some never (truncated files: those pixels stay
 * transparent), and memory is the output's size whatever the input's.
 * When the decoder already gives the output's size (a JPEG whose DCT
 * scaling lands on the fit), pixels are copied straight to the output:
 * for a 640×480 JPEG the sums took half as many instructions again as
 * libjpeg's own decoding, most of them clearing and reading 32 bytes a
 * pixel.
 */
struct scaler {
	int sw, sh, dw, dh;
	uint64_t *sum;          /* dw * dh * 4: r·a, g·a, b·a, a */
	uint32_t *count;        /* dw * dh: source pixels added */
	int *xmap;              /* sw: source column -> output column */
	uint8_t *direct;        /* dw * dh * 4 when sw × sh is dw × dh, else NULL */
	uint64_t added;         /* source pixels added in all */
};

void image_scaler_init(struct scaler *s, int sw, int sh, int dw, int dh);
void image_scaler_free(struct scaler *s);
/* Add n RGBA pixels of source row y, at columns x0, x0 + xstep, ... */
void image_scaler_put(struct scaler *s, int y, int x0, int xstep, const uint8_t *rgba,
    int n);
/* Fill out with the scaled picture; the scaler is spent (free it still). */
void image_scaler_finish(struct scaler *s, struct image *out);

#endif
