/* plot.h — a scatter plot in braille: each cell holds 2 × 4 dots, coloured
 * by the commonest key among its points. Data coordinates map to dots with
 * one scale on both axes, so distances look as they are; y grows upwards.
 * Points are asked for through a callback, so the caller keeps its own
 * arrays; a legend line names the colours. UI thread only. */
#ifndef WINNOW_PLOT_H
#define WINNOW_PLOT_H

#include <stddef.h>
#include <stdint.h>

#include <curses.h>

struct app;

/* Point k of the set, in data coordinates (NAN when it has none). */
typedef void (*plot_point_fn)(const void *arg, size_t k, double *x, double *y);

/* Where the data sits on a plot of w × h cells. */
struct plot {
	int w, h;               /* in cells */
	double scale;           /* dots per data unit */
	double ox, oy;          /* the data point at the plot's centre */
};

/* Fit the n points on w × h cells: at zoom 0 they all show, centred;
 * each zoom step doubles the scale, centred on (cx, cy). */
void plot_fit(struct plot *p, int w, int h, size_t n, plot_point_fn point,
    const void *arg, int zoom, double cx, double cy);
/* A data point in dots from the top left; and whether those are on it. */
void plot_to_dots(const struct plot *p, double x, double y, double *dx, double *dy);
int plot_holds(const struct plot *p, double dx, double dy);
/* The point nearest to (px, py) (in dots) in screen direction (ux, uy),
 * points off to the side costing more; in any direction when both are 0.
 * Returns its k, or -1 when none lies that way. */
long plot_nearest(const struct plot *p, double px, double py, double ux, double uy,
    size_t n, plot_point_fn point, const void *arg);

/* The dots of one drawing, and each cell's colour key. */
struct plot_canvas {
	int w, h;
	uint8_t *bits;          /* w × h braille bits */
	uint16_t *key;          /* the cell's majority key */
	uint32_t *votes;        /* its lead over the others */
};

void plot_canvas_init(struct plot_canvas *c, int w, int h);
/* A dot at (dx, dy) of colour key. Returns its cell, or -1 when it is off
 * the canvas. */
long plot_canvas_dot(struct plot_canvas *c, double dx, double dy, unsigned key);
/* Draw the canvas at the top left of win, each cell in attr(app, key,
 * arg), the cell `highlight` (-1: none) reversed; then free it. */
void plot_canvas_draw(struct plot_canvas *c, const struct app *app, WINDOW *win,
    attr_t (*attr)(const struct app *, unsigned key, const void *arg),
    const void *arg, long highlight);

/* A legend line of `width` columns at (y, x): a swatch in attr `swatch`
 * ((attr_t)-1: none), text in attr, and `right` (may be NULL) at the
 * right end. */
void plot_legend_line(struct app *app, WINDOW *w, int y, int x, int width,
    attr_t swatch, const char *text, const char *right, attr_t attr);

#endif
