/* image-view.c — pictures as terminal cells or pixels, through libchafa. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <chafa.h>

#include "image-view.h"
#include "util.h"

#define DEFAULT_CELL_W 10
#define DEFAULT_CELL_H 20

void
cell_geometry(int width, int height, int max_cols, int max_rows, int cell_w,
    int cell_h, int *cols, int *rows)
{
	double wc, hc, f;

	if (cell_w < 1 || cell_h < 1) {
		cell_w = DEFAULT_CELL_W;
		cell_h = DEFAULT_CELL_H;
	}
	if (max_cols < 1)
		max_cols = 1;
	if (max_rows < 1)
		max_rows = 1;
	/* The picture's size in cells, then the largest scale that fits: small
	 * pictures are enlarged, since a thumbnail of a few cells says nothing. */
	wc = (double)(width > 0 ? width : 1) / cell_w;
	hc = (double)(height > 0 ? height : 1) / cell_h;
	f = max_cols / wc < max_rows / hc ? max_cols / wc : max_rows / hc;
	*cols = (int)(wc * f + 0.5);
	*rows = (int)(hc * f + 0.5);
	if (*cols < 1)
		*cols = 1;
	if (*rows < 1)
		*rows = 1;
	if (*cols > max_cols)
		*cols = max_cols;
	if (*rows > max_rows)
		*rows = max_rows;
}

void
cell_decode_box(int max_cols, int max_rows, int cell_w, int cell_h, int *w, int *h)
{
	if (cell_w < 1 || cell_h < 1) {
		cell_w = DEFAULT_CELL_W;
		cell_h = DEFAULT_CELL_H;
	}
	/* 8 pixels a cell across; as many down as keep the font's shape, since
	 * cell_geometry fits the picture by the cells' pixels. */
	*w = (max_cols > 0 ? max_cols : 1) * 8;
	*h = (max_rows > 0 ? max_rows : 1) * 8 * cell_h / cell_w;
}

static ChafaCanvasMode
canvas_mode(enum color_depth depth)
{
	switch (depth) {
	case COLOR_DEPTH_TRUE: return CHAFA_CANVAS_MODE_TRUECOLOR;
	/* 240: the 16 system colours change with the user's theme. */
	case COLOR_DEPTH_256: return CHAFA_CANVAS_MODE_INDEXED_240;
	case COLOR_DEPTH_16: return CHAFA_CANVAS_MODE_INDEXED_16;
	case COLOR_DEPTH_8: return CHAFA_CANVAS_MODE_INDEXED_8;
	default: return CHAFA_CANVAS_MODE_FGBG;
	}
}

/*
 * Colour cells: chafa tries every symbol of a small set (a work factor of
 * 0.8 or more). Its quicker search begins each cell by sorting the cell's
 * 64 pixels on each of four channels to find a contrasting pair, which for
 * a 40×15 thumbnail took 6.6 ms, against 1.4 ms for trying these eight
 * outright. They are the ways to split a cell in halves or quadrants,
 * what a thumbnail can show: at half a cell's resolution they matched
 * photos more closely than the quick search among block and border
 * symbols did, and about as well pixel for pixel. Each has an inverse
 * (▄ for ▀) that shows the same with the colours swapped: trying it too
 * would double the cost for nothing, and cells_clear_foreground uses it
 * where the swap matters.
 */
static const gunichar split_symbols[] = {
	' ', 0x2580, 0x258c, 0x2596, 0x2597, 0x2598, 0x259d, 0x259a,
};
static const gunichar split_inverses[] = {
	0x2588, 0x2584, 0x2590, 0x259c, 0x259b, 0x259f, 0x2599, 0x259e,
};

/* Without colour the quick search needs no pair and stays cheap, and a
 * larger set with dithering gives more shades of grey; ASCII has too many
 * symbols to try them all. */
