/* image-gif.c — GIF through giflib: the first frame. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gif_lib.h>

#include "image-decode.h"
#include "util.h"

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

int
image_decode_gif(struct decode *d, char **cause)
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
		if (image_declare_size(d, "GIF", (uint64_t)fw, (uint64_t)fh, cause) != 0 ||
		    image_declare_size(d, "GIF", (uint64_t)sw, (uint64_t)sh, cause) != 0)
			goto out;
		if (cmap == NULL || cmap->Colors == NULL) {
			set_cause(cause, "GIF: the frame has no colour table");
			goto out;
		}
		image_start_scaler(d, sw, sh);
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
					rc = image_partial(d, m, cause);
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
				image_scaler_put(&d->sc, im->Top + y, im->Left, 1, row, fw);
				if (image_stop(d, cause))
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
