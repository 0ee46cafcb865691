/* listview.c — the scrolling list widget (listview.h). */
#include "config.h"

#include "listview.h"

void
listview_draw(struct listpos *lp, WINDOW *w, int y0, int height,
    listview_row_fn row, void *arg)
{
	int y, width = getmaxx(w);

	listpos_scroll(lp, height);
	for (y = 0; y < height; y++) {
		size_t r = lp->top + (size_t)y;
		wmove(w, y0 + y, 0);
		wclrtoeol(w);
		if (r < lp->n)
			row(arg, w, y0 + y, width, r, r == lp->sel);
	}
}
