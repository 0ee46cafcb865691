/* ui.c — the browser's terminal, layout, frame, status line, overlays and
 * its one event loop (ui.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include <curses.h>
#include <term.h>

#include "annot.h"
#include "check-feed.h"
#include "commands.h"
#include "dataset.h"
#include "decide.h"
#include "embed-feed.h"
#include "settings.h"
#include "ui.h"
#include "util.h"

/* An overlay opened, changed or closed: the frame and status again, and
 * the panes copied back where it was, without drawing them anew. */
#define REDRAW_OVERLAY (REDRAW_FRAME | REDRAW_STATUS)

/* The smallest terminal the layout is made for. */
#define MIN_COLS 80
#define MIN_LINES 24
/* Transient status messages last this long. */
#define MESSAGE_SECONDS 5.0
/* Re-sorting after annotations change at most this often. */
#define ANNOT_REBUILD_SECONDS 0.5

/* Parts without a pane, told when the dataset is ready and at exit. */
static const struct part {
	void (*ready)(struct app *);
	void (*end)(struct app *);
} parts[] = {
	{ embed_feed_ready, embed_feed_end },
	{ decide_ready, decide_end },
	{ checks_ready, checks_end },
};

static const struct pane_ops *const pane_ops[PANE_COUNT] = {
	[PANE_FILES] = &files_pane_ops,
	[PANE_PREVIEW] = &preview_pane_ops,
	[PANE_CONFUSION] = &confusion_pane_ops,
	[PANE_CLUSTER] = &cluster_pane_ops,
};

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
 * it loads, which is why embed.c loads it late): a signal the kernel
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

static void
install_signals(sigset_t *loop_mask)
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

static void
stderr_to_log(void)
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

static void panes_end(struct app *app);

static void
stderr_restore(void)
{
	if (saved_stderr < 0)
		return;
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	saved_stderr = -1;
}

/* ---- colours ---- */

struct role_style {
	const char *name;               /* in config.yaml `colours:` */
	short fg256, bg256, fg8, bg8;   /* -1: default */
	attr_t attr;                    /* with colours */
	attr_t mono;                    /* without (NO_COLOR, or no colour) */
};

static struct role_style styles[ROLE_COUNT] = {
	[ROLE_NORMAL] = { "normal", -1, -1, -1, -1, 0, 0 },
	[ROLE_BORDER] = { "border", 244, -1, -1, -1, 0, 0 },
	[ROLE_TITLE] = { "title", 250, -1, -1, -1, A_BOLD, A_BOLD },
	[ROLE_TITLE_FOCUS] = { "title-focus", 16, 117, COLOR_BLACK, COLOR_CYAN, A_BOLD, A_REVERSE | A_BOLD },
	[ROLE_SELECTED] = { "selected", 231, 25, COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE },
	[ROLE_SELECTED_UNFOCUSED] = { "selected-unfocused", 231, 239, COLOR_BLACK, COLOR_WHITE, 0, A_UNDERLINE },
	[ROLE_DIM] = { "dim", 245, -1, -1, -1, 0, A_DIM },
	[ROLE_LABEL] = { "label", 110, -1, COLOR_CYAN, -1, 0, 0 },
	[ROLE_BADGE] = { "badge", 214, -1, COLOR_YELLOW, -1, 0, A_BOLD },
	[ROLE_PRED_AGREE] = { "pred-agree", 108, -1, COLOR_GREEN, -1, 0, 0 },
	[ROLE_PRED_DISAGREE] = { "pred-disagree", 203, -1, COLOR_RED, -1, A_BOLD, A_BOLD },
	[ROLE_DECISION_RELABEL] = { "relabel", 220, -1, COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[ROLE_DECISION_DELETE] = { "delete", 196, -1, COLOR_RED, -1, A_BOLD, A_BOLD },
	[ROLE_DECISION_ACCEPT] = { "accept", 41, -1, COLOR_GREEN, -1, A_BOLD, A_BOLD },
	[ROLE_DECISION_FLAG] = { "flag", 171, -1, COLOR_MAGENTA, -1, A_BOLD, A_BOLD },
	[ROLE_STATUS] = { "status", 250, -1, -1, -1, 0, 0 },
	[ROLE_ERROR] = { "error", 196, -1, COLOR_RED, -1, A_BOLD, A_BOLD },
	[ROLE_PROMPT] = { "prompt", -1, -1, -1, -1, A_BOLD, A_BOLD },
};
static attr_t role_attr[ROLE_COUNT];

/* Heat map from cold to hot (viridis-like on 256 colours). */
static const short heat256[] = { 17, 18, 24, 30, 36, 37, 72, 71, 107, 143, 179, 214, 220, 226 };
static const short heat8[] = { COLOR_BLUE, COLOR_CYAN, COLOR_GREEN, COLOR_YELLOW, COLOR_RED };
static const short labels256[] = { 81, 214, 120, 204, 141, 226, 45, 208, 157, 219, 111, 192 };
static const short labels8[] = { COLOR_CYAN, COLOR_YELLOW, COLOR_GREEN, COLOR_MAGENTA,
	COLOR_BLUE, COLOR_RED, COLOR_WHITE };
/* Fixed pairs: 1.. roles, then heat map, then labels; ui_pair above,
 * right after them: TERM=xterm has only 64 pairs. */
#define PAIR_HEAT (ROLE_COUNT + 1)
#define PAIR_LABELS (PAIR_HEAT + (int)ARRAY_SIZE(heat256))
#define PAIR_DYNAMIC (PAIR_LABELS + (int)ARRAY_SIZE(labels256))

static const char *const colour_names[] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
};

/* A colour word: a name, "default", or a number 0-255. */
static int
parse_colour(const char *w, short *out)
{
	size_t i;
	char *end;
	long n;
	if (strcmp(w, "default") == 0) {
		*out = -1;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(colour_names); i++)
		if (strcmp(w, colour_names[i]) == 0) {
			*out = (short)i;
			return 0;
		}
	n = strtol(w, &end, 10);
	if (end != w && *end == '\0' && n >= 0 && n <= 255) {
		*out = (short)n;
		return 0;
	}
	return -1;
}

/* "[bold|dim|underline|reverse]... [FG [on BG]]", or "none". */
static int
parse_style(const char *text, struct role_style *st)
{
	char *copy = xstrdup(text), *save = NULL, *w;
	short fg = -1, bg = -1;
	attr_t attr = 0;
	int on = 0, nfg = 0, rc = 0;

	for (w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (strcmp(w, "none") == 0)
			continue;
		if (strcmp(w, "bold") == 0)
			attr |= A_BOLD;
		else if (strcmp(w, "dim") == 0)
			attr |= A_DIM;
		else if (strcmp(w, "underline") == 0)
			attr |= A_UNDERLINE;
		else if (strcmp(w, "reverse") == 0)
			attr |= A_REVERSE;
		else if (strcmp(w, "on") == 0 && !on)
			on = 1;
		else if (parse_colour(w, on ? &bg : &fg) == 0 && (on || nfg++ == 0))
			;
		else
			rc = -1;
	}
	free(copy);
	if (rc == 0) {
		st->fg256 = st->fg8 = fg;
		st->bg256 = st->bg8 = bg;
		st->attr = attr;
		st->mono = attr ? attr : st->mono;
	}
	return rc;
}

