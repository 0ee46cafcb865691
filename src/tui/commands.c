/* commands.c — the browser's commands, one table with their default keys
 * (commands.h), and the key bindings. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "annot.h"
#include "check-feed.h"
#include "commands.h"
#include "dataset.h"
#include "decide.h"
#include "review.h"
#include "settings.h"
#include "ui.h"
#include "util.h"

/* ---- the commands ---- */

static unsigned
move_by(struct app *app, long delta)
{
	listpos_move(&app->view.lv, delta);
	return REDRAW_FILES;
}

static long
page(const struct app *app)
{
	int h = app->panes[PANE_FILES].h;
	return h > 2 ? h - 1 : 1;
}

static unsigned
cmd_down(struct app *app, int arg)
{
	return move_by(app, 1);
}

static unsigned
cmd_up(struct app *app, int arg)
{
	return move_by(app, -1);
}

static unsigned
cmd_page_down(struct app *app, int arg)
{
	return move_by(app, page(app));
}

static unsigned
cmd_page_up(struct app *app, int arg)
{
	return move_by(app, -page(app));
}

static unsigned
cmd_top(struct app *app, int arg)
{
	listpos_select(&app->view.lv, 0);
	return REDRAW_FILES;
}

static unsigned
cmd_bottom(struct app *app, int arg)
{
	listpos_select(&app->view.lv, app->view.lv.n ? app->view.lv.n - 1 : 0);
	return REDRAW_FILES;
}

/* Tab order: the panes on the screen, left to right, top to bottom. */
static unsigned
cmd_cycle_pane(struct app *app, int step)
{
	enum pane_id order[] = { PANE_FILES, PANE_PREVIEW, app->bottom };
	int i, n = (int)ARRAY_SIZE(order);
	for (i = 0; i < n; i++)
		if (order[i] == app->focus)
			break;
	ui_focus(app, order[((i + step) % n + n) % n]);
	return REDRAW_NONE;
}

static unsigned
cmd_play(struct app *app, int arg)
{
	return preview_play_toggle(app);
}

static unsigned
cmd_autoplay(struct app *app, int arg)
{
	return preview_autoplay_toggle(app);
}

static unsigned
cmd_preview_mode(struct app *app, int arg)
{
	return preview_cycle_mode(app);
}

/* Enter means something only to the pane that has the focus; reaching the
 * global action means the pane had nothing to open. */
static unsigned
cmd_enter(struct app *app, int arg)
{
	return REDRAW_NONE;
}

static unsigned
cmd_back(struct app *app, int arg)
{
	if (ui_overlay_close(app))
		return REDRAW_NONE;
	if (ui_filter_pop(app))
		return REDRAW_FILES | REDRAW_FRAME;
	return REDRAW_NONE;
}

static const char *const filter_keys[] = { "label=", "pred=", "split=", "check=", "decision=" };
static const char *const decision_words[] = { "relabel", "delete", "accept", "flag", "none", "any" };

static void
filter_done(struct app *app, const char *text, void *arg)
{
	char *cause = NULL;
	const char *p;

	if (text == NULL)
		return;
	for (p = text; *p == ' '; p++)
		;
	if (*p == '\0')
		return;
	if (ui_filter_push(app, text, SORT_COUNT, &cause) != 0) {
		ui_error(app, "filter: %s", cause);
		free(cause);
		return;
	}
	if (app->view.lv.n == 0)
		ui_message(app, "nothing matches '%s' (Esc: back)", text);
}

