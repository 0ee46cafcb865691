/* test-image.c — decoding images made at test time by real encoders
 * (ImageMagick), broken and hostile files, and the thumbnail's cell grid. */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image.h"
#include "image-view.h"
#include "sniff.h"
#include "text.h"
#include "util.h"
#include "tap.h"
#include "testfs.h"

#define CONVERT "/usr/bin/convert"
#define PYTHON "/usr/bin/python3"

static int dirfd_;

/* The first n bytes of a file into another. */
static void
truncate_copy(const char *from, const char *to, double fraction)
{
	size_t len;
	char *data = read_bytes(from, &len);
	if (data == NULL)
		die("cannot read %s", from);
	put_bytes(to, data, (size_t)(len * fraction));
	free(data);
}

/* Mean colour of the columns [x0, x1) of an image. */
static void
mean_rgb(const struct image *img, int x0, int x1, double rgb[3])
{
	double n = 0;
	int x, y, c;

	rgb[0] = rgb[1] = rgb[2] = 0;
	for (y = 0; y < img->height; y++)
		for (x = x0; x < x1; x++) {
			const uint8_t *p = img->rgba + ((size_t)y * img->width + x) * 4;
			for (c = 0; c < 3; c++)
				rgb[c] += p[c];
			n++;
		}
	for (c = 0; c < 3; c++)
		rgb[c] /= n;
}

static int
near_rgb(const double got[3], int r, int g, int b, double tol)
{
	return got[0] > r - tol && got[0] < r + tol && got[1] > g - tol &&
	    got[1] < g + tol && got[2] > b - tol && got[2] < b + tol;
}

/* Decode name at max size; check its format, size and solid colour. */
static void
check_solid(const char *name, enum format format, int r, int g, int b, double tol)
{
	struct image img;
	struct image_info info;
	char *cause = NULL;
	double rgb[3];

	if (!ok(image_load_at(dirfd_, name, 32, 32, &img, &info, &cause) == 0,
	    "%s decodes", name)) {
		fprintf(stderr, "#   %s\n", cause);
		free(cause);
		image_info_clear(&info);
		return;
	}
	ok(info.format == format, "%s: format %s", name, format_name(info.format));
	ok(info.width == 64 && info.height == 64, "%s: declared 64×64 (got %d×%d)",
	    name, info.width, info.height);
	ok(img.width == 32 && img.height == 32, "%s: scaled to 32×32 (got %d×%d)",
	    name, img.width, img.height);
	ok(info.damage == NULL && !info.mismatch, "%s: clean, name matches", name);
	mean_rgb(&img, 0, img.width, rgb);
	if (!ok(near_rgb(rgb, r, g, b, tol), "%s: colour %d,%d,%d", name, r, g, b))
		fprintf(stderr, "#   got %.0f,%.0f,%.0f\n", rgb[0], rgb[1], rgb[2]);
	image_clear(&img);
	image_info_clear(&info);
}

/* A red-left, blue-right picture: the left quarter red, the right blue. */
static void
check_split(const char *name, int max, double tol)
{
	struct image img;
	struct image_info info;
	char *cause = NULL;
	double left[3], right[3];

	if (!ok(image_load_at(dirfd_, name, max, max, &img, &info, &cause) == 0,
	    "%s decodes", name)) {
		fprintf(stderr, "#   %s\n", cause);
		free(cause);
		image_info_clear(&info);
		return;
	}
	mean_rgb(&img, 0, img.width / 4, left);
	mean_rgb(&img, img.width - img.width / 4, img.width, right);
	if (!ok(near_rgb(left, 255, 0, 0, tol) && near_rgb(right, 0, 0, 255, tol),
	    "%s: left red, right blue", name))
		fprintf(stderr, "#   left %.0f,%.0f,%.0f right %.0f,%.0f,%.0f\n",
		    left[0], left[1], left[2], right[0], right[1], right[2]);
	image_clear(&img);
	image_info_clear(&info);
}

/* A broken file: decoding fails with a message containing `want`, or keeps
 * a partial picture with damage containing it. Never crashes. */
static void
check_broken(const char *name, const char *want)
{
	struct image img;
	struct image_info info;
	char *cause = NULL;
	int rc = image_load_at(dirfd_, name, 40, 40, &img, &info, &cause);
	const char *msg = rc == 0 ? info.damage : cause;

	if (!ok(msg != NULL && strstr(msg, want) != NULL, "%s: says \"%s\"", name, want))
		fprintf(stderr, "#   rc %d, message \"%s\"\n", rc, msg ? msg : "(none)");
	if (rc == 0)
		ok(img.width > 0 && img.height > 0 && img.rgba != NULL,
		    "%s: the partial picture is kept", name);
	free(cause);
	image_clear(&img);
	image_info_clear(&info);
}

/* A PNG that declares width × height of 8-bit grey, whose IDAT is `rows`
 * compressed rows of zeros (made by Python's zlib). */
static void
make_bomb(const char *name, unsigned width, unsigned height, unsigned rows)
{
	run(PYTHON " -c '\n"
	    "import struct, zlib, sys\n"
	    "w, h, rows = %u, %u, %u\n"
	    "def chunk(t, d): return struct.pack(\">I\", len(d)) + t + d + "
	    "struct.pack(\">I\", zlib.crc32(t + d))\n"
	    "z = zlib.compressobj(9)\n"
	    "line = bytes(w + 1)\n"
	    "parts = [z.compress(line) for _ in range(rows)]\n"
	    "parts.append(z.flush())\n"
	    "data = b\"\\x89PNG\\r\\n\\x1a\\n\" + chunk(b\"IHDR\", struct.pack(\">IIBBBBB\", w, h, 8, 0, 0, 0, 0))"
	    " + chunk(b\"IDAT\", b\"\".join(parts)) + chunk(b\"IEND\", b\"\")\n"
	    "open(\"%s\", \"wb\").write(data)\n'", width, height, rows, name);
}