static int
configure_colours(char **cause)
{
	const struct setting *s;
	size_t n, i;
	int r;

	s = settings_section("colours", &n);
	for (i = 0; i < n; i++) {
		for (r = 0; r < ROLE_COUNT; r++)
			if (strcmp(styles[r].name, s[i].name) == 0)
				break;
		if (r == ROLE_COUNT) {
			settings_error(cause, &s[i], "colours: no role '%s'", s[i].name);
			return -1;
		}
		if (parse_style(s[i].value, &styles[r]) != 0) {
			settings_error(cause, &s[i], "colours: %s: cannot read '%s' "
			    "(e.g. \"bold yellow on 236\")", s[i].name, s[i].value);
			return -1;
		}
	}
	return 0;
}

static void
init_colours(struct app *app)
{
	const char *no_color = getenv("NO_COLOR");
	int r, i, big;

	app->colours = 0;
	if ((no_color == NULL || *no_color == '\0') && has_colors()) {
		start_color();
		use_default_colors();
		app->colours = COLORS >= 0x1000000 ? 0x1000000 : COLORS >= 256 ? 256 : 8;
	}
	big = app->colours >= 256;
	for (r = 0; r < ROLE_COUNT; r++) {
		const struct role_style *st = &styles[r];
		if (app->colours == 0) {
			role_attr[r] = st->mono;
			continue;
		}
		init_pair((short)(r + 1), big ? st->fg256 : st->fg8, big ? st->bg256 : st->bg8);
		role_attr[r] = COLOR_PAIR(r + 1) | st->attr;
	}
	if (app->colours) {
		for (i = 0; i < (int)ARRAY_SIZE(heat256); i++)
			init_pair((short)(PAIR_HEAT + i), big ? COLOR_BLACK : COLOR_BLACK,
			    big ? heat256[i] : heat8[i * (int)ARRAY_SIZE(heat8) / (int)ARRAY_SIZE(heat256)]);
		for (i = 0; i < (int)ARRAY_SIZE(labels256); i++)
			init_pair((short)(PAIR_LABELS + i),
			    big ? labels256[i] : labels8[i % (int)ARRAY_SIZE(labels8)], -1);
	}
}

attr_t
ui_attr(const struct app *app, enum ui_role role)
{
	return (unsigned)role < ROLE_COUNT ? role_attr[role] : 0;
}

attr_t
ui_heat_attr(const struct app *app, double v)
{
	int n = (int)ARRAY_SIZE(heat256), i;
	if (!(v >= 0))
		v = 0;
	if (v > 1)
		v = 1;
	i = (int)(v * (n - 1) + 0.5);
	if (app->colours == 0)
		return v < 0.25 ? A_NORMAL : v < 0.5 ? A_DIM : v < 0.75 ? A_BOLD : A_REVERSE;
	return COLOR_PAIR(PAIR_HEAT + i);
}

attr_t
ui_label_attr(const struct app *app, unsigned label)
{
	if (app->colours == 0)
		return A_NORMAL;
	return COLOR_PAIR(PAIR_LABELS + (int)(label % ARRAY_SIZE(labels256)));
}

/* Dynamic pairs: a small open-addressing table (fg, bg) → pair. When the
 * terminal's pairs run out, the table starts over. */
static struct {
	int *fg, *bg, *pair;
	size_t cap;
	int next;
} pairs;

int
ui_pair(struct app *app, int fg, int bg)
{
	size_t h, i;
	if (app->colours == 0)
		return 0;
	if (pairs.cap == 0) {
		pairs.cap = 4096;
		pairs.fg = xmalloc(pairs.cap * sizeof *pairs.fg);
		pairs.bg = xmalloc(pairs.cap * sizeof *pairs.bg);
		pairs.pair = xcalloc(pairs.cap, sizeof *pairs.pair);
		pairs.next = PAIR_DYNAMIC;
	}
	h = ((size_t)(fg + 1) * 2654435761u ^ (size_t)(bg + 1) * 40503u) % pairs.cap;
	for (i = 0; i < pairs.cap; i++, h = (h + 1) % pairs.cap) {
		if (pairs.pair[h] == 0)
			break;
		if (pairs.fg[h] == fg && pairs.bg[h] == bg)
			return pairs.pair[h];
	}
	if (pairs.next >= COLOR_PAIRS || i == pairs.cap || pairs.next - PAIR_DYNAMIC >= (int)pairs.cap / 2) {
		memset(pairs.pair, 0, pairs.cap * sizeof *pairs.pair);
		pairs.next = PAIR_DYNAMIC;
		if (pairs.next >= COLOR_PAIRS)
			return 0;
		h = ((size_t)(fg + 1) * 2654435761u ^ (size_t)(bg + 1) * 40503u) % pairs.cap;
	}
	if (init_extended_pair(pairs.next, fg, bg) != OK)
		return 0;
	pairs.fg[h] = fg;
	pairs.bg[h] = bg;
	pairs.pair[h] = pairs.next;
	return pairs.next++;
}

/* ---- text ---- */

/* Whether the locale decodes UTF-8 (app->utf8, for the text functions). */
static int locale_utf8 = 1;

/* Punctuation the interface writes, for terminals without UTF-8. */
static const struct {
	const char *utf8, *ascii;
} fallbacks[] = {
	{ "·", "-" }, { "…", "..." }, { "→", "->" }, { "×", "x" },
	{ "—", "-" }, { "–", "-" }, { "─", "-" }, { "│", "|" },
};

/* Next character of s (n bytes) as up to three wide chars in out (*nout of
 * them; L'?' for what the locale cannot show), their display width, and
 * the bytes read (>= 1). */
static size_t
next_char(const char *s, size_t n, wchar_t out[3], int *nout, int *width)
{
	mbstate_t st;
	size_t k, i;

	if (!locale_utf8 && (unsigned char)*s >= 0x80) {
		for (i = 0; i < ARRAY_SIZE(fallbacks); i++) {
			size_t len = strlen(fallbacks[i].utf8);
			if (len <= n && memcmp(s, fallbacks[i].utf8, len) == 0) {
				for (k = 0; fallbacks[i].ascii[k]; k++)
					out[k] = (wchar_t)fallbacks[i].ascii[k];
				*nout = *width = (int)k;
				return len;
			}
		}
	}
	*nout = 1;
	memset(&st, 0, sizeof st);
	k = mbrtowc(out, s, n, &st);
	if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
		out[0] = L'?';
		*width = 1;
		return 1;
	}
	*width = wcwidth(out[0]);
	if (*width < 0) {
		out[0] = L'?';
		*width = 1;
	}
	return k;
}

int
ui_width(const char *s)
{
	size_t n = strlen(s), i = 0;
	int cols = 0, w, nw;
	wchar_t wc[3];
	while (i < n) {
		i += next_char(s + i, n - i, wc, &nw, &w);
		cols += w;
	}
	return cols;
}

const char *
ui_tail(const char *s, int cols)
{
	size_t n = strlen(s), i = 0;
	int skip = ui_width(s) - cols, w, nw;
	wchar_t wc[3];
	while (i < n && skip > 0) {
		i += next_char(s + i, n - i, wc, &nw, &w);
		skip -= w;
	}
	return s + i;
}

int
ui_putn(const struct app *app, WINDOW *win, int y, int x, const char *s, int cols)
{
	wchar_t out[512];
	size_t n = strlen(s), i = 0, k = 0;
	int used = 0, w, nw, j;
	wchar_t wc[3];

	while (i < n && k < ARRAY_SIZE(out) - 4) {
		size_t len = next_char(s + i, n - i, wc, &nw, &w);
		if (used + w > cols)
			break;
		for (j = 0; j < nw; j++)
			out[k++] = wc[j];
		used += w;
		i += len;
	}
	out[k] = L'\0';
	if (k)
		mvwaddnwstr(win, y, x, out, (int)k);
	return used;
}

