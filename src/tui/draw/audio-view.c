/* audio-view.c — waveform and spectrogram of a clip in curses cells. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "audio-view.h"
#include "audio.h"
#include "spectrum.h"
#include "ui.h"
#include "util.h"

/* The spectrogram shows this many dB below the clip's loudest cell. */
#define SPECTRUM_RANGE_DB 80.0f
/* A clip whose peak is below this is drawn magnified. */
#define ZOOM_BELOW 0.25f
#define ZOOM_MAX 256

struct audio_view {
	struct audio_clip *clip;
	struct spectrogram *spec;

	/* What the last draw computed, kept while the size stays. */
	int env_cols;
	float *lo, *hi;
	unsigned grid_cols, grid_rows;
	float *grid;
};

struct audio_view *
audio_view_load(int dirfd, const char *path, char **cause)
{
	struct audio_view *v;
	struct audio_clip *clip = audio_decode_at(dirfd, path, cause);

	if (clip == NULL)
		return NULL;
	v = xcalloc(1, sizeof *v);
	v->clip = clip;
	v->spec = spectrogram_compute(clip->mono, clip->frames, clip->stats.rate);
	return v;
}

void
audio_view_free(struct audio_view *v)
{
	if (v == NULL)
		return;
	audio_clip_free(v->clip);
	spectrogram_free(v->spec);
	free(v->lo);
	free(v->hi);
	free(v->grid);
	free(v);
}

const struct audio_clip *
audio_view_clip(const struct audio_view *v)
{
	return v->clip;
}

/* Put one character with attributes and a colour pair (any pair number:
 * curses' COLOR_PAIR() holds only 255). */
static void
put(WINDOW *win, int y, int x, wchar_t ch, attr_t attr, int pair)
{
	wchar_t s[2] = { ch, 0 };
	cchar_t cc;

	setcchar(&cc, s, attr, 0, &pair);
	mvwadd_wch(win, y, x, &cc);
}

/* ---- colours ---- */

/* A colour in the terminal's terms: an index for 8/256 colours, 0xRRGGBB
 * for direct colour. */
static int
colour(const struct app *app, uint32_t rgb, int index256, int index8)
{
	if (app->colours > 256)
		return (int)rgb;
	return app->colours >= 256 ? index256 : index8;
}

struct wave_style {
	attr_t attr;
	int pair;
};

enum wave_part { WAVE_PLAIN, WAVE_LOUDEST, WAVE_CLIPPED, WAVE_CLIPPED_LOUDEST,
	WAVE_CURSOR, WAVE_PARTS };

static void
wave_styles(struct app *app, struct wave_style *st)
{
	int wave = colour(app, 0x87afd7, 110, COLOR_CYAN);
	int loud = colour(app, 0xffffaf, 229, COLOR_YELLOW);
	int band = colour(app, 0x303030, 236, -1);
	int red = colour(app, 0xff5f5f, 203, COLOR_RED);

	memset(st, 0, WAVE_PARTS * sizeof *st);
	if (app->colours == 0) {
		/* Without colour the loudest second stands out in bold,
		 * the rest is dim; clipping is underlined. */
		st[WAVE_PLAIN].attr = A_DIM;
		st[WAVE_LOUDEST].attr = A_BOLD;
		st[WAVE_CLIPPED].attr = A_UNDERLINE;
		st[WAVE_CLIPPED_LOUDEST].attr = A_BOLD | A_UNDERLINE;
		st[WAVE_CURSOR].attr = A_REVERSE;
		return;
	}
	st[WAVE_PLAIN].pair = ui_pair(app, wave, -1);
	st[WAVE_LOUDEST].pair = ui_pair(app, loud, band);
	st[WAVE_CLIPPED].pair = ui_pair(app, red, -1);
	st[WAVE_CLIPPED_LOUDEST].pair = ui_pair(app, red, band);
	st[WAVE_CURSOR].attr = A_REVERSE;
	if (app->colours < 256)
		st[WAVE_LOUDEST].attr = A_BOLD;
}

/* ---- waveform ---- */

/* Braille dots: bit of (column 0-1, row 0-3) in U+2800 + bits. */
static const uint8_t braille_bit[2][4] = {
	{ 0x01, 0x02, 0x04, 0x40 },
	{ 0x08, 0x10, 0x20, 0x80 },
};

static int
dot_row(float v, int rows)
{
	int r = (int)lroundf((1 - v) / 2 * (rows - 1));
	return r < 0 ? 0 : r >= rows ? rows - 1 : r;
}

/* A cell's dots as one ASCII character: where in the cell they are. */
static wchar_t
ascii_cell(uint8_t bits)
{
	int top = bits & (0x01 | 0x08 | 0x02 | 0x10), bottom = bits & (0x04 | 0x20 | 0x40 | 0x80);
	int high = bits & (0x01 | 0x08), low = bits & (0x40 | 0x80);

	if (bits == 0)
		return ' ';
	if (high && low)
		return '|';
	if (top && bottom)
		return '+';
	return top ? '\'' : '.';
}

