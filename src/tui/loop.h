/* loop.h — the browser's one event loop (ui.h says how the parts use it). */
#ifndef WINNOW_LOOP_H
#define WINNOW_LOOP_H

#include <signal.h>

struct app;

/* Run until app->quit or a quit signal: poll (with loop_mask, which lets
 * the signals in) the terminal, the workers and the watched descriptors;
 * hand keys to the prompt, the help, the focused pane or its command; run
 * timers; draw what was asked for after each batch. */
void loop_run(struct app *app, const sigset_t *loop_mask);

#endif
