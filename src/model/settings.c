/* settings.c — config.yaml, read with libyaml's event parser into a flat list
 * (settings.h). Only the shape is checked here (a map of scalars, maps and
 * lists of scalars) and the numbers of `thresholds:`; each part checks the
 * meaning of its own section. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "settings.h"
#include "util.h"

/* Top-level names the file may use; a typo is an error, not a silent default. */
static const char *const known_names[] = {
	"keys", "colours", "colors", "thresholds", "trash", "pixels",
};

static struct {
	struct setting *list;
	size_t n, cap;
	char *path;
} cfg;

static char *
default_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	if (xdg && *xdg == '/')
		return xasprintf("%s/winnow/config.yaml", xdg);
	return xasprintf("%s/.config/winnow/config.yaml", home && *home ? home : ".");
}

const char *
settings_path(void)
{
	if (cfg.path == NULL)
		cfg.path = default_path();
	return cfg.path;
}

static void
add(const char *section, const char *name, const char *value, int line)
{
	struct setting *s;
	cfg.list = xgrow(cfg.list, &cfg.cap, cfg.n + 1, sizeof *cfg.list);
	s = &cfg.list[cfg.n++];
	s->section = xstrdup(section);
	s->name = xstrdup(name);
	s->value = xstrdup(value);
	s->line = line;
}

static void
clear(void)
{
	size_t i;
	for (i = 0; i < cfg.n; i++) {
		free((char *)cfg.list[i].section);
		free((char *)cfg.list[i].name);
		free((char *)cfg.list[i].value);
	}
	free(cfg.list);
	cfg.list = NULL;
	cfg.n = cfg.cap = 0;
}

void
settings_free(void)
{
	clear();
	free(cfg.path);
	cfg.path = NULL;
}

struct reader {
	yaml_parser_t parser;
	yaml_event_t ev;
	const char *path;
	char **cause;
};

static int
next(struct reader *r)
{
	yaml_event_delete(&r->ev);
	if (!yaml_parser_parse(&r->parser, &r->ev)) {
		set_cause(r->cause, "%s:%zu: %s", r->path,
		    r->parser.problem_mark.line + 1,
		    r->parser.problem ? r->parser.problem : "not valid YAML");
		r->ev.type = YAML_NO_EVENT;
		return -1;
	}
	return 0;
}

static int
line_of(const struct reader *r)
{
	return (int)r->ev.start_mark.line + 1;
}

static const char *
scalar(const struct reader *r)
{
	return (const char *)r->ev.data.scalar.value;
}

static int
bad(struct reader *r, const char *what)
{
	set_cause(r->cause, "%s:%d: %s", r->path, line_of(r), what);
	return -1;
}

/* The value of section/name at the current event: a scalar or a list of
 * scalars. */
static int
read_values(struct reader *r, const char *section, const char *name)
{
	if (r->ev.type == YAML_SCALAR_EVENT) {
		add(section, name, scalar(r), line_of(r));
		return 0;
	}
	if (r->ev.type != YAML_SEQUENCE_START_EVENT)
		return bad(r, "expected a value or a list of values");
	for (;;) {
		if (next(r) != 0)
			return -1;
		if (r->ev.type == YAML_SEQUENCE_END_EVENT)
			return 0;
		if (r->ev.type != YAML_SCALAR_EVENT)
			return bad(r, "expected a value in the list");
		add(section, name, scalar(r), line_of(r));
	}
}

static int
read_section(struct reader *r, const char *section)
{
	char *name;
	int rc;
	for (;;) {
		if (next(r) != 0)
			return -1;
		if (r->ev.type == YAML_MAPPING_END_EVENT)
			return 0;
		if (r->ev.type != YAML_SCALAR_EVENT)
			return bad(r, "expected a name");
		name = xstrdup(scalar(r));
		rc = next(r) == 0 ? read_values(r, section, name) : -1;
		free(name);
		if (rc != 0)
			return -1;
	}
}

static int
known(const char *name)
{
	size_t i;
	for (i = 0; i < ARRAY_SIZE(known_names); i++)
		if (strcmp(known_names[i], name) == 0)
			return 1;
	return 0;
}

/* Was top-level `name` read already (as a section or a value)? */
static int
given(const char *name)
{
	size_t i;
	if (strcmp(name, "colors") == 0)
		name = "colours";
	for (i = 0; i < cfg.n; i++)
		if (strcmp(cfg.list[i].section, name) == 0 ||
		    (cfg.list[i].section[0] == '\0' && strcmp(cfg.list[i].name, name) == 0))
			return 1;
	return 0;
}