/* Completion for `/`: every key=value the dataset has, then the keys. */
static unsigned
cmd_filter(struct app *app, int arg)
{
	struct dataset *ds = app->ds;
	char **c;
	size_t n = 0, cap, i, k;

	if (ds == NULL) {
		ui_message(app, "still indexing");
		return REDRAW_STATUS;
	}
	cap = ds->nlabels * 2 + ds->nsplits + CHECK_COUNT + ARRAY_SIZE(decision_words) +
	    ARRAY_SIZE(filter_keys);
	c = xmalloc(cap * sizeof *c);
	for (i = 0; i < ds->nlabels; i++)
		c[n++] = xasprintf("label=%s", ds->labels[i]);
	if (app->annot.pred)
		for (i = 0; i < ds->nlabels; i++)
			c[n++] = xasprintf("pred=%s", ds->labels[i]);
	for (i = 1; i < ds->nsplits; i++)
		c[n++] = xasprintf("split=%s", ds->splits[i]);
	for (k = 0; k < CHECK_COUNT; k++)
		c[n++] = xasprintf("check=%s", check_name(k));
	for (k = 0; k < ARRAY_SIZE(decision_words); k++)
		c[n++] = xasprintf("decision=%s", decision_words[k]);
	for (k = 0; k < ARRAY_SIZE(filter_keys); k++)
		c[n++] = xstrdup(filter_keys[k]);
	ui_prompt(app, "filter: ", "", (const char *const *)c, n, PROMPT_WORDS,
	    filter_done, NULL);
	for (i = 0; i < n; i++)
		free(c[i]);
	free(c);
	return REDRAW_STATUS;
}

static const float *
sort_values(const struct app *app, enum sort_key k)
{
	switch (k) {
	case SORT_SUSPECT:
		return app->annot.suspect;
	case SORT_LOUDNESS:
		return app->annot.peak_db;
	case SORT_DURATION:
		return app->annot.duration;
	case SORT_OUTLIER:
		return app->annot.outlier;
	case SORT_UNCERTAIN:
		return app->annot.margin;
	default:
		return NULL;
	}
}

/* path → label → suspect → loudness → duration (→ outlier once embeddings
 * are loaded, → uncertain once predictions are) → path. */
static unsigned
cmd_sort(struct app *app, int arg)
{
	enum sort_key k = app->view.shuffled ? SORT_PATH : app->view.sort + 1;

	if (k == SORT_OUTLIER && app->annot.outlier == NULL)
		k++;
	if (k == SORT_UNCERTAIN && app->annot.margin == NULL)
		k++;
	if (k >= SORT_COUNT)
		k = SORT_PATH;
	view_set_sort(&app->view, k);
	if (k >= SORT_SUSPECT && sort_values(app, k) == NULL)
		ui_message(app, "sorted by %s (not known yet: path order)", sort_key_name(k));
	else
		ui_message(app, "sorted by %s", sort_key_name(k));
	return REDRAW_FILES | REDRAW_FRAME | REDRAW_STATUS;
}

static unsigned
cmd_shuffle(struct app *app, int arg)
{
	view_shuffle(&app->view, 0);
	ui_message(app, "shuffled (s: sorted again)");
	return REDRAW_FILES | REDRAW_FRAME | REDRAW_STATUS;
}

static unsigned
cmd_relabel(struct app *app, int arg)
{
	return decide_relabel_prompt(app);
}

static unsigned
cmd_relabel_nth(struct app *app, int n)
{
	return decide_relabel_nth(app, n);
}

static unsigned
cmd_relabel_shown(struct app *app, int arg)
{
	return decide_relabel_shown(app);
}

static unsigned
cmd_model_label(struct app *app, int arg)
{
	return decide_take_prediction(app);
}

static unsigned
cmd_review(struct app *app, int arg)
{
	return review_toggle(app);
}

static unsigned
cmd_delete(struct app *app, int arg)
{
	return decide_delete(app);
}

static unsigned
cmd_accept(struct app *app, int arg)
{
	return decide_accept(app);
}

static unsigned
cmd_flag(struct app *app, int arg)
{
	return decide_flag(app);
}

static unsigned
cmd_undo(struct app *app, int arg)
{
	return decide_undo(app);
}

static unsigned
cmd_note(struct app *app, int arg)
{
	return decide_note(app);
}

/* Left and right move across columns in panes that have them (the
 * confusion pane); elsewhere they do nothing. */
static unsigned
cmd_sideways(struct app *app, int arg)
{
	return REDRAW_NONE;
}

