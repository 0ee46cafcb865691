/* terminal.h — the terminal while the browser runs: curses set up and given
 * back, the signals (whose handlers only set flags the loop reads), and
 * stderr sent to a log file while curses owns the screen. */
#ifndef WINNOW_TERMINAL_H
#define WINNOW_TERMINAL_H

#include <signal.h>

struct app;

/* Install the handlers on the UI thread and block their signals;
 * loop_mask gets the mask to wait with (ppoll), which lets them in. */
void term_signals_install(sigset_t *loop_mask);
/* The quit signal (SIGTERM, SIGINT, SIGHUP) that arrived, or 0. */
int term_quit_signal(void);
/* Whether the window changed size since the last call. */
int term_take_winch(void);

/* Send stderr to winnow.log under $XDG_STATE_HOME (README), and back. */
void term_stderr_to_log(void);
void term_stderr_restore(void);

/* Take the terminal (curses, colours, app->utf8) and give it back. */
void term_start(struct app *app);
void term_end(void);
/* Follow the terminal's new size (curses' idea of it only). */
void term_resize(void);

#endif