void
ui_count(char *buf, size_t size, size_t n)
{
	char digits[32];
	size_t len, i, o = 0;
	snprintf(digits, sizeof digits, "%zu", n);
	len = strlen(digits);
	for (i = 0; i < len && o + 2 < size; i++) {
		if (i && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
}

/* Box-drawing pieces, UTF-8 or ASCII. */
enum { BX_H, BX_V, BX_TL, BX_TR, BX_BL, BX_BR, BX_TDOWN, BX_TUP, BX_TRIGHT, BX_TLEFT, BX_COUNT };
static const char *const box_utf8[BX_COUNT] = { "─", "│", "┌", "┐", "└", "┘", "┬", "┴", "├", "┤" };
static const char *const box_ascii[BX_COUNT] = { "-", "|", "+", "+", "+", "+", "+", "+", "+", "+" };

static const char *
bx(const struct app *app, int piece)
{
	return app->utf8 ? box_utf8[piece] : box_ascii[piece];
}

static void
draw_hline(const struct app *app, WINDOW *w, int y, int x, int n)
{
	while (n-- > 0)
		mvwaddstr(w, y, x++, bx(app, BX_H));
}

void
ui_box(const struct app *app, WINDOW *w)
{
	int h = getmaxy(w), wd = getmaxx(w), y;
	wattrset(w, ui_attr(app, ROLE_BORDER));
	mvwaddstr(w, 0, 0, bx(app, BX_TL));
	draw_hline(app, w, 0, 1, wd - 2);
	mvwaddstr(w, 0, wd - 1, bx(app, BX_TR));
	for (y = 1; y < h - 1; y++) {
		mvwaddstr(w, y, 0, bx(app, BX_V));
		mvwaddstr(w, y, wd - 1, bx(app, BX_V));
	}
	mvwaddstr(w, h - 1, 0, bx(app, BX_BL));
	draw_hline(app, w, h - 1, 1, wd - 2);
	mvwaddstr(w, h - 1, wd - 1, bx(app, BX_BR));
	wattrset(w, A_NORMAL);
}

/* ---- status ---- */

static void
set_slot(struct app *app, enum status_slot slot, const char *fmt, va_list ap)
{
	free(app->status[slot]);
	app->status[slot] = fmt ? xvasprintf(fmt, ap) : NULL;
	app->redraw |= REDRAW_STATUS;
}

void
ui_status(struct app *app, enum status_slot slot, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_slot(app, slot, fmt, ap);
	va_end(ap);
}

void
ui_message(struct app *app, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_slot(app, STATUS_MESSAGE, fmt, ap);
	va_end(ap);
	app->status_error = 0;
	app->status_expires = now_seconds() + MESSAGE_SECONDS;
}

void
ui_error(struct app *app, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_slot(app, STATUS_MESSAGE, fmt, ap);
	va_end(ap);
	app->status_error = 1;
	app->status_expires = now_seconds() + 2 * MESSAGE_SECONDS;
}

void
ui_redraw(struct app *app, unsigned what)
{
	app->redraw |= what;
}

/* ---- selection, focus, filters ---- */

long
ui_selected(const struct app *app)
{
	return app->ds ? view_selected(&app->view) : -1;
}

int
ui_select_sample(struct app *app, uint32_t i)
{
	if (app->ds == NULL || !view_select_sample(&app->view, i))
		return 0;
	app->redraw |= REDRAW_FILES;
	return 1;
}

void
ui_focus(struct app *app, enum pane_id id)
{
	/* Both panes may draw themselves differently with the focus. */
	if (id != app->focus)
		app->redraw |= REDRAW_FRAME | (1u << id) | (1u << app->focus);
	app->focus = id;
}

static void layout(struct app *app);

void
ui_show_bottom(struct app *app, enum pane_id id)
{
	if (id != PANE_CONFUSION && id != PANE_CLUSTER)
		return;
	if (app->focus == app->bottom)
		app->focus = id;
	app->bottom = id;
	layout(app);
}

void
ui_annotations_changed(struct app *app)
{
	if (view_uses_annotations(&app->view))
		app->annot_dirty = 1;
	app->redraw |= REDRAW_FILES;
}

void
ui_annotations_subscribe(struct app *app,
    void (*fn)(struct app *, long sample, void *arg), void *arg)
{
	if (app->nlisteners == ANNOT_LISTENERS)
		die("more than %d annotation listeners", ANNOT_LISTENERS);
	app->listeners[app->nlisteners].fn = fn;
	app->listeners[app->nlisteners].arg = arg;
	app->nlisteners++;
}

void
ui_annotations_notify(struct app *app, long sample)
{
	size_t i;
	for (i = 0; i < app->nlisteners; i++)
		app->listeners[i].fn(app, sample, app->listeners[i].arg);
}

int
ui_filter_push(struct app *app, const char *expr, enum sort_key sort, char **cause)
{
	struct filter *f;
	if (app->ds == NULL) {
		set_cause(cause, "still indexing");
		return -1;
	}
	if ((f = filter_parse(app->ds, expr, cause)) == NULL)
		return -1;
	view_push_filter_sorted(&app->view, f, sort);
	app->redraw |= REDRAW_FILES | REDRAW_FRAME;
	return 0;
}

void
ui_filter_push_set(struct app *app, const uint32_t *samples, size_t n,
    const char *title, enum sort_key sort)
{
	if (app->ds == NULL)
		return;
	view_push_filter_sorted(&app->view, filter_from_set(app->ds, samples, n, title), sort);
	app->redraw |= REDRAW_FILES | REDRAW_FRAME;
}

int
ui_filter_pop(struct app *app)
{
	if (!view_pop_filter(&app->view))
		return 0;
	app->redraw |= REDRAW_FILES | REDRAW_FRAME;
	return 1;
}

/* ---- timers and watched descriptors ---- */

struct timer {
	double when;
	void (*fn)(struct app *, void *);
	void *arg;
	struct timer *next;
};

void
ui_after(struct app *app, double seconds, void (*fn)(struct app *, void *), void *arg)
{
	struct timer *t = xmalloc(sizeof *t), **pp;
	t->when = now_seconds() + seconds;
	t->fn = fn;
	t->arg = arg;
	for (pp = &app->timers; *pp && (*pp)->when <= t->when; pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
}

struct watch {
	int fd;
	void (*fn)(struct app *, int, void *);
	void *arg;
};

void
ui_watch_fd(struct app *app, int fd, void (*fn)(struct app *, int, void *), void *arg)
{
	app->watches = xgrow(app->watches, &app->capwatches, app->nwatches + 1,
	    sizeof *app->watches);
	app->watches[app->nwatches].fd = fd;
	app->watches[app->nwatches].fn = fn;
	app->watches[app->nwatches].arg = arg;
	app->nwatches++;
}

void
ui_unwatch_fd(struct app *app, int fd)
{
	size_t i;
	for (i = 0; i < app->nwatches; i++)
		if (app->watches[i].fd == fd) {
			memmove(&app->watches[i], &app->watches[i + 1],
			    (app->nwatches - i - 1) * sizeof *app->watches);
			app->nwatches--;
			return;
		}
}

/* ---- prompt ---- */

struct prompt {
	char *label;
	struct buf text;
	size_t cursor;                  /* byte offset in text */
	char **cands;
	size_t ncands;
	size_t *matches;
	struct listview menu;           /* over matches */
	int menu_chosen;                /* the user moved in the menu */
	unsigned flags;
	int confirm;
	void (*done)(struct app *, const char *, void *);
	void (*confirm_done)(struct app *, int, void *);
	void *arg;
	WINDOW *menuwin;
};

static void
prompt_free(struct prompt *p)
{
	size_t i;
	for (i = 0; i < p->ncands; i++)
		free(p->cands[i]);
	free(p->cands);
	free(p->matches);
	free(p->label);
	buf_free(&p->text);
	if (p->menuwin)
		delwin(p->menuwin);
	free(p);
}

/* Start of the word completion works on. */
static size_t
prompt_word(const struct prompt *p)
{
	size_t i = p->text.len;
	if (!(p->flags & PROMPT_WORDS))
		return 0;
	while (i > 0 && p->text.data[i - 1] != ' ')
		i--;
	return i;
}

/* Candidates for the current word: prefix matches first, then the ones
 * containing it, each group in the caller's order. */
static void
prompt_match(struct prompt *p)
{
	const char *word = buf_str(&p->text) + prompt_word(p);
	size_t i, n = 0, wl = strlen(word);
	int pass;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < p->ncands; i++) {
			int prefix = strncasecmp(p->cands[i], word, wl) == 0;
			if (pass == 0 ? prefix : (!prefix && wl && strcasestr(p->cands[i], word)))
				p->matches[n++] = i;
		}
	listview_set_count(&p->menu, n);
	p->menu.sel = 0;
	p->menu.top = 0;
	p->menu_chosen = 0;
}

static void
prompt_set_word(struct prompt *p, const char *s)
{
	size_t start = prompt_word(p);
	p->text.len = start;
	buf_adds(&p->text, s);
	p->cursor = p->text.len;
}

static void
prompt_complete(struct prompt *p)
{
	size_t i, lcp, n = p->menu.n;
	const char *first, *word;

	if (n == 0)
		return;
	if (n == 1) {
		prompt_set_word(p, p->cands[p->matches[0]]);
		if ((p->flags & PROMPT_WORDS) && p->text.data[p->text.len - 1] != '=')
			buf_addc(&p->text, ' ');
		p->cursor = p->text.len;
		prompt_match(p);
		return;
	}
	/* Longest common prefix of the prefix matches; when the word is that
	 * already, Tab steps through the menu. */
	first = p->cands[p->matches[0]];
	lcp = strlen(first);
	word = buf_str(&p->text) + prompt_word(p);
	for (i = 1; i < n; i++) {
		const char *c = p->cands[p->matches[i]];
		size_t k = 0;
		if (strncasecmp(c, word, strlen(word)) != 0)
			break;
		while (k < lcp && c[k] == first[k])
			k++;
		lcp = k;
	}
	if (lcp > strlen(word) && strncasecmp(first, word, strlen(word)) == 0) {
		char *pre = xstrndup(first, lcp);
		prompt_set_word(p, pre);
		free(pre);
		prompt_match(p);
		return;
	}
	if (p->menu_chosen)
		listview_move(&p->menu, 1);
	p->menu_chosen = 1;
	prompt_set_word(p, p->cands[p->matches[p->menu.sel]]);
}

int
ui_prompt(struct app *app, const char *label, const char *initial,
    const char *const *candidates, size_t ncandidates, unsigned flags,
    void (*done)(struct app *, const char *, void *), void *arg)
{
	struct prompt *p;
	size_t i;

	if (app->prompt)
		return -1;
	p = xcalloc(1, sizeof *p);
	p->label = xstrdup(label);
	buf_adds(&p->text, initial ? initial : "");
	p->cursor = p->text.len;
	p->ncands = candidates ? ncandidates : 0;
	p->cands = xmalloc((p->ncands ? p->ncands : 1) * sizeof *p->cands);
	for (i = 0; i < p->ncands; i++)
		p->cands[i] = xstrdup(candidates[i]);
	p->matches = xmalloc((p->ncands ? p->ncands : 1) * sizeof *p->matches);
	p->flags = flags;
	p->done = done;
	p->arg = arg;
	prompt_match(p);
	app->prompt = p;
	curs_set(1);
	app->redraw |= REDRAW_OVERLAY;
	return 0;
}

int
ui_confirm(struct app *app, const char *question,
    void (*done)(struct app *, int, void *), void *arg)
{
	char *label;
	if (app->prompt)
		return -1;
	label = xasprintf("%s (y/n) ", question);
	ui_prompt(app, label, "", NULL, 0, 0, NULL, arg);
	free(label);
	app->prompt->confirm = 1;
	app->prompt->confirm_done = done;
	curs_set(0);
	return 0;
}

/* Close the prompt before calling its function, which may open another. */
static void
prompt_finish(struct app *app, int accepted, int yes)
{
	struct prompt *p = app->prompt;
	app->prompt = NULL;
	curs_set(0);
	app->redraw |= REDRAW_OVERLAY;
	if (p->confirm) {
		if (p->confirm_done)
			p->confirm_done(app, accepted && yes, p->arg);
	} else if (p->done)
		p->done(app, accepted ? buf_str(&p->text) : NULL, p->arg);
	prompt_free(p);
}

static size_t
utf8_prev(const char *s, size_t i)
{
	while (i > 0 && ((unsigned char)s[--i] & 0xc0) == 0x80)
		;
	return i;
}

static size_t
utf8_next(const char *s, size_t len, size_t i)
{
	if (i < len)
		i++;
	while (i < len && ((unsigned char)s[i] & 0xc0) == 0x80)
		i++;
	return i;
}

static void
prompt_delete(struct prompt *p, size_t from, size_t to)
{
	memmove(p->text.data + from, p->text.data + to, p->text.len - to + 1);
	p->text.len -= to - from;
	p->cursor = from;
}

/* A key for the prompt: wch is a character when is_key is 0. */
static void
prompt_key(struct app *app, int is_key, wint_t wch)
{
	struct prompt *p = app->prompt;
	int key = is_key ? (int)wch : wch < 0x80 ? (int)wch : -1;
	char *s = p->text.data;
	size_t len = p->text.len;

	app->redraw |= REDRAW_STATUS;
	if (p->confirm) {
		if (key == 'y' || key == 'Y')
			prompt_finish(app, 1, 1);
		else if (key == 'n' || key == 'N' || key == 27 || key == 7)
			prompt_finish(app, 0, 0);
		return;
	}
	switch (key) {
	case 27:
	case 7:                                 /* C-g */
		prompt_finish(app, 0, 0);
		return;
	case '\n':
	case '\r':
	case KEY_ENTER:
		prompt_finish(app, 1, 0);
		return;
	case '\t':
		prompt_complete(p);
		app->redraw |= REDRAW_OVERLAY;
		return;
	case KEY_DOWN:
	case KEY_UP:
	case KEY_BTAB:
		if (p->menu.n) {
			if (p->menu_chosen)
				listview_move(&p->menu, key == KEY_DOWN ? 1 : -1);
			p->menu_chosen = 1;
			prompt_set_word(p, p->cands[p->matches[p->menu.sel]]);
			app->redraw |= REDRAW_OVERLAY;
		}
		return;
	case KEY_LEFT:
	case 2:                                 /* C-b */
		p->cursor = utf8_prev(s, p->cursor);
		return;
	case KEY_RIGHT:
	case 6:                                 /* C-f */
		p->cursor = utf8_next(s, len, p->cursor);
		return;
	case KEY_HOME:
	case 1:                                 /* C-a */
		p->cursor = 0;
		return;
	case KEY_END:
	case 5:                                 /* C-e */
		p->cursor = len;
		return;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (p->cursor > 0)
			prompt_delete(p, utf8_prev(s, p->cursor), p->cursor);
		break;
	case KEY_DC:
	case 4:                                 /* C-d */
		if (p->cursor < len)
			prompt_delete(p, p->cursor, utf8_next(s, len, p->cursor));
		break;
	case 21:                                /* C-u */
		prompt_delete(p, 0, p->cursor);
		break;
	case 11:                                /* C-k */
		p->text.len = p->cursor;
		p->text.data[p->cursor] = '\0';
		break;
	case 23: {                              /* C-w */
		size_t i = p->cursor;
		while (i > 0 && s[i - 1] == ' ')
			i--;
		while (i > 0 && s[i - 1] != ' ')
			i--;
		prompt_delete(p, i, p->cursor);
		break;
	}
	default: {
		char mb[MB_LEN_MAX];
		mbstate_t st;
		size_t n;
		if (is_key || wch < 0x20 || wch == 0x7f)
			return;
		memset(&st, 0, sizeof st);
		n = wcrtomb(mb, (wchar_t)wch, &st);
		if (n == (size_t)-1)
			return;
		buf_add(&p->text, mb, n);       /* grows; then move into place */
		s = p->text.data;
		memmove(s + p->cursor + n, s + p->cursor, len - p->cursor);
		memcpy(s + p->cursor, mb, n);
		p->cursor += n;
		break;
	}
	}
	prompt_match(p);
	app->redraw |= REDRAW_OVERLAY;
}

/* ---- help overlay ---- */

struct help {
	struct listview lv;
	WINDOW *win;
};

void
ui_help_open(struct app *app)
{
	if (app->help == NULL)
		app->help = xcalloc(1, sizeof *app->help);
	listview_set_count(&app->help->lv, ncommands);
	app->redraw |= REDRAW_OVERLAY;
}

int
ui_overlay_close(struct app *app)
{
	if (app->prompt) {
		prompt_finish(app, 0, 0);
		return 1;
	}
	if (app->help) {
		if (app->help->win)
			delwin(app->help->win);
		free(app->help);
		app->help = NULL;
		app->redraw |= REDRAW_OVERLAY;
		return 1;
	}
	return 0;
}

static void
help_row(void *arg, WINDOW *w, int y, int width, size_t row, int selected)
{
	enum { KEYS_X = 2, KEYS_W = 14, NAME_X = 17, NAME_W = 13, TEXT_X = 31 };
	struct app *app = arg;
	const struct command *c = &commands[row];
	attr_t sel = ui_attr(app, ROLE_SELECTED);
	char keys[64];

	command_keys(c, keys, sizeof keys);
	wattrset(w, selected ? sel : A_NORMAL);
	mvwhline(w, y, 1, ' ', width - 2);
	wattrset(w, selected ? sel : ui_attr(app, ROLE_TITLE));
	ui_putn(app, w, y, KEYS_X, keys[0] ? keys : "(none)", KEYS_W);
	wattrset(w, selected ? sel : ui_attr(app, ROLE_LABEL));
	ui_putn(app, w, y, NAME_X, c->name, NAME_W);
	wattrset(w, selected ? sel : A_NORMAL);
	if (width - TEXT_X - 1 > 0)
		ui_putn(app, w, y, TEXT_X, c->description, width - TEXT_X - 1);
	wattrset(w, A_NORMAL);
}

static void
help_draw(struct app *app)
{
	struct help *h = app->help;
	int width = app->cols - 4 < 100 ? app->cols - 4 : 100;
	int height = (int)ncommands + 4 < app->rows - 2 ? (int)ncommands + 4 : app->rows - 2;

	if (h->win)
		delwin(h->win);
	h->win = newwin(height, width, (app->rows - height) / 2, (app->cols - width) / 2);
	werase(h->win);
	ui_box(app, h->win);
	wattrset(h->win, ui_attr(app, ROLE_TITLE_FOCUS));
	ui_putn(app, h->win, 0, 2, " keys ", width - 4);
	wattrset(h->win, ui_attr(app, ROLE_DIM));
	ui_putn(app, h->win, height - 1, 2, " j/k PgUp/PgDn scroll · Esc or q closes · "
	    "keys rebind in config.yaml ", width - 4);
	wattrset(h->win, A_NORMAL);
	{
		/* The list lives in a subwindow so rows stay inside the box. */
		WINDOW *inner = derwin(h->win, height - 2, width - 2, 1, 1);
		listview_draw(&h->lv, inner, 0, height - 2, help_row, app);
		delwin(inner);
	}
	wnoutrefresh(h->win);
}

static void
help_command(struct app *app, const struct command *c)
{
	struct listview *lv = &app->help->lv;
	const char *n = c ? c->name : "";

	app->redraw |= REDRAW_OVERLAY;
	if (strcmp(n, "down") == 0)
		listview_move(lv, 1);
	else if (strcmp(n, "up") == 0)
		listview_move(lv, -1);
	else if (strcmp(n, "page-down") == 0)
		listview_move(lv, lv->height > 1 ? lv->height - 1 : 1);
	else if (strcmp(n, "page-up") == 0)
		listview_move(lv, -(lv->height > 1 ? lv->height - 1 : 1));
	else if (strcmp(n, "top") == 0)
		listview_select(lv, 0);
	else if (strcmp(n, "bottom") == 0)
		listview_select(lv, ncommands - 1);
	else if (strcmp(n, "back") == 0 || strcmp(n, "quit") == 0 ||
	    strcmp(n, "help") == 0 || strcmp(n, "enter") == 0)
		ui_overlay_close(app);
}

/* ---- layout and drawing ---- */

static void
place(struct pane *p, int y, int x, int h, int w)
{
	if (p->win)
		delwin(p->win);
	p->win = NULL;
	p->shown = h > 0 && w > 0;
	p->y = y;
	p->x = x;
	p->h = h;
	p->w = w;
	if (p->shown)
		p->win = newwin(h, w, y, x);
}

/*
 * ┌ files ──────────┬ preview ───┐   row 0
 * │ (files)         │ (preview)  │   rows 1 .. top
 * ├ confusion ──────┴────────────┤   row top + 1
 * │ (bottom pane)                │
 * └ status ──────────────────────┘   last row
 */
static void
layout(struct app *app)
{
	int W = COLS, H = LINES, bottom_h, top_h, left_w, i;

	app->cols = W;
	app->rows = H;
	app->too_small = W < MIN_COLS || H < MIN_LINES;
	for (i = 0; i < PANE_COUNT; i++)
		place(&app->panes[i], 0, 0, 0, 0);
	if (!app->too_small) {
		bottom_h = (H - 3) * 2 / 5;
		top_h = H - 3 - bottom_h;
		left_w = (W - 3) * 3 / 5;
		place(&app->panes[PANE_FILES], 1, 1, top_h, left_w);
		place(&app->panes[PANE_PREVIEW], 1, left_w + 2, top_h, W - left_w - 3);
		place(&app->panes[app->bottom], top_h + 2, 1, bottom_h, W - 2);
	}
	for (i = 0; i < PANE_COUNT; i++) {
		struct pane *p = &app->panes[i];
		if (p->shown && p->ops->resize)
			p->ops->resize(app, p);
	}
	if (app->ds)
		listview_scroll(&app->view.lv, app->panes[PANE_FILES].h);
	app->redraw |= REDRAW_ALL;
}

/* " name (title) " on the frame at (y, x), at most `room` columns. */
static void
draw_title(struct app *app, struct pane *p, int y, int x, int room)
{
	struct buf b = { 0 };
	int used;

	if (room < 4)
		return;
	wattrset(stdscr, ui_attr(app, app->focus == p->id ? ROLE_TITLE_FOCUS : ROLE_TITLE));
	buf_addf(&b, " %s ", p->ops->name);
	used = ui_putn(app, stdscr, y, x, buf_str(&b), room);
	b.len = 0;
	if (p->ops->title) {
		p->ops->title(app, p, &b);
		if (b.len) {
			char *t = xasprintf("(%s) ", buf_str(&b));
			wattrset(stdscr, ui_attr(app, ROLE_TITLE));
			ui_putn(app, stdscr, y, x + used, t, room - used);
			free(t);
		}
	}
	wattrset(stdscr, A_NORMAL);
	buf_free(&b);
}

/* " text " ending at column `right` of row y, within the pane's width.
 * Returns the column where it starts (right + 1 when there is none). */
static int
draw_footer(struct app *app, struct pane *p, int y, int right)
{
	struct buf b = { 0 };
	int w, start = right + 1;
	if (p->ops->footer == NULL)
		return start;
	p->ops->footer(app, p, &b);
	if (b.len) {
		char *t = xasprintf(" %s ", buf_str(&b));
		w = ui_width(t);
		if (w < p->w - 4) {
			wattrset(stdscr, ui_attr(app, ROLE_TITLE));
			ui_putn(app, stdscr, y, right - w, t, w);
			wattrset(stdscr, A_NORMAL);
			start = right - w;
		}
		free(t);
	}
	buf_free(&b);
	return start;
}

static void
draw_frame(struct app *app)
{
	struct pane *f = &app->panes[PANE_FILES], *pv = &app->panes[PANE_PREVIEW],
	    *bt = &app->panes[app->bottom];
	int W = app->cols, mid = f->h + 1, sep = f->w + 1, y, footer;

	werase(stdscr);
	wattrset(stdscr, ui_attr(app, ROLE_BORDER));
	mvwaddstr(stdscr, 0, 0, bx(app, BX_TL));
	draw_hline(app, stdscr, 0, 1, W - 2);
	mvwaddstr(stdscr, 0, sep, bx(app, BX_TDOWN));
	mvwaddstr(stdscr, 0, W - 1, bx(app, BX_TR));
	for (y = 1; y < mid; y++) {
		mvwaddstr(stdscr, y, 0, bx(app, BX_V));
		mvwaddstr(stdscr, y, sep, bx(app, BX_V));
		mvwaddstr(stdscr, y, W - 1, bx(app, BX_V));
	}
	mvwaddstr(stdscr, mid, 0, bx(app, BX_TRIGHT));
	draw_hline(app, stdscr, mid, 1, W - 2);
	mvwaddstr(stdscr, mid, sep, bx(app, BX_TUP));
	mvwaddstr(stdscr, mid, W - 1, bx(app, BX_TLEFT));
	for (y = mid + 1; y < app->rows - 1; y++) {
		mvwaddstr(stdscr, y, 0, bx(app, BX_V));
		mvwaddstr(stdscr, y, W - 1, bx(app, BX_V));
	}
	wattrset(stdscr, A_NORMAL);
	footer = draw_footer(app, f, mid, sep - 1);
	if (footer > sep)
		footer = draw_footer(app, pv, mid, W - 2);
	else
		draw_footer(app, pv, mid, W - 2);
	draw_title(app, f, 0, 1, sep - 2);
	draw_title(app, pv, 0, sep + 1, W - sep - 3);
	/* The bottom pane's title stops short of the footers on its line. */
	draw_title(app, bt, mid, 1, footer - 3);
}

/* The status slots after the message, joined by " · " into b (with a
 * leading separator when `after` says something precedes them). When they
 * do not fit in `room` columns, the least telling go first: the dataset
 * summary, then clusters, predictions and checks; the journal and the
 * player last. */
static void
status_slots(struct app *app, struct buf *b, int room, int after)
{
	static const enum status_slot drop_order[] = {
		STATUS_SCAN, STATUS_CLUSTER, STATUS_PREDICTIONS, STATUS_CHECKS,
		STATUS_PLAYER, STATUS_JOURNAL,
	};
	int shown[STATUS_COUNT], i, d = 0, left;

	for (i = 0; i < STATUS_COUNT; i++)
		shown[i] = i != STATUS_MESSAGE && app->status[i] && app->status[i][0];
	for (;;) {
		b->len = 0;
		buf_add(b, "", 0);
		for (i = 0; i < STATUS_COUNT; i++) {
			if (!shown[i])
				continue;
			if (b->len || after)
				buf_adds(b, " · ");
			buf_adds(b, app->status[i]);
		}
		if (ui_width(buf_str(b)) <= room || d == (int)ARRAY_SIZE(drop_order))
			return;
		/* Drop the next slot, unless it is the last one left. */
		for (i = 0, left = 0; i < STATUS_COUNT; i++)
			left += shown[i];
		if (left <= 1)
			return;
		shown[drop_order[d++]] = 0;
	}
}

static void
draw_status(struct app *app)
{
	int W = app->cols, y = app->rows - 1, x;
	struct prompt *p = app->prompt;
	struct buf b = { 0 };

	wmove(stdscr, y, 0);
	wclrtoeol(stdscr);
	wattrset(stdscr, ui_attr(app, ROLE_BORDER));
	mvwaddstr(stdscr, y, 0, bx(app, BX_BL));
	draw_hline(app, stdscr, y, 1, W - 2);
	mvwaddstr(stdscr, y, W - 1, bx(app, BX_BR));
	if (p) {
		int cx;
		wattrset(stdscr, ui_attr(app, ROLE_PROMPT));
		mvwhline(stdscr, y, 1, ' ', W - 2);
		x = 2 + ui_putn(app, stdscr, y, 2, p->label, W - 4);
		wattrset(stdscr, A_NORMAL);
		/* Keep the cursor in view: show the tail when the text is long. */
		{
			char *before = xstrndup(p->text.data, p->cursor);
			int room = W - 3 - x, wb = ui_width(before);
			const char *shown = p->text.data;
			while (wb >= room && *shown) {
				size_t k = utf8_next(shown, strlen(shown), 0);
				char *c = xstrndup(shown, k);
				wb -= ui_width(c);
				free(c);
				shown += k;
			}
			ui_putn(app, stdscr, y, x, shown, room);
			cx = x + wb;
			free(before);
		}
		wmove(stdscr, y, cx);
		return;
	}
	x = 2;
	if (app->status[STATUS_MESSAGE] && app->status[STATUS_MESSAGE][0]) {
		wattrset(stdscr, ui_attr(app, app->status_error ? ROLE_ERROR : ROLE_STATUS) | A_BOLD);
		x += ui_putn(app, stdscr, y, x, " ", W - x - 2);
		x += ui_putn(app, stdscr, y, x, app->status[STATUS_MESSAGE], W - x - 2);
		status_slots(app, &b, W - x - 3, 1);
		wattrset(stdscr, ui_attr(app, ROLE_STATUS));
		buf_adds(&b, " ");
		ui_putn(app, stdscr, y, x, buf_str(&b), W - x - 2);
	} else {
		status_slots(app, &b, W - x - 13, 0);
		wattrset(stdscr, ui_attr(app, ROLE_STATUS));
		buf_adds(&b, " ");
		x += ui_putn(app, stdscr, y, x, " ", W - x - 2);
		ui_putn(app, stdscr, y, x, buf_str(&b), W - x - 12);
		wattrset(stdscr, ui_attr(app, ROLE_DIM));
		ui_putn(app, stdscr, y, W - 10, " ? help ", 8);
	}
	wattrset(stdscr, A_NORMAL);
	buf_free(&b);
}

static void
menu_row(void *arg, WINDOW *w, int y, int width, size_t row, int selected)
{
	struct app *app = arg;
	struct prompt *p = app->prompt;
	wattrset(w, selected && p->menu_chosen ? ui_attr(app, ROLE_SELECTED) : A_NORMAL);
	mvwhline(w, y, 0, ' ', width);
	ui_putn(app, w, y, 1, p->cands[p->matches[row]], width - 2);
	wattrset(w, A_NORMAL);
}

/* The completion menu, above the status line, while there is a choice. */
static void
draw_menu(struct app *app)
{
	struct prompt *p = app->prompt;
	int h, w = 0, y;
	size_t i;

	if (p->menuwin) {
		delwin(p->menuwin);
		p->menuwin = NULL;
	}
	if (p->menu.n == 0 || p->confirm)
		return;
	for (i = 0; i < p->menu.n && i < 200; i++) {
		int cw = ui_width(p->cands[p->matches[i]]);
		if (cw > w)
			w = cw;
	}
	w = w + 4 < app->cols - 4 ? w + 4 : app->cols - 4;
	if (w < 16)
		w = 16;
	h = (int)p->menu.n + 2 < 12 ? (int)p->menu.n + 2 : 12;
	y = app->rows - 1 - h;
	if (y < 0)
		return;
	p->menuwin = newwin(h, w, y, 1);
	werase(p->menuwin);
	ui_box(app, p->menuwin);
	{
		WINDOW *inner = derwin(p->menuwin, h - 2, w - 2, 1, 1);
		listview_draw(&p->menu, inner, 0, h - 2, menu_row, app);
		delwin(inner);
	}
	if (p->menu.n > (size_t)(h - 2)) {
		char more[32];
		snprintf(more, sizeof more, " %zu ", p->menu.n);
		wattrset(p->menuwin, ui_attr(app, ROLE_DIM));
		ui_putn(app, p->menuwin, h - 1, w - 2 - (int)strlen(more), more, (int)strlen(more));
		wattrset(p->menuwin, A_NORMAL);
	}
	wnoutrefresh(p->menuwin);
}

static void
draw_too_small(struct app *app)
{
	char msg[96];
	int y = app->rows / 2;
	werase(stdscr);
	snprintf(msg, sizeof msg, "terminal too small (%d×%d)", app->cols, app->rows);
	if (!app->utf8)
		snprintf(msg, sizeof msg, "terminal too small (%dx%d)", app->cols, app->rows);
	ui_putn(app, stdscr, y - 1, 0, msg, app->cols);
	snprintf(msg, sizeof msg, "winnow needs %dx%d", MIN_COLS, MIN_LINES);
	ui_putn(app, stdscr, y, 0, msg, app->cols);
	ui_putn(app, stdscr, y + 1, 0, "q quits", app->cols);
	wnoutrefresh(stdscr);
}

/* Panes that write to the terminal themselves (pictures) go last. */
static void
after_update(struct app *app)
{
	int i;
	for (i = 0; i < PANE_COUNT; i++)
		if (app->panes[i].ops->after_update)
			app->panes[i].ops->after_update(app, &app->panes[i]);
}

static void
draw(struct app *app)
{
	unsigned what = app->redraw;
	int i, frame = (what & REDRAW_FRAME) != 0;

	app->redraw = 0;
	if (app->too_small) {
		draw_too_small(app);
		doupdate();
		after_update(app);
		return;
	}
	/* Titles carry the files pane's counts. */
	if (what & REDRAW_FILES)
		frame = 1;
	if (frame)
		draw_frame(app);
	if (frame || (what & REDRAW_STATUS))
		draw_status(app);
	wnoutrefresh(stdscr);
	for (i = 0; i < PANE_COUNT; i++) {
		struct pane *p = &app->panes[i];
		if (!p->shown)
			continue;
		if (what & (1u << i))
			p->ops->draw(app, p);
		else if (frame)
			touchwin(p->win);
		if (frame || (what & (1u << i)))
			wnoutrefresh(p->win);
	}
	if (app->help)
		help_draw(app);
	if (app->prompt) {
		draw_menu(app);
		/* The cursor belongs on the prompt line, after the overlays. */
		draw_status(app);
		wnoutrefresh(stdscr);
	}
	doupdate();
	after_update(app);
}

/* ---- the dataset, indexed on a worker ---- */

struct scan {
	struct app *app;
	char *path;
	struct dataset *ds;
	char *cause;
	double seconds;
};

static void
scan_run(void *arg)
{
	struct scan *s = arg;
	double t0 = now_seconds();
	s->ds = dataset_open(s->path, &s->cause);
	/* Build the path index here, off the UI thread; parts look samples up
	 * by path (predictions, journal). */
	if (s->ds)
		dataset_find(s->ds, "");
	s->seconds = now_seconds() - t0;
}

static void trace_event(struct app *app, const char *what, double ms);

static void
scan_done(void *arg, int cancelled)
{
	struct scan *s = arg;
	struct app *app = s->app;
	size_t i;

	if (cancelled || s->ds == NULL) {
		if (!cancelled) {
			app->fatal = xasprintf("%s", s->cause);
			app->quit = 1;
			app->exit_status = 2;
		} else if (s->ds)
			dataset_free(s->ds);
		free(s->cause);
		free(s->path);
		free(s);
		return;
	}
	app->ds = s->ds;
	app->annot.n = s->ds->nsamples;
	view_init(&app->view, app->ds, &app->annot);
	listview_scroll(&app->view.lv, app->panes[PANE_FILES].h);
	{
		char n[32];
		struct buf b = { 0 };
		ui_count(n, sizeof n, app->ds->nsamples);
		buf_addf(&b, "%s sample%s · %zu label%s", n, app->ds->nsamples == 1 ? "" : "s",
		    app->ds->nlabels, app->ds->nlabels == 1 ? "" : "s");
		if (app->ds->nproblems)
			buf_addf(&b, " · %zu problems indexing (see winnow stats)", app->ds->nproblems);
		ui_status(app, STATUS_SCAN, "%s", buf_str(&b));
		buf_free(&b);
	}
	trace_event(app, "ready", (now_seconds() - app->started) * 1000);
	fprintf(stderr, "%s: indexed %s: %zu samples in %.3f s\n", progname, s->path,
	    app->ds->nsamples, s->seconds);
	for (i = 0; i < PANE_COUNT; i++)
		if (app->panes[i].ops->ready)
			app->panes[i].ops->ready(app, &app->panes[i]);
	for (i = 0; i < ARRAY_SIZE(parts); i++)
		parts[i].ready(app);
	app->redraw |= REDRAW_ALL;
	free(s->path);
	free(s);
}

/* ---- --trace ---- */

static void
trace_event(struct app *app, const char *what, double ms)
{
	if (app->trace) {
		fprintf(app->trace, "%s\t%.3f\n", what, ms);
		fflush(app->trace);
	}
}

/* ---- keys ---- */

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
		help_command(app, c);
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
			r |= c->fn(app, c->arg);
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

/* ---- the loop ---- */

static void
resize_terminal(struct app *app)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	layout(app);
	clearok(curscr, TRUE);
}

static void
run_timers(struct app *app)
{
	double now = now_seconds();
	struct timer *t;
	while ((t = app->timers) != NULL && t->when <= now) {
		app->timers = t->next;
		t->fn(app, t->arg);
		free(t);
	}
	if (app->status[STATUS_MESSAGE] && app->status_expires <= now)
		ui_status(app, STATUS_MESSAGE, NULL);
}

static int
poll_timeout_ms(const struct app *app)
{
	double now = now_seconds(), next = now + 60;
	if (app->timers && app->timers->when < next)
		next = app->timers->when;
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
	sel = ui_selected(app);
	if (sel != app->last_selected) {
		app->last_selected = sel;
		for (i = 0; i < PANE_COUNT; i++)
			if (app->panes[i].ops->select)
				app->panes[i].ops->select(app, &app->panes[i]);
	}
}

/* CPU time of the UI thread: with --trace, tells the work a key costs from
 * the time it waited for a core. */
static double
thread_cpu_seconds(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
loop(struct app *app, const sigset_t *loop_mask)
{
	enum { MAX_KEYS = 64 };
	double keys_at[MAX_KEYS];
	char names[MAX_KEYS][16];
	int nkeys, i;
	struct pollfd *fds = NULL;
	size_t capfds = 0, nfds, k;

	while (!app->quit) {
		struct timespec ts;
		int ms, rc;
		double woke, woke_cpu;

		if (got_quit_signal) {
			app->quit = 1;
			break;
		}
		if (got_winch) {
			got_winch = 0;
			resize_terminal(app);
		}
		after_batch(app);
		if (app->redraw)
			draw(app);

		nfds = 2 + app->nwatches;
		fds = xgrow(fds, &capfds, nfds, sizeof *fds);
		fds[0].fd = STDIN_FILENO;
		fds[0].events = POLLIN;
		fds[1].fd = worker_fd(app->workers);
		fds[1].events = POLLIN;
		for (k = 0; k < app->nwatches; k++) {
			fds[2 + k].fd = app->watches[k].fd;
			fds[2 + k].events = POLLIN;
		}
		ms = poll_timeout_ms(app);
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (long)(ms % 1000) * 1000000;
		rc = ppoll(fds, nfds, &ts, loop_mask);
		if (rc < 0 && errno != EINTR)
			break;
		woke = now_seconds();
		woke_cpu = thread_cpu_seconds();
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
				draw(app);
			if (app->trace) {
				double now = now_seconds(), cpu = thread_cpu_seconds() - woke_cpu;
				for (i = 0; i < nkeys; i++)
					fprintf(app->trace, "key\t%.3f\t%s\t%.3f\t%.3f\n",
					    (keys_at[i] - app->started) * 1000, names[i],
					    (now - keys_at[i]) * 1000, cpu * 1000);
				fflush(app->trace);
			}
		}
		if (rc > 0 && (fds[1].revents & POLLIN))
			worker_dispatch(app->workers);
		if (rc > 0) {
			/* Copy first: a callback may add or remove watches. */
			size_t nw = nfds - 2;
			struct watch *ready = xmalloc((nw ? nw : 1) * sizeof *ready);
			size_t nready = 0;
			for (k = 0; k < nw; k++)
				if (fds[2 + k].revents & (POLLIN | POLLHUP | POLLERR))
					for (i = 0; i < (int)app->nwatches; i++)
						if (app->watches[i].fd == fds[2 + k].fd)
							ready[nready++] = app->watches[i];
			for (k = 0; k < nready; k++)
				ready[k].fn(app, ready[k].fd, ready[k].arg);
			free(ready);
		}
		run_timers(app);
	}
	free(fds);
}

/* ---- set-up and tear-down ---- */

void
ui_init(struct app *app)
{
	int i;
	memset(app, 0, sizeof *app);
	app->started = now_seconds();
	app->focus = PANE_FILES;
	app->bottom = PANE_CONFUSION;
	app->last_selected = -1;
	for (i = 0; i < PANE_COUNT; i++) {
		app->panes[i].ops = pane_ops[i];
		app->panes[i].id = (enum pane_id)i;
	}
}

int
ui_configure(struct app *app, char **cause)
{
	return configure_colours(cause);
}

static void
terminal_start(struct app *app)
{
	const char *codeset = nl_langinfo(CODESET);

	app->utf8 = codeset && (strcmp(codeset, "UTF-8") == 0 || strcmp(codeset, "utf8") == 0);
	locale_utf8 = app->utf8;
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
	init_colours(app);
	crash_reset_len = 0;
	add_reset("sgr0");
	add_reset("cnorm");
	add_reset("rmkx");
	add_reset("rmcup");
}

static void
terminal_end(void)
{
	endwin();
	crash_reset_len = 0;
}

int
ui_run(struct app *app)
{
	sigset_t loop_mask, old_mask;
	struct scan *s;
	size_t i;

	if (app->opt.trace) {
		app->trace = fopen(app->opt.trace, "w");
		if (app->trace == NULL) {
			fprintf(stderr, "%s: %s: %s\n", progname, app->opt.trace, strerror(errno));
			return 2;
		}
		fprintf(app->trace, "# winnow trace: event\tms since start"
		    "[\tkey\tkey-to-frame ms\tUI thread CPU ms]\n");
	}
	sigprocmask(SIG_SETMASK, NULL, &old_mask);
	install_signals(&loop_mask);
	stderr_to_log();
	terminal_start(app);
	app->workers = worker_start(0);

	for (i = 0; i < PANE_COUNT; i++)
		if (app->panes[i].ops->init)
			app->panes[i].ops->init(app, &app->panes[i]);
	ui_status(app, STATUS_SCAN, "indexing %s…", app->opt.dataset);
	layout(app);
	draw(app);
	trace_event(app, "first-frame", (now_seconds() - app->started) * 1000);

	s = xcalloc(1, sizeof *s);
	s->app = app;
	s->path = xstrdup(app->opt.dataset);
	worker_submit(app->workers, WORKER_BACKGROUND, scan_run, scan_done, s);

	loop(app, &loop_mask);

	terminal_end();
	/* Jobs still running finish before anything they use is freed. */
	worker_stop(app->workers);
	app->workers = NULL;
	panes_end(app);
	stderr_restore();
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	if (app->fatal) {
		fprintf(stderr, "%s: %s\n", progname, app->fatal);
		return app->exit_status ? app->exit_status : 2;
	}
	if (got_quit_signal) {
		app->signal = got_quit_signal;
		return 128 + app->signal;
	}
	return app->exit_status;
}

/* End the parts and panes: the player among them, whose audio libraries
 * may still print as they close, so this runs while stderr goes to the log.
 * Safe to call twice. */
static void
panes_end(struct app *app)
{
	size_t i;
	if (app->panes_ended)
		return;
	app->panes_ended = 1;
	for (i = 0; i < ARRAY_SIZE(parts); i++)
		parts[i].end(app);
	for (i = 0; i < PANE_COUNT; i++) {
		struct pane *p = &app->panes[i];
		if (p->ops && p->ops->free)
			p->ops->free(app, p);
		if (p->win)
			delwin(p->win);
		p->win = NULL;
	}
}

void
ui_free(struct app *app)
{
	size_t i;
	struct timer *t;

	panes_end(app);
	while (app->prompt)
		prompt_finish(app, 0, 0);
	if (app->help)
		ui_overlay_close(app);
	while ((t = app->timers) != NULL) {
		app->timers = t->next;
		free(t);
	}
	free(app->watches);
	view_free(&app->view);
	annotations_free(&app->annot);
	if (app->ds)
		dataset_free(app->ds);
	app->ds = NULL;
	for (i = 0; i < STATUS_COUNT; i++)
		free(app->status[i]);
	if (app->trace)
		fclose(app->trace);
	app->trace = NULL;
	free(app->fatal);
	free(app->opt.dataset);
	free(app->opt.predictions);
	free(app->opt.journal);
	free(app->opt.embeddings);
	free(app->opt.trace);
	memset(&app->opt, 0, sizeof app->opt);
	free(pairs.fg);
	free(pairs.bg);
	free(pairs.pair);
	memset(&pairs, 0, sizeof pairs);
}
