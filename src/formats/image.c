/* image.c — image decoders that stream rows into a bounded box-filter scaler. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gif_lib.h>
#include <jpeglib.h>
#include <jerror.h>
#include <png.h>
#include <webp/decode.h>
#include <webp/demux.h>

#include "image.h"
#include "util.h"

/* WebP is decoded from memory; a WebP file larger than this is refused. */
#define WEBP_MAX_FILE (128u << 20)
/* Lossless WebP keeps the whole picture in memory while decoding. */
#define WEBP_LOSSLESS_MAX_PIXELS (25u * 1000 * 1000)
/* libjpeg's own memory (progressive JPEGs buffer every coefficient). */
#define JPEG_MAX_MEMORY (256L << 20)

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

static void
scaler_init(struct scaler *s, int sw, int sh, int dw, int dh)
{
	int x;

	memset(s, 0, sizeof *s);
	s->sw = sw;
	s->sh = sh;
	s->dw = dw;
	s->dh = dh;
	if (sw == dw && sh == dh) {
		s->direct = xcalloc((size_t)dw * dh, 4);
		return;
	}
	s->sum = xcalloc((size_t)dw * dh * 4, sizeof *s->sum);
	s->count = xcalloc((size_t)dw * dh, sizeof *s->count);
	s->xmap = xmalloc((size_t)sw * sizeof *s->xmap);
	for (x = 0; x < sw; x++)
		s->xmap[x] = (int)((int64_t)x * dw / sw);
}

static void
scaler_free(struct scaler *s)
{
	free(s->sum);
	free(s->count);
	free(s->xmap);
	free(s->direct);
	memset(s, 0, sizeof *s);
}

/* Source row y straight into the output; fully transparent pixels are
 * cleared, as the sums would make them. */
static void
scaler_copy(struct scaler *s, int y, int x0, int xstep, const uint8_t *rgba, int n)
{
	uint8_t *row = s->direct + (size_t)y * s->dw * 4, *q;
	int i, x;

	if (xstep == 1 && x0 >= 0 && x0 + n <= s->sw) {
		memcpy(row + (size_t)x0 * 4, rgba, (size_t)n * 4);
		for (i = 0, q = row + (size_t)x0 * 4; i < n; i++, q += 4)
			if (q[3] == 0)
				memset(q, 0, 4);
		return;
	}
	for (i = 0, x = x0; i < n; i++, x += xstep, rgba += 4) {
		if (x < 0 || x >= s->sw)
			continue;
		q = row + (size_t)x * 4;
		if (rgba[3] == 0)
			memset(q, 0, 4);
		else
			memcpy(q, rgba, 4);
	}
}

/* Add n RGBA pixels of source row y, at columns x0, x0 + xstep, ... */
static void
scaler_put(struct scaler *s, int y, int x0, int xstep, const uint8_t *rgba, int n)
{
	size_t row;
	int i, x;

	if (y < 0 || y >= s->sh)
		return;
	s->added += (uint64_t)n;
	if (s->direct != NULL) {
		scaler_copy(s, y, x0, xstep, rgba, n);
		return;
	}
	row = (size_t)((int64_t)y * s->dh / s->sh) * s->dw;
	for (i = 0, x = x0; i < n; i++, x += xstep, rgba += 4) {
		if (x < 0 || x >= s->sw)
			continue;
		size_t o = row + s->xmap[x];
		uint64_t *p = s->sum + o * 4;
		unsigned a = rgba[3];
		p[0] += rgba[0] * a;
		p[1] += rgba[1] * a;
		p[2] += rgba[2] * a;
		p[3] += a;
		s->count[o]++;
	}
}

/* Fill out with the scaled picture; the scaler is spent (free it still). */
static void
scaler_finish(struct scaler *s, struct image *out)
{
	size_t i, n = (size_t)s->dw * s->dh;
	uint8_t *q;

	out->width = s->dw;
	out->height = s->dh;
	if (s->direct != NULL) {
		out->rgba = s->direct;
		s->direct = NULL;
		return;
	}
	out->rgba = q = xmalloc(n * 4);
	for (i = 0; i < n; i++, q += 4) {
		const uint64_t *p = s->sum + i * 4;
		if (s->count[i] == 0 || p[3] == 0) {
			memset(q, 0, 4);
			continue;
		}
		q[0] = (uint8_t)((p[0] + p[3] / 2) / p[3]);
		q[1] = (uint8_t)((p[1] + p[3] / 2) / p[3]);
		q[2] = (uint8_t)((p[2] + p[3] / 2) / p[3]);
		q[3] = (uint8_t)((p[3] + s->count[i] / 2) / s->count[i]);
	}
}

