/* glyphs.h — text on the terminal: display columns of UTF-8 text, what a
 * locale without UTF-8 shows instead (ui_width, ui_putn and ui_box in ui.h
 * are what the panes use), and the pieces of the frame's lines. */
#ifndef WINNOW_GLYPHS_H
#define WINNOW_GLYPHS_H

#include <curses.h>

struct app;

/* Whether the locale decodes UTF-8: without it, the interface's own
 * punctuation becomes ASCII and other bytes become '?'. */
void glyphs_set_utf8(int utf8);

/* Box-drawing pieces, UTF-8 or ASCII. */
enum box_piece {
	BX_H, BX_V, BX_TL, BX_TR, BX_BL, BX_BR, BX_TDOWN, BX_TUP, BX_TRIGHT,
	BX_TLEFT, BX_COUNT
};
const char *glyph_box(const struct app *app, enum box_piece piece);
/* A horizontal line of n pieces from (y, x). */
void glyph_hline(const struct app *app, WINDOW *w, int y, int x, int n);

#endif