static void
draw_waveform(struct app *app, WINDOW *win, int y, int x, int h, int w,
    struct audio_view *v, double cursor)
{
	const struct audio_clip *clip = v->clip;
	const struct audio_stats *st = &clip->stats;
	struct wave_style style[WAVE_PARTS];
	int dw = 2 * w, dh = 4 * h, cx, cy, col, r, r0, r1, cursor_col = -1, gain = 1;
	uint8_t *bits = xcalloc((size_t)w * h, 1);
	uint64_t mid, loud_end = st->loudest_start + st->loudest_frames;
	enum wave_part part;
	int clipped, loud;

	if (v->env_cols != dw) {
		v->lo = xrealloc(v->lo, dw * sizeof *v->lo);
		v->hi = xrealloc(v->hi, dw * sizeof *v->hi);
		audio_envelope(clip, 0, clip->frames, (unsigned)dw, v->lo, v->hi);
		v->env_cols = dw;
	}
	/* Quiet clips are magnified by a power of two, so that speech 30 dB
	 * down still shows its shape; the factor is written in the corner. */
	if (st->peak > 0 && st->peak < ZOOM_BELOW)
		while (gain < ZOOM_MAX && st->peak * gain * 2 <= 1)
			gain *= 2;

	for (col = 0; col < dw; col++) {
		r0 = dot_row(v->hi[col] * gain, dh);
		r1 = dot_row(v->lo[col] * gain, dh);
		for (r = r0; r <= r1; r++)
			bits[(size_t)(r / 4) * w + col / 2] |= braille_bit[col % 2][r % 4];
	}
	if (cursor >= 0)
		cursor_col = cursor >= 1 ? w - 1 : (int)(cursor * w);

	wave_styles(app, style);
	for (cx = 0; cx < w; cx++) {
		mid = (uint64_t)((2 * cx + 1) * (double)clip->frames / (2 * w));
		loud = mid >= st->loudest_start && mid < loud_end;
		clipped = v->hi[2 * cx] >= AUDIO_CLIP_LEVEL || v->lo[2 * cx] <= -AUDIO_CLIP_LEVEL ||
		    v->hi[2 * cx + 1] >= AUDIO_CLIP_LEVEL || v->lo[2 * cx + 1] <= -AUDIO_CLIP_LEVEL;
		part = clipped ? (loud ? WAVE_CLIPPED_LOUDEST : WAVE_CLIPPED) :
		    loud ? WAVE_LOUDEST : WAVE_PLAIN;
		if (cx == cursor_col)
			part = WAVE_CURSOR;
		for (cy = 0; cy < h; cy++) {
			uint8_t b = bits[(size_t)cy * w + cx];
			wchar_t ch = app->utf8 ? (wchar_t)(0x2800 + b) : ascii_cell(b);
			/* An empty braille cell is blank in some fonts and a
			 * box in others: a space is a space everywhere. */
			if (b == 0)
				ch = ' ';
			put(win, y + cy, x + cx, ch, style[part].attr, style[part].pair);
		}
	}
	if (gain > 1 && w >= 6) {
		char label[16];
		int n = snprintf(label, sizeof label, "x%d", gain);
		wattrset(win, (int)ui_attr(app, ROLE_DIM));
		ui_putn(app, win, y, x + w - n, label, n);
		wattrset(win, A_NORMAL);
	}
	free(bits);
}

/* ---- spectrogram ---- */

/* A dark-to-bright ramp (after matplotlib's inferno): speech shows as warm
 * bands over a dark background. */
static const uint32_t ramp_stops[] = {
	0x000004, 0x1b0c41, 0x4a0c6b, 0x781c6d, 0xa52c60, 0xcf4446, 0xed6925,
	0xfb9b06, 0xfcffa4,
};
#define RAMP_STEPS 24

static uint32_t
ramp_rgb(double t)
{
	size_t n = ARRAY_SIZE(ramp_stops) - 1, i;
	double f;
	uint32_t a, b, out = 0;
	int shift;

	if (t <= 0)
		return ramp_stops[0];
	if (t >= 1)
		return ramp_stops[n];
	i = (size_t)(t * n);
	f = t * n - i;
	a = ramp_stops[i];
	b = ramp_stops[i + 1];
	for (shift = 0; shift <= 16; shift += 8) {
		double ca = (a >> shift) & 0xff, cb = (b >> shift) & 0xff;
		out |= (uint32_t)lround(ca + (cb - ca) * f) << shift;
	}
	return out;
}

/* The nearest of xterm's 256 colours (the 6×6×6 cube and the greys). */
static int
xterm_index(uint32_t rgb)
{
	static const int level[6] = { 0, 95, 135, 175, 215, 255 };
	int r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
	int best = 16, i, cr, cg, cb;
	long d, bestd = -1;

	for (i = 16; i < 256; i++) {
		if (i < 232) {
			cr = level[(i - 16) / 36];
			cg = level[(i - 16) / 6 % 6];
			cb = level[(i - 16) % 6];
		} else
			cr = cg = cb = 8 + 10 * (i - 232);
		d = (long)(r - cr) * (r - cr) + (long)(g - cg) * (g - cg) + (long)(b - cb) * (b - cb);
		if (bestd < 0 || d < bestd) {
			bestd = d;
			best = i;
		}
	}
	return best;
}