void
image_fit(int width, int height, int max_w, int max_h, int *w, int *h)
{
	int64_t fw, fh;

	if (width < 1)
		width = 1;
	if (height < 1)
		height = 1;
	if (max_w < 1)
		max_w = 1;
	if (max_h < 1)
		max_h = 1;
	fw = width < max_w ? width : max_w;
	fh = ((int64_t)height * fw + width / 2) / width;
	if (fh > max_h || fh > height) {
		fh = height < max_h ? height : max_h;
		fw = ((int64_t)width * fh + height / 2) / height;
	}
	*w = fw < 1 ? 1 : (int)fw;
	*h = fh < 1 ? 1 : (int)fh;
}

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
static int
stop(struct decode *d, char **cause)
{
	if (!d->cancelled && d->cancel != NULL && d->cancel(d->cancel_arg)) {
		d->cancelled = 1;
		set_cause(cause, "cancelled");
	}
	return d->cancelled;
}

/* Record the declared size; refuse what would cost too much. */
static int
declare_size(struct decode *d, const char *what, uint64_t w, uint64_t h, char **cause)
{
	d->info->width = w > INT32_MAX ? INT32_MAX : (int)w;
	d->info->height = h > INT32_MAX ? INT32_MAX : (int)h;
	if (w == 0 || h == 0) {
		set_cause(cause, "%s declares an empty picture (%llu×%llu)", what,
		    (unsigned long long)w, (unsigned long long)h);
		return -1;
	}
	if (w * h > IMAGE_MAX_PIXELS) {
		set_cause(cause, "too large: %llu×%llu is %.0f megapixels, over the "
		    "limit of %u", (unsigned long long)w, (unsigned long long)h,
		    (double)w * h / 1e6, IMAGE_MAX_PIXELS / 1000000);
		return -1;
	}
	if (w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE) {
		set_cause(cause, "too large: %llu×%llu, over %d pixels a side",
		    (unsigned long long)w, (unsigned long long)h, IMAGE_MAX_SIDE);
		return -1;
	}
	return 0;
}

/* Start the scaler for source rows of sw × sh pixels, aiming at the fit of
 * the declared picture (sw × sh may be a DCT-scaled version of it). */
static void
start_scaler(struct decode *d, int sw, int sh)
{
	int w, h;
	image_fit(d->info->width, d->info->height, d->max_w, d->max_h, &w, &h);
	if (w > sw)
		w = sw;
	if (h > sh)
		h = sh;
	scaler_init(&d->sc, sw, sh, w, h);
	d->have_scaler = 1;
}

/* A decoder stopped early: keep what was decoded as damage when there is
 * something to show, else fail with the message. */
static int
partial(struct decode *d, const char *msg, char **cause)
{
	if (d->have_scaler && d->sc.added > 0) {
		d->damage = xstrdup(msg);
		return 0;
	}
	set_cause(cause, "%s", msg);
	return -1;
}

static uint16_t
le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* ---- JPEG ---- */

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

