/* image.c — images by their content: the magic bytes pick a decoder
 * (formats/image/), which streams rows into a bounded box-filter scaler. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "sample.h"
#include "image-decode.h"
#include "util.h"

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
	case FMT_JPEG: rc = image_decode_jpeg(&d, cause); break;
	case FMT_PNG: rc = image_decode_png(&d, cause); break;
	case FMT_GIF: rc = image_decode_gif(&d, cause); break;
	case FMT_WEBP: rc = image_decode_webp(&d, cause); break;
	case FMT_BMP: rc = image_decode_bmp(&d, cause); break;
	default: rc = image_decode_pnm(&d, cause); break;
	}
	if (rc == 0)
		image_scaler_finish(&d.sc, out);
	if (d.have_scaler)
		image_scaler_free(&d.sc);
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
	if ((fd = sample_open(dirfd, path, &st, cause)) < 0)
		return -1;
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
    struct image_probe *out, struct image *thumb, char **cause)
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
	if (thumb != NULL)
		*thumb = *img;
	else
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
	rc = image_load_at(dirfd, path, IMAGE_PROBE_SIDE, IMAGE_PROBE_SIDE, &img, &info, cause);
	return probe_finish(rc, &img, &info, out, NULL, cause);
}

int
image_probe_mem(const void *data, size_t len, const char *name,
    struct image_probe *out, char **cause)
{
	return image_probe_thumb_mem(data, len, name, out, NULL, cause);
}

int
image_probe_thumb_mem(const void *data, size_t len, const char *name,
    struct image_probe *out, struct image *thumb, char **cause)
{
	struct image img;
	struct image_info info;
	int rc;

	memset(out, 0, sizeof *out);
	rc = image_load_mem(data, len, name, IMAGE_PROBE_SIDE, IMAGE_PROBE_SIDE,
	    &img, &info, cause);
	return probe_finish(rc, &img, &info, out, thumb, cause);
}

