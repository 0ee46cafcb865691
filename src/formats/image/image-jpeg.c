/* image-jpeg.c — JPEG through libjpeg-turbo, decoded straight to the smallest
 * DCT scale that still covers the thumbnail. */
#include "config.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "image-decode.h"
#include "util.h"

/* libjpeg's own memory (progressive JPEGs buffer every coefficient). */
#define JPEG_MAX_MEMORY (256L << 20)

struct jpeg_err {
	struct jpeg_error_mgr pub;
	struct jpeg_progress_mgr progress;
	struct decode *d;
	jmp_buf jump;
	char message[JMSG_LENGTH_MAX];
	int truncated;          /* "premature end of JPEG file" */
	char corrupt[JMSG_LENGTH_MAX];  /* the first corrupt-data warning */
};

static void
jpeg_error_jump(j_common_ptr cinfo)
{
	struct jpeg_err *e = (struct jpeg_err *)cinfo->err;
	cinfo->err->format_message(cinfo, e->message);
	longjmp(e->jump, 1);
}

/* Warnings are not printed; the ones that mean the picture is damaged are
 * kept. Extraneous bytes between markers are common and harmless. */
static void
jpeg_warning(j_common_ptr cinfo, int level)
{
	struct jpeg_err *e = (struct jpeg_err *)cinfo->err;
	int code = cinfo->err->msg_code;

	if (level >= 0)
		return;
	cinfo->err->num_warnings++;
	if (code == JWRN_JPEG_EOF)
		e->truncated = 1;
	else if ((code == JWRN_HIT_MARKER || code == JWRN_HUFF_BAD_CODE ||
	    code == JWRN_MUST_RESYNC || code == JWRN_ARITH_BAD_CODE ||
	    code == JWRN_NOT_SEQUENTIAL || code == JWRN_BOGUS_PROGRESSION) &&
	    e->corrupt[0] == '\0')
		cinfo->err->format_message(cinfo, e->corrupt);
}

static void
jpeg_silent(j_common_ptr cinfo)
{
	(void)cinfo;
}

/* A progressive JPEG decodes all its data in jpeg_start_decompress: the
 * progress monitor is where a cancelled decoding stops there. */
static void
jpeg_progress(j_common_ptr cinfo)
{
	struct jpeg_err *e = (struct jpeg_err *)cinfo->err;
	if (e->d->cancel != NULL && e->d->cancel(e->d->cancel_arg)) {
		e->d->cancelled = 1;
		longjmp(e->jump, 1);
	}
}

/* CMYK as Adobe writes it (inverted) or plain, to RGBA in place. */
static void
cmyk_to_rgba(uint8_t *p, int n, int inverted)
{
	int i;
	for (i = 0; i < n; i++, p += 4) {
		unsigned c = p[0], m = p[1], y = p[2], k = p[3];
		if (!inverted) {
			c = 255 - c;
			m = 255 - m;
			y = 255 - y;
			k = 255 - k;
		}
		p[0] = (uint8_t)(c * k / 255);
		p[1] = (uint8_t)(m * k / 255);
		p[2] = (uint8_t)(y * k / 255);
		p[3] = 255;
	}
}

int
image_decode_jpeg(struct decode *d, char **cause)
{
	struct jpeg_decompress_struct cinfo;
	struct jpeg_err err;
	uint8_t *volatile row = NULL;
	volatile int cmyk = 0, rc = -1;
	int num, fw, fh;

	memset(&err, 0, sizeof err);
	err.d = d;
	cinfo.err = jpeg_std_error(&err.pub);
	err.pub.error_exit = jpeg_error_jump;
	err.pub.emit_message = jpeg_warning;
	err.pub.output_message = jpeg_silent;
	if (setjmp(err.jump)) {
		char msg[JMSG_LENGTH_MAX + 32];
		if (d->cancelled) {
			set_cause(cause, "cancelled");
			rc = -1;
			goto out;
		}
		snprintf(msg, sizeof msg, "JPEG: %s", err.message);
		if (strstr(err.message, "backing store") != NULL)
			rc = image_partial(d, "too large to decode in memory", cause);
		else
			rc = image_partial(d, msg, cause);
		goto out;
	}
	jpeg_create_decompress(&cinfo);
	cinfo.mem->max_memory_to_use = JPEG_MAX_MEMORY;
	err.progress.progress_monitor = jpeg_progress;
	cinfo.progress = &err.progress;
	jpeg_stdio_src(&cinfo, d->fp);
	jpeg_read_header(&cinfo, TRUE);
	if (image_declare_size(d, "JPEG", cinfo.image_width, cinfo.image_height, cause) != 0)
		goto out;

	/* Decode straight to the smallest DCT scale still covering the fit. */
	image_fit((int)cinfo.image_width, (int)cinfo.image_height, d->max_w,
	    d->max_h, &fw, &fh);
	for (num = 1; num < 8; num++)
		if ((cinfo.image_width * num + 7) / 8 >= (unsigned)fw &&
		    (cinfo.image_height * num + 7) / 8 >= (unsigned)fh)
			break;
	cinfo.scale_num = (unsigned)num;
	cinfo.scale_denom = 8;
	cinfo.dct_method = JDCT_IFAST;
	cinfo.do_fancy_upsampling = FALSE;
	if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
		cinfo.out_color_space = JCS_CMYK;
		cmyk = 1;
	} else
		cinfo.out_color_space = JCS_EXT_RGBA;
	jpeg_start_decompress(&cinfo);
	image_start_scaler(d, (int)cinfo.output_width, (int)cinfo.output_height);
	row = xmalloc((size_t)cinfo.output_width * 4);
	while (cinfo.output_scanline < cinfo.output_height) {
		JSAMPROW rows[1] = { row };
		int y = (int)cinfo.output_scanline;
		if (jpeg_read_scanlines(&cinfo, rows, 1) != 1)
			break;
		if (cmyk)
			cmyk_to_rgba(row, (int)cinfo.output_width, cinfo.saw_Adobe_marker);
		image_scaler_put(&d->sc, y, 0, 1, row, (int)cinfo.output_width);
		if (image_stop(d, cause))
			goto out;
	}
	jpeg_finish_decompress(&cinfo);
	if (err.truncated)
		d->damage = xstrdup("truncated: the JPEG data ends early");
	else if (err.corrupt[0] != '\0')
		d->damage = xasprintf("damaged: %s", err.corrupt);
	rc = 0;
out:
	jpeg_destroy_decompress(&cinfo);
	free(row);
	return rc;
}