/* A BMP's 54-byte header (BITMAPINFOHEADER) and no pixels. */
static void
write_bmp_header(const char *name, int32_t w, int32_t h, int bpp, int compression)
{
	unsigned char b[54];
	memset(b, 0, sizeof b);
	memcpy(b, "BM", 2);
	b[10] = 54;
	b[14] = 40;
	memcpy(b + 18, &w, 4);
	memcpy(b + 22, &h, 4);
	b[26] = 1;
	b[28] = (unsigned char)bpp;
	b[30] = (unsigned char)compression;
	put_bytes(name, b, sizeof b);
}

/* Decode name (NULL: nothing) in a child process; returns its peak
 * resident memory in kB, and in *status 0 when it decoded, 1 when not. */
static long
child_peak_kb(const char *name, int *status)
{
	struct rusage ru;
	pid_t pid;
	int ws;

	fflush(stdout);
	if ((pid = fork()) == 0) {
		struct image img;
		struct image_info info;
		char *cause = NULL;
		_exit(name == NULL ? 0 :
		    image_load_at(dirfd_, name, 40, 40, &img, &info, &cause) == 0 ? 0 : 1);
	}
	if (pid < 0 || wait4(pid, &ws, 0, &ru) != pid || !WIFEXITED(ws))
		die("cannot run a child");
	*status = WEXITSTATUS(ws);
	return ru.ru_maxrss;
}

static void
test_formats(void)
{
	static const struct {
		const char *colour;
		int r, g, b;
	} colours[] = { { "red", 255, 0, 0 }, { "lime", 0, 255, 0 }, { "blue", 0, 0, 255 } };
	static const struct {
		const char *ext, *prefix;
		enum format format;
		double tol;
	} formats[] = {
		{ "png", "", FMT_PNG, 1 }, { "jpg", "", FMT_JPEG, 12 },
		{ "webp", "", FMT_WEBP, 12 }, { "gif", "", FMT_GIF, 1 },
		{ "bmp", "", FMT_BMP, 1 }, { "ppm", "", FMT_PNM, 1 },
	};
	size_t c, f;

	for (c = 0; c < ARRAY_SIZE(colours); c++)
		for (f = 0; f < ARRAY_SIZE(formats); f++) {
			char *name = xasprintf("%s.%s", colours[c].colour, formats[f].ext);
			if (run(CONVERT " -size 64x64 xc:%s %s%s", colours[c].colour,
			    formats[f].prefix, name) == 0)
				check_solid(name, formats[f].format, colours[c].r,
				    colours[c].g, colours[c].b, formats[f].tol);
			free(name);
		}

	/* Variants of each format's encoding. */
	run(CONVERT " -size 64x64 xc:red -colorspace CMYK cmyk.jpg");
	check_solid("cmyk.jpg", FMT_JPEG, 255, 0, 0, 16);
	run(CONVERT " -size 64x64 xc:red -interlace JPEG progressive.jpg");
	check_solid("progressive.jpg", FMT_JPEG, 255, 0, 0, 12);
	run(CONVERT " -size 64x64 xc:gray50 -colorspace Gray grey.jpg");
	check_solid("grey.jpg", FMT_JPEG, 127, 127, 127, 8);
	run(CONVERT " -size 64x64 xc:red -depth 16 deep.png");
	check_solid("deep.png", FMT_PNG, 255, 0, 0, 1);
	run(CONVERT " -size 64x64 xc:gray50 -colorspace Gray grey.png");
	check_solid("grey.png", FMT_PNG, 127, 127, 127, 2);
	run(CONVERT " -size 64x64 xc:blue -type Palette palette.png");
	check_solid("palette.png", FMT_PNG, 0, 0, 255, 1);
	run(CONVERT " -size 64x64 xc:blue -type Palette BMP3:palette.bmp");
	check_solid("palette.bmp", FMT_BMP, 0, 0, 255, 1);
	run(CONVERT " -size 64x64 xc:lime -type TrueColorAlpha BMP:alpha.bmp");
	check_solid("alpha.bmp", FMT_BMP, 0, 255, 0, 1);
	run(CONVERT " -size 64x64 xc:lime -type Bilevel -negate BMP3:mono.bmp");
	check_solid("mono.bmp", FMT_BMP, 0, 0, 0, 1);
	run(CONVERT " -size 64x64 xc:red -compress none ascii.ppm");
	check_solid("ascii.ppm", FMT_PNM, 255, 0, 0, 1);
	run(CONVERT " -size 64x64 xc:gray50 -compress none ascii.pgm");
	check_solid("ascii.pgm", FMT_PNM, 127, 127, 127, 2);
	run(CONVERT " -size 64x64 xc:gray50 -depth 16 deep.pgm");
	check_solid("deep.pgm", FMT_PNM, 127, 127, 127, 2);
	run(CONVERT " -size 64x64 xc:white bits.pbm");
	check_solid("bits.pbm", FMT_PNM, 255, 255, 255, 1);
	run(CONVERT " -size 64x64 xc:black -compress none ascii.pbm");
	check_solid("ascii.pbm", FMT_PNM, 0, 0, 0, 1);
	run(CONVERT " -size 64x64 xc:red -define webp:lossless=true lossless.webp");
	check_solid("lossless.webp", FMT_WEBP, 255, 0, 0, 1);
	/* Animations: the first frame. */
	run(CONVERT " -size 64x64 -delay 10 xc:red xc:blue anim.gif");
	check_solid("anim.gif", FMT_GIF, 255, 0, 0, 1);
	run(CONVERT " -size 64x64 -delay 10 xc:red xc:blue anim.webp");
	check_solid("anim.webp", FMT_WEBP, 255, 0, 0, 12);
}

