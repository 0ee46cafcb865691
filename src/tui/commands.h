/* commands.h — every action of the browser is a named command in one table
 * (commands.c), with the default key bindings beside it; the help overlay
 * and the man page's key list come from that table, and config.yaml's
 * `keys:` rebinds by command name. What a command does lives with the
 * pane or feed it acts on. */
#ifndef WINNOW_COMMANDS_H
#define WINNOW_COMMANDS_H

#include <stddef.h>

struct app;

struct command {
	const char *name;               /* "down", "play", "relabel-3", … */
	const char *description;        /* one line for the help overlay */
	int arg;                        /* handed to what the command does */
	const char *keys;               /* default keys, space-separated names */
};

/* The table, in help order: command_at(0), command_at(1), … until NULL. */
const struct command *command_at(size_t i);

/* What a command does, when the focused pane leaves the key to it;
 * returns REDRAW_ flags. */
typedef unsigned (*command_fn)(struct app *, int arg);
/* A part's commands by name, ended by { NULL, NULL }: each pane and feed
 * that owns commands exports such a table, and the browser's set-up hands
 * them all here, so that the table calls into no part it lists. */
struct command_handler {
	const char *name;
	command_fn fn;
};
void commands_handle(const struct command_handler *h);
/* Do c. A command no part handles is one that only the focused pane acts
 * on (left and right, enter, the cluster pane's keys): it does nothing
 * here. Returns REDRAW_ flags. */
unsigned command_run(struct app *app, const struct command *c);

/* Bind the default keys, then config.yaml's `keys:` over them (a command
 * named there loses its default keys). Call after settings_load, before
 * the terminal is taken. Returns 0, or -1 with *cause naming the file and
 * line of a bad entry (unknown command or key name). */
int commands_bind(char **cause);
void commands_free(void);
/* The command bound to a curses key, or NULL. */
const struct command *command_for_key(int key);
const struct command *command_find(const char *name);
/* The keys bound to a command as text ("j Down"), into buf. */
void command_keys(const struct command *c, char *buf, size_t size);
/* Curses key code of a key name ("q", "Space", "C-l", "PgDn", "S-Tab",
 * "F5"), or -1. */
int key_from_name(const char *name);
/* Name of a curses key code, into buf ("j", "Down", "C-l"). */
void key_to_name(int key, char *buf, size_t size);

#endif
