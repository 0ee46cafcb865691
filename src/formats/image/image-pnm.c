/* image-pnm.c — PNM (P1–P6): an own bounded reader. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "image-decode.h"
#include "util.h"

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

int
image_decode_pnm(struct decode *d, char **cause)
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
	if (image_declare_size(d, "PNM", (uint64_t)w, (uint64_t)ht, cause) != 0)
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
	image_start_scaler(d, (int)w, (int)ht);
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
		image_scaler_put(&d->sc, (int)y, 0, 1, row, (int)w);
		if (image_stop(d, cause))
			goto out;
	}
	rc = 0;
	goto out;
short_data:
	{
		char *m = xasprintf("truncated: the PNM data ends early (%ld of %ld rows)",
		    y, ht);
		rc = image_partial(d, m, cause);
		free(m);
	}
out:
	free(raw);
	free(row);
	return rc;
}
