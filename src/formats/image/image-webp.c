/* image-webp.c — WebP through libwebp, scaled by the library; the first frame
 * of an animation. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <webp/decode.h>
#include <webp/demux.h>

#include "image-decode.h"
#include "util.h"

/* WebP is decoded from memory; a WebP file larger than this is refused. */
#define WEBP_MAX_FILE (128u << 20)
/* Lossless WebP keeps the whole picture in memory while decoding. */
#define WEBP_LOSSLESS_MAX_PIXELS (25u * 1000 * 1000)

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

int
image_decode_webp(struct decode *d, char **cause)
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
	if (image_declare_size(d, "WebP", (uint64_t)config.input.width,
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
		if (image_stop(d, cause))
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
	image_start_scaler(d, fw, fh);
	for (y = 0; y < last_y && y < fh; y++)
		image_scaler_put(&d->sc, y, 0, 1, pixels + (size_t)y * fw * 4, fw);
	if (last_y < fh) {
		char *m = xasprintf("truncated: the WebP data ends early (%d%% decoded)",
		    100 * last_y / fh);
		rc = image_partial(d, m, cause);
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
