/* listpos.h — where a scrolling list stands: how many rows, which one is
 * selected and which one is shown first. The arithmetic of moving and
 * scrolling, without drawing, so that the file pane's model (view.h) keeps
 * its selection without a terminal; the tui's listview.h draws the rows. */
#ifndef WINNOW_LISTPOS_H
#define WINNOW_LISTPOS_H

#include <stddef.h>

struct listpos {
	size_t n;               /* rows */
	size_t sel;             /* selected row (0 when n == 0) */
	size_t top;             /* first row shown */
	int height;             /* rows visible, set by listpos_scroll */
};

void listpos_set_count(struct listpos *lp, size_t n);
/* Move the selection by delta rows (clamped), or to a row. Returns 1 when
 * the selection changed. */
int listpos_move(struct listpos *lp, long delta);
int listpos_select(struct listpos *lp, size_t row);
/* Keep the selection visible in `height` rows with a little context. */
void listpos_scroll(struct listpos *lp, int height);

#endif
