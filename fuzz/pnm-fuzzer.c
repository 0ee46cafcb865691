/* pnm-fuzzer.c — winnow's own PNM decoder, as the preview (scaled to a
 * thumbnail) and the checks (the probe) call it. Inputs of other formats
 * are passed over: other harnesses, or their libraries' own, cover those. */
#include "config.h"

#include "fuzz.h"
#include "image.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image img = { 0 };
	struct image_info info = { 0 };
	struct image_probe probe;
	char *cause = NULL;

	if (format_from_magic(data, size) != FMT_PNM)
		return 0;
	image_load_mem(data, size, "fuzz.pnm", 80, 60, &img, &info, &cause);
	image_clear(&img);
	image_info_clear(&info);
	free(cause);
	cause = NULL;
	image_probe_mem(data, size, "fuzz.pnm", &probe, &cause);
	free(cause);
	return 0;
}
