/* scan.h — the dataset, indexed on a worker while the browser already
 * shows; app->ds stays NULL until it arrives. */
#ifndef WINNOW_SCAN_H
#define WINNOW_SCAN_H

struct app;

/* Index app->opt.dataset. When it is ready, app->ds, app->annot.n and
 * app->view are set and ready(app) runs on the UI thread; when it cannot
 * be read, the browser quits with the reason (exit 2). */
void scan_start(struct app *app, void (*ready)(struct app *));

#endif
