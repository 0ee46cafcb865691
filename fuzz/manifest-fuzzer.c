/* manifest-fuzzer.c — a dataset opened on a CSV/TSV manifest: the manifest
 * is the input, beside a few real files its rows may name. */
#include "config.h"

#include "dataset.h"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const files[] = {
		"clips/c1.wav", "clips/c2.wav", "clips/c3.wav",
		"no/0a7c2a8d_nohash_0.wav", "up/0d000000_nohash_0.wav",
		"up/0e000000_nohash_0.wav", "yes/0a7c2a8d_nohash_0.wav",
		"odd/a\\b, \"c\" .wav",
	};
	size_t i;

	(void)argc;
	(void)argv;
	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *name = xasprintf("m/%s", files[i]);
		free(fuzz_write(name, "RIFF", 4));
		free(name);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *file = fuzz_write("m/labels.csv", data, size), *cause = NULL;
	struct dataset *ds = dataset_open(file, &cause);

	dataset_free(ds);
	free(cause);
	unlink(file);
	free(file);
	return 0;
}
