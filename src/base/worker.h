/* worker.h — a small pool of threads for slow work (scanning, decoding,
 * loading), whose results come back to the UI thread.
 *
 * A job is two functions: run(arg) on a worker thread, then done(arg, 0) on
 * the UI thread, called from worker_dispatch() when the event loop sees the
 * pool's wake-up descriptor readable. run must not touch the UI or struct
 * app (except through its own arg); done may. A job that never ran because
 * the pool stopped first gets done(arg, 1): free arg, touch nothing else.
 *
 * Urgent jobs (what the user waits for: a preview, a thumbnail) go ahead of
 * the others, and one thread takes only urgent jobs, so a long background
 * job (a whole-dataset check) never delays a preview.
 *
 * No curses here. */
#ifndef WINNOW_WORKER_H
#define WINNOW_WORKER_H

struct worker_pool;

typedef void (*worker_run_fn)(void *arg);
typedef void (*worker_done_fn)(void *arg, int cancelled);

enum worker_priority { WORKER_BACKGROUND, WORKER_URGENT };

/* Start a pool: nthreads threads for any job (0: one per core) plus one
 * for urgent jobs only. Threads start with every signal blocked but the
 * faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT). Free with worker_stop. */
struct worker_pool *worker_start(int nthreads);
/* Wait for the running jobs to end, cancel the queued ones (done(arg, 1)),
 * join the threads and free the pool. Call from the UI thread. */
void worker_stop(struct worker_pool *pool);
/* Queue a job. run may be NULL (done alone runs on the UI thread: a way for
 * any thread to hand the UI a result, e.g. the player when a clip ends).
 * Thread-safe. */
void worker_submit(struct worker_pool *pool, enum worker_priority prio,
    worker_run_fn run, worker_done_fn done, void *arg);
/* The descriptor the event loop polls for readability. */
int worker_fd(const struct worker_pool *pool);
/* Call the done functions of finished jobs (UI thread). Returns how many. */
int worker_dispatch(struct worker_pool *pool);
/* True once worker_stop has begun: long run functions check it now and
 * then and return early. Thread-safe. */
int worker_stopping(const struct worker_pool *pool);
/* Jobs queued or running (for a "busy" indicator). */
int worker_busy(struct worker_pool *pool);

#endif
