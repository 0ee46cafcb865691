/* draw/sparkline.c — a series as a line of bars (sparkline.h). */
#include "config.h"

#include <math.h>

#include "sparkline.h"
#include "ui.h"

static const char *const bars[] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
static const char ascii_bars[] = "_.-:=+*#";

void
sparkline_draw(const struct app *app, WINDOW *w, int y, int x, int cols,
    const double *v, size_t n, size_t stride, double lo, double hi)
{
	size_t first = n > (size_t)cols ? n - (size_t)cols : 0, i;
	int col = x + cols - (int)(n - first), level;
	double t;
	char one[2] = { 0, 0 };

	for (i = first; i < n; i++, col++) {
		t = v[i * stride];
		if (isnan(t))
			continue;
		t = hi > lo ? (t - lo) / (hi - lo) : 1;
		level = (int)lround(fmin(fmax(t, 0), 1) * 7);
		one[0] = ascii_bars[level];
		ui_putn(app, w, y, col, app->utf8 ? bars[level] : one, 1);
	}
}