static void
test_split(void)
{
	static const char *const names[] = {
		"split.png", "split.jpg", "split.webp", "split.gif", "split.bmp",
		"split.ppm", "split-interlaced.png", "split-interlaced.gif",
		"split-progressive.jpg", "split-topdown.bmp",
	};
	size_t i;

	run(CONVERT " -size 32x64 xc:red xc:blue +append split.png");
	for (i = 1; i < 6; i++)
		run(CONVERT " split.png %s", names[i]);
	run(CONVERT " split.png -interlace PNG split-interlaced.png");
	run(CONVERT " split.png -interlace GIF split-interlaced.gif");
	run(CONVERT " split.png -interlace JPEG split-progressive.jpg");
	/* A top-down BMP: negate the height field of a bottom-up one. */
	{
		size_t len;
		char *bmp = read_bytes("split.bmp", &len);
		int32_t h;
		memcpy(&h, bmp + 22, 4);
		h = -h;
		memcpy(bmp + 22, &h, 4);
		put_bytes("split-topdown.bmp", bmp, len);
		free(bmp);
	}
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		check_split(names[i], 64, 16);
		check_split(names[i], 16, 16);
	}
	/* A split across rows: top red, bottom blue, upside-down formats. */
	{
		struct image img;
		struct image_info info;
		char *cause = NULL;
		run(CONVERT " -size 64x32 xc:red xc:blue -append rows.bmp");
		if (ok(image_load_at(dirfd_, "rows.bmp", 64, 64, &img, &info, &cause) == 0,
		    "rows.bmp decodes")) {
			ok(img.rgba[0] == 255 && img.rgba[2] == 0, "rows.bmp: top row red");
			ok(img.rgba[((size_t)63 * 64) * 4 + 2] == 255,
			    "rows.bmp: bottom row blue");
		}
		free(cause);
		image_clear(&img);
		image_info_clear(&info);
	}
}

/* A picture that already has the size asked for is copied pixel for
 * pixel, not summed: the same bytes, transparent pixels cleared, and an
 * interlaced PNG's passes each in their places. */
static void
test_own_size(void)
{
	static const uint8_t want[] = {
		255, 0, 0, 255,  0, 255, 0, 255,  0, 0, 255, 255,  10, 20, 30, 128,
		0, 0, 0, 0,  200, 100, 50, 255,  255, 255, 255, 255,  1, 2, 3, 255,
	};
	static const char *const names[] = { "pixels.png", "pixels-interlaced.png" };
	struct image img;
	struct image_info info;
	char *cause = NULL;
	size_t i;

	/* 8×1 RGBA: opaque, half transparent and transparent pixels. */
	put_bytes("pixels.rgba", want, sizeof want);
	run(CONVERT " -size 8x1 -depth 8 rgba:pixels.rgba pixels.png");
	run(CONVERT " -size 8x1 -depth 8 rgba:pixels.rgba -interlace PNG "
	    "pixels-interlaced.png");
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!ok(image_load_at(dirfd_, names[i], 8, 8, &img, &info, &cause) == 0,
		    "%s decodes", names[i])) {
			free(cause);
			cause = NULL;
			continue;
		}
		ok(img.width == 8 && img.height == 1 &&
		    memcmp(img.rgba, want, sizeof want) == 0,
		    "%s at its own size: the same pixels", names[i]);
		image_clear(&img);
		image_info_clear(&info);
	}
	/* The transparent one, written with colour bytes, comes out clear. */
	{
		uint8_t coloured[sizeof want];
		memcpy(coloured, want, sizeof want);
		coloured[16] = 90;
		coloured[17] = 90;
		put_bytes("pixels2.rgba", coloured, sizeof coloured);
		run(CONVERT " -size 8x1 -depth 8 rgba:pixels2.rgba pixels2.png");
		if (ok(image_load_at(dirfd_, "pixels2.png", 8, 8, &img, &info,
		    &cause) == 0, "pixels2.png decodes"))
			ok(memcmp(img.rgba + 16, "\0\0\0\0", 4) == 0 &&
			    memcmp(img.rgba, want, 16) == 0,
			    "transparent pixel cleared, the others kept");
		free(cause);
		image_clear(&img);
		image_info_clear(&info);
	}
}

static void
test_scaling(void)
{
	struct image img;
	struct image_info info;
	char *cause = NULL;
	int w, h;

	image_fit(640, 480, 100, 100, &w, &h);
	ok(w == 100 && h == 75, "fit 640×480 in 100×100: 100×75 (%d×%d)", w, h);
	image_fit(480, 640, 100, 100, &w, &h);
	ok(w == 75 && h == 100, "fit 480×640 in 100×100: 75×100 (%d×%d)", w, h);
	image_fit(10, 10, 100, 100, &w, &h);
	ok(w == 10 && h == 10, "fit never enlarges (%d×%d)", w, h);
	image_fit(10000, 1, 50, 50, &w, &h);
	ok(w == 50 && h == 1, "fit keeps at least one row (%d×%d)", w, h);

	run(CONVERT " -size 640x480 gradient:red-blue photo.jpg");
	if (ok(image_load_at(dirfd_, "photo.jpg", 160, 160, &img, &info, &cause) == 0,
	    "640×480 JPEG decodes")) {
		ok(img.width == 160 && img.height == 120, "to 160×120 (%d×%d)",
		    img.width, img.height);
		ok(info.width == 640 && info.height == 480, "declares 640×480");
		ok(info.file_size > 0, "file size known");
		/* Top red, bottom blue. */
		ok(img.rgba[0] > 200 && img.rgba[2] < 60, "top is red");
		ok(img.rgba[((size_t)119 * 160) * 4 + 2] > 200, "bottom is blue");
	}
	free(cause);
	cause = NULL;
	image_clear(&img);
	image_info_clear(&info);

	/* Transparency is kept. */
	run(CONVERT " -size 64x64 xc:none clear.png");
	if (ok(image_load_at(dirfd_, "clear.png", 16, 16, &img, &info, &cause) == 0,
	    "transparent PNG decodes"))
		ok(img.rgba[3] == 0, "alpha 0 kept");
	free(cause);
	image_clear(&img);
	image_info_clear(&info);
	test_own_size();
}

