/* wave.c — time winnow's waveform path per clip, for `make bench`: what
 * the browser does when a clip is selected. The preview pane's worker
 * decodes and measures it and computes its spectrogram (audio_view_load);
 * the UI thread then draws the waveform, the loudest second and the info
 * line into the pane (audio_view_draw) and curses sends the cells, here to
 * /dev/null as an xterm-256color in the locale's codeset.
 *
 *   bench/wave COLS ROWS FILE...   prints one line per clip, milliseconds:
 *   "TOTAL LOAD DRAW DECODE CPU": TOTAL = LOAD + DRAW in wall time; DECODE
 *   is audio_decode_at alone, timed apart, to tell it from the spectrogram;
 *   CPU is the process's CPU time over TOTAL, which a loaded machine
 *   stretches less than the wall time. */
#include "config.h"

#include <fcntl.h>
#include <langinfo.h>
#include <libgen.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audio-view.h"
#include "audio.h"
#include "ui.h"
#include "util.h"

static double
cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct app app = { 0 };
	FILE *out, *in;
	SCREEN *screen;
	WINDOW *win;
	int cols, rows, i;

	if (argc < 4) {
		fprintf(stderr, "usage: wave COLS ROWS FILE...\n");
		return 2;
	}
	cols = atoi(argv[1]);
	rows = atoi(argv[2]);
	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C");
	app.utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	if ((out = fopen("/dev/null", "w")) == NULL ||
	    (in = fopen("/dev/null", "r")) == NULL)
		die("cannot open /dev/null");
	if ((screen = newterm("xterm-256color", out, in)) == NULL)
		die("no terminfo entry for xterm-256color");
	start_color();
	use_default_colors();
	app.colours = COLORS >= 256 ? 256 : 8;
	if ((win = newwin(rows, cols, 1, 1)) == NULL)
		die("cannot make a %d×%d window", cols, rows);

	for (i = 3; i < argc; i++) {
		struct audio_view *v;
		struct audio_clip *clip;
		char *cause = NULL, *dir = xstrdup(argv[i]), *base = xstrdup(argv[i]);
		/* The browser opens samples relative to the dataset's folder,
		 * which it holds open. */
		int dirfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		double t0, t1, t2, t3, t4, c0;

		if (dirfd < 0)
			die("%s: cannot open its folder", argv[i]);
		t0 = now_seconds();
		if ((clip = audio_decode_at(dirfd, basename(base), &cause)) == NULL)
			die("%s: %s", argv[i], cause);
		t1 = now_seconds();
		audio_clip_free(clip);

		c0 = cpu_seconds();
		t2 = now_seconds();
		if ((v = audio_view_load(dirfd, basename(base), &cause)) == NULL)
			die("%s: %s", argv[i], cause);
		t3 = now_seconds();
		werase(win);
		audio_view_draw(&app, win, 0, 0, rows, cols, v, AUDIO_VIEW_WAVEFORM, -1);
		wnoutrefresh(win);
		doupdate();
		t4 = now_seconds();
		printf("%.3f %.3f %.3f %.3f %.3f\n", (t4 - t2) * 1000,
		    (t3 - t2) * 1000, (t4 - t3) * 1000, (t1 - t0) * 1000,
		    (cpu_seconds() - c0) * 1000);
		audio_view_free(v);
		close(dirfd);
		free(dir);
		free(base);
	}
	delwin(win);
	endwin();
	delscreen(screen);
	fclose(out);
	fclose(in);
	return 0;
}
