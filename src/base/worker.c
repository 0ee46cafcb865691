/* worker.c — the thread pool (worker.h). Finished jobs wait in a list; one
 * byte in a pipe wakes the UI thread, which calls their done functions. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "worker.h"

struct job {
	worker_run_fn run;
	worker_done_fn done;
	void *arg;
	struct job *next;
};

struct queue {
	struct job *head, *tail;
};

struct worker_pool {
	pthread_mutex_t lock;
	pthread_cond_t cond;            /* a job was queued, or stopping */
	struct queue urgent, background, finished;
	int running;
	int stopping;
	int wake[2];                    /* [0] polled by the UI thread */
	int woken;                      /* a byte is in the pipe */
	pthread_t *threads;
	int nthreads;
};

struct thread_start {
	struct worker_pool *pool;
	int urgent_only;
};

static void
queue_put(struct queue *q, struct job *j)
{
	j->next = NULL;
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
}

static struct job *
queue_take(struct queue *q)
{
	struct job *j = q->head;
	if (j) {
		q->head = j->next;
		if (q->head == NULL)
			q->tail = NULL;
	}
	return j;
}

/* Called with the lock held. */
static void
wake_ui(struct worker_pool *pool)
{
	char c = 0;
	if (pool->woken)
		return;
	pool->woken = 1;
	while (write(pool->wake[1], &c, 1) < 0 && errno == EINTR)
		;
}

static void *
worker_main(void *p)
{
	struct thread_start *ts = p;
	struct worker_pool *pool = ts->pool;
	int urgent_only = ts->urgent_only;
	struct job *j;

	free(ts);
	pthread_mutex_lock(&pool->lock);
	for (;;) {
		j = queue_take(&pool->urgent);
		if (j == NULL && !urgent_only)
			j = queue_take(&pool->background);
		if (j == NULL) {
			if (pool->stopping)
				break;
			pthread_cond_wait(&pool->cond, &pool->lock);
			continue;
		}
		pool->running++;
		pthread_mutex_unlock(&pool->lock);
		j->run(j->arg);
		pthread_mutex_lock(&pool->lock);
		pool->running--;
		queue_put(&pool->finished, j);
		wake_ui(pool);
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

struct worker_pool *
worker_start(int nthreads)
{
	struct worker_pool *pool = xcalloc(1, sizeof *pool);
	sigset_t all, old;
	int i;

	if (nthreads <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		nthreads = n < 1 ? 1 : n > 16 ? 16 : (int)n;
	}
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->cond, NULL);
	if (pipe2(pool->wake, O_CLOEXEC | O_NONBLOCK) != 0)
		die("cannot make a pipe: %s", strerror(errno));

	/* Signals are the UI thread's business (ppoll); threads inherit this.
	 * Not the faults: a blocked SIGSEGV from a fault kills the process
	 * without running the handler that gives the terminal back. */
	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGABRT);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pool->nthreads = nthreads + 1;
	pool->threads = xcalloc(pool->nthreads, sizeof *pool->threads);
	for (i = 0; i < pool->nthreads; i++) {
		struct thread_start *ts = xmalloc(sizeof *ts);
		ts->pool = pool;
		ts->urgent_only = i == 0;
		if (pthread_create(&pool->threads[i], NULL, worker_main, ts) != 0)
			die("cannot start a thread");
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return pool;
}

static void
nothing(void *arg)
{
	(void)arg;
}

void
worker_submit(struct worker_pool *pool, enum worker_priority prio,
    worker_run_fn run, worker_done_fn done, void *arg)
{
	struct job *j = xmalloc(sizeof *j);

	j->run = run ? run : nothing;
	j->done = done;
	j->arg = arg;
	pthread_mutex_lock(&pool->lock);
	if (run == NULL) {
		/* Nothing to run: straight to the UI thread. */
		queue_put(&pool->finished, j);
		wake_ui(pool);
	} else {
		queue_put(prio == WORKER_URGENT ? &pool->urgent : &pool->background, j);
		pthread_cond_broadcast(&pool->cond);
	}
	pthread_mutex_unlock(&pool->lock);
}

int
worker_fd(const struct worker_pool *pool)
{
	return pool->wake[0];
}

int
worker_dispatch(struct worker_pool *pool)
{
	struct job *list, *j;
	char drain[64];
	int n = 0;

	pthread_mutex_lock(&pool->lock);
	while (read(pool->wake[0], drain, sizeof drain) > 0)
		;
	pool->woken = 0;
	list = pool->finished.head;
	pool->finished.head = pool->finished.tail = NULL;
	pthread_mutex_unlock(&pool->lock);

	/* Outside the lock: done functions may submit more jobs. */
	while ((j = list) != NULL) {
		list = j->next;
		if (j->done)
			j->done(j->arg, 0);
		free(j);
		n++;
	}
	return n;
}

int
worker_stopping(const struct worker_pool *pool)
{
	return __atomic_load_n(&pool->stopping, __ATOMIC_RELAXED);
}

int
worker_busy(struct worker_pool *pool)
{
	struct job *j;
	int n;

	pthread_mutex_lock(&pool->lock);
	n = pool->running;
	for (j = pool->urgent.head; j; j = j->next)
		n++;
	for (j = pool->background.head; j; j = j->next)
		n++;
	pthread_mutex_unlock(&pool->lock);
	return n;
}

static void
cancel_all(struct queue *q)
{
	struct job *j;
	while ((j = queue_take(q)) != NULL) {
		if (j->done)
			j->done(j->arg, 1);
		free(j);
	}
}

void
worker_stop(struct worker_pool *pool)
{
	struct queue urgent, background;
	int i;

	if (pool == NULL)
		return;
	pthread_mutex_lock(&pool->lock);
	__atomic_store_n(&pool->stopping, 1, __ATOMIC_RELAXED);
	urgent = pool->urgent;
	background = pool->background;
	pool->urgent.head = pool->urgent.tail = NULL;
	pool->background.head = pool->background.tail = NULL;
	pthread_cond_broadcast(&pool->cond);
	pthread_mutex_unlock(&pool->lock);

	cancel_all(&urgent);
	cancel_all(&background);
	for (i = 0; i < pool->nthreads; i++)
		pthread_join(pool->threads[i], NULL);
	/* Finished but not dispatched: the UI is gone, so cancelled too. */
	cancel_all(&pool->finished);

	close(pool->wake[0]);
	close(pool->wake[1]);
	pthread_cond_destroy(&pool->cond);
	pthread_mutex_destroy(&pool->lock);
	free(pool->threads);
	free(pool);
}

/* ---- parallel_for ---- */

unsigned
parallel_threads(unsigned most)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	if (most < 1)
		most = 1;
	return n < 1 ? 1 : (unsigned long)n > most ? most : (unsigned)n;
}