static ChafaCanvas *
new_canvas(int cols, int rows, int cell_w, int cell_h, ChafaCanvasMode mode,
    ChafaPixelMode pixel_mode, int ascii)
{
	ChafaSymbolMap *map = chafa_symbol_map_new();
	ChafaCanvasConfig *config = chafa_canvas_config_new();
	ChafaCanvas *canvas;
	int split = pixel_mode == CHAFA_PIXEL_MODE_SYMBOLS && !ascii &&
	    mode != CHAFA_CANVAS_MODE_FGBG;
	size_t i;

	if (ascii)
		chafa_symbol_map_add_by_tags(map, CHAFA_SYMBOL_TAG_ASCII);
	else if (split)
		for (i = 0; i < ARRAY_SIZE(split_symbols); i++)
			chafa_symbol_map_add_by_range(map, split_symbols[i],
			    split_symbols[i]);
	else
		chafa_symbol_map_add_by_tags(map, CHAFA_SYMBOL_TAG_SPACE |
		    CHAFA_SYMBOL_TAG_BLOCK | CHAFA_SYMBOL_TAG_BORDER);
	chafa_canvas_config_set_symbol_map(config, map);
	chafa_canvas_config_set_canvas_mode(config, mode);
	chafa_canvas_config_set_pixel_mode(config, pixel_mode);
	chafa_canvas_config_set_geometry(config, cols, rows);
	if (cell_w > 0 && cell_h > 0)
		chafa_canvas_config_set_cell_geometry(config, cell_w, cell_h);
	if (mode == CHAFA_CANVAS_MODE_FGBG)
		chafa_canvas_config_set_dither_mode(config, CHAFA_DITHER_MODE_ORDERED);
	/* A thumbnail in a preview, not a poster: speed over the last detail
	 * (and RGB, not DIN99d, which costs five times as much). */
	chafa_canvas_config_set_work_factor(config, split ? 1.0f : 0.3f);
	canvas = chafa_canvas_new(config);
	chafa_canvas_config_unref(config);
	chafa_symbol_map_unref(map);
	return canvas;
}

/* A terminal cannot draw a symbol in a transparent colour, only leave the
 * background as it is: where chafa made the foreground the transparent
 * part, the inverse symbol with the colours swapped shows the same, and
 * where both are transparent, a space. */
static void
cells_clear_foreground(struct cell_grid *g)
{
	size_t i, k, n = (size_t)g->cols * g->rows;

	for (i = 0; i < n; i++) {
		struct cell *c = &g->cells[i];
		if (c->fg >= 0 || c->ch == ' ')
			continue;
		if (c->bg < 0) {
			c->ch = ' ';
			continue;
		}
		for (k = 0; k < ARRAY_SIZE(split_symbols); k++)
			if (c->ch == split_symbols[k]) {
				c->ch = split_inverses[k];
				c->fg = c->bg;
				c->bg = -1;
				c->fg_index = c->bg_index;
				c->bg_index = -1;
				break;
			}
	}
}

void
cell_grid_render(const struct image *img, int max_cols, int max_rows, int cell_w,
    int cell_h, enum color_depth depth, int ascii, struct cell_grid *out)
{
	ChafaCanvas *canvas;
	int cols, rows, x, y, indexed = depth != COLOR_DEPTH_TRUE && depth != COLOR_DEPTH_NONE;

	cell_geometry(img->width, img->height, max_cols, max_rows, cell_w, cell_h,
	    &cols, &rows);
	out->cols = cols;
	out->rows = rows;
	out->depth = depth;
	out->cells = xcalloc((size_t)cols * rows, sizeof *out->cells);
	canvas = new_canvas(cols, rows, 0, 0, canvas_mode(depth),
	    CHAFA_PIXEL_MODE_SYMBOLS, ascii);
	chafa_canvas_draw_all_pixels(canvas, CHAFA_PIXEL_RGBA8_UNASSOCIATED,
	    img->rgba, img->width, img->height, img->width * 4);
	for (y = 0; y < rows; y++)
		for (x = 0; x < cols; x++) {
			struct cell *c = &out->cells[(size_t)y * cols + x];
			gint fg, bg;
			c->ch = chafa_canvas_get_char_at(canvas, x, y);
			chafa_canvas_get_colors_at(canvas, x, y, &fg, &bg);
			c->fg = fg;
			c->bg = bg;
			c->fg_index = c->bg_index = -1;
			if (indexed) {
				chafa_canvas_get_raw_colors_at(canvas, x, y, &fg, &bg);
				c->fg_index = (int16_t)(fg >= 0 && fg < 256 ? fg : -1);
				c->bg_index = (int16_t)(bg >= 0 && bg < 256 ? bg : -1);
			}
		}
	chafa_canvas_unref(canvas);
	if (depth != COLOR_DEPTH_NONE && !ascii)
		cells_clear_foreground(out);
}

