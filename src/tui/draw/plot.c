/* draw/plot.c — scatter plots in braille cells (plot.h). */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "plot.h"
#include "ui.h"
#include "util.h"

/* Moving: how much a point off the direction of travel costs, compared
 * with one straight ahead. */
#define ACROSS_WEIGHT 3.0

void
plot_fit(struct plot *p, int w, int h, size_t n, plot_point_fn point,
    const void *arg, int zoom, double cx, double cy)
{
	double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY, x, y;
	double W = 2.0 * w, H = 4.0 * h, s;
	size_t k;

	for (k = 0; k < n; k++) {
		point(arg, k, &x, &y);
		if (isnan(x) || isnan(y))
			continue;
		x0 = x < x0 ? x : x0;
		x1 = x > x1 ? x : x1;
		y0 = y < y0 ? y : y0;
		y1 = y > y1 ? y : y1;
	}
	if (!(x1 >= x0))
		x0 = x1 = y0 = y1 = 0;
	s = fmin((W - 1) / (x1 - x0 > 0 ? x1 - x0 : 1), (H - 1) / (y1 - y0 > 0 ? y1 - y0 : 1));
	p->w = w;
	p->h = h;
	p->scale = s * ldexp(1.0, zoom);
	if (zoom == 0) {
		p->ox = (x0 + x1) / 2;
		p->oy = (y0 + y1) / 2;
	} else {
		p->ox = cx;
		p->oy = cy;
	}
}

void
plot_to_dots(const struct plot *p, double x, double y, double *dx, double *dy)
{
	*dx = (x - p->ox) * p->scale + p->w;
	*dy = p->h * 2.0 - (y - p->oy) * p->scale;
}

int
plot_holds(const struct plot *p, double dx, double dy)
{
	return dx >= 0 && dy >= 0 && dx < 2.0 * p->w && dy < 4.0 * p->h;
}

long
plot_nearest(const struct plot *p, double px, double py, double ux, double uy,
    size_t n, plot_point_fn point, const void *arg)
{
	double x, y, qx, qy, along, across, cost, best = INFINITY;
	size_t k;
	long found = -1;

	for (k = 0; k < n; k++) {
		point(arg, k, &x, &y);
		plot_to_dots(p, x, y, &qx, &qy);
		qx -= px;
		qy -= py;
		if (ux == 0 && uy == 0) {
			cost = hypot(qx, qy);
		} else {
			/* The point where one stands is not ahead of it. */
			along = qx * ux + qy * uy;
			across = fabs(qx * uy - qy * ux);
			if (along <= 0)
				continue;
			cost = along + ACROSS_WEIGHT * across;
		}
		if (cost < best) {
			best = cost;
			found = (long)k;
		}
	}
	return found;
}

void
plot_canvas_init(struct plot_canvas *c, int w, int h)
{
	size_t cells = (size_t)w * (size_t)h;

	c->w = w;
	c->h = h;
	c->bits = xcalloc(cells ? cells : 1, 1);
	c->key = xcalloc(cells ? cells : 1, sizeof *c->key);
	c->votes = xcalloc(cells ? cells : 1, sizeof *c->votes);
}

static const uint8_t braille_bit[2][4] = {
	{ 0x01, 0x02, 0x04, 0x40 },
	{ 0x08, 0x10, 0x20, 0x80 },
};

long
plot_canvas_dot(struct plot_canvas *c, double dx, double dy, unsigned key)
{
	size_t cell;

	if (!(dx >= 0 && dy >= 0 && dx < 2.0 * c->w && dy < 4.0 * c->h))
		return -1;
	cell = (size_t)(dy / 4) * (size_t)c->w + (size_t)(dx / 2);
	c->bits[cell] |= braille_bit[(int)dx & 1][(int)dy & 3];
	/* The cell's colour: the commonest key (a majority vote). */
	if (c->votes[cell] == 0)
		c->key[cell] = (uint16_t)key, c->votes[cell] = 1;
	else if (c->key[cell] == key)
		c->votes[cell]++;
	else
		c->votes[cell]--;
	return (long)cell;
}

/* A cell's glyph: braille U+2800 + bits, or a density character where the
 * terminal has no UTF-8. */
static const char *
cell_glyph(const struct app *app, uint8_t bits, char out[4])
{
	int n = __builtin_popcount(bits);
	if (!app->utf8) {
		out[0] = n <= 1 ? '.' : n <= 3 ? ':' : n <= 5 ? '+' : '#';
		out[1] = '\0';
		return out;
	}
	out[0] = (char)0xe2;
	out[1] = (char)(0xa0 | bits >> 6);
	out[2] = (char)(0x80 | (bits & 0x3f));
	out[3] = '\0';
	return out;
}

void
plot_canvas_draw(struct plot_canvas *c, const struct app *app, WINDOW *win,
    attr_t (*attr)(const struct app *, unsigned key, const void *arg),
    const void *arg, long highlight)
{
	size_t cell, cells = (size_t)c->w * (size_t)c->h;
	char g[4];

	for (cell = 0; cell < cells; cell++) {
		if (c->bits[cell] == 0)
			continue;
		wattrset(win, attr(app, c->key[cell], arg) |
		    ((long)cell == highlight ? A_REVERSE | A_BOLD : 0));
		mvwaddstr(win, (int)(cell / (size_t)c->w), (int)(cell % (size_t)c->w),
		    cell_glyph(app, c->bits[cell], g));
	}
	wattrset(win, A_NORMAL);
	free(c->bits);
	free(c->key);
	free(c->votes);
	c->bits = NULL;
	c->key = NULL;
	c->votes = NULL;
}

void
plot_legend_line(struct app *app, WINDOW *w, int y, int x, int width, attr_t swatch,
    const char *text, const char *right, attr_t attr)
{
	int rw = right ? ui_width(right) : 0;
	if (swatch != (attr_t)-1) {
		wattrset(w, swatch);
		ui_putn(app, w, y, x, app->utf8 ? "■" : "#", 1);
		x += 2;
		width -= 2;
	}
	wattrset(w, attr);
	ui_putn(app, w, y, x, text, width - rw - 1);
	if (right)
		ui_putn(app, w, y, x + width - rw, right, rw);
	wattrset(w, A_NORMAL);
}