static void
test_broken(void)
{
	static const unsigned char garbage[] = "\x13\x37\xde\xad\xbe\xef\x00\x01\x02"
	    "\xfe\xfd\xfc\x80\x81\x82\x83\x84\x85\x86\x87";
	struct image img;
	struct image_info info;
	char *cause = NULL;
	long idle, peak;
	int status;

	/* Noise compresses badly, so a truncated file lacks many rows. */
	run(CONVERT " -size 200x200 xc: +noise Random -quality 90 noise.jpg");
	run(CONVERT " noise.jpg noise.png && " CONVERT " noise.jpg noise.gif && "
	    CONVERT " noise.jpg noise.webp && " CONVERT " noise.jpg noise.bmp && "
	    CONVERT " noise.jpg noise.ppm");
	truncate_copy("noise.png", "cut.png", 0.5);
	truncate_copy("noise.jpg", "cut.jpg", 0.5);
	truncate_copy("noise.gif", "cut.gif", 0.5);
	truncate_copy("noise.webp", "cut.webp", 0.5);
	truncate_copy("noise.bmp", "cut.bmp", 0.5);
	truncate_copy("noise.ppm", "cut.ppm", 0.5);
	truncate_copy("noise.png", "head.png", 0.01);
	truncate_copy("noise.jpg", "head.jpg", 0.005);
	check_broken("cut.png", "truncated");
	check_broken("cut.jpg", "truncated");
	check_broken("cut.gif", "truncated");
	check_broken("cut.webp", "truncated");
	check_broken("cut.bmp", "truncated");
	check_broken("cut.ppm", "truncated");
	check_broken("head.png", "truncated");
	check_broken("head.jpg", "JPEG");

	put_bytes("empty.png", "", 0);
	check_broken("empty.png", "empty file");
	put_bytes("garbage.jpg", garbage, sizeof garbage - 1);
	check_broken("garbage.jpg", "not an image");
	put_bytes("text.png", "hello\nworld\n", 12);
	check_broken("text.png", "the content is text");
	/* The signature alone, then nothing. */
	put_bytes("sig.png", "\x89PNG\r\n\x1a\n", 8);
	check_broken("sig.png", "truncated");
	put_bytes("sig.gif", "GIF89a", 6);
	check_broken("sig.gif", "GIF");
	put_bytes("sig.bmp", "BM\0\0", 4);
	check_broken("sig.bmp", "truncated");
	put_bytes("sig.ppm", "P6\n", 3);
	check_broken("sig.ppm", "PNM");
	put_bytes("sig.webp", "RIFF\x10\0\0\0WEBPVP8 ", 16);
	check_broken("sig.webp", "WebP");
	/* Hostile headers. */
	put_bytes("huge.ppm", "P6\n99999 99999\n255\n\xff", 20);
	check_broken("huge.ppm", "too large");
	put_bytes("wide.ppm", "P5\n70000 1\n255\n\xff", 16);
	check_broken("wide.ppm", "too large");
	put_bytes("zero.ppm", "P6\n0 10\n255\n", 12);
	check_broken("zero.ppm", "empty picture");
	write_bmp_header("rle.bmp", 4, 4, 8, 1);
	check_broken("rle.bmp", "RLE8");
	write_bmp_header("depth.bmp", 4, 4, 7, 0);
	check_broken("depth.bmp", "depth");
	write_bmp_header("minheight.bmp", 4, INT32_MIN, 24, 0);
	check_broken("minheight.bmp", "too large");

	/* A PNG named .jpg decodes, and says so. */
	run("cp red.png really-png.jpg");
	if (ok(image_load_at(dirfd_, "really-png.jpg", 16, 16, &img, &info, &cause) == 0,
	    "PNG named .jpg decodes")) {
		ok(info.mismatch, "mismatch flagged");
		ok(info.format == FMT_PNG && info.ext_format == FMT_JPEG,
		    "content png, name jpeg");
	}
	free(cause);
	cause = NULL;
	image_clear(&img);
	image_info_clear(&info);

	/* Decompression bombs: refused by their declared size, memory untouched.
	 * Peak memory is measured in a child, against a child that does nothing. */
	make_bomb("bomb.png", 30000, 30000, 4);
	idle = child_peak_kb(NULL, &status);
	ok(image_load_at(dirfd_, "bomb.png", 40, 40, &img, &info, &cause) == -1,
	    "30000×30000 PNG refused");
	ok(cause != NULL && strstr(cause, "too large") != NULL &&
	    strstr(cause, "30000×30000") != NULL, "says it is too large: %s",
	    cause ? cause : "(none)");
	ok(info.width == 30000 && info.height == 30000, "its declared size is known");
	peak = child_peak_kb("bomb.png", &status);
	ok(status == 1 && peak - idle < 8 * 1024, "memory did not grow (%ld kB)",
	    peak - idle);
	free(cause);
	cause = NULL;
	image_info_clear(&info);

	/* Under the limit, a big picture streams through bounded memory: 81 MB
	 * of pixels as grey, 324 MB as RGBA, decoded in a few MB. */
	make_bomb("big.png", 9000, 9000, 9000);
	if (ok(image_load_at(dirfd_, "big.png", 40, 40, &img, &info, &cause) == 0,
	    "9000×9000 PNG decodes")) {
		ok(img.width == 40 && img.height == 40, "to 40×40");
		ok(img.rgba[0] == 0 && img.rgba[3] == 255, "black");
	}
	peak = child_peak_kb("big.png", &status);
	ok(status == 0 && peak - idle < 16 * 1024, "in bounded memory (%ld kB more)",
	    peak - idle);
	free(cause);
	cause = NULL;
	image_clear(&img);
	image_info_clear(&info);
	/* Its IDAT cut short: damage, not a crash. */
	make_bomb("short.png", 9000, 9000, 100);
	check_broken("short.png", "truncated: the PNG data ends early (100 of 9000 rows)");

	/* Not a regular file, a missing file, a path out of the folder. */
	run("mkfifo fifo.png");
	check_broken("fifo.png", "not a regular file");
	check_broken("missing.png", "cannot open");
	check_broken("../x.png", "cannot open");
}

