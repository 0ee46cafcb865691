/* ui.h — the browser: the application state, the panes, and what the parts
 * of winnow call to show things.
 *
 * How the browser fits together (for whoever writes a pane or a part):
 *
 *  - One thread owns the screen and struct app: the UI thread, running one
 *    event loop (loop.c) that polls the terminal, the worker pool's wake-up
 *    descriptor, and any descriptor a part adds with ui_watch_fd (e.g. an
 *    inotify descriptor). Slow work goes to the pool (worker.h):
 *    worker_submit(app->workers, prio, run, done, arg); done runs on the UI
 *    thread and may touch struct app, set redraw flags (ui_redraw) and
 *    status text (ui_status). Timers: ui_after (one-shot; re-arm for
 *    animation, e.g. the playback cursor).
 *
 *  - Panes: files (left), preview (right), and at the bottom confusion or
 *    cluster (the `cluster` command switches). Each pane is one file with a
 *    const struct pane_ops: init, free, draw, key, resize, select, ready,
 *    title, footer, after_update. The frame, titles, footers and status
 *    line are drawn by layout.c and status.c; a pane draws only inside
 *    its own WINDOW (pane->win, interior size pane->h × pane->w) and only
 *    when asked (draw). Anything may ask for a redraw with
 *    ui_redraw(app, REDRAW_x) — it happens once, after the current batch
 *    of input and results.
 *    A changed title or footer needs REDRAW_FRAME.
 *
 *  - Keys: every action is a named command (commands.c, one table, default
 *    bindings beside it, rebindable in config.yaml `keys:`; the help
 *    overlay and the test of it read that table). A key first resolves to
 *    a command; the focused pane's key() gets (key, command) and returns
 *    REDRAW_ flags, or PANE_UNHANDLED to let the command run its global
 *    action. So the confusion pane can take down/up/enter for itself while
 *    the file pane keeps them elsewhere. A new key is a new row in
 *    commands[] (name, description, function, argument, default keys);
 *    a key only one pane uses gets a command whose global function does
 *    nothing (REDRAW_NONE) and that pane acts on the command's name.
 *
 *  - Selection: the file pane's selected sample is ui_selected(app) (-1
 *    when none). When it changes, every pane's select() is called once per
 *    batch (the preview starts decoding there).
 *
 *  - Dataset: scanned off the UI thread; app->ds is NULL until then. When it
 *    arrives, app->annot.n is set and every pane's ready() and every part's
 *    ready hook (ui.c: parts[]) is called; that is where predictions, the
 *    journal, checks and embeddings start loading.
 *
 *  - Annotations (annot.h): parts allocate their array in app->annot when
 *    they have results, write it on the UI thread only, then call
 *    ui_annotations_changed(app): the file pane re-filters and re-sorts
 *    (throttled) and redraws. A decision changes a sample's label: the
 *    part that made it calls ui_annotations_notify(app, sample), and what
 *    derives from labels (the confusion matrix) hears of it through
 *    ui_annotations_subscribe — so a feed never calls into a pane.
 *
 *  - File pane filters: ui_filter_push(app, "label=yes pred=no", sort)
 *    (the same language as `/`), or ui_filter_push_set(app, samples, n,
 *    title) for an explicit set; Esc (the `back` command) pops. Both leave
 *    focus where it is; ui_focus(app, PANE_FILES) moves it.
 *
 *  - Prompts: ui_prompt(app, "relabel to: ", initial, candidates, n,
 *    done, arg) edits a line on the status line with Tab completion from
 *    the candidates (shown in the given order, filtered as one types);
 *    done(app, text, arg) gets the text, or NULL on Esc. ui_confirm for a
 *    y/n question. One prompt at a time (ui_prompt returns -1 if busy).
 *
 *  - Drawing helpers: ui_attr(app, role) for colours (plain attributes
 *    under NO_COLOR / 8 colours; set with wattrset, which keeps the colour
 *    bits, not wattr_set), ui_heat_attr for heat maps, ui_label_attr for a
 *    colour per label, ui_pair for any fg/bg pair (256/true colour; a pair
 *    number for wattr_set/setcchar, as COLOR_PAIR() holds only 255),
 *    ui_putn for text clipped to display columns (what the locale cannot
 *    show becomes '?'; ·, …, → become -, ..., -> without UTF-8), ui_count
 *    for "1,284", app->utf8 for box drawing/braille choices.
 *
 *  - Settings (settings.h): settings_threshold(name, default) and
 *    settings_find(section, name) from config.yaml, loaded before the
 *    terminal is taken; a new top-level name goes into known_names[] in
 *    settings.c.
 *
 *  - Measuring: --trace FILE logs first-frame, ready and every key's
 *    key-to-frame latency (README, winnow(1)).
 *
 *  - Other parts keep their state behind the opaque pointers below
 *    (app->preview, confusion, journal, cluster, checks, predictions),
 *    defined and freed by their owners (pane free() or the part's end
 *    hook).
 *
 * Entry points other files define are declared at the end of this file
 * (pane ops, preview_*) and in decide.h (decide_*). */
