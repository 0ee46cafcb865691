/* glyphs.c — text on the terminal: widths, fallbacks, box pieces
 * (glyphs.h, ui.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include <curses.h>

#include "glyphs.h"
#include "ui.h"
#include "util.h"

/* Whether the locale decodes UTF-8 (app->utf8, for the text functions). */
static int locale_utf8 = 1;

void
glyphs_set_utf8(int utf8)
{
	locale_utf8 = utf8;
}

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

static const char *const box_utf8[BX_COUNT] = { "─", "│", "┌", "┐", "└", "┘", "┬", "┴", "├", "┤" };
static const char *const box_ascii[BX_COUNT] = { "-", "|", "+", "+", "+", "+", "+", "+", "+", "+" };

const char *
glyph_box(const struct app *app, enum box_piece piece)
{
	return app->utf8 ? box_utf8[piece] : box_ascii[piece];
}

void
glyph_hline(const struct app *app, WINDOW *w, int y, int x, int n)
{
	while (n-- > 0)
		mvwaddstr(w, y, x++, glyph_box(app, BX_H));
}

void
ui_box(const struct app *app, WINDOW *w)
{
	int h = getmaxy(w), wd = getmaxx(w), y;
	wattrset(w, ui_attr(app, ROLE_BORDER));
	mvwaddstr(w, 0, 0, glyph_box(app, BX_TL));
	glyph_hline(app, w, 0, 1, wd - 2);
	mvwaddstr(w, 0, wd - 1, glyph_box(app, BX_TR));
	for (y = 1; y < h - 1; y++) {
		mvwaddstr(w, y, 0, glyph_box(app, BX_V));
		mvwaddstr(w, y, wd - 1, glyph_box(app, BX_V));
	}
	mvwaddstr(w, h - 1, 0, glyph_box(app, BX_BL));
	glyph_hline(app, w, h - 1, 1, wd - 2);
	mvwaddstr(w, h - 1, wd - 1, glyph_box(app, BX_BR));
	wattrset(w, A_NORMAL);
}
