/* trace.h — --trace FILE: the first frame, the dataset ready, and every
 * key's key-to-frame latency, one line each (README, winnow(1)). */
#ifndef WINNOW_TRACE_H
#define WINNOW_TRACE_H

struct app;

/* Open app->opt.trace when given. Returns 0, or -1 after printing why. */
int trace_open(struct app *app);
/* An event, `ms` after the start. */
void trace_event(struct app *app, const char *what, double ms);
/* Keys answered by one frame: when each arrived (seconds), its name, and
 * the UI thread's CPU time since it woke (thread_cpu at wake-up). */
void trace_keys(struct app *app, const double *arrived, char (*names)[16],
    int nkeys, double woke_cpu);
/* CPU time of the UI thread: tells the work a key costs from the time it
 * waited for a core. */
double trace_thread_cpu(void);
void trace_close(struct app *app);

#endif
