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

/* ---- one piece of work on every core, waited for ----
 *
 * For work the caller waits on (indexing a tree, measuring, hashing,
 * parsing a file in parts), where a pool's hand-back to the UI thread is
 * not wanted. */

/* The online cores, at least 1 and at most `most`. */
unsigned parallel_threads(unsigned most);
typedef void (*parallel_fn)(void *arg, unsigned k);
/* Call fn(arg, k) for k = 0 … n-1, each on a thread of its own (k = 0 on
 * the caller's thread), and return when all have returned. fn shares the
 * work out by k (a part of a range each) or takes it from a queue of its
 * own. A thread that cannot be started costs speed, never work: its k runs
 * on the caller's thread afterwards. The threads start with the caller's
 * signal mask. */
void parallel_for(unsigned n, parallel_fn fn, void *arg);
/* parallel_for with the caller's thread watching instead of working: it
 * calls tick(tick_arg) every 0.1 s while the n threads run, and once more
 * when all have returned (progress on a terminal). */
void parallel_for_watched(unsigned n, parallel_fn fn, void *arg,
    void (*tick)(void *), void *tick_arg);

#endif