static void
test_mem(void)
{
	struct image img;
	struct image_info info;
	char *cause = NULL, *data;
	size_t len;

	data = read_bytes("blue.webp", &len);
	if (ok(image_load_mem(data, len, "blue.webp", 8, 8, &img, &info, &cause) == 0,
	    "from memory"))
		ok(img.width == 8 && img.rgba[2] > 240, "blue, 8 wide");
	image_clear(&img);
	image_info_clear(&info);
	free(data);
	ok(image_load_mem("", 0, "x.png", 8, 8, &img, &info, &cause) == -1 &&
	    strstr(cause, "empty") != NULL, "empty memory");
	free(cause);
}

static void
test_probe(void)
{
	struct image_probe pr;
	char *cause = NULL;

	run(CONVERT " -size 300x200 xc:gray40 flat.png");
	run(CONVERT " -size 300x200 xc:gray40 -attenuate 0.05 +noise Gaussian nearly.png");
	run(CONVERT " -size 20x10 pattern:checkerboard busy.png");
	ok(image_probe_at(dirfd_, "flat.png", &pr, &cause) == 0, "probe flat.png");
	ok(pr.width == 300 && pr.height == 200 && pr.format == FMT_PNG, "its size");
	is_near(pr.flatness, 0, 0.01, "flat: no spread");
	ok(image_probe_at(dirfd_, "nearly.png", &pr, &cause) == 0, "probe nearly.png");
	ok(pr.flatness < 2, "slight noise: still flat (%.2f)", pr.flatness);
	ok(image_probe_at(dirfd_, "split.png", &pr, &cause) == 0, "probe split.png");
	ok(pr.flatness > 20, "red/blue split: not flat (%.2f)", pr.flatness);
	ok(image_probe_at(dirfd_, "busy.png", &pr, &cause) == 0, "probe busy.png");
	ok(pr.flatness > 20 && pr.width == 20, "checkerboard: not flat (%.2f)",
	    pr.flatness);
	ok(image_probe_at(dirfd_, "clear.png", &pr, &cause) == 0 && pr.flatness < 1,
	    "transparent: flat");
	ok(image_probe_at(dirfd_, "cut.png", &pr, &cause) == -1 && cause != NULL &&
	    strstr(cause, "truncated") != NULL, "truncated: unreadable");
	free(cause);
	cause = NULL;
	ok(image_probe_at(dirfd_, "empty.png", &pr, &cause) == -1, "empty: unreadable");
	free(cause);
}

/* The preview decodes into cell_decode_box: enough for the 8 × 8 pixels
 * chafa samples in each cell of the grid it then draws, and for a JPEG
 * (DCT scaling) not twice as many across. */
static void
test_decode_box(void)
{
	static const struct { int w, h; } shapes[] = {
		{ 640, 480 }, { 480, 640 }, { 1000, 104 }, { 104, 1000 }, { 64, 48 },
	};
	struct image img;
	struct image_info info;
	struct cell_grid grid;
	char *cause = NULL, name[64];
	size_t i;
	int bw, bh;

	cell_decode_box(40, 20, 10, 20, &bw, &bh);
	ok(bw == 320 && bh == 320, "40×20 cells of 10×20: decode into 320×320 (%d×%d)",
	    bw, bh);
	for (i = 0; i < ARRAY_SIZE(shapes); i++) {
		snprintf(name, sizeof name, "box-%dx%d.jpg", shapes[i].w, shapes[i].h);
		run(CONVERT " -size %dx%d gradient:red-blue %s", shapes[i].w,
		    shapes[i].h, name);
		if (!ok(image_load_at(dirfd_, name, bw, bh, &img, &info, &cause) == 0,
		    "%s decodes", name)) {
			free(cause);
			cause = NULL;
			continue;
		}
		cell_grid_render(&img, 40, 20, 10, 20, COLOR_DEPTH_256, 0, &grid);
		ok((img.width >= grid.cols * 8 || img.width == shapes[i].w) &&
		    (img.height >= grid.rows * 8 || img.height == shapes[i].h) &&
		    img.width < grid.cols * 16,
		    "%s: %d×%d pixels for %d×%d cells", name, img.width, img.height,
		    grid.cols, grid.rows);
		cell_grid_clear(&grid);
		image_clear(&img);
		image_info_clear(&info);
	}
}

