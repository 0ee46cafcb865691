/* listpos.c — a scrolling list's selection and first row (listpos.h). */
#include "config.h"

#include "listpos.h"

void
listpos_set_count(struct listpos *lp, size_t n)
{
	lp->n = n;
	if (n == 0)
		lp->sel = lp->top = 0;
	else if (lp->sel >= n)
		lp->sel = n - 1;
	if (lp->top > lp->sel)
		lp->top = lp->sel;
}

int
listpos_select(struct listpos *lp, size_t row)
{
	size_t old = lp->sel;
	if (lp->n == 0)
		return 0;
	lp->sel = row < lp->n ? row : lp->n - 1;
	if (lp->height > 0)
		listpos_scroll(lp, lp->height);
	return lp->sel != old;
}

int
listpos_move(struct listpos *lp, long delta)
{
	size_t row;
	if (lp->n == 0)
		return 0;
	if (delta < 0)
		row = (size_t)-delta > lp->sel ? 0 : lp->sel - (size_t)-delta;
	else
		row = (size_t)delta >= lp->n - lp->sel ? lp->n - 1 : lp->sel + (size_t)delta;
	return listpos_select(lp, row);
}

void
listpos_scroll(struct listpos *lp, int height)
{
	size_t h, margin;

	lp->height = height;
	if (height <= 0 || lp->n == 0) {
		lp->top = 0;
		return;
	}
	h = (size_t)height;
	/* A couple of rows of context above and below the selection, as less
	 * and vim's scrolloff do, unless the window is tiny. */
	margin = h >= 10 ? 2 : 0;
	if (lp->sel < lp->top + margin)
		lp->top = lp->sel > margin ? lp->sel - margin : 0;
	if (lp->sel + margin >= lp->top + h)
		lp->top = lp->sel + margin + 1 - h;
	if (lp->n > h && lp->top > lp->n - h)
		lp->top = lp->n - h;
	if (lp->n <= h)
		lp->top = 0;
}
