/* commands.c — the browser's commands, one table with their default keys
 * and help, the key bindings, and the dispatch to what the parts that own
 * the commands registered (commands.h). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "commands.h"
#include "settings.h"
#include "ui.h"
#include "util.h"

#define RELABEL(n) \
	{ "relabel-" #n, "relabel to label " #n " (numbered in the confusion pane)", n, #n }

static const struct command commands[] = {
	{ "down", "select the next sample", 0, "j Down C-n" },
	{ "up", "select the previous sample", 0, "k Up C-p" },
	{ "page-down", "one screen down", 0, "PgDn C-f" },
	{ "page-up", "one screen up", 0, "PgUp C-b" },
	{ "top", "first sample", 0, "g Home" },
	{ "bottom", "last sample", 0, "G End" },
	{ "left", "confusion pane: the column to the left, then row names", -1, "h Left" },
	{ "right", "confusion pane: the column to the right", 1, "l Right" },
	{ "next-pane", "focus the next pane", 1, "Tab" },
	{ "prev-pane", "focus the previous pane", -1, "S-Tab" },
	{ "play", "play / stop the selected clip", 0, "Space" },
	{ "autoplay", "play the next clip when one ends (toggle)", 0, "n" },
	{ "enter", "confusion pane: show that cell's samples", 0, "Enter" },
	{ "back", "back out of a filter, prompt or overlay", 0, "Esc" },
	{ "filter", "filter (its words: at the end of this list)", 0, "/" },
	{ "sort", "cycle sort: path, label, suspect, loudness, duration, outlier, uncertain",
	    0, "s" },
	{ "shuffle", "shuffle (browse in random order)", 0, "R" },
	{ "preview-mode", "preview: waveform / spectrogram / thumbnail / text", 0, "v" },
	{ "relabel", "relabel (prompt with completion)", 0, "r" },
	RELABEL(1), RELABEL(2), RELABEL(3), RELABEL(4), RELABEL(5),
	RELABEL(6), RELABEL(7), RELABEL(8), RELABEL(9),
	{ "relabel-shown", "relabel every sample shown (a cluster's group, a filter)",
	    0, "*" },
	{ "model-label", "take the model's label: relabel a suspect, label an unlabeled sample",
	    0, "y" },
	{ "delete", "mark for deletion", 0, "d" },
	{ "accept", "accept: the label is verified", 0, "a" },
	{ "flag", "flag: keep, and add to the rogues gallery", 0, "f" },
	{ "undo", "undo the last decision", 0, "u" },
	{ "review", "review mode: each decision moves to the next sample and plays it",
	    0, "V" },
	{ "note", "add a note to the selected sample (in the journal)", 0, "m" },
	{ "cluster", "bottom pane: confusion matrix / embedding clusters", 0, "c" },
	{ "next-copy", "the next copy of the selection, exact or near", 0, "C" },
	{ "next-outlier", "cluster pane: the next outlier, highest score first", 0, "o" },
	{ "zoom-in", "cluster pane: zoom in (on the cursor)", 0, "+ =" },
	{ "zoom-out", "cluster pane: zoom out", 0, "-" },
	{ "zoom-reset", "cluster pane: every point of the view", 0, "0" },
	{ "next-class", "cluster pane: the next class by split score", 0, "]" },
	{ "prev-class", "cluster pane: the previous class by split score", 0, "[" },
	{ "truth", "confusion: truth as in the dataset / after decisions", 0, "t" },
	{ "split", "confusion: count one split after another, then all", 0, "S" },
	{ "help", "this help", 0, "? F1" },
	{ "redraw", "redraw the screen", 0, "C-l" },
	{ "quit", "quit", 0, "q" },
};
static const size_t ncommands = ARRAY_SIZE(commands);

const struct command *
command_at(size_t i)
{
	return i < ncommands ? &commands[i] : NULL;
}

/* What each command does, by its index in the table; NULL: only a
 * focused pane acts on it. */
static command_fn handlers[ARRAY_SIZE(commands)];

void
commands_handle(const struct command_handler *h)
{
	const struct command *c;

	for (; h->name != NULL; h++) {
		if ((c = command_find(h->name)) == NULL)
			die("a handler for no command '%s'", h->name);
		handlers[c - commands] = h->fn;
	}
}

unsigned
command_run(struct app *app, const struct command *c)
{
	command_fn fn = handlers[c - commands];
	return fn != NULL ? fn(app, c->arg) : REDRAW_NONE;
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
