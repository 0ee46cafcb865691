/* predictions-fuzzer.c — a predictions file read against a small fixed
 * dataset, by the one-pass reader and by the csv-split one. */
#include "config.h"

#include "dataset.h"
#include "fuzz.h"
#include "predictions.h"

static struct dataset *ds;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ds = fuzz_dataset_open();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *file = fuzz_write("predictions.csv", data, size), *cause = NULL;
	struct predictions *p;
	int pass;

	for (pass = 1; pass >= 0; pass--) {
		predictions_one_pass = pass;
		p = predictions_load(file, ds, &cause);
		predictions_free(p);
		free(cause);
		cause = NULL;
	}
	predictions_one_pass = 1;
	unlink(file);
	free(file);
	return 0;
}