static unsigned
cmd_truth(struct app *app, int arg)
{
	return confusion_toggle_truth(app);
}

static unsigned
cmd_split(struct app *app, int arg)
{
	return confusion_cycle_split(app);
}

static unsigned
cmd_cluster(struct app *app, int arg)
{
	ui_show_bottom(app, app->bottom == PANE_CLUSTER ? PANE_CONFUSION : PANE_CLUSTER);
	return REDRAW_NONE;
}

/* Keys of the cluster pane alone: it acts on the command's name while
 * focused; elsewhere they do nothing. */
static unsigned
cmd_cluster_only(struct app *app, int arg)
{
	return REDRAW_NONE;
}

static void (*open_help)(struct app *);

void
commands_on_help(void (*open)(struct app *))
{
	open_help = open;
}

static unsigned
cmd_help(struct app *app, int arg)
{
	if (open_help != NULL)
		open_help(app);
	return REDRAW_NONE;
}

static unsigned
cmd_redraw(struct app *app, int arg)
{
	clearok(curscr, TRUE);
	return REDRAW_ALL;
}

static unsigned
cmd_quit(struct app *app, int arg)
{
	app->quit = 1;
	return REDRAW_NONE;
}

#define RELABEL(n) { "relabel-" #n, "relabel to label " #n " (numbered in the confusion pane)", \
	cmd_relabel_nth, n, #n }

static const struct command commands[] = {
	{ "down", "select the next sample", cmd_down, 0, "j Down C-n" },
	{ "up", "select the previous sample", cmd_up, 0, "k Up C-p" },
	{ "page-down", "one screen down", cmd_page_down, 0, "PgDn C-f" },
	{ "page-up", "one screen up", cmd_page_up, 0, "PgUp C-b" },
	{ "top", "first sample", cmd_top, 0, "g Home" },
	{ "bottom", "last sample", cmd_bottom, 0, "G End" },
	{ "left", "confusion pane: the column to the left, then row names",
	    cmd_sideways, -1, "h Left" },
	{ "right", "confusion pane: the column to the right", cmd_sideways, 1, "l Right" },
	{ "next-pane", "focus the next pane", cmd_cycle_pane, 1, "Tab" },
	{ "prev-pane", "focus the previous pane", cmd_cycle_pane, -1, "S-Tab" },
	{ "play", "play / stop the selected clip", cmd_play, 0, "Space" },
	{ "autoplay", "play the next clip when one ends (toggle)", cmd_autoplay, 0, "n" },
	{ "enter", "confusion pane: show that cell's samples", cmd_enter, 0, "Enter" },
	{ "back", "back out of a filter, prompt or overlay", cmd_back, 0, "Esc" },
	{ "filter", "filter (its words: at the end of this list)",
	    cmd_filter, 0, "/" },
	{ "sort", "cycle sort: path, label, suspect, loudness, duration, outlier, uncertain",
	    cmd_sort, 0, "s" },
	{ "shuffle", "shuffle (browse in random order)", cmd_shuffle, 0, "R" },
	{ "preview-mode", "preview: waveform / spectrogram / thumbnail / text",
	    cmd_preview_mode, 0, "v" },
	{ "relabel", "relabel (prompt with completion)", cmd_relabel, 0, "r" },
	RELABEL(1), RELABEL(2), RELABEL(3), RELABEL(4), RELABEL(5),
	RELABEL(6), RELABEL(7), RELABEL(8), RELABEL(9),
	{ "relabel-shown", "relabel every sample shown (a cluster's group, a filter)",
	    cmd_relabel_shown, 0, "*" },
	{ "model-label", "take the model's label: relabel a suspect, label an unlabeled sample",
	    cmd_model_label, 0, "y" },
	{ "delete", "mark for deletion", cmd_delete, 0, "d" },
	{ "accept", "accept: the label is verified", cmd_accept, 0, "a" },
	{ "flag", "flag: keep, and add to the rogues gallery", cmd_flag, 0, "f" },
	{ "undo", "undo the last decision", cmd_undo, 0, "u" },
	{ "review", "review mode: each decision moves to the next sample and plays it",
	    cmd_review, 0, "V" },
	{ "note", "add a note to the selected sample (in the journal)", cmd_note, 0, "m" },
	{ "cluster", "bottom pane: confusion matrix / embedding clusters", cmd_cluster, 0, "c" },
	{ "next-copy", "the next near copy of the selected sample", checks_next_copy, 0, "C" },
	{ "next-outlier", "cluster pane: the next outlier, highest score first", cmd_cluster_only, 0, "o" },
	{ "zoom-in", "cluster pane: zoom in (on the cursor)", cmd_cluster_only, 0, "+ =" },
	{ "zoom-out", "cluster pane: zoom out", cmd_cluster_only, 0, "-" },
	{ "zoom-reset", "cluster pane: every point of the view", cmd_cluster_only, 0, "0" },
	{ "next-class", "cluster pane: the next class by split score", cmd_cluster_only, 0, "]" },
	{ "prev-class", "cluster pane: the previous class by split score", cmd_cluster_only, 0, "[" },
	{ "truth", "confusion: truth as in the dataset / after decisions", cmd_truth,
	    0, "t" },
	{ "split", "confusion: count one split after another, then all", cmd_split, 0, "S" },
	{ "help", "this help", cmd_help, 0, "? F1" },
	{ "redraw", "redraw the screen", cmd_redraw, 0, "C-l" },
	{ "quit", "quit", cmd_quit, 0, "q" },
};
static const size_t ncommands = ARRAY_SIZE(commands);