static int
decode_jpeg(struct decode *d, char **cause)
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
			rc = partial(d, "too large to decode in memory", cause);
		else
			rc = partial(d, msg, cause);
		goto out;
	}
	jpeg_create_decompress(&cinfo);
	cinfo.mem->max_memory_to_use = JPEG_MAX_MEMORY;
	err.progress.progress_monitor = jpeg_progress;
	cinfo.progress = &err.progress;
	jpeg_stdio_src(&cinfo, d->fp);
	jpeg_read_header(&cinfo, TRUE);
	if (declare_size(d, "JPEG", cinfo.image_width, cinfo.image_height, cause) != 0)
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
	start_scaler(d, (int)cinfo.output_width, (int)cinfo.output_height);
	row = xmalloc((size_t)cinfo.output_width * 4);
	while (cinfo.output_scanline < cinfo.output_height) {
		JSAMPROW rows[1] = { row };
		int y = (int)cinfo.output_scanline;
		if (jpeg_read_scanlines(&cinfo, rows, 1) != 1)
			break;
		if (cmyk)
			cmyk_to_rgba(row, (int)cinfo.output_width, cinfo.saw_Adobe_marker);
		scaler_put(&d->sc, y, 0, 1, row, (int)cinfo.output_width);
		if (stop(d, cause))
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

/* ---- PNG ---- */

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

static int
decode_png(struct decode *d, char **cause)
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
		rc = partial(d, msg, cause);
		goto out;
	}
	png_set_read_fn(png, &ctx, png_read_stream);
	png_set_benign_errors(png, 1);
	png_read_info(png, info);
	png_get_IHDR(png, info, &w, &h, &depth, &type, &ilace, NULL, NULL);
	if (declare_size(d, "PNG", w, h, cause) != 0)
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
	start_scaler(d, (int)w, (int)h);
	row = xmalloc((size_t)w * 4);
	interlaced = ilace != PNG_INTERLACE_NONE;
	if (!interlaced) {
		png_uint_32 y;
		for (y = 0; y < h; y++) {
			png_read_row(png, row, NULL);
			scaler_put(&d->sc, (int)y, 0, 1, row, (int)w);
			rows_read++;
			if (stop(d, cause))
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
				scaler_put(&d->sc, (int)PNG_ROW_FROM_PASS_ROW(r, p),
				    PNG_PASS_START_COL(p), PNG_PASS_COL_OFFSET(p), row,
				    (int)cols);
				if (stop(d, cause))
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

/* ---- GIF ---- */

static int
gif_read_stream(GifFileType *gif, GifByteType *buf, int n)
{
	struct decode *d = gif->UserData;
	return (int)fread(buf, 1, (size_t)n, d->fp);
}

static const char *
gif_message(int code)
{
	const char *s = GifErrorString(code);
	return s != NULL ? s : "unknown error";
}

static int
decode_gif(struct decode *d, char **cause)
{
	GifFileType *gif;
	GifRecordType rt;
	int err = 0, transparent = -1, rc = -1;
	uint8_t *line = NULL, *row = NULL;

	if ((gif = DGifOpen(d, gif_read_stream, &err)) == NULL) {
		set_cause(cause, "GIF: %s", gif_message(err));
		return -1;
	}
	for (;;) {
		if (DGifGetRecordType(gif, &rt) == GIF_ERROR) {
			set_cause(cause, gif->Error == D_GIF_ERR_READ_FAILED ?
			    "truncated: the GIF ends before its first frame" :
			    "GIF: %s", gif_message(gif->Error));
			goto out;
		}
		if (rt == TERMINATE_RECORD_TYPE) {
			set_cause(cause, "GIF: no frame in the file");
			goto out;
		}
		if (rt == EXTENSION_RECORD_TYPE) {
			GifByteType *ext;
			int code;
			if (DGifGetExtension(gif, &code, &ext) == GIF_ERROR)
				goto gif_error;
			if (code == GRAPHICS_EXT_FUNC_CODE && ext != NULL && ext[0] >= 4)
				transparent = (ext[1] & 1) ? ext[4] : -1;
			while (ext != NULL)
				if (DGifGetExtensionNext(gif, &ext) == GIF_ERROR)
					goto gif_error;
			continue;
		}
		if (rt == IMAGE_DESC_RECORD_TYPE)
			break;
	}
	if (DGifGetImageDesc(gif) == GIF_ERROR)
		goto gif_error;
	{
		const GifImageDesc *im = &gif->Image;
		const ColorMapObject *cmap = im->ColorMap ? im->ColorMap : gif->SColorMap;
		int sw = gif->SWidth, sh = gif->SHeight, fw = im->Width, fh = im->Height;
		static const int start[4] = { 0, 4, 2, 1 }, step[4] = { 8, 8, 4, 2 };
		int i, n, y, x, passes = im->Interlace ? 4 : 1;

		/* Some writers leave the screen smaller than the frame. */
		if (sw < im->Left + fw)
			sw = im->Left + fw;
		if (sh < im->Top + fh)
			sh = im->Top + fh;
		if (declare_size(d, "GIF", (uint64_t)fw, (uint64_t)fh, cause) != 0 ||
		    declare_size(d, "GIF", (uint64_t)sw, (uint64_t)sh, cause) != 0)
			goto out;
		if (cmap == NULL || cmap->Colors == NULL) {
			set_cause(cause, "GIF: the frame has no colour table");
			goto out;
		}
		start_scaler(d, sw, sh);
		line = xmalloc((size_t)fw);
		row = xmalloc((size_t)fw * 4);
		for (n = 0, i = 0; i < passes; i++) {
			int first = im->Interlace ? start[i] : 0, inc = im->Interlace ? step[i] : 1;
			for (y = first; y < fh; y += inc, n++) {
				if (DGifGetLine(gif, line, fw) == GIF_ERROR) {
					char *m = gif->Error == D_GIF_ERR_READ_FAILED ||
					    gif->Error == D_GIF_ERR_DATA_TOO_BIG ?
					    xasprintf("truncated: the GIF data ends early "
					    "(%d of %d rows)", n, fh) :
					    xasprintf("GIF: %s", gif_message(gif->Error));
					rc = partial(d, m, cause);
					free(m);
					goto out;
				}
				for (x = 0; x < fw; x++) {
					uint8_t *q = row + x * 4;
					int c = line[x];
					if (c == transparent || c >= cmap->ColorCount) {
						memset(q, 0, 4);
						continue;
					}
					q[0] = cmap->Colors[c].Red;
					q[1] = cmap->Colors[c].Green;
					q[2] = cmap->Colors[c].Blue;
					q[3] = 255;
				}
				scaler_put(&d->sc, im->Top + y, im->Left, 1, row, fw);
				if (stop(d, cause))
					goto out;
			}
		}
	}
	rc = 0;
	goto out;
gif_error:
	set_cause(cause, gif->Error == D_GIF_ERR_READ_FAILED ?
	    "truncated: the GIF ends before its first frame" : "GIF: %s",
	    gif_message(gif->Error));
out:
	DGifCloseFile(gif, &err);
	free(line);
	free(row);
	return rc;
}

/* ---- WebP ---- */

static uint8_t *
read_all(FILE *fp, size_t limit, size_t *len, int *too_big)
{
	struct buf b = { 0 };
	char chunk[65536];
	size_t n;

	*too_big = 0;
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
		if (b.len + n > limit) {
			*too_big = 1;
			buf_free(&b);
			return NULL;
		}
		buf_add(&b, chunk, n);
	}
	*len = b.len;
	if (b.data == NULL)
		b.data = xmalloc(1);
	return (uint8_t *)b.data;
}

static const char *
webp_message(VP8StatusCode status)
{
	switch (status) {
	case VP8_STATUS_OUT_OF_MEMORY: return "out of memory";
	case VP8_STATUS_INVALID_PARAM: return "invalid parameter";
	case VP8_STATUS_BITSTREAM_ERROR: return "corrupt bitstream";
	case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported feature";
	case VP8_STATUS_SUSPENDED: return "suspended";
	case VP8_STATUS_USER_ABORT: return "aborted";
	case VP8_STATUS_NOT_ENOUGH_DATA: return "not enough data";
	default: return "error";
	}
}

static int
decode_webp(struct decode *d, char **cause)
{
	WebPDecoderConfig config;
	WebPIDecoder *idec = NULL;
	WebPDemuxer *demux = NULL;
	WebPIterator iter;
	VP8StatusCode status;
	const uint8_t *bits;
	uint8_t *data, *pixels = NULL;
	size_t len, bits_len, fed;
	int too_big, fw, fh, last_y = 0, rc = -1, y, have_iter = 0;

	if ((data = read_all(d->fp, WEBP_MAX_FILE, &len, &too_big)) == NULL) {
		set_cause(cause, "too large: WebP files over %u MB are not decoded",
		    WEBP_MAX_FILE >> 20);
		return -1;
	}
	if (!WebPInitDecoderConfig(&config)) {
		set_cause(cause, "WebP: library version mismatch");
		goto out;
	}
	status = WebPGetFeatures(data, len, &config.input);
	if (status != VP8_STATUS_OK) {
		set_cause(cause, status == VP8_STATUS_NOT_ENOUGH_DATA ?
		    "truncated: the WebP header is incomplete" : "WebP: %s",
		    webp_message(status));
		goto out;
	}
	if (declare_size(d, "WebP", (uint64_t)config.input.width,
	    (uint64_t)config.input.height, cause) != 0)
		goto out;
	bits = data;
	bits_len = len;
	if (config.input.has_animation) {
		/* The first frame; its bitstream decodes like a still picture. */
		WebPData whole = { data, len };
		demux = WebPDemux(&whole);
		if (demux == NULL || !WebPDemuxGetFrame(demux, 1, &iter)) {
			set_cause(cause, "WebP: cannot read the first frame of the animation");
			goto out;
		}
		have_iter = 1;
		bits = iter.fragment.bytes;
		bits_len = iter.fragment.size;
		if (WebPGetFeatures(bits, bits_len, &config.input) != VP8_STATUS_OK) {
			set_cause(cause, "WebP: damaged first frame");
			goto out;
		}
	}
	if (config.input.format == 2 && (uint64_t)config.input.width *
	    (uint64_t)config.input.height > WEBP_LOSSLESS_MAX_PIXELS) {
		set_cause(cause, "too large: lossless WebP over %u megapixels is not "
		    "decoded", WEBP_LOSSLESS_MAX_PIXELS / 1000000);
		goto out;
	}
	image_fit(config.input.width, config.input.height, d->max_w, d->max_h, &fw, &fh);
	if (fw < config.input.width) {
		config.options.use_scaling = 1;
		config.options.scaled_width = fw;
		config.options.scaled_height = fh;
	} else {
		fw = config.input.width;
		fh = config.input.height;
	}
	pixels = xcalloc((size_t)fw * fh, 4);
	config.output.colorspace = MODE_RGBA;
	config.output.is_external_memory = 1;
	config.output.u.RGBA.rgba = pixels;
	config.output.u.RGBA.stride = fw * 4;
	config.output.u.RGBA.size = (size_t)fw * fh * 4;
	/* Incremental, so that a truncated file still shows its first rows. */
	if ((idec = WebPIDecode(NULL, 0, &config)) == NULL) {
		set_cause(cause, "WebP: cannot start the decoder");
		goto out;
	}
	/* In pieces, so that a cancelled decoding stops early. */
	for (fed = 0;;) {
		fed = fed + 65536 < bits_len ? fed + 65536 : bits_len;
		status = WebPIUpdate(idec, bits, fed);
		if (status != VP8_STATUS_SUSPENDED || fed == bits_len)
			break;
		if (stop(d, cause))
			goto out;
	}
	if (status == VP8_STATUS_SUSPENDED || status == VP8_STATUS_NOT_ENOUGH_DATA)
		WebPIDecGetRGB(idec, &last_y, NULL, NULL, NULL);
	else if (status == VP8_STATUS_OK)
		last_y = fh;
	else {
		set_cause(cause, "WebP: %s", webp_message(status));
		goto out;
	}
	start_scaler(d, fw, fh);
	for (y = 0; y < last_y && y < fh; y++)
		scaler_put(&d->sc, y, 0, 1, pixels + (size_t)y * fw * 4, fw);
	if (last_y < fh) {
		char *m = xasprintf("truncated: the WebP data ends early (%d%% decoded)",
		    100 * last_y / fh);
		rc = partial(d, m, cause);
		free(m);
	} else
		rc = 0;
out:
	if (idec != NULL)
		WebPIDelete(idec);
	if (have_iter)
		WebPDemuxReleaseIterator(&iter);
	WebPDemuxDelete(demux);
	free(pixels);
	free(data);
	return rc;
}

/* ---- BMP ---- */

struct bitfield {
	int shift, bits;
};

static struct bitfield
bitfield_of(uint32_t mask)
{
	struct bitfield f = { 0, 0 };
	if (mask == 0)
		return f;
	while (!(mask & 1)) {
		mask >>= 1;
		f.shift++;
	}
	while (mask & 1) {
		mask >>= 1;
		f.bits++;
	}
	/* Only the top eight bits matter for display. */
	if (f.bits > 8) {
		f.shift += f.bits - 8;
		f.bits = 8;
	}
	return f;
}

static uint8_t
bitfield_get(struct bitfield f, uint32_t v, uint8_t none)
{
	uint32_t max;
	if (f.bits == 0)
		return none;
	max = (1u << f.bits) - 1;
	return (uint8_t)(((v >> f.shift) & max) * 255 / max);
}

static int
decode_bmp(struct decode *d, char **cause)
{
	uint8_t h[14 + 124 + 16], pal[256 * 4];
	uint8_t *raw = NULL, *row = NULL;
	uint32_t off, hsize, comp = 0, ncolors = 0, masks[4] = { 0, 0, 0, 0 };
	int64_t w, ht;
	int bpp, topdown = 0, core, palsize = 0, i, rc = -1;
	size_t rowbytes, extra = 0, n;
	long palpos;
	struct bitfield f[4];
	int64_t y;

	memset(h, 0, sizeof h);
	memset(pal, 0, sizeof pal);
	if (fread(h, 1, 18, d->fp) != 18) {
		set_cause(cause, "truncated: the BMP header is incomplete");
		return -1;
	}
	off = le32(h + 10);
	hsize = le32(h + 14);
	if (hsize != 12 && (hsize < 40 || hsize > 124)) {
		set_cause(cause, "BMP: unsupported header (%u bytes)", hsize);
		return -1;
	}
	if (fread(h + 18, 1, hsize - 4, d->fp) != hsize - 4) {
		set_cause(cause, "truncated: the BMP header is incomplete");
		return -1;
	}
	core = hsize == 12;
	if (core) {
		w = le16(h + 18);
		ht = le16(h + 20);
		bpp = le16(h + 24);
	} else {
		w = (int32_t)le32(h + 18);
		ht = (int32_t)le32(h + 22);
		bpp = le16(h + 28);
		comp = le32(h + 30);
		ncolors = le32(h + 46);
		if (hsize >= 52)
			for (i = 0; i < (hsize >= 56 ? 4 : 3); i++)
				masks[i] = le32(h + 54 + 4 * i);
		else if (comp == 3 || comp == 6) {
			extra = comp == 6 ? 16 : 12;
			if (fread(h + 54, 1, extra, d->fp) != extra) {
				set_cause(cause, "truncated: the BMP header is incomplete");
				return -1;
			}
			for (i = 0; i < (int)extra / 4; i++)
				masks[i] = le32(h + 54 + 4 * i);
		}
	}
	if (ht < 0) {
		topdown = 1;
		ht = -ht;
	}
	if (declare_size(d, "BMP", w > 0 ? (uint64_t)w : 0, (uint64_t)ht, cause) != 0)
		return -1;
	if (comp == 1 || comp == 2) {
		set_cause(cause, "BMP: run-length compressed (RLE%d) BMP is not supported",
		    comp == 1 ? 8 : 4);
		return -1;
	}
	if (comp == 4 || comp == 5) {
		set_cause(cause, "BMP: embedded %s is not supported", comp == 4 ? "JPEG" : "PNG");
		return -1;
	}
	if (comp != 0 && comp != 3 && comp != 6) {
		set_cause(cause, "BMP: unknown compression %u", comp);
		return -1;
	}
	switch (bpp) {
	case 1: case 4: case 8:
		palsize = ncolors == 0 || ncolors > (1u << bpp) ? 1 << bpp : (int)ncolors;
		palpos = 14 + (long)hsize + (long)extra;
		n = (size_t)palsize * (core ? 3 : 4);
		if (fseek(d->fp, palpos, SEEK_SET) != 0 || fread(pal, 1, n, d->fp) != n) {
			set_cause(cause, "truncated: the BMP colour table is incomplete");
			return -1;
		}
		if (core)       /* 3-byte entries: spread them to 4 */
			for (i = palsize - 1; i >= 0; i--) {
				memmove(pal + i * 4, pal + i * 3, 3);
				pal[i * 4 + 3] = 0;
			}
		break;
	case 16:
		if (comp == 0) {
			masks[0] = 0x7c00;
			masks[1] = 0x03e0;
			masks[2] = 0x001f;
			masks[3] = 0;
		}
		break;
	case 24:
		if (comp != 0) {
			set_cause(cause, "BMP: bit fields on a 24-bit picture");
			return -1;
		}
		break;
	case 32:
		if (comp == 0) {
			masks[0] = 0xff0000;
			masks[1] = 0xff00;
			masks[2] = 0xff;
			masks[3] = 0;
		}
		break;
	default:
		set_cause(cause, "BMP: unsupported depth of %d bits", bpp);
		return -1;
	}
	for (i = 0; i < 4; i++)
		f[i] = bitfield_of(masks[i]);
	if (fseek(d->fp, (long)off, SEEK_SET) != 0) {
		set_cause(cause, "BMP: bad pixel data offset");
		return -1;
	}
	rowbytes = ((size_t)w * (size_t)bpp + 31) / 32 * 4;
	raw = xmalloc(rowbytes);
	row = xmalloc((size_t)w * 4);
	start_scaler(d, (int)w, (int)ht);
	for (y = 0; y < ht; y++) {
		int64_t x;
		if (fread(raw, 1, rowbytes, d->fp) != rowbytes) {
			char *m = xasprintf("truncated: the BMP data ends early "
			    "(%lld of %lld rows)", (long long)y, (long long)ht);
			rc = partial(d, m, cause);
			free(m);
			goto out;
		}
		for (x = 0; x < w; x++) {
			uint8_t *q = row + x * 4;
			const uint8_t *c;
			uint32_t v;
			switch (bpp) {
			case 1: case 4: case 8: {
				int per = 8 / bpp, idx;
				idx = raw[x / per] >> (8 - bpp * (int)(x % per + 1)) & ((1 << bpp) - 1);
				if (idx >= palsize)
					idx = 0;
				c = pal + idx * 4;
				q[0] = c[2];
				q[1] = c[1];
				q[2] = c[0];
				q[3] = 255;
				continue;
			}
			case 24:
				c = raw + x * 3;
				q[0] = c[2];
				q[1] = c[1];
				q[2] = c[0];
				q[3] = 255;
				continue;
			case 16:
				v = le16(raw + x * 2);
				break;
			default:
				v = le32(raw + x * 4);
				break;
			}
			q[0] = bitfield_get(f[0], v, 0);
			q[1] = bitfield_get(f[1], v, 0);
			q[2] = bitfield_get(f[2], v, 0);
			q[3] = bitfield_get(f[3], v, 255);
		}
		scaler_put(&d->sc, (int)(topdown ? y : ht - 1 - y), 0, 1, row, (int)w);
		if (stop(d, cause))
			goto out;
	}
	rc = 0;
out:
	free(raw);
	free(row);
	return rc;
}

/* ---- PNM (P1–P6) ---- */

/* Skip white space and # comments. Returns the next byte or EOF. */
static int
pnm_skip(FILE *fp)
{
	int c;
	for (;;) {
		c = getc(fp);
		if (c == '#') {
			while ((c = getc(fp)) != EOF && c != '\n' && c != '\r')
				;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
			continue;
		return c;
	}
}

/* A decimal number from the header or an ASCII raster; consumes the one
 * white-space byte after it. Returns -1 at end of data or on a bad byte. */
static long
pnm_number(FILE *fp)
{
	long v = 0;
	int c = pnm_skip(fp), digits = 0;
	while (c >= '0' && c <= '9') {
		if (v > 100000000L)
			return -1;
		v = v * 10 + (c - '0');
		digits++;
		c = getc(fp);
	}
	if (digits == 0)
		return -1;
	if (c == '#')
		ungetc(c, fp);
	return v;
}

static int
decode_pnm(struct decode *d, char **cause)
{
	int kind, maxval = 1, rc = -1, bytes;
	long w, ht, y, x, v;
	uint8_t *raw = NULL, *row = NULL;
	size_t rowbytes;

	if (getc(d->fp) != 'P' || (kind = getc(d->fp) - '0') < 1 || kind > 6) {
		set_cause(cause, "PNM: bad signature");
		return -1;
	}
	w = pnm_number(d->fp);
	ht = pnm_number(d->fp);
	if (kind != 1 && kind != 4)
		maxval = (int)pnm_number(d->fp);
	if (w < 0 || ht < 0 || maxval < 0) {
		set_cause(cause, "truncated or damaged: the PNM header is incomplete");
		return -1;
	}
	if (declare_size(d, "PNM", (uint64_t)w, (uint64_t)ht, cause) != 0)
		return -1;
	if (maxval < 1 || maxval > 65535) {
		set_cause(cause, "PNM: bad maximum value %d", maxval);
		return -1;
	}
	bytes = maxval > 255 ? 2 : 1;
	switch (kind) {
	case 4: rowbytes = (size_t)(w + 7) / 8; break;
	case 5: rowbytes = (size_t)w * bytes; break;
	case 6: rowbytes = (size_t)w * 3 * bytes; break;
	default: rowbytes = 0; break;
	}
	raw = xmalloc(rowbytes ? rowbytes : 1);
	row = xmalloc((size_t)w * 4);
	start_scaler(d, (int)w, (int)ht);
	for (y = 0; y < ht; y++) {
		if (rowbytes && fread(raw, 1, rowbytes, d->fp) != rowbytes)
			goto short_data;
		for (x = 0; x < w; x++) {
			uint8_t *q = row + x * 4;
			int ch, s[3];
			q[3] = 255;
			switch (kind) {
			case 1:
				ch = pnm_skip(d->fp);
				if (ch != '0' && ch != '1')
					goto short_data;
				q[0] = q[1] = q[2] = ch == '1' ? 0 : 255;
				continue;
			case 4:
				q[0] = q[1] = q[2] = (raw[x / 8] >> (7 - x % 8) & 1) ? 0 : 255;
				continue;
			case 2: case 3:
				for (ch = 0; ch < (kind == 3 ? 3 : 1); ch++) {
					if ((v = pnm_number(d->fp)) < 0)
						goto short_data;
					s[ch] = v > maxval ? maxval : (int)v;
				}
				break;
			default:
				for (ch = 0; ch < (kind == 6 ? 3 : 1); ch++) {
					const uint8_t *p = raw + ((size_t)x * (kind == 6 ? 3 : 1) + ch) * bytes;
					v = bytes == 2 ? p[0] << 8 | p[1] : p[0];
					s[ch] = v > maxval ? maxval : (int)v;
				}
				break;
			}
			if (kind == 2 || kind == 5)
				s[1] = s[2] = s[0];
			for (ch = 0; ch < 3; ch++)
				q[ch] = (uint8_t)((s[ch] * 255 + maxval / 2) / maxval);
		}
		scaler_put(&d->sc, (int)y, 0, 1, row, (int)w);
		if (stop(d, cause))
			goto out;
	}
	rc = 0;
	goto out;
short_data:
	{
		char *m = xasprintf("truncated: the PNM data ends early (%ld of %ld rows)",
		    y, ht);
		rc = partial(d, m, cause);
		free(m);
	}
out:
	free(raw);
	free(row);
	return rc;
}

/* ---- entry points ---- */

static int
decode_stream(FILE *fp, const char *name, uint64_t size, int max_w, int max_h,
    image_cancel_fn cancel, void *cancel_arg, struct image *out,
    struct image_info *info, char **cause)
{
	struct decode d;
	unsigned char head[SNIFF_BYTES];
	size_t n;
	int rc;

	memset(out, 0, sizeof *out);
	memset(&d, 0, sizeof d);
	d.fp = fp;
	d.max_w = max_w;
	d.max_h = max_h;
	d.info = info;
	d.cancel = cancel;
	d.cancel_arg = cancel_arg;
	info->file_size = size;
	info->ext_format = name ? format_from_name(name) : FMT_NONE;
	n = fread(head, 1, sizeof head, fp);
	if (ferror(fp)) {
		set_cause(cause, "cannot read: %s", strerror(errno));
		return -1;
	}
	info->format = format_from_magic(head, n);
	info->mismatch = info->ext_format != FMT_NONE &&
	    format_kind(info->format) != KIND_OTHER && info->format != info->ext_format;
	switch (format_kind(info->format)) {
	case KIND_IMAGE:
		break;
	case KIND_OTHER:
		if (info->format == FMT_EMPTY)
			set_cause(cause, "empty file (0 bytes)");
		else
			set_cause(cause, "not an image: unrecognised content "
			    "(no known signature)");
		return -1;
	case KIND_AUDIO:
		set_cause(cause, "not an image: the content is audio (%s)",
		    format_name(info->format));
		return -1;
	default:
		set_cause(cause, "not an image: the content is text");
		return -1;
	}
	if (fseek(fp, 0, SEEK_SET) != 0) {
		set_cause(cause, "cannot read: %s", strerror(errno));
		return -1;
	}
	switch (info->format) {
	case FMT_JPEG: rc = decode_jpeg(&d, cause); break;
	case FMT_PNG: rc = decode_png(&d, cause); break;
	case FMT_GIF: rc = decode_gif(&d, cause); break;
	case FMT_WEBP: rc = decode_webp(&d, cause); break;
	case FMT_BMP: rc = decode_bmp(&d, cause); break;
	default: rc = decode_pnm(&d, cause); break;
	}
	if (rc == 0)
		scaler_finish(&d.sc, out);
	if (d.have_scaler)
		scaler_free(&d.sc);
	if (rc == 0)
		info->damage = d.damage;
	else
		free(d.damage);
	return rc;
}

int
image_load_at(int dirfd, const char *path, int max_w, int max_h,
    struct image *out, struct image_info *info, char **cause)
{
	return image_load_at_until(dirfd, path, max_w, max_h, NULL, NULL, out,
	    info, cause);
}

int
image_load_at_until(int dirfd, const char *path, int max_w, int max_h,
    image_cancel_fn cancel, void *cancel_arg, struct image *out,
    struct image_info *info, char **cause)
{
	struct stat st;
	FILE *fp;
	int fd, rc;

	memset(info, 0, sizeof *info);
	memset(out, 0, sizeof *out);
	info->ext_format = format_from_name(path);
	/* O_NONBLOCK: a FIFO named like an image must not hang a worker. */
	if (dirfd == AT_FDCWD)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	else
		fd = open_beneath(dirfd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		set_cause(cause, "cannot open: %s", errno == EXDEV ?
		    "the path leads outside the dataset" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		set_cause(cause, "not a regular file");
		close(fd);
		return -1;
	}
	if ((fp = fdopen(fd, "rb")) == NULL) {
		set_cause(cause, "cannot read: %s", strerror(errno));
		close(fd);
		return -1;
	}
	rc = decode_stream(fp, path, (uint64_t)st.st_size, max_w, max_h, cancel,
	    cancel_arg, out, info, cause);
	fclose(fp);
	return rc;
}

int
image_load_mem(const void *data, size_t len, const char *name, int max_w,
    int max_h, struct image *out, struct image_info *info, char **cause)
{
	FILE *fp;
	int rc;

	memset(info, 0, sizeof *info);
	memset(out, 0, sizeof *out);
	if (len == 0) {
		info->format = FMT_EMPTY;
		info->ext_format = name ? format_from_name(name) : FMT_NONE;
		set_cause(cause, "empty file (0 bytes)");
		return -1;
	}
	if ((fp = fmemopen((void *)data, len, "rb")) == NULL) {
		set_cause(cause, "cannot read: %s", strerror(errno));
		return -1;
	}
	rc = decode_stream(fp, name, len, max_w, max_h, NULL, NULL, out, info, cause);
	fclose(fp);
	return rc;
}

void
image_clear(struct image *img)
{
	free(img->rgba);
	memset(img, 0, sizeof *img);
}

void
image_info_clear(struct image_info *info)
{
	free(info->damage);
	info->damage = NULL;
}

/* The rest of a probe once the loader has run (rc its result). */
static int
probe_finish(int rc, struct image *img, struct image_info *info,
    struct image_probe *out, char **cause)
{
	double sum[4] = { 0, 0, 0, 0 }, sq[4] = { 0, 0, 0, 0 }, n, var, worst = 0;
	size_t i, count;
	int c;

	out->format = info->format;
	out->width = info->width;
	out->height = info->height;
	if (rc != 0) {
		image_info_clear(info);
		return -1;
	}
	if (info->damage != NULL) {
		set_cause(cause, "%s", info->damage);
		image_info_clear(info);
		image_clear(img);
		return -1;
	}
	count = (size_t)img->width * img->height;
	for (i = 0; i < count; i++)
		for (c = 0; c < 4; c++) {
			double v = img->rgba[i * 4 + c];
			sum[c] += v;
			sq[c] += v * v;
		}
	n = (double)count;
	for (c = 0; c < 4; c++) {
		var = sq[c] / n - (sum[c] / n) * (sum[c] / n);
		if (var > worst)
			worst = var;
	}
	out->flatness = sqrt(worst);
	fp_image(img->rgba, img->width, img->height, &out->fingerprint);
	image_info_clear(info);
	image_clear(img);
	return 0;
}

int
image_probe_at(int dirfd, const char *path, struct image_probe *out, char **cause)
{
	struct image img;
	struct image_info info;
	int rc;

	memset(out, 0, sizeof *out);
	rc = image_load_at(dirfd, path, 64, 64, &img, &info, cause);
	return probe_finish(rc, &img, &info, out, cause);
}

int
image_probe_mem(const void *data, size_t len, const char *name,
    struct image_probe *out, char **cause)
{
	struct image img;
	struct image_info info;
	int rc;

	memset(out, 0, sizeof *out);
	rc = image_load_mem(data, len, name, 64, 64, &img, &info, cause);
	return probe_finish(rc, &img, &info, out, cause);
}
