/* image-view.h — a decoded picture for the terminal, with libchafa: as a grid
 * of character cells (symbol, foreground and background colours), or as real
 * pixels in the sixel, kitty or iTerm2 protocol; and what the terminal can
 * show, from chafa's terminal database.
 *
 * No curses here: the preview pane puts the cells on the screen. The
 * functions are thread-safe, so thumbnails render on worker threads. */
#ifndef WINNOW_IMAGE_VIEW_H
#define WINNOW_IMAGE_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "image.h"

enum color_depth {
	COLOR_DEPTH_NONE,       /* NO_COLOR or a monochrome terminal: symbols only */
	COLOR_DEPTH_8,
	COLOR_DEPTH_16,
	COLOR_DEPTH_256,
	COLOR_DEPTH_TRUE,
};

enum pixel_protocol {
	PIXELS_NONE,            /* character cells */
	PIXELS_SIXEL,
	PIXELS_KITTY,
	PIXELS_ITERM,
	PIXELS_AUTO,            /* only as a request: detect */
};

struct cell {
	uint32_t ch;            /* Unicode code point */
	int32_t fg, bg;         /* 0xRRGGBB, or -1: the terminal's default */
	int16_t fg_index, bg_index;  /* palette index at 8/16/256 colours, else -1 */
};

struct cell_grid {
	int cols, rows;
	enum color_depth depth;
	struct cell *cells;     /* rows × cols, row by row; owned */
};

/* Render img into at most max_cols × max_rows cells whose pixels are
 * cell_w × cell_h (the font's shape: 10 × 20 when unknown), keeping the
 * picture's aspect (small pictures are enlarged to fill the box). ascii:
 * the locale cannot show block symbols. Fills *out; free with
 * cell_grid_clear. */
void cell_grid_render(const struct image *img, int max_cols, int max_rows,
    int cell_w, int cell_h, enum color_depth depth, int ascii,
    struct cell_grid *out);
void cell_grid_clear(struct cell_grid *g);
static inline const struct cell *
cell_grid_at(const struct cell_grid *g, int x, int y)
{
	return &g->cells[(size_t)y * g->cols + x];
}
/* The colours to draw a cell with (0xRRGGBB when direct, else palette
 * indexes; -1: the terminal's default): the colour a symbol does not show
 * is left at the default, as it would only use up a colour pair. */
void cell_colours(const struct cell *c, int direct, int *fg, int *bg);
/* The colour a cell mostly shows (0xRRGGBB): the background for an empty
 * symbol, the foreground for a full block, else their mean. */
uint32_t cell_grid_rgb(const struct cell_grid *g, int x, int y);

/* The box to decode a picture into for cell_grid_render in max_cols ×
 * max_rows cells of cell_w × cell_h pixels (the font's shape): the 8 × 8
 * pixels chafa samples in a cell, no more, so a JPEG decodes straight to
 * about that (DCT scaling). */
void cell_decode_box(int max_cols, int max_rows, int cell_w, int cell_h,
    int *w, int *h);

/* The cells (cols × rows) a picture of width × height pixels takes at most
 * max_cols × max_rows cells of cell_w × cell_h pixels. */
void cell_geometry(int width, int height, int max_cols, int max_rows,
    int cell_w, int cell_h, int *cols, int *rows);

/* What the terminal can show. */
struct term_caps {
	enum color_depth depth;
	enum pixel_protocol pixels;     /* PIXELS_NONE unless the terminal has one */
	int tmux;                       /* inside tmux: wrap for passthrough */
	int remote;                     /* over SSH: send fewer pixels */
	int cell_w, cell_h;             /* a cell's pixels (from the tty, else 10 × 20) */
};

/* Detect from the environment (TERM, COLORTERM, NO_COLOR, TMUX, SSH_TTY,
 * the terminal programs' own variables) through chafa's terminal database.
 * curses_colors: the colours curses can draw (COLORS; 0 when unknown), which
 * caps the depth, since cells go out through curses. `request` is the
 * user's choice (PIXELS_AUTO: detect). tty_fd gives the cell size in pixels
 * (TIOCGWINSZ; -1 to skip). Not thread-safe (reads the environment):
 * call once on the UI thread. */
void term_caps_detect(struct term_caps *caps, int curses_colors,
    enum pixel_protocol request, int tty_fd);
/* The cell size in pixels from the tty, or 10 × 20. */
void term_cell_size(int tty_fd, int *cell_w, int *cell_h);
/* "none", "sixel", "kitty", "iterm", "auto". */
const char *pixel_protocol_name(enum pixel_protocol p);
/* Parse a name as above. Returns 0, or -1 when unknown. */
int pixel_protocol_parse(const char *name, enum pixel_protocol *p);

/* The escape sequence that draws img as real pixels filling cols × rows
 * cells from the cursor (cell_geometry gives the cells that keep its
 * shape). Inside tmux the caller wraps it for the passthrough, together
 * with what places it. Thread-safe once term_caps_detect has run. Returns
 * a heap string the caller frees, its length in *len. */
char *pixels_render(const struct image *img, int cols, int rows,
    const struct term_caps *caps, size_t *len);
/* The sequence that removes every picture drawn with the kitty protocol
 * (other protocols are overwritten by text), not wrapped for tmux. Static
 * string, "" if none. */
const char *pixels_clear_sequence(const struct term_caps *caps);

#endif