const struct command *
command_at(size_t i)
{
	return i < ncommands ? &commands[i] : NULL;
}

/* ---- key names ---- */

static const struct {
	const char *name;
	int key;
} named_keys[] = {
	{ "Space", ' ' }, { "Enter", '\n' }, { "Tab", '\t' }, { "S-Tab", KEY_BTAB },
	{ "Esc", 27 }, { "Up", KEY_UP }, { "Down", KEY_DOWN }, { "Left", KEY_LEFT },
	{ "Right", KEY_RIGHT }, { "PgUp", KEY_PPAGE }, { "PgDn", KEY_NPAGE },
	{ "Home", KEY_HOME }, { "End", KEY_END }, { "Backspace", KEY_BACKSPACE },
	{ "Delete", KEY_DC }, { "Insert", KEY_IC },
	/* Other spellings people write. */
	{ "BTab", KEY_BTAB }, { "Escape", 27 }, { "Return", '\n' },
	{ "PageUp", KEY_PPAGE }, { "PageDown", KEY_NPAGE }, { "BSpace", KEY_BACKSPACE },
};

int
key_from_name(const char *name)
{
	size_t i;
	int n;
	char *end;

	if (name[0] != '\0' && name[1] == '\0')
		return (unsigned char)name[0] > ' ' && (unsigned char)name[0] < 0x7f ?
		    (unsigned char)name[0] : -1;
	for (i = 0; i < ARRAY_SIZE(named_keys); i++)
		if (strcasecmp(name, named_keys[i].name) == 0)
			return named_keys[i].key;
	if ((name[0] == 'C' && name[1] == '-' && name[2] != '\0' && name[3] == '\0') ||
	    (name[0] == '^' && name[1] != '\0' && name[2] == '\0')) {
		int c = tolower((unsigned char)name[name[0] == '^' ? 1 : 2]);
		if (c >= 'a' && c <= 'z')
			return c - 'a' + 1;
		return -1;
	}
	if ((name[0] == 'F' || name[0] == 'f') && isdigit((unsigned char)name[1])) {
		n = (int)strtol(name + 1, &end, 10);
		if (*end == '\0' && n >= 1 && n <= 24)
			return KEY_F(n);
	}
	return -1;
}