static int
read_document(struct reader *r)
{
	char *name;
	int rc;

	do {
		if (next(r) != 0)
			return -1;
	} while (r->ev.type == YAML_STREAM_START_EVENT);
	if (r->ev.type == YAML_STREAM_END_EVENT)
		return 0;       /* an empty file */
	if (next(r) != 0)
		return -1;
	if (r->ev.type == YAML_SCALAR_EVENT && r->ev.data.scalar.length == 0)
		return 0;       /* a document with nothing in it */
	if (r->ev.type != YAML_MAPPING_START_EVENT)
		return bad(r, "expected a map of settings (name: value)");
	for (;;) {
		if (next(r) != 0)
			return -1;
		if (r->ev.type == YAML_MAPPING_END_EVENT)
			break;
		if (r->ev.type != YAML_SCALAR_EVENT)
			return bad(r, "expected a setting name");
		if (!known(scalar(r))) {
			set_cause(r->cause, "%s:%d: unknown setting '%s'", r->path,
			    line_of(r), scalar(r));
			return -1;
		}
		if (given(scalar(r))) {
			set_cause(r->cause, "%s:%d: '%s' is given twice", r->path,
			    line_of(r), scalar(r));
			return -1;
		}
		name = xstrdup(scalar(r));
		if (next(r) != 0)
			rc = -1;
		else if (r->ev.type == YAML_MAPPING_START_EVENT)
			rc = read_section(r, strcmp(name, "colors") == 0 ? "colours" : name);
		else
			rc = read_values(r, "", name);
		free(name);
		if (rc != 0)
			return -1;
	}
	if (next(r) != 0)
		return -1;
	if (next(r) != 0)
		return -1;
	if (r->ev.type != YAML_STREAM_END_EVENT)
		return bad(r, "only one document is read; remove this one");
	return 0;
}

static int
check_thresholds(char **cause)
{
	size_t i;
	for (i = 0; i < cfg.n; i++) {
		const struct setting *s = &cfg.list[i];
		char *end;
		double v;
		if (strcmp(s->section, "thresholds") != 0)
			continue;
		errno = 0;
		v = strtod(s->value, &end);
		if (end == s->value || *end != '\0' || errno != 0 || !isfinite(v)) {
			settings_error(cause, s, "threshold %s: '%s' is not a number",
			    s->name, s->value);
			return -1;
		}
	}
	return 0;
}

int
settings_load(const char *path, char **cause)
{
	struct reader r = { .cause = cause };
	FILE *f;
	int rc;

	clear();
	free(cfg.path);
	cfg.path = path ? xstrdup(path) : default_path();
	r.path = cfg.path;
	if ((f = fopen(cfg.path, "rb")) == NULL) {
		if (errno == ENOENT && path == NULL)
			return 0;
		set_cause(cause, "%s: %s", cfg.path, strerror(errno));
		return -1;
	}
	yaml_parser_initialize(&r.parser);
	yaml_parser_set_input_file(&r.parser, f);
	r.ev.type = YAML_NO_EVENT;
	rc = read_document(&r);
	yaml_event_delete(&r.ev);
	yaml_parser_delete(&r.parser);
	fclose(f);
	if (rc == 0)
		rc = check_thresholds(cause);
	if (rc != 0)
		clear();
	return rc;
}

const struct setting *
settings_section(const char *section, size_t *n)
{
	size_t i, first = cfg.n, count = 0;
	/* A section's entries are contiguous: the reader refuses a section
	 * named twice. */
	for (i = 0; i < cfg.n; i++) {
		if (strcmp(cfg.list[i].section, section) != 0)
			continue;
		if (first == cfg.n)
			first = i;
		count++;
	}
	*n = count;
	return count ? &cfg.list[first] : NULL;
}

const struct setting *
settings_find(const char *section, const char *name)
{
	size_t i = cfg.n;
	while (i-- > 0)
		if (strcmp(cfg.list[i].section, section) == 0 &&
		    strcmp(cfg.list[i].name, name) == 0)
			return &cfg.list[i];
	return NULL;
}

double
settings_threshold(const char *name, double dflt)
{
	const struct setting *s = settings_find("thresholds", name);
	return s ? strtod(s->value, NULL) : dflt;
}

const char *
settings_trash(void)
{
	const struct setting *s = settings_find("", "trash");
	return s ? s->value : NULL;
}

void
settings_error(char **cause, const struct setting *s, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	if (cause == NULL)
		return;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	*cause = xasprintf("%s:%d: %s", settings_path(), s->line, msg);
	free(msg);
}
