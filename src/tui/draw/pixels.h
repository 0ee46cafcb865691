/* pixels.h — pictures as real pixels (sixel, kitty, iTerm2), written
 * straight to the terminal after curses has updated the screen. Curses
 * knows nothing of them, so what is on the terminal is remembered here: a
 * picture is written again whenever what is shown, or where, changes, or
 * the screen was cleared. Inside tmux they travel through its passthrough,
 * placed in the outer terminal's coordinates. UI thread only. */
#ifndef WINNOW_PIXELS_H
#define WINNOW_PIXELS_H

#include <stddef.h>

#include "image-view.h"

struct pixel_screen {
	const struct term_caps *caps;   /* the terminal's (not owned) */
	int tmux_top, tmux_left;        /* the tmux pane in the outer terminal */
	unsigned long shown;            /* the picture on the terminal, 0: none */
	int y, x;                       /* its top left cell on the screen */
	int repaint;                    /* the screen was cleared: write again */
};

/* Find where the tmux pane sits in the outer terminal (inside tmux with a
 * pixel protocol; else 0, 0). Again after a resize. */
void pixels_locate(struct pixel_screen *s);
/* Put picture `id` (the escape sequence seq of n bytes, from
 * pixels_render) with its top left at screen cell (y, x), unless it is
 * there already. */
void pixels_show(struct pixel_screen *s, unsigned long id, int y, int x,
    const char *seq, size_t n);
/* Take the picture off the terminal, if one is on it. */
void pixels_hide(struct pixel_screen *s);
/* A draw that wants picture id at (y, x) (id 0: none): when another one,
 * or the same elsewhere, is on the terminal in a protocol whose pictures
 * go only when their cells are painted over (sixel, iTerm2), forget it
 * and return 1: the caller has curses repaint those cells. */
int pixels_moved(struct pixel_screen *s, unsigned long id, int y, int x);

#endif
