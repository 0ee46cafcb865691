/* image-scale.c — the bounded box-filter scaler, and image_fit, the size it
 * aims at. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image-scale.h"
#include "util.h"

void
image_scaler_init(struct scaler *s, int sw, int sh, int dw, int dh)
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

void
image_scaler_free(struct scaler *s)
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
image_scaler_copy(struct scaler *s, int y, int x0, int xstep, const uint8_t *rgba, int n)
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
void
image_scaler_put(struct scaler *s, int y, int x0, int xstep, const uint8_t *rgba, int n)
{
	size_t row;
	int i, x;

	if (y < 0 || y >= s->sh)
		return;
	s->added += (uint64_t)n;
	if (s->direct != NULL) {
		image_scaler_copy(s, y, x0, xstep, rgba, n);
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
void
image_scaler_finish(struct scaler *s, struct image *out)
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
