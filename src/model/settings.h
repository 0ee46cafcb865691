/* settings.h — the configuration file, $XDG_CONFIG_HOME/winnow/config.yaml
 * (~/.config/winnow/config.yaml when XDG_CONFIG_HOME is unset), read once
 * with libyaml into a flat list of (section, name, value, line) that every
 * part queries by name. No curses here.
 *
 *   keys:                 # command: key, or a list of keys
 *     quit: Q
 *     play: [p, Space]
 *   colours:              # role: "FG", "FG on BG" (names or 0-255), or none
 *     selected: "black on cyan"
 *   thresholds:           # name: number, read by the checks
 *     quiet-db: -40
 *   trash: /scratch/winnow-trash
 *
 * A top-level scalar (trash) has section "". Where a value is a list, each
 * element is its own entry with the same section and name. Every value is
 * kept as a string; whoever knows what it means checks it and names the
 * line in the error (settings_error). */
#ifndef WINNOW_SETTINGS_H
#define WINNOW_SETTINGS_H

#include <stddef.h>

struct setting {
	const char *section;    /* "keys", "colours", "thresholds", or "" */
	const char *name;
	const char *value;
	int line;               /* 1-based line of the value in the file */
};

/* Read the configuration: `path`, or the default file when path is NULL
 * (a missing default file is no error: defaults apply). Replaces what was
 * loaded before. Returns 0, or -1 with *cause set ("FILE:LINE: why"). Every
 * command that reads thresholds calls it once before the first query;
 * nothing is loaded until then. Not thread-safe: call before starting
 * threads; the queries below are safe from any thread afterwards. */
int settings_load(const char *path, char **cause);
/* The file settings_load read (or would read), for messages. Static until
 * the next settings_load. */
const char *settings_path(void);
/* Entries of a section in file order; *n gets their number. The array is
 * owned by settings and valid until the next settings_load. */
const struct setting *settings_section(const char *section, size_t *n);
/* The last value of section/name, or NULL. */
const struct setting *settings_find(const char *section, const char *name);
/* thresholds: NAME as a number, or dflt when absent. A value that is not a
 * number is refused by settings_load, so this never fails. */
double settings_threshold(const char *name, double dflt);
/* The trash folder (`trash:`), or NULL for the default. */
const char *settings_trash(void);
/* "FILE:LINE: message" for a bad entry, as a heap string into *cause. */
void settings_error(char **cause, const struct setting *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void settings_free(void);

#endif