/* The colour of heat step i of RAMP_STEPS, for this terminal. */
static int
heat_colour(const struct app *app, int i)
{
	static const short eight[] = { COLOR_BLACK, COLOR_BLUE, COLOR_MAGENTA,
		COLOR_RED, COLOR_YELLOW, COLOR_WHITE };
	uint32_t rgb = ramp_rgb((double)i / (RAMP_STEPS - 1));

	if (app->colours > 256)
		return (int)rgb;
	if (app->colours >= 256)
		return xterm_index(rgb);
	return eight[i * (int)ARRAY_SIZE(eight) / RAMP_STEPS];
}

static int
heat_step(float db, float top)
{
	float t = (db - (top - SPECTRUM_RANGE_DB)) / SPECTRUM_RANGE_DB;
	int i = (int)(t * (RAMP_STEPS - 1) + 0.5f);
	return i < 0 ? 0 : i >= RAMP_STEPS ? RAMP_STEPS - 1 : i;
}

static void
draw_spectrogram(struct app *app, WINDOW *win, int y, int x, int h, int w,
    struct audio_view *v, double cursor)
{
	static const wchar_t shades_utf8[] = { ' ', 0x2591, 0x2592, 0x2593, 0x2588 };
	static const char shades_ascii[] = " .:-=+*#%@";
	int halves = app->colours > 0 && app->utf8, cx, cy, cursor_col = -1, pair, top, bottom;
	unsigned rows = (unsigned)h * (halves ? 2 : 1);
	float loudest = v->spec->max_db;
	attr_t attr;

	if (v->grid_cols != (unsigned)w || v->grid_rows != rows) {
		v->grid = xrealloc(v->grid, (size_t)w * rows * sizeof *v->grid);
		spectrogram_grid(v->spec, (unsigned)w, rows, v->grid);
		v->grid_cols = (unsigned)w;
		v->grid_rows = rows;
	}
	if (cursor >= 0)
		cursor_col = cursor >= 1 ? w - 1 : (int)(cursor * w);
	for (cy = 0; cy < h; cy++) {
		for (cx = 0; cx < w; cx++) {
			attr = cx == cursor_col ? A_REVERSE : A_NORMAL;
			if (halves) {
				/* ▀: the upper half in the foreground colour,
				 * the lower in the background. */
				top = heat_step(v->grid[(size_t)(2 * cy) * w + cx], loudest);
				bottom = heat_step(v->grid[(size_t)(2 * cy + 1) * w + cx], loudest);
				pair = ui_pair(app, heat_colour(app, top), heat_colour(app, bottom));
				put(win, y + cy, x + cx, 0x2580, attr, pair);
				continue;
			}
			top = heat_step(v->grid[(size_t)cy * w + cx], loudest);
			if (app->utf8)
				put(win, y + cy, x + cx,
				    shades_utf8[top * (int)ARRAY_SIZE(shades_utf8) / RAMP_STEPS], attr, 0);
			else
				put(win, y + cy, x + cx,
				    shades_ascii[top * (int)(sizeof shades_ascii - 1) / RAMP_STEPS], attr, 0);
		}
	}
}

/* ---- the whole rectangle ---- */

void
audio_view_draw(struct app *app, WINDOW *win, int y, int x, int h, int w,
    struct audio_view *v, enum audio_view_mode mode, double cursor)
{
	const struct audio_clip *clip = v->clip;
	struct buf line = { 0 };
	char *info, *levels = NULL;
	int i, rows = 1;

	if (h <= 0 || w <= 0)
		return;
	info = audio_describe(&clip->stats);
	if (ui_width(info) > w) {
		free(info);
		info = audio_describe_short(&clip->stats);
	}
	/* Too narrow still (80 columns): the levels get a row of their own
	 * rather than lose the RMS off the end. */
	if (ui_width(info) > w && h > 3 && (levels = strstr(info, " pk ")) != NULL) {
		*levels++ = '\0';
		rows = 2;
	}
	if (h > rows) {
		if (mode == AUDIO_VIEW_SPECTROGRAM)
			draw_spectrogram(app, win, y, x, h - rows, w, v, cursor);
		else
			draw_waveform(app, win, y, x, h - rows, w, v, cursor);
	}
	buf_adds(&line, info);
	if (clip->frames < clip->stats.frames)
		buf_addf(&line, " (first %.0f s shown)", (double)clip->frames / clip->stats.rate);
	wattrset(win, A_NORMAL);
	for (i = 0; i < w; i++)
		mvwaddch(win, y + h - rows, x + i, ' ');
	ui_putn(app, win, y + h - rows, x, buf_str(&line), w);
	if (levels != NULL) {
		for (i = 0; i < w; i++)
			mvwaddch(win, y + h - 1, x + i, ' ');
		ui_putn(app, win, y + h - 1, x, levels, w);
	}
	buf_free(&line);
	free(info);
}