#ifndef WINNOW_UI_H
#define WINNOW_UI_H

#include <stddef.h>
#include <stdint.h>

#include <curses.h>

#include "annot.h"
#include "commands.h"
#include "listview.h"
#include "util.h"
#include "view.h"
#include "worker.h"

struct dataset;
struct app;
struct command;

enum pane_id {
	PANE_FILES,
	PANE_PREVIEW,
	PANE_CONFUSION,
	PANE_CLUSTER,
	PANE_COUNT
};

/* What must be redrawn: what key handlers, commands and callbacks return
 * (htop's way) or pass to ui_redraw. */
#define REDRAW_NONE 0u
#define REDRAW_FILES (1u << PANE_FILES)
#define REDRAW_PREVIEW (1u << PANE_PREVIEW)
#define REDRAW_CONFUSION (1u << PANE_CONFUSION)
#define REDRAW_CLUSTER (1u << PANE_CLUSTER)
#define REDRAW_STATUS (1u << 8)         /* status line */
#define REDRAW_FRAME (1u << 9)          /* borders, titles and footers */
#define REDRAW_ALL 0x3ffu
/* An overlay opened, changed or closed: the frame and status again, and
 * the panes copied back where it was, without drawing them anew. */
#define REDRAW_OVERLAY (REDRAW_FRAME | REDRAW_STATUS)
/* From a pane's key(): not mine, run the command's global action. */
#define PANE_UNHANDLED (1u << 15)

struct pane;

struct pane_ops {
	const char *name;
	/* Once, at start-up, before the dataset is known (app->ds NULL). */
	void (*init)(struct app *, struct pane *);
	/* At exit: free pane->data and whatever the pane owns. */
	void (*free)(struct app *, struct pane *);
	/* Draw the interior into pane->win (pane->h rows, pane->w columns). */
	void (*draw)(struct app *, struct pane *);
	/* A key while focused: `key` is the curses key, `command` the name of
	 * the command bound to it (NULL if none). Returns REDRAW_ flags, or
	 * PANE_UNHANDLED. May be NULL. */
	unsigned (*key)(struct app *, struct pane *, int key, const char *command);
	/* The pane's size changed (pane->win is already resized). May be NULL. */
	void (*resize)(struct app *, struct pane *);
	/* The selected sample changed (ui_selected). May be NULL. */
	void (*select)(struct app *, struct pane *);
	/* The dataset is loaded (app->ds set). May be NULL. */
	void (*ready)(struct app *, struct pane *);
	/* Title text after the pane's name ("1,284 of 2,412 · filter: …"),
	 * appended to b. May be NULL. */
	void (*title)(struct app *, struct pane *, struct buf *b);
	/* Text for the right end of the border below the pane ("3/2,412"),
	 * appended to b; files and preview only (the bottom pane has the status
	 * line below it). May be NULL. */
	void (*footer)(struct app *, struct pane *, struct buf *b);
	/* After every screen update (doupdate), whether the pane is shown or
	 * not: write what curses cannot draw (terminal graphics) straight to
	 * the terminal. May be NULL. */
	void (*after_update)(struct app *, struct pane *);
	/* The most rows the pane has use for now (0: as many as it gets), so
	 * that a bottom pane with one line to say gives the rest to the files.
	 * May be NULL. */
	int (*rows_wanted)(struct app *, struct pane *);
};

struct pane {
	const struct pane_ops *ops;
	enum pane_id id;
	WINDOW *win;            /* interior; NULL while not shown */
	int y, x, h, w;         /* interior position and size on the screen */
	int shown;
	void *data;             /* the pane's own state */
};

/* Status line slots, shown in this order joined by " · ". */
enum status_slot {
	STATUS_MESSAGE,         /* transient: replaced by the next message,
	                           cleared a few seconds later */
	STATUS_PLAYER,          /* "playing 0.42/1.00 s": early, so a narrow
	                           status line still shows it */
	STATUS_REVIEW,          /* "review: 3 reviewed · 40 left · 900 clips/h" */
	STATUS_SCAN,            /* indexing / dataset summary */
	STATUS_CHECKS,          /* checks progress */
	STATUS_PREDICTIONS,     /* predictions loaded / reloaded */
	STATUS_JOURNAL,         /* "3 decisions · journal .winnow/journal.yaml" */
	STATUS_CLUSTER,         /* embeddings */
	STATUS_COUNT
};

