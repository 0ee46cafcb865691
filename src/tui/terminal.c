/* terminal.c — curses taken and given back, signals, stderr to the log
 * (terminal.h). */
#include "config.h"

#include <fcntl.h>
#include <langinfo.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <curses.h>
#include <term.h>

#include "colour.h"
#include "glyphs.h"
#include "terminal.h"
#include "ui.h"
#include "util.h"

/* ---- signals: the handlers set flags; the loop acts on them ---- */

static volatile sig_atomic_t got_winch, got_quit_signal;
static struct termios saved_termios;
static int have_saved_termios;
/* What the crash handler writes to leave the terminal usable: computed
 * while things are sane, written with write(2) only. */
static char crash_reset[256];
static size_t crash_reset_len;

/* The UI thread is the only one with these signals unblocked (inside
 * ppoll), so it is the one they wake. But a library may start threads
 * of its own before main, with every signal unblocked (OpenBLAS does as
 * it loads, which is why embed-analyse.c loads it late): a signal the kernel
 * gives such a thread is sent on to the UI thread, where it waits for
 * ppoll. Handled there, it would set a flag
 * the sleeping loop never sees, or run curses' Ctrl-Z handler in the
 * middle of a frame. */
static pthread_t ui_thread;

static int
on_ui_thread(int sig)
{
	if (pthread_equal(pthread_self(), ui_thread))
		return 1;
	pthread_kill(ui_thread, sig);
	return 0;
}

static void
on_winch(int sig)
{
	if (on_ui_thread(sig))
		got_winch = 1;
}

static void
on_quit_signal(int sig)
{
	if (on_ui_thread(sig))
		got_quit_signal = sig;
}

/* Curses' own Ctrl-Z handler (endwin, stop, redraw on fg), run on the UI
 * thread only. */
static void (*curses_tstp)(int);

static void
on_tstp(int sig)
{
	if (on_ui_thread(sig) && curses_tstp)
		curses_tstp(sig);
}

static void
wrap_curses_tstp(void)
{
	struct sigaction sa;
	if (sigaction(SIGTSTP, NULL, &sa) != 0 || (sa.sa_flags & SA_SIGINFO) ||
	    sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN || sa.sa_handler == on_tstp)
		return;
	curses_tstp = sa.sa_handler;
	sa.sa_handler = on_tstp;
	sigaction(SIGTSTP, &sa, NULL);
}

static void
on_crash(int sig)
{
	ssize_t unused;
	if (crash_reset_len)
		unused = write(STDOUT_FILENO, crash_reset, crash_reset_len);
	(void)unused;
	if (have_saved_termios)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
add_reset(const char *capname)
{
	char *s = tigetstr(capname);
	size_t n;
	if (s == NULL || s == (char *)-1)
		return;
	n = strlen(s);
	if (crash_reset_len + n < sizeof crash_reset) {
		memcpy(crash_reset + crash_reset_len, s, n);
		crash_reset_len += n;
	}
}

static const int quit_signals[] = { SIGTERM, SIGINT, SIGHUP };
static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };

void
term_signals_install(sigset_t *loop_mask)
{
	struct sigaction sa;
	sigset_t block;
	size_t i;

	ui_thread = pthread_self();
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, NULL);
	sa.sa_handler = on_quit_signal;
	for (i = 0; i < ARRAY_SIZE(quit_signals); i++)
		sigaction(quit_signals[i], &sa, NULL);
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	for (i = 0; i < ARRAY_SIZE(crash_signals); i++)
		sigaction(crash_signals[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* Blocked except inside ppoll, so a signal can never slip in between
	 * checking the flags and going to sleep. */
	sigemptyset(&block);
	sigaddset(&block, SIGWINCH);
	/* Ctrl-Z: curses' own handler (endwin, stop, redraw on fg) runs only
	 * on this thread, inside ppoll, never in the middle of a frame. */
	sigaddset(&block, SIGTSTP);
	for (i = 0; i < ARRAY_SIZE(quit_signals); i++)
		sigaddset(&block, quit_signals[i]);
	sigprocmask(SIG_BLOCK, &block, loop_mask);
	for (i = 0; i < ARRAY_SIZE(quit_signals); i++)
		sigdelset(loop_mask, quit_signals[i]);
	sigdelset(loop_mask, SIGWINCH);
	sigdelset(loop_mask, SIGTSTP);
}

/* ---- stderr goes to a log file while curses owns the screen ---- */

static int saved_stderr = -1;

void
term_stderr_to_log(void)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char *dir, *path;
	struct stat st;
	int fd = -1;

	if (state && *state == '/')
		dir = xasprintf("%s/winnow", state);
	else
		dir = xasprintf("%s/.local/state/winnow", home && *home ? home : "/nonexistent");
	path = xasprintf("%s/winnow.log", dir);
	if (mkdir_p(dir, 0700) == 0) {
		/* Keep the log small: start afresh once it passes a megabyte. */
		int trunc = stat(path, &st) == 0 && st.st_size > (1 << 20) ? O_TRUNC : 0;
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | trunc, 0600);
	}
	if (fd < 0)
		fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	free(dir);
	free(path);
	fflush(stderr);
	saved_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (fd >= 0) {
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	{
		char now[32];
		utc_now(now, sizeof now);
		fprintf(stderr, "%s: started %s, pid %ld\n", progname, now, (long)getpid());
	}
}


void
term_stderr_restore(void)
{
	if (saved_stderr < 0)
		return;
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	saved_stderr = -1;
}

int
term_quit_signal(void)
{
	return got_quit_signal;
}

int
term_take_winch(void)
{
	int got = got_winch;
	got_winch = 0;
	return got;
}

/* ---- curses ---- */

void
term_start(struct app *app)
{
	const char *codeset = nl_langinfo(CODESET);

	app->utf8 = codeset && (strcmp(codeset, "UTF-8") == 0 || strcmp(codeset, "utf8") == 0);
	glyphs_set_utf8(app->utf8);
	if (tcgetattr(STDIN_FILENO, &saved_termios) == 0)
		have_saved_termios = 1;
	set_escdelay(25);
	initscr();
	wrap_curses_tstp();
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	colour_start(app);
	crash_reset_len = 0;
	add_reset("sgr0");
	add_reset("cnorm");
	add_reset("rmkx");
	add_reset("rmcup");
}

void
term_end(void)
{
	endwin();
	crash_reset_len = 0;
}

void
term_resize(void)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
}