struct parallel {
	parallel_fn fn;
	void *arg;
	atomic_uint running;
};

struct parallel_start {
	struct parallel *p;
	unsigned k;
};

static void *
parallel_main(void *arg)
{
	struct parallel_start *st = arg;
	st->p->fn(st->p->arg, st->k);
	atomic_fetch_sub(&st->p->running, 1);
	return NULL;
}

static void
parallel_run(unsigned n, parallel_fn fn, void *arg, void (*tick)(void *),
    void *tick_arg)
{
	struct parallel p = { .fn = fn, .arg = arg };
	struct parallel_start *st = xcalloc(n ? n : 1, sizeof *st);
	pthread_t *th = xcalloc(n ? n : 1, sizeof *th);
	unsigned char *started = xcalloc(n ? n : 1, 1);
	unsigned k, first = tick ? 0 : 1;

	atomic_init(&p.running, 0);
	for (k = first; k < n; k++) {
		st[k] = (struct parallel_start){ &p, k };
		atomic_fetch_add(&p.running, 1);
		if (pthread_create(&th[k], NULL, parallel_main, &st[k]) == 0)
			started[k] = 1;
		else
			atomic_fetch_sub(&p.running, 1);
	}
	if (tick != NULL) {
		struct timespec step = { 0, 100000000 };
		while (atomic_load(&p.running) > 0) {
			tick(tick_arg);
			nanosleep(&step, NULL);
		}
	} else if (n > 0) {
		fn(arg, 0);
	}
	for (k = first; k < n; k++)
		if (started[k])
			pthread_join(th[k], NULL);
	for (k = first; k < n; k++)
		if (!started[k])
			fn(arg, k);
	if (tick != NULL)
		tick(tick_arg);
	free(started);
	free(th);
	free(st);
}

void
parallel_for(unsigned n, parallel_fn fn, void *arg)
{
	parallel_run(n, fn, arg, NULL, NULL);
}

void
parallel_for_watched(unsigned n, parallel_fn fn, void *arg,
    void (*tick)(void *), void *tick_arg)
{
	parallel_run(n, fn, arg, tick, tick_arg);
}
