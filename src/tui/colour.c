/* colour.c — colour roles, heat maps, label colours and pairs (colour.h,
 * ui.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "colour.h"
#include "settings.h"
#include "ui.h"
#include "util.h"

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

int
colour_configure(char **cause)
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

void
colour_start(struct app *app)
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

void
colour_free(void)
{
	free(pairs.fg);
	free(pairs.bg);
	free(pairs.pair);
	memset(&pairs, 0, sizeof pairs);
}
