/* sparkline.h — a series of values as a line of bars, one cell each
 * (▁▂▃▄▅▆▇█, or ASCII where the locale is not UTF-8): how a number moved
 * over time, in a few columns. UI thread only. */
#ifndef WINNOW_SPARKLINE_H
#define WINNOW_SPARKLINE_H

#include <stddef.h>

#include <curses.h>

struct app;

/* Draw the last `cols` of the n values v[0], v[stride], v[2 * stride], …
 * at (y, x), each scaled between lo and hi (clamped); NAN is a blank.
 * Fewer values than cols leave the left end blank, so that the newest
 * stays at the right. */
void sparkline_draw(const struct app *app, WINDOW *w, int y, int x, int cols,
    const double *v, size_t n, size_t stride, double lo, double hi);

#endif
