/* thumb.c — time winnow's thumbnail path per file, for `make bench`: what
 * the preview pane's worker does for a picture drawn in cells (decode by
 * content into cell_decode_box, relative to the dataset's folder, then
 * cell_grid_render), for a font the terminal does not describe (10×20
 * pixels) and 256 colours.
 *
 *   bench/thumb COLS ROWS FILE...   prints one line per file: milliseconds */
#include "config.h"

#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image-view.h"
#include "image.h"
#include "util.h"

int
main(int argc, char **argv)
{
	int cols, rows, bw, bh, i;

	if (argc < 4) {
		fprintf(stderr, "usage: thumb COLS ROWS FILE...\n");
		return 2;
	}
	cols = atoi(argv[1]);
	rows = atoi(argv[2]);
	cell_decode_box(cols, rows, 10, 20, &bw, &bh);
	for (i = 3; i < argc; i++) {
		struct image img = { 0 };
		struct image_info info = { 0 };
		struct cell_grid grid = { 0 };
		char *cause = NULL, *dir = xstrdup(argv[i]), *base = xstrdup(argv[i]);
		/* The browser opens samples relative to the dataset's folder,
		 * which it holds open. */
		int dirfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		double t0;

		if (dirfd < 0)
			die("%s: cannot open its folder", argv[i]);
		t0 = now_seconds();
		if (image_load_at(dirfd, basename(base), bw, bh, &img, &info,
		    &cause) != 0) {
			fprintf(stderr, "%s: %s\n", argv[i], cause);
			return 1;
		}
		cell_grid_render(&img, cols, rows, 10, 20, COLOR_DEPTH_256, 0, &grid);
		printf("%.3f\n", (now_seconds() - t0) * 1000);
		cell_grid_clear(&grid);
		image_clear(&img);
		image_info_clear(&info);
		close(dirfd);
		free(dir);
		free(base);
	}
	return 0;
}
