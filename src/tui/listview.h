/* listview.h — the scrolling list widget (the file pane, the help overlay,
 * the completion menu): rows drawn by a callback, and only the visible
 * ones, so the cost of a frame does not grow with the list. Where the list
 * stands (rows, selection, first row) is a struct listpos (listpos.h). */
#ifndef WINNOW_LISTVIEW_H
#define WINNOW_LISTVIEW_H

#include <stddef.h>

#include <curses.h>

#include "listpos.h"

/* Draw one row (index `row`) into w at line y, `width` columns wide;
 * `selected` says whether it is the selected row. */
typedef void (*listview_row_fn)(void *arg, WINDOW *w, int y, int width,
    size_t row, int selected);

/* Draw rows lp->top.. into w from line y0, `height` lines (the rest is
 * cleared), scrolling first so that the selection shows. */
void listview_draw(struct listpos *lp, WINDOW *w, int y0, int height,
    listview_row_fn row, void *arg);

#endif
