/* pred-watch.c — the predictions file watched, and loaded on a thread of
 * its own each time it is whole again (predictions.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "pred-private.h"
#include "predictions.h"

/* A file closed after writing, or renamed into place, is read after this
 * short pause, to let a burst of events pass. A file open for writing is
 * never read while inotify can say when it is closed: a training run may
 * pause for seconds between halves of a rewrite. */
#define SETTLE_SECONDS 0.05
/* Where inotify says nothing (NFS, or no inotify), the file is stat'ed this
 * often, and read once two stats in a row find it the same. */
#define POLL_SECONDS 1.0

struct pred_watch {
	char *file, *base;
	struct dataset *ds;
	struct label_set labels;
	void (*notify)(void *);
	void *arg;

	pthread_t thread;
	int stop_pipe[2];
	int inotify_fd;

	/* The watcher thread's own state. */
	struct pred_stamp loaded, polled;
	int have_loaded, have_polled, missing_told;
	int writing;            /* inotify saw the file written, not yet closed */

	pthread_mutex_t lock;   /* guards the two below */
	struct predictions *ready;
	char *ready_cause;
};

static void
post(struct pred_watch *w, struct predictions *p, char *cause)
{
	pthread_mutex_lock(&w->lock);
	predictions_free(w->ready);
	free(w->ready_cause);
	w->ready = p;
	w->ready_cause = cause;
	pthread_mutex_unlock(&w->lock);
	if (w->notify)
		w->notify(w->arg);
}

/* Load the file when it differs from what was loaded last. Polling
 * (settled) waits until the file has stayed the same since the poll
 * before, so a file still being written is not read half-way. */
static void
watch_try(struct pred_watch *w, int settled)
{
	struct pred_stamp now;
	struct predictions *p;
	char *cause = NULL;
	int moving;

	if (pred_stamp_of(w->file, &now, &cause) != 0) {
		if (!w->missing_told) {
			w->missing_told = 1;
			w->have_loaded = 0;
			post(w, NULL, cause);
		} else {
			free(cause);
		}
		return;
	}
	if (w->have_loaded && pred_stamp_equal(&now, &w->loaded))
		return;
	moving = !w->have_polled || !pred_stamp_equal(&now, &w->polled);
	w->polled = now;
	w->have_polled = 1;
	if (settled && moving)
		return;
	w->missing_told = 0;
	p = predictions_load_with(w->file, w->ds, &w->labels, 1, &cause);
	if (p && p->torn_line) {
		cause = xasprintf("%s: line %zu: the file ends inside a row; it is read "
		    "again when whole", w->file, p->torn_line);
		predictions_free(p);
		p = NULL;
	}
	if (p == NULL) {
		/* Remember the stamp anyway: a garbage file is told about once. */
		w->loaded = now;
		w->have_loaded = 1;
		post(w, NULL, cause);
		return;
	}
	w->loaded = p->stamp;
	w->have_loaded = 1;
	post(w, p, NULL);
}

/* Read a batch of inotify events, keeping w->writing. Returns 1 when the
 * file was closed after writing, replaced or removed (or events were lost),
 * 0 otherwise. */
static int
watch_events(struct pred_watch *w)
{
	char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *e;
	ssize_t n;
	char *q;
	int whole = 0;

	while ((n = read(w->inotify_fd, ev, sizeof ev)) > 0) {
		for (q = ev; q < ev + n; q += sizeof *e + e->len) {
			e = (const struct inotify_event *)q;
			if (!(e->mask & IN_Q_OVERFLOW) &&
			    (e->len == 0 || strcmp(e->name, w->base) != 0))
				continue;
			if (e->mask & (IN_MODIFY | IN_CREATE)) {
				w->writing = 1;
			} else {
				w->writing = 0;
				whole = 1;
			}
		}
	}
	return whole;
}

static void *
watch_thread(void *arg)
{
	struct pred_watch *w = arg;
	double due = 0, next_poll;
	struct pollfd pfd[2];

	watch_try(w, 0);
	next_poll = now_seconds() + POLL_SECONDS;
	for (;;) {
		double now = now_seconds(), until = due ? due : next_poll;
		int timeout = until > now ? (int)((until - now) * 1000) + 1 : 0, nfd = 1;

		pfd[0].fd = w->stop_pipe[0];
		pfd[0].events = POLLIN;
		if (w->inotify_fd >= 0) {
			pfd[1].fd = w->inotify_fd;
			pfd[1].events = POLLIN;
			nfd = 2;
		}
		if (poll(pfd, (nfds_t)nfd, timeout) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents)
			break;
		now = now_seconds();
		if (nfd == 2 && (pfd[1].revents & POLLIN) && watch_events(w))
			due = now + SETTLE_SECONDS;
		/* Opened for writing again since it was closed: its next close
		 * says when it is whole. */
		if (due && now >= due) {
			due = 0;
			if (!w->writing)
				watch_try(w, 0);
			next_poll = now_seconds() + POLL_SECONDS;
		} else if (!due && now >= next_poll) {
			if (!w->writing)
				watch_try(w, 1);
			next_poll = now_seconds() + POLL_SECONDS;
		}
	}
	return NULL;
}

struct pred_watch *
pred_watch_start(const char *file, struct dataset *ds, void (*notify)(void *), void *arg)
{
	struct pred_watch *w = xcalloc(1, sizeof *w);
	char *dir, *slash;

	w->file = xstrdup(file);
	slash = strrchr(w->file, '/');
	w->base = xstrdup(slash ? slash + 1 : w->file);
	dir = slash ? xstrndup(w->file, (size_t)(slash - w->file)) : xstrdup(".");
	if (*dir == '\0') {
		free(dir);
		dir = xstrdup("/");
	}
	w->ds = ds;
	w->notify = notify;
	w->arg = arg;
	label_set_copy(&w->labels, ds);
	dataset_find(ds, "");   /* build the path index before sharing ds */
	pthread_mutex_init(&w->lock, NULL);
	if (pipe2(w->stop_pipe, O_CLOEXEC) != 0)
		die("pipe: %s", strerror(errno));
	/* The folder, not the file: a rename over the file replaces the inode a
	 * file watch would follow. */
	w->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->inotify_fd >= 0 && inotify_add_watch(w->inotify_fd, dir, IN_CLOSE_WRITE |
	    IN_MODIFY | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM) < 0) {
		close(w->inotify_fd);
		w->inotify_fd = -1;
	}
	free(dir);
	if (pthread_create(&w->thread, NULL, watch_thread, w) != 0)
		die("cannot start a thread");
	return w;
}

struct predictions *
pred_watch_take(struct pred_watch *w, char **cause)
{
	struct predictions *p;
	pthread_mutex_lock(&w->lock);
	p = w->ready;
	if (cause)
		*cause = w->ready_cause;
	else
		free(w->ready_cause);
	w->ready = NULL;
	w->ready_cause = NULL;
	pthread_mutex_unlock(&w->lock);
	return p;
}

void
pred_watch_stop(struct pred_watch *w)
{
	if (w == NULL)
		return;
	if (write(w->stop_pipe[1], "x", 1) < 0)
		die("pipe: %s", strerror(errno));
	pthread_join(w->thread, NULL);
	close(w->stop_pipe[0]);
	close(w->stop_pipe[1]);
	if (w->inotify_fd >= 0)
		close(w->inotify_fd);
	pthread_mutex_destroy(&w->lock);
	predictions_free(w->ready);
	free(w->ready_cause);
	label_set_free(&w->labels);
	free(w->file);
	free(w->base);
	free(w);
}