/* Colour roles; ui_attr gives each its attributes for this terminal. */
enum ui_role {
	ROLE_NORMAL,
	ROLE_BORDER,
	ROLE_TITLE,             /* pane names in the frame */
	ROLE_TITLE_FOCUS,       /* the focused pane's name */
	ROLE_SELECTED,          /* selected row, focused pane */
	ROLE_SELECTED_UNFOCUSED,
	ROLE_DIM,               /* secondary text */
	ROLE_LABEL,
	ROLE_BADGE,             /* check findings */
	ROLE_PRED_AGREE,        /* prediction equal to the label */
	ROLE_PRED_DISAGREE,
	ROLE_DECISION_RELABEL,
	ROLE_DECISION_DELETE,
	ROLE_DECISION_ACCEPT,
	ROLE_DECISION_FLAG,
	ROLE_STATUS,
	ROLE_ERROR,             /* status messages about failures */
	ROLE_PROMPT,
	ROLE_COUNT
};

struct options {
	char *dataset;          /* as given (or the demo's path) */
	char *predictions;      /* -p, or NULL: the default */
	char *journal;          /* -j, or NULL: the default */
	char *embeddings;       /* -e, or NULL: the default */
	char *trace;            /* --trace FILE, or NULL */
};

struct prompt;
struct timer;
struct watch;
struct help;

/* Told when a sample's annotations change (ui_annotations_notify). */
struct annot_listener {
	void (*fn)(struct app *, long sample, void *arg);
	void *arg;
};
#define ANNOT_LISTENERS 4

struct app {
	struct options opt;
	struct dataset *ds;             /* NULL while indexing */
	struct annotations annot;       /* arrays filled by the parts */
	struct view view;               /* the file pane's rows and selection */
	struct worker_pool *workers;

	struct pane panes[PANE_COUNT];
	enum pane_id focus;
	enum pane_id bottom;            /* PANE_CONFUSION or PANE_CLUSTER */

	/* Opaque state of the other parts, owned and freed by them. */
	void *preview, *confusion, *journal, *cluster, *checks, *predictions, *review;

	/* Terminal. */
	int utf8;                       /* the locale's codeset is UTF-8 */
	int colours;                    /* 0 (none/NO_COLOR), 8, 256, or 1<<24 */
	int too_small;
	int cols, rows;

	/* Event loop state, private to the files of src/tui/ beside ui.c. */
	char *status[STATUS_COUNT];
	int status_error;               /* the message is about a failure */
	double status_expires;
	unsigned redraw;
	int quit;
	int panes_ended;          /* panes and parts freed (ui.c) */
	long last_selected;             /* to notice selection changes */
	int annot_dirty;
	double annot_rebuilt;
	struct annot_listener listeners[ANNOT_LISTENERS];
	size_t nlisteners;
	struct prompt *prompt;
	struct help *help;
	struct timer *timers;
	struct watch *watches;
	size_t nwatches, capwatches;
	FILE *trace;                    /* --trace */
	double started;
	char *fatal;                    /* printed after the terminal is back */
	int exit_status;
	int signal;                     /* the signal that ended the loop */
};

/* ---- called by panes and parts (UI thread only) ---- */