/* A picture with transparent parts: a terminal can leave a cell's
 * background as it is, but cannot draw a symbol in a transparent colour,
 * so no cell may draw one in the foreground; the opaque part is red. */
static void
test_cells_clear(void)
{
	static const enum color_depth depths[] = { COLOR_DEPTH_TRUE, COLOR_DEPTH_256 };
	static const char *const names[] = { "clear-top.png", "clear-left.png",
		"clear-corner.png" };
	struct image img;
	struct image_info info;
	struct cell_grid grid;
	char *cause = NULL;
	size_t i, k;
	int x, y, bad, red;

	run(CONVERT " -size 64x37 xc:none xc:red -size 64x27 -append clear-top.png");
	run(CONVERT " -size 37x64 xc:none -size 27x64 xc:red +append clear-left.png");
	run(CONVERT " -size 64x64 xc:red -alpha set -region 37x37+0+0 -channel A "
	    "-evaluate set 0 +channel +region clear-corner.png");
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!ok(image_load_at(dirfd_, names[i], 160, 160, &img, &info,
		    &cause) == 0, "%s decodes", names[i])) {
			free(cause);
			cause = NULL;
			continue;
		}
		for (k = 0; k < ARRAY_SIZE(depths); k++) {
			cell_grid_render(&img, 9, 5, 10, 20, depths[k], 0, &grid);
			for (bad = red = 0, y = 0; y < grid.rows; y++)
				for (x = 0; x < grid.cols; x++) {
					const struct cell *c = cell_grid_at(&grid, x, y);
					if (c->fg < 0 && c->ch != ' ')
						bad++;
					if (c->bg == 0xff0000 || (c->fg == 0xff0000 &&
					    c->ch != ' '))
						red++;
				}
			ok(bad == 0 && red > 0, "%s, depth %d: no symbol in a "
			    "transparent colour (%d), red shown (%d cells)", names[i],
			    depths[k], bad, red);
			cell_grid_clear(&grid);
		}
		image_clear(&img);
		image_info_clear(&info);
	}
}

/* The chafa cell grid of a split picture: left cells red, right blue. */
static void
test_cells(void)
{
	static const enum color_depth depths[] = {
		COLOR_DEPTH_TRUE, COLOR_DEPTH_256, COLOR_DEPTH_16, COLOR_DEPTH_8,
	};
	struct image img;
	struct image_info info;
	struct cell_grid grid;
	char *cause = NULL;
	size_t i;
	int x, y, bad;

	if (!ok(image_load_at(dirfd_, "split.png", 160, 160, &img, &info, &cause) == 0,
	    "split.png for the cells"))
		return;
	for (i = 0; i < ARRAY_SIZE(depths); i++) {
		cell_grid_render(&img, 20, 10, 10, 20, depths[i], 0, &grid);
		/* 64×64 pixels in cells of 10×20: 10 rows of 20 columns. */
		ok(grid.cols == 20 && grid.rows == 10, "depth %d: 20×10 cells (%d×%d)",
		    depths[i], grid.cols, grid.rows);
		for (bad = 0, y = 0; y < grid.rows; y++)
			for (x = 0; x < grid.cols; x++) {
				uint32_t rgb = cell_grid_rgb(&grid, x, y);
				int r = rgb >> 16 & 0xff, g = rgb >> 8 & 0xff, b = rgb & 0xff;
				/* Eight colours are dim: red is 0x800000 there. */
				if (x < grid.cols / 2 - 1 && !(r > 100 && r > 2 * (g + b)))
					bad++;
				if (x > grid.cols / 2 && !(b > 100 && b > 2 * (r + g)))
					bad++;
			}
		ok(bad == 0, "depth %d: left cells red, right cells blue (%d wrong)",
		    depths[i], bad);
		cell_grid_clear(&grid);
	}
	/* No colour: symbols only, and still a picture of the right size. */
	cell_grid_render(&img, 20, 10, 10, 20, COLOR_DEPTH_NONE, 0, &grid);
	ok(grid.cols == 20 && grid.rows == 10, "no colour: 20×10 cells");
	cell_grid_clear(&grid);
	/* A tall picture in a wide box keeps its shape. */
	image_clear(&img);
	image_info_clear(&info);
	test_cells_clear();
	test_decode_box();
	run(CONVERT " -size 50x200 xc:red tall.png");
	if (image_load_at(dirfd_, "tall.png", 200, 200, &img, &info, &cause) == 0) {
		cell_grid_render(&img, 40, 10, 10, 20, COLOR_DEPTH_256, 0, &grid);
		/* 50×200 px is 5×10 cells at 10×20 px a cell. */
		ok(grid.rows == 10 && grid.cols == 5, "tall: 5×10 cells (%d×%d)",
		    grid.cols, grid.rows);
		cell_grid_clear(&grid);
	}
	image_clear(&img);
	image_info_clear(&info);
	free(cause);
}

