/* test-listpos.c — the scrolling list's arithmetic: moving, clamping, and
 * the rows of context kept around the selection. */
#include "config.h"

#include "listpos.h"
#include "tap.h"

int
main(void)
{
	struct listpos lp = { 0 };

	listpos_set_count(&lp, 100);
	listpos_scroll(&lp, 20);
	is_int(lp.sel, 0, "widget: starts at the first row");
	ok(listpos_move(&lp, 25), "widget: moving changes the selection");
	is_int(lp.sel, 25, "widget: moved 25 down");
	ok(lp.sel >= lp.top && lp.sel < lp.top + 20, "widget: selection stays visible");
	is_int(lp.top + 20 - lp.sel, 3, "widget: two rows of context below the selection");
	ok(!listpos_move(&lp, 0), "widget: no move, no change");
	listpos_move(&lp, 1000);
	is_int(lp.sel, 99, "widget: clamped at the last row");
	is_int(lp.top, 80, "widget: last page fills the window");
	listpos_move(&lp, -1000);
	is_int(lp.sel, 0, "widget: clamped at the first row");
	is_int(lp.top, 0, "widget: back at the top");
	listpos_select(&lp, 50);
	listpos_scroll(&lp, 5);
	ok(lp.sel >= lp.top && lp.sel < lp.top + 5, "widget: visible after shrinking the window");
	listpos_set_count(&lp, 10);
	is_int(lp.sel, 9, "widget: selection clamped when rows go away");
	listpos_set_count(&lp, 0);
	is_int(lp.sel, 0, "widget: empty list");
	ok(!listpos_move(&lp, 1), "widget: nothing to move in an empty list");
	return tap_done();
}
