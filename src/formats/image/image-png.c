/* image-png.c — PNG through libpng, row by row, interlaced passes included. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "image-decode.h"
#include "util.h"

struct png_ctx {
	struct decode *d;
	char message[200];
};

static void
png_error_jump(png_structp png, png_const_charp msg)
{
	struct png_ctx *c = png_get_error_ptr(png);
	snprintf(c->message, sizeof c->message, "%s", msg);
	png_longjmp(png, 1);
}

static void
png_warning_quiet(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static void
png_read_stream(png_structp png, png_bytep data, size_t n)
{
	struct png_ctx *c = png_get_io_ptr(png);
	if (fread(data, 1, n, c->d->fp) != n)
		png_error(png, ferror(c->d->fp) ? strerror(errno) :
		    "truncated: the PNG data ends early");
}

int
image_decode_png(struct decode *d, char **cause)
{
	struct png_ctx ctx = { .d = d };
	png_structp png;
	png_infop info = NULL;
	png_uint_32 w, h;
	uint8_t *volatile row = NULL;
	volatile int rc = -1, pass = 0, interlaced = 0, rows_read = 0;
	int depth, type, ilace, p;

	png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, png_error_jump,
	    png_warning_quiet);
	if (png == NULL) {
		set_cause(cause, "PNG: cannot start the decoder");
		return -1;
	}
	info = png_create_info_struct(png);
	if (info == NULL) {
		png_destroy_read_struct(&png, NULL, NULL);
		set_cause(cause, "PNG: cannot start the decoder");
		return -1;
	}
	if (setjmp(png_jmpbuf(png))) {
		char msg[300];
		/* libpng's words for an IDAT stream that stops short. */
		if (strcmp(ctx.message, "Not enough image data") == 0 ||
		    strcmp(ctx.message, "Read Error") == 0)
			snprintf(ctx.message, sizeof ctx.message,
			    "truncated: the PNG data ends early");
		if (strncmp(ctx.message, "truncated", 9) != 0)
			snprintf(msg, sizeof msg, "PNG: %s", ctx.message);
		else if (interlaced)
			snprintf(msg, sizeof msg, "%s (in pass %d of 7)", ctx.message,
			    pass + 1);
		else if (d->have_scaler)
			snprintf(msg, sizeof msg, "%s (%d of %d rows)", ctx.message,
			    rows_read, d->info->height);
		else
			snprintf(msg, sizeof msg, "%s", ctx.message);
		rc = image_partial(d, msg, cause);
		goto out;
	}
	png_set_read_fn(png, &ctx, png_read_stream);
	png_set_benign_errors(png, 1);
	png_read_info(png, info);
	png_get_IHDR(png, info, &w, &h, &depth, &type, &ilace, NULL, NULL);
	if (image_declare_size(d, "PNG", w, h, cause) != 0)
		goto out;
	png_set_expand(png);
	png_set_strip_16(png);
	png_set_gray_to_rgb(png);
	png_set_add_alpha(png, 0xff, PNG_FILLER_AFTER);
	/*
	 * No png_set_interlace_handling: an interlaced picture then comes as its
	 * seven passes' own rows, which go straight into the scaler at their
	 * places, so nothing the size of the whole picture is ever held.
	 */
	png_read_update_info(png, info);
	if (png_get_rowbytes(png, info) != (size_t)w * 4) {
		set_cause(cause, "PNG: unexpected row layout");
		goto out;
	}
	image_start_scaler(d, (int)w, (int)h);
	row = xmalloc((size_t)w * 4);
	interlaced = ilace != PNG_INTERLACE_NONE;
	if (!interlaced) {
		png_uint_32 y;
		for (y = 0; y < h; y++) {
			png_read_row(png, row, NULL);
			image_scaler_put(&d->sc, (int)y, 0, 1, row, (int)w);
			rows_read++;
			if (image_stop(d, cause))
				goto out;
		}
	} else {
		for (p = 0; p < 7; p++) {
			png_uint_32 r, rows = PNG_PASS_ROWS(h, p), cols = PNG_PASS_COLS(w, p);
			pass = p;
			if (rows == 0 || cols == 0)
				continue;
			for (r = 0; r < rows; r++) {
				png_read_row(png, row, NULL);
				image_scaler_put(&d->sc, (int)PNG_ROW_FROM_PASS_ROW(r, p),
				    PNG_PASS_START_COL(p), PNG_PASS_COL_OFFSET(p), row,
				    (int)cols);
				if (image_stop(d, cause))
					goto out;
			}
		}
	}
	/* What follows the pixels (text, time) is not needed. */
	rc = 0;
out:
	png_destroy_read_struct(&png, &info, NULL);
	free(row);
	return rc;
}