static void
test_text(void)
{
	static const char data[] = "one\ttab\r\nbell\a and nul \0 here\n"
	    "bad \xff\xfe utf-8, good caf\xc3\xa9\n\x1b[31mred\nlast";
	struct text_head t;
	char *cause = NULL;
	size_t i;

	text_head_mem(data, sizeof data - 1, sizeof data - 1, 10, &t);
	is_int(t.nlines, 5, "text: five lines");
	is_str(t.lines[0], "one     tab", "text: tab to the next stop, CR before LF dropped");
	is_str(t.lines[1], "bell\\x07 and nul \\x00 here", "text: control bytes and NUL escaped");
	is_str(t.lines[2], "bad \\xff\\xfe utf-8, good caf\xc3\xa9",
	    "text: invalid UTF-8 escaped, valid kept");
	is_str(t.lines[3], "\\x1b[31mred", "text: escape sequences cannot reach the terminal");
	is_str(t.lines[4], "last", "text: a last line without newline");
	ok(!t.more, "text: nothing more");
	text_head_clear(&t);

	text_head_mem(data, sizeof data - 1, 1000, 2, &t);
	ok(t.nlines == 2 && t.more, "text: at most 2 lines, and more to come");
	text_head_clear(&t);

	put_bytes("notes.txt", "a\nb\nc\n", 6);
	ok(text_head_at(dirfd_, "notes.txt", 10, 4, &t, &cause) == 0, "text from a file");
	ok(t.nlines == 2 && strcmp(t.lines[1], "b") == 0 && t.more && t.file_size == 6,
	    "text: only max_bytes read");
	for (i = 0; i < t.nlines; i++)
		ok(t.lines[i] != NULL, "line %zu", i);
	text_head_clear(&t);
	ok(text_head_at(dirfd_, "fifo.png", 10, 100, &t, &cause) == -1 && cause &&
	    strstr(cause, "regular") != NULL, "text: a FIFO is refused, not waited on");
	free(cause);
	alarm(20);      /* the sniffer must not wait on a FIFO either */
	ok(format_sniff_at(dirfd_, "fifo.png") == FMT_NONE, "sniff: a FIFO is not sniffed");
	alarm(0);
	ok(format_sniff_at(dirfd_, "notes.txt") == FMT_TEXT, "sniff: a file is");
}

static void
test_terminal(void)
{
	static const struct {
		enum pixel_protocol p;
		const char *start;
	} protos[] = {
		{ PIXELS_SIXEL, "\033P" }, { PIXELS_KITTY, "\033_G" },
		{ PIXELS_ITERM, "\033]1337;File=" },
	};
	struct term_caps caps;
	struct image img;
	struct image_info info;
	enum pixel_protocol p;
	char *cause = NULL, *seq, *seq2;
	size_t i, len, len2;
	int cols, rows;

	ok(pixel_protocol_parse("kitty", &p) == 0 && p == PIXELS_KITTY, "parse kitty");
	ok(pixel_protocol_parse("iTerm2", &p) == 0 && p == PIXELS_ITERM, "parse iTerm2");
	ok(pixel_protocol_parse("AUTO", &p) == 0 && p == PIXELS_AUTO, "parse AUTO");
	ok(pixel_protocol_parse("holographic", &p) == -1, "refuse holographic");

	cell_geometry(640, 480, 40, 20, 10, 20, &cols, &rows);
	ok(cols == 40 && rows == 15, "640×480 in 40×20 cells of 10×20: 40×15 (%d×%d)",
	    cols, rows);
	cell_geometry(16, 16, 40, 20, 10, 20, &cols, &rows);
	ok(cols == 40 && rows == 20, "a small square fills 40×20 (%d×%d)", cols, rows);

	/* Detection from the environment, through chafa's database. */
	unsetenv("TMUX");
	unsetenv("NO_COLOR");
	setenv("TERM", "xterm-kitty", 1);
	term_caps_detect(&caps, 256, PIXELS_AUTO, -1);
	ok(caps.pixels == PIXELS_KITTY && caps.depth == COLOR_DEPTH_256 && !caps.tmux,
	    "xterm-kitty: kitty pixels, 256 colours through curses");
	setenv("TERM", "xterm-256color", 1);
	term_caps_detect(&caps, 256, PIXELS_NONE, -1);
	ok(caps.pixels == PIXELS_NONE, "pixels: none is obeyed");
	term_caps_detect(&caps, 1 << 24, PIXELS_SIXEL, -1);
	ok(caps.pixels == PIXELS_SIXEL, "pixels: sixel is obeyed");
	setenv("COLORTERM", "truecolor", 1);
	term_caps_detect(&caps, 1 << 24, PIXELS_NONE, -1);
	ok(caps.depth == COLOR_DEPTH_TRUE, "direct colour in curses and COLORTERM: true colour");
	term_caps_detect(&caps, 256, PIXELS_NONE, -1);
	ok(caps.depth == COLOR_DEPTH_256, "COLORTERM alone: 256, what curses can draw");
	term_caps_detect(&caps, 8, PIXELS_NONE, -1);
	ok(caps.depth == COLOR_DEPTH_8, "8 colours");
	setenv("NO_COLOR", "1", 1);
	term_caps_detect(&caps, 256, PIXELS_NONE, -1);
	ok(caps.depth == COLOR_DEPTH_NONE, "NO_COLOR: none");
	unsetenv("NO_COLOR");
	setenv("TMUX", "/tmp/tmux-0/default,1,0", 1);
	term_caps_detect(&caps, 256, PIXELS_SIXEL, -1);
	ok(caps.tmux && caps.cell_w == 10 && caps.cell_h == 20,
	    "inside tmux; 10×20 cells when the tty does not say");

	/* The sequences; inside tmux the same, since the pane wraps each one
	 * together with the cursor movement that places it. */
	if (image_load_at(dirfd_, "split.png", 160, 160, &img, &info, &cause) != 0)
		return;
	for (i = 0; i < ARRAY_SIZE(protos); i++) {
		caps.pixels = protos[i].p;
		caps.tmux = 0;
		seq = pixels_render(&img, 8, 4, &caps, &len);
		ok(len > 100 && strncmp(seq, protos[i].start, strlen(protos[i].start)) == 0,
		    "%s: starts right", pixel_protocol_name(protos[i].p));
		ok(strlen(seq) == len, "%s: no NUL inside", pixel_protocol_name(protos[i].p));
		caps.tmux = 1;
		seq2 = pixels_render(&img, 8, 4, &caps, &len2);
		ok(len2 == len && memcmp(seq2, seq, len) == 0,
		    "%s: not wrapped inside tmux", pixel_protocol_name(protos[i].p));
		free(seq);
		free(seq2);
	}
	caps.pixels = PIXELS_KITTY;
	caps.tmux = 0;
	caps.remote = 0;
	seq = pixels_render(&img, 8, 4, &caps, &len);
	ok(strstr(seq, "s=80,v=80,c=8,r=4") != NULL, "kitty: 8×4 cells of 10×20 pixels");
	free(seq);
	caps.remote = 1;
	seq = pixels_render(&img, 8, 4, &caps, &len);
	ok(strstr(seq, "s=40,v=40,c=8,r=4") != NULL,
	    "kitty over SSH: a quarter of the pixels, scaled by the terminal");
	free(seq);
	is_str(pixels_clear_sequence(&caps), "\033_Ga=d\033\\", "kitty: delete all");
	caps.pixels = PIXELS_SIXEL;
	is_str(pixels_clear_sequence(&caps), "", "sixel: repainting the cells clears");
	image_clear(&img);
	image_info_clear(&info);
}

