/* pane-cluster.c — the embeddings cluster view. */
#include "config.h"

#include "ui.h"

static void
cluster_draw(struct app *app, struct pane *pane)
{
	werase(pane->win);
	ui_putn(app, pane->win, 0, 0, "clusters: …", pane->w);
}

const struct pane_ops cluster_pane_ops = {
	.name = "clusters",
	.draw = cluster_draw,
};