void
key_to_name(int key, char *buf, size_t size)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(named_keys); i++)
		if (named_keys[i].key == key) {
			snprintf(buf, size, "%s", named_keys[i].name);
			return;
		}
	if (key > ' ' && key < 0x7f)
		snprintf(buf, size, "%c", key);
	else if (key >= 1 && key <= 26)
		snprintf(buf, size, "C-%c", 'a' + key - 1);
	else if (key >= KEY_F(1) && key <= KEY_F(24))
		snprintf(buf, size, "F%d", key - KEY_F(0));
	else if (key == KEY_RESIZE)
		snprintf(buf, size, "resize");
	else
		snprintf(buf, size, "#%d", key);
}

/* ---- bindings: key code → command index + 1 ---- */

static unsigned char bindings[KEY_MAX + 1];

static void
bind_key(int key, size_t command)
{
	if (key >= 0 && key <= KEY_MAX)
		bindings[key] = (unsigned char)(command + 1);
}

const struct command *
command_find(const char *name)
{
	size_t i;
	for (i = 0; i < ncommands; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

const struct command *
command_for_key(int key)
{
	if (key == '\r' || key == KEY_ENTER)
		key = '\n';
	if (key < 0 || key > KEY_MAX || bindings[key] == 0)
		return NULL;
	return &commands[bindings[key] - 1];
}

void
command_keys(const struct command *c, char *buf, size_t size)
{
	size_t len = 0, idx = (size_t)(c - commands);
	char name[32];
	int k;

	int pass;

	buf[0] = '\0';
	/* Letters and signs first, then named keys, then control keys. */
	for (pass = 0; pass < 3; pass++)
	for (k = 0; k <= KEY_MAX; k++) {
		int group = k > ' ' && k < 0x7f ? 0 : (k >= 1 && k <= 26) ? 2 : 1;
		if (bindings[k] != idx + 1 || group != pass)
			continue;
		key_to_name(k, name, sizeof name);
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s%s",
		    len ? " " : "", name);
		if (len >= size)
			break;
	}
}

void
commands_free(void)
{
	memset(bindings, 0, sizeof bindings);
}

static int
bind_defaults(void)
{
	size_t i;
	char *copy, *save, *name;

	memset(bindings, 0, sizeof bindings);
	for (i = 0; i < ncommands; i++) {
		copy = xstrdup(commands[i].keys);
		save = NULL;
		for (name = strtok_r(copy, " ", &save); name; name = strtok_r(NULL, " ", &save)) {
			int key = key_from_name(name);
			if (key < 0)
				die("bad default key '%s'", name);
			bind_key(key, i);
		}
		free(copy);
	}
	return 0;
}

int
commands_bind(char **cause)
{
	const struct setting *s;
	const struct command *c;
	size_t n, i, j;
	int key;
	/* Keys the file binds, to refuse one key given to two commands. */
	int *given_key;

	bind_defaults();
	s = settings_section("keys", &n);
	given_key = xmalloc((n ? n : 1) * sizeof *given_key);
	/* A command named in the file loses its default keys. */
	for (i = 0; i < n; i++) {
		if ((c = command_find(s[i].name)) == NULL) {
			settings_error(cause, &s[i], "keys: no command '%s' (see ? for the list)",
			    s[i].name);
			free(given_key);
			return -1;
		}
		for (key = 0; key <= KEY_MAX; key++)
			if (bindings[key] == (unsigned char)(c - commands + 1))
				bindings[key] = 0;
	}
	for (i = 0; i < n; i++) {
		c = command_find(s[i].name);
		given_key[i] = -1;
		if (strcmp(s[i].value, "none") == 0)
			continue;
		if ((key = key_from_name(s[i].value)) < 0) {
			settings_error(cause, &s[i], "keys: %s: no key called '%s'",
			    s[i].name, s[i].value);
			free(given_key);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (given_key[j] == key) {
				settings_error(cause, &s[i], "keys: '%s' is bound to %s (line %d) and %s",
				    s[i].value, s[j].name, s[j].line, s[i].name);
				free(given_key);
				return -1;
			}
		given_key[i] = key;
		bind_key(key, (size_t)(c - commands));
	}
	free(given_key);
	return 0;
}