/* Gives up after `left` questions. */
static int
cancel_after(void *arg)
{
	int *left = arg;
	return --*left < 0;
}

static void
test_cancel(void)
{
	static const char *const names[] = {
		"noise.png", "noise.jpg", "noise.gif", "noise.bmp", "noise.ppm",
		"progressive-noise.jpg", "interlaced-noise.png", "big-noise.webp",
	};
	struct image img;
	struct image_info info;
	char *cause = NULL;
	size_t i;
	int left;

	run(CONVERT " noise.jpg -interlace JPEG progressive-noise.jpg && "
	    CONVERT " noise.jpg -interlace PNG interlaced-noise.png && "
	    CONVERT " -size 600x600 xc: +noise Random -define webp:lossless=true "
	    "big-noise.webp");
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		left = 2;
		ok(image_load_at_until(dirfd_, names[i], 40, 40, cancel_after, &left,
		    &img, &info, &cause) == -1 && cause != NULL &&
		    strcmp(cause, "cancelled") == 0 && img.rgba == NULL,
		    "%s: cancelled while decoding", names[i]);
		free(cause);
		cause = NULL;
		image_info_clear(&info);
		left = 1000000;
		ok(image_load_at_until(dirfd_, names[i], 40, 40, cancel_after, &left,
		    &img, &info, &cause) == 0, "%s: decodes when not cancelled", names[i]);
		image_clear(&img);
		image_info_clear(&info);
	}
}

/* Mutated files (bytes changed, bits flipped, cut short), decoded from
 * memory: each either decodes to a picture or fails with a message. Run
 * under ASan this finds what the hand-made broken files miss. */
static void
test_mutations(void)
{
	static const char *const seeds[] = {
		"split.png", "split-interlaced.png", "split.jpg", "split-progressive.jpg",
		"split.gif", "split.bmp", "palette.bmp", "alpha.bmp", "split.ppm",
		"ascii.ppm", "bits.pbm", "split.webp", "anim.webp", "lossless.webp",
	};
	unsigned seed = 12345;
	size_t i, len, n, pos;
	int k, m, muts, bad = 0, decoded = 0, failed = 0;

	for (i = 0; i < ARRAY_SIZE(seeds); i++) {
		char *orig = read_bytes(seeds[i], &len), *d;
		if (orig == NULL || len == 0) {
			ok(0, "%s: seed file", seeds[i]);
			free(orig);
			continue;
		}
		d = xmalloc(len);
		for (k = 0; k < 300; k++) {
			struct image img;
			struct image_info info;
			char *cause = NULL;
			memcpy(d, orig, len);
			n = len;
			muts = 1 + rand_r(&seed) % 6;
			for (m = 0; m < muts; m++) {
				pos = (size_t)rand_r(&seed) % n;
				switch (rand_r(&seed) % 4) {
				case 0: d[pos] = (char)rand_r(&seed); break;
				case 1: d[pos] ^= (char)(1 << rand_r(&seed) % 8); break;
				case 2: n = pos + 1; break;
				default: d[pos] = (char)(rand_r(&seed) % 2 ? 0xff : 0); break;
				}
			}
			if (image_load_mem(d, n, seeds[i], 48, 48, &img, &info, &cause) == 0) {
				decoded++;
				if (img.width < 1 || img.height < 1 || img.width > 48 ||
				    img.height > 48 || img.rgba == NULL)
					bad++;
			} else {
				failed++;
				if (cause == NULL || *cause == '\0')
					bad++;
			}
			free(cause);
			image_clear(&img);
			image_info_clear(&info);
		}
		free(d);
		free(orig);
	}
	ok(bad == 0, "mutations: every one decodes within bounds or says why "
	    "(%d decoded, %d refused, %d wrong)", decoded, failed, bad);
}

int
main(void)
{
	if (access(CONVERT, X_OK) != 0 || access(PYTHON, X_OK) != 0) {
		printf("# SKIP: needs ImageMagick and python3\n");
		return 77;
	}
	testfs_init("image");
	dirfd_ = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	test_formats();
	test_split();
	test_scaling();
	test_broken();
	test_mem();
	test_probe();
	test_cells();
	test_text();
	test_cancel();
	test_mutations();
	test_terminal();
	close(dirfd_);
	return testfs_done();
}