void
cell_grid_clear(struct cell_grid *g)
{
	free(g->cells);
	memset(g, 0, sizeof *g);
}

void
cell_colours(const struct cell *c, int direct, int *fg, int *bg)
{
	*fg = direct ? c->fg : c->fg_index;
	*bg = direct ? c->bg : c->bg_index;
	if (c->ch == ' ')
		*fg = -1;
	else if (c->ch == 0x2588)
		*bg = -1;
}

uint32_t
cell_grid_rgb(const struct cell_grid *g, int x, int y)
{
	const struct cell *c = cell_grid_at(g, x, y);
	uint32_t fg = c->fg < 0 ? 0xffffff : (uint32_t)c->fg;
	uint32_t bg = c->bg < 0 ? 0 : (uint32_t)c->bg;
	int i;
	uint32_t mean = 0;

	if (c->ch == ' ')
		return bg;
	if (c->ch == 0x2588)
		return fg;
	for (i = 0; i < 24; i += 8)
		mean |= (((fg >> i & 0xff) + (bg >> i & 0xff)) / 2) << i;
	return mean;
}

/* ---- the terminal ---- */

static const char *const protocol_names[] = {
	[PIXELS_NONE] = "none", [PIXELS_SIXEL] = "sixel", [PIXELS_KITTY] = "kitty",
	[PIXELS_ITERM] = "iterm", [PIXELS_AUTO] = "auto",
};

const char *
pixel_protocol_name(enum pixel_protocol p)
{
	return (unsigned)p < ARRAY_SIZE(protocol_names) ? protocol_names[p] : "none";
}

int
pixel_protocol_parse(const char *name, enum pixel_protocol *p)
{
	size_t i;
	for (i = 0; i < ARRAY_SIZE(protocol_names); i++)
		if (strcasecmp(name, protocol_names[i]) == 0) {
			*p = (enum pixel_protocol)i;
			return 0;
		}
	if (strcasecmp(name, "iterm2") == 0) {
		*p = PIXELS_ITERM;
		return 0;
	}
	return -1;
}

