/* loop.c — the browser's one event loop: keys, the workers' wake-up pipe,
 * watched descriptors, timers and signal flags, and a frame drawn after
 * each batch of them (loop.h). */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>

#include "commands.h"
#include "help.h"
#include "layout.h"
#include "loop.h"
#include "prompt.h"
#include "sort-feed.h"
#include "terminal.h"
#include "timers.h"
#include "trace.h"
#include "ui.h"
#include "util.h"
#include "worker.h"

/* Re-sorting after annotations change at most this often. */
#define ANNOT_REBUILD_SECONDS 0.5

/* One key from the terminal. Keys go to the prompt, else the help, else
 * the focused pane, else the command bound to the key. */
static void
handle_key(struct app *app, int is_key, wint_t wch)
{
	int key = is_key ? (int)wch : wch < 0x80 ? (int)wch : -1;
	const struct command *c;
	struct pane *p;
	unsigned r;

	if (is_key && key == KEY_RESIZE)
		return;         /* handled through the SIGWINCH flag */
	if (app->prompt) {
		prompt_key(app, is_key, wch);
		return;
	}
	if (key < 0)
		return;         /* a non-ASCII character outside a prompt */
	c = command_for_key(key);
	if (app->status[STATUS_MESSAGE]) {
		ui_status(app, STATUS_MESSAGE, NULL);
	}
	if (app->help) {
		help_key(app, c);
		return;
	}
	if (app->too_small) {
		if (c && strcmp(c->name, "quit") == 0)
			app->quit = 1;
		return;
	}
	p = &app->panes[app->focus];
	r = PANE_UNHANDLED;
	if (p->ops->key)
		r = p->ops->key(app, p, key, c ? c->name : NULL);
	if (r & PANE_UNHANDLED) {
		r &= ~PANE_UNHANDLED;
		if (c)
			r |= command_run(app, c);
	}
	app->redraw |= r;
}

static void
read_keys(struct app *app, double arrived, double *keys_at, char (*names)[16], int *nkeys,
    int max)
{
	wint_t wch;
	int rc;
	while ((rc = wget_wch(stdscr, &wch)) != ERR) {
		if (*nkeys < max) {
			keys_at[*nkeys] = arrived;
			if (rc == KEY_CODE_YES || wch < 0x80)
				key_to_name(wch == '\r' || wch == KEY_ENTER ? '\n' : (int)wch,
				    names[*nkeys], sizeof names[0]);
			else
				snprintf(names[*nkeys], sizeof names[0], "U+%04X", (unsigned)wch);
			(*nkeys)++;
		}
		handle_key(app, rc == KEY_CODE_YES, wch);
		if (app->quit)
			break;
	}
}

static void
run_timers(struct app *app)
{
	double now = now_seconds();
	timers_run(app, now);
	if (app->status[STATUS_MESSAGE] && app->status_expires <= now)
		ui_status(app, STATUS_MESSAGE, NULL);
}

static int
poll_timeout_ms(const struct app *app)
{
	double now = now_seconds(), next = now + 60, timer;
	if (timers_next(app, &timer) && timer < next)
		next = timer;
	if (app->status[STATUS_MESSAGE] && app->status_expires < next)
		next = app->status_expires;
	if (app->annot_dirty && app->annot_rebuilt + ANNOT_REBUILD_SECONDS < next)
		next = app->annot_rebuilt + ANNOT_REBUILD_SECONDS;
	return next <= now ? 0 : (int)((next - now) * 1000) + 1;
}

static void
after_batch(struct app *app)
{
	long sel;
	int i;

	if (app->annot_dirty && app->ds &&
	    now_seconds() >= app->annot_rebuilt + ANNOT_REBUILD_SECONDS) {
		view_rebuild(&app->view);
		app->annot_dirty = 0;
		app->annot_rebuilt = now_seconds();
		app->redraw |= REDRAW_FILES;
	}
	sort_feed_start(app);
	sel = app->ds ? view_selected(&app->view) : -1;
	if (sel != app->last_selected) {
		app->last_selected = sel;
		for (i = 0; i < PANE_COUNT; i++)
			if (app->panes[i].ops->select)
				app->panes[i].ops->select(app, &app->panes[i]);
	}
}

void
loop_run(struct app *app, const sigset_t *loop_mask)
{
	enum { MAX_KEYS = 64 };
	double keys_at[MAX_KEYS];
	char names[MAX_KEYS][16];
	int nkeys;
	struct pollfd *fds = NULL;
	size_t capfds = 0, nfds;

	while (!app->quit) {
		struct timespec ts;
		int ms, rc;
		double woke, woke_cpu;

		if (term_quit_signal()) {
			app->quit = 1;
			break;
		}
		if (term_take_winch()) {
			term_resize();
			layout_place(app);
		}
		after_batch(app);
		if (app->redraw)
			layout_draw(app);

		nfds = 2 + app->nwatches;
		fds = xgrow(fds, &capfds, nfds, sizeof *fds);
		fds[0].fd = STDIN_FILENO;
		fds[0].events = POLLIN;
		fds[1].fd = worker_fd(app->workers);
		fds[1].events = POLLIN;
		watches_fill(app, fds + 2);
		ms = poll_timeout_ms(app);
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (long)(ms % 1000) * 1000000;
		rc = ppoll(fds, nfds, &ts, loop_mask);
		if (rc < 0 && errno != EINTR)
			break;
		woke = now_seconds();
		woke_cpu = trace_thread_cpu();
		nkeys = 0;
		if (rc > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (fds[0].revents & (POLLHUP | POLLERR) && !(fds[0].revents & POLLIN)) {
				app->quit = 1;  /* the terminal went away */
				break;
			}
			read_keys(app, woke, keys_at, names, &nkeys, MAX_KEYS);
			/* A hung-up terminal stays readable (read gives EOF or EIO)
			 * with no keys in it: without this the loop would spin. */
			if (nkeys == 0 && (fds[0].revents & (POLLHUP | POLLERR)) &&
			    !app->quit) {
				app->quit = 1;
				break;
			}
		}
		/* Keys first: their frame goes out before any worker's results
		 * are taken in. */
		if (nkeys && !app->quit) {
			after_batch(app);
			if (app->redraw)
				layout_draw(app);
			trace_keys(app, keys_at, names, nkeys, woke_cpu);
		}
		if (rc > 0 && (fds[1].revents & POLLIN))
			worker_dispatch(app->workers);
		if (rc > 0)
			watches_dispatch(app, fds + 2, nfds - 2);
		run_timers(app);
	}
	free(fds);
}
