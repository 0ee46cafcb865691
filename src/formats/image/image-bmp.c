/* image-bmp.c — BMP: an own bounded reader (1, 4, 8, 16, 24 and 32 bits,
 * bit fields; no RLE). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image-decode.h"
#include "util.h"

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

int
image_decode_bmp(struct decode *d, char **cause)
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
	if (image_declare_size(d, "BMP", w > 0 ? (uint64_t)w : 0, (uint64_t)ht, cause) != 0)
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
	image_start_scaler(d, (int)w, (int)ht);
	for (y = 0; y < ht; y++) {
		int64_t x;
		if (fread(raw, 1, rowbytes, d->fp) != rowbytes) {
			char *m = xasprintf("truncated: the BMP data ends early "
			    "(%lld of %lld rows)", (long long)y, (long long)ht);
			rc = image_partial(d, m, cause);
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
		image_scaler_put(&d->sc, (int)(topdown ? y : ht - 1 - y), 0, 1, row, (int)w);
		if (image_stop(d, cause))
			goto out;
	}
	rc = 0;
out:
	free(raw);
	free(row);
	return rc;
}