/* Ask for a redraw of parts of the screen (REDRAW_ flags). */
void ui_redraw(struct app *app, unsigned what);
/* Set a status slot's text (printf-style; NULL fmt clears it). */
void ui_status(struct app *app, enum status_slot slot, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A transient message on the status line; ui_error marks it a failure. */
void ui_message(struct app *app, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ui_error(struct app *app, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The selected sample, or -1. */
long ui_selected(const struct app *app);
/* Select sample i in the file pane when it is shown; 0 when it is not. */
int ui_select_sample(struct app *app, uint32_t i);
void ui_focus(struct app *app, enum pane_id id);
/* Show the confusion or the cluster pane at the bottom. */
void ui_show_bottom(struct app *app, enum pane_id id);

/* Annotation arrays changed: re-filter, re-sort (throttled) and redraw. */
void ui_annotations_changed(struct app *app);
/* Call fn(app, sample, arg) on every ui_annotations_notify. At most
 * ANNOT_LISTENERS; a pane subscribes in its init. */
void ui_annotations_subscribe(struct app *app,
    void (*fn)(struct app *, long sample, void *arg), void *arg);
/* Sample's label or decision changed (-1: every sample's, e.g. a journal
 * replayed): the subscribers update at once what they derive from it. */
void ui_annotations_notify(struct app *app, long sample);
/* Push a filter in `/` syntax, and a sort order (SORT_COUNT: keep). Returns
 * 0, or -1 with *cause set. */
int ui_filter_push(struct app *app, const char *expr, enum sort_key sort,
    char **cause);
/* Push a filter keeping exactly these samples (copied). */
void ui_filter_push_set(struct app *app, const uint32_t *samples, size_t n,
    const char *title, enum sort_key sort);
/* Pop the last filter; 0 when there was none. */
int ui_filter_pop(struct app *app);

/* Run fn(app, arg) once, `seconds` from now, on the UI thread. */
void ui_after(struct app *app, double seconds,
    void (*fn)(struct app *, void *), void *arg);
/* Poll fd for reading; fn runs on the UI thread when it is readable. */
void ui_watch_fd(struct app *app, int fd,
    void (*fn)(struct app *, int fd, void *), void *arg);
void ui_unwatch_fd(struct app *app, int fd);

/* Line editor on the status line. candidates (copied) complete the word
 * being typed with Tab and show as a menu; may be NULL. done gets the text
 * (owned by the prompt, valid during the call) or NULL when cancelled.
 * Returns 0, or -1 when a prompt is already open. */
#define PROMPT_WORDS 1u         /* complete the last space-separated word */
#define PROMPT_LABELS 2u        /* candidates are labels: the menu numbers
                                   them as the keys 1-9 do */
int ui_prompt(struct app *app, const char *label, const char *initial,
    const char *const *candidates, size_t ncandidates, unsigned flags,
    void (*done)(struct app *, const char *text, void *arg), void *arg);
/* A y/n question on the status line: done(app, 1 for y, 0 for n/Esc, arg). */
int ui_confirm(struct app *app, const char *question,
    void (*done)(struct app *, int yes, void *arg), void *arg);

/* Attributes for a role (colour pair and bold/reverse as the terminal allows). */
attr_t ui_attr(const struct app *app, enum ui_role role);
/* A heat-map colour for v in [0, 1] (cold → hot), as background attributes. */
attr_t ui_heat_attr(const struct app *app, double v);
/* A distinct foreground colour for label id `label`. */
attr_t ui_label_attr(const struct app *app, unsigned label);
/* A colour pair for curses colours fg/bg (-1: default), allocated on
 * first use; 0 when colours are off or pairs ran out. */
int ui_pair(struct app *app, int fg, int bg);
/* Print UTF-8 text at (y, x) clipped to `cols` display columns; bytes the
 * locale cannot show become '?'. Returns the columns used. */
int ui_putn(const struct app *app, WINDOW *w, int y, int x, const char *s,
    int cols);
/* n with thousands separators ("1,284") into buf. */
void ui_count(char *buf, size_t size, size_t n);
/* Display columns of UTF-8 text. */
int ui_width(const char *s);
/* The end of s that fits in `cols` columns (a pointer into s). */
const char *ui_tail(const char *s, int cols);
/* Draw a box border for overlays (UTF-8 or ASCII). */
void ui_box(const struct app *app, WINDOW *w);

/* ---- the browser itself (browse.c calls these) ---- */

/* Set up app (no terminal yet). */
void ui_init(struct app *app);
/* Check the configuration's colours (settings_load first). Returns 0, or
 * -1 with *cause naming the line. */
int ui_configure(struct app *app, char **cause);
/* Take the terminal, run until quit, give the terminal back. Returns the
 * exit status; after a quit signal, app->signal is set for the caller to
 * re-raise once everything is freed. */
int ui_run(struct app *app);
void ui_free(struct app *app);
/* Open the help overlay. */
void ui_help_open(struct app *app);

/* ---- defined by the other panes' files ---- */

extern const struct pane_ops files_pane_ops;            /* panes/files.c */
extern const struct pane_ops preview_pane_ops;          /* panes/preview.c */
extern const struct pane_ops confusion_pane_ops;        /* panes/confusion.c */
extern const struct pane_ops cluster_pane_ops;          /* panes/cluster.c */

/* Their commands (commands.h). */
extern const struct command_handler files_commands[];   /* panes/files.c */
extern const struct command_handler preview_commands[]; /* panes/preview.c */
extern const struct command_handler confusion_commands[]; /* panes/confusion.c */

/* panes/preview.c: play the selected clip from its start (stop when it is
 * not a clip), whatever played before: review mode's next sample. Returns
 * REDRAW_ flags. */
unsigned preview_play_selected(struct app *app);

#endif
