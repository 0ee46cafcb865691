/* thumb.c — time winnow's thumbnail path (decode by content, straight to
 * thumbnail size, then chafa cells) per file, for `make bench`.
 *
 *   bench/thumb COLS ROWS FILE...   prints one line per file: milliseconds */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

#include "image-view.h"
#include "image.h"
#include "util.h"

int
main(int argc, char **argv)
{
	int cols, rows, i;

	if (argc < 4) {
		fprintf(stderr, "usage: thumb COLS ROWS FILE...\n");
		return 2;
	}
	cols = atoi(argv[1]);
	rows = atoi(argv[2]);
	for (i = 3; i < argc; i++) {
		struct image img = { 0 };
		struct image_info info = { 0 };
		struct cell_grid grid = { 0 };
		char *cause = NULL;
		double t0 = now_seconds();
		/* What the preview asks for cells of a 10×20 font (pane-preview.c
		 * decode_box): 8 pixels a cell across, chafa's own resolution. */
		if (image_load_at(AT_FDCWD, argv[i], cols * 8, rows * 16, &img, &info,
		    &cause) != 0) {
			fprintf(stderr, "%s: %s\n", argv[i], cause);
			return 1;
		}
		cell_grid_render(&img, cols, rows, 10, 20, COLOR_DEPTH_256, 0, &grid);
		printf("%.3f\n", (now_seconds() - t0) * 1000);
		cell_grid_clear(&grid);
		image_clear(&img);
		image_info_clear(&info);
	}
	return 0;
}
