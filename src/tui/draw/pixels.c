/* draw/pixels.c — real pixels on the terminal, beside curses (pixels.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>

#include "pixels.h"
#include "util.h"

static void
write_all(const char *p, size_t n)
{
	ssize_t k;
	while (n > 0) {
		k = write(STDOUT_FILENO, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return;
		p += k;
		n -= (size_t)k;
	}
}

/* Append the n bytes of seq as they must reach the terminal: inside tmux,
 * as one passthrough sequence with each ESC doubled. tmux moves the outer
 * terminal's cursor to its top left after each passthrough sequence, so a
 * picture must travel in the same one as the movement that places it. */
static void
add_outer(const struct pixel_screen *s, struct buf *b, const char *seq, size_t n)
{
	const char *end = seq + n, *esc;

	if (!s->caps->tmux) {
		buf_add(b, seq, n);
		return;
	}
	buf_adds(b, "\033Ptmux;");
	while ((esc = memchr(seq, '\033', (size_t)(end - seq))) != NULL) {
		buf_add(b, seq, (size_t)(esc - seq) + 1);
		buf_addc(b, '\033');
		seq = esc + 1;
	}
	buf_add(b, seq, (size_t)(end - seq));
	buf_adds(b, "\033\\");
}

void
pixels_hide(struct pixel_screen *s)
{
	const char *clear = pixels_clear_sequence(s->caps);
	struct buf b = { 0 };

	if (s->shown == 0)
		return;
	if (*clear) {
		add_outer(s, &b, clear, strlen(clear));
		write_all(b.data, b.len);
		buf_free(&b);
	} else {
		/* Sixel and iTerm2 pictures go when their cells are repainted. */
		clearok(curscr, TRUE);
		doupdate();
	}
	s->shown = 0;
}

void
pixels_show(struct pixel_screen *s, unsigned long id, int y, int x,
    const char *pixels, size_t n)
{
	struct buf seq = { 0 }, b = { 0 };

	if (s->shown == id && s->y == y && s->x == x && !s->repaint)
		return;
	if (s->shown != 0)
		buf_adds(&seq, pixels_clear_sequence(s->caps));
	/* The cursor goes back where curses believes it is. Inside tmux the
	 * picture reaches the outer terminal directly, so it is placed in the
	 * outer terminal's coordinates. */
	buf_addf(&seq, "\0337\033[%d;%dH", s->tmux_top + y + 1, s->tmux_left + x + 1);
	buf_add(&seq, pixels, n);
	buf_adds(&seq, "\0338");
	add_outer(s, &b, seq.data, seq.len);
	write_all(b.data, b.len);
	buf_free(&seq);
	buf_free(&b);
	s->shown = id;
	s->y = y;
	s->x = x;
	s->repaint = 0;
}

int
pixels_moved(struct pixel_screen *s, unsigned long id, int y, int x)
{
	if (s->shown == 0 || (s->shown == id && s->y == y && s->x == x) ||
	    s->caps->pixels == PIXELS_KITTY)
		return 0;
	s->shown = 0;
	return 1;
}

void
pixels_locate(struct pixel_screen *s)
{
	const char *id = getenv("TMUX_PANE");
	char *cmd, line[64];
	FILE *fp;

	s->tmux_top = s->tmux_left = 0;
	if (!s->caps->tmux || s->caps->pixels == PIXELS_NONE || id == NULL ||
	    strspn(id, "%0123456789") != strlen(id))
		return;
	cmd = xasprintf("tmux display-message -p -t '%s' '#{pane_top} #{pane_left}' "
	    "2>/dev/null", id);
	if ((fp = popen(cmd, "r")) != NULL) {
		if (fgets(line, sizeof line, fp) != NULL &&
		    sscanf(line, "%d %d", &s->tmux_top, &s->tmux_left) != 2)
			s->tmux_top = s->tmux_left = 0;
		pclose(fp);
	}
	free(cmd);
}