void
term_cell_size(int tty_fd, int *cell_w, int *cell_h)
{
	struct winsize ws;

	*cell_w = DEFAULT_CELL_W;
	*cell_h = DEFAULT_CELL_H;
	if (tty_fd >= 0 && ioctl(tty_fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 &&
	    ws.ws_row > 0 && ws.ws_xpixel >= ws.ws_col && ws.ws_ypixel >= ws.ws_row) {
		*cell_w = ws.ws_xpixel / ws.ws_col;
		*cell_h = ws.ws_ypixel / ws.ws_row;
	}
}

static int
env_is(const char *name, const char *a, const char *b)
{
	const char *v = getenv(name);
	return v != NULL && (strcasecmp(v, a) == 0 || (b && strcasecmp(v, b) == 0));
}

void
term_caps_detect(struct term_caps *caps, int curses_colors,
    enum pixel_protocol request, int tty_fd)
{
	ChafaTermDb *db;
	ChafaTermInfo *info;
	gchar **envp;
	const char *no_color = getenv("NO_COLOR");

	memset(caps, 0, sizeof *caps);
	caps->tmux = getenv("TMUX") != NULL;
	caps->remote = getenv("SSH_TTY") != NULL || getenv("SSH_CONNECTION") != NULL;
	term_cell_size(tty_fd, &caps->cell_w, &caps->cell_h);

	envp = g_get_environ();
	db = chafa_term_db_get_default();
	info = chafa_term_db_detect(db, envp);
	g_strfreev(envp);

	/* The cells go out through curses, so its colours are the ceiling;
	 * COLORTERM can only tell that the terminal has more. */
	if (curses_colors >= (1 << 24))
		caps->depth = COLOR_DEPTH_TRUE;
	else if (curses_colors >= 256)
		caps->depth = COLOR_DEPTH_256;
	else if (curses_colors >= 16)
		caps->depth = COLOR_DEPTH_16;
	else if (curses_colors >= 8)
		caps->depth = COLOR_DEPTH_8;
	else
		caps->depth = COLOR_DEPTH_NONE;
	if (caps->depth == COLOR_DEPTH_TRUE &&
	    !env_is("COLORTERM", "truecolor", "24bit") &&
	    !chafa_term_info_have_seq(info, CHAFA_TERM_SEQ_SET_COLOR_FGBG_DIRECT))
		caps->depth = COLOR_DEPTH_256;
	if (no_color != NULL && no_color[0] != '\0')
		caps->depth = COLOR_DEPTH_NONE;

	if (request != PIXELS_AUTO)
		caps->pixels = request;
	else if (chafa_term_info_have_seq(info, CHAFA_TERM_SEQ_BEGIN_KITTY_IMMEDIATE_IMAGE_V1))
		caps->pixels = PIXELS_KITTY;
	else if (chafa_term_info_have_seq(info, CHAFA_TERM_SEQ_BEGIN_ITERM2_IMAGE))
		caps->pixels = PIXELS_ITERM;
	else if (chafa_term_info_have_seq(info, CHAFA_TERM_SEQ_BEGIN_SIXELS))
		caps->pixels = PIXELS_SIXEL;
	else
		caps->pixels = PIXELS_NONE;
	chafa_term_info_unref(info);
}

char *
pixels_render(const struct image *img, int cols, int rows,
    const struct term_caps *caps, size_t *len)
{
	/* The default database was made by term_caps_detect on the UI
	 * thread; from here on it is only read. */
	ChafaTermDb *db = chafa_term_db_get_default();
	ChafaTermInfo *info = chafa_term_db_get_fallback_info(db);
	ChafaPixelMode mode;
	ChafaCanvas *canvas;
	GString *s;
	char *out;

	switch (caps->pixels) {
	case PIXELS_KITTY: mode = CHAFA_PIXEL_MODE_KITTY; break;
	case PIXELS_ITERM: mode = CHAFA_PIXEL_MODE_ITERM2; break;
	default: mode = CHAFA_PIXEL_MODE_SIXELS; break;
	}
	/* Kitty and iTerm2 take raw pixels (a megabyte for a pane) and scale
	 * them to the cells themselves: over SSH, a quarter as many will do.
	 * Sixel is drawn pixel for pixel, and compresses well anyway. */
	if (caps->remote && mode != CHAFA_PIXEL_MODE_SIXELS && caps->cell_w >= 8 &&
	    caps->cell_h >= 16)
		canvas = new_canvas(cols, rows, caps->cell_w / 2, caps->cell_h / 2,
		    CHAFA_CANVAS_MODE_TRUECOLOR, mode, 0);
	else
		canvas = new_canvas(cols, rows, caps->cell_w, caps->cell_h,
		    CHAFA_CANVAS_MODE_TRUECOLOR, mode, 0);
	chafa_canvas_draw_all_pixels(canvas, CHAFA_PIXEL_RGBA8_UNASSOCIATED,
	    img->rgba, img->width, img->height, img->width * 4);
	s = chafa_canvas_print(canvas, info);
	*len = s->len;
	out = xmalloc(s->len + 1);
	memcpy(out, s->str, s->len + 1);
	g_string_free(s, TRUE);
	chafa_canvas_unref(canvas);
	chafa_term_info_unref(info);
	return out;
}

const char *
pixels_clear_sequence(const struct term_caps *caps)
{
	return caps->pixels == PIXELS_KITTY ? "\033_Ga=d\033\\" : "";
}
